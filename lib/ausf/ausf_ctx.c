/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The AuSF's contexts: making and freeing one, what the API shows of it
 * (its pduSession, its links), its stored record, and the table that finds
 * them by id and by device identity (chained hash buckets, FNV-1a, plus one
 * list of every context for the expiry sweep; buckets sized once for the
 * configured capacity).
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

int
ctx_table_init(struct ctx_table *t, uint32_t capacity)
{
	uint32_t n = 64;

	while (n < capacity && n < (1u << 24))
		n <<= 1;
	memset(t, 0, sizeof(*t));
	t->by_id = calloc(n, sizeof(*t->by_id));
	t->by_identity = calloc(n, sizeof(*t->by_identity));
	if (t->by_id == NULL || t->by_identity == NULL) {
		free(t->by_id);
		free(t->by_identity);
		return -1;
	}
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
	uint32_t b = fnv1a(c->id) & t->mask, d = fnv1a(c->identity) & t->mask;

	c->next_by_id = t->by_id[b];
	t->by_id[b] = c;
	c->next_by_identity = t->by_identity[d];
	t->by_identity[d] = c;
	c->prev = NULL;
	c->next = t->all;
	if (t->all != NULL)
		t->all->prev = c;
	t->all = c;
	t->count++;
}

void
ctx_table_remove(struct ctx_table *t, struct ctx *c)
{
	struct ctx **pp;

	for (pp = &t->by_id[fnv1a(c->id) & t->mask]; *pp != NULL;
			pp = &(*pp)->next_by_id)
		if (*pp == c) {
			*pp = c->next_by_id;
			break;
		}
	for (pp = &t->by_identity[fnv1a(c->identity) & t->mask]; *pp != NULL;
			pp = &(*pp)->next_by_identity)
		if (*pp == c) {
			*pp = c->next_by_identity;
			break;
		}
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		t->all = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	t->count--;
}

struct ctx *
ctx_by_id(const struct ctx_table *t, const char *id)
{
	struct ctx *c;

	for (c = t->by_id[fnv1a(id) & t->mask]; c != NULL; c = c->next_by_id)
		if (strcmp(c->id, id) == 0)
			return c;
	return NULL;
}

struct ctx *
ctx_by_identity(const struct ctx_table *t, const char *identity)
{
	struct ctx *c;

	for (c = t->by_identity[fnv1a(identity) & t->mask]; c != NULL;
			c = c->next_by_identity)
		if ((c->state == CTX_AUTHENTICATED || c->state == CTX_DETACHING) &&
				strcmp(c->identity, identity) == 0)
			return c;
	return NULL;
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
	uint8_t rnd[CTX_ID_LEN / 2];
	struct ctx *c;
	unsigned int i;

	if (a->ctx.count >= a->p.max_contexts)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->a = a;
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		free(c);
		return NULL;
	}
	for (i = 0; i < sizeof(rnd); i++) {
		c->id[2 * i] = hex[rnd[i] >> 4];
		c->id[2 * i + 1] = hex[rnd[i] & 15];
	}
	return c;
}

void
ctx_free(struct gg_ausf *a, struct ctx *c, bool in_table)
{
	if (in_table)
		ctx_table_remove(&a->ctx, c);
	push_cancel(a, c);
	gg_auth_cert_free(c->cert);
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
	snprintf(r->cert_url, sizeof(r->cert_url), "%s", c->cert_url);
	r->ue_ipv4 = c->ue_ipv4;
	r->ul_teid = c->ul_teid;
	r->dl_teid = c->dl_teid;
	r->gnb_ipv4 = c->gnb_ipv4;
	r->qfi = a->p.qfi;
	r->has_qfi = a->p.has_qfi;
	snprintf(r->auth_ctx_id, sizeof(r->auth_ctx_id), "%s", c->id);
	snprintf(r->notify_uri, sizeof(r->notify_uri), "%s", c->notify_uri);
	snprintf(r->supi, sizeof(r->supi), "%s", c->supi);
	r->created_ms = c->created_ms;
}
