/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of lib/portal: Accept matching, CSRF tokens, form parsing and
 * the sign-up validation, templates and their escaping, the OS probe
 * table, the RFC 8908 JSON, URL/Host matching and
 * certificate names (on the build's test PKI).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "test_cunit.h"
#include "gg_portal.h"

static const char *const captive_offer[] = { GG_PORTAL_CAPTIVE_JSON };

static int
acc(const char *accept)
{
	return gg_portal_accept(accept, captive_offer, 1, NULL);
}

static void
test_accept_basic(void)
{
	unsigned int q;

	CU_ASSERT_EQUAL(acc(NULL), 0);
	CU_ASSERT_EQUAL(acc(""), 0);
	CU_ASSERT_EQUAL(acc("  "), 0);
	CU_ASSERT_EQUAL(acc("application/captive+json"), 0);
	CU_ASSERT_EQUAL(acc("Application/Captive+JSON"), 0);
	CU_ASSERT_EQUAL(acc("*/*"), 0);
	CU_ASSERT_EQUAL(acc("application/*"), 0);
	CU_ASSERT_EQUAL(acc("text/html"), -1);
	CU_ASSERT_EQUAL(acc("application/json"), -1);
	CU_ASSERT_EQUAL(acc("text/*"), -1);
	CU_ASSERT_EQUAL(acc("text/html, application/xhtml+xml;q=0.9, */*;q=0.8"), 0);
	CU_ASSERT_EQUAL(gg_portal_accept("text/html;q=0.5, */*;q=0.25",
		captive_offer, 1, &q), 0);
	CU_ASSERT_EQUAL(q, 250);
	/* a string compare would accept these */
	CU_ASSERT_EQUAL(acc("application/captive+jsonx"), -1);
	CU_ASSERT_EQUAL(acc("xapplication/captive+json"), -1);
	CU_ASSERT_EQUAL(acc("text/plain; x=\"application/captive+json\""), -1);
}

static void
test_accept_q0(void)
{
	CU_ASSERT_EQUAL(acc("application/captive+json;q=0"), -1);
	CU_ASSERT_EQUAL(acc("application/captive+json; q=0.000"), -1);
	CU_ASSERT_EQUAL(acc("*/*;q=0"), -1);
	/* the most specific range decides, whatever the order */
	CU_ASSERT_EQUAL(acc("application/captive+json;q=0, */*"), -1);
	CU_ASSERT_EQUAL(acc("*/*, application/captive+json;q=0"), -1);
	CU_ASSERT_EQUAL(acc("application/*;q=0, application/captive+json;q=0.1"), 0);
	CU_ASSERT_EQUAL(acc("*/*;q=0, application/*;q=0.3"), 0);
	CU_ASSERT_EQUAL(acc("application/*;q=0, */*"), -1);
	/* a bad q makes its element ignored */
	CU_ASSERT_EQUAL(acc("application/captive+json;q=2"), -1);
	CU_ASSERT_EQUAL(acc("application/captive+json;q=0.1234"), -1);
	CU_ASSERT_EQUAL(acc("application/captive+json;q=abc, */*;q=0.5"), 0);
}

static void
test_accept_params(void)
{
	static const char *const offers[] = { "text/html;level=1", "text/html",
		"application/captive+json" };
	unsigned int q = 0;

	/* a range with a parameter matches only offers with it */
	CU_ASSERT_EQUAL(acc("application/captive+json;charset=utf-8"), -1);
	CU_ASSERT_EQUAL(gg_portal_accept("text/html;level=1;q=0.2, text/html;q=0.7",
		offers, 3, &q), 1);
	CU_ASSERT_EQUAL(q, 700);
	CU_ASSERT_EQUAL(gg_portal_accept("text/html;level=\"1\"", offers, 3, &q), 0);
	CU_ASSERT_EQUAL(gg_portal_accept("text/html;LEVEL=1;q=1, text/html;q=0.5",
		offers, 3, &q), 0);
	CU_ASSERT_EQUAL(q, 1000);
	CU_ASSERT_EQUAL(gg_portal_accept("text/*;q=0.3, application/captive+json;q=0.9",
		offers, 3, &q), 2);
	/* ties go to the earlier offer */
	CU_ASSERT_EQUAL(gg_portal_accept("*/*", offers, 3, &q), 0);
	/* parameters after q are extensions, not media parameters */
	CU_ASSERT_EQUAL(acc("application/captive+json;q=0.5;ext=1"), 0);
	/* junk */
	CU_ASSERT_EQUAL(acc("garbage"), -1);
	CU_ASSERT_EQUAL(acc(",,;;,"), -1);
	CU_ASSERT_EQUAL(acc("*/json"), -1);
	CU_ASSERT_EQUAL(acc("application/captive+json;=x"), -1);
	CU_ASSERT_EQUAL(acc("garbage, application/captive+json"), 0);
}

static const uint8_t secret[32] = "0123456789abcdef0123456789abcde";
static const uint8_t secret2[32] = "another secret, not the same...";

static void
test_csrf(void)
{
	char tok[GG_PORTAL_CSRF_TOKEN_LEN + 1], bad[GG_PORTAL_CSRF_TOKEN_LEN + 1];
	const uint64_t now = 1718000000;

	CU_ASSERT_EQUAL(gg_portal_csrf_make(secret, sizeof(secret), "10.45.0.7",
		"nai-dev0001@maker.example", now, tok), 0);
	CU_ASSERT_EQUAL(strlen(tok), GG_PORTAL_CSRF_TOKEN_LEN);
	/* good, also for another portal holding the same secret, later on */
	CU_ASSERT_EQUAL(gg_portal_csrf_check(secret, sizeof(secret), "10.45.0.7",
		"nai-dev0001@maker.example", tok, now, 3600), GG_PORTAL_CSRF_OK);
	CU_ASSERT_EQUAL(gg_portal_csrf_check(secret, sizeof(secret), "10.45.0.7",
		"nai-dev0001@maker.example", tok, now + 3600, 3600), GG_PORTAL_CSRF_OK);
	/* expired */
	CU_ASSERT_EQUAL(gg_portal_csrf_check(secret, sizeof(secret), "10.45.0.7",
		"nai-dev0001@maker.example", tok, now + 3601, 3600),
		GG_PORTAL_CSRF_EXPIRED);
	/* from the future (a clock far behind), within the skew it is fine */
	CU_ASSERT_EQUAL(gg_portal_csrf_check(secret, sizeof(secret), "10.45.0.7",
		"nai-dev0001@maker.example", tok, now - GG_PORTAL_CSRF_SKEW_S, 3600),
		GG_PORTAL_CSRF_OK);
	CU_ASSERT_EQUAL(gg_portal_csrf_check(secret, sizeof(secret), "10.45.0.7",
		"nai-dev0001@maker.example", tok, now - GG_PORTAL_CSRF_SKEW_S - 1, 3600),
		GG_PORTAL_CSRF_FUTURE);
	/* another address, another device, another secret */
	CU_ASSERT_EQUAL(gg_portal_csrf_check(secret, sizeof(secret), "10.45.0.8",
		"nai-dev0001@maker.example", tok, now, 3600), GG_PORTAL_CSRF_FORGED);
	CU_ASSERT_EQUAL(gg_portal_csrf_check(secret, sizeof(secret), "10.45.0.7",
		"nai-dev0002@maker.example", tok, now, 3600), GG_PORTAL_CSRF_FORGED);
	CU_ASSERT_EQUAL(gg_portal_csrf_check(secret2, sizeof(secret2), "10.45.0.7",
		"nai-dev0001@maker.example", tok, now, 3600), GG_PORTAL_CSRF_FORGED);
	/* no injectivity trick: ("10.45.0.7", "x") vs ("10.45.0.", "7x") */
	CU_ASSERT_EQUAL(gg_portal_csrf_check(secret, sizeof(secret), "10.45.0.",
		"7nai-dev0001@maker.example", tok, now, 3600), GG_PORTAL_CSRF_FORGED);
	/* forged: time moved forward with the old MAC, one bit flipped */
	strcpy(bad, tok);
	bad[15] = bad[15] == '0' ? '1' : '0';
	CU_ASSERT_EQUAL(gg_portal_csrf_check(secret, sizeof(secret), "10.45.0.7",
		"nai-dev0001@maker.example", bad, now, 3600), GG_PORTAL_CSRF_FORGED);
	strcpy(bad, tok);
	bad[79] = bad[79] == 'a' ? 'b' : 'a';
	CU_ASSERT_EQUAL(gg_portal_csrf_check(secret, sizeof(secret), "10.45.0.7",
		"nai-dev0001@maker.example", bad, now, 3600), GG_PORTAL_CSRF_FORGED);
	/* malformed, missing */
	CU_ASSERT_EQUAL(gg_portal_csrf_check(secret, sizeof(secret), "10.45.0.7",
		"x", "", now, 3600), GG_PORTAL_CSRF_MISSING);
	CU_ASSERT_EQUAL(gg_portal_csrf_check(secret, sizeof(secret), "10.45.0.7",
		"x", NULL, now, 3600), GG_PORTAL_CSRF_MISSING);
	CU_ASSERT_EQUAL(gg_portal_csrf_check(secret, sizeof(secret), "10.45.0.7",
		"x", "abc", now, 3600), GG_PORTAL_CSRF_MALFORMED);
	strcpy(bad, tok);
	bad[20] = 'G';
	CU_ASSERT_EQUAL(gg_portal_csrf_check(secret, sizeof(secret), "10.45.0.7",
		"nai-dev0001@maker.example", bad, now, 3600), GG_PORTAL_CSRF_MALFORMED);
	/* a short secret is refused */
	CU_ASSERT_EQUAL(gg_portal_csrf_make(secret, 8, "10.45.0.7", "x", now, tok),
		-EINVAL);
	CU_ASSERT_EQUAL(gg_portal_csrf_make(secret, sizeof(secret), "", "x", now, tok),
		-EINVAL);
}

static void
test_form_parse(void)
{
	struct gg_portal_form f;
	char err[128], big[3000];
	const char *body;

	body = "plan=basic&name=Ana+Mar%C3%ADa&email=a%40b.example&empty=&flag";
	CU_ASSERT_EQUAL(gg_portal_form_parse(body, strlen(body), 4096, &f, err,
		sizeof(err)), 0);
	CU_ASSERT_EQUAL(f.n, 5);
	CU_ASSERT_STRING_EQUAL(gg_portal_form_get(&f, "name"), "Ana Mar\xc3\xad" "a");
	CU_ASSERT_STRING_EQUAL(gg_portal_form_get(&f, "email"), "a@b.example");
	CU_ASSERT_STRING_EQUAL(gg_portal_form_get(&f, "empty"), "");
	CU_ASSERT_STRING_EQUAL(gg_portal_form_get(&f, "flag"), "");
	CU_ASSERT_PTR_NULL(gg_portal_form_get(&f, "nope"));
	gg_portal_form_free(&f);

	CU_ASSERT_EQUAL(gg_portal_form_parse("", 0, 4096, &f, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(f.n, 0);
	gg_portal_form_free(&f);

	memset(big, 'a', sizeof(big));
	CU_ASSERT_EQUAL(gg_portal_form_parse(big, sizeof(big), 2048, &f, err,
		sizeof(err)), -E2BIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "2048"));
	big[0] = 'v';
	big[1] = '=';
	CU_ASSERT_EQUAL(gg_portal_form_parse(big, sizeof(big), 4096, &f, err,
		sizeof(err)), -EINVAL); /* value over 1024 */
	CU_ASSERT_EQUAL(gg_portal_form_parse("a=%zz", 5, 4096, &f, err,
		sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(gg_portal_form_parse("a=%4", 4, 4096, &f, err,
		sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(gg_portal_form_parse("a=%00", 5, 4096, &f, err,
		sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(gg_portal_form_parse("a=1&a=2", 7, 4096, &f, err,
		sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "twice"));
	CU_ASSERT_EQUAL(gg_portal_form_parse("=1", 2, 4096, &f, err,
		sizeof(err)), -EINVAL);
	body = "a=1&b=1&c=1&d=1&e=1&f=1&g=1&h=1&i=1&j=1&k=1&l=1&m=1&n=1&o=1&p=1&q=1";
	CU_ASSERT_EQUAL(gg_portal_form_parse(body, strlen(body), 4096, &f, err,
		sizeof(err)), -EINVAL);
	/* a NUL inside the body is not text */
	CU_ASSERT_EQUAL(gg_portal_form_parse("a=1\0b", 5, 4096, &f, err,
		sizeof(err)), -EINVAL);
}

static const struct gg_portal_plan plans[] = {
	{ "basic", "Basic", "EUR 5 / month", 30 },
	{ "max", "Max", "EUR 20 / month", 30 },
};

static unsigned int
validate(const char *body, struct gg_portal_signup *s,
		struct gg_portal_signup_errors *e)
{
	struct gg_portal_form f;
	unsigned int n;

	CU_ASSERT_FATAL(gg_portal_form_parse(body, strlen(body), 4096, &f, NULL, 0) == 0);
	n = gg_portal_signup_validate(&f, plans, 2, s, e);
	gg_portal_form_free(&f);
	return n;
}

static void
test_form_validate(void)
{
	struct gg_portal_signup s;
	struct gg_portal_signup_errors e;

	CU_ASSERT_EQUAL(validate("plan=max&name=+Ana+Lima+&email=ana%40example.org&terms=yes",
		&s, &e), 0);
	CU_ASSERT_PTR_EQUAL(s.plan, &plans[1]);
	CU_ASSERT_STRING_EQUAL(s.name, "Ana Lima");
	CU_ASSERT_STRING_EQUAL(s.email, "ana@example.org");

	CU_ASSERT_EQUAL(validate("", &s, &e), 4);
	CU_ASSERT_STRING_EQUAL(e.msg[GG_PORTAL_F_PLAN], "Choose a plan.");
	CU_ASSERT_STRING_EQUAL(e.msg[GG_PORTAL_F_NAME], "Enter your full name.");
	CU_ASSERT_STRING_EQUAL(e.msg[GG_PORTAL_F_EMAIL], "Enter your email address.");
	CU_ASSERT_PTR_NOT_NULL(e.msg[GG_PORTAL_F_TERMS]);
	CU_ASSERT_PTR_NULL(s.plan);

	CU_ASSERT_EQUAL(validate("plan=gold&name=Ana&email=ana%40example.org&terms=yes",
		&s, &e), 1);
	CU_ASSERT_STRING_EQUAL(e.msg[GG_PORTAL_F_PLAN], "Choose one of the plans listed.");
	CU_ASSERT_EQUAL(validate("plan=basic&name=++&email=ana%40example.org&terms=yes",
		&s, &e), 1);
	CU_ASSERT_PTR_NOT_NULL(e.msg[GG_PORTAL_F_NAME]);
	CU_ASSERT_EQUAL(validate("plan=basic&name=A%01B&email=ana%40example.org&terms=yes",
		&s, &e), 1);
	CU_ASSERT_EQUAL(validate("plan=basic&name=A%C3&email=ana%40example.org&terms=yes",
		&s, &e), 1); /* cut UTF-8 */
	CU_ASSERT_EQUAL(validate("plan=basic&name=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&email=ana%40example.org&terms=yes",
		&s, &e), 1); /* 65 */
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg[GG_PORTAL_F_NAME], "64"));
	CU_ASSERT_EQUAL(validate("plan=basic&name=Ana&email=ana&terms=yes", &s, &e), 1);
	CU_ASSERT_EQUAL(validate("plan=basic&name=Ana&email=ana%40localhost&terms=yes", &s, &e), 1);
	CU_ASSERT_EQUAL(validate("plan=basic&name=Ana&email=a+b%40x.org&terms=yes", &s, &e), 1);
	CU_ASSERT_EQUAL(validate("plan=basic&name=Ana&email=a%40%40x.org&terms=yes", &s, &e), 1);
	CU_ASSERT_EQUAL(validate("plan=basic&name=Ana&email=a%40x..org&terms=yes", &s, &e), 1);
	CU_ASSERT_EQUAL(validate("plan=basic&name=Ana&email=a%40x.org&terms=no", &s, &e), 1);
	CU_ASSERT_PTR_NOT_NULL(e.msg[GG_PORTAL_F_TERMS]);
	CU_ASSERT_STRING_EQUAL(gg_portal_signup_field_name(GG_PORTAL_F_EMAIL), "email");
}

static struct gg_portal_tmpl *
parse(const char *text, char *err, size_t errlen)
{
	return gg_portal_tmpl_parse(text, strlen(text), "t.html", err, errlen);
}

static void
test_tmpl(void)
{
	const struct gg_portal_var vars[] = {
		{ "who", "<script>alert('x')</script> & \"q\"" },
		{ "frag", "<li>ok</li>" },
		{ "on", "1" },
		{ "off", "" },
	};
	struct gg_portal_buf b = { 0 };
	struct gg_portal_tmpl *t;
	char err[128];

	t = parse("<p>{{who}}</p>{{&frag}}{{#on}}[on{{#off}}X{{/off}}]{{/on}}"
		"{{^off}}(off){{/off}}{{^on}}Y{{/on}}{{missing}}{{#missing}}Z{{/missing}}!",
		err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	gg_portal_tmpl_render(t, vars, 4, &b);
	CU_ASSERT_FALSE(b.failed);
	CU_ASSERT_STRING_EQUAL(b.data, "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
		" &amp; &quot;q&quot;</p><li>ok</li>[on](off)!");
	gg_portal_buf_free(&b);
	gg_portal_tmpl_free(t);

	CU_ASSERT_PTR_NULL(parse("a\n{{#x}}b", err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'x' is not closed"));
	CU_ASSERT_PTR_NULL(parse("a\nb {{x", err, sizeof(err)));
	CU_ASSERT_STRING_EQUAL(err, "t.html:2: '{{' without '}}'");
	CU_ASSERT_PTR_NULL(parse("{{#a}}{{/b}}", err, sizeof(err)));
	CU_ASSERT_PTR_NULL(parse("{{/a}}", err, sizeof(err)));
	CU_ASSERT_PTR_NULL(parse("{{}}", err, sizeof(err)));
	CU_ASSERT_PTR_NULL(parse("{{Bad}}", err, sizeof(err)));
	CU_ASSERT_PTR_NULL(parse("{{a b}}", err, sizeof(err)));
	CU_ASSERT_PTR_NULL(parse("{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}",
		err, sizeof(err)));
	/* a value holding tags is text, never parsed again */
	t = parse("{{who}}", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	{
		const struct gg_portal_var v = { "who", "{{&frag}}" };

		gg_portal_tmpl_render(t, &v, 1, &b);
		CU_ASSERT_STRING_EQUAL(b.data, "{{&amp;frag}}");
	}
	gg_portal_buf_free(&b);
	gg_portal_tmpl_free(t);
	/* the shipped templates parse */
	t = gg_portal_tmpl_load("app/portal/templates/landing.html", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(t);
	gg_portal_tmpl_free(t);
	CU_ASSERT_PTR_NULL(gg_portal_tmpl_load("app/portal/templates/none.html", err,
		sizeof(err)));
}

static void
test_probes(void)
{
	const struct gg_portal_probe *p, *all;
	unsigned int n, i;

	p = gg_portal_probe_find("captive.apple.com", "/hotspot-detect.html");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->status, 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(p->body, "<BODY>Success</BODY>"));
	p = gg_portal_probe_find("Connectivitycheck.Gstatic.com:80", "/generate_204");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->status, 204);
	CU_ASSERT_STRING_EQUAL(p->body, "");
	p = gg_portal_probe_find("clients3.google.com.", "/generate_204?x=1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->status, 204);
	p = gg_portal_probe_find("www.msftconnecttest.com", "/connecttest.txt");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_STRING_EQUAL(p->body, "Microsoft Connect Test");
	p = gg_portal_probe_find("www.msftncsi.com", "/ncsi.txt");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_STRING_EQUAL(p->body, "Microsoft NCSI");
	p = gg_portal_probe_find("detectportal.firefox.com", "/success.txt");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_STRING_EQUAL(p->body, "success\n");
	CU_ASSERT_STRING_EQUAL(p->content_type, "text/plain");
	CU_ASSERT_PTR_NULL(gg_portal_probe_find("detectportal.firefox.com", "/success.txtx"));
	CU_ASSERT_PTR_NULL(gg_portal_probe_find("evil.example", "/generate_204"));
	CU_ASSERT_PTR_NULL(gg_portal_probe_find("xcaptive.apple.com", "/hotspot-detect.html"));
	CU_ASSERT_PTR_NULL(gg_portal_probe_find(NULL, "/"));
	all = gg_portal_probes(&n);
	CU_ASSERT(n >= 6);
	for (i = 0; i < n; i++) {
		CU_ASSERT(all[i].status == 200 || all[i].status == 204);
		CU_ASSERT((all[i].status == 204) == (all[i].content_type == NULL));
		CU_ASSERT_PTR_EQUAL(gg_portal_probe_find(all[i].host, all[i].path), &all[i]);
	}
}

static void
test_json(void)
{
	struct gg_portal_captive c = {
		.captive = true,
		.user_portal_url = "https://portal.example/signup",
		.venue_info_url = "https://venue.example/",
		.has_seconds_remaining = true,
		.seconds_remaining = 300,
	};
	json_error_t je;
	json_t *o;
	char *s;

	s = gg_portal_captive_json(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	o = json_loads(s, 0, &je);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT(json_is_true(json_object_get(o, "captive")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "user-portal-url")),
		"https://portal.example/signup");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "venue-info-url")),
		"https://venue.example/");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(o, "seconds-remaining")), 300);
	json_decref(o);
	free(s);

	c.captive = false;
	c.venue_info_url = NULL;
	c.has_seconds_remaining = false;
	s = gg_portal_captive_json(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	o = json_loads(s, 0, &je);
	CU_ASSERT(json_is_false(json_object_get(o, "captive")));
	CU_ASSERT_PTR_NULL(json_object_get(o, "venue-info-url"));
	CU_ASSERT_PTR_NULL(json_object_get(o, "seconds-remaining"));
	CU_ASSERT_EQUAL(json_object_size(o), 2);
	json_decref(o);
	free(s);

	c.captive = true;
	c.user_portal_url = NULL;
	CU_ASSERT_PTR_NULL(gg_portal_captive_json(&c));

	s = gg_portal_problem_json(406, "Not Acceptable", "only application/captive+json");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	o = json_loads(s, 0, &je);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(o, "status")), 406);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "title")),
		"Not Acceptable");
	json_decref(o);
	free(s);
}

static void
test_url_host(void)
{
	struct gg_portal_url u;

	CU_ASSERT_EQUAL(gg_portal_url_parse("https://Portal.Example", &u), 0);
	CU_ASSERT(u.https);
	CU_ASSERT_STRING_EQUAL(u.host, "portal.example");
	CU_ASSERT_EQUAL(u.port, 443);
	CU_ASSERT_STRING_EQUAL(u.path, "");
	CU_ASSERT_EQUAL(gg_portal_url_parse("http://10.0.0.1:8080/base", &u), 0);
	CU_ASSERT_EQUAL(u.port, 8080);
	CU_ASSERT_STRING_EQUAL(u.path, "/base");
	CU_ASSERT_EQUAL(gg_portal_url_parse("https://[::1]:8443/", &u), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "::1");
	CU_ASSERT(gg_portal_host_matches("[::1]:8443", &u));
	CU_ASSERT_EQUAL(gg_portal_url_parse("ftp://x", &u), -EINVAL);
	CU_ASSERT_EQUAL(gg_portal_url_parse("https://u@x", &u), -EINVAL);
	CU_ASSERT_EQUAL(gg_portal_url_parse("https://x/?a", &u), -EINVAL);
	CU_ASSERT_EQUAL(gg_portal_url_parse("https://x:0", &u), -EINVAL);
	CU_ASSERT_EQUAL(gg_portal_url_parse("https://", &u), -EINVAL);

	CU_ASSERT_EQUAL(gg_portal_url_parse("https://portal.example", &u), 0);
	CU_ASSERT(gg_portal_host_matches("portal.example", &u));
	CU_ASSERT(gg_portal_host_matches("PORTAL.example.:443", &u));
	CU_ASSERT_FALSE(gg_portal_host_matches("portal.example:80", &u));
	CU_ASSERT_FALSE(gg_portal_host_matches("portal.example.evil", &u));
	CU_ASSERT_FALSE(gg_portal_host_matches("", &u));
	CU_ASSERT_FALSE(gg_portal_host_matches(NULL, &u));
	/* A trailing dot names the same host on both sides (fuzz_portal). */
	CU_ASSERT_EQUAL(gg_portal_url_parse("https://portal.example.:8443/x", &u), 0);
	CU_ASSERT_STRING_EQUAL(u.host, "portal.example");
	CU_ASSERT(gg_portal_host_matches("portal.example:8443", &u));
	CU_ASSERT(gg_portal_host_matches("portal.example.:8443", &u));
	CU_ASSERT_EQUAL(gg_portal_url_parse("https://./", &u), -EINVAL);
	CU_ASSERT_EQUAL(gg_portal_url_parse("https://portal..example/", &u), -EINVAL);
	CU_ASSERT_EQUAL(gg_portal_url_parse("https://.portal.example/", &u), -EINVAL);
	CU_ASSERT_EQUAL(gg_portal_url_parse("https://portal.example../", &u), -EINVAL);
}

static void
test_cert_names(void)
{
	char sub[256], iss[256], na[64], *pem;
	FILE *f;
	long n;

	f = fopen("build/demo/pki/dev-ec.pem", "r");
	if (f == NULL) {
		fprintf(stderr, "build/demo/pki/dev-ec.pem: not built; skipped\n");
		return;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	pem = calloc(1, (size_t)n + 1);
	CU_ASSERT_FATAL(pem != NULL && fread(pem, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	CU_ASSERT_EQUAL(gg_portal_cert_names(pem, sub, sizeof(sub), iss, sizeof(iss),
		na, sizeof(na)), 0);
	CU_ASSERT(strlen(sub) > 0);
	CU_ASSERT(strstr(iss, "CN=") != NULL);
	CU_ASSERT(strstr(na, "2050") != NULL);
	CU_ASSERT_EQUAL(gg_portal_cert_names("junk", sub, sizeof(sub), iss, sizeof(iss),
		NULL, 0), -EINVAL);
	CU_ASSERT_EQUAL(gg_portal_cert_names("", sub, sizeof(sub), iss, sizeof(iss),
		NULL, 0), -EINVAL);
	free(pem);
}

static void
test_buf(void)
{
	struct gg_portal_buf b = { .max = 8 };
	char *s;
	size_t len;

	gg_portal_buf_addf(&b, "%d-%s", 12, "ab");
	CU_ASSERT_STRING_EQUAL(b.data, "12-ab");
	gg_portal_buf_adds(&b, "cdef");
	CU_ASSERT(b.failed);
	CU_ASSERT_PTR_NULL(gg_portal_buf_take(&b, &len));
	b.max = 0;
	gg_portal_buf_add_html(&b, "a<b");
	s = gg_portal_buf_take(&b, &len);
	CU_ASSERT_STRING_EQUAL(s, "a&lt;b");
	CU_ASSERT_EQUAL(len, 6);
	free(s);
}

static const struct test_case tests[] = {
	{ "accept basic", test_accept_basic },
	{ "accept q=0", test_accept_q0 },
	{ "accept params", test_accept_params },
	{ "csrf", test_csrf },
	{ "form parse", test_form_parse },
	{ "form validate", test_form_validate },
	{ "templates", test_tmpl },
	{ "probes", test_probes },
	{ "rfc 8908 json", test_json },
	{ "url, host", test_url_host },
	{ "certificate names", test_cert_names },
	{ "buffer", test_buf },
};

int
main(void)
{
	return test_cunit_main("portal", NULL, NULL, TEST_CASES(tests));
}
