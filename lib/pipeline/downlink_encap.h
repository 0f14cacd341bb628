/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The outer headers' check and writing, inlined by the encapsulation
 * stage (downlink_encap.c) and the downlink fast stage (downlink_fast.c).
 * Private to lib/pipeline.
 */
#ifndef DOWNLINK_ENCAP_H
#define DOWNLINK_ENCAP_H

#include <stddef.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "gg_gtpu.h"
#include "pipeline_private.h"

/* Where the downlink's IPv4 header is: untagged Ethernet only. */
#define DL_L3_OFF RTE_ETHER_HDR_LEN

/* Octets of outer headers, Ethernet included, for session @p s. */
static __rte_always_inline unsigned int
encap_hdr_len(const struct gg_session *s)
{
	return (s->flags & GG_SESSION_F_QFI) ? GG_ENCAP_HDR_QFI_LEN :
		GG_ENCAP_HDR_LEN;
}

/* Whether @p hlen octets of outer headers fit: GG_DROP_NONE or why not. */
static __rte_always_inline enum gg_drop
encap_check(const struct rte_mbuf *m, uint16_t l3_off, uint16_t tlen,
		unsigned int hlen, const struct gg_encap_tmpl *t)
{
	if (unlikely(hlen - RTE_ETHER_HDR_LEN + tlen > t->mtu))
		return GG_DROP_dl_too_big;
	if (unlikely((unsigned int)rte_pktmbuf_headroom(m) + l3_off < hlen))
		return GG_DROP_no_room;
	return GG_DROP_NONE;
}

/*
 * Write the @p hlen octets of outer headers in front of the IPv4 packet of
 * @p tlen octets at @p l3_off, outer identification @p id, once
 * encap_check() said they fit. The mbuf is one segment. The checksum is
 * summed in "raw" words (see gg_encap_tmpl.csum_base): no byte swaps but
 * those of the fields themselves.
 */
static __rte_always_inline void
encap_write(struct rte_mbuf *m, const struct gg_session *s, uint16_t l3_off,
		uint16_t tlen, unsigned int hlen, const struct gg_encap_tmpl *t,
		uint16_t id)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *) + l3_off;
	uint64_t ip_len = hlen - RTE_ETHER_HDR_LEN + tlen;
	/* The IPv4, UDP and GTP-U length fields, in network order, in
	 * octets 0-1, 2-3 and 4-5: one multiplication and one swap. */
	uint64_t lens = rte_cpu_to_be_64(ip_len * 0x0001000100010000ULL -
			((uint64_t)sizeof(struct rte_ipv4_hdr) << 32) -
			((uint64_t)(sizeof(struct rte_ipv4_hdr) +
			sizeof(struct rte_udp_hdr) + GG_GTPU_HDR_LEN) << 16));
	const uint8_t *len_be_at = (const uint8_t *)&lens;
	uint16_t len_be;
	uint16_t id_be = rte_cpu_to_be_16(id);
	uint32_t teid_be = rte_cpu_to_be_32(s->dl_teid);
	uint32_t dst = s->gnb_ipv4;
	uint16_t tos;   /* the inner TOS octet, in place in a raw word */
	uint32_t sum;

	/* Octets 0-1 of the inner header; the outer copies the TOS. */
	memcpy(&tos, p, sizeof(tos));
	tos &= rte_cpu_to_be_16(0x00ff);
	p -= hlen;
	m->data_off = (uint16_t)(m->data_off + l3_off - hlen);
	m->data_len = (uint16_t)(hlen + tlen);
	m->pkt_len = hlen + tlen;
	if (hlen == GG_ENCAP_HDR_QFI_LEN) {
		memcpy(p, t->hdr_qfi, GG_ENCAP_HDR_QFI_LEN);
		p[GG_ENCAP_HDR_QFI_LEN - 2] = s->qfi & 0x3f;
	} else {
		memcpy(p, t->hdr, GG_ENCAP_HDR_LEN);
	}
	p += RTE_ETHER_HDR_LEN;
	p[offsetof(struct rte_ipv4_hdr, type_of_service)] =
		((const uint8_t *)&tos)[1];
	memcpy(&len_be, len_be_at, 2);
	memcpy(p + offsetof(struct rte_ipv4_hdr, total_length), &len_be, 2);
	memcpy(p + offsetof(struct rte_ipv4_hdr, packet_id), &id_be, 2);
	memcpy(p + offsetof(struct rte_ipv4_hdr, dst_addr), &dst, 4);
	sum = t->csum_base + tos + len_be + id_be + (dst & 0xffff) + (dst >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum;
	memcpy(p + offsetof(struct rte_ipv4_hdr, hdr_checksum), &sum, 2);
	p += sizeof(struct rte_ipv4_hdr);
	memcpy(p + offsetof(struct rte_udp_hdr, dgram_len), len_be_at + 2, 2);
	p += sizeof(struct rte_udp_hdr);
	memcpy(p + 2, len_be_at + 4, 2);
	memcpy(p + 4, &teid_be, 4);
}

/*
 * The common case of one packet, shared by the fast stage and the
 * encapsulation stage: FULL session, headers fitting, TTL above 1; MSS
 * clamping of SYNs, then the outer headers with identification @p id.
 * Returns 1 when written, 0 (nothing changed) to leave the packet to the
 * stage that names its drop. Counters and TX are the caller's.
 */
static __rte_always_inline int
encap_common(struct gg_worker *w, struct rte_mbuf *m, uint16_t tlen,
		const struct gg_session *s, const struct gg_encap_tmpl *t,
		unsigned int hlen, uint16_t id)
{
	struct rte_ipv4_hdr *inner = rte_pktmbuf_mtod_offset(m,
			struct rte_ipv4_hdr *, DL_L3_OFF);

	if (unlikely(gg_session_state(s) != GG_SESSION_FULL ||
			encap_check(m, DL_L3_OFF, tlen, hlen, t) !=
				GG_DROP_NONE ||
			!gg_ipv4_ttl_dec_word(inner)))
		return 0;
	/* MSS clamping costs the others this test (tcp_mss.c). */
	if (unlikely(gg_tcp_is_syn(inner, tlen)))
		gg_tcp_mss_clamp(w, inner, tlen);
	encap_write(m, s, DL_L3_OFF, tlen, hlen, t, id);
	return 1;
}

#endif /* DOWNLINK_ENCAP_H */
