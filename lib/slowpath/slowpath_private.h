/* SPDX-License-Identifier: BSD-3-Clause */
/* Slow-path internals: one handler per protocol. */
#ifndef SLOWPATH_PRIVATE_H
#define SLOWPATH_PRIVATE_H

#include "gg_slowpath.h"

enum gg_slow_verdict gg_slowpath_arp(struct rte_mbuf *m, struct gg_port *port,
		bool next_hop_static, struct gg_counters *ctr);
enum gg_slow_verdict gg_slowpath_icmp(struct rte_mbuf *m,
		const struct gg_port *port, struct gg_counters *ctr);

#endif
