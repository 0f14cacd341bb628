/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reload without restart: SIGHUP, or /gardengate/reload (gg-ctl reload),
 * re-reads the configuration file and applies what can change while the
 * workers run; doc/operations.rst ("Reload") and doc/configuration.rst
 * say which settings those are (lib/conf's gg_conf_diff() table).
 *
 * Control lcore only: the request comes through the admin ring
 * (admin.c), a SIGHUP through a flag the admin service polls each round
 * of the control loop. Steps, nothing applied when the file does not
 * load:
 *
 *  1. load the file (the command line's overrides kept: --n3, --n6,
 *     --workers, --sbi-listen, --sbi-h2c, --metrics-listen), compare it with the running
 *     configuration; each setting that differs is either live (applied,
 *     reported "changed") or not (kept as it runs, reported "refused"
 *     with FILE:LINE);
 *  2. garden entries the new file adds are added (each an RCU-safe change
 *     of lib/garden, visible to the workers at once);
 *  3. a new policy (struct gg_limited: portal, DNS, rates ...) is built
 *     beside the running one and published with one pointer store; the
 *     workers pick it up at their next round;
 *  4. garden entries the new file no longer has are deleted;
 *  5. the old policy is freed once every worker has passed a quiescent
 *     state (rte_rcu_qsbr token; checked each round, never waited for
 *     but by a second reload arriving first).
 *
 * So every packet meets one whole policy, old or new, and the garden moves
 * entry by entry from the old set through their union to the new set:
 * nothing the old and the new file both let through is ever refused
 * during a reload, and no packet is dropped for it.
 *
 * Garden entries that gg-ctl garden add/del changed at run time are left
 * as they are unless the file's change names them: the reload applies the
 * difference between the file as it was last applied and as it is now.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "gg_garden.h"
#include "gardengate.h"

#define LOG(level, ...) RTE_LOG(level, USER1, __VA_ARGS__)

static volatile sig_atomic_t hup_pending;
/* The policy the last reload replaced, and its grace period's token. */
static struct gg_limited *retired;
static uint64_t retired_token;

static void
on_sighup(int signum)
{
	RTE_SET_USED(signum);
	hup_pending = 1;
}

void
gg_reload_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sighup;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
}

/* Report lines: "C text" changed, "R text" refused, "E text" error. */
struct report {
	char *out;
	size_t size, len;
	unsigned int changed, refused, errors;
};

static void __rte_format_printf(3, 4)
report_add(struct report *rp, char kind, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (kind == 'C')
		rp->changed++;
	else if (kind == 'R')
		rp->refused++;
	else
		rp->errors++;
	if (rp->len + 3 >= rp->size)
		return;
	rp->out[rp->len++] = kind;
	rp->out[rp->len++] = ' ';
	va_start(ap, fmt);
	n = vsnprintf(rp->out + rp->len, rp->size - rp->len - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	rp->len += RTE_MIN((size_t)n, rp->size - rp->len - 2);
	rp->out[rp->len++] = '\n';
	rp->out[rp->len] = '\0';
}

struct diff_ctx {
	struct report *rp;
	const struct gg_config *run, *cur;
	bool live_any;
};

/* Live in the table, but not between these two files. */
static const char *
not_live_here(const struct gg_conf_change *ch, const struct gg_config *run,
		const struct gg_config *cur)
{
	if (strncmp(ch->setting, "portal.", 7) == 0 && run->portal.set != cur->portal.set)
		return "the portal section comes or goes";
	/* The AuSF holds the text, and NULL when there was none at start. */
	if (strcmp(ch->setting, "portal.api") == 0 &&
			(run->portal.api[0] == '\0' || cur->portal.api[0] == '\0'))
		return "portal.api can change, not come or go";
	return NULL;
}

static void
on_change(const struct gg_conf_change *ch, void *arg)
{
	struct diff_ctx *c = arg;
	const char *why = ch->live ? not_live_here(ch, c->run, c->cur) : NULL;
	char where[4200];

	if (ch->line > 0)
		snprintf(where, sizeof(where), "%s:%d", ch->file, ch->line);
	else
		snprintf(where, sizeof(where), "%s", ch->file);
	if (ch->live && why == NULL) {
		report_add(c->rp, 'C', "%s (%s)", ch->setting, where);
		c->live_any = true;
		return;
	}
	report_add(c->rp, 'R', "%s: %s: cannot change while gardengate runs%s%s "
			"(kept as it runs; restart to apply)", where, ch->setting,
			why != NULL ? ": " : "", why != NULL ? why : "");
}

/* The command line's overrides win over the file, as at start. */
static void
keep_overrides(const struct gg_app *app, struct gg_config *cur)
{
	const struct gg_config *run = &app->cfg;

	if (app->opts.n3_device != NULL)
		memcpy(cur->n3.device, run->n3.device, sizeof(cur->n3.device));
	if (app->opts.n6_device != NULL)
		memcpy(cur->n6.device, run->n6.device, sizeof(cur->n6.device));
	if (app->opts.workers != 0)
		cur->workers = run->workers;
	if (app->opts.sbi_listen != NULL && cur->sbi.set) {
		memcpy(cur->sbi.address, run->sbi.address, sizeof(cur->sbi.address));
		cur->sbi.port = run->sbi.port;
	}
	if (app->opts.sbi_h2c)
		cur->sbi.tls = false;
	if (app->opts.metrics_listen != NULL)
		cur->metrics = run->metrics;
}

/* A garden change, retried once after a grace period when lib/garden
 * waits for one (-EAGAIN); the workers pass one within a round. */
static int
garden_retry(struct gg_app *app, int ret, int (*again)(struct gg_app *, const void *),
		const void *arg)
{
	if (ret != -EAGAIN)
		return ret;
	rte_rcu_qsbr_synchronize(app->dp.qsv, RTE_QSBR_THRID_INVALID);
	return again(app, arg);
}

static int
rule_add(struct gg_app *app, const void *arg)
{
	const struct gg_garden_rule *r = arg;

	return gg_garden_add_prefix(app->dp.limited.garden, r->ipv4_be, r->depth,
			r->proto, r->port_lo, r->port_hi);
}

static int
rule_del(struct gg_app *app, const void *arg)
{
	const struct gg_garden_rule *r = arg;

	return gg_garden_del_prefix(app->dp.limited.garden, r->ipv4_be, r->depth,
			r->proto, r->port_lo, r->port_hi);
}

static void
rule_report(struct report *rp, const char *what, const struct gg_garden_rule *r,
		int ret)
{
	char text[128];

	gg_garden_format_rule(r, text, sizeof(text));
	report_add(rp, 'E', "garden.prefixes: %s %s: %s", what, text, strerror(-ret));
}

/* The portal's own entry (limited.c puts it in the garden). */
static void
portal_rule(const struct gg_config *cfg, struct gg_garden_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->ipv4_be = cfg->portal.ipv4;
	r->depth = 32;
	r->proto = GG_GARDEN_PROTO_ANY;
	r->port_hi = 65535;
}

/*
 * Steps 2 and 4 for prefix rules: @p adding adds what @p to has and
 * @p from has not; otherwise deletes what @p from has and @p to has not,
 * but the portal's entry while there is a portal.
 */
static void
garden_rules(struct gg_app *app, const struct gg_config *from,
		const struct gg_config *to, bool adding, struct report *rp)
{
	const struct gg_conf_garden *src = adding ? &to->garden : &from->garden;
	const struct gg_conf_garden *other = adding ? &from->garden : &to->garden;
	struct gg_garden_rule portal;
	unsigned int i;
	int ret;

	portal_rule(to, &portal);
	for (i = 0; i < src->n_rules; i++) {
		const struct gg_garden_rule *r = &src->rules[i];

		if (gg_conf_garden_has_rule(other, r))
			continue;
		if (!adding && to->portal.set && gg_conf_rule_equal(r, &portal))
			continue;
		ret = adding ? rule_add(app, r) : rule_del(app, r);
		ret = garden_retry(app, ret, adding ? rule_add : rule_del, r);
		/* Present or absent already: gg-ctl garden add/del did it. */
		if (ret < 0 && ret != -EEXIST && ret != -ENOENT)
			rule_report(rp, adding ? "add" : "del", r, ret);
	}
	if (!to->portal.set || from->portal.ipv4 == to->portal.ipv4)
		return;
	if (adding) {
		ret = garden_retry(app, rule_add(app, &portal), rule_add, &portal);
		if (ret < 0 && ret != -EEXIST)
			rule_report(rp, "add portal", &portal, ret);
		return;
	}
	portal_rule(from, &portal);
	if (gg_conf_garden_has_rule(&to->garden, &portal))
		return;
	ret = garden_retry(app, rule_del(app, &portal), rule_del, &portal);
	if (ret < 0 && ret != -ENOENT)
		rule_report(rp, "del old portal", &portal, ret);
}

/*
 * Steps 2 and 4 for names. A name whose scope changed is deleted and added
 * again in step 4 (lib/garden has no scope update): the addresses learned
 * for it are forgotten, and learned again from the next answers.
 */
static void
garden_names(struct gg_app *app, const struct gg_config *from,
		const struct gg_config *to, bool adding, struct report *rp)
{
	struct gg_garden *g = app->dp.limited.garden;
	unsigned int i;
	int j, ret;

	if (adding) {
		for (i = 0; i < to->garden.n_names; i++) {
			if (gg_conf_name_index(&from->garden, to->garden.names[i]) >= 0)
				continue;
			ret = gg_garden_add_name_scoped(g, to->garden.names[i],
					&to->garden.name_scopes[i]);
			if (ret == -EAGAIN) {
				rte_rcu_qsbr_synchronize(app->dp.qsv, RTE_QSBR_THRID_INVALID);
				ret = gg_garden_add_name_scoped(g, to->garden.names[i],
						&to->garden.name_scopes[i]);
			}
			if (ret < 0 && ret != -EEXIST)
				report_add(rp, 'E', "garden.names: add %s: %s",
						to->garden.names[i], strerror(-ret));
		}
		return;
	}
	for (i = 0; i < from->garden.n_names; i++) {
		j = gg_conf_name_index(&to->garden, from->garden.names[i]);
		if (j >= 0 && gg_conf_scope_equal(&from->garden.name_scopes[i],
				&to->garden.name_scopes[j]))
			continue;
		ret = gg_garden_del_name(g, from->garden.names[i]);
		if (ret < 0 && ret != -ENOENT)
			report_add(rp, 'E', "garden.names: del %s: %s",
					from->garden.names[i], strerror(-ret));
		if (j < 0)
			continue;
		ret = gg_garden_add_name_scoped(g, to->garden.names[j],
				&to->garden.name_scopes[j]);
		if (ret == -EAGAIN) {
			rte_rcu_qsbr_synchronize(app->dp.qsv, RTE_QSBR_THRID_INVALID);
			ret = gg_garden_add_name_scoped(g, to->garden.names[j],
					&to->garden.name_scopes[j]);
		}
		if (ret < 0)
			report_add(rp, 'E', "garden.names: add %s: %s",
					to->garden.names[j], strerror(-ret));
	}
}

/*
 * @p run takes the live settings of @p cur but the garden's lists (all of
 * them: those that did not change are equal anyway).
 */
static void
take_live_settings(struct gg_config *run, const struct gg_config *cur)
{
	struct gg_conf_garden *rg = &run->garden;
	const struct gg_conf_garden *cg = &cur->garden;

	run->error_indication_rate = cur->error_indication_rate;
	run->mtu.icmp_rate = cur->mtu.icmp_rate;
	run->log_level = cur->log_level;
	if (run->portal.set && cur->portal.set) {
		run->portal.ipv4 = cur->portal.ipv4;
		memcpy(run->portal.ipv6, cur->portal.ipv6, sizeof(run->portal.ipv6));
		run->portal.has_ipv6 = cur->portal.has_ipv6;
		memcpy(run->portal.url, cur->portal.url, sizeof(run->portal.url));
		/* In place: the AuSF holds this array (ausf.c). */
		if (run->portal.api[0] != '\0' && cur->portal.api[0] != '\0')
			memcpy(run->portal.api, cur->portal.api, sizeof(run->portal.api));
	}
	rg->learn_global = cg->learn_global;
	memcpy(rg->resolvers, cg->resolvers, sizeof(rg->resolvers));
	rg->n_resolvers = cg->n_resolvers;
	rg->query_timeout = cg->query_timeout;
	rg->dns_mode = cg->dns_mode;
	rg->dns_ttl = cg->dns_ttl;
	rg->dns_other_rcode = cg->dns_other_rcode;
	rg->edns_udp_size = cg->edns_udp_size;
	rg->udp_reject = cg->udp_reject;
	rg->icmp_rate = cg->icmp_rate;
	rg->tcp_mss = cg->tcp_mss;
}

/* @p run takes the garden's lists of @p cur, which takes @p run's (to be
 * freed with it). */
static void
swap_garden_lists(struct gg_conf_garden *run, struct gg_conf_garden *cur)
{
	struct gg_conf_garden tmp = *run;

	run->rules = cur->rules;
	run->n_rules = cur->n_rules;
	run->names = cur->names;
	run->name_scopes = cur->name_scopes;
	run->n_names = cur->n_names;
	cur->rules = tmp.rules;
	cur->n_rules = tmp.n_rules;
	cur->names = tmp.names;
	cur->name_scopes = tmp.name_scopes;
	cur->n_names = tmp.n_names;
}

/* Free the retired policy once its grace period is over (or, @p wait,
 * wait for it). */
static void
reap(struct gg_app *app, bool wait)
{
	if (retired == NULL)
		return;
	if (rte_rcu_qsbr_check(app->dp.qsv, retired_token, wait) != 1)
		return;
	rte_free(retired);
	retired = NULL;
}

/* Steps 3 and 5: a copy of the running policy with @p run's settings. */
static int
publish(struct gg_app *app, const struct gg_config *run, struct report *rp)
{
	struct gg_limited *old = app->dp.policy;
	struct gg_limited *p;

	reap(app, true);
	p = rte_malloc("gg_policy", sizeof(*p), RTE_CACHE_LINE_SIZE);
	if (p == NULL) {
		report_add(rp, 'E', "policy: out of memory (nothing but the "
				"garden changed)");
		return -1;
	}
	*p = *old; /* the garden, the pending tables, the cookie clock */
	if (gg_limited_policy_fill(run, p) != 0) {
		report_add(rp, 'E', "portal.url: cannot be a redirect template");
		rte_free(p);
		return -1;
	}
	p->gen = old->gen + 1;
	__atomic_store_n(&app->dp.policy, p, __ATOMIC_RELEASE);
	if (old != &app->dp.limited) {
		retired = old;
		retired_token = rte_rcu_qsbr_start(app->dp.qsv);
	}
	return 0;
}

int
gg_reload_run(struct gg_app *app, char *out, size_t size)
{
	struct report rp = { .out = out, .size = size };
	struct gg_config cur;
	struct diff_ctx dc = { .rp = &rp, .run = &app->cfg, .cur = &cur };
	char err[GG_CONF_ERR_MAX];
	struct gg_config *run = &app->cfg;
	struct gg_config next;
	int ret = 0;

	out[0] = '\0';
	if (gg_conf_load(app->opts.config_path, &cur, err, sizeof(err)) != 0) {
		report_add(&rp, 'E', "%s", err);
		gg_conf_free(&cur);
		LOG(ERR, "reload: %s (nothing changed)\n", err);
		return -EINVAL;
	}
	keep_overrides(app, &cur);
	gg_conf_diff(run, &cur, on_change, &dc);
	if (dc.live_any) {
		garden_rules(app, run, &cur, true, &rp);
		garden_names(app, run, &cur, true, &rp);
		/* The policy is built from the running configuration with
		 * the new live settings (lists are not part of it). */
		next = *run;
		take_live_settings(&next, &cur);
		if (publish(app, &next, &rp) != 0)
			ret = -EIO;
		garden_rules(app, run, &cur, false, &rp);
		garden_names(app, run, &cur, false, &rp);
		/* The garden follows the file even when the policy could
		 * not: the lists are what the garden now holds. */
		swap_garden_lists(&run->garden, &cur.garden);
		if (ret == 0) {
			take_live_settings(run, &cur);
			rte_log_set_level(RTE_LOGTYPE_USER1, run->log_level);
		}
	}
	gg_conf_free(&cur);
	LOG(NOTICE, "reload of %s: %u setting(s) changed, %u refused, %u error(s)\n",
			app->opts.config_path, rp.changed, rp.refused, rp.errors);
	if (ret == 0 && rp.errors != 0)
		ret = -EIO;
	if (ret == 0 && rp.refused != 0)
		ret = 1;
	return ret;
}

void
gg_reload_poll(struct gg_app *app)
{
	char out[4096];
	char *line, *save;

	reap(app, false);
	if (!hup_pending)
		return;
	hup_pending = 0;
	LOG(NOTICE, "SIGHUP: reloading %s\n", app->opts.config_path);
	gg_reload_run(app, out, sizeof(out));
	for (line = strtok_r(out, "\n", &save); line != NULL;
			line = strtok_r(NULL, "\n", &save))
		LOG(NOTICE, "reload: %s %s\n", line[0] == 'C' ? "changed" :
				line[0] == 'R' ? "refused" : "error", line + 2);
}

void
gg_reload_free(struct gg_app *app)
{
	if (retired != NULL)
		rte_free(retired);
	retired = NULL;
	if (app->dp.policy != &app->dp.limited)
		rte_free(app->dp.policy);
	app->dp.policy = &app->dp.limited;
}
