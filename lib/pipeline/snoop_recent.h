/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The LIMITED stages' inline half of gg_snoop_recent_admits()
 * (snoop_recent.c): whether any worker has garden answers waiting to be
 * learned. Nearly always none; the stages then make no call at all
 * (about ten instructions per garden check: the call, its arguments and
 * the callee's frame). The table walk stays in snoop_recent.c.
 */
#ifndef GG_SNOOP_RECENT_H
#define GG_SNOOP_RECENT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "pipeline_private.h"

/*
 * The first two words of a struct gg_snoop_recent, each on its own line:
 * acked, the records below it learned (control lcore); head, the next
 * record number (owner worker). snoop_recent.c asserts the layout.
 */
struct gg_snoop_recent_ends {
	uint32_t acked __rte_cache_aligned;
	uint32_t head __rte_cache_aligned;
};

/* Any worker: does some table hold records not learned yet? */
static inline bool
gg_snoop_recent_waiting(const struct gg_limited *lim)
{
	unsigned int j;

	for (j = 0; j < lim->n_pending; j++) {
		const struct gg_snoop_recent_ends *t =
			(const void *)lim->recent[j];
		uint32_t acked;

		if (t == NULL)
			continue;
		/* acked (acquire) before head: when they are equal, the
		 * learns they stand for are seen by the garden lookup. */
		acked = __atomic_load_n(&t->acked, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&t->head, __ATOMIC_ACQUIRE) != acked)
			return true;
	}
	return false;
}

/*
 * gg_snoop_recent_admits(), its call made only while something waits:
 * the same answer, in the same order of reads.
 */
static inline bool
gg_snoop_recent_admits_inline(const struct gg_limited *lim, uint32_t sess_id,
		uint32_t ipv4_be, uint8_t proto, uint16_t port, uint64_t now_s)
{
	return gg_snoop_recent_waiting(lim) &&
		gg_snoop_recent_admits(lim, sess_id, ipv4_be, proto, port,
				now_s);
}

#endif /* GG_SNOOP_RECENT_H */
