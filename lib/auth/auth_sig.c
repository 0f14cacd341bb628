/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proof of possession: challenges, the to-be-signed byte string, the
 * AuSF's signature check and the device's signing helper, plus the key
 * policy both sides share. Signature schemes and the byte string are
 * specified in gg_auth.h; any change there is a new label version.
 */

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "gg_auth.h"
#include "auth_private.h"

#define PSS_SALT_LEN 32

void
auth_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
auth_no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	/* -1, not 0: OpenSSL would try 0 as an empty password. */
	return -1;
}

bool
auth_key_supported(const EVP_PKEY *key)
{
	char group[64];
	size_t glen;
	int bits;

	if (key == NULL)
		return false;
	if (EVP_PKEY_is_a(key, "EC")) {
		if (EVP_PKEY_get_group_name(key, group, sizeof(group), &glen) != 1)
			return false;
		return strcmp(group, SN_X9_62_prime256v1) == 0;
	}
	if (EVP_PKEY_is_a(key, "RSA")) {
		bits = EVP_PKEY_get_bits(key);
		return bits >= AUTH_RSA_MIN_BITS && bits <= AUTH_RSA_MAX_BITS;
	}
	return false;
}

int
gg_auth_challenge(uint8_t *buf, size_t len)
{
	if (len > INT_MAX)
		return -1;
	if (RAND_bytes(buf, (int)len) != 1) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static uint8_t *
put_field(uint8_t *p, const void *data, size_t len)
{
	p[0] = (uint8_t)(len >> 8);
	p[1] = (uint8_t)len;
	memcpy(p + 2, data, len);
	return p + 2 + len;
}

size_t
gg_auth_tbs(uint8_t *out, size_t room, const uint8_t *challenge, size_t clen,
		const char *snn, const char *identity)
{
	size_t slen, ilen, need;
	uint8_t *p;

	if (out == NULL || challenge == NULL || snn == NULL || identity == NULL)
		return 0;
	slen = strnlen(snn, GG_AUTH_SNN_MAX + 1);
	ilen = strnlen(identity, GG_AUTH_IDENTITY_MAX + 1);
	if (clen == 0 || clen > GG_AUTH_CHALLENGE_MAX ||
			slen == 0 || slen > GG_AUTH_SNN_MAX ||
			ilen == 0 || ilen > GG_AUTH_IDENTITY_MAX)
		return 0;
	/* sizeof counts the label's NUL, which is the separator octet. */
	need = sizeof(GG_AUTH_TBS_LABEL) + 6 + clen + slen + ilen;
	if (need > room)
		return 0;

	memcpy(out, GG_AUTH_TBS_LABEL, sizeof(GG_AUTH_TBS_LABEL));
	p = out + sizeof(GG_AUTH_TBS_LABEL);
	p = put_field(p, challenge, clen);
	p = put_field(p, snn, slen);
	put_field(p, identity, ilen);
	return need;
}

/*
 * Set up ctx for SHA-256 signing or verification with key, and the PSS
 * parameters for RSA. Returns 0 or -1.
 */
static int
init_digest(EVP_MD_CTX *ctx, EVP_PKEY *key, bool sign)
{
	EVP_PKEY_CTX *pctx = NULL;
	int rc;

	if (sign)
		rc = EVP_DigestSignInit_ex(ctx, &pctx, "SHA256", NULL, NULL,
			key, NULL);
	else
		rc = EVP_DigestVerifyInit_ex(ctx, &pctx, "SHA256", NULL, NULL,
			key, NULL);
	if (rc != 1)
		return -1;
	if (EVP_PKEY_is_a(key, "RSA")) {
		if (EVP_PKEY_CTX_set_rsa_padding(pctx,
					RSA_PKCS1_PSS_PADDING) != 1 ||
				EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256",
					NULL) != 1 ||
				EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
					PSS_SALT_LEN) != 1)
			return -1;
	}
	return 0;
}

enum gg_auth_status
gg_auth_verify_signature(const struct gg_auth_cert *c, const uint8_t *tbs,
		size_t tbs_len, const uint8_t *sig, size_t sig_len)
{
	enum gg_auth_status st;
	EVP_MD_CTX *ctx;
	EVP_PKEY *key;

	if (c == NULL || tbs == NULL)
		return GG_AUTH_INTERNAL;
	if (sig == NULL || sig_len == 0 || sig_len > GG_AUTH_SIG_MAX)
		return GG_AUTH_BAD_SIGNATURE;
	key = gg_auth_cert_pubkey(c);
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return GG_AUTH_INTERNAL;
	if (init_digest(ctx, key, false) != 0)
		st = GG_AUTH_INTERNAL;
	else if (EVP_DigestVerify(ctx, sig, sig_len, tbs, tbs_len) == 1)
		st = GG_AUTH_OK;
	else
		/* 0 is a wrong signature, < 0 a malformed one: both refused. */
		st = GG_AUTH_BAD_SIGNATURE;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return st;
}

EVP_PKEY *
gg_auth_key_load(const char *path, char *err, size_t errlen)
{
	EVP_PKEY *key;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		auth_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	key = PEM_read_PrivateKey(f, NULL, auth_no_password, NULL);
	fclose(f);
	ERR_clear_error();
	if (key == NULL) {
		auth_err(err, errlen,
			"%s: not an unencrypted PEM private key", path);
		return NULL;
	}
	if (!auth_key_supported(key)) {
		auth_err(err, errlen,
			"%s: unsupported key (EC P-256 or RSA 2048..8192 only)",
			path);
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

int
gg_auth_sign(EVP_PKEY *key, const uint8_t *tbs, size_t tbs_len, uint8_t *sig,
		size_t *sig_len)
{
	EVP_MD_CTX *ctx;
	size_t n;
	int rc = -1;

	if (key == NULL || tbs == NULL || sig == NULL || sig_len == NULL ||
			!auth_key_supported(key))
		return -1;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return -1;
	/* EVP_DigestSign refuses a buffer under the key's largest signature. */
	n = *sig_len;
	if (init_digest(ctx, key, true) == 0 &&
			EVP_DigestSign(ctx, sig, &n, tbs, tbs_len) == 1) {
		*sig_len = n;
		rc = 0;
	}
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}
