/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What both directions do with a packet too big for the next link
 * (downlink_fragment.c and uplink_fragment.c decide which): an ICMP
 * Fragmentation Needed built in place of the packet when it has DF, so
 * that its sender's path MTU discovery (RFC 1191, and RFC 4821's probing,
 * which also listens to it) learns the MTU; IPv4 fragments when it has
 * not (RFC 791; RFC 4459 3.3 weighs fragmenting the outer packet).
 *
 * Costs and limits: the ICMP quotes at most 548 octets (one memmove);
 * fragments are made by DPDK's rte_ipv4_fragment_packet(), one header
 * mbuf from the direct pool and one data mbuf from the indirect pool per
 * fragment, which reference the packet's own buffer (nothing is copied
 * but the headers). These are allocations on the worker, from pools
 * made for them at start-up: how DPDK fragments, and only for packets
 * that would otherwise be lost. A packet is cut into at most
 * GG_FRAG_MAX fragments (an mbuf holds 2 KB; the smallest MTU is 576).
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include "pipeline_private.h"

#define GG_FRAG_MAX 8
#define ICMP_DEST_UNREACH 3
#define ICMP_CODE_FRAG_NEEDED 4
/* RFC 1812 4.3.2.3: quote as much as fits a 576-octet datagram. */
#define ICMP_ERR_HDRS (sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_icmp_hdr))
#define ICMP_QUOTE_MAX (576 - ICMP_ERR_HDRS)
/* Precedence "internetwork control" (RFC 1812 4.3.2.5). */
#define ICMP_ERR_TOS 0xc0

/* ICMP types that are errors: never answered with another (RFC 1812
 * 4.3.2.7). */
static int
is_icmp_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

uint16_t
gg_icmp_frag_needed(struct rte_ipv4_hdr *ip, uint16_t tlen, uint16_t room,
		uint32_t src, uint16_t mtu)
{
	uint8_t *p = (uint8_t *)ip;
	unsigned int ihl = (ip->version_ihl & 0xf) * 4u;
	uint8_t first = ((const uint8_t *)&ip->src_addr)[0];
	uint32_t dst = ip->src_addr;
	struct rte_icmp_hdr *icmp;
	uint16_t quote, new_len;

	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK))
		return 0;
	if (ip->next_proto_id == IPPROTO_ICMP && tlen > ihl &&
			is_icmp_error(p[ihl]))
		return 0;
	/* "This network", loopback, multicast, class E and broadcast: no
	 * one host to tell. */
	if (first == 0 || first == 127 || first >= 224)
		return 0;
	quote = RTE_MIN(tlen, (uint16_t)ICMP_QUOTE_MAX);
	new_len = ICMP_ERR_HDRS + quote;
	if (new_len > room)
		return 0;
	memmove(p + ICMP_ERR_HDRS, p, quote);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = ICMP_ERR_TOS;
	ip->total_length = rte_cpu_to_be_16(new_len);
	ip->packet_id = 0;
	ip->fragment_offset = 0;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	icmp->icmp_type = ICMP_DEST_UNREACH;
	icmp->icmp_code = ICMP_CODE_FRAG_NEEDED;
	icmp->icmp_ident = 0;                        /* unused */
	icmp->icmp_seq_nb = rte_cpu_to_be_16(mtu);   /* next-hop MTU, RFC 1191 4 */
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, sizeof(*icmp) + quote);
	return new_len;
}

int
gg_fragment_send(struct gg_worker *w, struct rte_mbuf *m, uint16_t mtu,
		const uint8_t *l2, uint16_t port_id)
{
	const struct gg_mtu_policy *pol = &w->dp->mtu;
	struct gg_txbuf *b = port_id == w->tx_n3.port_id ? &w->tx_n3 : &w->tx_n6;
	struct rte_mbuf *frags[GG_FRAG_MAX];
	struct rte_ipv4_hdr *ip;
	int n, i;

	if (pol->frag_direct == NULL)
		return -ENOTSUP;
	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	ip->fragment_offset &= ~rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	n = rte_ipv4_fragment_packet(m, frags, GG_FRAG_MAX, mtu,
			pol->frag_direct, pol->frag_indirect);
	if (n < 0) {
		rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);
		return n;
	}
	for (i = 0; i < n; i++) {
		uint8_t *eth = (uint8_t *)rte_pktmbuf_prepend(frags[i],
				RTE_ETHER_HDR_LEN);

		if (unlikely(eth == NULL)) {
			/* The direct pool's headroom holds it; never seen. */
			rte_pktmbuf_free_bulk(frags, n);
			rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);
			return -ENOSPC;
		}
		memcpy(eth, l2, RTE_ETHER_HDR_LEN);
		/* rte_ipv4_fragment_packet() leaves the checksums at 0. */
		ip = (struct rte_ipv4_hdr *)(eth + RTE_ETHER_HDR_LEN);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	/* The burst's stage made room for one packet per packet of the
	 * burst: keep a burst's worth free after these. */
	gg_tx_reserve(w, b, n);
	for (i = 0; i < n; i++)
		gg_tx_append(b, frags[i]);
	gg_tx_reserve(w, b, GG_BURST);
	w->ctr.ev[GG_EV_frag_sent] += n;
	/* The fragments hold references to its buffer. */
	rte_pktmbuf_free(m);
	return n;
}
