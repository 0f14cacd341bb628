/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PUT .../{authCtxId}/one-way-confirmation: verify the signature (the
 * challenge is used up either way), install a LIMITED session, read the
 * device's stored record, write the new one (asynchronously), answer 200.
 * A session is installed before its record is written and removed if the
 * write fails; a device that authenticates again replaces its older
 * session once the new record is stored.
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

#define SIG_B64_MAX ((GG_AUTH_SIG_MAX * 4 + 2) / 3)

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

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
	vcert_put(c->vc);
	c->vc = NULL;
	c->cert = NULL;
	c->state = CTX_AUTHENTICATED;
	ctx_table_index_identity(&a->ctx, c);
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

void
handle_confirm(struct gg_ausf *a, struct gg_sbi_request *req, struct ctx *c)
{
	uint8_t tbs[GG_AUTH_TBS_MAX], sig[GG_AUTH_SIG_MAX];
	const char *sig_text = NULL;
	json_t *body, *inv;
	char err[256];
	ssize_t sig_len;
	size_t tbs_len;
	int status, missing;

	if (c->state == CTX_EXPIRED) {
		/* Counted when it expired. */
		gg_sbi_problem(req, 410, "CHALLENGE_EXPIRED",
				"the challenge expired; authenticate again", NULL);
		ctx_free(a, c, true);
		return;
	}
	if (c->state != CTX_CHALLENGED) {
		a->st.rejected_request++;
		gg_sbi_problem(req, 404, "CONTEXT_NOT_FOUND",
				"no challenge pending for this context", NULL);
		return;
	}
	if (gg_evloop_now_ms() >= c->expires_ms) {
		a->st.expired++;
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
	/* The challenge is used up from here, whatever the outcome. */
	ctx_pending_release(a, c);

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
