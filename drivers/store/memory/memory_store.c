/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-memory store backend ("memory"): the same operations and the same
 * semantics as the redis backend, computed synchronously on process-wide
 * namespaces (one per prefix) and answered on the next loop round through
 * the common completion queue. See gg_store_memory.h for what it is for.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "gg_evloop.h"
#include "gg_store_memory.h"
#include "store_driver.h"

/* A chained string-keyed hash: small, enough for unit tests. */
struct mem_ent {
	struct mem_ent *next;
	char *key;
	void *val;
};

struct mem_map {
	struct mem_ent **b;
	size_t nb;
	size_t n;
};

/* What a Redis server would hold for one identity. */
struct mem_dev {
	struct gg_device_record *rec;   /* NULL: no record */
	void *profile;
	size_t profile_len;
	bool has_profile;
};

struct mstore;

/* One prefix: the data of every memory store opened with it. */
struct mem_space {
	LIST_ENTRY(mem_space) next;
	char prefix[GG_STORE_PREFIX_MAX + 1];
	unsigned int refs;
	struct mem_map devs;            /* identity -> struct mem_dev */
	struct mem_map ueip;            /* dotted quad -> identity (owned) */
	struct mem_map subs_by_supi;    /* SUPI -> struct gg_subscription */
	struct mem_map seqs;            /* sequence name -> uint64_t */
	LIST_HEAD(, mstore) subs;       /* stores subscribed to the events */
};

struct mstore {
	struct gg_store *s;
	struct mem_space *sp;
	LIST_ENTRY(mstore) sub_next;
	bool subscribed;
	long up_timer;
};

static LIST_HEAD(, mem_space) spaces = LIST_HEAD_INITIALIZER(spaces);

static const struct gg_store_ops memory_ops;

static uint64_t
hash_str(const char *k)
{
	uint64_t h = 1469598103934665603ull;

	while (*k != '\0')
		h = (h ^ (unsigned char)*k++) * 1099511628211ull;
	return h;
}

static struct mem_ent **
map_slot(const struct mem_map *m, const char *key)
{
	struct mem_ent **e;

	if (m->nb == 0)
		return NULL;
	for (e = &m->b[hash_str(key) % m->nb]; *e != NULL; e = &(*e)->next)
		if (strcmp((*e)->key, key) == 0)
			return e;
	return e;
}

static void *
map_get(const struct mem_map *m, const char *key)
{
	struct mem_ent **e = map_slot(m, key);

	return e != NULL && *e != NULL ? (*e)->val : NULL;
}

static int
map_grow(struct mem_map *m)
{
	size_t nb = m->nb != 0 ? m->nb * 2 : 64, i;
	struct mem_ent **b = calloc(nb, sizeof(*b));
	struct mem_ent *e;

	if (b == NULL)
		return -ENOMEM;
	for (i = 0; i < m->nb; i++) {
		while ((e = m->b[i]) != NULL) {
			m->b[i] = e->next;
			e->next = b[hash_str(e->key) % nb];
			b[hash_str(e->key) % nb] = e;
		}
	}
	free(m->b);
	m->b = b;
	m->nb = nb;
	return 0;
}

/* Insert or replace; returns the value replaced (or NULL). On failure
 * *failed is set and nothing changes. */
static void *
map_put(struct mem_map *m, const char *key, void *val, bool *failed)
{
	struct mem_ent **e, *n;
	void *old;

	if (m->n >= m->nb && map_grow(m) != 0) {
		*failed = true;
		return NULL;
	}
	e = map_slot(m, key);
	if (*e != NULL) {
		old = (*e)->val;
		(*e)->val = val;
		return old;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL || (n->key = strdup(key)) == NULL) {
		free(n);
		*failed = true;
		return NULL;
	}
	n->val = val;
	*e = n;
	m->n++;
	return NULL;
}

static void *
map_del(struct mem_map *m, const char *key)
{
	struct mem_ent **e = map_slot(m, key), *n;
	void *val;

	if (e == NULL || *e == NULL)
		return NULL;
	n = *e;
	*e = n->next;
	val = n->val;
	free(n->key);
	free(n);
	m->n--;
	return val;
}

static void
dev_free(struct mem_dev *d)
{
	if (d == NULL)
		return;
	free(d->rec);
	free(d->profile);
	free(d);
}

/* Drop a map whose values are plain malloc'ed blocks. */
static void
map_free_all(struct mem_map *m)
{
	struct mem_ent *e;
	size_t i;

	for (i = 0; i < m->nb; i++)
		while ((e = m->b[i]) != NULL) {
			m->b[i] = e->next;
			free(e->val);
			free(e->key);
			free(e);
		}
	free(m->b);
	m->b = NULL;
	m->nb = 0;
	m->n = 0;
}

static void
space_free(struct mem_space *sp)
{
	size_t i;
	struct mem_ent *e;

	for (i = 0; i < sp->devs.nb; i++)
		while ((e = sp->devs.b[i]) != NULL) {
			sp->devs.b[i] = e->next;
			dev_free(e->val);
			free(e->key);
			free(e);
		}
	map_free_all(&sp->ueip);
	map_free_all(&sp->subs_by_supi);
	map_free_all(&sp->seqs);
	free(sp->devs.b);
	free(sp);
}

static struct mem_space *
space_get(const char *prefix)
{
	struct mem_space *sp;

	LIST_FOREACH(sp, &spaces, next)
		if (strcmp(sp->prefix, prefix) == 0)
			break;
	if (sp == NULL) {
		sp = calloc(1, sizeof(*sp));
		if (sp == NULL)
			return NULL;
		strcpy(sp->prefix, prefix);
		LIST_INIT(&sp->subs);
		LIST_INSERT_HEAD(&spaces, sp, next);
	}
	sp->refs++;
	return sp;
}

/* PUBLISH: every subscribed store gets it on its next round. */
static void
publish(struct mem_space *sp, const char *json)
{
	struct mstore *m;

	LIST_FOREACH(m, &sp->subs, sub_next)
		gg_store_event_in_later(m->s, json, strlen(json));
}

static struct gg_device_record *
rec_copy(const struct gg_device_record *rec)
{
	struct gg_device_record *c = malloc(sizeof(*c));

	if (c != NULL)
		memcpy(c, rec, sizeof(*c));
	return c;
}

/* Drop the UE IP index entry of @p ip if it names @p identity. */
static void
index_unlink(struct mem_space *sp, uint32_t ip, const char *identity)
{
	char ue[16];
	const char *owner;

	if (ip == 0)
		return;
	gg_store_ipv4_str(ip, ue);
	owner = map_get(&sp->ueip, ue);
	if (owner != NULL && strcmp(owner, identity) == 0)
		free(map_del(&sp->ueip, ue));
}

static struct mem_dev *
dev_get_or_add(struct mem_space *sp, const char *identity)
{
	struct mem_dev *d = map_get(&sp->devs, identity);
	bool failed = false;

	if (d != NULL)
		return d;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	map_put(&sp->devs, identity, d, &failed);
	if (failed) {
		free(d);
		return NULL;
	}
	return d;
}

static int
mem_put(struct gg_store *s, const struct gg_device_record *rec,
		uint64_t created_ms, uint64_t updated_ms, const char *event_json,
		const struct gg_store_reply_to *rt)
{
	struct mstore *m = s->priv;
	struct mem_space *sp = m->sp;
	struct gg_device_record *copy = rec_copy(rec);
	char ue[16], *owner = NULL;
	struct mem_dev *d;
	bool changed, failed = false;

	if (copy == NULL)
		return -ENOMEM;
	copy->created_ms = created_ms;
	copy->updated_ms = updated_ms;
	if (rec->ue_ipv4 != 0 && (owner = strdup(rec->identity)) == NULL) {
		free(copy);
		return -ENOMEM;
	}
	d = dev_get_or_add(sp, rec->identity);
	if (d == NULL) {
		free(copy);
		free(owner);
		return -ENOMEM;
	}
	if (d->rec != NULL && d->rec->ue_ipv4 != rec->ue_ipv4)
		index_unlink(sp, d->rec->ue_ipv4, rec->identity);
	if (owner != NULL) {
		free(map_put(&sp->ueip, gg_store_ipv4_str(rec->ue_ipv4, ue),
				owner, &failed));
		if (failed)
			free(owner); /* as Redis out of memory: record kept */
	}
	changed = d->rec == NULL || d->rec->state != rec->state;
	free(d->rec);
	d->rec = copy;
	if (changed)
		publish(sp, event_json);
	return gg_store_complete_later(s, rt, failed ? GG_STORE_ERROR :
			GG_STORE_OK, NULL, 0, NULL, 0);
}

static int
reply_record(struct gg_store *s, const struct gg_store_reply_to *rt,
		const struct gg_device_record *rec)
{
	struct gg_device_record *copy;

	if (rec == NULL)
		return gg_store_complete_later(s, rt, GG_STORE_NOT_FOUND, NULL,
				0, NULL, 0);
	copy = rec_copy(rec);
	if (copy == NULL)
		return -ENOMEM;
	return gg_store_complete_later(s, rt, GG_STORE_OK, copy, 1, NULL, 0);
}

static int
mem_get(struct gg_store *s, const char *identity,
		const struct gg_store_reply_to *rt)
{
	struct mstore *m = s->priv;
	struct mem_dev *d = map_get(&m->sp->devs, identity);

	return reply_record(s, rt, d != NULL ? d->rec : NULL);
}

static int
mem_get_by_ueip(struct gg_store *s, uint32_t ue_ipv4,
		const struct gg_store_reply_to *rt)
{
	struct mstore *m = s->priv;
	const char *owner;
	struct mem_dev *d = NULL;
	char ue[16];

	owner = map_get(&m->sp->ueip, gg_store_ipv4_str(ue_ipv4, ue));
	if (owner != NULL)
		d = map_get(&m->sp->devs, owner);
	if (d == NULL || d->rec == NULL || d->rec->ue_ipv4 != ue_ipv4)
		return reply_record(s, rt, NULL);
	return reply_record(s, rt, d->rec);
}

static int
mem_del(struct gg_store *s, const char *identity, uint64_t now_ms,
		const struct gg_store_reply_to *rt)
{
	struct mstore *m = s->priv;
	struct mem_space *sp = m->sp;
	struct mem_dev *d = map_get(&sp->devs, identity);
	char json[GG_STORE_IDENTITY_MAX * 6 + 128];
	bool found = d != NULL && d->rec != NULL;

	if (found) {
		index_unlink(sp, d->rec->ue_ipv4, identity);
		if (gg_store_event_encode(json, sizeof(json), identity,
				GG_DEVICE_DETACHED, d->rec->ue_ipv4, now_ms) > 0)
			publish(sp, json);
	}
	dev_free(map_del(&sp->devs, identity));
	return gg_store_complete_later(s, rt, found ? GG_STORE_OK :
			GG_STORE_NOT_FOUND, NULL, 0, NULL, 0);
}

static int
mem_list_all(struct gg_store *s, const struct gg_store_reply_to *rt)
{
	struct mstore *m = s->priv;
	struct mem_map *devs = &m->sp->devs;
	struct gg_device_record *recs;
	struct mem_ent *e;
	size_t i, n = 0;

	recs = malloc((devs->n + 1) * sizeof(*recs));
	if (recs == NULL)
		return -ENOMEM;
	for (i = 0; i < devs->nb; i++)
		for (e = devs->b[i]; e != NULL; e = e->next) {
			struct mem_dev *d = e->val;

			if (d->rec != NULL)
				memcpy(&recs[n++], d->rec, sizeof(*recs));
		}
	return gg_store_complete_later(s, rt, GG_STORE_OK, recs, n, NULL, 0);
}

static int
mem_put_profile(struct gg_store *s, const char *identity, const void *data,
		size_t len, const struct gg_store_reply_to *rt)
{
	struct mstore *m = s->priv;
	void *copy = malloc(len + 1);
	struct mem_dev *d;

	if (copy == NULL)
		return -ENOMEM;
	if (len != 0)
		memcpy(copy, data, len);
	d = dev_get_or_add(m->sp, identity);
	if (d == NULL) {
		free(copy);
		return -ENOMEM;
	}
	free(d->profile);
	d->profile = copy;
	d->profile_len = len;
	d->has_profile = true;
	return gg_store_complete_later(s, rt, GG_STORE_OK, NULL, 0, NULL, 0);
}

static int
mem_get_profile(struct gg_store *s, const char *identity,
		const struct gg_store_reply_to *rt)
{
	struct mstore *m = s->priv;
	struct mem_dev *d = map_get(&m->sp->devs, identity);
	void *copy;

	if (d == NULL || !d->has_profile)
		return gg_store_complete_later(s, rt, GG_STORE_NOT_FOUND, NULL,
				0, NULL, 0);
	copy = malloc(d->profile_len + 1);
	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, d->profile, d->profile_len);
	return gg_store_complete_later(s, rt, GG_STORE_OK, NULL, 0, copy,
			d->profile_len);
}

static int
mem_next_seq(struct gg_store *s, const char *name,
		const struct gg_store_reply_to *rt)
{
	struct mstore *m = s->priv;
	uint64_t *v = map_get(&m->sp->seqs, name);
	bool failed = false;

	if (v == NULL) {
		v = calloc(1, sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		map_put(&m->sp->seqs, name, v, &failed);
		if (failed) {
			free(v);
			return -ENOMEM;
		}
	}
	++*v;
	return gg_store_complete_value_later(s, rt, GG_STORE_OK, *v);
}

/* The event of a state change made in place (provision, set_state_if). */
static void
publish_state(struct mem_space *sp, const struct gg_device_record *rec)
{
	char json[GG_STORE_IDENTITY_MAX * 6 + 128];

	if (gg_store_event_encode(json, sizeof(json), rec->identity,
			rec->state, rec->ue_ipv4, rec->updated_ms) > 0)
		publish(sp, json);
}

static int
mem_provision(struct gg_store *s, const struct gg_subscription *sub,
		const void *profile, size_t len, uint64_t now_ms,
		const struct gg_store_reply_to *rt)
{
	struct mstore *m = s->priv;
	struct mem_space *sp = m->sp;
	struct mem_dev *d = map_get(&sp->devs, sub->identity);
	struct gg_subscription *copy;
	enum gg_store_status st;
	bool failed = false;
	void *prof;

	/* Checks first, as the script does: nothing written on refusal. */
	if (d == NULL || d->rec == NULL)
		st = GG_STORE_NOT_FOUND;
	else if (d->rec->state != GG_DEVICE_LIMITED ||
			map_get(&sp->subs_by_supi, sub->supi) != NULL)
		st = GG_STORE_CONFLICT;
	else
		st = GG_STORE_OK;
	if (st != GG_STORE_OK)
		return gg_store_complete_later(s, rt, st, NULL, 0, NULL, 0);
	copy = malloc(sizeof(*copy));
	prof = malloc(len);
	if (copy == NULL || prof == NULL) {
		free(copy);
		free(prof);
		return -ENOMEM;
	}
	*copy = *sub;
	map_put(&sp->subs_by_supi, sub->supi, copy, &failed);
	if (failed) {
		free(copy);
		free(prof);
		return -ENOMEM;
	}
	memcpy(prof, profile, len);
	free(d->profile);
	d->profile = prof;
	d->profile_len = len;
	d->has_profile = true;
	d->rec->state = GG_DEVICE_PROVISIONED;
	snprintf(d->rec->supi, sizeof(d->rec->supi), "%s", sub->supi);
	d->rec->updated_ms = now_ms;
	publish_state(sp, d->rec);
	return gg_store_complete_later(s, rt, GG_STORE_OK, NULL, 0, NULL, 0);
}

static int
mem_set_state_if(struct gg_store *s, const char *identity,
		enum gg_device_state from, enum gg_device_state to,
		uint64_t now_ms, const struct gg_store_reply_to *rt)
{
	struct mstore *m = s->priv;
	struct mem_dev *d = map_get(&m->sp->devs, identity);
	enum gg_store_status st = GG_STORE_OK;

	if (d == NULL || d->rec == NULL) {
		st = GG_STORE_NOT_FOUND;
	} else if (d->rec->state != from) {
		st = GG_STORE_CONFLICT;
	} else {
		d->rec->state = to;
		d->rec->updated_ms = now_ms;
		publish_state(m->sp, d->rec);
	}
	return gg_store_complete_later(s, rt, st, NULL, 0, NULL, 0);
}

static int
mem_subscribe(struct gg_store *s, bool on)
{
	struct mstore *m = s->priv;

	if (on == m->subscribed)
		return 0;
	if (on) {
		/* Confirmed on the next round, as a SUBSCRIBE reply would be. */
		if (gg_store_event_in_later(s, NULL, 0) != 0)
			return -ENOMEM;
		LIST_INSERT_HEAD(&m->sp->subs, m, sub_next);
		s->stats.sub_connects++;
	} else {
		LIST_REMOVE(m, sub_next);
	}
	m->subscribed = on;
	return 0;
}

static uint64_t
report_up(struct gg_evloop *loop, void *arg)
{
	struct mstore *m = arg;
	struct gg_store *s = m->s;

	RTE_SET_USED(loop);
	m->up_timer = 0;
	gg_store_enter(s);
	if (!s->closing && s->up == 1 && s->state_cb != NULL)
		s->state_cb(s, true, NULL, s->state_arg);
	gg_store_leave(s);
	return 0;
}

static int
mem_open(struct gg_store *s)
{
	struct mstore *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return -ENOMEM;
	m->s = s;
	m->sp = space_get(s->prefix);
	m->up_timer = gg_evloop_timer(s->loop, 0, report_up, m);
	if (m->sp == NULL || m->up_timer <= 0) {
		if (m->sp != NULL && --m->sp->refs == 0) {
			LIST_REMOVE(m->sp, next);
			space_free(m->sp);
		}
		if (m->up_timer > 0)
			gg_evloop_timer_cancel(s->loop, m->up_timer);
		free(m);
		return -ENOMEM;
	}
	s->priv = m;
	/* Up at once: the state callback follows on the first round. */
	s->up = 1;
	s->stats.connects++;
	return 0;
}

static void
mem_shutdown(struct gg_store *s)
{
	struct mstore *m = s->priv;

	if (m->up_timer != 0)
		gg_evloop_timer_cancel(s->loop, m->up_timer);
	m->up_timer = 0;
	if (m->subscribed)
		LIST_REMOVE(m, sub_next);
	m->subscribed = false;
}

static void
mem_free(struct gg_store *s)
{
	struct mstore *m = s->priv;

	if (--m->sp->refs == 0) {
		LIST_REMOVE(m->sp, next);
		space_free(m->sp);
	}
	free(m);
}

int
gg_store_memory_set_down(struct gg_store *s, bool down, const char *reason)
{
	if (s == NULL || s->ops != &memory_ops || s->closing)
		return -EINVAL;
	if (down == (s->up != 1))
		return 0;
	if (down) {
		s->stats.disconnects++;
		gg_store_set_error(s, "%s", reason != NULL ? reason : "down");
	} else {
		s->stats.connects++;
	}
	gg_store_set_up(s, !down, s->last_error);
	return 0;
}

static const struct gg_store_ops memory_ops = {
	.name = "memory",
	.open = mem_open,
	.shutdown = mem_shutdown,
	.free = mem_free,
	.put = mem_put,
	.get = mem_get,
	.get_by_ueip = mem_get_by_ueip,
	.del = mem_del,
	.list_all = mem_list_all,
	.put_profile = mem_put_profile,
	.get_profile = mem_get_profile,
	.next_seq = mem_next_seq,
	.provision = mem_provision,
	.set_state_if = mem_set_state_if,
	.subscribe = mem_subscribe,
};

GG_STORE_DRIVER_REGISTER(memory_ops)

int
gg_store_memory_subscription(struct gg_store *s, const char *supi,
		struct gg_subscription *sub)
{
	struct mstore *m;
	const struct gg_subscription *have;

	if (s == NULL || s->ops != &memory_ops || supi == NULL || sub == NULL)
		return -EINVAL;
	m = s->priv;
	have = map_get(&m->sp->subs_by_supi, supi);
	if (have == NULL)
		return -ENOENT;
	*sub = *have;
	return 0;
}
