/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Accept header matching (RFC 9110 12.5.1 and 12.4.2): media ranges with
 * parameters and q-values, wildcards, most specific range wins.
 *
 * Limits: a media type or parameter longer than MT_TOKEN_MAX, or more than
 * MT_PARAMS_MAX parameters, makes that one element unparseable (ignored);
 * so does a quoted parameter value holding a comma, since elements are
 * split at every comma (no media type used here has one).
 * Cost: offers x ranges comparisons; headers are short.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gg_portal.h"

#define MT_TOKEN_MAX 64
#define MT_PARAMS_MAX 8

struct mt_param {
	char name[MT_TOKEN_MAX];
	char value[MT_TOKEN_MAX];
};

struct media {
	char type[MT_TOKEN_MAX];
	char subtype[MT_TOKEN_MAX];
	struct mt_param p[MT_PARAMS_MAX];
	unsigned int n_params;
	unsigned int q;  /* 0..1000 */
};

static bool
is_tchar(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *
skip_ows(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* A token into out; returns the end, or NULL if empty or too long. */
static const char *
read_token(const char *s, const char *end, char *out)
{
	size_t n = 0;

	while (s < end && is_tchar((unsigned char)*s)) {
		if (n + 1 >= MT_TOKEN_MAX)
			return NULL;
		out[n++] = *s++;
	}
	out[n] = '\0';
	return n == 0 ? NULL : s;
}

static const char *
read_quoted(const char *s, const char *end, char *out)
{
	size_t n = 0;

	s++; /* opening quote */
	while (s < end && *s != '"') {
		if (*s == '\\' && s + 1 < end)
			s++;
		if (n + 1 >= MT_TOKEN_MAX)
			return NULL;
		out[n++] = *s++;
	}
	if (s == end)
		return NULL;
	out[n] = '\0';
	return s + 1;
}

/* "0", "0.5", "1", "1.000": at most three decimals (RFC 9110 12.4.2). */
static int
parse_q(const char *v, unsigned int *q)
{
	unsigned int val, scale = 100;
	const char *p;

	if (v[0] != '0' && v[0] != '1')
		return -EINVAL;
	val = (unsigned int)(v[0] - '0') * 1000;
	if (v[1] == '\0')
		goto done;
	if (v[1] != '.')
		return -EINVAL;
	for (p = v + 2; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || scale == 0)
			return -EINVAL;
		val += (unsigned int)(*p - '0') * scale;
		scale /= 10;
	}
done:
	if (val > 1000)
		return -EINVAL;
	*q = val;
	return 0;
}

/*
 * Parse one media type or range in [s, end). With @p is_range, "q" ends the
 * media parameters (what follows are extension parameters, ignored).
 */
static int
parse_media(const char *s, const char *end, bool is_range, struct media *m)
{
	memset(m, 0, sizeof(*m));
	m->q = 1000;
	s = skip_ows(s, end);
	s = read_token(s, end, m->type);
	if (s == NULL || s == end || *s != '/')
		return -EINVAL;
	s = read_token(s + 1, end, m->subtype);
	if (s == NULL)
		return -EINVAL;
	if (strcmp(m->type, "*") == 0 && strcmp(m->subtype, "*") != 0)
		return -EINVAL;
	for (;;) {
		struct mt_param p;

		s = skip_ows(s, end);
		if (s == end)
			return 0;
		if (*s != ';')
			return -EINVAL;
		s = skip_ows(s + 1, end);
		if (s == end)
			return 0; /* a trailing ';' is harmless */
		s = read_token(s, end, p.name);
		if (s == NULL || s == end || *s != '=')
			return -EINVAL;
		s++;
		if (s < end && *s == '"')
			s = read_quoted(s, end, p.value);
		else
			s = read_token(s, end, p.value);
		if (s == NULL)
			return -EINVAL;
		if (is_range && strcasecmp(p.name, "q") == 0) {
			if (parse_q(p.value, &m->q) < 0)
				return -EINVAL;
			return 0; /* accept-ext parameters follow: not ours */
		}
		if (m->n_params == MT_PARAMS_MAX)
			return -EINVAL;
		m->p[m->n_params++] = p;
	}
}

/* Whether range @p r matches offer @p o; its specificity in *spec. */
static bool
range_matches(const struct media *r, const struct media *o, unsigned int *spec)
{
	unsigned int i, j;

	if (strcmp(r->type, "*") == 0) {
		*spec = 0;
		return true;
	}
	if (strcasecmp(r->type, o->type) != 0)
		return false;
	if (strcmp(r->subtype, "*") == 0) {
		*spec = 1;
		return true;
	}
	if (strcasecmp(r->subtype, o->subtype) != 0)
		return false;
	for (i = 0; i < r->n_params; i++) {
		for (j = 0; j < o->n_params; j++)
			if (strcasecmp(r->p[i].name, o->p[j].name) == 0 &&
					strcmp(r->p[i].value, o->p[j].value) == 0)
				break;
		if (j == o->n_params)
			return false;
	}
	*spec = 2 + r->n_params;
	return true;
}

int
gg_portal_accept(const char *accept, const char *const *offers,
		unsigned int n_offers, unsigned int *q)
{
	struct media offer, range;
	unsigned int i, best_q = 0;
	int best = -1;

	if (n_offers == 0)
		return -1;
	if (accept == NULL || accept[strspn(accept, " \t")] == '\0') {
		if (q != NULL)
			*q = 1000;
		return 0;
	}
	for (i = 0; i < n_offers; i++) {
		const char *s = accept, *e;
		unsigned int oq = 0, ospec = 0, spec;
		bool matched = false;

		if (parse_media(offers[i], offers[i] + strlen(offers[i]), false,
				&offer) < 0)
			continue;
		for (; *s != '\0'; s = *e == ',' ? e + 1 : e) {
			e = s + strcspn(s, ",");
			if (parse_media(s, e, true, &range) < 0)
				continue;
			if (!range_matches(&range, &offer, &spec))
				continue;
			if (!matched || spec > ospec) {
				matched = true;
				ospec = spec;
				oq = range.q;
			}
		}
		if (matched && oq > best_q) {
			best_q = oq;
			best = (int)i;
		}
	}
	if (best >= 0 && q != NULL)
		*q = best_q;
	return best;
}
