/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Downlink stage 1: parse what arrived on N6.
 *
 * An IPv4 packet goes on to the session lookup by its destination (the UE
 * address); ARP, and IPv4 addressed to the appliance itself, go to the
 * control lcore; anything else is dropped under a named reason.
 *
 * Limits: single-segment, untagged frames: the IPv4 header is always at
 * octet 14 (l3_off), which downlink_encap.c's fast path relies on. Header
 * checksums of packets we forward are not verified (the TTL update is
 * incremental, so a bad checksum stays bad for the receiver to see).
 */
#include <stddef.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "pipeline_private.h"
#include "downlink_ipv4.h"

/* Returns the drop reason, or GG_DROP_NONE with meta->action set. */
static enum gg_drop
parse_one(struct gg_worker *w, struct rte_mbuf *m, struct gg_meta *meta)
{
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	uint16_t len = rte_pktmbuf_data_len(m);
	uint16_t tlen;

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
		return GG_DROP_dl_not_ipv4;
	}
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	tlen = gg_ipv4_check(ip, len - sizeof(*eth));
	if (unlikely(tlen == 0))
		return GG_DROP_dl_bad_header;
	if (unlikely(ip->dst_addr == w->dp->n6.addr)) {
		meta->action = GG_ACT_CONTROL;
		return GG_DROP_NONE;
	}
	meta->action = GG_ACT_SESSION;
	meta->key = ip->dst_addr;
	meta->l3_off = sizeof(*eth);
	meta->inner_off = sizeof(*eth);
	meta->inner_len = tlen;
	return GG_DROP_NONE;
}

void
gg_downlink_parse(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t from,
		uint16_t n)
{
	const uint32_t n6_addr = w->dp->n6.addr;
	struct gg_meta *meta = w->meta;
	uint16_t i, n_session = 0;

	for (i = from; i < n; i++) {
		enum gg_drop d;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		/* A packet of the fast path gets its session (or NULL) from the
		 * lookup; the others must carry none (gg_meta). */
		if (likely(gg_dl_ipv4_fast(pkts[i], &meta[i], n6_addr, 1))) {
			n_session++;
			continue;
		}
		meta[i].sess = NULL;
		d = parse_one(w, pkts[i], &meta[i]);
		if (d != GG_DROP_NONE)
			gg_meta_drop(&meta[i], d);
		n_session += meta[i].action == GG_ACT_SESSION;
	}
	w->n_session = n_session;
}
