/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration section "portal": where LIMITED devices are sent (its
 * addresses for forged DNS answers, the redirect URL, the RFC 8908 API).
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
conf_portal_ipv6(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_portal *p = base;
	const char *str;

	if (conf_get_string(c, s, &str) < 0)
		return -1;
	if (inet_pton(AF_INET6, str, p->ipv6) != 1)
		return conf_err(c, s, "'%s' is not an IPv6 address", str);
	p->has_ipv6 = true;
	return 0;
}

static int
conf_portal_url(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_portal *p = base;

	if (conf_get_text(c, s, p->url, sizeof(p->url)) < 0)
		return -1;
	if (strncmp(p->url, "http://", 7) != 0 &&
			strncmp(p->url, "https://", 8) != 0)
		return conf_err(c, s, "'%s': expected an absolute http:// or https:// URL",
			p->url);
	return 0;
}

/* RFC 8908 section 2: the API is reached over TLS only. */
static int
conf_portal_api(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_portal *p = base;

	if (conf_get_text(c, s, p->api, sizeof(p->api)) < 0)
		return -1;
	if (strncmp(p->api, "https://", 8) != 0 || p->api[8] == '\0')
		return conf_err(c, s, "'%s': the Captive Portal API is an https:// URI "
			"(RFC 8908 section 2)", p->api);
	return 0;
}

static const struct conf_field conf_portal_fields[] = {
	CONF_IP("ipv4", struct gg_conf_portal, ipv4, CONF_REQUIRED),
	CONF_FN("ipv6", conf_portal_ipv6),
	CONF_FN("url", conf_portal_url, CONF_REQUIRED),
	CONF_FN("api", conf_portal_api),
};

int
conf_parse_portal(struct conf_ctx *c, const config_setting_t *g, void *base)
{
	struct gg_conf_portal *p = &c->cfg->portal;

	if (conf_parse_fields(c, g, conf_portal_fields,
			RTE_DIM(conf_portal_fields), p) < 0)
		return -1;
	p->set = true;
	return 0;
}
