/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sealing and opening a profile with OpenSSL's CMS: SignedData by the
 * operator's provisioning key inside (Auth)EnvelopedData to the device
 * certificate. The layering and the checks are specified in gg_profile.h;
 * the algorithm parameters are set on the recipient's EVP_PKEY_CTX in the
 * CMS_PARTIAL flow (add recipient with CMS_KEY_PARAM, set parameters,
 * CMS_final), the same way "openssl cms -encrypt -keyopt" does.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "gg_profile.h"
#include "profile_private.h"

#define RSA_MIN_BITS 2048

struct gg_profile_signer {
	X509 *cert;
	EVP_PKEY *key;
	STACK_OF(X509) *chain;  /* may be empty, never NULL */
};

/* Error with the most recent OpenSSL reason appended (no secrets in
 * those: they name the failing step), and the queue cleared. */
static void
ossl_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;

	if (reason != NULL)
		profile_err(err, errlen, "%s (%s)", what, reason);
	else
		profile_err(err, errlen, "%s", what);
	ERR_clear_error();
}

/* A PEM pass phrase is never asked for: keys must be unencrypted. */
static int
no_password(char *buf, int size, int rwflag, void *u)
{
	return 0;
}

static EVP_PKEY *
key_load(const char *path, char *err, size_t errlen)
{
	EVP_PKEY *key = NULL;
	BIO *b;

	if (path == NULL || (b = BIO_new_file(path, "r")) == NULL) {
		profile_err(err, errlen, "%s: cannot open",
				path != NULL ? path : "(no key path)");
		ERR_clear_error();
		return NULL;
	}
	key = PEM_read_bio_PrivateKey(b, NULL, no_password, NULL);
	BIO_free(b);
	if (key == NULL)
		profile_err(err, errlen, "%s: no unencrypted PEM private key",
				path);
	ERR_clear_error();
	return key;
}

/* The first PEM certificate of a file, the rest into @p chain if given. */
static X509 *
certs_load(const char *path, STACK_OF(X509) *chain, char *err, size_t errlen)
{
	X509 *leaf, *c;
	BIO *b;

	if (path == NULL || (b = BIO_new_file(path, "r")) == NULL) {
		profile_err(err, errlen, "%s: cannot open",
				path != NULL ? path : "(no certificate path)");
		ERR_clear_error();
		return NULL;
	}
	leaf = PEM_read_bio_X509(b, NULL, no_password, NULL);
	if (leaf == NULL) {
		profile_err(err, errlen, "%s: no PEM certificate", path);
		goto out;
	}
	while (chain != NULL &&
			(c = PEM_read_bio_X509(b, NULL, no_password, NULL)) !=
			NULL) {
		if (!sk_X509_push(chain, c)) {
			X509_free(c);
			X509_free(leaf);
			leaf = NULL;
			profile_err(err, errlen, "out of memory");
			goto out;
		}
	}
out:
	BIO_free(b);
	ERR_clear_error();
	return leaf;
}

struct gg_profile_signer *
gg_profile_signer_load(const char *cert_pem_path, const char *key_pem_path,
		char *err, size_t errlen)
{
	struct gg_profile_signer *sg = calloc(1, sizeof(*sg));

	if (sg == NULL) {
		profile_err(err, errlen, "out of memory");
		return NULL;
	}
	sg->chain = sk_X509_new_null();
	if (sg->chain == NULL) {
		profile_err(err, errlen, "out of memory");
		goto fail;
	}
	sg->cert = certs_load(cert_pem_path, sg->chain, err, errlen);
	if (sg->cert == NULL)
		goto fail;
	sg->key = key_load(key_pem_path, err, errlen);
	if (sg->key == NULL)
		goto fail;
	if (X509_check_private_key(sg->cert, sg->key) != 1) {
		profile_err(err, errlen, "%s: key does not match %s",
				key_pem_path, cert_pem_path);
		ERR_clear_error();
		goto fail;
	}
	return sg;
fail:
	gg_profile_signer_free(sg);
	return NULL;
}

void
gg_profile_signer_free(struct gg_profile_signer *sg)
{
	if (sg == NULL)
		return;
	X509_free(sg->cert);
	EVP_PKEY_free(sg->key);
	sk_X509_pop_free(sg->chain, X509_free);
	free(sg);
}

/* The DER of @p cms, malloc'd. */
static int
cms_der(CMS_ContentInfo *cms, uint8_t **der, size_t *len)
{
	unsigned char *buf = NULL;
	int n = i2d_CMS_ContentInfo(cms, &buf);

	if (n <= 0)
		return -1;
	*der = malloc((size_t)n);
	if (*der == NULL) {
		OPENSSL_free(buf);
		return -1;
	}
	memcpy(*der, buf, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(buf);
	return 0;
}

/* The whole buffer is exactly one DER ContentInfo. */
static CMS_ContentInfo *
cms_parse(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms;

	if (len == 0 || len > GG_PROFILE_DER_MAX)
		return NULL;
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	if (cms != NULL && p != der + len) {
		CMS_ContentInfo_free(cms);
		return NULL;
	}
	return cms;
}

/* Set the recipient's algorithms: RSA-OAEP SHA-256, or ECDH with the
 * SHA-256 X9.63 KDF and AES-256 key wrap. */
static int
recipient_params(CMS_RecipientInfo *ri, int key_type, char *err,
		size_t errlen)
{
	EVP_PKEY_CTX *pctx = CMS_RecipientInfo_get0_pkey_ctx(ri);
	EVP_CIPHER_CTX *wrap;

	if (pctx == NULL) {
		profile_err(err, errlen, "recipient: no key context");
		return -1;
	}
	if (key_type == EVP_PKEY_RSA) {
		if (EVP_PKEY_CTX_set_rsa_padding(pctx,
					RSA_PKCS1_OAEP_PADDING) <= 0 ||
				EVP_PKEY_CTX_set_rsa_oaep_md(pctx,
					EVP_sha256()) <= 0 ||
				EVP_PKEY_CTX_set_rsa_mgf1_md(pctx,
					EVP_sha256()) <= 0) {
			ossl_err(err, errlen, "recipient: cannot set RSA-OAEP");
			return -1;
		}
		return 0;
	}
	wrap = CMS_RecipientInfo_kari_get0_ctx(ri);
	if (EVP_PKEY_CTX_set_ecdh_kdf_md(pctx, EVP_sha256()) <= 0 ||
			wrap == NULL ||
			EVP_EncryptInit_ex(wrap, EVP_aes_256_wrap(), NULL, NULL,
				NULL) != 1) {
		ossl_err(err, errlen, "recipient: cannot set ECDH parameters");
		return -1;
	}
	return 0;
}

/* The device certificate: parsed, with a key we can encrypt to. */
static X509 *
device_cert_parse(const char *pem, int *key_type, char *err, size_t errlen)
{
	EVP_PKEY *pk;
	X509 *cert;
	BIO *b;
	size_t len;

	if (pem == NULL) {
		profile_err(err, errlen, "device certificate: none");
		return NULL;
	}
	len = strnlen(pem, GG_PROFILE_CERT_MAX + 1);
	if (len > GG_PROFILE_CERT_MAX) {
		profile_err(err, errlen,
				"device certificate: larger than %d octets",
				GG_PROFILE_CERT_MAX);
		return NULL;
	}
	b = BIO_new_mem_buf(pem, (int)len);
	cert = b != NULL ? PEM_read_bio_X509(b, NULL, no_password, NULL) :
		NULL;
	BIO_free(b);
	ERR_clear_error();
	if (cert == NULL) {
		profile_err(err, errlen, "device certificate: not PEM");
		return NULL;
	}
	pk = X509_get0_pubkey(cert);
	*key_type = pk != NULL ? EVP_PKEY_get_base_id(pk) : EVP_PKEY_NONE;
	if (*key_type == EVP_PKEY_RSA && EVP_PKEY_get_bits(pk) >= RSA_MIN_BITS)
		return cert;
	if (*key_type == EVP_PKEY_EC)
		return cert;
	profile_err(err, errlen,
			"device certificate: want an RSA key of %d bits or more, or an EC key",
			RSA_MIN_BITS);
	X509_free(cert);
	return NULL;
}

int
gg_profile_seal(const struct gg_profile_signer *sg, const char *json,
		size_t json_len, const char *device_cert_pem,
		enum gg_profile_cipher cipher, uint8_t **der, size_t *der_len,
		char *err, size_t errlen)
{
	const unsigned int fl = CMS_BINARY | CMS_NOSMIMECAP;
	CMS_ContentInfo *sd = NULL, *env = NULL;
	STACK_OF(X509) *none = NULL;
	uint8_t *signed_der = NULL;
	size_t signed_len = 0;
	struct gg_profile p;
	CMS_RecipientInfo *ri;
	X509 *dev = NULL;
	BIO *in = NULL;
	int key_type = EVP_PKEY_NONE;
	int rc = -1;

	if (sg == NULL || json == NULL || der == NULL || der_len == NULL) {
		profile_err(err, errlen, "seal: missing argument");
		return -1;
	}
	if (cipher != GG_PROFILE_AES256_GCM && cipher != GG_PROFILE_AES256_CBC) {
		profile_err(err, errlen, "seal: unknown cipher");
		return -1;
	}
	/* Never sign something the device would refuse. */
	if (gg_profile_from_json(json, json_len, &p, err, errlen) != 0)
		return -1;
	gg_profile_clear(&p);
	dev = device_cert_parse(device_cert_pem, &key_type, err, errlen);
	if (dev == NULL)
		return -1;

	in = BIO_new_mem_buf(json, (int)json_len);
	if (in == NULL) {
		profile_err(err, errlen, "out of memory");
		goto out;
	}
	sd = CMS_sign(sg->cert, sg->key, sg->chain, in, fl);
	if (sd == NULL) {
		ossl_err(err, errlen, "seal: signing failed");
		goto out;
	}
	if (cms_der(sd, &signed_der, &signed_len) != 0) {
		ossl_err(err, errlen, "seal: cannot encode SignedData");
		goto out;
	}

	none = sk_X509_new_null();
	if (none == NULL) {
		profile_err(err, errlen, "out of memory");
		goto out;
	}
	/* An AEAD cipher makes CMS_encrypt() build AuthEnvelopedData. */
	env = CMS_encrypt(none, NULL, cipher == GG_PROFILE_AES256_GCM ?
			EVP_aes_256_gcm() : EVP_aes_256_cbc(),
			fl | CMS_PARTIAL);
	if (env == NULL) {
		ossl_err(err, errlen, "seal: cannot create the envelope");
		goto out;
	}
	ri = CMS_add1_recipient_cert(env, dev, CMS_KEY_PARAM);
	if (ri == NULL) {
		ossl_err(err, errlen, "seal: cannot add the device as recipient");
		goto out;
	}
	if (recipient_params(ri, key_type, err, errlen) != 0)
		goto out;
	BIO_free(in);
	in = BIO_new_mem_buf(signed_der, (int)signed_len);
	if (in == NULL) {
		profile_err(err, errlen, "out of memory");
		goto out;
	}
	if (CMS_final(env, in, NULL, fl) != 1) {
		ossl_err(err, errlen, "seal: encryption failed");
		goto out;
	}
	if (cms_der(env, der, der_len) != 0) {
		ossl_err(err, errlen, "seal: cannot encode the envelope");
		goto out;
	}
	rc = 0;
out:
	BIO_free(in);
	CMS_ContentInfo_free(sd);
	CMS_ContentInfo_free(env);
	sk_X509_free(none);
	X509_free(dev);
	if (signed_der != NULL) {
		OPENSSL_cleanse(signed_der, signed_len);
		free(signed_der);
	}
	ERR_clear_error();
	return rc;
}

/* The RSA-OAEP parameters name SHA-256 for both the hash and MGF1. */
static bool
oaep_sha256(const X509_ALGOR *alg)
{
	const ASN1_OBJECT *obj;
	const void *pval;
	const ASN1_STRING *params;
	const unsigned char *p;
	RSA_OAEP_PARAMS *oaep;
	X509_ALGOR *mgf_md = NULL;
	const ASN1_OBJECT *hobj = NULL, *mobj = NULL;
	int ptype;
	bool ok = false;

	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	if (OBJ_obj2nid(obj) != NID_rsaesOaep || ptype != V_ASN1_SEQUENCE)
		return false;
	params = pval;
	p = ASN1_STRING_get0_data(params);
	oaep = d2i_RSA_OAEP_PARAMS(NULL, &p, ASN1_STRING_length(params));
	if (oaep == NULL)
		return false;
	/* Absent hashFunc or maskGenFunc means SHA-1: refused. */
	if (oaep->hashFunc != NULL && oaep->maskGenFunc != NULL) {
		X509_ALGOR_get0(&hobj, NULL, NULL, oaep->hashFunc);
		X509_ALGOR_get0(&mobj, &ptype, &pval, oaep->maskGenFunc);
		if (OBJ_obj2nid(mobj) == NID_mgf1 && ptype == V_ASN1_SEQUENCE) {
			params = pval;
			p = ASN1_STRING_get0_data(params);
			mgf_md = d2i_X509_ALGOR(NULL, &p,
					ASN1_STRING_length(params));
		}
		if (mgf_md != NULL) {
			X509_ALGOR_get0(&mobj, NULL, NULL, mgf_md);
			ok = OBJ_obj2nid(hobj) == NID_sha256 &&
				OBJ_obj2nid(mobj) == NID_sha256;
		}
	}
	X509_ALGOR_free(mgf_md);
	RSA_OAEP_PARAMS_free(oaep);
	return ok;
}

/* The recipient info addressed to @p cert, with our algorithms; NULL
 * with the reason in err. */
static CMS_RecipientInfo *
recipient_find(CMS_ContentInfo *cms, X509 *cert, char *err, size_t errlen)
{
	STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(cms);
	int i, j;

	for (i = 0; i < sk_CMS_RecipientInfo_num(ris); i++) {
		CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(ris, i);
		X509_ALGOR *alg = NULL;

		if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_TRANS) {
			if (CMS_RecipientInfo_ktri_cert_cmp(ri, cert) != 0)
				continue;
			if (CMS_RecipientInfo_ktri_get0_algs(ri, NULL, NULL,
						&alg) != 1 || !oaep_sha256(alg)) {
				profile_err(err, errlen,
					"key transport is not RSA-OAEP with SHA-256 and MGF1 SHA-256");
				return NULL;
			}
			return ri;
		}
		if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_AGREE) {
			STACK_OF(CMS_RecipientEncryptedKey) *reks =
				CMS_RecipientInfo_kari_get0_reks(ri);

			for (j = 0; j < sk_CMS_RecipientEncryptedKey_num(reks);
					j++) {
				CMS_RecipientEncryptedKey *rek =
					sk_CMS_RecipientEncryptedKey_value(reks,
							j);
				const ASN1_OBJECT *obj;

				if (CMS_RecipientEncryptedKey_cert_cmp(rek,
							cert) != 0)
					continue;
				if (CMS_RecipientInfo_kari_get0_alg(ri, &alg,
							NULL) != 1)
					break;
				X509_ALGOR_get0(&obj, NULL, NULL, alg);
				if (OBJ_obj2nid(obj) !=
						NID_dhSinglePass_stdDH_sha256kdf_scheme) {
					profile_err(err, errlen,
						"key agreement is not dhSinglePass-stdDH-sha256kdf-scheme");
					return NULL;
				}
				return ri;
			}
		}
	}
	ERR_clear_error();
	profile_err(err, errlen, "not encrypted to this device certificate");
	return NULL;
}

/* Decrypt the envelope into a malloc'd buffer. */
static int
envelope_open(CMS_ContentInfo *env, EVP_PKEY *key, X509 *cert,
		uint8_t **out, size_t *out_len, char *err, size_t errlen)
{
	const ASN1_OBJECT *ct;
	BIO *mem = BIO_new(BIO_s_mem());
	BUF_MEM *bm;
	int type = OBJ_obj2nid(CMS_get0_type(env));

	if (mem == NULL) {
		profile_err(err, errlen, "out of memory");
		return -1;
	}
	if (type != NID_id_smime_ct_authEnvelopedData &&
			type != NID_pkcs7_enveloped) {
		profile_err(err, errlen,
			"not an EnvelopedData or AuthEnvelopedData");
		goto fail;
	}
	if (recipient_find(env, cert, err, errlen) == NULL)
		goto fail;
	ct = CMS_get0_eContentType(env);
	if (ct == NULL || OBJ_obj2nid(ct) != NID_pkcs7_data) {
		profile_err(err, errlen, "encrypted content type is not id-data");
		goto fail;
	}
	if (CMS_decrypt(env, key, cert, NULL, mem, CMS_BINARY) != 1) {
		ossl_err(err, errlen,
			"cannot decrypt (wrong key, or the data was changed)");
		goto fail;
	}
	BIO_get_mem_ptr(mem, &bm);
	if (bm->length == 0 || bm->length > GG_PROFILE_DER_MAX) {
		profile_err(err, errlen, "decrypted content empty or too large");
		goto fail;
	}
	*out = malloc(bm->length);
	if (*out == NULL) {
		profile_err(err, errlen, "out of memory");
		goto fail;
	}
	memcpy(*out, bm->data, bm->length);
	*out_len = bm->length;
	OPENSSL_cleanse(bm->data, bm->length);
	BIO_free(mem);
	return 0;
fail:
	BIO_get_mem_ptr(mem, &bm);
	if (bm != NULL && bm->data != NULL)
		OPENSSL_cleanse(bm->data, bm->length);
	BIO_free(mem);
	return -1;
}

/* Verify the SignedData against the CA file; the content, malloc'd and
 * NUL-terminated. */
static int
signed_open(const uint8_t *der, size_t len, const char *ca_path, char **json,
		size_t *json_len, char *err, size_t errlen)
{
	CMS_ContentInfo *sd = cms_parse(der, len);
	X509_STORE *store = NULL;
	const ASN1_OBJECT *ct;
	BIO *mem = NULL;
	BUF_MEM *bm;
	int rc = -1;

	if (sd == NULL) {
		ERR_clear_error();
		profile_err(err, errlen,
			"content is not signed (no DER CMS SignedData inside)");
		return -1;
	}
	if (OBJ_obj2nid(CMS_get0_type(sd)) != NID_pkcs7_signed) {
		profile_err(err, errlen, "content is not signed (not a SignedData)");
		goto out;
	}
	if (sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(sd)) != 1) {
		profile_err(err, errlen, "SignedData: want exactly one signer");
		goto out;
	}
	ct = CMS_get0_eContentType(sd);
	if (ct == NULL || OBJ_obj2nid(ct) != NID_pkcs7_data) {
		profile_err(err, errlen, "signed content type is not id-data");
		goto out;
	}
	store = X509_STORE_new();
	if (store == NULL || ca_path == NULL ||
			X509_STORE_load_file(store, ca_path) != 1) {
		profile_err(err, errlen, "%s: cannot load the operator CA",
				ca_path != NULL ? ca_path : "(no CA path)");
		ERR_clear_error();
		goto out;
	}
	mem = BIO_new(BIO_s_mem());
	if (mem == NULL) {
		profile_err(err, errlen, "out of memory");
		goto out;
	}
	/* Default purpose: S/MIME signing, as "openssl cms -verify". */
	if (CMS_verify(sd, NULL, store, NULL, mem, CMS_BINARY) != 1) {
		ossl_err(err, errlen,
			"signature not valid, or signer not under the operator CA");
		goto out;
	}
	BIO_get_mem_ptr(mem, &bm);
	if (bm->length > GG_PROFILE_JSON_MAX) {
		profile_err(err, errlen, "signed content larger than %d octets",
				GG_PROFILE_JSON_MAX);
		goto out;
	}
	*json = malloc(bm->length + 1);
	if (*json == NULL) {
		profile_err(err, errlen, "out of memory");
		goto out;
	}
	memcpy(*json, bm->data, bm->length);
	(*json)[bm->length] = '\0';
	*json_len = bm->length;
	rc = 0;
out:
	if (mem != NULL) {
		BIO_get_mem_ptr(mem, &bm);
		if (bm != NULL && bm->data != NULL)
			OPENSSL_cleanse(bm->data, bm->length);
	}
	BIO_free(mem);
	X509_STORE_free(store);
	CMS_ContentInfo_free(sd);
	ERR_clear_error();
	return rc;
}

int
gg_profile_open(const uint8_t *der, size_t der_len,
		const char *device_key_pem_path, const char *device_cert_pem_path,
		const char *operator_ca_pem_path, char **json, size_t *json_len,
		char *err, size_t errlen)
{
	CMS_ContentInfo *env = NULL;
	uint8_t *inner = NULL;
	size_t inner_len = 0;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int rc = -1;

	if (der == NULL || json == NULL || json_len == NULL) {
		profile_err(err, errlen, "open: missing argument");
		return -1;
	}
	if (der_len > GG_PROFILE_DER_MAX) {
		profile_err(err, errlen, "larger than %d octets",
				GG_PROFILE_DER_MAX);
		return -1;
	}
	env = cms_parse(der, der_len);
	if (env == NULL) {
		ERR_clear_error();
		profile_err(err, errlen, "not one DER CMS ContentInfo");
		return -1;
	}
	cert = certs_load(device_cert_pem_path, NULL, err, errlen);
	if (cert == NULL)
		goto out;
	key = key_load(device_key_pem_path, err, errlen);
	if (key == NULL)
		goto out;
	if (X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		profile_err(err, errlen, "%s: key does not match %s",
				device_key_pem_path, device_cert_pem_path);
		goto out;
	}
	if (envelope_open(env, key, cert, &inner, &inner_len, err,
				errlen) != 0)
		goto out;
	rc = signed_open(inner, inner_len, operator_ca_pem_path, json,
			json_len, err, errlen);
out:
	if (inner != NULL) {
		OPENSSL_cleanse(inner, inner_len);
		free(inner);
	}
	EVP_PKEY_free(key);
	X509_free(cert);
	CMS_ContentInfo_free(env);
	ERR_clear_error();
	return rc;
}
