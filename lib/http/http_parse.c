/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x request recogniser (RFC 9112 2-3, RFC 9110 5.6.2 tokens): just
 * enough to tell a request from other bytes on port 80 and to find what
 * the original URL was. It never looks past the first empty line, never
 * past n, and keeps nothing.
 *
 * Limits and choices:
 * - The whole segment is what we have: a request line cut by its end is
 *   TRUNCATED (still a request; its URL is not used), a header line cut by
 *   its end is ignored, so Host is only believed when its line is whole.
 * - Octets >= 0x80 in the target are accepted (some clients send raw
 *   UTF-8); they are percent-encoded on the way out like everything else.
 * - A Host with octets outside host/port syntax, or a second Host, makes
 *   the request INVALID: RFC 9112 3.2 answers 400, we answer RST.
 */

#include <string.h>

#include "gg_http.h"

#define METHOD_MAX 32
#define LEADING_EOL_MAX 4

/* Character classes, one table lookup per octet. */
#define C_TCHAR 0x01 /* token character, RFC 9110 5.6.2 */
#define C_TARGET 0x02 /* may appear in a request-target as received */
#define C_HOST 0x04 /* uri-host / port / IP-literal, RFC 3986 3.2.2 */

static const uint8_t cclass[256] = {
	['!'] = C_TCHAR | C_TARGET | C_HOST,
	['"'] = C_TARGET,
	['#'] = C_TCHAR | C_TARGET,
	['$'] = C_TCHAR | C_TARGET | C_HOST,
	['%'] = C_TCHAR | C_TARGET | C_HOST,
	['&'] = C_TCHAR | C_TARGET | C_HOST,
	['\''] = C_TCHAR | C_TARGET | C_HOST,
	['('] = C_TARGET | C_HOST,
	[')'] = C_TARGET | C_HOST,
	['*'] = C_TCHAR | C_TARGET | C_HOST,
	['+'] = C_TCHAR | C_TARGET | C_HOST,
	[','] = C_TARGET | C_HOST,
	['-'] = C_TCHAR | C_TARGET | C_HOST,
	['.'] = C_TCHAR | C_TARGET | C_HOST,
	['/'] = C_TARGET,
	['0' ... '9'] = C_TCHAR | C_TARGET | C_HOST,
	[':'] = C_TARGET | C_HOST,
	[';'] = C_TARGET | C_HOST,
	['<'] = C_TARGET,
	['='] = C_TARGET | C_HOST,
	['>'] = C_TARGET,
	['?'] = C_TARGET,
	['@'] = C_TARGET,
	['A' ... 'Z'] = C_TCHAR | C_TARGET | C_HOST,
	['['] = C_TARGET | C_HOST,
	['\\'] = C_TARGET,
	[']'] = C_TARGET | C_HOST,
	['^'] = C_TCHAR | C_TARGET,
	['_'] = C_TCHAR | C_TARGET | C_HOST,
	['`'] = C_TCHAR | C_TARGET,
	['a' ... 'z'] = C_TCHAR | C_TARGET | C_HOST,
	['{'] = C_TARGET,
	['|'] = C_TCHAR | C_TARGET,
	['}'] = C_TARGET,
	['~'] = C_TCHAR | C_TARGET | C_HOST,
	[0x80 ... 0xff] = C_TARGET,
};

static inline int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Case-insensitive prefix test against a lowercase literal. */
static int
has_prefix_ci(const uint8_t *p, size_t n, const char *lit, size_t lit_len)
{
	size_t i;

	if (n < lit_len)
		return 0;
	for (i = 0; i < lit_len; i++)
		if (lower(p[i]) != lit[i])
			return 0;
	return 1;
}

/*
 * One header line [p, p + n), terminator excluded (a CR before the LF is
 * already cut). Returns -1 for an invalid Host, 1 when it was Host, else 0.
 */
static int
header_line(const uint8_t *p, size_t n, struct gg_http_request *req)
{
	size_t i;

	if (!has_prefix_ci(p, n, "host:", 5))
		return 0;
	p += 5;
	n -= 5;
	while (n > 0 && (p[0] == ' ' || p[0] == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	for (i = 0; i < n; i++)
		if (!(cclass[p[i]] & C_HOST))
			return -1;
	if (n > 0) {
		req->host = p;
		req->host_len = (uint16_t)n;
	}
	return 1;
}

/* Header section from p; stops at an empty line or the data's end. */
static enum gg_http_req_status
headers(const uint8_t *p, size_t n, struct gg_http_request *req)
{
	const uint8_t *end = p + n;
	int seen_host = 0;

	while (p < end) {
		const uint8_t *lf = memchr(p, '\n', (size_t)(end - p));
		size_t line;
		int r;

		if (lf == NULL)
			break; /* cut by the segment's end: ignored */
		line = (size_t)(lf - p);
		if (line > 0 && p[line - 1] == '\r')
			line--;
		if (line == 0)
			break; /* end of the header section */
		if (p[0] != ' ' && p[0] != '\t') { /* obs-fold lines ignored */
			r = header_line(p, line, req);
			if (r < 0 || (r > 0 && seen_host))
				return GG_HTTP_REQ_INVALID;
			seen_host |= r;
		}
		p = lf + 1;
	}
	return GG_HTTP_REQ_COMPLETE;
}

/*
 * Whether [p, p + n) is a prefix of what may follow the target: SP
 * "HTTP/1." DIGIT [CR] LF. Returns the octets of a complete match, 0 for
 * a valid but incomplete prefix, -1 for a mismatch.
 */
static int
version_tail(const uint8_t *p, size_t n, uint8_t *minor)
{
	static const char lit[] = " HTTP/1.";
	const size_t lit_len = sizeof(lit) - 1;
	size_t i;

	for (i = 0; i < lit_len; i++) {
		if (i == n)
			return 0;
		if (p[i] != (uint8_t)lit[i])
			return -1;
	}
	if (i == n)
		return 0;
	if (p[i] < '0' || p[i] > '9')
		return -1;
	*minor = (uint8_t)(p[i] - '0');
	if (++i == n)
		return 0;
	if (p[i] == '\r' && ++i == n)
		return 0;
	if (p[i] != '\n')
		return -1;
	return (int)i + 1;
}

enum gg_http_req_status
gg_http_parse_request(const uint8_t *p, size_t n, struct gg_http_request *req)
{
	size_t i = 0, m, t;
	int v;

	memset(req, 0, sizeof(*req));
	if (n > UINT16_MAX)
		n = UINT16_MAX; /* lengths are 16-bit; no segment is longer */
	while (i < n && i < LEADING_EOL_MAX && (p[i] == '\r' || p[i] == '\n'))
		i++;

	for (m = i; m < n && (cclass[p[m]] & C_TCHAR); m++)
		if (m - i == METHOD_MAX)
			return GG_HTTP_REQ_INVALID;
	if (m == i || m == n || p[m] != ' ')
		return GG_HTTP_REQ_INVALID;
	req->method = p + i;
	req->method_len = (uint16_t)(m - i);

	t = m + 1;
	for (i = t; i < n && (cclass[p[i]] & C_TARGET); i++)
		;
	req->target = p + t;
	req->target_len = (uint16_t)(i - t);
	/* At least one target octet before calling a cut line a request. */
	if (i == t)
		return GG_HTTP_REQ_INVALID;
	if (i == n)
		return GG_HTTP_REQ_TRUNCATED;
	req->absolute = has_prefix_ci(req->target, req->target_len, "http://", 7) ||
			has_prefix_ci(req->target, req->target_len, "https://", 8);

	v = version_tail(p + i, n - i, &req->version_minor);
	if (v < 0) {
		req->version_minor = 0;
		return GG_HTTP_REQ_INVALID;
	}
	if (v == 0) {
		req->version_minor = 0;
		return GG_HTTP_REQ_TRUNCATED;
	}
	return headers(p + i + v, n - i - (size_t)v, req);
}
