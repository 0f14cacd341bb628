/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gg-portal's HTTP side: libmicrohttpd daemons (HTTP and HTTPS) driven by
 * gg_evloop, and the dispatch of a request to its page.
 *
 * Each daemon runs with MHD_USE_EPOLL and no thread of its own: its epoll
 * descriptor is watched by the loop (readable: MHD_run()), and after every
 * run MHD_get_timeout() re-arms one loop timer (idle connections time out,
 * TLS data already buffered gets served). A request that needs the store
 * suspends its connection (MHD_ALLOW_SUSPEND_RESUME) and issues the store
 * request; the store's callback, which never runs inside the call that
 * made the request, fills the response and resumes the connection; then
 * MHD calls the access handler again, which queues it.
 *
 * Routing: a request whose Host names the portal (portal.base_url, scheme
 * and port included) goes to the pages; any other Host (an OS probe, a
 * site the user typed) is the walled garden's traffic and is answered by
 * page_foreign() from the device's state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gg_evloop.h"
#include "portal.h"

#define CONN_TIMEOUT_S 30

static void
listener_run(struct portal_listener *l);

static uint64_t
listener_timer_cb(struct gg_evloop *loop, void *arg)
{
	struct portal_listener *l = arg;

	l->timer = 0;
	listener_run(l);
	return 0;
}

static void
listener_arm(struct portal_listener *l)
{
	MHD_UNSIGNED_LONG_LONG t;

	if (l->timer != 0) {
		gg_evloop_timer_cancel(l->p->loop, l->timer);
		l->timer = 0;
	}
	if (MHD_get_timeout(l->d, &t) != MHD_YES)
		return;
	l->timer = gg_evloop_timer(l->p->loop, t, listener_timer_cb, l);
	if (l->timer < 0)
		l->timer = 0;
}

static void
listener_run(struct portal_listener *l)
{
	if (l->d == NULL)
		return;
	MHD_run(l->d);
	listener_arm(l);
}

static void
listener_fd_cb(struct gg_evloop *loop, int fd, unsigned int events, void *arg)
{
	listener_run(arg);
}

static uint64_t
run_soon_cb(struct gg_evloop *loop, void *arg)
{
	struct portal *p = arg;

	p->run_timer = 0;
	listener_run(&p->http);
	listener_run(&p->https);
	return 0;
}

void
portal_resume(struct portal_req *r)
{
	struct portal *p = r->p;

	r->waiting = false;
	if (r->suspended) {
		r->suspended = false;
		MHD_resume_connection(r->conn);
	}
	/* The resumed connection is served on MHD's next run; do it in this
	 * loop round rather than whenever the next event comes. */
	if (p->run_timer == 0) {
		p->run_timer = gg_evloop_timer(p->loop, 0, run_soon_cb, p);
		if (p->run_timer < 0)
			p->run_timer = 0;
	}
}

static void
lookup_done(struct gg_store *s, enum gg_store_status st,
		const struct gg_device_record *rec, void *arg)
{
	struct portal_req *r = arg;

	r->rec_status = st;
	if (st == GG_STORE_OK) {
		r->rec = malloc(sizeof(*r->rec));
		if (r->rec == NULL)
			r->rec_status = GG_STORE_NOMEM;
		else
			memcpy(r->rec, rec, sizeof(*rec));
	}
	if (st != GG_STORE_OK && st != GG_STORE_NOT_FOUND)
		portal_log(PLOG_WARNING, "store lookup of %s: %s\n", r->client,
			gg_store_strerror(st));
	r->waiting = false;
	r->on_record(r);
	if (!r->waiting)
		portal_resume(r);
}

void
portal_lookup(struct portal_req *r, void (*next)(struct portal_req *r))
{
	int ret;

	r->on_record = next;
	if (r->client_ipv4 == 0) {
		/* Not IPv4: no UE address index entry can name it. */
		r->rec_status = GG_STORE_NOT_FOUND;
		next(r);
		return;
	}
	ret = gg_store_get_by_ueip(r->p->store, r->client_ipv4, lookup_done, r);
	if (ret < 0) {
		portal_log(PLOG_ERR, "store lookup: %s\n", strerror(-ret));
		portal_reply_store_down(r);
		return;
	}
	r->waiting = true;
}

static bool
is_canonical(const struct portal_req *r)
{
	return r->l->https == r->p->base.https &&
		gg_portal_host_matches(r->host, &r->p->base);
}

/* The same host, on the other scheme (http://portal.example/...). */
static bool
is_portal_host(const struct portal_req *r)
{
	struct gg_portal_url u = r->p->base;

	u.https = r->l->https;
	u.port = r->l->https ? r->p->cfg.https_port : r->p->cfg.http_port;
	return gg_portal_host_matches(r->host, &u) ||
		gg_portal_host_matches(r->host, &r->p->base);
}

static void
dispatch(struct portal_req *r)
{
	struct portal *p = r->p;
	const char *path = r->path;

	if (!is_canonical(r)) {
		if (is_portal_host(r)) {
			char loc[1200];

			snprintf(loc, sizeof(loc), "%s%s", p->cfg.base_url, path);
			portal_reply_redirect(r, MHD_HTTP_FOUND, loc);
			return;
		}
		page_foreign(r);
		return;
	}
	if (strcmp(path, "/static/portal.css") == 0) {
		page_static(r);
		return;
	}
	if (strcmp(path, p->cfg.api_path) == 0) {
		page_captive_api(r);
		return;
	}
	if (r->method == M_POST && strcmp(path, "/signup") != 0) {
		portal_reply_message(r, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed",
			"This page can only be read, not submitted to.", "/", "Start page");
		MHD_add_response_header(r->resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		return;
	}
	if (r->method == M_OTHER) {
		portal_reply_message(r, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed",
			"This method is not supported here.", "/", "Start page");
		MHD_add_response_header(r->resp, MHD_HTTP_HEADER_ALLOW,
			strcmp(path, "/signup") == 0 ? "GET, HEAD, POST" : "GET, HEAD");
		return;
	}
	if (strcmp(path, "/") == 0)
		portal_lookup(r, page_landing);
	else if (strcmp(path, "/plans") == 0)
		portal_lookup(r, page_plans);
	else if (strcmp(path, "/signup") == 0)
		portal_lookup(r, r->method == M_POST ? page_signup_submit :
			page_signup_form);
	else if (strcmp(path, "/result") == 0)
		portal_lookup(r, page_result);
	else
		portal_reply_message(r, MHD_HTTP_NOT_FOUND, "Page not found",
			"There is no such page on this portal.", "/", "Start page");
}

static void
req_client(struct portal_req *r)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(r->client, sizeof(r->client), "?");
	ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		r->client_ipv4 = in->sin_addr.s_addr;
		inet_ntop(AF_INET, &in->sin_addr, r->client, sizeof(r->client));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			memcpy(&r->client_ipv4, &in6->sin6_addr.s6_addr[12], 4);
			inet_ntop(AF_INET, &r->client_ipv4, r->client, sizeof(r->client));
		} else {
			inet_ntop(AF_INET6, &in6->sin6_addr, r->client, sizeof(r->client));
		}
	}
}

static enum MHD_Result
access_cb(void *cls, struct MHD_Connection *conn, const char *url,
		const char *method, const char *version, const char *upload_data,
		size_t *upload_data_size, void **con_cls)
{
	struct portal_listener *l = cls;
	struct portal_req *r = *con_cls;
	enum MHD_Result ret;

	if (r == NULL) {
		const char *cl;

		r = calloc(1, sizeof(*r));
		if (r == NULL)
			return MHD_NO;
		r->p = l->p;
		r->l = l;
		r->conn = conn;
		r->started_ms = gg_evloop_now_ms();
		r->body.max = l->p->cfg.max_form_bytes;
		if (strcmp(method, "GET") == 0)
			r->method = M_GET;
		else if (strcmp(method, "HEAD") == 0)
			r->method = M_HEAD;
		else if (strcmp(method, "POST") == 0)
			r->method = M_POST;
		else
			r->method = M_OTHER;
		snprintf(r->path, sizeof(r->path), "%s", url);
		r->host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
			MHD_HTTP_HEADER_HOST);
		req_client(r);
		*con_cls = r;
		l->p->n_requests++;
		/* A declared size over the limit is refused before the body is
		 * read (MHD then closes the connection). */
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
			MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > l->p->cfg.max_form_bytes)
			r->too_large = true;
		if (!r->too_large)
			return MHD_YES;
	}
	if (*upload_data_size != 0) {
		if (!r->too_large) {
			gg_portal_buf_add(&r->body, upload_data, *upload_data_size);
			if (r->body.failed)
				r->too_large = true;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->resp == NULL && !r->waiting) {
		if (r->too_large) {
			char text[160];

			snprintf(text, sizeof(text), "The form sent is larger than %u bytes, "
				"which no sign-up needs. Nothing was saved.",
				l->p->cfg.max_form_bytes);
			portal_reply_message(r, MHD_HTTP_CONTENT_TOO_LARGE,
				"Form too large", text, "/signup", "Back to the sign-up form");
		} else {
			dispatch(r);
		}
	}
	if (r->resp == NULL) {
		if (!r->waiting) {
			portal_log(PLOG_ERR, "%s %s: no response\n", method, url);
			return MHD_NO;
		}
		if (!r->suspended) {
			r->suspended = true;
			MHD_suspend_connection(conn);
		}
		return MHD_YES;
	}
	ret = MHD_queue_response(conn, r->status, r->resp);
	portal_log(PLOG_INFO, "%s %s %s%s -> %u (%lu ms)\n", r->client, method,
		r->host != NULL ? r->host : "-", url, r->status,
		(unsigned long)(gg_evloop_now_ms() - r->started_ms));
	MHD_destroy_response(r->resp);
	r->resp = NULL;
	return ret;
}

static void
completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
		enum MHD_RequestTerminationCode toe)
{
	struct portal_req *r = *con_cls;

	if (r == NULL)
		return;
	if (r->resp != NULL)
		MHD_destroy_response(r->resp);
	gg_portal_buf_free(&r->body);
	free(r->rec);
	memset(r, 0, sizeof(*r));
	free(r);
	*con_cls = NULL;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	portal_log(PLOG_NOTICE, "libmicrohttpd: %s%s", msg,
		msg[0] != '\0' && msg[strlen(msg) - 1] == '\n' ? "" : "\n");
}

static char *
read_file(const char *path, size_t max)
{
	char *buf;
	FILE *f;
	size_t n;

	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	buf = malloc(max + 1);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, max, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

int
portal_listen(struct portal *p, struct portal_listener *l, bool https)
{
	const struct gg_portal_config *cfg = &p->cfg;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *di;
	unsigned int flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
		MHD_USE_ERROR_LOG;
	const char *addr = https ? cfg->https_address : cfg->http_address;
	uint16_t port = https ? cfg->https_port : cfg->http_port;
	struct MHD_OptionItem opts[12];
	unsigned int n = 0;
	socklen_t sl;

	memset(l, 0, sizeof(*l));
	l->p = p;
	l->https = https;
	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &in6->sin6_addr);
		flags |= MHD_USE_IPv6;
		sl = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		inet_pton(AF_INET, addr, &in->sin_addr);
		sl = sizeof(*in);
	}
	(void)sl;
	/* The logger first, so that MHD says nothing past it. */
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER,
		(intptr_t)mhd_log, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &ss };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
		cfg->max_connections, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
		CONN_TIMEOUT_S, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED,
		(intptr_t)completed_cb, NULL };
	if (https) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			portal_log(PLOG_ERR, "https: this libmicrohttpd has no TLS\n");
			return -1;
		}
		l->cert = read_file(cfg->https_cert, 1 << 20);
		l->key = read_file(cfg->https_key, 1 << 20);
		if (l->cert == NULL || l->key == NULL) {
			portal_log(PLOG_ERR, "https: cannot read %s or %s\n",
				cfg->https_cert, cfg->https_key);
			portal_listener_close(l);
			return -1;
		}
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0,
			l->cert };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
			l->key };
	}
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	l->d = MHD_start_daemon(flags, port, NULL, NULL, access_cb, l,
		MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (l->d == NULL) {
		portal_log(PLOG_ERR, "%s listen %s:%u: cannot start (address in use, "
			"bad certificate or key?)\n", https ? "https" : "http", addr, port);
		portal_listener_close(l);
		return -1;
	}
	di = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (di == NULL) {
		portal_log(PLOG_ERR, "libmicrohttpd: no epoll descriptor\n");
		portal_listener_close(l);
		return -1;
	}
	l->epoll_fd = di->epoll_fd;
	if (gg_evloop_watch(p->loop, l->epoll_fd, GG_EV_READ, listener_fd_cb, l) < 0) {
		portal_log(PLOG_ERR, "event loop: cannot watch MHD's epoll\n");
		portal_listener_close(l);
		return -1;
	}
	listener_arm(l);
	portal_log(PLOG_NOTICE, "listening on %s%s%s:%u (%s)\n",
		strchr(addr, ':') != NULL ? "[" : "", addr,
		strchr(addr, ':') != NULL ? "]" : "", port, https ? "HTTPS" : "HTTP");
	return 0;
}

void
portal_quiesce(struct portal_listener *l)
{
	MHD_socket fd;

	if (l->d == NULL)
		return;
	/* The listening socket is ours to close from now on. */
	fd = MHD_quiesce_daemon(l->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}

void
portal_listener_close(struct portal_listener *l)
{
	if (l->d != NULL) {
		gg_evloop_unwatch(l->p->loop, l->epoll_fd);
		if (l->timer != 0)
			gg_evloop_timer_cancel(l->p->loop, l->timer);
		l->timer = 0;
		MHD_stop_daemon(l->d);
		l->d = NULL;
	}
	free(l->cert);
	if (l->key != NULL) {
		memset(l->key, 0, strlen(l->key));
		free(l->key);
	}
	l->cert = l->key = NULL;
}
