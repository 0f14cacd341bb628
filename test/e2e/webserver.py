#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""webserver.py: Debian's nginx as a static web server for the end-to-end
network (the "Internet" site, the garden's file host).

One nginx per call, in the foreground (daemon off, so the Lab that spawned
it stops it like any other process), a configuration of its own under the
run's folder: no /etc/nginx, no /var/lib/nginx, no pid file in /run.
Workers run as root (the files are in the build folder, which the nobody
user may not read). Logs: LABEL.log (errors, stderr) and LABEL-access.log.
"""
import os
import socket

import netns as nn
from netns import Fail, check, wait_for

NGINX = "/usr/sbin/nginx"

CONF = """\
# Written by test/e2e/webserver.py for one run.
daemon off;
master_process on;
worker_processes 1;
user root;
pid {dir}/nginx.pid;
error_log stderr notice;
events {{ worker_connections 256; }}
http {{
    access_log {dir}/../{label}-access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    types {{ text/html html; text/plain txt; application/octet-stream bin; }}
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 10;
{servers}}}
"""

SERVER = """\
    server {{
        listen {addr}:{port};
        server_name _;
        root {root};
    }}
"""


def available():
    return os.access(NGINX, os.X_OK)


def start(lab, ns, label, sites):
    """nginx in namespace @ns serving each (address, port, folder) of
    @sites; returns the process once every site accepts connections."""
    check(available(), "%s is missing (scripts/setup.sh installs nginx-light)" % NGINX)
    d = os.path.abspath(os.path.join(lab.workdir, label + "-nginx"))
    os.makedirs(d, exist_ok=True)
    servers = "".join(SERVER.format(addr=a, port=p, root=os.path.abspath(r))
                      for a, p, r in sites)
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(dir=d, label=label, servers=servers))
    cmd = [NGINX, "-p", d, "-e", "stderr", "-c", conf]
    p = nn.run(cmd + ["-t", "-q"], ns=ns, check_rc=False)
    check(p.returncode == 0, "nginx -t %s: %s%s" % (conf, p.stdout, p.stderr))
    proc = lab.spawn(label, cmd, ns=ns)

    def listening():
        if proc.poll() is not None:
            raise Fail("nginx (%s) exited %s:\n%s" % (label, proc.returncode,
                                                     nn.tail(proc.gg_log)))
        for a, port, _ in sites:
            with nn.InNetns(ns):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(1)
            try:
                s.connect((a, port))
            except OSError:
                return False
            finally:
                s.close()
        return True
    wait_for("nginx (%s) on %s" % (label, ", ".join("%s:%d" % (a, p) for a, p, _ in sites)),
             listening, timeout=15)
    return proc
