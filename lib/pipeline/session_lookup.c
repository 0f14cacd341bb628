/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stage 2, both directions: find the session of every packet in the burst.
 *
 * The keys of the packets that need a session (uplink: TEID; downlink: UE
 * address) are looked up in one burst call (lib/session's index: one
 * bucket cache line per key, all of the burst's in flight at once), in
 * place in the metadata when every packet needs one (the common case),
 * else gathered first. The session pointers stay valid until the
 * worker's next quiescent-state report.
 */
#include <assert.h>

#include <rte_prefetch.h>

#include "pipeline_private.h"

/* One call covers a burst. */
static_assert(GG_BURST <= GG_SESSION_LOOKUP_BULK_MAX, "burst too long");

typedef void (*bulk_lookup_fn)(const struct gg_session_table *t,
		const uint32_t *keys, unsigned int n, struct gg_session **out);
typedef void (*burst_lookup_fn)(const struct gg_session_table *t,
		const uint32_t *key0, struct gg_session **out0, size_t stride,
		unsigned int n, const struct gg_session_counters *ctr);

static inline void
lookup_burst(struct gg_worker *w, uint16_t n, bulk_lookup_fn lookup,
		burst_lookup_fn lookup_in_place)
{
	uint32_t keys[GG_BURST];
	struct gg_session *found[GG_BURST];
	const struct gg_session *base;
	uint8_t idx[GG_BURST];
	unsigned int k = 0, j;
	uint16_t i;

	/*
	 * Common case, every packet wants its session: look up in place in
	 * the metadata (no gathering, no scattering; the counters are
	 * prefetched inside). Otherwise only those packets' keys go.
	 */
	for (i = 0; i < n; i++)
		if (w->meta[i].action != GG_ACT_SESSION)
			break;
	if (likely(i == n)) {
		lookup_in_place(w->dp->sessions, &w->meta[0].key,
				&w->meta[0].sess, sizeof(w->meta[0]), n,
				w->sess_ctr);
		return;
	}
	for (i = 0; i < n; i++) {
		if (w->meta[i].action == GG_ACT_SESSION) {
			keys[k] = w->meta[i].key;
			idx[k++] = i;
		}
	}
	if (k == 0)
		return;
	lookup(w->dp->sessions, keys, k, found);
	/*
	 * The next stage adds to every session's counters: start fetching
	 * them now (the lookup has already started on the sessions). The
	 * counters' index comes from the pointer, not from the session, whose
	 * line is still on its way.
	 */
	base = gg_session_array(w->dp->sessions);
	for (j = 0; j < k; j++) {
		if (likely(found[j] != NULL))
			rte_prefetch0(&w->sess_ctr[found[j] - base]);
		w->meta[idx[j]].sess = found[j];
	}
}

void
gg_uplink_lookup(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	RTE_SET_USED(pkts);
	lookup_burst(w, n, gg_session_lookup_teid_bulk,
			gg_session_lookup_teid_burst);
}

void
gg_downlink_lookup(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	RTE_SET_USED(pkts);
	lookup_burst(w, n, gg_session_lookup_ue_bulk,
			gg_session_lookup_ue_burst);
}
