/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gg-portal: the operator's sign-up portal (Web Portal Subscription
 * Manager) for devices in gardengate's walled garden. Its own process:
 * reads config/gg-portal.conf, loads the templates, the stylesheet and
 * the provisioning key, opens the store, listens on HTTP and HTTPS and
 * runs one event loop until SIGTERM or SIGINT. It keeps no device state:
 * every request re-reads the store, so several portals may serve one
 * store and a restart loses nothing.
 *
 * Usage: gg-portal [-c FILE] [--check-config] [-h] [-V]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gg_evloop.h"
#include "gg_profile.h"
#include "portal.h"

#ifndef GG_VERSION
#define GG_VERSION "?"
#endif

#define CSS_MAX (256 * 1024)

static int log_level = PLOG_INFO;

void
portal_log_set_level(int level)
{
	log_level = level;
}

void
portal_log(int level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "notice", "info",
		"debug" };
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	if (level > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ gg-portal %s: ", when, ts.tv_nsec / 1000000,
		names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

uint64_t
portal_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: gg-portal [-c FILE] [--check-config]\n"
		"  -c, --config FILE   configuration (default config/gg-portal.conf)\n"
		"      --check-config  load and check the configuration, then exit\n"
		"  -h, --help          this text\n"
		"  -V, --version       the version\n");
}

static void
signal_cb(struct gg_evloop *loop, int fd, unsigned int events, void *arg)
{
	struct portal *p = arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		portal_log(PLOG_NOTICE, "signal %u: stopping\n", si.ssi_signo);
		p->quit = true;
	}
}

static void
store_state_cb(struct gg_store *s, bool up, const char *reason, void *arg)
{
	if (up)
		portal_log(PLOG_NOTICE, "store up (%s)\n", gg_store_backend(s));
	else
		portal_log(PLOG_WARNING, "store down: %s\n", reason != NULL ? reason : "?");
}

static int
load_css(struct portal *p)
{
	char path[2048];
	FILE *f;

	snprintf(path, sizeof(path), "%s/portal.css", p->cfg.static_dir);
	f = fopen(path, "r");
	if (f == NULL) {
		portal_log(PLOG_ERR, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	p->css = malloc(CSS_MAX);
	if (p->css == NULL) {
		fclose(f);
		return -1;
	}
	p->css_len = fread(p->css, 1, CSS_MAX, f);
	fclose(f);
	return 0;
}

static int
portal_setup(struct portal *p)
{
	const struct gg_portal_config *cfg = &p->cfg;
	char err[512];
	unsigned int i;

	if (gg_portal_url_parse(cfg->base_url, &p->base) < 0 || p->base.path[0] != '\0') {
		portal_log(PLOG_ERR, "%s: portal.base_url '%s': expected scheme://host[:port] "
			"without a path\n", cfg->path, cfg->base_url);
		return -1;
	}
	snprintf(p->signup_url, sizeof(p->signup_url), "%s/signup", cfg->base_url);
	snprintf(p->landing_url, sizeof(p->landing_url), "%s/", cfg->base_url);
	if (p->base.https && !cfg->https_set) {
		portal_log(PLOG_ERR, "%s: portal.base_url is https but no https section "
			"is configured\n", cfg->path);
		return -1;
	}
	for (i = 0; i < cfg->n_plans; i++) {
		struct gg_portal_plan *pl = &p->plans[i];

		snprintf(pl->id, sizeof(pl->id), "%s", cfg->plans[i].id);
		snprintf(pl->name, sizeof(pl->name), "%s", cfg->plans[i].name);
		snprintf(pl->price, sizeof(pl->price), "%s", cfg->plans[i].price);
		pl->validity_days = cfg->plans[i].validity_days;
	}
	p->n_plans = cfg->n_plans;
	if (portal_templates_load(p, err, sizeof(err)) < 0) {
		portal_log(PLOG_ERR, "template %s\n", err);
		return -1;
	}
	if (load_css(p) < 0)
		return -1;
	p->signer = gg_profile_signer_load(cfg->op.provisioning_cert,
		cfg->op.provisioning_key, err, sizeof(err));
	if (p->signer == NULL) {
		portal_log(PLOG_ERR, "operator.provisioning_cert/key: %s\n", err);
		return -1;
	}
	return 0;
}

static int
portal_start(struct portal *p)
{
	const struct gg_portal_config *cfg = &p->cfg;
	struct gg_store_params sp;
	uint64_t deadline;

	p->loop = gg_evloop_create();
	if (p->loop == NULL) {
		portal_log(PLOG_ERR, "event loop: %s\n", strerror(errno));
		return -1;
	}
	gg_store_params_from_conf(&sp, &cfg->store);
	sp.state_cb = store_state_cb;
	p->store = gg_store_open(&sp, p->loop);
	if (p->store == NULL) {
		portal_log(PLOG_ERR, "store (%s): cannot open\n", cfg->store.backend);
		return -1;
	}
	/* Listen once the store answers (or has had its chance): a portal
	 * that accepts connections only to answer 503 helps nobody. */
	deadline = gg_evloop_now_ms() + cfg->store.connect_timeout_ms + 100;
	while (!gg_store_is_up(p->store) && !p->quit &&
			gg_evloop_now_ms() < deadline)
		gg_evloop_run_once(p->loop, 50);
	if (!gg_store_is_up(p->store))
		portal_log(PLOG_WARNING, "store not up yet: pages answer 503 until it is\n");
	if (portal_listen(p, &p->http, false) < 0)
		return -1;
	if (cfg->https_set && portal_listen(p, &p->https, true) < 0)
		return -1;
	return 0;
}

static void
portal_stop(struct portal *p)
{
	unsigned int i;

	/* No new connections; then the store, whose cancelled requests
	 * answer their suspended connections (503); one last run sends
	 * those; then the daemons. */
	portal_quiesce(&p->http);
	portal_quiesce(&p->https);
	gg_store_close(p->store);
	p->store = NULL;
	for (i = 0; i < 3 && p->loop != NULL; i++)
		gg_evloop_run_once(p->loop, 10);
	portal_listener_close(&p->http);
	portal_listener_close(&p->https);
	gg_evloop_free(p->loop);
	p->loop = NULL;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = "config/gg-portal.conf";
	bool check = false;
	struct portal *p;
	sigset_t mask;
	char err[GG_CONF_ERR_MAX];
	int c, sfd, ret = 1;

	while ((c = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'k':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("gg-portal %s\n", GG_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return 1;
	if (gg_portal_conf_load(path, &p->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "gg-portal: %s\n", err);
		free(p);
		return 1;
	}
	portal_log_set_level(p->cfg.log_level);
	if (portal_setup(p) < 0)
		goto out;
	if (check) {
		printf("%s: OK (%u plans, base %s, store %s%s)\n", path, p->cfg.n_plans,
			p->cfg.base_url, p->cfg.store.backend,
			p->cfg.https_set ? ", https" : "");
		ret = 0;
		goto out;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		portal_log(PLOG_ERR, "signalfd: %s\n", strerror(errno));
		goto out;
	}
	if (portal_start(p) < 0 ||
			gg_evloop_watch(p->loop, sfd, GG_EV_READ, signal_cb, p) < 0) {
		close(sfd);
		goto out;
	}
	portal_log(PLOG_NOTICE, "gg-portal %s serving %s (%u plans)\n", GG_VERSION,
		p->cfg.base_url, p->n_plans);
	while (!p->quit)
		gg_evloop_run_once(p->loop, 1000);
	gg_evloop_unwatch(p->loop, sfd);
	close(sfd);
	portal_log(PLOG_NOTICE, "stopped after %llu requests, %llu sign-ups\n",
		(unsigned long long)p->n_requests, (unsigned long long)p->n_signups);
	ret = 0;
out:
	if (p->loop != NULL || p->store != NULL)
		portal_stop(p);
	gg_profile_signer_free(p->signer);
	portal_templates_free(p);
	free(p->css);
	gg_portal_conf_clear(&p->cfg);
	free(p);
	return ret;
}
