/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the files of the configuration loader share (not installed): the
 * parsing context, the table of settings a section is read against, the
 * value readers that report "FILE:LINE: SETTING: problem", and each
 * section's entry point. One file per section of the file format:
 *
 *   conf_value.c    value readers, error messages, the table walker
 *   conf_load.c     gg_conf_load(), defaults, the root table; eal,
 *                   workers, queues, mempool, gtpu, log
 *   conf_ports.c    ports.n3, ports.n6
 *   conf_sessions.c sessions (capacity, static list)
 *   conf_portal.c   portal
 *   conf_garden.c   garden, dns, limited (the walled garden's policies)
 *   conf_mtu.c      mtu (MSS clamping, fragmentation, reassembly)
 *   conf_sbi.c      sbi
 *   conf_ausf.c     ausf
 *   conf_store.c    store
 *   conf_metrics.c  metrics (the Prometheus endpoint)
 *   conf_summary.c  gg_conf_print_summary()
 *   conf_diff.c     gg_conf_diff(): what a reload changes, live or not
 *   conf_portal_file.c  gg-portal's own file (gg_portal_conf_load())
 *
 * Not thread-safe; nothing here is kept after gg_conf_load() returns.
 */
#ifndef CONF_PRIVATE_H
#define CONF_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

#include <rte_common.h>

#include "gg_conf.h"


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
	const char *path;      /* file given to the loader */
	struct gg_config *cfg; /* gardengate's loader; NULL for other files */
	char *err;
	size_t errlen;
};

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
	CONF_FUNC,   /* parse(c, setting, base + offset) does it all */
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
/* A function reading a group that fills the struct at base + @p off. */
#define CONF_FN_AT(n, fn, off, ...) { .name = (n), .kind = CONF_FUNC, \
	.parse = (fn), .offset = (off), __VA_ARGS__ }
#define CONF_DEFERRED(n) { .name = (n), .kind = CONF_DEFER }

/* conf_value.c: readers of one value; each reports its own error. */
const char *conf_setting_file(const struct conf_ctx *c,
		const config_setting_t *s);
/*
 * Report a problem with setting @p s: "FILE:LINE: PATH: problem". Always
 * returns -1 so that callers can "return conf_err(...)".
 */
int __rte_format_printf(3, 4) conf_err(const struct conf_ctx *c,
		const config_setting_t *s, const char *fmt, ...);
int conf_err_unknown(const struct conf_ctx *c, const config_setting_t *s);
int conf_err_missing(const struct conf_ctx *c, const config_setting_t *group,
		const char *name);
bool conf_is(const config_setting_t *s, const char *name);
int conf_expect_group(const struct conf_ctx *c, const config_setting_t *s);
int conf_get_string(const struct conf_ctx *c, const config_setting_t *s,
		const char **out);
int conf_get_int(const struct conf_ctx *c, const config_setting_t *s,
		int64_t min, int64_t max, int64_t *out);
int conf_get_ipv4(const struct conf_ctx *c, const config_setting_t *s,
		uint32_t *out);
int conf_get_ipv4_prefix(const struct conf_ctx *c, const config_setting_t *s,
		uint32_t *addr, uint8_t *prefix_len);
int conf_get_choice(const struct conf_ctx *c, const config_setting_t *s,
		const char *const *words, const char *list);
int conf_get_text(const struct conf_ctx *c, const config_setting_t *s,
		char *out, size_t size);
int conf_get_hostport(const struct conf_ctx *c, const config_setting_t *s,
		char *host, size_t hostlen, uint16_t *port);
int conf_parse_fields(struct conf_ctx *c, const config_setting_t *g,
		const struct conf_field *fields, unsigned int n_fields, void *base);
/* Format a message into @p err (NULL or size 0: nothing). */
void __rte_format_printf(3, 4) conf_set_err(char *err, size_t errlen,
		const char *fmt, ...);
/*
 * Copy @p path into @p copy (@p copy_size octets: the configuration's
 * path member), then config_init() and read the file into @p lc. On
 * failure the message names the file and line ("FILE: file name too
 * long", "FILE:LINE: syntax error: ...", "FILE: cannot read: ..."), @p lc
 * is not initialised or already destroyed, and -1 is returned.
 */
int conf_read_file(config_t *lc, const char *path, char *copy,
		size_t copy_size, char *err, size_t errlen);

/* The sections: read group @p g into the struct at @p base. */
int conf_parse_ports(struct conf_ctx *c, const config_setting_t *g, void *base);
int conf_parse_sessions(struct conf_ctx *c, const config_setting_t *g, void *base);
int conf_parse_portal(struct conf_ctx *c, const config_setting_t *g, void *base);
int conf_parse_garden(struct conf_ctx *c, const config_setting_t *g, void *base);
int conf_parse_dns(struct conf_ctx *c, const config_setting_t *g, void *base);
int conf_parse_limited(struct conf_ctx *c, const config_setting_t *g, void *base);
int conf_parse_mtu(struct conf_ctx *c, const config_setting_t *g, void *base);
/* After the whole file: mtu.tcp_mss against the MTUs (or its default). */
int conf_check_mtu(struct conf_ctx *c, const config_setting_t *root);
int conf_parse_sbi(struct conf_ctx *c, const config_setting_t *g, void *base);
int conf_parse_ausf(struct conf_ctx *c, const config_setting_t *g, void *base);
/* The defaults of a "store" section (gardengate's and the portal's). */
void conf_store_defaults(struct gg_conf_store *st);
int conf_parse_store(struct conf_ctx *c, const config_setting_t *g, void *base);
int conf_parse_metrics(struct conf_ctx *c, const config_setting_t *g, void *base);

/* conf_load.c, for the summary. */
const char *conf_log_level_name(int level);

#endif /* CONF_PRIVATE_H */
