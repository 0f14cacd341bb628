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
