/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration section "sbi": the AuSF's HTTP/2 server (listen address,
 * connection and time limits).
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
conf_sbi_listen(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_sbi *sb = base;

	return conf_get_hostport(c, s, sb->address, sizeof(sb->address),
		&sb->port);
}

static const char *const conf_tls_versions[] = { "1.3", "1.2", NULL };

/* "sbi.tls": HTTP/2 over TLS (absent: h2c, for loopback tests). */
static const struct conf_field conf_sbi_tls_fields[] = {
	CONF_STR("cert", struct gg_conf_sbi, tls_cert, CONF_REQUIRED),
	CONF_STR("key", struct gg_conf_sbi, tls_key, CONF_REQUIRED),
	CONF_STR("client_ca", struct gg_conf_sbi, tls_client_ca),
	CONF_ONE_OF("min_version", struct gg_conf_sbi, tls_min_version,
		conf_tls_versions, "\"1.3\" or \"1.2\""),
};

static const struct conf_field conf_sbi_fields[] = {
	CONF_FN("listen", conf_sbi_listen, CONF_REQUIRED),
	CONF_U("max_connections", struct gg_conf_sbi, max_connections, 1, 65536),
	CONF_U("request_timeout_ms", struct gg_conf_sbi, request_timeout_ms,
		100, 600000),
	CONF_U("max_connections_per_client", struct gg_conf_sbi,
		max_conns_per_client, 1, 65536),
	CONF_U("first_request_timeout_ms", struct gg_conf_sbi,
		first_request_timeout_ms, 100, 600000),
	CONF_SUB("tls", 0, conf_sbi_tls_fields),
};

bool
gg_conf_sbi_loopback(const struct gg_conf_sbi *sb)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, sb->address, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, sb->address, &a6) == 1 &&
		IN6_IS_ADDR_LOOPBACK(&a6);
}

int
conf_parse_sbi(struct conf_ctx *c, const config_setting_t *g, void *base)
{
	struct gg_conf_sbi *sb = &c->cfg->sbi;

	if (conf_parse_fields(c, g, conf_sbi_fields, RTE_DIM(conf_sbi_fields),
			sb) < 0)
		return -1;
	sb->tls = config_setting_get_member(g, "tls") != NULL;
	sb->set = true;
	return 0;
}
