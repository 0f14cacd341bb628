/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * One-way certificate authentication of a device that has no subscription
 * (the AuSF side), the device-side signing helper, and a rate limiter for
 * the control lcore.
 *
 * The exchange (the HTTP API around it lives elsewhere):
 *
 * 1. The device sends its identity (supiOrSuci, e.g.
 *    "nai-dev0001@maker.example" or "imei-490154203237518"), the serving
 *    network name (e.g. "5G:mnc001.mcc001.3gppnetwork.org") and its
 *    Certificate URL.
 * 2. The AuSF fetches the certificate (not done here), calls
 *    gg_auth_cert_verify() on the bytes, and on GG_AUTH_OK sends a fresh
 *    challenge from gg_auth_challenge() (GG_AUTH_CHALLENGE_LEN octets).
 * 3. The device signs gg_auth_tbs(challenge, serving network name,
 *    identity) with its private key (gg_auth_sign()) and returns the
 *    signature.
 * 4. The AuSF rebuilds the same byte string from what it sent and what it
 *    was told, and calls gg_auth_verify_signature(). A challenge must be
 *    used once and briefly: the caller forgets it after this call, whatever
 *    the result, and refuses an answer that comes too late (its own timer).
 *
 * To-be-signed byte string (gg_auth_tbs()), version 1:
 *
 *     "gardengate one-way auth v1"  26 ASCII octets (GG_AUTH_TBS_LABEL)
 *     0x00                           1 octet
 *     len(challenge) challenge       2-octet big-endian length, octets
 *     len(snn) snn                   idem, serving network name, no NUL
 *     len(identity) identity         idem, the identity as sent, no NUL
 *
 * The label separates this signature from any other use of the device key
 * (a signature made for TLS or anything else never starts with it), and the
 * version in it lets a v2 change the layout without ambiguity. The lengths
 * make the encoding injective: ("ab", "c") and ("a", "bc") differ. Binding
 * the serving network name stops a signature obtained by one network from
 * being replayed to another; binding the identity stops a device's
 * signature being presented for another identity.
 *
 * Signature schemes, chosen by the certificate's key:
 * - EC P-256: ECDSA with SHA-256, the DER-encoded ECDSA-Sig-Value (what
 *   "openssl dgst -sha256 -sign" writes). Raw r||s is rejected.
 * - RSA (2048 to 8192 bits): RSASSA-PSS with SHA-256, MGF1 with SHA-256 and
 *   a salt of exactly 32 octets. A fixed salt length means one scheme, not
 *   a family; PKCS#1 v1.5 signatures are rejected so that a signature made
 *   for some legacy protocol with the same key can never be accepted.
 *
 * The same signatures from the command line (tbs.bin holds the byte
 * string, e.g. written by a test or a shell printf):
 *
 *     openssl dgst -sha256 -sign dev-ec.key -out sig.der tbs.bin
 *     openssl dgst -sha256 -sign dev-rsa.key -sigopt rsa_padding_mode:pss \
 *             -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256 \
 *             -out sig.bin tbs.bin
 *
 * Threads: a trust handle is read-only once loaded and may be shared by
 * threads verifying at the same time; a cert handle is read-only; a rate
 * limiter belongs to one thread (the control lcore). Nothing here runs on
 * a worker lcore. Measured on one AMD EPYC core with OpenSSL 3.0:
 * gg_auth_cert_verify() 0.3 ms for a leaf issued by the anchor, 0.6 ms
 * with one intermediate; gg_auth_verify_signature() 75 us (P-256) or
 * 30 us (RSA 2048); gg_auth_sign() 32 us (P-256) or 0.65 ms (RSA 2048);
 * gg_auth_challenge() 1 us; gg_auth_ratelimit_allow() 0.1 us.
 */
#ifndef GG_AUTH_H
#define GG_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>
#include <time.h>

#include <openssl/types.h>

/** Largest certificate input accepted (leaf plus intermediates, DER or PEM). */
#define GG_AUTH_CERT_MAX 16384
/** Most certificates in a PEM input: the leaf and up to 3 intermediates. */
#define GG_AUTH_CHAIN_MAX 4
/** Challenge length issued by the AuSF. */
#define GG_AUTH_CHALLENGE_LEN 32
/** Longest challenge gg_auth_tbs() takes. */
#define GG_AUTH_CHALLENGE_MAX 64
/** Longest identity (octets, no NUL): the HTTP layer refuses longer ones. */
#define GG_AUTH_IDENTITY_MAX 255
/** Longest serving network name (octets, no NUL). */
#define GG_AUTH_SNN_MAX 255
/** Label opening the to-be-signed string (followed by one NUL octet). */
#define GG_AUTH_TBS_LABEL "gardengate one-way auth v1"
/** Room that always holds gg_auth_tbs()'s output: 27 + 3 * 2 + maxima. */
#define GG_AUTH_TBS_MAX (sizeof(GG_AUTH_TBS_LABEL) + 6 + \
		GG_AUTH_CHALLENGE_MAX + GG_AUTH_SNN_MAX + GG_AUTH_IDENTITY_MAX)
/** Largest signature: RSA 8192. An ECDSA P-256 one is at most 72 octets. */
#define GG_AUTH_SIG_MAX 1024
/** Prefix of the subjectAltName URI binding an identity to a certificate. */
#define GG_AUTH_URN_PREFIX "urn:gardengate:device:"

/** Outcome of a verification; each is a distinct reason for the logs. */
enum gg_auth_status {
	GG_AUTH_OK = 0,
	GG_AUTH_BAD_ENCODING,     /**< not a certificate (DER or PEM), or trailing junk */
	GG_AUTH_UNTRUSTED,        /**< no valid chain to a trust anchor */
	GG_AUTH_EXPIRED,          /**< a certificate of the chain is past notAfter */
	GG_AUTH_NOT_YET_VALID,    /**< a certificate of the chain is before notBefore */
	GG_AUTH_BAD_KEY_USAGE,    /**< leaf lacks digitalSignature/clientAuth, or is a CA */
	GG_AUTH_IDENTITY_MISMATCH,/**< no SAN URI urn:gardengate:device:<identity> */
	GG_AUTH_UNSUPPORTED_KEY,  /**< leaf key not EC P-256 nor RSA 2048..8192 */
	GG_AUTH_BAD_SIGNATURE,    /**< the challenge signature does not verify */
	GG_AUTH_TOO_BIG,          /**< input over GG_AUTH_CERT_MAX or GG_AUTH_CHAIN_MAX */
	GG_AUTH_INTERNAL,         /**< out of memory, library failure or misuse */
};

/** The trusted manufacturer CAs (opaque). */
struct gg_auth_trust;
/** A verified device certificate (opaque). */
struct gg_auth_cert;
/** A table of token buckets keyed by strings (opaque). */
struct gg_auth_ratelimit;

/** Name of a status ("ok", "untrusted", ...), for logs, counters and tests. */
const char *gg_auth_status_name(enum gg_auth_status st);

/**
 * Load the manufacturer CA bundle: a PEM file of one or more CA
 * certificates. Every certificate in it is a trust anchor; each must be a
 * CA (basicConstraints cA). Intermediates belong in the fetched
 * certificate, after the leaf, not here: partial chains are not accepted,
 * so an intermediate in the bundle anchors nothing unless its root is in
 * the bundle too. No system CA is ever trusted.
 *
 * @return the handle, or NULL with a one-line reason in @p err.
 */
struct gg_auth_trust *gg_auth_trust_load(const char *ca_bundle_path,
		char *err, size_t errlen);

/** Free a trust handle. NULL is a no-op. */
void gg_auth_trust_free(struct gg_auth_trust *t);

/**
 * Verify a device certificate fetched from its Certificate URL.
 *
 * @p cert is DER (exactly one certificate, no trailing octet) or PEM (the
 * leaf first, then up to GG_AUTH_CHAIN_MAX - 1 intermediates; text between
 * blocks is ignored). PEM is recognised by "-----BEGIN" after optional
 * white space. Checks, in this order, the first failure deciding:
 *
 * 1. size (TOO_BIG), then decoding (BAD_ENCODING, also for a leaf whose
 *    extensions do not decode);
 * 2. the chain to a trust anchor at time @p now (UNTRUSTED, EXPIRED,
 *    NOT_YET_VALID), RFC 5280 path validation by OpenSSL; a chain whose CA
 *    keys are under 112-bit security or that is signed with SHA-1 is
 *    UNTRUSTED;
 * 3. the leaf key: EC on P-256, or RSA of 2048 to 8192 bits
 *    (UNSUPPORTED_KEY); the upper bound caps what one request can cost;
 * 4. the leaf's usage (BAD_KEY_USAGE): keyUsage must be present and assert
 *    digitalSignature (a missing keyUsage would allow every use), an
 *    extendedKeyUsage, if present, must list id-kp-clientAuth
 *    (anyExtendedKeyUsage alone is refused, as RFC 5280 4.2.1.12 permits),
 *    and the leaf must not be a CA;
 * 5. the identity (IDENTITY_MISMATCH): some subjectAltName URI must equal
 *    GG_AUTH_URN_PREFIX followed by @p identity, octet for octet. Not the
 *    subject CN: a CN is free text in one of several string types, may
 *    repeat, and carries no type, so it would need normalising and could
 *    be confused with a display name; a SAN URI is a typed IA5String the
 *    manufacturer CA writes for exactly this purpose. Case-sensitive
 *    because the NSS of a URN is (RFC 8141) and so is the user part of an
 *    NAI (RFC 7542): the device must send its identity exactly as its
 *    certificate states it. A SUCI with a real protection scheme cannot
 *    match: a device with no subscription has no home network key and
 *    sends its identity in the clear (null scheme).
 *
 * Certificate signatures failing inside the chain are UNTRUSTED;
 * BAD_SIGNATURE is kept for the challenge signature.
 *
 * @param now  the time to check validity at (time(NULL) in production)
 * @param out  set to a new handle on GG_AUTH_OK, to NULL otherwise
 */
enum gg_auth_status gg_auth_cert_verify(const struct gg_auth_trust *t,
		const uint8_t *cert, size_t len, const char *identity, time_t now,
		struct gg_auth_cert **out);

/** The leaf certificate as PEM text, NUL-terminated, for the store. */
const char *gg_auth_cert_pem(const struct gg_auth_cert *c);

/** The leaf's public key, owned by the handle (do not free). */
EVP_PKEY *gg_auth_cert_pubkey(const struct gg_auth_cert *c);

/** The leaf's notAfter as Unix seconds (0 if it cannot be read): how long
 * a verification result may be reused. */
time_t gg_auth_cert_not_after(const struct gg_auth_cert *c);

/** Free a cert handle. NULL is a no-op. */
void gg_auth_cert_free(struct gg_auth_cert *c);

/**
 * Fill @p buf with @p len random octets from OpenSSL's CSPRNG (RAND_bytes).
 * @return 0, or -1 if the generator failed (then @p buf must not be used).
 */
int gg_auth_challenge(uint8_t *buf, size_t len);

/**
 * Write the to-be-signed byte string (see the file comment) into @p out.
 *
 * @param clen  1 to GG_AUTH_CHALLENGE_MAX
 * @param snn   serving network name, 1 to GG_AUTH_SNN_MAX octets
 * @param identity  1 to GG_AUTH_IDENTITY_MAX octets
 * @return octets written, or 0 if a field is out of range or @p room is
 *         too small (GG_AUTH_TBS_MAX is always enough).
 */
size_t gg_auth_tbs(uint8_t *out, size_t room, const uint8_t *challenge,
		size_t clen, const char *snn, const char *identity);

/**
 * Verify the device's signature over @p tbs with the certificate's key,
 * using the scheme of its key type (see the file comment).
 * @return GG_AUTH_OK, GG_AUTH_BAD_SIGNATURE (also for an empty or oversized
 *         signature, or one of the other scheme), or GG_AUTH_INTERNAL.
 */
enum gg_auth_status gg_auth_verify_signature(const struct gg_auth_cert *c,
		const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
		size_t sig_len);

/**
 * Device side: load an unencrypted PEM private key (PKCS#8, or the
 * traditional EC/RSA forms). An encrypted key fails rather than prompting
 * on the terminal. The key must be of a type gg_auth_cert_verify()
 * accepts. The caller frees it with EVP_PKEY_free(); it can also serve
 * for decrypting what is sent to the device.
 * @return the key, or NULL with a one-line reason in @p err.
 */
EVP_PKEY *gg_auth_key_load(const char *path, char *err, size_t errlen);

/**
 * Device side: sign @p tbs with @p key, ECDSA-SHA256 or RSA-PSS-SHA256
 * (salt 32) by key type.
 * @param sig_len  in: room in @p sig (GG_AUTH_SIG_MAX is always enough);
 *                 out: the signature's length
 * @return 0, or -1 (unsupported key, room too small, library failure).
 */
int gg_auth_sign(EVP_PKEY *key, const uint8_t *tbs, size_t tbs_len,
		uint8_t *sig, size_t *sig_len);

/** Rate limiter settings. */
struct gg_auth_ratelimit_params {
	/** Keys tracked at once; rounded up to a multiple of 8, at least 8. */
	uint32_t capacity;
	/** Requests a key may make at once (bucket size), at least 1. */
	uint32_t burst;
	/** Milliseconds to earn back one request, at least 1. */
	uint32_t refill_ms;
	/** Hash key; 0 draws a random one (set it only in tests). */
	uint64_t seed;
};

/**
 * Create a rate limiter: one token bucket per key (a device identity, a
 * client address), @p burst tokens at most, one more every @p refill_ms.
 * E.g. burst 5, refill_ms 6000: five attempts at once, then ten a minute.
 *
 * Keys live in sets of 8 slots chosen by a keyed hash (SipHash-2-4, so
 * nobody can aim many keys at one set without knowing the seed); a new key
 * in a full set evicts the slot used least recently. An evicted key comes
 * back with a full bucket: a client owning more keys than the capacity is
 * not limited per key, so put a limit on a coarser key (the client
 * address) in front. Keys are compared by their 64-bit hash alone; two keys
 * colliding would share a bucket, which only ever limits more.
 *
 * Memory: 24 octets per slot. Cost of a call: one hash of the key and a
 * scan of 8 slots.
 * @return the limiter, or NULL with errno set (EINVAL, ENOMEM).
 */
struct gg_auth_ratelimit *gg_auth_ratelimit_create(
		const struct gg_auth_ratelimit_params *p);

/** Free a limiter. NULL is a no-op. */
void gg_auth_ratelimit_free(struct gg_auth_ratelimit *rl);

/**
 * Take one token from @p key's bucket at time @p now_ms (any monotonic
 * millisecond clock; a clock going back earns nothing).
 * @return true if the request may proceed, false if the key is over its
 *         rate.
 */
bool gg_auth_ratelimit_allow(struct gg_auth_ratelimit *rl, const char *key,
		uint64_t now_ms);

/**
 * base64url without padding (RFC 4648 5) of @p len octets into @p out
 * (NUL-terminated). Returns the characters written, 0 if @p room is too
 * small. Any thread.
 */
size_t gg_auth_b64url_encode(const uint8_t *in, size_t len, char *out,
		size_t room);

/**
 * Decode unpadded, canonical base64url text. Returns the octets written,
 * or -1 on a bad character, a bad length, non-zero trailing bits or when
 * @p room is too small. Any thread.
 */
ssize_t gg_auth_b64url_decode(const char *in, uint8_t *out, size_t room);

#endif /* GG_AUTH_H */
