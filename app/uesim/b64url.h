/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * base64url without padding (RFC 4648 section 5, padding dropped as RFC
 * 7515 appendix C does): the encoding of the AuSF's challenge and of the
 * device's signature in the JSON bodies of doc/ausf-api.rst.
 *
 * Pure functions, no allocation; they run in the time of one pass over
 * the input.
 */
#ifndef UESIM_B64URL_H
#define UESIM_B64URL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** Characters b64url_encode() writes for @p n octets (the NUL not counted). */
#define B64URL_ENC_LEN(n) (((n) / 3) * 4 + ((n) % 3 == 0 ? 0 : (n) % 3 + 1))
/** Octets b64url_decode() may write for @p n characters, at most. */
#define B64URL_DEC_MAX(n) (((n) / 4) * 3 + ((n) % 4 == 0 ? 0 : (n) % 4 - 1))

/**
 * Encode @p len octets of @p in into @p out and terminate it with a NUL.
 * @return the characters written (B64URL_ENC_LEN(len)), or -1 when @p room
 *         is less than that plus one (then @p out is left untouched).
 */
ssize_t b64url_encode(const void *in, size_t len, char *out, size_t room);

/**
 * Decode @p len characters of @p in into @p out. Strict, so that a
 * message has one encoding only: the alphabet is A-Z a-z 0-9 '-' '_'
 * exactly; padding ('='), white space, '+' and '/' are refused, as are a
 * length of 4k+1 characters and unused trailing bits that are not zero.
 * @return the octets written, or -1 when the input is not canonical
 *         base64url without padding or @p room is too small (then what
 *         @p out holds is unspecified).
 */
ssize_t b64url_decode(const char *in, size_t len, uint8_t *out, size_t room);

#endif /* UESIM_B64URL_H */
