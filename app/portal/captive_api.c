/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RFC 8908 Captive Portal API (portal.api, "/api/captive" by
 * default): application/captive+json saying whether the asking device is
 * captive, where to sign up, and, with portal.limited_lifetime_s, how
 * long its walled-garden session has left (from the record's created_ms).
 *
 * "captive" is false only in state full: a device signed up whose profile
 * has not reached it yet (provisioned) is still in the garden. A client
 * that is no device of ours gets 403 problem+json (there is no state to
 * tell), an Accept that excludes application/captive+json 406.
 * Cache-Control: private (RFC 8908 section 4.1): the answer is per client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

static void
api_with_record(struct portal_req *r)
{
	const struct gg_portal_config *cfg = &r->p->cfg;
	struct gg_portal_captive c = { 0 };
	char *body;

	if (r->rec_status == GG_STORE_NOT_FOUND) {
		portal_reply_problem(r, MHD_HTTP_FORBIDDEN, "Unknown client",
			"This address belongs to no device of this network.");
		return;
	}
	if (r->rec_status != GG_STORE_OK) {
		portal_reply_problem(r, MHD_HTTP_SERVICE_UNAVAILABLE,
			"Service unavailable", "The subscriber database cannot be reached.");
		return;
	}
	c.captive = r->rec->state != GG_DEVICE_FULL;
	c.user_portal_url = r->p->signup_url;
	c.venue_info_url = cfg->venue_info_url[0] != '\0' ? cfg->venue_info_url : NULL;
	if (c.captive && cfg->limited_lifetime_s != 0) {
		uint64_t end_ms = r->rec->created_ms + (uint64_t)cfg->limited_lifetime_s * 1000;
		uint64_t now = portal_wall_ms();

		c.has_seconds_remaining = true;
		c.seconds_remaining = end_ms > now ? (end_ms - now) / 1000 : 0;
	}
	body = gg_portal_captive_json(&c);
	if (body == NULL) {
		portal_reply_problem(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
			"Internal error", "The answer could not be built.");
		return;
	}
	portal_reply(r, MHD_HTTP_OK, GG_PORTAL_CAPTIVE_JSON, body, strlen(body));
	if (r->resp != NULL)
		MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CACHE_CONTROL, "private");
}

void
page_captive_api(struct portal_req *r)
{
	static const char *const offers[] = { GG_PORTAL_CAPTIVE_JSON };
	const char *accept;

	if (r->method != M_GET && r->method != M_HEAD) {
		portal_reply_problem(r, MHD_HTTP_METHOD_NOT_ALLOWED,
			"Method not allowed", "The Captive Portal API is read with GET.");
		if (r->resp != NULL)
			MHD_add_response_header(r->resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		return;
	}
	accept = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
		MHD_HTTP_HEADER_ACCEPT);
	if (gg_portal_accept(accept, offers, 1, NULL) < 0) {
		portal_reply_problem(r, MHD_HTTP_NOT_ACCEPTABLE, "Not acceptable",
			"The Captive Portal API answers in application/captive+json only.");
		return;
	}
	portal_lookup(r, api_with_record);
}
