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
 * outer IPv4 header checksum is computed in software (20 octets); DF is set.
 * What would not fit the N3 MTU goes to downlink_fragment.c; SYNs have
 * their MSS clamped (tcp_mss.c) on the way. The outer
 * DSCP/TOS copies the inner one so transport QoS follows the flow.
 */
#include <assert.h>
#include <stddef.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "gg_gtpu.h"
#include "pipeline_private.h"
#include "downlink_encap.h"

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
	unsigned int i;

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
	t->csum_base = 0;
	for (i = 0; i < sizeof(*ip); i += 2) {
		uint16_t w16;

		memcpy(&w16, (const uint8_t *)ip + i, sizeof(w16));
		t->csum_base += w16;
	}
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

/* Tunnel with the worker's template and @p hlen octets of outer headers
 * (a constant where it is inlined); the mbuf is one segment. */
static __rte_always_inline enum gg_drop
encap_fast(struct gg_worker *w, struct rte_mbuf *m, const struct gg_session *s,
		uint16_t l3_off, uint16_t tlen, const struct gg_encap_tmpl *t,
		unsigned int hlen)
{
	struct gg_session_counters *sc = gg_session_ctr(&w->sess_ctr, s);
	enum gg_drop d = encap_check(m, l3_off, tlen, hlen, t);

	if (unlikely(d != GG_DROP_NONE))
		return d;
	encap_write(m, s, l3_off, tlen, hlen, t, w->ip_id++);
	gg_ctr_add(&sc->dl_pkts, 1);
	gg_ctr_add(&sc->dl_bytes, tlen);
	return GG_DROP_NONE;
}

enum gg_drop
gg_encap_to_gnb(struct gg_worker *w, struct rte_mbuf *m,
		const struct gg_session *s, uint16_t l3_off, uint16_t tlen,
		const struct gg_encap_tmpl *t)
{
	if (unlikely(t == NULL))
		return GG_DROP_no_neighbor;
	if (s->flags & GG_SESSION_F_QFI)
		return encap_fast(w, m, s, l3_off, tlen, t, GG_ENCAP_HDR_QFI_LEN);
	return encap_fast(w, m, s, l3_off, tlen, t, GG_ENCAP_HDR_LEN);
}

enum gg_drop
gg_encap_oversize(struct gg_worker *w, struct rte_mbuf *m,
		const struct gg_session *s, uint16_t l3_off, uint16_t tlen,
		const struct gg_encap_tmpl *t)
{
	struct gg_session_counters *sc = gg_session_ctr(&w->sess_ctr, s);
	unsigned int hlen = encap_hdr_len(s);

	if (unlikely((unsigned int)rte_pktmbuf_headroom(m) + l3_off < hlen))
		return GG_DROP_no_room;
	encap_write(m, s, l3_off, tlen, hlen, t, w->ip_id++);
	sc->dl_pkts++;
	sc->dl_bytes += tlen;
	return GG_DROP_NONE;
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
	if (unlikely(inner->time_to_live <= 1))
		return GG_DROP_ttl_expired;
	if (unlikely(t == NULL))
		return GG_DROP_no_neighbor;
	/* Too big: before the TTL changes, so that an ICMP quotes the
	 * packet as it came (downlink_fragment.c). A snooped DNS answer
	 * must reach the control lcore whole: never fragmented. */
	if (unlikely(encap_hdr_len(s) - RTE_ETHER_HDR_LEN + meta->inner_len >
			t->mtu)) {
		if (snoop)
			return GG_DROP_dl_too_big;
		return gg_downlink_too_big(w, m, meta, t);
	}
	gg_ipv4_ttl_dec_unchecked(inner);
	if (unlikely(gg_tcp_is_syn(inner, meta->inner_len)))
		gg_tcp_mss_clamp(w, inner, meta->inner_len);
	d = gg_encap_to_gnb(w, m, s, meta->l3_off, meta->inner_len, t);
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

/*
 * encap_one() for the common case: FULL session, TTL above 1, next hop
 * known, headers fitting. Returns 1 when it sent the packet, 0 (nothing
 * changed) to leave it to encap_one(). Inlined once per header length, so
 * that each copy works with a constant one. The IPv4 header is at
 * DL_L3_OFF, as downlink_parse.c always records it.
 */
static __rte_always_inline int
encap_try(struct gg_worker *w, struct rte_mbuf *m, const struct gg_meta *mt,
		const struct gg_session *s, const struct gg_encap_tmpl *t,
		struct gg_session_counters *ctr, unsigned int hlen,
		uint64_t *bytes, int in_slot)
{
	struct gg_session_counters *sc;
	uint16_t tlen = mt->inner_len;

	if (!encap_common(w, m, tlen, s, t, hlen, w->ip_id))
		return 0;
	w->ip_id++;
	sc = in_slot ? (struct gg_session_counters *)(uintptr_t)(s + 1) :
			&ctr[s->id];
	gg_ctr_add(&sc->dl_pkts, 1);
	gg_ctr_add(&sc->dl_bytes, tlen);
	*bytes += tlen;
	gg_tx_append(&w->tx_n3, m);
	return 1;
}

/*
 * The burst, with encap_try() first for each packet when @p t (the
 * template; NULL while the next hop is unknown) allows it; everything else
 * goes through encap_one(), in packet order, so what leaves N3 keeps the
 * order it arrived in. Inlined twice, with and without the fast path, so
 * that no packet tests @p t.
 */
static __rte_always_inline uint16_t
encap_burst(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t n,
		const struct gg_encap_tmpl *t, int fast, int in_slot)
{
	struct gg_session_counters *const ctr = w->sess_ctr.array;
	struct gg_meta *meta = w->meta;
	uint64_t now_s = 0, bytes = 0;
	uint16_t i, kept = 0, sent = 0;

	gg_tx_reserve(w, &w->tx_n3, n);
	for (i = 0; i < n; i++) {
		struct gg_meta *mt = &meta[i];
		struct rte_mbuf *m = pkts[i];
		const struct gg_session *s = mt->sess;
		enum gg_drop d;

		/* Only GG_ACT_SESSION packets have a session (gg_meta). */
		if (fast && likely(s != NULL)) {
			if (s->flags & GG_SESSION_F_QFI) {
				if (likely(encap_try(w, m, mt, s, t, ctr,
						GG_ENCAP_HDR_QFI_LEN, &bytes,
						in_slot))) {
					sent++;
					continue;
				}
			} else {
				if (likely(encap_try(w, m, mt, s, t, ctr,
						GG_ENCAP_HDR_LEN, &bytes,
						in_slot))) {
					sent++;
					continue;
				}
			}
		}

		if (mt->action == GG_ACT_SESSION) {
			d = encap_one(w, m, mt, t, &now_s);
			if (d != GG_DROP_NONE)
				gg_meta_drop(mt, d);
		}
		if (mt->action == GG_ACT_TX_N3)
			gg_tx_append(&w->tx_n3, m);
		else
			kept = gg_dispatch_keep(w, pkts, i, kept);
	}
	/* The fast path's share of the worker's counters, once a burst. */
	w->ctr.ev[GG_EV_dl_encap] += sent;
	w->ctr.ev[GG_EV_dl_encap_bytes] += bytes;
	return kept;
}

uint16_t
gg_downlink_encap(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	const struct gg_encap_tmpl *t = gg_encap_tmpl_get(w);

	if (unlikely(t == NULL))
		return encap_burst(w, pkts, n, NULL, 0, 0);
	if (w->sess_ctr.array == NULL)
		return encap_burst(w, pkts, n, t, 1, 1);
	return encap_burst(w, pkts, n, t, 1, 0);
}
