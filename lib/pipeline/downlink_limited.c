/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Downlink stage 3, LIMITED sessions: only the walled garden may reach a
 * device that has not signed up yet.
 *
 *  - a DNS answer (UDP source port 53) whose question is a garden name,
 *    from any source (a garden resolver included) -> forward, after the
 *    control lcore learned its addresses (the packet goes through the
 *    control lcore's snoop ring, so the device can never use an address
 *    before the garden admits it);
 *  - from a garden source (static rule, learned address, the portal) ->
 *    forward;
 *  - anything else -> drop, counted.
 *
 * A device may send its garden queries to the resolver the network gave it
 * or to one of its own: answers are recognised by their question, not by
 * their source.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "gg_dns.h"
#include "gg_garden.h"
#include "pipeline_private.h"

#define DNS_PORT 53

enum gg_drop
gg_downlink_limited(struct gg_worker *w, struct rte_mbuf *m,
		struct gg_meta *meta, uint64_t *now_s)
{
	const struct gg_limited *lim = &w->dp->limited;
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
			const struct rte_ipv4_hdr *, meta->l3_off);
	uint16_t ihl = (ip->version_ihl & 0xf) * 4;
	uint16_t l4_len = meta->inner_len - ihl;
	const struct rte_udp_hdr *udp = NULL;
	uint16_t sport = 0;
	int first_fragment = !(ip->fragment_offset &
			rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK));
	struct gg_dns_response r;
	int dns_ok = 0;

	if (first_fragment && ip->next_proto_id == IPPROTO_UDP &&
			l4_len >= sizeof(*udp)) {
		udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
		sport = rte_be_to_cpu_16(udp->src_port);
	} else if (first_fragment && ip->next_proto_id == IPPROTO_TCP &&
			l4_len >= sizeof(struct rte_tcp_hdr)) {
		sport = rte_be_to_cpu_16(((const struct rte_tcp_hdr *)
				((const uint8_t *)ip + ihl))->src_port);
	}

	/* Answers for garden names are learned from whoever sends them, a
	 * garden resolver included, so they are looked at first. */
	if (udp != NULL && sport == DNS_PORT &&
			!(ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG))) {
		dns_ok = rte_be_to_cpu_16(udp->dgram_len) == l4_len &&
				gg_dns_parse_response((const uint8_t *)(udp + 1),
					l4_len - sizeof(*udp), &r) == GG_DNS_OK;
		if (dns_ok && gg_garden_match_wire(lim->garden, r.name_wire,
				r.name_wire_len)) {
			w->ctr.ev[GG_EV_dns_snooped]++;
			meta->action = GG_ACT_SNOOP;
			return GG_DROP_NONE;
		}
	}
	if (*now_s == 0)
		*now_s = gg_garden_clock_s();
	if (gg_garden_match_ip(lim->garden, meta->sess->id, ip->src_addr,
			ip->next_proto_id, sport, *now_s)) {
		w->ctr.ev[GG_EV_garden_forward_dl]++;
		meta->action = GG_ACT_SESSION;
		return GG_DROP_NONE;
	}
	if (udp == NULL || sport != DNS_PORT ||
			(ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG)))
		return GG_DROP_dl_limited_filtered;
	return dns_ok ? GG_DROP_dl_dns_not_garden : GG_DROP_dns_malformed;
}
