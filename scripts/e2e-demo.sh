#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The end-to-end network of the tests, left up for a person to try:
# gardengate between a device (authenticated with its factory certificate,
# LIMITED, gg-uesim tunnel up) and a small Internet (dnsmasq, nginx,
# gg-portal, redis), each in a network namespace (test/e2e/topo.py).
# Prints the commands to try (dig, curl, chromium in the device's
# namespace, telemetry, redis-cli).
#
#   scripts/e2e-demo.sh          bring it up (builds first), print the commands
#   scripts/e2e-demo.sh --show   print the commands again
#   scripts/e2e-demo.sh --down   tear it all down and check nothing is left
#
# Needs root. The holder (test/e2e/stay.py) keeps its log and the run's
# logs in build/demo/e2e/.
set -eu
cd "$(dirname "$0")/.."
dir=build/demo/e2e
state=$dir/state.json
py=/usr/bin/python3

case "${1:-up}" in
--down|down)
	exec $py test/e2e/stay.py down --state "$state" ;;
--show|show)
	if [ -f "$state.txt" ]; then cat "$state.txt"; exit 0; fi
	echo "e2e-demo: not up" >&2; exit 1 ;;
up|--up)
	;;
*)
	echo "usage: $0 [--down | --show]" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
	echo "e2e-demo: needs root (network namespaces, TUN devices)" >&2
	exit 1
fi
if [ -f "$state" ]; then
	holder=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$state")
	if kill -0 "$holder" 2>/dev/null; then
		echo "e2e-demo: already up (holder pid $holder):"
		cat "$state.txt"
		exit 0
	fi
fi
scripts/build.sh
mkdir -p "$dir"
log=$dir/stay.log
# Its own session: the holder outlives this shell and its terminal.
setsid $py test/e2e/stay.py up --builddir build --state "$state" >"$log" 2>&1 </dev/null &
holder=$!
i=0
while ! grep -q '^ready ' "$log" 2>/dev/null; do
	if ! kill -0 "$holder" 2>/dev/null || [ $i -ge 1200 ]; then
		echo "e2e-demo: the network did not come up:" >&2
		tail -20 "$log" >&2
		$py test/e2e/stay.py down --state "$state" >/dev/null 2>&1 || true
		exit 1
	fi
	i=$((i + 1))
	sleep 0.1
done
cat "$state.txt"
