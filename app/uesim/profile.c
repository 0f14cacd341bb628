/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "gg-uesim profile": the GET fallback of the profile delivery, for a
 * device that was away when the AuSF pushed (doc/ausf-api.rst):
 *
 *   GET /nausf-auth/v1/ue-authentications/{authCtxId}/profile
 *   <- 200 {"supiOrSuci", "authCtxId", "supi", "profile"}
 *   <- 404 cause PROFILE_NOT_FOUND before the user signed up
 *
 * The answer is judged as a pushed one is (delivery.c), and must name the
 * context asked for.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "uesim.h"

#define CMD "profile"

struct profile_opts {
	struct uesim_common c;
	struct uesim_device dev;
	const char *ctx;
};

enum { OPT_CTX = UESIM_OPT_CMD_FIRST };

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: %s profile --sbi URL --ctx AUTHCTXID --identity ID --key FILE\n"
		"                   --cert FILE --operator-ca FILE --out FILE [options]\n"
		"\n"
		"Fetch the subscription profile of an authentication context (the\n"
		"fallback of the push to \"%s receive\"), open it, check it, store\n"
		"and print it.\n"
		"\n"
		"      --ctx AUTHCTXID     the context, as \"%s auth\" printed it\n"
		"      --identity ID       this device's supiOrSuci; the answer and the\n"
		"                          profile must name it\n"
		"      --key FILE          the device's private key (PEM)\n"
		"      --cert FILE         the device's certificate (PEM)\n"
		"      --operator-ca FILE  the operator's CA (PEM): the profile's\n"
		"                          signature must chain to it\n"
		"      --out FILE          where the profile is stored (JSON, mode 0600)\n"
		"      --show-secrets      print K and OPc (never shown otherwise)\n"
		UESIM_COMMON_USAGE
		"\n"
		"Exit status: 0 when the profile was stored, 1 when there is none yet\n"
		"(404 PROFILE_NOT_FOUND), on another HTTP error, no answer, or a\n"
		"profile this device refuses (nothing is stored then), 2 on usage\n"
		"errors (unreadable files included).\n",
		UESIM_PROG, UESIM_PROG, UESIM_PROG);
}

/* Returns 0 to go on, 1 after --help, -1 on a usage error. */
static int
parse_options(int argc, char **argv, struct profile_opts *o)
{
	static const struct option longopts[] = {
		UESIM_COMMON_LONGOPTS,
		UESIM_DEVICE_LONGOPTS,
		{ "ctx", required_argument, NULL, OPT_CTX },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	memset(o, 0, sizeof(*o));
	uesim_common_init(&o->c);
	uesim_device_init(&o->dev);
	optind = 1;
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		r = uesim_common_option(CMD, c, optarg, &o->c);
		if (r < 0)
			return -1;
		if (r == 0 || uesim_device_option(c, optarg, &o->dev) == 0)
			continue;
		switch (c) {
		case OPT_CTX:
			o->ctx = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			fprintf(stderr, "Try '%s %s --help'.\n", UESIM_PROG, CMD);
			return -1;
		}
	}
	if (uesim_no_operands(CMD, argc, argv) != 0 ||
			uesim_ctx_required(CMD, &o->c, o->ctx) != 0)
		return -1;
	return uesim_device_check(CMD, &o->dev);
}

int
uesim_cmd_profile(int argc, char **argv)
{
	struct uesim_delivered dv;
	struct uesim_problem pb;
	struct profile_opts o;
	struct uesim_resp r;
	const char *cause;
	char err[sizeof(pb.detail) + 32];
	int ret;

	ret = parse_options(argc, argv, &o);
	if (ret != 0)
		return ret > 0 ? UESIM_EXIT_OK : UESIM_EXIT_USAGE;
	ret = uesim_ctx_request(CMD, &o.c, o.ctx, "GET", "/profile", &r);
	if (ret >= 0)
		return ret;
	ret = UESIM_EXIT_FAIL;
	cause = r.json != NULL ?
			json_string_value(json_object_get(r.json, "cause")) : NULL;
	if (r.status == 404 && cause != NULL &&
			strcmp(cause, "PROFILE_NOT_FOUND") == 0) {
		/* Not an error of the exchange: the user has not signed up. */
		uesim_fail(&o.c, CMD, CMD, &r, o.ctx,
				"no profile yet (404 PROFILE_NOT_FOUND): the user has not signed up",
				NULL);
		goto out;
	}
	if (r.status != 200) {
		uesim_fail(&o.c, CMD, CMD, &r, o.ctx, NULL, NULL);
		goto out;
	}
	if (r.json == NULL) {
		uesim_fail(&o.c, CMD, CMD, &r, o.ctx, "200 body is not a JSON object",
				NULL);
		goto out;
	}
	if (uesim_delivery_accept(&o.dev, r.json, o.ctx, &dv, &pb) != 0) {
		snprintf(err, sizeof(err), "profile refused: %s", pb.detail);
		uesim_fail(&o.c, CMD, CMD, NULL, o.ctx, err, NULL);
		goto out;
	}
	uesim_delivered_print(&o.dev, &dv, o.c.json);
	uesim_delivered_free(&dv);
	ret = UESIM_EXIT_OK;
out:
	uesim_resp_free(&r);
	return ret;
}
