/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The AuSF's profile push, and its fallback (doc/ausf-api.rst, "Profile
 * push"): once the portal signed a device up (record "provisioned",
 * profile stored), the subscription profile goes to the device's
 * callback
 *
 *   POST <notify_uri>   {"supiOrSuci", "authCtxId", "supi", "profile"}
 *
 * and a 2xx answer moves the record from "provisioned" to "full"
 * (gg_store_set_state_if(), so that whichever appliance or retry gets
 * there first wins and the others see CONFLICT). A device that was away
 * fetches the same object with GET .../{authCtxId}/profile instead.
 *
 * One push per authenticated context (struct push), in one of these
 * steps: queued (waiting for one of push_max_active slots), reading the
 * record, reading the profile, posting, confirming (the state change),
 * waiting to retry. Nothing in the push is trusted from the event that
 * started it: each attempt re-reads the record and goes on only if it is
 * still "provisioned", still names this context, and has a callback still
 * under the allow-list. Retries back off from push_retry_min_ms doubling
 * to push_retry_max_ms, each delay drawn in [d/2, d]; no try starts more
 * than push_give_up_s after the sign-up (the record's updated_ms).
 *
 * Persistence: none of its own. A record in state "provisioned" with a
 * notify_uri is the pending push; after a restart, the restore re-queues
 * it (ausf.c). A push given up, refused for lack of room, or whose event
 * was lost while the subscription was down, is left to the GET fallback
 * (or the next restart).
 *
 * Costs: per push about 2.3 KiB of memory; per attempt three store round
 * trips (record, profile, state change) and one HTTP transfer of the
 * profile in base64 (4/3 of its size) plus the JSON around it.
 *
 * Threading: the control lcore's event loop, like the rest of the AuSF.
 * Store and fetch callbacks carry the push; a push whose context went
 * away meanwhile is marked cancelled and freed by that callback.
 */
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
#include "gg_sbi.h"
#include "gg_session.h"
#include "ausf_private.h"

#define LOG(level, ...) RTE_LOG(level, USER1, "ausf: " __VA_ARGS__)

#define DEFAULT_MAX_ACTIVE 16
#define DEFAULT_MAX_PENDING 4096
#define DEFAULT_RETRY_MIN_MS 1000
#define DEFAULT_RETRY_MAX_MS 60000
#define DEFAULT_GIVE_UP_S 86400

enum push_step {
	PUSH_QUEUED,      /* in a->push_queue */
	PUSH_READING,     /* gg_store_get of the record */
	PUSH_PROFILE,     /* gg_store_get_profile */
	PUSH_POSTING,     /* gg_fetch_post */
	PUSH_CONFIRMING,  /* gg_store_set_state_if */
	PUSH_WAITING,     /* retry timer armed */
};

struct push {
	TAILQ_ENTRY(push) next;          /* a->push_queue while QUEUED */
	struct gg_ausf *a;
	struct ctx *c;                   /* NULL once cancelled */
	enum push_step step;
	bool cancelled;                  /* free when the callback in flight returns */
	char identity[GG_STORE_IDENTITY_MAX + 1];
	char ctx_id[CTX_ID_LEN + 1];
	char notify_uri[GG_STORE_URL_MAX + 1]; /* from the record of this attempt */
	char supi[GG_STORE_SUPI_MAX + 1];
	uint32_t delay_ms;               /* next retry delay, before jitter */
	uint64_t deadline_wall_ms;       /* no try after; 0 until the record is read */
	long timer;
};

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the profile object (push body and GET answer) ---------------------- */

/* RFC 4648 section 4 base64, with padding. NUL-terminated, malloc'ed. */
static char *
base64(const uint8_t *in, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((len + 2) / 3 * 4 + 1), *o;
	size_t i;

	if (out == NULL)
		return NULL;
	o = out;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = tab[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)in[i] << 16 |
				(i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);

		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static json_t *
profile_object(const char *identity, const char *ctx_id, const char *supi,
		const void *der, size_t len)
{
	char *b64 = base64(der, len);
	json_t *o;

	if (b64 == NULL)
		return NULL;
	o = json_pack("{s:s, s:s, s:s, s:s}", "supiOrSuci", identity,
			"authCtxId", ctx_id, "supi", supi, "profile", b64);
	free(b64);
	return o;
}

/* ---- the push engine ----------------------------------------------------- */

static void pump(struct gg_ausf *a);

static void
push_free(struct gg_ausf *a, struct push *p)
{
	if (p->c != NULL)
		p->c->push = NULL;
	if (p->step == PUSH_QUEUED)
		TAILQ_REMOVE(&a->push_queue, p, next);
	if (p->step == PUSH_WAITING && p->timer > 0)
		gg_evloop_timer_cancel(a->d.loop, p->timer);
	a->push_pending--;
	free(p);
}

/* The step in flight is over for good: free the push, let another in. */
static void
push_end(struct gg_ausf *a, struct push *p)
{
	a->push_active--;
	push_free(a, p);
	pump(a);
}

static uint64_t
kick_fire(struct gg_evloop *loop, void *arg)
{
	struct gg_ausf *a = arg;

	(void)loop;
	a->push_kick_timer = 0;
	pump(a);
	return 0;
}

/* Start queued pushes on the next loop round, never inside the caller
 * (a store callback, the restore walk). */
static void
kick(struct gg_ausf *a)
{
	if (a->push_kick_timer != 0 || TAILQ_EMPTY(&a->push_queue))
		return;
	a->push_kick_timer = gg_evloop_timer(a->d.loop, 0, kick_fire, a);
	if (a->push_kick_timer < 0)
		a->push_kick_timer = 0;
}

static uint64_t
retry_fire(struct gg_evloop *loop, void *arg)
{
	struct push *p = arg;
	struct gg_ausf *a = p->a;

	(void)loop;
	p->timer = 0;
	p->step = PUSH_QUEUED;
	TAILQ_INSERT_TAIL(&a->push_queue, p, next);
	pump(a);
	return 0;
}

/* This attempt failed: wait and try again, or give up. */
static void
push_retry(struct gg_ausf *a, struct push *p)
{
	uint32_t d = p->delay_ms, wait;

	a->push_active--;
	wait = d / 2 + (uint32_t)(rand_r(&a->push_seed) % (d - d / 2 + 1));
	if (p->deadline_wall_ms != 0 && wall_ms() + wait > p->deadline_wall_ms) {
		a->st.push_given_up++;
		LOG(WARNING, "profile push to %s given up after %u s\n",
				p->identity, a->p.push_give_up_s);
		push_free(a, p);
		pump(a);
		return;
	}
	p->delay_ms = d >= a->p.push_retry_max_ms / 2 ? a->p.push_retry_max_ms :
			d * 2;
	p->step = PUSH_WAITING;
	p->timer = gg_evloop_timer(a->d.loop, wait, retry_fire, p);
	if (p->timer < 0) {
		p->timer = 0;
		push_free(a, p);
	} else {
		a->st.push_retry_scheduled++;
	}
	pump(a);
}

static void
push_confirmed(struct gg_store *s, enum gg_store_status st, void *arg)
{
	struct push *p = arg;
	struct gg_ausf *a = p->a;

	(void)s;
	if (st == GG_STORE_CANCELLED || p->cancelled) {
		push_end(a, p);
		return;
	}
	if (st == GG_STORE_DOWN || st == GG_STORE_TIMEOUT || st == GG_STORE_ERROR ||
			st == GG_STORE_NOMEM) {
		/* The device has its profile but the record still says
		 * "provisioned": push again (delivery is at least once). */
		a->st.push_failed++;
		push_retry(a, p);
		return;
	}
	/* OK: ours; CONFLICT: another appliance or a GET was first; both
	 * end here. The "full" event does the same; doing it now does not
	 * depend on the subscription being up. */
	if (st == GG_STORE_OK && p->c != NULL) {
		p->c->dev_state = GG_DEVICE_FULL;
		if (gg_session_set_state(a->d.sessions, p->c->ul_teid,
				GG_SESSION_FULL) == 0)
			a->st.state_events++;
	}
	push_end(a, p);
}

static void
push_posted(void *arg, enum gg_fetch_status st, long http_status,
		const uint8_t *body, size_t len)
{
	struct push *p = arg;
	struct gg_ausf *a = p->a;

	(void)body;
	(void)len;
	if (st == GG_FETCH_CANCELLED || p->cancelled) {
		push_end(a, p);
		return;
	}
	if (st != GG_FETCH_OK) {
		a->st.push_failed++;
		LOG(INFO, "profile push to %s: %s%s%ld\n", p->identity,
				gg_fetch_status_name(st), http_status ? ", HTTP " : "",
				http_status);
		push_retry(a, p);
		return;
	}
	a->st.push_delivered++;
	p->step = PUSH_CONFIRMING;
	if (gg_store_set_state_if(a->d.store, p->identity, GG_DEVICE_PROVISIONED,
			GG_DEVICE_FULL, push_confirmed, p) != 0) {
		a->st.push_failed++;
		push_retry(a, p);
	}
}

static void
push_got_profile(struct gg_store *s, enum gg_store_status st, const void *data,
		size_t len, void *arg)
{
	struct push *p = arg;
	struct gg_ausf *a = p->a;
	json_t *o;
	char *body;
	int ret;

	(void)s;
	if (st == GG_STORE_CANCELLED || p->cancelled) {
		push_end(a, p);
		return;
	}
	if (st == GG_STORE_NOT_FOUND) {
		/* "provisioned" without a profile: not something a retry fixes. */
		a->st.push_given_up++;
		push_end(a, p);
		return;
	}
	if (st != GG_STORE_OK) {
		a->st.push_failed++;
		push_retry(a, p);
		return;
	}
	o = profile_object(p->identity, p->ctx_id, p->supi, data, len);
	body = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (body == NULL) {
		a->st.push_failed++;
		push_retry(a, p);
		return;
	}
	p->step = PUSH_POSTING;
	a->st.push_attempts++;
	ret = gg_fetch_post(a->d.fetch, a->notify_allow, p->notify_uri,
			"application/json", body, strlen(body), push_posted, p);
	free(body);
	if (ret == -EPERM || ret == -EINVAL) {
		a->st.push_given_up++;
		push_end(a, p);
	} else if (ret != 0) {
		a->st.push_failed++;
		push_retry(a, p);
	}
}

static void
push_got_record(struct gg_store *s, enum gg_store_status st,
		const struct gg_device_record *r, void *arg)
{
	struct push *p = arg;
	struct gg_ausf *a = p->a;

	if (st == GG_STORE_CANCELLED || p->cancelled) {
		push_end(a, p);
		return;
	}
	if (st != GG_STORE_OK && st != GG_STORE_NOT_FOUND) {
		a->st.push_failed++;
		push_retry(a, p);
		return;
	}
	/* Nothing to push: gone, delivered already, not signed up, now
	 * authenticated elsewhere, or no callback (the GET fallback then). */
	if (st == GG_STORE_NOT_FOUND || r->state != GG_DEVICE_PROVISIONED ||
			strcmp(r->auth_ctx_id, p->ctx_id) != 0 ||
			r->notify_uri[0] == '\0' || r->supi[0] == '\0') {
		push_end(a, p);
		return;
	}
	if (p->deadline_wall_ms == 0)
		p->deadline_wall_ms = r->updated_ms +
				(uint64_t)a->p.push_give_up_s * 1000;
	if (wall_ms() > p->deadline_wall_ms) {
		a->st.push_given_up++;
		push_end(a, p);
		return;
	}
	/* The allow-list may have changed since the device gave it. */
	if (gg_fetch_allow_check(a->notify_allow, r->notify_uri) != 0) {
		a->st.push_given_up++;
		LOG(WARNING, "profile push to %s: callback no longer allowed\n",
				p->identity);
		push_end(a, p);
		return;
	}
	snprintf(p->notify_uri, sizeof(p->notify_uri), "%s", r->notify_uri);
	snprintf(p->supi, sizeof(p->supi), "%s", r->supi);
	p->step = PUSH_PROFILE;
	if (gg_store_get_profile(s, p->identity, push_got_profile, p) != 0) {
		a->st.push_failed++;
		push_retry(a, p);
	}
}

static void
pump(struct gg_ausf *a)
{
	struct push *p;

	while (a->push_active < a->p.push_max_active &&
			(p = TAILQ_FIRST(&a->push_queue)) != NULL) {
		TAILQ_REMOVE(&a->push_queue, p, next);
		a->push_active++;
		p->step = PUSH_READING;
		if (a->d.store == NULL || gg_store_get(a->d.store, p->identity,
				push_got_record, p) != 0) {
			a->st.push_failed++;
			push_retry(a, p);
			return; /* push_retry pumped already */
		}
	}
}

void
push_start(struct gg_ausf *a, struct ctx *c)
{
	struct push *p;

	/* One push per context: a push under way re-reads the record
	 * anyway; one waiting to retry goes now (its wait was for a
	 * failure, and something changed). */
	if (c->push != NULL) {
		p = c->push;
		if (p->step == PUSH_WAITING) {
			gg_evloop_timer_cancel(a->d.loop, p->timer);
			p->timer = 0;
			p->step = PUSH_QUEUED;
			TAILQ_INSERT_TAIL(&a->push_queue, p, next);
			kick(a);
		}
		return;
	}
	if (a->push_pending >= a->p.push_max_pending) {
		a->st.push_queue_full++;
		return;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		a->st.push_queue_full++;
		return;
	}
	p->a = a;
	p->c = c;
	snprintf(p->identity, sizeof(p->identity), "%s", c->identity);
	memcpy(p->ctx_id, c->id, sizeof(p->ctx_id));
	p->delay_ms = a->p.push_retry_min_ms;
	p->step = PUSH_QUEUED;
	c->push = p;
	a->push_pending++;
	TAILQ_INSERT_TAIL(&a->push_queue, p, next);
	kick(a);
}

void
push_cancel(struct gg_ausf *a, struct ctx *c)
{
	struct push *p = c->push;

	if (p == NULL)
		return;
	c->push = NULL;
	p->c = NULL;
	if (p->step == PUSH_QUEUED || p->step == PUSH_WAITING)
		push_free(a, p);
	else
		p->cancelled = true; /* its callback frees it */
}

int
push_init(struct gg_ausf *a)
{
	unsigned int seed = 0;

	TAILQ_INIT(&a->push_queue);
#define DEFAULT(f, v) do { if (a->p.f == 0) a->p.f = (v); } while (0)
	DEFAULT(push_max_active, DEFAULT_MAX_ACTIVE);
	DEFAULT(push_max_pending, DEFAULT_MAX_PENDING);
	DEFAULT(push_retry_min_ms, DEFAULT_RETRY_MIN_MS);
	DEFAULT(push_retry_max_ms, DEFAULT_RETRY_MAX_MS);
	DEFAULT(push_give_up_s, DEFAULT_GIVE_UP_S);
#undef DEFAULT
	if (a->p.push_retry_max_ms < a->p.push_retry_min_ms)
		a->p.push_retry_max_ms = a->p.push_retry_min_ms;
	a->notify_allow = gg_fetch_allow_create(a->p.notify_uri_prefixes,
			a->p.n_notify_uri_prefixes);
	/* The caller's strings are not kept. */
	a->p.notify_uri_prefixes = NULL;
	if (a->notify_allow == NULL)
		return -1;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (unsigned int)wall_ms();
	a->push_seed = seed;
	return 0;
}

/* After the fetcher and the store are gone (their callbacks freed the
 * pushes in flight): what is queued or waiting. */
void
push_fini(struct gg_ausf *a)
{
	struct push *p;
	struct ctx *c;

	if (a->push_kick_timer > 0)
		gg_evloop_timer_cancel(a->d.loop, a->push_kick_timer);
	a->push_kick_timer = 0;
	TAILQ_FOREACH(c, &a->ctx.all, all_link)
		if (c->push != NULL)
			push_cancel(a, c);
	while ((p = TAILQ_FIRST(&a->push_queue)) != NULL)
		push_free(a, p);
	gg_fetch_allow_free(a->notify_allow);
	a->notify_allow = NULL;
}

/* ---- GET .../{id}/profile: the fallback ---------------------------------- */

struct pget {
	struct gg_ausf *a;
	struct gg_sbi_request *req;
	char identity[GG_STORE_IDENTITY_MAX + 1];
	char ctx_id[CTX_ID_LEN + 1];
	char supi[GG_STORE_SUPI_MAX + 1];
	bool provisioned;      /* not delivered yet: the answer delivers it */
};

static void
pget_confirmed(struct gg_store *s, enum gg_store_status st, void *arg)
{
	struct pget *g = arg;
	struct gg_ausf *a = g->a;
	struct ctx *c;

	(void)s;
	if (st == GG_STORE_OK) {
		c = ctx_by_identity(&a->ctx, g->identity);
		if (c != NULL && c->state == CTX_AUTHENTICATED &&
				strcmp(c->id, g->ctx_id) == 0) {
			c->dev_state = GG_DEVICE_FULL;
			push_cancel(a, c);
			if (gg_session_set_state(a->d.sessions, c->ul_teid,
					GG_SESSION_FULL) == 0)
				a->st.state_events++;
		}
	}
	free(g);
}

static void
pget_profile(struct gg_store *s, enum gg_store_status st, const void *data,
		size_t len, void *arg)
{
	struct pget *g = arg;
	struct gg_ausf *a = g->a;
	json_t *o;

	if (st == GG_STORE_NOT_FOUND) {
		a->st.rejected_request++;
		gg_sbi_problem(g->req, 404, "PROFILE_NOT_FOUND",
				"no subscription profile for this device yet", NULL);
		free(g);
		return;
	}
	if (st != GG_STORE_OK) {
		a->st.store_unavailable++;
		gg_sbi_problem(g->req, 503, "STORE_UNAVAILABLE",
				gg_store_strerror(st), NULL);
		free(g);
		return;
	}
	o = profile_object(g->identity, g->ctx_id, g->supi, data, len);
	/* Answer first, then record the delivery: an answer that could not
	 * be handed to the client (gone, timed out) delivers nothing. */
	if (gg_sbi_respond_json(g->req, 200, o, NULL) != 0 || o == NULL ||
			!g->provisioned) {
		free(g);
		return;
	}
	a->st.push_fallback_fetch++;
	if (gg_store_set_state_if(s, g->identity, GG_DEVICE_PROVISIONED,
			GG_DEVICE_FULL, pget_confirmed, g) != 0)
		free(g);
}

static void
pget_record(struct gg_store *s, enum gg_store_status st,
		const struct gg_device_record *r, void *arg)
{
	struct pget *g = arg;
	struct gg_ausf *a = g->a;

	if (st != GG_STORE_OK && st != GG_STORE_NOT_FOUND) {
		a->st.store_unavailable++;
		gg_sbi_problem(g->req, 503, "STORE_UNAVAILABLE",
				gg_store_strerror(st), NULL);
		free(g);
		return;
	}
	/* Served to the context the record names, once signed up. */
	if (st == GG_STORE_NOT_FOUND || strcmp(r->auth_ctx_id, g->ctx_id) != 0 ||
			(r->state != GG_DEVICE_PROVISIONED &&
			 r->state != GG_DEVICE_FULL) || r->supi[0] == '\0') {
		a->st.rejected_request++;
		gg_sbi_problem(g->req, 404, "PROFILE_NOT_FOUND",
				"no subscription profile for this device yet", NULL);
		free(g);
		return;
	}
	g->provisioned = r->state == GG_DEVICE_PROVISIONED;
	snprintf(g->supi, sizeof(g->supi), "%s", r->supi);
	if (gg_store_get_profile(s, g->identity, pget_profile, g) != 0) {
		a->st.store_unavailable++;
		gg_sbi_problem(g->req, 503, "STORE_UNAVAILABLE",
				"the subscription store refused the read", NULL);
		free(g);
	}
}

void
handle_profile_get(struct gg_ausf *a, struct gg_sbi_request *req,
		struct ctx *c)
{
	struct pget *g;

	if (c->state != CTX_AUTHENTICATED) {
		a->st.rejected_request++;
		gg_sbi_problem(req, 404, "CONTEXT_NOT_FOUND",
				"the context is not authenticated", NULL);
		return;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		gg_sbi_problem(req, 500, "SYSTEM_FAILURE", "out of memory", NULL);
		return;
	}
	g->a = a;
	g->req = req;
	snprintf(g->identity, sizeof(g->identity), "%s", c->identity);
	memcpy(g->ctx_id, c->id, sizeof(g->ctx_id));
	if (a->d.store == NULL || gg_store_get(a->d.store, c->identity,
			pget_record, g) != 0) {
		a->st.store_unavailable++;
		gg_sbi_problem(req, 503, "STORE_UNAVAILABLE",
				"the subscription store is unreachable", NULL);
		free(g);
	}
}
