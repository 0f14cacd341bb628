/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connections of the redis store driver: connect (unix socket or TCP),
 * handshake (AUTH [user] password, SELECT, then PING on the command
 * connection or SUBSCRIBE on the subscription one), connect and command
 * timeouts, and reconnection with exponential backoff.
 *
 * hiredis 0.14 has no timeouts for async contexts, so both are evloop
 * timers here: one per connection for the connect + handshake deadline,
 * one per connection for the oldest in-flight command (replies come in
 * order, so the oldest request has the nearest deadline).
 *
 * Every way a context ends goes through conn_ended() exactly once per
 * context: hiredis gave up on it (error, EOF: it frees the context itself)
 * or we drop it (timeouts, refused handshake, close: conn_drop() frees it).
 * Either way hiredis then calls every pending reply callback with NULL,
 * which is where in-flight requests are failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "gg_evloop.h"
#include "redis_private.h"

static void conn_start(struct rconn *c);

static void
timer_stop(struct gg_store *s, long *id)
{
	if (*id != 0)
		gg_evloop_timer_cancel(s->loop, *id);
	*id = 0;
}

static uint64_t
retry_fire(struct gg_evloop *loop, void *arg)
{
	struct rconn *c = arg;
	struct gg_store *s = rconn_store(c);

	RTE_SET_USED(loop);
	c->retry_timer = 0;
	gg_store_enter(s);
	conn_start(c);
	gg_store_leave(s);
	return 0;
}

/* Next delay drawn in [d/2, d], then d doubles up to the cap. */
static uint32_t
backoff_next(struct rconn *c)
{
	struct gg_store *s = rconn_store(c);
	uint32_t d = c->backoff_ms, half = d / 2;

	c->backoff_ms = d >= s->reconnect_max_ms / 2 ?
		s->reconnect_max_ms : d * 2;
	return half + (uint32_t)rand_r(&c->rs->seed) % (d - half + 1);
}

/*
 * The context (or the attempt to make one) is over: forget it, report the
 * command connection down, and schedule the next attempt. hiredis may
 * still be freeing the context; it must not be touched from here on.
 */
static void
conn_ended(struct rconn *c, const char *reason)
{
	struct gg_store *s = rconn_store(c);
	bool was_up = c->state == RC_UP;
	long id;

	c->ac = NULL;
	c->state = RC_IDLE;
	c->hs_pending = 0;
	timer_stop(s, &c->connect_timer);
	timer_stop(s, &c->sweep_timer);
	if (s->closing)
		return;
	if (c->is_sub) {
		if (!c->wanted)
			return;
		if (was_up)
			s->stats.sub_disconnects++;
		gg_store_set_error(s, "subscription: %s", reason);
	} else {
		if (was_up)
			s->stats.disconnects++;
		gg_store_set_error(s, "%s", reason);
		/* May run the application's callback, which may close us. */
		gg_store_set_up(s, false, s->last_error);
		if (s->closing)
			return;
	}
	if (c->retry_timer == 0) {
		id = gg_evloop_timer(s->loop, backoff_next(c), retry_fire, c);
		c->retry_timer = id > 0 ? id : 0;
	}
}

/* We give up on the context: end it, then free it (which fails every
 * pending request through its NULL reply). */
static void
conn_drop(struct rconn *c, const char *reason)
{
	redisAsyncContext *ac = c->ac;

	conn_ended(c, reason);
	if (ac != NULL)
		redisAsyncFree(ac);
}

static void
conn_up(struct rconn *c)
{
	struct gg_store *s = rconn_store(c);

	timer_stop(s, &c->connect_timer);
	c->state = RC_UP;
	c->backoff_ms = s->reconnect_min_ms;
	if (c->is_sub) {
		s->stats.sub_connects++;
		gg_store_event_in(s, NULL, 0);
	} else {
		s->stats.connects++;
		gg_store_set_up(s, true, NULL);
	}
}

static uint64_t
connect_expired(struct gg_evloop *loop, void *arg)
{
	struct rconn *c = arg;
	struct gg_store *s = rconn_store(c);
	char reason[64];

	RTE_SET_USED(loop);
	c->connect_timer = 0;
	snprintf(reason, sizeof(reason), "connect timeout (%u ms)",
			s->connect_timeout_ms);
	gg_store_enter(s);
	conn_drop(c, reason);
	gg_store_leave(s);
	return 0;
}

/* The oldest in-flight command is late: the server is not serving us, so
 * the connection is treated as broken (the request gets TIMEOUT, the
 * others DOWN) rather than left to pile up requests. */
static uint64_t
sweep(struct gg_evloop *loop, void *arg)
{
	struct rconn *c = arg;
	struct gg_store *s = rconn_store(c);
	struct rreq *rq = TAILQ_FIRST(&c->fifo);
	uint64_t now = gg_evloop_now_ms();
	char reason[64];
	long id;

	RTE_SET_USED(loop);
	c->sweep_timer = 0;
	if (rq == NULL)
		return 0;
	if (rq->deadline_ms > now) {
		/* A new timer rather than a re-arm: its id is what we keep. */
		id = gg_evloop_timer(s->loop, rq->deadline_ms - now, sweep, c);
		c->sweep_timer = id > 0 ? id : 0;
		return 0;
	}
	rq->fail = GG_STORE_TIMEOUT;
	snprintf(reason, sizeof(reason), "command timeout (%u ms)",
			s->command_timeout_ms);
	gg_store_enter(s);
	conn_drop(c, reason);
	gg_store_leave(s);
	return 0;
}

static void
handshake_reply(struct rconn *c, redisAsyncContext *ac, struct rreq *rq,
		const redisReply *r)
{
	char reason[200];

	if (r == NULL || c->ac != ac)
		return; /* context gone: conn_ended() has run */
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(reason, sizeof(reason), "%s refused: %s", rq->what,
				r->str);
		conn_drop(c, reason);
		return;
	}
	if (!c->is_sub && --c->hs_pending == 0)
		conn_up(c);
}

static void
on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct rreq *rq = privdata;
	struct rconn *c = rq->conn;
	struct rstore *rs = c->rs;
	const redisReply *r = reply;

	if (rq->in_fifo) {
		TAILQ_REMOVE(&c->fifo, rq, next);
		rq->in_fifo = false;
	}
	if (r == NULL && c->ac == ac)
		conn_ended(c, ac->errstr[0] != '\0' ? ac->errstr :
				"connection closed");
	if (rq->kind == RQ_HANDSHAKE) {
		handshake_reply(c, ac, rq, r);
		free(rq);
		return;
	}
	redis_ops_reply(rs, rq, r, rs->s->closing ? GG_STORE_CANCELLED :
			rq->fail);
}

/* Messages of the subscription connection; hiredis keeps this callback for
 * the channel and calls it for each message, then once with NULL. */
static void
on_sub_msg(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct rconn *c = privdata;
	const redisReply *r = reply;
	const redisReply *kind;

	if (r == NULL) {
		if (c->ac == ac)
			conn_ended(c, ac->errstr[0] != '\0' ? ac->errstr :
					"connection closed");
		return;
	}
	if (c->ac != ac || r->type != REDIS_REPLY_ARRAY || r->elements < 3)
		return;
	kind = r->element[0];
	if (kind->type != REDIS_REPLY_STRING)
		return;
	if (strcasecmp(kind->str, "subscribe") == 0) {
		conn_up(c);
	} else if (strcasecmp(kind->str, "message") == 0 &&
			r->element[2]->type == REDIS_REPLY_STRING) {
		gg_store_event_in(rconn_store(c), r->element[2]->str,
				r->element[2]->len);
	}
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct rconn *c = ac->data;
	char reason[160];

	if (status == REDIS_OK || c->ac != ac)
		return;
	/* hiredis frees the context after this returns. */
	snprintf(reason, sizeof(reason), "connect: %s", ac->errstr);
	conn_ended(c, reason);
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct rconn *c = ac->data;

	if (c->ac != ac)
		return;
	conn_ended(c, status == REDIS_OK || ac->errstr[0] == '\0' ?
			"connection closed" : ac->errstr);
}

static int
handshake_send(struct rconn *c, const char *what, int argc, const char **argv)
{
	struct rreq *rq = calloc(1, sizeof(*rq));

	if (rq == NULL)
		return -ENOMEM;
	rq->kind = RQ_HANDSHAKE;
	rq->conn = c;
	rq->what = what;
	if (redisAsyncCommandArgv(c->ac, on_reply, rq, argc, argv,
				NULL) != REDIS_OK) {
		free(rq);
		return -ENOMEM;
	}
	c->hs_pending++;
	return 0;
}

/* Queue the handshake; hiredis sends it once the socket is connected. */
static int
handshake(struct rconn *c)
{
	struct gg_store *s = rconn_store(c);
	const char *argv[3];
	char db[16];
	int ret = 0;

	if (s->password != NULL) {
		argv[0] = "AUTH";
		argv[1] = s->user != NULL ? s->user : s->password;
		argv[2] = s->password;
		ret = handshake_send(c, "AUTH", s->user != NULL ? 3 : 2, argv);
	}
	if (ret == 0 && s->db != 0) {
		snprintf(db, sizeof(db), "%u", s->db);
		argv[0] = "SELECT";
		argv[1] = db;
		ret = handshake_send(c, "SELECT", 2, argv);
	}
	if (ret != 0)
		return ret;
	if (!c->is_sub) {
		argv[0] = "PING";
		return handshake_send(c, "PING", 1, argv);
	}
	argv[0] = "SUBSCRIBE";
	argv[1] = c->rs->events_key;
	if (redisAsyncCommandArgv(c->ac, on_sub_msg, c, 2, argv,
				NULL) != REDIS_OK)
		return -ENOMEM;
	return 0;
}

static void
conn_start(struct rconn *c)
{
	struct gg_store *s = rconn_store(c);
	redisAsyncContext *ac;
	char reason[200];
	long id;

	if (s->closing || (c->is_sub && !c->wanted) || c->state != RC_IDLE)
		return;
	if (c->attempted && !c->is_sub)
		s->stats.reconnect_attempts++;
	c->attempted = true;
	if (s->unix_path != NULL)
		ac = redisAsyncConnectUnix(s->unix_path);
	else
		ac = redisAsyncConnect(s->host, s->port);
	if (ac == NULL) {
		conn_ended(c, "connect: out of memory");
		return;
	}
	if (ac->err != 0) {
		/* Unix sockets fail at once (no server: ENOENT/ECONNREFUSED). */
		snprintf(reason, sizeof(reason), "connect %s: %s",
				s->unix_path != NULL ? s->unix_path : s->host,
				ac->errstr);
		redisAsyncFree(ac);
		conn_ended(c, reason);
		return;
	}
	ac->data = c;
	if (redis_evloop_attach(ac, s) != 0) {
		redisAsyncFree(ac);
		conn_ended(c, "connect: out of memory");
		return;
	}
	c->ac = ac;
	c->state = RC_CONNECTING;
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	/* Also asks for write readiness: that is how hiredis sees the
	 * non-blocking connect complete. */
	redisAsyncSetConnectCallback(ac, on_connect);
	if (s->unix_path == NULL)
		redisEnableKeepAlive(&ac->c);
	id = gg_evloop_timer(s->loop, s->connect_timeout_ms, connect_expired, c);
	c->connect_timer = id > 0 ? id : 0;
	if (id <= 0 || handshake(c) != 0)
		conn_drop(c, "connect: out of memory");
}

int
redis_conn_send(struct rstore *rs, struct rreq *rq, int argc,
		const char **argv, const size_t *argvlen)
{
	struct rconn *c = &rs->cmd;
	struct gg_store *s = rs->s;
	long id;

	if (c->state != RC_UP || c->ac == NULL)
		return -ENOTCONN;
	rq->conn = c;
	rq->fail = GG_STORE_DOWN;
	if (redisAsyncCommandArgv(c->ac, on_reply, rq, argc, argv,
				argvlen) != REDIS_OK)
		return -ENOMEM;
	rq->deadline_ms = gg_evloop_now_ms() + s->command_timeout_ms;
	TAILQ_INSERT_TAIL(&c->fifo, rq, next);
	rq->in_fifo = true;
	if (c->sweep_timer == 0) {
		/* On failure the next send tries again; until then a silent
		 * server is caught by the next request's timer. */
		id = gg_evloop_timer(s->loop, s->command_timeout_ms, sweep, c);
		c->sweep_timer = id > 0 ? id : 0;
	}
	return 0;
}

static void
conn_init(struct rstore *rs, struct rconn *c, bool is_sub)
{
	c->rs = rs;
	c->is_sub = is_sub;
	c->state = RC_IDLE;
	c->backoff_ms = rs->s->reconnect_min_ms;
	TAILQ_INIT(&c->fifo);
}

/* Arm an attempt for the next round, so that no callback runs inside the
 * application's call (open, subscribe). */
static int
conn_kick(struct rconn *c)
{
	struct gg_store *s = rconn_store(c);
	long id;

	if (c->state != RC_IDLE || c->retry_timer != 0)
		return 0;
	id = gg_evloop_timer(s->loop, 0, retry_fire, c);
	if (id <= 0)
		return -ENOMEM;
	c->retry_timer = id;
	return 0;
}

int
redis_conn_init(struct rstore *rs)
{
	struct gg_store *s = rs->s;
	struct sockaddr_un sun;
	unsigned char addr[16];

	if (s->unix_path != NULL) {
		if (s->unix_path[0] == '\0' ||
				strlen(s->unix_path) >= sizeof(sun.sun_path))
			return -EINVAL;
	} else if (inet_pton(AF_INET, s->host, addr) != 1 &&
			inet_pton(AF_INET6, s->host, addr) != 1) {
		return -EINVAL; /* a name would need a blocking resolver */
	}
	conn_init(rs, &rs->cmd, false);
	conn_init(rs, &rs->sub, true);
	return conn_kick(&rs->cmd);
}

int
redis_conn_subscribe(struct rstore *rs, bool on)
{
	struct rconn *c = &rs->sub;

	if (on) {
		c->wanted = true;
		c->backoff_ms = rs->s->reconnect_min_ms;
		return conn_kick(c);
	}
	c->wanted = false;
	timer_stop(rs->s, &c->retry_timer);
	conn_drop(c, "unsubscribed");
	return 0;
}

void
redis_conn_shutdown(struct rstore *rs)
{
	timer_stop(rs->s, &rs->cmd.retry_timer);
	timer_stop(rs->s, &rs->sub.retry_timer);
	rs->sub.wanted = false;
	conn_drop(&rs->sub, "closed");
	conn_drop(&rs->cmd, "closed");
}
