#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Rough packet rates: gardengate next to testpmd io forwarding, same input,
same run, interleaved (A B A B ...).

For each path (uplink decapsulation, downlink encapsulation) it writes a pcap
of 10,000 packets over 1,000 sessions, then runs, ROUNDS times each, DPDK's
testpmd in io mode and gardengate with one worker, both reading the pcap with
net_pcap infinite_rx=1 and sending to net_null. Rates are the median of the
per-second samples after a warm-up. Prints Mpps and gardengate / testpmd.

This is the first, rough measurement; the perf harness (test/perf) refines it.
Usage: rough_mpps.py BUILD_DIR [ROUNDS]
"""
import os
import random
import re
import socket
import statistics
import struct
import subprocess
import sys
import tempfile

N_PKTS = 10000
N_SESS = 1000
RUN_S = 6
WARMUP_S = 2
N3_ADDR, GNB = "192.0.2.1", "192.0.2.10"


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ipv4(src, dst, proto, payload, ttl=64):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, ttl, proto,
                    0, socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


ETH = bytes.fromhex("020000000001" "02000000fe03") + b"\x08\x00"


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for fr in frames:
            f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)


def sessions():
    rnd = random.Random(7)
    teids = rnd.sample(range(1, 1 << 32), N_SESS)
    return [(teids[i], "10.45.%d.%d" % (i // 250, i % 250 + 2), 0x10000 + i)
            for i in range(N_SESS)]


def gen(workdir):
    sess = sessions()
    rnd = random.Random(11)
    ul, dl = [], []
    for i in range(N_PKTS):
        teid, ue, _ = sess[rnd.randrange(N_SESS)]
        inner = ipv4(ue, "203.0.113.10", 17, udp(1000 + i % 1000, 53, b"q" * 18))
        gtp = struct.pack("!BBHI", 0x30, 0xff, len(inner), teid) + inner
        ul.append(ETH + ipv4(GNB, N3_ADDR, 17, udp(2152, 2152, gtp)))
        dl.append(ETH + ipv4("203.0.113.10", ue, 17, udp(53, 1000 + i % 1000, b"r" * 18)))
    write_pcap(os.path.join(workdir, "ul.pcap"), ul)
    write_pcap(os.path.join(workdir, "dl.pcap"), dl)
    conf = open("config/gardengate.conf").read()
    static = ",\n".join('{ ue = "%s"; ul_teid = 0x%08x; gnb = "%s"; dl_teid = 0x%x; qfi = 9; }'
                        % (ue, teid, GNB, dl_teid) for teid, ue, dl_teid in sess)
    conf = re.sub(r"static = \(.*?\n  \);", "static = (\n" + static + "\n  );", conf, flags=re.S)
    conf = conf.replace("mbufs = 16383", "mbufs = 65535")
    conf = conf.replace("stats_interval = 0", "stats_interval = 1")
    path = os.path.join(workdir, "perf.conf")
    open(path, "w").write(conf)
    return path


EAL = ["--no-huge", "--no-pci", "-m", "1024", "-l", "0-1"]


def median_after_warmup(samples):
    s = samples[WARMUP_S:]
    return statistics.median(s) if s else 0.0


def run_testpmd(pcap, tag):
    cmd = ["dpdk-testpmd"] + EAL + ["--file-prefix", "ggperf-tp-" + tag,
           "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap,
           "--vdev", "net_null0,no-rx=1", "--", "--forward-mode=io",
           "--total-num-mbufs=65536", "--stats-period=1", "--nb-cores=1"]
    out = run_for(cmd)
    rx = [int(x) / 1e6 for x in re.findall(r"Rx-pps:\s+(\d+)", out)[0::2]]
    return median_after_warmup(rx)


def run_gardengate(build, conf, path, pcap, tag):
    src = "net_pcap_in,rx_pcap=%s,infinite_rx=1" % pcap
    sink = "net_null_out,no-rx=1"
    n3, n6 = (src, sink) if path == "ul" else (sink, src)
    cmd = [os.path.join(build, "app/gardengate/gardengate")] + EAL + [
        "--file-prefix", "ggperf-gg-" + tag, "--", "-f", conf, "--n3", n3, "--n6", n6,
        "--duration", str(RUN_S)]
    out = run_for(cmd)
    key = "n3" if path == "ul" else "n6"
    pairs = re.findall(r"rx n3 ([\d.]+) n6 ([\d.]+) Mpps", out)
    rx = [float(a if key == "n3" else b) for a, b in pairs]
    return median_after_warmup(rx)


def run_for(cmd):
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = p.communicate(timeout=RUN_S + 20) if "gardengate" in cmd[0] else \
            communicate_then_stop(p)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    return out


def communicate_then_stop(p):
    import time
    time.sleep(RUN_S)
    p.send_signal(2)
    return p.communicate(timeout=20)


def main():
    build = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as wd:
        conf = gen(wd)
        for path in ("ul", "dl"):
            pcap = os.path.join(wd, path + ".pcap")
            tp, gg = [], []
            for r in range(rounds):
                tp.append(run_testpmd(pcap, path))
                gg.append(run_gardengate(build, conf, path, pcap, path))
            t, g = statistics.median(tp), statistics.median(gg)
            print("%s: testpmd io %.2f Mpps %s, gardengate %.2f Mpps %s, ratio %.2f"
                  % ("uplink decap " if path == "ul" else "downlink encap", t,
                     ["%.2f" % x for x in tp], g, ["%.2f" % x for x in gg],
                     g / t if t else 0))


if __name__ == "__main__":
    main()
