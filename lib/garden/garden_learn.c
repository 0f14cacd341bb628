/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walled garden learned addresses: a lock-free rte_hash keyed by
 * (scope, IPv4) whose data is the expiry second itself (no pointer, so a
 * refresh is one atomic store by rte_hash_add_key_data() on the existing
 * key), and, on the control side only, a binary min-heap of the entries
 * by expiry.
 *
 * The heap gives the control lcore, in O(log n) and without scanning:
 *  - bounded expiry: gg_garden_expire() pops the soonest entries while they
 *    are due, at most N per call;
 *  - the eviction victim when the table is full: the entry that expires
 *    first (the one losing least, and usually an already expired one).
 * Heap entries are rte_hash key positions; the shadow array meta[] indexed
 * by position holds each entry's key, expiry and heap index. A position is
 * stable while its key is in the table and may come back for another key
 * after a delete's grace period, by which time meta[] was rewritten.
 *
 * Readers never see meta[] or the heap, and never need them: an entry past
 * its expiry is treated as absent by gg_garden_match_ip() itself.
 *
 * Capacity: max_learned entries, enforced here; the hash has garden_spare()
 * more positions so that deleted keys waiting for their grace period do not
 * make the next learn fail (-EAGAIN past that).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash.h>
#include <rte_malloc.h>

#include "gg_garden.h"
#include "garden_private.h"

int
garden_learn_init(struct gg_garden *g, int socket_id)
{
	uint32_t i;

	g->learn_entries = g->max_learned + garden_spare(g->max_learned);
	g->meta = rte_malloc_socket("gg_garden_learn_meta",
			(size_t)g->learn_entries * sizeof(*g->meta),
			RTE_CACHE_LINE_SIZE, socket_id);
	g->heap = rte_malloc_socket("gg_garden_learn_heap",
			(size_t)g->learn_entries * sizeof(*g->heap),
			RTE_CACHE_LINE_SIZE, socket_id);
	if (g->meta == NULL || g->heap == NULL)
		return -ENOMEM;
	if (g->max_per_scope != 0 && g->scope_capacity != 0) {
		g->scope_count = rte_zmalloc_socket("gg_garden_scope_count",
				(size_t)g->scope_capacity * sizeof(*g->scope_count),
				RTE_CACHE_LINE_SIZE, socket_id);
		if (g->scope_count == NULL)
			return -ENOMEM;
	}
	for (i = 0; i < g->learn_entries; i++) {
		memset(&g->meta[i], 0, sizeof(g->meta[i]));
		g->meta[i].hidx = GARDEN_NO_POS;
	}
	g->heap_n = 0;
	return 0;
}

void
garden_learn_fini(struct gg_garden *g)
{
	rte_free(g->meta);
	rte_free(g->heap);
	rte_free(g->scope_count);
	g->meta = NULL;
	g->heap = NULL;
	g->scope_count = NULL;
}

/* --- expiry heap (control) ---------------------------------------------- */

static inline uint64_t
heap_key(const struct gg_garden *g, uint32_t i)
{
	return g->meta[g->heap[i]].expiry;
}

static inline void
heap_set(struct gg_garden *g, uint32_t i, uint32_t pos)
{
	g->heap[i] = pos;
	g->meta[pos].hidx = i;
}

static void
heap_up(struct gg_garden *g, uint32_t i)
{
	uint32_t pos = g->heap[i], parent;
	uint64_t key = g->meta[pos].expiry;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (heap_key(g, parent) <= key)
			break;
		heap_set(g, i, g->heap[parent]);
		i = parent;
	}
	heap_set(g, i, pos);
}

static void
heap_down(struct gg_garden *g, uint32_t i)
{
	uint32_t pos = g->heap[i], child;
	uint64_t key = g->meta[pos].expiry;

	for (;;) {
		child = 2 * i + 1;
		if (child >= g->heap_n)
			break;
		if (child + 1 < g->heap_n &&
				heap_key(g, child + 1) < heap_key(g, child))
			child++;
		if (key <= heap_key(g, child))
			break;
		heap_set(g, i, g->heap[child]);
		i = child;
	}
	heap_set(g, i, pos);
}

static void
heap_push(struct gg_garden *g, uint32_t pos)
{
	heap_set(g, g->heap_n, pos);
	g->heap_n++;
	heap_up(g, g->heap_n - 1);
}

static void
heap_remove(struct gg_garden *g, uint32_t i)
{
	uint32_t pos = g->heap[i];

	g->heap_n--;
	if (i != g->heap_n) {
		heap_set(g, i, g->heap[g->heap_n]);
		heap_down(g, i);
		heap_up(g, i);
	}
	g->meta[pos].hidx = GARDEN_NO_POS;
}

/* --- table (control) ------------------------------------------------------ */

static inline uint32_t *
scope_counter(struct gg_garden *g, uint32_t scope)
{
	return scope == GG_GARDEN_SCOPE_GLOBAL ?
		&g->n_learned_global : &g->n_learned_scoped;
}

/* Remove the entry at key position @p pos from the table and the heap. */
static void
learn_remove(struct gg_garden *g, uint32_t pos)
{
	struct garden_learn_meta *m = &g->meta[pos];
	struct garden_learn_key key = {
		.scope = m->scope,
		.ipv4_be = m->ipv4_be,
	};

	/* The key position goes to the hash's defer queue. */
	rte_hash_del_key(g->learn_h, &key);
	heap_remove(g, m->hidx);
	__atomic_fetch_sub(scope_counter(g, m->scope), 1, __ATOMIC_RELAXED);
	if (g->scope_count != NULL && m->scope < g->scope_capacity)
		g->scope_count[m->scope]--;
}

static inline void
stat_inc(uint64_t *c)
{
	__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);
}

uint32_t
gg_garden_ttl_clamp(const struct gg_garden *g, uint32_t ttl_s)
{
	/* Immutable after create: any thread may read them. */
	return RTE_MIN(RTE_MAX(ttl_s, g->min_ttl), g->max_ttl);
}

int
gg_garden_learn(struct gg_garden *g, uint32_t scope, uint32_t ipv4_be,
		uint32_t ttl_s, uint64_t now_s)
{
	return gg_garden_learn_name(g, scope, ipv4_be, ttl_s, now_s, -1);
}

int
gg_garden_learn_name(struct gg_garden *g, uint32_t scope, uint32_t ipv4_be,
		uint32_t ttl_s, uint64_t now_s, int name_ref)
{
	/* -1 (gg_garden_learn()): every protocol and port. */
	uint32_t ref = name_ref < 0 ? 0 : (uint32_t)name_ref + 1;
	struct garden_learn_key key = { .scope = scope, .ipv4_be = ipv4_be };
	struct garden_learn_meta *m;
	uint64_t expiry;
	uint32_t ttl, victim;
	int32_t pos;
	int ret, result = GG_GARDEN_LEARN_NEW;

	if (g == NULL)
		return -EINVAL;
	ttl = gg_garden_ttl_clamp(g, ttl_s);
	expiry = now_s + ttl;

	pos = rte_hash_lookup(g->learn_h, &key);
	if (pos >= 0) {
		m = &g->meta[pos];
		if (m->expiry > now_s && expiry <= m->expiry &&
				m->name_ref == ref) {
			/* Valid and at least as long as asked: nothing to do. */
			stat_inc(&g->learn_refreshed);
			return GG_GARDEN_LEARN_REFRESHED;
		}
		result = m->expiry > now_s ? GG_GARDEN_LEARN_REFRESHED :
			GG_GARDEN_LEARN_NEW;
		if (expiry < m->expiry)
			expiry = m->expiry;
		/* Existing key: rte_hash swaps the data atomically. */
		ret = rte_hash_add_key_data(g->learn_h, &key,
				(void *)(uintptr_t)garden_learn_data(expiry, ref));
		if (ret < 0)
			return ret;
		m->expiry = expiry;
		m->name_ref = ref;
		heap_down(g, m->hidx);
		if (result == GG_GARDEN_LEARN_NEW)
			stat_inc(&g->learn_new);
		else
			stat_inc(&g->learn_refreshed);
		return result;
	}

	if (g->max_per_scope != 0 && scope != GG_GARDEN_SCOPE_GLOBAL) {
		if (g->scope_count == NULL || scope >= g->scope_capacity ||
				g->scope_count[scope] >= g->max_per_scope) {
			stat_inc(&g->learn_refused);
			return -EDQUOT;
		}
	}
	if (g->heap_n >= g->max_learned) {
		victim = g->heap[0];
		if (g->meta[victim].expiry <= now_s) {
			learn_remove(g, victim);
			stat_inc(&g->expired);
		} else if (g->refuse_when_full) {
			stat_inc(&g->learn_refused);
			return -ENOSPC;
		} else {
			learn_remove(g, victim);
			stat_inc(&g->learn_evicted);
			result = GG_GARDEN_LEARN_EVICTED;
		}
	}

	ret = rte_hash_add_key_data(g->learn_h, &key,
			(void *)(uintptr_t)garden_learn_data(expiry, ref));
	if (ret < 0) {
		stat_inc(&g->learn_refused);
		/* Below max_learned: the spare positions all wait for RCU. */
		return ret == -ENOSPC ? -EAGAIN : ret;
	}
	pos = rte_hash_lookup(g->learn_h, &key);
	if (pos < 0 || (uint32_t)pos >= g->learn_entries) {
		/* Not expected: the key was just added by this thread. */
		GARDEN_LOG(ERR, "%s: learned key lost its position", g->name);
		rte_hash_del_key(g->learn_h, &key);
		return -EIO;
	}
	m = &g->meta[pos];
	m->expiry = expiry;
	m->scope = scope;
	m->ipv4_be = ipv4_be;
	m->name_ref = ref;
	heap_push(g, (uint32_t)pos);
	__atomic_fetch_add(scope_counter(g, scope), 1, __ATOMIC_RELAXED);
	if (g->scope_count != NULL && scope < g->scope_capacity)
		g->scope_count[scope]++;
	if (result == GG_GARDEN_LEARN_NEW)
		stat_inc(&g->learn_new);
	return result;
}

int
gg_garden_unlearn(struct gg_garden *g, uint32_t scope, uint32_t ipv4_be)
{
	struct garden_learn_key key = { .scope = scope, .ipv4_be = ipv4_be };
	int32_t pos;

	if (g == NULL)
		return -EINVAL;
	pos = rte_hash_lookup(g->learn_h, &key);
	if (pos < 0)
		return -ENOENT;
	learn_remove(g, (uint32_t)pos);
	return 0;
}

uint32_t
gg_garden_forget(struct gg_garden *g, uint32_t scope)
{
	uint32_t pos, n = 0;

	if (g == NULL)
		return 0;
	/* Positions, not the heap: removals reorder the heap, not meta[]. */
	for (pos = 0; pos < g->learn_entries; pos++) {
		const struct garden_learn_meta *m = &g->meta[pos];

		if (m->hidx != GARDEN_NO_POS && m->scope == scope) {
			learn_remove(g, pos);
			n++;
		}
	}
	return n;
}

uint32_t
garden_learn_forget_name(struct gg_garden *g, uint32_t id)
{
	uint32_t pos, n = 0;

	for (pos = 0; pos < g->learn_entries; pos++) {
		const struct garden_learn_meta *m = &g->meta[pos];

		if (m->hidx != GARDEN_NO_POS && m->name_ref == id + 1) {
			learn_remove(g, pos);
			n++;
		}
	}
	return n;
}

uint32_t
gg_garden_expire(struct gg_garden *g, uint64_t now_s, uint32_t max)
{
	uint32_t n = 0;

	if (g == NULL)
		return 0;
	if (max == 0)
		max = GG_GARDEN_EXPIRE_BATCH;
	while (n < max && g->heap_n > 0 && heap_key(g, 0) <= now_s) {
		learn_remove(g, g->heap[0]);
		n++;
	}
	if (n > 0)
		__atomic_store_n(&g->expired, g->expired + n, __ATOMIC_RELAXED);
	return n;
}

int
garden_learn_walk(const struct gg_garden *g,
		int (*fn)(const struct gg_garden_entry *e, void *arg),
		void *arg)
{
	struct gg_garden_entry e;
	uint32_t i;
	int ret;

	memset(&e, 0, sizeof(e));
	e.type = GG_GARDEN_ENTRY_LEARNED;
	for (i = 0; i < g->heap_n; i++) {
		const struct garden_learn_meta *m = &g->meta[g->heap[i]];

		e.learned.scope = m->scope;
		e.learned.ipv4_be = m->ipv4_be;
		e.learned.expiry_s = m->expiry;
		ret = fn(&e, arg);
		if (ret != 0)
			return ret;
	}
	return 0;
}
