/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit tests for lib/auth: the certificate verification matrix over the
 * test PKI (scripts/test-pki.sh, generated into a temporary folder, so the
 * test runs from the source root as meson sets it up), input decoding
 * limits, validity dates at fixed times, the to-be-signed byte string
 * byte for byte, signatures made by us and by the openssl CLI (both ways,
 * and the schemes that must be refused), challenges, key loading, and the
 * rate limiter with explicit clocks.
 *
 * Inputs are verified from heap copies of exactly their length, so a run
 * under valgrind turns any read past the end into an error. Needs the
 * openssl CLI. Exits non-zero when any assertion failed.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "gg_auth.h"
#include "auth_private.h"
#include "test_cunit.h"
#include "test_pki.h"


#define ID1 "nai-dev0001@maker.example"
#define ID2 "nai-dev0002@maker.example"
#define ID3 "nai-dev0003@maker.example"
#define SNN "5G:mnc001.mcc001.3gppnetwork.org"

/* Fixed instants (UTC); good device certificates: 2025-01-01..2050-01-01. */
#define T_2020_06_01 ((time_t)1590969600)
#define T_2024_06_01 ((time_t)1717200000)
#define T_2026_01_01 ((time_t)1767225600)
#define T_2049_12_31 ((time_t)2524521600)
#define T_2050_01_02 ((time_t)2524694400)
#define T_2060_01_01 ((time_t)2840140800)
#define T_2090_06_01 ((time_t)3799958400)
#define NOW T_2026_01_01

#define ASSERT_STATUS(got, want) do { \
	enum gg_auth_status got_ = (got); \
	enum gg_auth_status want_ = (want); \
	if (got_ != want_) \
		printf("\n    line %d: got %s, want %s\n", __LINE__, \
			gg_auth_status_name(got_), \
			gg_auth_status_name(want_)); \
	CU_ASSERT_EQUAL(got_, want_); \
} while (0)

static struct gg_auth_trust *trust;

/* Verify len octets at buf from an exact-size heap copy. */
static enum gg_auth_status
verify_buf(const uint8_t *buf, size_t len, const char *identity, time_t now,
		struct gg_auth_cert **out)
{
	struct gg_auth_cert *c = (struct gg_auth_cert *)&c; /* not NULL */
	enum gg_auth_status st;
	uint8_t *copy = malloc(len ? len : 1);

	if (copy == NULL)
		test_die("malloc");
	memcpy(copy, buf, len);
	st = gg_auth_cert_verify(trust, copy, len, identity, now, &c);
	free(copy);
	/* The handle exists exactly when the answer is OK. */
	CU_ASSERT_EQUAL(st == GG_AUTH_OK, c != NULL);
	if (out != NULL)
		*out = c;
	else
		gg_auth_cert_free(c);
	return st;
}

static enum gg_auth_status
verify_file(const char *name, const char *identity, time_t now)
{
	enum gg_auth_status st;
	size_t len;
	uint8_t *buf = test_read_all(test_pki(name), &len);

	st = verify_buf(buf, len, identity, now, NULL);
	free(buf);
	return st;
}

static struct gg_auth_cert *
cert_of(const char *name, const char *identity)
{
	struct gg_auth_cert *c = NULL;
	size_t len;
	uint8_t *buf = test_read_all(test_pki(name), &len);

	ASSERT_STATUS(verify_buf(buf, len, identity, NOW, &c), GG_AUTH_OK);
	free(buf);
	return c;
}

static EVP_PKEY *
key_of(const char *name)
{
	char err[256] = "";
	EVP_PKEY *k = gg_auth_key_load(test_pki(name), err, sizeof(err));

	if (k == NULL)
		printf("\n    %s\n", err);
	CU_ASSERT_PTR_NOT_NULL(k);
	return k;
}

static int
suite_init(void)
{
	char err[256];

	if (test_pki_make("auth") != 0)
		return -1;
	trust = gg_auth_trust_load(test_pki("ca.pem"), err, sizeof(err));
	if (trust == NULL) {
		fprintf(stderr, "trust: %s\n", err);
		test_pki_remove();
		return -1;
	}
	return 0;
}

static int
suite_cleanup(void)
{
	gg_auth_trust_free(trust);
	trust = NULL;
	return test_pki_remove();
}

/* ---------------------------------------------------------------- names */

static void
test_status_names(void)
{
	const char *names[GG_AUTH_INTERNAL + 1];
	int i, j;

	for (i = 0; i <= GG_AUTH_INTERNAL; i++) {
		names[i] = gg_auth_status_name(i);
		CU_ASSERT_STRING_NOT_EQUAL(names[i], "unknown");
		for (j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(names[i], names[j]);
	}
	CU_ASSERT_STRING_EQUAL(gg_auth_status_name(GG_AUTH_OK), "ok");
	CU_ASSERT_STRING_EQUAL(gg_auth_status_name(GG_AUTH_INTERNAL + 1),
		"unknown");
	CU_ASSERT_STRING_EQUAL(gg_auth_status_name(-1), "unknown");
}

/* ---------------------------------------------------------------- trust */

static void
test_trust_load(void)
{
	static const char junk_pem[] =
		"-----BEGIN CERTIFICATE-----\n*junk*\n-----END CERTIFICATE-----\n";
	struct gg_auth_trust *t, *saved;
	char err[256];
	size_t a, b;
	uint8_t *ca, *other, *two;

	err[0] = '\0';
	CU_ASSERT_PTR_NULL(gg_auth_trust_load(test_pki("missing.pem"), err,
		sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing.pem"));

	/* A device certificate is not an anchor. */
	err[0] = '\0';
	CU_ASSERT_PTR_NULL(gg_auth_trust_load(test_pki("dev-ec.pem"), err,
		sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a CA"));

	test_write_all(test_pki("empty.pem"), "", 0);
	err[0] = '\0';
	CU_ASSERT_PTR_NULL(gg_auth_trust_load(test_pki("empty.pem"), err,
		sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no PEM certificate"));

	test_write_all(test_pki("junk.pem"), junk_pem, sizeof(junk_pem) - 1);
	err[0] = '\0';
	CU_ASSERT_PTR_NULL(gg_auth_trust_load(test_pki("junk.pem"), err,
		sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "certificate 1"));

	/* A NULL err is allowed. */
	CU_ASSERT_PTR_NULL(gg_auth_trust_load(test_pki("missing.pem"), NULL, 0));

	/* Two anchors: the other CA's devices become trusted too. */
	ca = test_read_all(test_pki("ca.pem"), &a);
	other = test_read_all(test_pki("other-ca.pem"), &b);
	two = malloc(a + b);
	if (two == NULL)
		test_die("malloc");
	memcpy(two, ca, a);
	memcpy(two + a, other, b);
	test_write_all(test_pki("two-cas.pem"), two, a + b);
	free(ca);
	free(other);
	free(two);
	t = gg_auth_trust_load(test_pki("two-cas.pem"), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	saved = trust;
	trust = t;
	ASSERT_STATUS(verify_file("bad-otherca.pem", ID1, NOW), GG_AUTH_OK);
	ASSERT_STATUS(verify_file("dev-ec.pem", ID1, NOW), GG_AUTH_OK);
	trust = saved;
	gg_auth_trust_free(t);
	ASSERT_STATUS(verify_file("bad-otherca.pem", ID1, NOW),
		GG_AUTH_UNTRUSTED);

	/* An intermediate alone anchors nothing: no partial chains. */
	t = gg_auth_trust_load(test_pki("int-ca.pem"), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	saved = trust;
	trust = t;
	ASSERT_STATUS(verify_file("dev-int.pem", ID3, NOW), GG_AUTH_UNTRUSTED);
	trust = saved;
	gg_auth_trust_free(t);

	gg_auth_trust_free(NULL);
}

/* ---------------------------------------------------------------- certs */

static void
test_good_certs(void)
{
	static const struct {
		const char *file;
		const char *identity;
		const char *leaf_pem;	/* the PEM the handle must give back */
		const char *type;
	} good[] = {
		{ "dev-ec.pem", ID1, "dev-ec.pem", "EC" },
		{ "dev-ec.der", ID1, "dev-ec.pem", "EC" },
		{ "dev-rsa.pem", ID2, "dev-rsa.pem", "RSA" },
		{ "dev-rsa.der", ID2, "dev-rsa.pem", "RSA" },
		{ "dev-int-chain.pem", ID3, "dev-int.pem", "EC" },
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct gg_auth_cert *c = NULL;
		size_t len, plen;
		uint8_t *buf = test_read_all(test_pki(good[i].file), &len);
		uint8_t *pem = test_read_all(test_pki(good[i].leaf_pem), &plen);

		ASSERT_STATUS(verify_buf(buf, len, good[i].identity, NOW, &c),
			GG_AUTH_OK);
		if (c != NULL) {
			CU_ASSERT_EQUAL(strlen(gg_auth_cert_pem(c)), plen);
			CU_ASSERT_EQUAL(memcmp(gg_auth_cert_pem(c), pem, plen), 0);
			CU_ASSERT(EVP_PKEY_is_a(gg_auth_cert_pubkey(c),
				good[i].type));
		}
		gg_auth_cert_free(c);
		free(buf);
		free(pem);
	}
	/* With the real clock, as production calls it. */
	ASSERT_STATUS(verify_file("dev-ec.pem", ID1, time(NULL)), GG_AUTH_OK);
	gg_auth_cert_free(NULL);
}

static void
test_bad_certs(void)
{
	static const struct {
		const char *file;
		const char *identity;
		enum gg_auth_status want;
	} bad[] = {
		{ "bad-expired.pem", ID1, GG_AUTH_EXPIRED },
		{ "bad-notyet.pem", ID1, GG_AUTH_NOT_YET_VALID },
		{ "bad-otherca.pem", ID1, GG_AUTH_UNTRUSTED },
		{ "dev-int.pem", ID3, GG_AUTH_UNTRUSTED },
		{ "dev-int.der", ID3, GG_AUTH_UNTRUSTED },
		{ "bad-wrongid.pem", ID1, GG_AUTH_IDENTITY_MISMATCH },
		{ "bad-nosan.pem", ID1, GG_AUTH_IDENTITY_MISMATCH },
		{ "bad-keyusage.pem", ID1, GG_AUTH_BAD_KEY_USAGE },
		{ "bad-noku.pem", ID1, GG_AUTH_BAD_KEY_USAGE },
		{ "bad-eku.pem", ID1, GG_AUTH_BAD_KEY_USAGE },
		{ "bad-isca.pem", ID1, GG_AUTH_BAD_KEY_USAGE },
		{ "ca.pem", ID1, GG_AUTH_BAD_KEY_USAGE },
		{ "int-ca.pem", ID1, GG_AUTH_BAD_KEY_USAGE },
		{ "bad-p384.pem", ID1, GG_AUTH_UNSUPPORTED_KEY },
		{ "bad-rsa1024.pem", ID1, GG_AUTH_UNSUPPORTED_KEY },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum gg_auth_status st = verify_file(bad[i].file,
			bad[i].identity, NOW);

		if (st != bad[i].want)
			printf("\n    %s: got %s, want %s\n", bad[i].file,
				gg_auth_status_name(st),
				gg_auth_status_name(bad[i].want));
		CU_ASSERT_EQUAL(st, bad[i].want);
	}
	/* Misuse. */
	ASSERT_STATUS(gg_auth_cert_verify(trust, (const uint8_t *)"x", 1, ID1,
		NOW, NULL), GG_AUTH_INTERNAL);
	{
		struct gg_auth_cert *c;

		ASSERT_STATUS(gg_auth_cert_verify(NULL, (const uint8_t *)"x", 1,
			ID1, NOW, &c), GG_AUTH_INTERNAL);
		CU_ASSERT_PTR_NULL(c);
	}
}

static void
test_identity(void)
{
	static const char *const wrong[] = {
		ID2,
		"nai-dev0001@maker.exampl",
		"nai-dev0001@maker.example.evil",
		"nai-dev0001@maker.exampleX",
		"NAI-DEV0001@maker.example",
		"nai-dev0001@MAKER.EXAMPLE",
		" nai-dev0001@maker.example",
		"nai-dev0001@maker.example ",
		"urn:gardengate:device:" ID1,
		"nai-dev0001",
		"",
	};
	char longid[GG_AUTH_IDENTITY_MAX + 2];
	size_t i;

	for (i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
		ASSERT_STATUS(verify_file("dev-ec.pem", wrong[i], NOW),
			GG_AUTH_IDENTITY_MISMATCH);
	ASSERT_STATUS(verify_file("dev-ec.pem", NULL, NOW),
		GG_AUTH_IDENTITY_MISMATCH);
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	ASSERT_STATUS(verify_file("dev-ec.pem", longid, NOW),
		GG_AUTH_IDENTITY_MISMATCH);
	ASSERT_STATUS(verify_file("dev-rsa.der", ID1, NOW),
		GG_AUTH_IDENTITY_MISMATCH);
	ASSERT_STATUS(verify_file("dev-int-chain.pem", ID1, NOW),
		GG_AUTH_IDENTITY_MISMATCH);
	/* The CN says ID1 too, but only the SAN counts. */
	ASSERT_STATUS(verify_file("bad-wrongid.pem", "nai-dev9999@maker.example",
		NOW), GG_AUTH_OK);
}

static void
test_encoding(void)
{
	static const char empty_pem[] =
		"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
	uint8_t *der, *pem, *intpem, *buf, *key;
	size_t dlen, plen, ilen, klen, i, n;
	uint8_t junk[600];

	der = test_read_all(test_pki("dev-ec.der"), &dlen);
	pem = test_read_all(test_pki("dev-ec.pem"), &plen);
	intpem = test_read_all(test_pki("int-ca.pem"), &ilen);
	buf = malloc(GG_AUTH_CERT_MAX + 8 * 1024);
	if (buf == NULL)
		test_die("malloc");

	/* Garbage, starting like a DER SEQUENCE or not. */
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	ASSERT_STATUS(verify_buf(junk, sizeof(junk), ID1, NOW, NULL),
		GG_AUTH_BAD_ENCODING);
	junk[0] = 0x30;
	junk[1] = 0x82;
	ASSERT_STATUS(verify_buf(junk, sizeof(junk), ID1, NOW, NULL),
		GG_AUTH_BAD_ENCODING);
	ASSERT_STATUS(verify_buf(junk, 0, ID1, NOW, NULL), GG_AUTH_BAD_ENCODING);
	{
		struct gg_auth_cert *c;

		ASSERT_STATUS(gg_auth_cert_verify(trust, NULL, 0, ID1, NOW, &c),
			GG_AUTH_BAD_ENCODING);
	}

	/* Every truncation of the DER, and one octet too many. */
	n = 0;
	for (i = 1; i < dlen; i++)
		n += verify_buf(der, i, ID1, NOW, NULL) == GG_AUTH_BAD_ENCODING;
	CU_ASSERT_EQUAL(n, dlen - 1);
	memcpy(buf, der, dlen);
	buf[dlen] = 0;
	ASSERT_STATUS(verify_buf(buf, dlen + 1, ID1, NOW, NULL),
		GG_AUTH_BAD_ENCODING);

	/* A flipped octet in the certificate's own signature: chain fails. */
	memcpy(buf, der, dlen);
	buf[dlen - 1] ^= 0x01;
	ASSERT_STATUS(verify_buf(buf, dlen, ID1, NOW, NULL), GG_AUTH_UNTRUSTED);

	/* PEM cut in the middle, invalid base64, empty block, no block. */
	ASSERT_STATUS(verify_buf(pem, plen / 2, ID1, NOW, NULL),
		GG_AUTH_BAD_ENCODING);
	memcpy(buf, pem, plen);
	buf[100] = '*';
	ASSERT_STATUS(verify_buf(buf, plen, ID1, NOW, NULL),
		GG_AUTH_BAD_ENCODING);
	ASSERT_STATUS(verify_buf((const uint8_t *)empty_pem,
		sizeof(empty_pem) - 1, ID1, NOW, NULL), GG_AUTH_BAD_ENCODING);
	key = test_read_all(test_pki("dev-ec.key"), &klen);
	ASSERT_STATUS(verify_buf(key, klen, ID1, NOW, NULL),
		GG_AUTH_BAD_ENCODING);
	free(key);

	/* Leading white space is PEM; leading text is not. */
	memcpy(buf, "\r\n \t\n", 5);
	memcpy(buf + 5, pem, plen);
	ASSERT_STATUS(verify_buf(buf, plen + 5, ID1, NOW, NULL), GG_AUTH_OK);
	memcpy(buf, "cert:", 5);
	ASSERT_STATUS(verify_buf(buf, plen + 5, ID1, NOW, NULL),
		GG_AUTH_BAD_ENCODING);

	/* Size: exactly the maximum passes, one more octet does not. */
	memcpy(buf, pem, plen);
	memset(buf + plen, '\n', GG_AUTH_CERT_MAX + 1 - plen);
	ASSERT_STATUS(verify_buf(buf, GG_AUTH_CERT_MAX, ID1, NOW, NULL),
		GG_AUTH_OK);
	ASSERT_STATUS(verify_buf(buf, GG_AUTH_CERT_MAX + 1, ID1, NOW, NULL),
		GG_AUTH_TOO_BIG);
	ASSERT_STATUS(verify_buf(buf, GG_AUTH_CERT_MAX + 8 * 1024, ID1, NOW,
		NULL), GG_AUTH_TOO_BIG);

	/* Chain length: the leaf and 3 intermediates pass, 4 do not. */
	free(pem);
	pem = test_read_all(test_pki("dev-int.pem"), &plen);
	memcpy(buf, pem, plen);
	n = plen;
	for (i = 0; i < GG_AUTH_CHAIN_MAX - 1; i++) {
		memcpy(buf + n, intpem, ilen);
		n += ilen;
	}
	ASSERT_STATUS(verify_buf(buf, n, ID3, NOW, NULL), GG_AUTH_OK);
	memcpy(buf + n, intpem, ilen);
	ASSERT_STATUS(verify_buf(buf, n + ilen, ID3, NOW, NULL),
		GG_AUTH_TOO_BIG);
	/* A broken block after a good leaf spoils the input. */
	memcpy(buf + plen, empty_pem, sizeof(empty_pem) - 1);
	ASSERT_STATUS(verify_buf(buf, plen + sizeof(empty_pem) - 1, ID3, NOW,
		NULL), GG_AUTH_BAD_ENCODING);

	free(buf);
	free(der);
	free(pem);
	free(intpem);
}

static void
test_dates(void)
{
	ASSERT_STATUS(verify_file("dev-ec.pem", ID1, T_2024_06_01),
		GG_AUTH_NOT_YET_VALID);
	ASSERT_STATUS(verify_file("dev-ec.pem", ID1, T_2049_12_31), GG_AUTH_OK);
	ASSERT_STATUS(verify_file("dev-ec.pem", ID1, T_2050_01_02),
		GG_AUTH_EXPIRED);
	ASSERT_STATUS(verify_file("dev-rsa.der", ID2, T_2060_01_01),
		GG_AUTH_EXPIRED);
	ASSERT_STATUS(verify_file("dev-int-chain.pem", ID3, T_2024_06_01),
		GG_AUTH_NOT_YET_VALID);
	/* The bad-date certificates are fine on their own dates. */
	ASSERT_STATUS(verify_file("bad-expired.pem", ID1, T_2020_06_01),
		GG_AUTH_OK);
	ASSERT_STATUS(verify_file("bad-notyet.pem", ID1, T_2090_06_01),
		GG_AUTH_OK);
	ASSERT_STATUS(verify_file("bad-notyet.pem", ID1, T_2020_06_01),
		GG_AUTH_NOT_YET_VALID);
}

/* ---------------------------------------------------------------- tbs */

static void
test_tbs(void)
{
	static const uint8_t ch[3] = { 1, 2, 3 };
	static const uint8_t want[] = {
		'g', 'a', 'r', 'd', 'e', 'n', 'g', 'a', 't', 'e', ' ',
		'o', 'n', 'e', '-', 'w', 'a', 'y', ' ',
		'a', 'u', 't', 'h', ' ', 'v', '1', 0x00,
		0x00, 0x03, 1, 2, 3,
		0x00, 0x04, '5', 'G', ':', 'x',
		0x00, 0x02, 'a', 'b',
	};
	uint8_t out[GG_AUTH_TBS_MAX + 1], out2[GG_AUTH_TBS_MAX];
	uint8_t bigch[GG_AUTH_CHALLENGE_MAX + 1];
	char big[GG_AUTH_SNN_MAX + 2];
	size_t n, room, n2;

	memset(out, 0xee, sizeof(out));
	n = gg_auth_tbs(out, sizeof(out), ch, sizeof(ch), "5G:x", "ab");
	CU_ASSERT_EQUAL_FATAL(n, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(out, want, n), 0);
	CU_ASSERT_EQUAL(out[n], 0xee);
	CU_ASSERT_EQUAL(gg_auth_tbs(out, sizeof(want), ch, sizeof(ch), "5G:x",
		"ab"), sizeof(want));
	for (room = 0; room < sizeof(want); room++)
		CU_ASSERT_EQUAL(gg_auth_tbs(out, room, ch, sizeof(ch), "5G:x",
			"ab"), 0);

	/* The lengths keep field boundaries apart. */
	n = gg_auth_tbs(out, sizeof(out), ch, sizeof(ch), "ab", "c");
	n2 = gg_auth_tbs(out2, sizeof(out2), ch, sizeof(ch), "a", "bc");
	CU_ASSERT(n == n2 && memcmp(out, out2, n) != 0);

	/* Field limits. */
	memset(bigch, 7, sizeof(bigch));
	memset(big, 's', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CU_ASSERT_EQUAL(gg_auth_tbs(out, sizeof(out), ch, 0, "5G:x", "ab"), 0);
	CU_ASSERT_EQUAL(gg_auth_tbs(out, sizeof(out), bigch, sizeof(bigch),
		"5G:x", "ab"), 0);
	CU_ASSERT_EQUAL(gg_auth_tbs(out, sizeof(out), ch, 3, "", "ab"), 0);
	CU_ASSERT_EQUAL(gg_auth_tbs(out, sizeof(out), ch, 3, "5G:x", ""), 0);
	CU_ASSERT_EQUAL(gg_auth_tbs(out, sizeof(out), ch, 3, big, "ab"), 0);
	CU_ASSERT_EQUAL(gg_auth_tbs(out, sizeof(out), ch, 3, "5G:x", big), 0);
	CU_ASSERT_EQUAL(gg_auth_tbs(out, sizeof(out), ch, 3, NULL, "ab"), 0);
	CU_ASSERT_EQUAL(gg_auth_tbs(out, sizeof(out), NULL, 3, "5G:x", "ab"),
		0);
	/* All at their maximum: GG_AUTH_TBS_MAX exactly. */
	big[GG_AUTH_SNN_MAX] = '\0';
	n = gg_auth_tbs(out, GG_AUTH_TBS_MAX, bigch, GG_AUTH_CHALLENGE_MAX, big,
		big);
	CU_ASSERT_EQUAL(n, GG_AUTH_TBS_MAX);
	CU_ASSERT_EQUAL(out[sizeof(GG_AUTH_TBS_LABEL) + 1],
		GG_AUTH_CHALLENGE_MAX);
}

static void
test_challenge(void)
{
	uint8_t a[GG_AUTH_CHALLENGE_LEN], b[GG_AUTH_CHALLENGE_LEN];
	static const uint8_t zero[GG_AUTH_CHALLENGE_LEN];
	uint8_t big[4096];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	CU_ASSERT_EQUAL(gg_auth_challenge(a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(gg_auth_challenge(b, sizeof(b)), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(a, b, sizeof(a)), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(a, zero, sizeof(a)), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(b, zero, sizeof(b)), 0);
	CU_ASSERT_EQUAL(gg_auth_challenge(big, sizeof(big)), 0);
	CU_ASSERT_EQUAL(gg_auth_challenge(big, 0), 0);
}

/* ---------------------------------------------------------------- sigs */

/* Sign the tbs of (challenge, snn, identity) with key. */
static size_t
sign_tbs(EVP_PKEY *key, const uint8_t *ch, const char *snn, const char *id,
		uint8_t *sig, size_t room)
{
	uint8_t tbs[GG_AUTH_TBS_MAX];
	size_t n = gg_auth_tbs(tbs, sizeof(tbs), ch, GG_AUTH_CHALLENGE_LEN, snn,
		id);
	size_t sl = room;

	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL_FATAL(gg_auth_sign(key, tbs, n, sig, &sl), 0);
	return sl;
}

static enum gg_auth_status
check_sig(const struct gg_auth_cert *c, const uint8_t *ch, const char *snn,
		const char *id, const uint8_t *sig, size_t sl)
{
	uint8_t tbs[GG_AUTH_TBS_MAX];
	size_t n = gg_auth_tbs(tbs, sizeof(tbs), ch, GG_AUTH_CHALLENGE_LEN, snn,
		id);

	CU_ASSERT_FATAL(n > 0);
	return gg_auth_verify_signature(c, tbs, n, sig, sl);
}

static void
test_signatures(void)
{
	struct gg_auth_cert *cec = cert_of("dev-ec.pem", ID1);
	struct gg_auth_cert *crsa = cert_of("dev-rsa.der", ID2);
	EVP_PKEY *kec = key_of("dev-ec.key");
	EVP_PKEY *krsa = key_of("dev-rsa.key");
	EVP_PKEY *kother = key_of("dev-int.key");
	EVP_PKEY *kother_rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
		(size_t)2048);
	uint8_t ch[GG_AUTH_CHALLENGE_LEN], ch2[GG_AUTH_CHALLENGE_LEN];
	uint8_t sec[GG_AUTH_SIG_MAX], srsa[GG_AUTH_SIG_MAX], s[GG_AUTH_SIG_MAX];
	uint8_t raw[64];
	const unsigned char *q;
	ECDSA_SIG *es;
	size_t lec, lrsa, l;

	CU_ASSERT_FATAL(cec != NULL && crsa != NULL && kec != NULL &&
		krsa != NULL && kother != NULL && kother_rsa != NULL);
	CU_ASSERT_EQUAL_FATAL(gg_auth_challenge(ch, sizeof(ch)), 0);
	memcpy(ch2, ch, sizeof(ch));
	ch2[31] ^= 0x80;

	lec = sign_tbs(kec, ch, SNN, ID1, sec, sizeof(sec));
	lrsa = sign_tbs(krsa, ch, SNN, ID2, srsa, sizeof(srsa));
	CU_ASSERT(lec >= 8 && lec <= 72);
	CU_ASSERT_EQUAL(lrsa, 256);
	ASSERT_STATUS(check_sig(cec, ch, SNN, ID1, sec, lec), GG_AUTH_OK);
	ASSERT_STATUS(check_sig(crsa, ch, SNN, ID2, srsa, lrsa), GG_AUTH_OK);

	/* Another key of the same type, or of the other type. */
	l = sign_tbs(kother, ch, SNN, ID1, s, sizeof(s));
	ASSERT_STATUS(check_sig(cec, ch, SNN, ID1, s, l), GG_AUTH_BAD_SIGNATURE);
	l = sign_tbs(kother_rsa, ch, SNN, ID2, s, sizeof(s));
	ASSERT_STATUS(check_sig(crsa, ch, SNN, ID2, s, l),
		GG_AUTH_BAD_SIGNATURE);
	ASSERT_STATUS(check_sig(crsa, ch, SNN, ID1, sec, lec),
		GG_AUTH_BAD_SIGNATURE);
	ASSERT_STATUS(check_sig(cec, ch, SNN, ID2, srsa, lrsa),
		GG_AUTH_BAD_SIGNATURE);

	/* Each bound field matters. */
	ASSERT_STATUS(check_sig(cec, ch2, SNN, ID1, sec, lec),
		GG_AUTH_BAD_SIGNATURE);
	ASSERT_STATUS(check_sig(cec, ch, "5G:mnc002.mcc001.3gppnetwork.org",
		ID1, sec, lec), GG_AUTH_BAD_SIGNATURE);
	ASSERT_STATUS(check_sig(cec, ch, SNN, ID2, sec, lec),
		GG_AUTH_BAD_SIGNATURE);
	ASSERT_STATUS(check_sig(crsa, ch2, SNN, ID2, srsa, lrsa),
		GG_AUTH_BAD_SIGNATURE);
	ASSERT_STATUS(check_sig(crsa, ch, "5G:mnc002.mcc001.3gppnetwork.org",
		ID2, srsa, lrsa), GG_AUTH_BAD_SIGNATURE);
	ASSERT_STATUS(check_sig(crsa, ch, SNN, ID1, srsa, lrsa),
		GG_AUTH_BAD_SIGNATURE);

	/* Damaged signatures. */
	memcpy(s, sec, lec);
	s[lec - 1] ^= 0x01;
	ASSERT_STATUS(check_sig(cec, ch, SNN, ID1, s, lec),
		GG_AUTH_BAD_SIGNATURE);
	ASSERT_STATUS(check_sig(cec, ch, SNN, ID1, sec, lec - 1),
		GG_AUTH_BAD_SIGNATURE);
	memcpy(s, srsa, lrsa);
	s[0] ^= 0x01;
	ASSERT_STATUS(check_sig(crsa, ch, SNN, ID2, s, lrsa),
		GG_AUTH_BAD_SIGNATURE);
	ASSERT_STATUS(check_sig(crsa, ch, SNN, ID2, srsa, lrsa - 1),
		GG_AUTH_BAD_SIGNATURE);
	ASSERT_STATUS(check_sig(cec, ch, SNN, ID1, sec, 0),
		GG_AUTH_BAD_SIGNATURE);
	ASSERT_STATUS(check_sig(cec, ch, SNN, ID1, NULL, lec),
		GG_AUTH_BAD_SIGNATURE);
	memset(s, 0, sizeof(s));
	ASSERT_STATUS(check_sig(cec, ch, SNN, ID1, s, GG_AUTH_SIG_MAX),
		GG_AUTH_BAD_SIGNATURE);
	ASSERT_STATUS(check_sig(cec, ch, SNN, ID1, sec, GG_AUTH_SIG_MAX + 1),
		GG_AUTH_BAD_SIGNATURE);
	ASSERT_STATUS(gg_auth_verify_signature(NULL, ch, 1, sec, lec),
		GG_AUTH_INTERNAL);

	/* ECDSA as raw r||s (IEEE P1363) is not the DER encoding we take. */
	q = sec;
	es = d2i_ECDSA_SIG(NULL, &q, (long)lec);
	CU_ASSERT_PTR_NOT_NULL_FATAL(es);
	CU_ASSERT_EQUAL(BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32), 32);
	CU_ASSERT_EQUAL(BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32), 32);
	ECDSA_SIG_free(es);
	ASSERT_STATUS(check_sig(cec, ch, SNN, ID1, raw, sizeof(raw)),
		GG_AUTH_BAD_SIGNATURE);

	/* Signing: room too small, bad arguments. */
	{
		uint8_t tbs[GG_AUTH_TBS_MAX];
		size_t n = gg_auth_tbs(tbs, sizeof(tbs), ch, sizeof(ch), SNN, ID1);

		l = 71;
		CU_ASSERT_EQUAL(gg_auth_sign(kec, tbs, n, s, &l), -1);
		l = 255;
		CU_ASSERT_EQUAL(gg_auth_sign(krsa, tbs, n, s, &l), -1);
		l = sizeof(s);
		CU_ASSERT_EQUAL(gg_auth_sign(NULL, tbs, n, s, &l), -1);
		CU_ASSERT_EQUAL(gg_auth_sign(kec, tbs, n, s, NULL), -1);
	}

	EVP_PKEY_free(kec);
	EVP_PKEY_free(krsa);
	EVP_PKEY_free(kother);
	EVP_PKEY_free(kother_rsa);
	gg_auth_cert_free(cec);
	gg_auth_cert_free(crsa);
}

/* Verify the signature file sig (in the PKI folder) over tbs.bin. */
static enum gg_auth_status
check_sig_file(const struct gg_auth_cert *c, const uint8_t *tbs, size_t n,
		const char *sig)
{
	enum gg_auth_status st;
	size_t len;
	uint8_t *s = test_read_all(test_pki(sig), &len);

	st = gg_auth_verify_signature(c, tbs, n, s, len);
	free(s);
	return st;
}

/*
 * The tbs is usable from the command line, in both directions: the CLI's
 * signatures verify here, ours verify with the CLI (the commands are those
 * documented in gg_auth.h), and the schemes we refuse are refused.
 */
static void
test_cli_interop(void)
{
	static const char pss[] = "-sigopt rsa_padding_mode:pss "
		"-sigopt rsa_mgf1_md:sha256";
	struct gg_auth_cert *cec = cert_of("dev-ec.der", ID1);
	struct gg_auth_cert *crsa = cert_of("dev-rsa.pem", ID2);
	EVP_PKEY *kec = key_of("dev-ec.key");
	EVP_PKEY *krsa = key_of("dev-rsa.key");
	uint8_t ch[GG_AUTH_CHALLENGE_LEN], tbs[GG_AUTH_TBS_MAX];
	uint8_t sig[GG_AUTH_SIG_MAX];
	char cmd[1024];
	size_t n, l;

	CU_ASSERT_FATAL(cec != NULL && crsa != NULL && kec != NULL &&
		krsa != NULL);
	CU_ASSERT_EQUAL_FATAL(gg_auth_challenge(ch, sizeof(ch)), 0);
	n = gg_auth_tbs(tbs, sizeof(tbs), ch, sizeof(ch), SNN, ID1);
	CU_ASSERT_FATAL(n > 0);
	test_write_all(test_pki("tbs.bin"), tbs, n);

#define CLI(...) do { \
	snprintf(cmd, sizeof(cmd), __VA_ARGS__); \
	CU_ASSERT_EQUAL_FATAL(test_run(cmd), 0); \
} while (0)

	/* CLI signs, we verify. */
	CLI("cd %s && openssl dgst -sha256 -sign dev-ec.key -out sig-ec.der "
		"tbs.bin", test_pki_dir);
	ASSERT_STATUS(check_sig_file(cec, tbs, n, "sig-ec.der"), GG_AUTH_OK);
	CLI("cd %s && openssl dgst -sha256 -sign dev-rsa.key %s "
		"-sigopt rsa_pss_saltlen:32 -out sig-pss.bin tbs.bin",
		test_pki_dir, pss);
	ASSERT_STATUS(check_sig_file(crsa, tbs, n, "sig-pss.bin"), GG_AUTH_OK);

	/* Refused: PKCS#1 v1.5, PSS with another salt or MGF1 hash. */
	CLI("cd %s && openssl dgst -sha256 -sign dev-rsa.key "
		"-out sig-pkcs1.bin tbs.bin", test_pki_dir);
	ASSERT_STATUS(check_sig_file(crsa, tbs, n, "sig-pkcs1.bin"),
		GG_AUTH_BAD_SIGNATURE);
	CLI("cd %s && openssl dgst -sha256 -sign dev-rsa.key %s "
		"-sigopt rsa_pss_saltlen:max -out sig-pssmax.bin tbs.bin",
		test_pki_dir, pss);
	ASSERT_STATUS(check_sig_file(crsa, tbs, n, "sig-pssmax.bin"),
		GG_AUTH_BAD_SIGNATURE);
	CLI("cd %s && openssl dgst -sha256 -sign dev-rsa.key "
		"-sigopt rsa_padding_mode:pss -sigopt rsa_mgf1_md:sha1 "
		"-sigopt rsa_pss_saltlen:32 -out sig-pss-sha1.bin tbs.bin",
		test_pki_dir);
	ASSERT_STATUS(check_sig_file(crsa, tbs, n, "sig-pss-sha1.bin"),
		GG_AUTH_BAD_SIGNATURE);
	/* ECDSA over SHA-384 of the same bytes. */
	CLI("cd %s && openssl dgst -sha384 -sign dev-ec.key -out sig-ec384.der "
		"tbs.bin", test_pki_dir);
	ASSERT_STATUS(check_sig_file(cec, tbs, n, "sig-ec384.der"),
		GG_AUTH_BAD_SIGNATURE);

	/* We sign, the CLI verifies. */
	l = sizeof(sig);
	CU_ASSERT_EQUAL_FATAL(gg_auth_sign(kec, tbs, n, sig, &l), 0);
	test_write_all(test_pki("our-ec.der"), sig, l);
	l = sizeof(sig);
	CU_ASSERT_EQUAL_FATAL(gg_auth_sign(krsa, tbs, n, sig, &l), 0);
	test_write_all(test_pki("our-pss.bin"), sig, l);
	CLI("cd %s && openssl x509 -in dev-ec.pem -pubkey -noout >dev-ec.pub && "
		"openssl dgst -sha256 -verify dev-ec.pub -signature our-ec.der "
		"tbs.bin >/dev/null", test_pki_dir);
	CLI("cd %s && openssl x509 -in dev-rsa.pem -pubkey -noout >dev-rsa.pub "
		"&& openssl dgst -sha256 -verify dev-rsa.pub %s "
		"-sigopt rsa_pss_saltlen:32 -signature our-pss.bin tbs.bin "
		">/dev/null", test_pki_dir, pss);
#undef CLI

	EVP_PKEY_free(kec);
	EVP_PKEY_free(krsa);
	gg_auth_cert_free(cec);
	gg_auth_cert_free(crsa);
}

static void
test_key_load(void)
{
	char err[256], cmd[512];
	uint8_t tbs[8] = "12345678", sig[GG_AUTH_SIG_MAX];
	size_t l = sizeof(sig);
	EVP_PKEY *k;
	FILE *f;

	err[0] = '\0';
	CU_ASSERT_PTR_NULL(gg_auth_key_load(test_pki("missing.key"), err,
		sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing.key"));
	CU_ASSERT_PTR_NULL(gg_auth_key_load(test_pki("dev-ec.pem"), err,
		sizeof(err)));
	CU_ASSERT_PTR_NULL(gg_auth_key_load(test_pki("bad-p384.key"), err,
		sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unsupported"));
	CU_ASSERT_PTR_NULL(gg_auth_key_load(test_pki("bad-rsa1024.key"), err,
		sizeof(err)));

	/* Encrypted: refused without asking for a password. */
	snprintf(cmd, sizeof(cmd), "cd %s && openssl pkey -in dev-ec.key "
		"-aes128 -passout pass:secret -out enc.key", test_pki_dir);
	CU_ASSERT_EQUAL_FATAL(test_run(cmd), 0);
	CU_ASSERT_PTR_NULL(gg_auth_key_load(test_pki("enc.key"), err, sizeof(err)));

	/* The traditional "EC PRIVATE KEY" form loads too. */
	snprintf(cmd, sizeof(cmd), "cd %s && openssl ec -in dev-ec.key "
		"-out trad-ec.key 2>/dev/null", test_pki_dir);
	CU_ASSERT_EQUAL_FATAL(test_run(cmd), 0);
	k = gg_auth_key_load(test_pki("trad-ec.key"), err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(k);
	EVP_PKEY_free(k);

	/* gg_auth_sign applies the key policy to keys loaded elsewhere. */
	f = fopen(test_pki("bad-p384.key"), "r");
	if (f == NULL)
		test_die("bad-p384.key");
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(gg_auth_sign(k, tbs, sizeof(tbs), sig, &l), -1);
	EVP_PKEY_free(k);
}

/* ---------------------------------------------------------------- limiter */

static void
test_siphash(void)
{
	uint8_t msg[15];
	size_t i;

	/* Known answers from the SipHash paper: key 00..0f. */
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	CU_ASSERT_EQUAL(auth_siphash24(0x0706050403020100ULL,
		0x0f0e0d0c0b0a0908ULL, msg, 15), 0xa129ca6149be45e5ULL);
	CU_ASSERT_EQUAL(auth_siphash24(0x0706050403020100ULL,
		0x0f0e0d0c0b0a0908ULL, msg, 0), 0x726fdb47dd0e0e31ULL);
}

static void
test_ratelimit_refill(void)
{
	struct gg_auth_ratelimit_params p = {
		.capacity = 64, .burst = 3, .refill_ms = 1000, .seed = 1,
	};
	struct gg_auth_ratelimit *rl = gg_auth_ratelimit_create(&p);

	CU_ASSERT_PTR_NOT_NULL_FATAL(rl);
	/* Burst, then refusal. */
	CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, "a", 0));
	CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, "a", 0));
	CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, "a", 1));
	CU_ASSERT_FALSE(gg_auth_ratelimit_allow(rl, "a", 1));
	CU_ASSERT_FALSE(gg_auth_ratelimit_allow(rl, "a", 999));
	/* Other keys are on their own. */
	CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, "b", 999));
	CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, "", 999));
	/* One token per 1000 ms. */
	CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, "a", 1000));
	CU_ASSERT_FALSE(gg_auth_ratelimit_allow(rl, "a", 1000));
	CU_ASSERT_FALSE(gg_auth_ratelimit_allow(rl, "a", 1999));
	CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, "a", 2000));
	/* A long pause refills to the burst, not beyond. */
	CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, "a", 100000));
	CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, "a", 100000));
	CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, "a", 100000));
	CU_ASSERT_FALSE(gg_auth_ratelimit_allow(rl, "a", 100000));
	/* A clock going back earns nothing; forward again counts from 100000. */
	CU_ASSERT_FALSE(gg_auth_ratelimit_allow(rl, "a", 50));
	CU_ASSERT_FALSE(gg_auth_ratelimit_allow(rl, "a", 100999));
	CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, "a", 101000));
	gg_auth_ratelimit_free(rl);
	gg_auth_ratelimit_free(NULL);

	/* Random seed. */
	p.seed = 0;
	rl = gg_auth_ratelimit_create(&p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rl);
	CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, ID1, 5));
	gg_auth_ratelimit_free(rl);

	/* Bad parameters. */
	p.burst = 0;
	errno = 0;
	CU_ASSERT_PTR_NULL(gg_auth_ratelimit_create(&p));
	CU_ASSERT_EQUAL(errno, EINVAL);
	p.burst = 1;
	p.refill_ms = 0;
	CU_ASSERT_PTR_NULL(gg_auth_ratelimit_create(&p));
	p.refill_ms = 1;
	p.capacity = UINT32_MAX;
	CU_ASSERT_PTR_NULL(gg_auth_ratelimit_create(&p));
	CU_ASSERT_PTR_NULL(gg_auth_ratelimit_create(NULL));
}

static void
test_ratelimit_eviction(void)
{
	/* Capacity 8 is one set: every key competes for the same 8 slots. */
	struct gg_auth_ratelimit_params p = {
		.capacity = 8, .burst = 1, .refill_ms = 1000000, .seed = 42,
	};
	struct gg_auth_ratelimit *rl = gg_auth_ratelimit_create(&p);
	char key[16];
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rl);
	for (i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, key, 1 + i));
	}
	/* All 8 remembered and empty; refusals count as use (k0 oldest). */
	for (i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		CU_ASSERT_FALSE(gg_auth_ratelimit_allow(rl, key, 10 + i));
	}
	/* A ninth key evicts the least recently used, k0... */
	CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, "k8", 20));
	CU_ASSERT_FALSE(gg_auth_ratelimit_allow(rl, "k8", 21));
	/* ...which comes back with a full bucket, evicting k1. */
	CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, "k0", 22));
	for (i = 2; i < 8; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		CU_ASSERT_FALSE(gg_auth_ratelimit_allow(rl, key, 30 + i));
	}
	CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, "k1", 40));
	gg_auth_ratelimit_free(rl);

	/* Many more keys than slots: every new key gets its burst. */
	p.capacity = 64;
	rl = gg_auth_ratelimit_create(&p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rl);
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		CU_ASSERT_TRUE(gg_auth_ratelimit_allow(rl, key, (uint64_t)i));
	}
	/* The most recent key is still tracked. */
	CU_ASSERT_FALSE(gg_auth_ratelimit_allow(rl, "key4999", 5000));
	gg_auth_ratelimit_free(rl);
}

/* base64url: RFC 4648 test vectors (unpadded, URL alphabet), round trips,
 * and every way a text can be wrong. */
#ifndef RTE_DIM
#define RTE_DIM(a) (sizeof(a) / sizeof((a)[0]))
#endif

static void
test_b64url(void)
{
	static const struct {
		const char *raw;
		const char *enc;
	} vec[] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
	};
	uint8_t raw[64], back[64];
	char enc[128];
	unsigned int i;

	for (i = 0; i < RTE_DIM(vec); i++) {
		CU_ASSERT_EQUAL(gg_auth_b64url_encode((const uint8_t *)vec[i].raw,
				strlen(vec[i].raw), enc, sizeof(enc)), strlen(vec[i].enc));
		CU_ASSERT_STRING_EQUAL(enc, vec[i].enc);
		CU_ASSERT_EQUAL(gg_auth_b64url_decode(vec[i].enc, back, sizeof(back)),
				(ssize_t)strlen(vec[i].raw));
		CU_ASSERT(memcmp(back, vec[i].raw, strlen(vec[i].raw)) == 0);
	}
	/* The URL alphabet: 0xfb 0xff -> "-_8". */
	raw[0] = 0xfb;
	raw[1] = 0xff;
	gg_auth_b64url_encode(raw, 2, enc, sizeof(enc));
	CU_ASSERT_STRING_EQUAL(enc, "-_8");
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 37 + 11);
	for (i = 0; i <= sizeof(raw); i++) {
		CU_ASSERT(gg_auth_b64url_encode(raw, i, enc, sizeof(enc)) > 0 || i == 0);
		CU_ASSERT_EQUAL(gg_auth_b64url_decode(enc, back, sizeof(back)), (ssize_t)i);
		CU_ASSERT(memcmp(raw, back, i) == 0);
	}
	CU_ASSERT_EQUAL(gg_auth_b64url_encode(raw, 3, enc, 4), 0); /* no room for NUL */
	CU_ASSERT_EQUAL(gg_auth_b64url_decode("Zm9v=", back, sizeof(back)), -1); /* padding */
	CU_ASSERT_EQUAL(gg_auth_b64url_decode("Zm+v", back, sizeof(back)), -1);  /* base64, not url */
	CU_ASSERT_EQUAL(gg_auth_b64url_decode("Zm9vY", back, sizeof(back)), -1); /* 6 lone bits */
	CU_ASSERT_EQUAL(gg_auth_b64url_decode("Zh", back, sizeof(back)), -1);    /* non-zero tail bits */
	CU_ASSERT_EQUAL(gg_auth_b64url_decode("Zm9vYmFy", back, 5), -1);         /* no room */
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "status names", test_status_names },
		{ "trust bundle loading", test_trust_load },
		{ "good certificates, PEM and DER", test_good_certs },
		{ "each bad certificate, its status", test_bad_certs },
		{ "identity binding", test_identity },
		{ "encoding and size limits", test_encoding },
		{ "validity dates", test_dates },
		{ "to-be-signed string", test_tbs },
		{ "challenges", test_challenge },
		{ "signatures", test_signatures },
		{ "openssl CLI interoperability", test_cli_interop },
		{ "private key loading", test_key_load },
		{ "siphash known answers", test_siphash },
		{ "rate limiter burst and refill", test_ratelimit_refill },
		{ "rate limiter eviction", test_ratelimit_eviction },
		{ "base64url", test_b64url },
	};

	return test_cunit_main("auth", suite_init, suite_cleanup, TEST_CASES(tests));
}
