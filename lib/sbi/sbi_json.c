/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SBI JSON helpers: TS 29.500 ProblemDetails bodies (RFC 9457 members plus
 * TS 29.571 "cause" and "invalidParams"), JSON answers, request body
 * parsing and small field validators that report InvalidParam entries.
 * Pure functions over jansson values except the answer calls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbi_private.h"

static const struct {
	int status;
	const char *phrase;
} phrases[] = {
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 204, "No Content" },
	{ 303, "See Other" },
	{ 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 411, "Length Required" },
	{ 412, "Precondition Failed" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 422, "Unprocessable Content" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
};

const char *
gg_sbi_reason_phrase(int status)
{
	size_t i;

	for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (phrases[i].status == status)
			return phrases[i].phrase;
	return "Unknown";
}

/*
 * A JSON string for text that may carry client octets (a detail quoting
 * a field): jansson refuses invalid UTF-8, so fall back to ASCII with '?'
 * for every octet above 0x7f rather than losing the member.
 */
static json_t *
text_string(const char *s)
{
	json_t *j = json_string(s);
	char *copy, *p;

	if (j != NULL || s == NULL)
		return j;
	copy = strdup(s);
	if (copy == NULL)
		return NULL;
	for (p = copy; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

char *
sbi_problem_text(int status, const char *cause, const char *detail,
		json_t *invalid_params, size_t *len)
{
	json_t *o = json_object();
	char *text = NULL;

	if (o == NULL)
		goto out;
	/* "type" is left out: absent means about:blank (RFC 9457 3.1.1). */
	json_object_set_new(o, "title", json_string(gg_sbi_reason_phrase(status)));
	json_object_set_new(o, "status", json_integer(status));
	if (detail != NULL)
		json_object_set_new(o, "detail", text_string(detail));
	if (cause != NULL)
		json_object_set_new(o, "cause", text_string(cause));
	/* TS 29.571: invalidParams has at least one item when present. */
	if (json_is_array(invalid_params) && json_array_size(invalid_params) > 0) {
		json_object_set_new(o, "invalidParams", invalid_params);
		invalid_params = NULL;
	}
	text = json_dumps(o, JSON_COMPACT);
	if (text != NULL)
		*len = strlen(text);
out:
	json_decref(o);
	json_decref(invalid_params);
	return text;
}

int
sbi_server_problem(struct gg_sbi_request *req, int status, const char *cause,
		const char *detail)
{
	size_t len = 0;
	char *text = sbi_problem_text(status, cause, detail, NULL, &len);
	int rc;

	rc = sbi_submit(req, status, text != NULL ?
			"application/problem+json" : NULL, NULL, text, len);
	free(text);
	if (rc != 0 && req->conn != NULL && req->stream_id != 0)
		nghttp2_submit_rst_stream(req->conn->h2, NGHTTP2_FLAG_NONE,
				req->stream_id, NGHTTP2_INTERNAL_ERROR);
	return rc;
}

int
gg_sbi_respond_json(struct gg_sbi_request *req, int status, json_t *body,
		const char *location)
{
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	int rc;

	json_decref(body);
	if (text == NULL) {
		gg_sbi_problem(req, 500, "SYSTEM_FAILURE",
				"the service could not build its answer", NULL);
		errno = ENOMEM;
		return -1;
	}
	rc = gg_sbi_respond(req, status, "application/json", location, text,
			strlen(text));
	free(text);
	return rc;
}

static int
is_json_media_type(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t';
}

bool
gg_sbi_request_is_json(const struct gg_sbi_request *req)
{
	return is_json_media_type(gg_sbi_request_header(req, "content-type"));
}

json_t *
gg_sbi_parse_json_body(const struct gg_sbi_request *req, int *status,
		char *err, size_t errlen)
{
	const uint8_t *body;
	json_error_t jerr;
	size_t len;
	json_t *j;
	int st = 400;

	body = gg_sbi_request_body(req, &len);
	if (!is_json_media_type(gg_sbi_request_header(req, "content-type"))) {
		st = 415;
		snprintf(err, errlen, "content-type must be application/json");
		goto fail;
	}
	if (len == 0) {
		snprintf(err, errlen, "the body is empty");
		goto fail;
	}
	/* Duplicate keys are refused: two readers could pick different ones. */
	j = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		snprintf(err, errlen, "invalid JSON at line %d column %d: %s",
				jerr.line, jerr.column, jerr.text);
		goto fail;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(err, errlen, "the body must be a JSON object");
		goto fail;
	}
	return j;
fail:
	if (status != NULL)
		*status = st;
	return NULL;
}

int
gg_sbi_invalid_param(json_t *invalid_params, const char *param,
		const char *reason)
{
	json_t *e;

	if (!json_is_array(invalid_params) || param == NULL)
		return -1;
	e = json_object();
	if (e == NULL)
		return -1;
	if (json_object_set_new(e, "param", text_string(param)) != 0 ||
			(reason != NULL && json_object_set_new(e, "reason",
				text_string(reason)) != 0) ||
			json_array_append_new(invalid_params, e) != 0) {
		json_decref(e);
		return -1;
	}
	return 0;
}

/* RFC 6901 pointer to @p field under @p prefix ('~' and '/' escaped). */
static void
pointer(char *buf, size_t n, const char *prefix, const char *field)
{
	size_t k = (size_t)snprintf(buf, n, "%s/", prefix != NULL ? prefix : "");

	for (; *field != '\0' && k + 3 < n; field++) {
		if (*field == '~' || *field == '/') {
			buf[k++] = '~';
			buf[k++] = *field == '~' ? '0' : '1';
		} else {
			buf[k++] = *field;
		}
	}
	buf[k < n ? k : n - 1] = '\0';
}

static int
report(json_t *invalid_params, const char *prefix, const char *field,
		const char *reason, int rc)
{
	char ptr[256];

	pointer(ptr, sizeof(ptr), prefix, field);
	gg_sbi_invalid_param(invalid_params, ptr, reason);
	return rc;
}

int
gg_sbi_json_get_string(const json_t *obj, const char *prefix,
		const char *field, int required, size_t max_len, const char **out,
		json_t *invalid_params)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, field) : NULL;
	char reason[64];
	const char *s;
	size_t n;

	*out = NULL;
	if (v == NULL)
		return required ? report(invalid_params, prefix, field,
				"missing", -2) : 0;
	if (!json_is_string(v))
		return report(invalid_params, prefix, field, "must be a string",
				-1);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0)
		return report(invalid_params, prefix, field, "must not be empty",
				-1);
	if (n > max_len) {
		snprintf(reason, sizeof(reason), "longer than %zu characters",
				max_len);
		return report(invalid_params, prefix, field, reason, -1);
	}
	if (strlen(s) != n) /* "\u0000" inside */
		return report(invalid_params, prefix, field,
				"must not contain NUL", -1);
	*out = s;
	return 0;
}

int
gg_sbi_json_get_object(const json_t *obj, const char *prefix,
		const char *field, int required, json_t **out,
		json_t *invalid_params)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, field) : NULL;

	*out = NULL;
	if (v == NULL)
		return required ? report(invalid_params, prefix, field,
				"missing", -2) : 0;
	if (!json_is_object(v))
		return report(invalid_params, prefix, field, "must be an object",
				-1);
	*out = v;
	return 0;
}

/* ---- the plain case, without jansson ------------------------------------ */

struct plain {
	const uint8_t *p, *end;
	char *out, *out_end;
};

static void
plain_ws(struct plain *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
			*r->p == '\n' || *r->p == '\r'))
		r->p++;
}

/* A string of printable ASCII without escapes at r->p ('"' included):
 * its octets and length, or -1 (anything else: not plain). */
static int
plain_string(struct plain *r, const uint8_t **s, size_t *n)
{
	const uint8_t *q;

	if (r->p >= r->end || *r->p != '"')
		return -1;
	for (q = ++r->p; q < r->end && *q != '"'; q++)
		if (*q < 0x20 || *q > 0x7e || *q == '\\')
			return -1;
	if (q >= r->end)
		return -1;
	*s = r->p;
	*n = (size_t)(q - r->p);
	r->p = q + 1;
	return 0;
}

static int
plain_object(struct plain *r, int level, struct gg_sbi_json_field *f,
		unsigned int nf)
{
	const uint8_t *k, *v;
	size_t kn, vn;
	unsigned int i;

	if (r->p >= r->end || *r->p != '{')
		return -1;
	r->p++;
	plain_ws(r);
	if (r->p < r->end && *r->p == '}')
		return -1; /* empty: let the getters say what is missing */
	for (;;) {
		plain_ws(r);
		if (plain_string(r, &k, &kn) != 0)
			return -1;
		for (i = 0; i < nf; i++)
			if (f[i].parent == level && f[i].name[0] == (char)k[0] &&
					strncmp(f[i].name, (const char *)k, kn) == 0 &&
					f[i].name[kn] == '\0')
				break;
		if (i == nf || f[i].present)
			return -1; /* unknown or duplicate member */
		plain_ws(r);
		if (r->p >= r->end || *r->p != ':')
			return -1;
		r->p++;
		plain_ws(r);
		f[i].present = true;
		if (f[i].object) {
			if (level != -1 || plain_object(r, (int)i, f, nf) != 0)
				return -1;
		} else {
			if (plain_string(r, &v, &vn) != 0 || vn == 0 ||
					vn > f[i].max_len ||
					vn + 1 > (size_t)(r->out_end - r->out))
				return -1;
			memcpy(r->out, v, vn);
			r->out[vn] = '\0';
			f[i].value = r->out;
			r->out += vn + 1;
		}
		plain_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			return 0;
		}
		return -1;
	}
}

int
gg_sbi_json_read_plain(const uint8_t *body, size_t len,
		struct gg_sbi_json_field *fields, unsigned int n_fields,
		char *buf, size_t buflen)
{
	struct plain r = { body, body + len, buf, buf + buflen };
	unsigned int i;

	for (i = 0; i < n_fields; i++) {
		fields[i].present = false;
		fields[i].value = NULL;
	}
	plain_ws(&r);
	if (plain_object(&r, -1, fields, n_fields) != 0)
		return -1;
	plain_ws(&r);
	if (r.p != r.end)
		return -1;
	for (i = 0; i < n_fields; i++)
		if (fields[i].required && !fields[i].present &&
				(fields[i].parent == -1 ||
				 fields[fields[i].parent].present))
			return -1;
	return 0;
}
