#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""onboard-demo.py: one device goes from the walled garden to full
connectivity, on this machine, with the real programs and clients.

The network of the end-to-end tests (test/e2e/topo.py: namespaces for the
device and its gNB, gardengate on net_af_packet ports, and a small
Internet with a resolver, a web site and gg-portal), then, printing each
step and what proves it:

 1. gg-uesim authenticates the device with its factory certificate and
    gives the AuSF its profile callback (gg-uesim receive); the session is
    LIMITED;
 2. gg-uesim tunnel carries the device's traffic in GTP-U; curl to an
    outside site gets gardengate's 302 to the portal, the RFC 8908 API
    says captive;
 3. the user signs up on gg-portal with curl, as a browser without
    JavaScript would (the form, its CSRF token, the POST);
 4. the AuSF pushes the signed and encrypted profile to the device, which
    verifies, decrypts and stores it; the session is FULL; the API says
    not captive; the outside site answers;
 5. the stored profile opens with the openssl CLI.

Needs root (network namespaces) and a build (scripts/build.sh). Everything
is torn down at the end. scripts/demo.sh runs it after the pcap demo.
"""
import html
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, "test", "e2e"))
import netns as nn  # noqa: E402
import topo  # noqa: E402
from netns import Fail, check, wait_for  # noqa: E402


def say(title, detail=""):
    print("== %s" % title)
    if detail:
        for line in detail.rstrip("\n").splitlines():
            print("   %s" % line)
    sys.stdout.flush()


def session_state(t):
    s = t.session(t.device["ul_teid"]) or {}
    return s.get("state", "?")


def captive(t):
    st, h, body = t.curl(t.device["api"], "--cacert", os.path.join(t.pki, "operator-ca.pem"),
                         "-H", "Accept: application/captive+json")
    check(st == 200, "captive API: %d %s" % (st, body[:200]))
    return body.strip()


def sign_up(t, cookie_jar):
    """GET the form (its CSRF token and the first plan), POST it."""
    base = "https://%s" % topo.PORTAL_NAME
    ca = os.path.join(t.pki, "operator-ca.pem")
    st, _, page = t.curl(base + "/signup", "--cacert", ca, "-c", cookie_jar, "-b", cookie_jar)
    check(st == 200, "GET /signup: %d" % st)
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    plan = re.search(r'name="plan" id="plan-[^"]*" value="([^"]+)"', page)
    check(token is not None and plan is not None, "no CSRF token or plan in the form")
    form = urllib.parse.urlencode({"csrf": html.unescape(token.group(1)),
                                   "plan": plan.group(1), "name": "Alice Example",
                                   "email": "alice@example.org", "terms": "yes"})
    st, h, page = t.curl(base + "/signup", "--cacert", ca, "-c", cookie_jar, "-b", cookie_jar,
                         "--data", form)
    check(st == 303 and "location" in h, "POST /signup: %d %s" % (st, page[:300]))
    st, h, page = t.curl(urllib.parse.urljoin(base + "/signup", h["location"]), "--cacert", ca,
                         "-c", cookie_jar, "-b", cookie_jar)
    check(st == 200, "GET the result page: %d %s" % (st, page[:300]))
    supi = re.search(r"imsi-\d+", page)
    return plan.group(1), supi.group(0) if supi else "?"


def main():
    builddir = os.path.join(SRC, "build")
    try:
        nn.need_root(("ip", "ethtool", "dnsmasq", "redis-server", "curl", "openssl"))
    except nn.Skip as e:
        print("onboard-demo: skipped: %s" % e)
        return 0
    lab = nn.Lab("gg-onboard-demo", os.path.join(builddir, "demo", "onboard"))
    lab.install_signal_handlers()
    try:
        t = topo.Topology(lab, builddir, SRC)
        t.up(before_config=lambda: "http://127.0.0.1:")
        t.start_portal()
        notify = t.start_receiver()
        out = t.auth(notify_uri=notify)
        d = t.device
        say("1. gg-uesim auth: one-way authentication with the factory certificate",
            "identity %s, UE address %s, uplink TEID 0x%08x\n"
            "captive portal API %s\nprofile callback %s\n"
            "data-plane session: %s" % (d["identity"], d["ue"], d["ul_teid"],
                                        out.get("captivePortalApi"), notify, session_state(t)))
        t.start_tunnel("--session", t.auth_file, "--teid-dl", "0x%x" % topo.DEVICE_DL_TEID,
                       "--n3", topo.N3)
        st, h, _ = t.curl("http://%s/" % topo.WEB_NAME)
        say("2. in the walled garden, through gg-uesim tunnel (GTP-U to gardengate's N3)",
            "curl http://%s/ -> %d Location: %s\nRFC 8908 API: %s"
            % (topo.WEB_NAME, st, h.get("location", "-"), captive(t)))
        plan, supi = sign_up(t, os.path.join(lab.workdir, "cookies.txt"))
        say("3. sign-up on gg-portal (https://%s/signup, curl as the browser)" % topo.PORTAL_NAME,
            "plan %s; the result page names SUPI %s" % (plan, supi))
        prof = t.wait_receiver(timeout=60)
        wait_for("the session to be FULL", lambda: session_state(t) == "full", timeout=15)
        st, _, body = t.curl("http://%s/" % topo.WEB_NAME)
        title = re.search(r"<title>([^<]*)</title>", body)
        say("4. profile pushed by the AuSF, verified and decrypted by the device",
            "gg-uesim receive stored %s: supi %s, plan %s, deviceIdentity %s\n"
            "data-plane session: %s\nstore record state: %s\nRFC 8908 API: %s\n"
            "curl http://%s/ -> %d %s"
            % (t.profile_json, prof.get("supi"), prof.get("plan", {}).get("id"),
               prof.get("deviceIdentity"), session_state(t),
               t.redis("HGET", "gg:device:" + d["identity"], "state"), captive(t),
               topo.WEB_NAME, st, title.group(1) if title else ""))
        der, _ = t.fetch_profile_der()
        signed = os.path.join(lab.workdir, "signed.der")
        opened = os.path.join(lab.workdir, "opened-profile.json")
        cmds = [["openssl", "cms", "-decrypt", "-inform", "DER", "-in", der,
                 "-inkey", t.device_key, "-recip", t.device_cert, "-out", signed],
                ["openssl", "cms", "-verify", "-inform", "DER", "-in", signed,
                 "-CAfile", os.path.join(t.pki, "operator-ca.pem"), "-out", opened]]
        for c in cmds:
            p = subprocess.run(c, capture_output=True, text=True, timeout=30)
            check(p.returncode == 0, "%s: %s" % (" ".join(c), p.stderr))
        doc = json.load(open(opened))
        say("5. the profile opens with the openssl CLI",
            "\n".join(" ".join(c) for c in cmds) +
            "\n-> %s (K and OPc not shown)" % json.dumps(
                {k: v for k, v in doc.items() if k not in ("k", "opc")}))
        gg = t.stop_gardengate()
        ctr = gg["counters"]
        say("gardengate's final counters (excerpt; all of them: %s)" % t.stats_file,
            " ".join("%s=%d" % (k, ctr[k]) for k in (
                "ul_decap", "dl_encap", "garden_forward_ul", "garden_forward_dl",
                "dns_garden_forward", "dns_forged", "dns_snooped", "garden_learned")))
        return 0
    except Fail as e:
        print("onboard-demo: FAIL: %s" % e)
        return 1
    finally:
        lab.close()


if __name__ == "__main__":
    sys.exit(main())
