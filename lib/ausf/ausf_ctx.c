/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The AuSF's contexts: making and freeing one, what the API shows of it
 * (its pduSession, its links), its stored record, and the table that finds
 * them by id and by device identity (see struct ctx_table), and the pending
 * challenges' slots and quotas (per client address, per identity).
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

static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static uint32_t
buckets_for(uint32_t capacity)
{
	uint32_t n = 64;

	while (n < capacity && n < (1u << 24))
		n <<= 1;
	return n;
}

int
ctx_table_init(struct ctx_table *t, uint32_t capacity)
{
	uint32_t n = buckets_for(capacity), i;

	memset(t, 0, sizeof(*t));
	t->by_id = calloc(n, sizeof(*t->by_id));
	t->by_identity = calloc(n, sizeof(*t->by_identity));
	if (t->by_id == NULL || t->by_identity == NULL) {
		free(t->by_id);
		free(t->by_identity);
		return -1;
	}
	for (i = 0; i < n; i++) {
		LIST_INIT(&t->by_id[i]);
		LIST_INIT(&t->by_identity[i]);
	}
	TAILQ_INIT(&t->all);
	TAILQ_INIT(&t->challenged);
	TAILQ_INIT(&t->expired);
	t->mask = n - 1;
	return 0;
}

void
ctx_table_fini(struct ctx_table *t)
{
	free(t->by_id);
	free(t->by_identity);
	memset(t, 0, sizeof(*t));
}

void
ctx_table_add(struct ctx_table *t, struct ctx *c)
{
	LIST_INSERT_HEAD(&t->by_id[fnv1a(c->id) & t->mask], c, id_link);
	TAILQ_INSERT_TAIL(&t->all, c, all_link);
	if (c->state == CTX_AUTHENTICATED)
		ctx_table_index_identity(t, c);
	t->count++;
}

void
ctx_table_index_identity(struct ctx_table *t, struct ctx *c)
{
	if (c->by_identity)
		return;
	LIST_INSERT_HEAD(&t->by_identity[fnv1a(c->identity) & t->mask], c,
			identity_link);
	c->by_identity = true;
}

static void
fifo_leave(struct ctx_table *t, struct ctx *c)
{
	if (c->fifo == FIFO_CHALLENGED) {
		TAILQ_REMOVE(&t->challenged, c, fifo_link);
	} else if (c->fifo == FIFO_EXPIRED) {
		TAILQ_REMOVE(&t->expired, c, fifo_link);
		t->n_expired--;
	}
	c->fifo = FIFO_NONE;
}

void
ctx_table_remove(struct ctx_table *t, struct ctx *c)
{
	LIST_REMOVE(c, id_link);
	if (c->by_identity)
		LIST_REMOVE(c, identity_link);
	c->by_identity = false;
	fifo_leave(t, c);
	TAILQ_REMOVE(&t->all, c, all_link);
	t->count--;
}

struct ctx *
ctx_by_id(const struct ctx_table *t, const char *id)
{
	struct ctx *c;

	LIST_FOREACH(c, &t->by_id[fnv1a(id) & t->mask], id_link)
		if (strcmp(c->id, id) == 0)
			return c;
	return NULL;
}

struct ctx *
ctx_by_identity(const struct ctx_table *t, const char *identity)
{
	struct ctx *c;

	LIST_FOREACH(c, &t->by_identity[fnv1a(identity) & t->mask],
			identity_link)
		if ((c->state == CTX_AUTHENTICATED || c->state == CTX_DETACHING) &&
				strcmp(c->identity, identity) == 0)
			return c;
	return NULL;
}

/* ---- pending challenges and their quotas -------------------------------- */

struct quota_entry {
	struct quota_entry *next;
	uint32_t count;
	char key[];
};

int
quota_init(struct quota *q, uint32_t capacity)
{
	uint32_t n = buckets_for(capacity);

	q->b = calloc(n, sizeof(*q->b));
	if (q->b == NULL)
		return -1;
	q->mask = n - 1;
	return 0;
}

void
quota_fini(struct quota *q)
{
	uint32_t i;

	for (i = 0; q->b != NULL && i <= q->mask; i++)
		while (q->b[i] != NULL) {
			struct quota_entry *e = q->b[i];

			q->b[i] = e->next;
			free(e);
		}
	free(q->b);
	q->b = NULL;
}

int
quota_take(struct quota *q, const char *key, uint32_t max)
{
	struct quota_entry **pp = &q->b[fnv1a(key) & q->mask], *e;
	size_t len;

	for (e = *pp; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0) {
			if (e->count >= max)
				return -1;
			e->count++;
			return 0;
		}
	if (max == 0)
		return -1;
	len = strlen(key) + 1;
	e = malloc(sizeof(*e) + len);
	if (e == NULL)
		return -1;
	memcpy(e->key, key, len);
	e->count = 1;
	e->next = *pp;
	*pp = e;
	return 0;
}

void
quota_put(struct quota *q, const char *key)
{
	struct quota_entry **pp, *e;

	for (pp = &q->b[fnv1a(key) & q->mask]; (e = *pp) != NULL; pp = &e->next)
		if (strcmp(e->key, key) == 0) {
			if (--e->count == 0) {
				*pp = e->next;
				free(e);
			}
			return;
		}
}

int
ctx_pending_take(struct gg_ausf *a, struct ctx *c)
{
	if (a->n_pending >= a->p.max_pending)
		return -ENOSPC;
	if (quota_take(&a->q_client, c->peer, a->p.pending_per_client) != 0)
		return -EDQUOT;
	if (quota_take(&a->q_identity, c->identity,
			a->p.pending_per_identity) != 0) {
		quota_put(&a->q_client, c->peer);
		return -EDQUOT;
	}
	a->n_pending++;
	c->pending = true;
	return 0;
}

void
ctx_pending_release(struct gg_ausf *a, struct ctx *c)
{
	if (!c->pending)
		return;
	quota_put(&a->q_client, c->peer);
	quota_put(&a->q_identity, c->identity);
	a->n_pending--;
	c->pending = false;
	if (c->fifo == FIFO_CHALLENGED)
		fifo_leave(&a->ctx, c);
}

void
ctx_challenged(struct gg_ausf *a, struct ctx *c)
{
	c->state = CTX_CHALLENGED;
	c->fifo = FIFO_CHALLENGED;
	TAILQ_INSERT_TAIL(&a->ctx.challenged, c, fifo_link);
}

void
ctx_expire(struct gg_ausf *a, struct ctx *c, uint64_t keep_until_ms)
{
	ctx_pending_release(a, c);
	a->st.expired++;
	c->state = CTX_EXPIRED;
	c->expires_ms = keep_until_ms;
	vcert_put(c->vc);
	c->vc = NULL;
	c->cert = NULL;
	c->fifo = FIFO_EXPIRED;
	TAILQ_INSERT_TAIL(&a->ctx.expired, c, fifo_link);
	a->ctx.n_expired++;
}

static const char *
ip_text(uint32_t be, char *buf)
{
	return inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
}

/* ---- contexts ---------------------------------------------------------- */

struct ctx *
ctx_new(struct gg_ausf *a)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t rnd[CTX_ID_LEN / 2 + GG_AUTH_CHALLENGE_LEN];
	struct ctx *c;
	unsigned int i;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->a = a;
	/* OpenSSL's DRBG (seeded from the kernel, reseeded on its own),
	 * buffered (struct gg_ausf.rnd), for the id and the challenge: a
	 * getrandom() for one and a RAND_bytes() for the other were a
	 * visible part of a POST. */
	if (a->rnd_off + sizeof(rnd) > sizeof(a->rnd)) {
		if (gg_auth_challenge(a->rnd, sizeof(a->rnd)) != 0) {
			free(c);
			return NULL;
		}
		a->rnd_off = 0;
	}
	memcpy(rnd, a->rnd + a->rnd_off, sizeof(rnd));
	explicit_bzero(a->rnd + a->rnd_off, sizeof(rnd));
	a->rnd_off += sizeof(rnd);
	for (i = 0; i < CTX_ID_LEN / 2; i++) {
		c->id[2 * i] = hex[rnd[i] >> 4];
		c->id[2 * i + 1] = hex[rnd[i] & 15];
	}
	memcpy(c->challenge, rnd + CTX_ID_LEN / 2, sizeof(c->challenge));
	explicit_bzero(rnd, sizeof(rnd));
	/* Its bucket is a cache miss (the table has a slot per context the
	 * AuSF may hold): fetched while the request is validated, before
	 * ctx_table_add() needs it. */
	__builtin_prefetch(&a->ctx.by_id[fnv1a(c->id) & a->ctx.mask], 1);
	return c;
}

void
ctx_free(struct gg_ausf *a, struct ctx *c, bool in_table)
{
	ctx_pending_release(a, c);
	if (in_table)
		ctx_table_remove(&a->ctx, c);
	push_cancel(a, c);
	vcert_put(c->vc);
	free(c->cert_url);
	free(c->notify_uri);
	free(c);
}

/* Session and address of an authenticated context leave the data plane. */
void
ctx_drop_session(struct gg_ausf *a, struct ctx *c)
{
	const struct gg_session *s;

	if (c->ul_teid == 0)
		return;
	s = gg_session_find(a->d.sessions, c->ul_teid);
	if (s != NULL && a->d.garden != NULL && !a->p.learn_global)
		gg_garden_forget(a->d.garden, s->id);
	gg_session_del(a->d.sessions, c->ul_teid);
	gg_ip_pool_release(a->pool, c->ue_ipv4);
	c->ul_teid = 0;
	c->ue_ipv4 = 0;
}

/* A signed-up device whose profile is not delivered yet is still LIMITED
 * in the data plane; the API tells it apart as PROVISIONED. */
static const char *
state_json_name(enum gg_session_state st, enum gg_device_state dev)
{
	return st == GG_SESSION_FULL ? "FULL" : st == GG_SESSION_BLOCKED ?
			"BLOCKED" : dev == GG_DEVICE_PROVISIONED ? "PROVISIONED" :
			"LIMITED";
}

json_t *
pdu_session_json(struct gg_ausf *a, const struct ctx *c)
{
	const struct gg_session *s = gg_session_find(a->d.sessions, c->ul_teid);
	char ue[INET_ADDRSTRLEN], n3[INET_ADDRSTRLEN], teid[9];
	json_t *o;

	snprintf(teid, sizeof(teid), "%08X", c->ul_teid); /* TS 29.571 Teid: [A-F0-9]{8} */
	o = json_pack("{s:s, s:s, s:{s:s, s:s}}",
			"state", state_json_name(s != NULL ? gg_session_state(s) :
				GG_SESSION_LIMITED, c->dev_state),
			"ueIpv4Addr", ip_text(c->ue_ipv4, ue),
			"cnTunnelInfo", "ipv4Addr", ip_text(a->p.n3_ipv4, n3),
			"gtpTeid", teid);
	if (o != NULL && a->p.has_qfi)
		json_object_set_new(o, "qfi", json_integer(a->p.qfi));
	return o;
}

void
ctx_href(const struct ctx *c, char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, GG_AUSF_ROOT "/%s%s", c->id, suffix);
}

void
record_of(const struct gg_ausf *a, const struct ctx *c, const char *cert_pem,
		enum gg_device_state st, struct gg_device_record *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->identity, sizeof(r->identity), "%s", c->identity);
	r->state = st;
	if (cert_pem != NULL)
		snprintf(r->cert_pem, sizeof(r->cert_pem), "%s", cert_pem);
	snprintf(r->cert_url, sizeof(r->cert_url), "%s",
			c->cert_url != NULL ? c->cert_url : "");
	r->ue_ipv4 = c->ue_ipv4;
	r->ul_teid = c->ul_teid;
	r->dl_teid = c->dl_teid;
	r->gnb_ipv4 = c->gnb_ipv4;
	r->qfi = a->p.qfi;
	r->has_qfi = a->p.has_qfi;
	snprintf(r->auth_ctx_id, sizeof(r->auth_ctx_id), "%s", c->id);
	snprintf(r->auth_client, sizeof(r->auth_client), "%s", c->client);
	snprintf(r->notify_uri, sizeof(r->notify_uri), "%s",
			c->notify_uri != NULL ? c->notify_uri : "");
	snprintf(r->supi, sizeof(r->supi), "%s", c->supi);
	r->created_ms = c->created_ms;
}
