#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""gen-demo-traffic.py: sample GTP-U traffic for gardengate's demo.

    scripts/gen-demo-traffic.py OUTDIR [--config FILE]

Writes OUTDIR/n3-in.pcap (what the gNBs send to the N3 port) and
OUTDIR/n6-in.pcap (what the data network sends to the N6 port) for the
sessions, addresses and next-hop MACs of the config (default:
config/gardengate.conf: UE 10.45.0.2 / TEID 0x101 with QFI 9 and UE
10.45.0.3 / TEID 0x102 with full connectivity, and UE 10.45.0.4 / TEID
0x103, QFI 9, a device that has not signed up yet (LIMITED), all behind gNB
192.0.2.10).

A few hundred packets, always the same: for each FULL session a ping, a
DNS lookup and a small HTTP download from 203.0.113.10 (uplink G-PDUs with
UDP, TCP and ICMP inside, the matching downlink packets); for each LIMITED
session what a device does when it joins a network, and the walled garden
turning it toward the portal: DNS queries for a garden name (forwarded)
and for other names (answered with the portal's address), a SYN to port 80
(answered with a SYN-cookie SYN-ACK: the redirect to the portal would
follow), a SYN to port 443 (RST), UDP to elsewhere (ICMP administratively
prohibited), a ping (dropped), a SYN to the portal (forwarded); downlink
from a host outside the garden (dropped) and from the portal (forwarded),
and a DNS answer for the garden name (snooped: its addresses are learned
before the answer is released). Then an ARP request for each port's
address, a GTP-U Echo Request, a G-PDU for an unknown TEID and a few
malformed packets. It prints what gardengate should make of them, counter
by counter. scripts/demo.sh runs it and then gardengate on its output.

Needs only python3 (no scapy): the frames are built by
test/pcap/gtpu_traffic.py.
"""

import argparse
import os
import struct
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "test", "pcap"))
import gtpu_traffic as gt  # noqa: E402

SERVER = "203.0.113.10"
RESOLVED = "203.0.113.80"
# A resolver the LIMITED device chose itself, outside the garden.
DEVICE_RESOLVER = "8.8.8.8"


def dns_query(qid, name, qtype=1):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", qtype, 1)


def dns_answer(qid, name, addr):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"
    return (struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + q + struct.pack("!HH", 1, 1)
            + struct.pack("!HHHIH", 0xC00C, 1, 1, 300, 4) + gt.ip_bytes(addr))


class Demo:
    def __init__(self, conf):
        self.conf = conf
        self.n3 = []
        self.n6 = []
        self.expect = {}
        self.ident = 0

    def note(self, what, n=1):
        self.expect[what] = self.expect.get(what, 0) + n

    def next_ident(self):
        self.ident = (self.ident + 1) & 0xFFFF
        return self.ident

    def uplink(self, s, inner, note="uplink G-PDUs decapsulated to N6 (ul_decap)"):
        """@inner (an IPv4 packet from the UE) as a G-PDU from the gNB."""
        exts = [gt.ext_pdu_session_ul(s.qfi)] if s.qfi is not None else []
        msg = gt.gpdu(s.ul_teid, inner, exts=exts)
        self.n3.append(gt.n3_frame(gt.PCAP_PMD_MAC_N3, self.conf.n3.next_hop_mac, s.gnb,
                                   self.conf.n3.address, msg, ident=self.next_ident()))
        if note:
            self.note(note)

    def downlink(self, inner, note="downlink packets encapsulated to N3 (dl_encap)"):
        self.n6.append(gt.ether(gt.PCAP_PMD_MAC_N6, self.conf.n6.next_hop_mac, gt.ETH_P_IPV4, inner))
        if note:
            self.note(note)

    def ping(self, s, count):
        for seq in range(1, count + 1):
            payload = bytes(range(56))
            self.uplink(s, gt.ipv4_icmp_echo(s.ue, SERVER, 0x0D00 + (s.ul_teid & 0xFF), seq,
                                             payload, ident=self.next_ident()))
            self.downlink(gt.ipv4_icmp_echo(SERVER, s.ue, 0x0D00 + (s.ul_teid & 0xFF), seq,
                                            payload, reply=True, ident=self.next_ident()))

    def dns(self, s, qid, name):
        self.uplink(s, gt.ipv4_udp(s.ue, SERVER, 33000 + qid, 53, dns_query(qid, name),
                                   ident=self.next_ident()))
        self.downlink(gt.ipv4_udp(SERVER, s.ue, 53, 33000 + qid, dns_answer(qid, name, RESOLVED),
                                  ident=self.next_ident()))

    def http_download(self, s, sport, size):
        """A TCP connection to port 80: handshake, GET, @size octets of
        response in 1200-octet segments, each acknowledged, then FIN."""
        c_seq, s_seq = 1000, 5000
        up = lambda payload, flags: gt.ipv4_tcp(s.ue, SERVER, sport, 80, payload, seq=c_seq, ack=s_seq,
                                                flags=flags, df=True, ident=self.next_ident())
        down = lambda payload, flags: gt.ipv4_tcp(SERVER, s.ue, 80, sport, payload, seq=s_seq,
                                                  ack=c_seq, flags=flags, df=True,
                                                  ident=self.next_ident())
        self.uplink(s, gt.ipv4_tcp(s.ue, SERVER, sport, 80, b"", seq=c_seq - 1, flags=0x02, df=True,
                                   ident=self.next_ident()))
        self.downlink(gt.ipv4_tcp(SERVER, s.ue, 80, sport, b"", seq=s_seq - 1, ack=c_seq, flags=0x12,
                                  df=True, ident=self.next_ident()))
        self.uplink(s, up(b"", 0x10))
        get = ("GET /file HTTP/1.1\r\nHost: %s\r\n\r\n" % SERVER).encode()
        self.uplink(s, up(get, 0x18))
        c_seq += len(get)
        body = (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size) + bytes(
            (i * 31) & 0xFF for i in range(size))
        for off in range(0, len(body), 1200):
            seg = body[off:off + 1200]
            self.downlink(down(seg, 0x18 if off + 1200 >= len(body) else 0x10))
            s_seq += len(seg)
            self.uplink(s, up(b"", 0x10))
        self.downlink(down(b"", 0x11))
        s_seq += 1
        self.uplink(s, up(b"", 0x11))

    def limited_device(self, s):
        """A device without a subscription (LIMITED session @s) joining the
        network, and the walled garden's answer to each thing it tries."""
        raw = self.conf.raw
        portal = raw.get("portal", {}).get("ipv4", RESOLVED)
        garden_names = raw.get("garden", {}).get("names", ["portal.example"])
        name = garden_names[0]
        up = "uplink G-PDUs decapsulated to N6 (ul_decap)"
        down = "downlink packets encapsulated to N3 (dl_encap)"
        # DNS: the garden name is resolved for real (the device's own
        # resolver here), other names get the portal's address.
        self.uplink(s, gt.ipv4_udp(s.ue, DEVICE_RESOLVER, 34000, 53, dns_query(0x501, name),
                                   ident=self.next_ident()), up)
        self.note("LIMITED: DNS queries for garden names forwarded (dns_garden_forward)")
        for qid, other, qtype in ((0x502, "www.example.com", 1), (0x503, "www.example.com", 28),
                                  (0x504, "captive.apple.com", 1)):
            self.uplink(s, gt.ipv4_udp(s.ue, DEVICE_RESOLVER, 34000 + qid, 53,
                                       dns_query(qid, other, qtype), ident=self.next_ident()),
                        None)
            self.note("LIMITED: DNS queries answered in place with the portal (dns_forged)")
        # The answer for the garden name: learned, then released to the device.
        self.downlink(gt.ipv4_udp(DEVICE_RESOLVER, s.ue, 53, 34000,
                                  dns_answer(0x501, name, portal), ident=self.next_ident()), down)
        self.note("LIMITED: DNS answers for garden names snooped (dns_snooped)")
        self.note("LIMITED: addresses learned into the garden (garden_learned)")
        # Web: port 80 is redirected statelessly, the rest refused at once.
        self.uplink(s, gt.ipv4_tcp(s.ue, SERVER, 34100, 80, b"", seq=7000, flags=0x02, df=True,
                                   tcp_options=gt.tcp_opts_linux_syn(), ident=self.next_ident()),
                    None)
        self.note("LIMITED: SYNs to port 80 answered with a SYN-cookie SYN-ACK (http_synack)")
        self.uplink(s, gt.ipv4_tcp(s.ue, SERVER, 34101, 443, b"", seq=8000, flags=0x02, df=True,
                                   tcp_options=gt.tcp_opts_linux_syn(), ident=self.next_ident()),
                    None)
        self.note("LIMITED: TCP outside the garden refused with RST (tcp_rst_refused)")
        self.uplink(s, gt.ipv4_udp(s.ue, SERVER, 34102, 50000, b"hello?", ident=self.next_ident()),
                    None)
        self.note("LIMITED: UDP outside the garden refused with ICMP prohibited "
                  "(icmp_unreach_sent)")
        self.uplink(s, gt.ipv4_icmp_echo(s.ue, SERVER, 0x0E00, 1, bytes(range(56)),
                                         ident=self.next_ident()), None)
        self.note("drop limited_icmp_refused")
        # The portal is in the garden, both ways.
        self.uplink(s, gt.ipv4_tcp(s.ue, portal, 34103, 443, b"", seq=9000, flags=0x02, df=True,
                                   tcp_options=gt.tcp_opts_linux_syn(), ident=self.next_ident()),
                    up)
        self.note("LIMITED: uplink to the garden forwarded (garden_forward_ul)")
        self.downlink(gt.ipv4_tcp(portal, s.ue, 443, 34103, b"", seq=100, ack=9001, flags=0x12,
                                  df=True, ident=self.next_ident()), down)
        self.note("LIMITED: downlink from the garden forwarded (garden_forward_dl)")
        self.downlink(gt.ipv4_tcp(SERVER, s.ue, 443, 34101, b"", seq=200, ack=8001, flags=0x12,
                                  df=True, ident=self.next_ident()), None)
        self.note("drop dl_limited_filtered")

    def build(self):
        c = self.conf
        n3_mac, n6_mac = gt.PCAP_PMD_MAC_N3, gt.PCAP_PMD_MAC_N6
        # The routers ask for the appliance's addresses first.
        self.n3.append(gt.arp_request_frame(c.n3.next_hop_mac, c.n3.next_hop, c.n3.address))
        self.n6.append(gt.arp_request_frame(c.n6.next_hop_mac, c.n6.next_hop, c.n6.address))
        self.note("ARP replies (arp_reply_sent)", 2)
        gnb = c.sessions[0].gnb
        self.n3.append(gt.n3_frame(n3_mac, c.n3.next_hop_mac, gnb, c.n3.address, gt.echo_request(1)))
        self.note("GTP-U Echo Responses (gtpu_echo_request)")
        full = [x for x in c.sessions if x.state == "full"]
        for k, s in enumerate(full):
            self.ping(s, 5)
            self.dns(s, 0x100 + k, "www.example.com")
            self.http_download(s, 41000 + k, 40000 + 20000 * k)
        for s in c.sessions:
            if s.state == "limited":
                self.limited_device(s)
        # A G-PDU for a TEID nobody has: Error Indication back to the gNB.
        s = full[0] if full else c.sessions[0]
        unknown = 0x999
        while any(x.ul_teid == unknown for x in c.sessions):
            unknown += 1
        self.n3.append(gt.n3_frame(n3_mac, c.n3.next_hop_mac, gnb, c.n3.address,
                                   gt.gpdu(unknown, gt.ipv4_udp(s.ue, SERVER, 40000, 50000, b"hello"))))
        self.note("Error Indications for unknown TEIDs (gtpu_error_indication_sent)")
        # Malformed: each dropped under its own reason.
        inner = gt.ipv4_udp(s.ue, SERVER, 40000, 50000, b"malformed")
        self.n3.append(gt.n3_frame(n3_mac, c.n3.next_hop_mac, gnb, c.n3.address,
                                   gt.gpdu(s.ul_teid, inner, length=len(inner) + 4)))
        self.note("drop gtpu_bad_length")
        good = gt.ipv4_udp(gnb, c.n3.address, gt.GTPU_PORT, gt.GTPU_PORT, gt.gpdu(s.ul_teid, inner),
                           udp_checksum=False)
        bad = good[:10] + bytes([good[10] ^ 0xFF]) + good[11:]
        self.n3.append(gt.ether(n3_mac, c.n3.next_hop_mac, gt.ETH_P_IPV4, bad))
        self.note("drop ipv4_bad_checksum")
        self.n3.append(gt.n3_frame(n3_mac, c.n3.next_hop_mac, gnb, c.n3.address,
                                   gt.gpdu(s.ul_teid, inner, version=2)))
        self.note("drop gtpu_bad_version")
        self.n6.append(gt.ether(n6_mac, c.n6.next_hop_mac, gt.ETH_P_IPV4,
                                gt.ipv4_udp(SERVER, "10.45.99.99", 50000, 40000, b"nobody")))
        self.note("drop dl_no_session")


def main():
    ap = argparse.ArgumentParser(description="Write the demo's input pcaps.")
    ap.add_argument("outdir")
    ap.add_argument("--config", default=os.path.join(ROOT, "config", "gardengate.conf"))
    args = ap.parse_args()
    conf = gt.GatewayConf(args.config)
    if not any(s.state == "full" for s in conf.sessions):
        print("%s: no FULL session in sessions.static to send traffic for" % args.config,
              file=sys.stderr)
        return 1
    demo = Demo(conf)
    demo.build()
    os.makedirs(args.outdir, exist_ok=True)
    gt.write_pcap(os.path.join(args.outdir, "n3-in.pcap"), demo.n3)
    gt.write_pcap(os.path.join(args.outdir, "n6-in.pcap"), demo.n6)
    print("gen-demo-traffic: %d frames in %s, %d in %s; gardengate should send:"
          % (len(demo.n3), os.path.join(args.outdir, "n3-in.pcap"),
             len(demo.n6), os.path.join(args.outdir, "n6-in.pcap")))
    for what, n in demo.expect.items():
        print("  %4d %s" % (n, what))
    return 0


if __name__ == "__main__":
    sys.exit(main())
