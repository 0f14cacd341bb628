/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of lib/fetch shared by its files: the URL canonicaliser's
 * parts and the certificate cache. Same threading rule as gg_fetch.h (one
 * thread).
 */
#ifndef FETCH_PRIVATE_H
#define FETCH_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "gg_fetch.h"

/* What fetch_url_canon() found, for the second opinion of libcurl's URL
 * parser. Host as written in the canonical URL ("[::1]" for IPv6). */
struct url_parts {
	char scheme[8];
	char host[GG_FETCH_URL_MAX + 1];
	uint16_t port;          /* explicit or the scheme's default */
	int has_query;
};

/* Canonical form of url into out; parts may be NULL. Length, -EINVAL or
 * -ENOSPC. */
int fetch_url_canon(const char *url, char *out, size_t size,
		struct url_parts *parts);

struct fetch_cache;

/* Counters the cache keeps for gg_fetch_stats. */
struct fetch_cache_stats {
	uint64_t expired;
	uint64_t evicted;
};

/* NULL on ENOMEM. entries > 0, ttl_ms > 0. */
struct fetch_cache *fetch_cache_create(unsigned int entries, uint64_t ttl_ms);
void fetch_cache_free(struct fetch_cache *c);
/* 1 and the body (valid until the next cache call) on a live hit, which
 * becomes the most recently used; 0 on a miss (an expired entry is
 * dropped). */
int fetch_cache_lookup(struct fetch_cache *c, const char *url,
		uint64_t now_ms, const uint8_t **body, size_t *len,
		long *http_status);
/* Copy and insert (or replace), evicting the least recently used when
 * full. 0 or -ENOMEM (then nothing is cached). */
int fetch_cache_insert(struct fetch_cache *c, const char *url,
		const uint8_t *body, size_t len, long http_status, uint64_t now_ms);
void fetch_cache_clear(struct fetch_cache *c);
const struct fetch_cache_stats *fetch_cache_stats(const struct fetch_cache *c);

#endif /* FETCH_PRIVATE_H */
