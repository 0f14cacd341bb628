/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gardengate configuration loader: reads a libconfig file, checks every
 * setting and fills struct gg_config (see gg_conf.h for the contract).
 * Each section is a table of its settings (struct conf_field) that one
 * walker, conf_parse_fields(), reads; a section's own function only adds
 * what a table cannot say: lists, and checks across settings.
 *
 * Written against libconfig 1.5 (Debian 12), whose quirks shape the code:
 *  - an integer literal without the L suffix is stored as a 32-bit int and
 *    silently wraps: 0xffffffff reads as -1 and so does 4294967295. Hex
 *    literals are flagged CONFIG_FORMAT_HEX, so those are taken as the
 *    unsigned 32-bit pattern the user wrote; negative decimal values are
 *    really negative. Decimal literals of 2^32 or more (and hex literals
 *    above 0xffffffff) without L wrap before we see them: that cannot be
 *    detected through the libconfig API.
 *  - @include paths are opened relative to the working directory, not to
 *    the including file. config_set_include_dir() is not used because
 *    1.5 prefixes it to absolute include paths too, breaking them.
 *  - the root group has no source line, so a setting missing at the top
 *    level is reported as "FILE: problem" without a line.
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
#include "gg_session.h"

#define CONF_PATH_MAX 256 /* setting paths are short; longer are cut */

#define CONF_MTU_MIN 576 /* smallest IPv4 MTU every host must accept */
#define CONF_MTU_MAX 9000
#define CONF_DESC_MIN 64
#define CONF_DESC_MAX 16384
#define CONF_MBUFS_MIN 1024
#define CONF_MBUFS_MAX (16u << 20)
#define CONF_CACHE_MAX 512 /* RTE_MEMPOOL_CACHE_MAX_SIZE */
#define CONF_CAPACITY_MAX (16u << 20)
#define CONF_QFI_MAX 63
#define CONF_STATS_INTERVAL_MAX 3600
#define CONF_ERROR_IND_RATE_MAX 10000000

/* Printed one per line by the summary up to this many static sessions. */
#define CONF_SUMMARY_SESSIONS_MAX 16

struct conf_ctx {
	const char *path;      /* file given to gg_conf_load() */
	struct gg_config *cfg;
	char *err;
	size_t errlen;
};

static const struct {
	const char *name;
	int level;
} conf_log_levels[] = {
	{ "emerg", RTE_LOG_EMERG },
	{ "alert", RTE_LOG_ALERT },
	{ "crit", RTE_LOG_CRIT },
	{ "error", RTE_LOG_ERR },
	{ "warning", RTE_LOG_WARNING },
	{ "notice", RTE_LOG_NOTICE },
	{ "info", RTE_LOG_INFO },
	{ "debug", RTE_LOG_DEBUG },
};

void
gg_conf_defaults(struct gg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->n3.prefix_len = 32;
	cfg->n3.mtu = 1500;
	cfg->n6.prefix_len = 32;
	cfg->n6.mtu = 1500;
	cfg->workers = 1;
	cfg->rx_desc = 1024;
	cfg->tx_desc = 1024;
	cfg->mbufs = 16383;
	cfg->mbuf_cache = 256;
	cfg->session_capacity = 65536;
	cfg->error_indication_rate = 1000;
	cfg->log_level = RTE_LOG_INFO;
	cfg->stats_interval = 0;
	cfg->garden.max_rules = 1024;
	cfg->garden.max_names = 1024;
	cfg->garden.max_learned = 65536;
	cfg->garden.min_ttl = 30;
	cfg->garden.max_ttl = 3600;
	cfg->garden.dns_ttl = 10;
	cfg->garden.dns_other_rcode = 3; /* NXDOMAIN */
	cfg->garden.edns_udp_size = 1232;
	cfg->garden.icmp_rate = 100;
	cfg->garden.tcp_mss = 1400;
	cfg->sbi.max_connections = 256;
	cfg->sbi.request_timeout_ms = 10000;
	cfg->ausf.fetch_timeout_ms = 3000;
	cfg->ausf.cert_cache_ttl = 300;
	cfg->ausf.challenge_ttl = 30;
	cfg->ausf.device_burst = 5;
	cfg->ausf.device_refill_ms = 6000;
	cfg->ausf.client_burst = 100;
	cfg->ausf.client_refill_ms = 100;
	strcpy(cfg->store.backend, "redis");
	strcpy(cfg->store.host, "127.0.0.1");
	cfg->store.port = 6379;
	strcpy(cfg->store.prefix, "gg:");
	cfg->store.connect_timeout_ms = 1000;
	cfg->store.command_timeout_ms = 1000;
}

void
gg_conf_free(struct gg_config *cfg)
{
	int i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->eal_argc && i < GG_CONF_EAL_ARGS_MAX; i++)
		free(cfg->eal_argv[i]);
	free(cfg->sessions);
	free(cfg->garden.rules);
	for (i = 0; i < (int)cfg->garden.n_names; i++)
		free(cfg->garden.names[i]);
	free(cfg->garden.names);
	for (i = 0; i < (int)cfg->ausf.n_url_prefixes; i++)
		free(cfg->ausf.url_prefixes[i]);
	free(cfg->ausf.url_prefixes);
	/* Back to defaults so that a second free, or a reuse, is harmless. */
	gg_conf_defaults(cfg);
}

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

static const char *
conf_setting_file(const struct conf_ctx *c, const config_setting_t *s)
{
	const char *file = config_setting_source_file(s);

	return file != NULL ? file : c->path;
}

/*
 * Report a problem with setting @p s: "FILE:LINE: PATH: problem". Always
 * returns -1 so that callers can "return conf_err(...)".
 */
static int __rte_format_printf(3, 4)
conf_err(const struct conf_ctx *c, const config_setting_t *s,
		const char *fmt, ...)
{
	char path[CONF_PATH_MAX];
	char msg[GG_CONF_ERR_MAX];
	va_list ap;

	if (c->err == NULL || c->errlen == 0)
		return -1;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

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

static int
conf_err_unknown(const struct conf_ctx *c, const config_setting_t *s)
{
	return conf_err(c, s, "unknown setting");
}

static int
conf_err_missing(const struct conf_ctx *c, const config_setting_t *group,
		const char *name)
{
	return conf_err(c, group, "missing required setting '%s'", name);
}

static bool
conf_is(const config_setting_t *s, const char *name)
{
	return strcmp(config_setting_name(s), name) == 0;
}

static int
conf_expect_group(const struct conf_ctx *c, const config_setting_t *s)
{
	if (!config_setting_is_group(s))
		return conf_err(c, s, "expected a group { ... }");
	return 0;
}

static int
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
static int
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
static int
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
static int
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
static int
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

static int
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

/*
 * A section is a table of the settings its group may hold; one walker,
 * conf_parse_fields(), reads any group against its table. A value goes to
 * base + offset, base being the struct the section fills (struct
 * gg_config, gg_conf_port, ...).
 */
enum conf_kind {
	CONF_UINT,   /* integer in min..max into an unsigned field of 1, 2 or 4 octets */
	CONF_CHOICE, /* one of words[]; its index stored as by CONF_UINT */
	CONF_IPV4,   /* conf_get_ipv4() into a uint32_t */
	CONF_TEXT,   /* conf_get_text() into a char array: 1..size-1 characters */
	CONF_GROUP,  /* a nested group: its own table, its struct at base + offset */
	CONF_DEFER,  /* accepted here; the section reads it after the walk */
	CONF_FUNC,   /* parse(c, setting, base) does it all */
};

struct conf_field {
	const char *name;
	enum conf_kind kind;
	bool required;                    /* absent: "missing required setting" */
	size_t offset;
	size_t size;
	int64_t min, max;                 /* CONF_UINT */
	const char *const *words;         /* CONF_CHOICE, NULL-terminated */
	const char *choices;              /* CONF_CHOICE: "a or b", for the message */
	const struct conf_field *fields;  /* CONF_GROUP */
	unsigned int n_fields;
	int (*parse)(struct conf_ctx *c, const config_setting_t *s, void *base);
};

/* Fails to compile if @p cond is false; else 0. */
#define CONF_CHECK(cond) (sizeof(char[(cond) ? 1 : -1]) * 0)
#define CONF_SIZE(type, m) sizeof(((type *)0)->m)
/*
 * A CONF_UINT field must be 1, 2 or 4 octets wide and hold lo..hi: a range
 * copied wrong into a table is a build error, not a truncated value.
 */
#define CONF_UINT_FITS(type, m, lo, hi) CONF_CHECK( \
	(CONF_SIZE(type, m) == 1 || CONF_SIZE(type, m) == 2 || \
	CONF_SIZE(type, m) == 4) && (int64_t)(lo) >= 0 && \
	((uint64_t)(hi) >> (8 * CONF_SIZE(type, m) - 1) >> 1) == 0)
/* The optional last argument of each is CONF_REQUIRED. */
#define CONF_REQUIRED .required = true
#define CONF_U(n, type, m, lo, hi, ...) { .name = (n), .kind = CONF_UINT, \
	.offset = offsetof(type, m), \
	.size = CONF_SIZE(type, m) + CONF_UINT_FITS(type, m, lo, hi), \
	.min = (lo), .max = (hi), __VA_ARGS__ }
#define CONF_ONE_OF(n, type, m, w, text) { .name = (n), .kind = CONF_CHOICE, \
	.offset = offsetof(type, m), \
	.size = CONF_SIZE(type, m) + CONF_UINT_FITS(type, m, 0, RTE_DIM(w) - 2), \
	.words = (w), .choices = (text) }
#define CONF_IP(n, type, m, ...) { .name = (n), .kind = CONF_IPV4, \
	.offset = offsetof(type, m) + \
	CONF_CHECK(CONF_SIZE(type, m) == sizeof(uint32_t)), __VA_ARGS__ }
#define CONF_STR(n, type, m, ...) { .name = (n), .kind = CONF_TEXT, \
	.offset = offsetof(type, m), .size = CONF_SIZE(type, m), __VA_ARGS__ }
/* @p off: where the nested struct is in this one (0: the same struct). */
#define CONF_SUB(n, off, table, ...) { .name = (n), .kind = CONF_GROUP, \
	.offset = (off), .fields = (table), .n_fields = RTE_DIM(table), \
	__VA_ARGS__ }
#define CONF_FN(n, fn, ...) { .name = (n), .kind = CONF_FUNC, .parse = (fn), \
	__VA_ARGS__ }
#define CONF_DEFERRED(n) { .name = (n), .kind = CONF_DEFER }

static int conf_parse_fields(struct conf_ctx *c, const config_setting_t *g,
		const struct conf_field *fields, unsigned int n_fields, void *base);

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
		return f->parse(c, s, base);
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
static int
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

static int
conf_parse_eal(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_config *cfg = c->cfg;
	int n, i;

	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return conf_err(c, s, "expected an array of strings [ ... ]");
	n = config_setting_length(s);
	if (n > GG_CONF_EAL_ARGS_MAX)
		return conf_err(c, s, "%d EAL arguments, at most %d allowed",
			n, GG_CONF_EAL_ARGS_MAX);

	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		const char *str;

		if (conf_get_string(c, e, &str) < 0)
			return -1;
		if (str[0] == '\0')
			return conf_err(c, e, "empty EAL argument");
		cfg->eal_argv[i] = strdup(str);
		if (cfg->eal_argv[i] == NULL)
			return conf_err(c, e, "out of memory");
		/* Count as we go so that gg_conf_free() frees what we made. */
		cfg->eal_argc = i + 1;
	}
	return 0;
}

static int
conf_port_device(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_port *port = base;
	const char *str;

	if (conf_get_string(c, s, &str) < 0)
		return -1;
	if (str[0] == '\0')
		return conf_err(c, s, "empty device");
	if (strlen(str) >= sizeof(port->device))
		return conf_err(c, s, "device string too long (at most %zu characters)",
			sizeof(port->device) - 1);
	strcpy(port->device, str);
	return 0;
}

static int
conf_port_address(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_port *port = base;

	return conf_get_ipv4_prefix(c, s, &port->address, &port->prefix_len);
}

static int
conf_port_mac(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_port *port = base;
	const char *str;

	if (conf_get_string(c, s, &str) < 0)
		return -1;
	if (rte_ether_unformat_addr(str, &port->next_hop_mac) != 0)
		return conf_err(c, s, "'%s' is not a MAC address (xx:xx:xx:xx:xx:xx)",
			str);
	if (!rte_is_valid_assigned_ether_addr(&port->next_hop_mac))
		return conf_err(c, s, "'%s' is not a unicast MAC address", str);
	port->next_hop_mac_set = true;
	return 0;
}

static const struct conf_field conf_port_fields[] = {
	CONF_FN("device", conf_port_device, CONF_REQUIRED),
	CONF_FN("address", conf_port_address, CONF_REQUIRED),
	CONF_IP("next_hop", struct gg_conf_port, next_hop),
	CONF_FN("next_hop_mac", conf_port_mac),
	CONF_U("mtu", struct gg_conf_port, mtu, CONF_MTU_MIN, CONF_MTU_MAX),
};

static const struct conf_field conf_ports_fields[] = {
	CONF_SUB("n3", offsetof(struct gg_config, n3), conf_port_fields, CONF_REQUIRED),
	CONF_SUB("n6", offsetof(struct gg_config, n6), conf_port_fields, CONF_REQUIRED),
};

static int
conf_parse_ports(struct conf_ctx *c, const config_setting_t *g, void *base)
{
	struct gg_config *cfg = base;
	const config_setting_t *n6;

	if (conf_parse_fields(c, g, conf_ports_fields, RTE_DIM(conf_ports_fields),
			cfg) < 0)
		return -1;

	/* One NIC port cannot be both sides, nor can one address. */
	n6 = config_setting_get_member(g, "n6");
	if (strcmp(cfg->n3.device, cfg->n6.device) == 0)
		return conf_err(c, config_setting_get_member(n6, "device"),
			"same device as ports.n3.device");
	if (cfg->n3.address == cfg->n6.address)
		return conf_err(c, config_setting_get_member(n6, "address"),
			"same address as ports.n3.address");
	return 0;
}

static const struct conf_field conf_queues_fields[] = {
	CONF_U("rx_desc", struct gg_config, rx_desc, CONF_DESC_MIN, CONF_DESC_MAX),
	CONF_U("tx_desc", struct gg_config, tx_desc, CONF_DESC_MIN, CONF_DESC_MAX),
};

/*
 * With at least 1024 mbufs and a cache of at most 512 the mempool rule
 * "cache * 1.5 <= mbufs" always holds.
 */
static const struct conf_field conf_mempool_fields[] = {
	CONF_U("mbufs", struct gg_config, mbufs, CONF_MBUFS_MIN, CONF_MBUFS_MAX),
	CONF_U("cache", struct gg_config, mbuf_cache, 0, CONF_CACHE_MAX),
};

static const struct conf_field conf_gtpu_fields[] = {
	CONF_U("error_indication_rate", struct gg_config, error_indication_rate,
		0, CONF_ERROR_IND_RATE_MAX),
};

static int
conf_log_level(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_config *cfg = base;
	const char *str;
	unsigned int l;

	if (conf_get_string(c, s, &str) < 0)
		return -1;
	for (l = 0; l < RTE_DIM(conf_log_levels); l++)
		if (strcmp(str, conf_log_levels[l].name) == 0)
			break;
	if (l == RTE_DIM(conf_log_levels))
		return conf_err(c, s,
			"unknown log level '%s' (emerg, alert, crit, error, warning, notice, info or debug)",
			str);
	cfg->log_level = conf_log_levels[l].level;
	return 0;
}

static const struct conf_field conf_log_fields[] = {
	CONF_FN("level", conf_log_level),
	CONF_U("stats_interval", struct gg_config, stats_interval,
		0, CONF_STATS_INTERVAL_MAX),
};

static int
conf_session_state(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_session *sess = base;
	const char *str;
	int st;

	if (conf_get_string(c, s, &str) < 0)
		return -1;
	st = gg_session_state_parse(str);
	if (st < 0)
		return conf_err(c, s, "unknown state '%s' (full, limited or blocked)",
			str);
	sess->state = (uint8_t)st;
	return 0;
}

/* TEID 0 is reserved (signalling), never ours: ul_teid starts at 1. */
static const struct conf_field conf_session_fields[] = {
	CONF_IP("ue", struct gg_conf_session, ue_ipv4, CONF_REQUIRED),
	CONF_U("ul_teid", struct gg_conf_session, ul_teid, 1, UINT32_MAX, CONF_REQUIRED),
	CONF_IP("gnb", struct gg_conf_session, gnb_ipv4, CONF_REQUIRED),
	CONF_U("dl_teid", struct gg_conf_session, dl_teid, 0, UINT32_MAX, CONF_REQUIRED),
	CONF_U("qfi", struct gg_conf_session, qfi, 0, CONF_QFI_MAX),
	CONF_FN("state", conf_session_state),
};

static int
conf_parse_session(struct conf_ctx *c, const config_setting_t *g,
		struct gg_conf_session *sess)
{
	sess->state = GG_SESSION_FULL;
	if (conf_parse_fields(c, g, conf_session_fields,
			RTE_DIM(conf_session_fields), sess) < 0)
		return -1;
	sess->qfi_set = config_setting_get_member(g, "qfi") != NULL;
	return 0;
}

struct conf_key {
	uint32_t key;
	uint32_t idx;
};

static int
conf_key_cmp(const void *a, const void *b)
{
	const struct conf_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Index of the first session (in file order) that repeats an earlier
 * one's key, and that earlier one. Sorting keeps this O(n log n): the
 * static list may be as long as the table.
 */
static bool
conf_find_dup(struct conf_key *keys, unsigned int n, unsigned int *dup,
		unsigned int *first)
{
	bool found = false;
	unsigned int i, run = 0;

	qsort(keys, n, sizeof(keys[0]), conf_key_cmp);
	for (i = 1; i < n; i++) {
		if (keys[i].key != keys[i - 1].key) {
			run = i;
			continue;
		}
		if (!found || keys[i].idx < *dup) {
			*dup = keys[i].idx;
			*first = keys[run].idx;
			found = true;
		}
	}
	return found;
}

static int
conf_check_duplicates(struct conf_ctx *c, const config_setting_t *list)
{
	const struct gg_config *cfg = c->cfg;
	const config_setting_t *e;
	struct conf_key *keys;
	unsigned int i, dup = 0, first = 0;
	char ip[INET_ADDRSTRLEN];

	if (cfg->n_sessions < 2)
		return 0;
	keys = malloc(cfg->n_sessions * sizeof(*keys));
	if (keys == NULL)
		return conf_err(c, list, "out of memory");

	for (i = 0; i < cfg->n_sessions; i++) {
		keys[i].key = cfg->sessions[i].ul_teid;
		keys[i].idx = i;
	}
	if (conf_find_dup(keys, cfg->n_sessions, &dup, &first)) {
		free(keys);
		e = config_setting_get_elem(list, dup);
		return conf_err(c, config_setting_get_member(e, "ul_teid"),
			"duplicate ul_teid 0x%08" PRIx32
			", already used by sessions.static.[%u]",
			cfg->sessions[dup].ul_teid, first);
	}

	for (i = 0; i < cfg->n_sessions; i++) {
		keys[i].key = cfg->sessions[i].ue_ipv4;
		keys[i].idx = i;
	}
	if (conf_find_dup(keys, cfg->n_sessions, &dup, &first)) {
		free(keys);
		e = config_setting_get_elem(list, dup);
		inet_ntop(AF_INET, &cfg->sessions[dup].ue_ipv4, ip, sizeof(ip));
		return conf_err(c, config_setting_get_member(e, "ue"),
			"duplicate ue %s, already used by sessions.static.[%u]",
			ip, first);
	}
	free(keys);
	return 0;
}

static int
conf_parse_static(struct conf_ctx *c, const config_setting_t *list)
{
	struct gg_config *cfg = c->cfg;
	int n, i;

	/* libconfig cannot tell "()" from "[]"; an empty array is fine. */
	if (!config_setting_is_list(list) &&
			!(config_setting_is_array(list) &&
			config_setting_length(list) == 0))
		return conf_err(c, list, "expected a list of groups ( { ... }, ... )");

	n = config_setting_length(list);
	if ((unsigned int)n > cfg->session_capacity)
		return conf_err(c, list,
			"%d static sessions exceed sessions.capacity (%" PRIu32 ")",
			n, cfg->session_capacity);
	if (n == 0)
		return 0;

	cfg->sessions = calloc(n, sizeof(cfg->sessions[0]));
	if (cfg->sessions == NULL)
		return conf_err(c, list, "out of memory for %d sessions", n);
	cfg->n_sessions = n;

	for (i = 0; i < n; i++)
		if (conf_parse_session(c, config_setting_get_elem(list, i),
				&cfg->sessions[i]) < 0)
			return -1;

	return conf_check_duplicates(c, list);
}

/* "static" is read after the walk: its check needs capacity, wherever it is. */
static const struct conf_field conf_sessions_fields[] = {
	CONF_U("capacity", struct gg_config, session_capacity, 1, CONF_CAPACITY_MAX),
	CONF_DEFERRED("static"),
};

static int
conf_parse_sessions(struct conf_ctx *c, const config_setting_t *g, void *base)
{
	const config_setting_t *list;

	if (conf_parse_fields(c, g, conf_sessions_fields,
			RTE_DIM(conf_sessions_fields), base) < 0)
		return -1;
	list = config_setting_get_member(g, "static");
	return list != NULL ? conf_parse_static(c, list) : 0;
}

static int
conf_portal_ipv6(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_portal *p = base;
	const char *str;

	if (conf_get_string(c, s, &str) < 0)
		return -1;
	if (inet_pton(AF_INET6, str, p->ipv6) != 1)
		return conf_err(c, s, "'%s' is not an IPv6 address", str);
	p->has_ipv6 = true;
	return 0;
}

static int
conf_portal_url(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_portal *p = base;

	if (conf_get_text(c, s, p->url, sizeof(p->url)) < 0)
		return -1;
	if (strncmp(p->url, "http://", 7) != 0 &&
			strncmp(p->url, "https://", 8) != 0)
		return conf_err(c, s, "'%s': expected an absolute http:// or https:// URL",
			p->url);
	return 0;
}

static const struct conf_field conf_portal_fields[] = {
	CONF_IP("ipv4", struct gg_conf_portal, ipv4, CONF_REQUIRED),
	CONF_FN("ipv6", conf_portal_ipv6),
	CONF_FN("url", conf_portal_url, CONF_REQUIRED),
	CONF_STR("api", struct gg_conf_portal, api),
};

static int
conf_parse_portal(struct conf_ctx *c, const config_setting_t *g, void *base)
{
	struct gg_conf_portal *p = &c->cfg->portal;

	if (conf_parse_fields(c, g, conf_portal_fields,
			RTE_DIM(conf_portal_fields), p) < 0)
		return -1;
	p->set = true;
	return 0;
}

static int
conf_learn_scope(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	static const char *const scopes[] = { "session", "global", NULL };
	struct gg_conf_garden *gd = base;
	int v = conf_get_choice(c, s, scopes, "session or global");

	if (v < 0)
		return -1;
	gd->learn_global = v == 1;
	return 0;
}

static const struct conf_field conf_learn_fields[] = {
	CONF_FN("scope", conf_learn_scope),
	CONF_U("max_entries", struct gg_conf_garden, max_learned,
		1, GG_GARDEN_MAX_ENTRIES),
	CONF_U("min_ttl", struct gg_conf_garden, min_ttl, 1, 86400),
	CONF_U("max_ttl", struct gg_conf_garden, max_ttl, 1, 7 * 86400),
};

static int
conf_parse_garden_learn(struct conf_ctx *c, const config_setting_t *g,
		void *base)
{
	struct gg_conf_garden *gd = base;

	if (conf_parse_fields(c, g, conf_learn_fields,
			RTE_DIM(conf_learn_fields), gd) < 0)
		return -1;
	if (gd->max_ttl < gd->min_ttl)
		return conf_err(c, g, "max_ttl %u is below min_ttl %u", gd->max_ttl,
			gd->min_ttl);
	return 0;
}

static int
conf_parse_garden_rules(struct conf_ctx *c, const config_setting_t *list,
		void *base)
{
	struct gg_conf_garden *gd = base;
	int i, n;

	if (!config_setting_is_array(list) && !config_setting_is_list(list))
		return conf_err(c, list, "expected a list of rules [ \"a.b.c.d/len [proto [port[-port]]]\", ... ]");
	n = config_setting_length(list);
	gd->rules = calloc(n > 0 ? n : 1, sizeof(*gd->rules));
	if (gd->rules == NULL)
		return conf_err(c, list, "out of memory");
	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(list, i);
		char why[128];
		const char *str;

		if (conf_get_string(c, s, &str) < 0)
			return -1;
		if (gg_garden_parse_rule(str, &gd->rules[i], why, sizeof(why)) != 0)
			return conf_err(c, s, "'%s': %s", str, why);
		gd->n_rules++;
	}
	return 0;
}

static int
conf_parse_garden_names(struct conf_ctx *c, const config_setting_t *list,
		void *base)
{
	struct gg_conf_garden *gd = base;
	int i, n;

	if (!config_setting_is_array(list) && !config_setting_is_list(list))
		return conf_err(c, list, "expected a list of domain names [ \"portal.example\", ... ]");
	n = config_setting_length(list);
	gd->names = calloc(n > 0 ? n : 1, sizeof(*gd->names));
	if (gd->names == NULL)
		return conf_err(c, list, "out of memory");
	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(list, i);
		const char *str;
		size_t len, k;

		if (conf_get_string(c, s, &str) < 0)
			return -1;
		len = strlen(str);
		if (len > 0 && str[len - 1] == '.')
			len--;
		if (len == 0 || len > GG_GARDEN_NAME_MAX || str[0] == '.' ||
				strstr(str, "..") != NULL)
			return conf_err(c, s, "'%s' is not a domain name", str);
		for (k = 0; k < len; k++)
			if (!(str[k] == '-' || str[k] == '.' || str[k] == '_' ||
					(str[k] >= '0' && str[k] <= '9') ||
					(str[k] >= 'a' && str[k] <= 'z') ||
					(str[k] >= 'A' && str[k] <= 'Z')))
				return conf_err(c, s, "'%s' is not a domain name", str);
		gd->names[i] = strndup(str, len);
		if (gd->names[i] == NULL)
			return conf_err(c, s, "out of memory");
		for (k = 0; k < len; k++)
			if (gd->names[i][k] >= 'A' && gd->names[i][k] <= 'Z')
				gd->names[i][k] += 'a' - 'A';
		gd->n_names++;
	}
	return 0;
}

static const struct conf_field conf_garden_fields[] = {
	CONF_FN("prefixes", conf_parse_garden_rules),
	CONF_FN("names", conf_parse_garden_names),
	CONF_FN("learn", conf_parse_garden_learn),
	CONF_U("max_rules", struct gg_conf_garden, max_rules, 1, GG_GARDEN_MAX_RULES),
	CONF_U("max_names", struct gg_conf_garden, max_names,
		1, GG_GARDEN_MAX_ENTRIES),
};

static int
conf_parse_garden(struct conf_ctx *c, const config_setting_t *g, void *base)
{
	struct gg_conf_garden *gd = &c->cfg->garden;

	if (conf_parse_fields(c, g, conf_garden_fields,
			RTE_DIM(conf_garden_fields), gd) < 0)
		return -1;
	/* The portal's address is a rule too (added by the application). */
	if (gd->n_rules + 1 > gd->max_rules)
		return conf_err(c, g, "%u prefixes (and the portal) exceed max_rules %u",
			gd->n_rules, gd->max_rules);
	if (gd->n_names > gd->max_names)
		return conf_err(c, g, "%u names exceed max_names %u", gd->n_names,
			gd->max_names);
	return 0;
}

static int
conf_dns_other_types(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	static const char *const others[] = { "nxdomain", "refused", NULL };
	struct gg_conf_garden *gd = base;
	int v = conf_get_choice(c, s, others, "nxdomain or refused");

	if (v < 0)
		return -1;
	gd->dns_other_rcode = v == 1 ? 5 : 3;
	return 0;
}

static const char *const conf_dns_modes[] = { "rewrite", "snoop", NULL };

/* "dns" and "limited" fill struct gg_conf_garden: they are policies of the garden. */
static const struct conf_field conf_dns_fields[] = {
	CONF_ONE_OF("mode", struct gg_conf_garden, dns_mode, conf_dns_modes,
		"rewrite or snoop"),
	CONF_U("ttl", struct gg_conf_garden, dns_ttl, 0, 86400),
	CONF_FN("other_types", conf_dns_other_types),
	CONF_U("edns_udp_size", struct gg_conf_garden, edns_udp_size, 512, 65535),
};

/*
 * The SYN-cookie secret: exactly 32 hex digits. Messages say what is
 * wrong and where, never what was written: a near miss is still most of
 * the secret.
 */
static int
conf_get_secret(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_garden *gd = base;
	const size_t digits = 2 * GG_CONF_COOKIE_SECRET_LEN;
	uint8_t key[GG_CONF_COOKIE_SECRET_LEN];
	const char *str, *file;
	unsigned int orv = 0;
	size_t i, n;

	if (conf_get_string(c, s, &str) < 0)
		return -1;
	n = strlen(str);
	if (n != digits)
		return conf_err(c, s, "expected %zu hex digits (%u random octets), "
			"got %zu characters", digits, GG_CONF_COOKIE_SECRET_LEN, n);
	for (i = 0; i < digits; i++) {
		int v;

		if (str[i] >= '0' && str[i] <= '9')
			v = str[i] - '0';
		else if (str[i] >= 'a' && str[i] <= 'f')
			v = str[i] - 'a' + 10;
		else if (str[i] >= 'A' && str[i] <= 'F')
			v = str[i] - 'A' + 10;
		else
			return conf_err(c, s, "expected %zu hex digits; character %zu "
				"is not one", digits, i + 1);
		if (i % 2 == 0)
			key[i / 2] = (uint8_t)(v << 4);
		else
			key[i / 2] |= (uint8_t)v;
		orv |= (unsigned int)v;
	}
	/* A placeholder left in a template, not a secret. */
	if (orv == 0)
		return conf_err(c, s, "all zero: draw the secret from a random source");
	file = conf_setting_file(c, s);
	if (strlen(file) >= sizeof(gd->cookie_secret_file))
		return conf_err(c, s, "file name too long");
	strcpy(gd->cookie_secret_file, file);
	memcpy(gd->cookie_secret, key, sizeof(key));
	gd->cookie_secret_set = true;
	memset(key, 0, sizeof(key));
	return 0;
}

static const char *const conf_udp_rejects[] = { "icmp", "drop", NULL };

/* In struct gg_conf_garden too; tcp_mss is checked against the MTU at the end. */
static const struct conf_field conf_limited_fields[] = {
	CONF_ONE_OF("udp_reject", struct gg_conf_garden, udp_reject,
		conf_udp_rejects, "icmp or drop"),
	CONF_U("icmp_rate", struct gg_conf_garden, icmp_rate, 0, 1000000),
	CONF_U("tcp_mss", struct gg_conf_garden, tcp_mss, 536, 9000),
	CONF_FN("cookie_secret", conf_get_secret),
};

/* "host:port" (IPv4 or [IPv6]); numeric only: no resolver on the control lcore. */
static int
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

static int
conf_sbi_listen(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_sbi *sb = base;

	return conf_get_hostport(c, s, sb->address, sizeof(sb->address),
		&sb->port);
}

static const struct conf_field conf_sbi_fields[] = {
	CONF_FN("listen", conf_sbi_listen, CONF_REQUIRED),
	CONF_U("max_connections", struct gg_conf_sbi, max_connections, 1, 65536),
	CONF_U("request_timeout_ms", struct gg_conf_sbi, request_timeout_ms,
		100, 600000),
};

static int
conf_parse_sbi(struct conf_ctx *c, const config_setting_t *g, void *base)
{
	struct gg_conf_sbi *sb = &c->cfg->sbi;

	if (conf_parse_fields(c, g, conf_sbi_fields, RTE_DIM(conf_sbi_fields),
			sb) < 0)
		return -1;
	sb->set = true;
	return 0;
}

static int
conf_ausf_prefixes(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_ausf *au = base;
	int k, n;

	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return conf_err(c, s, "expected a list of URL prefixes");
	n = config_setting_length(s);
	if (n < 1 || n > 32)
		return conf_err(c, s, "expected 1..32 URL prefixes");
	au->url_prefixes = calloc(n, sizeof(*au->url_prefixes));
	if (au->url_prefixes == NULL)
		return conf_err(c, s, "out of memory");
	for (k = 0; k < n; k++) {
		const config_setting_t *e = config_setting_get_elem(s, k);
		const char *str;

		if (conf_get_string(c, e, &str) < 0)
			return -1;
		if (strncmp(str, "http://", 7) != 0 &&
				strncmp(str, "https://", 8) != 0)
			return conf_err(c, e, "'%s': expected an http:// or https:// prefix",
				str);
		au->url_prefixes[k] = strdup(str);
		if (au->url_prefixes[k] == NULL)
			return conf_err(c, e, "out of memory");
		au->n_url_prefixes++;
	}
	return 0;
}

static int
conf_ausf_pool(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_ausf *au = base;

	if (conf_get_ipv4_prefix(c, s, &au->pool_ipv4, &au->pool_len) < 0)
		return -1;
	if (au->pool_len < 8)
		return conf_err(c, s, "pools wider than /8 are not supported");
	return 0;
}

/* "ausf.rate": a group of its own in the file, plain members of struct gg_conf_ausf. */
static const struct conf_field conf_ausf_rate_fields[] = {
	CONF_U("device_burst", struct gg_conf_ausf, device_burst, 1, 1000000),
	CONF_U("device_refill_ms", struct gg_conf_ausf, device_refill_ms,
		1, 86400000),
	CONF_U("client_burst", struct gg_conf_ausf, client_burst, 1, 1000000),
	CONF_U("client_refill_ms", struct gg_conf_ausf, client_refill_ms,
		1, 86400000),
};

static const struct conf_field conf_ausf_fields[] = {
	CONF_STR("ca_bundle", struct gg_conf_ausf, ca_bundle, CONF_REQUIRED),
	CONF_FN("cert_url_prefixes", conf_ausf_prefixes, CONF_REQUIRED),
	CONF_U("fetch_timeout_ms", struct gg_conf_ausf, fetch_timeout_ms, 100, 60000),
	CONF_U("cert_cache_ttl", struct gg_conf_ausf, cert_cache_ttl, 0, 86400),
	CONF_U("challenge_ttl", struct gg_conf_ausf, challenge_ttl, 1, 3600),
	CONF_FN("ue_pool", conf_ausf_pool, CONF_REQUIRED),
	CONF_U("qfi", struct gg_conf_ausf, qfi, 0, CONF_QFI_MAX),
	CONF_SUB("rate", 0, conf_ausf_rate_fields),
};

static int
conf_parse_ausf(struct conf_ctx *c, const config_setting_t *g, void *base)
{
	struct gg_conf_ausf *au = &c->cfg->ausf;

	if (conf_parse_fields(c, g, conf_ausf_fields, RTE_DIM(conf_ausf_fields),
			au) < 0)
		return -1;
	au->has_qfi = config_setting_get_member(g, "qfi") != NULL;
	au->set = true;
	return 0;
}

static int
conf_store_backend(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	static const char *const backends[] = { "redis", "memory", NULL };
	struct gg_conf_store *st = base;
	int v = conf_get_choice(c, s, backends, "redis or memory");

	if (v < 0)
		return -1;
	strcpy(st->backend, backends[v]);
	return 0;
}

static int
conf_store_address(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_store *st = base;

	return conf_get_hostport(c, s, st->host, sizeof(st->host), &st->port);
}

static const struct conf_field conf_store_fields[] = {
	CONF_FN("backend", conf_store_backend),
	CONF_STR("unix", struct gg_conf_store, unix_path),
	CONF_FN("address", conf_store_address),
	CONF_STR("user", struct gg_conf_store, user),
	CONF_STR("password", struct gg_conf_store, password),
	CONF_STR("prefix", struct gg_conf_store, prefix),
	CONF_U("connect_timeout_ms", struct gg_conf_store, connect_timeout_ms,
		10, 60000),
	CONF_U("command_timeout_ms", struct gg_conf_store, command_timeout_ms,
		10, 60000),
};

static const struct conf_field conf_root_fields[] = {
	CONF_FN("eal", conf_parse_eal),
	CONF_U("workers", struct gg_config, workers, 1, RTE_MAX_LCORE - 1),
	CONF_FN("ports", conf_parse_ports, CONF_REQUIRED),
	CONF_SUB("queues", 0, conf_queues_fields),
	CONF_SUB("mempool", 0, conf_mempool_fields),
	CONF_SUB("gtpu", 0, conf_gtpu_fields),
	CONF_FN("sessions", conf_parse_sessions),
	CONF_SUB("log", 0, conf_log_fields),
	CONF_FN("portal", conf_parse_portal),
	CONF_FN("garden", conf_parse_garden),
	CONF_SUB("dns", offsetof(struct gg_config, garden), conf_dns_fields),
	CONF_SUB("limited", offsetof(struct gg_config, garden), conf_limited_fields),
	CONF_FN("sbi", conf_parse_sbi),
	CONF_FN("ausf", conf_parse_ausf),
	CONF_SUB("store", offsetof(struct gg_config, store), conf_store_fields),
};

static int
conf_parse_root(struct conf_ctx *c, const config_setting_t *root)
{
	if (conf_parse_fields(c, root, conf_root_fields, RTE_DIM(conf_root_fields),
			c->cfg) < 0)
		return -1;

	if (c->cfg->sbi.set && !c->cfg->ausf.set)
		return conf_err_missing(c, root, "ausf");
	/* A 302 of a full MSS must still fit the tunnel: inner IPv4 + TCP (40)
	 * and outer IPv4 + UDP + GTP-U with a PDU Session Container (44). */
	if (c->cfg->garden.tcp_mss + 84u > c->cfg->n3.mtu) {
		config_setting_t *l = config_setting_lookup(
			(config_setting_t *)(uintptr_t)root, "limited");
		const config_setting_t *m = l != NULL ?
			config_setting_lookup(l, "tcp_mss") : NULL;

		/* The default follows a small MTU; a value written must fit. */
		if (m == NULL)
			c->cfg->garden.tcp_mss = c->cfg->n3.mtu - 84;
		else
			return conf_err(c, m,
				"%u does not fit ports.n3.mtu %u (at most MTU - 84 = %u)",
				c->cfg->garden.tcp_mss, c->cfg->n3.mtu,
				c->cfg->n3.mtu - 84);
	}
	return 0;
}

static void __rte_format_printf(3, 4)
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
gg_conf_load(const char *path, struct gg_config *cfg, char *err,
		size_t errlen)
{
	struct conf_ctx c = {
		.path = path,
		.cfg = cfg,
		.err = err,
		.errlen = errlen,
	};
	config_t lc;
	int ret;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL || cfg == NULL) {
		conf_set_err(err, errlen, "gg_conf_load: no file or no config");
		return -1;
	}

	gg_conf_defaults(cfg);
	if (strlen(path) >= sizeof(cfg->path)) {
		conf_set_err(err, errlen, "%s: file name too long", path);
		return -1;
	}
	strcpy(cfg->path, path);

	config_init(&lc);
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		int saved_errno = errno;

		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			conf_set_err(err, errlen, "%s: cannot read: %s", path,
				strerror(saved_errno));
		else if (strcmp(config_error_text(&lc), "syntax error") == 0)
			/* Spare the user "syntax error: syntax error". */
			conf_set_err(err, errlen, "%s:%d: syntax error",
				config_error_file(&lc) != NULL ?
				config_error_file(&lc) : path,
				config_error_line(&lc));
		else
			conf_set_err(err, errlen, "%s:%d: syntax error: %s",
				config_error_file(&lc) != NULL ?
				config_error_file(&lc) : path,
				config_error_line(&lc), config_error_text(&lc));
		config_destroy(&lc);
		gg_conf_defaults(cfg);
		return -1;
	}

	ret = conf_parse_root(&c, config_root_setting(&lc));
	config_destroy(&lc);
	if (ret < 0) {
		gg_conf_free(cfg);
		return -1;
	}
	return 0;
}

static const char *
conf_log_level_name(int level)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(conf_log_levels); i++)
		if (conf_log_levels[i].level == level)
			return conf_log_levels[i].name;
	return "?";
}

static void
conf_print_port(FILE *out, const char *name, const struct gg_conf_port *p)
{
	char ip[INET_ADDRSTRLEN];
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	fprintf(out, "  port %s:\n", name);
	fprintf(out, "    device:   %s\n", p->device);
	inet_ntop(AF_INET, &p->address, ip, sizeof(ip));
	fprintf(out, "    address:  %s/%u\n", ip, p->prefix_len);
	if (p->next_hop != 0) {
		inet_ntop(AF_INET, &p->next_hop, ip, sizeof(ip));
		fprintf(out, "    next hop: %s\n", ip);
	} else {
		fprintf(out, "    next hop: none\n");
	}
	if (p->next_hop_mac_set) {
		rte_ether_format_addr(mac, sizeof(mac), &p->next_hop_mac);
		fprintf(out, "    MAC:      %s\n", mac);
	} else {
		fprintf(out, "    MAC:      not set\n");
	}
	fprintf(out, "    MTU:      %u\n", p->mtu);
}

static void
conf_print_session(FILE *out, unsigned int i, const struct gg_conf_session *s)
{
	char ue[INET_ADDRSTRLEN], gnb[INET_ADDRSTRLEN];
	const char *state = gg_session_state_name(s->state);

	inet_ntop(AF_INET, &s->ue_ipv4, ue, sizeof(ue));
	inet_ntop(AF_INET, &s->gnb_ipv4, gnb, sizeof(gnb));
	fprintf(out, "    [%u] ue %s ul_teid 0x%08" PRIx32 " gnb %s dl_teid 0x%08"
		PRIx32, i, ue, s->ul_teid, gnb, s->dl_teid);
	if (s->qfi_set)
		fprintf(out, " qfi %u", s->qfi);
	else
		fprintf(out, " qfi -");
	fprintf(out, " %s\n", state != NULL ? state : "?");
}

static void
conf_print_garden(FILE *out, const struct gg_config *cfg)
{
	const struct gg_conf_garden *gd = &cfg->garden;
	char a[INET6_ADDRSTRLEN], rule[64];
	unsigned int i;

	if (cfg->portal.set) {
		inet_ntop(AF_INET, &cfg->portal.ipv4, a, sizeof(a));
		fprintf(out, "  portal: %s, redirect to %s\n", a, cfg->portal.url);
		if (cfg->portal.has_ipv6) {
			inet_ntop(AF_INET6, cfg->portal.ipv6, a, sizeof(a));
			fprintf(out, "    IPv6 %s\n", a);
		}
		if (cfg->portal.api[0] != '\0')
			fprintf(out, "    captive portal API %s\n", cfg->portal.api);
	} else {
		fprintf(out, "  portal: none (LIMITED sessions get RSTs, DNS is not rewritten)\n");
	}
	fprintf(out, "  garden: %u prefix rule(s), %u name(s); learn %s scope, "
		"%" PRIu32 " entries, TTL %" PRIu32 "..%" PRIu32 " s\n",
		gd->n_rules, gd->n_names, gd->learn_global ? "global" : "session",
		gd->max_learned, gd->min_ttl, gd->max_ttl);
	for (i = 0; i < gd->n_rules; i++) {
		gg_garden_format_rule(&gd->rules[i], rule, sizeof(rule));
		fprintf(out, "    prefix %s\n", rule);
	}
	for (i = 0; i < gd->n_names; i++)
		fprintf(out, "    name %s\n", gd->names[i]);
	fprintf(out, "  dns: %s, answer TTL %" PRIu32 " s, other types %s\n",
		gd->dns_mode == 0 ? "rewrite" : "snoop", gd->dns_ttl,
		gd->dns_other_rcode == 5 ? "refused" : "nxdomain");
	fprintf(out, "  limited: UDP outside the garden %s, TCP MSS %u\n",
		gd->udp_reject == 0 ? "gets ICMP prohibited" : "dropped",
		gd->tcp_mss);
	/* Whether it is set, never what it is. */
	fprintf(out, "    SYN-cookie secret: %s\n", gd->cookie_secret_set ?
		"from the configuration (not shown)" : "random, drawn at start");
}

void
gg_conf_print_summary(const struct gg_config *cfg, FILE *out)
{
	unsigned int i;
	int a;

	fprintf(out, "configuration: %s\n",
		cfg->path[0] != '\0' ? cfg->path : "(defaults)");

	fprintf(out, "  EAL arguments:");
	if (cfg->eal_argc == 0)
		fprintf(out, " none");
	for (a = 0; a < cfg->eal_argc; a++) {
		/* Quote what a shell would split, so the line reads back. */
		if (strpbrk(cfg->eal_argv[a], " \t\"'") != NULL)
			fprintf(out, " \"%s\"", cfg->eal_argv[a]);
		else
			fprintf(out, " %s", cfg->eal_argv[a]);
	}
	fprintf(out, "\n");

	conf_print_port(out, "N3", &cfg->n3);
	conf_print_port(out, "N6", &cfg->n6);

	fprintf(out, "  workers: %u\n", cfg->workers);
	fprintf(out, "  queues: %u RX, %u TX descriptors\n",
		cfg->rx_desc, cfg->tx_desc);
	fprintf(out, "  mempool: %" PRIu32 " mbufs, cache %" PRIu32 "\n",
		cfg->mbufs, cfg->mbuf_cache);
	fprintf(out, "  GTP-U error indications: at most %" PRIu32
		" per second per worker\n", cfg->error_indication_rate);
	fprintf(out, "  sessions: capacity %" PRIu32 ", %u static\n",
		cfg->session_capacity, cfg->n_sessions);
	if (cfg->n_sessions <= CONF_SUMMARY_SESSIONS_MAX)
		for (i = 0; i < cfg->n_sessions; i++)
			conf_print_session(out, i, &cfg->sessions[i]);
	conf_print_garden(out, cfg);
	if (cfg->sbi.set) {
		fprintf(out, "  sbi: listening on %s:%u (HTTP/2 cleartext)\n",
			cfg->sbi.address, cfg->sbi.port);
		fprintf(out, "  ausf: CA bundle %s, %u certificate URL prefix(es), "
			"UE pool %s/%u\n", cfg->ausf.ca_bundle, cfg->ausf.n_url_prefixes,
			inet_ntop(AF_INET, &cfg->ausf.pool_ipv4, (char[INET_ADDRSTRLEN]){0},
				INET_ADDRSTRLEN), cfg->ausf.pool_len);
		for (i = 0; i < cfg->ausf.n_url_prefixes; i++)
			fprintf(out, "    certificates from %s\n", cfg->ausf.url_prefixes[i]);
		if (cfg->store.unix_path[0] != '\0')
			fprintf(out, "  store: %s at %s, prefix %s\n", cfg->store.backend,
				cfg->store.unix_path, cfg->store.prefix);
		else
			fprintf(out, "  store: %s at %s:%u, prefix %s\n", cfg->store.backend,
				cfg->store.host, cfg->store.port, cfg->store.prefix);
	} else {
		fprintf(out, "  sbi: none (no authentication service)\n");
	}
	fprintf(out, "  log: level %s, ", conf_log_level_name(cfg->log_level));
	if (cfg->stats_interval != 0)
		fprintf(out, "statistics every %u s\n", cfg->stats_interval);
	else
		fprintf(out, "statistics off\n");
}
