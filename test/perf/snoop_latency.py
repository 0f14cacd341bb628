#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""snoop_latency.py: how long a garden DNS answer spends in gardengate,
from its arrival on N6 to its departure on N3, with the control lcore
idle or busy. A benchmark: it prints figures and asserts nothing about
them (doc/garden.rst, "Latency of garden answers", has the method and the
results).

    snoop_latency.py --gardengate PATH [--builddir DIR] [--samples N]
                     [--hogs K] [--admin-flood]

gardengate runs as run_limited.py's live cases run it (a network
namespace, net_af_packet on two veth pairs, test/pcap/limited-test.conf,
EAL -l 0-1: the control lcore on CPU 0, the worker on CPU 1). For each
sample the device (session L of the config) asks the trusted resolver
for ca.example (a garden name) and the resolver's answer is sent on N6
once the query came out; the next sample starts when the answer came out
on N3 (or after 10 s: counted as lost).

Timestamps are the kernel's (SO_TIMESTAMPNS, one clock), taken by packet
sockets on gardengate's own interfaces: the answer's arrival on N6 (gg6,
incoming), its departure on N3 (gg3, outgoing: stamped when the af_packet
PMD's transmit hands it to the kernel, in the worker's own system call).
So the figure is the worker's and, when it holds the answer, the control
lcore's time, plus the af_packet PMD's polling and kick.

--full measures, as a control, a plain datagram to a FULL session
instead (the worker alone, whatever the control lcore does).

The benchmark itself runs on CPU 0, so that it never takes the worker's
CPU. Contention: --hogs K starts K busy loops pinned to CPU 0 (taskset), at
the control lcore's priority, for the duration of the measurement (the
issue's "CPU contention"); --admin-flood keeps a client sending
/gardengate/garden telemetry requests, which the control lcore answers.
Everything started here is stopped by process id on every exit path.
"""

import argparse
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pcap"))
import gtpu_traffic as gt  # noqa: E402
import run_limited as rl  # noqa: E402

SO_TIMESTAMPNS = 35
SCM_TIMESTAMPNS = SO_TIMESTAMPNS
NAME = "ca.example"
ANSWER_ADDR = "198.19.0.10"
SAMPLE_TIMEOUT_S = 10.0


def stamped_socket(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((ifname, 0))
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), 8 << 20)
    s.setblocking(False)
    return s


def in_netns(ns, fn):
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open("/var/run/netns/" + ns, os.O_RDONLY)
    try:
        if rl._libc.setns(target, rl.CLONE_NEWNET) != 0:
            raise rl.Fail("setns into %s failed" % ns)
        try:
            return fn()
        finally:
            rl._libc.setns(own, rl.CLONE_NEWNET)
    finally:
        os.close(own)
        os.close(target)


def recv_until(s, match, deadline, outgoing=False):
    """(kernel timestamp in ns, frame) of the first incoming (or, with
    @outgoing, outgoing) frame on @s for which @match(frame) holds, or
    (None, None) at @deadline."""
    import select
    while True:
        wait = deadline - time.monotonic()
        if wait <= 0:
            return None, None
        r, _, _ = select.select([s], [], [], wait)
        if not r:
            continue
        try:
            data, anc, _, addr = s.recvmsg(65535, socket.CMSG_SPACE(16))
        except BlockingIOError:
            continue
        if (addr[2] == socket.PACKET_OUTGOING) != outgoing:
            continue
        ts = None
        for level, typ, val in anc:
            if level == socket.SOL_SOCKET and typ == SCM_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", val[:16])
                ts = sec * 1000000000 + nsec
        if match(data):
            return ts, data


def drain(s):
    while True:
        try:
            s.recv(65535)
        except BlockingIOError:
            return


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def start_hogs(k):
    procs = []
    for _ in range(k):
        procs.append(subprocess.Popen(["taskset", "-c", "0", "sh", "-c", "while :; do :; done"],
                                      stdin=subprocess.DEVNULL, start_new_session=True,
                                      preexec_fn=rl.die_with_parent))
    return procs


def admin_flood(prefix, stop):
    """Telemetry requests the control lcore must serve, back to back."""
    tel = rl.Telemetry(prefix, time.monotonic() + 5)
    n = 0
    try:
        while not stop.is_set():
            tel.cmd("/gardengate/garden")
            n += 1
    except Exception:
        pass
    finally:
        tel.close()
    return n


class _Popen(subprocess.Popen):
    """gardengate's N3 port with qdisc_bypass=0: the af_packet PMD then
    sends through dev_queue_xmit(), where a packet socket on gg3 sees, and
    stamps, each frame as the worker's system call sends it. (With the
    bypass, the only stamp would be the peer's receive, in a softirq that
    waits for CPU 1, busy with the worker: milliseconds of the kernel's
    own, not gardengate's.)"""

    def __init__(self, args, *a, **kw):
        args = [x.replace("iface=gg3", "iface=gg3,qdisc_bypass=0")
                if isinstance(x, str) else x for x in args]
        super().__init__(args, *a, **kw)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gardengate", required=True)
    ap.add_argument("--builddir", default="build")
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--hogs", type=int, default=0)
    ap.add_argument("--admin-flood", action="store_true")
    ap.add_argument("--label", default="")
    ap.add_argument("--full", action="store_true",
                    help="the control: a plain downlink datagram to a FULL session instead")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("snoop_latency.py: needs root (network namespace)", file=sys.stderr)
        return 2
    # This process sends from CPU 0, the control lcore's, never taking the
    # worker's CPU 1 (where a deployment would run nothing else).
    os.sched_setaffinity(0, {0})

    workdir = os.path.abspath(os.path.join(args.builddir, "snoop-latency"))
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    conf_path = os.path.join(workdir, "gardengate.conf")
    with open(rl.BASE_CONF) as f:
        text = rl.derive_conf(f.read(), {})
    with open(conf_path, "w") as f:
        f.write(text)
    conf = gt.GatewayConf(conf_path)
    env = rl.LimitedEnv(conf)
    hogs = []
    stop = threading.Event()
    flood = None
    signal.signal(signal.SIGTERM, rl.on_sigterm)
    rl.subprocess.Popen = _Popen
    rl.LIVE_DURATION_S = 1800
    with rl.LiveRig("snoop-latency", workdir, args.gardengate, conf_path, env) as rig:
        try:
            rig.start()
            c = rl.LiveCase(env, rig)
            n6_in = in_netns(rig.ns, lambda: stamped_socket(rl.LIVE_IFACES["n6"][0]))
            n3_out = in_netns(rig.ns, lambda: stamped_socket(rl.LIVE_IFACES["n3"][0]))
            tg6 = rig.socks["n6"]
            hogs = start_hogs(args.hogs)
            if args.admin_flood:
                flood = threading.Thread(target=admin_flood, args=(rig.prefix, stop))
                flood.start()
            time.sleep(0.5)
            s = env.L
            lat, lost = [], 0
            for i in range(args.samples):
                if rig.proc.poll() is not None:
                    raise rl.Fail("gardengate exited")
                if args.full:
                    inner = gt.ipv4_udp("198.51.100.99", env.A.ue, 4000, 5000,
                                        struct.pack("!I", i) + bytes(60))
                    tail = inner[-64:]
                    drain(n6_in)
                    rig.send("n6", c.dn_frame(inner))
                    t0, _ = recv_until(n6_in, lambda f: f.endswith(tail),
                                       time.monotonic() + SAMPLE_TIMEOUT_S)
                    t1, _ = recv_until(n3_out, lambda f: f.endswith(tail),
                                       time.monotonic() + SAMPLE_TIMEOUT_S, True)
                    if t0 is None or t1 is None:
                        lost += 1
                    else:
                        lat.append((t1 - t0) / 1000.0)
                    time.sleep(0.0002)
                    continue
                qid = 0x1000 + (i & 0x7fff)
                port = 20000 + (i % 20000)
                q = rl.Q(qid, NAME)
                rig.send("n3", c.up_frame(s, c.dns_inner(s, q, rl.RESOLVER, port,
                                                          ident=qid)))
                # The query out on N6: the answer may come.
                _, got = recv_until(tg6, lambda f: len(f) > 42 and f[23] == 17 and
                                  f[36:38] == b"\x00\x35" and f[34:36] == struct.pack("!H", port),
                                  time.monotonic() + SAMPLE_TIMEOUT_S)
                if got is None:
                    if os.environ.get("SNOOP_DEBUG"):
                        print("query %d not seen on N6" % i, file=sys.stderr)
                    lost += 1
                    continue
                drain(n6_in)
                msg = rl.dns_answer_a(qid, NAME, [ANSWER_ADDR])
                inner = gt.ipv4_udp(rl.RESOLVER, s.ue, 53, port, msg)
                tail = inner[-len(msg):]
                rig.send("n6", c.dn_frame(inner))
                t0, _ = recv_until(n6_in, lambda f: f.endswith(tail),
                                   time.monotonic() + SAMPLE_TIMEOUT_S)
                t1, _ = recv_until(n3_out, lambda f: f.endswith(tail),
                                   time.monotonic() + SAMPLE_TIMEOUT_S, True)
                if t0 is None or t1 is None:
                    lost += 1
                    continue
                lat.append((t1 - t0) / 1000.0)
            stats = rig.stats()
            if os.environ.get("SNOOP_DEBUG"):
                print({k: v for k, v in stats.items() if v}, file=sys.stderr)
        finally:
            stop.set()
            for p in hogs:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
            if flood is not None:
                flood.join(10)
        rig.stop()
    if not lat:
        print("no sample", file=sys.stderr)
        return 1
    print("%s%s%s samples %d lost %d  latency us: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f  "
          "(dns_snooped %s, dns_snoop_held %s, garden_learned %s)"
          % (args.label + ": " if args.label else "", "FULL datagram, " if args.full else "",
             "hogs %d%s," % (args.hogs, " + admin flood" if args.admin_flood else ""),
             len(lat), lost, pct(lat, 50), pct(lat, 90), pct(lat, 99), max(lat),
             stats.get("dns_snooped"), stats.get("dns_snoop_held"),
             stats.get("garden_learned")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
