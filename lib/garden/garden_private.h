/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walled garden internals shared by the lib/garden files: the garden
 * object, the per-kind entry layouts, the RCU-deferred slot pools and the
 * inline helpers of the worker fast path.
 */
#ifndef GARDEN_PRIVATE_H
#define GARDEN_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_log.h>

#include "gg_garden.h"

struct rte_hash;
struct rte_lpm;
struct rte_rcu_qsbr;
struct rte_rcu_qsbr_dq;

extern int gg_garden_logtype;

#define GARDEN_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, gg_garden_logtype, \
		"gg_garden: " fmt "\n", ##__VA_ARGS__)

/* Most labels a name can have: 253 characters, one-letter labels. */
#define GARDEN_LABELS_MAX ((GG_GARDEN_NAME_MAX + 1) / 2)

/* "no heap position": the learned entry is not in the table. */
#define GARDEN_NO_POS UINT32_MAX

/* Pool slots a pool get may reclaim at once when its free stack is dry. */
#define GARDEN_RECLAIM_BATCH 64

/*
 * Spare resources beyond the capacity, so that deletions still in their
 * grace period do not make the next add fail: one eighth, at least 8.
 * Past that many pending deletions (a reader that does not report
 * quiescent states), adds return -EAGAIN.
 */
static inline uint32_t
garden_spare(uint32_t n)
{
	return RTE_MAX(8u, n / 8);
}

/* One static rule: the port range is 0-65535 unless proto is TCP or UDP. */
struct garden_rule {
	uint16_t port_lo;
	uint16_t port_hi;
	uint8_t proto;		/* 0: any */
	uint8_t reserved;
};

/*
 * The rules of one prefix: the LPM next hop is this set's index. Immutable
 * while the LPM can lead a reader to it: a change builds a new set (copy on
 * write), switches the prefix to it with rte_lpm_add() and retires the old
 * one through the set pool's defer queue. One cache line per prefix.
 */
struct garden_set {
	uint32_t ip;		/* prefix, host order (walk, control) */
	uint8_t depth;
	uint8_t n;		/* rules in use */
	uint16_t reserved;
	struct garden_rule rules[GG_GARDEN_RULES_PER_PREFIX];
} __rte_cache_aligned;

/* Octets of a name slot's wire form: 254 at most, zero padded to whole words. */
#define GARDEN_WIRE_ROOM 256

/*
 * One garden name in DNS wire form (RFC 1035 3.1), lowercase, without the
 * root octet: the name hash's data points here so that a reader can
 * verify a 64-bit hash hit. The octets past len are zero, so a reader may
 * compare whole 8-octet words up to GARDEN_WIRE_ROOM. Immutable while
 * published; retired through the name pool's defer queue.
 */
struct garden_name {
	uint8_t len;		/* octets in wire: 3..254 */
	uint8_t labels;		/* 1..127 */
	uint8_t scope_n;	/* rules in scope */
	uint8_t reserved[5];
	uint8_t wire[GARDEN_WIRE_ROOM];
	/* What the addresses learned for the name open (gg_garden_scope). */
	struct garden_rule scope[GG_GARDEN_RULES_PER_PREFIX];
};

/*
 * Name filter (garden_name.c): one bit per filter slot, set while some
 * garden name's key maps to it. Bits per name of max_names (rounded up to
 * a power of two), and the bounds on the filter's size: with 16 bits per
 * name a key that is not in the garden finds its bit clear about 15 times
 * in 16, and is not looked up.
 */
#define GARDEN_FILTER_BITS_PER_NAME 16
#define GARDEN_FILTER_MIN_BITS (1u << 12)
#define GARDEN_FILTER_MAX_BITS (1u << 22)

/*
 * Key of the learned table (8 bytes, no padding), 8-byte aligned:
 * rte_hash_crc() reads an 8-byte key as one uint64_t.
 */
struct garden_learn_key {
	uint32_t scope;
	uint32_t ipv4_be;
} __rte_aligned(8);

/*
 * Control-side shadow of one learned entry, indexed by its rte_hash key
 * position (stable while the key is in the table). Readers never see it:
 * they read the expiry from the hash's data.
 */
struct garden_learn_meta {
	uint64_t expiry;	/* valid while now < expiry */
	uint32_t scope;
	uint32_t ipv4_be;
	uint32_t hidx;		/* heap index, or GARDEN_NO_POS: not in use */
	uint32_t name_ref;	/* name slot + 1; 0: every protocol and port */
};

/*
 * The data of a learned entry in learn_h, one 64-bit word (swapped
 * atomically by rte_hash_add_key_data() on a refresh): the expiry second
 * in the low 32 bits (the TSC-seconds clock stays under 2^32 for 136
 * years of uptime), the name reference (garden_learn_meta.name_ref) in
 * the high 32.
 */
static inline uint64_t
garden_learn_data(uint64_t expiry, uint32_t name_ref)
{
	return (uint64_t)name_ref << 32 | (uint32_t)expiry;
}

/*
 * Fixed-size pool of slot ids whose freed slots come back only after the
 * readers' grace period (an rte_rcu_qsbr defer queue). Control only.
 */
struct garden_pool {
	uint32_t *free_ids;	/* stack of ids ready for use */
	uint32_t n_free;
	uint32_t size;
	uint8_t *live;		/* 1: published (walk); 0: free, in grace */
	struct rte_rcu_qsbr_dq *dq;
};

struct gg_garden {
	/*
	 * Read by the workers on every lookup; immutable after create, so
	 * alone on their cache line(s) with nothing the writer stores to.
	 */
	struct rte_lpm *lpm;		/* next hop: index into sets */
	struct garden_set *sets;	/* set_pool.size entries */
	struct rte_hash *name_h;	/* 64-bit suffix hash -> garden_name */
	struct garden_name *names;	/* name_pool.size entries */
	struct rte_hash *learn_h;	/* garden_learn_key -> expiry second */
	uint64_t name_seed;		/* per-garden hash seed */
	/* Bits written by the control thread (relaxed atomics). */
	uint64_t *name_filter;
	uint32_t filter_shift;		/* 64 - log2(filter bits) */

	/*
	 * Written by the control thread (relaxed atomics) when an entry
	 * comes or goes, read by the workers to skip empty tables (n_names
	 * only by counts). A stale value only reorders a lookup with a
	 * concurrent add or delete.
	 */
	uint32_t n_names __rte_cache_aligned;
	uint32_t n_learned_scoped;
	uint32_t n_learned_global;
	/*
	 * Bit L-1 set: some garden name has L labels (1..127). Readers look
	 * up only the suffixes of those label counts; a stale bit costs a
	 * lookup, a bit cleared while a name of that count is being added is
	 * a lookup ordered before the add.
	 */
	uint64_t label_mask[2];

	/* Written by the control thread (relaxed atomics), read by anyone. */
	uint32_t n_rules __rte_cache_aligned;
	uint32_t n_prefixes;
	uint64_t learn_new;
	uint64_t learn_refreshed;
	uint64_t learn_evicted;
	uint64_t learn_refused;
	uint64_t expired;

	/* Control thread only. */
	struct garden_pool set_pool __rte_cache_aligned;
	struct garden_pool name_pool;
	/* label_hist[L - 1]: names of L labels (drives label_mask). */
	uint32_t label_hist[GARDEN_LABELS_MAX];
	/* Names per filter bit (drive name_filter); stuck once at UINT8_MAX. */
	uint8_t *filter_count;
	struct garden_learn_meta *meta;	/* learn_entries entries */
	uint32_t *heap;			/* meta positions, min-heap by expiry */
	uint32_t heap_n;		/* == learned entries in the table */
	uint32_t learn_entries;		/* rte_hash capacity of learn_h */
	uint32_t *scope_count;		/* learned entries per session scope */

	/* Immutable after create. */
	uint32_t max_rules;
	uint32_t max_names;
	uint32_t max_learned;
	uint32_t min_ttl;
	uint32_t max_ttl;
	uint32_t max_per_scope;
	uint32_t scope_capacity;
	bool refuse_when_full;
	char name[GG_GARDEN_OBJ_NAME_MAX + 1];
};

/* garden.c: pools and tables shared by the kinds. */
int garden_pool_init(struct garden_pool *pl, const char *dq_name,
		uint32_t size, int socket_id, struct rte_rcu_qsbr *qsv);
void garden_pool_fini(struct garden_pool *pl, const char *what,
		const char *garden);
uint32_t garden_pool_get(struct garden_pool *pl);
void garden_pool_put(struct garden_pool *pl, uint32_t id);
void garden_pool_retire(struct garden_pool *pl, uint32_t id);
struct rte_hash *garden_hash_create(const char *prefix, const char *garden,
		uint32_t entries, int socket_id, struct rte_rcu_qsbr *qsv);

/* garden_learn.c */
int garden_learn_init(struct gg_garden *g, int socket_id);
void garden_learn_fini(struct gg_garden *g);
int garden_learn_walk(const struct gg_garden *g,
		int (*fn)(const struct gg_garden_entry *e, void *arg),
		void *arg);

/* garden_prefix.c */
int garden_prefix_walk(const struct gg_garden *g,
		int (*fn)(const struct gg_garden_entry *e, void *arg),
		void *arg);
bool garden_rule_valid(uint8_t proto, uint16_t port_lo, uint16_t port_hi);

/* garden_name.c */
int garden_name_init(struct gg_garden *g, int socket_id);
void garden_name_fini(struct gg_garden *g);
int garden_name_walk(const struct gg_garden *g,
		int (*fn)(const struct gg_garden_entry *e, void *arg),
		void *arg);

/* Worker: does any of the @p n rules at @p rules accept (proto, port)? */
static inline bool
garden_rules_accept(const struct garden_rule *rules, unsigned int n,
		uint8_t proto, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct garden_rule *r = &rules[i];

		if ((r->proto == GG_GARDEN_PROTO_ANY || r->proto == proto) &&
				port >= r->port_lo && port <= r->port_hi)
			return true;
	}
	return false;
}

/* Control: forget every entry learned for name slot @p id (its delete). */
uint32_t garden_learn_forget_name(struct gg_garden *g, uint32_t id);

/* Worker: does any rule of @p s accept (proto, port)? */
static inline bool
garden_set_accepts(const struct garden_set *s, uint8_t proto, uint16_t port)
{
	unsigned int i, n = s->n;

	/*
	 * Rules of protocols without ports carry 0-65535, so one range test
	 * serves them all.
	 */
	for (i = 0; i < n; i++) {
		const struct garden_rule *r = &s->rules[i];

		if ((r->proto == GG_GARDEN_PROTO_ANY || r->proto == proto) &&
				port >= r->port_lo && port <= r->port_hi)
			return true;
	}
	return false;
}

#endif /* GARDEN_PRIVATE_H */
