#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""real_clients.py: the walled garden's DNS against real clients and servers.

Run as run_limited.py's case "clients" (mode "clients"): gardengate runs in a
network namespace as in the live cases (run_limited.LiveRig), and

* the DN is that namespace's kernel: tg6 holds the N6 next hop
  (198.51.100.254) and routes the UE pool back through gardengate; the
  trusted resolver is Debian's dnsmasq on 203.0.113.53 (dns.resolvers), and
  an untrusted one, another dnsmasq on 203.0.113.66, answers every garden
  name with 203.0.113.99 (the "1.2.3.4" of issue 11);
* the device is a namespace of its own whose only interface is a TUN
  device holding the LIMITED session's UE address (10.45.0.4); a relay
  thread here carries its packets in G-PDUs (its TEID, QFI) to gardengate's
  N3 over tg3 and writes the G-PDUs gardengate sends back to the TUN
  device. Debian's dig (bind9-dnsutils) is the device's stub resolver.

What it proves (doc/garden.rst, the contract):

* dig asking an arbitrary address (198.51.100.77) for a garden name gets
  the trusted resolver's answer, from the address it asked, over UDP and
  over TCP (dig +tcp), and the garden learns it (a TCP connection to the
  learned address and port then opens, end to end);
* dig asking for another name gets the forged portal answer over UDP and a
  connection reset over TCP, and the trusted resolver never sees the name;
* the untrusted resolver never gets a query (dig asking it directly is
  answered by the trusted one), its spontaneous answer is dropped
  (dns_untrusted_answer) and its address never opens;
* tshark reads every frame on N3, checksums checked, and the DNS answers
  the device got come from the addresses it asked.
"""

import fcntl
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import threading
import time

import gtpu_traffic as gt
import run_case as rc
import run_limited as rl

Fail = rc.Fail

ASKED = "198.51.100.77"        # some address the device asks; no server there
TRUSTED = rl.RESOLVER          # 203.0.113.53, dnsmasq
UNTRUSTED = "203.0.113.66"     # dnsmasq answering 203.0.113.99 for everything
UNTRUSTED_A = "203.0.113.99"
CDN_UDP = "198.19.0.10"        # www.ca.example (trusted resolver)
CDN_TCP = "198.19.0.11"        # tcp.ca.example
TUN = "ggue"
TUNSETIFF = 0x400454ca
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


def sh(cmd, check=True):
    return rl.sh(cmd, check)


def gpdu_inner(frame):
    """The T-PDU of a G-PDU frame, or None."""
    if len(frame) < 14 + 20 + 8 + 8 or frame[12:14] != b"\x08\x00":
        return None
    ihl = (frame[14] & 0xF) * 4
    off = 14 + ihl
    if frame[14 + 9] != 17 or struct.unpack("!H", frame[off + 2:off + 4])[0] != gt.GTPU_PORT:
        return None
    off += 8
    flags, mtype, glen = frame[off], frame[off + 1], struct.unpack("!H", frame[off + 2:off + 4])[0]
    if mtype != 0xFF:
        return None
    end = off + 8 + glen
    hdr = 8
    if flags & 0x07:
        hdr = 12
        nxt = frame[off + 11]
        while nxt:
            n = frame[off + hdr] * 4
            if n == 0:
                return None
            nxt = frame[off + hdr + n - 1]
            hdr += n
    return frame[off + hdr:end]


class Relay(threading.Thread):
    """The device's gNB: TUN <-> G-PDUs on tg3."""

    def __init__(self, case, sess, tun_fd, sock):
        super().__init__(daemon=True)
        self.case, self.sess, self.tun, self.sock = case, sess, tun_fd, sock
        self.stop = threading.Event()
        self.sent, self.received = [], []
        self.error = None

    def run(self):
        try:
            while not self.stop.is_set():
                r, _, _ = select.select([self.tun, self.sock], [], [], 0.1)
                if self.tun in r:
                    inner = os.read(self.tun, 65535)
                    if inner and inner[0] >> 4 == 4:
                        frame = self.case.up_frame(self.sess, inner)
                        self.sock.send(frame)
                        self.sent.append(frame)
                if self.sock in r:
                    try:
                        data, addr = self.sock.recvfrom(65535)
                    except BlockingIOError:
                        continue
                    if addr[2] == socket.PACKET_OUTGOING:
                        continue
                    self.received.append(data)
                    inner = gpdu_inner(data)
                    if inner:
                        os.write(self.tun, inner)
        except Exception as ex:   # reported by the case
            self.error = ex


def in_netns(ns, fn):
    """fn() run with this thread in network namespace @ns."""
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open("/var/run/netns/" + ns, os.O_RDONLY)
    try:
        if rl._libc.setns(target, rl.CLONE_NEWNET) != 0:
            raise Fail("setns into %s failed" % ns)
        try:
            return fn()
        finally:
            if rl._libc.setns(own, rl.CLONE_NEWNET) != 0:
                raise Fail("setns back failed")
    finally:
        os.close(own)
        os.close(target)


def open_tun():
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", TUN.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def dnsmasq(ns, workdir, name, addr, extra):
    log = os.path.join(workdir, name + ".log")
    cmd = ["ip", "netns", "exec", ns, "dnsmasq", "--keep-in-foreground", "-C", "/dev/null",
           "--no-resolv", "--no-hosts", "--no-poll", "--user=root", "--pid-file=",
           "--listen-address=" + addr, "--bind-interfaces",
           "--log-queries", "--log-facility=" + log] + extra
    # A group of its own: its children (one per TCP connection) go with it.
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         preexec_fn=rl.die_with_parent, start_new_session=True)
    return p, log


def dig(ue_ns, server, name, tcp=False, qtype="A"):
    cmd = ["ip", "netns", "exec", ue_ns, "dig", "@" + server, name, qtype, "+tries=1",
           "+time=3", "+noall", "+answer", "+comments", "+stats"]
    if tcp:
        cmd.append("+tcp")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    return r.stdout + r.stderr


def listener(ns, addr, port):
    """A TCP server in @ns accepting (and closing) connections."""
    code = ("import socket,sys\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,"
            "socket.SO_REUSEADDR,1)\ns.bind((%r,%d))\ns.listen(8)\nprint('up',flush=True)\n"
            "while True:\n c,_=s.accept()\n c.close()\n" % (addr, port))
    p = subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3", "-c", code],
                         stdout=subprocess.PIPE, text=True, preexec_fn=rl.die_with_parent,
                         start_new_session=True)
    p.stdout.readline()
    return p


def connect(ue_ns, addr, port):
    """'open', 'refused' or 'timeout' for a TCP connection from the device."""
    code = ("import socket\ns=socket.socket()\ns.settimeout(3)\ntry:\n s.connect((%r,%d))\n"
            " print('open')\nexcept ConnectionRefusedError:\n print('refused')\n"
            "except OSError as e:\n print('timeout', e)\n" % (addr, port))
    r = subprocess.run(["ip", "netns", "exec", ue_ns, "/usr/bin/python3", "-c", code],
                       capture_output=True, text=True, timeout=20)
    return r.stdout.split()[0] if r.stdout else "error " + r.stderr


def answers(out):
    """(status, [(name, type, value)], server) from dig's output."""
    st = re.search(r"status: (\w+)", out)
    srv = re.search(r";; SERVER: ([\d.]+)#(\d+)", out)
    recs = re.findall(r"^(\S+)\s+\d+\s+IN\s+(\S+)\s+(\S+)$", out, re.M)
    return (st.group(1) if st else None, recs, srv.group(1) if srv else None)


def tshark_answers(path):
    """[(inner source, qname, [A], checksum statuses)] of the DNS answers in
    the G-PDUs of @path, as tshark decodes them with checksums checked."""
    cmd = ["tshark", "-r", path, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
           "-o", "tcp.check_checksum:TRUE", "-Y", "dns.flags.response == 1", "-T", "fields",
           "-E", "separator=|", "-e", "ip.src", "-e", "dns.qry.name", "-e", "dns.a",
           "-e", "ip.checksum.status", "-e", "udp.checksum.status", "-e", "tcp.checksum.status",
           "-e", "_ws.malformed"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise Fail("tshark: " + r.stderr)
    out = []
    for line in r.stdout.splitlines():
        src, qname, a, ipck, udpck, tcpck, malformed = (line.split("|") + [""] * 7)[:7]
        out.append((src.split(",")[-1], qname, [x for x in a.split(",") if x],
                    ipck + "/" + udpck + "/" + tcpck, malformed))
    return out


class ClientsCase:
    """What run_limited.main() reports of a case."""

    def __init__(self):
        self.inputs = {"n3": [], "n6": []}
        self.streams = {}


def run_clients(args, name, fn, env, conf, workdir):
    if os.geteuid() != 0:
        raise Fail("this case runs namespaces: it needs root")
    for tool, pkg in (("dig", "bind9-dnsutils"), ("dnsmasq", "dnsmasq-base"), ("ip", "iproute2"),
                      ("ethtool", "ethtool")):
        if shutil.which(tool) is None:
            raise Fail("%s is not installed (Debian package %s; scripts/setup.sh)" % (tool, pkg))
    problems = []
    start = time.monotonic()
    ue_ns = "%sue-%d" % (rl.NETNS_PREFIX, os.getpid())
    procs = []
    relay = None
    tun = None
    result = ClientsCase()
    with rl.LiveRig(name, workdir, args.gardengate, conf.path, env) as rig:
        try:
            rig.start()
            case = rl.LimitedCase(env)
            L = env.L
            ns = rig.ns
            # The DN: this namespace's kernel behind tg6.
            sh(["ip", "-n", ns, "link", "set", "lo", "up"])
            sh(["ip", "-n", ns, "addr", "add", env.conf.n6.next_hop + "/24", "dev", "tg6"])
            # A veth leaves checksums to an offload that never happens:
            # gardengate would get (and patch) partial sums. A DN router
            # sends whole ones.
            sh(["ip", "netns", "exec", ns, "ethtool", "-K", "tg6", "tx", "off"])
            for a in (TRUSTED, UNTRUSTED, CDN_UDP, CDN_TCP, UNTRUSTED_A):
                sh(["ip", "-n", ns, "addr", "add", a + "/32", "dev", "lo"])
            sh(["ip", "-n", ns, "neigh", "replace", env.n6, "lladdr", env.mac["n6"], "dev", "tg6"])
            sh(["ip", "-n", ns, "route", "add", "10.45.0.0/16", "via", env.n6, "dev", "tg6"])
            # The device.
            sh(["ip", "netns", "add", ue_ns])
            sh(["ip", "netns", "exec", ue_ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1"])
            tun = in_netns(ue_ns, open_tun)
            for cmd in (["link", "set", "lo", "up"], ["link", "set", TUN, "mtu", "1400", "up"],
                        ["addr", "add", L.ue + "/32", "dev", TUN],
                        ["route", "add", "default", "dev", TUN]):
                sh(["ip", "-n", ue_ns] + cmd)
            relay = Relay(case, L, tun, rig.socks["n3"])
            relay.start()
            trusted, tlog = dnsmasq(ns, workdir, "dnsmasq-trusted", TRUSTED,
                                    ["--host-record=www.ca.example," + CDN_UDP,
                                     "--host-record=tcp.ca.example," + CDN_TCP,
                                     "--address=/portal.example/" + env.pol.portal])
            untrusted, ulog = dnsmasq(ns, workdir, "dnsmasq-untrusted", UNTRUSTED,
                                      ["--address=/ca.example/" + UNTRUSTED_A,
                                       "--address=/portal.example/" + UNTRUSTED_A])
            procs += [trusted, untrusted]
            for port in (443, 8443):
                for a in (CDN_UDP, CDN_TCP, UNTRUSTED_A):
                    procs.append(listener(ns, a, port))
            time.sleep(0.5)
            for p, what in ((trusted, "trusted"), (untrusted, "untrusted")):
                if p.poll() is not None:
                    raise Fail("dnsmasq (%s) exited: %s" % (what, p.stderr.read().decode()))

            steps = []

            def expect(what, cond, out):
                steps.append("%s: %s" % ("ok" if cond else "FAILED", what))
                if not cond:
                    problems.append("%s:\n%s" % (what, out))

            # 1. A garden name over UDP, asked of an address with no server.
            out = dig(ue_ns, ASKED, "www.ca.example")
            st, recs, srv = answers(out)
            expect("dig @%s www.ca.example: the trusted resolver's answer from %s"
                   % (ASKED, ASKED),
                   st == "NOERROR" and recs == [("www.ca.example.", "A", CDN_UDP)]
                   and srv == ASKED and "unexpected source" not in out, out)
            expect("after it, %s:443 opens (ca.example tcp 443)" % CDN_UDP,
                   connect(ue_ns, CDN_UDP, 443) == "open", "")
            expect("%s:8443 stays shut (not in ca.example's scope)" % CDN_UDP,
                   connect(ue_ns, CDN_UDP, 8443) == "refused", "")
            # 2. Another name over UDP: the portal.
            out = dig(ue_ns, ASKED, "example.com")
            st, recs, srv = answers(out)
            expect("dig @%s example.com: the forged portal answer" % ASKED,
                   st == "NOERROR" and recs == [("example.com.", "A", env.pol.portal)]
                   and srv == ASKED, out)
            # 3. A garden name over TCP.
            expect("%s:443 shut before its TCP answer" % CDN_TCP,
                   connect(ue_ns, CDN_TCP, 443) == "refused", "")
            out = dig(ue_ns, ASKED, "tcp.ca.example", tcp=True)
            st, recs, srv = answers(out)
            expect("dig +tcp @%s tcp.ca.example: the answer over TCP from %s" % (ASKED, ASKED),
                   st == "NOERROR" and recs == [("tcp.ca.example.", "A", CDN_TCP)]
                   and srv == ASKED and "(TCP)" in out, out)
            expect("after it, %s:443 opens (learned from the TCP answer)" % CDN_TCP,
                   connect(ue_ns, CDN_TCP, 443) == "open", "")
            # 4. Another name over TCP: reset, never forwarded.
            out = dig(ue_ns, ASKED, "example.net", tcp=True)
            st, recs, srv = answers(out)
            expect("dig +tcp @%s example.net: connection reset, no answer" % ASKED,
                   not recs and re.search(r"reset|refused|communications error", out, re.I)
                   is not None, out)
            # 5. The untrusted resolver, asked directly: the trusted one answers.
            out = dig(ue_ns, UNTRUSTED, "vpn.portal.example")
            st, recs, srv = answers(out)
            expect("dig @%s vpn.portal.example: the trusted answer (%s), from %s"
                   % (UNTRUSTED, env.pol.portal, UNTRUSTED),
                   st == "NOERROR" and recs == [("vpn.portal.example.", "A", env.pol.portal)]
                   and srv == UNTRUSTED, out)
            out = dig(ue_ns, UNTRUSTED, "www.ca.example", tcp=True)
            st, recs, srv = answers(out)
            expect("dig +tcp @%s www.ca.example: the trusted answer, from %s"
                   % (UNTRUSTED, UNTRUSTED),
                   st == "NOERROR" and recs == [("www.ca.example.", "A", CDN_UDP)]
                   and srv == UNTRUSTED, out)
            # Its spontaneous answer, A 203.0.113.99 TTL 86400.
            before = rig.stats()
            msg = rl.dns_answer_a(0x6666, "vpn.portal.example", [UNTRUSTED_A], ttl=86400)
            rig.send("n6", case.dn_frame(gt.ipv4_udp(UNTRUSTED, L.ue, 53, 33333, msg)))
            idx, st_ = rig.wait_stats({"drop_dns_untrusted_answer":
                                       before.get("drop_dns_untrusted_answer", 0) + 1})
            expect("the untrusted resolver's own answer is dropped (dns_untrusted_answer)",
                   idx == 0, str(st_))
            for port in (443, 8443):
                expect("%s:%d never opens" % (UNTRUSTED_A, port),
                       connect(ue_ns, UNTRUSTED_A, port) == "refused", "")

            time.sleep(0.3)
            with open(ulog) as f:
                ul = f.read()
            expect("the untrusted resolver never got a query", "query[" not in ul, ul)
            with open(tlog) as f:
                tl = f.read()
            for n in ("example.com", "example.net"):
                expect("the trusted resolver never got %s" % n,
                       re.search(r"query\[\w+\] %s from" % re.escape(n), tl) is None, tl)
            for n in ("www.ca.example", "tcp.ca.example", "vpn.portal.example"):
                expect("the trusted resolver answered %s" % n,
                       re.search(r"query\[A\] %s from" % re.escape(n), tl) is not None, tl)

            st = rig.stats()
            for k, want in (("dns_forged", 1), ("dns_snooped", (3, 5)),
                            ("drop_dns_untrusted_answer", 1), ("dns_tcp_forward", (6, 40)),
                            ("dns_refused", 1), ("tcp_rst_refused", (1, 10)),
                            ("garden_learned", (3, 5))):
                v = st.get(k, 0)
                ok = v == want if isinstance(want, int) else want[0] <= v <= want[1]
                expect("counter %s = %s (want %s)" % (k, v, want), ok, "")
            bad = {k: v for k, v in st.items() if k.startswith("drop_") and v and
                   k not in ("drop_dns_untrusted_answer",)}
            expect("no other drop", not bad, str(bad))
            with open(os.path.join(workdir, "steps.txt"), "w") as f:
                f.write("\n".join(steps) + "\n")
        finally:
            if relay is not None:
                relay.stop.set()
                relay.join(2)
                if relay.error:
                    problems.append("relay: %r" % relay.error)
                gt.write_pcap(os.path.join(workdir, "n3-in.pcap"), relay.sent)
                gt.write_pcap(os.path.join(workdir, "n3-out.pcap"), relay.received)
                result.inputs["n3"] = relay.sent
                result.streams = {("n3", "n3"): relay.received}
            for p in procs:
                try:
                    os.killpg(p.pid, 9)
                except (ProcessLookupError, PermissionError):
                    p.kill()
                p.wait()
            if tun is not None:
                os.close(tun)
            sh(["ip", "netns", "del", ue_ns], check=False)
        rcode, out, err = rig.stop()
    if rcode != 0:
        problems.append("gardengate exited with %s on SIGINT: %s" % (rcode, rc.tail(err)))
    # tshark: every DNS answer the device got, from the address it asked,
    # checksums right.
    seen = tshark_answers(os.path.join(workdir, "n3-out.pcap"))
    want = {("www.ca.example", ASKED), ("example.com", ASKED), ("tcp.ca.example", ASKED),
            ("vpn.portal.example", UNTRUSTED), ("www.ca.example", UNTRUSTED)}
    got = {(q, src) for src, q, _, _, _ in seen}
    if not want <= got:
        problems.append("tshark: answers (name, source) %s, missing %s" % (got, want - got))
    for src, q, a, ck, malformed in seen:
        if src == TRUSTED or UNTRUSTED_A in a or "0" in re.split(r"[/,]", ck) or malformed:
            problems.append("tshark: answer %s from %s A %s checksums %s malformed %r"
                            % (q, src, a, ck, malformed))
    return problems, result, time.monotonic() - start
