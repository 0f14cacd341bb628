/* SPDX-License-Identifier: BSD-3-Clause */
/* CUnit suite for lib/pool: allocation order, exhaustion, reservation,
 * release and reuse, edge prefixes. */
#include <arpa/inet.h>
#include <errno.h>

#include <CUnit/Basic.h>

#include "gg_pool.h"
#include "test_cunit.h"

static uint32_t
ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void
test_exhaustion(void)
{
	struct gg_ip_pool *p = gg_ip_pool_create(ip("10.45.0.0"), 29);
	uint32_t a, seen = 0;
	int i;

	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_EQUAL(gg_ip_pool_size(p), 6); /* .1 .. .6 */
	for (i = 0; i < 6; i++) {
		CU_ASSERT_EQUAL(gg_ip_pool_alloc(p, &a), 0);
		CU_ASSERT(a != ip("10.45.0.0") && a != ip("10.45.0.7"));
		CU_ASSERT(gg_ip_pool_contains(p, a));
		seen |= 1u << (ntohl(a) & 7);
	}
	CU_ASSERT_EQUAL(seen, 0x7e);
	CU_ASSERT_EQUAL(gg_ip_pool_alloc(p, &a), -ENOSPC);
	CU_ASSERT_EQUAL(gg_ip_pool_used(p), 6);
	/* Freed addresses come back, and only those. */
	CU_ASSERT_EQUAL(gg_ip_pool_release(p, ip("10.45.0.3")), 0);
	CU_ASSERT_EQUAL(gg_ip_pool_release(p, ip("10.45.0.3")), -ENOENT);
	CU_ASSERT_EQUAL(gg_ip_pool_alloc(p, &a), 0);
	CU_ASSERT_EQUAL(a, ip("10.45.0.3"));
	CU_ASSERT_EQUAL(gg_ip_pool_alloc(p, &a), -ENOSPC);
	gg_ip_pool_free(p);
}

static void
test_reserve_and_rotation(void)
{
	struct gg_ip_pool *p = gg_ip_pool_create(ip("10.45.1.77"), 24);
	uint32_t a, b;

	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_EQUAL(gg_ip_pool_size(p), 254);
	CU_ASSERT_EQUAL(gg_ip_pool_reserve(p, ip("10.45.1.1")), 0);
	CU_ASSERT_EQUAL(gg_ip_pool_reserve(p, ip("10.45.1.1")), -EEXIST);
	CU_ASSERT_EQUAL(gg_ip_pool_reserve(p, ip("10.45.1.0")), -ERANGE);
	CU_ASSERT_EQUAL(gg_ip_pool_reserve(p, ip("10.45.1.255")), -ERANGE);
	CU_ASSERT_EQUAL(gg_ip_pool_reserve(p, ip("10.45.2.1")), -ERANGE);
	CU_ASSERT_FALSE(gg_ip_pool_contains(p, ip("10.45.2.1")));
	CU_ASSERT_EQUAL(gg_ip_pool_alloc(p, &a), 0);
	CU_ASSERT_EQUAL(a, ip("10.45.1.2")); /* .1 is reserved */
	/* A released address is not handed out again at once. */
	CU_ASSERT_EQUAL(gg_ip_pool_release(p, a), 0);
	CU_ASSERT_EQUAL(gg_ip_pool_alloc(p, &b), 0);
	CU_ASSERT_EQUAL(b, ip("10.45.1.3"));
	CU_ASSERT_EQUAL(gg_ip_pool_used(p), 2);
	gg_ip_pool_free(p);
}

static void
test_edges(void)
{
	struct gg_ip_pool *p;
	uint32_t a;

	CU_ASSERT(gg_ip_pool_create(ip("10.0.0.0"), 7) == NULL);
	CU_ASSERT(gg_ip_pool_create(ip("10.0.0.0"), 33) == NULL);
	p = gg_ip_pool_create(ip("10.0.0.9"), 32);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_EQUAL(gg_ip_pool_alloc(p, &a), 0);
	CU_ASSERT_EQUAL(a, ip("10.0.0.9"));
	CU_ASSERT_EQUAL(gg_ip_pool_alloc(p, &a), -ENOSPC);
	gg_ip_pool_free(p);
	p = gg_ip_pool_create(ip("10.0.0.0"), 8);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_EQUAL(gg_ip_pool_size(p), (1u << 24) - 2);
	gg_ip_pool_free(p);
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "exhaustion", test_exhaustion },
		{ "reserve and rotation", test_reserve_and_rotation },
		{ "edges", test_edges },
	};

	return test_cunit_main("pool", NULL, NULL, TEST_CASES(tests));
}
