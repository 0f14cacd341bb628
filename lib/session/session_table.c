/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session tables (gg_session.h): one preallocated array of session slots,
 * two session indexes (uplink TEID and UE IPv4 -> slot id, see
 * session_index.h), per-worker counter arrays, and RCU (QSBR) reclamation
 * of the slots a reader may still hold after a delete.
 *
 * Reclamation: the indexes hold ids, not memory, so a deleted key's entry
 * is free at once; only the slot waits. A delete clears the UE entry, then
 * the TEID entry, then enqueues the slot on slot_dq, a defer queue on the
 * caller's QSBR variable: when the slot comes back, every reader that found
 * it through either index has passed a quiescent state. gg_session_add()
 * reclaims on demand when the free stack is empty, so a full table with
 * deleted sessions past their grace period always accepts an add.
 *
 * Capacity: the free stack holds exactly capacity ids and the indexes are
 * sized for capacity keys at <= 60 % load (session_index.h), where an
 * insert that finds no room is beyond practical odds; it would answer
 * -ENOSPC like a full table.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring_elem.h>
#include <rte_string_fns.h>

#include "gg_session.h"
#include "session_index.h"
#include "session_mem.h"

RTE_LOG_REGISTER(gg_session_logtype, gg.session, NOTICE);

#define SESSION_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, gg_session_logtype, \
		"gg_session: " fmt "\n", ##__VA_ARGS__)

/*
 * Longest table name. The longest DPDK object name derived from it is the
 * slot defer queue's ring, "RCU_" "S_" name, which must fit
 * RTE_RCU_QSBR_DQ_NAMESIZE - 1 (28) characters; DPDK truncates silently,
 * and two truncated names would collide.
 */
#define NAME_MAX_LEN 17

/* Largest capacity: ids must stay below SESSION_INDEX_MISS, and 2^30
 * sessions are far beyond any memory this runs in. */
#define CAPACITY_MAX (1u << 30)

/* Slots reclaimed per attempt when the free list runs dry. */
#define RECLAIM_BATCH 64

/* Session slots reclaimed per delete (amortises the defer queue). */
#define RECLAIM_ON_DELETE 32

struct gg_session_table {
	/*
	 * Read by the workers on every burst; immutable after create, so
	 * alone on its cache line(s) with nothing the writer stores to.
	 */
	struct session_index teid_ix;
	struct session_index ue_ix;
	struct gg_session *slots;	/* capacity slots of 1 << slot_shift */
	unsigned int slot_shift;	/* 5, or 6 with the counters */
	struct session_mem slots_mem;
	struct session_mem counters_mem;	/* every worker's array */
	uint32_t capacity;
	unsigned int n_workers;
	struct rte_rcu_qsbr *qsv;
	struct rte_rcu_qsbr_dq *slot_dq;	/* entries: uint32_t slot id */
	size_t bytes;			/* what create allocated, estimated */

	/* Control thread only (writer): the free slot stack. */
	uint32_t *free_ids __rte_cache_aligned;
	uint32_t n_free;

	/* Written by the control thread (relaxed atomics), read by anyone;
	 * by_state[] follows adds, deletes and gg_session_set_state(). */
	uint32_t count __rte_cache_aligned;
	uint32_t by_state[GG_SESSION_STATE_MAX];

	char name[NAME_MAX_LEN + 1];

	/* Immutable after create: per-worker counter arrays. */
	struct gg_session_counters *counters[];
};

/* Defer-queue callback: the slot's grace period is over. Control thread. */
static void
slot_free(void *p, void *e, unsigned int n)
{
	struct gg_session_table *t = p;
	uint32_t id;

	RTE_SET_USED(n);
	memcpy(&id, e, sizeof(id));
	t->free_ids[t->n_free++] = id;
}

/* Memory of one rte_ring of count elements of esize bytes (0 if invalid). */
static size_t
ring_bytes(unsigned int esize, uint32_t count)
{
	ssize_t sz = rte_ring_get_memsize_elem(esize, count);

	return sz > 0 ? (size_t)sz : 0;
}

/*
 * Everything create allocates: the two indexes (64-octet buckets,
 * session_index_buckets_for(capacity) each: 15.2 to 30.5 B a session),
 * the slot array (32 B a session), the free stack (4 B), the slot defer
 * queue (8-byte token + 4-byte id, align32pow2(capacity + 1) elements:
 * 12 to 24 B) and the counters (32 B a session a worker: in the slots
 * with one worker, which makes them 64 B, in arrays otherwise). Without
 * hugepages, the indexes, slots and counters are rounded up to 2 MiB each
 * (session_mem.h). rte_malloc's per-allocation header (a few cache lines
 * per object) is left out.
 */
/* What session_mem_alloc() takes for @p size: rounded up to 2 MiB when
 * mapped outside DPDK's heap. */
static size_t
mem_bytes(size_t size)
{
	size_t mapped = session_mem_mapped_bytes(size);

	return mapped != 0 ? mapped : size;
}

/* One worker's counter array, rounded to whole cache lines so that no
 * two workers' arrays share one. */
static size_t
counters_stride(uint32_t capacity)
{
	return RTE_ALIGN_CEIL((size_t)capacity *
			sizeof(struct gg_session_counters), RTE_CACHE_LINE_SIZE);
}

/*
 * A slot: the session, followed by the counters when there is one worker
 * (struct gg_session_ctr_view): 64 octets, one cache line.
 */
static_assert(sizeof(struct gg_session_index_bucket) ==
		sizeof(struct session_index_bucket), "bucket view");
static_assert(sizeof(struct gg_session) +
		sizeof(struct gg_session_counters) == RTE_CACHE_LINE_SIZE,
		"a session and its counters fill one cache line");

static bool
counters_in_slot(unsigned int n_workers)
{
	return n_workers == 1;
}

/* log2 of a slot's size: a shift, not a multiply, on every lookup. */
static unsigned int
slot_shift(unsigned int n_workers)
{
	static_assert(sizeof(struct gg_session) == 32, "slot size is 1 << 5");
	return counters_in_slot(n_workers) ? 6 : 5;
}

static inline struct gg_session *
slot_at(const struct gg_session_table *t, uint32_t id)
{
	return RTE_PTR_ADD(t->slots, (size_t)id << t->slot_shift);
}

/* Worker @p w's counters of slot @p id. */
static inline struct gg_session_counters *
counters_at(const struct gg_session_table *t, unsigned int w, uint32_t id)
{
	if (counters_in_slot(t->n_workers))
		return (struct gg_session_counters *)(slot_at(t, id) + 1);
	return &t->counters[w][id];
}

static size_t
table_bytes(uint32_t capacity, unsigned int n_workers)
{
	size_t b = 0;

	b += sizeof(struct gg_session_table) +
		n_workers * sizeof(struct gg_session_counters *);
	b += mem_bytes((size_t)capacity << slot_shift(n_workers));
	b += (size_t)capacity * sizeof(uint32_t);
	b += ring_bytes(8 + sizeof(uint32_t), rte_align32pow2(capacity + 1));
	if (!counters_in_slot(n_workers))
		b += mem_bytes(n_workers * counters_stride(capacity));
	b += 2 * mem_bytes((size_t)session_index_buckets_for(capacity) *
		sizeof(struct session_index_bucket));
	return b;
}

static bool
params_valid(const struct gg_session_table_params *p)
{
	size_t len;

	if (p == NULL || p->name == NULL || p->qsv == NULL)
		return false;
	len = strnlen(p->name, NAME_MAX_LEN + 1);
	if (len == 0 || len > NAME_MAX_LEN)
		return false;
	if (p->capacity == 0 || p->capacity > CAPACITY_MAX)
		return false;
	if (p->n_workers > RTE_MAX_LCORE)
		return false;
	if (p->socket_id != SOCKET_ID_ANY &&
			(p->socket_id < 0 || p->socket_id >= RTE_MAX_NUMA_NODES))
		return false;
	return true;
}

struct gg_session_table *
gg_session_table_create(const struct gg_session_table_params *p)
{
	struct gg_session_table *t;
	struct rte_rcu_qsbr_dq_parameters dp;
	char dq_name[RTE_RCU_QSBR_DQ_NAMESIZE];
	unsigned int w;
	uint32_t i;
	int err;

	if (!params_valid(p)) {
		rte_errno = EINVAL;
		return NULL;
	}

	t = rte_zmalloc_socket("gg_session_table", sizeof(*t) +
			p->n_workers * sizeof(t->counters[0]),
			RTE_CACHE_LINE_SIZE, p->socket_id);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	strlcpy(t->name, p->name, sizeof(t->name));
	t->capacity = p->capacity;
	t->n_workers = p->n_workers;
	t->qsv = p->qsv;
	t->bytes = table_bytes(p->capacity, p->n_workers);
	t->slot_shift = slot_shift(p->n_workers);

	err = ENOMEM;
	t->slots = session_mem_alloc(&t->slots_mem, "gg_session_slots",
			(size_t)p->capacity << t->slot_shift, p->socket_id);
	t->free_ids = rte_malloc_socket("gg_session_free",
			(size_t)p->capacity * sizeof(uint32_t),
			RTE_CACHE_LINE_SIZE, p->socket_id);
	if (t->slots == NULL || t->free_ids == NULL)
		goto fail;
	if (p->n_workers > 0 && !counters_in_slot(p->n_workers)) {
		uint8_t *c = session_mem_alloc(&t->counters_mem,
				"gg_session_counters", p->n_workers *
				counters_stride(p->capacity), p->socket_id);

		if (c == NULL)
			goto fail;
		for (w = 0; w < p->n_workers; w++)
			t->counters[w] = (struct gg_session_counters *)
				(c + w * counters_stride(p->capacity));
	}
	/* Pop order 0, 1, 2...: low ids first, denser counter arrays. */
	for (i = 0; i < p->capacity; i++)
		t->free_ids[i] = p->capacity - 1 - i;
	t->n_free = p->capacity;

	snprintf(dq_name, sizeof(dq_name), "S_%s", t->name);
	memset(&dp, 0, sizeof(dp));
	dp.name = dq_name;
	dp.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE;	/* control thread only */
	dp.size = p->capacity;	/* never full: pending + installed <= size */
	dp.esize = sizeof(uint32_t);
	dp.trigger_reclaim_limit = 0;
	dp.max_reclaim_size = RECLAIM_ON_DELETE;
	dp.free_fn = slot_free;
	dp.p = t;
	dp.v = p->qsv;
	rte_errno = 0;
	t->slot_dq = rte_rcu_qsbr_dq_create(&dp);
	if (t->slot_dq == NULL) {
		err = rte_errno != 0 ? rte_errno : ENOMEM;
		goto fail;
	}

	err = -session_index_init(&t->ue_ix, p->capacity, p->socket_id);
	if (err != 0)
		goto fail;
	err = -session_index_init(&t->teid_ix, p->capacity, p->socket_id);
	if (err != 0)
		goto fail;
	return t;

fail:
	gg_session_table_free(t);
	rte_errno = err;
	return NULL;
}

void
gg_session_table_free(struct gg_session_table *t)
{
	if (t == NULL)
		return;

	/*
	 * A defer queue with an entry still in its grace period cannot be
	 * freed: rte_rcu_qsbr_dq_delete() refuses, and the queue leaks
	 * along with its ring name, so this table
	 * name stays taken. That happens only if a reader is online and has
	 * not reported a quiescent state since the last delete. It reclaims
	 * into free_ids, so it goes before that.
	 */
	if (t->slot_dq != NULL && rte_rcu_qsbr_dq_delete(t->slot_dq) != 0)
		SESSION_LOG(WARNING, "%s: freed while an RCU reader is online "
				"and not quiescent: deferred frees leaked",
				t->name);
	session_index_free(&t->ue_ix);
	session_index_free(&t->teid_ix);

	session_mem_free(&t->counters_mem);
	rte_free(t->free_ids);
	session_mem_free(&t->slots_mem);
	rte_free(t);
}

int
gg_session_add(struct gg_session_table *t, const struct gg_session *s)
{
	struct gg_session *slot;
	unsigned int w;
	uint32_t id;
	int ret;

	if (t == NULL || s == NULL || s->ul_teid == 0 || s->ue_ipv4 == 0 ||
			s->state >= GG_SESSION_STATE_MAX || s->qfi > 0x3f)
		return -EINVAL;

	/* Checked before anything changes. */
	if (session_index_find(&t->teid_ix, s->ul_teid) != SESSION_INDEX_MISS ||
			session_index_find(&t->ue_ix, s->ue_ipv4) !=
			SESSION_INDEX_MISS)
		return -EEXIST;

	if (t->n_free == 0)
		rte_rcu_qsbr_dq_reclaim(t->slot_dq, RECLAIM_BATCH,
				NULL, NULL, NULL);
	if (t->n_free == 0)
		return -ENOSPC;
	id = t->free_ids[--t->n_free];

	/*
	 * No reader holds this slot (it was never published, or its grace
	 * period is over), so plain stores are fine; session_index_add()
	 * publishes them with a release store of the entry.
	 */
	slot = slot_at(t, id);
	*slot = *s;
	slot->id = id;
	slot->reserved = 0;
	/*
	 * The previous session's totals must not leak into this one. A worker
	 * writes counters[w][id] only while it holds the session, which no
	 * worker does any more; a concurrent gg_session_counters_sum() may
	 * see a mix of old and zero, as it may for any update.
	 */
	for (w = 0; w < t->n_workers; w++) {
		struct gg_session_counters *c = counters_at(t, w, id);

		__atomic_store_n(&c->ul_pkts, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&c->ul_bytes, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&c->dl_pkts, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&c->dl_bytes, 0, __ATOMIC_RELAXED);
	}

	ret = session_index_add(&t->ue_ix, slot->ue_ipv4, id);
	if (ret < 0) {
		/* Nothing published: the slot can go straight back. */
		t->free_ids[t->n_free++] = id;
		return ret;
	}
	ret = session_index_add(&t->teid_ix, slot->ul_teid, id);
	if (ret < 0) {
		/*
		 * Not expected (see the file comment). A reader may already
		 * have found the session by its UE address, so the slot goes
		 * through a grace period like any deleted one.
		 */
		session_index_del(&t->ue_ix, slot->ue_ipv4);
		if (rte_rcu_qsbr_dq_enqueue(t->slot_dq, &id) != 0)
			SESSION_LOG(ERR, "%s: slot %u lost", t->name, id);
		return ret;
	}
	__atomic_fetch_add(&t->count, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&t->by_state[slot->state], 1, __ATOMIC_RELAXED);
	return (int)id;
}

int
gg_session_del(struct gg_session_table *t, uint32_t ul_teid)
{
	uint32_t id;

	if (t == NULL)
		return -EINVAL;
	id = session_index_find(&t->teid_ix, ul_teid);
	if (id == SESSION_INDEX_MISS)
		return -ENOENT;

	__atomic_fetch_sub(&t->by_state[gg_session_state(slot_at(t, id))], 1,
			__ATOMIC_RELAXED);
	/* UE first, TEID second, slot last: see the file comment. */
	session_index_del(&t->ue_ix, slot_at(t, id)->ue_ipv4);
	session_index_del(&t->teid_ix, ul_teid);
	/* Cannot fail: the queue holds capacity entries. */
	if (rte_rcu_qsbr_dq_enqueue(t->slot_dq, &id) != 0)
		SESSION_LOG(ERR, "%s: slot %u lost", t->name, id);
	__atomic_fetch_sub(&t->count, 1, __ATOMIC_RELAXED);
	return 0;
}

int
gg_session_set_state(struct gg_session_table *t, uint32_t ul_teid,
		enum gg_session_state state)
{
	enum gg_session_state old;
	uint32_t id;

	if (t == NULL || (unsigned int)state >= GG_SESSION_STATE_MAX)
		return -EINVAL;
	id = session_index_find(&t->teid_ix, ul_teid);
	if (id == SESSION_INDEX_MISS)
		return -ENOENT;
	/* The one writer: the state read here is the one replaced. */
	old = gg_session_state(slot_at(t, id));
	__atomic_store_n(&slot_at(t, id)->state, (uint8_t)state,
			__ATOMIC_RELEASE);
	__atomic_fetch_sub(&t->by_state[old], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&t->by_state[state], 1, __ATOMIC_RELAXED);
	return 0;
}

const struct gg_session *
gg_session_find(const struct gg_session_table *t, uint32_t ul_teid)
{
	uint32_t id;

	if (t == NULL)
		return NULL;
	id = session_index_find(&t->teid_ix, ul_teid);
	return id != SESSION_INDEX_MISS ? slot_at(t, id) : NULL;
}

uint32_t
gg_session_count(const struct gg_session_table *t)
{
	return t != NULL ? __atomic_load_n(&t->count, __ATOMIC_RELAXED) : 0;
}

uint32_t
gg_session_count_state(const struct gg_session_table *t,
		enum gg_session_state state)
{
	if (t == NULL || (unsigned int)state >= GG_SESSION_STATE_MAX)
		return 0;
	return __atomic_load_n(&t->by_state[state], __ATOMIC_RELAXED);
}

/* n above the bulk maximum is split rather than refused: one compare a call. */
static inline void
lookup_bulk(const struct gg_session_table *t, const struct session_index *x,
		const uint32_t *keys, unsigned int n, struct gg_session **out)
{
	uint32_t ids[SESSION_INDEX_BULK_MAX];
	unsigned int i, chunk;

	while (n > 0) {
		chunk = RTE_MIN(n, (unsigned int)SESSION_INDEX_BULK_MAX);
		session_index_find_bulk(x, keys, chunk, ids, t->slots,
				(size_t)1 << t->slot_shift);
		for (i = 0; i < chunk; i++)
			out[i] = likely(ids[i] != SESSION_INDEX_MISS) ?
				slot_at(t, ids[i]) : NULL;
		keys += chunk;
		out += chunk;
		n -= chunk;
	}
}

void
gg_session_lookup_teid_bulk(const struct gg_session_table *t,
		const uint32_t *teids, unsigned int n, struct gg_session **out)
{
	lookup_bulk(t, &t->teid_ix, teids, n, out);
}

void
gg_session_lookup_ue_bulk(const struct gg_session_table *t,
		const uint32_t *ue_ipv4, unsigned int n, struct gg_session **out)
{
	lookup_bulk(t, &t->ue_ix, ue_ipv4, n, out);
}

/*
 * The three passes of session_index_find_bulk() over strided records: the
 * first choices fetched, then scanned (each hit's session and, when they
 * live apart (@p ctr not NULL, a constant where inlined), its counters
 * fetched at once), then the few second choices.
 */
static __rte_always_inline void
lookup_strided(const struct gg_session_table *t, const struct session_index *x,
		const uint32_t *key0, struct gg_session **out0, size_t stride,
		unsigned int n, const struct gg_session_counters *ctr)
{
	/*
	 * In locals: the stores of results through out0 (struct gg_session
	 * pointers) could alias t->slots as far as the compiler knows, which
	 * would reload it for every key.
	 */
	struct gg_session *const slots = t->slots;
	const unsigned int shift = t->slot_shift;
	const struct session_index_bucket *const buckets = x->buckets;
	const uint32_t mask = x->mask;
	const struct session_index_bucket *b[SESSION_INDEX_BULK_MAX];
	uint8_t again[SESSION_INDEX_BULK_MAX];
	unsigned int i, k = 0;

	n = RTE_MIN(n, (unsigned int)SESSION_INDEX_BULK_MAX);
	for (i = 0; i < n; i++) {
		uint32_t key = *(const uint32_t *)RTE_PTR_ADD(key0, i * stride);

		b[i] = &buckets[session_index_hash(key) & mask];
		rte_prefetch0(b[i]);
	}
	for (i = 0; i < n; i++) {
		uint32_t key = *(const uint32_t *)RTE_PTR_ADD(key0, i * stride);
		struct gg_session **out = RTE_PTR_ADD(out0, i * stride);
		/* Key 0 finds a miss (SESSION_INDEX_FREE). */
		uint32_t id = session_index_scan(b[i], key);

		if (likely(id != SESSION_INDEX_MISS)) {
			struct gg_session *s = RTE_PTR_ADD(slots,
					(size_t)id << shift);

			*out = s;
			rte_prefetch0(s);
			if (ctr != NULL)
				rte_prefetch0(&ctr[id]);
			continue;
		}
		*out = NULL;
		if (__atomic_load_n(&b[i]->spilled, __ATOMIC_ACQUIRE) != 0) {
			b[i] = &x->buckets[session_index_second(x, key)];
			rte_prefetch0(b[i]);
			again[k++] = (uint8_t)i;
		}
	}
	for (i = 0; i < k; i++) {
		unsigned int j = again[i];
		uint32_t key = *(const uint32_t *)RTE_PTR_ADD(key0, j * stride);
		uint32_t id = session_index_scan(b[j], key);

		if (id != SESSION_INDEX_MISS)
			*(struct gg_session **)RTE_PTR_ADD(out0, j * stride) =
				slot_at(t, id);
	}
}

/* lookup_strided() inlined twice: counters in the slots (no second
 * prefetch, no test per key) or apart. */
static inline void
lookup_view(const struct gg_session_table *t, const struct session_index *x,
		const uint32_t *key0, struct gg_session **out0, size_t stride,
		unsigned int n, const struct gg_session_ctr_view *view)
{
	if (view == NULL || view->array == NULL)
		lookup_strided(t, x, key0, out0, stride, n, NULL);
	else
		lookup_strided(t, x, key0, out0, stride, n, view->array);
}

void
gg_session_lookup_teid_burst(const struct gg_session_table *t,
		const uint32_t *key0, struct gg_session **out0, size_t stride,
		unsigned int n, const struct gg_session_ctr_view *ctr)
{
	lookup_view(t, &t->teid_ix, key0, out0, stride, n, ctr);
}

void
gg_session_lookup_ue_burst(const struct gg_session_table *t,
		const uint32_t *key0, struct gg_session **out0, size_t stride,
		unsigned int n, const struct gg_session_ctr_view *ctr)
{
	lookup_view(t, &t->ue_ix, key0, out0, stride, n, ctr);
}

void
gg_session_fast_view(const struct gg_session_table *t,
		struct gg_session_fast_view *v)
{
	v->teid.buckets = (const struct gg_session_index_bucket *)
		t->teid_ix.buckets;
	v->teid.mask = t->teid_ix.mask;
	v->ue.buckets = (const struct gg_session_index_bucket *)
		t->ue_ix.buckets;
	v->ue.mask = t->ue_ix.mask;
	v->slots = t->slots;
	v->slot_shift = t->slot_shift;
	v->t = t;
}

struct gg_session *
gg_session_probe_slow(const struct gg_session_table *t, uint32_t key, int ue)
{
	uint32_t id = session_index_find(ue ? &t->ue_ix : &t->teid_ix, key);

	return id != SESSION_INDEX_MISS ? slot_at(t, id) : NULL;
}

int
gg_session_worker_counters(const struct gg_session_table *t,
		unsigned int worker, struct gg_session_ctr_view *out)
{
	if (t == NULL || out == NULL || worker >= t->n_workers)
		return -EINVAL;
	out->array = counters_in_slot(t->n_workers) ? NULL :
		t->counters[worker];
	return 0;
}

void
gg_session_counters_sum(const struct gg_session_table *t, uint32_t id,
		struct gg_session_counters *out)
{
	unsigned int w;

	memset(out, 0, sizeof(*out));
	if (t == NULL || id >= t->capacity)
		return;
	/* Each field is exact; the four together are not a snapshot. */
	for (w = 0; w < t->n_workers; w++) {
		const struct gg_session_counters *c = counters_at(t, w, id);

		out->ul_pkts += __atomic_load_n(&c->ul_pkts, __ATOMIC_RELAXED);
		out->ul_bytes += __atomic_load_n(&c->ul_bytes,
				__ATOMIC_RELAXED);
		out->dl_pkts += __atomic_load_n(&c->dl_pkts, __ATOMIC_RELAXED);
		out->dl_bytes += __atomic_load_n(&c->dl_bytes,
				__ATOMIC_RELAXED);
	}
}

struct walk_ctx {
	const struct gg_session_table *t;
	int (*fn)(const struct gg_session *s, void *arg);
	void *arg;
};

static int
walk_one(uint32_t id, void *arg)
{
	struct walk_ctx *c = arg;

	return c->fn(slot_at(c->t, id), c->arg);
}

/* fn may change states but must not add or delete sessions: an add can
 * move an entry behind the iterator, which would then skip it. */
int
gg_session_walk(const struct gg_session_table *t,
		int (*fn)(const struct gg_session *s, void *arg), void *arg)
{
	struct walk_ctx c = { .t = t, .fn = fn, .arg = arg };

	if (t == NULL || fn == NULL)
		return -EINVAL;
	return session_index_walk(&t->teid_ix, walk_one, &c);
}

/* A slot holds an installed session when its TEID finds it: a free slot,
 * or a deleted one still waiting for the workers' grace period, does not
 * (its TEID is gone from the index, or names another slot). */
int
gg_session_walk_slots(const struct gg_session_table *t, uint32_t *cursor,
		uint32_t max_slots,
		int (*fn)(const struct gg_session *s, void *arg), void *arg)
{
	uint32_t id, end;
	int ret;

	if (t == NULL || cursor == NULL || fn == NULL)
		return -EINVAL;
	end = *cursor < t->capacity && max_slots < t->capacity - *cursor ?
			*cursor + max_slots : t->capacity;
	for (id = *cursor; id < end; id++) {
		const struct gg_session *s = slot_at(t, id);

		if (s->ul_teid == 0 ||
				session_index_find(&t->teid_ix, s->ul_teid) != id)
			continue;
		ret = fn(s, arg);
		if (ret != 0) {
			*cursor = id + 1;
			return ret;
		}
	}
	if (*cursor < end)
		*cursor = end;
	return 0;
}

uint32_t
gg_session_capacity(const struct gg_session_table *t)
{
	return t != NULL ? t->capacity : 0;
}

size_t
gg_session_table_bytes_per_session(const struct gg_session_table *t)
{
	if (t == NULL)
		return 0;
	return (t->bytes + t->capacity - 1) / t->capacity;
}

static const char *const state_names[GG_SESSION_STATE_MAX] = {
	[GG_SESSION_FULL] = "full",
	[GG_SESSION_LIMITED] = "limited",
	[GG_SESSION_BLOCKED] = "blocked",
};

const char *
gg_session_state_name(enum gg_session_state st)
{
	return (unsigned int)st < GG_SESSION_STATE_MAX ? state_names[st] : NULL;
}

int
gg_session_state_parse(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < GG_SESSION_STATE_MAX; i++)
		if (strcmp(name, state_names[i]) == 0)
			return i;
	return -1;
}
