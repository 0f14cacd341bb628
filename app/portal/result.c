/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The result page ("/result"): where the sign-up left the device, read
 * from the store on every visit (the portal keeps nothing), so it is
 * right on any portal and after a restart. The sign-up form redirects
 * here; a second sign-up is answered with it too (409).
 */
#include <stdio.h>
#include <string.h>

#include "portal.h"

static void
result_render(struct portal_req *r, unsigned int status, bool again)
{
	const struct gg_device_record *rec = r->rec;
	const struct gg_portal_var v[] = {
		{ "identity", rec->identity },
		{ "state", gg_device_state_name(rec->state) },
		{ "state_text", portal_state_text(rec->state) },
		{ "supi", rec->supi },
		{ "again", again ? "1" : "" },
		{ "provisioned", rec->state == GG_DEVICE_PROVISIONED ? "1" : "" },
		{ "full", rec->state == GG_DEVICE_FULL ? "1" : "" },
		{ "limited", rec->state == GG_DEVICE_LIMITED ? "1" : "" },
		{ "other", rec->state != GG_DEVICE_PROVISIONED &&
			rec->state != GG_DEVICE_FULL &&
			rec->state != GG_DEVICE_LIMITED ? "1" : "" },
		{ "operator", r->p->cfg.op.issuer },
	};

	portal_reply_page(r, status, again ? "Already signed up" : "Your subscription",
		T_RESULT, v, PORTAL_DIM(v));
}

void
page_result(struct portal_req *r)
{
	if (portal_reply_no_record(r))
		return;
	result_render(r, MHD_HTTP_OK, false);
}

void
result_already(struct portal_req *r)
{
	result_render(r, MHD_HTTP_CONFLICT, true);
}
