/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit tests of the walled garden (lib/garden): parameters; static prefix
 * rules (match and miss, port range edges, protocol any vs specific,
 * shadowing by a longer prefix, deletion, capacity); names (label-boundary
 * suffix match, case, trailing dot, length limits, deletion; the wire-form
 * matcher on hostile wire forms, and against the text matcher on every
 * name the tests use and on a fuzzed corpus, its reads fenced by
 * inaccessible pages); learned
 * addresses (scopes, TTL clamping, exact expiry, refresh, full table
 * eviction or refusal, incremental expiry, forget); the rule parser and
 * formatter; walk; bulk vs single matching; RCU grace periods gating
 * reuse; a concurrent reader against a churning writer; and, as
 * information, memory per entry and cycles per match.
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
#include <sys/mman.h>
#include <unistd.h>

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
#include "gg_garden.h"
#include "test_cunit.h"

static struct rte_rcu_qsbr *qsv;

#define NOW 1000u
#define TCP GG_GARDEN_PROTO_TCP
#define UDP GG_GARDEN_PROTO_UDP
#define ICMP GG_GARDEN_PROTO_ICMP
#define GLOBAL GG_GARDEN_SCOPE_GLOBAL

/* --- helpers -------------------------------------------------------------- */

static uint32_t
ip4(unsigned int a, unsigned int b, unsigned int c, unsigned int d)
{
	return rte_cpu_to_be_32(a << 24 | b << 16 | c << 8 | d);
}

static struct gg_garden_params
params(const char *name, uint32_t rules, uint32_t names, uint32_t learned)
{
	struct gg_garden_params p = {
		.name = name,
		.max_rules = rules,
		.max_names = names,
		.max_learned = learned,
		.min_ttl = 30,
		.max_ttl = 3600,
		.refuse_when_full = false,
		.socket_id = SOCKET_ID_ANY,
		.qsv = qsv,
	};
	return p;
}

static struct gg_garden *
mk(const char *name, uint32_t rules, uint32_t names, uint32_t learned)
{
	struct gg_garden_params p = params(name, rules, names, learned);

	return gg_garden_create(&p);
}

/* Static match for a session of scope 5 at NOW. */
static bool
m(const struct gg_garden *g, uint32_t ip, uint8_t proto, uint16_t port)
{
	return gg_garden_match_ip(g, 5, ip, proto, port, NOW);
}

/*
 * Wire form of a text name (one trailing dot dropped), made here without
 * the library: false when the text has none (an empty label, a label over
 * 63 characters, more than 253 characters).
 */
static bool
text_to_wire(const char *name, size_t len, uint8_t *wire, size_t *wire_len)
{
	size_t i, lo = 0, n = 1;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '.') {
			wire[n++] = (uint8_t)name[i];
			continue;
		}
		if (n - lo - 1 == 0 || n - lo - 1 > 63)
			return false;
		wire[lo] = (uint8_t)(n - lo - 1);
		lo = n++;
	}
	wire[lo] = 0;
	*wire_len = lo + 1;
	return true;
}

/*
 * One accessible page between two inaccessible ones, per thread: a wire
 * form copied to its start or to its end makes any read before or after
 * it fault.
 */
static __thread uint8_t *fence_page;
static size_t page_size;

/* Wire and text verdicts compared by mn(), and how many disagreed. */
static uint64_t wire_checked, wire_disagreed;

static uint8_t *
fence(void)
{
	if (fence_page == NULL) {
		uint8_t *p;

		page_size = (size_t)sysconf(_SC_PAGESIZE);
		p = mmap(NULL, 3 * page_size, PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || mprotect(p + page_size, page_size,
				PROT_READ | PROT_WRITE) != 0) {
			perror("fence pages");
			exit(2);
		}
		fence_page = p + page_size;
	}
	return fence_page;
}

/*
 * gg_garden_match_wire() of @p wire (at most 300 octets) placed at the
 * start, then at the end, of the fenced page; the two must agree.
 */
static bool
mw(const struct gg_garden *g, const void *wire, size_t len)
{
	uint8_t *pg = fence();
	bool a, b;

	uint8_t start[GG_GARDEN_NAME_MAX];
	const uint8_t *w = wire;
	unsigned int nlab = 0;
	size_t pos = 0;

	memcpy(pg, wire, len);
	a = gg_garden_match_wire(g, pg, len);
	memcpy(pg + page_size - len, wire, len);
	b = gg_garden_match_wire(g, pg + page_size - len, len);
	if (a != b)
		__atomic_fetch_add(&wire_disagreed, 1, __ATOMIC_RELAXED);
	/* A name as gg_dns_parse_query() accepts it: the labels walked
	 * here must give gg_garden_match_wire_labels() the same answer. */
	while (len >= 1 && len <= 255 && pos < len - 1 && w[pos] >= 1 &&
			w[pos] <= 63 && w[pos] < len - 1 - pos) {
		start[nlab++] = (uint8_t)pos;
		pos += 1u + w[pos];
	}
	if (len >= 1 && len <= 255 && pos == len - 1 && w[pos] == 0 &&
			(gg_garden_match_wire_labels(g, pg + page_size - len, len,
				start, nlab) != a ||
			 (memcpy(pg, wire, len),
			  gg_garden_match_wire_labels(g, pg, len, start, nlab) != a)))
		__atomic_fetch_add(&wire_disagreed, 1, __ATOMIC_RELAXED);
	return a;
}

/* A wire form written as a C string: its NUL is the root octet. */
#define MW(g, lit) mw((g), (lit), sizeof(lit))

/*
 * The text matcher, checked against the wire matcher whenever the name
 * has a wire form (the names are stable while asked).
 */
static bool
mn(const struct gg_garden *g, const char *name)
{
	size_t len = strlen(name), wl;
	bool t = gg_garden_match_name(g, name, len);
	uint8_t wire[300];

	if (text_to_wire(name, len, wire, &wl)) {
		__atomic_fetch_add(&wire_checked, 1, __ATOMIC_RELAXED);
		if (mw(g, wire, wl) != t) {
			if (__atomic_fetch_add(&wire_disagreed, 1,
					__ATOMIC_RELAXED) == 0)
				printf("\n    wire and text disagree on \"%s\"\n",
						name);
		}
	}
	return t;
}

static struct gg_garden_counts
counts(const struct gg_garden *g)
{
	struct gg_garden_counts c;

	gg_garden_counts(g, &c);
	return c;
}

/* --- create --------------------------------------------------------------- */

static void
test_create_bad_params(void)
{
	struct gg_garden_params p = params("bad", 8, 8, 8), q;
	struct gg_garden *g, *g2;

	rte_errno = 0;
	CU_ASSERT_PTR_NULL(gg_garden_create(NULL));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);

#define BAD(field, value) do { \
		q = p; q.field = value; rte_errno = 0; \
		CU_ASSERT_PTR_NULL(gg_garden_create(&q)); \
		CU_ASSERT_EQUAL(rte_errno, EINVAL); \
	} while (0)
	BAD(name, NULL);
	BAD(name, "");
	BAD(name, "seventeen_chars_x");
	BAD(max_rules, 0);
	BAD(max_rules, GG_GARDEN_MAX_RULES + 1);
	BAD(max_names, 0);
	BAD(max_names, GG_GARDEN_MAX_ENTRIES + 1);
	BAD(max_learned, 0);
	BAD(max_learned, GG_GARDEN_MAX_ENTRIES + 1);
	BAD(min_ttl, 0);
	BAD(max_ttl, 29);	/* < min_ttl */
	BAD(qsv, NULL);
	BAD(socket_id, -7);
#undef BAD

	/* 16 characters is the longest name; a taken name is EEXIST. */
	q = p;
	q.name = "sixteen_chars_xx";
	g = gg_garden_create(&q);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	rte_errno = 0;
	g2 = gg_garden_create(&q);
	CU_ASSERT_PTR_NULL(g2);
	CU_ASSERT_EQUAL(rte_errno, EEXIST);
	gg_garden_free(g2);
	gg_garden_free(g);
	/* The name is free again once the garden is. */
	g = gg_garden_create(&q);
	CU_ASSERT_PTR_NOT_NULL(g);
	CU_ASSERT_EQUAL(counts(g).rules + counts(g).names +
			counts(g).learned, 0);
	/* An empty garden matches nothing. */
	CU_ASSERT_FALSE(m(g, ip4(1, 2, 3, 4), TCP, 80));
	CU_ASSERT_FALSE(mn(g, "portal.example"));
	gg_garden_free(g);
	gg_garden_free(NULL);

	/* min_ttl == max_ttl is fine. */
	q = p;
	q.min_ttl = q.max_ttl = 60;
	g = gg_garden_create(&q);
	CU_ASSERT_PTR_NOT_NULL(g);
	gg_garden_free(g);
}

/* --- static prefixes ------------------------------------------------------ */

static void
test_prefix_match(void)
{
	struct gg_garden *g = mk("pfx", 64, 8, 8);

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(203, 0, 113, 0), 24,
			0, 0, 65535), 0);
	CU_ASSERT(m(g, ip4(203, 0, 113, 0), TCP, 80));
	CU_ASSERT(m(g, ip4(203, 0, 113, 255), UDP, 53));
	CU_ASSERT(m(g, ip4(203, 0, 113, 77), ICMP, 0));
	CU_ASSERT(m(g, ip4(203, 0, 113, 77), 47, 0));
	CU_ASSERT_FALSE(m(g, ip4(203, 0, 112, 255), TCP, 80));
	CU_ASSERT_FALSE(m(g, ip4(203, 0, 114, 0), TCP, 80));
	/* Byte order: the reversed address is not in the garden. */
	CU_ASSERT_FALSE(m(g, ip4(0, 113, 0, 203), TCP, 80));

	/* The portal: one /32, everything. */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(198, 51, 100, 7), 32,
			0, 0, 65535), 0);
	CU_ASSERT(m(g, ip4(198, 51, 100, 7), TCP, 443));
	CU_ASSERT_FALSE(m(g, ip4(198, 51, 100, 6), TCP, 443));
	CU_ASSERT_FALSE(m(g, ip4(198, 51, 100, 8), TCP, 443));

	/* Longer than /24 (tbl8): 192.0.2.16/28 is .16 to .31. */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(192, 0, 2, 16), 28,
			0, 0, 65535), 0);
	CU_ASSERT_FALSE(m(g, ip4(192, 0, 2, 15), TCP, 1));
	CU_ASSERT(m(g, ip4(192, 0, 2, 16), TCP, 1));
	CU_ASSERT(m(g, ip4(192, 0, 2, 31), TCP, 1));
	CU_ASSERT_FALSE(m(g, ip4(192, 0, 2, 32), TCP, 1));

	/* Short prefixes. */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(10, 0, 0, 0), 8,
			0, 0, 65535), 0);
	CU_ASSERT(m(g, ip4(10, 255, 255, 255), UDP, 9));
	CU_ASSERT_FALSE(m(g, ip4(11, 0, 0, 0), UDP, 9));
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(128, 0, 0, 0), 1,
			0, 0, 65535), 0);
	CU_ASSERT(m(g, ip4(255, 255, 255, 255), UDP, 9));
	CU_ASSERT_FALSE(m(g, ip4(127, 255, 255, 255), UDP, 9));

	CU_ASSERT_EQUAL(counts(g).rules, 5);
	CU_ASSERT_EQUAL(counts(g).prefixes, 5);

	/* Invalid rules change nothing. */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(10, 1, 2, 3), 8,
			0, 0, 65535), -EINVAL);	/* host bits */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(0, 0, 0, 0), 0,
			0, 0, 65535), -EINVAL);	/* /0 */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(1, 2, 3, 4), 33,
			0, 0, 65535), -EINVAL);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(1, 2, 3, 4), 32,
			ICMP, 0, 0), -EINVAL);	/* ports without ports */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(1, 2, 3, 4), 32,
			0, 80, 80), -EINVAL);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(1, 2, 3, 4), 32,
			TCP, 81, 80), -EINVAL);	/* reversed */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(NULL, ip4(1, 2, 3, 4), 32,
			0, 0, 65535), -EINVAL);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(203, 0, 113, 0), 24,
			0, 0, 65535), -EEXIST);
	CU_ASSERT_EQUAL(counts(g).rules, 5);
	CU_ASSERT_FALSE(m(g, ip4(1, 2, 3, 4), TCP, 80));
	gg_garden_free(g);
}

static void
test_ports_proto(void)
{
	struct gg_garden *g = mk("ports", 64, 8, 8);
	uint32_t p = ip4(192, 0, 2, 0), a = ip4(192, 0, 2, 99);
	uint32_t q = ip4(192, 0, 3, 0), b = ip4(192, 0, 3, 1);
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	/* "10.0.0.0/8 tcp 8000-8080" style range: both edges inclusive. */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, TCP, 8000, 8080), 0);
	CU_ASSERT_FALSE(m(g, a, TCP, 7999));
	CU_ASSERT(m(g, a, TCP, 8000));
	CU_ASSERT(m(g, a, TCP, 8040));
	CU_ASSERT(m(g, a, TCP, 8080));
	CU_ASSERT_FALSE(m(g, a, TCP, 8081));
	CU_ASSERT_FALSE(m(g, a, UDP, 8000));	/* protocol is specific */
	CU_ASSERT_FALSE(m(g, a, ICMP, 0));
	CU_ASSERT_FALSE(m(g, a, 0, 8000));

	/* A second rule on the same prefix: "udp 53". */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, UDP, 53, 53), 0);
	CU_ASSERT(m(g, a, UDP, 53));
	CU_ASSERT_FALSE(m(g, a, UDP, 52));
	CU_ASSERT_FALSE(m(g, a, UDP, 54));
	CU_ASSERT_FALSE(m(g, a, TCP, 53));
	CU_ASSERT(m(g, a, TCP, 8000));	/* the first rule still holds */
	CU_ASSERT_EQUAL(counts(g).rules, 2);
	CU_ASSERT_EQUAL(counts(g).prefixes, 1);

	/* Port 0 and 65535 edges. */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, UDP, 0, 0), 0);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, UDP, 65535, 65535), 0);
	CU_ASSERT(m(g, a, UDP, 0));
	CU_ASSERT_FALSE(m(g, a, UDP, 1));
	CU_ASSERT(m(g, a, UDP, 65535));
	CU_ASSERT_FALSE(m(g, a, UDP, 65534));

	/* ICMP: no ports, the port argument is ignored. */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, ICMP, 0, 65535), 0);
	CU_ASSERT(m(g, a, ICMP, 0));
	CU_ASSERT(m(g, a, ICMP, 12345));
	CU_ASSERT_FALSE(m(g, a, 58, 0));

	/* Overlapping ranges are separate rules. */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, TCP, 8000, 8000), 0);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, TCP, 0, 65535), 0);
	CU_ASSERT(m(g, a, TCP, 1));
	/* Eight rules: the ninth does not fit this prefix. */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, TCP, 1, 1), 0);
	CU_ASSERT_EQUAL(counts(g).rules, GG_GARDEN_RULES_PER_PREFIX);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, TCP, 2, 2), -E2BIG);
	/* ... but an existing one is still reported as such. */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, TCP, 1, 1), -EEXIST);
	CU_ASSERT_EQUAL(counts(g).rules, GG_GARDEN_RULES_PER_PREFIX);

	/* Protocol "any" accepts every protocol and port. */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, q, 24, 0, 0, 65535), 0);
	for (i = 0; i < 256; i += 17) {
		CU_ASSERT(m(g, b, (uint8_t)i, 0));
		CU_ASSERT(m(g, b, (uint8_t)i, 65535));
	}
	/* Other protocol numbers. */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(192, 0, 4, 4), 32,
			47, 0, 65535), 0);
	CU_ASSERT(m(g, ip4(192, 0, 4, 4), 47, 0));
	CU_ASSERT_FALSE(m(g, ip4(192, 0, 4, 4), TCP, 0));
	gg_garden_free(g);
}

static void
test_shadowing(void)
{
	struct gg_garden *g = mk("shadow", 64, 8, 8);
	uint32_t net = ip4(203, 0, 113, 0), host = ip4(203, 0, 113, 7);
	uint32_t other = ip4(203, 0, 113, 8);

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, net, 24, TCP, 443, 443), 0);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, host, 32, UDP, 53, 53), 0);

	/* The /32 decides alone for its address: TCP 443 is shadowed. */
	CU_ASSERT_FALSE(m(g, host, TCP, 443));
	CU_ASSERT(m(g, host, UDP, 53));
	/* The rest of the /24 keeps the /24's rule, and only it. */
	CU_ASSERT(m(g, other, TCP, 443));
	CU_ASSERT_FALSE(m(g, other, UDP, 53));

	/* The documented remedy: repeat the broader rule on the /32. */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, host, 32, TCP, 443, 443), 0);
	CU_ASSERT(m(g, host, TCP, 443));
	CU_ASSERT_EQUAL(gg_garden_del_prefix(g, host, 32, TCP, 443, 443), 0);
	CU_ASSERT_FALSE(m(g, host, TCP, 443));

	/* Deleting the /32 uncovers the /24 again. */
	CU_ASSERT_EQUAL(gg_garden_del_prefix(g, host, 32, UDP, 53, 53), 0);
	CU_ASSERT(m(g, host, TCP, 443));
	CU_ASSERT_FALSE(m(g, host, UDP, 53));

	/* Same with a /26 inside a /16, both deeper and shallower than 24. */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(10, 9, 0, 0), 16,
			0, 0, 65535), 0);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(10, 9, 8, 64), 26,
			ICMP, 0, 65535), 0);
	CU_ASSERT_FALSE(m(g, ip4(10, 9, 8, 70), TCP, 80));
	CU_ASSERT(m(g, ip4(10, 9, 8, 70), ICMP, 0));
	CU_ASSERT(m(g, ip4(10, 9, 8, 63), TCP, 80));
	CU_ASSERT(m(g, ip4(10, 9, 8, 128), TCP, 80));
	gg_garden_free(g);
}

static void
test_prefix_delete(void)
{
	struct gg_garden *g = mk("pdel", 4, 8, 8);
	uint32_t p = ip4(198, 18, 0, 0), a = ip4(198, 18, 0, 10);

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, TCP, 80, 80), 0);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, TCP, 443, 443), 0);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, UDP, 53, 53), 0);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(198, 18, 0, 0), 15,
			ICMP, 0, 65535), 0);
	/* max_rules 4: full, whichever prefix. */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, TCP, 22, 22), -ENOSPC);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(1, 1, 1, 1), 32,
			0, 0, 65535), -ENOSPC);
	CU_ASSERT_EQUAL(counts(g).rules, 4);
	CU_ASSERT_EQUAL(counts(g).prefixes, 2);

	/* Not there: wrong ports, protocol, depth, address. */
	CU_ASSERT_EQUAL(gg_garden_del_prefix(g, p, 24, TCP, 80, 81), -ENOENT);
	CU_ASSERT_EQUAL(gg_garden_del_prefix(g, p, 24, UDP, 80, 80), -ENOENT);
	CU_ASSERT_EQUAL(gg_garden_del_prefix(g, p, 23, TCP, 80, 80), -ENOENT);
	CU_ASSERT_EQUAL(gg_garden_del_prefix(g, ip4(198, 18, 1, 0), 24,
			TCP, 80, 80), -ENOENT);
	CU_ASSERT_EQUAL(gg_garden_del_prefix(g, ip4(198, 18, 0, 1), 24,
			TCP, 80, 80), -EINVAL);

	/* One rule of three goes; the other two stay. */
	CU_ASSERT_EQUAL(gg_garden_del_prefix(g, p, 24, TCP, 443, 443), 0);
	CU_ASSERT_FALSE(m(g, a, TCP, 443));
	CU_ASSERT(m(g, a, TCP, 80));
	CU_ASSERT(m(g, a, UDP, 53));
	CU_ASSERT_EQUAL(gg_garden_del_prefix(g, p, 24, TCP, 443, 443),
			-ENOENT);
	CU_ASSERT_EQUAL(counts(g).rules, 3);
	/* Room again. */
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, TCP, 22, 22), 0);
	CU_ASSERT(m(g, a, TCP, 22));

	/* The /24 shadows the /15 for ICMP until its last rule goes. */
	CU_ASSERT_FALSE(m(g, a, ICMP, 0));
	CU_ASSERT_EQUAL(gg_garden_del_prefix(g, p, 24, TCP, 80, 80), 0);
	CU_ASSERT_EQUAL(gg_garden_del_prefix(g, p, 24, UDP, 53, 53), 0);
	CU_ASSERT_EQUAL(gg_garden_del_prefix(g, p, 24, TCP, 22, 22), 0);
	CU_ASSERT_EQUAL(counts(g).prefixes, 1);
	CU_ASSERT(m(g, a, ICMP, 0));
	CU_ASSERT_FALSE(m(g, a, TCP, 22));
	CU_ASSERT(m(g, ip4(198, 19, 255, 255), ICMP, 0));

	/* And without a broader prefix, the addresses leave the garden. */
	CU_ASSERT_EQUAL(gg_garden_del_prefix(g, ip4(198, 18, 0, 0), 15,
			ICMP, 0, 65535), 0);
	CU_ASSERT_FALSE(m(g, a, ICMP, 0));
	CU_ASSERT_EQUAL(counts(g).rules, 0);
	CU_ASSERT_EQUAL(counts(g).prefixes, 0);

	/* A deep prefix added and deleted many times (tbl8 reuse). */
	for (unsigned int i = 0; i < 1000; i++) {
		uint32_t d = ip4(100, 64, i % 7, 128);

		CU_ASSERT_EQUAL(gg_garden_add_prefix(g, d, 25, 0, 0, 65535), 0);
		CU_ASSERT(m(g, ip4(100, 64, i % 7, 200), TCP, 1));
		CU_ASSERT_EQUAL(gg_garden_del_prefix(g, d, 25, 0, 0, 65535), 0);
		CU_ASSERT_FALSE(m(g, ip4(100, 64, i % 7, 200), TCP, 1));
	}
	gg_garden_free(g);
}

/* --- names ---------------------------------------------------------------- */

static void
test_names(void)
{
	struct gg_garden *g = mk("names", 8, 16, 8);
	char buf[300];

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "portal.example"), 0);

	CU_ASSERT(mn(g, "portal.example"));
	CU_ASSERT(mn(g, "www.portal.example"));
	CU_ASSERT(mn(g, "WWW.Portal.Example"));
	CU_ASSERT(mn(g, "a.b.c.d.portal.example"));
	CU_ASSERT(mn(g, "portal.example."));	/* absolute form */
	CU_ASSERT(mn(g, "PORTAL.EXAMPLE."));
	CU_ASSERT_FALSE(mn(g, "badportal.example"));
	CU_ASSERT_FALSE(mn(g, "portal.example.evil.net"));
	CU_ASSERT_FALSE(mn(g, "portal.example.evil"));
	CU_ASSERT_FALSE(mn(g, "example"));
	CU_ASSERT_FALSE(mn(g, "ortal.example"));
	CU_ASSERT_FALSE(mn(g, "portal.exampl"));
	CU_ASSERT_FALSE(mn(g, "portal.examplex"));
	CU_ASSERT_FALSE(mn(g, "xportal.example"));
	CU_ASSERT_FALSE(mn(g, "portal-example"));
	CU_ASSERT_FALSE(mn(g, "portal"));
	CU_ASSERT_FALSE(mn(g, ""));
	CU_ASSERT_FALSE(mn(g, "."));
	CU_ASSERT_FALSE(mn(g, ".."));
	/* Empty labels never match, wherever they are. */
	CU_ASSERT_FALSE(mn(g, "portal.example.."));
	CU_ASSERT_FALSE(mn(g, ".portal.example"));
	CU_ASSERT_FALSE(mn(g, "www..portal.example"));
	CU_ASSERT_FALSE(mn(g, "portal..example"));
	/* Odd bytes are just bytes. */
	CU_ASSERT_FALSE(mn(g, "*.example"));
	CU_ASSERT_FALSE(mn(g, "\xc3\xa9.example"));
	CU_ASSERT(mn(g, "\xc3\xa9.portal.example"));
	/* len, not the NUL, ends the name. */
	CU_ASSERT(gg_garden_match_name(g, "portal.example.evil.net", 14));
	CU_ASSERT(gg_garden_match_name(g, "www.portal.exampleXYZ", 18));
	CU_ASSERT_FALSE(gg_garden_match_name(g, "portal.example", 13));
	CU_ASSERT_FALSE(gg_garden_match_name(g, "portal.example", 0));
	CU_ASSERT_FALSE(gg_garden_match_name(g, NULL, 0));

	/* A single-label garden name covers its whole subtree. */
	CU_ASSERT_FALSE(mn(g, "printer.lan"));
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "lan"), 0);
	CU_ASSERT(mn(g, "lan"));
	CU_ASSERT(mn(g, "printer.LAN"));
	CU_ASSERT_FALSE(mn(g, "plan"));
	CU_ASSERT_FALSE(mn(g, "lan.example"));

	/* Stored lowercase, trailing dot dropped; duplicates in any case. */
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "Docs.Example.ORG."), 0);
	CU_ASSERT(mn(g, "docs.example.org"));
	CU_ASSERT(mn(g, "x.DOCS.example.org"));
	CU_ASSERT_FALSE(mn(g, "example.org"));
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "docs.example.org"), -EEXIST);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "DOCS.EXAMPLE.ORG"), -EEXIST);
	CU_ASSERT_EQUAL(counts(g).names, 3);

	/* Nested names: the shorter one covers more. */
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "example.org"), 0);
	CU_ASSERT(mn(g, "other.example.org"));
	CU_ASSERT_EQUAL(gg_garden_del_name(g, "example.org"), 0);
	CU_ASSERT_FALSE(mn(g, "other.example.org"));
	CU_ASSERT(mn(g, "x.docs.example.org"));

	/* Bad names. */
	CU_ASSERT_EQUAL(gg_garden_add_name(g, ""), -EINVAL);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "."), -EINVAL);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, ".."), -EINVAL);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "a.."), -EINVAL);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, ".a"), -EINVAL);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "a..b"), -EINVAL);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "*.example"), -EINVAL);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "a b.example"), -EINVAL);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "a/b.example"), -EINVAL);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, NULL), -EINVAL);
	CU_ASSERT_EQUAL(gg_garden_add_name(NULL, "x.example"), -EINVAL);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "_acme-challenge.x-y.example"),
			0);
	CU_ASSERT(mn(g, "_ACME-challenge.x-y.example"));

	/* Labels of 63 are fine, 64 are not. */
	memset(buf, 'a', 63);
	strcpy(buf + 63, ".example");
	CU_ASSERT_EQUAL(gg_garden_add_name(g, buf), 0);
	CU_ASSERT(mn(g, buf));
	memset(buf, 'b', 64);
	strcpy(buf + 64, ".example");
	CU_ASSERT_EQUAL(gg_garden_add_name(g, buf), -EINVAL);

	/* Deletion: any case, trailing dot; then gone. */
	CU_ASSERT_EQUAL(gg_garden_del_name(g, "PORTAL.example."), 0);
	CU_ASSERT_FALSE(mn(g, "portal.example"));
	CU_ASSERT_FALSE(mn(g, "www.portal.example"));
	CU_ASSERT_EQUAL(gg_garden_del_name(g, "portal.example"), -ENOENT);
	CU_ASSERT_EQUAL(gg_garden_del_name(g, "www.docs.example.org"),
			-ENOENT);
	CU_ASSERT_EQUAL(gg_garden_del_name(g, "a..b"), -EINVAL);
	CU_ASSERT(mn(g, "docs.example.org"));
	CU_ASSERT_EQUAL(counts(g).names, 4);
	gg_garden_free(g);
}

/* A name of exactly @p len characters: labels of @p label, then @p tail. */
static void
long_name(char *buf, size_t len, unsigned int label, const char *tail)
{
	size_t tl = strlen(tail), i, n = len - tl;

	/* n characters of "xx.xx.xx." ending with a dot before the tail. */
	for (i = 0; i < n; i++)
		buf[i] = ((i + 1) % (label + 1) == 0) ? '.' : 'x';
	if (n > 0)
		buf[n - 1] = '.';
	if (n > 1 && buf[n - 2] == '.')
		buf[n - 2] = 'y';
	memcpy(buf + n, tail, tl + 1);
}

static void
test_names_long(void)
{
	struct gg_garden *g = mk("nlong", 8, 8, 8);
	char buf[304], tld[300];
	unsigned int i, labels;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "portal.example"), 0);

	/* 253 characters matching through a short suffix: fine. */
	long_name(buf, 253, 1, "portal.example");
	CU_ASSERT_EQUAL(strlen(buf), 253);
	CU_ASSERT(mn(g, buf));
	/* 127 labels: two bulk lookups' worth of suffixes. */
	CU_ASSERT(strchr(buf, '.') != NULL);
	/* 253 with a trailing dot is still 253. */
	strcat(buf, ".");
	CU_ASSERT(mn(g, buf));
	/* 254: not a DNS name. */
	long_name(buf, 254, 1, "portal.example");
	CU_ASSERT_EQUAL(strlen(buf), 254);
	CU_ASSERT_FALSE(mn(g, buf));
	/* Long labels too. */
	long_name(buf, 253, 63, "portal.example");
	CU_ASSERT(mn(g, buf));

	/* A 253-character garden name. */
	long_name(tld, 253, 40, "end.example");
	CU_ASSERT_EQUAL(gg_garden_add_name(g, tld), 0);
	CU_ASSERT(mn(g, tld));
	/* Its subdomains would be longer than 253: none can match. */
	snprintf(buf, sizeof(buf), "a.%s", tld);
	CU_ASSERT_FALSE(mn(g, buf));
	/* Its own suffixes are not garden names. */
	CU_ASSERT_FALSE(mn(g, "end.example"));
	CU_ASSERT_FALSE(mn(g, strchr(tld, '.') + 1));
	/* 254 is refused at add, 253 + "." accepted (dot dropped). */
	long_name(buf, 254, 40, "end.example");
	CU_ASSERT_EQUAL(gg_garden_add_name(g, buf), -EINVAL);
	long_name(buf, 253, 40, "other.example");
	strcat(buf, ".");
	CU_ASSERT_EQUAL(gg_garden_add_name(g, buf), 0);
	buf[253] = '\0';
	CU_ASSERT(mn(g, buf));
	CU_ASSERT_EQUAL(gg_garden_del_name(g, buf), 0);
	CU_ASSERT_EQUAL(gg_garden_del_name(g, tld), 0);
	CU_ASSERT_FALSE(mn(g, tld));

	/* A garden name of about 120 labels (the second 64-bit mask word). */
	long_name(tld, 253, 1, "end.example");
	for (i = 0, labels = 1; tld[i] != '\0'; i++)
		labels += tld[i] == '.';
	CU_ASSERT(labels > 64);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, tld), 0);
	CU_ASSERT(mn(g, tld));
	CU_ASSERT_FALSE(mn(g, tld + 2));	/* one label fewer */
	CU_ASSERT(mn(g, "www.portal.example"));
	CU_ASSERT_EQUAL(gg_garden_del_name(g, tld), 0);
	CU_ASSERT_FALSE(mn(g, tld));
	/* The last name of its label count goes; the others still match. */
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "a.b.c"), 0);
	CU_ASSERT(mn(g, "x.a.b.c"));
	CU_ASSERT_EQUAL(gg_garden_del_name(g, "a.b.c"), 0);
	CU_ASSERT_FALSE(mn(g, "x.a.b.c"));
	CU_ASSERT(mn(g, "x.portal.example"));
	CU_ASSERT_EQUAL(gg_garden_del_name(g, "portal.example"), 0);
	CU_ASSERT_FALSE(mn(g, "x.portal.example"));
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "portal.example"), 0);
	CU_ASSERT(mn(g, "x.portal.example"));
	gg_garden_free(g);
}

static void
test_names_capacity(void)
{
	struct gg_garden *g = mk("ncap", 8, 10, 8);
	char name[64];
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "n%u.example", i);
		CU_ASSERT_EQUAL(gg_garden_add_name(g, name), 0);
	}
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "n10.example"), -ENOSPC);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "n3.example"), -EEXIST);
	CU_ASSERT_EQUAL(counts(g).names, 10);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "www.n%u.example", i);
		CU_ASSERT(mn(g, name));
	}
	CU_ASSERT_FALSE(mn(g, "n10.example"));
	/* Delete and add in turn, many times (slots recycled). */
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "n%u.example", i % 10);
		CU_ASSERT_EQUAL(gg_garden_del_name(g, name), 0);
		CU_ASSERT_FALSE(mn(g, name));
		snprintf(name, sizeof(name), "m%u.example", i);
		CU_ASSERT_EQUAL(gg_garden_add_name(g, name), 0);
		CU_ASSERT(mn(g, name));
		CU_ASSERT_EQUAL(gg_garden_del_name(g, name), 0);
		snprintf(name, sizeof(name), "n%u.example", i % 10);
		CU_ASSERT_EQUAL(gg_garden_add_name(g, name), 0);
	}
	CU_ASSERT_EQUAL(counts(g).names, 10);
	gg_garden_free(g);
}

/* n one-letter labels, then @p tail (a wire form with its root), into buf. */
static size_t
wire_with_labels(uint8_t *buf, unsigned int n, unsigned int first_len,
		const char *tail, size_t tail_len)
{
	size_t k = 0;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		unsigned int l = i == 0 ? first_len : 1;

		buf[k++] = (uint8_t)l;
		for (j = 0; j < l; j++)
			buf[k++] = (uint8_t)('a' + (i + j) % 26);
	}
	memcpy(buf + k, tail, tail_len);
	return k + tail_len;
}

static void
test_names_wire(void)
{
	struct gg_garden *g = mk("nwire", 8, 16, 8);
	uint8_t buf[300];
	char text[80];
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	/* No names yet: nothing matches, however it is written. */
	CU_ASSERT_FALSE(MW(g, "\6portal\7example"));
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "portal.example"), 0);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "x-y_z.example"), 0);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "lan"), 0);

	/* Hits: the name, its subdomains, any case. */
	CU_ASSERT(MW(g, "\6portal\7example"));
	CU_ASSERT(MW(g, "\3www\6portal\7example"));
	CU_ASSERT(MW(g, "\3wWw\6PORTAL\7ExAmPlE"));
	CU_ASSERT(MW(g, "\6portal\7ex\101mple"));
	CU_ASSERT(MW(g, "\1a\1b\1c\6portal\7example"));
	CU_ASSERT(MW(g, "\3lan"));
	CU_ASSERT(MW(g, "\7printer\3LAN"));
	CU_ASSERT(MW(g, "\5X-Y_Z\7example"));
	/* Misses on the label boundary, either side. */
	CU_ASSERT_FALSE(MW(g, "\11badportal\7example"));
	CU_ASSERT_FALSE(MW(g, "\6portal\7example\4evil\3net"));
	CU_ASSERT_FALSE(MW(g, "\5ortal\7example"));
	CU_ASSERT_FALSE(MW(g, "\6portal\10examplex"));
	CU_ASSERT_FALSE(MW(g, "\7example"));
	CU_ASSERT_FALSE(MW(g, "\4plan"));
	CU_ASSERT_FALSE(MW(g, "\3lan\7example"));

	/*
	 * A '.' inside a label is part of the label: "\16portal.example" is
	 * one label, not the garden name, though its dotted text reads the
	 * same. (The DNS parser refuses such names before any match.)
	 */
	CU_ASSERT_FALSE(MW(g, "\16portal.example"));
	CU_ASSERT_FALSE(MW(g, "\12www.portal\7example"));
	CU_ASSERT(MW(g, "\3a.b\6portal\7example"));
	/*
	 * Octets the hash folds together but ASCII does not ('_' and DEL,
	 * '-' and CR, 'e' and 'E' but not 'e' and 0xc5), and NUL, 0xc0 and
	 * other octets inside a label: compared exactly.
	 */
	CU_ASSERT_FALSE(MW(g, "\5x-y\177z\7example"));
	CU_ASSERT_FALSE(MW(g, "\5x\15y_z\7example"));
	CU_ASSERT_FALSE(MW(g, "\6portal\7\305xample"));
	CU_ASSERT_FALSE(MW(g, "\6portal\7exampl\0"));
	CU_ASSERT_FALSE(MW(g, "\7portal\0\7example"));
	CU_ASSERT_FALSE(MW(g, "\6p\300rtal\7example"));

	/* Malformed wire forms never match. */
	CU_ASSERT_FALSE(gg_garden_match_wire(g, NULL, 16));
	CU_ASSERT_FALSE(mw(g, "", 0));
	CU_ASSERT_FALSE(mw(g, "\0", 1));			/* the root */
	CU_ASSERT_FALSE(mw(g, "\6portal\7example", 15));	/* no root */
	CU_ASSERT_FALSE(mw(g, "\6portal\7example\0\0", 17));	/* octet after */
	CU_ASSERT_FALSE(mw(g, "\6portal\7example\0x", 17));
	CU_ASSERT_FALSE(MW(g, "\6portal\11example"));	/* overruns */
	CU_ASSERT_FALSE(MW(g, "\6portal\10example"));	/* eats the root */
	CU_ASSERT_FALSE(MW(g, "\3www\300\14"));		/* pointer */
	CU_ASSERT_FALSE(MW(g, "\100portal\7example"));	/* 0x40 */
	CU_ASSERT_FALSE(MW(g, "\6portal\200example"));	/* 0x80 */
	CU_ASSERT_FALSE(MW(g, "\6portal\0\7example"));	/* root early */

	/* 255 octets: 119 short labels and the garden name; 256: no. */
	n = wire_with_labels(buf, 119, 2, "\6portal\7example", 16);
	CU_ASSERT_EQUAL(n, 255);
	CU_ASSERT(mw(g, buf, n));
	n = wire_with_labels(buf, 120, 1, "\6portal\7example", 16);
	CU_ASSERT_EQUAL(n, 256);
	CU_ASSERT_FALSE(mw(g, buf, n));

	/* Labels of 8 octets and more, of 63. */
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "abcdefgh.ijklmnopq.example"), 0);
	CU_ASSERT(MW(g, "\10abcdefgh\11ijklmnopq\7example"));
	CU_ASSERT(MW(g, "\1z\10ABCDEFGH\11IJKLMNOPQ\7example"));
	CU_ASSERT_FALSE(MW(g, "\10abcdefgh\11ijklmnopr\7example"));
	CU_ASSERT_FALSE(MW(g, "\10bbcdefgh\11ijklmnopq\7example"));
	CU_ASSERT_FALSE(MW(g, "\11ijklmnopq\7example"));
	memset(text, 'k', 63);
	strcpy(text + 63, ".example");
	buf[0] = 63;
	memset(buf + 1, 'k', 63);
	memcpy(buf + 64, "\7example", 9);
	CU_ASSERT_FALSE(mw(g, buf, 73));
	CU_ASSERT_EQUAL(gg_garden_add_name(g, text), 0);
	CU_ASSERT(mw(g, buf, 73));
	buf[63] = 'K';
	CU_ASSERT(mw(g, buf, 73));
	buf[63] = 'j';
	CU_ASSERT_FALSE(mw(g, buf, 73));
	buf[1] = 'j';
	buf[63] = 'k';
	CU_ASSERT_FALSE(mw(g, buf, 73));

	/* Deleted: gone in wire form too; the others stay. */
	CU_ASSERT_EQUAL(gg_garden_del_name(g, "portal.example"), 0);
	CU_ASSERT_FALSE(MW(g, "\3www\6portal\7example"));
	CU_ASSERT(MW(g, "\3lan"));
	CU_ASSERT_EQUAL(__atomic_load_n(&wire_disagreed, __ATOMIC_RELAXED), 0);
	gg_garden_free(g);
}

/* xorshift64*: the fuzz tests' own generator, fixed seed. */
static uint64_t fuzz_state;

static uint64_t
fuzz_rng(void)
{
	fuzz_state ^= fuzz_state >> 12;
	fuzz_state ^= fuzz_state << 25;
	fuzz_state ^= fuzz_state >> 27;
	return fuzz_state * UINT64_C(2685821657736338717);
}

/*
 * A label octet, mostly what names hold, sometimes what the matcher must
 * tell apart: upper case, the octets the hash folds onto name characters,
 * control and high octets. Never a '.'.
 */
static uint8_t
fuzz_char(void)
{
	static const char common[] = "abcdefghijklmnopqrstuvwxyz0123456789-_";
	static const uint8_t odd[] = { 0, 0x0d, 0x1f, ' ', '!', '/', '@', '[',
		'`', '{', 0x7f, 0x80, 0xc1, 0xdf, 0xff, 'A', 'Z', 'Q' };
	uint64_t r = fuzz_rng();

	if (r % 16 != 0)
		return (uint8_t)common[(r >> 8) % (sizeof(common) - 1)];
	return odd[(r >> 8) % sizeof(odd)];
}

#define FUZZ_NAMES 12
#define FUZZ_ITERS 300000

/*
 * The reference: is a live garden name the whole text or a dot-separated
 * suffix of it, ASCII case folded (A-Z only)?
 */
static bool
ref_match(const char (*names)[256], const bool *live, const char *text,
		size_t n)
{
	unsigned int i;
	size_t gl, k;

	for (i = 0; i < FUZZ_NAMES; i++) {
		if (!live[i])
			continue;
		gl = strlen(names[i]);
		if (gl > n || (gl < n && text[n - gl - 1] != '.'))
			continue;
		for (k = 0; k < gl; k++) {
			unsigned char c = (unsigned char)text[n - gl + k];

			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			if (c != (unsigned char)names[i][k])
				break;
		}
		if (k == gl)
			return true;
	}
	return false;
}

static void
test_names_wire_fuzz(void)
{
	struct gg_garden *g = mk("nfuzz", 8, 64, 8);
	char names[FUZZ_NAMES][256];
	char text[300];
	uint8_t wire[300];
	bool live[FUZZ_NAMES];
	uint64_t hits = 0, checked = 0, dotted = 0, garbage = 0;
	unsigned int i, k;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	fuzz_state = UINT64_C(0x9e3779b97f4a7c15);
	/* Garden names of 1-4 labels, of 1 to 63 characters. */
	for (i = 0; i < FUZZ_NAMES; i++) {
		unsigned int labels = 1 + (unsigned int)(fuzz_rng() % 4);
		size_t n = 0;

		for (k = 0; k < labels; k++) {
			uint64_t r = fuzz_rng();
			unsigned int l = r % 4 == 0 ? 1 + (unsigned int)(r >> 8) % 63 :
					1 + (unsigned int)(r >> 8) % 12;
			unsigned int j;

			if (k != 0)
				names[i][n++] = '.';
			for (j = 0; j < l; j++) {
				static const char cs[] = "abcdefghijklmnopqrstuvwxyz0123456789-_";

				names[i][n++] = cs[fuzz_rng() % (sizeof(cs) - 1)];
			}
		}
		names[i][n] = '\0';
		live[i] = gg_garden_add_name(g, names[i]) == 0;
		CU_ASSERT(live[i]);
	}

	for (unsigned int it = 0; it < FUZZ_ITERS; it++) {
		uint64_t r = fuzz_rng();
		size_t n = 0, wl;
		bool t, w;

		/* Now and then a name leaves or comes back. */
		if (r % 1000 == 0) {
			k = (unsigned int)(r >> 16) % FUZZ_NAMES;
			if (live[k]) {
				CU_ASSERT_EQUAL(gg_garden_del_name(g, names[k]), 0);
			} else {
				CU_ASSERT_EQUAL(gg_garden_add_name(g, names[k]), 0);
			}
			live[k] = !live[k];
		}
		if (r % 8 == 7) {
			/* Random octets: no crash; a well-formed result agrees. */
			size_t len = (size_t)(fuzz_rng() % 300);

			for (k = 0; k < len; k++) {
				uint64_t x = fuzz_rng();

				wire[k] = x % 3 == 0 ? (uint8_t)(x >> 8) % 12 :
						fuzz_char();
			}
			if (len > 0 && r % 16 == 7)
				wire[len - 1] = 0;
			w = mw(g, wire, len);
			garbage++;
			/* Well formed with no '.' in a label: the text decides. */
			{
				size_t pos = 0, tl = 0;
				bool ok = len >= 2 && len <= 255;

				while (ok && pos < len - 1) {
					unsigned int c = wire[pos];

					if (c == 0 || c > 63 || c >= len - 1 - pos) {
						ok = false;
						break;
					}
					if (tl != 0)
						text[tl++] = '.';
					for (k = 1; k <= c; k++) {
						ok = ok && wire[pos + k] != '.';
						text[tl++] = (char)wire[pos + k];
					}
					pos += 1 + c;
				}
				ok = ok && wire[len - 1] == 0;
				if (!ok) {
					CU_ASSERT_FALSE(w);
				} else {
					CU_ASSERT_EQUAL(w, gg_garden_match_name(g,
							text, tl));
					CU_ASSERT_EQUAL(w, ref_match(
						(const char (*)[256])names,
						live, text, tl));
				}
			}
			continue;
		}
		/* 0-4 random labels, then perhaps a garden name or a near miss. */
		for (k = (unsigned int)(r >> 8) % 5; k > 0; k--) {
			uint64_t x = fuzz_rng();
			unsigned int l = x % 8 == 0 ? 1 + (unsigned int)(x >> 8) % 63 :
					1 + (unsigned int)(x >> 8) % 10;

			if (n + l + 1 > 253)
				break;
			if (n != 0)
				text[n++] = '.';
			while (l-- > 0)
				text[n++] = (char)fuzz_char();
		}
		if ((r >> 16) % 4 != 0) {
			const char *gn = names[(r >> 20) % FUZZ_NAMES];
			size_t gl = strlen(gn), at = n;

			if (n + 1 + gl <= 253) {
				if (n != 0)
					text[n++] = '.';
				at = n;
				memcpy(text + n, gn, gl);
				n += gl;
				switch ((r >> 24) % 6) {
				case 0:	/* one character in other case */
					k = (unsigned int)(fuzz_rng() % gl);
					if (text[at + k] >= 'a' && text[at + k] <= 'z')
						text[at + k] -= 32;
					break;
				case 1:	/* one character changed */
					k = (unsigned int)(fuzz_rng() % gl);
					if (text[at + k] != '.')
						text[at + k] = (char)fuzz_char();
					break;
				case 2:	/* folded by the hash, not by ASCII */
					k = (unsigned int)(fuzz_rng() % gl);
					if (text[at + k] != '.')
						text[at + k] ^= 0x20;
					break;
				case 3:	/* first label cut */
					if (gl > 1 && text[at + 1] != '.')
						memmove(text + at, text + at + 1, --n - at);
					break;
				default:
					break;
				}
			}
		}
		if (n == 0)
			continue;
		if (!text_to_wire(text, n, wire, &wl))
			continue;
		t = gg_garden_match_name(g, text, n);
		w = mw(g, wire, wl);
		CU_ASSERT_EQUAL(t, w);
		CU_ASSERT_EQUAL(w, ref_match((const char (*)[256])names, live,
				text, n));
		hits += w;
		checked++;
		/* A '.' put into a label can only lose a match. */
		if (wl > 3 && r % 5 == 0) {
			k = 1 + (unsigned int)(fuzz_rng() % (wl - 2));
			if (wire[k] > 63 || fuzz_rng() % 2) {
				uint8_t was = wire[k];
				size_t p = 0;

				/* Only into label contents, never a length octet. */
				while (p < wl - 1 && p < k)
					p += 1 + wire[p];
				if (p != k) {
					wire[k] = '.';
					if (mw(g, wire, wl)) {
						CU_ASSERT(t);
					}
					dotted++;
				}
				wire[k] = was;
			}
		}
	}
	printf("\n    %" PRIu64 " names compared (%" PRIu64 " in the garden), "
			"%" PRIu64 " with a dot in a label, %" PRIu64
			" random octet strings ", checked, hits, dotted, garbage);
	/* The corpus must exercise both verdicts. */
	CU_ASSERT(hits > checked / 10);
	CU_ASSERT(checked - hits > checked / 10);
	CU_ASSERT_EQUAL(__atomic_load_n(&wire_disagreed, __ATOMIC_RELAXED), 0);
	gg_garden_free(g);
}

/* Many names in a small filter: every one found, every deleted one gone. */
static void
test_names_filter(void)
{
	struct gg_garden *g = mk("nfilter", 8, 3000, 8);
	char name[64];
	unsigned int i, found;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "svc%u.tenant%u.example", i, i % 7);
		CU_ASSERT_EQUAL(gg_garden_add_name(g, name), 0);
	}
	for (i = 0, found = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "www.svc%u.TENANT%u.example", i,
				i % 7);
		found += mn(g, name);
	}
	CU_ASSERT_EQUAL(found, 3000);
	/* Near misses: other tenants, other services. */
	for (i = 0, found = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "svc%u.tenant%u.example", i,
				(i + 1) % 7);
		found += mn(g, name);
		snprintf(name, sizeof(name), "svc%u.tenant%u.example", i + 3000,
				i % 7);
		found += mn(g, name);
	}
	CU_ASSERT_EQUAL(found, 0);
	/* Every other one deleted: exactly those gone. */
	for (i = 0; i < 3000; i += 2) {
		snprintf(name, sizeof(name), "svc%u.tenant%u.example", i, i % 7);
		CU_ASSERT_EQUAL(gg_garden_del_name(g, name), 0);
	}
	for (i = 0, found = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "svc%u.tenant%u.example", i, i % 7);
		if (mn(g, name) != (i % 2 == 1))
			found++;
	}
	CU_ASSERT_EQUAL(found, 0);
	CU_ASSERT_EQUAL(__atomic_load_n(&wire_disagreed, __ATOMIC_RELAXED), 0);
	gg_garden_free(g);
}

/* --- learned -------------------------------------------------------------- */

static void
test_learn_scope(void)
{
	struct gg_garden *g = mk("lscope", 8, 8, 64);
	uint32_t a = ip4(100, 64, 0, 1), b = ip4(100, 64, 0, 2);

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(gg_garden_learn(g, 7, a, 300, NOW),
			GG_GARDEN_LEARN_NEW);
	CU_ASSERT(gg_garden_match_ip(g, 7, a, TCP, 443, NOW));
	/* Learned entries accept every protocol and port. */
	CU_ASSERT(gg_garden_match_ip(g, 7, a, UDP, 9, NOW));
	CU_ASSERT(gg_garden_match_ip(g, 7, a, ICMP, 0, NOW));
	/* Another session, or the global scope, does not see it. */
	CU_ASSERT_FALSE(gg_garden_match_ip(g, 8, a, TCP, 443, NOW));
	CU_ASSERT_FALSE(gg_garden_match_ip(g, GLOBAL, a, TCP, 443, NOW));
	CU_ASSERT_FALSE(gg_garden_match_ip(g, 7, b, TCP, 443, NOW));

	/* A global entry is seen by every session. */
	CU_ASSERT_EQUAL(gg_garden_learn(g, GLOBAL, b, 300, NOW),
			GG_GARDEN_LEARN_NEW);
	CU_ASSERT(gg_garden_match_ip(g, 7, b, TCP, 443, NOW));
	CU_ASSERT(gg_garden_match_ip(g, 8, b, TCP, 443, NOW));
	CU_ASSERT(gg_garden_match_ip(g, 0, b, TCP, 443, NOW));
	CU_ASSERT(gg_garden_match_ip(g, GLOBAL, b, TCP, 443, NOW));
	CU_ASSERT_EQUAL(counts(g).learned, 2);
	CU_ASSERT_EQUAL(counts(g).learned_global, 1);

	/* Same address in two scopes: two entries, independent. */
	CU_ASSERT_EQUAL(gg_garden_learn(g, 9, a, 300, NOW),
			GG_GARDEN_LEARN_NEW);
	CU_ASSERT(gg_garden_match_ip(g, 9, a, TCP, 443, NOW));
	CU_ASSERT_EQUAL(gg_garden_unlearn(g, 7, a), 0);
	CU_ASSERT_EQUAL(gg_garden_unlearn(g, 7, a), -ENOENT);
	CU_ASSERT_FALSE(gg_garden_match_ip(g, 7, a, TCP, 443, NOW));
	CU_ASSERT(gg_garden_match_ip(g, 9, a, TCP, 443, NOW));
	CU_ASSERT_EQUAL(counts(g).learned, 2);

	/* Only the global entry left: a scoped lookup falls through to it. */
	CU_ASSERT_EQUAL(gg_garden_unlearn(g, 9, a), 0);
	CU_ASSERT(gg_garden_match_ip(g, 9, b, TCP, 443, NOW));
	CU_ASSERT_EQUAL(gg_garden_unlearn(g, GLOBAL, b), 0);
	CU_ASSERT_FALSE(gg_garden_match_ip(g, 9, b, TCP, 443, NOW));
	CU_ASSERT_EQUAL(counts(g).learned, 0);
	CU_ASSERT_EQUAL(gg_garden_learn(NULL, 1, a, 1, NOW), -EINVAL);
	gg_garden_free(g);
}

static bool
lm(const struct gg_garden *g, uint32_t ip, uint64_t now)
{
	return gg_garden_match_ip(g, 1, ip, TCP, 80, now);
}

static void
test_learn_ttl(void)
{
	struct gg_garden *g = mk("lttl", 8, 8, 64);	/* ttl 30..3600 */
	uint32_t a = ip4(100, 64, 1, 1), b = ip4(100, 64, 1, 2);
	uint32_t c = ip4(100, 64, 1, 3);

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	/* TTL 0 and 5 are raised to 30. */
	CU_ASSERT_EQUAL(gg_garden_learn(g, 1, a, 0, NOW), GG_GARDEN_LEARN_NEW);
	CU_ASSERT_EQUAL(gg_garden_learn(g, 1, b, 5, NOW), GG_GARDEN_LEARN_NEW);
	/* 100000 is lowered to 3600. */
	CU_ASSERT_EQUAL(gg_garden_learn(g, 1, c, 100000, NOW),
			GG_GARDEN_LEARN_NEW);

	/* Valid while now < expiry: exact to the second. */
	CU_ASSERT(lm(g, a, NOW));
	CU_ASSERT(lm(g, a, NOW + 29));
	CU_ASSERT_FALSE(lm(g, a, NOW + 30));
	CU_ASSERT(lm(g, b, NOW + 29));
	CU_ASSERT_FALSE(lm(g, b, NOW + 30));
	CU_ASSERT(lm(g, c, NOW + 3599));
	CU_ASSERT_FALSE(lm(g, c, NOW + 3600));
	CU_ASSERT_FALSE(lm(g, c, UINT64_MAX));
	/* ... even though nothing was removed yet. */
	CU_ASSERT_EQUAL(counts(g).learned, 3);

	/* In range: as given. */
	CU_ASSERT_EQUAL(gg_garden_learn(g, 2, a, 300, NOW),
			GG_GARDEN_LEARN_NEW);
	CU_ASSERT(gg_garden_match_ip(g, 2, a, TCP, 80, NOW + 299));
	CU_ASSERT_FALSE(gg_garden_match_ip(g, 2, a, TCP, 80, NOW + 300));

	/* The bulk variant agrees on the edges. */
	{
		uint32_t sc[4] = { 1, 1, 1, 2 }, ips[4] = { a, a, c, a };
		uint8_t pr[4] = { TCP, TCP, TCP, TCP };
		uint16_t po[4] = { 80, 80, 80, 80 };

		CU_ASSERT_EQUAL(gg_garden_match_ip_bulk(g, sc, ips, pr, po, 4,
				NOW + 29), 0xf);
		CU_ASSERT_EQUAL(gg_garden_match_ip_bulk(g, sc, ips, pr, po, 4,
				NOW + 30), 0xc);
		CU_ASSERT_EQUAL(gg_garden_match_ip_bulk(g, sc, ips, pr, po, 4,
				NOW + 300), 0x4);
		CU_ASSERT_EQUAL(gg_garden_match_ip_bulk(g, sc, ips, pr, po, 4,
				NOW + 3600), 0);
	}
	gg_garden_free(g);
}

static void
test_learn_refresh(void)
{
	struct gg_garden *g = mk("lref", 8, 8, 64);
	uint32_t a = ip4(100, 64, 2, 1);
	struct gg_garden_counts c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(gg_garden_learn(g, 1, a, 60, 0), GG_GARDEN_LEARN_NEW);
	/* Refresh at 30 for 60 more: valid until 90. */
	CU_ASSERT_EQUAL(gg_garden_learn(g, 1, a, 60, 30),
			GG_GARDEN_LEARN_REFRESHED);
	CU_ASSERT(lm(g, a, 89));
	CU_ASSERT_FALSE(lm(g, a, 90));
	/* A shorter answer never shortens it. */
	CU_ASSERT_EQUAL(gg_garden_learn(g, 1, a, 30, 40),
			GG_GARDEN_LEARN_REFRESHED);
	CU_ASSERT(lm(g, a, 89));
	/* Expired (not removed) and learned again: new life. */
	CU_ASSERT_EQUAL(gg_garden_learn(g, 1, a, 60, 100),
			GG_GARDEN_LEARN_NEW);
	CU_ASSERT(lm(g, a, 159));
	CU_ASSERT_FALSE(lm(g, a, 160));
	c = counts(g);
	CU_ASSERT_EQUAL(c.learned, 1);
	CU_ASSERT_EQUAL(c.learn_new, 2);
	CU_ASSERT_EQUAL(c.learn_refreshed, 2);
	/* The refreshed expiry is what expire() goes by. */
	CU_ASSERT_EQUAL(gg_garden_expire(g, 159, 0), 0);
	CU_ASSERT_EQUAL(gg_garden_expire(g, 160, 0), 1);
	CU_ASSERT_EQUAL(counts(g).learned, 0);
	gg_garden_free(g);
}

static void
test_learn_full(void)
{
	struct gg_garden_params p = params("lfull", 8, 8, 4);
	struct gg_garden *g = gg_garden_create(&p);
	uint32_t ips[8];
	struct gg_garden_counts c;
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	for (i = 0; i < 8; i++)
		ips[i] = ip4(100, 64, 3, i + 1);
	/* Expiries NOW+100, +50, +200, +300. */
	CU_ASSERT_EQUAL(gg_garden_learn(g, 1, ips[0], 100, NOW), 0);
	CU_ASSERT_EQUAL(gg_garden_learn(g, 1, ips[1], 50, NOW), 0);
	CU_ASSERT_EQUAL(gg_garden_learn(g, GLOBAL, ips[2], 200, NOW), 0);
	CU_ASSERT_EQUAL(gg_garden_learn(g, 2, ips[3], 300, NOW), 0);
	/* Full: refreshing an existing entry needs no room. */
	CU_ASSERT_EQUAL(gg_garden_learn(g, 1, ips[0], 120, NOW),
			GG_GARDEN_LEARN_REFRESHED);
	/* A fifth evicts the entry expiring first (ips[1]). */
	CU_ASSERT_EQUAL(gg_garden_learn(g, 3, ips[4], 400, NOW),
			GG_GARDEN_LEARN_EVICTED);
	CU_ASSERT_FALSE(gg_garden_match_ip(g, 1, ips[1], TCP, 1, NOW));
	CU_ASSERT(gg_garden_match_ip(g, 1, ips[0], TCP, 1, NOW));
	CU_ASSERT(gg_garden_match_ip(g, 1, ips[2], TCP, 1, NOW));
	CU_ASSERT(gg_garden_match_ip(g, 2, ips[3], TCP, 1, NOW));
	CU_ASSERT(gg_garden_match_ip(g, 3, ips[4], TCP, 1, NOW));
	c = counts(g);
	CU_ASSERT_EQUAL(c.learned, 4);
	CU_ASSERT_EQUAL(c.learn_evicted, 1);
	/* Next victim: ips[0] (NOW+120). */
	CU_ASSERT_EQUAL(gg_garden_learn(g, 3, ips[5], 400, NOW),
			GG_GARDEN_LEARN_EVICTED);
	CU_ASSERT_FALSE(gg_garden_match_ip(g, 1, ips[0], TCP, 1, NOW));
	/* Once one has expired, it makes room without an eviction. */
	CU_ASSERT_EQUAL(gg_garden_learn(g, 3, ips[6], 400, NOW + 200),
			GG_GARDEN_LEARN_NEW);
	CU_ASSERT_FALSE(gg_garden_match_ip(g, 7, ips[2], TCP, 1, NOW));
	c = counts(g);
	CU_ASSERT_EQUAL(c.learned, 4);
	CU_ASSERT_EQUAL(c.learned_global, 0);
	CU_ASSERT_EQUAL(c.learn_evicted, 2);
	CU_ASSERT_EQUAL(c.expired, 1);
	gg_garden_free(g);

	/* The other policy: refuse, and say so. */
	p = params("lrefuse", 8, 8, 4);
	p.refuse_when_full = true;
	g = gg_garden_create(&p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(gg_garden_learn(g, 1, ips[i], 100 + i, NOW), 0);
	CU_ASSERT_EQUAL(gg_garden_learn(g, 1, ips[4], 100, NOW), -ENOSPC);
	CU_ASSERT_EQUAL(gg_garden_learn(g, 1, ips[4], 100, NOW), -ENOSPC);
	CU_ASSERT_FALSE(gg_garden_match_ip(g, 1, ips[4], TCP, 1, NOW));
	for (i = 0; i < 4; i++)
		CU_ASSERT(gg_garden_match_ip(g, 1, ips[i], TCP, 1, NOW));
	CU_ASSERT_EQUAL(gg_garden_learn(g, 1, ips[3], 500, NOW),
			GG_GARDEN_LEARN_REFRESHED);
	c = counts(g);
	CU_ASSERT_EQUAL(c.learn_refused, 2);
	CU_ASSERT_EQUAL(c.learn_evicted, 0);
	/* After expiry there is room again. */
	CU_ASSERT_EQUAL(gg_garden_learn(g, 1, ips[4], 100, NOW + 100),
			GG_GARDEN_LEARN_NEW);
	gg_garden_free(g);
}

struct expiry_scan {
	uint64_t min;
	uint32_t n;
};

static int
scan_learned(const struct gg_garden_entry *e, void *arg)
{
	struct expiry_scan *s = arg;

	if (e->type == GG_GARDEN_ENTRY_LEARNED) {
		s->n++;
		s->min = RTE_MIN(s->min, e->learned.expiry_s);
	}
	return 0;
}

static void
test_expire_incremental(void)
{
	struct gg_garden_params p = params("lexp", 8, 8, 1000);
	struct gg_garden *g;
	struct expiry_scan s;
	uint32_t i, n, total = 0, calls = 0;

	p.min_ttl = 1;
	p.max_ttl = 100000;
	g = gg_garden_create(&p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	/* Expiries 1..1000, learned in a scrambled order. */
	for (i = 0; i < 1000; i++) {
		uint32_t k = (i * 617) % 1000;

		CU_ASSERT_EQUAL(gg_garden_learn(g, k % 3 == 0 ? GLOBAL : k,
				ip4(100, 65, k >> 8, k & 0xff), k + 1, 0),
				GG_GARDEN_LEARN_NEW);
	}
	CU_ASSERT_EQUAL(counts(g).learned, 1000);
	CU_ASSERT_EQUAL(gg_garden_expire(g, 0, 10), 0);

	/* 500 due (expiry <= 500): 100 per call. */
	while ((n = gg_garden_expire(g, 500, 100)) > 0) {
		calls++;
		total += n;
		CU_ASSERT(n <= 100);
		/* Soonest first: what remains expires after what went. */
		memset(&s, 0, sizeof(s));
		s.min = UINT64_MAX;
		gg_garden_walk(g, GG_GARDEN_ENTRY_LEARNED, scan_learned, &s);
		CU_ASSERT_EQUAL(s.n, 1000 - total);
		CU_ASSERT_EQUAL(s.min, total + 1);
	}
	CU_ASSERT_EQUAL(total, 500);
	CU_ASSERT_EQUAL(calls, 5);
	CU_ASSERT_EQUAL(counts(g).learned, 500);
	CU_ASSERT_EQUAL(counts(g).expired, 500);
	/* Max 0 is the default batch. */
	CU_ASSERT_EQUAL(gg_garden_expire(g, 100000, 0), GG_GARDEN_EXPIRE_BATCH);
	CU_ASSERT_EQUAL(gg_garden_expire(g, 100000, 0),
			500 - GG_GARDEN_EXPIRE_BATCH);
	CU_ASSERT_EQUAL(counts(g).learned, 0);
	CU_ASSERT_EQUAL(gg_garden_expire(g, UINT64_MAX, 0), 0);
	CU_ASSERT_EQUAL(gg_garden_expire(NULL, 1, 1), 0);
	gg_garden_free(g);
}

static void
test_forget(void)
{
	struct gg_garden *g = mk("lforget", 8, 8, 256);
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	for (i = 0; i < 200; i++)
		CU_ASSERT_EQUAL(gg_garden_learn(g, i % 4 == 3 ? GLOBAL : i % 4,
				ip4(100, 66, 0, i), 300, NOW),
				GG_GARDEN_LEARN_NEW);
	CU_ASSERT_EQUAL(gg_garden_forget(g, 1), 50);
	CU_ASSERT_EQUAL(gg_garden_forget(g, 1), 0);
	CU_ASSERT_EQUAL(counts(g).learned, 150);
	for (i = 0; i < 200; i++) {
		uint32_t sc = i % 4 == 3 ? GLOBAL : i % 4;

		CU_ASSERT_EQUAL(gg_garden_match_ip(g, sc, ip4(100, 66, 0, i),
				TCP, 1, NOW), sc != 1);
	}
	CU_ASSERT_EQUAL(gg_garden_forget(g, GLOBAL), 50);
	CU_ASSERT_EQUAL(counts(g).learned_global, 0);
	/* The heap survived the removals: expiry still works. */
	CU_ASSERT_EQUAL(gg_garden_expire(g, NOW + 300, 1000), 100);
	CU_ASSERT_EQUAL(counts(g).learned, 0);
	gg_garden_free(g);
}

/*
 * gg_garden_match_wire_scope() (what a worker records of an answer it
 * lets through before the control lcore learned it): the same verdict as
 * gg_garden_match_wire(), and the scope of the longest matching name, the
 * one gg_garden_name_ref() gives the learned entry.
 */
static void
test_match_wire_scope(void)
{
	struct gg_garden *g = mk("wscope", 8, 8, 8);
	struct gg_garden_scope sc, got;
	char name[GG_GARDEN_NAME_MAX + 1], err[128];
	static const char *const names[] = {
		"a.example", "www.a.example", "b.example", "c.example",
	};
	uint8_t wire[256];
	size_t wl;
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(gg_garden_parse_name_rule("example.net udp 123", name,
			&sc, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(gg_garden_add_name_scoped(g, name, &sc), 0);
	CU_ASSERT_EQUAL(gg_garden_parse_name_rule("vpn.example.net tcp 443",
			name, &sc, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(gg_garden_add_name_scoped(g, name, &sc), 0);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "a.example"), 0);

	/* The longest name decides: vpn.example.net's, not example.net's. */
	CU_ASSERT_TRUE_FATAL(text_to_wire("X.VPN.example.net", 17, wire, &wl));
	memset(&got, 0xa5, sizeof(got));
	CU_ASSERT_TRUE(gg_garden_match_wire_scope(g, wire, wl, &got));
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_TRUE(gg_garden_scope_accepts(&got, 6, 443));
	CU_ASSERT_FALSE(gg_garden_scope_accepts(&got, 17, 123));
	CU_ASSERT_FALSE(gg_garden_scope_accepts(&got, 6, 80));
	CU_ASSERT_TRUE_FATAL(text_to_wire("ntp.example.net", 15, wire, &wl));
	CU_ASSERT_TRUE(gg_garden_match_wire_scope(g, wire, wl, &got));
	CU_ASSERT_TRUE(gg_garden_scope_accepts(&got, 17, 123));
	CU_ASSERT_FALSE(gg_garden_scope_accepts(&got, 6, 443));
	/* A name without protocols: TCP 80 and 443. */
	for (i = 0; i < RTE_DIM(names); i++) {
		bool m;

		CU_ASSERT_TRUE_FATAL(text_to_wire(names[i], strlen(names[i]),
				wire, &wl));
		m = gg_garden_match_wire(g, wire, wl);
		CU_ASSERT_EQUAL(gg_garden_match_wire_scope(g, wire, wl, &got), m);
		if (m) {
			CU_ASSERT_TRUE(gg_garden_scope_accepts(&got, 6, 80));
			CU_ASSERT_TRUE(gg_garden_scope_accepts(&got, 6, 443));
			CU_ASSERT_FALSE(gg_garden_scope_accepts(&got, 17, 443));
		}
	}
	/* TTLs are clamped as learning clamps them (mk: 30 .. 3600 s). */
	CU_ASSERT_EQUAL(gg_garden_ttl_clamp(g, 0), 30);
	CU_ASSERT_EQUAL(gg_garden_ttl_clamp(g, 300), 300);
	CU_ASSERT_EQUAL(gg_garden_ttl_clamp(g, 86400), 3600);
	gg_garden_free(g);
}

/*
 * Name rules carry a scope: addresses learned for a name open only its
 * protocols and ports (default TCP 80 and 443), a session holds at most
 * max_per_scope of them, and deleting the name takes them out.
 */
static void
test_learn_name_scope(void)
{
	struct gg_garden_params p = {
		.name = "lscope", .max_rules = 8, .max_names = 8,
		.max_learned = 64, .min_ttl = 1, .max_ttl = 3600,
		.max_per_scope = 3, .scope_capacity = 16,
		.socket_id = SOCKET_ID_ANY, .qsv = qsv,
	};
	static const uint8_t www_portal[] = "\3www\6portal\7example";
	static const uint8_t ca[] = "\2CA\7example";
	static const uint8_t other[] = "\5other\7example";
	struct gg_garden_scope sc;
	char name[GG_GARDEN_NAME_MAX + 1], err[128];
	struct gg_garden *g = gg_garden_create(&p);
	int portal, cadef;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(gg_garden_parse_name_rule("Portal.Example. tcp 443 udp 51820-51821",
			name, &sc, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(name, "portal.example");
	CU_ASSERT_EQUAL(sc.n, 2);
	CU_ASSERT_FALSE(gg_garden_scope_wide(&sc));
	CU_ASSERT_EQUAL(gg_garden_add_name_scoped(g, name, &sc), 0);
	CU_ASSERT_EQUAL(gg_garden_parse_name_rule("ca.example", name, &sc,
			err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sc.n, 2);   /* tcp 80, tcp 443 */
	CU_ASSERT_EQUAL(gg_garden_add_name_scoped(g, name, &sc), 0);
	CU_ASSERT_NOT_EQUAL(gg_garden_parse_name_rule("x.example tcp 80 bogus",
			name, &sc, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(gg_garden_parse_name_rule("x.example icmp 80",
			name, &sc, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(gg_garden_parse_name_rule("x.example tcp", name, &sc,
			err, sizeof(err)), 0);
	CU_ASSERT_TRUE(gg_garden_scope_wide(&sc));
	CU_ASSERT_EQUAL(gg_garden_parse_name_rule("x.example any", name, &sc,
			err, sizeof(err)), 0);
	CU_ASSERT_TRUE(gg_garden_scope_wide(&sc));

	/* Formatting gives what the parser reads (telemetry lists it). */
	{
		static const char *const fmt[][2] = {
			{ "Portal.Example", "portal.example tcp 80,443" },
			{ "vpn.example udp 51820 tcp 443",
				"vpn.example udp 51820 tcp 443" },
			{ "ca.example tcp 443 udp 4433 icmp",
				"ca.example tcp 443 udp 4433 icmp" },
			{ "x.example tcp 1000-2000,443", "x.example tcp 1000-2000,443" },
			{ "x.example tcp", "x.example tcp" },
			{ "x.example any", "x.example any" },
		};
		struct gg_garden_scope sc2;
		char text[300], name2[GG_GARDEN_NAME_MAX + 1];
		unsigned int i, k;

		for (i = 0; i < RTE_DIM(fmt); i++) {
			CU_ASSERT_EQUAL_FATAL(gg_garden_parse_name_rule(fmt[i][0],
					name, &sc, err, sizeof(err)), 0);
			CU_ASSERT_EQUAL(gg_garden_format_name_rule(name, &sc,
					text, sizeof(text)), (int)strlen(fmt[i][1]));
			CU_ASSERT_STRING_EQUAL(text, fmt[i][1]);
			CU_ASSERT_EQUAL(gg_garden_parse_name_rule(text, name2,
					&sc2, err, sizeof(err)), 0);
			CU_ASSERT_EQUAL_FATAL(sc2.n, sc.n);
			for (k = 0; k < sc.n; k++)
				CU_ASSERT_TRUE(sc2.r[k].proto == sc.r[k].proto &&
						sc2.r[k].port_lo == sc.r[k].port_lo &&
						sc2.r[k].port_hi == sc.r[k].port_hi);
		}
		/* Cut short, it still says how long it would be. */
		CU_ASSERT_EQUAL(gg_garden_format_name_rule("portal.example",
				&sc, text, 10), (int)strlen("x.example any") + 5);
	}

	portal = gg_garden_name_ref(g, www_portal, sizeof(www_portal));
	cadef = gg_garden_name_ref(g, ca, sizeof(ca));
	CU_ASSERT_TRUE(portal >= 0 && cadef >= 0 && portal != cadef);
	CU_ASSERT_EQUAL(gg_garden_name_ref(g, other, sizeof(other)), -ENOENT);

	CU_ASSERT_EQUAL(gg_garden_learn_name(g, 1, ip4(198, 19, 0, 1), 300,
			NOW, portal), GG_GARDEN_LEARN_NEW);
	CU_ASSERT_TRUE(gg_garden_match_ip(g, 1, ip4(198, 19, 0, 1), TCP, 443, NOW));
	CU_ASSERT_TRUE(gg_garden_match_ip(g, 1, ip4(198, 19, 0, 1), UDP, 51821, NOW));
	CU_ASSERT_FALSE(gg_garden_match_ip(g, 1, ip4(198, 19, 0, 1), TCP, 80, NOW));
	CU_ASSERT_FALSE(gg_garden_match_ip(g, 1, ip4(198, 19, 0, 1), TCP, 22, NOW));
	CU_ASSERT_FALSE(gg_garden_match_ip(g, 1, ip4(198, 19, 0, 1), UDP, 51820 - 1, NOW));
	CU_ASSERT_FALSE(gg_garden_match_ip(g, 1, ip4(198, 19, 0, 1), 1, 0, NOW));
	CU_ASSERT_FALSE(gg_garden_match_ip(g, 2, ip4(198, 19, 0, 1), TCP, 443, NOW));
	/* Learned again for the default-scoped name: its scope now. */
	CU_ASSERT_EQUAL(gg_garden_learn_name(g, 1, ip4(198, 19, 0, 1), 300,
			NOW, cadef), GG_GARDEN_LEARN_REFRESHED);
	CU_ASSERT_TRUE(gg_garden_match_ip(g, 1, ip4(198, 19, 0, 1), TCP, 80, NOW));
	CU_ASSERT_FALSE(gg_garden_match_ip(g, 1, ip4(198, 19, 0, 1), UDP, 51821, NOW));
	/* Per-session cap: 3; other sessions and global are not held back. */
	CU_ASSERT_EQUAL(gg_garden_learn_name(g, 1, ip4(198, 19, 0, 2), 300,
			NOW, portal), GG_GARDEN_LEARN_NEW);
	CU_ASSERT_EQUAL(gg_garden_learn_name(g, 1, ip4(198, 19, 0, 3), 300,
			NOW, portal), GG_GARDEN_LEARN_NEW);
	CU_ASSERT_EQUAL(gg_garden_learn_name(g, 1, ip4(198, 19, 0, 4), 300,
			NOW, portal), -EDQUOT);
	CU_ASSERT_EQUAL(gg_garden_learn_name(g, 1, ip4(198, 19, 0, 3), 600,
			NOW, portal), GG_GARDEN_LEARN_REFRESHED);
	CU_ASSERT_EQUAL(gg_garden_learn_name(g, 2, ip4(198, 19, 0, 4), 300,
			NOW, portal), GG_GARDEN_LEARN_NEW);
	CU_ASSERT_EQUAL(gg_garden_learn_name(g, GLOBAL, ip4(198, 19, 0, 5), 300,
			NOW, portal), GG_GARDEN_LEARN_NEW);
	CU_ASSERT_EQUAL(gg_garden_learn_name(g, 99, ip4(198, 19, 0, 5), 300,
			NOW, portal), -EDQUOT);   /* past scope_capacity */
	/* Expiry frees a place under the cap. */
	CU_ASSERT_EQUAL(gg_garden_unlearn(g, 1, ip4(198, 19, 0, 2)), 0);
	CU_ASSERT_EQUAL(gg_garden_learn_name(g, 1, ip4(198, 19, 0, 4), 300,
			NOW, portal), GG_GARDEN_LEARN_NEW);
	/* Deleting portal.example takes its four entries out. */
	CU_ASSERT_EQUAL(gg_garden_del_name(g, "portal.example"), 0);
	CU_ASSERT_FALSE(gg_garden_match_ip(g, 1, ip4(198, 19, 0, 3), TCP, 443, NOW));
	CU_ASSERT_FALSE(gg_garden_match_ip(g, GLOBAL, ip4(198, 19, 0, 5), TCP, 443, NOW));
	CU_ASSERT_TRUE(gg_garden_match_ip(g, 1, ip4(198, 19, 0, 1), TCP, 443, NOW));
	CU_ASSERT_EQUAL(counts(g).learned, 1);
	gg_garden_free(g);
}

/* --- parser --------------------------------------------------------------- */

static bool
same_rule(const struct gg_garden_rule *a, const struct gg_garden_rule *b)
{
	return a->ipv4_be == b->ipv4_be && a->depth == b->depth &&
		a->proto == b->proto && a->port_lo == b->port_lo &&
		a->port_hi == b->port_hi;
}

static void
test_parse(void)
{
	static const struct {
		const char *text;
		uint32_t ip;
		uint8_t depth, proto;
		uint16_t lo, hi;
		const char *canon;
	} good[] = {
		{ "203.0.113.0/24", 0xcb007100, 24, 0, 0, 65535,
			"203.0.113.0/24" },
		{ "198.51.100.7/32 tcp 443", 0xc6336407, 32, 6, 443, 443,
			"198.51.100.7/32 tcp 443" },
		{ "192.0.2.0/24 udp 53", 0xc0000200, 24, 17, 53, 53,
			"192.0.2.0/24 udp 53" },
		{ "10.0.0.0/8 tcp 8000-8080", 0x0a000000, 8, 6, 8000, 8080,
			"10.0.0.0/8 tcp 8000-8080" },
		{ "1.2.3.4 icmp", 0x01020304, 32, 1, 0, 65535,
			"1.2.3.4/32 icmp" },
		{ "  1.2.3.4\tTCP  ", 0x01020304, 32, 6, 0, 65535,
			"1.2.3.4/32 tcp" },
		{ "1.2.3.4 any", 0x01020304, 32, 0, 0, 65535, "1.2.3.4/32" },
		{ "1.2.3.4 udp 0-65535", 0x01020304, 32, 17, 0, 65535,
			"1.2.3.4/32 udp" },
		{ "1.2.3.4 udp 0", 0x01020304, 32, 17, 0, 0,
			"1.2.3.4/32 udp 0" },
		{ "1.2.3.4 udp 65535", 0x01020304, 32, 17, 65535, 65535,
			"1.2.3.4/32 udp 65535" },
		{ "0.0.0.0/1", 0, 1, 0, 0, 65535, "0.0.0.0/1" },
		{ "255.255.255.255/32 proto 47", 0xffffffff, 32, 47, 0, 65535,
			"255.255.255.255/32 proto 47" },
		{ "9.9.9.9 proto 6 853", 0x09090909, 32, 6, 853, 853,
			"9.9.9.9/32 tcp 853" },
		{ "9.9.9.9 proto 0", 0x09090909, 32, 0, 0, 65535,
			"9.9.9.9/32" },
		{ "100.64.0.0/10 Udp 1-2", 0x64400000, 10, 17, 1, 2,
			"100.64.0.0/10 udp 1-2" },
	};
	static const struct {
		const char *text;
		const char *why;	/* a word the error must contain */
	} bad[] = {
		{ "", "empty" },
		{ "   \t ", "empty" },
		{ "1.2.3", "address" },
		{ "1.2.3.4.5", "address" },
		{ "1.2.3.256", "address" },
		{ "1.2.3.04", "address" },
		{ "1.2..4", "address" },
		{ "1.2.3.4/", "length" },
		{ "1.2.3.4/33", "length" },
		{ "1.2.3.4/-1", "length" },
		{ "1.2.3.4/08", "length" },
		{ "0.0.0.0/0", "every address" },
		{ "10.1.0.0/8", "host bits" },
		{ "203.0.113.1/24", "203.0.113.0/24" },
		{ "1.2.3.4 sctp", "unknown protocol" },
		{ "1.2.3.4 icmp 8", "only apply to tcp and udp" },
		{ "1.2.3.4 any 80", "only apply to tcp and udp" },
		{ "1.2.3.4 proto 47 80", "only apply to tcp and udp" },
		{ "1.2.3.4 proto", "protocol number" },
		{ "1.2.3.4 proto 256", "protocol number" },
		{ "1.2.3.4 tcp 65536", "bad port" },
		{ "1.2.3.4 tcp http", "bad port" },
		{ "1.2.3.4 tcp 80-", "range" },
		{ "1.2.3.4 tcp -80", "range" },
		{ "1.2.3.4 tcp 1-2-3", "range" },
		{ "1.2.3.4 tcp 8080-8000", "reversed" },
		{ "1.2.3.4 tcp 80 443", "unexpected" },
		{ "1.2.3.4 tcp 80 x y z", "unexpected" },
		{ "1.2.3.4 80", "unknown protocol" },
		{ "portal.example", "address" },
	};
	struct gg_garden_rule r, keep;
	char err[128], out[64], longtext[200];
	unsigned int i;

	for (i = 0; i < RTE_DIM(good); i++) {
		memset(&r, 0xa5, sizeof(r));
		CU_ASSERT_EQUAL(gg_garden_parse_rule(good[i].text, &r, err,
				sizeof(err)), 0);
		if (err[0] != '\0')
			printf("\n  \"%s\": %s ", good[i].text, err);
		CU_ASSERT_EQUAL(r.ipv4_be, rte_cpu_to_be_32(good[i].ip));
		CU_ASSERT_EQUAL(r.depth, good[i].depth);
		CU_ASSERT_EQUAL(r.proto, good[i].proto);
		CU_ASSERT_EQUAL(r.port_lo, good[i].lo);
		CU_ASSERT_EQUAL(r.port_hi, good[i].hi);
		/* Formatting gives the canonical text, which reads back. */
		gg_garden_format_rule(&r, out, sizeof(out));
		CU_ASSERT_STRING_EQUAL(out, good[i].canon);
		memset(&keep, 0, sizeof(keep));
		CU_ASSERT_EQUAL(gg_garden_parse_rule(out, &keep, NULL, 0), 0);
		CU_ASSERT(same_rule(&keep, &r));
	}
	for (i = 0; i < RTE_DIM(bad); i++) {
		memset(&r, 0x5a, sizeof(r));
		keep = r;
		err[0] = '\0';
		CU_ASSERT_EQUAL(gg_garden_parse_rule(bad[i].text, &r, err,
				sizeof(err)), -EINVAL);
		CU_ASSERT(memcmp(&keep, &r, sizeof(r)) == 0);
		if (strstr(err, bad[i].why) == NULL) {
			printf("\n  \"%s\": error \"%s\" lacks \"%s\" ",
					bad[i].text, err, bad[i].why);
			CU_FAIL("error message");
		}
	}
	/* NULLs, a tiny error buffer, an over-long text. */
	CU_ASSERT_EQUAL(gg_garden_parse_rule(NULL, &r, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_EQUAL(gg_garden_parse_rule("1.2.3.4", NULL, NULL, 0),
			-EINVAL);
	CU_ASSERT_EQUAL(gg_garden_parse_rule("1.2.3.4/99", &r, err, 4),
			-EINVAL);
	CU_ASSERT_EQUAL(strlen(err), 3);
	memset(longtext, ' ', sizeof(longtext));
	memcpy(longtext, "1.2.3.4", 7);
	longtext[sizeof(longtext) - 1] = '\0';
	CU_ASSERT_EQUAL(gg_garden_parse_rule(longtext, &r, err, sizeof(err)),
			-EINVAL);

	/* Every parsed rule is one gg_garden_add_prefix() accepts. */
	{
		struct gg_garden *g = mk("parse", 64, 8, 8);

		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		for (i = 0; i < RTE_DIM(good); i++) {
			CU_ASSERT_EQUAL(gg_garden_parse_rule(good[i].text, &r,
					NULL, 0), 0);
			CU_ASSERT_EQUAL(gg_garden_add_prefix(g, r.ipv4_be,
					r.depth, r.proto, r.port_lo,
					r.port_hi), 0);
		}
		CU_ASSERT(m(g, ip4(198, 51, 100, 7), TCP, 443));
		CU_ASSERT_FALSE(m(g, ip4(198, 51, 100, 7), TCP, 80));
		gg_garden_free(g);
	}
}

/* --- walk ----------------------------------------------------------------- */

struct walk_ctx {
	unsigned int rules, names, learned, calls, stop_at;
	bool saw_portal, saw_upper, bad;
	char text[64];
};

static int
walk_cb(const struct gg_garden_entry *e, void *arg)
{
	struct walk_ctx *w = arg;

	w->calls++;
	switch (e->type) {
	case GG_GARDEN_ENTRY_RULE:
		w->rules++;
		gg_garden_format_rule(&e->rule, w->text, sizeof(w->text));
		if (strcmp(w->text, "198.51.100.7/32") == 0)
			w->saw_portal = true;
		break;
	case GG_GARDEN_ENTRY_NAME:
		w->names++;
		if (strcmp(e->name, "docs.example.org") == 0)
			w->saw_upper = true;
		break;
	case GG_GARDEN_ENTRY_LEARNED:
		w->learned++;
		if (e->learned.expiry_s != NOW + 300 ||
				(e->learned.scope != 4 &&
				e->learned.scope != GLOBAL))
			w->bad = true;
		break;
	default:
		w->bad = true;
	}
	return w->calls == w->stop_at ? 9 : 0;
}

static void
test_walk(void)
{
	struct gg_garden *g = mk("walk", 64, 16, 64);
	struct walk_ctx w;
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(gg_garden_walk(g, GG_GARDEN_ENTRY_ALL, walk_cb, &w), 0);
	CU_ASSERT_EQUAL(w.calls, 0);

	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(198, 51, 100, 7), 32,
			0, 0, 65535), 0);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(192, 0, 2, 0), 24,
			UDP, 53, 53), 0);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(192, 0, 2, 0), 24,
			TCP, 443, 443), 0);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "portal.example"), 0);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "Docs.Example.Org"), 0);
	for (i = 0; i < 10; i++)
		CU_ASSERT(gg_garden_learn(g, i < 5 ? 4 : GLOBAL,
				ip4(100, 64, 9, i), 300, NOW) >= 0);

	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(gg_garden_walk(g, GG_GARDEN_ENTRY_ALL, walk_cb, &w), 0);
	CU_ASSERT_EQUAL(w.rules, 3);
	CU_ASSERT_EQUAL(w.names, 2);
	CU_ASSERT_EQUAL(w.learned, 10);
	CU_ASSERT(w.saw_portal);
	CU_ASSERT(w.saw_upper);
	CU_ASSERT_FALSE(w.bad);

	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(gg_garden_walk(g, GG_GARDEN_ENTRY_NAME, walk_cb, &w), 0);
	CU_ASSERT_EQUAL(w.calls, 2);
	CU_ASSERT_EQUAL(w.names, 2);

	memset(&w, 0, sizeof(w));
	w.stop_at = 4;
	CU_ASSERT_EQUAL(gg_garden_walk(g, GG_GARDEN_ENTRY_ALL, walk_cb, &w), 9);
	CU_ASSERT_EQUAL(w.calls, 4);
	CU_ASSERT_EQUAL(gg_garden_walk(g, GG_GARDEN_ENTRY_ALL, NULL, &w),
			-EINVAL);

	/* Deleted entries leave the dump. */
	CU_ASSERT_EQUAL(gg_garden_del_prefix(g, ip4(192, 0, 2, 0), 24,
			UDP, 53, 53), 0);
	CU_ASSERT_EQUAL(gg_garden_del_name(g, "portal.example"), 0);
	CU_ASSERT_EQUAL(gg_garden_forget(g, 4), 5);
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(gg_garden_walk(g, GG_GARDEN_ENTRY_ALL, walk_cb, &w), 0);
	CU_ASSERT_EQUAL(w.rules, 2);
	CU_ASSERT_EQUAL(w.names, 1);
	CU_ASSERT_EQUAL(w.learned, 5);
	gg_garden_free(g);
}

/* --- bulk vs single ------------------------------------------------------- */

static void
test_bulk(void)
{
	struct gg_garden *g = mk("bulk", 256, 8, 1024);
	uint32_t sc[80], ips[80];
	uint8_t pr[80];
	uint16_t po[80];
	unsigned int round, i, n, bad = 0;
	uint64_t mask, expect;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	/* Prefixes and learned entries all inside 10.0.0.0/16. */
	for (i = 0; i < 100; i++) {
		uint8_t depth = 20 + i % 13;
		uint32_t ip = (0x0a000000 | (uint32_t)(rte_rand() & 0xffff)) &
			~(depth == 32 ? 0 : UINT32_MAX >> depth);

		gg_garden_add_prefix(g, rte_cpu_to_be_32(ip), depth,
				i % 3 == 0 ? TCP : i % 3 == 1 ? UDP : 0,
				i % 3 == 2 ? 0 : 1000 + i,
				i % 3 == 2 ? 65535 : 2000 + i);
	}
	for (i = 0; i < 800; i++)
		gg_garden_learn(g, i % 5 == 0 ? GLOBAL : i % 7,
				rte_cpu_to_be_32(0x0a000000 |
				(uint32_t)(rte_rand() & 0xffff)),
				30 + i % 60, NOW);

	for (round = 0; round < 2000; round++) {
		n = round % 3 == 0 ? 64 : 1 + round % 64;
		for (i = 0; i < n; i++) {
			sc[i] = rte_rand() % 9 == 0 ? GLOBAL :
				(uint32_t)(rte_rand() % 8);
			ips[i] = rte_cpu_to_be_32(0x0a000000 |
					(uint32_t)(rte_rand() & 0xffff));
			pr[i] = rte_rand() % 2 ? TCP : UDP;
			po[i] = 900 + rte_rand() % 1300;
		}
		mask = gg_garden_match_ip_bulk(g, sc, ips, pr, po, n,
				NOW + round % 90);
		expect = 0;
		for (i = 0; i < n; i++)
			if (gg_garden_match_ip(g, sc[i], ips[i], pr[i], po[i],
					NOW + round % 90))
				expect |= UINT64_C(1) << i;
		if (mask != expect)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);

	/* n above the maximum is cut, n == 0 matches nothing. */
	for (i = 0; i < 80; i++) {
		sc[i] = 1;
		ips[i] = ip4(198, 51, 100, 7);
		pr[i] = TCP;
		po[i] = 80;
	}
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(198, 51, 100, 7), 32,
			0, 0, 65535), 0);
	CU_ASSERT_EQUAL(gg_garden_match_ip_bulk(g, sc, ips, pr, po, 80, NOW),
			UINT64_MAX);
	CU_ASSERT_EQUAL(gg_garden_match_ip_bulk(g, sc, ips, pr, po, 0, NOW),
			0);
	CU_ASSERT_EQUAL(gg_garden_match_ip_bulk(g, sc, ips, pr, po, 3, NOW),
			7);
	gg_garden_free(g);
}

/* --- grace periods -------------------------------------------------------- */

/*
 * This thread plays an online reader that never reports a quiescent
 * state: deleted resources must then stay out of use (adds end in -EAGAIN
 * once the spares are spent), and come back after one quiescent state.
 */
static void
test_grace(void)
{
	struct gg_garden *g = mk("grace", 8, 8, 8);
	unsigned int tid = rte_lcore_id(), i, ok;
	uint32_t p = ip4(192, 0, 2, 0), a = ip4(100, 64, 0, 1);
	char name[32];
	int ret;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, TCP, 80, 80), 0);
	CU_ASSERT_EQUAL_FATAL(rte_rcu_qsbr_thread_register(qsv, tid), 0);
	rte_rcu_qsbr_thread_online(qsv, tid);

	/* Rule sets: every change retires one (8 rules + 8 spare sets). */
	for (i = 0, ret = 0; i < 100 && ret == 0; i++)
		ret = gg_garden_add_prefix(g, p, 24, UDP, (uint16_t)i,
				(uint16_t)i) == 0 ?
			gg_garden_del_prefix(g, p, 24, UDP, (uint16_t)i,
				(uint16_t)i) : -1;
	CU_ASSERT(i < 100);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, UDP, 999, 999),
			-EAGAIN);
	CU_ASSERT(m(g, ip4(192, 0, 2, 1), TCP, 80));	/* unharmed */

	/* Names: slots and hash positions. */
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "keep.example"), 0);
	for (i = 0, ret = 0; i < 100 && ret == 0; i++) {
		snprintf(name, sizeof(name), "g%u.example", i);
		ret = gg_garden_add_name(g, name);
		if (ret == 0)
			ret = gg_garden_del_name(g, name);
	}
	CU_ASSERT(i < 100);
	CU_ASSERT_EQUAL(ret, -EAGAIN);
	CU_ASSERT(mn(g, "www.keep.example"));

	/* Learned: hash positions. */
	for (i = 0, ret = 0; i < 100 && ret >= 0; i++) {
		ret = gg_garden_learn(g, 1, a, 60, NOW);
		if (ret >= 0)
			ret = gg_garden_unlearn(g, 1, a);
	}
	CU_ASSERT(i < 100);
	CU_ASSERT_EQUAL(ret, -EAGAIN);
	CU_ASSERT(counts(g).learn_refused >= 1);

	/* One quiescent state and everything works again. */
	rte_rcu_qsbr_quiescent(qsv, tid);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, p, 24, UDP, 999, 999), 0);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "again.example"), 0);
	CU_ASSERT_EQUAL(gg_garden_learn(g, 1, a, 60, NOW), GG_GARDEN_LEARN_NEW);
	for (i = 0, ok = 0; i < 1000; i++) {
		rte_rcu_qsbr_quiescent(qsv, tid);
		ok += gg_garden_del_prefix(g, p, 24, UDP, 999, 999) == 0 &&
			gg_garden_add_prefix(g, p, 24, UDP, 999, 999) == 0;
	}
	CU_ASSERT_EQUAL(ok, 1000);

	rte_rcu_qsbr_thread_offline(qsv, tid);
	rte_rcu_qsbr_thread_unregister(qsv, tid);
	gg_garden_free(g);
	/* Every defer queue was emptied by the free: the name is free. */
	g = mk("grace", 8, 8, 8);
	CU_ASSERT_PTR_NOT_NULL(g);
	gg_garden_free(g);
}

/* --- concurrent reader ---------------------------------------------------- */

#define CHURN_OPS 200000
#define N_CHURN_PFX 256
#define N_CHURN_NAMES 256
#define N_CHURN_LEARN 4096
#define READER_NOW 2000

struct ip_case {
	uint32_t scope;
	uint32_t ip;
	uint8_t proto;
	uint16_t port;
	bool expect;
};

struct name_case {
	const char *name;
	bool expect;
};

static struct ip_case ip_cases[64];
static unsigned int n_ip_cases;

static const struct name_case name_cases[] = {
	{ "portal.example", true },
	{ "www.portal.example", true },
	{ "WWW.PORTAL.EXAMPLE.", true },
	{ "badportal.example", false },
	{ "portal.example.evil.net", false },
	{ "ocsp.ca.example.net", true },
	{ "example.net", false },
	{ "www.example.net", false },
	{ "nochurn.example", false },
};

static void
ip_case(uint32_t scope, uint32_t ip, uint8_t proto, uint16_t port, bool expect)
{
	struct ip_case *c = &ip_cases[n_ip_cases++];

	c->scope = scope;
	c->ip = ip;
	c->proto = proto;
	c->port = port;
	c->expect = expect;
}

struct reader_ctx {
	struct gg_garden *g;
	unsigned int tid;
	bool stop;		/* atomic */
	uint64_t iters;		/* atomic */
	uint64_t errors;	/* atomic */
	uint64_t churn_name_hits;
	uint64_t first_error;	/* iteration of the first error, + 1 */
	unsigned int first_case;
};

static void
reader_error(struct reader_ctx *r, uint64_t it, unsigned int which)
{
	if (__atomic_load_n(&r->errors, __ATOMIC_RELAXED) == 0) {
		r->first_error = it + 1;
		r->first_case = which;
	}
	__atomic_fetch_add(&r->errors, 1, __ATOMIC_RELAXED);
}

static int
reader_main(void *arg)
{
	struct reader_ctx *r = arg;
	uint32_t sc[64], ips[64];
	uint8_t pr[64];
	uint16_t po[64];
	uint64_t it = 0, expect = 0, mask;
	char churn[32];
	unsigned int i;

	for (i = 0; i < n_ip_cases; i++) {
		sc[i] = ip_cases[i].scope;
		ips[i] = ip_cases[i].ip;
		pr[i] = ip_cases[i].proto;
		po[i] = ip_cases[i].port;
		if (ip_cases[i].expect)
			expect |= UINT64_C(1) << i;
	}
	if (rte_rcu_qsbr_thread_register(qsv, r->tid) != 0) {
		reader_error(r, 0, 999);
		return -1;
	}
	rte_rcu_qsbr_thread_online(qsv, r->tid);

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < n_ip_cases; i++)
			if (gg_garden_match_ip(r->g, sc[i], ips[i], pr[i],
					po[i], READER_NOW) !=
					ip_cases[i].expect)
				reader_error(r, it, i);
		mask = gg_garden_match_ip_bulk(r->g, sc, ips, pr, po,
				n_ip_cases, READER_NOW);
		if (mask != expect)
			reader_error(r, it, 100 + rte_bsf64(mask ^ expect));
		for (i = 0; i < RTE_DIM(name_cases); i++)
			if (mn(r->g, name_cases[i].name) !=
					name_cases[i].expect)
				reader_error(r, it, 200 + i);
		/* Churn names: any answer is right, but look them up. */
		snprintf(churn, sizeof(churn), "x.c%u.example",
				(unsigned int)(it % N_CHURN_NAMES));
		r->churn_name_hits += gg_garden_match_name(r->g, churn,
				strlen(churn));
		{
			uint8_t w[64];
			size_t wl;

			if (text_to_wire(churn, strlen(churn), w, &wl))
				r->churn_name_hits += gg_garden_match_wire(r->g,
						w, wl);
		}

		rte_rcu_qsbr_quiescent(qsv, r->tid);
		__atomic_store_n(&r->iters, ++it, __ATOMIC_RELEASE);
	}
	rte_rcu_qsbr_thread_offline(qsv, r->tid);
	rte_rcu_qsbr_thread_unregister(qsv, r->tid);
	return 0;
}

/* Churn prefix j: its own /20 in 172.16.0.0/12, depth 20..32. */
static void
churn_prefix(unsigned int j, uint32_t *ip, uint8_t *depth)
{
	*depth = 20 + j % 13;
	*ip = rte_cpu_to_be_32(0xac100000 | (j << 12));
}

/* Retry while every spare waits for the reader's grace period (<= 5 s). */
#define RETRY(call, ret) do { \
		uint64_t t_end_ = rte_get_timer_cycles() + \
			5 * rte_get_timer_hz(); \
		while (((ret) = (call)) == -EAGAIN && \
				rte_get_timer_cycles() < t_end_) { \
			waits++; \
			rte_pause(); \
		} \
	} while (0)

static void
test_concurrent_reader(void)
{
	struct gg_garden_params p = params("conc", 512, 512, 512);
	struct gg_garden *g;
	struct reader_ctx r;
	static bool pfx_live[N_CHURN_PFX], name_live[N_CHURN_NAMES];
	bool udp53 = false, deep = false;
	uint64_t it0, it1, t_end, waits = 0, wr_err = 0, now_w = NOW;
	uint64_t ops[7] = { 0 }, learned = 0, expired = 0;
	struct gg_garden_counts c;
	unsigned int lcore, i, j, k;
	char name[32];
	uint32_t ip;
	uint8_t depth;
	int ret;

	if (rte_lcore_count() < 2) {
		printf("\n  skipped: needs 2 lcores, have %u ",
				rte_lcore_count());
		return;
	}
	lcore = rte_get_next_lcore(-1, 1, 0);
	p.min_ttl = 1;
	p.max_ttl = 1000000000;
	g = gg_garden_create(&p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	memset(pfx_live, 0, sizeof(pfx_live));
	memset(name_live, 0, sizeof(name_live));

	/* The stable set and what the reader must answer for it. */
	n_ip_cases = 0;
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(10, 20, 0, 0), 16,
			TCP, 0, 65535), 0);
	ip_case(3, ip4(10, 20, 5, 7), TCP, 80, true);	/* tbl8 churn nearby */
	ip_case(3, ip4(10, 20, 5, 7), UDP, 53, false);
	ip_case(3, ip4(10, 20, 6, 1), TCP, 1, true);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(203, 0, 113, 0), 24,
			TCP, 443, 443), 0);
	ip_case(3, ip4(203, 0, 113, 9), TCP, 443, true);	/* set COW */
	ip_case(3, ip4(203, 0, 113, 9), TCP, 444, false);
	ip_case(3, ip4(203, 0, 113, 9), UDP, 54, false);
	CU_ASSERT_EQUAL(gg_garden_add_prefix(g, ip4(198, 51, 100, 7), 32,
			0, 0, 65535), 0);
	ip_case(GLOBAL, ip4(198, 51, 100, 7), ICMP, 0, true);
	ip_case(3, ip4(198, 51, 100, 8), TCP, 443, false);
	ip_case(3, ip4(172, 15, 255, 255), TCP, 443, false);
	for (i = 0; i < 16; i++) {
		CU_ASSERT_EQUAL(gg_garden_learn(g, 3, ip4(100, 64, 0, i),
				1000000000, NOW), GG_GARDEN_LEARN_NEW);
		CU_ASSERT_EQUAL(gg_garden_learn(g, GLOBAL, ip4(100, 64, 1, i),
				1000000000, NOW), GG_GARDEN_LEARN_NEW);
	}
	for (i = 0; i < 16; i += 3) {
		ip_case(3, ip4(100, 64, 0, i), UDP, 1, true);
		ip_case(4, ip4(100, 64, 0, i), UDP, 1, false);
		ip_case(GLOBAL, ip4(100, 64, 0, i), UDP, 1, false);
		ip_case(4, ip4(100, 64, 1, i), TCP, 1, true);
		ip_case(GLOBAL, ip4(100, 64, 1, i), TCP, 1, true);
	}
	ip_case(3, ip4(100, 64, 2, 1), TCP, 1, false);
	CU_ASSERT_FATAL(n_ip_cases <= 64);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "portal.example"), 0);
	CU_ASSERT_EQUAL(gg_garden_add_name(g, "ca.example.net"), 0);
	/* The reader's expectations hold before it starts. */
	for (i = 0; i < n_ip_cases; i++)
		CU_ASSERT_EQUAL(gg_garden_match_ip(g, ip_cases[i].scope,
				ip_cases[i].ip, ip_cases[i].proto,
				ip_cases[i].port, READER_NOW),
				ip_cases[i].expect);

	memset(&r, 0, sizeof(r));
	r.g = g;
	r.tid = lcore;
	CU_ASSERT_EQUAL_FATAL(rte_eal_remote_launch(reader_main, &r, lcore), 0);
	t_end = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (__atomic_load_n(&r.iters, __ATOMIC_ACQUIRE) == 0 &&
			rte_get_timer_cycles() < t_end)
		rte_pause();
	it0 = __atomic_load_n(&r.iters, __ATOMIC_ACQUIRE);

	for (i = 0; i < CHURN_OPS; i++) {
		k = (unsigned int)(rte_rand() % 16);
		if (k < 3) {			/* churn prefixes */
			j = (unsigned int)(rte_rand() % N_CHURN_PFX);
			churn_prefix(j, &ip, &depth);
			if (pfx_live[j])
				RETRY(gg_garden_del_prefix(g, ip, depth, 0, 0,
						65535), ret);
			else
				RETRY(gg_garden_add_prefix(g, ip, depth, 0, 0,
						65535), ret);
			if (ret == 0)
				pfx_live[j] = !pfx_live[j];
			else
				wr_err++;
			ops[0]++;
		} else if (k == 3) {		/* COW of a stable prefix */
			if (udp53)
				RETRY(gg_garden_del_prefix(g,
						ip4(203, 0, 113, 0), 24,
						UDP, 53, 53), ret);
			else
				RETRY(gg_garden_add_prefix(g,
						ip4(203, 0, 113, 0), 24,
						UDP, 53, 53), ret);
			if (ret == 0)
				udp53 = !udp53;
			else
				wr_err++;
			ops[1]++;
		} else if (k == 4) {		/* tbl8 under a stable /16 */
			if (deep)
				RETRY(gg_garden_del_prefix(g,
						ip4(10, 20, 5, 128), 25,
						UDP, 53, 53), ret);
			else
				RETRY(gg_garden_add_prefix(g,
						ip4(10, 20, 5, 128), 25,
						UDP, 53, 53), ret);
			if (ret == 0)
				deep = !deep;
			else
				wr_err++;
			ops[2]++;
		} else if (k < 7) {		/* names */
			j = (unsigned int)(rte_rand() % N_CHURN_NAMES);
			snprintf(name, sizeof(name), j % 2 ? "c%u.example" :
					"c%u.portal.example", j);
			if (name_live[j])
				RETRY(gg_garden_del_name(g, name), ret);
			else
				RETRY(gg_garden_add_name(g, name), ret);
			if (ret == 0)
				name_live[j] = !name_live[j];
			else
				wr_err++;
			ops[3]++;
		} else if (k < 15) {		/* learn */
			j = (unsigned int)(rte_rand() % N_CHURN_LEARN);
			RETRY(gg_garden_learn(g, j % 5 == 0 ? GLOBAL : j % 16,
					ip4(100, 127, j >> 8, j & 0xff),
					1 + (uint32_t)(rte_rand() % 200),
					now_w), ret);
			if (ret < 0)
				wr_err++;
			learned++;
			ops[4]++;
		} else {			/* time passes; expire */
			now_w += 1;
			expired += gg_garden_expire(g, now_w, 32);
			ops[5]++;
		}
	}
	it1 = __atomic_load_n(&r.iters, __ATOMIC_ACQUIRE);
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	CU_ASSERT_EQUAL(rte_eal_wait_lcore(lcore), 0);

	c = counts(g);
	printf("\n  writer: %" PRIu64 " prefix, %" PRIu64 " COW, %" PRIu64
			" tbl8, %" PRIu64 " name changes, %" PRIu64
			" learns (%" PRIu64 " evictions), %" PRIu64
			" expired in %" PRIu64 " expire calls, %" PRIu64
			" -EAGAIN waits; reader: %" PRIu64 " rounds during "
			"churn, %" PRIu64 " churn name hits, %" PRIu64
			" errors ", ops[0], ops[1], ops[2], ops[3], learned,
			c.learn_evicted, expired, ops[5], waits, it1 - it0,
			r.churn_name_hits, r.errors);
	if (r.errors != 0)
		printf("(first in round %" PRIu64 ", case %u) ",
				r.first_error - 1, r.first_case);
	CU_ASSERT_EQUAL(wr_err, 0);
	CU_ASSERT_EQUAL(r.errors, 0);
	CU_ASSERT(it0 > 0);
	CU_ASSERT(it1 - it0 >= 10);
	CU_ASSERT(expired > 0);
	CU_ASSERT(c.learn_evicted > 0);

	/* The writer's view matches what it did. */
	for (j = 0, ret = 0; j < N_CHURN_PFX; j++) {
		churn_prefix(j, &ip, &depth);
		ret += m(g, ip, TCP, 1) != pfx_live[j];
	}
	CU_ASSERT_EQUAL(ret, 0);
	for (j = 0, ret = 0; j < N_CHURN_NAMES; j++) {
		snprintf(name, sizeof(name), j % 2 ? "c%u.example" :
				"c%u.portal.example", j);
		ret += mn(g, name) != (name_live[j] || j % 2 == 0);
	}
	CU_ASSERT_EQUAL(ret, 0);
	for (i = 0; i < n_ip_cases; i++)
		CU_ASSERT_EQUAL(gg_garden_match_ip(g, ip_cases[i].scope,
				ip_cases[i].ip, ip_cases[i].proto,
				ip_cases[i].port, READER_NOW),
				ip_cases[i].expect);
	CU_ASSERT(c.learned <= 512);
	gg_garden_free(g);
}

/* --- memory and cycles (information) -------------------------------------- */

static size_t
garden_bytes(const char *name, uint32_t rules, uint32_t names,
		uint32_t learned)
{
	size_t before = test_heap_allocated(), after;
	struct gg_garden *g = mk(name, rules, names, learned);

	if (g == NULL)
		return 0;
	after = test_heap_allocated();
	gg_garden_free(g);
	return after - before;
}

static void
test_memory(void)
{
	const uint32_t big = 1 << 16, lbig = 1 << 20;
	size_t base, r, n, l;

	base = garden_bytes("mem0", 1, 1, 1);
	r = garden_bytes("memr", big, 1, 1);
	n = garden_bytes("memn", 1, big, 1);
	l = garden_bytes("meml", 1, 1, lbig);
	CU_ASSERT(base > 0 && r > base && n > base && l > base);
	printf("\n  fixed %.1f MiB (rte_lpm tbl24); per rule %.0f B "
			"(at %u), per name %.0f B (at %u), per learned "
			"entry %.0f B (at %u) ", base / 1048576.0,
			(double)(r - base) / (big - 1), big,
			(double)(n - base) / (big - 1), big,
			(double)(l - base) / (lbig - 1), lbig);
}

#define PERF_Q 4096
#define PERF_LOOPS 2000000

static void
test_perf(void)
{
	struct gg_garden_params p = params("perf", 1024, 1024, 100000);
	static uint32_t q_ip[4][PERF_Q], q_sc[4][PERF_Q];
	static uint8_t q_pr[PERF_Q];
	static uint16_t q_po[PERF_Q];
	static uint32_t stat_ip[1000];
	static char names_hit[PERF_Q][64], names_miss[PERF_Q][64];
	static char names_deep[PERF_Q][64];
	static const char *kind[4] = {
		"static hit", "learned (session) hit", "learned (global) hit",
		"miss (all three tables)",
	};
	struct gg_garden *g;
	uint64_t c0, c1, hits;
	unsigned int i, k, s;
	size_t before, bytes;

	p.min_ttl = 1;
	p.max_ttl = 1000000;
	before = test_heap_allocated();
	g = gg_garden_create(&p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	bytes = test_heap_allocated() - before;

	/* 1000 prefixes /16../32 in 11.0.0.0/8, one rule each. */
	for (i = 0; i < 1000; ) {
		uint8_t depth = 16 + (uint8_t)(rte_rand() % 17);
		uint32_t ip = (0x0b000000 | (uint32_t)(rte_rand() & 0xffffff)) &
			~(depth == 32 ? 0 : UINT32_MAX >> depth);

		if (gg_garden_add_prefix(g, rte_cpu_to_be_32(ip), depth, 0,
				0, 65535) == 0)
			stat_ip[i++] = ip;
	}
	/* 1000 names. */
	for (i = 0; i < 1000; i++) {
		char nm[64];

		snprintf(nm, sizeof(nm), "svc%u.garden%u.example", i, i % 37);
		CU_ASSERT_EQUAL(gg_garden_add_name(g, nm), 0);
	}
	/* 100000 learned: 60% per-session (1000 sessions), 40% global. */
	for (i = 0; i < 100000; i++)
		CU_ASSERT(gg_garden_learn(g, i % 5 < 2 ? GLOBAL : i % 1000,
				rte_cpu_to_be_32(0x64400000 + i), 3600, NOW)
				== GG_GARDEN_LEARN_NEW);

	for (i = 0; i < PERF_Q; i++) {
		uint32_t li = (uint32_t)(rte_rand() % 100000);
		uint32_t host = (uint32_t)(rte_rand() & 0xff);

		/* A static hit: an address inside a random prefix. */
		q_ip[0][i] = rte_cpu_to_be_32(stat_ip[rte_rand() % 1000]);
		q_sc[0][i] = 1;
		/* Learned: pick entries of each scope kind. */
		while (li % 5 < 2)
			li = (uint32_t)(rte_rand() % 100000);
		q_ip[1][i] = rte_cpu_to_be_32(0x64400000 + li);
		q_sc[1][i] = li % 1000;
		while (li % 5 >= 2)
			li = (uint32_t)(rte_rand() % 100000);
		q_ip[2][i] = rte_cpu_to_be_32(0x64400000 + li);
		q_sc[2][i] = (uint32_t)(rte_rand() % 1000);
		/* Miss: outside every table, a session with entries. */
		q_ip[3][i] = rte_cpu_to_be_32(0xc6120000 | host << 8 | host);
		q_sc[3][i] = (uint32_t)(rte_rand() % 1000);
		q_pr[i] = TCP;
		q_po[i] = 443;
		k = (unsigned int)(rte_rand() % 1000);
		snprintf(names_hit[i], 64, "www.svc%u.garden%u.example", k,
				k % 37);
		snprintf(names_miss[i], 64, "www.site%u.example", k);
		snprintf(names_deep[i], 64, "a.b.c.d.e.cdn%u.site.example.net",
				k);
	}

	printf("\n  1k rules, 1k names, 100k learned (%.1f MiB), cycles per "
			"match:", bytes / 1048576.0);
	for (s = 0; s < 4; s++) {
		hits = 0;
		c0 = rte_rdtsc_precise();
		for (i = 0; i < PERF_LOOPS; i++) {
			k = i & (PERF_Q - 1);
			hits += gg_garden_match_ip(g, q_sc[s][k], q_ip[s][k],
					TCP, 443, NOW);
		}
		c1 = rte_rdtsc_precise();
		CU_ASSERT_EQUAL(hits, s < 3 ? PERF_LOOPS : 0);
		printf("\n    match_ip %-24s %6.1f", kind[s],
				(double)(c1 - c0) / PERF_LOOPS);
	}
	for (s = 0; s < 4; s++) {
		uint64_t mask;

		hits = 0;
		c0 = rte_rdtsc_precise();
		for (i = 0; i < PERF_LOOPS / 32; i++) {
			k = (i * 32) & (PERF_Q - 1);
			mask = gg_garden_match_ip_bulk(g, &q_sc[s][k],
					&q_ip[s][k], &q_pr[k], &q_po[k], 32,
					NOW);
			hits += (uint64_t)__builtin_popcountll(mask);
		}
		c1 = rte_rdtsc_precise();
		CU_ASSERT_EQUAL(hits, s < 3 ? PERF_LOOPS / 32 * 32 : 0);
		printf("\n    match_ip_bulk(32) %-17s %6.1f per packet",
				kind[s], (double)(c1 - c0) / (PERF_LOOPS / 32 * 32));
	}
	{
		static const char *nk[3] = { "hit, 4 labels",
			"miss, 3 labels", "miss, 9 labels" };
		char (*nq[3])[64] = { names_hit, names_miss, names_deep };
		static uint8_t wq[3][PERF_Q][66];
		size_t len[3][PERF_Q], wlen[3][PERF_Q];

		for (s = 0; s < 3; s++)
			for (i = 0; i < PERF_Q; i++) {
				len[s][i] = strlen(nq[s][i]);
				CU_ASSERT(text_to_wire(nq[s][i], len[s][i],
						wq[s][i], &wlen[s][i]));
			}
		for (s = 0; s < 3; s++) {
			hits = 0;
			c0 = rte_rdtsc_precise();
			for (i = 0; i < PERF_LOOPS / 4; i++) {
				k = i & (PERF_Q - 1);
				hits += gg_garden_match_name(g, nq[s][k],
						len[s][k]);
			}
			c1 = rte_rdtsc_precise();
			CU_ASSERT_EQUAL(hits, s == 0 ? PERF_LOOPS / 4 : 0);
			printf("\n    match_name %-18s %6.1f", nk[s],
					(double)(c1 - c0) / (PERF_LOOPS / 4));
		}
		for (s = 0; s < 3; s++) {
			hits = 0;
			c0 = rte_rdtsc_precise();
			for (i = 0; i < PERF_LOOPS / 4; i++) {
				k = i & (PERF_Q - 1);
				hits += gg_garden_match_wire(g, wq[s][k],
						wlen[s][k]);
			}
			c1 = rte_rdtsc_precise();
			CU_ASSERT_EQUAL(hits, s == 0 ? PERF_LOOPS / 4 : 0);
			printf("\n    match_wire %-18s %6.1f", nk[s],
					(double)(c1 - c0) / (PERF_LOOPS / 4));
		}
	}
	/* The control side, for scale. */
	c0 = rte_rdtsc_precise();
	for (i = 0; i < 100000; i++)
		gg_garden_learn(g, i % 5 < 2 ? GLOBAL : i % 1000,
				rte_cpu_to_be_32(0x64400000 + i), 7200, NOW);
	c1 = rte_rdtsc_precise();
	printf("\n    learn (refresh)                 %6.1f",
			(double)(c1 - c0) / 100000);
	c0 = rte_rdtsc_precise();
	hits = gg_garden_expire(g, NOW + 7200, 100000);
	c1 = rte_rdtsc_precise();
	CU_ASSERT_EQUAL(hits, 100000);
	printf("\n    expire                          %6.1f per entry ",
			(double)(c1 - c0) / 100000);
	gg_garden_free(g);
}

/* Every mn() of the tests above also asked the wire matcher. */
static void
test_wire_agreed(void)
{
	printf("\n    %" PRIu64 " text names also matched in wire form ",
			__atomic_load_n(&wire_checked, __ATOMIC_RELAXED));
	CU_ASSERT(__atomic_load_n(&wire_checked, __ATOMIC_RELAXED) > 1000);
	CU_ASSERT_EQUAL(__atomic_load_n(&wire_disagreed, __ATOMIC_RELAXED), 0);
}

/* --- main ----------------------------------------------------------------- */

int
main(void)
{
	static const struct test_case tests[] = {
		{ "create: bad parameters", test_create_bad_params },
		{ "prefix: match and miss", test_prefix_match },
		{ "prefix: ports and protocols", test_ports_proto },
		{ "prefix: longer prefix shadows", test_shadowing },
		{ "prefix: delete, capacity", test_prefix_delete },
		{ "names: suffix match, edge cases", test_names },
		{ "names: 253 characters, 127 labels", test_names_long },
		{ "names: capacity, recycling", test_names_capacity },
		{ "names: wire form, hostile wire forms", test_names_wire },
		{ "names: wire == text on a fuzzed corpus", test_names_wire_fuzz },
		{ "names: 3000 names through the filter", test_names_filter },
		{ "learned: session vs global scope", test_learn_scope },
		{ "learned: TTL clamp, exact expiry", test_learn_ttl },
		{ "learned: refresh", test_learn_refresh },
		{ "learned: full table, evict or refuse", test_learn_full },
		{ "learned: incremental expire", test_expire_incremental },
		{ "learned: forget a scope", test_forget },
		{ "names: the longest match's scope, for answers not learned yet",
			test_match_wire_scope },
		{ "learned: name scopes, per-session cap, name delete",
			test_learn_name_scope },
		{ "rule parser and formatter", test_parse },
		{ "walk", test_walk },
		{ "bulk == single", test_bulk },
		{ "RCU grace periods gate reuse", test_grace },
		{ "concurrent RCU reader", test_concurrent_reader },
		{ "memory per entry (information)", test_memory },
		{ "cycles per match (information)", test_perf },
		{ "names: wire == text on every name above", test_wire_agreed },
	};
	int rc;

	qsv = test_eal_init("garden");
	if (qsv == NULL)
		return 1;
	rc = test_cunit_main("garden", NULL, NULL, TEST_CASES(tests));
	rte_free(qsv);
	rte_eal_cleanup();
	return rc;
}
