/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * base64url without padding, both ways. Written out rather than built on
 * OpenSSL's EVP_EncodeBlock()/EVP_DecodeBlock(): those speak standard
 * base64 with padding, and EVP_DecodeBlock() skips white space and
 * cannot tell how many octets the last group held, so converting around
 * them would take about as much code as this and still be lenient.
 */
#include <stdint.h>

#include "b64url.h"

static const char alphabet[64] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

ssize_t
b64url_encode(const void *in, size_t len, char *out, size_t room)
{
	const uint8_t *p = in;
	size_t i, o = 0;
	uint32_t v;

	if (room < B64URL_ENC_LEN(len) + 1)
		return -1;
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 0x3f];
		out[o++] = alphabet[(v >> 6) & 0x3f];
		out[o++] = alphabet[v & 0x3f];
	}
	if (len - i == 1) {
		v = (uint32_t)p[i] << 16;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 0x3f];
	} else if (len - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 0x3f];
		out[o++] = alphabet[(v >> 6) & 0x3f];
	}
	out[o] = '\0';
	return (ssize_t)o;
}

/* Value of one character, or -1 outside the URL-safe alphabet. */
static int
sextet(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

ssize_t
b64url_decode(const char *in, size_t len, uint8_t *out, size_t room)
{
	size_t i, o = 0, tail = len % 4;
	uint32_t v = 0;
	int s;

	/* One character carries 6 bits, less than an octet: never valid. */
	if (tail == 1 || room < B64URL_DEC_MAX(len))
		return -1;
	for (i = 0; i < len; i++) {
		s = sextet(in[i]);
		if (s < 0)
			return -1;
		v = v << 6 | (uint32_t)s;
		if (i % 4 == 3) {
			out[o++] = (uint8_t)(v >> 16);
			out[o++] = (uint8_t)(v >> 8);
			out[o++] = (uint8_t)v;
			v = 0;
		}
	}
	/*
	 * The last 2 characters hold 12 bits for 1 octet, 3 hold 18 for 2:
	 * the spare 4 or 2 bits must be zero, or two strings would decode to
	 * the same octets (RFC 4648 section 3.5).
	 */
	if (tail == 2) {
		if ((v & 0xf) != 0)
			return -1;
		out[o++] = (uint8_t)(v >> 4);
	} else if (tail == 3) {
		if ((v & 0x3) != 0)
			return -1;
		out[o++] = (uint8_t)(v >> 10);
		out[o++] = (uint8_t)(v >> 2);
	}
	return (ssize_t)o;
}
