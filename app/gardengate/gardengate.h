/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gardengate application: the state the wiring files share (main.c,
 * eal_args.c, ports.c, control.c, stats.c, telemetry.c). Everything here is
 * owned by the control (main) lcore; telemetry callbacks only read it
 * while it is published (see telemetry.c).
 */
#ifndef GARDENGATE_H
#define GARDENGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_config.h>

#include "gg_conf.h"
#include "gg_counters.h"
#include "gg_pipeline.h"

#ifndef GG_VERSION
#define GG_VERSION "unknown"
#endif

/* One lcore stays the control lcore. */
#define GG_MAX_WORKERS (RTE_MAX_LCORE - 1)

/* Command-line options that are not EAL's. */
struct gg_opts {
	const char *config_path;
	const char *n3_device;   /* overrides ports.n3.device */
	const char *n6_device;   /* overrides ports.n6.device */
	const char *stats_file;  /* final counters JSON also written here */
	const char *sbi_listen;  /* overrides sbi.listen; port 0 = any free port */
	bool sbi_h2c;            /* --sbi-h2c: no TLS on the SBI (loopback tests) */
	const char *metrics_listen; /* sets metrics.listen; port 0 = any free port */
	double idle_exit;        /* seconds without RX before stopping; 0 = never */
	double duration;         /* seconds before stopping; 0 = never */
	unsigned int workers;    /* overrides "workers"; 0 = keep */
	bool check_config;
};

struct gg_evloop;
struct gg_auth_trust;
struct gg_fetch;
struct gg_store;
struct gg_ausf;
struct gg_sbi_server;

struct gg_app {
	struct gg_config cfg;
	struct gg_evloop *loop;           /* control lcore's sockets and timers */
	struct gg_opts opts;
	struct gg_dataplane dp;
	struct rte_mempool *pool;
	struct rte_mempool *frag_direct;   /* fragments' headers (mtu.fragment) */
	struct rte_mempool *frag_indirect; /* fragments' data, attached to the packet */
	struct gg_worker *workers[GG_MAX_WORKERS];
	unsigned int n_workers;
	struct gg_counters control_ctr;   /* the control lcore's own counters */
	/* The AuSF and what it uses; all NULL without "sbi" in the config. */
	struct gg_auth_trust *trust;
	struct gg_fetch *fetch;
	struct gg_store *store;
	struct gg_ausf *ausf;
	struct gg_sbi_server *sbi;
	uint64_t start_tsc;
};

/* eal_args.c: EAL argv from the config's "eal" list, the command line's EAL
 * options (which win) and the port devices. Returns argc; *argv is
 * allocated (strings borrowed from the inputs). */
int gg_eal_args_build(const struct gg_config *cfg, int cl_argc, char **cl_argv,
		const char *prog, char ***argv);

/* ports.c */
int gg_ports_setup(struct gg_app *app);
void gg_ports_close(struct gg_app *app);

/* control.c: runs until a signal, --duration or --idle-exit. */
void gg_control_loop(struct gg_app *app);
void gg_control_request_stop(void);

/* stats.c */
void gg_stats_totals(const struct gg_app *app, struct gg_counters *tot);
void gg_stats_print_periodic(struct gg_app *app, double interval_s);
int gg_stats_write_final(const struct gg_app *app);

/* limited.c: the walled garden and the LIMITED policy. */
int gg_limited_setup(struct gg_app *app);
int gg_limited_start(struct gg_app *app);
unsigned int gg_limited_serve_snoop(struct gg_app *app);
void gg_limited_free(struct gg_app *app);

/* limited.c: the policy fields a configuration sets (start-up, reload). */
int gg_limited_policy_fill(const struct gg_config *cfg, struct gg_limited *lim);

/* reload.c: SIGHUP and /gardengate/reload, on the control lcore.
 * gg_reload_run() writes report lines ("C changed", "R refused",
 * "E error") to @p out; returns 0 (all applied), 1 (applied, some
 * settings refused), -EINVAL (the file does not load: nothing changed) or
 * -EIO (errors while applying, in the report). */
void gg_reload_init(void);
int gg_reload_run(struct gg_app *app, char *out, size_t size);
void gg_reload_poll(struct gg_app *app);
void gg_reload_free(struct gg_app *app);

/* ausf.c: the one-way authentication service. */
int gg_app_ausf_setup(struct gg_app *app);
void gg_app_ausf_teardown(struct gg_app *app);

/* admin.c: run-time changes requested through telemetry, run by the
 * control lcore in gg_admin_serve(). */
int gg_admin_init(void);
void gg_admin_register(void);
void gg_admin_serve(struct gg_app *app);
void gg_admin_free(void);

/* telemetry.c: register the commands once; publish the app once set up;
 * withdraw it (waiting for callbacks in flight) before teardown. */
void gg_telemetry_init(void);
void gg_telemetry_publish(struct gg_app *app);
void gg_telemetry_withdraw(void);
/* A telemetry callback's hold on the app: NULL when not published; every
 * non-NULL enter is paired with a leave, which returns @p ret. */
struct gg_app *gg_telemetry_enter(void);
int gg_telemetry_leave(int ret);

#endif /* GARDENGATE_H */
