#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The AuSF's benchmark (doc/performance.rst, "The AuSF"): one run on this
# machine measures the AuSF and, in the same run, the references that show
# the limit, and prints one table:
#   - complete one-way authentications/s (gg-uesim load, full flow, warm
#     certificate cache, Redis with AOF everysec), h2c and mutual TLS,
#     against `openssl speed -seconds 3 ecdsap256` verify/s (goal >= 0.25);
#   - challenge POSTs/s (h2load) against h2load on nghttpd serving a small
#     static answer (goal >= 0.5);
#   - a legitimate device's p99 while one client floods unconfirmed
#     challenges as fast as it can (goal < 100 ms);
#   - the idle control lcore's CPU use.
#
# Layout on two CPUs (printed with the table): CPU 0 holds what is
# measured (gardengate's control lcore, which runs the AuSF; nghttpd for
# its reference; openssl speed); CPU 1 holds everything else (gardengate's
# worker lcore set to SCHED_IDLE, so its poll loop only takes what nobody
# else wants; redis-server; the certificate server; the load generators).
# A rate is the run's own: compare ratios, not absolute figures, between
# machines.
#
# Usage: scripts/perf-ausf.sh [SECONDS]   (per measurement, default 10)
# Needs: a build (scripts/build.sh), redis-server, h2load and nghttpd
# (Debian nghttp2-client, nghttp2-server), openssl, taskset and chrt.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-10}
build=${BUILD:-build}
gg=$build/app/gardengate/gardengate
uesim=$build/app/uesim/gg-uesim
pki=$PWD/$build/demo/pki
for t in "$gg" "$uesim" "$pki/sbi.pem"; do
	[ -e "$t" ] || { echo "perf-ausf: $t missing: build first" >&2; exit 2; }
done
for t in redis-server h2load nghttpd openssl taskset chrt curl; do
	command -v $t >/dev/null || { echo "perf-ausf: $t not installed" >&2; exit 2; }
done

work=$(mktemp -d /tmp/gg-perf-ausf.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
on1() { taskset -c 1 "$@"; }
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_for() { # SECONDS COMMAND...: poll until COMMAND succeeds
	n=$(($1 * 10)); shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}

# CPU time (clock ticks) of a thread, and the answers of an h2load run as
# "succeeded req/s".
ticks() { # PID [TID]: utime + stime
	awk '{ print $14 + $15 }' "/proc/$1/task/${2:-$1}/stat"
}
h2run() {
	on1 h2load "$@" | awk '/^requests:/ { ok = $8 }
		/^finished in/ { for (i = 1; i < NF; i++) if ($(i + 1) == "req/s,") r = $i }
		END { print ok + 0, r + 0 }'
}
hz=$(getconf CLK_TCK)

# ---- the references --------------------------------------------------------
verify=$(taskset -c 0 openssl speed -seconds 3 ecdsap256 2>/dev/null |
	awk '/256 bits ecdsa \(nistp256\)/ { print $NF; exit }')

mkdir -p "$work/www"
printf '{"authType":"ONE_WAY_CERT","oneWayAuthData":{"challenge":"%s"}}\n' \
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" >"$work/www/answer.json"
hport=$(free_port)
taskset -c 0 nghttpd --no-tls -d "$work/www" "$hport" >"$work/nghttpd.log" 2>&1 &
nghttpd_pid=$!
pids="$pids $nghttpd_pid"
wait_for 10 curl -sf --http2-prior-knowledge "http://127.0.0.1:$hport/answer.json"
h2args="-c 4 -m 16 -D $secs --warm-up-time=1"
c0=$(ticks $nghttpd_pid)
nghttpd_res=$(h2run $h2args "http://127.0.0.1:$hport/answer.json")
nghttpd_cpu=$(($(ticks $nghttpd_pid) - c0))

# ---- redis (AOF everysec), the certificate server -------------------------------
sock=$work/redis.sock
# Background servers through taskset itself, not on1: taskset execs the
# program, so $! is its pid and the cleanup stops it (a function would
# leave the program behind as a child of a background subshell).
taskset -c 1 redis-server --port 0 --unixsocket "$sock" --save '' --dir "$work" \
	--appendonly yes --appendfsync everysec --daemonize no >"$work/redis.log" 2>&1 &
pids="$pids $!"
wait_for 10 redis-cli -s "$sock" PING
mkdir -p "$work/ca"
cp "$pki/ca.pem" "$work/ca/"
caport=$(free_port)
# http.server with a listen backlog of 128 (its 5 drops SYNs of the
# AuSF's parallel fetches).
taskset -c 1 python3 -c '
import functools, http.server, sys
http.server.ThreadingHTTPServer.request_queue_size = 128
http.server.test(HandlerClass=functools.partial(http.server.SimpleHTTPRequestHandler,
	directory=sys.argv[2]), ServerClass=http.server.ThreadingHTTPServer,
	port=int(sys.argv[1]), bind="127.0.0.1")' "$caport" "$work/ca" >"$work/ca.log" 2>&1 &
pids="$pids $!"
wait_for 10 curl -sf "http://127.0.0.1:$caport/ca.pem"

# config/gardengate.conf for this run. quota: the defaults of the file, or
# "wide" for the throughput runs (one identity and one client send
# everything there); rate limits out of the way (one client is the load).
make_conf() { # FILE QUOTA
	sed -e "s|ca_bundle = \"[^\"]*\"|ca_bundle = \"$pki/ca.pem\"|" \
		-e "s|cert_url_prefixes = \[[^]]*\]|cert_url_prefixes = [ \"http://127.0.0.1:$caport/\" ]|" \
		-e "s|unix = \"[^\"]*\"|unix = \"$sock\"|" \
		-e "s|\"build/demo/pki/|\"$pki/|g" \
		-e "s|device_burst = [0-9]*; device_refill_ms = [0-9]*; client_burst = [0-9]*; client_refill_ms = [0-9]*;|device_burst = 1000000; device_refill_ms = 1; client_burst = 1000000; client_refill_ms = 1;|" \
		-e "s|challenge_ttl = [0-9]*;|challenge_ttl = 2;|" \
		config/gardengate.conf >"$1"
	# pending: at 2 s per challenge, 200000 capped the h2load run at
	# 100k challenges/s, past which the AuSF answered 503 (cheap, fast,
	# not challenges): the run measured the cap, not the POST path.
	if [ "$2" = wide ]; then
		sed -i "s|quota = {[^}]*};|quota = { pending = 1000000; per_client = 1000000; per_identity = 1000000; };|" "$1"
	fi
}

gg_pid=""
gg_start() { # NAME CONF [--sbi-h2c]
	redis-cli -s "$sock" FLUSHALL >/dev/null
	log=$work/$1.log
	"$gg" --no-huge --no-pci -m 512 -l 0-1 --file-prefix "ggperf-ausf-$$" -- \
		-f "$2" --n3 net_null_n3,no-rx=1 --n6 net_null_n6,no-rx=1 \
		--sbi-listen 127.0.0.1:0 ${3:-} >"$log" 2>&1 &
	gg_pid=$!
	wait_for 60 grep -q "session(s) restored" "$log" || { cat "$log"; exit 1; }
	sbi_port=$(sed -n 's/.*AuSF listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
	for t in /proc/$gg_pid/task/*; do
		case $(cat "$t/comm") in rte-worker-*) chrt --idle -p 0 "${t##*/}" ;; esac
	done
}
gg_stop() {
	kill "$gg_pid"
	wait "$gg_pid" 2>/dev/null || true
	rm -rf "/var/run/dpdk/ggperf-ausf-$$"
}
load() { # SCHEME ARGS...: gg-uesim load, JSON line out
	scheme=$1; shift
	tls=""
	[ "$scheme" = https ] && tls="--tls-ca $pki/nf-ca.pem --tls-cert $pki/nf-amf.pem --tls-key $pki/nf-amf.key"
	# shellcheck disable=SC2086
	on1 ${NICE:-} "$uesim" load --json --sbi "$scheme://127.0.0.1:$sbi_port" \
		--ca-cert "$pki/ca.pem" --ca-key "$pki/ca.key" --cert-dir "$work/ca/dev" \
		--cert-url "http://127.0.0.1:$caport/dev/" $tls "$@" | tail -1
}
field() { # JSON NAME
	printf '%s' "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"
}

# ---- AuSF, h2c: idle CPU, challenge POSTs, full authentications --------------------
make_conf "$work/wide.conf" wide
gg_start wide-h2c "$work/wide.conf" --sbi-h2c
t0=$(ticks "$gg_pid"); sleep 5; t1=$(ticks "$gg_pid")
idle_cpu=$(awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", d / hz / 5 * 100 }')
# Warm the certificate cache (and make the devices' keys and certificates).
load http --mode challenge --devices 200 --connections 4 --streams 4 --count 400 >/dev/null || true
body=$work/post.json
printf '{"supiOrSuci":"nai-load000000@maker.example","servingNetworkName":"5G:mnc001.mcc001.3gppnetwork.org","certificateUrl":"http://127.0.0.1:%s/dev/nai-load000000.pem","anTunnelInfo":{"ipv4Addr":"192.0.2.10","gtpTeid":"00001000"}}' \
	"$caport" >"$body"
# A count, not a duration: one client and one identity may make at most
# 1,000,000 attempts at once (the largest burst the configuration takes,
# refilled at 1000/s); past them the AuSF answers 429, cheap and not
# challenges, and the complete authentications measured next on this
# instance would meet an empty bucket.
c0=$(ticks $gg_pid)
post_res=$(h2run -c 4 -m 16 -n "${POSTS:-800000}" -d "$body" -H 'content-type: application/json' \
	"http://127.0.0.1:$sbi_port/nausf-auth/v1/ue-authentications")
post_cpu=$(($(ticks $gg_pid) - c0))
sleep 3 # the challenges expire (challenge_ttl 2)
c0=$(ticks $gg_pid)
full_h2c=$(load http --mode full --devices 200 --connections 4 --streams 8 \
	--count 0 --duration "$secs")
full_h2c_cpu=$(($(ticks $gg_pid) - c0))
gg_stop

# ---- AuSF, mutual TLS: full authentications ------------------------------------------
gg_start wide-tls "$work/wide.conf"
load https --mode challenge --devices 200 --connections 4 --streams 4 --count 400 >/dev/null || true
c0=$(ticks $gg_pid)
full_tls=$(load https --mode full --devices 200 --connections 4 --streams 8 \
	--count 0 --duration "$secs")
full_tls_cpu=$(($(ticks $gg_pid) - c0))
gg_stop

# ---- a flood of unconfirmed challenges from one client, and a device -----------------
# The file's quotas; the flood's 200 devices have good certificates (in
# the cache: it holds 256), so each challenge costs the AuSF a chain
# verification until a quota (quota.per_identity, then per_client)
# answers 429.
make_conf "$work/flood.conf" default
gg_start flood-h2c "$work/flood.conf" --sbi-h2c
load http --mode challenge --identity-prefix nai-flood --devices 200 \
	--connections 4 --streams 4 --count 400 >/dev/null || true
load http --mode full --identity-prefix nai-legit --devices 20 --count 20 \
	--bind 127.0.0.2 >/dev/null || true
sleep 3
flood_out=$work/flood.json
# The attacker at nice 10: on the shared CPU 1 it must not starve the
# measuring device (a machine of its own in reality) or Redis; it still
# takes every cycle they leave.
NICE="nice -n 10" load http --mode challenge --identity-prefix nai-flood --devices 200 \
	--connections 8 --streams 32 --count 0 --duration $((secs + 2)) >"$flood_out" &
flood_pid=$!
sleep 1
# One connection: at 20 flows/s more would sit idle and be closed by
# sbi.first_request_timeout_ms, as a silent socket should be.
legit=$(load http --mode full --identity-prefix nai-legit --devices 20 --rate 20 \
	--connections 1 --count 0 --duration "$secs" --bind 127.0.0.2)
wait $flood_pid || true
flood=$(cat "$flood_out")
gg_stop

# ---- the table -------------------------------------------------------------------------
python3 - "$verify" "$nghttpd_res" "$nghttpd_cpu" "$post_res" "$post_cpu" \
	"$full_h2c" "$full_h2c_cpu" "$full_tls" "$full_tls_cpu" "$flood" "$legit" \
	"$idle_cpu" "$secs" "$hz" <<'EOF'
import json, sys
a = sys.argv[1:]
hz = float(a[13])
verify = float(a[0] or 0)
def h2(res, cpu):
    ok, rps = res.split()
    return float(rps), float(ok) / (int(cpu) / hz) if int(cpu) else 0
ng_rps, ng_cpu = h2(a[1], a[2])
post_rps, post_cpu = h2(a[3], a[4])
def full(js, cpu):
    j = json.loads(js)
    return j, j["per_second"], j["ok"] / (int(cpu) / hz) if int(cpu) else 0
fh, fh_rps, fh_cpu = full(a[5], a[6])
ft, ft_rps, ft_cpu = full(a[7], a[8])
flood, legit = json.loads(a[9]), json.loads(a[10])
print("| measure | AuSF /s (wall) | AuSF per CPU-s | reference | reference | ratio | goal |")
print("|---|---|---|---|---|---|---|")
for name, w, c, rname, r, goal in (
        ("complete authentications, h2c", fh_rps, fh_cpu, "openssl ecdsap256 verify/s", verify,
         ">= 0.25"),
        ("complete authentications, mutual TLS", ft_rps, ft_cpu, "openssl ecdsap256 verify/s",
         verify, ">= 0.25"),
        ("challenge POSTs (h2load)", post_rps, post_cpu,
         "nghttpd static answer (h2load), per CPU-s", ng_cpu, ">= 0.5")):
    print("| %s | %.0f | %.0f | %s | %.0f | %.3f | %s |" % (name, w, c, rname, r,
          c / r if r else 0, goal))
print("| legitimate device p99 under a flood | %.1f ms | | flood: %.0f challenges/s 2xx, "
      "%d answers 4xx | | | < 100 ms |" % (legit["p99_ms"], flood["per_second"],
                                          flood["status"]["4xx"]))
print("| idle control lcore CPU | %s %% | | | | | not spinning |" % a[11])
print()
print("Ratios compare CPU seconds (openssl speed counts its own CPU time; the")
print("AuSF's is the control lcore thread's, nghttpd's its process's), so other")
print("load on the machine does not bias them; wall rates are for reference.")
print("nghttpd wall rate %.0f req/s. Latency of complete authentications: h2c p50 %.1f /"
      " p99 %.1f ms, TLS p50 %.1f / p99 %.1f ms." % (ng_rps, fh["p50_ms"], fh["p99_ms"],
                                                     ft["p50_ms"], ft["p99_ms"]))
print("Legitimate device under the flood: %d ok, %d failed at 20/s, p50 %.1f ms, p999 %.1f ms;"
      " %s s per measurement." % (legit["ok"], legit["failed"], legit["p50_ms"],
                                  legit["p999_ms"], a[12]))
EOF
cat <<EOF

Layout: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg).
  CPU 0: gardengate's control lcore (the AuSF, its SBI, store and fetch
         clients), nghttpd for its reference, openssl speed.
  CPU 1: gardengate's worker lcore (SCHED_IDLE), redis-server (AOF
         everysec), the certificate server (python3 http.server), h2load,
         gg-uesim load (the devices' signatures are made there too; the
         flooding client at nice 10).
EOF
