#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""What operators use, against the real binary (doc/operations.rst):

  metrics     /metrics in both formats, checked by Debian's promtool, with
              the exact counts of a known capture replayed once
  prometheus  Debian's prometheus server scrapes a running gardengate; the
              test asks it through its HTTP API
  dumpcap     dpdk-dumpcap (a DPDK secondary process) captures N3 and N6 of
              a running gardengate while traffic flows; tshark reads the
              pcapng (needs hugepages: reserved with dpdk-hugepages.py when
              root, else the case is skipped, exit 77)
  service     config/gardengate.service passes systemd-analyze verify; log
              lines carry journal priorities when stderr is the journal; a
              run as an unprivileged user (when there is one to switch to)

Usage: test_ops.py CASE --gardengate PATH --builddir DIR
"""
import argparse
import glob
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
import urllib.parse
import urllib.request

EAL = ["--no-huge", "--no-pci", "-m", "256", "-l", "0-1"]
ANY_SBI = ["--sbi-listen", "127.0.0.1:0"]
SKIP = 77


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def write_pcaps(tmp):
    """5 G-PDUs of session 0x101 and one of an unknown TEID on N3, 4 downlink
    packets to 10.45.0.2 on N6 (config/gardengate.conf's sessions)."""
    script = r'''
import sys
from scapy.all import Ether, IP, UDP, wrpcap
from scapy.contrib.gtp import GTP_U_Header
d = sys.argv[1]
def gpdu(teid, ue, i):
    return (Ether(src="02:00:00:00:03:fe", dst="02:70:63:61:70:00") /
            IP(src="192.0.2.10", dst="192.0.2.1") / UDP(sport=2152, dport=2152) /
            GTP_U_Header(teid=teid, gtp_type=255) /
            IP(src=ue, dst="198.51.100.7") / UDP(sport=1000 + i, dport=53) / ("x" * 20))
wrpcap(d + "/n3-in.pcap", [gpdu(0x101, "10.45.0.2", i) for i in range(5)] +
       [gpdu(0x999, "10.45.0.9", 9)])
wrpcap(d + "/n6-in.pcap", [Ether(src="02:00:00:00:06:fe", dst="02:70:63:61:70:01") /
       IP(src="198.51.100.7", dst="10.45.0.2") / UDP(sport=53, dport=1000 + i) / ("z" * 30)
       for i in range(4)])
'''
    subprocess.run(["/usr/bin/python3", "-c", script, tmp], check=True,
                   capture_output=True, timeout=60)


def pcap_ports(tmp):
    return ["--n3", "net_pcap_n3,rx_pcap=%s/n3-in.pcap,tx_pcap=%s/n3-out.pcap" % (tmp, tmp),
            "--n6", "net_pcap_n6,rx_pcap=%s/n6-in.pcap,tx_pcap=%s/n6-out.pcap" % (tmp, tmp)]


def start(cmd, tmp, name):
    err = open(os.path.join(tmp, name + ".err"), "w")
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
    return p, os.path.join(tmp, name + ".err")


def wait_log(p, errpath, pattern, limit=30):
    deadline = time.time() + limit
    while time.time() < deadline:
        text = open(errpath).read()
        m = re.search(pattern, text)
        if m:
            return m
        if p.poll() is not None:
            raise Fail("gardengate exited early (%d): %s" % (p.returncode, text))
        time.sleep(0.2)
    raise Fail("no %r in the log within %d s:\n%s" % (pattern, limit, open(errpath).read()))


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    try:
        out, _ = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    return out


def http_get(url, accept=None, timeout=10):
    req = urllib.request.Request(url)
    if accept:
        req.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def samples(text):
    """{'name{labels}': value} of a text page."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            out[k] = float(v)
    return out


def start_metrics(gg, tmp, prefix, extra=()):
    write_pcaps(tmp)
    cmd = [gg] + EAL + ["--file-prefix", prefix, "--"] + pcap_ports(tmp) + ANY_SBI + \
        ["--metrics-listen", "127.0.0.1:0", "--duration", "60"] + list(extra)
    p, errpath = start(cmd, tmp, prefix)
    m = wait_log(p, errpath, r"metrics: listening on http://127\.0\.0\.1:(\d+)/metrics")
    return p, int(m.group(1))


def wait_counts(port, want, limit=20):
    """The capture is replayed once: wait until the counters hold it all."""
    deadline = time.time() + limit
    while True:
        st, _, body = http_get("http://127.0.0.1:%d/metrics" % port)
        s = samples(body)
        if all(s.get(k) == v for k, v in want.items()) or time.time() > deadline:
            return s, body
        time.sleep(0.3)


WANT = {
    "gardengate_rx_n3_total": 6, "gardengate_rx_n6_total": 4,
    "gardengate_ul_decap_total": 5, "gardengate_dl_encap_total": 4,
    'gardengate_drops_total{reason="ul_unknown_teid"}': 1,
    'gardengate_lcore_drops_total{worker="0",lcore="1",reason="ul_unknown_teid"}': 1,
    'gardengate_lcore_rx_n3_total{worker="0",lcore="1"}': 6,
    'gardengate_lcore_rx_n3_total{worker="control",lcore="0"}': 0,
    'gardengate_sessions{state="full"}': 2, 'gardengate_sessions{state="limited"}': 1,
    'gardengate_sessions{state="blocked"}': 0,
    'gardengate_garden_entries{kind="name"}': 2,
    'gardengate_port_rx_packets_total{port="n3"}': 6,
    'gardengate_port_tx_packets_total{port="n6"}': 5,
    "gardengate_ausf_enabled": 1, "gardengate_store_up": 0, "gardengate_workers": 1,
}


def case_metrics(gg, tmp):
    prefix = "gg-ops-met-%d" % os.getpid()
    p, port = start_metrics(gg, tmp, prefix)
    try:
        s, text = wait_counts(port, WANT)
        for k, v in WANT.items():
            check(s.get(k) == v, "%s = %s, want %s" % (k, s.get(k), v))
        check('gardengate_build_info{version="0.1.0",dpdk="DPDK 22.11' in text,
              "no build info:\n" + text[:500])
        check(s["gardengate_uptime_seconds"] > 0 and
              abs(s["gardengate_start_time_seconds"] - time.time()) < 120, "times")
        # Every counter and drop reason of lib/counters, summed and per lcore.
        hdr = open("lib/counters/gg_counters.h").read()
        evs = re.findall(r"^\tX\((\w+), ", hdr.split("GG_DROP_LIST")[0], re.M)
        drops = re.findall(r"^\tX\((\w+), ", hdr.split("GG_DROP_LIST(X)")[1], re.M)
        check(len(evs) > 40 and len(drops) > 40, "gg_counters.h not parsed")
        for e in evs:
            check("gardengate_%s_total" % e in s, "no gardengate_%s_total" % e)
        for d in drops:
            check('gardengate_drops_total{reason="%s"}' % d in s, "no drop reason " + d)
            check('gardengate_lcore_drops_total{worker="control",lcore="0",reason="%s"}' % d
                  in s, "no control lcore drop " + d)
        check("# TYPE gardengate_ul_decap_bytes_total counter" in text, "text TYPE line")
        # Debian's promtool: the text format parses and the names follow
        # Prometheus' conventions (_total counters, base units, ...).
        pt = subprocess.run(["promtool", "check", "metrics"], input=text,
                            capture_output=True, text=True, timeout=60)
        check(pt.returncode == 0 and pt.stdout.strip() == "" and pt.stderr.strip() == "",
              "promtool check metrics: %d %s %s" % (pt.returncode, pt.stdout, pt.stderr))
        # OpenMetrics when asked for, as Prometheus asks.
        st, ctype, om = http_get("http://127.0.0.1:%d/metrics" % port,
                                 "application/openmetrics-text;version=1.0.0,"
                                 "text/plain;version=0.0.4;q=0.5")
        check(st == 200 and ctype.startswith("application/openmetrics-text; version=1.0.0"),
              "OpenMetrics: %s %s" % (st, ctype))
        check(om.endswith("# EOF\n") and "# UNIT gardengate_ul_decap_bytes bytes\n" in om and
              "# TYPE gardengate_build info\n" in om and
              "# TYPE gardengate_ul_decap_bytes counter\n" in om, "OpenMetrics page:\n" + om[:800])
        st, ctype, _ = http_get("http://127.0.0.1:%d/metrics" % port)
        check(st == 200 and ctype.startswith("text/plain; version=0.0.4"), "text: %s" % ctype)
        check(http_get("http://127.0.0.1:%d/other" % port)[0] == 404, "not 404")
        req = urllib.request.Request("http://127.0.0.1:%d/metrics" % port, data=b"x",
                                     method="POST")
        try:
            urllib.request.urlopen(req, timeout=10)
            raise Fail("POST accepted")
        except urllib.error.HTTPError as e:
            check(e.code == 405, "POST: %d" % e.code)
        scrapes = samples(http_get("http://127.0.0.1:%d/metrics" % port)[2])
        check(scrapes["gardengate_metrics_scrapes_total"] >= 4, "scrapes not counted")
    finally:
        out = stop(p)
    check(p.returncode == 0, "exit %d" % p.returncode)
    # The final counters agree with what the endpoint said.
    final = json.loads(out.strip().splitlines()[-1])
    check(final["counters"]["ul_decap"] == 5 and final["drops"]["ul_unknown_teid"] == 1,
          "final counters: %s" % final["counters"])
    # An address taken is a start-up failure, said as such.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        taken = s.getsockname()[1]
        p, errpath = start([gg] + EAL + ["--file-prefix", prefix + "b", "--"] + pcap_ports(tmp) +
                           ANY_SBI + ["--metrics-listen", "127.0.0.1:%d" % taken,
                                      "--duration", "20"], tmp, prefix + "b")
        stop_out = p.communicate(timeout=60)
    err = open(errpath).read()
    check(p.returncode == 1 and "metrics: cannot listen on 127.0.0.1:%d" % taken in err,
          "address taken: %d %s" % (p.returncode, err))
    rc = subprocess.run([gg, "--", "--check-config", "--metrics-listen", "nowhere"],
                        capture_output=True, text=True, timeout=30)
    check(rc.returncode == 1 and "--metrics-listen: expected a.b.c.d:port" in rc.stderr,
          "bad --metrics-listen: %s" % rc.stderr)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prom_query(pport, q):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (pport, urllib.parse.urlencode({"query": q}))
    try:
        st, _, body = http_get(url)
    except (urllib.error.URLError, ConnectionError):
        return None     # not listening yet
    if st != 200:
        return None
    r = json.loads(body)
    if r.get("status") != "success":
        return None
    return r["data"]["result"]


def case_prometheus(gg, tmp):
    prom = shutil.which("prometheus")
    check(prom is not None, "prometheus not installed (scripts/setup.sh)")
    prefix = "gg-ops-prom-%d" % os.getpid()
    p, port = start_metrics(gg, tmp, prefix)
    pport = free_port()
    # The example scrape configuration, pointed at this instance.
    conf = open("config/prometheus.yml").read()
    check("127.0.0.1:9464" in conf, "config/prometheus.yml does not scrape 127.0.0.1:9464")
    conf = conf.replace("127.0.0.1:9464", "127.0.0.1:%d" % port)
    conf = re.sub(r"scrape_interval: \w+", "scrape_interval: 1s", conf)
    conf = re.sub(r"scrape_timeout: \w+", "scrape_timeout: 1s", conf)
    open(os.path.join(tmp, "prometheus.yml"), "w").write(conf)
    promlog = open(os.path.join(tmp, "prometheus.log"), "w")
    pr = subprocess.Popen([prom, "--config.file=" + os.path.join(tmp, "prometheus.yml"),
                           "--storage.tsdb.path=" + os.path.join(tmp, "tsdb"),
                           "--web.listen-address=127.0.0.1:%d" % pport],
                          stdout=promlog, stderr=subprocess.STDOUT)
    try:
        wait_counts(port, WANT)
        deadline = time.time() + 60
        got = {}
        queries = {
            'up{job="gardengate"}': 1,
            "gardengate_ul_decap_total": 5,
            'sum(gardengate_drops_total)': 1,
            'sum by (reason) (gardengate_lcore_drops_total{reason="ul_unknown_teid"})': 1,
            'gardengate_sessions{state="limited"}': 1,
            'gardengate_port_rx_bytes_total{port="n3"} > 0': None,
            'gardengate_build_info': 1,
        }
        while time.time() < deadline:
            for q, want in queries.items():
                r = prom_query(pport, q)
                got[q] = r
            if all(got[q] and (want is None or float(got[q][0]["value"][1]) == want)
                   for q, want in queries.items()):
                break
            if pr.poll() is not None:
                raise Fail("prometheus exited: " + open(os.path.join(tmp, "prometheus.log")).read())
            time.sleep(1)
        for q, want in queries.items():
            check(got[q], "Prometheus has no %s: %s" % (q, got[q]))
            if want is not None:
                check(float(got[q][0]["value"][1]) == want, "%s = %s, want %s" % (q, got[q], want))
        check(got["gardengate_build_info"][0]["metric"].get("version") == "0.1.0",
              "build_info labels: %s" % got["gardengate_build_info"])
        # Every query of the Grafana dashboard is one Prometheus accepts,
        # and those on series gardengate always has return some.
        dash = json.load(open("config/grafana-gardengate.json"))
        for panel in dash["panels"]:
            for t in panel["targets"]:
                q = t["expr"].replace("$job", "gardengate")
                r = prom_query(pport, q)
                check(r is not None, "dashboard query refused: %s" % q)
                if "rate(" not in q:
                    check(r, "dashboard query empty: %s" % q)
        # Prometheus asked for OpenMetrics and took the page without error.
        st, _, body = http_get("http://127.0.0.1:%d/api/v1/targets" % pport)
        t = json.loads(body)["data"]["activeTargets"]
        check(len(t) == 1 and t[0]["health"] == "up" and t[0]["lastError"] == "",
              "target: %s" % t)
    finally:
        pr.send_signal(signal.SIGTERM)
        try:
            pr.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pr.kill()
        stop(p)
    check(p.returncode == 0, "gardengate exit %d" % p.returncode)


HUGE_MB = 512


def hugepages_mb():
    """(free, total) MB of default-size hugepages."""
    info = {}
    for line in open("/proc/meminfo"):
        k, v = line.split(":", 1)
        info[k] = int(v.split()[0])
    size_mb = info["Hugepagesize"] // 1024
    return info["HugePages_Free"] * size_mb, info["HugePages_Total"] * size_mb


def ensure_hugepages():
    """DPDK's own dpdk-hugepages.py mounts and reserves 2 MB pages when
    there are not enough free ones. Returns what puts the machine back as
    it was (the reservation's former size, the mount): the test releases
    what it reserved, never what others hold."""
    free, total = hugepages_mb()
    mounted = os.path.ismount("/dev/hugepages")
    if free >= 300 and mounted:
        return lambda: None
    if os.geteuid() != 0:
        raise Skip("needs 300 MB of free hugepages (dpdk-hugepages.py --setup %dM, as root)"
                   % HUGE_MB)
    msg = ""
    if not mounted:
        os.makedirs("/dev/hugepages", exist_ok=True)
        r = subprocess.run(["dpdk-hugepages.py", "--mount"], capture_output=True, text=True,
                           timeout=60)
        msg += r.stdout + r.stderr
    if free < 300:
        r = subprocess.run(["dpdk-hugepages.py", "-p", "2M", "--reserve",
                            "%dM" % (total + HUGE_MB)], capture_output=True, text=True,
                           timeout=120)
        msg += r.stdout + r.stderr

    def release():
        if free < 300:
            subprocess.run(["dpdk-hugepages.py", "-p", "2M", "--reserve", "%dM" % total]
                           if total > 0 else ["dpdk-hugepages.py", "--clear"],
                           capture_output=True, timeout=120)
        if not mounted:
            subprocess.run(["dpdk-hugepages.py", "--unmount"], capture_output=True, timeout=60)

    if hugepages_mb()[0] < 300 or not os.path.ismount("/dev/hugepages"):
        release()
        raise Skip("no hugepages here: dpdk-hugepages.py: " + msg)
    return release


def capture(prefix, iface, path):
    # dpdk-dumpcap (DPDK 22.11) now and then finds the primary's multi-process
    # socket refusing its first message right after an earlier secondary
    # left ("EAL: failed to send to .../mp_socket: Connection refused"; 1
    # clean-clone run in 6): that start is tried again, up to three times,
    # and each refusal is printed. Any other failure fails at once.
    for attempt in range(3):
        r = subprocess.run(["dpdk-dumpcap", "--file-prefix=" + prefix, "-i", iface, "-c", "300",
                            "-w", path], capture_output=True, text=True, timeout=90)
        if r.returncode == 0 or "Connection refused" not in r.stderr or attempt == 2:
            break
        print("dpdk-dumpcap -i %s refused by the primary's mp_socket, again in 1 s: %s"
              % (iface, r.stderr.strip().splitlines()[-1:]))
        time.sleep(1)
    check(r.returncode == 0, "dpdk-dumpcap -i %s: %d %s %s" % (iface, r.returncode, r.stdout,
                                                              r.stderr))
    t = subprocess.run(["tshark", "-r", path, "-T", "fields", "-E", "separator=;",
                        "-e", "frame.interface_name", "-e", "frame.packet_flags_direction",
                        "-e", "gtp.teid", "-e", "ip.src", "-e", "ip.dst"],
                       capture_output=True, text=True, timeout=60)
    check(t.returncode == 0, "tshark: " + t.stderr)
    return [l.split(";") for l in t.stdout.splitlines() if l]


def case_dumpcap(gg, tmp):
    check(shutil.which("dpdk-dumpcap") and shutil.which("tshark"), "dpdk-dumpcap or tshark missing")
    release = ensure_hugepages()
    try:
        dumpcap_run(gg, tmp)
    finally:
        release()


def remove_hugepage_files(prefix):
    """A primary process leaves its hugepage files behind (it cannot unlink
    them at start: dpdk-dumpcap, a secondary, maps them), and they keep
    their pages: removed once gardengate is gone."""
    for line in open("/proc/mounts"):
        f = line.split()
        if len(f) > 2 and f[2] == "hugetlbfs":
            for name in glob.glob(os.path.join(f[1], prefix + "map_*")):
                os.remove(name)


def dumpcap_run(gg, tmp):
    write_pcaps(tmp)
    conf = open("config/gardengate.conf").read().replace('eal = [ "--no-huge", ', "eal = [ ")
    check("--no-huge" not in conf.split("workers")[0], "could not drop --no-huge")
    open(os.path.join(tmp, "huge.conf"), "w").write(conf)
    prefix = "gg-ops-cap-%d" % os.getpid()
    # Traffic flows all along: each port replays its capture in a loop.
    cmd = [gg, "--no-pci", "-m", "256", "-l", "0-1", "--file-prefix", prefix, "--",
           "-f", os.path.join(tmp, "huge.conf"),
           "--n3", "net_pcap_n3,rx_pcap=%s/n3-in.pcap,tx_pcap=/dev/null,infinite_rx=1" % tmp,
           "--n6", "net_pcap_n6,rx_pcap=%s/n6-in.pcap,tx_pcap=/dev/null,infinite_rx=1" % tmp,
           "--duration", "120"] + ANY_SBI
    p, errpath = start(cmd, tmp, prefix)
    try:
        wait_log(p, errpath, r"gardengate \S+ running")
        n3 = capture(prefix, "net_pcap_n3", os.path.join(tmp, "n3.pcapng"))
        n6 = capture(prefix, "net_pcap_n6", os.path.join(tmp, "n6.pcapng"))
    finally:
        stop(p)
        remove_hugepage_files(prefix)
    check(p.returncode == 0, "gardengate exit %d: %s" % (p.returncode, open(errpath).read()))
    check(len(n3) >= 60 and len(n6) >= 60, "captured %d and %d" % (len(n3), len(n6)))
    # N3: G-PDUs of session 0x101 in, the downlink encapsulated for the gNB
    # (TEID 0xa01) out. N6: the UE's packets decapsulated out, the data
    # network's in. Direction: 1 inbound, 2 outbound (pcapng epb_flags).
    def has(rows, d, teid, src, dst):
        return any(r[1] and int(r[1], 16) & 3 == d and (teid is None or r[2] == teid) and r[3].startswith(src) and
                   r[4].startswith(dst) for r in rows)
    check(has(n3, 1, "0x00000101", "192.0.2.10", "192.0.2.1"), "N3 in: %s" % n3[:5])
    check(has(n3, 2, "0x00000a01", "192.0.2.1", "192.0.2.10"), "N3 out: %s" % n3[:5])
    check(has(n6, 1, None, "198.51.100.7", "10.45.0.2"), "N6 in: %s" % n6[:5])
    check(has(n6, 2, None, "10.45.0.2", "198.51.100.7"), "N6 out: %s" % n6[:5])
    check(not any(r[2] for r in n6), "GTP-U on N6: %s" % n6[:5])


def case_service(gg, tmp):
    unit = open("config/gardengate.service").read()
    env = open("config/gardengate.env").read()
    for w in ["EnvironmentFile=", "dpdk-hugepages.py", "AmbientCapabilities=", "CAP_IPC_LOCK",
              "StandardError=journal", "ExecStart="]:
        check(w in unit, "gardengate.service lacks %s" % w)
    check("GARDENGATE_OPTS=" in env and "GARDENGATE_EAL=" in env, "env file: " + env)
    sa = shutil.which("systemd-analyze")
    if sa:
        # Verified with ExecStart pointed at this build's binary.
        u = unit.replace("/usr/local/bin/gardengate", os.path.abspath(gg))
        path = os.path.join(tmp, "gardengate.service")
        open(path, "w").write(u)
        r = subprocess.run([sa, "verify", path], capture_output=True, text=True, timeout=60)
        bad = [l for l in (r.stdout + r.stderr).splitlines()
               if "gardengate.service" in l and "Failed to" not in l or "Unknown" in l]
        check(r.returncode == 0 and not bad, "systemd-analyze verify: %d %s %s"
              % (r.returncode, r.stdout, r.stderr))
    # Journal priorities: with JOURNAL_STREAM naming stderr, "<6>" on info lines.
    errpath = os.path.join(tmp, "journal.err")
    errf = open(errpath, "w")
    stt = os.fstat(errf.fileno())
    envv = dict(os.environ, JOURNAL_STREAM="%d:%d" % (stt.st_dev, stt.st_ino))
    prefix = "gg-ops-svc-%d" % os.getpid()
    r = subprocess.run([gg] + EAL + ["--file-prefix", prefix, "--", "--n3", "net_null_n3,no-rx=1",
                       "--n6", "net_null_n6,no-rx=1", "--duration", "1"] + ANY_SBI,
                       stdout=subprocess.PIPE, stderr=errf, env=envv, text=True, timeout=60)
    errf.close()
    log = open(errpath).read()
    check(r.returncode == 0, "run: %d %s" % (r.returncode, log))
    check("<6>USER1: gardengate 0.1.0 running" in log, "no <6> prefix:\n" + log)
    check("<3>USER1: ausf: store" in log or "<4>USER1: ausf: store" in log or
          "<5>USER1: ausf: store" in log, "store message without its priority:\n" + log)
    # Without the journal, plain lines.
    r = subprocess.run([gg] + EAL + ["--file-prefix", prefix, "--", "--n3", "net_null_n3,no-rx=1",
                       "--n6", "net_null_n6,no-rx=1", "--duration", "1"] + ANY_SBI,
                       capture_output=True, text=True, timeout=60)
    check("\nUSER1: gardengate 0.1.0 running" in r.stderr and "<6>" not in r.stderr,
          "plain log: " + r.stderr)
    # Non-root: as nobody, with --no-huge and virtual ports nothing needs a
    # capability (doc/operations.rst says what a NIC and hugepages need).
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return
    try:
        subprocess.run(["id", "nobody"], check=True, capture_output=True)
    except subprocess.CalledProcessError:
        return
    work = tempfile.mkdtemp(prefix="gg-ops-nobody-")
    os.chmod(work, 0o777)
    shutil.copy(gg, os.path.join(work, "gardengate"))
    os.chmod(os.path.join(work, "gardengate"), 0o755)
    conf = open("config/gardengate.conf").read()
    # Top-level groups end with "};" at the start of a line (nested ones
    # are indented), whether written on one line or several.
    conf = re.sub(r"\nsbi = (\{[^\n]*\};|\{.*?\n\};)\n", "\n", conf, flags=re.S)
    conf = re.sub(r"\nausf = \{.*?\n\};\n", "\n", conf, flags=re.S)
    conf = re.sub(r"\nstore = \{.*?\n\};\n", "\n", conf, flags=re.S)
    open(os.path.join(work, "gg.conf"), "w").write(conf)
    os.chmod(os.path.join(work, "gg.conf"), 0o644)
    try:
        r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                            "--inh-caps=-all", "--bounding-set=-all",
                            os.path.join(work, "gardengate")] + EAL +
                           ["--file-prefix", prefix + "-nobody", "--", "-f",
                            os.path.join(work, "gg.conf"),
                            "--n3", "net_null_n3,no-rx=1", "--n6", "net_null_n6,no-rx=1",
                            "--metrics-listen", "127.0.0.1:0", "--duration", "1"],
                           capture_output=True, text=True, timeout=60, cwd=work,
                           env={"PATH": "/usr/bin:/bin", "HOME": work})
        check(r.returncode == 0 and "metrics: listening" in r.stderr and
              '"ul_decap":0' in r.stdout.replace(" ", ""),
              "as nobody: %d\n%s\n%s" % (r.returncode, r.stderr, r.stdout[-300:]))
    finally:
        shutil.rmtree(work, ignore_errors=True)


CASES = {"metrics": case_metrics, "prometheus": case_prometheus, "dumpcap": case_dumpcap,
         "service": case_service}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--gardengate", required=True)
    ap.add_argument("--builddir", required=True)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="gg-ops-%s-" % a.case)
    try:
        CASES[a.case](a.gardengate, tmp)
    except Skip as e:
        print("SKIP %s: %s" % (a.case, e))
        return SKIP
    except Fail as e:
        print("FAIL %s: %s (files in %s)" % (a.case, e, tmp))
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("PASS %s" % a.case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
