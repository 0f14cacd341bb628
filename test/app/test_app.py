#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""gardengate as a program: command line, configuration errors, EAL option
precedence, telemetry, signals and shutdown. Each case runs the real binary.

Usage: test_app.py CASE --gardengate PATH --builddir DIR
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

EAL = ["--no-huge", "--no-pci", "-m", "256", "-l", "0-1"]
NULL_PORTS = ["--n3", "net_null_n3,no-rx=1", "--n6", "net_null_n6,no-rx=1"]
# Tests run in parallel: each AuSF listens on a port of its own.
# Cleartext on loopback: the default configuration's SBI is TLS.
ANY_SBI = ["--sbi-listen", "127.0.0.1:0", "--sbi-h2c"]


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def run(args, timeout=60):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def case_help(gg, tmp):
    rc, out, _ = run([gg, "--help"])
    check(rc == 0 and "Usage:" in out and "--check-config" in out, "--help: %d %r" % (rc, out))
    rc, out, _ = run([gg, "--version"])
    check(rc == 0 and out.startswith("gardengate 0.") and "22.11" in out, "--version: %r" % out)
    rc, _, err = run([gg, "--no-such-option"])
    check(rc != 0 and "Usage:" in err, "unknown option accepted: %d" % rc)
    rc, _, err = run([gg, "--idle-exit", "soon"])
    check(rc != 0 and "--idle-exit" in err, "bad --idle-exit accepted")
    rc, _, err = run([gg, "stray"])
    check(rc != 0 and "unexpected argument 'stray'" in err, "stray argument accepted")


def case_check_config(gg, tmp):
    rc, out, err = run([gg, "--check-config"])
    check(rc == 0 and "configuration OK" in out, "default config: %d %s" % (rc, err))
    check("10.45.0.2" in out and "0x00000101" in out, "summary lacks the sessions:\n" + out)
    bad = os.path.join(tmp, "bad.conf")
    lines = open("config/gardengate.conf").read().splitlines()
    n = next(i for i, l in enumerate(lines) if 'address = "192.0.2.1/24"' in l)
    lines[n] = lines[n].replace("192.0.2.1/24", "192.0.2.300/24")
    open(bad, "w").write("\n".join(lines) + "\n")
    rc, out, err = run([gg, "-f", bad, "--check-config"])
    want = "%s:%d: ports.n3.address" % (bad, n + 1)
    check(rc == 1 and want in err and "192.0.2.300" in err,
          "bad address: rc %d, wanted %r in %r" % (rc, want, err))
    # A bad file must stop the program before any port or EAL is touched.
    rc, out, err = run([gg, "--file-prefix", "gg-app-bad", "--", "-f", bad])
    check(rc == 1 and want in err and "EAL:" not in out + err, "bad config reached EAL: %s" % err)
    rc, out, err = run([gg, "-f", os.path.join(tmp, "missing.conf"), "--check-config"])
    check(rc == 1 and "missing.conf" in err, "missing file: %d %s" % (rc, err))
    # What a security reviewer reads: every rule and name as written, and a
    # warning under each one that opens too much (doc/garden.rst).
    wide = os.path.join(tmp, "wide.conf")
    text = open("config/gardengate.conf").read()
    old = 'names = [ "portal.example tcp 80,443", "ca.example tcp 80" ];'
    check(old in text, "config/gardengate.conf has no garden names line")
    text = text.replace(old, 'names = [ "portal.example tcp 80,443", "ca.example tcp 80", '
                        '"cdn.example any", "vpn.example udp 51820 tcp 443", "x.example tcp" ]; '
                        'prefixes = [ "10.0.0.0/8 tcp 443", "198.51.100.0/24", '
                        '"203.0.113.53/32 tcp 53", "192.0.2.7/32 udp 123" ];')
    open(wide, "w").write(text)
    rc, out, err = run([gg, "-f", wide, "--check-config"])
    check(rc == 0 and "configuration OK" in out, "wide rules: %d %s" % (rc, err))
    want = [
        "    prefix 10.0.0.0/8 tcp 443\n"
        "      warning: /8 is a wide prefix (16777216 addresses)\n",
        "    prefix 198.51.100.0/24\n"
        "      warning: opens every protocol and port\n"
        "      note: not for port 53: LIMITED devices' DNS (UDP and TCP) goes to the "
        "trusted resolvers, garden names only\n",
        "    prefix 203.0.113.53/32 tcp 53\n"
        "      note: not for port 53: LIMITED devices' DNS (UDP and TCP) goes to the "
        "trusted resolvers, garden names only\n",
        "    prefix 192.0.2.7/32 udp 123\n    name",
        "    name portal.example tcp 80,443\n    name ca.example tcp 80\n",
        "    name cdn.example any\n"
        "      warning: addresses learned for it open every port (or protocol); anyone "
        "who can host under the name opens them\n",
        "    name vpn.example udp 51820 tcp 443\n    name x.example tcp\n"
        "      warning: addresses learned for it open every port",
    ]
    for w in want:
        check(w in out, "--check-config lacks %r in:\n%s" % (w, out))
    check(out.count("warning:") == 4 and out.count("note:") == 2,
          "--check-config: %d warnings, %d notes (want 4, 2):\n%s"
          % (out.count("warning:"), out.count("note:"), out))


def eal_line(out):
    for l in out.splitlines():
        if l.startswith("EAL arguments:"):
            return l.split()[2:]
    raise Fail("no EAL arguments line in:\n" + out)


def case_eal_precedence(gg, tmp):
    rc, out, err = run([gg, "-l", "0", "--file-prefix", "mine", "--vdev", "net_null9",
                        "--", "--check-config", "--n3", "net_null_x,no-rx=1"])
    check(rc == 0, "check-config failed: " + err)
    args = eal_line(out)
    check(args.count("-l") == 1 and args[args.index("-l") + 1] == "0", "-l not overridden: %s" % args)
    check(args.count("--file-prefix") == 1 and args[args.index("--file-prefix") + 1] == "mine",
          "--file-prefix not overridden: %s" % args)
    check("--no-huge" in args and "--no-pci" in args, "config flags lost: %s" % args)
    check("net_null9" in args, "command-line vdev lost: %s" % args)
    check("net_null_x,no-rx=1" in args and not any("net_pcap_n3" in a for a in args),
          "--n3 not applied: %s" % args)
    check(any(a.startswith("net_pcap_n6") for a in args), "N6 device lost: %s" % args)
    # "--opt=value" on the command line overrides "--opt value" in the file.
    rc, out, err = run([gg, "--file-prefix=other", "--", "--check-config"])
    args = eal_line(out)
    check("gardengate" not in args and "--file-prefix=other" in args,
          "--file-prefix=other did not override: %s" % args)
    # A PCI device replaces --no-pci and is passed with -a.
    rc, out, err = run([gg, "--", "--check-config", "--n3", "0000:03:00.0"])
    args = eal_line(out)
    check("--no-pci" not in args and "-a" in args and
          args[args.index("-a") + 1] == "0000:03:00.0", "PCI device: %s" % args)


def start(gg, tmp, prefix, extra=()):
    stats = os.path.join(tmp, prefix + ".json")
    cmd = [gg] + EAL + ["--file-prefix", prefix, "--"] + NULL_PORTS + ANY_SBI + \
        ["--stats-file", stats] + list(extra)
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p, stats


def wait_running(p, prefix, limit=20):
    deadline = time.time() + limit
    while time.time() < deadline:
        if p.poll() is not None:
            raise Fail("gardengate exited early: " + (p.stderr.read() if p.stderr else "exit %s, see its log" % p.returncode))
        r = telemetry(prefix, "/gardengate/info")
        if r and "sessions" in json.dumps(r):
            return r
        time.sleep(0.2)
    raise Fail("telemetry never answered")


def telemetry(prefix, cmd):
    p = subprocess.run(["dpdk-telemetry.py", "-f", prefix], input=cmd + "\n",
                       capture_output=True, text=True, timeout=20)
    txt = p.stdout
    start = txt.find("{", txt.find("--> " + cmd) if "--> " + cmd in txt else 0)
    try:
        return json.loads(txt[start:txt.rfind("}") + 1]) if start >= 0 else None
    except ValueError:
        return None


def case_telemetry(gg, tmp):
    prefix = "gg-app-tel-%d" % os.getpid()
    p, stats = start(gg, tmp, prefix, ["--duration", "30"])
    try:
        info = wait_running(p, prefix)["/gardengate/info"]
        check(info["sessions"] == 3 and info["workers"] == 1, "info: %s" % info)
        st = telemetry(prefix, "/gardengate/stats")["/gardengate/stats"]
        check("rx_n3" in st and "drop_ul_unknown_teid" in st and st["drops_total"] == 0,
              "stats: %s" % st)
        s = telemetry(prefix, "/gardengate/session,0x101")["/gardengate/session"]
        check(s["ue"] == "10.45.0.2" and s["dl_teid"] == 0xa01 and s["qfi"] == 9 and
              s["state"] == "full", "session: %s" % s)
        s = telemetry(prefix, "/gardengate/session,0x999")
        check(s is None or s.get("/gardengate/session") is None, "unknown session answered: %s" % s)
        w = telemetry(prefix, "/gardengate/workers")["/gardengate/workers"]
        check(w["worker0"]["lcore"] == 1, "workers: %s" % w)
        # The control plane's counters; no redis-server runs here, so the
        # store is down and has been retrying.
        au = telemetry(prefix, "/gardengate/ausf")["/gardengate/ausf"]
        check(au["ausf_created"] == 0 and au["sbi_requests"] == 0 and
              au["fetch_requests"] == 0 and au["store_up"] == 0 and
              "store_reconnect_attempts" in au, "ausf: %s" % au)
    finally:
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
    check(p.returncode == 0, "exit %d after SIGTERM: %s" % (p.returncode, err))


def case_garden_admin(gg, tmp):
    """/gardengate/garden_add takes a name rule as garden.names does: the
    name and the protocols and ports its learned addresses open."""
    prefix = "gg-app-garden-%d" % os.getpid()
    p, stats = start(gg, tmp, prefix, ["--duration", "30"])

    def cmd(c):
        r = telemetry(prefix, c)
        check(r is not None, "%s: no answer (command not registered?)" % c)
        return r[c.split(",")[0]]

    def names():
        return cmd("/gardengate/garden")["names"]

    try:
        wait_running(p, prefix)
        check(names() == ["portal.example tcp 80,443", "ca.example tcp 80"],
              "names at start: %s" % names())
        for rule in ("vpn.example udp 51820 tcp 443", "Plain.Example.",
                     "ntp.example udp 123", "ca2.example tcp 443 udp 4433 icmp"):
            r = cmd("/gardengate/garden_add," + rule)
            check(r["result"] == "ok", "garden_add %s: %s" % (rule, r))
        got = names()
        for want in ("vpn.example udp 51820 tcp 443", "plain.example tcp 80,443",
                     "ntp.example udp 123", "ca2.example tcp 443 udp 4433 icmp"):
            check(want in got, "after garden_add, %r not in %s" % (want, got))
        for rule, why in (("bad.example tcp 70000", "70000"),
                          ("bad.example sctp 5", "sctp"),
                          ("bad.example icmp 80", "ports only apply"),
                          ("bad.example tcp 80 bogus", "bogus")):
            r = cmd("/gardengate/garden_add," + rule)
            check(r["result"] == "Invalid argument" and why in r.get("detail", ""),
                  "garden_add %s: %s" % (rule, r))
        r = cmd("/gardengate/garden_add,bad!name.example")
        check(r["result"] == "Invalid argument", "garden_add of a bad name: %s" % r)
        r = cmd("/gardengate/garden_add,vpn.example tcp 22")
        check(r["result"] == "File exists", "garden_add of a present name: %s" % r)
        check("vpn.example udp 51820 tcp 443" in names() and
              not any("bad" in n for n in names()), "after the refusals: %s" % names())
        # A name goes with its rule, whatever protocols are written after it.
        r = cmd("/gardengate/garden_del,VPN.example udp 51820")
        check(r["result"] == "ok", "garden_del: %s" % r)
        r = cmd("/gardengate/garden_del,vpn.example")
        check(r["result"] == "No such file or directory", "garden_del again: %s" % r)
        check(not any(n.startswith("vpn.") for n in names()), "after garden_del: %s" % names())
    finally:
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
    check(p.returncode == 0, "exit %d after SIGTERM: %s" % (p.returncode, err))


def case_signals(gg, tmp):
    for sig in (signal.SIGINT, signal.SIGTERM):
        prefix = "gg-app-sig-%d-%d" % (sig, os.getpid())
        p, stats = start(gg, tmp, prefix)
        wait_running(p, prefix)
        p.send_signal(sig)
        out, err = p.communicate(timeout=30)
        check(p.returncode == 0, "%s: exit %d: %s" % (sig, p.returncode, err))
        check("signal received" in err, "no stop reason logged for %s" % sig)
        last = out.strip().splitlines()[-1]
        final = json.loads(last)
        check(final["gardengate"]["format"] == 2 and final["sessions"] == 3,
              "final line: %s" % last)
        check(json.load(open(stats)) == final, "--stats-file differs from stdout")
        check(set(final["drops"]) >= {"ul_unknown_teid", "tx_full"} and
              len(final["counters"]) >= 15, "counters missing")


def case_bad_port(gg, tmp):
    rc, out, err = run([gg] + EAL + ["--file-prefix", "gg-app-badport", "--"] + ANY_SBI +
                       ["--n3", "net_nonexistent0", "--n6", "net_null_n6", "--duration", "1"])
    check(rc != 0, "started with a port that does not exist")
    rc, out, err = run([gg] + EAL + ["--file-prefix", "gg-app-workers", "--"] + NULL_PORTS +
                       ANY_SBI + ["--workers", "4", "--duration", "1"])
    check(rc != 0 and "need 5 lcores" in err, "4 workers on 2 lcores: %d %s" % (rc, err))


def case_two_workers(gg, tmp):
    """Two workers on 2 CPUs (3 lcores: --lcores maps two onto one CPU),
    each with its own RX/TX queue pair on both ports, each fed the demo
    traffic: every worker handles its queue's copy exactly as one worker
    alone does, so every counter doubles."""
    subprocess.run(["/usr/bin/python3", "scripts/gen-demo-traffic.py", tmp],
                   check=True, capture_output=True)

    def run_with(workers):
        def dev(name, port):
            inp = os.path.join(tmp, port + "-in.pcap")
            outs = ",".join("tx_pcap=%s" % os.path.join(tmp, "%s-out%d-%d.pcap" % (port, workers, q))
                            for q in range(workers))
            return "%s,%s,%s" % (name, ",".join(["rx_pcap=" + inp] * workers), outs)
        stats = os.path.join(tmp, "w%d.json" % workers)
        rc, out, err = run([gg, "--no-huge", "--no-pci", "-m", "512", "--lcores", "0@0,1@1,2@1",
                            "--file-prefix", "gg-app-two-%d-%d" % (workers, os.getpid()), "--",
                            "--workers", str(workers), "--sbi-listen", "127.0.0.1:0",
                        "--n3", dev("net_pcap_n3", "n3"),
                            "--n6", dev("net_pcap_n6", "n6"), "--idle-exit", "0.5",
                            "--stats-file", stats])
        check(rc == 0, "%d workers: exit %d: %s" % (workers, rc, err[-2000:]))
        return json.load(open(stats))

    one, two = run_with(1), run_with(2)
    ws = two["workers"]
    check(len(ws) == 2 and {w["lcore"] for w in ws} == {1, 2}, "workers: %s" % ws)
    base = one["workers"][0]
    for w in ws:
        check(all(w[k] == base[k] for k in ("rx_n3", "rx_n6", "tx_n3", "tx_n6", "drops")),
              "a worker differs from the single worker: %s vs %s" % (w, base))
    check(one["counters"]["ul_decap"] > 0 and one["counters"]["dl_encap"] > 0, "no traffic")
    for k, v in one["counters"].items():
        if k in ("garden_learned",):
            continue  # learned once per address, whichever worker saw it
        check(two["counters"][k] == 2 * v, "%s: %d with two workers, %d with one" %
              (k, two["counters"][k], v))
    for k, v in one["drops"].items():
        check(two["drops"][k] == 2 * v, "drop %s: %d vs %d" % (k, two["drops"][k], v))



GGCTL = None  # gg-ctl, from --ggctl
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pcap"))


def ctl(args, timeout=30):
    """Run gg-ctl: (exit status, stdout, stderr)."""
    return run([GGCTL] + args, timeout=timeout)


def case_ctl(gg, tmp):
    """gg-ctl against a running gardengate: every command, human and
    --json output, refusals (exit 1 and why) and a gardengate that is not
    there (exit 2)."""
    prefix = "gg-app-ctl-%d" % os.getpid()
    rc, out, err = ctl(["-p", prefix, "stats"])
    check(rc == 2 and "not running" in err and prefix in err, "not running: %d %s" % (rc, err))
    rc, out, err = ctl(["-p", prefix, "--json", "info"])
    check(rc == 2 and json.loads(out)["status"] == 2, "not running, --json: %s" % out)
    rc, out, err = ctl(["frobnicate"])
    check(rc == 64 and "unknown command" in err, "unknown command: %d %s" % (rc, err))
    p, stats = start(gg, tmp, prefix, ["--duration", "60"])
    c = ["-p", prefix]
    try:
        wait_running(p, prefix)
        rc, out, err = ctl(c + ["stats"])
        check(rc == 0 and "3 session(s) of 65536" in out and "worker0" in out and
              "drops (non-zero), total 0" in out, "stats: %d %s %s" % (rc, out, err))
        rc, out, err = ctl(c + ["--json", "stats"])
        j = json.loads(out)
        check(rc == 0 and j["info"]["sessions"] == 3 and "drop_ul_unknown_teid" in j["counters"]
              and j["workers"]["worker0"]["lcore"] == 1, "stats --json: %s" % out)
        rc, out, err = ctl(c + ["session", "show", "0x101"])
        check(rc == 0 and "ue        10.45.0.2" in out and "state     full" in out and
              "dl_teid   0xa01" in out, "session show: %s %s" % (out, err))
        rc, out, err = ctl(c + ["session", "show", "0x999"])
        check(rc == 1 and "no session with TEID 0x999" in err, "unknown TEID: %d %s" % (rc, err))
        rc, out, err = ctl(c + ["session", "show", "teid"])
        check(rc == 64 and "not a TEID" in err, "bad TEID: %d %s" % (rc, err))
        rc, out, err = ctl(c + ["session", "set-state", "0x102", "limited"])
        check(rc == 0 and "ok" in out, "set-state: %d %s %s" % (rc, out, err))
        rc, out, err = ctl(c + ["--json", "session", "show", "258"])
        check(rc == 0 and json.loads(out)["state"] == "limited", "after set-state: %s" % out)
        rc, out, err = ctl(c + ["session", "set-state", "0x102", "sleepy"])
        check(rc == 64, "bad state: %d %s" % (rc, err))
        rc, out, err = ctl(c + ["session", "list"])
        check(rc == 0 and out.endswith("3 session(s)\n") and
              "0x00000101 10.45.0.2       192.0.2.10      0x00000a01   9 full" in out and
              "0x00000102 10.45.0.3       192.0.2.10      0x00000a02   - limited" in out,
              "session list: %d %s %s" % (rc, out, err))
        rc, out, err = ctl(c + ["--json", "session", "list", "limited"])
        check(rc == 0 and sorted(x["ul_teid"] for x in json.loads(out)) == [0x102, 0x103],
              "session list limited: %d %s %s" % (rc, out, err))
        first = [x for x in json.loads(out) if x["ul_teid"] == 0x102][0]
        check(first == {"ul_teid": 0x102, "ue": "10.45.0.3", "gnb": "192.0.2.10",
                        "dl_teid": 0xa02, "qfi": None, "state": "limited"},
              "session list --json fields: %s" % first)
        rc, out, err = ctl(c + ["session", "list", "sleepy"])
        check(rc == 64 and "sleepy" in err, "session list bad state: %d %s" % (rc, err))
        rc, out, err = ctl(c + ["session", "delete", "0x102"])
        check(rc == 0, "delete: %d %s %s" % (rc, out, err))
        rc, out, err = ctl(c + ["session", "delete", "0x102"])
        check(rc == 1 and "No such file" in err, "delete again: %d %s" % (rc, err))
        rc, out, err = ctl(c + ["--json", "info"])
        check(json.loads(out)["sessions"] == 2, "sessions after delete: %s" % out)
        rc, out, err = ctl(c + ["--json", "session", "list"])
        check(rc == 0 and sorted(x["ul_teid"] for x in json.loads(out)) == [0x101, 0x103],
              "session list after delete: %s" % out)
        rc, out, err = ctl(c + ["garden", "add", "vpn.example", "udp", "51820"])
        check(rc == 0, "garden add name: %d %s" % (rc, err))
        rc, out, err = ctl(c + ["garden", "add", "203.0.113.0/24 tcp 443"])
        check(rc == 0, "garden add prefix: %d %s" % (rc, err))
        rc, out, err = ctl(c + ["garden", "add", "bad.example tcp 70000"])
        check(rc == 1 and "Invalid argument" in err and "70000" in err,
              "garden add refused: %d %s" % (rc, err))
        rc, out, err = ctl(c + ["--json", "garden", "add", "vpn.example"])
        check(rc == 1 and "File exists" in json.loads(out)["error"], "present: %s" % out)
        rc, out, err = ctl(c + ["--json", "garden", "list"])
        g = json.loads(out)
        check("vpn.example udp 51820" in g["names"] and "203.0.113.0/24 tcp 443" in g["prefixes"],
              "garden list: %s" % out)
        rc, out, err = ctl(c + ["garden", "list"])
        check(rc == 0 and "  vpn.example udp 51820\n" in out, "garden list: %s" % out)
        rc, out, err = ctl(c + ["garden", "del", "vpn.example"])
        check(rc == 0, "garden del: %d %s" % (rc, err))
        rc, out, err = ctl(c + ["garden", "del", "vpn.example"])
        check(rc == 1 and "No such file" in err, "garden del again: %d %s" % (rc, err))
        rc, out, err = ctl(c + ["reload"])
        check(rc == 0 and "nothing changed" in out, "reload, same file: %d %s %s" % (rc, out, err))
    finally:
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
    check(p.returncode == 0, "exit %d after SIGTERM: %s" % (p.returncode, err))


def case_ctl_list(gg, tmp):
    """gg-ctl session list over many telemetry pages: 700 sessions spread
    over a table of 300000 slots (pages stop at 128 sessions and at 65536
    slots), each listed once, a state filter, and the listing of a
    gardengate that stops meanwhile ends with exit 2."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "config", "gardengate.conf")) as f:
        text = f.read()
    lines = []
    for i in range(700):
        lines.append('{ ue = "10.46.%d.%d"; ul_teid = %d; gnb = "192.0.2.10"; dl_teid = %d; '
                     'state = "%s"; }' % (i // 250, i % 250 + 1, 0x10000 + i, 0x20000 + i,
                                          "limited" if i % 7 == 0 else "full"))
    block = "sessions = {\n  capacity = 300000;\n  static = (\n    " + \
        ",\n    ".join(lines) + "\n  );\n};\n"
    text, n = re.subn(r"sessions = \{.*?\n\};\n", lambda m: block, text, count=1, flags=re.S)
    check(n == 1, "no sessions block in config/gardengate.conf")
    conf = os.path.join(tmp, "many.conf")
    with open(conf, "w") as f:
        f.write(text)
    prefix = "gg-app-ctl-list-%d" % os.getpid()
    p, _ = start(gg, tmp, prefix, ["-f", conf, "--duration", "60"])
    c = ["-p", prefix]
    try:
        wait_running(p, prefix)
        rc, out, err = ctl(c + ["--json", "session", "list"])
        got = [x["ul_teid"] for x in json.loads(out)] if rc == 0 else []
        check(rc == 0 and sorted(got) == list(range(0x10000, 0x10000 + 700)),
              "700 sessions, each once: rc %d, %d listed, %d distinct %s" %
              (rc, len(got), len(set(got)), err))
        rc, out, err = ctl(c + ["session", "list", "limited"])
        want = 100  # i % 7 == 0 for i in 0..699
        check(rc == 0 and out.endswith("%d session(s)\n" % want) and
              out.count(" limited\n") == want, "limited: %d %s" % (rc, out[-200:]))
        def page(params):
            return (telemetry(prefix, "/gardengate/sessions," + params) or {}).get(
                "/gardengate/sessions")
        r = page("0")
        check(r is not None and len(r["sessions"]) == 128 and r["done"] == 0,
              "a first page holds 128: %s" % (r and {k: v for k, v in r.items() if k != "sessions"}))
        r = page("299990")
        check(r is not None and r["sessions"] == [] and r["done"] == 1 and r["next"] == 300000,
              "the last page: %s" % r)
        check(page("x") is None and page("0,sleepy") is None,
              "bad cursor or state refused")
    finally:
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
    check(p.returncode == 0, "exit %d after SIGTERM: %s" % (p.returncode, err))
    rc, out, err = ctl(c + ["session", "list"])
    check(rc == 2 and "not running" in err, "list, not running: %d %s" % (rc, err))


def case_ctl_device(gg, tmp):
    """gg-ctl device show reads the store itself (redis, the "store"
    section of gardengate's file), by identity or UE address."""
    sock = os.path.join(tmp, "redis.sock")
    r = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", sock, "--save", "",
                          "--appendonly", "no"], stdout=subprocess.DEVNULL)
    conf = os.path.join(tmp, "gg.conf")
    with open("config/gardengate.conf") as f:
        text = f.read()
    check('unix = "build/demo/redis.sock";' in text, "default file's store changed")
    with open(conf, "w") as f:
        f.write(text.replace('unix = "build/demo/redis.sock";', 'unix = "%s";' % sock))
    try:
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        cli = ["redis-cli", "-s", sock]
        subprocess.run(cli + ["HSET", "gg:device:imei-35", "identity", "imei-35", "state", "limited",
                              "cert_pem", "", "cert_url", "http://ca.example/d.pem",
                              "ue_ipv4", "10.45.0.9", "gnb_ipv4", "192.0.2.10", "ul_teid", "259",
                              "dl_teid", "2563", "qfi", "9", "auth_ctx_id", "ctx1", "notify_uri", "",
                              "supi", "", "created_ms", "1000", "updated_ms", "2000"],
                       check=True, capture_output=True)
        subprocess.run(cli + ["SET", "gg:ueip:10.45.0.9", "imei-35"], check=True, capture_output=True)
        subprocess.run(cli + ["SADD", "gg:devices", "imei-35"], check=True, capture_output=True)
        rc, out, err = ctl(["-f", conf, "device", "show", "imei-35"])
        check(rc == 0 and "state        limited" in out and "ul_teid      0x103" in out and
              "(not signed up)" in out, "device show: %d %s %s" % (rc, out, err))
        rc, out, err = ctl(["-f", conf, "--json", "device", "show", "10.45.0.9"])
        j = json.loads(out) if rc == 0 else {}
        check(j.get("identity") == "imei-35" and j.get("qfi") == 9 and j.get("dl_teid") == 2563,
              "device show by UE address: %d %s %s" % (rc, out, err))
        rc, out, err = ctl(["-f", conf, "device", "show", "imei-0"])
        check(rc == 1 and "no such device" in err, "unknown device: %d %s" % (rc, err))
    finally:
        r.terminate()
        r.wait(timeout=10)
    rc, out, err = ctl(["-f", conf, "device", "show", "imei-35"])
    check(rc == 2 and "store not reachable" in err, "store down: %d %s" % (rc, err))


def line_of(text, needle):
    return text[:text.index(needle)].count("\n") + 1


def case_reload(gg, tmp):
    """gg-ctl reload and SIGHUP: live settings applied (the garden seen to
    change), the others refused with FILE:LINE, a broken file changing
    nothing."""
    prefix = "gg-app-reload-%d" % os.getpid()
    conf = os.path.join(tmp, "gg.conf")
    with open("config/gardengate.conf") as f:
        orig = f.read()
    with open(conf, "w") as f:
        f.write(orig)
    p, stats = start(gg, tmp, prefix, ["-f", conf, "--duration", "60"])
    c = ["-p", prefix]

    def names():
        return json.loads(ctl(c + ["--json", "garden", "list"])[1])["names"]

    try:
        wait_running(p, prefix)
        text = orig.replace('"ca.example tcp 80" ]', '"ca.example tcp 80", "new.example" ]') \
                   .replace("ttl = 10;", "ttl = 30;") \
                   .replace('level = "info"', 'level = "notice"') \
                   .replace("signup?orig={url}", "join?from={url}") \
                   .replace("icmp_rate = 100;", "icmp_rate = 50;") \
                   .replace("workers = 1;", "workers = 2;")
        with open(conf, "w") as f:
            f.write(text)
        rc, out, err = ctl(c + ["reload"])
        for want in ("changed: garden.names (%s:%d)" % (conf, line_of(text, "names = [")),
                     "changed: dns.ttl (", "changed: log.level (", "changed: portal.url (",
                     "changed: limited.icmp_rate (",
                     "refused: %s:%d: workers: cannot change while gardengate runs" %
                     (conf, line_of(text, "workers = 2;")), "reload: partial"):
            check(want in out, "reload: %r not in %s" % (want, out))
        check(rc == 3, "partial reload: exit %d" % rc)
        check("new.example tcp 80,443" in names(), "new name not in the garden: %s" % names())
        rc, out, err = ctl(c + ["--json", "reload"])
        j = json.loads(out)
        check(rc == 3 and j["changed"] == [] and len(j["refused"]) == 1, "reload again: %s" % out)
        # SIGHUP: back to one worker, and ca.example leaves the garden.
        text = text.replace("workers = 2;", "workers = 1;").replace('"ca.example tcp 80", ', "")
        with open(conf, "w") as f:
            f.write(text)
        p.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while time.time() < deadline and any(n.startswith("ca.example") for n in names()):
            time.sleep(0.1)
        check(not any(n.startswith("ca.example") for n in names()) and
              "new.example tcp 80,443" in names(), "after SIGHUP: %s" % names())
        # A broken file: nothing changes, the error names the line.
        with open(conf, "w") as f:
            f.write(text.replace('"new.example" ];', '"new.example" ];\n  bogus = 1;'))
        rc, out, err = ctl(c + ["reload"])
        check(rc == 1 and "file not loaded, nothing changed" in out and
              "errors: %s:" % conf in out and "bogus" in out, "broken file: %d %s" % (rc, out))
        check("new.example tcp 80,443" in names(), "broken file changed the garden: %s" % names())
        check(p.poll() is None, "gardengate stopped")
    finally:
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
    check(p.returncode == 0, "exit %d after SIGTERM: %s" % (p.returncode, err))
    check("SIGHUP: reloading" in err and "reload: changed garden.names" in err,
          "SIGHUP's reload not logged: %s" % err[-3000:])


def load_traffic(tmp):
    """Uplink and downlink of a FULL and a LIMITED session, every packet
    forwarded or answered (or, past limited.icmp_rate, dropped as
    limited_udp_refused)."""
    import gtpu_traffic as gt
    n3mac, gnbmac = gt.PCAP_PMD_MAC_N3, "02:00:00:00:03:fe"
    n6mac, dnmac = gt.PCAP_PMD_MAC_N6, "02:00:00:00:06:fe"
    pay = b"x" * 64
    n3 = []
    n6 = []
    for i in range(16):
        n3.append(gt.n3_frame(n3mac, gnbmac, "192.0.2.10", "192.0.2.1", gt.gpdu(
            0x101, gt.ipv4_udp("10.45.0.2", "198.18.0.10", 5000 + i, 6000, pay))))
        n3.append(gt.n3_frame(n3mac, gnbmac, "192.0.2.10", "192.0.2.1", gt.gpdu(
            0x103, gt.ipv4_udp("10.45.0.4", "203.0.113.80", 5000 + i, 443, pay))))
        n6.append(gt.ether(n6mac, dnmac, gt.ETH_P_IPV4,
                           gt.ipv4_udp("198.18.0.10", "10.45.0.2", 6000, 5000 + i, pay)))
        n6.append(gt.ether(n6mac, dnmac, gt.ETH_P_IPV4,
                           gt.ipv4_udp("203.0.113.80", "10.45.0.4", 443, 5000 + i, pay)))
    # UDP outside the garden: ICMP prohibited, up to limited.icmp_rate.
    n3.append(gt.n3_frame(n3mac, gnbmac, "192.0.2.10", "192.0.2.1", gt.gpdu(
        0x103, gt.ipv4_udp("10.45.0.4", "198.18.0.99", 5000, 7000, pay))))
    gt.write_pcap(os.path.join(tmp, "n3.pcap"), n3)
    gt.write_pcap(os.path.join(tmp, "n6.pcap"), n6)


def case_reload_load(gg, tmp):
    """Reloads under traffic lose nothing: net_pcap replays the traffic
    without end (infinite_rx) while the live settings flip between two
    files through gg-ctl reload and SIGHUP; every packet received is sent
    or dropped under a reason a run without reloads has too, and the
    workers follow the rates (limited.icmp_rate to 0: no ICMP more)."""
    load_traffic(tmp)
    with open("config/gardengate.conf") as f:
        a = f.read()
    b = a.replace('"ca.example tcp 80" ]', '"ca.example tcp 80", "new.example udp 53" ]') \
         .replace("ttl = 10;", "ttl = 30;").replace('level = "info"', 'level = "notice"') \
         .replace("signup?orig={url}", "join?from={url}").replace("icmp_rate = 100;", "icmp_rate = 50;") \
         .replace("error_indication_rate = 1000;", "error_indication_rate = 10;")
    check(a != b and b.count("icmp_rate = 50;") == 1, "default file changed")
    conf = os.path.join(tmp, "gg.conf")

    def dev(port):
        return "net_pcap_%s,rx_pcap=%s,tx_pcap=/dev/null,infinite_rx=1" % (
            port, os.path.join(tmp, port + ".pcap"))

    def run_gg(name, seconds, reloads):
        with open(conf, "w") as f:
            f.write(a)
        prefix = "gg-app-rl-%s-%d" % (name, os.getpid())
        stats = os.path.join(tmp, name + ".json")
        # The log to a file: a pipe nobody reads until the end would fill
        # up with the reloads' lines and block the control lcore.
        log = open(os.path.join(tmp, name + ".log"), "w+")
        p = subprocess.Popen([gg, "--no-huge", "--no-pci", "-m", "512", "-l", "0-1",
                              "--file-prefix", prefix, "--", "-f", conf, "--n3", dev("n3"),
                              "--n6", dev("n6")] + ANY_SBI + [
                              "--duration", str(seconds), "--stats-file", stats],
                             stdout=subprocess.DEVNULL, stderr=log, text=True)
        done = 0
        try:
            wait_running(p, prefix)
            t_end = time.time() + seconds - 3
            while reloads and time.time() < t_end:
                with open(conf, "w") as f:
                    f.write(b if done % 2 == 0 else a)
                if done % 3 == 2:
                    p.send_signal(signal.SIGHUP)
                    time.sleep(0.05)
                else:
                    rc, out, err = ctl(["-p", prefix, "reload"])
                    check(rc == 0, "reload %d: %d %s %s" % (done, rc, out, err))
                done += 1
            if reloads:
                # Last: no ICMP at all; the workers must follow.
                with open(conf, "w") as f:
                    f.write(a.replace("icmp_rate = 100;", "icmp_rate = 0;"))
                rc, out, err = ctl(["-p", prefix, "reload"])
                check(rc == 0 and "limited.icmp_rate" in out, "icmp_rate 0: %s %s" % (out, err))
                time.sleep(0.3)
                before = json.loads(ctl(["-p", prefix, "--json", "stats"])[1])["counters"]
                time.sleep(1.5)
                after = json.loads(ctl(["-p", prefix, "--json", "stats"])[1])["counters"]
                check(after["icmp_unreach_sent"] == before["icmp_unreach_sent"] and
                      after["drop_limited_udp_refused"] > before["drop_limited_udp_refused"],
                      "ICMP still sent at limited.icmp_rate 0: %s -> %s" % (
                          before["icmp_unreach_sent"], after["icmp_unreach_sent"]))
        finally:
            p.wait(timeout=seconds + 60)
            log.seek(0)
            err = log.read()
            log.close()
        check(p.returncode == 0, "%s: exit %d: %s" % (name, p.returncode, err[-2000:]))
        return json.load(open(stats)), done, err

    base, _, _ = run_gg("base", 4, False)
    final, done, err = run_gg("reload", 12, True)
    check(done >= 20, "only %d reloads" % done)
    check(err.count("reload of ") >= done, "reloads logged: %d of %d" % (err.count("reload of "), done))
    for f, name in ((base, "base"), (final, "reload")):
        w = f["workers"][0]
        rx, tx = w["rx_n3"] + w["rx_n6"], w["tx_n3"] + w["tx_n6"]
        check(rx > 100000, "%s: only %d packets" % (name, rx))
        check(rx == tx + w["drops"], "%s: rx %d != tx %d + drops %d (%s)" % (
            name, rx, tx, w["drops"], f["drops"]))
    new = {k for k, v in final["drops"].items() if v} - {k for k, v in base["drops"].items() if v}
    check(not new, "drop reasons only with reloads: %s" % {k: final["drops"][k] for k in new})
    w = final["workers"][0]
    print("reload_load: %d reloads; %d packets received, %d sent, drops %s" % (
        done, w["rx_n3"] + w["rx_n6"], w["tx_n3"] + w["tx_n6"],
        {k: v for k, v in final["drops"].items() if v}))
    check(final["counters"]["ul_decap"] > 0 and final["counters"]["dl_encap"] > 0 and
          final["counters"]["icmp_unreach_sent"] > 0, "traffic: %s" % final["counters"])


CASES = {n[5:]: f for n, f in globals().items() if n.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--gardengate", required=True)
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--ggctl")
    a = ap.parse_args()
    global GGCTL
    GGCTL = a.ggctl
    with tempfile.TemporaryDirectory(dir=a.builddir) as tmp:
        try:
            CASES[a.case](a.gardengate, tmp)
        except Fail as e:
            print("FAIL %s: %s" % (a.case, e))
            return 1
    print("PASS", a.case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
