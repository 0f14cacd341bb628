/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit suite for lib/ausf's profile push and its fallback, at the
 * library level: the AuSF on a real SBI server (HTTP/2, driven with the
 * curl CLI), the memory store standing in for Redis (a second store on the
 * same prefix plays the portal), a real session table (EAL without
 * hugepages) and the device's callback served by libmicrohttpd on
 * loopback. Devices are put in the store before the AuSF first sees it up,
 * so that its restore makes them its own, as after a restart.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <jansson.h>
#include <microhttpd.h>

#include "gg_auth.h"
#include "gg_ausf.h"
#include "gg_evloop.h"
#include "gg_fetch.h"
#include "gg_sbi.h"
#include "gg_session.h"
#include "gg_store.h"
#include "gg_store_memory.h"
#include "test_cunit.h"
#include "test_eal.h"

#define PREFIX "t-ausf:"
#define WAIT_MS 5000

#define RUN_UNTIL(cond, ms) __extension__ ({ \
	uint64_t end_ = gg_evloop_now_ms() + (ms); \
	while (!(cond) && gg_evloop_now_ms() < end_) \
		gg_evloop_run_once(loop, 5); \
	(cond); })

static struct rte_rcu_qsbr *qsv;
static struct gg_evloop *loop;
static struct gg_session_table *sessions;
static struct gg_auth_trust *trust;
static struct gg_fetch *fetch;
static struct gg_store *store;      /* the AuSF's */
static struct gg_store *portal;     /* the other writer, same data */
static struct gg_ausf *ausf;
static struct gg_sbi_server *sbi;
static struct MHD_Daemon *mhd;
static int mhd_port;
static char tmp[64];

/* ---- the device's callback (libmicrohttpd thread) ---- */

#define CB_MAX 16
static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char path[64];
	char ctype[64];
	char body[4096];
} cb_log[CB_MAX];
static atomic_int cb_count;
static atomic_int fail_first;   /* /cb/flaky: this many 500s first */

struct upload {
	size_t len;
	char body[4096];
};

static enum MHD_Result
cb_handler(void *cls, struct MHD_Connection *c, const char *url,
		const char *method, const char *version, const char *data,
		size_t *size, void **req)
{
	struct upload *u = *req;
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *ct;
	unsigned int status = 204;
	int n;

	(void)cls; (void)version; (void)method;
	if (u == NULL) {
		*req = calloc(1, sizeof(*u));
		return *req != NULL ? MHD_YES : MHD_NO;
	}
	if (*size != 0) {
		size_t k = *size < sizeof(u->body) - 1 - u->len ? *size :
				sizeof(u->body) - 1 - u->len;

		memcpy(u->body + u->len, data, k);
		u->len += k;
		*size = 0;
		return MHD_YES;
	}
	ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	pthread_mutex_lock(&cb_lock);
	n = atomic_load(&cb_count);
	if (n < CB_MAX) {
		snprintf(cb_log[n].path, sizeof(cb_log[n].path), "%s", url);
		snprintf(cb_log[n].ctype, sizeof(cb_log[n].ctype), "%s",
				ct != NULL ? ct : "");
		memcpy(cb_log[n].body, u->body, u->len + 1);
	}
	atomic_fetch_add(&cb_count, 1);
	pthread_mutex_unlock(&cb_lock);
	free(u);
	*req = NULL;
	if (strcmp(url, "/cb/broken") == 0)
		status = 500;
	if (strcmp(url, "/cb/flaky") == 0 && atomic_fetch_sub(&fail_first, 1) > 0)
		status = 500;
	r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Posts to @p path so far. */
static int
posts_to(const char *path)
{
	int i, n = 0, total;

	pthread_mutex_lock(&cb_lock);
	total = atomic_load(&cb_count);
	for (i = 0; i < total && i < CB_MAX; i++)
		n += strcmp(cb_log[i].path, path) == 0;
	pthread_mutex_unlock(&cb_lock);
	return n;
}

/* ---- SBI requests with the curl CLI, the loop running meanwhile ---- */

struct answer {
	int status;
	char allow[64];
	json_t *json;
};

static void
sbi_request(const char *method, const char *path, const char *body,
		struct answer *ans)
{
	char url[256], out[128], hdr[128], code[16] = "";
	pid_t pid;
	int st = 0, fd;
	FILE *f;

	memset(ans, 0, sizeof(*ans));
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s",
			gg_sbi_server_port(sbi), path);
	snprintf(out, sizeof(out), "%s/body", tmp);
	snprintf(hdr, sizeof(hdr), "%s/headers", tmp);
	pid = fork();
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 2);
		fd = open(hdr, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		if (body != NULL)
			execlp("curl", "curl", "-s", "--http2-prior-knowledge", "-D", "-",
					"-o", out, "-X", method, "-H",
					"Content-Type: application/json", "--data-binary",
					body, url, (char *)NULL);
		else
			execlp("curl", "curl", "-s", "--http2-prior-knowledge", "-D", "-",
					"-o", out, "-X", method, url, (char *)NULL);
		_exit(127);
	}
	CU_ASSERT_FATAL(pid > 0);
	{
		bool reaped = false;

		CU_ASSERT(RUN_UNTIL(reaped || (reaped = waitpid(pid, &st,
				WNOHANG) == pid), 10000));
	}
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	f = fopen(hdr, "r");
	if (f != NULL) {
		char line[256];

		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, "HTTP/2 %15s", code) == 1)
				ans->status = atoi(code);
			if (strncasecmp(line, "allow: ", 7) == 0)
				snprintf(ans->allow, sizeof(ans->allow), "%.*s",
						(int)strcspn(line + 7, "\r\n"), line + 7);
		}
		fclose(f);
	}
	ans->json = json_load_file(out, 0, NULL);
}

static const char *
jget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* ---- store helpers ---- */

struct done {
	int calls;
	enum gg_store_status st;
	struct gg_device_record rec;
};

static void
on_done(struct gg_store *s, enum gg_store_status st, void *arg)
{
	struct done *d = arg;

	(void)s;
	d->st = st;
	d->calls++;
}

static void
on_rec(struct gg_store *s, enum gg_store_status st,
		const struct gg_device_record *r, void *arg)
{
	struct done *d = arg;

	(void)s;
	d->st = st;
	if (r != NULL)
		d->rec = *r;
	d->calls++;
}

/* No CUnit assertion here: the fixture uses it too. */
static enum gg_store_status
wait_done(int ret, struct done *d)
{
	if (ret != 0 || !RUN_UNTIL(d->calls > 0, WAIT_MS))
		return GG_STORE_ERROR;
	return d->st;
}

static enum gg_device_state
stored_state(const char *id)
{
	static struct done d;

	memset(&d, 0, sizeof(d));
	if (wait_done(gg_store_get(portal, id, on_rec, &d), &d) != GG_STORE_OK)
		return GG_DEVICE_STATE_MAX;
	return d.rec.state;
}

/* A LIMITED device as the AuSF stored it; n picks address, TEID, id. */
static enum gg_store_status
put_device(const char *id, int n, const char *notify_path)
{
	static struct gg_device_record r;
	struct done d = { 0 };

	memset(&r, 0, sizeof(r));
	snprintf(r.identity, sizeof(r.identity), "%s", id);
	r.state = GG_DEVICE_LIMITED;
	r.ue_ipv4 = htonl(0x0a2d0010u + (uint32_t)n);
	r.ul_teid = 0x5000u + (uint32_t)n;
	r.dl_teid = 0xa00u + (uint32_t)n;
	r.gnb_ipv4 = htonl(0xc0a80a01u);
	snprintf(r.auth_ctx_id, sizeof(r.auth_ctx_id),
			"%032x", 0xc0ffee00u + (unsigned int)n);
	if (notify_path != NULL)
		snprintf(r.notify_uri, sizeof(r.notify_uri),
				"http://127.0.0.1:%d%s", mhd_port, notify_path);
	return wait_done(gg_store_put(portal, &r, on_done, &d), &d);
}

static enum gg_store_status
sign_up(const char *id, const char *supi, const char *profile)
{
	struct gg_subscription sub;
	struct done d = { 0 };

	memset(&sub, 0, sizeof(sub));
	snprintf(sub.identity, sizeof(sub.identity), "%s", id);
	snprintf(sub.supi, sizeof(sub.supi), "%s", supi);
	snprintf(sub.plan, sizeof(sub.plan), "p1");
	memset(sub.k_hex, 'a', 32);
	memset(sub.opc_hex, 'b', 32);
	memcpy(sub.amf_hex, "8000", 4);
	return wait_done(gg_store_provision(portal, &sub, profile,
			strlen(profile), on_done, &d), &d);
}

static enum gg_session_state
session_state(int n)
{
	const struct gg_session *s = gg_session_find(sessions, 0x5000u + (uint32_t)n);

	return s != NULL ? gg_session_state(s) : (enum gg_session_state)-1;
}

static struct gg_ausf_stats
stats(void)
{
	struct gg_ausf_stats st;

	gg_ausf_get_stats(ausf, &st);
	return st;
}

static void
ctx_path(char *buf, size_t len, int n, const char *suffix)
{
	snprintf(buf, len, GG_AUSF_ROOT "/%032x%s", 0xc0ffee00u + (unsigned int)n,
			suffix);
}

/* ---- fixture ---- */

static int
suite_init(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const union MHD_DaemonInfo *info;
	const char *pki = getenv("GG_TEST_PKI");
	static const char *cert_prefixes[] = { "http://127.0.0.1:1/" };
	static const char *notify_prefixes[] = { "http://127.0.0.1:" };
	struct gg_session_table_params tp = { .name = "t_ausf", .capacity = 64,
		.n_workers = 1, .socket_id = SOCKET_ID_ANY };
	struct gg_fetch_params fp = { .prefixes = cert_prefixes, .n_prefixes = 1 };
	struct gg_store_params sp = { .backend = "memory", .prefix = PREFIX };
	struct gg_ausf_params ap = { 0 };
	struct gg_ausf_deps ad = { 0 };
	struct gg_sbi_params bp = { 0 };
	char path[256], err[256];

	snprintf(tmp, sizeof(tmp), "/tmp/gg-ausf-XXXXXX");
	if (mkdtemp(tmp) == NULL)
		return -1;
	qsv = test_eal_init("ausf");
	loop = gg_evloop_create();
	if (qsv == NULL || loop == NULL)
		return -1;
	tp.qsv = qsv;
	sessions = gg_session_table_create(&tp);
	snprintf(path, sizeof(path), "%s/ca.pem", pki != NULL ? pki : "build/demo/pki");
	trust = gg_auth_trust_load(path, err, sizeof(err));
	fetch = gg_fetch_create(loop, &fp);
	if (sessions == NULL || trust == NULL || fetch == NULL) {
		fprintf(stderr, "test_ausf: setup failed (%s)\n", err);
		return -1;
	}
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
			MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL, cb_handler, NULL,
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
	info = mhd != NULL ? MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT) :
			NULL;
	if (info == NULL)
		return -1;
	mhd_port = info->port;

	/* The portal's view, and what the AuSF will restore. */
	portal = gg_store_open(&sp, loop);
	if (portal == NULL)
		return -1;
	if (put_device("dev-restored-provisioned", 1, "/cb/ok1") != GG_STORE_OK ||
			put_device("dev-event", 2, "/cb/flaky") != GG_STORE_OK ||
			put_device("dev-no-callback", 3, NULL) != GG_STORE_OK ||
			put_device("dev-broken", 4, "/cb/broken") != GG_STORE_OK ||
			put_device("dev-elsewhere", 5, "/cb/ok5") != GG_STORE_OK ||
			sign_up("dev-restored-provisioned", "imsi-001010000000001",
			"\x30\x82profile-one") != GG_STORE_OK)
		return -1;

	ap.n3_ipv4 = htonl(0xc0a80a02u);
	ap.ue_pool_ipv4 = htonl(0x0a2d0000u);
	ap.ue_pool_len = 24;
	ap.max_contexts = 64;
	ap.notify_uri_prefixes = notify_prefixes;
	ap.n_notify_uri_prefixes = 1;
	ap.push_retry_min_ms = 40;
	ap.push_retry_max_ms = 80;
	ap.push_give_up_s = 1;
	ad.loop = loop;
	ad.fetch = fetch;
	ad.trust = trust;
	ad.sessions = sessions;
	ausf = gg_ausf_create(&ap, &ad);
	if (ausf == NULL)
		return -1;
	sp.state_cb = gg_ausf_store_state;
	sp.state_arg = ausf;
	store = gg_store_open(&sp, loop);
	if (store == NULL)
		return -1;
	gg_ausf_set_store(ausf, store);
	bp.address = "127.0.0.1";
	sbi = gg_sbi_server_create(loop, &bp, gg_ausf_handle, ausf);
	if (sbi == NULL)
		return -1;
	return RUN_UNTIL(gg_ausf_restored(ausf), WAIT_MS) ? 0 : -1;
}

static int
suite_cleanup(void)
{
	char cmd[128];

	gg_fetch_free(fetch);
	gg_store_close(store);
	gg_ausf_free(ausf);
	gg_sbi_server_free(sbi);
	gg_store_close(portal);
	gg_auth_trust_free(trust);
	gg_session_table_free(sessions);
	if (mhd != NULL)
		MHD_stop_daemon(mhd);
	gg_evloop_free(loop);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- tests ---- */

static void
test_restore_requeues(void)
{
	struct answer ans;
	char p[128];
	json_t *o;

	/* Provisioned before this AuSF saw the store: its restore pushes. */
	CU_ASSERT(stats().restored == 5);
	CU_ASSERT(RUN_UNTIL(stored_state("dev-restored-provisioned") ==
				GG_DEVICE_FULL, WAIT_MS));
	CU_ASSERT(RUN_UNTIL(session_state(1) == GG_SESSION_FULL, WAIT_MS));
	CU_ASSERT(posts_to("/cb/ok1") == 1);
	pthread_mutex_lock(&cb_lock);
	CU_ASSERT_STRING_EQUAL(cb_log[0].ctype, "application/json");
	o = json_loads(cb_log[0].body, 0, NULL);
	pthread_mutex_unlock(&cb_lock);
	CU_ASSERT_FATAL(o != NULL);
	CU_ASSERT(json_object_size(o) == 4);
	CU_ASSERT_STRING_EQUAL(jget(o, "supiOrSuci"), "dev-restored-provisioned");
	CU_ASSERT_STRING_EQUAL(jget(o, "authCtxId"), "00000000000000000000000" "0c0ffee01");
	CU_ASSERT_STRING_EQUAL(jget(o, "supi"), "imsi-001010000000001");
	/* base64 of 30 82 "profile-one" */
	CU_ASSERT_STRING_EQUAL(jget(o, "profile"), "MIJwcm9maWxlLW9uZQ==");
	json_decref(o);
	CU_ASSERT(stats().push_attempts == 1 && stats().push_delivered == 1);
	ctx_path(p, sizeof(p), 1, "");
	sbi_request("GET", p, NULL, &ans);
	CU_ASSERT(ans.status == 200);
	CU_ASSERT_STRING_EQUAL(jget(json_object_get(ans.json, "pduSession"),
				"state"), "FULL");
	json_decref(ans.json);
}

static void
test_event_retry(void)
{
	struct gg_ausf_stats before = stats();

	atomic_store(&fail_first, 2);
	CU_ASSERT(session_state(2) == GG_SESSION_LIMITED);
	CU_ASSERT(sign_up("dev-event", "imsi-001010000000002", "abc") ==
			GG_STORE_OK);
	CU_ASSERT(RUN_UNTIL(session_state(2) == GG_SESSION_FULL, WAIT_MS));
	CU_ASSERT(stored_state("dev-event") == GG_DEVICE_FULL);
	CU_ASSERT(posts_to("/cb/flaky") == 3);
	CU_ASSERT(stats().push_attempts - before.push_attempts == 3);
	CU_ASSERT(stats().push_failed - before.push_failed == 2);
	CU_ASSERT(stats().push_retry_scheduled - before.push_retry_scheduled == 2);
	CU_ASSERT(stats().push_delivered - before.push_delivered == 1);
}

static void
test_fallback_get(void)
{
	struct gg_ausf_stats before = stats();
	struct answer ans;
	char p[128];

	ctx_path(p, sizeof(p), 3, "/profile");
	sbi_request("GET", p, NULL, &ans);
	CU_ASSERT(ans.status == 404);
	CU_ASSERT_STRING_EQUAL(jget(ans.json, "cause"), "PROFILE_NOT_FOUND");
	json_decref(ans.json);
	sbi_request("DELETE", p, NULL, &ans);
	CU_ASSERT(ans.status == 405);
	CU_ASSERT_STRING_EQUAL(ans.allow, "GET");
	json_decref(ans.json);

	CU_ASSERT(sign_up("dev-no-callback", "imsi-001010000000003", "xyz!") ==
			GG_STORE_OK);
	/* No callback: nothing posted; the context says PROVISIONED. */
	ctx_path(p, sizeof(p), 3, "");
	RUN_UNTIL(false, 100);
	sbi_request("GET", p, NULL, &ans);
	CU_ASSERT(ans.status == 200);
	CU_ASSERT_STRING_EQUAL(jget(json_object_get(ans.json, "pduSession"),
				"state"), "PROVISIONED");
	json_decref(ans.json);
	CU_ASSERT(session_state(3) == GG_SESSION_LIMITED);
	CU_ASSERT(stats().push_attempts == before.push_attempts);

	ctx_path(p, sizeof(p), 3, "/profile");
	sbi_request("GET", p, NULL, &ans);
	CU_ASSERT(ans.status == 200);
	CU_ASSERT_STRING_EQUAL(jget(ans.json, "supi"), "imsi-001010000000003");
	CU_ASSERT_STRING_EQUAL(jget(ans.json, "profile"), "eHl6IQ==");
	CU_ASSERT_STRING_EQUAL(jget(ans.json, "supiOrSuci"), "dev-no-callback");
	json_decref(ans.json);
	CU_ASSERT(RUN_UNTIL(session_state(3) == GG_SESSION_FULL, WAIT_MS));
	CU_ASSERT(stored_state("dev-no-callback") == GG_DEVICE_FULL);
	CU_ASSERT(stats().push_fallback_fetch - before.push_fallback_fetch == 1);
	/* Served again once full, not counted again. */
	sbi_request("GET", p, NULL, &ans);
	CU_ASSERT(ans.status == 200);
	json_decref(ans.json);
	CU_ASSERT(stats().push_fallback_fetch - before.push_fallback_fetch == 1);
}

static void
test_give_up(void)
{
	struct gg_ausf_stats before = stats();

	CU_ASSERT(sign_up("dev-broken", "imsi-001010000000004", "p") ==
			GG_STORE_OK);
	/* push_give_up_s is 1 here: tries every 20..80 ms, then stops. */
	CU_ASSERT(RUN_UNTIL(stats().push_given_up > before.push_given_up, 3000));
	CU_ASSERT(posts_to("/cb/broken") >= 5);
	{
		int n = posts_to("/cb/broken");

		RUN_UNTIL(false, 300);
		CU_ASSERT(posts_to("/cb/broken") == n);
	}
	CU_ASSERT(stored_state("dev-broken") == GG_DEVICE_PROVISIONED);
	CU_ASSERT(session_state(4) == GG_SESSION_LIMITED);
}

static void
test_not_ours(void)
{
	static struct gg_device_record r;
	struct done d = { 0 };

	/* Another appliance authenticated the device since: its record
	 * names another context; this AuSF does not push. */
	memset(&d, 0, sizeof(d));
	CU_ASSERT(wait_done(gg_store_get(portal, "dev-elsewhere", on_rec, &d),
				&d) == GG_STORE_OK);
	r = d.rec;
	memset(r.auth_ctx_id, 'f', 32);
	memset(&d, 0, sizeof(d));
	CU_ASSERT(wait_done(gg_store_put(portal, &r, on_done, &d), &d) ==
			GG_STORE_OK);
	CU_ASSERT(sign_up("dev-elsewhere", "imsi-001010000000005", "q") ==
			GG_STORE_OK);
	RUN_UNTIL(false, 300);
	CU_ASSERT(posts_to("/cb/ok5") == 0);
	CU_ASSERT(stored_state("dev-elsewhere") == GG_DEVICE_PROVISIONED);
}

static void
test_notify_uri_checks(void)
{
	static const char *const refused[] = { "http://203.0.113.9/cb",
		"http://127.0.0.1/cb", "https://127.0.0.1:9/cb" };
	static const char *const bad[] = { "http://127.0.0.1:9/a/../b",
		"http://u@127.0.0.1:9/cb", "ftp://127.0.0.1:9/", "" };
	struct gg_ausf_stats before = stats();
	struct answer ans;
	char body[512];
	size_t i;

	for (i = 0; i < RTE_DIM(refused); i++) {
		snprintf(body, sizeof(body), "{\"supiOrSuci\":\"dev-x\","
				"\"servingNetworkName\":\"5G:mnc001.mcc001.3gppnetwork.org\","
				"\"certificateUrl\":\"http://127.0.0.1:1/x\","
				"\"anTunnelInfo\":{\"ipv4Addr\":\"192.168.10.1\","
				"\"gtpTeid\":\"00000a01\"},\"profileNotifyUri\":\"%s\"}",
				refused[i]);
		sbi_request("POST", GG_AUSF_ROOT, body, &ans);
		CU_ASSERT(ans.status == 403);
		CU_ASSERT_STRING_EQUAL(jget(ans.json, "cause"),
				"NOTIFY_URI_NOT_ALLOWED");
		json_decref(ans.json);
	}
	for (i = 0; i < RTE_DIM(bad); i++) {
		snprintf(body, sizeof(body), "{\"supiOrSuci\":\"dev-x\","
				"\"servingNetworkName\":\"5G:mnc001.mcc001.3gppnetwork.org\","
				"\"certificateUrl\":\"http://127.0.0.1:1/x\","
				"\"anTunnelInfo\":{\"ipv4Addr\":\"192.168.10.1\","
				"\"gtpTeid\":\"00000a01\"},\"profileNotifyUri\":\"%s\"}",
				bad[i]);
		sbi_request("POST", GG_AUSF_ROOT, body, &ans);
		CU_ASSERT(ans.status == 400);
		CU_ASSERT_STRING_EQUAL(jget(ans.json, "cause"),
				"MANDATORY_IE_INCORRECT");
		CU_ASSERT_STRING_EQUAL(jget(json_array_get(json_object_get(ans.json,
				"invalidParams"), 0), "param"), "/profileNotifyUri");
		json_decref(ans.json);
	}
	CU_ASSERT(stats().rejected_notify_uri - before.rejected_notify_uri == 3);
	CU_ASSERT(stats().created == before.created);
}


/* ---- the plain AuthenticationInfo reader against jansson ---------------- */

/* The AuSF's own schema (lib/ausf/ausf_post.c). */
#define plain_spec gg_ausf_auth_info_fields
#define PLAIN_N GG_AUSF_AUTH_INFO_FIELDS

/*
 * Read @p body both ways. When the plain reader takes it, jansson must
 * parse it (duplicates refused) to an object with exactly those members,
 * and the getters must accept each with the same value: the fast path
 * may only take what the reference would take, the same way. Returns the
 * plain reader's verdict.
 */
static int
plain_vs_jansson(const char *body, size_t len)
{
	struct gg_sbi_json_field f[PLAIN_N];
	char buf[2400];
	json_t *j, *inv, *tunnel = NULL;
	unsigned int i, top = 0, sub = 0;
	int rc;

	memcpy(f, plain_spec, sizeof(f));
	rc = gg_sbi_json_read_plain((const uint8_t *)body, len, f, PLAIN_N, buf,
			sizeof(buf));
	if (rc != 0)
		return rc;
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	CU_ASSERT_FATAL(json_is_object(j));
	inv = json_array();
	for (i = 0; i < PLAIN_N; i++) {
		const json_t *obj = plain_spec[i].parent < 0 ? j : tunnel;
		const char *v = NULL;

		if (plain_spec[i].parent >= 0 && tunnel == NULL) {
			CU_ASSERT(!f[i].present);
			continue;
		}
		if (plain_spec[i].object) {
			CU_ASSERT(gg_sbi_json_get_object(obj, NULL, plain_spec[i].name,
					plain_spec[i].required, &tunnel, inv) == 0);
			CU_ASSERT((tunnel != NULL) == f[i].present);
		} else {
			CU_ASSERT(gg_sbi_json_get_string(obj, NULL, plain_spec[i].name,
					plain_spec[i].required, plain_spec[i].max_len,
					&v, inv) == 0);
			CU_ASSERT((v != NULL) == f[i].present);
			if (v != NULL && f[i].value != NULL)
				CU_ASSERT_STRING_EQUAL(v, f[i].value);
		}
		if (f[i].present)
			plain_spec[i].parent < 0 ? top++ : sub++;
	}
	CU_ASSERT(json_array_size(inv) == 0);
	CU_ASSERT(json_object_size(j) == top);
	CU_ASSERT(tunnel == NULL || json_object_size(tunnel) == sub);
	json_decref(inv);
	json_decref(j);
	return rc;
}

#define PB(supi, extra) "{\"supiOrSuci\":" supi ",\"servingNetworkName\":\"5G:mnc001.mcc001.3gppnetwork.org\"," \
	"\"certificateUrl\":\"http://127.0.0.1:8080/dev/x.pem\"," \
	"\"anTunnelInfo\":{\"ipv4Addr\":\"192.0.2.10\",\"gtpTeid\":\"00001000\"}" extra "}"

static void
test_plain_reader(void)
{
	static const struct {
		const char *body;
		int plain;     /* 1: the plain reader must take it */
	} corpus[] = {
		{ PB("\"nai-1@maker.example\"", ""), 1 },
		{ " \t\r\n" PB("\"nai-1@maker.example\"", "") " \n", 1 },
		{ PB("\"nai-1@maker.example\"", ",\"profileNotifyUri\":\"http://127.0.0.1:9/cb\""), 1 },
		{ "{ \"anTunnelInfo\" : { \"gtpTeid\" : \"00001000\" , \"ipv4Addr\" : \"192.0.2.10\" } ,"
		  " \"certificateUrl\" : \"http://h/x\" , \"servingNetworkName\" : \"5G:x\" ,"
		  " \"supiOrSuci\" : \"a b~\" }", 1 },
		/* escapes and unicode: jansson's */
		{ PB("\"nai-1\\u0040maker.example\"", ""), 0 },
		{ PB("\"nai\\\"1\"", ""), 0 },
		{ PB("\"nai\\u0000x\"", ""), 0 },
		{ PB("\"nai-\xc3\xa9\"", ""), 0 },
		{ PB("\"nai-\xc3\"", ""), 0 },
		{ PB("\"nai-\xed\xa0\x80\"", ""), 0 },
		{ PB("\"nai\x01\"", ""), 0 },
		{ PB("\"nai\x7f\"", ""), 0 },
		{ "{\"supiOrSuc\\u0069\":\"x\",\"servingNetworkName\":\"5G:x\",\"certificateUrl\":\"http://h/x\","
		  "\"anTunnelInfo\":{\"ipv4Addr\":\"192.0.2.10\",\"gtpTeid\":\"00001000\"}}", 0 },
		/* duplicates, at both levels */
		{ PB("\"a\"", ",\"supiOrSuci\":\"b\""), 0 },
		{ "{\"supiOrSuci\":\"a\",\"servingNetworkName\":\"5G:x\",\"certificateUrl\":\"http://h/x\","
		  "\"anTunnelInfo\":{\"ipv4Addr\":\"192.0.2.10\",\"ipv4Addr\":\"192.0.2.11\",\"gtpTeid\":\"00001000\"}}", 0 },
		/* nesting, other types, huge numbers, extra members */
		{ PB("{\"x\":\"y\"}", ""), 0 },
		{ PB("[\"a\"]", ""), 0 },
		{ PB("12", ""), 0 },
		{ PB("null", ""), 0 },
		{ PB("\"a\"", ",\"n\":123456789012345678901234567890"), 0 },
		{ PB("\"a\"", ",\"n\":1e999999"), 0 },
		{ PB("\"a\"", ",\"extra\":\"x\""), 0 },
		{ PB("\"a\"", ",\"anTunnelInfo\":{}"), 0 },
		{ "{\"supiOrSuci\":\"a\",\"servingNetworkName\":\"5G:x\",\"certificateUrl\":\"http://h/x\","
		  "\"anTunnelInfo\":{\"ipv4Addr\":\"192.0.2.10\",\"gtpTeid\":\"00001000\",\"x\":{}}}", 0 },
		{ "{\"supiOrSuci\":\"a\",\"servingNetworkName\":\"5G:x\",\"certificateUrl\":\"http://h/x\","
		  "\"anTunnelInfo\":{\"ipv4Addr\":\"192.0.2.10\",\"gtpTeid\":{\"ipv4Addr\":\"1\"}}}", 0 },
		/* missing, empty, too long */
		{ "{\"supiOrSuci\":\"a\",\"servingNetworkName\":\"5G:x\",\"certificateUrl\":\"http://h/x\"}", 0 },
		{ "{\"supiOrSuci\":\"a\",\"servingNetworkName\":\"5G:x\",\"certificateUrl\":\"http://h/x\","
		  "\"anTunnelInfo\":{\"ipv4Addr\":\"192.0.2.10\"}}", 0 },
		{ PB("\"\"", ""), 0 },
		{ "{\"supiOrSuci\":\"a\",\"servingNetworkName\":\"5G:x\",\"certificateUrl\":\"http://h/x\","
		  "\"anTunnelInfo\":{\"ipv4Addr\":\"192.000.002.1000\",\"gtpTeid\":\"00001000\"}}", 0 },
		{ "{}", 0 },
		{ "", 0 },
		/* not JSON, or more than one value */
		{ PB("\"a\"", ","), 0 },
		{ PB("\"a\"", "") "{}", 0 },
		{ PB("\"a\"", "") "x", 0 },
		{ "[" PB("\"a\"", "") "]", 0 },
		{ "\xef\xbb\xbf" PB("\"a\"", ""), 0 },
		{ PB("'a'", ""), 0 },
		{ PB("\"a\"", "") "\f", 0 },
	};
	char base[] = PB("\"nai-load000000@maker.example\"", "");
	static const char alphabet[] = "\"\\{}[]:, 0a9eE-+.tnulfU\t\n\r\x00\x01\x7f\x80\xc3\xff";
	char m[sizeof(base) + 8];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned int i, taken = 0;

	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		int rc = plain_vs_jansson(corpus[i].body, strlen(corpus[i].body));

		if ((rc == 0) != corpus[i].plain)
			fprintf(stderr, "plain reader: corpus %u: %d\n", i, rc);
		CU_ASSERT((rc == 0) == corpus[i].plain);
	}
	/* A body with a NUL inside (json_loadb takes a length). */
	CU_ASSERT(plain_vs_jansson(base, sizeof(base)) != 0);
	/* Mutations of the common body: whatever the plain reader takes,
	 * jansson takes the same way. */
	for (i = 0; i < 200000; i++) {
		size_t len = sizeof(base) - 1, at, k, edits = 1 + (x >> 60) % 3;

		memcpy(m, base, len);
		for (k = 0; k < edits; k++) {
			char c;

			x = x * 6364136223846793005ull + 1442695040888963407ull;
			at = (size_t)(x >> 33) % len;
			c = alphabet[(x >> 20) % (sizeof(alphabet) - 1)];
			switch ((x >> 10) % 3) {
			case 0:
				m[at] = c;
				break;
			case 1:
				memmove(m + at, m + at + 1, len - at - 1);
				len--;
				break;
			default:
				if (len + 1 >= sizeof(m))
					break;
				memmove(m + at + 1, m + at, len - at);
				m[at] = c;
				len++;
				break;
			}
		}
		taken += plain_vs_jansson(m, len) == 0;
	}
	/* Some mutations stay plain (a changed letter in a value). */
	CU_ASSERT(taken > 1000);
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "restore re-queues a provisioned device", test_restore_requeues },
		{ "event, two failures, retried, delivered", test_event_retry },
		{ "no callback: the GET fallback delivers", test_fallback_get },
		{ "a callback that never works: given up", test_give_up },
		{ "a device authenticated elsewhere: no push", test_not_ours },
		{ "profileNotifyUri refused and malformed", test_notify_uri_checks },
		{ "plain AuthenticationInfo reader agrees with jansson", test_plain_reader },
	};

	return test_cunit_main("ausf", suite_init, suite_cleanup, TEST_CASES(tests));
}
