/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit suite for lib/sbi: a real server on 127.0.0.1 (ephemeral port) on
 * a real event loop, driven by the real curl binary (HTTP/2 with prior
 * knowledge) and by raw sockets playing hostile clients: garbage, HTTP/1.1,
 * slowloris, a client that never reads, a client that leaves mid-request.
 *
 * Single-threaded on purpose, like the control lcore: curl runs as a child
 * process (posix_spawn, stdout into a pipe the loop watches) and the test
 * turns the loop until the child has exited, with a deadline.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* pipe2 */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <jansson.h>

#include "gg_evloop.h"
#include "gg_sbi.h"
#include "test_cunit.h"

extern char **environ;

/* Generous: valgrind slows the server down 20-50 times. */
#define CHILD_DEADLINE_MS 30000
#define BIG_LEN (1 << 20)

static struct gg_evloop *loop;
static struct gg_sbi_server *srv;
static uint16_t port;

/* What the handler saw and did. */
static struct {
	int calls;
	char method[16];
	char path[128];
	char query[128];
	char peer[64];
	char ua[64];
	char body[256];
	size_t body_len;
	struct gg_sbi_request *held;  /* /slow and /hold */
	struct gg_sbi_request *kept[8]; /* /keep */
	int n_kept;
	int cancels;
	int late_fired;
	int late_cancelled;
	int late_rc;
	int late_errno;
} hs;

static uint8_t big[BIG_LEN];

/* ---- the application under test ---- */

static void
on_cancel(struct gg_sbi_request *req, void *arg)
{
	hs.cancels++;
	CU_ASSERT(gg_sbi_request_cancelled(req));
	if (arg != NULL)
		gg_sbi_request_release(req); /* /never: give it up right away */
}

static uint64_t
async_fire(struct gg_evloop *l, void *arg)
{
	CU_ASSERT(gg_sbi_respond_json(arg, 200, json_pack("{s:b}", "async", 1),
			NULL) == 0);
	return 0;
}

/* The late answer of /slow, after its client left. */
static uint64_t
late_fire(struct gg_evloop *l, void *arg)
{
	struct gg_sbi_request *req = arg;

	hs.late_fired = 1;
	hs.late_cancelled = gg_sbi_request_cancelled(req);
	/* Accessors still work on a cancelled request. */
	CU_ASSERT(strcmp(gg_sbi_request_path(req), "/slow") == 0);
	errno = 0;
	hs.late_rc = gg_sbi_respond_json(req, 200, json_pack("{s:s}", "too",
			"late"), NULL);
	hs.late_errno = errno;
	hs.held = NULL;
	return 0;
}

static void
items(struct gg_sbi_request *req)
{
	json_t *inv = json_array(), *body, *tun;
	const char *name, *tag, *addr;
	int status = 0, r1, r2, r3, r4 = 0;
	char err[160];

	body = gg_sbi_parse_json_body(req, &status, err, sizeof(err));
	if (body == NULL) {
		gg_sbi_problem(req, status, status == 400 ?
				"INVALID_MSG_FORMAT" : NULL, err, NULL);
		json_decref(inv);
		return;
	}
	r1 = gg_sbi_json_get_string(body, NULL, "name", 1, 16, &name, inv);
	r2 = gg_sbi_json_get_string(body, NULL, "tag", 0, 8, &tag, inv);
	r3 = gg_sbi_json_get_object(body, NULL, "tunnel", 0, &tun, inv);
	if (tun != NULL)
		r4 = gg_sbi_json_get_string(tun, "/tunnel", "ipv4Addr", 1, 15,
				&addr, inv);
	if (r1 != 0 || r2 != 0 || r3 != 0 || r4 != 0) {
		gg_sbi_problem(req, 400, r1 == -2 || r4 == -2 ?
				"MANDATORY_IE_MISSING" : "MANDATORY_IE_INCORRECT",
				"some fields are invalid", inv);
	} else {
		json_decref(inv);
		gg_sbi_respond_json(req, 201, json_pack("{s:i, s:s}", "id", 42,
				"name", name), "/items/42");
	}
	json_decref(body);
}

static void
handler(struct gg_sbi_request *req, void *arg)
{
	const char *path = gg_sbi_request_path(req);
	const char *q = gg_sbi_request_query(req);
	const char *ua = gg_sbi_request_header(req, "User-Agent");
	const uint8_t *body;
	size_t len;

	CU_ASSERT(arg == &hs);
	hs.calls++;
	snprintf(hs.method, sizeof(hs.method), "%s", gg_sbi_request_method(req));
	snprintf(hs.path, sizeof(hs.path), "%s", path);
	snprintf(hs.query, sizeof(hs.query), "%s", q != NULL ? q : "(none)");
	snprintf(hs.peer, sizeof(hs.peer), "%s", gg_sbi_request_peer(req));
	snprintf(hs.ua, sizeof(hs.ua), "%s", ua != NULL ? ua : "");
	body = gg_sbi_request_body(req, &len);
	CU_ASSERT(body != NULL && body[len] == '\0');
	hs.body_len = len;
	snprintf(hs.body, sizeof(hs.body), "%s", (const char *)body);

	if (strcmp(path, "/hello") == 0) {
		gg_sbi_respond_json(req, 200, json_pack("{s:s, s:s}", "hello",
				"world", "method", gg_sbi_request_method(req)), NULL);
	} else if (strcmp(path, "/items") == 0) {
		if (strcmp(gg_sbi_request_method(req), "POST") == 0)
			items(req);
		else
			gg_sbi_method_not_allowed(req, "POST");
	} else if (strcmp(path, "/async") == 0) {
		CU_ASSERT(gg_evloop_timer(loop, 200, async_fire, req) > 0);
	} else if (strcmp(path, "/slow") == 0) {
		hs.held = req;
		gg_sbi_request_on_cancel(req, on_cancel, NULL);
		CU_ASSERT(gg_evloop_timer(loop, 1500, late_fire, req) > 0);
	} else if (strcmp(path, "/never") == 0) {
		gg_sbi_request_on_cancel(req, on_cancel, (void *)1);
	} else if (strcmp(path, "/hold") == 0) {
		hs.held = req;
		gg_sbi_request_on_cancel(req, on_cancel, NULL);
	} else if (strcmp(path, "/keep") == 0 && hs.n_kept < 8) {
		hs.kept[hs.n_kept++] = req;
		gg_sbi_request_on_cancel(req, on_cancel, NULL);
	} else if (strcmp(path, "/big") == 0) {
		gg_sbi_respond(req, 200, "application/octet-stream", NULL, big,
				sizeof(big));
	} else if (strncmp(path, "/n/", 3) == 0) {
		gg_sbi_respond_json(req, 200, json_pack("{s:s}", "n", path + 3),
				NULL);
	} else {
		gg_sbi_problem(req, 404, "RESOURCE_NOT_FOUND",
				"no such resource", NULL);
	}
}

static void
start(const struct gg_sbi_params *p)
{
	memset(&hs, 0, sizeof(hs));
	srv = gg_sbi_server_create(loop, p, handler, &hs);
	CU_ASSERT_FATAL(srv != NULL);
	port = gg_sbi_server_port(srv);
	CU_ASSERT_FATAL(port != 0);
}

static void
stop(void)
{
	gg_sbi_server_free(srv);
	srv = NULL;
}

static struct gg_sbi_stats
stats(void)
{
	struct gg_sbi_stats st;

	gg_sbi_server_stats(srv, &st);
	return st;
}

/* ---- curl as a child process ---- */

struct child {
	pid_t pid;
	int fd;            /* its stdout; -1 at EOF */
	int exited;
	int status;
	uint64_t start_ms;
	uint64_t end_ms;
	size_t len;
	char out[65536];
};

static void
on_child_out(struct gg_evloop *l, int fd, unsigned int events, void *arg)
{
	struct child *ch = arg;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0) {
		size_t room = sizeof(ch->out) - 1 - ch->len;

		if ((size_t)n > room)
			n = room;
		memcpy(ch->out + ch->len, buf, n);
		ch->len += n;
		ch->out[ch->len] = '\0';
	} else if (n == 0 || errno != EAGAIN) {
		gg_evloop_unwatch(l, fd);
		close(fd);
		ch->fd = -1;
	}
}

/* Start curl with our fixed options, then @p args (NULL-terminated). */
static int
child_start(struct child *ch, const char *stdin_path, const char *const *args)
{
	static const char *const fixed[] = {
		"curl", "-q", "-sS", "--no-progress-meter", "--noproxy", "*",
	};
	const char *argv[80];
	posix_spawn_file_actions_t fa;
	size_t n = 0, i;
	int p[2], rc;

	memset(ch, 0, sizeof(*ch));
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		argv[n++] = fixed[i];
	for (i = 0; args[i] != NULL && n < 79; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	if (stdin_path != NULL)
		posix_spawn_file_actions_addopen(&fa, 0, stdin_path, O_RDONLY, 0);
	rc = posix_spawnp(&ch->pid, "curl", &fa, NULL, (char *const *)argv,
			environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		return -1;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	ch->fd = p[0];
	ch->start_ms = gg_evloop_now_ms();
	gg_evloop_watch(loop, ch->fd, GG_EV_READ, on_child_out, ch);
	return 0;
}

static int
child_done(struct child *ch)
{
	if (!ch->exited && waitpid(ch->pid, &ch->status, WNOHANG) == ch->pid) {
		ch->exited = 1;
		ch->end_ms = gg_evloop_now_ms();
	}
	return ch->exited && ch->fd < 0;
}

typedef void (*hook_fn)(void);

/* Turn the loop until every child is done; kill them at the deadline. */
static int
children_run(struct child **chs, int n, hook_fn hook)
{
	uint64_t end = gg_evloop_now_ms() + CHILD_DEADLINE_MS;
	int i, done;

	for (;;) {
		gg_evloop_run_once(loop, 5);
		if (hook != NULL)
			hook();
		for (i = 0, done = 0; i < n; i++)
			done += child_done(chs[i]);
		if (done == n)
			return 0;
		if (gg_evloop_now_ms() > end)
			break;
	}
	for (i = 0; i < n; i++) {
		if (!chs[i]->exited) {
			kill(chs[i]->pid, SIGKILL);
			waitpid(chs[i]->pid, &chs[i]->status, 0);
			chs[i]->exited = 1;
		}
		if (chs[i]->fd >= 0) {
			gg_evloop_unwatch(loop, chs[i]->fd);
			close(chs[i]->fd);
			chs[i]->fd = -1;
		}
	}
	return -1;
}

static int
child_exit_code(const struct child *ch)
{
	return WIFEXITED(ch->status) ? WEXITSTATUS(ch->status) : -1;
}

/* Run one curl to completion; the arguments end with NULL. */
static int
curl(struct child *ch, const char *stdin_path, ...)
{
	const char *args[72];
	va_list ap;
	int n = 0;

	va_start(ap, stdin_path);
	while (n < 71 && (args[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	args[n] = NULL;
	if (child_start(ch, stdin_path, args) != 0)
		return -1;
	return children_run(&ch, 1, NULL);
}

static const char *
url(const char *path)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "http://127.0.0.1:%u%s", port, path);
	return buf[i];
}

/* Status of a `curl -i` output ("HTTP/2 201 ..."), -1 if none. */
static int
http_status(const char *out)
{
	int st;

	if (sscanf(out, "HTTP/%*s %d", &st) != 1)
		return -1;
	return st;
}

/* Value of header @p name in a `curl -i` output, into @p buf. */
static const char *
http_header(const char *out, const char *name, char *buf, size_t n)
{
	const char *end = strstr(out, "\r\n\r\n");
	size_t nl = strlen(name);
	const char *p = strstr(out, "\r\n");

	while (p != NULL && p < end) {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1, *e = strstr(v, "\r\n");

			while (*v == ' ')
				v++;
			snprintf(buf, n, "%.*s", (int)(e - v), v);
			return buf;
		}
		p = strstr(p, "\r\n");
	}
	return NULL;
}

/* String member of a JSON object, "" when absent (never NULL). */
static const char *
jstr(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

static json_t *
http_json(const char *out)
{
	const char *b = strstr(out, "\r\n\r\n");

	return b != NULL ? json_loads(b + 4, 0, NULL) : NULL;
}

/* ---- raw sockets ---- */

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static int
raw_connect(int rcvbuf)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CU_ASSERT_FATAL(fd >= 0);
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static void
raw_send(int fd, const void *buf, size_t len)
{
	CU_ASSERT(send(fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len);
}

static size_t
frame_hdr(uint8_t *b, uint32_t len, uint8_t type, uint8_t flags, uint32_t sid)
{
	b[0] = len >> 16;
	b[1] = len >> 8;
	b[2] = len;
	b[3] = type;
	b[4] = flags;
	b[5] = (sid >> 24) & 0x7f;
	b[6] = sid >> 16;
	b[7] = sid >> 8;
	b[8] = sid;
	return 9;
}

/* Client preface plus a SETTINGS frame (empty when @p window is 0). */
static size_t
raw_preface(uint8_t *b, uint32_t window)
{
	size_t n = sizeof(preface) - 1;

	memcpy(b, preface, n);
	if (window == 0)
		return n + frame_hdr(b + n, 0, 0x4, 0, 0);
	n += frame_hdr(b + n, 6, 0x4, 0, 0);
	b[n++] = 0;
	b[n++] = 0x4; /* SETTINGS_INITIAL_WINDOW_SIZE */
	b[n++] = window >> 24;
	b[n++] = window >> 16;
	b[n++] = window >> 8;
	b[n++] = window;
	return n;
}

/* HEADERS for a request, HPACK-encoded by hand with static-table names. */
static size_t
raw_request(uint8_t *b, uint32_t sid, int post, const char *path,
		int end_stream)
{
	uint8_t hb[200];
	size_t n = 0, pl = strlen(path);

	hb[n++] = post ? 0x83 : 0x82;  /* :method POST / GET */
	hb[n++] = 0x86;                /* :scheme http */
	hb[n++] = 0x04;                /* :path, literal not indexed */
	hb[n++] = pl;
	memcpy(hb + n, path, pl);
	n += pl;
	hb[n++] = 0x01;                /* :authority, literal not indexed */
	hb[n++] = 9;
	memcpy(hb + n, "127.0.0.1", 9);
	n += 9;
	frame_hdr(b, n, 0x1, 0x4 | (end_stream ? 0x1 : 0), sid);
	memcpy(b + 9, hb, n);
	return n + 9;
}

/* Read what is there; 1 once the peer closed (EOF or reset). */
static int
raw_drain(int fd, uint8_t *buf, size_t cap, size_t *len)
{
	for (;;) {
		uint8_t tmp[16384];
		ssize_t n = recv(fd, tmp, sizeof(tmp), 0);

		if (n == 0)
			return 1;
		if (n < 0)
			return errno == EAGAIN ? 0 : 1;
		if (buf != NULL && *len < cap) {
			size_t k = (size_t)n < cap - *len ? (size_t)n : cap - *len;

			memcpy(buf + *len, tmp, k);
			*len += k;
		}
	}
}

/* Turn the loop until the server closes @p fd, or @p ms pass. */
static int
raw_wait_close(int fd, uint8_t *buf, size_t cap, size_t *len, uint64_t ms,
		hook_fn hook)
{
	uint64_t end = gg_evloop_now_ms() + ms;

	while (gg_evloop_now_ms() < end) {
		gg_evloop_run_once(loop, 5);
		if (hook != NULL)
			hook();
		if (raw_drain(fd, buf, cap, len))
			return 1;
	}
	return 0;
}

/* Find a frame of @p type on @p sid; returns its payload or NULL. */
static const uint8_t *
frame_find(const uint8_t *b, size_t len, uint8_t type, uint32_t sid,
		uint32_t *plen)
{
	size_t off = 0;

	while (off + 9 <= len) {
		uint32_t fl = (uint32_t)b[off] << 16 | b[off + 1] << 8 | b[off + 2];
		uint32_t fsid = ((uint32_t)b[off + 5] << 24 | b[off + 6] << 16 |
				b[off + 7] << 8 | b[off + 8]) & 0x7fffffff;

		if (off + 9 + fl > len)
			break;
		if (b[off + 3] == type && fsid == sid) {
			if (plen != NULL)
				*plen = fl;
			return b + off + 9;
		}
		off += 9 + fl;
	}
	return NULL;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* ---- tests ---- */

static void
test_create_errors(void)
{
	struct gg_sbi_params p = { .address = "127.0.0.1" };
	struct gg_sbi_server *other;

	errno = 0;
	CU_ASSERT(gg_sbi_server_create(loop, &p, NULL, NULL) == NULL);
	CU_ASSERT(errno == EINVAL);
	p.address = "not-an-address";
	errno = 0;
	CU_ASSERT(gg_sbi_server_create(loop, &p, handler, NULL) == NULL);
	CU_ASSERT(errno == EINVAL);

	start(NULL); /* defaults: 127.0.0.1, ephemeral port */
	p.address = "127.0.0.1";
	p.port = port;
	errno = 0;
	other = gg_sbi_server_create(loop, &p, handler, NULL);
	CU_ASSERT(other == NULL);
	CU_ASSERT(errno == EADDRINUSE);
	gg_sbi_server_free(other);
	stop();

	/* IPv6 where the host has it. */
	p.address = "::1";
	p.port = 0;
	other = gg_sbi_server_create(loop, &p, handler, NULL);
	CU_ASSERT(other != NULL || errno == EADDRNOTAVAIL ||
			errno == EAFNOSUPPORT);
	if (other != NULL)
		CU_ASSERT(gg_sbi_server_port(other) != 0);
	gg_sbi_server_free(other);
	gg_sbi_server_free(NULL);
}

static void
test_helpers(void)
{
	json_t *inv = json_array();
	json_t *o = json_pack("{s:s, s:i, s:s%}", "a/b~c", "x", "num", 7,
			"nul", "a\0b", (size_t)3);
	const char *s;
	json_t *sub;

	CU_ASSERT_STRING_EQUAL(gg_sbi_reason_phrase(413), "Content Too Large");
	CU_ASSERT_STRING_EQUAL(gg_sbi_reason_phrase(504), "Gateway Timeout");
	CU_ASSERT_STRING_EQUAL(gg_sbi_reason_phrase(299), "Unknown");
	CU_ASSERT(gg_sbi_json_get_string(o, NULL, "a/b~c", 1, 4, &s, inv) == 0);
	CU_ASSERT(s != NULL && strcmp(s, "x") == 0);
	CU_ASSERT(gg_sbi_json_get_string(o, "/p", "num", 1, 4, &s, inv) == -1);
	CU_ASSERT(s == NULL);
	CU_ASSERT(gg_sbi_json_get_string(o, NULL, "nul", 1, 4, &s, inv) == -1);
	CU_ASSERT(gg_sbi_json_get_string(o, NULL, "gone", 0, 4, &s, inv) == 0);
	CU_ASSERT(gg_sbi_json_get_string(o, NULL, "gone~", 1, 4, &s, inv) == -2);
	CU_ASSERT(gg_sbi_json_get_object(o, NULL, "num", 1, &sub, inv) == -1);
	CU_ASSERT(gg_sbi_invalid_param(inv, "header x", NULL) == 0);
	CU_ASSERT(gg_sbi_invalid_param(NULL, "x", "y") == -1);
	CU_ASSERT_FATAL(json_array_size(inv) == 5);
	CU_ASSERT_STRING_EQUAL(jstr(json_array_get(inv, 0), "param"), "/p/num");
	CU_ASSERT_STRING_EQUAL(jstr(json_array_get(inv, 2), "param"), "/gone~0");
	CU_ASSERT_STRING_EQUAL(jstr(json_array_get(inv, 2), "reason"), "missing");
	CU_ASSERT(json_object_get(json_array_get(inv, 4), "reason") == NULL);
	json_decref(inv);
	json_decref(o);
}

static void
test_get_json(void)
{
	struct child ch;
	struct gg_sbi_stats st;
	char h[128];
	json_t *j;

	start(NULL);
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-i",
			url("/hello?x=1&y=%20"), NULL) == 0);
	CU_ASSERT(child_exit_code(&ch) == 0);
	CU_ASSERT(strncmp(ch.out, "HTTP/2 200", 10) == 0);
	CU_ASSERT(http_header(ch.out, "content-type", h, sizeof(h)) != NULL &&
			strcmp(h, "application/json") == 0);
	j = http_json(ch.out);
	CU_ASSERT(j != NULL && strcmp(jstr(j, "hello"), "world") == 0);
	json_decref(j);
	CU_ASSERT(hs.calls == 1);
	CU_ASSERT_STRING_EQUAL(hs.method, "GET");
	CU_ASSERT_STRING_EQUAL(hs.path, "/hello");
	CU_ASSERT_STRING_EQUAL(hs.query, "x=1&y=%20");
	CU_ASSERT_STRING_EQUAL(hs.peer, "127.0.0.1");
	CU_ASSERT(strncmp(hs.ua, "curl/", 5) == 0);
	CU_ASSERT(hs.body_len == 0);

	/* HEAD gets the headers and no body. */
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-I",
			url("/hello"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 200);
	CU_ASSERT(strstr(ch.out, "world") == NULL);

	st = stats();
	CU_ASSERT(st.conns_accepted == 2);
	CU_ASSERT(st.requests == 2);
	CU_ASSERT(st.resp_2xx == 2);
	CU_ASSERT(st.protocol_errors == 0);
	stop();
}

static void
test_post_created(void)
{
	struct child ch;
	char h[128];
	json_t *j;

	start(NULL);
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-i",
			"-H", "Content-Type: application/json",
			"--data-binary", "{\"name\":\"dev0001\",\"tag\":\"t\"}",
			url("/items"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 201);
	CU_ASSERT(http_header(ch.out, "location", h, sizeof(h)) != NULL &&
			strcmp(h, "/items/42") == 0);
	CU_ASSERT_STRING_EQUAL(hs.method, "POST");
	CU_ASSERT_STRING_EQUAL(hs.body, "{\"name\":\"dev0001\",\"tag\":\"t\"}");
	CU_ASSERT(hs.body_len == strlen(hs.body));
	j = http_json(ch.out);
	CU_ASSERT(j != NULL && json_integer_value(json_object_get(j, "id")) == 42);
	CU_ASSERT(j != NULL && strcmp(jstr(j, "name"), "dev0001") == 0);
	json_decref(j);
	stop();
}

static void
test_problems(void)
{
	struct child ch;
	json_t *j, *inv;
	char h[128];

	start(NULL);
	/* Missing name, tag too long, tunnel without its address. */
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-i",
			"-H", "content-type: application/json; charset=utf-8",
			"--data-binary", "{\"tag\":\"much-too-long\",\"tunnel\":{}}",
			url("/items"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 400);
	CU_ASSERT(http_header(ch.out, "content-type", h, sizeof(h)) != NULL &&
			strcmp(h, "application/problem+json") == 0);
	j = http_json(ch.out);
	CU_ASSERT_FATAL(j != NULL);
	CU_ASSERT_STRING_EQUAL(jstr(j, "title"),
			"Bad Request");
	CU_ASSERT(json_integer_value(json_object_get(j, "status")) == 400);
	CU_ASSERT_STRING_EQUAL(jstr(j, "cause"),
			"MANDATORY_IE_MISSING");
	CU_ASSERT(json_object_get(j, "detail") != NULL);
	inv = json_object_get(j, "invalidParams");
	CU_ASSERT_FATAL(json_array_size(inv) == 3);
	CU_ASSERT_STRING_EQUAL(jstr(json_array_get(inv, 0), "param"), "/name");
	CU_ASSERT_STRING_EQUAL(jstr(json_array_get(inv, 1), "param"), "/tag");
	CU_ASSERT_STRING_EQUAL(jstr(json_array_get(inv, 2), "param"), "/tunnel/ipv4Addr");
	json_decref(j);

	/* Broken JSON: 400 INVALID_MSG_FORMAT naming the place. */
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-i",
			"-H", "content-type: application/json",
			"--data-binary", "{\"name\": }", url("/items"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 400);
	j = http_json(ch.out);
	CU_ASSERT(j != NULL && strcmp(jstr(j, "cause"), "INVALID_MSG_FORMAT") == 0);
	CU_ASSERT(j != NULL && strstr(jstr(j, "detail"), "column") != NULL);
	CU_ASSERT(j != NULL && json_object_get(j, "invalidParams") == NULL);
	json_decref(j);

	/* Not JSON at all: 415. */
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-i",
			"-H", "content-type: text/plain", "--data-binary", "hi",
			url("/items"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 415);

	/* A method the resource does not take: 405 with its Allow list. */
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-i",
			"-X", "DELETE", url("/items"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 405);
	CU_ASSERT(http_header(ch.out, "allow", h, sizeof(h)) != NULL &&
			strcmp(h, "POST") == 0);
	j = http_json(ch.out);
	CU_ASSERT(j != NULL && strcmp(jstr(j, "cause"), "METHOD_NOT_ALLOWED") == 0);
	CU_ASSERT(j != NULL && strcmp(jstr(j, "detail"), "allowed: POST") == 0);
	json_decref(j);
	/* No other answer carries Allow. */
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-i",
			url("/hello"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 200);
	CU_ASSERT(http_header(ch.out, "allow", h, sizeof(h)) == NULL);

	/* Unknown path: the handler's 404. */
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-i",
			url("/nope"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 404);
	CU_ASSERT(http_header(ch.out, "content-type", h, sizeof(h)) != NULL &&
			strcmp(h, "application/problem+json") == 0);
	j = http_json(ch.out);
	CU_ASSERT(j != NULL && strcmp(jstr(j, "title"), "Not Found") == 0);
	json_decref(j);
	CU_ASSERT(stats().resp_4xx == 5);
	stop();
}

static void
test_async(void)
{
	struct child ch;
	json_t *j;

	start(NULL);
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-i",
			url("/async"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 200);
	CU_ASSERT(ch.end_ms - ch.start_ms >= 200);
	j = http_json(ch.out);
	CU_ASSERT(j != NULL && json_is_true(json_object_get(j, "async")));
	json_decref(j);
	stop();
}

static void
test_too_large(void)
{
	char path[] = "/tmp/test_sbi_bodyXXXXXX";
	static char hdr[20000];
	char arg[64];
	struct child ch;
	json_t *j;
	int fd;

	start(NULL);
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	memset(big, 'a', 100 * 1024);
	CU_ASSERT(write(fd, big, 100 * 1024) == 100 * 1024);
	close(fd);
	snprintf(arg, sizeof(arg), "@%s", path);

	/* Announced by content-length: refused from the headers. */
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-i",
			"-H", "content-type: application/json",
			"--data-binary", arg, url("/items"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 413);
	j = http_json(ch.out);
	CU_ASSERT(j != NULL && strcmp(jstr(j, "title"), "Content Too Large") == 0);
	json_decref(j);

	/* Streamed without a length: refused as it arrives. */
	CU_ASSERT_FATAL(curl(&ch, path, "--http2-prior-knowledge", "-i",
			"-H", "content-type: application/json",
			"-T", "-", url("/items"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 413);
	CU_ASSERT(hs.calls == 0);
	CU_ASSERT(stats().too_large == 2);

	/* A header list over max_header_list (16 KiB by default): 431. */
	memcpy(hdr, "x-big: ", 7);
	memset(hdr + 7, 'b', sizeof(hdr) - 8);
	hdr[sizeof(hdr) - 1] = '\0';
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-i",
			"-H", hdr, url("/hello"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 431);
	j = http_json(ch.out);
	CU_ASSERT(j != NULL && strcmp(jstr(j, "title"),
			"Request Header Fields Too Large") == 0);
	json_decref(j);
	CU_ASSERT(hs.calls == 0);
	CU_ASSERT(stats().too_large == 3);

	/* The server is fine afterwards. */
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-i",
			url("/hello"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 200);
	unlink(path);
	stop();
}

/*
 * curl 7.88.1 cannot reuse a prior-knowledge connection (curl issue 10634,
 * fixed after that release), so each transfer gets its own connection
 * (--parallel-immediate); test_multiplex() covers many streams on one.
 */
static void
test_parallel(void)
{
	struct child ch;
	/* 50 connections from one address: above the per-client default. */
	struct gg_sbi_params sp = { .max_conns_per_client = 50 };
	const char *p = ch.out;
	int ok = 0;

	start(&sp);
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge",
			"--parallel", "--parallel-immediate", "--parallel-max", "50",
			"-w", "\nCODE=%{http_code}\n", url("/n/[1-50]"), NULL) == 0);
	CU_ASSERT(child_exit_code(&ch) == 0);
	while ((p = strstr(p, "CODE=200")) != NULL) {
		ok++;
		p++;
	}
	CU_ASSERT(ok == 50);
	CU_ASSERT(hs.calls == 50);
	CU_ASSERT(stats().resp_2xx == 50);
	CU_ASSERT(stats().conns_accepted == 50);
	stop();
}

/* Issue 13 item 3: over max_conns_per_client, a connection is closed at
 * once; the others of that address are served. */
static void
test_per_client(void)
{
	struct gg_sbi_params sp = { .max_conns_per_client = 3 };
	struct child ch;
	const char *p;
	int ok = 0;

	start(&sp);
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge",
			"--parallel", "--parallel-immediate", "--parallel-max", "6",
			"-w", "\nCODE=%{http_code}\n", url("/n/[1-6]"), NULL) == 0);
	child_exit_code(&ch);
	for (p = ch.out; (p = strstr(p, "CODE=200")) != NULL; p++)
		ok++;
	CU_ASSERT(ok >= 3 && ok < 6);
	CU_ASSERT(stats().conns_refused_client >= 1);
	stop();
}

/* Wait until every stream of @p sids got END_STREAM or a RST_STREAM. */
static int
raw_wait_streams(int fd, uint8_t *in, size_t cap, size_t *len,
		const uint32_t *sids, int n)
{
	uint64_t end = gg_evloop_now_ms() + CHILD_DEADLINE_MS;

	while (gg_evloop_now_ms() < end) {
		size_t off = 0;
		int i, done = 0;

		gg_evloop_run_once(loop, 5);
		raw_drain(fd, in, cap, len);
		for (i = 0; i < n; i++) {
			/* Scan every frame of the stream for its end. */
			for (off = 0; off + 9 <= *len;) {
				uint32_t fl = (uint32_t)in[off] << 16 |
						in[off + 1] << 8 | in[off + 2];
				uint32_t sid = be32(in + off + 5) & 0x7fffffff;

				if (sid == sids[i] && (in[off + 3] == 0x3 ||
						((in[off + 3] <= 0x1) &&
						(in[off + 4] & 0x1)))) {
					done++;
					break;
				}
				off += 9 + fl;
			}
		}
		if (done == n)
			return 0;
	}
	return -1;
}

/* Many streams on one connection, in one write. */
static void
test_multiplex(void)
{
	static uint8_t out[8192], in[65536];
	uint32_t sids[20];
	size_t n, len = 0;
	char path[16];
	int fd, i, ok = 0;

	start(NULL);
	fd = raw_connect(0);
	n = raw_preface(out, 0);
	for (i = 0; i < 20; i++) {
		sids[i] = 1 + 2 * i;
		snprintf(path, sizeof(path), "/n/%d", i);
		n += raw_request(out + n, sids[i], 0, path, 1);
	}
	raw_send(fd, out, n);
	CU_ASSERT(raw_wait_streams(fd, in, sizeof(in), &len, sids, 20) == 0);
	for (i = 0; i < 20; i++) {
		const uint8_t *h = frame_find(in, len, 0x1, sids[i], NULL);

		ok += h != NULL && h[0] == 0x88; /* ":status: 200", indexed */
	}
	CU_ASSERT(ok == 20);
	CU_ASSERT(hs.calls == 20);
	CU_ASSERT(stats().conns_accepted == 1);
	close(fd);
	stop();
}

/*
 * max_streams: streams over the limit are refused, and so are new ones
 * while the application still holds requests whose client reset them
 * (a "rapid reset" client cannot pile up work).
 */
static void
test_stream_limits(void)
{
	struct gg_sbi_params p = { .max_streams = 4 };
	static uint8_t out[4096], in[65536];
	uint32_t sids[8];
	const uint8_t *f;
	size_t n, len = 0;
	int fd, i, refused = 0, ok = 0;

	start(&p);
	/* Eight at once, before our SETTINGS could be acknowledged. */
	fd = raw_connect(0);
	n = raw_preface(out, 0);
	for (i = 0; i < 8; i++) {
		sids[i] = 1 + 2 * i;
		n += raw_request(out + n, sids[i], 0, "/n/x", 1);
	}
	raw_send(fd, out, n);
	CU_ASSERT(raw_wait_streams(fd, in, sizeof(in), &len, sids, 8) == 0);
	for (i = 0; i < 8; i++) {
		f = frame_find(in, len, 0x3, sids[i], NULL);
		refused += f != NULL && be32(f) == 0x7; /* REFUSED_STREAM */
		f = frame_find(in, len, 0x1, sids[i], NULL);
		ok += f != NULL && f[0] == 0x88;
	}
	CU_ASSERT(ok == 4);
	CU_ASSERT(refused == 4);
	CU_ASSERT(stats().streams_refused == 4);
	close(fd);

	/* Four requests held by the application, each reset by the client,
	 * then four more: refused while the first four are held. */
	fd = raw_connect(0);
	n = raw_preface(out, 0);
	for (i = 0; i < 8; i++) {
		sids[i] = 1 + 2 * i;
		n += raw_request(out + n, sids[i], 0, i < 4 ? "/keep" : "/n/x", 1);
		if (i < 4) {
			n += frame_hdr(out + n, 4, 0x3, 0, sids[i]);
			memcpy(out + n, "\0\0\0\x08", 4); /* CANCEL */
			n += 4;
		}
	}
	raw_send(fd, out, n);
	len = 0;
	CU_ASSERT(raw_wait_streams(fd, in, sizeof(in), &len, sids + 4, 4) == 0);
	for (i = 4, refused = 0; i < 8; i++) {
		f = frame_find(in, len, 0x3, sids[i], NULL);
		refused += f != NULL && be32(f) == 0x7;
	}
	CU_ASSERT(refused == 4);
	CU_ASSERT(stats().streams_refused == 8);
	CU_ASSERT(hs.n_kept == 4);
	CU_ASSERT(hs.cancels == 4);
	CU_ASSERT(stats().cancelled == 4);
	for (i = 0; i < hs.n_kept; i++) {
		CU_ASSERT(gg_sbi_request_cancelled(hs.kept[i]));
		gg_sbi_request_release(hs.kept[i]);
	}
	hs.n_kept = 0;
	CU_ASSERT(stats().resp_5xx == 0); /* released, nothing sent */
	close(fd);
	stop();
}

static void
test_http1_refused(void)
{
	struct child ch;
	struct gg_sbi_stats st;

	start(NULL);
	CU_ASSERT_FATAL(curl(&ch, NULL, "-i", url("/hello"), NULL) == 0);
	CU_ASSERT(strncmp(ch.out, "HTTP/1.1 505", 12) == 0);
	/* No h2c upgrade either. */
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2", "-i", url("/hello"),
			NULL) == 0);
	CU_ASSERT(strncmp(ch.out, "HTTP/1.1 505", 12) == 0);
	CU_ASSERT(hs.calls == 0);
	st = stats();
	CU_ASSERT(st.http1_refused == 2);
	CU_ASSERT(st.protocol_errors == 2);
	CU_ASSERT(st.conns_closed == 2);
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-i",
			url("/hello"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 200);
	stop();
}

static void
test_garbage(void)
{
	static const uint8_t junk[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01,
		0x00, 0x01, 0xfc, 0x03, 0x03, 0xde, 0xad, 0xbe, 0xef };
	uint8_t in[4096], out[256];
	const uint8_t *ga;
	struct child ch;
	size_t len = 0, n;
	uint32_t gl;
	int fd;

	start(NULL);
	/* Not a preface (a TLS ClientHello): SETTINGS, GOAWAY, close. */
	fd = raw_connect(0);
	raw_send(fd, junk, sizeof(junk));
	CU_ASSERT(raw_wait_close(fd, in, sizeof(in), &len, 5000, NULL));
	ga = frame_find(in, len, 0x7, 0, &gl);
	CU_ASSERT(ga != NULL && gl >= 8 && be32(ga + 4) == 0x1); /* PROTOCOL_ERROR */
	close(fd);

	/* A good preface, then a SETTINGS frame of a bad length. */
	fd = raw_connect(0);
	n = raw_preface(out, 0);
	n += frame_hdr(out + n, 5, 0x4, 0, 0);
	memset(out + n, 0, 5);
	n += 5;
	raw_send(fd, out, n);
	len = 0;
	CU_ASSERT(raw_wait_close(fd, in, sizeof(in), &len, 5000, NULL));
	ga = frame_find(in, len, 0x7, 0, &gl);
	CU_ASSERT(ga != NULL && gl >= 8 && be32(ga + 4) == 0x6); /* FRAME_SIZE */
	close(fd);

	CU_ASSERT(stats().protocol_errors == 2);
	CU_ASSERT(stats().conns_closed == 2);
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-i",
			url("/hello"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 200);
	stop();
}

/* Slowloris: one octet of the preface every 100 ms. */
static int slow_fd;
static size_t slow_sent;
static uint64_t slow_next;

static void
slow_hook(void)
{
	uint64_t now = gg_evloop_now_ms();

	if (now < slow_next || slow_sent >= sizeof(preface) - 1)
		return;
	send(slow_fd, preface + slow_sent, 1, MSG_NOSIGNAL);
	slow_sent++;
	slow_next = now + 100;
}

static void
test_slowloris(void)
{
	struct gg_sbi_params p = { .idle_timeout_ms = 1000 };
	struct child ch;
	const char *args[] = { "--http2-prior-knowledge", "--parallel",
		"--parallel-immediate", "-w", "\nCODE=%{http_code}\n",
		NULL, NULL, NULL, NULL };
	struct child *chp = &ch;
	const char *s = ch.out;
	uint64_t t0;
	int ok = 0;

	start(&p);
	slow_fd = raw_connect(0);
	slow_sent = 0;
	slow_next = 0;
	t0 = gg_evloop_now_ms();
	args[5] = url("/n/1");
	args[6] = url("/n/2");
	args[7] = url("/n/3");
	CU_ASSERT_FATAL(child_start(&ch, NULL, args) == 0);
	CU_ASSERT_FATAL(children_run(&chp, 1, slow_hook) == 0);
	while ((s = strstr(s, "CODE=200")) != NULL) {
		ok++;
		s++;
	}
	CU_ASSERT(ok == 3);
	/* Trickling octets do not keep a connection without a stream. */
	CU_ASSERT(raw_wait_close(slow_fd, NULL, 0, NULL, 5000, slow_hook));
	CU_ASSERT(gg_evloop_now_ms() - t0 >= 1000);
	CU_ASSERT(slow_sent < sizeof(preface) - 1);
	CU_ASSERT(stats().timeouts_idle == 1);
	close(slow_fd);
	stop();
}

static void
test_client_gone(void)
{
	uint64_t end;
	struct child ch;

	start(NULL);
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge",
			"--max-time", "0.5", url("/slow"), NULL) == 0);
	CU_ASSERT(child_exit_code(&ch) == 28); /* curl: timed out */
	CU_ASSERT(hs.calls == 1);
	end = gg_evloop_now_ms() + 5000;
	while (!hs.late_fired && gg_evloop_now_ms() < end)
		gg_evloop_run_once(loop, 10);
	CU_ASSERT(hs.cancels == 1);
	CU_ASSERT(hs.late_fired);
	CU_ASSERT(hs.late_cancelled);
	CU_ASSERT(hs.late_rc == -1 && hs.late_errno == ECANCELED);
	CU_ASSERT(stats().cancelled == 1);
	CU_ASSERT(stats().resp_2xx == 0);
	stop();
}

static void
test_request_timeout(void)
{
	struct gg_sbi_params p = { .request_timeout_ms = 300 };
	uint8_t out[256], in[4096];
	const uint8_t *rst;
	struct child ch;
	size_t n, len = 0;
	uint64_t end;
	uint32_t rl;
	json_t *j;
	int fd;

	start(&p);
	/* The handler holds the request and never answers: 504. */
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-i",
			url("/never"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 504);
	j = http_json(ch.out);
	CU_ASSERT(j != NULL && strcmp(jstr(j, "cause"), "TIMED_OUT_REQUEST") == 0);
	json_decref(j);
	CU_ASSERT(hs.cancels == 1); /* and it released it there */
	CU_ASSERT(stats().timeouts_request == 1);

	/* Headers without the end of the request: 408, then RST(NO_ERROR). */
	fd = raw_connect(0);
	n = raw_preface(out, 0);
	n += raw_request(out + n, 1, 1, "/items", 0);
	raw_send(fd, out, n);
	end = gg_evloop_now_ms() + 5000;
	rst = NULL;
	while (rst == NULL && gg_evloop_now_ms() < end) {
		gg_evloop_run_once(loop, 5);
		raw_drain(fd, in, sizeof(in), &len);
		rst = frame_find(in, len, 0x3, 1, &rl);
	}
	CU_ASSERT(frame_find(in, len, 0x1, 1, NULL) != NULL);
	CU_ASSERT(rst != NULL && rl == 4 && be32(rst) == 0);
	CU_ASSERT(stats().timeouts_request == 2);
	CU_ASSERT(stats().resp_4xx == 1);
	CU_ASSERT(stats().resp_5xx == 1);
	CU_ASSERT(hs.calls == 1);
	close(fd);
	stop();
}

static void
test_idle_timeout(void)
{
	struct gg_sbi_params p = { .idle_timeout_ms = 400 };
	uint8_t out[64], in[1024];
	const uint8_t *ga;
	size_t len = 0;
	uint64_t t0;
	uint32_t gl;
	int fd;

	start(&p);
	fd = raw_connect(0);
	raw_send(fd, out, raw_preface(out, 0));
	t0 = gg_evloop_now_ms();
	CU_ASSERT(raw_wait_close(fd, in, sizeof(in), &len, 5000, NULL));
	CU_ASSERT(gg_evloop_now_ms() - t0 >= 300);
	ga = frame_find(in, len, 0x7, 0, &gl);
	CU_ASSERT(ga != NULL && gl >= 8 && be32(ga + 4) == 0); /* NO_ERROR */
	CU_ASSERT(stats().timeouts_idle == 1);
	CU_ASSERT(stats().conns_closed == 1);
	close(fd);
	stop();
}

static void
test_non_reader(void)
{
	struct gg_sbi_params p = {
		.idle_timeout_ms = 1000,
		.wbuf_limit = 32 * 1024,
	};
	uint8_t out[2048];
	struct child ch;
	struct gg_sbi_stats st;
	uint64_t end;
	size_t n;
	uint32_t sid;
	int fd;

	start(&p);
	/* Huge windows so flow control does not protect us; then ask for
	 * 16 MiB and never read. */
	fd = raw_connect(4096);
	n = raw_preface(out, 0x7fffffff);
	n += frame_hdr(out + n, 4, 0x8, 0, 0); /* WINDOW_UPDATE */
	out[n++] = 0x7f;
	out[n++] = 0xff;
	out[n++] = 0x00;
	out[n++] = 0x00;
	for (sid = 1; sid <= 31; sid += 2)
		n += raw_request(out + n, sid, 0, "/big", 1);
	raw_send(fd, out, n);

	/* Others are served meanwhile. */
	CU_ASSERT_FATAL(curl(&ch, NULL, "--http2-prior-knowledge", "-i",
			url("/hello"), NULL) == 0);
	CU_ASSERT(http_status(ch.out) == 200);

	/* Not raw_wait_close(): that would read. */
	end = gg_evloop_now_ms() + 10000;
	while (stats().timeouts_write == 0 && gg_evloop_now_ms() < end)
		gg_evloop_run_once(loop, 5);
	st = stats();
	CU_ASSERT(st.timeouts_write == 1);
	CU_ASSERT(st.wbuf_peak >= p.wbuf_limit);
	CU_ASSERT(st.wbuf_peak <= p.wbuf_limit + 16384 + 9 + 256);
	close(fd);
	stop();
}

static void
test_max_conns(void)
{
	struct gg_sbi_params p = { .max_conns = 2 };
	int fd[3], i, closed = 0;
	uint64_t end;

	start(&p);
	for (i = 0; i < 3; i++)
		fd[i] = raw_connect(0);
	end = gg_evloop_now_ms() + 2000;
	while (gg_evloop_now_ms() < end && !closed) {
		gg_evloop_run_once(loop, 5);
		closed = raw_drain(fd[2], NULL, 0, NULL);
	}
	CU_ASSERT(closed);
	CU_ASSERT(raw_drain(fd[0], NULL, 0, NULL) == 0);
	CU_ASSERT(stats().conns_accepted == 2);
	CU_ASSERT(stats().conns_refused == 1);
	for (i = 0; i < 3; i++)
		close(fd[i]);
	stop();
}

static void
test_free_while_held(void)
{
	struct gg_sbi_request *req;
	struct child ch;
	const char *args[] = { "--http2-prior-knowledge", NULL, NULL };
	uint64_t end;

	start(NULL);
	args[1] = url("/hold");
	CU_ASSERT_FATAL(child_start(&ch, NULL, args) == 0);
	end = gg_evloop_now_ms() + CHILD_DEADLINE_MS;
	while (hs.held == NULL && gg_evloop_now_ms() < end)
		gg_evloop_run_once(loop, 5);
	CU_ASSERT_FATAL(hs.held != NULL);
	req = hs.held;
	stop(); /* GOAWAY to curl, cancel callback, request survives */
	CU_ASSERT(hs.cancels == 1);
	CU_ASSERT(gg_sbi_request_cancelled(req));
	CU_ASSERT_STRING_EQUAL(gg_sbi_request_path(req), "/hold");
	errno = 0;
	CU_ASSERT(gg_sbi_respond(req, 200, NULL, NULL, NULL, 0) == -1);
	CU_ASSERT(errno == ECANCELED);
	{
		struct child *chp = &ch;

		children_run(&chp, 1, NULL);
	}
	CU_ASSERT(child_exit_code(&ch) != 0);
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "create errors", test_create_errors },
		{ "json helpers", test_helpers },
		{ "GET json", test_get_json },
		{ "POST 201 Location", test_post_created },
		{ "problem details", test_problems },
		{ "async answer", test_async },
		{ "body too large", test_too_large },
		{ "parallel clients", test_parallel },
		{ "connections per client", test_per_client },
		{ "multiplexed streams", test_multiplex },
		{ "stream limits", test_stream_limits },
		{ "HTTP/1.1 refused", test_http1_refused },
		{ "garbage", test_garbage },
		{ "slowloris", test_slowloris },
		{ "client gone", test_client_gone },
		{ "request timeout", test_request_timeout },
		{ "idle timeout", test_idle_timeout },
		{ "client not reading", test_non_reader },
		{ "max connections", test_max_conns },
		{ "free while held", test_free_while_held },
	};
	int rc;

	signal(SIGPIPE, SIG_IGN);
	loop = gg_evloop_create();
	if (loop == NULL)
		return 1;
	rc = test_cunit_main("sbi", NULL, NULL, TEST_CASES(tests));
	gg_evloop_free(loop);
	return rc;
}
