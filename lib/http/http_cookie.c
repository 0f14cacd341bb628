/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987 3.6) and the close tag, both keyed SipHash-2-4.
 *
 * The cookie keeps 28 bits of hash: a blind guess passes with probability
 * 2^-28 per try. Little rides on it here: the device's source address is
 * already checked against its session upstream, and a forged cookie only
 * buys the 302 an honest handshake gets anyway. Unlike the classic layout
 * (time in the top 5 bits so ISNs grow slowly) only the slot's parity is
 * kept: we never reuse a 4-tuple's old state, so ISN monotonicity buys us
 * nothing, and the parity picks the one candidate slot, so a check costs
 * exactly one hash.
 *
 * What is hashed: 22 octets, in a fixed byte order so that appliances
 * sharing a secret agree whatever their CPU (test_http pins it with a
 * known answer, and test/perf/perf_inputs.py computes the same in Python):
 *
 *   0  source address    as on the wire
 *   4  destination address
 *   8  source port, destination port, as on the wire
 *  12  sequence number: the client's ISN (cookie) or next (tag), big endian
 *  16  time slot (cookie) or 0 (tag), big endian
 *  20  MSS index (cookie) or 0 (tag)
 *  21  domain: 'C' cookie, 'T' tag, so the two never collide
 *
 * 22 octets rather than 24 (two octets of padding, as before): SipHash
 * compresses 8 octets at a time and appends the length, so 16 to 23 octets
 * take three compressions and 24 take four; ten SipRounds instead of
 * twelve, the algorithm and its rounds (2 per block, 4 to finish)
 * unchanged. The first block (the addresses) is shared by the cookie and
 * the tag of a connection: see struct http_conn.
 */

#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "gg_http.h"
#include "http_private.h"

static inline uint64_t
load_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return rte_le_to_cpu_64(v);
}

uint64_t
http_siphash(uint64_t k0, uint64_t k1, const uint8_t *data, size_t len)
{
	/* The initial state spells "somepseudorandomlygeneratedbytes". */
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t m, last;
	size_t left = len & 7;
	const uint8_t *end = data + (len - left);
	unsigned int i;

	for (; data != end; data += 8) {
		m = load_le64(data);
		HTTP_SIPBLOCK(v0, v1, v2, v3, m);
	}

	last = (uint64_t)len << 56;
	for (i = 0; i < left; i++)
		last |= (uint64_t)data[i] << (8 * i);
	HTTP_SIPBLOCK(v0, v1, v2, v3, last);
	return http_sip_finish(v0, v1, v2, v3);
}

uint64_t
gg_siphash24(const uint8_t key[GG_HTTP_SECRET_LEN], const void *data,
		size_t len)
{
	return http_siphash(load_le64(key), load_le64(key + 8), data, len);
}

uint32_t
gg_syncookie_make(const struct gg_http_redirect *cfg, uint32_t saddr,
		uint32_t daddr, uint16_t sport, uint16_t dport, uint32_t isn,
		uint16_t mss, uint64_t now_s)
{
	struct http_conn c;

	http_conn_init(cfg, saddr, daddr, sport, dport, &c);
	return http_cookie_make(&c, isn, mss, now_s);
}

int
gg_syncookie_check(const struct gg_http_redirect *cfg, uint32_t saddr,
		uint32_t daddr, uint16_t sport, uint16_t dport, uint32_t isn,
		uint32_t cookie, uint64_t now_s, uint16_t *mss)
{
	struct http_conn c;

	http_conn_init(cfg, saddr, daddr, sport, dport, &c);
	return http_cookie_check(&c, isn, cookie, now_s, mss);
}
