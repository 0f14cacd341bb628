/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the redis store driver: its connections and in-flight
 * requests, shared by the connection code (redis_conn.c), the operations
 * (redis_ops.c) and the hiredis event adapter (redis_evloop.c).
 */
#ifndef REDIS_PRIVATE_H
#define REDIS_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <hiredis/async.h>

#include "store_driver.h"

struct rstore;
struct rlist;

enum rconn_state {
	RC_IDLE,        /* no context; a retry timer may be armed */
	RC_CONNECTING,  /* context made, handshake not answered yet */
	RC_UP,          /* handshake done (sub: SUBSCRIBE confirmed) */
};

/* What a request's reply is for. */
enum rreq_kind {
	RQ_HANDSHAKE,   /* AUTH, SELECT, PING: not in the deadline FIFO */
	RQ_PUT,
	RQ_GET,
	RQ_GET_UEIP,
	RQ_DEL,
	RQ_LIST_IDS,    /* SMEMBERS of list_all */
	RQ_LIST_ITEM,   /* one HGETALL of list_all */
	RQ_PUT_PROFILE,
	RQ_GET_PROFILE,
	RQ_NEXT_SEQ,    /* INCR: integer */
	RQ_PROVISION,   /* provision script: 1, 0 (no record), -1, -2 */
	RQ_SET_STATE,   /* set_state_if script: 1, 0 (no record), -1 */
};

/* One command sent on a connection; hiredis holds it as privdata and
 * calls back exactly once (reply, or NULL when the context goes away). */
struct rreq {
	TAILQ_ENTRY(rreq) next;        /* deadline FIFO of the connection */
	struct rconn *conn;
	enum rreq_kind kind;
	bool in_fifo;
	/* Status to report if the context goes away first: DOWN, or TIMEOUT
	 * for the request whose deadline dropped the connection. */
	enum gg_store_status fail;
	uint64_t deadline_ms;
	struct gg_store_reply_to rt;
	struct rlist *list;            /* RQ_LIST_* */
	uint32_t ue_ipv4;              /* RQ_GET_UEIP: the address asked */
	const char *what;              /* RQ_HANDSHAKE: command name, for errors */
};

TAILQ_HEAD(rreq_fifo, rreq);

/*
 * One connection to Redis: the command one, or the subscription one.
 * Replies come in the order commands were sent, so the FIFO of in-flight
 * requests is also ordered by deadline: one timer per connection, armed
 * for the oldest request, is enough (no timer per request).
 */
struct rconn {
	struct rstore *rs;
	bool is_sub;
	enum rconn_state state;
	redisAsyncContext *ac;
	struct rreq_fifo fifo;
	long connect_timer;             /* connect + handshake deadline */
	long retry_timer;               /* backoff before the next attempt */
	long sweep_timer;               /* oldest command's deadline */
	uint32_t backoff_ms;            /* next retry delay (before jitter) */
	unsigned int hs_pending;        /* handshake replies still due */
	bool wanted;                    /* sub: a subscription is asked for */
	bool attempted;                 /* a first attempt was made */
};

struct rstore {
	struct gg_store *s;
	struct rconn cmd;
	struct rconn sub;
	unsigned int seed;              /* rand_r state for the jitter */
	char events_key[GG_STORE_KEY_MAX];
};

static inline struct gg_store *
rconn_store(const struct rconn *c)
{
	return c->rs->s;
}

/* redis_evloop.c: drive @p ac from the store's gg_evloop. */
int redis_evloop_attach(redisAsyncContext *ac, struct gg_store *s);

/* redis_conn.c */
int redis_conn_init(struct rstore *rs);
void redis_conn_shutdown(struct rstore *rs);
int redis_conn_subscribe(struct rstore *rs, bool on);
/* Send a command on the command connection. 0: hiredis owns rq and will
 * hand its reply to redis_ops_reply(); negative errno: not sent (rq is
 * still the caller's). */
int redis_conn_send(struct rstore *rs, struct rreq *rq, int argc,
		const char **argv, const size_t *argvlen);
/* redis_ops.c: the reply (NULL: the context went away, report @p fail) of
 * a request that is not a handshake; frees rq. */
void redis_ops_reply(struct rstore *rs, struct rreq *rq,
		const redisReply *r, enum gg_store_status fail);

#endif /* REDIS_PRIVATE_H */
