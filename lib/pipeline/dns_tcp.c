/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS over TCP for LIMITED sessions: the device's TCP to port 53, to any
 * address, goes to a trusted resolver and carries nothing but queries for
 * garden names; the resolver's segments come back from the address the
 * device asked, and an answer the garden can check is learned from.
 *
 * Uplink (gg_dns_tcp_uplink(), from uplink_limited.c before any garden
 * rule: a "tcp 53" prefix rule cannot open a way around it):
 *  - a SYN opens a flow in the worker's pending table (dns_pending.c,
 *    GG_DNS_PEND_FLOW: session, device port, resolver, the address asked,
 *    the next sequence number) and goes to the resolver the UDP queries
 *    would go to, its destination rewritten;
 *  - a segment without data (ACK, FIN, RST) of a flow goes to its
 *    resolver;
 *  - a segment with data must start at the flow's next sequence number
 *    (or repeat the last segment let through, same start and length: a
 *    retransmission) and hold whole DNS messages (2-octet length and
 *    message, RFC 7766 8), at most GG_DNS_TCP_MSGS_MAX of them, each a
 *    standard query for a garden name. Each is recorded as a pending TCP
 *    query (for learning) and the segment goes to the resolver.
 * So the resolver receives one gap-free stream of whole garden queries:
 * no overlapping segment can rewrite what it has been given, and no query
 * for another name, split or not, reaches it (a DNS tunnel through the
 * resolver's recursion would need one).
 *
 * Everything else is refused with a RST, which uplink_limited.c makes
 * (gg_tcp_rst()): SYN with data or with other flags, a segment of no
 * known flow or out of order, data that is not whole well-formed queries
 * (a query split across segments included), a query for any other name,
 * in both dns.mode settings. Forging an answer over TCP would need the
 * resolver's sequence numbers, which the downlink sees on whatever worker
 * RSS picks and could not write here without a lock; the device's stub
 * resolver falls back on UDP or gives up, which is all the portal needs.
 * The resolver's side of a refused connection is left to its idle
 * timeout.
 *
 * Downlink (gg_dns_tcp_downlink(), from downlink_limited.c for TCP from
 * port 53): only from a trusted resolver (dns_untrusted_answer), only for
 * a flow some worker holds (dns_unsolicited), then the source becomes the
 * address the device asked. A segment holding exactly one whole DNS
 * response that answers a pending TCP query of the session (port, ID,
 * question, resolver) for a garden name is learned from, as a UDP answer
 * is (dns_snooped, snoop_recent.c); any other segment of the flow is forwarded without
 * learning (dns_tcp_answer): an answer in several segments is never
 * learned from.
 *
 * Limits: a flow lives on the worker that saw its SYN; segments of it
 * that RSS sends to another worker (the gNB changed the outer headers
 * mid-connection) are refused. A flow lasts dns.query_timeout after the
 * device's last segment; the resolver's segments later than that are
 * dropped as unsolicited.
 *
 * Cost: per segment, one bucket of the own table (uplink) or of every
 * worker's (downlink), the TCP checksum of device segments, and the DNS
 * parse of each message; nothing for other traffic.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "gg_csum.h"
#include "gg_dns.h"
#include "gg_garden.h"
#include "pipeline_private.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10
/* RFC 7766 8: every DNS message over TCP follows its 2-octet length. */
#define DNS_TCP_LEN_OCTETS 2

/* The TCP checksum (with its pseudo header) of a segment. */
static int
tcp_checksum_ok(const struct rte_ipv4_hdr *ip, const struct rte_tcp_hdr *tcp,
		uint16_t l4_len)
{
	uint64_t sum;

	sum = (uint64_t)ip->src_addr + ip->dst_addr +
			rte_cpu_to_be_16(IPPROTO_TCP) + rte_cpu_to_be_16(l4_len);
	sum = (sum & UINT32_MAX) + (sum >> 32);
	sum = (sum & UINT32_MAX) + (sum >> 32);
	return gg_cksum_reduce(gg_raw_cksum(tcp, l4_len, (uint32_t)sum)) ==
			0xffff;
}

/* Toward the flow's resolver. */
static enum gg_drop
to_resolver(struct gg_worker *w, struct gg_meta *meta, struct rte_ipv4_hdr *ip,
		struct rte_tcp_hdr *tcp, uint32_t resolver)
{
	if (resolver != ip->dst_addr)
		gg_ipv4_tcp_addr_rewrite(ip, &ip->dst_addr, resolver, tcp);
	w->ctr.ev[GG_EV_dns_tcp_forward]++;
	meta->action = GG_ACT_SESSION;
	return GG_DROP_NONE;
}

static enum gg_drop
refuse(struct gg_worker *w, enum gg_event why)
{
	w->ctr.ev[why]++;
	return GG_DNS_REFUSE;
}

enum gg_drop
gg_dns_tcp_uplink(struct gg_worker *w, struct gg_meta *meta,
		struct rte_ipv4_hdr *ip, uint16_t l4_len, uint64_t *now_s)
{
	const struct gg_limited *lim = w->lim;
	uint16_t ihl = (ip->version_ihl & 0xf) * 4;
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)((uint8_t *)ip + ihl);
	uint16_t thl = (tcp->data_off >> 4) * 4, plen, off, mlen;
	uint32_t sess_id = meta->sess->id, seq, resolver;
	uint16_t msg_off[GG_DNS_TCP_MSGS_MAX];
	struct gg_dns_query q[GG_DNS_TCP_MSGS_MAX];
	struct gg_dns_pend_key k;
	struct gg_dns_flow f;
	const uint8_t *data;
	unsigned int n = 0, i;
	enum gg_drop d;
	int fresh;

	if (thl < sizeof(*tcp) || thl > l4_len)
		return GG_DROP_limited_l4_truncated;
	if (!gg_ipv4_cksum_ok(ip, ihl) || !tcp_checksum_ok(ip, tcp, l4_len))
		return GG_DROP_limited_bad_checksum;
	plen = l4_len - thl;
	seq = rte_be_to_cpu_32(tcp->sent_seq);
	if (*now_s == 0)
		*now_s = gg_garden_clock_s();

	if (tcp->tcp_flags & TCP_SYN) {
		if ((tcp->tcp_flags & (TCP_ACK | TCP_RST | TCP_FIN)) || plen != 0)
			return refuse(w, GG_EV_dns_tcp_unframed);
		if (unlikely(lim->n_resolvers == 0))
			return GG_DROP_dns_no_resolver;
		resolver = gg_dns_resolver_for(lim, sess_id, ip->dst_addr);
		d = gg_dns_flow_open(w->dns_pending, sess_id, tcp->src_port,
				resolver, ip->dst_addr, seq + 1, *now_s,
				lim->query_timeout_s);
		if (d != GG_DROP_NONE)
			return d;
		return to_resolver(w, meta, ip, tcp, resolver);
	}
	if (!gg_dns_flow_find(w->dns_pending, sess_id, tcp->src_port, *now_s,
			&f) || f.asked != ip->dst_addr)
		return refuse(w, GG_EV_dns_tcp_no_flow);
	if (plen == 0) {
		gg_dns_flow_update(w->dns_pending, sess_id, &f, *now_s,
				lim->query_timeout_s);
		return to_resolver(w, meta, ip, tcp, f.resolver);
	}

	if (seq == f.next_seq)
		fresh = 1;
	else if (f.last_len != 0 && plen == f.last_len &&
			seq == f.next_seq - f.last_len)
		fresh = 0;
	else
		return refuse(w, GG_EV_dns_tcp_out_of_order);

	/* Whole queries, each for a garden name, and nothing else. */
	data = (const uint8_t *)tcp + thl;
	for (off = 0; off < plen; off += DNS_TCP_LEN_OCTETS + mlen) {
		if (plen - off < DNS_TCP_LEN_OCTETS || n == GG_DNS_TCP_MSGS_MAX)
			return refuse(w, GG_EV_dns_tcp_unframed);
		mlen = (uint16_t)(data[off] << 8 | data[off + 1]);
		if (mlen > plen - off - DNS_TCP_LEN_OCTETS ||
				gg_dns_parse_query(data + off + DNS_TCP_LEN_OCTETS,
				mlen, &q[n]) != GG_DNS_OK)
			return refuse(w, GG_EV_dns_tcp_unframed);
		/* The question lies uncompressed at offset 12 (gg_dns.h). */
		if (!gg_garden_match_wire(lim->garden, data + off +
				DNS_TCP_LEN_OCTETS + GG_DNS_HDR_LEN,
				q[n].name_wire_len))
			return refuse(w, GG_EV_dns_refused);
		msg_off[n++] = off + DNS_TCP_LEN_OCTETS;
	}

	k.sess_id = sess_id;
	k.resolver = f.resolver;
	k.port = tcp->src_port;
	k.kind = GG_DNS_PEND_TCP;
	for (i = 0; i < n; i++) {
		const uint8_t *msg = data + msg_off[i];

		memcpy(&k.id, msg, sizeof(k.id));
		k.qhash = gg_dns_question_hash(msg + GG_DNS_HDR_LEN,
				q[i].name_wire_len, q[i].qtype, q[i].qclass);
		d = gg_dns_pending_add(w->dns_pending, &k, f.asked, *now_s,
				lim->query_timeout_s);
		if (d != GG_DROP_NONE)
			return d;
	}
	if (fresh) {
		f.next_seq = seq + plen;
		f.last_len = plen;
	}
	gg_dns_flow_update(w->dns_pending, sess_id, &f, *now_s,
			lim->query_timeout_s);
	w->ctr.ev[GG_EV_dns_garden_forward] += n;
	return to_resolver(w, meta, ip, tcp, f.resolver);
}

enum gg_drop
gg_dns_tcp_downlink(struct gg_worker *w, struct gg_meta *meta,
		struct rte_ipv4_hdr *ip, uint16_t l4_len, uint64_t *now_s)
{
	const struct gg_limited *lim = w->lim;
	uint16_t ihl = (ip->version_ihl & 0xf) * 4;
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)((uint8_t *)ip + ihl);
	uint16_t thl = (tcp->data_off >> 4) * 4, plen;
	uint32_t sess_id = meta->sess->id, asked = 0, a2;
	struct gg_garden_scope opens;
	struct gg_dns_response r;
	struct gg_dns_pend_key k;
	const uint8_t *data;
	int learn = 0;
	unsigned int i;

	for (i = 0; i < lim->n_resolvers; i++)
		if (lim->resolvers[i] == ip->src_addr)
			break;
	if (i == lim->n_resolvers)
		return GG_DROP_dns_untrusted_answer;
	if (thl < sizeof(*tcp) || thl > l4_len)
		return GG_DROP_dns_malformed;
	if (*now_s == 0)
		*now_s = gg_garden_clock_s();
	if (!gg_dns_flow_match(lim->pending, lim->n_pending, sess_id,
			tcp->dst_port, ip->src_addr, *now_s, &asked))
		return GG_DROP_dns_unsolicited;

	/* Learned from only when the segment is one whole answer. */
	plen = l4_len - thl;
	data = (const uint8_t *)tcp + thl;
	if (plen > DNS_TCP_LEN_OCTETS + GG_DNS_HDR_LEN &&
			(uint16_t)(data[0] << 8 | data[1]) ==
				plen - DNS_TCP_LEN_OCTETS &&
			gg_dns_parse_response(data + DNS_TCP_LEN_OCTETS,
				plen - DNS_TCP_LEN_OCTETS, &r) == GG_DNS_OK) {
		k.sess_id = sess_id;
		k.resolver = ip->src_addr;
		k.port = tcp->dst_port;
		k.kind = GG_DNS_PEND_TCP;
		memcpy(&k.id, data + DNS_TCP_LEN_OCTETS, sizeof(k.id));
		k.qhash = gg_dns_question_hash(r.name_wire, r.name_wire_len,
				r.qtype, r.qclass);
		learn = gg_dns_pending_match(lim->pending, lim->n_pending,
				w->dns_pending, &k, *now_s, &a2) == 1 &&
				gg_garden_match_wire_scope(lim->garden,
				r.name_wire, r.name_wire_len, &opens);
	}
	if (asked != ip->src_addr)
		gg_ipv4_tcp_addr_rewrite(ip, &ip->src_addr, asked, tcp);
	if (learn) {
		w->ctr.ev[GG_EV_dns_snooped]++;
		meta->action = gg_snoop_release(w, sess_id, &r, &opens,
				*now_s);
	} else {
		w->ctr.ev[GG_EV_dns_tcp_answer]++;
		meta->action = GG_ACT_SESSION;
	}
	return GG_DROP_NONE;
}
