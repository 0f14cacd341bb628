/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The AuSF and its store: the restore of every stored session the first
 * time the store is up, the write-back of records a store lost in an
 * outage, and the state events it publishes.
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

static void
restore_one(struct gg_store *s, enum gg_store_status st,
		const struct gg_device_record *r, void *arg)
{
	struct gg_ausf *a = arg;
	struct gg_session sess;
	struct ctx *c;
	int ret;

	(void)s;
	if (st != GG_STORE_OK || r == NULL)
		return;
	if (r->state == GG_DEVICE_DETACHED || r->ul_teid == 0 || r->ue_ipv4 == 0 ||
			strlen(r->auth_ctx_id) != CTX_ID_LEN ||
			ctx_by_identity(&a->ctx, r->identity) != NULL)
		return;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return;
	c->a = a;
	memcpy(c->id, r->auth_ctx_id, CTX_ID_LEN);
	snprintf(c->identity, sizeof(c->identity), "%s", r->identity);
	/* NULL on no memory: the record is written back without it. */
	c->cert_url = strdup(r->cert_url);
	c->gnb_ipv4 = r->gnb_ipv4;
	c->dl_teid = r->dl_teid;
	c->created_ms = r->created_ms;
	/* Still the creator's alone; a record of an older version has no
	 * auth_client, and its context stays open to every admitted client. */
	_Static_assert(GG_SBI_CLIENT_MAX <= GG_STORE_CLIENT_MAX,
			"auth_client holds a client identity");
	snprintf(c->client, sizeof(c->client), "%s", r->auth_client);
	c->notify_uri = r->notify_uri[0] != '\0' ? strdup(r->notify_uri) : NULL;
	snprintf(c->supi, sizeof(c->supi), "%s", r->supi);
	c->dev_state = r->state;
	memset(&sess, 0, sizeof(sess));
	sess.ul_teid = r->ul_teid;
	sess.ue_ipv4 = r->ue_ipv4;
	sess.gnb_ipv4 = r->gnb_ipv4;
	sess.dl_teid = r->dl_teid;
	sess.qfi = r->qfi;
	sess.flags = r->has_qfi ? GG_SESSION_F_QFI : 0;
	/* "provisioned": the profile is not delivered yet, still LIMITED. */
	sess.state = r->state == GG_DEVICE_FULL ? GG_SESSION_FULL :
			r->state == GG_DEVICE_BLOCKED ? GG_SESSION_BLOCKED :
			GG_SESSION_LIMITED;
	ret = gg_ip_pool_contains(a->pool, r->ue_ipv4) ?
			gg_ip_pool_reserve(a->pool, r->ue_ipv4) : 0;
	if (ret == 0 && (ret = gg_session_add(a->d.sessions, &sess)) >= 0) {
		c->ue_ipv4 = r->ue_ipv4;
		c->ul_teid = r->ul_teid;
		c->state = CTX_AUTHENTICATED;
		ctx_table_add(&a->ctx, c);
		a->st.restored++;
		/* The record is the pending push: re-queue it. */
		if (c->dev_state == GG_DEVICE_PROVISIONED)
			push_start(a, c);
		return;
	}
	if (ret != -EEXIST && gg_ip_pool_contains(a->pool, r->ue_ipv4))
		gg_ip_pool_release(a->pool, r->ue_ipv4);
	a->st.restore_failed++;
	LOG(WARNING, "cannot restore %s (TEID 0x%08x): %s\n", r->identity,
			r->ul_teid, strerror(ret < 0 ? -ret : EIO));
	free(c->cert_url);
	free(c->notify_uri);
	free(c);
}

static void
restore_done(struct gg_store *s, enum gg_store_status st, uint64_t n, void *arg)
{
	struct gg_ausf *a = arg;

	(void)s;
	if (st != GG_STORE_OK) {
		/* Try again at the next "up". */
		a->restore_started = false;
		LOG(WARNING, "restoring sessions from the store failed: %s\n",
				gg_store_strerror(st));
		return;
	}
	a->restored = true;
	LOG(INFO, "%" PRIu64 " stored device(s), %" PRIu64 " session(s) restored\n",
			n, a->st.restored);
}

/*
 * A store event only says "something changed for identity X": anyone who
 * can PUBLISH on the channel could send one, so its state is never
 * applied. The AuSF re-reads the record and applies what the store says
 * (one GET per event; events for devices we hold no session for cost
 * nothing). Reads complete in the order they were sent, so the last
 * event's read is the state that stays.
 */
struct reread {
	struct gg_ausf *a;
	char identity[GG_STORE_IDENTITY_MAX + 1];
};

static void
apply_record(struct gg_ausf *a, struct ctx *c, const struct gg_device_record *r)
{
	const struct gg_session *sess;
	enum gg_session_state st;

	/* A record of another authentication (a newer one, in progress
	 * elsewhere) is not this session's. */
	if (r->ul_teid != c->ul_teid)
		return;
	if (r->state == GG_DEVICE_PROVISIONED) {
		/* The push reads the record again itself. */
		c->dev_state = GG_DEVICE_PROVISIONED;
		push_start(a, c);
		return;
	}
	switch (r->state) {
	case GG_DEVICE_FULL:
		st = GG_SESSION_FULL;
		break;
	case GG_DEVICE_LIMITED:
		st = GG_SESSION_LIMITED;
		break;
	case GG_DEVICE_BLOCKED:
		st = GG_SESSION_BLOCKED;
		break;
	default:
		return;
	}
	c->dev_state = r->state;
	push_cancel(a, c);
	sess = gg_session_find(a->d.sessions, c->ul_teid);
	if (sess != NULL && gg_session_state(sess) != st &&
			gg_session_set_state(a->d.sessions, c->ul_teid, st) == 0)
		a->st.state_events++;
}

static void
reread_got(struct gg_store *s, enum gg_store_status st,
		const struct gg_device_record *r, void *arg)
{
	struct reread *rr = arg;
	struct ctx *c;

	(void)s;
	c = st == GG_STORE_OK ? ctx_by_identity(&rr->a->ctx, rr->identity) : NULL;
	if (c != NULL && c->state == CTX_AUTHENTICATED)
		apply_record(rr->a, c, r);
	free(rr);
}

static void
reread(struct gg_ausf *a, struct gg_store *s, const char *identity)
{
	struct reread *rr = malloc(sizeof(*rr));

	if (rr == NULL)
		return;
	rr->a = a;
	snprintf(rr->identity, sizeof(rr->identity), "%s", identity);
	if (gg_store_get(s, identity, reread_got, rr) != 0)
		free(rr);
}

static void
store_event(struct gg_store *s, const struct gg_store_event *ev, void *arg)
{
	struct gg_ausf *a = arg;
	struct ctx *c;

	if (ev == NULL) {
		/* (Re)subscribed: what was published meanwhile is lost; read
		 * again every session we hold, once the restore made them. */
		if (a->restored)
			TAILQ_FOREACH(c, &a->ctx.all, all_link)
				if (c->state == CTX_AUTHENTICATED)
					reread(a, s, c->identity);
		return;
	}
	if (ev->identity == NULL)
		return;
	c = ctx_by_identity(&a->ctx, ev->identity);
	if (c == NULL || c->state != CTX_AUTHENTICATED)
		return;
	reread(a, s, ev->identity);
}

/*
 * After an outage the store may have come back empty (a Redis without
 * persistence): every device we hold that it no longer knows is written
 * back, without its certificate (which is not kept in memory), so that a
 * later restart still restores the session.
 */
struct resync {
	struct gg_ausf *a;
	char identity[GG_STORE_IDENTITY_MAX + 1];
};

static void
resync_put_done(struct gg_store *s, enum gg_store_status st, void *arg)
{
	struct resync *r = arg;

	(void)s;
	if (st == GG_STORE_OK)
		r->a->st.resynced++;
	free(r);
}

static void
resync_got(struct gg_store *s, enum gg_store_status st,
		const struct gg_device_record *have, void *arg)
{
	struct resync *r = arg;
	struct gg_device_record *rec;
	const struct gg_session *sess;
	struct ctx *c;

	(void)have;
	c = ctx_by_identity(&r->a->ctx, r->identity);
	if (st != GG_STORE_NOT_FOUND || c == NULL || c->state != CTX_AUTHENTICATED ||
			(rec = malloc(sizeof(*rec))) == NULL) {
		free(r);
		return;
	}
	sess = gg_session_find(r->a->d.sessions, c->ul_teid);
	record_of(r->a, c, NULL, c->dev_state == GG_DEVICE_PROVISIONED ?
			GG_DEVICE_PROVISIONED : sess == NULL ? GG_DEVICE_LIMITED :
			gg_session_state(sess) == GG_SESSION_FULL ? GG_DEVICE_FULL :
			gg_session_state(sess) == GG_SESSION_BLOCKED ?
			GG_DEVICE_BLOCKED : GG_DEVICE_LIMITED, rec);
	if (gg_store_put(s, rec, resync_put_done, r) != 0)
		free(r);
	free(rec);
}

static void
resync(struct gg_ausf *a, struct gg_store *s)
{
	struct ctx *c;

	TAILQ_FOREACH(c, &a->ctx.all, all_link) {
		struct resync *r;

		if (c->state != CTX_AUTHENTICATED || (r = calloc(1, sizeof(*r))) == NULL)
			continue;
		r->a = a;
		snprintf(r->identity, sizeof(r->identity), "%s", c->identity);
		if (gg_store_get(s, c->identity, resync_got, r) != 0)
			free(r);
	}
}

void
gg_ausf_store_state(struct gg_store *s, bool up, const char *reason, void *arg)
{
	struct gg_ausf *a = arg;

	if ((int)up == a->store_state)
		return;
	a->store_state = up;
	if (!up) {
		LOG(WARNING, "store down (%s): new authentications get 503, "
				"the data plane keeps forwarding\n",
				reason != NULL ? reason : "?");
		return;
	}
	LOG(INFO, "store up\n");
	if (!a->restore_started) {
		a->restore_started = true;
		if (gg_store_list_all(s, restore_one, restore_done, a) != 0)
			a->restore_started = false;
	} else if (a->restored) {
		resync(a, s);
	}
}

void
gg_ausf_set_store(struct gg_ausf *a, struct gg_store *s)
{
	a->d.store = s;
	gg_store_subscribe(s, store_event, a);
}
