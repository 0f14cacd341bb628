/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The AuSF's context table: chained hash buckets by context id and by
 * device identity (FNV-1a), plus one list of every context for the expiry
 * sweep. Buckets are sized once for the configured capacity.
 */
#include <stdlib.h>
#include <string.h>

#include "ausf_private.h"

static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

int
ctx_table_init(struct ctx_table *t, uint32_t capacity)
{
	uint32_t n = 64;

	while (n < capacity && n < (1u << 24))
		n <<= 1;
	memset(t, 0, sizeof(*t));
	t->by_id = calloc(n, sizeof(*t->by_id));
	t->by_identity = calloc(n, sizeof(*t->by_identity));
	if (t->by_id == NULL || t->by_identity == NULL) {
		free(t->by_id);
		free(t->by_identity);
		return -1;
	}
	t->mask = n - 1;
	return 0;
}

void
ctx_table_fini(struct ctx_table *t)
{
	free(t->by_id);
	free(t->by_identity);
	memset(t, 0, sizeof(*t));
}

void
ctx_table_add(struct ctx_table *t, struct ctx *c)
{
	uint32_t b = fnv1a(c->id) & t->mask, d = fnv1a(c->identity) & t->mask;

	c->next_by_id = t->by_id[b];
	t->by_id[b] = c;
	c->next_by_identity = t->by_identity[d];
	t->by_identity[d] = c;
	c->prev = NULL;
	c->next = t->all;
	if (t->all != NULL)
		t->all->prev = c;
	t->all = c;
	t->count++;
}

void
ctx_table_remove(struct ctx_table *t, struct ctx *c)
{
	struct ctx **pp;

	for (pp = &t->by_id[fnv1a(c->id) & t->mask]; *pp != NULL;
			pp = &(*pp)->next_by_id)
		if (*pp == c) {
			*pp = c->next_by_id;
			break;
		}
	for (pp = &t->by_identity[fnv1a(c->identity) & t->mask]; *pp != NULL;
			pp = &(*pp)->next_by_identity)
		if (*pp == c) {
			*pp = c->next_by_identity;
			break;
		}
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		t->all = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	t->count--;
}

struct ctx *
ctx_by_id(const struct ctx_table *t, const char *id)
{
	struct ctx *c;

	for (c = t->by_id[fnv1a(id) & t->mask]; c != NULL; c = c->next_by_id)
		if (strcmp(c->id, id) == 0)
			return c;
	return NULL;
}

struct ctx *
ctx_by_identity(const struct ctx_table *t, const char *identity)
{
	struct ctx *c;

	for (c = t->by_identity[fnv1a(identity) & t->mask]; c != NULL;
			c = c->next_by_identity)
		if ((c->state == CTX_AUTHENTICATED || c->state == CTX_DETACHING) &&
				strcmp(c->identity, identity) == 0)
			return c;
	return NULL;
}
