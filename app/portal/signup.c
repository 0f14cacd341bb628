/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sign-up form ("/signup"): GET shows it with a fresh CSRF token;
 * POST checks, in this order, and answers the first problem found:
 *   body over portal.max_form_bytes        413 (before it is even read)
 *   not x-www-form-urlencoded              415
 *   not decodable                          400
 *   client address holds no device         403 "not recognised"
 *   CSRF token missing, forged, expired    403 (logged with the reason)
 *   device signed up already               409 result page "already"
 *   device in another state                403
 *   device has no certificate              409 (no profile can be sealed)
 *   a field invalid                        400, the form again with a
 *                                          message at each field
 * then hands over to provision_start(). Nothing is written before that.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "portal.h"

#define FORM_URLENCODED "application/x-www-form-urlencoded"

static const char *
field_value(const struct gg_portal_form *form, const char *name)
{
	const char *v = form != NULL ? gg_portal_form_get(form, name) : NULL;

	return v != NULL ? v : "";
}

void
signup_render_form(struct portal_req *r, unsigned int status,
		const struct gg_portal_form *form,
		const struct gg_portal_signup_errors *errs, const char *plan)
{
	static const struct gg_portal_signup_errors none;
	struct gg_portal_buf options = { 0 }, summary = { 0 };
	char token[GG_PORTAL_CSRF_TOKEN_LEN + 1];
	unsigned int i;

	if (errs == NULL)
		errs = &none;
	if (gg_portal_csrf_make(r->p->cfg.csrf_secret, r->p->cfg.csrf_secret_len,
			r->client, r->rec->identity, (uint64_t)time(NULL), token) < 0) {
		portal_reply_store_down(r);
		return;
	}
	plans_render(r, T_PLAN_OPTION, plan, errs->msg[GG_PORTAL_F_PLAN] != NULL,
		&options);
	/* The error summary links each message to its field (WCAG 3.3.1). */
	for (i = 0; i < GG_PORTAL_F_MAX; i++) {
		if (errs->msg[i] == NULL)
			continue;
		gg_portal_buf_addf(&summary, "<li><a href=\"#%s\">",
			gg_portal_signup_field_name(i));
		gg_portal_buf_add_html(&summary, errs->msg[i]);
		gg_portal_buf_adds(&summary, "</a></li>");
	}
	{
		const struct gg_portal_var v[] = {
			{ "csrf", token },
			{ "identity", r->rec->identity },
			{ "options", options.data != NULL ? options.data : "" },
			{ "errors", summary.data != NULL ? summary.data : "" },
			{ "name", field_value(form, "name") },
			{ "email", field_value(form, "email") },
			{ "terms_checked", strcmp(field_value(form, "terms"), "yes") == 0 ?
				"1" : "" },
			{ "err_plan", errs->msg[GG_PORTAL_F_PLAN] },
			{ "err_name", errs->msg[GG_PORTAL_F_NAME] },
			{ "err_email", errs->msg[GG_PORTAL_F_EMAIL] },
			{ "err_terms", errs->msg[GG_PORTAL_F_TERMS] },
		};

		portal_reply_page(r, status, errs->n != 0 ?
			"Sign up (please correct the form)" : "Sign up", T_SIGNUP, v,
			PORTAL_DIM(v));
	}
	gg_portal_buf_free(&options);
	gg_portal_buf_free(&summary);
}

/* The record decides whether a sign-up is possible at all; 0 if so. */
static int
signup_check_state(struct portal_req *r)
{
	if (portal_reply_no_record(r))
		return -1;
	switch (r->rec->state) {
	case GG_DEVICE_LIMITED:
		return 0;
	case GG_DEVICE_PROVISIONED:
	case GG_DEVICE_FULL:
		return 1;
	default:
		portal_reply_message(r, MHD_HTTP_FORBIDDEN, "Sign-up not possible",
			"This device is not in the walled garden (its state is not "
			"\"limited\"), so it cannot sign up here. Contact customer care.",
			"/", "Start page");
		return -1;
	}
}

void
page_signup_form(struct portal_req *r)
{
	const char *plan;
	int ret = signup_check_state(r);

	if (ret < 0)
		return;
	if (ret > 0) {
		portal_reply_redirect(r, MHD_HTTP_SEE_OTHER, "/result");
		return;
	}
	plan = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "plan");
	signup_render_form(r, MHD_HTTP_OK, NULL, NULL, plan);
}

void
page_signup_submit(struct portal_req *r)
{
	struct gg_portal_signup_errors errs;
	enum gg_portal_csrf_status cs;
	struct gg_portal_form form;
	const char *ctype;
	char err[160];
	int ret;

	ctype = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_CONTENT_TYPE);
	if (ctype == NULL || strncasecmp(ctype, FORM_URLENCODED,
			strlen(FORM_URLENCODED)) != 0 ||
			(ctype[strlen(FORM_URLENCODED)] != '\0' &&
			ctype[strlen(FORM_URLENCODED)] != ';')) {
		portal_reply_message(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
			"Form not understood",
			"The sign-up form must be sent as a web form "
			"(application/x-www-form-urlencoded).", "/signup",
			"Back to the sign-up form");
		return;
	}
	if (gg_portal_form_parse(r->body.data != NULL ? r->body.data : "",
			r->body.len, r->p->cfg.max_form_bytes, &form, err,
			sizeof(err)) < 0) {
		portal_reply_message(r, MHD_HTTP_BAD_REQUEST, "Form not understood",
			err, "/signup", "Back to the sign-up form");
		return;
	}
	if (r->rec_status == GG_STORE_NOT_FOUND) {
		portal_log(PLOG_NOTICE, "sign-up from %s: no device holds this address\n",
			r->client);
		portal_reply_unknown(r);
		goto out;
	}
	if (r->rec_status != GG_STORE_OK) {
		portal_reply_store_down(r);
		goto out;
	}
	cs = gg_portal_csrf_check(r->p->cfg.csrf_secret, r->p->cfg.csrf_secret_len,
		r->client, r->rec->identity, gg_portal_form_get(&form, "csrf"),
		(uint64_t)time(NULL), r->p->cfg.csrf_lifetime_s);
	if (cs != GG_PORTAL_CSRF_OK) {
		portal_log(PLOG_WARNING, "sign-up from %s for %s refused: CSRF token %s\n",
			r->client, r->rec->identity, gg_portal_csrf_strerror(cs));
		portal_reply_message(r, MHD_HTTP_FORBIDDEN, "Form expired or not ours",
			cs == GG_PORTAL_CSRF_EXPIRED ?
			"This form is too old. Nothing was saved; please fill in the "
			"sign-up form again." :
			"This form did not come from this portal for this device, so it "
			"was refused. Nothing was saved; please use the sign-up form.",
			"/signup", "Open the sign-up form");
		goto out;
	}
	ret = signup_check_state(r);
	if (ret < 0)
		goto out;
	if (ret > 0) {
		portal_log(PLOG_NOTICE, "sign-up from %s for %s: signed up already\n",
			r->client, r->rec->identity);
		result_already(r);
		goto out;
	}
	if (r->rec->cert_pem[0] == '\0') {
		portal_reply_message(r, MHD_HTTP_CONFLICT, "Sign-up not possible",
			"The network holds no certificate for this device, so no "
			"subscription can be sent to it. Reconnect the device and try again.",
			"/", "Start page");
		goto out;
	}
	if (gg_portal_signup_validate(&form, r->p->plans, r->p->n_plans, &r->signup,
			&errs) != 0) {
		signup_render_form(r, MHD_HTTP_BAD_REQUEST, &form, &errs,
			gg_portal_form_get(&form, "plan"));
		goto out;
	}
	provision_start(r);
out:
	gg_portal_form_free(&form);
}
