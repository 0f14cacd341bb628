/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The AuSF function: one-way certificate authentication of devices that
 * have no subscription, and their LIMITED sessions (doc/ausf-api.rst).
 *
 * It serves the Nausf_UEAuthentication-shaped resources on an SBI server
 * (gg_ausf_handle() is the server's handler), fetches certificates with
 * lib/fetch, verifies them and the device's signature with lib/auth,
 * allocates a UE address (lib/pool) and an uplink TEID, installs the
 * session in the data plane (lib/session) and keeps the device record in
 * the store (lib/store). On start, and on no later occasion, it restores
 * every session the store holds once the store is first up. It follows
 * state events from the store into the data plane, and pushes the
 * subscription profile to a device once the portal signed it up (event
 * "provisioned"): a POST to the callback URI the device gave at
 * authentication (profileNotifyUri), retried with backoff, or the device
 * fetches it (GET .../{authCtxId}/profile); either moves the device to
 * "full" (doc/ausf-api.rst, "Profile push").
 *
 * Threading: everything runs on the control lcore's event loop; no
 * function is thread-safe. The data plane sees sessions through the RCU
 * session tables only.
 */
#ifndef GG_AUSF_H
#define GG_AUSF_H

#include <stdbool.h>
#include <stdint.h>

#include "gg_sbi.h"

struct gg_evloop;
struct gg_fetch;
struct gg_store;
struct gg_auth_trust;
struct gg_session_table;
struct gg_garden;
struct gg_sbi_request;

/** Resource root of the API. */
#define GG_AUSF_ROOT "/nausf-auth/v1/ue-authentications"

struct gg_ausf_params {
	uint32_t n3_ipv4;            /**< our N3 address (cnTunnelInfo), network order */
	uint32_t ue_pool_ipv4;       /**< UE address pool prefix, network order */
	uint8_t ue_pool_len;         /**< its length, 8..32 */
	uint8_t qfi;                 /**< QFI of new sessions, if has_qfi */
	bool has_qfi;
	const char *portal_api;      /**< RFC 8908 API URI returned to devices, or NULL */
	uint32_t challenge_ttl_ms;   /**< a challenge's lifetime, default 30000 */
	uint32_t cert_cache_ttl_s;   /**< reuse a certificate's verification this
	                                  long (same URL, octets, identity); 0: verify
	                                  every time */
	uint32_t max_contexts;       /**< sessions (authenticated contexts), default 65536 */
	uint32_t max_pending;        /**< challenges pending at once (fetching or
	                                  issued, not confirmed), apart from
	                                  max_contexts; default 16384 */
	uint32_t pending_per_client; /**< ... of one client address, default 4096 */
	uint32_t pending_per_identity; /**< ... for one device identity, default 4 */
	uint32_t device_burst;       /**< attempts per device at once, default 5 */
	uint32_t device_refill_ms;   /**< ... one more every, default 6000 */
	uint32_t client_burst;       /**< attempts per client address, default 100 */
	uint32_t client_refill_ms;   /**< default 100 */
	bool learn_global;           /**< garden learning scope is global (forget nothing per session) */
	/** Allowed prefixes of profileNotifyUri (lib/fetch URL rules); none:
	 * no callback accepted (403 NOTIFY_URI_NOT_ALLOWED). Copied. */
	const char *const *notify_uri_prefixes;
	unsigned int n_notify_uri_prefixes; /**< 0..GG_FETCH_PREFIXES_MAX */
	uint32_t push_max_active;    /**< pushes in progress at once, default 16 */
	uint32_t push_max_pending;   /**< pushes known (active, queued, waiting to retry), default 4096 */
	uint32_t push_retry_min_ms;  /**< first retry delay, default 1000 */
	uint32_t push_retry_max_ms;  /**< retry delay cap, default 60000 */
	uint32_t push_give_up_s;     /**< no more tries this long after the sign-up, default 86400 */
};

/** What the AuSF works with; it owns none of them. */
struct gg_ausf_deps {
	struct gg_evloop *loop;
	struct gg_fetch *fetch;
	struct gg_store *store;
	struct gg_auth_trust *trust;
	struct gg_session_table *sessions;
	struct gg_garden *garden;    /**< learned entries forgotten on detach; may be NULL */
};

/** Outcomes, counted: X(name, help). */
#define GG_AUSF_STAT_LIST(X) \
	X(created, "authentication contexts created (201)") \
	X(authenticated, "devices authenticated (AUTHENTICATION_SUCCESS)") \
	X(failed_signature, "confirmations with a wrong signature") \
	X(rejected_request, "requests refused as malformed (400/404/405/413/415)") \
	X(rejected_url, "certificate URLs outside the allowed prefixes (403)") \
	X(rejected_cert, "certificates that failed verification (403)") \
	X(cert_reused, "challenges whose certificate verified before (no chain check)") \
	X(fetch_failed, "certificate fetches that failed or timed out (502/504)") \
	X(rate_limited, "attempts refused by the rate limits (429)") \
	X(store_unavailable, "requests refused while the store was down (503)") \
	X(expired, "challenges that expired before their confirmation") \
	X(detached, "devices detached (DELETE)") \
	X(restored, "sessions restored from the store at start") \
	X(restore_failed, "stored sessions that could not be restored") \
	X(resynced, "records written back to a store that came back without them") \
	X(state_events, "state changes applied from store events") \
	X(pool_exhausted, "authentications refused: no UE address left") \
	X(rejected_notify_uri, "profileNotifyUri outside the allowed prefixes (403)") \
	X(push_attempts, "profile POSTs sent to a device's callback") \
	X(push_delivered, "profile POSTs answered 2xx") \
	X(push_failed, "profile push attempts that failed (non-2xx, transport, store)") \
	X(push_retry_scheduled, "profile push retries scheduled") \
	X(push_given_up, "profile pushes abandoned (24 h, or the callback no longer allowed)") \
	X(push_fallback_fetch, "profiles delivered by GET .../profile") \
	X(push_queue_full, "profile pushes not taken: push_max_pending reached") \
	X(rejected_owner, "requests for a context from another client than its creator (404)") \
	X(refused_capacity, "challenges refused: max_pending reached (503)") \
	X(refused_quota, "challenges refused: a client's or an identity's pending quota (429)") \
	X(contexts_live, "gauge: contexts in the table (pending, expired, sessions)") \
	X(contexts_pending, "gauge: challenges pending (fetching or issued)") \
	X(contexts_sessions, "gauge: authenticated contexts") \
	X(sweep_max_round, "gauge: most contexts the expiry sweep handled in one round")

struct gg_ausf_stats {
#define GG_AUSF_STAT_FIELD(n, h) uint64_t n;
	GG_AUSF_STAT_LIST(GG_AUSF_STAT_FIELD)
#undef GG_AUSF_STAT_FIELD
};

struct gg_ausf;

/** Create the AuSF. NULL with errno set (EINVAL, ENOMEM). */
struct gg_ausf *gg_ausf_create(const struct gg_ausf_params *p,
		const struct gg_ausf_deps *d);

/**
 * Free it; pending requests are answered 503. NULL is a no-op. Free the
 * fetcher and close the store first: their cancelled callbacks still reach
 * the AuSF's contexts.
 */
void gg_ausf_free(struct gg_ausf *a);

/** The SBI request handler (gg_sbi_server_create's handler; arg = the AuSF). */
void gg_ausf_handle(struct gg_sbi_request *req, void *ausf);

/**
 * The store's state callback (gg_store_params.state_cb; arg = the AuSF):
 * logs each change once, and restores the stored sessions the first time
 * the store is up.
 */
void gg_ausf_store_state(struct gg_store *s, bool up, const char *reason,
		void *ausf);

/** Attach after gg_store_open() (the store exists only then). */
void gg_ausf_set_store(struct gg_ausf *a, struct gg_store *s);

/** Keep an address of the pool out of allocation (static sessions). */
int gg_ausf_reserve_address(struct gg_ausf *a, uint32_t ue_ipv4);

/** True once the restore from the store has finished. */
bool gg_ausf_restored(const struct gg_ausf *a);

/** Copy the counters. */
void gg_ausf_get_stats(const struct gg_ausf *a, struct gg_ausf_stats *st);

/**
 * The POST's AuthenticationInfo (TS 29.509) as the AuSF reads it with
 * gg_sbi_json_read_plain(): supiOrSuci, servingNetworkName,
 * certificateUrl, profileNotifyUri, anTunnelInfo{ipv4Addr, gtpTeid}, in
 * that order. For the tests that hold the plain reader to jansson's
 * verdicts on the AuSF's own schema.
 */
#define GG_AUSF_AUTH_INFO_FIELDS 7
extern const struct gg_sbi_json_field
gg_ausf_auth_info_fields[GG_AUSF_AUTH_INFO_FIELDS];

#endif /* GG_AUSF_H */
