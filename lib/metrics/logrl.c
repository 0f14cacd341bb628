/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The log line limiter (gg_logrl.h). Cost per line: one memcmp of at
 * most GG_LOGRL_LINE_MAX octets against the last line written.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gg_logrl.h"

void
gg_logrl_init(struct gg_logrl *r, unsigned int burst, double period_s,
		double repeat_s)
{
	memset(r, 0, sizeof(*r));
	r->burst = burst > 0 ? burst : 1;
	r->period_s = period_s;
	r->repeat_s = repeat_s;
	r->window_start = -1e300;
	r->last_time = -1e300;
}

static void
note(struct gg_logrl *r, gg_logrl_emit emit, void *arg)
{
	char text[GG_LOGRL_LINE_MAX + 96];
	int n;

	if (r->repeats > 0) {
		n = snprintf(text, sizeof(text),
			"last message repeated %" PRIu64 " times: %.*s",
			r->repeats, (int)r->last_len, r->last);
		emit(arg, text, (size_t)n < sizeof(text) ? (size_t)n :
				sizeof(text) - 1);
		r->repeats = 0;
	}
	if (r->rate_dropped > 0) {
		n = snprintf(text, sizeof(text),
			"%" PRIu64 " log messages suppressed (more than %u in %g s)",
			r->rate_dropped, r->burst, r->period_s);
		emit(arg, text, (size_t)n);
		r->rate_dropped = 0;
	}
}

void
gg_logrl_line(struct gg_logrl *r, const char *line, size_t len, double now,
		gg_logrl_emit emit, void *arg)
{
	size_t cmp = len < GG_LOGRL_LINE_MAX ? len : GG_LOGRL_LINE_MAX;
	bool same = cmp == r->last_len && memcmp(line, r->last, cmp) == 0;

	if (same && now - r->last_time < r->repeat_s) {
		r->repeats++;
		r->total_suppressed++;
		return;
	}
	if (now - r->window_start >= r->period_s) {
		r->window_start = now;
		r->in_window = 0;
	}
	if (r->in_window >= r->burst) {
		r->rate_dropped++;
		r->total_suppressed++;
		return;
	}
	r->in_window++;
	note(r, emit, arg);
	emit(arg, line, len);
	memcpy(r->last, line, cmp);
	r->last_len = cmp;
	r->last_time = now;
}

void
gg_logrl_flush(struct gg_logrl *r, gg_logrl_emit emit, void *arg)
{
	note(r, emit, arg);
}
