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
  <scenario>.cookies.json  (limited) the frames carrying an HTTP GET whose
                       ACK must be a SYN cookie: index and inner offset
and CACHE/conf/sessions-<count>-<state>.conf: config/gardengate.conf with
the static sessions, capacity, mempool size, statistics off and a fixed
limited.cookie_secret (COOKIE_SECRET).

SYN cookies depend on a 64-s slot of Unix time, so the GETs of a pcap
stay valid for 64 to 128 s only: refresh_cookies() rewrites their ACK
numbers (and TCP checksums) for the current slot right before each run of
gardengate on the pcap; nothing else in the file changes.
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
#   get      HTTP GET on port 80 outside the garden, its ACK the SYN cookie
#            (+1) gardengate's SYN-ACK would have carried: the config fixes
#            the secret and refresh_cookies() the slot. Answered with a 302
#            and FIN (http_redirect)
#   rst      TCP SYN to port 443 outside the garden: RST (tcp_rst_refused)
LIMITED_MIX = ((0.40, "garden"), (0.15, "dns"), (0.05, "dnsgard"),
               (0.15, "syn"), (0.15, "get"), (0.10, "rst"))
LIMITED_EXPECT = {"garden": "garden_forward_ul", "dns": "dns_forged",
                  "dnsgard": "dns_garden_forward", "syn": "http_synack",
                  "get": "http_redirect", "rst": "tcp_rst_refused"}

# limited.cookie_secret of the perf configurations ("gardengate-perf!"): a
# test key, published here on purpose; never use it on a real appliance.
COOKIE_SECRET = b"gardengate-perf!"
# MSS the GETs' cookies carry: limited.tcp_mss of the default configuration.
COOKIE_MSS = 1400
# A run must start at least this long after a slot boundary: gardengate's
# cookie clock (TSC seconds + an offset in whole seconds, kept within 2 s
# of Unix time) may lag ours by that much.
COOKIE_SLOT_GUARD_S = 3


# net_gtpgen's sessions (drivers/net/gtpgen/rte_eth_gtpgen.c, session_of()):
# the same bijective mixes of the index, so that gardengate's configuration
# holds the sessions of a mode= frame set. Change both together.
_M32 = 0xFFFFFFFF


def gtpgen_mix32(x):
    x &= _M32
    x ^= x >> 16
    x = (x * 0x7feb352d) & _M32
    x ^= x >> 15
    x = (x * 0x846ca68b) & _M32
    x ^= x >> 16
    return x


def gtpgen_mix22(x):
    m = (1 << 22) - 1
    x = (x * 0x9e3779b1) & m
    x ^= x >> 11
    x = (x * 0x2c1b3c6d) & m
    x ^= x >> 7
    return x


def gtpgen_sessions(count, seed=1, linear=False, qfi_pct=50, ue_base="10.64.0.0",
                    gnb_base="192.0.2.10", state="full"):
    """The sessions of net_gtpgen's mode= frames (sessions=, seed=,
    spread=, qfi=): gt.Session objects in index order."""
    hosts = 16384 * 254
    ue0 = int.from_bytes(gt.ip_bytes(ue_base), "big")
    gnb0 = int.from_bytes(gt.ip_bytes(gnb_base), "big")
    out = []
    for i in range(count):
        if linear:
            teid, k = 1 + i, i
        else:
            teid = gtpgen_mix32(i + 1) ^ seed
            if teid == 0:
                teid = seed
            k = (i + seed) % hosts
            k = gtpgen_mix22(k)
            while k >= hosts:
                k = gtpgen_mix22(k)
        ue = ue0 + (k // 254) * 256 + k % 254 + 1
        qfi = 1 + i % 63 if gtpgen_mix32(i ^ 0x5bd1e995) % 100 < qfi_pct else None
        # The downlink TEID is the gNB's: any non-zero value will do.
        s = gt.Session(gt.ip_str(struct.pack("!I", ue)), teid,
                       gt.ip_str(struct.pack("!I", gnb0 + i % 4)), 0x10000 + i, qfi)
        s.state = state
        out.append(s)
    return out


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
# SYN cookies (lib/http/http_cookie.c), computed the way gardengate does

_M64 = (1 << 64) - 1
_COOKIE_MSS_TABLE = (536, 1220, 1300, 1360, 1380, 1400, 1440, 1460)
_DOMAIN_COOKIE = 0x43


def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & _M64


def _sipround(v0, v1, v2, v3):
    v0 = (v0 + v1) & _M64
    v1 = _rotl(v1, 13) ^ v0
    v0 = _rotl(v0, 32)
    v2 = (v2 + v3) & _M64
    v3 = _rotl(v3, 16) ^ v2
    v0 = (v0 + v3) & _M64
    v3 = _rotl(v3, 21) ^ v0
    v2 = (v2 + v1) & _M64
    v1 = _rotl(v1, 17) ^ v2
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash24(key, data):
    """SipHash-2-4 (Aumasson, Bernstein) of @data under a 16-octet key."""
    k0, k1 = struct.unpack("<QQ", key)
    v = (k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d,
         k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573)
    end = len(data) - len(data) % 8
    words = [struct.unpack_from("<Q", data, i)[0] for i in range(0, end, 8)]
    words.append(((len(data) & 0xff) << 56) | int.from_bytes(data[end:], "little"))
    for m in words:
        v = (v[0], v[1], v[2], v[3] ^ m)
        v = _sipround(*_sipround(*v))
        v = (v[0] ^ m, v[1], v[2], v[3])
    v = (v[0], v[1], v[2] ^ 0xff, v[3])
    for _ in range(4):
        v = _sipround(*v)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def syn_cookie(key, saddr, daddr, sport, dport, isn, mss, unix_s):
    """gg_syncookie_make(): addresses as 4 octets on the wire, ports and ISN
    as integers, the slot from Unix time (gardengate's cookie clock)."""
    slot = (unix_s >> 6) & 0xFFFFFFFF
    idx = max([i for i, m in enumerate(_COOKIE_MSS_TABLE) if m <= mss] or [0])
    msg = saddr + daddr + struct.pack("!HHII", sport, dport, isn, slot) + \
        bytes((idx, _DOMAIN_COOKIE))
    h = siphash24(key, msg) & 0x0FFFFFFF
    return (slot & 1) << 31 | idx << 28 | h


# Known answers shared with test/unit/test_http.c (test_cookie_known_answer):
# the C and the Python cookie must agree on them.
COOKIE_KAT = {"key": bytes((0x3c, 0x1f, 0x92, 0x07, 0xaa, 0x45, 0x6e, 0xd1,
                            0x08, 0x77, 0xb4, 0x2d, 0x90, 0xe3, 0x5a, 0x61)),
              "saddr": bytes((10, 45, 0, 7)), "daddr": bytes((93, 184, 216, 34)),
              "sport": 40000, "dport": 80, "isn": 0x11223344, "mss": 1400,
              "now": 1000000, "cookie": 0xdcfd33c3}


def cookie_selftest():
    """SipHash reference vectors (key and message 00 01 02 ...) and the
    known cookie of test_http.c; raises SystemExit on a mismatch."""
    key = bytes(range(16))
    for n, want in ((0, 0x726fdb47dd0e0e31), (7, 0xab0200f58b01d137),
                    (8, 0x93f5f5799a932462), (15, 0xa129ca6149be45e5),
                    (16, 0x3f2acc7f57c29bdb), (63, 0x958a324ceb064572)):
        got = siphash24(key, bytes(range(n)))
        if got != want:
            raise SystemExit("perf_inputs: SipHash-2-4 of %d octets %016x, expected %016x"
                             % (n, got, want))
    k = COOKIE_KAT
    got = syn_cookie(k["key"], k["saddr"], k["daddr"], k["sport"], k["dport"], k["isn"],
                     k["mss"], k["now"])
    if got != k["cookie"]:
        raise SystemExit("perf_inputs: cookie %08x, test_http.c expects %08x" % (got, k["cookie"]))
    return got


def _csum_replace32(csum, old, new):
    """RFC 1624 (eqn. 3): checksum after a 32-bit field went from old to new."""
    s = (~csum & 0xFFFF) + (~old >> 16 & 0xFFFF) + (~old & 0xFFFF) + (new >> 16) + (new & 0xFFFF)
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def cookie_slot_now(sleep=time.sleep, clock=time.time):
    """The current slot, after waiting out the first COOKIE_SLOT_GUARD_S
    seconds of a slot. A cookie of slot N is accepted until slot N + 1
    ends: a run started now has at least 64 - 2 * guard seconds."""
    t = clock()
    if t % 64 < COOKIE_SLOT_GUARD_S:
        sleep(COOKIE_SLOT_GUARD_S - t % 64 + 0.05)
        t = clock()
    return int(t) >> 6


def _patch_cookies(data, frames, unix_s):
    """Set the ACK of each (index, inner offset) frame of the pcap in
    @data (a bytearray) to its cookie + 1 for @unix_s; returns how many."""
    if struct.unpack_from("<I", data, 0)[0] not in (0xA1B2C3D4, 0xA1B23C4D):
        raise SystemExit("refresh_cookies: not a little-endian pcap")
    starts, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack_from("<I", data, off + 8)[0]
        starts.append(off + 16)
        off += 16 + caplen
    n = 0
    for i, inner in frames:
        if i >= len(starts):
            continue
        ip = starts[i] + inner
        tcp = ip + (data[ip] & 0x0F) * 4
        sport, dport, seq, ack = struct.unpack_from("!HHII", data, tcp)
        cookie = syn_cookie(COOKIE_SECRET, bytes(data[ip + 12:ip + 16]),
                            bytes(data[ip + 16:ip + 20]), sport, dport, (seq - 1) & 0xFFFFFFFF,
                            COOKIE_MSS, unix_s)
        new = (cookie + 1) & 0xFFFFFFFF
        csum = struct.unpack_from("!H", data, tcp + 16)[0]
        struct.pack_into("!I", data, tcp + 8, new)
        struct.pack_into("!H", data, tcp + 16, _csum_replace32(csum, ack, new))
        n += 1
    return n


def refresh_cookies(pcap, cookies, log=print):
    """Rewrite the GETs of @pcap (frames listed in the @cookies file) for
    the current cookie slot, unless already done for it. Call right
    before gardengate reads the pcap."""
    frames = json.load(open(cookies))["frames"]
    slot = cookie_slot_now()
    marker = pcap + ".slot"
    try:
        m = json.load(open(marker))
        if m["slot"] == slot and m["mtime"] == os.path.getmtime(pcap):
            return
    except (OSError, ValueError, KeyError):
        pass
    cookie_selftest()
    data = bytearray(open(pcap, "rb").read())
    n = _patch_cookies(data, frames, slot << 6)
    with open(pcap + ".tmp", "wb") as f:
        f.write(data)
    os.replace(pcap + ".tmp", pcap)
    with open(marker, "w") as f:
        json.dump({"slot": slot, "mtime": os.path.getmtime(pcap)}, f)
    log("perf inputs: %s: %d GETs carry the cookies of slot %d" % (os.path.basename(pcap), n,
                                                                  slot))


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
        qid = rng.getrandbits(16)
        if kind == "dnsgard":
            # A stub resolver asking again (same port, ID and question): in
            # a replay nothing answers, and distinct queries would fill the
            # pending-query table (dns_pending_full) within milliseconds;
            # a retransmission refreshes its one entry.
            n = int.from_bytes(gt.ip_bytes(ue), "big")
            sport = 40000 + (n & 0x3fff)
            qid = n & 0xffff
        return gt.ipv4_udp(ue, RESOLVER, sport, 53, dns_query(qid, name), ident=ident)
    if kind == "syn":
        return gt.ipv4_tcp(ue, OUTSIDE, sport, 80, b"", seq=rng.getrandbits(32), ack=0,
                           flags=0x02, ident=ident, df=True)
    if kind == "get":
        # The request right after the handshake: SEQ = ISN + 1, ACK = the
        # cookie + 1 (of the slot of build time; refresh_cookies() keeps it
        # current). The second draw is kept so that the frames after this
        # one are the same as when the ACK was random.
        req = (b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n"
               b"User-Agent: perf\r\nAccept: */*\r\n\r\n")
        seq = rng.getrandbits(32)
        rng.getrandbits(32)
        cookie = syn_cookie(COOKIE_SECRET, gt.ip_bytes(ue), gt.ip_bytes(OUTSIDE), sport, 80,
                            (seq - 1) & 0xFFFFFFFF, COOKIE_MSS, int(time.time()))
        return gt.ipv4_tcp(ue, OUTSIDE, sport, 80, req, seq=seq, ack=(cookie + 1) & 0xFFFFFFFF,
                           flags=0x18, ident=ident, df=True)
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
    cookie_frames = []      # (index, offset of the inner packet in the frame)
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
        if path == "limited" and kind == "get":
            off = len(frames[-1]) - len(inner)
            assert frames[-1][off:] == inner
            cookie_frames.append((i, off))
    if path == "ul":
        expect = {"ul_decap": n_packets}
    elif path == "dl":
        expect = {"dl_encap": n_packets}
    gt.write_pcap(os.path.join(outdir, name + ".pcap"), frames)
    if cookie_frames:
        with open(os.path.join(outdir, name + ".cookies.json"), "w") as f:
            json.dump({"frames": cookie_frames}, f)
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
    # Memory comes from the harness's command line (--no-huge, or
    # hugepages): the file's --no-huge would be added to it.
    conf, n = re.subn(r'(^eal = \[[^\]]*?)"--no-huge",\s*', r"\1", conf, count=1, flags=re.M)
    if n != 1:
        raise SystemExit("config/gardengate.conf: no \"--no-huge\" in the eal list to drop")
    # No AuSF: the control lcore's SBI server is not what is measured, and
    # its fixed port would make two runs at the same time (two worktrees)
    # fail to start.
    conf = re.sub(r"^(sbi|ausf|store) = \{(?:[^\n]*\};|.*?^\};)\n", "", conf, flags=re.S | re.M)
    conf, n = re.subn(r"^(limited = \{.*?)\s*\};", lambda m: '%s cookie_secret = "%s"; };'
                      % (m.group(1), COOKIE_SECRET.hex()), conf, count=1, flags=re.M)
    if n != 1:
        raise SystemExit("config/gardengate.conf: no limited = { ... }; line for the secret")
    # It holds a cookie secret: not for every user's eyes (gardengate warns).
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
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
        if scenario_path(name) == "limited":
            files.append(os.path.join(outdir, name + ".cookies.json"))
        entry = manifest["scenarios"].get(name)
        if entry and all(os.path.exists(f) for f in files + [conf]):
            continue
        t0 = time.time()
        os.makedirs(outdir, exist_ok=True)
        sess = sessions_for(name)
        inners, expect = build_scenario(name, sess, n_packets, outdir)
        # Configurations are shared by scenarios (same sessions): written
        # once per digest, so that a change of the generator reaches them.
        if manifest.setdefault("confs", {}).get(conf) != digest or not os.path.exists(conf):
            os.makedirs(os.path.dirname(conf), exist_ok=True)
            write_config(conf, sess, n_packets)
            manifest["confs"][conf] = digest
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
        if scenario_path(name) == "limited":
            manifest["scenarios"][name]["cookies"] = os.path.join(outdir, name + ".cookies.json")
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


def trusted_plugin(path):
    """EAL loads a -d plugin only from a path with no world-writable
    directory in it ("directory path /tmp is world-writable and insecure"):
    a build under /tmp, as a CI clone may be, fails. Returns @path when it
    is loadable as is, else a copy in a private folder under /run (root) or
    the home directory, removed at exit."""
    def safe(p):
        p = os.path.abspath(p)
        while True:
            try:
                if os.stat(p).st_mode & 0o002:
                    return False
            except OSError:
                return False
            if p == "/":
                return True
            p = os.path.dirname(p)

    if not os.path.exists(path) or safe(os.path.dirname(path)):
        return path
    import atexit
    import shutil
    import tempfile
    for base in ("/run", os.path.expanduser("~")):
        if os.path.isdir(base) and os.access(base, os.W_OK) and safe(base):
            d = tempfile.mkdtemp(prefix="gg-plugin-", dir=base)
            atexit.register(shutil.rmtree, d, True)
            copy = os.path.join(d, os.path.basename(path))
            shutil.copy2(path, copy)
            return copy
    return path
