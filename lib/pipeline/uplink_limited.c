/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Uplink stage 3, LIMITED sessions: classify a device's packet against the
 * walled garden and, when it is not for the garden, turn it toward the
 * portal in place.
 *
 * In order (the first that applies decides):
 *  1. DNS query (UDP 53, to any address): for a garden name, forward it
 *     to a trusted resolver (dns.resolvers), rewriting its destination,
 *     and record it (dns_pending.c) so that only its answer comes back
 *     and is learned from; in dns.mode "rewrite", any other name is
 *     answered here with the portal's address (lib/dns); in "snoop" mode
 *     (or without a portal) it is refused as other UDP (5.).
 *     DNS over TCP (TCP 53, to any address): dns_tcp.c, which forwards
 *     whole garden-name queries to a trusted resolver and refuses the
 *     rest with a RST (4.).
 *  2. Destination in the garden (static rule, learned address, or an
 *     address of a garden answer the control lcore has not learned yet,
 *     snoop_recent.c) -> forward, as for a FULL session.
 *  3. TCP to port 80 -> the stateless HTTP redirect (lib/http): SYN-cookie
 *     SYN-ACK, then 302 Found to the portal, then FIN.
 *  4. Other TCP -> RST, so browsers and OS probes give up at once.
 *  5. Other UDP -> ICMP administratively prohibited (rate-limited) or drop.
 *  6. ICMP and other protocols -> drop.
 *
 * The uplink fast stage hands its LIMITED packets to
 * gg_uplink_limited_run(), which carries out each verdict; the forward
 * stage calls gg_uplink_limited() for the rest.
 *
 * Replies are built in the packet's own mbuf (addresses and ports swapped,
 * checksums recomputed) and tunnelled to the device by gg_encap_to_gnb();
 * nothing is allocated and no per-flow state is kept.
 *
 * Cost: a DNS answer is ~65 ns of parsing and forging, a SYN-ACK one keyed
 * hash and two checksums (lib/dns, lib/http measure them).
 */
#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "gg_csum.h"
#include "gg_dns.h"
#include "gg_garden.h"
#include "gg_http.h"
#include "pipeline_private.h"
#include "snoop_recent.h"

#define DNS_PORT 53
/* dns_query(): refuse the query as other UDP outside the garden is. */
#define DNS_REFUSE GG_DNS_REFUSE
#define HTTP_PORT 80
/* ICMP errors quote the offending header and 8 octets of its payload. */
#define ICMP_QUOTE_DATA 8
#define ICMP_DEST_UNREACH 3
#define ICMP_CODE_ADMIN_PROHIBITED 13 /* RFC 1812 5.2.7.1 */

static const struct {
	enum gg_event ev;     /* counted when the verdict sends or absorbs */
	enum gg_drop drop;    /* counted when it drops */
} http_verdict_counter[GG_HTTP_VERDICT_MAX] = {
	[GG_HTTP_SYNACK] = { GG_EV_http_synack, GG_DROP_NONE },
	[GG_HTTP_REDIRECT] = { GG_EV_http_redirect, GG_DROP_NONE },
	[GG_HTTP_ACK] = { GG_EV_http_ack, GG_DROP_NONE },
	[GG_HTTP_RST_COOKIE] = { GG_EV_http_rst_cookie, GG_DROP_NONE },
	[GG_HTTP_RST_NOT_HTTP] = { GG_EV_http_rst_not_http, GG_DROP_NONE },
	[GG_HTTP_RST_TOO_BIG] = { GG_EV_http_rst_too_big, GG_DROP_NONE },
	[GG_HTTP_RST_UNEXPECTED] = { GG_EV_http_rst_unexpected, GG_DROP_NONE },
	[GG_HTTP_RST_REFUSED] = { GG_EV_tcp_rst_refused, GG_DROP_NONE },
	[GG_HTTP_ABSORB_ACK] = { GG_EV_http_absorb_ack, GG_DROP_NONE },
	[GG_HTTP_ABSORB_RST] = { GG_EV_http_absorb_rst, GG_DROP_NONE },
	[GG_HTTP_BAD_CHECKSUM] = { GG_EV_MAX, GG_DROP_http_bad_checksum },
	[GG_HTTP_MALFORMED] = { GG_EV_MAX, GG_DROP_http_malformed },
};

/*
 * Byte order with the compiler's builtin: DPDK 22.11's x86 rte_bswap16()
 * is an asm statement for non-constant values, which the compiler can
 * neither fold into a compare with a constant nor schedule.
 */
static inline uint16_t
be16(uint16_t v)
{
	return RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN ? __builtin_bswap16(v) : v;
}

/* Octets writable from the inner IPv4 header to the end of the data room. */
static inline uint16_t
room_from(const struct rte_mbuf *m, uint16_t off)
{
	return (uint16_t)(rte_pktmbuf_data_len(m) - off + rte_pktmbuf_tailroom(m));
}

/*
 * The inner packet at meta->inner_off was rewritten into a reply of
 * @p new_len octets: tunnel it to the device. gg_encap_to_gnb() sets the
 * (one-segment, uplink_parse.c) mbuf's lengths to the outer headers plus
 * @p new_len itself, so only the room rte_pktmbuf_append() would want is
 * checked here; a dropped mbuf's lengths matter to nobody.
 */
static enum gg_drop
send_back(struct gg_worker *w, struct rte_mbuf *m, struct gg_meta *meta,
		uint16_t new_len, const struct gg_encap_tmpl *n3_dst)
{
	uint16_t have = rte_pktmbuf_data_len(m) - meta->inner_off;
	enum gg_drop d;

	if (unlikely(new_len > have &&
			new_len - have > rte_pktmbuf_tailroom(m)))
		return GG_DROP_no_room;
	d = gg_encap_to_gnb(w, m, meta->sess, meta->inner_off, new_len, n3_dst);
	if (d != GG_DROP_NONE)
		return d;
	meta->action = GG_ACT_TX_N3;
	return GG_DROP_NONE;
}

/*
 * Swap the inner IPv4/UDP endpoints around a payload of @p dns_len octets.
 * Both checksums as rte_ipv4_cksum() and rte_ipv4_udptcp_cksum() give
 * them: the IPv4 header's summed from the values it gets (a wide read of
 * fields just stored one by one would wait for the stores), the UDP one
 * 64 bits at a time (gg_csum.h) instead of 16.
 */
static uint16_t
udp_turn_around(struct rte_ipv4_hdr *ip, struct rte_udp_hdr *udp,
		uint16_t dns_len)
{
	uint32_t a = ip->src_addr;
	uint16_t p = udp->src_port;
	uint16_t ulen = sizeof(*udp) + dns_len;
	uint16_t tlen = sizeof(*ip) + ulen;
	uint64_t sum;
	uint16_t ck;

	/* Words in wire order added as numbers; the addresses' sum does
	 * not care which is which. */
	sum = (uint64_t)be16(RTE_IPV4_VHL_DEF << 8 |
			ip->type_of_service) + be16(tlen) +
			ip->packet_id + rte_cpu_to_be_16(64 << 8 | IPPROTO_UDP) +
			ip->src_addr + ip->dst_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = be16(tlen);
	ip->fragment_offset = 0;
	ip->time_to_live = 64;
	ip->hdr_checksum = (uint16_t)~gg_cksum_reduce(gg_cksum_fold64(sum));
	udp->src_port = udp->dst_port;
	udp->dst_port = p;
	udp->dgram_len = be16(ulen);
	udp->dgram_cksum = 0;
	/* Pseudo header (RFC 768) as in checksums_ok(); a zero sum is sent
	 * as all ones, zero meaning "no checksum". */
	sum = (uint64_t)ip->src_addr + ip->dst_addr +
			rte_cpu_to_be_16(IPPROTO_UDP) + udp->dgram_len;
	ck = (uint16_t)~gg_cksum_reduce(gg_raw_cksum(udp, ulen, sum));
	udp->dgram_cksum = ck == 0 ? 0xffff : ck;
	return tlen;
}

/*
 * Whether the receiving NIC verified this G-PDU's inner TCP or UDP
 * checksum: its packet type names the GTP-U tunnel and an inner L4 of
 * protocol @p proto, and the L4 flag (the inner header's, for a tunnel;
 * the outer UDP has RTE_MBUF_F_RX_OUTER_L4_CKSUM_*) says GOOD. Anything
 * else (net_pcap and net_gtpgen give no inner type, a NIC that does not
 * parse GTP-U, BAD, UNKNOWN, NONE) leaves the sum to the software.
 */
static inline unsigned int
inner_l4_verified(const struct rte_mbuf *m, uint8_t proto)
{
	uint32_t want = RTE_PTYPE_TUNNEL_GTPU | (proto == IPPROTO_TCP ?
			RTE_PTYPE_INNER_L4_TCP : RTE_PTYPE_INNER_L4_UDP);

	/* The flag first: one test where no NIC verified anything. */
	if (likely((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) !=
			RTE_MBUF_F_RX_L4_CKSUM_GOOD))
		return 0;
	return (m->packet_type & (RTE_PTYPE_TUNNEL_MASK |
			RTE_PTYPE_INNER_L4_MASK)) == want;
}

/*
 * A packet the appliance answers itself must be intact (RFC 1122 3.2.1.2,
 * 4.1.3.4): its IPv4 header checksum, and its UDP checksum when the sender
 * gave one (unless the NIC verified it: @p l4_good). Forwarded packets are
 * left to their receiver.
 *
 * The same verdicts as gg_ipv4_cksum_ok() and
 * rte_ipv4_udptcp_cksum_verify(), for less: the 20-octet header in five
 * 32-bit additions, the pseudo header (RFC 768) and the datagram 64 bits
 * at a time (gg_csum.h) instead of DPDK 22.11's 16. The caller checked
 * that the IPv4 total length covers the header.
 */
static int
checksums_ok(const struct rte_ipv4_hdr *ip, const struct rte_udp_hdr *udp,
		unsigned int l4_good)
{
	unsigned int ihl = (ip->version_ihl & 0xf) * 4u;
	uint16_t l4_len;
	uint64_t sum;

	if (likely(ihl == sizeof(*ip)) ? !gg_ipv4_cksum20_ok(ip) :
			!gg_ipv4_cksum_ok(ip, ihl))
		return 0;
	if (udp == NULL || udp->dgram_cksum == 0 || l4_good)
		return 1;
	l4_len = be16(ip->total_length) - ihl;
	/*
	 * Addresses, then zero and protocol, then length: 16-bit words in
	 * memory order, like everything gg_raw_cksum() adds. Under 2^34;
	 * two folds bring it under 2^32.
	 */
	sum = (uint64_t)ip->src_addr + ip->dst_addr +
			be16(ip->next_proto_id) +
			be16(l4_len);
	sum = (sum & UINT32_MAX) + (sum >> 32);
	sum = (sum & UINT32_MAX) + (sum >> 32);
	return gg_cksum_reduce(gg_raw_cksum(udp, l4_len, (uint32_t)sum)) ==
			0xffff;
}

uint32_t
gg_dns_resolver_for(const struct gg_limited *lim, uint32_t sess_id,
		uint32_t asked)
{
	uint32_t resolver = lim->resolvers[sess_id % lim->n_resolvers];
	unsigned int i;

	for (i = 0; i < lim->n_resolvers; i++)
		if (lim->resolvers[i] == asked)
			resolver = asked;
	return resolver;
}

/*
 * A query for a garden name goes to a trusted resolver, whatever address
 * the device sent it to (the one it asked, when that is a trusted
 * resolver; otherwise one picked by session), and is recorded so that the
 * answer is recognised on the way back (dns_pending.c), where its source
 * is turned back into the address the device asked.
 */
static enum gg_drop
dns_to_resolver(struct gg_worker *w, struct gg_meta *meta,
		struct rte_ipv4_hdr *ip, struct rte_udp_hdr *udp,
		const struct gg_dns_query *q, uint64_t *now_s)
{
	const struct gg_limited *lim = w->lim;
	const uint8_t *msg = (const uint8_t *)(udp + 1);
	uint32_t asked = ip->dst_addr, resolver;
	struct gg_dns_pend_key k;
	enum gg_drop d;

	if (unlikely(lim->n_resolvers == 0))
		return GG_DROP_dns_no_resolver;
	resolver = gg_dns_resolver_for(lim, meta->sess->id, asked);
	if (*now_s == 0)
		*now_s = gg_garden_clock_s();
	k.sess_id = meta->sess->id;
	k.resolver = resolver;
	k.port = udp->src_port;
	k.kind = GG_DNS_PEND_UDP;
	memcpy(&k.id, msg, sizeof(k.id));
	k.qhash = gg_dns_question_hash(msg + GG_DNS_HDR_LEN, q->name_wire_len,
			q->qtype, q->qclass);
	d = gg_dns_pending_add(w->dns_pending, &k, asked, *now_s,
			lim->query_timeout_s);
	if (d != GG_DROP_NONE)
		return d;
	if (resolver != asked) {
		gg_ipv4_udp_addr_rewrite(ip, &ip->dst_addr, resolver, udp);
		w->ctr.ev[GG_EV_dns_resolver_rewrite]++;
	}
	w->ctr.ev[GG_EV_dns_garden_forward]++;
	meta->action = GG_ACT_SESSION;
	return GG_DROP_NONE;
}

/* Returns GG_DROP_NONE with meta->action set, or a drop reason. */
static enum gg_drop
dns_query(struct gg_worker *w, struct rte_mbuf *m, struct gg_meta *meta,
		struct rte_ipv4_hdr *ip, struct rte_udp_hdr *udp, uint16_t udp_len,
		const struct gg_encap_tmpl *n3_dst, uint64_t *now_s)
{
	const struct gg_limited *lim = w->lim;
	uint8_t *msg = (uint8_t *)(udp + 1);
	uint16_t ihl = (ip->version_ihl & 0xf) * 4;
	struct gg_dns_query q;
	size_t len;

	if (gg_dns_parse_query(msg, udp_len - sizeof(*udp), &q) != GG_DNS_OK)
		return GG_DROP_dns_malformed;
	/* The question lies uncompressed at offset 12 (gg_dns.h), its
	 * labels walked by the parse. */
	if (gg_garden_match_wire_labels(lim->garden, msg + GG_DNS_HDR_LEN,
			q.name_wire_len, q.label_off, q.n_labels))
		return dns_to_resolver(w, meta, ip, udp, &q, now_s);
	if (lim->dns_mode == GG_DNS_MODE_SNOOP || !lim->has_portal) {
		/* RFC 8952: no forged answer, and no other server either. */
		w->ctr.ev[GG_EV_dns_refused]++;
		return DNS_REFUSE;
	}

	if (!checksums_ok(ip, udp, inner_l4_verified(m, IPPROTO_UDP)))
		return GG_DROP_limited_bad_checksum;
	/* The answer replaces the query; options after the IPv4 header go. */
	if (ihl != sizeof(*ip)) {
		memmove((uint8_t *)ip + sizeof(*ip), udp, udp_len);
		udp = (struct rte_udp_hdr *)(ip + 1);
		msg = (uint8_t *)(udp + 1);
	}
	len = gg_dns_forge_answer(msg, udp_len - sizeof(*udp),
			room_from(m, meta->inner_off) - sizeof(*ip) - sizeof(*udp),
			&q, &lim->dns);
	if (len == 0)
		return GG_DROP_dns_no_room;
	w->ctr.ev[GG_EV_dns_forged]++;
	return send_back(w, m, meta, udp_turn_around(ip, udp, (uint16_t)len),
			n3_dst);
}

/*
 * Turn the packet into an ICMP destination unreachable, administratively
 * prohibited (RFC 792, RFC 1812 5.2.7.1), quoting its header and the first
 * 8 octets of its payload, from the appliance's N6 address.
 */
static uint16_t
icmp_prohibited(struct gg_worker *w, struct rte_ipv4_hdr *ip, uint16_t tlen)
{
	uint16_t ihl = (ip->version_ihl & 0xf) * 4;
	uint16_t quote = RTE_MIN(tlen, ihl + ICMP_QUOTE_DATA);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	uint16_t new_len = sizeof(*ip) + sizeof(*icmp) + quote;
	uint32_t device = ip->src_addr;

	memmove((uint8_t *)(icmp + 1), ip, quote);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = be16(new_len);
	ip->packet_id = 0;
	ip->fragment_offset = 0;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = w->lim->icmp_src;
	ip->dst_addr = device;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = ICMP_DEST_UNREACH;
	icmp->icmp_code = ICMP_CODE_ADMIN_PROHIBITED;
	icmp->icmp_ident = 0; /* unused */
	icmp->icmp_seq_nb = 0;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, sizeof(*icmp) + quote);
	return new_len;
}

/*
 * The verdict (gg_uplink_limited()). Inlined twice: into the forward
 * stage's entry point and into the fast stage's LIMITED pass, whose loop
 * then keeps its state in registers across it instead of a call, its six
 * arguments and a frame that saves every callee-saved register per packet
 * (measured: limited-1k -30 instructions per packet).
 */
static __rte_always_inline enum gg_drop
limited_verdict(struct gg_worker *w, struct rte_mbuf *m, struct gg_meta *meta,
		struct rte_ipv4_hdr *ip, uint64_t *now_s,
		const struct gg_encap_tmpl *n3_dst)
{
	const struct gg_limited *lim = w->lim;
	uint16_t ihl = (ip->version_ihl & 0xf) * 4;
	uint16_t tlen = be16(ip->total_length);
	uint8_t proto = ip->next_proto_id;
	uint16_t dport = 0, l4_len = tlen - ihl;
	struct rte_udp_hdr *udp = NULL;
	enum gg_http_verdict v;
	enum gg_drop d;
	uint16_t len;

	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
			RTE_IPV4_HDR_OFFSET_MASK))
		return GG_DROP_limited_fragment;
	if (proto == IPPROTO_UDP) {
		udp = (struct rte_udp_hdr *)((uint8_t *)ip + ihl);
		if (l4_len < sizeof(*udp) ||
				be16(udp->dgram_len) != l4_len)
			return GG_DROP_limited_l4_truncated;
		dport = be16(udp->dst_port);
		if (dport == DNS_PORT) {
			d = dns_query(w, m, meta, ip, udp, l4_len, n3_dst, now_s);
			if (d != DNS_REFUSE)
				return d;
			/* Refused as any UDP outside the garden is. */
			goto udp_refused;
		}
	} else if (proto == IPPROTO_TCP) {
		if (l4_len < sizeof(struct rte_tcp_hdr))
			return GG_DROP_limited_l4_truncated;
		dport = be16(((struct rte_tcp_hdr *)
				((uint8_t *)ip + ihl))->dst_port);
		if (dport == DNS_PORT) {
			/* DNS over TCP, whatever the garden's rules say. */
			d = gg_dns_tcp_uplink(w, meta, ip, l4_len, now_s);
			if (d != GG_DNS_REFUSE)
				return d;
			goto tcp_refused;
		}
	}

	if (*now_s == 0)
		*now_s = gg_garden_clock_s();
	/* Answers not learned yet first: see snoop_recent.c for the order. */
	if (gg_snoop_recent_admits_inline(lim, meta->sess->id, ip->dst_addr,
			proto, dport, *now_s) ||
			gg_garden_match_ip(lim->garden, meta->sess->id,
				ip->dst_addr, proto, dport, *now_s)) {
		w->ctr.ev[GG_EV_garden_forward_ul]++;
		meta->action = GG_ACT_SESSION;
		return GG_DROP_NONE;
	}

	switch (proto) {
	case IPPROTO_TCP:
tcp_refused:
		len = tlen;
		if (dport == HTTP_PORT && lim->has_portal)
			v = gg_http_handle_flags(&lim->http, (uint8_t *)ip,
					&len, room_from(m, meta->inner_off),
					*now_s, inner_l4_verified(m, IPPROTO_TCP) ?
					GG_HTTP_F_TCP_CKSUM_GOOD : 0);
		else
			v = gg_tcp_rst_flags((uint8_t *)ip, &len,
					room_from(m, meta->inner_off),
					inner_l4_verified(m, IPPROTO_TCP) ?
					GG_HTTP_F_TCP_CKSUM_GOOD : 0);
		if (http_verdict_counter[v].drop != GG_DROP_NONE)
			return http_verdict_counter[v].drop;
		w->ctr.ev[http_verdict_counter[v].ev]++;
		if (!gg_http_verdict_sends(v)) {
			meta->action = GG_ACT_CONSUMED;
			return GG_DROP_NONE;
		}
		return send_back(w, m, meta, len, n3_dst);
	case IPPROTO_UDP:
udp_refused:
		if (lim->udp_reject != GG_UDP_REJECT_ICMP)
			return GG_DROP_limited_udp_refused;
		if (!checksums_ok(ip, udp, inner_l4_verified(m, IPPROTO_UDP)))
			return GG_DROP_limited_bad_checksum;
		if (!gg_ratelimit_allow(&w->icmp_rl)) {
			w->ctr.ev[GG_EV_reply_ratelimited]++;
			return GG_DROP_limited_udp_refused;
		}
		if (room_from(m, meta->inner_off) < sizeof(*ip) +
				sizeof(struct rte_icmp_hdr) + ihl + ICMP_QUOTE_DATA)
			return GG_DROP_no_room;
		w->ctr.ev[GG_EV_icmp_unreach_sent]++;
		return send_back(w, m, meta, icmp_prohibited(w, ip, tlen), n3_dst);
	case IPPROTO_ICMP:
		return GG_DROP_limited_icmp_refused;
	default:
		return GG_DROP_limited_proto_refused;
	}
}

enum gg_drop
gg_uplink_limited(struct gg_worker *w, struct rte_mbuf *m, struct gg_meta *meta,
		struct rte_ipv4_hdr *ip, uint64_t *now_s,
		const struct gg_encap_tmpl *n3_dst)
{
	return limited_verdict(w, m, meta, ip, now_s, n3_dst);
}

/*
 * The fast stage's LIMITED pass (uplink_fast.c): packets [0, @p n) of
 * LIMITED sessions, while each passes the forward stage's fast-path
 * header checks (IPv4 without options from the UE address, its length
 * within the T-PDU and the N6 MTU, no suspect destination), get the
 * garden's verdict here, in order, with what uplink_forward.c's
 * limited_fast() and its fast path then do: a forward has its TTL checked
 * (ttl_expired) and decremented, MSS clamped for SYNs, outer headers
 * stripped, the Ethernet header @p l2 (14 octets) written, counted and
 * buffered for N6; a reply is buffered for N3. Stops at the first other
 * packet, which with the rest goes to the stages, and at the first packet
 * the garden drops (or consumes, sending nothing): that one goes first to
 * the stages already decided (*@p decided = 1; its session NULL, its
 * action and drop set), so that gg_dispatch() counts and frees it as it
 * would have. Saves the stages' second pass over the headers, the
 * hand-off and the dispatch of each packet of a walled garden's burst.
 */
uint16_t
gg_uplink_limited_run(struct gg_worker *w, struct rte_mbuf **pkts,
		struct gg_meta *meta, uint16_t n, const uint8_t *l2,
		uint16_t *decided)
{
	const struct gg_dataplane *dp = w->dp;
	const struct gg_martian *martian = dp->martian;
	const uint16_t n6_mtu = dp->n6.mtu;
	const struct gg_session_ctr_view sess_ctr = w->sess_ctr;
	const struct gg_encap_tmpl *n3_dst = NULL;
	uint64_t now_s = 0, l2_lo, l2_hi, bytes = 0, sent_n6 = 0;
	uint16_t i;

	memcpy(&l2_lo, l2, sizeof(l2_lo));
	memcpy(&l2_hi, l2 + 6, sizeof(l2_hi));
	/* N6 has room: the fast stage reserved it for all its packets. */
	gg_tx_reserve(w, &w->tx_n3, n);
	for (i = 0; i < n; i++) {
		struct gg_meta *mt = &meta[i];
		const struct gg_session *s = mt->sess;
		struct rte_mbuf *m = pkts[i];
		struct gg_session_counters *sc;
		struct rte_ipv4_hdr *ip;
		uint16_t tlen;
		enum gg_drop d;

		if (unlikely(s == NULL))
			break;
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
				mt->inner_off);
		if (unlikely(!gg_uplink_inner_fast(ip, mt, s, n6_mtu, martian,
					&tlen) ||
				gg_session_state(s) != GG_SESSION_LIMITED))
			break;
		if (n3_dst == NULL)
			n3_dst = gg_encap_tmpl_get(w);
		/* What the parse stage would have left (gg_meta). */
		mt->action = GG_ACT_SESSION;
		d = limited_verdict(w, m, mt, ip, &now_s, n3_dst);
		if (unlikely(d != GG_DROP_NONE))
			goto decided;
		if (mt->action == GG_ACT_TX_N3) {
			gg_tx_append(&w->tx_n3, m);
			continue;
		}
		if (unlikely(mt->action != GG_ACT_SESSION))
			goto decided; /* consumed */
		if (unlikely(ip->time_to_live <= 1)) {
			d = GG_DROP_ttl_expired;
			goto decided;
		}
		sc = gg_session_ctr(&sess_ctr, s);
		gg_uplink_to_n6(w, m, ip, mt->inner_off, tlen, l2_lo, l2_hi, sc);
		sent_n6++;
		bytes += tlen;
		continue;
decided:
		if (d != GG_DROP_NONE)
			gg_meta_drop(mt, d);
		mt->sess = NULL;
		*decided = 1;
		break;
	}
	w->ctr.ev[GG_EV_ul_decap] += sent_n6;
	w->ctr.ev[GG_EV_ul_decap_bytes] += bytes;
	return i;
}
