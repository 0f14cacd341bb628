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

#include <rte_byteorder.h>
#include <rte_common.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "gg_http.h"

#define METHOD_MAX 32
#define LEADING_EOL_MAX 4

/* Character classes, one table lookup per octet. */
#define C_TCHAR 0x01 /* token character, RFC 9110 5.6.2 */
#define C_TARGET 0x02 /* may appear in a request-target as received */
#define C_HOST 0x04 /* uri-host / port / IP-literal, RFC 3986 3.2.2 */
#define C_UNRES 0x08 /* unreserved, RFC 3986 2.3: kept as is in a URL */

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
	['-'] = C_TCHAR | C_TARGET | C_HOST | C_UNRES,
	['.'] = C_TCHAR | C_TARGET | C_HOST | C_UNRES,
	['/'] = C_TARGET,
	['0' ... '9'] = C_TCHAR | C_TARGET | C_HOST | C_UNRES,
	[':'] = C_TARGET | C_HOST,
	[';'] = C_TARGET | C_HOST,
	['<'] = C_TARGET,
	['='] = C_TARGET | C_HOST,
	['>'] = C_TARGET,
	['?'] = C_TARGET,
	['@'] = C_TARGET,
	['A' ... 'Z'] = C_TCHAR | C_TARGET | C_HOST | C_UNRES,
	['['] = C_TARGET | C_HOST,
	['\\'] = C_TARGET,
	[']'] = C_TARGET | C_HOST,
	['^'] = C_TCHAR | C_TARGET,
	['_'] = C_TCHAR | C_TARGET | C_HOST | C_UNRES,
	['`'] = C_TCHAR | C_TARGET,
	['a' ... 'z'] = C_TCHAR | C_TARGET | C_HOST | C_UNRES,
	['{'] = C_TARGET,
	['|'] = C_TCHAR | C_TARGET,
	['}'] = C_TARGET,
	['~'] = C_TCHAR | C_TARGET | C_HOST | C_UNRES,
	[0x80 ... 0xff] = C_TARGET,
};

static inline int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Four octets as laid in memory, for comparisons with a literal. */
static inline uint32_t
load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The memory image of four literal octets, any byte order. */
#define IMAGE4(a, b, c, d) rte_cpu_to_le_32((uint32_t)(a) | (uint32_t)(b) << 8 | \
	(uint32_t)(c) << 16 | (uint32_t)(d) << 24)

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
#ifdef __SSE2__
/*
 * Bits of the sixteen octets at p that are unreserved (RFC 3986 2.3:
 * letters, digits, "-._~"), one per octet. About a dozen instructions
 * where the table takes four per octet.
 */
static inline unsigned int
unreserved16(const uint8_t *p)
{
	const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* | 0x20 maps 'A'-'Z' onto 'a'-'z' and nothing else into it (octets
	 * >= 0x80 stay negative for the signed compares). */
	const __m128i lo = _mm_or_si128(v, _mm_set1_epi8(0x20));
	__m128i ok = _mm_and_si128(_mm_cmpgt_epi8(lo, _mm_set1_epi8('a' - 1)),
			_mm_cmplt_epi8(lo, _mm_set1_epi8('z' + 1)));

	ok = _mm_or_si128(ok, _mm_and_si128(
			_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
			_mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1))));
	ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
	ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
	ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
	ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('~')));
	return (unsigned int)_mm_movemask_epi8(ok);
}

/*
 * Whether all n octets at p are unreserved, reading sixteen at a time and
 * nothing outside [base, p + n): the last (or only) step reads the
 * sixteen octets ending at p + n, which needs p + n - base >= 16. 0 also
 * when that does not hold: the caller's table walk then decides.
 */
static inline int
all_unreserved(const uint8_t *base, const uint8_t *p, size_t n)
{
	size_t i = 0;

	if ((size_t)(p + n - base) < 16)
		return 0;
	for (; n - i > 16; i += 16)
		if (unreserved16(p + i) != 0xffff)
			return 0;
	/* The n - i octets left are the top bits of the last sixteen. */
	return (unreserved16(p + n - 16) >> (16 - (n - i))) ==
			(0xffffu >> (16 - (n - i)));
}
#endif

static int
header_line(const uint8_t *base, const uint8_t *p, size_t n,
		struct gg_http_request *req)
{
	unsigned int all;
	size_t i;

	/* "host:" in any case: | 0x20 lowers letters, and only 'H' and 'h'
	 * give 'h' (and so on), so one load compares four of them. */
	if (n < 5 || (load32(p) | 0x20202020u) != IMAGE4('h', 'o', 's', 't') ||
			p[4] != ':')
		return 0;
	p += 5;
	n -= 5;
	while (n > 0 && (p[0] == ' ' || p[0] == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
#ifdef __SSE2__
	/* A plain name (nearly always): valid and plain, as the walk below
	 * would find, unreserved octets being host octets too. */
	if (n > 0 && all_unreserved(base, p, n)) {
		req->host = p;
		req->host_len = (uint16_t)n;
		req->host_plain = 1;
		return 1;
	}
#else
	RTE_SET_USED(base);
#endif
	/* Four octets per test: the classes of all four must have C_HOST.
	 * What all octets have in common also says whether it is plain. */
	all = C_HOST | C_UNRES;
	for (i = 0; n - i >= 4; i += 4) {
		all &= cclass[p[i]] & cclass[p[i + 1]] & cclass[p[i + 2]] &
				cclass[p[i + 3]];
		if (!(all & C_HOST))
			return -1;
	}
	for (; i < n; i++) {
		all &= cclass[p[i]];
		if (!(all & C_HOST))
			return -1;
	}
	if (n > 0) {
		req->host = p;
		req->host_len = (uint16_t)n;
		req->host_plain = (all & C_UNRES) != 0;
	}
	return 1;
}

/*
 * The first LF in [p, end), or NULL; base is where the data starts (p >=
 * base). memchr() without the call: with SSE2, sixteen octets per step,
 * and the last step reads the sixteen octets ending at end, overlapping
 * what was already seen, so nothing past end is ever read.
 */
static inline const uint8_t *
find_lf(const uint8_t *base, const uint8_t *p, const uint8_t *end)
{
#ifdef __SSE2__
	const __m128i lf = _mm_set1_epi8('\n');
	unsigned int mask;

	while (end - p >= 16) {
		mask = (unsigned int)_mm_movemask_epi8(_mm_cmpeq_epi8(lf,
				_mm_loadu_si128((const __m128i *)(const void *)p)));
		if (mask != 0)
			return p + __builtin_ctz(mask);
		p += 16;
	}
	if (p < end && end - base >= 16) {
		/* Bits of the octets before p shifted out. */
		mask = (unsigned int)_mm_movemask_epi8(_mm_cmpeq_epi8(lf,
				_mm_loadu_si128((const __m128i *)(const void *)(end - 16))));
		mask >>= 16 - (end - p);
		return mask != 0 ? p + __builtin_ctz(mask) : NULL;
	}
#else
	RTE_SET_USED(base);
#endif
	for (; p < end; p++)
		if (*p == '\n')
			return p;
	return NULL;
}

/* Header section from p; stops at an empty line or the data's end. */
static enum gg_http_req_status
headers(const uint8_t *base, const uint8_t *p, size_t n,
		struct gg_http_request *req)
{
	const uint8_t *end = p + n;
	int seen_host = 0;

	while (p < end) {
		const uint8_t *lf = find_lf(base, p, end);
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
			r = header_line(base, p, line, req);
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

	/* The whole line end is there (nearly always): two loads compare. */
	if (n >= lit_len + 3 && load32(p) == IMAGE4(' ', 'H', 'T', 'T') &&
			load32(p + 4) == IMAGE4('P', '/', '1', '.') &&
			p[8] >= '0' && p[8] <= '9') {
		*minor = (uint8_t)(p[8] - '0');
		if (p[9] == '\n')
			return 10;
		if (p[9] == '\r' && p[10] == '\n')
			return 11;
		if (p[9] != '\r')
			return -1;
		/* "\r" then something else: the general code decides. */
	}

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

/*
 * End of the request-target starting at p[i]: the first octet that may not
 * be in one (C_TARGET: a control, space or DEL), or n. With SSE2, sixteen
 * octets per step while sixteen remain: the octets below 0x21 and DEL are
 * exactly those that C_TARGET leaves out.
 */
static inline size_t
target_end(const uint8_t *p, size_t i, size_t n)
{
#ifdef __SSE2__
	const __m128i lo = _mm_set1_epi8(0x21);
	const __m128i del = _mm_set1_epi8(0x7f);

	while (n - i >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		/* max(v, 0x21) == v: v >= 0x21 as unsigned */
		__m128i ok = _mm_cmpeq_epi8(_mm_max_epu8(v, lo), v);
		__m128i bad = _mm_or_si128(_mm_andnot_si128(ok, _mm_set1_epi8(-1)),
				_mm_cmpeq_epi8(v, del));
		unsigned int mask = (unsigned int)_mm_movemask_epi8(bad);

		if (mask != 0)
			return i + (size_t)__builtin_ctz(mask);
		i += 16;
	}
#endif
	while (i < n && (cclass[p[i]] & C_TARGET))
		i++;
	return i;
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

	/* GET, nearly always: one comparison instead of the loop. */
	if (n - i >= 4 && load32(p + i) == IMAGE4('G', 'E', 'T', ' '))
		m = i + 3;
	else
		for (m = i; m < n && (cclass[p[m]] & C_TCHAR); m++)
			if (m - i == METHOD_MAX)
				return GG_HTTP_REQ_INVALID;
	if (m == i || m == n || p[m] != ' ')
		return GG_HTTP_REQ_INVALID;
	req->method = p + i;
	req->method_len = (uint16_t)(m - i);

	t = m + 1;
	i = target_end(p, t, n);
	req->target = p + t;
	req->target_len = (uint16_t)(i - t);
	/* At least one target octet before calling a cut line a request. */
	if (i == t)
		return GG_HTTP_REQ_INVALID;
	if (i == n)
		return GG_HTTP_REQ_TRUNCATED;
	/* Origin form ("/...") is the rule; only an 'h' can start the others. */
	req->absolute = (p[t] | 0x20) == 'h' &&
			(has_prefix_ci(req->target, req->target_len, "http://", 7) ||
			 has_prefix_ci(req->target, req->target_len, "https://", 8));

	v = version_tail(p + i, n - i, &req->version_minor);
	if (v < 0) {
		req->version_minor = 0;
		return GG_HTTP_REQ_INVALID;
	}
	if (v == 0) {
		req->version_minor = 0;
		return GG_HTTP_REQ_TRUNCATED;
	}
	return headers(p, p + i + v, n - i - (size_t)v, req);
}
