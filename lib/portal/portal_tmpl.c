/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The page template renderer: a template is parsed once into a list of
 * pieces (text, variable, section start, section end) and rendered as
 * often as needed. The syntax is in gg_portal.h.
 *
 * Cost: rendering is one pass over the pieces with a linear lookup of each
 * variable among those given (pages have about twenty).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gg_portal.h"
#include "portal_private.h"

#define TMPL_NAME_MAX 32
#define TMPL_DEPTH_MAX 8
#define TMPL_FILE_MAX (256 * 1024)

enum piece_kind {
	P_TEXT,
	P_VAR,      /* escaped */
	P_RAW,      /* as is */
	P_IF,       /* {{#name}} */
	P_UNLESS,   /* {{^name}} */
	P_END,      /* {{/name}} */
};

struct piece {
	enum piece_kind kind;
	size_t off, len;              /* P_TEXT: in text */
	char name[TMPL_NAME_MAX + 1];
	unsigned int end;             /* P_IF / P_UNLESS: index of its P_END */
};

struct gg_portal_tmpl {
	char *text;
	struct piece *p;
	unsigned int n, cap;
};

static struct piece *
add_piece(struct gg_portal_tmpl *t, enum piece_kind k)
{
	struct piece *p;

	if (t->n == t->cap) {
		unsigned int cap = t->cap != 0 ? 2 * t->cap : 32;

		p = realloc(t->p, cap * sizeof(*p));
		if (p == NULL)
			return NULL;
		t->p = p;
		t->cap = cap;
	}
	p = &t->p[t->n++];
	memset(p, 0, sizeof(*p));
	p->kind = k;
	return p;
}

static unsigned int
line_of(const char *text, const char *at)
{
	unsigned int line = 1;

	for (; text < at; text++)
		if (*text == '\n')
			line++;
	return line;
}

struct gg_portal_tmpl *
gg_portal_tmpl_parse(const char *text, size_t len, const char *name,
		char *err, size_t errlen)
{
	unsigned int stack[TMPL_DEPTH_MAX], depth = 0;
	struct gg_portal_tmpl *t;
	const char *s, *end;

	if (memchr(text, '\0', len) != NULL) {
		portal_err(err, errlen, "%s: contains a NUL byte", name);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL || (t->text = malloc(len + 1)) == NULL) {
		free(t);
		portal_err(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	memcpy(t->text, text, len);
	t->text[len] = '\0';
	s = t->text;
	end = t->text + len;
	while (s < end) {
		const char *open = strstr(s, "{{"), *close, *nm;
		enum piece_kind k = P_VAR;
		struct piece *p;
		size_t n, i;

		if (open == NULL)
			open = end;
		if (open > s) {
			p = add_piece(t, P_TEXT);
			if (p == NULL)
				goto nomem;
			p->off = (size_t)(s - t->text);
			p->len = (size_t)(open - s);
		}
		if (open == end)
			break;
		close = strstr(open + 2, "}}");
		if (close == NULL) {
			portal_err(err, errlen, "%s:%u: '{{' without '}}'", name,
				line_of(t->text, open));
			goto fail;
		}
		nm = open + 2;
		switch (*nm) {
		case '&': k = P_RAW; nm++; break;
		case '#': k = P_IF; nm++; break;
		case '^': k = P_UNLESS; nm++; break;
		case '/': k = P_END; nm++; break;
		}
		n = (size_t)(close - nm);
		if (n == 0 || n > TMPL_NAME_MAX) {
			portal_err(err, errlen, "%s:%u: a tag needs a name of 1..%d characters",
				name, line_of(t->text, open), TMPL_NAME_MAX);
			goto fail;
		}
		for (i = 0; i < n; i++)
			if (!((nm[i] >= 'a' && nm[i] <= 'z') ||
					(nm[i] >= '0' && nm[i] <= '9') || nm[i] == '_')) {
				portal_err(err, errlen, "%s:%u: bad tag name '%.*s' "
					"(lowercase letters, digits, '_')", name,
					line_of(t->text, open), (int)n, nm);
				goto fail;
			}
		p = add_piece(t, k);
		if (p == NULL)
			goto nomem;
		memcpy(p->name, nm, n);
		p->name[n] = '\0';
		if (k == P_IF || k == P_UNLESS) {
			if (depth == TMPL_DEPTH_MAX) {
				portal_err(err, errlen, "%s:%u: sections nested deeper than %d",
					name, line_of(t->text, open), TMPL_DEPTH_MAX);
				goto fail;
			}
			stack[depth++] = t->n - 1;
		} else if (k == P_END) {
			if (depth == 0 ||
					strcmp(t->p[stack[depth - 1]].name, p->name) != 0) {
				portal_err(err, errlen, "%s:%u: '{{/%s}}' closes no open section%s%s",
					name, line_of(t->text, open), p->name,
					depth > 0 ? "; open: " : "",
					depth > 0 ? t->p[stack[depth - 1]].name : "");
				goto fail;
			}
			t->p[stack[--depth]].end = t->n - 1;
		}
		s = close + 2;
	}
	if (depth != 0) {
		portal_err(err, errlen, "%s: section '%s' is not closed", name,
			t->p[stack[depth - 1]].name);
		goto fail;
	}
	return t;
nomem:
	portal_err(err, errlen, "%s: out of memory", name);
fail:
	gg_portal_tmpl_free(t);
	return NULL;
}

struct gg_portal_tmpl *
gg_portal_tmpl_load(const char *path, char *err, size_t errlen)
{
	struct gg_portal_tmpl *t;
	char *text;
	FILE *f;
	size_t n;

	f = fopen(path, "r");
	if (f == NULL) {
		portal_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	text = malloc(TMPL_FILE_MAX + 1);
	if (text == NULL) {
		fclose(f);
		portal_err(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	n = fread(text, 1, TMPL_FILE_MAX + 1, f);
	if (ferror(f) || n > TMPL_FILE_MAX) {
		portal_err(err, errlen, "%s: %s", path, ferror(f) ? strerror(errno) :
			"larger than 256 KiB");
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	t = gg_portal_tmpl_parse(text, n, path, err, errlen);
	free(text);
	return t;
}

void
gg_portal_tmpl_free(struct gg_portal_tmpl *t)
{
	if (t == NULL)
		return;
	free(t->text);
	free(t->p);
	free(t);
}

static const char *
lookup(const struct gg_portal_var *vars, unsigned int n, const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (strcmp(vars[i].name, name) == 0)
			return vars[i].value;
	return NULL;
}

void
gg_portal_tmpl_render(const struct gg_portal_tmpl *t,
		const struct gg_portal_var *vars, unsigned int n_vars,
		struct gg_portal_buf *out)
{
	unsigned int i;

	for (i = 0; i < t->n; i++) {
		const struct piece *p = &t->p[i];
		const char *v;
		bool set;

		switch (p->kind) {
		case P_TEXT:
			gg_portal_buf_add(out, t->text + p->off, p->len);
			break;
		case P_VAR:
		case P_RAW:
			v = lookup(vars, n_vars, p->name);
			if (v == NULL)
				break;
			if (p->kind == P_VAR)
				gg_portal_buf_add_html(out, v);
			else
				gg_portal_buf_adds(out, v);
			break;
		case P_IF:
		case P_UNLESS:
			v = lookup(vars, n_vars, p->name);
			set = v != NULL && v[0] != '\0';
			if (set != (p->kind == P_IF))
				i = p->end; /* skip to the END; the loop steps past it */
			break;
		case P_END:
			break;
		}
	}
}
