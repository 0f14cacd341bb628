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

#include "pipeline_private.h"

/* One call covers a burst. */
static_assert(GG_BURST <= GG_SESSION_LOOKUP_BULK_MAX, "burst too long");

typedef void (*burst_lookup_fn)(const struct gg_session_table *t,
		const uint32_t *key0, struct gg_session **out0, size_t stride,
		unsigned int n, const struct gg_session_ctr_view *ctr);

static inline void
lookup_burst(struct gg_worker *w, uint16_t from, uint16_t n,
		burst_lookup_fn lookup)
{
	struct {
		uint32_t key;
		struct gg_session *sess;
	} some[GG_BURST];
	uint8_t idx[GG_BURST];
	unsigned int k = 0, j;
	uint16_t i;

	/*
	 * Common case, every packet wants its session (the parse counted
	 * them: w->n_session): look up in place in the metadata (no
	 * gathering, no scattering). Otherwise only those packets' keys go,
	 * through a small array of the same shape. Measured: counting in the
	 * parse instead of a pass over the actions here, -5 instructions per
	 * packet (doc/performance.rst, "Round two").
	 */
	if (likely(w->n_session == n - from)) {
		lookup(w->dp->sessions, &w->meta[from].key, &w->meta[from].sess,
				sizeof(w->meta[0]), n - from, &w->sess_ctr);
		return;
	}
	for (i = from; i < n; i++) {
		if (w->meta[i].action == GG_ACT_SESSION) {
			some[k].key = w->meta[i].key;
			idx[k++] = i;
		}
	}
	if (k == 0)
		return;
	lookup(w->dp->sessions, &some[0].key, &some[0].sess, sizeof(some[0]),
			k, &w->sess_ctr);
	for (j = 0; j < k; j++)
		w->meta[idx[j]].sess = some[j].sess;
}

void
gg_uplink_lookup(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t from,
		uint16_t n)
{
	RTE_SET_USED(pkts);
	lookup_burst(w, from, n, gg_session_lookup_teid_burst);
}

void
gg_downlink_lookup(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t from,
		uint16_t n)
{
	RTE_SET_USED(pkts);
	lookup_burst(w, from, n, gg_session_lookup_ue_burst);
}
