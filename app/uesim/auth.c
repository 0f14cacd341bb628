/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "gg-uesim auth": the device (and its gNB) through the one-way
 * authentication of doc/ausf-api.rst.
 *
 *   POST ue-authentications           identity, serving network name,
 *                                      certificate URL, gNB tunnel end,
 *                                      optionally the profile callback
 *   <- 201, Location, challenge
 *   sign gg_auth_tbs(challenge, snn, identity) with the device key
 *   PUT  .../one-way-confirmation     {"signature": base64url}
 *   <- 200 authResult and the LIMITED PDU session
 *
 * Inputs are checked only as far as building the messages needs (what
 * gg_auth_tbs() takes, a dotted quad, a 32-bit TEID), so that the AuSF's
 * own checks of identities, names and URLs can be exercised with it.
 * The misbehaviours (--bad-signature, --replay, --sign-with) are there
 * for the same reason.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "gg_auth.h"
#include "uesim.h"

#define CMD "auth"
#define CONFIRMATION_LINK "one-way-confirmation"
/* Longer than any callback a device would give; keeps the body small. */
#define NOTIFY_URI_MAX 2048

struct auth_opts {
	struct uesim_common c;
	const char *identity;
	const char *snn;
	const char *cert_url;
	const char *notify_uri;  /* profileNotifyUri, NULL: not sent */
	const char *key;
	const char *sign_with;   /* misbehave: sign with this key instead */
	const char *gnb;         /* normalised dotted quad in gnb_buf */
	char gnb_buf[INET_ADDRSTRLEN];
	uint32_t dl_teid;
	bool dl_teid_set;
	bool bad_signature;      /* misbehave: flip a bit of the signature */
	bool replay;             /* misbehave: confirm twice */
};

/* What the 201 told us. */
struct challenge {
	char *ctx_url;           /* Location, resolved */
	char *ctx_id;            /* its last path segment */
	char *confirm_url;       /* _links, resolved */
	uint8_t value[GG_AUTH_CHALLENGE_MAX];
	size_t len;
};

enum {
	OPT_IDENTITY = UESIM_OPT_CMD_FIRST,
	OPT_SNN,
	OPT_CERT_URL,
	OPT_KEY,
	OPT_GNB,
	OPT_DL_TEID,
	OPT_BAD_SIGNATURE,
	OPT_REPLAY,
	OPT_SIGN_WITH,
	OPT_NOTIFY_URI,
};

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: %s auth --sbi URL --identity ID --snn NAME --cert-url URL\n"
		"                --key FILE --gnb IPV4 --dl-teid TEID [options]\n"
		"\n"
		"One-way authentication of a device without a subscription: create\n"
		"the authentication context, sign the challenge with the device key,\n"
		"confirm, print the result and the LIMITED PDU session.\n"
		"\n"
		"      --identity ID      supiOrSuci, e.g. nai-dev0001@maker.example\n"
		"      --snn NAME         serving network name, e.g.\n"
		"                         5G:mnc001.mcc001.3gppnetwork.org\n"
		"      --cert-url URL     the device's Certificate URL\n"
		"      --key FILE         the device's private key (PEM, unencrypted)\n"
		"      --gnb IPV4         the gNB's N3 address (anTunnelInfo)\n"
		"      --dl-teid TEID     downlink TEID at the gNB: 0x + 1..8 hex\n"
		"                         digits, or exactly 8 hex digits\n"
		"      --notify-uri URL   where the AuSF is to POST the subscription\n"
		"                         profile once the user signed up\n"
		"                         (profileNotifyUri; see \"%s receive\")\n"
		UESIM_COMMON_USAGE
		"\n"
		"Misbehaviours, for tests:\n"
		"      --bad-signature    flip a bit of the signature before sending it\n"
		"      --replay           send the confirmation twice, print both\n"
		"                         statuses; a replay answered 2xx is a failure\n"
		"      --sign-with FILE   sign with this key instead of --key\n"
		"\n"
		"Exit status: 0 on AUTHENTICATION_SUCCESS, 1 on AUTHENTICATION_FAILURE,\n"
		"an HTTP error (its status, cause and detail are printed), no answer\n"
		"or a malformed one, 2 on usage errors (the key file included).\n",
		UESIM_PROG, UESIM_PROG);
}

static int
check_len(const char *opt, const char *v, size_t max)
{
	size_t n = strlen(v);

	if (n >= 1 && n <= max)
		return 0;
	fprintf(stderr, "%s %s: %s: expected 1..%zu octets, got %zu\n", UESIM_PROG,
			CMD, opt, max, n);
	return -1;
}

/* Returns 0 to go on, 1 after --help, -1 on a usage error. */
static int
parse_options(int argc, char **argv, struct auth_opts *o)
{
	static const struct option longopts[] = {
		UESIM_COMMON_LONGOPTS,
		{ "identity", required_argument, NULL, OPT_IDENTITY },
		{ "snn", required_argument, NULL, OPT_SNN },
		{ "cert-url", required_argument, NULL, OPT_CERT_URL },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "gnb", required_argument, NULL, OPT_GNB },
		{ "dl-teid", required_argument, NULL, OPT_DL_TEID },
		{ "bad-signature", no_argument, NULL, OPT_BAD_SIGNATURE },
		{ "replay", no_argument, NULL, OPT_REPLAY },
		{ "sign-with", required_argument, NULL, OPT_SIGN_WITH },
		{ "notify-uri", required_argument, NULL, OPT_NOTIFY_URI },
		{ NULL, 0, NULL, 0 },
	};
	struct in_addr a;
	int c, r;

	memset(o, 0, sizeof(*o));
	uesim_common_init(&o->c);
	optind = 1;
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		r = uesim_common_option(CMD, c, optarg, &o->c);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		switch (c) {
		case OPT_IDENTITY:
			o->identity = optarg;
			break;
		case OPT_SNN:
			o->snn = optarg;
			break;
		case OPT_CERT_URL:
			o->cert_url = optarg;
			break;
		case OPT_KEY:
			o->key = optarg;
			break;
		case OPT_GNB:
			if (inet_pton(AF_INET, optarg, &a) != 1) {
				fprintf(stderr, "%s %s: --gnb: expected an IPv4 dotted quad, got '%s'\n",
						UESIM_PROG, CMD, optarg);
				return -1;
			}
			inet_ntop(AF_INET, &a, o->gnb_buf, sizeof(o->gnb_buf));
			o->gnb = o->gnb_buf;
			break;
		case OPT_DL_TEID:
			if (uesim_teid_option(optarg, &o->dl_teid) != 0) {
				fprintf(stderr, "%s %s: --dl-teid: expected 0x00000a01 or 00000a01, got '%s'\n",
						UESIM_PROG, CMD, optarg);
				return -1;
			}
			o->dl_teid_set = true;
			break;
		case OPT_BAD_SIGNATURE:
			o->bad_signature = true;
			break;
		case OPT_REPLAY:
			o->replay = true;
			break;
		case OPT_SIGN_WITH:
			o->sign_with = optarg;
			break;
		case OPT_NOTIFY_URI:
			o->notify_uri = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			fprintf(stderr, "Try '%s %s --help'.\n", UESIM_PROG, CMD);
			return -1;
		}
	}
	if (uesim_no_operands(CMD, argc, argv) != 0)
		return -1;
#define REQUIRE(cond, name) do { \
		if (!(cond)) { \
			fprintf(stderr, "%s %s: %s is required (see --help)\n", \
					UESIM_PROG, CMD, name); \
			return -1; \
		} \
	} while (0)
	REQUIRE(o->c.sbi != NULL, "--sbi");
	REQUIRE(o->identity != NULL, "--identity");
	REQUIRE(o->snn != NULL, "--snn");
	REQUIRE(o->cert_url != NULL, "--cert-url");
	REQUIRE(o->key != NULL, "--key");
	REQUIRE(o->gnb != NULL, "--gnb");
	REQUIRE(o->dl_teid_set, "--dl-teid");
#undef REQUIRE
	/* The limits of what can be signed, not the AuSF's rules. */
	if (check_len("--identity", o->identity, GG_AUTH_IDENTITY_MAX) != 0 ||
			check_len("--snn", o->snn, GG_AUTH_SNN_MAX) != 0)
		return -1;
	/* Not checked further: the AuSF's allow-list is what tests probe. */
	if (o->notify_uri != NULL &&
			check_len("--notify-uri", o->notify_uri, NOTIFY_URI_MAX) != 0)
		return -1;
	return 0;
}

static void
challenge_free(struct challenge *ch)
{
	free(ch->ctx_url);
	free(ch->ctx_id);
	free(ch->confirm_url);
	memset(ch, 0, sizeof(*ch));
}

static json_t *
create_body(const struct auth_opts *o)
{
	char teid[9];

	/* Upper case: TS 29.571 gives Teid the pattern ^[A-F0-9]{8}$. */
	snprintf(teid, sizeof(teid), "%08X", o->dl_teid);
	return json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:s*}",
			"supiOrSuci", o->identity,
			"servingNetworkName", o->snn,
			"certificateUrl", o->cert_url,
			"anTunnelInfo", "ipv4Addr", o->gnb, "gtpTeid", teid,
			"profileNotifyUri", o->notify_uri);
}

/*
 * Read the 201 of the creation into @p ch. Returns 0, or -1 with what is
 * wrong with it in @p why: anything the device cannot do without, or a
 * signed-data format it does not know (signing another layout would only
 * produce a signature the AuSF refuses, and hide why).
 */
static int
read_challenge(const char *create_url, const struct uesim_resp *r,
		struct challenge *ch, char *why, size_t len)
{
	const json_t *owad, *link;
	const char *type, *chal, *fmt, *href;
	ssize_t n;

	if (r->location == NULL) {
		snprintf(why, len, "201 without a Location header");
		return -1;
	}
	ch->ctx_url = uesim_url_resolve(create_url, r->location);
	ch->ctx_id = ch->ctx_url != NULL ? uesim_url_last_segment(ch->ctx_url) :
			NULL;
	if (ch->ctx_id == NULL) {
		snprintf(why, len, "Location '%s' names no context", r->location);
		return -1;
	}
	if (r->json == NULL) {
		snprintf(why, len, "201 body is not a JSON object");
		return -1;
	}
	type = json_string_value(json_object_get(r->json, "authType"));
	if (type == NULL || strcmp(type, "ONE_WAY_CERT") != 0) {
		snprintf(why, len, "authType is %s, expected ONE_WAY_CERT",
				type != NULL ? type : "missing");
		return -1;
	}
	owad = json_object_get(r->json, "oneWayAuthData");
	chal = json_string_value(json_object_get(owad, "challenge"));
	n = chal != NULL ? gg_auth_b64url_decode(chal, ch->value,
			sizeof(ch->value)) : -1;
	if (n < 1) {
		snprintf(why, len, "oneWayAuthData/challenge: %s",
				chal == NULL ? "missing" :
				"not 1..64 octets in base64url without padding");
		return -1;
	}
	ch->len = (size_t)n;
	fmt = json_string_value(json_object_get(owad, "signedDataFormat"));
	if (fmt == NULL || strcmp(fmt, GG_AUTH_TBS_LABEL) != 0) {
		snprintf(why, len, "oneWayAuthData/signedDataFormat is %s%s%s, this device signs \"%s\"",
				fmt != NULL ? "\"" : "", fmt != NULL ? fmt : "missing",
				fmt != NULL ? "\"" : "", GG_AUTH_TBS_LABEL);
		return -1;
	}
	link = json_object_get(json_object_get(r->json, "_links"),
			CONFIRMATION_LINK);
	href = json_string_value(json_object_get(link, "href"));
	ch->confirm_url = href != NULL ? uesim_url_resolve(create_url, href) :
			NULL;
	if (ch->confirm_url == NULL) {
		snprintf(why, len, "_links/%s/href: %s", CONFIRMATION_LINK,
				href == NULL ? "missing" : "not an http URL reference");
		return -1;
	}
	return 0;
}

/* Sign the challenge and encode the signature into @p out. */
static int
sign_challenge(EVP_PKEY *key, const struct auth_opts *o,
		const struct challenge *ch, char *out, size_t room, char *why,
		size_t len)
{
	uint8_t tbs[GG_AUTH_TBS_MAX], sig[GG_AUTH_SIG_MAX];
	size_t tbs_len, sig_len = sizeof(sig);

	tbs_len = gg_auth_tbs(tbs, sizeof(tbs), ch->value, ch->len, o->snn,
			o->identity);
	if (tbs_len == 0) {
		snprintf(why, len, "cannot build the signed data");
		return -1;
	}
	if (gg_auth_sign(key, tbs, tbs_len, sig, &sig_len) != 0) {
		snprintf(why, len, "signing failed (key type not EC P-256 or RSA?)");
		return -1;
	}
	/*
	 * The last octet: the DER of an ECDSA signature stays well formed, so
	 * what refuses it must be the AuSF's signature check, not its parser.
	 */
	if (o->bad_signature)
		sig[sig_len - 1] ^= 0x01;
	if (gg_auth_b64url_encode(sig, sig_len, out, room) == 0) {
		snprintf(why, len, "signature too long to encode");
		return -1;
	}
	return 0;
}

/* The replay's outcome, for the JSON object. */
static json_t *
replay_json(const struct uesim_resp *r)
{
	const char *cause = r->json != NULL ?
			json_string_value(json_object_get(r->json, "cause")) : NULL;

	if (r->status == 0)
		return json_pack("{s:s}", "error", r->err);
	return json_pack("{s:I, s:s?}", "httpStatus", (json_int_t)r->status,
			"cause", cause);
}

/*
 * Judge the confirmation's answer and print the result. Returns the exit
 * code.
 */
static int
report(const struct auth_opts *o, const struct challenge *ch,
		const struct uesim_resp *pr, const struct uesim_resp *rr)
{
	struct uesim_session s;
	const char *result, *supi, *portal;
	char line[256], why[256];
	json_t *out, *extra = NULL;
	bool success;

	if (!o->c.json) {
		printf(UESIM_FIELD, "authCtxId", ch->ctx_id);
		if (o->replay) {
			uesim_status_line(pr, line, sizeof(line));
			printf(UESIM_FIELD, "confirmation", line);
			uesim_status_line(rr, line, sizeof(line));
			printf(UESIM_FIELD, "replay", line);
		}
		fflush(stdout);
	}
	if (o->replay)
		extra = json_pack("{s:o}", "replay", replay_json(rr));
	if (pr->status != 200) {
		uesim_fail(&o->c, CMD, "confirm", pr, ch->ctx_id, NULL, extra);
		return UESIM_EXIT_FAIL;
	}
	result = pr->json != NULL ?
			json_string_value(json_object_get(pr->json, "authResult")) : NULL;
	if (result == NULL) {
		uesim_fail(&o->c, CMD, "confirm", pr, ch->ctx_id,
				"200 without authResult", extra);
		return UESIM_EXIT_FAIL;
	}
	success = strcmp(result, "AUTHENTICATION_SUCCESS") == 0;
	supi = json_string_value(json_object_get(pr->json, "supi"));
	portal = json_string_value(json_object_get(pr->json, "captivePortalApi"));
	if (success) {
		if (uesim_session_parse(json_object_get(pr->json, "pduSession"), &s,
				why, sizeof(why)) != 0) {
			uesim_fail(&o->c, CMD, "confirm", pr, ch->ctx_id, why, extra);
			return UESIM_EXIT_FAIL;
		}
		/* RFC 8908: what the device needs to find the sign-up portal. */
		if (portal == NULL) {
			uesim_fail(&o->c, CMD, "confirm", pr, ch->ctx_id,
					"success without captivePortalApi", extra);
			return UESIM_EXIT_FAIL;
		}
	}

	if (o->c.json) {
		out = json_pack("{s:s, s:I}", "authCtxId", ch->ctx_id, "httpStatus",
				(json_int_t)pr->status);
		if (out != NULL) {
			json_object_update(out, pr->json);
			if (extra != NULL)
				json_object_update(out, extra);
		}
		uesim_print_json(out);
	} else {
		printf(UESIM_FIELD, "authResult", result);
		if (supi != NULL)
			printf(UESIM_FIELD, "supi", supi);
		if (success) {
			uesim_session_print(stdout, &s);
			printf(UESIM_FIELD, "captive portal", portal);
		}
		fflush(stdout);
	}
	json_decref(extra);
	if (!success) {
		fprintf(stderr, "%s %s: confirm: %s\n", UESIM_PROG, CMD, result);
		return UESIM_EXIT_FAIL;
	}
	/* The point of --replay: the AuSF must not take a challenge twice. */
	if (o->replay && rr->status >= 200 && rr->status < 300) {
		uesim_status_line(rr, line, sizeof(line));
		fprintf(stderr, "%s %s: replay: the replayed confirmation was accepted (%s)\n",
				UESIM_PROG, CMD, line);
		return UESIM_EXIT_FAIL;
	}
	return UESIM_EXIT_OK;
}

static int
exchange(const struct auth_opts *o, const struct uesim_sbi *sbi,
		EVP_PKEY *key, json_t *create)
{
	struct uesim_resp cr, pr, rr;
	struct challenge ch;
	char sig[(GG_AUTH_SIG_MAX * 4 + 2) / 3 + 1], why[512];
	char *create_url = NULL;
	json_t *confirm = NULL;
	int ret = UESIM_EXIT_FAIL;

	memset(&cr, 0, sizeof(cr));
	memset(&pr, 0, sizeof(pr));
	memset(&rr, 0, sizeof(rr));
	memset(&ch, 0, sizeof(ch));
	if (asprintf(&create_url, "%s%s", sbi->base, UESIM_API_PATH) < 0) {
		create_url = NULL;
		fprintf(stderr, "%s %s: out of memory\n", UESIM_PROG, CMD);
		goto out;
	}

	if (uesim_sbi_request(sbi, "POST", create_url, create, &cr) != 0 ||
			cr.status != 201) {
		uesim_fail(&o->c, CMD, "create", &cr, NULL, NULL, NULL);
		goto out;
	}
	if (read_challenge(create_url, &cr, &ch, why, sizeof(why)) != 0) {
		uesim_fail(&o->c, CMD, "create", &cr, ch.ctx_id, why, NULL);
		goto out;
	}
	if (sign_challenge(key, o, &ch, sig, sizeof(sig), why, sizeof(why)) != 0) {
		uesim_fail(&o->c, CMD, "sign", NULL, ch.ctx_id, why, NULL);
		goto out;
	}
	confirm = json_pack("{s:s}", "signature", sig);
	if (confirm == NULL) {
		fprintf(stderr, "%s %s: out of memory\n", UESIM_PROG, CMD);
		goto out;
	}
	/* Either may get no answer: the report says so, with the other's. */
	uesim_sbi_request(sbi, "PUT", ch.confirm_url, confirm, &pr);
	if (o->replay)
		uesim_sbi_request(sbi, "PUT", ch.confirm_url, confirm, &rr);
	ret = report(o, &ch, &pr, &rr);
out:
	json_decref(confirm);
	challenge_free(&ch);
	uesim_resp_free(&cr);
	uesim_resp_free(&pr);
	uesim_resp_free(&rr);
	free(create_url);
	return ret;
}

int
uesim_cmd_auth(int argc, char **argv)
{
	struct auth_opts o;
	struct uesim_sbi sbi;
	const char *key_path;
	json_t *create;
	EVP_PKEY *key;
	char err[256];
	int ret;

	ret = parse_options(argc, argv, &o);
	if (ret != 0)
		return ret > 0 ? UESIM_EXIT_OK : UESIM_EXIT_USAGE;
	if (uesim_sbi_init(&sbi, &o.c, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s %s: %s\n", UESIM_PROG, CMD, err);
		return UESIM_EXIT_USAGE;
	}
	/* Before any request: a device without its key has nothing to do. */
	key_path = o.sign_with != NULL ? o.sign_with : o.key;
	key = gg_auth_key_load(key_path, err, sizeof(err));
	if (key == NULL) {
		fprintf(stderr, "%s %s: %s: %s\n", UESIM_PROG, CMD,
				o.sign_with != NULL ? "--sign-with" : "--key", err);
		return UESIM_EXIT_USAGE;
	}
	create = create_body(&o);
	if (create == NULL) {
		fprintf(stderr, "%s %s: --identity, --snn, --cert-url and --notify-uri must be UTF-8\n",
				UESIM_PROG, CMD);
		EVP_PKEY_free(key);
		return UESIM_EXIT_USAGE;
	}
	ret = exchange(&o, &sbi, key, create);
	json_decref(create);
	EVP_PKEY_free(key);
	return ret;
}
