/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A limiter for log lines, as syslog daemons have: a line identical to
 * the last one written is counted instead of written, and shown again
 * (after "last message repeated N times") at most once per repeat
 * interval; other lines pass at most @c burst per @c period, and what
 * the rate dropped is announced with the next line that passes.
 *
 * The caller gives the clock (seconds, any origin, not decreasing) and an
 * emit function that writes one line; nothing here allocates, reads a
 * clock or writes. Not thread-safe: the caller serialises (gardengate's
 * log stream runs under its FILE's lock).
 */
#ifndef GG_LOGRL_H
#define GG_LOGRL_H

#include <stddef.h>
#include <stdint.h>

/** Lines longer than this are compared on their first GG_LOGRL_LINE_MAX octets. */
#define GG_LOGRL_LINE_MAX 512

typedef void (*gg_logrl_emit)(void *arg, const char *line, size_t len);

struct gg_logrl {
	double repeat_s;        /* identical line: shown at most once per this */
	double period_s;        /* rate window */
	unsigned int burst;     /* lines per window */
	unsigned int in_window; /* lines written in the current window */
	double window_start;
	double last_time;       /* when the last line was written */
	uint64_t repeats;       /* identical lines held back since */
	uint64_t rate_dropped;  /* lines the rate dropped since the last note */
	uint64_t total_suppressed; /* both, since init (for tests and stats) */
	size_t last_len;
	char last[GG_LOGRL_LINE_MAX];
};

/** @p burst lines per @p period_s; one identical line per @p repeat_s. */
void gg_logrl_init(struct gg_logrl *r, unsigned int burst, double period_s,
		double repeat_s);

/**
 * One line (@p len octets, without its newline) at time @p now: calls
 * @p emit for what is to be written, in order (a note about held-back
 * lines, then the line), or not at all.
 */
void gg_logrl_line(struct gg_logrl *r, const char *line, size_t len,
		double now, gg_logrl_emit emit, void *arg);

/** Write the note about lines held back, if any (at exit). */
void gg_logrl_flush(struct gg_logrl *r, gg_logrl_emit emit, void *arg);

#endif /* GG_LOGRL_H */
