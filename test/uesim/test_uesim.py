#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""gg-uesim end to end, with the test PKI of scripts/test-pki.sh: its
command line (case usage), and a whole life against gardengate's own AuSF
(case real_ausf: net_null ports, memory store, certificates served over
HTTP by this script): success, replay, wrong signature, rejected
certificate, URL outside the prefixes, status, detach. Real HTTP/2, real
certificate and signature checks, real binaries. test/integration covers
the AuSF's other answers with a real redis-server.

Case receive: the profile callback ("gg-uesim receive") fed by real curl
with profiles that the real openssl CLI signed (operator provisioning
certificate) and encrypted (to the device's EC or RSA certificate): good
ones stored (mode 0600) and printed with K masked; every defect (another
device, wrong signer, tampered, not base64, oversized, wrong media type,
not POST) refused with a 4xx ProblemDetails and nothing stored; the same
with profiles sealed by lib/profile (seal-profile, AES-256-GCM and CBC).

Case real_push: the delivery against gardengate's own AuSF and a private
redis-server: auth --notify-uri, 404 PROFILE_NOT_FOUND before the sign-up,
the sign-up written by gg-test-provision, the push taken by receive, the
session FULL; the GET fallback ("gg-uesim profile"); a callback outside
the allow-list refused.

Usage: test_uesim.py CASE --uesim PATH --gardengate PATH --builddir DIR
                      [--seal-profile PATH] [--provision PATH]
"""
import argparse
import base64
import functools
import http.server
import json
import os
import re
import shutil
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

    def __init__(self, uesim, gardengate, builddir, tmp, seal_profile=None, provision=None):
        self.uesim, self.gardengate, self.tmp = uesim, gardengate, tmp
        self.seal_profile, self.provision = seal_profile, provision
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


# The profile document (doc/profile.rst) of the tests.
SUPI1 = "imsi-001010000000042"
K_HEX = "465b5ce8b199b49faa5f0a2ee238a6bc"
OPC_HEX = "cd63cb71954a9f4e48a5994e37a02baf"


def profile_doc(identity=ID1, supi=SUPI1):
    return {
        "version": 1, "supi": supi, "deviceIdentity": identity,
        "issuer": "Operator Example", "plmnId": {"mcc": "001", "mnc": "01"},
        "k": K_HEX, "opc": OPC_HEX, "amf": "8000", "dnn": "internet",
        "sNssai": {"sst": 1, "sd": "000001"}, "plan": {"id": "basic", "name": "Basic"},
        "validFrom": "2026-01-01T00:00:00Z", "validUntil": "2027-01-01T00:00:00Z",
    }


class Operator:
    """The operator's side of the tests: its CA and provisioning
    certificate (the test PKI's when it has them, else made here), and
    profiles sealed with the openssl CLI as the contract says a profile
    must open: `openssl cms -decrypt` then `openssl cms -verify`."""

    def __init__(self, env):
        self.env, self.tmp = env, env.tmp
        if os.path.exists(env.k("provisioning.pem")):
            self.ca, self.cert, self.key = (env.k("operator-ca.pem"), env.k("provisioning.pem"),
                                            env.k("provisioning.key"))
        else:
            self.ca, self.cert, self.key = self.make_pki()
        self.n = 0

    def ossl(self, *args):
        p = subprocess.run(["openssl"] + list(args), capture_output=True, text=True)
        check(p.returncode == 0, "openssl %s: %s" % (args[0], p.stderr))

    def make_pki(self):
        t = lambda n: os.path.join(self.tmp, n)
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        self.ossl("req", "-x509", *ec, "-keyout", t("opca.key"), "-out", t("opca.pem"),
                  "-subj", "/CN=Operator Test CA", "-days", "30")
        self.ossl("req", *ec, "-keyout", t("prov.key"), "-out", t("prov.csr"),
                  "-subj", "/CN=Operator Test Provisioning")
        open(t("prov.ext"), "w").write("basicConstraints=CA:FALSE\n"
                                       "keyUsage=critical,digitalSignature\n")
        self.ossl("x509", "-req", "-in", t("prov.csr"), "-CA", t("opca.pem"), "-CAkey",
                  t("opca.key"), "-CAcreateserial", "-days", "30", "-out", t("prov.pem"),
                  "-extfile", t("prov.ext"))
        return t("opca.pem"), t("prov.pem"), t("prov.key")

    def seal(self, doc, to="dev-ec.pem", signer=None, kdf="sha256"):
        """DER of the CMS: SignedData by the provisioning certificate (or
        @signer, a (cert, key) pair) inside EnvelopedData to @to."""
        self.n += 1
        base = os.path.join(self.tmp, "p%d" % self.n)
        open(base + ".json", "w").write(json.dumps(doc))
        cert, key = signer or (self.cert, self.key)
        self.ossl("cms", "-sign", "-binary", "-in", base + ".json", "-signer", cert,
                  "-inkey", key, "-nodetach", "-outform", "DER", "-out", base + ".signed")
        recip = ["-recip", self.env.k(to)]
        if "rsa" in to:
            recip += ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256"]
        elif kdf:
            # openssl's default for EC is the SHA-1 KDF, which lib/profile refuses.
            recip += ["-keyopt", "ecdh_kdf_md:" + kdf]
        self.ossl("cms", "-encrypt", "-binary", "-aes256", "-in", base + ".signed",
                  "-inform", "DER", "-outform", "DER", "-out", base + ".der", *recip)
        return open(base + ".der", "rb").read()

    def seal_lib(self, doc, to="dev-ec.pem", cipher="gcm"):
        """The same sealed by lib/profile, as the portal does it."""
        check(self.env.seal_profile is not None, "--seal-profile is needed")
        p = subprocess.run([self.env.seal_profile, self.cert, self.key, self.env.k(to), cipher],
                           input=json.dumps(doc).encode(), capture_output=True)
        check(p.returncode == 0, "seal-profile: %s" % p.stderr.decode())
        return p.stdout


def notification(der, identity=ID1, supi=SUPI1, ctx="0123456789abcdef0123456789abcdef"):
    return {"supiOrSuci": identity, "authCtxId": ctx, "supi": supi,
            "profile": base64.b64encode(der).decode()}


class Receiver:
    """A running "gg-uesim receive" on an ephemeral port."""

    def __init__(self, env, op, *extra, identity=ID1, dev="dev-ec", out=None):
        self.out = out or os.path.join(env.tmp, "profile-%s.json" % dev)
        self.p = subprocess.Popen(
            [env.uesim, "receive", "--listen", "127.0.0.1:0", "--identity", identity,
             "--key", env.k(dev + ".key"), "--cert", env.k(dev + ".pem"),
             "--operator-ca", op.ca, "--out", self.out, "--timeout-s", "30"] + list(extra),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.p.stderr.readline()
        m = re.search(r"listening on 127\.0\.0\.1:(\d+) for ", line)
        check(m is not None, "receive did not start: %r" % line)
        self.url = "http://127.0.0.1:%s/gg/profile" % m.group(1)

    def post(self, body, ctype="application/json", method="POST"):
        """Send with curl; returns (status, content type, parsed body or text)."""
        path = os.path.join(os.path.dirname(self.out), "body.bin")
        open(path, "wb").write(body if isinstance(body, bytes) else
                               json.dumps(body).encode())
        p = subprocess.run(["curl", "-s", "-o", path + ".answer", "-w", "%{http_code} %{content_type}",
                            "-X", method, "-H", "content-type: " + ctype, "--data-binary",
                            "@" + path, self.url], capture_output=True, text=True, timeout=30)
        check(p.returncode == 0, "curl: %d %s" % (p.returncode, p.stderr))
        status, _, ct = p.stdout.partition(" ")
        text = open(path + ".answer").read()
        try:
            answer = json.loads(text) if text else None
        except ValueError:
            answer = text
        return int(status), ct, answer

    def wait(self):
        try:
            out, err = self.p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            out, err = self.p.communicate()
        return self.p.returncode, out, err


def case_receive(env):
    op = Operator(env)
    r = Receiver(env, op)
    good = op.seal(profile_doc())
    other = op.seal(profile_doc(identity=ID2))          # another device's profile, to us
    rogue = op.seal(profile_doc(), signer=(env.k("dev-rsa.pem"), env.k("dev-rsa.key")))
    to_rsa = op.seal(profile_doc(), to="dev-rsa.pem")   # not for our key
    sha1kdf = op.seal(profile_doc(), kdf=None)          # openssl's default KDF
    tampered = bytearray(good)
    tampered[len(tampered) // 2] ^= 0x40
    missing = notification(good)
    del missing["supi"]
    bad = [
        ("another device's notification", notification(good, identity=ID2), {}, 403, "PROFILE_REJECTED",
         "this device is " + ID1),
        ("another device's profile", notification(other), {}, 403, "PROFILE_REJECTED",
         "the profile is for device " + ID2),
        ("wrong signer", notification(rogue), {}, 403, "PROFILE_REJECTED", "does not open"),
        ("encrypted to another key", notification(to_rsa), {}, 403, "PROFILE_REJECTED",
         "does not open"),
        ("tampered", notification(bytes(tampered)), {}, 403, "PROFILE_REJECTED", "does not open"),
        ("SHA-1 KDF", notification(sha1kdf), {}, 403, "PROFILE_REJECTED", "does not open"),
        ("supi mismatch", notification(good, supi="imsi-001010000000043"), {}, 403,
         "PROFILE_REJECTED", "the profile says " + SUPI1),
        ("not base64", dict(notification(good), profile="not base64!"), {}, 400,
         "MANDATORY_IE_INCORRECT", "base64"),
        ("unpadded base64", dict(notification(good), profile=notification(good)["profile"].rstrip("=") + "A"),
         {}, 400, "MANDATORY_IE_INCORRECT", "base64"),
        ("missing supi", missing, {}, 400, "MANDATORY_IE_MISSING", "supi is missing"),
        ("not JSON", b"{not json", {}, 400, "INVALID_MSG_FORMAT", "not JSON"),
        ("oversized", dict(notification(good), padding="x" * 100000), {}, 413, None, "larger"),
        ("wrong content type", notification(good), {"ctype": "text/plain"}, 415,
         "UNSUPPORTED_MEDIA_TYPE", "application/json"),
        ("not POST", notification(good), {"method": "PUT"}, 405, "METHOD_NOT_ALLOWED", "POST"),
    ]
    for name, body, kw, want, cause, detail in bad:
        status, ct, answer = r.post(body, **kw)
        check(status == want and ct.startswith("application/problem+json") and
              isinstance(answer, dict) and answer.get("status") == want and
              answer.get("cause") == cause and detail in answer.get("detail", ""),
              "%s: got %d %s %r, wanted %d %s %r" % (name, status, ct, answer, want, cause,
                                                     detail))
        check(not os.path.exists(r.out), "%s: a profile was stored" % name)
        check(r.p.poll() is None, "%s: receive exited (%s)" % (name, r.p.returncode))
    status, ct, answer = r.post(notification(good))
    check(status == 204 and not answer, "good profile: %d %r" % (status, answer))
    rc, out, err = r.wait()
    check(rc == 0, "receive: exit %d\n%s%s" % (rc, out, err))
    for name, _, _, want, _, _ in bad:
        check("refused, %d" % want in err, "%s not reported on stderr:\n%s" % (name, err))
    f = fields(out)
    check(f.get("supi") == SUPI1 and f.get("profile stored") == r.out and
          f.get("authCtxId") == "0123456789abcdef0123456789abcdef", "output:\n%s" % out)
    check(K_HEX not in out + err and OPC_HEX not in out + err, "K or OPc printed:\n%s" % out)
    check(ID1 in out, "the profile is not printed:\n%s" % out)
    st = os.stat(r.out)
    check(st.st_mode & 0o777 == 0o600, "stored with mode %o" % (st.st_mode & 0o777))
    check(json.load(open(r.out)) == profile_doc(), "stored profile differs")

    # The RSA device (RSA-OAEP), K shown on request, JSON output, two
    # profiles: the openssl CLI's, lib/profile's (AES-256-GCM).
    r = Receiver(env, op, "--show-secrets", "--json", "--count", "2", identity=ID2, dev="dev-rsa")
    doc = profile_doc(identity=ID2)
    for i, der in enumerate([op.seal(doc, to="dev-rsa.pem"), op.seal_lib(doc, to="dev-rsa.pem")]):
        status, _, answer = r.post(notification(der, identity=ID2))
        check(status == 204, "RSA profile %d: %d %r" % (i, status, answer))
    rc, out, err = r.wait()
    lines = out.splitlines()
    check(rc == 0 and len(lines) == 2, "receive RSA: exit %d\n%s%s" % (rc, out, err))
    j = json.loads(lines[1])
    check(j.get("supi") == SUPI1 and j.get("stored") == r.out and
          j.get("profile", {}).get("k") == K_HEX, "--json --show-secrets: %s" % lines[1])
    check(json.load(open(r.out)) == doc, "stored RSA profile differs")

    # The EC device with lib/profile's profiles, GCM and CBC; one sealed
    # for another device is still refused.
    r = Receiver(env, op, "--count", "2")
    status, _, answer = r.post(notification(op.seal_lib(profile_doc(), to="dev-rsa.pem")))
    check(status == 403 and "does not open" in answer.get("detail", ""),
          "lib/profile, to the RSA device: %d %r" % (status, answer))
    for cipher in ["gcm", "cbc"]:
        status, _, answer = r.post(notification(op.seal_lib(profile_doc(), cipher=cipher)))
        check(status == 204, "lib/profile %s: %d %r" % (cipher, status, answer))
    rc, out, err = r.wait()
    check(rc == 0 and out.count("profile stored") == 2 and K_HEX not in out,
          "receive lib/profile: exit %d\n%s%s" % (rc, out, err))
    check(json.load(open(r.out)) == profile_doc(), "stored lib/profile profile differs")

    # Stopped before a profile came: exit 1.
    r = Receiver(env, op)
    r.p.terminate()
    rc, out, err = r.wait()
    check(rc == 1 and "stopped by signal 15 with 0 of 1 profiles" in err, "SIGTERM: %d %s" % (rc, err))

    # Nothing comes: exit 1 at the timeout, nothing stored.
    out_path = os.path.join(env.tmp, "never.json")
    t0 = time.time()
    rc, out, err = env.run("receive", "--listen", "127.0.0.1:0", "--identity", ID1,
                           "--key", env.k("dev-ec.key"), "--cert", env.k("dev-ec.pem"),
                           "--operator-ca", op.ca, "--out", out_path, "--timeout-s", "1")
    check(rc == 1 and "timed out after 1 s with 0 of 1 profiles" in err and
          time.time() - t0 < 5 and not os.path.exists(out_path), "timeout: %d %s" % (rc, err))


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
    # load: every number is read strictly (a typo is not a zero).
    for opt, val in [("--devices", "abc"), ("--devices", "0"), ("--connections", "1025"),
                     ("--streams", "-1"), ("--count", "10x"), ("--duration", "nan"),
                     ("--rate", "-5"), ("--duration", "1e999")]:
        rc, out, err = env.run("load", "--sbi", sbi, opt, val)
        check(rc == 2 and opt in err and val in err and out == "",
              "load %s %s: rc %d %r" % (opt, val, rc, err))
    rc, _, err = env.run("status", "--sbi", sbi)
    check(rc == 2 and "--ctx" in err, "status without --ctx: %d" % rc)
    rc, _, err = env.run("detach", "--ctx", "x")
    check(rc == 2 and "--sbi" in err, "detach without --sbi: %d" % rc)

    # receive and profile: the device's files are read before any I/O.
    dev = ["--identity", ID1, "--key", env.k("dev-ec.key"), "--cert", env.k("dev-ec.pem"),
           "--operator-ca", env.k("ca.pem"), "--out", os.path.join(env.tmp, "p.json")]
    rc, out, _ = env.run("receive", "--help")
    check(rc == 0 and "--show-secrets" in out and "--listen" in out, "receive --help")
    rc, out, _ = env.run("profile", "--help")
    check(rc == 0 and "--show-secrets" in out and "--ctx" in out, "profile --help")
    bad = [
        ([], "--listen is required"),
        (["--listen", "127.0.0.1"], "--listen"),
        (["--listen", "localhost:80"], "--listen"),
        (["--listen", "[::1]"], "--listen"),
        (["--listen", "127.0.0.1:0", "--count", "0"], "--count"),
        (["--listen", "127.0.0.1:0", "--timeout-s", "x"], "--timeout-s"),
        (["--listen", "127.0.0.1:0", "--key", env.k("missing.key")], "missing.key"),
        (["--listen", "127.0.0.1:0", "--operator-ca", env.k("missing.pem")], "missing.pem"),
        (["--listen", "127.0.0.1:0", "--out", ""], "--out is required"),
        (["--listen", "127.0.0.1:0", "stray"], "unexpected argument 'stray'"),
    ]
    for extra, want in bad:
        rc, out, err = env.run("receive", *(dev + extra))
        check(rc == 2 and want in err and out == "",
              "receive %s: rc %d, wanted %r in %r" % (extra, rc, want, err))
    rc, _, err = env.run("profile", *dev)
    check(rc == 2 and "--sbi and --ctx are required" in err, "profile without --ctx: %s" % err)
    rc, _, err = env.run("profile", "--sbi", sbi, "--ctx", "c", *dev[:-2])
    check(rc == 2 and "--out is required" in err, "profile without --out: %s" % err)
    rc, out, err = env.run("profile", "--sbi", sbi, "--ctx", "c", *dev)
    check(rc == 1 and "/ue-authentications/c/profile" in err and
          not os.path.exists(dev[-1]), "profile, nobody listening: %d %s" % (rc, err))


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


def real_config(env, ca_prefix, store="memory"):
    """The default configuration, pointed at the test PKI and the memory
    store (or redis, left to the caller); each replacement must hit exactly
    once, so a changed default fails here rather than testing something
    else."""
    text = open("config/gardengate.conf").read()
    subs = [(r'ca_bundle = "[^"]*"', 'ca_bundle = "%s"' % env.k("ca.pem")),
            (r'cert_url_prefixes = \[[^\]]*\]', 'cert_url_prefixes = [ "%s" ]' % ca_prefix)]
    if store == "memory":
        subs += [(r'backend = "redis"', 'backend = "memory"'), (r'\n *unix = "[^"]*";', "")]
    for pattern, repl in subs:
        text, n = re.subn(pattern, repl, text)
        check(n == 1, "config/gardengate.conf: %r matched %d times" % (pattern, n))
    path = os.path.join(env.tmp, "real.conf")
    open(path, "w").write(text)
    return path


def start_gardengate(env, conf):
    """gardengate on null ports with an ephemeral SBI port; returns the
    process and the SBI URL. env.logs() shows its log on failure."""
    log_path = os.path.join(env.tmp, "gardengate.log")
    log = open(log_path, "w")
    p = subprocess.Popen([env.gardengate] + EAL + ["--file-prefix", "gg-uesim-%d" % os.getpid(),
                          "--", "-f", conf] + NULL_PORTS +
                         ["--sbi-listen", "127.0.0.1:0", "--sbi-h2c", "--duration", "90"],
                         stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline, port = time.time() + 30, None
    while port is None and time.time() < deadline:
        check(p.poll() is None, "gardengate exited early (%s)" % p.returncode)
        m = re.search(r"AuSF listening on 127\.0\.0\.1:(\d+)", open(log_path).read())
        port = int(m.group(1)) if m else time.sleep(0.1)
    check(port is not None, "gardengate did not start its AuSF")
    return p, "http://127.0.0.1:%d" % port


def stop(p):
    p.terminate()
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def case_real_ausf(env):
    ca_prefix = serve_pki(env.pki)
    conf = real_config(env, ca_prefix)
    p, sbi = start_gardengate(env, conf)
    try:
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
        stop(p)


def case_real_push(env):
    """The whole delivery against gardengate's own AuSF and a real
    redis-server: auth with --notify-uri, no profile yet, a sign-up
    written to the store as the portal writes it (gg-test-provision), the
    push to "gg-uesim receive", the session FULL; the GET fallback for a
    device that gave no callback; a callback outside the allow-list."""
    check(env.provision is not None, "--provision is needed")
    op = Operator(env)
    sockdir = tempfile.mkdtemp(prefix="gg-uesim-redis-")   # sun_path is short
    sock = os.path.join(sockdir, "redis.sock")
    redis = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", sock,
                              "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
                              "--dir", sockdir], stdout=subprocess.DEVNULL)
    gg = None
    try:
        deadline = time.time() + 10
        while subprocess.run(["redis-cli", "-s", sock, "PING"], capture_output=True,
                             text=True).stdout.strip() != "PONG":
            check(time.time() < deadline and redis.poll() is None, "redis-server did not start")
            time.sleep(0.05)
        ca_prefix = serve_pki(env.pki)
        text = open(real_config(env, ca_prefix, store="redis")).read()
        text, n = re.subn(r'unix = "[^"]*";', 'unix = "%s";' % sock, text)
        check(n == 1, "config/gardengate.conf: store.unix matched %d times" % n)
        conf = os.path.join(env.tmp, "push.conf")
        open(conf, "w").write(text)
        gg, sbi = start_gardengate(env, conf)

        def provision(identity, supi, to):
            der = os.path.join(env.tmp, "sealed-%s.der" % supi)
            open(der, "wb").write(op.seal_lib(profile_doc(identity, supi), to=to))
            p = subprocess.run([env.provision, sock, "gg:", identity, supi, der, K_HEX, OPC_HEX],
                               capture_output=True, text=True, timeout=30)
            check(p.returncode == 0, "provision %s: %d %s%s" % (identity, p.returncode,
                                                              p.stdout, p.stderr))

        def get_profile(ctx, out, identity=ID1, dev="dev-ec"):
            return env.run("profile", "--sbi", sbi, "--ctx", ctx, "--identity", identity,
                           "--key", env.k(dev + ".key"), "--cert", env.k(dev + ".pem"),
                           "--operator-ca", op.ca, "--out", out)

        def session_state(ctx):
            rc, out, err = env.run("status", "--sbi", sbi, "--ctx", ctx)
            return fields(out).get("session state") if rc == 0 else "status: " + err

        def wait_full(ctx):
            deadline = time.time() + 10
            while session_state(ctx) != "FULL":
                check(time.time() < deadline, "session not FULL: %s" % session_state(ctx))
                time.sleep(0.1)

        # A callback outside ausf.notify_uri_prefixes.
        rc, out, err = env.auth(sbi, "--notify-uri", "http://192.0.2.7/cb", prefix=ca_prefix)
        check(rc == 1 and "403 Forbidden, cause NOTIFY_URI_NOT_ALLOWED" in err,
              "notify URI outside the allow-list: %d %s" % (rc, err))

        # The push.
        r = Receiver(env, op)
        rc, out, err = env.auth(sbi, "--notify-uri", r.url, prefix=ca_prefix)
        f = fields(out)
        check(rc == 0 and f.get("session state") == "LIMITED" and f.get("captive portal"),
              "auth --notify-uri: %d\n%s%s" % (rc, out, err))
        ctx = f["authCtxId"]
        early = os.path.join(env.tmp, "early.json")
        rc, out, err = get_profile(ctx, early)
        check(rc == 1 and "404 PROFILE_NOT_FOUND" in err and not os.path.exists(early),
              "profile before the sign-up: %d %s" % (rc, err))
        check(session_state(ctx) == "LIMITED", "FULL before the sign-up")
        provision(ID1, SUPI1, "dev-ec.pem")
        rc, out, err = r.wait()
        check(rc == 0 and fields(out).get("supi") == SUPI1 and fields(out).get("authCtxId") == ctx,
              "receive the push: %d\n%s%s" % (rc, out, err))
        check(K_HEX not in out and json.load(open(r.out)) == profile_doc(),
              "pushed profile: %s" % out)
        wait_full(ctx)

        # The GET fallback: a device that gave no callback.
        supi2 = "imsi-001010000000043"
        rc, out, err = env.auth(sbi, identity=ID2, cert="dev-rsa.pem", key="dev-rsa.key",
                                prefix=ca_prefix)
        check(rc == 0, "auth RSA: %d %s%s" % (rc, out, err))
        ctx2 = fields(out)["authCtxId"]
        provision(ID2, supi2, "dev-rsa.pem")
        got = os.path.join(env.tmp, "fetched.json")
        rc, out, err = get_profile(ctx2, got, identity=ID2, dev="dev-rsa")
        check(rc == 0 and fields(out).get("supi") == supi2 and
              json.load(open(got)) == profile_doc(ID2, supi2), "GET: %d\n%s%s" % (rc, out, err))
        wait_full(ctx2)
        # Another device's context: its profile is not for this one.
        rc, out, err = get_profile(ctx2, os.path.join(env.tmp, "theirs.json"))
        check(rc == 1 and "this device is " + ID1 in err and
              not os.path.exists(os.path.join(env.tmp, "theirs.json")),
              "another device's profile: %d %s" % (rc, err))
    finally:
        if gg is not None:
            stop(gg)
        stop(redis)
        shutil.rmtree(sockdir, ignore_errors=True)


CASES = {n[5:]: f for n, f in globals().items() if n.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--uesim", required=True)
    ap.add_argument("--gardengate", required=True)
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--seal-profile", help="test/uesim/seal-profile (lib/profile)")
    ap.add_argument("--provision", help="test/integration/gg-test-provision")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=a.builddir) as tmp:
        env = Env(a.uesim, a.gardengate, a.builddir, tmp, a.seal_profile, a.provision)
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
