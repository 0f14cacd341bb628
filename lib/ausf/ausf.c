/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The AuSF: the one-way authentication resources (doc/ausf-api.rst) and the
 * life of a device's session from its authentication to its detach.
 *
 *   POST   .../ue-authentications              validate, rate-limit, fetch the
 *                                              certificate (async), verify it,
 *                                              answer 201 with a challenge
 *   PUT    .../{id}/one-way-confirmation       verify the signature (the
 *                                              challenge is used up either way),
 *                                              install a LIMITED session, store
 *                                              the record (async), answer 200
 *   GET    .../{id}                            the context and its session
 *   GET    .../{id}/profile                    the signed-up profile (fallback
 *                                              of the push, ausf_push.c)
 *   DELETE .../{id}                            remove the record (async), then
 *                                              the session; 204
 *
 * Ordering rules that keep the store and the data plane consistent: a
 * session is installed before its record is written and removed if the
 * write fails; a detach deletes the record first and removes the session
 * only once that succeeded. A device that authenticates again replaces its
 * older session once the new record is stored.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <jansson.h>
#include <rte_log.h>

#include "gg_evloop.h"
#include "gg_fetch.h"
#include "gg_garden.h"
#include "gg_pool.h"
#include "gg_sbi.h"
#include "gg_session.h"
#include "ausf_private.h"

#define LOG(level, ...) RTE_LOG(level, USER1, "ausf: " __VA_ARGS__)

#define SWEEP_MS 1000
/* An expired challenge still answers 410 (not 404) this long; then it goes. */
#define EXPIRED_KEEP_MS 60000
#define SNN_MAX 128
#define SIG_B64_MAX ((GG_AUTH_SIG_MAX * 4 + 2) / 3)

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *
ip_text(uint32_t be, char *buf)
{
	return inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
}

/* ---- contexts ---------------------------------------------------------- */

static struct ctx *
ctx_new(struct gg_ausf *a)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t rnd[CTX_ID_LEN / 2];
	struct ctx *c;
	unsigned int i;

	if (a->ctx.count >= a->p.max_contexts)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->a = a;
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		free(c);
		return NULL;
	}
	for (i = 0; i < sizeof(rnd); i++) {
		c->id[2 * i] = hex[rnd[i] >> 4];
		c->id[2 * i + 1] = hex[rnd[i] & 15];
	}
	return c;
}

static void
ctx_free(struct gg_ausf *a, struct ctx *c, bool in_table)
{
	if (in_table)
		ctx_table_remove(&a->ctx, c);
	push_cancel(a, c);
	gg_auth_cert_free(c->cert);
	free(c);
}

/* Session and address of an authenticated context leave the data plane. */
static void
ctx_drop_session(struct gg_ausf *a, struct ctx *c)
{
	const struct gg_session *s;

	if (c->ul_teid == 0)
		return;
	s = gg_session_find(a->d.sessions, c->ul_teid);
	if (s != NULL && a->d.garden != NULL && !a->p.learn_global)
		gg_garden_forget(a->d.garden, s->id);
	gg_session_del(a->d.sessions, c->ul_teid);
	gg_ip_pool_release(a->pool, c->ue_ipv4);
	c->ul_teid = 0;
	c->ue_ipv4 = 0;
}

/* A signed-up device whose profile is not delivered yet is still LIMITED
 * in the data plane; the API tells it apart as PROVISIONED. */
static const char *
state_json_name(enum gg_session_state st, enum gg_device_state dev)
{
	return st == GG_SESSION_FULL ? "FULL" : st == GG_SESSION_BLOCKED ?
			"BLOCKED" : dev == GG_DEVICE_PROVISIONED ? "PROVISIONED" :
			"LIMITED";
}

static json_t *
pdu_session_json(struct gg_ausf *a, const struct ctx *c)
{
	const struct gg_session *s = gg_session_find(a->d.sessions, c->ul_teid);
	char ue[INET_ADDRSTRLEN], n3[INET_ADDRSTRLEN], teid[9];
	json_t *o;

	snprintf(teid, sizeof(teid), "%08X", c->ul_teid); /* TS 29.571 Teid: [A-F0-9]{8} */
	o = json_pack("{s:s, s:s, s:{s:s, s:s}}",
			"state", state_json_name(s != NULL ? gg_session_state(s) :
				GG_SESSION_LIMITED, c->dev_state),
			"ueIpv4Addr", ip_text(c->ue_ipv4, ue),
			"cnTunnelInfo", "ipv4Addr", ip_text(a->p.n3_ipv4, n3),
			"gtpTeid", teid);
	if (o != NULL && a->p.has_qfi)
		json_object_set_new(o, "qfi", json_integer(a->p.qfi));
	return o;
}

static void
ctx_href(const struct ctx *c, char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, GG_AUSF_ROOT "/%s%s", c->id, suffix);
}

/* ---- POST: create ------------------------------------------------------ */

/* TS 29.571 Teid: exactly 8 hexadecimal digits (either case accepted). */
static int
parse_teid(const char *s, uint32_t *teid)
{
	uint32_t v = 0;
	int i;

	if (strlen(s) != 8)
		return -1;
	for (i = 0; i < 8; i++) {
		char c = s[i];
		uint32_t d = c >= '0' && c <= '9' ? (uint32_t)(c - '0') :
				c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10) :
				c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10) : 16;

		if (d == 16)
			return -1;
		v = v << 4 | d;
	}
	*teid = v;
	return 0;
}

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < '!' || *s > '~')
			return 0;
	return 1;
}

static void
fetch_done(void *arg, enum gg_fetch_status st, long http_status,
		const uint8_t *body, size_t len)
{
	struct ctx *c = arg;
	struct gg_ausf *a = c->a;
	struct gg_sbi_request *req = c->req;
	enum gg_auth_status vst;
	char detail[160], loc[256], chal[64];
	json_t *res;

	c->req = NULL;
	if (gg_sbi_request_cancelled(req)) {
		gg_sbi_request_release(req);
		ctx_free(a, c, true);
		return;
	}
	if (st != GG_FETCH_OK) {
		a->st.fetch_failed++;
		snprintf(detail, sizeof(detail), "certificate fetch: %s%s%ld",
				gg_fetch_status_name(st), http_status ? ", HTTP " : "",
				http_status);
		gg_sbi_problem(req, st == GG_FETCH_TIMEOUT ? 504 : 502,
				st == GG_FETCH_TIMEOUT ? "CERT_FETCH_TIMEOUT" :
				"CERT_FETCH_FAILED", detail, NULL);
		ctx_free(a, c, true);
		return;
	}
	vst = gg_auth_cert_verify(a->d.trust, body, len, c->identity, time(NULL),
			&c->cert);
	if (vst != GG_AUTH_OK) {
		a->st.rejected_cert++;
		snprintf(detail, sizeof(detail), "certificate rejected: %s",
				gg_auth_status_name(vst));
		gg_sbi_problem(req, 403, "CERTIFICATE_REJECTED", detail, NULL);
		ctx_free(a, c, true);
		return;
	}
	if (gg_auth_challenge(c->challenge, sizeof(c->challenge)) != 0) {
		gg_sbi_problem(req, 500, "SYSTEM_FAILURE", "no randomness", NULL);
		ctx_free(a, c, true);
		return;
	}
	gg_auth_b64url_encode(c->challenge, sizeof(c->challenge), chal, sizeof(chal));
	c->state = CTX_CHALLENGED;
	c->expires_ms = gg_evloop_now_ms() + a->p.challenge_ttl_ms;
	ctx_href(c, loc, sizeof(loc), "/one-way-confirmation");
	res = json_pack("{s:s, s:{s:s, s:s, s:I}, s:{s:{s:s}}}",
			"authType", "ONE_WAY_CERT",
			"oneWayAuthData", "challenge", chal,
			"signedDataFormat", GG_AUTH_TBS_LABEL,
			"expiresIn", (json_int_t)(a->p.challenge_ttl_ms / 1000),
			"_links", "one-way-confirmation", "href", loc);
	ctx_href(c, loc, sizeof(loc), "");
	a->st.created++;
	gg_sbi_respond_json(req, 201, res, loc);
}

static void
handle_create(struct gg_ausf *a, struct gg_sbi_request *req)
{
	const char *identity = NULL, *snn = NULL, *url = NULL, *tip = NULL, *tteid = NULL;
	const char *notify = NULL;
	char notify_canon[GG_STORE_URL_MAX + 1];
	int notify_rc = 0;
	json_t *body, *inv, *tunnel = NULL;
	char err[256];
	struct in_addr gnb;
	uint32_t dl_teid = 0;
	struct ctx *c;
	int status, ret, missing = 0;

	body = gg_sbi_parse_json_body(req, &status, err, sizeof(err));
	if (body == NULL) {
		a->st.rejected_request++;
		gg_sbi_problem(req, status, status == 415 ? "UNSUPPORTED_MEDIA_TYPE" :
				"INVALID_MSG_FORMAT", err, NULL);
		return;
	}
	inv = json_array();
	/* -2 from a getter: a required member is missing (TS 29.500 cause
	 * MANDATORY_IE_MISSING); any other problem is MANDATORY_IE_INCORRECT. */
	missing |= gg_sbi_json_get_string(body, NULL, "supiOrSuci", 1,
			GG_STORE_IDENTITY_MAX, &identity, inv) == -2;
	missing |= gg_sbi_json_get_string(body, NULL, "servingNetworkName", 1,
			SNN_MAX, &snn, inv) == -2;
	missing |= gg_sbi_json_get_string(body, NULL, "certificateUrl", 1,
			GG_STORE_URL_MAX, &url, inv) == -2;
	gg_sbi_json_get_string(body, NULL, "profileNotifyUri", 0,
			GG_STORE_URL_MAX, &notify, inv);
	ret = gg_sbi_json_get_object(body, NULL, "anTunnelInfo", 1, &tunnel, inv);
	missing |= ret == -2;
	if (ret == 0 && tunnel != NULL) {
		missing |= gg_sbi_json_get_string(tunnel, "/anTunnelInfo", "ipv4Addr",
				1, 15, &tip, inv) == -2;
		missing |= gg_sbi_json_get_string(tunnel, "/anTunnelInfo", "gtpTeid",
				1, 8, &tteid, inv) == -2;
	}
	if (identity != NULL && !printable(identity))
		gg_sbi_invalid_param(inv, "/supiOrSuci", "printable ASCII only");
	if (snn != NULL && strncmp(snn, "5G:", 3) != 0)
		gg_sbi_invalid_param(inv, "/servingNetworkName", "must start with \"5G:\"");
	if (tip != NULL && (inet_pton(AF_INET, tip, &gnb) != 1 || gnb.s_addr == 0))
		gg_sbi_invalid_param(inv, "/anTunnelInfo/ipv4Addr", "not an IPv4 address");
	if (tteid != NULL && parse_teid(tteid, &dl_teid) != 0)
		gg_sbi_invalid_param(inv, "/anTunnelInfo/gtpTeid", "8 hexadecimal digits");
	if (url != NULL && json_array_size(inv) == 0 &&
			gg_fetch_url_check(a->d.fetch, url) == -EINVAL)
		gg_sbi_invalid_param(inv, "/certificateUrl", "malformed or unsafe URL");
	if (notify != NULL && json_array_size(inv) == 0) {
		notify_rc = gg_fetch_allow_check(a->notify_allow, notify);
		if (notify_rc == -EINVAL || gg_fetch_url_normalize(notify,
				notify_canon, sizeof(notify_canon)) < 0)
			gg_sbi_invalid_param(inv, "/profileNotifyUri",
					"malformed or unsafe URL");
	}
	if (json_array_size(inv) != 0) {
		a->st.rejected_request++;
		gg_sbi_problem(req, 400, missing ? "MANDATORY_IE_MISSING" :
				"MANDATORY_IE_INCORRECT", "invalid or missing fields", inv);
		json_decref(body);
		return;
	}
	json_decref(inv);
	/* Before anything is created or fetched: no request ever goes to a
	 * callback outside the list (no SSRF through the SBI). */
	if (notify != NULL && notify_rc != 0) {
		a->st.rejected_notify_uri++;
		gg_sbi_problem(req, 403, "NOTIFY_URI_NOT_ALLOWED",
				"the profile notification URI is not under an allowed prefix",
				NULL);
		json_decref(body);
		return;
	}

	if (!gg_auth_ratelimit_allow(a->rl_client, gg_sbi_request_peer(req),
			gg_evloop_now_ms()) ||
			!gg_auth_ratelimit_allow(a->rl_device, identity, gg_evloop_now_ms())) {
		a->st.rate_limited++;
		gg_sbi_problem(req, 429, "TOO_MANY_ATTEMPTS",
				"too many authentication attempts; retry later", NULL);
		json_decref(body);
		return;
	}
	if (a->d.store == NULL || !gg_store_is_up(a->d.store)) {
		a->st.store_unavailable++;
		gg_sbi_problem(req, 503, "STORE_UNAVAILABLE",
				"the subscription store is unreachable", NULL);
		json_decref(body);
		return;
	}
	c = ctx_new(a);
	if (c == NULL) {
		gg_sbi_problem(req, 503, "INSUFFICIENT_RESOURCES",
				"too many authentications in progress", NULL);
		json_decref(body);
		return;
	}
	snprintf(c->identity, sizeof(c->identity), "%s", identity);
	snprintf(c->snn, sizeof(c->snn), "%s", snn);
	snprintf(c->cert_url, sizeof(c->cert_url), "%s", url);
	if (notify != NULL)
		snprintf(c->notify_uri, sizeof(c->notify_uri), "%s", notify_canon);
	c->gnb_ipv4 = gnb.s_addr;
	c->dl_teid = dl_teid;
	c->state = CTX_FETCHING;
	c->req = req;
	json_decref(body);

	ret = gg_fetch_get(a->d.fetch, c->cert_url, fetch_done, c);
	if (ret != 0) {
		if (ret == -EPERM) {
			a->st.rejected_url++;
			gg_sbi_problem(req, 403, "CERT_URL_NOT_ALLOWED",
					"the certificate URL is not under an allowed CA prefix",
					NULL);
		} else {
			a->st.fetch_failed++;
			gg_sbi_problem(req, 503, "INSUFFICIENT_RESOURCES", strerror(-ret),
					NULL);
		}
		ctx_free(a, c, false);
		return;
	}
	ctx_table_add(&a->ctx, c);
}

/* ---- PUT: confirm ------------------------------------------------------ */

static void
store_put_done(struct gg_store *s, enum gg_store_status st, void *arg)
{
	struct ctx *c = arg;
	struct gg_sbi_request *req = c->req;
	struct gg_ausf *a = c->a;
	json_t *res;

	(void)s;
	c->req = NULL;
	if (st != GG_STORE_OK) {
		a->st.store_unavailable++;
		ctx_drop_session(a, c);
		gg_sbi_problem(req, 503, "STORE_UNAVAILABLE",
				gg_store_strerror(st), NULL);
		ctx_free(a, c, true);
		return;
	}
	/* The device's older session goes once the new one is on record. */
	if (c->replaces != NULL) {
		ctx_drop_session(a, c->replaces);
		ctx_free(a, c->replaces, true);
		c->replaces = NULL;
	}
	gg_auth_cert_free(c->cert);
	c->cert = NULL;
	c->state = CTX_AUTHENTICATED;
	a->st.authenticated++;
	/* A device signed up or blocked before keeps that standing. */
	if (c->dev_state == GG_DEVICE_FULL || c->dev_state == GG_DEVICE_BLOCKED)
		gg_session_set_state(a->d.sessions, c->ul_teid,
				c->dev_state == GG_DEVICE_FULL ? GG_SESSION_FULL :
				GG_SESSION_BLOCKED);
	else if (c->dev_state == GG_DEVICE_PROVISIONED)
		push_start(a, c);
	res = json_pack("{s:s, s:s, s:o}", "authResult", "AUTHENTICATION_SUCCESS",
			"supi", c->identity, "pduSession", pdu_session_json(a, c));
	if (a->p.portal_api != NULL)
		json_object_set_new(res, "captivePortalApi", json_string(a->p.portal_api));
	gg_sbi_respond_json(req, 200, res, NULL);
}

/* Install the LIMITED session: a UE address, a random unused uplink TEID. */
static int
install_session(struct gg_ausf *a, struct ctx *c)
{
	struct gg_session s;
	uint32_t teid;
	int ret, tries;

	ret = gg_ip_pool_alloc(a->pool, &c->ue_ipv4);
	if (ret != 0) {
		a->st.pool_exhausted++;
		return ret;
	}
	memset(&s, 0, sizeof(s));
	s.ue_ipv4 = c->ue_ipv4;
	s.gnb_ipv4 = c->gnb_ipv4;
	s.dl_teid = c->dl_teid;
	s.qfi = a->p.qfi;
	s.flags = a->p.has_qfi ? GG_SESSION_F_QFI : 0;
	s.state = GG_SESSION_LIMITED;
	for (tries = 0; tries < 16; tries++) {
		if (getrandom(&teid, sizeof(teid), 0) != sizeof(teid))
			break;
		if (teid == 0)
			continue;
		s.ul_teid = teid;
		ret = gg_session_add(a->d.sessions, &s);
		if (ret >= 0) {
			c->ul_teid = teid;
			return 0;
		}
		if (ret != -EEXIST)
			break;
	}
	gg_ip_pool_release(a->pool, c->ue_ipv4);
	c->ue_ipv4 = 0;
	return ret < 0 ? ret : -EIO;
}

static void
record_of(const struct gg_ausf *a, const struct ctx *c, const char *cert_pem,
		enum gg_device_state st, struct gg_device_record *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->identity, sizeof(r->identity), "%s", c->identity);
	r->state = st;
	if (cert_pem != NULL)
		snprintf(r->cert_pem, sizeof(r->cert_pem), "%s", cert_pem);
	snprintf(r->cert_url, sizeof(r->cert_url), "%s", c->cert_url);
	r->ue_ipv4 = c->ue_ipv4;
	r->ul_teid = c->ul_teid;
	r->dl_teid = c->dl_teid;
	r->gnb_ipv4 = c->gnb_ipv4;
	r->qfi = a->p.qfi;
	r->has_qfi = a->p.has_qfi;
	snprintf(r->auth_ctx_id, sizeof(r->auth_ctx_id), "%s", c->id);
	snprintf(r->notify_uri, sizeof(r->notify_uri), "%s", c->notify_uri);
	snprintf(r->supi, sizeof(r->supi), "%s", c->supi);
	r->created_ms = c->created_ms;
}

/*
 * The device's stored record, read before its new one is written: a
 * device that signed up (provisioned, full) or was blocked keeps that
 * state and its SUPI when it authenticates again, so a re-authentication
 * neither loses a sign-up nor lifts a block. A sign-up landing between
 * this read and the put is overwritten (one round trip wide; the portal
 * then sees a "limited" device and the user signs up again).
 */
static void
confirm_got(struct gg_store *s, enum gg_store_status st,
		const struct gg_device_record *have, void *arg)
{
	struct ctx *c = arg;
	struct gg_sbi_request *req = c->req;
	struct gg_ausf *a = c->a;
	struct gg_device_record *rec;

	c->dev_state = GG_DEVICE_LIMITED;
	if (st == GG_STORE_OK && (have->state == GG_DEVICE_PROVISIONED ||
			have->state == GG_DEVICE_FULL ||
			have->state == GG_DEVICE_BLOCKED)) {
		c->dev_state = have->state;
		snprintf(c->supi, sizeof(c->supi), "%s", have->supi);
	}
	rec = st == GG_STORE_OK || st == GG_STORE_NOT_FOUND ?
			malloc(sizeof(*rec)) : NULL;
	if (rec == NULL) {
		c->req = NULL;
		a->st.store_unavailable++;
		ctx_drop_session(a, c);
		gg_sbi_problem(req, 503, "STORE_UNAVAILABLE",
				st == GG_STORE_OK || st == GG_STORE_NOT_FOUND ?
				"out of memory" : gg_store_strerror(st), NULL);
		ctx_free(a, c, true);
		return;
	}
	record_of(a, c, gg_auth_cert_pem(c->cert), c->dev_state, rec);
	if (gg_store_put(s, rec, store_put_done, c) != 0) {
		c->req = NULL;
		ctx_drop_session(a, c);
		gg_sbi_problem(req, 503, "STORE_UNAVAILABLE",
				"the subscription store refused the write", NULL);
		ctx_free(a, c, true);
	}
	free(rec);
}

static void
handle_confirm(struct gg_ausf *a, struct gg_sbi_request *req, struct ctx *c)
{
	uint8_t tbs[GG_AUTH_TBS_MAX], sig[GG_AUTH_SIG_MAX];
	const char *sig_text = NULL;
	json_t *body, *inv;
	char err[256];
	ssize_t sig_len;
	size_t tbs_len;
	int status, missing;

	if (c->state != CTX_CHALLENGED) {
		a->st.rejected_request++;
		gg_sbi_problem(req, 404, "CONTEXT_NOT_FOUND",
				"no challenge pending for this context", NULL);
		return;
	}
	if (gg_evloop_now_ms() >= c->expires_ms) {
		a->st.expired++;
		/* The sweep frees unanswered ones later without counting again. */
		gg_sbi_problem(req, 410, "CHALLENGE_EXPIRED",
				"the challenge expired; authenticate again", NULL);
		ctx_free(a, c, true);
		return;
	}
	body = gg_sbi_parse_json_body(req, &status, err, sizeof(err));
	if (body == NULL) {
		a->st.rejected_request++;
		gg_sbi_problem(req, status, "INVALID_MSG_FORMAT", err, NULL);
		return;
	}
	inv = json_array();
	missing = gg_sbi_json_get_string(body, NULL, "signature", 1, SIG_B64_MAX,
			&sig_text, inv) == -2;
	sig_len = sig_text != NULL ? gg_auth_b64url_decode(sig_text, sig, sizeof(sig)) : -1;
	if (sig_text != NULL && sig_len <= 0)
		gg_sbi_invalid_param(inv, "/signature", "not base64url");
	if (json_array_size(inv) != 0) {
		/* A malformed body does not use the challenge up. */
		a->st.rejected_request++;
		gg_sbi_problem(req, 400, missing ? "MANDATORY_IE_MISSING" :
				"MANDATORY_IE_INCORRECT", "invalid signature field", inv);
		json_decref(body);
		return;
	}
	json_decref(inv);
	json_decref(body);

	tbs_len = gg_auth_tbs(tbs, sizeof(tbs), c->challenge, sizeof(c->challenge),
			c->snn, c->identity);
	if (tbs_len == 0 || gg_auth_verify_signature(c->cert, tbs, tbs_len, sig,
			(size_t)sig_len) != GG_AUTH_OK) {
		a->st.failed_signature++;
		gg_sbi_respond_json(req, 200, json_pack("{s:s, s:s}", "authResult",
				"AUTHENTICATION_FAILURE", "supi", c->identity), NULL);
		ctx_free(a, c, true);
		return;
	}
	if (!gg_store_is_up(a->d.store)) {
		a->st.store_unavailable++;
		gg_sbi_problem(req, 503, "STORE_UNAVAILABLE",
				"the subscription store is unreachable", NULL);
		ctx_free(a, c, true);
		return;
	}
	if (install_session(a, c) != 0) {
		gg_sbi_problem(req, 503, "INSUFFICIENT_RESOURCES",
				gg_ip_pool_used(a->pool) == gg_ip_pool_size(a->pool) ?
				"no UE address left in the pool" : "no session slot left",
				NULL);
		ctx_free(a, c, true);
		return;
	}
	c->created_ms = wall_ms();
	c->replaces = ctx_by_identity(&a->ctx, c->identity);
	if (c->replaces != NULL && c->replaces->state != CTX_AUTHENTICATED)
		c->replaces = NULL; /* a detach of it is under way */
	c->state = CTX_CONFIRMING;
	c->req = req;
	if (gg_store_get(a->d.store, c->identity, confirm_got, c) != 0) {
		c->req = NULL;
		ctx_drop_session(a, c);
		gg_sbi_problem(req, 503, "STORE_UNAVAILABLE",
				"the subscription store refused the read", NULL);
		ctx_free(a, c, true);
	}
}

/* ---- GET and DELETE ---------------------------------------------------- */

static void
handle_get(struct gg_ausf *a, struct gg_sbi_request *req, struct ctx *c)
{
	json_t *res = json_pack("{s:s, s:s}", "supiOrSuci", c->identity, "state",
			c->state == CTX_AUTHENTICATED ? "AUTHENTICATED" :
			c->state == CTX_CHALLENGED ? "CHALLENGED" : "PENDING");

	if (c->state == CTX_AUTHENTICATED)
		json_object_set_new(res, "pduSession", pdu_session_json(a, c));
	gg_sbi_respond_json(req, 200, res, NULL);
}

static void
store_del_done(struct gg_store *s, enum gg_store_status st, void *arg)
{
	struct ctx *c = arg;
	struct gg_sbi_request *req = c->req;
	struct gg_ausf *a = c->a;

	(void)s;
	c->req = NULL;
	if (st != GG_STORE_OK && st != GG_STORE_NOT_FOUND) {
		c->state = CTX_AUTHENTICATED;
		a->st.store_unavailable++;
		gg_sbi_problem(req, 503, "STORE_UNAVAILABLE", gg_store_strerror(st), NULL);
		return;
	}
	ctx_drop_session(a, c);
	ctx_free(a, c, true);
	a->st.detached++;
	gg_sbi_respond(req, 204, NULL, NULL, NULL, 0);
}

static void
handle_delete(struct gg_ausf *a, struct gg_sbi_request *req, struct ctx *c)
{
	if (c->state != CTX_AUTHENTICATED) {
		if (c->state == CTX_CHALLENGED) {
			ctx_free(a, c, true);
			gg_sbi_respond(req, 204, NULL, NULL, NULL, 0);
		} else {
			gg_sbi_problem(req, 409, "OPERATION_IN_PROGRESS",
					"the context is busy; retry", NULL);
		}
		return;
	}
	c->state = CTX_DETACHING;
	c->req = req;
	if (gg_store_del(a->d.store, c->identity, store_del_done, c) != 0) {
		c->req = NULL;
		c->state = CTX_AUTHENTICATED;
		a->st.store_unavailable++;
		gg_sbi_problem(req, 503, "STORE_UNAVAILABLE",
				"the subscription store is unreachable", NULL);
	}
}

/* ---- routing ----------------------------------------------------------- */

void
gg_ausf_handle(struct gg_sbi_request *req, void *arg)
{
	struct gg_ausf *a = arg;
	const char *method = gg_sbi_request_method(req);
	const char *path = gg_sbi_request_path(req);
	size_t root = strlen(GG_AUSF_ROOT);
	char id[CTX_ID_LEN + 1];
	const char *rest, *slash;
	struct ctx *c;

	if (strncmp(path, GG_AUSF_ROOT, root) != 0 ||
			(path[root] != '\0' && path[root] != '/')) {
		a->st.rejected_request++;
		gg_sbi_problem(req, 404, "RESOURCE_URI_STRUCTURE_NOT_FOUND",
				"no such resource", NULL);
		return;
	}
	if (path[root] == '\0' || strcmp(path + root, "/") == 0) {
		if (strcmp(method, "POST") == 0) {
			handle_create(a, req);
			return;
		}
		a->st.rejected_request++;
		gg_sbi_method_not_allowed(req, "POST");
		return;
	}
	rest = path + root + 1;
	slash = strchr(rest, '/');
	if ((slash != NULL ? (size_t)(slash - rest) : strlen(rest)) != CTX_ID_LEN) {
		c = NULL;
	} else {
		memcpy(id, rest, CTX_ID_LEN);
		id[CTX_ID_LEN] = '\0';
		c = ctx_by_id(&a->ctx, id);
	}
	if (c == NULL || (slash != NULL && strcmp(slash, "/one-way-confirmation") != 0 &&
			strcmp(slash, "/profile") != 0)) {
		a->st.rejected_request++;
		gg_sbi_problem(req, 404, "CONTEXT_NOT_FOUND",
				"no such authentication context", NULL);
		return;
	}
	if (slash != NULL && strcmp(slash, "/profile") == 0) {
		if (strcmp(method, "GET") == 0) {
			handle_profile_get(a, req, c);
		} else {
			a->st.rejected_request++;
			gg_sbi_method_not_allowed(req, "GET");
		}
		return;
	}
	if (slash != NULL && strcmp(method, "PUT") == 0)
		handle_confirm(a, req, c);
	else if (slash == NULL && strcmp(method, "GET") == 0)
		handle_get(a, req, c);
	else if (slash == NULL && strcmp(method, "DELETE") == 0)
		handle_delete(a, req, c);
	else {
		a->st.rejected_request++;
		gg_sbi_method_not_allowed(req,
				slash != NULL ? "PUT" : "GET, DELETE");
	}
}

/* ---- store: restore and events ----------------------------------------- */

static void
restore_one(struct gg_store *s, enum gg_store_status st,
		const struct gg_device_record *r, void *arg)
{
	struct gg_ausf *a = arg;
	struct gg_session sess;
	struct ctx *c;
	int ret;

	(void)s;
	if (st != GG_STORE_OK || r == NULL)
		return;
	if (r->state == GG_DEVICE_DETACHED || r->ul_teid == 0 || r->ue_ipv4 == 0 ||
			strlen(r->auth_ctx_id) != CTX_ID_LEN ||
			ctx_by_identity(&a->ctx, r->identity) != NULL)
		return;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return;
	c->a = a;
	memcpy(c->id, r->auth_ctx_id, CTX_ID_LEN);
	snprintf(c->identity, sizeof(c->identity), "%s", r->identity);
	snprintf(c->cert_url, sizeof(c->cert_url), "%s", r->cert_url);
	c->gnb_ipv4 = r->gnb_ipv4;
	c->dl_teid = r->dl_teid;
	c->created_ms = r->created_ms;
	snprintf(c->notify_uri, sizeof(c->notify_uri), "%s", r->notify_uri);
	snprintf(c->supi, sizeof(c->supi), "%s", r->supi);
	c->dev_state = r->state;
	memset(&sess, 0, sizeof(sess));
	sess.ul_teid = r->ul_teid;
	sess.ue_ipv4 = r->ue_ipv4;
	sess.gnb_ipv4 = r->gnb_ipv4;
	sess.dl_teid = r->dl_teid;
	sess.qfi = r->qfi;
	sess.flags = r->has_qfi ? GG_SESSION_F_QFI : 0;
	/* "provisioned": the profile is not delivered yet, still LIMITED. */
	sess.state = r->state == GG_DEVICE_FULL ? GG_SESSION_FULL :
			r->state == GG_DEVICE_BLOCKED ? GG_SESSION_BLOCKED :
			GG_SESSION_LIMITED;
	ret = gg_ip_pool_contains(a->pool, r->ue_ipv4) ?
			gg_ip_pool_reserve(a->pool, r->ue_ipv4) : 0;
	if (ret == 0 && (ret = gg_session_add(a->d.sessions, &sess)) >= 0) {
		c->ue_ipv4 = r->ue_ipv4;
		c->ul_teid = r->ul_teid;
		c->state = CTX_AUTHENTICATED;
		ctx_table_add(&a->ctx, c);
		a->st.restored++;
		/* The record is the pending push: re-queue it. */
		if (c->dev_state == GG_DEVICE_PROVISIONED)
			push_start(a, c);
		return;
	}
	if (ret != -EEXIST && gg_ip_pool_contains(a->pool, r->ue_ipv4))
		gg_ip_pool_release(a->pool, r->ue_ipv4);
	a->st.restore_failed++;
	LOG(WARNING, "cannot restore %s (TEID 0x%08x): %s\n", r->identity,
			r->ul_teid, strerror(ret < 0 ? -ret : EIO));
	free(c);
}

static void
restore_done(struct gg_store *s, enum gg_store_status st, uint64_t n, void *arg)
{
	struct gg_ausf *a = arg;

	(void)s;
	if (st != GG_STORE_OK) {
		/* Try again at the next "up". */
		a->restore_started = false;
		LOG(WARNING, "restoring sessions from the store failed: %s\n",
				gg_store_strerror(st));
		return;
	}
	a->restored = true;
	LOG(INFO, "%" PRIu64 " stored device(s), %" PRIu64 " session(s) restored\n",
			n, a->st.restored);
}

static void
store_event(struct gg_store *s, const struct gg_store_event *ev, void *arg)
{
	struct gg_ausf *a = arg;
	enum gg_session_state st;
	struct ctx *c;

	(void)s;
	if (ev == NULL || ev->identity == NULL)
		return;
	c = ctx_by_identity(&a->ctx, ev->identity);
	if (c == NULL || c->state != CTX_AUTHENTICATED)
		return;
	if (ev->state == GG_DEVICE_PROVISIONED) {
		/* The push re-reads the record: the event only says "look". */
		c->dev_state = GG_DEVICE_PROVISIONED;
		push_start(a, c);
		return;
	}
	if (ev->state != GG_DEVICE_DETACHED) {
		c->dev_state = ev->state;
		push_cancel(a, c);
	}
	switch (ev->state) {
	case GG_DEVICE_FULL:
		st = GG_SESSION_FULL;
		break;
	case GG_DEVICE_LIMITED:
		st = GG_SESSION_LIMITED;
		break;
	case GG_DEVICE_BLOCKED:
		st = GG_SESSION_BLOCKED;
		break;
	default:
		return;
	}
	if (gg_session_set_state(a->d.sessions, c->ul_teid, st) == 0)
		a->st.state_events++;
}

/*
 * After an outage the store may have come back empty (a Redis without
 * persistence): every device we hold that it no longer knows is written
 * back, without its certificate (which is not kept in memory), so that a
 * later restart still restores the session.
 */
struct resync {
	struct gg_ausf *a;
	char identity[GG_STORE_IDENTITY_MAX + 1];
};

static void
resync_put_done(struct gg_store *s, enum gg_store_status st, void *arg)
{
	struct resync *r = arg;

	(void)s;
	if (st == GG_STORE_OK)
		r->a->st.resynced++;
	free(r);
}

static void
resync_got(struct gg_store *s, enum gg_store_status st,
		const struct gg_device_record *have, void *arg)
{
	struct resync *r = arg;
	struct gg_device_record *rec;
	const struct gg_session *sess;
	struct ctx *c;

	(void)have;
	c = ctx_by_identity(&r->a->ctx, r->identity);
	if (st != GG_STORE_NOT_FOUND || c == NULL || c->state != CTX_AUTHENTICATED ||
			(rec = malloc(sizeof(*rec))) == NULL) {
		free(r);
		return;
	}
	sess = gg_session_find(r->a->d.sessions, c->ul_teid);
	record_of(r->a, c, NULL, c->dev_state == GG_DEVICE_PROVISIONED ?
			GG_DEVICE_PROVISIONED : sess == NULL ? GG_DEVICE_LIMITED :
			gg_session_state(sess) == GG_SESSION_FULL ? GG_DEVICE_FULL :
			gg_session_state(sess) == GG_SESSION_BLOCKED ?
			GG_DEVICE_BLOCKED : GG_DEVICE_LIMITED, rec);
	if (gg_store_put(s, rec, resync_put_done, r) != 0)
		free(r);
	free(rec);
}

static void
resync(struct gg_ausf *a, struct gg_store *s)
{
	struct ctx *c;

	for (c = a->ctx.all; c != NULL; c = c->next) {
		struct resync *r;

		if (c->state != CTX_AUTHENTICATED || (r = calloc(1, sizeof(*r))) == NULL)
			continue;
		r->a = a;
		snprintf(r->identity, sizeof(r->identity), "%s", c->identity);
		if (gg_store_get(s, c->identity, resync_got, r) != 0)
			free(r);
	}
}

void
gg_ausf_store_state(struct gg_store *s, bool up, const char *reason, void *arg)
{
	struct gg_ausf *a = arg;

	if ((int)up == a->store_state)
		return;
	a->store_state = up;
	if (!up) {
		LOG(WARNING, "store down (%s): new authentications get 503, "
				"the data plane keeps forwarding\n",
				reason != NULL ? reason : "?");
		return;
	}
	LOG(INFO, "store up\n");
	if (!a->restore_started) {
		a->restore_started = true;
		if (gg_store_list_all(s, restore_one, restore_done, a) != 0)
			a->restore_started = false;
	} else if (a->restored) {
		resync(a, s);
	}
}

void
gg_ausf_set_store(struct gg_ausf *a, struct gg_store *s)
{
	a->d.store = s;
	gg_store_subscribe(s, store_event, a);
}

/* ---- life -------------------------------------------------------------- */

/* Drop challenges nobody answered, so abandoned attempts cost nothing. */
static uint64_t
sweep(struct gg_evloop *loop, void *arg)
{
	struct gg_ausf *a = arg;
	uint64_t now = gg_evloop_now_ms();
	struct ctx *c, *next;

	(void)loop;
	for (c = a->ctx.all; c != NULL; c = next) {
		next = c->next;
		if (c->state == CTX_CHALLENGED && now >= c->expires_ms + EXPIRED_KEEP_MS) {
			ctx_free(a, c, true);
		}
	}
	return SWEEP_MS;
}

struct gg_ausf *
gg_ausf_create(const struct gg_ausf_params *p, const struct gg_ausf_deps *d)
{
	struct gg_auth_ratelimit_params rp = { 0 };
	struct gg_ausf *a;

	if (p == NULL || d == NULL || d->loop == NULL || d->fetch == NULL ||
			d->trust == NULL || d->sessions == NULL) {
		errno = EINVAL;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->p = *p;
	a->d = *d;
	a->store_state = -1;
#define DEFAULT(f, v) do { if (a->p.f == 0) a->p.f = (v); } while (0)
	DEFAULT(challenge_ttl_ms, 30000);
	DEFAULT(max_contexts, 65536);
	DEFAULT(device_burst, 5);
	DEFAULT(device_refill_ms, 6000);
	DEFAULT(client_burst, 100);
	DEFAULT(client_refill_ms, 100);
#undef DEFAULT
	a->pool = gg_ip_pool_create(p->ue_pool_ipv4, p->ue_pool_len);
	rp.capacity = 4096;
	rp.burst = a->p.device_burst;
	rp.refill_ms = a->p.device_refill_ms;
	a->rl_device = gg_auth_ratelimit_create(&rp);
	rp.burst = a->p.client_burst;
	rp.refill_ms = a->p.client_refill_ms;
	a->rl_client = gg_auth_ratelimit_create(&rp);
	if (a->pool == NULL || a->rl_device == NULL || a->rl_client == NULL ||
			ctx_table_init(&a->ctx, a->p.max_contexts) != 0) {
		gg_ausf_free(a);
		errno = ENOMEM;
		return NULL;
	}
	if (push_init(a) != 0) {
		int e = errno;

		gg_ausf_free(a);
		errno = e;
		return NULL;
	}
	a->sweep_timer = gg_evloop_timer(d->loop, SWEEP_MS, sweep, a);
	return a;
}

void
gg_ausf_free(struct gg_ausf *a)
{
	struct ctx *c, *next;

	if (a == NULL)
		return;
	if (a->sweep_timer > 0)
		gg_evloop_timer_cancel(a->d.loop, a->sweep_timer);
	for (c = a->ctx.all; c != NULL; c = next) {
		next = c->next;
		if (c->req != NULL)
			gg_sbi_problem(c->req, 503, "SYSTEM_FAILURE", "shutting down", NULL);
		ctx_free(a, c, true);
	}
	push_fini(a);
	ctx_table_fini(&a->ctx);
	gg_auth_ratelimit_free(a->rl_device);
	gg_auth_ratelimit_free(a->rl_client);
	gg_ip_pool_free(a->pool);
	free(a);
}

int
gg_ausf_reserve_address(struct gg_ausf *a, uint32_t ue_ipv4)
{
	return gg_ip_pool_contains(a->pool, ue_ipv4) ?
			gg_ip_pool_reserve(a->pool, ue_ipv4) : 0;
}

bool
gg_ausf_restored(const struct gg_ausf *a)
{
	return a->restored;
}

void
gg_ausf_get_stats(const struct gg_ausf *a, struct gg_ausf_stats *st)
{
	*st = a->st;
}
