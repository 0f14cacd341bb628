/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * perf_micro: TSC cycles per operation of the data plane's building blocks,
 * each in a tight loop on one core (the EAL main lcore, CPU 1):
 *
 *   gtpu_parse        gg_gtpu_parse() of a bare G-PDU header, and of one
 *                     with a UL PDU Session Container
 *   lookup_teid/ue    gg_session_lookup_{teid,ue}_bulk() in bursts of 32
 *                     random keys of a table holding 1k, 100k or 1M
 *                     sessions, keys spread over the whole table; reported
 *                     per key
 *   garden_ip         gg_garden_match_ip(): hit (the portal), miss
 *   garden_name       gg_garden_match_name(): hit (a subdomain of a garden
 *                     name), miss
 *   garden_wire       gg_garden_match_wire(), the data plane's: the same
 *                     names in the wire form a query carries (mixed case)
 *   dns_forge         gg_dns_parse_query() + gg_dns_forge_answer() on a
 *                     copy of an A query (the copy included)
 *   http_syn          gg_http_handle() of a SYN: the SYN-ACK (copy included)
 *   http_get          gg_http_handle() of a GET carrying a valid cookie:
 *                     the 302 and FIN (copy included)
 *   tcp_rst           gg_tcp_rst() of a SYN (copy included)
 *
 * Each figure is the median (and minimum) over repetitions of many
 * operations, timed with rte_rdtsc_precise(). The verdicts are checked:
 * exit 1 if any operation did not do what it is measured for.
 *
 * Usage: perf_micro [--quick] [--json FILE] [--only NAME] [--tsc-hz]
 */
#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_random.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "gg_dns.h"
#include "gg_garden.h"
#include "gg_gtpu.h"
#include "gg_http.h"
#include "gg_session.h"

#define BURST 32
#define MAX_RESULTS 64

struct result {
	char name[48];
	double median;
	double min;
	uint64_t ops;
};

static struct result results[MAX_RESULTS];
static unsigned int n_results;
static int failures;
static int quick;
static const char *only;
static volatile uint64_t sink;

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
wanted(const char *name)
{
	return only == NULL || strncmp(name, only, strlen(only)) == 0;
}

static void
record(const char *name, double *per_op, unsigned int reps, uint64_t ops)
{
	struct result *r;

	if (n_results == MAX_RESULTS)
		return;
	qsort(per_op, reps, sizeof(per_op[0]), cmp_double);
	r = &results[n_results++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->median = per_op[reps / 2];
	r->min = per_op[0];
	r->ops = ops;
	printf("%-28s %9.1f %9.1f   %" PRIu64 " ops\n", r->name, r->median, r->min, ops);
	fflush(stdout);
}

static void
fail(const char *what)
{
	fprintf(stderr, "perf_micro: %s\n", what);
	failures++;
}

#define REPS 9

/* Time @p body @p iters times per repetition, REPS repetitions. */
#define BENCH(name, iters, body) do { \
	double per_[REPS]; \
	unsigned int r_; \
	uint64_t i_, n_ = (iters); \
	for (i_ = 0; i_ < n_ / 8 + 1; i_++) { body; } \
	for (r_ = 0; r_ < REPS; r_++) { \
		uint64_t t0_ = rte_rdtsc_precise(); \
		for (i_ = 0; i_ < n_; i_++) { body; } \
		per_[r_] = (double)(rte_rdtsc_precise() - t0_) / n_; \
	} \
	record(name, per_, REPS, n_ * REPS); \
} while (0)

/* ------------------------------------------------------------------ */
/* GTP-U */

static void
bench_gtpu(void)
{
	/* bare G-PDU: flags 0x30, type 255, length 100 */
	static uint8_t plain[8 + 100] = { 0x30, 0xff, 0x00, 100, 0x12, 0x34, 0x56, 0x78 };
	/* E=1, 4 optional octets, next 0x85, one-unit UL PDU Session Container */
	static uint8_t qfi[16 + 100] = { 0x34, 0xff, 0x00, 108, 0x12, 0x34, 0x56, 0x78,
		0, 0, 0, 0x85, 1, 0x10, 0x09, 0 };
	struct gg_gtpu_info info;

	if (!wanted("gtpu"))
		return;
	if (gg_gtpu_parse(plain, sizeof(plain), &info) != GG_GTPU_OK ||
			info.teid != 0x12345678 || info.hdr_len != 8)
		fail("gtpu_parse plain: not a G-PDU");
	if (gg_gtpu_parse(qfi, sizeof(qfi), &info) != GG_GTPU_OK || info.qfi != 9 ||
			info.hdr_len != 16)
		fail("gtpu_parse qfi: not a G-PDU with QFI 9");
	BENCH("gtpu_parse_plain", quick ? 200000 : 2000000,
		gg_gtpu_parse(plain, sizeof(plain), &info); sink += info.teid);
	BENCH("gtpu_parse_pdu_session", quick ? 200000 : 2000000,
		gg_gtpu_parse(qfi, sizeof(qfi), &info); sink += info.teid);
}

/* ------------------------------------------------------------------ */
/* Session tables */

static uint32_t
capacity_for(uint32_t n)
{
	uint32_t c = 65534;

	while (c < n)
		c = c * 2 + 2;
	return c;
}

static void
bench_lookup(struct rte_rcu_qsbr *qsv, uint32_t n_sessions, const char *tag)
{
	struct gg_session_table_params p = {
		.name = "perf", .capacity = capacity_for(n_sessions), .n_workers = 1,
		.socket_id = SOCKET_ID_ANY, .qsv = qsv,
	};
	const unsigned int n_keys = quick ? 1u << 16 : 1u << 18;
	struct gg_session *found[BURST];
	struct gg_session_table *t;
	uint32_t *teids, *ues, *kt, *ku;
	char name[48];
	uint32_t i, added = 0;
	uint64_t b;

	snprintf(name, sizeof(name), "lookup_teid_%s", tag);
	if (!wanted(name) && !wanted("lookup"))
		return;
	t = gg_session_table_create(&p);
	teids = malloc(n_sessions * sizeof(*teids));
	ues = malloc(n_sessions * sizeof(*ues));
	kt = malloc(n_keys * sizeof(*kt));
	ku = malloc(n_keys * sizeof(*ku));
	if (t == NULL || teids == NULL || ues == NULL || kt == NULL || ku == NULL) {
		fail("lookup: out of memory");
		goto out;
	}
	/* Random TEIDs and UE addresses (10.64.0.0/10), as the pcaps have. */
	while (added < n_sessions) {
		struct gg_session s = {
			.ul_teid = (uint32_t)rte_rand() | 1,
			.ue_ipv4 = rte_cpu_to_be_32((10u << 24) | (64u << 16) |
				(uint32_t)rte_rand_max(1u << 22)),
			.gnb_ipv4 = rte_cpu_to_be_32(0xc000020a), .dl_teid = 1,
			.state = GG_SESSION_FULL,
		};
		if (gg_session_add(t, &s) >= 0) {
			teids[added] = s.ul_teid;
			ues[added++] = s.ue_ipv4;
		}
	}
	for (i = 0; i < n_keys; i++) {
		uint32_t k = (uint32_t)rte_rand_max(n_sessions);

		kt[i] = teids[k];
		ku[i] = ues[k];
	}
	for (i = 0; i < n_keys; i += BURST) {
		unsigned int j;

		gg_session_lookup_teid_bulk(t, kt + i, BURST, found);
		for (j = 0; j < BURST; j++)
			if (found[j] == NULL || found[j]->ul_teid != kt[i + j])
				fail("lookup_teid: a session was not found");
		gg_session_lookup_ue_bulk(t, ku + i, BURST, found);
		for (j = 0; j < BURST; j++)
			if (found[j] == NULL || found[j]->ue_ipv4 != ku[i + j])
				fail("lookup_ue: a session was not found");
	}
	/* per key: one "operation" is a burst, divided below */
	{
		double per[REPS];
		unsigned int r;

		for (r = 0; r < REPS; r++) {
			uint64_t t0 = rte_rdtsc_precise();

			for (b = 0; b < n_keys; b += BURST) {
				gg_session_lookup_teid_bulk(t, kt + b, BURST, found);
				sink += (uintptr_t)found[b & (BURST - 1)];
			}
			per[r] = (double)(rte_rdtsc_precise() - t0) / n_keys;
		}
		record(name, per, REPS, (uint64_t)n_keys * REPS);
		snprintf(name, sizeof(name), "lookup_ue_%s", tag);
		for (r = 0; r < REPS; r++) {
			uint64_t t0 = rte_rdtsc_precise();

			for (b = 0; b < n_keys; b += BURST) {
				gg_session_lookup_ue_bulk(t, ku + b, BURST, found);
				sink += (uintptr_t)found[b & (BURST - 1)];
			}
			per[r] = (double)(rte_rdtsc_precise() - t0) / n_keys;
		}
		record(name, per, REPS, (uint64_t)n_keys * REPS);
	}
	printf("%-28s %9zu bytes/session (capacity %u)\n", "  session tables",
			gg_session_table_bytes_per_session(t), p.capacity);
out:
	gg_session_table_free(t);
	free(teids);
	free(ues);
	free(kt);
	free(ku);
}

/* ------------------------------------------------------------------ */
/* Walled garden */

static void
bench_garden(struct rte_rcu_qsbr *qsv)
{
	struct gg_garden_params gp = {
		.name = "perf", .max_rules = 64, .max_names = 64, .max_learned = 65536,
		.min_ttl = 30, .max_ttl = 3600, .socket_id = SOCKET_ID_ANY, .qsv = qsv,
	};
	static const char hit_name[] = "www.portal.example";
	static const char miss_name[] = "www123.example.com";
	/* The same names as a query carries them, in the 0x20 mixed case. */
	static const uint8_t hit_wire[] = "\3wWw\6PorTal\7exAMple";
	static const uint8_t miss_wire[] = "\6wWw123\7exAMple\3cOm";
	uint32_t portal = rte_cpu_to_be_32(0xcb007150);   /* 203.0.113.80 */
	uint32_t outside = rte_cpu_to_be_32(0xc63364c8);  /* 198.51.100.200 */
	uint32_t resolver = rte_cpu_to_be_32(0xcb007135); /* 203.0.113.53 */
	struct gg_garden *g;
	uint64_t now;

	if (!wanted("garden"))
		return;
	g = gg_garden_create(&gp);
	if (g == NULL) {
		fail("garden: create failed");
		return;
	}
	/* The default configuration's garden. */
	if (gg_garden_add_prefix(g, resolver, 32, GG_GARDEN_PROTO_UDP, 53, 53) < 0 ||
			gg_garden_add_prefix(g, resolver, 32, GG_GARDEN_PROTO_TCP, 53, 53) < 0 ||
			gg_garden_add_prefix(g, portal, 32, GG_GARDEN_PROTO_ANY, 0, 65535) < 0 ||
			gg_garden_add_name(g, "portal.example") < 0 ||
			gg_garden_add_name(g, "ca.example") < 0)
		fail("garden: setup failed");
	now = gg_garden_clock_s();
	if (!gg_garden_match_ip(g, 7, portal, IPPROTO_TCP, 443, now) ||
			gg_garden_match_ip(g, 7, outside, IPPROTO_TCP, 80, now) ||
			!gg_garden_match_name(g, hit_name, sizeof(hit_name) - 1) ||
			gg_garden_match_name(g, miss_name, sizeof(miss_name) - 1) ||
			!gg_garden_match_wire(g, hit_wire, sizeof(hit_wire)) ||
			gg_garden_match_wire(g, miss_wire, sizeof(miss_wire)))
		fail("garden: wrong verdicts");
	BENCH("garden_match_ip_hit", quick ? 200000 : 2000000,
		sink += gg_garden_match_ip(g, 7, portal, IPPROTO_TCP, 443, now));
	BENCH("garden_match_ip_miss", quick ? 200000 : 2000000,
		sink += gg_garden_match_ip(g, 7, outside, IPPROTO_TCP, 80, now));
	BENCH("garden_match_name_hit", quick ? 200000 : 2000000,
		sink += gg_garden_match_name(g, hit_name, sizeof(hit_name) - 1));
	BENCH("garden_match_name_miss", quick ? 200000 : 2000000,
		sink += gg_garden_match_name(g, miss_name, sizeof(miss_name) - 1));
	/* sizeof: the string's NUL is the root octet. */
	BENCH("garden_match_wire_hit", quick ? 200000 : 2000000,
		sink += gg_garden_match_wire(g, hit_wire, sizeof(hit_wire)));
	BENCH("garden_match_wire_miss", quick ? 200000 : 2000000,
		sink += gg_garden_match_wire(g, miss_wire, sizeof(miss_wire)));
	gg_garden_free(g);
}

/* ------------------------------------------------------------------ */
/* DNS */

static size_t
dns_query(uint8_t *b, const char *name)
{
	size_t off = 12;
	const char *p = name;

	memset(b, 0, 12);
	b[0] = 0x12; b[1] = 0x34;   /* ID */
	b[2] = 0x01;                /* RD */
	b[5] = 1;                   /* QDCOUNT */
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		b[off++] = (uint8_t)l;
		memcpy(b + off, p, l);
		off += l;
		p += l + (dot ? 1 : 0);
	}
	b[off++] = 0;
	b[off++] = 0; b[off++] = 1; /* A */
	b[off++] = 0; b[off++] = 1; /* IN */
	return off;
}

static void
bench_dns(void)
{
	uint8_t query[512], buf[1500];
	struct gg_dns_forge f = {
		.portal_ipv4 = rte_cpu_to_be_32(0xcb007150), .other_rcode = 3,
		.edns_udp_size = 1232, .ttl = 10,
	};
	struct gg_dns_query q;
	size_t len = dns_query(query, "www123.example.com");

	if (!wanted("dns"))
		return;
	memcpy(buf, query, len);
	if (gg_dns_parse_query(buf, len, &q) != GG_DNS_OK ||
			gg_dns_forge_answer(buf, len, sizeof(buf), &q, &f) == 0)
		fail("dns: query not answered");
	BENCH("dns_parse_query", quick ? 200000 : 2000000,
		sink += gg_dns_parse_query(query, len, &q) + q.qtype);
	BENCH("dns_parse_and_forge", quick ? 200000 : 2000000,
		memcpy(buf, query, len);
		gg_dns_parse_query(buf, len, &q);
		sink += gg_dns_forge_answer(buf, len, sizeof(buf), &q, &f));
}

/* ------------------------------------------------------------------ */
/* HTTP redirect */

/* An IPv4/TCP segment from the device to 198.51.100.200:80, checksummed. */
static uint16_t
tcp_segment(uint8_t *b, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t dport,
		const char *payload)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)b;
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);
	size_t plen = payload ? strlen(payload) : 0;
	uint16_t tlen = (uint16_t)(sizeof(*ip) + sizeof(*tcp) + plen);

	memset(b, 0, tlen);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(tlen);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(0x0a400002);     /* 10.64.0.2 */
	ip->dst_addr = rte_cpu_to_be_32(0xc63364c8);     /* 198.51.100.200 */
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->src_port = rte_cpu_to_be_16(40000);
	tcp->dst_port = rte_cpu_to_be_16(dport);
	tcp->sent_seq = rte_cpu_to_be_32(seq);
	tcp->recv_ack = rte_cpu_to_be_32(ack);
	tcp->data_off = 5 << 4;
	tcp->tcp_flags = flags;
	tcp->rx_win = rte_cpu_to_be_16(65535);
	if (plen)
		memcpy(tcp + 1, payload, plen);
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	return tlen;
}

static void
bench_http(void)
{
	static const uint8_t secret[GG_HTTP_SECRET_LEN] = "perf-perf-perf!";
	static const char get[] = "GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n"
		"User-Agent: perf\r\nAccept: */*\r\n\r\n";
	struct gg_http_redirect cfg;
	uint8_t syn[64], getp[256], buf[1600];
	uint16_t syn_len, get_len, len;
	uint32_t cookie;
	uint64_t now = gg_garden_clock_s();

	if (!wanted("http") && !wanted("tcp"))
		return;
	if (gg_http_redirect_init(&cfg, secret, 1400,
			"http://portal.example/signup?orig={url}") != 0) {
		fail("http: init failed");
		return;
	}
	syn_len = tcp_segment(syn, RTE_TCP_SYN_FLAG, 1000, 0, 80, NULL);
	memcpy(buf, syn, syn_len);
	len = syn_len;
	if (gg_http_handle(&cfg, buf, &len, sizeof(buf), now) != GG_HTTP_SYNACK) {
		fail("http: SYN not answered with a SYN-ACK");
		return;
	}
	cookie = rte_be_to_cpu_32(((struct rte_tcp_hdr *)(buf + 20))->sent_seq);
	get_len = tcp_segment(getp, RTE_TCP_PSH_FLAG | RTE_TCP_ACK_FLAG, 1001, cookie + 1,
			80, get);
	memcpy(buf, getp, get_len);
	len = get_len;
	if (gg_http_handle(&cfg, buf, &len, sizeof(buf), now) != GG_HTTP_REDIRECT)
		fail("http: GET with the cookie not redirected");
	memcpy(buf, syn, syn_len);
	len = syn_len;
	if (gg_tcp_rst(buf, &len, sizeof(buf)) != GG_HTTP_RST_REFUSED)
		fail("tcp_rst: no RST");

	BENCH("http_syn_to_synack", quick ? 100000 : 1000000,
		memcpy(buf, syn, syn_len); len = syn_len;
		sink += gg_http_handle(&cfg, buf, &len, sizeof(buf), now));
	BENCH("http_get_to_302", quick ? 100000 : 1000000,
		memcpy(buf, getp, get_len); len = get_len;
		sink += gg_http_handle(&cfg, buf, &len, sizeof(buf), now));
	BENCH("tcp_rst", quick ? 100000 : 1000000,
		memcpy(buf, syn, syn_len); len = syn_len;
		sink += gg_tcp_rst(buf, &len, sizeof(buf)));
}

/* ------------------------------------------------------------------ */

static void
write_json(const char *path, uint64_t hz)
{
	FILE *f = fopen(path, "w");
	unsigned int i;

	if (f == NULL) {
		perror(path);
		failures++;
		return;
	}
	fprintf(f, "{\"tsc_hz\": %" PRIu64 ", \"unit\": \"TSC cycles/operation\", "
			"\"results\": {", hz);
	for (i = 0; i < n_results; i++)
		fprintf(f, "%s\n \"%s\": {\"median\": %.2f, \"min\": %.2f}", i ? "," : "",
				results[i].name, results[i].median, results[i].min);
	fprintf(f, "}, \"failures\": %d}\n", failures);
	fclose(f);
}

/* EAL clean-up, and our runtime directory (/var/run/dpdk/<prefix>) too. */
static void
cleanup(void)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX + 256];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "json", required_argument, NULL, 'j' },
		{ "only", required_argument, NULL, 'o' },
		{ "tsc-hz", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "1024", "-l", "1",
		"--no-telemetry", "--file-prefix", prefix, "--log-level", "*:warning",
		NULL };
	const char *json = NULL;
	struct rte_rcu_qsbr *qsv;
	int c, tsc_only = 0;
	uint64_t hz;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'q': quick = 1; break;
		case 'j': json = optarg; break;
		case 'o': only = optarg; break;
		case 't': tsc_only = 1; break;
		default:
			fprintf(stderr, "usage: %s [--quick] [--json FILE] [--only NAME] "
					"[--tsc-hz]\n", argv[0]);
			return 2;
		}
	}
	snprintf(prefix, sizeof(prefix), "ggperf-micro-%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "perf_micro: EAL init failed\n");
		return 1;
	}
	hz = rte_get_tsc_hz();
	printf("tsc_hz %" PRIu64 "\n", hz);
	if (tsc_only) {
		cleanup();
		return 0;
	}
	qsv = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE), RTE_CACHE_LINE_SIZE);
	if (qsv == NULL || rte_rcu_qsbr_init(qsv, RTE_MAX_LCORE) != 0) {
		fprintf(stderr, "perf_micro: no QSBR variable\n");
		return 1;
	}
	rte_srand(7);
	printf("%-28s %9s %9s   (TSC cycles/operation, lcore %u)\n", "benchmark", "median",
			"min", rte_lcore_id());
	bench_gtpu();
	bench_lookup(qsv, 1000, "1k");
	bench_lookup(qsv, 100000, "100k");
	bench_lookup(qsv, 1000000, "1M");
	bench_garden(qsv);
	bench_dns();
	bench_http();
	if (json)
		write_json(json, hz);
	rte_free(qsv);
	cleanup();
	if (failures)
		fprintf(stderr, "perf_micro: %d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
