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
#include <assert.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "gg_gtpu.h"
#include "pipeline_private.h"

/*
 * The outer headers of every downlink packet of a burst, built once per
 * burst: Ethernet to the N3 next hop, IPv4 from the N3 address (DF, TTL
 * 64, UDP), UDP 2152 -> 2152 without checksum, the G-PDU header, bare
 * (50 octets in all) or with a DL PDU Session Container (58). Per packet
 * only TOS, lengths, identification, destination, checksum, TEID and QFI
 * are written over the copy.
 */
static_assert(GG_ENCAP_HDR_LEN == sizeof(struct rte_ether_hdr) +
		sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr) +
		GG_GTPU_HDR_LEN, "encapsulation header length");
static_assert(GG_ENCAP_HDR_QFI_LEN - GG_ENCAP_HDR_LEN ==
		GG_GTPU_HDR_OPT_LEN + 4 - GG_GTPU_HDR_LEN, "PDU Session Container length");

static void
encap_tmpl_init(struct gg_encap_tmpl *t, const struct gg_port *n3,
		const struct rte_ether_addr *n3_dst)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)t->hdr;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint32_t src = rte_be_to_cpu_32(n3->addr);

	memset(t, 0, sizeof(*t));
	rte_ether_addr_copy(n3_dst, &eth->dst_addr);
	rte_ether_addr_copy(&n3->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	/* DF: the MTU check keeps the tunnel unfragmented, and per-worker
	 * IDs could repeat across workers if a router fragmented. */
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = n3->addr;
	udp->src_port = rte_cpu_to_be_16(GG_GTPU_UDP_PORT);
	udp->dst_port = rte_cpu_to_be_16(GG_GTPU_UDP_PORT);
	memcpy(t->hdr_qfi, t->hdr, sizeof(t->hdr));
	gg_gtpu_write_gpdu_hdr(t->hdr + GG_ENCAP_HDR_LEN - GG_GTPU_HDR_LEN, 0, 0, 0, 0);
	gg_gtpu_write_gpdu_hdr(t->hdr_qfi + GG_ENCAP_HDR_LEN - GG_GTPU_HDR_LEN, 0, 0, 1, 0);
	t->csum_base = (RTE_IPV4_VHL_DEF << 8) + RTE_IPV4_HDR_DF_FLAG +
		((64 << 8) | IPPROTO_UDP) + (src >> 16) + (src & 0xffff);
	t->mtu = n3->mtu;
}

/* The worker's template, rebuilt when the next hop's address changed;
 * NULL while it is unknown. Once per burst. */
const struct gg_encap_tmpl *
gg_encap_tmpl_get(struct gg_worker *w)
{
	const struct gg_port *n3 = &w->dp->n3;
	uint64_t v = __atomic_load_n(&n3->next_hop_mac, __ATOMIC_ACQUIRE);
	struct rte_ether_addr mac;

	if (likely(v == w->encap.next_hop_word && v != 0))
		return &w->encap;
	if (!gg_port_next_hop_mac(n3, &mac))
		return NULL;
	encap_tmpl_init(&w->encap, n3, &mac);
	w->encap.next_hop_word = __atomic_load_n(&n3->next_hop_mac, __ATOMIC_ACQUIRE);
	return &w->encap;
}

/* Tunnel with the worker's template; the mbuf is one segment. */
static inline enum gg_drop
encap_fast(struct gg_worker *w, struct rte_mbuf *m, const struct gg_session *s,
		uint16_t l3_off, uint16_t tlen, const struct gg_encap_tmpl *t)
{
	int with_qfi = s->flags & GG_SESSION_F_QFI;
	unsigned int hlen = with_qfi ? GG_ENCAP_HDR_QFI_LEN : GG_ENCAP_HDR_LEN;
	unsigned int ip_len = hlen - RTE_ETHER_HDR_LEN + tlen;
	uint32_t dst = rte_be_to_cpu_32(s->gnb_ipv4);
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint8_t *p, *gtp, tos;
	uint32_t sum;
	uint16_t id;

	if (unlikely(ip_len > t->mtu))
		return GG_DROP_dl_too_big;
	if (unlikely((unsigned int)rte_pktmbuf_headroom(m) + l3_off < hlen))
		return GG_DROP_no_room;
	id = w->ip_id++;
	p = rte_pktmbuf_mtod(m, uint8_t *);
	tos = ((const struct rte_ipv4_hdr *)(p + l3_off))->type_of_service;
	m->data_off = (uint16_t)(m->data_off + l3_off - hlen);
	m->data_len = (uint16_t)(hlen + tlen);
	m->pkt_len = hlen + tlen;
	p = rte_pktmbuf_mtod(m, uint8_t *);
	if (with_qfi)
		memcpy(p, t->hdr_qfi, GG_ENCAP_HDR_QFI_LEN);
	else
		memcpy(p, t->hdr, GG_ENCAP_HDR_LEN);

	ip = (struct rte_ipv4_hdr *)(p + RTE_ETHER_HDR_LEN);
	ip->type_of_service = tos;
	ip->total_length = rte_cpu_to_be_16(ip_len);
	ip->packet_id = rte_cpu_to_be_16(id);
	ip->dst_addr = s->gnb_ipv4;
	sum = t->csum_base + tos + ip_len + id + (dst >> 16) + (dst & 0xffff);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->dgram_len = rte_cpu_to_be_16(ip_len - sizeof(*ip));
	gtp = (uint8_t *)(udp + 1);
	*(unaligned_uint16_t *)(gtp + 2) = rte_cpu_to_be_16(ip_len - sizeof(*ip) -
			sizeof(*udp) - GG_GTPU_HDR_LEN);
	*(unaligned_uint32_t *)(gtp + 4) = rte_cpu_to_be_32(s->dl_teid);
	if (with_qfi)
		gtp[14] = s->qfi & 0x3f;

	w->sess_ctr[s->id].dl_pkts++;
	w->sess_ctr[s->id].dl_bytes += tlen;
	return GG_DROP_NONE;
}

enum gg_drop
gg_encap_to_gnb(struct gg_worker *w, struct rte_mbuf *m,
		const struct gg_session *s, uint16_t l3_off, uint16_t tlen,
		const struct gg_encap_tmpl *t)
{
	if (unlikely(t == NULL))
		return GG_DROP_no_neighbor;
	return encap_fast(w, m, s, l3_off, tlen, t);
}

static enum gg_drop
encap_one(struct gg_worker *w, struct rte_mbuf *m, struct gg_meta *meta,
		const struct gg_encap_tmpl *t, uint64_t *now_s)
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
	if (unlikely(t == NULL))
		return GG_DROP_no_neighbor;
	d = encap_fast(w, m, s, meta->l3_off, meta->inner_len, t);
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
	const struct gg_encap_tmpl *t = gg_encap_tmpl_get(w);
	uint64_t now_s = 0;
	uint16_t i;

	gg_prefetch_sess_ctr(w, n);
	for (i = 0; i < n; i++) {
		enum gg_drop d;

		if (w->meta[i].action != GG_ACT_SESSION)
			continue;
		d = encap_one(w, pkts[i], &w->meta[i], t, &now_s);
		if (d != GG_DROP_NONE)
			gg_meta_drop(&w->meta[i], d);
	}
}
