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
 *
 * The question name is checked where it lies (question_scan()): no copy,
 * no case folding, no text. A compression pointer in it sends the parse
 * down the general name reader, which gives the same statuses in the
 * same order as for every other name; a question holding a pointer never
 * comes out GG_DNS_OK (see gg_dns.h), so the fast scan decides every
 * question a client really sends.
 */

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "gg_dns.h"
#include "dns_private.h"

/* Octets of an option header inside OPT data: code, length. */
#define OPT_OPTION_HDR_LEN 4

/* QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 1 as one big-endian word. */
#define HDR_COUNTS_QUERY UINT64_C(0x0001000000000001)

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
	if (unlikely(gg_get_be16(msg + off) != GG_DNS_TYPE_OPT))
		return GG_DNS_NOT_OPT;
	if (unlikely(owner_len != 1))
		return GG_DNS_BAD_OPT;

	q->edns_udp_size = gg_get_be16(msg + off + 2);
	ttl = gg_get_be32(msg + off + 4);
	q->edns_version = (uint8_t)(ttl >> 16);
	q->edns_do = (ttl & GG_DNS_EDNS_FLAG_DO) != 0;
	rdlen = gg_get_be16(msg + off + 8);
	off += DNS_RR_FIXED_LEN;
	if (unlikely(rdlen > len - off))
		return GG_DNS_TRUNCATED;
	end = off + rdlen;

	while (off < end) {
		size_t opt_len;

		if (unlikely(end - off < OPT_OPTION_HDR_LEN))
			return GG_DNS_BAD_OPT;
		opt_len = gg_get_be16(msg + off + 2);
		off += OPT_OPTION_HDR_LEN;
		if (unlikely(opt_len > end - off))
			return GG_DNS_BAD_OPT;
		off += opt_len;
	}

	q->has_edns = 1;
	*offp = end;
	return GG_DNS_OK;
}

/*
 * A question name with a compression pointer: what dns_name_read() and
 * dns_name_text() say about it, the statuses every name gets. It cannot
 * be accepted: the pointer leads back into the question's own labels, so
 * the name loops, outgrows 255 octets, or ends on a zero octet it also
 * holds as a label character. Should the reader ever return OK, the
 * question is refused all the same: what follows assumes it uncompressed.
 */
static enum gg_dns_status __rte_noinline
question_compressed(const uint8_t *msg, size_t len)
{
	uint8_t wire[GG_DNS_NAME_WIRE_MAX];
	char text[GG_DNS_NAME_TEXT_MAX + 1];
	size_t wire_len, off;
	enum gg_dns_status st;
	uint16_t text_len;

	st = dns_name_read(msg, len, GG_DNS_HDR_LEN, 1, wire, &wire_len, &off);
	if (st == GG_DNS_OK)
		st = dns_name_text(wire, wire_len, text, &text_len);
	return st != GG_DNS_OK ? st : GG_DNS_POINTER_FORWARD;
}

/*
 * The question name at offset 12, checked in place with dns_name_read()'s
 * checks in its order, then dns_name_text()'s: the characters are
 * collected label by label and judged once the name has been read, so a
 * name with a bad octet that also runs past the message is TRUNCATED, as
 * before. *wire_len: octets of the name, root octet included.
 */
static inline enum gg_dns_status
question_scan(const uint8_t *msg, size_t len, size_t *wire_len,
		uint8_t *label_off, uint8_t *n_labels)
{
	/*
	 * The next length octet must lie before lim: inside the message and
	 * with room for the root octet within 255 octets. One compare per
	 * label stands for the reader's two (name too long, then truncated)
	 * and its "past the end" at the next length octet.
	 */
	const size_t too_long = GG_DNS_HDR_LEN + GG_DNS_NAME_WIRE_MAX;
	size_t lim = RTE_MIN(len, too_long);
	size_t pos = GG_DNS_HDR_LEN;
	unsigned int n = 0;
	uint64_t bad = 0;

	if (unlikely(pos >= len))
		return GG_DNS_TRUNCATED;
	for (;;) {
		unsigned int c = msg[pos];
		size_t next;

		/* 0 (the root) or a length octet with a type: both rare here. */
		if (unlikely(c - 1u >= GG_DNS_LABEL_MAX)) {
			if (c == 0)
				break;
			if ((c & DNS_LABEL_TYPE_MASK) == DNS_LABEL_POINTER)
				return question_compressed(msg, len);
			return GG_DNS_BAD_LABEL_TYPE;
		}
		next = pos + 1 + c;
		if (unlikely(next >= lim))
			return next >= too_long ? GG_DNS_NAME_TOO_LONG :
					GG_DNS_TRUNCATED;
		/* The label starts at 13 or later: its 8 octets before are in msg. */
		bad |= dns_label_bad(msg + pos + 1, c);
		/* At most 127 labels end before next < 12 + 255. */
		label_off[n++] = (uint8_t)(pos - GG_DNS_HDR_LEN);
		pos = next;
	}
	if (unlikely(bad != 0))
		return GG_DNS_BAD_NAME_CHAR;
	*wire_len = pos + 1 - GG_DNS_HDR_LEN;
	*n_labels = (uint8_t)n;
	return GG_DNS_OK;
}

enum gg_dns_status
gg_dns_parse_query(const uint8_t *msg, size_t len, struct gg_dns_query *q)
{
	size_t wire_len = 0, off;
	enum gg_dns_status st;
	uint16_t arcount;

	q->id = 0;
	q->flags = 0;
	q->qtype = 0;
	q->qclass = 0;
	q->question_end = 0;
	q->name_wire_len = 0;
	q->name_len = 0;
	q->edns_udp_size = 0;
	q->has_edns = 0;
	q->edns_version = 0;
	q->edns_do = 0;
	q->n_labels = 0;

	if (unlikely(len < GG_DNS_HDR_LEN))
		return GG_DNS_TRUNCATED;
	q->id = gg_get_be16(msg);
	q->flags = gg_get_be16(msg + 2);
	arcount = gg_get_be16(msg + 10);
	/* What every stub sends, in two compares; anything else is named below. */
	if (unlikely((q->flags & (GG_DNS_FLAG_QR | GG_DNS_OPCODE_MASK)) ||
			(gg_get_be64(msg + 4) | 1) != HDR_COUNTS_QUERY)) {
		if (q->flags & GG_DNS_FLAG_QR)
			return GG_DNS_NOT_QUERY;
		if (q->flags & GG_DNS_OPCODE_MASK)
			return GG_DNS_BAD_OPCODE;
		if (gg_get_be16(msg + 4) != 1)
			return GG_DNS_BAD_QDCOUNT;
		if (gg_get_be16(msg + 6) != 0 || gg_get_be16(msg + 8) != 0)
			return GG_DNS_UNEXPECTED_RECORDS;
		return GG_DNS_BAD_ARCOUNT;
	}

	st = question_scan(msg, len, &wire_len, q->label_off, &q->n_labels);
	if (unlikely(st != GG_DNS_OK))
		return st;
	/* At most 255: fits 16 bits; the text drops the root and a dot. */
	q->name_wire_len = (uint16_t)wire_len;
	q->name_len = (uint16_t)(wire_len > 1 ? wire_len - 2 : 0);
	off = GG_DNS_HDR_LEN + wire_len;
	if (unlikely(len - off < DNS_Q_FIXED_LEN))
		return GG_DNS_TRUNCATED;
	q->qtype = gg_get_be16(msg + off);
	q->qclass = gg_get_be16(msg + off + 2);
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
