/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Token buckets keyed by strings, in a fixed table of 8-way sets with LRU
 * eviction, for throttling authentication attempts on the control lcore.
 * Behaviour and limits are in gg_auth.h.
 *
 * A bucket's content is kept as credit in milliseconds: one token is
 * refill_ms of credit, a full bucket burst * refill_ms, and time earns
 * credit one for one. Integer arithmetic only, no rounding drift.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "gg_auth.h"
#include "auth_private.h"

#define WAYS 8
/* Keeps sets * WAYS * sizeof(struct slot) far from overflowing. */
#define CAPACITY_MAX (1u << 24)

struct slot {
	uint64_t hash;		/* 0: free */
	uint64_t last_ms;	/* credit computed up to here; LRU order */
	uint64_t credit;	/* ms of refill time banked */
};

struct gg_auth_ratelimit {
	uint64_t k0, k1;	/* SipHash key */
	uint64_t full;		/* burst * refill_ms */
	uint64_t cost;		/* refill_ms */
	uint32_t nsets;
	struct slot slots[];	/* nsets * WAYS */
};

struct gg_auth_ratelimit *
gg_auth_ratelimit_create(const struct gg_auth_ratelimit_params *p)
{
	struct gg_auth_ratelimit *rl;
	uint64_t key[2];
	uint32_t nsets;

	if (p == NULL || p->burst == 0 || p->refill_ms == 0 ||
			p->capacity > CAPACITY_MAX) {
		errno = EINVAL;
		return NULL;
	}
	nsets = (p->capacity + WAYS - 1) / WAYS;
	if (nsets == 0)
		nsets = 1;
	if (p->seed != 0) {
		key[0] = p->seed;
		key[1] = ~p->seed;
	} else if (RAND_bytes((unsigned char *)key, sizeof(key)) != 1) {
		ERR_clear_error();
		errno = EIO;
		return NULL;
	}
	rl = calloc(1, sizeof(*rl) + (size_t)nsets * WAYS * sizeof(struct slot));
	if (rl == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	rl->k0 = key[0];
	rl->k1 = key[1];
	rl->cost = p->refill_ms;
	rl->full = (uint64_t)p->burst * p->refill_ms;
	rl->nsets = nsets;
	return rl;
}

void
gg_auth_ratelimit_free(struct gg_auth_ratelimit *rl)
{
	free(rl);
}

bool
gg_auth_ratelimit_allow(struct gg_auth_ratelimit *rl, const char *key,
		uint64_t now_ms)
{
	uint64_t h = auth_siphash24(rl->k0, rl->k1, key, strlen(key));
	struct slot *set, *s, *victim;
	unsigned int i;

	if (h == 0)
		h = 1;
	set = &rl->slots[(size_t)(h % rl->nsets) * WAYS];
	victim = &set[0];
	for (i = 0; i < WAYS; i++) {
		s = &set[i];
		if (s->hash == h)
			goto found;
		/* Free slots have last_ms 0 and hash 0: prefer those. */
		if (s->hash == 0) {
			if (victim->hash != 0)
				victim = s;
		} else if (victim->hash != 0 && s->last_ms < victim->last_ms) {
			victim = s;
		}
	}

	/* New key, or one evicted earlier: a full bucket, less this request. */
	victim->hash = h;
	victim->last_ms = now_ms;
	victim->credit = rl->full - rl->cost;
	return true;

found:
	if (now_ms > s->last_ms) {
		uint64_t earned = now_ms - s->last_ms;

		s->credit = earned >= rl->full - s->credit ?
			rl->full : s->credit + earned;
		s->last_ms = now_ms;
	}
	if (s->credit < rl->cost)
		return false;
	s->credit -= rl->cost;
	return true;
}
