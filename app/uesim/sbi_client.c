/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SBI client of gg-uesim: requests to the AuSF over HTTP/2 cleartext
 * with prior knowledge (libcurl), JSON bodies (jansson), URL resolution
 * (libcurl's URL API) and the reports of failed exchanges.
 *
 * One easy handle, hence one connection, per request: curl 7.88 does not
 * reliably reuse a prior-knowledge connection, and a device makes a
 * handful of requests, so a fresh connection each costs nothing that
 * matters and keeps every request independent of the one before.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "uesim.h"

/* Larger answers are refused: the AuSF's are a few hundred octets. */
#define BODY_MAX (1 << 20)
/* Body text quoted in a report when it is not a ProblemDetails. */
#define QUOTE_MAX 200

void
uesim_common_init(struct uesim_common *c)
{
	memset(c, 0, sizeof(*c));
	c->timeout_ms = UESIM_DEFAULT_TIMEOUT_MS;
}

int
uesim_no_operands(const char *cmd, int argc, char **argv)
{
	if (optind < argc) {
		fprintf(stderr, "%s %s: unexpected argument '%s'\n", UESIM_PROG, cmd,
				argv[optind]);
		return -1;
	}
	return 0;
}

int
uesim_common_option(const char *cmd, int opt, const char *arg,
		struct uesim_common *c)
{
	char *end;

	switch (opt) {
	case UESIM_OPT_SBI:
		c->sbi = arg;
		return 0;
	case UESIM_OPT_TIMEOUT:
		errno = 0;
		c->timeout_ms = strtol(arg, &end, 10);
		if (errno != 0 || *arg == '\0' || *end != '\0' ||
				c->timeout_ms < 1 ||
				c->timeout_ms > UESIM_MAX_TIMEOUT_MS) {
			fprintf(stderr, "%s %s: --timeout-ms: expected 1..%d, got '%s'\n",
					UESIM_PROG, cmd, UESIM_MAX_TIMEOUT_MS, arg);
			return -1;
		}
		return 0;
	case UESIM_OPT_JSON:
		c->json = true;
		return 0;
	case 'v':
		c->verbose = true;
		return 0;
	default:
		return 1;
	}
}

int
uesim_sbi_init(struct uesim_sbi *sbi, const struct uesim_common *c,
		char *err, size_t errlen)
{
	CURLU *u;
	char *scheme = NULL, *part = NULL;
	size_t len;
	int ret = -1;

	if (c->sbi == NULL) {
		snprintf(err, errlen, "--sbi is required");
		return -1;
	}
	len = strlen(c->sbi);
	while (len > 0 && c->sbi[len - 1] == '/')
		len--;
	if (len >= sizeof(sbi->base)) {
		snprintf(err, errlen, "--sbi: URL too long");
		return -1;
	}
	u = curl_url();
	if (u == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, c->sbi, 0) != CURLUE_OK ||
			curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		snprintf(err, errlen, "--sbi: not a URL: '%s'", c->sbi);
		goto out;
	}
	/* Prior knowledge is for cleartext; TLS would negotiate by ALPN. */
	if (strcmp(scheme, "http") != 0) {
		snprintf(err, errlen, "--sbi: expected an http:// URL (h2c), got '%s'",
				c->sbi);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
			curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK) {
		snprintf(err, errlen, "--sbi: no query or fragment allowed: '%s'",
				c->sbi);
		goto out;
	}
	memcpy(sbi->base, c->sbi, len);
	sbi->base[len] = '\0';
	sbi->timeout_ms = c->timeout_ms;
	sbi->verbose = c->verbose;
	ret = 0;
out:
	curl_free(part);
	curl_free(scheme);
	curl_url_cleanup(u);
	return ret;
}

char *
uesim_url_resolve(const char *base, const char *ref)
{
	CURLU *u = curl_url();
	char *url = NULL, *scheme = NULL, *out = NULL;

	if (u == NULL)
		return NULL;
	/* Setting a relative URL over an absolute one resolves it. */
	if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
			curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK &&
			curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
			strcmp(scheme, "http") == 0 &&
			curl_url_get(u, CURLUPART_URL, &url, 0) == CURLUE_OK)
		out = strdup(url);
	curl_free(url);
	curl_free(scheme);
	curl_url_cleanup(u);
	return out;
}

char *
uesim_url_last_segment(const char *url)
{
	CURLU *u = curl_url();
	char *path = NULL, *seg, *id = NULL;
	int len = 0;

	if (u == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
			curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto out;
	seg = strrchr(path, '/');
	seg = seg != NULL ? seg + 1 : path;
	if (*seg == '\0')
		goto out;
	/* Decoded, so that uesim_ctx_url() encodes it back to the same. */
	id = curl_easy_unescape(NULL, seg, 0, &len);
	if (id != NULL && (len == 0 || memchr(id, '\0', (size_t)len) != NULL ||
			memchr(id, '/', (size_t)len) != NULL)) {
		curl_free(id);
		id = NULL;
	}
out:
	curl_free(path);
	curl_url_cleanup(u);
	if (id != NULL) {
		seg = strdup(id);
		curl_free(id);
		return seg;
	}
	return NULL;
}

char *
uesim_ctx_url(const struct uesim_sbi *sbi, const char *ctx_id)
{
	char *esc, *url = NULL;

	esc = curl_easy_escape(NULL, ctx_id, 0);
	if (esc == NULL)
		return NULL;
	if (asprintf(&url, "%s%s/%s", sbi->base, UESIM_API_PATH, esc) < 0)
		url = NULL;
	curl_free(esc);
	return url;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct uesim_resp *r = arg;
	size_t len = size * n;
	char *p;

	if (r->len + len > BODY_MAX) {
		snprintf(r->err, sizeof(r->err), "answer over %d octets", BODY_MAX);
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	p = realloc(r->body, r->len + len + 1);
	if (p == NULL)
		return 0;
	memcpy(p + r->len, data, len);
	r->len += len;
	p[r->len] = '\0';
	r->body = p;
	return len;
}

/* Keep the Location header: curl offers it as CURLINFO_REDIRECT_URL only
 * for redirects, and a 201 is not one. */
static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct uesim_resp *r = arg;
	size_t len = size * n, vlen;
	const char *v;

	/* A new status line starts a new response (1xx before the final). */
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		free(r->location);
		r->location = NULL;
		return len;
	}
	if (len < 9 || strncasecmp(data, "location:", 9) != 0)
		return len;
	v = data + 9;
	vlen = len - 9;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
			v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	free(r->location);
	r->location = strndup(v, vlen);
	return r->location != NULL ? len : 0;
}

static void
verbose_request(const char *method, const char *url, const char *text)
{
	fprintf(stderr, "> %s %s\n", method, url);
	if (text != NULL)
		fprintf(stderr, "> %s\n", text);
}

static void
verbose_response(const struct uesim_resp *r)
{
	if (r->status == 0) {
		fprintf(stderr, "< (no answer) %s\n", r->err);
		return;
	}
	fprintf(stderr, "< %ld %s\n", r->status, uesim_reason(r->status));
	if (r->location != NULL)
		fprintf(stderr, "< location: %s\n", r->location);
	if (r->content_type != NULL)
		fprintf(stderr, "< content-type: %s\n", r->content_type);
	if (r->body != NULL)
		fprintf(stderr, "< %s\n", r->body);
}

int
uesim_sbi_request(const struct uesim_sbi *sbi, const char *method,
		const char *url, const json_t *body, struct uesim_resp *r)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL, *h;
	char *text = NULL, *ctype = NULL;
	CURLcode rc;
	CURL *curl;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	r->method = method;
	r->url = strdup(url);
	curl = curl_easy_init();
	if (curl == NULL) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return -1;
	}
	h = curl_slist_append(hdrs, "Accept: application/json, application/problem+json");
	if (h != NULL)
		hdrs = h;
	if (body != NULL) {
		text = json_dumps(body, JSON_COMPACT);
		h = curl_slist_append(hdrs, "Content-Type: application/json");
		if (h != NULL)
			hdrs = h;
		if (text == NULL || h == NULL) {
			snprintf(r->err, sizeof(r->err), "out of memory");
			goto out;
		}
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTP_VERSION,
			(long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, sbi->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, sbi->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, UESIM_PROG "/" GG_VERSION);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
	if (text != NULL) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(text));
	}
	/* POSTFIELDS makes a POST; any other method is named explicitly. */
	if (strcmp(method, "GET") == 0 && text == NULL)
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	else if (strcmp(method, "POST") != 0)
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (sbi->verbose)
		verbose_request(method, url, text);

	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		/* Our own reason (set by on_body) is more precise than curl's. */
		if (r->err[0] == '\0')
			snprintf(r->err, sizeof(r->err), "%s", errbuf[0] != '\0' ?
					errbuf : curl_easy_strerror(rc));
		r->status = 0;
	} else {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
		if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK &&
				ctype != NULL)
			r->content_type = strdup(ctype);
		if (r->body != NULL) {
			r->json = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, NULL);
			if (r->json != NULL && !json_is_object(r->json)) {
				json_decref(r->json);
				r->json = NULL;
			}
		}
		ret = 0;
	}
	if (sbi->verbose)
		verbose_response(r);
out:
	free(text);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(curl);
	return ret;
}

void
uesim_resp_free(struct uesim_resp *r)
{
	free(r->url);
	free(r->location);
	free(r->content_type);
	free(r->body);
	json_decref(r->json);
	r->url = NULL;
	r->location = NULL;
	r->content_type = NULL;
	r->body = NULL;
	r->json = NULL;
	r->len = 0;
}

const char *
uesim_reason(long status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

/* A string member of the problem, or NULL. */
static const char *
problem_str(const struct uesim_resp *r, const char *name)
{
	return r->json != NULL ? json_string_value(json_object_get(r->json, name)) :
			NULL;
}

void
uesim_status_line(const struct uesim_resp *r, char *buf, size_t len)
{
	const char *cause = problem_str(r, "cause");

	if (r->status == 0) {
		snprintf(buf, len, "no answer (%s)", r->err);
		return;
	}
	snprintf(buf, len, "%ld%s%s%s%s", r->status,
			*uesim_reason(r->status) != '\0' ? " " : "",
			uesim_reason(r->status), cause != NULL ? ", cause " : "",
			cause != NULL ? cause : "");
}

/* The HTTP error in words: status, cause, detail and invalidParams. */
static void
report_http(FILE *f, const struct uesim_resp *r)
{
	const char *detail = problem_str(r, "detail");
	const char *title = problem_str(r, "title");
	json_t *inv, *p;
	char line[160];
	size_t i, n;

	uesim_status_line(r, line, sizeof(line));
	fprintf(f, "HTTP %s", line);
	if (*uesim_reason(r->status) == '\0' && title != NULL)
		fprintf(f, " (%s)", title);
	if (detail != NULL)
		fprintf(f, ": %s", detail);
	fputc('\n', f);
	inv = r->json != NULL ? json_object_get(r->json, "invalidParams") : NULL;
	json_array_foreach(inv, i, p) {
		const char *param = json_string_value(json_object_get(p, "param"));
		const char *reason = json_string_value(json_object_get(p, "reason"));

		fprintf(f, "  invalid %s%s%s\n", param != NULL ? param : "?",
				reason != NULL ? ": " : "", reason != NULL ? reason : "");
	}
	if (r->json == NULL && r->body != NULL) {
		/* Not a ProblemDetails: quote the start of whatever came. */
		n = strcspn(r->body, "\r\n");
		fprintf(f, "  body: %.*s%s\n", (int)(n < QUOTE_MAX ? n : QUOTE_MAX),
				r->body, n > QUOTE_MAX || r->body[n] != '\0' ? "..." : "");
	}
}

void
uesim_fail(const struct uesim_common *c, const char *cmd, const char *step,
		const struct uesim_resp *r, const char *ctx_id, const char *why,
		json_t *extra)
{
	json_t *o;

	/* "gg-uesim auth: confirm: PUT URL: HTTP 410 Gone, ..." */
	fprintf(stderr, "%s %s: ", UESIM_PROG, cmd);
	if (strcmp(step, cmd) != 0)
		fprintf(stderr, "%s: ", step);
	if (r != NULL && r->url != NULL)
		fprintf(stderr, "%s %s: ", r->method, r->url);
	if (why != NULL)
		fprintf(stderr, "%s\n", why);
	else if (r->status == 0)
		fprintf(stderr, "%s\n", r->err);
	else
		report_http(stderr, r);
	if (!c->json) {
		json_decref(extra);
		return;
	}
	o = json_pack("{s:s}", "step", step);
	if (o == NULL) {
		json_decref(extra);
		return;
	}
	if (ctx_id != NULL)
		json_object_set_new(o, "authCtxId", json_string(ctx_id));
	if (r != NULL && r->status != 0) {
		json_object_set_new(o, "httpStatus", json_integer(r->status));
		if (r->json != NULL)
			json_object_set(o, why == NULL ? "problem" : "body", r->json);
	}
	if (why != NULL)
		json_object_set_new(o, "error", json_string(why));
	else if (r->status == 0)
		json_object_set_new(o, "error", json_string(r->err));
	if (extra != NULL)
		json_object_update(o, extra);
	json_decref(extra);
	uesim_print_json(o);
}

void
uesim_print_json(json_t *obj)
{
	if (obj == NULL) {
		fprintf(stderr, "%s: out of memory\n", UESIM_PROG);
		return;
	}
	json_dumpf(obj, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(obj);
}
