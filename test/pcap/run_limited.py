#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""run_limited.py: functional tests of the walled garden (LIMITED sessions).

    run_limited.py CASE --gardengate PATH --builddir DIR
    run_limited.py --list

Two ways of feeding gardengate, chosen per case (CASES below):

* pcap: as run_case.py does. The inputs are written to DIR/CASE/n3-in.pcap
  and n6-in.pcap, gardengate reads them through net_pcap ports and stops
  once idle (--idle-exit); its output pcaps are then checked. Used for
  everything that needs no answer from gardengate to build the next input
  and no ordering between the two ports.

* live: for what needs a conversation with one gardengate process (the
  SYN-cookie secret is drawn at start, so the cookie of a SYN-ACK is only
  good for the process that made it), or an order between ports (a DNS
  answer must be learned before the uplink that uses it is sent), or time
  (learned addresses expiring), or run-time administration (telemetry).
  The test creates a network namespace ggt-<pid>-<n> holding two veth
  pairs, gg3/tg3 and gg6/tg6, and runs gardengate in it with
  --n3 net_af_packet0,iface=gg3 --n6 net_af_packet1,iface=gg6 (the way
  doc/traffic.rst describes). It sends and receives raw frames on tg3 and
  tg6 with AF_PACKET sockets it opened inside the namespace (setns), so
  nothing touches the host's own interfaces. After each input it waits,
  bounded in time, until gardengate's counters (read through its telemetry
  socket) show exactly the effect expected, then reads the frames that
  effect implies from the sockets and checks them. Needs root. The
  namespace (and with it the veths) is deleted on every exit path,
  including SIGTERM from meson's timeout; namespaces left by a run killed
  with SIGKILL are removed by the next run (their creator's pid is gone).
  Run-time administration goes through dpdk-telemetry.py -f PREFIX, as an
  operator would use it.

In both modes every case checks: every frame sent, octet for octet against
a frame built here from the contract (gg_http.h, gg_dns.h, uplink_limited.c,
downlink_limited.c; fields the contract leaves free, such as the SYN
cookie or outer identification, are taken from the frame received and
checked for their constraints); every checksum (scapy); every counter and
drop reason of gg_counters.h exactly (all others 0), from the final
statistics and, live, after every step; and tshark's decoding of each
output pcap with checksum checks on (no malformed packet, no expert
warning or error except those a case names, such as "Connection reset" on
a RST), including DNS, HTTP and TCP fields of the replies.

Everything needed to reproduce a run is left in DIR/CASE/: inputs,
outputs, configuration, command line, gardengate's output, statistics,
plan.txt and, live, the telemetry exchanges.
"""

import argparse
import ctypes
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gtpu_traffic as gt  # noqa: E402
import run_case as rc  # noqa: E402

BASE_CONF = os.path.join(HERE, "limited-test.conf")
Fail = rc.Fail

# Hosts outside the garden, and the garden's own (see limited-test.conf).
RESOLVER = "203.0.113.53"          # the trusted resolver (dns.resolvers; a udp 53 rule)
PUBLIC_DNS = "8.8.8.8"             # a resolver of the device's own choosing
WEB = "203.0.113.10"               # some web server, not in the garden
FAR = "93.184.216.34"
TLS_NET_HOST = "198.18.0.9"        # in 198.18.0.0/24 tcp 443-444
SHADOW_HOST = "198.18.0.7"         # its /32 only allows udp 5000
ICMP_HOST = "198.18.1.1"           # icmp only
CDN_A = "198.19.0.10"              # learned from DNS answers in the cases
CDN_B = "198.19.0.11"
NOT_LEARNED = "198.19.0.66"

LIVE_IFACES = {"n3": ("gg3", "tg3"), "n6": ("gg6", "tg6")}
LIVE_EAL = ["--no-huge", "--no-pci", "-m", "256", "-l", "0-1",
            "--log-level", "pmd.net.af_packet:warning"]
LIVE_DURATION_S = 90          # gardengate's own bound (--duration) in live mode
LIVE_START_TIMEOUT_S = 15.0
STEP_TIMEOUT_S = 3.0          # counters must settle within this after an input
TSHARK_WARN = 0x00600000      # PI_WARN


def pattern(n, seed=0):
    return rc.pattern(n, seed)


# ---------------------------------------------------------------------------
# Configuration: the base file, its variants, the policy they set

# Per case: settings replaced in a copy of limited-test.conf, by group and
# key ("garden.learn" is the learn line inside garden). Values are libconfig
# text.
VARIANTS = {
    "base": {},
    "dns-alt": {"dns": {"other_types": '"refused"', "ttl": "300", "edns_udp_size": "512"},
                "portal": {"ipv6": '"2001:db8:80::80"'}},
    "snoop": {"dns": {"mode": '"snoop"'}},
    "udp-drop": {"limited": {"udp_reject": '"drop"'}},
    "icmp-rate": {"limited": {"icmp_rate": "2"}},
    "learn-global-ttl2": {"garden.learn": {"scope": '"global"', "min_ttl": "2", "max_ttl": "2"}},
}


def derive_conf(base_text, overrides):
    """@base_text with the settings of @overrides replaced (or added) on
    the one line that holds each group."""
    text = base_text
    for group, settings in overrides.items():
        name = group.split(".")[-1]
        m = re.search(r"^(\s*%s\s*=\s*\{)(.*)(\};\s*)$" % re.escape(name), text, re.M)
        if not m:
            raise Fail("%s: no one-line group '%s' to change" % (BASE_CONF, group))
        body = m.group(2)
        for key, value in settings.items():
            setting = re.compile(r"\b%s\s*=\s*(\"[^\"]*\"|[^;]*);" % re.escape(key))
            if setting.search(body):
                body = setting.sub("%s = %s;" % (key, value), body)
            else:
                body = body.rstrip() + " %s = %s; " % (key, value)
        text = text[:m.start()] + m.group(1) + body + m.group(3) + text[m.end():]
    return text


class Policy:
    """The walled-garden settings of a config, as the tests need them."""

    def __init__(self, raw, path):
        try:
            p = raw["portal"]
            self.portal = p["ipv4"]
            self.portal_ipv6 = p.get("ipv6")
            self.url_template = p["url"]
            g = raw["garden"]
            self.prefixes = list(g["prefixes"])
            # Name rules: the name, then the protocols and ports it opens.
            self.names = [n.split()[0].lower().rstrip(".") for n in g["names"]]
            self.name_rules = list(g["names"])
            learn = g.get("learn", {})
            self.learn_global = learn.get("scope", "session") == "global"
            self.min_ttl = learn.get("min_ttl", 30)
            self.max_ttl = learn.get("max_ttl", 3600)
            d = raw["dns"]
            self.dns_mode = d.get("mode", "rewrite")
            self.dns_ttl = d.get("ttl", 10)
            self.other_rcode = {"nxdomain": gt.DNS_RCODE_NXDOMAIN,
                                "refused": gt.DNS_RCODE_REFUSED}[d.get("other_types", "nxdomain")]
            self.edns_udp_size = d.get("edns_udp_size", 1232)
            lim = raw["limited"]
            self.udp_reject = lim.get("udp_reject", "icmp")
            self.icmp_rate = lim.get("icmp_rate", 100)
            self.tcp_mss = lim.get("tcp_mss", 1400)
        except KeyError as ex:
            raise Fail("%s: the LIMITED cases need portal, garden, dns and limited groups "
                       "with their settings (%s missing)" % (path, ex))

    def forged(self, q):
        """What gardengate must answer to DnsQuery @q."""
        return q.forged(self.portal, self.portal_ipv6, self.dns_ttl, self.other_rcode,
                        self.edns_udp_size)

    def location(self, url):
        """The Location of the 302 for original URL @url (RFC 3986
        unreserved octets kept, every other octet %XX, upper case)."""
        unreserved = (b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        enc = "".join(chr(b) if b in unreserved else "%%%02X" % b for b in url)
        return self.url_template.replace("{url}", enc)


class LimitedEnv:
    """The test network, from the (derived) config file."""

    def __init__(self, conf):
        self.conf = conf
        self.pol = Policy(conf.raw, conf.path)
        self.n3 = conf.n3.address
        self.n6 = conf.n6.address
        self.n3_nh_mac = conf.n3.next_hop_mac
        self.n6_nh_mac = conf.n6.next_hop_mac
        self.in_mac = {"n3": gt.PCAP_PMD_MAC_N3, "n6": gt.PCAP_PMD_MAC_N6}
        self.mac = {"n3": gt.PCAP_PMD_MAC_N3, "n6": gt.PCAP_PMD_MAC_N6}
        s = conf.sessions
        want = [("full", True), ("full", False), ("limited", True), ("limited", False)]
        if len(s) < 4 or any((s[i].state, s[i].qfi is not None) != w for i, w in enumerate(want)):
            raise Fail("%s: sessions must be, in order: full with QFI, full without, limited "
                       "with QFI, limited without" % conf.path)
        self.A, self.B, self.L, self.L2 = s[:4]


# ---------------------------------------------------------------------------
# Expectations

class Expect(rc.Expect):
    """One frame gardengate must send. Besides run_case.Expect: @tshark,
    {field: [values]} tshark must decode (replacing, for those fields, the
    generic expectation derived from the frame; a value may be a function
    of the received frame's decoded view), and what tshark may say
    about it: @expert_ok, expert messages allowed at warning level and
    above (a RST is reported as "Connection reset (RST)"); @malformed_ok,
    for a frame that carries the device's malformed message untouched.
    Builders receive the decoded view of the frame received, with its
    octets under "_frame" and its T-PDU under "_inner"."""

    def __init__(self, what, build, checks=(), tshark=None, expert_ok=(), malformed_ok=False):
        super().__init__(what, build, checks)
        self.tshark = dict(tshark or {})
        self.expert_ok = tuple(expert_ok)
        self.malformed_ok = malformed_ok


def actual_view(frame):
    v = gt.decode_frame(frame)
    v["_frame"] = frame
    v["_inner"] = t_pdu(frame)
    return v


def t_pdu(frame):
    """The T-PDU of a G-PDU frame (bytes), or None."""
    v = gt.decode_frame(frame)
    if v.get("gtp.type") != gt.MSG_GPDU or "gtp.payload_len" not in v:
        return None
    end = 14 + v["ip.total_length"]
    return frame[end - v["gtp.payload_len"]:end]


def compare_frame(exp, actual):
    """Problems between Expect @exp and frame @actual (as run_case, with
    the raw frame available to the builder)."""
    act = actual_view(actual)
    try:
        expected = exp.build(act)
    except Exception as ex:  # a builder choking on a very wrong frame
        return ["cannot build the expected frame from what was received (%r)" % ex]
    got = actual
    if len(expected) < 60 and len(got) == 60 and got[len(expected):] == bytes(60 - len(expected)):
        got = got[:len(expected)]
    problems = []
    if got != expected:
        lines = gt.diff_views(gt.decode_frame(expected), gt.decode_frame(got))
        n = next((i for i in range(min(len(got), len(expected))) if got[i] != expected[i]),
                 min(len(got), len(expected)))
        lines.append("first difference at frame offset %d (expected %s..., got %s...)"
                     % (n, expected[n:n + 24].hex(), got[n:n + 24].hex()))
        problems += lines
    for check in exp.checks:
        msg = check(act)
        if msg:
            problems.append(msg)
    return problems


def match_streams(port, frames, streams, problems):
    """Match the frames sent on @port against @streams: lists of Expect,
    each in order, interleaving freely (the N3 output mixes replies to
    uplink inputs and encapsulated downlink inputs, whose relative order
    the two input files do not fix). Returns [(frame, Expect or None)]."""
    heads = [0] * len(streams)
    matched = []
    for i, f in enumerate(frames):
        tried = []
        hit = None
        for k, st in enumerate(streams):
            if heads[k] < len(st):
                d = compare_frame(st[heads[k]], f)
                if not d:
                    hit = k
                    break
                tried.append((k, d))
        if hit is not None:
            matched.append((f, streams[hit][heads[hit]]))
            heads[hit] += 1
            continue
        if tried:
            k, d = min(tried, key=lambda x: len(x[1]))
            exp = streams[k][heads[k]]
            problems.append("%s out #%d (%s) differs from what was expected:\n      %s"
                            % (port, i + 1, exp.what, "\n      ".join(d)))
            matched.append((f, exp))
            heads[k] += 1
        else:
            problems.append("%s out #%d unexpected: %s" % (port, i + 1, gt.summary(f)))
            matched.append((f, None))
    for k, st in enumerate(streams):
        for exp in st[heads[k]:]:
            problems.append("%s: missing output: %s" % (port, exp.what))
    return matched


# ---------------------------------------------------------------------------
# tshark

def tshark_check(path, matched):
    """tshark on @path, one row per frame of @matched [(frame, Expect)]:
    no malformed packet and no expert warning or error unless the Expect
    allows it; the generic fields of run_case (from the frame's decoded
    view) and the Expect's own tshark fields."""
    extra = sorted({f for _, e in matched if e is not None for f in e.tshark}
                   - set(rc.TSHARK_FIELDS))
    fields = rc.TSHARK_FIELDS + extra
    rows, problems = rc.tshark_rows(path, fields, len(matched),
                                    ["-o", "tcp.desegment_tcp_streams:FALSE"])
    if problems:
        return problems
    name = os.path.basename(path)
    for cols, (frame, exp) in zip(rows, matched):
        num, malformed, sev, msg = cols[:4]
        where = "%s frame %s (%s)" % (name, num, exp.what if exp else gt.summary(frame))
        if malformed and not (exp and exp.malformed_ok):
            problems.append("%s: tshark: malformed packet (%s)" % (where, msg))
        sevs = [int(x, 0) for x in sev.split("|") if x]
        msgs = msg.split("|")
        for k, s in enumerate(sevs):
            m = msgs[k] if k < len(msgs) else "?"
            if s >= TSHARK_WARN and not (exp and any(ok in m for ok in exp.expert_ok)):
                if malformed and exp and exp.malformed_ok:
                    continue
                problems.append("%s: tshark expert %s: %s" % (
                    where, "error" if s >= 0x00800000 else "warning", m))
        view = actual_view(frame)
        want = rc.tshark_expectation(view)
        if exp:
            for f, v in exp.tshark.items():
                if callable(v):
                    v = v(view)
                want[f] = v if isinstance(v, (list, tuple)) else [v]
        for f, raw in zip(fields, cols[4:]):
            if f not in want:
                continue
            got = [rc._norm(x) for x in raw.split("|")] if raw else []
            wanted = [rc._norm(str(x)) for x in want[f]]
            if got != wanted:
                problems.append("%s: tshark decodes %s = %s, expected %s" % (where, f, got, wanted))
    return problems


def dns_tshark(q, answer_type=None, answer=None, ttl=None, rcode=0, udp_size=None,
               edns_do=False):
    """tshark's reading of a forged answer to DnsQuery @q."""
    t = {"dns.id": [q.qid], "dns.flags.response": [1], "dns.flags.opcode": [0],
         "dns.flags.authoritative": [0], "dns.flags.truncated": [0],
         "dns.flags.recdesired": [1 if q.flags & gt.DNS_RD else 0],
         "dns.flags.recavail": [1], "dns.flags.checkdisable": [1 if q.flags & gt.DNS_CD else 0],
         "dns.flags.rcode": [rcode & 0xF], "dns.count.queries": [1],
         "dns.count.answers": [1 if answer else 0], "dns.count.auth_rr": [0],
         "dns.count.add_rr": [1 if udp_size else 0],
         "dns.qry.name": [q.name.rstrip(".") or "<Root>"], "dns.qry.type": [q.qtype],
         "dns.a": [answer] if answer_type == gt.DNS_TYPE_A else [],
         "dns.aaaa": [answer] if answer_type == gt.DNS_TYPE_AAAA else [],
         "dns.resp.ttl": [ttl] if answer else [],
         "dns.rr.udp_payload_size": [udp_size] if udp_size else []}
    if udp_size:
        t["dns.resp.ext_rcode"] = [rcode >> 4]
        t["dns.resp.edns0_version"] = [0]
        t["dns.resp.z.do"] = [1 if edns_do else 0]
    return t


# ---------------------------------------------------------------------------
# Cases: what to send and what it must cause

class LimitedCase:
    """Inputs of one case and everything they must cause. Subclasses decide
    when inputs are sent: PcapCase writes them all to files, LiveCase sends
    each at once and checks its effect before the next one."""

    live = False

    def __init__(self, env):
        self.env = env
        self.inputs = {"n3": [], "n6": []}      # (frame, description)
        self.streams = {}                       # (out port, in port) -> [Expect]
        self.counts = Counter()
        self.plan = []
        self.problems = []

    # run_case.check_stats reads these
    @property
    def out(self):
        return {p: [e for (op, _), st in self.streams.items() if op == p for e in st]
                for p in ("n3", "n6")}

    @property
    def ctrl(self):
        return {"n3": [], "n6": []}

    def _record(self, port, frame, what, out, count):
        self.inputs[port].append((frame, what))
        self.counts["rx_" + port] += 1
        effects = []
        for o in out:
            oport, exp = o[0], o[1]
            # A third element names a stream of its own: frames whose order
            # relative to the others of the port is not fixed (answers the
            # control lcore releases after learning from them).
            self.streams.setdefault((oport, o[2] if len(o) > 2 else port), []).append(exp)
            self.counts["tx_" + oport] += 1
            effects.append("-> %s: %s" % (oport, exp.what))
        for name, n in (count or {}).items():
            self.counts[name] += n
            effects.append("%s+%d" % (name, n))
        if not out:
            effects.append("nothing sent")
        self.plan.append("%s #%d %s\n      %s" % (port, len(self.inputs[port]), what,
                                                 "; ".join(effects)))

    def add(self, port, frame, what, out=(), count=None):
        """Input @frame on @port; @out: [(port, Expect)] it must cause, in
        order; @count: {counter or drop reason: increment}. Live, returns
        the frames received for @out."""
        self._record(port, frame, what, list(out), count)
        return None

    def note(self, text):
        self.plan.append("-- " + text)

    # -- frames ----------------------------------------------------------

    def up_frame(self, s, inner, **gtp_kw):
        """A G-PDU from session @s's gNB carrying @inner (with an UL PDU
        Session Container when the session has a QFI)."""
        e = self.env
        if "exts" not in gtp_kw and s.qfi is not None:
            gtp_kw["exts"] = [gt.ext_pdu_session_ul(s.qfi)]
        return gt.n3_frame(e.in_mac["n3"], e.n3_nh_mac, s.gnb, e.n3,
                           gt.gpdu(s.ul_teid, inner, **gtp_kw))

    def dn_frame(self, inner):
        e = self.env
        return gt.ether(e.in_mac["n6"], e.n6_nh_mac, gt.ETH_P_IPV4, inner)

    # -- expectations ----------------------------------------------------

    def decap_expect(self, inner, what):
        e = self.env

        def build(act):
            return gt.ether(e.n6_nh_mac, e.mac["n6"], gt.ETH_P_IPV4, gt.decrement_ttl(inner),
                            pad=False)
        return Expect(what, build)

    def tunnel_expect(self, s, what, inner_fn, checks=(), tshark=None, expert_ok=(),
                      malformed_ok=False):
        """A G-PDU to session @s's gNB (downlink TEID, DL PDU Session
        Container with the QFI when the session has one) carrying
        inner_fn(act). Outer header as for downlink: TOS copied from the
        inner packet, TTL 64, UDP checksum 0; identification and DF free."""
        e = self.env

        def build(act):
            inner = inner_fn(act)
            exts = [gt.ext_pdu_session_dl(s.qfi)] if s.qfi is not None else []
            msg = gt.gpdu(s.dl_teid, inner, exts=exts)
            ip = rc.free_ipv4(act, e.n3, s.gnb, gt.IPPROTO_UDP,
                              gt.udp(e.n3, s.gnb, gt.GTPU_PORT, gt.GTPU_PORT, msg, checksum=False),
                              ttl=64, tos=inner[1])
            return gt.ether(e.n3_nh_mac, e.mac["n3"], gt.ETH_P_IPV4, ip, pad=False)
        return Expect(what, build, checks, tshark, expert_ok, malformed_ok)

    def encap_expect(self, s, inner, what):
        return self.tunnel_expect(s, what, lambda act: gt.decrement_ttl(inner))

    # -- behaviours: uplink of a session ---------------------------------

    def ul_forward(self, s, inner, what, event=None, malformed_ok=False, **gtp_kw):
        """Forwarded to N6 as for a FULL session, counted under @event."""
        count = {"ul_decap": 1, "ul_decap_bytes": len(inner)}
        if event:
            count[event] = 1
        exp = self.decap_expect(inner, "decapsulated " + what)
        exp.malformed_ok = malformed_ok
        return self.add("n3", self.up_frame(s, inner, **gtp_kw), "uplink " + what,
                        out=[("n6", exp)], count=count)

    def ul_garden_query(self, s, q, dst, sport, what, **ipkw):
        """A query @q for a garden name from @s to @dst: forwarded to the
        trusted resolver (dns.resolvers), its destination rewritten when
        @dst is another address (checksums patched: the packet equals one
        built for the resolver)."""
        sent = self.dns_inner(s, q, dst, sport, ident=q.qid, **ipkw)
        want = self.dns_inner(s, q, RESOLVER, sport, ident=q.qid, **ipkw)
        count = {"ul_decap": 1, "ul_decap_bytes": len(sent), "dns_garden_forward": 1}
        if dst != RESOLVER:
            count["dns_resolver_rewrite"] = 1
        return self.add("n3", self.up_frame(s, sent), "uplink DNS query " + what,
                        out=[("n6", self.decap_expect(want, "forwarded to the resolver: " + what))],
                        count=count)

    def ul_drop(self, s, inner, what, reason, extra=None, **gtp_kw):
        count = {reason: 1}
        count.update(extra or {})
        return self.add("n3", self.up_frame(s, inner, **gtp_kw), "uplink " + what, count=count)

    def ul_reply(self, s, inner, what, exp, event, extra=None, **gtp_kw):
        """Answered in place: @exp tunnelled back to the device."""
        count = {event: 1}
        count.update(extra or {})
        return self.add("n3", self.up_frame(s, inner, **gtp_kw), "uplink " + what,
                        out=[("n3", exp)], count=count)

    # -- behaviours: downlink --------------------------------------------

    def dl_forward(self, s, inner, what, event=None, extra=None):
        count = {"dl_encap": 1, "dl_encap_bytes": len(inner)}
        if event:
            count[event] = 1
        count.update(extra or {})
        return self.add("n6", self.dn_frame(inner), "downlink " + what,
                        out=[("n3", self.encap_expect(s, inner, "encapsulated " + what))],
                        count=count)

    def dl_drop(self, inner, what, reason, extra=None):
        count = {reason: 1}
        count.update(extra or {})
        return self.add("n6", self.dn_frame(inner), "downlink " + what, count=count)

    # -- DNS -------------------------------------------------------------

    def dns_inner(self, s, q, dst, sport, payload=None, **ipkw):
        msg = q.wire() if payload is None else payload
        return gt.ipv4_udp(s.ue, dst, sport, gt.DNS_PORT, msg, **ipkw)

    def dns_forged(self, s, q, what, dst=RESOLVER, sport=33000, tos=0, ipkw=None, trailer=b"",
                   **gtp_kw):
        """A query @q from @s to @dst: answered in place (dns_forged).
        @trailer: octets after the IPv4 packet inside the T-PDU."""
        pol = self.env.pol
        ipkw = dict(ipkw or {})
        inner = self.dns_inner(s, q, dst, sport, tos=tos, ident=q.qid, **ipkw) + trailer
        payload = pol.forged(q)
        ans_type = ans = None
        rcode = gt.DNS_RCODE_NOERROR
        if q.edns and q.edns.get("version", 0) != 0:
            rcode = gt.DNS_RCODE_BADVERS
        elif q.qclass != gt.DNS_CLASS_IN:
            rcode = pol.other_rcode
        elif q.qtype == gt.DNS_TYPE_A:
            ans_type, ans = gt.DNS_TYPE_A, pol.portal
        elif q.qtype == gt.DNS_TYPE_AAAA:
            if pol.portal_ipv6:
                ans_type, ans = gt.DNS_TYPE_AAAA, pol.portal_ipv6
        elif q.qtype not in (gt.DNS_TYPE_HTTPS, gt.DNS_TYPE_SVCB):
            rcode = pol.other_rcode
        tsh = dns_tshark(q, ans_type, ans, pol.dns_ttl, rcode,
                         max(512, pol.edns_udp_size) if q.edns is not None else None,
                         bool(q.edns and q.edns.get("do")))

        def inner_fn(act):
            # doc/garden.rst: from the address and port the query went to,
            # IP options removed, TTL 64, no fragment flags (DF clear), the
            # TOS and identification of the query kept, UDP checksum on.
            return gt.ipv4(dst, s.ue, gt.IPPROTO_UDP,
                           gt.udp(dst, s.ue, gt.DNS_PORT, sport, payload), ttl=64, tos=tos,
                           ident=q.qid)

        tsh["udp.checksum.status"] = [3, 1]   # outer: none; inner: good
        exp = self.tunnel_expect(s, "forged DNS answer to " + what, inner_fn, tshark=tsh)
        return self.ul_reply(s, inner, "DNS query " + what, exp, "dns_forged", **gtp_kw)

    # -- TCP -------------------------------------------------------------

    def tcp_reply_inner(self, s, peer, peer_port, ue_port, seq, ack, flags, window=0, mss=None,
                        payload=b"", tos=0):
        """A TCP segment gardengate writes for the device (gg_http.h,
        "Replies"): 20-octet IPv4 header, DSCP copied and ECN cleared,
        ID 0, DF, TTL 64; no TCP option but an MSS on a SYN-ACK."""
        opts = gt.tcp_opt_mss(mss) if mss else b""
        return gt.ipv4(peer, s.ue, gt.IPPROTO_TCP,
                       gt.tcp(peer, s.ue, peer_port, ue_port, payload, seq, ack, flags,
                              window=window, options=opts),
                       ttl=64, tos=tos & 0xFC, ident=0, df=True)

    def rst_expect(self, s, seg, what):
        """The RST RFC 9293 3.10.7.1 prescribes for segment @seg (a dict:
        dst, sport, dport, seq, ack, flags, plen, tos)."""
        if seg["flags"] & 0x10:
            seq, ack, flags = seg["ack"], 0, 0x04
        else:
            seq = 0
            ack = (seg["seq"] + seg["plen"] + (1 if seg["flags"] & 0x02 else 0)
                   + (1 if seg["flags"] & 0x01 else 0)) & 0xFFFFFFFF
            flags = 0x14
        inner = self.tcp_reply_inner(s, seg["dst"], seg["dport"], seg["sport"], seq, ack, flags,
                                     tos=seg.get("tos", 0))
        tsh = {"tcp.flags": [flags], "tcp.seq_raw": [seq], "tcp.ack_raw": [ack],
               "tcp.window_size_value": [0], "tcp.len": [0],
               "tcp.srcport": [seg["dport"]], "tcp.dstport": [seg["sport"]]}
        return self.tunnel_expect(s, what, lambda act: inner, tshark=tsh,
                                  expert_ok=("Connection reset",))

    def tcp_inner(self, s, dst, sport, dport, seq=1000, ack=0, flags=0x02, payload=b"",
                  options=b"", tos=0, **ipkw):
        seg = {"dst": dst, "sport": sport, "dport": dport, "seq": seq, "ack": ack,
               "flags": flags, "plen": len(payload), "tos": tos}
        inner = gt.ipv4_tcp(s.ue, dst, sport, dport, payload, seq=seq, ack=ack, flags=flags,
                            tcp_options=options, tos=tos, **ipkw)
        return inner, seg

    def tcp_refused(self, s, what, dst, dport, sport=40000, seq=1000, ack=0, flags=0x02,
                    payload=b"", event="tcp_rst_refused", extra=None, **ipkw):
        inner, seg = self.tcp_inner(s, dst, sport, dport, seq, ack, flags, payload, **ipkw)
        return self.ul_reply(s, inner, what, self.rst_expect(s, seg, "RST to " + what), event,
                             extra=extra)

    # -- DNS over TCP (dns_tcp.c) ---------------------------------------

    def ul_tcp_dns(self, s, dst, sport, what, seq=1000, ack=0, flags=0x02, payload=b"",
                   queries=0, options=b"", expert_ok=()):
        """A segment from @s to @dst port 53: forwarded to the trusted
        resolver, its destination rewritten (checksums patched: it
        equals the segment built for the resolver)."""
        sent, _ = self.tcp_inner(s, dst, sport, 53, seq, ack, flags, payload, options)
        want, _ = self.tcp_inner(s, RESOLVER, sport, 53, seq, ack, flags, payload, options)
        count = {"ul_decap": 1, "ul_decap_bytes": len(sent), "dns_tcp_forward": 1}
        if queries:
            count["dns_garden_forward"] = queries
        exp = self.decap_expect(want, "to the resolver: " + what)
        exp.expert_ok = expert_ok
        return self.add("n3", self.up_frame(s, sent), "uplink DNS/TCP " + what,
                        out=[("n6", exp)], count=count)

    def dl_tcp_dns(self, s, asked, dport, what, seq=5000, ack=1001, flags=0x18, payload=b"",
                   learned=None):
        """A segment from the trusted resolver's port 53 to @s: reaches
        the device from @asked; @learned: addresses the garden learns
        from it (None: not learned from, dns_tcp_answer)."""
        inner = gt.ipv4_tcp(RESOLVER, s.ue, 53, dport, payload, seq=seq, ack=ack, flags=flags)
        seen = gt.ipv4_tcp(asked, s.ue, 53, dport, payload, seq=seq, ack=ack, flags=flags)
        count = {"dl_encap": 1, "dl_encap_bytes": len(inner)}
        if learned is None:
            count["dns_tcp_answer"] = 1
        else:
            count.update({"dns_snooped": 1, "garden_learned": learned})
        return self.add("n6", self.dn_frame(inner), "downlink DNS/TCP " + what,
                        out=[("n3", self.encap_expect(s, seen, "from %s: %s" % (asked, what)))],
                        count=count)

    # -- ICMP unreachable ------------------------------------------------

    def icmp_unreach_expect(self, s, inner, what):
        """ICMP destination unreachable, administratively prohibited (type
        3 code 13), from the N6 address, quoting @inner's header and the
        first 8 octets of its payload."""
        e = self.env
        ihl = (inner[0] & 0xF) * 4
        quote = inner[:ihl + 8]
        icmp = gt.icmp_message(3, 13, b"\x00\x00\x00\x00", quote)
        qv = gt.decode_frame(gt.ether(e.n3_nh_mac, e.n3_nh_mac, gt.ETH_P_IPV4, inner))

        def inner_fn(act):
            return gt.ipv4(e.n6, s.ue, gt.IPPROTO_ICMP, icmp, ttl=64, tos=0,
                           ident=act.get("inner.id", 0), df=bool(act.get("inner.df", 0)))
        tsh = {"icmp.type": [3], "icmp.code": [13], "icmp.checksum.status": [1],
               # outer, our ICMP packet, the quoted datagram
               "ip.src": [e.n3, e.n6, s.ue], "ip.dst": [s.gnb, s.ue, qv["ip.dst"]],
               "ip.ttl": [64, 64, qv["ip.ttl"]], "ip.checksum.status": [1, 1, 1]}
        if "ip.udp.sport" in qv:
            # tshark checks the quoted UDP checksum when the quote holds the
            # whole datagram (no payload), and cannot otherwise.
            quoted = 3 if qv["ip.udp.checksum"] == "0x0000" else (
                1 if qv["ip.udp.length"] == 8 else 2)
            tsh.update({"udp.srcport": [gt.GTPU_PORT, qv["ip.udp.sport"]],
                        "udp.dstport": [gt.GTPU_PORT, qv["ip.udp.dport"]],
                        "udp.length": lambda v: [v["ip.udp.length"], qv["ip.udp.length"]],
                        "udp.checksum.status": [3, quoted]})
        return self.tunnel_expect(s, what, inner_fn, tshark=tsh)

    def udp_refused(self, s, inner, what):
        """UDP outside the garden: ICMP prohibited, or dropped, by policy."""
        if self.env.pol.udp_reject == "drop":
            return self.ul_drop(s, inner, what, "limited_udp_refused")
        return self.ul_reply(s, inner, what,
                             self.icmp_unreach_expect(s, inner, "ICMP prohibited for " + what),
                             "icmp_unreach_sent")


class PcapCase(LimitedCase):
    """All inputs go to pcap files; gardengate runs once on them."""


# ---------------------------------------------------------------------------
# Live feeding: a network namespace, veth pairs, AF_PACKET sockets

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
NETNS_PREFIX = "ggt-"


def sh(cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise Fail("%s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr.strip()))
    return r


def remove_stale_namespaces():
    """Namespaces ggt-<pid>-<n> whose creator is gone (a run killed with
    SIGKILL) are deleted, after what still runs in them (a gardengate this
    script started there) is stopped; those of running tests are left
    alone. Their DPDK runtime directories go too."""
    r = sh(["ip", "netns", "list"], check=False)
    for line in r.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.match(r"^%s(\d+)-\d+$" % NETNS_PREFIX, name)
        if m and not os.path.exists("/proc/%s" % m.group(1)):
            for pid in sh(["ip", "netns", "pids", name], check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ValueError, ProcessLookupError):
                    pass
            sh(["ip", "netns", "del", name], check=False)
    base = os.path.dirname(rc.dpdk_runtime_dir("x"))
    for d in os.listdir(base) if os.path.isdir(base) else ():
        m = re.match(r"^gg-live-(\d+)-\d+$", d)
        if m and not os.path.exists("/proc/%s" % m.group(1)):
            shutil.rmtree(os.path.join(base, d), ignore_errors=True)


_PR_SET_PDEATHSIG = 1


def die_with_parent():
    """In the child before exec: SIGTERM when the test dies, even by
    SIGKILL, so gardengate never outlives it (kept across exec)."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class Telemetry:
    """A client of DPDK's telemetry socket (v2) of one process: the same
    protocol dpdk-telemetry.py speaks, kept open for fast polling."""

    def __init__(self, prefix, deadline):
        self.path = os.path.join(rc.dpdk_runtime_dir(prefix), "dpdk_telemetry.v2")
        self.sock = None
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            try:
                s.connect(self.path)
                break
            except OSError:
                s.close()
                if time.monotonic() > deadline:
                    raise Fail("no telemetry socket %s" % self.path)
                time.sleep(0.02)
        self.sock = s
        s.settimeout(5)
        self.max_len = json.loads(s.recv(4096).decode())["max_output_len"]

    def cmd(self, text):
        self.sock.send(text.encode())
        reply = json.loads(self.sock.recv(self.max_len).decode())
        return reply.get(text.split(",")[0])

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class LiveRig:
    """One gardengate process in a namespace of its own, and the test's
    ends of its two links. Use as a context manager: everything it
    created is removed on exit, whatever happened."""

    _seq = 0

    def __init__(self, label, workdir, gardengate, conf_path, env):
        LiveRig._seq += 1
        self.label = label
        self.ns = "%s%d-%d" % (NETNS_PREFIX, os.getpid(), LiveRig._seq)
        self.prefix = "gg-live-%d-%d" % (os.getpid(), LiveRig._seq)
        self.workdir = workdir
        self.gardengate = gardengate
        self.conf_path = conf_path
        self.env = env
        self.proc = None
        self.socks = {}
        self.tel = None
        self.ns_created = False
        self.stats_path = os.path.join(workdir, "stats.json")
        self.out_path = os.path.join(workdir, "gardengate.stdout")
        self.err_path = os.path.join(workdir, "gardengate.stderr")
        self.tel_log = open(os.path.join(workdir, "telemetry.txt"), "w")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()

    # -- set-up ------------------------------------------------------------

    def start(self):
        remove_stale_namespaces()
        e = self.env
        sh(["ip", "netns", "add", self.ns])
        self.ns_created = True
        sh(["ip", "netns", "exec", self.ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1"])
        for port, (ours, theirs) in LIVE_IFACES.items():
            peer_mac = e.n3_nh_mac if port == "n3" else e.n6_nh_mac
            sh(["ip", "-n", self.ns, "link", "add", ours, "address", e.mac[port], "type", "veth",
                "peer", "name", theirs, "address", peer_mac])
            for ifname in (ours, theirs):
                sh(["ip", "-n", self.ns, "link", "set", ifname, "up"])
        # The test's sockets live in the namespace: enter it, open, leave.
        own = os.open("/proc/self/ns/net", os.O_RDONLY)
        target = os.open("/var/run/netns/" + self.ns, os.O_RDONLY)
        try:
            if _libc.setns(target, CLONE_NEWNET) != 0:
                raise Fail("setns into %s: %s" % (self.ns, os.strerror(ctypes.get_errno())))
            try:
                for port, (_, theirs) in LIVE_IFACES.items():
                    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
                    s.bind((theirs, 0))
                    # Room for everything a case makes gardengate send before
                    # it reads (the flip under load): beyond rmem_max, as root.
                    s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33),
                                 8 << 20)
                    s.setblocking(False)
                    self.socks[port] = s
            finally:
                if _libc.setns(own, CLONE_NEWNET) != 0:
                    raise Fail("setns back: %s" % os.strerror(ctypes.get_errno()))
        finally:
            os.close(own)
            os.close(target)

        cmd = (["ip", "netns", "exec", self.ns, self.gardengate] + LIVE_EAL
               + ["--file-prefix", self.prefix, "--", "-f", self.conf_path,
                  "--n3", "net_af_packet0,iface=%s" % LIVE_IFACES["n3"][0],
                  "--n6", "net_af_packet1,iface=%s" % LIVE_IFACES["n6"][0],
                  "--duration", str(LIVE_DURATION_S), "--stats-file", self.stats_path])
        with open(os.path.join(self.workdir, "command.txt"), "w") as f:
            f.write(" ".join("'%s'" % a if re.search(r"[^\w@%+=:,./-]", a) else a
                             for a in cmd) + "\n")
        self.out_f = open(self.out_path, "w")
        self.err_f = open(self.err_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.out_f, stderr=self.err_f,
                                     stdin=subprocess.DEVNULL, start_new_session=True,
                                     preexec_fn=die_with_parent)
        deadline = time.monotonic() + LIVE_START_TIMEOUT_S
        while True:
            with open(self.err_path) as f:
                if re.search(r"gardengate \S+ running", f.read()):
                    break
            if self.proc.poll() is not None:
                with open(self.err_path) as f:
                    raise Fail("gardengate exited (%d) before running:\n%s"
                               % (self.proc.returncode, rc.tail(f.read())))
            if time.monotonic() > deadline:
                raise Fail("gardengate not running after %.0f s" % LIVE_START_TIMEOUT_S)
            time.sleep(0.02)
        self.tel = Telemetry(self.prefix, deadline)

    # -- traffic -----------------------------------------------------------

    def send(self, port, frame):
        self.socks[port].send(frame)

    def collect(self, port, n, timeout):
        """Up to @n frames gardengate sent on @port, waiting at most
        @timeout; then whatever else is already there."""
        s = self.socks[port]
        got = []
        deadline = time.monotonic() + timeout
        while True:
            wait = deadline - time.monotonic() if len(got) < n else 0
            r, _, _ = select.select([s], [], [], max(0.0, wait))
            if not r:
                break
            try:
                data, addr = s.recvfrom(65535)
            except BlockingIOError:
                continue
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            got.append(data)
        return got

    # -- telemetry ---------------------------------------------------------

    def stats(self):
        st = self.tel.cmd("/gardengate/stats")
        if not isinstance(st, dict):
            raise Fail("telemetry /gardengate/stats returned %r" % st)
        return st

    def wait_stats(self, want, timeout=STEP_TIMEOUT_S, alternatives=None):
        """Poll until the statistics equal @want (a dict of telemetry keys),
        or one of @alternatives; returns (index of the one matched or -1,
        last statistics read)."""
        cands = alternatives if alternatives is not None else [want]
        deadline = time.monotonic() + timeout
        while True:
            st = self.stats()
            for i, w in enumerate(cands):
                if all(st.get(k) == v for k, v in w.items()):
                    return i, st
            if time.monotonic() > deadline:
                return -1, st
            time.sleep(0.002)

    def admin(self, *cmds):
        """Commands through dpdk-telemetry.py -f PREFIX, as an operator
        types them; returns the reply object of each."""
        tool = shutil.which("dpdk-telemetry.py")
        if tool is None:
            raise Fail("dpdk-telemetry.py not found (Debian package dpdk)")
        r = subprocess.run([tool, "-f", self.prefix], input="\n".join(cmds) + "\n",
                           capture_output=True, text=True, timeout=20)
        self.tel_log.write("$ dpdk-telemetry.py -f %s <<< %r\n%s%s\n"
                           % (self.prefix, cmds, r.stdout, r.stderr))
        self.tel_log.flush()
        replies = []
        for line in r.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                replies.append(json.loads(line))
        if len(replies) != len(cmds):
            raise Fail("dpdk-telemetry.py answered %d of %d commands: %s %s"
                       % (len(replies), len(cmds), r.stdout[-500:], r.stderr[-500:]))
        return [rep.get(c.split(",")[0]) for rep, c in zip(replies, cmds)]

    # -- tear-down ---------------------------------------------------------

    def stop(self):
        """Stop gardengate as an operator would (SIGINT): it prints and
        writes its final statistics."""
        if self.tel is not None:
            self.tel.close()
            self.tel = None
        self.proc.send_signal(signal.SIGINT)
        try:
            rcode = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            rcode = None
        self.out_f.close()
        self.err_f.close()
        with open(self.out_path) as f:
            out = f.read()
        with open(self.err_path) as f:
            err = f.read()
        return rcode, out, err

    def cleanup(self):
        if self.tel is not None:
            self.tel.close()
            self.tel = None
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        for s in self.socks.values():
            s.close()
        self.socks = {}
        if self.ns_created:
            sh(["ip", "netns", "del", self.ns], check=False)
            self.ns_created = False
        shutil.rmtree(rc.dpdk_runtime_dir(self.prefix), ignore_errors=True)
        self.tel_log.close()


class LiveCase(LimitedCase):
    """Each input is sent at once; its effect (counters, then frames) is
    awaited and checked before add() returns the frames it caused."""

    live = True

    def __init__(self, env, rig):
        super().__init__(env)
        self.rig = rig
        self.events, self.drops = rc.counter_names()
        self.received = {"n3": [], "n6": []}
        self.matched = {"n3": [], "n6": []}
        self.offset = Counter()   # re-baselining after a step went wrong

    def telemetry_want(self, counts):
        want = {}
        for n in self.events:
            want[n] = counts.get(n, 0) + self.offset.get(n, 0)
        for n in self.drops:
            want["drop_" + n] = counts.get(n, 0) + self.offset.get(n, 0)
        want["drops_total"] = sum(want["drop_" + n] for n in self.drops)
        return want

    def _effect(self, port, out, count):
        c = Counter({"rx_" + port: 1})
        for o in out:
            c["tx_" + o[0]] += 1
        for k, v in (count or {}).items():
            c[k] += v
        return c

    def _settle(self, port, what, options):
        """Wait for the effect of the input just sent on @port to be one of
        @options [(out, count)]; returns the index of that option."""
        wants = [self.telemetry_want(self.counts + self._effect(port, out, count))
                 for out, count in options]
        idx, st = self.rig.wait_stats(None, alternatives=wants)
        if idx < 0:
            w = wants[0]
            diff = ["%s %s (expected %s)" % (k, st.get(k), v) for k, v in w.items()
                    if st.get(k) != v]
            self.problems.append("after %s: counters did not settle within %.0f s: %s"
                                 % (what, STEP_TIMEOUT_S, "; ".join(diff)))
            # Compare the next steps with what really happened.
            for k, v in w.items():
                if st.get(k) is not None and k != "drops_total":
                    self.offset[k[5:] if k.startswith("drop_") else k] += st[k] - v
            idx = 0
        return idx

    def _frames(self, what, out):
        result = []
        for p in ("n3", "n6"):
            exps = [o[1] for o in out if o[0] == p]
            frames = self.rig.collect(p, len(exps), 1.5 if exps else 0.0)
            self.received[p] += frames
            local = []
            matched = match_streams(p, frames, [exps], local)
            self.problems += ["%s: %s" % (what, x) for x in local]
            self.matched[p] += matched
            result += [(p, f, e) for f, e in matched]
        # In the order of @out
        frames = []
        for o in out:
            frames.append(next((f for p, f, x in result if x is o[1]), None))
        return frames

    def add(self, port, frame, what, out=(), count=None):
        out = list(out)
        self.rig.send(port, frame)
        self._settle(port, what, [(out, count)])
        self._record(port, frame, what, out, count)
        return self._frames(what, out)

    def add_either(self, port, frame, what, options):
        """Like add(), when the effect may be one of several: @options is
        [(label, out, count)]; returns (label, frames)."""
        self.rig.send(port, frame)
        idx = self._settle(port, what, [(list(o[1]), o[2]) for o in options])
        label, out, count = options[idx]
        self._record(port, frame, "%s [%s]" % (what, label), list(out), count)
        return label, self._frames(what, list(out))

    def sync(self, what):
        """Check that nothing happened beyond what is expected so far."""
        want = self.telemetry_want(self.counts)
        idx, st = self.rig.wait_stats(want, timeout=0.5)
        if idx < 0:
            diff = ["%s %s (expected %s)" % (k, st.get(k), v) for k, v in want.items()
                    if st.get(k) != v]
            self.problems.append("%s: counters: %s" % (what, "; ".join(diff)))


# ---------------------------------------------------------------------------
# Running a case

def write_plan(workdir, name, case):
    with open(os.path.join(workdir, "plan.txt"), "w") as f:
        f.write("case %s: inputs and what each must cause\n" % name)
        f.write("(-> output; the frames on one port follow the inputs of each input port "
                "in order)\n\n")
        f.write("\n".join(case.plan) + "\n\nexpected non-zero counters:\n")
        for k in sorted(case.counts):
            f.write("  %s = %d\n" % (k, case.counts[k]))


def check_frames(case, matched, workdir, problems):
    for port in ("n3", "n6"):
        for i, (f, _) in enumerate(matched[port]):
            for p in rc.scapy_checksum_problems(f):
                problems.append("%s frame %d (%s): %s" % (port, i + 1, gt.summary(f), p))
        path = os.path.join(workdir, port + "-out.pcap")
        if matched[port]:
            problems += tshark_check(path, matched[port])


def run_pcap(args, name, fn, env, conf, workdir):
    case = PcapCase(env)
    fn(case)
    for port in ("n3", "n6"):
        gt.write_pcap(os.path.join(workdir, port + "-in.pcap"), [f for f, _ in case.inputs[port]])
    write_plan(workdir, name, case)
    if args.generate_only:
        return None, case, 0.0
    ns = argparse.Namespace(case="limited-" + name, gardengate=args.gardengate,
                            timeout=args.timeout)
    rcode, elapsed, stats_path, out, err = rc.run_gardengate(ns, workdir, conf.path)
    if rcode is None:
        raise Fail("gardengate still running after %.0f s: killed\n  stderr:\n%s"
                   % (args.timeout, rc.tail(err)))
    if rcode != 0:
        raise Fail("gardengate exited with status %d\n  stdout:\n%s\n  stderr:\n%s"
                   % (rcode, rc.tail(out), rc.tail(err)))
    stats = load_stats(stats_path)
    problems = []
    outputs = {}
    matched = {}
    for port in ("n3", "n6"):
        outputs[port] = gt.read_pcap(os.path.join(workdir, port + "-out.pcap"))
        streams = [st for (op, _), st in sorted(case.streams.items()) if op == port]
        matched[port] = match_streams(port, outputs[port], streams, problems)
    check_frames(case, matched, workdir, problems)
    check_macs(env, stats, problems)
    rc.check_stats(case, stats, out, outputs, conf, problems)
    return problems, case, elapsed


def load_stats(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as ex:
        raise Fail("no usable --stats-file %s: %s" % (path, ex))


def check_macs(env, stats, problems):
    for port in ("n3", "n6"):
        mac = stats.get("ports", {}).get(port, {}).get("mac")
        if mac != env.mac[port]:
            problems.append("stats: ports.%s.mac %r, the frames were checked against %s"
                            % (port, mac, env.mac[port]))


def run_live(args, name, fn, env, conf, workdir):
    if os.geteuid() != 0:
        raise Fail("this case runs gardengate in a network namespace: it needs root")
    for tool in ("ip",):
        if shutil.which(tool) is None:
            raise Fail("%s is not installed (iproute2)" % tool)
    start = time.monotonic()
    with LiveRig(name, workdir, args.gardengate, conf.path, env) as rig:
        rig.start()
        case = LiveCase(env, rig)
        try:
            fn(case)
            case.sync("end of the case")
        finally:
            for port in ("n3", "n6"):
                gt.write_pcap(os.path.join(workdir, port + "-in.pcap"),
                              [f for f, _ in case.inputs[port]])
                gt.write_pcap(os.path.join(workdir, port + "-out.pcap"), case.received[port])
            write_plan(workdir, name, case)
        rcode, out, err = rig.stop()
    elapsed = time.monotonic() - start
    if rcode != 0:
        raise Fail("gardengate exited with status %s on SIGINT\n  stdout:\n%s\n  stderr:\n%s"
                   % (rcode, rc.tail(out), rc.tail(err)))
    stats = load_stats(os.path.join(workdir, "stats.json"))
    problems = list(case.problems)
    check_frames(case, case.matched, workdir, problems)
    check_macs(env, stats, problems)
    rc.check_stats(case, stats, out, case.received, conf, problems)
    return problems, case, elapsed


def on_sigterm(signum, frame):
    # meson's timeout: unwind, so that the namespace and gardengate go.
    raise SystemExit("run_limited.py: terminated by signal %d" % signum)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Run one walled-garden functional test case.")
    ap.add_argument("case", nargs="?", help="one of: " + ", ".join(CASES))
    ap.add_argument("--gardengate", help="the gardengate executable")
    ap.add_argument("--builddir", help="directory for the case's files (DIR/limited-CASE/)")
    ap.add_argument("--conf", default=BASE_CONF, help="base config (default: %(default)s)")
    ap.add_argument("--timeout", type=float, default=rc.RUN_TIMEOUT_S,
                    help="pcap cases: kill gardengate after this many seconds")
    ap.add_argument("--list", action="store_true", help="list the cases")
    ap.add_argument("--generate-only", action="store_true",
                    help="pcap cases: write the inputs and plan.txt, do not run gardengate")
    args = ap.parse_args(argv)
    if args.list:
        for n, (mode, variant, fn) in CASES.items():
            doc = fn.__doc__ if fn else "real dig and dnsmasq around gardengate (real_clients.py)"
            print("%-16s %-5s %-18s %s" % (n, mode, variant, (doc or "").split("\n")[0]))
        return 0
    if args.case not in CASES or not args.builddir or (not args.gardengate and not args.generate_only):
        ap.print_usage(sys.stderr)
        print("run_limited.py: need CASE (%s), --builddir and --gardengate" % ", ".join(CASES),
              file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, on_sigterm)
    label = "limited-%s" % args.case
    mode, variant, fn = CASES[args.case]
    try:
        if shutil.which("tshark") is None:
            raise Fail("tshark is not installed (apt-get install tshark)")
        try:
            gt.scapy_all()
        except SystemExit as ex:
            raise Fail(str(ex))
        workdir = os.path.abspath(os.path.join(args.builddir, label))
        if "," in workdir:
            raise Fail("build directory %s contains a comma, which devargs cannot carry" % workdir)
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)
        with open(args.conf) as f:
            text = derive_conf(f.read(), VARIANTS[variant])
        conf_path = os.path.join(workdir, "gardengate.conf")
        with open(conf_path, "w") as f:
            f.write("# %s with the settings of variant '%s' (run_limited.py VARIANTS)\n"
                    % (args.conf, variant) + text)
        conf = gt.GatewayConf(conf_path)
        env = LimitedEnv(conf)
        if mode == "live" and args.generate_only:
            raise Fail("--generate-only: %s is a live case (its inputs depend on the answers)"
                       % args.case)
        if mode == "clients":
            # Real dig and dnsmasq (real_clients.py).
            import real_clients
            runner = real_clients.run_clients
        else:
            runner = run_pcap if mode == "pcap" else run_live
        problems, case, elapsed = runner(args, args.case, fn, env, conf, workdir)
        if problems is None:
            print("%s: inputs written to %s (plan.txt describes them)" % (label, workdir))
            return 0
    except Fail as ex:
        print("FAIL %s: %s" % (label, ex))
        return 1
    if problems:
        print("FAIL %s: %d problem(s); files in %s" % (label, len(problems), workdir))
        for p in problems:
            print("  " + p)
        return 1
    n_in = len(case.inputs["n3"]) + len(case.inputs["n6"])
    n_out = sum(len(st) for st in case.streams.values())
    print("PASS %s (%s, variant %s): %d inputs (N3 %d, N6 %d), %d outputs checked, %.1f s; "
          "files in %s" % (label, mode, variant, n_in, len(case.inputs["n3"]),
                           len(case.inputs["n6"]), n_out, elapsed, workdir))
    return 0


# ---------------------------------------------------------------------------
# The cases

Q = gt.DnsQuery
A_, AAAA_, MX_, TXT_ = gt.DNS_TYPE_A, gt.DNS_TYPE_AAAA, gt.DNS_TYPE_MX, gt.DNS_TYPE_TXT
HTTPS_, SVCB_ = gt.DNS_TYPE_HTTPS, gt.DNS_TYPE_SVCB


def tcp_dns(*msgs):
    """DNS messages as a TCP stream carries them (RFC 7766 8): each after
    its 2-octet length. Takes DnsQuery objects or wire octets."""
    out = b""
    for m in msgs:
        w = m if isinstance(m, (bytes, bytearray)) else m.wire()
        out += struct.pack("!H", len(w)) + w
    return out


def hostile_queries():
    """DNS queries a device may send that the parser must refuse: (what,
    UDP payload). Each is a dns_malformed drop in rewrite mode."""
    H = gt.dns_header
    RD = gt.DNS_RD
    qt = struct.pack("!HH", A_, gt.DNS_CLASS_IN)
    good = Q(0x2000, "example.com").wire()
    question = gt.dns_name("example.com") + qt
    return [
        ("compression loop (www + pointer back to itself)", H(0x2001, RD) + b"\x03www\xc0\x0c" + qt),
        ("compression pointer past the end", H(0x2002, RD) + b"\x03www\xc0\xff" + qt),
        ("compression pointer into the header", H(0x2003, RD) + b"\xc0\x02" + qt),
        ("label of 64 octets", H(0x2004, RD) + bytes([64]) + b"a" * 64 + b"\x00" + qt),
        ("name of 256 octets", H(0x2005, RD) + gt.dns_name(["a" * 63] * 3 + ["b" * 62]) + qt),
        ("QDCOUNT 0", H(0x2006, RD, qd=0)),
        ("QDCOUNT 2", H(0x2007, RD, qd=2) + question + gt.dns_name("example.org") + qt),
        ("message cut inside the name", good[:18]),
        ("message cut inside QCLASS", good[:-1]),
        ("11-octet message", good[:11]),
        ("empty message", b""),
        ("QR=1 (a response sent as a query)", H(0x2008, gt.DNS_QR | RD) + question),
        ("OPCODE 2 (STATUS)", H(0x2009, 0x1000 | RD) + question),
        ("ANCOUNT 1", H(0x200a, RD, an=1) + question
         + gt.dns_rr(b"\xc0\x0c", A_, 60, gt.ip_bytes(FAR))),
        ("ARCOUNT 2", H(0x200b, RD, ar=2) + question + gt.dns_opt() + gt.dns_opt()),
        ("octet after the question", good + b"\x00"),
        ("label holding a space", H(0x200c, RD) + gt.dns_name(["exa mple", "com"]) + qt),
        ("label holding a dot", H(0x200d, RD) + gt.dns_name(["a.b", "com"]) + qt),
        ("OPT owned by a name", H(0x200e, RD, ar=1) + question
         + gt.dns_opt(owner=gt.dns_name("x.example"))),
        ("additional record not an OPT (TSIG)", H(0x200f, RD, ar=1) + question
         + gt.dns_rr(b"\x00", 250, 0, b"")),
        ("EDNS option overrunning the OPT", H(0x2010, RD, ar=1) + question
         + gt.dns_opt(options=struct.pack("!HH", 10, 20) + b"ab")),
    ]


def case_dns(c):
    """dns.mode rewrite: forged answers, garden names forwarded, hostile queries dropped"""
    e = c.env
    L, L2, A = e.L, e.L2, e.A
    c.note("rewrite mode: every query of a LIMITED device for a name outside the garden "
           "is answered in place; garden names (and subdomains) are forwarded")
    c.dns_forged(L, Q(0x1001, "example.com"), "A example.com to the garden resolver")
    c.dns_forged(L, Q(0x1002, "www.Example.COM"), "A www.Example.COM to 8.8.8.8 (0x20 case kept)",
                 dst=PUBLIC_DNS, sport=40001)
    c.dns_forged(L, Q(0x1003, "example.com", AAAA_), "AAAA, no portal IPv6: NOERROR, no answer")
    c.dns_forged(L, Q(0x1004, "example.com", HTTPS_), "HTTPS (65): NOERROR, no answer")
    c.dns_forged(L, Q(0x1005, "_dns.resolver.arpa", SVCB_), "SVCB (64): NOERROR, no answer")
    c.dns_forged(L, Q(0x1006, "example.com", MX_), "MX: NXDOMAIN (other_types)")
    c.dns_forged(L, Q(0x1007, "example.com", TXT_), "TXT: NXDOMAIN")
    c.dns_forged(L, Q(0x1008, "example.com", gt.DNS_TYPE_ANY), "ANY: NXDOMAIN")
    c.dns_forged(L, Q(0x1009, "version.bind", TXT_, gt.DNS_CLASS_CH), "CH TXT version.bind: NXDOMAIN")
    c.dns_forged(L, Q(0x100a, "example.com", A_, gt.DNS_CLASS_CH), "A in class CH: NXDOMAIN")
    cookie = struct.pack("!HH", 10, 8) + bytes(range(8))
    c.dns_forged(L, Q(0x1010, "example.net", edns={"udp_size": 4096, "do": True, "options": cookie}),
                 "A with EDNS(0) 4096, DO and a cookie option: OPT with our size, DO, no option")
    c.dns_forged(L, Q(0x1011, "example.net", AAAA_, edns={"udp_size": 512}), "AAAA with EDNS(0) 512")
    c.dns_forged(L, Q(0x1012, "example.net", HTTPS_, edns={"udp_size": 1232, "do": True}),
                 "HTTPS with EDNS(0) DO")
    c.dns_forged(L, Q(0x1013, "example.net", MX_, edns={"udp_size": 1232}), "MX with EDNS(0)")
    c.dns_forged(L, Q(0x1014, "example.net", edns={"udp_size": 4096, "version": 1}),
                 "EDNS version 1: BADVERS (extended RCODE 1), no answer")
    c.dns_forged(L, Q(0x1015, "example.net", flags=gt.DNS_CD), "RD=0 CD=1: both echoed")
    c.dns_forged(L, Q(0x1016, "example.net", flags=gt.DNS_RD | gt.DNS_AD),
                 "AD set in the query: not echoed")
    c.dns_forged(L, Q(0x1020, "badportal.example"), "badportal.example (no label boundary)")
    c.dns_forged(L, Q(0x1021, "portal.example.evil.net"), "portal.example.evil.net (garden name "
                 "as a prefix)")
    c.dns_forged(L, Q(0x1022, "ca.example.com"), "ca.example.com")
    c.dns_forged(L, Q(0x1023, "example"), "single-label example")
    c.dns_forged(L, Q(0x1024, "", gt.DNS_TYPE_NS), "NS of the root: NXDOMAIN")
    c.dns_forged(L, Q(0x1025, "dns.msftncsi.com"), "dns.msftncsi.com (Windows' DNS probe)",
                 dst=PUBLIC_DNS)
    c.dns_forged(L, Q(0x1026, "connectivitycheck.gstatic.com"), "connectivitycheck.gstatic.com")
    long_name = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
    c.dns_forged(L, Q(0x1027, long_name), "name of 255 octets, the longest there is")
    c.dns_forged(L, Q(0x1030, "example.org"), "in a packet with IPv4 options (Router Alert)",
                 ipkw={"options": b"\x94\x04\x00\x00"})
    c.dns_forged(L, Q(0x1031, "example.org"), "with DSCP AF11 (kept in the answer)", tos=0x28)
    c.dns_forged(L, Q(0x1032, "example.org"), "with inner TTL 1 (answered, not forwarded)",
                 ipkw={"ttl": 1})
    c.dns_forged(L, Q(0x1033, "example.org"), "in a G-PDU with S=1 seq 7", seq=7)
    c.dns_forged(L, Q(0x1034, "example.org"), "in a T-PDU with 6 octets after the packet",
                 trailer=b"\xde\xad\xbe\xef\x00\x01")
    c.dns_forged(L, Q(0x1035, "example.org"), "with UDP checksum 0 (none)",
                 ipkw={"udp_checksum": False})
    c.dns_forged(L2, Q(0x1036, "example.org"), "from the LIMITED session without QFI", sport=5353)

    c.note("garden names: forwarded to the trusted resolver, whatever address the device "
           "asked (destination rewritten, checksums patched)")
    for i, (name, qtype, dst, edns) in enumerate((
            ("portal.example", A_, RESOLVER, None),
            ("WWW.Portal.Example", A_, PUBLIC_DNS, None),
            ("sub.ca.example", AAAA_, RESOLVER, None),
            ("ca.example", MX_, RESOLVER, {"udp_size": 1232, "do": True}),
            ("a.b.c.portal.example", HTTPS_, PUBLIC_DNS, None),
            ("vpn.portal.example", A_, "1.2.3.4", None))):
        q = Q(0x1040 + i, name, qtype, edns=edns)
        c.ul_garden_query(L, q, dst, 33100 + i,
                          "%s type %d to %s (garden name)" % (name, qtype, dst))
    c.ul_garden_query(L, Q(0x1049, "portal.example"), "1.2.3.4", 33109,
                      "portal.example to 1.2.3.4 with UDP checksum 0", udp_checksum=False)
    c.ul_garden_query(L2, Q(0x1050, "portal.example"), RESOLVER, 33200,
                      "portal.example from the session without QFI")
    c.note("a session waits on at most 12 queries per worker (7 so far): 5 more are "
           "forwarded, the next is dropped; the other session is not held back")
    for i in range(5):
        c.ul_garden_query(L, Q(0x1060 + i, "n%d.ca.example" % i), RESOLVER, 33400 + i,
                          "n%d.ca.example (pending %d of 12)" % (i, 8 + i))
    c.ul_drop(L, c.dns_inner(L, Q(0x1066, "n6.ca.example"), RESOLVER, 33406, ident=0x1066),
              "DNS query n6.ca.example, the 13th pending", "dns_pending_session_full")
    c.ul_garden_query(L2, Q(0x1067, "n7.ca.example"), RESOLVER, 33407,
                      "n7.ca.example from the other session")

    c.note("hostile queries: dropped, none answered or forwarded")
    for i, (what, payload) in enumerate(hostile_queries()):
        c.ul_drop(L, gt.ipv4_udp(L.ue, RESOLVER, 34000 + i, gt.DNS_PORT, payload, ident=0x2000 + i),
                  "DNS query: " + what, "dns_malformed")
    bad_len = gt.ipv4(L.ue, RESOLVER, gt.IPPROTO_UDP,
                      gt.udp(L.ue, RESOLVER, 34100, 53, Q(0x2100, "example.com").wire(),
                             length=8 + len(Q(0x2100, "example.com").wire()) + 4))
    c.ul_drop(L, bad_len, "DNS query whose UDP length is 4 past the packet", "limited_l4_truncated")
    c.ul_drop(L, c.dns_inner(L, Q(0x2101, "example.com"), RESOLVER, 34101, mf=True),
              "DNS query in a first fragment (MF)", "limited_fragment")
    c.ul_drop(L, gt.ipv4_udp(FAR, RESOLVER, 34102, 53, Q(0x2102, "example.com").wire()),
              "DNS query from a spoofed source", "ul_spoofed_source")

    c.note("a FULL session's DNS is not touched")
    c.ul_forward(A, c.dns_inner(A, Q(0x1060, "example.com"), PUBLIC_DNS, 33300, ident=0x1060),
                 "FULL session: DNS query example.com")


def case_dns_alt(c):
    """other_types refused, portal IPv6, dns.ttl 300, EDNS size 512"""
    e = c.env
    L, L2 = e.L, e.L2
    c.dns_forged(L, Q(0x3001, "example.com"), "A: the portal, TTL 300")
    c.dns_forged(L, Q(0x3002, "example.com", AAAA_), "AAAA: the portal's IPv6 address")
    c.dns_forged(L, Q(0x3003, "example.com", AAAA_, edns={"udp_size": 4096, "do": True}),
                 "AAAA with EDNS(0) 4096 and DO: OPT with 512")
    c.dns_forged(L, Q(0x3004, "example.com", MX_), "MX: REFUSED (other_types)")
    c.dns_forged(L, Q(0x3005, "example.com", TXT_), "TXT: REFUSED")
    c.dns_forged(L, Q(0x3006, "version.bind", TXT_, gt.DNS_CLASS_CH), "CH TXT: REFUSED")
    c.dns_forged(L, Q(0x3007, "example.com", gt.DNS_TYPE_ANY, edns={"udp_size": 1232}),
                 "ANY with EDNS(0): REFUSED")
    c.dns_forged(L, Q(0x3008, "example.com", HTTPS_), "HTTPS: NOERROR, no answer")
    c.dns_forged(L, Q(0x3009, "example.com", SVCB_), "SVCB: NOERROR, no answer")
    c.dns_forged(L2, Q(0x300a, "example.com", AAAA_), "AAAA from the session without QFI",
                 dst=PUBLIC_DNS)
    c.ul_forward(L, c.dns_inner(L, Q(0x3010, "portal.example", AAAA_), RESOLVER, 33400,
                                ident=0x3010),
                 "DNS query AAAA portal.example (garden name)", event="dns_garden_forward")


def case_dns_snoop(c):
    """dns.mode snoop: garden names to the trusted resolver, other names refused, none forged"""
    e = c.env
    L, L2 = e.L, e.L2
    c.note("RFC 8952: no forged answer, and no other server either: queries for other "
           "names are refused as other UDP (ICMP prohibited), garden names go to the "
           "trusted resolver whatever address was asked")
    for i, (q, dst) in enumerate((
            (Q(0x4001, "example.com"), RESOLVER),
            (Q(0x4002, "example.com"), PUBLIC_DNS),
            (Q(0x4004, "www.example.com", AAAA_), PUBLIC_DNS),
            (Q(0x4005, "example.com", MX_, edns={"udp_size": 4096, "do": True}), RESOLVER),
            (Q(0x4006, "badportal.example", HTTPS_), RESOLVER))):
        inner = c.dns_inner(L, q, dst, 35000 + i, ident=q.qid)
        c.ul_reply(L, inner, "DNS query %s type %d to %s" % (q.name, q.qtype, dst),
                   c.icmp_unreach_expect(L, inner, "ICMP prohibited for " + q.name),
                   "icmp_unreach_sent", extra={"dns_refused": 1})
    c.ul_garden_query(L, Q(0x4003, "portal.example"), RESOLVER, 35003,
                      "portal.example to the resolver")
    c.ul_garden_query(L, Q(0x4007, "vpn.portal.example"), "1.2.3.4", 35007,
                      "vpn.portal.example to 1.2.3.4 (the attack: redirected)")
    c.ul_garden_query(L2, Q(0x4010, "ca.example"), PUBLIC_DNS, 35100,
                      "ca.example from the session without QFI")
    c.note("parsed in snoop mode too: what is not one standard query is dropped")
    for i, (what, payload) in enumerate(hostile_queries()[:7]):
        inner = gt.ipv4_udp(L.ue, PUBLIC_DNS, 35200 + i, gt.DNS_PORT, payload, ident=0x4100 + i)
        c.ul_drop(L, inner, "DNS query: " + what, "dns_malformed")
    c.note("the rest of the LIMITED policy is unchanged")
    bad_len = gt.ipv4(L.ue, RESOLVER, gt.IPPROTO_UDP,
                      gt.udp(L.ue, RESOLVER, 35300, 53, Q(0x4200, "example.com").wire(),
                             length=8 + len(Q(0x4200, "example.com").wire()) - 2))
    c.ul_drop(L, bad_len, "DNS query whose UDP length is 2 short", "limited_l4_truncated")
    c.note("DNS over TCP: the SYN goes to the trusted resolver whatever address was asked; "
           "a query for another name is refused with a RST (no forwarding to 8.8.8.8)")
    c.ul_tcp_dns(L, RESOLVER, 35301, "SYN to the trusted resolver")
    c.ul_tcp_dns(L, PUBLIC_DNS, 35302, "SYN to 8.8.8.8 (redirected)")
    c.tcp_refused(L, "DNS/TCP query example.com to 8.8.8.8", PUBLIC_DNS, 53, sport=35302,
                  seq=1001, ack=77, flags=0x18, payload=tcp_dns(Q(0x4202, "example.com")),
                  extra={"dns_refused": 1})
    c.ul_tcp_dns(L, PUBLIC_DNS, 35302, "query portal.example in the same connection",
                 seq=1001, ack=77, flags=0x18, payload=tcp_dns(Q(0x4203, "portal.example")),
                 queries=1)
    inner = gt.ipv4_udp(L.ue, PUBLIC_DNS, 35303, 5353, Q(0x4201, "example.com").wire())
    c.udp_refused(L, inner, "UDP to 8.8.8.8 port 5353 (not 53)")


def gre(src, dst, **ipkw):
    """A GRE packet (protocol 47) carrying 20 octets of protocol 0x88b5
    (local experimental: tshark shows them as data)."""
    return gt.ipv4(src, dst, 47, b"\x00\x00\x88\xb5" + pattern(20, 47), **ipkw)


def case_garden(c):
    """static garden rules and the portal forwarded; the rest refused (RST, ICMP, drops)"""
    e = c.env
    L, L2, A = e.L, e.L2, e.A
    pol = e.pol

    def fwd(s, inner, what):
        c.ul_forward(s, inner, what, event="garden_forward_ul")

    c.note("garden destinations: forwarded as for a FULL session (garden_forward_ul)")
    c.note("TCP 53 is DNS over TCP whatever the rules say (dns_tcp.c): only whole "
           "garden-name queries reach the resolver")
    c.ul_tcp_dns(L, RESOLVER, 41000, "SYN to the resolver port 53", options=gt.tcp_opt_mss(1460))
    c.tcp_refused(L, "DNS over TCP to the resolver, example.com", RESOLVER, 53, sport=41000,
                  seq=1001, ack=5001, flags=0x18, payload=tcp_dns(Q(0x5000, "example.com")),
                  extra={"dns_refused": 1})
    c.note("DNS over TLS (853) and DNS over HTTPS endpoints: refused like any other TCP")
    for dst, port, what in ((RESOLVER, 853, "DoT to the trusted resolver"),
                            ("1.1.1.1", 853, "DoT to 1.1.1.1"),
                            ("8.8.8.8", 443, "DoH dns.google"),
                            ("1.1.1.1", 443, "DoH cloudflare-dns.com"),
                            ("9.9.9.9", 443, "DoH dns.quad9.net")):
        c.tcp_refused(L, "TCP SYN to %s:%d (%s)" % (dst, port, what), dst, port,
                      sport=41100 + port % 100)
    c.ul_forward(L, c.dns_inner(L, Q(0x5001, "ca.example"), RESOLVER, 41001, ident=0x5001),
                 "UDP 53 to the resolver, garden name: the DNS rule decides first",
                 event="dns_garden_forward")
    c.dns_forged(L, Q(0x5002, "example.com"), "UDP 53 to the resolver, other name: forged "
                 "although the resolver is in the garden")
    for port in (443, 444):
        inner, _ = c.tcp_inner(L, TLS_NET_HOST, 41010 + port, port, options=gt.tcp_opts_linux_syn())
        fwd(L, inner, "TCP SYN to %s:%d (198.18.0.0/24 tcp 443-444)" % (TLS_NET_HOST, port))
    inner, _ = c.tcp_inner(L, TLS_NET_HOST, 41011, 443, seq=7, ack=9, flags=0x18,
                           payload=pattern(300, 1), df=True)
    fwd(L, inner, "TCP data to %s:443" % TLS_NET_HOST)
    inner, _ = c.tcp_inner(L2, "198.18.0.200", 41012, 443)
    fwd(L2, inner, "TCP SYN to 198.18.0.200:443 from the session without QFI")
    for port in (442, 445):
        c.tcp_refused(L, "TCP SYN to %s:%d (outside the port range)" % (TLS_NET_HOST, port),
                      TLS_NET_HOST, port, sport=41020 + port)
    c.tcp_refused(L, "TCP SYN to %s:443 (its /32 allows only udp 5000: the longest prefix "
                  "decides)" % SHADOW_HOST, SHADOW_HOST, 443, sport=41030)
    fwd(L, gt.ipv4_udp(L.ue, SHADOW_HOST, 41031, 5000, pattern(40, 2)),
        "UDP to %s:5000" % SHADOW_HOST)
    c.udp_refused(L, gt.ipv4_udp(L.ue, SHADOW_HOST, 41032, 5001, pattern(40, 3)),
                  "UDP to %s:5001" % SHADOW_HOST)
    fwd(L, gt.ipv4_icmp_echo(L.ue, ICMP_HOST, 0x77, 1, pattern(56, 4)),
        "ICMP echo to %s (icmp rule)" % ICMP_HOST)
    c.udp_refused(L, gt.ipv4_udp(L.ue, ICMP_HOST, 41033, 9, pattern(10, 5)),
                  "UDP to %s:9 (icmp-only rule)" % ICMP_HOST)
    c.tcp_refused(L, "TCP SYN to %s:443 (icmp-only rule)" % ICMP_HOST, ICMP_HOST, 443, sport=41034)

    c.note("the portal: every protocol and port")
    inner, _ = c.tcp_inner(L, pol.portal, 41040, 443, options=gt.tcp_opts_linux_syn())
    fwd(L, inner, "TCP SYN to the portal port 443")
    inner, _ = c.tcp_inner(L, pol.portal, 41041, 80)
    fwd(L, inner, "TCP SYN to the portal port 80 (not redirected)")
    fwd(L, gt.ipv4_udp(L.ue, pol.portal, 41042, 3478, pattern(20, 6)), "UDP to the portal port 3478")
    fwd(L, gt.ipv4_icmp_echo(L.ue, pol.portal, 0x78, 1, pattern(56, 7)), "ICMP echo to the portal")
    fwd(L, gre(L.ue, pol.portal), "GRE to the portal")
    fwd(L2, gt.ipv4_icmp_echo(L2.ue, pol.portal, 0x79, 2, pattern(8, 8)),
        "ICMP echo to the portal from the session without QFI")
    c.ul_drop(L, gt.ipv4_udp(L.ue, pol.portal, 41043, 3478, pattern(20, 9), ttl=1),
              "UDP to the portal with inner TTL 1 (classified, then out of TTL)", "ttl_expired",
              {"garden_forward_ul": 1})

    c.note("TCP outside the garden: the RST of RFC 9293 3.10.7.1 (tcp_rst_refused)")
    c.tcp_refused(L, "TCP SYN to %s:443" % FAR, FAR, 443, sport=42000, seq=0xfffffffe)
    c.tcp_refused(L, "TCP SYN with Linux options and 10 octets of data (TFO) to %s:443" % FAR,
                  FAR, 443, sport=42001, seq=5000, payload=pattern(10, 10),
                  options=gt.tcp_opts_linux_syn())
    c.tcp_refused(L, "TCP ACK with data to %s:443" % FAR, FAR, 443, sport=42002, seq=100,
                  ack=0x80000000, flags=0x18, payload=pattern(100, 11))
    c.tcp_refused(L, "TCP FIN+ACK to %s:8443" % FAR, FAR, 8443, sport=42003, seq=100, ack=200,
                  flags=0x11)
    c.tcp_refused(L, "TCP segment with no flag and 5 octets to %s:22" % FAR, FAR, 22,
                  sport=42004, seq=300, flags=0x00, payload=b"hello")
    c.tcp_refused(L, "TCP SYN+ACK to %s:443" % FAR, FAR, 443, sport=42005, seq=1, ack=2,
                  flags=0x12)
    c.tcp_refused(L, "TCP SYN with DSCP EF and ECT(1) (DSCP kept, ECN cleared)", FAR, 443,
                  sport=42006, tos=0xb9)
    c.tcp_refused(L, "TCP SYN in a packet with IPv4 options (reply without)", FAR, 443,
                  sport=42007, options=b"\x94\x04\x00\x00")
    c.tcp_refused(L2, "TCP SYN to %s:443 from the session without QFI" % FAR, FAR, 443,
                  sport=42008)
    c.tcp_refused(L, "TCP SYN to %s:443 (TCP to the resolver is refused but for port 53)"
                  % RESOLVER, RESOLVER, 443, sport=42009)
    inner, _ = c.tcp_inner(L, FAR, 42010, 443, seq=1, ack=2, flags=0x14)
    c.ul_drop(L, inner, "TCP RST+ACK to %s:443: absorbed" % FAR, "http_absorb_rst")
    inner = gt.ipv4_tcp(L.ue, FAR, 42011, 443, b"", seq=1, flags=0x02, tcp_checksum=0x1234)
    c.ul_drop(L, inner, "TCP SYN with a wrong checksum", "http_bad_checksum")
    seg = bytearray(gt.tcp(L.ue, FAR, 42012, 443, b"", 1, 0, 0x02))
    seg[12] = 4 << 4
    c.ul_drop(L, gt.ipv4(L.ue, FAR, gt.IPPROTO_TCP, bytes(seg)), "TCP data offset 4",
              "http_malformed")
    c.ul_drop(L, gt.ipv4(L.ue, FAR, gt.IPPROTO_TCP, gt.tcp(L.ue, FAR, 42013, 443)[:12]),
              "TCP header cut at 12 octets", "limited_l4_truncated")

    c.note("UDP outside the garden: ICMP administratively prohibited from the N6 address")
    c.udp_refused(L, gt.ipv4_udp(L.ue, FAR, 43000, 123, pattern(48, 12), ident=0x4321),
                  "UDP to %s:123" % FAR)
    c.udp_refused(L, gt.ipv4_udp(L.ue, FAR, 43001, 4433, pattern(1200, 13), df=True),
                  "UDP of 1200 octets to %s:4433 (QUIC-sized)" % FAR)
    c.udp_refused(L, gt.ipv4_udp(L.ue, FAR, 43002, 9, b""), "UDP without payload")
    c.udp_refused(L, gt.ipv4_udp(L.ue, FAR, 43003, 9, pattern(16, 14),
                                 options=b"\x94\x04\x00\x00"),
                  "UDP in a packet with IPv4 options (quoted with them)")
    c.udp_refused(L, gt.ipv4_udp(L.ue, FAR, 43004, 9, pattern(16, 15), udp_checksum=False),
                  "UDP without checksum")
    c.udp_refused(L2, gt.ipv4_udp(L2.ue, FAR, 43005, 9, pattern(16, 16)),
                  "UDP from the session without QFI")
    c.ul_drop(L, gt.ipv4(L.ue, FAR, gt.IPPROTO_UDP, gt.udp(L.ue, FAR, 43006, 9, pattern(16, 17),
                                                            length=30)),
              "UDP whose length is 6 past the packet", "limited_l4_truncated")
    c.ul_drop(L, gt.ipv4(L.ue, FAR, gt.IPPROTO_UDP, b"\x00\x01\x00\x02\x00"),
              "UDP header cut at 5 octets", "limited_l4_truncated")

    c.note("ICMP outside the garden, and other protocols: dropped")
    c.ul_drop(L, gt.ipv4_icmp_echo(L.ue, FAR, 0x80, 1, pattern(56, 18)), "ICMP echo to %s" % FAR,
              "limited_icmp_refused")
    c.ul_drop(L, gt.ipv4_icmp_echo(L.ue, TLS_NET_HOST, 0x81, 1, pattern(56, 19)),
              "ICMP echo to %s (tcp-only rule)" % TLS_NET_HOST, "limited_icmp_refused")
    c.ul_drop(L, gt.ipv4(L.ue, FAR, gt.IPPROTO_ICMP, gt.icmp_message(13, 0, b"\x00\x01\x00\x01",
                                                                      bytes(12))),
              "ICMP timestamp request to %s" % FAR, "limited_icmp_refused")
    c.ul_drop(L, gre(L.ue, FAR), "GRE to %s" % FAR, "limited_proto_refused")
    c.ul_drop(L, gt.ipv4(L.ue, FAR, 50, pattern(40, 20)), "ESP to %s" % FAR,
              "limited_proto_refused")
    c.ul_drop(L, gt.ipv4(L.ue, FAR, 132, pattern(40, 21)), "SCTP to %s" % FAR,
              "limited_proto_refused")

    c.note("fragments are never classified, even to the garden (limited_fragment)")
    c.ul_drop(L, gt.ipv4_udp(L.ue, FAR, 43100, 9, pattern(64, 22), mf=True),
              "UDP first fragment (MF) to %s" % FAR, "limited_fragment")
    c.ul_drop(L, gt.ipv4(L.ue, FAR, gt.IPPROTO_UDP, pattern(64, 23), frag_offset=100),
              "last fragment (offset 800) to %s" % FAR, "limited_fragment")
    c.ul_drop(L, gt.ipv4_tcp(L.ue, TLS_NET_HOST, 43101, 443, pattern(64, 24), mf=True),
              "TCP first fragment to %s:443 (garden)" % TLS_NET_HOST, "limited_fragment")
    c.ul_drop(L, gt.ipv4(L.ue, pol.portal, gt.IPPROTO_UDP, pattern(64, 25), frag_offset=8),
              "fragment to the portal", "limited_fragment")

    c.note("the session's own checks come first")
    c.ul_drop(L, gt.ipv4_udp(L2.ue, pol.portal, 43200, 443, pattern(20, 26)),
              "to the portal from the other LIMITED session's address", "ul_spoofed_source")
    c.ul_drop(L, gt.ipv4_tcp("10.45.0.99", FAR, 43201, 443, b"", flags=0x02),
              "TCP SYN from a spoofed source", "ul_spoofed_source")
    c.ul_drop(L, gt.ipv6_udp("2001:db8:45::4", "2001:db8::53", 43202, 53, b"x"),
              "IPv6 T-PDU", "ul_inner_not_ipv4")

    c.note("FULL sessions are not classified")
    inner, _ = c.tcp_inner(A, FAR, 44000, 443)
    c.ul_forward(A, inner, "FULL session: TCP SYN to %s:443" % FAR)
    c.ul_forward(A, gt.ipv4_udp(A.ue, FAR, 44001, 123, pattern(48, 27)),
                 "FULL session: UDP to %s:123" % FAR)
    c.ul_forward(A, gt.ipv4_icmp_echo(A.ue, FAR, 0x90, 1, pattern(56, 28)),
                 "FULL session: ICMP echo to %s" % FAR)
    c.ul_forward(A, gre(A.ue, FAR), "FULL session: GRE")


def case_udp_drop(c):
    """limited.udp_reject drop: UDP outside the garden dropped, no ICMP"""
    e = c.env
    L, L2 = e.L, e.L2
    for i in range(3):
        c.udp_refused(L, gt.ipv4_udp(L.ue, FAR, 45000 + i, 123, pattern(48, i)),
                      "UDP to %s:123 #%d" % (FAR, i + 1))
    c.udp_refused(L2, gt.ipv4_udp(L2.ue, FAR, 45010, 4433, pattern(100, 9)),
                  "UDP from the session without QFI")
    c.ul_forward(L, gt.ipv4_udp(L.ue, SHADOW_HOST, 45020, 5000, pattern(20, 10)),
                 "UDP to %s:5000 (garden)" % SHADOW_HOST, event="garden_forward_ul")
    c.dns_forged(L, Q(0x6001, "example.com"), "A example.com (DNS is not UDP refused)")
    c.tcp_refused(L, "TCP SYN to %s:443 (still RST)" % FAR, FAR, 443, sport=45030)
    c.ul_drop(L, gt.ipv4_icmp_echo(L.ue, FAR, 0x91, 1, b""), "ICMP echo to %s" % FAR,
              "limited_icmp_refused")


def case_icmp_rate(c):
    """limited.icmp_rate 2: two ICMP prohibited, the other 8 counted as rate-limited"""
    e = c.env
    L = e.L
    c.note("ten UDP packets outside the garden in one burst: the worker's bucket holds two "
           "tokens (one second's worth) and refills at two per second")
    for i in range(10):
        inner = gt.ipv4_udp(L.ue, FAR, 46000 + i, 9000 + i, pattern(20, i))
        if i < 2:
            c.udp_refused(L, inner, "UDP #%d to %s:%d" % (i + 1, FAR, 9000 + i))
        else:
            c.ul_drop(L, inner, "UDP #%d to %s:%d: over the ICMP rate" % (i + 1, FAR, 9000 + i),
                      "limited_udp_refused", {"reply_ratelimited": 1})
    for i in range(3):
        c.tcp_refused(L, "TCP SYN #%d to %s:443 (RSTs are not rate-limited)" % (i + 1, FAR), FAR,
                      443, sport=46100 + i)
    c.dns_forged(L, Q(0x6101, "example.com"), "A example.com (forged answers are not either)")


def dns_answer_a(qid, name, addrs, ttl=300, qtype=A_, cname=None, extra=()):
    """A resolver's answer for @name: optionally a CNAME chain
    @cname = [target, ...] from the question name, then A records for the
    last name, then @extra records."""
    answers = []
    owner = b"\xc0\x0c"
    for target in cname or ():
        answers.append(gt.dns_rr(owner, gt.DNS_TYPE_CNAME, ttl, gt.dns_name(target)))
        owner = gt.dns_name(target)
    for a in addrs:
        answers.append(gt.dns_rr(owner, A_, ttl, gt.ip_bytes(a)))
    answers += list(extra)
    return gt.dns_response(qid, name, qtype, answers)


def case_downlink(c):
    """downlink to LIMITED sessions: garden sources forwarded, garden DNS answers snooped"""
    e = c.env
    L, L2, A = e.L, e.L2, e.A
    pol = e.pol

    def fwd(s, inner, what, extra=None):
        c.dl_forward(s, inner, what, event="garden_forward_dl", extra=extra)

    c.note("from the garden: forwarded (garden_forward_dl); rules match the source address "
           "and port")
    fwd(L, gt.ipv4_tcp(pol.portal, L.ue, 80, 41000, b"", seq=5, ack=6, flags=0x12),
        "TCP from the portal port 80")
    fwd(L, gt.ipv4_udp(pol.portal, L.ue, 3478, 41001, pattern(30, 1)), "UDP from the portal")
    fwd(L, gt.ipv4_icmp_echo(pol.portal, L.ue, 0x10, 1, pattern(56, 2), reply=True),
        "ICMP echo reply from the portal")
    fwd(L, gt.ipv4_udp(pol.portal, L.ue, 3478, 41002, pattern(300, 3), mf=True),
        "first fragment from the portal")
    fwd(L, gt.ipv4(pol.portal, L.ue, gt.IPPROTO_UDP, pattern(64, 4), frag_offset=40),
        "last fragment from the portal (no ports: the portal allows any)")
    fwd(L2, gt.ipv4_udp(pol.portal, L2.ue, 443, 41003, pattern(40, 5)),
        "UDP from the portal to the session without QFI")
    fwd(L, gt.ipv4_tcp(TLS_NET_HOST, L.ue, 443, 41004, pattern(100, 6), seq=1, ack=2),
        "TCP from %s:443" % TLS_NET_HOST)
    fwd(L, gt.ipv4_udp(SHADOW_HOST, L.ue, 5000, 41005, pattern(20, 7)),
        "UDP from %s:5000" % SHADOW_HOST)
    fwd(L, gt.ipv4_icmp_echo(ICMP_HOST, L.ue, 0x11, 1, b"", reply=True),
        "ICMP echo reply from %s" % ICMP_HOST)
    c.dl_drop(gt.ipv4_tcp(RESOLVER, L.ue, 53, 41006, b"", seq=1, ack=2, flags=0x12),
              "TCP from the resolver port 53 for no connection the device opened",
              "dns_unsolicited")
    for src, sport in ((FAR, 41006), (PUBLIC_DNS, 41015)):
        c.dl_drop(gt.ipv4_tcp(src, L.ue, 53, sport, b"", seq=1, ack=2, flags=0x12),
                  "TCP from %s port 53 (not a trusted resolver)" % src,
                  "dns_untrusted_answer")
    c.dl_drop(gt.ipv4_udp(pol.portal, L.ue, 3478, 41007, pattern(30, 8), ttl=1),
              "UDP from the portal with TTL 1 (classified, then out of TTL)", "ttl_expired",
              {"garden_forward_dl": 1})

    c.note("from elsewhere: dropped (dl_limited_filtered)")
    for inner, what in (
            (gt.ipv4_tcp(TLS_NET_HOST, L.ue, 8080, 41010, b"", flags=0x12),
             "TCP from %s:8080" % TLS_NET_HOST),
            (gt.ipv4_tcp(SHADOW_HOST, L.ue, 443, 41011, b"", flags=0x12),
             "TCP from %s:443 (its /32 allows only udp 5000)" % SHADOW_HOST),
            (gt.ipv4_tcp(FAR, L.ue, 443, 41013, pattern(50, 9), flags=0x18), "TCP from %s:443" % FAR),
            (gt.ipv4_udp(FAR, L.ue, 123, 41014, pattern(48, 10)), "UDP from %s:123" % FAR),
            (gt.ipv4_icmp_echo(FAR, L.ue, 0x12, 1, b""), "ICMP echo request from %s" % FAR),
            (gre(FAR, L.ue), "GRE from %s" % FAR),
            (gt.ipv4_udp(PUBLIC_DNS, L.ue, 53, 41016,
                         dns_answer_a(0x7001, "portal.example", [pol.portal]), mf=True),
             "DNS answer for portal.example in a first fragment"),
            (gt.ipv4(PUBLIC_DNS, L.ue, gt.IPPROTO_UDP, pattern(40, 11), frag_offset=20),
             "non-first fragment from 8.8.8.8"),
            (gt.ipv4_udp(PUBLIC_DNS, L2.ue, 5353, 53, Q(0x7002, "portal.example").wire()),
             "UDP from 8.8.8.8 port 5353 (not 53)")):
        c.dl_drop(inner, what, "dl_limited_filtered")

    c.note("DNS answers (UDP from port 53) are only taken from a trusted resolver, for a "
           "query forwarded for the session (live cases check those): from anywhere else "
           "dns_untrusted_answer, before any parsing; unasked ones dns_unsolicited")
    good = dns_answer_a(0x7030, "portal.example", [pol.portal])
    for inner, what in (
            (gt.ipv4_udp(PUBLIC_DNS, L.ue, 53, 41020,
                         dns_answer_a(0x7010, "portal.example", [pol.portal])),
             "DNS answer portal.example A from 8.8.8.8"),
            (gt.ipv4_udp("1.2.3.4", L.ue, 53, 41021,
                         dns_answer_a(0x7011, "vpn.portal.example", ["1.2.3.4"], ttl=86400)),
             "the attack: vpn.portal.example A 1.2.3.4 TTL 86400 from 1.2.3.4"),
            (gt.ipv4_udp(FAR, L2.ue, 53, 41022, dns_answer_a(0x7012, "ca.example", [FAR])),
             "ca.example A from %s to the session without QFI" % FAR),
            (gt.ipv4_udp(PUBLIC_DNS, L.ue, 53, 41030, dns_answer_a(0x7020, "example.com", [FAR])),
             "DNS answer example.com A from 8.8.8.8"),
            (gt.ipv4_udp(PUBLIC_DNS, L.ue, 53, 41040, good[:20]),
             "DNS answer cut in the question, from 8.8.8.8"),
            (gt.ipv4_udp(ICMP_HOST, L.ue, 53, 41046, b"x"),
             "one octet from %s:53 (a garden host, but not a resolver)" % ICMP_HOST)):
        c.dl_drop(inner, what, "dns_untrusted_answer")
    for inner, what in (
            (gt.ipv4_udp(RESOLVER, L.ue, 53, 41050,
                         dns_answer_a(0x7050, "portal.example", [pol.portal])),
             "DNS answer portal.example from the trusted resolver, never asked"),
            (gt.ipv4_udp(RESOLVER, L2.ue, 53, 41051,
                         dns_answer_a(0x7051, "example.com", [FAR])),
             "DNS answer example.com from the trusted resolver, never asked")):
        c.dl_drop(inner, what, "dns_unsolicited")
    for inner, what in (
            (gt.ipv4_udp(RESOLVER, L.ue, 53, 41041, good[:-2]),
             "DNS answer from the resolver cut in the A record"),
            (gt.ipv4_udp(RESOLVER, L.ue, 53, 41042, Q(0x7031, "portal.example").wire()),
             "a query (QR=0) from the resolver's port 53"),
            (gt.ipv4_udp(RESOLVER, L.ue, 53, 41043, pattern(40, 12)),
             "40 octets of noise from the resolver"),
            (gt.ipv4(RESOLVER, L.ue, gt.IPPROTO_UDP,
                     gt.udp(RESOLVER, L.ue, 53, 41044, good, length=8 + len(good) - 4)),
             "DNS answer whose UDP length is 4 short"),
            (gt.ipv4_udp(RESOLVER, L.ue, 53, 41045, dns_answer_a(
                0x7032, "ca.example", [CDN_A], cname=["ca.example"])), "CNAME loop"),
            (gt.ipv4_udp(RESOLVER, L.ue, 53, 41047, dns_answer_a(
                0x7033, "ca.example", [CDN_A], cname=["c%d.example.net" % i for i in range(9)])),
             "9 CNAMEs to follow (gg_dns.h: at most 8)")):
        c.dl_drop(inner, what, "dns_malformed")

    c.note("FULL sessions and unknown addresses are not filtered")
    c.dl_forward(A, gt.ipv4_tcp(FAR, A.ue, 443, 42000, pattern(60, 13), seq=1, ack=2),
                 "to the FULL session from %s:443" % FAR)
    c.dl_forward(A, gt.ipv4_udp(PUBLIC_DNS, A.ue, 53, 42001, dns_answer_a(0x7040, "example.com",
                                                                           [FAR])),
                 "DNS answer example.com to the FULL session")
    c.dl_drop(gt.ipv4_udp(FAR, "10.45.0.99", 443, 42002, b"x"), "to 10.45.0.99 (no session)",
              "dl_no_session")



# ---------------------------------------------------------------------------
# Live cases

MSS_TABLE = (536, 1220, 1300, 1360, 1380, 1400, 1440, 1460)   # gg_syncookie_make()
REPLY_HEAD = b"HTTP/1.1 302 Found\r\nLocation: "
REPLY_MID = b"\r\nCache-Control: no-store"
REPLY_TAIL = b"\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


def mss_index(mss):
    return max([i for i, m in enumerate(MSS_TABLE) if m <= mss] or [0])


def reply_302(location, pad):
    return REPLY_HEAD + location.encode() + REPLY_MID + b" " * pad + REPLY_TAIL


def padding_of(act):
    """Spaces after "no-store" in the 302 received (0-15 allowed)."""
    inner = act.get("_inner") or b""
    i = inner.find(REPLY_MID)
    if i < 0:
        return 0
    j = i + len(REPLY_MID)
    k = j
    while k < len(inner) and inner[k:k + 1] == b" ":
        k += 1
    return k - j


class Http:
    """One TCP connection of a LIMITED device to port 80 outside the
    garden, played step by step against gardengate's stateless server
    (gg_http.h). Each step is one add(); the SYN-ACK's cookie and the
    302's length are read from what gardengate sent."""

    def __init__(self, c, s, dst, sport, isn, dport=80, tos=0, ipkw=None):
        self.c, self.s, self.dst, self.sport, self.dport = c, s, dst, sport, dport
        self.isn = isn
        self.tos = tos
        self.ipkw = dict(ipkw or {})
        self.cookie = None
        self.req_len = 0
        self.reply_len = 0
        self.fin_in_request = False
        self.ident = 1

    def seg(self, flags, payload=b"", seq=None, ack=None, options=b"", tcp_checksum=True):
        self.ident += 1
        return gt.ipv4_tcp(self.s.ue, self.dst, self.sport, self.dport, payload,
                           seq=self.isn + 1 if seq is None else seq,
                           ack=(self.cookie + 1 if ack is None else ack) & 0xFFFFFFFF,
                           flags=flags, tcp_options=options, tcp_checksum=tcp_checksum,
                           tos=self.tos, df=True, ident=self.ident, **self.ipkw)

    def tag(self):
        return "%s:%d>%s:%d" % (self.s.ue, self.sport, self.dst, self.dport)

    def _reply(self, inner, what, event, seq, ack, flags, window=65535, mss=None, payload_fn=None,
               checks=(), tshark=None, expert_ok=()):
        c, s = self.c, self.s

        def inner_fn(act):
            payload = payload_fn(act) if payload_fn else b""
            sq = seq(act) if callable(seq) else seq
            return c.tcp_reply_inner(s, self.dst, self.dport, self.sport, sq, ack, flags,
                                     window=window, mss=mss, payload=payload, tos=self.tos)
        tsh = {"tcp.flags": [flags], "tcp.ack_raw": [ack & 0xFFFFFFFF],
               "tcp.seq_raw": (lambda v: [v["inner.tcp.seq"]]) if callable(seq) else [seq],
               "tcp.window_size_value": [window],
               "tcp.options.mss_val": [mss] if mss else [],
               "tcp.srcport": [self.dport], "tcp.dstport": [self.sport]}
        tsh.update(tshark or {})
        exp = c.tunnel_expect(s, what, inner_fn, checks, tsh, expert_ok)
        frames = c.ul_reply(s, inner, "%s %s" % (self.tag(), what.split(":")[0]), exp, event)
        return frames[0] if frames else None

    def syn(self, options=b"", expect_mss=536, what="SYN"):
        inner = self.seg(0x02, seq=self.isn, ack=0, options=options)

        def cookie_mss(act):
            ck = act.get("inner.tcp.seq")
            if ck is None:
                return None
            if (ck >> 28) & 7 != mss_index(expect_mss):
                return ("SYN cookie 0x%08x carries MSS index %d, expected %d (%d)"
                        % (ck, (ck >> 28) & 7, mss_index(expect_mss), expect_mss))
            return None
        f = self._reply(inner, "SYN-ACK to %s: cookie, MSS %d" % (what, expect_mss),
                        "http_synack", lambda act: act.get("inner.tcp.seq", 0),
                        self.isn + 1, 0x12, mss=expect_mss, checks=[cookie_mss])
        if f is not None:
            self.cookie = gt.decode_frame(f).get("inner.tcp.seq")
        if self.cookie is None:
            raise Fail("%s: no SYN-ACK, cannot go on with this connection" % self.tag())
        return f

    def ack(self, what="ACK completing the handshake", ack=None):
        inner = self.seg(0x10, seq=self.isn + 1 + self.req_len + self.fin_in_request,
                         ack=ack)
        self.c.ul_drop(self.s, inner, "%s %s: absorbed" % (self.tag(), what), "http_absorb_ack")

    def get(self, request, url, what="request", fin=False, location=None):
        """@request (bytes) answered with 302 to the portal; @url is the
        original URL the Location must carry (None: {url} empty)."""
        pol = self.c.env.pol
        inner = self.seg(0x19 if fin else 0x18, request)
        self.req_len = len(request)
        self.fin_in_request = fin
        if isinstance(url, str):
            url = url.encode("latin-1")
        loc = location if location is not None else pol.location(url or b"")
        client_next = self.isn + 1 + len(request) + (1 if fin else 0)

        def pad_ok(act):
            n = padding_of(act)
            return None if 0 <= n <= 15 else "302 padded with %d spaces (0-15 allowed)" % n
        f = self._reply(inner, "302 to %s: Location %s" % (what, loc), "http_redirect",
                        self.cookie + 1, client_next, 0x19,
                        payload_fn=lambda act: reply_302(loc, padding_of(act)), checks=[pad_ok],
                        tshark={"http.response.code": [302], "http.response.phrase": ["Found"],
                                "http.location": [loc], "http.connection": ["close"],
                                "http.content_length": [0]})
        if f is not None:
            self.reply_len = len(t_pdu(f)) - 40
        return f

    def fin(self, what="FIN after our 302", ack=None, event="http_ack"):
        seq = self.isn + 1 + self.req_len + (1 if self.fin_in_request else 0)
        good_ack = (self.cookie + 1 + self.reply_len + 1) & 0xFFFFFFFF
        inner = self.seg(0x11, seq=seq, ack=good_ack if ack is None else ack)
        if event == "http_ack":
            return self._reply(inner, "ACK of the %s" % what, "http_ack", good_ack, seq + 1, 0x10)
        return self.rst(inner, what, event, good_ack if ack is None else ack)

    def rst(self, inner, what, event, seg_ack):
        return self._reply(inner, "RST to %s" % what, event, seg_ack, 0, 0x04, window=0,
                           expert_ok=("Connection reset",), tshark={"tcp.len": [0]})


def http_probes():
    """The captive-portal probes of the main systems: (who, address, host,
    target, request, words their success page holds)."""
    return [
        ("Apple", "17.253.144.10", "captive.apple.com", "/hotspot-detect.html",
         b"GET /hotspot-detect.html HTTP/1.0\r\nHost: captive.apple.com\r\n"
         b"Connection: close\r\nUser-Agent: CaptiveNetworkSupport-407.0.1 wispr\r\n\r\n",
         b"Success"),
        ("Android", "142.250.185.99", "connectivitycheck.gstatic.com", "/generate_204",
         b"GET /generate_204 HTTP/1.1\r\nUser-Agent: Dalvik/2.1.0 (Linux; U; Android 13)\r\n"
         b"Host: connectivitycheck.gstatic.com\r\nConnection: Keep-Alive\r\n"
         b"Accept-Encoding: gzip\r\n\r\n", b"204"),
        ("Windows", "13.107.4.52", "www.msftconnecttest.com", "/connecttest.txt",
         b"GET /connecttest.txt HTTP/1.1\r\nConnection: Close\r\nUser-Agent: Microsoft NCSI\r\n"
         b"Host: www.msftconnecttest.com\r\n\r\n", b"Microsoft Connect Test"),
        ("Firefox", "34.107.221.82", "detectportal.firefox.com", "/success.txt?ipv4",
         b"GET /success.txt?ipv4 HTTP/1.1\r\nHost: detectportal.firefox.com\r\n"
         b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0\r\n"
         b"Accept: */*\r\nCache-Control: no-cache\r\nPragma: no-cache\r\n"
         b"Connection: keep-alive\r\n\r\n", b"success"),
    ]


def case_http(c):
    """stateless HTTP redirect (SYN cookie, 302, FIN tag, RSTs) and OS captive-portal probes (live)"""
    e = c.env
    L, L2 = e.L, e.L2
    pol = e.pol
    mss = pol.tcp_mss
    linux = gt.tcp_opts_linux_syn(1460)

    c.note("a whole exchange: SYN, ACK, GET, retransmitted GET, ACK, FIN, RST")
    h = Http(c, L, WEB, 50000, 0x1000fff0)
    h.syn(linux, min(1460, mss), "SYN with Linux's options (MSS 1460)")
    h.ack()
    get = (b"GET /some%20path/x?a=1&b=\xc3\xa9~ HTTP/1.1\r\nHost: www.example.com\r\n"
           b"User-Agent: test\r\nAccept: */*\r\n\r\n")
    url = b"http://www.example.com/some%20path/x?a=1&b=\xc3\xa9~"
    first = h.get(get, url, "GET with Host, a %-escape and raw UTF-8 in the target")
    again = h.get(get, url, "retransmitted GET")
    if first is not None and again is not None and t_pdu(first) != t_pdu(again):
        c.problems.append("the 302 to the retransmitted GET differs from the first:\n  %s\n  %s"
                          % (t_pdu(first).hex(), t_pdu(again).hex()))
    h.ack("ACK of the 302 and its FIN", ack=h.cookie + 1 + h.reply_len + 1)
    h.fin()
    inner = h.seg(0x04, seq=h.isn + 1 + h.req_len + 1, ack=0)
    c.ul_drop(L, inner, "%s RST: absorbed" % h.tag(), "http_absorb_rst")

    c.note("refusals")
    h2 = Http(c, L, WEB, 50001, 0x22222222)
    inner = h2.seg(0x18, b"GET / HTTP/1.1\r\nHost: a.example\r\n\r\n", ack=0x12345678)
    h2.rst(inner, "data whose ACK is no cookie", "http_rst_cookie", 0x12345678)
    h3 = Http(c, L, WEB, 50002, 0x33333333)
    h3.syn(gt.tcp_opt_mss(1300), 1300, "SYN with MSS 1300")
    h3.ack()
    hello = bytes.fromhex("16030100c4010000c00303") + bytes(32) + b"\x00\x00\x02\x13\x01\x01\x00"
    inner = h3.seg(0x18, hello)
    h3.rst(inner, "a TLS ClientHello on port 80", "http_rst_not_http", h3.cookie + 1)
    h4 = Http(c, L, WEB, 50003, 0x44444444)
    h4.syn(b"", 536, "SYN without options")
    inner = h4.seg(0x11)
    h4.rst(inner, "FIN right after the handshake", "http_rst_unexpected", h4.cookie + 1)
    h5 = Http(c, L, WEB, 50004, 0x55555555)
    inner = h5.seg(0x12, seq=h5.isn, ack=0x99999999)
    h5.rst(inner, "SYN+ACK from the device", "http_rst_unexpected", 0x99999999)
    c.ul_drop(L, h5.seg(0x03, seq=h5.isn, ack=0), "%s SYN+FIN" % h5.tag(), "http_malformed")
    c.ul_drop(L, h5.seg(0x02, seq=h5.isn, ack=0, tcp_checksum=0xbeef),
              "%s SYN with a wrong TCP checksum" % h5.tag(), "http_bad_checksum")
    h6 = Http(c, L, WEB, 50005, 0x66666666)
    h6.syn(linux, min(1460, mss))
    h6.get(b"GET /a HTTP/1.1\r\nHost: example.org\r\n\r\n", "http://example.org/a")
    h6.fin("FIN whose ACK does not carry the close tag", ack=(h6.cookie + 1 + h6.reply_len + 1) ^ 1,
           event="http_rst_unexpected")

    c.note("what the Location carries")
    cases = [
        (b"GET http://Example.COM/p?q HTTP/1.1\r\nHost: example.com\r\n\r\n",
         "http://Example.COM/p?q", "absolute-form target"),
        (b"GET /index.html HTTP/1.0\r\n\r\n", "http://%s/index.html" % WEB,
         "HTTP/1.0 without Host: the address"),
        (b"OPTIONS * HTTP/1.1\r\nHost: example.net:8080\r\n\r\n", "http://example.net:8080/",
         "OPTIONS * with a port in Host"),
        (b"HEAD /h HTTP/1.1\r\nhost:   example.com  \r\n\r\n", "http://example.com/h",
         "HEAD, lower-case host with spaces"),
        (b"POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\nabc",
         "http://example.com/form", "POST with a body"),
        (b"GET /abc", None, "request line cut by the segment: {url} empty"),
    ]
    for i, (req, url, what) in enumerate(cases):
        hc = Http(c, L, WEB, 50100 + i, 0x01000000 * (i + 1) + 7)
        hc.syn(linux, min(1460, mss))
        hc.ack()
        hc.get(req, url, what)
    hl = Http(c, L, WEB, 50120, 0x7777)
    hl.syn(b"", 536, "SYN without MSS option (536)")
    long_target = "/" + "x" * 460
    hl.get(("GET %s HTTP/1.1\r\nHost: example.com\r\n\r\n" % long_target).encode(), None,
           "GET whose Location would exceed MSS 536: {url} empty")
    hf = Http(c, L, WEB, 50121, 0x8888, tos=0xb9)
    hf.syn(gt.tcp_opt_mss(9000), mss, "SYN with MSS 9000 and DSCP EF + ECT(1)")
    hf.get(b"GET /f HTTP/1.1\r\nHost: example.com\r\n\r\n", "http://example.com/f",
           "GET carrying FIN", fin=True)
    hf.fin()
    h2s = Http(c, L, WEB, 50122, 0x9999)
    h2s.syn(linux, min(1460, mss))
    h2s.ack()
    h2s.get(b"GET /two HTTP/1.1\r\nHo", "http://%s/two" % WEB,
            "first half of a request (Host cut: the address)")
    inner = h2s.seg(0x18, b"st: example.com\r\n\r\n", seq=h2s.isn + 1 + h2s.req_len)
    h2s.rst(inner, "the request's second segment", "http_rst_cookie", h2s.cookie + 1)
    ho = Http(c, L, WEB, 50124, 0xfffffff0, ipkw={"options": b"\x94\x04\x00\x00"})
    ho.syn(linux, min(1460, mss), "SYN in a packet with IPv4 options, ISN about to wrap")
    ho.ack()
    ho.get(b"GET /opt HTTP/1.1\r\nHost: example.com\r\n\r\n", "http://example.com/opt",
           "GET in a packet with IPv4 options (reply without)")
    ho.fin()
    hq = Http(c, L2, WEB, 50123, 0xabcd)
    hq.syn(linux, min(1460, mss), "SYN from the session without QFI")
    hq.get(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", "http://example.com/")
    hq.fin()

    c.note("port 80 in the garden is not redirected")
    inner, _ = c.tcp_inner(L, pol.portal, 50200, 80, options=linux)
    c.ul_forward(L, inner, "TCP SYN to the portal port 80", event="garden_forward_ul")

    c.note("captive-portal probes: each gets the 302, never its success page")
    for i, (who, addr, host, target, req, success) in enumerate(http_probes()):
        hp = Http(c, L, addr, 51000 + i, 0x0A000000 + i * 0x1111)
        hp.syn(linux, min(1460, mss), "%s probe SYN" % who)
        hp.ack()
        f = hp.get(req, "http://%s%s" % (host, target), "%s probe %s%s" % (who, host, target))
        payload = (t_pdu(f) or b"")[40:] if f is not None else b""
        head, _, body = payload.partition(b"\r\n\r\n")
        if f is not None and (not head.startswith(b"HTTP/1.1 302 Found\r\n") or body
                              or success in body):
            c.problems.append("%s probe: answer is not a bodiless 302: %r" % (who, payload[:80]))
        hp.fin()


def syn_refused(c, s, dst, sport, what):
    c.tcp_refused(s, what, dst, 443, sport=sport)


def syn_forwarded(c, s, dst, sport, what, event="garden_forward_ul"):
    inner, _ = c.tcp_inner(s, dst, sport, 443)
    c.ul_forward(s, inner, what, event=event)


def snooped_answer(c, s, asked, qid, name, addrs, learned, what, cname=None, extra=(), ttl=300,
                   port=40053):
    """The device of @s asks @asked for @name (forwarded to the trusted
    resolver), then the resolver's answer comes back: learned, and
    released with the source the device asked."""
    q = Q(qid, name)
    c.ul_garden_query(s, q, asked, port, "%s to %s" % (name, asked))
    msg = dns_answer_a(qid, name, addrs, ttl=ttl, cname=cname, extra=extra)
    inner = gt.ipv4_udp(RESOLVER, s.ue, 53, port, msg)
    seen = gt.ipv4_udp(asked, s.ue, 53, port, msg)
    return c.add("n6", c.dn_frame(inner), "downlink " + what,
                 out=[("n3", c.encap_expect(s, seen, "snooped " + what))],
                 count={"dns_snooped": 1, "garden_learned": learned, "dl_encap": 1,
                        "dl_encap_bytes": len(inner)})


def case_learn(c):
    """addresses learned from snooped DNS answers: refused before, reachable after, per session (live)"""
    e = c.env
    L, L2 = e.L, e.L2
    c.note("before any answer: refused both ways")
    syn_refused(c, L, CDN_A, 52000, "TCP SYN to %s:443 before the answer" % CDN_A)
    c.dl_drop(gt.ipv4_tcp(CDN_A, L.ue, 443, 52000, b"", flags=0x12), "from %s:443" % CDN_A,
              "dl_limited_filtered")
    c.note("the answer (sent after the previous step settled) is released on N3 only once "
           "the control lcore learned its addresses; the next uplink is sent after it came out")
    snooped_answer(c, L, PUBLIC_DNS, 0x8001, "ca.example", [CDN_A, CDN_B], 2,
                   "DNS answer ca.example CNAME cdn.other.net A %s, %s (+ an A of another name)"
                   % (CDN_A, CDN_B), cname=["cdn.other.net"],
                   extra=[gt.dns_rr(gt.dns_name("evil.example"), A_, 300,
                                    gt.ip_bytes(NOT_LEARNED))])
    syn_forwarded(c, L, CDN_A, 52001, "TCP SYN to %s:443 after the answer" % CDN_A)
    c.ul_forward(L, gt.ipv4_udp(L.ue, CDN_B, 52002, 4433, pattern(100, 1)),
                 "UDP to %s:4433 (a learned address admits every protocol)" % CDN_B,
                 event="garden_forward_ul")
    c.ul_forward(L, gt.ipv4_icmp_echo(L.ue, CDN_A, 0x42, 1, pattern(56, 2)),
                 "ICMP echo to %s" % CDN_A, event="garden_forward_ul")
    c.dl_forward(L, gt.ipv4_tcp(CDN_A, L.ue, 443, 52001, b"", seq=9, ack=10, flags=0x12),
                 "from %s:443" % CDN_A, event="garden_forward_dl")
    c.dl_forward(L, gt.ipv4_udp(CDN_B, L.ue, 4433, 52002, pattern(200, 3)),
                 "from %s:4433" % CDN_B, event="garden_forward_dl")
    syn_refused(c, L, NOT_LEARNED, 52003, "TCP SYN to %s:443 (an A record of another name in "
                "the answer: not learned)" % NOT_LEARNED)
    c.note("scope session: the other LIMITED session did not learn them")
    syn_refused(c, L2, CDN_A, 52004, "TCP SYN to %s:443 from the other LIMITED session" % CDN_A)
    c.dl_drop(gt.ipv4_tcp(CDN_A, L2.ue, 443, 52004, b"", flags=0x12),
              "from %s:443 to the other LIMITED session" % CDN_A, "dl_limited_filtered")
    c.note("an answer outside the garden teaches nothing")
    c.dl_drop(gt.ipv4_udp(PUBLIC_DNS, L.ue, 53, 40054,
                          dns_answer_a(0x8002, "example.com", ["198.19.0.77"])),
              "DNS answer example.com A 198.19.0.77 from 8.8.8.8", "dns_untrusted_answer")
    syn_refused(c, L, "198.19.0.77", 52005, "TCP SYN to 198.19.0.77:443 after that answer")
    c.note("TTL 0 in an answer: kept for garden.learn.min_ttl")
    snooped_answer(c, L2, FAR, 0x8003, "sub.portal.example", ["198.19.0.20"], 1,
                   "DNS answer sub.portal.example A 198.19.0.20 TTL 0 from %s to the other "
                   "session" % FAR, ttl=0)
    syn_forwarded(c, L2, "198.19.0.20", 52006, "TCP SYN to 198.19.0.20:443 from that session")
    syn_refused(c, L, "198.19.0.20", 52007, "TCP SYN to 198.19.0.20:443 from the first session")


def case_snoop_resolver(c):
    """a garden name's answer from the garden resolver itself is snooped and learned (live)"""
    e = c.env
    L = e.L
    c.note("the resolver 203.0.113.53 is in the garden (udp 53 rule), and answers the device's "
           "garden queries: its answers must be learned like any other")
    syn_refused(c, L, CDN_A, 53000, "TCP SYN to %s:443 before the answer" % CDN_A)
    snooped_answer(c, L, RESOLVER, 0x9001, "ca.example", [CDN_A], 1,
                   "DNS answer ca.example A %s from the garden resolver" % CDN_A)
    syn_forwarded(c, L, CDN_A, 53001, "TCP SYN to %s:443 after the answer" % CDN_A)


def case_attack(c):
    """issue 11: a LIMITED device's own server cannot open the garden (live)"""
    e = c.env
    L = e.L
    EVIL, OTHER, CDN = "1.2.3.4", "5.6.7.8", "198.19.0.30"
    c.note("1. the query for a garden name sent to the device's own server goes to the "
           "trusted resolver instead")
    c.ul_garden_query(L, Q(0xb001, "vpn.portal.example"), EVIL, 47000,
                      "vpn.portal.example to %s:53" % EVIL)
    c.note("2. answers from that server, or unasked, are not learned")
    c.dl_drop(gt.ipv4_udp(EVIL, L.ue, 53, 47000, dns_answer_a(
        0xb001, "vpn.portal.example", [EVIL], ttl=86400)),
        "%s answers A %s TTL 86400" % (EVIL, EVIL), "dns_untrusted_answer")
    c.dl_drop(gt.ipv4_udp(OTHER, L.ue, 53, 47001, dns_answer_a(
        0xb002, "vpn.portal.example", [EVIL], ttl=86400)),
        "unsolicited answer from %s" % OTHER, "dns_untrusted_answer")
    c.dl_drop(gt.ipv4_udp(RESOLVER, L.ue, 53, 47000, dns_answer_a(
        0xb0ff, "vpn.portal.example", [EVIL])),
        "the resolver, another ID", "dns_unsolicited")
    c.dl_drop(gt.ipv4_udp(RESOLVER, L.ue, 53, 47999, dns_answer_a(
        0xb001, "vpn.portal.example", [EVIL])),
        "the resolver, another port", "dns_unsolicited")
    c.dl_drop(gt.ipv4_udp(RESOLVER, L.ue, 53, 47000, dns_answer_a(
        0xb001, "ca.example", [EVIL])),
        "the resolver, the right port and ID, another question", "dns_mismatch")
    c.note("3. nothing to that server is opened: TCP 443, WireGuard, SSH")
    syn_refused(c, L, EVIL, 47010, "TCP SYN to %s:443" % EVIL)
    c.tcp_refused(L, "TCP SYN to %s:22 (SSH)" % EVIL, EVIL, 22, sport=47011)
    wg = gt.ipv4_udp(L.ue, EVIL, 47012, 51820, pattern(148, 5))
    c.udp_refused(L, wg, "UDP to %s:51820 (WireGuard)" % EVIL)
    c.note("the trusted resolver's own answer is learned, with the name rule's scope only "
           "(portal.example: tcp 80,443), and reaches the device from the address it asked")
    msg = dns_answer_a(0xb001, "vpn.portal.example", [CDN], ttl=86400)
    inner = gt.ipv4_udp(RESOLVER, L.ue, 53, 47000, msg)
    c.add("n6", c.dn_frame(inner), "downlink the resolver's answer A %s" % CDN,
          out=[("n3", c.encap_expect(L, gt.ipv4_udp(EVIL, L.ue, 53, 47000, msg),
                                     "answer from %s" % EVIL))],
          count={"dns_snooped": 1, "garden_learned": 1, "dl_encap": 1,
                 "dl_encap_bytes": len(inner)})
    c.dl_drop(inner, "the same answer again (the query was answered)", "dns_unsolicited")
    syn_forwarded(c, L, CDN, 47020, "TCP SYN to %s:443" % CDN)
    c.tcp_refused(L, "TCP SYN to %s:22 (outside the name's scope)" % CDN, CDN, 22, sport=47021)
    c.udp_refused(L, gt.ipv4_udp(L.ue, CDN, 47022, 51820, pattern(148, 6)),
                  "UDP to %s:51820 (outside the name's scope)" % CDN)
    c.note("martians from a LIMITED session")
    inner, _ = c.tcp_inner(L, "127.0.0.1", 47030, 443)
    c.ul_drop(L, inner, "TCP SYN to 127.0.0.1:443", "ul_martian")


def case_dns_tcp(c):
    """DNS over TCP: garden queries to the trusted resolver both ways, the rest RST, whole answers learned (live)"""
    e = c.env
    L = e.L
    EVIL = "1.2.3.4"
    P = 48000
    c.note("a connection to any address's port 53 goes to the trusted resolver, and its "
           "segments come back from the address the device asked")
    c.ul_tcp_dns(L, PUBLIC_DNS, P, "SYN to 8.8.8.8:53", options=gt.tcp_opts_linux_syn())
    c.dl_tcp_dns(L, PUBLIC_DNS, P, "SYN-ACK", seq=5000, ack=1001, flags=0x12)
    c.ul_tcp_dns(L, PUBLIC_DNS, P, "ACK", seq=1001, ack=5001, flags=0x10)
    q1 = tcp_dns(Q(0xc001, "ca.example"))
    c.ul_tcp_dns(L, PUBLIC_DNS, P, "query ca.example A", seq=1001, ack=5001, flags=0x18,
                 payload=q1, queries=1)
    c.ul_tcp_dns(L, PUBLIC_DNS, P, "the same segment again (a retransmission)", seq=1001,
                 ack=5001, flags=0x18, payload=q1, queries=1,
                 expert_ok=("DNS query retransmission",))
    nxt = 1001 + len(q1)

    c.note("the stream the resolver gets is whole garden queries and nothing else: "
           "everything else is refused with a RST")
    c.tcp_refused(L, "DNS/TCP query 10 octets past the next sequence number", PUBLIC_DNS, 53,
                  sport=P, seq=nxt + 10, ack=5001, flags=0x18,
                  payload=tcp_dns(Q(0xc003, "ca.example")), extra={"dns_tcp_out_of_order": 1})
    c.tcp_refused(L, "DNS/TCP segment overlapping the last query (seq + 2)", PUBLIC_DNS, 53,
                  sport=P, seq=1003, ack=5001, flags=0x18,
                  payload=tcp_dns(Q(0xc004, "x.portal.example")),
                  extra={"dns_tcp_out_of_order": 1})
    whole = tcp_dns(Q(0xc005, "ca.example"))
    c.tcp_refused(L, "the first half of a query (split across segments)", PUBLIC_DNS, 53,
                  sport=P, seq=nxt, ack=5001, flags=0x18, payload=whole[:15],
                  extra={"dns_tcp_unframed": 1})
    c.tcp_refused(L, "a garden query followed by 3 stray octets", PUBLIC_DNS, 53, sport=P,
                  seq=nxt, ack=5001, flags=0x18, payload=whole + b"\x00\x05\x00",
                  extra={"dns_tcp_unframed": 1})
    c.tcp_refused(L, "five garden queries in one segment (at most 4)", PUBLIC_DNS, 53, sport=P,
                  seq=nxt, ack=5001, flags=0x18,
                  payload=tcp_dns(*[Q(0xc010 + i, "ca.example") for i in range(5)]),
                  extra={"dns_tcp_unframed": 1})
    c.tcp_refused(L, "a query for example.com (any other name: refused, not forwarded)",
                  PUBLIC_DNS, 53, sport=P, seq=nxt, ack=5001, flags=0x18,
                  payload=tcp_dns(Q(0xc006, "example.com")), extra={"dns_refused": 1})
    c.tcp_refused(L, "a garden query then a tunnel query in the same segment", PUBLIC_DNS, 53,
                  sport=P, seq=nxt, ack=5001, flags=0x18,
                  payload=tcp_dns(Q(0xc007, "ca.example"), Q(0xc008, "data.tunnel.example.net",
                                                            TXT_)),
                  extra={"dns_refused": 1})
    c.tcp_refused(L, "the connection's port to another address (9.9.9.9)", "9.9.9.9", 53,
                  sport=P, seq=nxt, ack=5001, flags=0x18, payload=whole,
                  extra={"dns_tcp_no_flow": 1})
    c.tcp_refused(L, "an ACK of a connection never opened", RESOLVER, 53, sport=P + 1,
                  seq=77, ack=88, flags=0x10, extra={"dns_tcp_no_flow": 1})
    c.tcp_refused(L, "a SYN carrying a query (TCP Fast Open)", RESOLVER, 53, sport=P + 2,
                  payload=whole, extra={"dns_tcp_unframed": 1})
    pair = tcp_dns(Q(0xc020, "cdn.ca.example"), Q(0xc021, "cdn.ca.example", AAAA_))
    c.ul_tcp_dns(L, PUBLIC_DNS, P, "A and AAAA queries in one segment (glibc)", seq=nxt,
                 ack=5001, flags=0x18, payload=pair, queries=2)
    nxt += len(pair)

    c.note("answers: learned from when one segment holds one whole answer to a query sent "
           "in this connection; forwarded (not learned) otherwise")
    syn_refused(c, L, CDN_A, 48100, "TCP SYN to %s:443 before the answer" % CDN_A)
    a1 = tcp_dns(dns_answer_a(0xc001, "ca.example", [CDN_A]))
    c.dl_tcp_dns(L, PUBLIC_DNS, P, "answer ca.example A %s in one segment" % CDN_A,
                 seq=5001, ack=nxt, payload=a1, learned=1)
    syn_forwarded(c, L, CDN_A, 48101, "TCP SYN to %s:443 after it" % CDN_A)
    a2 = tcp_dns(dns_answer_a(0xc020, "cdn.ca.example", [CDN_B]))
    c.dl_tcp_dns(L, PUBLIC_DNS, P, "answer cdn.ca.example A %s, first part" % CDN_B,
                 seq=5001 + len(a1), ack=nxt, payload=a2[:20])
    c.dl_tcp_dns(L, PUBLIC_DNS, P, "the rest of it", seq=5001 + len(a1) + 20, ack=nxt,
                 payload=a2[20:])
    syn_refused(c, L, CDN_B, 48102, "TCP SYN to %s:443 (its answer was in two segments)" % CDN_B)
    a3 = tcp_dns(dns_answer_a(0xc0ff, "ca.example", [NOT_LEARNED]))
    c.dl_tcp_dns(L, PUBLIC_DNS, P, "an answer with an ID nobody asked",
                 seq=5001 + len(a1) + len(a2), ack=nxt, payload=a3)
    syn_refused(c, L, NOT_LEARNED, 48103, "TCP SYN to %s:443 after it" % NOT_LEARNED)
    evil = tcp_dns(dns_answer_a(0xc021, "cdn.ca.example", [EVIL], ttl=86400))
    c.dl_drop(gt.ipv4_tcp(EVIL, L.ue, 53, P, evil, seq=5001, ack=nxt, flags=0x18),
              "DNS/TCP answer A %s from %s:53 (not a trusted resolver)" % (EVIL, EVIL),
              "dns_untrusted_answer")
    c.dl_drop(gt.ipv4_tcp(RESOLVER, L.ue, 53, P + 5, a1, seq=5001, ack=nxt, flags=0x18),
              "DNS/TCP answer from the resolver to a port with no connection",
              "dns_unsolicited")
    syn_refused(c, L, EVIL, 48104, "TCP SYN to %s:443" % EVIL)
    c.ul_tcp_dns(L, PUBLIC_DNS, P, "FIN", seq=nxt, ack=5001, flags=0x11)
    c.dl_tcp_dns(L, PUBLIC_DNS, P, "FIN-ACK", seq=5001 + len(a1) + len(a2) + len(a3),
                 ack=nxt + 1, flags=0x11)

    c.note("DNS over TLS and DoH: refused like any other TCP")
    c.tcp_refused(L, "TCP SYN to %s:853 (DNS over TLS)" % PUBLIC_DNS, PUBLIC_DNS, 853, sport=48200)
    c.tcp_refused(L, "TCP SYN to %s:443 (DoH)" % PUBLIC_DNS, PUBLIC_DNS, 443, sport=48201)


def case_learn_global(c):
    """learn scope global; learned addresses expire (min_ttl = max_ttl = 2 s) (live)"""
    e = c.env
    L, L2 = e.L, e.L2
    pol = e.pol
    syn_refused(c, L2, CDN_A, 54000, "TCP SYN to %s:443 from the second session, before" % CDN_A)
    snooped_answer(c, L, PUBLIC_DNS, 0xa001, "ca.example", [CDN_A], 1,
                   "DNS answer ca.example A %s TTL 300 (learned for %d s) to the first session"
                   % (CDN_A, pol.max_ttl))
    t0 = time.monotonic()
    c.note("scope global: every LIMITED session may use what one learned")
    syn_forwarded(c, L2, CDN_A, 54001, "TCP SYN to %s:443 from the second session" % CDN_A)
    c.dl_forward(L2, gt.ipv4_tcp(CDN_A, L2.ue, 443, 54001, b"", flags=0x12),
                 "from %s:443 to the second session" % CDN_A, event="garden_forward_dl")
    c.note("expiry: valid while now < learn second + TTL (TSC seconds), so it goes between "
           "1 and 2 s after it was learned; probed every 0.2 s, at most 25 times")
    refused_at = None
    inner, seg = c.tcp_inner(L, CDN_A, 54002, 443)
    for i in range(25):
        label, _ = c.add_either(
            "n3", c.up_frame(L, inner), "uplink TCP SYN to %s:443, probe %d" % (CDN_A, i + 1), [
                ("forwarded", [("n6", c.decap_expect(inner, "decapsulated probe"))],
                 {"garden_forward_ul": 1, "ul_decap": 1, "ul_decap_bytes": len(inner)}),
                ("refused", [("n3", c.rst_expect(L, seg, "RST to probe"))],
                 {"tcp_rst_refused": 1})])
        if label == "refused":
            refused_at = time.monotonic() - t0
            break
        time.sleep(0.2)
    if refused_at is None:
        c.problems.append("learned address still reachable %.1f s after it was learned "
                          "(TTL %d s)" % (time.monotonic() - t0, pol.max_ttl))
        return
    c.note("refused %.2f s after the answer came out" % refused_at)
    if not (pol.max_ttl - 1 - 0.1 <= refused_at <= pol.max_ttl + 1.0):
        c.problems.append("learned address (TTL %d s) refused %.2f s after it was learned; "
                          "expected within %d..%d s" % (pol.max_ttl, refused_at, pol.max_ttl - 1,
                                                        pol.max_ttl + 1))
    syn_refused(c, L, CDN_A, 54003, "TCP SYN to %s:443 after expiry" % CDN_A)
    syn_refused(c, L2, CDN_A, 54004, "TCP SYN to %s:443 from the second session after expiry"
                % CDN_A)
    c.dl_drop(gt.ipv4_tcp(CDN_A, L.ue, 443, 54003, b"", flags=0x12),
              "from %s:443 after expiry" % CDN_A, "dl_limited_filtered")


def admin_ok(c, replies, what):
    for r in replies:
        if not isinstance(r, dict) or r.get("result") != "ok":
            c.problems.append("%s: telemetry answered %r" % (what, r))


def garden_list(c):
    r = c.rig.admin("/gardengate/garden")[0]
    if not isinstance(r, dict):
        c.problems.append("/gardengate/garden answered %r" % r)
        return [], []
    return r.get("prefixes", []), r.get("names", [])


def flip_under_load(c, s, dst, sport, max_packets=2000, max_seconds=6.0, after=50):
    """Send SYNs (seq 1000 + i) from @s to @dst:443 while switching @s to
    full through telemetry: every one must come back as a RST (LIMITED)
    or leave on N6 (FULL), once each, and no RST may follow a forwarded
    one. Bounded by @max_packets and @max_seconds."""
    rig = c.rig
    sent = []
    stop = threading.Event()

    def frame_for(i):
        inner, seg = c.tcp_inner(s, dst, sport, 443, seq=1000 + i, ident=i & 0xFFFF)
        return inner, seg, c.up_frame(s, inner)

    def sender():
        start = time.monotonic()
        stop_at = None
        for i in range(max_packets):
            if time.monotonic() - start > max_seconds:
                break
            if stop.is_set() and stop_at is None:
                stop_at = i + after
            if stop_at is not None and i >= stop_at:
                break
            inner, seg, f = frame_for(i)
            rig.send("n3", f)
            sent.append((inner, seg, f))
            time.sleep(0.002)

    base = rig.stats()
    t = threading.Thread(target=sender)
    t.start()
    try:
        time.sleep(0.2)
        replies = rig.admin("/gardengate/session_state,0x%x,full" % s.ul_teid)
    finally:
        stop.set()
        t.join()
    admin_ok(c, replies, "session_state full under load")
    n = len(sent)
    c.note("flip to full under load: %d SYNs sent" % n)
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while True:
        st = rig.stats()
        done = (st["tcp_rst_refused"] - base["tcp_rst_refused"]) + (st["ul_decap"] - base["ul_decap"])
        if st["rx_n3"] - base["rx_n3"] == n and done == n:
            break
        if time.monotonic() > deadline:
            c.problems.append("flip under load: %d sent, %d received, %d answered or forwarded"
                              % (n, st["rx_n3"] - base["rx_n3"], done))
            break
        time.sleep(0.005)
    rsts = rig.collect("n3", st["tcp_rst_refused"] - base["tcp_rst_refused"], 2.0)
    fwds = rig.collect("n6", st["ul_decap"] - base["ul_decap"], 2.0)
    outcome = {}
    for f in rsts:
        # A RST to a SYN acknowledges SYN.SEQ + 1 (TCP ack field: T-PDU octets 28-31).
        inner = t_pdu(f) or b""
        i = struct.unpack("!I", inner[28:32])[0] - 1 - 1000 if len(inner) >= 40 else -1
        if not 0 <= i < n or i in outcome:
            c.problems.append("flip under load: unexpected N3 frame %s" % gt.summary(f))
            continue
        outcome[i] = ("rst", f)
    for f in fwds:
        v = gt.decode_frame(f)
        i = v.get("ip.tcp.seq", -1) - 1000
        if not 0 <= i < n or i in outcome:
            c.problems.append("flip under load: unexpected N6 frame %s" % gt.summary(f))
            continue
        outcome[i] = ("fwd", f)
    lost = [i for i in range(n) if i not in outcome]
    if lost:
        c.problems.append("flip under load: %d of %d SYNs neither refused nor forwarded "
                          "(first: #%d)" % (len(lost), n, lost[0]))
    kinds = [outcome[i][0] for i in sorted(outcome)]
    if "fwd" in kinds and "rst" in kinds[kinds.index("fwd"):]:
        c.problems.append("flip under load: a SYN was refused after an earlier one was forwarded")
    if "fwd" not in kinds or "rst" not in kinds:
        c.problems.append("flip under load: the switch did not happen during the stream "
                          "(%d refused, %d forwarded)" % (kinds.count("rst"), kinds.count("fwd")))
    # Book every packet with its outcome, and check each frame.
    for i, (inner, seg, f) in enumerate(sent):
        kind = outcome.get(i, (None, None))[0]
        what = "TCP SYN #%d to %s:443 during the flip" % (i + 1, dst)
        if kind == "rst":
            exp = c.rst_expect(s, seg, "RST to " + what)
            c._record("n3", f, "uplink " + what + " [refused]", [("n3", exp)],
                      {"tcp_rst_refused": 1})
        elif kind == "fwd":
            exp = c.decap_expect(inner, "decapsulated " + what)
            c._record("n3", f, "uplink " + what + " [forwarded]", [("n6", exp)],
                      {"ul_decap": 1, "ul_decap_bytes": len(inner)})
        else:
            c._record("n3", f, "uplink " + what + " [lost]", [], {})
            continue
        frame = outcome[i][1]
        port = "n3" if kind == "rst" else "n6"
        d = compare_frame(exp, frame)
        if d:
            c.problems.append("flip under load, %s: %s" % (what, "; ".join(d)))
        c.received[port].append(frame)
        c.matched[port].append((frame, exp))
    c.note("flip to full under load: %d refused as LIMITED, then %d forwarded as FULL"
           % (kinds.count("rst"), kinds.count("fwd")))
    c.sync("after the flip under load")
    return kinds.count("rst"), kinds.count("fwd")


def case_runtime(c):
    """run-time administration through telemetry: garden add/del/list, session state flips (live)"""
    e = c.env
    L, L2 = e.L, e.L2
    pol = e.pol
    rig = c.rig
    prefixes, names = garden_list(c)
    want_prefixes = sorted(pol.prefixes + ["%s/32" % pol.portal])
    # Names are listed with what they open, as garden.names writes them.
    if sorted(prefixes) != want_prefixes or sorted(names) != sorted(pol.name_rules):
        c.problems.append("/gardengate/garden lists %s and %s, expected %s and %s"
                          % (prefixes, names, want_prefixes, sorted(pol.name_rules)))

    c.note("before: 198.18.5.0/24 tcp 8443 and newsite.example are not in the garden")
    c.tcp_refused(L, "TCP SYN to 198.18.5.9:8443 before garden_add", "198.18.5.9", 8443,
                  sport=55000)
    c.dns_forged(L, Q(0xb001, "www.newsite.example"), "A www.newsite.example before garden_add")
    c.dl_drop(gt.ipv4_tcp("198.18.5.9", L.ue, 8443, 55000, b"", flags=0x12),
              "from 198.18.5.9:8443 before garden_add", "dl_limited_filtered")
    admin_ok(c, rig.admin("/gardengate/garden_add,198.18.5.0/24 tcp 8443",
                          "/gardengate/garden_add,NewSite.Example"), "garden_add")
    dup = rig.admin("/gardengate/garden_add,198.18.5.0/24 tcp 8443")[0]
    if not isinstance(dup, dict) or dup.get("result") == "ok":
        c.problems.append("adding an existing rule again: telemetry answered %r" % dup)
    prefixes, names = garden_list(c)
    if "198.18.5.0/24 tcp 8443" not in prefixes or "newsite.example tcp 80,443" not in names:
        c.problems.append("after garden_add, /gardengate/garden lists %s and %s" % (prefixes, names))
    c.note("after garden_add")
    inner, _ = c.tcp_inner(L, "198.18.5.9", 55001, 8443)
    c.ul_forward(L, inner, "TCP SYN to 198.18.5.9:8443 after garden_add", event="garden_forward_ul")
    c.ul_forward(L, c.dns_inner(L, Q(0xb002, "www.newsite.example"), RESOLVER, 55002,
                                ident=0xb002),
                 "DNS query www.newsite.example after garden_add", event="dns_garden_forward")
    c.dl_forward(L, gt.ipv4_tcp("198.18.5.9", L.ue, 8443, 55001, b"", flags=0x12),
                 "from 198.18.5.9:8443 after garden_add", event="garden_forward_dl")
    admin_ok(c, rig.admin("/gardengate/garden_del,198.18.5.0/24 tcp 8443",
                          "/gardengate/garden_del,NEWSITE.example."), "garden_del (other case, trailing dot)")
    gone = rig.admin("/gardengate/garden_del,newsite.example")[0]
    if not isinstance(gone, dict) or gone.get("result") == "ok":
        c.problems.append("deleting a name twice: telemetry answered %r" % gone)
    prefixes, names = garden_list(c)
    if "198.18.5.0/24 tcp 8443" in prefixes or any(n.startswith("newsite.") for n in names):
        c.problems.append("after garden_del, /gardengate/garden lists %s and %s" % (prefixes, names))
    c.note("after garden_del")
    c.tcp_refused(L, "TCP SYN to 198.18.5.9:8443 after garden_del", "198.18.5.9", 8443,
                  sport=55003)
    c.dns_forged(L, Q(0xb003, "www.newsite.example"), "A www.newsite.example after garden_del")

    c.note("session 0x%x: limited -> full while it sends" % L.ul_teid)
    flip_under_load(c, L, FAR, 55100)
    st = rig.tel.cmd("/gardengate/session,0x%x" % L.ul_teid)
    if not isinstance(st, dict) or st.get("state") != "full":
        c.problems.append("after the flip, /gardengate/session says %r" % st)
    inner, _ = c.tcp_inner(L, FAR, 55101, 443)
    c.ul_forward(L, inner, "TCP SYN to %s:443 as a FULL session" % FAR)
    c.ul_forward(L, c.dns_inner(L, Q(0xb004, "example.com"), PUBLIC_DNS, 55102, ident=0xb004),
                 "DNS query example.com as a FULL session (not forged)")
    c.dl_forward(L, gt.ipv4_tcp(FAR, L.ue, 443, 55101, b"", flags=0x12),
                 "from %s:443 to it as a FULL session" % FAR)
    c.note("full -> blocked -> limited")
    admin_ok(c, rig.admin("/gardengate/session_state,0x%x,blocked" % L.ul_teid), "blocked")
    inner, _ = c.tcp_inner(L, pol.portal, 55103, 443)
    c.ul_drop(L, inner, "TCP SYN to the portal while blocked", "session_blocked")
    c.dl_drop(gt.ipv4_tcp(pol.portal, L.ue, 443, 55103, b"", flags=0x12),
              "from the portal while blocked", "session_blocked")
    admin_ok(c, rig.admin("/gardengate/session_state,0x%x,limited" % L.ul_teid), "limited")
    c.tcp_refused(L, "TCP SYN to %s:443 LIMITED again" % FAR, FAR, 443, sport=55104)
    c.note("the other LIMITED session was never touched")
    c.tcp_refused(L2, "TCP SYN to %s:443 from the other LIMITED session" % FAR, FAR, 443,
                  sport=55105)
    for cmd in ("/gardengate/session_state,0x999,full", "/gardengate/session_state,0x%x,half"
                % L.ul_teid, "/gardengate/garden_add,not a name!"):
        r = rig.admin(cmd)[0]
        if isinstance(r, dict) and r.get("result") == "ok":
            c.problems.append("%s: accepted (%r)" % (cmd, r))
        c.note("%s -> %r" % (cmd, r))

CASES = {
    "dns": ("pcap", "base", case_dns),
    "dns-alt": ("pcap", "dns-alt", case_dns_alt),
    "dns-snoop": ("pcap", "snoop", case_dns_snoop),
    "garden": ("pcap", "base", case_garden),
    "udp-drop": ("pcap", "udp-drop", case_udp_drop),
    "icmp-rate": ("pcap", "icmp-rate", case_icmp_rate),
    "downlink": ("pcap", "base", case_downlink),
    "http": ("live", "base", case_http),
    "learn": ("live", "base", case_learn),
    "learn-global": ("live", "learn-global-ttl2", case_learn_global),
    "snoop-resolver": ("live", "base", case_snoop_resolver),
    "runtime": ("live", "base", case_runtime),
    "attack": ("live", "base", case_attack),
    "dns-tcp": ("live", "base", case_dns_tcp),
    "clients": ("clients", "base", None),
}


if __name__ == "__main__":
    sys.exit(main())
