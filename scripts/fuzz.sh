#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A fuzzing campaign: every libFuzzer harness of test/fuzz (or those
# named) in turn, each for SECONDS (default 600), from its seed corpus
# plus what earlier campaigns found (build-fuzz/campaign/<harness>/corpus,
# kept between runs), with a random seed. Prints one line per harness,
# executions, executions per second and coverage (libFuzzer's cov: edges
# and ft: features), then a table.
#
# Usage: scripts/fuzz.sh [-t TOTAL_SECONDS | SECONDS] [HARNESS...]
#   -t TOTAL  share TOTAL seconds among the harnesses run
# Crashes land in build-fuzz/campaign/<harness>/crash-* (doc/testing.rst:
# how to turn one into a regression test). Exit status 1 if any harness
# found something.
set -eu
cd "$(dirname "$0")/.."
total=""
secs=600
if [ "${1:-}" = "-t" ]; then
	total=$2
	shift 2
elif [ $# -gt 0 ] && [ "$1" -eq "$1" ] 2>/dev/null; then
	secs=$1
	shift
fi
harnesses=${*:-"worker dns http sbi ausf auth conf portal profile"}
[ -n "$total" ] && secs=$((total / $(echo $harnesses | wc -w)))

scripts/setup.sh
[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzz=true \
	-Dtests=false -Dbuildtype=debugoptimized \
	-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-fuzz >/dev/null

rc=0
summary=""
for h in $harnesses; do
	line=$(FUZZ_SEED=0 test/fuzz/run-fuzzer.sh build-fuzz/test/fuzz/fuzz_$h \
		test/fuzz/corpus/$h build-fuzz/campaign/$h "$secs" | tail -n 1) || rc=1
	echo "$line"
	summary="$summary$line
"
done
echo
printf '%-12s %12s %9s %7s %7s %8s %s\n' harness execs exec/s cov ft corpus result
printf '%s' "$summary" | sed -n 's/^fuzz fuzz_\([a-z]*\): execs \([^,]*\), exec\/s \([^,]*\), cov \([^,]*\), ft \([^,]*\), corpus \([^,]*\), [0-9]*s, exit \(.*\)$/\1 \2 \3 \4 \5 \6 \7/p' |
	while read -r n e r c f k x; do
		[ "$x" = 0 ] && x=clean || x="FOUND (exit $x)"
		printf '%-12s %12s %9s %7s %7s %8s %s\n' "$n" "$e" "$r" "$c" "$f" "$k" "$x"
	done
exit $rc
