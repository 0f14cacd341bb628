/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fetcher: libcurl's multi_socket interface driven by the control
 * lcore's event loop, the allow-list gate in front of it, result delivery
 * and the limits. Rules and costs are in gg_fetch.h.
 *
 * libcurl tells us which sockets to watch (on_curl_socket) and when to call
 * it back without socket activity (on_curl_timer_change); we call
 * curl_multi_socket_action() from the loop's descriptor and timer
 * callbacks, then collect finished transfers. User callbacks never run
 * inside a libcurl call, so they may add or abort transfers freely.
 *
 * Freeing from inside a callback: f->busy counts our loop callbacks on the
 * stack; gg_fetch_free() then only cancels, and the outermost one releases
 * the memory when it unwinds.
 *
 * POSTs (gg_fetch_post()) are transfers of their own: never joined, never
 * cached, same easy-handle settings as a get (no redirect, no proxy, http
 * and https only), the body copied by libcurl, the answer's body not read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/queue.h>

#include <curl/curl.h>

#include "gg_evloop.h"
#include "gg_fetch.h"
#include "fetch_private.h"

/* First body buffer; it doubles up to max_body. */
#define BODY_FIRST 4096

/* Queued gets are failed this often when they waited timeout_ms. */
#define QUEUE_TICK_MS 100

/* One get waiting for a transfer. */
struct waiter {
	struct waiter *next;
	gg_fetch_cb cb;
	void *arg;
};

/* One transfer under way, shared by the gets of its URL. */
struct xfer {
	struct xfer *next;       /* f->xfers */
	struct xfer **pprev;
	struct gg_fetch *f;
	CURL *easy;
	struct waiter *waiters;  /* in arrival order */
	struct waiter **wtail;
	uint8_t *buf;
	size_t len;
	size_t cap;
	bool head_checked;       /* the status line was looked at */
	bool not_2xx;            /* aborted: the answer is not a 2xx */
	bool too_big;            /* aborted: body over max_body */
	bool nomem;              /* aborted: buffer growth failed */
	bool is_post;            /* a POST: only the status matters */
	bool post_2xx;           /* POST: a 2xx head came; the body is not read */
	struct curl_slist *headers; /* POST: Content-Type, no Expect */
	struct fetch_host *host;    /* counted in host->active or ->queued */
	bool queued;             /* waiting in host->queue, not started */
	uint64_t deadline_ms;    /* queued: answered TIMEOUT after this */
	TAILQ_ENTRY(xfer) qlink; /* host->queue */
	char url[];              /* canonical */
};

/*
 * A host ("scheme://host[:port]") with transfers under way or queued.
 * At most max_per_host transfers each: one hanging CA server ties up its
 * own share, never the whole pool. Gets over that (or over max_transfers)
 * wait in the host's FIFO; finished transfers hand their slot to the
 * hosts with a queue in turn (round robin), so a host with a long queue
 * cannot starve one with a short one. A host exists while it has work:
 * never more than max_transfers + queued gets of them.
 */
struct fetch_host {
	struct fetch_host *next;     /* f->hosts */
	TAILQ_HEAD(, xfer) queue;
	TAILQ_ENTRY(fetch_host) ring; /* f->ring, while the queue is not empty */
	unsigned int active;
	unsigned int queued;
	char key[];
};

/* A cache hit waiting for the 0 ms timer. */
struct ready {
	struct ready *next;
	gg_fetch_cb cb;
	void *arg;
	long http_status;
	size_t len;
	uint8_t body[];
};

struct gg_fetch {
	struct gg_evloop *loop;
	CURLM *multi;
	char **prefixes;         /* canonical */
	unsigned int n_prefixes;
	size_t max_body;
	uint32_t timeout_ms;
	uint32_t connect_timeout_ms;
	unsigned int max_transfers;
	unsigned int max_pending;
	unsigned int max_per_host;
	unsigned int max_host_queue;
	bool cache_put_only;
	struct fetch_host *hosts;
	TAILQ_HEAD(, fetch_host) ring;   /* hosts with queued gets, in turn */
	long queue_timer;            /* 0: not armed */
	char *ca_file;
	struct fetch_cache *cache;   /* NULL: no cache */
	struct xfer *xfers;
	unsigned int n_xfers;
	unsigned int n_pending;      /* callbacks owed */
	struct ready *ready_head;
	struct ready **ready_tail;
	long ready_timer;            /* 0: not armed */
	long curl_timer;             /* 0: not armed */
	uint8_t *owned;              /* owned[fd]: we watch fd for libcurl */
	int n_owned;
	unsigned int busy;           /* our loop callbacks on the stack */
	bool closing;
	struct gg_fetch_stats stats;
	struct agree_memo *agree;    /* check_url(); NULL: no memory, none */
};

const char *
gg_fetch_status_name(enum gg_fetch_status st)
{
	static const char *const names[GG_FETCH_STATUS_MAX] = {
		[GG_FETCH_OK] = "ok",
		[GG_FETCH_HTTP_ERROR] = "http_error",
		[GG_FETCH_TOO_BIG] = "too_big",
		[GG_FETCH_TIMEOUT] = "timeout",
		[GG_FETCH_CONNECT_FAILED] = "connect_failed",
		[GG_FETCH_TLS_FAILED] = "tls_failed",
		[GG_FETCH_CANCELLED] = "cancelled",
		[GG_FETCH_ERROR] = "error",
	};

	if ((unsigned int)st >= GG_FETCH_STATUS_MAX)
		return "?";
	return names[st];
}

static void
count_result(struct gg_fetch *f, enum gg_fetch_status st)
{
	switch (st) {
	case GG_FETCH_OK:
		f->stats.res_ok++;
		break;
	case GG_FETCH_HTTP_ERROR:
		f->stats.res_http_error++;
		break;
	case GG_FETCH_TOO_BIG:
		f->stats.res_too_big++;
		break;
	case GG_FETCH_TIMEOUT:
		f->stats.res_timeout++;
		break;
	case GG_FETCH_CONNECT_FAILED:
		f->stats.res_connect_failed++;
		break;
	case GG_FETCH_TLS_FAILED:
		f->stats.res_tls_failed++;
		break;
	case GG_FETCH_CANCELLED:
		f->stats.res_cancelled++;
		break;
	default:
		f->stats.res_error++;
		break;
	}
}

/* ---- descriptors we watch for libcurl ---- */

static bool
fd_owned(const struct gg_fetch *f, int fd)
{
	return fd >= 0 && fd < f->n_owned && f->owned[fd] != 0;
}

static int
fd_set_owned(struct gg_fetch *f, int fd, bool on)
{
	if (fd >= f->n_owned) {
		int n = fd + 64;
		uint8_t *o;

		if (!on)
			return 0;
		o = realloc(f->owned, (size_t)n);
		if (o == NULL)
			return -1;
		memset(o + f->n_owned, 0, (size_t)(n - f->n_owned));
		f->owned = o;
		f->n_owned = n;
	}
	f->owned[fd] = on;
	return 0;
}

static void destroy(struct gg_fetch *f);

static void
enter(struct gg_fetch *f)
{
	f->busy++;
}

/* True when f is gone. */
static bool
leave(struct gg_fetch *f)
{
	if (--f->busy == 0 && f->closing) {
		destroy(f);
		return true;
	}
	return false;
}

/* ---- finished transfers ---- */

static enum gg_fetch_status
classify(const struct xfer *x, CURLcode rc, long code)
{
	bool is_2xx = code >= 200 && code <= 299;

	if (x->not_2xx)
		return GG_FETCH_HTTP_ERROR;
	if (x->post_2xx)
		return GG_FETCH_OK;
	if (x->is_post && rc == CURLE_OK)
		return is_2xx ? GG_FETCH_OK : GG_FETCH_HTTP_ERROR;
	if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		return code != 0 && !is_2xx ? GG_FETCH_HTTP_ERROR :
			GG_FETCH_TOO_BIG;
	switch (rc) {
	case CURLE_OK:
		/* a 3xx, a 204 or an empty 200 is not a certificate */
		return is_2xx && x->len > 0 ? GG_FETCH_OK : GG_FETCH_HTTP_ERROR;
	case CURLE_OPERATION_TIMEDOUT:
		return GG_FETCH_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		return GG_FETCH_CONNECT_FAILED;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return GG_FETCH_TLS_FAILED;
	default:
		return GG_FETCH_ERROR;
	}
}

/* ---- hosts ---- */

/* "scheme://authority" of a canonical URL. */
static void
host_key(const char *canon, char *key, size_t size)
{
	const char *p = strstr(canon, "://");
	size_t n;

	p = p != NULL ? strchr(p + 3, '/') : NULL;
	n = p != NULL ? (size_t)(p - canon) : strlen(canon);
	if (n >= size)
		n = size - 1;
	memcpy(key, canon, n);
	key[n] = '\0';
}

/* Find or make the host of @p canon; a walk of the hosts with work
 * (bounded as said at struct fetch_host). NULL: no memory. */
static struct fetch_host *
host_get(struct gg_fetch *f, const char *canon)
{
	char key[GG_FETCH_URL_MAX + 1];
	struct fetch_host *h;
	size_t n;

	host_key(canon, key, sizeof(key));
	for (h = f->hosts; h != NULL; h = h->next)
		if (strcmp(h->key, key) == 0)
			return h;
	n = strlen(key) + 1;
	h = calloc(1, sizeof(*h) + n);
	if (h == NULL)
		return NULL;
	memcpy(h->key, key, n);
	TAILQ_INIT(&h->queue);
	h->next = f->hosts;
	f->hosts = h;
	return h;
}

/* Free @p h once it has no work left. */
static void
host_release(struct gg_fetch *f, struct fetch_host *h)
{
	struct fetch_host **pp;

	if (h == NULL || h->active != 0 || h->queued != 0)
		return;
	for (pp = &f->hosts; *pp != NULL; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	free(h);
}

static void
xfer_unlink(struct gg_fetch *f, struct xfer *x)
{
	*x->pprev = x->next;
	if (x->next != NULL)
		x->next->pprev = x->pprev;
	f->n_xfers--;
	if (x->host != NULL)
		x->host->active--;
	curl_multi_remove_handle(f->multi, x->easy);
}

static void
xfer_free(struct xfer *x)
{
	struct waiter *w;

	while ((w = x->waiters) != NULL) {
		x->waiters = w->next;
		free(w);
	}
	if (x->easy != NULL)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	free(x->buf);
	free(x);
}

/* Answer every get of an unlinked transfer. The list is walked to its
 * end even if a callback frees the fetcher: each get is answered once. */
static void
xfer_answer(struct gg_fetch *f, struct xfer *x, enum gg_fetch_status st,
		long code)
{
	const uint8_t *body = st == GG_FETCH_OK ? x->buf : NULL;
	size_t len = st == GG_FETCH_OK ? x->len : 0;
	struct waiter *w;

	while ((w = x->waiters) != NULL) {
		x->waiters = w->next;
		f->n_pending--;
		count_result(f, st);
		w->cb(w->arg, st, code, body, len);
		free(w);
	}
}

struct post_body;
static int xfer_launch(struct gg_fetch *f, struct xfer *x,
		const struct post_body *pb);

/* Give free transfer slots to the queued gets, one host after another. */
static void
dispatch(struct gg_fetch *f)
{
	struct fetch_host *h, *first_full = NULL;
	struct xfer *x;

	while (!f->closing && f->n_xfers < f->max_transfers &&
			(h = TAILQ_FIRST(&f->ring)) != NULL && h != first_full) {
		TAILQ_REMOVE(&f->ring, h, ring);
		if (h->active >= f->max_per_host) {
			/* Its turn passes; stop once every host was full. */
			TAILQ_INSERT_TAIL(&f->ring, h, ring);
			if (first_full == NULL)
				first_full = h;
			continue;
		}
		first_full = NULL;
		x = TAILQ_FIRST(&h->queue);
		TAILQ_REMOVE(&h->queue, x, qlink);
		h->queued--;
		x->queued = false;
		if (!TAILQ_EMPTY(&h->queue))
			TAILQ_INSERT_TAIL(&f->ring, h, ring);
		if (gg_evloop_now_ms() >= x->deadline_ms) {
			/* Waited its whole time already. */
			f->stats.queue_timeouts++;
			xfer_answer(f, x, GG_FETCH_TIMEOUT, 0);
			host_release(f, h);
			xfer_free(x);
		} else if (xfer_launch(f, x, NULL) != 0) {
			xfer_answer(f, x, GG_FETCH_ERROR, 0);
			host_release(f, h);
			xfer_free(x);
		}
	}
}

/* Queued gets that waited timeout_ms are answered GG_FETCH_TIMEOUT. */
static uint64_t
on_queue_timer(struct gg_evloop *loop, void *arg)
{
	struct gg_fetch *f = arg;
	uint64_t now = gg_evloop_now_ms();
	TAILQ_HEAD(, xfer) late = TAILQ_HEAD_INITIALIZER(late);
	struct fetch_host *h, *next;
	struct xfer *x;

	(void)loop;
	/* Take them all out first: the callbacks may queue more. */
	for (h = TAILQ_FIRST(&f->ring); h != NULL; h = next) {
		next = TAILQ_NEXT(h, ring);
		while ((x = TAILQ_FIRST(&h->queue)) != NULL &&
				now >= x->deadline_ms) {
			TAILQ_REMOVE(&h->queue, x, qlink);
			h->queued--;
			TAILQ_INSERT_TAIL(&late, x, qlink);
		}
		if (TAILQ_EMPTY(&h->queue))
			TAILQ_REMOVE(&f->ring, h, ring);
	}
	enter(f);
	while ((x = TAILQ_FIRST(&late)) != NULL) {
		TAILQ_REMOVE(&late, x, qlink);
		f->stats.queue_timeouts++;
		xfer_answer(f, x, GG_FETCH_TIMEOUT, 0);
		host_release(f, x->host);
		xfer_free(x);
	}
	if (TAILQ_EMPTY(&f->ring) || f->closing) {
		f->queue_timer = 0;
		leave(f);
		return 0;
	}
	if (leave(f))
		return 0;
	return QUEUE_TICK_MS;
}

static void
xfer_done(struct gg_fetch *f, struct xfer *x, CURLcode rc)
{
	enum gg_fetch_status st;
	long code = 0;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	st = classify(x, rc, code);
	xfer_unlink(f, x);
	f->stats.body_octets += x->len;
	/* A POST's answer is not a certificate: it never enters the cache;
	 * with cache_put_only nothing does before the caller vouches. */
	if (st == GG_FETCH_OK && f->cache != NULL && !f->cache_put_only &&
			!x->is_post)
		(void)fetch_cache_insert(f->cache, x->url, x->buf, x->len, code,
				gg_evloop_now_ms()); /* ENOMEM: just not cached */
	/* The host's slot is free once the transfer is over; released before
	 * the answer, whose callback may free the fetcher and its hosts. */
	host_release(f, x->host);
	x->host = NULL;
	xfer_answer(f, x, st, code);
	xfer_free(x);
	dispatch(f);
}

/* Collect what libcurl finished. Stops when a callback frees the fetcher
 * (the rest was cancelled by that call). */
static void
check_done(struct gg_fetch *f)
{
	CURLMsg *m;
	int left;

	while (!f->closing && (m = curl_multi_info_read(f->multi, &left)) != NULL) {
		char *x = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &x);
		if (x != NULL)
			xfer_done(f, (struct xfer *)x, m->data.result);
	}
}

/* ---- libcurl on the event loop ---- */

static void
on_fd(struct gg_evloop *loop, int fd, unsigned int events, void *arg)
{
	struct gg_fetch *f = arg;
	int mask = 0, running;

	(void)loop;
	if (events & GG_EV_READ)
		mask |= CURL_CSELECT_IN;
	if (events & GG_EV_WRITE)
		mask |= CURL_CSELECT_OUT;
	enter(f);
	curl_multi_socket_action(f->multi, fd, mask, &running);
	check_done(f);
	leave(f);
}

static uint64_t
on_curl_timer(struct gg_evloop *loop, void *arg)
{
	struct gg_fetch *f = arg;
	int running;

	(void)loop;
	f->curl_timer = 0;
	enter(f);
	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(f);
	leave(f);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: one timer, replaced on each call. libcurl must
 * not be called from here, so even 0 ms goes through the loop. */
static int
on_curl_timer_change(CURLM *multi, long timeout_ms, void *arg)
{
	struct gg_fetch *f = arg;

	(void)multi;
	if (f->curl_timer != 0) {
		gg_evloop_timer_cancel(f->loop, f->curl_timer);
		f->curl_timer = 0;
	}
	if (timeout_ms < 0)
		return 0;
	f->curl_timer = gg_evloop_timer(f->loop, (uint64_t)timeout_ms,
			on_curl_timer, f);
	if (f->curl_timer < 0) {
		f->curl_timer = 0;
		return -1;
	}
	return 0;
}

/* CURLMOPT_SOCKETFUNCTION: mirror what libcurl waits for into the loop. */
static int
on_curl_socket(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct gg_fetch *f = arg;
	unsigned int ev = 0;

	(void)easy;
	(void)sockp;
	if (what == CURL_POLL_REMOVE) {
		if (fd_owned(f, s)) {
			gg_evloop_unwatch(f->loop, s);
			fd_set_owned(f, s, false);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= GG_EV_READ;
	if (what & CURL_POLL_OUT)
		ev |= GG_EV_WRITE;
	if (fd_set_owned(f, s, true) != 0)
		return -1;
	if (gg_evloop_watch(f->loop, s, ev, on_fd, f) == 0)
		return 0;
	/* A slot left by a descriptor closed without unwatch makes epoll
	 * refuse the change for this new one with the same number: clear it
	 * and add afresh. No other user can hold s while libcurl does. */
	gg_evloop_unwatch(f->loop, s);
	if (gg_evloop_watch(f->loop, s, ev, on_fd, f) == 0)
		return 0;
	fd_set_owned(f, s, false);
	return -1;
}

/* CURLOPT_CLOSESOCKETFUNCTION: libcurl may close a cached connection
 * without CURL_POLL_REMOVE; never leave its slot in the loop behind. */
static int
on_curl_close(void *arg, curl_socket_t s)
{
	struct gg_fetch *f = arg;

	if (fd_owned(f, s)) {
		gg_evloop_unwatch(f->loop, s);
		fd_set_owned(f, s, false);
	}
	return close(s);
}

/* CURLOPT_WRITEFUNCTION: keep the body, refuse early. */
static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb, max = x->f->max_body;

	if (n == 0)
		return 0;
	if (!x->head_checked) {
		long code = 0;

		/* Do not read an error page: the status says it all. */
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code < 200 || code > 299) {
			x->not_2xx = true;
			return 0;
		}
		/* A POST's outcome is its status; its body is not ours to keep. */
		if (x->is_post) {
			x->post_2xx = true;
			return 0;
		}
		x->head_checked = true;
	}
	if (n > max - x->len) {
		x->too_big = true;
		return 0;
	}
	if (x->len + n > x->cap) {
		size_t cap = x->cap != 0 ? x->cap : BODY_FIRST;
		uint8_t *b;

		while (cap < x->len + n)
			cap *= 2;
		if (cap > max)
			cap = max;
		b = realloc(x->buf, cap);
		if (b == NULL) {
			x->nomem = true;
			return 0;
		}
		x->buf = b;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, data, n);
	x->len += n;
	return n;
}

/* ---- cache hits ---- */

static uint64_t
on_ready_timer(struct gg_evloop *loop, void *arg)
{
	struct gg_fetch *f = arg;
	struct ready *list = f->ready_head, *r;

	(void)loop;
	f->ready_timer = 0;
	/* Detach first: hits found by these callbacks go to the next pass,
	 * and each entry here is answered once even if one frees f. */
	f->ready_head = NULL;
	f->ready_tail = &f->ready_head;
	enter(f);
	while ((r = list) != NULL) {
		list = r->next;
		f->n_pending--;
		count_result(f, GG_FETCH_OK);
		r->cb(r->arg, GG_FETCH_OK, r->http_status, r->body, r->len);
		free(r);
	}
	leave(f);
	return 0;
}

static int
queue_hit(struct gg_fetch *f, const uint8_t *body, size_t len, long code,
		gg_fetch_cb cb, void *arg)
{
	struct ready *r = malloc(sizeof(*r) + len);

	if (r == NULL)
		return -ENOMEM;
	if (f->ready_timer == 0) {
		f->ready_timer = gg_evloop_timer(f->loop, 0, on_ready_timer, f);
		if (f->ready_timer < 0) {
			f->ready_timer = 0;
			free(r);
			return -ENOMEM;
		}
	}
	r->next = NULL;
	r->cb = cb;
	r->arg = arg;
	r->http_status = code;
	r->len = len;
	memcpy(r->body, body, len);
	*f->ready_tail = r;
	f->ready_tail = &r->next;
	return 0;
}

/* ---- the gate ---- */

/* libcurl's own parse of the canonical URL must name the same scheme,
 * host and port as ours, and no user: a second opinion against parser
 * differentials. */
static int
curl_agrees(const char *canon, const struct url_parts *pp)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
	int rc = -EINVAL;

	if (u == NULL)
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, canon, 0) == CURLUE_OK &&
			curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
			curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
			curl_url_get(u, CURLUPART_PORT, &port,
				CURLU_DEFAULT_PORT) == CURLUE_OK &&
			curl_url_get(u, CURLUPART_USER, &user, 0) ==
				CURLUE_NO_USER &&
			strcmp(scheme, pp->scheme) == 0 &&
			strcmp(host, pp->host) == 0 &&
			strtoul(port, NULL, 10) == pp->port)
		rc = 0;
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_url_cleanup(u);
	return rc;
}

/* 0 with the canonical URL in canon, -EINVAL or -EPERM. */
static int
check_url_in(char *const *prefixes, unsigned int n_prefixes, const char *url,
		char canon[GG_FETCH_URL_MAX + 1])
{
	struct url_parts parts;
	unsigned int i;
	int n;

	n = fetch_url_canon(url, canon, GG_FETCH_URL_MAX + 1, &parts);
	if (n < 0 || curl_agrees(canon, &parts) != 0)
		return -EINVAL;
	for (i = 0; i < n_prefixes; i++)
		if (strncmp(canon, prefixes[i], strlen(prefixes[i])) == 0)
			return 0;
	return -EPERM;
}

/*
 * libcurl's verdicts on the canonical URLs seen last: its parse costs
 * more than ours (a dozen allocations, about half of a URL check) and a
 * device asks for the same URL again and again. The verdict depends on
 * the canonical URL and our parts only, both kept and compared in full,
 * so a hit is the answer curl_agrees() would give. Direct-mapped.
 */
#define AGREE_SLOTS 64

struct agree_entry {
	struct url_parts parts;
	char canon[];
};

struct agree_memo {
	struct agree_entry *slot[AGREE_SLOTS];
};

static uint32_t
agree_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static void
agree_memo_free(struct agree_memo *m)
{
	unsigned int i;

	if (m == NULL)
		return;
	for (i = 0; i < AGREE_SLOTS; i++)
		free(m->slot[i]);
	free(m);
}

static int
check_url(const struct gg_fetch *f, const char *url,
		char canon[GG_FETCH_URL_MAX + 1])
{
	struct agree_memo *m = f->agree;
	struct agree_entry **e;
	struct url_parts parts;
	unsigned int i;
	size_t len;
	int n;

	n = fetch_url_canon(url, canon, GG_FETCH_URL_MAX + 1, &parts);
	if (n < 0)
		return -EINVAL;
	e = m != NULL ? &m->slot[agree_hash(canon) % AGREE_SLOTS] : NULL;
	if (e == NULL || *e == NULL || strcmp((*e)->canon, canon) != 0 ||
			strcmp((*e)->parts.scheme, parts.scheme) != 0 ||
			strcmp((*e)->parts.host, parts.host) != 0 ||
			(*e)->parts.port != parts.port) {
		if (curl_agrees(canon, &parts) != 0)
			return -EINVAL;
		/* Only agreements are kept; no memory: not kept. */
		len = (size_t)n + 1;
		if (e != NULL) {
			struct agree_entry *ne = malloc(sizeof(*ne) + len);

			if (ne != NULL) {
				ne->parts = parts;
				memcpy(ne->canon, canon, len);
				free(*e);
				*e = ne;
			}
		}
	}
	for (i = 0; i < f->n_prefixes; i++)
		if (strncmp(canon, f->prefixes[i], strlen(f->prefixes[i])) == 0)
			return 0;
	return -EPERM;
}

/* Canonical prefixes (with a path, no query) into a new array. */
static int
prefixes_load(char ***out, unsigned int *n_out, const char *const *prefixes,
		unsigned int n)
{
	char **list;
	unsigned int i;

	*out = NULL;
	*n_out = 0;
	if (n == 0)
		return 0;
	list = calloc(n, sizeof(*list));
	if (list == NULL)
		return -ENOMEM;
	*out = list;
	for (i = 0; i < n; i++) {
		char canon[GG_FETCH_URL_MAX + 1], any_port[GG_FETCH_URL_MAX + 1];
		const char *pre = prefixes[i];
		struct url_parts parts;
		size_t len;
		int cn;

		if (pre == NULL)
			return -EINVAL;
		/* "scheme://host:" (any explicit port of that host): checked
		 * as "scheme://host:1/", kept without the "1/". The ':' pins
		 * the host as a '/' would. */
		len = strlen(pre);
		if (len > 0 && pre[len - 1] == ':' && strstr(pre, "://") != NULL &&
				strchr(strstr(pre, "://") + 3, '/') == NULL) {
			if (snprintf(any_port, sizeof(any_port), "%s1/", pre) >=
					(int)sizeof(any_port))
				return -EINVAL;
			cn = fetch_url_canon(any_port, canon, sizeof(canon), &parts);
			if (cn < 3 || strcmp(canon + cn - 3, ":1/") != 0)
				return -EINVAL;
			canon[cn - 2] = '\0';
		} else if (fetch_url_canon(pre, canon, sizeof(canon), &parts) < 0 ||
				parts.has_query) {
			return -EINVAL;
		}
		list[i] = strdup(canon);
		if (list[i] == NULL)
			return -ENOMEM;
		(*n_out)++;
	}
	return 0;
}

static void
prefixes_free(char **list, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

struct gg_fetch_allow {
	char **prefixes;
	unsigned int n_prefixes;
};

struct gg_fetch_allow *
gg_fetch_allow_create(const char *const *prefixes, unsigned int n)
{
	struct gg_fetch_allow *al;
	int rc;

	if ((prefixes == NULL && n != 0) || n > GG_FETCH_PREFIXES_MAX) {
		errno = EINVAL;
		return NULL;
	}
	al = calloc(1, sizeof(*al));
	if (al == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	rc = prefixes_load(&al->prefixes, &al->n_prefixes, prefixes, n);
	if (rc != 0) {
		gg_fetch_allow_free(al);
		errno = -rc;
		return NULL;
	}
	return al;
}

void
gg_fetch_allow_free(struct gg_fetch_allow *al)
{
	if (al == NULL)
		return;
	prefixes_free(al->prefixes, al->n_prefixes);
	free(al);
}

int
gg_fetch_allow_check(const struct gg_fetch_allow *al, const char *url)
{
	char canon[GG_FETCH_URL_MAX + 1];

	if (al == NULL || url == NULL)
		return -EINVAL;
	return check_url_in(al->prefixes, al->n_prefixes, url, canon);
}

int
gg_fetch_url_check(const struct gg_fetch *f, const char *url)
{
	char canon[GG_FETCH_URL_MAX + 1];

	if (f == NULL || url == NULL)
		return -EINVAL;
	return check_url(f, url, canon);
}

/* ---- transfers ---- */

static CURL *
easy_new(struct gg_fetch *f, struct xfer *x)
{
	CURL *e = curl_easy_init();
	CURLcode rc = CURLE_OK;

	if (e == NULL)
		return NULL;
#define SET(opt, val) \
	do { \
		if (rc == CURLE_OK) \
			rc = curl_easy_setopt(e, opt, val); \
	} while (0)
	SET(CURLOPT_URL, (const char *)x->url);
	SET(CURLOPT_PRIVATE, x);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_CLOSESOCKETFUNCTION, on_curl_close);
	SET(CURLOPT_CLOSESOCKETDATA, f);
	/* http(s) only, also for anything libcurl might follow */
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_MAXREDIRS, 0L);
	/* "" disables proxies, environment variables included */
	SET(CURLOPT_PROXY, "");
	/* we refuse dot segments ourselves; send the path as checked */
	SET(CURLOPT_PATH_AS_IS, 1L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TIMEOUT_MS, (long)f->timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)f->connect_timeout_ms);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->max_body);
	SET(CURLOPT_USERAGENT, "gardengate-ausf");
	if (f->ca_file != NULL)
		SET(CURLOPT_CAINFO, f->ca_file);
#undef SET
	if (rc != CURLE_OK) {
		curl_easy_cleanup(e);
		return NULL;
	}
	return e;
}

/* What makes a POST of an easy handle: the body (copied), its type. */
struct post_body {
	const char *content_type;
	const void *data;
	size_t len;
};

static int
easy_post(struct xfer *x, const struct post_body *pb)
{
	char ct[160];
	struct curl_slist *h;
	CURLcode rc = CURLE_OK;

	snprintf(ct, sizeof(ct), "Content-Type: %s", pb->content_type);
	h = curl_slist_append(NULL, ct);
	if (h == NULL)
		return -ENOMEM;
	x->headers = h;
	/* No "Expect: 100-continue" wait (a second lost per large body). */
	h = curl_slist_append(x->headers, "Expect:");
	if (h == NULL)
		return -ENOMEM;
	x->headers = h;
	x->is_post = true;
	rc = curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE,
			(curl_off_t)pb->len);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(x->easy, CURLOPT_COPYPOSTFIELDS,
				pb->len != 0 ? pb->data : "");
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	return rc == CURLE_OK ? 0 : -ENOMEM;
}

/* A transfer object with its first get, not started. */
static struct xfer *
xfer_new(struct gg_fetch *f, const char *canon, gg_fetch_cb cb, void *arg,
		struct fetch_host *h)
{
	size_t ulen = strlen(canon) + 1;
	struct xfer *x = calloc(1, sizeof(*x) + ulen);
	struct waiter *w = malloc(sizeof(*w));

	if (x == NULL || w == NULL) {
		free(x);
		free(w);
		return NULL;
	}
	memcpy(x->url, canon, ulen);
	x->f = f;
	x->host = h;
	w->next = NULL;
	w->cb = cb;
	w->arg = arg;
	x->waiters = w;
	x->wtail = &w->next;
	return x;
}

/* Start @p x (counted on its host). On failure -ENOMEM and x is as
 * before (the caller frees or answers it). */
static int
xfer_launch(struct gg_fetch *f, struct xfer *x, const struct post_body *pb)
{
	x->easy = easy_new(f, x);
	if (x->easy == NULL)
		return -ENOMEM;
	if (pb != NULL && easy_post(x, pb) != 0)
		goto fail;
	/* Link first: adding may call our socket and timer callbacks. */
	x->next = f->xfers;
	if (f->xfers != NULL)
		f->xfers->pprev = &x->next;
	f->xfers = x;
	x->pprev = &f->xfers;
	f->n_xfers++;
	x->host->active++;
	if (curl_multi_add_handle(f->multi, x->easy) != CURLM_OK) {
		*x->pprev = x->next;
		if (x->next != NULL)
			x->next->pprev = x->pprev;
		f->n_xfers--;
		x->host->active--;
		goto fail;
	}
	return 0;
fail:
	curl_easy_cleanup(x->easy);
	x->easy = NULL;
	curl_slist_free_all(x->headers);
	x->headers = NULL;
	return -ENOMEM;
}

static int
start_transfer(struct gg_fetch *f, const char *canon, gg_fetch_cb cb, void *arg,
		const struct post_body *pb, struct fetch_host *h)
{
	struct xfer *x = xfer_new(f, canon, cb, arg, h);

	if (x == NULL)
		return -ENOMEM;
	if (xfer_launch(f, x, pb) != 0) {
		xfer_free(x);
		return -ENOMEM;
	}
	return 0;
}

static int
queue_transfer(struct gg_fetch *f, const char *canon, gg_fetch_cb cb,
		void *arg, struct fetch_host *h)
{
	struct xfer *x;

	if (f->queue_timer == 0) {
		f->queue_timer = gg_evloop_timer(f->loop, QUEUE_TICK_MS,
				on_queue_timer, f);
		if (f->queue_timer < 0) {
			f->queue_timer = 0;
			return -ENOMEM;
		}
	}
	x = xfer_new(f, canon, cb, arg, h);
	if (x == NULL)
		return -ENOMEM;
	x->queued = true;
	x->deadline_ms = gg_evloop_now_ms() + f->timeout_ms;
	if (TAILQ_EMPTY(&h->queue))
		TAILQ_INSERT_TAIL(&f->ring, h, ring);
	TAILQ_INSERT_TAIL(&h->queue, x, qlink);
	h->queued++;
	return 0;
}

/* gg_fetch_get() of a URL that passed check_url(): @p canon. */
static int
get_canon(struct gg_fetch *f, const char *canon, gg_fetch_cb cb, void *arg)
{
	struct fetch_host *h;
	const uint8_t *body;
	struct xfer *x;
	size_t len;
	long code;
	int rc;

	if (f->n_pending >= f->max_pending) {
		f->stats.rejected_busy++;
		return -EBUSY;
	}
	if (f->cache != NULL && fetch_cache_lookup(f->cache, canon,
			gg_evloop_now_ms(), &body, &len, &code) == 1) {
		rc = queue_hit(f, body, len, code, cb, arg);
		if (rc != 0)
			return rc;
		f->stats.cache_hits++;
		goto accepted;
	}
	h = host_get(f, canon);
	if (h == NULL)
		return -ENOMEM;
	for (x = f->xfers; x != NULL; x = x->next)
		if (!x->is_post && strcmp(x->url, canon) == 0)
			goto join;
	TAILQ_FOREACH(x, &h->queue, qlink)
		if (strcmp(x->url, canon) == 0)
			goto join;
	if (h->active < f->max_per_host && f->n_xfers < f->max_transfers) {
		rc = start_transfer(f, canon, cb, arg, NULL, h);
		if (rc != 0) {
			host_release(f, h);
			return rc;
		}
		f->stats.transfers++;
		goto accepted;
	}
	if (h->queued >= f->max_host_queue) {
		host_release(f, h);
		f->stats.rejected_busy++;
		return -EBUSY;
	}
	rc = queue_transfer(f, canon, cb, arg, h);
	if (rc != 0) {
		host_release(f, h);
		return rc;
	}
	f->stats.queued++;
	f->stats.transfers++;
	goto accepted;
join:
	{
		struct waiter *w = malloc(sizeof(*w));

		if (w == NULL)
			return -ENOMEM;
		w->next = NULL;
		w->cb = cb;
		w->arg = arg;
		*x->wtail = w;
		x->wtail = &w->next;
		f->stats.joined++;
	}
accepted:
	f->n_pending++;
	f->stats.requests++;
	return 0;
}

int
gg_fetch_get(struct gg_fetch *f, const char *url, gg_fetch_cb cb, void *arg)
{
	char canon[GG_FETCH_URL_MAX + 1];
	int rc;

	if (f == NULL || url == NULL || cb == NULL)
		return -EINVAL;
	if (f->closing)
		return -ESHUTDOWN;
	rc = check_url(f, url, canon);
	if (rc == -EPERM) {
		f->stats.rejected_prefix++;
		return rc;
	}
	if (rc != 0) {
		f->stats.rejected_url++;
		return rc;
	}
	return get_canon(f, canon, cb, arg);
}

int
gg_fetch_url_check_canon(const struct gg_fetch *f, const char *url,
		struct gg_fetch_url *out)
{
	int rc;

	if (f == NULL || url == NULL || out == NULL)
		return -EINVAL;
	out->canon[0] = '\0';
	rc = check_url(f, url, out->canon);
	if (rc != 0)
		out->canon[0] = '\0';
	return rc;
}

int
gg_fetch_get_url(struct gg_fetch *f, const struct gg_fetch_url *u,
		gg_fetch_cb cb, void *arg)
{
	if (f == NULL || u == NULL || u->canon[0] == '\0' || cb == NULL)
		return -EINVAL;
	if (f->closing)
		return -ESHUTDOWN;
	return get_canon(f, u->canon, cb, arg);
}

int
gg_fetch_cache_get(struct gg_fetch *f, const struct gg_fetch_url *u,
		const uint8_t **body, size_t *len)
{
	long code;

	if (f == NULL || u == NULL || u->canon[0] == '\0' || f->closing ||
			f->cache == NULL)
		return 0;
	if (fetch_cache_lookup(f->cache, u->canon, gg_evloop_now_ms(), body,
			len, &code) != 1)
		return 0;
	/* Counted as a get answered at once: requests = cache_hits +
	 * joined + transfers = sum of res_* still holds. */
	f->stats.requests++;
	f->stats.cache_hits++;
	count_result(f, GG_FETCH_OK);
	return 1;
}

int
gg_fetch_post(struct gg_fetch *f, const struct gg_fetch_allow *allow,
		const char *url, const char *content_type, const void *body,
		size_t len, gg_fetch_cb cb, void *arg)
{
	struct post_body pb = { .content_type = content_type, .data = body,
		.len = len };
	char canon[GG_FETCH_URL_MAX + 1];
	struct fetch_host *h;
	size_t i;
	int rc;

	if (f == NULL || allow == NULL || url == NULL || cb == NULL ||
			content_type == NULL || (body == NULL && len != 0) ||
			len > GG_FETCH_POST_MAX ||
			strlen(content_type) > GG_FETCH_CONTENT_TYPE_MAX)
		return -EINVAL;
	/* The media type goes into a header line: printable, no CR/LF. */
	for (i = 0; content_type[i] != '\0'; i++)
		if (content_type[i] < ' ' || content_type[i] > '~')
			return -EINVAL;
	if (f->closing)
		return -ESHUTDOWN;
	rc = check_url_in(allow->prefixes, allow->n_prefixes, url, canon);
	if (rc == -EPERM) {
		f->stats.rejected_prefix++;
		return rc;
	}
	if (rc != 0) {
		f->stats.rejected_url++;
		return rc;
	}
	if (f->n_pending >= f->max_pending || f->n_xfers >= f->max_transfers) {
		f->stats.rejected_busy++;
		return -EBUSY;
	}
	/* No queue for POSTs: their callers retry with backoff. */
	h = host_get(f, canon);
	if (h == NULL)
		return -ENOMEM;
	if (h->active >= f->max_per_host) {
		host_release(f, h);
		f->stats.rejected_busy++;
		return -EBUSY;
	}
	rc = start_transfer(f, canon, cb, arg, &pb, h);
	if (rc != 0) {
		host_release(f, h);
		return rc;
	}
	f->stats.transfers++;
	f->stats.posts++;
	f->n_pending++;
	f->stats.requests++;
	return 0;
}

/* ---- life cycle ---- */

static void
cancel_all(struct gg_fetch *f)
{
	struct ready *list = f->ready_head, *r;
	struct fetch_host *h;
	struct xfer *x;

	if (f->ready_timer != 0) {
		gg_evloop_timer_cancel(f->loop, f->ready_timer);
		f->ready_timer = 0;
	}
	f->ready_head = NULL;
	f->ready_tail = &f->ready_head;
	while ((r = list) != NULL) {
		list = r->next;
		f->n_pending--;
		count_result(f, GG_FETCH_CANCELLED);
		r->cb(r->arg, GG_FETCH_CANCELLED, 0, NULL, 0);
		free(r);
	}
	if (f->queue_timer != 0) {
		gg_evloop_timer_cancel(f->loop, f->queue_timer);
		f->queue_timer = 0;
	}
	/* Callbacks cannot add work any more (closing), so this ends. */
	while ((x = f->xfers) != NULL) {
		xfer_unlink(f, x);
		xfer_answer(f, x, GG_FETCH_CANCELLED, 0);
		host_release(f, x->host);
		xfer_free(x);
	}
	while ((h = TAILQ_FIRST(&f->ring)) != NULL) {
		while ((x = TAILQ_FIRST(&h->queue)) != NULL) {
			TAILQ_REMOVE(&h->queue, x, qlink);
			h->queued--;
			xfer_answer(f, x, GG_FETCH_CANCELLED, 0);
			xfer_free(x);
		}
		TAILQ_REMOVE(&f->ring, h, ring);
		host_release(f, h);
	}
}

static void
destroy(struct gg_fetch *f)
{
	unsigned int i;
	int fd;

	/* Closes the cached connections through on_curl_close(), which still
	 * needs f. */
	curl_multi_cleanup(f->multi);
	if (f->curl_timer != 0)
		gg_evloop_timer_cancel(f->loop, f->curl_timer);
	if (f->ready_timer != 0)
		gg_evloop_timer_cancel(f->loop, f->ready_timer);
	/* Whatever libcurl never released is gone with it now. */
	for (fd = 0; fd < f->n_owned; fd++)
		if (f->owned[fd])
			gg_evloop_unwatch(f->loop, fd);
	fetch_cache_free(f->cache);
	/* Every transfer and queued get was answered: hosts left (none
	 * expected) have no work. */
	while (f->hosts != NULL) {
		struct fetch_host *h = f->hosts;

		f->hosts = h->next;
		free(h);
	}
	for (i = 0; i < f->n_prefixes; i++)
		free(f->prefixes[i]);
	free(f->prefixes);
	free(f->ca_file);
	free(f->owned);
	agree_memo_free(f->agree);
	free(f);
	curl_global_cleanup();
}

void
gg_fetch_free(struct gg_fetch *f)
{
	if (f == NULL || f->closing)
		return;
	f->closing = true;
	enter(f);
	cancel_all(f);
	leave(f);
}

int
gg_fetch_cache_put(struct gg_fetch *f, const char *url, const uint8_t *body,
		size_t len)
{
	char canon[GG_FETCH_URL_MAX + 1];

	if (f == NULL || url == NULL || body == NULL || len == 0 ||
			len > f->max_body)
		return -EINVAL;
	if (f->cache == NULL)
		return 0;
	if (check_url(f, url, canon) != 0)
		return -EINVAL;
	return fetch_cache_insert(f->cache, canon, body, len, 200,
			gg_evloop_now_ms());
}

void
gg_fetch_cache_clear(struct gg_fetch *f)
{
	if (f != NULL && f->cache != NULL)
		fetch_cache_clear(f->cache);
}

void
gg_fetch_get_stats(const struct gg_fetch *f, struct gg_fetch_stats *st)
{
	*st = f->stats;
	if (f->cache != NULL) {
		st->cache_expired = fetch_cache_stats(f->cache)->expired;
		st->cache_evicted = fetch_cache_stats(f->cache)->evicted;
	}
}

static int
set_params(struct gg_fetch *f, const struct gg_fetch_params *p)
{
	unsigned int i;

	if (p->prefixes == NULL || p->n_prefixes == 0 ||
			p->n_prefixes > GG_FETCH_PREFIXES_MAX ||
			p->max_body > GG_FETCH_BODY_LIMIT)
		return -EINVAL;
	f->prefixes = calloc(p->n_prefixes, sizeof(*f->prefixes));
	if (f->prefixes == NULL)
		return -ENOMEM;
	for (i = 0; i < p->n_prefixes; i++) {
		char canon[GG_FETCH_URL_MAX + 1];
		struct url_parts parts;

		if (fetch_url_canon(p->prefixes[i], canon, sizeof(canon),
				&parts) < 0 || parts.has_query)
			return -EINVAL;
		f->prefixes[i] = strdup(canon);
		if (f->prefixes[i] == NULL)
			return -ENOMEM;
		f->n_prefixes++;
	}
	f->max_body = p->max_body != 0 ? p->max_body : GG_FETCH_DEFAULT_MAX_BODY;
	f->timeout_ms = p->timeout_ms != 0 ? p->timeout_ms :
		GG_FETCH_DEFAULT_TIMEOUT_MS;
	f->connect_timeout_ms = p->connect_timeout_ms != 0 ?
		p->connect_timeout_ms : GG_FETCH_DEFAULT_CONNECT_TIMEOUT_MS;
	if (f->connect_timeout_ms > f->timeout_ms)
		f->connect_timeout_ms = f->timeout_ms;
	f->max_transfers = p->max_transfers != 0 ? p->max_transfers :
		GG_FETCH_DEFAULT_MAX_TRANSFERS;
	f->max_pending = p->max_pending != 0 ? p->max_pending :
		GG_FETCH_DEFAULT_MAX_PENDING;
	f->max_per_host = p->max_per_host != 0 ? p->max_per_host :
		GG_FETCH_DEFAULT_MAX_PER_HOST;
	f->max_host_queue = p->max_host_queue != 0 ? p->max_host_queue :
		GG_FETCH_DEFAULT_MAX_HOST_QUEUE;
	f->cache_put_only = p->cache_put_only;
	if (p->ca_file != NULL) {
		f->ca_file = strdup(p->ca_file);
		if (f->ca_file == NULL)
			return -ENOMEM;
	}
	if (!p->no_cache) {
		uint32_t ttl = p->cache_ttl_s != 0 ? p->cache_ttl_s :
			GG_FETCH_DEFAULT_CACHE_TTL_S;

		f->cache = fetch_cache_create(p->cache_entries != 0 ?
				p->cache_entries : GG_FETCH_DEFAULT_CACHE_ENTRIES,
				(uint64_t)ttl * 1000);
		if (f->cache == NULL)
			return -ENOMEM;
	}
	return 0;
}

struct gg_fetch *
gg_fetch_create(struct gg_evloop *loop, const struct gg_fetch_params *p)
{
	struct gg_fetch *f;
	int rc;

	if (loop == NULL || p == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		errno = ENOMEM;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		curl_global_cleanup();
		errno = ENOMEM;
		return NULL;
	}
	f->loop = loop;
	f->ready_tail = &f->ready_head;
	TAILQ_INIT(&f->ring);
	f->agree = calloc(1, sizeof(*f->agree)); /* NULL: every check asks libcurl */
	rc = set_params(f, p);
	if (rc == 0) {
		f->multi = curl_multi_init();
		if (f->multi == NULL ||
				curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION,
					on_curl_socket) != CURLM_OK ||
				curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA,
					f) != CURLM_OK ||
				curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION,
					on_curl_timer_change) != CURLM_OK ||
				curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA,
					f) != CURLM_OK)
			rc = -ENOMEM;
	}
	if (rc != 0) {
		destroy(f); /* curl_multi_cleanup(NULL) is a no-op */
		errno = -rc;
		return NULL;
	}
	return f;
}
