#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Install the Debian 12 packages gardengate needs to build, run and test.
# Idempotent and quiet: installs only what is missing, says nothing when
# everything is there. Needs root (or sudo).
set -eu

PACKAGES="
build-essential meson ninja-build pkg-config
libdpdk-dev dpdk dpdk-dev dpdk-doc libnuma-dev libpcap-dev
libconfig-dev libjansson-dev libhiredis-dev libssl-dev libcunit1-dev
libnghttp2-dev libcurl4-openssl-dev libmicrohttpd-dev nghttp2-client nghttp2-server
openssl python3 python3-scapy tshark redis-server curl valgrind
python3-jsonschema
chromium nodejs dnsmasq-base ethtool iproute2 iputils-ping
nginx-light
clang libclang-rt-14-dev
bind9-dnsutils
prometheus
"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
