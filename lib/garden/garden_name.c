/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walled garden domain names: a lock-free rte_hash keyed by a 64-bit hash
 * of the lowercase name, whose data points at the stored name so that a
 * reader verifies every hit (two names sharing a 64-bit hash cannot make a
 * non-garden name match; the second of them is refused at add).
 *
 * Suffix matching in one pass: the hash runs over the characters from the
 * LAST to the first (FNV-1a, 64 bits, seeded per garden), so when the
 * scan reaches a dot, the state is already the hash of the suffix after
 * it. A name of L labels has L label-boundary suffixes, all hashed in one
 * pass over its bytes; only those whose label count some garden name has
 * (a 128-bit mask) are looked up, usually one or two, at most 127 in one
 * bulk lookup. A suffix never starts inside a label, so
 * "badportal.example" cannot match "portal.example", and the garden name
 * must be a suffix, so "portal.example.evil.net" cannot either.
 *
 * Name slots are immutable while published and come back through the
 * name pool's defer queue after the hash key is deleted, so a reader
 * comparing a slot never sees it rewritten.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash.h>

#include "gg_garden.h"
#include "garden_private.h"

#define FNV64_BASIS 0xcbf29ce484222325ULL
#define FNV64_PRIME 0x00000100000001b3ULL

/* Longest label. */
#define LABEL_MAX 63

static inline unsigned char
lower(unsigned char c)
{
	return (unsigned int)(c - 'A') < 26u ? (unsigned char)(c + 32) : c;
}

static inline uint64_t
hash_step(uint64_t h, unsigned char c)
{
	return (h ^ lower(c)) * FNV64_PRIME;
}

/* Hash of a whole (normalised) name, as the reader computes it. */
static uint64_t
name_key(const struct gg_garden *g, const char *name, size_t len)
{
	uint64_t h = FNV64_BASIS ^ g->name_seed;

	while (len-- > 0)
		h = hash_step(h, (unsigned char)name[len]);
	return h;
}

static bool
label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * Lowercase @p in into @p out (GG_GARDEN_NAME_MAX + 1 bytes), without one
 * trailing dot, and count its labels. Returns the length, or -EINVAL.
 */
static int
name_normalise(const char *in, char *out, unsigned int *labels)
{
	size_t len, i, label = 0;

	if (in == NULL)
		return -EINVAL;
	len = strnlen(in, GG_GARDEN_NAME_MAX + 2);
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > GG_GARDEN_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '.') {
			if (label == 0)
				return -EINVAL;
			label = 0;
			(*labels)++;
		} else if (!label_char(c) || ++label > LABEL_MAX) {
			return -EINVAL;
		}
		out[i] = (char)lower(c);
	}
	if (label == 0)
		return -EINVAL;
	(*labels)++;
	out[len] = '\0';
	return (int)len;
}

/* Names with @p labels labels: one more (+1) or one fewer (-1). Control. */
static void
label_count(struct gg_garden *g, unsigned int labels, int delta)
{
	uint64_t *word = &g->label_mask[(labels - 1) / 64];
	uint64_t bit = UINT64_C(1) << ((labels - 1) % 64);
	uint32_t *h = &g->label_hist[labels - 1];

	if (delta > 0 && (*h)++ == 0)
		__atomic_store_n(word, *word | bit, __ATOMIC_RELAXED);
	else if (delta < 0 && --(*h) == 0)
		__atomic_store_n(word, *word & ~bit, __ATOMIC_RELAXED);
}

int
gg_garden_add_name(struct gg_garden *g, const char *name)
{
	char norm[GG_GARDEN_NAME_MAX + 1];
	struct garden_name *slot;
	unsigned int labels = 0;
	uint64_t key;
	void *data;
	uint32_t id;
	int len, ret;

	if (g == NULL)
		return -EINVAL;
	len = name_normalise(name, norm, &labels);
	if (len < 0)
		return len;
	key = name_key(g, norm, (size_t)len);
	if (rte_hash_lookup_data(g->name_h, &key, &data) >= 0) {
		slot = data;
		if (strcmp(slot->name, norm) != 0)
			GARDEN_LOG(WARNING, "%s: \"%s\" refused: same 64-bit "
					"hash as \"%s\"", g->name, norm,
					slot->name);
		return -EEXIST;
	}
	if (__atomic_load_n(&g->n_names, __ATOMIC_RELAXED) >= g->max_names)
		return -ENOSPC;
	id = garden_pool_get(&g->name_pool);
	if (id == UINT32_MAX)
		return -EAGAIN;
	/* No reader can reach the slot yet: plain stores, published below. */
	slot = &g->names[id];
	slot->len = (uint16_t)len;
	memcpy(slot->name, norm, (size_t)len + 1);
	label_count(g, labels, 1);
	ret = rte_hash_add_key_data(g->name_h, &key, slot);
	if (ret < 0) {
		label_count(g, labels, -1);
		garden_pool_put(&g->name_pool, id);
		/* Free key positions all wait for their grace period. */
		return ret == -ENOSPC ? -EAGAIN : ret;
	}
	g->name_pool.live[id] = 1;
	__atomic_fetch_add(&g->n_names, 1, __ATOMIC_RELAXED);
	return 0;
}

int
gg_garden_del_name(struct gg_garden *g, const char *name)
{
	char norm[GG_GARDEN_NAME_MAX + 1];
	struct garden_name *slot;
	unsigned int labels = 0;
	uint64_t key;
	void *data;
	int len;

	if (g == NULL)
		return -EINVAL;
	len = name_normalise(name, norm, &labels);
	if (len < 0)
		return len;
	key = name_key(g, norm, (size_t)len);
	if (rte_hash_lookup_data(g->name_h, &key, &data) < 0)
		return -ENOENT;
	slot = data;
	if (strcmp(slot->name, norm) != 0)
		return -ENOENT;
	/* Unlink first, retire second: see garden.c. */
	rte_hash_del_key(g->name_h, &key);
	label_count(g, labels, -1);
	garden_pool_retire(&g->name_pool, (uint32_t)(slot - g->names));
	__atomic_fetch_sub(&g->n_names, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Worker: stored (lowercase) name == query suffix, ignoring the query's case. */
static inline bool
name_equal(const char *stored, const unsigned char *q, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)stored[i] != lower(q[i]))
			return false;
	return true;
}

/* Worker: is there a garden name of @p labels labels? */
static inline bool
label_wanted(const uint64_t mask[2], unsigned int labels)
{
	return (mask[(labels - 1) / 64] >> ((labels - 1) % 64)) & 1;
}

/* Worker: verify the hits of a lookup of keys[0..n). */
static inline bool
verify(const struct garden_name *slot, const unsigned char *s, size_t len,
		size_t st)
{
	return slot->len == len - st && name_equal(slot->name, s + st, slot->len);
}

bool
gg_garden_match_name(const struct gg_garden *g, const char *name, size_t len)
{
	const unsigned char *s = (const unsigned char *)name;
	uint64_t keys[GARDEN_LABELS_MAX];
	uint8_t start[GARDEN_LABELS_MAX];
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	unsigned int n = 0, done, chunk, j, labels, max_labels;
	uint64_t mask[2], h, hits;
	size_t k;

	if (s == NULL)
		return false;
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > GG_GARDEN_NAME_MAX || s[0] == '.')
		return false;
	mask[0] = __atomic_load_n(&g->label_mask[0], __ATOMIC_RELAXED);
	mask[1] = __atomic_load_n(&g->label_mask[1], __ATOMIC_RELAXED);
	if (mask[1] != 0)
		max_labels = 128 - (unsigned int)__builtin_clzll(mask[1]);
	else if (mask[0] != 0)
		max_labels = 64 - (unsigned int)__builtin_clzll(mask[0]);
	else
		return false;

	/*
	 * Right to left; labels counts the labels of the suffix being
	 * hashed. Past the longest garden name only the dots are checked.
	 */
	h = FNV64_BASIS ^ g->name_seed;
	labels = 1;
	for (k = len; k-- > 0; ) {
		if (s[k] == '.') {
			/* A second trailing dot or two dots: empty label. */
			if (k + 1 == len || s[k + 1] == '.')
				return false;
			if (labels <= max_labels && label_wanted(mask, labels)) {
				keys[n] = h;
				start[n] = (uint8_t)(k + 1);
				n++;
			}
			labels++;
		}
		if (labels <= max_labels)
			h = hash_step(h, s[k]);
	}
	if (labels <= max_labels && label_wanted(mask, labels)) {
		keys[n] = h;
		start[n] = 0;
		n++;
	}

	if (n == 1) {
		void *d;

		return rte_hash_lookup_data(g->name_h, &keys[0], &d) >= 0 &&
			verify(d, s, len, start[0]);
	}
	/* Shortest suffix first; any verified hit decides. */
	for (done = 0; done < n; done += chunk) {
		chunk = RTE_MIN(n - done, (unsigned int)RTE_HASH_LOOKUP_BULK_MAX);
		for (j = 0; j < chunk; j++)
			kp[j] = &keys[done + j];
		hits = 0;
		rte_hash_lookup_bulk_data(g->name_h, kp, chunk, &hits, data);
		while (hits != 0) {
			j = rte_bsf64(hits);
			hits &= hits - 1;
			if (verify(data[j], s, len, start[done + j]))
				return true;
		}
	}
	return false;
}

int
garden_name_walk(const struct gg_garden *g,
		int (*fn)(const struct gg_garden_entry *e, void *arg),
		void *arg)
{
	struct gg_garden_entry e;
	uint32_t id;
	int ret;

	memset(&e, 0, sizeof(e));
	e.type = GG_GARDEN_ENTRY_NAME;
	for (id = 0; id < g->name_pool.size; id++) {
		if (!g->name_pool.live[id])
			continue;
		e.name = g->names[id].name;
		ret = fn(&e, arg);
		if (ret != 0)
			return ret;
	}
	return 0;
}
