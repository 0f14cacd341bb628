/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * SipHash-2-4 (Aumasson and Bernstein), the keyed PRF for short inputs
 * that the rate limiter's table (lib/auth) and the SYN cookies (lib/http)
 * hash with. gg_siphash24() and gg_siphash24_words() hash a byte string; the round, block and
 * finish pieces are here too, for callers that build their fixed-layout
 * input block by block and keep everything in registers (the cookies).
 * Pure functions, any thread.
 */
#ifndef GG_SIPHASH_H
#define GG_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/** 64-bit rotation left by @p b (0 < b < 64). */
#define GG_SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/** One SipRound on the state v0..v3 (lvalues). */
#define GG_SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = GG_SIP_ROTL(v1, 13); v1 ^= v0; v0 = GG_SIP_ROTL(v0, 32); \
	v2 += v3; v3 = GG_SIP_ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = GG_SIP_ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = GG_SIP_ROTL(v1, 17); v1 ^= v2; v2 = GG_SIP_ROTL(v2, 32); \
} while (0)

/** One 8-octet message block (little-endian value @p m): two rounds. */
#define GG_SIPBLOCK(v0, v1, v2, v3, m) do { \
	v3 ^= (m); \
	GG_SIPROUND(v0, v1, v2, v3); \
	GG_SIPROUND(v0, v1, v2, v3); \
	v0 ^= (m); \
} while (0)

/** The initial state for key (k0, k1); it spells "somepseudorandomlygeneratedbytes". */
#define GG_SIP_V0(k0) ((k0) ^ 0x736f6d6570736575ULL)
#define GG_SIP_V1(k1) ((k1) ^ 0x646f72616e646f6dULL)
#define GG_SIP_V2(k0) ((k0) ^ 0x6c7967656e657261ULL)
#define GG_SIP_V3(k1) ((k1) ^ 0x7465646279746573ULL)

/** The finish after the last block (the one carrying the length): four rounds. */
static inline uint64_t
gg_siphash_finish(uint64_t v0, uint64_t v1, uint64_t v2, uint64_t v3)
{
	v2 ^= 0xff;
	GG_SIPROUND(v0, v1, v2, v3);
	GG_SIPROUND(v0, v1, v2, v3);
	GG_SIPROUND(v0, v1, v2, v3);
	GG_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/**
 * SipHash-2-4 of @p len octets at @p data under the key (k0, k1), the
 * 16-octet key read as two little-endian words. About 2 rounds per 8
 * octets plus 6: a 24-octet input costs 12 rounds.
 */
uint64_t gg_siphash24_words(uint64_t k0, uint64_t k1, const void *data,
		size_t len);

/** The same under a 16-octet key given as octets (k0 its first 8, LE). */
uint64_t gg_siphash24(const uint8_t key[16], const void *data, size_t len);

#endif /* GG_SIPHASH_H */
