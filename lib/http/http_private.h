/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/http internals shared by its files: SipHash-2-4 over preloaded key
 * words, the close tag carried by the client's FIN, big-endian loads and
 * stores on unaligned packet octets.
 */
#ifndef HTTP_PRIVATE_H
#define HTTP_PRIVATE_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#include "gg_http.h"

/* Low bits of the client's closing ACK that carry the close tag. */
#define HTTP_TAG_MASK 0xfu

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
 * Keyed 4-bit tag of a connection's 4-tuple (network order, client side
 * first) and the sequence number the client's FIN will carry once all its
 * data is acknowledged. See the file comment of gg_http.h.
 */
uint32_t http_close_tag(const struct gg_http_redirect *cfg, uint32_t saddr,
		uint32_t daddr, uint16_t sport, uint16_t dport,
		uint32_t client_next);

#endif /* HTTP_PRIVATE_H */
