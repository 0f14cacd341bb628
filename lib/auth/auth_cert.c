/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device certificate verification for the one-way authentication: the
 * manufacturer trust anchors, decoding of the fetched bytes, RFC 5280 path
 * validation by OpenSSL, then our own policy on the leaf (key type, usage,
 * identity binding). The order of checks is part of the contract (see
 * gg_auth_cert_verify() in gg_auth.h): tests and logs rely on one input
 * giving one status.
 *
 * OpenSSL's error queue is per thread and grows with every failure; each
 * public function here empties it before returning, so a long-running
 * control lcore does not accumulate stale errors (or report them later).
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "gg_auth.h"
#include "auth_private.h"

/*
 * 112-bit security for every key and signature of the chain (OpenSSL's
 * level 2): CA keys under RSA 2048 or signatures with SHA-1 do not make a
 * device trusted, whatever the manufacturer still ships.
 */
#define AUTH_SECURITY_LEVEL 2

#define PEM_BEGIN "-----BEGIN"

struct gg_auth_trust {
	X509_STORE *store;	/* the anchors; OpenSSL locks it internally */
};

struct gg_auth_cert {
	X509 *leaf;
	char *pem;		/* NUL-terminated PEM of leaf */
};

const char *
gg_auth_status_name(enum gg_auth_status st)
{
	static const char *const names[] = {
		[GG_AUTH_OK] = "ok",
		[GG_AUTH_BAD_ENCODING] = "bad_encoding",
		[GG_AUTH_UNTRUSTED] = "untrusted",
		[GG_AUTH_EXPIRED] = "expired",
		[GG_AUTH_NOT_YET_VALID] = "not_yet_valid",
		[GG_AUTH_BAD_KEY_USAGE] = "bad_key_usage",
		[GG_AUTH_IDENTITY_MISMATCH] = "identity_mismatch",
		[GG_AUTH_UNSUPPORTED_KEY] = "unsupported_key",
		[GG_AUTH_BAD_SIGNATURE] = "bad_signature",
		[GG_AUTH_TOO_BIG] = "too_big",
		[GG_AUTH_INTERNAL] = "internal",
	};

	if ((unsigned int)st >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[st];
}

/* True when the last PEM read failed only because no block was left. */
static bool
pem_at_end(void)
{
	unsigned long e = ERR_peek_last_error();

	return ERR_GET_LIB(e) == ERR_LIB_PEM &&
		ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

struct gg_auth_trust *
gg_auth_trust_load(const char *ca_bundle_path, char *err, size_t errlen)
{
	struct gg_auth_trust *t = NULL;
	BIO *bio = NULL;
	X509 *x = NULL;
	FILE *f;
	int n = 0;

	f = fopen(ca_bundle_path, "r");
	if (f == NULL) {
		auth_err(err, errlen, "%s: %s", ca_bundle_path, strerror(errno));
		return NULL;
	}
	bio = BIO_new_fp(f, BIO_CLOSE);
	if (bio == NULL) {
		fclose(f);
		goto nomem;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	t->store = X509_STORE_new();
	if (t->store == NULL)
		goto nomem;

	for (;;) {
		char subject[256];

		x = PEM_read_bio_X509(bio, NULL, auth_no_password, NULL);
		if (x == NULL) {
			if (pem_at_end())
				break;
			auth_err(err, errlen,
				"%s: certificate %d: not a valid PEM certificate",
				ca_bundle_path, n + 1);
			goto fail;
		}
		n++;
		X509_NAME_oneline(X509_get_subject_name(x), subject,
			sizeof(subject));
		/*
		 * A non-CA here would let its holder's key vouch for devices
		 * as if it were a manufacturer: refuse the bundle outright.
		 */
		if (!(X509_get_extension_flags(x) & EXFLAG_CA) ||
				(X509_get_extension_flags(x) & EXFLAG_INVALID)) {
			auth_err(err, errlen,
				"%s: certificate %d (%s) is not a CA certificate",
				ca_bundle_path, n, subject);
			goto fail;
		}
		if (X509_STORE_add_cert(t->store, x) != 1)
			goto nomem;
		X509_free(x);
		x = NULL;
	}
	if (n == 0) {
		auth_err(err, errlen, "%s: no PEM certificate", ca_bundle_path);
		goto fail;
	}
	BIO_free(bio);
	ERR_clear_error();
	return t;

nomem:
	auth_err(err, errlen, "%s: out of memory", ca_bundle_path);
fail:
	X509_free(x);
	BIO_free(bio);
	gg_auth_trust_free(t);
	ERR_clear_error();
	return NULL;
}

void
gg_auth_trust_free(struct gg_auth_trust *t)
{
	if (t == NULL)
		return;
	X509_STORE_free(t->store);
	free(t);
}

static bool
looks_like_pem(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len && isspace(p[i]))
		i++;
	return len - i >= sizeof(PEM_BEGIN) - 1 &&
		memcmp(p + i, PEM_BEGIN, sizeof(PEM_BEGIN) - 1) == 0;
}

/*
 * Decode the input into the leaf and the intermediates after it. Only the
 * leaf's extensions are checked for decoding here; a broken extension in an
 * intermediate makes path validation fail (UNTRUSTED).
 */
static enum gg_auth_status
decode(const uint8_t *p, size_t len, X509 **leafp, STACK_OF(X509) **chainp)
{
	STACK_OF(X509) *chain = NULL;
	X509 *leaf = NULL;
	BIO *bio = NULL;
	enum gg_auth_status st;

	chain = sk_X509_new_null();
	if (chain == NULL)
		return GG_AUTH_INTERNAL;

	if (!looks_like_pem(p, len)) {
		const unsigned char *q = p;

		leaf = d2i_X509(NULL, &q, (long)len);
		if (leaf == NULL || q != p + len) {
			st = GG_AUTH_BAD_ENCODING;
			goto fail;
		}
	} else {
		int n = 0;

		bio = BIO_new_mem_buf(p, (int)len);
		if (bio == NULL) {
			st = GG_AUTH_INTERNAL;
			goto fail;
		}
		for (;;) {
			X509 *x = PEM_read_bio_X509(bio, NULL, auth_no_password,
				NULL);

			if (x == NULL) {
				if (n > 0 && pem_at_end())
					break;
				st = GG_AUTH_BAD_ENCODING;
				goto fail;
			}
			if (++n > GG_AUTH_CHAIN_MAX) {
				X509_free(x);
				st = GG_AUTH_TOO_BIG;
				goto fail;
			}
			if (leaf == NULL) {
				leaf = x;
			} else if (!sk_X509_push(chain, x)) {
				X509_free(x);
				st = GG_AUTH_INTERNAL;
				goto fail;
			}
		}
		BIO_free(bio);
		bio = NULL;
	}

	/* Also caches the extensions, which the checks below read. */
	if (X509_get_extension_flags(leaf) & EXFLAG_INVALID) {
		st = GG_AUTH_BAD_ENCODING;
		goto fail;
	}
	*leafp = leaf;
	*chainp = chain;
	return GG_AUTH_OK;

fail:
	BIO_free(bio);
	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	return st;
}

static enum gg_auth_status
map_verify_error(int e)
{
	switch (e) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return GG_AUTH_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return GG_AUTH_NOT_YET_VALID;
	case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
	case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
		return GG_AUTH_BAD_ENCODING;
	case X509_V_ERR_EE_KEY_TOO_SMALL:
		return GG_AUTH_UNSUPPORTED_KEY;
	case X509_V_ERR_OUT_OF_MEM:
		return GG_AUTH_INTERNAL;
	default:
		return GG_AUTH_UNTRUSTED;
	}
}

static enum gg_auth_status
verify_chain(const struct gg_auth_trust *t, X509 *leaf, STACK_OF(X509) *chain,
		time_t now)
{
	X509_VERIFY_PARAM *vp;
	X509_STORE_CTX *ctx;
	enum gg_auth_status st;
	int rc;

	ctx = X509_STORE_CTX_new();
	if (ctx == NULL)
		return GG_AUTH_INTERNAL;
	if (X509_STORE_CTX_init(ctx, t->store, leaf, chain) != 1) {
		X509_STORE_CTX_free(ctx);
		return GG_AUTH_INTERNAL;
	}
	vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(vp, now);
	/* Intermediates the input may carry; anchors do not count. */
	X509_VERIFY_PARAM_set_depth(vp, GG_AUTH_CHAIN_MAX - 1);
	X509_VERIFY_PARAM_set_auth_level(vp, AUTH_SECURITY_LEVEL);

	rc = X509_verify_cert(ctx);
	if (rc == 1)
		st = GG_AUTH_OK;
	else if (rc < 0)
		st = GG_AUTH_INTERNAL;
	else
		st = map_verify_error(X509_STORE_CTX_get_error(ctx));
	X509_STORE_CTX_free(ctx);
	return st;
}

static enum gg_auth_status
check_usage(X509 *leaf)
{
	uint32_t flags = X509_get_extension_flags(leaf);

	if (!(flags & EXFLAG_KUSAGE) ||
			!(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE))
		return GG_AUTH_BAD_KEY_USAGE;
	if ((flags & EXFLAG_XKUSAGE) &&
			!(X509_get_extended_key_usage(leaf) & XKU_SSL_CLIENT))
		return GG_AUTH_BAD_KEY_USAGE;
	/* Also catches keyCertSign without basicConstraints. */
	if (X509_check_ca(leaf) != 0)
		return GG_AUTH_BAD_KEY_USAGE;
	return GG_AUTH_OK;
}

static enum gg_auth_status
check_identity(X509 *leaf, const char *identity)
{
	static const char prefix[] = GG_AUTH_URN_PREFIX;
	const size_t plen = sizeof(prefix) - 1;
	GENERAL_NAMES *names;
	enum gg_auth_status st = GG_AUTH_IDENTITY_MISMATCH;
	size_t ilen;
	int i;

	if (identity == NULL)
		return GG_AUTH_IDENTITY_MISMATCH;
	ilen = strnlen(identity, GG_AUTH_IDENTITY_MAX + 1);
	if (ilen == 0 || ilen > GG_AUTH_IDENTITY_MAX)
		return GG_AUTH_IDENTITY_MISMATCH;

	names = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	if (names == NULL)
		return GG_AUTH_IDENTITY_MISMATCH;
	for (i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		const unsigned char *uri;
		int ulen;

		if (gn->type != GEN_URI)
			continue;
		uri = ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier);
		ulen = ASN1_STRING_length(gn->d.uniformResourceIdentifier);
		/* Lengths first: an embedded NUL cannot cut a comparison short. */
		if ((size_t)ulen == plen + ilen &&
				memcmp(uri, prefix, plen) == 0 &&
				memcmp(uri + plen, identity, ilen) == 0) {
			st = GG_AUTH_OK;
			break;
		}
	}
	GENERAL_NAMES_free(names);
	return st;
}

static char *
leaf_pem(X509 *leaf)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *pem = NULL;
	long n;

	if (bio == NULL)
		return NULL;
	if (PEM_write_bio_X509(bio, leaf) == 1) {
		n = BIO_get_mem_data(bio, &data);
		pem = n > 0 ? malloc((size_t)n + 1) : NULL;
		if (pem != NULL) {
			memcpy(pem, data, (size_t)n);
			pem[n] = '\0';
		}
	}
	BIO_free(bio);
	return pem;
}

enum gg_auth_status
gg_auth_cert_verify(const struct gg_auth_trust *t, const uint8_t *cert,
		size_t len, const char *identity, time_t now,
		struct gg_auth_cert **out)
{
	STACK_OF(X509) *chain = NULL;
	struct gg_auth_cert *c;
	enum gg_auth_status st;
	X509 *leaf = NULL;

	if (out == NULL)
		return GG_AUTH_INTERNAL;
	*out = NULL;
	if (t == NULL)
		return GG_AUTH_INTERNAL;
	if (len > GG_AUTH_CERT_MAX)
		return GG_AUTH_TOO_BIG;
	if (cert == NULL || len == 0)
		return GG_AUTH_BAD_ENCODING;

	st = decode(cert, len, &leaf, &chain);
	if (st != GG_AUTH_OK)
		goto done;
	st = verify_chain(t, leaf, chain, now);
	if (st != GG_AUTH_OK)
		goto done;
	if (!auth_key_supported(X509_get0_pubkey(leaf))) {
		st = GG_AUTH_UNSUPPORTED_KEY;
		goto done;
	}
	st = check_usage(leaf);
	if (st != GG_AUTH_OK)
		goto done;
	st = check_identity(leaf, identity);
	if (st != GG_AUTH_OK)
		goto done;

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		st = GG_AUTH_INTERNAL;
		goto done;
	}
	c->pem = leaf_pem(leaf);
	if (c->pem == NULL) {
		free(c);
		st = GG_AUTH_INTERNAL;
		goto done;
	}
	c->leaf = leaf;
	leaf = NULL;
	*out = c;

done:
	X509_free(leaf);
	sk_X509_pop_free(chain, X509_free);
	ERR_clear_error();
	return st;
}

const char *
gg_auth_cert_pem(const struct gg_auth_cert *c)
{
	return c->pem;
}

EVP_PKEY *
gg_auth_cert_pubkey(const struct gg_auth_cert *c)
{
	return X509_get0_pubkey(c->leaf);
}

time_t
gg_auth_cert_not_after(const struct gg_auth_cert *c)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(X509_get0_notAfter(c->leaf), &tm) != 1)
		return 0;
	return timegm(&tm);
}

void
gg_auth_cert_free(struct gg_auth_cert *c)
{
	if (c == NULL)
		return;
	X509_free(c->leaf);
	free(c->pem);
	free(c);
}
