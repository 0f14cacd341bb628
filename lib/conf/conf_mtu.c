/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration section "mtu": what the data plane does with packets that
 * do not fit a link once tunnelled (or decapsulated).
 *
 *   mtu = {
 *     tcp_mss_clamp = "on";   # lower the MSS of SYNs, both ways
 *     tcp_mss = 1416;         # default: min(N3 MTU - 84, N6 MTU - 40)
 *     fragment = "on";        # too big without DF: fragment ("off": drop)
 *     icmp_rate = 100;        # Fragmentation Needed per second per worker
 *     reassembly = { flows = 256; timeout_ms = 2000; };  # outer, on N3
 *   };
 *
 * The MSS default leaves room for inner IPv4 + TCP (40) and the outer
 * IPv4 + UDP + GTP-U with a PDU Session Container (44) within the N3 MTU,
 * and for IPv4 + TCP within the N6 MTU; a value written must fit both.
 */

#include <stddef.h>

#include <libconfig.h>

#include <rte_common.h>

#include "gg_conf.h"
#include "conf_private.h"

/* Inner IPv4 + TCP, and the longest outer headers we write (IPv4, UDP,
 * GTP-U with a DL PDU Session Container). */
#define MSS_INNER_HDRS 40
#define MSS_TUNNEL_HDRS 44
#define MSS_MIN 536          /* RFC 879's default: never clamp below it */
#define REASM_FLOWS_MAX 65536
#define REASM_TIMEOUT_MS_MAX 60000
#define ICMP_RATE_MAX 1000000

static const char *const conf_on_off[] = { "on", "off", NULL };
static const char *const conf_off_on[] = { "off", "on", NULL };

/* A choice stores the index of its word: each list puts its words where
 * the bool they mean falls (tcp_mss_clamp "on" = true, fragment_off
 * "off" = true). */
static const struct conf_field conf_reasm_fields[] = {
	CONF_U("flows", struct gg_conf_mtu, reasm_flows, 0, REASM_FLOWS_MAX),
	CONF_U("timeout_ms", struct gg_conf_mtu, reasm_timeout_ms, 1,
		REASM_TIMEOUT_MS_MAX),
};

static const struct conf_field conf_mtu_fields[] = {
	CONF_ONE_OF("tcp_mss_clamp", struct gg_conf_mtu, tcp_mss_clamp,
		conf_off_on, "on or off"),
	CONF_U("tcp_mss", struct gg_conf_mtu, tcp_mss, MSS_MIN, 9000),
	CONF_ONE_OF("fragment", struct gg_conf_mtu, fragment_off,
		conf_on_off, "on or off"),
	CONF_U("icmp_rate", struct gg_conf_mtu, icmp_rate, 0, ICMP_RATE_MAX),
	CONF_SUB("reassembly", 0, conf_reasm_fields),
};

int
conf_parse_mtu(struct conf_ctx *c, const config_setting_t *g, void *base)
{
	return conf_parse_fields(c, g, conf_mtu_fields, RTE_DIM(conf_mtu_fields),
			base);
}

int
conf_check_mtu(struct conf_ctx *c, const config_setting_t *root)
{
	struct gg_config *cfg = c->cfg;
	unsigned int n3_max = cfg->n3.mtu - MSS_INNER_HDRS - MSS_TUNNEL_HDRS;
	unsigned int n6_max = cfg->n6.mtu - MSS_INNER_HDRS;
	unsigned int max = RTE_MIN(n3_max, n6_max);
	const config_setting_t *m, *g;

	g = config_setting_lookup((config_setting_t *)(uintptr_t)root, "mtu");
	m = g != NULL ? config_setting_lookup((config_setting_t *)(uintptr_t)g,
			"tcp_mss") : NULL;
	if (m == NULL) {
		/* 576-octet MTUs leave less than 536: clamp to what fits. */
		cfg->mtu.tcp_mss = (uint16_t)max;
		return 0;
	}
	if (cfg->mtu.tcp_mss > n3_max)
		return conf_err(c, m,
			"%u does not fit ports.n3.mtu %u (at most MTU - 84 = %u)",
			cfg->mtu.tcp_mss, cfg->n3.mtu, n3_max);
	if (cfg->mtu.tcp_mss > n6_max)
		return conf_err(c, m,
			"%u does not fit ports.n6.mtu %u (at most MTU - 40 = %u)",
			cfg->mtu.tcp_mss, cfg->n6.mtu, n6_max);
	return 0;
}
