/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for lib/portal: what a browser sends gg-portal.
 *
 * Input: octet 0 picks what the rest is.
 *   0: a sign-up POST body (application/x-www-form-urlencoded), decoded
 *      and validated against two plans;
 *   1: an Accept header value, negotiated against the portal's offers;
 *   2: a template (the operator's files), parsed and rendered with
 *      values carrying markup;
 *   3: a CSRF token, a portal URL and a Host header, each a line.
 *
 * Invariants: a decoded form holds at most GG_PORTAL_FORM_FIELDS_MAX
 * fields with distinct non-empty names and values within
 * GG_PORTAL_FORM_VALUE_MAX, and encoding it again decodes to the same
 * fields; a valid sign-up names one of the plans, a name of 1..64
 * octets and an email of at most 128; negotiation picks an offer or
 * none; a rendered template never carries a value's markup unescaped;
 * only the token made for this client, context and time is accepted; a
 * parsed URL matches a Host header naming its host and port.
 */
#define _GNU_SOURCE /* memmem() */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gg_portal.h"
#include "fuzz_common.h"

#define BODY_MAX 8192
#define DIM(a) (sizeof(a) / sizeof((a)[0]))

static const struct gg_portal_plan plans[] = {
	{ .id = "day", .name = "Day pass", .price = "EUR 1", .validity_days = 1 },
	{ .id = "month", .name = "Month", .price = "EUR 9", .validity_days = 30 },
};

/* The input as a NUL-terminated string (cut at its first NUL). */
static char *
text_of(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	FUZZ_CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Percent-encode every octet but [A-Za-z0-9]: the strictest form a
 * browser may send, which must decode to the same text. */
static void
encode(struct gg_portal_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3] = { '%' };

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9')) {
			gg_portal_buf_add(b, s, 1);
		} else {
			e[1] = hex[c >> 4];
			e[2] = hex[c & 15];
			gg_portal_buf_add(b, e, 3);
		}
	}
}

static void
check_form(const uint8_t *data, size_t size)
{
	struct gg_portal_form form, again;
	struct gg_portal_signup su;
	struct gg_portal_signup_errors errs;
	struct gg_portal_buf b = { 0 };
	char err[256];
	unsigned int i, j, bad;
	char *enc;
	size_t len;

	if (gg_portal_form_parse((const char *)data, size, BODY_MAX, &form, err,
			sizeof(err)) != 0) {
		FUZZ_CHECK(err[0] != '\0');
		return;
	}
	FUZZ_CHECK(size <= BODY_MAX);
	FUZZ_CHECK(form.n <= GG_PORTAL_FORM_FIELDS_MAX);
	for (i = 0; i < form.n; i++) {
		FUZZ_CHECK(form.f[i].name[0] != '\0');
		FUZZ_CHECK(strlen(form.f[i].value) <= GG_PORTAL_FORM_VALUE_MAX);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(form.f[i].name, form.f[j].name) != 0);
		FUZZ_CHECK(gg_portal_form_get(&form, form.f[i].name) ==
				form.f[i].value);
		if (i != 0)
			gg_portal_buf_add(&b, "&", 1);
		encode(&b, form.f[i].name);
		gg_portal_buf_add(&b, "=", 1);
		encode(&b, form.f[i].value);
	}
	FUZZ_CHECK(!b.failed);
	enc = gg_portal_buf_take(&b, &len);
	/* Three octets an octet: the re-encoding may outgrow the body limit. */
	FUZZ_CHECK(gg_portal_form_parse(enc != NULL ? enc : "", len, 3 * BODY_MAX,
			&again, err, sizeof(err)) == 0);
	FUZZ_CHECK(again.n == form.n);
	for (i = 0; i < form.n; i++) {
		FUZZ_CHECK(strcmp(again.f[i].name, form.f[i].name) == 0);
		FUZZ_CHECK(strcmp(again.f[i].value, form.f[i].value) == 0);
	}
	gg_portal_form_free(&again);
	free(enc);

	bad = gg_portal_signup_validate(&form, plans, DIM(plans), &su, &errs);
	FUZZ_CHECK(bad == errs.n && bad <= GG_PORTAL_F_MAX);
	if (bad == 0) {
		FUZZ_CHECK(su.plan == &plans[0] || su.plan == &plans[1]);
		FUZZ_CHECK(strlen(su.name) >= 1 && strlen(su.name) <= 64);
		FUZZ_CHECK(strlen(su.email) <= 128 && strchr(su.email, '@') != NULL);
		FUZZ_CHECK(strcmp(gg_portal_form_get(&form, "terms"), "yes") == 0);
	}
	gg_portal_form_free(&form);
}

static void
check_accept(const uint8_t *data, size_t size)
{
	static const char *const offers[] = {
		"text/html", GG_PORTAL_CAPTIVE_JSON, "application/json",
		"text/plain;charset=utf-8",
	};
	char *accept = text_of(data, size);
	unsigned int q = 12345;
	int i = gg_portal_accept(accept, offers, DIM(offers), &q);

	FUZZ_CHECK(i >= -1 && i < (int)DIM(offers));
	if (i >= 0)
		FUZZ_CHECK(q > 0 && q <= 1000);
	/* An empty header accepts anything: the first offer. */
	if (accept[strspn(accept, " \t")] == '\0')
		FUZZ_CHECK(i == 0);
	free(accept);
}

static void
check_template(const uint8_t *data, size_t size)
{
	static const struct gg_portal_var vars[] = {
		{ "name", "<script>\"x\"&'y'</script>" },
		{ "plan", "day" },
		{ "empty", "" },
		{ "unset", NULL },
	};
	struct gg_portal_buf out = { 0 };
	struct gg_portal_tmpl *t;
	char err[256];
	char *r;
	size_t len;

	t = gg_portal_tmpl_parse((const char *)data, size, "fuzz", err,
			sizeof(err));
	if (t == NULL) {
		FUZZ_CHECK(strncmp(err, "fuzz:", 5) == 0);
		return;
	}
	gg_portal_tmpl_render(t, vars, DIM(vars), &out);
	gg_portal_tmpl_free(t);
	FUZZ_CHECK(!out.failed);
	r = gg_portal_buf_take(&out, &len);
	/* {{&name}} is the only way to the raw value; without it in the
	 * template the markup cannot appear. */
	if (r != NULL && memmem(data, size, "{{&", 3) == NULL &&
			memmem(data, size, "<script>\"x\"", 11) == NULL)
		FUZZ_CHECK(strstr(r, "<script>\"x\"") == NULL);
	free(r);
}

static void
check_token_url(const uint8_t *data, size_t size)
{
	static const uint8_t secret[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	const uint64_t now = 1893456000; /* 2030-01-01 */
	char good[GG_PORTAL_CSRF_TOKEN_LEN + 1], host[300];
	struct gg_portal_url u;
	char *s = text_of(data, size), *url, *hosthdr;
	enum gg_portal_csrf_status st;

	url = strchr(s, '\n');
	if (url != NULL)
		*url++ = '\0';
	hosthdr = url != NULL ? strchr(url, '\n') : NULL;
	if (hosthdr != NULL)
		*hosthdr++ = '\0';

	FUZZ_CHECK(gg_portal_csrf_make(secret, sizeof(secret), "10.45.0.3",
			"nai-dev0001@maker.example", now, good) == 0);
	st = gg_portal_csrf_check(secret, sizeof(secret), "10.45.0.3",
			"nai-dev0001@maker.example", s, now + 10, 3600);
	FUZZ_CHECK(gg_portal_csrf_strerror(st) != NULL);
	if (st == GG_PORTAL_CSRF_OK)
		FUZZ_CHECK(strcasecmp(s, good) == 0);

	if (url != NULL && gg_portal_url_parse(url, &u) == 0) {
		FUZZ_CHECK(u.host[0] != '\0' && u.port != 0);
		snprintf(host, sizeof(host), strchr(u.host, ':') != NULL ?
				"[%s]:%u" : "%s:%u", u.host, u.port);
		FUZZ_CHECK(gg_portal_host_matches(host, &u));
		if (hosthdr != NULL)
			(void)gg_portal_host_matches(hosthdr, &u);
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		check_form(data + 1, size - 1);
		break;
	case 1:
		check_accept(data + 1, size - 1);
		break;
	case 2:
		check_template(data + 1, size - 1);
		break;
	default:
		check_token_url(data + 1, size - 1);
		break;
	}
	return 0;
}
