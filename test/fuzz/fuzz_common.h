/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every libFuzzer harness of test/fuzz shares: the invariant check
 * that turns a broken promise into a crash the fuzzer keeps (abort(), so
 * that libFuzzer writes the input out as crash-*), and the folder of the
 * harnesses' fixed data (GG_FUZZ_DATA, set by test/fuzz/meson.build).
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Not assert(): release builds define NDEBUG, and a fuzz check must hold
 * in every build. */
#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant broken: %s\n", \
				__FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

#ifndef GG_FUZZ_DATA
#define GG_FUZZ_DATA "test/fuzz/data"
#endif

/* One's complement sum of @p len octets added to @p sum (RFC 1071), as
 * 16-bit big-endian words; kept independent of the code under test. */
static inline uint32_t
fuzz_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The checksum field value that makes the sum come out right. */
static inline uint16_t
fuzz_cksum(const uint8_t *p, size_t len, uint32_t sum)
{
	return (uint16_t)~fuzz_sum(p, len, sum);
}

/* Sum of the IPv4 pseudo header (RFC 793, RFC 768) of @p ip. */
static inline uint32_t
fuzz_pseudo_sum(const uint8_t *ip, uint8_t proto, uint16_t l4_len)
{
	return fuzz_sum(ip + 12, 8, (uint32_t)proto + l4_len);
}

/* Put @p v big-endian at @p p, read one back. */
static inline void
fuzz_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline uint16_t
fuzz_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Make the IPv4 header at @p ip (of @p avail octets) and, for TCP and
 * UDP, its transport checksum right, as far as the header lets it be
 * read (ICMP too): fuzzers rarely guess a checksum, and most of the code
 * lies behind one. The UDP checksum is left 0 (none) when it was 0.
 */
static inline void
fuzz_fix_ipv4(uint8_t *ip, size_t avail)
{
	size_t ihl, tlen;
	uint8_t proto;

	if (avail < 20 || (ip[0] >> 4) != 4)
		return;
	ihl = (ip[0] & 0xf) * 4u;
	if (ihl < 20 || ihl > avail)
		return;
	fuzz_put16(ip + 10, 0);
	fuzz_put16(ip + 10, fuzz_cksum(ip, ihl, 0));
	tlen = fuzz_get16(ip + 2);
	if (tlen > avail || tlen < ihl || (fuzz_get16(ip + 6) & 0x3fff) != 0)
		return;
	proto = ip[9];
	if (proto == 6 && tlen - ihl >= 20) {
		fuzz_put16(ip + ihl + 16, 0);
		fuzz_put16(ip + ihl + 16, fuzz_cksum(ip + ihl, tlen - ihl,
				fuzz_pseudo_sum(ip, 6, tlen - ihl)));
	} else if (proto == 17 && tlen - ihl >= 8 &&
			fuzz_get16(ip + ihl + 6) != 0) {
		uint16_t ck;

		fuzz_put16(ip + ihl + 6, 0);
		ck = fuzz_cksum(ip + ihl, tlen - ihl,
				fuzz_pseudo_sum(ip, 17, tlen - ihl));
		fuzz_put16(ip + ihl + 6, ck == 0 ? 0xffff : ck);
	} else if (proto == 1 && tlen - ihl >= 8) {
		fuzz_put16(ip + ihl + 2, 0);
		fuzz_put16(ip + ihl + 2, fuzz_cksum(ip + ihl, tlen - ihl, 0));
	}
}

/* True when the IPv4 header checksum at @p ip is right. */
static inline int
fuzz_ipv4_cksum_ok(const uint8_t *ip)
{
	return fuzz_sum(ip, (ip[0] & 0xf) * 4u, 0) == 0xffff;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif /* FUZZ_COMMON_H */
