/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The plan choice ("/plans"): the configured plans, each with a link to
 * the sign-up form with that plan chosen (plain links: no script); and
 * the list of plans that page and the sign-up form's choice are made of.
 */
#include <stdio.h>
#include <string.h>

#include "portal.h"

void
plans_render(struct portal_req *r, enum portal_tmpl_id t, const char *chosen,
		bool invalid, struct gg_portal_buf *out)
{
	unsigned int i;

	for (i = 0; i < r->p->n_plans; i++) {
		const struct gg_portal_plan *pl = &r->p->plans[i];
		char days[16];
		const struct gg_portal_var v[] = {
			{ "id", pl->id },
			{ "name", pl->name },
			{ "price", pl->price },
			{ "days", days },
			{ "checked", chosen != NULL && strcmp(chosen, pl->id) == 0 ?
				"1" : "" },
			{ "invalid", invalid ? "1" : "" },
		};

		snprintf(days, sizeof(days), "%u", pl->validity_days);
		gg_portal_tmpl_render(r->p->tmpl[t], v, PORTAL_DIM(v), out);
	}
}

void
page_plans(struct portal_req *r)
{
	struct gg_portal_buf items = { 0 };

	if (portal_reply_no_record(r))
		return;
	if (r->rec->state != GG_DEVICE_LIMITED) {
		portal_reply_redirect(r, MHD_HTTP_SEE_OTHER, "/result");
		return;
	}
	plans_render(r, T_PLAN_ITEM, NULL, false, &items);
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
