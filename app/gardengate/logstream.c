/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_log's stream (rte_openlog_stream()): every DPDK and gardengate log
 * line goes through here to standard error, where systemd's journal takes
 * it when gardengate runs as a service (config/gardengate.service).
 *
 *  - Priorities: when standard error is the journal (systemd sets
 *    JOURNAL_STREAM to its device and inode), each line starts with the
 *    "<N>" prefix of sd-daemon(3), N = the rte_log level - 1 (RTE_LOG_ERR
 *    4 -> LOG_ERR 3), so `journalctl -p err` selects what rte_log called
 *    an error. Otherwise lines are written as they are.
 *  - Repeated lines: lib/metrics' limiter (gg_logrl.h) holds back a line
 *    identical to the last one for REPEAT_S, and lets at most BURST lines
 *    through per PERIOD_S; what it held back is announced with the next
 *    line written.
 *
 * Locking: rte_log writes under the FILE's lock (glibc locks each stdio
 * call on a stream), so the cookie functions never run concurrently; a
 * log call from any thread (control lcore, telemetry, metrics) is safe.
 * Workers never log. Cost: one write(2) per line, as before.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_log.h>

#include "gg_logrl.h"
#include "ops.h"

#define BURST 200     /* lines per PERIOD_S */
#define PERIOD_S 1.0
#define REPEAT_S 10.0 /* an identical line at most once per this */
#define PARTIAL_MAX 4096

static FILE *log_stream;
static struct gg_logrl log_rl;
static bool log_journal;
static char partial[PARTIAL_MAX];  /* a line not yet ended by '\n' */
static size_t partial_len;

/* Is fd 2 the stream systemd named in JOURNAL_STREAM ("DEV:INODE")? */
static bool
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
			fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
		(unsigned long long)st.st_ino == ino;
}

static void
write_all(const char *p, size_t n)
{
	/* Bounded: each round writes something or gives up. */
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void
emit(void *arg, const char *line, size_t len)
{
	char buf[PARTIAL_MAX + 16];
	int level = *(const int *)arg;
	size_t n = 0;

	if (log_journal && level >= (int)RTE_LOG_EMERG && level <= (int)RTE_LOG_DEBUG)
		n = (size_t)snprintf(buf, sizeof(buf), "<%d>", level - 1);
	if (len > sizeof(buf) - n - 1)
		len = sizeof(buf) - n - 1;
	memcpy(buf + n, line, len);
	n += len;
	buf[n++] = '\n';
	write_all(buf, n);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static ssize_t
stream_write(void *cookie, const char *buf, size_t size)
{
	int level = rte_log_cur_msg_loglevel();
	double now = now_s();
	size_t i;

	for (i = 0; i < size; i++) {
		if (buf[i] != '\n') {
			if (partial_len < sizeof(partial))
				partial[partial_len++] = buf[i];
			continue;
		}
		gg_logrl_line(&log_rl, partial, partial_len, now, emit, &level);
		partial_len = 0;
	}
	return (ssize_t)size;
}

static int
stream_close(void *cookie)
{
	int level = RTE_LOG_NOTICE;

	if (partial_len > 0)
		gg_logrl_line(&log_rl, partial, partial_len, now_s(), emit, &level);
	partial_len = 0;
	gg_logrl_flush(&log_rl, emit, &level);
	return 0;
}

void
gg_logstream_open(void)
{
	static const cookie_io_functions_t io = {
		.write = stream_write,
		.close = stream_close,
	};

	log_journal = stderr_is_journal();
	gg_logrl_init(&log_rl, BURST, PERIOD_S, REPEAT_S);
	log_stream = fopencookie(NULL, "w", io);
	if (log_stream == NULL) {
		rte_openlog_stream(stderr);
		return;
	}
	/* rte_vlog() flushes after each message; no buffering of our own. */
	setvbuf(log_stream, NULL, _IOLBF, 0);
	rte_openlog_stream(log_stream);
}

void
gg_logstream_close(void)
{
	if (log_stream == NULL)
		return;
	rte_openlog_stream(stderr);
	fclose(log_stream);
	log_stream = NULL;
}
