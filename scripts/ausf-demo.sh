#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The one-way authentication, end to end on this machine: a private
# redis-server, the demo PKI served as the manufacturer's certificate
# server (127.0.0.1:8080), gardengate on the default configuration with
# null ports, then gg-uesim authenticates a device; the context, the store
# record and the data-plane session are shown, and the device detaches.
# Everything started here is stopped on exit. Needs scripts/build.sh first
# (scripts/demo.sh does it).
set -eu
cd "$(dirname "$0")/.."
scripts/build.sh
demo=build/demo
sock="$PWD/$demo/ausf-redis.sock"
prefix=gg-ausf-demo
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

mkdir -p "$demo"
rm -f "$sock"
redis-server --port 0 --unixsocket "$sock" --save '' --appendonly no \
	--daemonize no >"$demo/ausf-redis.log" 2>&1 &
pids="$pids $!"
/usr/bin/python3 -m http.server --bind 127.0.0.1 8080 --directory "$demo/pki" \
	>"$demo/ca-server.log" 2>&1 &
pids="$pids $!"
sed "s|unix = \"build/demo/redis.sock\"|unix = \"$sock\"|" config/gardengate.conf \
	>"$demo/ausf-demo.conf"
build/app/gardengate/gardengate --file-prefix "$prefix" -- -f "$demo/ausf-demo.conf" \
	--n3 net_null_n3,no-rx=1 --n6 net_null_n6,no-rx=1 --duration 60 --sbi-h2c \
	>"$demo/ausf-gardengate.log" 2>&1 &
pids="$pids $!"
i=0
until grep -q "store up" "$demo/ausf-gardengate.log" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || { cat "$demo/ausf-gardengate.log"; exit 1; }
	sleep 0.1
done

echo "== gg-uesim authenticates nai-dev0001@maker.example"
out=$(build/app/uesim/gg-uesim auth --sbi http://127.0.0.1:7777 \
	--identity nai-dev0001@maker.example --snn 5G:mnc001.mcc001.3gppnetwork.org \
	--cert-url http://127.0.0.1:8080/dev-ec.pem --key "$demo/pki/dev-ec.key" \
	--gnb 192.0.2.10 --dl-teid 0x00000a01)
echo "$out"
ctx=$(echo "$out" | sed -n "s/^authCtxId  *//p")
teid=$(echo "$out" | sed -n 's/.*uplink TEID \(0x[0-9a-fA-F]*\).*/\1/p')
echo "== GET the context"
curl -s --http2-prior-knowledge "http://127.0.0.1:7777/nausf-auth/v1/ue-authentications/$ctx"
echo
echo "== the store record (redis-cli HGET of each field but the certificate)"
for f in identity state ue_ipv4 ul_teid dl_teid gnb_ipv4 qfi auth_ctx_id; do
	printf '%-12s %s\n' "$f" "$(redis-cli -s "$sock" HGET "gg:device:nai-dev0001@maker.example" "$f")"
done
echo "== the data-plane session (telemetry)"
echo "/gardengate/session,$teid" | dpdk-telemetry.py -f "$prefix"
echo "== detach"
curl -si --http2-prior-knowledge -X DELETE \
	"http://127.0.0.1:7777/nausf-auth/v1/ue-authentications/$ctx" | head -1
echo "/gardengate/info" | dpdk-telemetry.py -f "$prefix"
