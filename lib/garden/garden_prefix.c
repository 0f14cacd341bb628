/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walled garden static prefix rules: an rte_lpm whose next hop is the index
 * of an immutable rule set (struct garden_set), changed by copy on write.
 *
 * Why copy on write rather than editing a set in place: a reader scans a
 * set's rules with no lock. An in-place delete moves the last rule into
 * the hole and a later add reuses the last position, so a reader that
 * loaded the old rule count could miss a rule present before and after
 * both changes. A new set per change costs one cache line and one
 * rte_lpm_add() rewriting the prefix's table entries (rte_lpm updates the
 * next hop of an existing prefix in place, entry by entry, each entry
 * atomically); rule changes are rare.
 *
 * Publication: rte_lpm stores tbl8 entries with relaxed order, so a release
 * fence orders the new set's stores before them; readers reach the set
 * through an address dependency on the entry they loaded. An old set is
 * retired only after the LPM no longer leads to it, and comes back after
 * the readers' grace period.
 *
 * Capacity: sets = max_rules + spare (garden_spare()); one set per prefix
 * in use, the spare ones cover sets waiting in their grace period.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_lpm.h>

#include "gg_garden.h"
#include "garden_private.h"

bool
garden_rule_valid(uint8_t proto, uint16_t port_lo, uint16_t port_hi)
{
	if (proto == GG_GARDEN_PROTO_TCP || proto == GG_GARDEN_PROTO_UDP)
		return port_lo <= port_hi;
	/* No ports to restrict: the rule must say "every port". */
	return port_lo == 0 && port_hi == UINT16_MAX;
}

static bool
prefix_valid(uint32_t ip, uint8_t depth)
{
	if (depth < 1 || depth > RTE_LPM_MAX_DEPTH)
		return false;
	/* Host bits set: most likely a typo; refuse rather than widen. */
	return depth == 32 || (ip & (UINT32_MAX >> depth)) == 0;
}

/* Index of the rule (proto, lo, hi) in @p s, or -1. */
static int
set_find(const struct garden_set *s, uint8_t proto, uint16_t lo, uint16_t hi)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->rules[i].proto == proto && s->rules[i].port_lo == lo &&
				s->rules[i].port_hi == hi)
			return (int)i;
	return -1;
}

/*
 * Point the prefix at set @p new_id (add or replace). rte_lpm_add() can
 * only fail for a new prefix, when every spare tbl8 group waits for its
 * grace period (the tbl8 count covers max_rules prefixes).
 */
static int
set_publish(struct gg_garden *g, uint32_t ip, uint8_t depth, uint32_t new_id)
{
	int ret;

	rte_atomic_thread_fence(__ATOMIC_RELEASE);
	ret = rte_lpm_add(g->lpm, ip, depth, new_id);
	if (ret < 0) {
		garden_pool_put(&g->set_pool, new_id);
		return ret == -ENOSPC ? -EAGAIN : ret;
	}
	g->set_pool.live[new_id] = 1;
	return 0;
}

int
gg_garden_add_prefix(struct gg_garden *g, uint32_t ipv4_be, uint8_t depth,
		uint8_t proto, uint16_t port_lo, uint16_t port_hi)
{
	const struct garden_set *os = NULL;
	struct garden_set *ns;
	uint32_t ip, old_id = 0, new_id;
	int ret;

	if (g == NULL)
		return -EINVAL;
	ip = rte_be_to_cpu_32(ipv4_be);
	if (!prefix_valid(ip, depth) ||
			!garden_rule_valid(proto, port_lo, port_hi))
		return -EINVAL;

	/* Existence is reported before lack of room. */
	if (rte_lpm_is_rule_present(g->lpm, ip, depth, &old_id) == 1) {
		os = &g->sets[old_id];
		if (set_find(os, proto, port_lo, port_hi) >= 0)
			return -EEXIST;
		if (os->n >= GG_GARDEN_RULES_PER_PREFIX)
			return -E2BIG;
	}
	if (__atomic_load_n(&g->n_rules, __ATOMIC_RELAXED) >= g->max_rules)
		return -ENOSPC;

	new_id = garden_pool_get(&g->set_pool);
	if (new_id == UINT32_MAX)
		return -EAGAIN;
	/* No reader can reach new_id: plain stores. */
	ns = &g->sets[new_id];
	if (os != NULL) {
		*ns = *os;
	} else {
		memset(ns, 0, sizeof(*ns));
		ns->ip = ip;
		ns->depth = depth;
	}
	ns->rules[ns->n].proto = proto;
	ns->rules[ns->n].port_lo = port_lo;
	ns->rules[ns->n].port_hi = port_hi;
	ns->rules[ns->n].reserved = 0;
	ns->n++;

	ret = set_publish(g, ip, depth, new_id);
	if (ret < 0)
		return ret;
	if (os != NULL)
		garden_pool_retire(&g->set_pool, old_id);
	else
		__atomic_fetch_add(&g->n_prefixes, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&g->n_rules, 1, __ATOMIC_RELAXED);
	return 0;
}

int
gg_garden_del_prefix(struct gg_garden *g, uint32_t ipv4_be, uint8_t depth,
		uint8_t proto, uint16_t port_lo, uint16_t port_hi)
{
	const struct garden_set *os;
	struct garden_set *ns;
	uint32_t ip, old_id, new_id;
	unsigned int i, j;
	int idx, ret;

	if (g == NULL)
		return -EINVAL;
	ip = rte_be_to_cpu_32(ipv4_be);
	if (!prefix_valid(ip, depth) ||
			!garden_rule_valid(proto, port_lo, port_hi))
		return -EINVAL;
	if (rte_lpm_is_rule_present(g->lpm, ip, depth, &old_id) != 1)
		return -ENOENT;
	os = &g->sets[old_id];
	idx = set_find(os, proto, port_lo, port_hi);
	if (idx < 0)
		return -ENOENT;

	if (os->n == 1) {
		/*
		 * The prefix goes: its addresses fall back to the next
		 * broader prefix. rte_lpm_delete() has removed the rule by
		 * the time it could fail (queueing a tbl8 group, whose queue
		 * is as large as the groups): log and carry on.
		 */
		ret = rte_lpm_delete(g->lpm, ip, depth);
		if (ret < 0)
			GARDEN_LOG(ERR, "%s: rte_lpm_delete: %d", g->name, ret);
		garden_pool_retire(&g->set_pool, old_id);
		__atomic_fetch_sub(&g->n_prefixes, 1, __ATOMIC_RELAXED);
	} else {
		new_id = garden_pool_get(&g->set_pool);
		if (new_id == UINT32_MAX)
			return -EAGAIN;
		ns = &g->sets[new_id];
		*ns = *os;
		/* Keep the order: the walk shows rules as they were added. */
		for (i = 0, j = 0; i < os->n; i++)
			if (i != (unsigned int)idx)
				ns->rules[j++] = os->rules[i];
		memset(&ns->rules[j], 0, sizeof(ns->rules[j]));
		ns->n = (uint8_t)j;
		ret = set_publish(g, ip, depth, new_id);
		if (ret < 0)
			return ret;
		garden_pool_retire(&g->set_pool, old_id);
	}
	__atomic_fetch_sub(&g->n_rules, 1, __ATOMIC_RELAXED);
	return 0;
}

int
garden_prefix_walk(const struct gg_garden *g,
		int (*fn)(const struct gg_garden_entry *e, void *arg),
		void *arg)
{
	struct gg_garden_entry e;
	uint32_t id;
	unsigned int i;
	int ret;

	memset(&e, 0, sizeof(e));
	e.type = GG_GARDEN_ENTRY_RULE;
	for (id = 0; id < g->set_pool.size; id++) {
		const struct garden_set *s = &g->sets[id];

		if (!g->set_pool.live[id])
			continue;
		for (i = 0; i < s->n; i++) {
			e.rule.ipv4_be = rte_cpu_to_be_32(s->ip);
			e.rule.depth = s->depth;
			e.rule.proto = s->rules[i].proto;
			e.rule.port_lo = s->rules[i].port_lo;
			e.rule.port_hi = s->rules[i].port_hi;
			ret = fn(&e, arg);
			if (ret != 0)
				return ret;
		}
	}
	return 0;
}
