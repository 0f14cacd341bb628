/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control lcore's event loop: file descriptors (epoll) and timers,
 * run one round at a time between the control lcore's other duties.
 *
 * Everything here belongs to one thread (the control lcore); no function is
 * thread-safe. Callbacks run inside gg_evloop_run_once() and may add or
 * remove descriptors and timers, including their own.
 *
 * Cost: one epoll_wait per round, plus a scan of the timers (a small
 * unsorted array: the control lcore keeps tens of timers, not thousands).
 */
#ifndef GG_EVLOOP_H
#define GG_EVLOOP_H

#include <stdint.h>

struct gg_evloop;

/** Readiness bits, as epoll's. */
#define GG_EV_READ 0x1
#define GG_EV_WRITE 0x4

typedef void (*gg_fd_cb)(struct gg_evloop *loop, int fd, unsigned int events,
		void *arg);
/** A timer callback; return the delay in ms to run again, or 0 to stop. */
typedef uint64_t (*gg_timer_cb)(struct gg_evloop *loop, void *arg);

/** Create a loop; NULL with errno set on failure. */
struct gg_evloop *gg_evloop_create(void);
/** Free the loop (descriptors are not closed). NULL is a no-op. */
void gg_evloop_free(struct gg_evloop *loop);

/** Watch @p fd for @p events (GG_EV_*), replacing an earlier watch. */
int gg_evloop_watch(struct gg_evloop *loop, int fd, unsigned int events,
		gg_fd_cb cb, void *arg);
/** Stop watching @p fd (call before closing it). */
void gg_evloop_unwatch(struct gg_evloop *loop, int fd);

/** Run @p cb after @p delay_ms. Returns a timer id (> 0) or -1. */
long gg_evloop_timer(struct gg_evloop *loop, uint64_t delay_ms, gg_timer_cb cb,
		void *arg);
/** Cancel a timer; unknown ids are ignored. */
void gg_evloop_timer_cancel(struct gg_evloop *loop, long id);

/**
 * Run the callbacks of ready descriptors and due timers, waiting at most
 * @p timeout_ms (0: do not wait) for something to happen. Returns how many
 * callbacks ran.
 */
int gg_evloop_run_once(struct gg_evloop *loop, int timeout_ms);

/** Milliseconds of a monotonic clock. */
uint64_t gg_evloop_now_ms(void);

#endif /* GG_EVLOOP_H */
