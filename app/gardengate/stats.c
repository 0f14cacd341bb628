/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Statistics: totals over the workers and the control lcore, the periodic
 * log line, and the final counters.
 *
 * The final counters are one JSON object (format 1, documented in
 * doc/counters.rst) printed on one stdout line and, with --stats-file,
 * written to that file. Every counter of gg_counters.h appears, zero or
 * not, so consumers can rely on the keys.
 */
#include <stdio.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>

#include "gg_session.h"
#include "gardengate.h"

#define LOG(level, ...) RTE_LOG(level, USER1, __VA_ARGS__)
/* Bumped whenever a key is renamed or removed (2: limited_unclassified gone). */
#define GG_STATS_FORMAT 2

void
gg_stats_totals(const struct gg_app *app, struct gg_counters *tot)
{
	unsigned int w;

	memset(tot, 0, sizeof(*tot));
	for (w = 0; w < app->n_workers; w++)
		gg_counters_accumulate(tot, gg_worker_counters(app->workers[w]));
	gg_counters_accumulate(tot, &app->control_ctr);
}

void
gg_stats_print_periodic(struct gg_app *app, double interval_s)
{
	static struct gg_counters prev;
	struct gg_counters tot;

	gg_stats_totals(app, &tot);
#define RATE(e) ((double)(tot.ev[e] - prev.ev[e]) / interval_s / 1e6)
	LOG(INFO, "stats: rx n3 %.3f n6 %.3f Mpps, tx n3 %.3f n6 %.3f Mpps, "
			"decap %" PRIu64 " encap %" PRIu64 " drops %" PRIu64 " sessions %u\n",
			RATE(GG_EV_rx_n3), RATE(GG_EV_rx_n6), RATE(GG_EV_tx_n3),
			RATE(GG_EV_tx_n6), tot.ev[GG_EV_ul_decap], tot.ev[GG_EV_dl_encap],
			gg_counters_drops(&tot), gg_session_count(app->dp.sessions));
#undef RATE
	prev = tot;
}

static json_t *
port_json(const struct gg_port *p)
{
	struct rte_eth_stats st;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	memset(&st, 0, sizeof(st));
	rte_eth_stats_get(p->port_id, &st);
	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "mac", mac,
			"ipackets", (json_int_t)st.ipackets,
			"opackets", (json_int_t)st.opackets,
			"ierrors", (json_int_t)st.ierrors,
			"oerrors", (json_int_t)st.oerrors,
			"imissed", (json_int_t)st.imissed);
}

static json_t *
final_json(const struct gg_app *app)
{
	struct gg_counters tot;
	json_t *root, *ev, *drops, *workers;
	unsigned int i;

	gg_stats_totals(app, &tot);
	ev = json_object();
	for (i = 0; i < GG_EV_MAX; i++)
		json_object_set_new(ev, gg_event_name(i), json_integer(tot.ev[i]));
	drops = json_object();
	for (i = 1; i < GG_DROP_MAX; i++)
		json_object_set_new(drops, gg_drop_name(i), json_integer(tot.drop[i]));
	workers = json_array();
	for (i = 0; i < app->n_workers; i++) {
		const struct gg_counters *c = gg_worker_counters(app->workers[i]);

		json_array_append_new(workers, json_pack("{s:i, s:I, s:I, s:I, s:I, s:I}",
				"lcore", (int)gg_worker_lcore(app->workers[i]),
				"rx_n3", (json_int_t)c->ev[GG_EV_rx_n3],
				"rx_n6", (json_int_t)c->ev[GG_EV_rx_n6],
				"tx_n3", (json_int_t)c->ev[GG_EV_tx_n3],
				"tx_n6", (json_int_t)c->ev[GG_EV_tx_n6],
				"drops", (json_int_t)gg_counters_drops(c)));
	}
	root = json_pack("{s:{s:s, s:i}, s:f, s:i, s:{s:o, s:o}, s:o, s:o, s:I, s:o}",
			"gardengate", "version", GG_VERSION, "format", GG_STATS_FORMAT,
			"uptime_s", (double)(rte_rdtsc() - app->start_tsc) / rte_get_tsc_hz(),
			"sessions", (int)gg_session_count(app->dp.sessions),
			"ports", "n3", port_json(&app->dp.n3), "n6", port_json(&app->dp.n6),
			"counters", ev, "drops", drops,
			"drops_total", (json_int_t)gg_counters_drops(&tot),
			"workers", workers);
	return root;
}

/* What happened, for people: every non-zero counter with its meaning. */
static void
print_summary(const struct gg_app *app, FILE *out)
{
	struct gg_counters tot;
	unsigned int i;

	gg_stats_totals(app, &tot);
	fprintf(out, "gardengate: what happened to the traffic\n");
	for (i = 0; i < GG_EV_MAX; i++)
		if (tot.ev[i] != 0)
			fprintf(out, "  %-32s %12" PRIu64 "  %s\n", gg_event_name(i),
					tot.ev[i], gg_event_help(i));
	fprintf(out, "dropped: %" PRIu64 "\n", gg_counters_drops(&tot));
	for (i = 1; i < GG_DROP_MAX; i++)
		if (tot.drop[i] != 0)
			fprintf(out, "  %-32s %12" PRIu64 "  %s\n", gg_drop_name(i),
					tot.drop[i], gg_drop_help(i));
}

int
gg_stats_write_final(const struct gg_app *app)
{
	json_t *root = final_json(app);
	int ret = 0;

	if (root == NULL)
		return -1;
	print_summary(app, stdout);
	json_dumpf(root, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	fflush(stdout);
	if (app->opts.stats_file != NULL &&
			json_dump_file(root, app->opts.stats_file, JSON_INDENT(1)) != 0) {
		LOG(ERR, "cannot write %s\n", app->opts.stats_file);
		ret = -1;
	}
	json_decref(root);
	return ret;
}
