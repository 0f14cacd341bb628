/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus / OpenMetrics text writer (gg_metrics.h). Formatting
 * only: the caller gathers the values and serves the text.
 *
 * The two formats as written here:
 *
 *   OpenMetrics 1.0.0                    text 0.0.4
 *   # HELP x_bytes Bytes sent.           # HELP x_bytes_total Bytes sent.
 *   # TYPE x_bytes counter               # TYPE x_bytes_total counter
 *   # UNIT x_bytes bytes                 (no UNIT line)
 *   x_bytes_total{port="n3"} 42          x_bytes_total{port="n3"} 42
 *   # EOF                                (no end marker)
 *
 * Cost: one vsnprintf per line into a buffer that doubles when full;
 * nothing else is allocated.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gg_metrics.h"

#define OM_INITIAL 16384

int
gg_om_init(struct gg_om *w, enum gg_om_format fmt, size_t max)
{
	memset(w, 0, sizeof(*w));
	w->fmt = fmt;
	w->max = max;
	w->cap = max < OM_INITIAL ? max : OM_INITIAL;
	w->buf = malloc(w->cap + 1);
	if (w->buf == NULL) {
		w->failed = true;
		return -1;
	}
	w->buf[0] = '\0';
	return 0;
}

void
gg_om_free(struct gg_om *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

/* Make room for @p need more octets (and the NUL): doubling, up to max. */
static bool
om_reserve(struct gg_om *w, size_t need)
{
	size_t cap = w->cap;
	char *b;

	if (w->failed)
		return false;
	if (w->len + need <= w->cap)
		return true;
	if (w->len + need > w->max) {
		w->failed = true;
		return false;
	}
	while (cap < w->len + need)
		cap *= 2;
	if (cap > w->max)
		cap = w->max;
	b = realloc(w->buf, cap + 1);
	if (b == NULL) {
		w->failed = true;
		return false;
	}
	w->buf = b;
	w->cap = cap;
	return true;
}

static void __attribute__((format(printf, 2, 3)))
om_printf(struct gg_om *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->buf + w->len, w->cap - w->len + 1, fmt, ap);
	va_end(ap);
	if (n < 0) {
		w->failed = true;
		return;
	}
	if ((size_t)n > w->cap - w->len) {
		/* Did not fit: grow and write again. */
		if (!om_reserve(w, (size_t)n))
			return;
		va_start(ap, fmt);
		vsnprintf(w->buf + w->len, w->cap - w->len + 1, fmt, ap);
		va_end(ap);
	}
	w->len += (size_t)n;
}

static void
om_putc(struct gg_om *w, char c)
{
	if (!om_reserve(w, 1))
		return;
	w->buf[w->len++] = c;
	w->buf[w->len] = '\0';
}

/*
 * Escapes: label values \ " and newline in both formats; HELP text \ and
 * newline, and " too in OpenMetrics.
 */
static void
om_escaped(struct gg_om *w, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			om_printf(w, "\\\\");
		else if (*s == '\n')
			om_printf(w, "\\n");
		else if (*s == '"' && quote)
			om_printf(w, "\\\"");
		else
			om_putc(w, *s);
	}
}

bool
gg_om_valid_name(const char *name)
{
	const char *p;

	if (name == NULL || *name == '\0' ||
			!(isalpha((unsigned char)*name) || *name == '_' || *name == ':'))
		return false;
	for (p = name + 1; *p != '\0'; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == ':'))
			return false;
	return true;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls > lx && s[ls - lx - 1] == '_' && strcmp(s + ls - lx, suffix) == 0;
}

static const char *
type_word(const struct gg_om *w)
{
	switch (w->type) {
	case GG_OM_COUNTER:
		return "counter";
	case GG_OM_INFO:
		return w->fmt == GG_OM_OPENMETRICS ? "info" : "gauge";
	default:
		return "gauge";
	}
}

/* The name samples of the open family carry. */
static const char *
sample_suffix(const struct gg_om *w)
{
	return w->type == GG_OM_COUNTER ? "_total" :
		w->type == GG_OM_INFO ? "_info" : "";
}

void
gg_om_family(struct gg_om *w, const char *name, enum gg_om_type type,
		const char *unit, const char *help)
{
	const char *shown;
	size_t n = strlen(name);

	if (w->failed)
		return;
	if (!gg_om_valid_name(name) || n >= sizeof(w->family) - 8 ||
			(unit != NULL && (type == GG_OM_INFO ||
			!gg_om_valid_name(unit) || !ends_with(name, unit))) ||
			(type == GG_OM_COUNTER && ends_with(name, "total")) ||
			(type == GG_OM_INFO && ends_with(name, "info"))) {
		w->failed = true;
		return;
	}
	memcpy(w->family, name, n + 1);
	w->type = type;
	/* Text 0.0.4 names the samples in HELP and TYPE; OpenMetrics the family. */
	shown = w->fmt == GG_OM_OPENMETRICS ? "" : sample_suffix(w);
	if (help != NULL && *help != '\0') {
		om_printf(w, "# HELP %s%s ", name, shown);
		om_escaped(w, help, w->fmt == GG_OM_OPENMETRICS);
		om_putc(w, '\n');
	}
	om_printf(w, "# TYPE %s%s %s\n", name, shown, type_word(w));
	if (unit != NULL && w->fmt == GG_OM_OPENMETRICS)
		om_printf(w, "# UNIT %s %s\n", name, unit);
}

static void
om_name_labels(struct gg_om *w, const char *const *labels)
{
	unsigned int i;

	if (w->family[0] == '\0') {
		w->failed = true;
		return;
	}
	om_printf(w, "%s%s", w->family, sample_suffix(w));
	if (labels == NULL || labels[0] == NULL)
		return;
	om_putc(w, '{');
	for (i = 0; labels[i] != NULL; i += 2) {
		if (i / 2 >= GG_OM_LABELS_MAX || labels[i + 1] == NULL ||
				!gg_om_valid_name(labels[i]) ||
				strncmp(labels[i], "__", 2) == 0) {
			w->failed = true;
			return;
		}
		om_printf(w, "%s%s=\"", i > 0 ? "," : "", labels[i]);
		om_escaped(w, labels[i + 1], true);
		om_putc(w, '"');
	}
	om_putc(w, '}');
}

void
gg_om_sample(struct gg_om *w, const char *const *labels, uint64_t v)
{
	om_name_labels(w, labels);
	om_printf(w, " %" PRIu64 "\n", v);
}

void
gg_om_sample_double(struct gg_om *w, const char *const *labels, double v)
{
	om_name_labels(w, labels);
	if (isnan(v))
		om_printf(w, " NaN\n");
	else if (isinf(v))
		om_printf(w, " %cInf\n", v > 0 ? '+' : '-');
	else
		om_printf(w, " %.17g\n", v);
}

const char *
gg_om_finish(struct gg_om *w, size_t *len)
{
	if (w->fmt == GG_OM_OPENMETRICS)
		om_printf(w, "# EOF\n");
	if (w->failed)
		return NULL;
	if (len != NULL)
		*len = w->len;
	return w->buf;
}

/* q of one Accept entry's parameters ("; version=1.0.0; q=0.5"): 1 if none. */
static double
accept_q(const char *p, const char *end)
{
	while (p < end) {
		while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
			p++;
		if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
			return strtod(p + 2, NULL);
		while (p < end && *p != ';')
			p++;
	}
	return 1.0;
}

enum gg_om_format
gg_om_negotiate(const char *accept)
{
	static const char om[] = "application/openmetrics-text";
	const char *p = accept, *end, *semi;

	if (accept == NULL)
		return GG_OM_TEXT;
	/* Bounded by the header's length: each round moves past one comma. */
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		semi = memchr(p, ';', (size_t)(end - p));
		if (semi == NULL)
			semi = end;
		while (semi > p && (semi[-1] == ' ' || semi[-1] == '\t'))
			semi--;
		if ((size_t)(semi - p) == sizeof(om) - 1 &&
				strncasecmp(p, om, sizeof(om) - 1) == 0 &&
				accept_q(semi, end) > 0)
			return GG_OM_OPENMETRICS;
		p = end;
	}
	return GG_OM_TEXT;
}

const char *
gg_om_content_type(enum gg_om_format fmt)
{
	return fmt == GG_OM_OPENMETRICS ?
		"application/openmetrics-text; version=1.0.0; charset=utf-8" :
		"text/plain; version=0.0.4; charset=utf-8";
}
