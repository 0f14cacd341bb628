/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Redirect configuration and the Location value: the template is checked
 * and split around {url} once, at configuration time, so a packet only
 * costs two memcpy and one percent-encoding pass over Host and target.
 */

#include <errno.h>
#include <string.h>
#include <strings.h>

#include <rte_byteorder.h>

#include "gg_http.h"

#define URL_SCHEME "http://"

/* RFC 3986 2.3 unreserved: kept as is; everything else becomes %XX. */
static const uint8_t unreserved[256] = {
	['A' ... 'Z'] = 1, ['a' ... 'z'] = 1, ['0' ... '9'] = 1,
	['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1,
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
	struct gg_http_redirect c;
	const char *at;
	size_t len, i;

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
	memcpy(c.tmpl, tmpl, c.prefix_len);
	memcpy(c.tmpl + c.prefix_len, tmpl + len - c.suffix_len, c.suffix_len);
	for (i = 0; i < (size_t)c.prefix_len + c.suffix_len; i++)
		if (!template_octet_ok((unsigned char)c.tmpl[i]))
			return -EINVAL;
	if (!template_absolute(c.tmpl, c.prefix_len))
		return -EINVAL;

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

/* Percent-encode n octets at out[*o]; 0 if they did not fit room. */
static inline int
pct_encode(const uint8_t *s, size_t n, char *out, size_t *o, size_t room)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t w = *o;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = s[i];

		if (unreserved[c]) {
			if (w + 1 > room)
				return 0;
			out[w++] = (char)c;
		} else {
			if (w + 3 > room)
				return 0;
			out[w] = '%';
			out[w + 1] = hex[c >> 4];
			out[w + 2] = hex[c & 0xf];
			w += 3;
		}
	}
	*o = w;
	return 1;
}

size_t
gg_http_location(const struct gg_http_redirect *cfg, const uint8_t *host,
		size_t host_len, const uint8_t *target, size_t target_len,
		char *out, size_t room)
{
	const size_t fixed = (size_t)cfg->prefix_len + cfg->suffix_len;
	size_t o = cfg->prefix_len;

	if (fixed > room)
		return 0;
	memcpy(out, cfg->tmpl, cfg->prefix_len);
	/* room - suffix_len: the suffix must still fit after the URL. */
	if (cfg->has_url && (host_len != 0 || target_len != 0) &&
			(host_len == 0 || pct_encode((const uint8_t *)URL_SCHEME,
				sizeof(URL_SCHEME) - 1, out, &o,
				room - cfg->suffix_len)) &&
			(host_len == 0 || pct_encode(host, host_len, out, &o,
				room - cfg->suffix_len)) &&
			pct_encode(target, target_len, out, &o,
				room - cfg->suffix_len)) {
		memcpy(out + o, cfg->tmpl + cfg->prefix_len, cfg->suffix_len);
		return o + cfg->suffix_len;
	}
	/* No {url}, nothing to put in it, or it did not fit: leave it empty. */
	memcpy(out + cfg->prefix_len, cfg->tmpl + cfg->prefix_len,
			cfg->suffix_len);
	return fixed;
}
