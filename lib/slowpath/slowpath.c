/* SPDX-License-Identifier: BSD-3-Clause */
/* Slow-path entry: sort a frame handed to the control lcore by protocol. */
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "slowpath_private.h"

enum gg_slow_verdict
gg_slowpath_handle(struct rte_mbuf *m, struct gg_port *port,
		bool next_hop_static, struct gg_counters *ctr)
{
	const struct rte_ether_hdr *eth;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth))
		goto unhandled;
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		return gg_slowpath_arp(m, port, next_hop_static, ctr);
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return gg_slowpath_icmp(m, port, ctr);
unhandled:
	ctr->drop[GG_DROP_control_unhandled]++;
	return GG_SLOW_FREE;
}
