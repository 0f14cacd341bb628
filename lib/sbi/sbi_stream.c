/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SBI server, HTTP/2 side: the nghttp2 callbacks that build requests from
 * frames, enforce the per-request limits, hand complete requests to the
 * handler and queue answers; the request objects, their accessors and the
 * exactly-once answer calls. Ownership rules are in gg_sbi.h, reference
 * counting (stream + application) in sbi_private.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbi_private.h"

#define MAKE_NV(n, v, vlen) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, \
	(vlen), NGHTTP2_NV_FLAG_NONE }

/* @p n octets from req->small while it lasts, else allocated; NULL when
 * out of memory. Given back with req_str_free(). */
static char *
req_alloc(struct gg_sbi_request *req, size_t n)
{
	char *p;

	if (n <= sizeof(req->small) - req->small_used) {
		p = req->small + req->small_used;
		req->small_used += n;
		return p;
	}
	return malloc(n);
}

/* A copy of @p n octets of @p v and a NUL. */
static char *
req_str(struct gg_sbi_request *req, const uint8_t *v, size_t n)
{
	char *p = req_alloc(req, n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, v, n);
	p[n] = '\0';
	return p;
}

static void
req_str_free(struct gg_sbi_request *req, char *p)
{
	if (p < req->small || p >= req->small + sizeof(req->small))
		free(p);
}

/* Drop every reference the lists hold and free. */
static void
req_free(struct gg_sbi_request *req)
{
	struct gg_sbi_server *srv = req->srv;
	unsigned int i;

	if (req->conn != NULL) {
		TAILQ_REMOVE(&req->conn->reqs, req, conn_next);
		req->conn->n_reqs--;
	}
	if (srv != NULL) {
		if (req->held)
			TAILQ_REMOVE(&srv->held, req, held_next);
		if (req->queued)
			TAILQ_REMOVE(&srv->cancelq, req, cancel_next);
		srv->n_reqs--;
	}
	for (i = 0; i < req->n_hdrs; i++)
		req_str_free(req, req->hdrs[i].name);
	if (req->hdrs != req->hdrs_small)
		free(req->hdrs);
	req_str_free(req, req->method);
	req_str_free(req, req->path);
	req_str_free(req, req->query);
	free(req->body);
	free(req->resp);
	free(req);
}

/* Mark cancelled; the callback runs when the outermost entry point leaves. */
static void
req_cancel(struct gg_sbi_request *req)
{
	struct gg_sbi_server *srv = req->srv;

	if (req->cancelled || !req->held)
		return;
	req->cancelled = 1;
	if (srv == NULL)
		return;
	srv->st.cancelled++;
	TAILQ_INSERT_TAIL(&srv->cancelq, req, cancel_next);
	req->queued = 1;
}

void
sbi_count_status(struct gg_sbi_server *srv, int status)
{
	if (status >= 500)
		srv->st.resp_5xx++;
	else if (status >= 400)
		srv->st.resp_4xx++;
	else if (status >= 300)
		srv->st.resp_3xx++;
	else
		srv->st.resp_2xx++;
}

static ssize_t
resp_read(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t len,
		uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	struct gg_sbi_request *req = src->ptr;
	size_t n = req->resp_len - req->resp_off;

	if (n > len)
		n = len;
	memcpy(buf, req->resp + req->resp_off, n);
	req->resp_off += n;
	if (req->resp_off == req->resp_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return n;
}

/*
 * Queue a response on the request's stream; does not touch the
 * application's hold. Called inside nghttp2 callbacks or outside; the
 * caller flushes (sbi_conn_kick()) when outside.
 */
int
sbi_submit(struct gg_sbi_request *req, int status, const char *ctype,
		const char *location, const void *body, size_t len)
{
	struct sbi_conn *c = req->conn;
	nghttp2_data_provider prd;
	nghttp2_nv nv[5];
	char st[4], cl[24];
	size_t n = 0;
	int no_body = status == 204 || status == 304;
	int head = req->method != NULL && strcmp(req->method, "HEAD") == 0;

	if (c == NULL || req->stream_id == 0 || req->submitted) {
		errno = ECANCELED;
		return -1;
	}
	/* By hand: snprintf() for these two was a tenth of a small answer. */
	st[0] = (char)('0' + status / 100 % 10);
	st[1] = (char)('0' + status / 10 % 10);
	st[2] = (char)('0' + status % 10);
	st[3] = '\0';
	nv[n++] = (nghttp2_nv)MAKE_NV(":status", st, 3);
	if (ctype != NULL && !no_body)
		nv[n++] = (nghttp2_nv)MAKE_NV("content-type", ctype, strlen(ctype));
	if (location != NULL)
		nv[n++] = (nghttp2_nv)MAKE_NV("location", location,
				strlen(location));
	if (status == 405 && req->allow != NULL)
		nv[n++] = (nghttp2_nv)MAKE_NV("allow", req->allow,
				strlen(req->allow));
	if (!no_body) {
		size_t v = len, k = sizeof(cl);

		do
			cl[--k] = (char)('0' + v % 10);
		while ((v /= 10) != 0);
		nv[n++] = (nghttp2_nv)MAKE_NV("content-length", cl + k,
				sizeof(cl) - k);
	}
	if (!no_body && !head && len > 0) {
		req->resp = malloc(len);
		if (req->resp == NULL) {
			errno = ENOMEM;
			return -1;
		}
		memcpy(req->resp, body, len);
		req->resp_len = len;
		req->resp_off = 0;
		prd.source.ptr = req;
		prd.read_callback = resp_read;
	}
	/* nghttp2 copies the header names and values. */
	if (nghttp2_submit_response(c->h2, req->stream_id, nv, n,
			req->resp != NULL ? &prd : NULL) != 0) {
		free(req->resp);
		req->resp = NULL;
		errno = ENOMEM;
		return -1;
	}
	req->submitted = 1;
	sbi_count_status(c->srv, status);
	return 0;
}

/* Strings stop at their first NUL, as strndup() made them. */
static int
set_str(struct gg_sbi_request *req, char **dst, const uint8_t *v, size_t n)
{
	const uint8_t *z = memchr(v, '\0', n);

	if (z != NULL)
		n = (size_t)(z - v);
	if (*dst != NULL)
		req_str_free(req, *dst);
	*dst = req_str(req, v, n);
	return *dst != NULL ? 0 : NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

static int
set_path(struct gg_sbi_request *req, const uint8_t *v, size_t n)
{
	const uint8_t *q = memchr(v, '?', n);

	if (q == NULL)
		return set_str(req, &req->path, v, n);
	if (set_str(req, &req->path, v, q - v) != 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	return set_str(req, &req->query, q + 1, n - (q - v) - 1);
}

static int
add_header(struct gg_sbi_request *req, const uint8_t *name, size_t nl,
		const uint8_t *value, size_t vl)
{
	struct sbi_header *h;
	char *p;

	if (req->hdrs == NULL) {
		req->hdrs = req->hdrs_small;
		req->cap_hdrs = sizeof(req->hdrs_small) / sizeof(req->hdrs_small[0]);
	}
	if (req->n_hdrs == req->cap_hdrs) {
		unsigned int cap = req->cap_hdrs * 2;

		if (req->hdrs == req->hdrs_small) {
			h = malloc(cap * sizeof(*h));
			if (h != NULL)
				memcpy(h, req->hdrs, req->n_hdrs * sizeof(*h));
		} else {
			h = realloc(req->hdrs, cap * sizeof(*h));
		}
		if (h == NULL)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		req->hdrs = h;
		req->cap_hdrs = cap;
	}
	/* One string: name, NUL, value, NUL (nghttp2 refuses NUL in both). */
	p = req_alloc(req, nl + vl + 2);
	if (p == NULL)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	memcpy(p, name, nl);
	p[nl] = '\0';
	memcpy(p + nl + 1, value, vl);
	p[nl + 1 + vl] = '\0';
	h = &req->hdrs[req->n_hdrs++];
	h->name = p;
	h->value = p + nl + 1;
	return 0;
}

static int
on_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct sbi_conn *c = ud;
	struct gg_sbi_server *srv = c->srv;
	struct gg_sbi_request *req;
	uint64_t now;

	if (f->hd.type != NGHTTP2_HEADERS ||
			f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	/* Streams nghttp2 accepted, but the application may still hold
	 * requests whose streams were reset: count those too. */
	if (c->n_reqs >= srv->p.max_streams ||
			srv->n_reqs >= (uint64_t)srv->p.max_conns * srv->p.max_streams) {
		nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, f->hd.stream_id,
				NGHTTP2_REFUSED_STREAM);
		return 0;
	}
	req = calloc(1, sizeof(*req));
	if (req == NULL)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	now = gg_evloop_now_ms();
	req->srv = srv;
	req->conn = c;
	req->stream_id = f->hd.stream_id;
	req->deadline_ms = now + srv->p.request_timeout_ms;
	memcpy(req->peer, c->peer, sizeof(req->peer));
	memcpy(req->client, c->client, sizeof(req->client));
	TAILQ_INSERT_TAIL(&c->reqs, req, conn_next);
	c->n_reqs++;
	c->n_streams++;
	c->last_active_ms = now;
	srv->n_reqs++;
	nghttp2_session_set_stream_user_data(s, f->hd.stream_id, req);
	return 0;
}

static int
on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
		size_t nl, const uint8_t *value, size_t vl, uint8_t flags,
		void *ud)
{
	struct sbi_conn *c = ud;
	struct gg_sbi_request *req;

	if (f->hd.type != NGHTTP2_HEADERS)
		return 0;
	req = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	if (req == NULL || req->submitted || req->hdr_overflow)
		return 0;
	/* nghttp2 has validated names and values (RFC 9113 8.2) and the
	 * pseudo-headers; we only bound what we keep. */
	req->hdr_bytes += nl + vl + 32;
	if (req->hdr_bytes > c->srv->p.max_header_list) {
		req->hdr_overflow = 1;
		return 0;
	}
	if (f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0; /* trailers */
	if (nl > 0 && name[0] == ':') {
		if (nl == 7 && memcmp(name, ":method", 7) == 0)
			return set_str(req, &req->method, value, vl);
		if (nl == 5 && memcmp(name, ":path", 5) == 0)
			return set_path(req, value, vl);
		return 0;
	}
	return add_header(req, name, nl, value, vl);
}

static void
too_large(struct gg_sbi_request *req, int status, const char *detail)
{
	req->srv->st.too_large++;
	free(req->body);
	req->body = NULL;
	req->body_len = req->body_cap = 0;
	sbi_server_problem(req, status, NULL, detail);
}

/*
 * Ask the client to stop sending the request we answered (RFC 9113 8.1).
 * Not done as soon as the answer is out: curl 7.88 then drops the answer
 * it already has ("Stream error in the HTTP/2 framing layer"), so the rest
 * of an over-long body is first read and dropped, up to another max_body
 * octets or the request's deadline.
 */
static void
stop_request(nghttp2_session *s, struct gg_sbi_request *req)
{
	if (req->rst_sent || req->complete || req->stream_id == 0)
		return;
	req->rst_sent = 1;
	nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, req->stream_id,
			NGHTTP2_NO_ERROR);
}

static int
on_data(nghttp2_session *s, uint8_t flags, int32_t stream_id,
		const uint8_t *data, size_t len, void *ud)
{
	struct sbi_conn *c = ud;
	size_t max = c->srv->p.max_body;
	struct gg_sbi_request *req;

	req = nghttp2_session_get_stream_user_data(s, stream_id);
	if (req == NULL)
		return 0;
	if (req->submitted) { /* answered early: the rest is dropped */
		req->discarded += len; /* on_begin_frame() counted it for the connection */
		if (req->discarded > max)
			stop_request(s, req);
		return 0;
	}
	if (len > max - req->body_len) {
		too_large(req, 413, "the request body is larger than allowed");
		return 0;
	}
	if (req->body_len + len + 1 > req->body_cap) {
		/* Start under 1 KiB: glibc consolidates its fast bins before
		 * any allocation of 1 KiB or more, once per request here. */
		size_t cap = req->body_cap != 0 ? req->body_cap : 512;
		uint8_t *b;

		while (cap < req->body_len + len + 1)
			cap *= 2;
		if (cap > max + 1)
			cap = max + 1;
		b = realloc(req->body, cap);
		if (b == NULL)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		req->body = b;
		req->body_cap = cap;
	}
	memcpy(req->body + req->body_len, data, len);
	req->body_len += len;
	req->body[req->body_len] = '\0';
	return 0;
}

/* Request headers complete: answer now what can be answered from them. */
static void
headers_done(struct gg_sbi_request *req)
{
	const char *cl;

	if (req->hdr_overflow) {
		too_large(req, 431, "the request header list is larger than allowed");
		return;
	}
	if (req->path == NULL) {
		/* CONNECT is the only method nghttp2 lets through without
		 * :path; no resource here supports it: 501, not 405, which
		 * would owe an Allow list for a resource there is none of
		 * (RFC 9110 15.6.2). */
		sbi_server_problem(req, 501, NULL, "CONNECT is not supported");
		return;
	}
	cl = gg_sbi_request_header(req, "content-length");
	if (cl != NULL && strtoull(cl, NULL, 10) > req->srv->p.max_body)
		too_large(req, 413, "the request body is larger than allowed");
}

static void
hand_over(struct gg_sbi_request *req)
{
	struct gg_sbi_server *srv = req->srv;

	if (req->conn != NULL)
		req->conn->requested = 1;

	if (req->hdr_overflow) { /* in the trailers */
		too_large(req, 431, "the request header list is larger than allowed");
		return;
	}
	req->held = 1;
	TAILQ_INSERT_TAIL(&srv->held, req, held_next);
	srv->st.requests++;
	srv->handler(req, srv->arg);
}

static int
on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct gg_sbi_request *req;

	if (f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA)
		return 0;
	req = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	if (req == NULL)
		return 0;
	if (f->hd.type == NGHTTP2_HEADERS &&
			f->headers.cat == NGHTTP2_HCAT_REQUEST && !req->submitted)
		headers_done(req);
	if (f->hd.flags & NGHTTP2_FLAG_END_STREAM) {
		req->complete = 1;
		if (!req->submitted)
			hand_over(req);
	}
	return 0;
}

static int
on_frame_send(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct sbi_conn *c = ud;
	struct gg_sbi_server *srv = c->srv;
	struct gg_sbi_request *req;

	switch (f->hd.type) {
	case NGHTTP2_GOAWAY:
		if (f->goaway.error_code != NGHTTP2_NO_ERROR && !c->proto_error) {
			c->proto_error = 1;
			srv->st.protocol_errors++;
		}
		break;
	case NGHTTP2_RST_STREAM:
		if (f->rst_stream.error_code == NGHTTP2_REFUSED_STREAM)
			srv->st.streams_refused++;
		else if (f->rst_stream.error_code != NGHTTP2_NO_ERROR)
			srv->st.stream_errors++;
		break;
	case NGHTTP2_HEADERS:
	case NGHTTP2_DATA:
		if (!(f->hd.flags & NGHTTP2_FLAG_END_STREAM))
			break;
		req = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
		/* A 408: we are done waiting for the rest. */
		if (req != NULL && gg_evloop_now_ms() >= req->deadline_ms)
			stop_request(s, req);
		break;
	default:
		break;
	}
	return 0;
}

/*
 * Every DATA frame nobody will read (answered early, reset, unknown or
 * closed stream) counts against the connection's max_discard, from its
 * header, before nghttp2 takes its payload and grants the window back.
 */
static int
on_begin_frame(nghttp2_session *s, const nghttp2_frame_hd *hd, void *ud)
{
	struct sbi_conn *c = ud;
	struct gg_sbi_server *srv = c->srv;
	struct gg_sbi_request *req;

	if (hd->type != NGHTTP2_DATA || hd->length == 0)
		return 0;
	req = nghttp2_session_get_stream_user_data(s, hd->stream_id);
	if (req != NULL && !req->submitted)
		return 0;
	c->discarded += hd->length;
	srv->st.body_discarded += hd->length;
	if (c->discarded > srv->p.max_discard && !c->proto_error) {
		c->proto_error = 1; /* counted here, not as a protocol error */
		srv->st.discard_limit++;
		nghttp2_session_terminate_session(s, NGHTTP2_ENHANCE_YOUR_CALM);
		/* Stop reading: the GOAWAY goes out, then conn_io() closes. */
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	return 0;
}

static int
on_stream_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code,
		void *ud)
{
	struct sbi_conn *c = ud;
	struct gg_sbi_request *req;

	req = nghttp2_session_get_stream_user_data(s, stream_id);
	if (req == NULL)
		return 0;
	c->n_streams--;
	c->last_active_ms = gg_evloop_now_ms();
	req->stream_id = 0;
	if (req->held)
		req_cancel(req); /* the client went away before our answer */
	else
		req_free(req);
	return 0;
}

int
sbi_h2_setup(struct gg_sbi_server *srv)
{
	nghttp2_session_callbacks *cbs;

	if (nghttp2_session_callbacks_new(&srv->cbs) != 0 ||
			nghttp2_option_new(&srv->opt) != 0) {
		errno = ENOMEM;
		return -1;
	}
	cbs = srv->cbs;
	nghttp2_session_callbacks_set_on_begin_headers_callback(cbs,
			on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
	nghttp2_session_callbacks_set_on_begin_frame_callback(cbs, on_begin_frame);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
	nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_frame_send);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs,
			on_stream_close);
	/* Closed streams are of no use to us (no priorities): free them. */
	nghttp2_option_set_no_closed_streams(srv->opt, 1);
	return 0;
}

int
sbi_session_new(struct sbi_conn *c)
{
	struct gg_sbi_server *srv = c->srv;
	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, srv->p.max_streams },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, srv->p.max_header_list },
		{ NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1 },
	};

	if (nghttp2_session_server_new2(&c->h2, srv->cbs, c, srv->opt) != 0)
		return -1;
	if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv,
			sizeof(iv) / sizeof(iv[0])) != 0) {
		nghttp2_session_del(c->h2);
		return -1;
	}
	return 0;
}

/* The connection is closing (its session already deleted). */
void
sbi_conn_detach(struct sbi_conn *c)
{
	struct gg_sbi_request *req;

	while ((req = TAILQ_FIRST(&c->reqs)) != NULL) {
		TAILQ_REMOVE(&c->reqs, req, conn_next);
		c->n_reqs--;
		req->conn = NULL;
		req->stream_id = 0;
		if (req->held)
			req_cancel(req);
		else
			req_free(req);
	}
}

/* Answer the requests of @p c that ran out of time. */
int
sbi_conn_sweep(struct sbi_conn *c, uint64_t now)
{
	struct gg_sbi_server *srv = c->srv;
	struct gg_sbi_request *req;

	TAILQ_FOREACH(req, &c->reqs, conn_next) {
		if (req->stream_id == 0 || now < req->deadline_ms)
			continue;
		if (req->submitted) { /* still sending what we refused */
			stop_request(c->h2, req);
			continue;
		}
		srv->st.timeouts_request++;
		if (req->held) {
			sbi_server_problem(req, 504, "TIMED_OUT_REQUEST",
					"the service did not answer in time");
			req_cancel(req);
		} else {
			sbi_server_problem(req, 408, NULL,
					"the request was not complete in time");
		}
	}
	return 0;
}

/*
 * The application lets go of @p req, answering it if it still can.
 * Returns as gg_sbi_respond().
 */
static int
app_finish(struct gg_sbi_request *req, int status, const char *ctype,
		const char *location, const void *body, size_t len)
{
	struct gg_sbi_server *srv = req->srv;
	struct sbi_conn *c = req->conn;
	int rc = 0, err = 0;

	if (srv != NULL)
		sbi_enter(srv);
	if (req->held) {
		if (srv != NULL)
			TAILQ_REMOVE(&srv->held, req, held_next);
		req->held = 0;
	}
	if (req->cancelled || c == NULL || req->stream_id == 0 ||
			req->submitted) {
		rc = -1;
		err = ECANCELED;
		/* With a 504 still on its way, the stream's close frees it. */
		if (c == NULL || req->stream_id == 0)
			req_free(req);
	} else {
		if (status < 200 || status > 599) {
			rc = -1;
			err = EINVAL;
			sbi_server_problem(req, 500, "SYSTEM_FAILURE",
					"the service gave an invalid status");
		} else if (sbi_submit(req, status, ctype, location, body,
				len) != 0) {
			rc = -1;
			err = ENOMEM;
			nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE,
					req->stream_id, NGHTTP2_INTERNAL_ERROR);
		}
		sbi_conn_kick(c); /* may free req and c */
	}
	if (srv != NULL)
		sbi_leave(srv);
	if (rc != 0)
		errno = err;
	return rc;
}

int
gg_sbi_respond(struct gg_sbi_request *req, int status,
		const char *content_type, const char *location, const void *body,
		size_t len)
{
	if (req == NULL) {
		errno = EINVAL;
		return -1;
	}
	return app_finish(req, status, content_type, location, body, len);
}

int
gg_sbi_problem(struct gg_sbi_request *req, int status, const char *cause,
		const char *detail, json_t *invalid_params)
{
	char *text;
	size_t len = 0;
	int rc;

	if (req == NULL) {
		json_decref(invalid_params);
		errno = EINVAL;
		return -1;
	}
	text = sbi_problem_text(status, cause, detail, invalid_params, &len);
	rc = app_finish(req, status, text != NULL ?
			"application/problem+json" : NULL, NULL, text, len);
	free(text);
	return rc;
}

int
gg_sbi_method_not_allowed(struct gg_sbi_request *req, const char *allow)
{
	char detail[96];

	if (req == NULL || allow == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* nghttp2 copies header values when the response is submitted,
	 * inside gg_sbi_problem(): the caller's string need not outlive it. */
	req->allow = allow;
	snprintf(detail, sizeof(detail), "allowed: %s", allow);
	return gg_sbi_problem(req, 405, "METHOD_NOT_ALLOWED", detail, NULL);
}

void
gg_sbi_request_release(struct gg_sbi_request *req)
{
	if (req != NULL)
		gg_sbi_problem(req, 500, "SYSTEM_FAILURE",
				"the service dropped the request", NULL);
}

int
gg_sbi_request_cancelled(const struct gg_sbi_request *req)
{
	return req->cancelled;
}

void
gg_sbi_request_on_cancel(struct gg_sbi_request *req, gg_sbi_cancel_cb cb,
		void *arg)
{
	req->cancel_cb = cb;
	req->cancel_arg = arg;
}

const char *
gg_sbi_request_method(const struct gg_sbi_request *req)
{
	return req->method != NULL ? req->method : "";
}

const char *
gg_sbi_request_path(const struct gg_sbi_request *req)
{
	return req->path != NULL ? req->path : "";
}

const char *
gg_sbi_request_query(const struct gg_sbi_request *req)
{
	return req->query;
}

const char *
gg_sbi_request_header(const struct gg_sbi_request *req, const char *name)
{
	unsigned int i;

	for (i = 0; i < req->n_hdrs; i++)
		if (strcasecmp(req->hdrs[i].name, name) == 0)
			return req->hdrs[i].value;
	return NULL;
}

const uint8_t *
gg_sbi_request_body(const struct gg_sbi_request *req, size_t *len)
{
	if (len != NULL)
		*len = req->body_len;
	return req->body != NULL ? req->body : (const uint8_t *)"";
}

const char *
gg_sbi_request_peer(const struct gg_sbi_request *req)
{
	return req->peer;
}

const char *
gg_sbi_request_client(const struct gg_sbi_request *req)
{
	return req->client;
}
