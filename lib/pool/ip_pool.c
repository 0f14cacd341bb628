/* SPDX-License-Identifier: BSD-3-Clause */
/* UE IPv4 address pool: a bitmap over the prefix (see gg_pool.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "gg_pool.h"

struct gg_ip_pool {
	uint32_t base;     /* host order, host bits zero */
	uint32_t count;    /* addresses in the prefix */
	uint32_t first;    /* first and last offsets that may be handed out */
	uint32_t last;
	uint32_t cursor;   /* next offset to try */
	uint32_t used;
	uint64_t bits[];   /* bit set: in use */
};

struct gg_ip_pool *
gg_ip_pool_create(uint32_t base_be, uint8_t prefix_len)
{
	struct gg_ip_pool *p;
	uint64_t count;

	if (prefix_len < 8 || prefix_len > 32) {
		errno = EINVAL;
		return NULL;
	}
	count = 1ull << (32 - prefix_len);
	p = calloc(1, sizeof(*p) + ((count + 63) / 64) * sizeof(uint64_t));
	if (p == NULL)
		return NULL;
	p->count = (uint32_t)count;
	p->base = ntohl(base_be) & ~(uint32_t)(count - 1);
	p->first = count >= 4 ? 1 : 0;
	p->last = count >= 4 ? (uint32_t)count - 2 : (uint32_t)count - 1;
	p->cursor = p->first;
	return p;
}

void
gg_ip_pool_free(struct gg_ip_pool *p)
{
	free(p);
}

static int
in_use(const struct gg_ip_pool *p, uint32_t off)
{
	return (p->bits[off / 64] >> (off % 64)) & 1;
}

static void
set_use(struct gg_ip_pool *p, uint32_t off, int on)
{
	if (on)
		p->bits[off / 64] |= 1ull << (off % 64);
	else
		p->bits[off / 64] &= ~(1ull << (off % 64));
}

int
gg_ip_pool_alloc(struct gg_ip_pool *p, uint32_t *addr_be)
{
	uint32_t span = p->last - p->first + 1, i, off;

	if (p->used == span)
		return -ENOSPC;
	for (i = 0, off = p->cursor; i < span; i++) {
		if (!in_use(p, off)) {
			set_use(p, off, 1);
			p->used++;
			p->cursor = off == p->last ? p->first : off + 1;
			*addr_be = htonl(p->base + off);
			return 0;
		}
		off = off == p->last ? p->first : off + 1;
	}
	return -ENOSPC;
}

int
gg_ip_pool_contains(const struct gg_ip_pool *p, uint32_t addr_be)
{
	return ntohl(addr_be) - p->base < p->count;
}

int
gg_ip_pool_reserve(struct gg_ip_pool *p, uint32_t addr_be)
{
	uint32_t off = ntohl(addr_be) - p->base;

	if (off >= p->count || off < p->first || off > p->last)
		return -ERANGE;
	if (in_use(p, off))
		return -EEXIST;
	set_use(p, off, 1);
	p->used++;
	return 0;
}

int
gg_ip_pool_release(struct gg_ip_pool *p, uint32_t addr_be)
{
	uint32_t off = ntohl(addr_be) - p->base;

	if (off >= p->count || !in_use(p, off))
		return -ENOENT;
	set_use(p, off, 0);
	p->used--;
	return 0;
}

uint32_t
gg_ip_pool_size(const struct gg_ip_pool *p)
{
	return p->last - p->first + 1;
}

uint32_t
gg_ip_pool_used(const struct gg_ip_pool *p)
{
	return p->used;
}
