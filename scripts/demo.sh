#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The main job on the default configuration: install what is missing, build,
# generate sample GTP-U traffic (build/demo/n3-in.pcap, n6-in.pcap), start a
# private redis-server for the subscription store (build/demo/redis.sock),
# run gardengate on the traffic through the pcap PMD until the input is
# exhausted, and print what happened to every packet. Output pcaps:
# build/demo/n3-out.pcap and build/demo/n6-out.pcap.
# Then one device's onboarding, LIMITED to FULL, with the real programs in
# network namespaces (scripts/onboard-demo.py: authentication, the walled
# garden, sign-up on gg-portal, the profile pushed, verified and opened,
# the session FULL). That part needs root; without it, it is skipped.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
mkdir -p build/demo
/usr/bin/python3 scripts/gen-demo-traffic.py build/demo
rm -f build/demo/redis.sock
redis-server --port 0 --unixsocket "$PWD/build/demo/redis.sock" --save '' \
	--appendonly no --daemonize no >build/demo/redis.log 2>&1 &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null; wait $redis_pid 2>/dev/null' EXIT INT TERM
echo "== gardengate on the sample traffic (config/gardengate.conf, pcap PMD)"
build/app/gardengate/gardengate -f config/gardengate.conf --idle-exit 1 "$@"
echo
echo "== one device's onboarding, LIMITED to FULL (scripts/onboard-demo.py)"
/usr/bin/python3 scripts/onboard-demo.py
