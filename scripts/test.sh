#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Install what is missing, build, and run the whole default test suite
# (every suite but perf) in build/, then the unit and pcap suites again
# under ASan + UBSan (gcc, build-asan/) and every fuzzer briefly (clang,
# libFuzzer, build-fuzz/: suite "fuzz", 30 s a harness). Extra arguments
# go to the first meson test only and skip the other two, e.g.
# "scripts/test.sh --suite unit". doc/testing.rst says more.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
if [ $# -gt 0 ]; then
	exec meson test -C build --print-errorlogs "$@"
fi
rc=0
meson test -C build --print-errorlogs || rc=1

# Sanitizers: a report is an error (UBSan too), leaks included.
[ -f build-asan/build.ninja ] || meson setup build-asan \
	-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-asan >/dev/null
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
	meson test -C build-asan --print-errorlogs --suite unit --suite pcap || rc=1

[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzz=true \
	-Dtests=false -Dbuildtype=debugoptimized \
	-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-fuzz >/dev/null
meson test -C build-fuzz --print-errorlogs --suite fuzz || rc=1
exit $rc
