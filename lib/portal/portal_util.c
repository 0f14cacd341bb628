/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small helpers of the portal: the error message of the form and template
 * parsers (portal_private.h), the growing text buffer every page is built
 * in, HTML escaping, absolute URL parsing and Host matching, and the names
 * of a certificate.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "gg_portal.h"
#include "portal_private.h"

void
portal_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool
buf_reserve(struct gg_portal_buf *b, size_t more)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return false;
	need = b->len + more + 1;
	if (need < b->len || (b->max != 0 && b->len + more > b->max)) {
		b->failed = true;
		return false;
	}
	if (need <= b->cap)
		return true;
	cap = b->cap != 0 ? b->cap : 1024;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (p == NULL) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void
gg_portal_buf_add(struct gg_portal_buf *b, const char *s, size_t len)
{
	if (!buf_reserve(b, len))
		return;
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
gg_portal_buf_adds(struct gg_portal_buf *b, const char *s)
{
	gg_portal_buf_add(b, s, strlen(s));
}

void
gg_portal_buf_addf(struct gg_portal_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
gg_portal_buf_add_html(struct gg_portal_buf *b, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *rep;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		gg_portal_buf_add(b, run, (size_t)(s - run));
		gg_portal_buf_adds(b, rep);
		run = s + 1;
	}
	gg_portal_buf_add(b, run, (size_t)(s - run));
}

void
gg_portal_buf_free(struct gg_portal_buf *b)
{
	size_t max = b->max;

	free(b->data);
	memset(b, 0, sizeof(*b));
	b->max = max;
}

char *
gg_portal_buf_take(struct gg_portal_buf *b, size_t *len)
{
	char *d;

	if (b->failed) {
		gg_portal_buf_free(b);
		return NULL;
	}
	if (b->data == NULL && !buf_reserve(b, 0))
		return NULL;
	if (b->len == 0)
		b->data[0] = '\0';
	d = b->data;
	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}

int
gg_portal_url_parse(const char *s, struct gg_portal_url *u)
{
	const char *h, *end, *hs, *he, *colon = NULL;
	unsigned long port;
	size_t n, i;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(s, "https://", 8) == 0) {
		u->https = true;
		h = s + 8;
	} else if (strncasecmp(s, "http://", 7) == 0) {
		h = s + 7;
	} else {
		return -EINVAL;
	}
	end = h + strcspn(h, "/?#");
	if (*end == '?' || *end == '#' || strpbrk(h, "?#") != NULL)
		return -EINVAL;
	if (memchr(h, '@', (size_t)(end - h)) != NULL)
		return -EINVAL;
	hs = h;
	if (*h == '[') {
		he = memchr(h, ']', (size_t)(end - h));
		if (he == NULL)
			return -EINVAL;
		hs = h + 1;
		if (he + 1 < end) {
			if (he[1] != ':')
				return -EINVAL;
			colon = he + 1;
		}
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		he = colon != NULL ? colon : end;
	}
	n = (size_t)(he - hs);
	/* "portal.example." is the same host: the Host header test ignores
	 * the root's dot too, so both must drop it. */
	if (n > 0 && hs[n - 1] == '.' && *h != '[')
		n--;
	if (n == 0 || n >= sizeof(u->host))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)hs[i];

		if (!isalnum(ch) && ch != '-' && ch != '.' && ch != ':')
			return -EINVAL;
		/* No empty label: ".x", "x..y" (and so no dot left at the end). */
		if (ch == '.' && (i == 0 || hs[i - 1] == '.' || i + 1 == n))
			return -EINVAL;
		u->host[i] = (char)tolower(ch);
	}
	port = u->https ? 443 : 80;
	if (colon != NULL) {
		char *pe;

		port = strtoul(colon + 1, &pe, 10);
		if (pe != end || colon + 1 == end || port == 0 || port > 65535)
			return -EINVAL;
	}
	u->port = (uint16_t)port;
	n = strlen(end);
	if (n >= sizeof(u->path))
		return -EINVAL;
	memcpy(u->path, end, n + 1);
	/* "https://x/" and "https://x" are the same base. */
	if (strcmp(u->path, "/") == 0)
		u->path[0] = '\0';
	return 0;
}

bool
gg_portal_host_matches(const char *host_header, const struct gg_portal_url *u)
{
	const char *hs, *he, *colon;
	unsigned long port;
	size_t n;

	if (host_header == NULL)
		return false;
	hs = host_header;
	if (*hs == '[') {
		he = strchr(hs, ']');
		if (he == NULL)
			return false;
		colon = he[1] == ':' ? he + 1 : NULL;
		if (colon == NULL && he[1] != '\0')
			return false;
		hs++;
	} else {
		colon = strchr(hs, ':');
		he = colon != NULL ? colon : hs + strlen(hs);
	}
	port = u->https ? 443 : 80;
	if (colon != NULL) {
		char *pe;

		port = strtoul(colon + 1, &pe, 10);
		if (*pe != '\0' || colon[1] == '\0')
			return false;
	}
	n = (size_t)(he - hs);
	if (n > 0 && hs[n - 1] == '.')
		n--;
	return port == u->port && n == strlen(u->host) &&
		strncasecmp(hs, u->host, n) == 0;
}

static int
name_line(const X509_NAME *nm, char *out, size_t size)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	if (b == NULL)
		return -ENOMEM;
	if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
		BIO_free(b);
		return -EINVAL;
	}
	n = BIO_get_mem_data(b, &p);
	if (n < 0 || (size_t)n >= size) {
		/* Cut, never fail: a long name is still worth showing. */
		n = n < 0 ? 0 : (long)size - 1;
	}
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	BIO_free(b);
	return 0;
}

int
gg_portal_cert_names(const char *pem, char *subject, size_t sublen,
		char *issuer, size_t isslen, char *not_after, size_t nalen)
{
	BIO *b;
	X509 *x;
	int ret = 0;

	if (pem == NULL || pem[0] == '\0' || sublen == 0 || isslen == 0)
		return -EINVAL;
	b = BIO_new_mem_buf(pem, -1);
	if (b == NULL)
		return -ENOMEM;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (x == NULL)
		return -EINVAL;
	if (name_line(X509_get_subject_name(x), subject, sublen) < 0 ||
			name_line(X509_get_issuer_name(x), issuer, isslen) < 0)
		ret = -EINVAL;
	if (ret == 0 && not_after != NULL && nalen > 0) {
		BIO *t = BIO_new(BIO_s_mem());
		char *p;
		long n;

		not_after[0] = '\0';
		if (t != NULL && ASN1_TIME_print(t, X509_get0_notAfter(x)) == 1) {
			n = BIO_get_mem_data(t, &p);
			if (n > 0 && (size_t)n < nalen) {
				memcpy(not_after, p, (size_t)n);
				not_after[n] = '\0';
			}
		}
		BIO_free(t);
	}
	X509_free(x);
	return ret;
}
