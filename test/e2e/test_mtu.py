#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""test_mtu.py: a UE at MTU 1500 behind the tunnel (issue 12, "MTU black
hole"), on the topology of topo.py with real clients.

    test_mtu.py --builddir BUILD [--srcdir SRC] [--workdir DIR] [--mbytes N]

gg-uesim tunnel brings up the static FULL session with its TUN at MTU
1500 (not 1400): every full-sized segment would exceed the N3 MTU (1500)
once tunnelled. Then, in the UE's namespace:

  * curl downloads N MB (default 50) from the web server of the data
    network; its sha256 must match. Before MSS clamping the server's
    1460-octet segments were dropped (dl_too_big) and curl got 0 bytes;
    now the SYNs leave with MSS 1416 (tcp_mss_clamped counts them) and
    nothing is too big;
  * from the data network, ping -M do -s 1472 to the UE: gardengate
    answers with ICMP Fragmentation Needed, MTU 1456, which ping reports
    (path MTU discovery works);
  * from the data network, ping -M dont -s 1472: the outer packet is
    fragmented (dl_fragmented), the gNB's kernel reassembles it, the UE
    answers, and the answer comes back.

Every namespace, link and process is removed on every exit path. Skips
(exit 77) without root or the tools.
"""
import argparse
import hashlib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import netns as nn  # noqa: E402
import topo  # noqa: E402
from netns import Fail, check  # noqa: E402

UE_MTU = 1500


def write_blob(path, mbytes):
    """@mbytes MiB of a fixed pattern; its sha256."""
    h = hashlib.sha256()
    chunk = bytes((i * 131 + (i >> 11)) & 0xff for i in range(1 << 20))
    with open(path, "wb") as f:
        for k in range(mbytes):
            block = bytes([k & 0xff]) + chunk[1:]
            f.write(block)
            h.update(block)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--builddir", default="build")
    ap.add_argument("--srcdir", default=os.path.dirname(os.path.dirname(HERE)))
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--mbytes", type=int, default=50)
    a = ap.parse_args()
    try:
        nn.need_root(("ip", "ethtool", "dnsmasq", "redis-server", "curl", "ping"))
    except nn.Skip as e:
        print("SKIP: %s" % e)
        return 77
    lab = nn.Lab("gge2e-mtu", a.workdir or os.path.join(a.builddir, "test", "e2e", "mtu"))
    lab.install_signal_handlers()
    try:
        t = topo.Topology(lab, a.builddir, a.srcdir)
        t.up()
        want = write_blob(os.path.join(t.work, "www", "big.bin"), a.mbytes)
        s = topo.STATIC_FULL
        t.start_tunnel("--ue-ip", s["ue"], "--n3", topo.N3, "--teid-ul", "0x%x" % s["ul_teid"],
                       "--teid-dl", "0x%x" % s["dl_teid"], "--qfi", str(s["qfi"]),
                       "--mtu", str(UE_MTU))
        p = t.ue_run(["ip", "link", "show", topo.TUN], check_rc=True)
        check("mtu %d" % UE_MTU in p.stdout, "TUN MTU is not %d: %s" % (UE_MTU, p.stdout))

        # 1. The download, whole, at MTU 1500.
        out = os.path.join(t.work, "got.bin")
        p = t.ue_run(["curl", "-sS", "--max-time", "180", "-o", out,
                      "http://%s/big.bin" % topo.WEB], timeout=200)
        got = hashlib.sha256(open(out, "rb").read()).hexdigest() if os.path.exists(out) else None
        size = os.path.getsize(out) if os.path.exists(out) else 0
        check(p.returncode == 0 and got == want,
              "curl of %d MiB at UE MTU %d: exit %d, %d bytes, sha256 %s (want %s): %s"
              % (a.mbytes, UE_MTU, p.returncode, size, got, want, p.stderr.strip()))
        clamped = t.stat("tcp_mss_clamped")
        check(clamped >= 2, "tcp_mss_clamped = %s after the download (SYN and SYN-ACK)" % clamped)
        print("PASS: %d MiB at UE MTU %d, sha256 right; tcp_mss_clamped %d, dl_too_big %d"
              % (a.mbytes, UE_MTU, clamped, t.stat("dl_too_big")))

        # 2. Path MTU discovery from the data network: DF, too big.
        p = nn.run(["ping", "-n", "-c", "2", "-W", "2", "-M", "do", "-s", "1472", s["ue"]],
                   ns=t.dn, check_rc=False, timeout=20)
        text = p.stdout + p.stderr
        check(re.search(r"[Ff]rag needed.*mtu\s*=\s*1456|mtu\s*=\s*1456", text),
              "ping -M do -s 1472 to the UE: no Fragmentation Needed with MTU 1456:\n%s" % text)
        check(t.stat("dl_frag_needed_sent") >= 1, "dl_frag_needed_sent is 0")
        print("PASS: DF too big: Fragmentation Needed, MTU 1456")

        # 3. No DF: outer fragments, reassembled by the gNB's kernel.
        p = nn.run(["ping", "-n", "-c", "3", "-W", "3", "-M", "dont", "-s", "1472", s["ue"]],
                   ns=t.dn, check_rc=False, timeout=30)
        check(p.returncode == 0, "ping -M dont -s 1472 to the UE: %s %s" % (p.stdout, p.stderr))
        check(t.stat("dl_fragmented") >= 3, "dl_fragmented = %s" % t.stat("dl_fragmented"))
        print("PASS: no DF: outer fragments (dl_fragmented %d, ul_reassembled %d)"
              % (t.stat("dl_fragmented"), t.stat("ul_reassembled")))
        t.stop_tunnel()
        return 0
    except Fail as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        lab.close()


if __name__ == "__main__":
    sys.exit(main())
