/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * base64url without padding (RFC 4648 section 5): how challenges and
 * signatures travel in the one-way authentication's JSON.
 */
#include <stdint.h>
#include <string.h>

#include "gg_auth.h"

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
gg_auth_b64url_encode(const uint8_t *in, size_t len, char *out, size_t room)
{
	size_t need = (len * 4 + 2) / 3, i, o = 0;

	if (room < need + 1)
		return 0;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64url[v >> 18];
		out[o++] = b64url[(v >> 12) & 63];
		out[o++] = b64url[(v >> 6) & 63];
		out[o++] = b64url[v & 63];
	}
	if (len - i == 1) {
		out[o++] = b64url[in[i] >> 2];
		out[o++] = b64url[(in[i] & 3) << 4];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

		out[o++] = b64url[v >> 10];
		out[o++] = b64url[(v >> 4) & 63];
		out[o++] = b64url[(v & 15) << 2];
	}
	out[o] = '\0';
	return o;
}

static int
value_of(char c)
{
	const char *p = c != '\0' ? strchr(b64url, c) : NULL;

	return p != NULL ? (int)(p - b64url) : -1;
}

ssize_t
gg_auth_b64url_decode(const char *in, uint8_t *out, size_t room)
{
	size_t len = strlen(in), o = 0, i;
	uint32_t acc = 0;
	int bits = 0;

	if (len % 4 == 1)
		return -1; /* no encoding ends with 6 lone bits */
	for (i = 0; i < len; i++) {
		int v = value_of(in[i]);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == room)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* The unused low bits of the last character must be zero (canonical). */
	if ((acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (ssize_t)o;
}
