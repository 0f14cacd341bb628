/* SPDX-License-Identifier: BSD-3-Clause */
/* CUnit suite for lib/evloop: descriptor readiness, timers, re-arming and
 * removal from inside callbacks. Uses real pipes and the real clock. */
#include <stdlib.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "gg_evloop.h"
#include "test_cunit.h"

static int reads;
static int fired[4];

static void
on_read(struct gg_evloop *loop, int fd, unsigned int events, void *arg)
{
	char buf[16];

	CU_ASSERT(events & GG_EV_READ);
	CU_ASSERT(read(fd, buf, sizeof(buf)) > 0);
	reads++;
	if (arg != NULL)
		gg_evloop_unwatch(loop, fd);
}

static uint64_t
on_timer(struct gg_evloop *loop, void *arg)
{
	int i = (int)(intptr_t)arg;

	(void)loop;
	fired[i]++;
	return i == 2 && fired[i] < 3 ? 1 : 0; /* timer 2 re-arms twice */
}

static void
run_for_ms(struct gg_evloop *loop, uint64_t ms)
{
	uint64_t end = gg_evloop_now_ms() + ms;

	while (gg_evloop_now_ms() < end)
		gg_evloop_run_once(loop, 1);
}

static void
test_fd_readiness(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	int p[2];

	CU_ASSERT_FATAL(loop != NULL);
	CU_ASSERT_FATAL(pipe(p) == 0);
	reads = 0;
	CU_ASSERT(gg_evloop_watch(loop, p[0], GG_EV_READ, on_read, NULL) == 0);
	CU_ASSERT(gg_evloop_run_once(loop, 0) == 0);
	CU_ASSERT(write(p[1], "x", 1) == 1);
	CU_ASSERT(gg_evloop_run_once(loop, 100) == 1);
	CU_ASSERT(reads == 1);
	/* Replacing a watch keeps one registration; the arg now asks the
	 * callback to unwatch itself. */
	CU_ASSERT(gg_evloop_watch(loop, p[0], GG_EV_READ, on_read, (void *)1) == 0);
	CU_ASSERT(write(p[1], "y", 1) == 1);
	CU_ASSERT(gg_evloop_run_once(loop, 100) == 1);
	CU_ASSERT(write(p[1], "z", 1) == 1);
	CU_ASSERT(gg_evloop_run_once(loop, 20) == 0);
	CU_ASSERT(reads == 2);
	CU_ASSERT(gg_evloop_watch(loop, -1, GG_EV_READ, on_read, NULL) != 0);
	close(p[0]);
	close(p[1]);
	gg_evloop_free(loop);
}

static void
test_timers(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	long t3;

	CU_ASSERT_FATAL(loop != NULL);
	fired[0] = fired[1] = fired[2] = fired[3] = 0;
	CU_ASSERT(gg_evloop_timer(loop, 0, on_timer, (void *)0) > 0);
	CU_ASSERT(gg_evloop_timer(loop, 30, on_timer, (void *)1) > 0);
	CU_ASSERT(gg_evloop_timer(loop, 1, on_timer, (void *)2) > 0);
	t3 = gg_evloop_timer(loop, 5, on_timer, (void *)3);
	gg_evloop_timer_cancel(loop, t3);
	run_for_ms(loop, 10);
	CU_ASSERT(fired[0] == 1);
	CU_ASSERT(fired[1] == 0); /* not due yet */
	CU_ASSERT(fired[2] == 3); /* ran, re-armed twice, stopped */
	CU_ASSERT(fired[3] == 0); /* cancelled */
	run_for_ms(loop, 40);
	CU_ASSERT(fired[1] == 1);
	CU_ASSERT(fired[0] == 1 && fired[2] == 3);
	gg_evloop_free(loop);
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "fd readiness", test_fd_readiness },
		{ "timers", test_timers },
	};

	return test_cunit_main("evloop", NULL, NULL, TEST_CASES(tests));
}
