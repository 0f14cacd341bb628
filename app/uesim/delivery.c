/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device's side of the profile delivery, shared by "gg-uesim receive"
 * (the AuSF's POST to the callback) and "gg-uesim profile" (the GET
 * fallback): both carry the same JSON object,
 *
 *   {"supiOrSuci": ..., "authCtxId": ..., "supi": ..., "profile": base64}
 *
 * and the device judges it the same way: the fields, the base64 (RFC 4648
 * section 4, padded, canonical), the CMS (lib/profile: decrypted with the
 * device key, signature verified against the operator CA), the profile
 * document, its device identity and SUPI. Only then is it stored (mode
 * 0600, replaced atomically) and printed, K and OPc masked unless asked.
 *
 * Costs: one CMS open per profile (an ECDH or RSA private-key operation
 * and a signature verification, a few milliseconds). The decrypted
 * document holds K and OPc: every copy is cleansed before it is freed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "gg_profile.h"
#include "uesim.h"

/* Shown instead of a secret. */
#define MASK "(hidden: --show-secrets)"

void
uesim_device_init(struct uesim_device *d)
{
	memset(d, 0, sizeof(*d));
}

int
uesim_device_option(int opt, const char *arg, struct uesim_device *d)
{
	switch (opt) {
	case UESIM_OPT_IDENTITY:
		d->identity = arg;
		return 0;
	case UESIM_OPT_KEY:
		d->key = arg;
		return 0;
	case UESIM_OPT_CERT:
		d->cert = arg;
		return 0;
	case UESIM_OPT_OPERATOR_CA:
		d->operator_ca = arg;
		return 0;
	case UESIM_OPT_OUT:
		d->out = arg;
		return 0;
	case UESIM_OPT_SHOW_SECRETS:
		d->show_secrets = true;
		return 0;
	default:
		return 1;
	}
}

int
uesim_device_check(const char *cmd, const struct uesim_device *d)
{
	const struct {
		const char *opt, *path;
	} files[] = {
		{ "--key", d->key },
		{ "--cert", d->cert },
		{ "--operator-ca", d->operator_ca },
	};
	size_t i;
	FILE *f;

	if (d->identity == NULL || *d->identity == '\0') {
		fprintf(stderr, "%s %s: --identity is required (see --help)\n",
				UESIM_PROG, cmd);
		return -1;
	}
	if (d->out == NULL || *d->out == '\0') {
		fprintf(stderr, "%s %s: --out is required (see --help)\n",
				UESIM_PROG, cmd);
		return -1;
	}
	/* Before any network I/O: a device that cannot open what it gets has
	 * nothing to wait for. lib/profile reads them again per profile. */
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (files[i].path == NULL) {
			fprintf(stderr, "%s %s: %s is required (see --help)\n",
					UESIM_PROG, cmd, files[i].opt);
			return -1;
		}
		f = fopen(files[i].path, "r");
		if (f == NULL) {
			fprintf(stderr, "%s %s: %s: %s: %s\n", UESIM_PROG, cmd,
					files[i].opt, files[i].path, strerror(errno));
			return -1;
		}
		fclose(f);
	}
	return 0;
}

void
uesim_problem_set(struct uesim_problem *pb, int status, const char *cause,
		const char *param, const char *fmt, ...)
{
	va_list ap;

	pb->status = status;
	pb->cause = cause;
	pb->param = param;
	va_start(ap, fmt);
	vsnprintf(pb->detail, sizeof(pb->detail), fmt, ap);
	va_end(ap);
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

ssize_t
uesim_b64_decode(const char *in, size_t len, uint8_t *out, size_t room)
{
	size_t i, o = 0, pad = 0;
	uint32_t acc;
	int v, j;

	if (len == 0 || len % 4 != 0)
		return -1;
	if (in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	if (len / 4 * 3 - pad > room)
		return -1;
	for (i = 0; i < len; i += 4) {
		acc = 0;
		for (j = 0; j < 4; j++) {
			/* '=' only as the last one or two of the last quantum. */
			if (i + 4 == len && j >= 4 - (int)pad) {
				if (in[i + j] != '=')
					return -1;
				v = 0;
			} else if ((v = b64_value((unsigned char)in[i + j])) < 0) {
				return -1;
			}
			acc = acc << 6 | (uint32_t)v;
		}
		/* Canonical only: the bits under the padding are zero. */
		if ((pad == 1 && i + 4 == len && (acc & 0xff) != 0) ||
				(pad == 2 && i + 4 == len && (acc & 0xffff) != 0))
			return -1;
		out[o++] = (uint8_t)(acc >> 16);
		if (i + 4 < len || pad < 2)
			out[o++] = (uint8_t)(acc >> 8);
		if (i + 4 < len || pad < 1)
			out[o++] = (uint8_t)acc;
	}
	return (ssize_t)o;
}

/* A required string member of the notification, or NULL with @p pb set. */
static const char *
get_field(const json_t *n, const char *name, struct uesim_problem *pb)
{
	const json_t *v = json_object_get(n, name);

	if (v == NULL) {
		uesim_problem_set(pb, 400, "MANDATORY_IE_MISSING", name,
				"%s is missing", name);
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) == 0) {
		uesim_problem_set(pb, 400, "MANDATORY_IE_INCORRECT", name,
				"%s is not a non-empty string", name);
		return NULL;
	}
	return json_string_value(v);
}

/* Write @p len octets to @p path, mode 0600, replacing it atomically. */
static int
store(const char *path, const char *data, size_t len, char *err,
		size_t errlen)
{
	char *tmp = NULL;
	size_t done = 0;
	ssize_t n;
	int fd;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* mkstemp creates 0600: the file holds K from its first octet on. */
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	while (done < len) {
		n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (done < len || write(fd, "\n", 1) != 1 || fchmod(fd, 0600) != 0 ||
			fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/* Replace the secrets of a profile document (any depth) with MASK. */
static void
mask_secrets(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			mask_secrets(v);
		return;
	}
	json_object_foreach(j, key, v) {
		if (strcasecmp(key, "k") == 0 || strcasecmp(key, "opc") == 0 ||
				strcasecmp(key, "op") == 0)
			json_object_set_new(j, key, json_string(MASK));
		else
			mask_secrets(v);
	}
}

void
uesim_delivered_free(struct uesim_delivered *dv)
{
	gg_profile_json_free(dv->json);
	json_decref(dv->doc);
	gg_profile_clear(&dv->p);
	memset(dv, 0, sizeof(*dv));
}

int
uesim_delivery_accept(const struct uesim_device *d, const json_t *n,
		const char *want_ctx, struct uesim_delivered *dv,
		struct uesim_problem *pb)
{
	const char *ident, *ctx, *supi, *b64;
	char err[256];
	uint8_t *der = NULL;
	ssize_t der_len;
	size_t b64_len;
	int ret = -1;

	memset(dv, 0, sizeof(*dv));
	memset(pb, 0, sizeof(*pb));
	if (!json_is_object(n)) {
		uesim_problem_set(pb, 400, "INVALID_MSG_FORMAT", NULL,
				"the body is not one JSON object");
		return -1;
	}
	if ((ident = get_field(n, "supiOrSuci", pb)) == NULL ||
			(ctx = get_field(n, "authCtxId", pb)) == NULL ||
			(supi = get_field(n, "supi", pb)) == NULL ||
			(b64 = get_field(n, "profile", pb)) == NULL)
		return -1;
	snprintf(dv->ctx_id, sizeof(dv->ctx_id), "%s", ctx);
	snprintf(dv->supi, sizeof(dv->supi), "%s", supi);
	b64_len = json_string_length(json_object_get(n, "profile"));
	der = malloc(b64_len / 4 * 3 + 1);
	if (der == NULL) {
		uesim_problem_set(pb, 500, "SYSTEM_FAILURE", NULL, "out of memory");
		return -1;
	}
	der_len = uesim_b64_decode(b64, b64_len, der, b64_len / 4 * 3 + 1);
	if (der_len < 0) {
		uesim_problem_set(pb, 400, "MANDATORY_IE_INCORRECT", "profile",
				"profile is not canonical padded base64 (RFC 4648 section 4)");
		goto out;
	}
	/* Addressed to another device: refused before any key is used. */
	if (strcmp(ident, d->identity) != 0) {
		uesim_problem_set(pb, 403, "PROFILE_REJECTED", "supiOrSuci",
				"supiOrSuci is %s, this device is %s", ident,
				d->identity);
		goto out;
	}
	if (want_ctx != NULL && strcmp(ctx, want_ctx) != 0) {
		uesim_problem_set(pb, 403, "PROFILE_REJECTED", "authCtxId",
				"authCtxId is %s, asked for %s", ctx, want_ctx);
		goto out;
	}
	if (gg_profile_open(der, (size_t)der_len, d->key, d->cert,
			d->operator_ca, &dv->json, &dv->json_len, err,
			sizeof(err)) != 0) {
		dv->json = NULL;
		uesim_problem_set(pb, 403, "PROFILE_REJECTED", "profile",
				"profile does not open: %s", err);
		goto out;
	}
	if (gg_profile_from_json(dv->json, dv->json_len, &dv->p, err,
			sizeof(err)) != 0) {
		uesim_problem_set(pb, 403, "PROFILE_REJECTED", "profile",
				"profile document: %s", err);
		goto out;
	}
	/* Signed by the operator, but for whom: the envelope alone does not
	 * say, a profile re-encrypted to this device could be another's. */
	if (strcmp(dv->p.device_identity, d->identity) != 0) {
		uesim_problem_set(pb, 403, "PROFILE_REJECTED", "profile",
				"the profile is for device %s, this device is %s",
				dv->p.device_identity, d->identity);
		goto out;
	}
	if (strcmp(dv->p.supi, supi) != 0) {
		uesim_problem_set(pb, 403, "PROFILE_REJECTED", "supi",
				"supi is %s, the profile says %s", supi, dv->p.supi);
		goto out;
	}
	dv->doc = json_loadb(dv->json, dv->json_len, 0, NULL);
	if (dv->doc == NULL) {
		uesim_problem_set(pb, 403, "PROFILE_REJECTED", "profile",
				"profile document is not JSON");
		goto out;
	}
	if (store(d->out, dv->json, dv->json_len, err, sizeof(err)) != 0) {
		/* Not the sender's fault: a 5xx, so that it tries again. */
		uesim_problem_set(pb, 500, "SYSTEM_FAILURE", NULL,
				"cannot store the profile: %s", err);
		goto out;
	}
	ret = 0;
out:
	free(der);
	if (ret != 0)
		uesim_delivered_free(dv);
	return ret;
}

void
uesim_delivered_print(const struct uesim_device *d,
		const struct uesim_delivered *dv, bool json)
{
	json_t *doc = json_deep_copy(dv->doc), *out;
	char *text;

	if (doc == NULL) {
		fprintf(stderr, "%s: out of memory\n", UESIM_PROG);
		return;
	}
	if (!d->show_secrets)
		mask_secrets(doc);
	if (json) {
		out = json_pack("{s:s, s:s, s:s, s:s, s:o}", "authCtxId",
				dv->ctx_id, "supiOrSuci", d->identity, "supi", dv->supi,
				"stored", d->out, "profile", doc);
		uesim_print_json(out);
		return;
	}
	printf(UESIM_FIELD, "authCtxId", dv->ctx_id);
	printf(UESIM_FIELD, "supi", dv->supi);
	printf(UESIM_FIELD, "profile stored", d->out);
	text = json_dumps(doc, JSON_INDENT(2));
	if (text != NULL) {
		printf("%s\n", text);
		if (d->show_secrets)
			OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
	fflush(stdout);
	json_decref(doc);
}
