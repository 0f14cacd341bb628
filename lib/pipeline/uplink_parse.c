/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Uplink stage 1: parse what arrived on N3.
 *
 * Checks the outer Ethernet / IPv4 / UDP headers and the GTP-U message and
 * records in the packet's metadata what to do next: a G-PDU goes on to the
 * session lookup; an Echo Request or an unknown required extension header
 * gets a reply; End Markers and Error Indications are consumed; ARP, and
 * ICMP to our address, go to the control lcore; anything else is dropped
 * under the reason that names the first problem found.
 *
 * Outer fragments go to the reassembly (uplink_reassemble.c) and the
 * packet they make is parsed when it is whole.
 *
 * Limits: single-segment frames, untagged Ethernet, outer IPv4 without
 * options (GTP-U peers do not send those in practice; they are counted).
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "gg_gtpu.h"
#include "pipeline_private.h"
#include "uplink_gpdu.h"

static const uint8_t gtpu_status_drop[] = {
	[GG_GTPU_OK] = GG_DROP_NONE,
	[GG_GTPU_TRUNCATED] = GG_DROP_gtpu_truncated,
	[GG_GTPU_BAD_VERSION] = GG_DROP_gtpu_bad_version,
	[GG_GTPU_BAD_PT] = GG_DROP_gtpu_bad_pt,
	[GG_GTPU_BAD_LENGTH] = GG_DROP_gtpu_bad_length,
	[GG_GTPU_BAD_EXT_CHAIN] = GG_DROP_gtpu_bad_ext_chain,
	[GG_GTPU_BAD_PDU_SESSION] = GG_DROP_gtpu_bad_pdu_session,
	[GG_GTPU_UNKNOWN_REQUIRED_EXT] = GG_DROP_gtpu_unknown_required_ext,
};

/* parse_one(): an outer fragment for the reassembly. */
#define PARSE_REASSEMBLE GG_DROP_MAX

static void
parse_gtpu(struct gg_worker *w, struct gg_meta *meta, const uint8_t *gtp,
		uint16_t len, uint16_t gtp_off)
{
	struct gg_gtpu_info info;
	enum gg_gtpu_status st;

	st = gg_gtpu_parse(gtp, len, &info);
	if (unlikely(st != GG_GTPU_OK)) {
		if (st == GG_GTPU_UNKNOWN_REQUIRED_EXT) {
			/* TS 29.281 5.2.1: discard, and tell the sender what we know. */
			meta->action = GG_ACT_EXT_NOTIF;
			meta->seq = info.seq;
			w->ctr.drop[GG_DROP_gtpu_unknown_required_ext]++;
			return;
		}
		gg_meta_drop(meta, gtpu_status_drop[st]);
		return;
	}
	meta->seq = info.seq;
	switch (info.msg_type) {
	case GG_GTPU_GPDU:
		if (unlikely(info.payload_len == 0)) {
			gg_meta_drop(meta, GG_DROP_gtpu_empty_gpdu);
			return;
		}
		/* The later stages read the T-PDU's IPv4 header before they
		 * check it: it must be there (see gg_meta.inner_len). */
		if (unlikely(info.payload_len < sizeof(struct rte_ipv4_hdr))) {
			gg_meta_drop(meta, GG_DROP_ul_inner_bad_header);
			return;
		}
		meta->action = GG_ACT_SESSION;
		meta->key = info.teid;
		meta->inner_off = gtp_off + info.hdr_len;
		meta->inner_len = info.payload_len;
		return;
	case GG_GTPU_ECHO_REQUEST:
		meta->action = GG_ACT_ECHO;
		return;
	case GG_GTPU_ECHO_RESPONSE:
		w->ctr.ev[GG_EV_gtpu_echo_response]++;
		break;
	case GG_GTPU_END_MARKER:
		w->ctr.ev[GG_EV_gtpu_end_marker]++;
		break;
	case GG_GTPU_ERROR_INDICATION:
		w->ctr.ev[GG_EV_gtpu_error_indication_rx]++;
		break;
	default:
		gg_meta_drop(meta, GG_DROP_gtpu_unsupported_msg);
		return;
	}
	meta->action = GG_ACT_CONSUMED;
}

/* Returns the drop reason, or GG_DROP_NONE with meta->action set. */
static enum gg_drop
parse_one(struct gg_worker *w, struct rte_mbuf *m, struct gg_meta *meta)
{
	const struct gg_port *n3 = &w->dp->n3;
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	uint16_t len = rte_pktmbuf_data_len(m);
	uint16_t ip_len, udp_len, l4_off;

	if (unlikely(m->nb_segs != 1))
		return GG_DROP_multi_segment;
	if (unlikely(len < sizeof(*eth)))
		return GG_DROP_eth_truncated;
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (unlikely(eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))) {
		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
			meta->action = GG_ACT_CONTROL;
			return GG_DROP_NONE;
		}
		return GG_DROP_eth_unsupported;
	}

	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	if (unlikely(len < sizeof(*eth) + sizeof(*ip)))
		return GG_DROP_ipv4_truncated;
	ip_len = gg_ipv4_check(ip, len - sizeof(*eth));
	if (unlikely(ip_len == 0)) {
		/* Tell a lying total length from a broken header. */
		if ((ip->version_ihl >> 4) == 4 && (ip->version_ihl & 0xf) >= 5 &&
				rte_be_to_cpu_16(ip->total_length) >=
				(ip->version_ihl & 0xf) * 4u)
			return GG_DROP_ipv4_truncated;
		return GG_DROP_ipv4_bad_header;
	}
	if (unlikely((ip->version_ihl & 0xf) != 5))
		return GG_DROP_ipv4_options;
	if (!(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_GOOD) &&
			unlikely(!gg_ipv4_cksum20_ok(ip)))
		return GG_DROP_ipv4_bad_checksum;
	if (unlikely(ip->dst_addr != n3->addr))
		return GG_DROP_not_for_us;
	if (unlikely(ip->fragment_offset &
			rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
		return w->reasm != NULL ? PARSE_REASSEMBLE : GG_DROP_ipv4_fragment;
	if (unlikely(ip->next_proto_id != IPPROTO_UDP)) {
		if (ip->next_proto_id == IPPROTO_ICMP) {
			meta->action = GG_ACT_CONTROL;
			return GG_DROP_NONE;
		}
		return GG_DROP_not_gtpu;
	}

	l4_off = sizeof(*eth) + sizeof(*ip);
	udp = (const struct rte_udp_hdr *)(ip + 1);
	if (unlikely(ip_len < sizeof(*ip) + sizeof(*udp)))
		return GG_DROP_udp_bad_length;
	udp_len = rte_be_to_cpu_16(udp->dgram_len);
	if (unlikely(udp_len != ip_len - sizeof(*ip) || udp_len < sizeof(*udp)))
		return GG_DROP_udp_bad_length;
	if (unlikely(udp->dst_port != rte_cpu_to_be_16(GG_GTPU_UDP_PORT)))
		return GG_DROP_not_gtpu;
	meta->udp_sport = rte_be_to_cpu_16(udp->src_port);

	parse_gtpu(w, meta, (const uint8_t *)(udp + 1),
			udp_len - sizeof(*udp), l4_off + sizeof(*udp));
	return GG_DROP_NONE;
}

/*
 * The fragment at *@p pm to the reassembly; once its packet is whole, the
 * packet takes its place in the burst and is parsed as if it had arrived
 * so (it is no fragment any more, so never comes back here).
 */
static enum gg_drop
reassemble(struct gg_worker *w, struct rte_mbuf **pm, struct gg_meta *meta,
		uint32_t n3_addr)
{
	struct rte_mbuf *whole = gg_uplink_reassemble(w, *pm, meta);

	if (whole == NULL)
		return GG_DROP_NONE;  /* kept, or dropped and counted */
	*pm = whole;
	if (meta->action == GG_ACT_DROP)
		return meta->drop;
	if (gg_gpdu_fast(whole, meta, n3_addr, 1))
		return GG_DROP_NONE;
	return parse_one(w, whole, meta);
}

void
gg_uplink_parse(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t from,
		uint16_t n)
{
	const uint32_t n3_addr = w->dp->n3.addr;
	struct gg_meta *meta = w->meta;
	uint16_t i, n_session = 0;

	for (i = from; i < n; i++) {
		enum gg_drop d;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		/* A G-PDU of the fast path gets its session (or NULL) from the
		 * lookup; the others must carry none (gg_meta). */
		if (likely(gg_gpdu_fast(pkts[i], &meta[i], n3_addr, 1))) {
			n_session++;
			continue;
		}
		meta[i].sess = NULL;
		d = parse_one(w, pkts[i], &meta[i]);
		if (unlikely(d == PARSE_REASSEMBLE))
			d = reassemble(w, &pkts[i], &meta[i], n3_addr);
		if (d != GG_DROP_NONE)
			gg_meta_drop(&meta[i], d);
		n_session += meta[i].action == GG_ACT_SESSION;
	}
	w->n_session = n_session;
}
