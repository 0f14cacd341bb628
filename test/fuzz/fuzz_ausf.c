/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for lib/ausf's request handling: the input is a
 * request's body (and for some, its path), sent as a well-formed HTTP/2
 * request (built by nghttp2's client side) to a real SBI server whose
 * handler is the AuSF, over loopback (fuzz_h2.h). The AuSF has its real
 * dependencies: a session table (EAL without hugepages), the memory
 * store, the certificate fetcher (allowed prefix http://127.0.0.1:9/ca/,
 * a closed port: a URL the fuzzer gets right fails fast, 502) and the
 * test PKI's trust anchor. Its rate limits are set out of reach.
 *
 * Input: octet 0 picks the request.
 *   0       POST to the collection, the rest is the JSON body
 *   1, 2, 3 PUT, GET, DELETE; the rest is the path, a newline, the body
 *
 * Invariants: every request gets a final status (200-599) within the
 * exchange, or a stream reset when nghttp2 refuses what was sent as not
 * HTTP (e.g. a control octet in the path); every error (4xx, 5xx) is an
 * application/problem+json document; the server closes the connection
 * and frees everything (ASan's leak check).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "gg_auth.h"
#include "gg_ausf.h"
#include "gg_fetch.h"
#include "gg_session.h"
#include "gg_store.h"
#include "fuzz_h2.h"

static struct h2_peer peer;
static struct gg_ausf *ausf;

/* One request on the client side, and what came back. */
struct client {
	nghttp2_session *h2;
	const uint8_t *body;
	size_t body_len, body_off;
	int status;
	int problem_json;
	int closed;
	uint32_t reset;      /* RST_STREAM's error code, when reset */
};

static ssize_t
body_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len,
		uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	struct client *c = ud;
	size_t n = c->body_len - c->body_off;

	(void)s;
	(void)id;
	(void)src;
	if (n > len)
		n = len;
	memcpy(buf, c->body + c->body_off, n);
	c->body_off += n;
	if (c->body_off == c->body_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static int
on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
		size_t nl, const uint8_t *value, size_t vl, uint8_t flags, void *ud)
{
	struct client *c = ud;

	(void)s;
	(void)f;
	(void)flags;
	if (nl == 7 && memcmp(name, ":status", 7) == 0 && vl == 3)
		c->status = (value[0] - '0') * 100 + (value[1] - '0') * 10 +
				(value[2] - '0');
	else if (nl == 12 && memcmp(name, "content-type", 12) == 0)
		c->problem_json = vl == 24 &&
				memcmp(value, "application/problem+json", 24) == 0;
	return 0;
}

static int
on_close(nghttp2_session *s, int32_t id, uint32_t err, void *ud)
{
	(void)s;
	(void)id;
	((struct client *)ud)->closed = 1;
	((struct client *)ud)->reset = err;
	return 0;
}

static int
on_recv(const uint8_t *buf, size_t n, void *arg)
{
	struct client *c = arg;

	if (nghttp2_session_mem_recv(c->h2, buf, n) < 0)
		return 1;
	return c->closed;
}

static void
setup_ausf(void)
{
	static const char *const prefixes[] = { "http://127.0.0.1:9/ca/" };
	struct gg_session_table_params sp = {
		.name = "fz", .capacity = 64, .n_workers = 1,
		.socket_id = SOCKET_ID_ANY,
	};
	struct gg_fetch_params fp = {
		.prefixes = prefixes, .n_prefixes = 1,
		.timeout_ms = 200, .connect_timeout_ms = 100, .no_cache = true,
	};
	struct gg_store_params stp = { .backend = "memory", .prefix = "fz:" };
	struct gg_ausf_params ap = {
		.n3_ipv4 = htonl(0xc0000201), .ue_pool_ipv4 = htonl(0x0a2e0000),
		.ue_pool_len = 16, .challenge_ttl_ms = 1000,
		.device_burst = 1000000000, .device_refill_ms = 1,
		.client_burst = 1000000000, .client_refill_ms = 1,
	};
	struct gg_ausf_deps d = { .loop = peer.loop };
	struct rte_rcu_qsbr *qsv;
	char err[256];

	qsv = rte_zmalloc("fz_qsv", rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE),
			RTE_CACHE_LINE_SIZE);
	FUZZ_CHECK(qsv != NULL && rte_rcu_qsbr_init(qsv, RTE_MAX_LCORE) == 0);
	sp.qsv = qsv;
	d.sessions = gg_session_table_create(&sp);
	d.fetch = gg_fetch_create(peer.loop, &fp);
	d.trust = gg_auth_trust_load(GG_FUZZ_DATA "/auth-ca.pem", err, sizeof(err));
	FUZZ_CHECK(d.sessions != NULL && d.fetch != NULL && d.trust != NULL);
	ausf = gg_ausf_create(&ap, &d);
	FUZZ_CHECK(ausf != NULL);
	stp.state_cb = gg_ausf_store_state;
	stp.state_arg = ausf;
	d.store = gg_store_open(&stp, peer.loop);
	FUZZ_CHECK(d.store != NULL);
	gg_ausf_set_store(ausf, d.store);
}

static void
handler(struct gg_sbi_request *req, void *arg)
{
	gg_ausf_handle(req, arg);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char lcore[16], prefix[48];
	char *eal_args[] = {
		"fuzz_ausf", "--no-huge", "--no-pci", "--no-shconf",
		"--no-telemetry", "-m", "128", "-l", lcore,
		"--file-prefix", prefix, "--log-level", "*:error",
	};
	cpu_set_t set;
	int cpu = 0;

	(void)argc;
	(void)argv;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &set))
			cpu++;
	snprintf(lcore, sizeof(lcore), "%d", cpu);
	snprintf(prefix, sizeof(prefix), "gg-fuzz-ausf-%d", (int)getpid());
	FUZZ_CHECK(rte_eal_init(RTE_DIM(eal_args), eal_args) >= 0);
	peer.loop = gg_evloop_create();
	FUZZ_CHECK(peer.loop != NULL);
	setup_ausf();
	h2_start(&peer, handler, ausf);
	/* The memory store comes up on the loop. */
	gg_evloop_run_once(peer.loop, 0);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "POST", "PUT", "GET", "DELETE" };
	char path[1024] = GG_AUSF_ROOT;
	nghttp2_session_callbacks *cbs;
	struct client c = { 0 };
	nghttp2_data_provider dp = { .read_callback = body_read };
	uint8_t *out = NULL;
	size_t out_len = 0;
	const uint8_t *nl;
	int32_t id;

	if (size < 1)
		return 0;
	c.body = data + 1;
	c.body_len = size - 1;
	if (data[0] & 3) {
		nl = memchr(data + 1, '\n', size - 1);
		if (nl == NULL || nl == data + 1 || (size_t)(nl - data - 1) >= sizeof(path))
			return 0;
		memcpy(path, data + 1, nl - data - 1);
		path[nl - data - 1] = '\0';
		c.body = nl + 1;
		c.body_len = size - (size_t)(nl + 1 - data);
	}
	{
		const nghttp2_nv nva[] = {
#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), \
		NGHTTP2_NV_FLAG_NONE }
			NV(":method", methods[data[0] & 3]),
			NV(":scheme", "http"),
			NV(":authority", "127.0.0.1"),
			NV(":path", path),
			NV("content-type", "application/json"),
#undef NV
		};

		FUZZ_CHECK(nghttp2_session_callbacks_new(&cbs) == 0);
		nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
		nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_close);
		FUZZ_CHECK(nghttp2_session_client_new(&c.h2, cbs, &c) == 0);
		nghttp2_session_callbacks_del(cbs);
		FUZZ_CHECK(nghttp2_submit_settings(c.h2, NGHTTP2_FLAG_NONE, NULL, 0) == 0);
		id = nghttp2_submit_request(c.h2, NULL, nva, RTE_DIM(nva),
				c.body_len > 0 ? &dp : NULL, &c);
		if (id < 0) {
			/* nghttp2 refuses a path it would not send: not ours. */
			nghttp2_session_del(c.h2);
			return 0;
		}
	}
	for (;;) {
		const uint8_t *p;
		ssize_t n = nghttp2_session_mem_send(c.h2, &p);

		FUZZ_CHECK(n >= 0);
		if (n == 0)
			break;
		out = realloc(out, out_len + n);
		FUZZ_CHECK(out != NULL);
		memcpy(out + out_len, p, n);
		out_len += n;
	}
	FUZZ_CHECK(h2_exchange(&peer, out, out_len, 0, on_recv, &c) == 0);
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%s %s: %d%s\n", methods[data[0] & 3], path,
				c.status, c.problem_json ? " problem" : "");
	/* Every request is answered, errors as ProblemDetails; a request
	 * that is not HTTP (a path nghttp2's server refuses) may be reset. */
	FUZZ_CHECK((c.status >= 200 && c.status <= 599) ||
			(c.closed && c.reset != 0 && c.status == 0));
	if (c.status >= 400)
		FUZZ_CHECK(c.problem_json);
	free(out);
	nghttp2_session_del(c.h2);
	return 0;
}
