/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration section "ausf": the one-way authentication (manufacturer
 * CAs, certificate URL prefixes, fetch limits, challenge lifetime, UE
 * pool, QFI, rate limits, the prefixes allowed for profile callbacks).
 * URL prefixes are checked for their scheme here; the AuSF applies
 * lib/fetch's full URL rules to them at start.
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

/* A list of min..32 http(s) URL prefixes into *list (owned). */
static int
conf_prefix_list(struct conf_ctx *c, const config_setting_t *s, int min,
		char ***list, unsigned int *count)
{
	int k, n;

	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return conf_err(c, s, "expected a list of URL prefixes");
	n = config_setting_length(s);
	if (n < min || n > 32)
		return conf_err(c, s, "expected %d..32 URL prefixes", min);
	if (n == 0)
		return 0;
	*list = calloc(n, sizeof(**list));
	if (*list == NULL)
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
		(*list)[k] = strdup(str);
		if ((*list)[k] == NULL)
			return conf_err(c, e, "out of memory");
		(*count)++;
	}
	return 0;
}

static int
conf_ausf_prefixes(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_ausf *au = base;

	return conf_prefix_list(c, s, 1, &au->url_prefixes, &au->n_url_prefixes);
}

static int
conf_ausf_notify_prefixes(struct conf_ctx *c, const config_setting_t *s,
		void *base)
{
	struct gg_conf_ausf *au = base;

	return conf_prefix_list(c, s, 0, &au->notify_prefixes,
			&au->n_notify_prefixes);
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

/* "ausf.quota": unconfirmed challenges, apart from the session capacity. */
static const struct conf_field conf_ausf_quota_fields[] = {
	CONF_U("pending", struct gg_conf_ausf, max_pending, 1, 1u << 22),
	CONF_U("per_client", struct gg_conf_ausf, pending_per_client, 1, 1u << 22),
	CONF_U("per_identity", struct gg_conf_ausf, pending_per_identity, 1, 1u << 22),
};

static const struct conf_field conf_ausf_fields[] = {
	CONF_STR("ca_bundle", struct gg_conf_ausf, ca_bundle, CONF_REQUIRED),
	CONF_FN("cert_url_prefixes", conf_ausf_prefixes, CONF_REQUIRED),
	CONF_FN("notify_uri_prefixes", conf_ausf_notify_prefixes),
	CONF_U("fetch_timeout_ms", struct gg_conf_ausf, fetch_timeout_ms, 100, 60000),
	CONF_U("cert_cache_ttl", struct gg_conf_ausf, cert_cache_ttl, 0, 86400),
	CONF_U("fetch_max_per_host", struct gg_conf_ausf, fetch_max_per_host, 1, 1024),
	CONF_U("challenge_ttl", struct gg_conf_ausf, challenge_ttl, 1, 3600),
	CONF_FN("ue_pool", conf_ausf_pool, CONF_REQUIRED),
	CONF_U("qfi", struct gg_conf_ausf, qfi, 0, CONF_QFI_MAX),
	CONF_SUB("rate", 0, conf_ausf_rate_fields),
	CONF_SUB("quota", 0, conf_ausf_quota_fields),
};

int
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
