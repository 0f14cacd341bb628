/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walled garden (gg_garden.h): create, free, counts and walk, and the
 * pieces the three entry kinds share: fixed-size slot pools reclaimed
 * through RCU defer queues, and lock-free rte_hash tables.
 *
 * DPDK objects of a garden named N (N at most 16 characters, so that the
 * longest derived name, the integrated defer queue ring "HASH_RCU_GN_" N,
 * fits the 29 characters of a ring name; DPDK would truncate silently and
 * two truncated names could collide):
 *   GP_N            rte_lpm of the static prefixes (+ "LPM_RCU_GP_N" queue)
 *   GN_N, GL_N      rte_hash of names and of learned addresses
 *                   (+ "HASH_RCU_GN_N", "HASH_RCU_GL_N" queues)
 *   GS_N, GM_N      defer queues of rule sets and of name slots
 *
 * Reclamation order: an entry is unlinked (LPM or hash) before its slot
 * is retired, so a slot's token is newer than the table's own tokens; when
 * the slot comes back every reader that could reach it has passed a
 * quiescent state.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_lpm.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include <rte_string_fns.h>

#include "gg_garden.h"
#include "garden_private.h"

RTE_LOG_REGISTER(gg_garden_logtype, gg.garden, NOTICE);

/* Defer-queue callback: slot @p e's grace period is over. Control. */
static void
pool_reclaimed(void *p, void *e, unsigned int n)
{
	struct garden_pool *pl = p;
	uint32_t id;

	RTE_SET_USED(n);
	memcpy(&id, e, sizeof(id));
	pl->free_ids[pl->n_free++] = id;
}

int
garden_pool_init(struct garden_pool *pl, const char *dq_name, uint32_t size,
		int socket_id, struct rte_rcu_qsbr *qsv)
{
	struct rte_rcu_qsbr_dq_parameters dp;
	uint32_t i;

	pl->size = size;
	pl->free_ids = rte_malloc_socket("gg_garden_pool",
			(size_t)size * sizeof(uint32_t), RTE_CACHE_LINE_SIZE,
			socket_id);
	pl->live = rte_zmalloc_socket("gg_garden_live", size,
			RTE_CACHE_LINE_SIZE, socket_id);
	if (pl->free_ids == NULL || pl->live == NULL)
		return -ENOMEM;
	/* Pop order 0, 1, 2...: low slots first, denser memory. */
	for (i = 0; i < size; i++)
		pl->free_ids[i] = size - 1 - i;
	pl->n_free = size;

	memset(&dp, 0, sizeof(dp));
	dp.name = dq_name;
	dp.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE;	/* control thread only */
	dp.size = size;		/* never full: pending + in use <= size */
	dp.esize = sizeof(uint32_t);
	dp.trigger_reclaim_limit = 0;
	dp.max_reclaim_size = 32;
	dp.free_fn = pool_reclaimed;
	dp.p = pl;
	dp.v = qsv;
	rte_errno = 0;
	pl->dq = rte_rcu_qsbr_dq_create(&dp);
	if (pl->dq == NULL)
		return rte_errno != 0 ? -rte_errno : -ENOMEM;
	return 0;
}

/*
 * A defer queue with an entry still in its grace period cannot be freed:
 * rte_rcu_qsbr_dq_delete() refuses, and the queue leaks with its ring
 * name. That happens only if a reader is online and has not reported a
 * quiescent state since the last delete.
 */
void
garden_pool_fini(struct garden_pool *pl, const char *what, const char *garden)
{
	if (pl->dq != NULL && rte_rcu_qsbr_dq_delete(pl->dq) != 0)
		GARDEN_LOG(WARNING, "%s: freed while an RCU reader is online "
				"and not quiescent: %s leaked", garden, what);
	pl->dq = NULL;
	rte_free(pl->free_ids);
	rte_free(pl->live);
	pl->free_ids = NULL;
	pl->live = NULL;
}

/* A free slot id, or UINT32_MAX when every free slot is in its grace period. */
uint32_t
garden_pool_get(struct garden_pool *pl)
{
	if (pl->n_free == 0)
		rte_rcu_qsbr_dq_reclaim(pl->dq, GARDEN_RECLAIM_BATCH,
				NULL, NULL, NULL);
	if (pl->n_free == 0)
		return UINT32_MAX;
	return pl->free_ids[--pl->n_free];
}

/* Give back a slot no reader ever saw. */
void
garden_pool_put(struct garden_pool *pl, uint32_t id)
{
	pl->free_ids[pl->n_free++] = id;
}

/* Give back a published slot, already unlinked: usable after a grace period. */
void
garden_pool_retire(struct garden_pool *pl, uint32_t id)
{
	pl->live[id] = 0;
	/* Cannot fail: the queue holds as many entries as the pool. */
	if (rte_rcu_qsbr_dq_enqueue(pl->dq, &id) != 0)
		GARDEN_LOG(ERR, "slot %u lost", id);
}

/*
 * A lock-free table with an 8-byte key. EXT_TABLE makes @p entries an
 * exact capacity (cuckoo displacement alone can fail from about 98% full
 * near a power of two); the integrated defer queue holds deleted key
 * positions until the readers' grace period is over, and rte_hash reclaims
 * it when its free list runs dry on an add.
 */
struct rte_hash *
garden_hash_create(const char *prefix, const char *garden, uint32_t entries,
		int socket_id, struct rte_rcu_qsbr *qsv)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = entries,
		.key_len = 8,
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0,
		.socket_id = socket_id,
		/* One writer: no MULTI_WRITER_ADD (and no per-lcore caches). */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct rte_hash_rcu_config rc = {
		.v = qsv,
		.mode = RTE_HASH_QSBR_MODE_DQ,
		.dq_size = 0,
		.trigger_reclaim_limit = 0,
		.max_reclaim_size = 0,
		.free_key_data_func = NULL,
	};
	struct rte_hash *h;

	snprintf(name, sizeof(name), "%s%s", prefix, garden);
	rte_errno = 0;
	h = rte_hash_create(&hp);
	if (h == NULL) {
		/* rte_hash_create leaves rte_errno unset on some failures. */
		if (rte_errno == 0)
			rte_errno = ENOMEM;
		return NULL;
	}
	if (rte_hash_rcu_qsbr_add(h, &rc) != 0) {
		int err = rte_errno != 0 ? rte_errno : ENOMEM;

		rte_hash_free(h);
		rte_errno = err;
		return NULL;
	}
	return h;
}

static bool
params_valid(const struct gg_garden_params *p)
{
	size_t len;

	if (p == NULL || p->name == NULL || p->qsv == NULL)
		return false;
	len = strnlen(p->name, GG_GARDEN_OBJ_NAME_MAX + 1);
	if (len == 0 || len > GG_GARDEN_OBJ_NAME_MAX)
		return false;
	if (p->max_rules == 0 || p->max_rules > GG_GARDEN_MAX_RULES ||
			p->max_names == 0 ||
			p->max_names > GG_GARDEN_MAX_ENTRIES ||
			p->max_learned == 0 ||
			p->max_learned > GG_GARDEN_MAX_ENTRIES)
		return false;
	if (p->min_ttl == 0 || p->max_ttl < p->min_ttl)
		return false;
	if (p->socket_id != SOCKET_ID_ANY &&
			(p->socket_id < 0 || p->socket_id >= RTE_MAX_NUMA_NODES))
		return false;
	return true;
}

static int
lpm_create(struct gg_garden *g, int socket_id, struct rte_rcu_qsbr *qsv)
{
	char name[RTE_LPM_NAMESIZE];
	/*
	 * A prefix longer than /24 takes one tbl8 group (1 KiB) for its /24,
	 * so max_rules groups cover the worst case; the spare ones absorb
	 * groups waiting in the LPM's defer queue. The LPM rule table needs
	 * one entry per distinct prefix, at most one per rule.
	 */
	struct rte_lpm_config lc = {
		.max_rules = g->max_rules,
		.number_tbl8s = g->max_rules + garden_spare(g->max_rules),
		.flags = 0,
	};
	struct rte_lpm_rcu_config rc = {
		.v = qsv,
		.mode = RTE_LPM_QSBR_MODE_DQ,
		.dq_size = 0,		/* number_tbl8s */
		.reclaim_thd = 0,
		.reclaim_max = 0,
	};

	snprintf(name, sizeof(name), "GP_%s", g->name);
	rte_errno = 0;
	g->lpm = rte_lpm_create(name, socket_id, &lc);
	if (g->lpm == NULL)
		return rte_errno != 0 ? -rte_errno : -ENOMEM;
	if (rte_lpm_rcu_qsbr_add(g->lpm, &rc) != 0)
		return rte_errno != 0 ? -rte_errno : -ENOMEM;
	return 0;
}

struct gg_garden *
gg_garden_create(const struct gg_garden_params *p)
{
	char dq_name[RTE_RCU_QSBR_DQ_NAMESIZE];
	struct gg_garden *g;
	uint32_t n_sets, n_names;
	int ret;

	if (!params_valid(p)) {
		rte_errno = EINVAL;
		return NULL;
	}
	g = rte_zmalloc_socket("gg_garden", sizeof(*g), RTE_CACHE_LINE_SIZE,
			p->socket_id);
	if (g == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	strlcpy(g->name, p->name, sizeof(g->name));
	g->max_rules = p->max_rules;
	g->max_names = p->max_names;
	g->max_learned = p->max_learned;
	g->min_ttl = p->min_ttl;
	g->max_ttl = p->max_ttl;
	g->refuse_when_full = p->refuse_when_full;
	g->max_per_scope = p->max_per_scope;
	g->scope_capacity = p->scope_capacity;
	g->name_seed = rte_rand();

	ret = -ENOMEM;
	n_sets = p->max_rules + garden_spare(p->max_rules);
	g->sets = rte_zmalloc_socket("gg_garden_sets",
			(size_t)n_sets * sizeof(struct garden_set),
			RTE_CACHE_LINE_SIZE, p->socket_id);
	n_names = p->max_names + garden_spare(p->max_names);
	g->names = rte_zmalloc_socket("gg_garden_names",
			(size_t)n_names * sizeof(struct garden_name),
			RTE_CACHE_LINE_SIZE, p->socket_id);
	if (g->sets == NULL || g->names == NULL)
		goto fail;

	snprintf(dq_name, sizeof(dq_name), "GS_%s", g->name);
	ret = garden_pool_init(&g->set_pool, dq_name, n_sets, p->socket_id,
			p->qsv);
	if (ret != 0)
		goto fail;
	snprintf(dq_name, sizeof(dq_name), "GM_%s", g->name);
	ret = garden_pool_init(&g->name_pool, dq_name, n_names, p->socket_id,
			p->qsv);
	if (ret != 0)
		goto fail;

	ret = lpm_create(g, p->socket_id, p->qsv);
	if (ret != 0)
		goto fail;
	g->name_h = garden_hash_create("GN_", g->name, n_names, p->socket_id,
			p->qsv);
	if (g->name_h == NULL) {
		ret = -rte_errno;
		goto fail;
	}
	ret = garden_name_init(g, p->socket_id);
	if (ret != 0)
		goto fail;
	ret = garden_learn_init(g, p->socket_id);
	if (ret != 0)
		goto fail;
	g->learn_h = garden_hash_create("GL_", g->name, g->learn_entries,
			p->socket_id, p->qsv);
	if (g->learn_h == NULL) {
		ret = -rte_errno;
		goto fail;
	}
	return g;

fail:
	gg_garden_free(g);
	rte_errno = -ret;
	return NULL;
}

void
gg_garden_free(struct gg_garden *g)
{
	if (g == NULL)
		return;
	/*
	 * Slot queues first: their tokens are the newest (see the file
	 * comment), so once they are empty the tables' own queues are
	 * reclaimable too.
	 */
	garden_pool_fini(&g->set_pool, "rule sets", g->name);
	garden_pool_fini(&g->name_pool, "name slots", g->name);
	rte_lpm_free(g->lpm);
	rte_hash_free(g->name_h);
	rte_hash_free(g->learn_h);
	garden_name_fini(g);
	garden_learn_fini(g);
	rte_free(g->names);
	rte_free(g->sets);
	rte_free(g);
}

void
gg_garden_counts(const struct gg_garden *g, struct gg_garden_counts *out)
{
	uint32_t scoped, global;

	memset(out, 0, sizeof(*out));
	if (g == NULL)
		return;
	out->rules = __atomic_load_n(&g->n_rules, __ATOMIC_RELAXED);
	out->prefixes = __atomic_load_n(&g->n_prefixes, __ATOMIC_RELAXED);
	out->names = __atomic_load_n(&g->n_names, __ATOMIC_RELAXED);
	scoped = __atomic_load_n(&g->n_learned_scoped, __ATOMIC_RELAXED);
	global = __atomic_load_n(&g->n_learned_global, __ATOMIC_RELAXED);
	out->learned = scoped + global;
	out->learned_global = global;
	out->learn_new = __atomic_load_n(&g->learn_new, __ATOMIC_RELAXED);
	out->learn_refreshed = __atomic_load_n(&g->learn_refreshed,
			__ATOMIC_RELAXED);
	out->learn_evicted = __atomic_load_n(&g->learn_evicted,
			__ATOMIC_RELAXED);
	out->learn_refused = __atomic_load_n(&g->learn_refused,
			__ATOMIC_RELAXED);
	out->expired = __atomic_load_n(&g->expired, __ATOMIC_RELAXED);
}

int
gg_garden_walk(const struct gg_garden *g, unsigned int types,
		int (*fn)(const struct gg_garden_entry *e, void *arg),
		void *arg)
{
	int ret = 0;

	if (g == NULL || fn == NULL)
		return -EINVAL;
	if (types & GG_GARDEN_ENTRY_RULE)
		ret = garden_prefix_walk(g, fn, arg);
	if (ret == 0 && (types & GG_GARDEN_ENTRY_NAME))
		ret = garden_name_walk(g, fn, arg);
	if (ret == 0 && (types & GG_GARDEN_ENTRY_LEARNED))
		ret = garden_learn_walk(g, fn, arg);
	return ret;
}
