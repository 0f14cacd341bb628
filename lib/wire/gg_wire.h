/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Numbers in packets and messages: big-endian (network order) and
 * little-endian loads and stores at any alignment, for the parsers and
 * builders of lib/gtpu, lib/dns, lib/http, lib/garden and lib/siphash.
 *
 * memcpy() of a constant size compiles to one unaligned load or store;
 * the byte swap is the compiler's builtin (one bswap/movbe), which GCC
 * folds into the surrounding code better than an inline-asm swap.
 * No dependency; header only.
 */
#ifndef GG_WIRE_H
#define GG_WIRE_H

#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define GG_WIRE_BE16(v) (v)
#define GG_WIRE_BE32(v) (v)
#define GG_WIRE_BE64(v) (v)
#define GG_WIRE_LE64(v) __builtin_bswap64(v)
#else
#define GG_WIRE_BE16(v) __builtin_bswap16(v)
#define GG_WIRE_BE32(v) __builtin_bswap32(v)
#define GG_WIRE_BE64(v) __builtin_bswap64(v)
#define GG_WIRE_LE64(v) (v)
#endif

/** The big-endian 16-bit number at @p p. */
static inline uint16_t
gg_get_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return GG_WIRE_BE16(v);
}

/** The big-endian 32-bit number at @p p. */
static inline uint32_t
gg_get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return GG_WIRE_BE32(v);
}

/** The big-endian 64-bit number at @p p. */
static inline uint64_t
gg_get_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return GG_WIRE_BE64(v);
}

/** The little-endian 64-bit number at @p p: octet i in bits 8i..8i+7. */
static inline uint64_t
gg_get_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return GG_WIRE_LE64(v);
}

/** Store @p v big-endian at @p p. */
static inline void
gg_put_be16(uint8_t *p, uint16_t v)
{
	v = GG_WIRE_BE16(v);
	memcpy(p, &v, sizeof(v));
}

/** Store @p v big-endian at @p p. */
static inline void
gg_put_be32(uint8_t *p, uint32_t v)
{
	v = GG_WIRE_BE32(v);
	memcpy(p, &v, sizeof(v));
}

#endif /* GG_WIRE_H */
