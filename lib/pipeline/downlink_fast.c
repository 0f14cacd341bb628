/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Downlink fast stage: plain IPv4 to a FULL session's UE, from the N6
 * checks to the N3 TX buffer, in three passes over the burst, as the
 * uplink fast stage (uplink_fast.c) does.
 *
 * 1. The checks of gg_dl_ipv4_fast() (untagged IPv4 without options, its
 *    length within the frame, not to our N6 address); stops at the first
 *    packet that is anything else.
 * 2. The lookup of their destinations (buckets fetched in pass 1).
 * 3. In packet order, the encapsulation stage's fast path: FULL session,
 *    outer headers within the N3 MTU and the headroom, TTL above 1; TTL
 *    and checksum patched, MSS clamped for SYNs, outer headers from the
 *    worker's template, counted, buffered for N3. Stops at the first
 *    packet that is anything else.
 *
 * What it stops at, and the rest, goes through the stages
 * (downlink_parse.c, session_lookup.c, downlink_encap.c) in order, those
 * it parsed and looked up with their metadata. Nothing is dropped here.
 * Counters: the session's per packet; dl_encap and dl_encap_bytes once a
 * burst.
 */
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "pipeline_private.h"
#include "downlink_encap.h"
#include "downlink_ipv4.h"

/* Pass 3 over [0, @p k); returns how many it sent. Inlined once per
 * place of the session counters (@p in_slot), as in uplink_fast.c. */
static __rte_always_inline uint16_t
encap_run(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t k,
		const struct gg_encap_tmpl *t, uint64_t *bytes, int in_slot)
{
	struct gg_session_counters *const ctr = w->sess_ctr.array;
	const struct gg_meta *meta = w->meta;
	struct rte_mbuf **tx = &w->tx_n3.pkts[w->tx_n3.n];
	uint16_t ip_id = w->ip_id;
	uint64_t sum = 0;
	uint16_t i;

	for (i = 0; i < k; i++) {
		const struct gg_session *s = meta[i].sess;
		uint16_t tlen = meta[i].inner_len;
		struct gg_session_counters *sc;
		struct rte_mbuf *m = pkts[i];

		if (unlikely(s == NULL))
			break;
		if (s->flags & GG_SESSION_F_QFI) {
			if (unlikely(!encap_common(w, m, tlen, s, t,
					GG_ENCAP_HDR_QFI_LEN, ip_id)))
				break;
		} else {
			if (unlikely(!encap_common(w, m, tlen, s, t,
					GG_ENCAP_HDR_LEN, ip_id)))
				break;
		}
		ip_id++;
		sc = in_slot ?
			(struct gg_session_counters *)(uintptr_t)(s + 1) :
			&ctr[s->id];
		gg_ctr_add(&sc->dl_pkts, 1);
		gg_ctr_add(&sc->dl_bytes, tlen);
		sum += tlen;
		tx[i] = m;
	}
	w->ip_id = ip_id;
	*bytes = sum;
	return i;
}

uint16_t
gg_downlink_fast(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t n,
		uint16_t *ready)
{
	const uint32_t n6_addr = w->dp->n6.addr;
	struct gg_meta *meta = w->meta;
	const struct gg_session_index_bucket *bk[GG_BURST];
	struct gg_session_fast_view v;
	const struct gg_encap_tmpl *t;
	uint64_t bytes;
	uint16_t i, k;

	*ready = 0;
	t = gg_encap_tmpl_get(w);
	if (unlikely(t == NULL))
		return 0;  /* the stages drop what they must (no_neighbor) */

	/* 1: the IPv4 headers; each destination's bucket fetched as it is
	 * known (uplink_fast.c). */
	gg_session_fast_view(w->dp->sessions, &v);
	for (k = 0; k < n; k++) {
		if (unlikely(!gg_dl_ipv4_fast(pkts[k], &meta[k], n6_addr, 0)))
			break;
		bk[k] = gg_session_probe(&v.ue, meta[k].key);
	}
	if (unlikely(k == 0))
		return 0;

	/* 2: the sessions. */
	if (w->sess_ctr.array == NULL)
		for (i = 0; i < k; i++)
			meta[i].sess = gg_session_probe_find(&v, bk[i],
					meta[i].key, 1, NULL);
	else
		for (i = 0; i < k; i++)
			meta[i].sess = gg_session_probe_find(&v, bk[i],
					meta[i].key, 1, w->sess_ctr.array);

	/* 3: in order, while packets are of the common case. */
	gg_tx_reserve(w, &w->tx_n3, k);
	if (w->sess_ctr.array == NULL)
		i = encap_run(w, pkts, k, t, &bytes, 1);
	else
		i = encap_run(w, pkts, k, t, &bytes, 0);
	w->tx_n3.n += i;
	w->ctr.ev[GG_EV_dl_encap] += i;
	w->ctr.ev[GG_EV_dl_encap_bytes] += bytes;

	/* The rest to the stages; [i, k) parsed and looked up already,
	 * their metadata completed for them. */
	if (i < k) {
		uint16_t j;

		if (i != 0)
			memmove(&meta[0], &meta[i], (k - i) * sizeof(meta[0]));
		for (j = 0; j < k - i; j++)
			gg_dl_ipv4_fast_rest(&meta[j]);
	}
	*ready = k - i;
	return i;
}
