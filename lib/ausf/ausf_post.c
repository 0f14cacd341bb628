/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * POST .../ue-authentications (the collection): validate the request,
 * rate-limit, fetch the device certificate (asynchronously), verify it and
 * answer 201 with a challenge.
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

#define SNN_MAX 128


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
	struct gg_auth_cert *cert = NULL;
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
	/* The same octets from the same URL verified for this identity
	 * before: no chain verification (ausf_vcache.c). */
	c->vc = vcache_get(a->vcache, c->cert_url, body, len, c->identity,
			time(NULL));
	vst = GG_AUTH_OK;
	if (c->vc != NULL) {
		a->st.cert_reused++;
	} else {
		vst = gg_auth_cert_verify(a->d.trust, body, len, c->identity,
				time(NULL), &cert);
		if (vst == GG_AUTH_OK &&
				(c->vc = vcache_add(a->vcache, c->cert_url, body, len,
					c->identity, cert, time(NULL))) == NULL)
			vst = GG_AUTH_INTERNAL;
	}
	if (c->vc != NULL)
		c->cert = vcert_cert(c->vc);
	if (vst != GG_AUTH_OK) {
		a->st.rejected_cert++;
		snprintf(detail, sizeof(detail), "certificate rejected: %s",
				gg_auth_status_name(vst));
		gg_sbi_problem(req, 403, "CERTIFICATE_REJECTED", detail, NULL);
		ctx_free(a, c, true);
		return;
	}
	/* Only now, verified, may it be cached: an answer that does not
	 * verify never evicts a good certificate. */
	(void)gg_fetch_cache_put(a->d.fetch, c->cert_url, body, len);
	if (gg_auth_challenge(c->challenge, sizeof(c->challenge)) != 0) {
		gg_sbi_problem(req, 500, "SYSTEM_FAILURE", "no randomness", NULL);
		ctx_free(a, c, true);
		return;
	}
	gg_auth_b64url_encode(c->challenge, sizeof(c->challenge), chal, sizeof(chal));
	c->expires_ms = gg_evloop_now_ms() + a->p.challenge_ttl_ms;
	ctx_challenged(a, c);
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

void
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
				"out of memory", NULL);
		json_decref(body);
		return;
	}
	snprintf(c->identity, sizeof(c->identity), "%s", identity);
	snprintf(c->peer, sizeof(c->peer), "%s", gg_sbi_request_peer(req));
	snprintf(c->client, sizeof(c->client), "%s", gg_sbi_request_client(req));
	/* Pending challenges have slots of their own, apart from the
	 * sessions, and no client address or identity holds too many: a
	 * flood of unanswered POSTs fills its own quota, not the table. */
	ret = ctx_pending_take(a, c);
	if (ret != 0) {
		if (ret == -ENOSPC) {
			a->st.refused_capacity++;
			gg_sbi_problem(req, 503, "INSUFFICIENT_RESOURCES",
					"too many authentications in progress", NULL);
		} else {
			a->st.refused_quota++;
			gg_sbi_problem(req, 429, "TOO_MANY_PENDING",
					"too many unconfirmed challenges for this client or device; "
					"confirm or wait for them to expire", NULL);
		}
		ctx_free(a, c, false);
		json_decref(body);
		return;
	}
	snprintf(c->snn, sizeof(c->snn), "%s", snn);
	c->cert_url = strdup(url);
	c->notify_uri = notify != NULL ? strdup(notify_canon) : NULL;
	if (c->cert_url == NULL || (notify != NULL && c->notify_uri == NULL)) {
		gg_sbi_problem(req, 503, "INSUFFICIENT_RESOURCES", "out of memory",
				NULL);
		ctx_free(a, c, false);
		json_decref(body);
		return;
	}
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
