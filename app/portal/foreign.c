/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Requests for any other host: the walled garden sends a captive
 * device's web traffic here with its own Host (an OS probe, a site the
 * user typed). While the device is captive (limited or provisioned) the
 * answer is a redirect to the canonical sign-up URL, which is what makes
 * a system open its sign-in window; once it is full, a probe gets the
 * exact success answer its system expects, so the system calls the
 * network open. Anything else goes to the landing page, which explains.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

static void
foreign_with_record(struct portal_req *r)
{
	const struct gg_portal_probe *probe;
	char *body;

	if (r->rec_status != GG_STORE_OK && r->rec_status != GG_STORE_NOT_FOUND) {
		portal_reply_store_down(r);
		return;
	}
	if (r->rec_status == GG_STORE_OK && (r->rec->state == GG_DEVICE_LIMITED ||
			r->rec->state == GG_DEVICE_PROVISIONED)) {
		portal_reply_redirect(r, MHD_HTTP_FOUND, r->p->signup_url);
		return;
	}
	probe = gg_portal_probe_find(r->host, r->path);
	if (r->rec_status == GG_STORE_OK && r->rec->state == GG_DEVICE_FULL &&
			probe != NULL) {
		body = strdup(probe->body);
		if (body == NULL) {
			portal_reply_store_down(r);
			return;
		}
		portal_reply(r, probe->status, probe->content_type, body, strlen(body));
		if (r->resp != NULL)
			MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-store");
		return;
	}
	portal_reply_redirect(r, MHD_HTTP_FOUND, r->p->landing_url);
}

void
page_foreign(struct portal_req *r)
{
	portal_lookup(r, foreign_with_record);
}
