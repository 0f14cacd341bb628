/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Redirect configuration and the Location value. The template is checked
 * and split around {url} once, at configuration time, and the 302's fixed
 * text is laid out around it with its checksums, so a packet costs two
 * copies and one percent-encoding pass over Host and target.
 *
 * The encoder is one table lookup and one 4-octet store per input octet:
 * each entry holds the output octets (the octet itself, or '%' and two hex
 * digits) and their count, and the store may spill up to 3 octets past the
 * output, which is why a fast pass needs 3 n + 1 octets of room. When room
 * is shorter the exact length is counted first and the octets are stored
 * one at a time.
 */

#include <errno.h>
#include <string.h>
#include <strings.h>

#include <rte_byteorder.h>

#include "gg_csum.h"
#include "gg_http.h"
#include "http_private.h"

/* "http://" encoded: the scheme of every URL rebuilt from Host. */
#define URL_SCHEME_PCT "http%3A%2F%2F"
#define URL_SCHEME_PCT_LEN (sizeof(URL_SCHEME_PCT) - 1)

/* RFC 3986 2.3 unreserved: kept as is; everything else becomes %XX. */
#define UNRESERVED(c) (((c) >= 'A' && (c) <= 'Z') || \
	((c) >= 'a' && (c) <= 'z') || ((c) >= '0' && (c) <= '9') || \
	(c) == '-' || (c) == '.' || (c) == '_' || (c) == '~')
#define HEXDIGIT(n) ((n) < 10 ? '0' + (n) : 'A' + (n) - 10)
/* Output octets from the low end (memory order once made little endian),
 * their count in the top octet. */
#define ENC(c) (UNRESERVED(c) ? ((uint32_t)(c) | 1u << 24) : \
	((uint32_t)'%' | (uint32_t)HEXDIGIT((c) >> 4) << 8 | \
	 (uint32_t)HEXDIGIT((c) & 15) << 16 | 3u << 24))
#define ENC4(c) ENC(c), ENC((c) + 1), ENC((c) + 2), ENC((c) + 3)
#define ENC16(c) ENC4(c), ENC4((c) + 4), ENC4((c) + 8), ENC4((c) + 12)
#define ENC64(c) ENC16(c), ENC16((c) + 16), ENC16((c) + 32), ENC16((c) + 48)

static const uint32_t pct_table[256] = {
	ENC64(0), ENC64(64), ENC64(128), ENC64(192),
};

/*
 * The template must name the portal absolutely: a relative Location would
 * resolve against the intercepted site and bring the browser straight back.
 */
static int
template_absolute(const char *t, size_t prefix_len)
{
	static const char *const schemes[] = { "http://", "https://" };
	size_t i, l;

	for (i = 0; i < 2; i++) {
		l = strlen(schemes[i]);
		if (prefix_len > l && strncasecmp(t, schemes[i], l) == 0)
			return 1;
	}
	return 0;
}

/* Octets a template may hold: URI characters, RFC 3986 2 and appendix A. */
static int
template_octet_ok(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	return strchr("\"<>\\^`{|}", c) == NULL;
}

int
gg_http_redirect_init(struct gg_http_redirect *cfg,
		const uint8_t secret[GG_HTTP_SECRET_LEN], uint16_t mss,
		const char *tmpl)
{
	static const char ph[] = GG_HTTP_URL_PLACEHOLDER;
	const size_t ph_len = sizeof(ph) - 1;
	const size_t head = GG_HTTP_REPLY_HEAD_LEN;
	struct gg_http_redirect c;
	const char *at;
	size_t len, i, pre;

	if (cfg == NULL || secret == NULL || tmpl == NULL ||
			mss < GG_HTTP_MSS_MIN || mss > GG_HTTP_MSS_MAX)
		return -EINVAL;
	len = strlen(tmpl);
	if (len == 0 || len > GG_HTTP_TEMPLATE_MAX + ph_len)
		return -EINVAL;

	memset(&c, 0, sizeof(c));
	at = strstr(tmpl, ph);
	if (at != NULL) {
		if (strstr(at + ph_len, ph) != NULL)
			return -EINVAL;
		c.has_url = 1;
		c.prefix_len = (uint16_t)(at - tmpl);
		c.suffix_len = (uint16_t)(len - c.prefix_len - ph_len);
	} else {
		c.prefix_len = (uint16_t)len;
	}
	if ((size_t)c.prefix_len + c.suffix_len > GG_HTTP_TEMPLATE_MAX)
		return -EINVAL;
	memcpy(c.text + head, tmpl, c.prefix_len);
	memcpy(c.text + head + c.prefix_len, tmpl + len - c.suffix_len,
			c.suffix_len);
	for (i = 0; i < (size_t)c.prefix_len + c.suffix_len; i++)
		if (!template_octet_ok((unsigned char)c.text[head + i]))
			return -EINVAL;
	if (!template_absolute(c.text + head, c.prefix_len))
		return -EINVAL;

	/* The 302 around the URL: "pre" | URL | "post" | padding | tail. */
	pre = head + c.prefix_len;
	memcpy(c.text, HTTP_REPLY_HEAD, head);
	memcpy(c.text + pre + c.suffix_len, HTTP_REPLY_MID,
			GG_HTTP_REPLY_MID_LEN);
	c.pre_sum = gg_raw_cksum(c.text, pre, 0);
	c.post_sum = gg_raw_cksum(c.text + pre,
			c.suffix_len + GG_HTTP_REPLY_MID_LEN, 0);
	c.tail_sum = gg_raw_cksum(HTTP_REPLY_TAIL, HTTP_REPLY_TAIL_LEN, 0);

	memcpy(&c.key[0], secret, 8);
	memcpy(&c.key[1], secret + 8, 8);
	/* SipHash reads its key as little-endian words. */
	c.key[0] = rte_le_to_cpu_64(c.key[0]);
	c.key[1] = rte_le_to_cpu_64(c.key[1]);
	c.mss = mss;
	*cfg = c;
	return 0;
}

void
gg_http_redirect_set_clock(struct gg_http_redirect *cfg, int64_t offset_s)
{
	__atomic_store_n(&cfg->clock_offset_s, offset_s, __ATOMIC_RELAXED);
}

/* n octets, 3 n + 1 octets of room at out: returns the octets written. */
static inline void
pct_store(char **w, uint8_t c)
{
	uint32_t e = pct_table[c];
	uint32_t img = rte_cpu_to_le_32(e);

	memcpy(*w, &img, sizeof(img));
	*w += e >> 24;
}

static inline size_t
pct_encode_fast(const uint8_t *s, size_t n, char *out)
{
	char *w = out;
	size_t i = 0;

	for (; n - i >= 4; i += 4) {
		pct_store(&w, s[i]);
		pct_store(&w, s[i + 1]);
		pct_store(&w, s[i + 2]);
		pct_store(&w, s[i + 3]);
	}
	for (; i < n; i++)
		pct_store(&w, s[i]);
	return (size_t)(w - out);
}

/* The exact length of the encoding. */
static inline size_t
pct_len(const uint8_t *s, size_t n)
{
	size_t i, l = 0;

	for (i = 0; i < n; i++)
		l += pct_table[s[i]] >> 24;
	return l;
}

/* Octet by octet, writing nothing past the output (room known enough). */
static inline size_t
pct_encode_exact(const uint8_t *s, size_t n, char *out)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++) {
		uint32_t e = pct_table[s[i]];

		out[w++] = (char)(e & 0xff);
		if ((e >> 24) == 3) {
			out[w++] = (char)(e >> 8 & 0xff);
			out[w++] = (char)(e >> 16 & 0xff);
		}
	}
	return w;
}

size_t
http_url_encode(const uint8_t *host, size_t host_len, int host_plain,
		const uint8_t *target, size_t target_len, char *out, size_t room)
{
	size_t scheme = host_len != 0 ? URL_SCHEME_PCT_LEN : 0;
	size_t o = scheme;

	if (host_len == 0 && target_len == 0)
		return 0;
	/* Worst case (every octet escaped) plus the spill of the last store. */
	if (scheme + 3 * (host_len + target_len) + 1 <= room) {
		if (host_len != 0)
			memcpy(out, URL_SCHEME_PCT, URL_SCHEME_PCT_LEN);
		if (host_plain) {
			http_copy_short(out + o, host, host_len);
			o += host_len;
		} else {
			o += pct_encode_fast(host, host_len, out + o);
		}
		return o + pct_encode_fast(target, target_len, out + o);
	}
	if (scheme + pct_len(host, host_len) + pct_len(target, target_len) > room)
		return 0;
	memcpy(out, URL_SCHEME_PCT, scheme);
	o += pct_encode_exact(host, host_len, out + o);
	return o + pct_encode_exact(target, target_len, out + o);
}

size_t
gg_http_location(const struct gg_http_redirect *cfg, const uint8_t *host,
		size_t host_len, const uint8_t *target, size_t target_len,
		char *out, size_t room)
{
	const char *tmpl = cfg->text + GG_HTTP_REPLY_HEAD_LEN;
	const size_t fixed = (size_t)cfg->prefix_len + cfg->suffix_len;
	size_t o = cfg->prefix_len;

	if (fixed > room)
		return 0;
	memcpy(out, tmpl, cfg->prefix_len);
	/* No {url}, nothing to put in it, or it did not fit: leave it empty. */
	if (cfg->has_url)
		o += http_url_encode(host, host_len, 0, target, target_len,
				out + o, room - fixed);
	memcpy(out + o, tmpl + cfg->prefix_len, cfg->suffix_len);
	return o + cfg->suffix_len;
}
