#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""placeholder_portal.py ADDRESS PORT: stands on the portal's address
while the build has no gg-portal (topo.py uses it then). It is no portal:
nothing is stored, nobody is provisioned.

- GET of any path: a 200 page that names the Host and path it was asked
  for and the client address, so a test can see that the garden let the
  device through, where gardengate's redirect pointed and that the
  device's address arrived unchanged;
- a plain sign-up form on that page (plan radio buttons, labelled name
  and e-mail fields, a terms checkbox; the shape the contract gives the
  real one), whose POST /signup answers 303 to /result when every field
  came, 400 otherwise: it exercises the browser driver's form filling
  (browser.mjs signup) before the real portal exists.
"""
import html
import http.server
import sys
import urllib.parse

FORM = """<form method="post" action="/signup">
<fieldset><legend>Plan</legend>
<input type="radio" id="p1" name="plan" value="basic"><label for="p1">Basic</label>
<input type="radio" id="p2" name="plan" value="plus"><label for="p2">Plus</label>
</fieldset>
<label for="name">Full name</label><input id="name" name="name" required>
<label for="email">E-mail</label><input id="email" name="email" type="email" required>
<input type="checkbox" id="terms" name="terms" required><label for="terms">I agree</label>
<input type="hidden" name="csrf" value="placeholder">
<button type="submit">Sign up</button>
</form>"""


class Handler(http.server.BaseHTTPRequestHandler):
    def page(self, status, title, body):
        data = ("<!doctype html>\n<html><head><title>%s</title></head>\n<body><h1>%s</h1>\n%s"
                "</body></html>\n" % (title, title, body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        host = self.headers.get("Host", "")
        if self.path.startswith("/result"):
            self.page(200, "Placeholder result", "<p>Nothing was provisioned.</p>\n")
            return
        self.page(200, "Placeholder portal",
                  "<p id=\"asked\">%s%s</p>\n<p id=\"client\">%s</p>\n%s\n"
                  % (html.escape(host), html.escape(self.path),
                     html.escape(self.client_address[0]), FORM))

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        if n > 4096:
            self.page(413, "Too large", "")
            return
        form = urllib.parse.parse_qs(self.rfile.read(n).decode(errors="replace"))
        if self.path != "/signup" or any(not form.get(k, [""])[0] for k in
                                         ("plan", "name", "email", "terms", "csrf")):
            self.page(400, "Incomplete", "<p>%s</p>\n" % html.escape(repr(sorted(form))))
            return
        self.send_response(303)
        self.send_header("Location", "/result")
        self.send_header("Content-Length", "0")
        self.end_headers()


if __name__ == "__main__":
    srv = http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler)
    srv.daemon_threads = True
    print("placeholder portal listening on %s:%s" % (sys.argv[1], sys.argv[2]), flush=True)
    srv.serve_forever()
