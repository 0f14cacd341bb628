/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET and DELETE .../{authCtxId}: the context and its session; a detach
 * deletes the record first and removes the session only once that
 * succeeded (204).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <jansson.h>
#include <rte_log.h>

#include "gg_evloop.h"
#include "gg_fetch.h"
#include "gg_garden.h"
#include "gg_pool.h"
#include "gg_sbi.h"
#include "gg_session.h"
#include "ausf_private.h"

void
handle_get(struct gg_ausf *a, struct gg_sbi_request *req, struct ctx *c)
{
	json_t *res = json_pack("{s:s, s:s}", "supiOrSuci", c->identity, "state",
			c->state == CTX_AUTHENTICATED ? "AUTHENTICATED" :
			c->state == CTX_CHALLENGED ? "CHALLENGED" :
			c->state == CTX_EXPIRED ? "EXPIRED" : "PENDING");

	if (c->state == CTX_AUTHENTICATED)
		json_object_set_new(res, "pduSession", pdu_session_json(a, c));
	gg_sbi_respond_json(req, 200, res, NULL);
}

static void
store_del_done(struct gg_store *s, enum gg_store_status st, void *arg)
{
	struct ctx *c = arg;
	struct gg_sbi_request *req = c->req;
	struct gg_ausf *a = c->a;

	(void)s;
	c->req = NULL;
	if (st != GG_STORE_OK && st != GG_STORE_NOT_FOUND) {
		c->state = CTX_AUTHENTICATED;
		a->st.store_unavailable++;
		gg_sbi_problem(req, 503, "STORE_UNAVAILABLE", gg_store_strerror(st), NULL);
		return;
	}
	ctx_drop_session(a, c);
	ctx_free(a, c, true);
	a->st.detached++;
	gg_sbi_respond(req, 204, NULL, NULL, NULL, 0);
}

void
handle_delete(struct gg_ausf *a, struct gg_sbi_request *req, struct ctx *c)
{
	if (c->state != CTX_AUTHENTICATED) {
		if (c->state == CTX_CHALLENGED || c->state == CTX_EXPIRED) {
			ctx_free(a, c, true);
			gg_sbi_respond(req, 204, NULL, NULL, NULL, 0);
		} else {
			gg_sbi_problem(req, 409, "OPERATION_IN_PROGRESS",
					"the context is busy; retry", NULL);
		}
		return;
	}
	c->state = CTX_DETACHING;
	c->req = req;
	if (gg_store_del(a->d.store, c->identity, store_del_done, c) != 0) {
		c->req = NULL;
		c->state = CTX_AUTHENTICATED;
		a->st.store_unavailable++;
		gg_sbi_problem(req, 503, "STORE_UNAVAILABLE",
				"the subscription store is unreachable", NULL);
	}
}
