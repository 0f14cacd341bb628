/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DNS queries LIMITED devices are waiting on: what the uplink
 * (uplink_limited.c) forwarded to a trusted resolver, so that the downlink
 * (downlink_limited.c) lets through, and the garden learns from, only the
 * answers to those queries.
 *
 * One table per worker, written by that worker only. A query is recorded
 * by the worker that forwarded it; its answer comes back on whatever
 * worker RSS gives the N6 flow (N3 is spread by the outer headers, N6 by
 * the inner ones, so the two rarely agree), which therefore looks in every
 * worker's table. Other workers' entries are read without a lock: each
 * entry carries a sequence number, odd while its owner writes it, read
 * before and after the copy (a seqlock); a copy that raced a write counts
 * as no entry, and the device's resolver retries. Only the owner removes
 * an entry once answered; on another worker an answered entry stays until
 * it times out, so a second answer to the same question, from the same
 * trusted resolver to the same port and ID, is let through as well.
 *
 * DNS over TCP (dns_tcp.c) keeps two kinds of entries here: one per
 * connection (GG_DNS_PEND_FLOW, opened by the device's SYN), and one per
 * query sent in it (GG_DNS_PEND_TCP), which only learning needs. They
 * count toward the same per-session cap as the UDP queries.
 *
 * Layout: GG_DNS_PEND_BUCKETS (256) buckets of GG_DNS_PEND_WAYS (16)
 * entries of 32 octets (8 cache lines a bucket, 128 KiB a worker), a session's queries
 * all in the bucket its id hashes to: a session holds at most
 * GG_DNS_PEND_PER_SESSION (12) of them at once in one worker, and sessions
 * sharing a bucket share its ways. Expired entries are reused in place;
 * nothing sweeps the table.
 *
 * Cost: a record or a lookup reads one bucket (8 lines) per table; the
 * lookup does it in every worker's table.
 */
#include <stdint.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_common.h>
#include <rte_malloc.h>

#include "pipeline_private.h"

struct dns_pend {
	uint32_t seq;        /* odd while the owner writes the entry */
	uint32_t sess;       /* session id + 1; 0: never used */
	uint32_t asked;      /* the address the device sent the query to */
	uint32_t resolver;   /* the trusted resolver it went to */
	uint16_t port;       /* the device's source port, network order */
	uint16_t id;         /* DNS ID, network order */
	uint32_t qhash;      /* gg_dns_question_hash() */
	uint32_t expiry_s;   /* valid while now < expiry (garden clock) */
	uint8_t kind;        /* enum gg_dns_pend_kind */
	uint8_t reserved[3];
};

/*
 * A GG_DNS_PEND_FLOW entry (a TCP connection to port 53) keeps its stream
 * position in the fields a query uses for its question: id is the length
 * of the last segment let through, qhash the next sequence number.
 */

struct gg_dns_pending {
	struct dns_pend e[GG_DNS_PEND_BUCKETS][GG_DNS_PEND_WAYS];
};

static_assert(sizeof(struct dns_pend) == 32, "dns_pend is half a line");

struct gg_dns_pending *
gg_dns_pending_create(int socket)
{
	return rte_zmalloc_socket("gg_dns_pending", sizeof(struct gg_dns_pending),
			RTE_CACHE_LINE_SIZE, socket);
}

void
gg_dns_pending_free(struct gg_dns_pending *t)
{
	rte_free(t);
}

static inline unsigned int
bucket_of(uint32_t sess_id)
{
	return (sess_id * 2654435761u) >> (32 - GG_DNS_PEND_BUCKET_BITS);
}

static inline uint32_t
rd32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline uint16_t
rd16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Owner only: (re)write entry @p e between two sequence bumps. */
static void
pend_write(struct dns_pend *e, const struct dns_pend *v)
{
	uint32_t seq = e->seq;

	__atomic_store_n(&e->seq, seq + 1, __ATOMIC_RELAXED);
	rte_smp_wmb();
	__atomic_store_n(&e->sess, v->sess, __ATOMIC_RELAXED);
	__atomic_store_n(&e->asked, v->asked, __ATOMIC_RELAXED);
	__atomic_store_n(&e->resolver, v->resolver, __ATOMIC_RELAXED);
	__atomic_store_n(&e->port, v->port, __ATOMIC_RELAXED);
	__atomic_store_n(&e->id, v->id, __ATOMIC_RELAXED);
	__atomic_store_n(&e->qhash, v->qhash, __ATOMIC_RELAXED);
	__atomic_store_n(&e->expiry_s, v->expiry_s, __ATOMIC_RELAXED);
	__atomic_store_n(&e->kind, v->kind, __ATOMIC_RELAXED);
	__atomic_store_n(&e->seq, seq + 2, __ATOMIC_RELEASE);
}

/* Any worker: a consistent copy of @p e, or 0 when it raced a write. */
static int
pend_read(const struct dns_pend *e, struct dns_pend *v)
{
	uint32_t seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);

	if (seq & 1)
		return 0;
	v->sess = rd32(&e->sess);
	v->asked = rd32(&e->asked);
	v->resolver = rd32(&e->resolver);
	v->port = rd16(&e->port);
	v->id = rd16(&e->id);
	v->qhash = rd32(&e->qhash);
	v->expiry_s = rd32(&e->expiry_s);
	v->kind = __atomic_load_n(&e->kind, __ATOMIC_RELAXED);
	rte_smp_rmb();
	return __atomic_load_n(&e->seq, __ATOMIC_RELAXED) == seq;
}

enum gg_drop
gg_dns_pending_add(struct gg_dns_pending *t, const struct gg_dns_pend_key *k,
		uint32_t asked, uint64_t now_s, uint32_t timeout_s)
{
	struct dns_pend *b = t->e[bucket_of(k->sess_id)];
	struct dns_pend v = {
		.sess = k->sess_id + 1, .asked = asked, .resolver = k->resolver,
		.port = k->port, .id = k->id, .qhash = k->qhash,
		.expiry_s = (uint32_t)(now_s + timeout_s + 1), .kind = k->kind,
	};
	struct dns_pend *free_way = NULL;
	unsigned int i, mine = 0;

	for (i = 0; i < GG_DNS_PEND_WAYS; i++) {
		struct dns_pend *e = &b[i];

		if (e->sess == 0 || e->expiry_s <= now_s) {
			if (free_way == NULL)
				free_way = e;
			continue;
		}
		if (e->sess != v.sess)
			continue;
		if (e->port == v.port && e->id == v.id && e->qhash == v.qhash &&
				e->resolver == v.resolver && e->kind == v.kind) {
			/* A retransmission: the same query, waited on longer. */
			pend_write(e, &v);
			return GG_DROP_NONE;
		}
		mine++;
	}
	if (mine >= GG_DNS_PEND_PER_SESSION)
		return GG_DROP_dns_pending_session_full;
	if (free_way == NULL)
		return GG_DROP_dns_pending_full;
	pend_write(free_way, &v);
	return GG_DROP_NONE;
}

int
gg_dns_pending_match(struct gg_dns_pending *const *tables, unsigned int n,
		struct gg_dns_pending *own, const struct gg_dns_pend_key *k,
		uint64_t now_s, uint32_t *asked)
{
	unsigned int bi = bucket_of(k->sess_id), i, j;
	int found = 0;

	for (j = 0; j < n; j++) {
		struct dns_pend *b;

		if (tables[j] == NULL)
			continue;
		b = tables[j]->e[bi];

		for (i = 0; i < GG_DNS_PEND_WAYS; i++) {
			struct dns_pend v;

			if (!pend_read(&b[i], &v) || v.sess != k->sess_id + 1 ||
					v.expiry_s <= now_s || v.port != k->port ||
					v.id != k->id || v.kind != k->kind)
				continue;
			if (v.resolver != k->resolver || v.qhash != k->qhash) {
				found = -1;
				continue;
			}
			*asked = v.asked;
			if (tables[j] == own) {
				/* Answered: the way is free again. */
				v.expiry_s = 0;
				pend_write(&b[i], &v);
			}
			return 1;
		}
	}
	return found;
}

/*
 * Owner: the entry of a new connection. A SYN from a port the session
 * already has a flow on (its retransmission, or the port reused) starts
 * that flow again; otherwise it takes a way as a query does, under the same
 * caps.
 */
enum gg_drop
gg_dns_flow_open(struct gg_dns_pending *t, uint32_t sess_id, uint16_t port,
		uint32_t resolver, uint32_t asked, uint32_t next_seq,
		uint64_t now_s, uint32_t timeout_s)
{
	struct dns_pend *b = t->e[bucket_of(sess_id)];
	struct dns_pend v = {
		.sess = sess_id + 1, .asked = asked, .resolver = resolver,
		.port = port, .id = 0, .qhash = next_seq,
		.expiry_s = (uint32_t)(now_s + timeout_s + 1),
		.kind = GG_DNS_PEND_FLOW,
	};
	struct dns_pend *free_way = NULL;
	unsigned int i, mine = 0;

	for (i = 0; i < GG_DNS_PEND_WAYS; i++) {
		struct dns_pend *e = &b[i];

		if (e->sess == 0 || e->expiry_s <= now_s) {
			if (free_way == NULL)
				free_way = e;
			continue;
		}
		if (e->sess != v.sess)
			continue;
		if (e->kind == GG_DNS_PEND_FLOW && e->port == port) {
			pend_write(e, &v);
			return GG_DROP_NONE;
		}
		mine++;
	}
	if (mine >= GG_DNS_PEND_PER_SESSION)
		return GG_DROP_dns_pending_session_full;
	if (free_way == NULL)
		return GG_DROP_dns_pending_full;
	pend_write(free_way, &v);
	return GG_DROP_NONE;
}

int
gg_dns_flow_find(struct gg_dns_pending *t, uint32_t sess_id, uint16_t port,
		uint64_t now_s, struct gg_dns_flow *f)
{
	const struct dns_pend *b = t->e[bucket_of(sess_id)];
	unsigned int i;

	for (i = 0; i < GG_DNS_PEND_WAYS; i++) {
		const struct dns_pend *e = &b[i];

		if (e->sess != sess_id + 1 || e->kind != GG_DNS_PEND_FLOW ||
				e->port != port || e->expiry_s <= now_s)
			continue;
		f->resolver = e->resolver;
		f->asked = e->asked;
		f->next_seq = e->qhash;
		f->last_len = e->id;
		f->way = (uint16_t)i;
		return 1;
	}
	return 0;
}

void
gg_dns_flow_update(struct gg_dns_pending *t, uint32_t sess_id,
		const struct gg_dns_flow *f, uint64_t now_s, uint32_t timeout_s)
{
	struct dns_pend *e = &t->e[bucket_of(sess_id)][f->way];
	struct dns_pend v = *e;

	v.qhash = f->next_seq;
	v.id = f->last_len;
	v.expiry_s = (uint32_t)(now_s + timeout_s + 1);
	pend_write(e, &v);
}

int
gg_dns_flow_match(struct gg_dns_pending *const *tables, unsigned int n,
		uint32_t sess_id, uint16_t port, uint32_t resolver, uint64_t now_s,
		uint32_t *asked)
{
	unsigned int bi = bucket_of(sess_id), i, j;

	for (j = 0; j < n; j++) {
		const struct dns_pend *b;

		if (tables[j] == NULL)
			continue;
		b = tables[j]->e[bi];
		for (i = 0; i < GG_DNS_PEND_WAYS; i++) {
			struct dns_pend v;

			if (!pend_read(&b[i], &v) || v.sess != sess_id + 1 ||
					v.kind != GG_DNS_PEND_FLOW ||
					v.port != port || v.resolver != resolver ||
					v.expiry_s <= now_s)
				continue;
			*asked = v.asked;
			return 1;
		}
	}
	return 0;
}
