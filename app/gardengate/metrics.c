/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus / OpenMetrics endpoint: GET /metrics on the "metrics"
 * section's address (doc/operations.rst lists every family).
 *
 * Threads: libmicrohttpd runs the endpoint in a thread of its own (not an
 * lcore, no queue, no ring: it never touches the data plane). A scrape
 * holds the app as a telemetry callback does (gg_telemetry_enter()), and
 * reads:
 *  - the lcores' counters with relaxed atomic loads
 *    (gg_counters_accumulate(), the same reads as /gardengate/stats);
 *  - session counts by state and garden sizes, which their writer keeps
 *    in words any thread may read (gg_session_count_state(),
 *    gg_garden_counts());
 *  - the control plane's statistics (words written by the control lcore
 *    alone, read as cmd_ausf in telemetry.c reads them);
 *  - the ports' statistics (rte_eth_stats_get(), as /ethdev/stats does
 *    from the telemetry thread).
 * Each value is exact; the page is not one snapshot.
 *
 * Cost: a page of a few hundred lines per worker, built in a buffer
 * (at most PAGE_MAX) for each scrape; scrapers beyond max_connections
 * are refused, idle ones closed after timeout_s.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_version.h>

#include "gg_ausf.h"
#include "gg_fetch.h"
#include "gg_garden.h"
#include "gg_metrics.h"
#include "gg_sbi.h"
#include "gg_session.h"
#include "gg_store.h"
#include "gardengate.h"
#include "ops.h"

#define LOG(level, ...) RTE_LOG(level, USER1, "metrics: " __VA_ARGS__)
#define PAGE_MAX (8u << 20)
#define NAME_MAX_LEN 96

static struct MHD_Daemon *metrics_daemon;
static double metrics_start_unix;   /* wall-clock time of the workers' launch */
static uint64_t metrics_scrapes;    /* the endpoint's thread only */

int
gg_metrics_override_listen(struct gg_config *cfg, const char *text)
{
	const char *colon = strrchr(text, ':');
	struct in_addr a;
	unsigned long port;
	char *end;

	if (colon == NULL || (size_t)(colon - text) >= sizeof(cfg->metrics.address))
		goto bad;
	snprintf(cfg->metrics.address, sizeof(cfg->metrics.address), "%.*s",
			(int)(colon - text), text);
	port = strtoul(colon + 1, &end, 10);
	if (inet_pton(AF_INET, cfg->metrics.address, &a) != 1 ||
			colon[1] == '\0' || *end != '\0' || port > 65535)
		goto bad;
	cfg->metrics.port = (uint16_t)port;
	cfg->metrics.set = true;
	return 0;
bad:
	fprintf(stderr, "gardengate: --metrics-listen: expected a.b.c.d:port, got '%s'\n",
			text);
	return -1;
}

/* Families of one counter list: summed, then per lcore. */
static void
counter_family(struct gg_om *w, const char *prefix, const char *name,
		const char *help)
{
	char fam[NAME_MAX_LEN];
	size_t n = strlen(name);
	bool bytes = n > 6 && strcmp(name + n - 6, "_bytes") == 0;

	snprintf(fam, sizeof(fam), "gardengate_%s%s", prefix, name);
	gg_om_family(w, fam, GG_OM_COUNTER, bytes ? "bytes" : NULL, help);
}

struct lcore_ctr {
	const struct gg_counters *c;
	char worker[16];
	char lcore[16];
};

static void
write_counters(struct gg_om *w, const struct gg_app *app)
{
	struct lcore_ctr lc[GG_MAX_WORKERS + 1];
	struct gg_counters tot;
	unsigned int i, k, n = 0;
	char help[256];

	for (i = 0; i < app->n_workers; i++, n++) {
		lc[n].c = gg_worker_counters(app->workers[i]);
		snprintf(lc[n].worker, sizeof(lc[n].worker), "%u", i);
		snprintf(lc[n].lcore, sizeof(lc[n].lcore), "%u",
				gg_worker_lcore(app->workers[i]));
	}
	lc[n].c = &app->control_ctr;
	snprintf(lc[n].worker, sizeof(lc[n].worker), "control");
	snprintf(lc[n].lcore, sizeof(lc[n].lcore), "%u", rte_get_main_lcore());
	n++;

	gg_stats_totals(app, &tot);
	for (i = 0; i < GG_EV_MAX; i++) {
		counter_family(w, "", gg_event_name(i), gg_event_help(i));
		gg_om_sample(w, NULL, tot.ev[i]);
	}
	gg_om_family(w, "gardengate_drops", GG_OM_COUNTER, NULL,
			"packets dropped, by reason (doc/counters.rst)");
	for (i = 1; i < GG_DROP_MAX; i++) {
		const char *l[] = { "reason", gg_drop_name(i), NULL };

		gg_om_sample(w, l, tot.drop[i]);
	}

	/* Per lcore: the counters are read once per sample (relaxed). */
	for (i = 0; i < GG_EV_MAX; i++) {
		snprintf(help, sizeof(help), "%s, per lcore", gg_event_help(i));
		counter_family(w, "lcore_", gg_event_name(i), help);
		for (k = 0; k < n; k++) {
			const char *l[] = { "worker", lc[k].worker, "lcore", lc[k].lcore, NULL };

			gg_om_sample(w, l, __atomic_load_n(&lc[k].c->ev[i], __ATOMIC_RELAXED));
		}
	}
	gg_om_family(w, "gardengate_lcore_drops", GG_OM_COUNTER, NULL,
			"packets dropped, by reason, per lcore");
	for (k = 0; k < n; k++)
		for (i = 1; i < GG_DROP_MAX; i++) {
			const char *l[] = { "worker", lc[k].worker, "lcore", lc[k].lcore,
				"reason", gg_drop_name(i), NULL };

			gg_om_sample(w, l, __atomic_load_n(&lc[k].c->drop[i],
					__ATOMIC_RELAXED));
		}
}

static void
write_tables(struct gg_om *w, const struct gg_app *app)
{
	struct gg_garden_counts gc;
	unsigned int s;

	gg_om_family(w, "gardengate_sessions", GG_OM_GAUGE, NULL,
			"sessions installed, by state");
	for (s = 0; s < GG_SESSION_STATE_MAX; s++) {
		const char *l[] = { "state", gg_session_state_name(s), NULL };

		gg_om_sample(w, l, gg_session_count_state(app->dp.sessions, s));
	}
	gg_om_family(w, "gardengate_session_capacity", GG_OM_GAUGE, NULL,
			"sessions the tables hold at most (sessions.capacity)");
	gg_om_sample(w, NULL, app->cfg.session_capacity);

	if (app->dp.limited.garden == NULL)
		return;
	gg_garden_counts(app->dp.limited.garden, &gc);
	gg_om_family(w, "gardengate_garden_entries", GG_OM_GAUGE, NULL,
			"walled-garden entries: static prefix rules and names, learned addresses");
	gg_om_sample(w, (const char *const[]){ "kind", "rule", NULL }, gc.rules);
	gg_om_sample(w, (const char *const[]){ "kind", "name", NULL }, gc.names);
	gg_om_sample(w, (const char *const[]){ "kind", "learned", NULL }, gc.learned);
	gg_om_family(w, "gardengate_garden_learned_global", GG_OM_GAUGE, NULL,
			"learned garden addresses open to every LIMITED session (scope global)");
	gg_om_sample(w, NULL, gc.learned_global);
	gg_om_family(w, "gardengate_garden_learn", GG_OM_COUNTER, NULL,
			"results of learning addresses from garden DNS answers");
	gg_om_sample(w, (const char *const[]){ "result", "new", NULL }, gc.learn_new);
	gg_om_sample(w, (const char *const[]){ "result", "refreshed", NULL },
			gc.learn_refreshed);
	gg_om_sample(w, (const char *const[]){ "result", "evicted", NULL },
			gc.learn_evicted);
	gg_om_sample(w, (const char *const[]){ "result", "refused", NULL },
			gc.learn_refused);
	gg_om_family(w, "gardengate_garden_expired", GG_OM_COUNTER, NULL,
			"learned garden addresses removed at the end of their TTL");
	gg_om_sample(w, NULL, gc.expired);
}

static void
write_ports(struct gg_om *w, const struct gg_app *app)
{
	static const struct {
		const char *name, *unit, *help;
		size_t off;
	} f[] = {
#define PF(n, u, h, m) { n, u, h, offsetof(struct rte_eth_stats, m) }
		PF("gardengate_port_rx_packets", NULL, "packets the port received", ipackets),
		PF("gardengate_port_tx_packets", NULL, "packets the port sent", opackets),
		PF("gardengate_port_rx_bytes", "bytes", "octets the port received", ibytes),
		PF("gardengate_port_tx_bytes", "bytes", "octets the port sent", obytes),
		PF("gardengate_port_rx_missed", NULL, "packets the port dropped: RX queue full", imissed),
		PF("gardengate_port_rx_errors", NULL, "erroneous packets the port received", ierrors),
		PF("gardengate_port_tx_errors", NULL, "packets the port failed to send", oerrors),
		PF("gardengate_port_rx_nombuf", NULL, "RX mbuf allocation failures", rx_nombuf),
#undef PF
	};
	const struct gg_port *p[2] = { &app->dp.n3, &app->dp.n6 };
	static const char *const pname[2] = { "n3", "n6" };
	struct rte_eth_stats st[2];
	char dev[2][RTE_ETH_NAME_MAX_LEN], mac[2][RTE_ETHER_ADDR_FMT_SIZE];
	unsigned int i, k;

	for (k = 0; k < 2; k++) {
		memset(&st[k], 0, sizeof(st[k]));
		rte_eth_stats_get(p[k]->port_id, &st[k]);
		if (rte_eth_dev_get_name_by_port(p[k]->port_id, dev[k]) != 0)
			snprintf(dev[k], sizeof(dev[k]), "?");
		rte_ether_format_addr(mac[k], sizeof(mac[k]), &p[k]->mac);
	}
	gg_om_family(w, "gardengate_port", GG_OM_INFO, NULL,
			"the ports: DPDK port id, device and Ethernet address");
	for (k = 0; k < 2; k++) {
		char id[8];

		snprintf(id, sizeof(id), "%u", p[k]->port_id);
		gg_om_sample(w, (const char *const[]){ "port", pname[k], "port_id", id,
				"device", dev[k], "mac", mac[k], NULL }, 1);
	}
	for (i = 0; i < RTE_DIM(f); i++) {
		gg_om_family(w, f[i].name, GG_OM_COUNTER, f[i].unit, f[i].help);
		for (k = 0; k < 2; k++)
			gg_om_sample(w, (const char *const[]){ "port", pname[k], NULL },
					*(const uint64_t *)((const char *)&st[k] + f[i].off));
	}
}

/* The control plane, with an "sbi" section: counters as cmd_ausf reads them. */
static void
write_ausf(struct gg_om *w, const struct gg_app *app)
{
	struct gg_ausf_stats as;
	struct gg_sbi_stats ss;
	struct gg_fetch_stats fs;
	struct gg_store_stats st;

	gg_om_family(w, "gardengate_ausf_enabled", GG_OM_GAUGE, NULL,
			"1 when the AuSF runs (an sbi section), else 0");
	gg_om_sample(w, NULL, app->ausf != NULL);
	if (app->ausf == NULL)
		return;
	gg_ausf_get_stats(app->ausf, &as);
	gg_sbi_server_stats(app->sbi, &ss);
	gg_fetch_get_stats(app->fetch, &fs);
	gg_store_get_stats(app->store, &st);
#define OM_CTR(prefix, s_, n, h) do { \
		counter_family(w, prefix, #n, h); \
		gg_om_sample(w, NULL, s_.n); \
	} while (0);
#define OM_AUSF(n, h) OM_CTR("ausf_", as, n, h)
#define OM_SBI(n, h) OM_CTR("sbi_", ss, n, h)
	GG_AUSF_STAT_LIST(OM_AUSF)
	/* wbuf_peak is a high-water mark (a gauge, in octets), not a count. */
#define OM_SBI_NOPEAK(n, h) if (strcmp(#n, "wbuf_peak") != 0) OM_SBI(n, h)
	GG_SBI_STAT_LIST(OM_SBI_NOPEAK)
	gg_om_family(w, "gardengate_sbi_wbuf_peak_bytes", GG_OM_GAUGE, "bytes",
			"largest output backlog of an SBI connection");
	gg_om_sample(w, NULL, ss.wbuf_peak);
	/* body_octets is a volume: gardengate_fetch_body_bytes_total. */
#define OM_FETCH(n, h) if (strcmp(#n, "body_octets") != 0) OM_CTR("fetch_", fs, n, h)
	GG_FETCH_STAT_LIST(OM_FETCH)
	counter_family(w, "fetch_", "body_bytes", "body octets received by transfers");
	gg_om_sample(w, NULL, fs.body_octets);
	OM_CTR("store_", st, connects, "store command connection became usable")
	OM_CTR("store_", st, disconnects, "usable store connection lost")
	OM_CTR("store_", st, reconnect_attempts, "store connection attempts after a failure or a loss")
	OM_CTR("store_", st, errors, "store requests ended with an error")
	OM_CTR("store_", st, timeouts, "store requests timed out")
	OM_CTR("store_", st, rejected_down, "store requests failed fast while it was down")
	OM_CTR("store_", st, sub_connects, "store event subscription (re)established")
	OM_CTR("store_", st, sub_disconnects, "store event subscription lost")
	OM_CTR("store_", st, events, "store events handed to the AuSF")
	OM_CTR("store_", st, bad_events, "store events dropped: not our JSON")
#undef OM_FETCH
#undef OM_SBI_NOPEAK
#undef OM_SBI
#undef OM_AUSF
#undef OM_CTR
	gg_om_family(w, "gardengate_store_up", GG_OM_GAUGE, NULL,
			"1 while the subscription store is connected, else 0");
	gg_om_sample(w, NULL, gg_store_is_up(app->store));
}

static void
write_page(struct gg_om *w, const struct gg_app *app)
{
	double uptime = (double)(rte_rdtsc() - app->start_tsc) / rte_get_tsc_hz();

	gg_om_family(w, "gardengate_build", GG_OM_INFO, NULL,
			"gardengate's version and the DPDK it runs on");
	gg_om_sample(w, (const char *const[]){ "version", GG_VERSION,
			"dpdk", rte_version(), NULL }, 1);
	gg_om_family(w, "gardengate_start_time_seconds", GG_OM_GAUGE, "seconds",
			"when the workers started, seconds since the Unix epoch");
	gg_om_sample_double(w, NULL, metrics_start_unix);
	gg_om_family(w, "gardengate_uptime_seconds", GG_OM_GAUGE, "seconds",
			"seconds since the workers started");
	gg_om_sample_double(w, NULL, uptime);
	gg_om_family(w, "gardengate_workers", GG_OM_GAUGE, NULL, "worker lcores");
	gg_om_sample(w, NULL, app->n_workers);
	write_counters(w, app);
	write_tables(w, app);
	write_ports(w, app);
	write_ausf(w, app);
	gg_om_family(w, "gardengate_metrics_scrapes", GG_OM_COUNTER, NULL,
			"pages this endpoint served, this one included");
	gg_om_sample(w, NULL, ++metrics_scrapes);
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned int status, const char *type,
		const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len,
			(void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

#define TEXT "text/plain; charset=utf-8"

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url,
		const char *method, const char *version, const char *upload_data,
		size_t *upload_size, void **con_cls)
{
	static const char not_found[] = "gardengate: only /metrics here\n";
	static const char busy[] = "gardengate: not running yet, or stopping\n";
	struct gg_app *app;
	struct gg_om w;
	const char *page;
	enum MHD_Result ret;
	size_t len = 0;

	if (strcmp(url, "/metrics") != 0)
		return reply(conn, MHD_HTTP_NOT_FOUND, TEXT, not_found,
				sizeof(not_found) - 1);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
			strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, TEXT, "", 0);
	if (gg_om_init(&w, gg_om_negotiate(MHD_lookup_connection_value(conn,
			MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT)), PAGE_MAX) != 0)
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, TEXT, "", 0);
	app = gg_telemetry_enter();
	if (app == NULL) {
		gg_om_free(&w);
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, TEXT, busy,
				sizeof(busy) - 1);
	}
	write_page(&w, app);
	gg_telemetry_leave(0);
	page = gg_om_finish(&w, &len);
	if (page == NULL) {
		static const char bad[] = "gardengate: metrics page failed (see the log)\n";

		LOG(ERR, "page not built (a bad name, or larger than %u octets)\n",
				PAGE_MAX);
		ret = reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, TEXT, bad,
				sizeof(bad) - 1);
	} else {
		ret = reply(conn, MHD_HTTP_OK, gg_om_content_type(w.fmt), page, len);
	}
	gg_om_free(&w);
	return ret;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	LOG(WARNING, "%s%s", msg, msg[0] != '\0' && msg[strlen(msg) - 1] == '\n' ?
			"" : "\n");
}

int
gg_metrics_start(struct gg_app *app)
{
	const struct gg_conf_metrics *m = &app->cfg.metrics;
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
		MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	metrics_start_unix = (double)now.tv_sec + now.tv_nsec / 1e9 -
		(double)(rte_rdtsc() - app->start_tsc) / rte_get_tsc_hz();
	if (!m->set)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, m->address, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(m->port);
	} else if (inet_pton(AF_INET6, m->address, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(m->port);
		flags |= MHD_USE_IPv6;
	} else {
		LOG(ERR, "bad address '%s'\n", m->address);
		return -1;
	}
	metrics_daemon = MHD_start_daemon(flags, m->port, NULL, NULL, handle, NULL,
			MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			MHD_OPTION_CONNECTION_LIMIT, (unsigned int)m->max_connections,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)m->timeout_s,
			MHD_OPTION_END);
	if (metrics_daemon == NULL) {
		LOG(ERR, "cannot listen on %s:%u (address taken, or not ours?)\n",
				m->address, m->port);
		return -1;
	}
	info = MHD_get_daemon_info(metrics_daemon, MHD_DAEMON_INFO_BIND_PORT);
	LOG(INFO, "listening on http://%s%s%s:%u/metrics\n",
			sin6->sin6_family == AF_INET6 ? "[" : "", m->address,
			sin6->sin6_family == AF_INET6 ? "]" : "",
			info != NULL ? info->port : m->port);
	return 0;
}

void
gg_metrics_stop(void)
{
	if (metrics_daemon == NULL)
		return;
	/* Joins the thread: a scrape in flight ends before the app goes. */
	MHD_stop_daemon(metrics_daemon);
	metrics_daemon = NULL;
}
