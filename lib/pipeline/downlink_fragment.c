/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Downlink, a packet too big for the N3 MTU once tunnelled (the encap
 * stage found it; FULL and LIMITED sessions alike):
 *  - DF set: ICMP Fragmentation Needed (type 3 code 4) back to its sender
 *    on N6, with the MTU left for the inner packet (N3 MTU less the 36 or
 *    44 octets of outer headers the session gets) as the next-hop MTU,
 *    at most mtu.icmp_rate per second per worker; the packet counts as
 *    dl_too_big. The ICMP is the packet itself, turned around: the
 *    Ethernet destination is the neighbour that handed it to us.
 *  - DF clear: tunnelled whole, then the outer packet is cut into
 *    fragments that fit N3 (too_big.c), which the gNB reassembles. The
 *    outer identification is the worker's counter: two workers may use
 *    the same one for the same gNB within a reassembly time-out, a
 *    risk RFC 4963 describes and one the N3 rates of a single appliance
 *    rarely reach.
 *  - mtu.fragment = "off", or no fragment mbufs: dropped, dl_too_big.
 * The inner TTL is decremented only for what is forwarded.
 */
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "pipeline_private.h"

static enum gg_drop
frag_needed(struct gg_worker *w, struct rte_mbuf *m, struct gg_meta *meta,
		struct rte_ipv4_hdr *ip, uint16_t mtu)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint16_t room = (uint16_t)(rte_pktmbuf_data_len(m) - meta->l3_off +
			rte_pktmbuf_tailroom(m));
	uint16_t len;

	if (!gg_ratelimit_allow(&w->frag_needed_rl)) {
		w->ctr.ev[GG_EV_reply_ratelimited]++;
		return GG_DROP_dl_too_big;
	}
	len = gg_icmp_frag_needed(ip, meta->inner_len, room, w->dp->n6.addr, mtu);
	if (len == 0)
		return GG_DROP_dl_too_big;
	/* From here the packet is the reply: its drop is counted here. */
	m->data_len = (uint16_t)(meta->l3_off + len);
	m->pkt_len = m->data_len;
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&w->dp->n6.mac, &eth->src_addr);
	w->ctr.drop[GG_DROP_dl_too_big]++;
	w->ctr.ev[GG_EV_dl_frag_needed_sent]++;
	meta->action = GG_ACT_TX_N6;
	return GG_DROP_NONE;
}

enum gg_drop
gg_downlink_too_big(struct gg_worker *w, struct rte_mbuf *m,
		struct gg_meta *meta, const struct gg_encap_tmpl *t)
{
	const struct gg_session *s = meta->sess;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
			struct rte_ipv4_hdr *, meta->l3_off);
	unsigned int outer = (s->flags & GG_SESSION_F_QFI) ?
		GG_ENCAP_HDR_QFI_LEN - RTE_ETHER_HDR_LEN :
		GG_ENCAP_HDR_LEN - RTE_ETHER_HDR_LEN;
	enum gg_drop d;

	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG))
		return frag_needed(w, m, meta, ip, (uint16_t)(t->mtu - outer));
	if (w->dp->mtu.frag_direct == NULL)
		return GG_DROP_dl_too_big;
	if (unlikely(gg_ipv4_ttl_dec(ip) != 0))
		return GG_DROP_ttl_expired;
	d = gg_encap_oversize(w, m, s, meta->l3_off, meta->inner_len, t);
	if (d != GG_DROP_NONE)
		return d;
	/* The template's first 14 octets are the Ethernet header to N3. */
	if (gg_fragment_send(w, m, t->mtu, t->hdr, w->tx_n3.port_id) < 0)
		return GG_DROP_frag_failed;
	w->ctr.ev[GG_EV_dl_encap]++;
	w->ctr.ev[GG_EV_dl_encap_bytes] += meta->inner_len;
	w->ctr.ev[GG_EV_dl_fragmented]++;
	meta->action = GG_ACT_HELD;
	return GG_DROP_NONE;
}
