/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for lib/profile: the profile document and the CMS
 * layers a device opens (gg-uesim receive/profile, a device's stack).
 *
 * The keys are the test PKI's (scripts/test-pki.sh), made afresh in a
 * private folder when the harness starts and removed when it exits: no
 * private key is kept in the repository. Runs are therefore repeatable
 * input for input except for the octets of the sealed profiles.
 *
 * Input: octet 0 picks what the rest is.
 *   bits 0-1  0: a JSON profile document, decoded; a valid one is
 *             encoded again, sealed (bit 2: to the RSA device instead of
 *             the EC one; bit 3: AES-256-CBC EnvelopedData instead of
 *             GCM AuthEnvelopedData) and opened;
 *             1: a sealed profile (DER), opened by the EC device;
 *             2: the same, by the RSA device;
 *             3: edits to a genuine sealed profile (bit 2 picks which):
 *             each 3 octets are an offset (16 bits) and an XOR mask,
 *             applied before the EC or RSA device opens it.
 *
 * Invariants: a decoded document encodes to text that decodes to the
 * same profile; a sealed profile opens to exactly the text sealed, for
 * its device only; whatever opens is a valid document (the operator
 * seals nothing else); a genuine profile with edits opens to the genuine
 * text or not at all.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gg_profile.h"
#include "fuzz_common.h"

static char dir[64];
static struct gg_profile_signer *signer;
static char *cert_pem[2];                     /* EC, RSA device */
static uint8_t *genuine[2];                   /* sealed to EC, RSA */
static size_t genuine_len[2];
static char *genuine_json;
static size_t genuine_json_len;

static const char *const dev_name[2] = { "dev-ec", "dev-rsa" };

static const char *
path(const char *name, const char *ext)
{
	static char bufs[3][160];
	static unsigned int next;
	char *b = bufs[next++ % 3];

	snprintf(b, sizeof(bufs[0]), "%s/%s%s", dir, name, ext);
	return b;
}

static char *
slurp(const char *p)
{
	char *buf = malloc(GG_PROFILE_CERT_MAX + 1);
	FILE *f = fopen(p, "rb");
	size_t n;

	FUZZ_CHECK(buf != NULL && f != NULL);
	n = fread(buf, 1, GG_PROFILE_CERT_MAX, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void
remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_profile: could not remove %s\n", dir);
}

/* Open @p der as device @p dev; 0 with the JSON, or -1. */
static int
open_as(unsigned int dev, const uint8_t *der, size_t len, char **json,
		size_t *json_len)
{
	char err[256];

	return gg_profile_open(der, len, path(dev_name[dev], ".key"),
			path(dev_name[dev], ".pem"), path("operator-ca", ".pem"),
			json, json_len, err, sizeof(err));
}

static const char sample[] =
	"{\"version\": 1, \"supi\": \"imsi-001010000000001\", "
	"\"k\": \"000102030405060708090a0b0c0d0e0f\", "
	"\"opc\": \"cd63cb71954a9f4e48a5994e37a02baf\", \"amf\": \"8000\", "
	"\"plmnId\": {\"mcc\": \"001\", \"mnc\": \"01\"}, \"dnn\": \"internet\", "
	"\"sNssai\": {\"sst\": 1, \"sd\": \"000001\"}, "
	"\"plan\": {\"id\": \"day\", \"name\": \"Day pass\"}, "
	"\"validFrom\": \"2026-01-01T00:00:00Z\", "
	"\"validUntil\": \"2026-01-02T00:00:00Z\", "
	"\"issuer\": \"Gardengate Mobile\", "
	"\"deviceIdentity\": \"nai-dev0001@maker.example\"}";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct gg_profile p;
	char cmd[512], err[256];
	unsigned int i;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/gg-fuzz-profile.XXXXXX");
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	snprintf(cmd, sizeof(cmd), "sh %s/../../../scripts/test-pki.sh %s "
			">/dev/null 2>&1", GG_FUZZ_DATA, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "fuzz_profile: %s failed\n", cmd);
		remove_dir();
		abort();
	}
	atexit(remove_dir);
	signer = gg_profile_signer_load(path("provisioning", ".pem"),
			path("provisioning", ".key"), err, sizeof(err));
	if (signer == NULL)
		fprintf(stderr, "fuzz_profile: %s\n", err);
	FUZZ_CHECK(signer != NULL);
	if (gg_profile_from_json(sample, strlen(sample), &p, err,
			sizeof(err)) != 0)
		fprintf(stderr, "fuzz_profile: sample: %s\n", err);
	genuine_json = gg_profile_to_json(&p, err, sizeof(err));
	FUZZ_CHECK(genuine_json != NULL);
	genuine_json_len = strlen(genuine_json);
	gg_profile_clear(&p);
	for (i = 0; i < 2; i++) {
		cert_pem[i] = slurp(path(dev_name[i], ".pem"));
		FUZZ_CHECK(gg_profile_seal(signer, genuine_json,
				genuine_json_len, cert_pem[i],
				GG_PROFILE_AES256_GCM, &genuine[i],
				&genuine_len[i], err, sizeof(err)) == 0);
	}
	return 0;
}

static bool
same_profile(const struct gg_profile *a, const struct gg_profile *b)
{
	return strcmp(a->supi, b->supi) == 0 &&
		memcmp(a->k, b->k, sizeof(a->k)) == 0 &&
		memcmp(a->opc, b->opc, sizeof(a->opc)) == 0 &&
		memcmp(a->amf, b->amf, sizeof(a->amf)) == 0 &&
		strcmp(a->mcc, b->mcc) == 0 && strcmp(a->mnc, b->mnc) == 0 &&
		strcmp(a->dnn, b->dnn) == 0 && a->sst == b->sst &&
		a->has_sd == b->has_sd && (!a->has_sd || a->sd == b->sd) &&
		strcmp(a->plan_id, b->plan_id) == 0 &&
		strcmp(a->plan_name, b->plan_name) == 0 &&
		a->valid_from_s == b->valid_from_s &&
		a->valid_until_s == b->valid_until_s &&
		strcmp(a->issuer, b->issuer) == 0 &&
		strcmp(a->device_identity, b->device_identity) == 0;
}

static void
check_document(uint8_t mode, const uint8_t *data, size_t size)
{
	struct gg_profile p, q;
	char err[256];
	char *json, *opened = NULL;
	uint8_t *der = NULL;
	size_t der_len, opened_len;
	unsigned int dev = mode >> 2 & 1;

	if (gg_profile_from_json((const char *)data, size, &p, err,
			sizeof(err)) != 0) {
		FUZZ_CHECK(err[0] != '\0');
		return;
	}
	json = gg_profile_to_json(&p, err, sizeof(err));
	FUZZ_CHECK(json != NULL);
	FUZZ_CHECK(gg_profile_from_json(json, strlen(json), &q, err,
			sizeof(err)) == 0);
	FUZZ_CHECK(same_profile(&p, &q));
	FUZZ_CHECK(gg_profile_seal(signer, json, strlen(json), cert_pem[dev],
			mode & 8 ? GG_PROFILE_AES256_CBC : GG_PROFILE_AES256_GCM,
			&der, &der_len, err, sizeof(err)) == 0);
	FUZZ_CHECK(open_as(dev, der, der_len, &opened, &opened_len) == 0);
	FUZZ_CHECK(opened_len == strlen(json) &&
			memcmp(opened, json, opened_len) == 0);
	gg_profile_json_free(opened);
	/* Sealed to one device, it does not open for the other. */
	FUZZ_CHECK(open_as(!dev, der, der_len, &opened, &opened_len) != 0);
	gg_profile_json_free(json);
	free(der);
	gg_profile_clear(&p);
	gg_profile_clear(&q);
}

static void
check_sealed(unsigned int dev, const uint8_t *der, size_t len)
{
	struct gg_profile p;
	char err[256];
	char *json = NULL;
	size_t json_len;

	if (open_as(dev, der, len, &json, &json_len) != 0)
		return;
	/* Only the operator signs, and it seals valid documents only. */
	FUZZ_CHECK(gg_profile_from_json(json, json_len, &p, err,
			sizeof(err)) == 0);
	gg_profile_clear(&p);
	gg_profile_json_free(json);
}

static void
check_edits(uint8_t mode, const uint8_t *data, size_t size)
{
	unsigned int dev = mode >> 2 & 1;
	uint8_t *der = malloc(genuine_len[dev]);
	char *json = NULL;
	size_t i, json_len;

	FUZZ_CHECK(der != NULL);
	memcpy(der, genuine[dev], genuine_len[dev]);
	for (i = 0; i + 3 <= size; i += 3)
		der[((size_t)data[i] << 8 | data[i + 1]) % genuine_len[dev]] ^=
				data[i + 2];
	/* The genuine text or nothing: an edit that opens is one the
	 * signature and the cipher's integrity do not cover. */
	if (open_as(dev, der, genuine_len[dev], &json, &json_len) == 0) {
		FUZZ_CHECK(json_len == genuine_json_len &&
				memcmp(json, genuine_json, json_len) == 0);
		gg_profile_json_free(json);
	}
	free(der);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		check_document(data[0], data + 1, size - 1);
		break;
	case 1:
	case 2:
		check_sealed((data[0] & 3) - 1, data + 1, size - 1);
		break;
	default:
		check_edits(data[0], data + 1, size - 1);
		break;
	}
	return 0;
}
