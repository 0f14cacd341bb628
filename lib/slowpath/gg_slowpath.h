/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The appliance's own slow path, run by the control lcore: ARP for the
 * appliance's addresses and next hops, and ICMP echo to its addresses.
 *
 * Each function works on one mbuf that a worker handed over, in place: it
 * either turns the frame into the reply (GG_SLOW_REPLY: send it back out
 * the port it came from) or is done with it (GG_SLOW_FREE). Counters are
 * the caller's (the control lcore's own struct gg_counters).
 */
#ifndef GG_SLOWPATH_H
#define GG_SLOWPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gg_counters.h"
#include "gg_pipeline.h"

struct rte_mbuf;
struct rte_mempool;
struct gg_garden;

enum gg_slow_verdict {
	GG_SLOW_FREE = 0,  /**< consumed: free the mbuf */
	GG_SLOW_REPLY,     /**< rewritten into a reply: send it on the same port */
};

/**
 * Handle a frame for the control lcore that arrived on @p port. ARP
 * requests for the port's address are answered; ARP from the port's next
 * hop teaches its Ethernet address unless @p next_hop_static; ICMP echo
 * requests to the port's address are answered. Anything else is counted as
 * control_unhandled.
 */
enum gg_slow_verdict gg_slowpath_handle(struct rte_mbuf *m, struct gg_port *port,
		bool next_hop_static, struct gg_counters *ctr);

/**
 * Build an ARP request for @p port's next hop, from @p mp. NULL if the
 * port has no next hop or the pool is empty.
 */
struct rte_mbuf *gg_slowpath_arp_request(struct rte_mempool *mp,
		const struct gg_port *port);

/**
 * Learn the addresses of a snooped DNS answer (a worker's tunnelled
 * downlink G-PDU, see gg_worker_snoop_ring()) into @p g for @p scope
 * (a session id or GG_GARDEN_SCOPE_GLOBAL), each until now + its TTL
 * (clamped by the garden). Does not consume @p m. Returns the number of
 * addresses learned, or -1 if the frame is not a DNS answer after all.
 */
int gg_slowpath_learn(const struct rte_mbuf *m, struct gg_garden *g,
		uint32_t scope, uint64_t now_s, struct gg_counters *ctr);

/**
 * Learn @p naddrs addresses of an answer to the question @p name_wire
 * (wire form) into @p g for @p scope, with the scope of the garden name
 * the question falls under (nothing when it falls under none any more).
 * What gg_slowpath_learn() does once it parsed the packet; for the
 * answers workers let through at once (gg_worker_snoop_learn()).
 * Returns the number of addresses learned.
 */
struct gg_dns_addr;
int gg_slowpath_learn_addrs(struct gg_garden *g, uint32_t scope,
		const uint8_t *name_wire, size_t name_wire_len,
		const struct gg_dns_addr *addrs, unsigned int naddrs,
		uint64_t now_s, struct gg_counters *ctr);

#endif /* GG_SLOWPATH_H */
