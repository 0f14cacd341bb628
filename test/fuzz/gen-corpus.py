#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""gen-corpus.py: write the seed corpora of test/fuzz (corpus/<harness>/).

Packets are built with scapy, in the input layouts the harnesses read
(each harness's file comment describes its own); configurations are the
repo's sample ones; certificates and signatures come from the test PKI
(scripts/test-pki.sh, made in a scratch folder: no private key is kept).
Each seed is named after what it holds, so a crash found from it reads
well. Deterministic: running it again rewrites the same files.

Usage: test/fuzz/gen-corpus.py [HARNESS...]   (default: every harness)
"""

import base64
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def write(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))


def reset(harness):
    d = os.path.join(HERE, "corpus", harness)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)


# ---------------------------------------------------------------------------
# Packets (scapy)

def scapy():
    from scapy.all import (ARP, DNS, DNSQR, DNSRR, DNSRROPT, ICMP, IP, TCP,
                           UDP, Ether, Raw)
    from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
    return dict(ARP=ARP, DNS=DNS, DNSQR=DNSQR, DNSRR=DNSRR,
                DNSRROPT=DNSRROPT, ICMP=ICMP, IP=IP, TCP=TCP, UDP=UDP,
                Ether=Ether, Raw=Raw, GTP=GTP_U_Header,
                PSC=GTPPDUSessionContainer)


# The addresses fuzz_worker.c sets up.
N3_MAC, N3_HOP = "02:00:00:00:03:01", "02:00:00:00:03:fe"
N6_MAC, N6_HOP = "02:00:00:00:06:01", "02:00:00:00:06:fe"
N3_ADDR, N6_ADDR = "192.0.2.1", "198.18.0.1"
GNB = "192.0.2.10"
FULL_UE, FULL_TEID = "10.45.0.2", 0x100
LIM_UE, LIM_TEID = "10.45.0.3", 0x101
PORTAL = "198.51.100.10"
GARDEN_NET = "203.0.113.7"


def dns_query(s, name, qtype="A", edns=False, qid=0x1234):
    q = s["DNS"](id=qid, rd=1, qd=s["DNSQR"](qname=name, qtype=qtype))
    if edns:
        q.ar = s["DNSRROPT"](rclass=1232)
    return bytes(q)


def dns_answer(s, name, addrs, cname=None, qid=0x1234):
    rr = None
    owner = name
    if cname is not None:
        rr = s["DNSRR"](rrname=name, type="CNAME", ttl=300, rdata=cname)
        owner = cname
    for a in addrs:
        r = s["DNSRR"](rrname=owner, type="A", ttl=600, rdata=a)
        rr = r if rr is None else rr / r
    return bytes(s["DNS"](id=qid, qr=1, rd=1, ra=1,
                          qd=s["DNSQR"](qname=name), an=rr))


def uplink(s, inner, teid, psc=False, **gtp):
    # scapy sets the G-PDU type only when an IP layer follows.
    gtp.setdefault("gtp_type", 255)
    g = s["GTP"](teid=teid, **gtp)
    if psc:
        g = s["GTP"](teid=teid, E=1, next_ex=0x85, **gtp) / \
            s["PSC"](type=1, QFI=9)
    return bytes(s["Ether"](src=N3_HOP, dst=N3_MAC) /
                 s["IP"](src=GNB, dst=N3_ADDR) /
                 s["UDP"](sport=2152, dport=2152) / g / inner)


def downlink(s, inner):
    return bytes(s["Ether"](src=N6_HOP, dst=N6_MAC) / inner)


def frame(data, n6=False, tailroom=4, small_headroom=False):
    """One frame in fuzz_worker's layout: header octet, length, octets."""
    hdr = (0x80 if n6 else 0) | (0x40 if small_headroom else 0) | tailroom
    return struct.pack("!BH", hdr, len(data)) + data


def gen_worker(s):
    reset("worker")
    IP, UDP, TCP, ICMP, Raw = s["IP"], s["UDP"], s["TCP"], s["ICMP"], s["Raw"]
    full_udp = IP(src=FULL_UE, dst="198.19.0.5") / UDP(sport=4000, dport=5000) / Raw(b"x" * 32)
    full_tcp = IP(src=FULL_UE, dst="198.19.0.5") / TCP(sport=4000, dport=443, flags="S")
    ul = {
        "full-udp": uplink(s, full_udp, FULL_TEID),
        "full-tcp-psc": uplink(s, full_tcp, FULL_TEID, psc=True),
        "full-spoofed": uplink(s, IP(src="10.9.9.9", dst="198.19.0.5") / UDP(), FULL_TEID),
        "full-ttl1": uplink(s, IP(src=FULL_UE, dst="198.19.0.5", ttl=1) / UDP(), FULL_TEID),
        "full-options": uplink(s, IP(src=FULL_UE, dst="198.19.0.5", options=b"\x01\x01\x01\x00") / UDP(), FULL_TEID),
        "lim-dns-garden": uplink(s, IP(src=LIM_UE, dst="9.9.9.9") / UDP(sport=5353, dport=53) /
                                 Raw(dns_query(s, "www.portal.example")), LIM_TEID),
        "lim-dns-other": uplink(s, IP(src=LIM_UE, dst="9.9.9.9") / UDP(sport=5353, dport=53) /
                                Raw(dns_query(s, "example.com", edns=True)), LIM_TEID),
        "lim-dns-aaaa": uplink(s, IP(src=LIM_UE, dst="9.9.9.9") / UDP(sport=5353, dport=53) /
                               Raw(dns_query(s, "example.com", qtype="AAAA")), LIM_TEID),
        "lim-http-syn": uplink(s, IP(src=LIM_UE, dst="198.19.0.80") /
                               TCP(sport=40000, dport=80, flags="S", seq=1000,
                                   options=[("MSS", 1400)]), LIM_TEID),
        "lim-http-get": uplink(s, IP(src=LIM_UE, dst="198.19.0.80") /
                               TCP(sport=40000, dport=80, flags="PA", seq=1001, ack=12345) /
                               Raw(b"GET /x?y=1 HTTP/1.1\r\nHost: neverssl.com\r\n\r\n"), LIM_TEID),
        "lim-tcp-garden": uplink(s, IP(src=LIM_UE, dst=GARDEN_NET) / TCP(sport=40001, dport=443, flags="S"), LIM_TEID),
        "lim-tcp-refused": uplink(s, IP(src=LIM_UE, dst="198.19.0.80") / TCP(sport=40002, dport=22, flags="S"), LIM_TEID),
        "lim-udp-refused": uplink(s, IP(src=LIM_UE, dst="198.19.0.80") / UDP(sport=40003, dport=51820) / Raw(b"wg" * 8), LIM_TEID),
        "lim-icmp": uplink(s, IP(src=LIM_UE, dst="198.19.0.80") / ICMP(), LIM_TEID),
        "lim-portal": uplink(s, IP(src=LIM_UE, dst=PORTAL) / UDP(sport=1, dport=2), LIM_TEID),
        "unknown-teid": uplink(s, full_udp, 0x999),
        "echo-request": uplink(s, b"", 0, gtp_type=1, S=1, seq=7),
        "end-marker": uplink(s, b"", FULL_TEID, gtp_type=254),
        "unknown-required-ext": uplink(s, b"\x01\x00\x00\xc0" + bytes(full_udp), FULL_TEID, E=1, next_ex=0xc1),
        "arp-n3": bytes(s["Ether"](src=N3_HOP, dst="ff:ff:ff:ff:ff:ff") /
                        s["ARP"](op=1, hwsrc=N3_HOP, psrc="192.0.2.254", pdst=N3_ADDR)),
        "icmp-n3": bytes(s["Ether"](src=N3_HOP, dst=N3_MAC) / IP(src=GNB, dst=N3_ADDR) / ICMP(id=1, seq=1) / Raw(b"ping")),
    }
    dl = {
        "dl-full": downlink(s, IP(src="198.19.0.5", dst=FULL_UE) / UDP(sport=5000, dport=4000) / Raw(b"y" * 40)),
        "dl-full-tcp": downlink(s, IP(src="198.19.0.5", dst=FULL_UE, tos=0xb8) / TCP(sport=443, dport=4000, flags="SA")),
        "dl-lim-garden": downlink(s, IP(src=GARDEN_NET, dst=LIM_UE) / TCP(sport=443, dport=40001, flags="SA")),
        "dl-lim-filtered": downlink(s, IP(src="198.19.0.99", dst=LIM_UE) / TCP(sport=22, dport=40002, flags="SA")),
        "dl-lim-dns-snoop": downlink(s, IP(src="9.9.9.9", dst=LIM_UE) / UDP(sport=53, dport=5353) /
                                     Raw(dns_answer(s, "www.portal.example", ["203.0.113.50", "203.0.113.51"]))),
        "dl-lim-dns-cname": downlink(s, IP(src="9.9.9.9", dst=LIM_UE) / UDP(sport=53, dport=5353) /
                                     Raw(dns_answer(s, "garden.example", ["192.0.2.77"], cname="cdn.garden.example"))),
        "dl-lim-dns-other": downlink(s, IP(src="9.9.9.9", dst=LIM_UE) / UDP(sport=53, dport=5353) /
                                     Raw(dns_answer(s, "example.com", ["192.0.2.78"]))),
        "dl-no-session": downlink(s, IP(src="198.19.0.5", dst="10.45.9.9") / UDP()),
        "dl-icmp-n6": downlink(s, IP(src="198.18.0.254", dst=N6_ADDR) / ICMP(id=2, seq=1)),
        "dl-arp-n6": bytes(s["Ether"](src=N6_HOP, dst="ff:ff:ff:ff:ff:ff") /
                           s["ARP"](op=1, hwsrc=N6_HOP, psrc="198.18.0.254", pdst=N6_ADDR)),
        "dl-big": downlink(s, IP(src="198.19.0.5", dst=FULL_UE) / UDP() / Raw(b"z" * 1450)),
    }
    for name, p in ul.items():
        write("worker", name, b"\x00" + frame(p))
        write("worker", name + "-tight", b"\x00" + frame(p, tailroom=0, small_headroom=True))
    for name, p in dl.items():
        write("worker", name, b"\x00" + frame(p, n6=True))
        write("worker", name + "-tight", b"\x00" + frame(p, n6=True, tailroom=0, small_headroom=True))
    # Settings: snoop mode, UDP dropped, learning for everyone.
    write("worker", "snoop-mode-dns", b"\x01" + frame(ul["lim-dns-other"]) +
          frame(dl["dl-lim-dns-snoop"], n6=True))
    write("worker", "udp-drop", b"\x02" + frame(ul["lim-udp-refused"]))
    write("worker", "learn-global", b"\x04" + frame(dl["dl-lim-dns-snoop"], n6=True))
    write("worker", "no-next-hops", b"\x18" + frame(ul["full-udp"]) + frame(dl["dl-full"], n6=True))
    # Issue 11: a G-PDU whose T-PDU is 1 to 19 octets, at the very end of
    # its buffer (no tailroom); gg_uplink_forward() read the inner IPv4
    # header before checking that the T-PDU holds one.
    for n in (1, 3):
        write("worker", "regress-short-tpdu-%d" % n, b"\x00" +
              frame(uplink(s, bytes(IP(src=FULL_UE, dst="198.19.0.5"))[:n], FULL_TEID), tailroom=0))
    # A burst of everything, both directions.
    burst = b"".join(frame(p) for p in ul.values()) + \
        b"".join(frame(p, n6=True) for p in dl.values())
    write("worker", "mixed-burst", b"\x00" + burst)


def gen_dns(s):
    reset("dns")
    write("dns", "query-a", dns_query(s, "www.portal.example"))
    write("dns", "query-aaaa-edns", dns_query(s, "Example.COM", qtype="AAAA", edns=True))
    write("dns", "query-https", dns_query(s, "example.com", qtype="HTTPS"))
    write("dns", "query-mx", dns_query(s, "example.com", qtype="MX"))
    write("dns", "query-root", dns_query(s, "."))
    write("dns", "answer-a", dns_answer(s, "www.portal.example", ["203.0.113.50", "203.0.113.51"]))
    write("dns", "answer-cname", dns_answer(s, "garden.example", ["192.0.2.77"], cname="cdn.garden.example"))
    write("dns", "answer-empty", dns_answer(s, "nothing.example", []))
    # A chain of CNAMEs, to the limit and past it.
    DNS, DNSQR, DNSRR = s["DNS"], s["DNSQR"], s["DNSRR"]
    rr = None
    for i in range(9):
        r = DNSRR(rrname="c%d.example" % i, type="CNAME", rdata="c%d.example" % (i + 1))
        rr = r if rr is None else rr / r
    rr = rr / DNSRR(rrname="c9.example", type="A", rdata="192.0.2.9")
    write("dns", "answer-cname-chain", bytes(DNS(id=1, qr=1, qd=DNSQR(qname="c0.example"), an=rr)))


def http_packet(s, flags, payload=b"", **tcp):
    IP, TCP, Raw = s["IP"], s["TCP"], s["Raw"]
    p = IP(src=LIM_UE, dst="198.19.0.80") / TCP(sport=40000, dport=80, flags=flags, **tcp)
    if payload:
        p = p / Raw(payload)
    return bytes(p)


def gen_http(s):
    reset("http")
    # Octet 0: bit 0 RST path, bit 2 a live cookie, bits 3-7 extra room.
    room = 8 << 3
    write("http", "syn", bytes([room]) + http_packet(s, "S", seq=1000, options=[("MSS", 1400)]))
    write("http", "syn-no-room", bytes([0]) + http_packet(s, "S", seq=1000))
    write("http", "get", bytes([room | 4]) + http_packet(
        s, "PA", b"GET /path?q=1 HTTP/1.1\r\nHost: neverssl.com\r\nAccept: */*\r\n\r\n", seq=1001, ack=1))
    write("http", "get-absolute", bytes([room | 4]) + http_packet(
        s, "PA", b"GET http://example.com/a%20b HTTP/1.0\r\n\r\n", seq=5001, ack=1))
    write("http", "get-fin", bytes([room | 4]) + http_packet(
        s, "FPA", b"HEAD / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", seq=7001, ack=1))
    write("http", "not-http", bytes([room | 4]) + http_packet(s, "PA", b"\x16\x03\x01hello", seq=9001, ack=1))
    write("http", "fin", bytes([room]) + http_packet(s, "FA", seq=2000, ack=3000))
    write("http", "ack", bytes([room]) + http_packet(s, "A", seq=2000, ack=3000))
    write("http", "rst", bytes([room]) + http_packet(s, "R", seq=2000))
    write("http", "refused-syn", bytes([room | 1]) + http_packet(s, "S", seq=1000))
    write("http", "refused-data", bytes([room | 1]) + http_packet(s, "PA", b"data", seq=1, ack=2))


def gen_conf(s):
    reset("conf")
    for src in ("config/gardengate.conf", "test/pcap/pcap-test.conf",
                "test/pcap/limited-test.conf"):
        shutil.copy(os.path.join(ROOT, src),
                    os.path.join(HERE, "corpus", "conf", os.path.basename(src)))


def tbs(identity):
    """gg_auth_tbs() of the challenge fuzz_auth.c uses (32 x 0x11)."""
    def field(b):
        return struct.pack("!H", len(b)) + b
    return (b"gardengate one-way auth v1\x00" + field(b"\x11" * 32) +
            field(b"5G:mnc001.mcc001.3gppnetwork.org") + field(identity.encode()))


def gen_auth(s):
    reset("auth")
    data = os.path.join(HERE, "data")
    os.makedirs(data, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pki = os.path.join(tmp, "pki")
        subprocess.run([os.path.join(ROOT, "scripts", "test-pki.sh"), pki], check=True)
        shutil.copy(os.path.join(pki, "ca.pem"), os.path.join(data, "auth-ca.pem"))
        shutil.copy(os.path.join(pki, "dev-ec.pem"), os.path.join(data, "auth-dev-ec.pem"))
        shutil.copy(os.path.join(pki, "dev-rsa.pem"), os.path.join(data, "auth-dev-rsa.pem"))

        def rd(name):
            with open(os.path.join(pki, name), "rb") as f:
                return f.read()
        # Octet 0: bits 0-1 what (0 certificate), bits 2-3 the identity.
        for name, ident in (("dev-ec.der", 0), ("dev-ec.pem", 0), ("dev-rsa.der", 1),
                            ("dev-int-chain.pem", 2), ("dev-int.der", 2)):
            write("auth", "cert-" + name, bytes([ident << 2]) + rd(name))
        for name in sorted(os.listdir(pki)):
            if name.startswith("bad-") and name.endswith(".pem"):
                write("auth", "cert-" + name, b"\x00" + rd(name))
        # Signatures over the fixed challenge, made with the test keys
        # (which are not kept).
        for what, key, ident, opts in (
                (1, "dev-ec.key", "nai-dev0001@maker.example", []),
                (2, "dev-rsa.key", "nai-dev0002@maker.example",
                 ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
                  "-sigopt", "rsa_mgf1_md:sha256"])):
            t = os.path.join(tmp, "tbs.bin")
            with open(t, "wb") as f:
                f.write(tbs(ident))
            sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign",
                                  os.path.join(pki, key)] + opts + [t],
                                 check=True, capture_output=True).stdout
            write("auth", "sig-%s" % key.split(".")[0], bytes([what]) + sig)
            write("auth", "b64-%s" % key.split(".")[0], b"\x03" +
                  base64.urlsafe_b64encode(sig).rstrip(b"="))


def curl_bytes(args):
    """What curl --http2-prior-knowledge writes for a request: a listener
    here takes it and answers nothing; curl gives up after a second."""
    import socket
    import threading
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    port = ls.getsockname()[1]
    got = bytearray()

    def take():
        c, _ = ls.accept()
        c.settimeout(0.5)
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                got.extend(b)
        except socket.timeout:
            pass
        c.close()
    t = threading.Thread(target=take)
    t.start()
    subprocess.run(["curl", "-s", "-m", "1", "--http2-prior-knowledge"] +
                   [a.replace("PORT", str(port)) for a in args],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t.join()
    ls.close()
    return bytes(got)


AUSF = "http://127.0.0.1:PORT/nausf-auth/v1/ue-authentications"
AUSF_BODY = ('{"supiOrSuci": "nai-dev0001@maker.example", '
             '"servingNetworkName": "5G:mnc001.mcc001.3gppnetwork.org", '
             '"certificateUrl": "http://127.0.0.1:9/ca/dev-ec.pem", '
             '"anTunnelInfo": {"ipv4Addr": "192.0.2.10", "gtpTeid": "0000abcd"}}')


def gen_sbi(s):
    reset("sbi")
    json_hdr = ["-H", "content-type: application/json"]
    reqs = {
        "get": ["http://127.0.0.1:PORT/x?y=1"],
        "post-json": json_hdr + ["-d", '{"a": [1, 2.5, "x"], "b": {"c": null}}', "http://127.0.0.1:PORT/json"],
        "post-json-dup": json_hdr + ["-d", '{"a": 1, "a": 2}', "http://127.0.0.1:PORT/json"],
        "post-text": ["-H", "content-type: text/plain", "-d", "hello", "http://127.0.0.1:PORT/json"],
        "later": ["http://127.0.0.1:PORT/later"],
        "delete-405": ["-X", "DELETE", "http://127.0.0.1:PORT/405"],
        "ausf-create": json_hdr + ["-d", AUSF_BODY, AUSF],
    }
    for name, args in reqs.items():
        write("sbi", name, curl_bytes(args))
    write("sbi", "http1", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    write("sbi", "preface-only", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")


def gen_ausf(s):
    # Octet 0: 0 POST the rest to the collection; 1..3 the rest is
    # "PATH\n" and a body, sent with PUT, GET or DELETE.
    reset("ausf")
    write("ausf", "create", b"\x00" + AUSF_BODY.encode())
    write("ausf", "create-missing", b"\x00" + b'{"supiOrSuci": "x"}')
    write("ausf", "create-bad-teid", b"\x00" + AUSF_BODY.replace("0000abcd", "xyz").encode())
    write("ausf", "create-other-url", b"\x00" + AUSF_BODY.replace("127.0.0.1:9", "ca.example").encode())
    write("ausf", "create-not-json", b"\x00" + b"not json")
    root = b"/nausf-auth/v1/ue-authentications"
    write("ausf", "confirm", b"\x01" + root + b"/0123456789abcdef0123456789abcdef/one-way-confirmation\n" +
          b'{"signature": "MEUCIQD"}')
    write("ausf", "get", b"\x02" + root + b"/0123456789abcdef0123456789abcdef\n")
    write("ausf", "delete", b"\x03" + root + b"/0123456789abcdef0123456789abcdef\n")
    write("ausf", "other-path", b"\x02/nausf-auth/v2/x\n")


def gen_portal(s):
    # Octet 0: 0 a sign-up form body, 1 an Accept value, 2 a template,
    # 3 "TOKEN\nURL\nHOST".
    reset("portal")
    write("portal", "form-signup", b"\x00plan=day&name=Ada+L%C3%B6we&email=ada%40example.org&terms=yes&csrf=00")
    write("portal", "form-bad-escape", b"\x00name=%zz&plan=month")
    write("portal", "form-repeated", b"\x00plan=day&plan=month")
    write("portal", "form-empty-name", b"\x00=x&terms")
    write("portal", "form-many", b"\x00" + b"&".join(b"f%d=%d" % (i, i) for i in range(17)))
    write("portal", "accept-browser", b"\x01text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    write("portal", "accept-captive", b"\x01application/captive+json;q=1, application/json;q=0.5")
    write("portal", "accept-params", b'\x01text/plain;charset="utf-8";q=0.7, text/*;q=0')
    write("portal", "accept-empty", b"\x01 ")
    write("portal", "tmpl-sections", b"\x02<p>{{name}}</p>{{#plan}}<b>{{plan}}</b>{{/plan}}{{^unset}}none{{/unset}}")
    write("portal", "tmpl-raw", b"\x02{{&name}}")
    write("portal", "tmpl-unclosed", b"\x02{{#a}}{{#b}}x{{/a}}")
    write("portal", "token-url", b"\x03" + b"0" * 80 + b"\nhttps://portal.example:8443/api/captive\nPORTAL.example.:8443")
    write("portal", "token-url-v6", b"\x03short\nhttp://[2001:db8::1]/\n[2001:db8::1]:80")


def gen_profile(s):
    # Octet 0: bits 0-1 0 a JSON document (bit 2 RSA device, bit 3 CBC),
    # 1/2 a sealed profile (DER) for the EC/RSA device, 3 edits to a
    # genuine sealed profile (offset16, xor). The genuine DER is made by
    # the harness itself from keys it makes: no key is kept here.
    reset("profile")
    doc = (b'{"version": 1, "supi": "imsi-001010000000001", '
           b'"deviceIdentity": "nai-dev0001@maker.example", "issuer": "Operator Example", '
           b'"plmnId": {"mcc": "001", "mnc": "01"}, "k": "000102030405060708090a0b0c0d0e0f", '
           b'"opc": "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", "amf": "8000", "dnn": "internet", '
           b'"sNssai": {"sst": 1, "sd": "000001"}, "plan": {"id": "day", "name": "Day"}, '
           b'"validFrom": "2026-01-01T00:00:00Z", "validUntil": "2026-01-02T00:00:00Z"}')
    write("profile", "doc-ec-gcm", b"\x00" + doc)
    write("profile", "doc-rsa-cbc", b"\x0c" + doc)
    write("profile", "doc-no-sd", b"\x00" + doc.replace(b', "sd": "000001"', b""))
    write("profile", "doc-bad-version", b"\x00" + doc.replace(b'"version": 1', b'"version": 2'))
    write("profile", "der-junk", b"\x01\x30\x82\x01\x00\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x03")
    write("profile", "der-rsa-empty", b"\x02")
    write("profile", "edits-none", b"\x03")
    write("profile", "edits-one", b"\x03\x00\x40\x01")
    write("profile", "edits-rsa-tail", b"\x07\xff\xf0\x80\x00\x10\x02")


def main():
    wanted = sys.argv[1:] or ["worker", "dns", "http", "conf", "auth", "sbi", "ausf",
                             "portal", "profile"]
    s = scapy()
    for h in wanted:
        globals()["gen_" + h](s)


if __name__ == "__main__":
    main()
