/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gg-profile-tool: lib/profile over files, for the interoperability tests
 * (test_profile_cli.py) and by hand. Built with the tests, not installed.
 *
 *   gg-profile-tool sample --op FILE --identity ID --mcc MCC --mnc MNC
 *           --seq N --out FILE
 *       a valid profile: SUPI from N, K from the CSPRNG, OPc from K and
 *       the OP in FILE (32 hex digits), fixed plan and dates
 *   gg-profile-tool check --in FILE
 *       parse and validate a profile document; exit 0 if valid
 *   gg-profile-tool seal --signer-cert FILE --signer-key FILE
 *           --device-cert FILE [--cbc] --in JSON --out DER
 *   gg-profile-tool open --key FILE --cert FILE --ca FILE --in DER
 *           --out JSON
 *
 * Exit status 0 on success, 1 on a refusal (the reason on stderr, never a
 * secret), 2 on a usage error. Documents go only to the --out file.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "gg_milenage.h"
#include "gg_profile.h"

static const char usage[] =
	"usage: gg-profile-tool sample --op FILE --identity ID --mcc MCC --mnc MNC --seq N --out FILE\n"
	"       gg-profile-tool check --in FILE\n"
	"       gg-profile-tool seal --signer-cert FILE --signer-key FILE --device-cert FILE [--cbc] --in JSON --out DER\n"
	"       gg-profile-tool open --key FILE --cert FILE --ca FILE --in DER --out JSON\n";

struct args {
	const char *op, *identity, *mcc, *mnc, *seq, *out, *in;
	const char *signer_cert, *signer_key, *device_cert;
	const char *key, *cert, *ca;
	int cbc;
};

static void *
slurp(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL) {
		perror(path);
		return NULL;
	}
	buf = malloc(max + 2);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n > max) {
		fprintf(stderr, "%s: larger than %zu octets\n", path, max);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int
spill(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

static int
cmd_sample(const struct args *a)
{
	struct gg_profile p;
	uint8_t op[16];
	char err[256], *hex, *json;
	unsigned long long seq;
	size_t len, i;
	unsigned int v;
	int rc = 1;

	if (a->op == NULL || a->identity == NULL || a->mcc == NULL ||
			a->mnc == NULL || a->seq == NULL || a->out == NULL) {
		fputs(usage, stderr);
		return 2;
	}
	memset(&p, 0, sizeof(p));
	hex = slurp(a->op, 64, &len);
	if (hex == NULL)
		return 1;
	while (len > 0 && (hex[len - 1] == '\n' || hex[len - 1] == '\r'))
		len--;
	for (i = 0; i < 16 && len == 32; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			break;
		op[i] = (uint8_t)v;
	}
	free(hex);
	if (len != 32 || i != 16) {
		fprintf(stderr, "%s: want 32 hex digits\n", a->op);
		return 1;
	}
	seq = strtoull(a->seq, NULL, 10);
	if (gg_profile_make_supi(a->mcc, a->mnc, seq, p.supi) != 0) {
		fprintf(stderr, "bad MCC, MNC or sequence number\n");
		goto out;
	}
	if (RAND_priv_bytes(p.k, sizeof(p.k)) != 1 ||
			gg_milenage_opc(p.k, op, p.opc) != 0) {
		fprintf(stderr, "cannot make K and OPc\n");
		goto out;
	}
	p.amf[0] = 0x80;
	snprintf(p.mcc, sizeof(p.mcc), "%s", a->mcc);
	snprintf(p.mnc, sizeof(p.mnc), "%s", a->mnc);
	strcpy(p.dnn, "internet");
	p.sst = 1;
	p.sd = 0x000001;
	p.has_sd = true;
	strcpy(p.plan_id, "basic-10g");
	strcpy(p.plan_name, "Basic 10 GB");
	p.valid_from_s = 1767225600;   /* 2026-01-01T00:00:00Z */
	p.valid_until_s = 1798761600;  /* 2027-01-01T00:00:00Z */
	strcpy(p.issuer, "Operator Example");
	snprintf(p.device_identity, sizeof(p.device_identity), "%s",
			a->identity);
	json = gg_profile_to_json(&p, err, sizeof(err));
	if (json == NULL) {
		fprintf(stderr, "profile: %s\n", err);
		goto out;
	}
	rc = spill(a->out, json, strlen(json)) == 0 ? 0 : 1;
	gg_profile_json_free(json);
out:
	gg_profile_clear(&p);
	memset(op, 0, sizeof(op));
	return rc;
}

static int
cmd_check(const struct args *a)
{
	struct gg_profile p;
	char err[256], *json;
	size_t len;
	int rc;

	if (a->in == NULL) {
		fputs(usage, stderr);
		return 2;
	}
	json = slurp(a->in, 2 * GG_PROFILE_JSON_MAX, &len);
	if (json == NULL)
		return 1;
	rc = gg_profile_from_json(json, len, &p, err, sizeof(err));
	gg_profile_clear(&p);
	gg_profile_json_free(json);
	if (rc != 0) {
		fprintf(stderr, "%s: %s\n", a->in, err);
		return 1;
	}
	return 0;
}

static int
cmd_seal(const struct args *a)
{
	struct gg_profile_signer *sg;
	char err[256], *json, *cert;
	uint8_t *der = NULL;
	size_t len, clen, dlen = 0;
	int rc = 1;

	if (a->signer_cert == NULL || a->signer_key == NULL ||
			a->device_cert == NULL || a->in == NULL ||
			a->out == NULL) {
		fputs(usage, stderr);
		return 2;
	}
	sg = gg_profile_signer_load(a->signer_cert, a->signer_key, err,
			sizeof(err));
	if (sg == NULL) {
		fprintf(stderr, "signer: %s\n", err);
		return 1;
	}
	json = slurp(a->in, GG_PROFILE_JSON_MAX, &len);
	cert = slurp(a->device_cert, GG_PROFILE_CERT_MAX, &clen);
	if (json == NULL || cert == NULL)
		goto out;
	if (gg_profile_seal(sg, json, len, cert, a->cbc ?
				GG_PROFILE_AES256_CBC : GG_PROFILE_AES256_GCM,
				&der, &dlen, err, sizeof(err)) != 0) {
		fprintf(stderr, "seal: %s\n", err);
		goto out;
	}
	rc = spill(a->out, der, dlen) == 0 ? 0 : 1;
out:
	free(der);
	free(cert);
	gg_profile_json_free(json);
	gg_profile_signer_free(sg);
	return rc;
}

static int
cmd_open(const struct args *a)
{
	char err[256], *json = NULL;
	uint8_t *der;
	size_t len, jlen = 0;
	int rc = 1;

	if (a->key == NULL || a->cert == NULL || a->ca == NULL ||
			a->in == NULL || a->out == NULL) {
		fputs(usage, stderr);
		return 2;
	}
	der = slurp(a->in, GG_PROFILE_DER_MAX, &len);
	if (der == NULL)
		return 1;
	if (gg_profile_open(der, len, a->key, a->cert, a->ca, &json, &jlen,
				err, sizeof(err)) != 0)
		fprintf(stderr, "open: %s\n", err);
	else
		rc = spill(a->out, json, jlen) == 0 ? 0 : 1;
	gg_profile_json_free(json);
	free(der);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "op", required_argument, NULL, 'o' },
		{ "identity", required_argument, NULL, 'i' },
		{ "mcc", required_argument, NULL, 'c' },
		{ "mnc", required_argument, NULL, 'n' },
		{ "seq", required_argument, NULL, 'q' },
		{ "out", required_argument, NULL, 'O' },
		{ "in", required_argument, NULL, 'I' },
		{ "signer-cert", required_argument, NULL, 'S' },
		{ "signer-key", required_argument, NULL, 'K' },
		{ "device-cert", required_argument, NULL, 'D' },
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'C' },
		{ "ca", required_argument, NULL, 'A' },
		{ "cbc", no_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct args a;
	const char *cmd;
	int c;

	memset(&a, 0, sizeof(a));
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a.op = optarg;
			break;
		case 'i':
			a.identity = optarg;
			break;
		case 'c':
			a.mcc = optarg;
			break;
		case 'n':
			a.mnc = optarg;
			break;
		case 'q':
			a.seq = optarg;
			break;
		case 'O':
			a.out = optarg;
			break;
		case 'I':
			a.in = optarg;
			break;
		case 'S':
			a.signer_cert = optarg;
			break;
		case 'K':
			a.signer_key = optarg;
			break;
		case 'D':
			a.device_cert = optarg;
			break;
		case 'k':
			a.key = optarg;
			break;
		case 'C':
			a.cert = optarg;
			break;
		case 'A':
			a.ca = optarg;
			break;
		case 'b':
			a.cbc = 1;
			break;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(cmd, "sample") == 0)
		return cmd_sample(&a);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(&a);
	if (strcmp(cmd, "seal") == 0)
		return cmd_seal(&a);
	if (strcmp(cmd, "open") == 0)
		return cmd_open(&a);
	fputs(usage, stderr);
	return 2;
}
