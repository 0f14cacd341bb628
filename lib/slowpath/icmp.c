/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP echo (RFC 792) for the appliance's own addresses: a valid echo
 * request becomes the echo reply in place. Other ICMP and other protocols
 * addressed to the appliance are counted as unhandled.
 */
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "slowpath_private.h"

enum gg_slow_verdict
gg_slowpath_icmp(struct rte_mbuf *m, const struct gg_port *port,
		struct gg_counters *ctr)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_icmp_hdr *icmp;
	uint16_t len = rte_pktmbuf_data_len(m);
	uint32_t hlen, tlen, icmp_len;

	if (len < sizeof(*eth) + sizeof(*ip) || (ip->version_ihl >> 4) != 4)
		goto unhandled;
	hlen = (ip->version_ihl & 0xf) * 4u;
	tlen = rte_be_to_cpu_16(ip->total_length);
	if (hlen < sizeof(*ip) || tlen < hlen + sizeof(*icmp) ||
			sizeof(*eth) + tlen > len ||
			ip->next_proto_id != IPPROTO_ICMP || ip->dst_addr != port->addr ||
			(ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
					RTE_IPV4_HDR_OFFSET_MASK)))
		goto unhandled;
	icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + hlen);
	icmp_len = tlen - hlen;
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0 ||
			rte_raw_cksum(icmp, icmp_len) != 0xffff)
		goto unhandled;

	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, icmp_len);
	if (icmp->icmp_cksum == 0)
		icmp->icmp_cksum = 0xffff;

	ip->dst_addr = ip->src_addr;
	ip->src_addr = port->addr;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&port->mac, &eth->src_addr);
	rte_pktmbuf_trim(m, len - sizeof(*eth) - tlen);
	ctr->ev[GG_EV_icmp_echo_reply_sent]++;
	return GG_SLOW_REPLY;

unhandled:
	ctr->drop[GG_DROP_control_unhandled]++;
	return GG_SLOW_FREE;
}
