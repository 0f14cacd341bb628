/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (RFC 826) for the appliance: answer requests for our address, learn
 * the next hop's Ethernet address from any ARP it sends, and build the
 * requests the control lcore sends while a next hop is unresolved.
 * Only Ethernet/IPv4 ARP is understood; anything else is unhandled.
 */
#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "slowpath_private.h"

enum gg_slow_verdict
gg_slowpath_arp(struct rte_mbuf *m, struct gg_port *port, bool next_hop_static,
		struct gg_counters *ctr)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	struct rte_arp_ipv4 *a = &arp->arp_data;
	struct rte_ether_addr known;
	uint32_t sender_ip;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*arp) ||
			arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
			arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
			arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4)
		goto unhandled;

	sender_ip = a->arp_sip;
	if (!next_hop_static && port->next_hop != 0 && sender_ip == port->next_hop &&
			(!gg_port_next_hop_mac(port, &known) ||
			 !rte_is_same_ether_addr(&known, &a->arp_sha))) {
		gg_port_set_next_hop_mac(port, &a->arp_sha);
		ctr->ev[GG_EV_arp_next_hop_learned]++;
	}

	if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
			a->arp_tip != port->addr)
		return GG_SLOW_FREE; /* a reply, or not for us: learning was all */

	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&a->arp_sha, &a->arp_tha);
	a->arp_tip = sender_ip;
	rte_ether_addr_copy(&port->mac, &a->arp_sha);
	a->arp_sip = port->addr;
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&port->mac, &eth->src_addr);
	ctr->ev[GG_EV_arp_reply_sent]++;
	return GG_SLOW_REPLY;

unhandled:
	ctr->drop[GG_DROP_control_unhandled]++;
	return GG_SLOW_FREE;
}

struct rte_mbuf *
gg_slowpath_arp_request(struct rte_mempool *mp, const struct gg_port *port)
{
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	struct rte_mbuf *m;

	if (port->next_hop == 0)
		return NULL;
	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
			sizeof(*eth) + sizeof(*arp));
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(&port->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&port->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = port->addr;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = port->next_hop;
	return m;
}
