/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit suite for lib/fetch against real HTTP servers on loopback: Python's
 * http.server (a child process, for plain files) and libmicrohttpd servers
 * in this process, on their own threads, for the special answers (slow,
 * streamed without end, redirect, empty, counted) and for HTTPS (a
 * self-signed certificate made with the openssl command). The fetcher runs on a
 * real gg_evloop in the test's thread, so a blocking fetcher would show up
 * as timing failures. The servers are stopped by the suite cleanup; the
 * Python child also dies with this process (PR_SET_PDEATHSIG).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <microhttpd.h>

#include "gg_evloop.h"
#include "gg_fetch.h"
#include "test_cunit.h"

#define HUGE_SIZE (64u << 20)
#define SLOW_MS 5000

/* ---- servers ---- */

static char tmpdir[64] = "";
static pid_t py_pid = -1;
static int py_out = -1;
static int py_port;
static struct MHD_Daemon *mhd;
static int mhd_port;
static struct MHD_Daemon *mhd_tls;
static int tls_port;
static char tls_ca[128];          /* the server's self-signed certificate */
static atomic_int mhd_hits;      /* every request */
static atomic_int mhd_count_hits;/* /count/... */
static atomic_ulong huge_sent;   /* octets /huge handed to MHD */
static atomic_int stopping;

static uint8_t cert[1234];       /* cert.der */
static uint8_t exact[16384];     /* exact.der: max_body octets */

static ssize_t
huge_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	if (pos >= HUGE_SIZE || atomic_load(&stopping))
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (max > HUGE_SIZE - pos)
		max = HUGE_SIZE - pos;
	memset(buf, 'x', max);
	atomic_store(&huge_sent, pos + max);
	return (ssize_t)max;
}

static ssize_t
chunk20k_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	if (pos >= 20480)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (max > 20480 - pos)
		max = 20480 - pos;
	memset(buf, 'b', max);
	return (ssize_t)max;
}

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned int status, const void *body,
		size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len,
			(void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret = MHD_queue_response(c, status, r);

	MHD_destroy_response(r);
	return ret;
}

/* The last POST received under /post/ (the handler's thread writes it
 * before answering; the test reads it once the answer came). */
#define POST_BODY_MAX 8192
static struct {
	char content_type[128];
	char expect[64];
	size_t len;
	uint8_t body[POST_BODY_MAX];
} last_post;

struct upload {
	size_t len;
	uint8_t body[POST_BODY_MAX];
};

static enum MHD_Result
post_handler(struct MHD_Connection *c, const char *url, const char *upload,
		size_t *upload_size, void **req)
{
	struct upload *u = *req;
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *v;
	char loc[64];

	if (u == NULL) {
		*req = calloc(1, sizeof(*u));
		return *req != NULL ? MHD_YES : MHD_NO;
	}
	if (*upload_size != 0) {
		size_t n = *upload_size;

		if (n > sizeof(u->body) - u->len)
			n = sizeof(u->body) - u->len;
		memcpy(u->body + u->len, upload, n);
		u->len += n;
		*upload_size = 0;
		return MHD_YES;
	}
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	snprintf(last_post.content_type, sizeof(last_post.content_type), "%s",
			v != NULL ? v : "");
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect");
	snprintf(last_post.expect, sizeof(last_post.expect), "%s",
			v != NULL ? v : "");
	memcpy(last_post.body, u->body, u->len);
	last_post.len = u->len;
	free(u);
	*req = NULL;
	if (strcmp(url, "/post/ok") == 0)
		return reply(c, 204, "", 0);
	if (strcmp(url, "/post/200") == 0)
		return reply(c, 200, "thanks, a long answer nobody reads", 34);
	if (strcmp(url, "/post/redirect") == 0) {
		snprintf(loc, sizeof(loc), "http://127.0.0.1:%d/count/moved",
				mhd_port);
		r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(r, "Location", loc);
		ret = MHD_queue_response(c, 307, r);
		MHD_destroy_response(r);
		return ret;
	}
	return reply(c, 500, "broken", 6);
}

static enum MHD_Result
mhd_handler(void *cls, struct MHD_Connection *c, const char *url,
		const char *method, const char *version, const char *upload,
		size_t *upload_size, void **req)
{
	static char big404[20480];
	struct MHD_Response *r;
	enum MHD_Result ret;
	char body[64];
	int i;

	(void)cls; (void)version;
	if (strcmp(method, "POST") == 0 && strncmp(url, "/post/", 6) == 0)
		return post_handler(c, url, upload, upload_size, req);
	atomic_fetch_add(&mhd_hits, 1);
	if (strncmp(url, "/count/", 7) == 0 ||
			strncmp(url, "/certs/count/", 13) == 0) {
		atomic_fetch_add(&mhd_count_hits, 1);
		return reply(c, 200, cert, sizeof(cert));
	}
	if (strncmp(url, "/n/", 3) == 0) {
		int len = snprintf(body, sizeof(body), "item %s", url + 3);

		return reply(c, 200, body, (size_t)len);
	}
	if (strncmp(url, "/slow", 5) == 0) {
		for (i = 0; i < SLOW_MS / 20 && !atomic_load(&stopping); i++)
			usleep(20 * 1000);
		return reply(c, 200, "late", 4);
	}
	if (strcmp(url, "/huge") == 0 || strcmp(url, "/big20k") == 0) {
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
				url[1] == 'h' ? huge_reader : chunk20k_reader,
				NULL, NULL);
		ret = MHD_queue_response(c, 200, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (strcmp(url, "/redirect") == 0) {
		snprintf(body, sizeof(body), "http://127.0.0.1:%d/count/moved",
				mhd_port);
		r = MHD_create_response_from_buffer(5, "moved",
				MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(r, "Location", body);
		ret = MHD_queue_response(c, 302, r);
		MHD_destroy_response(r);
		return ret;
	}
	if (strcmp(url, "/empty") == 0)
		return reply(c, 200, "", 0);
	if (strcmp(url, "/big404") == 0)
		return reply(c, 404, big404, sizeof(big404));
	return reply(c, 404, "no", 2);
}

static int
mhd_port_of(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *info;

	if (d == NULL)
		return 0;
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	return info != NULL ? info->port : 0;
}

static int
start_mhd(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* A thread per connection: the slow handler sleeps in its own. */
	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
			MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL,
			mhd_handler, NULL,
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			MHD_OPTION_END);
	mhd_port = mhd_port_of(mhd);
	return mhd_port != 0 ? 0 : -1;
}

static char *
read_text(const char *path)
{
	static char buf[2][8192];
	static int i;
	char *b = buf[i++ % 2];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (fp == NULL)
		return NULL;
	n = fread(b, 1, sizeof(buf[0]) - 1, fp);
	fclose(fp);
	b[n] = '\0';
	return n > 0 ? b : NULL;
}

/* HTTPS server: a P-256 certificate for IP 127.0.0.1 only, self-signed,
 * made by the openssl command (its file is the trust given to the
 * fetcher). */
static int
start_mhd_tls(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char cmd[512], key_path[128];
	const char *key, *crt;

	snprintf(key_path, sizeof(key_path), "%s/tls.key", tmpdir);
	snprintf(tls_ca, sizeof(tls_ca), "%s/tls.crt", tmpdir);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec "
			"-pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
			"-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
			"-keyout %s -out %s >/dev/null 2>&1", key_path, tls_ca);
	if (system(cmd) != 0)
		return -1;
	key = read_text(key_path);
	crt = read_text(tls_ca);
	if (key == NULL || crt == NULL)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	mhd_tls = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
			MHD_USE_THREAD_PER_CONNECTION | MHD_USE_TLS, 0, NULL, NULL,
			mhd_handler, NULL,
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			MHD_OPTION_HTTPS_MEM_KEY, key,
			MHD_OPTION_HTTPS_MEM_CERT, crt,
			MHD_OPTION_END);
	tls_port = mhd_port_of(mhd_tls);
	return tls_port != 0 ? 0 : -1;
}

static int
write_file(const char *name, const void *data, size_t len)
{
	char path[128];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "wb");
	if (fp == NULL)
		return -1;
	n = fwrite(data, 1, len, fp);
	return fclose(fp) == 0 && n == len ? 0 : -1;
}

/* Python on an ephemeral port: it prints the port on its first line
 * (unbuffered with -u); its request log (stderr) goes to py.log. */
static int
start_python(void)
{
	char log[128], line[256] = "";
	struct pollfd pfd;
	size_t got = 0;
	int p[2];

	snprintf(log, sizeof(log), "%s/py.log", tmpdir);
	if (pipe(p) != 0)
		return -1;
	py_pid = fork();
	if (py_pid < 0)
		return -1;
	if (py_pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(p[1], 1);
		dup2(fd, 2);
		close(p[0]);
		execl("/usr/bin/python3", "python3", "-u", "-m", "http.server",
				"--bind", "127.0.0.1", "--directory", tmpdir, "0",
				(char *)NULL);
		_exit(127);
	}
	close(p[1]);
	py_out = p[0];
	pfd.fd = py_out;
	pfd.events = POLLIN;
	while (strchr(line, '\n') == NULL && got < sizeof(line) - 1) {
		ssize_t n;

		if (poll(&pfd, 1, 10000) <= 0)
			return -1;
		n = read(py_out, line + got, sizeof(line) - 1 - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
		line[got] = '\0';
	}
	if (sscanf(line, "Serving HTTP on %*s port %d", &py_port) != 1)
		return -1;
	return 0;
}

/* Requests Python logged so far. */
static int
py_hits(void)
{
	char path[128], buf[512];
	int hits = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/py.log", tmpdir);
	fp = fopen(path, "r");
	if (fp == NULL)
		return -1;
	while (fgets(buf, sizeof(buf), fp) != NULL)
		if (strstr(buf, "\"GET ") != NULL)
			hits++;
	fclose(fp);
	return hits;
}

static int
suite_init(void)
{
	uint8_t over[16385], big[20480];
	size_t i;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/gg-fetch-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	/* Binary content with NULs and every octet value. */
	srand(7);
	for (i = 0; i < sizeof(cert); i++)
		cert[i] = (uint8_t)(i < 256 ? (int)i : rand());
	cert[0] = 0x30;
	for (i = 0; i < sizeof(exact); i++)
		exact[i] = (uint8_t)rand();
	memset(over, 'o', sizeof(over));
	memset(big, 'g', sizeof(big));
	if (write_file("cert.der", cert, sizeof(cert)) != 0 ||
			write_file("exact.der", exact, sizeof(exact)) != 0 ||
			write_file("over.der", over, sizeof(over)) != 0 ||
			write_file("big.der", big, sizeof(big)) != 0)
		return -1;
	if (start_python() != 0) {
		fprintf(stderr, "cannot start /usr/bin/python3 -m http.server\n");
		return -1;
	}
	if (start_mhd() != 0) {
		fprintf(stderr, "cannot start the libmicrohttpd server\n");
		return -1;
	}
	if (start_mhd_tls() != 0) {
		fprintf(stderr, "cannot start the libmicrohttpd HTTPS server\n");
		return -1;
	}
	return 0;
}

static int
suite_cleanup(void)
{
	const char *names[] = { "cert.der", "exact.der", "over.der", "big.der",
		"py.log", "tls.key", "tls.crt" };
	char path[128];
	size_t i;

	atomic_store(&stopping, 1);
	if (mhd != NULL)
		MHD_stop_daemon(mhd);
	if (mhd_tls != NULL)
		MHD_stop_daemon(mhd_tls);
	if (py_pid > 0) {
		kill(py_pid, SIGTERM);
		waitpid(py_pid, NULL, 0);
	}
	if (py_out >= 0)
		close(py_out);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	if (tmpdir[0] != '\0')
		rmdir(tmpdir);
	return 0;
}

/* ---- helpers ---- */

struct result {
	int calls;
	enum gg_fetch_status st;
	long http;
	uint8_t body[32768];
	size_t len;
	uint64_t at_ms;
};

static void
on_result(void *arg, enum gg_fetch_status st, long http, const uint8_t *body,
		size_t len)
{
	struct result *r = arg;

	r->calls++;
	r->st = st;
	r->http = http;
	r->len = len;
	r->at_ms = gg_evloop_now_ms();
	if (len > 0 && len <= sizeof(r->body))
		memcpy(r->body, body, len);
	if ((body == NULL) != (len == 0))
		r->calls += 100; /* contract broken: shows in calls == 1 */
}

/* Run the loop until *count reaches target or ms elapse. */
static void
run_until(struct gg_evloop *loop, const int *count, int target, uint64_t ms)
{
	uint64_t end = gg_evloop_now_ms() + ms;

	while (*count < target && gg_evloop_now_ms() < end)
		gg_evloop_run_once(loop, 5);
}

static void
run_for(struct gg_evloop *loop, uint64_t ms)
{
	uint64_t end = gg_evloop_now_ms() + ms;

	while (gg_evloop_now_ms() < end)
		gg_evloop_run_once(loop, 5);
}

static char urlbuf[8][GG_FETCH_URL_MAX + 64];

/* URL on a server ('p': Python, 'm': libmicrohttpd); 8 rotating buffers. */
static const char *
url(char server, const char *path)
{
	static int i;
	char *b = urlbuf[i++ % 8];

	snprintf(b, sizeof(urlbuf[0]), "http://127.0.0.1:%d%s",
			server == 'p' ? py_port : mhd_port, path);
	return b;
}

static struct gg_fetch *
make_fetch(struct gg_evloop *loop, struct gg_fetch_params *p)
{
	static char pre[2][64];
	static const char *prefixes[2];

	snprintf(pre[0], sizeof(pre[0]), "http://127.0.0.1:%d/", py_port);
	snprintf(pre[1], sizeof(pre[1]), "http://127.0.0.1:%d/", mhd_port);
	prefixes[0] = pre[0];
	prefixes[1] = pre[1];
	if (p->prefixes == NULL) {
		p->prefixes = prefixes;
		p->n_prefixes = 2;
	}
	return gg_fetch_create(loop, p);
}

/* One get to completion; the callback must not run inside the call. */
static void
fetch_one(struct gg_evloop *loop, struct gg_fetch *f, const char *u,
		struct result *r)
{
	memset(r, 0, sizeof(*r));
	CU_ASSERT_EQUAL_FATAL(gg_fetch_get(f, u, on_result, r), 0);
	CU_ASSERT_EQUAL(r->calls, 0);
	run_until(loop, &r->calls, 1, 10000);
	CU_ASSERT_EQUAL(r->calls, 1);
}

/* Every accepted get was served one way and answered once. */
static void
check_books(const struct gg_fetch *f)
{
	struct gg_fetch_stats s;
	uint64_t res;

	gg_fetch_get_stats(f, &s);
	res = s.res_ok + s.res_http_error + s.res_too_big + s.res_timeout +
		s.res_connect_failed + s.res_tls_failed + s.res_cancelled +
		s.res_error;
	CU_ASSERT_EQUAL(s.requests, s.cache_hits + s.joined + s.transfers);
	CU_ASSERT_EQUAL(s.requests, res);
}

/* ---- tests ---- */

static void
test_normalize(void)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "http://127.0.0.1:8080/DeviceID=dev0001",
		  "http://127.0.0.1:8080/DeviceID=dev0001" },
		{ "HTTP://CA.Example/Devices/X.der", "http://ca.example/Devices/X.der" },
		{ "HttpS://ca.example/a", "https://ca.example/a" },
		{ "http://ca.example:80/a", "http://ca.example/a" },
		{ "https://ca.example:443/a", "https://ca.example/a" },
		{ "https://ca.example:80/a", "https://ca.example:80/a" },
		{ "http://ca.example:08080/a/b/", "http://ca.example:8080/a/b/" },
		{ "http://h/", "http://h/" },
		{ "http://0.0.0.0/x", "http://0.0.0.0/x" },
		{ "http://[::1]:8080/x", "http://[::1]:8080/x" },
		{ "http://[0:0:0:0:0:0:0:1]/x", "http://[::1]/x" },
		{ "http://[FE80::A]/x", "http://[fe80::a]/x" },
		{ "http://h/a%20b%3db", "http://h/a%20b%3Db" },
		{ "http://h/c.der?id=1&x=a/b?c", "http://h/c.der?id=1&x=a/b?c" },
		{ "http://h/.well-known/x..y/...", "http://h/.well-known/x..y/..." },
		{ "http://a-b.c9.example/x", "http://a-b.c9.example/x" },
	};
	static const char *const bad[] = {
		/* schemes */
		"ftp://h/x", "file:///etc/passwd", "gopher://h/x", "dict://h/x",
		"javascript:alert(1)", "http:/h/x", "http//h/x", "//h/x", "",
		"h/x", "httpx://h/", "http:\\\\h/x", " http://h/x",
		/* userinfo */
		"http://127.0.0.1:8080@evil/", "http://user@h/", "http://u:p@h/",
		"http://h/a@b", "http://h/?a@b", "http://h\\@evil/x",
		/* ports */
		"http://127.0.0.1:8080x/", "http://h:/x", "http://h:0/x",
		"http://h:65536/x", "http://h:123456/x", "http://h:-1/x",
		"http://h:+80/x", "http://h:8080:80/x",
		/* dot and empty segments */
		"http://h/a/../b", "http://h/..", "http://h/../", "http://h/./a",
		"http://h/a/.", "http://h/a//b", "http://h//a", "http://h/a/..?x",
		/* escapes */
		"http://h/%2e%2e/b", "http://h/%2E%2e/b", "http://h/.%2e/b",
		"http://h/a%2fb", "http://h/a%2Fb", "http://h/a%5cb", "http://h/a%25b",
		"http://h/a%252e", "http://h/a%00b", "http://h/a%0d%0ab",
		"http://h/a%zzb", "http://h/a%4", "http://h/a%", "http://h/a%41",
		"http://h/a%7e", "http://h/a%C3%A9", "http://h/?x=%2e%2e",
		/* characters */
		"http://h/a\r\nHost: evil", "http://h/a\nb", "http://h/a b",
		"http://h/a\tb", "http://h/a#frag", "http://h/#", "http://h/a\\b",
		"http://h/a\"b", "http://h/a<b>", "http://h/a{b}", "http://h/a|b",
		"http://h/a^b", "http://h/a`b", "http://h/a[b]", "http://h/\xc3\xa9",
		"http://h/a\x7f", "http://h /x",
		/* hosts */
		"http://h", "http://h?x", "http:///x", "http://:80/x",
		"http://2130706433/", "http://0x7f.0.0.1/", "http://0177.0.0.1/",
		"http://127.1/", "http://127.0.0.1./", "http://.h/", "http://h..x/",
		"http://-h/", "http://h-/", "http://h_x/", "http://256.0.0.1/",
		"http://1.2.3.4.5/", "http://01.2.3.4/", "http://[::1%25eth0]/",
		"http://[::1/", "http://[::1]x/", "http://[zz::1]/", "http://[]/",
		"http://[127.0.0.1]/", "http://ex%61mple.com/", "http://::1/",
		"http://h.example.1/",
	};
	char out[GG_FETCH_URL_MAX + 1], longurl[GG_FETCH_URL_MAX + 16];
	size_t i;
	int n;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		n = gg_fetch_url_normalize(ok[i].in, out, sizeof(out));
		CU_ASSERT_EQUAL(n, (int)strlen(ok[i].out));
		if (n < 0 || strcmp(out, ok[i].out) != 0)
			fprintf(stderr, "\n  normalize(%s) = %d '%s'\n", ok[i].in, n,
					n < 0 ? "" : out);
		else
			CU_ASSERT_STRING_EQUAL(out, ok[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = gg_fetch_url_normalize(bad[i], out, sizeof(out));
		if (n != -EINVAL)
			fprintf(stderr, "\n  accepted: '%s' -> %d\n", bad[i], n);
		CU_ASSERT_EQUAL(n, -EINVAL);
	}
	/* Length: GG_FETCH_URL_MAX is the longest accepted. */
	memset(longurl, 'a', sizeof(longurl));
	memcpy(longurl, "http://h/", 9);
	longurl[GG_FETCH_URL_MAX] = '\0';
	CU_ASSERT_EQUAL(gg_fetch_url_normalize(longurl, out, sizeof(out)),
			GG_FETCH_URL_MAX);
	longurl[GG_FETCH_URL_MAX] = 'a';
	longurl[GG_FETCH_URL_MAX + 1] = '\0';
	CU_ASSERT_EQUAL(gg_fetch_url_normalize(longurl, out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(gg_fetch_url_normalize("http://h/abc", out, 12), -ENOSPC);
	CU_ASSERT_EQUAL(gg_fetch_url_normalize("http://h/abc", out, 13), 12);
	CU_ASSERT_EQUAL(gg_fetch_url_normalize(NULL, out, sizeof(out)), -EINVAL);
}

static void
test_create_params(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	const char *one[] = { "http://127.0.0.1:1/" };
	const char *bad[] = { "http://127.0.0.1:1", "ftp://h/", "http://h/?q=1",
		"http://h/../", "http://user@h/" };
	struct gg_fetch_params p = { .prefixes = one, .n_prefixes = 1 };
	struct gg_fetch *f;
	size_t i;

	CU_ASSERT_FATAL(loop != NULL);
	f = gg_fetch_create(loop, &p);
	CU_ASSERT(f != NULL);
	gg_fetch_free(f);
	CU_ASSERT(gg_fetch_create(NULL, &p) == NULL && errno == EINVAL);
	CU_ASSERT(gg_fetch_create(loop, NULL) == NULL && errno == EINVAL);
	p.n_prefixes = 0;
	CU_ASSERT(gg_fetch_create(loop, &p) == NULL && errno == EINVAL);
	p.n_prefixes = 1;
	p.max_body = GG_FETCH_BODY_LIMIT + 1;
	CU_ASSERT(gg_fetch_create(loop, &p) == NULL && errno == EINVAL);
	p.max_body = 0;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p.prefixes = &bad[i];
		errno = 0;
		CU_ASSERT(gg_fetch_create(loop, &p) == NULL && errno == EINVAL);
	}
	gg_fetch_free(NULL);
	CU_ASSERT_STRING_EQUAL(gg_fetch_status_name(GG_FETCH_OK), "ok");
	CU_ASSERT_STRING_EQUAL(gg_fetch_status_name(GG_FETCH_TOO_BIG), "too_big");
	CU_ASSERT_STRING_EQUAL(gg_fetch_status_name(GG_FETCH_STATUS_MAX), "?");
	gg_evloop_free(loop);
}

static int never_calls;

static void
on_never(void *arg, enum gg_fetch_status st, long http, const uint8_t *body,
		size_t len)
{
	(void)arg; (void)st; (void)http; (void)body; (void)len;
	never_calls++;
}

static void
test_allow_list(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	char pre[2][64];
	const char *prefixes[2] = { pre[0], pre[1] };
	struct gg_fetch_params p = { .prefixes = prefixes, .n_prefixes = 2 };
	struct { int rc; char u[160]; } cases[64];
	struct gg_fetch_stats s;
	struct gg_fetch *f;
	int n = 0, i, py0, mhd0, perm = 0, inval = 0;

	CU_ASSERT_FATAL(loop != NULL);
	/* The Python prefix in upper case: prefixes are canonicalised too. */
	snprintf(pre[0], sizeof(pre[0]), "HTTP://127.0.0.1:%d/", py_port);
	snprintf(pre[1], sizeof(pre[1]), "http://127.0.0.1:%d/certs/", mhd_port);
	f = gg_fetch_create(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
#define CASE(want, ...) do { \
		cases[n].rc = (want); \
		snprintf(cases[n].u, sizeof(cases[n].u), __VA_ARGS__); \
		n++; \
	} while (0)
	/* allowed (not fetched here) */
	CASE(0, "http://127.0.0.1:%d/cert.der", py_port);
	CASE(0, "HTTP://127.0.0.1:%d/cert.der", py_port);
	CASE(0, "http://127.0.0.1:%d/certs/x.der", mhd_port);
	CASE(0, "http://127.0.0.1:%d/certs/", mhd_port);
	/* well formed, outside every prefix */
	CASE(-EPERM, "http://127.0.0.1:%d/count/x", mhd_port);
	CASE(-EPERM, "http://127.0.0.1:%d/certs", mhd_port);
	CASE(-EPERM, "http://127.0.0.1:%d/certsX/x", mhd_port);
	CASE(-EPERM, "http://127.0.0.1:%d/CERTS/x", mhd_port);
	CASE(-EPERM, "https://127.0.0.1:%d/cert.der", py_port);
	CASE(-EPERM, "http://localhost:%d/cert.der", py_port);
	CASE(-EPERM, "http://127.0.0.2:%d/cert.der", py_port);
	CASE(-EPERM, "http://[::1]:%d/cert.der", py_port);
	CASE(-EPERM, "http://127.0.0.1:%d/cert.der", py_port == 65535 ? 1 : py_port + 1);
	CASE(-EPERM, "http://127.0.0.1/cert.der");
	CASE(-EPERM, "http://127.0.0.1.evil.example:%d/cert.der", py_port);
	/* malformed or unsafe */
	CASE(-EINVAL, "http://127.0.0.1:%d@evil.example/", py_port);
	CASE(-EINVAL, "http://evil.example@127.0.0.1:%d/cert.der", py_port);
	CASE(-EINVAL, "http://127.0.0.1:%dX/", py_port);
	CASE(-EINVAL, "http://127.0.0.1:%d/certs/../count/a", mhd_port);
	CASE(-EINVAL, "http://127.0.0.1:%d/certs/%%2e%%2e/count/a", mhd_port);
	CASE(-EINVAL, "http://127.0.0.1:%d/certs/%%2E./count/a", mhd_port);
	CASE(-EINVAL, "http://127.0.0.1:%d/certs/..%%2fcount/a", mhd_port);
	CASE(-EINVAL, "http://127.0.0.1:%d/certs/x\r\nX-Evil: 1", mhd_port);
	CASE(-EINVAL, "http://127.0.0.1:%d/certs/a b", mhd_port);
	CASE(-EINVAL, "http://127.0.0.1:%d/certs/a#frag", mhd_port);
	CASE(-EINVAL, "file:///etc/passwd");
	CASE(-EINVAL, "ftp://127.0.0.1:%d/cert.der", py_port);
	CASE(-EINVAL, "gopher://127.0.0.1:%d/cert.der", py_port);
	CASE(-EINVAL, "http://2130706433:%d/cert.der", py_port);
	CASE(-EINVAL, "http://127.1:%d/cert.der", py_port);
#undef CASE
	py0 = py_hits();
	mhd0 = atomic_load(&mhd_hits);
	never_calls = 0;
	for (i = 0; i < n; i++) {
		int c = gg_fetch_url_check(f, cases[i].u);

		if (c != cases[i].rc)
			fprintf(stderr, "\n  check(%s) = %d, want %d\n", cases[i].u,
					c, cases[i].rc);
		CU_ASSERT_EQUAL(c, cases[i].rc);
		if (cases[i].rc == 0)
			continue;
		CU_ASSERT_EQUAL(gg_fetch_get(f, cases[i].u, on_never, NULL),
				cases[i].rc);
		CU_ASSERT_EQUAL(never_calls, 0); /* not even synchronously */
		perm += cases[i].rc == -EPERM;
		inval += cases[i].rc == -EINVAL;
	}
	CU_ASSERT_EQUAL(gg_fetch_get(f, NULL, on_never, NULL), -EINVAL);
	CU_ASSERT_EQUAL(gg_fetch_get(f, cases[0].u, NULL, NULL), -EINVAL);
	run_for(loop, 300);
	CU_ASSERT_EQUAL(never_calls, 0);
	CU_ASSERT_EQUAL(py_hits(), py0);
	CU_ASSERT_EQUAL(atomic_load(&mhd_hits), mhd0);
	gg_fetch_get_stats(f, &s);
	CU_ASSERT_EQUAL(s.requests, 0);
	CU_ASSERT_EQUAL(s.transfers, 0);
	CU_ASSERT_EQUAL(s.rejected_prefix, (uint64_t)perm);
	CU_ASSERT_EQUAL(s.rejected_url, (uint64_t)inval);
	gg_fetch_free(f);
	gg_evloop_free(loop);
}

static void
test_ok(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	struct gg_fetch_params p = { 0 };
	struct gg_fetch_stats s;
	static struct result r;
	struct gg_fetch *f;
	int py0 = py_hits();

	CU_ASSERT_FATAL(loop != NULL);
	f = make_fetch(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	fetch_one(loop, f, url('p', "/cert.der"), &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_OK);
	CU_ASSERT_EQUAL(r.http, 200);
	CU_ASSERT_EQUAL(r.len, sizeof(cert));
	CU_ASSERT(memcmp(r.body, cert, sizeof(cert)) == 0);
	/* Exactly max_body octets is still fine. */
	fetch_one(loop, f, url('p', "/exact.der"), &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_OK);
	CU_ASSERT_EQUAL(r.len, sizeof(exact));
	CU_ASSERT(memcmp(r.body, exact, sizeof(exact)) == 0);
	/* Upper-case scheme: the same canonical URL, so the cache answers. */
	snprintf(urlbuf[0], sizeof(urlbuf[0]), "HTTP://127.0.0.1:%d/cert.der",
			py_port);
	fetch_one(loop, f, urlbuf[0], &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_OK);
	CU_ASSERT(r.len == sizeof(cert) && memcmp(r.body, cert, r.len) == 0);
	CU_ASSERT_EQUAL(py_hits(), py0 + 2);
	gg_fetch_get_stats(f, &s);
	CU_ASSERT_EQUAL(s.transfers, 2);
	CU_ASSERT_EQUAL(s.cache_hits, 1);
	CU_ASSERT_EQUAL(s.res_ok, 3);
	CU_ASSERT_EQUAL(s.body_octets, sizeof(cert) + sizeof(exact));
	check_books(f);
	gg_fetch_free(f);
	gg_evloop_free(loop);
}

static void
post_one(struct gg_evloop *loop, struct gg_fetch *f,
		const struct gg_fetch_allow *al, const char *u, const void *body,
		size_t len, struct result *r)
{
	memset(r, 0, sizeof(*r));
	memset(&last_post, 0, sizeof(last_post));
	CU_ASSERT_EQUAL_FATAL(gg_fetch_post(f, al, u, "application/json", body,
			len, on_result, r), 0);
	CU_ASSERT_EQUAL(r->calls, 0);
	run_until(loop, &r->calls, 1, 10000);
	CU_ASSERT_EQUAL(r->calls, 1);
}

static void
test_post(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	struct gg_fetch_params p = { 0 };
	struct gg_fetch_allow *al, *none;
	struct gg_fetch_stats s;
	static struct result r;
	static char json[3000];
	const char *pre[2];
	char pre_m[64], closed[64];
	struct gg_fetch *f;
	int counted;

	CU_ASSERT_FATAL(loop != NULL);
	f = make_fetch(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	snprintf(pre_m, sizeof(pre_m), "http://127.0.0.1:%d/post/", mhd_port);
	snprintf(closed, sizeof(closed), "http://127.0.0.1:1/");
	pre[0] = pre_m;
	pre[1] = closed;
	al = gg_fetch_allow_create(pre, 2);
	none = gg_fetch_allow_create(NULL, 0);
	CU_ASSERT_FATAL(al != NULL && none != NULL);
	pre[1] = "http://h/?q";
	CU_ASSERT(gg_fetch_allow_create(pre, 2) == NULL && errno == EINVAL);
	pre[1] = "http://h:x";
	CU_ASSERT(gg_fetch_allow_create(pre, 2) == NULL && errno == EINVAL);
	pre[1] = "http://h:/";
	CU_ASSERT(gg_fetch_allow_create(pre, 2) == NULL && errno == EINVAL);
	{
		/* "host:": any explicit port of that host, nothing else. */
		const char *lo[] = { "HTTP://127.0.0.1:", "http://[0::1]:" };
		struct gg_fetch_allow *any = gg_fetch_allow_create(lo, 2);

		CU_ASSERT_FATAL(any != NULL);
		CU_ASSERT_EQUAL(gg_fetch_allow_check(any, "http://127.0.0.1:8080/cb"), 0);
		CU_ASSERT_EQUAL(gg_fetch_allow_check(any, "http://[::1]:9/cb"), 0);
		CU_ASSERT_EQUAL(gg_fetch_allow_check(any, "http://127.0.0.1/cb"), -EPERM);
		CU_ASSERT_EQUAL(gg_fetch_allow_check(any, "http://127.0.0.10:80/cb"),
				-EPERM);
		CU_ASSERT_EQUAL(gg_fetch_allow_check(any, "https://127.0.0.1:8/cb"),
				-EPERM);
		CU_ASSERT_EQUAL(gg_fetch_allow_check(any,
				"http://127.0.0.1:80@evil.example/cb"), -EINVAL);
		gg_fetch_allow_free(any);
	}
	memset(json, 'a', sizeof(json));
	json[0] = '"';
	json[sizeof(json) - 1] = '"';

	/* 2xx: delivered, the body and its type as sent, no Expect. */
	post_one(loop, f, al, url('m', "/post/ok"), json, sizeof(json), &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_OK);
	CU_ASSERT_EQUAL(r.http, 204);
	CU_ASSERT_EQUAL(r.len, 0);
	CU_ASSERT_STRING_EQUAL(last_post.content_type, "application/json");
	CU_ASSERT_STRING_EQUAL(last_post.expect, "");
	CU_ASSERT(last_post.len == sizeof(json) &&
			memcmp(last_post.body, json, sizeof(json)) == 0);
	/* A POST's answer is never cached: a GET of that URL goes out. */
	counted = atomic_load(&mhd_hits);
	fetch_one(loop, f, url('m', "/post/ok"), &r);
	CU_ASSERT_EQUAL(atomic_load(&mhd_hits), counted + 1);
	post_one(loop, f, al, url('m', "/post/200"), "{}", 2, &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_OK);
	CU_ASSERT_EQUAL(r.http, 200);
	CU_ASSERT(r.len == 0);
	CU_ASSERT(last_post.len == 2 && memcmp(last_post.body, "{}", 2) == 0);
	/* Anything else is a failure; a redirect is never followed. */
	post_one(loop, f, al, url('m', "/post/fail"), "{}", 2, &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_HTTP_ERROR);
	CU_ASSERT_EQUAL(r.http, 500);
	counted = atomic_load(&mhd_count_hits);
	post_one(loop, f, al, url('m', "/post/redirect"), "{}", 2, &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_HTTP_ERROR);
	CU_ASSERT_EQUAL(r.http, 307);
	run_for(loop, 100);
	CU_ASSERT_EQUAL(atomic_load(&mhd_count_hits), counted);
	post_one(loop, f, al, "http://127.0.0.1:1/x", "{}", 2, &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_CONNECT_FAILED);

	/* Refused before the network: outside the list (the fetcher's own
	 * prefixes do not count), unsafe, bad arguments. */
	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL(gg_fetch_post(f, al, url('m', "/count/x"),
			"application/json", "{}", 2, on_result, &r), -EPERM);
	CU_ASSERT_EQUAL(gg_fetch_post(f, none, url('m', "/post/ok"),
			"application/json", "{}", 2, on_result, &r), -EPERM);
	snprintf(urlbuf[0], sizeof(urlbuf[0]), "http://u@127.0.0.1:%d/post/ok",
			mhd_port);
	CU_ASSERT_EQUAL(gg_fetch_post(f, al, urlbuf[0], "application/json",
			"{}", 2, on_result, &r), -EINVAL);
	snprintf(urlbuf[0], sizeof(urlbuf[0]),
			"http://127.0.0.1:%d/post/x/../ok", mhd_port);
	CU_ASSERT_EQUAL(gg_fetch_post(f, al, urlbuf[0], "application/json",
			"{}", 2, on_result, &r), -EINVAL);
	CU_ASSERT_EQUAL(gg_fetch_allow_check(al, urlbuf[0]), -EINVAL);
	CU_ASSERT_EQUAL(gg_fetch_allow_check(al, url('m', "/post/ok")), 0);
	CU_ASSERT_EQUAL(gg_fetch_allow_check(al, url('m', "/postx")), -EPERM);
	CU_ASSERT_EQUAL(gg_fetch_post(f, al, url('m', "/post/ok"),
			"application/json\r\nX-Evil: 1", "{}", 2, on_result, &r),
			-EINVAL);
	CU_ASSERT_EQUAL(gg_fetch_post(f, NULL, url('m', "/post/ok"),
			"application/json", "{}", 2, on_result, &r), -EINVAL);
	CU_ASSERT_EQUAL(gg_fetch_post(f, al, url('m', "/post/ok"),
			"application/json", NULL, 2, on_result, &r), -EINVAL);
	CU_ASSERT_EQUAL(r.calls, 0);
	gg_fetch_get_stats(f, &s);
	CU_ASSERT_EQUAL(s.posts, 5);
	CU_ASSERT_EQUAL(s.transfers, 6); /* the 5 POSTs and the GET after the first */
	CU_ASSERT_EQUAL(s.res_ok, 2);
	CU_ASSERT_EQUAL(s.rejected_prefix, 2);
	CU_ASSERT_EQUAL(s.rejected_url, 2);
	check_books(f);
	gg_fetch_free(f);
	gg_fetch_allow_free(al);
	gg_fetch_allow_free(none);
	gg_evloop_free(loop);
}

static void
test_http_errors(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	struct gg_fetch_params p = { 0 };
	struct gg_fetch_stats s;
	static struct result r;
	struct gg_fetch *f;
	int counted;

	CU_ASSERT_FATAL(loop != NULL);
	f = make_fetch(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	fetch_one(loop, f, url('p', "/missing.der"), &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_HTTP_ERROR);
	CU_ASSERT_EQUAL(r.http, 404);
	CU_ASSERT(r.len == 0);
	/* Failures are not cached: asked again. */
	fetch_one(loop, f, url('p', "/missing.der"), &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_HTTP_ERROR);
	/* A redirect is an answer, never followed. */
	counted = atomic_load(&mhd_count_hits);
	fetch_one(loop, f, url('m', "/redirect"), &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_HTTP_ERROR);
	CU_ASSERT_EQUAL(r.http, 302);
	run_for(loop, 100);
	CU_ASSERT_EQUAL(atomic_load(&mhd_count_hits), counted);
	/* 200 without a body is not a certificate. */
	fetch_one(loop, f, url('m', "/empty"), &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_HTTP_ERROR);
	CU_ASSERT_EQUAL(r.http, 200);
	/* A large error page: the status, not its size, is the answer. */
	fetch_one(loop, f, url('m', "/big404"), &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_HTTP_ERROR);
	CU_ASSERT_EQUAL(r.http, 404);
	gg_fetch_get_stats(f, &s);
	CU_ASSERT_EQUAL(s.transfers, 5);
	CU_ASSERT_EQUAL(s.res_http_error, 5);
	CU_ASSERT_EQUAL(s.cache_hits, 0);
	check_books(f);
	gg_fetch_free(f);
	gg_evloop_free(loop);
}

static void
test_too_big(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	struct gg_fetch_params p = { 0 };
	static struct result r;
	struct gg_fetch *f;
	uint64_t t0;

	CU_ASSERT_FATAL(loop != NULL);
	f = make_fetch(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	/* With a Content-Length: refused from the head. */
	fetch_one(loop, f, url('p', "/over.der"), &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_TOO_BIG);
	CU_ASSERT_EQUAL(r.http, 200);
	CU_ASSERT(r.len == 0);
	fetch_one(loop, f, url('p', "/big.der"), &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_TOO_BIG);
	/* Chunked, no length: refused as the octets come. */
	fetch_one(loop, f, url('m', "/big20k"), &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_TOO_BIG);
	CU_ASSERT_EQUAL(r.http, 200);
	/* 64 MiB without end: refused long before the end. */
	atomic_store(&huge_sent, 0);
	t0 = gg_evloop_now_ms();
	fetch_one(loop, f, url('m', "/huge"), &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_TOO_BIG);
	CU_ASSERT(r.at_ms - t0 < 1000);
	usleep(200 * 1000);
	CU_ASSERT(atomic_load(&huge_sent) < HUGE_SIZE / 4);
	check_books(f);
	gg_fetch_free(f);
	gg_evloop_free(loop);
}

static void
test_timeout(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	struct gg_fetch_params p = { .timeout_ms = 500 };
	static struct result r;
	struct gg_fetch *f;
	uint64_t t0;

	CU_ASSERT_FATAL(loop != NULL);
	f = make_fetch(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	t0 = gg_evloop_now_ms();
	fetch_one(loop, f, url('m', "/slow/t"), &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_TIMEOUT);
	CU_ASSERT(r.at_ms - t0 >= 450);
	CU_ASSERT(r.at_ms - t0 < 1000);
	check_books(f);
	gg_fetch_free(f);
	gg_evloop_free(loop);
}

static void
test_connect_failed(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	char pre[2][64], u[2][96];
	const char *prefixes[2] = { pre[0], pre[1] };
	struct gg_fetch_params p = { .prefixes = prefixes, .n_prefixes = 2 };
	static struct result r;
	struct gg_fetch *f;
	int s, port;
	uint64_t t0;

	CU_ASSERT_FATAL(loop != NULL);
	/* A port nobody listens on: bound, then closed. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CU_ASSERT_FATAL(getsockname(s, (struct sockaddr *)&sa, &sl) == 0);
	port = ntohs(sa.sin_port);
	close(s);
	snprintf(pre[0], sizeof(pre[0]), "http://127.0.0.1:%d/", port);
	snprintf(pre[1], sizeof(pre[1]), "http://[::1]:%d/", port);
	snprintf(u[0], sizeof(u[0]), "http://127.0.0.1:%d/cert.der", port);
	snprintf(u[1], sizeof(u[1]), "http://[0::1]:%d/cert.der", port);
	f = gg_fetch_create(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	t0 = gg_evloop_now_ms();
	fetch_one(loop, f, u[0], &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_CONNECT_FAILED);
	CU_ASSERT_EQUAL(r.http, 0);
	CU_ASSERT(r.at_ms - t0 < 500);
	/* IPv6 literal: canonical form and libcurl's parse agree. */
	fetch_one(loop, f, u[1], &r);
	CU_ASSERT(r.st == GG_FETCH_CONNECT_FAILED);
	check_books(f);
	gg_fetch_free(f);
	gg_evloop_free(loop);
}

static void
test_https(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	char pre[2][64], u[2][96];
	const char *prefixes[2] = { pre[0], pre[1] };
	struct gg_fetch_params p = { .prefixes = prefixes, .n_prefixes = 2,
		.ca_file = tls_ca };
	struct gg_fetch_stats s;
	static struct result r;
	struct gg_fetch *f;

	CU_ASSERT_FATAL(loop != NULL);
	snprintf(pre[0], sizeof(pre[0]), "https://127.0.0.1:%d/", tls_port);
	snprintf(pre[1], sizeof(pre[1]), "https://localhost:%d/", tls_port);
	snprintf(u[0], sizeof(u[0]), "https://127.0.0.1:%d/count/tls", tls_port);
	snprintf(u[1], sizeof(u[1]), "https://localhost:%d/count/tls", tls_port);
	f = gg_fetch_create(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	fetch_one(loop, f, u[0], &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_OK);
	CU_ASSERT(r.len == sizeof(cert) && memcmp(r.body, cert, r.len) == 0);
	/* Trusted certificate, wrong name: it is issued for 127.0.0.1. */
	fetch_one(loop, f, u[1], &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_TLS_FAILED);
	check_books(f);
	gg_fetch_free(f);
	/* The system's trust store does not know our self-signed server. */
	p.ca_file = NULL;
	f = gg_fetch_create(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	fetch_one(loop, f, u[0], &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_TLS_FAILED);
	CU_ASSERT(r.len == 0);
	gg_fetch_get_stats(f, &s);
	CU_ASSERT_EQUAL(s.res_tls_failed, 1);
	CU_ASSERT_EQUAL(s.cache_hits, 0);
	gg_fetch_free(f);
	gg_evloop_free(loop);
}

static struct gg_fetch *reentry_f;
static struct result reentry_r;

/* A callback that asks again: allowed, answered later. */
static void
on_result_again(void *arg, enum gg_fetch_status st, long http,
		const uint8_t *body, size_t len)
{
	on_result(arg, st, http, body, len);
	CU_ASSERT_EQUAL(gg_fetch_get(reentry_f, url('m', "/count/a"), on_result,
			&reentry_r), 0);
	CU_ASSERT_EQUAL(reentry_r.calls, 0);
}

static void
test_cache(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	struct gg_fetch_params p = { .cache_ttl_s = 1, .cache_entries = 2 };
	struct gg_fetch_stats s;
	static struct result r;
	struct gg_fetch *f;
	int hits0 = atomic_load(&mhd_count_hits);

	CU_ASSERT_FATAL(loop != NULL);
	f = make_fetch(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	reentry_f = f;
	fetch_one(loop, f, url('m', "/count/a"), &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_OK);
	CU_ASSERT_EQUAL(atomic_load(&mhd_count_hits), hits0 + 1);
	/* Hit: no server request, still asynchronous, same bytes; the
	 * callback's own get is a hit too. */
	memset(&r, 0, sizeof(r));
	memset(&reentry_r, 0, sizeof(reentry_r));
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/count/a"), on_result_again,
			&r), 0);
	CU_ASSERT_EQUAL(r.calls, 0);
	gg_evloop_run_once(loop, 0);
	CU_ASSERT_EQUAL(r.calls, 1);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_OK);
	CU_ASSERT_EQUAL(r.http, 200);
	CU_ASSERT(r.len == sizeof(cert) && memcmp(r.body, cert, r.len) == 0);
	run_until(loop, &reentry_r.calls, 1, 1000);
	CU_ASSERT_EQUAL(reentry_r.st, GG_FETCH_OK);
	CU_ASSERT_EQUAL(atomic_load(&mhd_count_hits), hits0 + 1);
	gg_fetch_get_stats(f, &s);
	CU_ASSERT_EQUAL(s.cache_hits, 2);
	/* After the TTL: fetched again. */
	run_for(loop, 1100);
	fetch_one(loop, f, url('m', "/count/a"), &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_OK);
	CU_ASSERT_EQUAL(atomic_load(&mhd_count_hits), hits0 + 2);
	gg_fetch_get_stats(f, &s);
	CU_ASSERT_EQUAL(s.cache_expired, 1);
	/* Capacity 2: b and c push a out (least recently used). */
	fetch_one(loop, f, url('m', "/count/b"), &r);
	fetch_one(loop, f, url('m', "/count/c"), &r);
	fetch_one(loop, f, url('m', "/count/c"), &r); /* hit */
	CU_ASSERT_EQUAL(atomic_load(&mhd_count_hits), hits0 + 4);
	fetch_one(loop, f, url('m', "/count/a"), &r); /* evicted: fetched */
	CU_ASSERT_EQUAL(atomic_load(&mhd_count_hits), hits0 + 5);
	gg_fetch_get_stats(f, &s);
	CU_ASSERT(s.cache_evicted >= 1);
	/* Clearing forgets everything. */
	gg_fetch_cache_clear(f);
	fetch_one(loop, f, url('m', "/count/c"), &r);
	CU_ASSERT_EQUAL(atomic_load(&mhd_count_hits), hits0 + 6);
	check_books(f);
	gg_fetch_free(f);
	/* no_cache: every get is a transfer. */
	p.no_cache = true;
	f = make_fetch(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	fetch_one(loop, f, url('m', "/count/d"), &r);
	fetch_one(loop, f, url('m', "/count/d"), &r);
	CU_ASSERT_EQUAL(atomic_load(&mhd_count_hits), hits0 + 8);
	gg_fetch_free(f);
	gg_evloop_free(loop);
}

#define N_CONC 50

static void
test_concurrent(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	struct gg_fetch_params p = { .timeout_ms = 2000 };
	static struct result slow, r[N_CONC], same[5];
	struct gg_fetch_stats s;
	struct gg_fetch *f;
	int done, i, hits0;
	uint64_t t0, end;
	char path[32];

	CU_ASSERT_FATAL(loop != NULL);
	f = make_fetch(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	memset(&slow, 0, sizeof(slow));
	memset(r, 0, sizeof(r));
	t0 = gg_evloop_now_ms();
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/slow/c"), on_result, &slow), 0);
	for (i = 0; i < N_CONC; i++) {
		snprintf(path, sizeof(path), "/n/%d", i);
		CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', path), on_result, &r[i]), 0);
	}
	end = t0 + 1900;
	do {
		gg_evloop_run_once(loop, 5);
		for (done = 0, i = 0; i < N_CONC; i++)
			done += r[i].calls;
	} while (done < N_CONC && gg_evloop_now_ms() < end);
	/* All 50 answered while the slow one still hangs. */
	CU_ASSERT_EQUAL(done, N_CONC);
	CU_ASSERT_EQUAL(slow.calls, 0);
	for (i = 0; i < N_CONC; i++) {
		int len = snprintf(path, sizeof(path), "item %d", i);

		CU_ASSERT(r[i].st == GG_FETCH_OK && r[i].len == (size_t)len &&
				memcmp(r[i].body, path, (size_t)len) == 0);
		CU_ASSERT(r[i].at_ms - t0 < 1500);
	}
	/* Gets of one URL under way share its transfer. */
	hits0 = atomic_load(&mhd_count_hits);
	memset(same, 0, sizeof(same));
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/count/same"), on_result,
				&same[i]), 0);
	for (i = 0; i < 5; i++)
		run_until(loop, &same[i].calls, 1, 1000);
	for (i = 0; i < 5; i++)
		CU_ASSERT(same[i].calls == 1 && same[i].st == GG_FETCH_OK);
	CU_ASSERT_EQUAL(atomic_load(&mhd_count_hits), hits0 + 1);
	gg_fetch_get_stats(f, &s);
	CU_ASSERT_EQUAL(s.joined, 4);
	run_until(loop, &slow.calls, 1, 3000);
	CU_ASSERT_EQUAL(slow.calls, 1);
	CU_ASSERT_EQUAL(slow.st, GG_FETCH_TIMEOUT);
	CU_ASSERT(slow.at_ms - t0 >= 1950 && slow.at_ms - t0 < 2500);
	check_books(f);
	gg_fetch_free(f);
	gg_evloop_free(loop);
}

static struct gg_fetch *cancel_f;
static int cancel_calls, cancel_shutdown;

static void
on_cancelled(void *arg, enum gg_fetch_status st, long http,
		const uint8_t *body, size_t len)
{
	(void)http;
	cancel_calls++;
	CU_ASSERT_EQUAL(st, GG_FETCH_CANCELLED);
	CU_ASSERT(body == NULL && len == 0);
	/* No new work from a fetcher being freed. */
	if (gg_fetch_get(cancel_f, url('m', "/n/late"), on_never, arg) ==
			-ESHUTDOWN)
		cancel_shutdown++;
}

static void
test_limits(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	struct gg_fetch_params p = { .max_transfers = 2, .max_pending = 5,
		.max_host_queue = 1 };
	struct gg_fetch_stats s;
	struct gg_fetch *f;

	CU_ASSERT_FATAL(loop != NULL);
	f = make_fetch(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	cancel_f = f;
	cancel_calls = cancel_shutdown = never_calls = 0;
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/slow/1"), on_cancelled, NULL), 0);
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/slow/2"), on_cancelled, NULL), 0);
	/* No transfer left: queued, and the host's queue holds one. */
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/slow/3"), on_cancelled, NULL), 0);
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/slow/4"), on_never, NULL), -EBUSY);
	/* joining needs no transfer, only a pending place; queued ones too */
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/slow/1"), on_cancelled, NULL), 0);
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/slow/3"), on_cancelled, NULL), 0);
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/slow/1"), on_never, NULL), -EBUSY);
	run_for(loop, 100);
	gg_fetch_get_stats(f, &s);
	CU_ASSERT_EQUAL(s.rejected_busy, 2);
	CU_ASSERT_EQUAL(s.transfers, 3);
	CU_ASSERT_EQUAL(s.queued, 1);
	CU_ASSERT_EQUAL(s.joined, 2);
	CU_ASSERT_EQUAL(cancel_calls, 0);
	/* Freeing answers the five, from within the call. */
	gg_fetch_free(f);
	CU_ASSERT_EQUAL(cancel_calls, 5);
	CU_ASSERT_EQUAL(cancel_shutdown, 5);
	run_for(loop, 100);
	CU_ASSERT_EQUAL(never_calls, 0);
	gg_evloop_free(loop);
}

/*
 * Issue 13 item 4: one hanging host holds max_per_host transfers and a
 * queue; another host's get goes through meanwhile; queued gets time out
 * after timeout_ms.
 */
static void
test_per_host(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	struct gg_fetch_params p = { .max_per_host = 2, .max_transfers = 4,
		.timeout_ms = 1500 };
	static struct result slow[5], other;
	struct gg_fetch_stats s;
	struct gg_fetch *f;
	char path[32];
	uint64_t end;
	int i;

	CU_ASSERT_FATAL(loop != NULL);
	f = make_fetch(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	memset(slow, 0, sizeof(slow));
	memset(&other, 0, sizeof(other));
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "/slow/h%d", i);
		CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', path), on_result, &slow[i]), 0);
	}
	gg_fetch_get_stats(f, &s);
	CU_ASSERT_EQUAL(s.queued, 3);
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('p', "/cert.der"), on_result, &other), 0);
	end = gg_evloop_now_ms() + 1000;
	while (other.calls == 0 && gg_evloop_now_ms() < end)
		gg_evloop_run_once(loop, 5);
	CU_ASSERT_EQUAL(other.calls, 1);
	CU_ASSERT_EQUAL(other.st, GG_FETCH_OK);
	end = gg_evloop_now_ms() + 3000;
	while ((slow[2].calls + slow[3].calls + slow[4].calls) < 3 &&
			gg_evloop_now_ms() < end)
		gg_evloop_run_once(loop, 5);
	for (i = 2; i < 5; i++) {
		CU_ASSERT_EQUAL(slow[i].calls, 1);
		CU_ASSERT_EQUAL(slow[i].st, GG_FETCH_TIMEOUT);
	}
	gg_fetch_get_stats(f, &s);
	CU_ASSERT_EQUAL(s.queue_timeouts, 3);
	gg_fetch_free(f);
	gg_evloop_free(loop);
}

/* Issue 13 item 4: with cache_put_only a fetched body is not cached until
 * the caller vouches for it. */
static void
test_cache_put_only(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	struct gg_fetch_params p = { .cache_put_only = true };
	struct gg_fetch_stats s;
	static struct result r;
	struct gg_fetch *f;

	CU_ASSERT_FATAL(loop != NULL);
	f = make_fetch(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	fetch_one(loop, f, url('p', "/cert.der"), &r);
	CU_ASSERT_EQUAL(r.st, GG_FETCH_OK);
	fetch_one(loop, f, url('p', "/cert.der"), &r);
	gg_fetch_get_stats(f, &s);
	CU_ASSERT_EQUAL(s.transfers, 2);
	CU_ASSERT_EQUAL(s.cache_hits, 0);
	CU_ASSERT_EQUAL(gg_fetch_cache_put(f, url('p', "/cert.der"), r.body,
			r.len), 0);
	CU_ASSERT_EQUAL(gg_fetch_cache_put(f, "http://elsewhere.example/x",
			r.body, r.len), -EINVAL);
	fetch_one(loop, f, url('p', "/cert.der"), &r);
	gg_fetch_get_stats(f, &s);
	CU_ASSERT_EQUAL(s.transfers, 2);
	CU_ASSERT_EQUAL(s.cache_hits, 1);
	gg_fetch_free(f);
	gg_evloop_free(loop);
}

static void
on_fd_unused(struct gg_evloop *loop, int fd, unsigned int events, void *arg)
{
	(void)loop; (void)fd; (void)events; (void)arg;
}

static void
test_free_in_flight(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	struct gg_fetch_params p = { 0 };
	static struct result warm;
	struct gg_fetch *f;
	char path[32];
	int i, pfd[2];

	CU_ASSERT_FATAL(loop != NULL);
	f = make_fetch(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	cancel_f = f;
	cancel_calls = cancel_shutdown = 0;
	fetch_one(loop, f, url('m', "/count/warm"), &warm);
	/* a cache hit not yet delivered, a hanging transfer, and transfers
	 * at every stage (some connected, some not yet) */
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/count/warm"), on_cancelled,
			NULL), 0);
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/slow/free"), on_cancelled,
			NULL), 0);
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/huge"), on_cancelled, NULL), 0);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/n/free%d", i);
		CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', path), on_cancelled,
				NULL), 0);
	}
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/n/later%d", i);
		CU_ASSERT_EQUAL(gg_fetch_get(f, url('p', path), on_cancelled,
				NULL), 0);
	}
	/* Nothing has run yet: free now. */
	gg_fetch_free(f);
	CU_ASSERT_EQUAL(cancel_calls, 9);
	/* Again with the transfers under way (sockets watched). */
	f = make_fetch(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	cancel_f = f;
	cancel_calls = 0;
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/slow/free2"), on_cancelled,
			NULL), 0);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/slow/free2-%d", i);
		CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', path), on_cancelled,
				NULL), 0);
	}
	run_for(loop, 100);
	CU_ASSERT_EQUAL(cancel_calls, 0);
	gg_fetch_free(f);
	CU_ASSERT_EQUAL(cancel_calls, 5);
	/* The loop has no stale watch left: running it is harmless, and a
	 * new descriptor (likely a number libcurl used) can be watched. */
	run_for(loop, 50);
	CU_ASSERT_FATAL(pipe(pfd) == 0);
	CU_ASSERT_EQUAL(gg_evloop_watch(loop, pfd[0], GG_EV_READ, on_fd_unused,
			NULL), 0);
	gg_evloop_unwatch(loop, pfd[0]);
	close(pfd[0]);
	close(pfd[1]);
	gg_evloop_free(loop);
}

static struct gg_fetch *self_f;
static int self_calls, self_cancelled;

/* The first answer frees the fetcher from inside its callback. */
static void
on_free_self(void *arg, enum gg_fetch_status st, long http,
		const uint8_t *body, size_t len)
{
	(void)arg; (void)http; (void)body; (void)len;
	self_calls++;
	if (st == GG_FETCH_CANCELLED)
		self_cancelled++;
	if (self_f != NULL) {
		struct gg_fetch *f = self_f;

		self_f = NULL;
		gg_fetch_free(f);
	}
}

static void
test_free_in_callback(void)
{
	struct gg_evloop *loop = gg_evloop_create();
	struct gg_fetch_params p = { 0 };
	struct gg_fetch *f;

	CU_ASSERT_FATAL(loop != NULL);
	/* From a transfer's completion. */
	f = make_fetch(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	self_f = f;
	self_calls = self_cancelled = 0;
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/n/self"), on_free_self, NULL), 0);
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/n/self"), on_free_self, NULL), 0);
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/slow/self"), on_free_self,
			NULL), 0);
	run_until(loop, &self_calls, 3, 3000);
	/* the joined get still got the real answer; the slow one was
	 * cancelled by the free */
	CU_ASSERT_EQUAL(self_calls, 3);
	CU_ASSERT_EQUAL(self_cancelled, 1);
	CU_ASSERT(self_f == NULL);
	run_for(loop, 50);
	/* From a cache hit's delivery. */
	f = make_fetch(loop, &p);
	CU_ASSERT_FATAL(f != NULL);
	{
		static struct result warm;

		fetch_one(loop, f, url('m', "/count/self"), &warm);
	}
	self_f = f;
	self_calls = self_cancelled = 0;
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/count/self"), on_free_self,
			NULL), 0);
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/count/self"), on_free_self,
			NULL), 0);
	CU_ASSERT_EQUAL(gg_fetch_get(f, url('m', "/slow/self2"), on_free_self,
			NULL), 0);
	run_until(loop, &self_calls, 3, 1000);
	CU_ASSERT_EQUAL(self_calls, 3);
	CU_ASSERT_EQUAL(self_cancelled, 1);
	run_for(loop, 50);
	gg_evloop_free(loop);
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "url normalize", test_normalize },
		{ "create params", test_create_params },
		{ "allow-list before network", test_allow_list },
		{ "ok, byte-identical", test_ok },
		{ "http errors, redirect not followed", test_http_errors },
		{ "POST to an allow-list of its own", test_post },
		{ "too big", test_too_big },
		{ "timeout", test_timeout },
		{ "connect failed", test_connect_failed },
		{ "https: trust, name, failure", test_https },
		{ "cache ttl, lru, clear", test_cache },
		{ "50 concurrent beside a hanging one", test_concurrent },
		{ "limits", test_limits },
		{ "per-host cap, queue, time-out", test_per_host },
		{ "cache only what the caller put", test_cache_put_only },
		{ "free with transfers in flight", test_free_in_flight },
		{ "free from a callback", test_free_in_callback },
	};
	int rc;

	signal(SIGPIPE, SIG_IGN);
	/* Proxies that do not exist: the fetcher must ignore the
	 * environment, or every transfer below fails. */
	setenv("http_proxy", "http://127.0.0.1:9", 1);
	setenv("https_proxy", "http://127.0.0.1:9", 1);
	setenv("HTTPS_PROXY", "http://127.0.0.1:9", 1);
	setenv("ALL_PROXY", "http://127.0.0.1:9", 1);
	rc = test_cunit_main("fetch", suite_init, suite_cleanup, TEST_CASES(tests));
	return rc;
}
