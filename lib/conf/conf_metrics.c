/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration section "metrics": the Prometheus / OpenMetrics endpoint
 * (app/gardengate/metrics.c, doc/operations.rst). Absent: no endpoint.
 *
 *   metrics = {
 *     listen = "127.0.0.1:9464";   # its own address, off the data plane
 *     max_connections = 16;        # scrapers at once; more are refused
 *     timeout_s = 10;              # an idle connection is closed after this
 *   };
 *
 * The endpoint serves the counters to anyone who reaches the address and
 * has no authentication: keep it on loopback or a management network.
 */

#include <stddef.h>

#include <libconfig.h>

#include <rte_common.h>

#include "gg_conf.h"
#include "conf_private.h"

static int
conf_metrics_listen(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_metrics *m = base;

	return conf_get_hostport(c, s, m->address, sizeof(m->address), &m->port);
}

static const struct conf_field conf_metrics_fields[] = {
	CONF_FN("listen", conf_metrics_listen, CONF_REQUIRED),
	CONF_U("max_connections", struct gg_conf_metrics, max_connections, 1, 1024),
	CONF_U("timeout_s", struct gg_conf_metrics, timeout_s, 1, 600),
};

int
conf_parse_metrics(struct conf_ctx *c, const config_setting_t *g, void *base)
{
	struct gg_conf_metrics *m = base;

	if (conf_parse_fields(c, g, conf_metrics_fields,
			RTE_DIM(conf_metrics_fields), m) < 0)
		return -1;
	m->set = true;
	return 0;
}
