/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Response snooping: which IPv4 addresses does a garden resolver's answer
 * give for the name that was asked? Only addresses reached from the
 * question through the answer section's CNAME chain count; anything else
 * in the message could be an attempt to make the garden learn an address
 * for a name it never asked about.
 *
 * One walk of the answer section per CNAME hop: the walk looking for the
 * CNAME owned by the current name also collects the A records owned by it,
 * so the walk that finds no CNAME has already collected the answer. Every
 * walk checks every record the same way, so a malformed record fails the
 * first walk whatever its position. Nothing is stored per record: the
 * chain is kept as offsets of names in the message and names are compared
 * in their plain lowercase wire form.
 */

#include <string.h>

#include <rte_branch_prediction.h>

#include "gg_dns.h"
#include "dns_private.h"

/* RFC 2181 8: a TTL with the top bit set is to be read as zero. */
#define TTL_MAX_VALID 0x7fffffffu

/* What one walk of the answer section found for the current name. */
struct walk {
	size_t cname_target;    /* offset of the first CNAME's data, or 0 */
	uint32_t cname_ttl;
	uint8_t naddrs;
	uint16_t skipped;
	uint16_t ignored;
};

static inline uint32_t
rr_ttl(const uint8_t *p)
{
	uint32_t ttl = gg_get_be32(p);

	return ttl > TTL_MAX_VALID ? 0 : ttl;
}

static inline int
same_name(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	return a_len == b_len && memcmp(a, b, a_len) == 0;
}

/*
 * Walk ancount records from off. cur is the current chain name (plain
 * wire). A records owned by cur go to r->addrs (overwritten each walk).
 */
static enum gg_dns_status
walk_answers(const uint8_t *msg, size_t len, size_t off, uint16_t ancount,
		const uint8_t *cur, size_t cur_len, struct gg_dns_response *r,
		struct walk *w)
{
	uint8_t owner[GG_DNS_NAME_WIRE_MAX];
	uint8_t target[GG_DNS_NAME_WIRE_MAX];
	size_t owner_len, target_len, target_end;
	enum gg_dns_status st;

	memset(w, 0, sizeof(*w));
	for (unsigned int i = 0; i < ancount; i++) {
		uint16_t type, class;
		size_t rdlen, rdata;
		int mine;

		st = dns_name_read(msg, len, off, 0, owner, &owner_len, &off);
		if (unlikely(st != GG_DNS_OK))
			return st;
		if (unlikely(len - off < DNS_RR_FIXED_LEN))
			return GG_DNS_TRUNCATED;
		type = gg_get_be16(msg + off);
		class = gg_get_be16(msg + off + 2);
		rdlen = gg_get_be16(msg + off + 8);
		rdata = off + DNS_RR_FIXED_LEN;
		if (unlikely(rdlen > len - rdata))
			return GG_DNS_TRUNCATED;

		if (class == GG_DNS_CLASS_IN && type == GG_DNS_TYPE_A) {
			if (unlikely(rdlen != 4))
				return GG_DNS_BAD_RDATA;
			mine = same_name(owner, owner_len, cur, cur_len);
			if (!mine) {
				w->ignored++;
			} else if (w->naddrs < GG_DNS_MAX_ADDRS) {
				struct gg_dns_addr *a = &r->addrs[w->naddrs++];

				memcpy(&a->ipv4, msg + rdata, 4);
				a->ttl = rr_ttl(msg + off + 4);
			} else {
				w->skipped++;
			}
		} else if (class == GG_DNS_CLASS_IN &&
				type == GG_DNS_TYPE_CNAME) {
			st = dns_name_read(msg, len, rdata, 0, target,
					&target_len, &target_end);
			if (unlikely(st != GG_DNS_OK))
				return st;
			if (unlikely(target_end != rdata + rdlen))
				return GG_DNS_BAD_RDATA;
			if (w->cname_target == 0 &&
					same_name(owner, owner_len, cur, cur_len)) {
				w->cname_target = rdata;
				w->cname_ttl = rr_ttl(msg + off + 4);
			}
		}
		off = rdata + rdlen;
	}
	return GG_DNS_OK;
}

enum gg_dns_status
gg_dns_parse_response(const uint8_t *msg, size_t len,
		struct gg_dns_response *r)
{
	/* Offsets of the names in the chain: question first, then CNAME targets. */
	size_t chain[GG_DNS_MAX_CNAME_HOPS + 1];
	uint8_t cur[GG_DNS_NAME_WIRE_MAX];
	uint8_t seen[GG_DNS_NAME_WIRE_MAX];
	const uint8_t *name;    /* the chain's current name: r->name_wire or cur */
	size_t cur_len, seen_len, off, answers, unused;
	uint32_t ttl_cap = UINT32_MAX;
	enum gg_dns_status st;
	uint16_t ancount;
	struct walk w;
	unsigned int hops;

	r->id = 0;
	r->flags = 0;
	r->qtype = 0;
	r->qclass = 0;
	r->name_len = 0;
	r->rcode = 0;
	r->cname_hops = 0;
	r->naddrs = 0;
	r->addrs_skipped = 0;
	r->addrs_ignored = 0;
	r->name_wire_len = 0;
	r->name[0] = '\0';

	if (unlikely(len < GG_DNS_HDR_LEN))
		return GG_DNS_TRUNCATED;
	r->id = gg_get_be16(msg);
	r->flags = gg_get_be16(msg + 2);
	r->rcode = r->flags & GG_DNS_RCODE_MASK;
	if (unlikely(!(r->flags & GG_DNS_FLAG_QR)))
		return GG_DNS_NOT_RESPONSE;
	if (unlikely(r->flags & GG_DNS_OPCODE_MASK))
		return GG_DNS_BAD_OPCODE;
	if (unlikely(gg_get_be16(msg + 4) != 1))
		return GG_DNS_BAD_QDCOUNT;
	ancount = gg_get_be16(msg + 6);

	/* The question is the chain's first name: read into r, not copied. */
	st = dns_name_read(msg, len, GG_DNS_HDR_LEN, 0, r->name_wire, &cur_len,
			&off);
	if (unlikely(st != GG_DNS_OK))
		return st;
	st = dns_name_text(r->name_wire, cur_len, r->name, &r->name_len);
	if (unlikely(st != GG_DNS_OK))
		return st;
	/* At most 255 octets. */
	r->name_wire_len = (uint16_t)cur_len;
	name = r->name_wire;
	if (unlikely(len - off < DNS_Q_FIXED_LEN))
		return GG_DNS_TRUNCATED;
	r->qtype = gg_get_be16(msg + off);
	r->qclass = gg_get_be16(msg + off + 2);
	answers = off + DNS_Q_FIXED_LEN;
	chain[0] = GG_DNS_HDR_LEN;

	for (hops = 0;; hops++) {
		st = walk_answers(msg, len, answers, ancount, name, cur_len, r,
				&w);
		if (unlikely(st != GG_DNS_OK))
			return st;
		if (w.cname_target == 0)
			break;
		if (unlikely(hops == GG_DNS_MAX_CNAME_HOPS))
			return GG_DNS_CNAME_CHAIN_TOO_LONG;
		/* The walk checked this name already; reading it again cannot fail. */
		st = dns_name_read(msg, len, w.cname_target, 0, cur, &cur_len,
				&unused);
		if (unlikely(st != GG_DNS_OK))
			return st;
		name = cur;
		for (unsigned int k = 0; k <= hops; k++) {
			st = dns_name_read(msg, len, chain[k], 0, seen,
					&seen_len, &unused);
			if (unlikely(st != GG_DNS_OK))
				return st;
			if (unlikely(same_name(seen, seen_len, cur, cur_len)))
				return GG_DNS_CNAME_LOOP;
		}
		chain[hops + 1] = w.cname_target;
		if (w.cname_ttl < ttl_cap)
			ttl_cap = w.cname_ttl;
	}

	for (unsigned int i = 0; i < w.naddrs; i++)
		if (r->addrs[i].ttl > ttl_cap)
			r->addrs[i].ttl = ttl_cap;
	r->cname_hops = (uint8_t)hops;
	r->naddrs = w.naddrs;
	r->addrs_skipped = w.skipped;
	r->addrs_ignored = w.ignored;
	return GG_DNS_OK;
}
