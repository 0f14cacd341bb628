/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON bodies of the portal's API: the RFC 8908 Captive Portal API state
 * (application/captive+json) and RFC 9457 problem details.
 */
#include <errno.h>
#include <stdlib.h>

#include <jansson.h>

#include "gg_portal.h"

static char *
dump(json_t *o)
{
	char *s;

	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

char *
gg_portal_captive_json(const struct gg_portal_captive *c)
{
	json_t *o;

	if (c == NULL || (c->captive && c->user_portal_url == NULL))
		return NULL;
	o = json_object();
	if (o == NULL)
		return NULL;
	/* RFC 8908 section 5: "captive" is the one required key. */
	if (json_object_set_new(o, "captive", json_boolean(c->captive)) < 0)
		goto fail;
	if (c->user_portal_url != NULL && json_object_set_new(o, "user-portal-url",
			json_string(c->user_portal_url)) < 0)
		goto fail;
	if (c->venue_info_url != NULL && json_object_set_new(o, "venue-info-url",
			json_string(c->venue_info_url)) < 0)
		goto fail;
	if (c->has_seconds_remaining && json_object_set_new(o, "seconds-remaining",
			json_integer((json_int_t)c->seconds_remaining)) < 0)
		goto fail;
	return dump(o);
fail:
	json_decref(o);
	return NULL;
}

char *
gg_portal_problem_json(unsigned int status, const char *title,
		const char *detail)
{
	json_t *o = json_object();

	if (o == NULL || title == NULL) {
		json_decref(o);
		return NULL;
	}
	if (json_object_set_new(o, "title", json_string(title)) < 0 ||
			json_object_set_new(o, "status", json_integer(status)) < 0 ||
			(detail != NULL && json_object_set_new(o, "detail",
				json_string(detail)) < 0)) {
		json_decref(o);
		return NULL;
	}
	return dump(o);
}
