/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "gg-uesim status" and "gg-uesim detach": GET and DELETE of one
 * authentication context (doc/ausf-api.rst, "Read and detach"), named by
 * the authCtxId that "gg-uesim auth" printed; and the --ctx check and the
 * request to a context's URL that "gg-uesim profile" shares with them
 * (uesim_ctx_required(), uesim_ctx_request()).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "uesim.h"

struct ctx_opts {
	struct uesim_common c;
	const char *ctx;
};

enum { OPT_CTX = UESIM_OPT_CMD_FIRST };

static void
usage(FILE *out, const char *cmd)
{
	bool status = strcmp(cmd, "status") == 0;

	fprintf(out,
		"Usage: %s %s --sbi URL --ctx AUTHCTXID [options]\n"
		"\n"
		"%s\n"
		"\n"
		"      --ctx AUTHCTXID    the context, as \"%s auth\" printed it\n"
		UESIM_COMMON_USAGE
		"\n"
		"Exit status: 0 on %s, 1 on an HTTP error (its status, cause and\n"
		"detail are printed) or no answer, 2 on usage errors.\n",
		UESIM_PROG, cmd,
		status ? "Show an authentication context: its state and, once\n"
			"authenticated, its PDU session (GET)." :
			"Detach: the session leaves the data plane and the context is\n"
			"removed (DELETE).",
		UESIM_PROG, status ? "200" : "2xx");
}

/* Returns 0 to go on, 1 after --help, -1 on a usage error. */
static int
parse_options(const char *cmd, int argc, char **argv, struct ctx_opts *o)
{
	static const struct option longopts[] = {
		UESIM_COMMON_LONGOPTS,
		{ "ctx", required_argument, NULL, OPT_CTX },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	memset(o, 0, sizeof(*o));
	uesim_common_init(&o->c);
	optind = 1;
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		r = uesim_common_option(cmd, c, optarg, &o->c);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		switch (c) {
		case OPT_CTX:
			o->ctx = optarg;
			break;
		case 'h':
			usage(stdout, cmd);
			return 1;
		default:
			fprintf(stderr, "Try '%s %s --help'.\n", UESIM_PROG, cmd);
			return -1;
		}
	}
	if (uesim_no_operands(cmd, argc, argv) != 0)
		return -1;
	return uesim_ctx_required(cmd, &o->c, o->ctx);
}

int
uesim_ctx_required(const char *cmd, const struct uesim_common *c,
		const char *ctx_id)
{
	if (c->sbi == NULL || ctx_id == NULL || *ctx_id == '\0') {
		fprintf(stderr, "%s %s: --sbi and --ctx are required (see --help)\n",
				UESIM_PROG, cmd);
		return -1;
	}
	return 0;
}

int
uesim_ctx_request(const char *cmd, const struct uesim_common *c,
		const char *ctx_id, const char *method, const char *suffix,
		struct uesim_resp *r)
{
	struct uesim_sbi sbi;
	char err[256], *ctx_url, *url;

	memset(r, 0, sizeof(*r));
	if (uesim_sbi_init(&sbi, c, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s %s: %s\n", UESIM_PROG, cmd, err);
		return UESIM_EXIT_USAGE;
	}
	ctx_url = uesim_ctx_url(&sbi, ctx_id);
	url = ctx_url;
	if (ctx_url != NULL && suffix != NULL &&
			asprintf(&url, "%s%s", ctx_url, suffix) < 0)
		url = NULL;
	if (url != ctx_url)
		free(ctx_url);
	if (url == NULL) {
		fprintf(stderr, "%s %s: out of memory\n", UESIM_PROG, cmd);
		return UESIM_EXIT_FAIL;
	}
	uesim_sbi_request(&sbi, method, url, NULL, r);
	free(url);
	return -1;
}

/*
 * Parse the options and send the request. Returns -1 when the exchange
 * happened (then @p r holds the answer or why there was none), an exit
 * code otherwise.
 */
static int
request(const char *cmd, const char *method, int argc, char **argv,
		struct ctx_opts *o, struct uesim_resp *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	ret = parse_options(cmd, argc, argv, o);
	if (ret != 0)
		return ret > 0 ? UESIM_EXIT_OK : UESIM_EXIT_USAGE;
	return uesim_ctx_request(cmd, &o->c, o->ctx, method, NULL, r);
}

/* A top-level member of a status answer, as one text line. */
static void
print_member(const char *key, const json_t *v)
{
	char num[32], *text;

	if (json_is_string(v)) {
		printf(UESIM_FIELD, key, json_string_value(v));
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
				json_integer_value(v));
		printf(UESIM_FIELD, key, num);
	} else {
		text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		printf(UESIM_FIELD, key, text != NULL ? text : "?");
		free(text);
	}
}

int
uesim_cmd_status(int argc, char **argv)
{
	struct uesim_session s;
	struct uesim_resp r;
	struct ctx_opts o;
	const char *key;
	json_t *pdu, *v, *out;
	char why[256];
	int ret;

	ret = request("status", "GET", argc, argv, &o, &r);
	if (ret >= 0)
		return ret;
	ret = UESIM_EXIT_FAIL;
	if (r.status != 200) {
		uesim_fail(&o.c, "status", "status", &r, o.ctx, NULL, NULL);
		goto out;
	}
	if (r.json == NULL) {
		uesim_fail(&o.c, "status", "status", &r, o.ctx,
				"200 body is not a JSON object", NULL);
		goto out;
	}
	/* The session is checked as auth checks it: later tools rely on it. */
	pdu = json_object_get(r.json, "pduSession");
	if (pdu != NULL && uesim_session_parse(pdu, &s, why, sizeof(why)) != 0) {
		uesim_fail(&o.c, "status", "status", &r, o.ctx, why, NULL);
		goto out;
	}
	if (o.c.json) {
		out = json_pack("{s:s, s:I}", "authCtxId", o.ctx, "httpStatus",
				(json_int_t)r.status);
		if (out != NULL)
			json_object_update(out, r.json);
		uesim_print_json(out);
	} else {
		printf(UESIM_FIELD, "authCtxId", o.ctx);
		/* Whatever the AuSF says, in its order; the session in words. */
		json_object_foreach(r.json, key, v) {
			if (strcmp(key, "pduSession") == 0)
				uesim_session_print(stdout, &s);
			else
				print_member(key, v);
		}
	}
	ret = UESIM_EXIT_OK;
out:
	uesim_resp_free(&r);
	return ret;
}

int
uesim_cmd_detach(int argc, char **argv)
{
	struct uesim_resp r;
	struct ctx_opts o;
	char line[256];
	int ret;

	ret = request("detach", "DELETE", argc, argv, &o, &r);
	if (ret >= 0)
		return ret;
	if (r.status < 200 || r.status >= 300) {
		uesim_fail(&o.c, "detach", "detach", &r, o.ctx, NULL, NULL);
		ret = UESIM_EXIT_FAIL;
	} else {
		if (o.c.json) {
			uesim_print_json(json_pack("{s:s, s:I}", "authCtxId", o.ctx,
					"httpStatus", (json_int_t)r.status));
		} else {
			uesim_status_line(&r, line, sizeof(line));
			printf(UESIM_FIELD, "authCtxId", o.ctx);
			printf(UESIM_FIELD, "detached", line);
		}
		ret = UESIM_EXIT_OK;
	}
	uesim_resp_free(&r);
	return ret;
}
