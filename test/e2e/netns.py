#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""netns.py: network namespaces, veth pairs and processes for the
end-to-end tests, all torn down whatever happens.

A Lab owns every namespace it made (named PREFIX-<pid>-<role>, so that a
later run can tell leftovers of a dead run: their pid is gone), the
/etc/netns/<name>/ folders that give a namespace its own resolv.conf and
hosts (ip netns exec bind-mounts them over /etc), and every process it
started. close() kills the processes (SIGTERM, then SIGKILL after a grace
period) and deletes the namespaces, which deletes their veths and TUN
devices. It runs from a finally, and on SIGTERM (meson's timeout) through
the handler install_signal_handlers() sets.

Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for setns) and iproute2.
"""
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import time

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def wait_for(what, fn, timeout=10.0, step=0.05):
    """Poll fn() until it returns something true; Fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise Fail("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(step)


def need_root(tools=("ip",)):
    """Raise Skip, with the reason, when this cannot run here."""
    if os.geteuid() != 0:
        raise Skip("needs root (network namespaces, veth, TUN)")
    if not os.path.exists("/dev/net/tun"):
        raise Skip("no /dev/net/tun")
    for t in tools:
        if shutil.which(t) is None:
            raise Skip("%s is not installed (scripts/setup.sh installs it)" % t)


def run(cmd, ns=None, check_rc=True, timeout=30, **kw):
    """Run a command (in namespace @ns), return the CompletedProcess."""
    if ns is not None:
        cmd = ["ip", "netns", "exec", ns] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check_rc and p.returncode != 0:
        raise Fail("%s: exit %d: %s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


class Lab:
    def __init__(self, prefix, workdir):
        self.prefix = prefix
        self.tag = "%s-%d" % (prefix, os.getpid())
        self.workdir = workdir
        self.namespaces = []
        self.etc_dirs = []
        self.procs = []          # (Popen, label)
        self.cleanups = []
        self.closed = False
        os.makedirs(workdir, exist_ok=True)
        self.remove_leftovers()

    # -- leftovers of runs killed with SIGKILL --

    def remove_leftovers(self):
        out = run(["ip", "netns", "list"], check_rc=False).stdout
        for line in out.splitlines():
            name = line.split()[0] if line.split() else ""
            m = re.fullmatch(re.escape(self.prefix) + r"-(\d+)-\w+", name)
            if m and not os.path.exists("/proc/%s" % m.group(1)):
                run(["ip", "netns", "del", name], check_rc=False)
                shutil.rmtree("/etc/netns/" + name, ignore_errors=True)

    # -- namespaces --

    def netns(self, role, resolv=None, hosts=None):
        """A new namespace with lo up and IPv6 off (no router solicitations
        or neighbour discovery to count), named <tag>-<role>. @resolv: the
        nameserver address its resolv.conf names; @hosts: lines of its
        /etc/hosts."""
        name = "%s-%s" % (self.tag, role)
        run(["ip", "netns", "add", name])
        self.namespaces.append(name)
        if resolv is not None or hosts is not None:
            d = "/etc/netns/" + name
            os.makedirs(d, exist_ok=True)
            self.etc_dirs.append(d)
            if resolv is not None:
                with open(os.path.join(d, "resolv.conf"), "w") as f:
                    f.write("nameserver %s\noptions timeout:2 attempts:2\n" % resolv)
            with open(os.path.join(d, "hosts"), "w") as f:
                f.write("127.0.0.1 localhost\n" + "".join(l + "\n" for l in hosts or []))
        run(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
             "net.ipv6.conf.default.disable_ipv6=1"], ns=name)
        run(["ip", "link", "set", "lo", "up"], ns=name)
        return name

    def veth(self, ns_a, if_a, ns_b, if_b):
        """A veth pair, one end in each namespace, both up, no IPv6."""
        # Created in the first namespace so that no name clashes with the
        # host's interfaces, then the peer moves.
        run(["ip", "link", "add", if_a, "type", "veth", "peer", "name", if_b,
             "netns", ns_b], ns=ns_a)
        for ns, ifn in ((ns_a, if_a), (ns_b, if_b)):
            run(["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % ifn], ns=ns,
                check_rc=False)
            run(["ip", "link", "set", ifn, "up"], ns=ns)

    def ip(self, ns, *args):
        return run(["ip"] + list(args), ns=ns)

    # -- processes --

    def spawn(self, label, cmd, ns=None, log=None, env=None, stdout=None):
        """Start @cmd (in namespace @ns), output to WORKDIR/LABEL.log."""
        if ns is not None:
            cmd = ["ip", "netns", "exec", ns] + cmd
        logf = log or os.path.join(self.workdir, label + ".log")
        out = open(logf, "wb")
        p = subprocess.Popen(cmd, stdout=stdout or out, stderr=out,
                             stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        out.close()
        p.gg_log = logf
        p.gg_label = label
        self.procs.append((p, label))
        return p

    def stop(self, p, sig=signal.SIGTERM, timeout=10):
        """Signal @p and wait for it; SIGKILL when it lingers. Exit status."""
        if p.poll() is None:
            try:
                p.send_signal(sig)
                return p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                return p.wait(timeout=10)
        return p.returncode

    def on_close(self, fn):
        self.cleanups.append(fn)

    def close(self):
        if self.closed:
            return
        self.closed = True
        for p, label in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except OSError:
                    p.terminate()
        deadline = time.monotonic() + 5
        for p, label in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
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
        for name in reversed(self.namespaces):
            run(["ip", "netns", "del", name], check_rc=False)
        for d in self.etc_dirs:
            shutil.rmtree(d, ignore_errors=True)

    def install_signal_handlers(self):
        def handler(sig, frame):
            print("signal %d: tearing down" % sig, flush=True)
            self.close()
            os._exit(128 + sig)
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)


class InNetns:
    """with InNetns(name): the calling thread is in namespace @name (the
    sockets it creates stay there), back to its own afterwards."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        fd = os.open("/run/netns/" + self.name, os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns " + self.name)
        finally:
            os.close(fd)
        return self

    def __exit__(self, *exc):
        try:
            if _libc.setns(self.home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
        finally:
            os.close(self.home)
        return False


def udp_socket(ns, addr, port):
    with InNetns(ns):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, port))
    return s


def read_line(p, what, timeout=10.0):
    """The first line the process @p wrote to its log file that matches."""
    def got():
        if p.poll() is not None:
            raise Fail("%s exited (%s):\n%s" % (p.gg_label, p.returncode, tail(p.gg_log)))
        return re.search(what, open(p.gg_log, errors="replace").read(), re.M)
    return wait_for("%r from %s" % (what, p.gg_label), got, timeout)


def tail(path, n=40):
    try:
        with open(path, errors="replace") as f:
            return "\n".join(f.read().splitlines()[-n:])
    except OSError:
        return "(no %s)" % path
