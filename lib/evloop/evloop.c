/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event loop for the control lcore: epoll for descriptors, an array for
 * timers. See gg_evloop.h for the threading rule (one thread) and costs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "gg_evloop.h"

#define MAX_EVENTS 64

struct watch {
	int fd;            /* -1 when the slot is free */
	gg_fd_cb cb;
	void *arg;
};

struct timer {
	long id;           /* 0 when the slot is free */
	uint64_t due_ms;
	gg_timer_cb cb;
	void *arg;
};

struct gg_evloop {
	int epfd;
	struct watch *watches;   /* indexed by fd */
	int n_watches;
	struct timer *timers;
	int n_timers;
	long next_timer_id;
};

uint64_t
gg_evloop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct gg_evloop *
gg_evloop_create(void)
{
	struct gg_evloop *loop = calloc(1, sizeof(*loop));

	if (loop == NULL)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	loop->next_timer_id = 1;
	return loop;
}

void
gg_evloop_free(struct gg_evloop *loop)
{
	if (loop == NULL)
		return;
	close(loop->epfd);
	free(loop->watches);
	free(loop->timers);
	free(loop);
}

int
gg_evloop_watch(struct gg_evloop *loop, int fd, unsigned int events, gg_fd_cb cb,
		void *arg)
{
	struct epoll_event ev = { .events = 0, .data.fd = fd };
	int op, i;

	if (fd < 0 || cb == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (fd >= loop->n_watches) {
		int n = fd + 16;
		struct watch *w = realloc(loop->watches, n * sizeof(*w));

		if (w == NULL)
			return -1;
		for (i = loop->n_watches; i < n; i++)
			w[i].fd = -1;
		loop->watches = w;
		loop->n_watches = n;
	}
	if (events & GG_EV_READ)
		ev.events |= EPOLLIN;
	if (events & GG_EV_WRITE)
		ev.events |= EPOLLOUT;
	op = loop->watches[fd].fd == fd ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	/* A descriptor closed without an unwatch left epoll on its own: the
	 * number is free again, so register it afresh. */
	if (epoll_ctl(loop->epfd, op, fd, &ev) != 0 &&
			(op != EPOLL_CTL_MOD || errno != ENOENT ||
			 epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) != 0))
		return -1;
	loop->watches[fd].fd = fd;
	loop->watches[fd].cb = cb;
	loop->watches[fd].arg = arg;
	return 0;
}

void
gg_evloop_unwatch(struct gg_evloop *loop, int fd)
{
	if (fd < 0 || fd >= loop->n_watches || loop->watches[fd].fd != fd)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	loop->watches[fd].fd = -1;
}

long
gg_evloop_timer(struct gg_evloop *loop, uint64_t delay_ms, gg_timer_cb cb,
		void *arg)
{
	int i;

	for (i = 0; i < loop->n_timers && loop->timers[i].id != 0; i++)
		;
	if (i == loop->n_timers) {
		int n = loop->n_timers * 2 + 8;
		struct timer *t = realloc(loop->timers, n * sizeof(*t));

		if (t == NULL)
			return -1;
		memset(t + loop->n_timers, 0, (n - loop->n_timers) * sizeof(*t));
		loop->timers = t;
		loop->n_timers = n;
	}
	loop->timers[i].id = loop->next_timer_id++;
	loop->timers[i].due_ms = gg_evloop_now_ms() + delay_ms;
	loop->timers[i].cb = cb;
	loop->timers[i].arg = arg;
	return loop->timers[i].id;
}

void
gg_evloop_timer_cancel(struct gg_evloop *loop, long id)
{
	int i;

	for (i = 0; i < loop->n_timers; i++)
		if (loop->timers[i].id == id && id != 0)
			loop->timers[i].id = 0;
}

static int
run_timers(struct gg_evloop *loop)
{
	uint64_t now = gg_evloop_now_ms();
	int i, ran = 0;

	for (i = 0; i < loop->n_timers; i++) {
		struct timer t = loop->timers[i];
		uint64_t again;

		if (t.id == 0 || t.due_ms > now)
			continue;
		/* Free the slot first: the callback may add timers. */
		loop->timers[i].id = 0;
		again = t.cb(loop, t.arg);
		ran++;
		if (again != 0 && loop->timers[i].id == 0) {
			loop->timers[i] = t;
			loop->timers[i].due_ms = now + again;
		} else if (again != 0) {
			gg_evloop_timer(loop, again, t.cb, t.arg);
		}
	}
	return ran;
}

int
gg_evloop_run_once(struct gg_evloop *loop, int timeout_ms)
{
	struct epoll_event evs[MAX_EVENTS];
	int n, i, ran;

	n = epoll_wait(loop->epfd, evs, MAX_EVENTS, timeout_ms);
	for (i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		unsigned int e = 0;

		if (fd >= loop->n_watches || loop->watches[fd].fd != fd)
			continue; /* unwatched by an earlier callback */
		if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			e |= GG_EV_READ;
		if (evs[i].events & EPOLLOUT)
			e |= GG_EV_WRITE;
		loop->watches[fd].cb(loop, fd, e, loop->watches[fd].arg);
	}
	ran = n > 0 ? n : 0;
	return ran + run_timers(loop);
}
