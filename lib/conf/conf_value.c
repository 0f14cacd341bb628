/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration loader: readers of one value (string, integer, address,
 * prefix, choice, text, host:port), the messages that name the file, the
 * line and the setting, and the walker that reads a group against its
 * table of settings (struct conf_field). Every section file uses these.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_log.h>

#include "gg_conf.h"
#include "conf_private.h"

/* "ports.n3.address", "sessions.static.[1].ul_teid"; "" for the root. */
static void
conf_setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *parent = config_setting_parent(s);
	size_t used;

	buf[0] = '\0';
	if (parent == NULL)
		return;
	conf_setting_path(parent, buf, len);
	used = strlen(buf);
	if (used + 1 >= len)
		return;
	if (config_setting_name(s) != NULL)
		snprintf(buf + used, len - used, "%s%s",
			used > 0 ? "." : "", config_setting_name(s));
	else
		snprintf(buf + used, len - used, "%s[%d]",
			used > 0 ? "." : "", config_setting_index(s));
}

const char *
conf_setting_file(const struct conf_ctx *c, const config_setting_t *s)
{
	const char *file = config_setting_source_file(s);

	return file != NULL ? file : c->path;
}

int __rte_format_printf(3, 4)
conf_err(const struct conf_ctx *c, const config_setting_t *s,
		const char *fmt, ...)
{
	char path[CONF_PATH_MAX];
	char msg[GG_CONF_ERR_MAX];
	va_list ap;
	char *p;

	if (c->err == NULL || c->errlen == 0)
		return -1;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Values are quoted as the file has them, and a string may hold
	 * "\n" or any control octet: the message stays one printable line
	 * (found by test/fuzz/fuzz_conf). */
	for (p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';

	conf_setting_path(s, path, sizeof(path));
	if (path[0] == '\0')
		snprintf(c->err, c->errlen, "%s: %s",
			conf_setting_file(c, s), msg);
	else
		snprintf(c->err, c->errlen, "%s:%u: %s: %s",
			conf_setting_file(c, s), config_setting_source_line(s),
			path, msg);
	return -1;
}

int
conf_err_unknown(const struct conf_ctx *c, const config_setting_t *s)
{
	return conf_err(c, s, "unknown setting");
}

int
conf_err_missing(const struct conf_ctx *c, const config_setting_t *group,
		const char *name)
{
	return conf_err(c, group, "missing required setting '%s'", name);
}

bool
conf_is(const config_setting_t *s, const char *name)
{
	return strcmp(config_setting_name(s), name) == 0;
}

int
conf_expect_group(const struct conf_ctx *c, const config_setting_t *s)
{
	if (!config_setting_is_group(s))
		return conf_err(c, s, "expected a group { ... }");
	return 0;
}

int
conf_get_string(const struct conf_ctx *c, const config_setting_t *s,
		const char **out)
{
	*out = NULL;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return conf_err(c, s, "expected a string");
	*out = config_setting_get_string(s);
	return 0;
}

/*
 * Integer in [min, max]. A hex literal without L is the unsigned 32-bit
 * pattern written (libconfig 1.5 stores it as a signed int), so that
 * 0xffffffff means 4294967295, not -1.
 */
int
conf_get_int(const struct conf_ctx *c, const config_setting_t *s,
		int64_t min, int64_t max, int64_t *out)
{
	bool wrapped = false;
	int64_t v;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		if (config_setting_get_format(s) == CONFIG_FORMAT_HEX) {
			v = (uint32_t)config_setting_get_int(s);
		} else {
			v = config_setting_get_int(s);
			/* Maybe 2^31..2^32-1 written in decimal. */
			wrapped = v < 0 && max > INT32_MAX;
		}
		break;
	case CONFIG_TYPE_INT64:
		v = config_setting_get_int64(s);
		break;
	default:
		return conf_err(c, s, "expected an integer");
	}

	if (v < min || v > max) {
		if (wrapped)
			return conf_err(c, s,
				"%" PRId64 " is out of range %" PRId64 "..%" PRId64
				" (write values above 2147483647 in hex or with an L suffix)",
				v, min, max);
		return conf_err(c, s,
			"%" PRId64 " is out of range %" PRId64 "..%" PRId64,
			v, min, max);
	}
	*out = v;
	return 0;
}

/* IPv4 address in dotted-quad form, 0.0.0.0 refused (it means "none"). */
int
conf_get_ipv4(const struct conf_ctx *c, const config_setting_t *s,
		uint32_t *out)
{
	const char *str;
	struct in_addr a;

	if (conf_get_string(c, s, &str) < 0)
		return -1;
	if (inet_pton(AF_INET, str, &a) != 1)
		return conf_err(c, s, "'%s' is not an IPv4 address (a.b.c.d)",
			str);
	if (a.s_addr == 0)
		return conf_err(c, s, "'%s' is not a usable address", str);
	*out = a.s_addr;
	return 0;
}

/* "a.b.c.d" or "a.b.c.d/len"; a missing /len means a host route (/32). */
int
conf_get_ipv4_prefix(const struct conf_ctx *c, const config_setting_t *s,
		uint32_t *addr, uint8_t *prefix_len)
{
	char buf[INET_ADDRSTRLEN];
	const char *str;
	const char *slash;
	struct in_addr a;
	size_t n;
	unsigned long len = 32;

	if (conf_get_string(c, s, &str) < 0)
		return -1;

	slash = strchr(str, '/');
	n = slash != NULL ? (size_t)(slash - str) : strlen(str);
	if (n >= sizeof(buf))
		return conf_err(c, s, "'%s' is not an IPv4 address (a.b.c.d or a.b.c.d/len)",
			str);
	memcpy(buf, str, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return conf_err(c, s, "'%s' is not an IPv4 address (a.b.c.d or a.b.c.d/len)",
			str);
	if (a.s_addr == 0)
		return conf_err(c, s, "'%s' is not a usable address", str);

	if (slash != NULL) {
		const char *p = slash + 1;
		char *end;

		/* strtoul alone would take " 24", "+24" or "024". */
		if (p[0] < '0' || p[0] > '9' ||
				(p[0] == '0' && p[1] != '\0'))
			return conf_err(c, s, "'%s': bad prefix length (1..32)",
				str);
		len = strtoul(p, &end, 10);
		if (*end != '\0' || len < 1 || len > 32)
			return conf_err(c, s, "'%s': bad prefix length (1..32)",
				str);
	}
	*addr = a.s_addr;
	*prefix_len = (uint8_t)len;
	return 0;
}

/* One of the words in @p words (NULL-terminated); returns its index. */
int
conf_get_choice(const struct conf_ctx *c, const config_setting_t *s,
		const char *const *words, const char *list)
{
	const char *str;
	int i;

	if (conf_get_string(c, s, &str) < 0)
		return -1;
	for (i = 0; words[i] != NULL; i++)
		if (strcmp(str, words[i]) == 0)
			return i;
	return conf_err(c, s, "unknown value '%s' (%s)", str, list);
}

int
conf_get_text(const struct conf_ctx *c, const config_setting_t *s, char *out,
		size_t size)
{
	const char *str;

	if (conf_get_string(c, s, &str) < 0)
		return -1;
	if (str[0] == '\0' || strlen(str) >= size)
		return conf_err(c, s, "expected 1..%zu characters", size - 1);
	strcpy(out, str);
	return 0;
}

/* "host:port" (IPv4 or [IPv6]); numeric only: no resolver on the control lcore. */
int
conf_get_hostport(const struct conf_ctx *c, const config_setting_t *s,
		char *host, size_t hostlen, uint16_t *port)
{
	const char *str, *colon, *h;
	unsigned char buf[16];
	char tmp[64];
	unsigned long p;
	size_t n;
	char *end;

	if (conf_get_string(c, s, &str) < 0)
		return -1;
	colon = strrchr(str, ':');
	if (colon == NULL)
		return conf_err(c, s, "'%s': expected address:port", str);
	h = str;
	n = (size_t)(colon - str);
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(tmp) || n >= hostlen)
		return conf_err(c, s, "'%s': expected address:port", str);
	memcpy(tmp, h, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, buf) != 1 && inet_pton(AF_INET6, tmp, buf) != 1)
		return conf_err(c, s, "'%s': '%s' is not a numeric IPv4 or IPv6 address",
			str, tmp);
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || p == 0 || p > 65535)
		return conf_err(c, s, "'%s': bad port", str);
	strcpy(host, tmp);
	*port = (uint16_t)p;
	return 0;
}


static void
conf_store_uint(void *dst, size_t size, int64_t v)
{
	if (size == sizeof(uint8_t))
		*(uint8_t *)dst = (uint8_t)v;
	else if (size == sizeof(uint16_t))
		*(uint16_t *)dst = (uint16_t)v;
	else
		*(uint32_t *)dst = (uint32_t)v;
}

static int
conf_parse_field(struct conf_ctx *c, const config_setting_t *s,
		const struct conf_field *f, void *base)
{
	char *dst = (char *)base + f->offset;
	int64_t v = 0;

	switch (f->kind) {
	case CONF_UINT:
		if (conf_get_int(c, s, f->min, f->max, &v) < 0)
			return -1;
		conf_store_uint(dst, f->size, v);
		return 0;
	case CONF_CHOICE:
		v = conf_get_choice(c, s, f->words, f->choices);
		if (v < 0)
			return -1;
		conf_store_uint(dst, f->size, v);
		return 0;
	case CONF_IPV4:
		return conf_get_ipv4(c, s, (uint32_t *)(void *)dst);
	case CONF_TEXT:
		return conf_get_text(c, s, dst, f->size);
	case CONF_GROUP:
		return conf_parse_fields(c, s, f->fields, f->n_fields, dst);
	case CONF_DEFER:
		return 0;
	case CONF_FUNC:
		return f->parse(c, s, dst);
	}
	return conf_err(c, s, "internal error: bad field kind %d", f->kind);
}

/*
 * Read group @p g against @p fields into the struct at @p base. What it
 * guarantees about errors, the same for every section:
 *  - @p g is not a group: "expected a group { ... }", at @p g;
 *  - the settings are read in file order and the first problem stops the
 *    walk, reported at that setting: "unknown setting" for a name not in
 *    the table, else the message of the field's kind or function;
 *  - then the first CONF_REQUIRED field (in table order) that is absent:
 *    "missing required setting 'NAME'", at @p g.
 * A name given twice never gets here: libconfig refuses it when reading.
 * After an error the struct is half filled; gg_conf_load() drops it all.
 */
int
conf_parse_fields(struct conf_ctx *c, const config_setting_t *g,
		const struct conf_field *fields, unsigned int n_fields, void *base)
{
	unsigned int f;
	int i;

	if (conf_expect_group(c, g) < 0)
		return -1;
	for (i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, i);

		for (f = 0; f < n_fields; f++)
			if (conf_is(s, fields[f].name))
				break;
		if (f == n_fields)
			return conf_err_unknown(c, s);
		if (conf_parse_field(c, s, &fields[f], base) < 0)
			return -1;
	}
	for (f = 0; f < n_fields; f++)
		if (fields[f].required &&
				config_setting_get_member(g, fields[f].name) == NULL)
			return conf_err_missing(c, g, fields[f].name);
	return 0;
}

void
conf_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
conf_read_file(config_t *lc, const char *path, char *copy, size_t copy_size,
		char *err, size_t errlen)
{
	const char *file;
	int saved_errno;

	if (strlen(path) >= copy_size) {
		conf_set_err(err, errlen, "%s: file name too long", path);
		return -1;
	}
	strcpy(copy, path);
	config_init(lc);
	if (config_read_file(lc, path) == CONFIG_TRUE)
		return 0;
	saved_errno = errno;
	file = config_error_file(lc) != NULL ? config_error_file(lc) : path;
	if (config_error_type(lc) == CONFIG_ERR_FILE_IO)
		conf_set_err(err, errlen, "%s: cannot read: %s", path,
			strerror(saved_errno));
	else if (strcmp(config_error_text(lc), "syntax error") == 0)
		/* Spare the user "syntax error: syntax error". */
		conf_set_err(err, errlen, "%s:%d: syntax error", file,
			config_error_line(lc));
	else
		conf_set_err(err, errlen, "%s:%d: syntax error: %s", file,
			config_error_line(lc), config_error_text(lc));
	config_destroy(lc);
	return -1;
}
