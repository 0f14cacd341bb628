/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The subscription profile: a JSON document (doc/profile.rst, schema
 * doc/profile.schema.json) that the operator's portal signs and encrypts
 * to the device certificate, and that the device decrypts and verifies.
 *
 * JSON (gg_profile_to_json(), gg_profile_from_json()): one object, every
 * member required except sNssai.sd, no other members, no duplicate keys.
 * Hex strings are lowercase on output, either case on input. Errors name
 * the member and the problem ("plmnId.mnc: want 2 or 3 digits") and never
 * quote a value (K and OPc are secrets, and any value could be one).
 *
 * CMS layering (gg_profile_seal(), gg_profile_open()):
 *
 *     ContentInfo AuthEnvelopedData (AES-256-GCM, the default)
 *              or EnvelopedData (AES-256-CBC)          RFC 5652, RFC 5083
 *       one recipient, the device certificate:
 *         RSA key: KeyTransRecipientInfo, RSAES-OAEP with SHA-256 and
 *                  MGF1 SHA-256, empty label                   RFC 8017
 *         EC key:  KeyAgreeRecipientInfo, ephemeral-static ECDH
 *                  dhSinglePass-stdDH-sha256kdf-scheme (X9.63 KDF with
 *                  SHA-256), key wrap AES-256 (id-aes256-wrap)  RFC 5753
 *       encrypted content type id-data, whose octets are the DER of
 *         ContentInfo SignedData (SHA-256; ECDSA or RSA by the signer key)
 *           encapsulated content type id-data, embedded: the JSON octets
 *           signed attributes: content type, message digest, signing time
 *           certificates: the provisioning certificate and its chain
 *
 * The inner SignedData is carried as id-data (a whole ContentInfo, not a
 * bare SignedData under id-signedData) so that the two openssl CLI steps
 * open it, exactly what "openssl cms -sign | openssl cms -encrypt" makes:
 *
 *     openssl cms -decrypt -inform DER -in p.der -inkey dev.key \
 *             -recip dev.pem -out signed.der
 *     openssl cms -verify -inform DER -in signed.der \
 *             -CAfile operator-ca.pem -out profile.json
 *
 * Opening checks, in order: size, DER well-formed with nothing after it,
 * envelope type, a recipient for the device certificate whose algorithm
 * is the one above (RSA PKCS#1 v1.5 key transport and SHA-1 KDFs are
 * refused), decryption (the GCM tag, or CBC padding), content type
 * id-data, inner DER well-formed and a SignedData (else "not signed"),
 * exactly one signer, eContentType id-data, and the signature and signer
 * chain against the operator CA file at the current time, with OpenSSL's
 * default purpose for CMS (S/MIME signing: keyUsage, if present, must
 * allow digitalSignature or nonRepudiation; extendedKeyUsage, if present,
 * must include emailProtection), the same check "openssl cms -verify"
 * makes. The provisioning certificate of scripts/test-pki.sh has
 * keyUsage digitalSignature and no extendedKeyUsage. The content cipher
 * itself is whatever the envelope names (OpenSSL refuses unknown ones);
 * integrity never rests on it because the signature is checked after.
 *
 * Secrets: the JSON text and struct gg_profile hold K and OPc; free them
 * with gg_profile_json_free() and gg_profile_clear(), which overwrite
 * first. Nothing here logs.
 *
 * Threads: functions keep no global state; a signer is read-only once
 * loaded and may be used by several threads at once. Costs, measured on
 * one shared AMD EPYC core with OpenSSL 3.0: gg_profile_from_json() 8 us,
 * gg_profile_to_json() 5 us; gg_profile_seal() 0.37 ms to an EC P-256
 * device (ECDSA signature, ephemeral ECDH) and 0.28 ms to RSA 2048;
 * gg_profile_open() 1.2 ms (EC) and 1.6 ms (RSA 2048), of which reading
 * the three PEM files and the chain verification are a large part. Not
 * for a worker lcore; the portal and gg-uesim call these once per
 * sign-up or delivery.
 */
#ifndef GG_PROFILE_H
#define GG_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The JSON document's "version"; another value is refused. */
#define GG_PROFILE_VERSION 1
/** Largest JSON document accepted or produced, in octets. */
#define GG_PROFILE_JSON_MAX 4096
/** Largest sealed profile (DER) accepted by gg_profile_open(). */
#define GG_PROFILE_DER_MAX 65536
/** Largest device certificate (PEM) accepted by gg_profile_seal(). */
#define GG_PROFILE_CERT_MAX 16384

/** One subscription. Strings are NUL-terminated UTF-8. */
struct gg_profile {
	/** "imsi-" + MCC + MNC + MSIN, 6 to 15 digits in all. */
	char supi[21];
	uint8_t k[16];          /**< subscriber key K (secret) */
	uint8_t opc[16];        /**< OPc = OP xor E_K(OP) (secret) */
	uint8_t amf[2];         /**< authentication management field */
	char mcc[4];            /**< 3 digits */
	char mnc[4];            /**< 2 or 3 digits */
	/** Data network name: dot-separated labels of [A-Za-z0-9-], 1..63. */
	char dnn[64];
	uint8_t sst;            /**< slice/service type */
	uint32_t sd;            /**< slice differentiator, 24 bits */
	bool has_sd;            /**< false: no "sd" member */
	/** Plan identifier: [A-Za-z0-9._-], 1..32. */
	char plan_id[33];
	/** Plan name shown to the user: 1..64 octets, no control characters. */
	char plan_name[65];
	/** Validity, Unix seconds UTC; valid_from_s < valid_until_s. */
	uint64_t valid_from_s, valid_until_s;
	/** Operator name: 1..128 octets, no control characters. */
	char issuer[129];
	/** The device's identity (SUPI/SUCI/NAI as it authenticated):
	 * printable ASCII without spaces, 1..128. */
	char device_identity[129];
};

/** Content encryption of gg_profile_seal(). */
enum gg_profile_cipher {
	GG_PROFILE_AES256_GCM = 0, /**< AuthEnvelopedData (default) */
	GG_PROFILE_AES256_CBC,     /**< EnvelopedData */
};

/**
 * Build the SUPI "imsi-<mcc><mnc><msin>" from a sequence number: the MSIN
 * is @p seq zero-padded to 10 digits for a 2-digit MNC, 9 for a 3-digit
 * one (so the IMSI has 15 digits).
 *
 * @return 0, or -1 (errno EINVAL) when mcc/mnc are malformed or @p seq
 *   does not fit the MSIN.
 */
int
gg_profile_make_supi(const char *mcc, const char *mnc, uint64_t seq,
		char supi[21]);

/**
 * Check every field of @p p (the rules of gg_profile_from_json()).
 *
 * @return 0, or -1 with the reason in @p err.
 */
int
gg_profile_validate(const struct gg_profile *p, char *err, size_t errlen);

/**
 * Encode @p p (validated first) as the JSON document, two-space indented,
 * members in the documented order, no trailing newline.
 *
 * @return malloc'd NUL-terminated text (free with gg_profile_json_free()),
 *   or NULL with the reason in @p err.
 */
char *
gg_profile_to_json(const struct gg_profile *p, char *err, size_t errlen);

/**
 * Decode and validate the JSON document @p json of @p len octets (at most
 * GG_PROFILE_JSON_MAX; it need not be NUL-terminated).
 *
 * @return 0, or -1 with the reason in @p err and @p p cleared.
 */
int
gg_profile_from_json(const char *json, size_t len, struct gg_profile *p,
		char *err, size_t errlen);

/** Overwrite, then free, a text from gg_profile_to_json() or
 * gg_profile_open(); NULL is fine. */
void
gg_profile_json_free(char *json);

/** Overwrite @p p (it holds K and OPc). */
void
gg_profile_clear(struct gg_profile *p);

/** The operator's signing material: key, certificate and chain. Opaque. */
struct gg_profile_signer;

/**
 * Load the provisioning certificate (PEM; further certificates in the
 * same file are the chain, carried in the SignedData) and its private key
 * (unencrypted PEM). The key must match the certificate.
 *
 * @return the signer, or NULL with the reason in @p err.
 */
struct gg_profile_signer *
gg_profile_signer_load(const char *cert_pem_path, const char *key_pem_path,
		char *err, size_t errlen);

/** Free a signer (its key is overwritten by OpenSSL); NULL is fine. */
void
gg_profile_signer_free(struct gg_profile_signer *sg);

/**
 * Seal a profile: check that @p json is a valid profile document, sign it
 * with @p sg, then encrypt it to @p device_cert_pem (a NUL-terminated
 * PEM certificate, the first one is used; RSA of 2048 bits or more, or
 * EC on a named curve).
 *
 * @param der      Output: the DER ContentInfo, malloc'd (free()).
 * @param der_len  Output: its length.
 * @return 0, or -1 with the reason in @p err (outputs untouched).
 */
int
gg_profile_seal(const struct gg_profile_signer *sg, const char *json,
		size_t json_len, const char *device_cert_pem,
		enum gg_profile_cipher cipher, uint8_t **der, size_t *der_len,
		char *err, size_t errlen);

/**
 * Open a sealed profile: decrypt with the device key, verify the
 * signature against the operator CA and return the JSON octets. The JSON
 * is not parsed here; call gg_profile_from_json() (and check
 * device_identity) on the result.
 *
 * @param der                   The DER ContentInfo (at most
 *                              GG_PROFILE_DER_MAX octets).
 * @param device_key_pem_path   The device's private key (unencrypted PEM).
 * @param device_cert_pem_path  The device's certificate (PEM, first one
 *                              used); it selects the recipient and must
 *                              match the key.
 * @param operator_ca_pem_path  Trusted operator CA certificate(s), PEM.
 * @param json      Output: malloc'd, NUL-terminated (free with
 *                  gg_profile_json_free()).
 * @param json_len  Output: octets before the NUL.
 * @return 0, or -1 with the reason in @p err (outputs untouched).
 */
int
gg_profile_open(const uint8_t *der, size_t der_len,
		const char *device_key_pem_path, const char *device_cert_pem_path,
		const char *operator_ca_pem_path, char **json, size_t *json_len,
		char *err, size_t errlen);

#endif /* GG_PROFILE_H */
