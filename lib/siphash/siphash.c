/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-2-4 of a byte string (gg_siphash.h). Reads the message as
 * little-endian words whatever the CPU, so values agree across machines.
 */
#include <string.h>

#include "gg_siphash.h"
#include "gg_wire.h"


uint64_t
gg_siphash24_words(uint64_t k0, uint64_t k1, const void *data, size_t len)
{
	const uint8_t *p = data;
	const uint8_t *end = p + (len - (len & 7));
	uint64_t v0 = GG_SIP_V0(k0), v1 = GG_SIP_V1(k1);
	uint64_t v2 = GG_SIP_V2(k0), v3 = GG_SIP_V3(k1);
	uint64_t m, last = (uint64_t)len << 56;
	size_t i;

	for (; p != end; p += 8) {
		m = gg_get_le64(p);
		GG_SIPBLOCK(v0, v1, v2, v3, m);
	}
	for (i = 0; i < (len & 7); i++)
		last |= (uint64_t)p[i] << (8 * i);
	GG_SIPBLOCK(v0, v1, v2, v3, last);
	return gg_siphash_finish(v0, v1, v2, v3);
}

uint64_t
gg_siphash24(const uint8_t key[16], const void *data, size_t len)
{
	return gg_siphash24_words(gg_get_le64(key), gg_get_le64(key + 8), data,
			len);
}
