#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# DPDK's driver SDK headers for out-of-tree PMDs (drivers/net/gtpgen).
#
# Debian's libdpdk-dev does not install them (DPDK is built without
# enable_driver_sdk): this takes the five headers a vdev PMD needs
# (ethdev_driver.h, ethdev_vdev.h, bus_vdev_driver.h, dev_driver.h,
# bus_driver.h) from Debian's source package of the installed version, with
# apt-get and an apt state of its own (the system's sources and lists are
# not touched), into DEST (default /var/cache/gardengate/dpdk-sdk). Quiet
# and quick when they are there for this version. About 3 s and 16 MB of
# download the first time. Needs root (or sudo) only to write DEST.
#
#   scripts/dpdk-sdk.sh [DEST]
set -eu
DEST=${1:-/var/cache/gardengate/dpdk-sdk}
VER=$(dpkg-query -W -f '${Version}' libdpdk-dev 2>/dev/null || true)
if [ -z "$VER" ]; then
	echo "dpdk-sdk: libdpdk-dev is not installed" >&2
	exit 1
fi
if [ -f "$DEST/VERSION" ] && [ "$(cat "$DEST/VERSION")" = "$VER" ] &&
		[ -f "$DEST/include/ethdev_driver.h" ]; then
	exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/parts" "$tmp/lists/partial" "$tmp/cache" "$tmp/src"
cat > "$tmp/parts/src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
O="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$tmp/parts
-o Dir::State::Lists=$tmp/lists -o Dir::Cache=$tmp/cache -o APT::Sandbox::User=root"
echo "dpdk-sdk: fetching the headers of dpdk $VER (Debian source package)"
# shellcheck disable=SC2086
apt-get $O update -qq
# shellcheck disable=SC2086
(cd "$tmp/src" && apt-get $O source --download-only -qq "dpdk=$VER")
orig=$(ls "$tmp"/src/dpdk_*.orig.tar.* | head -1)
top=$(tar tf "$orig" | head -1 | cut -d/ -f1)
tar xf "$orig" -C "$tmp/src" "$top/lib/ethdev/ethdev_driver.h" \
	"$top/lib/ethdev/ethdev_vdev.h" "$top/drivers/bus/vdev/bus_vdev_driver.h" \
	"$top/lib/eal/include/dev_driver.h" "$top/lib/eal/include/bus_driver.h"
$SUDO mkdir -p "$DEST/include"
$SUDO cp "$tmp/src/$top/lib/ethdev/ethdev_driver.h" "$tmp/src/$top/lib/ethdev/ethdev_vdev.h" \
	"$tmp/src/$top/drivers/bus/vdev/bus_vdev_driver.h" \
	"$tmp/src/$top/lib/eal/include/dev_driver.h" \
	"$tmp/src/$top/lib/eal/include/bus_driver.h" "$DEST/include/"
echo "$VER" | $SUDO tee "$DEST/VERSION" >/dev/null
