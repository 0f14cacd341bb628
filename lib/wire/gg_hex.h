/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Octets as hexadecimal text, the way messages and documents carry keys,
 * MACs and escapes: one digit's value, lower-case encoding, and strict
 * decoding of a fixed number of octets. No dependency; header only.
 */
#ifndef GG_HEX_H
#define GG_HEX_H

#include <stddef.h>
#include <stdint.h>

/** The value of hexadecimal digit @p c (either case), or -1. */
static inline int
gg_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/**
 * Write the @p n octets at @p in as 2 * @p n lower-case hexadecimal
 * digits and a NUL to @p out (room for 2 * @p n + 1).
 */
static inline void
gg_hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char xd[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = xd[in[i] >> 4];
		out[2 * i + 1] = xd[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/**
 * Decode exactly 2 * @p n hexadecimal digits (either case), the @p slen
 * characters at @p s, into the @p n octets at @p out.
 * @return 0, or -1 when @p slen is not 2 * @p n or a character is not a
 *         digit (@p out may then be partly written).
 */
static inline int
gg_hex_decode(const char *s, size_t slen, uint8_t *out, size_t n)
{
	size_t i;

	if (slen != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		int hi = gg_hex_digit((unsigned char)s[2 * i]);
		int lo = gg_hex_digit((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

#endif /* GG_HEX_H */
