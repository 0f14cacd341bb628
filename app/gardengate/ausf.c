/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AuSF wiring: the manufacturer trust store, the certificate fetcher, the
 * subscription store, the AuSF itself and its SBI server, all on the
 * control lcore's event loop. Absent "sbi" in the configuration, none of
 * this starts and the appliance is a user plane only.
 */
#include <errno.h>
#include <string.h>

#include <rte_log.h>

#include "gg_auth.h"
#include "gg_ausf.h"
#include "gg_fetch.h"
#include "gg_sbi.h"
#include "gg_store.h"
#include "gardengate.h"

#define LOG(level, ...) RTE_LOG(level, USER1, __VA_ARGS__)

int
gg_app_ausf_setup(struct gg_app *app)
{
	const struct gg_config *cfg = &app->cfg;
	struct gg_fetch_params fp;
	struct gg_ausf_params ap;
	struct gg_ausf_deps ad;
	struct gg_store_params sp;
	struct gg_sbi_params bp;
	struct gg_sbi_tls tls;
	char err[256];
	unsigned int i;

	if (!cfg->sbi.set)
		return 0;
	app->trust = gg_auth_trust_load(cfg->ausf.ca_bundle, err, sizeof(err));
	if (app->trust == NULL) {
		LOG(ERR, "ausf.ca_bundle %s: %s\n", cfg->ausf.ca_bundle, err);
		return -1;
	}
	memset(&fp, 0, sizeof(fp));
	fp.prefixes = (const char *const *)cfg->ausf.url_prefixes;
	fp.n_prefixes = cfg->ausf.n_url_prefixes;
	fp.max_body = GG_AUTH_CERT_MAX;
	fp.timeout_ms = cfg->ausf.fetch_timeout_ms;
	fp.cache_ttl_s = cfg->ausf.cert_cache_ttl;
	fp.no_cache = cfg->ausf.cert_cache_ttl == 0;
	fp.cache_put_only = true; /* the AuSF caches what verified */
	fp.max_per_host = cfg->ausf.fetch_max_per_host;
	app->fetch = gg_fetch_create(app->loop, &fp);
	if (app->fetch == NULL) {
		LOG(ERR, "certificate fetcher: %s\n", strerror(errno));
		return -1;
	}

	memset(&ap, 0, sizeof(ap));
	ap.n3_ipv4 = cfg->n3.address;
	ap.ue_pool_ipv4 = cfg->ausf.pool_ipv4;
	ap.ue_pool_len = cfg->ausf.pool_len;
	ap.qfi = cfg->ausf.qfi;
	ap.has_qfi = cfg->ausf.has_qfi;
	ap.portal_api = cfg->portal.api[0] != '\0' ? cfg->portal.api : NULL;
	ap.challenge_ttl_ms = cfg->ausf.challenge_ttl * 1000;
	ap.cert_cache_ttl_s = cfg->ausf.cert_cache_ttl;
	ap.max_contexts = cfg->session_capacity;
	ap.device_burst = cfg->ausf.device_burst;
	ap.device_refill_ms = cfg->ausf.device_refill_ms;
	ap.client_burst = cfg->ausf.client_burst;
	ap.client_refill_ms = cfg->ausf.client_refill_ms;
	ap.max_pending = cfg->ausf.max_pending;
	ap.pending_per_client = cfg->ausf.pending_per_client;
	ap.pending_per_identity = cfg->ausf.pending_per_identity;
	ap.learn_global = cfg->garden.learn_global;
	ap.notify_uri_prefixes = (const char *const *)cfg->ausf.notify_prefixes;
	ap.n_notify_uri_prefixes = cfg->ausf.n_notify_prefixes;
	memset(&ad, 0, sizeof(ad));
	ad.loop = app->loop;
	ad.fetch = app->fetch;
	ad.trust = app->trust;
	ad.sessions = app->dp.sessions;
	ad.garden = app->dp.limited.garden;
	app->ausf = gg_ausf_create(&ap, &ad);
	if (app->ausf == NULL) {
		LOG(ERR, "ausf: %s%s\n", strerror(errno), errno == EINVAL ?
				" (is every ausf.notify_uri_prefixes entry a URL with a path?)" : "");
		return -1;
	}
	/* Static sessions keep their addresses out of the pool. */
	for (i = 0; i < cfg->n_sessions; i++)
		gg_ausf_reserve_address(app->ausf, cfg->sessions[i].ue_ipv4);

	gg_store_params_from_conf(&sp, &cfg->store);
	sp.state_cb = gg_ausf_store_state;
	sp.state_arg = app->ausf;
	app->store = gg_store_open(&sp, app->loop);
	if (app->store == NULL) {
		LOG(ERR, "store (%s): cannot open\n", cfg->store.backend);
		return -1;
	}
	gg_ausf_set_store(app->ausf, app->store);

	memset(&bp, 0, sizeof(bp));
	bp.address = cfg->sbi.address;
	bp.port = cfg->sbi.port;
	bp.max_conns = cfg->sbi.max_connections;
	bp.request_timeout_ms = cfg->sbi.request_timeout_ms;
	bp.max_conns_per_client = cfg->sbi.max_conns_per_client;
	bp.first_request_timeout_ms = cfg->sbi.first_request_timeout_ms;
	if (cfg->sbi.tls) {
		memset(&tls, 0, sizeof(tls));
		tls.cert_file = cfg->sbi.tls_cert;
		tls.key_file = cfg->sbi.tls_key;
		tls.client_ca_file = cfg->sbi.tls_client_ca[0] != '\0' ?
				cfg->sbi.tls_client_ca : NULL;
		tls.allow_tls12 = cfg->sbi.tls_min_version == 1;
		if (gg_sbi_tls_check(&tls, err, sizeof(err)) != 0) {
			LOG(ERR, "sbi.tls: %s\n", err);
			return -1;
		}
		bp.tls = &tls;
	} else if (!gg_conf_sbi_loopback(&cfg->sbi)) {
		LOG(WARNING, "sbi: cleartext HTTP/2 on %s, beyond loopback: "
				"unauthenticated and unencrypted; configure sbi.tls\n",
				cfg->sbi.address);
	}
	app->sbi = gg_sbi_server_create(app->loop, &bp, gg_ausf_handle, app->ausf);
	if (app->sbi == NULL) {
		LOG(ERR, "sbi.listen %s:%u: %s\n", cfg->sbi.address, cfg->sbi.port,
				strerror(errno));
		return -1;
	}
	LOG(INFO, "AuSF listening on %s:%u (%s)\n", cfg->sbi.address,
			gg_sbi_server_port(app->sbi), !cfg->sbi.tls ? "HTTP/2 cleartext" :
			tls.client_ca_file != NULL ? "HTTP/2 over TLS, mutual" :
			"HTTP/2 over TLS");
	return 0;
}

void
gg_app_ausf_teardown(struct gg_app *app)
{
	/* Fetcher and store first: their cancelled callbacks still reach the
	 * AuSF's contexts, which answer the waiting requests. */
	gg_fetch_free(app->fetch);
	app->fetch = NULL;
	gg_store_close(app->store);
	app->store = NULL;
	gg_ausf_free(app->ausf);
	app->ausf = NULL;
	gg_sbi_server_free(app->sbi);
	app->sbi = NULL;
	gg_auth_trust_free(app->trust);
	app->trust = NULL;
}
