/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building gg-portal's responses: the templates (loaded once from
 * portal.templates), pages inside the common layout, messages, redirects
 * and problem details, with the headers every answer carries.
 *
 * Pages depend on who asks (the client's address picks the device), so
 * none may be cached or shared: Cache-Control: no-store. The pages use
 * no script, no inline style and nothing from elsewhere, which the
 * Content-Security-Policy states.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

static const char *const tmpl_files[T_MAX] = {
	[T_LAYOUT] = "layout.html",
	[T_LANDING] = "landing.html",
	[T_UNKNOWN] = "unknown.html",
	[T_PLANS] = "plans.html",
	[T_PLAN_ITEM] = "plan_item.html",
	[T_SIGNUP] = "signup.html",
	[T_PLAN_OPTION] = "plan_option.html",
	[T_RESULT] = "result.html",
	[T_MESSAGE] = "message.html",
};

int
portal_templates_load(struct portal *p, char *err, size_t errlen)
{
	char path[2048];
	unsigned int i;

	for (i = 0; i < T_MAX; i++) {
		snprintf(path, sizeof(path), "%s/%s", p->cfg.templates, tmpl_files[i]);
		p->tmpl[i] = gg_portal_tmpl_load(path, err, errlen);
		if (p->tmpl[i] == NULL)
			return -1;
	}
	return 0;
}

void
portal_templates_free(struct portal *p)
{
	unsigned int i;

	for (i = 0; i < T_MAX; i++) {
		gg_portal_tmpl_free(p->tmpl[i]);
		p->tmpl[i] = NULL;
	}
}

static void
common_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

void
portal_reply(struct portal_req *r, unsigned int status, const char *ctype,
		char *body, size_t len)
{
	if (r->resp != NULL)
		MHD_destroy_response(r->resp);
	r->resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r->resp == NULL) {
		free(body);
		r->resp = MHD_create_response_from_buffer(0, (void *)"",
			MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		if (r->resp == NULL)
			return;
	}
	r->status = status;
	common_headers(r->resp);
	if (ctype != NULL)
		MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
}

static void
reply_oom(struct portal_req *r)
{
	static const char msg[] = "Out of memory\n";

	if (r->resp != NULL)
		MHD_destroy_response(r->resp);
	r->resp = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
		MHD_RESPMEM_PERSISTENT);
	r->status = MHD_HTTP_SERVICE_UNAVAILABLE;
	if (r->resp != NULL)
		MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_TYPE,
			"text/plain; charset=utf-8");
}

/* Answer @p status with the HTML page in @p b (taken); false when there is
 * no response to add headers to. */
static bool
reply_html(struct portal_req *r, unsigned int status, struct gg_portal_buf *b)
{
	char *body;
	size_t len;

	body = gg_portal_buf_take(b, &len);
	if (body == NULL) {
		reply_oom(r);
		return false;
	}
	portal_reply(r, status, "text/html; charset=utf-8", body, len);
	return r->resp != NULL;
}

void
portal_reply_page(struct portal_req *r, unsigned int status, const char *title,
		enum portal_tmpl_id t, const struct gg_portal_var *vars, unsigned int n)
{
	struct gg_portal_buf content = { 0 }, page = { 0 };
	struct gg_portal_var lv[4];

	gg_portal_tmpl_render(r->p->tmpl[t], vars, n, &content);
	if (content.failed) {
		gg_portal_buf_free(&content);
		reply_oom(r);
		return;
	}
	lv[0] = (struct gg_portal_var){ "title", title };
	lv[1] = (struct gg_portal_var){ "content", content.data != NULL ?
		content.data : "" };
	lv[2] = (struct gg_portal_var){ "operator", r->p->cfg.op.issuer };
	lv[3] = (struct gg_portal_var){ "client", r->client };
	gg_portal_tmpl_render(r->p->tmpl[T_LAYOUT], lv, 4, &page);
	gg_portal_buf_free(&content);
	if (!reply_html(r, status, &page))
		return;
	MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r->resp, "Content-Security-Policy",
		"default-src 'none'; style-src 'self'; form-action 'self'; "
		"frame-ancestors 'none'; base-uri 'none'");
	MHD_add_response_header(r->resp, "X-Frame-Options", "DENY");
}

void
portal_reply_message(struct portal_req *r, unsigned int status,
		const char *title, const char *text, const char *link,
		const char *link_text)
{
	char code[8];
	const struct gg_portal_var v[] = {
		{ "heading", title },
		{ "text", text },
		{ "link", link },
		{ "link_text", link_text },
		{ "status", code },
	};

	snprintf(code, sizeof(code), "%u", status);
	portal_reply_page(r, status, title, T_MESSAGE, v, PORTAL_DIM(v));
}

void
portal_reply_redirect(struct portal_req *r, unsigned int status,
		const char *location)
{
	struct gg_portal_buf b = { 0 };

	/* A tiny body for clients that show it (HTTP/1.0 habit). */
	gg_portal_buf_adds(&b, "<!DOCTYPE html><title>Sign in</title><p><a href=\"");
	gg_portal_buf_add_html(&b, location);
	gg_portal_buf_adds(&b, "\">Sign in to the network</a></p>\n");
	if (!reply_html(r, status, &b))
		return;
	MHD_add_response_header(r->resp, MHD_HTTP_HEADER_LOCATION, location);
	/* A probe's answer depends on the device's state: never cached. */
	MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

void
portal_reply_problem(struct portal_req *r, unsigned int status,
		const char *title, const char *detail)
{
	char *body = gg_portal_problem_json(status, title, detail);

	if (body == NULL) {
		reply_oom(r);
		return;
	}
	portal_reply(r, status, GG_PORTAL_PROBLEM_JSON, body, strlen(body));
	if (r->resp != NULL)
		MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CACHE_CONTROL,
			"no-store");
}

void
portal_reply_store_down(struct portal_req *r)
{
	portal_reply_message(r, MHD_HTTP_SERVICE_UNAVAILABLE,
		"Temporarily unavailable",
		"The portal cannot reach its subscriber database right now. "
		"Nothing was changed; please try again in a minute.",
		"/", "Try again");
	if (r->resp != NULL)
		MHD_add_response_header(r->resp, MHD_HTTP_HEADER_RETRY_AFTER, "30");
}

void
portal_reply_unknown(struct portal_req *r)
{
	const struct gg_portal_var v[] = {
		{ "client", r->client },
		{ "operator", r->p->cfg.op.issuer },
	};

	portal_reply_page(r, MHD_HTTP_FORBIDDEN, "Device not recognised",
		T_UNKNOWN, v, PORTAL_DIM(v));
}

bool
portal_reply_no_record(struct portal_req *r)
{
	if (r->rec_status == GG_STORE_NOT_FOUND) {
		portal_reply_unknown(r);
		return true;
	}
	if (r->rec_status != GG_STORE_OK) {
		portal_reply_store_down(r);
		return true;
	}
	return false;
}

void
portal_cert_vars(const struct gg_device_record *rec, char *sub, size_t sublen,
		char *iss, size_t isslen, char *na, size_t nalen)
{
	sub[0] = iss[0] = na[0] = '\0';
	if (rec->cert_pem[0] == '\0' ||
			gg_portal_cert_names(rec->cert_pem, sub, sublen, iss, isslen,
				na, nalen) < 0) {
		sub[0] = iss[0] = na[0] = '\0';
	}
}

const char *
portal_state_text(enum gg_device_state st)
{
	switch (st) {
	case GG_DEVICE_LIMITED:
		return "Not signed up: only this portal can be reached";
	case GG_DEVICE_PROVISIONED:
		return "Signed up: the subscription is being delivered to the device";
	case GG_DEVICE_FULL:
		return "Subscription active: full access";
	case GG_DEVICE_BLOCKED:
		return "Blocked by the operator";
	case GG_DEVICE_DETACHED:
		return "Not connected";
	default:
		return "Unknown";
	}
}
