/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hiredis event adapter for gg_evloop: hiredis's async context asks for
 * read/write readiness of its socket through five hooks; they map onto
 * gg_evloop_watch()/gg_evloop_unwatch() of c->c.fd. hiredis 0.14 ships
 * adapters for libevent, libev, ae... but not for an epoll loop of our own.
 *
 * Lifetime: hiredis may free the context (and call the cleanup hook) from
 * inside redisAsyncHandleRead(), i.e. while this adapter's fd callback is
 * on the stack; the adapter then only marks itself dead and the callback
 * frees it on the way out.
 */
#include <errno.h>
#include <stdlib.h>

#include "gg_evloop.h"
#include "redis_private.h"

struct ev_adapter {
	struct gg_evloop *loop;
	struct gg_store *s;
	redisAsyncContext *ac;
	int fd;
	unsigned int events;   /* GG_EV_* asked for by hiredis */
	bool in_io;            /* inside on_io() */
	bool dead;             /* cleanup ran; free when leaving on_io() */
};

static void
on_io(struct gg_evloop *loop, int fd, unsigned int events, void *arg)
{
	struct ev_adapter *a = arg;
	struct gg_store *s = a->s;

	RTE_SET_USED(loop);
	RTE_SET_USED(fd);
	gg_store_enter(s);
	a->in_io = true;
	if (events & GG_EV_READ)
		redisAsyncHandleRead(a->ac);
	if (!a->dead && (events & GG_EV_WRITE))
		redisAsyncHandleWrite(a->ac);
	a->in_io = false;
	if (a->dead)
		free(a);
	gg_store_leave(s);
}

/* Re-register the watch for what hiredis wants now. A failed watch (out of
 * memory) leaves the context stalled; the connect or command timeout then
 * drops it, which is why the error is not reported from here. */
static void
update(struct ev_adapter *a, unsigned int events)
{
	if (a->dead || events == a->events)
		return;
	a->events = events;
	if (events != 0)
		gg_evloop_watch(a->loop, a->fd, events, on_io, a);
	else
		gg_evloop_unwatch(a->loop, a->fd);
}

static void
add_read(void *privdata)
{
	struct ev_adapter *a = privdata;

	update(a, a->events | GG_EV_READ);
}

static void
del_read(void *privdata)
{
	struct ev_adapter *a = privdata;

	update(a, a->events & ~GG_EV_READ);
}

static void
add_write(void *privdata)
{
	struct ev_adapter *a = privdata;

	update(a, a->events | GG_EV_WRITE);
}

static void
del_write(void *privdata)
{
	struct ev_adapter *a = privdata;

	update(a, a->events & ~GG_EV_WRITE);
}

/* Called before hiredis closes the socket: the watch must go first, or
 * epoll would keep a closed (and soon reused) descriptor. */
static void
cleanup(void *privdata)
{
	struct ev_adapter *a = privdata;

	update(a, 0);
	a->dead = true;
	a->ac->ev.data = NULL;
	if (!a->in_io)
		free(a);
}

int
redis_evloop_attach(redisAsyncContext *ac, struct gg_store *s)
{
	struct ev_adapter *a;

	if (ac->ev.data != NULL)
		return -EEXIST;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -ENOMEM;
	a->loop = s->loop;
	a->s = s;
	a->ac = ac;
	a->fd = ac->c.fd;
	ac->ev.addRead = add_read;
	ac->ev.delRead = del_read;
	ac->ev.addWrite = add_write;
	ac->ev.delWrite = del_write;
	ac->ev.cleanup = cleanup;
	ac->ev.data = a;
	return 0;
}
