/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration section "ports": the N3 and N6 ports (device, address,
 * next hop and its MAC, MTU), and the check that they differ.
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

int
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
