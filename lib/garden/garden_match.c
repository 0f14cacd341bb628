/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walled garden address classification, the workers' fast path: static
 * prefixes first (rte_lpm, then the prefix's rule set), then learned
 * entries for the session's scope, then global ones. No allocation, lock,
 * syscall or log; everything read is either immutable while reachable
 * (rule sets) or read atomically (LPM entries, hash data).
 *
 * Tables that are empty are skipped on a relaxed counter load, so a garden
 * without learned entries costs one LPM lookup per packet.
 */
#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_hash.h>
#include <rte_lpm.h>

#include "gg_garden.h"
#include "garden_private.h"

/*
 * Worker: does a learned entry's data (garden_learn_data()) admit
 * (proto, port) at now_s? Its name's slot stays intact while the entry
 * can be found: deleting a name removes its entries before the slot is
 * retired, and both wait for the same grace period.
 */
static inline bool
learned_admits(const struct gg_garden *g, uint64_t data, uint8_t proto,
		uint16_t port, uint64_t now_s)
{
	uint32_t ref = (uint32_t)(data >> 32);
	const struct garden_name *n;

	if ((uint32_t)data <= now_s)
		return false;
	if (ref == 0)
		return true;
	n = &g->names[ref - 1];
	return garden_rules_accept(n->scope, n->scope_n, proto, port);
}

/* Worker: a learned entry (scope, ip) admitting (proto, port) at now_s? */
static inline bool
learned_valid(const struct gg_garden *g, uint32_t scope, uint32_t ipv4_be,
		uint8_t proto, uint16_t port, uint64_t now_s)
{
	struct garden_learn_key key = { .scope = scope, .ipv4_be = ipv4_be };
	void *data;

	return rte_hash_lookup_data(g->learn_h, &key, &data) >= 0 &&
		learned_admits(g, (uint64_t)(uintptr_t)data, proto, port,
				now_s);
}

/*
 * Worker: the learned tables' part of gg_garden_match_ip(). Out of line,
 * so that the static prefixes' test, all a garden without learned entries
 * costs, saves no register and builds no frame for the hash lookups.
 */
static __rte_noinline bool
match_learned(const struct gg_garden *g, uint32_t scope, uint32_t ipv4_be,
		uint8_t proto, uint16_t port, uint64_t now_s)
{
	if (scope != GG_GARDEN_SCOPE_GLOBAL &&
			__atomic_load_n(&g->n_learned_scoped,
				__ATOMIC_RELAXED) != 0 &&
			learned_valid(g, scope, ipv4_be, proto, port, now_s))
		return true;
	return __atomic_load_n(&g->n_learned_global, __ATOMIC_RELAXED) != 0 &&
		learned_valid(g, GG_GARDEN_SCOPE_GLOBAL, ipv4_be, proto, port,
				now_s);
}

bool
gg_garden_match_ip(const struct gg_garden *g, uint32_t scope,
		uint32_t ipv4_be, uint8_t proto, uint16_t port, uint64_t now_s)
{
	uint32_t nh;

	if (rte_lpm_lookup(g->lpm, rte_be_to_cpu_32(ipv4_be), &nh) == 0 &&
			garden_set_accepts(&g->sets[nh], proto, port))
		return true;
	/* Both counts read here too: with none, no call at all. */
	if ((scope == GG_GARDEN_SCOPE_GLOBAL ||
			__atomic_load_n(&g->n_learned_scoped,
				__ATOMIC_RELAXED) == 0) &&
			__atomic_load_n(&g->n_learned_global,
				__ATOMIC_RELAXED) == 0)
		return false;
	return match_learned(g, scope, ipv4_be, proto, port, now_s);
}

/*
 * One bulk lookup of the learned table for the entries in @p todo, with
 * @p scope_of == NULL meaning GLOBAL for all. Returns the bits that hit a
 * valid entry.
 */
static inline uint64_t
learned_bulk(const struct gg_garden *g, const uint32_t *scope_of,
		const uint32_t *ipv4_be, const uint8_t *proto,
		const uint16_t *port, uint64_t todo, uint64_t now_s)
{
	struct garden_learn_key keys[GG_GARDEN_BULK_MAX];
	const void *kp[GG_GARDEN_BULK_MAX];
	void *data[GG_GARDEN_BULK_MAX];
	uint8_t idx[GG_GARDEN_BULK_MAX];
	unsigned int n = 0, i;
	uint64_t hits = 0, found = 0;

	while (todo != 0) {
		i = rte_bsf64(todo);
		todo &= todo - 1;
		keys[n].scope = scope_of != NULL ? scope_of[i] :
			GG_GARDEN_SCOPE_GLOBAL;
		keys[n].ipv4_be = ipv4_be[i];
		kp[n] = &keys[n];
		idx[n] = (uint8_t)i;
		n++;
	}
	if (n == 0)
		return 0;
	rte_hash_lookup_bulk_data(g->learn_h, kp, n, &hits, data);
	while (hits != 0) {
		i = rte_bsf64(hits);
		hits &= hits - 1;
		if (learned_admits(g, (uint64_t)(uintptr_t)data[i],
				proto[idx[i]], port[idx[i]], now_s))
			found |= UINT64_C(1) << idx[i];
	}
	return found;
}

uint64_t
gg_garden_match_ip_bulk(const struct gg_garden *g, const uint32_t *scope,
		const uint32_t *ipv4_be, const uint8_t *proto,
		const uint16_t *port, unsigned int n, uint64_t now_s)
{
	uint32_t ips[GG_GARDEN_BULK_MAX], hops[GG_GARDEN_BULK_MAX];
	uint64_t all, match = 0, todo;
	unsigned int i;

	if (n == 0)
		return 0;
	n = RTE_MIN(n, (unsigned int)GG_GARDEN_BULK_MAX);
	all = n == 64 ? UINT64_MAX : (UINT64_C(1) << n) - 1;

	for (i = 0; i < n; i++)
		ips[i] = rte_be_to_cpu_32(ipv4_be[i]);
	rte_lpm_lookup_bulk(g->lpm, ips, hops, n);
	for (i = 0; i < n; i++)
		if ((hops[i] & RTE_LPM_LOOKUP_SUCCESS) &&
				garden_set_accepts(&g->sets[hops[i] & 0x00ffffff],
					proto[i], port[i]))
			match |= UINT64_C(1) << i;
	if (match == all)
		return match;

	if (__atomic_load_n(&g->n_learned_scoped, __ATOMIC_RELAXED) != 0) {
		todo = 0;
		for (i = 0; i < n; i++)
			if (scope[i] != GG_GARDEN_SCOPE_GLOBAL)
				todo |= UINT64_C(1) << i;
		match |= learned_bulk(g, scope, ipv4_be, proto, port,
				todo & ~match, now_s);
	}
	if (match != all &&
			__atomic_load_n(&g->n_learned_global,
				__ATOMIC_RELAXED) != 0)
		match |= learned_bulk(g, NULL, ipv4_be, proto, port,
				all & ~match, now_s);
	return match;
}
