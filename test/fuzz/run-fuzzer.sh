#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Run one libFuzzer harness for a while and say what it did; the fuzz
# suite's test command (test/fuzz/meson.build) and scripts/fuzz.sh's.
#
# Usage: run-fuzzer.sh HARNESS SEED_CORPUS WORKDIR [SECONDS [libFuzzer args]]
#
# New inputs go to WORKDIR/corpus, never into SEED_CORPUS (the repo's,
# read only); crashes, leaks and timeouts to WORKDIR/ as crash-*, leak-*,
# timeout-*. SECONDS defaults to $FUZZ_SECONDS or 30; the seed is fixed
# ($FUZZ_SEED, default 1) so that a run is repeatable input for input as
# long as the harness and the code are. Exit status: libFuzzer's (0 when
# nothing was found). The last line is a summary:
#   fuzz NAME: execs N, exec/s N, cov N, ft N, corpus N, Ns
set -eu

[ $# -ge 3 ] || { echo "usage: $0 HARNESS SEED_CORPUS WORKDIR [SECONDS [args]]" >&2; exit 2; }
bin=$1
seeds=$2
work=$3
shift 3
secs=${1:-${FUZZ_SECONDS:-30}}
[ $# -ge 1 ] && shift
name=$(basename "$bin")
mkdir -p "$work/corpus"
# Absolute: a harness may change its working folder (fuzz_conf does).
work=$(cd "$work" && pwd)
seeds=$(cd "$seeds" && pwd)
log="$work/fuzz.log"

# -print_final_stats gives stat::number_of_executed_units and friends;
# cov/ft are read from the last status line ("#N ... cov: C ft: F").
# Leaks are reported (detect_leaks is on by default with ASan).
# Leaks in other projects' libraries, each explained in the file.
LSAN_OPTIONS=suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
export LSAN_OPTIONS
set +e
# -error_exitcode: libFuzzer's default, 77, is what meson reads as "skipped".
"$bin" -max_total_time="$secs" -seed="${FUZZ_SEED:-1}" -timeout=10 -error_exitcode=1 \
	-rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
	-artifact_prefix="$work/" "$@" "$work/corpus" "$seeds" >"$log" 2>&1
rc=$?
set -e

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' "$log" | tail -n 1)
if [ "$rc" -ne 0 ]; then
	# The report: from the sanitizer's or libFuzzer's first line on.
	sed -n '/^==[0-9]*==\|^INFO: libFuzzer\|invariant broken\|runtime error/,$p' "$log" | head -n 80
	ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null || true
fi
echo "fuzz $name: execs ${execs:-?}, exec/s ${rate:-?}, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, ${secs}s, exit $rc"
exit "$rc"
