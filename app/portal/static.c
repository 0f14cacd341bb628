/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stylesheet ("/static/portal.css"), read once at start from
 * portal.static; the same for everyone, so it may be cached.
 */
#include <stdlib.h>
#include <string.h>

#include "portal.h"

void
page_static(struct portal_req *r)
{
	char *copy;

	if (r->method != M_GET && r->method != M_HEAD) {
		portal_reply_message(r, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed",
			"The stylesheet can only be read.", "/", "Start page");
		MHD_add_response_header(r->resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		return;
	}
	copy = malloc(r->p->css_len + 1);
	if (copy == NULL) {
		portal_reply_store_down(r);
		return;
	}
	memcpy(copy, r->p->css, r->p->css_len);
	portal_reply(r, MHD_HTTP_OK, "text/css; charset=utf-8", copy, r->p->css_len);
	if (r->resp != NULL)
		MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CACHE_CONTROL,
			"public, max-age=3600");
}
