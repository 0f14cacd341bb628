/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificate URL canonicalisation: one strict reading of an http(s) URL
 * that refuses every form two parsers could disagree on (the rules are
 * listed in gg_fetch.h). Pure functions over a string, no allocation, so
 * the allow-list decision does not depend on any other state and the code
 * can be fuzzed alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gg_fetch.h"
#include "fetch_private.h"

#define DNS_NAME_MAX 253
#define DNS_LABEL_MAX 63

/* Output with a bound: characters past the end are counted, not written. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void
put_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void
put_str(struct out *o, const char *s, size_t n)
{
	while (n-- > 0)
		put_char(o, *s++);
}

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
hex_value(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* RFC 3986 unreserved. */
static bool
is_unreserved(int c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' ||
		c == '~';
}

/* What may appear unescaped in a path segment: RFC 3986 pchar without
 * '@' (refused everywhere, so that no reader can take it for userinfo). */
static bool
is_segment_char(int c)
{
	return is_unreserved(c) || strchr("!$&'()*+,;=:", c) != NULL;
}

/*
 * Copy a percent escape at s (s[0] == '%') in upper case. Refused: a bad
 * escape, and escapes whose decoding could change how the URL reads
 * (unreserved characters such as '.', '/', '\', '%') or hide a control or
 * non-ASCII octet.
 */
static int
put_escape(struct out *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int hi = hex_value((unsigned char)s[1]);
	int lo = hi < 0 ? -1 : hex_value((unsigned char)s[2]);
	int v;

	if (hi < 0 || lo < 0)
		return -EINVAL;
	v = hi * 16 + lo;
	if (is_unreserved(v) || v == '/' || v == '\\' || v == '%' ||
			v < 0x20 || v >= 0x7f)
		return -EINVAL;
	put_char(o, '%');
	put_char(o, hex[hi]);
	put_char(o, hex[lo]);
	return 0;
}

/* A dotted quad as people write it: four 0..255 without leading zeros. */
static bool
is_dotted_quad(const char *h, size_t n)
{
	unsigned int labels = 0, digits = 0, value = 0;
	size_t i;

	for (i = 0; i <= n; i++) {
		if (i == n || h[i] == '.') {
			if (digits == 0 || value > 255 ||
					(digits > 1 && h[i - digits] == '0'))
				return false;
			labels++;
			digits = 0;
			value = 0;
		} else if (is_digit(h[i]) && digits < 3) {
			value = value * 10 + (h[i] - '0');
			digits++;
		} else {
			return false;
		}
	}
	return labels == 4;
}

/* A DNS name or a dotted quad, written in lower case. */
static int
put_name_host(struct out *o, const char *h, size_t n)
{
	size_t i, label = 0, last_start = 0;

	if (n == 0 || n > DNS_NAME_MAX)
		return -EINVAL;
	for (i = 0; i <= n; i++) {
		if (i == n || h[i] == '.') {
			/* no empty label (also no leading or trailing dot), no
			 * label starting or ending with '-' */
			if (label == 0 || label > DNS_LABEL_MAX ||
					h[i - label] == '-' || h[i - 1] == '-')
				return -EINVAL;
			if (i < n)
				last_start = i + 1;
			label = 0;
		} else if (is_alpha(h[i]) || is_digit(h[i]) || h[i] == '-') {
			label++;
		} else {
			return -EINVAL;
		}
	}
	/* No top-level domain starts with a digit: a host whose last label
	 * does is an address, and only the dotted quad is accepted (never
	 * "127.1", "2130706433", "0x7f.1" or "0177.0.0.1"). */
	if (is_digit(h[last_start]) && !is_dotted_quad(h, n))
		return -EINVAL;
	for (i = 0; i < n; i++)
		put_char(o, lower(h[i]));
	return 0;
}

/* A bracketed IPv6 literal (no zone), rewritten as inet_ntop() does. */
static int
put_ipv6_host(struct out *o, const char *h, size_t n)
{
	char text[INET6_ADDRSTRLEN];
	struct in6_addr a;
	size_t i;

	if (n < 2 || n >= sizeof(text))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (hex_value((unsigned char)h[i]) < 0 && h[i] != ':' && h[i] != '.')
			return -EINVAL;
	memcpy(text, h, n);
	text[n] = '\0';
	if (inet_pton(AF_INET6, text, &a) != 1 ||
			inet_ntop(AF_INET6, &a, text, sizeof(text)) == NULL)
		return -EINVAL;
	put_char(o, '[');
	put_str(o, text, strlen(text));
	put_char(o, ']');
	return 0;
}

/* Decimal 1..65535, at most 5 digits. */
static int
parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* Authority [a, a + n): host and optional port, no userinfo. */
static int
put_authority(struct out *o, const char *a, size_t n, uint16_t default_port,
		struct url_parts *parts)
{
	const char *colon = NULL;
	size_t host_start = o->len, host_n;
	uint16_t port = default_port;
	int rc;

	if (a[0] == '[') {
		const char *end = memchr(a, ']', n);

		if (end == NULL)
			return -EINVAL;
		rc = put_ipv6_host(o, a + 1, (size_t)(end - a - 1));
		if (rc != 0)
			return rc;
		if (end + 1 < a + n) {
			if (end[1] != ':')
				return -EINVAL;
			colon = end + 1;
		}
	} else {
		colon = memchr(a, ':', n);
		rc = put_name_host(o, a, colon != NULL ? (size_t)(colon - a) : n);
		if (rc != 0)
			return rc;
	}
	host_n = o->len - host_start;
	if (parts != NULL) {
		if (host_n >= sizeof(parts->host) || o->len >= o->size)
			return -ENOSPC;
		memcpy(parts->host, o->buf + host_start, host_n);
		parts->host[host_n] = '\0';
	}
	if (colon != NULL) {
		rc = parse_port(colon + 1, (size_t)(a + n - colon - 1), &port);
		if (rc != 0)
			return rc;
		if (port != default_port) {
			char digits[8];
			int len = snprintf(digits, sizeof(digits), ":%u", port);

			put_str(o, digits, (size_t)len);
		}
	}
	if (parts != NULL)
		parts->port = port;
	return 0;
}

/*
 * Path from s (s[0] == '/') up to '?' or the end; returns where it stopped.
 * Segments "." and ".." and empty ones (but the last) are refused.
 */
static const char *
put_path(struct out *o, const char *s, int *rc)
{
	const char *seg = s + 1;

	put_char(o, '/');
	for (s++;; s++) {
		if (*s == '/' || *s == '?' || *s == '\0') {
			size_t n = (size_t)(s - seg);

			if ((n == 0 && *s == '/') ||
					(n == 1 && seg[0] == '.') ||
					(n == 2 && seg[0] == '.' && seg[1] == '.')) {
				*rc = -EINVAL;
				return s;
			}
			if (*s != '/')
				return s;
			put_char(o, '/');
			seg = s + 1;
		} else if (*s == '%') {
			*rc = put_escape(o, s);
			if (*rc != 0)
				return s;
			s += 2;
		} else if (is_segment_char((unsigned char)*s)) {
			put_char(o, *s);
		} else {
			*rc = -EINVAL;
			return s;
		}
	}
}

/* Query from s (s[0] == '?') to the end. */
static int
put_query(struct out *o, const char *s)
{
	int rc;

	put_char(o, '?');
	for (s++; *s != '\0'; s++) {
		if (*s == '%') {
			rc = put_escape(o, s);
			if (rc != 0)
				return rc;
			s += 2;
		} else if (is_segment_char((unsigned char)*s) || *s == '/' ||
				*s == '?') {
			put_char(o, *s);
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

int
fetch_url_canon(const char *url, char *buf, size_t size, struct url_parts *parts)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };
	const char *a, *end;
	uint16_t default_port;
	size_t n;
	int rc = 0;

	if (url == NULL || buf == NULL)
		return -EINVAL;
	n = strnlen(url, GG_FETCH_URL_MAX + 1);
	if (n > GG_FETCH_URL_MAX)
		return -EINVAL;
	if (strncasecmp(url, "http://", 7) == 0) {
		put_str(&o, "http://", 7);
		a = url + 7;
		default_port = 80;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		put_str(&o, "https://", 8);
		a = url + 8;
		default_port = 443;
	} else {
		return -EINVAL;
	}
	if (parts != NULL) {
		memset(parts, 0, sizeof(*parts));
		strcpy(parts->scheme, default_port == 80 ? "http" : "https");
	}
	/* The authority ends at the path, which is required: "http://h" and
	 * "http://h?q" are refused, so a prefix's authority is always pinned
	 * by the '/' that follows it. */
	end = strchr(a, '/');
	if (end == NULL || end == a)
		return -EINVAL;
	rc = put_authority(&o, a, (size_t)(end - a), default_port, parts);
	if (rc != 0)
		return rc;
	end = put_path(&o, end, &rc);
	if (rc != 0)
		return rc;
	if (*end == '?') {
		if (parts != NULL)
			parts->has_query = 1;
		rc = put_query(&o, end);
		if (rc != 0)
			return rc;
	}
	if (o.len >= size)
		return -ENOSPC;
	buf[o.len] = '\0';
	return (int)o.len;
}

int
gg_fetch_url_normalize(const char *url, char *out, size_t size)
{
	return fetch_url_canon(url, out, size, NULL);
}
