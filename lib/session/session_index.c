/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session index, the writer's side and the single-key lookup
 * (session_index.h has the layout, the rules and the bulk lookup).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "session_index.h"

static inline uint64_t
entry_make(uint32_t key, uint32_t id)
{
	return (uint64_t)key << 32 | id;
}

static inline uint32_t
entry_key(uint64_t e)
{
	return (uint32_t)(e >> 32);
}

/* A free way of @p b, or -1. Writer: plain reads see its own stores. */
static int
free_way(const struct session_index_bucket *b)
{
	unsigned int i;

	for (i = 0; i < SESSION_INDEX_WAYS; i++)
		if (b->entry[i] == SESSION_INDEX_FREE)
			return (int)i;
	return -1;
}

static int
way_of(const struct session_index_bucket *b, uint32_t key)
{
	unsigned int i;

	for (i = 0; i < SESSION_INDEX_WAYS; i++)
		if (b->entry[i] != SESSION_INDEX_FREE &&
				entry_key(b->entry[i]) == key)
			return (int)i;
	return -1;
}

static inline void
publish(struct session_index_bucket *b, int way, uint64_t e)
{
	__atomic_store_n(&b->entry[way], e, __ATOMIC_RELEASE);
}

static inline void
spilled_add(struct session_index_bucket *b, int delta)
{
	__atomic_store_n(&b->spilled, b->spilled + (uint32_t)delta,
			__ATOMIC_RELEASE);
}

uint32_t
session_index_find(const struct session_index *x, uint32_t key)
{
	const struct session_index_bucket *b;
	uint32_t id;

	b = &x->buckets[session_index_first(x, key)];
	id = session_index_scan(b, key);
	if (id != SESSION_INDEX_MISS ||
			__atomic_load_n(&b->spilled, __ATOMIC_ACQUIRE) == 0)
		return id;
	return session_index_scan(&x->buckets[session_index_second(x, key)],
			key);
}

uint32_t
session_index_buckets_for(uint32_t capacity)
{
	/* capacity / 4.2, rounded up, at least 1: average load <= 60 %. */
	uint64_t need = ((uint64_t)capacity * 5 + 20) / 21;

	return rte_align32pow2((uint32_t)RTE_MAX(need, (uint64_t)1));
}

int
session_index_init(struct session_index *x, uint32_t capacity, int socket_id)
{
	uint32_t n, b;
	unsigned int i;

	if (capacity == 0 || capacity > (UINT32_MAX / 8) * 7)
		return -EINVAL;
	n = session_index_buckets_for(capacity);
	x->buckets = session_mem_alloc(&x->mem, "gg_session_index",
			(size_t)n * sizeof(*x->buckets), socket_id);
	if (x->buckets == NULL)
		return -ENOMEM;
	for (b = 0; b < n; b++)
		for (i = 0; i < SESSION_INDEX_WAYS; i++)
			x->buckets[b].entry[i] = SESSION_INDEX_FREE;
	x->mask = n - 1;
	x->n_keys = 0;
	x->n_second = 0;
	return 0;
}

void
session_index_free(struct session_index *x)
{
	session_mem_free(&x->mem);
	x->buckets = NULL;
}

/*
 * Make room in @p b by moving one of its entries that lives in its own
 * first choice (b) to its second choice. Returns the freed way, or -1.
 */
static int
displace_from(struct session_index *x, struct session_index_bucket *b)
{
	unsigned int i;

	for (i = 0; i < SESSION_INDEX_WAYS; i++) {
		uint64_t e = b->entry[i];
		uint32_t key = entry_key(e);
		struct session_index_bucket *alt;
		int way;

		if (&x->buckets[session_index_first(x, key)] != b)
			continue;
		alt = &x->buckets[session_index_second(x, key)];
		way = free_way(alt);
		if (way < 0)
			continue;
		/* Copy, count, clear: a reader finds the key throughout. */
		publish(alt, way, e);
		spilled_add(b, 1);
		publish(b, (int)i, SESSION_INDEX_FREE);
		x->n_second++;
		return (int)i;
	}
	return -1;
}

int
session_index_add(struct session_index *x, uint32_t key, uint32_t id)
{
	struct session_index_bucket *b1, *b2;
	int way;

	if (key == 0 || id == SESSION_INDEX_MISS)
		return -EINVAL;
	if (session_index_find(x, key) != SESSION_INDEX_MISS)
		return -EEXIST;
	b1 = &x->buckets[session_index_first(x, key)];
	b2 = &x->buckets[session_index_second(x, key)];

	way = free_way(b1);
	if (way < 0)
		way = displace_from(x, b1);
	if (way >= 0) {
		publish(b1, way, entry_make(key, id));
		x->n_keys++;
		return 0;
	}
	way = free_way(b2);
	if (way < 0)
		way = displace_from(x, b2);
	if (way < 0)
		return -ENOSPC;
	/* Entry first, then the count readers check before looking here. */
	publish(b2, way, entry_make(key, id));
	spilled_add(b1, 1);
	x->n_keys++;
	x->n_second++;
	return 0;
}

int
session_index_del(struct session_index *x, uint32_t key)
{
	struct session_index_bucket *b1, *b2;
	int way;

	if (key == 0)
		return -ENOENT;
	b1 = &x->buckets[session_index_first(x, key)];
	way = way_of(b1, key);
	if (way >= 0) {
		publish(b1, way, SESSION_INDEX_FREE);
		x->n_keys--;
		return 0;
	}
	if (b1->spilled == 0)
		return -ENOENT;
	b2 = &x->buckets[session_index_second(x, key)];
	way = way_of(b2, key);
	if (way < 0)
		return -ENOENT;
	publish(b2, way, SESSION_INDEX_FREE);
	spilled_add(b1, -1);
	x->n_keys--;
	x->n_second--;
	return 0;
}

int
session_index_walk(const struct session_index *x,
		int (*fn)(uint32_t id, void *arg), void *arg)
{
	uint32_t b;
	unsigned int i;
	int ret;

	for (b = 0; b <= x->mask; b++) {
		for (i = 0; i < SESSION_INDEX_WAYS; i++) {
			uint64_t e = x->buckets[b].entry[i];

			if (e == SESSION_INDEX_FREE)
				continue;
			ret = fn((uint32_t)e, arg);
			if (ret != 0)
				return ret;
		}
	}
	return 0;
}
