/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SBI server, transport side: the listening socket, accepting, moving
 * octets between sockets and nghttp2 sessions with a bounded output
 * backlog per connection, the timeout sweep, and closing. The HTTP/2
 * callbacks and the request objects are in sbi_stream.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* accept4 */
#endif
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sbi_private.h"

/* Per read; a connection gets at most SBI_READS_PER_ROUND of them per
 * loop round so one busy client cannot starve the others. */
#define SBI_READ_CHUNK 16384
#define SBI_READS_PER_ROUND 4

static const char http1_refusal[] =
	"HTTP/1.1 505 HTTP Version Not Supported\r\n"
	"Content-Type: text/plain\r\n"
	"Content-Length: 53\r\n"
	"Connection: close\r\n"
	"\r\n"
	"This server speaks HTTP/2 with prior knowledge only.\n";

static void conn_io(struct gg_evloop *loop, int fd, unsigned int events,
		void *arg);

static void
drain_cancels(struct gg_sbi_server *srv)
{
	struct gg_sbi_request *req;

	/* Pop before calling: the callback may free this request or others
	 * (req_free() unlinks them from the queue). */
	while ((req = TAILQ_FIRST(&srv->cancelq)) != NULL) {
		TAILQ_REMOVE(&srv->cancelq, req, cancel_next);
		req->queued = 0;
		if (req->cancel_cb != NULL)
			req->cancel_cb(req, req->cancel_arg);
	}
}

/*
 * Entry points (loop callbacks, and the application's calls into a
 * request) nest; cancel callbacks run only when the outermost one leaves,
 * so they never run inside nghttp2 or while a connection is half-handled.
 */
void
sbi_enter(struct gg_sbi_server *srv)
{
	srv->busy++;
}

void
sbi_leave(struct gg_sbi_server *srv)
{
	if (srv->busy == 1)
		drain_cancels(srv);
	srv->busy--;
}

static size_t
conn_pending(const struct sbi_conn *c)
{
	return c->out_len - c->out_off;
}

int
sbi_out_append(struct sbi_conn *c, const uint8_t *data, size_t n)
{
	size_t pending = conn_pending(c);

	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, pending);
		c->out_off = 0;
		c->out_len = pending;
	}
	if (pending + n > c->out_cap) {
		size_t cap = c->out_cap != 0 ? c->out_cap : 4096;
		uint8_t *b;

		while (cap < pending + n)
			cap *= 2;
		b = realloc(c->out, cap);
		if (b == NULL)
			return -1;
		c->out = b;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, data, n);
	c->out_len += n;
	return 0;
}

/*
 * Pull frames from nghttp2 while the backlog is under wbuf_limit and write
 * them until the socket is full. Frames nghttp2 has not serialised yet stay
 * inside it (bounded by our stream limits and its flood limits), so the
 * backlog never exceeds wbuf_limit plus one frame. Returns -1 when the
 * connection must be closed.
 */
static int
conn_flush(struct sbi_conn *c)
{
	struct gg_sbi_server *srv = c->srv;

	for (;;) {
		size_t pending = conn_pending(c);
		ssize_t w;

		/* Nothing of HTTP/2 before the TLS handshake is done. */
		while (pending < srv->p.wbuf_limit &&
				(c->ssl == NULL || c->tls_ready)) {
			const uint8_t *data;
			ssize_t n;

			c->in_h2 = 1;
			n = nghttp2_session_mem_send(c->h2, &data);
			c->in_h2 = 0;
			if (n < 0)
				return -1;
			if (n == 0)
				break;
			if (c->ssl != NULL ? sbi_tls_write(c, data, n) != 0 :
					sbi_out_append(c, data, n) != 0)
				return -1;
			pending = conn_pending(c);
		}
		if (pending > srv->st.wbuf_peak)
			srv->st.wbuf_peak = pending;
		if (pending == 0)
			break;
		w = send(c->fd, c->out + c->out_off, pending, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		c->blocked_since_ms = 0;
		c->out_off += w;
		if (c->out_off == c->out_len)
			c->out_off = c->out_len = 0;
		else
			break; /* the socket took less: it is full */
	}
	if (conn_pending(c) == 0) {
		/* Do not keep a big backlog buffer on an idle connection. */
		if (c->out_cap > 65536) {
			free(c->out);
			c->out = NULL;
			c->out_cap = 0;
		}
	} else if (c->blocked_since_ms == 0) {
		c->blocked_since_ms = gg_evloop_now_ms();
	}
	return 0;
}

/* Read while the backlog has room; write while there is a backlog. */
static int
conn_watch(struct sbi_conn *c)
{
	unsigned int ev = 0;

	if (conn_pending(c) < c->srv->p.wbuf_limit)
		ev |= GG_EV_READ;
	if (conn_pending(c) > 0)
		ev |= GG_EV_WRITE;
	if (ev == c->watched)
		return 0;
	/* Without READ, epoll still reports errors and hangups (as a READ
	 * for us); conn_io() then tries to write and finds out. */
	if (gg_evloop_watch(c->srv->loop, c->fd, ev, conn_io, c) != 0)
		return -1;
	c->watched = ev;
	return 0;
}

static void
conn_close(struct sbi_conn *c)
{
	struct gg_sbi_server *srv = c->srv;

	gg_evloop_unwatch(srv->loop, c->fd);
	close(c->fd);
	sbi_tls_conn_free(c);
	/* No nghttp2 callback runs from here on: delete the session first,
	 * then the requests it pointed to. */
	nghttp2_session_del(c->h2);
	c->h2 = NULL;
	sbi_conn_detach(c);
	TAILQ_REMOVE(&srv->conns, c, next);
	if (c->kick_queued)
		TAILQ_REMOVE(&srv->kickq, c, kick_next);
	srv->n_conns--;
	srv->st.conns_closed++;
	free(c->out);
	free(c);
}

static void
count_protocol_error(struct sbi_conn *c)
{
	if (!c->proto_error) {
		c->proto_error = 1;
		c->srv->st.protocol_errors++;
	}
}

/* An HTTP/1.x request line starts with an upper-case method and a space. */
static int
looks_http1(const struct sbi_conn *c)
{
	unsigned int i;

	if (c->head_len >= 4 && memcmp(c->head, "PRI ", 4) == 0)
		return 0;
	for (i = 0; i < c->head_len && c->head[i] >= 'A' && c->head[i] <= 'Z'; i++)
		;
	return i > 0 && i < c->head_len && c->head[i] == ' ';
}

/* Feed plaintext octets to nghttp2. Returns -1 when the connection must
 * close. */
int
sbi_conn_recv_plain(struct sbi_conn *c, const uint8_t *buf, size_t n)
{
	ssize_t rv;

	if (c->head_len < sizeof(c->head)) {
		size_t k = sizeof(c->head) - c->head_len;

		k = k < n ? k : n;
		memcpy(c->head + c->head_len, buf, k);
		c->head_len += k;
	}
	c->in_h2 = 1;
	rv = nghttp2_session_mem_recv(c->h2, buf, n);
	c->in_h2 = 0;
	if (rv >= 0)
		return 0;
	count_protocol_error(c);
	if (rv == NGHTTP2_ERR_BAD_CLIENT_MAGIC && c->ssl == NULL && looks_http1(c)) {
		/* Best effort, one small write on a fresh socket. */
		c->srv->st.http1_refused++;
		(void)send(c->fd, http1_refusal, sizeof(http1_refusal) - 1,
				MSG_NOSIGNAL);
		return -1;
	}
	nghttp2_session_terminate_session(c->h2, rv == NGHTTP2_ERR_FLOODED ?
			NGHTTP2_ENHANCE_YOUR_CALM : NGHTTP2_PROTOCOL_ERROR);
	conn_flush(c);
	return -1;
}

static void
conn_io(struct gg_evloop *loop, int fd, unsigned int events, void *arg)
{
	struct sbi_conn *c = arg;
	struct gg_sbi_server *srv = c->srv;
	uint8_t buf[SBI_READ_CHUNK];
	int i;

	sbi_enter(srv);
	/* Only output already waiting: a fresh connection must not send
	 * our SETTINGS before we know it speaks HTTP/2. */
	if (conn_pending(c) > 0 && conn_flush(c) != 0)
		goto dead;
	if (events & GG_EV_READ) {
		for (i = 0; i < SBI_READS_PER_ROUND; i++) {
			ssize_t n;

			if (conn_pending(c) >= srv->p.wbuf_limit)
				break; /* the peer must read first */
			n = recv(fd, buf, sizeof(buf), 0);
			if (n == 0)
				goto dead;
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				goto dead;
			}
			if ((c->ssl != NULL ? sbi_tls_input(c, buf, n) :
					sbi_conn_recv_plain(c, buf, n)) != 0 ||
					conn_flush(c) != 0)
				goto dead;
			if ((size_t)n < sizeof(buf))
				break;
		}
	}
	if (!nghttp2_session_want_read(c->h2) &&
			!nghttp2_session_want_write(c->h2) && conn_pending(c) == 0)
		goto dead; /* GOAWAY exchanged, or we sent ours */
	if (conn_watch(c) != 0)
		goto dead;
	sbi_leave(srv);
	return;
dead:
	conn_close(c);
	sbi_leave(srv);
}

static uint64_t
on_kick(struct gg_evloop *loop, void *arg)
{
	struct gg_sbi_server *srv = arg;
	struct sbi_conn *c;

	(void)loop;
	sbi_enter(srv);
	srv->kick_timer = 0;
	while ((c = TAILQ_FIRST(&srv->kickq)) != NULL) {
		TAILQ_REMOVE(&srv->kickq, c, kick_next);
		c->kick_queued = 0;
		if (conn_flush(c) != 0 || conn_watch(c) != 0)
			conn_close(c);
	}
	sbi_leave(srv);
	return 0;
}

/*
 * Push what an asynchronous answer queued on @p c. Not at once: answers
 * completed together (a batch of cache hits, store replies read in one
 * go) leave in one write per connection from a 0 ms timer, later in the
 * same loop round or at the start of the next; a send() per answer was a
 * tenth of the control lcore's time under load (each wakes the peer).
 */
void
sbi_conn_kick(struct sbi_conn *c)
{
	struct gg_sbi_server *srv = c->srv;

	if (c->in_h2)
		return; /* the caller up the stack flushes after nghttp2 returns */
	if (!c->kick_queued) {
		TAILQ_INSERT_TAIL(&srv->kickq, c, kick_next);
		c->kick_queued = 1;
	}
	if (srv->kick_timer == 0) {
		srv->kick_timer = gg_evloop_timer(srv->loop, 0, on_kick, srv);
		if (srv->kick_timer < 0) {
			srv->kick_timer = 0;
			TAILQ_REMOVE(&srv->kickq, c, kick_next);
			c->kick_queued = 0;
			if (conn_flush(c) != 0 || conn_watch(c) != 0)
				conn_close(c);
		}
	}
}

static void
peer_text(const struct sockaddr_storage *ss, char *out)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

	out[0] = '\0';
	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
				out, SBI_PEER_LEN);
	} else if (ss->ss_family == AF_INET6) {
		/* A dual-stack socket shows IPv4 clients as ::ffff:a.b.c.d;
		 * give them one key for rate limiting. */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], out,
					SBI_PEER_LEN);
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, out, SBI_PEER_LEN);
	}
}

static void
conn_new(struct gg_sbi_server *srv, int fd, const struct sockaddr_storage *ss)
{
	struct sbi_conn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (c == NULL) {
		close(fd);
		return;
	}
	c->srv = srv;
	c->fd = fd;
	TAILQ_INIT(&c->reqs);
	c->last_active_ms = gg_evloop_now_ms();
	c->accepted_ms = c->last_active_ms;
	peer_text(ss, c->peer);
	snprintf(c->client, sizeof(c->client), "addr:%s", c->peer);
	/* Frames are small and already batched by conn_flush(). */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (sbi_session_new(c) != 0) {
		close(fd);
		free(c);
		return;
	}
	if (srv->tls != NULL && sbi_tls_conn_new(c) != 0) {
		nghttp2_session_del(c->h2);
		close(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&srv->conns, c, next);
	srv->n_conns++;
	srv->st.conns_accepted++;
	/* Our SETTINGS wait for the client's first octets: an HTTP/1.x
	 * client must get its 505 as the first thing it reads. */
	if (conn_watch(c) != 0)
		conn_close(c);
}

/*
 * Open connections from the address of @p ss. A walk of the connections:
 * O(open connections) per accept (max_conns, 256 by default; about 1 us
 * per thousand), cheaper than keeping a second index in step.
 */
static unsigned int
client_conns(const struct gg_sbi_server *srv, const struct sockaddr_storage *ss)
{
	char peer[SBI_PEER_LEN];
	const struct sbi_conn *c;
	unsigned int n = 0;

	peer_text(ss, peer);
	TAILQ_FOREACH(c, &srv->conns, next)
		if (strcmp(c->peer, peer) == 0)
			n++;
	return n;
}

static void
on_accept(struct gg_evloop *loop, int fd, unsigned int events, void *arg)
{
	struct gg_sbi_server *srv = arg;

	sbi_enter(srv);
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int cfd = accept4(fd, (struct sockaddr *)&ss, &sl,
				SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
					errno == ENOBUFS || errno == ENOMEM) {
				/* The socket stays readable: stop watching it
				 * until the next tick rather than spin. */
				gg_evloop_unwatch(loop, fd);
				srv->accept_paused = 1;
			}
			break;
		}
		if (srv->n_conns >= srv->p.max_conns) {
			close(cfd);
			srv->st.conns_refused++;
			continue;
		}
		if (client_conns(srv, &ss) >= srv->p.max_conns_per_client) {
			close(cfd);
			srv->st.conns_refused_client++;
			continue;
		}
		conn_new(srv, cfd, &ss);
	}
	sbi_leave(srv);
}

static uint64_t
on_tick(struct gg_evloop *loop, void *arg)
{
	struct gg_sbi_server *srv = arg;
	uint64_t now = gg_evloop_now_ms();
	struct sbi_conn *c, *next;

	sbi_enter(srv);
	if (srv->accept_paused &&
			gg_evloop_watch(loop, srv->lfd, GG_EV_READ, on_accept, srv) == 0)
		srv->accept_paused = 0;
	for (c = TAILQ_FIRST(&srv->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, next);
		if (c->blocked_since_ms != 0 &&
				now - c->blocked_since_ms >= srv->p.idle_timeout_ms) {
			srv->st.timeouts_write++;
			conn_close(c);
			continue;
		}
		if (!c->requested &&
				now - c->accepted_ms >= srv->p.first_request_timeout_ms) {
			srv->st.timeouts_first_request++;
			conn_close(c);
			continue;
		}
		if (sbi_conn_sweep(c, now) != 0) {
			conn_close(c);
			continue;
		}
		if (c->n_streams == 0 &&
				now - c->last_active_ms >= srv->p.idle_timeout_ms) {
			srv->st.timeouts_idle++;
			nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE,
					nghttp2_session_get_last_proc_stream_id(c->h2),
					NGHTTP2_NO_ERROR, NULL, 0);
			conn_flush(c);
			conn_close(c);
			continue;
		}
		/* Nothing goes to a client that has not spoken yet (see
		 * conn_new()). */
		if ((c->head_len > 0 || c->ssl != NULL) &&
				(conn_flush(c) != 0 || conn_watch(c) != 0))
			conn_close(c);
	}
	/* Re-armed by hand, not by returning the delay: the loop may give a
	 * re-armed timer a new id, and free needs the current one. */
	srv->timer = gg_evloop_timer(loop, srv->tick_ms, on_tick, srv);
	sbi_leave(srv);
	return 0;
}

static int
resolve_params(struct gg_sbi_params *p, const struct gg_sbi_params *in)
{
	unsigned int shortest;

	if (in != NULL)
		*p = *in;
	else
		memset(p, 0, sizeof(*p));
	if (p->address == NULL)
		p->address = "127.0.0.1";
	if (p->max_conns == 0)
		p->max_conns = GG_SBI_DEFAULT_MAX_CONNS;
	if (p->max_streams == 0)
		p->max_streams = GG_SBI_DEFAULT_MAX_STREAMS;
	if (p->max_body == 0)
		p->max_body = GG_SBI_DEFAULT_MAX_BODY;
	if (p->max_header_list == 0)
		p->max_header_list = GG_SBI_DEFAULT_MAX_HEADER_LIST;
	if (p->idle_timeout_ms == 0)
		p->idle_timeout_ms = GG_SBI_DEFAULT_IDLE_TIMEOUT_MS;
	if (p->request_timeout_ms == 0)
		p->request_timeout_ms = GG_SBI_DEFAULT_REQUEST_TIMEOUT_MS;
	if (p->wbuf_limit == 0)
		p->wbuf_limit = GG_SBI_DEFAULT_WBUF_LIMIT;
	if (p->max_conns_per_client == 0)
		p->max_conns_per_client = GG_SBI_DEFAULT_MAX_CONNS_PER_CLIENT;
	if (p->first_request_timeout_ms == 0)
		p->first_request_timeout_ms = GG_SBI_DEFAULT_FIRST_REQUEST_TIMEOUT_MS;
	if (p->max_discard == 0)
		p->max_discard = 4 * p->max_body;
	if (p->max_header_list > UINT32_MAX || p->max_streams > INT32_MAX)
		return -1;
	shortest = p->idle_timeout_ms < p->request_timeout_ms ?
			p->idle_timeout_ms : p->request_timeout_ms;
	if (p->first_request_timeout_ms < shortest)
		shortest = p->first_request_timeout_ms;
	return shortest / 4;
}

static int
listen_on(struct gg_sbi_server *srv)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, srv->p.address,
			&((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(srv->p.port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, srv->p.address,
			&((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(srv->p.port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		errno = EINVAL;
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* Lets a restart bind while old connections sit in TIME_WAIT; a
	 * port another socket listens on still fails with EADDRINUSE. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 ||
			listen(fd, SOMAXCONN) != 0 ||
			getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	srv->port = ntohs(ss.ss_family == AF_INET ?
			((struct sockaddr_in *)&ss)->sin_port :
			((struct sockaddr_in6 *)&ss)->sin6_port);
	srv->lfd = fd;
	return 0;
}

struct gg_sbi_server *
gg_sbi_server_create(struct gg_evloop *loop, const struct gg_sbi_params *p,
		gg_sbi_handler handler, void *arg)
{
	struct gg_sbi_server *srv;
	int tick, err;

	if (loop == NULL || handler == NULL) {
		errno = EINVAL;
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return NULL;
	srv->loop = loop;
	srv->handler = handler;
	srv->arg = arg;
	srv->lfd = -1;
	TAILQ_INIT(&srv->conns);
	TAILQ_INIT(&srv->kickq);
	TAILQ_INIT(&srv->held);
	TAILQ_INIT(&srv->cancelq);
	tick = resolve_params(&srv->p, p);
	if (tick < 0) {
		err = EINVAL;
		goto fail;
	}
	srv->tick_ms = tick < 10 ? 10 : tick > 1000 ? 1000 : tick;
	if (p != NULL && p->tls != NULL) {
		char terr[256];

		srv->tls = sbi_tls_ctx_new(p->tls, terr, sizeof(terr));
		if (srv->tls == NULL) {
			err = EINVAL;
			goto fail;
		}
	}
	if (sbi_h2_setup(srv) != 0 || listen_on(srv) != 0) {
		err = errno != 0 ? errno : ENOMEM;
		goto fail;
	}
	if (gg_evloop_watch(loop, srv->lfd, GG_EV_READ, on_accept, srv) != 0) {
		err = errno;
		goto fail;
	}
	srv->timer = gg_evloop_timer(loop, srv->tick_ms, on_tick, srv);
	if (srv->timer < 0) {
		err = ENOMEM;
		gg_evloop_unwatch(loop, srv->lfd);
		goto fail;
	}
	return srv;
fail:
	if (srv->lfd >= 0)
		close(srv->lfd);
	sbi_tls_ctx_free(srv->tls);
	nghttp2_session_callbacks_del(srv->cbs);
	nghttp2_option_del(srv->opt);
	free(srv);
	errno = err;
	return NULL;
}

void
gg_sbi_server_free(struct gg_sbi_server *srv)
{
	struct gg_sbi_request *req;
	struct sbi_conn *c;

	if (srv == NULL)
		return;
	sbi_enter(srv);
	gg_evloop_timer_cancel(srv->loop, srv->timer);
	if (srv->kick_timer != 0)
		gg_evloop_timer_cancel(srv->loop, srv->kick_timer);
	if (!srv->accept_paused)
		gg_evloop_unwatch(srv->loop, srv->lfd);
	close(srv->lfd);
	while ((c = TAILQ_FIRST(&srv->conns)) != NULL) {
		nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE,
				nghttp2_session_get_last_proc_stream_id(c->h2),
				NGHTTP2_NO_ERROR, NULL, 0);
		conn_flush(c);
		conn_close(c);
	}
	sbi_leave(srv); /* runs the cancel callbacks */
	/* What the application still holds outlives us. */
	while ((req = TAILQ_FIRST(&srv->held)) != NULL) {
		TAILQ_REMOVE(&srv->held, req, held_next);
		req->srv = NULL;
	}
	nghttp2_session_callbacks_del(srv->cbs);
	nghttp2_option_del(srv->opt);
	sbi_tls_ctx_free(srv->tls);
	free(srv);
}

uint16_t
gg_sbi_server_port(const struct gg_sbi_server *srv)
{
	return srv->port;
}

void
gg_sbi_server_stats(const struct gg_sbi_server *srv, struct gg_sbi_stats *out)
{
	*out = srv->st;
}
