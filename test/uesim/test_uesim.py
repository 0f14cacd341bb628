#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""gg-uesim end to end, with the test PKI of scripts/test-pki.sh: its
command line (case usage), and a whole life against gardengate's own AuSF
(case real_ausf: net_null ports, memory store, certificates served over
HTTP by this script): success, replay, wrong signature, rejected
certificate, URL outside the prefixes, status, detach. Real HTTP/2, real
certificate and signature checks, real binaries. test/integration covers
the AuSF's other answers with a real redis-server.

Usage: test_uesim.py CASE --uesim PATH --gardengate PATH --builddir DIR
"""
import argparse
import functools
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

ID1 = "nai-dev0001@maker.example"
ID2 = "nai-dev0002@maker.example"
ID3 = "nai-dev0003@maker.example"
SNN = "5G:mnc001.mcc001.3gppnetwork.org"
CA_PREFIX = "http://127.0.0.1:8080/"
API = "/nausf-auth/v1/ue-authentications"
EAL = ["--no-huge", "--no-pci", "-m", "256", "-l", "0-1"]
NULL_PORTS = ["--n3", "net_null_n3,no-rx=1", "--n6", "net_null_n6,no-rx=1"]


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


class Env:
    """The binaries and the PKI of one case."""

    def __init__(self, uesim, gardengate, builddir, tmp):
        self.uesim, self.gardengate, self.tmp = uesim, gardengate, tmp
        # Shared by the cases: the script serialises and skips when done.
        self.pki = os.path.join(builddir, "pki")
        subprocess.run(["sh", "scripts/test-pki.sh", self.pki], check=True)

    def logs(self):
        path = os.path.join(self.tmp, "gardengate.log")
        return "--- gardengate.log\n" + open(path).read() if os.path.exists(path) else ""

    def k(self, name):
        return os.path.join(self.pki, name)

    def run(self, *args, timeout=30):
        p = subprocess.run([self.uesim] + list(args), capture_output=True, text=True,
                           timeout=timeout)
        return p.returncode, p.stdout, p.stderr

    def auth(self, sbi, *extra, identity=ID1, cert="dev-ec.pem", key="dev-ec.key",
             prefix=CA_PREFIX):
        return self.run("auth", "--sbi", sbi, "--identity", identity, "--snn", SNN,
                        "--cert-url", prefix + cert, "--key", self.k(key),
                        "--gnb", "192.0.2.10", "--dl-teid", "0x00000a01", *extra)


def fields(out):
    """The "name  value" lines of the human output, as a dict."""
    d = {}
    for line in out.splitlines():
        name, _, value = line.partition("  ")
        d[name.strip()] = value.strip()
    return d


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def case_usage(env):
    rc, out, _ = env.run("--help")
    check(rc == 0 and "auth" in out and "detach" in out and "status" in out, "--help: %d" % rc)
    rc, out, _ = env.run("--version")
    check(rc == 0 and out.startswith("gg-uesim 0."), "--version: %r" % out)
    rc, out, _ = env.run("auth", "--help")
    check(rc == 0 and "--bad-signature" in out and "--dl-teid" in out, "auth --help")
    rc, _, err = env.run()
    check(rc == 2 and "Usage:" in err, "no command: %d" % rc)
    rc, _, err = env.run("attach")
    check(rc == 2 and "unknown command 'attach'" in err, "unknown command: %d %s" % (rc, err))
    sbi = "http://127.0.0.1:%d" % free_port()
    bad = [
        (["--identity", ""], "--identity"),
        (["--identity", "x" * 256], "--identity"),
        (["--gnb", "192.0.2.300"], "--gnb"),
        (["--dl-teid", "2561"], "--dl-teid"),
        (["--dl-teid", "0x100000000"], "--dl-teid"),
        (["--dl-teid", "0x"], "--dl-teid"),
        (["--timeout-ms", "0"], "--timeout-ms"),
        (["--notify-uri", ""], "--notify-uri"),
        (["--key", env.k("missing.key")], "missing.key"),
        (["--sign-with", env.k("ca.pem")], "--sign-with"),
        (["--no-such-option"], "unrecognized option"),
        (["stray"], "unexpected argument 'stray'"),
    ]
    for extra, want in bad:
        rc, out, err = env.auth(sbi, *extra)
        check(rc == 2 and want in err and out == "",
              "%s: rc %d, wanted %r in %r" % (extra, rc, want, err))
    rc, _, err = env.run("auth", "--sbi", sbi)
    check(rc == 2 and "--identity is required" in err, "missing --identity: %s" % err)
    for url in ["https://127.0.0.1:1", "ftp://x", "not a url", "http://h/?q=1"]:
        rc, _, err = env.auth(url)
        check(rc == 2 and "--sbi" in err, "--sbi %s: rc %d %s" % (url, rc, err))
    rc, _, err = env.run("status", "--sbi", sbi)
    check(rc == 2 and "--ctx" in err, "status without --ctx: %d" % rc)
    rc, _, err = env.run("detach", "--ctx", "x")
    check(rc == 2 and "--sbi" in err, "detach without --sbi: %d" % rc)


def serve_pki(pki):
    """The manufacturer's certificate server: the PKI folder over HTTP/1.1
    on an ephemeral port, in a thread. Returns the URL prefix."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                          functools.partial(Quiet, directory=pki))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return "http://127.0.0.1:%d/" % srv.server_address[1]


def real_config(env, ca_prefix):
    """The default configuration, pointed at the test PKI and the memory
    store; each replacement must hit exactly once, so a changed default
    fails here rather than testing something else."""
    text = open("config/gardengate.conf").read()
    for pattern, repl in [
            (r'ca_bundle = "[^"]*"', 'ca_bundle = "%s"' % env.k("ca.pem")),
            (r'cert_url_prefixes = \[[^\]]*\]', 'cert_url_prefixes = [ "%s" ]' % ca_prefix),
            (r'backend = "redis"', 'backend = "memory"'),
            (r'\n *unix = "[^"]*";', "")]:
        text, n = re.subn(pattern, repl, text)
        check(n == 1, "config/gardengate.conf: %r matched %d times" % (pattern, n))
    path = os.path.join(env.tmp, "real.conf")
    open(path, "w").write(text)
    return path


def case_real_ausf(env):
    ca_prefix = serve_pki(env.pki)
    conf = real_config(env, ca_prefix)
    log_path = os.path.join(env.tmp, "gardengate.log")  # printed on failure
    log = open(log_path, "w")
    p = subprocess.Popen([env.gardengate] + EAL + ["--file-prefix", "gg-uesim-%d" % os.getpid(),
                          "--", "-f", conf] + NULL_PORTS +
                         ["--sbi-listen", "127.0.0.1:0", "--duration", "90"],
                         stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline, port = time.time() + 30, None
        while port is None and time.time() < deadline:
            check(p.poll() is None, "gardengate exited early (%s)" % p.returncode)
            m = re.search(r"AuSF listening on 127\.0\.0\.1:(\d+)", open(log_path).read())
            port = int(m.group(1)) if m else time.sleep(0.1)
        check(port is not None, "gardengate did not start its AuSF")
        sbi = "http://127.0.0.1:%d" % port

        rc, out, err = env.auth(sbi, prefix=ca_prefix)
        f = fields(out)
        check(rc == 0 and f.get("authResult") == "AUTHENTICATION_SUCCESS" and
              f.get("session state") == "LIMITED" and f.get("QFI") == "9" and
              f.get("N3 (appliance)", "").startswith("192.0.2.1, uplink TEID 0x"),
              "auth: %d\n%s%s" % (rc, out, err))
        ctx = f["authCtxId"]
        rc, out, err = env.auth(sbi, "--replay", "--json", identity=ID2, cert="dev-rsa.pem",
                                key="dev-rsa.key", prefix=ca_prefix)
        j = json.loads(out) if out else {}
        check(rc == 0 and j.get("replay", {}).get("httpStatus") == 404,
              "replay: %d %s%s" % (rc, out, err))
        rc, out, err = env.auth(sbi, "--bad-signature", identity=ID3, cert="dev-int-chain.pem",
                                key="dev-int.key", prefix=ca_prefix)
        check(rc == 1 and fields(out).get("authResult") == "AUTHENTICATION_FAILURE",
              "bad signature: %d %s%s" % (rc, out, err))
        rc, out, err = env.auth(sbi, identity="nai-dev0004@maker.example", prefix=ca_prefix)
        check(rc == 1 and "403 Forbidden, cause CERTIFICATE_REJECTED" in err,
              "identity mismatch: %d %s" % (rc, err))
        rc, out, err = env.auth(sbi, identity="nai-dev0005@maker.example")
        check(rc == 1 and "403 Forbidden, cause CERT_URL_NOT_ALLOWED" in err,
              "URL outside the prefixes: %d %s" % (rc, err))
        rc, out, err = env.run("status", "--sbi", sbi, "--ctx", ctx)
        f = fields(out)
        check(rc == 0 and f.get("state") == "AUTHENTICATED" and f.get("session state") == "LIMITED",
              "status: %d %s%s" % (rc, out, err))
        rc, out, err = env.run("detach", "--sbi", sbi, "--ctx", ctx)
        check(rc == 0 and fields(out).get("detached") == "204 No Content", "detach: %d %s" % (rc, err))
        rc, out, err = env.run("status", "--sbi", sbi, "--ctx", ctx)
        check(rc == 1 and "404 Not Found, cause CONTEXT_NOT_FOUND" in err, "after detach: %s" % err)
    finally:
        p.terminate()
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        log.close()


CASES = {n[5:]: f for n, f in globals().items() if n.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--uesim", required=True)
    ap.add_argument("--gardengate", required=True)
    ap.add_argument("--builddir", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=a.builddir) as tmp:
        env = Env(a.uesim, a.gardengate, a.builddir, tmp)
        try:
            CASES[a.case](env)
        except Fail as e:
            print("FAIL %s: %s" % (a.case, e))
            print(env.logs())
            return 1
    print("PASS", a.case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
