#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The main job on the default configuration: install what is missing, build,
# generate sample GTP-U traffic (build/demo/n3-in.pcap, n6-in.pcap), run
# gardengate on it through the pcap PMD until the input is exhausted, and
# print what happened to every packet. Output pcaps: build/demo/n3-out.pcap
# and build/demo/n6-out.pcap (open them with tshark or Wireshark).
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
mkdir -p build/demo
/usr/bin/python3 scripts/gen-demo-traffic.py build/demo
exec build/app/gardengate/gardengate -f config/gardengate.conf --idle-exit 1 "$@"
