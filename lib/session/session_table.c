/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session tables (gg_session.h): one preallocated array of session slots,
 * two lock-free rte_hash tables (uplink TEID and UE IPv4 -> slot pointer),
 * per-worker counter arrays, and RCU (QSBR) reclamation of everything a
 * reader may still hold after a delete.
 *
 * Reclamation, three defer queues on the caller's QSBR variable:
 *  - each rte_hash has its integrated defer queue (rte_hash_rcu_qsbr_add,
 *    RTE_HASH_QSBR_MODE_DQ) for its own key-store positions and extendable
 *    buckets; no free_key_data_func (22.11 checks it for NULL before the
 *    call, see __hash_rcu_qsbr_free_resource);
 *  - the session slots have a defer queue of their own (slot_dq). DPDK 22.11
 *    has no rte_hash_rcu_qsbr_dq_reclaim(), so a slot freed from the TEID
 *    table's free_key_data_func could only come back when rte_hash happened
 *    to reclaim internally: a full table with deleted sessions past their
 *    grace period would still answer -ENOSPC. Our own queue can be
 *    reclaimed on demand in gg_session_add().
 * A delete removes the UE entry, then the TEID entry, then enqueues the
 * slot, so the slot's token is newer than both hash tokens: when the slot
 * comes back, every reader that found the session through either table has
 * passed a quiescent state, and both tables' positions are reclaimable too
 * (rte_hash reclaims them itself when its free ring runs dry on an add).
 *
 * Capacity guarantee: both tables are created with entries = capacity (at
 * least 8, the smallest rte_hash accepts) and RTE_HASH_EXTRA_FLAGS_EXT_TABLE.
 * Without it rte_hash can fail an insert before it is full: the buckets
 * hold align32pow2(entries) keys, so a capacity at or just under a power of
 * two fills them almost completely, and cuckoo displacement gives up (in our
 * tests, from about 98% of a 1024..65536 table). With it such a key goes to
 * a chained extendable bucket, and the key store (exactly entries positions)
 * is the only limit, which the slot free list mirrors.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring_elem.h>
#include <rte_string_fns.h>

#include "gg_session.h"

RTE_LOG_REGISTER(gg_session_logtype, gg.session, NOTICE);

#define SESSION_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, gg_session_logtype, \
		"gg_session: " fmt "\n", ##__VA_ARGS__)

/*
 * Longest table name. The longest DPDK object name derived from it is the
 * integrated defer queue's ring, "HASH_RCU_" "T_" name, which must fit
 * RTE_RCU_QSBR_DQ_NAMESIZE - 1 (28) characters; DPDK truncates silently,
 * and two truncated names would collide.
 */
#define NAME_MAX_LEN 17

/* rte_hash refuses fewer entries than one bucket (RTE_HASH_BUCKET_ENTRIES). */
#define HASH_MIN_ENTRIES 8

/* Slots reclaimed per attempt when the free list runs dry. */
#define RECLAIM_BATCH 64

/* Session slots reclaimed per delete (amortises the defer queue). */
#define RECLAIM_ON_DELETE 32

struct gg_session_table {
	/*
	 * Read by the workers on every burst; immutable after create, so
	 * alone on its cache line(s) with nothing the writer stores to.
	 */
	struct rte_hash *teid_h;
	struct rte_hash *ue_h;
	struct gg_session *slots;	/* capacity entries */
	uint32_t capacity;
	unsigned int n_workers;
	struct rte_rcu_qsbr *qsv;
	struct rte_rcu_qsbr_dq *slot_dq;	/* entries: uint32_t slot id */
	size_t bytes;			/* what create allocated, estimated */

	/* Control thread only (writer): the free slot stack. */
	uint32_t *free_ids __rte_cache_aligned;
	uint32_t n_free;

	/* Written by the control thread (relaxed atomics), read by anyone. */
	uint32_t count __rte_cache_aligned;

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
 * Memory of one of our rte_hash tables (key_len 4, RW_CONCURRENCY_LF |
 * EXT_TABLE, integrated RCU in DQ mode), after the DPDK 22.11 layout
 * (lib/hash/rte_cuckoo_hash.[ch], lib/rcu/rte_rcu_qsbr.c). With E = entries,
 * S = E + 1 key positions (position 0 is a dummy) and
 * B = align32pow2(E) / 8 buckets:
 *   key store        S * align(sizeof(struct rte_hash_key) (8) + 4, 16) = 16 S
 *   buckets          B * 64 (8 x 16-bit signature, 8 x 32-bit key index,
 *                    8 flags, next pointer; one cache line)
 *   ext buckets      B * 64 (as many as main buckets)
 *   free key ring    ring of align32pow2(S) x 4 bytes
 *   free ext ring    ring of align32pow2(B + 1) x 4 bytes
 *   ext_bkt_to_free  S * 4 (allocated in LF mode with EXT_TABLE)
 *   RCU defer queue  ring of align32pow2(S + 1) x (8-byte token + 8-byte
 *                    {key index, ext bucket index})
 *   rte_hash itself, its change counter and RCU config: a few cache lines.
 * With P = align32pow2(E), about 20 + 36.5 * P / E bytes per entry: 56.5
 * when E is just under a power of two, 93 just over one (76.5 at exactly
 * one, as S = E + 1 doubles the rings), 58.3 at E = 10^6.
 */
static size_t
hash_bytes(uint32_t entries)
{
	uint32_t slots = entries + 1;
	uint32_t buckets = rte_align32pow2(entries) / 8;
	size_t b = 0;

	b += (size_t)slots * 16;
	b += (size_t)buckets * 64 * 2;
	b += ring_bytes(sizeof(uint32_t), rte_align32pow2(slots));
	b += ring_bytes(sizeof(uint32_t), rte_align32pow2(buckets + 1));
	b += (size_t)slots * sizeof(uint32_t);
	b += ring_bytes(16, rte_align32pow2(slots + 1));
	b += 4 * RTE_CACHE_LINE_SIZE;
	return b;
}

/*
 * Everything create allocates: the two tables above, the slot array
 * (24 B a session), the free stack (4 B), our slot defer queue (8-byte token
 * + 4-byte id, align32pow2(capacity + 1) elements) and the counters
 * (32 B a session a worker). rte_malloc's per-allocation header
 * (a few cache lines per object, ~15 objects) is left out.
 */
static size_t
table_bytes(uint32_t capacity, unsigned int n_workers)
{
	uint32_t entries = RTE_MAX(capacity, (uint32_t)HASH_MIN_ENTRIES);
	size_t b = 0;

	b += sizeof(struct gg_session_table) +
		n_workers * sizeof(struct gg_session_counters *);
	b += (size_t)capacity * sizeof(struct gg_session);
	b += (size_t)capacity * sizeof(uint32_t);
	b += ring_bytes(8 + sizeof(uint32_t), rte_align32pow2(capacity + 1));
	b += (size_t)n_workers * capacity * sizeof(struct gg_session_counters);
	b += 2 * hash_bytes(entries);
	return b;
}

static int
key32_cmp(const void *a, const void *b, size_t len)
{
	uint32_t x, y;

	RTE_SET_USED(len);
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return x != y;
}

static struct rte_hash *
hash_create(const char *prefix, const struct gg_session_table *t,
		int socket_id)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = RTE_MAX(t->capacity, (uint32_t)HASH_MIN_ENTRIES),
		.key_len = sizeof(uint32_t),
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0,
		.socket_id = socket_id,
		/* One writer: no MULTI_WRITER_ADD (and no per-lcore caches). */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct rte_hash_rcu_config rc = {
		.v = t->qsv,
		.mode = RTE_HASH_QSBR_MODE_DQ,
		/* 0: default size (entries + 1), reclaim on every delete. */
		.dq_size = 0,
		.trigger_reclaim_limit = 0,
		.max_reclaim_size = 0,
		.free_key_data_func = NULL,
	};
	struct rte_hash *h;

	snprintf(name, sizeof(name), "%s%s", prefix, t->name);
	rte_errno = 0;
	h = rte_hash_create(&hp);
	if (h == NULL) {
		/* rte_hash_create leaves rte_errno unset on some failures. */
		if (rte_errno == 0)
			rte_errno = ENOMEM;
		return NULL;
	}
	/* 4-byte keys: rte_hash would compare them with memcmp(). */
	rte_hash_set_cmp_func(h, key32_cmp);
	if (rte_hash_rcu_qsbr_add(h, &rc) != 0) {
		int err = rte_errno != 0 ? rte_errno : ENOMEM;

		rte_hash_free(h);
		rte_errno = err;
		return NULL;
	}
	return h;
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
	if (p->capacity == 0 || p->capacity > RTE_HASH_ENTRIES_MAX)
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

	err = ENOMEM;
	t->slots = rte_zmalloc_socket("gg_session_slots",
			(size_t)p->capacity * sizeof(struct gg_session),
			RTE_CACHE_LINE_SIZE, p->socket_id);
	t->free_ids = rte_malloc_socket("gg_session_free",
			(size_t)p->capacity * sizeof(uint32_t),
			RTE_CACHE_LINE_SIZE, p->socket_id);
	if (t->slots == NULL || t->free_ids == NULL)
		goto fail;
	for (w = 0; w < p->n_workers; w++) {
		t->counters[w] = rte_zmalloc_socket("gg_session_counters",
				(size_t)p->capacity *
				sizeof(struct gg_session_counters),
				RTE_CACHE_LINE_SIZE, p->socket_id);
		if (t->counters[w] == NULL)
			goto fail;
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

	t->ue_h = hash_create("U_", t, p->socket_id);
	if (t->ue_h == NULL) {
		err = rte_errno;
		goto fail;
	}
	t->teid_h = hash_create("T_", t, p->socket_id);
	if (t->teid_h == NULL) {
		err = rte_errno;
		goto fail;
	}
	return t;

fail:
	gg_session_table_free(t);
	rte_errno = err;
	return NULL;
}

void
gg_session_table_free(struct gg_session_table *t)
{
	unsigned int w;

	if (t == NULL)
		return;

	/*
	 * A defer queue with an entry still in its grace period cannot be
	 * freed: rte_rcu_qsbr_dq_delete() refuses (rte_hash_free() ignores
	 * that), and the queue leaks along with its ring name, so this table
	 * name stays taken. That happens only if a reader is online and has
	 * not reported a quiescent state since the last delete. The slot
	 * queue goes first: its tokens are the newest, so once it is empty
	 * the tables' own queues are reclaimable too, and its verdict stands
	 * for all three. It reclaims into free_ids, so before freeing that.
	 */
	if (t->slot_dq != NULL && rte_rcu_qsbr_dq_delete(t->slot_dq) != 0)
		SESSION_LOG(WARNING, "%s: freed while an RCU reader is online "
				"and not quiescent: deferred frees leaked",
				t->name);
	rte_hash_free(t->ue_h);
	rte_hash_free(t->teid_h);

	for (w = 0; w < t->n_workers; w++)
		rte_free(t->counters[w]);
	rte_free(t->free_ids);
	rte_free(t->slots);
	rte_free(t);
}

int
gg_session_add(struct gg_session_table *t, const struct gg_session *s)
{
	struct gg_session *slot;
	unsigned int w;
	uint32_t id;
	int ret;

	if (t == NULL || s == NULL || s->ul_teid == 0 ||
			s->state >= GG_SESSION_STATE_MAX || s->qfi > 0x3f)
		return -EINVAL;

	/*
	 * Checked before anything changes: rte_hash_add_key_data() would
	 * silently replace the data of an existing key.
	 */
	if (rte_hash_lookup(t->teid_h, &s->ul_teid) >= 0 ||
			rte_hash_lookup(t->ue_h, &s->ue_ipv4) >= 0)
		return -EEXIST;

	if (t->n_free == 0)
		rte_rcu_qsbr_dq_reclaim(t->slot_dq, RECLAIM_BATCH,
				NULL, NULL, NULL);
	if (t->n_free == 0)
		return -ENOSPC;
	id = t->free_ids[--t->n_free];

	/*
	 * No reader holds this slot (it was never published, or its grace
	 * period is over), so plain stores are fine; rte_hash_add_key_data()
	 * publishes them with a release store of the data pointer.
	 */
	slot = &t->slots[id];
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
		struct gg_session_counters *c = &t->counters[w][id];

		__atomic_store_n(&c->ul_pkts, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&c->ul_bytes, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&c->dl_pkts, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&c->dl_bytes, 0, __ATOMIC_RELAXED);
	}

	ret = rte_hash_add_key_data(t->ue_h, &slot->ue_ipv4, slot);
	if (ret < 0) {
		/* Nothing published: the slot can go straight back. */
		t->free_ids[t->n_free++] = id;
		return ret;
	}
	ret = rte_hash_add_key_data(t->teid_h, &slot->ul_teid, slot);
	if (ret < 0) {
		/*
		 * Not expected (the TEID table has a free position whenever
		 * a slot is free; see the file comment). A reader may already
		 * have found the session by its UE address, so the slot goes
		 * through a grace period like any deleted one.
		 */
		rte_hash_del_key(t->ue_h, &slot->ue_ipv4);
		if (rte_rcu_qsbr_dq_enqueue(t->slot_dq, &id) != 0)
			SESSION_LOG(ERR, "%s: slot %u lost", t->name, id);
		return ret;
	}
	__atomic_fetch_add(&t->count, 1, __ATOMIC_RELAXED);
	return (int)id;
}

int
gg_session_del(struct gg_session_table *t, uint32_t ul_teid)
{
	struct gg_session *slot;
	void *data;
	uint32_t id;

	if (t == NULL)
		return -EINVAL;
	if (rte_hash_lookup_data(t->teid_h, &ul_teid, &data) < 0)
		return -ENOENT;
	slot = data;
	id = slot->id;

	/* UE first, TEID second, slot last: see the file comment. */
	rte_hash_del_key(t->ue_h, &slot->ue_ipv4);
	rte_hash_del_key(t->teid_h, &ul_teid);
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
	struct gg_session *slot;
	void *data;

	if (t == NULL || (unsigned int)state >= GG_SESSION_STATE_MAX)
		return -EINVAL;
	if (rte_hash_lookup_data(t->teid_h, &ul_teid, &data) < 0)
		return -ENOENT;
	slot = data;
	__atomic_store_n(&slot->state, (uint8_t)state, __ATOMIC_RELEASE);
	return 0;
}

const struct gg_session *
gg_session_find(const struct gg_session_table *t, uint32_t ul_teid)
{
	void *data;

	if (t == NULL || rte_hash_lookup_data(t->teid_h, &ul_teid, &data) < 0)
		return NULL;
	return data;
}

uint32_t
gg_session_count(const struct gg_session_table *t)
{
	return t != NULL ? __atomic_load_n(&t->count, __ATOMIC_RELAXED) : 0;
}

/*
 * rte_hash_lookup_bulk_data() writes data[i] for hits only, so the hit mask
 * decides. n above the bulk maximum is split rather than refused: the cost
 * is one compare per call.
 */
static inline void
lookup_bulk(const struct rte_hash *h, const uint32_t *keys, unsigned int n,
		struct gg_session **out)
{
	const void *kp[GG_SESSION_LOOKUP_BULK_MAX];
	void *data[GG_SESSION_LOOKUP_BULK_MAX];
	hash_sig_t sig[GG_SESSION_LOOKUP_BULK_MAX];
	unsigned int i, chunk;
	uint64_t hits;

	while (n > 0) {
		chunk = RTE_MIN(n, (unsigned int)GG_SESSION_LOOKUP_BULK_MAX);
		for (i = 0; i < chunk; i++) {
			kp[i] = &keys[i];
			/* = rte_hash_crc(&keys[i], 4, 0), the tables' hash_func,
			 * inlined instead of called through a pointer per key */
			sig[i] = rte_hash_crc_4byte(keys[i], 0);
		}
		hits = 0;
		rte_hash_lookup_with_hash_bulk_data(h, kp, sig, chunk, &hits, data);
		for (i = 0; i < chunk; i++)
			out[i] = (hits >> i) & 1 ? data[i] : NULL;
		keys += chunk;
		out += chunk;
		n -= chunk;
	}
}

void
gg_session_lookup_teid_bulk(const struct gg_session_table *t,
		const uint32_t *teids, unsigned int n, struct gg_session **out)
{
	lookup_bulk(t->teid_h, teids, n, out);
}

void
gg_session_lookup_ue_bulk(const struct gg_session_table *t,
		const uint32_t *ue_ipv4, unsigned int n, struct gg_session **out)
{
	lookup_bulk(t->ue_h, ue_ipv4, n, out);
}

struct gg_session_counters *
gg_session_counters_of(const struct gg_session_table *t, unsigned int worker)
{
	if (t == NULL || worker >= t->n_workers)
		return NULL;
	return t->counters[worker];
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
		const struct gg_session_counters *c = &t->counters[w][id];

		out->ul_pkts += __atomic_load_n(&c->ul_pkts, __ATOMIC_RELAXED);
		out->ul_bytes += __atomic_load_n(&c->ul_bytes,
				__ATOMIC_RELAXED);
		out->dl_pkts += __atomic_load_n(&c->dl_pkts, __ATOMIC_RELAXED);
		out->dl_bytes += __atomic_load_n(&c->dl_bytes,
				__ATOMIC_RELAXED);
	}
}

/*
 * fn may change states but must not add or delete sessions: a delete can
 * move an entry of a chained bucket behind the iterator, which would then
 * skip it.
 */
int
gg_session_walk(const struct gg_session_table *t,
		int (*fn)(const struct gg_session *s, void *arg), void *arg)
{
	const void *key;
	void *data;
	uint32_t next = 0;
	int ret;

	if (t == NULL || fn == NULL)
		return -EINVAL;
	while (rte_hash_iterate(t->teid_h, &key, &data, &next) >= 0) {
		ret = fn(data, arg);
		if (ret != 0)
			return ret;
	}
	return 0;
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
