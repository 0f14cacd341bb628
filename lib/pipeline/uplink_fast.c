/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Uplink fast stage: the common G-PDU of a FULL session, from the outer
 * checks to the N6 TX buffer, in three passes over the burst.
 *
 * 1. The outer checks of gg_gpdu_fast() (Ethernet, IPv4 and its checksum
 *    unless the PMD vouched for it, UDP to 2152, the G-PDU's shape): the
 *    TEID and the T-PDU's place (the rest of the parse stage's metadata
 *    is completed for the packets handed on); stops at the first packet
 *    that is anything else.
 * 2. The session lookup of those (each TEID's bucket fetched in pass 1
 *    as soon as the TEID is known, each session's line, and its counters
 *    when they live apart, as it is found).
 * 3. In packet order, the forward stage's fast path: FULL session, inner
 *    IPv4 without options from the session's UE address, its length
 *    within the T-PDU and the N6 MTU, no suspect destination, TTL above
 *    1; TTL and checksum patched, MSS clamped for SYNs, outer headers
 *    stripped, the Ethernet header to the N6 next hop written, counted,
 *    buffered for N6. Stops at the first packet that is anything else.
 * 4. From there, LIMITED sessions' packets with the same header checks get
 *    the garden's verdict in order (gg_uplink_limited_run(),
 *    uplink_limited.c): forwarded, or answered on N3.
 *
 * What it stops at, and everything after it, goes through the stages
 * (uplink_parse.c, session_lookup.c, uplink_forward.c), so what leaves
 * each port keeps the order it arrived in; the packets it parsed and
 * looked up are handed on with their metadata and not parsed again. Every
 * check of the stages' fast paths is made here too, and nothing is
 * dropped here: drops stay with the stages, named and counted there (a
 * packet the garden drops in pass 4 goes to them with its verdict).
 *
 * Counters: the session's as each packet goes; the worker's ul_decap and
 * ul_decap_bytes once per burst.
 */
#include <string.h>

#include <emmintrin.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "pipeline_private.h"
#include "uplink_gpdu.h"

/*
 * Pass 3 over packets [0, @p k): returns how many it sent, in order.
 * Inlined once per place of the session counters (@p in_slot: in the
 * session's line, one worker), so that no packet tests it.
 */
static __rte_always_inline uint16_t
forward_run(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t k,
		__m128i l2, uint64_t *bytes, int in_slot)
{
	const struct gg_dataplane *dp = w->dp;
	const struct gg_martian *martian = dp->martian;
	const uint16_t n6_mtu = dp->n6.mtu;
	struct gg_session_counters *const ctr = w->sess_ctr.array;
	const struct gg_meta *meta = w->meta;
	struct rte_mbuf **tx = &w->tx_n6.pkts[w->tx_n6.n];
	uint64_t sum = 0;
	uint16_t i;

	for (i = 0; i < k; i++) {
		const struct gg_meta *mt = &meta[i];
		const struct gg_session *s = mt->sess;
		struct rte_mbuf *m = pkts[i];
		struct gg_session_counters *sc;
		struct rte_ipv4_hdr *ip;
		uint16_t tlen;

		if (unlikely(s == NULL))
			break;
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
				mt->inner_off);
		if (unlikely(!gg_uplink_inner_fast(ip, mt, s, n6_mtu, martian,
					&tlen) ||
				gg_session_state(s) != GG_SESSION_FULL ||
				!gg_ipv4_ttl_dec_word(ip)))
			break;
		/* MSS clamping costs the others this test. */
		if (unlikely(gg_tcp_is_syn(ip, tlen)))
			gg_tcp_mss_clamp(w, ip, tlen);
		m->data_off += mt->inner_off - RTE_ETHER_HDR_LEN;
		m->data_len = RTE_ETHER_HDR_LEN + tlen;
		m->pkt_len = RTE_ETHER_HDR_LEN + tlen;
		/* Octets 2-15 of @p l2 are the Ethernet header; octets 0-1
		 * land on outer headers being stripped (inner_off >= 50). */
		_mm_storeu_si128((__m128i *)(void *)((uint8_t *)ip - 16), l2);
		sc = in_slot ?
			(struct gg_session_counters *)(uintptr_t)(s + 1) :
			&ctr[s->id];
		gg_ctr_add(&sc->ul_pkts, 1);
		gg_ctr_add(&sc->ul_bytes, tlen);
		sum += tlen;
		tx[i] = m;
	}
	*bytes = sum;
	return i;
}

uint16_t
gg_uplink_fast(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t n,
		uint16_t *ready)
{
	const struct gg_dataplane *dp = w->dp;
	const uint32_t n3_addr = dp->n3.addr;
	struct gg_meta *meta = w->meta;
	const struct gg_session_index_bucket *bk[GG_BURST];
	struct gg_session_fast_view v;
	struct rte_ether_addr n6_mac;
	uint8_t l2_hdr[16];
	uint64_t bytes;
	__m128i l2;
	uint16_t i, k;

	*ready = 0;
	if (unlikely(!gg_port_next_hop_mac(&dp->n6, &n6_mac)))
		return 0;  /* the stages drop what they must (no_neighbor) */

	/* 1: the outer headers; each TEID's bucket fetched as it is known,
	 * so that the fetches overlap the following packets' checks. */
	gg_session_fast_view(dp->sessions, &v);
	for (k = 0; k < n; k++) {
		if (unlikely(!gg_gpdu_fast(pkts[k], &meta[k], n3_addr, 0)))
			break;
		bk[k] = gg_session_probe(&v.teid, meta[k].key);
	}
	if (unlikely(k == 0))
		return 0;

	/* 2: the sessions, each one's line fetched as it is found. */
	if (w->sess_ctr.array == NULL)
		for (i = 0; i < k; i++)
			meta[i].sess = gg_session_probe_find(&v, bk[i],
					meta[i].key, 0, NULL);
	else
		for (i = 0; i < k; i++)
			meta[i].sess = gg_session_probe_find(&v, bk[i],
					meta[i].key, 0, w->sess_ctr.array);

	/* 3: in order, while packets are of the common case. The Ethernet
	 * header is one 16-octet store, of which it is the last 14. */
	memset(l2_hdr, 0, 2);
	rte_ether_addr_copy(&n6_mac, (struct rte_ether_addr *)(l2_hdr + 2));
	rte_ether_addr_copy(&dp->n6.mac, (struct rte_ether_addr *)(l2_hdr + 8));
	((struct rte_ether_hdr *)(l2_hdr + 2))->ether_type =
		rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	l2 = _mm_loadu_si128((const __m128i *)(const void *)l2_hdr);
	gg_tx_reserve(w, &w->tx_n6, k);
	if (w->sess_ctr.array == NULL)
		i = forward_run(w, pkts, k, l2, &bytes, 1);
	else
		i = forward_run(w, pkts, k, l2, &bytes, 0);
	w->tx_n6.n += i;
	w->ctr.ev[GG_EV_ul_decap] += i;
	w->ctr.ev[GG_EV_ul_decap_bytes] += bytes;
	/* LIMITED sessions' packets next, while there are some
	 * (uplink_limited.c); then the rest to the stages, [i, k) parsed and
	 * looked up already, their metadata completed for them. */
	if (i < k) {
		uint16_t j, decided = 0;

		i += gg_uplink_limited_run(w, pkts + i, &meta[i], k - i,
				l2_hdr + 2, &decided);
		if (i != 0 && i < k)
			memmove(&meta[0], &meta[i], (k - i) * sizeof(meta[0]));
		for (j = decided; j < k - i; j++)
			gg_gpdu_fast_rest(pkts[i + j], &meta[j]);
	}
	*ready = k - i;
	return i;
}
