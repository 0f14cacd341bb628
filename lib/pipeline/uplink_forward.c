/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Uplink stage 3: act on each packet's session.
 *
 * Every session: the T-PDU must be an IPv4 packet from the session's UE
 * address (anti-spoofing), to no martian destination. BLOCKED sessions lose everything; LIMITED ones
 * go through the walled garden first (uplink_limited.c), which forwards,
 * answers in place or drops. What is forwarded has its TTL decremented,
 * the outer headers stripped in place (the mbuf is adjusted, nothing is
 * copied) and a new Ethernet header addressed to the N6 next hop.
 * A T-PDU bigger than the N6 MTU goes to uplink_fragment.c; SYNs have
 * their MSS clamped (tcp_mss.c) on the way.
 * No session: an Error Indication goes back to the sender (rate-limited).
 * Echo Requests and unknown required extension headers get their replies
 * here too, so that every decision of the uplink is made in this file.
 */
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "pipeline_private.h"

/*
 * Martians (RFC 1812 5.3.7, RFC 6890): "this network" 0.0.0.0/8, loopback
 * 127.0.0.0/8, multicast 224.0.0.0/4 unless allowed, the limited
 * broadcast 255.255.255.255, and the appliance's own N3 and N6 addresses
 * (the UE has no business with them, and N6 would send a packet to our
 * own address back to us or to the next hop). The fast path tests the
 * destination against the mask and value its first octet selects in
 * dp->martian (gg_martian_suspect()); is_martian() decides for what it
 * flags.
 */
static void
martian_set(struct gg_dataplane *dp, uint32_t prefix_be, uint32_t mask_be)
{
	struct gg_martian *e = &dp->martian[((const uint8_t *)&prefix_be)[0]];

	if (e->mask != 0) {
		/* Two of them under one octet (N3 and N6): their common
		 * prefix, a superset is_martian() narrows down. */
		uint32_t diff = rte_be_to_cpu_32((e->val ^ prefix_be) |
				(e->mask ^ mask_be));
		uint32_t keep = diff == 0 ? UINT32_MAX :
			~(UINT32_MAX >> __builtin_clz(diff));

		mask_be = e->mask & mask_be & rte_cpu_to_be_32(keep);
	}
	e->mask = mask_be;
	e->val = prefix_be & mask_be;
}

void
gg_dataplane_set_martians(struct gg_dataplane *dp, bool multicast_ok)
{
	unsigned int o;

	for (o = 0; o < RTE_DIM(dp->martian); o++) {
		dp->martian[o].mask = 0;
		dp->martian[o].val = 1;
	}
	martian_set(dp, RTE_IPV4(0, 0, 0, 0), rte_cpu_to_be_32(0xff000000));
	martian_set(dp, rte_cpu_to_be_32(RTE_IPV4(127, 0, 0, 0)),
			rte_cpu_to_be_32(0xff000000));
	martian_set(dp, UINT32_MAX, UINT32_MAX);
	dp->martian_multicast = !multicast_ok;
	if (!multicast_ok)
		for (o = 224; o <= 239; o++)
			martian_set(dp, rte_cpu_to_be_32(o << 24),
					rte_cpu_to_be_32(0xff000000));
	martian_set(dp, dp->n3.addr, UINT32_MAX);
	martian_set(dp, dp->n6.addr, UINT32_MAX);
}

/* The exact test, for a destination gg_martian_suspect() flagged. */
static int
is_martian(const struct gg_dataplane *dp, uint32_t dst_be)
{
	uint8_t first = ((const uint8_t *)&dst_be)[0];

	return first == 0 || first == 127 ||
		(dp->martian_multicast && first >= 224 && first <= 239) ||
		dst_be == UINT32_MAX || dst_be == dp->n3.addr ||
		dst_be == dp->n6.addr;
}

/* What decap_one() checks, again, for a packet its fast path refused:
 * the drop reason, or GG_DROP_NONE to go on. */
static enum gg_drop
inner_check(const struct rte_ipv4_hdr *ip, const struct gg_meta *meta,
		const struct gg_session *s, uint16_t *tlen)
{
	if (unlikely((ip->version_ihl >> 4) != 4))
		return GG_DROP_ul_inner_not_ipv4;
	*tlen = gg_ipv4_check(ip, meta->inner_len);
	if (unlikely(*tlen == 0))
		return GG_DROP_ul_inner_bad_header;
	if (unlikely(ip->src_addr != s->ue_ipv4))
		return GG_DROP_ul_spoofed_source;
	return GG_DROP_NONE;
}

/* @p l2 holds the Ethernet header towards the N6 next hop (16 octets,
 * 14 used), or is NULL when the next hop is not known yet. */
static enum gg_drop
decap_one(struct gg_worker *w, struct rte_mbuf *m, struct gg_meta *meta,
		const uint8_t *l2, const struct gg_encap_tmpl *n3_dst,
		uint64_t *now_s)
{
	struct gg_session *s = meta->sess;
	struct gg_session_counters *sc;
	struct rte_ipv4_hdr *ip;
	enum gg_session_state state;
	uint16_t tlen;
	enum gg_drop d;

	state = gg_session_state(s);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, meta->inner_off);
	tlen = rte_be_to_cpu_16(ip->total_length);
	/* Fast path: FULL session, IPv4 without options, from the UE, to
	 * no suspect destination. */
	if (unlikely(state != GG_SESSION_FULL || ip->version_ihl != 0x45 ||
			tlen < sizeof(*ip) || tlen > meta->inner_len ||
			ip->src_addr != s->ue_ipv4 ||
			gg_martian_suspect(w->dp->martian, ip->dst_addr))) {
		if (unlikely(state == GG_SESSION_BLOCKED))
			return GG_DROP_session_blocked;
		d = inner_check(ip, meta, s, &tlen);
		if (d != GG_DROP_NONE)
			return d;
		if (gg_martian_suspect(w->dp->martian, ip->dst_addr) &&
				is_martian(w->dp, ip->dst_addr))
			return GG_DROP_ul_martian;
		if (state == GG_SESSION_LIMITED) {
			d = gg_uplink_limited(w, m, meta, ip, now_s, n3_dst);
			if (d != GG_DROP_NONE || meta->action != GG_ACT_SESSION)
				return d;
		}
	}
	if (unlikely(tlen > w->dp->n6.mtu))
		return gg_uplink_too_big(w, m, meta, ip, tlen, l2, n3_dst);
	if (unlikely(gg_ipv4_ttl_dec(ip) != 0))
		return GG_DROP_ttl_expired;
	if (unlikely(l2 == NULL))
		return GG_DROP_no_neighbor;
	if (unlikely(gg_tcp_is_syn(ip, tlen)))
		gg_tcp_mss_clamp(w, ip, tlen);

	/* Outer headers out, Ethernet in: the frame now starts 14 octets
	 * before the T-PDU; padding after the T-PDU is cut. The frame is one
	 * segment (uplink_parse.c), so the mbuf is set directly. */
	m->data_off += meta->inner_off - RTE_ETHER_HDR_LEN;
	m->data_len = RTE_ETHER_HDR_LEN + tlen;
	m->pkt_len = RTE_ETHER_HDR_LEN + tlen;
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), l2, RTE_ETHER_HDR_LEN);

	sc = gg_session_ctr(&w->sess_ctr, s);
	sc->ul_pkts++;
	sc->ul_bytes += tlen;
	w->ctr.ev[GG_EV_ul_decap]++;
	w->ctr.ev[GG_EV_ul_decap_bytes] += tlen;
	meta->action = GG_ACT_TX_N6;
	return GG_DROP_NONE;
}

static void
unknown_teid(struct gg_worker *w, struct rte_mbuf *m, struct gg_meta *meta)
{
	/* The G-PDU itself is dropped either way; the Error Indication reuses
	 * its mbuf, so the packet is counted here and not in gg_dispatch. */
	w->ctr.drop[GG_DROP_ul_unknown_teid]++;
	meta->action = GG_ACT_CONSUMED;
	if (!gg_ratelimit_allow(&w->err_ind_rl)) {
		w->ctr.ev[GG_EV_reply_ratelimited]++;
		return;
	}
	if (gg_reply_error_indication(w, m, meta) == 0) {
		w->ctr.ev[GG_EV_gtpu_error_indication_sent]++;
		meta->action = GG_ACT_TX_N3;
	}
}

/* Everything but the fast path of gg_uplink_forward(): meta->action says
 * what became of the packet. */
static void
forward_slow(struct gg_worker *w, struct rte_mbuf *m, struct gg_meta *meta,
		const uint8_t *l2, const struct gg_encap_tmpl *n3_dst,
		uint64_t *now_s)
{
	enum gg_drop d;

	switch (meta->action) {
	case GG_ACT_SESSION:
		if (unlikely(meta->sess == NULL)) {
			unknown_teid(w, m, meta);
			break;
		}
		d = decap_one(w, m, meta, l2, n3_dst, now_s);
		if (d != GG_DROP_NONE)
			gg_meta_drop(meta, d);
		break;
	case GG_ACT_ECHO:
		if (gg_reply_echo(w, m, meta) == 0) {
			w->ctr.ev[GG_EV_gtpu_echo_request]++;
			meta->action = GG_ACT_TX_N3;
		} else {
			gg_meta_drop(meta, GG_DROP_no_room);
		}
		break;
	case GG_ACT_EXT_NOTIF:
		/* Already counted as gtpu_unknown_required_ext. */
		meta->action = GG_ACT_CONSUMED;
		if (gg_reply_ext_hdr_notification(w, m, meta) == 0) {
			w->ctr.ev[GG_EV_gtpu_ext_hdr_notification_sent]++;
			meta->action = GG_ACT_TX_N3;
		}
		break;
	default:
		break;
	}
}

/* Where gg_uplink_forward() sends a packet on. */
enum {
	ROUTE_SLOW,    /* forward_slow() decides */
	ROUTE_N6,      /* forwarded by the fast path */
	ROUTE_DECIDED, /* meta->action says */
};

/*
 * A LIMITED session's packet that passed the fast path's header checks
 * (decap_one()'s inner_check() can refuse none of them): the walled garden
 * decides at once, and what it forwards takes the fast path, its TTL
 * checked as decap_one() checks it. Saves the slow path's second look at
 * the headers for two packets in five of a walled garden's uplink.
 */
static inline int
limited_fast(struct gg_worker *w, struct rte_mbuf *m, struct gg_meta *meta,
		struct rte_ipv4_hdr *ip, const struct gg_encap_tmpl *n3_dst,
		uint64_t *now_s)
{
	enum gg_drop d;

	d = gg_uplink_limited(w, m, meta, ip, now_s, n3_dst);
	if (d != GG_DROP_NONE) {
		gg_meta_drop(meta, d);
		return ROUTE_DECIDED;
	}
	if (meta->action != GG_ACT_SESSION)
		return ROUTE_DECIDED;
	if (unlikely(ip->time_to_live <= 1)) {
		gg_meta_drop(meta, GG_DROP_ttl_expired);
		return ROUTE_DECIDED;
	}
	return ROUTE_N6;
}

/*
 * The fast path is decap_one() for the common case, FULL session, inner
 * IPv4 without options from the UE address, TTL above 1, next hop known,
 * and the garden's verdict for a LIMITED session's packet that passes the
 * same header checks (limited_fast()), with the per-burst work hoisted: the Ethernet header, built once, is
 * two 8-octet stores (octets 0-7 and 6-13); the TX buffers are made room
 * in once. Everything else goes through forward_slow(), in packet order,
 * so what leaves each port keeps the order it arrived in.
 */
/*
 * Before a packet's long way (LIMITED handling, the slow path): start
 * fetching the next packet's inner header and the one after's mbuf.
 * Measured: the LIMITED mix waited on both at the top of each packet,
 * whose handling had pushed them out of the first-level cache and TLB
 * (+3 % in that mix); the FULL fast path is too short for it to pay,
 * so it does not do it.
 */
static __rte_always_inline void
prefetch_next(struct rte_mbuf **pkts, const struct gg_meta *meta, uint16_t i,
		uint16_t n)
{
	if (i + 2 < n)
		rte_prefetch0(pkts[i + 2]);
	if (i + 1 < n)
		rte_prefetch0(rte_pktmbuf_mtod_offset(pkts[i + 1], void *,
				meta[i + 1].inner_off));
}

uint16_t
gg_uplink_forward(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	const struct gg_session_ctr_view sess_ctr = w->sess_ctr;
	const struct gg_martian *martian = w->dp->martian;
	const uint16_t n6_mtu = w->dp->n6.mtu;
	struct gg_meta *meta = w->meta;
	const struct gg_encap_tmpl *n3_dst = NULL;
	const uint8_t *l2 = NULL;
	struct rte_ether_addr n6_mac;
	uint8_t l2_hdr[16];
	uint64_t l2_lo = 0, l2_hi = 0, now_s = 0;
	uint16_t i, kept = 0;
	int n3_got = 0;

	if (gg_port_next_hop_mac(&w->dp->n6, &n6_mac)) {
		struct rte_ether_hdr *eth = (struct rte_ether_hdr *)l2_hdr;

		rte_ether_addr_copy(&n6_mac, &eth->dst_addr);
		rte_ether_addr_copy(&w->dp->n6.mac, &eth->src_addr);
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		l2 = l2_hdr;
		memcpy(&l2_lo, l2_hdr, sizeof(l2_lo));
		memcpy(&l2_hi, l2_hdr + 6, sizeof(l2_hi));
	}
	/* A packet goes to at most one of them. */
	gg_tx_reserve(w, &w->tx_n6, n);
	gg_tx_reserve(w, &w->tx_n3, n);

	for (i = 0; i < n; i++) {
		struct gg_meta *mt = &meta[i];
		struct rte_mbuf *m = pkts[i];
		const struct gg_session *s = mt->sess;
		int route = ROUTE_SLOW;

		/* Only GG_ACT_SESSION packets have a session (gg_meta). */
		if (likely(s != NULL && l2 != NULL)) {
			struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
					struct rte_ipv4_hdr *, mt->inner_off);
			uint16_t tlen = rte_be_to_cpu_16(ip->total_length);
			struct gg_session_counters *sc;
			enum gg_session_state state;

			if (likely(ip->version_ihl == 0x45 &&
					tlen >= sizeof(*ip) && tlen <= mt->inner_len &&
					tlen <= n6_mtu &&
					ip->src_addr == s->ue_ipv4 &&
					!gg_martian_suspect(martian, ip->dst_addr))) {
				state = gg_session_state(s);
				if (likely(state == GG_SESSION_FULL)) {
					if (likely(ip->time_to_live > 1))
						route = ROUTE_N6;
				} else if (state == GG_SESSION_LIMITED) {
					prefetch_next(pkts, meta, i, n);
					if (!n3_got) {
						n3_dst = gg_encap_tmpl_get(w);
						n3_got = 1;
					}
					route = limited_fast(w, m, mt, ip, n3_dst,
							&now_s);
				}
			}
			if (likely(route == ROUTE_N6)) {
				sc = gg_session_ctr(&sess_ctr, s);
				gg_uplink_to_n6(w, m, ip, mt->inner_off, tlen,
						l2_lo, l2_hi, sc);
				gg_ctr_add(&w->ctr.ev[GG_EV_ul_decap], 1);
				gg_ctr_add(&w->ctr.ev[GG_EV_ul_decap_bytes], tlen);
				continue;
			}
		}

		if (route == ROUTE_SLOW) {
			prefetch_next(pkts, meta, i, n);
			/* Only LIMITED sessions' replies need it; looked up
			 * once a burst. */
			if (!n3_got) {
				n3_dst = gg_encap_tmpl_get(w);
				n3_got = 1;
			}
			forward_slow(w, m, mt, l2, n3_dst, &now_s);
		}
		if (mt->action == GG_ACT_TX_N6)
			gg_tx_append(&w->tx_n6, m);
		else if (mt->action == GG_ACT_TX_N3)
			gg_tx_append(&w->tx_n3, m);
		else
			kept = gg_dispatch_keep(w, pkts, i, kept);
	}
	return kept;
}
