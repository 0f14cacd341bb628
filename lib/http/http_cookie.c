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

/* Domain separation: cookie and tag hashes never collide by construction. */
#define DOMAIN_COOKIE 0x43
#define DOMAIN_TAG 0x54

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
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}

	last = (uint64_t)len << 56;
	for (i = 0; i < left; i++)
		last |= (uint64_t)data[i] << (8 * i);
	v3 ^= last;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= last;

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

/*
 * 24 octets, fixed byte order so that appliances sharing a secret agree
 * whatever their CPU: addresses and ports as on the wire, the rest big
 * endian, then the value that says what is hashed.
 */
static inline uint32_t
tuple_hash(const struct gg_http_redirect *cfg, uint32_t saddr, uint32_t daddr,
		uint16_t sport, uint16_t dport, uint32_t seq, uint32_t extra,
		uint8_t mss_idx, uint8_t domain)
{
	uint8_t m[24];

	memcpy(m, &saddr, 4);
	memcpy(m + 4, &daddr, 4);
	memcpy(m + 8, &sport, 2);
	memcpy(m + 10, &dport, 2);
	http_store_be32(m + 12, seq);
	http_store_be32(m + 16, extra);
	m[20] = mss_idx;
	m[21] = domain;
	m[22] = 0;
	m[23] = 0;
	return (uint32_t)http_siphash(cfg->key[0], cfg->key[1], m, sizeof(m));
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
gg_syncookie_make(const struct gg_http_redirect *cfg, uint32_t saddr,
		uint32_t daddr, uint16_t sport, uint16_t dport, uint32_t isn,
		uint16_t mss, uint64_t now_s)
{
	uint32_t slot = (uint32_t)(now_s >> GG_HTTP_COOKIE_SLOT_SHIFT);
	uint32_t idx = mss_index(mss);
	uint32_t h = tuple_hash(cfg, saddr, daddr, sport, dport, isn, slot,
			(uint8_t)idx, DOMAIN_COOKIE);

	return (slot & 1u) << COOKIE_SLOT_BIT | idx << COOKIE_MSS_SHIFT |
			(h & COOKIE_HASH_MASK);
}

int
gg_syncookie_check(const struct gg_http_redirect *cfg, uint32_t saddr,
		uint32_t daddr, uint16_t sport, uint16_t dport, uint32_t isn,
		uint32_t cookie, uint64_t now_s, uint16_t *mss)
{
	uint32_t slot = (uint32_t)(now_s >> GG_HTTP_COOKIE_SLOT_SHIFT);
	uint32_t idx = (cookie >> COOKIE_MSS_SHIFT) & COOKIE_MSS_MASK;
	uint32_t h;

	/* Parity differs from now's: made in the previous slot, if at all. */
	slot -= (slot ^ (cookie >> COOKIE_SLOT_BIT)) & 1u;
	h = tuple_hash(cfg, saddr, daddr, sport, dport, isn, slot,
			(uint8_t)idx, DOMAIN_COOKIE);
	if ((h & COOKIE_HASH_MASK) != (cookie & COOKIE_HASH_MASK))
		return -1;
	*mss = mss_table[idx];
	return 0;
}

uint32_t
http_close_tag(const struct gg_http_redirect *cfg, uint32_t saddr,
		uint32_t daddr, uint16_t sport, uint16_t dport,
		uint32_t client_next)
{
	/* No time in it: a late FIN still deserves its ACK. */
	return tuple_hash(cfg, saddr, daddr, sport, dport, client_next, 0, 0,
			DOMAIN_TAG) & HTTP_TAG_MASK;
}
