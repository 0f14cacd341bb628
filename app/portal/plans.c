/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The plan choice ("/plans"): the configured plans, each with a link to
 * the sign-up form with that plan chosen (plain links: no script).
 */
#include <stdio.h>
#include <string.h>

#include "portal.h"

void
page_plans(struct portal_req *r)
{
	struct gg_portal_buf items = { 0 };
	unsigned int i;

	if (r->rec_status == GG_STORE_NOT_FOUND) {
		portal_reply_unknown(r);
		return;
	}
	if (r->rec_status != GG_STORE_OK) {
		portal_reply_store_down(r);
		return;
	}
	if (r->rec->state != GG_DEVICE_LIMITED) {
		portal_reply_redirect(r, MHD_HTTP_SEE_OTHER, "/result");
		return;
	}
	for (i = 0; i < r->p->n_plans; i++) {
		const struct gg_portal_plan *pl = &r->p->plans[i];
		char days[16];
		const struct gg_portal_var v[] = {
			{ "id", pl->id },
			{ "name", pl->name },
			{ "price", pl->price },
			{ "days", days },
		};

		snprintf(days, sizeof(days), "%u", pl->validity_days);
		gg_portal_tmpl_render(r->p->tmpl[T_PLAN_ITEM], v, PORTAL_DIM(v), &items);
	}
	{
		const struct gg_portal_var v[] = {
			{ "items", items.data != NULL ? items.data : "" },
			{ "identity", r->rec->identity },
		};

		portal_reply_page(r, MHD_HTTP_OK, "Choose a plan", T_PLANS, v,
			PORTAL_DIM(v));
	}
	gg_portal_buf_free(&items);
}
