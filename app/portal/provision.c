/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sign-up itself, once the form is valid and the device LIMITED:
 *  1. MSIN from the store's sequence "msin:<mcc><mnc>" (atomic across
 *     portals; a number taken by a sign-up that fails later is not reused);
 *  2. K from RAND_priv_bytes, OPc from K and the operator's OP (Milenage);
 *  3. the profile document (lib/profile), signed with the provisioning key
 *     and encrypted to the device certificate of the record just read;
 *  4. gg_store_provision(): subscription, profile, state "provisioned" and
 *     the event in one step, only if the device is still LIMITED and the
 *     SUPI free (CONFLICT otherwise: nothing written, "already signed up").
 * Then 303 to /result. K and OPc live in this function's buffers and the
 * subscription only as long as needed, and are wiped; they are never
 * logged nor shown (the result page shows the SUPI).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "gg_hex.h"
#include "gg_milenage.h"
#include "gg_profile.h"
#include "portal.h"

static void
provision_failed(struct portal_req *r, const char *why)
{
	portal_log(PLOG_ERR, "sign-up of %s: %s\n", r->rec->identity, why);
	portal_reply_message(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "Sign-up failed",
		"Your subscription could not be made. Nothing was saved and "
		"nothing was charged; please try again later.", "/", "Start page");
}

static void
provisioned_cb(struct gg_store *s, enum gg_store_status st, void *arg)
{
	struct portal_req *r = arg;

	switch (st) {
	case GG_STORE_OK:
		r->p->n_signups++;
		portal_log(PLOG_NOTICE, "signed up %s from %s: plan %s\n",
			r->rec->identity, r->client, r->signup.plan->id);
		portal_reply_redirect(r, MHD_HTTP_SEE_OTHER, "/result");
		break;
	case GG_STORE_CONFLICT:
		/* Another portal, or a second tab, got there first. */
		portal_log(PLOG_NOTICE, "sign-up of %s: not limited any more\n",
			r->rec->identity);
		r->rec->state = GG_DEVICE_PROVISIONED;
		r->rec->supi[0] = '\0';
		result_already(r);
		break;
	case GG_STORE_NOT_FOUND:
		portal_reply_unknown(r);
		break;
	default:
		portal_log(PLOG_ERR, "sign-up of %s: store: %s\n", r->rec->identity,
			gg_store_strerror(st));
		portal_reply_store_down(r);
		break;
	}
	portal_resume(r);
}

static void
seq_cb(struct gg_store *s, enum gg_store_status st, uint64_t value, void *arg)
{
	struct portal_req *r = arg;
	const struct gg_portal_config *cfg = &r->p->cfg;
	struct gg_subscription sub;
	struct gg_profile prof;
	uint8_t *der = NULL;
	size_t der_len = 0, json_len;
	char err[256];
	char *json;
	uint64_t now;
	int ret;

	r->waiting = false;
	memset(&prof, 0, sizeof(prof));
	memset(&sub, 0, sizeof(sub));
	if (st != GG_STORE_OK) {
		portal_log(PLOG_ERR, "sign-up of %s: MSIN sequence: %s\n",
			r->rec->identity, gg_store_strerror(st));
		portal_reply_store_down(r);
		goto out;
	}
	if (gg_profile_make_supi(cfg->op.mcc, cfg->op.mnc, value, prof.supi) < 0) {
		provision_failed(r, "MSIN sequence exhausted (value does not fit)");
		goto out;
	}
	if (RAND_priv_bytes(prof.k, sizeof(prof.k)) != 1 ||
			gg_milenage_opc(prof.k, cfg->op.op, prof.opc) < 0) {
		provision_failed(r, "key generation failed");
		goto out;
	}
	memcpy(prof.amf, cfg->op.amf, sizeof(prof.amf));
	memcpy(prof.mcc, cfg->op.mcc, sizeof(prof.mcc));
	memcpy(prof.mnc, cfg->op.mnc, sizeof(prof.mnc));
	snprintf(prof.dnn, sizeof(prof.dnn), "%s", cfg->op.dnn);
	prof.sst = cfg->op.sst;
	prof.sd = cfg->op.sd;
	prof.has_sd = cfg->op.has_sd;
	snprintf(prof.plan_id, sizeof(prof.plan_id), "%s", r->signup.plan->id);
	snprintf(prof.plan_name, sizeof(prof.plan_name), "%s", r->signup.plan->name);
	now = (uint64_t)time(NULL);
	prof.valid_from_s = now;
	prof.valid_until_s = now + (uint64_t)r->signup.plan->validity_days * 86400;
	snprintf(prof.issuer, sizeof(prof.issuer), "%s", cfg->op.issuer);
	snprintf(prof.device_identity, sizeof(prof.device_identity), "%s",
		r->rec->identity);

	json = gg_profile_to_json(&prof, err, sizeof(err));
	if (json == NULL) {
		provision_failed(r, err);
		goto out;
	}
	json_len = strlen(json);
	ret = gg_profile_seal(r->p->signer, json, json_len, r->rec->cert_pem,
		cfg->op.cipher == 1 ? GG_PROFILE_AES256_CBC : GG_PROFILE_AES256_GCM,
		&der, &der_len, err, sizeof(err));
	gg_profile_json_free(json);
	if (ret < 0) {
		provision_failed(r, err);
		goto out;
	}

	snprintf(sub.identity, sizeof(sub.identity), "%s", r->rec->identity);
	memcpy(sub.supi, prof.supi, sizeof(sub.supi));
	snprintf(sub.plan, sizeof(sub.plan), "%s", r->signup.plan->id);
	gg_hex_encode(prof.k, sizeof(prof.k), sub.k_hex);
	gg_hex_encode(prof.opc, sizeof(prof.opc), sub.opc_hex);
	gg_hex_encode(prof.amf, sizeof(prof.amf), sub.amf_hex);
	ret = gg_store_provision(r->p->store, &sub, der, der_len, provisioned_cb, r);
	if (ret < 0) {
		provision_failed(r, "store refused the request");
		goto out;
	}
	r->waiting = true;
out:
	OPENSSL_cleanse(&sub, sizeof(sub));
	gg_profile_clear(&prof);
	free(der);
	if (!r->waiting)
		portal_resume(r);
}

void
provision_start(struct portal_req *r)
{
	char name[GG_STORE_SEQ_NAME_MAX + 1];
	int ret;

	snprintf(name, sizeof(name), "msin:%s%s", r->p->cfg.op.mcc, r->p->cfg.op.mnc);
	ret = gg_store_next_seq(r->p->store, name, seq_cb, r);
	if (ret < 0) {
		portal_log(PLOG_ERR, "sign-up of %s: MSIN sequence: %s\n",
			r->rec->identity, strerror(-ret));
		portal_reply_store_down(r);
		return;
	}
	r->waiting = true;
}
