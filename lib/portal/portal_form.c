/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * application/x-www-form-urlencoded decoding (the WHATWG URL standard's
 * parser, made strict: bad escapes and repeated names are refused instead
 * of guessed) and the validation of the sign-up form, whose messages are
 * written to be read next to the field by a person or a screen reader.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gg_hex.h"
#include "gg_portal.h"
#include "portal_private.h"

/* Decode [s, e) into out (NUL-terminated); its length or -1. */
static long
decode(const char *s, const char *e, char *out)
{
	size_t n = 0;

	for (; s < e; s++) {
		if (*s == '+') {
			out[n++] = ' ';
		} else if (*s == '%') {
			int hi, lo;

			if (e - s < 3)
				return -1;
			hi = gg_hex_digit((unsigned char)s[1]);
			lo = gg_hex_digit((unsigned char)s[2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			out[n++] = (char)(hi << 4 | lo);
			s += 2;
		} else if (*s == '\0') {
			return -1;
		} else {
			out[n++] = *s;
		}
	}
	out[n] = '\0';
	return (long)n;
}

int
gg_portal_form_parse(const char *body, size_t len, size_t max_len,
		struct gg_portal_form *form, char *err, size_t errlen)
{
	const char *s = body, *end = body + len;
	char *p;
	unsigned int i;

	memset(form, 0, sizeof(*form));
	if (len > max_len) {
		portal_err(err, errlen, "The form is larger than %zu bytes.", max_len);
		return -E2BIG;
	}
	/* Decoding never lengthens: the body's size (+ NULs) is enough. */
	form->buf = malloc(2 * len + 2);
	if (form->buf == NULL) {
		portal_err(err, errlen, "Out of memory.");
		return -ENOMEM;
	}
	form->buf_size = 2 * len + 2;
	p = form->buf;
	while (s < end) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *e = amp != NULL ? amp : end;
		const char *eq = memchr(s, '=', (size_t)(e - s));
		struct gg_portal_form_field *f;
		long n;

		if (e == s) { /* "a=1&&b=2": empty pieces are skipped */
			s = e + 1;
			continue;
		}
		if (form->n == GG_PORTAL_FORM_FIELDS_MAX) {
			portal_err(err, errlen, "The form has more than %d fields.",
				GG_PORTAL_FORM_FIELDS_MAX);
			goto fail;
		}
		f = &form->f[form->n];
		f->name = p;
		n = decode(s, eq != NULL ? eq : e, p);
		if (n <= 0) {
			portal_err(err, errlen, n == 0 ? "A form field has no name." :
				"A form field name is not properly encoded.");
			goto fail;
		}
		p += n + 1;
		f->value = p;
		n = eq != NULL ? decode(eq + 1, e, p) : (*p = '\0', 0);
		if (n < 0) {
			portal_err(err, errlen, "The value of '%.32s' is not properly encoded.",
				f->name);
			goto fail;
		}
		if (n > GG_PORTAL_FORM_VALUE_MAX) {
			portal_err(err, errlen, "The value of '%.32s' is longer than %d bytes.",
				f->name, GG_PORTAL_FORM_VALUE_MAX);
			goto fail;
		}
		p += n + 1;
		for (i = 0; i < form->n; i++)
			if (strcmp(form->f[i].name, f->name) == 0) {
				portal_err(err, errlen, "The field '%.32s' is given twice.",
					f->name);
				goto fail;
			}
		form->n++;
		s = amp != NULL ? amp + 1 : end;
	}
	return 0;
fail:
	gg_portal_form_free(form);
	return -EINVAL;
}

const char *
gg_portal_form_get(const struct gg_portal_form *form, const char *name)
{
	unsigned int i;

	for (i = 0; i < form->n; i++)
		if (strcmp(form->f[i].name, name) == 0)
			return form->f[i].value;
	return NULL;
}

void
gg_portal_form_free(struct gg_portal_form *form)
{
	if (form->buf != NULL) {
		/* Forms hold people's names and addresses: no leftovers. */
		memset(form->buf, 0, form->buf_size);
		free(form->buf);
	}
	memset(form, 0, sizeof(*form));
}

static const char *const signup_names[GG_PORTAL_F_MAX] = {
	[GG_PORTAL_F_PLAN] = "plan",
	[GG_PORTAL_F_NAME] = "name",
	[GG_PORTAL_F_EMAIL] = "email",
	[GG_PORTAL_F_TERMS] = "terms",
};

const char *
gg_portal_signup_field_name(enum gg_portal_signup_field f)
{
	return f < GG_PORTAL_F_MAX ? signup_names[f] : NULL;
}

/* Copy @p s without leading/trailing spaces and tabs into out[size]; its
 * length, or -1 when it does not fit. */
static long
trim_copy(const char *s, char *out, size_t size)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= size)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return (long)n;
}

/* Valid UTF-8 (no overlongs, surrogates or values past U+10FFFF) without
 * C0/C1 controls or DEL. */
static bool
utf8_text(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s != '\0') {
		unsigned int c, n, i;

		if (*s < 0x80) {
			if (*s < 0x20 || *s == 0x7f)
				return false;
			s++;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf) {
			c = *s & 0x1f;
			n = 1;
		} else if (*s >= 0xe0 && *s <= 0xef) {
			c = *s & 0x0f;
			n = 2;
		} else if (*s >= 0xf0 && *s <= 0xf4) {
			c = *s & 0x07;
			n = 3;
		} else {
			return false;
		}
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (s[i] & 0x3f);
		}
		if ((n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
				c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ||
				(c >= 0x80 && c <= 0x9f))
			return false;
		s += n + 1;
	}
	return true;
}

/* local@domain.tld, printable ASCII, no spaces, quotes or angle brackets:
 * enough to catch typing mistakes; the address is not mailed here. */
static bool
email_ok(const char *e)
{
	const char *at = strchr(e, '@'), *d, *p;

	if (at == NULL || at == e || strchr(at + 1, '@') != NULL)
		return false;
	for (p = e; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("\"<>()[]\\,;:", *p) != NULL)
			return false;
	d = at + 1;
	if (d[0] == '.' || d[0] == '\0' || strchr(d, '.') == NULL ||
			d[strlen(d) - 1] == '.' || strstr(d, "..") != NULL)
		return false;
	return true;
}

unsigned int
gg_portal_signup_validate(const struct gg_portal_form *form,
		const struct gg_portal_plan *plans, unsigned int n_plans,
		struct gg_portal_signup *out, struct gg_portal_signup_errors *errs)
{
	const char *v;
	unsigned int i;
	long n;

	memset(out, 0, sizeof(*out));
	memset(errs, 0, sizeof(*errs));

	v = gg_portal_form_get(form, "plan");
	for (i = 0; v != NULL && i < n_plans; i++)
		if (strcmp(plans[i].id, v) == 0) {
			out->plan = &plans[i];
			break;
		}
	if (out->plan == NULL)
		errs->msg[GG_PORTAL_F_PLAN] = v == NULL || v[0] == '\0' ?
			"Choose a plan." : "Choose one of the plans listed.";

	v = gg_portal_form_get(form, "name");
	n = v != NULL ? trim_copy(v, out->name, sizeof(out->name)) : 0;
	if (n == 0)
		errs->msg[GG_PORTAL_F_NAME] = "Enter your full name.";
	else if (n < 0)
		errs->msg[GG_PORTAL_F_NAME] = "Your name must be at most 64 bytes long; shorten it.";
	else if (!utf8_text(out->name))
		errs->msg[GG_PORTAL_F_NAME] = "Your name contains characters that cannot be used; use letters, spaces and punctuation.";

	v = gg_portal_form_get(form, "email");
	n = v != NULL ? trim_copy(v, out->email, sizeof(out->email)) : 0;
	if (n == 0)
		errs->msg[GG_PORTAL_F_EMAIL] = "Enter your email address.";
	else if (n < 0)
		errs->msg[GG_PORTAL_F_EMAIL] = "Your email address must be at most 128 characters long.";
	else if (!email_ok(out->email))
		errs->msg[GG_PORTAL_F_EMAIL] = "Enter an email address in the form name@example.com.";

	v = gg_portal_form_get(form, "terms");
	if (v == NULL || strcmp(v, "yes") != 0)
		errs->msg[GG_PORTAL_F_TERMS] = "Accept the terms of service to continue.";

	for (i = 0; i < GG_PORTAL_F_MAX; i++)
		if (errs->msg[i] != NULL)
			errs->n++;
	if (errs->n != 0)
		memset(out, 0, sizeof(*out));
	return errs->n;
}
