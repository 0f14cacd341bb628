/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksum (RFC 1071) with 64-bit additions: drop-in for DPDK
 * 22.11's __rte_raw_cksum(), which adds 16 bits at a time. Same partial
 * sums (a one's complement sum of 32-bit words folds to the sum of its
 * 16-bit words), so results mix freely with DPDK's helpers.
 *
 * Cost: the main loop adds 32 octets per turn as four 64-bit words whose
 * carries are counted on the side (add, adc: about 12 instructions per 32
 * octets on x86-64, a third of a 16-bit loop's); a constant length below
 * 32 (an IPv4 or TCP header) inlines to straight-line code. Partial sums
 * of pieces laid at odd offsets are combined by struct gg_cksum_pieces.
 */
#ifndef GG_CSUM_H
#define GG_CSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A 64-bit one's complement accumulator folded to 32 bits, nothing lost:
 * in s + (s rotated by 32) the high half is high + low + the carry out of
 * the low half, the end-around sum, with no carry out of its own.
 */
static inline uint32_t
gg_cksum_fold64(uint64_t s)
{
	return (uint32_t)((s + (s << 32 | s >> 32)) >> 32);
}

/*
 * Like __rte_raw_cksum(): the unfolded 32-bit sum of @p len octets, added
 * to @p sum (any 64-bit partial sum, e.g. fields added as numbers).
 */
static inline uint32_t
gg_raw_cksum(const void *buf, size_t len, uint64_t sum)
{
	const uint8_t *p = buf;
	uint64_t s = sum, a, b, c, d;
	uint64_t k = 0; /* carries out of bit 63, added back at the end */
	uint32_t v32;
	uint16_t v16;

	while (len >= 32) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		memcpy(&c, p + 16, 8);
		memcpy(&d, p + 24, 8);
		s += a;
		k += s < a;
		s += b;
		k += s < b;
		s += c;
		k += s < c;
		s += d;
		k += s < d;
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		memcpy(&a, p, 8);
		s += a;
		k += s < a;
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		memcpy(&v32, p, 4);
		s += v32;
		k += s < v32;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&v16, p, 2);
		s += v16;
		k += s < v16;
		p += 2;
		len -= 2;
	}
	/* The odd octet is the first half of a word as laid in memory. */
	if (len) {
		a = (uint64_t)*p << (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 8 : 0);
		s += a;
		k += s < a;
	}
	/* Each carry out of bit 63 is worth one (2^64 = 1 modulo 2^64 - 1). */
	s += k;
	s += s < k;
	return gg_cksum_fold64(s);
}

/* Like __rte_raw_cksum_reduce(): the same rotation, at 32 bits. */
static inline uint16_t
gg_cksum_reduce(uint32_t sum)
{
	return (uint16_t)((sum + (sum << 16 | sum >> 16)) >> 16);
}

/* Like rte_raw_cksum(). */
static inline uint16_t
gg_cksum(const void *buf, size_t len)
{
	return gg_cksum_reduce(gg_raw_cksum(buf, len, 0));
}

/*
 * Pieces summed on their own, laid one after the other: a piece at an odd
 * offset has every octet in the other half of its 16-bit word, which swaps
 * the halves of its folded sum. So pieces are added to one of two
 * accumulators by the parity of their offset, and the odd one is folded
 * and swapped once, at the end.
 */
struct gg_cksum_pieces {
	uint64_t acc[2]; /* by offset parity; each holds < 2^32 pieces */
};

static inline void
gg_cksum_pieces_add(struct gg_cksum_pieces *p, uint32_t piece_sum, size_t off)
{
	p->acc[off & 1] += piece_sum;
}

static inline uint32_t
gg_cksum_pieces_sum(const struct gg_cksum_pieces *p)
{
	uint16_t odd = gg_cksum_reduce(gg_cksum_fold64(p->acc[1]));

	return gg_cksum_fold64(p->acc[0] + (uint16_t)(odd << 8 | odd >> 8));
}

#endif /* GG_CSUM_H */
