#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The perf harness in one go (doc/performance.rst): install what is
# missing, build, then on the same inputs and one forwarding core each,
# interleaved over 3 rounds: testpmd io, DPDK's l3fwd (LPM) and gardengate
# for every scenario, on both traffic sources (net_pcap, and our zero-copy
# net_gtpgen) and both memories (--no-huge, and 2 MiB hugepages reserved
# for the run and released after, as root); the micro-benchmarks first.
# Prints the tables, writes build/perf/{micro,mpps}.json. About 15 minutes
# (the first run also builds the inputs and l3fwd: about 50 s more;
# --sources pcap --memory nohuge: about 3 minutes).
#
#   scripts/perf.sh                 micro-benchmarks + Mpps table
#   scripts/perf.sh --instr         + the callgrind gate (instructions/packet,
#                                     about 2.5 minutes more)
#   scripts/perf.sh --check         + compare with test/perf/baselines.json,
#                                     exit 1 on a regression
#   scripts/perf.sh --refresh       run everything (--instr), then write the
#                                     results into test/perf/baselines.json
# Other arguments go to test/perf/perf.py (e.g. --scenarios ul-1k,dl-1k,
# --rounds 5, --versus OTHER_BUILD_DIR for an A/B of two builds).
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh

refresh=0
args=""
for a in "$@"; do
	case "$a" in
	--refresh) refresh=1; args="$args --instr" ;;
	*) args="$args $a" ;;
	esac
done
# shellcheck disable=SC2086
/usr/bin/python3 test/perf/perf.py all --build build --micro-quick $args
if [ "$refresh" = 1 ]; then
	/usr/bin/python3 test/perf/perf.py refresh --build build \
		build/perf/mpps.json build/perf/instr.json
fi
