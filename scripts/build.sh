#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Configure (once) and build gardengate in ./build. Quiet when up to date.
set -eu
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
