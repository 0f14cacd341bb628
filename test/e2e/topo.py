#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""topo.py: the end-to-end network: a device behind a gNB, gardengate, and
a small Internet, each in a network namespace of its own.

    ue  (the device and its gNB)          gg (gardengate)          dn (the data network)
    ggtun0  UE address (from the AuSF)    n3  net_af_packet0       dn0  198.51.100.254/24
      default route into the tunnel       n6  net_af_packet1       lo   198.51.100.80  web server
    gnb0  192.0.2.10/24  <--- veth --->   N3 192.0.2.1 (DPDK)           203.0.113.53  resolver
      gg-uesim tunnel, UDP 2152           N6 198.51.100.1 (DPDK)        203.0.113.80  portal
      chromium, curl                      SBI 127.0.0.1:<any>      route 10.45.0.0/16 via 198.51.100.1
      resolv.conf: 203.0.113.53           CA server 127.0.0.1      <--- veth ---> n6
                                          gg-uesim auth / receive

gardengate runs with --no-huge --no-pci and an EAL --file-prefix of its
own; its ports are net_af_packet vdevs on the gg ends of the two veth
pairs, which have no IP address (the kernel of gg stays out of the data
path). Its AuSF (SBI) listens on 127.0.0.1 of gg, where the device's
control-plane side (gg-uesim auth, receive) runs too. The store is a
private redis-server on a unix socket (a file: every namespace reaches
it). The Internet hosts use documentation addresses only: a web server
(nginx), a resolver (dnsmasq: portal.example and
www.example.net, nothing forwarded anywhere) and the portal host where
gg-portal runs (build/app/portal/gg-portal, ports 80 and 443).

Transmit checksum offload is off on the kernel ends of the veths: a
packet sent with a partial checksum would reach gardengate's AF_PACKET
socket with the checksum unfinished.

Run by hand (root), to look around:

    test/e2e/topo.py --builddir build --run 'curl -si http://198.51.100.80/'

brings everything up (gg-portal included) with the static FULL session's
tunnel, runs the command in the ue namespace, and tears everything down.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import netns as nn  # noqa: E402
import webserver  # noqa: E402
from netns import Fail, check, wait_for  # noqa: E402

GNB = "192.0.2.10"
N3 = "192.0.2.1"
N6 = "198.51.100.1"
DN_ROUTER = "198.51.100.254"
WEB = "198.51.100.80"
RESOLVER = "203.0.113.53"
PORTAL = "203.0.113.80"
PORTAL_NAME = "portal.example"
WEB_NAME = "www.example.net"
UE_POOL = "10.45.0.0/16"
# The static session of e2e-gardengate.conf.
STATIC_FULL = {"ue": "10.45.0.2", "ul_teid": 0x101, "dl_teid": 0xa01, "qfi": 9}
TUN = "ggtun0"
TUN_MTU = 1400              # gg-uesim tunnel's default
SNN = "5G:mnc001.mcc001.3gppnetwork.org"
DEVICE = ("nai-dev0001@maker.example", "dev-ec.pem", "dev-ec.key")
DEVICE_DL_TEID = 0xa05
EAL = ["--no-huge", "--no-pci", "-m", "256", "-l", "0-1",
       "--log-level", "pmd.net.af_packet:warning"]
WEB_TITLE = "Example Web Site"


class Topology:
    """Everything of the picture above, in Lab @lab."""

    def __init__(self, lab, builddir, srcdir):
        self.lab = lab
        self.builddir = os.path.abspath(builddir)
        self.srcdir = os.path.abspath(srcdir)
        self.gardengate = os.path.join(self.builddir, "app", "gardengate", "gardengate")
        self.uesim = os.path.join(self.builddir, "app", "uesim", "gg-uesim")
        self.portal_bin = os.path.join(self.builddir, "app", "portal", "gg-portal")
        self.pki_src = os.path.join(self.builddir, "demo", "pki")
        self.work = lab.workdir
        self.prefix = "gge2e-%d" % os.getpid()
        self.gg = None
        self.tunnel = None
        self.sbi_port = None
        self.ca_port = None
        self.portal_proc = None
        self.portal_is_real = False
        self.duration = 900      # gardengate's and the tunnel's --duration (s)

    # -- what the build has (the test enables the parts that exist) --

    def has_real_portal(self):
        """gg-portal is in this source tree (not a leftover of another
        build in the build folder) and built."""
        return (os.path.exists(os.path.join(self.srcdir, "app", "portal", "meson.build")) and
                os.access(self.portal_bin, os.X_OK))

    def uesim_has(self, cmd):
        p = nn.run([self.uesim, "--help"], check_rc=False)
        return re.search(r"^\s+%s\s" % re.escape(cmd), p.stdout, re.M) is not None

    def gardengate_has_push(self):
        """ausf.notify_uri_prefixes (the profile push) is known to the
        configuration parser of this source tree."""
        for root, _, files in os.walk(os.path.join(self.srcdir, "lib", "conf")):
            for f in files:
                if f.endswith(".c") and "notify_uri_prefixes" in open(
                        os.path.join(root, f), errors="replace").read():
                    return True
        return False

    # -- the network --

    def build_network(self):
        lab = self.lab
        self.ue = lab.netns("ue", resolv=RESOLVER)
        self.ggns = lab.netns("gg")
        self.dn = lab.netns("dn")
        lab.veth(self.ggns, "n3", self.ue, "gnb0")
        lab.veth(self.ggns, "n6", self.dn, "dn0")
        for ns, ifn in ((self.ue, "gnb0"), (self.dn, "dn0")):
            nn.run(["ethtool", "-K", ifn, "tx", "off"], ns=ns)
        lab.ip(self.ue, "addr", "add", GNB + "/24", "dev", "gnb0")
        lab.ip(self.dn, "addr", "add", DN_ROUTER + "/24", "dev", "dn0")
        for a in (WEB, RESOLVER, PORTAL):
            lab.ip(self.dn, "addr", "add", a + "/32", "dev", "lo")
        lab.ip(self.dn, "route", "add", UE_POOL, "via", N6)

    # -- services --

    def start_redis(self):
        sockdir = tempfile.mkdtemp(prefix="gge2e-redis-")
        self.lab.on_close(lambda: shutil.rmtree(sockdir, ignore_errors=True))
        self.redis_sock = os.path.join(sockdir, "redis.sock")
        rdir = os.path.join(self.work, "redis")
        os.makedirs(rdir, exist_ok=True)
        self.lab.spawn("redis", ["redis-server", "--port", "0", "--unixsocket",
                                 self.redis_sock, "--unixsocketperm", "700", "--save", "",
                                 "--appendonly", "no", "--dir", rdir, "--daemonize", "no",
                                 "--logfile", ""])
        wait_for("redis-server", lambda: self.redis("PING") == "PONG", timeout=10)

    def redis(self, *args):
        p = nn.run(["redis-cli", "-s", self.redis_sock] + list(args), check_rc=False)
        return p.stdout.strip() if p.returncode == 0 else None

    def start_ca(self):
        """The manufacturer's certificate server (the AuSF fetches the
        device certificate from it): a copy of the test PKI over HTTP on
        127.0.0.1 of gg."""
        self.pki = os.path.join(self.work, "pki")
        shutil.rmtree(self.pki, ignore_errors=True)
        shutil.copytree(self.pki_src, self.pki)
        for port in range(18080, 18180):
            p = self.lab.spawn("ca", ["/usr/bin/python3", "-u", "-m", "http.server", "--bind",
                                      "127.0.0.1", str(port), "--directory", self.pki],
                               ns=self.ggns)
            try:
                nn.read_line(p, r"Serving HTTP", timeout=5)
                self.ca_port = port
                return
            except Fail:
                self.lab.stop(p)
        raise Fail("the CA server did not start")

    def write_config(self, notify_prefix=None):
        text = open(os.path.join(HERE, "e2e-gardengate.conf")).read()
        extra = ""
        if notify_prefix is not None:
            extra = '  notify_uri_prefixes = [ "%s" ];\n' % notify_prefix
        subst = {"@CA_BUNDLE@": os.path.join(self.pki, "ca.pem"),
                 "@CERT_PREFIX@": "http://127.0.0.1:%d/" % self.ca_port,
                 "@REDIS@": self.redis_sock, "@AUSF_EXTRA@\n": extra}
        for k, v in subst.items():
            check(k in text, "e2e-gardengate.conf lacks %s" % k)
            text = text.replace(k, v)
        self.conf = os.path.join(self.work, "gardengate.conf")
        with open(self.conf, "w") as f:
            f.write(text)

    def start_gardengate(self):
        self.stats_file = os.path.join(self.work, "gardengate-stats.json")
        cmd = [self.gardengate] + EAL + ["--file-prefix", self.prefix, "--",
                                         "-f", self.conf,
                                         "--n3", "net_af_packet0,iface=n3",
                                         "--n6", "net_af_packet1,iface=n6",
                                         "--sbi-listen", "127.0.0.1:0",
                                         "--stats-file", self.stats_file,
                                         "--duration", str(self.duration)]
        self.gg = self.lab.spawn("gardengate", cmd, ns=self.ggns)
        self.lab.on_close(self._remove_runtime)
        m = nn.read_line(self.gg, r"AuSF listening on 127\.0\.0\.1:(\d+)", timeout=60)
        self.sbi_port = int(m.group(1))
        wait_for("gardengate's telemetry", lambda: self.telemetry("/gardengate/info"),
                 timeout=30)
        # Both next hops learned (gardengate asks by ARP once a second):
        # then no packet of the test meets no_neighbor.
        wait_for("gardengate to learn both next hops", lambda: self.stat(
            "arp_next_hop_learned") >= 2, timeout=15)

    def _remove_runtime(self):
        d = os.path.join("/var/run/dpdk", self.prefix)
        if os.path.isdir(d):
            shutil.rmtree(d, ignore_errors=True)

    def stop_gardengate(self):
        """SIGTERM, a clean exit, the final counters (JSON)."""
        rc = self.lab.stop(self.gg, timeout=60)
        check(rc == 0, "gardengate exit %s:\n%s" % (rc, nn.tail(self.gg.gg_log)))
        with open(self.stats_file) as f:
            return json.load(f)

    def telemetry(self, cmd):
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
            reply = json.loads(s.recv(1 << 20).decode())
        finally:
            s.close()
        return reply.get(cmd.split(",")[0])

    def stat(self, name):
        st = self.telemetry("/gardengate/stats") or {}
        if name in st:
            return st[name]
        for v in st.values():
            if isinstance(v, dict) and name in v:
                return v[name]
        return 0

    def session(self, teid):
        return self.telemetry("/gardengate/session,0x%08x" % teid)

    def start_dns(self):
        self.dns = self.lab.spawn("dnsmasq", [
            # -k, not --no-daemon: in debug mode dnsmasq answers TCP in its
            # main loop, and one idle TCP connection stops all its UDP.
            "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
            "--no-hosts",
            "--listen-address=" + RESOLVER, "--bind-interfaces", "--port=53",
            "--user=root", "--pid-file=", "--log-queries", "--log-facility=-",
            "--address=/%s/%s" % (PORTAL_NAME, PORTAL),
            "--address=/%s/%s" % (WEB_NAME, WEB)], ns=self.dn)
        nn.read_line(self.dns, r"started, version", timeout=10)

    def start_web(self):
        d = os.path.join(self.work, "www")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "index.html"), "w") as f:
            f.write("<!doctype html>\n<html><head><title>%s</title></head>\n"
                    "<body><h1>%s</h1><p>You are on the Internet.</p></body></html>\n"
                    % (WEB_TITLE, WEB_TITLE))
        # 2 MiB of a fixed pattern: full-sized segments downlink, checked by
        # their hash after the trip through both encapsulations.
        blob = bytes((i * 131 + (i >> 11)) & 0xff for i in range(2 << 20))
        with open(os.path.join(d, "blob.bin"), "wb") as f:
            f.write(blob)
        self.blob_sha256 = hashlib.sha256(blob).hexdigest()
        self.www = d
        webserver.start(self.lab, self.dn, "web", [(WEB, 80, d)])

    # -- the device --

    def auth(self, notify_uri=None):
        """gg-uesim auth for the test device; returns its JSON output (also
        written to WORK/auth.json for gg-uesim tunnel --session)."""
        ident, cert, key = DEVICE
        self.device_key = os.path.join(self.pki, key)
        self.device_cert = os.path.join(self.pki, cert)
        cmd = [self.uesim, "auth", "--sbi", "http://127.0.0.1:%d" % self.sbi_port,
               "--identity", ident, "--snn", SNN,
               "--cert-url", "http://127.0.0.1:%d/%s" % (self.ca_port, cert),
               "--key", self.device_key, "--gnb", GNB,
               "--dl-teid", "0x%08x" % DEVICE_DL_TEID, "--json"]
        if notify_uri is not None:
            cmd += ["--notify-uri", notify_uri]
        p = nn.run(cmd, ns=self.ggns, check_rc=False, timeout=60)
        check(p.returncode == 0, "gg-uesim auth: exit %d: %s %s" %
              (p.returncode, p.stdout, p.stderr))
        out = json.loads(p.stdout.strip().splitlines()[-1])
        self.auth_file = os.path.join(self.work, "auth.json")
        with open(self.auth_file, "w") as f:
            f.write(p.stdout)
        pdu = out["pduSession"]
        self.device = {"identity": ident, "ue": pdu["ueIpv4Addr"],
                       "ul_teid": int(pdu["cnTunnelInfo"]["gtpTeid"], 16),
                       "ctx": out["authCtxId"], "api": out.get("captivePortalApi")}
        return out

    def start_tunnel(self, *args):
        """gg-uesim tunnel in ue, and the default route into it."""
        check(self.tunnel is None, "a tunnel is already up")
        self.tunnel = self.lab.spawn("tunnel-%d" % len(self.lab.procs),
                                     [self.uesim, "tunnel", "--tun", TUN, "--local", GNB,
                                      "--json", "--duration", str(self.duration)] +
                                     list(args), ns=self.ue)
        nn.read_line(self.tunnel, r"^ready %s$" % TUN)
        ue = re.search(r"--ue-ip (\S+)", " ".join(args))
        src = ue.group(1) if ue else self.device["ue"]
        self.lab.ip(self.ue, "route", "replace", "default", "dev", TUN, "src", src)
        return src

    def stop_tunnel(self):
        """SIGTERM; its counters."""
        p, self.tunnel = self.tunnel, None
        rc = self.lab.stop(p)
        check(rc == 0, "gg-uesim tunnel exit %s:\n%s" % (rc, nn.tail(p.gg_log)))
        lines = [l for l in open(p.gg_log).read().splitlines() if l.startswith("{")]
        check(lines, "gg-uesim tunnel printed no counters:\n%s" % nn.tail(p.gg_log))
        return json.loads(lines[-1])

    def ue_run(self, cmd, timeout=30, check_rc=False):
        return nn.run(cmd, ns=self.ue, timeout=timeout, check_rc=check_rc)

    def curl(self, url, *extra, timeout=10):
        """curl in ue: (status, headers dict, body)."""
        # Bytes: text mode would turn the CRLFs that end the head into LFs.
        p = subprocess.run(["ip", "netns", "exec", self.ue, "curl", "-sS", "-i", "--max-time",
                            str(timeout)] + list(extra) + [url], capture_output=True,
                           timeout=timeout + 10)
        check(p.returncode == 0, "curl %s: exit %d: %s" % (url, p.returncode,
                                                         p.stderr.decode(errors="replace")))
        head, _, body = p.stdout.decode(errors="replace").partition("\r\n\r\n")
        lines = head.split("\r\n")
        m = re.match(r"HTTP/\S+ (\d{3})", lines[0])
        check(m is not None, "curl %s: not HTTP: %r" % (url, head[:200]))
        headers = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            headers[k.strip().lower()] = v.strip()
        return int(m.group(1)), headers, body

    # -- the parts other helpers build (enabled by the test when present) --

    def start_receiver(self):
        """gg-uesim receive on 127.0.0.1 of gg (where the AuSF is): the
        device's profile callback. Returns the notify URI for auth."""
        ident, cert, key = DEVICE
        self.device_key = os.path.join(self.pki, key)
        self.device_cert = os.path.join(self.pki, cert)
        self.profile_json = os.path.join(self.work, "received-profile.json")
        self.receiver = self.lab.spawn("receive", [
            self.uesim, "receive", "--listen", "127.0.0.1:0", "--identity", ident,
            "--key", self.device_key, "--cert", self.device_cert,
            "--operator-ca", os.path.join(self.pki, "operator-ca.pem"),
            "--out", self.profile_json, "--count", "1", "--timeout-s", str(self.duration),
            "--json"],
            ns=self.ggns)
        m = nn.read_line(self.receiver, r"listening on 127\.0\.0\.1:(\d+)", timeout=10)
        self.notify_uri = "http://127.0.0.1:%s/profile" % m.group(1)
        return self.notify_uri

    def wait_receiver(self, timeout=60):
        """gg-uesim receive took one good profile and exited 0."""
        try:
            rc = self.receiver.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Fail("gg-uesim receive got no profile within %d s:\n%s"
                       % (timeout, nn.tail(self.receiver.gg_log)))
        check(rc == 0, "gg-uesim receive exit %d:\n%s" % (rc, nn.tail(self.receiver.gg_log)))
        return json.load(open(self.profile_json))

    def fetch_profile_der(self):
        """The GET fallback of the AuSF (what a device that was away uses):
        the profile's DER, from the base64 in the answer."""
        url = "http://127.0.0.1:%d/nausf-auth/v1/ue-authentications/%s/profile" % (
            self.sbi_port, self.device["ctx"])
        p = subprocess.run(["ip", "netns", "exec", self.ggns, "curl", "-sS",
                            "--http2-prior-knowledge", "--max-time", "10", "-w",
                            "\n%{http_code}", url], capture_output=True, timeout=30)
        body, _, code = p.stdout.decode(errors="replace").rpartition("\n")
        check(p.returncode == 0 and code == "200", "GET %s: %s %s %s" %
              (url, code, body[:300], p.stderr.decode(errors="replace")))
        j = json.loads(body)
        check(j.get("supiOrSuci") == self.device["identity"] and j.get("authCtxId") ==
              self.device["ctx"] and str(j.get("supi", "")).startswith("imsi-"),
              "GET .../profile: %r" % {k: j.get(k) for k in ("supiOrSuci", "authCtxId", "supi")})
        der = os.path.join(self.work, "profile.der")
        with open(der, "wb") as f:
            f.write(base64.b64decode(j["profile"], validate=True))
        return der, j["supi"]

    def start_portal(self):
        """gg-portal on the portal address of dn (doc/portal.rst): a copy
        of config/gg-portal.conf with this run's store socket, PKI copy,
        CSRF secret and listen addresses (the web server holds port 80 of
        another address of dn, so no wildcard), paths made absolute."""
        text = open(os.path.join(self.srcdir, "config", "gg-portal.conf")).read()
        secret = os.path.join(self.work, "portal-csrf.key")
        with open(secret, "w") as f:
            f.write(os.urandom(32).hex() + "\n")
        os.chmod(secret, 0o600)

        def setting(name, value):
            nonlocal text
            text, n = re.subn(r'(\b%s\s*=\s*)"[^"]*"' % name,
                              lambda m: '%s"%s"' % (m.group(1), value), text)
            check(n >= 1, "config/gg-portal.conf: no %s setting to replace" % name)

        setting("unix", self.redis_sock)
        setting("secret_file", secret)
        text = re.sub(r'(http:\s*\{\s*listen\s*=\s*)"[^"]*"',
                      lambda m: '%s"%s:80"' % (m.group(1), PORTAL), text)
        text = re.sub(r'(https:\s*\{\s*listen\s*=\s*)"[^"]*"',
                      lambda m: '%s"%s:443"' % (m.group(1), PORTAL), text)
        text = text.replace('"build/demo/pki/', '"%s/' % self.pki)
        text = re.sub(r'"(app/portal/[^"]*)"',
                      lambda m: '"%s"' % os.path.join(self.srcdir, m.group(1)), text)
        conf = os.path.join(self.work, "gg-portal.conf")
        with open(conf, "w") as f:
            f.write(text)
        self.portal_conf = conf
        p = nn.run([self.portal_bin, "-c", conf, "--check-config"], check_rc=False)
        check(p.returncode == 0, "gg-portal --check-config: %s%s" % (p.stdout, p.stderr))
        self.portal_proc = self.lab.spawn("portal", [self.portal_bin, "-c", conf], ns=self.dn)

        def answers():
            if self.portal_proc.poll() is not None:
                raise Fail("gg-portal exited (%s):\n%s" % (self.portal_proc.returncode,
                                                          nn.tail(self.portal_proc.gg_log)))
            return nn.run(["curl", "-s", "-o", "/dev/null", "--max-time", "2",
                           "http://%s/" % PORTAL], ns=self.dn, check_rc=False).returncode == 0
        wait_for("gg-portal on %s:80" % PORTAL, answers, timeout=20)
        self.portal_is_real = True

    def up(self, before_config=None):
        """Network, store, CA, then @before_config() (it may start what
        the configuration must name, and returns the push allow-list
        prefix or None), then gardengate and the Internet hosts."""
        self.build_network()
        self.start_redis()
        self.start_ca()
        self.write_config(before_config() if before_config else None)
        self.start_dns()
        self.start_web()
        self.start_gardengate()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--builddir", default="build")
    ap.add_argument("--srcdir", default=os.path.dirname(os.path.dirname(HERE)))
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--run", default="curl -si http://%s/" % WEB,
                    help="shell command to run in the ue namespace")
    a = ap.parse_args()
    try:
        nn.need_root(("ip", "ethtool", "dnsmasq", "redis-server", "curl"))
    except nn.Skip as e:
        print("SKIP: %s" % e)
        return 77
    lab = nn.Lab("gge2e-topo", a.workdir or os.path.join(a.builddir, "test", "e2e", "topo"))
    lab.install_signal_handlers()
    try:
        t = Topology(lab, a.builddir, a.srcdir)
        t.up()
        t.start_portal()
        s = STATIC_FULL
        t.start_tunnel("--ue-ip", s["ue"], "--n3", N3, "--teid-ul", "0x%x" % s["ul_teid"],
                       "--teid-dl", "0x%x" % s["dl_teid"], "--qfi", str(s["qfi"]))
        p = t.ue_run(["sh", "-c", a.run], timeout=120)
        sys.stdout.write(p.stdout + p.stderr)
        print("tunnel: %s" % t.stop_tunnel())
        return p.returncode
    except Fail as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        lab.close()


if __name__ == "__main__":
    sys.exit(main())
