/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The AuSF's verification cache: device certificates that passed
 * gg_auth_cert_verify(), keyed by the certificate URL, the octets fetched
 * (kept and compared in full) and the identity they were verified for. A challenge POST
 * whose certificate (from the fetcher's cache or fetched again) is the
 * same octets at the same URL for the same identity reuses the verified
 * handle instead of verifying the chain again: with a warm cache a POST
 * costs no public-key operation, an authentication one (the device's
 * signature).
 *
 * Freshness: an entry lives cert_cache_ttl seconds (the fetcher's cache
 * TTL, so a certificate revoked at the CA or a trust change is seen as
 * late as the fetcher would) and never past the certificate's notAfter.
 * Other octets at the URL (a new certificate) miss and are verified.
 *
 * Entries are shared: each context holding a verified certificate holds a
 * reference; an entry evicted (LRU beyond its size) or expired stays until
 * its last reference goes. Control lcore only. Costs: a hash of URL and
 * identity and a memcmp() of the body per lookup (a SHA-256 of the body
 * was a third of a challenge POST's instructions: 25k of 78k); per entry
 * its URL, identity, the octets (about 700) and the parsed certificate (a
 * few KiB).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ausf_private.h"

struct vcert {
	struct vcert *next;          /* hash chain, while cached */
	TAILQ_ENTRY(vcert) lru;      /* while cached */
	struct gg_auth_cert *cert;
	const uint8_t *body;         /* the octets verified, after url[] */
	size_t len;
	time_t expires;
	unsigned int refs;           /* contexts + 1 while cached */
	bool cached;
	char identity[GG_STORE_IDENTITY_MAX + 1];
	char url[];
};

struct vcache {
	struct vcert **b;
	uint32_t mask;
	uint32_t n, max;
	uint32_t ttl_s;
	TAILQ_HEAD(vcert_lru, vcert) lru; /* most recently used first */
};

static uint32_t
hash(const char *url, const char *identity)
{
	uint32_t h = 2166136261u;

	while (*url != '\0')
		h = (h ^ (uint8_t)*url++) * 16777619u;
	h = (h ^ 0xff) * 16777619u; /* no byte of either string */
	while (*identity != '\0')
		h = (h ^ (uint8_t)*identity++) * 16777619u;
	return h;
}

struct vcache *
vcache_create(uint32_t entries, uint32_t ttl_s)
{
	struct vcache *vc = calloc(1, sizeof(*vc));
	uint32_t n = 64;

	if (vc == NULL)
		return NULL;
	while (n < entries * 2 && n < (1u << 20))
		n <<= 1;
	vc->b = calloc(n, sizeof(*vc->b));
	if (vc->b == NULL) {
		free(vc);
		return NULL;
	}
	vc->mask = n - 1;
	vc->max = entries;
	vc->ttl_s = ttl_s;
	TAILQ_INIT(&vc->lru);
	return vc;
}

void
vcert_put(struct vcert *v)
{
	if (v == NULL || --v->refs > 0)
		return;
	gg_auth_cert_free(v->cert);
	free(v);
}

struct gg_auth_cert *
vcert_cert(const struct vcert *v)
{
	return v->cert;
}

static void
drop(struct vcache *vc, struct vcert *v)
{
	struct vcert **pp;

	for (pp = &vc->b[hash(v->url, v->identity) & vc->mask]; *pp != NULL;
			pp = &(*pp)->next)
		if (*pp == v) {
			*pp = v->next;
			break;
		}
	TAILQ_REMOVE(&vc->lru, v, lru);
	vc->n--;
	v->cached = false;
	vcert_put(v);
}

void
vcache_free(struct vcache *vc)
{
	struct vcert *v;

	if (vc == NULL)
		return;
	while ((v = TAILQ_FIRST(&vc->lru)) != NULL)
		drop(vc, v);
	free(vc->b);
	free(vc);
}

struct vcert *
vcache_get(struct vcache *vc, const char *url, const uint8_t *body,
		size_t len, const char *identity, time_t now)
{
	struct vcert *v;

	if (vc == NULL || vc->max == 0)
		return NULL;
	for (v = vc->b[hash(url, identity) & vc->mask]; v != NULL; v = v->next) {
		if (v->len != len || memcmp(v->body, body, len) != 0 ||
				strcmp(v->url, url) != 0 ||
				strcmp(v->identity, identity) != 0)
			continue;
		if (now >= v->expires) {
			drop(vc, v);
			return NULL;
		}
		TAILQ_REMOVE(&vc->lru, v, lru);
		TAILQ_INSERT_HEAD(&vc->lru, v, lru);
		v->refs++;
		return v;
	}
	return NULL;
}

struct vcert *
vcache_add(struct vcache *vc, const char *url, const uint8_t *body,
		size_t len, const char *identity, struct gg_auth_cert *cert,
		time_t now)
{
	size_t ulen = strlen(url) + 1;
	struct vcert *v = calloc(1, sizeof(*v) + ulen + len);
	time_t not_after = gg_auth_cert_not_after(cert);
	uint32_t b;

	if (v == NULL) {
		gg_auth_cert_free(cert);
		return NULL;
	}
	memcpy(v->url, url, ulen);
	snprintf(v->identity, sizeof(v->identity), "%s", identity);
	v->cert = cert;
	v->refs = 1;
	memcpy(v->url + ulen, body, len);
	v->body = (const uint8_t *)v->url + ulen;
	v->len = len;
	if (vc == NULL || vc->max == 0)
		return v; /* not cached: the caller's reference only */
	v->expires = now + (time_t)vc->ttl_s;
	if (not_after != 0 && not_after < v->expires)
		v->expires = not_after;
	while (vc->n >= vc->max)
		drop(vc, TAILQ_LAST(&vc->lru, vcert_lru));
	b = hash(url, v->identity) & vc->mask;
	v->next = vc->b[b];
	vc->b[b] = v;
	TAILQ_INSERT_HEAD(&vc->lru, v, lru);
	vc->n++;
	v->cached = true;
	v->refs++;
	return v;
}
