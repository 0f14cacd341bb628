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

#define COOKIE_SLOT_BIT 31
#define COOKIE_MSS_SHIFT 28
#define COOKIE_MSS_MASK 0x7u
#define COOKIE_HASH_MASK 0x0fffffffu

#define DOMAIN_COOKIE 0x43
#define DOMAIN_TAG 0x54
#define HASHED_LEN 22

/*
 * Common MSS values: 536 (no option, RFC 9293), 1220/1300 (tunnels and
 * IPv6-sized paths), 1360-1400 (mobile operators clamping for GTP-U),
 * 1440/1460 (PPPoE and plain Ethernet).
 */
static const uint16_t mss_table[COOKIE_MSS_MASK + 1] = {
	536, 1220, 1300, 1360, 1380, 1400, 1440, 1460,
};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

/* One message block: SipHash-2-4's two compression rounds. */
#define SIPBLOCK(v0, v1, v2, v3, m) do { \
	v3 ^= (m); \
	SIPROUND(v0, v1, v2, v3); \
	SIPROUND(v0, v1, v2, v3); \
	v0 ^= (m); \
} while (0)

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
		SIPBLOCK(v0, v1, v2, v3, m);
	}

	last = (uint64_t)len << 56;
	for (i = 0; i < left; i++)
		last |= (uint64_t)data[i] << (8 * i);
	SIPBLOCK(v0, v1, v2, v3, last);

	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t
gg_siphash24(const uint8_t key[GG_HTTP_SECRET_LEN], const void *data,
		size_t len)
{
	return http_siphash(load_le64(key), load_le64(key + 8), data, len);
}

/* Octets as on the wire, read as the little-endian value SipHash sees. */
static inline uint64_t
wire32_le(uint32_t v)
{
	return rte_le_to_cpu_32(v);
}

void
http_conn_init(const struct gg_http_redirect *cfg, uint32_t saddr,
		uint32_t daddr, uint16_t sport, uint16_t dport,
		struct http_conn *c)
{
	uint64_t v0 = cfg->key[0] ^ 0x736f6d6570736575ULL;
	uint64_t v1 = cfg->key[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = cfg->key[0] ^ 0x6c7967656e657261ULL;
	uint64_t v3 = cfg->key[1] ^ 0x7465646279746573ULL;
	uint64_t m = wire32_le(saddr) | wire32_le(daddr) << 32;

	SIPBLOCK(v0, v1, v2, v3, m);
	c->v0 = v0;
	c->v1 = v1;
	c->v2 = v2;
	c->v3 = v3;
	c->ports = (uint32_t)rte_le_to_cpu_16(sport) |
			(uint32_t)rte_le_to_cpu_16(dport) << 16;
}

/* The rest of the 22 octets after the addresses, and the finish. */
static inline uint32_t
conn_hash(const struct http_conn *c, uint32_t seq, uint32_t extra,
		uint8_t mss_idx, uint8_t domain)
{
	uint64_t v0 = c->v0, v1 = c->v1, v2 = c->v2, v3 = c->v3;
	/* Big-endian numbers read little endian: byte-swapped, any CPU. */
	uint64_t m1 = c->ports | (uint64_t)rte_bswap32(seq) << 32;
	uint64_t m2 = rte_bswap32(extra) | (uint64_t)mss_idx << 32 |
			(uint64_t)domain << 40 | (uint64_t)HASHED_LEN << 56;

	SIPBLOCK(v0, v1, v2, v3, m1);
	SIPBLOCK(v0, v1, v2, v3, m2);
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return (uint32_t)(v0 ^ v1 ^ v2 ^ v3);
}

static inline uint32_t
mss_index(uint16_t mss)
{
	uint32_t i = COOKIE_MSS_MASK;

	while (i > 0 && mss_table[i] > mss)
		i--;
	return i;
}

uint32_t
http_cookie_make(const struct http_conn *c, uint32_t isn, uint16_t mss,
		uint64_t now_s)
{
	uint32_t slot = (uint32_t)(now_s >> GG_HTTP_COOKIE_SLOT_SHIFT);
	uint32_t idx = mss_index(mss);
	uint32_t h = conn_hash(c, isn, slot, (uint8_t)idx, DOMAIN_COOKIE);

	return (slot & 1u) << COOKIE_SLOT_BIT | idx << COOKIE_MSS_SHIFT |
			(h & COOKIE_HASH_MASK);
}

int
http_cookie_check(const struct http_conn *c, uint32_t isn, uint32_t cookie,
		uint64_t now_s, uint16_t *mss)
{
	uint32_t slot = (uint32_t)(now_s >> GG_HTTP_COOKIE_SLOT_SHIFT);
	uint32_t idx = (cookie >> COOKIE_MSS_SHIFT) & COOKIE_MSS_MASK;
	uint32_t h;

	/* Parity differs from now's: made in the previous slot, if at all. */
	slot -= (slot ^ (cookie >> COOKIE_SLOT_BIT)) & 1u;
	h = conn_hash(c, isn, slot, (uint8_t)idx, DOMAIN_COOKIE);
	if ((h & COOKIE_HASH_MASK) != (cookie & COOKIE_HASH_MASK))
		return -1;
	*mss = mss_table[idx];
	return 0;
}

uint32_t
http_close_tag(const struct http_conn *c, uint32_t client_next)
{
	/* No time in it: a late FIN still deserves its ACK. */
	return conn_hash(c, client_next, 0, 0, DOMAIN_TAG) & HTTP_TAG_MASK;
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
