/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Downlink stage 3, LIMITED sessions: only the walled garden may reach a
 * device that has not signed up yet.
 *
 *  - UDP from source port 53 is a DNS answer, whatever its source, and
 *    nothing else decides for it (a garden rule for the resolver
 *    included): it must come from a trusted resolver (dns.resolvers) and
 *    answer a query this appliance forwarded for the session (device's
 *    port, ID, question, resolver; dns_pending.c) within dns.query_timeout.
 *    Then its source becomes the address the device asked, so that its
 *    stub resolver takes it, and it is forwarded at once, its addresses
 *    recorded for the control lcore to learn (snoop_recent.c: until it
 *    has, the garden checks of every worker admit them from that record,
 *    so the device can never use an address the garden would refuse);
 *    when the record table is full, it goes to the snoop ring and leaves
 *    after the control lcore learned from it. Any other answer
 *    is dropped and counted: unsolicited, mismatched, untrusted;
 *  - TCP from source port 53 likewise goes to dns_tcp.c: from a trusted
 *    resolver, for a connection the device opened through us, its source
 *    turned back, learned from when one segment holds a whole answer;
 *  - from a garden source (static rule, learned address, the portal, an
 *    answer not learned yet) -> forward;
 *  - anything else -> drop, counted.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "gg_dns.h"
#include "gg_garden.h"
#include "pipeline_private.h"
#include "snoop_recent.h"

#define DNS_PORT 53

/* A UDP datagram from port 53 to session meta->sess: see the file comment. */
static enum gg_drop
dns_answer(struct gg_worker *w, struct gg_meta *meta, struct rte_ipv4_hdr *ip,
		struct rte_udp_hdr *udp, uint16_t l4_len, uint64_t *now_s)
{
	const struct gg_limited *lim = w->lim;
	const uint8_t *msg = (const uint8_t *)(udp + 1);
	struct gg_garden_scope opens;
	struct gg_dns_response r;
	struct gg_dns_pend_key k;
	uint32_t asked = 0;
	unsigned int i;
	int found;

	for (i = 0; i < lim->n_resolvers; i++)
		if (lim->resolvers[i] == ip->src_addr)
			break;
	if (i == lim->n_resolvers)
		return GG_DROP_dns_untrusted_answer;
	if (rte_be_to_cpu_16(udp->dgram_len) != l4_len ||
			gg_dns_parse_response(msg, l4_len - sizeof(*udp), &r) !=
			GG_DNS_OK)
		return GG_DROP_dns_malformed;
	if (*now_s == 0)
		*now_s = gg_garden_clock_s();
	k.sess_id = meta->sess->id;
	k.resolver = ip->src_addr;
	k.port = udp->dst_port;
	k.kind = GG_DNS_PEND_UDP;
	memcpy(&k.id, msg, sizeof(k.id));
	k.qhash = gg_dns_question_hash(r.name_wire, r.name_wire_len, r.qtype,
			r.qclass);
	found = gg_dns_pending_match(lim->pending, lim->n_pending,
			w->dns_pending, &k, *now_s, &asked);
	if (found == 0)
		return GG_DROP_dns_unsolicited;
	if (found < 0)
		return GG_DROP_dns_mismatch;
	/* A name taken out of the garden since the query was forwarded. */
	if (!gg_garden_match_wire_scope(lim->garden, r.name_wire,
			r.name_wire_len, &opens))
		return GG_DROP_dl_dns_not_garden;
	if (asked != ip->src_addr)
		gg_ipv4_udp_addr_rewrite(ip, &ip->src_addr, asked, udp);
	w->ctr.ev[GG_EV_dns_snooped]++;
	meta->action = gg_snoop_release(w, meta->sess->id, &r, &opens, *now_s);
	return GG_DROP_NONE;
}

enum gg_drop
gg_downlink_limited(struct gg_worker *w, struct rte_mbuf *m,
		struct gg_meta *meta, uint64_t *now_s)
{
	const struct gg_limited *lim = w->lim;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
			struct rte_ipv4_hdr *, meta->l3_off);
	uint16_t ihl = (ip->version_ihl & 0xf) * 4;
	uint16_t l4_len = meta->inner_len - ihl;
	uint16_t sport = 0;
	int first_fragment = !(ip->fragment_offset &
			rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK));

	if (first_fragment && ip->next_proto_id == IPPROTO_UDP &&
			l4_len >= sizeof(struct rte_udp_hdr)) {
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)
				((uint8_t *)ip + ihl);

		sport = rte_be_to_cpu_16(udp->src_port);
		if (sport == DNS_PORT) {
			/* An answer in fragments cannot be checked whole. */
			if (ip->fragment_offset &
					rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG))
				return GG_DROP_dl_limited_filtered;
			return dns_answer(w, meta, ip, udp, l4_len, now_s);
		}
	} else if (first_fragment && ip->next_proto_id == IPPROTO_TCP &&
			l4_len >= sizeof(struct rte_tcp_hdr)) {
		sport = rte_be_to_cpu_16(((const struct rte_tcp_hdr *)
				((const uint8_t *)ip + ihl))->src_port);
		if (sport == DNS_PORT) {
			/* DNS over TCP (dns_tcp.c); whole segments only. */
			if (ip->fragment_offset &
					rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG))
				return GG_DROP_dl_limited_filtered;
			return gg_dns_tcp_downlink(w, meta, ip, l4_len, now_s);
		}
	}

	if (*now_s == 0)
		*now_s = gg_garden_clock_s();
	/* Answers not learned yet first: see snoop_recent.c for the order. */
	if (gg_snoop_recent_admits_inline(lim, meta->sess->id, ip->src_addr,
			ip->next_proto_id, sport, *now_s) ||
			gg_garden_match_ip(lim->garden, meta->sess->id,
				ip->src_addr, ip->next_proto_id, sport, *now_s)) {
		w->ctr.ev[GG_EV_garden_forward_dl]++;
		meta->action = GG_ACT_SESSION;
		return GG_DROP_NONE;
	}
	return GG_DROP_dl_limited_filtered;
}
