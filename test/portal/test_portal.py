#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""gg-portal end to end: a real redis-server (private unix socket), the
real gg-portal and real curl, inside a network namespace of the test's own
so that curl can speak from a UE's address (10.45.0.7/32 etc. on lo,
curl --interface) and the portal can listen on ports 80 and 443 (portal
address 203.0.113.80, the one in the test PKI's portal certificate).
Device records are written with the documented schema (doc/store.rst).
Profiles are opened with the openssl CLI (cms -decrypt, cms -verify).

Cases (one per meson test): config, pages, probes, api, signup, hostile,
restart. Every case but config needs root (ip netns); without it the case
is skipped (exit 77) with a message saying so.

Usage: test_portal.py CASE --portal PATH --builddir DIR
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77
PORTAL_IP = "203.0.113.80"
BASE = "https://portal.example"
DEV1 = ("nai-dev0001@maker.example", "10.45.0.7", "dev-ec")
DEV2 = ("nai-dev0002@maker.example", "10.45.0.8", "dev-rsa")
BLOCKED = ("nai-dev0003@maker.example", "10.45.0.9", "dev-int")
FULLDEV = ("nai-dev0004@maker.example", "10.45.0.10", "dev-ec")
UNKNOWN_IP = "10.45.0.66"
CLIENT_IPS = ["10.45.0.7", "10.45.0.8", "10.45.0.9", "10.45.0.10", UNKNOWN_IP]
SECRETS = []   # K/OPc/OP values that must never show up in logs or pages


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


class Redis:
    """A private redis-server and a minimal RESP client (binary-safe)."""

    def __init__(self, tmp):
        self.sock = os.path.join(tmp, "redis.sock")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.sock, "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(self.sock):
                try:
                    self.cmd("PING")
                    return
                except OSError:
                    pass
            time.sleep(0.05)
        raise Fail("redis-server did not start")

    def cmd(self, *args):
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.sock)
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        s.sendall(out)
        f = s.makefile("rb")
        try:
            return self._read(f)
        finally:
            f.close()
            s.close()

    def _read(self, f):
        line = f.readline()
        t, rest = line[:1], line[1:-2]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise Fail("redis: " + rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = f.read(n + 2)[:-2]
            return data
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self._read(f) for _ in range(n)]
        raise Fail("redis: bad reply %r" % line)

    def hgetall(self, key):
        r = self.cmd("HGETALL", key) or []
        return {r[i].decode(): r[i + 1].decode(errors="replace")
                for i in range(0, len(r), 2)}

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Env:
    def __init__(self, args, tmp):
        self.portal, self.tmp = args.portal, tmp
        self.pki = os.path.join(args.builddir, "pki")
        subprocess.run(["sh", "scripts/test-pki.sh", self.pki], check=True)
        for f in ("operator-ca.pem", "provisioning.pem", "portal.pem", "op.hex"):
            if not os.path.exists(self.k(f)):
                raise Fail("test PKI has no %s (scripts/test-pki.sh too old?)" % f)
        self.op = open(self.k("op.hex")).read().strip()
        SECRETS.append(self.op)
        self.ns = None
        self.redis = None
        self.proc = None
        self.log = os.path.join(tmp, "portal.log")

    def k(self, name):
        return os.path.join(self.pki, name)

    def write_config(self, extra_portal="", max_form=4096, lifetime=3600):
        csrf = os.path.join(self.tmp, "csrf.key")
        with open(csrf, "w") as f:
            f.write("8f" * 32 + "\n")
        cfg = os.path.join(self.tmp, "gg-portal.conf")
        with open(cfg, "w") as f:
            f.write("""
http: { listen = "0.0.0.0:80"; };
https: { listen = "0.0.0.0:443"; cert = "%(pki)s/portal.pem"; key = "%(pki)s/portal.key"; };
portal: {
	base_url = "%(base)s";
	venue_info_url = "https://venue.example/info";
	limited_lifetime_s = %(lifetime)d;
	templates = "app/portal/templates";
	static = "app/portal/static";
	max_form_bytes = %(max_form)d;
	%(extra)s
};
csrf: { secret_file = "%(csrf)s"; lifetime_s = 600; };
operator: {
	mcc = "001"; mnc = "01"; op_file = "%(pki)s/op.hex"; amf = "8000";
	dnn = "internet"; sst = 1; sd = "000001"; issuer = "Gardengate Mobile";
	provisioning_cert = "%(pki)s/provisioning.pem";
	provisioning_key = "%(pki)s/provisioning.key";
	cipher = "gcm";
};
plans = (
	{ id = "day"; name = "Day <Pass>"; price = "EUR 2 & tax"; validity_days = 1; },
	{ id = "month"; name = "Monthly"; price = "EUR 15 / month"; validity_days = 30; }
);
store: { unix = "%(sock)s"; prefix = "gg:"; };
log: { level = "info"; };
""" % {"pki": self.pki, "base": BASE, "csrf": csrf, "sock": self.redis.sock
                if self.redis else "/nonexistent", "extra": extra_portal,
                "max_form": max_form, "lifetime": lifetime})
        self.cfg = cfg
        return cfg

    # --- namespace, redis, portal -------------------------------------
    def netns(self):
        self.ns = "ggportal%d" % os.getpid()
        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        self.ip("link", "set", "lo", "up")
        for a in CLIENT_IPS + [PORTAL_IP]:
            self.ip("addr", "add", a + "/32", "dev", "lo")

    def ip(self, *args):
        subprocess.run(["ip", "-n", self.ns] + list(args), check=True)

    def start_redis(self):
        self.redis = Redis(self.tmp)

    def start_portal(self):
        before = self.logs().count("listening on 0.0.0.0:443")
        logf = open(self.log, "a")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, self.portal, "-c", self.cfg],
            stdout=logf, stderr=subprocess.STDOUT)
        logf.close()
        for _ in range(100):
            if self.proc.poll() is not None:
                raise Fail("gg-portal exited with %d" % self.proc.returncode)
            if self.logs().count("listening on 0.0.0.0:443") > before:
                return
            time.sleep(0.05)
        raise Fail("gg-portal did not start")

    def stop_portal(self):
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Fail("gg-portal did not stop on SIGTERM")
        self.proc = None
        return rc

    def logs(self):
        return open(self.log).read() if os.path.exists(self.log) else ""

    def cleanup(self):
        try:
            self.stop_portal()
        except Fail:
            pass
        if self.redis is not None:
            self.redis.stop()
        if self.ns is not None:
            subprocess.run(["ip", "netns", "del", self.ns])

    # --- the store, as a writer following doc/store.rst ----------------
    def put_device(self, dev, state="limited", created_ms=None, cert=True):
        identity, ip, certname = dev
        now = int(time.time() * 1000)
        pem = open(self.k(certname + ".pem")).read() if cert else ""
        self.redis.cmd("HSET", "gg:device:" + identity, "identity", identity,
                       "state", state, "cert_pem", pem,
                       "cert_url", "http://ca.example/" + certname + ".pem",
                       "ue_ipv4", ip, "ul_teid", "4097", "dl_teid", "2561",
                       "gnb_ipv4", "192.0.2.10", "qfi", "9",
                       "auth_ctx_id", "0123456789abcdef0123456789abcdef",
                       "notify_uri", "", "supi", "",
                       "created_ms", str(created_ms or now), "updated_ms", str(now))
        self.redis.cmd("SET", "gg:ueip:" + ip, identity)
        self.redis.cmd("SADD", "gg:devices", identity)

    def set_state(self, identity, state):
        self.redis.cmd("HSET", "gg:device:" + identity, "state", state)

    # --- curl ------------------------------------------------------------
    def curl(self, url, src, *extra, data=None, host_resolve=True):
        """(status, headers dict (lowercase), body bytes) of one request."""
        hdr = os.path.join(self.tmp, "hdr.txt")
        body = os.path.join(self.tmp, "body.bin")
        cmd = ["ip", "netns", "exec", self.ns, "curl", "-sS", "--max-time", "10",
               "--interface", src, "-D", hdr, "-o", body, "-w", "%{http_code}",
               "--cacert", self.k("operator-ca.pem")]
        if host_resolve:
            cmd += ["--resolve", "portal.example:443:" + PORTAL_IP,
                    "--resolve", "portal.example:80:" + PORTAL_IP]
        if data is not None:
            cmd += ["--data-binary", "@-"]
        cmd += list(extra) + [url]
        p = subprocess.run(cmd, input=data, capture_output=True, timeout=20)
        if p.returncode != 0:
            raise Fail("curl %s: exit %d: %s" % (url, p.returncode,
                                                 p.stderr.decode(errors="replace")))
        headers = {}
        for line in open(hdr, encoding="latin-1").read().splitlines()[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        b = open(body, "rb").read() if os.path.exists(body) else b""
        for s in SECRETS:
            check(s.encode() not in b.lower(), "a secret appears in a response of %s" % url)
        return int(p.stdout), headers, b

    def page(self, path, src, *extra, **kw):
        st, h, b = self.curl(BASE + path, src, *extra, **kw)
        return st, h, b.decode("utf-8", errors="replace")


def csrf_of(html):
    m = re.search(r'name="csrf" value="([0-9a-f]{80})"', html)
    check(m is not None, "no CSRF token in the form")
    return m.group(1)


def signup_form(env, dev, plan="month", name="Ana Lima", email="ana@example.org"):
    st, h, html = env.page("/signup?plan=" + plan, dev[1])
    check(st == 200, "GET /signup: %d" % st)
    check('checked' in html and 'value="%s" checked' % plan in html,
          "plan %s not preselected" % plan)
    return "csrf=%s&plan=%s&name=%s&email=%s&terms=yes" % (
        csrf_of(html), plan, name.replace(" ", "+"), email.replace("@", "%40"))


def post_signup(env, dev, body, *extra):
    return env.page("/signup", dev[1], "-H",
                    "Content-Type: application/x-www-form-urlencoded", *extra,
                    data=body.encode() if isinstance(body, str) else body)


# --------------------------------------------------------------------------
def case_config(env):
    """Config errors in the documented style, without root."""
    cfg = env.write_config()
    p = subprocess.run([env.portal, "-c", cfg, "--check-config"], capture_output=True,
                       text=True)
    check(p.returncode == 0, "good config refused: " + p.stderr)
    bad = [
        ("max_form_bytes = 4096;", "max_form_bytes = 10;",
         r":\d+: portal\.max_form_bytes: 10 is out of range 256\.\.65536"),
        ('mcc = "001";', 'mcc = "01";', r":\d+: operator\.mcc: '01': expected 3 digits"),
        ('op_file = "%s/op.hex";' % env.pki, 'op = "00112233";',
         r":\d+: operator\.op: OP: expected 32 hex digits, got 8"),
        ('cipher = "gcm";', 'cipher = "ecb";',
         r":\d+: operator\.cipher: unknown value 'ecb' \(gcm or cbc\)"),
        ('validity_days = 1;', 'validity_days = 0;',
         r":\d+: plans\.\[0\]\.validity_days: 0 is out of range"),
        ('id = "month";', 'id = "day";', r":\d+: plans\.\[1\]\.id: 'day' is already"),
        ('templates = "app/portal/templates";', 'templates = "/nonexistent";',
         r":\d+: portal\.templates: /nonexistent: No such file"),
        ('base_url = "%s";' % BASE, 'base_url = "ftp://x";',
         r":\d+: portal\.base_url: 'ftp://x': expected an http:// or https:// URL"),
        ('dnn = "internet";', 'dnn = "internet"; bogus = 1;',
         r":\d+: operator\.bogus: unknown setting"),
    ]
    text = open(cfg).read()
    for old, new, want in bad:
        check(old in text, "test bug: %r not in config" % old)
        with open(cfg, "w") as f:
            f.write(text.replace(old, new, 1))
        p = subprocess.run([env.portal, "-c", cfg, "--check-config"],
                           capture_output=True, text=True)
        check(p.returncode != 0, "config with %r accepted" % new)
        check(re.search(re.escape(cfg) + want, p.stderr) is not None,
              "for %r: want /%s/, got %r" % (new, want, p.stderr))
        check(env.op not in p.stderr, "OP shown in an error message")
    # a secret file with junk: the message says where, not what
    with open(os.path.join(env.tmp, "csrf.key"), "w") as f:
        f.write("not-hex-secret-value-xyz\n")
    with open(cfg, "w") as f:
        f.write(text)
    p = subprocess.run([env.portal, "-c", cfg, "--check-config"], capture_output=True,
                       text=True)
    check(p.returncode != 0 and "csrf.secret_file" in p.stderr and
          "not-hex" not in p.stderr, "bad CSRF secret file: %r" % p.stderr)
    p = subprocess.run([env.portal, "--bogus"], capture_output=True, text=True)
    check(p.returncode == 2 and "Usage" in p.stderr, "bad option not refused")


def start_all(env, **kw):
    if os.geteuid() != 0:
        print("SKIP: needs root (ip netns add, ports 80/443, addresses on lo)")
        sys.exit(SKIP)
    env.netns()
    env.start_redis()
    env.write_config(**kw)
    env.start_portal()


def case_pages(env):
    start_all(env)
    env.put_device(DEV1)
    env.put_device(BLOCKED, state="blocked")
    # landing: identity, certificate subject and issuer
    st, h, html = env.page("/", DEV1[1])
    check(st == 200, "landing: %d" % st)
    check(h.get("content-type", "").startswith("text/html"), "landing type")
    check(h.get("cache-control") == "no-store", "landing must not be cached")
    check(DEV1[0] in html, "identity not on the landing page")
    check(html.count("<header") == 1 and html.count('<dd id="identity">') == 1 and
          html.count("<!--") == html.count("-->"), "page layout broken (content twice?)")
    subj = subprocess.run(["openssl", "x509", "-in", env.k("dev-ec.pem"), "-noout",
                           "-subject", "-issuer", "-nameopt", "RFC2253"],
                          capture_output=True, text=True, check=True).stdout
    want_sub = re.search(r"subject=(.*)", subj).group(1).strip()
    want_iss = re.search(r"issuer=(.*)", subj).group(1).strip()
    check(('<dd id="subject"><code>%s</code>' % want_sub.replace("&", "&amp;")) in html,
          "subject %r not on the page" % want_sub)
    check(('<dd id="issuer"><code>%s</code>' % want_iss.replace("&", "&amp;")) in html,
          "issuer %r not on the page" % want_iss)
    check('data-state="limited"' in html, "state not shown")
    # plans: escaped names from the configuration
    st, h, html = env.page("/plans", DEV1[1])
    check(st == 200 and "Day &lt;Pass&gt;" in html and "EUR 2 &amp; tax" in html,
          "plans page: %d, escaping" % st)
    check("<Pass>" not in html, "plan name not escaped")
    # form: labels for every input, CSRF
    st, h, html = env.page("/signup", DEV1[1])
    check(st == 200, "form: %d" % st)
    for fid in ("name", "email", "terms", "plan-day", "plan-month"):
        check('<label for="%s">' % fid in html, "no label for %s" % fid)
    csrf_of(html)
    check("<script" not in html, "pages must work without script")
    # stylesheet
    st, h, css = env.page("/static/portal.css", DEV1[1])
    check(st == 200 and h.get("content-type", "").startswith("text/css") and
          ".masthead" in css, "stylesheet")
    # unknown client: a clear page, not an error
    st, h, html = env.page("/", UNKNOWN_IP)
    check(st == 403 and "do not recognise this device" in html and UNKNOWN_IP in html,
          "unknown client: %d" % st)
    # a blocked device: a page explaining, no form
    st, h, html = env.page("/signup", BLOCKED[1])
    check(st == 403 and "not in the walled garden" in html and 'name="csrf"' not in html,
          "blocked device's form: %d" % st)
    st, h, html = env.page("/nowhere", DEV1[1])
    check(st == 404 and "no such page" in html, "404: %d" % st)
    st, h, html = env.page("/", DEV1[1], "-X", "DELETE")
    check(st == 405 and "allow" in h, "DELETE: %d" % st)
    # plain HTTP to the portal's own name goes to the canonical https URL
    st, h, _ = env.curl("http://portal.example/plans", DEV1[1])
    check(st == 302 and h.get("location") == BASE + "/plans", "http->https: %d %s" %
          (st, h.get("location")))
    # store down: 503 page, not a hang or a crash; back when it returns
    env.redis.stop()
    st, h, html = env.page("/", DEV1[1])
    check(st == 503 and "Temporarily unavailable" in html, "store down: %d" % st)
    env.redis = None
    check(env.stop_portal() == 0, "gg-portal did not exit 0 on SIGTERM")
    check("stopping" in env.logs(), "no stop message")


PROBES = [
    ("http://captive.apple.com/hotspot-detect.html", 200,
     b"<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"),
    ("http://connectivitycheck.gstatic.com/generate_204", 204, b""),
    ("http://clients3.google.com/generate_204", 204, b""),
    ("http://www.msftconnecttest.com/connecttest.txt", 200, b"Microsoft Connect Test"),
    ("http://www.msftncsi.com/ncsi.txt", 200, b"Microsoft NCSI"),
    ("http://detectportal.firefox.com/success.txt", 200, b"success\n"),
]


def probe(env, url, src):
    host = url.split("/")[2]
    return env.curl(url, src, "--resolve", host + ":80:" + PORTAL_IP,
                    host_resolve=False)


def case_probes(env):
    start_all(env)
    env.put_device(DEV1)
    for state in ("limited", "provisioned"):
        env.set_state(DEV1[0], state)
        for url, _, _ in PROBES + [("http://www.example.com/some/page?x=1", 0, b"")]:
            st, h, _ = probe(env, url, DEV1[1])
            check(st in (302, 303) and h.get("location") == BASE + "/signup",
                  "%s while %s: %d -> %s" % (url, state, st, h.get("location")))
            check(h.get("cache-control") == "no-store", "probe answer cacheable")
    # also over HTTPS with any name the client asked for (no valid cert
    # for it, as on a real captive network: -k)
    st, h, _ = env.curl("https://www.example.com/", DEV1[1], "-k", "--resolve",
                        "www.example.com:443:" + PORTAL_IP, host_resolve=False)
    check(st == 302 and h.get("location") == BASE + "/signup", "https foreign: %d" % st)
    env.set_state(DEV1[0], "full")
    for url, status, body in PROBES:
        st, h, b = probe(env, url, DEV1[1])
        check(st == status and b == body, "%s when full: %d %r" % (url, st, b))
    # unknown client: sent to the landing page, which explains
    st, h, _ = probe(env, PROBES[0][0], UNKNOWN_IP)
    check(st == 302 and h.get("location") == BASE + "/", "unknown probe: %d" % st)


def api(env, src, *extra):
    st, h, b = env.curl(BASE + "/api/captive", src, *extra)
    return st, h, b


def case_api(env):
    start_all(env)
    created = int(time.time() * 1000) - 600 * 1000   # 10 minutes ago
    env.put_device(DEV1, created_ms=created)
    st, h, b = api(env, DEV1[1], "-H", "Accept: application/captive+json")
    check(st == 200, "api: %d %r" % (st, b))
    check(h.get("content-type") == "application/captive+json", "type %r" %
          h.get("content-type"))
    check(h.get("cache-control") == "private", "Cache-Control %r" % h.get("cache-control"))
    j = json.loads(b)
    check(j["captive"] is True and j["user-portal-url"] == BASE + "/signup" and
          j["venue-info-url"] == "https://venue.example/info", "api body %r" % j)
    check(2990 <= j["seconds-remaining"] <= 3000, "seconds-remaining %r" %
          j.get("seconds-remaining"))
    for accept in ("*/*", "application/*;q=0.5", "text/html, */*;q=0.1",
                   "application/captive+json;q=0.3, text/html"):
        st, h, b = api(env, DEV1[1], "-H", "Accept: " + accept)
        check(st == 200, "Accept %r: %d" % (accept, st))
    for accept in ("text/html", "application/json", "application/captive+json;q=0",
                   "*/*;q=0", "application/*;q=0, text/*"):
        st, h, b = api(env, DEV1[1], "-H", "Accept: " + accept)
        check(st == 406 and h.get("content-type") == "application/problem+json" and
              json.loads(b)["status"] == 406, "Accept %r: %d %r" % (accept, st, b))
    st, h, b = api(env, UNKNOWN_IP)
    check(st == 403 and h.get("content-type") == "application/problem+json",
          "api unknown client: %d" % st)
    env.set_state(DEV1[0], "provisioned")
    check(json.loads(api(env, DEV1[1])[2])["captive"] is True, "provisioned is captive")
    env.set_state(DEV1[0], "full")
    st, h, b = api(env, DEV1[1])
    j = json.loads(b)
    check(st == 200 and j["captive"] is False and "seconds-remaining" not in j,
          "api after full: %r" % j)
    # the API is HTTPS: plain HTTP gets sent there
    st, h, _ = env.curl("http://portal.example/api/captive", DEV1[1])
    check(st == 302 and h.get("location") == BASE + "/api/captive", "api over http")


def open_profile(env, der, dev):
    p = os.path.join(env.tmp, "p.der")
    with open(p, "wb") as f:
        f.write(der)
    signed = os.path.join(env.tmp, "signed.der")
    out = os.path.join(env.tmp, "profile.json")
    for cmd in (["openssl", "cms", "-decrypt", "-inform", "DER", "-in", p,
                 "-inkey", env.k(dev[2] + ".key"), "-recip", env.k(dev[2] + ".pem"),
                 "-out", signed],
                ["openssl", "cms", "-verify", "-inform", "DER", "-in", signed,
                 "-CAfile", env.k("operator-ca.pem"), "-out", out]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        check(r.returncode == 0, "%s: %s" % (" ".join(cmd[:3]), r.stderr))
    return json.load(open(out))


def opc_of(k_hex, op_hex):
    enc = subprocess.run(["openssl", "enc", "-aes-128-ecb", "-nopad", "-K", k_hex],
                         input=bytes.fromhex(op_hex), capture_output=True, check=True)
    return bytes(a ^ b for a, b in zip(enc.stdout, bytes.fromhex(op_hex))).hex()


def signup_ok(env, dev, plan, seq):
    body = signup_form(env, dev, plan=plan)
    st, h, html = post_signup(env, dev, body)
    check(st == 303 and h.get("location") == "/result", "sign-up: %d %s %s" %
          (st, h.get("location"), html[:300]))
    rec = env.redis.hgetall("gg:device:" + dev[0])
    supi = "imsi-00101%010d" % seq
    check(rec["state"] == "provisioned" and rec["supi"] == supi,
          "record after sign-up: state %s supi %s" % (rec.get("state"), rec.get("supi")))
    sub = env.redis.hgetall("gg:subscription:" + supi)
    check(sub.get("identity") == dev[0] and sub.get("plan") == plan and
          re.fullmatch(r"[0-9a-f]{32}", sub.get("k", "")) and sub.get("amf") == "8000",
          "subscription hash %r" % {k: v for k, v in sub.items() if k not in ("k", "opc")})
    SECRETS.extend([sub["k"], sub["opc"]])
    check(sub["opc"] == opc_of(sub["k"], env.op), "OPc is not Milenage's OPc of K and OP")
    der = env.redis.cmd("GET", "gg:profile:" + dev[0])
    check(der is not None and len(der) > 200, "no profile stored")
    prof = open_profile(env, der, dev)
    check(prof["supi"] == supi and prof["deviceIdentity"] == dev[0] and
          prof["k"].lower() == sub["k"] and prof["opc"].lower() == sub["opc"] and
          prof["plmnId"] == {"mcc": "001", "mnc": "01"} and prof["dnn"] == "internet",
          "profile content: %r" % {k: v for k, v in prof.items() if k not in ("k", "opc")})
    schema = "doc/profile.schema.json"
    if os.path.exists(schema):
        try:
            import jsonschema
            jsonschema.validate(prof, json.load(open(schema)))
        except ImportError:
            print("note: python3-jsonschema missing; profile schema not checked")
    st, h, html = env.page("/result", dev[1])
    check(st == 200 and supi in html and 'data-state="provisioned"' in html,
          "result page: %d" % st)
    return supi


def case_signup(env):
    start_all(env)
    env.put_device(DEV1)
    env.put_device(DEV2)
    supi1 = signup_ok(env, DEV1, "month", 1)      # EC device
    supi2 = signup_ok(env, DEV2, "day", 2)        # RSA device
    check(supi1 != supi2, "two devices, one SUPI")
    # the API now says captive until delivery, then not captive
    check(json.loads(api(env, DEV1[1])[2])["captive"] is True, "provisioned: captive")
    env.set_state(DEV1[0], "full")
    check(json.loads(api(env, DEV1[1])[2])["captive"] is False, "full: not captive")
    st, h, html = env.page("/result", DEV1[1])
    check(st == 200 and "you are online" in html, "result when full")
    logs = env.logs()
    check("signed up " + DEV1[0] in logs, "sign-up not logged")
    for s in SECRETS:
        check(s not in logs.lower(), "a secret is in the portal's log")
    check(env.stop_portal() == 0, "SIGTERM exit status")


def case_hostile(env):
    start_all(env, max_form=1024)
    env.put_device(DEV1)
    env.put_device(DEV2)
    env.put_device(BLOCKED, state="blocked")
    good = signup_form(env, DEV1)
    # forged: a token made up, one bit changed, missing, from another address
    tok = re.search(r"csrf=([0-9a-f]+)", good).group(1)
    flipped = tok[:-1] + ("0" if tok[-1] != "0" else "1")
    for body, why in ((good.replace(tok, "0" * 80), "made-up token"),
                      (good.replace(tok, flipped), "flipped token"),
                      (re.sub(r"csrf=[0-9a-f]+&", "", good), "no token")):
        st, h, html = post_signup(env, DEV1, body)
        check(st == 403 and "Nothing was saved" in html, "%s: %d" % (why, st))
    # DEV1's token replayed from DEV2's address
    st, h, html = post_signup(env, DEV2, good)
    check(st == 403, "token from another address: %d" % st)
    check(env.redis.hgetall("gg:device:" + DEV1[0])["state"] == "limited" and
          env.redis.hgetall("gg:device:" + DEV2[0])["state"] == "limited",
          "a refused sign-up changed a record")
    check(env.redis.cmd("KEYS", "gg:subscription:*") == [], "half-written subscription")
    # validation: the form again with messages at the fields, 400
    bad = good.replace("email=ana%40example.org", "email=nope").replace("&terms=yes", "")
    st, h, html = post_signup(env, DEV1, bad)
    check(st == 400 and 'id="email-error"' in html and 'id="terms-error"' in html and
          'aria-invalid="true"' in html and 'role="alert"' in html,
          "invalid form: %d" % st)
    check('value="Ana Lima"' in html, "valid input lost when re-showing the form")
    xss = good.replace("name=Ana+Lima", "name=%3Cscript%3Ex%3C%2Fscript%3E&x=%22")
    st, h, html = post_signup(env, DEV1, xss.replace("&terms=yes", ""))
    check(st == 400 and "<script>x" not in html and "&lt;script&gt;" in html,
          "input not escaped when re-shown")
    # oversized form: 413 before the body is read, and by chunks too
    big = good + "&pad=" + "a" * 2000
    st, h, html = post_signup(env, DEV1, big)
    check(st == 413 and "Form too large" in html, "oversized: %d" % st)
    st, h, html = post_signup(env, DEV1, big, "-H", "Transfer-Encoding: chunked")
    check(st == 413, "oversized chunked: %d" % st)
    st, h, html = env.page("/signup", DEV1[1], "-H", "Content-Type: text/plain",
                           data=b"csrf=x")
    check(st == 415, "wrong content type: %d" % st)
    # not a LIMITED UE: unknown address, blocked device
    st, h, html = post_signup(env, ("x", UNKNOWN_IP, "x"), good)
    check(st == 403 and "do not recognise" in html, "unknown address sign-up: %d" % st)
    st, h, html = env.page("/signup", BLOCKED[1])
    st, h, html = post_signup(env, BLOCKED, good)
    check(st == 403, "blocked device sign-up: %d" % st)
    # now the real one, then the same POST replayed, then a fresh second one
    st, h, html = post_signup(env, DEV1, good)
    check(st == 303, "good sign-up: %d %s" % (st, html[:300]))
    rec = env.redis.hgetall("gg:device:" + DEV1[0])
    supi = rec["supi"]
    st, h, html = post_signup(env, DEV1, good)
    check(st == 409 and 'id="already"' in html, "replayed sign-up: %d" % st)
    st, h, html = env.page("/signup", DEV1[1])
    check(st == 303 and h.get("location") == "/result", "form after sign-up: %d" % st)
    check(len(env.redis.cmd("KEYS", "gg:subscription:*")) == 1 and
          env.redis.hgetall("gg:device:" + DEV1[0])["supi"] == supi,
          "second sign-up wrote something")
    # a second portal racing: the store refuses the state change (CONFLICT)
    body2 = signup_form(env, DEV2)
    env.set_state(DEV2[0], "provisioned")
    st, h, html = post_signup(env, DEV2, body2)
    check(st == 409, "sign-up of a device provisioned meanwhile: %d" % st)
    env.set_state(DEV2[0], "limited")
    # a device without a certificate cannot get a profile
    env.put_device(FULLDEV, cert=False)
    st, h, html = post_signup(env, FULLDEV, signup_form(env, FULLDEV))
    check(st == 409 and "no certificate" in html, "no certificate: %d" % st)
    check(env.redis.hgetall("gg:device:" + FULLDEV[0])["state"] == "limited",
          "certificate-less device changed")
    check("CSRF token forged" in env.logs(), "forged token not logged")


def case_restart(env):
    """Tokens survive a restart (and would be accepted by another portal
    with the same secret): nothing is kept in the process."""
    start_all(env)
    env.put_device(DEV1)
    body = signup_form(env, DEV1)
    check(env.stop_portal() == 0, "SIGTERM exit status")
    env.start_portal()
    st, h, html = post_signup(env, DEV1, body)
    check(st == 303, "token made before the restart: %d" % st)
    check(env.redis.hgetall("gg:device:" + DEV1[0])["state"] == "provisioned",
          "not provisioned")


CASES = {
    "config": case_config,
    "pages": case_pages,
    "probes": case_probes,
    "api": case_api,
    "signup": case_signup,
    "hostile": case_hostile,
    "restart": case_restart,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--portal", required=True)
    ap.add_argument("--builddir", required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="gg-portal-test.")
    env = Env(args, tmp)
    ok = False
    try:
        CASES[args.case](env)
        ok = True
    except Fail as e:
        print("FAIL %s: %s" % (args.case, e))
    finally:
        env.cleanup()
        if not ok:
            print("--- portal.log\n" + env.logs())
        shutil.rmtree(tmp, ignore_errors=True)
    if ok:
        print("PASS %s" % args.case)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
