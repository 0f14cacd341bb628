#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Harness of the integration suite: the processes a case runs (a private
redis-server, CA HTTP servers, gardengate on null ports) and the clients it
checks them with (curl for the SBI, openssl for the device signatures,
redis-cli for the store, the DPDK telemetry socket for the data plane).

Every process a case starts is registered with its Env and killed when the
case ends, whatever happened. Nothing here is shared between cases: each
has its own temporary folder, Redis socket, ports and DPDK --file-prefix.
"""
import base64
import http.server as http_server
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import socketserver
import struct
import subprocess
import tempfile
import threading
import time

EAL = ["--no-huge", "--no-pci", "-m", "256", "-l", "0-1"]
NULL_PORTS = ["--n3", "net_null_n3,no-rx=1", "--n6", "net_null_n6,no-rx=1"]
ROOT = "/nausf-auth/v1/ue-authentications"
SNN = "5G:mnc001.mcc001.3gppnetwork.org"
TBS_LABEL = b"gardengate one-way auth v1"
GNB = "192.0.2.10"
N3_ADDR = "192.0.2.1"           # config/gardengate.conf ports.n3.address
STATIC_UES = {"10.45.0.2", "10.45.0.3", "10.45.0.4"}
STATIC_SESSIONS = 3
PORTAL_API = "https://portal.example/api/captive"
QFI = 9
# The device hash fields of doc/store.rst (qfi present: ausf.qfi is set).
RECORD_FIELDS = {"identity", "state", "cert_pem", "cert_url", "ue_ipv4", "ul_teid",
                 "dl_teid", "gnb_ipv4", "qfi", "auth_ctx_id", "auth_client", "notify_uri",
                 "supi", "created_ms", "updated_ms"}
# The good devices of scripts/test-pki.sh: (identity, certificate, key).
DEV_EC = ("nai-dev0001@maker.example", "dev-ec.pem", "dev-ec.key")
DEV_RSA = ("nai-dev0002@maker.example", "dev-rsa.pem", "dev-rsa.key")
DEV_INT = ("nai-dev0003@maker.example", "dev-int-chain.pem", "dev-int.key")


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def wall_ms():
    return int(time.time() * 1000)


def wait_for(what, fn, timeout=10.0, step=0.05):
    """Poll fn() until it returns something true; Fail after timeout."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.time() >= deadline:
            raise Fail("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(step)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- per-case environment ------------------------------------------------

class Env:
    """A case's temporary folder and every process it started."""

    def __init__(self, name, args):
        self.name = name
        self.args = args
        root = getattr(args, "workroot", None) or tempfile.gettempdir()
        # A failed run's folder is kept for inspection until the next run of
        # the same case.
        for old in os.listdir(root):
            if old.startswith("gg-int-%s-" % name) and os.path.isdir(os.path.join(root, old)):
                shutil.rmtree(os.path.join(root, old), ignore_errors=True)
        self.tmp = tempfile.mkdtemp(prefix="gg-int-%s-" % name, dir=root)
        self.procs = []          # (Popen, label)
        self.cleanups = []
        self.failures = []       # collected by sub()
        self.gardengates = []

    def path(self, *p):
        return os.path.join(self.tmp, *p)

    def spawn(self, label, cmd, log=None, env=None, **kw):
        out = open(log or self.path(label + ".log"), "ab")
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env=env, **kw)
        out.close()
        self.procs.append((p, label))
        return p

    def on_close(self, fn):
        self.cleanups.append(fn)

    def close(self, ok):
        for p, label in self.procs:
            if p.poll() is None:
                p.kill()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    print("cleanup: %s (pid %d) did not die" % (label, p.pid))
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as e:  # keep cleaning up
                print("cleanup: %s" % e)
        if ok:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            print("kept for inspection: %s" % self.tmp)

    class _Sub:
        def __init__(self, env, name):
            self.env, self.name = env, name

        def __enter__(self):
            return self

        def __exit__(self, et, ev, tb):
            if et is Fail:
                self.env.failures.append("%s: %s" % (self.name, ev))
                print("  FAIL %s: %s" % (self.name, ev))
                return True
            if et is None:
                print("  ok   %s" % self.name)
            return False

    def sub(self, name):
        """A sub-check whose Fail is recorded and does not stop the case."""
        return Env._Sub(self, name)


# ---- Redis -----------------------------------------------------------------

class Redis:
    """A private redis-server on a unix socket in the case's folder."""

    def __init__(self, env, name="redis", aof=False):
        self.env = env
        self.dir = env.path(name)
        os.makedirs(self.dir, exist_ok=True)
        # The socket in a short folder of its own: sun_path holds 107 octets
        # and the build folder may be deep.
        sockdir = tempfile.mkdtemp(prefix="gg-int-redis-")
        env.on_close(lambda: shutil.rmtree(sockdir, ignore_errors=True))
        self.sock = os.path.join(sockdir, "redis.sock")
        self.aof = aof
        self.proc = None
        self.log = os.path.join(self.dir, "redis.log")

    def start(self):
        """Start (again) on the same socket. A dump.rdb in its folder (see
        seed_from) is loaded; with aof, the append-only file is."""
        cmd = ["redis-server", "--port", "0", "--unixsocket", self.sock,
               "--unixsocketperm", "700", "--save", "", "--dir", self.dir,
               "--daemonize", "no", "--logfile", ""]
        if self.aof:
            # Survives SIGKILL: every write is on disk before it is answered.
            cmd += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            cmd += ["--appendonly", "no"]
        self.proc = self.env.spawn("redis", cmd, log=self.log)
        wait_for("redis-server to answer PING",
                 lambda: self._try(["PING"]) == "PONG", timeout=10)

    def _try(self, args):
        p = subprocess.run(["redis-cli", "-s", self.sock] + args,
                           capture_output=True, text=True, timeout=10)
        return p.stdout.strip() if p.returncode == 0 else None

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=10)

    def seed_from(self, other):
        """Take other's data (SAVE, then its dump.rdb) for our next start."""
        other.cli("SAVE")
        shutil.copy(os.path.join(other.dir, "dump.rdb"), os.path.join(self.dir, "dump.rdb"))

    def cli(self, *args):
        p = subprocess.run(["redis-cli", "-s", self.sock] + list(args),
                           capture_output=True, text=True, timeout=10)
        check(p.returncode == 0 and not p.stdout.startswith("ERR"),
              "redis-cli %s: %s %s" % (" ".join(args), p.stdout, p.stderr))
        return p.stdout

    def json(self, *args):
        return json.loads(self.cli("--json", *args))

    def hgetall(self, key):
        return self.json("HGETALL", key)

    def get(self, key):
        return self.json("GET", key)

    def smembers(self, key):
        return set(self.json("SMEMBERS", key))

    def keys(self, pattern="gg:*"):
        out = self.cli("--scan", "--pattern", pattern)
        return set(l for l in out.splitlines() if l)

    def numsub(self, channel="gg:events"):
        r = self.json("PUBSUB", "NUMSUB", channel)
        return int(r[1]) if isinstance(r, list) else int(r.get(channel, 0))


class Subscriber:
    """redis-cli SUBSCRIBE gg:events in the background, messages to a file."""

    def __init__(self, env, redis, channel="gg:events"):
        self.file = env.path("events-%d.txt" % len(env.procs))
        self.proc = env.spawn("subscriber", ["redis-cli", "-s", redis.sock, "SUBSCRIBE",
                                             channel], log=self.file)
        wait_for("the test's subscription", lambda: redis.numsub(channel) >= 1)

    def events(self):
        out = []
        with open(self.file, errors="replace") as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    out.append(json.loads(line))
        return out


# ---- CA servers -------------------------------------------------------------

# python3 -m http.server with a listen backlog of 128 instead of 5: the
# AuSF opens up to ausf.fetch_max_per_host (8) connections at once, and
# SYNs over a backlog of 5 wait a second for their retransmission.
CA_SERVER = """
import functools, http.server, sys
http.server.ThreadingHTTPServer.request_queue_size = 128
http.server.test(HandlerClass=functools.partial(http.server.SimpleHTTPRequestHandler,
                                                directory=sys.argv[2]),
                 ServerClass=http.server.ThreadingHTTPServer, port=int(sys.argv[1]),
                 bind="127.0.0.1")
"""


class CaServer:
    """`python3 -m http.server` on a free port over a copy of the PKI (the
    case adds files of its own to it); counts the requests per path from
    its log."""

    def __init__(self, env, pki, name="ca"):
        self.env = env
        self.dir = env.path(name)
        shutil.copytree(pki, self.dir, ignore=shutil.ignore_patterns(".*"))
        self.log = env.path(name + ".log")
        self.port = None
        self.proc = None

    def start(self):
        for _ in range(5):
            self.port = free_port()
            self.proc = self.env.spawn("ca", ["/usr/bin/python3", "-u", "-c", CA_SERVER,
                                              str(self.port), self.dir], log=self.log)
            try:
                wait_for("the CA server", self._up, timeout=5)
                return self
            except Fail:
                self.proc.kill()
        raise Fail("the CA server did not start")

    def _up(self):
        if self.proc.poll() is not None:
            raise Fail("CA server exited: " + open(self.log).read()[-500:])
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    @property
    def prefix(self):
        return "http://127.0.0.1:%d/" % self.port

    def url(self, name):
        return self.prefix + name

    def requests(self, path=None):
        """How many GETs were logged, all or of one path ("/dev-ec.pem")."""
        text = open(self.log, errors="replace").read()
        hits = re.findall(r'"GET (\S+) HTTP/1\.[01]"', text)
        return len(hits) if path is None else sum(1 for h in hits if h == path)

    def add_file(self, name, data):
        with open(os.path.join(self.dir, name), "wb") as f:
            f.write(data)


class SlowCa:
    """A CA that accepts, reads the request and answers only after
    `delay` seconds: longer than ausf.fetch_timeout_ms."""

    def __init__(self, env, delay):
        self.delay = delay
        self.hits = 0
        outer = self

        class Handler(http_server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits += 1
                time.sleep(outer.delay)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *a):
                pass

        class Server(socketserver.ThreadingMixIn, http_server.HTTPServer):
            daemon_threads = True

        self.srv = Server(("127.0.0.1", 0), Handler)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        env.on_close(self.srv.shutdown)

    @property
    def prefix(self):
        return "http://127.0.0.1:%d/" % self.port


class DeadPort:
    """A TCP port bound but not listening: connecting is refused, and nobody
    else can take the port while the case runs."""

    def __init__(self, env):
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.port = self.s.getsockname()[1]
        env.on_close(self.s.close)

    @property
    def prefix(self):
        return "http://127.0.0.1:%d/" % self.port


# ---- configuration -----------------------------------------------------------

def write_config(env, src, ca_bundle, prefixes, redis_sock, name="gg.conf", ue_pool=None,
                 sbi=None, store_auth=None, **ausf):
    """config/gardengate.conf with the AuSF's CA bundle, certificate URL
    prefixes and Redis socket rewritten, and any ausf setting (challenge_ttl,
    fetch_timeout_ms, cert_cache_ttl, device_burst, ...) overridden. Each
    rewritten line must exist exactly once: a changed default configuration
    fails here, loudly, rather than silently testing something else."""
    text = open(os.path.join(src, "config", "gardengate.conf")).read()

    def sub(pattern, repl):
        nonlocal text
        text, n = re.subn(pattern, lambda m: repl, text, flags=re.M)
        check(n == 1, "config/gardengate.conf: %r matched %d times" % (pattern, n))

    sub(r'^(\s*)ca_bundle = "[^"]*";.*$', '  ca_bundle = "%s";' % ca_bundle)
    sub(r'^\s*cert_url_prefixes = \[[^\]]*\];.*$',
        "  cert_url_prefixes = [ %s ];" % ", ".join('"%s"' % p for p in prefixes))
    sub(r'^\s*unix = "[^"]*";.*$', '  unix = "%s";' % redis_sock + (
        '\n  user = "%s";\n  password = "%s";' % store_auth if store_auth else ""))
    # The SBI's TLS files from the same PKI as the CA bundle.
    pki = os.path.dirname(ca_bundle)
    text, n = re.subn(r'"build/demo/pki/((?:sbi|nf-ca)\.(?:pem|key))"',
                      lambda m: '"%s"' % os.path.join(pki, m.group(1)), text)
    check(n == 3, "config/gardengate.conf: %d sbi.tls file names, expected 3" % n)
    if ue_pool is not None:
        sub(r'^\s*ue_pool = "[^"]*";.*$', '  ue_pool = "%s";' % ue_pool)
    if sbi:
        # More sbi settings, e.g. {"max_connections_per_client": 4}.
        sub(r'^sbi = \{', "sbi = { " + " ".join("%s = %s;" % (k, v) for k, v in sbi.items()))
    for k, v in ausf.items():
        if k in ("device_burst", "device_refill_ms", "client_burst", "client_refill_ms",
                 "pending", "per_client", "per_identity"):
            sub(r'\b%s = \d+;' % k, "%s = %d;" % (k, v))
        else:
            sub(r'^\s*%s = \d+;.*$' % k, "  %s = %d;" % (k, v))
    path = env.path(name)
    with open(path, "w") as f:
        f.write(text)
    return path


# ---- gardengate --------------------------------------------------------------

class Gardengate:
    """gardengate on null ports with an ephemeral SBI port."""

    def __init__(self, env, binary, conf, prefix, run_env=None, tls=False):
        self.env = env
        self.tls = tls           # False: --sbi-h2c (cleartext on loopback)
        self.binary = binary
        self.conf = conf
        self.prefix = prefix
        self.run_env = run_env
        self.proc = None
        self.port = None
        self.log = None
        self.starts = 0
        env.on_close(self._remove_runtime)
        env.gardengates.append(self)

    def start(self, wait_restored=True):
        self.starts += 1
        self.log = self.env.path("%s-%d.log" % (self.prefix, self.starts))
        self.stats = self.env.path("%s-%d.json" % (self.prefix, self.starts))
        cmd = [self.binary] + EAL + ["--file-prefix", self.prefix, "--",
                                     "-f", self.conf] + NULL_PORTS + \
            ["--sbi-listen", "127.0.0.1:0", "--stats-file", self.stats] + \
            ([] if self.tls else ["--sbi-h2c"])
        self.proc = self.env.spawn("gardengate", cmd, log=self.log, env=self.run_env)
        m = wait_for("'AuSF listening on' in the log",
                     lambda: self._alive() and re.search(
                         r"AuSF listening on 127\.0\.0\.1:(\d+)", self.text()), timeout=60)
        self.port = int(m.group(1))
        check(self.port != 0, "listening on port 0")
        wait_for("the telemetry socket", lambda: self._alive() and
                 self.telemetry("/gardengate/info") is not None, timeout=30)
        if wait_restored:
            wait_for("the restore from the store", lambda: self._alive() and
                     "session(s) restored" in self.text(), timeout=30)
        return self

    def _alive(self):
        if self.proc.poll() is not None:
            raise Fail("gardengate exited (%d):\n%s" % (self.proc.returncode, self.tail()))
        return True

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def tail(self, n=60):
        return "\n".join(self.text().splitlines()[-n:])

    def stop(self, sig=signal.SIGTERM, timeout=60):
        """Stop and check a clean exit (0)."""
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise Fail("gardengate did not stop within %d s of %s" % (timeout, sig))
        check(rc == 0, "gardengate exit status %d after %s:\n%s" % (rc, sig, self.tail()))
        return rc

    def _remove_runtime(self):
        # Our --file-prefix's runtime folder only.
        d = os.path.join("/var/run/dpdk", self.prefix)
        if self.proc is not None and self.proc.poll() is not None and os.path.isdir(d):
            shutil.rmtree(d, ignore_errors=True)

    # -- telemetry --

    def telemetry(self, cmd):
        """The value of a telemetry command, None if the socket is absent
        or the command answered null."""
        path = os.path.join("/var/run/dpdk", self.prefix, "dpdk_telemetry.v2")
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.settimeout(5)
            s.connect(path)
        except OSError:
            return None
        try:
            s.recv(16384)
            s.send(cmd.encode())
            reply = json.loads(s.recv(65536).decode())
        finally:
            s.close()
        key = cmd.split(",")[0]
        return reply.get(key)

    def session(self, teid):
        return self.telemetry("/gardengate/session,0x%08x" % teid)

    def session_count(self):
        return self.telemetry("/gardengate/info")["sessions"]

    def url(self, path=ROOT):
        return "%s://127.0.0.1:%d%s" % ("https" if self.tls else "http", self.port, path)

    def log_count(self, pattern):
        return len(re.findall(pattern, self.text()))


# ---- HTTP/2 with curl ---------------------------------------------------------

class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    @property
    def ctype(self):
        return self.headers.get("content-type")

    def __repr__(self):
        return "%s %s %s" % (self.status, self.ctype, self.body[:300])


def _curl(method, url, body, ctype, timeout, interface=None, curl_args=()):
    # https: HTTP/2 by ALPN; http: h2c with prior knowledge.
    cmd = ["curl", "--http2" if url.startswith("https:") else "--http2-prior-knowledge",
           "-sS", "-i", "--max-time", str(timeout), "-X", method] + list(curl_args)
    if interface is not None:
        cmd += ["--interface", interface]
    data = b""
    if body is not None:
        data = json.dumps(body).encode() if isinstance(body, (dict, list)) else \
            body.encode() if isinstance(body, str) else body
        cmd += ["--data-binary", "@-",
                "-H", ("content-type: %s" % ctype) if ctype else "content-type:"]
    return cmd + [url], data


def _parse(method, url, rc, out, err):
    check(rc == 0, "curl %s %s: exit %d: %s" % (method, url, rc, err.decode(errors="replace")))
    head, _, rest = out.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    m = re.match(r"HTTP/2 (\d{3})", lines[0])
    check(m is not None, "not an HTTP/2 answer: %r" % out[:200])
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    return Resp(int(m.group(1)), headers, rest.decode(errors="replace"))


def http(method, url, body=None, ctype="application/json", timeout=20, interface=None,
         curl_args=()):
    """One request with curl --http2-prior-knowledge (one URL per curl: 7.88
    cannot reuse a prior-knowledge connection). body: dict or list (sent as
    JSON), str or bytes; ctype None sends no content-type at all; interface:
    the source address (another loopback address is another client)."""
    cmd, data = _curl(method, url, body, ctype, timeout, interface, curl_args)
    p = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout + 10)
    return _parse(method, url, p.returncode, p.stdout, p.stderr)


def http_start(method, url, body=None, ctype="application/json", timeout=20):
    """The same request in the background: poll() it, then http_finish()."""
    cmd, data = _curl(method, url, body, ctype, timeout)
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdin.write(data)
    p.stdin.close()
    p.stdin = None
    p.gg_what = (method, url, timeout)
    return p


def http_finish(p):
    method, url, timeout = p.gg_what
    out, err = p.communicate(timeout=timeout + 10)
    return _parse(method, url, p.returncode, out, err)


def check_problem(r, status, cause=None, params=None, detail_has=None, what=""):
    """A TS 29.500 ProblemDetails answer: status, content type, body status
    and cause, and (params) exactly these invalidParams pointers."""
    what = what + ": " if what else ""
    check(r.status == status, "%sstatus %d, expected %d: %r" % (what, r.status, status, r))
    check(r.ctype == "application/problem+json",
          "%scontent-type %r, expected application/problem+json: %r" % (what, r.ctype, r))
    j = r.json
    check(isinstance(j, dict), "%sproblem body is not a JSON object: %r" % (what, r.body))
    check(j.get("status") == status, "%sproblem status %r: %r" % (what, j.get("status"), j))
    if cause is not None:
        check(j.get("cause") == cause, "%scause %r, expected %r: %r" %
              (what, j.get("cause"), cause, j))
    if params is not None:
        got = sorted(p.get("param") for p in j.get("invalidParams", []))
        check(got == sorted(params), "%sinvalidParams %s, expected %s: %r" %
              (what, got, sorted(params), j))
    if detail_has is not None:
        check(detail_has in (j.get("detail") or ""),
              "%sdetail %r lacks %r" % (what, j.get("detail"), detail_has))
    return j


def h2load(env, url, n, body=None, clients=1, streams=1, extra=(), timeout=120):
    """h2load (nghttp2-client) against url: n requests over `clients`
    connections with `streams` concurrent streams each; body (dict, sent
    as a JSON POST) from a file. Returns {"2xx": .., "4xx": .., "5xx": ..,
    "succeeded": .., "failed": .., "errored": .., "text": output}."""
    cmd = ["h2load", "-n", str(n), "-c", str(clients), "-m", str(streams)]
    if body is not None:
        path = env.path("h2load-body-%d.json" % len(env.procs))
        with open(path, "w") as f:
            json.dump(body, f)
        cmd += ["-d", path, "-H", "content-type: application/json"]
    cmd += list(extra) + [url]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    out = p.stdout + p.stderr
    res = {"text": out}
    m = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    check(m is not None, "h2load: no status line:\n%s" % out[-800:])
    res.update({"2xx": int(m.group(1)), "4xx": int(m.group(3)), "5xx": int(m.group(4))})
    m = re.search(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, "
                  r"(\d+) errored", out)
    check(m is not None, "h2load: no requests line:\n%s" % out[-800:])
    res.update({"succeeded": int(m.group(1)), "failed": int(m.group(2)),
                "errored": int(m.group(3))})
    return res


# ---- device side ----------------------------------------------------------------

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    check(re.fullmatch(r"[A-Za-z0-9_-]*", text) is not None, "not base64url: %r" % text)
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def tbs(challenge, snn, identity):
    """gg_auth_tbs(): label, NUL, then length-prefixed challenge, SNN, identity."""
    out = TBS_LABEL + b"\0"
    for part in (challenge, snn.encode(), identity.encode()):
        out += struct.pack(">H", len(part)) + part
    return out


_key_types = {}


def key_type(key):
    if key not in _key_types:
        p = subprocess.run(["openssl", "pkey", "-in", key, "-noout", "-text"],
                           capture_output=True, text=True, check=True)
        _key_types[key] = "rsa" if "modulus:" in p.stdout else "ec"
    return _key_types[key]


def sign(key, data, scheme=None):
    """The device's signature with the openssl CLI: ECDSA-SHA256 (DER) for EC
    keys, RSA-PSS-SHA256 with MGF1-SHA256 and a 32-octet salt for RSA.
    scheme "pkcs1" signs RSA with PKCS#1 v1.5 instead (must be refused)."""
    cmd = ["openssl", "dgst", "-sha256", "-sign", key]
    if (scheme or key_type(key)) == "rsa":
        cmd += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
                "-sigopt", "rsa_mgf1_md:sha256"]
    p = subprocess.run(cmd, input=data, capture_output=True, timeout=20)
    check(p.returncode == 0, "openssl dgst: %s" % p.stderr.decode(errors="replace"))
    return p.stdout


class Device:
    def __init__(self, identity, cert_url, key, cert_file, dl_teid=0x00000a01, gnb=GNB,
                 snn=SNN):
        self.identity = identity
        self.cert_url = cert_url
        self.key = key
        self.cert_file = cert_file
        self.dl_teid = dl_teid
        self.gnb = gnb
        self.snn = snn

    def create_body(self, **over):
        b = {"supiOrSuci": self.identity, "servingNetworkName": self.snn,
             "certificateUrl": self.cert_url,
             "anTunnelInfo": {"ipv4Addr": self.gnb, "gtpTeid": "%08x" % self.dl_teid}}
        b.update(over)
        return b


def pki_device(ca, spec, dl_teid=0x00000a01, url_name=None):
    identity, cert, key = spec
    return Device(identity, ca.url(url_name or cert), os.path.join(ca.dir, key),
                  os.path.join(ca.dir, cert), dl_teid=dl_teid)


def make_device_cert(env, ca, identity, name, curve="prime256v1"):
    """A good device certificate for @identity issued by the PKI's root CA
    (valid from now for 30 days), served by @ca as NAME.pem."""
    key = os.path.join(ca.dir, name + ".key")
    csr = env.path(name + ".csr")
    ext = env.path(name + ".ext")
    pem = os.path.join(ca.dir, name + ".pem")
    with open(ext, "w") as f:
        f.write("[ext]\nbasicConstraints = critical, CA:FALSE\n"
                "keyUsage = critical, digitalSignature\n"
                "extendedKeyUsage = clientAuth\n"
                "subjectAltName = URI:urn:gardengate:device:%s\n" % identity)
    for cmd in (["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                 "ec_paramgen_curve:" + curve, "-out", key],
                ["openssl", "req", "-new", "-key", key, "-subj",
                 "/O=Maker Example/CN=%s" % identity, "-out", csr],
                ["openssl", "x509", "-req", "-in", csr, "-CA", os.path.join(ca.dir, "ca.pem"),
                 "-CAkey", os.path.join(ca.dir, "ca.key"), "-set_serial",
                 str(int(time.time() * 1000) % 10**9), "-days", "30", "-sha256",
                 "-extfile", ext, "-extensions", "ext", "-out", pem]):
        p = subprocess.run(cmd, capture_output=True, text=True)
        check(p.returncode == 0, "%s: %s" % (" ".join(cmd[:2]), p.stderr))
    return Device(identity, ca.url(name + ".pem"), key, pem)


def pem_der(text):
    """DER of the first certificate of PEM text."""
    m = re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S)
    check(m is not None, "no PEM certificate in %r" % text[:100])
    return base64.b64decode("".join(m.group(1).split()))


class Auth:
    """One authentication's outcome as the device saw it."""

    def __init__(self, dev, ctx_id, pdu, t0, t1):
        self.dev = dev
        self.ctx_id = ctx_id
        self.pdu = pdu
        self.ue = pdu["ueIpv4Addr"]
        self.ul_teid = int(pdu["cnTunnelInfo"]["gtpTeid"], 16)
        self.t0, self.t1 = t0, t1   # wall ms around the confirmation


def create(gg, dev, **over):
    return http("POST", gg.url(), dev.create_body(**over))


def check_created(gg, r, dev, challenge_ttl=30):
    """A 201 to a POST: Location, challenge, links. Returns (ctx_id, challenge)."""
    check(r.status == 201, "POST for %s: %r" % (dev.identity, r))
    check(r.ctype == "application/json", "201 content-type %r" % r.ctype)
    loc = r.headers.get("location", "")
    m = re.fullmatch(re.escape(ROOT) + r"/([0-9a-f]{32})", loc)
    check(m is not None, "Location %r is not %s/<32 hex>" % (loc, ROOT))
    j = r.json
    check(j.get("authType") == "ONE_WAY_CERT", "authType: %r" % j)
    owad = j.get("oneWayAuthData", {})
    chal = b64url_decode(owad.get("challenge", ""))
    check(len(chal) == 32, "challenge is %d octets: %r" % (len(chal), owad))
    check(b64url(chal) == owad["challenge"], "challenge not canonical base64url")
    check(owad.get("signedDataFormat") == "gardengate one-way auth v1", "format: %r" % owad)
    check(owad.get("expiresIn") == challenge_ttl, "expiresIn %r, expected %d" %
          (owad.get("expiresIn"), challenge_ttl))
    href = j.get("_links", {}).get("one-way-confirmation", {}).get("href")
    check(href == loc + "/one-way-confirmation", "confirmation link %r" % href)
    return m.group(1), chal


def confirm(gg, dev, ctx_id, chal, key=None, signature=None, snn=None, identity=None,
            scheme=None):
    if signature is None:
        signature = b64url(sign(key or dev.key,
                                tbs(chal, snn or dev.snn, identity or dev.identity), scheme))
    return http("PUT", gg.url("%s/%s/one-way-confirmation" % (ROOT, ctx_id)),
                {"signature": signature})


def check_success(r, dev, pool):
    check(r.status == 200 and r.ctype == "application/json", "PUT: %r" % r)
    j = r.json
    check(j.get("authResult") == "AUTHENTICATION_SUCCESS", "authResult: %r" % j)
    check(j.get("supi") == dev.identity, "supi %r" % j.get("supi"))
    pdu = j.get("pduSession")
    check(isinstance(pdu, dict), "no pduSession: %r" % j)
    check(pdu.get("state") == "LIMITED", "state %r" % pdu.get("state"))
    ue = pdu.get("ueIpv4Addr", "")
    check(ipaddress.ip_address(ue) in ipaddress.ip_network(pool), "UE %s not in %s" % (ue, pool))
    check(ue not in STATIC_UES, "UE %s is a static session's address" % ue)
    net = ipaddress.ip_network(pool)
    check(ipaddress.ip_address(ue) not in (net.network_address, net.broadcast_address),
          "UE %s is the pool's network or broadcast address" % ue)
    cn = pdu.get("cnTunnelInfo", {})
    check(cn.get("ipv4Addr") == N3_ADDR, "cnTunnelInfo.ipv4Addr %r" % cn)
    # TS 29.571 Teid: ^[A-F0-9]{8}$ (upper case).
    check(re.fullmatch(r"[0-9A-F]{8}", cn.get("gtpTeid", "")) and cn["gtpTeid"] != "00000000",
          "cnTunnelInfo.gtpTeid %r is not a TS 29.571 Teid" % cn)
    check(pdu.get("qfi") == QFI, "qfi %r" % pdu.get("qfi"))
    check(j.get("captivePortalApi") == PORTAL_API, "captivePortalApi %r" %
          j.get("captivePortalApi"))
    return pdu


def authenticate(gg, dev, pool="10.45.0.0/16", challenge_ttl=30):
    """The whole exchange, every answer checked. Returns an Auth."""
    ctx_id, chal = check_created(gg, create(gg, dev), dev, challenge_ttl)
    t0 = wall_ms()
    r = confirm(gg, dev, ctx_id, chal)
    t1 = wall_ms()
    return Auth(dev, ctx_id, check_success(r, dev, pool), t0, t1)


def check_dataplane(gg, a, state="limited"):
    s = gg.session(a.ul_teid)
    check(s is not None, "no session 0x%08x in the data plane" % a.ul_teid)
    want = {"ul_teid": a.ul_teid, "dl_teid": a.dev.dl_teid, "ue": a.ue, "gnb": a.dev.gnb,
            "qfi": QFI, "state": state}
    got = {k: s.get(k) for k in want}
    check(got == want, "session 0x%08x: %s, expected %s" % (a.ul_teid, got, want))


def check_record(redis, a, state="limited", created=None):
    """The device hash, UE index and device set exactly as doc/store.rst says."""
    rec = redis.hgetall("gg:device:" + a.dev.identity)
    check(rec, "no gg:device:%s" % a.dev.identity)
    check(set(rec) == RECORD_FIELDS, "record fields %s; extra %s, missing %s" %
          (sorted(rec), sorted(set(rec) - RECORD_FIELDS), sorted(RECORD_FIELDS - set(rec))))
    want = {"identity": a.dev.identity, "state": state, "cert_url": a.dev.cert_url,
            "ue_ipv4": a.ue, "ul_teid": str(a.ul_teid), "dl_teid": str(a.dev.dl_teid),
            "gnb_ipv4": a.dev.gnb, "qfi": str(QFI), "auth_ctx_id": a.ctx_id}
    got = {k: rec[k] for k in want}
    check(got == want, "record %s, expected %s" % (got, want))
    check(pem_der(rec["cert_pem"]) == pem_der(open(a.dev.cert_file).read()),
          "cert_pem is not the device's (leaf) certificate")
    check(rec["cert_pem"].count("BEGIN CERTIFICATE") == 1, "cert_pem holds more than the leaf")
    c, u = int(rec["created_ms"]), int(rec["updated_ms"])
    lo, hi = (a.t0 - 1000, a.t1 + 1000) if created is None else created
    check(lo <= c <= hi, "created_ms %d not within [%d, %d]" % (c, lo, hi))
    check(c <= u <= wall_ms() + 1000, "updated_ms %d (created %d)" % (u, c))
    check(redis.get("gg:ueip:" + a.ue) == a.dev.identity,
          "gg:ueip:%s = %r" % (a.ue, redis.get("gg:ueip:" + a.ue)))
    check(a.dev.identity in redis.smembers("gg:devices"), "%s not in gg:devices" % a.dev.identity)
    return rec


def check_no_record(redis, identity, ue=None):
    check(redis.hgetall("gg:device:" + identity) == {}, "gg:device:%s still there" % identity)
    check(identity not in redis.smembers("gg:devices"), "%s still in gg:devices" % identity)
    if ue is not None:
        check(redis.get("gg:ueip:" + ue) is None, "gg:ueip:%s still there" % ue)


def check_get(gg, a, state="LIMITED"):
    r = http("GET", gg.url("%s/%s" % (ROOT, a.ctx_id)))
    check(r.status == 200 and r.ctype == "application/json", "GET: %r" % r)
    j = r.json
    check(j.get("state") == "AUTHENTICATED" and j.get("supiOrSuci") == a.dev.identity,
          "GET: %r" % j)
    want = dict(a.pdu, state=state)
    check(j.get("pduSession") == want, "GET pduSession %r, expected %r" %
          (j.get("pduSession"), want))


def detach(gg, redis, a, sessions_before=None):
    r = http("DELETE", gg.url("%s/%s" % (ROOT, a.ctx_id)))
    check(r.status == 204 and r.body == "", "DELETE: %r" % r)
    check(gg.session(a.ul_teid) is None, "session 0x%08x still in the data plane" % a.ul_teid)
    check_no_record(redis, a.dev.identity, a.ue)
    r = http("GET", gg.url("%s/%s" % (ROOT, a.ctx_id)))
    check_problem(r, 404, "CONTEXT_NOT_FOUND", what="GET after DELETE")


class Trace:
    """What a refused request must not change: the data plane's session
    count, every gg:* key and the device set."""

    def __init__(self, gg, redis):
        self.gg, self.redis = gg, redis
        self.before = self.take()

    def take(self):
        keys = self.redis.keys()
        return {"sessions": self.gg.session_count(), "keys": keys,
                "records": {k: self.redis.hgetall(k) for k in keys if k.startswith("gg:device:")}}

    def same(self, what):
        now = self.take()
        check(now == self.before, "%s left a trace: %s -> %s" % (what, self.before, now))


# ---- gg-uesim ----------------------------------------------------------------------

def uesim_auth(uesim, gg, dev, *extra):
    """gg-uesim auth --json; returns (exit status, JSON object or None, stderr)."""
    cmd = [uesim, "auth", "--sbi", "http://127.0.0.1:%d" % gg.port, "--identity",
           dev.identity, "--snn", dev.snn, "--cert-url", dev.cert_url, "--key", dev.key,
           "--gnb", dev.gnb, "--dl-teid", "0x%08x" % dev.dl_teid, "--json"] + list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    try:
        j = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else None
    except ValueError:
        j = None
    return p.returncode, j, p.stderr
