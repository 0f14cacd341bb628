/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/http internals shared by its files: big-endian loads and stores on
 * unaligned packet octets, SipHash-2-4 over preloaded key words, and the
 * per-connection hash state the cookie and the close tag both start from.
 */
#ifndef HTTP_PRIVATE_H
#define HTTP_PRIVATE_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#include "gg_http.h"

/* Low bits of the client's closing ACK that carry the close tag. */
#define HTTP_TAG_MASK 0xfu

/* The 302 around its Location value and padding; 97 octets in all. */
#define HTTP_REPLY_HEAD "HTTP/1.1 302 Found\r\nLocation: "
#define HTTP_REPLY_MID "\r\nCache-Control: no-store"
#define HTTP_REPLY_TAIL "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
#define HTTP_REPLY_TAIL_LEN (sizeof(HTTP_REPLY_TAIL) - 1)

_Static_assert(sizeof(HTTP_REPLY_HEAD) - 1 == GG_HTTP_REPLY_HEAD_LEN,
		"GG_HTTP_REPLY_HEAD_LEN out of step with the reply text");
_Static_assert(sizeof(HTTP_REPLY_MID) - 1 == GG_HTTP_REPLY_MID_LEN,
		"GG_HTTP_REPLY_MID_LEN out of step with the reply text");
_Static_assert(GG_HTTP_REPLY_HEAD_LEN + GG_HTTP_REPLY_MID_LEN +
		HTTP_REPLY_TAIL_LEN == GG_HTTP_REPLY_FIXED_LEN,
		"GG_HTTP_REPLY_FIXED_LEN out of step with the reply text");

/*
 * The original URL, percent-encoded, into out: "http://" host target, or
 * target alone when host_len is 0 (absolute form). Returns its length, 0
 * when it does not fit room or there is nothing to encode. Octets of out
 * up to room may be overwritten past the returned length.
 */
size_t http_url_encode(const uint8_t *host, size_t host_len,
		const uint8_t *target, size_t target_len, char *out,
		size_t room);

static inline uint16_t
http_load_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_16(v);
}

static inline uint32_t
http_load_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_32(v);
}

static inline void
http_store_be16(uint8_t *p, uint16_t v)
{
	v = rte_cpu_to_be_16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void
http_store_be32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, sizeof(v));
}

/* SipHash-2-4 with the key already split into its two LE words. */
uint64_t http_siphash(uint64_t k0, uint64_t k1, const uint8_t *data,
		size_t len);

/*
 * The hash input of a cookie or a close tag is 22 octets (see
 * http_cookie.c): SipHash's first block is the two addresses, the same for
 * every hash of a connection. A struct http_conn holds the state after it,
 * so that a segment needing two hashes (a request: its cookie and the
 * close tag of the 302) compresses the addresses once.
 */
struct http_conn {
	uint64_t v0, v1, v2, v3; /* SipHash state after the addresses */
	uint32_t ports;          /* sport, dport as on the wire: LE word */
};

/* Addresses and ports in network order, as in the headers. */
void http_conn_init(const struct gg_http_redirect *cfg, uint32_t saddr,
		uint32_t daddr, uint16_t sport, uint16_t dport,
		struct http_conn *c);

/* gg_syncookie_make() and gg_syncookie_check() from a struct http_conn. */
uint32_t http_cookie_make(const struct http_conn *c, uint32_t isn,
		uint16_t mss, uint64_t now_s);
int http_cookie_check(const struct http_conn *c, uint32_t isn,
		uint32_t cookie, uint64_t now_s, uint16_t *mss);

/*
 * Keyed 4-bit tag of a connection and the sequence number the client's FIN
 * will carry once all its data is acknowledged. See the file comment of
 * gg_http.h.
 */
uint32_t http_close_tag(const struct http_conn *c, uint32_t client_next);

#endif /* HTTP_PRIVATE_H */
