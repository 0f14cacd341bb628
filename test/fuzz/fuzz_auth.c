/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for lib/auth: the device certificate as the AuSF gets
 * it from a Certificate URL (DER or PEM, chain included), the device's
 * challenge signature, and the base64url text the signature travels in.
 * Trust anchor and device certificates are the test PKI's
 * (data/auth-*.pem, written by gen-corpus.py from scripts/test-pki.sh).
 *
 * Input: octet 0 picks what the rest is.
 *   bits 0-1  0: a certificate, verified for the identity bits 2-3 pick
 *             (device 1, 2 or 3 of the test PKI) at a fixed date;
 *             1: a signature over the fixed to-be-signed string, checked
 *             with the EC device's key; 2: the same with the RSA one;
 *             3: base64url text, decoded
 *
 * Invariants: an accepted certificate gives a PEM and a key; a decoded
 * base64url text encodes back to itself (the decoder takes canonical
 * text only).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "gg_auth.h"
#include "fuzz_common.h"

/* 2030-01-01: inside every good certificate's validity. */
#define NOW ((time_t)1893456000)
#define SNN "5G:mnc001.mcc001.3gppnetwork.org"

static const char *const identity[4] = {
	"nai-dev0001@maker.example", "nai-dev0002@maker.example",
	"nai-dev0003@maker.example", "imei-490154203237518",
};
static struct gg_auth_trust *trust;
static struct gg_auth_cert *dev_ec, *dev_rsa;
static uint8_t tbs_ec[GG_AUTH_TBS_MAX], tbs_rsa[GG_AUTH_TBS_MAX];
static size_t tbs_ec_len, tbs_rsa_len;

static struct gg_auth_cert *
load_cert(const char *name, const char *id)
{
	char path[512];
	uint8_t buf[GG_AUTH_CERT_MAX];
	struct gg_auth_cert *c = NULL;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", GG_FUZZ_DATA, name);
	f = fopen(path, "rb");
	FUZZ_CHECK(f != NULL);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	FUZZ_CHECK(gg_auth_cert_verify(trust, buf, n, id, NOW, &c) == GG_AUTH_OK);
	return c;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t challenge[GG_AUTH_CHALLENGE_LEN];
	char err[256];

	(void)argc;
	(void)argv;
	trust = gg_auth_trust_load(GG_FUZZ_DATA "/auth-ca.pem", err, sizeof(err));
	if (trust == NULL)
		fprintf(stderr, "fuzz_auth: %s\n", err);
	FUZZ_CHECK(trust != NULL);
	dev_ec = load_cert("auth-dev-ec.pem", identity[0]);
	dev_rsa = load_cert("auth-dev-rsa.pem", identity[1]);
	/* The challenge gen-corpus.py signed: 32 octets of 0x11. */
	memset(challenge, 0x11, sizeof(challenge));
	tbs_ec_len = gg_auth_tbs(tbs_ec, sizeof(tbs_ec), challenge,
			sizeof(challenge), SNN, identity[0]);
	tbs_rsa_len = gg_auth_tbs(tbs_rsa, sizeof(tbs_rsa), challenge,
			sizeof(challenge), SNN, identity[1]);
	FUZZ_CHECK(tbs_ec_len != 0 && tbs_rsa_len != 0);
	return 0;
}

static void
check_b64(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *back;
	uint8_t *out;
	ssize_t n;

	FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	/* Room for exactly what canonical text can decode to. */
	out = malloc(size * 3 / 4 + 1);
	FUZZ_CHECK(out != NULL);
	n = gg_auth_b64url_decode(text, out, size * 3 / 4 + 1);
	if (n >= 0) {
		back = malloc(strlen(text) + 1);
		FUZZ_CHECK(back != NULL);
		FUZZ_CHECK(gg_auth_b64url_encode(out, n, back, strlen(text) + 1) ==
				strlen(text));
		FUZZ_CHECK(strcmp(back, text) == 0);
		free(back);
	}
	free(out);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gg_auth_cert *c = NULL;
	enum gg_auth_status st;

	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		st = gg_auth_cert_verify(trust, data + 1, size - 1,
				identity[(data[0] >> 2) & 3], NOW, &c);
		if (st == GG_AUTH_OK) {
			FUZZ_CHECK(c != NULL && gg_auth_cert_pem(c) != NULL);
			FUZZ_CHECK(gg_auth_cert_pubkey(c) != NULL);
		} else {
			FUZZ_CHECK(c == NULL);
		}
		gg_auth_cert_free(c);
		break;
	case 1:
		st = gg_auth_verify_signature(dev_ec, tbs_ec, tbs_ec_len,
				data + 1, size - 1);
		FUZZ_CHECK(st == GG_AUTH_OK || st == GG_AUTH_BAD_SIGNATURE);
		break;
	case 2:
		st = gg_auth_verify_signature(dev_rsa, tbs_rsa, tbs_rsa_len,
				data + 1, size - 1);
		FUZZ_CHECK(st == GG_AUTH_OK || st == GG_AUTH_BAD_SIGNATURE);
		break;
	default:
		check_b64(data + 1, size - 1);
		break;
	}
	return 0;
}
