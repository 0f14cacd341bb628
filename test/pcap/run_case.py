#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""run_case.py: one pcap-driven functional test case of gardengate.

    run_case.py CASE --gardengate PATH --builddir DIR [--conf FILE]
    run_case.py --list

For CASE it writes input pcaps for the N3 and N6 ports into DIR/CASE/,
runs gardengate on them with net_pcap ports (--idle-exit, --stats-file, a
file prefix of its own, killed after a timeout), then checks:

  * every frame gardengate sent, against the frame the contract says it
    must send: the data-plane frames of each port in input order, the
    control lcore's replies (ARP, ICMP) in any order. Frames are compared
    octet for octet; only the fields the contract leaves to gardengate
    (outer IPv4 identification and DF, the TTL and UDP checksum of the
    messages it originates, ...) are taken from the frame received. A
    difference is reported field by field;
  * every IPv4/UDP/TCP/ICMP checksum sent, outer and inner, recomputed by
    scapy;
  * the final statistics: the JSON file and the line on stdout agree, every
    counter and drop reason of lib/counters/gg_counters.h is present and
    has exactly the value the inputs call for (all others 0), port and
    worker figures add up;
  * tshark on each output pcap: no malformed packet, no expert warning or
    error (checksum checks on), and its decoding of the Ethernet, ARP, IP,
    UDP, ICMP and GTP-U fields equals what the case expects.

Exit status 0 when everything matched, 1 otherwise (with the list of
differences), 2 on usage errors. Everything needed to reproduce a run is
left in DIR/CASE/: inputs, outputs, command line, gardengate's output,
statistics and plan.txt (what each input is and what it must cause).
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import struct
import sys
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gtpu_traffic as gt  # noqa: E402

SRC_ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_CONF = os.path.join(HERE, "pcap-test.conf")
COUNTERS_H = os.path.join(SRC_ROOT, "lib", "counters", "gg_counters.h")
COUNTERS_DOC = os.path.join(SRC_ROOT, "doc", "counters.rst")

RUN_TIMEOUT_S = 60.0
IDLE_EXIT_S = "0.5"
EAL_ARGS = ["--no-huge", "--no-pci", "-m", "256", "-l", "0-1",
            "--log-level", "pmd.net.pcap:warning"]

# Hosts on the links, and a host in the data network.
GNB_LINK_MAC = "02:00:00:00:03:0a"    # a gNB on the N3 link
GNB_LINK_MAC2 = "02:00:00:00:03:0b"
N6_HOST_MAC = "02:00:00:00:06:14"     # a host on the N6 link
N6_HOST_IP = "198.51.100.20"
DN_HOST = "203.0.113.10"


class Fail(Exception):
    pass


def pattern(n, seed=0):
    """@n deterministic payload octets."""
    return bytes(((i * 7 + seed * 13 + (i >> 8)) & 0xFF) for i in range(n))


# ---------------------------------------------------------------------------
# Expectations

class Expect:
    """One frame gardengate must send.

    @build(act) returns the expected frame; @act is the decoded view of the
    frame actually received (gt.decode_frame), from which the builder takes
    the fields the contract leaves free. @checks are extra functions of
    @act returning a problem string or None."""

    def __init__(self, what, build, checks=()):
        self.what = what
        self.build = build
        self.checks = list(checks)


def free_ipv4(act, src, dst, proto, payload, ttl=None, tos=0):
    """Outer IPv4 header of a packet gardengate builds. Identification and
    DF are gardengate's choice and taken from the frame received; so is
    the TTL when @ttl is None (but it must not be 0)."""
    if ttl is None:
        ttl = act.get("ip.ttl") or 64
    return gt.ipv4(src, dst, proto, payload, ttl=ttl, tos=tos,
                   ident=act.get("ip.id", 0), df=bool(act.get("ip.df", 0)))


def free_udp_checksum(act):
    """UDP checksum of a message gardengate builds: 0 (none) or correct."""
    return act.get("ip.udp.checksum") != "0x0000"


class Env:
    """The test network, from the config file."""

    def __init__(self, conf):
        self.conf = conf
        self.n3 = conf.n3.address
        self.n6 = conf.n6.address
        self.n3_nh = conf.n3.next_hop
        self.n6_nh = conf.n6.next_hop
        self.n3_nh_mac = conf.n3.next_hop_mac
        self.n6_nh_mac = conf.n6.next_hop_mac
        self.n3_mtu = conf.n3.mtu
        self.in_mac = {"n3": gt.PCAP_PMD_MAC_N3, "n6": gt.PCAP_PMD_MAC_N6}
        self.mac = {"n3": None, "n6": None}   # from gardengate's statistics
        s = conf.sessions
        # The cases rely on these properties of the sessions in the config.
        need = [(0, True), (1, False), (2, True), (3, False), (4, True)]
        if len(s) < 5 or any((s[i].qfi is not None) != q for i, q in need):
            raise Fail("%s: sessions must be, in order: with QFI, without, with, without, with"
                       % conf.path)
        if any(x.state != "full" for x in s):
            raise Fail("%s: the pcap cases expect every session to be \"full\"" % conf.path)
        if s[0].gnb != s[1].gnb:
            raise Fail("%s: sessions 1 and 2 must share their gNB" % conf.path)
        self.A, self.B, self.C, self.D, self.E = s[:5]


class Case:
    """Inputs of one case and everything they must cause."""

    def __init__(self, env):
        self.env = env
        self.inputs = {"n3": [], "n6": []}     # (frame, description)
        self.out = {"n3": [], "n6": []}        # data plane, in input order
        self.ctrl = {"n3": [], "n6": []}       # control lcore, any order
        self.counts = Counter()                # expected non-zero counters
        self.plan = []

    def add(self, port, frame, what, out=None, ctrl=None, count=None):
        """Input @frame on @port. @out/@ctrl: (port, Expect) it must cause;
        @count: {counter or drop name: increment}."""
        self.inputs[port].append((frame, what))
        self.counts["rx_" + port] += 1
        effects = []
        for kind, target in (("out", out), ("ctrl", ctrl)):
            if target:
                oport, exp = target
                (self.out if kind == "out" else self.ctrl)[oport].append(exp)
                self.counts["tx_" + oport] += 1
                effects.append("%s %s: %s" % ("->" if kind == "out" else "=>", oport, exp.what))
        for name, n in (count or {}).items():
            self.counts[name] += n
            effects.append("%s+%d" % (name, n))
        if not out and not ctrl:
            effects.append("nothing sent")
        self.plan.append("%s #%d %s\n      %s" % (port, len(self.inputs[port]), what,
                                                 "; ".join(effects)))

    # -- behaviours ------------------------------------------------------

    def uplink(self, s, inner, what, gnb=None, sport=gt.GTPU_PORT, trailer=b"",
               outer_ttl=64, udp_checksum=False, **gtp_kw):
        """A G-PDU for session @s carrying @inner: must come out on N6
        decapsulated, inner TTL - 1."""
        e = self.env
        frame = gt.n3_frame(e.in_mac["n3"], e.n3_nh_mac, gnb or s.gnb, e.n3,
                            gt.gpdu(s.ul_teid, inner, **gtp_kw), sport=sport,
                            ttl=outer_ttl, udp_checksum=udp_checksum) + trailer

        def build(act):
            return gt.ether(e.n6_nh_mac, e.mac["n6"], gt.ETH_P_IPV4, gt.decrement_ttl(inner),
                            pad=False)
        self.add("n3", frame, "uplink " + what,
                 out=("n6", Expect("decapsulated " + what, build)),
                 count={"ul_decap": 1, "ul_decap_bytes": len(inner)})

    def downlink(self, s, inner, what):
        """@inner arriving on N6 for UE @s: must come out on N3 in a G-PDU
        to the session's gNB (with a DL PDU Session Container when the
        session has a QFI)."""
        e = self.env
        frame = gt.ether(e.in_mac["n6"], e.n6_nh_mac, gt.ETH_P_IPV4, inner)

        def build(act):
            exts = [gt.ext_pdu_session_dl(s.qfi)] if s.qfi is not None else []
            msg = gt.gpdu(s.dl_teid, gt.decrement_ttl(inner), exts=exts)
            # The outer TOS is not in the contract: taken as sent (see report).
            ip = free_ipv4(act, e.n3, s.gnb, gt.IPPROTO_UDP,
                           gt.udp(e.n3, s.gnb, gt.GTPU_PORT, gt.GTPU_PORT, msg, checksum=False),
                           ttl=64, tos=act.get("ip.tos", 0))
            return gt.ether(e.n3_nh_mac, e.mac["n3"], gt.ETH_P_IPV4, ip, pad=False)
        self.add("n6", frame, "downlink " + what,
                 out=("n3", Expect("encapsulated " + what, build)),
                 count={"dl_encap": 1, "dl_encap_bytes": len(inner)})

    def downlink_as(self, s, inner, out_inner, what, extra=None):
        """@inner arriving on N6 for UE @s must leave on N3 as @out_inner
        (TTL - 1 of it) tunnelled: a packet gardengate rewrites."""
        e = self.env
        frame = gt.ether(e.in_mac["n6"], e.n6_nh_mac, gt.ETH_P_IPV4, inner)

        def build(act):
            exts = [gt.ext_pdu_session_dl(s.qfi)] if s.qfi is not None else []
            msg = gt.gpdu(s.dl_teid, gt.decrement_ttl(out_inner), exts=exts)
            ip = free_ipv4(act, e.n3, s.gnb, gt.IPPROTO_UDP,
                           gt.udp(e.n3, s.gnb, gt.GTPU_PORT, gt.GTPU_PORT, msg, checksum=False),
                           ttl=64, tos=act.get("ip.tos", 0))
            return gt.ether(e.n3_nh_mac, e.mac["n3"], gt.ETH_P_IPV4, ip, pad=False)
        count = {"dl_encap": 1, "dl_encap_bytes": len(inner)}
        count.update(extra or {})
        self.add("n6", frame, "downlink " + what,
                 out=("n3", Expect("encapsulated " + what, build)), count=count)

    def downlink_fragmented(self, s, inner, what):
        """@inner (no DF) too big for N3 once tunnelled: the outer packet
        must leave in fragments of at most the N3 MTU, DF clear, one
        identification, the gNB's to reassemble."""
        e = self.env
        frame = gt.ether(e.in_mac["n6"], e.n6_nh_mac, gt.ETH_P_IPV4, inner)
        exts = [gt.ext_pdu_session_dl(s.qfi)] if s.qfi is not None else []
        msg = gt.gpdu(s.dl_teid, gt.decrement_ttl(inner), exts=exts)
        whole = gt.ipv4(e.n3, s.gnb, gt.IPPROTO_UDP,
                        gt.udp(e.n3, s.gnb, gt.GTPU_PORT, gt.GTPU_PORT, msg, checksum=False))
        hdr, frags = outer_fragments(whole, e.n3_mtu)
        for k, (mf, off, data) in enumerate(frags):
            def build(act, mf=mf, off=off, data=data):
                ip = gt.ipv4(e.n3, s.gnb, gt.IPPROTO_UDP, data, ttl=64,
                             tos=act.get("ip.tos", 0), ident=act.get("ip.id", 0),
                             mf=mf, frag_offset=off)
                return gt.ether(e.n3_nh_mac, e.mac["n3"], gt.ETH_P_IPV4, ip, pad=False)
            if k == 0:
                self.add("n6", frame, what,
                         out=("n3", Expect("outer fragment 1/%d of %s" % (len(frags), what),
                                           build)),
                         count={"dl_encap": 1, "dl_encap_bytes": len(inner),
                                "dl_fragmented": 1, "frag_sent": len(frags)})
            else:
                self.out["n3"].append(Expect("outer fragment %d/%d of %s"
                                             % (k + 1, len(frags), what), build))
                self.counts["tx_n3"] += 1

    def uplink_frag_needed(self, s, inner, mtu, what):
        """@inner (DF) over the N6 MTU: Fragmentation Needed for @mtu from
        our N6 address to the UE, tunnelled to its gNB."""
        e = self.env
        frame = self.g_pdu_frame(s, inner)

        def build(act):
            exts = [gt.ext_pdu_session_dl(s.qfi)] if s.qfi is not None else []
            msg = gt.gpdu(s.dl_teid, icmp_frag_needed(e.n6, s.ue, inner, mtu), exts=exts)
            ip = free_ipv4(act, e.n3, s.gnb, gt.IPPROTO_UDP,
                           gt.udp(e.n3, s.gnb, gt.GTPU_PORT, gt.GTPU_PORT, msg, checksum=False),
                           ttl=64, tos=act.get("ip.tos", 0))
            return gt.ether(e.n3_nh_mac, e.mac["n3"], gt.ETH_P_IPV4, ip, pad=False)
        self.add("n3", frame, what,
                 out=("n3", Expect("Fragmentation Needed (MTU %d) tunnelled to %s"
                                   % (mtu, s.ue), build)),
                 count={"ul_too_big": 1, "ul_frag_needed_sent": 1})

    def uplink_fragmented(self, s, inner, mtu, what):
        """@inner (no DF) over the N6 MTU: decapsulated, in fragments."""
        e = self.env
        frame = self.g_pdu_frame(s, inner)
        hdr, frags = outer_fragments(gt.decrement_ttl(inner), mtu)
        for k, (mf, off, data) in enumerate(frags):
            def build(act, mf=mf, off=off, data=data):
                return gt.ether(e.n6_nh_mac, e.mac["n6"], gt.ETH_P_IPV4,
                                refragment_ipv4(hdr, mf, off, data), pad=False)
            exp = Expect("fragment %d/%d of %s" % (k + 1, len(frags), what), build)
            if k == 0:
                self.add("n3", frame, what, out=("n6", exp),
                         count={"ul_decap": 1, "ul_decap_bytes": len(inner),
                                "ul_fragmented": 1, "frag_sent": len(frags)})
            else:
                self.out["n6"].append(exp)
                self.counts["tx_n6"] += 1

    def uplink_in_fragments(self, s, inner, pieces, ident, what):
        """A G-PDU for @s carrying @inner, its outer IPv4 packet cut into
        @pieces [(start, end or None)] of its payload, sent in that order:
        reassembled, it must come out on N6 like any G-PDU."""
        e = self.env
        msg = gt.gpdu(s.ul_teid, inner)
        whole = gt.ipv4_udp(s.gnb, e.n3, gt.GTPU_PORT, gt.GTPU_PORT, msg,
                            udp_checksum=False, ident=ident)
        hdr, data = whole[:20], whole[20:]
        for k, (a, b) in enumerate(pieces):
            frame = gt.ether(e.in_mac["n3"], e.n3_nh_mac, gt.ETH_P_IPV4,
                             refragment_ipv4(hdr, b is not None, a // 8, data[a:b]))
            label = "uplink in outer fragments, %s: fragment %d-%s" % (what, a, b or "end")
            if k < len(pieces) - 1:
                self.add("n3", frame, label, count={"ul_fragment_rx": 1})
                continue

            def build(act):
                return gt.ether(e.n6_nh_mac, e.mac["n6"], gt.ETH_P_IPV4,
                                gt.decrement_ttl(inner), pad=False)
            self.add("n3", frame, label,
                     out=("n6", Expect("reassembled and decapsulated, " + what, build)),
                     count={"ul_fragment_rx": 1, "ul_reassembled": 1, "ul_decap": 1,
                            "ul_decap_bytes": len(inner)})

    def drop(self, port, frame, what, reason, extra=None):
        count = {reason: 1}
        count.update(extra or {})
        self.add(port, frame, what, count=count)

    def error_indication(self, frame, what, sender, sport, teid):
        """@frame is a G-PDU for unknown @teid from @sender:@sport: an Error
        Indication must go back to the sender."""
        e = self.env

        def build(act):
            msg = gt.error_indication(teid, e.n3, udp_port=None if sport == gt.GTPU_PORT else sport,
                                      seq=act.get("gtp.seq", 0))
            ip = free_ipv4(act, e.n3, sender, gt.IPPROTO_UDP,
                           gt.udp(e.n3, sender, gt.GTPU_PORT, gt.GTPU_PORT, msg,
                                  checksum=free_udp_checksum(act)))
            return gt.ether(e.n3_nh_mac, e.mac["n3"], gt.ETH_P_IPV4, ip, pad=False)
        self.add("n3", frame, what,
                 out=("n3", Expect("Error Indication for TEID 0x%08x to %s:%d" % (teid, sender, sport),
                                   build, [ttl_not_zero])),
                 count={"ul_unknown_teid": 1, "gtpu_error_indication_sent": 1})

    def ext_notification(self, frame, what, sender, sport, bad_type):
        """@frame carries an unknown comprehension-required extension header
        @bad_type: dropped, Supported Extension Headers Notification back."""
        e = self.env

        def build(act):
            types = bytes.fromhex(act.get("gtp.ie0.value", "")) if act.get("gtp.ie0.type") == \
                gt.IE_EXT_HDR_TYPE_LIST else b""
            msg = gt.gtpu(gt.MSG_SUPPORTED_EXT_HDR_NOTIFICATION, 0, gt.ie_ext_hdr_type_list(types),
                          seq=act.get("gtp.seq", 0))
            ip = free_ipv4(act, e.n3, sender, gt.IPPROTO_UDP,
                           gt.udp(e.n3, sender, gt.GTPU_PORT, sport, msg,
                                  checksum=free_udp_checksum(act)))
            return gt.ether(e.n3_nh_mac, e.mac["n3"], gt.ETH_P_IPV4, ip, pad=False)

        def list_ok(act):
            types = bytes.fromhex(act.get("gtp.ie0.value", "")) \
                if act.get("gtp.ie0.type") == gt.IE_EXT_HDR_TYPE_LIST else b""
            if gt.EXT_PDU_SESSION_CONTAINER not in types:
                return "Extension Header Type List [%s] lacks the PDU Session Container (0x85)" \
                    % " ".join("0x%02x" % t for t in types)
            if bad_type in types:
                return "Extension Header Type List claims support of 0x%02x, the type it rejected" \
                    % bad_type
            return None
        self.add("n3", frame, what,
                 out=("n3", Expect("Supported Extension Headers Notification to %s" % sender, build,
                                   [list_ok, ttl_not_zero])),
                 count={"gtpu_unknown_required_ext": 1, "gtpu_ext_hdr_notification_sent": 1})

    def g_pdu_frame(self, s, inner, src=None, sport=gt.GTPU_PORT, teid=None, **gtp_kw):
        e = self.env
        return gt.n3_frame(e.in_mac["n3"], e.n3_nh_mac, src or s.gnb, e.n3,
                           gt.gpdu(s.ul_teid if teid is None else teid, inner, **gtp_kw), sport=sport)


def ttl_not_zero(act):
    return "IPv4 TTL 0 in a packet gardengate originated" if act.get("ip.ttl") == 0 else None


def ul_inner(s, n, seed=0, **ipkw):
    """A UDP packet from UE @s to the DN host, @n payload octets."""
    return gt.ipv4_udp(s.ue, DN_HOST, 40000 + seed, 50000 + seed, pattern(n, seed), **ipkw)


def dl_inner(s, n, seed=0, **ipkw):
    return gt.ipv4_udp(DN_HOST, s.ue, 50000 + seed, 40000 + seed, pattern(n, seed), **ipkw)


# ---------------------------------------------------------------------------
# The cases

def case_uplink(c):
    e = c.env
    A, B, C, D, E = e.A, e.B, e.C, e.D, e.E
    c.uplink(A, ul_inner(A, 100, 1, ident=1), "UDP, 8-octet header")
    c.uplink(B, gt.ipv4_tcp(B.ue, DN_HOST, 40002, 50002, pattern(200, 2), seq=1000, ack=77,
                            df=True, ident=2), "TCP, outer UDP checksum present", udp_checksum=True)
    c.uplink(C, gt.ipv4_icmp_echo(C.ue, DN_HOST, 0x1234, 1, pattern(56, 3), ident=3),
             "ICMP echo, TEID 0x%08x" % C.ul_teid)
    c.uplink(D, ul_inner(D, 1400 - 28, 4, ident=4), "1400-octet inner, TEID 0x%08x" % D.ul_teid)
    c.uplink(E, ul_inner(E, 80, 5, ident=5), "S=1 seq 77, outer TTL 1, TEID 0x%08x" % E.ul_teid,
             seq=77, outer_ttl=1)
    c.uplink(A, ul_inner(A, 60, 6, ident=6), "PN=1 N-PDU number 5", npdu=5)
    c.uplink(B, ul_inner(B, 70, 7, ident=7), "from UDP source port 33333", sport=33333)
    c.uplink(A, ul_inner(A, 40, 8, ident=8, tos=0xb8, options=b"\x94\x04\x00\x00"),
             "inner with IPv4 options and DSCP EF")
    c.uplink(A, ul_inner(A, 30, 9, ident=9, ttl=255), "inner TTL 255")
    c.uplink(A, ul_inner(A, 30, 10, ident=10, ttl=2), "inner TTL 2")
    c.uplink(B, ul_inner(B, 300, 11, ident=11, mf=True), "inner first fragment (MF)")
    c.uplink(B, gt.ipv4(B.ue, DN_HOST, gt.IPPROTO_UDP, pattern(200, 12), ident=11, frag_offset=38),
             "inner last fragment (offset 304)")
    zid = gt.ident_for_zero_checksum(A.ue, DN_HOST, gt.IPPROTO_UDP, 8 + 44, ttl_after=63)
    c.uplink(A, ul_inner(A, 44, 13, ident=zid), "inner whose checksum after TTL-1 is 0x0000")
    c.uplink(A, gt.ipv4_udp(A.ue, DN_HOST, 40014, 50014, pattern(90, 14), udp_checksum=False,
                            ident=14), "inner UDP without checksum")
    c.uplink(B, ul_inner(B, 64, 15, ident=15), "frame with a 6-octet Ethernet trailer",
             trailer=b"\xde\xad\xbe\xef\x00\x01")
    c.drop("n3", c.g_pdu_frame(A, gt.ipv4_udp(B.ue, DN_HOST, 40016, 50016, pattern(50, 16))),
           "uplink, inner source is another session's UE", "ul_spoofed_source")
    c.drop("n3", c.g_pdu_frame(C, gt.ipv4_udp("8.8.8.8", DN_HOST, 40017, 50017, pattern(50, 17))),
           "uplink, inner source 8.8.8.8", "ul_spoofed_source")
    c.drop("n3", c.g_pdu_frame(A, ul_inner(A, 50, 18, ttl=1)), "uplink, inner TTL 1", "ttl_expired")
    c.drop("n3", c.g_pdu_frame(B, ul_inner(B, 50, 19, ttl=0)), "uplink, inner TTL 0", "ttl_expired")
    c.uplink(A, ul_inner(A, 100, 20, ident=20), "UDP, last packet")


def case_downlink(c):
    e = c.env
    A, B, C, D, E = e.A, e.B, e.C, e.D, e.E
    mtu = e.n3_mtu
    c.downlink(A, dl_inner(A, 100, 1, ident=1), "UDP to a QFI %d session" % A.qfi)
    c.downlink(B, gt.ipv4_tcp(DN_HOST, B.ue, 50002, 40002, pattern(200, 2), seq=5, ack=6, df=True,
                              ident=2), "TCP to a session without QFI")
    c.downlink(C, gt.ipv4_icmp_echo(DN_HOST, C.ue, 0x4321, 9, pattern(56, 3), reply=True, ident=3),
               "ICMP echo reply, QFI %d" % C.qfi)
    c.downlink(D, dl_inner(D, 500, 4, ident=4), "dl_teid 0x%08x" % D.dl_teid)
    c.downlink(E, dl_inner(E, 80, 5, ident=5), "QFI %d, gNB %s" % (E.qfi, E.gnb))
    c.downlink(B, dl_inner(B, 0, 6, ident=6), "28-octet packet in a padded 60-octet frame")
    c.downlink(A, dl_inner(A, mtu - gt.GPDU_OVERHEAD_QFI - 28, 7, ident=7),
               "largest that fits the N3 MTU with a PDU Session Container")
    c.downlink(B, dl_inner(B, mtu - gt.GPDU_OVERHEAD - 28, 8, ident=8),
               "largest that fits the N3 MTU without QFI")
    # One octet too big, from a multicast source: no ICMP error may go to
    # it (the "mtu" case has the Fragmentation Needed and the fragments).
    c.drop("n6", gt.ether(e.in_mac["n6"], e.n6_nh_mac, gt.ETH_P_IPV4,
                          gt.ipv4_udp("224.0.0.9", A.ue, 50009, 40009,
                                      pattern(mtu - gt.GPDU_OVERHEAD_QFI - 28 + 1, 9),
                                      df=True)),
           "downlink one octet too big for the N3 MTU (QFI), DF", "dl_too_big")
    c.drop("n6", gt.ether(e.in_mac["n6"], e.n6_nh_mac, gt.ETH_P_IPV4,
                          gt.ipv4_udp("224.0.0.9", B.ue, 50010, 40010,
                                      pattern(mtu - gt.GPDU_OVERHEAD - 28 + 1, 10),
                                      df=True)),
           "downlink one octet too big for the N3 MTU (no QFI), DF", "dl_too_big")
    c.drop("n6", gt.ether(e.in_mac["n6"], e.n6_nh_mac, gt.ETH_P_IPV4,
                          gt.ipv4_udp(DN_HOST, "10.45.9.9", 50011, 40011, pattern(40, 11))),
           "downlink to 10.45.9.9 (no session)", "dl_no_session")
    c.drop("n6", gt.ether(e.in_mac["n6"], e.n6_nh_mac, gt.ETH_P_IPV4, dl_inner(A, 40, 12, ttl=1)),
           "downlink with TTL 1", "ttl_expired")
    zid = gt.ident_for_zero_checksum(DN_HOST, B.ue, gt.IPPROTO_UDP, 8 + 44, ttl_after=63)
    c.downlink(B, dl_inner(B, 44, 13, ident=zid), "inner whose checksum after TTL-1 is 0x0000")
    c.downlink(A, dl_inner(A, 64, 14, ident=14, tos=0xb8), "DSCP EF")
    c.downlink(D, dl_inner(D, 200, 15, ident=15, mf=True), "first fragment (MF)")
    c.downlink(A, dl_inner(A, 100, 16, ident=16), "UDP, last packet")


# --- MTU, MSS and fragments (the "mtu" case; doc/gtpu.rst "MTU") --------

ICMP_QUOTE_MAX = 576 - 28      # RFC 1812 4.3.2.3, as gardengate quotes


def icmp_frag_needed(src, dst, packet, mtu):
    """ICMP Fragmentation Needed (type 3 code 4, RFC 1191) from @src to
    @dst quoting @packet, next-hop MTU @mtu; precedence 6 TOS, TTL 64, ID 0,
    no DF: the packet gardengate builds."""
    quote = packet[:ICMP_QUOTE_MAX]
    body = struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + quote
    body = body[:2] + struct.pack("!H", gt.inet_checksum(body)) + body[4:]
    return gt.ipv4(src, dst, gt.IPPROTO_ICMP, body, ttl=64, tos=0xC0, ident=0)


def outer_fragments(ip_packet, mtu):
    """RFC 791 fragments of @ip_packet (20-octet header) for @mtu, DF
    cleared: [(mf, offset in 8-octet units, header fields, payload)]."""
    hdr, data = ip_packet[:20], ip_packet[20:]
    step = (mtu - 20) // 8 * 8
    out = []
    for off in range(0, len(data), step):
        out.append((off + step < len(data), off // 8, data[off:off + step]))
    return hdr, out


def refragment_ipv4(hdr, mf, frag_offset, payload):
    """One fragment with the fields of header @hdr."""
    tos, ident, ttl, proto = hdr[1], struct.unpack("!H", hdr[4:6])[0], hdr[8], hdr[9]
    src = "%d.%d.%d.%d" % tuple(hdr[12:16])
    dst = "%d.%d.%d.%d" % tuple(hdr[16:20])
    return gt.ipv4(src, dst, proto, payload, ttl=ttl, tos=tos, ident=ident, mf=mf,
                   frag_offset=frag_offset)


def case_mtu(c):
    e = c.env
    A, B, C = e.A, e.B, e.C
    mtu3, mtu6 = e.n3_mtu, e.conf.n6.mtu
    mss = min(mtu3 - 84, mtu6 - 40)          # mtu.tcp_mss's default

    # What N3 input sends on N3 comes first there: the worker polls N3
    # before N6 in each round, and every input of this case fits one burst.
    big = gt.ipv4_tcp(A.ue, DN_HOST, 41001, 80, pattern(mtu6 - 40 + 1, 9), seq=1, ack=1,
                      df=True, ident=9)
    c.uplink_frag_needed(A, big, mtu6, "uplink DF, one octet over the N6 MTU")

    # MSS clamping, both directions: SYN (uplink), SYN-ACK (downlink).
    for s, n, (mss_in, mss_out) in ((A, 1, (1460, mss)), (B, 2, (1200, 1200))):
        syn = gt.ipv4_tcp(s.ue, DN_HOST, 41000 + n, 80, seq=100, flags=0x02,
                          tcp_options=gt.tcp_opts_linux_syn(mss_in), df=True, ident=n)
        clamped = gt.ipv4_tcp(s.ue, DN_HOST, 41000 + n, 80, seq=100, flags=0x02,
                              tcp_options=gt.tcp_opts_linux_syn(mss_out), df=True, ident=n)
        frame = c.g_pdu_frame(s, syn)

        def build(act, clamped=clamped):
            return gt.ether(e.n6_nh_mac, e.mac["n6"], gt.ETH_P_IPV4,
                            gt.decrement_ttl(clamped), pad=False)
        cnt = {"ul_decap": 1, "ul_decap_bytes": len(syn)}
        if mss_out != mss_in:
            cnt["tcp_mss_clamped"] = 1
        c.add("n3", frame, "uplink SYN, MSS %d" % mss_in,
              out=("n6", Expect("SYN with MSS %d" % mss_out, build)), count=cnt)
    synack = gt.ipv4_tcp(DN_HOST, A.ue, 80, 41001, seq=7, ack=101, flags=0x12,
                         tcp_options=gt.tcp_opt_mss(1460), df=True, ident=3)
    c.downlink_as(A, synack, gt.ipv4_tcp(DN_HOST, A.ue, 80, 41001, seq=7, ack=101,
                                         flags=0x12, tcp_options=gt.tcp_opt_mss(mss),
                                         df=True, ident=3),
                  "SYN-ACK, MSS 1460 -> %d" % mss, {"tcp_mss_clamped": 1})
    # A SYN without an MSS option is left alone (its peer assumes 536).
    c.uplink(B, gt.ipv4_tcp(B.ue, DN_HOST, 41002, 80, seq=101, flags=0x02,
                            tcp_options=b"\x01\x01\x04\x02", df=True, ident=4),
             "SYN without an MSS option: untouched")

    # Downlink too big for N3 with DF: Fragmentation Needed to the sender.
    for s, ov in ((A, gt.GPDU_OVERHEAD_QFI), (B, gt.GPDU_OVERHEAD)):
        big = gt.ipv4_tcp(DN_HOST, s.ue, 80, 41001, pattern(mtu3 - ov - 40 + 1, 5), seq=1,
                          ack=1, df=True, ident=5)
        frame = gt.ether(e.in_mac["n6"], e.n6_nh_mac, gt.ETH_P_IPV4, big)

        def build(act, big=big, ov=ov):
            # Back to the neighbour that handed it over.
            return gt.ether(e.n6_nh_mac, e.mac["n6"], gt.ETH_P_IPV4,
                            icmp_frag_needed(e.n6, DN_HOST, big, mtu3 - ov), pad=False)
        c.add("n6", frame, "downlink DF, one octet too big (%d overhead)" % ov,
              ctrl=("n6", Expect("Fragmentation Needed, MTU %d, to %s" % (mtu3 - ov, DN_HOST),
                                 build)),
              count={"dl_too_big": 1, "dl_frag_needed_sent": 1})
    # An ICMP error gets no ICMP error (RFC 1812 4.3.2.7).
    err = gt.ipv4(DN_HOST, A.ue, gt.IPPROTO_ICMP,
                  struct.pack("!BBHI", 3, 3, 0, 0) + pattern(mtu3, 6), df=True)
    c.drop("n6", gt.ether(e.in_mac["n6"], e.n6_nh_mac, gt.ETH_P_IPV4, err),
           "downlink ICMP error with DF, too big: dropped, no ICMP about it", "dl_too_big")

    # Downlink too big without DF: outer fragments to the gNB.
    for s, n in ((A, 7), (C, 8)):
        inner = dl_inner(s, mtu3 - 28 + 10 * n, n, ident=n)
        c.downlink_fragmented(s, inner, "downlink %d octets, no DF" % len(inner))

    # Uplink T-PDU bigger than the N6 MTU (an N3 frame the pcap PMD takes
    # whole): DF -> Fragmentation Needed in the tunnel to the UE; no DF ->
    # fragments on N6.
    inner = ul_inner(B, mtu6 + 300 - 28, 10, ident=10)
    c.uplink_fragmented(B, inner, mtu6, "uplink %d octets, no DF" % len(inner))

    # Outer fragments from a gNB, reassembled and handled like any G-PDU.
    inner = ul_inner(A, 1400, 11, ident=11)
    c.uplink_in_fragments(A, inner, [(0, 800), (800, None)], 0x7001, "in order, 2 fragments")
    inner = ul_inner(C, 1200, 12, ident=12)
    c.uplink_in_fragments(C, inner, [(1000, None), (496, 1000), (0, 496)], 0x7002,
                          "reversed, 3 fragments")
    # Overlapping fragments: both dropped once the lengths add up.
    msg = gt.gpdu(B.ul_teid, ul_inner(B, 1000, 13, ident=13))
    whole = gt.ipv4_udp(B.gnb, e.n3, gt.GTPU_PORT, gt.GTPU_PORT, msg, udp_checksum=False,
                        ident=0x7003)
    hdr, data = whole[:20], whole[20:]
    c.add("n3", gt.ether(e.in_mac["n3"], e.n3_nh_mac, gt.ETH_P_IPV4,
                         refragment_ipv4(hdr, True, 0, data[:800])),
          "overlapping fragments, first (0-800)", count={"ul_fragment_rx": 1})
    c.drop("n3", gt.ether(e.in_mac["n3"], e.n3_nh_mac, gt.ETH_P_IPV4,
                          refragment_ipv4(hdr, False, 50, data[400:])),
           "overlapping fragments, last (400-end)", "reasm_overlap",
           extra={"ul_fragment_rx": 1})
    # The first of them counts as dropped too, with the second.
    c.counts["reasm_overlap"] += 1
    c.uplink(A, ul_inner(A, 100, 14, ident=14), "UDP, last packet")


def echo_reply_expect(c, sender, sender_mac, sport, seq):
    e = c.env

    def build(act):
        ip = free_ipv4(act, e.n3, sender, gt.IPPROTO_UDP,
                       gt.udp(e.n3, sender, gt.GTPU_PORT, sport, gt.echo_response(seq),
                              checksum=free_udp_checksum(act)))
        return gt.ether(sender_mac, e.mac["n3"], gt.ETH_P_IPV4, ip, pad=False)
    return Expect("Echo Response seq %d to %s:%d" % (seq, sender, sport), build, [ttl_not_zero])


def case_echo(c):
    e = c.env
    for sender, mac, sport, seq, note in (
            ("192.0.2.10", GNB_LINK_MAC, gt.GTPU_PORT, 0x1234, "from port 2152, padded frame"),
            ("192.0.2.11", GNB_LINK_MAC2, 40123, 0xBEEF, "from port 40123"),
            ("192.0.2.10", GNB_LINK_MAC, gt.GTPU_PORT, 0, "sequence number 0")):
        frame = gt.n3_frame(e.in_mac["n3"], mac, sender, e.n3, gt.echo_request(seq), sport=sport)
        c.add("n3", frame, "Echo Request seq %d from %s (%s)" % (seq, sender, note),
              out=("n3", echo_reply_expect(c, sender, mac, sport, seq)),
              count={"gtpu_echo_request": 1})
    c.add("n3", gt.n3_frame(e.in_mac["n3"], GNB_LINK_MAC, "192.0.2.10", e.n3, gt.echo_response(7)),
          "Echo Response seq 7 received", count={"gtpu_echo_response": 1})
    c.uplink(e.A, ul_inner(e.A, 40, 1, ident=1), "G-PDU after the echoes")


def case_error_indication(c):
    e = c.env
    A, B = e.A, e.B
    c.error_indication(c.g_pdu_frame(A, ul_inner(A, 40, 1), teid=0xDEAD),
                       "G-PDU for unknown TEID 0x0000dead from port 2152", A.gnb, gt.GTPU_PORT, 0xDEAD)
    c.error_indication(c.g_pdu_frame(A, ul_inner(A, 40, 2), src="192.0.2.11", sport=50123,
                                     teid=0x12345),
                       "G-PDU for unknown TEID 0x00012345 from 192.0.2.11 port 50123",
                       "192.0.2.11", 50123, 0x12345)
    c.error_indication(c.g_pdu_frame(A, ul_inner(A, 40, 3), teid=A.ul_teid + 2,
                                     exts=[gt.ext_pdu_session_ul(A.qfi)]),
                       "G-PDU with PDU Session Container for unknown TEID 0x%08x" % (A.ul_teid + 2),
                       A.gnb, gt.GTPU_PORT, A.ul_teid + 2)
    c.add("n3", gt.n3_frame(e.in_mac["n3"], e.n3_nh_mac, A.gnb, e.n3,
                            gt.error_indication(A.dl_teid, A.gnb)),
          "Error Indication received (TEID Data I 0x%08x)" % A.dl_teid,
          count={"gtpu_error_indication_rx": 1})
    c.uplink(B, ul_inner(B, 40, 4, ident=4), "G-PDU after the Error Indications")


def case_ext_headers(c):
    e = c.env
    A, B, C, E = e.A, e.B, e.C, e.E
    c.uplink(A, ul_inner(A, 60, 1, ident=1), "UL PDU Session Container QFI %d" % A.qfi,
             exts=[gt.ext_pdu_session_ul(A.qfi)])
    c.uplink(B, ul_inner(B, 60, 2, ident=2),
             "chain PDU Session Container, 0x31 (1 unit), 0x55 (2 units)",
             exts=[gt.ext_pdu_session_ul(5), gt.ext_header(0x31, b"\x01\x02"),
                   gt.ext_header(0x55, bytes(range(6)))])
    c.uplink(C, ul_inner(C, 60, 3, ident=3), "chain 0x3f (unknown, not required), then "
             "PDU Session Container", exts=[gt.ext_header(0x3F, b"\xaa\xbb"),
                                             gt.ext_pdu_session_ul(C.qfi)])
    c.uplink(E, ul_inner(E, 60, 4, ident=4), "chain PDCP PDU Number (0xc0), PDU Session Container",
             exts=[gt.ext_pdcp_pdu_number(1234), gt.ext_pdu_session_ul(E.qfi)])
    c.uplink(A, ul_inner(A, 60, 5, ident=5), "PDU Session Container of 2 units",
             exts=[gt.ext_pdu_session_ul(A.qfi, extra=b"\x00\x00\x00\x00")])
    c.uplink(A, ul_inner(A, 60, 6, ident=6), "S=1 seq 9 and PDU Session Container",
             seq=9, exts=[gt.ext_pdu_session_ul(A.qfi)])
    c.ext_notification(c.g_pdu_frame(A, ul_inner(A, 40, 7), seq=0x4242,
                                     exts=[gt.ext_header(0xA0, b"\x00\x00")]),
                       "G-PDU with unknown required extension 0xa0, seq 0x4242", A.gnb,
                       gt.GTPU_PORT, 0xA0)
    c.ext_notification(c.g_pdu_frame(B, ul_inner(B, 40, 8), src="192.0.2.11",
                                     exts=[gt.ext_pdu_session_ul(5),
                                           gt.ext_header(0xE1, bytes(6))]),
                       "G-PDU from 192.0.2.11 with PDU Session Container then unknown required 0xe1",
                       "192.0.2.11", gt.GTPU_PORT, 0xE1)
    c.uplink(B, ul_inner(B, 60, 9, ident=9), "plain G-PDU, last packet")


def case_end_marker(c):
    e = c.env
    A, B = e.A, e.B
    c.uplink(A, ul_inner(A, 60, 1, ident=1), "G-PDU before the End Marker")
    c.add("n3", gt.n3_frame(e.in_mac["n3"], e.n3_nh_mac, A.gnb, e.n3, gt.end_marker(A.ul_teid)),
          "End Marker TEID 0x%08x" % A.ul_teid, count={"gtpu_end_marker": 1})
    c.add("n3", gt.n3_frame(e.in_mac["n3"], e.n3_nh_mac, B.gnb, e.n3,
                            gt.gtpu(gt.MSG_END_MARKER, B.ul_teid, seq=3)),
          "End Marker TEID 0x%08x, S=1" % B.ul_teid, count={"gtpu_end_marker": 1})
    c.uplink(B, ul_inner(B, 60, 2, ident=2), "G-PDU after the End Markers")


def case_malformed(c):
    e = c.env
    A, B = e.A, e.B
    dst, src, gnb = e.in_mac["n3"], e.n3_nh_mac, A.gnb
    inner = ul_inner(A, 64, 1)
    good = gt.gpdu(A.ul_teid, inner)

    def ip_frame(packet, pad=True):
        return gt.ether(dst, src, gt.ETH_P_IPV4, packet, pad)

    def to_us(msg, **ipkw):
        return gt.ipv4_udp(gnb, e.n3, gt.GTPU_PORT, gt.GTPU_PORT, msg, udp_checksum=False, **ipkw)

    def gtpu_frame(msg):
        return ip_frame(to_us(msg))

    def n3(frame, what, reason):
        c.drop("n3", frame, what, reason)

    c.uplink(A, ul_inner(A, 64, 2, ident=2), "valid G-PDU before the malformed ones")
    whole = gtpu_frame(good)
    n3(whole[:10], "10-octet runt frame", "eth_truncated")
    n3(whole[:13], "13-octet frame (cut in the ethertype)", "eth_truncated")
    n3(gt.vlan_ether(dst, src, 100, gt.ETH_P_IPV4, to_us(good)), "VLAN-tagged G-PDU",
       "eth_unsupported")
    n3(gt.ether(dst, src, gt.ETH_P_IPV6,
                gt.ipv6_udp("2001:db8::10", "2001:db8::1", gt.GTPU_PORT, gt.GTPU_PORT, good)),
       "G-PDU over IPv6", "eth_unsupported")
    n3(gt.ether(dst, src, 0x88B5, pattern(46)), "local experimental ethertype 0x88b5",
       "eth_unsupported")
    n3(ip_frame(to_us(good, version=6)), "ethertype IPv4, header version 6", "ipv4_bad_header")
    n3(ip_frame(to_us(good, version=5)), "ethertype IPv4, header version 5", "ipv4_bad_header")
    n3(ip_frame(to_us(good, ihl=4)), "IPv4 IHL 4", "ipv4_bad_header")
    n3(ip_frame(to_us(good, total_length=19)), "IPv4 total length 19 (< header)", "ipv4_bad_header")
    n3(ip_frame(to_us(good, total_length=20 + 8 + len(good) + 100)),
       "IPv4 total length 100 octets past the frame", "ipv4_truncated")
    n3(ip_frame(to_us(good)[:12], pad=False), "frame ends inside the IPv4 header", "ipv4_truncated")
    right = to_us(good)
    bad_sum = (int.from_bytes(right[10:12], "big") ^ 0x00FF)
    n3(ip_frame(to_us(good, checksum=bad_sum)), "outer IPv4 header checksum wrong",
       "ipv4_bad_checksum")
    # Outer fragments go to the reassembly (the "mtu" case reassembles):
    # these two never make a packet and stay in its table.
    c.add("n3", ip_frame(to_us(good, mf=True)), "outer first fragment (MF), kept",
          count={"ul_fragment_rx": 1})
    c.add("n3", ip_frame(gt.ipv4(gnb, e.n3, gt.IPPROTO_UDP, pattern(64, 3), frag_offset=100)),
          "outer last fragment (offset 800), kept", count={"ul_fragment_rx": 1})
    c.drop("n3", ip_frame(gt.ipv4(gnb, e.n3, gt.IPPROTO_UDP, b"", mf=True, ident=0x5151)),
           "outer fragment without payload", "reasm_bad_fragment", extra={"ul_fragment_rx": 1})
    n3(ip_frame(to_us(good, options=b"\x01\x01\x01\x00")), "outer IPv4 options (NOP, EOL)",
       "ipv4_options")
    n3(ip_frame(to_us(good, options=b"\x94\x04\x00\x00")), "outer IPv4 Router Alert option",
       "ipv4_options")
    n3(ip_frame(gt.ipv4_udp(gnb, "192.0.2.99", gt.GTPU_PORT, gt.GTPU_PORT, good, udp_checksum=False)),
       "G-PDU to 192.0.2.99", "not_for_us")
    n3(ip_frame(gt.ipv4_udp(gnb, e.n6, gt.GTPU_PORT, gt.GTPU_PORT, good, udp_checksum=False)),
       "G-PDU on N3 to the N6 address", "not_for_us")
    n3(ip_frame(gt.ipv4_udp(gnb, e.n3, gt.GTPU_PORT, 2153, good, udp_checksum=False)),
       "UDP to port 2153", "not_gtpu")
    n3(ip_frame(gt.ipv4_udp(gnb, e.n3, 2123, 2123, good, udp_checksum=False)),
       "UDP to port 2123 (GTP-C)", "not_gtpu")
    n3(ip_frame(gt.ipv4_tcp(gnb, e.n3, 40000, gt.GTPU_PORT, good)), "TCP to port 2152",
       "not_gtpu")
    for delta, note in ((4, "4 more than"), (-4, "4 less than")):
        n3(ip_frame(gt.ipv4(gnb, e.n3, gt.IPPROTO_UDP,
                            gt.udp(gnb, e.n3, gt.GTPU_PORT, gt.GTPU_PORT, good, checksum=False,
                                   length=8 + len(good) + delta))),
           "UDP length %s the IP payload" % note, "udp_bad_length")
    n3(ip_frame(gt.ipv4(gnb, e.n3, gt.IPPROTO_UDP,
                        gt.udp(gnb, e.n3, gt.GTPU_PORT, gt.GTPU_PORT, good, checksum=False, length=7))),
       "UDP length 7", "udp_bad_length")
    n3(gtpu_frame(good[:5]), "GTP-U message of 5 octets", "gtpu_truncated")
    n3(gtpu_frame(good[:7]), "GTP-U message of 7 octets", "gtpu_truncated")
    n3(gtpu_frame(gt.gtpu(gt.MSG_GPDU, A.ul_teid, seq=1, length=2)[:10]),
       "S=1 but only 10 octets (length field 2)", "gtpu_truncated")
    n3(gtpu_frame(gt.gpdu(A.ul_teid, inner, version=2)), "GTP version 2", "gtpu_bad_version")
    n3(gtpu_frame(gt.gpdu(A.ul_teid, inner, version=0)), "GTP version 0", "gtpu_bad_version")
    n3(gtpu_frame(gt.gpdu(A.ul_teid, inner, pt=0)), "GTP' (PT=0)", "gtpu_bad_pt")
    n3(gtpu_frame(gt.gpdu(A.ul_teid, inner, length=len(inner) + 1)), "GTP length 1 too big",
       "gtpu_bad_length")
    n3(gtpu_frame(gt.gpdu(A.ul_teid, inner, length=len(inner) - 1)), "GTP length 1 too small",
       "gtpu_bad_length")
    n3(gtpu_frame(gt.gpdu(A.ul_teid, inner, raw_ext=b"\x00\x00\x00\x00", next_ext=0x31)),
       "zero-length extension header", "gtpu_bad_ext_chain")
    n3(gtpu_frame(gt.gpdu(A.ul_teid, inner, raw_ext=bytes([(len(inner) + 4) // 4 + 2, 1, 2, 0]),
                          next_ext=0x31)),
       "extension header running past the message", "gtpu_bad_ext_chain")
    n3(gtpu_frame(gt.gpdu(A.ul_teid, inner, exts=[gt.ext_pdu_session_raw(5, A.qfi)])),
       "PDU Session Container with PDU type 5", "gtpu_bad_pdu_session")
    n3(gtpu_frame(gt.gpdu(A.ul_teid, inner, exts=[gt.ext_pdu_session_raw(15, A.qfi)])),
       "PDU Session Container with PDU type 15", "gtpu_bad_pdu_session")
    n3(gtpu_frame(gt.gtpu(3, 0, seq=1)), "message type 3", "gtpu_unsupported_msg")
    n3(gtpu_frame(gt.gtpu(100, A.ul_teid, pattern(8))), "message type 100", "gtpu_unsupported_msg")
    n3(gtpu_frame(gt.gpdu(A.ul_teid, b"")), "G-PDU without T-PDU", "gtpu_empty_gpdu")
    n3(gtpu_frame(gt.gpdu(A.ul_teid, b"", seq=5)), "G-PDU with S=1 and no T-PDU", "gtpu_empty_gpdu")
    n3(gtpu_frame(gt.gpdu(B.ul_teid, gt.ipv6_udp("2001:db8:45::3", "2001:db8::10", 40000, 50000,
                                                 pattern(40)))),
       "T-PDU is IPv6", "ul_inner_not_ipv4")
    n3(gtpu_frame(gt.gpdu(B.ul_teid, bytes(40))), "T-PDU of 40 zero octets", "ul_inner_not_ipv4")
    n3(gtpu_frame(gt.gpdu(A.ul_teid, ul_inner(A, 40, 4, ihl=4))), "T-PDU IPv4 IHL 4",
       "ul_inner_bad_header")
    n3(gtpu_frame(gt.gpdu(A.ul_teid, ul_inner(A, 40, 5, total_length=20 + 8 + 40 + 20))),
       "T-PDU IPv4 total length past its end", "ul_inner_bad_header")
    n3(gtpu_frame(gt.gpdu(A.ul_teid, ul_inner(A, 40, 6)[:12])), "T-PDU of 12 octets (0x45...)",
       "ul_inner_bad_header")
    # Shorter than an IPv4 header: dropped by the parse, whatever the TEID
    # (before, the forward stage read the header past the frame).
    n3(gtpu_frame(gt.gpdu(A.ul_teid, b"\x45")), "T-PDU of 1 octet (0x45)", "ul_inner_bad_header")
    n3(gtpu_frame(gt.gpdu(A.ul_teid, ul_inner(A, 40, 6)[:19])), "T-PDU of 19 octets (0x45...)",
       "ul_inner_bad_header")
    n3(gtpu_frame(gt.gpdu(0xdead, ul_inner(A, 40, 6)[:16])),
       "T-PDU of 16 octets to an unknown TEID", "ul_inner_bad_header")
    # Martians (uplink_forward.c): dropped for FULL sessions too, never sent
    # out N6 (a FULL device's SYN to 127.0.0.1 used to leave on N6).
    for i, (dst_ip, what) in enumerate((
            ("127.0.0.1", "loopback"), ("0.1.2.3", "0.0.0.0/8"),
            ("224.0.0.251", "multicast (mDNS)"), ("239.255.255.250", "multicast (SSDP)"),
            ("255.255.255.255", "limited broadcast"), (e.n3, "our N3 address"),
            (e.n6, "our N6 address"))):
        n3(gtpu_frame(gt.gpdu(A.ul_teid, gt.ipv4_tcp(A.ue, dst_ip, 41000 + i, 80, b"",
                                                      seq=1, flags=0x02))),
           "TCP SYN to %s (%s)" % (dst_ip, what), "ul_martian")
    c.uplink(B, ul_inner(B, 64, 7, ident=7), "valid G-PDU after the malformed ones")


def arp_reply_expect(c, port, requester_mac, requester_ip):
    e = c.env
    ours = e.n3 if port == "n3" else e.n6

    def build(act):
        return gt.ether(requester_mac, e.mac[port], gt.ETH_P_ARP,
                        gt.arp(2, e.mac[port], ours, requester_mac, requester_ip), pad=False)
    return Expect("ARP reply %s is-at <%s MAC> to %s" % (ours, port, requester_ip), build)


def icmp_reply_expect(c, port, requester_ip, ident, seq, payload):
    e = c.env
    ours = e.n3 if port == "n3" else e.n6
    nh_mac = e.n3_nh_mac if port == "n3" else e.n6_nh_mac

    def build(act):
        ip = free_ipv4(act, ours, requester_ip, gt.IPPROTO_ICMP,
                       gt.icmp_echo(ident, seq, payload, reply=True))
        return gt.ether(nh_mac, e.mac[port], gt.ETH_P_IPV4, ip, pad=False)
    return Expect("ICMP echo reply %s -> %s id %d seq %d" % (ours, requester_ip, ident, seq), build,
                  [ttl_not_zero])


def case_arp_icmp(c):
    e = c.env
    A, B = e.A, e.B
    c.add("n3", gt.arp_request_frame(GNB_LINK_MAC, A.gnb, e.n3),
          "ARP who-has %s from %s" % (e.n3, A.gnb),
          ctrl=("n3", arp_reply_expect(c, "n3", GNB_LINK_MAC, A.gnb)),
          count={"to_control": 1, "arp_reply_sent": 1})
    pl = pattern(56, 1)
    # ICMP requests come through the next hop (its MAC), so the reply goes
    # back to that MAC whether gardengate swaps addresses or routes.
    c.add("n3", gt.ether(e.in_mac["n3"], e.n3_nh_mac, gt.ETH_P_IPV4,
                         gt.ipv4_icmp_echo(e.n3_nh, e.n3, 0x77, 1, pl, ident=0x1111)),
          "ICMP echo request %s -> %s" % (e.n3_nh, e.n3),
          ctrl=("n3", icmp_reply_expect(c, "n3", e.n3_nh, 0x77, 1, pl)),
          count={"to_control": 1, "icmp_echo_reply_sent": 1})
    c.uplink(A, ul_inner(A, 60, 2, ident=2), "G-PDU between the control packets")
    c.add("n6", gt.arp_request_frame(N6_HOST_MAC, N6_HOST_IP, e.n6),
          "ARP who-has %s from %s" % (e.n6, N6_HOST_IP),
          ctrl=("n6", arp_reply_expect(c, "n6", N6_HOST_MAC, N6_HOST_IP)),
          count={"to_control": 1, "arp_reply_sent": 1})
    pl2 = pattern(100, 2)
    c.add("n6", gt.ether(e.in_mac["n6"], e.n6_nh_mac, gt.ETH_P_IPV4,
                         gt.ipv4_icmp_echo(DN_HOST, e.n6, 0x99, 7, pl2, ident=0x2222)),
          "ICMP echo request %s -> %s" % (DN_HOST, e.n6),
          ctrl=("n6", icmp_reply_expect(c, "n6", DN_HOST, 0x99, 7, pl2)),
          count={"to_control": 1, "icmp_echo_reply_sent": 1})
    c.downlink(B, dl_inner(B, 60, 3, ident=3), "packet between the control packets")


CASES = {
    "uplink": case_uplink,
    "downlink": case_downlink,
    "echo": case_echo,
    "error-indication": case_error_indication,
    "ext-headers": case_ext_headers,
    "end-marker": case_end_marker,
    "malformed": case_malformed,
    "arp-icmp": case_arp_icmp,
    "mtu": case_mtu,
}


# ---------------------------------------------------------------------------
# Checking

def counter_names(path=COUNTERS_H):
    """(event names, drop names) from the X-macro lists of gg_counters.h."""
    with open(path) as f:
        text = f.read()
    out = []
    for macro in ("GG_EVENT_LIST", "GG_DROP_LIST"):
        m = re.search(r"#define\s+%s\(X\)(.*?)\n\s*\n" % macro, text, re.S)
        if not m:
            raise Fail("%s: no %s" % (path, macro))
        out.append(re.findall(r"\bX\((\w+),", m.group(1)))
    return out


def is_control_reply(frame, our_ip):
    """ARP, or an ICMP packet from our own address: the control lcore's."""
    v = gt.decode_frame(frame)
    if v.get("eth.type") == "0x%04x" % gt.ETH_P_ARP:
        return True
    return v.get("ip.proto") == gt.IPPROTO_ICMP and v.get("ip.src") == our_ip


def compare_frame(exp, actual):
    """Problems (list of strings) between Expect @exp and frame @actual."""
    act = gt.decode_frame(actual)
    try:
        expected = exp.build(act)
    except Exception as ex:  # a builder choking on a very wrong frame
        return ["cannot build the expected frame from what was received (%r)" % ex]
    got = actual
    # Ethernet padding of a short frame (zeros up to 60 octets) is fine.
    if len(expected) < 60 and len(got) == 60 and got[len(expected):] == bytes(60 - len(expected)):
        got = got[:len(expected)]
    problems = []
    if got != expected:
        lines = gt.diff_views(gt.decode_frame(expected), gt.decode_frame(got))
        if not lines:
            n = next((i for i in range(min(len(got), len(expected))) if got[i] != expected[i]),
                     min(len(got), len(expected)))
            lines = ["octets differ from offset %d (expected %s..., got %s...)"
                     % (n, expected[n:n + 16].hex(), got[n:n + 16].hex())]
        problems += lines
    for check in exp.checks:
        msg = check(act)
        if msg:
            problems.append(msg)
    return problems


def scapy_checksum_problems(frame):
    """Recompute with scapy every IPv4, UDP, TCP and ICMP checksum in the
    frame (outer and, for a G-PDU, inner) and report those that differ."""
    sa = gt.scapy_all()
    problems = []

    def verify(raw, label):
        try:
            p = sa.IP(raw)
        except Exception as ex:
            problems.append("%s: scapy cannot parse it (%r)" % (label, ex))
            return
        layers = [(sa.IP, "IPv4 header")]
        if not (p.flags.MF or p.frag):
            layers += [(sa.UDP, "UDP"), (sa.TCP, "TCP"), (sa.ICMP, "ICMP")]
        for cls, name in layers:
            if cls not in p or (cls is sa.UDP and p[cls].chksum == 0):
                continue
            if cls is sa.ICMP and p[cls].type not in (0, 8):
                continue
            given = p[cls].chksum
            q = sa.IP(raw)
            del q[cls].chksum
            again = sa.IP(bytes(q))[cls].chksum
            if given != again:
                problems.append("%s %s checksum 0x%04x, scapy computes 0x%04x"
                                % (label, name, given, again))

    v = gt.decode_frame(frame)
    if v.get("eth.type") != "0x%04x" % gt.ETH_P_IPV4 or len(frame) < 34:
        return problems
    tlen = v.get("ip.total_length", 0)
    verify(frame[14:14 + tlen], "packet")
    # A first outer fragment holds part of the T-PDU only.
    if v.get("gtp.type") == gt.MSG_GPDU and "inner.version" in v and not v.get("ip.mf"):
        tpdu_len = v["gtp.payload_len"]
        end = 14 + tlen
        verify(frame[end - tpdu_len:end], "T-PDU")
    return problems


TSHARK_FIELDS = [
    "eth.src", "eth.dst", "ip.src", "ip.dst", "ip.ttl", "ip.checksum.status",
    "udp.srcport", "udp.dstport", "udp.length", "udp.checksum.status", "tcp.checksum.status",
    "icmp.type", "icmp.checksum.status", "gtp.message", "gtp.teid", "gtp.length",
    "gtp.seq_number", "gtp.ext_hdr.pdu_ses_con.pdu_type", "gtp.ext_hdr.pdu_ses_con.qos_flow_id",
    "gtp.ext_hdr.udp_port", "gtp.recovery", "gtp.teid_data", "gtp.gsn_ipv4", "gtp.ext_hdr_type",
    "arp.opcode", "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.hw_mac", "arp.dst.proto_ipv4",
]


def tshark_expectation(v):
    """What tshark must decode for a frame whose decoded view is @v."""
    def status(ok):
        # tshark's checksum status: 0 bad, 1 good, 2 unverified, 3 not present
        return 2 if not isinstance(ok, bool) else (1 if ok else 0)
    t = {f: [] for f in TSHARK_FIELDS}
    t["eth.src"] = [v.get("eth.src")]
    t["eth.dst"] = [v.get("eth.dst")]
    for pre in ("ip.", "inner."):
        if pre + "src" not in v:
            continue
        t["ip.src"].append(v[pre + "src"])
        t["ip.dst"].append(v[pre + "dst"])
        t["ip.ttl"].append(v[pre + "ttl"])
        t["ip.checksum.status"].append(1 if v[pre + "checksum_ok"] else 0)
        if pre + "udp.sport" in v:
            t["udp.srcport"].append(v[pre + "udp.sport"])
            t["udp.dstport"].append(v[pre + "udp.dport"])
            t["udp.length"].append(v[pre + "udp.length"])
            t["udp.checksum.status"].append(
                3 if v[pre + "udp.checksum"] == "0x0000" else status(v[pre + "udp.checksum_ok"]))
        if pre + "tcp.sport" in v:
            t["tcp.checksum.status"].append(status(v[pre + "tcp.checksum_ok"]))
        if pre + "icmp.type" in v:
            t["icmp.type"].append(v[pre + "icmp.type"])
            t["icmp.checksum.status"].append(status(v[pre + "icmp.checksum_ok"]))
    if "gtp.type" in v:
        t["gtp.message"] = [v["gtp.type"]]
        t["gtp.teid"] = [int(v["gtp.teid"], 16)]
        t["gtp.length"] = [v["gtp.length"]]
        if v.get("gtp.s"):
            t["gtp.seq_number"] = [v["gtp.seq"]]
        i = 0
        while "gtp.ext%d.type" % i in v:
            if "gtp.ext%d.pdu_type" % i in v:
                t["gtp.ext_hdr.pdu_ses_con.pdu_type"].append(v["gtp.ext%d.pdu_type" % i])
                t["gtp.ext_hdr.pdu_ses_con.qos_flow_id"].append(v["gtp.ext%d.qfi" % i])
            if "gtp.ext%d.udp_port" % i in v:
                t["gtp.ext_hdr.udp_port"].append(v["gtp.ext%d.udp_port" % i])
            i += 1
        j = 0
        while "gtp.ie%d.type" % j in v:
            ty, val = v["gtp.ie%d.type" % j], bytes.fromhex(v["gtp.ie%d.value" % j])
            if ty == gt.IE_RECOVERY:
                t["gtp.recovery"].append(val[0])
            elif ty == gt.IE_TEID_DATA_I:
                t["gtp.teid_data"].append(int.from_bytes(val, "big"))
            elif ty == gt.IE_PEER_ADDRESS and len(val) == 4:
                t["gtp.gsn_ipv4"].append(gt.ip_str(val))
            elif ty == gt.IE_EXT_HDR_TYPE_LIST:
                t["gtp.ext_hdr_type"] += list(val)
            j += 1
    if "arp.op" in v:
        t["arp.opcode"] = [v["arp.op"]]
        t["arp.src.hw_mac"] = [v["arp.sha"]]
        t["arp.src.proto_ipv4"] = [v["arp.spa"]]
        t["arp.dst.hw_mac"] = [v["arp.tha"]]
        t["arp.dst.proto_ipv4"] = [v["arp.tpa"]]
    return t


def _norm(value):
    value = value.strip().lower()
    if re.fullmatch(r"0x[0-9a-f]+", value):
        return int(value, 16)
    if re.fullmatch(r"\d+", value):
        return int(value)
    return value


def tshark_rows(path, fields, n_frames, options=()):
    """tshark's decoding of @path with checksum validation on, GTP-U on
    its port: one list of columns per frame (frame number, malformed,
    expert severities, expert messages, then @fields), and a list of
    problems (tshark failed, or read other than @n_frames frames)."""
    cmd = ["tshark", "-n", "-r", path,
           "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
           "-o", "tcp.check_checksum:TRUE", "-o", "tcp.analyze_sequence_numbers:FALSE",
           "-o", "ip.defragment:FALSE"] + list(options) + [
           "-d", "udp.port==%d,gtp" % gt.GTPU_PORT,
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=|",
           "-e", "frame.number", "-e", "_ws.malformed", "-e", "_ws.expert.severity",
           "-e", "_ws.expert.message"]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return [], ["tshark failed on %s: %s" % (path, r.stderr.strip()[-500:])]
    rows = [line.split("\t") for line in r.stdout.split("\n") if line.strip()]
    if len(rows) != n_frames:
        return [], ["tshark read %d frames from %s, expected %d" % (len(rows), path, n_frames)]
    for cols in rows:
        cols += [""] * (4 + len(fields) - len(cols))
    return rows, []


def tshark_problems(path, frames):
    """Run tshark on @path: malformed packets, expert warnings and errors
    (with checksum validation on), and its decoding of TSHARK_FIELDS
    against tshark_expectation() of each of @frames."""
    rows, problems = tshark_rows(path, TSHARK_FIELDS, len(frames))
    if problems:
        return problems
    name = os.path.basename(path)
    for cols, frame in zip(rows, frames):
        num, malformed, sev, msg = cols[:4]
        where = "%s frame %s" % (name, num)
        v = gt.decode_frame(frame)
        # An outer fragment: what tshark makes of it without reassembly
        # (a first fragment's cut transport) says nothing; the
        # reassembled packet is checked by tshark_reassembly_problems().
        if v.get("ip.mf") or v.get("ip.frag_offset"):
            continue
        # An ICMP error quotes a packet cut at 576 octets (RFC 1812
        # 4.3.2.3): tshark decodes the quote too, and cannot verify the
        # checksum of its cut transport.
        icmp_err = 3 in (v.get("ip.icmp.type"), v.get("inner.icmp.type"))
        if malformed:
            problems.append("%s: tshark: malformed packet (%s)" % (where, msg))
        sevs = [int(x, 0) for x in sev.split("|") if x]
        msgs = msg.split("|")
        for k, s in enumerate(sevs):
            text = msgs[k] if k < len(msgs) else "?"
            if icmp_err and text.startswith("Bad checksum"):
                continue
            if s >= 0x00600000:  # PI_WARN and above
                problems.append("%s: tshark expert %s: %s" % (
                    where, "error" if s >= 0x00800000 else "warning", text))
        want = tshark_expectation(v)
        for f, raw in zip(TSHARK_FIELDS, cols[4:]):
            got = [_norm(x) for x in raw.split("|")] if raw else []
            exp = [_norm(str(x)) for x in want[f]]
            if icmp_err:
                got = got[:len(exp)]
            if got != exp:
                problems.append("%s: tshark decodes %s = %s, expected %s" % (where, f, got, exp))
    return problems + tshark_reassembly_problems(path, frames)


def tshark_reassembly_problems(path, frames):
    """The IPv4 fragments among @frames (those of @path), reassembled by
    tshark: each packet whole, well formed, decoding to UDP (GTP-U on N3)."""
    views = [gt.decode_frame(f) for f in frames]
    frag = [bool(v.get("ip.mf") or v.get("ip.frag_offset")) for v in views]
    if not any(frag):
        return []
    rows, problems = tshark_rows(path, ["ip.reassembled_in", "udp.srcport", "gtp.teid"],
                                 len(frames), options=("-2", "-o", "ip.defragment:TRUE"))
    if problems:
        return problems
    name = os.path.basename(path)
    for cols, v, is_frag in zip(rows, views, frag):
        if not is_frag:
            continue
        num, malformed, sev = cols[:3]
        where = "%s frame %s (fragment, reassembled by tshark)" % (name, num)
        if malformed:
            problems.append("%s: malformed (%s)" % (where, cols[3]))
        if any(int(x, 0) >= 0x00600000 for x in sev.split("|") if x):
            problems.append("%s: expert %s" % (where, cols[3]))
        if v.get("ip.mf"):
            if not cols[4]:
                problems.append("%s: tshark reassembled it into no packet" % where)
            continue
        # The last fragment carries the whole packet's decoding.
        if not cols[5]:
            problems.append("%s: no UDP in the reassembled packet" % where)
        if name.startswith("n3") and not cols[6]:
            problems.append("%s: no GTP-U in the reassembled packet" % where)
    return problems


def stats_format(path=COUNTERS_DOC):
    """The statistics format doc/counters.rst promises ("One line holding a
    JSON object, format N"); 1 if it says nothing."""
    try:
        with open(path) as f:
            m = re.search(r"JSON object, format (\d+)", f.read())
    except OSError:
        m = None
    return int(m.group(1)) if m else 1


def check_stats(case, stats, stdout_text, outputs, conf, problems):
    """The final statistics against what the case calls for."""
    events, drops = counter_names()
    line_stats = None
    for line in stdout_text.splitlines():
        line = line.strip()
        if line.startswith("{") and '"gardengate"' in line:
            try:
                line_stats = json.loads(line)
            except ValueError:
                problems.append("stats: stdout line is not valid JSON: %s" % line[:200])
    if line_stats is None:
        problems.append("stats: no one-line statistics JSON on stdout")
    elif line_stats != stats:
        problems.append("stats: the JSON on stdout differs from the --stats-file")

    def get(path, kind=None):
        node = stats
        for p in path.split("."):
            if not isinstance(node, dict) or p not in node:
                problems.append("stats: %s missing" % path)
                return None
            node = node[p]
        if kind is not None and (not isinstance(node, kind) or isinstance(node, bool)):
            problems.append("stats: %s is %r, not %s" % (path, node, kind))
            return None
        return node

    if get("gardengate.version") != "0.1.0":
        problems.append("stats: gardengate.version is %r, expected \"0.1.0\"" % get("gardengate.version"))
    fmt = stats_format()
    if get("gardengate.format") != fmt:
        problems.append("stats: gardengate.format is %r, expected %d (doc/counters.rst)"
                        % (get("gardengate.format"), fmt))
    up = get("uptime_s", (int, float))
    if up is not None and not 0 <= up < RUN_TIMEOUT_S:
        problems.append("stats: uptime_s %r out of range" % up)
    if get("sessions") != len(conf.sessions):
        problems.append("stats: sessions %r, expected %d (the config's static sessions)"
                        % (get("sessions"), len(conf.sessions)))
    for port in ("n3", "n6"):
        mac = get("ports.%s.mac" % port, str)
        if mac is not None and not re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", mac):
            problems.append("stats: ports.%s.mac %r is not xx:xx:xx:xx:xx:xx" % (port, mac))
        exp_port = {"ipackets": len(case.inputs[port]), "opackets": len(outputs[port]),
                    "ierrors": 0, "oerrors": 0, "imissed": 0}
        for k, want in exp_port.items():
            got = get("ports.%s.%s" % (port, k), int)
            if got is not None and got != want:
                problems.append("stats: ports.%s.%s = %d, expected %d" % (port, k, got, want))
    counters = get("counters", dict) or {}
    drop_vals = get("drops", dict) or {}
    if set(counters) != set(events):
        problems.append("stats: counters keys differ from GG_EVENT_LIST: missing %s, extra %s"
                        % (sorted(set(events) - set(counters)), sorted(set(counters) - set(events))))
    if set(drop_vals) != set(drops):
        problems.append("stats: drops keys differ from GG_DROP_LIST: missing %s, extra %s"
                        % (sorted(set(drops) - set(drop_vals)), sorted(set(drop_vals) - set(drops))))
    unknown = set(case.counts) - set(events) - set(drops)
    if unknown:
        raise Fail("the case counts names not in gg_counters.h: %s" % sorted(unknown))
    for name in events:
        want = case.counts.get(name, 0)
        got = counters.get(name)
        if got is not None and got != want:
            problems.append("counter %s = %s, expected %d" % (name, got, want))
    for name in drops:
        want = case.counts.get(name, 0)
        got = drop_vals.get(name)
        if got is not None and got != want:
            problems.append("drop %s = %s, expected %d" % (name, got, want))
    total = get("drops_total", int)
    exp_total = sum(case.counts.get(d, 0) for d in drops)
    if total is not None and total != exp_total:
        problems.append("stats: drops_total = %d, expected %d" % (total, exp_total))
    if total is not None and all(isinstance(x, int) for x in drop_vals.values()) and \
            total != sum(drop_vals.values()):
        problems.append("stats: drops_total %d is not the sum of drops (%d)"
                        % (total, sum(drop_vals.values())))
    workers = get("workers", list)
    if workers is not None:
        if len(workers) != conf.workers:
            problems.append("stats: %d workers listed, config has %d" % (len(workers), conf.workers))
        sums = Counter()
        for i, w in enumerate(workers):
            for k in ("lcore", "rx_n3", "rx_n6", "tx_n3", "tx_n6", "drops"):
                if not isinstance(w.get(k), int):
                    problems.append("stats: workers[%d].%s is %r" % (i, k, w.get(k)))
                elif k != "lcore":
                    sums[k] += w[k]
            if isinstance(w.get("lcore"), int) and w["lcore"] == 0:
                problems.append("stats: workers[%d] runs on lcore 0 (the main lcore)" % i)
        want_w = {"rx_n3": len(case.inputs["n3"]), "rx_n6": len(case.inputs["n6"]),
                  "drops": exp_total}
        for k, want in want_w.items():
            if sums[k] != want:
                problems.append("stats: workers' %s add up to %d, expected %d" % (k, sums[k], want))
        # Who transmits the control lcore's replies is not in the contract:
        # the workers' tx is either the data-plane frames or all of them.
        for port in ("n3", "n6"):
            k = "tx_" + port
            allowed = {len(case.out[port]), len(case.out[port]) + len(case.ctrl[port])}
            if sums[k] not in allowed:
                problems.append("stats: workers' %s add up to %d, expected %s" % (
                    k, sums[k], " or ".join(str(x) for x in sorted(allowed))))


def check_outputs(case, outputs, problems):
    """Frames sent on each port against the case's expectations."""
    e = case.env
    for port in ("n3", "n6"):
        ours = e.n3 if port == "n3" else e.n6
        frames = outputs[port]
        data = [f for f in frames if not is_control_reply(f, ours)]
        ctrl = [f for f in frames if is_control_reply(f, ours)]
        exp_data = case.out[port]
        if len(data) != len(exp_data):
            problems.append("%s: %d data-plane frames sent, expected %d" % (port, len(data),
                                                                           len(exp_data)))
            problems.append("  sent:     " + "\n            ".join(gt.summary(f) for f in data)
                            if data else "  sent:     nothing")
            problems.append("  expected: " + "\n            ".join(x.what for x in exp_data)
                            if exp_data else "  expected: nothing")
        for i, (exp, frame) in enumerate(zip(exp_data, data)):
            for p in compare_frame(exp, frame):
                problems.append("%s out #%d (%s): %s" % (port, i + 1, exp.what, p))
        # Control replies: any order, each matched once.
        remaining = list(ctrl)
        for exp in case.ctrl[port]:
            match = next((f for f in remaining if not compare_frame(exp, f)), None)
            if match is None:
                near = [compare_frame(exp, f) for f in remaining]
                detail = min(near, key=len) if near else ["nothing left to match"]
                problems.append("%s: no frame matches %s; closest differs in: %s"
                                % (port, exp.what, "; ".join(detail)))
            else:
                remaining.remove(match)
        for f in remaining:
            problems.append("%s: unexpected control frame %s" % (port, gt.summary(f)))
        for i, f in enumerate(frames):
            for p in scapy_checksum_problems(f):
                problems.append("%s frame %d (%s): %s" % (port, i + 1, gt.summary(f), p))


# ---------------------------------------------------------------------------
# Running gardengate

def dpdk_runtime_dir(prefix):
    base = "/var/run" if os.geteuid() == 0 else os.environ.get("XDG_RUNTIME_DIR", "/tmp")
    return os.path.join(base, "dpdk", prefix)


def run_gardengate(args, workdir, conf_path):
    prefix = "gg-pcap-%s-%d" % (args.case, os.getpid())
    dev = {}
    for port in ("n3", "n6"):
        dev[port] = "net_pcap_%s,rx_pcap=%s,tx_pcap=%s" % (
            port, os.path.join(workdir, port + "-in.pcap"), os.path.join(workdir, port + "-out.pcap"))
        if "," in workdir:
            raise Fail("build directory %s contains a comma, which devargs cannot carry" % workdir)
    stats_path = os.path.join(workdir, "stats.json")
    cmd = [args.gardengate] + EAL_ARGS + ["--file-prefix", prefix, "--",
                                          "-f", conf_path, "--n3", dev["n3"], "--n6", dev["n6"],
                                          "--idle-exit", IDLE_EXIT_S, "--stats-file", stats_path]
    with open(os.path.join(workdir, "command.txt"), "w") as f:
        f.write(" ".join("'%s'" % a if re.search(r"[^\w@%+=:,./-]", a) else a for a in cmd) + "\n")
    out_path = os.path.join(workdir, "gardengate.stdout")
    err_path = os.path.join(workdir, "gardengate.stderr")
    start = time.monotonic()
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            rc = proc.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            rc = None
    elapsed = time.monotonic() - start
    shutil.rmtree(dpdk_runtime_dir(prefix), ignore_errors=True)
    with open(out_path) as f:
        stdout_text = f.read()
    with open(err_path) as f:
        stderr_text = f.read()
    return rc, elapsed, stats_path, stdout_text, stderr_text


def tail(text, n=25):
    lines = text.rstrip().split("\n")
    return "\n".join("    | " + line for line in lines[-n:]) if text.strip() else "    | (empty)"


def main(argv=None):
    ap = argparse.ArgumentParser(description="Run one pcap functional test case of gardengate.")
    ap.add_argument("case", nargs="?", help="one of: " + ", ".join(CASES))
    ap.add_argument("--gardengate", help="the gardengate executable")
    ap.add_argument("--builddir", help="directory for the case's files (DIR/CASE/)")
    ap.add_argument("--conf", default=DEFAULT_CONF, help="config (default: %(default)s)")
    ap.add_argument("--timeout", type=float, default=RUN_TIMEOUT_S,
                    help="kill gardengate and fail after this many seconds (default: %(default)s)")
    ap.add_argument("--list", action="store_true", help="list the cases")
    ap.add_argument("--generate-only", action="store_true",
                    help="write the input pcaps and plan.txt, do not run gardengate")
    args = ap.parse_args(argv)
    if args.list:
        print("\n".join(CASES))
        return 0
    if args.case not in CASES or not args.builddir or (not args.gardengate and not args.generate_only):
        ap.print_usage(sys.stderr)
        print("run_case.py: need CASE (%s), --builddir and --gardengate" % ", ".join(CASES),
              file=sys.stderr)
        return 2
    label = "pcap-%s" % args.case
    try:
        # Tools first: a missing tool is a failure, not a skip.
        if shutil.which("tshark") is None:
            raise Fail("tshark is not installed (apt-get install tshark)")
        try:
            gt.scapy_all()
        except SystemExit as ex:
            raise Fail(str(ex))
        conf = gt.GatewayConf(args.conf)
        env = Env(conf)
        case = Case(env)
        CASES[args.case](case)
        workdir = os.path.abspath(os.path.join(args.builddir, args.case))
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)
        for port in ("n3", "n6"):
            gt.write_pcap(os.path.join(workdir, port + "-in.pcap"), [f for f, _ in case.inputs[port]])
        with open(os.path.join(workdir, "plan.txt"), "w") as f:
            f.write("case %s: inputs and what each must cause\n" % args.case)
            f.write("(-> data-plane output, in order; => control-lcore reply, any order)\n\n")
            f.write("\n".join(case.plan) + "\n\nexpected non-zero counters:\n")
            for k in sorted(case.counts):
                f.write("  %s = %d\n" % (k, case.counts[k]))
        if args.generate_only:
            print("%s: inputs written to %s (plan.txt describes them)" % (label, workdir))
            return 0
        if not os.access(args.gardengate, os.X_OK):
            raise Fail("%s is not an executable" % args.gardengate)

        rc, elapsed, stats_path, stdout_text, stderr_text = run_gardengate(args, workdir, conf.path)
        if rc is None:
            raise Fail("gardengate still running after %.0f s (--idle-exit %s): killed\n  stderr:\n%s"
                       % (args.timeout, IDLE_EXIT_S, tail(stderr_text)))
        if rc != 0:
            raise Fail("gardengate exited with status %d after %.1f s\n  stdout:\n%s\n  stderr:\n%s"
                       % (rc, elapsed, tail(stdout_text), tail(stderr_text)))
        try:
            with open(stats_path) as f:
                stats = json.load(f)
        except (OSError, ValueError) as ex:
            raise Fail("no usable --stats-file %s: %s" % (stats_path, ex))
        problems = []
        for port in ("n3", "n6"):
            mac = stats.get("ports", {}).get(port, {}).get("mac")
            if not isinstance(mac, str) or not re.fullmatch(r"([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}", mac):
                raise Fail("stats: ports.%s.mac is %r; cannot check the frames" % (port, mac))
            env.mac[port] = mac.lower()
        outputs = {}
        for port in ("n3", "n6"):
            path = os.path.join(workdir, port + "-out.pcap")
            if not os.path.exists(path):
                raise Fail("gardengate did not create %s" % path)
            outputs[port] = gt.read_pcap(path)
        check_outputs(case, outputs, problems)
        check_stats(case, stats, stdout_text, outputs, conf, problems)
        for port in ("n3", "n6"):
            if outputs[port]:
                problems += tshark_problems(os.path.join(workdir, port + "-out.pcap"), outputs[port])
    except Fail as ex:
        print("FAIL %s: %s" % (label, ex))
        return 1
    if problems:
        print("FAIL %s: %d problem(s); files in %s" % (label, len(problems), workdir))
        for p in problems:
            print("  " + p)
        return 1
    print("PASS %s: %d+%d frames in, %d+%d out (N3+N6), %d counters checked, %.1f s; files in %s"
          % (label, len(case.inputs["n3"]), len(case.inputs["n6"]), len(outputs["n3"]),
             len(outputs["n6"]), len(stats.get("counters", {})) + len(stats.get("drops", {})),
             elapsed, workdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
