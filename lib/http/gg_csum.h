/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksum (RFC 1071) with 64-bit additions: drop-in for DPDK
 * 22.11's __rte_raw_cksum(), which adds 16 bits at a time. Same partial
 * sums (a one's complement sum of 32-bit words folds to the sum of its
 * 16-bit words), so results mix freely with DPDK's helpers.
 */
#ifndef GG_CSUM_H
#define GG_CSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Like __rte_raw_cksum(): the unfolded 32-bit sum of @p len octets. */
static inline uint32_t
gg_raw_cksum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t s = sum, v;
	uint32_t c = 0;
	uint32_t v32;
	uint16_t v16;

	while (len >= 8) {
		memcpy(&v, p, 8);
		s += v;
		c += s < v;     /* end-around carry, added back below */
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		memcpy(&v32, p, 4);
		s += v32;
		c += s < v32;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&v16, p, 2);
		s += v16;
		c += s < v16;
		p += 2;
		len -= 2;
	}
	if (len)
		s += *p;   /* little endian: the odd octet is a word's low half */
	s = (s & 0xffffffff) + (s >> 32) + c;
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

/* Like __rte_raw_cksum_reduce(). */
static inline uint16_t
gg_cksum_reduce(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Like rte_raw_cksum(). */
static inline uint16_t
gg_cksum(const void *buf, size_t len)
{
	return gg_cksum_reduce(gg_raw_cksum(buf, len, 0));
}

#endif /* GG_CSUM_H */
