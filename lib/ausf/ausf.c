/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The AuSF: the one-way authentication resources (doc/ausf-api.rst) and the
 * life of a device's session from its authentication to its detach.
 *
 *   POST   .../ue-authentications              validate, rate-limit, fetch the
 *                                              certificate (async), verify it,
 *                                              answer 201 with a challenge
 *   PUT    .../{id}/one-way-confirmation       verify the signature (the
 *                                              challenge is used up either way),
 *                                              install a LIMITED session, store
 *                                              the record (async), answer 200
 *   GET    .../{id}                            the context and its session
 *   GET    .../{id}/profile                    the signed-up profile (fallback
 *                                              of the push, ausf_push.c)
 *   DELETE .../{id}                            remove the record (async), then
 *                                              the session; 204
 *
 * Ordering rules that keep the store and the data plane consistent: a
 * session is installed before its record is written and removed if the
 * write fails; a detach deletes the record first and removes the session
 * only once that succeeded. A device that authenticates again replaces its
 * older session once the new record is stored.
 *
 * This file routes the requests and holds the AuSF's life (create, the
 * expiry sweep, free); each resource has a file of its own: ausf_post.c,
 * ausf_confirm.c, ausf_context.c (GET, DELETE), ausf_push.c (profile),
 * ausf_store.c (restore, events), ausf_ctx.c (contexts and their table).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <jansson.h>
#include <rte_log.h>

#include "gg_evloop.h"
#include "gg_fetch.h"
#include "gg_garden.h"
#include "gg_pool.h"
#include "gg_sbi.h"
#include "gg_session.h"
#include "ausf_private.h"

#define LOG(level, ...) RTE_LOG(level, USER1, "ausf: " __VA_ARGS__)

/* The sweep's period when it has nothing left to do, and its work bound per
 * round: a backlog (thousands of challenges expiring together) is worked
 * off SWEEP_BATCH at a time with SWEEP_BUSY_MS between rounds, so the loop
 * keeps serving the SBI, the store and the timers meanwhile. */
#define SWEEP_MS 250
#define SWEEP_BUSY_MS 1
#define SWEEP_BATCH 256
/* An expired challenge still answers 410 (not 404) this long, as a
 * tombstone without its slot or certificate; then it goes (sooner when
 * there are more than max_pending tombstones). */
#define EXPIRED_KEEP_MS 60000

/* ---- routing ----------------------------------------------------------- */

void
gg_ausf_handle(struct gg_sbi_request *req, void *arg)
{
	struct gg_ausf *a = arg;
	const char *method = gg_sbi_request_method(req);
	const char *path = gg_sbi_request_path(req);
	size_t root = strlen(GG_AUSF_ROOT);
	char id[CTX_ID_LEN + 1];
	const char *rest, *slash;
	struct ctx *c;

	if (strncmp(path, GG_AUSF_ROOT, root) != 0 ||
			(path[root] != '\0' && path[root] != '/')) {
		a->st.rejected_request++;
		gg_sbi_problem(req, 404, "RESOURCE_URI_STRUCTURE_NOT_FOUND",
				"no such resource", NULL);
		return;
	}
	if (path[root] == '\0' || strcmp(path + root, "/") == 0) {
		if (strcmp(method, "POST") == 0) {
			handle_create(a, req);
			return;
		}
		a->st.rejected_request++;
		gg_sbi_method_not_allowed(req, "POST");
		return;
	}
	rest = path + root + 1;
	slash = strchr(rest, '/');
	if ((slash != NULL ? (size_t)(slash - rest) : strlen(rest)) != CTX_ID_LEN) {
		c = NULL;
	} else {
		memcpy(id, rest, CTX_ID_LEN);
		id[CTX_ID_LEN] = '\0';
		c = ctx_by_id(&a->ctx, id);
	}
	/* A context belongs to the client that created it (its certificate
	 * with mutual TLS, else its address): anyone else is told it does
	 * not exist, so ids cannot be probed. The record keeps the creator
	 * (auth_client), so a restored context stays its alone; one restored
	 * from a record without it stays open. */
	if (c != NULL && c->client[0] != '\0' &&
			strcmp(c->client, gg_sbi_request_client(req)) != 0) {
		a->st.rejected_owner++;
		c = NULL;
	}
	if (c == NULL || (slash != NULL && strcmp(slash, "/one-way-confirmation") != 0 &&
			strcmp(slash, "/profile") != 0)) {
		a->st.rejected_request++;
		gg_sbi_problem(req, 404, "CONTEXT_NOT_FOUND",
				"no such authentication context", NULL);
		return;
	}
	if (slash != NULL && strcmp(slash, "/profile") == 0) {
		if (strcmp(method, "GET") == 0) {
			handle_profile_get(a, req, c);
		} else {
			a->st.rejected_request++;
			gg_sbi_method_not_allowed(req, "GET");
		}
		return;
	}
	if (slash != NULL && strcmp(method, "PUT") == 0)
		handle_confirm(a, req, c);
	else if (slash == NULL && strcmp(method, "GET") == 0)
		handle_get(a, req, c);
	else if (slash == NULL && strcmp(method, "DELETE") == 0)
		handle_delete(a, req, c);
	else {
		a->st.rejected_request++;
		gg_sbi_method_not_allowed(req,
				slash != NULL ? "PUT" : "GET, DELETE");
	}
}
/* ---- life -------------------------------------------------------------- */

/*
 * Expire challenges nobody answered (their slots and quotas come back at
 * once) and drop old tombstones; at most SWEEP_BATCH contexts per round,
 * each O(1).
 */
static uint64_t
sweep(struct gg_evloop *loop, void *arg)
{
	struct gg_ausf *a = arg;
	uint64_t now = gg_evloop_now_ms();
	unsigned int n = 0;
	struct ctx *c;

	(void)loop;
	while (n < SWEEP_BATCH && (c = TAILQ_FIRST(&a->ctx.challenged)) != NULL &&
			now >= c->expires_ms) {
		ctx_expire(a, c, now + EXPIRED_KEEP_MS);
		n++;
	}
	while (n < SWEEP_BATCH && (c = TAILQ_FIRST(&a->ctx.expired)) != NULL &&
			(now >= c->expires_ms || a->ctx.n_expired > a->p.max_pending)) {
		ctx_free(a, c, true);
		n++;
	}
	if (n > a->st.sweep_max_round)
		a->st.sweep_max_round = n;
	return n == SWEEP_BATCH ? SWEEP_BUSY_MS : SWEEP_MS;
}

struct gg_ausf *
gg_ausf_create(const struct gg_ausf_params *p, const struct gg_ausf_deps *d)
{
	struct gg_auth_ratelimit_params rp = { 0 };
	struct gg_ausf *a;

	if (p == NULL || d == NULL || d->loop == NULL || d->fetch == NULL ||
			d->trust == NULL || d->sessions == NULL) {
		errno = EINVAL;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->p = *p;
	a->d = *d;
	a->store_state = -1;
	a->rnd_off = sizeof(a->rnd);
#define DEFAULT(f, v) do { if (a->p.f == 0) a->p.f = (v); } while (0)
	DEFAULT(challenge_ttl_ms, 30000);
	DEFAULT(max_contexts, 65536);
	DEFAULT(max_pending, 16384);
	DEFAULT(pending_per_client, 4096);
	DEFAULT(pending_per_identity, 4);
	DEFAULT(device_burst, 5);
	DEFAULT(device_refill_ms, 6000);
	DEFAULT(client_burst, 100);
	DEFAULT(client_refill_ms, 100);
#undef DEFAULT
	a->pool = gg_ip_pool_create(p->ue_pool_ipv4, p->ue_pool_len);
	rp.capacity = 4096;
	rp.burst = a->p.device_burst;
	rp.refill_ms = a->p.device_refill_ms;
	a->rl_device = gg_auth_ratelimit_create(&rp);
	rp.burst = a->p.client_burst;
	rp.refill_ms = a->p.client_refill_ms;
	a->rl_client = gg_auth_ratelimit_create(&rp);
	if (a->pool == NULL || a->rl_device == NULL || a->rl_client == NULL ||
			ctx_table_init(&a->ctx, a->p.max_contexts + a->p.max_pending) != 0 ||
			quota_init(&a->q_client, a->p.max_pending) != 0 ||
			quota_init(&a->q_identity, a->p.max_pending) != 0) {
		gg_ausf_free(a);
		errno = ENOMEM;
		return NULL;
	}
	a->vcache = vcache_create(a->p.cert_cache_ttl_s != 0 ? 1024 : 0,
			a->p.cert_cache_ttl_s);
	if (a->vcache == NULL) {
		gg_ausf_free(a);
		errno = ENOMEM;
		return NULL;
	}
	if (push_init(a) != 0) {
		int e = errno;

		gg_ausf_free(a);
		errno = e;
		return NULL;
	}
	a->sweep_timer = gg_evloop_timer(d->loop, SWEEP_MS, sweep, a);
	return a;
}

void
gg_ausf_free(struct gg_ausf *a)
{
	struct ctx *c;

	if (a == NULL)
		return;
	if (a->sweep_timer > 0)
		gg_evloop_timer_cancel(a->d.loop, a->sweep_timer);
	while (a->ctx.by_id != NULL && (c = TAILQ_FIRST(&a->ctx.all)) != NULL) {
		if (c->req != NULL)
			gg_sbi_problem(c->req, 503, "SYSTEM_FAILURE", "shutting down", NULL);
		ctx_free(a, c, true);
	}
	push_fini(a);
	vcache_free(a->vcache);
	ctx_table_fini(&a->ctx);
	quota_fini(&a->q_client);
	quota_fini(&a->q_identity);
	gg_auth_ratelimit_free(a->rl_device);
	gg_auth_ratelimit_free(a->rl_client);
	gg_ip_pool_free(a->pool);
	explicit_bzero(a->rnd, sizeof(a->rnd));
	free(a);
}

int
gg_ausf_reserve_address(struct gg_ausf *a, uint32_t ue_ipv4)
{
	return gg_ip_pool_contains(a->pool, ue_ipv4) ?
			gg_ip_pool_reserve(a->pool, ue_ipv4) : 0;
}

bool
gg_ausf_restored(const struct gg_ausf *a)
{
	return a->restored;
}

void
gg_ausf_get_stats(const struct gg_ausf *a, struct gg_ausf_stats *st)
{
	*st = a->st;
	st->contexts_live = a->ctx.count;
	st->contexts_pending = a->n_pending;
	st->contexts_sessions = a->ctx.count - a->n_pending - a->ctx.n_expired;
}
