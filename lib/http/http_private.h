/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/http internals shared by its files: big-endian loads and stores on
 * unaligned packet octets, the 302's fixed text, the URL encoder, and the
 * SipHash-2-4 of cookies and close tags (inline, from a per-connection
 * state both start from).
 */
#ifndef HTTP_PRIVATE_H
#define HTTP_PRIVATE_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "gg_http.h"
#include "gg_wire.h"
#include "gg_siphash.h"

/* Low bits of the client's closing ACK that carry the close tag. */
#define HTTP_TAG_MASK 0xfu

/* The 302 around its Location value and padding; 97 octets in all. */
#define HTTP_REPLY_HEAD "HTTP/1.1 302 Found\r\nLocation: "
#define HTTP_REPLY_MID "\r\nCache-Control: no-store"
#define HTTP_REPLY_TAIL "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
#define HTTP_REPLY_TAIL_LEN (sizeof(HTTP_REPLY_TAIL) - 1)

_Static_assert(sizeof(HTTP_REPLY_HEAD) - 1 == GG_HTTP_REPLY_HEAD_LEN,
		"GG_HTTP_REPLY_HEAD_LEN out of step with the reply text");
_Static_assert(sizeof(HTTP_REPLY_MID) - 1 == GG_HTTP_REPLY_MID_LEN,
		"GG_HTTP_REPLY_MID_LEN out of step with the reply text");
_Static_assert(GG_HTTP_REPLY_HEAD_LEN + GG_HTTP_REPLY_MID_LEN +
		HTTP_REPLY_TAIL_LEN == GG_HTTP_REPLY_FIXED_LEN,
		"GG_HTTP_REPLY_FIXED_LEN out of step with the reply text");

/*
 * The original URL, percent-encoded, into out: "http://" host target, or
 * target alone when host_len is 0 (absolute form). host_plain: the host
 * is known to hold only unreserved octets (copied, not looked up). Returns
 * its length, 0 when it does not fit room or there is nothing to encode.
 * Octets of out up to room may be overwritten past the returned length.
 */
size_t http_url_encode(const uint8_t *host, size_t host_len, int host_plain,
		const uint8_t *target, size_t target_len, char *out,
		size_t room);

/*
 * memcpy() of a few dozen octets without the call: sixteen at a time, the
 * last (or only) sixteen ending at n, overlapping; under sixteen by the
 * widest moves that fit, overlapping likewise. Reads and writes nothing
 * outside [0, n). The C library's call and size dispatch cost more than
 * the copy at these sizes (the 302's fixed text, its Host).
 */
static __rte_always_inline void
http_copy_short(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	uint64_t a, b;
	uint32_t x, y;
	size_t i;

	if (n >= 16) {
		for (i = 0; i + 16 < n; i += 16) {
			memcpy(&a, s + i, 8);
			memcpy(&b, s + i + 8, 8);
			memcpy(d + i, &a, 8);
			memcpy(d + i + 8, &b, 8);
		}
		memcpy(&a, s + n - 16, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d + n - 16, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		memcpy(d, &x, 4);
		memcpy(d + n - 4, &y, 4);
	} else {
		for (i = 0; i < n; i++)
			d[i] = s[i];
	}
}

/*
 * Byte order with the compiler's builtins: DPDK 22.11's x86 rte_bswap16/32
 * are asm statements the compiler can neither fold nor schedule.
 */
static inline uint16_t
http_be16(uint16_t v)
{
	return RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN ? __builtin_bswap16(v) : v;
}

static inline uint32_t
http_be32(uint32_t v)
{
	return RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN ? __builtin_bswap32(v) : v;
}





/* SipHash-2-4 with the key already split into its two LE words. */

/*
 * The hash input of a cookie or a close tag is 22 octets (see
 * http_cookie.c): SipHash's first block is the two addresses, the same for
 * every hash of a connection. A struct http_conn holds the state after it,
 * so that a segment needing two hashes (a request: its cookie and the
 * close tag of the 302) compresses the addresses once. Inline: a SYN-ACK
 * or a 302 is ten or eighteen SipRounds with nothing around them.
 */
struct http_conn {
	uint64_t v0, v1, v2, v3; /* SipHash state after the addresses */
	uint32_t ports;          /* sport, dport as on the wire: LE word */
};

#define HTTP_COOKIE_SLOT_BIT 31
#define HTTP_COOKIE_MSS_SHIFT 28
#define HTTP_COOKIE_MSS_MASK 0x7u
#define HTTP_COOKIE_HASH_MASK 0x0fffffffu

#define HTTP_DOMAIN_COOKIE 0x43
#define HTTP_DOMAIN_TAG 0x54
#define HTTP_HASHED_LEN 22

/*
 * Common MSS values: 536 (no option, RFC 9293), 1220/1300 (tunnels and
 * IPv6-sized paths), 1360-1400 (mobile operators clamping for GTP-U),
 * 1440/1460 (PPPoE and plain Ethernet).
 */
static const uint16_t http_mss_table[HTTP_COOKIE_MSS_MASK + 1] = {
	536, 1220, 1300, 1360, 1380, 1400, 1440, 1460,
};

/* Octets as on the wire, read as the little-endian value SipHash sees. */
static inline uint64_t
http_wire32_le(uint32_t v)
{
	return rte_le_to_cpu_32(v);
}

static inline void
http_conn_init(const struct gg_http_redirect *cfg, uint32_t saddr,
		uint32_t daddr, uint16_t sport, uint16_t dport,
		struct http_conn *c)
{
	uint64_t v0 = GG_SIP_V0(cfg->key[0]), v1 = GG_SIP_V1(cfg->key[1]);
	uint64_t v2 = GG_SIP_V2(cfg->key[0]), v3 = GG_SIP_V3(cfg->key[1]);
	uint64_t m = http_wire32_le(saddr) | http_wire32_le(daddr) << 32;

	GG_SIPBLOCK(v0, v1, v2, v3, m);
	c->v0 = v0;
	c->v1 = v1;
	c->v2 = v2;
	c->v3 = v3;
	c->ports = (uint32_t)rte_le_to_cpu_16(sport) |
			(uint32_t)rte_le_to_cpu_16(dport) << 16;
}

/* The rest of the 22 octets after the addresses, and the finish. */
static inline uint32_t
http_conn_hash(const struct http_conn *c, uint32_t seq, uint32_t extra,
		uint8_t mss_idx, uint8_t domain)
{
	uint64_t v0 = c->v0, v1 = c->v1, v2 = c->v2, v3 = c->v3;
	/* Big-endian numbers read little endian: byte-swapped, any CPU. */
	uint64_t m1 = c->ports | (uint64_t)__builtin_bswap32(seq) << 32;
	uint64_t m2 = __builtin_bswap32(extra) | (uint64_t)mss_idx << 32 |
			(uint64_t)domain << 40 | (uint64_t)HTTP_HASHED_LEN << 56;

	GG_SIPBLOCK(v0, v1, v2, v3, m1);
	GG_SIPBLOCK(v0, v1, v2, v3, m2);
	return (uint32_t)gg_siphash_finish(v0, v1, v2, v3);
}

/* The largest table entry not above mss (0 below them all): three
 * halvings of the sorted table. */
static inline uint32_t
http_mss_index(uint16_t mss)
{
	uint32_t i = mss >= http_mss_table[4] ? 4 : 0;

	i += mss >= http_mss_table[i + 2] ? 2 : 0;
	i += mss >= http_mss_table[i + 1] ? 1 : 0;
	return i;
}

static inline uint32_t
http_cookie_make(const struct http_conn *c, uint32_t isn, uint16_t mss,
		uint64_t now_s)
{
	uint32_t slot = (uint32_t)(now_s >> GG_HTTP_COOKIE_SLOT_SHIFT);
	uint32_t idx = http_mss_index(mss);
	uint32_t h = http_conn_hash(c, isn, slot, (uint8_t)idx, HTTP_DOMAIN_COOKIE);

	return (slot & 1u) << HTTP_COOKIE_SLOT_BIT | idx << HTTP_COOKIE_MSS_SHIFT |
			(h & HTTP_COOKIE_HASH_MASK);
}

static inline int
http_cookie_check(const struct http_conn *c, uint32_t isn, uint32_t cookie,
		uint64_t now_s, uint16_t *mss)
{
	uint32_t slot = (uint32_t)(now_s >> GG_HTTP_COOKIE_SLOT_SHIFT);
	uint32_t idx = (cookie >> HTTP_COOKIE_MSS_SHIFT) & HTTP_COOKIE_MSS_MASK;
	uint32_t h;

	/* Parity differs from now's: made in the previous slot, if at all. */
	slot -= (slot ^ (cookie >> HTTP_COOKIE_SLOT_BIT)) & 1u;
	h = http_conn_hash(c, isn, slot, (uint8_t)idx, HTTP_DOMAIN_COOKIE);
	if ((h & HTTP_COOKIE_HASH_MASK) != (cookie & HTTP_COOKIE_HASH_MASK))
		return -1;
	*mss = http_mss_table[idx];
	return 0;
}

static inline uint32_t
http_close_tag(const struct http_conn *c, uint32_t client_next)
{
	/* No time in it: a late FIN still deserves its ACK. */
	return http_conn_hash(c, client_next, 0, 0, HTTP_DOMAIN_TAG) & HTTP_TAG_MASK;
}

#endif /* HTTP_PRIVATE_H */
