/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Common part of the subscription store: the backend registry, parameter
 * defaults, record and key-schema helpers, argument checks done once for
 * every backend, the event JSON (jansson), up/down reporting, and the
 * next-round completion queue that lets every backend keep the rule
 * "callbacks never run inside the call that made the request".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <rte_errno.h>

#include "gg_conf.h"
#include "gg_evloop.h"
#include "gg_store.h"
#include "store_driver.h"

#define MAX_DRIVERS 8

#define DEFAULT_PORT 6379
#define DEFAULT_CONNECT_TIMEOUT_MS 1000
#define DEFAULT_COMMAND_TIMEOUT_MS 1000
#define DEFAULT_RECONNECT_MIN_MS 100
#define DEFAULT_RECONNECT_MAX_MS 5000

/* A reply or an event waiting for the next loop round. */
struct store_later {
	TAILQ_ENTRY(store_later) next;
	bool is_event;
	struct gg_store_reply_to rt;
	enum gg_store_status st;
	struct gg_device_record *recs;
	size_t n_recs;
	void *data;                  /* profile bytes, or event JSON */
	size_t len;
	uint64_t value;              /* SEQ reply */
};

static const struct gg_store_ops *drivers[MAX_DRIVERS];
static unsigned int n_drivers;

static const char *const state_names[GG_DEVICE_STATE_MAX] = {
	[GG_DEVICE_LIMITED] = "limited",
	[GG_DEVICE_FULL] = "full",
	[GG_DEVICE_BLOCKED] = "blocked",
	[GG_DEVICE_DETACHED] = "detached",
	[GG_DEVICE_PROVISIONED] = "provisioned",
};

void
gg_store_driver_register(const struct gg_store_ops *ops)
{
	if (n_drivers < MAX_DRIVERS)
		drivers[n_drivers++] = ops;
}

const char *
gg_store_strerror(enum gg_store_status st)
{
	switch (st) {
	case GG_STORE_OK: return "ok";
	case GG_STORE_NOT_FOUND: return "not found";
	case GG_STORE_DOWN: return "store down";
	case GG_STORE_TIMEOUT: return "store timeout";
	case GG_STORE_ERROR: return "store error";
	case GG_STORE_BAD_RECORD: return "bad stored record";
	case GG_STORE_NOMEM: return "out of memory";
	case GG_STORE_CANCELLED: return "cancelled";
	case GG_STORE_CONFLICT: return "conflict";
	}
	return "unknown status";
}

const char *
gg_device_state_name(enum gg_device_state st)
{
	if ((unsigned int)st >= GG_DEVICE_STATE_MAX)
		return NULL;
	return state_names[st];
}

int
gg_device_state_parse(const char *name, enum gg_device_state *st)
{
	unsigned int i;

	if (name == NULL)
		return -EINVAL;
	for (i = 0; i < GG_DEVICE_STATE_MAX; i++) {
		if (strcmp(name, state_names[i]) == 0) {
			*st = i;
			return 0;
		}
	}
	return -EINVAL;
}

bool
gg_store_identity_ok(const char *id)
{
	size_t i;

	if (id == NULL || id[0] == '\0')
		return false;
	for (i = 0; id[i] != '\0'; i++)
		if (i >= GG_STORE_IDENTITY_MAX || id[i] < '!' || id[i] > '~')
			return false;
	return true;
}

/* A printable prefix keeps keys usable from redis-cli; spaces would not be. */
static bool
prefix_ok(const char *p)
{
	size_t i;

	for (i = 0; p[i] != '\0'; i++)
		if (i >= GG_STORE_PREFIX_MAX || p[i] < '!' || p[i] > '~')
			return false;
	return true;
}

int
gg_device_record_check(const struct gg_device_record *rec)
{
	if (rec == NULL)
		return -EINVAL;
	if (memchr(rec->identity, '\0', sizeof(rec->identity)) == NULL ||
			!gg_store_identity_ok(rec->identity))
		return -EINVAL;
	if ((unsigned int)rec->state >= GG_DEVICE_STATE_MAX)
		return -EINVAL;
	if (memchr(rec->cert_pem, '\0', sizeof(rec->cert_pem)) == NULL ||
			memchr(rec->cert_url, '\0', sizeof(rec->cert_url)) == NULL ||
			memchr(rec->auth_ctx_id, '\0',
				sizeof(rec->auth_ctx_id)) == NULL ||
			memchr(rec->auth_client, '\0',
				sizeof(rec->auth_client)) == NULL ||
			memchr(rec->notify_uri, '\0',
				sizeof(rec->notify_uri)) == NULL ||
			memchr(rec->supi, '\0', sizeof(rec->supi)) == NULL)
		return -EINVAL;
	if (rec->has_qfi && rec->qfi > 63)
		return -EINVAL;
	return 0;
}

int
gg_store_key(char *buf, size_t size, const char *prefix,
		enum gg_store_key_kind kind, const char *arg)
{
	const char *what;
	int n;

	if (buf == NULL || prefix == NULL)
		return -EINVAL;
	switch (kind) {
	case GG_STORE_KEY_DEVICE: what = "device:"; break;
	case GG_STORE_KEY_UEIP: what = "ueip:"; break;
	case GG_STORE_KEY_PROFILE: what = "profile:"; break;
	case GG_STORE_KEY_SUBSCRIPTION: what = "subscription:"; break;
	case GG_STORE_KEY_SEQ: what = "seq:"; break;
	case GG_STORE_KEY_DEVICES: what = "devices"; arg = ""; break;
	case GG_STORE_KEY_EVENTS: what = "events"; arg = ""; break;
	default: return -EINVAL;
	}
	if (arg == NULL)
		return -EINVAL;
	n = snprintf(buf, size, "%s%s%s", prefix, what, arg);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

const char *
gg_store_ipv4_str(uint32_t ipv4, char buf[16])
{
	struct in_addr a = { .s_addr = ipv4 };

	if (inet_ntop(AF_INET, &a, buf, 16) == NULL)
		strcpy(buf, "0.0.0.0");
	return buf;
}

int
gg_store_ipv4_parse(const char *str, uint32_t *ipv4)
{
	struct in_addr a;

	if (str == NULL || inet_pton(AF_INET, str, &a) != 1)
		return -EINVAL;
	*ipv4 = a.s_addr;
	return 0;
}

uint64_t
gg_store_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
gg_store_event_encode(char *buf, size_t size, const char *identity,
		enum gg_device_state state, uint32_t ue_ipv4, uint64_t ts_ms)
{
	char ip[16];
	json_t *o;
	size_t n;

	o = json_pack("{s:s, s:s, s:s, s:I}", "identity", identity,
			"state", gg_device_state_name(state),
			"ue_ipv4", gg_store_ipv4_str(ue_ipv4, ip),
			"ts_ms", (json_int_t)ts_ms);
	if (o == NULL)
		return -ENOMEM;
	n = json_dumpb(o, buf, size, JSON_COMPACT);
	json_decref(o);
	if (n == 0 || n >= size)
		return -ENOSPC;
	buf[n] = '\0';
	return (int)n;
}

/* Decode an event; false when it is not one of ours (counted, dropped). */
static bool
event_decode(const char *json, size_t len, struct gg_store_event *ev,
		json_t **root)
{
	json_t *o, *v;

	o = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	if (o == NULL)
		return false;
	*root = o;
	memset(ev, 0, sizeof(*ev));
	v = json_object_get(o, "identity");
	if (!json_is_string(v) || !gg_store_identity_ok(json_string_value(v)))
		return false;
	ev->identity = json_string_value(v);
	v = json_object_get(o, "state");
	if (!json_is_string(v) ||
			gg_device_state_parse(json_string_value(v), &ev->state) != 0)
		return false;
	v = json_object_get(o, "ue_ipv4");
	if (v != NULL && (!json_is_string(v) ||
			gg_store_ipv4_parse(json_string_value(v), &ev->ue_ipv4) != 0))
		return false;
	v = json_object_get(o, "ts_ms");
	if (v != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return false;
		ev->ts_ms = (uint64_t)json_integer_value(v);
	}
	return true;
}

void
gg_store_event_in(struct gg_store *s, const char *json, size_t len)
{
	struct gg_store_event ev;
	json_t *root = NULL;

	if (s->closing || s->event_cb == NULL)
		return;
	if (json == NULL) {
		s->event_cb(s, NULL, s->event_arg);
		return;
	}
	if (!event_decode(json, len, &ev, &root)) {
		s->stats.bad_events++;
		json_decref(root);
		return;
	}
	s->stats.events++;
	s->event_cb(s, &ev, s->event_arg);
	json_decref(root);
}

void
gg_store_set_error(struct gg_store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->last_error, sizeof(s->last_error), fmt, ap);
	va_end(ap);
}

void
gg_store_set_up(struct gg_store *s, bool up, const char *reason)
{
	if (s->closing || s->up == (int)up)
		return;
	s->up = up;
	if (s->state_cb != NULL)
		s->state_cb(s, up, up ? NULL : reason, s->state_arg);
}

void
gg_store_enter(struct gg_store *s)
{
	s->busy++;
}

static void
store_free(struct gg_store *s)
{
	if (s->ops != NULL && s->ops->free != NULL)
		s->ops->free(s);
	free(s->unix_path);
	free(s->host);
	free(s->user);
	if (s->password != NULL)
		memset(s->password, 0, strlen(s->password));
	free(s->password);
	free(s);
}

void
gg_store_leave(struct gg_store *s)
{
	if (--s->busy == 0 && s->closing)
		store_free(s);
}

void
gg_store_complete(struct gg_store *s, const struct gg_store_reply_to *rt,
		enum gg_store_status st, const struct gg_device_record *rec,
		const void *data, size_t len, uint64_t n)
{
	/* NOT_FOUND and CONFLICT are answers, not failures. */
	if (st != GG_STORE_OK && st != GG_STORE_NOT_FOUND &&
			st != GG_STORE_CONFLICT) {
		s->stats.errors++;
		if (st == GG_STORE_TIMEOUT)
			s->stats.timeouts++;
	}
	switch (rt->kind) {
	case GG_STORE_REPLY_DONE:
		if (rt->fn.done != NULL)
			rt->fn.done(s, st, rt->arg);
		break;
	case GG_STORE_REPLY_RECORD:
		rt->fn.record(s, st, st == GG_STORE_OK ? rec : NULL, rt->arg);
		break;
	case GG_STORE_REPLY_PROFILE:
		if (st != GG_STORE_OK) {
			data = NULL;
			len = 0;
		}
		rt->fn.profile(s, st, data, len, rt->arg);
		break;
	case GG_STORE_REPLY_LIST:
		rt->list_done(s, st, n, rt->arg);
		break;
	case GG_STORE_REPLY_SEQ:
		rt->fn.seq(s, st, st == GG_STORE_OK ? n : 0, rt->arg);
		break;
	}
}

static void
later_free(struct store_later *l)
{
	free(l->recs);
	free(l->data);
	free(l);
}

static void
later_deliver(struct gg_store *s, struct store_later *l)
{
	size_t i;

	if (l->is_event) {
		gg_store_event_in(s, l->data, l->len);
		return;
	}
	if (s->closing) {
		gg_store_complete(s, &l->rt, GG_STORE_CANCELLED, NULL, NULL, 0, 0);
		return;
	}
	if (l->rt.kind == GG_STORE_REPLY_LIST) {
		/* Stop handing out records if a callback closed the store. */
		for (i = 0; i < l->n_recs && !s->closing; i++)
			l->rt.fn.record(s, GG_STORE_OK, &l->recs[i], l->rt.arg);
		gg_store_complete(s, &l->rt, s->closing ? GG_STORE_CANCELLED :
				l->st, NULL, NULL, 0, l->n_recs);
		return;
	}
	gg_store_complete(s, &l->rt, l->st, l->n_recs > 0 ? l->recs : NULL,
			l->data, l->len, l->value);
}

/* The next-round timer: deliver what was queued before it fired; what the
 * callbacks queue meanwhile waits for the round after. */
static uint64_t
later_run(struct gg_evloop *loop, void *arg)
{
	struct gg_store *s = arg;
	TAILQ_HEAD(, store_later) now = TAILQ_HEAD_INITIALIZER(now);
	struct store_later *l;

	RTE_SET_USED(loop);
	s->later_timer = 0;
	TAILQ_CONCAT(&now, &s->later, next);
	gg_store_enter(s);
	while ((l = TAILQ_FIRST(&now)) != NULL) {
		TAILQ_REMOVE(&now, l, next);
		later_deliver(s, l);
		later_free(l);
	}
	gg_store_leave(s);
	return 0;
}

static int
later_queue(struct gg_store *s, struct store_later *l)
{
	if (s->later_timer == 0) {
		s->later_timer = gg_evloop_timer(s->loop, 0, later_run, s);
		if (s->later_timer < 0) {
			s->later_timer = 0;
			return -ENOMEM;
		}
	}
	TAILQ_INSERT_TAIL(&s->later, l, next);
	return 0;
}

int
gg_store_complete_later(struct gg_store *s, const struct gg_store_reply_to *rt,
		enum gg_store_status st, struct gg_device_record *recs,
		size_t n_recs, void *data, size_t len)
{
	struct store_later *l = calloc(1, sizeof(*l));

	if (l == NULL) {
		free(recs);
		free(data);
		return -ENOMEM;
	}
	l->rt = *rt;
	l->st = st;
	l->recs = recs;
	l->n_recs = n_recs;
	l->data = data;
	l->len = len;
	if (later_queue(s, l) != 0) {
		later_free(l);
		return -ENOMEM;
	}
	return 0;
}

int
gg_store_complete_value_later(struct gg_store *s,
		const struct gg_store_reply_to *rt, enum gg_store_status st,
		uint64_t value)
{
	struct store_later *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return -ENOMEM;
	l->rt = *rt;
	l->st = st;
	l->value = value;
	if (later_queue(s, l) != 0) {
		later_free(l);
		return -ENOMEM;
	}
	return 0;
}

int
gg_store_event_in_later(struct gg_store *s, const char *json, size_t len)
{
	struct store_later *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return -ENOMEM;
	l->is_event = true;
	if (json != NULL) {
		l->data = malloc(len + 1);
		if (l->data == NULL) {
			free(l);
			return -ENOMEM;
		}
		memcpy(l->data, json, len);
		((char *)l->data)[len] = '\0';
		l->len = len;
	}
	if (later_queue(s, l) != 0) {
		later_free(l);
		return -ENOMEM;
	}
	return 0;
}

static char *
dup_or_null(const char *str, bool *failed)
{
	char *d;

	if (str == NULL)
		return NULL;
	d = strdup(str);
	if (d == NULL)
		*failed = true;
	return d;
}

void
gg_store_params_from_conf(struct gg_store_params *p,
		const struct gg_conf_store *c)
{
	memset(p, 0, sizeof(*p));
	p->backend = c->backend;
	p->prefix = c->prefix;
	p->unix_path = c->unix_path[0] != '\0' ? c->unix_path : NULL;
	p->host = c->host;
	p->port = c->port;
	p->user = c->user[0] != '\0' ? c->user : NULL;
	p->password = c->password[0] != '\0' ? c->password : NULL;
	p->connect_timeout_ms = c->connect_timeout_ms;
	p->command_timeout_ms = c->command_timeout_ms;
}

struct gg_store *
gg_store_open(const struct gg_store_params *p, struct gg_evloop *loop)
{
	const char *name, *prefix;
	struct gg_store *s;
	bool nomem = false;
	unsigned int i;
	int ret;

	if (p == NULL || loop == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	name = p->backend != NULL ? p->backend : "redis";
	prefix = p->prefix != NULL ? p->prefix : GG_STORE_DEFAULT_PREFIX;
	if (!prefix_ok(prefix) || (p->reconnect_max_ms != 0 &&
			p->reconnect_max_ms < p->reconnect_min_ms)) {
		rte_errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < n_drivers; i++)
		if (strcmp(drivers[i]->name, name) == 0)
			break;
	if (i == n_drivers) {
		rte_errno = ENOENT;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	s->ops = drivers[i];
	s->loop = loop;
	strcpy(s->prefix, prefix);
	s->unix_path = dup_or_null(p->unix_path, &nomem);
	s->host = dup_or_null(p->host != NULL ? p->host : "127.0.0.1", &nomem);
	s->user = dup_or_null(p->user, &nomem);
	s->password = dup_or_null(p->password, &nomem);
	s->port = p->port != 0 ? p->port : DEFAULT_PORT;
	s->db = p->db;
	s->connect_timeout_ms = p->connect_timeout_ms != 0 ?
		p->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
	s->command_timeout_ms = p->command_timeout_ms != 0 ?
		p->command_timeout_ms : DEFAULT_COMMAND_TIMEOUT_MS;
	s->reconnect_min_ms = p->reconnect_min_ms != 0 ?
		p->reconnect_min_ms : DEFAULT_RECONNECT_MIN_MS;
	s->reconnect_max_ms = p->reconnect_max_ms != 0 ?
		p->reconnect_max_ms : DEFAULT_RECONNECT_MAX_MS;
	if (s->reconnect_max_ms < s->reconnect_min_ms)
		s->reconnect_max_ms = s->reconnect_min_ms;
	s->state_cb = p->state_cb;
	s->state_arg = p->state_arg;
	s->up = -1;
	TAILQ_INIT(&s->later);
	if (nomem) {
		s->ops = NULL;
		store_free(s);
		rte_errno = ENOMEM;
		return NULL;
	}
	ret = s->ops->open(s);
	if (ret != 0) {
		s->ops = NULL;
		store_free(s);
		rte_errno = -ret;
		return NULL;
	}
	return s;
}

void
gg_store_close(struct gg_store *s)
{
	struct store_later *l;

	if (s == NULL || s->closing)
		return;
	s->closing = true;
	gg_store_enter(s);
	s->ops->shutdown(s);
	if (s->later_timer != 0)
		gg_evloop_timer_cancel(s->loop, s->later_timer);
	s->later_timer = 0;
	while ((l = TAILQ_FIRST(&s->later)) != NULL) {
		TAILQ_REMOVE(&s->later, l, next);
		later_deliver(s, l);
		later_free(l);
	}
	gg_store_leave(s);
}

const char *
gg_store_backend(const struct gg_store *s)
{
	return s->ops->name;
}

bool
gg_store_is_up(const struct gg_store *s)
{
	return s->up == 1 && !s->closing;
}

void
gg_store_get_stats(const struct gg_store *s, struct gg_store_stats *st)
{
	*st = s->stats;
}

const char *
gg_store_last_error(const struct gg_store *s)
{
	return s->last_error;
}

/* Common gate of every request: 1 to go on to the backend, 0 when it was
 * answered already (down), a negative errno when it must be refused. */
static int
gate(struct gg_store *s, const struct gg_store_reply_to *rt)
{
	int ret;

	if (s->closing)
		return -ESHUTDOWN;
	if (s->up == 1)
		return 1;
	s->stats.rejected_down++;
	ret = gg_store_complete_later(s, rt, GG_STORE_DOWN, NULL, 0, NULL, 0);
	return ret < 0 ? ret : 0;
}

int
gg_store_put(struct gg_store *s, const struct gg_device_record *rec,
		gg_store_done_cb cb, void *arg)
{
	struct gg_store_reply_to rt = { .kind = GG_STORE_REPLY_DONE,
		.fn.done = cb, .arg = arg };
	char json[GG_STORE_IDENTITY_MAX * 6 + 128];
	uint64_t now, created, updated;
	int ret;

	if (s == NULL || gg_device_record_check(rec) != 0)
		return -EINVAL;
	ret = gate(s, &rt);
	if (ret <= 0)
		return ret;
	now = gg_store_wall_ms();
	created = rec->created_ms != 0 ? rec->created_ms : now;
	updated = rec->updated_ms != 0 ? rec->updated_ms : now;
	ret = gg_store_event_encode(json, sizeof(json), rec->identity,
			rec->state, rec->ue_ipv4, updated);
	if (ret < 0)
		return ret;
	return s->ops->put(s, rec, created, updated, json, &rt);
}

int
gg_store_get(struct gg_store *s, const char *identity, gg_store_record_cb cb,
		void *arg)
{
	struct gg_store_reply_to rt = { .kind = GG_STORE_REPLY_RECORD,
		.fn.record = cb, .arg = arg };
	int ret;

	if (s == NULL || cb == NULL || !gg_store_identity_ok(identity))
		return -EINVAL;
	ret = gate(s, &rt);
	if (ret <= 0)
		return ret;
	return s->ops->get(s, identity, &rt);
}

int
gg_store_get_by_ueip(struct gg_store *s, uint32_t ue_ipv4,
		gg_store_record_cb cb, void *arg)
{
	struct gg_store_reply_to rt = { .kind = GG_STORE_REPLY_RECORD,
		.fn.record = cb, .arg = arg };
	int ret;

	if (s == NULL || cb == NULL || ue_ipv4 == 0)
		return -EINVAL;
	ret = gate(s, &rt);
	if (ret <= 0)
		return ret;
	return s->ops->get_by_ueip(s, ue_ipv4, &rt);
}

int
gg_store_del(struct gg_store *s, const char *identity, gg_store_done_cb cb,
		void *arg)
{
	struct gg_store_reply_to rt = { .kind = GG_STORE_REPLY_DONE,
		.fn.done = cb, .arg = arg };
	int ret;

	if (s == NULL || !gg_store_identity_ok(identity))
		return -EINVAL;
	ret = gate(s, &rt);
	if (ret <= 0)
		return ret;
	return s->ops->del(s, identity, gg_store_wall_ms(), &rt);
}

int
gg_store_list_all(struct gg_store *s, gg_store_record_cb rec_cb,
		gg_store_list_done_cb done_cb, void *arg)
{
	struct gg_store_reply_to rt = { .kind = GG_STORE_REPLY_LIST,
		.fn.record = rec_cb, .list_done = done_cb, .arg = arg };
	int ret;

	if (s == NULL || rec_cb == NULL || done_cb == NULL)
		return -EINVAL;
	ret = gate(s, &rt);
	if (ret <= 0)
		return ret;
	return s->ops->list_all(s, &rt);
}

int
gg_store_put_profile(struct gg_store *s, const char *identity,
		const void *data, size_t len, gg_store_done_cb cb, void *arg)
{
	struct gg_store_reply_to rt = { .kind = GG_STORE_REPLY_DONE,
		.fn.done = cb, .arg = arg };
	int ret;

	if (s == NULL || !gg_store_identity_ok(identity) ||
			(data == NULL && len != 0) || len > GG_STORE_PROFILE_MAX)
		return -EINVAL;
	ret = gate(s, &rt);
	if (ret <= 0)
		return ret;
	return s->ops->put_profile(s, identity, data, len, &rt);
}

int
gg_store_get_profile(struct gg_store *s, const char *identity,
		gg_store_profile_cb cb, void *arg)
{
	struct gg_store_reply_to rt = { .kind = GG_STORE_REPLY_PROFILE,
		.fn.profile = cb, .arg = arg };
	int ret;

	if (s == NULL || cb == NULL || !gg_store_identity_ok(identity))
		return -EINVAL;
	ret = gate(s, &rt);
	if (ret <= 0)
		return ret;
	return s->ops->get_profile(s, identity, &rt);
}

int
gg_store_subscribe(struct gg_store *s, gg_store_event_cb cb, void *arg)
{
	bool was_on;
	int ret;

	if (s == NULL)
		return -EINVAL;
	if (s->closing)
		return -ESHUTDOWN;
	was_on = s->event_cb != NULL;
	s->event_cb = cb;
	s->event_arg = arg;
	if (was_on == (cb != NULL))
		return 0;
	ret = s->ops->subscribe(s, cb != NULL);
	if (ret != 0) {
		s->event_cb = NULL;
		s->event_arg = NULL;
	}
	return ret;
}

bool
gg_store_seq_name_ok(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		return false;
	for (i = 0; name[i] != '\0'; i++)
		if (i >= GG_STORE_SEQ_NAME_MAX || name[i] < '!' || name[i] > '~')
			return false;
	return true;
}

int
gg_store_next_seq(struct gg_store *s, const char *name, gg_store_seq_cb cb,
		void *arg)
{
	struct gg_store_reply_to rt = { .kind = GG_STORE_REPLY_SEQ,
		.fn.seq = cb, .arg = arg };
	int ret;

	if (s == NULL || cb == NULL || !gg_store_seq_name_ok(name))
		return -EINVAL;
	ret = gate(s, &rt);
	if (ret <= 0)
		return ret;
	return s->ops->next_seq(s, name, &rt);
}

/* n lowercase hex digits exactly, in an array of n + 1. */
static bool
hex_ok(const char *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return h[n] == '\0';
}

/* "imsi-" and 6..15 digits (MCC, MNC and at least one MSIN digit). */
static bool
supi_ok(const char *supi, size_t size)
{
	size_t i, n;

	if (memchr(supi, '\0', size) == NULL || strncmp(supi, "imsi-", 5) != 0)
		return false;
	n = strlen(supi + 5);
	if (n < 6 || n > 15)
		return false;
	for (i = 5; supi[i] != '\0'; i++)
		if (supi[i] < '0' || supi[i] > '9')
			return false;
	return true;
}

static bool
subscription_ok(const struct gg_subscription *sub)
{
	size_t i;

	if (memchr(sub->identity, '\0', sizeof(sub->identity)) == NULL ||
			!gg_store_identity_ok(sub->identity) ||
			!supi_ok(sub->supi, sizeof(sub->supi)) ||
			memchr(sub->plan, '\0', sizeof(sub->plan)) == NULL ||
			sub->plan[0] == '\0' ||
			!hex_ok(sub->k_hex, 32) || !hex_ok(sub->opc_hex, 32) ||
			!hex_ok(sub->amf_hex, 4))
		return false;
	for (i = 0; sub->plan[i] != '\0'; i++)
		if (sub->plan[i] < '!' || sub->plan[i] > '~')
			return false;
	return true;
}

int
gg_store_provision(struct gg_store *s, const struct gg_subscription *sub,
		const void *profile, size_t len, gg_store_done_cb cb, void *arg)
{
	struct gg_store_reply_to rt = { .kind = GG_STORE_REPLY_DONE,
		.fn.done = cb, .arg = arg };
	struct gg_subscription copy;
	uint64_t now;
	int ret;

	if (s == NULL || sub == NULL || !subscription_ok(sub) ||
			(profile == NULL && len != 0) || len == 0 ||
			len > GG_STORE_PROFILE_MAX)
		return -EINVAL;
	ret = gate(s, &rt);
	if (ret <= 0)
		return ret;
	now = gg_store_wall_ms();
	copy = *sub;
	if (copy.created_ms == 0)
		copy.created_ms = now;
	return s->ops->provision(s, &copy, profile, len, now, &rt);
}

int
gg_store_set_state_if(struct gg_store *s, const char *identity,
		enum gg_device_state from, enum gg_device_state to,
		gg_store_done_cb cb, void *arg)
{
	struct gg_store_reply_to rt = { .kind = GG_STORE_REPLY_DONE,
		.fn.done = cb, .arg = arg };
	int ret;

	/* "detached" is what a delete announces, never a stored state to
	 * move to; from == to would announce a change that is none. */
	if (s == NULL || !gg_store_identity_ok(identity) ||
			(unsigned int)from >= GG_DEVICE_STATE_MAX ||
			(unsigned int)to >= GG_DEVICE_STATE_MAX || from == to ||
			to == GG_DEVICE_DETACHED)
		return -EINVAL;
	ret = gate(s, &rt);
	if (ret <= 0)
		return ret;
	return s->ops->set_state_if(s, identity, from, to, gg_store_wall_ms(),
			&rt);
}
