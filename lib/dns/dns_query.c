/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Query parser: accepts exactly the shape a stub resolver sends (one
 * question, optionally one EDNS OPT) and names everything else, so the
 * worker can answer the first and count the rest.
 *
 * Status choices where the RFCs leave room:
 * - Header problems are reported in the order QR, OPCODE, QDCOUNT,
 *   ANCOUNT/NSCOUNT, ARCOUNT, before any name is read, so a flood of junk
 *   costs a few compares.
 * - The additional record's owner is read (any readable name) before its
 *   type: a TSIG or SIG(0) record is NOT_OPT, a type 41 record owned by
 *   another name is BAD_OPT.
 * - OPT data overrunning the message is TRUNCATED; options overrunning the
 *   OPT data are BAD_OPT. Options are otherwise ignored (cookies, padding,
 *   client subnet: nothing we answer depends on them).
 * - An OPT with a version other than 0 is accepted here; answering it with
 *   BADVERS is gg_dns_forge_answer()'s job.
 */

#include <string.h>

#include <rte_branch_prediction.h>

#include "gg_dns.h"
#include "dns_private.h"

/* Octets of an option header inside OPT data: code, length. */
#define OPT_OPTION_HDR_LEN 4

static enum gg_dns_status
parse_opt(const uint8_t *msg, size_t len, size_t *offp, struct gg_dns_query *q)
{
	uint8_t owner[GG_DNS_NAME_WIRE_MAX];
	size_t owner_len, off, rdlen, end;
	enum gg_dns_status st;
	uint32_t ttl;

	st = dns_name_read(msg, len, *offp, 1, owner, &owner_len, &off);
	if (unlikely(st != GG_DNS_OK))
		return st;
	if (unlikely(len - off < DNS_RR_FIXED_LEN))
		return GG_DNS_TRUNCATED;
	if (unlikely(dns_load16(msg + off) != GG_DNS_TYPE_OPT))
		return GG_DNS_NOT_OPT;
	if (unlikely(owner_len != 1))
		return GG_DNS_BAD_OPT;

	q->edns_udp_size = dns_load16(msg + off + 2);
	ttl = dns_load32(msg + off + 4);
	q->edns_version = (uint8_t)(ttl >> 16);
	q->edns_do = (ttl & GG_DNS_EDNS_FLAG_DO) != 0;
	rdlen = dns_load16(msg + off + 8);
	off += DNS_RR_FIXED_LEN;
	if (unlikely(rdlen > len - off))
		return GG_DNS_TRUNCATED;
	end = off + rdlen;

	while (off < end) {
		size_t opt_len;

		if (unlikely(end - off < OPT_OPTION_HDR_LEN))
			return GG_DNS_BAD_OPT;
		opt_len = dns_load16(msg + off + 2);
		off += OPT_OPTION_HDR_LEN;
		if (unlikely(opt_len > end - off))
			return GG_DNS_BAD_OPT;
		off += opt_len;
	}

	q->has_edns = 1;
	*offp = end;
	return GG_DNS_OK;
}

enum gg_dns_status
gg_dns_parse_query(const uint8_t *msg, size_t len, struct gg_dns_query *q)
{
	uint8_t wire[GG_DNS_NAME_WIRE_MAX];
	size_t wire_len, off;
	enum gg_dns_status st;
	uint16_t arcount;

	q->id = 0;
	q->flags = 0;
	q->qtype = 0;
	q->qclass = 0;
	q->question_end = 0;
	q->name_len = 0;
	q->edns_udp_size = 0;
	q->has_edns = 0;
	q->edns_version = 0;
	q->edns_do = 0;
	q->name[0] = '\0';

	if (unlikely(len < GG_DNS_HDR_LEN))
		return GG_DNS_TRUNCATED;
	q->id = dns_load16(msg);
	q->flags = dns_load16(msg + 2);
	if (unlikely(q->flags & GG_DNS_FLAG_QR))
		return GG_DNS_NOT_QUERY;
	if (unlikely(q->flags & GG_DNS_OPCODE_MASK))
		return GG_DNS_BAD_OPCODE;
	if (unlikely(dns_load16(msg + 4) != 1))
		return GG_DNS_BAD_QDCOUNT;
	if (unlikely(dns_load16(msg + 6) != 0 || dns_load16(msg + 8) != 0))
		return GG_DNS_UNEXPECTED_RECORDS;
	arcount = dns_load16(msg + 10);
	if (unlikely(arcount > 1))
		return GG_DNS_BAD_ARCOUNT;

	st = dns_name_read(msg, len, GG_DNS_HDR_LEN, 1, wire, &wire_len, &off);
	if (unlikely(st != GG_DNS_OK))
		return st;
	st = dns_name_text(wire, wire_len, q->name, &q->name_len);
	if (unlikely(st != GG_DNS_OK))
		return st;
	if (unlikely(len - off < DNS_Q_FIXED_LEN))
		return GG_DNS_TRUNCATED;
	q->qtype = dns_load16(msg + off);
	q->qclass = dns_load16(msg + off + 2);
	off += DNS_Q_FIXED_LEN;
	/* Uncompressed at 12 and at most 255 octets: fits 16 bits. */
	q->question_end = (uint16_t)off;

	if (arcount == 1) {
		st = parse_opt(msg, len, &off, q);
		if (unlikely(st != GG_DNS_OK))
			return st;
	}
	if (unlikely(off != len))
		return GG_DNS_TRAILING_DATA;
	return GG_DNS_OK;
}
