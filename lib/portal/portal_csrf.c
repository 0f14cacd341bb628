/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CSRF tokens of the sign-up form: stateless HMAC-SHA256 over the issue
 * time, the client address and a context (gg_portal.h says what they
 * guarantee). MAC input, each part length-prefixed so that no two
 * (client, context) pairs give the same bytes:
 *
 *     "gg-portal csrf v1" 0x00 | time (8 octets, big-endian)
 *     | len(client) (2, BE) client | len(context) (2, BE) context
 *
 * Cost: one HMAC-SHA256 of under 300 octets (about a microsecond).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "gg_hex.h"
#include "gg_portal.h"

#define CSRF_LABEL "gg-portal csrf v1"
#define CSRF_PART_MAX 512

static int
csrf_mac(const uint8_t *secret, size_t secret_len, const char *client,
		const char *context, uint64_t t, uint8_t mac[32])
{
	uint8_t msg[sizeof(CSRF_LABEL) + 8 + 4 + 2 * CSRF_PART_MAX];
	size_t cl = strlen(client), xl = strlen(context), n = 0;
	unsigned int maclen = 32;
	int i;

	if (cl > CSRF_PART_MAX || xl > CSRF_PART_MAX)
		return -EINVAL;
	memcpy(msg, CSRF_LABEL, sizeof(CSRF_LABEL)); /* with its NUL */
	n = sizeof(CSRF_LABEL);
	for (i = 7; i >= 0; i--)
		msg[n++] = (uint8_t)(t >> (8 * i));
	msg[n++] = (uint8_t)(cl >> 8);
	msg[n++] = (uint8_t)cl;
	memcpy(msg + n, client, cl);
	n += cl;
	msg[n++] = (uint8_t)(xl >> 8);
	msg[n++] = (uint8_t)xl;
	memcpy(msg + n, context, xl);
	n += xl;
	if (HMAC(EVP_sha256(), secret, (int)secret_len, msg, n, mac, &maclen) == NULL ||
			maclen != 32)
		return -EINVAL;
	return 0;
}

int
gg_portal_csrf_make(const uint8_t *secret, size_t secret_len,
		const char *client, const char *context, uint64_t now_s,
		char out[GG_PORTAL_CSRF_TOKEN_LEN + 1])
{
	uint8_t mac[32];
	size_t n;

	if (secret == NULL || secret_len < GG_PORTAL_CSRF_SECRET_MIN ||
			client == NULL || client[0] == '\0')
		return -EINVAL;
	if (context == NULL)
		context = "";
	if (csrf_mac(secret, secret_len, client, context, now_s, mac) < 0)
		return -EINVAL;
	n = (size_t)snprintf(out, 17, "%016" PRIx64, now_s);
	gg_hex_encode(mac, sizeof(mac), out + n);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

/* Lower case only (not gg_hex_digit()): a token has the one spelling
 * gg_portal_csrf_make() writes. */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

enum gg_portal_csrf_status
gg_portal_csrf_check(const uint8_t *secret, size_t secret_len,
		const char *client, const char *context, const char *token,
		uint64_t now_s, uint32_t lifetime_s)
{
	uint8_t mac[32], want[32];
	uint64_t t = 0;
	int i, ok;

	if (token == NULL || token[0] == '\0')
		return GG_PORTAL_CSRF_MISSING;
	if (strlen(token) != GG_PORTAL_CSRF_TOKEN_LEN)
		return GG_PORTAL_CSRF_MALFORMED;
	for (i = 0; i < 16; i++) {
		int v = hexval(token[i]);

		if (v < 0)
			return GG_PORTAL_CSRF_MALFORMED;
		t = t << 4 | (uint64_t)v;
	}
	for (i = 0; i < 32; i++) {
		int hi = hexval(token[16 + 2 * i]), lo = hexval(token[17 + 2 * i]);

		if (hi < 0 || lo < 0)
			return GG_PORTAL_CSRF_MALFORMED;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (secret == NULL || secret_len < GG_PORTAL_CSRF_SECRET_MIN ||
			client == NULL ||
			csrf_mac(secret, secret_len, client,
				context != NULL ? context : "", t, want) < 0)
		return GG_PORTAL_CSRF_FORGED;
	ok = CRYPTO_memcmp(mac, want, sizeof(mac)) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	/* The MAC first: a forged token learns nothing about the clock. */
	if (!ok)
		return GG_PORTAL_CSRF_FORGED;
	if (t > now_s + GG_PORTAL_CSRF_SKEW_S)
		return GG_PORTAL_CSRF_FUTURE;
	if (now_s > t && now_s - t > lifetime_s)
		return GG_PORTAL_CSRF_EXPIRED;
	return GG_PORTAL_CSRF_OK;
}

const char *
gg_portal_csrf_strerror(enum gg_portal_csrf_status st)
{
	switch (st) {
	case GG_PORTAL_CSRF_OK: return "ok";
	case GG_PORTAL_CSRF_MISSING: return "missing";
	case GG_PORTAL_CSRF_MALFORMED: return "malformed";
	case GG_PORTAL_CSRF_FORGED: return "forged";
	case GG_PORTAL_CSRF_EXPIRED: return "expired";
	case GG_PORTAL_CSRF_FUTURE: return "from the future";
	}
	return "?";
}
