#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""test_tunnel.py: "gg-uesim tunnel" against a scripted N3 peer.

    test_tunnel.py --uesim PATH --workdir DIR

Two namespaces joined by a veth pair: "ue" holds gg-uesim tunnel (its TUN
device with the UE address and a default route into it, the gNB address
192.0.2.10 on the veth), "n3" holds a UDP socket on 192.0.2.1:2152 that
plays gardengate's N3. The test sends the UE's packets through the kernel
(sockets bound to the UE address) and checks the G-PDUs that reach the
peer octet for octet (and through scapy's GTP dissector); it sends G-PDUs
and other GTP-U messages from the peer and checks what the UE's sockets
get, the Echo Response, and finally every counter gg-uesim prints on
SIGTERM. Then the same with --session (an "auth --json" output) and the
usage errors. Skips (exit 77) without root.
"""
import argparse
import json
import os
import socket
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import netns as nn  # noqa: E402
from netns import Fail, check  # noqa: E402

UE = "10.45.7.7"
GNB = "192.0.2.10"
N3 = "192.0.2.1"
WEB = "198.51.100.80"
TEID_UL = 0x1234
TEID_DL = 0xabcd
QFI = 9
TUN = "ggtun0"


def scapy():
    from scapy.all import IP, UDP, Raw  # noqa: F401
    import scapy.contrib.gtp as gtp
    return IP, UDP, Raw, gtp


def ip_udp(src, dst, sport, dport, payload):
    IP, UDP, Raw, _ = scapy()
    return bytes(IP(src=src, dst=dst, id=7, ttl=64) / UDP(sport=sport, dport=dport) /
                 Raw(payload))


def gpdu(teid, inner, qfi=None, msg=255, extra=b""):
    """A GTPv1-U message; with @qfi a DL PDU Session Container (type 0)."""
    if qfi is None:
        return struct.pack("!BBHI", 0x30, msg, len(inner) + len(extra), teid) + inner + extra
    body = struct.pack("!HBB", 0, 0, 0x85) + bytes([1, 0x00, qfi, 0]) + inner
    return struct.pack("!BBHI", 0x34, msg, len(body) + len(extra), teid) + body + extra


class Rig:
    def __init__(self, lab, uesim):
        self.lab, self.uesim = lab, uesim
        self.ue = lab.netns("ue")
        self.n3 = lab.netns("n3")
        lab.veth(self.ue, "ue0", self.n3, "n30")
        lab.ip(self.ue, "addr", "add", GNB + "/24", "dev", "ue0")
        lab.ip(self.n3, "addr", "add", N3 + "/24", "dev", "n30")
        self.peer = nn.udp_socket(self.n3, N3, 2152)
        self.peer.settimeout(3)
        self.proc = None

    def start(self, *args):
        self.proc = self.lab.spawn("tunnel-%d" % len(self.lab.procs),
                                   [self.uesim, "tunnel", "--tun", TUN, "--local", GNB,
                                    "--json", "--duration", "60"] + list(args), ns=self.ue)
        nn.read_line(self.proc, r"^ready %s$" % TUN)
        self.lab.ip(self.ue, "route", "replace", "default", "dev", TUN, "src", UE)

    def stop(self):
        rc = self.lab.stop(self.proc)
        check(rc == 0, "gg-uesim tunnel exit %s after SIGTERM:\n%s" %
              (rc, nn.tail(self.proc.gg_log)))
        lines = [l for l in open(self.proc.gg_log).read().splitlines() if l.startswith("{")]
        check(len(lines) == 1, "expected one JSON line of counters:\n%s" %
              nn.tail(self.proc.gg_log))
        return json.loads(lines[0])

    def ue_socket(self, port):
        s = nn.udp_socket(self.ue, UE, port)
        s.settimeout(3)
        return s

    def recv_peer(self, what):
        try:
            data, src = self.peer.recvfrom(70000)
        except socket.timeout:
            raise Fail("%s: nothing reached the N3 peer" % what)
        check(src == (GNB, 2152), "%s: came from %s, expected %s:2152" % (what, src, GNB))
        return data

    def nothing_at_ue(self, s, what):
        s.settimeout(0.5)
        try:
            data = s.recv(70000)
        except socket.timeout:
            return
        raise Fail("%s: the UE received %r" % (what, data[:40]))


def check_gpdu(data, inner, qfi, teid, what):
    if qfi is None:
        hdr = struct.pack("!BBHI", 0x30, 255, len(inner), teid)
    else:
        hdr = struct.pack("!BBHI", 0x34, 255, len(inner) + 8, teid) + \
            bytes([0, 0, 0, 0x85, 1, 0x10, qfi, 0])
    check(data == hdr + inner, "%s: G-PDU\n  got      %s\n  expected %s" %
          (what, data[:40].hex(), (hdr + inner)[:40].hex()))
    # An independent reading: scapy's GTP-U dissector.
    _, _, _, gtp = scapy()
    g = gtp.GTP_U_Header(data)
    check(g.teid == teid and g.gtp_type == 255, "%s: scapy reads %r" % (what, g.summary()))
    if qfi is not None:
        c = g.getlayer(gtp.GTPPDUSessionContainer)
        check(c is not None and c.type == 1 and c.QFI == qfi,
              "%s: scapy's PDU session container %r" % (what, c))


def case_main(rig):
    IP, UDP, Raw, _ = scapy()
    rig.start("--ue-ip", UE, "--n3", N3, "--teid-ul", "0x%x" % TEID_UL,
              "--teid-dl", "0x%x" % TEID_DL, "--qfi", str(QFI))
    s = rig.ue_socket(40000)
    # Uplink: small, then as large as the TUN MTU (1400) allows.
    for n in (5, 1400 - 28):
        payload = bytes((i * 7 + n) & 0xff for i in range(n))
        s.sendto(payload, (WEB, 9))
        data = rig.recv_peer("uplink %d octets" % n)
        inner = data[16:]
        p = IP(inner)
        check(p.src == UE and p.dst == WEB and p[UDP].sport == 40000 and p[UDP].dport == 9
              and bytes(p[UDP].payload) == payload,
              "uplink %d: inner packet %r" % (n, p.summary()))
        check_gpdu(data, inner, QFI, TEID_UL, "uplink %d octets" % n)
        print("  ok   uplink G-PDU, %d octets of payload, QFI %d" % (n, QFI))
    # A packet whose source is not the UE: the TUN gets it, gg-uesim must not send it.
    with nn.InNetns(rig.ue):
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw.sendto(ip_udp("10.99.0.1", WEB, 1, 9, b"spoofed"), (WEB, 0))
    raw.close()
    rig.peer.settimeout(0.5)
    try:
        data = rig.peer.recv(70000)
        raise Fail("a packet from a foreign source was tunnelled: %s" % data[:40].hex())
    except socket.timeout:
        pass
    rig.peer.settimeout(3)
    print("  ok   uplink from another source dropped")

    ue = (GNB, 2152)
    # Downlink, with and without a PDU Session Container.
    for qfi in (QFI, None):
        payload = b"downlink qfi %s" % str(qfi).encode()
        rig.peer.sendto(gpdu(TEID_DL, ip_udp(WEB, UE, 9, 40000, payload), qfi), ue)
        try:
            got, src = s.recvfrom(2048)
        except socket.timeout:
            raise Fail("downlink G-PDU (qfi %s) did not reach the UE" % qfi)
        check(got == payload and src == (WEB, 9), "downlink: %r from %s" % (got, src))
    print("  ok   downlink G-PDUs (with and without container) reach the UE")
    bad = [
        ("wrong TEID", gpdu(TEID_DL + 1, ip_udp(WEB, UE, 9, 40000, b"x"), QFI)),
        ("length field too long", gpdu(TEID_DL, ip_udp(WEB, UE, 9, 40000, b"x"))[:-1]),
        ("bad extension length 0",
         struct.pack("!BBHI", 0x34, 255, 8 + 28, TEID_DL) + bytes([0, 0, 0, 0x85, 0, 0, 9, 0])
         + ip_udp(WEB, UE, 9, 40000, b"x")),
        ("T-PDU to another address", gpdu(TEID_DL, ip_udp(WEB, "10.45.7.8", 9, 40000, b"x"))),
        ("version 2", b"\x48" + gpdu(TEID_DL, ip_udp(WEB, UE, 9, 40000, b"x"))[1:]),
    ]
    for what, msg in bad:
        rig.peer.sendto(msg, ue)
        rig.nothing_at_ue(s, what)
    other = nn.udp_socket(rig.n3, N3, 2153)
    other.sendto(gpdu(TEID_DL, ip_udp(WEB, UE, 9, 40000, b"x")), ue)
    rig.nothing_at_ue(s, "G-PDU from port 2153")
    other.close()
    print("  ok   bad downlink dropped (%s, wrong port)" % ", ".join(w for w, _ in bad))
    # Path management and the other messages.
    rig.peer.sendto(struct.pack("!BBHIHBB", 0x32, 1, 4, 0, 0x5a5a, 0, 0), ue)
    resp = rig.recv_peer("Echo Request")
    want = struct.pack("!BBHIHBB", 0x32, 2, 6, 0, 0x5a5a, 0, 0) + bytes([14, 0])
    check(resp == want, "Echo Response %s, expected %s" % (resp.hex(), want.hex()))
    rig.peer.sendto(struct.pack("!BBHI", 0x30, 26, 0, 0), ue)
    rig.peer.sendto(struct.pack("!BBHI", 0x30, 254, 0, TEID_DL), ue)
    rig.peer.sendto(struct.pack("!BBHI", 0x30, 31, 0, 0), ue)
    print("  ok   Echo Response")
    s.close()
    st = rig.stop()
    want = {"tun": TUN, "stopped": "Terminated", "ul_packets": 2, "ul_bytes": 33 + 1400,
            "ul_not_ipv4": 0, "ul_wrong_source": 1, "ul_send_errors": 0,
            "dl_packets": 2, "dl_bytes": 28 + len(b"downlink qfi 9") + 28 + len(b"downlink qfi None"),
            "dl_wrong_peer": 1, "dl_malformed": 3, "dl_wrong_teid": 1, "dl_wrong_dest": 1,
            "dl_write_errors": 0, "echo_requests": 1, "error_indications": 1,
            "end_markers": 1, "other_messages": 1}
    check(st == want, "counters on exit:\n  got      %s\n  expected %s" % (st, want))
    print("  ok   counters on SIGTERM: %s" % st)


def case_session(rig, workdir):
    IP, UDP, Raw, _ = scapy()
    f = os.path.join(workdir, "auth.json")
    with open(f, "w") as out:
        json.dump({"authCtxId": "0" * 32, "authResult": "AUTHENTICATION_SUCCESS",
                   "pduSession": {"state": "LIMITED", "ueIpv4Addr": UE,
                                  "cnTunnelInfo": {"ipv4Addr": N3, "gtpTeid": "00C0FFEE"},
                                  "qfi": 5}}, out)
        out.write("\n")
    rig.start("--session", f, "--teid-dl", "0000abcd", "--qfi", "7")
    s = rig.ue_socket(40001)
    s.sendto(b"from session", (WEB, 9))
    data = rig.recv_peer("uplink with --session")
    check_gpdu(data, data[16:], 7, 0xc0ffee, "uplink with --session (explicit --qfi wins)")
    s.close()
    st = rig.stop()
    check(st["ul_packets"] == 1, "counters %s" % st)
    print("  ok   --session: TEID from the auth output, --qfi from the command line")


def case_usage(uesim, workdir):
    bad_json = os.path.join(workdir, "bad.json")
    with open(bad_json, "w") as out:
        out.write('{"pduSession": {"state": "LIMITED"}}\n')
    cases = [
        ([], "--ue-ip: missing"),
        (["--ue-ip", "10.1.2"], "not a dotted quad"),
        (["--ue-ip", UE, "--n3", N3, "--teid-ul", "123", "--teid-dl", "0x1"],
         "--teid-ul '123'"),
        (["--ue-ip", UE, "--n3", N3, "--teid-ul", "0x1"], "--teid-dl: missing"),
        (["--ue-ip", UE, "--n3", N3, "--teid-ul", "0x1", "--teid-dl", "0x2", "--qfi", "64"],
         "--qfi '64'"),
        (["--session", bad_json, "--teid-dl", "0x2"], "pduSession/ueIpv4Addr"),
        (["--session", os.path.join(workdir, "none.json"), "--teid-dl", "0x2"], "none.json"),
        (["--ue-ip", UE, "--n3", N3, "--teid-ul", "0x1", "--teid-dl", "0x2", "--tun", "x/y"],
         "--tun 'x/y'"),
    ]
    for args, msg in cases:
        p = nn.run([uesim, "tunnel"] + args, check_rc=False)
        check(p.returncode == 2 and msg in p.stderr,
              "gg-uesim tunnel %s: exit %d, stderr %r (expected 2 and %r)" %
              (" ".join(args), p.returncode, p.stderr, msg))
    print("  ok   %d usage errors: exit 2 with the reason" % len(cases))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--uesim", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    try:
        nn.need_root()
        scapy()
    except nn.Skip as e:
        print("SKIP: %s" % e)
        return 77
    except ImportError:
        print("FAIL: python3-scapy is missing (scripts/setup.sh installs it)")
        return 1
    lab = nn.Lab("gge2e-tun", a.workdir)
    lab.install_signal_handlers()
    try:
        case_usage(a.uesim, a.workdir)
        rig = Rig(lab, a.uesim)
        case_main(rig)
        case_session(rig, a.workdir)
    except Fail as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        lab.close()
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
