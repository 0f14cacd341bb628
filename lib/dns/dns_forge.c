/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forged answers: rewrite a parsed query into the walled garden's response
 * in place, so the worker only has to turn the packet around (swap
 * addresses and ports, fix lengths and checksums).
 *
 * Relies on what gg_dns_parse_query() guarantees for a query it accepted:
 * the question is uncompressed at offset 12 and ends at question_end, so
 * it can stay where it is and 0xc00c names it.
 */

#include <string.h>

#include "gg_dns.h"
#include "dns_private.h"

/* Owner pointer to offset 12 (the question name), type, class, TTL, RDLENGTH. */
#define ANSWER_FIXED_LEN (2 + DNS_RR_FIXED_LEN)
#define ANSWER_A_LEN (ANSWER_FIXED_LEN + 4)
#define ANSWER_AAAA_LEN (ANSWER_FIXED_LEN + 16)
/* Root owner, type, class (UDP size), TTL (extended RCODE, version, flags), RDLENGTH 0. */
#define OPT_LEN (1 + DNS_RR_FIXED_LEN)
#define QUESTION_NAME_PTR (0xc000 | GG_DNS_HDR_LEN)
/* Shortest question: root name, QTYPE, QCLASS. */
#define QUESTION_MIN_LEN (1 + DNS_Q_FIXED_LEN)

static uint8_t *
write_rr_head(uint8_t *p, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
	gg_put_be16(p, QUESTION_NAME_PTR);
	gg_put_be16(p + 2, type);
	gg_put_be16(p + 4, GG_DNS_CLASS_IN);
	gg_put_be32(p + 6, ttl);
	gg_put_be16(p + 10, rdlen);
	return p + ANSWER_FIXED_LEN;
}

size_t
gg_dns_forge_answer(uint8_t *msg, size_t len, size_t room,
		const struct gg_dns_query *q, const struct gg_dns_forge *f)
{
	size_t off = q->question_end;
	size_t answer_len = 0;
	size_t opt_len = q->has_edns ? OPT_LEN : 0;
	uint16_t answer_type = 0;
	uint8_t rcode = GG_DNS_RCODE_NOERROR;
	uint8_t ext_rcode = 0;
	uint16_t udp_size, flags;
	uint8_t *p;

	if (off < GG_DNS_HDR_LEN + QUESTION_MIN_LEN || off > len)
		return 0;

	if (q->has_edns && q->edns_version != 0) {
		/* 12-bit RCODE: the high 8 bits go in the OPT, the low 4 (0) in the header. */
		ext_rcode = GG_DNS_RCODE_BADVERS >> 4;
	} else if (q->qclass != GG_DNS_CLASS_IN) {
		rcode = f->other_rcode & GG_DNS_RCODE_MASK;
	} else if (q->qtype == GG_DNS_TYPE_A) {
		answer_type = GG_DNS_TYPE_A;
		answer_len = ANSWER_A_LEN;
	} else if (q->qtype == GG_DNS_TYPE_AAAA) {
		if (f->has_ipv6) {
			answer_type = GG_DNS_TYPE_AAAA;
			answer_len = ANSWER_AAAA_LEN;
		}
	} else if (q->qtype != GG_DNS_TYPE_HTTPS &&
			q->qtype != GG_DNS_TYPE_SVCB) {
		rcode = f->other_rcode & GG_DNS_RCODE_MASK;
	}

	if (off + answer_len + opt_len > room)
		return 0;

	/* RD and CD are the client's to set and ours to echo (RFC 1035, RFC 4035 3.1.6). */
	flags = GG_DNS_FLAG_QR | GG_DNS_FLAG_RA | rcode |
			(q->flags & (GG_DNS_FLAG_RD | GG_DNS_FLAG_CD));
	gg_put_be16(msg + 2, flags);
	gg_put_be16(msg + 4, 1);
	gg_put_be16(msg + 6, answer_len != 0);
	gg_put_be16(msg + 8, 0);
	gg_put_be16(msg + 10, opt_len != 0);

	p = msg + off;
	if (answer_type == GG_DNS_TYPE_A) {
		p = write_rr_head(p, GG_DNS_TYPE_A, f->ttl, 4);
		memcpy(p, &f->portal_ipv4, 4);
		p += 4;
	} else if (answer_type == GG_DNS_TYPE_AAAA) {
		p = write_rr_head(p, GG_DNS_TYPE_AAAA, f->ttl, 16);
		memcpy(p, f->portal_ipv6, 16);
		p += 16;
	}

	if (opt_len != 0) {
		udp_size = f->edns_udp_size;
		if (udp_size < GG_DNS_EDNS_MIN_UDP_SIZE)
			udp_size = GG_DNS_EDNS_MIN_UDP_SIZE;
		p[0] = 0;
		gg_put_be16(p + 1, GG_DNS_TYPE_OPT);
		gg_put_be16(p + 3, udp_size);
		/* Extended RCODE, version 0, then DO copied (RFC 3225 3) and Z clear. */
		gg_put_be32(p + 5, ((uint32_t)ext_rcode << 24) |
				(q->edns_do ? GG_DNS_EDNS_FLAG_DO : 0));
		gg_put_be16(p + 9, 0);
		p += OPT_LEN;
	}

	return (size_t)(p - msg);
}
