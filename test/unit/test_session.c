/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit tests of the session tables (lib/session): parameters, add/find/
 * bulk lookups, duplicates, exact capacity, RCU-deferred slot reuse, states,
 * per-worker counters, walk, a concurrent RCU reader against a churning
 * writer, and a 1M-session table with its memory cost.
 *
 * Runs its own EAL (--no-huge, 512 MB). The concurrent test needs a second
 * lcore and is skipped, with a message, when only one is available.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* sched_getaffinity */
#endif
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>

#include "test_eal.h"
#include "gg_session.h"
#include "session_index.h"
#include "test_cunit.h"

static struct rte_rcu_qsbr *qsv;

/* --- helpers ------------------------------------------------------------ */

/* murmur3's finaliser: a bijection on 32 bits with fmix(0) == 0. */
static uint32_t
fmix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x85ebca6bU;
	x ^= x >> 13;
	x *= 0xc2b2ae35U;
	x ^= x >> 16;
	return x;
}

/* Distinct, non-zero, random-looking keys for i = 1..2^32-1. */
static uint32_t
rand_key(uint32_t i, uint32_t odd_mul)
{
	return fmix32(i * odd_mul);
}

static struct gg_session
mk(uint32_t teid, uint32_t ue, uint32_t salt)
{
	struct gg_session s = {
		.ul_teid = teid,
		.ue_ipv4 = ue,
		.gnb_ipv4 = rte_cpu_to_be_32(0xc0a80000 | (salt & 0xffff)),
		.dl_teid = salt * 7 + 1,
		.id = 0xdeadbeef,
		.qfi = salt % 64,
		.flags = (salt & 1) ? GG_SESSION_F_QFI : 0,
		.state = salt % GG_SESSION_STATE_MAX,
	};
	return s;
}

static bool
same_fields(const struct gg_session *a, const struct gg_session *b)
{
	return a->ul_teid == b->ul_teid && a->ue_ipv4 == b->ue_ipv4 &&
		a->gnb_ipv4 == b->gnb_ipv4 && a->dl_teid == b->dl_teid &&
		a->qfi == b->qfi && a->flags == b->flags &&
		gg_session_state(a) == (enum gg_session_state)b->state;
}

static struct gg_session_table *
mk_table(const char *name, uint32_t capacity, unsigned int n_workers)
{
	struct gg_session_table_params p = {
		.name = name,
		.capacity = capacity,
		.n_workers = n_workers,
		.socket_id = SOCKET_ID_ANY,
		.qsv = qsv,
	};

	return gg_session_table_create(&p);
}

/* --- tests ---------------------------------------------------------------- */

static void
test_create_bad_params(void)
{
	struct gg_session_table_params p = {
		.name = "bad", .capacity = 16, .n_workers = 1,
		.socket_id = SOCKET_ID_ANY, .qsv = qsv,
	};
	struct gg_session_table_params q;
	struct gg_session_table *t, *t2;
	struct gg_session_ctr_view view;

	rte_errno = 0;
	CU_ASSERT_PTR_NULL(gg_session_table_create(NULL));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);

	q = p; q.name = NULL; rte_errno = 0;
	CU_ASSERT_PTR_NULL(gg_session_table_create(&q));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);

	q = p; q.name = ""; rte_errno = 0;
	CU_ASSERT_PTR_NULL(gg_session_table_create(&q));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);

	q = p; q.name = "eighteen_chars_xxx"; rte_errno = 0;
	CU_ASSERT_PTR_NULL(gg_session_table_create(&q));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);

	q = p; q.capacity = 0; rte_errno = 0;
	CU_ASSERT_PTR_NULL(gg_session_table_create(&q));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);

	q = p; q.capacity = (1u << 30) + 1; rte_errno = 0;
	CU_ASSERT_PTR_NULL(gg_session_table_create(&q));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);

	q = p; q.qsv = NULL; rte_errno = 0;
	CU_ASSERT_PTR_NULL(gg_session_table_create(&q));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);

	q = p; q.n_workers = RTE_MAX_LCORE + 1; rte_errno = 0;
	CU_ASSERT_PTR_NULL(gg_session_table_create(&q));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);

	q = p; q.socket_id = -7; rte_errno = 0;
	CU_ASSERT_PTR_NULL(gg_session_table_create(&q));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);

	/* 17 characters is the longest name; a taken name is EEXIST. */
	q = p; q.name = "seventeen_chars_x";
	t = gg_session_table_create(&q);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	rte_errno = 0;
	t2 = gg_session_table_create(&q);
	CU_ASSERT_PTR_NULL(t2);
	CU_ASSERT_EQUAL(rte_errno, EEXIST);
	gg_session_table_free(t2);
	gg_session_table_free(t);
	/* The name is free again once the table is. */
	t = gg_session_table_create(&q);
	CU_ASSERT_PTR_NOT_NULL(t);
	gg_session_table_free(t);

	/* No workers is allowed: no counters. */
	q = p; q.n_workers = 0;
	t = gg_session_table_create(&q);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(gg_session_worker_counters(t, 0, &view), -EINVAL);
	CU_ASSERT_EQUAL(gg_session_count(t), 0);
	gg_session_table_free(t);

	gg_session_table_free(NULL);
}

static void
test_add_find_lookup(void)
{
	enum { N = 50, CAP = 100 };
	struct gg_session_table *t = mk_table("afl", CAP, 2);
	struct gg_session in[N], bad;
	struct gg_session *out[100];
	uint32_t teids[100], ues[100];
	const struct gg_session *f;
	bool seen[CAP] = { false };
	unsigned int i;
	int id;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < N; i++) {
		in[i] = mk(1000 + i, rte_cpu_to_be_32(0x0a000001 + i), i);
		id = gg_session_add(t, &in[i]);
		CU_ASSERT(id >= 0 && id < CAP);
		if (id >= 0 && id < CAP) {
			CU_ASSERT(!seen[id]);
			seen[id] = true;
		}
		in[i].id = id;
	}
	CU_ASSERT_EQUAL(gg_session_count(t), N);

	for (i = 0; i < N; i++) {
		f = gg_session_find(t, in[i].ul_teid);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		CU_ASSERT(same_fields(f, &in[i]));
		CU_ASSERT_EQUAL(f->id, in[i].id);
	}
	CU_ASSERT_PTR_NULL(gg_session_find(t, 999));
	CU_ASSERT_PTR_NULL(gg_session_find(t, 1000 + N));

	/* 64 keys, even ones hit, odd ones miss. */
	for (i = 0; i < 64; i++) {
		teids[i] = (i % 2 == 0) ? in[i / 2].ul_teid : 5000 + i;
		ues[i] = (i % 2 == 0) ? in[i / 2].ue_ipv4 :
			rte_cpu_to_be_32(0x0b000000 + i);
	}
	memset(out, 0xa5, sizeof(out));
	gg_session_lookup_teid_bulk(t, teids, 64, out);
	for (i = 0; i < 64; i++) {
		if (i % 2 == 0) {
			CU_ASSERT_PTR_EQUAL(out[i],
					gg_session_find(t, in[i / 2].ul_teid));
		} else {
			CU_ASSERT_PTR_NULL(out[i]);
		}
	}
	memset(out, 0xa5, sizeof(out));
	gg_session_lookup_ue_bulk(t, ues, 64, out);
	for (i = 0; i < 64; i++) {
		if (i % 2 == 0) {
			CU_ASSERT_PTR_NOT_NULL(out[i]);
			if (out[i] != NULL)
				CU_ASSERT(same_fields(out[i], &in[i / 2]));
		} else {
			CU_ASSERT_PTR_NULL(out[i]);
		}
	}

	/* One key, all misses, n == 0 (must not touch out). */
	gg_session_lookup_teid_bulk(t, &in[7].ul_teid, 1, out);
	CU_ASSERT_PTR_EQUAL(out[0], gg_session_find(t, in[7].ul_teid));
	for (i = 0; i < 64; i++)
		teids[i] = 0x7fff0000 + i;
	gg_session_lookup_teid_bulk(t, teids, 64, out);
	for (i = 0; i < 64; i++)
		CU_ASSERT_PTR_NULL(out[i]);
	out[0] = (struct gg_session *)&bad;
	gg_session_lookup_teid_bulk(t, teids, 0, out);
	CU_ASSERT_PTR_EQUAL(out[0], &bad);

	/* Beyond the bulk maximum the lookup is split, not refused. */
	for (i = 0; i < 100; i++)
		teids[i] = i < N ? in[i].ul_teid : 9000 + i;
	gg_session_lookup_teid_bulk(t, teids, 100, out);
	for (i = 0; i < 100; i++) {
		if (i < N) {
			CU_ASSERT_PTR_EQUAL(out[i],
					gg_session_find(t, in[i].ul_teid));
		} else {
			CU_ASSERT_PTR_NULL(out[i]);
		}
	}

	/* Invalid sessions. */
	bad = mk(77, 77, 1);
	bad.state = GG_SESSION_STATE_MAX;
	CU_ASSERT_EQUAL(gg_session_add(t, &bad), -EINVAL);
	bad = mk(0, 78, 1);
	CU_ASSERT_EQUAL(gg_session_add(t, &bad), -EINVAL);
	bad = mk(79, 79, 1);
	bad.qfi = 64;
	CU_ASSERT_EQUAL(gg_session_add(t, &bad), -EINVAL);
	CU_ASSERT_EQUAL(gg_session_add(t, NULL), -EINVAL);
	CU_ASSERT_EQUAL(gg_session_count(t), N);
	CU_ASSERT_PTR_NULL(gg_session_find(t, 77));

	CU_ASSERT_EQUAL(gg_session_del(t, 999), -ENOENT);
	CU_ASSERT_EQUAL(gg_session_del(t, in[3].ul_teid), 0);
	CU_ASSERT_EQUAL(gg_session_del(t, in[3].ul_teid), -ENOENT);
	CU_ASSERT_PTR_NULL(gg_session_find(t, in[3].ul_teid));
	gg_session_lookup_ue_bulk(t, &in[3].ue_ipv4, 1, out);
	CU_ASSERT_PTR_NULL(out[0]);
	CU_ASSERT_EQUAL(gg_session_count(t), N - 1);

	gg_session_table_free(t);
}

static void
test_duplicates(void)
{
	struct gg_session_table *t = mk_table("dup", 4, 1);
	struct gg_session a, b, c, d;
	struct gg_session *out[1];
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	a = mk(10, 0x01010101, 1);
	CU_ASSERT(gg_session_add(t, &a) >= 0);

	/* Same TEID, new UE address. */
	b = mk(10, 0x02020202, 2);
	/* Same UE address, new TEID. */
	c = mk(11, 0x01010101, 3);
	for (i = 0; i < 20; i++) {
		CU_ASSERT_EQUAL(gg_session_add(t, &b), -EEXIST);
		CU_ASSERT_EQUAL(gg_session_add(t, &c), -EEXIST);
	}
	/* Both keys taken, by one session. */
	CU_ASSERT_EQUAL(gg_session_add(t, &a), -EEXIST);

	CU_ASSERT_EQUAL(gg_session_count(t), 1);
	CU_ASSERT(same_fields(gg_session_find(t, 10), &a));
	CU_ASSERT_PTR_NULL(gg_session_find(t, 11));
	gg_session_lookup_ue_bulk(t, &b.ue_ipv4, 1, out);
	CU_ASSERT_PTR_NULL(out[0]);
	gg_session_lookup_ue_bulk(t, &a.ue_ipv4, 1, out);
	CU_ASSERT_PTR_EQUAL(out[0], gg_session_find(t, 10));

	/* No slot was consumed: exactly 3 more fit. */
	for (i = 0; i < 3; i++) {
		d = mk(20 + i, 0x03030300 + i, i);
		CU_ASSERT(gg_session_add(t, &d) >= 0);
	}
	d = mk(30, 0x04040404, 0);
	CU_ASSERT_EQUAL(gg_session_add(t, &d), -ENOSPC);
	/* Existence is reported before lack of room. */
	CU_ASSERT_EQUAL(gg_session_add(t, &b), -EEXIST);
	CU_ASSERT_EQUAL(gg_session_count(t), 4);

	gg_session_table_free(t);
}

static void
fill_exactly(const char *name, uint32_t cap)
{
	struct gg_session_table *t = mk_table(name, cap, 1);
	uint32_t mul_t = (uint32_t)rte_rand() | 1;
	uint32_t mul_u = (uint32_t)rte_rand() | 1;
	struct gg_session s;
	uint32_t i, ok = 0, i_fail = 0;
	int ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 1; i <= cap; i++) {
		s = mk(rand_key(i, mul_t), rand_key(i, mul_u), i);
		ret = gg_session_add(t, &s);
		if (ret >= 0 && (uint32_t)ret < cap)
			ok++;
		else if (i_fail == 0)
			i_fail = i;
	}
	if (ok != cap)
		printf("\n  %s: capacity %u, add %u failed first\n",
				name, cap, i_fail);
	CU_ASSERT_EQUAL(ok, cap);
	CU_ASSERT_EQUAL(gg_session_count(t), cap);
	s = mk(rand_key(cap + 1, mul_t), rand_key(cap + 1, mul_u), 0);
	CU_ASSERT_EQUAL(gg_session_add(t, &s), -ENOSPC);
	CU_ASSERT_EQUAL(gg_session_add(t, &s), -ENOSPC);
	CU_ASSERT_EQUAL(gg_session_count(t), cap);
	CU_ASSERT_PTR_NULL(gg_session_find(t, s.ul_teid));
	/* Everything still there. */
	for (i = 1; i <= cap; i++)
		if (gg_session_find(t, rand_key(i, mul_t)) == NULL)
			break;
	CU_ASSERT_EQUAL(i, cap + 1);
	gg_session_table_free(t);
}

static void
test_fill_capacity(void)
{
	fill_exactly("cap1", 1);
	fill_exactly("cap7", 7);
	fill_exactly("cap8", 8);
	fill_exactly("cap1000", 1000);
	fill_exactly("cap1024", 1024);
	fill_exactly("cap4095", 4095);
	fill_exactly("cap65535", 65535);
}

static void
test_delete_reuse_grace(void)
{
	enum { CAP = 16, NDEL = 4 };
	struct gg_session_table *t = mk_table("grace", CAP, 1);
	unsigned int tid = rte_lcore_id();
	struct gg_session s[CAP], n;
	const struct gg_session *held[NDEL];
	bool freed[CAP] = { false };
	unsigned int i;
	int id;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < CAP; i++) {
		s[i] = mk(100 + i, 0x0a0a0000 + i, i);
		s[i].id = gg_session_add(t, &s[i]);
		CU_ASSERT(s[i].id < CAP);
	}

	/* This thread plays an online reader that holds a session. */
	CU_ASSERT_EQUAL_FATAL(rte_rcu_qsbr_thread_register(qsv, tid), 0);
	rte_rcu_qsbr_thread_online(qsv, tid);
	for (i = 0; i < NDEL; i++) {
		held[i] = gg_session_find(t, s[i].ul_teid);
		CU_ASSERT_PTR_NOT_NULL_FATAL(held[i]);
	}

	for (i = 0; i < NDEL; i++) {
		CU_ASSERT_EQUAL(gg_session_del(t, s[i].ul_teid), 0);
		freed[s[i].id] = true;
	}
	CU_ASSERT_EQUAL(gg_session_count(t), CAP - NDEL);
	CU_ASSERT_PTR_NULL(gg_session_find(t, s[0].ul_teid));

	/* Grace period not over: no slot may be reused. */
	n = mk(200, 0x0b0b0000, 5);
	CU_ASSERT_EQUAL(gg_session_add(t, &n), -ENOSPC);
	CU_ASSERT_EQUAL(gg_session_add(t, &n), -ENOSPC);
	/* What the reader holds is untouched. */
	for (i = 0; i < NDEL; i++)
		CU_ASSERT(same_fields(held[i], &s[i]));

	rte_rcu_qsbr_quiescent(qsv, tid);

	for (i = 0; i < NDEL; i++) {
		n = mk(200 + i, 0x0b0b0000 + i, i + 5);
		id = gg_session_add(t, &n);
		CU_ASSERT(id >= 0 && id < CAP);
		if (id >= 0 && id < CAP) {
			CU_ASSERT(freed[id]);
			freed[id] = false;
		}
		CU_ASSERT(same_fields(gg_session_find(t, 200 + i), &n));
	}
	n = mk(300, 0x0c0c0000, 1);
	CU_ASSERT_EQUAL(gg_session_add(t, &n), -ENOSPC);
	CU_ASSERT_EQUAL(gg_session_count(t), CAP);

	/* Delete and re-add the same keys, over and over. */
	for (i = 0; i < 1000; i++) {
		unsigned int k = NDEL + i % (CAP - NDEL);

		CU_ASSERT_EQUAL(gg_session_del(t, s[k].ul_teid), 0);
		rte_rcu_qsbr_quiescent(qsv, tid);
		id = gg_session_add(t, &s[k]);
		CU_ASSERT(id >= 0 && id < CAP);
		CU_ASSERT(same_fields(gg_session_find(t, s[k].ul_teid), &s[k]));
	}
	CU_ASSERT_EQUAL(gg_session_count(t), CAP);

	rte_rcu_qsbr_thread_offline(qsv, tid);
	rte_rcu_qsbr_thread_unregister(qsv, tid);

	/* No reader at all: the grace period is immediate. */
	CU_ASSERT_EQUAL(gg_session_del(t, 200), 0);
	n = mk(400, 0x0d0d0000, 2);
	CU_ASSERT(gg_session_add(t, &n) >= 0);

	gg_session_table_free(t);
}

/*
 * Capacity 4: while a reader is online, deleted slots stay out of use.
 */
static void
test_grace_small(void)
{
	enum { CAP = 4 };
	struct gg_session_table *t = mk_table("grace4", CAP, 1);
	unsigned int tid = rte_lcore_id();
	const struct gg_session *held[CAP];
	struct gg_session s[CAP], n;
	unsigned int i;
	int id;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < CAP; i++) {
		s[i] = mk(600 + i, 0x0e0e0000 + i, i);
		CU_ASSERT(gg_session_add(t, &s[i]) >= 0);
	}
	CU_ASSERT_EQUAL_FATAL(rte_rcu_qsbr_thread_register(qsv, tid), 0);
	rte_rcu_qsbr_thread_online(qsv, tid);
	for (i = 0; i < CAP; i++)
		held[i] = gg_session_find(t, s[i].ul_teid);

	CU_ASSERT_EQUAL(gg_session_del(t, s[0].ul_teid), 0);
	CU_ASSERT_EQUAL(gg_session_del(t, s[1].ul_teid), 0);
	n = mk(700, 0x0f0f0000, 9);
	CU_ASSERT_EQUAL(gg_session_add(t, &n), -ENOSPC);
	CU_ASSERT(same_fields(held[0], &s[0]));
	CU_ASSERT(same_fields(held[1], &s[1]));

	rte_rcu_qsbr_quiescent(qsv, tid);
	id = gg_session_add(t, &n);
	CU_ASSERT(id >= 0 &&
			((uint32_t)id == held[0]->id ||
			(uint32_t)id == held[1]->id));

	CU_ASSERT_EQUAL(gg_session_del(t, n.ul_teid), 0);
	rte_rcu_qsbr_thread_offline(qsv, tid);
	rte_rcu_qsbr_thread_unregister(qsv, tid);
	gg_session_table_free(t);

	/*
	 * Every defer queue was emptied by the free (an offline reader does
	 * not hold grace periods back): otherwise a leaked queue's ring
	 * would keep the name taken.
	 */
	t = mk_table("grace4", CAP, 1);
	CU_ASSERT_PTR_NOT_NULL(t);
	gg_session_table_free(t);
}

static void
test_set_state(void)
{
	struct gg_session_table *t = mk_table("state", 8, 1);
	struct gg_session s = mk(42, 0x0a000042, 0);
	struct gg_session *out[1];
	uint32_t key = 42;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	s.state = GG_SESSION_FULL;
	CU_ASSERT(gg_session_add(t, &s) >= 0);
	gg_session_lookup_teid_bulk(t, &key, 1, out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out[0]);
	CU_ASSERT_EQUAL(gg_session_state(out[0]), GG_SESSION_FULL);

	CU_ASSERT_EQUAL(gg_session_set_state(t, 42, GG_SESSION_LIMITED), 0);
	CU_ASSERT_EQUAL(gg_session_state(out[0]), GG_SESSION_LIMITED);
	gg_session_lookup_ue_bulk(t, &s.ue_ipv4, 1, out);
	CU_ASSERT_EQUAL(gg_session_state(out[0]), GG_SESSION_LIMITED);
	CU_ASSERT_EQUAL(gg_session_set_state(t, 42, GG_SESSION_BLOCKED), 0);
	CU_ASSERT_EQUAL(gg_session_state(gg_session_find(t, 42)),
			GG_SESSION_BLOCKED);

	CU_ASSERT_EQUAL(gg_session_set_state(t, 43, GG_SESSION_FULL), -ENOENT);
	CU_ASSERT_EQUAL(gg_session_set_state(t, 42, GG_SESSION_STATE_MAX),
			-EINVAL);
	CU_ASSERT_EQUAL(gg_session_set_state(t, 42,
			(enum gg_session_state)-1), -EINVAL);
	CU_ASSERT_EQUAL(gg_session_state(gg_session_find(t, 42)),
			GG_SESSION_BLOCKED);

	/* Counts by state follow adds, changes (refused ones not) and deletes. */
	CU_ASSERT_EQUAL(gg_session_count_state(t, GG_SESSION_BLOCKED), 1);
	CU_ASSERT_EQUAL(gg_session_count_state(t, GG_SESSION_FULL), 0);
	s = mk(44, 0x0a000044, 0);
	s.state = GG_SESSION_LIMITED;
	CU_ASSERT(gg_session_add(t, &s) >= 0);
	CU_ASSERT(gg_session_add(t, &s) < 0);
	CU_ASSERT_EQUAL(gg_session_count_state(t, GG_SESSION_LIMITED), 1);
	CU_ASSERT_EQUAL(gg_session_set_state(t, 44, GG_SESSION_FULL), 0);
	CU_ASSERT_EQUAL(gg_session_set_state(t, 44, GG_SESSION_FULL), 0);
	CU_ASSERT_EQUAL(gg_session_count_state(t, GG_SESSION_FULL), 1);
	CU_ASSERT_EQUAL(gg_session_count_state(t, GG_SESSION_LIMITED), 0);
	CU_ASSERT_EQUAL(gg_session_del(t, 42), 0);
	CU_ASSERT_EQUAL(gg_session_count_state(t, GG_SESSION_BLOCKED), 0);
	CU_ASSERT_EQUAL(gg_session_count_state(t, GG_SESSION_FULL), 1);
	CU_ASSERT_EQUAL(gg_session_count_state(t, GG_SESSION_STATE_MAX), 0);
	CU_ASSERT_EQUAL(gg_session_count_state(NULL, GG_SESSION_FULL), 0);
	gg_session_table_free(t);
}

/*
 * Each worker's counters of a session, summed over the workers, cleared
 * when the slot is reused; with one worker (@p n_workers 1) they share the
 * session's cache line, with more each worker has its own array.
 */
static void
check_counters(unsigned int n_workers)
{
	struct gg_session_table *t = mk_table("ctr", 1, n_workers);
	struct gg_session s = mk(7, 0x0a000007, 0), s2 = mk(8, 0x0a000008, 0);
	struct gg_session_counters sum, *c, *first = NULL;
	struct gg_session_ctr_view view;
	const struct gg_session *found;
	uint64_t tri = n_workers * (n_workers + 1) / 2;
	unsigned int w;
	int id;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	id = gg_session_add(t, &s);
	CU_ASSERT_EQUAL_FATAL(id, 0);
	found = gg_session_find(t, 7);
	CU_ASSERT_PTR_NOT_NULL_FATAL(found);
	for (w = 0; w < n_workers; w++) {
		CU_ASSERT_EQUAL_FATAL(gg_session_worker_counters(t, w, &view), 0);
		CU_ASSERT((view.array == NULL) == (n_workers == 1));
		c = gg_session_ctr(&view, found);
		if (n_workers == 1)
			CU_ASSERT_PTR_EQUAL(RTE_PTR_ALIGN_FLOOR(c, 64),
					RTE_PTR_ALIGN_FLOOR(found, 64));
		if (w == 0)
			first = c;
		else
			CU_ASSERT(RTE_PTR_ALIGN_FLOOR(c, 64) !=
					RTE_PTR_ALIGN_FLOOR(first, 64));
		c->ul_pkts += w + 1;
		c->ul_bytes += 100 * (w + 1);
		c->dl_pkts += 10 * (w + 1);
		c->dl_bytes += 1000 * (w + 1);
	}
	CU_ASSERT_EQUAL(gg_session_worker_counters(t, n_workers, &view),
			-EINVAL);
	CU_ASSERT_EQUAL(gg_session_worker_counters(NULL, 0, &view), -EINVAL);
	/* The counters do not overlap the session. */
	CU_ASSERT_EQUAL(found->ul_teid, 7);
	CU_ASSERT_EQUAL(found->ue_ipv4, 0x0a000007);
	CU_ASSERT_EQUAL(found->id, (uint32_t)id);
	CU_ASSERT_EQUAL(gg_session_state(found), GG_SESSION_FULL);

	/* 1 + 2 + ... + n_workers of each. */
	gg_session_counters_sum(t, id, &sum);
	CU_ASSERT_EQUAL(sum.ul_pkts, tri);
	CU_ASSERT_EQUAL(sum.ul_bytes, 100 * tri);
	CU_ASSERT_EQUAL(sum.dl_pkts, 10 * tri);
	CU_ASSERT_EQUAL(sum.dl_bytes, 1000 * tri);

	/* Out of range id: zeros. */
	gg_session_counters_sum(t, 1, &sum);
	CU_ASSERT_EQUAL(sum.ul_pkts + sum.ul_bytes + sum.dl_pkts +
			sum.dl_bytes, 0);

	/* The only slot is reused (no reader: immediate grace period). */
	CU_ASSERT_EQUAL(gg_session_del(t, 7), 0);
	/* Deleting does not clear the totals; they are still readable. */
	gg_session_counters_sum(t, id, &sum);
	CU_ASSERT_EQUAL(sum.ul_pkts, tri);
	CU_ASSERT_EQUAL(gg_session_add(t, &s2), 0);
	gg_session_counters_sum(t, 0, &sum);
	CU_ASSERT_EQUAL(sum.ul_pkts, 0);
	CU_ASSERT_EQUAL(sum.ul_bytes, 0);
	CU_ASSERT_EQUAL(sum.dl_pkts, 0);
	CU_ASSERT_EQUAL(sum.dl_bytes, 0);
	gg_session_table_free(t);
}

static void
test_counters(void)
{
	check_counters(1);
	check_counters(3);
}

/* Neighbouring slots: one session's counters leave the next one alone. */
static void
test_counters_neighbours(void)
{
	struct gg_session_table *t = mk_table("ctrn", 8, 1);
	struct gg_session_counters sum;
	struct gg_session_ctr_view view;
	struct gg_session s;
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL_FATAL(gg_session_worker_counters(t, 0, &view), 0);
	for (i = 0; i < 8; i++) {
		s = mk(100 + i, 0x0a000100 + i, i);
		CU_ASSERT_FATAL(gg_session_add(t, &s) >= 0);
	}
	for (i = 0; i < 8; i++) {
		struct gg_session_counters *c =
			gg_session_ctr(&view, gg_session_find(t, 100 + i));

		c->ul_pkts = UINT64_MAX;
		c->ul_bytes = UINT64_MAX;
		c->dl_pkts = UINT64_MAX;
		c->dl_bytes = i;
	}
	for (i = 0; i < 8; i++) {
		const struct gg_session *f = gg_session_find(t, 100 + i);

		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		CU_ASSERT_EQUAL(f->ue_ipv4, 0x0a000100 + i);
		CU_ASSERT_EQUAL(f->dl_teid, mk(100 + i, 0, i).dl_teid);
		CU_ASSERT_EQUAL(f->qfi, mk(100 + i, 0, i).qfi);
		gg_session_counters_sum(t, f->id, &sum);
		CU_ASSERT_EQUAL(sum.dl_bytes, i);
	}
	gg_session_table_free(t);
}

struct walk_ctx {
	unsigned int calls;
	unsigned int stop_at;
	uint8_t seen[300];
	uint64_t teid_sum;
	bool bad;
};

static int
walk_cb(const struct gg_session *s, void *arg)
{
	struct walk_ctx *w = arg;

	w->calls++;
	if (s->id >= RTE_DIM(w->seen) || s->ul_teid != 5000 + s->dl_teid)
		w->bad = true;
	else
		w->seen[s->id]++;
	w->teid_sum += s->ul_teid;
	return w->calls == w->stop_at ? 7 : 0;
}

static void
test_walk(void)
{
	struct gg_session_table *t = mk_table("walk", 300, 1);
	struct walk_ctx w;
	struct gg_session s;
	uint64_t expect = 0;
	unsigned int i, once = 0;
	uint32_t cursor0 = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(gg_session_walk(t, walk_cb, &w), 0);
	CU_ASSERT_EQUAL(w.calls, 0);

	for (i = 0; i < 200; i++) {
		s = mk(5000 + i, 0x0a000000 + i, 0);
		s.dl_teid = i;
		CU_ASSERT(gg_session_add(t, &s) >= 0);
	}
	for (i = 0; i < 200; i += 4)
		CU_ASSERT_EQUAL(gg_session_del(t, 5000 + i), 0);
	for (i = 0; i < 200; i++)
		if (i % 4 != 0)
			expect += 5000 + i;

	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(gg_session_walk(t, walk_cb, &w), 0);
	CU_ASSERT_EQUAL(w.calls, 150);
	CU_ASSERT_FALSE(w.bad);
	CU_ASSERT_EQUAL(w.teid_sum, expect);
	for (i = 0; i < RTE_DIM(w.seen); i++) {
		CU_ASSERT(w.seen[i] <= 1);
		once += w.seen[i];
	}
	CU_ASSERT_EQUAL(once, 150);

	memset(&w, 0, sizeof(w));
	w.stop_at = 10;
	CU_ASSERT_EQUAL(gg_session_walk(t, walk_cb, &w), 7);
	CU_ASSERT_EQUAL(w.calls, 10);

	/* In pages, every installed session once, in slot order: pages of
	 * 37 slots stopped every 16 sessions (most end at the stop), and of
	 * 5 slots (every one ends at its last slot, which must be looked at). */
	{
		static const uint32_t max_slots[] = { 37, 5 };
		unsigned int k;

		for (k = 0; k < RTE_DIM(max_slots); k++) {
			uint32_t cursor = 0, prev, pages = 0;
			int ret;

			memset(&w, 0, sizeof(w));
			w.stop_at = 16;
			while (cursor < gg_session_capacity(t) && pages < 1000) {
				prev = cursor;
				ret = gg_session_walk_slots(t, &cursor,
						max_slots[k], walk_cb, &w);
				CU_ASSERT(ret == 0 || ret == 7);
				CU_ASSERT(cursor > prev &&
						cursor - prev <= max_slots[k]);
				if (ret == 7)
					w.calls = 0; /* a page counts anew */
				pages++;
			}
			CU_ASSERT_EQUAL(cursor, gg_session_capacity(t));
			CU_ASSERT_EQUAL(gg_session_walk_slots(t, &cursor,
					max_slots[k], walk_cb, &w), 0);
			CU_ASSERT_EQUAL(cursor, gg_session_capacity(t));
			CU_ASSERT_FALSE(w.bad);
			CU_ASSERT_EQUAL(w.teid_sum, expect);
			once = 0;
			for (i = 0; i < RTE_DIM(w.seen); i++) {
				CU_ASSERT(w.seen[i] <= 1);
				once += w.seen[i];
			}
			CU_ASSERT_EQUAL(once, 150);
		}
		CU_ASSERT_EQUAL(gg_session_walk_slots(NULL, &cursor0, 1,
				walk_cb, &w), -EINVAL);
	}
	gg_session_table_free(t);
}

static void
test_state_names(void)
{
	int i;

	CU_ASSERT_STRING_EQUAL(gg_session_state_name(GG_SESSION_FULL), "full");
	CU_ASSERT_STRING_EQUAL(gg_session_state_name(GG_SESSION_LIMITED),
			"limited");
	CU_ASSERT_STRING_EQUAL(gg_session_state_name(GG_SESSION_BLOCKED),
			"blocked");
	CU_ASSERT_PTR_NULL(gg_session_state_name(GG_SESSION_STATE_MAX));
	CU_ASSERT_PTR_NULL(gg_session_state_name((enum gg_session_state)-1));

	for (i = 0; i < GG_SESSION_STATE_MAX; i++)
		CU_ASSERT_EQUAL(gg_session_state_parse(
				gg_session_state_name(i)), i);
	CU_ASSERT_EQUAL(gg_session_state_parse("full"), GG_SESSION_FULL);
	CU_ASSERT_EQUAL(gg_session_state_parse("limited"), GG_SESSION_LIMITED);
	CU_ASSERT_EQUAL(gg_session_state_parse("blocked"), GG_SESSION_BLOCKED);
	CU_ASSERT_EQUAL(gg_session_state_parse("FULL"), -1);
	CU_ASSERT_EQUAL(gg_session_state_parse("ful"), -1);
	CU_ASSERT_EQUAL(gg_session_state_parse("fullx"), -1);
	CU_ASSERT_EQUAL(gg_session_state_parse(""), -1);
	CU_ASSERT_EQUAL(gg_session_state_parse(NULL), -1);
}

/* --- concurrent reader ------------------------------------------------------ */

#define N_STABLE 64
#define N_CHURN 1024
#define CHURN_CAP 2048
#define CHURN_OPS 200000

static uint32_t
stable_teid(unsigned int i)
{
	return 0x10000 + i;
}

static uint32_t
stable_ue(unsigned int i)
{
	return rte_cpu_to_be_32(0x0a400000 + i);
}

static uint32_t
churn_teid(unsigned int j)
{
	return 0x80000000 + j;
}

static uint32_t
churn_ue(unsigned int j)
{
	return rte_cpu_to_be_32(0x0a800000 + j);
}

struct reader_ctx {
	struct gg_session_table *t;
	unsigned int tid;
	bool stop;		/* atomic */
	uint64_t iters;		/* atomic */
	uint64_t errors;	/* atomic */
	uint64_t churn_hits;
	uint64_t first_error;	/* iteration of the first error, + 1 */
};

static void
reader_error(struct reader_ctx *r, uint64_t it)
{
	if (__atomic_load_n(&r->errors, __ATOMIC_RELAXED) == 0)
		r->first_error = it + 1;
	__atomic_fetch_add(&r->errors, 1, __ATOMIC_RELAXED);
}

/* A churn session seen by key j must be j's, for as long as it is held. */
static bool
churn_ok(const struct gg_session *s, unsigned int j)
{
	return s->ul_teid == churn_teid(j) && s->ue_ipv4 == churn_ue(j) &&
		s->dl_teid == j * 7 + 1 && s->id < CHURN_CAP &&
		gg_session_state(s) < GG_SESSION_STATE_MAX;
}

static int
reader_main(void *arg)
{
	struct reader_ctx *r = arg;
	uint32_t st[N_STABLE], su[N_STABLE], ct[64], cu[64];
	struct gg_session *a[N_STABLE], *b[N_STABLE], *c[64], *d[64];
	struct gg_session expect;
	unsigned int i, k, base = 0;
	uint64_t it = 0;

	for (i = 0; i < N_STABLE; i++) {
		st[i] = stable_teid(i);
		su[i] = stable_ue(i);
	}
	if (rte_rcu_qsbr_thread_register(qsv, r->tid) != 0) {
		reader_error(r, 0);
		return -1;
	}
	rte_rcu_qsbr_thread_online(qsv, r->tid);

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		gg_session_lookup_teid_bulk(r->t, st, N_STABLE, a);
		gg_session_lookup_ue_bulk(r->t, su, N_STABLE, b);
		for (i = 0; i < N_STABLE; i++) {
			expect = mk(st[i], su[i], i);
			if (a[i] == NULL || b[i] != a[i] ||
					a[i]->ul_teid != expect.ul_teid ||
					a[i]->ue_ipv4 != expect.ue_ipv4 ||
					a[i]->gnb_ipv4 != expect.gnb_ipv4 ||
					a[i]->dl_teid != expect.dl_teid ||
					a[i]->qfi != expect.qfi ||
					a[i]->flags != expect.flags ||
					gg_session_state(a[i]) >=
					GG_SESSION_STATE_MAX)
				reader_error(r, it);
		}

		/* 64 churn keys a round, by TEID and by UE address. */
		for (k = 0; k < 64; k++) {
			ct[k] = churn_teid((base + k) % N_CHURN);
			cu[k] = churn_ue((base + k) % N_CHURN);
		}
		gg_session_lookup_teid_bulk(r->t, ct, 64, c);
		gg_session_lookup_ue_bulk(r->t, cu, 64, d);
		for (k = 0; k < 64; k++) {
			if (c[k] != NULL) {
				r->churn_hits++;
				if (!churn_ok(c[k], (base + k) % N_CHURN))
					reader_error(r, it);
			}
			if (d[k] != NULL && !churn_ok(d[k], (base + k) % N_CHURN))
				reader_error(r, it);
		}
		/*
		 * Let the writer delete and re-add some of them, then check
		 * that what we hold has not been reused under us.
		 */
		rte_delay_us_block(2);
		for (k = 0; k < 64; k++) {
			if ((c[k] != NULL &&
					!churn_ok(c[k], (base + k) % N_CHURN)) ||
					(d[k] != NULL &&
					!churn_ok(d[k], (base + k) % N_CHURN)))
				reader_error(r, it);
		}
		base = (base + 64) % N_CHURN;

		rte_rcu_qsbr_quiescent(qsv, r->tid);
		__atomic_store_n(&r->iters, ++it, __ATOMIC_RELEASE);
	}

	rte_rcu_qsbr_thread_offline(qsv, r->tid);
	rte_rcu_qsbr_thread_unregister(qsv, r->tid);
	return 0;
}

static void
test_concurrent_reader(void)
{
	struct gg_session_table *t;
	struct reader_ctx r;
	struct gg_session s;
	bool live[N_CHURN] = { false };
	uint64_t it0, it1, t_end, adds = 0, dels = 0, flips = 0;
	uint64_t waits = 0, wait_max = 0, c0, wr_err = 0;
	unsigned int lcore, i, j;
	int ret;

	if (rte_lcore_count() < 2) {
		printf("\n  skipped: needs 2 lcores, have %u ",
				rte_lcore_count());
		return;
	}
	lcore = rte_get_next_lcore(-1, 1, 0);

	t = mk_table("conc", CHURN_CAP, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < N_STABLE; i++) {
		s = mk(stable_teid(i), stable_ue(i), i);
		CU_ASSERT_FATAL(gg_session_add(t, &s) >= 0);
	}

	memset(&r, 0, sizeof(r));
	r.t = t;
	r.tid = lcore;
	CU_ASSERT_EQUAL_FATAL(rte_eal_remote_launch(reader_main, &r, lcore), 0);

	/* Wait for the reader to start (at most 5 s). */
	t_end = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (__atomic_load_n(&r.iters, __ATOMIC_ACQUIRE) == 0 &&
			rte_get_timer_cycles() < t_end)
		rte_pause();
	it0 = __atomic_load_n(&r.iters, __ATOMIC_ACQUIRE);

	for (i = 0; i < CHURN_OPS; i++) {
		j = (uint32_t)rte_rand() % N_CHURN;
		if (live[j]) {
			if (gg_session_del(t, churn_teid(j)) != 0)
				wr_err++;
			live[j] = false;
			dels++;
		} else {
			s = mk(churn_teid(j), churn_ue(j), j);
			/*
			 * All free slots may be waiting for the reader's next
			 * quiescent state (it may be descheduled on a busy
			 * machine): wait for it, at most 5 s.
			 */
			ret = gg_session_add(t, &s);
			if (ret == -ENOSPC) {
				c0 = rte_get_timer_cycles();
				t_end = c0 + 5 * rte_get_timer_hz();
				while ((ret = gg_session_add(t, &s)) ==
						-ENOSPC &&
						rte_get_timer_cycles() < t_end)
					rte_pause();
				waits++;
				wait_max = RTE_MAX(wait_max,
						rte_get_timer_cycles() - c0);
			}
			if (ret < 0)
				wr_err++;
			else
				live[j] = true;
			adds++;
		}
		if (i % 8 == 0) {
			if (gg_session_set_state(t, stable_teid(i % N_STABLE),
					(i / 8) % GG_SESSION_STATE_MAX) != 0)
				wr_err++;
			flips++;
		}
	}
	it1 = __atomic_load_n(&r.iters, __ATOMIC_ACQUIRE);
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	CU_ASSERT_EQUAL(rte_eal_wait_lcore(lcore), 0);

	printf("\n  writer: %" PRIu64 " adds, %" PRIu64 " deletes, %" PRIu64
			" state flips, %" PRIu64 " adds waited for a grace "
			"period (longest %.1f ms); reader: %" PRIu64
			" rounds during churn, %" PRIu64 " churn hits, %" PRIu64
			" errors ", adds, dels, flips, waits,
			wait_max * 1000.0 / rte_get_timer_hz(), it1 - it0,
			r.churn_hits, r.errors);
	if (r.errors != 0)
		printf("(first in round %" PRIu64 ") ", r.first_error - 1);
	CU_ASSERT_EQUAL(wr_err, 0);
	CU_ASSERT_EQUAL(r.errors, 0);
	CU_ASSERT(it0 > 0);
	CU_ASSERT(it1 - it0 >= 10);
	CU_ASSERT(r.churn_hits > 0);
	CU_ASSERT(adds + dels == CHURN_OPS);

	/* Stable sessions intact, churn ones as the writer left them. */
	for (i = 0; i < N_STABLE; i++) {
		const struct gg_session *f = gg_session_find(t, stable_teid(i));

		s = mk(stable_teid(i), stable_ue(i), i);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		CU_ASSERT(f->ul_teid == s.ul_teid && f->ue_ipv4 == s.ue_ipv4 &&
				f->dl_teid == s.dl_teid && f->qfi == s.qfi);
	}
	ret = 0;
	for (j = 0; j < N_CHURN; j++)
		if ((gg_session_find(t, churn_teid(j)) != NULL) != live[j])
			ret++;
	CU_ASSERT_EQUAL(ret, 0);
	gg_session_table_free(t);
}

/* --- one million sessions --------------------------------------------------- */

static void
test_million(void)
{
	const uint32_t cap = 1000000;
	uint32_t mul_t = (uint32_t)rte_rand() | 1;
	uint32_t mul_u = (uint32_t)rte_rand() | 1;
	uint32_t keys[64];
	struct gg_session *out[64];
	struct gg_session_table *t;
	struct gg_session s;
	size_t before, vm_before, measured, estimate;
	uint32_t i, k, ok = 0, found = 0;
	uint64_t c0, c1;

	before = test_heap_allocated();
	vm_before = test_vm_size();
	t = mk_table("million", cap, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	/* DPDK's heap, plus the arrays mapped outside it (--no-huge). */
	measured = test_heap_allocated() - before + test_vm_size() - vm_before;
	estimate = gg_session_table_bytes_per_session(t) * cap;

	printf("\n  1M sessions, 1 worker: %zu bytes/session estimated "
			"(%.1f MiB), %.1f bytes/session measured (heap and mappings) "
			"(%.1f MiB) ", gg_session_table_bytes_per_session(t),
			estimate / 1048576.0, (double)measured / cap,
			measured / 1048576.0);
	CU_ASSERT(measured < 512u * 1024 * 1024);
	CU_ASSERT(estimate < 512u * 1024 * 1024);
	/* The estimate is honest: within 5% of what the heap lost. */
	CU_ASSERT(estimate * 100 >= measured * 95 &&
			estimate * 100 <= measured * 105);

	c0 = rte_get_timer_cycles();
	for (i = 1; i <= cap; i++) {
		s = mk(rand_key(i, mul_t), rand_key(i, mul_u), i);
		if (gg_session_add(t, &s) >= 0)
			ok++;
	}
	c1 = rte_get_timer_cycles();
	CU_ASSERT_EQUAL(ok, cap);
	CU_ASSERT_EQUAL(gg_session_count(t), cap);
	s = mk(rand_key(cap + 1, mul_t), rand_key(cap + 1, mul_u), 1);
	CU_ASSERT_EQUAL(gg_session_add(t, &s), -ENOSPC);

	/* Every session is found, by TEID and by UE address. */
	for (i = 1; i <= cap; i += 64) {
		uint32_t n = RTE_MIN(64u, cap + 1 - i);

		for (k = 0; k < n; k++)
			keys[k] = rand_key(i + k, mul_t);
		gg_session_lookup_teid_bulk(t, keys, n, out);
		for (k = 0; k < n; k++)
			found += out[k] != NULL && out[k]->ul_teid == keys[k];
		for (k = 0; k < n; k++)
			keys[k] = rand_key(i + k, mul_u);
		gg_session_lookup_ue_bulk(t, keys, n, out);
		for (k = 0; k < n; k++)
			found += out[k] != NULL && out[k]->ue_ipv4 == keys[k];
	}
	CU_ASSERT_EQUAL(found, 2 * cap);
	printf("(filled in %.2f s) ",
			(double)(c1 - c0) / rte_get_timer_hz());
	gg_session_table_free(t);
}


/*
 * The burst lookups read keys from and write sessions into strided records
 * (a worker's metadata): hits, misses, key 0, with and without a counter
 * array to prefetch; records' other fields untouched.
 */
struct rec {
	struct gg_session *sess;
	uint32_t key;
	uint32_t guard;
};

static void
test_lookup_burst(void)
{
	enum { N = 40 };
	struct gg_session_table *t = mk_table("burst", 256, 2);
	struct gg_session_ctr_view view;
	struct rec r[N];
	struct gg_session s;
	unsigned int i, pass;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL_FATAL(gg_session_worker_counters(t, 1, &view), 0);
	for (i = 0; i < N; i += 2) {
		s = mk(1000 + i, 0x0a000000 + i, i);
		CU_ASSERT(gg_session_add(t, &s) >= 0);
	}
	for (pass = 0; pass < 4; pass++) {
		for (i = 0; i < N; i++) {
			r[i].sess = (struct gg_session *)&r[i]; /* garbage */
			r[i].key = pass < 2 ? 1000 + i : 0x0a000000 + i;
			if (i == 7)
				r[i].key = 0;
			r[i].guard = 0xfeed0000 + i;
		}
		if (pass < 2)
			gg_session_lookup_teid_burst(t, &r[0].key, &r[0].sess,
					sizeof(r[0]), N, pass == 0 ? NULL : &view);
		else
			gg_session_lookup_ue_burst(t, &r[0].key, &r[0].sess,
					sizeof(r[0]), N, pass == 2 ? NULL : &view);
		for (i = 0; i < N; i++) {
			CU_ASSERT_EQUAL(r[i].guard, 0xfeed0000 + i);
			if (i % 2 == 1 || i == 7) {
				CU_ASSERT_PTR_NULL(r[i].sess);
			} else {
				CU_ASSERT_PTR_NOT_NULL_FATAL(r[i].sess);
				CU_ASSERT_EQUAL(r[i].sess->ul_teid, 1000 + i);
				CU_ASSERT_EQUAL(r[i].sess->ue_ipv4,
						0x0a000000 + i);
			}
		}
	}
	gg_session_table_free(t);
}

/* --- the index underneath (session_index.h) ------------------------------ */

static int
count_id(uint32_t id, void *arg)
{
	uint64_t *sum = arg;

	*sum += id;
	return 0;
}

/*
 * Keys that all share one first-choice bucket: the first 7 fill it, the
 * next go to their second choices (the bucket's spilled count says so) or
 * make room by moving a first-choice resident out; every key stays
 * findable, singly and in bulk, through deletes in any order.
 */
static void
test_index_crowded(void)
{
	enum { CAP = 64, N = 20 };
	struct session_index x;
	uint32_t keys[N], ids[N], k, n = 0, target, i;
	uint64_t sum = 0, want = 0;

	CU_ASSERT_EQUAL_FATAL(session_index_init(&x, CAP, SOCKET_ID_ANY), 0);
	CU_ASSERT_EQUAL(x.mask + 1, 16u);
	target = session_index_first(&x, 1);
	for (k = 1; n < N; k++)
		if (session_index_first(&x, k) == target)
			keys[n++] = k;

	for (i = 0; i < N; i++)
		CU_ASSERT_EQUAL(session_index_add(&x, keys[i], 100 + i), 0);
	CU_ASSERT_EQUAL(x.n_keys, (uint32_t)N);
	CU_ASSERT_EQUAL(x.buckets[target].spilled, (uint32_t)N - 7);
	CU_ASSERT_EQUAL(x.n_second, (uint32_t)N - 7);
	CU_ASSERT_EQUAL(session_index_add(&x, keys[3], 1), -EEXIST);
	CU_ASSERT_EQUAL(session_index_add(&x, 0, 1), -EINVAL);
	CU_ASSERT_EQUAL(session_index_find(&x, 0), SESSION_INDEX_MISS);

	session_index_find_bulk(&x, keys, N, ids, NULL, 0);
	for (i = 0; i < N; i++) {
		CU_ASSERT_EQUAL(ids[i], 100 + i);
		CU_ASSERT_EQUAL(session_index_find(&x, keys[i]), 100 + i);
		want += 100 + i;
	}
	CU_ASSERT_EQUAL(session_index_walk(&x, count_id, &sum), 0);
	CU_ASSERT_EQUAL(sum, want);

	/* Deletes from the middle, both places, then re-adds. */
	for (i = 0; i < N; i += 3)
		CU_ASSERT_EQUAL(session_index_del(&x, keys[i]), 0);
	for (i = 0; i < N; i += 3)
		CU_ASSERT_EQUAL(session_index_del(&x, keys[i]), -ENOENT);
	session_index_find_bulk(&x, keys, N, ids, NULL, 0);
	for (i = 0; i < N; i++)
		CU_ASSERT_EQUAL(ids[i], i % 3 == 0 ? SESSION_INDEX_MISS :
				100 + i);
	for (i = 0; i < N; i += 3)
		CU_ASSERT_EQUAL(session_index_add(&x, keys[i], 200 + i), 0);
	for (i = 0; i < N; i++)
		CU_ASSERT_EQUAL(session_index_find(&x, keys[i]),
				i % 3 == 0 ? 200 + i : 100 + i);
	for (i = 0; i < N; i++)
		CU_ASSERT_EQUAL(session_index_del(&x, keys[N - 1 - i]), 0);
	CU_ASSERT_EQUAL(x.n_keys, 0u);
	CU_ASSERT_EQUAL(x.n_second, 0u);
	CU_ASSERT_EQUAL(x.buckets[target].spilled, 0u);
	session_index_free(&x);
}

/*
 * The insert path that neither fits the first choice nor can make room
 * there: the first choice is full of keys whose own second choice is full
 * too, so the key goes to its second choice directly, and the first
 * choice's spilled count must say so, or the key is lost to readers.
 */
static void
test_index_second_direct(void)
{
	struct session_index x;
	uint32_t t_keys[7], u_keys[7], k, key_v = 0, nt = 0, nu = 0, i;
	uint32_t T, U;

	CU_ASSERT_EQUAL_FATAL(session_index_init(&x, 64, SOCKET_ID_ANY), 0);
	T = session_index_first(&x, 1);
	U = session_index_second(&x, 1);
	for (k = 1; nt < 7 || nu < 7 || key_v == 0; k++) {
		uint32_t f = session_index_first(&x, k);
		uint32_t sc = session_index_second(&x, k);

		if (f == T && sc == U && nt < 7)
			t_keys[nt++] = k;
		else if (f == U && nu < 7)
			u_keys[nu++] = k;
		else if (f == T && sc != U && key_v == 0)
			key_v = k;
	}
	for (i = 0; i < 7; i++)
		CU_ASSERT_EQUAL(session_index_add(&x, t_keys[i], i), 0);
	for (i = 0; i < 7; i++)
		CU_ASSERT_EQUAL(session_index_add(&x, u_keys[i], 10 + i), 0);
	CU_ASSERT_EQUAL(x.n_second, 0u);

	CU_ASSERT_EQUAL(session_index_add(&x, key_v, 99), 0);
	CU_ASSERT_EQUAL(x.buckets[T].spilled, 1u);
	CU_ASSERT_EQUAL(x.n_second, 1u);
	CU_ASSERT_EQUAL(session_index_find(&x, key_v), 99u);
	for (i = 0; i < 7; i++) {
		CU_ASSERT_EQUAL(session_index_find(&x, t_keys[i]), i);
		CU_ASSERT_EQUAL(session_index_find(&x, u_keys[i]), 10 + i);
	}
	CU_ASSERT_EQUAL(session_index_del(&x, key_v), 0);
	CU_ASSERT_EQUAL(x.buckets[T].spilled, 0u);
	CU_ASSERT_EQUAL(session_index_find(&x, key_v), SESSION_INDEX_MISS);
	session_index_free(&x);
}

/*
 * The sizing promise: at the highest load the sizing allows (capacity =
 * 4.2 x buckets), random keys always fit, over many key sets and sizes;
 * and the share of keys in their second choice, which costs a lookup a
 * second cache line, stays near the Poisson estimate.
 */
static void
test_index_full_load(void)
{
	static const uint32_t pow2[] = { 16, 256, 4096, 65536 };
	unsigned int p, round;
	uint64_t keys = 0, second = 0;

	for (p = 0; p < RTE_DIM(pow2); p++) {
		/* The largest capacity that gets pow2[p] buckets. */
		uint32_t cap = pow2[p] * 21 / 5;
		unsigned int rounds = p < 2 ? 200 : (p == 2 ? 20 : 3);

		CU_ASSERT_EQUAL(session_index_buckets_for(cap), pow2[p]);
		CU_ASSERT_EQUAL(session_index_buckets_for(cap + 1),
				pow2[p] * 2);
		for (round = 0; round < rounds; round++) {
			uint32_t mul = (uint32_t)rte_rand() | 1, i, bad = 0;
			struct session_index x;

			CU_ASSERT_EQUAL_FATAL(session_index_init(&x, cap,
					SOCKET_ID_ANY), 0);
			for (i = 1; i <= cap; i++)
				bad += session_index_add(&x,
						rand_key(i, mul), i) != 0;
			CU_ASSERT_EQUAL(bad, 0u);
			for (i = 1; i <= cap; i++)
				bad += session_index_find(&x,
						rand_key(i, mul)) != i;
			CU_ASSERT_EQUAL(bad, 0u);
			keys += x.n_keys;
			second += x.n_second;
			session_index_free(&x);
		}
	}
	printf("\n  at 60 %% load: %.1f %% of keys in their second choice ",
			100.0 * second / keys);
	CU_ASSERT(second * 100 < keys * 20);
}

/* --- main ------------------------------------------------------------------ */

int
main(void)
{
	static const struct test_case tests[] = {
		{ "create: bad parameters", test_create_bad_params },
		{ "add, find, bulk lookups", test_add_find_lookup },
		{ "duplicate TEID / UE address", test_duplicates },
		{ "fill to capacity exactly", test_fill_capacity },
		{ "delete, grace period, slot reuse", test_delete_reuse_grace },
		{ "grace period, small table", test_grace_small },
		{ "set_state", test_set_state },
		{ "per-worker counters, in the slot or apart", test_counters },
		{ "counters beside neighbouring sessions", test_counters_neighbours },
		{ "walk", test_walk },
		{ "state names", test_state_names },
		{ "concurrent RCU reader", test_concurrent_reader },
		{ "burst lookups in strided records", test_lookup_burst },
		{ "index: crowded buckets", test_index_crowded },
		{ "index: straight to the second choice", test_index_second_direct },
		{ "index: fill at the highest load", test_index_full_load },
		{ "1M sessions", test_million },
	};
	int rc;

	qsv = test_eal_init("session");
	if (qsv == NULL)
		return 1;
	rc = test_cunit_main("session", NULL, NULL, TEST_CASES(tests));
	rte_free(qsv);
	rte_eal_cleanup();
	return rc;
}
