/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walled-garden wiring: build the garden and the LIMITED policy from the
 * configuration before the workers start, learn from the DNS answers the
 * workers snoop (most of them already on their way to the device), and expire learned addresses once a second. Control lcore
 * only (the garden's single writer).
 *
 * The HTTP redirect's SYN cookies: the secret comes from
 * limited.cookie_secret or, by default, getrandom() at each start; it is
 * never logged. Their 64-s slots follow Unix time (the TSC-seconds clock
 * of the workers plus an offset kept in step once a second), so that
 * appliances sharing the secret and NTP agree on them.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

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
/* Released answers learned per worker per round: up to 16 addresses
 * each, a few hundred ns an address. */
#define SNOOP_RECORDS 64
#define EXPIRE_EVERY_MS 1000
/*
 * The cookie clock is moved only when it is this many seconds off: the
 * offset, taken in whole seconds from two clocks read one after the other,
 * may otherwise flip by one second back and forth, and a flip back across
 * a slot boundary would fail the handshakes of that second.
 */
#define COOKIE_CLOCK_SLACK_S 2

_Static_assert(GG_CONF_COOKIE_SECRET_LEN == GG_HTTP_SECRET_LEN,
		"limited.cookie_secret and lib/http disagree on the key size");

/* Unix time minus the workers' clock (gg_garden_clock_s()), in seconds. */
static int64_t
cookie_clock_offset(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec - (int64_t)gg_garden_clock_s();
}

/* Keep the cookie slots on Unix time; returns how far they moved (s). */
static int64_t
cookie_clock_sync(struct gg_limited *lim)
{
	int64_t now = cookie_clock_offset();
	int64_t cur = __atomic_load_n(&lim->http.clock_offset_s, __ATOMIC_RELAXED);

	if (now - cur < COOKIE_CLOCK_SLACK_S && cur - now < COOKIE_CLOCK_SLACK_S)
		return 0;
	gg_http_redirect_set_clock(&lim->http, now);
	return now - cur;
}

/*
 * The cookie secret, from the configuration or the kernel's random source.
 * A file holding it that every user may read is worth a warning: whoever
 * has the secret can forge handshakes (which buy only the 302).
 */
static int
cookie_secret(const struct gg_conf_garden *gc, uint8_t secret[GG_HTTP_SECRET_LEN])
{
	struct stat st;

	if (!gc->cookie_secret_set) {
		if (getrandom(secret, GG_HTTP_SECRET_LEN, 0) != GG_HTTP_SECRET_LEN) {
			LOG(ERR, "SYN-cookie secret: getrandom() failed\n");
			return -1;
		}
		return 0;
	}
	memcpy(secret, gc->cookie_secret, GG_HTTP_SECRET_LEN);
	if (stat(gc->cookie_secret_file, &st) == 0 && (st.st_mode & S_IROTH))
		LOG(WARNING, "%s holds limited.cookie_secret and every user may "
				"read it (chmod o-r)\n", gc->cookie_secret_file);
	return 0;
}

/*
 * The SYN-cookie secret the redirect was built with, kept for reloads,
 * which rebuild the redirect around a new portal URL or MSS with the same
 * key (a new key would cost every handshake in flight its RST). The
 * process holds the key in the policy anyway (lib/http's SipHash key).
 */
static uint8_t redirect_secret[GG_HTTP_SECRET_LEN];

/*
 * The policy fields the configuration sets, into @p lim (whose garden,
 * pending tables and cookie clock are left as they are): at start-up and
 * for each reload (reload.c), on the control lcore. 0, or -1 (logged)
 * when portal.url cannot be a redirect template; @p lim may then be
 * half-filled and must not be published.
 */
int
gg_limited_policy_fill(const struct gg_config *cfg, struct gg_limited *lim)
{
	const struct gg_conf_garden *gc = &cfg->garden;
	const struct gg_conf_portal *pc = &cfg->portal;
	int64_t clock = lim->http.clock_offset_s;
	unsigned int i;

	lim->dns_mode = gc->dns_mode;
	lim->udp_reject = gc->udp_reject;
	lim->icmp_unreach_rate = gc->icmp_rate;
	lim->learn_global = gc->learn_global;
	lim->icmp_src = cfg->n6.address;
	for (i = 0; i < gc->n_resolvers && i < GG_LIMITED_RESOLVERS_MAX; i++)
		lim->resolvers[i] = gc->resolvers[i];
	lim->n_resolvers = i;
	lim->query_timeout_s = gc->query_timeout;
	lim->error_indication_rate = cfg->error_indication_rate;
	lim->frag_needed_rate = cfg->mtu.icmp_rate;
	if (!pc->set)
		return 0;
	if (gg_http_redirect_init(&lim->http, redirect_secret, gc->tcp_mss,
			pc->url) != 0) {
		LOG(ERR, "portal.url '%s' cannot be used as a redirect template\n",
				pc->url);
		return -1;
	}
	/* gg_http_redirect_init() starts the clock at 0: keep it. */
	gg_http_redirect_set_clock(&lim->http, clock);
	lim->dns.portal_ipv4 = pc->ipv4;
	memcpy(lim->dns.portal_ipv6, pc->ipv6, sizeof(lim->dns.portal_ipv6));
	lim->dns.has_ipv6 = pc->has_ipv6;
	lim->dns.other_rcode = gc->dns_other_rcode;
	lim->dns.edns_udp_size = gc->edns_udp_size;
	lim->dns.ttl = gc->dns_ttl;
	lim->has_portal = 1;
	return 0;
}

int
gg_limited_setup(struct gg_app *app)
{
	const struct gg_conf_garden *gc = &app->cfg.garden;
	const struct gg_conf_portal *pc = &app->cfg.portal;
	struct gg_limited *lim = &app->dp.limited;
	struct gg_garden_params gp = {
		.name = "gg", .max_rules = gc->max_rules, .max_names = gc->max_names,
		.max_learned = gc->max_learned, .min_ttl = gc->min_ttl,
		.max_ttl = gc->max_ttl, .max_per_scope = gc->max_per_session,
		.scope_capacity = app->cfg.session_capacity,
		.socket_id = SOCKET_ID_ANY, .qsv = app->dp.qsv,
	};
	unsigned int i;
	int ret;

	app->dp.policy = lim;
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
		ret = gg_garden_add_name_scoped(lim->garden, gc->names[i],
				&gc->name_scopes[i]);
		if (ret < 0 && ret != -EEXIST) {
			LOG(ERR, "garden.names[%u] %s: %s\n", i, gc->names[i], strerror(-ret));
			return -1;
		}
	}

	if (!pc->set) {
		LOG(WARNING, "no portal configured: LIMITED sessions get RSTs for HTTP "
				"and their DNS is not rewritten\n");
		return gg_limited_policy_fill(&app->cfg, lim);
	}
	/* The portal is in the garden, whatever the rules say. */
	ret = gg_garden_add_prefix(lim->garden, pc->ipv4, 32, GG_GARDEN_PROTO_ANY,
			0, 65535);
	if (ret < 0 && ret != -EEXIST) {
		LOG(ERR, "portal address in the garden: %s\n", strerror(-ret));
		return -1;
	}
	if (cookie_secret(gc, redirect_secret) != 0)
		return -1;
	if (gg_limited_policy_fill(&app->cfg, lim) != 0)
		return -1;
	cookie_clock_sync(lim);
	LOG(INFO, "HTTP redirect: SYN-cookie secret %s, slots on Unix time "
			"(TSC seconds %+" PRId64 ")\n", gc->cookie_secret_set ?
			"from the configuration" : "random", lim->http.clock_offset_s);
	return 0;
}

/* gg_worker_snoop_learn()'s callback: one answer a worker let through. */
struct learn_ctx {
	struct gg_app *app;
	uint64_t now_s;
};

static void
learn_released(const struct gg_snoop_answer *a, void *arg)
{
	struct learn_ctx *c = arg;

	gg_slowpath_learn_addrs(c->app->dp.policy->garden, a->scope,
			a->name_wire, a->name_wire_len, a->addrs, a->naddrs,
			c->now_s, &c->app->control_ctr);
}

/*
 * Learn from what the workers snooped. Answers they let through at once
 * (the usual case) are learned from their records, after which the
 * workers stop admitting those addresses themselves; answers they held
 * (dns_snoop_held) are learned from, then let go to the device.
 */
unsigned int
gg_limited_serve_snoop(struct gg_app *app)
{
	struct rte_mbuf *pkts[SNOOP_BURST];
	const struct gg_limited *lim = app->dp.policy; /* ours: we publish it */
	struct learn_ctx ctx = { .app = app, .now_s = gg_garden_clock_s() };
	unsigned int w, i, n, total = 0;
	uint64_t now_s = 0;

	for (w = 0; w < app->n_workers; w++)
		total += gg_worker_snoop_learn(app->workers[w], SNOOP_RECORDS,
				learn_released, &ctx);
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
	if (app->dp.policy->has_portal) {
		int64_t moved = cookie_clock_sync(app->dp.policy);

		if (moved != 0)
			LOG(NOTICE, "SYN-cookie clock moved %+" PRId64 " s to follow "
					"the wall clock\n", moved);
	}
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
	memset(redirect_secret, 0, sizeof(redirect_secret));
	gg_garden_free(app->dp.limited.garden);
	app->dp.limited.garden = NULL;
}
