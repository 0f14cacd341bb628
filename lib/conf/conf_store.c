/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration section "store": the subscription store's backend and
 * connection (struct gg_conf_store); any program sharing the store reads
 * it the same way.
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

void
conf_store_defaults(struct gg_conf_store *st)
{
	strcpy(st->backend, "redis");
	strcpy(st->host, "127.0.0.1");
	st->port = 6379;
	strcpy(st->prefix, "gg:");
	st->connect_timeout_ms = 1000;
	st->command_timeout_ms = 1000;
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

int
conf_parse_store(struct conf_ctx *c, const config_setting_t *g, void *base)
{
	return conf_parse_fields(c, g, conf_store_fields,
		RTE_DIM(conf_store_fields), base);
}
