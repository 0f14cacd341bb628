/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gardengate application: what operators use besides the data plane
 * (doc/operations.rst): the Prometheus / OpenMetrics endpoint
 * (metrics.c) and the log stream to the journal (logstream.c).
 */
#ifndef GARDENGATE_OPS_H
#define GARDENGATE_OPS_H

struct gg_app;
struct gg_config;

/* metrics.c: "--metrics-listen a.b.c.d:port" (port 0: any free port)
 * sets or overrides the "metrics" section. 0, or -1 after saying why. */
int gg_metrics_override_listen(struct gg_config *cfg, const char *text);
/* Start the endpoint's thread when "metrics" is configured (after
 * gg_telemetry_publish(): it reads the app through the same hold). 0, or
 * -1 after logging why (the address taken, ...). */
int gg_metrics_start(struct gg_app *app);
/* Stop it, waiting for a scrape in flight; before gg_telemetry_withdraw(). */
void gg_metrics_stop(void);

/* logstream.c: rte_log's stream; journal priorities when stderr is the
 * journal, repeated lines held back. Replaces rte_openlog_stream(stderr). */
void gg_logstream_open(void);
void gg_logstream_close(void);

#endif /* GARDENGATE_OPS_H */
