/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The landing page ("/"): who the portal thinks the visitor is (the
 * device found by the client's address, its certificate's subject and
 * issuer) and what it can do next. A client no device holds gets the
 * "not recognised" page instead of an error.
 */
#include <stdio.h>
#include <string.h>

#include "portal.h"

void
page_landing(struct portal_req *r)
{
	char sub[512], iss[512], na[64];
	const struct gg_device_record *rec = r->rec;

	if (portal_reply_no_record(r))
		return;
	portal_cert_vars(rec, sub, sizeof(sub), iss, sizeof(iss), na, sizeof(na));
	{
		const struct gg_portal_var v[] = {
			{ "identity", rec->identity },
			{ "client", r->client },
			{ "state", gg_device_state_name(rec->state) },
			{ "state_text", portal_state_text(rec->state) },
			{ "has_cert", sub[0] != '\0' ? "1" : "" },
			{ "subject", sub },
			{ "issuer", iss },
			{ "not_after", na },
			{ "limited", rec->state == GG_DEVICE_LIMITED ? "1" : "" },
			{ "signed_up", rec->state == GG_DEVICE_PROVISIONED ||
				rec->state == GG_DEVICE_FULL ? "1" : "" },
			{ "supi", rec->supi },
			{ "operator", r->p->cfg.op.issuer },
		};

		portal_reply_page(r, MHD_HTTP_OK, "Welcome", T_LANDING, v,
			PORTAL_DIM(v));
	}
}
