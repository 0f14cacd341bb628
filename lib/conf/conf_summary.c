/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gg_conf_print_summary(): what --check-config prints, one section after
 * another. Secrets are never printed, only whether they are set.
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

static void
conf_print_port(FILE *out, const char *name, const struct gg_conf_port *p)
{
	char ip[INET_ADDRSTRLEN];
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	fprintf(out, "  port %s:\n", name);
	fprintf(out, "    device:   %s\n", p->device);
	inet_ntop(AF_INET, &p->address, ip, sizeof(ip));
	fprintf(out, "    address:  %s/%u\n", ip, p->prefix_len);
	if (p->next_hop != 0) {
		inet_ntop(AF_INET, &p->next_hop, ip, sizeof(ip));
		fprintf(out, "    next hop: %s\n", ip);
	} else {
		fprintf(out, "    next hop: none\n");
	}
	if (p->next_hop_mac_set) {
		rte_ether_format_addr(mac, sizeof(mac), &p->next_hop_mac);
		fprintf(out, "    MAC:      %s\n", mac);
	} else {
		fprintf(out, "    MAC:      not set\n");
	}
	fprintf(out, "    MTU:      %u\n", p->mtu);
}

static void
conf_print_session(FILE *out, unsigned int i, const struct gg_conf_session *s)
{
	char ue[INET_ADDRSTRLEN], gnb[INET_ADDRSTRLEN];
	const char *state = gg_session_state_name(s->state);

	inet_ntop(AF_INET, &s->ue_ipv4, ue, sizeof(ue));
	inet_ntop(AF_INET, &s->gnb_ipv4, gnb, sizeof(gnb));
	fprintf(out, "    [%u] ue %s ul_teid 0x%08" PRIx32 " gnb %s dl_teid 0x%08"
		PRIx32, i, ue, s->ul_teid, gnb, s->dl_teid);
	if (s->qfi_set)
		fprintf(out, " qfi %u", s->qfi);
	else
		fprintf(out, " qfi -");
	fprintf(out, " %s\n", state != NULL ? state : "?");
}

static void
conf_print_garden(FILE *out, const struct gg_config *cfg)
{
	const struct gg_conf_garden *gd = &cfg->garden;
	char a[INET6_ADDRSTRLEN], rule[GG_GARDEN_NAME_MAX + 128];
	unsigned int i;

	if (cfg->portal.set) {
		inet_ntop(AF_INET, &cfg->portal.ipv4, a, sizeof(a));
		fprintf(out, "  portal: %s, redirect to %s\n", a, cfg->portal.url);
		if (cfg->portal.has_ipv6) {
			inet_ntop(AF_INET6, cfg->portal.ipv6, a, sizeof(a));
			fprintf(out, "    IPv6 %s\n", a);
		}
		if (cfg->portal.api[0] != '\0')
			fprintf(out, "    captive portal API %s\n", cfg->portal.api);
	} else {
		fprintf(out, "  portal: none (LIMITED sessions get RSTs, DNS is not rewritten)\n");
	}
	fprintf(out, "  garden: %u prefix rule(s), %u name(s); learn %s scope, "
		"%" PRIu32 " entries, TTL %" PRIu32 "..%" PRIu32 " s\n",
		gd->n_rules, gd->n_names, gd->learn_global ? "global" : "session",
		gd->max_learned, gd->min_ttl, gd->max_ttl);
	for (i = 0; i < gd->n_rules; i++) {
		const struct gg_garden_rule *r = &gd->rules[i];

		gg_garden_format_rule(r, rule, sizeof(rule));
		fprintf(out, "    prefix %s\n", rule);
		/* What a security reviewer should look at twice. */
		if (r->proto == GG_GARDEN_PROTO_ANY ||
				((r->proto == GG_GARDEN_PROTO_TCP ||
				r->proto == GG_GARDEN_PROTO_UDP) &&
				r->port_lo == 0 && r->port_hi == UINT16_MAX))
			fprintf(out, "      warning: opens every %s\n",
				r->proto == GG_GARDEN_PROTO_ANY ?
				"protocol and port" : "port of its protocol");
		if (r->depth < 24)
			fprintf(out, "      warning: /%u is a wide prefix (%u addresses)\n",
				r->depth, 1u << (32 - r->depth));
		/* Port 53 is decided by dns.resolvers, never by a rule. */
		if ((r->proto == GG_GARDEN_PROTO_ANY ||
				r->proto == GG_GARDEN_PROTO_TCP ||
				r->proto == GG_GARDEN_PROTO_UDP) &&
				r->port_lo <= 53 && r->port_hi >= 53)
			fprintf(out, "      note: not for port 53: LIMITED devices' "
				"DNS (UDP and TCP) goes to the trusted resolvers, "
				"garden names only\n");
	}
	for (i = 0; i < gd->n_names; i++) {
		const struct gg_garden_scope *sc = &gd->name_scopes[i];

		/* As garden.names and /gardengate/garden write it. */
		gg_garden_format_name_rule(gd->names[i], sc, rule, sizeof(rule));
		fprintf(out, "    name %s\n", rule);
		if (gg_garden_scope_wide(sc))
			fprintf(out, "      warning: addresses learned for it open every "
				"port (or protocol); anyone who can host under the name "
				"opens them\n");
	}
	fprintf(out, "    learned addresses: at most %" PRIu32 " per session "
		"(0: no limit)\n", gd->max_per_session);
	fprintf(out, "  dns: %s, answer TTL %" PRIu32 " s, other types %s, "
		"answers awaited %" PRIu32 " s\n",
		gd->dns_mode == 0 ? "rewrite" : "snoop", gd->dns_ttl,
		gd->dns_other_rcode == 5 ? "refused" : "nxdomain",
		gd->query_timeout);
	for (i = 0; i < gd->n_resolvers; i++) {
		char ra[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &gd->resolvers[i], ra, sizeof(ra));
		fprintf(out, "    trusted resolver %s\n", ra);
	}
	fprintf(out, "  limited: UDP outside the garden %s, TCP MSS %u\n",
		gd->udp_reject == 0 ? "gets ICMP prohibited" : "dropped",
		gd->tcp_mss);
	/* Whether it is set, never what it is. */
	fprintf(out, "    SYN-cookie secret: %s\n", gd->cookie_secret_set ?
		"from the configuration (not shown)" : "random, drawn at start");
}

void
gg_conf_print_summary(const struct gg_config *cfg, FILE *out)
{
	unsigned int i;
	int a;

	fprintf(out, "configuration: %s\n",
		cfg->path[0] != '\0' ? cfg->path : "(defaults)");

	fprintf(out, "  EAL arguments:");
	if (cfg->eal_argc == 0)
		fprintf(out, " none");
	for (a = 0; a < cfg->eal_argc; a++) {
		/* Quote what a shell would split, so the line reads back. */
		if (strpbrk(cfg->eal_argv[a], " \t\"'") != NULL)
			fprintf(out, " \"%s\"", cfg->eal_argv[a]);
		else
			fprintf(out, " %s", cfg->eal_argv[a]);
	}
	fprintf(out, "\n");

	conf_print_port(out, "N3", &cfg->n3);
	conf_print_port(out, "N6", &cfg->n6);

	fprintf(out, "  workers: %u\n", cfg->workers);
	fprintf(out, "  queues: %u RX, %u TX descriptors\n",
		cfg->rx_desc, cfg->tx_desc);
	fprintf(out, "  mempool: %" PRIu32 " mbufs, cache %" PRIu32 "\n",
		cfg->mbufs, cfg->mbuf_cache);
	fprintf(out, "  GTP-U error indications: at most %" PRIu32
		" per second per worker\n", cfg->error_indication_rate);
	fprintf(out, "  mtu: TCP MSS clamp %s (%u), too big without DF: %s, "
		"Fragmentation Needed at most %" PRIu32 " per second per worker, "
		"reassembly %" PRIu32 " flows per worker, %" PRIu32 " ms\n",
		cfg->mtu.tcp_mss_clamp ? "on" : "off", cfg->mtu.tcp_mss,
		cfg->mtu.fragment_off ? "dropped" : "fragmented",
		cfg->mtu.icmp_rate, cfg->mtu.reasm_flows,
		cfg->mtu.reasm_timeout_ms);
	fprintf(out, "  sessions: capacity %" PRIu32 ", %u static\n",
		cfg->session_capacity, cfg->n_sessions);
	if (cfg->n_sessions <= CONF_SUMMARY_SESSIONS_MAX)
		for (i = 0; i < cfg->n_sessions; i++)
			conf_print_session(out, i, &cfg->sessions[i]);
	conf_print_garden(out, cfg);
	if (cfg->sbi.set) {
		if (cfg->sbi.tls)
			fprintf(out, "  sbi: listening on %s:%u (HTTP/2 over TLS %s+, %s)\n",
				cfg->sbi.address, cfg->sbi.port,
				cfg->sbi.tls_min_version == 1 ? "1.2" : "1.3",
				cfg->sbi.tls_client_ca[0] != '\0' ?
				"client certificates required" : "no client authentication");
		else
			fprintf(out, "  sbi: listening on %s:%u (HTTP/2 cleartext)\n",
				cfg->sbi.address, cfg->sbi.port);
		if (!cfg->sbi.tls && !gg_conf_sbi_loopback(&cfg->sbi))
			fprintf(out, "  warning: sbi: cleartext HTTP/2 on %s, beyond "
				"loopback: any host that reaches it calls the AuSF "
				"unauthenticated and unencrypted (TS 33.501 13.1 asks "
				"for TLS between NFs); configure sbi.tls\n",
				cfg->sbi.address);
		fprintf(out, "  ausf: CA bundle %s, %u certificate URL prefix(es), "
			"UE pool %s/%u\n", cfg->ausf.ca_bundle, cfg->ausf.n_url_prefixes,
			inet_ntop(AF_INET, &cfg->ausf.pool_ipv4, (char[INET_ADDRSTRLEN]){0},
				INET_ADDRSTRLEN), cfg->ausf.pool_len);
		for (i = 0; i < cfg->ausf.n_url_prefixes; i++)
			fprintf(out, "    certificates from %s\n", cfg->ausf.url_prefixes[i]);
		for (i = 0; i < cfg->ausf.n_notify_prefixes; i++)
			fprintf(out, "    profile callbacks under %s\n",
				cfg->ausf.notify_prefixes[i]);
		if (cfg->store.unix_path[0] != '\0')
			fprintf(out, "  store: %s at %s, prefix %s\n", cfg->store.backend,
				cfg->store.unix_path, cfg->store.prefix);
		else
			fprintf(out, "  store: %s at %s:%u, prefix %s\n", cfg->store.backend,
				cfg->store.host, cfg->store.port, cfg->store.prefix);
	} else {
		fprintf(out, "  sbi: none (no authentication service)\n");
	}
	if (cfg->metrics.set)
		fprintf(out, "  metrics: http://%s:%u/metrics (Prometheus, OpenMetrics)\n",
			cfg->metrics.address, cfg->metrics.port);
	fprintf(out, "  log: level %s, ", conf_log_level_name(cfg->log_level));
	if (cfg->stats_interval != 0)
		fprintf(out, "statistics every %u s\n", cfg->stats_interval);
	else
		fprintf(out, "statistics off\n");
}
