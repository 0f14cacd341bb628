#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""placeholder_portal.py ADDRESS PORT: stands on the portal's address
while the build has no gg-portal (topo.py uses it then). Every GET gets a
200 page that names the Host and path it was asked for, so a test can see
that the garden let it through and where the redirect pointed; it is no
portal (no sign-up)."""
import html
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = self.headers.get("Host", "")
        body = ("<!doctype html>\n<html><head><title>Placeholder portal</title></head>\n"
                "<body><h1>Placeholder portal</h1>\n<p id=\"asked\">%s%s</p>\n"
                "<p id=\"client\">%s</p></body></html>\n"
                % (html.escape(host), html.escape(self.path),
                   html.escape(self.client_address[0]))).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    srv = http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler)
    srv.daemon_threads = True
    print("placeholder portal listening on %s:%s" % (sys.argv[1], sys.argv[2]), flush=True)
    srv.serve_forever()
