/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one-pass check of a plain IPv4 packet on N6, shared by the downlink
 * fast stage (downlink_fast.c) and the parse stage (downlink_parse.c),
 * which takes what the fast stage handed on. Private to lib/pipeline.
 */
#ifndef DOWNLINK_IPV4_H
#define DOWNLINK_IPV4_H

#include <stddef.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "pipeline_private.h"

/* The metadata of a packet gg_dl_ipv4_fast() took that only the stages
 * read (the IPv4 header is always at octet 14: downlink_encap.c). */
static __rte_always_inline void
gg_dl_ipv4_fast_rest(struct gg_meta *meta)
{
	meta->action = GG_ACT_SESSION;
	meta->l3_off = RTE_ETHER_HDR_LEN;
	meta->inner_off = RTE_ETHER_HDR_LEN;
}

/*
 * The common case in one pass: a single-segment untagged IPv4 frame, no
 * options, total length within the frame, not to our N6 address. The
 * same checks downlink_parse.c's parse_one() makes, so the metadata is
 * the same; anything else is left to parse_one(). Returns 1 when it
 * decided. Without @p all (a constant), the fields only the stages read
 * are left to gg_dl_ipv4_fast_rest().
 */
static __rte_always_inline int
gg_dl_ipv4_fast(const struct rte_mbuf *m, struct gg_meta *meta,
		uint32_t n6_addr, int all)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t len = rte_pktmbuf_data_len(m);
	const struct rte_ipv4_hdr *ip;
	uint32_t w32;
	uint16_t tlen;

	if (unlikely(len < RTE_ETHER_HDR_LEN + sizeof(*ip) || m->nb_segs != 1))
		return 0;
	/* Ethertype IPv4, version 4 and IHL 5. */
	memcpy(&w32, p + offsetof(struct rte_ether_hdr, ether_type), sizeof(w32));
	if (unlikely((w32 & rte_cpu_to_be_32(0xffffff00)) !=
			rte_cpu_to_be_32(0x08004500)))
		return 0;
	ip = (const struct rte_ipv4_hdr *)(p + RTE_ETHER_HDR_LEN);
	tlen = rte_be_to_cpu_16(ip->total_length);
	if (unlikely((uint16_t)(tlen - sizeof(*ip)) >
			len - RTE_ETHER_HDR_LEN - sizeof(*ip) ||
			ip->dst_addr == n6_addr))
		return 0;
	if (all)
		gg_dl_ipv4_fast_rest(meta);
	meta->key = ip->dst_addr;
	meta->inner_len = tlen;
	return 1;
}

#endif /* DOWNLINK_IPV4_H */
