#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""test_browser.py: the onboarding end to end, a browser in the device.

    test_browser.py --builddir BUILD --srcdir SRC --artifacts DIR

On topo.py's network (namespaces ue, gg, dn; gardengate on net_af_packet
ports; dnsmasq, a web server and gg-portal on documentation addresses):

1. The tunnel through gardengate, with the static FULL session: curl in
   the ue namespace reaches http://198.51.100.80/ and, through the
   resolver, http://www.example.net/; 2 MiB down by hash, 20 MTU-sized
   pings.
2. The device authenticates (gg-uesim auth --notify-uri, the callback
   being gg-uesim receive) and gets a LIMITED session; gardengate's
   telemetry shows it. gg-uesim tunnel takes the session from auth's
   --json output.
3. While LIMITED: curl http://198.51.100.80/ gets gardengate's 302 to the
   portal; www.example.net resolves to the portal (forged), portal.example
   too (the resolver, through the garden); the RFC 8908 API (HTTPS,
   operator CA) says captive true.
4. Debian's chromium (playwright-core, browser.mjs) in the ue namespace
   opens http://198.51.100.80/, is redirected through the garden to the
   portal's sign-up form (which names the device), picks a plan, fills
   the form, submits, and sees the result page. Screenshots go to DIR.
5. Meanwhile a UDP datagram every 20 ms crosses the switch: refused while
   LIMITED, echoed once FULL, none lost. The session turns FULL in
   gardengate's telemetry and in the store, gg-uesim receive got the
   profile, openssl cms opens the one the AuSF serves (decrypt with the
   device key, verify against the operator CA) and it equals what the
   device stored; the result page shows the SUPI; K and OPc appear in no
   page and no log; the RFC 8908 API says captive false; curl and the
   browser reach the web server.
6. gg-uesim tunnel's and gardengate's final counters (exit 0 both).

Skips (exit 77) without root; fails when a tool or a part is missing.
"""
import argparse
import errno
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import netns as nn  # noqa: E402
import topo  # noqa: E402
from netns import Fail, check, wait_for  # noqa: E402

NPM_STAMP = os.path.join(HERE, "node_modules", "playwright-core", "package.json")


def step(msg):
    print("  ok   " + msg, flush=True)


def ensure_npm():
    """playwright-core in test/e2e/node_modules, as package-lock.json pins
    it (npm ci), unless the pinned version is there already."""
    lock = json.load(open(os.path.join(HERE, "package-lock.json")))
    want = lock["packages"]["node_modules/playwright-core"]["version"]
    if os.path.exists(NPM_STAMP) and json.load(open(NPM_STAMP)).get("version") == want:
        return
    check(shutil.which("npm") is not None, "npm is missing (scripts/setup.sh installs nodejs)")
    p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", HERE],
                       capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, "npm ci in test/e2e: %s %s" % (p.stdout[-2000:], p.stderr[-2000:]))


def portal_spki(t):
    """base64 SHA-256 of the portal certificate's public key (chromium's
    --ignore-certificate-errors-spki-list form), or None without one."""
    pem = os.path.join(t.pki, "portal.pem")
    if not os.path.exists(pem):
        return None
    p = subprocess.run("openssl x509 -in '%s' -pubkey -noout | openssl pkey -pubin -outform DER"
                       " | openssl dgst -sha256 -binary | base64" % pem, shell=True,
                       capture_output=True, text=True, timeout=30)
    check(p.returncode == 0 and p.stdout.strip(), "portal SPKI hash: %s" % p.stderr)
    return p.stdout.strip()


def browser(t, mode, url, artifacts, prefix, timeout=120):
    env = dict(os.environ)
    spki = portal_spki(t)
    if spki:
        env["GG_SPKI"] = spki
    # Spawned by the lab (its own process group): a teardown on SIGTERM
    # kills node and chromium with it.
    p = t.lab.spawn("browser-" + prefix, ["node", os.path.join(HERE, "browser.mjs"), mode, url,
                                          artifacts, prefix], ns=t.ue, env=env)
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        t.lab.stop(p)
        raise Fail("browser.mjs %s %s: no result within %d s:\n%s" %
                   (mode, url, timeout, nn.tail(p.gg_log)))
    lines = [l for l in open(p.gg_log, errors="replace").read().splitlines()
             if l.startswith("{")]
    try:
        out = json.loads(lines[-1])
    except (ValueError, IndexError):
        raise Fail("browser.mjs %s %s: exit %d, no result:\n%s" %
                   (mode, url, p.returncode, nn.tail(p.gg_log)))
    check(p.returncode == 0 and "error" not in out,
          "browser %s %s failed: %s\n%s" % (mode, url, out.get("error"), nn.tail(p.gg_log)))
    return out


def redirect_location(url):
    """What gardengate's 302 for @url must point to (portal.url of
    e2e-gardengate.conf, {url} percent-encoded in full)."""
    return "http://%s/signup?orig=%s" % (topo.PORTAL_NAME, urllib.parse.quote(url, safe=""))


def phase_tunnel_full(t):
    s = topo.STATIC_FULL
    t.start_tunnel("--ue-ip", s["ue"], "--n3", topo.N3, "--teid-ul", "0x%x" % s["ul_teid"],
                   "--teid-dl", "0x%x" % s["dl_teid"], "--qfi", str(s["qfi"]))
    for url in ("http://%s/" % topo.WEB, "http://%s/" % topo.WEB_NAME):
        st, h, body = t.curl(url)
        check(st == 200 and topo.WEB_TITLE in body, "FULL: %s: %d %r" % (url, st, body[:200]))
    # Bounded load: 2 MiB down (segments as large as the TUN MTU allows),
    # then pings of the largest size that fits, don't-fragment, 20 at 50 ms.
    p = t.ue_run(["sh", "-c", "curl -sS --max-time 30 http://%s/blob.bin | sha256sum" % topo.WEB],
                 timeout=60)
    check(p.returncode == 0 and p.stdout.split()[0] == t.blob_sha256,
          "FULL: 2 MiB download: %r %r" % (p.stdout, p.stderr))
    p = t.ue_run(["ping", "-c", "20", "-i", "0.05", "-w", "10", "-M", "do", "-s",
                  str(topo.TUN_MTU - 28), topo.DN_ROUTER], timeout=20)
    check(p.returncode == 0 and " 0% packet loss" in p.stdout,
          "FULL: ping -s %d through the tunnel: %s %s" % (topo.TUN_MTU - 28, p.stdout, p.stderr))
    c = t.stop_tunnel()
    check(c["ul_packets"] > 0 and c["dl_packets"] > 0 and
          all(c[k] == 0 for k in c if k.startswith(("ul_", "dl_")) and
              k not in ("ul_packets", "ul_bytes", "dl_packets", "dl_bytes")),
          "tunnel counters of the FULL session: %s" % c)
    step("FULL static session: the web server by address and by name, 2 MiB down, 20 pings "
         "of %d octets, through the tunnel (%d packets up, %d down)"
         % (topo.TUN_MTU, c["ul_packets"], c["dl_packets"]))


def phase_limited(t):
    dest = "http://%s/" % topo.WEB
    st, h, body = t.curl(dest)
    want = redirect_location(dest)
    check(st == 302 and h.get("location") == want and h.get("cache-control", "").startswith(
        "no-store"), "LIMITED: %s: %d %s, expected 302 to %s" % (dest, st, h, want))
    step("LIMITED: curl %s -> 302 %s" % (dest, want))
    p = t.ue_run(["getent", "ahostsv4", topo.WEB_NAME])
    check(p.returncode == 0 and p.stdout.split()[0] == topo.PORTAL,
          "LIMITED: %s resolves to %r, expected the portal %s" %
          (topo.WEB_NAME, p.stdout, topo.PORTAL))
    p = t.ue_run(["getent", "ahostsv4", topo.PORTAL_NAME])
    check(p.returncode == 0 and p.stdout.split()[0] == topo.PORTAL,
          "LIMITED: %s resolves to %r" % (topo.PORTAL_NAME, p.stdout))
    step("LIMITED: DNS forged for %s, forwarded to the resolver for %s (both -> %s)"
         % (topo.WEB_NAME, topo.PORTAL_NAME, topo.PORTAL))
    check_captive_api(t, True)


def check_captive_api(t, captive):
    """RFC 8908: the API URI the AuSF handed out, over HTTPS (operator CA),
    application/captive+json, Cache-Control private."""
    api = t.device["api"]
    st, h, body = t.curl(api, "--cacert", os.path.join(t.pki, "operator-ca.pem"),
                         "-H", "Accept: application/captive+json")
    check(st == 200 and h.get("content-type", "").startswith("application/captive+json"),
          "captive API %s: %d %s %r" % (api, st, h, body[:300]))
    check("private" in h.get("cache-control", ""), "captive API Cache-Control %r" %
          h.get("cache-control"))
    j = json.loads(body)
    check(j.get("captive") is captive, "captive API says %r, expected captive %s" % (j, captive))
    if captive:
        check(str(j.get("user-portal-url", "")).startswith(("http://", "https://")),
              "captive API without user-portal-url: %r" % j)
    step("RFC 8908 API %s: captive %s" % (api, str(captive).lower()))


def phase_browser_signup(t, artifacts):
    dest = "http://%s/" % topo.WEB
    out = browser(t, "signup", dest, artifacts, "signup", timeout=180)
    first = out["pages"][0]
    urls = [r["url"] for r in first["redirects"]]
    check(len(urls) >= 2 and urls[0] == dest and urls[1] == redirect_location(dest),
          "browser redirects %s: expected %s, then gardengate's 302 target" % (urls, dest))
    landed = urllib.parse.urlsplit(first["url"])
    check(landed.scheme == "https" and landed.hostname == topo.PORTAL_NAME and
          landed.path == "/signup" and first["status"] == 200,
          "browser landed on %s (%s), not the portal's sign-up form" %
          (first["url"], first["status"]))
    check(t.device["identity"] in first["text"], "the sign-up page does not name the device "
          "%s: %r" % (t.device["identity"], first["text"][:500]))
    check(out["filled"], "the sign-up form had nothing to fill: %s" % out["pages"][-1])
    res = out["pages"][-1]
    check(res["status"] == 200 and urllib.parse.urlsplit(res["url"]).path == "/result",
          "after submitting: %s %s %r" % (res["status"], res["url"], res["text"][:500]))
    # The page shows the new subscription, never its secrets.
    check(not re.search(r"\b[0-9a-fA-F]{32}\b", res["text"]),
          "the result page shows a 128-bit hex value (K or OPc?): %r" % res["text"][:1000])
    step("browser: %s -> %s, signed up (%s), result %s; screenshots %s" %
         (dest, first["url"], ", ".join("%s=%s" % (f["field"], f["value"])
                                        for f in out["filled"]), res["url"],
          ", ".join(p["screenshot"] for p in out["pages"])))
    return res


class UdpEcho(threading.Thread):
    """A UDP echo server on the web host (dn namespace), port 7."""

    def __init__(self, t):
        super().__init__(daemon=True)
        self.sock = nn.udp_socket(t.dn, topo.WEB, 7)
        t.lab.on_close(self.sock.close)
        self.start()

    def run(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(2048)
                self.sock.sendto(data, peer)
            except OSError:
                return


class UdpStream(threading.Thread):
    """One UDP datagram every 20 ms from the device to the echo server
    (not in the garden), across the sign-up, each from a socket of its own
    so that every answer belongs to one datagram: while LIMITED gardengate
    answers with an ICMP unreachable (the socket's EHOSTUNREACH), once FULL
    the echo comes back. Bounded: at most @count datagrams, and @after
    more once stop() is called. None may go unanswered (nothing lost in
    the switch), and none may be refused after one was echoed."""

    def __init__(self, t, count, after=25):
        super().__init__(daemon=True)
        self.t, self.count, self.after = t, count, after
        self.kinds = []
        self.stop_at = None
        self.error = None
        self.start()

    def run(self):
        try:
            with nn.InNetns(self.t.ue):
                for i in range(self.count):
                    if self.stop_at is not None and i >= self.stop_at:
                        break
                    self.kinds.append(self.probe(i))
                    time.sleep(0.02)
        except Exception as e:  # reported by finish()
            self.error = e

    def probe(self, i):
        payload = b"gardengate e2e %d" % i
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind((self.t.device["ue"], 0))
            s.connect((topo.WEB, 7))
            s.settimeout(1.0)
            s.send(payload)
            try:
                return "echo" if s.recv(2048) == payload else "other"
            except socket.timeout:
                return "lost"
            except OSError as e:
                return "refused" if e.errno in (errno.EHOSTUNREACH, errno.ECONNREFUSED) \
                    else "error %d" % e.errno
        finally:
            s.close()

    def finish(self):
        if self.stop_at is None:
            self.stop_at = len(self.kinds) + self.after
        self.join(timeout=self.count * 1.1 + 10)
        check(not self.is_alive() and self.error is None,
              "the UDP stream did not end well: %r" % self.error)
        k = self.kinds
        trace = "".join({"refused": "r", "echo": "."}.get(x, "?") for x in k)
        bad = [(i, x) for i, x in enumerate(k) if x not in ("refused", "echo")]
        check(not bad, "UDP across the sign-up: %d of %d datagrams not answered as expected "
              "(first #%d: %s): %s" % (len(bad), len(k), bad[0][0] if bad else 0,
                                      bad[0][1] if bad else "", trace))
        check("refused" in k and "echo" in k and "refused" not in k[k.index("echo"):],
              "UDP across the sign-up: refused then echoed expected: %s" % trace)
        step("UDP every 20 ms across the sign-up: %d refused (ICMP) while LIMITED, then %d "
             "echoed once FULL, none lost" % (k.count("refused"), k.count("echo")))


def check_no_secrets(t, prof, result):
    """K and OPc of the profile the device received appear in no page the
    browser saw and in no log of the run (gardengate, gg-portal, the
    device's tools, the resolver, the web server)."""
    secrets = [prof[k] for k in ("k", "opc") if isinstance(prof.get(k), str)]
    check(len(secrets) == 2 and all(re.fullmatch(r"[0-9a-fA-F]{32}", s) for s in secrets),
          "the received profile has no K and OPc as 32 hex digits: %s" % sorted(prof))
    places = {"the result page": result["text"]}
    for f in os.listdir(t.work):
        if f.endswith(".log"):
            places[f] = open(os.path.join(t.work, f), errors="replace").read()
    for where, text in places.items():
        for s in secrets:
            check(s.lower() not in text.lower(), "a secret of the profile (K or OPc) is in %s"
                  % where)
    step("K and OPc in none of: %s" % ", ".join(sorted(places)))


def check_profile_cms(t, der_path, what):
    """openssl cms opens the profile: decrypt with the device key, verify
    the operator's signature; the JSON names the device."""
    signed = der_path + ".signed"
    js = der_path + ".json"
    nn.run(["openssl", "cms", "-decrypt", "-inform", "DER", "-in", der_path, "-inkey",
            t.device_key, "-recip", t.device_cert, "-out", signed])
    nn.run(["openssl", "cms", "-verify", "-inform", "DER", "-in", signed, "-CAfile",
            os.path.join(t.pki, "operator-ca.pem"), "-out", js])
    prof = json.load(open(js))
    check(t.device["identity"] in json.dumps(prof), "%s: the profile does not name %s: %s"
          % (what, t.device["identity"], list(prof)))
    step("openssl cms -decrypt (device key) and -verify (operator CA) open %s" % what)
    return prof


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--srcdir", required=True)
    ap.add_argument("--artifacts", required=True)
    a = ap.parse_args()
    try:
        nn.need_root()
    except nn.Skip as e:
        print("SKIP: %s" % e)
        return 77
    missing = [x for x in ("ethtool", "dnsmasq", "redis-server", "curl", "openssl", "node",
                           "getent", "ping") if shutil.which(x) is None]
    if not os.access("/usr/bin/chromium", os.X_OK):
        missing.append("/usr/bin/chromium")
    if missing:
        print("FAIL: missing %s (scripts/setup.sh installs them)" % ", ".join(missing))
        return 1
    shutil.rmtree(a.artifacts, ignore_errors=True)
    os.makedirs(a.artifacts)
    workdir = os.path.join(a.builddir, "test", "e2e", "browser")
    shutil.rmtree(workdir, ignore_errors=True)
    lab = nn.Lab("gge2e-br", workdir)
    lab.install_signal_handlers()
    t = topo.Topology(lab, a.builddir, a.srcdir)
    try:
        check(t.has_real_portal(), "gg-portal is not built (%s)" % t.portal_bin)
        check(t.gardengate_has_push() and t.uesim_has("receive"),
              "this tree lacks the profile push (ausf.notify_uri_prefixes, gg-uesim receive)")
        ensure_npm()
        receiver = []

        def before_config():
            receiver.append(t.start_receiver())
            return receiver[0].rsplit("/", 1)[0] + "/"

        t.up(before_config)
        t.start_portal()
        UdpEcho(t)
        step("topology up: namespaces %s, gardengate N3 %s N6 %s, SBI 127.0.0.1:%d, gg-portal "
             "on %s" % (", ".join(lab.namespaces), topo.N3, topo.N6, t.sbi_port, topo.PORTAL))
        phase_tunnel_full(t)

        out = t.auth(notify_uri=receiver[0])
        s = t.session(t.device["ul_teid"])
        check(s is not None and s.get("state") == "limited" and s.get("ue") == t.device["ue"],
              "after auth, gardengate's session 0x%08x: %r" % (t.device["ul_teid"], s))
        check(out.get("captivePortalApi") == "https://portal.example/api/captive",
              "captivePortalApi %r" % out.get("captivePortalApi"))
        step("gg-uesim auth --notify-uri %s: %s LIMITED, UE %s, uplink TEID 0x%08x "
             "(telemetry agrees)" % (receiver[0], t.device["identity"], t.device["ue"],
                                     t.device["ul_teid"]))
        t.start_tunnel("--session", t.auth_file, "--teid-dl", "0x%x" % topo.DEVICE_DL_TEID)

        phase_limited(t)
        stream = UdpStream(t, 1500)
        result = phase_browser_signup(t, a.artifacts)
        check_after_signup(t, a.artifacts, stream, result)

        c = t.stop_tunnel()
        check(c["ul_packets"] > 0 and c["dl_packets"] > 0 and c["dl_wrong_teid"] == 0 and
              c["dl_malformed"] == 0 and c["ul_wrong_source"] == 0,
              "device tunnel counters: %s" % c)
        step("device tunnel: %d packets up, %d down, nothing dropped"
             % (c["ul_packets"], c["dl_packets"]))
        st = t.stop_gardengate()
        k = st["counters"]
        for name in ("http_redirect", "dns_forged", "dns_garden_forward", "garden_forward_ul",
                     "garden_forward_dl", "ul_decap", "dl_encap"):
            check(k.get(name, 0) > 0, "gardengate's final counter %s is %r" % (name, k.get(name)))
        check(k.get("icmp_unreach_sent", 0) >= stream.kinds.count("refused"),
              "gardengate sent %r ICMP unreachables, the device saw %d" %
              (k.get("icmp_unreach_sent"), stream.kinds.count("refused")))
        check(st.get("sessions") == 2, "final sessions %r, expected 2" % st.get("sessions"))
        step("gardengate exit 0; final counters: http_redirect %d, dns_forged %d, "
             "dns_garden_forward %d, garden_forward_ul %d" %
             (k["http_redirect"], k["dns_forged"], k["dns_garden_forward"],
              k["garden_forward_ul"]))
    except Fail as e:
        print("FAIL: %s" % e)
        print("kept for inspection: %s" % os.path.abspath(workdir))
        return 1
    finally:
        lab.close()
    print("screenshots: %s" % ", ".join(sorted(os.listdir(a.artifacts))))
    print("PASS")
    return 0


def check_after_signup(t, artifacts, stream, result):
    dev = t.device
    wait_for("the session to turn FULL", lambda: (t.session(dev["ul_teid"]) or {}).get(
        "state") == "full", timeout=60, step=0.2)
    state = t.redis("HGET", "gg:device:" + dev["identity"], "state")
    check(state == "full", "store record state %r, expected full" % state)
    step("gardengate's telemetry: session 0x%08x FULL (store record: full)" % dev["ul_teid"])
    stream.finish()
    got = t.wait_receiver()
    check(json.dumps(got).find(dev["identity"]) >= 0, "gg-uesim receive stored %r" % list(got))
    step("gg-uesim receive: profile delivered by the AuSF's POST, verified and stored")
    der, supi = t.fetch_profile_der()
    prof = check_profile_cms(t, der, "the profile of GET .../profile (DER)")
    check(prof == got, "the profile gg-uesim receive stored differs from the one the AuSF "
          "serves:\n  %s\n  %s" % (sorted(got), sorted(prof)))
    check(supi in json.dumps(prof), "the profile does not carry the SUPI %s" % supi)
    check(supi in result["text"], "the result page does not show the SUPI %s: %r"
          % (supi, result["text"][:500]))
    check_no_secrets(t, got, result)
    check_captive_api(t, False)
    dest = "http://%s/" % topo.WEB
    st, h, body = t.curl(dest)
    check(st == 200 and topo.WEB_TITLE in body, "FULL after sign-up: %s: %d %r" %
          (dest, st, body[:200]))
    out = browser(t, "visit", dest, artifacts, "full")
    pg = out["pages"][0]
    check(pg["url"] == dest and pg["title"] == topo.WEB_TITLE,
          "browser after sign-up: %s %r" % (pg["url"], pg["title"]))
    step("FULL: curl and the browser reach %s; screenshot %s" % (dest, pg["screenshot"]))


if __name__ == "__main__":
    sys.exit(main())
