/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gardengate: command line, start-up and shutdown. Wiring only: the
 * configuration comes from lib/conf, the data plane from lib/pipeline, the
 * sessions from lib/session; this file puts them together in order and
 * takes them apart again.
 *
 *   gardengate [EAL options --] [options]
 *
 * Without "--" every argument is ours and the EAL options come from the
 * configuration file alone.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pdump.h>
#include <rte_rcu_qsbr.h>
#include <rte_version.h>

#include "gg_evloop.h"
#include "gg_session.h"
#include "gardengate.h"
#include "ops.h"

#define LOG(level, ...) RTE_LOG(level, USER1, __VA_ARGS__)
#define DEFAULT_CONFIG "config/gardengate.conf"

static void
usage(FILE *out, const char *prog)
{
	fprintf(out,
		"Usage: %s [EAL options --] [options]\n"
		"\n"
		"A DPDK user plane that onboards 5G devices without a subscription\n"
		"through a walled garden and a sign-up portal.\n"
		"\n"
		"Options:\n"
		"  -f, --config FILE    configuration file (default: %s)\n"
		"      --check-config   check the configuration, print a summary, exit 0/1\n"
		"      --n3 DEVARGS     N3 port device (PCI address or vdev), overrides the file\n"
		"      --n6 DEVARGS     N6 port device, overrides the file\n"
		"      --workers N      number of worker lcores, overrides the file\n"
		"      --idle-exit SEC  stop once no packet arrived for SEC seconds\n"
		"      --duration SEC   stop after SEC seconds\n"
		"      --stats-file F   also write the final counters (JSON) to F\n"
		"      --sbi-listen A:P the AuSF's listen address, overrides the file\n"
		"                       (port 0: any free port, printed at start)\n"
		"      --sbi-h2c        serve the SBI as cleartext HTTP/2 (h2c) even if\n"
		"                       the file configures sbi.tls: loopback tests only\n"
		"      --metrics-listen A:P  the Prometheus endpoint's address, sets or\n"
		"                       overrides the file's \"metrics\" (port 0: any)\n"
		"  -h, --help           this text\n"
		"  -V, --version        print the version\n"
		"\n"
		"EAL options given on the command line win over the file's \"eal\" list.\n"
		"The final counters are printed on exit; see doc/counters.rst.\n",
		prog, DEFAULT_CONFIG);
}

enum { OPT_CHECK = 256, OPT_N3, OPT_N6, OPT_WORKERS, OPT_IDLE, OPT_DURATION,
	OPT_STATS_FILE, OPT_SBI_LISTEN, OPT_SBI_H2C, OPT_METRICS_LISTEN };

static int
parse_seconds(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || !(v >= 0) || v > 86400 * 365)
		return -1;
	*out = v;
	return 0;
}

/* Returns 0 to go on, 1 to exit successfully, -1 on a usage error. */
static int
parse_options(int argc, char **argv, struct gg_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "n3", required_argument, NULL, OPT_N3 },
		{ "n6", required_argument, NULL, OPT_N6 },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "idle-exit", required_argument, NULL, OPT_IDLE },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "stats-file", required_argument, NULL, OPT_STATS_FILE },
		{ "sbi-listen", required_argument, NULL, OPT_SBI_LISTEN },
		{ "sbi-h2c", no_argument, NULL, OPT_SBI_H2C },
		{ "metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = argv[0];
	char *end;
	int c;

	o->config_path = DEFAULT_CONFIG;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->config_path = optarg;
			break;
		case OPT_CHECK:
			o->check_config = true;
			break;
		case OPT_N3:
			o->n3_device = optarg;
			break;
		case OPT_N6:
			o->n6_device = optarg;
			break;
		case OPT_WORKERS:
			o->workers = strtoul(optarg, &end, 10);
			if (*end != '\0' || o->workers == 0 || o->workers > GG_MAX_WORKERS) {
				fprintf(stderr, "%s: --workers: expected 1..%d, got '%s'\n",
						prog, GG_MAX_WORKERS, optarg);
				return -1;
			}
			break;
		case OPT_IDLE:
		case OPT_DURATION:
			if (parse_seconds(optarg, c == OPT_IDLE ? &o->idle_exit :
					&o->duration) != 0) {
				fprintf(stderr, "%s: --%s: expected seconds, got '%s'\n", prog,
						c == OPT_IDLE ? "idle-exit" : "duration", optarg);
				return -1;
			}
			break;
		case OPT_STATS_FILE:
			o->stats_file = optarg;
			break;
		case OPT_SBI_LISTEN:
			o->sbi_listen = optarg;
			break;
		case OPT_SBI_H2C:
			o->sbi_h2c = true;
			break;
		case OPT_METRICS_LISTEN:
			o->metrics_listen = optarg;
			break;
		case 'h':
			usage(stdout, prog);
			return 1;
		case 'V':
			printf("gardengate %s (%s)\n", GG_VERSION, rte_version());
			return 1;
		default:
			usage(stderr, prog);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s' (EAL options go before '--')\n",
				prog, argv[optind]);
		return -1;
	}
	return 0;
}

/* "--sbi-listen a.b.c.d:port" (port 0: any free port). */
static int
override_sbi_listen(struct gg_config *cfg, const char *text)
{
	const char *colon = strrchr(text, ':');
	struct in_addr a;
	char host[64];
	unsigned long port;
	char *end;

	if (!cfg->sbi.set) {
		fprintf(stderr, "gardengate: --sbi-listen: %s has no \"sbi\" section\n",
				cfg->path);
		return -1;
	}
	if (colon == NULL || (size_t)(colon - text) >= sizeof(host))
		goto bad;
	memcpy(host, text, colon - text);
	host[colon - text] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (inet_pton(AF_INET, host, &a) != 1 || colon[1] == '\0' || *end != '\0' ||
			port > 65535)
		goto bad;
	snprintf(cfg->sbi.address, sizeof(cfg->sbi.address), "%s", host);
	cfg->sbi.port = (uint16_t)port;
	return 0;
bad:
	fprintf(stderr, "gardengate: --sbi-listen: expected a.b.c.d:port, got '%s'\n", text);
	return -1;
}

static int
load_config(struct gg_app *app)
{
	char err[GG_CONF_ERR_MAX];
	struct gg_config *cfg = &app->cfg;

	if (gg_conf_load(app->opts.config_path, cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "gardengate: %s\n", err);
		return -1;
	}
	if (app->opts.n3_device != NULL)
		snprintf(cfg->n3.device, sizeof(cfg->n3.device), "%s", app->opts.n3_device);
	if (app->opts.n6_device != NULL)
		snprintf(cfg->n6.device, sizeof(cfg->n6.device), "%s", app->opts.n6_device);
	if (app->opts.workers != 0)
		cfg->workers = app->opts.workers;
	if (app->opts.sbi_listen != NULL && override_sbi_listen(cfg,
			app->opts.sbi_listen) != 0)
		return -1;
	if (app->opts.sbi_h2c)
		cfg->sbi.tls = false;
	if (app->opts.metrics_listen != NULL && gg_metrics_override_listen(cfg,
			app->opts.metrics_listen) != 0)
		return -1;
	if (strcmp(cfg->n3.device, cfg->n6.device) == 0) {
		fprintf(stderr, "gardengate: N3 and N6 use the same device \"%s\"\n",
				cfg->n3.device);
		return -1;
	}
	return 0;
}

static int
install_static_sessions(struct gg_app *app)
{
	unsigned int i;

	for (i = 0; i < app->cfg.n_sessions; i++) {
		const struct gg_conf_session *cs = &app->cfg.sessions[i];
		struct gg_session s = {
			.ul_teid = cs->ul_teid, .ue_ipv4 = cs->ue_ipv4,
			.gnb_ipv4 = cs->gnb_ipv4, .dl_teid = cs->dl_teid,
			.qfi = cs->qfi, .flags = cs->qfi_set ? GG_SESSION_F_QFI : 0,
			.state = cs->state,
		};
		int ret = gg_session_add(app->dp.sessions, &s);

		if (ret < 0) {
			LOG(ERR, "static session %u (TEID 0x%x): %s\n", i, cs->ul_teid,
					strerror(-ret));
			return -1;
		}
	}
	LOG(INFO, "%u static session(s) installed\n", app->cfg.n_sessions);
	return 0;
}

/*
 * Section "mtu": the data plane's policy, and the two pools the fragments
 * are made from (rte_ipv4_fragment_packet(): a small direct mbuf per
 * fragment for its headers, an indirect one attached to the packet's
 * buffer for its data). FRAG_MBUFS of each, shared by the workers, hold
 * a few bursts of fragments in flight; an empty pool drops what would be
 * fragmented as frag_failed.
 */
#define FRAG_MBUFS 4095
#define FRAG_CACHE 64
/* Headroom for the Ethernet header, room for an IPv4 header with options. */
#define FRAG_DIRECT_ROOM (RTE_PKTMBUF_HEADROOM + 64)

static int
mtu_setup(struct gg_app *app)
{
	struct gg_mtu_policy *p = &app->dp.mtu;

	p->tcp_mss = app->cfg.mtu.tcp_mss_clamp ? app->cfg.mtu.tcp_mss : 0;
	p->icmp_rate = app->cfg.mtu.icmp_rate;
	p->reasm_flows = app->cfg.mtu.reasm_flows;
	p->reasm_timeout_ms = app->cfg.mtu.reasm_timeout_ms;
	if (app->cfg.mtu.fragment_off)
		return 0;
	app->frag_direct = rte_pktmbuf_pool_create("gg_frag_direct",
			FRAG_MBUFS, FRAG_CACHE, 0, FRAG_DIRECT_ROOM,
			rte_socket_id());
	app->frag_indirect = rte_pktmbuf_pool_create("gg_frag_indirect",
			FRAG_MBUFS, FRAG_CACHE, 0, 0, rte_socket_id());
	if (app->frag_direct == NULL || app->frag_indirect == NULL) {
		LOG(ERR, "fragment pools of %u mbufs: %s\n", FRAG_MBUFS,
				rte_strerror(rte_errno));
		return -1;
	}
	p->frag_direct = app->frag_direct;
	p->frag_indirect = app->frag_indirect;
	return 0;
}

static int
setup(struct gg_app *app)
{
	struct gg_session_table_params sp;
	unsigned int lcore, i = 0;
	size_t qsz;

	if (rte_lcore_count() < app->cfg.workers + 1) {
		LOG(ERR, "%u worker(s) need %u lcores, EAL has %u (see -l)\n",
				app->cfg.workers, app->cfg.workers + 1, rte_lcore_count());
		return -1;
	}
	app->n_workers = app->cfg.workers;
	app->loop = gg_evloop_create();
	if (app->loop == NULL)
		return -1;
	app->pool = rte_pktmbuf_pool_create("gg_mbufs", app->cfg.mbufs,
			app->cfg.mbuf_cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (app->pool == NULL) {
		LOG(ERR, "mbuf pool of %u: %s\n", app->cfg.mbufs, rte_strerror(rte_errno));
		return -1;
	}

	if (mtu_setup(app) != 0)
		return -1;

	qsz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);
	app->dp.qsv = rte_zmalloc("gg_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (app->dp.qsv == NULL || rte_rcu_qsbr_init(app->dp.qsv, RTE_MAX_LCORE) != 0)
		return -1;
	memset(&sp, 0, sizeof(sp));
	sp.name = "gg";
	sp.capacity = app->cfg.session_capacity;
	sp.n_workers = app->n_workers;
	sp.socket_id = rte_socket_id();
	sp.qsv = app->dp.qsv;
	app->dp.sessions = gg_session_table_create(&sp);
	if (app->dp.sessions == NULL) {
		LOG(ERR, "session tables for %u sessions: %s\n", sp.capacity,
				rte_strerror(rte_errno));
		return -1;
	}
	LOG(INFO, "session tables: capacity %u, %zu bytes per session\n",
			sp.capacity, gg_session_table_bytes_per_session(app->dp.sessions));
	if (install_static_sessions(app) != 0)
		return -1;

	app->dp.error_indication_rate = app->cfg.error_indication_rate;
	if (gg_limited_setup(app) != 0 || gg_limited_start(app) != 0)
		return -1;
	if (gg_admin_init() != 0)
		return -1;
	if (gg_app_ausf_setup(app) != 0)
		return -1;
	if (gg_ports_setup(app) != 0)
		return -1;
	gg_dataplane_set_martians(&app->dp, app->cfg.ul_multicast);

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (i == app->n_workers)
			break;
		app->workers[i] = gg_worker_create(&app->dp, i, lcore, (uint16_t)i);
		if (app->workers[i] == NULL) {
			LOG(ERR, "worker %u: %s\n", i, rte_strerror(rte_errno));
			return -1;
		}
		i++;
	}
	return 0;
}

static void
teardown(struct gg_app *app)
{
	unsigned int i;

	gg_app_ausf_teardown(app);
	gg_ports_close(app);
	gg_admin_free();
	for (i = 0; i < app->n_workers; i++)
		gg_worker_free(app->workers[i]);
	gg_reload_free(app);
	gg_limited_free(app);
	gg_session_table_free(app->dp.sessions);
	rte_free(app->dp.qsv);
	rte_mempool_free(app->pool);
	rte_mempool_free(app->frag_direct);
	rte_mempool_free(app->frag_indirect);
	gg_evloop_free(app->loop);
}

int
main(int argc, char **argv)
{
	static struct gg_app app;
	int sep, eal_argc, ret, i;
	char **eal_argv;

	/* Split "EAL options -- our options". */
	for (sep = 1; sep < argc && strcmp(argv[sep], "--") != 0; sep++)
		;
	if (sep == argc)
		sep = 0;
	argv[sep] = argv[0];
	ret = parse_options(argc - sep, argv + sep, &app.opts);
	if (ret != 0)
		return ret > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	if (load_config(&app) != 0)
		return EXIT_FAILURE;

	eal_argc = gg_eal_args_build(&app.cfg, sep > 0 ? sep - 1 : 0, argv + 1,
			argv[sep], &eal_argv);
	if (eal_argc < 0)
		return EXIT_FAILURE;
	if (app.opts.check_config) {
		gg_conf_print_summary(&app.cfg, stdout);
		printf("EAL arguments:");
		for (i = 1; i < eal_argc; i++)
			printf(" %s", eal_argv[i]);
		printf("\nconfiguration OK\n");
		free(eal_argv);
		gg_conf_free(&app.cfg);
		return EXIT_SUCCESS;
	}

	/* A peer that goes away must cost a failed write, never the process. */
	signal(SIGPIPE, SIG_IGN);
	ret = rte_eal_init(eal_argc, eal_argv);
	if (ret < 0) {
		fprintf(stderr, "gardengate: EAL init failed: %s\n", rte_strerror(rte_errno));
		return EXIT_FAILURE;
	}
	/* Logs to stderr (the journal under systemd, repeated lines held
	 * back: logstream.c), so stdout carries only the final summary and
	 * counters. */
	gg_logstream_open();
	rte_log_set_level(RTE_LOGTYPE_USER1, app.cfg.log_level);
	app.dp.n3.port_id = RTE_MAX_ETHPORTS;
	app.dp.n6.port_id = RTE_MAX_ETHPORTS;
	gg_telemetry_init();
	gg_admin_register();
	/* Live capture (dpdk-dumpcap, a secondary process): the ports' RX and
	 * TX callbacks are added only while a capture runs. */
	if (rte_pdump_init() != 0)
		LOG(WARNING, "rte_pdump_init: %s: no live capture\n",
				rte_strerror(rte_errno));

	ret = setup(&app);
	if (ret == 0) {
		gg_telemetry_publish(&app);
		gg_reload_init();
		app.start_tsc = rte_rdtsc();
		if (gg_metrics_start(&app) != 0) {
			ret = -1;
			goto stop;
		}
		for (i = 0; i < (int)app.n_workers; i++)
			rte_eal_remote_launch(gg_worker_main, app.workers[i],
					gg_worker_lcore(app.workers[i]));
		LOG(INFO, "gardengate %s running: %u worker(s)\n", GG_VERSION, app.n_workers);
		gg_control_loop(&app);
		__atomic_store_n(&app.dp.stop, true, __ATOMIC_RELAXED);
		rte_eal_mp_wait_lcore();
		if (gg_stats_write_final(&app) != 0)
			ret = -1;
	}
stop:
	gg_metrics_stop();
	gg_telemetry_withdraw();
	teardown(&app);
	gg_conf_free(&app.cfg);
	free(eal_argv);
	rte_pdump_uninit();
	gg_logstream_close();
	rte_eal_cleanup();
	return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
