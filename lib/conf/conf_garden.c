/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration sections of the walled garden: "garden" (prefix rules,
 * names, learning), "dns" and "limited" (the LIMITED policies). All three
 * fill struct gg_conf_garden.
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
	CONF_U("max_per_session", struct gg_conf_garden, max_per_session, 0,
		GG_GARDEN_MAX_ENTRIES),
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

/*
 * "garden.names": name rules, "NAME [PROTO [PORTS]]..." (gg_garden.h,
 * gg_garden_parse_name_rule()); the name itself as gg_garden_add_name()
 * takes it.
 */
static int
conf_parse_garden_names(struct conf_ctx *c, const config_setting_t *list,
		void *base)
{
	struct gg_conf_garden *gd = base;
	char name[GG_GARDEN_NAME_MAX + 2], why[128];
	int i, n;

	if (!config_setting_is_array(list) && !config_setting_is_list(list))
		return conf_err(c, list, "expected a list of name rules [ \"portal.example\", \"vpn.example udp 51820\", ... ]");
	n = config_setting_length(list);
	gd->names = calloc(n > 0 ? n : 1, sizeof(*gd->names));
	gd->name_scopes = calloc(n > 0 ? n : 1, sizeof(*gd->name_scopes));
	if (gd->names == NULL || gd->name_scopes == NULL)
		return conf_err(c, list, "out of memory");
	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(list, i);
		const char *str;
		size_t len, k;

		if (conf_get_string(c, s, &str) < 0)
			return -1;
		if (gg_garden_parse_name_rule(str, name, &gd->name_scopes[i],
				why, sizeof(why)) != 0)
			return conf_err(c, s, "'%s': %s", str, why);
		len = strlen(name);
		if (len == 0 || len > GG_GARDEN_NAME_MAX || name[0] == '.' ||
				strstr(name, "..") != NULL)
			return conf_err(c, s, "'%s' is not a domain name", name);
		for (k = 0; k < len; k++)
			if (!(name[k] == '-' || name[k] == '.' || name[k] == '_' ||
					(name[k] >= '0' && name[k] <= '9') ||
					(name[k] >= 'a' && name[k] <= 'z')))
				return conf_err(c, s, "'%s' is not a domain name", name);
		gd->names[i] = strdup(name);
		if (gd->names[i] == NULL)
			return conf_err(c, s, "out of memory");
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

int
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

/* "dns.resolvers": the trusted resolvers, 1 to 4 IPv4 addresses. */
static int
conf_dns_resolvers(struct conf_ctx *c, const config_setting_t *list,
		void *base)
{
	struct gg_conf_garden *gd = base;
	int i, n;

	if (!config_setting_is_array(list) && !config_setting_is_list(list))
		return conf_err(c, list, "expected a list of IPv4 addresses [ \"203.0.113.53\", ... ]");
	n = config_setting_length(list);
	if (n < 1 || n > (int)RTE_DIM(gd->resolvers))
		return conf_err(c, list, "%d resolvers: between 1 and %zu", n,
			RTE_DIM(gd->resolvers));
	for (i = 0; i < n; i++) {
		uint32_t a;

		if (conf_get_ipv4(c, config_setting_get_elem(list, i), &a) < 0)
			return -1;
		gd->resolvers[i] = a;
	}
	gd->n_resolvers = (unsigned int)n;
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
	CONF_FN("resolvers", conf_dns_resolvers),
	CONF_U("query_timeout", struct gg_conf_garden, query_timeout, 1, 60),
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

int
conf_parse_dns(struct conf_ctx *c, const config_setting_t *g, void *base)
{
	return conf_parse_fields(c, g, conf_dns_fields, RTE_DIM(conf_dns_fields),
		base);
}

int
conf_parse_limited(struct conf_ctx *c, const config_setting_t *g, void *base)
{
	return conf_parse_fields(c, g, conf_limited_fields,
		RTE_DIM(conf_limited_fields), base);
}
