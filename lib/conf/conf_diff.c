/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gg_conf_diff(): which settings differ between the configuration
 * gardengate runs with and a new load of its file, whether each can change
 * while gardengate runs, and where the new file sets it (FILE:LINE). The
 * reload (app/gardengate/reload.c, SIGHUP and /gardengate/reload) applies
 * the live ones and refuses the others with this location.
 *
 * One table, every setting of the file format, each with how to compare
 * it and whether it is live; the table is the contract that
 * doc/configuration.rst ("Reload") documents. A setting added to a
 * section must be added here too, or a reload ignores its changes
 * (test_conf's diff case changes settings of every section).
 *
 * Locations come from reading the new file a second time with libconfig
 * (the loader keeps none): a few hundred microseconds, on the control
 * lcore, once per reload. A setting the new file no longer has (back to
 * its default) is reported at its closest enclosing group still there, or
 * at the file without a line.
 */
#include <stddef.h>
#include <string.h>

#include <libconfig.h>

#include "gg_conf.h"
#include "conf_private.h"

enum diff_kind {
	DIFF_MEM,      /* memcmp of size octets at offset */
	DIFF_MEM2,     /* two fields: offset/size and offset2/size2 */
	DIFF_STR,      /* strcmp of the char array at offset */
	DIFF_EAL,      /* the "eal" list */
	DIFF_SESSIONS, /* sessions.static */
	DIFF_RULES,    /* garden.prefixes, as a set */
	DIFF_NAMES,    /* garden.names and their scopes, as a set */
	DIFF_PREFIXES, /* a string list: offset of the char **, offset2 of the count */
};

struct diff_field {
	const char *setting;
	enum diff_kind kind;
	bool live;
	size_t off, size;
	size_t off2, size2;
};

#define F_SIZE(m) sizeof(((struct gg_config *)0)->m)
#define MEM(s, live, m) { (s), DIFF_MEM, (live), offsetof(struct gg_config, m), \
		F_SIZE(m), 0, 0 }
#define MEM2(s, live, m, m2) { (s), DIFF_MEM2, (live), \
		offsetof(struct gg_config, m), F_SIZE(m), \
		offsetof(struct gg_config, m2), F_SIZE(m2) }
#define STR(s, live, m) { (s), DIFF_STR, (live), offsetof(struct gg_config, m), \
		F_SIZE(m), 0, 0 }
#define SPECIAL(s, live, kind) { (s), (kind), (live), 0, 0, 0, 0 }
#define LIST(s, live, m, n) { (s), DIFF_PREFIXES, (live), \
		offsetof(struct gg_config, m), 0, offsetof(struct gg_config, n), 0 }

#define PORT_FIELDS(p) \
	STR("ports." #p ".device", false, p.device), \
	MEM2("ports." #p ".address", false, p.address, p.prefix_len), \
	MEM("ports." #p ".next_hop", false, p.next_hop), \
	MEM2("ports." #p ".next_hop_mac", false, p.next_hop_mac, p.next_hop_mac_set), \
	MEM("ports." #p ".mtu", false, p.mtu)

static const struct diff_field diff_fields[] = {
	SPECIAL("eal", false, DIFF_EAL),
	PORT_FIELDS(n3),
	PORT_FIELDS(n6),
	MEM("workers", false, workers),
	MEM("queues.rx_desc", false, rx_desc),
	MEM("queues.tx_desc", false, tx_desc),
	MEM("mempool.mbufs", false, mbufs),
	MEM("mempool.cache", false, mbuf_cache),
	MEM("gtpu.error_indication_rate", true, error_indication_rate),
	MEM("sessions.capacity", false, session_capacity),
	MEM("sessions.ul_multicast", false, ul_multicast),
	SPECIAL("sessions.static", false, DIFF_SESSIONS),
	MEM("mtu.tcp_mss_clamp", false, mtu.tcp_mss_clamp),
	MEM("mtu.tcp_mss", false, mtu.tcp_mss),
	MEM("mtu.fragment", false, mtu.fragment_off),
	MEM("mtu.icmp_rate", true, mtu.icmp_rate),
	MEM("mtu.reassembly.flows", false, mtu.reasm_flows),
	MEM("mtu.reassembly.timeout_ms", false, mtu.reasm_timeout_ms),
	MEM("log.level", true, log_level),
	MEM("log.stats_interval", false, stats_interval),
	/* A portal that comes or goes changes what the workers set up at
	 * start (the redirect's secret, the garden's portal entry). */
	MEM("portal", false, portal.set),
	MEM("portal.ipv4", true, portal.ipv4),
	MEM2("portal.ipv6", true, portal.ipv6, portal.has_ipv6),
	STR("portal.url", true, portal.url),
	STR("portal.api", true, portal.api),
	SPECIAL("garden.prefixes", true, DIFF_RULES),
	SPECIAL("garden.names", true, DIFF_NAMES),
	MEM("garden.max_rules", false, garden.max_rules),
	MEM("garden.max_names", false, garden.max_names),
	MEM("garden.learn.max_entries", false, garden.max_learned),
	MEM("garden.learn.min_ttl", false, garden.min_ttl),
	MEM("garden.learn.max_ttl", false, garden.max_ttl),
	MEM("garden.learn.max_per_session", false, garden.max_per_session),
	MEM("garden.learn.scope", true, garden.learn_global),
	MEM2("dns.resolvers", true, garden.resolvers, garden.n_resolvers),
	MEM("dns.query_timeout", true, garden.query_timeout),
	MEM("dns.mode", true, garden.dns_mode),
	MEM("dns.ttl", true, garden.dns_ttl),
	MEM("dns.other_types", true, garden.dns_other_rcode),
	MEM("dns.edns_udp_size", true, garden.edns_udp_size),
	MEM("limited.udp_reject", true, garden.udp_reject),
	MEM("limited.icmp_rate", true, garden.icmp_rate),
	MEM("limited.tcp_mss", true, garden.tcp_mss),
	MEM2("limited.cookie_secret", false, garden.cookie_secret,
			garden.cookie_secret_set),
	MEM("sbi", false, sbi.set),
	MEM2("sbi.listen", false, sbi.address, sbi.port),
	MEM("sbi.max_connections", false, sbi.max_connections),
	MEM("sbi.request_timeout_ms", false, sbi.request_timeout_ms),
	MEM("sbi.max_connections_per_client", false, sbi.max_conns_per_client),
	MEM("sbi.first_request_timeout_ms", false, sbi.first_request_timeout_ms),
	MEM("sbi.tls", false, sbi.tls),
	STR("sbi.tls.cert", false, sbi.tls_cert),
	STR("sbi.tls.key", false, sbi.tls_key),
	STR("sbi.tls.client_ca", false, sbi.tls_client_ca),
	MEM("sbi.tls.min_version", false, sbi.tls_min_version),
	MEM("ausf", false, ausf.set),
	STR("ausf.ca_bundle", false, ausf.ca_bundle),
	LIST("ausf.cert_url_prefixes", false, ausf.url_prefixes, ausf.n_url_prefixes),
	LIST("ausf.notify_uri_prefixes", false, ausf.notify_prefixes,
			ausf.n_notify_prefixes),
	MEM("ausf.fetch_timeout_ms", false, ausf.fetch_timeout_ms),
	MEM("ausf.cert_cache_ttl", false, ausf.cert_cache_ttl),
	MEM("ausf.challenge_ttl", false, ausf.challenge_ttl),
	MEM2("ausf.ue_pool", false, ausf.pool_ipv4, ausf.pool_len),
	MEM2("ausf.qfi", false, ausf.qfi, ausf.has_qfi),
	MEM2("ausf.rate.device_burst", false, ausf.device_burst, ausf.device_refill_ms),
	MEM2("ausf.rate.client_burst", false, ausf.client_burst, ausf.client_refill_ms),
	STR("store.backend", false, store.backend),
	STR("store.unix", false, store.unix_path),
	MEM2("store.address", false, store.host, store.port),
	STR("store.user", false, store.user),
	STR("store.password", false, store.password),
	STR("store.prefix", false, store.prefix),
	MEM("store.connect_timeout_ms", false, store.connect_timeout_ms),
	MEM("store.command_timeout_ms", false, store.command_timeout_ms),
	MEM("metrics", false, metrics.set),
	MEM2("metrics.listen", false, metrics.address, metrics.port),
	MEM("metrics.max_connections", false, metrics.max_connections),
	MEM("metrics.timeout_s", false, metrics.timeout_s),
};

bool
gg_conf_garden_has_rule(const struct gg_conf_garden *g,
		const struct gg_garden_rule *r)
{
	unsigned int i;

	for (i = 0; i < g->n_rules; i++)
		if (gg_conf_rule_equal(r, &g->rules[i]))
			return true;
	return false;
}

static bool
rules_equal(const struct gg_conf_garden *a, const struct gg_conf_garden *b)
{
	unsigned int i;

	for (i = 0; i < a->n_rules; i++)
		if (!gg_conf_garden_has_rule(b, &a->rules[i]))
			return false;
	for (i = 0; i < b->n_rules; i++)
		if (!gg_conf_garden_has_rule(a, &b->rules[i]))
			return false;
	return true;
}

int
gg_conf_name_index(const struct gg_conf_garden *g, const char *name)
{
	unsigned int i;

	for (i = 0; i < g->n_names; i++)
		if (strcmp(g->names[i], name) == 0)
			return (int)i;
	return -1;
}

bool
gg_conf_rule_equal(const struct gg_garden_rule *a, const struct gg_garden_rule *b)
{
	return a->ipv4_be == b->ipv4_be && a->depth == b->depth &&
		a->proto == b->proto && a->port_lo == b->port_lo &&
		a->port_hi == b->port_hi;
}

bool
gg_conf_scope_equal(const struct gg_garden_scope *a, const struct gg_garden_scope *b)
{
	unsigned int i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (a->r[i].proto != b->r[i].proto || a->r[i].port_lo != b->r[i].port_lo ||
				a->r[i].port_hi != b->r[i].port_hi)
			return false;
	return true;
}

/* Every name of @p a is in @p b with the same scope. */
static bool
names_in(const struct gg_conf_garden *a, const struct gg_conf_garden *b)
{
	unsigned int i;
	int j;

	for (i = 0; i < a->n_names; i++) {
		j = gg_conf_name_index(b, a->names[i]);
		if (j < 0 || !gg_conf_scope_equal(&a->name_scopes[i], &b->name_scopes[j]))
			return false;
	}
	return true;
}

static bool
field_equal(const struct diff_field *f, const struct gg_config *a,
		const struct gg_config *b)
{
	const char *pa = (const char *)a, *pb = (const char *)b;
	unsigned int i, na, nb;
	char **la, **lb;

	switch (f->kind) {
	case DIFF_MEM:
		return memcmp(pa + f->off, pb + f->off, f->size) == 0;
	case DIFF_MEM2:
		return memcmp(pa + f->off, pb + f->off, f->size) == 0 &&
			memcmp(pa + f->off2, pb + f->off2, f->size2) == 0;
	case DIFF_STR:
		return strncmp(pa + f->off, pb + f->off, f->size) == 0;
	case DIFF_EAL:
		if (a->eal_argc != b->eal_argc)
			return false;
		for (i = 0; i < (unsigned int)a->eal_argc; i++)
			if (strcmp(a->eal_argv[i], b->eal_argv[i]) != 0)
				return false;
		return true;
	case DIFF_SESSIONS:
		return a->n_sessions == b->n_sessions && (a->n_sessions == 0 ||
			memcmp(a->sessions, b->sessions,
				a->n_sessions * sizeof(*a->sessions)) == 0);
	case DIFF_RULES:
		return rules_equal(&a->garden, &b->garden);
	case DIFF_NAMES:
		return names_in(&a->garden, &b->garden) &&
			names_in(&b->garden, &a->garden);
	case DIFF_PREFIXES:
		memcpy(&la, pa + f->off, sizeof(la));
		memcpy(&lb, pb + f->off, sizeof(lb));
		memcpy(&na, pa + f->off2, sizeof(na));
		memcpy(&nb, pb + f->off2, sizeof(nb));
		if (na != nb)
			return false;
		for (i = 0; i < na; i++)
			if (strcmp(la[i], lb[i]) != 0)
				return false;
		return true;
	}
	return false;
}

/*
 * Where @p lc sets @p setting, or its closest enclosing group the file
 * has; ch->file NULL when none (top level settings that are gone).
 */
static void
locate(config_t *lc, bool have_lc, const char *setting, struct gg_conf_change *ch,
		char *buf, size_t bufsz)
{
	config_setting_t *s = NULL;
	char *dot;

	ch->file = NULL;
	ch->line = 0;
	if (!have_lc)
		return;
	snprintf(buf, bufsz, "%s", setting);
	for (;;) {
		s = config_lookup(lc, buf);
		if (s != NULL)
			break;
		dot = strrchr(buf, '.');
		if (dot == NULL)
			return;
		*dot = '\0';
	}
	ch->line = (int)config_setting_source_line(s);
	ch->file = config_setting_source_file(s);
}

int
gg_conf_diff(const struct gg_config *old, const struct gg_config *cur,
		gg_conf_change_cb cb, void *arg)
{
	char buf[CONF_PATH_MAX];
	struct gg_conf_change ch;
	bool have_lc;
	config_t lc;
	unsigned int i;
	int n = 0;

	config_init(&lc);
	have_lc = config_read_file(&lc, cur->path) == CONFIG_TRUE;
	for (i = 0; i < RTE_DIM(diff_fields); i++) {
		const struct diff_field *f = &diff_fields[i];

		if (field_equal(f, old, cur))
			continue;
		ch.setting = f->setting;
		ch.live = f->live;
		locate(&lc, have_lc, f->setting, &ch, buf, sizeof(buf));
		if (ch.file == NULL)
			ch.file = cur->path;
		cb(&ch, arg);
		n++;
	}
	config_destroy(&lc);
	return n;
}
