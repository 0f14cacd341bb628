#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Test of net_gtpgen, the zero-copy traffic source (drivers/net/gtpgen):
DPDK's testpmd loads it with -d and forwards its frames in macswap mode (it
swaps the MACs in place, as an application rewriting headers does) to a
net_pcap sink; the frames written are checked:

  - every frame is one of the set, MACs swapped exactly once: a frame
    handed out again had its headers restored (a second swap would show);
  - more frames than the set holds went through (the set was reused);
  - mode=ul: each G-PDU's TEID belongs to a session of
    perf_inputs.gtpgen_sessions() (the Python mirror that writes
    gardengate's configuration), with its QFI's PDU Session Container iff
    the session has one, and the inner destination in the UE's session;
    the IPv4 and inner UDP checksums are right;
  - pcap=FILE: the frames are those of the file, in order;
  - bad devargs make the port fail to probe.

Usage: test_gtpgen.py BUILD_DIR   (exit 0: passed; 77: skipped)
"""

import os
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import perf_inputs as pi  # noqa: E402

gt = pi.gt
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL: " + what)
    return cond


def testpmd(pmd, vdev, out_pcap, seconds=0.5, want_octets=0):
    """testpmd -d @pmd, --vdev @vdev as port 0, a net_pcap sink writing
    @out_pcap as port 1, macswap from port 0 to port 1 for @seconds, or
    until @out_pcap holds @want_octets (at most 30 s: a loaded machine
    starts slowly); returns (exit code, output)."""
    prefix = "ggtest-gtpgen-%d" % os.getpid()
    cmd = ["timeout", "-s", "INT", "-k", "5", "60", "dpdk-testpmd", "--no-huge", "--no-pci",
           "-m", "512", "-l", "0-1", "--file-prefix", prefix, "--log-level", "pmd.net.*:info",
           "-d", pmd, "--vdev", vdev, "--vdev", "net_pcap_sink,tx_pcap=%s" % out_pcap,
           "--", "-i", "--forward-mode=macswap", "--nb-cores=1", "--total-num-mbufs=16384",
           "--port-topology=chained"]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        p.stdin.write("start\n")
        p.stdin.flush()
        time.sleep(seconds)
        deadline = time.monotonic() + 30
        while want_octets and time.monotonic() < deadline and p.poll() is None and \
                (not os.path.exists(out_pcap) or os.path.getsize(out_pcap) < want_octets):
            time.sleep(0.2)
        p.stdin.write("stop\nquit\n")
        p.stdin.flush()
    except BrokenPipeError:
        pass
    out, _ = p.communicate(timeout=60)
    subprocess.run(["rm", "-rf", "/var/run/dpdk/" + prefix])
    return p.returncode, out


def ipv4_ok(b):
    ihl = (b[0] & 0xF) * 4
    return gt.checksum_ok(b[:ihl])


def udp_ok(ip):
    ihl = (ip[0] & 0xF) * 4
    seg = ip[ihl:struct.unpack("!H", ip[2:4])[0]]
    if struct.unpack("!H", seg[6:8])[0] == 0:
        return True
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, len(seg))
    return gt.checksum_ok(pseudo + seg)


def swapped(frame):
    return frame[6:12] + frame[0:6] + frame[12:]


def test_generated(pmd, tmp):
    out = os.path.join(tmp, "ul.pcap")
    # 64 frames of 92 to 250 octets: 8 passes over the set hold >= 47 KB.
    rc, log = testpmd(pmd, "net_gtpgen0,mode=ul,sessions=16,seed=7,frames=64,size=64-200", out,
                      want_octets=64 * 8 * (250 + 16))
    if not check(rc == 0, "mode=ul: testpmd exit %d\n%s" % (rc, log[-2000:])):
        return
    frames = gt.read_pcap(out)
    check(len(frames) > 3 * 64, "mode=ul: %d frames forwarded, the set of 64 not reused"
          % len(frames))
    sess = {s.ul_teid: s for s in pi.gtpgen_sessions(16, seed=7)}
    bad = 0
    for f in frames:
        ok = f[0:6] == gt.mac_bytes("02:00:00:00:03:fe") and \
            f[6:12] == gt.mac_bytes("02:67:74:70:67:00")
        ip = f[14:]
        ok = ok and ipv4_ok(ip) and ip[9] == 17
        gtp = ip[28:]
        teid = struct.unpack("!I", gtp[4:8])[0]
        s = sess.get(teid)
        ok = ok and s is not None and gtp[1] == 0xff
        if ok:
            has_ext = bool(gtp[0] & 0x04)
            ok = has_ext == (s.qfi is not None)
            inner = gtp[16:] if has_ext else gtp[8:]
            if has_ext:
                ok = ok and gtp[11] == 0x85 and gtp[14] == s.qfi
            ok = ok and ipv4_ok(inner) and udp_ok(inner) and \
                gt.ip_str(inner[12:16]) == s.ue
        bad += not ok
    check(bad == 0, "mode=ul: %d of %d frames wrong (MACs not swapped once, unknown "
          "TEID, QFI or UE, bad checksum)" % (bad, len(frames)))
    used = {struct.unpack("!I", f[14 + 28 + 4:14 + 28 + 8])[0] for f in frames}
    check(len(used) >= 8, "mode=ul: frames use only %d of 16 sessions" % len(used))


def test_pcap(pmd, tmp):
    src = os.path.join(tmp, "in.pcap")
    frames = [gt.ether("02:70:63:61:70:00", "02:00:00:00:06:fe", gt.ETH_P_IPV4,
                       gt.ipv4_udp("203.0.113.10", "10.64.0.%d" % (i + 1), 1000 + i, 2000,
                                   bytes([i]) * (30 + 13 * i)))
              for i in range(100)]
    gt.write_pcap(src, frames)
    out = os.path.join(tmp, "pcap-out.pcap")
    rc, log = testpmd(pmd, "net_gtpgen0,pcap=%s" % src, out, seconds=0.3,
                      want_octets=sum(len(f) + 16 for f in frames) * 4)
    if not check(rc == 0, "pcap=: testpmd exit %d\n%s" % (rc, log[-2000:])):
        return
    got = gt.read_pcap(out)
    # More frames than a burst (32): testpmd frees a burst before it asks
    # for the next, so no frame is still held when its turn comes.
    check(len(got) > 200, "pcap=: %d frames forwarded, the set of 100 not reused" % len(got))
    # testpmd drains the RX queues before it forwards: the first frame
    # written may be any of the file's; the order from there is the file's.
    k = next((j for j, f in enumerate(frames) if got and swapped(f) == got[0]), 0)
    wrong = [i for i, f in enumerate(got) if f != swapped(frames[(k + i) % len(frames)])]
    check(not wrong, "pcap=: %d of %d frames differ from the file's (first: %s)"
          % (len(wrong), len(got), wrong[:3]))


def test_bad_devargs(pmd, tmp):
    for args in ("mode=bogus", "mode=ul,size=10", "pcap=/nonexistent.pcap", "",
                 "mode=ul,pcap=%s" % os.path.join(tmp, "in.pcap")):
        rc, log = testpmd(pmd, "net_gtpgen0" + ("," + args if args else ""),
                          os.path.join(tmp, "bad.pcap"), seconds=0.1)
        check("net_gtpgen" in log and ("bad devargs" in log or "give pcap" in log or
                                       "not a readable" in log or "exclude" in log or
                                       "No such file" in log),
              "devargs %r: no complaint from net_gtpgen\n%s" % (args, log[-1500:]))
        check("Port 0: 02:67" not in log, "devargs %r: the port came up" % args)


def main():
    build = os.path.abspath(sys.argv[1])
    pmd = os.path.join(build, "drivers", "net", "gtpgen", "librte_net_gtpgen.so")
    if not os.path.exists(pmd):
        print("SKIP: no %s (scripts/dpdk-sdk.sh, then rebuild)" % pmd)
        return 77
    pmd = pi.trusted_plugin(pmd)
    with tempfile.TemporaryDirectory(prefix="ggtest-gtpgen-") as tmp:
        test_generated(pmd, tmp)
        test_pcap(pmd, tmp)
        test_bad_devargs(pmd, tmp)
    print("%d passed, %d failed" % (0 if FAILS else 1, 1 if FAILS else 0))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
