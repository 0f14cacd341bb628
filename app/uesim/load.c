/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gg-uesim load: a load generator for the AuSF. N devices with keys and
 * certificates made before the clock starts (EC P-256, issued by the
 * manufacturer CA given, written to --cert-dir for a CA web server to
 * serve under --cert-url), C HTTP/2 connections (cleartext, or TLS with a
 * client certificate), S authentications in flight on each; every flow is
 * either the full one-way authentication (POST, sign the challenge, PUT)
 * or the challenge only (POST). Bounded by --count and --duration; prints
 * the authentications per second and the p50/p99/p999 latency of a flow.
 *
 * One thread, one epoll, nghttp2 sessions driven with mem_recv/mem_send;
 * TLS with OpenSSL on the sockets (connected and handshaken before the
 * clock starts, non-blocking afterwards). --rate bounds the flows started
 * per second (open loop, for a "legitimate device" beside a flood); the
 * latency then counts from the flow's planned start, so a stalled server
 * shows in it rather than slowing the schedule down.
 *
 * Limits: http(s) with an IP literal host only (no name resolution); a
 * connection that fails is not reopened (its flows count as failed);
 * answers over 64 KiB are cut.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "gg_auth.h"
#include "uesim.h"

#define CMD "load"
#define BODY_MAX 65536
#define MAX_CONNS 1024
#define MAX_STREAMS 256
#define MAX_DEVICES 1000000UL     /* each holds a key and a certificate */
#define MAX_COUNT 1000000000000UL
#define MAX_DURATION_S 86400.0
#define MAX_RATE 10000000.0

enum {
	OPT_DEVICES = UESIM_OPT_CMD_FIRST, OPT_CONNS, OPT_STREAMS, OPT_COUNT,
	OPT_DURATION, OPT_MODE, OPT_CA_CERT, OPT_CA_KEY, OPT_CERT_DIR,
	OPT_CERT_URL, OPT_SNN, OPT_TLS_CA, OPT_TLS_CERT, OPT_TLS_KEY, OPT_BIND,
	OPT_RATE, OPT_PREFIX, OPT_WARMUP,
};

struct device {
	char identity[64];
	char cert_url[512];
	EVP_PKEY *key;
	int busy;                 /* a flow of it is under way */
};

struct conn;

/* One authentication (or challenge) under way. */
struct flow {
	struct conn *conn;
	struct device *dev;
	int phase;                /* 0 POST, 1 PUT */
	uint64_t t0_ns;           /* planned start */
	int32_t stream_id;
	int status;
	char location[256];
	char *body;               /* answer body */
	size_t len;
	char *req;                /* request body being sent */
	size_t req_len, req_off;
	TAILQ_ENTRY(flow) link;   /* conn->flows */
};

struct conn {
	int fd;
	SSL *ssl;
	nghttp2_session *h2;
	int in_flight;
	bool dead;
	bool want_write;          /* unsent output waiting for EPOLLOUT */
	uint8_t *out;             /* bytes nghttp2 gave that the socket did not take */
	size_t out_len, out_off;
	TAILQ_HEAD(, flow) flows; /* under way on this connection */
};

struct load {
	struct uesim_common common;
	char scheme[8];
	char authority[300];
	struct sockaddr_storage addr;
	socklen_t addr_len;
	const char *bind_addr;
	bool full;
	unsigned int n_devices, n_conns, n_streams;
	uint64_t count;           /* flows to complete; 0: no bound */
	double duration;          /* seconds; 0: no bound */
	double rate;              /* flows started per second; 0: as fast as possible */
	const char *snn;
	const char *prefix;       /* identity prefix */
	struct device *devs;
	unsigned int next_dev;
	struct conn *conns;
	SSL_CTX *tls;
	int ep;
	/* Results. */
	uint64_t started, ok, failed;
	uint64_t status_counts[6]; /* by hundreds: 0 (no answer), 1xx..5xx */
	double *lat_ms;
	size_t n_lat, cap_lat;
	uint64_t t_begin_ns, next_start_ns;
	bool stopping;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A value that does not read: a usage error naming the option. */
static int
bad_option(const char *prog, const char *opt, const char *value)
{
	fprintf(stderr, "%s: %s: not a value in range: '%s' (see --help)\n",
			prog, opt, value);
	return UESIM_EXIT_USAGE;
}

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: " UESIM_PROG " " CMD " --sbi URL --ca-cert PEM --ca-key PEM\n"
		"           --cert-dir DIR --cert-url URL [options]\n"
		"\n"
		"Authenticate many devices against the AuSF and measure it: prints\n"
		"authentications per second and the p50/p99/p999 latency.\n"
		"\n"
		"Options:\n"
		UESIM_COMMON_USAGE
		"      --devices N        devices (keys, certificates) made up front (100)\n"
		"      --connections C    HTTP/2 connections (4)\n"
		"      --streams S        flows in flight per connection (8)\n"
		"      --count N          stop after N flows (1000; 0: no bound)\n"
		"      --duration SEC     stop after SEC seconds (0: no bound)\n"
		"      --mode MODE        full (POST, sign, PUT; default) or challenge (POST)\n"
		"      --rate R           start at most R flows per second (open loop)\n"
		"      --ca-cert PEM      manufacturer CA that issues the device certificates\n"
		"      --ca-key PEM       its key\n"
		"      --cert-dir DIR     where the certificates are written\n"
		"      --cert-url URL     where the AuSF fetches them: URL + file name\n"
		"      --identity-prefix P  device identities P<n>@maker.example\n"
		"                         (default nai-load)\n"
		"      --snn NAME         serving network name\n"
		"                         (5G:mnc001.mcc001.3gppnetwork.org)\n"
		"      --tls-ca PEM       https: the CA of the AuSF's certificate\n"
		"      --tls-cert PEM     https: our NF client certificate (mutual TLS)\n"
		"      --tls-key PEM      its key\n"
		"      --bind ADDR        source address (IPv4), e.g. another loopback one\n");
}

/* ---- devices: keys and certificates, made before the clock starts ---- */

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (e == NULL)
		return -1;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok == 1 ? 0 : -1;
}

/*
 * Device @p i: its key and certificate from an earlier run when both are
 * there (the AuSF may hold the certificate in its cache: a new key would
 * not match it), else made now. Keys go to a folder beside the
 * certificates' ("DIR.keys"), not into the one the CA server publishes.
 */
static int
make_device(struct load *L, struct device *d, unsigned int i, X509 *ca,
		EVP_PKEY *ca_key, const char *dir, const char *url)
{
	char name[64], path[1024], kpath[1100], san[128], err[128];
	X509 *x;
	X509_NAME *n;
	FILE *f;
	int rc = -1;

	snprintf(d->identity, sizeof(d->identity), "%s%06u@maker.example",
			L->prefix, i);
	snprintf(name, sizeof(name), "%s%06u.pem", L->prefix, i);
	snprintf(d->cert_url, sizeof(d->cert_url), "%s%s", url, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(kpath, sizeof(kpath), "%s.keys/%s%06u.key", dir, L->prefix, i);
	if (access(path, R_OK) == 0 && access(kpath, R_OK) == 0) {
		d->key = gg_auth_key_load(kpath, err, sizeof(err));
		if (d->key != NULL)
			return 0;
	}
	x = X509_new();
	d->key = EVP_EC_gen("P-256");
	if (x == NULL || d->key == NULL)
		goto out;
	f = fopen(kpath, "w");
	if (f == NULL)
		goto out;
	fchmod(fileno(f), 0600);
	if (PEM_write_PrivateKey(f, d->key, NULL, NULL, 0, NULL, NULL) != 1) {
		fclose(f);
		goto out;
	}
	fclose(f);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(now_ns() / 1000 % 1000000000) + i);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
			(const unsigned char *)"Maker Example", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
			(const unsigned char *)d->identity, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(ca));
	X509_set_pubkey(x, d->key);
	snprintf(san, sizeof(san), "URI:urn:gardengate:device:%s", d->identity);
	if (add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
			add_ext(x, ca, NID_key_usage, "critical,digitalSignature") != 0 ||
			add_ext(x, ca, NID_ext_key_usage, "clientAuth") != 0 ||
			add_ext(x, ca, NID_subject_alt_name, san) != 0 ||
			X509_sign(x, ca_key, EVP_sha256()) == 0)
		goto out;
	f = fopen(path, "w");
	if (f == NULL)
		goto out;
	rc = PEM_write_X509(f, x) == 1 ? 0 : -1;
	if (fclose(f) != 0)
		rc = -1;
out:
	X509_free(x);
	return rc;
}

static int
make_devices(struct load *L, const char *ca_cert, const char *ca_key,
		const char *dir, const char *url)
{
	char err[1100];
	EVP_PKEY *key = gg_auth_key_load(ca_key, err, sizeof(err));
	X509 *ca = NULL;
	FILE *f = fopen(ca_cert, "r");
	unsigned int i;

	if (f != NULL) {
		ca = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (key == NULL || ca == NULL) {
		fprintf(stderr, UESIM_PROG " " CMD ": cannot read %s / %s%s%s\n",
				ca_cert, ca_key, key == NULL ? ": " : "",
				key == NULL ? err : "");
		EVP_PKEY_free(key);
		X509_free(ca);
		return -1;
	}
	snprintf(err, sizeof(err), "%s.keys", dir);
	mkdir(dir, 0755);
	mkdir(err, 0700);
	L->devs = calloc(L->n_devices, sizeof(*L->devs));
	for (i = 0; L->devs != NULL && i < L->n_devices; i++)
		if (make_device(L, &L->devs[i], i, ca, key, dir, url) != 0) {
			fprintf(stderr, UESIM_PROG " " CMD ": cannot make device %u in %s\n",
					i, dir);
			break;
		}
	EVP_PKEY_free(key);
	X509_free(ca);
	return L->devs != NULL && i == L->n_devices ? 0 : -1;
}

/* ---- connections ---- */

static int
conn_write_out(struct load *L, struct conn *c)
{
	while (c->out_off < c->out_len) {
		size_t n = c->out_len - c->out_off;
		ssize_t w;

		if (c->ssl != NULL) {
			int r = SSL_write(c->ssl, c->out + c->out_off, (int)n);

			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);

				ERR_clear_error();
				if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
					break;
				return -1;
			}
			w = r;
		} else {
			w = send(c->fd, c->out + c->out_off, n, MSG_NOSIGNAL);
			if (w < 0) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				return -1;
			}
		}
		c->out_off += (size_t)w;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->want_write != (c->out_len != 0)) {
		struct epoll_event ev = { .events = EPOLLIN |
			(c->out_len != 0 ? EPOLLOUT : 0), .data.ptr = c };

		c->want_write = c->out_len != 0;
		epoll_ctl(L->ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
	return 0;
}

/* Move what nghttp2 wants to send to the socket. */
static int
conn_flush(struct load *L, struct conn *c)
{
	for (;;) {
		const uint8_t *data;
		ssize_t n;

		if (c->out_len > 0 && conn_write_out(L, c) != 0)
			return -1;
		if (c->out_len > 0)
			return 0; /* the socket is full: EPOLLOUT */
		n = nghttp2_session_mem_send(c->h2, &data);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		c->out = realloc(c->out, (size_t)n);
		if (c->out == NULL)
			return -1;
		memcpy(c->out, data, (size_t)n);
		c->out_len = (size_t)n;
		c->out_off = 0;
	}
}

static void flow_next(struct load *L, struct flow *fl);
static void start_flows(struct load *L);

static ssize_t
req_read(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t len,
		uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	struct flow *fl = src->ptr;
	size_t n = fl->req_len - fl->req_off;

	(void)s;
	(void)sid;
	(void)ud;
	if (n > len)
		n = len;
	memcpy(buf, fl->req + fl->req_off, n);
	fl->req_off += n;
	if (fl->req_off == fl->req_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), \
	NGHTTP2_NV_FLAG_NONE }

static int
submit(struct load *L, struct flow *fl, const char *method, const char *path,
		char *body)
{
	nghttp2_data_provider prd = { .source.ptr = fl, .read_callback = req_read };
	char clen[24];

	free(fl->req);
	fl->req = body;
	fl->req_len = strlen(body);
	fl->req_off = 0;
	snprintf(clen, sizeof(clen), "%zu", fl->req_len);
	free(fl->body);
	fl->body = NULL;
	fl->len = 0;
	fl->status = 0;
	fl->location[0] = '\0';
	{
		/* nghttp2 copies names and values. */
		nghttp2_nv nv[] = {
			NV(":method", method), NV(":scheme", L->scheme),
			NV(":authority", L->authority), NV(":path", path),
			NV("content-type", "application/json"),
			NV("content-length", clen),
		};

		fl->stream_id = nghttp2_submit_request(fl->conn->h2, NULL, nv,
				sizeof(nv) / sizeof(nv[0]), &prd, fl);
	}
	return fl->stream_id < 0 ? -1 : 0;
}

static void
flow_end(struct load *L, struct flow *fl, bool ok)
{
	uint64_t t = now_ns();

	fl->dev->busy = 0;
	fl->conn->in_flight--;
	TAILQ_REMOVE(&fl->conn->flows, fl, link);
	if (fl->status > 0 && fl->status < 600)
		L->status_counts[fl->status / 100]++;
	else
		L->status_counts[0]++;
	if (ok) {
		L->ok++;
		if (L->n_lat == L->cap_lat) {
			size_t cap = L->cap_lat != 0 ? L->cap_lat * 2 : 4096;
			double *p = realloc(L->lat_ms, cap * sizeof(*p));

			if (p != NULL) {
				L->lat_ms = p;
				L->cap_lat = cap;
			}
		}
		if (L->n_lat < L->cap_lat)
			L->lat_ms[L->n_lat++] = (double)(t - fl->t0_ns) / 1e6;
	} else {
		L->failed++;
		if (L->common.verbose)
			fprintf(stderr, "flow of %s: phase %d, status %d: %.200s\n",
					fl->dev->identity, fl->phase, fl->status,
					fl->body != NULL ? fl->body : "");
	}
	free(fl->body);
	free(fl->req);
	free(fl);
}

/* A stream of @p fl ended: go on with the flow or end it. */
static void
flow_next(struct load *L, struct flow *fl)
{
	uint8_t chal[64], tbs[GG_AUTH_TBS_MAX], sig[GG_AUTH_SIG_MAX];
	char sig_text[GG_AUTH_SIG_MAX * 2], path[300], *body;
	const char *c;
	json_t *j = NULL;
	size_t tbs_len, sig_len = sizeof(sig);
	ssize_t clen;

	if (fl->phase == 1) {
		j = fl->body != NULL ? json_loads(fl->body, 0, NULL) : NULL;
		c = json_string_value(json_object_get(j, "authResult"));
		flow_end(L, fl, fl->status == 200 && c != NULL &&
				strcmp(c, "AUTHENTICATION_SUCCESS") == 0);
		json_decref(j);
		return;
	}
	if (fl->status != 201 || fl->location[0] == '\0') {
		flow_end(L, fl, false);
		return;
	}
	if (!L->full) {
		flow_end(L, fl, true);
		return;
	}
	j = json_loads(fl->body != NULL ? fl->body : "", 0, NULL);
	c = json_string_value(json_object_get(json_object_get(j, "oneWayAuthData"),
			"challenge"));
	clen = c != NULL ? gg_auth_b64url_decode(c, chal, sizeof(chal)) : -1;
	json_decref(j);
	if (clen <= 0 || (tbs_len = gg_auth_tbs(tbs, sizeof(tbs), chal,
			(size_t)clen, L->snn, fl->dev->identity)) == 0 ||
			gg_auth_sign(fl->dev->key, tbs, tbs_len, sig, &sig_len) != 0 ||
			gg_auth_b64url_encode(sig, sig_len, sig_text,
				sizeof(sig_text)) == 0) {
		flow_end(L, fl, false);
		return;
	}
	snprintf(path, sizeof(path), "%s/one-way-confirmation", fl->location);
	body = malloc(strlen(sig_text) + 32);
	if (body == NULL) {
		flow_end(L, fl, false);
		return;
	}
	sprintf(body, "{\"signature\":\"%s\"}", sig_text);
	fl->phase = 1;
	if (submit(L, fl, "PUT", path, body) != 0)
		flow_end(L, fl, false);
}

static int
on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
		size_t nl, const uint8_t *value, size_t vl, uint8_t flags, void *ud)
{
	struct flow *fl;

	(void)flags;
	(void)ud;
	if (f->hd.type != NGHTTP2_HEADERS)
		return 0;
	fl = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	if (fl == NULL)
		return 0;
	if (nl == 7 && memcmp(name, ":status", 7) == 0)
		fl->status = atoi((const char *)value);
	else if (nl == 8 && memcmp(name, "location", 8) == 0 &&
			vl < sizeof(fl->location)) {
		memcpy(fl->location, value, vl);
		fl->location[vl] = '\0';
	}
	return 0;
}

static int
on_data(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *data,
		size_t len, void *ud)
{
	struct flow *fl = nghttp2_session_get_stream_user_data(s, sid);
	char *b;

	(void)flags;
	(void)ud;
	if (fl == NULL || fl->len + len > BODY_MAX)
		return 0;
	b = realloc(fl->body, fl->len + len + 1);
	if (b == NULL)
		return 0;
	memcpy(b + fl->len, data, len);
	fl->len += len;
	b[fl->len] = '\0';
	fl->body = b;
	return 0;
}

static int
on_close(nghttp2_session *s, int32_t sid, uint32_t code, void *ud)
{
	struct load *L = ud;
	struct flow *fl = nghttp2_session_get_stream_user_data(s, sid);

	(void)code;
	if (fl != NULL && fl->stream_id == sid) {
		nghttp2_session_set_stream_user_data(s, sid, NULL);
		flow_next(L, fl);
	}
	return 0;
}

static int
tcp_connect(struct load *L)
{
	int fd = socket(L->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return -1;
	if (L->bind_addr != NULL) {
		struct sockaddr_in b = { .sin_family = AF_INET };

		if (inet_pton(AF_INET, L->bind_addr, &b.sin_addr) != 1 ||
				bind(fd, (struct sockaddr *)&b, sizeof(b)) != 0) {
			close(fd);
			return -1;
		}
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&L->addr, L->addr_len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
conn_open(struct load *L, struct conn *c, nghttp2_session_callbacks *cbs)
{
	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, MAX_STREAMS },
	};
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	TAILQ_INIT(&c->flows);
	c->fd = tcp_connect(L);
	if (c->fd < 0)
		return -1;
	if (L->tls != NULL) {
		const unsigned char *alpn = NULL;
		unsigned int alpn_len = 0;

		/* Blocking handshake: before the clock starts. */
		c->ssl = SSL_new(L->tls);
		if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1 ||
				SSL_connect(c->ssl) != 1) {
			ERR_print_errors_fp(stderr);
			return -1;
		}
		SSL_get0_alpn_selected(c->ssl, &alpn, &alpn_len);
		if (alpn_len != 2 || memcmp(alpn, "h2", 2) != 0) {
			fprintf(stderr, UESIM_PROG " " CMD ": the server did not select h2\n");
			return -1;
		}
	}
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	if (nghttp2_session_client_new(&c->h2, cbs, L) != 0 ||
			nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, 1) != 0 ||
			epoll_ctl(L->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
		return -1;
	return conn_flush(L, c);
}

static void
conn_fail(struct load *L, struct conn *c)
{
	struct flow *fl;

	if (c->dead)
		return;
	c->dead = true;
	epoll_ctl(L->ep, EPOLL_CTL_DEL, c->fd, NULL);
	/* nghttp2_session_del() calls no stream callback: end the flows. */
	nghttp2_session_del(c->h2);
	c->h2 = NULL;
	while ((fl = TAILQ_FIRST(&c->flows)) != NULL)
		flow_end(L, fl, false);
	fprintf(stderr, UESIM_PROG " " CMD ": a connection failed\n");
}

static void
conn_read(struct load *L, struct conn *c)
{
	uint8_t buf[65536];

	for (;;) {
		ssize_t n;

		if (c->ssl != NULL) {
			int r = SSL_read(c->ssl, buf, sizeof(buf));

			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);

				ERR_clear_error();
				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
					break;
				conn_fail(L, c);
				return;
			}
			n = r;
		} else {
			n = recv(c->fd, buf, sizeof(buf), 0);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (n <= 0) {
				conn_fail(L, c);
				return;
			}
		}
		if (nghttp2_session_mem_recv(c->h2, buf, (size_t)n) < 0) {
			conn_fail(L, c);
			return;
		}
	}
}

/* ---- the schedule ---- */

static bool
done_starting(const struct load *L, uint64_t t)
{
	return L->stopping || (L->count != 0 && L->started >= L->count) ||
		(L->duration > 0 && t - L->t_begin_ns >= (uint64_t)(L->duration * 1e9));
}

static void
start_flows(struct load *L)
{
	uint64_t t = now_ns();
	unsigned int i, tries;

	for (i = 0; i < L->n_conns; i++) {
		struct conn *c = &L->conns[i];

		while (!c->dead && c->in_flight < (int)L->n_streams &&
				!done_starting(L, t)) {
			struct flow *fl;
			struct device *d = NULL;
			char *body;

			if (L->rate > 0 && t < L->next_start_ns)
				return;
			for (tries = 0; tries < L->n_devices; tries++) {
				d = &L->devs[L->next_dev++ % L->n_devices];
				if (!d->busy)
					break;
			}
			if (d == NULL || d->busy)
				return; /* every device is busy */
			fl = calloc(1, sizeof(*fl));
			body = malloc(1024);
			if (fl == NULL || body == NULL) {
				free(fl);
				free(body);
				return;
			}
			fl->conn = c;
			fl->dev = d;
			fl->t0_ns = L->rate > 0 ? L->next_start_ns : t;
			if (L->rate > 0)
				L->next_start_ns += (uint64_t)(1e9 / L->rate);
			snprintf(body, 1024, "{\"supiOrSuci\":\"%s\",\"servingNetworkName\":"
					"\"%s\",\"certificateUrl\":\"%s\",\"anTunnelInfo\":"
					"{\"ipv4Addr\":\"192.0.2.10\",\"gtpTeid\":\"%08x\"}}",
					d->identity, L->snn, d->cert_url,
					(unsigned int)(d - L->devs) + 0x1000);
			d->busy = 1;
			c->in_flight++;
			TAILQ_INSERT_TAIL(&c->flows, fl, link);
			L->started++;
			if (submit(L, fl, "POST", UESIM_API_PATH, body) != 0) {
				flow_end(L, fl, false);
				continue;
			}
		}
	}
}

static int
parse_sbi(struct load *L, char *err, size_t errlen)
{
	const char *u = L->common.sbi, *h, *colon;
	char host[64];
	unsigned long port;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&L->addr;

	if (u == NULL || (strncmp(u, "http://", 7) != 0 &&
			strncmp(u, "https://", 8) != 0)) {
		snprintf(err, errlen, "--sbi: http://A.B.C.D:PORT or https://... required");
		return -1;
	}
	snprintf(L->scheme, sizeof(L->scheme), "%s", u[4] == 's' ? "https" : "http");
	h = u + strlen(L->scheme) + 3;
	colon = strchr(h, ':');
	if (colon == NULL || (size_t)(colon - h) >= sizeof(host)) {
		snprintf(err, errlen, "--sbi: the port is required");
		return -1;
	}
	memcpy(host, h, (size_t)(colon - h));
	host[colon - h] = '\0';
	port = strtoul(colon + 1, NULL, 10);
	memset(&L->addr, 0, sizeof(L->addr));
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1 || port == 0 ||
			port > 65535) {
		snprintf(err, errlen, "--sbi: an IPv4 literal and a port are required");
		return -1;
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	L->addr_len = sizeof(*s4);
	snprintf(L->authority, sizeof(L->authority), "%s:%lu", host, port);
	return 0;
}

static SSL_CTX *
tls_client(const char *ca, const char *cert, const char *key)
{
	static const unsigned char h2[] = { 2, 'h', '2' };
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_alpn_protos(ctx, h2, sizeof(h2));
	/* Writes may be retried with another buffer address (conn->out is
	 * realloc'd). */
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if ((ca != NULL && SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) ||
			(cert != NULL && (SSL_CTX_use_certificate_chain_file(ctx,
				cert) != 1 || SSL_CTX_use_PrivateKey_file(ctx, key,
				SSL_FILETYPE_PEM) != 1))) {
		ERR_print_errors_fp(stderr);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (ca != NULL)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const struct load *L, double p)
{
	size_t i;

	if (L->n_lat == 0)
		return NAN;
	i = (size_t)ceil(p * (double)L->n_lat) - 1;
	return L->lat_ms[i < L->n_lat ? i : L->n_lat - 1];
}

static void
report(struct load *L, double secs)
{
	double rate = secs > 0 ? (double)L->ok / secs : 0;

	qsort(L->lat_ms, L->n_lat, sizeof(*L->lat_ms), cmp_double);
	if (L->common.json) {
		uesim_print_json(json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f,"
				" s:{s:I, s:I, s:I, s:I, s:I}, s:i, s:i, s:i}",
				"mode", L->full ? "full" : "challenge", "sbi", L->common.sbi,
				"started", (json_int_t)L->started, "ok", (json_int_t)L->ok,
				"failed", (json_int_t)L->failed, "seconds", secs,
				"per_second", rate, "p50_ms", pct(L, 0.5), "p99_ms", pct(L, 0.99),
				"p999_ms", pct(L, 0.999), "status",
				"none", (json_int_t)L->status_counts[0],
				"2xx", (json_int_t)L->status_counts[2],
				"3xx", (json_int_t)L->status_counts[3],
				"4xx", (json_int_t)L->status_counts[4],
				"5xx", (json_int_t)L->status_counts[5],
				"devices", (int)L->n_devices, "connections", (int)L->n_conns,
				"streams", (int)L->n_streams));
		return;
	}
	printf(UESIM_FIELD, "mode", L->full ? "full authentication" : "challenge only");
	printf("%-18s%" PRIu64 " ok, %" PRIu64 " failed, in %.3f s\n", "flows",
			L->ok, L->failed, secs);
	printf("%-18s%.1f\n", L->full ? "authentications/s" : "challenges/s", rate);
	printf("%-18sp50 %.2f ms, p99 %.2f ms, p999 %.2f ms\n", "latency",
			pct(L, 0.5), pct(L, 0.99), pct(L, 0.999));
	printf("%-18s%" PRIu64 " 2xx, %" PRIu64 " 4xx, %" PRIu64 " 5xx, %" PRIu64
			" no answer\n", "answers", L->status_counts[2],
			L->status_counts[4], L->status_counts[5], L->status_counts[0]);
}

int
uesim_cmd_load(int argc, char **argv)
{
	static const struct option longopts[] = {
		UESIM_COMMON_LONGOPTS,
		{ "devices", required_argument, NULL, OPT_DEVICES },
		{ "connections", required_argument, NULL, OPT_CONNS },
		{ "streams", required_argument, NULL, OPT_STREAMS },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "ca-cert", required_argument, NULL, OPT_CA_CERT },
		{ "ca-key", required_argument, NULL, OPT_CA_KEY },
		{ "cert-dir", required_argument, NULL, OPT_CERT_DIR },
		{ "cert-url", required_argument, NULL, OPT_CERT_URL },
		{ "identity-prefix", required_argument, NULL, OPT_PREFIX },
		{ "snn", required_argument, NULL, OPT_SNN },
		{ "tls-ca", required_argument, NULL, OPT_TLS_CA },
		{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
		{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
		{ "bind", required_argument, NULL, OPT_BIND },
		{ NULL, 0, NULL, 0 },
	};
	const char *ca_cert = NULL, *ca_key = NULL, *dir = NULL, *url = NULL;
	const char *tls_ca = NULL, *tls_cert = NULL, *tls_key = NULL;
	nghttp2_session_callbacks *cbs = NULL;
	struct epoll_event evs[64];
	struct load L;
	char err[256];
	unsigned int i;
	int opt, n, rc = UESIM_EXIT_FAIL;
	unsigned long v;
	uint64_t t_end;

	memset(&L, 0, sizeof(L));
	uesim_common_init(&L.common);
	L.full = true;
	L.n_devices = 100;
	L.n_conns = 4;
	L.n_streams = 8;
	L.count = 1000;
	L.snn = "5G:mnc001.mcc001.3gppnetwork.org";
	L.prefix = "nai-load";
	L.ep = -1;
	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (uesim_common_option(argv[0], opt, optarg, &L.common)) {
		case 0:
			continue;
		case -1:
			return UESIM_EXIT_USAGE;
		default:
			break;
		}
		switch (opt) {
		case OPT_DEVICES:
			if (uesim_ulong_option(optarg, 1, MAX_DEVICES, &v) != 0)
				return bad_option(argv[0], "--devices", optarg);
			L.n_devices = (unsigned int)v;
			break;
		case OPT_CONNS:
			if (uesim_ulong_option(optarg, 1, MAX_CONNS, &v) != 0)
				return bad_option(argv[0], "--connections", optarg);
			L.n_conns = (unsigned int)v;
			break;
		case OPT_STREAMS:
			if (uesim_ulong_option(optarg, 1, MAX_STREAMS, &v) != 0)
				return bad_option(argv[0], "--streams", optarg);
			L.n_streams = (unsigned int)v;
			break;
		case OPT_COUNT:
			if (uesim_ulong_option(optarg, 0, MAX_COUNT, &v) != 0)
				return bad_option(argv[0], "--count", optarg);
			L.count = v;
			break;
		case OPT_DURATION:
			if (uesim_double_option(optarg, 0, MAX_DURATION_S,
					&L.duration) != 0)
				return bad_option(argv[0], "--duration", optarg);
			break;
		case OPT_RATE:
			if (uesim_double_option(optarg, 0, MAX_RATE, &L.rate) != 0)
				return bad_option(argv[0], "--rate", optarg);
			break;
		case OPT_MODE:
			if (strcmp(optarg, "full") != 0 && strcmp(optarg, "challenge") != 0) {
				fprintf(stderr, "%s: --mode: full or challenge\n", argv[0]);
				return UESIM_EXIT_USAGE;
			}
			L.full = strcmp(optarg, "full") == 0;
			break;
		case OPT_CA_CERT: ca_cert = optarg; break;
		case OPT_CA_KEY: ca_key = optarg; break;
		case OPT_CERT_DIR: dir = optarg; break;
		case OPT_CERT_URL: url = optarg; break;
		case OPT_PREFIX: L.prefix = optarg; break;
		case OPT_SNN: L.snn = optarg; break;
		case OPT_TLS_CA: tls_ca = optarg; break;
		case OPT_TLS_CERT: tls_cert = optarg; break;
		case OPT_TLS_KEY: tls_key = optarg; break;
		case OPT_BIND: L.bind_addr = optarg; break;
		case 'h':
			usage(stdout);
			return UESIM_EXIT_OK;
		default:
			usage(stderr);
			return UESIM_EXIT_USAGE;
		}
	}
	if (L.n_devices == 0 || L.n_conns == 0 || L.n_conns > MAX_CONNS ||
			L.n_streams == 0 || L.n_streams > MAX_STREAMS ||
			(L.count == 0 && L.duration <= 0) || ca_cert == NULL ||
			ca_key == NULL || dir == NULL || url == NULL ||
			(tls_cert == NULL) != (tls_key == NULL) || L.rate < 0) {
		fprintf(stderr, "%s: --sbi, --ca-cert, --ca-key, --cert-dir and --cert-url "
				"are required; --count or --duration bounds the run; "
				"1..%d connections, 1..%d streams\n", argv[0], MAX_CONNS,
				MAX_STREAMS);
		return UESIM_EXIT_USAGE;
	}
	if (parse_sbi(&L, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		return UESIM_EXIT_USAGE;
	}
	if (strcmp(L.scheme, "https") == 0 &&
			(L.tls = tls_client(tls_ca, tls_cert, tls_key)) == NULL)
		return UESIM_EXIT_USAGE;
	if (make_devices(&L, ca_cert, ca_key, dir, url) != 0)
		goto out;
	L.ep = epoll_create1(EPOLL_CLOEXEC);
	L.conns = calloc(L.n_conns, sizeof(*L.conns));
	if (L.ep < 0 || L.conns == NULL || nghttp2_session_callbacks_new(&cbs) != 0)
		goto out;
	nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_close);
	for (i = 0; i < L.n_conns; i++)
		if (conn_open(&L, &L.conns[i], cbs) != 0) {
			fprintf(stderr, "%s: cannot connect to %s: %s\n", argv[0],
					L.common.sbi, strerror(errno));
			goto out;
		}
	L.t_begin_ns = L.next_start_ns = now_ns();
	for (;;) {
		uint64_t t = now_ns();
		int in_flight = 0;

		start_flows(&L);
		for (i = 0; i < L.n_conns; i++) {
			if (!L.conns[i].dead && conn_flush(&L, &L.conns[i]) != 0)
				conn_fail(&L, &L.conns[i]);
			in_flight += L.conns[i].in_flight;
		}
		if (in_flight == 0 && done_starting(&L, t))
			break;
		/* Past the duration, what is in flight gets the request
		 * time-out to finish. */
		if (L.duration > 0 && t - L.t_begin_ns >= (uint64_t)((L.duration +
				L.common.timeout_ms / 1000.0) * 1e9))
			break;
		n = epoll_wait(L.ep, evs, 64, L.rate > 0 ? 1 : 100);
		for (int k = 0; k < n; k++) {
			struct conn *c = evs[k].data.ptr;

			if (c->dead)
				continue;
			if ((evs[k].events & EPOLLOUT) && conn_write_out(&L, c) != 0)
				conn_fail(&L, c);
			if (!c->dead && (evs[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
				conn_read(&L, c);
		}
	}
	t_end = now_ns();
	L.failed += L.started - L.ok - L.failed; /* cut off by the time bound */
	report(&L, (double)(t_end - L.t_begin_ns) / 1e9);
	rc = L.ok > 0 && L.failed == 0 ? UESIM_EXIT_OK : UESIM_EXIT_FAIL;
out:
	for (i = 0; L.conns != NULL && i < L.n_conns; i++) {
		if (L.conns[i].h2 != NULL)
			nghttp2_session_del(L.conns[i].h2);
		SSL_free(L.conns[i].ssl);
		if (L.conns[i].fd > 0)
			close(L.conns[i].fd);
		free(L.conns[i].out);
	}
	for (i = 0; L.devs != NULL && i < L.n_devices; i++)
		EVP_PKEY_free(L.devs[i].key);
	nghttp2_session_callbacks_del(cbs);
	SSL_CTX_free(L.tls);
	if (L.ep >= 0)
		close(L.ep);
	free(L.devs);
	free(L.conns);
	free(L.lat_ms);
	return rc;
}
