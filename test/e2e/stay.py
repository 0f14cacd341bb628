#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""stay.py: topo.py's network brought up and left up for a person to try
(scripts/e2e-demo.sh runs it).

    stay.py up   --builddir BUILD --srcdir SRC --state FILE
    stay.py down --state FILE

"up" builds the network of topo.py (gardengate, the resolver, nginx for
the web site and the garden's file host, gg-portal, redis), authenticates
the test device with its factory certificate (gg-uesim auth, profile
callback gg-uesim receive), starts gg-uesim tunnel with its LIMITED
session and the default route into it, writes FILE (JSON: this process,
the namespaces, every process group, the paths) and FILE.txt (the
commands to try), prints "ready FILE" and then holds everything until
SIGTERM or SIGINT, when it tears it all down (netns.Lab.close()).

"down" sends SIGTERM to the holder and waits for it; whatever a holder
killed with SIGKILL left behind (process groups, namespaces, /etc/netns
folders, the DPDK runtime folder) it removes itself; then it checks that
nothing of the state file remains and says so (exit 1 if something does).
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import netns as nn  # noqa: E402
import topo  # noqa: E402
import webserver  # noqa: E402
from netns import Fail  # noqa: E402

PREFIX = "gge2e-demo"
FILES_PORT = 8080            # the garden's file host: nginx on the portal's address
DURATION = 7 * 86400         # gardengate's and the tunnel's --duration


def make_file(folder, name, size, seed):
    """@size octets of a seeded pseudo-random sequence; its SHA-256."""
    data = random.Random(seed).randbytes(size)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest()


def commands(t, st):
    ue = st["namespaces"]["ue"]
    x = "ip netns exec %s " % ue
    dev = st["device"]
    return """\
gardengate end-to-end demo: up (state %(state)s)

  namespaces  ue %(ue)s   gg %(gg)s   dn %(dn)s
  device      %(ident)s, UE %(ueip)s, LIMITED, uplink TEID 0x%(teid)08x
  logs        %(work)s/*.log

In the walled garden (the device's namespace; its resolver is %(resolver)s):

  %(x)sdig portal.example            # garden name: the resolver's answer
  %(x)sdig @203.0.113.99 portal.example   # any server: redirected, answer from .99
  %(x)sdig www.example.net           # other name: forged, the portal's address
  %(x)sdig AAAA www.example.net
  %(x)sdig +tcp portal.example
  %(x)scurl -si http://%(web)s/          # gardengate's 302 to the portal
  %(x)scurl -sv https://%(web)s/         # RST at once
  %(x)scurl -si http://captive.apple.com/hotspot-detect.html
  %(x)scurl -s http://%(portal)s:%(fport)d/files.bin | sha256sum   # %(fsha)s
  %(x)scurl -s --cacert %(pki)s/operator-ca.pem %(api)s

Sign up (the flip to FULL; then the same commands show the open Internet):

  %(x)schromium --no-sandbox --user-data-dir=$(mktemp -d) \\
      --ignore-certificate-errors http://%(web)s/      # with a display
  %(x)schromium --headless --no-sandbox --ignore-certificate-errors \
      --user-data-dir=$(mktemp -d) --dump-dom http://%(web)s/ | grep title
  %(x)scurl -s http://%(web)s/blob.bin | sha256sum   # once FULL: %(bsha)s

The appliance and the store:

  dpdk-telemetry.py -f %(prefix)s     # then /gardengate/stats,
      # /gardengate/session,0x%(teid)08x  /gardengate/garden
  redis-cli -s %(redis)s HGETALL gg:device:%(ident)s

Tear it all down:  scripts/e2e-demo.sh --down
""" % {"state": st["state"], "ue": ue, "gg": st["namespaces"]["gg"],
       "dn": st["namespaces"]["dn"], "ident": dev["identity"], "ueip": dev["ue"],
       "teid": dev["ul_teid"], "work": st["workdir"], "resolver": topo.RESOLVER, "x": x,
       "web": topo.WEB, "portal": topo.PORTAL, "fport": FILES_PORT, "fsha": st["files_sha256"],
       "pki": t.pki, "api": dev["api"], "bsha": t.blob_sha256, "prefix": t.prefix,
       "redis": t.redis_sock}


def up(a):
    state = os.path.abspath(a.state)
    if os.path.exists(state):
        old = json.load(open(state))
        if os.path.exists("/proc/%d" % old["pid"]):
            print("stay: already up (pid %d, %s); down first" % (old["pid"], state))
            return 1
        down_from(old)
    os.makedirs(os.path.dirname(state), exist_ok=True)
    workdir = os.path.join(os.path.dirname(state), "run")
    shutil.rmtree(workdir, ignore_errors=True)
    lab = nn.Lab(PREFIX, workdir)
    lab.install_signal_handlers()
    lab.on_close(lambda: [os.unlink(f) for f in (state, state + ".txt") if os.path.exists(f)])
    try:
        t = topo.Topology(lab, a.builddir, a.srcdir)
        t.duration = DURATION
        receiver = []

        def before_config():
            receiver.append(t.start_receiver())
            return receiver[0].rsplit("/", 1)[0] + "/"

        t.up(before_config)
        t.start_portal()
        files = os.path.join(workdir, "files")
        os.makedirs(files)
        fsha = make_file(files, "files.bin", 8 << 20, "garden")
        webserver.start(lab, t.dn, "files", [(topo.PORTAL, FILES_PORT, files)])
        t.auth(notify_uri=receiver[0])
        t.start_tunnel("--session", t.auth_file, "--teid-dl", "0x%x" % topo.DEVICE_DL_TEID)
        roles = {n.rsplit("-", 1)[1]: n for n in lab.namespaces}
        st = {"state": state, "pid": os.getpid(), "workdir": os.path.abspath(workdir),
              "namespaces": roles, "etc_dirs": lab.etc_dirs,
              "pgids": [p.pid for p, _ in lab.procs],
              "dpdk_runtime": os.path.join("/var/run/dpdk", t.prefix),
              "tmp_dirs": [os.path.dirname(t.redis_sock)],
              "device": t.device, "files_sha256": fsha}
        text = commands(t, st)
        with open(state + ".txt", "w") as f:
            f.write(text)
        with open(state + ".tmp", "w") as f:
            json.dump(st, f, indent=1)
        os.rename(state + ".tmp", state)
        print("ready %s" % state, flush=True)
        while True:
            signal.pause()
    except Fail as e:
        print("stay: FAIL: %s (logs: %s)" % (e, workdir), flush=True)
        return 1
    finally:
        lab.close()


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def namespaces():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {l.split()[0] for l in out.splitlines() if l.split()}


def down_from(st):
    """Remove what @st names; a list of what is left (empty: all gone)."""
    pid = st["pid"]
    if alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)
    # A holder killed with SIGKILL tore nothing down: do it here.
    for g in st["pgids"]:
        if group_alive(g):
            os.killpg(g, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while any(group_alive(g) for g in st["pgids"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    for n in st["namespaces"].values():
        if n in namespaces():
            subprocess.run(["ip", "netns", "del", n], capture_output=True)
    dirs = st["etc_dirs"] + [st["dpdk_runtime"]] + st["tmp_dirs"]
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
    left = ["process %d (the holder)" % pid] if alive(pid) else []
    left += ["process group %d" % g for g in st["pgids"] if group_alive(g)]
    left += ["namespace %s" % n for n in st["namespaces"].values() if n in namespaces()]
    left += [d for d in dirs if os.path.exists(d)]
    for f in (st["state"], st["state"] + ".txt"):
        if os.path.exists(f):
            os.unlink(f)
    return left


def down(a):
    state = os.path.abspath(a.state)
    if not os.path.exists(state):
        left = sorted(n for n in namespaces() if n.startswith(PREFIX + "-"))
        print("stay: not up (no %s)%s" % (state, "; namespaces of a demo remain: " +
                                          " ".join(left) if left else ""))
        return 1 if left else 0
    st = json.load(open(state))
    left = down_from(st)
    if left:
        print("stay: down, but left: %s" % ", ".join(left))
        return 1
    print("stay: down: %d processes, namespaces %s, the TUN and veths with them: gone" %
          (len(st["pgids"]) + 1, " ".join(sorted(st["namespaces"].values()))))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("action", choices=("up", "down"))
    ap.add_argument("--builddir", default="build")
    ap.add_argument("--srcdir", default=os.path.dirname(os.path.dirname(HERE)))
    ap.add_argument("--state", required=True)
    a = ap.parse_args()
    if a.action == "down":
        return down(a)
    try:
        nn.need_root(("ip", "ethtool", "dnsmasq", "redis-server", "curl", "nginx"))
    except nn.Skip as e:
        print("stay: cannot run: %s" % e)
        return 1
    return up(a)


if __name__ == "__main__":
    sys.exit(main())
