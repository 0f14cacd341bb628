/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/auth internals shared between its files (not installed, no prefix).
 */
#ifndef AUTH_PRIVATE_H
#define AUTH_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "gg_siphash.h"

/* RSA moduli accepted, in bits. */
#define AUTH_RSA_MIN_BITS 2048
#define AUTH_RSA_MAX_BITS 8192

/*
 * The one key policy for certificates and device keys: EC on P-256, or RSA
 * of AUTH_RSA_MIN_BITS..AUTH_RSA_MAX_BITS (an RSA-PSS-only key, OID
 * id-RSASSA-PSS, is not RSA here and is refused).
 */
bool auth_key_supported(const EVP_PKEY *key);

/*
 * Password callback for every PEM read: refuses, so that an encrypted
 * block fails instead of OpenSSL's default callback prompting on the
 * terminal of a daemon.
 */
int auth_no_password(char *buf, int size, int rwflag, void *u);

/* Write "what: reason" into err (if any), the reason printf-style. */
void auth_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* SipHash-2-4 of data under the 128-bit key (k0, k1): lib/siphash's. */
static inline uint64_t
auth_siphash24(uint64_t k0, uint64_t k1, const void *data, size_t len)
{
	return gg_siphash24_words(k0, k1, data, len);
}

#endif /* AUTH_PRIVATE_H */
