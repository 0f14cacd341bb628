/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session index (private to lib/session): a 4-byte key -> 32-bit slot id
 * map, one per lookup direction (uplink TEID, UE IPv4 address). Built for
 * the workers' bulk lookups: one cache line per key in the common case,
 * no pointer chasing, and readers that never lock or retry.
 *
 * Layout: a power-of-two array of 64-octet buckets. A bucket holds 7
 * entries, each one 64-bit word (key << 32 | id; a free one is
 * SESSION_INDEX_FREE, key 0 and id SESSION_INDEX_MISS, so that key 0,
 * never stored (TEID 0 and address 0.0.0.0 are not session keys), finds
 * a miss in a free entry without a test of its own), and
 * "spilled", the number of keys whose first-choice bucket this is but
 * which live in their second choice (see below for the two choices).
 *
 * Lookup: scan the first-choice bucket; only if the key is not there and
 * the bucket has spilled keys, scan the second. Sizing keeps the average
 * load at or below 60 % (capacity <= 4.2 x buckets), where a Poisson
 * estimate puts about one key in eight in its second choice at a full
 * table, and far fewer below.
 *
 * Insert: first choice if it has room, else second choice, else one step
 * of cuckoo displacement: an entry living in its own first choice (of
 * either bucket) moves to its second choice, if that has room. A move
 * writes the copy, then raises "spilled", then clears the original, so a
 * reader finds the key at every instant. Past that the insert fails with
 * -ENOSPC; at 60 % load that needs 16 full buckets at once.
 *
 * Locking rules: one writer (the session table's control thread) calls
 * add and del; any number of readers call find at the same time. Entries
 * are written with release stores and read with acquire loads, so a
 * reader that sees an id also sees the session written before it. The
 * index keeps ids only: the slots they name are reclaimed by the table's
 * RCU defer queue, never by the index.
 */
#ifndef SESSION_INDEX_H
#define SESSION_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>

#include "session_mem.h"

/** Entries a bucket holds. */
#define SESSION_INDEX_WAYS 7

/** Largest n of session_index_find_bulk(). */
#define SESSION_INDEX_BULK_MAX 64

/** What a failed lookup gives. */
#define SESSION_INDEX_MISS UINT32_MAX

/** A free entry: key 0, id SESSION_INDEX_MISS (never a stored id). */
#define SESSION_INDEX_FREE ((uint64_t)SESSION_INDEX_MISS)

struct session_index_bucket {
	uint64_t entry[SESSION_INDEX_WAYS];  /* key << 32 | id, or FREE */
	uint32_t spilled;  /* keys of this first choice in their second */
	uint32_t reserved;
} __rte_cache_aligned;

struct session_index {
	struct session_index_bucket *buckets;
	struct session_mem mem;  /* where the buckets live */
	uint32_t mask;      /* number of buckets - 1 */
	uint32_t n_keys;    /* writer only */
	uint32_t n_second;  /* keys in their second choice; writer only */
};

/*
 * The two choices come from one CRC32C of the key (one instruction with
 * SSE4.2): its low bits pick the first, the top bits of its Fibonacci
 * product (h * 2^32/phi) the second. Two CRCs with different seeds would
 * not do: CRC is linear, so they differ by a constant XOR, which pairs the
 * buckets off and leaves every pair to fill on its own (measured: inserts
 * failed from 50 % load). The seed is fixed, so that placement, and with
 * it the instruction count of a lookup, repeats from run to run; the keys
 * are not chosen by senders (TEIDs are drawn at random, addresses come
 * from the pool or the operator), so there is nothing to gain from secrecy.
 */
#define SESSION_INDEX_SEED 0u
#define SESSION_INDEX_FIB32 0x9e3779b1u

static inline uint32_t
session_index_hash(uint32_t key)
{
	return rte_hash_crc_4byte(key, SESSION_INDEX_SEED);
}

static inline uint32_t
session_index_first(const struct session_index *x, uint32_t key)
{
	return session_index_hash(key) & x->mask;
}

static inline uint32_t
session_index_second(const struct session_index *x, uint32_t key)
{
	uint32_t h = session_index_hash(key);
	uint32_t b = (uint32_t)(((uint64_t)(h * SESSION_INDEX_FIB32) *
			((uint64_t)x->mask + 1)) >> 32);

	/* Never the first choice itself (a one-bucket index keeps it). */
	return b != (h & x->mask) ? b : b ^ (x->mask & 1u);
}

/* The id of @p key in bucket @p b, or SESSION_INDEX_MISS (key 0 too: it
 * meets only free entries, whose id is the miss). Reader. */
static inline uint32_t
session_index_scan(const struct session_index_bucket *b, uint32_t key)
{
	unsigned int i;

	for (i = 0; i < SESSION_INDEX_WAYS; i++) {
		uint64_t e = __atomic_load_n(&b->entry[i], __ATOMIC_ACQUIRE);

		if ((uint32_t)(e >> 32) == key)
			return (uint32_t)e;
	}
	return SESSION_INDEX_MISS;
}

/**
 * Look up @p n (<= SESSION_INDEX_BULK_MAX) keys; ids[i] is the id or
 * SESSION_INDEX_MISS. Reader. Three passes over the burst so that the
 * cache misses overlap: hash and prefetch every first choice; scan them,
 * prefetching the second choice of the few keys that need it; scan those.
 * If @p pf_base is not NULL, the record of each id found (pf_base +
 * id * pf_stride) is prefetched as soon as the id is known, so that its
 * miss overlaps the scans of the following keys rather than starting
 * after the last one. Costs about 12 instructions and one cache line per
 * key when the key sits in its first choice.
 */
static inline void
session_index_find_bulk(const struct session_index *x, const uint32_t *keys,
		unsigned int n, uint32_t *ids, const void *pf_base,
		size_t pf_stride)
{
	const struct session_index_bucket *first[SESSION_INDEX_BULK_MAX];
	uint8_t again[SESSION_INDEX_BULK_MAX];
	unsigned int i, k = 0;

	for (i = 0; i < n; i++) {
		first[i] = &x->buckets[session_index_first(x, keys[i])];
		rte_prefetch0(first[i]);
	}
	for (i = 0; i < n; i++) {
		ids[i] = session_index_scan(first[i], keys[i]);
		if (likely(ids[i] != SESSION_INDEX_MISS)) {
			if (pf_base != NULL)
				rte_prefetch0(RTE_PTR_ADD(pf_base,
						ids[i] * pf_stride));
		} else if (__atomic_load_n(&first[i]->spilled,
					__ATOMIC_ACQUIRE) != 0) {
			first[i] = &x->buckets[session_index_second(x,
					keys[i])];
			rte_prefetch0(first[i]);
			again[k++] = (uint8_t)i;
		}
	}
	for (i = 0; i < k; i++) {
		uint32_t id = session_index_scan(first[again[i]],
				keys[again[i]]);

		ids[again[i]] = id;
		if (pf_base != NULL && id != SESSION_INDEX_MISS)
			rte_prefetch0(RTE_PTR_ADD(pf_base, id * pf_stride));
	}
}

/** One key; SESSION_INDEX_MISS if absent. Reader. */
uint32_t session_index_find(const struct session_index *x, uint32_t key);

/** Buckets for @p capacity keys (a power of two). */
uint32_t session_index_buckets_for(uint32_t capacity);

/** Allocate for @p capacity keys. 0, or -ENOMEM / -EINVAL. Writer. */
int session_index_init(struct session_index *x, uint32_t capacity,
		int socket_id);

/** Free the buckets. No reader may be running. */
void session_index_free(struct session_index *x);

/** Insert; 0, -EINVAL (key 0), -EEXIST or -ENOSPC. Writer. */
int session_index_add(struct session_index *x, uint32_t key, uint32_t id);

/** Remove; 0 or -ENOENT. Writer. */
int session_index_del(struct session_index *x, uint32_t key);

/** Call @p fn(id, arg) for every entry until it returns non-zero. Writer. */
int session_index_walk(const struct session_index *x,
		int (*fn)(uint32_t id, void *arg), void *arg);

#endif /* SESSION_INDEX_H */
