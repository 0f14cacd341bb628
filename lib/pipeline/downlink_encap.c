/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Downlink stage 3: encapsulate towards the session's gNB.
 *
 * BLOCKED sessions get nothing; LIMITED ones only what the walled garden
 * admits (downlink_limited.c). In place: the packet keeps its mbuf; the outer IPv4/UDP/GTP-U headers
 * (with a PDU Session Container carrying the QFI when the session has one)
 * are prepended into the headroom and a new Ethernet header addressed to
 * the N3 next hop is written in front. The inner TTL is decremented.
 *
 * The outer UDP checksum is 0 (none), as RFC 768 allows over IPv4; the
 * outer IPv4 header checksum is computed in software (20 octets); DF is set. The outer
 * DSCP/TOS copies the inner one so transport QoS follows the flow.
 */
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "gg_gtpu.h"
#include "pipeline_private.h"

enum gg_drop
gg_encap_to_gnb(struct gg_worker *w, struct rte_mbuf *m,
		const struct gg_session *s, uint16_t l3_off, uint16_t tlen,
		const struct rte_ether_addr *n3_dst)
{
	const struct gg_port *n3 = &w->dp->n3;
	const struct rte_ipv4_hdr *inner;
	struct rte_ipv4_hdr *ip;
	struct rte_ether_hdr *eth;
	struct rte_udp_hdr *udp;
	unsigned int gtp_len;
	int with_qfi;

	with_qfi = s->flags & GG_SESSION_F_QFI;
	gtp_len = gg_gtpu_gpdu_hdr_len(with_qfi);
	if (unlikely(sizeof(*ip) + sizeof(*udp) + gtp_len + tlen > n3->mtu))
		return GG_DROP_dl_too_big;
	if (unlikely(n3_dst == NULL))
		return GG_DROP_no_neighbor;
	inner = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l3_off);

	/* Cut padding after the packet, and anything before it beyond the
	 * room the new headers need. */
	rte_pktmbuf_trim(m, rte_pktmbuf_data_len(m) - l3_off - tlen);
	rte_pktmbuf_adj(m, l3_off);
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m,
			sizeof(*eth) + sizeof(*ip) + sizeof(*udp) + gtp_len);
	if (unlikely(eth == NULL))
		return GG_DROP_no_room;
	rte_ether_addr_copy(n3_dst, &eth->dst_addr);
	rte_ether_addr_copy(&n3->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = inner->type_of_service;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*udp) +
			gtp_len + tlen);
	ip->packet_id = rte_cpu_to_be_16(w->ip_id++);
	/* DF: the MTU check above already keeps the tunnel unfragmented, and
	 * per-worker IDs could repeat across workers if a router fragmented. */
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = n3->addr;
	ip->dst_addr = s->gnb_ipv4;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);

	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(GG_GTPU_UDP_PORT);
	udp->dst_port = rte_cpu_to_be_16(GG_GTPU_UDP_PORT);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + gtp_len + tlen);
	udp->dgram_cksum = 0;

	gg_gtpu_write_gpdu_hdr(udp + 1, s->dl_teid, tlen, with_qfi, s->qfi);
	w->sess_ctr[s->id].dl_pkts++;
	w->sess_ctr[s->id].dl_bytes += tlen;
	return GG_DROP_NONE;
}

static enum gg_drop
encap_one(struct gg_worker *w, struct rte_mbuf *m, struct gg_meta *meta,
		const struct rte_ether_addr *n3_dst, uint64_t *now_s)
{
	struct gg_session *s = meta->sess;
	enum gg_session_state state;
	struct rte_ipv4_hdr *inner;
	enum gg_drop d;
	int snoop = 0;

	if (unlikely(s == NULL))
		return GG_DROP_dl_no_session;
	state = gg_session_state(s);
	if (unlikely(state != GG_SESSION_FULL)) {
		if (state == GG_SESSION_BLOCKED)
			return GG_DROP_session_blocked;
		d = gg_downlink_limited(w, m, meta, now_s);
		if (d != GG_DROP_NONE)
			return d;
		snoop = meta->action == GG_ACT_SNOOP;
	}
	inner = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, meta->l3_off);
	if (unlikely(gg_ipv4_ttl_dec(inner) != 0))
		return GG_DROP_ttl_expired;
	d = gg_encap_to_gnb(w, m, s, meta->l3_off, meta->inner_len, n3_dst);
	if (d != GG_DROP_NONE)
		return d;
	w->ctr.ev[GG_EV_dl_encap]++;
	w->ctr.ev[GG_EV_dl_encap_bytes] += meta->inner_len;
	if (snoop) {
		m->hash.usr = s->id;
		meta->action = GG_ACT_SNOOP;
	} else {
		meta->action = GG_ACT_TX_N3;
	}
	return GG_DROP_NONE;
}

void
gg_downlink_encap(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_ether_addr n3_mac;
	const struct rte_ether_addr *n3_dst = NULL;
	uint64_t now_s = 0;
	uint16_t i;

	if (gg_port_next_hop_mac(&w->dp->n3, &n3_mac))
		n3_dst = &n3_mac;

	for (i = 0; i < n; i++) {
		enum gg_drop d;

		if (w->meta[i].action != GG_ACT_SESSION)
			continue;
		d = encap_one(w, pkts[i], &w->meta[i], n3_dst, &now_s);
		if (d != GG_DROP_NONE)
			gg_meta_drop(&w->meta[i], d);
	}
}
