/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Uplink, a T-PDU bigger than the N6 MTU (the forward stage found it;
 * FULL and LIMITED sessions alike), the downlink's treatment toward the
 * UE:
 *  - DF set: ICMP Fragmentation Needed with the N6 MTU as next-hop MTU,
 *    from the appliance's N6 address, tunnelled back to the UE in place
 *    of the packet (mtu.icmp_rate per second per worker); the packet
 *    counts as ul_too_big;
 *  - DF clear: decapsulated, then cut into fragments that fit N6
 *    (too_big.c); the inner identification is the UE's;
 *  - mtu.fragment = "off", or no fragment mbufs: dropped, ul_too_big.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "pipeline_private.h"

static enum gg_drop
frag_needed(struct gg_worker *w, struct rte_mbuf *m, struct gg_meta *meta,
		struct rte_ipv4_hdr *ip, uint16_t tlen,
		const struct gg_encap_tmpl *n3_dst)
{
	uint16_t room = (uint16_t)(rte_pktmbuf_data_len(m) - meta->inner_off +
			rte_pktmbuf_tailroom(m));
	uint16_t len;
	enum gg_drop d;

	if (!gg_ratelimit_allow(&w->frag_needed_rl)) {
		w->ctr.ev[GG_EV_reply_ratelimited]++;
		return GG_DROP_ul_too_big;
	}
	len = gg_icmp_frag_needed(ip, tlen, room, w->dp->n6.addr,
			w->dp->n6.mtu);
	if (len == 0)
		return GG_DROP_ul_too_big;
	d = gg_encap_to_gnb(w, m, meta->sess, meta->inner_off, len, n3_dst);
	if (d != GG_DROP_NONE)
		return d;
	w->ctr.drop[GG_DROP_ul_too_big]++;
	w->ctr.ev[GG_EV_ul_frag_needed_sent]++;
	meta->action = GG_ACT_TX_N3;
	return GG_DROP_NONE;
}

enum gg_drop
gg_uplink_too_big(struct gg_worker *w, struct rte_mbuf *m,
		struct gg_meta *meta, struct rte_ipv4_hdr *ip, uint16_t tlen,
		const uint8_t *l2, const struct gg_encap_tmpl *n3_dst)
{
	struct gg_session_counters *sc;

	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG))
		return frag_needed(w, m, meta, ip, tlen, n3_dst);
	if (w->dp->mtu.frag_direct == NULL)
		return GG_DROP_ul_too_big;
	if (unlikely(gg_ipv4_ttl_dec(ip) != 0))
		return GG_DROP_ttl_expired;
	if (unlikely(l2 == NULL))
		return GG_DROP_no_neighbor;
	/* As decap_one(): outer headers out, Ethernet to N6 in. */
	m->data_off += meta->inner_off - RTE_ETHER_HDR_LEN;
	m->data_len = RTE_ETHER_HDR_LEN + tlen;
	m->pkt_len = RTE_ETHER_HDR_LEN + tlen;
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), l2, RTE_ETHER_HDR_LEN);
	if (gg_fragment_send(w, m, w->dp->n6.mtu, l2, w->tx_n6.port_id) < 0)
		return GG_DROP_frag_failed;
	sc = gg_session_ctr(&w->sess_ctr, meta->sess);
	sc->ul_pkts++;
	sc->ul_bytes += tlen;
	w->ctr.ev[GG_EV_ul_decap]++;
	w->ctr.ev[GG_EV_ul_decap_bytes] += tlen;
	w->ctr.ev[GG_EV_ul_fragmented]++;
	meta->action = GG_ACT_HELD;
	return GG_DROP_NONE;
}
