/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Garden learning, on the control lcore. Mostly from what a worker
 * recorded of a garden answer it let through at once
 * (gg_slowpath_learn_addrs(), lib/pipeline/snoop_recent.c: the workers
 * admit those addresses themselves until it is done). When the worker
 * could not record it: a downlink DNS answer for a garden
 * name, already tunnelled towards a LIMITED device by a worker, is parsed
 * once more here (outer IPv4/UDP/GTP-U, inner IPv4/UDP or TCP, DNS: over
 * TCP the worker sends only a segment holding one whole answer), each address
 * it gives for the question (CNAME chains followed by lib/dns, inside the
 * answer, at most 8 hops) is learned into the garden with the record's
 * TTL and the scope of the name rule the question falls under (its
 * protocols and ports), within the session's cap, and only then does the caller
 * send the packet on. The device therefore never sees an address the
 * garden does not admit yet.
 */
#include <errno.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "gg_dns.h"
#include "gg_garden.h"
#include "gg_gtpu.h"
#include "slowpath_private.h"

/*
 * The DNS message in the inner packet of a G-PDU frame, or NULL: the UDP
 * payload, or over TCP (lib/pipeline/dns_tcp.c) the segment's data after
 * its 2-octet length, which must cover the rest of the segment.
 */
static const uint8_t *
inner_dns_message(const struct rte_mbuf *m, uint16_t *len)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t n = rte_pktmbuf_data_len(m), off = sizeof(struct rte_ether_hdr);
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	const struct rte_tcp_hdr *tcp;
	const uint8_t *data;
	struct gg_gtpu_info g;
	uint16_t ihl, tlen, thl;

	off += sizeof(*ip) + sizeof(*udp);
	if (n < off || gg_gtpu_parse(p + off, n - off, &g) != GG_GTPU_OK ||
			g.msg_type != GG_GTPU_GPDU)
		return NULL;
	off += g.hdr_len;
	ip = (const struct rte_ipv4_hdr *)(p + off);
	if (n < off + sizeof(*ip))
		return NULL;
	ihl = (ip->version_ihl & 0xf) * 4;
	if (ip->next_proto_id == IPPROTO_TCP) {
		tlen = rte_be_to_cpu_16(ip->total_length);
		tcp = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);
		if (ihl < sizeof(*ip) || n < off + tlen ||
				tlen < ihl + sizeof(*tcp))
			return NULL;
		thl = (tcp->data_off >> 4) * 4;
		if (thl < sizeof(*tcp) || tlen < ihl + thl + 2)
			return NULL;
		data = (const uint8_t *)tcp + thl;
		*len = tlen - ihl - thl - 2;
		if ((uint16_t)(data[0] << 8 | data[1]) != *len)
			return NULL;
		return data + 2;
	}
	if (ip->next_proto_id != IPPROTO_UDP)
		return NULL;
	udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
	if (n < off + ihl + sizeof(*udp) ||
			n < off + ihl + rte_be_to_cpu_16(udp->dgram_len) ||
			rte_be_to_cpu_16(udp->dgram_len) < sizeof(*udp))
		return NULL;
	*len = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);
	return (const uint8_t *)(udp + 1);
}

int
gg_slowpath_learn_addrs(struct gg_garden *g, uint32_t scope,
		const uint8_t *name_wire, size_t name_wire_len,
		const struct gg_dns_addr *addrs, unsigned int naddrs,
		uint64_t now_s, struct gg_counters *ctr)
{
	int learned = 0, ref, ret;
	unsigned int i;

	/* The name rule the question falls under gives the scope; a name
	 * no longer in the garden teaches nothing. */
	ref = gg_garden_name_ref(g, name_wire, name_wire_len);
	if (ref < 0)
		return 0;
	for (i = 0; i < naddrs; i++) {
		ret = gg_garden_learn_name(g, scope, addrs[i].ipv4,
				addrs[i].ttl, now_s, ref);
		if (ret >= 0)
			learned++;
		else if (ret == -EDQUOT)
			ctr->ev[GG_EV_garden_learn_session_full]++;
	}
	ctr->ev[GG_EV_garden_learned] += learned;
	return learned;
}

int
gg_slowpath_learn(const struct rte_mbuf *m, struct gg_garden *g, uint32_t scope,
		uint64_t now_s, struct gg_counters *ctr)
{
	struct gg_dns_response r;
	const uint8_t *dns;
	uint16_t len;

	dns = inner_dns_message(m, &len);
	if (dns == NULL || gg_dns_parse_response(dns, len, &r) != GG_DNS_OK) {
		ctr->drop[GG_DROP_control_unhandled]++;
		return -1;
	}
	return gg_slowpath_learn_addrs(g, scope, r.name_wire, r.name_wire_len,
			r.addrs, r.naddrs, now_s, ctr);
}
