/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit suite for lib/store and its backends. The same functional tests
 * run on the memory backend and on a real redis-server (started here on a
 * private unix socket in a temporary directory, killed at exit even when
 * an assertion or a crash ends the run). Redis-only tests check the key
 * schema with raw hiredis commands, an outage and the reconnection, AUTH
 * with a password and with an ACL user, connect and command timeouts, and
 * TCP. The event loop is run until the callbacks fire, with a deadline.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "gg_evloop.h"
#include "gg_store.h"
#include "gg_store_memory.h"
#include "test_cunit.h"

#define REDIS_SERVER "/usr/bin/redis-server"
#define WAIT_MS 3000

/* Run the loop until cond holds or ms passed; the value of cond. */
#define RUN_UNTIL(loop, cond, ms) __extension__ ({ \
	uint64_t end_ = gg_evloop_now_ms() + (ms); \
	while (!(cond) && gg_evloop_now_ms() < end_) \
		gg_evloop_run_once((loop), 2); \
	(cond); })

static void
run_for(struct gg_evloop *l, uint64_t ms)
{
	uint64_t end = gg_evloop_now_ms() + ms;

	while (gg_evloop_now_ms() < end)
		gg_evloop_run_once(l, 2);
}

/* ---- redis-server processes ---- */

struct server {
	const char *name;
	pid_t pid;
	char sock[108];
	char log[128];
	uint16_t port;                /* 0: unix socket only */
	const char *password;         /* requirepass, for raw connections */
};

static char tmpdir[64];
static char mute_path[108];
static struct server srv_main = { .name = "main" };
static struct server srv_out = { .name = "outage" };
static struct server srv_auth = { .name = "auth", .password = "s3cret pass" };
static struct server srv_tcp = { .name = "tcp" };
static struct server *servers[] = { &srv_main, &srv_out, &srv_auth, &srv_tcp };

static void
server_kill(struct server *srv, int sig)
{
	if (srv->pid <= 0)
		return;
	kill(srv->pid, sig);
	waitpid(srv->pid, NULL, 0);
	srv->pid = 0;
}

/* On a crash or a kill (meson's timeout): only async-signal-safe calls,
 * on paths made beforehand; then die of the signal as before. */
static void
on_fatal(int sig)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(servers); i++) {
		if (servers[i]->pid > 0)
			kill(servers[i]->pid, SIGKILL);
		if (servers[i]->sock[0] != '\0')
			unlink(servers[i]->sock);
		if (servers[i]->log[0] != '\0')
			unlink(servers[i]->log);
	}
	if (mute_path[0] != '\0')
		unlink(mute_path);
	rmdir(tmpdir);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* atexit: no redis-server and no temporary file survives the test. */
static void
cleanup_all(void)
{
	struct dirent *de;
	char path[512];
	unsigned int i;
	DIR *d;

	for (i = 0; i < RTE_DIM(servers); i++)
		server_kill(servers[i], SIGKILL);
	if (tmpdir[0] == '\0')
		return;
	d = opendir(tmpdir);
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(tmpdir);
	tmpdir[0] = '\0';
}

static redisContext *
raw_connect(const struct server *srv)
{
	redisContext *c = redisConnectUnix(srv->sock);
	redisReply *r;

	if (c == NULL || c->err) {
		if (c != NULL)
			redisFree(c);
		return NULL;
	}
	if (srv->password != NULL) {
		r = redisCommand(c, "AUTH %s", srv->password);
		freeReplyObject(r);
	}
	return c;
}

/* Start (or restart, same socket) a server; wait until it answers. */
static int
server_start(struct server *srv, const char *extra1, const char *extra2)
{
	char port[8];
	const char *argv[24];
	uint64_t end;
	int n = 0;

	snprintf(srv->sock, sizeof(srv->sock), "%s/%s.sock", tmpdir, srv->name);
	snprintf(srv->log, sizeof(srv->log), "%s/%s.log", tmpdir, srv->name);
	snprintf(port, sizeof(port), "%u", srv->port);
	argv[n++] = REDIS_SERVER;
	argv[n++] = "--port";
	argv[n++] = port;
	argv[n++] = "--unixsocket";
	argv[n++] = srv->sock;
	argv[n++] = "--save";
	argv[n++] = "";
	argv[n++] = "--appendonly";
	argv[n++] = "no";
	argv[n++] = "--daemonize";
	argv[n++] = "no";
	argv[n++] = "--dir";
	argv[n++] = tmpdir;
	argv[n++] = "--logfile";
	argv[n++] = srv->log;
	if (srv->port != 0) {
		argv[n++] = "--bind";
		argv[n++] = "127.0.0.1";
	}
	if (extra1 != NULL) {
		argv[n++] = extra1;
		argv[n++] = extra2;
	}
	argv[n] = NULL;
	srv->pid = fork();
	if (srv->pid < 0)
		return -1;
	if (srv->pid == 0) {
		/* Die with the test, whatever ends it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execv(REDIS_SERVER, (char *const *)argv);
		_exit(127);
	}
	end = gg_evloop_now_ms() + 5000;
	while (gg_evloop_now_ms() < end) {
		redisContext *c = raw_connect(srv);
		redisReply *r = c != NULL ? redisCommand(c, "PING") : NULL;
		bool ok = r != NULL && r->type == REDIS_REPLY_STATUS;

		freeReplyObject(r);
		if (c != NULL)
			redisFree(c);
		if (ok)
			return 0;
		usleep(10000);
	}
	fprintf(stderr, "redis-server %s did not start, see %s\n", srv->name,
			srv->log);
	return -1;
}

/* A raw command expected to succeed; its reply (caller frees). */
static redisReply *
raw(redisContext *c, const char *fmt, ...)
{
	redisReply *r;
	va_list ap;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	CU_ASSERT_FATAL(r != NULL);
	return r;
}

/* ---- store helpers ---- */

static const char *backend;      /* of the suite running */
static struct gg_evloop *loop;

struct state_log {
	int ups;
	int downs;
	char reason[256];
};

static void
on_state(struct gg_store *s, bool up, const char *reason, void *arg)
{
	struct state_log *l = arg;

	(void)s;
	if (up) {
		l->ups++;
	} else {
		l->downs++;
		snprintf(l->reason, sizeof(l->reason), "%s", reason);
	}
}

static void
params_for(struct gg_store_params *p, const char *prefix, struct state_log *sl)
{
	memset(p, 0, sizeof(*p));
	p->backend = backend;
	p->prefix = prefix;
	p->unix_path = srv_main.sock;
	p->reconnect_min_ms = 20;
	p->reconnect_max_ms = 200;
	p->state_cb = on_state;
	p->state_arg = sl;
}

static struct gg_store *
open_up(const struct gg_store_params *p, struct state_log *sl)
{
	struct gg_store *s = gg_store_open(p, loop);

	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT(RUN_UNTIL(loop, gg_store_is_up(s) && sl->ups == 1, WAIT_MS));
	return s;
}

static struct gg_store *
open_store(const char *prefix, struct state_log *sl)
{
	struct gg_store_params p;

	params_for(&p, prefix, sl);
	return open_up(&p, sl);
}

/* What a request's callback saw. */
struct result {
	int calls;
	enum gg_store_status st;
	struct gg_device_record *rec;
	unsigned char *data;
	size_t len;
	uint64_t n;
};

static void
result_reset(struct result *r)
{
	free(r->rec);
	free(r->data);
	memset(r, 0, sizeof(*r));
}

static void
on_done(struct gg_store *s, enum gg_store_status st, void *arg)
{
	struct result *r = arg;

	(void)s;
	r->calls++;
	r->st = st;
}

static void
on_record(struct gg_store *s, enum gg_store_status st,
		const struct gg_device_record *rec, void *arg)
{
	struct result *r = arg;

	(void)s;
	r->calls++;
	r->st = st;
	CU_ASSERT((st == GG_STORE_OK) == (rec != NULL));
	if (rec != NULL) {
		free(r->rec);
		r->rec = malloc(sizeof(*rec));
		memcpy(r->rec, rec, sizeof(*rec));
	}
}

static void
on_profile(struct gg_store *s, enum gg_store_status st, const void *data,
		size_t len, void *arg)
{
	struct result *r = arg;

	(void)s;
	r->calls++;
	r->st = st;
	free(r->data);
	r->data = malloc(len + 1);
	if (data != NULL)
		memcpy(r->data, data, len);
	r->len = len;
}

/* Wait for the one callback of a request accepted with ret; never inside
 * the call, exactly once. */
static enum gg_store_status
await(int ret, struct result *r)
{
	CU_ASSERT_FATAL(ret == 0);
	CU_ASSERT(r->calls == 0);
	CU_ASSERT(RUN_UNTIL(loop, r->calls > 0, WAIT_MS));
	gg_evloop_run_once(loop, 0);
	CU_ASSERT(r->calls == 1);
	return r->calls == 1 ? r->st : GG_STORE_ERROR;
}

static enum gg_store_status
do_put(struct gg_store *s, const struct gg_device_record *rec)
{
	struct result r = { 0 };

	return await(gg_store_put(s, rec, on_done, &r), &r);
}

static enum gg_store_status
do_del(struct gg_store *s, const char *id)
{
	struct result r = { 0 };

	return await(gg_store_del(s, id, on_done, &r), &r);
}

/* Get into r (caller resets r). */
static enum gg_store_status
do_get(struct gg_store *s, const char *id, struct result *r)
{
	return await(gg_store_get(s, id, on_record, r), r);
}

static enum gg_store_status
do_get_ueip(struct gg_store *s, const char *ip, struct result *r)
{
	struct in_addr a;

	inet_pton(AF_INET, ip, &a);
	return await(gg_store_get_by_ueip(s, a.s_addr, on_record, r), r);
}

static struct gg_device_record *
make_record(const char *id, int i)
{
	struct gg_device_record *r = calloc(1, sizeof(*r));

	snprintf(r->identity, sizeof(r->identity), "%s", id);
	r->state = GG_DEVICE_LIMITED;
	snprintf(r->cert_pem, sizeof(r->cert_pem),
			"-----BEGIN CERTIFICATE-----\nMIIB%d\n-----END CERTIFICATE-----\n",
			i);
	snprintf(r->cert_url, sizeof(r->cert_url),
			"http://ca.example/DeviceID=%d", i);
	r->ue_ipv4 = htonl(0x0a2d0000u + (uint32_t)i + 1);   /* 10.45.x.y */
	r->ul_teid = 0x1000u + (uint32_t)i;
	r->dl_teid = 0xfffffff0u - (uint32_t)i;
	r->gnb_ipv4 = htonl(0xc0a80a01u);                     /* 192.168.10.1 */
	r->qfi = (uint8_t)(i % 64);
	r->has_qfi = true;
	snprintf(r->auth_ctx_id, sizeof(r->auth_ctx_id), "ctx-%d", i);
	snprintf(r->auth_client, sizeof(r->auth_client), "cert:CN=amf%d", i);
	snprintf(r->notify_uri, sizeof(r->notify_uri),
			"http://127.0.0.1:9/cb/%d?x=1", i);
	r->created_ms = 1700000000000ull + (uint64_t)i;
	r->updated_ms = r->created_ms + 5;
	return r;
}

static void
check_same(const struct gg_device_record *a, const struct gg_device_record *b)
{
	CU_ASSERT_FATAL(a != NULL && b != NULL);
	CU_ASSERT_STRING_EQUAL(a->identity, b->identity);
	CU_ASSERT_EQUAL(a->state, b->state);
	CU_ASSERT_STRING_EQUAL(a->cert_pem, b->cert_pem);
	CU_ASSERT_STRING_EQUAL(a->cert_url, b->cert_url);
	CU_ASSERT_EQUAL(a->ue_ipv4, b->ue_ipv4);
	CU_ASSERT_EQUAL(a->ul_teid, b->ul_teid);
	CU_ASSERT_EQUAL(a->dl_teid, b->dl_teid);
	CU_ASSERT_EQUAL(a->gnb_ipv4, b->gnb_ipv4);
	CU_ASSERT_EQUAL(a->has_qfi, b->has_qfi);
	if (a->has_qfi && b->has_qfi)
		CU_ASSERT_EQUAL(a->qfi, b->qfi);
	CU_ASSERT_STRING_EQUAL(a->auth_ctx_id, b->auth_ctx_id);
	CU_ASSERT_STRING_EQUAL(a->auth_client, b->auth_client);
	CU_ASSERT_STRING_EQUAL(a->notify_uri, b->notify_uri);
	CU_ASSERT_STRING_EQUAL(a->supi, b->supi);
	CU_ASSERT_EQUAL(a->created_ms, b->created_ms);
	CU_ASSERT_EQUAL(a->updated_ms, b->updated_ms);
}

/* ---- functional tests, every backend ---- */

static void
test_open_up(void)
{
	struct state_log sl = { 0 };
	struct gg_store *s = open_store("t-open:", &sl);
	struct gg_store_stats st;

	CU_ASSERT_STRING_EQUAL(gg_store_backend(s), backend);
	CU_ASSERT(sl.ups == 1 && sl.downs == 0);
	if (strcmp(backend, "redis") == 0) {
		struct sigaction sa;

		/* The test leaves SIGPIPE alone: the backend must ignore it. */
		CU_ASSERT(sigaction(SIGPIPE, NULL, &sa) == 0 &&
				sa.sa_handler == SIG_IGN);
	}
	gg_store_get_stats(s, &st);
	CU_ASSERT(st.connects == 1 && st.disconnects == 0 && st.errors == 0);
	gg_store_close(s);
}

static void
test_round_trip(void)
{
	struct state_log sl = { 0 };
	struct gg_store *s = open_store("t-rt:", &sl);
	struct gg_device_record *rec = make_record("imsi-001010000000001", 7);
	struct gg_device_record *bad;
	struct result r = { 0 };
	uint64_t before;

	/* Every field at its limit: full-size certificate, extreme numbers. */
	memset(rec->cert_pem, 'A', GG_STORE_CERT_MAX);
	rec->cert_pem[GG_STORE_CERT_MAX] = '\0';
	memset(rec->cert_url, 'u', GG_STORE_URL_MAX);
	rec->cert_url[GG_STORE_URL_MAX] = '\0';
	rec->ul_teid = UINT32_MAX;
	rec->dl_teid = 1;
	rec->qfi = 63;
	rec->state = GG_DEVICE_BLOCKED;
	rec->created_ms = UINT64_MAX;
	CU_ASSERT(do_put(s, rec) == GG_STORE_OK);
	CU_ASSERT(do_get(s, rec->identity, &r) == GG_STORE_OK);
	check_same(rec, r.rec);
	result_reset(&r);

	/* No QFI, zero times: the store fills the times. */
	rec->has_qfi = false;
	rec->created_ms = rec->updated_ms = 0;
	rec->cert_pem[0] = '\0';
	rec->state = GG_DEVICE_FULL;
	before = (uint64_t)time(NULL) * 1000 - 1000;
	CU_ASSERT(do_put(s, rec) == GG_STORE_OK);
	CU_ASSERT(do_get(s, rec->identity, &r) == GG_STORE_OK);
	CU_ASSERT_FATAL(r.rec != NULL);
	CU_ASSERT(!r.rec->has_qfi);
	CU_ASSERT(r.rec->state == GG_DEVICE_FULL);
	CU_ASSERT(r.rec->cert_pem[0] == '\0');
	CU_ASSERT(r.rec->created_ms >= before &&
			r.rec->created_ms < before + 60000);
	CU_ASSERT(r.rec->updated_ms == r.rec->created_ms);
	result_reset(&r);

	CU_ASSERT(do_get(s, "imsi-001019999999999", &r) == GG_STORE_NOT_FOUND);
	CU_ASSERT(r.rec == NULL);
	result_reset(&r);

	/* Refused at the door: the callback never runs. */
	bad = make_record("imsi 1", 1);
	CU_ASSERT(gg_store_put(s, bad, on_done, &r) == -EINVAL);
	memset(bad->identity, 'x', GG_STORE_IDENTITY_MAX);
	bad->identity[GG_STORE_IDENTITY_MAX] = '\0';
	CU_ASSERT(gg_store_put(s, bad, on_done, &r) == 0); /* 128: fine */
	CU_ASSERT(RUN_UNTIL(loop, r.calls == 1, WAIT_MS) && r.st == GG_STORE_OK);
	r.calls = 0;
	bad->qfi = 64;
	CU_ASSERT(gg_store_put(s, bad, on_done, &r) == -EINVAL);
	bad->qfi = 1;
	bad->state = GG_DEVICE_STATE_MAX;
	CU_ASSERT(gg_store_put(s, bad, on_done, &r) == -EINVAL);
	CU_ASSERT(gg_store_get(s, "", on_record, &r) == -EINVAL);
	CU_ASSERT(gg_store_get(s, "imsi\x01", on_record, &r) == -EINVAL);
	CU_ASSERT(gg_store_get(s, "x", NULL, &r) == -EINVAL);
	gg_evloop_run_once(loop, 10);
	CU_ASSERT(r.calls == 0);
	free(bad);
	free(rec);
	gg_store_close(s);
}

static void
test_ueip_index(void)
{
	struct state_log sl = { 0 };
	struct gg_store *s = open_store("t-ueip:", &sl);
	struct gg_device_record *a = make_record("imsi-001010000000011", 1);
	struct gg_device_record *b = make_record("imsi-001010000000012", 2);
	struct result r = { 0 };
	struct in_addr ip;

	inet_pton(AF_INET, "10.45.1.1", &ip);
	a->ue_ipv4 = ip.s_addr;
	CU_ASSERT(do_put(s, a) == GG_STORE_OK);
	CU_ASSERT(do_get_ueip(s, "10.45.1.1", &r) == GG_STORE_OK);
	check_same(a, r.rec);
	result_reset(&r);

	/* The device moves: the old entry goes with it. */
	inet_pton(AF_INET, "10.45.1.2", &ip);
	a->ue_ipv4 = ip.s_addr;
	CU_ASSERT(do_put(s, a) == GG_STORE_OK);
	CU_ASSERT(do_get_ueip(s, "10.45.1.1", &r) == GG_STORE_NOT_FOUND);
	result_reset(&r);
	CU_ASSERT(do_get_ueip(s, "10.45.1.2", &r) == GG_STORE_OK);
	CU_ASSERT(r.rec != NULL && strcmp(r.rec->identity, a->identity) == 0);
	result_reset(&r);

	/* Another device takes the address; deleting the first keeps it. */
	b->ue_ipv4 = ip.s_addr;
	CU_ASSERT(do_put(s, b) == GG_STORE_OK);
	CU_ASSERT(do_get_ueip(s, "10.45.1.2", &r) == GG_STORE_OK);
	CU_ASSERT(r.rec != NULL && strcmp(r.rec->identity, b->identity) == 0);
	result_reset(&r);
	CU_ASSERT(do_del(s, a->identity) == GG_STORE_OK);
	CU_ASSERT(do_get_ueip(s, "10.45.1.2", &r) == GG_STORE_OK);
	CU_ASSERT(r.rec != NULL && strcmp(r.rec->identity, b->identity) == 0);
	result_reset(&r);

	/* No address, no entry. */
	b->ue_ipv4 = 0;
	CU_ASSERT(do_put(s, b) == GG_STORE_OK);
	CU_ASSERT(do_get_ueip(s, "10.45.1.2", &r) == GG_STORE_NOT_FOUND);
	result_reset(&r);
	CU_ASSERT(gg_store_get_by_ueip(s, 0, on_record, &r) == -EINVAL);
	free(a);
	free(b);
	gg_store_close(s);
}

struct listing {
	int records;
	int done;
	enum gg_store_status st;
	uint64_t n;
	int bad;
	unsigned char *seen;
};

static void
on_list_record(struct gg_store *s, enum gg_store_status st,
		const struct gg_device_record *rec, void *arg)
{
	struct listing *l = arg;
	struct gg_device_record *want;
	int i;

	(void)s;
	l->records++;
	if (st != GG_STORE_OK || rec == NULL || l->done != 0 ||
			sscanf(rec->identity, "imsi-00101%10d", &i) != 1 ||
			i < 0 || i >= 1000) {
		l->bad++;
		return;
	}
	want = make_record(rec->identity, i);
	if (memcmp(want->cert_url, rec->cert_url, sizeof(want->cert_url)) != 0 ||
			want->ul_teid != rec->ul_teid ||
			want->ue_ipv4 != rec->ue_ipv4 ||
			want->qfi != rec->qfi || l->seen[i]++ != 0)
		l->bad++;
	free(want);
}

static void
on_list_done(struct gg_store *s, enum gg_store_status st, uint64_t n, void *arg)
{
	struct listing *l = arg;

	(void)s;
	l->done++;
	l->st = st;
	l->n = n;
}

static void
test_list_all(void)
{
	struct state_log sl = { 0 };
	struct gg_store *s = open_store("t-list:", &sl);
	struct listing l = { 0 };
	struct result r = { 0 };
	char id[32];
	int i;

	/* Empty first. */
	CU_ASSERT(gg_store_list_all(s, on_list_record, on_list_done, &l) == 0);
	CU_ASSERT(RUN_UNTIL(loop, l.done == 1, WAIT_MS));
	CU_ASSERT(l.st == GG_STORE_OK && l.n == 0 && l.records == 0);

	/* 1000 puts in flight at once. */
	for (i = 0; i < 1000; i++) {
		struct gg_device_record *rec;

		snprintf(id, sizeof(id), "imsi-00101%010d", i);
		rec = make_record(id, i);
		CU_ASSERT(gg_store_put(s, rec, on_done, &r) == 0);
		free(rec);
	}
	CU_ASSERT(RUN_UNTIL(loop, r.calls == 1000, 10000));
	CU_ASSERT(r.st == GG_STORE_OK);

	memset(&l, 0, sizeof(l));
	l.seen = calloc(1000, 1);
	CU_ASSERT(gg_store_list_all(s, on_list_record, on_list_done, &l) == 0);
	CU_ASSERT(l.records == 0);
	CU_ASSERT(RUN_UNTIL(loop, l.done == 1, 10000));
	gg_evloop_run_once(loop, 10);
	CU_ASSERT(l.done == 1);
	CU_ASSERT(l.st == GG_STORE_OK);
	CU_ASSERT(l.n == 1000);
	CU_ASSERT(l.records == 1000);
	CU_ASSERT(l.bad == 0);
	for (i = 0; i < 1000; i++)
		CU_ASSERT(l.seen[i] == 1);
	free(l.seen);
	CU_ASSERT(gg_store_list_all(s, NULL, on_list_done, &l) == -EINVAL);
	gg_store_close(s);
}

static void
test_profile(void)
{
	struct state_log sl = { 0 };
	struct gg_store *s = open_store("t-prof:", &sl);
	const char *id = "imsi-001010000000021";
	unsigned char small[256], *big;
	struct result r = { 0 };
	size_t i, big_len = 64 * 1024;

	for (i = 0; i < sizeof(small); i++)
		small[i] = (unsigned char)i;    /* NULs, CR LF, 0xff */
	big = malloc(big_len);
	for (i = 0; i < big_len; i++)
		big[i] = (unsigned char)(i * 7 + (i >> 8));

	CU_ASSERT(await(gg_store_get_profile(s, id, on_profile, &r), &r) ==
			GG_STORE_NOT_FOUND);
	CU_ASSERT(r.len == 0);
	result_reset(&r);
	CU_ASSERT(await(gg_store_put_profile(s, id, small, sizeof(small),
				on_done, &r), &r) == GG_STORE_OK);
	result_reset(&r);
	CU_ASSERT(await(gg_store_get_profile(s, id, on_profile, &r), &r) ==
			GG_STORE_OK);
	CU_ASSERT(r.len == sizeof(small) &&
			memcmp(r.data, small, sizeof(small)) == 0);
	result_reset(&r);
	CU_ASSERT(await(gg_store_put_profile(s, id, big, big_len, on_done, &r),
				&r) == GG_STORE_OK);
	result_reset(&r);
	CU_ASSERT(await(gg_store_get_profile(s, id, on_profile, &r), &r) ==
			GG_STORE_OK);
	CU_ASSERT(r.len == big_len && memcmp(r.data, big, big_len) == 0);
	result_reset(&r);
	CU_ASSERT(await(gg_store_put_profile(s, id, NULL, 0, on_done, &r),
				&r) == GG_STORE_OK);
	result_reset(&r);
	CU_ASSERT(await(gg_store_get_profile(s, id, on_profile, &r), &r) ==
			GG_STORE_OK);
	CU_ASSERT(r.len == 0);
	result_reset(&r);
	CU_ASSERT(gg_store_put_profile(s, id, big, GG_STORE_PROFILE_MAX + 1,
				on_done, &r) == -EINVAL);
	free(big);
	gg_store_close(s);
}

static void
test_del(void)
{
	struct state_log sl = { 0 };
	struct gg_store *s = open_store("t-del:", &sl);
	struct gg_device_record *rec = make_record("imsi-001010000000031", 31);
	struct listing l = { 0 };
	struct result r = { 0 };
	char ip[16];

	inet_ntop(AF_INET, &rec->ue_ipv4, ip, sizeof(ip));
	CU_ASSERT(do_put(s, rec) == GG_STORE_OK);
	CU_ASSERT(await(gg_store_put_profile(s, rec->identity, "P", 1, on_done,
				&r), &r) == GG_STORE_OK);
	result_reset(&r);
	CU_ASSERT(do_del(s, rec->identity) == GG_STORE_OK);
	CU_ASSERT(do_get(s, rec->identity, &r) == GG_STORE_NOT_FOUND);
	result_reset(&r);
	CU_ASSERT(do_get_ueip(s, ip, &r) == GG_STORE_NOT_FOUND);
	result_reset(&r);
	CU_ASSERT(await(gg_store_get_profile(s, rec->identity, on_profile, &r),
				&r) == GG_STORE_NOT_FOUND);
	result_reset(&r);
	CU_ASSERT(gg_store_list_all(s, on_list_record, on_list_done, &l) == 0);
	CU_ASSERT(RUN_UNTIL(loop, l.done == 1, WAIT_MS));
	CU_ASSERT(l.n == 0 && l.records == 0);
	CU_ASSERT(do_del(s, rec->identity) == GG_STORE_NOT_FOUND);
	/* A fire-and-forget delete (no callback) is fine too. */
	CU_ASSERT(gg_store_del(s, rec->identity, NULL, NULL) == 0);
	gg_evloop_run_once(loop, 10);
	free(rec);
	gg_store_close(s);
}

struct ev_log {
	int subscribed;      /* (re)subscription notices */
	int n;
	struct {
		char identity[GG_STORE_IDENTITY_MAX + 1];
		enum gg_device_state state;
		uint32_t ue_ipv4;
		uint64_t ts_ms;
	} ev[16];
};

static void
on_event(struct gg_store *s, const struct gg_store_event *ev, void *arg)
{
	struct ev_log *l = arg;

	(void)s;
	if (ev == NULL) {
		l->subscribed++;
		return;
	}
	if (l->n >= 16)
		return;
	snprintf(l->ev[l->n].identity, sizeof(l->ev[0].identity), "%s",
			ev->identity);
	l->ev[l->n].state = ev->state;
	l->ev[l->n].ue_ipv4 = ev->ue_ipv4;
	l->ev[l->n].ts_ms = ev->ts_ms;
	l->n++;
}

static void
test_events(void)
{
	struct state_log sla = { 0 }, slb = { 0 };
	struct gg_store *a = open_store("t-ev:", &sla);
	struct gg_store *b = open_store("t-ev:", &slb);
	struct gg_device_record *rec = make_record("imsi-001010000000041", 41);
	struct ev_log el = { 0 };
	struct gg_store_stats st;

	CU_ASSERT(gg_store_subscribe(a, on_event, &el) == 0);
	CU_ASSERT(el.subscribed == 0);
	CU_ASSERT(RUN_UNTIL(loop, el.subscribed == 1, WAIT_MS));

	/* New device: an event. */
	CU_ASSERT(do_put(b, rec) == GG_STORE_OK);
	CU_ASSERT(RUN_UNTIL(loop, el.n == 1, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(el.ev[0].identity, rec->identity);
	CU_ASSERT(el.ev[0].state == GG_DEVICE_LIMITED);
	CU_ASSERT(el.ev[0].ue_ipv4 == rec->ue_ipv4);
	CU_ASSERT(el.ev[0].ts_ms == rec->updated_ms);

	/* Same state: no event; then full: one. */
	rec->ul_teid++;
	CU_ASSERT(do_put(b, rec) == GG_STORE_OK);
	rec->state = GG_DEVICE_FULL;
	rec->updated_ms += 100;
	CU_ASSERT(do_put(b, rec) == GG_STORE_OK);
	CU_ASSERT(RUN_UNTIL(loop, el.n == 2, WAIT_MS));
	CU_ASSERT(el.ev[1].state == GG_DEVICE_FULL);
	CU_ASSERT(el.ev[1].ts_ms == rec->updated_ms);

	/* Delete: "detached", with the address it had. */
	CU_ASSERT(do_del(b, rec->identity) == GG_STORE_OK);
	CU_ASSERT(RUN_UNTIL(loop, el.n == 3, WAIT_MS));
	CU_ASSERT(el.ev[2].state == GG_DEVICE_DETACHED);
	CU_ASSERT(el.ev[2].ue_ipv4 == rec->ue_ipv4);
	CU_ASSERT(el.ev[2].ts_ms > 1600000000000ull);
	CU_ASSERT_STRING_EQUAL(el.ev[2].identity, rec->identity);
	gg_store_get_stats(a, &st);
	CU_ASSERT(st.events == 3 && st.bad_events == 0 && st.sub_connects == 1);

	/* Unsubscribed: nothing more. */
	CU_ASSERT(gg_store_subscribe(a, NULL, NULL) == 0);
	rec->state = GG_DEVICE_LIMITED;
	CU_ASSERT(do_put(b, rec) == GG_STORE_OK);
	run_for(loop, 150);
	CU_ASSERT(el.n == 3);
	free(rec);
	gg_store_close(a);
	gg_store_close(b);
}

/* ---- provisioning: sequences, sign-up, conditional state change ---- */

struct seq_result {
	int calls;
	enum gg_store_status st;
	uint64_t value;
};

static void
on_seq(struct gg_store *s, enum gg_store_status st, uint64_t value, void *arg)
{
	struct seq_result *r = arg;

	(void)s;
	r->calls++;
	r->st = st;
	r->value = value;
}

static uint64_t
do_seq(struct gg_store *s, const char *name)
{
	struct seq_result r = { 0 };

	CU_ASSERT_FATAL(gg_store_next_seq(s, name, on_seq, &r) == 0);
	CU_ASSERT(r.calls == 0);
	CU_ASSERT(RUN_UNTIL(loop, r.calls > 0, WAIT_MS));
	CU_ASSERT(r.calls == 1 && r.st == GG_STORE_OK);
	return r.value;
}

static void
make_sub(struct gg_subscription *sub, const char *identity, const char *supi)
{
	memset(sub, 0, sizeof(*sub));
	snprintf(sub->identity, sizeof(sub->identity), "%s", identity);
	snprintf(sub->supi, sizeof(sub->supi), "%s", supi);
	snprintf(sub->plan, sizeof(sub->plan), "basic-30d");
	snprintf(sub->k_hex, sizeof(sub->k_hex), "465b5ce8b199b49faa5f0a2ee238a6bc");
	snprintf(sub->opc_hex, sizeof(sub->opc_hex), "cd63cb71954a9f4e48a5994e37a02baf");
	snprintf(sub->amf_hex, sizeof(sub->amf_hex), "8000");
	sub->created_ms = 1700000001000ull;
}

static enum gg_store_status
do_provision(struct gg_store *s, const struct gg_subscription *sub,
		const void *der, size_t len)
{
	struct result r = { 0 };

	return await(gg_store_provision(s, sub, der, len, on_done, &r), &r);
}

static enum gg_store_status
do_set_state(struct gg_store *s, const char *id, enum gg_device_state from,
		enum gg_device_state to)
{
	struct result r = { 0 };

	return await(gg_store_set_state_if(s, id, from, to, on_done, &r), &r);
}

static void
test_seq(void)
{
	struct state_log sla = { 0 }, slb = { 0 };
	struct gg_store *a = open_store("t-seq:", &sla);
	struct gg_store *b = open_store("t-seq:", &slb);
	struct seq_result ra[100], rb[100];
	static bool seen[201];
	struct gg_store_stats st;
	int i;

	CU_ASSERT(do_seq(a, "msin:00101") == 1);
	CU_ASSERT(do_seq(b, "msin:00101") == 2);
	CU_ASSERT(do_seq(b, "msin:001001") == 1);
	CU_ASSERT(gg_store_next_seq(a, "", on_seq, ra) == -EINVAL);
	CU_ASSERT(gg_store_next_seq(a, "has space", on_seq, ra) == -EINVAL);
	CU_ASSERT(gg_store_next_seq(a,
			"a-name-of-thirty-three-characters", on_seq, ra) == -EINVAL);
	CU_ASSERT(gg_store_next_seq(a, "x", NULL, ra) == -EINVAL);

	/* Two clients at once (two connections for redis): every value
	 * handed out once. */
	memset(ra, 0, sizeof(ra));
	memset(rb, 0, sizeof(rb));
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 100; i++) {
		CU_ASSERT(gg_store_next_seq(a, "conc", on_seq, &ra[i]) == 0);
		CU_ASSERT(gg_store_next_seq(b, "conc", on_seq, &rb[i]) == 0);
	}
	CU_ASSERT(RUN_UNTIL(loop, ra[99].calls == 1 && rb[99].calls == 1,
				WAIT_MS));
	for (i = 0; i < 100; i++) {
		CU_ASSERT(ra[i].calls == 1 && rb[i].calls == 1);
		CU_ASSERT(ra[i].st == GG_STORE_OK && rb[i].st == GG_STORE_OK);
		CU_ASSERT(ra[i].value >= 1 && ra[i].value <= 200 &&
				!seen[ra[i].value]);
		if (ra[i].value <= 200)
			seen[ra[i].value] = true;
		CU_ASSERT(rb[i].value >= 1 && rb[i].value <= 200 &&
				!seen[rb[i].value]);
		if (rb[i].value <= 200)
			seen[rb[i].value] = true;
		/* One connection's answers come in order. */
		if (i > 0)
			CU_ASSERT(ra[i].value > ra[i - 1].value &&
					rb[i].value > rb[i - 1].value);
	}
	gg_store_get_stats(a, &st);
	CU_ASSERT(st.errors == 0);
	gg_store_close(a);
	gg_store_close(b);
}

static void
test_provision(void)
{
	static const uint8_t der[] = { 0x30, 0x82, 0x00, 0x00, 0x0a, 0x0d, 0xff };
	struct state_log sla = { 0 }, slb = { 0 };
	struct gg_store *a = open_store("t-prov:", &sla);
	struct gg_store *b = open_store("t-prov:", &slb);
	struct gg_device_record *ra = make_record("nai-dev0001@maker.example", 51);
	struct gg_device_record *rb = make_record("nai-dev0002@maker.example", 52);
	struct gg_subscription sub, sub2, got;
	struct result r = { 0 };
	struct ev_log el = { 0 };
	struct gg_store_stats st;

	CU_ASSERT(gg_store_subscribe(a, on_event, &el) == 0);
	CU_ASSERT(RUN_UNTIL(loop, el.subscribed == 1, WAIT_MS));
	CU_ASSERT(do_put(b, ra) == GG_STORE_OK);
	CU_ASSERT(do_put(b, rb) == GG_STORE_OK);
	CU_ASSERT(RUN_UNTIL(loop, el.n == 2, WAIT_MS));

	/* Bad arguments: refused before anything. */
	make_sub(&sub, ra->identity, "imsi-001010000000001");
	CU_ASSERT(gg_store_provision(b, &sub, der, 0, on_done, &r) == -EINVAL);
	CU_ASSERT(gg_store_provision(b, &sub, NULL, 3, on_done, &r) == -EINVAL);
	sub2 = sub;
	snprintf(sub2.supi, sizeof(sub2.supi), "imsi-00101x");
	CU_ASSERT(gg_store_provision(b, &sub2, der, 3, on_done, &r) == -EINVAL);
	sub2 = sub;
	sub2.k_hex[3] = 'G';
	CU_ASSERT(gg_store_provision(b, &sub2, der, 3, on_done, &r) == -EINVAL);
	sub2 = sub;
	sub2.plan[0] = '\0';
	CU_ASSERT(gg_store_provision(b, &sub2, der, 3, on_done, &r) == -EINVAL);
	CU_ASSERT(gg_store_set_state_if(b, ra->identity, GG_DEVICE_FULL,
			GG_DEVICE_FULL, on_done, &r) == -EINVAL);
	CU_ASSERT(gg_store_set_state_if(b, ra->identity, GG_DEVICE_FULL,
			GG_DEVICE_DETACHED, on_done, &r) == -EINVAL);
	CU_ASSERT(r.calls == 0);

	/* No record: NOT_FOUND, nothing written. */
	make_sub(&sub2, "nai-nobody@maker.example", "imsi-001010000000009");
	CU_ASSERT(do_provision(b, &sub2, der, sizeof(der)) == GG_STORE_NOT_FOUND);
	CU_ASSERT(await(gg_store_get_profile(b, sub2.identity, on_profile, &r),
				&r) == GG_STORE_NOT_FOUND);
	result_reset(&r);
	CU_ASSERT(do_get(b, sub2.identity, &r) == GG_STORE_NOT_FOUND);
	result_reset(&r);
	if (strcmp(backend, "memory") == 0)
		CU_ASSERT(gg_store_memory_subscription(b, sub2.supi, &got) ==
				-ENOENT);

	/* Sign-up: record provisioned with its SUPI, profile, event. */
	CU_ASSERT(do_provision(b, &sub, der, sizeof(der)) == GG_STORE_OK);
	CU_ASSERT(do_get(b, ra->identity, &r) == GG_STORE_OK);
	CU_ASSERT_FATAL(r.rec != NULL);
	CU_ASSERT(r.rec->state == GG_DEVICE_PROVISIONED);
	CU_ASSERT_STRING_EQUAL(r.rec->supi, sub.supi);
	CU_ASSERT_STRING_EQUAL(r.rec->notify_uri, ra->notify_uri);
	CU_ASSERT_STRING_EQUAL(r.rec->cert_pem, ra->cert_pem);
	CU_ASSERT(r.rec->ue_ipv4 == ra->ue_ipv4 && r.rec->ul_teid == ra->ul_teid);
	CU_ASSERT(r.rec->created_ms == ra->created_ms);
	CU_ASSERT(r.rec->updated_ms > 1600000000000ull);
	result_reset(&r);
	CU_ASSERT(await(gg_store_get_profile(b, ra->identity, on_profile, &r),
				&r) == GG_STORE_OK);
	CU_ASSERT(r.len == sizeof(der) && memcmp(r.data, der, sizeof(der)) == 0);
	result_reset(&r);
	CU_ASSERT(RUN_UNTIL(loop, el.n == 3, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(el.ev[2].identity, ra->identity);
	CU_ASSERT(el.ev[2].state == GG_DEVICE_PROVISIONED);
	CU_ASSERT(el.ev[2].ue_ipv4 == ra->ue_ipv4);
	CU_ASSERT(el.ev[2].ts_ms > 1600000000000ull);
	if (strcmp(backend, "memory") == 0) {
		CU_ASSERT(gg_store_memory_subscription(b, sub.supi, &got) == 0);
		CU_ASSERT_STRING_EQUAL(got.identity, ra->identity);
		CU_ASSERT_STRING_EQUAL(got.k_hex, sub.k_hex);
		CU_ASSERT(got.created_ms == sub.created_ms);
	}

	/* A second sign-up of the device, or of another device with the
	 * same SUPI: CONFLICT, nothing written. */
	make_sub(&sub2, ra->identity, "imsi-001010000000002");
	CU_ASSERT(do_provision(b, &sub2, "x", 1) == GG_STORE_CONFLICT);
	make_sub(&sub2, rb->identity, sub.supi);
	CU_ASSERT(do_provision(b, &sub2, "y", 1) == GG_STORE_CONFLICT);
	CU_ASSERT(do_get(b, rb->identity, &r) == GG_STORE_OK);
	CU_ASSERT(r.rec != NULL && r.rec->state == GG_DEVICE_LIMITED &&
			r.rec->supi[0] == '\0');
	result_reset(&r);
	CU_ASSERT(await(gg_store_get_profile(b, rb->identity, on_profile, &r),
				&r) == GG_STORE_NOT_FOUND);
	result_reset(&r);
	CU_ASSERT(await(gg_store_get_profile(b, ra->identity, on_profile, &r),
				&r) == GG_STORE_OK);
	CU_ASSERT(r.len == sizeof(der));
	result_reset(&r);
	if (strcmp(backend, "memory") == 0) {
		CU_ASSERT(gg_store_memory_subscription(b, "imsi-001010000000002",
				&got) == -ENOENT);
		CU_ASSERT(gg_store_memory_subscription(b, sub.supi, &got) == 0 &&
				strcmp(got.identity, ra->identity) == 0);
	}

	/* Delivery: only from "provisioned", once. */
	CU_ASSERT(do_set_state(b, ra->identity, GG_DEVICE_LIMITED,
			GG_DEVICE_FULL) == GG_STORE_CONFLICT);
	CU_ASSERT(do_set_state(b, "nai-nobody@maker.example",
			GG_DEVICE_PROVISIONED, GG_DEVICE_FULL) == GG_STORE_NOT_FOUND);
	run_for(loop, 50);
	CU_ASSERT(el.n == 3);
	CU_ASSERT(do_set_state(b, ra->identity, GG_DEVICE_PROVISIONED,
			GG_DEVICE_FULL) == GG_STORE_OK);
	CU_ASSERT(do_set_state(a, ra->identity, GG_DEVICE_PROVISIONED,
			GG_DEVICE_FULL) == GG_STORE_CONFLICT);
	CU_ASSERT(RUN_UNTIL(loop, el.n == 4, WAIT_MS));
	run_for(loop, 50);
	CU_ASSERT(el.n == 4);
	CU_ASSERT(el.ev[3].state == GG_DEVICE_FULL);
	CU_ASSERT(el.ev[3].ue_ipv4 == ra->ue_ipv4);
	CU_ASSERT_STRING_EQUAL(el.ev[3].identity, ra->identity);
	CU_ASSERT(do_get(a, ra->identity, &r) == GG_STORE_OK);
	CU_ASSERT(r.rec != NULL && r.rec->state == GG_DEVICE_FULL &&
			strcmp(r.rec->supi, sub.supi) == 0);
	result_reset(&r);

	/* CONFLICT and NOT_FOUND are answers, not errors. */
	gg_store_get_stats(a, &st);
	CU_ASSERT(st.errors == 0);
	gg_store_get_stats(b, &st);
	CU_ASSERT(st.errors == 0);
	CU_ASSERT(do_del(b, ra->identity) == GG_STORE_OK);
	CU_ASSERT(do_del(b, rb->identity) == GG_STORE_OK);
	free(ra);
	free(rb);
	gg_store_close(a);
	gg_store_close(b);
}

static void
close_in_cb(struct gg_store *s, enum gg_store_status st,
		const struct gg_device_record *rec, void *arg)
{
	struct result *r = arg;

	(void)rec;
	r->calls++;
	r->st = st;
	gg_store_close(s);
}

static void
test_close(void)
{
	struct state_log sl = { 0 };
	struct gg_store *s = open_store("t-close:", &sl);
	struct result r1 = { 0 }, r2 = { 0 };

	/* Pending requests are cancelled from within close, once. */
	CU_ASSERT(gg_store_get(s, "imsi-1", on_record, &r1) == 0);
	CU_ASSERT(gg_store_del(s, "imsi-1", on_done, &r2) == 0);
	gg_store_close(s);
	CU_ASSERT(r1.calls == 1 && r1.st == GG_STORE_CANCELLED);
	CU_ASSERT(r2.calls == 1 && r2.st == GG_STORE_CANCELLED);
	gg_evloop_run_once(loop, 20);
	CU_ASSERT(r1.calls == 1 && r2.calls == 1);

	/* Closed from its own callback, with another request pending. */
	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	memset(&sl, 0, sizeof(sl));
	s = open_store("t-close:", &sl);
	CU_ASSERT(gg_store_get(s, "imsi-1", close_in_cb, &r1) == 0);
	CU_ASSERT(gg_store_get(s, "imsi-2", on_record, &r2) == 0);
	CU_ASSERT(RUN_UNTIL(loop, r1.calls == 1, WAIT_MS));
	CU_ASSERT(r1.st == GG_STORE_NOT_FOUND);
	CU_ASSERT(r2.calls == 1);
	CU_ASSERT(r2.st == GG_STORE_CANCELLED || r2.st == GG_STORE_NOT_FOUND);
	gg_evloop_run_once(loop, 20);
	CU_ASSERT(r1.calls == 1 && r2.calls == 1);
	gg_store_close(NULL);
}

static void
test_bad_params(void)
{
	struct gg_store_params p;
	struct state_log sl = { 0 };

	params_for(&p, "t-bad:", &sl);
	p.backend = "nosuch";
	CU_ASSERT(gg_store_open(&p, loop) == NULL && rte_errno == ENOENT);
	params_for(&p, "bad prefix:", &sl);
	CU_ASSERT(gg_store_open(&p, loop) == NULL && rte_errno == EINVAL);
	params_for(&p, "t-bad:", &sl);
	CU_ASSERT(gg_store_open(NULL, loop) == NULL && rte_errno == EINVAL);
	CU_ASSERT(gg_store_open(&p, NULL) == NULL && rte_errno == EINVAL);
	p.backend = "redis";
	p.unix_path = NULL;
	p.host = "localhost"; /* names would need a blocking resolver */
	CU_ASSERT(gg_store_open(&p, loop) == NULL && rte_errno == EINVAL);
	gg_evloop_run_once(loop, 5);
	CU_ASSERT(sl.ups == 0 && sl.downs == 0);
}

static void
test_helpers(void)
{
	enum gg_device_state st;
	char key[GG_STORE_KEY_MAX];

	CU_ASSERT(gg_store_key(key, sizeof(key), "gg:", GG_STORE_KEY_DEVICE,
				"imsi-1") == 16);
	CU_ASSERT_STRING_EQUAL(key, "gg:device:imsi-1");
	gg_store_key(key, sizeof(key), "gg:", GG_STORE_KEY_UEIP, "10.0.0.1");
	CU_ASSERT_STRING_EQUAL(key, "gg:ueip:10.0.0.1");
	gg_store_key(key, sizeof(key), "gg:", GG_STORE_KEY_DEVICES, NULL);
	CU_ASSERT_STRING_EQUAL(key, "gg:devices");
	gg_store_key(key, sizeof(key), "gg:", GG_STORE_KEY_PROFILE, "imsi-1");
	CU_ASSERT_STRING_EQUAL(key, "gg:profile:imsi-1");
	gg_store_key(key, sizeof(key), "gg:", GG_STORE_KEY_EVENTS, NULL);
	CU_ASSERT_STRING_EQUAL(key, "gg:events");
	CU_ASSERT(gg_store_key(key, 8, "gg:", GG_STORE_KEY_DEVICE, "imsi-1") ==
			-ENOSPC);
	CU_ASSERT(gg_device_state_parse("full", &st) == 0 &&
			st == GG_DEVICE_FULL);
	CU_ASSERT(gg_device_state_parse("FULL", &st) == -EINVAL);
	CU_ASSERT(gg_device_state_parse("provisioned", &st) == 0 &&
			st == GG_DEVICE_PROVISIONED);
	CU_ASSERT_STRING_EQUAL(gg_device_state_name(GG_DEVICE_PROVISIONED),
			"provisioned");
	CU_ASSERT(gg_store_key(key, sizeof(key), "gg:",
			GG_STORE_KEY_SUBSCRIPTION, "imsi-001010000000001") > 0);
	CU_ASSERT_STRING_EQUAL(key, "gg:subscription:imsi-001010000000001");
	CU_ASSERT(gg_store_key(key, sizeof(key), "gg:", GG_STORE_KEY_SEQ,
			"msin:00101") > 0);
	CU_ASSERT_STRING_EQUAL(key, "gg:seq:msin:00101");
	CU_ASSERT_STRING_EQUAL(gg_store_strerror(GG_STORE_CONFLICT), "conflict");
	CU_ASSERT_STRING_EQUAL(gg_device_state_name(GG_DEVICE_DETACHED),
			"detached");
	CU_ASSERT(gg_device_state_name(GG_DEVICE_STATE_MAX) == NULL);
	CU_ASSERT_STRING_EQUAL(gg_store_strerror(GG_STORE_DOWN), "store down");
}

/* ---- memory only ---- */

static void
test_memory_fault(void)
{
	struct state_log sl = { 0 };
	struct gg_store *s = open_store("t-fault:", &sl);
	struct result r = { 0 };
	struct gg_store_stats st;

	CU_ASSERT(gg_store_memory_set_down(s, true, "injected") == 0);
	CU_ASSERT(sl.downs == 1 && strcmp(sl.reason, "injected") == 0);
	CU_ASSERT(!gg_store_is_up(s));
	CU_ASSERT(do_get(s, "imsi-1", &r) == GG_STORE_DOWN);
	result_reset(&r);
	CU_ASSERT(gg_store_memory_set_down(s, false, NULL) == 0);
	CU_ASSERT(sl.ups == 2 && gg_store_is_up(s));
	CU_ASSERT(do_get(s, "imsi-1", &r) == GG_STORE_NOT_FOUND);
	result_reset(&r);
	gg_store_get_stats(s, &st);
	CU_ASSERT(st.rejected_down == 1 && st.errors == 1 &&
			st.disconnects == 1 && st.connects == 2);
	gg_store_close(s);
}

/* ---- redis only ---- */

static void
test_schema(void)
{
	struct state_log sl = { 0 };
	struct gg_store *s = open_store("t-schema:", &sl);
	struct gg_device_record *rec = make_record("suci-0-001-01-0-0-0-000000042", 42);
	redisContext *c = raw_connect(&srv_main), *sub = raw_connect(&srv_main);
	struct timeval tv = { .tv_sec = 2 };
	struct result r = { 0 };
	struct ev_log el = { 0 };
	struct gg_store_stats st;
	const char *key = "t-schema:device:suci-0-001-01-0-0-0-000000042";
	redisReply *rp, *msg = NULL;
	json_t *j;
	size_t i;
	static const char *const want[][2] = {
		{ "identity", "suci-0-001-01-0-0-0-000000042" },
		{ "state", "limited" },
		{ "cert_pem", "-----BEGIN CERTIFICATE-----\nMIIB42\n-----END CERTIFICATE-----\n" },
		{ "cert_url", "http://ca.example/DeviceID=42" },
		{ "ue_ipv4", "10.45.0.43" },
		{ "ul_teid", "4138" },
		{ "dl_teid", "4294967238" },
		{ "gnb_ipv4", "192.168.10.1" },
		{ "qfi", "42" },
		{ "auth_ctx_id", "ctx-42" },
		{ "auth_client", "cert:CN=amf42" },
		{ "notify_uri", "http://127.0.0.1:9/cb/42?x=1" },
		{ "supi", "" },
		{ "created_ms", "1700000000042" },
		{ "updated_ms", "1700000000047" },
	};

	CU_ASSERT_FATAL(c != NULL && sub != NULL);
	redisSetTimeout(sub, tv);
	rp = raw(sub, "SUBSCRIBE t-schema:events");
	freeReplyObject(rp);
	CU_ASSERT(gg_store_subscribe(s, on_event, &el) == 0);
	CU_ASSERT(RUN_UNTIL(loop, el.subscribed == 1, WAIT_MS));

	CU_ASSERT(do_put(s, rec) == GG_STORE_OK);
	rp = raw(c, "HGETALL %s", key);
	CU_ASSERT(rp->type == REDIS_REPLY_ARRAY && rp->elements == 2 * RTE_DIM(want));
	for (i = 0; rp->type == REDIS_REPLY_ARRAY && i + 1 < rp->elements; i += 2) {
		size_t k;

		for (k = 0; k < RTE_DIM(want); k++)
			if (strcmp(rp->element[i]->str, want[k][0]) == 0)
				break;
		CU_ASSERT(k < RTE_DIM(want));
		if (k < RTE_DIM(want) &&
				strcmp(rp->element[i + 1]->str, want[k][1]) != 0) {
			fprintf(stderr, "field %s: %s\n", want[k][0],
					rp->element[i + 1]->str);
			CU_FAIL("field value");
		}
	}
	freeReplyObject(rp);
	rp = raw(c, "GET t-schema:ueip:10.45.0.43");
	CU_ASSERT(rp->type == REDIS_REPLY_STRING &&
			strcmp(rp->str, rec->identity) == 0);
	freeReplyObject(rp);
	rp = raw(c, "SMEMBERS t-schema:devices");
	CU_ASSERT(rp->type == REDIS_REPLY_ARRAY && rp->elements == 1 &&
			strcmp(rp->element[0]->str, rec->identity) == 0);
	freeReplyObject(rp);

	/* The event, as any subscriber sees it. */
	CU_ASSERT(redisGetReply(sub, (void **)&msg) == REDIS_OK);
	CU_ASSERT_FATAL(msg != NULL && msg->type == REDIS_REPLY_ARRAY &&
			msg->elements == 3);
	CU_ASSERT_STRING_EQUAL(msg->element[0]->str, "message");
	CU_ASSERT_STRING_EQUAL(msg->element[1]->str, "t-schema:events");
	j = json_loads(msg->element[2]->str, 0, NULL);
	CU_ASSERT_FATAL(j != NULL);
	CU_ASSERT(json_object_size(j) == 4);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "identity")),
			rec->identity);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "state")),
			"limited");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "ue_ipv4")),
			"10.45.0.43");
	CU_ASSERT(json_integer_value(json_object_get(j, "ts_ms")) ==
			1700000000047);
	json_decref(j);
	freeReplyObject(msg);

	/* The device moves and back (same state: no event); the index
	 * follows, the old entry goes. */
	rec->ue_ipv4 = htonl(0x0a2d0063);  /* 10.45.0.99 */
	CU_ASSERT(do_put(s, rec) == GG_STORE_OK);
	rp = raw(c, "GET t-schema:ueip:10.45.0.43");
	CU_ASSERT(rp->type == REDIS_REPLY_NIL);
	freeReplyObject(rp);
	rp = raw(c, "GET t-schema:ueip:10.45.0.99");
	CU_ASSERT(rp->type == REDIS_REPLY_STRING &&
			strcmp(rp->str, rec->identity) == 0);
	freeReplyObject(rp);
	rec->ue_ipv4 = htonl(0x0a2d002b);  /* 10.45.0.43 */
	CU_ASSERT(do_put(s, rec) == GG_STORE_OK);
	rp = raw(c, "EXISTS t-schema:ueip:10.45.0.99 t-schema:ueip:10.45.0.43");
	CU_ASSERT(rp->type == REDIS_REPLY_INTEGER && rp->integer == 1);
	freeReplyObject(rp);

	/* The profile is the bytes given. */
	CU_ASSERT(await(gg_store_put_profile(s, rec->identity, "a\0b", 3,
				on_done, &r), &r) == GG_STORE_OK);
	result_reset(&r);
	rp = raw(c, "GET t-schema:profile:%s", rec->identity);
	CU_ASSERT(rp->type == REDIS_REPLY_STRING && rp->len == 3 &&
			memcmp(rp->str, "a\0b", 3) == 0);
	freeReplyObject(rp);

	/* A record written by another program, as documented, reads back. */
	rp = raw(c, "HSET t-schema:device:imsi-9 identity imsi-9 state full "
			"ue_ipv4 10.9.9.9 ul_teid 9 dl_teid 10 gnb_ipv4 1.2.3.4 "
			"created_ms 5 updated_ms 6 extra ignored");
	freeReplyObject(rp);
	CU_ASSERT(do_get(s, "imsi-9", &r) == GG_STORE_OK);
	CU_ASSERT(r.rec != NULL && r.rec->state == GG_DEVICE_FULL &&
			r.rec->ul_teid == 9 && r.rec->dl_teid == 10 &&
			!r.rec->has_qfi && r.rec->cert_pem[0] == '\0' &&
			r.rec->gnb_ipv4 == htonl(0x01020304) && r.rec->updated_ms == 6);
	result_reset(&r);
	rp = raw(c, "HSET t-schema:device:imsi-9 ul_teid 99999999999");
	freeReplyObject(rp);
	CU_ASSERT(do_get(s, "imsi-9", &r) == GG_STORE_BAD_RECORD);
	result_reset(&r);

	/* Delete: every key gone, a "detached" event. */
	CU_ASSERT(do_del(s, rec->identity) == GG_STORE_OK);
	rp = raw(c, "EXISTS %s t-schema:ueip:10.45.0.43 t-schema:profile:%s",
			key, rec->identity);
	CU_ASSERT(rp->type == REDIS_REPLY_INTEGER && rp->integer == 0);
	freeReplyObject(rp);
	rp = raw(c, "SISMEMBER t-schema:devices %s", rec->identity);
	CU_ASSERT(rp->type == REDIS_REPLY_INTEGER && rp->integer == 0);
	freeReplyObject(rp);
	msg = NULL;
	CU_ASSERT(redisGetReply(sub, (void **)&msg) == REDIS_OK);
	CU_ASSERT_FATAL(msg != NULL && msg->type == REDIS_REPLY_ARRAY &&
			msg->elements == 3);
	j = json_loads(msg->element[2]->str, 0, NULL);
	CU_ASSERT_FATAL(j != NULL);
	CU_ASSERT(json_object_size(j) == 4);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "state")),
			"detached");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "ue_ipv4")),
			"10.45.0.43");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "identity")),
			rec->identity);
	CU_ASSERT(json_is_integer(json_object_get(j, "ts_ms")));
	json_decref(j);
	freeReplyObject(msg);

	/* Someone else's message on our channel: counted, dropped. */
	rp = raw(c, "PUBLISH t-schema:events not-json");
	freeReplyObject(rp);
	rp = raw(c, "PUBLISH t-schema:events {\"identity\":\"x\",\"state\":\"gone\"}");
	freeReplyObject(rp);
	CU_ASSERT(RUN_UNTIL(loop, (gg_store_get_stats(s, &st),
				st.bad_events == 2), WAIT_MS));
	CU_ASSERT(st.events == 2 && el.n == 2);
	redisFree(sub);
	redisFree(c);
	free(rec);
	gg_store_close(s);
}

/* HGET of one field as text ("" when absent). */
static void
raw_hget(redisContext *c, const char *key, const char *field, char *buf,
		size_t len)
{
	redisReply *rp = raw(c, "HGET %s %s", key, field);

	snprintf(buf, len, "%s", rp->type == REDIS_REPLY_STRING ? rp->str : "");
	freeReplyObject(rp);
}

static long long
raw_int(redisContext *c, const char *fmt, const char *arg)
{
	redisReply *rp = raw(c, fmt, arg);
	long long v = rp->type == REDIS_REPLY_INTEGER ? rp->integer : -1;

	freeReplyObject(rp);
	return v;
}

static void
test_provision_schema(void)
{
	static const uint8_t der[] = { 0x30, 0x00, 0x0d, 0x0a, 0x00, 0x81 };
	struct state_log sl = { 0 };
	struct gg_store *s = open_store("t-ps:", &sl);
	struct gg_device_record *rec = make_record("nai-dev0003@maker.example", 53);
	redisContext *c = raw_connect(&srv_main), *sub = raw_connect(&srv_main);
	struct timeval tv = { .tv_sec = 2 };
	struct gg_subscription su, su2;
	redisReply *rp, *msg = NULL;
	char buf[128];
	json_t *j;
	size_t i;
	static const char *const want[][2] = {
		{ "identity", "nai-dev0003@maker.example" },
		{ "supi", "imsi-00101000000007" },
		{ "plan", "basic-30d" },
		{ "k", "465b5ce8b199b49faa5f0a2ee238a6bc" },
		{ "opc", "cd63cb71954a9f4e48a5994e37a02baf" },
		{ "amf", "8000" },
		{ "created_ms", "1700000001000" },
	};

	CU_ASSERT_FATAL(c != NULL && sub != NULL);
	redisSetTimeout(sub, tv);
	CU_ASSERT(do_put(s, rec) == GG_STORE_OK);
	freeReplyObject(raw(sub, "SUBSCRIBE t-ps:events"));

	/* Sequences are plain INCR counters. */
	CU_ASSERT(do_seq(s, "msin:00101") == 1);
	freeReplyObject(raw(c, "SET t-ps:seq:msin:00101 6"));
	CU_ASSERT(do_seq(s, "msin:00101") == 7);
	rp = raw(c, "GET t-ps:seq:msin:00101");
	CU_ASSERT(rp->type == REDIS_REPLY_STRING && strcmp(rp->str, "7") == 0);
	freeReplyObject(rp);

	/* Refusals write nothing: no record, then a record not "limited". */
	make_sub(&su, rec->identity, "imsi-00101000000007");
	make_sub(&su2, "nai-none@maker.example", "imsi-00101000000008");
	CU_ASSERT(do_provision(s, &su2, der, sizeof(der)) == GG_STORE_NOT_FOUND);
	CU_ASSERT(raw_int(c, "EXISTS t-ps:subscription:%s", su2.supi) == 0);
	CU_ASSERT(raw_int(c, "EXISTS t-ps:profile:%s", su2.identity) == 0);
	CU_ASSERT(raw_int(c, "EXISTS t-ps:device:%s", su2.identity) == 0);
	freeReplyObject(raw(c, "HSET t-ps:device:%s state blocked", rec->identity));
	CU_ASSERT(do_provision(s, &su, der, sizeof(der)) == GG_STORE_CONFLICT);
	CU_ASSERT(raw_int(c, "EXISTS t-ps:subscription:%s", su.supi) == 0);
	CU_ASSERT(raw_int(c, "EXISTS t-ps:profile:%s", su.identity) == 0);
	raw_hget(c, "t-ps:device:nai-dev0003@maker.example", "supi", buf,
			sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "");
	/* A SUPI someone holds already. */
	freeReplyObject(raw(c, "HSET t-ps:device:%s state limited", rec->identity));
	freeReplyObject(raw(c, "HSET t-ps:subscription:%s identity other",
			su.supi));
	CU_ASSERT(do_provision(s, &su, der, sizeof(der)) == GG_STORE_CONFLICT);
	CU_ASSERT(raw_int(c, "EXISTS t-ps:profile:%s", su.identity) == 0);
	raw_hget(c, "t-ps:device:nai-dev0003@maker.example", "state", buf,
			sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "limited");
	CU_ASSERT(raw_int(c, "HLEN t-ps:subscription:%s", su.supi) == 1);
	freeReplyObject(raw(c, "DEL t-ps:subscription:%s", su.supi));

	/* Sign-up: the subscription hash, the profile bytes, the record. */
	CU_ASSERT(do_provision(s, &su, der, sizeof(der)) == GG_STORE_OK);
	rp = raw(c, "HGETALL t-ps:subscription:%s", su.supi);
	CU_ASSERT(rp->type == REDIS_REPLY_ARRAY &&
			rp->elements == 2 * RTE_DIM(want));
	for (i = 0; rp->type == REDIS_REPLY_ARRAY && i + 1 < rp->elements; i += 2) {
		size_t k;

		for (k = 0; k < RTE_DIM(want); k++)
			if (strcmp(rp->element[i]->str, want[k][0]) == 0)
				break;
		CU_ASSERT(k < RTE_DIM(want) &&
				strcmp(rp->element[i + 1]->str, want[k][1]) == 0);
	}
	freeReplyObject(rp);
	rp = raw(c, "GET t-ps:profile:%s", su.identity);
	CU_ASSERT(rp->type == REDIS_REPLY_STRING && rp->len == sizeof(der) &&
			memcmp(rp->str, der, sizeof(der)) == 0);
	freeReplyObject(rp);
	raw_hget(c, "t-ps:device:nai-dev0003@maker.example", "state", buf,
			sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "provisioned");
	raw_hget(c, "t-ps:device:nai-dev0003@maker.example", "supi", buf,
			sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, su.supi);
	raw_hget(c, "t-ps:device:nai-dev0003@maker.example", "notify_uri", buf,
			sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, rec->notify_uri);
	CU_ASSERT(redisGetReply(sub, (void **)&msg) == REDIS_OK);
	CU_ASSERT_FATAL(msg != NULL && msg->type == REDIS_REPLY_ARRAY &&
			msg->elements == 3);
	j = json_loads(msg->element[2]->str, 0, NULL);
	CU_ASSERT_FATAL(j != NULL);
	CU_ASSERT(json_object_size(j) == 4);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "identity")),
			rec->identity);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "state")),
			"provisioned");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "ue_ipv4")),
			"10.45.0.54");
	CU_ASSERT(json_is_integer(json_object_get(j, "ts_ms")));
	json_decref(j);
	freeReplyObject(msg);

	/* Delivered: state full, its event; the second attempt changes
	 * nothing. */
	CU_ASSERT(do_set_state(s, rec->identity, GG_DEVICE_PROVISIONED,
			GG_DEVICE_FULL) == GG_STORE_OK);
	raw_hget(c, "t-ps:device:nai-dev0003@maker.example", "updated_ms", buf,
			sizeof(buf));
	CU_ASSERT(do_set_state(s, rec->identity, GG_DEVICE_PROVISIONED,
			GG_DEVICE_FULL) == GG_STORE_CONFLICT);
	raw_hget(c, "t-ps:device:nai-dev0003@maker.example", "state", buf,
			sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "full");
	msg = NULL;
	CU_ASSERT(redisGetReply(sub, (void **)&msg) == REDIS_OK);
	CU_ASSERT_FATAL(msg != NULL && msg->type == REDIS_REPLY_ARRAY &&
			msg->elements == 3);
	j = json_loads(msg->element[2]->str, 0, NULL);
	CU_ASSERT_FATAL(j != NULL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "state")),
			"full");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "ue_ipv4")),
			"10.45.0.54");
	json_decref(j);
	freeReplyObject(msg);
	/* Nothing else was published (the CONFLICT is silent). */
	freeReplyObject(raw(c, "PUBLISH t-ps:events marker"));
	msg = NULL;
	CU_ASSERT(redisGetReply(sub, (void **)&msg) == REDIS_OK);
	CU_ASSERT(msg != NULL && msg->type == REDIS_REPLY_ARRAY &&
			msg->elements == 3 &&
			strcmp(msg->element[2]->str, "marker") == 0);
	freeReplyObject(msg);
	/* The subscription outlives the device (the network needs it). */
	CU_ASSERT(do_del(s, rec->identity) == GG_STORE_OK);
	CU_ASSERT(raw_int(c, "EXISTS t-ps:subscription:%s", su.supi) == 1);
	redisFree(sub);
	redisFree(c);
	free(rec);
	gg_store_close(s);
}

static void
test_outage(void)
{
	struct state_log sl = { 0 }, sl2 = { 0 };
	struct gg_store_params p;
	struct gg_store *s, *other;
	struct gg_store_stats st;
	struct ev_log el = { 0 };
	struct result r = { 0 };
	struct listing l = { 0 };
	struct gg_device_record *rec = make_record("imsi-001010000000051", 51);
	uint64_t t0;

	CU_ASSERT_FATAL(server_start(&srv_out, NULL, NULL) == 0);
	params_for(&p, "t-out:", &sl);
	p.unix_path = srv_out.sock;
	p.reconnect_min_ms = 50;
	p.reconnect_max_ms = 400;
	s = open_up(&p, &sl);
	CU_ASSERT(gg_store_subscribe(s, on_event, &el) == 0);
	CU_ASSERT(RUN_UNTIL(loop, el.subscribed == 1, WAIT_MS));
	CU_ASSERT(do_put(s, rec) == GG_STORE_OK);
	CU_ASSERT(RUN_UNTIL(loop, el.n == 1, WAIT_MS));

	/* The server dies with a request in flight. */
	CU_ASSERT(gg_store_get(s, rec->identity, on_record, &r) == 0);
	server_kill(&srv_out, SIGKILL);
	CU_ASSERT(RUN_UNTIL(loop, sl.downs == 1 && r.calls == 1, WAIT_MS));
	CU_ASSERT(r.st == GG_STORE_DOWN || r.st == GG_STORE_OK);
	CU_ASSERT(!gg_store_is_up(s));
	CU_ASSERT(strlen(sl.reason) > 0);
	result_reset(&r);

	/* While down: failed fast, with the down error, on the next round. */
	t0 = gg_evloop_now_ms();
	CU_ASSERT(gg_store_get(s, rec->identity, on_record, &r) == 0);
	CU_ASSERT(r.calls == 0);
	CU_ASSERT(RUN_UNTIL(loop, r.calls == 1, WAIT_MS));
	CU_ASSERT(r.st == GG_STORE_DOWN);
	CU_ASSERT(gg_evloop_now_ms() - t0 < 50);
	result_reset(&r);
	CU_ASSERT(gg_store_list_all(s, on_list_record, on_list_done, &l) == 0);
	CU_ASSERT(RUN_UNTIL(loop, l.done == 1, WAIT_MS));
	CU_ASSERT(l.st == GG_STORE_DOWN && l.records == 0);

	/* Retries fail for a while, reported down once only. */
	run_for(loop, 700);
	gg_store_get_stats(s, &st);
	CU_ASSERT(sl.downs == 1);
	CU_ASSERT(st.reconnect_attempts >= 3);
	CU_ASSERT(st.connects == 1 && st.disconnects == 1);
	CU_ASSERT(st.rejected_down == 2);

	/* Back on the same socket: reconnects by itself, works again. */
	CU_ASSERT_FATAL(server_start(&srv_out, NULL, NULL) == 0);
	CU_ASSERT(RUN_UNTIL(loop, sl.ups == 2 && el.subscribed == 2, 5000));
	CU_ASSERT(gg_store_is_up(s));
	CU_ASSERT(do_get(s, rec->identity, &r) == GG_STORE_NOT_FOUND);
	result_reset(&r);
	CU_ASSERT(do_put(s, rec) == GG_STORE_OK);
	CU_ASSERT(do_get(s, rec->identity, &r) == GG_STORE_OK);
	check_same(rec, r.rec);
	result_reset(&r);
	CU_ASSERT(RUN_UNTIL(loop, el.n == 2, WAIT_MS));
	gg_store_get_stats(s, &st);
	CU_ASSERT(st.connects == 2 && st.disconnects == 1);
	CU_ASSERT(st.sub_connects == 2 && st.sub_disconnects == 1);
	CU_ASSERT(sl.downs == 1 && sl.ups == 2);

	/* A store opened while the server is away reports down, then up. */
	server_kill(&srv_out, SIGTERM);
	params_for(&p, "t-out:", &sl2);
	p.unix_path = srv_out.sock;
	other = gg_store_open(&p, loop);
	CU_ASSERT_FATAL(other != NULL);
	CU_ASSERT(!gg_store_is_up(other));
	CU_ASSERT(RUN_UNTIL(loop, sl2.downs == 1 && sl.downs == 2, WAIT_MS));
	CU_ASSERT(sl2.ups == 0);
	CU_ASSERT_FATAL(server_start(&srv_out, NULL, NULL) == 0);
	CU_ASSERT(RUN_UNTIL(loop, sl2.ups == 1 && sl.ups == 3, 5000));
	gg_store_close(other);
	gg_store_close(s);
	server_kill(&srv_out, SIGTERM);
	free(rec);
}

static void
test_auth(void)
{
	struct state_log sl = { 0 };
	struct gg_store_params p;
	struct gg_store *s;
	struct gg_store_stats st;
	struct result r = { 0 };
	redisContext *c;
	redisReply *rp;

	CU_ASSERT_FATAL(server_start(&srv_auth, "--requirepass",
				srv_auth.password) == 0);
	c = raw_connect(&srv_auth);
	CU_ASSERT_FATAL(c != NULL);
	rp = raw(c, "ACL SETUSER gguser on >ggpass ~* &* +@all");
	CU_ASSERT(rp->type == REDIS_REPLY_STATUS);
	freeReplyObject(rp);
	redisFree(c);

	/* Password (with a space: sent as one argument). */
	params_for(&p, "t-auth:", &sl);
	p.unix_path = srv_auth.sock;
	p.password = srv_auth.password;
	s = open_up(&p, &sl);
	CU_ASSERT(do_get(s, "imsi-1", &r) == GG_STORE_NOT_FOUND);
	result_reset(&r);
	gg_store_close(s);

	/* ACL user. */
	memset(&sl, 0, sizeof(sl));
	p.user = "gguser";
	p.password = "ggpass";
	s = open_up(&p, &sl);
	CU_ASSERT(do_get(s, "imsi-1", &r) == GG_STORE_NOT_FOUND);
	result_reset(&r);
	gg_store_close(s);

	/* Wrong password: down with a clear reason, once, and it keeps
	 * trying; requests fail fast. */
	memset(&sl, 0, sizeof(sl));
	p.password = "wrong";
	s = gg_store_open(&p, loop);
	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT(RUN_UNTIL(loop, sl.downs == 1, WAIT_MS));
	CU_ASSERT(strstr(sl.reason, "AUTH refused") != NULL);
	CU_ASSERT(strstr(sl.reason, "WRONGPASS") != NULL);
	CU_ASSERT(strstr(gg_store_last_error(s), "WRONGPASS") != NULL);
	CU_ASSERT(do_get(s, "imsi-1", &r) == GG_STORE_DOWN);
	result_reset(&r);
	run_for(loop, 300);
	gg_store_get_stats(s, &st);
	CU_ASSERT(sl.downs == 1 && sl.ups == 0);
	CU_ASSERT(st.reconnect_attempts >= 2 && st.connects == 0);
	gg_store_close(s);

	/* No password at all. */
	memset(&sl, 0, sizeof(sl));
	p.user = NULL;
	p.password = NULL;
	s = gg_store_open(&p, loop);
	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT(RUN_UNTIL(loop, sl.downs == 1, WAIT_MS));
	CU_ASSERT(strstr(sl.reason, "NOAUTH") != NULL);
	gg_store_close(s);
	server_kill(&srv_auth, SIGTERM);
}

static void
test_command_timeout(void)
{
	struct state_log sl = { 0 };
	struct gg_store_params p;
	struct gg_store *s;
	struct gg_store_stats st;
	struct result r = { 0 };
	struct gg_device_record *rec = make_record("imsi-001010000000061", 61);
	redisContext *c;
	redisReply *rp;
	uint64_t t0, took;

	params_for(&p, "t-cto:", &sl);
	p.command_timeout_ms = 300;
	s = open_up(&p, &sl);
	c = raw_connect(&srv_main);
	CU_ASSERT_FATAL(c != NULL);
	rp = raw(c, "CLIENT PAUSE 1500 ALL");
	CU_ASSERT(rp->type == REDIS_REPLY_STATUS);
	freeReplyObject(rp);
	redisFree(c);

	t0 = gg_evloop_now_ms();
	CU_ASSERT(gg_store_get(s, "imsi-1", on_record, &r) == 0);
	CU_ASSERT(RUN_UNTIL(loop, r.calls == 1, WAIT_MS));
	took = gg_evloop_now_ms() - t0;
	CU_ASSERT(r.st == GG_STORE_TIMEOUT);
	CU_ASSERT(took >= 290 && took < 600);
	CU_ASSERT(sl.downs == 1 && strstr(sl.reason, "command timeout") != NULL);
	gg_store_get_stats(s, &st);
	CU_ASSERT(st.timeouts == 1 && st.errors == 1);
	result_reset(&r);

	/* Once the server serves again, so does the store. */
	CU_ASSERT(RUN_UNTIL(loop, sl.ups == 2, 5000));
	CU_ASSERT(do_put(s, rec) == GG_STORE_OK);
	free(rec);
	gg_store_close(s);
}

static void
test_connect_timeout(void)
{
	struct state_log sl = { 0 };
	struct gg_store_params p;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct gg_store *s;
	struct gg_store_stats st;
	uint64_t t0, took;
	int fd;

	/* A socket that accepts connections in its backlog but never
	 * answers: the handshake must time out. */
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", mute_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	CU_ASSERT_FATAL(listen(fd, 16) == 0);
	params_for(&p, "t-conn:", &sl);
	p.unix_path = sun.sun_path;
	p.connect_timeout_ms = 200;
	p.reconnect_min_ms = 50;
	t0 = gg_evloop_now_ms();
	s = gg_store_open(&p, loop);
	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT(RUN_UNTIL(loop, sl.downs == 1, WAIT_MS));
	took = gg_evloop_now_ms() - t0;
	CU_ASSERT(took >= 190 && took < 500);
	CU_ASSERT(strstr(sl.reason, "connect timeout (200 ms)") != NULL);
	run_for(loop, 400);
	gg_store_get_stats(s, &st);
	CU_ASSERT(st.reconnect_attempts >= 1 && st.connects == 0);
	gg_store_close(s);
	close(fd);
	unlink(sun.sun_path);
}

static void
test_tcp(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	struct state_log sl = { 0 };
	struct gg_store_params p;
	struct gg_store *s;
	struct gg_device_record *rec = make_record("imsi-001010000000071", 71);
	struct gg_store_stats st;
	struct result r = { 0 };
	redisContext *c;
	redisReply *rp;
	int fd;

	/* A free port, from the kernel. */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	close(fd);
	srv_tcp.port = ntohs(sin.sin_port);
	CU_ASSERT_FATAL(server_start(&srv_tcp, NULL, NULL) == 0);
	params_for(&p, "t-tcp:", &sl);
	p.unix_path = NULL;
	p.host = "127.0.0.1";
	p.port = srv_tcp.port;
	p.db = 2;
	s = open_up(&p, &sl);
	CU_ASSERT(do_put(s, rec) == GG_STORE_OK);
	CU_ASSERT(do_get(s, rec->identity, &r) == GG_STORE_OK);
	check_same(rec, r.rec);
	result_reset(&r);
	/* The data went to database 2 (SELECT in the handshake). */
	c = raw_connect(&srv_tcp);
	CU_ASSERT_FATAL(c != NULL);
	rp = raw(c, "EXISTS t-tcp:device:%s", rec->identity);
	CU_ASSERT(rp->type == REDIS_REPLY_INTEGER && rp->integer == 0);
	freeReplyObject(rp);
	freeReplyObject(raw(c, "SELECT 2"));
	rp = raw(c, "EXISTS t-tcp:device:%s", rec->identity);
	CU_ASSERT(rp->type == REDIS_REPLY_INTEGER && rp->integer == 1);
	freeReplyObject(rp);
	redisFree(c);
	/* A stopped TCP server is noticed too; connects are then refused. */
	server_kill(&srv_tcp, SIGKILL);
	CU_ASSERT(RUN_UNTIL(loop, sl.downs == 1, WAIT_MS));
	run_for(loop, 300);
	gg_store_get_stats(s, &st);
	CU_ASSERT(st.reconnect_attempts >= 1 && sl.downs == 1);
	CU_ASSERT(strstr(gg_store_last_error(s), "refused") != NULL);
	gg_store_close(s);
	free(rec);
}

/* ---- suites ---- */

static int
memory_init(void)
{
	backend = "memory";
	return 0;
}

static int
redis_init(void)
{
	backend = "redis";
	return server_start(&srv_main, NULL, NULL) == 0 ? 0 : -1;
}

static int
redis_fini(void)
{
	server_kill(&srv_main, SIGTERM);
	return 0;
}

/* What every backend must do, run once per backend. */
static const struct test_case functional[] = {
	{ "open and up", test_open_up },
	{ "put/get round trip", test_round_trip },
	{ "UE IP index", test_ueip_index },
	{ "delete removes everything", test_del },
	{ "list_all restores 1000", test_list_all },
	{ "profile binary-safe", test_profile },
	{ "events", test_events },
	{ "close with pending requests", test_close },
	{ "sequences, concurrent", test_seq },
	{ "provision and set_state_if", test_provision },
};

int
main(void)
{
	static const struct test_case common[] = {
		{ "helpers", test_helpers },
		{ "bad parameters", test_bad_params },
	};
	static const struct test_case memory_only[] = {
		{ "fault injection", test_memory_fault },
	};
	static const struct test_case redis_only[] = {
		{ "key schema (raw hiredis)", test_schema },
		{ "provisioning schema (raw hiredis)", test_provision_schema },
		{ "outage and reconnect", test_outage },
		{ "AUTH password and ACL user", test_auth },
		{ "command timeout", test_command_timeout },
		{ "connect timeout", test_connect_timeout },
		{ "TCP", test_tcp },
	};
	CU_pSuite suite_memory, suite_redis;
	int rc;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/gg-store-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	snprintf(mute_path, sizeof(mute_path), "%s/mute.sock", tmpdir);
	atexit(cleanup_all);
	signal(SIGTERM, on_fatal);
	signal(SIGINT, on_fatal);
	signal(SIGSEGV, on_fatal);
	signal(SIGABRT, on_fatal);
	signal(SIGBUS, on_fatal);
	loop = gg_evloop_create();
	if (loop == NULL)
		return 1;

	/* Suites run in the order added: common, memory, redis. */
	if (test_cunit_add("store common", memory_init, NULL,
				TEST_CASES(common)) == NULL ||
			(suite_memory = test_cunit_add("store memory",
				memory_init, NULL, TEST_CASES(functional))) == NULL ||
			test_cunit_extend(suite_memory,
				TEST_CASES(memory_only)) < 0 ||
			(suite_redis = test_cunit_add("store redis", redis_init,
				redis_fini, TEST_CASES(functional))) == NULL ||
			test_cunit_extend(suite_redis,
				TEST_CASES(redis_only)) < 0) {
		CU_cleanup_registry();
		gg_evloop_free(loop);
		return 1;
	}
	rc = test_cunit_run();
	gg_evloop_free(loop);
	return rc;
}
