/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gardengate configuration loader: reads a libconfig file, checks every
 * setting and fills struct gg_config (see gg_conf.h for the contract).
 * This file: the entry point, the defaults, the root table and the small
 * process-wide sections (eal, workers, queues, mempool, gtpu, log);
 * conf_private.h lists the files of the other sections.
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
#include "conf_private.h"
#include "gg_session.h"

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
	cfg->garden.max_per_session = 64;
	cfg->garden.query_timeout = 5;
	cfg->garden.max_ttl = 3600;
	cfg->garden.dns_ttl = 10;
	cfg->garden.dns_other_rcode = 3; /* NXDOMAIN */
	cfg->garden.edns_udp_size = 1232;
	cfg->garden.icmp_rate = 100;
	cfg->garden.tcp_mss = 1400;
	cfg->mtu.tcp_mss_clamp = true;
	cfg->mtu.icmp_rate = 100;
	cfg->mtu.reasm_flows = 256;
	cfg->mtu.reasm_timeout_ms = 2000;
	cfg->sbi.max_connections = 256;
	cfg->sbi.request_timeout_ms = 10000;
	cfg->ausf.fetch_timeout_ms = 3000;
	cfg->ausf.cert_cache_ttl = 300;
	cfg->ausf.challenge_ttl = 30;
	cfg->ausf.device_burst = 5;
	cfg->ausf.device_refill_ms = 6000;
	cfg->ausf.client_burst = 100;
	cfg->ausf.client_refill_ms = 100;
	conf_store_defaults(&cfg->store);
	cfg->metrics.max_connections = 16;
	cfg->metrics.timeout_s = 10;
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
	free(cfg->garden.name_scopes);
	for (i = 0; i < (int)cfg->ausf.n_url_prefixes; i++)
		free(cfg->ausf.url_prefixes[i]);
	free(cfg->ausf.url_prefixes);
	for (i = 0; i < (int)cfg->ausf.n_notify_prefixes; i++)
		free(cfg->ausf.notify_prefixes[i]);
	free(cfg->ausf.notify_prefixes);
	/* Back to defaults so that a second free, or a reuse, is harmless. */
	gg_conf_defaults(cfg);
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

static const struct conf_field conf_root_fields[] = {
	CONF_FN("eal", conf_parse_eal),
	CONF_U("workers", struct gg_config, workers, 1, RTE_MAX_LCORE - 1),
	CONF_FN("ports", conf_parse_ports, CONF_REQUIRED),
	CONF_SUB("queues", 0, conf_queues_fields),
	CONF_SUB("mempool", 0, conf_mempool_fields),
	CONF_SUB("gtpu", 0, conf_gtpu_fields),
	CONF_FN("sessions", conf_parse_sessions),
	CONF_FN_AT("mtu", conf_parse_mtu, offsetof(struct gg_config, mtu)),
	CONF_SUB("log", 0, conf_log_fields),
	CONF_FN("portal", conf_parse_portal),
	CONF_FN("garden", conf_parse_garden),
	CONF_FN_AT("dns", conf_parse_dns, offsetof(struct gg_config, garden)),
	CONF_FN_AT("limited", conf_parse_limited, offsetof(struct gg_config, garden)),
	CONF_FN("sbi", conf_parse_sbi),
	CONF_FN("ausf", conf_parse_ausf),
	CONF_FN_AT("store", conf_parse_store, offsetof(struct gg_config, store)),
	CONF_FN_AT("metrics", conf_parse_metrics, offsetof(struct gg_config, metrics)),
};

static int
conf_parse_root(struct conf_ctx *c, const config_setting_t *root)
{
	if (conf_parse_fields(c, root, conf_root_fields, RTE_DIM(conf_root_fields),
			c->cfg) < 0)
		return -1;

	if (c->cfg->sbi.set && !c->cfg->ausf.set)
		return conf_err_missing(c, root, "ausf");
	/* Garden-name queries go to the trusted resolvers, and only there. */
	if (c->cfg->garden.n_names > 0 && c->cfg->garden.n_resolvers == 0) {
		config_setting_t *gs = config_setting_lookup(
			(config_setting_t *)(uintptr_t)root, "garden");

		return conf_err(c, gs != NULL ? gs : root,
			"garden names need dns.resolvers: the only servers their "
			"queries may go to and their answers come from");
	}
	if (conf_check_mtu(c, root) < 0)
		return -1;
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
	if (conf_read_file(&lc, path, cfg->path, sizeof(cfg->path), err,
			errlen) < 0) {
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

const char *
conf_log_level_name(int level)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(conf_log_levels); i++)
		if (conf_log_levels[i].level == level)
			return conf_log_levels[i].name;
	return "?";
}
