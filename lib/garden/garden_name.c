/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walled garden domain names: a lock-free rte_hash keyed by a 64-bit hash
 * of the name's lowercase DNS wire form, whose data points at the stored
 * wire form so that a reader verifies every hit (two names sharing a
 * 64-bit hash cannot make a non-garden name match; the second of them is
 * refused at add).
 *
 * Matching works on the wire form a DNS query carries (length octet, then
 * the label's octets, for each label), so the data plane never makes the
 * dotted text. The hash runs over the labels from the LAST to the first,
 * each label 8 octets at a time with the ASCII case folded on the way
 * (a word-wide fold, no per-octet loop), so after k labels the state is
 * the key of the k-label suffix. A name of L labels has L label-boundary
 * suffixes, all hashed in one pass; only those whose label count some
 * garden name has (a 128-bit mask) are looked at, usually one or two. A
 * suffix never starts inside a label, so "badportal.example" cannot match
 * "portal.example", and the garden name must be a suffix, so
 * "portal.example.evil.net" cannot either.
 *
 * Before the rte_hash, a key goes through the name filter: one bit per
 * filter slot (16 per name of max_names), set while a garden name's key
 * maps there. A name outside the garden, the common case of a query from
 * a device behind the garden, finds its bit clear 15 times in 16 and costs
 * no table lookup; a set bit costs one lookup, with the hash value given
 * (the key's low 32 bits) so that rte_hash does not hash the key again.
 *
 * Name slots are immutable while published and come back through the
 * name pool's defer queue after the hash key is deleted, so a reader
 * comparing a slot never sees it rewritten.
 *
 * Cost of a match (the query name of 2-4 labels, garden names of 2): one
 * walk of the length octets, a multiply per 8 octets of the labels the
 * garden's label counts reach, a filter bit per wanted suffix; then one
 * lookup and a compare of whole words per set bit.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_hash.h>
#include <rte_malloc.h>

#include "gg_garden.h"
#include "garden_private.h"
#include "gg_wire.h"

/* Longest label, longest wire form (root octet included). */
#define LABEL_MAX 63
#define WIRE_MAX 255

#define OCTETS(x) (UINT64_C(0x0101010101010101) * (x))

/* Multiplier of the hash steps: 2^64 / golden ratio, odd. */
#define HASH_MUL UINT64_C(0x9e3779b97f4a7c15)

static inline unsigned char
lower(unsigned char c)
{
	return (unsigned int)(c - 'A') < 26u ? (unsigned char)(c + 32) : c;
}


/*
 * The @p k (1-7) octets at buf[p], zero extended, reading nothing outside
 * buf[0, buf_len): the 8 octets ending with them when they are that far
 * from the start, else the 8 starting with them when that far from the
 * end, else octet by octet (names under 16 octets only).
 */
static inline uint64_t
load_short(const uint8_t *buf, size_t buf_len, size_t p, unsigned int k)
{
	uint64_t w = 0;

	if (p + k >= 8)
		return gg_get_le64(buf + p + k - 8) >> (8 * (8 - k));
	if (p + 8 <= buf_len)
		return gg_get_le64(buf + p) & ((UINT64_C(1) << (8 * k)) - 1);
	while (k-- > 0)
		w = (w << 8) | buf[p + k];
	return w;
}

/*
 * ASCII lowercase of 8 octets at once (RFC 4343: only A-Z fold). On the
 * low 7 bits no addition carries out of its octet; octets with the top
 * bit set are left alone.
 */
static inline uint64_t
lower64(uint64_t w)
{
	uint64_t x = w & OCTETS(0x7f);
	uint64_t ge_a = x + OCTETS(0x80 - 'A');
	uint64_t gt_z = x + OCTETS(0x80 - 'Z' - 1);

	return w | ((ge_a & ~gt_z & ~w & OCTETS(0x80)) >> 2);
}

/* One hash step: a folded 64x64->128 multiply (one mulx, two xors). */
static inline uint64_t
mix(uint64_t h, uint64_t w)
{
	unsigned __int128 p = (unsigned __int128)(h ^ w) * HASH_MUL;

	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

/*
 * The case fold of the hash: every octet ORed with 0x20. It maps A-Z onto
 * a-z, as it should, and also folds a few other pairs ('_' and DEL, '@'
 * and '`', control octets and punctuation): names that differ only there
 * share keys, which costs a failed compare, never a wrong match (hits are
 * compared with the true ASCII fold), and no two garden names differ so
 * (letters, digits, '-' and '_' only). One operation per word instead of
 * lower64()'s twelve.
 */
#define HASH_FOLD OCTETS(0x20)

/*
 * @p h extended with the label whose length octet is buf[s] (1-63, the
 * label inside buf[0, buf_len)), case folded. A label under 8 octets is
 * one step, its length in the top octet; a longer one its length, then
 * whole words, the last one ending with the label (it may overlap the one
 * before: the words are a function of the label alone, all that matters).
 */
static inline uint64_t
label_hash(uint64_t h, const uint8_t *buf, size_t buf_len, size_t s)
{
	unsigned int c = buf[s], i;
	const uint8_t *p = buf + s + 1;

	if (likely(c < 8))
		return mix(h, (load_short(buf, buf_len, s + 1, c) | HASH_FOLD) ^
				((uint64_t)c << 56));
	h = mix(h, c);
	for (i = 0; i + 8 < c; i += 8)
		h = mix(h, gg_get_le64(p + i) | HASH_FOLD);
	return mix(h, gg_get_le64(p + c - 8) | HASH_FOLD);
}

/* Filter bit of a key: its top bits (rte_hash gets the low 32). */
static inline uint32_t
filter_bit(const struct gg_garden *g, uint64_t key)
{
	return (uint32_t)(key >> g->filter_shift);
}


/* rte_hash's hash value of a key: the key's low 32 bits, already mixed. */
static inline hash_sig_t
key_sig(uint64_t key)
{
	return (hash_sig_t)key;
}

static bool
label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * Garden name text -> lowercase wire form without the root octet, into
 * @p wire (GARDEN_WIRE_ROOM octets, zeroed here past the name). One
 * trailing dot ignored. Returns the wire length, or -EINVAL.
 */
static int
name_to_wire(const char *in, uint8_t *wire, unsigned int *labels)
{
	size_t len, i, lo = 0, n = 1;

	if (in == NULL)
		return -EINVAL;
	len = strnlen(in, GG_GARDEN_NAME_MAX + 2);
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > GG_GARDEN_NAME_MAX)
		return -EINVAL;
	*labels = 0;
	for (i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)in[i] : '.';

		if (c == '.') {
			/* n - lo - 1 octets since the length octet at lo. */
			if (n - lo - 1 == 0)
				return -EINVAL;
			wire[lo] = (uint8_t)(n - lo - 1);
			(*labels)++;
			lo = n++;
		} else if (!label_char(c) || n - lo - 1 == LABEL_MAX) {
			return -EINVAL;
		} else {
			wire[n++] = lower(c);
		}
	}
	/* lo is where the root octet would go: len + 1 <= 254 octets. */
	memset(wire + lo, 0, GARDEN_WIRE_ROOM - lo);
	return (int)lo;
}

/* Dotted text of a slot's name, into @p text (GG_GARDEN_NAME_MAX + 1). */
static void
wire_to_text(const struct garden_name *slot, char *text)
{
	size_t i = 0, t = 0;

	while (i < slot->len) {
		unsigned int c = slot->wire[i];

		if (t != 0)
			text[t++] = '.';
		memcpy(text + t, slot->wire + i + 1, c);
		t += c;
		i += 1 + c;
	}
	text[t] = '\0';
}

/* Key of a whole stored name, as a reader computes that suffix's. */
static uint64_t
name_key(const struct gg_garden *g, const uint8_t *wire, size_t len)
{
	uint8_t start[GARDEN_LABELS_MAX];
	unsigned int n = 0;
	uint64_t h = g->name_seed;
	size_t i;

	for (i = 0; i < len; i += 1 + wire[i])
		start[n++] = (uint8_t)i;
	while (n-- > 0)
		h = label_hash(h, wire, GARDEN_WIRE_ROOM, start[n]);
	return h;
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

/*
 * Keys on filter bit of @p key: one more (+1) or one fewer (-1). Control.
 * A count that reached UINT8_MAX stays there and its bit stays set (at 16
 * bits per name, 255 names on one bit takes a deliberate choice of
 * names): a crowded filter only costs lookups.
 */
static void
filter_count(struct gg_garden *g, uint64_t key, int delta)
{
	uint32_t b = filter_bit(g, key);
	uint64_t *word = &g->name_filter[b / 64];
	uint64_t bit = UINT64_C(1) << (b % 64);
	uint8_t *c = &g->filter_count[b];

	if (*c == UINT8_MAX)
		return;
	if (delta > 0 && (*c)++ == 0)
		__atomic_store_n(word, *word | bit, __ATOMIC_RELAXED);
	else if (delta < 0 && --(*c) == 0)
		__atomic_store_n(word, *word & ~bit, __ATOMIC_RELAXED);
}

int
garden_name_init(struct gg_garden *g, int socket_id)
{
	uint64_t want = (uint64_t)g->max_names * GARDEN_FILTER_BITS_PER_NAME;
	uint32_t bits = GARDEN_FILTER_MIN_BITS;

	while (bits < want && bits < GARDEN_FILTER_MAX_BITS)
		bits *= 2;
	g->filter_shift = 64 - (uint32_t)rte_log2_u32(bits);
	g->name_filter = rte_zmalloc_socket("gg_garden_filter", bits / 8,
			RTE_CACHE_LINE_SIZE, socket_id);
	g->filter_count = rte_zmalloc_socket("gg_garden_fcount",
			(size_t)bits * sizeof(g->filter_count[0]),
			RTE_CACHE_LINE_SIZE, socket_id);
	if (g->name_filter == NULL || g->filter_count == NULL)
		return -ENOMEM;
	return 0;
}

void
garden_name_fini(struct gg_garden *g)
{
	rte_free(g->name_filter);
	rte_free(g->filter_count);
}

/*
 * Control: @p name in wire form (into @p wire, with its label count), its
 * 64-bit key, and in *found the name slot stored under that key (a
 * different name on a hash collision) or NULL. Returns the wire length,
 * or -EINVAL and name_to_wire()'s errors.
 */
static int
name_lookup(const struct gg_garden *g, const char *name,
		uint8_t wire[GARDEN_WIRE_ROOM], unsigned int *labels,
		uint64_t *key, struct garden_name **found)
{
	void *data;
	int len;

	if (g == NULL)
		return -EINVAL;
	len = name_to_wire(name, wire, labels);
	if (len < 0)
		return len;
	*key = name_key(g, wire, (size_t)len);
	*found = rte_hash_lookup_with_hash_data(g->name_h, key, key_sig(*key),
			&data) >= 0 ? data : NULL;
	return len;
}

int
gg_garden_add_name(struct gg_garden *g, const char *name)
{
	return gg_garden_add_name_scoped(g, name, NULL);
}

int
gg_garden_add_name_scoped(struct gg_garden *g, const char *name,
		const struct gg_garden_scope *scope)
{
	struct gg_garden_scope def;
	char unused[GG_GARDEN_NAME_MAX + 1];
	unsigned int i;
	uint8_t wire[GARDEN_WIRE_ROOM];
	struct garden_name *slot;
	unsigned int labels;
	uint64_t key;
	uint32_t id;
	int len, ret;

	len = name_lookup(g, name, wire, &labels, &key, &slot);
	if (len < 0)
		return len;
	if (slot != NULL) {
		if (slot->len != len || memcmp(slot->wire, wire, len) != 0) {
			char other[GG_GARDEN_NAME_MAX + 1];

			wire_to_text(slot, other);
			GARDEN_LOG(WARNING, "%s: \"%s\" refused: same 64-bit "
					"hash as \"%s\"", g->name, name, other);
		}
		return -EEXIST;
	}
	if (__atomic_load_n(&g->n_names, __ATOMIC_RELAXED) >= g->max_names)
		return -ENOSPC;
	id = garden_pool_get(&g->name_pool);
	if (id == UINT32_MAX)
		return -EAGAIN;
	/* No reader can reach the slot yet: plain stores, published below. */
	slot = &g->names[id];
	slot->len = (uint8_t)len;
	slot->labels = (uint8_t)labels;
	memcpy(slot->wire, wire, sizeof(slot->wire));
	if (scope == NULL || scope->n == 0) {
		gg_garden_parse_name_rule("x", unused, &def, NULL, 0);
		scope = &def;
	}
	slot->scope_n = RTE_MIN(scope->n, GG_GARDEN_RULES_PER_PREFIX);
	for (i = 0; i < slot->scope_n; i++) {
		slot->scope[i].proto = scope->r[i].proto;
		slot->scope[i].port_lo = scope->r[i].port_lo;
		slot->scope[i].port_hi = scope->r[i].port_hi;
	}
	/* Mask and filter first: a reader may then look up before the add. */
	label_count(g, labels, 1);
	filter_count(g, key, 1);
	ret = rte_hash_add_key_with_hash_data(g->name_h, &key, key_sig(key),
			slot);
	if (ret < 0) {
		filter_count(g, key, -1);
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
	uint8_t wire[GARDEN_WIRE_ROOM];
	struct garden_name *slot;
	unsigned int labels;
	uint64_t key;
	int len;

	len = name_lookup(g, name, wire, &labels, &key, &slot);
	if (len < 0)
		return len;
	if (slot == NULL || slot->len != len || memcmp(slot->wire, wire, len) != 0)
		return -ENOENT;
	/* Unlink first, retire second: see garden.c. */
	rte_hash_del_key_with_hash(g->name_h, &key, key_sig(key));
	filter_count(g, key, -1);
	label_count(g, labels, -1);
	/* Its learned entries go with it, before the slot may be reused. */
	garden_learn_forget_name(g, (uint32_t)(slot - g->names));
	garden_pool_retire(&g->name_pool, (uint32_t)(slot - g->names));
	__atomic_fetch_sub(&g->n_names, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Worker: is there a garden name of @p labels labels? */
static inline bool
label_wanted(const uint64_t mask[2], unsigned int labels)
{
	return (mask[(labels - 1) / 64] >> ((labels - 1) % 64)) & 1;
}

/*
 * Worker: the @p n octets of buf from @p s (the suffix, root octet
 * excluded) equal the slot's name, ignoring the query's case. The slot is
 * zero past its name, so its words compare whole.
 */
static inline bool
suffix_equal(const struct garden_name *slot, const uint8_t *buf,
		size_t buf_len, size_t s, size_t n)
{
	size_t i;

	if (slot->len != n)
		return false;
	for (i = 0; i + 8 <= n; i += 8)
		if (lower64(gg_get_le64(buf + s + i)) != gg_get_le64(slot->wire + i))
			return false;
	return i == n || lower64(load_short(buf, buf_len, s + i,
			(unsigned int)(n - i))) == gg_get_le64(slot->wire + i);
}

/* Worker: the garden's label mask; 0 when it holds no name. */
static inline unsigned int
max_labels(const struct gg_garden *g, uint64_t mask[2])
{
	mask[0] = __atomic_load_n(&g->label_mask[0], __ATOMIC_RELAXED);
	mask[1] = __atomic_load_n(&g->label_mask[1], __ATOMIC_RELAXED);
	if (mask[1] != 0)
		return 128 - (unsigned int)__builtin_clzll(mask[1]);
	if (mask[0] != 0)
		return 64 - (unsigned int)__builtin_clzll(mask[0]);
	return 0;
}

/*
 * Worker: look up and verify the @p n candidate suffixes (keys, and where
 * each starts in wire); shortest first, any verified hit decides.
 */
static bool
lookup_verify(const struct gg_garden *g, const uint8_t *wire, size_t wire_len,
		const uint64_t *keys, const uint8_t *from, unsigned int n)
{
	hash_sig_t sigs[GARDEN_LABELS_MAX];
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	unsigned int done, chunk, j;
	uint64_t hits;

	if (n == 1) {
		void *d;

		return rte_hash_lookup_with_hash_data(g->name_h, &keys[0],
				key_sig(keys[0]), &d) >= 0 &&
			suffix_equal(d, wire, wire_len, from[0],
					wire_len - 1 - from[0]);
	}
	for (j = 0; j < n; j++)
		sigs[j] = key_sig(keys[j]);
	for (done = 0; done < n; done += chunk) {
		chunk = RTE_MIN(n - done, (unsigned int)RTE_HASH_LOOKUP_BULK_MAX);
		for (j = 0; j < chunk; j++)
			kp[j] = &keys[done + j];
		hits = 0;
		rte_hash_lookup_with_hash_bulk_data(g->name_h, kp, sigs + done,
				chunk, &hits, data);
		while (hits != 0) {
			j = rte_bsf64(hits);
			hits &= hits - 1;
			if (suffix_equal(data[j], wire, wire_len, from[done + j],
					wire_len - 1 - from[done + j]))
				return true;
		}
	}
	return false;
}

/*
 * Worker: the longest of the @p n candidate suffixes (longest last) that
 * verifies; its name's scope copied into @p scope. One lookup per
 * candidate, from the longest: only snooped answers ask for it.
 */
static bool
lookup_longest(const struct gg_garden *g, const uint8_t *wire, size_t wire_len,
		const uint64_t *keys, const uint8_t *from, unsigned int n,
		struct gg_garden_scope *scope)
{
	const struct garden_name *slot;
	unsigned int i;
	void *d;

	while (n-- > 0) {
		if (rte_hash_lookup_with_hash_data(g->name_h, &keys[n],
				key_sig(keys[n]), &d) < 0 ||
				!suffix_equal(d, wire, wire_len, from[n],
					wire_len - 1 - from[n]))
			continue;
		/* The slot stays as it is until the reader's next quiescent
		 * state (name pool, RCU): a plain copy is consistent. */
		slot = d;
		scope->n = slot->scope_n;
		for (i = 0; i < slot->scope_n; i++) {
			scope->r[i].proto = slot->scope[i].proto;
			scope->r[i].port_lo = slot->scope[i].port_lo;
			scope->r[i].port_hi = slot->scope[i].port_hi;
		}
		return true;
	}
	return false;
}

/*
 * Worker: the match, once the name is known to be well formed: @p nlab
 * labels starting at start[], wire_len octets with the root octet last;
 * @p most is the label count of the longest garden name. With @p scope
 * (a constant NULL in the plain match, inlined away), the longest
 * matching name's scope too.
 */
static inline bool
match_labels(const struct gg_garden *g, const uint8_t *wire, size_t wire_len,
		const uint8_t *start, unsigned int nlab, const uint64_t mask[2],
		unsigned int most, struct gg_garden_scope *scope)
{
	const uint64_t *filter = g->name_filter;
	uint32_t shift = g->filter_shift;
	uint64_t keys[GARDEN_LABELS_MAX];
	uint8_t from[GARDEN_LABELS_MAX];
	uint64_t h = g->name_seed;
	unsigned int n = 0, k, last = RTE_MIN(nlab, most);

	/* Right to left: after k labels, h is the k-label suffix's key. */
	for (k = 1; k <= last; k++) {
		uint32_t b;

		h = label_hash(h, wire, wire_len, start[nlab - k]);
		if (!label_wanted(mask, k))
			continue;
		b = (uint32_t)(h >> shift);
		if ((__atomic_load_n(&filter[b / 64], __ATOMIC_RELAXED) >>
				(b % 64)) & 1) {
			keys[n] = h;
			from[n] = start[nlab - k];
			n++;
		}
	}
	if (scope != NULL)
		return n != 0 && lookup_longest(g, wire, wire_len, keys, from, n,
				scope);
	return n != 0 && lookup_verify(g, wire, wire_len, keys, from, n);
}

static inline bool
match_wire(const struct gg_garden *g, const uint8_t *wire, size_t wire_len,
		struct gg_garden_scope *scope)
{
	uint8_t start[GARDEN_LABELS_MAX];
	unsigned int nlab = 0, most;
	uint64_t mask[2];
	size_t pos = 0;

	most = max_labels(g, mask);
	if (most == 0 || wire == NULL || wire_len < 2 || wire_len > WIRE_MAX)
		return false;
	/*
	 * Length octets 1-63, each label ending before the last octet, which
	 * must be the root: at most 127 labels in 255 octets.
	 */
	while (pos < wire_len - 1) {
		unsigned int c = wire[pos];

		if (c == 0 || c > LABEL_MAX || c >= wire_len - 1 - pos)
			return false;
		start[nlab++] = (uint8_t)pos;
		pos += 1 + c;
	}
	if (wire[wire_len - 1] != 0)
		return false;
	return match_labels(g, wire, wire_len, start, nlab, mask, most, scope);
}

bool
gg_garden_match_wire(const struct gg_garden *g, const uint8_t *wire,
		size_t wire_len)
{
	return match_wire(g, wire, wire_len, NULL);
}

bool
gg_garden_match_wire_labels(const struct gg_garden *g, const uint8_t *wire,
		size_t wire_len, const uint8_t *start, unsigned int nlab)
{
	uint64_t mask[2];
	unsigned int most = max_labels(g, mask);

	/* match_wire()'s refusals that its walk does not already imply. */
	if (most == 0 || wire == NULL || nlab == 0 || wire_len > WIRE_MAX ||
			nlab > GARDEN_LABELS_MAX)
		return false;
	return match_labels(g, wire, wire_len, start, nlab, mask, most, NULL);
}

bool
gg_garden_match_wire_scope(const struct gg_garden *g, const uint8_t *wire,
		size_t wire_len, struct gg_garden_scope *scope)
{
	return match_wire(g, wire, wire_len, scope);
}

bool
gg_garden_match_name(const struct gg_garden *g, const char *name, size_t len)
{
	const unsigned char *s = (const unsigned char *)name;
	uint8_t wire[GG_GARDEN_NAME_MAX + 2];
	uint8_t start[GARDEN_LABELS_MAX];
	unsigned int nlab = 0, most;
	uint64_t mask[2];
	size_t i, lo = 0, n = 1;

	if (s == NULL)
		return false;
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > GG_GARDEN_NAME_MAX || s[0] == '.')
		return false;
	most = max_labels(g, mask);
	if (most == 0)
		return false;
	/*
	 * The wire form of the text, built in one pass. A label over 63
	 * characters has no wire form, but it cannot be part of a garden
	 * name either: only the labels after it can match, so the wire form
	 * restarts after it. An empty label anywhere refuses the name.
	 */
	for (i = 0; i <= len; i++) {
		unsigned char c = i < len ? s[i] : '.';
		size_t lab = n - lo - 1;

		if (c != '.') {
			wire[n++] = c;
			continue;
		}
		if (lab == 0)
			return false;
		if (lab > LABEL_MAX) {
			nlab = 0;
			lo = 0;
			n = 1;
			continue;
		}
		wire[lo] = (uint8_t)lab;
		start[nlab++] = (uint8_t)lo;
		lo = n++;
	}
	if (nlab == 0)
		return false;
	/* lo is past the last label: the root octet; len + 2 <= 255 octets. */
	wire[lo] = 0;
	return match_labels(g, wire, lo + 1, start, nlab, mask, most, NULL);
}

int
gg_garden_name_ref(const struct gg_garden *g, const uint8_t *wire,
		size_t wire_len)
{
	char text[GG_GARDEN_NAME_MAX + 2];
	uint8_t w[GARDEN_WIRE_ROOM];
	struct garden_name *slot;
	unsigned int labels;
	uint64_t key;
	size_t pos = 0, t = 0;
	int len;

	if (g == NULL || wire == NULL || wire_len < 2 ||
			wire_len > WIRE_MAX)
		return -ENOENT;
	/* Text form, then each suffix from the longest: control only. */
	while (pos < wire_len - 1) {
		unsigned int c = wire[pos], i;

		if (c == 0 || c > LABEL_MAX || pos + 1 + c >= wire_len ||
				t + c + 1 > sizeof(text) - 1)
			return -ENOENT;
		for (i = 0; i < c; i++)
			text[t++] = (char)lower(wire[pos + 1 + i]);
		text[t++] = '.';
		pos += 1 + c;
	}
	if (t == 0)
		return -ENOENT;
	text[t - 1] = '\0';
	for (pos = 0; pos < t; ) {
		len = name_lookup(g, text + pos, w, &labels, &key, &slot);
		if (len > 0 && slot != NULL && slot->len == len &&
				memcmp(slot->wire, w, len) == 0)
			return (int)(slot - g->names);
		while (pos < t && text[pos] != '.' && text[pos] != '\0')
			pos++;
		pos++;
	}
	return -ENOENT;
}

int
garden_name_walk(const struct gg_garden *g,
		int (*fn)(const struct gg_garden_entry *e, void *arg),
		void *arg)
{
	char text[GG_GARDEN_NAME_MAX + 1];
	struct gg_garden_entry e;
	unsigned int i;
	uint32_t id;
	int ret;

	memset(&e, 0, sizeof(e));
	e.type = GG_GARDEN_ENTRY_NAME;
	e.name = text;
	for (id = 0; id < g->name_pool.size; id++) {
		if (!g->name_pool.live[id])
			continue;
		wire_to_text(&g->names[id], text);
		e.name_scope.n = g->names[id].scope_n;
		for (i = 0; i < e.name_scope.n; i++) {
			e.name_scope.r[i].proto = g->names[id].scope[i].proto;
			e.name_scope.r[i].port_lo = g->names[id].scope[i].port_lo;
			e.name_scope.r[i].port_hi = g->names[id].scope[i].port_hi;
		}
		ret = fn(&e, arg);
		if (ret != 0)
			return ret;
	}
	return 0;
}
