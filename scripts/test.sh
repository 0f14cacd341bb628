#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Install what is missing, build, and run the whole default test suite
# (every suite but perf). Extra arguments go to meson test, e.g.
# "scripts/test.sh --suite unit".
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec meson test -C build --print-errorlogs "$@"
