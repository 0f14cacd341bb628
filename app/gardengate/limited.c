/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walled-garden wiring: build the garden and the LIMITED policy from the
 * configuration before the workers start, learn from the DNS answers the
 * workers snoop, and expire learned addresses once a second. Control lcore
 * only (the garden's single writer).
 */
#include <string.h>
#include <sys/random.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "gg_evloop.h"
#include "gg_garden.h"
#include "gg_slowpath.h"
#include "gardengate.h"

#define LOG(level, ...) RTE_LOG(level, USER1, __VA_ARGS__)
#define SNOOP_BURST 32
#define EXPIRE_EVERY_MS 1000

int
gg_limited_setup(struct gg_app *app)
{
	const struct gg_conf_garden *gc = &app->cfg.garden;
	const struct gg_conf_portal *pc = &app->cfg.portal;
	struct gg_limited *lim = &app->dp.limited;
	struct gg_garden_params gp = {
		.name = "gg", .max_rules = gc->max_rules, .max_names = gc->max_names,
		.max_learned = gc->max_learned, .min_ttl = gc->min_ttl,
		.max_ttl = gc->max_ttl, .socket_id = SOCKET_ID_ANY,
		.qsv = app->dp.qsv,
	};
	uint8_t secret[16];
	unsigned int i;
	int ret;

	lim->garden = gg_garden_create(&gp);
	if (lim->garden == NULL) {
		LOG(ERR, "walled garden: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	for (i = 0; i < gc->n_rules; i++) {
		const struct gg_garden_rule *r = &gc->rules[i];

		ret = gg_garden_add_prefix(lim->garden, r->ipv4_be, r->depth,
				r->proto, r->port_lo, r->port_hi);
		if (ret < 0 && ret != -EEXIST) {
			LOG(ERR, "garden.prefixes[%u]: %s\n", i, strerror(-ret));
			return -1;
		}
	}
	for (i = 0; i < gc->n_names; i++) {
		ret = gg_garden_add_name(lim->garden, gc->names[i]);
		if (ret < 0 && ret != -EEXIST) {
			LOG(ERR, "garden.names[%u] %s: %s\n", i, gc->names[i], strerror(-ret));
			return -1;
		}
	}

	lim->dns_mode = gc->dns_mode;
	lim->udp_reject = gc->udp_reject;
	lim->icmp_unreach_rate = gc->icmp_rate;
	lim->learn_global = gc->learn_global;
	lim->icmp_src = app->cfg.n6.address;
	if (!pc->set) {
		LOG(WARNING, "no portal configured: LIMITED sessions get RSTs for HTTP "
				"and their DNS is not rewritten\n");
		return 0;
	}
	/* The portal is in the garden, whatever the rules say. */
	ret = gg_garden_add_prefix(lim->garden, pc->ipv4, 32, GG_GARDEN_PROTO_ANY,
			0, 65535);
	if (ret < 0 && ret != -EEXIST) {
		LOG(ERR, "portal address in the garden: %s\n", strerror(-ret));
		return -1;
	}
	if (getrandom(secret, sizeof(secret), 0) != sizeof(secret) ||
			gg_http_redirect_init(&lim->http, secret, gc->tcp_mss, pc->url) != 0) {
		LOG(ERR, "portal.url '%s' cannot be used as a redirect template\n", pc->url);
		return -1;
	}
	lim->dns.portal_ipv4 = pc->ipv4;
	memcpy(lim->dns.portal_ipv6, pc->ipv6, sizeof(lim->dns.portal_ipv6));
	lim->dns.has_ipv6 = pc->has_ipv6;
	lim->dns.other_rcode = gc->dns_other_rcode;
	lim->dns.edns_udp_size = gc->edns_udp_size;
	lim->dns.ttl = gc->dns_ttl;
	lim->has_portal = 1;
	return 0;
}

/* Learn from what the workers snooped, then let it go to the device. */
unsigned int
gg_limited_serve_snoop(struct gg_app *app)
{
	struct rte_mbuf *pkts[SNOOP_BURST];
	const struct gg_limited *lim = &app->dp.limited;
	unsigned int w, i, n, total = 0;
	uint64_t now_s = 0;

	for (w = 0; w < app->n_workers; w++) {
		n = rte_ring_sc_dequeue_burst(gg_worker_snoop_ring(app->workers[w]),
				(void **)pkts, SNOOP_BURST, NULL);
		if (n != 0 && now_s == 0)
			now_s = gg_garden_clock_s();
		for (i = 0; i < n; i++) {
			uint32_t scope = lim->learn_global ? GG_GARDEN_SCOPE_GLOBAL :
					pkts[i]->hash.usr;

			gg_slowpath_learn(pkts[i], lim->garden, scope, now_s,
					&app->control_ctr);
			gg_worker_send(app->workers[w], pkts[i], app->dp.n3.port_id,
					&app->control_ctr);
		}
		total += n;
	}
	return total;
}

static uint64_t
expire_tick(struct gg_evloop *loop, void *arg)
{
	struct gg_app *app = arg;
	uint64_t now_s = gg_garden_clock_s();

	RTE_SET_USED(loop);
	/* Bounded work per call; come back at once while more is due. */
	if (gg_garden_expire(app->dp.limited.garden, now_s, 0) == GG_GARDEN_EXPIRE_BATCH)
		return 1;
	return EXPIRE_EVERY_MS;
}

int
gg_limited_start(struct gg_app *app)
{
	return gg_evloop_timer(app->loop, EXPIRE_EVERY_MS, expire_tick, app) > 0 ?
			0 : -1;
}

void
gg_limited_free(struct gg_app *app)
{
	gg_garden_free(app->dp.limited.garden);
	app->dp.limited.garden = NULL;
}
