/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Session tables: uplink TEID -> session and UE IPv4 -> session.
 *
 * Both are lock-free rte_hash tables (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF)
 * whose data is a pointer into one preallocated array of sessions. Deleted
 * entries and session slots are reclaimed through rte_rcu_qsbr (defer-queue
 * mode), so a worker may use a session pointer until its next quiescent
 * state report.
 *
 * Locking rules:
 *  - one writer: every function marked "control" must be called by one
 *    thread only (the control lcore), never concurrently with itself;
 *  - many readers: the "worker" functions may run on any registered RCU
 *    reader at the same time as the writer, with no lock;
 *  - a session's state may change while readers hold it (atomic byte);
 *    every other field is immutable while the session is in the tables.
 *
 * Memory: see gg_session_table_bytes_per_session().
 */
#ifndef GG_SESSION_H
#define GG_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

struct rte_rcu_qsbr;

/** Session states. Workers read the state on every packet. */
enum gg_session_state {
	GG_SESSION_FULL = 0,     /**< full connectivity */
	GG_SESSION_LIMITED = 1,  /**< walled garden only */
	GG_SESSION_BLOCKED = 2,  /**< everything dropped */
	GG_SESSION_STATE_MAX
};

/** Add a PDU Session Container with the QFI to downlink G-PDUs. */
#define GG_SESSION_F_QFI 0x01

/**
 * One PDU session as the data plane sees it: 24 octets of fields, aligned
 * to 32 so that no session straddles two cache lines (at 24 a quarter of
 * them did, and the worker's prefetch brought only the first line: a
 * whole memory latency on one packet in four of a large table).
 */
struct __rte_aligned(32) gg_session {
	uint32_t ul_teid;   /**< our TEID, host order: key of the TEID table */
	uint32_t ue_ipv4;   /**< network order: key of the UE table */
	uint32_t gnb_ipv4;  /**< gNB N3 address, network order */
	uint32_t dl_teid;   /**< gNB's TEID for downlink, host order */
	uint32_t id;        /**< slot index, set by gg_session_add() */
	uint8_t qfi;        /**< QoS flow identifier (6 bits) */
	uint8_t flags;      /**< GG_SESSION_F_* */
	uint8_t state;      /**< enum gg_session_state; use the accessors */
	uint8_t reserved;
};

/** Per-session, per-worker traffic counters (worker is the only writer). */
struct gg_session_counters {
	uint64_t ul_pkts;
	uint64_t ul_bytes;
	uint64_t dl_pkts;
	uint64_t dl_bytes;
};

struct gg_session_table;

struct gg_session_table_params {
	const char *name;        /**< unique prefix for the DPDK objects */
	uint32_t capacity;       /**< maximum sessions, >= 1 */
	unsigned int n_workers;  /**< number of per-worker counter arrays */
	int socket_id;           /**< NUMA socket, or SOCKET_ID_ANY */
	struct rte_rcu_qsbr *qsv;/**< readers' QSBR variable */
};

/** Largest n accepted by the bulk lookups. */
#define GG_SESSION_LOOKUP_BULK_MAX 64

/**
 * Create the tables. Control. Returns NULL and sets rte_errno on failure
 * (EINVAL bad parameters, ENOMEM, EEXIST name in use).
 */
struct gg_session_table *
gg_session_table_create(const struct gg_session_table_params *p);

/** Free everything. Control; no reader may be running. NULL is a no-op. */
void gg_session_table_free(struct gg_session_table *t);

/**
 * Install a session. Control. @p s is copied; its id is ignored.
 * @return the new session's id (>= 0), or -EEXIST (TEID or UE address
 *         already in use), -ENOSPC (table full), -EINVAL.
 */
int gg_session_add(struct gg_session_table *t, const struct gg_session *s);

/** Remove the session with uplink TEID @p ul_teid. Control. 0 or -ENOENT. */
int gg_session_del(struct gg_session_table *t, uint32_t ul_teid);

/** Change a session's state; readers see it on their next packet. Control. */
int gg_session_set_state(struct gg_session_table *t, uint32_t ul_teid,
		enum gg_session_state state);

/** Find by uplink TEID. Control (or any RCU reader). NULL if absent. */
const struct gg_session *
gg_session_find(const struct gg_session_table *t, uint32_t ul_teid);

/** Number of installed sessions. Any thread. */
uint32_t gg_session_count(const struct gg_session_table *t);

/**
 * Sessions installed in @p state now. Any thread: the counts are kept by
 * the writer (add, delete, set_state), each exact, the three together
 * not a snapshot (a state change is a decrement then an increment).
 */
uint32_t gg_session_count_state(const struct gg_session_table *t,
		enum gg_session_state state);

/**
 * Look up @p n (<= GG_SESSION_LOOKUP_BULK_MAX) uplink TEIDs (host order).
 * Worker. out[i] is the session or NULL.
 */
void gg_session_lookup_teid_bulk(const struct gg_session_table *t,
		const uint32_t *teids, unsigned int n, struct gg_session **out);

/**
 * Look up @p n (<= GG_SESSION_LOOKUP_BULK_MAX) UE addresses (network order).
 * Worker. out[i] is the session or NULL.
 */
void gg_session_lookup_ue_bulk(const struct gg_session_table *t,
		const uint32_t *ue_ipv4, unsigned int n, struct gg_session **out);

/**
 * Where a worker keeps its counters of every session
 * (gg_session_worker_counters()). With one worker they sit in each
 * session's slot, right after the session, so that a packet touches one
 * cache line of the session table for both (measured: the 1M-session
 * rates rose 7 to 9 %, doc/performance.rst). With several, each worker
 * has an array of its own indexed by session id: a line both read by
 * every worker and written by one would bounce between their caches
 * whenever two of them carry the same session (uplink and downlink
 * usually land on different workers).
 */
struct gg_session_ctr_view {
	struct gg_session_counters *array;  /**< by id; NULL: in the slot */
};

/**
 * The view of worker @p worker (< n_workers). 0, or -EINVAL. That worker
 * is the only writer of its counters; gg_session_counters_sum() reads.
 */
int gg_session_worker_counters(const struct gg_session_table *t,
		unsigned int worker, struct gg_session_ctr_view *out);

/** Worker: its counters of session @p s (one the lookups gave it). */
static inline struct gg_session_counters *
gg_session_ctr(const struct gg_session_ctr_view *v, const struct gg_session *s)
{
	if (v->array == NULL)
		return (struct gg_session_counters *)(uintptr_t)(s + 1);
	return &v->array[s->id];
}

/**
 * Burst form of the lookups, for a worker's array of per-packet records:
 * the keys are read at @p key0, key0 + stride, ... (bytes), each session
 * (or NULL) is stored at @p out0, out0 + stride, ...; as each session is
 * found its line, and its counters in @p ctr when they live apart
 * (NULL: none wanted), are prefetched. Saves the gathering of keys and
 * the scattering of results around a bulk call.
 * n <= GG_SESSION_LOOKUP_BULK_MAX. Worker.
 */
void gg_session_lookup_teid_burst(const struct gg_session_table *t,
		const uint32_t *key0, struct gg_session **out0, size_t stride,
		unsigned int n, const struct gg_session_ctr_view *ctr);

/** The same by UE address (network order). Worker. */
void gg_session_lookup_ue_burst(const struct gg_session_table *t,
		const uint32_t *key0, struct gg_session **out0, size_t stride,
		unsigned int n, const struct gg_session_ctr_view *ctr);

/**
 * Two-step lookups for a worker's fast path, for a burst whose keys are
 * learnt one by one: gg_session_probe() hashes a key and starts fetching
 * its first-choice bucket as soon as the key is known, so that the fetch
 * overlaps the caller's work on the following packets;
 * gg_session_probe_find() later scans that bucket (and, for the few keys
 * that spilled, looks further out of line). Same answers as the burst
 * lookups.
 * The view (gg_session_fast_view()) is the table's immutable layout,
 * taken once a burst. Worker.
 */
struct gg_session_fast_index {
	const struct gg_session_index_bucket *buckets;
	uint32_t mask;
};
struct gg_session_fast_view {
	struct gg_session_fast_index teid;   /**< uplink TEID -> slot */
	struct gg_session_fast_index ue;     /**< UE IPv4 -> slot */
	struct gg_session *slots;
	unsigned int slot_shift;
	const struct gg_session_table *t;
};

/** The view of @p t. Worker (or any thread). */
void gg_session_fast_view(const struct gg_session_table *t,
		struct gg_session_fast_view *v);

/** Out of line: the session of @p key whose first-choice bucket had
 * spilled keys, or NULL. @p ue: the UE index, else the TEID one. */
struct gg_session *gg_session_probe_slow(const struct gg_session_table *t,
		uint32_t key, int ue);

/** Sum of one session's counters over all workers. Any thread. */
void gg_session_counters_sum(const struct gg_session_table *t, uint32_t id,
		struct gg_session_counters *out);

/**
 * Call @p fn for every installed session. Control. Stops early and returns
 * fn's value when it is non-zero.
 */
int gg_session_walk(const struct gg_session_table *t,
		int (*fn)(const struct gg_session *s, void *arg), void *arg);

/**
 * A page of the installed sessions, in slot order, for listings that span
 * several calls (a telemetry answer at a time): look at the slots from
 * *cursor on, at most @p max_slots of them (so that a page of a sparse
 * table costs a bounded time), call @p fn for each installed session, and
 * set *cursor where the next call goes on. A non-zero value of fn stops
 * the page after that session and is returned. Done when *cursor reaches
 * gg_session_capacity(). Lock-free reads, as gg_session_find(): any
 * thread, fn must not add or delete sessions. A session added or deleted
 * meanwhile may or may not be listed; every other is listed once.
 */
int gg_session_walk_slots(const struct gg_session_table *t, uint32_t *cursor,
		uint32_t max_slots,
		int (*fn)(const struct gg_session *s, void *arg), void *arg);

/** Slots of the table (sessions it can hold). */
uint32_t gg_session_capacity(const struct gg_session_table *t);

/** Memory the tables take per session of capacity, for n_workers workers. */
size_t gg_session_table_bytes_per_session(const struct gg_session_table *t);

/** Worker: the session's state right now. */
static inline enum gg_session_state
gg_session_state(const struct gg_session *s)
{
	return (enum gg_session_state)__atomic_load_n(&s->state, __ATOMIC_RELAXED);
}

/*
 * The inline half of the two-step lookups: the index's bucket layout
 * (session_index.h, private otherwise) is part of it.
 */
#include "session_index.h"

struct gg_session_index_bucket {
	struct session_index_bucket b;
};

/** Start a lookup of @p key in @p x: hash, prefetch, the bucket. */
static inline const struct gg_session_index_bucket *
gg_session_probe(const struct gg_session_fast_index *x, uint32_t key)
{
	const struct gg_session_index_bucket *b =
		&x->buckets[session_index_hash(key) & x->mask];

	rte_prefetch0(b);
	return b;
}

/** Finish it: the session (its line prefetched, and its counters in
 * @p ctr when they live apart: not NULL), or NULL. @p ue as in
 * gg_session_probe_slow(). */
static inline struct gg_session *
gg_session_probe_find(const struct gg_session_fast_view *v,
		const struct gg_session_index_bucket *b, uint32_t key, int ue,
		const struct gg_session_counters *ctr)
{
	uint32_t id = session_index_scan(&b->b, key);
	struct gg_session *s;

	if (likely(id != SESSION_INDEX_MISS)) {
		s = RTE_PTR_ADD(v->slots, (size_t)id << v->slot_shift);
		rte_prefetch0(s);
		if (ctr != NULL)
			rte_prefetch0(&ctr[id]);
		return s;
	}
	if (likely(__atomic_load_n(&b->b.spilled, __ATOMIC_ACQUIRE) == 0))
		return NULL;
	return gg_session_probe_slow(v->t, key, ue);
}

/** Name of a state ("full", "limited", "blocked"), NULL if out of range. */
const char *gg_session_state_name(enum gg_session_state st);

/** Parse a state name; -1 if unknown. */
int gg_session_state_parse(const char *name);

#endif /* GG_SESSION_H */
