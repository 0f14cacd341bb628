#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Inputs of the perf harness: pcaps, gardengate configurations and l3fwd
rule files for every scenario, built with the byte-level builders of
test/pcap/gtpu_traffic.py (struct only, no scapy) and cached.

A scenario is one path (uplink, downlink, limited) at one session count.
Every scenario of a path shares one *input group*: the same number of
frames with the same inner packet sizes in the same order, only the
sessions (TEIDs, UE addresses, and with them whether an uplink frame has
a PDU Session Container) differ, so that one testpmd run and one l3fwd run
per round are the baseline of every session count of the path.

Per group, in CACHE/<group>/:
  <scenario>.pcap      what gardengate reads (N3 for uplink and limited,
                       N6 for downlink), one per scenario of the group
  l3fwd.pcap           plain IPv4 for l3fwd: Ethernet + the inner packets
                       of the group's first scenario built
  l3fwd-v4.cfg/-v6.cfg l3fwd LPM rules: every destination to port 1
and CACHE/conf/sessions-<count>-<state>.conf: config/gardengate.conf with
the static sessions, capacity, mempool size and statistics off.
CACHE/manifest.json records, per scenario, the files, the session count,
and the counters gardengate must show (expect); and a digest of the
generator, the builders and the default configuration: when it changes,
everything is rebuilt.

Usage: perf_inputs.py CACHE_DIR [--packets N] [--scenarios a,b,...]
"""

import argparse
import hashlib
import json
import math
import os
import random
import re
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "test", "pcap"))
import gtpu_traffic as gt  # noqa: E402

# Addresses of the default configuration (config/gardengate.conf).
N3_ADDR = "192.0.2.1"
N6_ADDR = "198.51.100.1"
N3_PEER_MAC = "02:00:00:00:03:fe"
N6_PEER_MAC = "02:00:00:00:06:fe"
# Destination MAC of input frames (nobody checks it on net_pcap).
IN_MAC = gt.PCAP_PMD_MAC_N3
DN_HOSTS = ("203.0.113.10", "203.0.113.11", "198.18.0.1", "198.18.7.9")
PORTAL = "203.0.113.80"          # portal.ipv4 of the default config
RESOLVER = "203.0.113.53"        # garden prefix "udp 53" of the default config
OUTSIDE = "198.51.100.200"       # not in the garden

# Inner IPv4 packet lengths (octets). Uplink: the T-PDU; downlink: the
# packet as it arrives on N6, capped so that its encapsulation with a PDU
# Session Container (36 + 8 octets) fits the N3 MTU of 1500.
UL_SIZES = (64, 1500)
DL_SIZES = (64, 1500 - gt.GPDU_OVERHEAD_QFI)

# Scenarios: name -> (group, path, sessions, state, sizes)
SCENARIOS = {
    "ul-1k": ("ul", "ul", 1000, "full", UL_SIZES),
    "ul-100k": ("ul", "ul", 100000, "full", UL_SIZES),
    "ul-1M": ("ul", "ul", 1000000, "full", UL_SIZES),
    "dl-1k": ("dl", "dl", 1000, "full", DL_SIZES),
    "dl-100k": ("dl", "dl", 100000, "full", DL_SIZES),
    "dl-1M": ("dl", "dl", 1000000, "full", DL_SIZES),
    "limited-1k": ("limited", "limited", 1000, "limited", UL_SIZES),
    "ul-1k-64B": ("ul64", "ul", 1000, "full", (64, 64)),
}
DEFAULT_SCENARIOS = list(SCENARIOS)

# LIMITED mix: (share, kind). What gardengate does with each kind:
#   garden   TCP 443 data to the portal: forwarded to N6 (garden_forward_ul)
#   dns      A query for a name outside the garden: answered in place with
#            the portal's address (dns_forged)
#   dnsgard  A query for a garden name: forwarded (dns_garden_forward)
#   syn      TCP SYN to port 80 outside the garden: SYN-ACK with a cookie
#            (http_synack)
#   get      HTTP GET on port 80 outside the garden. Its ACK cannot carry a
#            valid cookie (the cookie secret is random per start), so it is
#            answered with a RST (http_rst_cookie); lib/http's 302 path is
#            measured by the micro-benchmark instead
#   rst      TCP SYN to port 443 outside the garden: RST (tcp_rst_refused)
LIMITED_MIX = ((0.40, "garden"), (0.15, "dns"), (0.05, "dnsgard"),
               (0.15, "syn"), (0.15, "get"), (0.10, "rst"))
LIMITED_EXPECT = {"garden": "garden_forward_ul", "dns": "dns_forged",
                  "dnsgard": "dns_garden_forward", "syn": "http_synack",
                  "get": "http_rst_cookie", "rst": "tcp_rst_refused"}


def group_of(name):
    return SCENARIOS[name][0]


def scenario_path(name):
    return SCENARIOS[name][1]


def capacity_for(n):
    """sessions.capacity: the default 65 534-ish floor, else the smallest
    2^k - 2 that holds n (the least memory per session, architecture.rst)."""
    return max(65534, (1 << max(1, math.ceil(math.log2(n + 2)))) - 2)


def sources_digest():
    h = hashlib.sha256()
    for p in (os.path.abspath(__file__), os.path.join(ROOT, "test", "pcap", "gtpu_traffic.py"),
              os.path.join(ROOT, "config", "gardengate.conf")):
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]


# ---------------------------------------------------------------------------
# Packets

def dns_query(qid, name):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack("!HH", 1, 1)


def limited_inner(rng, pool, kind, ue, size, ident):
    """Inner packet of one LIMITED-mix kind from device @ue."""
    sport = rng.randrange(40000, 60000)
    if kind == "garden":
        payload = pool.take(max(0, size - 40))
        return gt.ipv4_tcp(ue, PORTAL, sport, 443, payload, seq=rng.getrandbits(32),
                           ack=rng.getrandbits(32), flags=0x18, ident=ident, df=True)
    if kind in ("dns", "dnsgard"):
        name = ("www%d.example.com" % rng.randrange(1000)) if kind == "dns" else "portal.example"
        return gt.ipv4_udp(ue, RESOLVER, sport, 53, dns_query(rng.getrandbits(16), name),
                           ident=ident)
    if kind == "syn":
        return gt.ipv4_tcp(ue, OUTSIDE, sport, 80, b"", seq=rng.getrandbits(32), ack=0,
                           flags=0x02, ident=ident, df=True)
    if kind == "get":
        req = (b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n"
               b"User-Agent: perf\r\nAccept: */*\r\n\r\n")
        return gt.ipv4_tcp(ue, OUTSIDE, sport, 80, req, seq=rng.getrandbits(32),
                           ack=rng.getrandbits(32), flags=0x18, ident=ident, df=True)
    if kind == "rst":
        return gt.ipv4_tcp(ue, OUTSIDE, sport, 443, b"", seq=rng.getrandbits(32), ack=0,
                           flags=0x02, ident=ident, df=True)
    raise ValueError(kind)


def pick_kind(rng):
    x = rng.random()
    for share, kind in LIMITED_MIX:
        if x < share:
            return kind
        x -= share
    return LIMITED_MIX[-1][1]


def build_scenario(name, sessions, n_packets, outdir):
    """Write @name's pcap and the inner packets; returns (inner packets,
    expected counters)."""
    group, path, _, _, sizes = SCENARIOS[name]
    # Sizes and kinds come from their own generator, seeded by the group:
    # every scenario of a group gets the same frame sizes in the same order.
    rng_size = random.Random("sizes-" + group)
    rng = random.Random("pkts-" + name)
    pool = gt._PayloadPool(random.Random(5))
    frames, inners = [], []
    expect = {}
    for i in range(n_packets):
        size = rng_size.randint(*sizes)
        s = sessions[rng.randrange(len(sessions))]
        ident = i & 0xFFFF
        if path == "limited":
            kind = pick_kind(rng_size)
            inner = limited_inner(rng, pool, kind, s.ue, size, ident)
            key = LIMITED_EXPECT[kind]
            expect[key] = expect.get(key, 0) + 1
        elif path == "ul":
            inner = gt._inner_packet(rng, pool, s.ue, rng.choice(DN_HOSTS), size, ident)
        else:
            inner = gt._inner_packet(rng, pool, rng.choice(DN_HOSTS), s.ue, size, ident)
        if path == "dl":
            frames.append(gt.ether(IN_MAC, N6_PEER_MAC, gt.ETH_P_IPV4, inner))
        else:
            exts = [gt.ext_pdu_session_ul(s.qfi)] if s.qfi is not None else []
            frames.append(gt.n3_frame(IN_MAC, N3_PEER_MAC, s.gnb, N3_ADDR,
                                      gt.gpdu(s.ul_teid, inner, exts=exts), ident=ident))
        inners.append(inner)
    if path == "ul":
        expect = {"ul_decap": n_packets}
    elif path == "dl":
        expect = {"dl_encap": n_packets}
    gt.write_pcap(os.path.join(outdir, name + ".pcap"), frames)
    return inners, expect


def config_name(name):
    _, _, n, state, _ = SCENARIOS[name]
    return "sessions-%d-%s.conf" % (n, state)


def write_config(path, sessions, n_packets):
    conf = open(os.path.join(ROOT, "config", "gardengate.conf")).read()
    static = "static = (\n    " + ",\n    ".join(s.conf_entry() for s in sessions) + "\n  );"
    conf, n = re.subn(r"static = \(.*?\n  \);", lambda m: static, conf, count=1, flags=re.S)
    if n != 1:
        raise SystemExit("config/gardengate.conf: no sessions.static list to replace")
    conf = re.sub(r"capacity = \d+;", "capacity = %d;" % capacity_for(len(sessions)), conf)
    # The pcap PMD keeps every frame of the file in an mbuf of the pool.
    mbufs = (1 << math.ceil(math.log2(n_packets + 16384))) - 1
    conf = re.sub(r"mbufs = \d+;", "mbufs = %d;" % mbufs, conf)
    conf = re.sub(r"stats_interval = \d+;", "stats_interval = 0;", conf)
    with open(path + ".tmp", "w") as f:
        f.write("# perf harness: %d static sessions (generated by test/perf/perf_inputs.py)\n"
                % len(sessions))
        f.write(conf)
    os.replace(path + ".tmp", path)


def write_l3fwd(inners, outdir):
    frames = [gt.ether(IN_MAC, N6_PEER_MAC, gt.ETH_P_IPV4, p) for p in inners]
    gt.write_pcap(os.path.join(outdir, "l3fwd.pcap"), frames)
    # LPM rules (lpm_route_parse.c format "R<prefix>/<depth> <port>"): the
    # destinations of every path get a specific route, the rest the two
    # halves of the address space; all to port 1 (the null sink).
    v4 = ["R203.0.113.0/24 1", "R198.18.0.0/15 1", "R198.51.100.0/24 1",
          "R10.64.0.0/10 1", "R0.0.0.0/1 1", "R128.0.0.0/1 1"]
    v6 = ["R2001:0db8:0000:0000:0000:0000:0000:0000/32 1"]
    with open(os.path.join(outdir, "l3fwd-v4.cfg"), "w") as f:
        f.write("\n".join(v4) + "\n")
    with open(os.path.join(outdir, "l3fwd-v6.cfg"), "w") as f:
        f.write("\n".join(v6) + "\n")


_SESSIONS = {}


def sessions_for(name):
    _, _, n, state, _ = SCENARIOS[name]
    if (n, state) not in _SESSIONS:
        sess = gt.random_sessions(n, seed=n)
        for s in sess:
            s.state = state
        _SESSIONS[(n, state)] = sess
    return _SESSIONS[(n, state)]


def ensure(cache, scenarios, n_packets, log=print):
    """Build what is missing or stale; returns the manifest."""
    os.makedirs(cache, exist_ok=True)
    mpath = os.path.join(cache, "manifest.json")
    digest = sources_digest()
    try:
        manifest = json.load(open(mpath))
    except (OSError, ValueError):
        manifest = {}
    if manifest.get("digest") != digest or manifest.get("packets") != n_packets:
        manifest = {"digest": digest, "packets": n_packets, "scenarios": {}}
    for name in scenarios:
        if name not in SCENARIOS:
            raise SystemExit("unknown scenario %s (known: %s)" % (name, ", ".join(SCENARIOS)))
        group = group_of(name)
        outdir = os.path.join(cache, group)
        conf = os.path.join(cache, "conf", config_name(name))
        files = [os.path.join(outdir, f) for f in (name + ".pcap", "l3fwd.pcap", "l3fwd-v4.cfg")]
        entry = manifest["scenarios"].get(name)
        if entry and all(os.path.exists(f) for f in files + [conf]):
            continue
        t0 = time.time()
        os.makedirs(outdir, exist_ok=True)
        sess = sessions_for(name)
        inners, expect = build_scenario(name, sess, n_packets, outdir)
        if not os.path.exists(conf):
            os.makedirs(os.path.dirname(conf), exist_ok=True)
            write_config(conf, sess, n_packets)
        # l3fwd reads the inner packets of the group: they have the same
        # sizes whatever the session count, so any scenario's will do.
        if manifest.get("l3fwd_" + group) is None or \
                not os.path.exists(os.path.join(outdir, "l3fwd.pcap")):
            write_l3fwd(inners, outdir)
            manifest["l3fwd_" + group] = name
        manifest["scenarios"][name] = {
            "group": group, "path": scenario_path(name), "sessions": len(sess),
            "capacity": capacity_for(len(sess)), "expect": expect,
            "pcap": os.path.join(outdir, name + ".pcap"),
            "conf": conf,
        }
        with open(mpath, "w") as f:
            json.dump(manifest, f, indent=1)
        log("perf inputs: %s (%d sessions, %d frames) built in %.1f s"
            % (name, len(sess), n_packets, time.time() - t0))
    return manifest


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cache")
    ap.add_argument("--packets", type=int, default=65536)
    ap.add_argument("--scenarios", default=",".join(DEFAULT_SCENARIOS))
    a = ap.parse_args(argv)
    m = ensure(a.cache, [s for s in a.scenarios.split(",") if s], a.packets)
    print(json.dumps(m, indent=1))


if __name__ == "__main__":
    main()
