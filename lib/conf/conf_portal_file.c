/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gg-portal's configuration file (struct gg_portal_config): its own file,
 * read with the same tables, value readers and "FILE:LINE: SETTING:
 * problem" messages as gardengate's; the "store" group is gardengate's
 * own section parser, so both programs reach the store the same way.
 *
 * Secrets (OP, the CSRF secret) may sit in the file or, better, in files
 * of their own; messages say what is wrong with them and where, never
 * what was written.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include <rte_common.h>

#include "gg_conf.h"
#include "conf_private.h"

#define SECRET_FILE_MAX 4096

void
gg_portal_conf_defaults(struct gg_portal_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->http_address, "0.0.0.0");
	cfg->http_port = 80;
	strcpy(cfg->https_address, "0.0.0.0");
	cfg->https_port = 443;
	cfg->max_connections = 256;
	strcpy(cfg->api_path, "/api/captive");
	strcpy(cfg->templates, "app/portal/templates");
	strcpy(cfg->static_dir, "app/portal/static");
	cfg->max_form_bytes = 4096;
	cfg->csrf_lifetime_s = 3600;
	cfg->op.amf[0] = 0x80;
	strcpy(cfg->op.dnn, "internet");
	cfg->op.sst = 1;
	cfg->log_level = 3;
	conf_store_defaults(&cfg->store);
}

void
gg_portal_conf_clear(struct gg_portal_config *cfg)
{
	volatile uint8_t *p;
	size_t i;

	/* volatile: the compiler may not drop a wipe of memory about to die */
	p = cfg->op.op;
	for (i = 0; i < sizeof(cfg->op.op); i++)
		p[i] = 0;
	p = cfg->csrf_secret;
	for (i = 0; i < sizeof(cfg->csrf_secret); i++)
		p[i] = 0;
	cfg->csrf_secret_len = 0;
	cfg->op.op_set = false;
}

/* A file the program will open later: say now if it cannot. */
static int
conf_readable(struct conf_ctx *c, const config_setting_t *s, char *out,
		size_t size, int mode)
{
	if (conf_get_text(c, s, out, size) < 0)
		return -1;
	if (access(out, mode) != 0)
		return conf_err(c, s, "%s: %s", out, strerror(errno));
	return 0;
}

static int
conf_https_cert(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_portal_config *cfg = base;

	return conf_readable(c, s, cfg->https_cert, sizeof(cfg->https_cert), R_OK);
}

static int
conf_https_key(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_portal_config *cfg = base;

	return conf_readable(c, s, cfg->https_key, sizeof(cfg->https_key), R_OK);
}

static int
conf_http_listen(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_portal_config *cfg = base;

	return conf_get_hostport(c, s, cfg->http_address,
		sizeof(cfg->http_address), &cfg->http_port);
}

static int
conf_https_listen(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_portal_config *cfg = base;

	return conf_get_hostport(c, s, cfg->https_address,
		sizeof(cfg->https_address), &cfg->https_port);
}

static const struct conf_field conf_http_fields[] = {
	CONF_FN("listen", conf_http_listen),
	CONF_U("max_connections", struct gg_portal_config, max_connections, 1, 65536),
};

static const struct conf_field conf_https_fields[] = {
	CONF_FN("listen", conf_https_listen),
	CONF_FN("cert", conf_https_cert, CONF_REQUIRED),
	CONF_FN("key", conf_https_key, CONF_REQUIRED),
};

static int
conf_parse_https(struct conf_ctx *c, const config_setting_t *g, void *base)
{
	struct gg_portal_config *cfg = base;

	cfg->https_set = true;
	return conf_parse_fields(c, g, conf_https_fields,
		RTE_DIM(conf_https_fields), base);
}

/* An absolute http(s) URL without spaces, quotes or angle brackets: it is
 * written into pages and Location headers. */
static int
conf_url(struct conf_ctx *c, const config_setting_t *s, char *out,
		size_t size, bool base_only)
{
	const char *h, *p;

	if (conf_get_text(c, s, out, size) < 0)
		return -1;
	if (strncmp(out, "https://", 8) == 0)
		h = out + 8;
	else if (strncmp(out, "http://", 7) == 0)
		h = out + 7;
	else
		return conf_err(c, s, "'%s': expected an http:// or https:// URL", out);
	if (*h == '\0' || *h == '/')
		return conf_err(c, s, "'%s': no host", out);
	for (p = out; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
				strchr("\"<>\\^`{|}'", *p) != NULL)
			return conf_err(c, s, "'%s': character %zu is not allowed in a URL",
				out, (size_t)(p - out) + 1);
	if (base_only) {
		if (strpbrk(h, "?#@") != NULL)
			return conf_err(c, s, "'%s': a base URL has no query, fragment or user", out);
		/* "<base_url>/signup" must not become "//signup". */
		if (out[strlen(out) - 1] == '/')
			out[strlen(out) - 1] = '\0';
	}
	return 0;
}

static int
conf_base_url(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_portal_config *cfg = base;

	return conf_url(c, s, cfg->base_url, sizeof(cfg->base_url), true);
}

static int
conf_venue_url(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_portal_config *cfg = base;

	return conf_url(c, s, cfg->venue_info_url, sizeof(cfg->venue_info_url), false);
}

static int
conf_api_path(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_portal_config *cfg = base;
	const char *p;

	if (conf_get_text(c, s, cfg->api_path, sizeof(cfg->api_path)) < 0)
		return -1;
	if (cfg->api_path[0] != '/')
		return conf_err(c, s, "'%s': expected a path starting with '/'",
			cfg->api_path);
	for (p = cfg->api_path; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("/-._~", *p) == NULL)
			return conf_err(c, s, "'%s': only letters, digits and / - . _ ~",
				cfg->api_path);
	return 0;
}

static int
conf_templates(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_portal_config *cfg = base;

	return conf_readable(c, s, cfg->templates, sizeof(cfg->templates), R_OK | X_OK);
}

static int
conf_static(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_portal_config *cfg = base;

	return conf_readable(c, s, cfg->static_dir, sizeof(cfg->static_dir), R_OK | X_OK);
}

static const struct conf_field conf_portal_file_fields[] = {
	CONF_FN("base_url", conf_base_url, CONF_REQUIRED),
	CONF_FN("api", conf_api_path),
	CONF_FN("venue_info_url", conf_venue_url),
	CONF_U("limited_lifetime_s", struct gg_portal_config, limited_lifetime_s,
		1, 31 * 86400),
	CONF_FN("templates", conf_templates),
	CONF_FN("static", conf_static),
	CONF_U("max_form_bytes", struct gg_portal_config, max_form_bytes, 256, 65536),
};

/*
 * Hex digits (spaces and newlines around them ignored, as a file written
 * by "openssl rand -hex 32" has them) into out: at least min, at most max
 * octets. Never quotes the text: a near miss is most of the secret.
 */
static int
conf_hex_secret(struct conf_ctx *c, const config_setting_t *s, const char *what,
		const char *text, uint8_t *out, size_t min, size_t max, size_t *len)
{
	size_t i = 0, n = 0, digits;
	unsigned int orv = 0;

	while (isspace((unsigned char)text[i]))
		i++;
	digits = strspn(text + i, "0123456789abcdefABCDEF");
	if (text[i + digits + strspn(text + i + digits, " \t\r\n")] != '\0')
		return conf_err(c, s, "%s: character %zu is not a hex digit", what,
			i + digits + 1);
	if (digits % 2 != 0 || digits / 2 < min || digits / 2 > max) {
		if (min == max)
			return conf_err(c, s, "%s: expected %zu hex digits, got %zu",
				what, 2 * min, digits);
		return conf_err(c, s, "%s: expected %zu to %zu hex digits (an even "
			"number), got %zu", what, 2 * min, 2 * max, digits);
	}
	for (; n < digits / 2; n++) {
		char b[3] = { text[i + 2 * n], text[i + 2 * n + 1], '\0' };

		out[n] = (uint8_t)strtoul(b, NULL, 16);
		orv |= out[n];
	}
	if (orv == 0)
		return conf_err(c, s, "%s: all zero: draw it from a random source", what);
	*len = n;
	return 0;
}

/* The content of a secret file, NUL-terminated, into buf (SECRET_FILE_MAX). */
static int
conf_read_secret_file(struct conf_ctx *c, const config_setting_t *s,
		char *buf, char *path, size_t pathlen)
{
	FILE *f;
	size_t n;

	if (conf_get_text(c, s, path, pathlen) < 0)
		return -1;
	f = fopen(path, "r");
	if (f == NULL)
		return conf_err(c, s, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, SECRET_FILE_MAX - 1, f);
	if (ferror(f)) {
		fclose(f);
		return conf_err(c, s, "%s: cannot read", path);
	}
	fclose(f);
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL)
		return conf_err(c, s, "%s: not a text file of hex digits", path);
	return 0;
}

static int
conf_csrf_secret_file(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_portal_config *cfg = base;
	char buf[SECRET_FILE_MAX], path[1024], what[1100];
	int ret;

	if (conf_read_secret_file(c, s, buf, path, sizeof(path)) < 0)
		return -1;
	snprintf(what, sizeof(what), "%s", path);
	ret = conf_hex_secret(c, s, what, buf, cfg->csrf_secret, 16,
		GG_PORTAL_CONF_SECRET_MAX, &cfg->csrf_secret_len);
	memset(buf, 0, sizeof(buf));
	return ret;
}

static const struct conf_field conf_csrf_fields[] = {
	CONF_FN("secret_file", conf_csrf_secret_file, CONF_REQUIRED),
	CONF_U("lifetime_s", struct gg_portal_config, csrf_lifetime_s, 60, 86400),
};

static int
conf_digits(struct conf_ctx *c, const config_setting_t *s, char *out,
		size_t lo, size_t hi)
{
	const char *str;
	size_t n;

	if (conf_get_string(c, s, &str) < 0)
		return -1;
	n = strlen(str);
	if (n < lo || n > hi || strspn(str, "0123456789") != n) {
		if (lo == hi)
			return conf_err(c, s, "'%s': expected %zu digits", str, lo);
		return conf_err(c, s, "'%s': expected %zu or %zu digits", str, lo, hi);
	}
	strcpy(out, str);
	return 0;
}

static int
conf_op_mcc(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	return conf_digits(c, s, ((struct gg_conf_operator *)base)->mcc, 3, 3);
}

static int
conf_op_mnc(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	return conf_digits(c, s, ((struct gg_conf_operator *)base)->mnc, 2, 3);
}

static int
conf_op_op(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_operator *op = base;
	const char *str;
	size_t len;

	if (op->op_set)
		return conf_err(c, s, "give OP once: 'op' or 'op_file'");
	if (conf_get_string(c, s, &str) < 0)
		return -1;
	if (conf_hex_secret(c, s, "OP", str, op->op, 16, 16, &len) < 0)
		return -1;
	op->op_set = true;
	return 0;
}

static int
conf_op_op_file(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_operator *op = base;
	char buf[SECRET_FILE_MAX], path[1024];
	size_t len;
	int ret;

	if (op->op_set)
		return conf_err(c, s, "give OP once: 'op' or 'op_file'");
	if (conf_read_secret_file(c, s, buf, path, sizeof(path)) < 0)
		return -1;
	ret = conf_hex_secret(c, s, path, buf, op->op, 16, 16, &len);
	memset(buf, 0, sizeof(buf));
	if (ret == 0)
		op->op_set = true;
	return ret;
}

static int
conf_op_amf(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_operator *op = base;
	const char *str;
	unsigned long v;

	if (conf_get_string(c, s, &str) < 0)
		return -1;
	if (strlen(str) != 4 || strspn(str, "0123456789abcdefABCDEF") != 4)
		return conf_err(c, s, "'%s': expected 4 hex digits", str);
	v = strtoul(str, NULL, 16);
	op->amf[0] = (uint8_t)(v >> 8);
	op->amf[1] = (uint8_t)v;
	return 0;
}

static int
conf_op_sd(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_operator *op = base;
	const char *str;

	if (conf_get_string(c, s, &str) < 0)
		return -1;
	if (strlen(str) != 6 || strspn(str, "0123456789abcdefABCDEF") != 6)
		return conf_err(c, s, "'%s': expected 6 hex digits (TS 23.003 SD)", str);
	op->sd = (uint32_t)strtoul(str, NULL, 16);
	op->has_sd = true;
	return 0;
}

static int
conf_op_cert(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_operator *op = base;

	return conf_readable(c, s, op->provisioning_cert,
		sizeof(op->provisioning_cert), R_OK);
}

static int
conf_op_key(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_operator *op = base;

	return conf_readable(c, s, op->provisioning_key,
		sizeof(op->provisioning_key), R_OK);
}

static const char *const conf_ciphers[] = { "gcm", "cbc", NULL };

static const struct conf_field conf_operator_fields[] = {
	CONF_FN("mcc", conf_op_mcc, CONF_REQUIRED),
	CONF_FN("mnc", conf_op_mnc, CONF_REQUIRED),
	CONF_FN("op", conf_op_op),
	CONF_FN("op_file", conf_op_op_file),
	CONF_FN("amf", conf_op_amf),
	CONF_STR("dnn", struct gg_conf_operator, dnn),
	CONF_U("sst", struct gg_conf_operator, sst, 0, 255),
	CONF_FN("sd", conf_op_sd),
	CONF_STR("issuer", struct gg_conf_operator, issuer, CONF_REQUIRED),
	CONF_FN("provisioning_cert", conf_op_cert, CONF_REQUIRED),
	CONF_FN("provisioning_key", conf_op_key, CONF_REQUIRED),
	CONF_ONE_OF("cipher", struct gg_conf_operator, cipher, conf_ciphers,
		"gcm or cbc"),
};

static int
conf_parse_operator(struct conf_ctx *c, const config_setting_t *g, void *base)
{
	struct gg_conf_operator *op = base;

	if (conf_parse_fields(c, g, conf_operator_fields,
			RTE_DIM(conf_operator_fields), base) < 0)
		return -1;
	if (!op->op_set)
		return conf_err(c, g, "missing required setting 'op' or 'op_file'");
	return 0;
}

static int
conf_plan_id(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_plan *pl = base;
	size_t n;

	if (conf_get_text(c, s, pl->id, sizeof(pl->id)) < 0)
		return -1;
	n = strlen(pl->id);
	if (strspn(pl->id, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return conf_err(c, s, "'%s': only a-z, 0-9, '_' and '-'", pl->id);
	return 0;
}

static const struct conf_field conf_plan_fields[] = {
	CONF_FN("id", conf_plan_id, CONF_REQUIRED),
	CONF_STR("name", struct gg_conf_plan, name, CONF_REQUIRED),
	CONF_STR("price", struct gg_conf_plan, price, CONF_REQUIRED),
	CONF_U("validity_days", struct gg_conf_plan, validity_days, 1, 3660,
		CONF_REQUIRED),
};

static int
conf_parse_plans(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_portal_config *cfg = base;
	int n, i, j;

	if (!config_setting_is_list(s))
		return conf_err(c, s, "expected a list ( { id = ...; }, ... )");
	n = config_setting_length(s);
	if (n == 0 || n > GG_PORTAL_CONF_PLANS_MAX)
		return conf_err(c, s, "%d plans: 1 to %d allowed", n,
			GG_PORTAL_CONF_PLANS_MAX);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);

		if (conf_parse_fields(c, e, conf_plan_fields, RTE_DIM(conf_plan_fields),
				&cfg->plans[i]) < 0)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(cfg->plans[i].id, cfg->plans[j].id) == 0)
				return conf_err(c, config_setting_get_member(e, "id"),
					"'%s' is already the id of plans.[%d]",
					cfg->plans[i].id, j);
		cfg->n_plans = (unsigned int)i + 1;
	}
	return 0;
}

static const char *const conf_portal_log_levels[] = {
	"error", "warning", "notice", "info", "debug", NULL
};

static const struct conf_field conf_portal_log_fields[] = {
	CONF_ONE_OF("level", struct gg_portal_config, log_level,
		conf_portal_log_levels, "error, warning, notice, info or debug"),
};

static const struct conf_field conf_portal_root_fields[] = {
	CONF_SUB("http", 0, conf_http_fields),
	CONF_FN("https", conf_parse_https),
	CONF_SUB("portal", 0, conf_portal_file_fields, CONF_REQUIRED),
	CONF_SUB("csrf", 0, conf_csrf_fields, CONF_REQUIRED),
	CONF_FN_AT("operator", conf_parse_operator,
		offsetof(struct gg_portal_config, op), CONF_REQUIRED),
	CONF_FN("plans", conf_parse_plans, CONF_REQUIRED),
	CONF_FN_AT("store", conf_parse_store,
		offsetof(struct gg_portal_config, store)),
	CONF_SUB("log", 0, conf_portal_log_fields),
};

int
gg_portal_conf_load(const char *path, struct gg_portal_config *cfg,
		char *err, size_t errlen)
{
	struct conf_ctx c = {
		.path = path,
		.cfg = NULL,
		.err = err,
		.errlen = errlen,
	};
	config_t lc;
	int ret;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL || cfg == NULL) {
		conf_set_err(err, errlen, "gg_portal_conf_load: no file or no config");
		return -1;
	}
	gg_portal_conf_defaults(cfg);
	if (conf_read_file(&lc, path, cfg->path, sizeof(cfg->path), err,
			errlen) < 0) {
		gg_portal_conf_defaults(cfg);
		return -1;
	}
	ret = conf_parse_fields(&c, config_root_setting(&lc), conf_portal_root_fields,
		RTE_DIM(conf_portal_root_fields), cfg);
	config_destroy(&lc);
	if (ret < 0) {
		gg_portal_conf_clear(cfg);
		gg_portal_conf_defaults(cfg);
		return -1;
	}
	return 0;
}
