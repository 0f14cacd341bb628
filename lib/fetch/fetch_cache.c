/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The certificate cache: canonical URL -> body of a successful fetch, with
 * a lifetime and a capacity. A chained hash table (FNV-1a, at least as many
 * buckets as entries, so chains stay about one long) and a doubly linked
 * LRU list. Expired entries are dropped when looked up or when they reach
 * the LRU end; nothing scans the table. One allocation per entry (entry,
 * URL and body together).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fetch_private.h"

struct entry {
	struct entry *hnext;     /* hash chain */
	struct entry *newer;     /* LRU list, towards the most recent */
	struct entry *older;
	uint64_t hash;
	uint64_t expires_ms;
	long http_status;
	size_t len;
	uint8_t *body;           /* inside this allocation, after url */
	char url[];
};

struct fetch_cache {
	struct entry **buckets;
	uint64_t mask;
	struct entry *newest;
	struct entry *oldest;
	unsigned int n;
	unsigned int capacity;
	uint64_t ttl_ms;
	struct fetch_cache_stats stats;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct fetch_cache *
fetch_cache_create(unsigned int entries, uint64_t ttl_ms)
{
	struct fetch_cache *c = calloc(1, sizeof(*c));
	uint64_t nb = 16;

	if (c == NULL)
		return NULL;
	while (nb < entries)
		nb <<= 1;
	c->buckets = calloc(nb, sizeof(*c->buckets));
	if (c->buckets == NULL) {
		free(c);
		return NULL;
	}
	c->mask = nb - 1;
	c->capacity = entries;
	c->ttl_ms = ttl_ms;
	return c;
}

static void
lru_unlink(struct fetch_cache *c, struct entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void
lru_push_newest(struct fetch_cache *c, struct entry *e)
{
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest != NULL)
		c->newest->newer = e;
	c->newest = e;
	if (c->oldest == NULL)
		c->oldest = e;
}

static void
entry_remove(struct fetch_cache *c, struct entry *e)
{
	struct entry **pp = &c->buckets[e->hash & c->mask];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(c, e);
	c->n--;
	free(e);
}

static struct entry *
entry_find(struct fetch_cache *c, const char *url, uint64_t h)
{
	struct entry *e;

	for (e = c->buckets[h & c->mask]; e != NULL; e = e->hnext)
		if (e->hash == h && strcmp(e->url, url) == 0)
			return e;
	return NULL;
}

int
fetch_cache_lookup(struct fetch_cache *c, const char *url, uint64_t now_ms,
		const uint8_t **body, size_t *len, long *http_status)
{
	struct entry *e = entry_find(c, url, hash_str(url));

	if (e == NULL)
		return 0;
	if (now_ms >= e->expires_ms) {
		c->stats.expired++;
		entry_remove(c, e);
		return 0;
	}
	lru_unlink(c, e);
	lru_push_newest(c, e);
	*body = e->body;
	*len = e->len;
	*http_status = e->http_status;
	return 1;
}

int
fetch_cache_insert(struct fetch_cache *c, const char *url, const uint8_t *body,
		size_t len, long http_status, uint64_t now_ms)
{
	uint64_t h = hash_str(url);
	size_t ulen = strlen(url) + 1;
	struct entry *e = entry_find(c, url, h);

	if (e != NULL)
		entry_remove(c, e);
	/* Make room: expired or not, the oldest goes first. */
	while (c->n >= c->capacity && c->oldest != NULL) {
		if (now_ms >= c->oldest->expires_ms)
			c->stats.expired++;
		else
			c->stats.evicted++;
		entry_remove(c, c->oldest);
	}
	e = malloc(sizeof(*e) + ulen + len);
	if (e == NULL)
		return -ENOMEM;
	memcpy(e->url, url, ulen);
	e->body = (uint8_t *)e->url + ulen;
	memcpy(e->body, body, len);
	e->len = len;
	e->hash = h;
	e->http_status = http_status;
	e->expires_ms = now_ms + c->ttl_ms;
	e->hnext = c->buckets[h & c->mask];
	c->buckets[h & c->mask] = e;
	lru_push_newest(c, e);
	c->n++;
	return 0;
}

void
fetch_cache_clear(struct fetch_cache *c)
{
	while (c->oldest != NULL)
		entry_remove(c, c->oldest);
}

void
fetch_cache_free(struct fetch_cache *c)
{
	if (c == NULL)
		return;
	fetch_cache_clear(c);
	free(c->buckets);
	free(c);
}

const struct fetch_cache_stats *
fetch_cache_stats(const struct fetch_cache *c)
{
	return &c->stats;
}
