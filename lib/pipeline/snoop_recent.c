/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Snooped DNS answers let through at once: a garden DNS answer leaves for
 * the device in the worker's own poll round, and the control lcore learns
 * its addresses into the garden whenever it gets to it. What keeps the
 * old ordering ("the device never sees an address the garden does not
 * admit yet") is this table of *answered, not yet learned* addresses,
 * which the LIMITED garden checks of every worker consult along with the
 * garden (uplink_limited.c, downlink_limited.c).
 *
 * One table per worker, written by that worker only (no lock, no
 * allocation), read by every worker and by the control lcore:
 *
 *  - records: a ring of GG_SNOOP_RECS answers (scope, the question name,
 *    the addresses with their TTLs, what the name opens, an expiry). The
 *    worker writes record number head (then head + 1); the control lcore
 *    learns records acked .. head - 1 into the garden and then moves
 *    acked (gg_worker_snoop_learn()). A record slot is written again
 *    only once acked passed it.
 *  - index: GG_SNOOP_IDX_BUCKETS buckets of GG_SNOOP_IDX_WAYS 64-bit
 *    words (address | record number << 32, one atomic store each), by
 *    address, so that a check is one cache line whatever the backlog.
 *
 * A packet from or to address X of session S is admitted by the table
 * when some worker's index holds X for a record not yet acked, of scope S
 * (or global), not expired, whose name opens the packet's protocol and
 * port: exactly what the learned entry will admit once it exists.
 *
 * The ordering argument. The worker writes the record and its index
 * words (release) and moves head (release) before the answer is queued
 * for transmission, so whatever packet the device sends after reading the
 * answer finds head past the record, on any worker. A reader reads acked
 * (acquire) and head first; then the table, then the garden
 * (gg_snoop_recent_admits() is called before gg_garden_match_ip()):
 *  - the record is not acked in what the reader read: admitted here;
 *  - it is acked: the control lcore learned it before storing acked
 *    (release), so the garden lookup that follows sees the entry;
 *  - its index word or record slot was already taken by another answer:
 *    the worker did that only after it read acked past the record
 *    (acquire), so again the garden lookup sees the entry (or the record
 *    had expired, and the entry would not admit anything either), or
 *    for a later answer with the same address, scope and name scope,
 *    which admits the same packets and is learned no sooner.
 * The garden decides alone once learned: an address the control lcore
 * refused (garden_learn_session_full, a name deleted meanwhile) is then
 * refused again, as it was refused before this table existed.
 *
 * When a worker's records or the index bucket of one of the addresses are
 * full (the control lcore has been away for a while and answers keep
 * coming), the answer is held as before: it goes to the snoop ring and
 * leaves only after the control lcore learned from it (dns_snoop_held).
 *
 * Limits: admission through this table ends at the smallest TTL of the
 * answer (clamped as the garden clamps), or when the control lcore
 * learned the record. Until then it does not count towards
 * garden.learn.max_per_session, and a name deleted from the garden still
 * admits the addresses of its unlearned answers. An answer dropped after
 * this stage (TTL, N3 next hop unknown, MTU) is learned from all the same.
 *
 * Cost: per LIMITED garden check, two loads per worker (acked, head),
 * and only while some answer waits, one index line and one record slot
 * per matching word. Per released answer, one record (about 450 octets)
 * and one index word per address. Memory: about 120 KiB per worker.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_common.h>
#include <rte_malloc.h>

#include "gg_garden.h"
#include "pipeline_private.h"
#include "snoop_recent.h"

#define GG_SNOOP_RECS 256          /* power of two */
#define GG_SNOOP_IDX_BITS 7
#define GG_SNOOP_IDX_BUCKETS (1u << GG_SNOOP_IDX_BITS)
#define GG_SNOOP_IDX_WAYS 8        /* one cache line */

/* An answer let through, not learned yet. */
struct snoop_rec {
	/* Record number + 1 once whole; 0 while the worker rewrites it. */
	uint32_t stamp;
	uint32_t expiry_s;          /* admits while now < expiry (garden clock) */
	struct gg_garden_scope opens; /* what its name's learned addresses open */
	struct gg_snoop_answer a;
};

struct gg_snoop_recent {
	/* Control lcore: the records below it are learned. */
	uint32_t acked __rte_cache_aligned;
	/* Owner worker: the next record number. */
	uint32_t head __rte_cache_aligned;
	uint64_t idx[GG_SNOOP_IDX_BUCKETS][GG_SNOOP_IDX_WAYS] __rte_cache_aligned;
	struct snoop_rec recs[GG_SNOOP_RECS] __rte_cache_aligned;
};

/* snoop_recent.h reads the two first words inline. */
_Static_assert(offsetof(struct gg_snoop_recent, acked) ==
		offsetof(struct gg_snoop_recent_ends, acked) &&
		offsetof(struct gg_snoop_recent, head) ==
		offsetof(struct gg_snoop_recent_ends, head),
		"snoop_recent.h out of step with struct gg_snoop_recent");

struct gg_snoop_recent *
gg_snoop_recent_create(int socket)
{
	return rte_zmalloc_socket("gg_snoop_recent",
			sizeof(struct gg_snoop_recent), RTE_CACHE_LINE_SIZE,
			socket);
}

void
gg_snoop_recent_free(struct gg_snoop_recent *t)
{
	rte_free(t);
}

static inline const uint64_t *
bucket_of(const struct gg_snoop_recent *t, uint32_t ipv4_be)
{
	return t->idx[(ipv4_be * 2654435761u) >> (32 - GG_SNOOP_IDX_BITS)];
}

/* Owner: may the index word @p v be given to another address? */
static inline int
way_free(const struct gg_snoop_recent *t, uint64_t v, uint32_t acked,
		uint64_t now_s)
{
	uint32_t rec = (uint32_t)(v >> 32);

	if (v == 0)     /* never used: address 0 is never indexed */
		return 1;
	if ((int32_t)(rec - acked) < 0)
		return 1;   /* learned: the garden admits it now */
	/* Not acked: the slot is still that record's. */
	return t->recs[rec % GG_SNOOP_RECS].expiry_s <= now_s;
}

static bool
same_opens(const struct gg_garden_scope *a, const struct gg_garden_scope *b)
{
	unsigned int i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n && i < GG_GARDEN_RULES_PER_PREFIX; i++)
		if (a->r[i].proto != b->r[i].proto ||
				a->r[i].port_lo != b->r[i].port_lo ||
				a->r[i].port_hi != b->r[i].port_hi)
			return false;
	return true;
}

/*
 * Owner: an index word for @p ipv4_be in bucket @p b. The word of an
 * earlier answer not learned yet, of the same scope and name scope, is
 * taken over (records are learned in order, so the new one is learned no
 * sooner: the address stays admitted, and a name asked again and again
 * keeps one word); else a free word not taken by this answer already.
 */
static uint64_t *
way_for(struct gg_snoop_recent *t, uint64_t *b, uint32_t ipv4_be,
		uint32_t scope, const struct gg_garden_scope *opens,
		uint32_t acked, uint64_t now_s, uint64_t *const *taken,
		unsigned int n_taken)
{
	uint64_t *free_way = NULL;
	unsigned int k, j;

	for (k = 0; k < GG_SNOOP_IDX_WAYS; k++) {
		for (j = 0; j < n_taken && taken[j] != &b[k]; j++)
			;
		if (j != n_taken)
			continue;
		if (way_free(t, b[k], acked, now_s)) {
			if (free_way == NULL)
				free_way = &b[k];
		} else if ((uint32_t)b[k] == ipv4_be) {
			const struct snoop_rec *r =
				&t->recs[(uint32_t)(b[k] >> 32) % GG_SNOOP_RECS];

			if (r->a.scope == scope && same_opens(&r->opens, opens))
				return &b[k];
		}
	}
	return free_way;
}

enum gg_action
gg_snoop_release(struct gg_worker *w, uint32_t sess_id,
		const struct gg_dns_response *r,
		const struct gg_garden_scope *opens, uint64_t now_s)
{
	const struct gg_limited *lim = w->lim;
	struct gg_snoop_recent *t = w->recent;
	uint32_t scope = lim->learn_global ? GG_GARDEN_SCOPE_GLOBAL : sess_id;
	uint64_t *way[GG_DNS_MAX_ADDRS];
	uint32_t acked, h, ttl = UINT32_MAX;
	struct snoop_rec *rec;
	unsigned int i, k, n = 0;

	if (r->naddrs == 0)
		return GG_ACT_SESSION;  /* nothing to learn, nothing to wait for */
	acked = __atomic_load_n(&t->acked, __ATOMIC_ACQUIRE);
	h = t->head;
	/* Full, or the one record number whose stamp would be 0. */
	if (h - acked >= GG_SNOOP_RECS || h + 1 == 0)
		goto hold;
	for (i = 0; i < r->naddrs; i++) {
		uint64_t *b;

		ttl = RTE_MIN(ttl, r->addrs[i].ttl);
		if (r->addrs[i].ipv4 == 0)
			continue;   /* a martian both ways: nothing to admit */
		b = (uint64_t *)(uintptr_t)bucket_of(t, r->addrs[i].ipv4);
		way[n] = way_for(t, b, r->addrs[i].ipv4, scope, opens, acked,
				now_s, way, n);
		if (way[n] == NULL)
			goto hold;
		n++;
	}

	rec = &t->recs[h % GG_SNOOP_RECS];
	__atomic_store_n(&rec->stamp, 0, __ATOMIC_RELAXED);
	rte_smp_wmb();
	rec->expiry_s = (uint32_t)(now_s + gg_garden_ttl_clamp(lim->garden, ttl));
	rec->opens = *opens;
	rec->a.scope = scope;
	rec->a.naddrs = r->naddrs;
	memcpy(rec->a.addrs, r->addrs, r->naddrs * sizeof(r->addrs[0]));
	rec->a.name_wire_len = (uint8_t)r->name_wire_len;
	memcpy(rec->a.name_wire, r->name_wire, r->name_wire_len);
	__atomic_store_n(&rec->stamp, h + 1, __ATOMIC_RELEASE);
	for (i = 0, k = 0; i < r->naddrs; i++)
		if (r->addrs[i].ipv4 != 0)
			__atomic_store_n(way[k++], (uint64_t)h << 32 |
					r->addrs[i].ipv4, __ATOMIC_RELEASE);
	__atomic_store_n(&t->head, h + 1, __ATOMIC_RELEASE);
	return GG_ACT_SESSION;
hold:
	w->ctr.ev[GG_EV_dns_snoop_held]++;
	return GG_ACT_SNOOP;
}

/*
 * Any worker: does record @p rec, found in the index for the address,
 * admit the packet? A seqlock read: the stamp before and after the copy.
 */
static int
rec_admits(const struct snoop_rec *r, uint32_t rec, uint32_t sess_id,
		uint8_t proto, uint16_t port, uint64_t now_s)
{
	struct gg_garden_scope opens;
	uint32_t scope, expiry;

	if (__atomic_load_n(&r->stamp, __ATOMIC_ACQUIRE) != rec + 1)
		return 0;
	scope = __atomic_load_n(&r->a.scope, __ATOMIC_RELAXED);
	expiry = __atomic_load_n(&r->expiry_s, __ATOMIC_RELAXED);
	memcpy(&opens, &r->opens, sizeof(opens));
	rte_smp_rmb();
	if (__atomic_load_n(&r->stamp, __ATOMIC_RELAXED) != rec + 1)
		return 0;
	return (scope == sess_id || scope == GG_GARDEN_SCOPE_GLOBAL) &&
		expiry > now_s && gg_garden_scope_accepts(&opens, proto, port);
}

/*
 * Any worker: gg_snoop_recent_admits() once some table has records
 * waiting. Out of line, so that the check below, which nearly always
 * finds nothing waiting, saves no register and builds no frame.
 */
static __rte_noinline bool
admits_slow(const struct gg_limited *lim, uint32_t sess_id, uint32_t ipv4_be,
		uint8_t proto, uint16_t port, uint64_t now_s)
{
	unsigned int j, k;

	for (j = 0; j < lim->n_pending; j++) {
		const struct gg_snoop_recent *t = lim->recent[j];
		uint32_t acked, head;
		const uint64_t *b;

		if (t == NULL)
			continue;
		/* acked first: it never passes the head read after it. */
		acked = __atomic_load_n(&t->acked, __ATOMIC_ACQUIRE);
		head = __atomic_load_n(&t->head, __ATOMIC_ACQUIRE);
		if (head == acked)
			continue;   /* nothing waits: the garden decides */
		b = bucket_of(t, ipv4_be);
		for (k = 0; k < GG_SNOOP_IDX_WAYS; k++) {
			uint64_t v = __atomic_load_n(&b[k], __ATOMIC_ACQUIRE);
			uint32_t rec = (uint32_t)(v >> 32);

			if ((uint32_t)v != ipv4_be || ipv4_be == 0 ||
					(int32_t)(rec - acked) < 0 ||
					(int32_t)(head - rec) <= 0)
				continue;
			if (rec_admits(&t->recs[rec % GG_SNOOP_RECS], rec,
					sess_id, proto, port, now_s))
				return true;
		}
	}
	return false;
}

bool
gg_snoop_recent_admits(const struct gg_limited *lim, uint32_t sess_id,
		uint32_t ipv4_be, uint8_t proto, uint16_t port, uint64_t now_s)
{
	unsigned int j;

	/* Anything waiting at all? admits_slow() reads it all again, in the
	 * order the argument in the file comment needs. */
	for (j = 0; j < lim->n_pending; j++) {
		const struct gg_snoop_recent *t = lim->recent[j];
		uint32_t acked;

		if (t == NULL)
			continue;
		/* acked (acquire) before head: when they are equal, the
		 * learns they stand for are seen by the garden lookup. */
		acked = __atomic_load_n(&t->acked, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&t->head, __ATOMIC_ACQUIRE) != acked)
			return admits_slow(lim, sess_id, ipv4_be, proto, port,
					now_s);
	}
	return false;
}

unsigned int
gg_worker_snoop_learn(struct gg_worker *w, unsigned int max,
		void (*learn)(const struct gg_snoop_answer *a, void *arg),
		void *arg)
{
	struct gg_snoop_recent *t = w->recent;
	uint32_t acked = t->acked, head, n;

	head = __atomic_load_n(&t->head, __ATOMIC_ACQUIRE);
	n = RTE_MIN(head - acked, (uint32_t)max);
	if (n == 0)
		return 0;
	for (head = acked + n; acked != head; acked++)
		learn(&t->recs[acked % GG_SNOOP_RECS].a, arg);
	/* After the learns: a reader that sees it finds them in the garden. */
	__atomic_store_n(&t->acked, head, __ATOMIC_RELEASE);
	return n;
}
