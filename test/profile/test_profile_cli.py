#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The subscription profile against the real openssl CLI and the JSON Schema.

- A profile made by gg-profile-tool (lib/profile) validates against
  doc/profile.schema.json, and its OPc is AES-128(K, OP) xor OP as the
  openssl CLI computes it.
- Sealed by lib/profile for dev-ec and dev-rsa (GCM and CBC), it opens with
  exactly the two openssl commands doc/profile.rst gives, back to the same
  octets, and the envelope names the documented algorithms.
- Built by the openssl CLI itself (cms -sign, then cms -encrypt with the
  documented key options), it opens with gg_profile_open.
- The schema and lib/profile agree: each document variant that breaks a
  rule is refused by both, the good one accepted by both.
- The tool never writes K to its output streams.

Usage: test_profile_cli.py --tool PATH --srcdir DIR
Needs the openssl CLI and python3-jsonschema. Exit status 0 when every
check passed.
"""

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile

import jsonschema

FAILURES = []


def check(cond, what):
    if cond:
        print("ok:", what)
    else:
        print("FAIL:", what)
        FAILURES.append(what)


def run(cmd, cwd, ok=True):
    """Run cmd; return the CompletedProcess. ok=None: any status."""
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if ok is not None and (p.returncode == 0) != ok:
        print("command %s: status %d, stderr: %s" %
              (" ".join(cmd), p.returncode, p.stderr.strip()))
    return p


def validator(srcdir):
    with open(os.path.join(srcdir, "doc", "profile.schema.json")) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_ok(v, doc):
    return not list(v.iter_errors(doc))


def test_sample(a, w, v):
    out = run([a.tool, "sample", "--op", "pki/op.hex", "--identity",
               "nai-dev0001@maker.example", "--mcc", "001", "--mnc", "01",
               "--seq", "42", "--out", "profile.json"], w)
    check(out.returncode == 0, "tool makes a profile")
    with open(os.path.join(w, "profile.json")) as f:
        doc = json.load(f)
    errors = [e.message for e in v.iter_errors(doc)]
    check(not errors, "profile valid against the schema %s" % errors)
    check(doc["supi"] == "imsi-001010000000042", "SUPI from the sequence")
    k = doc["k"]
    check(k not in out.stdout + out.stderr, "K not on the tool's output")
    # OPc = E_K(OP) xor OP, E_K computed by the openssl CLI.
    with open(os.path.join(w, "pki", "op.hex")) as f:
        op = bytes.fromhex(f.read().strip())
    enc = subprocess.run(["openssl", "enc", "-aes-128-ecb", "-nopad", "-K", k],
                         input=op, capture_output=True, check=True).stdout
    opc = bytes(x ^ y for x, y in zip(enc, op))
    check(opc.hex() == doc["opc"], "OPc = AES-128(K, OP) xor OP")
    return doc


def use_device(w, dev):
    """dev.key, dev.pem, operator-ca.pem in w: the names the documented
    commands use."""
    shutil.copy(os.path.join(w, "pki", dev + ".key"), os.path.join(w, "dev.key"))
    shutil.copy(os.path.join(w, "pki", dev + ".pem"), os.path.join(w, "dev.pem"))
    shutil.copy(os.path.join(w, "pki", "operator-ca.pem"),
                os.path.join(w, "operator-ca.pem"))


def test_seal_cli_open(a, w, v):
    with open(os.path.join(w, "profile.json"), "rb") as f:
        original = f.read()
    cases = [("dev-ec", [], "id-smime-ct-authEnvelopedData", "aes-256-gcm",
              ["dhSinglePass-stdDH-sha256kdf-scheme", "id-aes256-wrap"]),
             ("dev-ec", ["--cbc"], "pkcs7-envelopedData", "aes-256-cbc",
              ["dhSinglePass-stdDH-sha256kdf-scheme", "id-aes256-wrap"]),
             ("dev-rsa", [], "id-smime-ct-authEnvelopedData", "aes-256-gcm",
              ["rsaesOaep", ":sha256", ":mgf1"]),
             ("dev-rsa", ["--cbc"], "pkcs7-envelopedData", "aes-256-cbc",
              ["rsaesOaep", ":sha256", ":mgf1"])]
    for dev, opts, outer, cipher, algs in cases:
        name = "%s %s" % (dev, cipher)
        for f in ("p.der", "signed.der", "opened.json"):
            if os.path.exists(os.path.join(w, f)):
                os.unlink(os.path.join(w, f))
        r = run([a.tool, "seal", "--signer-cert", "pki/provisioning.pem",
                 "--signer-key", "pki/provisioning.key", "--device-cert",
                 "pki/%s.pem" % dev, "--in", "profile.json", "--out",
                 "p.der"] + opts, w)
        check(r.returncode == 0, "%s: sealed" % name)
        printed = run(["openssl", "cms", "-cmsout", "-print", "-inform",
                       "DER", "-in", "p.der"], w).stdout
        check("contentType: " + outer in printed, "%s: %s" % (name, outer))
        check("algorithm: " + cipher in printed, "%s: content %s" % (name, cipher))
        for alg in algs:
            check(alg in printed, "%s: names %s" % (name, alg))
        use_device(w, dev)
        # Exactly the commands of doc/profile.rst.
        d = run("openssl cms -decrypt -inform DER -in p.der -inkey dev.key "
                "-recip dev.pem -out signed.der".split(), w)
        check(d.returncode == 0, "%s: openssl cms -decrypt" % name)
        s = run("openssl cms -verify -inform DER -in signed.der "
                "-CAfile operator-ca.pem -out opened.json".split(), w)
        check(s.returncode == 0, "%s: openssl cms -verify" % name)
        if s.returncode != 0:
            continue
        with open(os.path.join(w, "opened.json"), "rb") as f:
            opened = f.read()
        check(opened == original, "%s: same octets back" % name)
        check(schema_ok(v, json.loads(opened)), "%s: opened profile valid" % name)
        # The inner SignedData: signer certificate and signing time in it.
        inner = run(["openssl", "cms", "-cmsout", "-print", "-inform", "DER",
                     "-in", "signed.der"], w).stdout
        check("signingTime" in inner, "%s: signing time attribute" % name)
        check("Operator Example Provisioning" in inner,
              "%s: signer certificate included" % name)
        # And the maker's CA is not an operator CA.
        bad = run("openssl cms -verify -inform DER -in signed.der "
                  "-CAfile pki/ca.pem -out /dev/null".split(), w, ok=False)
        check(bad.returncode != 0, "%s: maker CA does not verify it" % name)


def test_cli_seal_lib_open(a, w):
    with open(os.path.join(w, "profile.json"), "rb") as f:
        original = f.read()
    r = run("openssl cms -sign -binary -nodetach -in profile.json "
            "-signer pki/provisioning.pem -inkey pki/provisioning.key "
            "-outform DER -out cli-signed.der".split(), w)
    check(r.returncode == 0, "openssl cms -sign")
    cases = [("dev-ec", "-aes-256-gcm -keyopt ecdh_kdf_md:sha256"),
             ("dev-ec", "-aes-256-cbc -keyopt ecdh_kdf_md:sha256"),
             ("dev-rsa", "-aes-256-gcm -keyopt rsa_padding_mode:oaep "
              "-keyopt rsa_oaep_md:sha256 -keyopt rsa_mgf1_md:sha256"),
             ("dev-rsa", "-aes-256-cbc -keyopt rsa_padding_mode:oaep "
              "-keyopt rsa_oaep_md:sha256 -keyopt rsa_mgf1_md:sha256")]
    for dev, opts in cases:
        name = "CLI-made for %s %s" % (dev, opts.split()[0])
        r = run(("openssl cms -encrypt -binary -in cli-signed.der -recip "
                 "pki/%s.pem %s -outform DER -out cli.der" % (dev, opts)).split(), w)
        check(r.returncode == 0, "%s: openssl cms -encrypt" % name)
        if os.path.exists(os.path.join(w, "cli.json")):
            os.unlink(os.path.join(w, "cli.json"))
        o = run([a.tool, "open", "--key", "pki/%s.key" % dev, "--cert",
                 "pki/%s.pem" % dev, "--ca", "pki/operator-ca.pem", "--in",
                 "cli.der", "--out", "cli.json"], w)
        check(o.returncode == 0, "%s: gg_profile_open opens it" % name)
        if o.returncode == 0:
            with open(os.path.join(w, "cli.json"), "rb") as f:
                check(f.read() == original, "%s: same octets" % name)
    # A tampered one is refused, and the refusal quotes no secret.
    with open(os.path.join(w, "cli.der"), "rb") as f:
        der = bytearray(f.read())
    der[-40] ^= 1
    with open(os.path.join(w, "bad.der"), "wb") as f:
        f.write(der)
    o = run([a.tool, "open", "--key", "pki/dev-rsa.key", "--cert",
             "pki/dev-rsa.pem", "--ca", "pki/operator-ca.pem", "--in",
             "bad.der", "--out", "bad.json"], w, ok=False)
    check(o.returncode == 1 and "open:" in o.stderr,
          "tampered CLI-made profile refused: %s" % o.stderr.strip())
    check(not os.path.exists(os.path.join(w, "bad.json")), "nothing written")


def test_schema_agreement(a, w, v, doc):
    def variant(path, value):
        d = copy.deepcopy(doc)
        node = d
        for p in path[:-1]:
            node = node[p]
        if value is DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = value
        return d

    bad = [(("version",), 2), (("supi",), DELETE), (("extra",), True),
           (("plmnId", "x"), "1"), (("k",), "00" * 15),
           (("k",), "0g" + "00" * 15), (("opc",), 16), (("amf",), "80000"),
           (("plmnId", "mcc"), "01"), (("plmnId", "mnc"), "0101"),
           (("plmnId",), "00101"), (("supi",), "nai-001010000000042"),
           (("supi",), "imsi-0010100000000420"), (("dnn",), "inter net"),
           (("dnn",), "a..b"), (("dnn",), ""), (("sNssai", "sst"), 256),
           (("sNssai", "sst"), "1"), (("sNssai", "sd"), "00001"),
           (("sNssai",), {}), (("plan", "id"), "basic 10g"),
           (("plan", "id"), "x" * 33), (("plan", "name"), "\u0001x"),
           (("plan", "name"), "x" * 65), (("issuer",), ""),
           (("deviceIdentity",), "nai dev"),
           (("validFrom",), "2026-01-01 00:00:00Z"),
           (("validFrom",), "2026-01-01T00:00:00+00:00"),
           (("validUntil",), "2026-13-01T00:00:00Z"),
           (("validUntil",), "2026-12-01T24:00:00Z")]
    # The day of the month is the "date-time" format's business, which
    # python3-jsonschema checks only when rfc3339-validator is installed.
    date_only = [(("validFrom",), "2026-02-30T00:00:00Z")]
    # Rules only lib/profile checks (documented in the schema).
    lib_only = [(("supi",), "imsi-002010000000042"),
                (("validUntil",), "2025-01-01T00:00:00Z")]
    path = os.path.join(w, "variant.json")
    format_checked = not schema_ok(v, variant(*date_only[0]))
    print("date-time format checked by the schema validator:", format_checked)
    for rule, value in bad + lib_only + date_only:
        d = variant(rule, value)
        with open(path, "w") as f:
            json.dump(d, f)
        lib = run([a.tool, "check", "--in", "variant.json"], w, ok=None)
        name = "%s = %r" % (".".join(rule), value)
        check(lib.returncode == 1, "lib/profile refuses %s (%s)" %
              (name, lib.stderr.strip()))
        check(doc["k"] not in lib.stderr, "%s: message quotes no K" % name)
        if (rule, value) in date_only and not format_checked:
            continue
        if (rule, value) not in lib_only:
            check(not schema_ok(v, d), "schema refuses %s" % name)
    for rule, value in [(("sNssai", "sd"), DELETE),
                        (("plmnId", "mnc"), "010"),
                        (("supi",), "imsi-0010100000042"),
                        (("k",), doc["k"].upper())]:
        d = variant(rule, value)
        with open(path, "w") as f:
            json.dump(d, f)
        name = "%s = %r" % (".".join(rule), value)
        lib = run([a.tool, "check", "--in", "variant.json"], w)
        check(lib.returncode == 0 and schema_ok(v, d),
              "both accept %s" % name)


DELETE = object()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--srcdir", required=True)
    a = ap.parse_args()
    a.tool = os.path.abspath(a.tool)
    v = validator(a.srcdir)
    w = tempfile.mkdtemp(prefix="gg-profile-cli.")
    try:
        subprocess.run(["sh", os.path.join(a.srcdir, "scripts", "test-pki.sh"),
                        os.path.join(w, "pki")], check=True)
        doc = test_sample(a, w, v)
        test_seal_cli_open(a, w, v)
        test_cli_seal_lib_open(a, w)
        test_schema_agreement(a, w, v, doc)
    finally:
        shutil.rmtree(w, ignore_errors=True)
    if FAILURES:
        print("%d checks failed" % len(FAILURES))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
