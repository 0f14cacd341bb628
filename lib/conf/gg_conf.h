/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * gardengate configuration: libconfig file -> typed struct gg_config.
 *
 * Every setting is checked when the file is loaded; the first problem is
 * reported as "FILE:LINE: SETTING: what is wrong" (the path of the setting,
 * e.g. "ports.n3.address" or "sessions.static.[2].ul_teid") and nothing is
 * half-applied. Unknown settings are errors too, so a typo never passes
 * silently. doc/configuration.rst lists every setting with its default.
 *
 * Not thread-safe; used by the control lcore at start-up only.
 */
#ifndef GG_CONF_H
#define GG_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

#include "gg_garden.h"

#define GG_CONF_DEVICE_MAX 1024
#define GG_CONF_EAL_ARGS_MAX 64
#define GG_CONF_ERR_MAX 512
#define GG_CONF_COOKIE_SECRET_LEN 16 /* octets of "limited.cookie_secret" */

/** One of the appliance's ports (N3 towards the gNBs, N6 towards the DN). */
struct gg_conf_port {
	char device[GG_CONF_DEVICE_MAX]; /**< PCI address or vdev devargs */
	uint32_t address;         /**< our IPv4 address, network order */
	uint8_t prefix_len;       /**< from "a.b.c.d/len"; 32 if no /len given */
	uint32_t next_hop;        /**< next hop IPv4, network order; 0 = none */
	struct rte_ether_addr next_hop_mac; /**< static next-hop MAC, if set */
	bool next_hop_mac_set;
	uint16_t mtu;             /**< IP MTU of the link, default 1500 */
};

/** A session configured in the file (tests and demos). */
struct gg_conf_session {
	uint32_t ue_ipv4;   /**< network order */
	uint32_t ul_teid;   /**< host order, != 0 */
	uint32_t gnb_ipv4;  /**< network order */
	uint32_t dl_teid;   /**< host order */
	uint8_t qfi;        /**< 0..63 */
	bool qfi_set;       /**< add a PDU Session Container downlink */
	uint8_t state;      /**< enum gg_session_state */
};

/** The sign-up portal ("portal"). */
struct gg_conf_portal {
	bool set;                  /**< a "portal" section was given */
	uint32_t ipv4;             /**< "portal.ipv4", network order (required) */
	uint8_t ipv6[16];          /**< "portal.ipv6", for AAAA answers */
	bool has_ipv6;
	char url[512];             /**< "portal.url": redirect Location template, {url} allowed */
	char api[512];             /**< "portal.api": RFC 8908 Captive Portal API URI */
};

/** The walled garden and the LIMITED policies ("garden", "dns", "limited"). */
struct gg_conf_garden {
	struct gg_garden_rule *rules;   /**< "garden.prefixes", owned */
	unsigned int n_rules;
	char **names;                   /**< "garden.names", owned, lowercase */
	struct gg_garden_scope *name_scopes; /**< what each name's learned addresses open */
	unsigned int n_names;
	uint32_t max_rules;             /**< "garden.max_rules", default 1024 */
	uint32_t max_names;             /**< "garden.max_names", default 1024 */
	uint32_t max_learned;           /**< "garden.learn.max_entries", default 65536 */
	uint32_t min_ttl;               /**< "garden.learn.min_ttl", default 30 */
	uint32_t max_ttl;               /**< "garden.learn.max_ttl", default 3600 */
	bool learn_global;              /**< "garden.learn.scope" = "global" (default "session") */
	uint32_t max_per_session;       /**< "garden.learn.max_per_session", default 64, 0: none */
	uint32_t resolvers[4];          /**< "dns.resolvers", network order */
	unsigned int n_resolvers;
	uint32_t query_timeout;         /**< "dns.query_timeout" (s), default 5 */
	uint8_t dns_mode;               /**< "dns.mode": 0 rewrite (default), 1 snoop */
	uint32_t dns_ttl;               /**< "dns.ttl" of forged answers, default 10 */
	uint8_t dns_other_rcode;        /**< "dns.other_types": nxdomain (3, default) or refused (5) */
	uint16_t edns_udp_size;         /**< "dns.edns_udp_size", default 1232 */
	uint8_t udp_reject;             /**< "limited.udp_reject": 0 icmp (default), 1 drop */
	uint32_t icmp_rate;             /**< "limited.icmp_rate" per s per worker, default 100 */
	uint16_t tcp_mss;               /**< "limited.tcp_mss", default 1400 */
	/**
	 * "limited.cookie_secret": the SYN-cookie key, 32 hex digits in the
	 * file. A secret: no message and no summary ever shows it. Unset
	 * (the default), a random one is drawn at each start.
	 */
	uint8_t cookie_secret[GG_CONF_COOKIE_SECRET_LEN];
	bool cookie_secret_set;
	/** File the secret was read from (an @include may hold it). */
	char cookie_secret_file[4096];
};

/** The SBI server of the AuSF ("sbi"); absent: no AuSF. */
struct gg_conf_sbi {
	bool set;
	char address[64];             /**< "sbi.listen" address part */
	uint16_t port;                /**< "sbi.listen" port part */
	uint32_t max_connections;     /**< "sbi.max_connections", default 256 */
	uint32_t request_timeout_ms;  /**< "sbi.request_timeout_ms", default 10000 */
	uint32_t max_conns_per_client; /**< "sbi.max_connections_per_client", default 32 */
	uint32_t first_request_timeout_ms; /**< "sbi.first_request_timeout_ms", default 5000 */
	bool tls;                     /**< "sbi.tls" present: HTTP/2 over TLS; else h2c */
	char tls_cert[1024];          /**< "sbi.tls.cert": PEM certificate (chain) */
	char tls_key[1024];           /**< "sbi.tls.key": PEM private key */
	char tls_client_ca[1024];     /**< "sbi.tls.client_ca": NF CA; "": no client authentication */
	uint8_t tls_min_version;      /**< "sbi.tls.min_version": 0 "1.3" (default), 1 "1.2" */
};

/** One-way authentication ("ausf"); required with "sbi". */
struct gg_conf_ausf {
	bool set;
	char ca_bundle[1024];         /**< "ausf.ca_bundle": manufacturer CAs (PEM) */
	char **url_prefixes;          /**< "ausf.cert_url_prefixes", owned */
	unsigned int n_url_prefixes;
	char **notify_prefixes;       /**< "ausf.notify_uri_prefixes", owned; none: no callback */
	unsigned int n_notify_prefixes;
	uint32_t fetch_timeout_ms;    /**< "ausf.fetch_timeout_ms", default 3000 */
	uint32_t cert_cache_ttl;      /**< "ausf.cert_cache_ttl" s, default 300 */
	uint32_t fetch_max_per_host;  /**< "ausf.fetch_max_per_host", default 8 */
	uint32_t challenge_ttl;       /**< "ausf.challenge_ttl" s, default 30 */
	uint32_t pool_ipv4;           /**< "ausf.ue_pool" prefix, network order */
	uint8_t pool_len;
	uint8_t qfi;                  /**< "ausf.qfi" of new sessions */
	bool has_qfi;
	uint32_t device_burst;        /**< "ausf.rate.device_burst", default 5 */
	uint32_t device_refill_ms;    /**< "ausf.rate.device_refill_ms", default 6000 */
	uint32_t client_burst;        /**< "ausf.rate.client_burst", default 100 */
	uint32_t client_refill_ms;    /**< "ausf.rate.client_refill_ms", default 100 */
	uint32_t max_pending;         /**< "ausf.quota.pending", default 16384 */
	uint32_t pending_per_client;  /**< "ausf.quota.per_client", default 4096 */
	uint32_t pending_per_identity; /**< "ausf.quota.per_identity", default 4 */
};

/** The subscription store ("store"). */
struct gg_conf_store {
	char backend[16];             /**< "store.backend": "redis" (default) */
	char unix_path[256];          /**< "store.unix": socket path; wins over address */
	char host[64];                /**< "store.address" host part, default 127.0.0.1 */
	uint16_t port;                /**< "store.address" port part, default 6379 */
	char user[64];                /**< "store.user" (ACL), optional */
	char password[256];           /**< "store.password", optional */
	char prefix[64];              /**< "store.prefix", default "gg:" */
	uint32_t connect_timeout_ms;  /**< default 1000 */
	uint32_t command_timeout_ms;  /**< default 1000 */
};

/** Section "mtu": packets that do not fit a link (doc/configuration.rst). */
struct gg_conf_mtu {
	bool tcp_mss_clamp;       /**< "mtu.tcp_mss_clamp" = "on" (default) */
	uint16_t tcp_mss;         /**< "mtu.tcp_mss"; default min(N3 MTU - 84, N6 MTU - 40) */
	bool fragment_off;        /**< "mtu.fragment" = "off" (default "on") */
	uint32_t icmp_rate;       /**< "mtu.icmp_rate" per s per worker, default 100 */
	uint32_t reasm_flows;     /**< "mtu.reassembly.flows" per worker, default 256; 0 = off */
	uint32_t reasm_timeout_ms;/**< "mtu.reassembly.timeout_ms", default 2000 */
};

/** The Prometheus / OpenMetrics endpoint ("metrics"); absent: none. */
struct gg_conf_metrics {
	bool set;
	char address[64];           /**< "metrics.listen" address part */
	uint16_t port;              /**< "metrics.listen" port part (0: any, from --metrics-listen) */
	uint32_t max_connections;   /**< "metrics.max_connections", default 16 */
	uint32_t timeout_s;         /**< "metrics.timeout_s", default 10 */
};

struct gg_config {
	char path[4096];                       /**< the file loaded */
	int eal_argc;                          /**< EAL options from "eal" */
	char *eal_argv[GG_CONF_EAL_ARGS_MAX];  /**< owned strings */

	struct gg_conf_port n3;                /**< "ports.n3" */
	struct gg_conf_port n6;                /**< "ports.n6" */

	unsigned int workers;       /**< "workers", default 1 */
	uint16_t rx_desc;           /**< "queues.rx_desc", default 1024 */
	uint16_t tx_desc;           /**< "queues.tx_desc", default 1024 */
	uint32_t mbufs;             /**< "mempool.mbufs", default 16383 */
	uint32_t mbuf_cache;        /**< "mempool.cache", default 256 */

	uint32_t session_capacity;  /**< "sessions.capacity", default 65536 */
	bool ul_multicast;          /**< "sessions.ul_multicast" = "forward" (default "drop") */
	struct gg_conf_session *sessions; /**< "sessions.static", owned */
	unsigned int n_sessions;

	uint32_t error_indication_rate; /**< "gtpu.error_indication_rate" per s per worker, default 1000 */

	struct gg_conf_mtu mtu;                /**< "mtu" */
	struct gg_conf_portal portal;
	struct gg_conf_garden garden;
	struct gg_conf_sbi sbi;
	struct gg_conf_ausf ausf;
	struct gg_conf_store store;
	struct gg_conf_metrics metrics;        /**< "metrics" */

	int log_level;              /**< "log.level": RTE_LOG_* value, default RTE_LOG_INFO */
	unsigned int stats_interval;/**< "log.stats_interval" seconds, 0 = off; default 0 */
};

/** Fill @p cfg with the defaults (no ports, no sessions). */
void gg_conf_defaults(struct gg_config *cfg);

/**
 * Load and check @p path into @p cfg (which is first reset to defaults).
 * @return 0, or -1 with a "FILE:LINE: SETTING: problem" message in @p err.
 */
int gg_conf_load(const char *path, struct gg_config *cfg, char *err,
		size_t errlen);

/** Release what gg_conf_load() allocated. Safe on a defaults-only config. */
void gg_conf_free(struct gg_config *cfg);

/** One setting that differs between two loads of a file (gg_conf_diff()). */
struct gg_conf_change {
	const char *setting;  /**< its path in the file: "portal.url", "ports.n3.device" */
	bool live;            /**< gardengate applies it without a restart */
	const char *file;     /**< where the new file sets it (an @include's file) */
	int line;             /**< its line there; 0 when the setting is gone */
};

typedef void (*gg_conf_change_cb)(const struct gg_conf_change *ch, void *arg);

/**
 * Compare two loads of a configuration: @p cb once per setting that
 * differs (in the order of the file format), with its location in
 * @p cur's file (re-read for it). Lists compare as sets where their order
 * means nothing (garden.prefixes, garden.names). Strings in @p ch are
 * valid during the call only.
 * @return the number of settings that differ.
 */
int gg_conf_diff(const struct gg_config *old, const struct gg_config *cur,
		gg_conf_change_cb cb, void *arg);

/** Same prefix, depth, protocol and ports. */
bool gg_conf_rule_equal(const struct gg_garden_rule *a,
		const struct gg_garden_rule *b);

/** Whether @p g's prefix rules hold one equal to @p r. */
bool gg_conf_garden_has_rule(const struct gg_conf_garden *g,
		const struct gg_garden_rule *r);
/** Same protocol and port groups, in the same order. */
bool gg_conf_scope_equal(const struct gg_garden_scope *a,
		const struct gg_garden_scope *b);
/** Index of @p name (lowercase, as loaded) in garden.names, or -1. */
int gg_conf_name_index(const struct gg_conf_garden *g, const char *name);

/** Print a human-readable summary (what --check-config shows). */
void gg_conf_print_summary(const struct gg_config *cfg, FILE *out);

/** True when sbi.listen is a loopback address (127.0.0.0/8 or ::1): the
 * only place cleartext HTTP/2 goes without a warning. */
bool gg_conf_sbi_loopback(const struct gg_conf_sbi *sb);

/*
 * gg-portal's own file (config/gg-portal.conf), read by
 * gg_portal_conf_load() (conf_portal_file.c) with the same conventions and
 * error style; doc/portal.rst lists the settings.
 */
#define GG_PORTAL_CONF_PLANS_MAX 16
#define GG_PORTAL_CONF_SECRET_MAX 64  /* octets of the CSRF secret */

/** A plan offered on the portal ("plans" list). */
struct gg_conf_plan {
	char id[33];             /**< [a-z0-9_-], 1..32 */
	char name[65];
	char price[65];          /**< shown as written */
	uint32_t validity_days;  /**< 1..3660 */
};

/** The operator's subscription parameters ("operator"). */
struct gg_conf_operator {
	char mcc[4];             /**< 3 digits */
	char mnc[4];             /**< 2 or 3 digits */
	/** OP, from "op" (32 hex digits) or "op_file"; a secret: no message
	 * or summary ever shows it. */
	uint8_t op[16];
	bool op_set;
	uint8_t amf[2];          /**< "amf", 4 hex digits, default 8000 */
	char dnn[64];            /**< default "internet" */
	uint8_t sst;             /**< default 1 */
	uint32_t sd;             /**< "sd", 6 hex digits, optional */
	bool has_sd;
	char issuer[129];        /**< operator name written in profiles */
	char provisioning_cert[1024]; /**< signing certificate (PEM) */
	char provisioning_key[1024];  /**< its key (PEM); a secret's path */
	uint8_t cipher;          /**< "cipher": 0 gcm (default), 1 cbc */
};

struct gg_portal_config {
	char path[4096];                 /**< the file loaded */
	char http_address[64];           /**< "http.listen", default 0.0.0.0:80 */
	uint16_t http_port;
	bool https_set;                  /**< an "https" group was given */
	char https_address[64];          /**< "https.listen", default 0.0.0.0:443 */
	uint16_t https_port;
	char https_cert[1024];           /**< "https.cert" (PEM), required with https */
	char https_key[1024];            /**< "https.key" (PEM), required with https */
	uint32_t max_connections;        /**< "http.max_connections" per listener, default 256 */
	char base_url[512];              /**< "portal.base_url", canonical, required */
	char api_path[128];              /**< "portal.api", default "/api/captive" */
	char venue_info_url[512];        /**< "portal.venue_info_url", optional */
	uint32_t limited_lifetime_s;     /**< "portal.limited_lifetime_s", 0: none */
	char templates[1024];            /**< "portal.templates", default app/portal/templates */
	char static_dir[1024];           /**< "portal.static", default app/portal/static */
	uint32_t max_form_bytes;         /**< "portal.max_form_bytes", default 4096 */
	uint8_t csrf_secret[GG_PORTAL_CONF_SECRET_MAX]; /**< from "csrf.secret_file" */
	size_t csrf_secret_len;
	uint32_t csrf_lifetime_s;        /**< "csrf.lifetime_s", default 3600 */
	struct gg_conf_operator op;      /**< "operator", required */
	struct gg_conf_plan plans[GG_PORTAL_CONF_PLANS_MAX]; /**< "plans", 1.. */
	unsigned int n_plans;
	struct gg_conf_store store;      /**< "store", as gardengate's */
	uint8_t log_level;               /**< "log.level": 0 error, 1 warning, 2 notice, 3 info (default), 4 debug */
};

/** Defaults of gg-portal's file (no plans, no operator). */
void gg_portal_conf_defaults(struct gg_portal_config *cfg);
/**
 * Load and check gg-portal's file @p path into @p cfg: 0, or -1 with
 * "FILE:LINE: SETTING: problem" in @p err (secrets never quoted). Files
 * named in it (certificates, keys, templates) must be readable.
 */
int gg_portal_conf_load(const char *path, struct gg_portal_config *cfg,
		char *err, size_t errlen);
/** Wipe the secrets (OP, CSRF secret) of @p cfg. */
void gg_portal_conf_clear(struct gg_portal_config *cfg);

#endif /* GG_CONF_H */
