/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CUnit driver every unit test shares: a suite is a table of named
 * test functions; running the registry counts as failed any failed
 * assertion, any suite whose init failed (CUnit then runs none of its
 * tests, which would otherwise pass silently) and any CUnit error, and
 * prints why.
 */
#ifndef TEST_CUNIT_H
#define TEST_CUNIT_H

#include <stddef.h>
#include <stdio.h>

#include <CUnit/Basic.h>

struct test_case {
	const char *name;
	CU_TestFunc fn;
};

#define TEST_CASES(t) (t), (sizeof(t) / sizeof((t)[0]))

/* Add the @p n tests of @p t to @p suite; 0, or -1 after saying why. */
static inline int
test_cunit_extend(CU_pSuite suite, const struct test_case *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (CU_add_test(suite, t[i].name, t[i].fn) == NULL) {
			fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
			return -1;
		}
	}
	return 0;
}

/* Add suite @p name with the @p n tests of @p t; NULL after saying why. */
static inline CU_pSuite
test_cunit_add(const char *name, CU_InitializeFunc init,
		CU_CleanupFunc cleanup, const struct test_case *t, size_t n)
{
	CU_pSuite suite;

	if (CU_get_registry() == NULL &&
			CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
		return NULL;
	}
	suite = CU_add_suite(name, init, cleanup);
	if (suite == NULL) {
		fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
		return NULL;
	}
	return test_cunit_extend(suite, t, n) == 0 ? suite : NULL;
}

/* Run every suite added, free the registry; the process exit status. */
static inline int
test_cunit_run(void)
{
	unsigned int failures;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS) {
		fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 1;
	}
	failures = CU_get_number_of_failures() +
		CU_get_number_of_suites_failed();
	printf("\n%u assertions, %u failed; %u suites failed to start\n",
			CU_get_number_of_asserts(), CU_get_number_of_failures(),
			CU_get_number_of_suites_failed());
	CU_cleanup_registry();
	return failures != 0;
}

/* One suite: add it and run it; the process exit status. */
static inline int
test_cunit_main(const char *name, CU_InitializeFunc init,
		CU_CleanupFunc cleanup, const struct test_case *t, size_t n)
{
	if (test_cunit_add(name, init, cleanup, t, n) == NULL) {
		if (CU_get_registry() != NULL)
			CU_cleanup_registry();
		return 1;
	}
	return test_cunit_run();
}

#endif /* TEST_CUNIT_H */
