#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""test_clients.py: real clients on a device behind gardengate.

    test_clients.py --builddir BUILD --srcdir SRC

On topo.py's network (namespaces ue, gg, dn; gardengate on net_af_packet
ports; dnsmasq, nginx for the web site 198.51.100.80 and for a file host
on the portal's address, port 8080; gg-portal; redis), the test device
authenticates through the SBI with its factory certificate (gg-uesim auth,
profile callback gg-uesim receive) and gets a LIMITED session, which
gg-uesim tunnel carries (GTP-U with the PDU Session Container). Then, with
the clients a device has (dig, curl, the kernel's TCP) in the ue namespace:

1. DNS while LIMITED, every answer compared with what the resolver itself
   says when asked from dn (dig there): a garden name (A, AAAA) is the
   resolver's answer, reaches the device from the address dig asked (the
   resolver, and 203.0.113.99 where nothing listens: dig takes no answer
   from another address), and shows in the resolver's log; a non-garden
   name gets the forged answer (the portal's address, TTL dns.ttl, not
   authoritative, never reaching the resolver), AAAA NODATA, TXT NXDOMAIN.
   Over TCP: where this tree redirects DNS over TCP (lib/pipeline/
   dns_tcp.c) the garden name gets the resolver's answer; where it does
   not, the connection is refused by gardengate's RST within a second
   (doc/garden.rst, "Not covered yet"). Each step checks its counter.
2. HTTP while LIMITED: curl gets gardengate's 302 with the original URL
   (by address), gg-portal's 302 to its sign-up page (by name: the forged
   answer leads to the portal host); HTTPS and DNS over TLS to an address
   outside the garden are refused by RST in under 1 s (connect() timed);
   every OS probe URL of gg-portal's table (lib/portal/portal_probe.c) is
   redirected, by name (gg-portal) and at an outside address (gardengate).
3. 50 MiB from the garden (nginx on the portal host) checked by SHA-256.
4. The sign-up on gg-portal over HTTPS with curl (the form, its CSRF token,
   the POST); the AuSF pushes the profile, gg-uesim receive takes it, the
   session turns FULL in gardengate and in the store.
5. FULL: DNS over UDP and TCP is the resolver's, not forged; the web site
   by name; 50 MiB from it checked by SHA-256; each probe URL at the portal
   host gets exactly its success answer.
6. The tunnel's counters (nothing dropped) and gardengate's (exit 0, none
   of the drops a clean run cannot have).

Bounded: each client has a time limit, the downloads are two, the whole
test stays under 2 minutes here. Skips (exit 77) without root; fails when
a tool or a part is missing.
"""
import argparse
import codecs
import hashlib
import html
import os
import re
import shutil
import socket
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import netns as nn  # noqa: E402
import stay  # noqa: E402
import topo  # noqa: E402
import webserver  # noqa: E402
from netns import Fail, check, wait_for  # noqa: E402

BIG = 50 << 20
ELSEWHERE = "203.0.113.99"        # a "resolver" where nothing listens
FAST = 1.0                         # seconds: "refused at once"
TOOLS = ("ethtool", "dnsmasq", "redis-server", "curl", "dig", "openssl")


def step(msg):
    print("  ok   " + msg, flush=True)


# -- dig --

def dig(t, *args, ns=None):
    """dig in @ns (default: the device), one try of 4 s (an answer held on
    gardengate's control lcore under CPU contention can take seconds,
    issue 12 item 3); a dict of what it
    printed: rc, status, flags, answers [(name, ttl, type, data)], server,
    proto, elapsed, raw."""
    t0 = time.monotonic()
    p = nn.run(["dig", "+time=4", "+tries=1", "+nocookie"] + list(args), ns=ns or t.ue,
               check_rc=False, timeout=15)
    d = {"rc": p.returncode, "raw": p.stdout + p.stderr, "elapsed": time.monotonic() - t0}
    m = re.search(r"status: (\w+)", p.stdout)
    d["status"] = m.group(1) if m else None
    m = re.search(r";; flags: ([^;]*);", p.stdout)
    d["flags"] = set(m.group(1).split()) if m else set()
    m = re.search(r";; SERVER: ([\d.]+)#53\([^)]*\) \((UDP|TCP)\)", p.stdout)
    d["server"], d["proto"] = (m.group(1), m.group(2)) if m else (None, None)
    d["answers"] = []
    m = re.search(r";; ANSWER SECTION:\n(.*?)\n\n", p.stdout, re.S)
    if m:
        for line in m.group(1).splitlines():
            f = line.split(None, 4)
            d["answers"].append((f[0], int(f[1]), f[3], f[4]))
    return d


def same_answer(got, truth):
    """What the device got is what the resolver says: status, AA, records
    (names, types, data; the TTL of a cached answer may be lower)."""
    return (got["status"] == truth["status"] and
            ("aa" in got["flags"]) == ("aa" in truth["flags"]) and
            [(n, ty, da) for n, _, ty, da in got["answers"]] ==
            [(n, ty, da) for n, _, ty, da in truth["answers"]])


def show(d):
    return "%s %s %s from %s/%s" % (d["status"], sorted(d["flags"]), d["answers"], d["server"],
                                    d["proto"])


class Counters:
    """Deltas of gardengate's counters across a step."""

    def __init__(self, t):
        self.t = t
        self.before = self.snap()

    def snap(self):
        st = self.t.telemetry("/gardengate/stats") or {}
        flat = {}
        for k, v in st.items():
            if isinstance(v, dict):
                flat.update({kk: vv for kk, vv in v.items() if isinstance(vv, int)})
            elif isinstance(v, int):
                flat[k] = v
        return flat

    def delta(self):
        now = self.snap()
        d = {k: v - self.before.get(k, 0) for k, v in now.items() if v != self.before.get(k, 0)}
        self.before = now
        return d


def resolver_queries(t, name, qtype):
    """How many queries of @qtype for @name from the device the resolver
    logged."""
    pat = "query[%s] %s from %s" % (qtype, name, t.device["ue"])
    return open(t.dns.gg_log, errors="replace").read().count(pat)


def tcp_dns_redirected(t):
    return os.path.exists(os.path.join(t.srcdir, "lib", "pipeline", "dns_tcp.c"))


def phase_dns_limited(t, c):
    truth = {}
    for name in (topo.PORTAL_NAME, topo.WEB_NAME):
        for qtype in ("A", "AAAA"):
            truth[name, qtype] = dig(t, "@" + topo.RESOLVER, name, qtype, ns=t.dn)
    check(truth[topo.WEB_NAME, "A"]["answers"][-1][3] == topo.WEB,
          "the resolver's own answer for %s: %s" % (topo.WEB_NAME, show(truth[topo.WEB_NAME, "A"])))
    c.delta()
    # Garden name, A and AAAA, to the device's resolver (resolv.conf).
    for qtype in ("A", "AAAA"):
        n0 = resolver_queries(t, topo.PORTAL_NAME, qtype)
        d = dig(t, topo.PORTAL_NAME, qtype)
        check(same_answer(d, truth[topo.PORTAL_NAME, qtype]) and d["server"] == topo.RESOLVER,
              "LIMITED: dig %s %s: %s; the resolver says %s" % (
                  topo.PORTAL_NAME, qtype, show(d), show(truth[topo.PORTAL_NAME, qtype])))
        check(resolver_queries(t, topo.PORTAL_NAME, qtype) == n0 + 1,
              "LIMITED: dig %s %s: the resolver did not log one query from %s" %
              (topo.PORTAL_NAME, qtype, t.device["ue"]))
    k = c.delta()
    check(k.get("dns_garden_forward") == 2 and not k.get("dns_forged"),
          "LIMITED: garden-name queries: counters %s" % k)
    step("dig %s A and AAAA: the resolver's answers (A %s; AAAA %s), logged by it, "
         "dns_garden_forward +2" % (topo.PORTAL_NAME, truth[topo.PORTAL_NAME, "A"]["answers"],
                                    truth[topo.PORTAL_NAME, "AAAA"]["status"]))
    # The same name asked of another server: redirected, answered as from it.
    d = dig(t, "@" + ELSEWHERE, topo.PORTAL_NAME, "A")
    check(same_answer(d, truth[topo.PORTAL_NAME, "A"]) and d["server"] == ELSEWHERE,
          "LIMITED: dig @%s %s: %s (dig takes an answer only from the address it asked)" %
          (ELSEWHERE, topo.PORTAL_NAME, show(d)))
    k = c.delta()
    check(k.get("dns_resolver_rewrite") == 1 and k.get("dns_garden_forward") == 1,
          "LIMITED: dig @%s: counters %s" % (ELSEWHERE, k))
    step("dig @%s %s: redirected to the resolver, answered from %s (dns_resolver_rewrite +1)"
         % (ELSEWHERE, topo.PORTAL_NAME, ELSEWHERE))
    # A name outside the garden: forged, and the resolver never hears of it.
    n0 = resolver_queries(t, topo.WEB_NAME, "A") + resolver_queries(t, topo.WEB_NAME, "AAAA")
    d = dig(t, topo.WEB_NAME, "A")
    check(d["status"] == "NOERROR" and "aa" not in d["flags"] and d["server"] == topo.RESOLVER and
          d["answers"] == [(topo.WEB_NAME + ".", 10, "A", topo.PORTAL)],
          "LIMITED: dig %s: %s, expected the forged answer %s, TTL 10, not authoritative" %
          (topo.WEB_NAME, show(d), topo.PORTAL))
    d6 = dig(t, topo.WEB_NAME, "AAAA")
    check(d6["status"] == "NOERROR" and d6["answers"] == [] and d6["server"] == topo.RESOLVER,
          "LIMITED: dig %s AAAA: %s, expected NODATA" % (topo.WEB_NAME, show(d6)))
    dt = dig(t, topo.WEB_NAME, "TXT")
    check(dt["status"] == "NXDOMAIN" and dt["answers"] == [],
          "LIMITED: dig %s TXT: %s, expected NXDOMAIN (dns.other_types)" % (topo.WEB_NAME,
                                                                           show(dt)))
    check(resolver_queries(t, topo.WEB_NAME, "A") + resolver_queries(t, topo.WEB_NAME, "AAAA")
          == n0, "LIMITED: a query for %s reached the resolver" % topo.WEB_NAME)
    k = c.delta()
    check(k.get("dns_forged") == 3 and not k.get("dns_garden_forward"),
          "LIMITED: forged answers: counters %s" % k)
    step("dig %s: forged A %s TTL 10 (the resolver says %s), AAAA NODATA, TXT NXDOMAIN; "
         "the resolver asked nothing (dns_forged +3)" % (topo.WEB_NAME, topo.PORTAL, topo.WEB))
    # DNS over TCP.
    if tcp_dns_redirected(t):
        d = dig(t, "+tcp", topo.PORTAL_NAME, "A")
        check(same_answer(d, truth[topo.PORTAL_NAME, "A"]) and d["server"] == topo.RESOLVER and
              d["proto"] == "TCP", "LIMITED: dig +tcp %s: %s; the resolver says %s" %
              (topo.PORTAL_NAME, show(d), show(truth[topo.PORTAL_NAME, "A"])))
        k = c.delta()
        check(k.get("dns_tcp_forward", 0) >= 3 and k.get("dns_garden_forward") == 1,
              "LIMITED: dig +tcp %s: counters %s" % (topo.PORTAL_NAME, k))
        step("dig +tcp %s: the resolver's answer over TCP (DNS over TCP redirected; "
             "dns_tcp_forward +%d)" % (topo.PORTAL_NAME, k["dns_tcp_forward"]))
        d = dig(t, "+tcp", topo.WEB_NAME, "A")
        check(d["answers"] == [] and d["elapsed"] < 2 * FAST,
              "LIMITED: dig +tcp %s (not in the garden): %s in %.2f s, expected no answer, "
              "at once" % (topo.WEB_NAME, show(d), d["elapsed"]))
        step("dig +tcp %s (outside the garden): no answer, %.0f ms"
             % (topo.WEB_NAME, d["elapsed"] * 1000))
        # Not asserted (a note for doc/garden.rst's limits): the resolver's
        # side of connections refused to the device may stay open.
        ss = nn.run(["ss", "-Htn", "state", "established", "src", topo.RESOLVER],
                    ns=t.dn, check_rc=False).stdout
        n = sum(1 for l in ss.splitlines() if (t.device["ue"] + ":") in l)
        print("  note the resolver holds %d established TCP connection(s) from the device "
              "after the refused query" % n, flush=True)
    else:
        # This tree does not redirect DNS over TCP: TCP to port 53 is any
        # TCP outside the garden, refused with a RST. When it does, the
        # branch above applies (the test follows the tree).
        d = dig(t, "+tcp", topo.PORTAL_NAME, "A")
        check(d["answers"] == [] and "connection refused" in d["raw"] and d["elapsed"] < FAST,
              "LIMITED: dig +tcp %s: %s in %.2f s; without TCP DNS redirection (no "
              "lib/pipeline/dns_tcp.c) gardengate must refuse it with a RST at once:\n%s" %
              (topo.PORTAL_NAME, show(d), d["elapsed"], d["raw"][-500:]))
        k = c.delta()
        check(k.get("tcp_rst_refused", 0) >= 1, "LIMITED: dig +tcp: counters %s" % k)
        step("dig +tcp %s: EXPECTED-UNTIL-REDIRECTED: refused by gardengate's RST in %.0f ms "
             "(this tree does not redirect DNS over TCP; tcp_rst_refused +%d)"
             % (topo.PORTAL_NAME, d["elapsed"] * 1000, k["tcp_rst_refused"]))
    c.delta()


# -- HTTP --

def redirect_location(url):
    """gardengate's 302 target for @url (portal.url of e2e-gardengate.conf)."""
    return "http://%s/signup?orig=%s" % (topo.PORTAL_NAME, urllib.parse.quote(url, safe=""))


def probe_table(srcdir):
    """gg-portal's probe table (lib/portal/portal_probe.c): [(system,
    host, path, status, body)]."""
    src = open(os.path.join(srcdir, "lib", "portal", "portal_probe.c")).read()
    macros = {m.group(1): codecs.decode(m.group(2), "unicode_escape") for m in re.finditer(
        r'#define\s+(\w+)\s+"((?:[^"\\]|\\.)*)"', src)}
    out = []
    for m in re.finditer(r'\{\s*"(\w+)",\s*"([^"]+)",\s*"([^"]*)",\s*(\d{3}),\s*'
                         r'(?:"[^"]*"|NULL),\s*(?:"((?:[^"\\]|\\.)*)"|(\w+))\s*\}', src):
        body = codecs.decode(m.group(5), "unicode_escape") if m.group(5) is not None \
            else macros[m.group(6)]
        out.append((m.group(1), m.group(2), m.group(3), int(m.group(4)), body))
    n = src.count('{ "')
    check(len(out) >= 5 and len(out) == n, "lib/portal/portal_probe.c: read %d probes of %d "
          "table rows" % (len(out), n))
    return out


def connect_time(t, addr, port):
    """connect() from the device: (outcome, seconds)."""
    with nn.InNetns(t.ue):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    t0 = time.monotonic()
    try:
        s.connect((addr, port))
        what = "connected"
    except ConnectionRefusedError:
        what = "refused"
    except OSError as e:
        what = "error: %s" % e
    finally:
        s.close()
    return what, time.monotonic() - t0


def phase_http_limited(t, c, probes):
    dest = "http://%s/some/page?q=1&r=%%2F" % topo.WEB
    st, h, _ = t.curl(dest)
    check(st == 302 and h.get("location") == redirect_location(dest) and
          h.get("cache-control", "").startswith("no-store"),
          "LIMITED: curl %s: %d %s, expected 302 to %s" % (dest, st, h, redirect_location(dest)))
    k = c.delta()
    check(k.get("http_redirect") == 1, "LIMITED: curl %s: counters %s" % (dest, k))
    step("curl %s -> gardengate's 302 %s (http_redirect +1)" % (dest, h["location"]))
    url = "http://%s/" % topo.WEB_NAME
    st, h, _ = t.curl(url)
    check(st == 302 and h.get("location") == "https://%s/signup" % topo.PORTAL_NAME,
          "LIMITED: curl %s (the forged answer leads to the portal host): %d %s" % (url, st, h))
    step("curl %s -> the portal host (forged DNS), gg-portal's 302 %s" % (url, h["location"]))
    # HTTPS and DNS over TLS outside the garden: a RST, at once.
    for port in (443, 853):
        what, dt = connect_time(t, topo.WEB, port)
        check(what == "refused" and dt < FAST, "LIMITED: connect() to %s:%d: %s after %.3f s, "
              "expected refused (RST) in under %.1f s" % (topo.WEB, port, what, dt, FAST))
        step("connect() to %s:%d refused (RST) in %.1f ms" % (topo.WEB, port, dt * 1000))
    t0 = time.monotonic()
    p = t.ue_run(["curl", "-sS", "--max-time", "5", "https://%s/" % topo.WEB], timeout=15)
    dt = time.monotonic() - t0
    check(p.returncode == 7 and dt < FAST, "LIMITED: curl https://%s/: exit %d after %.2f s: %s"
          % (topo.WEB, p.returncode, dt, p.stderr.strip()))
    k = c.delta()
    check(k.get("tcp_rst_refused", 0) >= 3, "LIMITED: RSTs: counters %s" % k)
    step("curl https://%s/: exit 7 (%s) in %.0f ms; tcp_rst_refused +%d" %
         (topo.WEB, p.stderr.strip(), dt * 1000, k["tcp_rst_refused"]))
    # Every OS probe: by name (the forged answer: gg-portal answers), and at
    # the address of a probe host a device cached (gardengate answers).
    for system, host, path, _, _ in probes:
        url = "http://%s%s" % (host, path)
        st, h, _ = t.curl(url)
        check(st == 302 and h.get("location") == "https://%s/signup" % topo.PORTAL_NAME,
              "LIMITED: %s probe %s by name: %d %s" % (system, url, st, h))
        st, h, _ = t.curl(url, "--resolve", "%s:80:%s" % (host, topo.WEB))
        check(st == 302 and h.get("location") == redirect_location(url),
              "LIMITED: %s probe %s at %s: %d %s, expected 302 to %s" %
              (system, url, topo.WEB, st, h, redirect_location(url)))
    k = c.delta()
    # curl asks A and AAAA for each name: at least one forged answer each.
    check(k.get("http_redirect") == len(probes) and k.get("dns_forged", 0) >= len(probes),
          "LIMITED: probes: counters %s" % k)
    step("%d OS probe URLs (%s): 302 to the sign-up page, by name (gg-portal) and at an "
         "outside address (gardengate, original URL kept)" %
         (len(probes), ", ".join(sorted({s for s, *_ in probes}))))


# -- downloads --

def download(t, url, want_sha, what):
    """curl @url in the device into a file; (octets, seconds) after the
    status, the size and the SHA-256 are checked."""
    out = os.path.join(t.work, "download.bin")
    p = t.ue_run(["curl", "-sS", "--max-time", "60", "-o", out, "-w",
                  "%{http_code} %{size_download} %{time_total}", url], timeout=75)
    check(p.returncode == 0, "%s: curl %s: exit %d %s" % (what, url, p.returncode, p.stderr))
    code, size, secs = p.stdout.split()
    h = hashlib.sha256()
    with open(out, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    os.unlink(out)
    check(code == "200" and int(size) == BIG and h.hexdigest() == want_sha,
          "%s: %s: HTTP %s, %s octets, SHA-256 %s (expected 200, %d, %s)" %
          (what, url, code, size, h.hexdigest(), BIG, want_sha))
    return int(size), float(secs)


# -- the sign-up --

def sign_up(t):
    """The form (its CSRF token, the first plan), the POST, the result
    page, with curl over HTTPS (operator CA) as a browser without
    JavaScript would."""
    base = "https://%s" % topo.PORTAL_NAME
    ca = ["--cacert", os.path.join(t.pki, "operator-ca.pem")]
    jar = os.path.join(t.work, "cookies.txt")
    cj = ["-c", jar, "-b", jar]
    st, _, page = t.curl(base + "/signup", *ca, *cj)
    check(st == 200 and t.device["identity"] in page,
          "GET %s/signup: %d, the page names the device: %s" %
          (base, st, t.device["identity"] in page))
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    plan = re.search(r'name="plan" id="plan-[^"]*" value="([^"]+)"', page)
    check(token is not None and plan is not None, "no CSRF token or plan in the form")
    form = urllib.parse.urlencode({"csrf": html.unescape(token.group(1)),
                                   "plan": plan.group(1), "name": "Alice Example",
                                   "email": "alice@example.org", "terms": "yes"})
    st, h, page = t.curl(base + "/signup", *ca, *cj, "--data", form)
    check(st == 303 and "location" in h, "POST /signup: %d %s" % (st, page[:300]))
    st, _, page = t.curl(urllib.parse.urljoin(base + "/signup", h["location"]), *ca, *cj)
    supi = re.search(r"imsi-\d+", page)
    check(st == 200 and supi is not None, "the result page: %d %s" % (st, page[:300]))
    return plan.group(1), supi.group(0)


def phase_full(t, c, probes, big_sha):
    truth = dig(t, "@" + topo.RESOLVER, topo.WEB_NAME, "A", ns=t.dn)
    for extra in ([], ["+tcp"]):
        d = dig(t, *extra, topo.WEB_NAME, "A")
        check(same_answer(d, truth) and d["server"] == topo.RESOLVER,
              "FULL: dig %s %s: %s; the resolver says %s\n%s" % (
                  " ".join(extra), topo.WEB_NAME, show(d), show(truth), d["raw"][-600:]))
    k = c.delta()
    check(not k.get("dns_forged") and not k.get("dns_garden_forward"),
          "FULL: DNS went through the garden: counters %s" % k)
    step("FULL: dig %s over UDP and TCP: the resolver's answer %s" %
         (topo.WEB_NAME, truth["answers"]))
    url = "http://%s/" % topo.WEB_NAME
    st, _, body = t.curl(url)
    check(st == 200 and topo.WEB_TITLE in body, "FULL: curl %s: %d %r" % (url, st, body[:200]))
    size, secs = download(t, "http://%s/big.bin" % topo.WEB_NAME, big_sha,
                          "FULL: download from the web site")
    step("FULL: curl %s 200; %d MiB from http://%s/big.bin in %.1f s (%.1f MB/s), "
         "SHA-256 checked" % (url, size >> 20, topo.WEB_NAME, secs, size / secs / 1e6))
    for system, host, path, status, body in probes:
        u = "http://%s%s" % (host, path)
        st, h, got = t.curl(u, "--resolve", "%s:80:%s" % (host, topo.PORTAL))
        check(st == status and got == body, "FULL: %s probe %s at the portal host: %d %r, "
              "expected %d %r" % (system, u, st, got[:100], status, body))
    step("FULL: %d OS probe URLs at the portal host: exactly their success answers"
         % len(probes))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--srcdir", required=True)
    a = ap.parse_args()
    try:
        nn.need_root(("ip",) + TOOLS)
    except nn.Skip as e:
        if os.geteuid() == 0:
            print("FAIL: %s" % e)
            return 1
        print("SKIP: %s" % e)
        return 77
    t0 = time.monotonic()
    workdir = os.path.join(a.builddir, "test", "e2e", "clients")
    shutil.rmtree(workdir, ignore_errors=True)
    lab = nn.Lab("gge2e-cl", workdir)
    lab.install_signal_handlers()
    t = topo.Topology(lab, a.builddir, a.srcdir)
    try:
        check(t.has_real_portal(), "gg-portal is not built (%s)" % t.portal_bin)
        check(t.gardengate_has_push() and t.uesim_has("receive"),
              "this tree lacks the profile push (ausf.notify_uri_prefixes, gg-uesim receive)")
        probes = probe_table(a.srcdir)
        receiver = []

        def before_config():
            receiver.append(t.start_receiver())
            return receiver[0].rsplit("/", 1)[0] + "/"

        t.up(before_config)
        t.start_portal()
        # 50 MiB for both sites (one file, two names): the garden's file
        # host (nginx on the portal's address, which the garden admits on
        # every port) and the web site.
        files = os.path.join(t.work, "files")
        os.makedirs(files)
        big_sha = stay.make_file(files, "big.bin", BIG, "gardengate e2e")
        os.link(os.path.join(files, "big.bin"), os.path.join(t.www, "big.bin"))
        webserver.start(lab, t.dn, "files", [(topo.PORTAL, stay.FILES_PORT, files)])
        t.auth(notify_uri=receiver[0])
        s = t.session(t.device["ul_teid"]) or {}
        check(s.get("state") == "limited" and s.get("ue") == t.device["ue"],
              "after auth, gardengate's session 0x%08x: %r" % (t.device["ul_teid"], s))
        t.start_tunnel("--session", t.auth_file, "--teid-dl", "0x%x" % topo.DEVICE_DL_TEID)
        step("up in %.1f s: %s authenticated (factory certificate), LIMITED, UE %s, "
             "gg-uesim tunnel with TEID 0x%08x" % (time.monotonic() - t0, t.device["identity"],
                                                   t.device["ue"], t.device["ul_teid"]))
        c = Counters(t)
        phase_dns_limited(t, c)
        phase_http_limited(t, c, probes)
        url = "http://%s:%d/big.bin" % (topo.PORTAL, stay.FILES_PORT)
        size, secs = download(t, url, big_sha, "LIMITED: download from the garden")
        k = c.delta()
        check(k.get("garden_forward_ul", 0) > 0 and k.get("garden_forward_dl", 0) > 0,
              "LIMITED: the download: counters %s" % k)
        step("LIMITED: %d MiB from the garden (%s) in %.1f s (%.1f MB/s), SHA-256 checked" %
             (size >> 20, url, secs, size / secs / 1e6))
        st, h, _ = t.curl("http://%s/big.bin" % topo.WEB)
        check(st == 302, "LIMITED: the web site's file: %d, expected the 302" % st)

        plan, supi = sign_up(t)
        prof = t.wait_receiver(timeout=60)
        check(prof.get("supi") == supi, "the pushed profile's SUPI %r, the result page's %s" %
              (prof.get("supi"), supi))
        wait_for("the session to turn FULL", lambda: (t.session(t.device["ul_teid"]) or {}).get(
            "state") == "full", timeout=30, step=0.2)
        state = t.redis("HGET", "gg:device:" + t.device["identity"], "state")
        check(state == "full", "store record state %r, expected full" % state)
        step("signed up with curl on https://%s/signup (plan %s, %s); profile pushed and "
             "taken by gg-uesim receive; FULL in gardengate and the store" %
             (topo.PORTAL_NAME, plan, supi))
        c.delta()
        phase_full(t, c, probes, big_sha)

        tc = t.stop_tunnel()
        bad = {k: v for k, v in tc.items() if k.startswith(("ul_", "dl_")) and v and k not in (
            "ul_packets", "ul_bytes", "dl_packets", "dl_bytes")}
        check(tc["dl_packets"] > 2 * BIG // topo.TUN_MTU and not bad,
              "the tunnel's counters: %s" % tc)
        snmp = t.ue_run(["cat", "/proc/net/snmp"]).stdout.splitlines()
        udp = [l.split() for l in snmp if l.startswith("Udp:")]
        udp = dict(zip(udp[0][1:], udp[1][1:])) if len(udp) == 2 else {}
        step("gg-uesim tunnel: %d packets up, %d down, nothing dropped by it (the device "
             "kernel's UDP receive-buffer drops: %s)" % (tc["ul_packets"], tc["dl_packets"],
                                                         udp.get("RcvbufErrors", "?")))
        gg = t.stop_gardengate()
        k = gg["counters"]
        drops = gg.get("drops", {})
        bad = {n: drops.get(n, k.get(n)) for n in (
            "dl_too_big", "no_neighbor", "tx_full", "ul_unknown_teid", "ul_spoofed_source",
            "limited_bad_checksum", "http_bad_checksum", "dns_malformed")
            if drops.get(n, k.get(n))}
        check(not bad, "gardengate's final counters show drops: %s" % bad)
        step("gardengate exit 0; ul_decap %d, dl_encap %d, none of %s" %
             (k["ul_decap"], k["dl_encap"], "dl_too_big, no_neighbor, tx_full, ..."))
    except Fail as e:
        print("FAIL: %s" % e)
        print("kept for inspection: %s" % os.path.abspath(workdir))
        return 1
    finally:
        lab.close()
    left = [n for n in nn.run(["ip", "netns", "list"]).stdout.split() if n.startswith(lab.tag)]
    if left:
        print("FAIL: namespaces left after teardown: %s" % left)
        return 1
    print("PASS in %.1f s" % (time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
