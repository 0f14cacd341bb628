/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "gg-uesim receive": the device's callback for the profile push, the
 * server side of profileNotifyUri. An HTTP/1.1 server (libmicrohttpd) takes
 * POST on any path with the AuSF's notification
 *
 *   {"supiOrSuci", "authCtxId", "supi", "profile": base64 of the CMS}
 *
 * judges it (delivery.c), and answers 204 once the profile is stored, or
 * a ProblemDetails: 400 (malformed), 403 (a profile this device does not
 * take: wrong signer, not decryptable, another device's), 405, 413, 415,
 * 500 (cannot store). Anything but 2xx makes the AuSF try again later, so
 * a refusal loses nothing on the operator's side.
 *
 * Single-threaded: libmicrohttpd runs in this thread (MHD_run_wait), one
 * request at a time; opening a profile takes milliseconds, which is all the
 * concurrency a device needs. Bodies are read into memory up to BODY_MAX.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#include "uesim.h"

#define CMD "receive"
/* A profile is a few KiB of CMS, a third more in base64; the rest is the
 * notification's four members. */
#define BODY_MAX (64 * 1024)
/* A declared length this far over the limit is answered at once (the
 * connection is then closed); below it the body is read and dropped, so
 * that the client, which is still sending, gets to read the 413. */
#define BODY_DRAIN_MAX (1024 * 1024)
#define CONN_TIMEOUT_S 10
#define CONN_LIMIT 16
#define MAX_TIMEOUT_S (7 * 24 * 3600)
#define MAX_COUNT 1000000

struct receive_opts {
	struct uesim_device dev;
	const char *listen;
	unsigned long count;
	unsigned long timeout_s;    /* 0: wait for ever */
	bool json;
	bool verbose;
};

struct server {
	const struct receive_opts *o;
	unsigned long stored;       /* good profiles whose answer is done */
};

/* One request, from its headers to its completion. */
struct request {
	char *body;
	size_t len;
	bool too_large;
	int status;                 /* an answer decided before the body */
	const char *cause;
	const char *detail;
	bool good;                  /* a profile was stored */
};

enum {
	OPT_LISTEN = UESIM_OPT_CMD_FIRST,
	OPT_COUNT,
	OPT_TIMEOUT_S,
	OPT_JSON,
};

static volatile sig_atomic_t stop_signal;

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: %s receive --listen ADDR:PORT --identity ID --key FILE\n"
		"                   --cert FILE --operator-ca FILE --out FILE [options]\n"
		"\n"
		"Serve the device's profile callback (the profileNotifyUri given to\n"
		"\"%s auth --notify-uri\"): take the AuSF's POST (HTTP/1.1, any\n"
		"path), open the subscription profile, check it and store it.\n"
		"\n"
		"      --listen ADDR:PORT  address to listen on: 127.0.0.1:8081,\n"
		"                          [::1]:8081; port 0 picks a free one (the\n"
		"                          \"listening on\" line on stderr names it)\n"
		"      --identity ID       this device's supiOrSuci; the notification\n"
		"                          and the profile must name it\n"
		"      --key FILE          the device's private key (PEM)\n"
		"      --cert FILE         the device's certificate (PEM)\n"
		"      --operator-ca FILE  the operator's CA (PEM): the profile's\n"
		"                          signature must chain to it\n"
		"      --out FILE          where a good profile is stored (JSON, mode\n"
		"                          0600, replaced by each good profile)\n"
		"      --count N           exit after N good profiles (default 1)\n"
		"      --timeout-s S       give up after S seconds (default: never)\n"
		"      --show-secrets      print K and OPc (never shown otherwise)\n"
		"      --json              print each profile as one JSON line\n"
		"  -v, --verbose           report each request on stderr\n"
		"  -h, --help              this text\n"
		"\n"
		"Answers: 204 stored; 400 malformed notification, 403 a profile this\n"
		"device refuses (signature, decryption, identity, SUPI), 405 not a\n"
		"POST, 413 over %d octets, 415 not application/json, 500 cannot\n"
		"store; errors are application/problem+json, and nothing is stored.\n"
		"\n"
		"Exit status: 0 after N good profiles, 1 on timeout, a signal or a\n"
		"server failure, 2 on usage errors (unreadable files included).\n",
		UESIM_PROG, UESIM_PROG, BODY_MAX);
}

static int
parse_ulong(const char *opt, const char *s, unsigned long min,
		unsigned long max, unsigned long *out)
{
	if (uesim_ulong_option(s, min, max, out) != 0) {
		fprintf(stderr, "%s %s: %s: expected %lu..%lu, got '%s'\n",
				UESIM_PROG, CMD, opt, min, max, s);
		return -1;
	}
	return 0;
}

/* Returns 0 to go on, 1 after --help, -1 on a usage error. */
static int
parse_options(int argc, char **argv, struct receive_opts *o)
{
	static const struct option longopts[] = {
		UESIM_DEVICE_LONGOPTS,
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "timeout-s", required_argument, NULL, OPT_TIMEOUT_S },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	uesim_device_init(&o->dev);
	o->count = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		if (uesim_device_option(c, optarg, &o->dev) == 0)
			continue;
		switch (c) {
		case OPT_LISTEN:
			o->listen = optarg;
			break;
		case OPT_COUNT:
			if (parse_ulong("--count", optarg, 1, MAX_COUNT, &o->count) != 0)
				return -1;
			break;
		case OPT_TIMEOUT_S:
			if (parse_ulong("--timeout-s", optarg, 1, MAX_TIMEOUT_S,
					&o->timeout_s) != 0)
				return -1;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			fprintf(stderr, "Try '%s %s --help'.\n", UESIM_PROG, CMD);
			return -1;
		}
	}
	if (uesim_no_operands(CMD, argc, argv) != 0)
		return -1;
	if (o->listen == NULL) {
		fprintf(stderr, "%s %s: --listen is required (see --help)\n",
				UESIM_PROG, CMD);
		return -1;
	}
	return uesim_device_check(CMD, &o->dev);
}

/* "ADDR:PORT" or "[ADDR6]:PORT", numeric only, into @p ss. */
static int
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct addrinfo hints, *ai = NULL;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = s;
	size_t hl;

	if (*s == '[') {
		colon = strstr(s, "]:");
		if (colon == NULL)
			return -1;
		h = s + 1;
		hl = (size_t)(colon - h);
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL)
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host) || colon[1] == '\0')
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || ai == NULL)
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sslen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* application/json with any parameters; media types are case-blind. */
static bool
is_json_type(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	if (ct == NULL)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, n) != 0)
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

static enum MHD_Result
queue(struct MHD_Connection *conn, int status, const char *ctype,
		const char *body, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(body != NULL ? strlen(body) : 0,
			(void *)(body != NULL ? body : ""), MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	if (ctype != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (allow != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(conn, (unsigned int)status, r);
	MHD_destroy_response(r);
	return ret;
}

static const char *
title_of(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	default: return "Internal Server Error";
	}
}

/* Answer with a ProblemDetails (TS 29.500 5.2.7) and report it. */
static enum MHD_Result
problem(struct MHD_Connection *conn, const char *what,
		const struct uesim_problem *pb, const char *allow)
{
	enum MHD_Result ret;
	json_t *o;
	char *text;

	fprintf(stderr, "%s %s: %s: refused, %d%s%s: %s\n", UESIM_PROG, CMD, what,
			pb->status, pb->cause != NULL ? " " : "",
			pb->cause != NULL ? pb->cause : "", pb->detail);
	o = json_pack("{s:s, s:i, s:s, s:s*}", "title", title_of(pb->status),
			"status", pb->status, "detail", pb->detail, "cause", pb->cause);
	if (o != NULL && pb->param != NULL)
		json_object_set_new(o, "invalidParams", json_pack("[{s:s+, s:s}]",
				"param", "/", pb->param, "reason", pb->detail));
	text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	ret = queue(conn, pb->status, "application/problem+json", text, allow);
	free(text);
	json_decref(o);
	return ret;
}

/* The whole body is in: judge it and answer. */
static enum MHD_Result
answer(struct server *srv, struct MHD_Connection *conn, struct request *rq,
		const char *what)
{
	struct uesim_delivered dv;
	struct uesim_problem pb;
	json_error_t jerr;
	json_t *n;

	memset(&pb, 0, sizeof(pb));
	if (rq->status != 0) {
		uesim_problem_set(&pb, rq->status, rq->cause, NULL, "%s",
				rq->detail);
		return problem(conn, what, &pb, rq->status == 405 ? "POST" : NULL);
	}
	if (rq->too_large) {
		uesim_problem_set(&pb, 413, NULL, NULL,
				"the body is larger than %d octets", BODY_MAX);
		return problem(conn, what, &pb, NULL);
	}
	n = rq->body != NULL ? json_loadb(rq->body, rq->len,
			JSON_REJECT_DUPLICATES, &jerr) : NULL;
	if (n == NULL) {
		uesim_problem_set(&pb, 400, "INVALID_MSG_FORMAT", NULL,
				"the body is not JSON: %s", rq->body != NULL ?
				jerr.text : "empty");
		return problem(conn, what, &pb, NULL);
	}
	if (uesim_delivery_accept(&srv->o->dev, n, NULL, &dv, &pb) != 0) {
		json_decref(n);
		return problem(conn, what, &pb, NULL);
	}
	json_decref(n);
	rq->good = true;
	if (srv->o->verbose)
		fprintf(stderr, "%s %s: %s: 204, profile stored in %s\n",
				UESIM_PROG, CMD, what, srv->o->dev.out);
	uesim_delivered_print(&srv->o->dev, &dv, srv->o->json);
	uesim_delivered_free(&dv);
	return queue(conn, 204, NULL, NULL, NULL);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
		const char *method, const char *version, const char *data,
		size_t *data_size, void **con_cls)
{
	struct server *srv = cls;
	struct request *rq = *con_cls;
	const char *cl;
	char what[300];
	char *p;

	snprintf(what, sizeof(what), "%s %.200s", method, url);
	if (rq == NULL) {
		rq = calloc(1, sizeof(*rq));
		if (rq == NULL)
			return MHD_NO;
		*con_cls = rq;
		if (srv->o->verbose)
			fprintf(stderr, "%s %s: %s %s\n", UESIM_PROG, CMD, what, version);
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
			rq->status = 405;
			rq->cause = "METHOD_NOT_ALLOWED";
			rq->detail = "the profile callback takes POST only";
		} else if (!is_json_type(MHD_lookup_connection_value(conn,
				MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE))) {
			rq->status = 415;
			rq->cause = "UNSUPPORTED_MEDIA_TYPE";
			rq->detail = "the notification must be application/json";
		}
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
				MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > BODY_DRAIN_MAX) {
			struct uesim_problem pb;

			uesim_problem_set(&pb, 413, NULL, NULL,
					"the body is larger than %d octets", BODY_MAX);
			return problem(conn, what, &pb, NULL);
		}
		return MHD_YES;
	}
	if (*data_size != 0) {
		/* Over the limit, or already refused: read and drop. */
		if (rq->status == 0 && !rq->too_large) {
			if (rq->len + *data_size > BODY_MAX) {
				rq->too_large = true;
				free(rq->body);
				rq->body = NULL;
				rq->len = 0;
			} else {
				p = realloc(rq->body, rq->len + *data_size);
				if (p == NULL)
					return MHD_NO;
				memcpy(p + rq->len, data, *data_size);
				rq->body = p;
				rq->len += *data_size;
			}
		}
		*data_size = 0;
		return MHD_YES;
	}
	return answer(srv, conn, rq, what);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		enum MHD_RequestTerminationCode toe)
{
	struct server *srv = cls;
	struct request *rq = *con_cls;

	if (rq == NULL)
		return;
	/* Counted once the answer is out (or the client gone: it is stored
	 * either way), so that exiting never cuts the 204 off. */
	if (rq->good)
		srv->stored++;
	free(rq->body);
	free(rq);
	*con_cls = NULL;
}

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
uesim_cmd_receive(int argc, char **argv)
{
	struct receive_opts o;
	struct server srv;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	struct sigaction sa;
	socklen_t sslen;
	long long deadline = 0, left;
	char host[INET6_ADDRSTRLEN];
	unsigned int flags;
	int ret;

	ret = parse_options(argc, argv, &o);
	if (ret != 0)
		return ret > 0 ? UESIM_EXIT_OK : UESIM_EXIT_USAGE;
	if (parse_listen(o.listen, &ss, &sslen) != 0) {
		fprintf(stderr, "%s %s: --listen: expected ADDR:PORT or [ADDR6]:PORT with a numeric address, got '%s'\n",
				UESIM_PROG, CMD, o.listen);
		return UESIM_EXIT_USAGE;
	}
	memset(&srv, 0, sizeof(srv));
	srv.o = &o;
	/* Before "listening on": a signal from whoever read it must find
	 * the handler in place. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: wake the wait */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	flags = ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0;
	if (o.verbose)
		flags |= MHD_USE_ERROR_LOG;
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &srv,
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_TIMEOUT_S,
			MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_LIMIT,
			MHD_OPTION_NOTIFY_COMPLETED, on_completed, &srv,
			MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "%s %s: cannot listen on %s: %s\n", UESIM_PROG, CMD,
				o.listen, errno != 0 ? strerror(errno) : "failed");
		return UESIM_EXIT_FAIL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host,
				sizeof(host));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host,
				sizeof(host));
	fprintf(stderr, "%s %s: listening on %s%s%s:%u for %s\n", UESIM_PROG, CMD,
			ss.ss_family == AF_INET6 ? "[" : "", host,
			ss.ss_family == AF_INET6 ? "]" : "",
			info != NULL ? (unsigned int)info->port : 0, o.dev.identity);
	fflush(stderr);

	if (o.timeout_s != 0)
		deadline = now_ms() + (long long)o.timeout_s * 1000;
	while (srv.stored < o.count && stop_signal == 0) {
		left = 1000;
		if (deadline != 0) {
			left = deadline - now_ms();
			if (left <= 0)
				break;
			if (left > 1000)
				left = 1000;
		}
		if (MHD_run_wait(d, (int32_t)left) != MHD_YES && errno != EINTR) {
			fprintf(stderr, "%s %s: server failure: %s\n", UESIM_PROG, CMD,
					strerror(errno));
			break;
		}
	}
	MHD_stop_daemon(d);
	if (srv.stored >= o.count)
		return UESIM_EXIT_OK;
	if (stop_signal != 0)
		fprintf(stderr, "%s %s: stopped by signal %d with %lu of %lu profiles\n",
				UESIM_PROG, CMD, (int)stop_signal, srv.stored, o.count);
	else
		fprintf(stderr, "%s %s: timed out after %lu s with %lu of %lu profiles\n",
				UESIM_PROG, CMD, o.timeout_s, srv.stored, o.count);
	return UESIM_EXIT_FAIL;
}
