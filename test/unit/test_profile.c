/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit tests for lib/profile: the JSON document (exact text, round trip,
 * one refusal per rule, no secret in any error message), SUPI building,
 * and the CMS sealing over a fresh test PKI (scripts/test-pki.sh in a
 * temporary folder): round trips to the EC and RSA devices with GCM and
 * CBC, the envelope's structure, and the refusals: tampered ciphertext,
 * truncated or padded DER, the wrong device, a signer outside the
 * operator CA (the unrelated CA's key and a self-made one), unsigned
 * content, and envelopes made by the openssl CLI with weaker algorithms
 * (RSA PKCS#1 v1.5, ECDH with the SHA-1 KDF).
 *
 * The test never prints a profile or a key: failures print the error
 * message only. Needs the openssl CLI. Exits non-zero when any assertion
 * failed.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include <openssl/cms.h>
#include <openssl/objects.h>

#include "gg_profile.h"
#include "test_cunit.h"
#include "test_pki.h"

#define K_HEX "000102030405060708090a0b0c0d0e0f"


static int
suite_init(void)
{
	char cmd[512];

	if (test_pki_make("profile") != 0)
		return -1;
	/* A signer nobody vouches for: self-signed, otherwise well-formed. */
	snprintf(cmd, sizeof(cmd),
		"cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
		"-nodes -subj /CN=Forger -days 30 "
		"-addext keyUsage=critical,digitalSignature "
		"-keyout forger.key -out forger.pem 2>/dev/null", test_pki_dir);
	return test_run(cmd) == 0 ? 0 : -1;
}

static int
suite_cleanup(void)
{
	return test_pki_remove();
}

/* ------------------------------------------------------------- JSON */

static void
sample(struct gg_profile *p)
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	strcpy(p->supi, "imsi-001010000000001");
	for (i = 0; i < 16; i++) {
		p->k[i] = (uint8_t)i;
		p->opc[i] = (uint8_t)(0xf0 ^ i);
	}
	p->amf[0] = 0x80;
	p->amf[1] = 0x00;
	strcpy(p->mcc, "001");
	strcpy(p->mnc, "01");
	strcpy(p->dnn, "internet");
	p->sst = 1;
	p->sd = 0x000001;
	p->has_sd = true;
	strcpy(p->plan_id, "basic-10g");
	strcpy(p->plan_name, "Basic 10 GB \xc3\xa9t\xc3\xa9");
	p->valid_from_s = 1767225600;   /* 2026-01-01T00:00:00Z */
	p->valid_until_s = 1769904000;  /* 2026-02-01T00:00:00Z */
	strcpy(p->issuer, "Operator Example");
	strcpy(p->device_identity, "nai-dev0001@maker.example");
}

static const char sample_json[] =
	"{\n"
	"  \"version\": 1,\n"
	"  \"supi\": \"imsi-001010000000001\",\n"
	"  \"deviceIdentity\": \"nai-dev0001@maker.example\",\n"
	"  \"issuer\": \"Operator Example\",\n"
	"  \"plmnId\": {\n"
	"    \"mcc\": \"001\",\n"
	"    \"mnc\": \"01\"\n"
	"  },\n"
	"  \"k\": \"" K_HEX "\",\n"
	"  \"opc\": \"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\",\n"
	"  \"amf\": \"8000\",\n"
	"  \"dnn\": \"internet\",\n"
	"  \"sNssai\": {\n"
	"    \"sst\": 1,\n"
	"    \"sd\": \"000001\"\n"
	"  },\n"
	"  \"plan\": {\n"
	"    \"id\": \"basic-10g\",\n"
	"    \"name\": \"Basic 10 GB \xc3\xa9t\xc3\xa9\"\n"
	"  },\n"
	"  \"validFrom\": \"2026-01-01T00:00:00Z\",\n"
	"  \"validUntil\": \"2026-02-01T00:00:00Z\"\n"
	"}";

/* No six consecutive hex digits of K or OPc in a message. */
static void
assert_no_secret(const char *msg)
{
	static const char *secrets[] = {
		K_HEX, "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	};
	size_t i, j;

	for (i = 0; i < 2; i++) {
		for (j = 0; j + 6 <= 32; j++) {
			char frag[7];

			memcpy(frag, secrets[i] + j, 6);
			frag[6] = '\0';
			if (strstr(msg, frag) != NULL) {
				printf("\n    message quotes a secret\n");
				CU_FAIL("secret in a message");
				return;
			}
		}
	}
}

static void
test_json_text(void)
{
	struct gg_profile p, q;
	char err[256] = "";
	char *json;

	sample(&p);
	json = gg_profile_to_json(&p, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	CU_ASSERT_STRING_EQUAL(json, sample_json);
	CU_ASSERT_EQUAL(gg_profile_from_json(json, strlen(json), &q, err,
			sizeof(err)), 0);
	CU_ASSERT(memcmp(&p, &q, sizeof(p)) == 0);
	gg_profile_json_free(json);

	/* No sd; uppercase hex accepted, written back lowercase. */
	p.has_sd = false;
	p.sd = 0;
	json = gg_profile_to_json(&p, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	CU_ASSERT_PTR_NULL(strstr(json, "\"sd\""));
	CU_ASSERT_EQUAL(gg_profile_from_json(json, strlen(json), &q, err,
			sizeof(err)), 0);
	CU_ASSERT(memcmp(&p, &q, sizeof(p)) == 0);
	gg_profile_json_free(json);

	json = strdup(sample_json);
	memcpy(strstr(json, "f0f1f2"), "F0F1F2", 6);
	CU_ASSERT_EQUAL(gg_profile_from_json(json, strlen(json), &q, err,
			sizeof(err)), 0);
	CU_ASSERT_EQUAL(q.opc[0], 0xf0);
	free(json);

	/* 3-digit MNC, a leap day, the last second of 9999. */
	sample(&p);
	strcpy(p.mnc, "410");
	strcpy(p.mcc, "310");
	strcpy(p.supi, "imsi-310410000000123");
	p.valid_from_s = 1709164800;            /* 2024-02-29T00:00:00Z */
	p.valid_until_s = 253402300799ULL;
	json = gg_profile_to_json(&p, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"2024-02-29T00:00:00Z\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"9999-12-31T23:59:59Z\""));
	CU_ASSERT_EQUAL(gg_profile_from_json(json, strlen(json), &q, err,
			sizeof(err)), 0);
	CU_ASSERT(memcmp(&p, &q, sizeof(p)) == 0);
	gg_profile_json_free(json);
	gg_profile_clear(&q);
	CU_ASSERT_EQUAL(q.k[5], 0);
}

/* sample_json with the first @p from replaced by @p to. */
static char *
variant(const char *from, const char *to)
{
	const char *at = strstr(sample_json, from);
	size_t pre, len;
	char *out;

	if (at == NULL) {
		printf("\n    test bug: '%s' not in the sample\n", from);
		exit(2);
	}
	pre = (size_t)(at - sample_json);
	len = strlen(sample_json) - strlen(from) + strlen(to);
	out = malloc(len + 1);
	if (out == NULL)
		test_die("malloc");
	memcpy(out, sample_json, pre);
	strcpy(out + pre, to);
	strcat(out, at + strlen(from));
	return out;
}

static void
test_json_refusals(void)
{
	static const struct {
		const char *from, *to, *want;
	} cases[] = {
		{ "\"version\": 1", "\"version\": 2", "version: want 1" },
		{ "\"version\": 1", "\"version\": \"1\"", "version: want 1" },
		{ "  \"supi\": \"imsi-001010000000001\",\n", "", "supi: missing" },
		{ "\"version\": 1,", "\"version\": 1, \"extra\": true,",
			"extra: unknown member" },
		{ "\"mnc\": \"01\"", "\"mnc\": \"01\", \"x\": 1",
			"plmnId.x: unknown member" },
		{ "\"version\": 1,", "\"version\": 1, \"version\": 1,",
			"not JSON" },
		{ K_HEX, "000102030405060708090a0b0c0d0e0",
			"k: want 32 hex digits" },
		{ K_HEX, "000102030405060708090a0b0c0d0e0g",
			"k: want 32 hex digits" },
		{ "\"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\"", "16",
			"opc: want 32 hex digits" },
		{ "\"8000\"", "\"80000\"", "amf: want 4 hex digits" },
		{ "\"mcc\": \"001\"", "\"mcc\": \"01\"",
			"plmnId.mcc: want 3 digits" },
		{ "\"mcc\": \"001\"", "\"mcc\": \"0a1\"",
			"plmnId.mcc: want 3 digits" },
		{ "\"mnc\": \"01\"", "\"mnc\": \"0101\"",
			"plmnId.mnc: longer than 3 octets" },
		{ "\"mnc\": \"01\"", "\"mnc\": \"1\"",
			"plmnId.mnc: want 2 or 3 digits" },
		{ "\"plmnId\": {\n    \"mcc\": \"001\",\n    \"mnc\": \"01\"\n  }",
			"\"plmnId\": \"00101\"", "plmnId: want an object" },
		{ "imsi-001010000000001", "nai-001010000000001",
			"supi: want the imsi- form" },
		{ "imsi-001010000000001", "imsi-00101000000000x",
			"supi: want imsi- and 6 to 15 digits" },
		{ "imsi-001010000000001", "imsi-0010100000000012",
			"supi: longer than 20 octets" },
		{ "imsi-001010000000001", "imsi-002010000000001",
			"supi: does not start with plmnId's MCC and MNC" },
		{ "imsi-001010000000001", "imsi-00101",
			"supi:" },
		{ "\"internet\"", "\"inter net\"", "dnn:" },
		{ "\"internet\"", "\"a..b\"", "dnn:" },
		{ "\"internet\"", "\"\"", "dnn:" },
		{ "\"sst\": 1", "\"sst\": 256", "sNssai.sst" },
		{ "\"sst\": 1", "\"sst\": \"1\"", "sNssai.sst" },
		{ "\"sst\": 1", "\"sst\": 1.5", "sNssai.sst" },
		{ "    \"sst\": 1,\n", "", "sNssai.sst: missing" },
		{ "\"000001\"", "\"00001\"", "sNssai.sd: want 6 hex digits" },
		{ "\"basic-10g\"", "\"basic 10g\"", "plan.id" },
		{ "\"basic-10g\"", "\"0123456789abcdef0123456789abcdef0\"",
			"plan.id" },
		{ "\"Basic 10 GB", "\"\\u0001Basic 10 GB", "plan.name" },
		{ "\"Basic 10 GB", "\"Basic 10 GB 0123456789012345678901234567890123456789012345678901234",
			"plan.name" },
		{ "\"Operator Example\"", "\"\"", "issuer" },
		/* jansson refuses \u0000 itself. */
		{ "\"Operator Example\"", "\"Oper\\u0000ator\"",
			"not JSON" },
		{ "\"nai-dev0001@maker.example\"", "\"nai dev0001\"",
			"deviceIdentity" },
		{ "2026-01-01T00:00:00Z", "2026-01-01 00:00:00Z", "validFrom" },
		{ "2026-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00",
			"validFrom" },
		{ "2026-01-01T00:00:00Z", "2026-02-30T00:00:00Z", "validFrom" },
		{ "2026-01-01T00:00:00Z", "2025-02-29T00:00:00Z", "validFrom" },
		{ "2026-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "validFrom" },
		{ "2026-01-01T00:00:00Z", "2026-01-01T24:00:00Z", "validFrom" },
		{ "2026-02-01T00:00:00Z", "2026-01-01T00:00:00Z",
			"validUntil: not after validFrom" },
		{ "{\n", "[\n", "not JSON" },
		/* jansson stops at K: its "near" quote must not reach err. */
		{ "\"" K_HEX "\"", K_HEX, "not JSON" },
	};
	struct gg_profile p;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *json = variant(cases[i].from, cases[i].to);

		err[0] = '\0';
		memset(&p, 0x5a, sizeof(p));
		CU_ASSERT_EQUAL(gg_profile_from_json(json, strlen(json), &p,
				err, sizeof(err)), -1);
		if (strstr(err, cases[i].want) == NULL) {
			printf("\n    case %zu: got \"%s\", want \"%s\"\n", i,
					err, cases[i].want);
			CU_FAIL("error message");
		}
		assert_no_secret(err);
		/* Nothing half-decoded is left behind. */
		CU_ASSERT_EQUAL(p.k[3], 0);
		free(json);
	}

	/* Root not an object, size limit, NULLs. */
	CU_ASSERT_EQUAL(gg_profile_from_json("[]", 2, &p, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "want an object"));
	{
		char *big = malloc(GG_PROFILE_JSON_MAX + 2);

		if (big == NULL)
			test_die("malloc");
		memset(big, ' ', GG_PROFILE_JSON_MAX + 1);
		big[GG_PROFILE_JSON_MAX + 1] = '\0';
		CU_ASSERT_EQUAL(gg_profile_from_json(big, GG_PROFILE_JSON_MAX + 1,
				&p, err, sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "larger than"));
		free(big);
	}
	CU_ASSERT_EQUAL(gg_profile_from_json(NULL, 0, &p, err, sizeof(err)), -1);
	/* Input need not be NUL-terminated: the length rules. */
	CU_ASSERT_EQUAL(gg_profile_from_json(sample_json,
			strlen(sample_json) - 1, &p, err, sizeof(err)), -1);
}

static void
test_struct_refusals(void)
{
	struct gg_profile p;
	char err[256];

	sample(&p);
	CU_ASSERT_EQUAL(gg_profile_validate(&p, err, sizeof(err)), 0);
	p.sd = 0x1000000;
	CU_ASSERT_PTR_NULL(gg_profile_to_json(&p, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "sNssai.sd"));
	sample(&p);
	memset(p.issuer, 'x', sizeof(p.issuer));
	CU_ASSERT_PTR_NULL(gg_profile_to_json(&p, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not terminated"));
	sample(&p);
	strcpy(p.plan_name, "bad \xc3\x28 utf-8");
	CU_ASSERT_PTR_NULL(gg_profile_to_json(&p, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "plan.name"));
	sample(&p);
	strcpy(p.plan_name, "overlong \xc0\xaf");
	CU_ASSERT_EQUAL(gg_profile_validate(&p, err, sizeof(err)), -1);
	sample(&p);
	strcpy(p.plan_name, "cut \xe2\x82");
	CU_ASSERT_EQUAL(gg_profile_validate(&p, err, sizeof(err)), -1);
	sample(&p);
	p.valid_until_s = p.valid_from_s;
	CU_ASSERT_EQUAL(gg_profile_validate(&p, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "validUntil"));
	sample(&p);
	p.valid_until_s = 253402300800ULL;
	CU_ASSERT_EQUAL(gg_profile_validate(&p, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(gg_profile_validate(NULL, err, sizeof(err)), -1);
}

static void
test_make_supi(void)
{
	char supi[21];

	CU_ASSERT_EQUAL(gg_profile_make_supi("001", "01", 1, supi), 0);
	CU_ASSERT_STRING_EQUAL(supi, "imsi-001010000000001");
	CU_ASSERT_EQUAL(gg_profile_make_supi("310", "410", 123, supi), 0);
	CU_ASSERT_STRING_EQUAL(supi, "imsi-310410000000123");
	CU_ASSERT_EQUAL(gg_profile_make_supi("001", "01", 9999999999ULL,
			supi), 0);
	CU_ASSERT_STRING_EQUAL(supi, "imsi-001019999999999");
	CU_ASSERT_EQUAL(gg_profile_make_supi("001", "01", 10000000000ULL,
			supi), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_EQUAL(gg_profile_make_supi("310", "410", 1000000000ULL,
			supi), -1);
	CU_ASSERT_EQUAL(gg_profile_make_supi("01", "01", 1, supi), -1);
	CU_ASSERT_EQUAL(gg_profile_make_supi("001", "0a", 1, supi), -1);
	CU_ASSERT_EQUAL(gg_profile_make_supi(NULL, "01", 1, supi), -1);
}

/* -------------------------------------------------------------- CMS */

static struct gg_profile_signer *
signer(const char *cert, const char *key)
{
	char err[256] = "";
	struct gg_profile_signer *sg =
		gg_profile_signer_load(test_pki(cert), test_pki(key), err, sizeof(err));

	if (sg == NULL)
		printf("\n    signer %s: %s\n", cert, err);
	return sg;
}

/* Seal the sample to the device certificate file @p dev_pem. */
static int
seal(const struct gg_profile_signer *sg, const char *dev_pem,
		enum gg_profile_cipher c, uint8_t **der, size_t *len)
{
	char err[256] = "";
	size_t n;
	char *cert = (char *)test_read_all(test_pki(dev_pem), &n);
	int rc = gg_profile_seal(sg, sample_json, strlen(sample_json), cert, c,
			der, len, err, sizeof(err));

	if (rc != 0)
		printf("\n    seal to %s: %s\n", dev_pem, err);
	assert_no_secret(err);
	free(cert);
	return rc;
}

/* Open with the device @p dev ("dev-ec": dev-ec.key, dev-ec.pem) and the
 * CA file @p ca; 0 when it opened and gave the sample back, else -1 with
 * the message in err. */
static int
open_as(const uint8_t *der, size_t len, const char *dev, const char *ca,
		char *err, size_t errlen)
{
	char key[64], cert[64];
	char *json = (char *)1;
	size_t json_len = 12345;
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	if (copy == NULL)
		test_die("malloc");
	memcpy(copy, der, len);
	snprintf(key, sizeof(key), "%s.key", dev);
	snprintf(cert, sizeof(cert), "%s.pem", dev);
	err[0] = '\0';
	rc = gg_profile_open(copy, len, test_pki(key), test_pki(cert), test_pki(ca), &json,
			&json_len, err, errlen);
	free(copy);
	assert_no_secret(err);
	if (rc != 0) {
		/* Outputs untouched on failure. */
		CU_ASSERT_PTR_EQUAL(json, (char *)1);
		CU_ASSERT_EQUAL(json_len, 12345);
		return -1;
	}
	CU_ASSERT_EQUAL(json_len, strlen(sample_json));
	CU_ASSERT_STRING_EQUAL(json, sample_json);
	gg_profile_json_free(json);
	return 0;
}

/* The envelope's outer type and recipient algorithm. */
static void
check_structure(const uint8_t *der, size_t len, int want_type, bool rsa)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	STACK_OF(CMS_RecipientInfo) *ris;
	CMS_RecipientInfo *ri;
	X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cms);
	CU_ASSERT_EQUAL(OBJ_obj2nid(CMS_get0_type(cms)), want_type);
	ris = CMS_get0_RecipientInfos(cms);
	CU_ASSERT_EQUAL(sk_CMS_RecipientInfo_num(ris), 1);
	ri = sk_CMS_RecipientInfo_value(ris, 0);
	if (rsa) {
		CU_ASSERT_EQUAL(CMS_RecipientInfo_type(ri), CMS_RECIPINFO_TRANS);
		CMS_RecipientInfo_ktri_get0_algs(ri, NULL, NULL, &alg);
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
		CU_ASSERT_EQUAL(OBJ_obj2nid(obj), NID_rsaesOaep);
	} else {
		CU_ASSERT_EQUAL(CMS_RecipientInfo_type(ri), CMS_RECIPINFO_AGREE);
		CMS_RecipientInfo_kari_get0_alg(ri, &alg, NULL);
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
		CU_ASSERT_EQUAL(OBJ_obj2nid(obj),
				NID_dhSinglePass_stdDH_sha256kdf_scheme);
	}
	CMS_ContentInfo_free(cms);
}

static void
test_signer_load(void)
{
	struct gg_profile_signer *sg;
	char err[256];

	sg = signer("provisioning.pem", "provisioning.key");
	CU_ASSERT_PTR_NOT_NULL(sg);
	gg_profile_signer_free(sg);
	gg_profile_signer_free(NULL);
	CU_ASSERT_PTR_NULL(gg_profile_signer_load(test_pki("provisioning.pem"),
			test_pki("portal.key"), err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "does not match"));
	CU_ASSERT_PTR_NULL(gg_profile_signer_load(test_pki("nonexistent.pem"),
			test_pki("provisioning.key"), err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot open"));
	CU_ASSERT_PTR_NULL(gg_profile_signer_load(test_pki("provisioning.key"),
			test_pki("provisioning.key"), err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no PEM certificate"));
	CU_ASSERT_PTR_NULL(gg_profile_signer_load(test_pki("provisioning.pem"),
			test_pki("provisioning.pem"), err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "private key"));
}

static void
test_round_trips(void)
{
	static const struct {
		const char *dev;
		enum gg_profile_cipher c;
		int type;
		bool rsa;
	} cases[] = {
		{ "dev-ec", GG_PROFILE_AES256_GCM,
			NID_id_smime_ct_authEnvelopedData, false },
		{ "dev-ec", GG_PROFILE_AES256_CBC, NID_pkcs7_enveloped, false },
		{ "dev-rsa", GG_PROFILE_AES256_GCM,
			NID_id_smime_ct_authEnvelopedData, true },
		{ "dev-rsa", GG_PROFILE_AES256_CBC, NID_pkcs7_enveloped, true },
		/* Issued by the maker's intermediate: any EC device works. */
		{ "dev-int", GG_PROFILE_AES256_GCM,
			NID_id_smime_ct_authEnvelopedData, false },
	};
	struct gg_profile_signer *sg = signer("provisioning.pem",
			"provisioning.key");
	char err[256], pem[64];
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sg);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *der = NULL, *der2 = NULL;
		size_t len = 0, len2 = 0;

		snprintf(pem, sizeof(pem), "%s.pem", cases[i].dev);
		CU_ASSERT_EQUAL_FATAL(seal(sg, pem, cases[i].c, &der, &len), 0);
		CU_ASSERT(len > 0 && len < GG_PROFILE_DER_MAX);
		check_structure(der, len, cases[i].type, cases[i].rsa);
		if (open_as(der, len, cases[i].dev, "operator-ca.pem", err,
					sizeof(err)) != 0) {
			printf("\n    open case %zu: %s\n", i, err);
			CU_FAIL("round trip");
		}
		/* Fresh content key (and ECDH key) every time. */
		CU_ASSERT_EQUAL_FATAL(seal(sg, pem, cases[i].c, &der2, &len2), 0);
		CU_ASSERT(len != len2 || memcmp(der, der2, len) != 0);
		free(der);
		free(der2);
	}
	gg_profile_signer_free(sg);
}

static void
test_seal_refusals(void)
{
	struct gg_profile_signer *sg = signer("provisioning.pem",
			"provisioning.key");
	uint8_t *der = (uint8_t *)1;
	size_t len = 777, n;
	char err[256];
	char *cert = (char *)test_read_all(test_pki("dev-ec.pem"), &n);
	char *weak = (char *)test_read_all(test_pki("bad-rsa1024.pem"), &n);
	char *bad_json = variant("\"amf\": \"8000\"", "\"amf\": \"80\"");

	CU_ASSERT_PTR_NOT_NULL_FATAL(sg);
	CU_ASSERT_EQUAL(gg_profile_seal(sg, bad_json, strlen(bad_json), cert,
			GG_PROFILE_AES256_GCM, &der, &len, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "amf"));
	CU_ASSERT_EQUAL(gg_profile_seal(sg, sample_json, strlen(sample_json),
			weak, GG_PROFILE_AES256_GCM, &der, &len, err,
			sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "2048"));
	CU_ASSERT_EQUAL(gg_profile_seal(sg, sample_json, strlen(sample_json),
			"not a certificate", GG_PROFILE_AES256_GCM, &der, &len,
			err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not PEM"));
	CU_ASSERT_EQUAL(gg_profile_seal(sg, sample_json, strlen(sample_json),
			cert, (enum gg_profile_cipher)7, &der, &len, err,
			sizeof(err)), -1);
	CU_ASSERT_EQUAL(gg_profile_seal(NULL, sample_json, strlen(sample_json),
			cert, GG_PROFILE_AES256_GCM, &der, &len, err,
			sizeof(err)), -1);
	/* Outputs untouched. */
	CU_ASSERT_PTR_EQUAL(der, (uint8_t *)1);
	CU_ASSERT_EQUAL(len, 777);
	free(bad_json);
	free(cert);
	free(weak);
	gg_profile_signer_free(sg);
}

static void
test_tampered(void)
{
	static const enum gg_profile_cipher ciphers[] = {
		GG_PROFILE_AES256_GCM, GG_PROFILE_AES256_CBC,
	};
	static const char *devs[] = { "dev-ec", "dev-rsa" };
	struct gg_profile_signer *sg = signer("provisioning.pem",
			"provisioning.key");
	char err[256], pem[64];
	size_t c, d, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sg);
	for (c = 0; c < 2; c++) {
		for (d = 0; d < 2; d++) {
			uint8_t *der;
			size_t len;
			/* From the end: the GCM tag or last CBC block, then
			 * into the ciphertext (the signed profile is about
			 * 1 KB, so these all land in it). */
			static const size_t back[] = {
				1, 17, 20, 40, 100, 300, 600, 800,
			};

			snprintf(pem, sizeof(pem), "%s.pem", devs[d]);
			CU_ASSERT_EQUAL_FATAL(seal(sg, pem, ciphers[c], &der,
					&len), 0);
			for (i = 0; i < sizeof(back) / sizeof(back[0]); i++) {
				der[len - back[i]] ^= 0x04;
				if (open_as(der, len, devs[d], "operator-ca.pem",
							err, sizeof(err)) == 0) {
					printf("\n    %s cipher %zu: flip at -%zu accepted\n",
							devs[d], c, back[i]);
					CU_FAIL("tampered profile opened");
				}
				der[len - back[i]] ^= 0x04;
			}
			/* Truncated, padded, empty, oversized. */
			CU_ASSERT_EQUAL(open_as(der, len - 1, devs[d],
					"operator-ca.pem", err, sizeof(err)), -1);
			CU_ASSERT_PTR_NOT_NULL(strstr(err, "not one DER"));
			CU_ASSERT_EQUAL(open_as(der, len / 2, devs[d],
					"operator-ca.pem", err, sizeof(err)), -1);
			CU_ASSERT_EQUAL(open_as(der, 10, devs[d],
					"operator-ca.pem", err, sizeof(err)), -1);
			CU_ASSERT_EQUAL(open_as(der, 0, devs[d],
					"operator-ca.pem", err, sizeof(err)), -1);
			der = realloc(der, len + 1);
			if (der == NULL)
				test_die("realloc");
			der[len] = 0;
			CU_ASSERT_EQUAL(open_as(der, len + 1, devs[d],
					"operator-ca.pem", err, sizeof(err)), -1);
			CU_ASSERT_PTR_NOT_NULL(strstr(err, "not one DER"));
			/* Still fine untouched. */
			CU_ASSERT_EQUAL(open_as(der, len, devs[d],
					"operator-ca.pem", err, sizeof(err)), 0);
			free(der);
		}
	}
	{
		/* The length is refused before anything is read. */
		uint8_t one[1] = { 0x30 };
		char *json = NULL;
		size_t json_len = 0;

		CU_ASSERT_EQUAL(gg_profile_open(one, GG_PROFILE_DER_MAX + 1,
				test_pki("dev-ec.key"), test_pki("dev-ec.pem"),
				test_pki("operator-ca.pem"), &json, &json_len, err,
				sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "larger than"));
		CU_ASSERT_PTR_NULL(json);
	}
	gg_profile_signer_free(sg);
}

static void
test_wrong_device(void)
{
	struct gg_profile_signer *sg = signer("provisioning.pem",
			"provisioning.key");
	uint8_t *der;
	size_t len;
	char err[256], cmd[512];

	CU_ASSERT_PTR_NOT_NULL_FATAL(sg);
	CU_ASSERT_EQUAL_FATAL(seal(sg, "dev-ec.pem", GG_PROFILE_AES256_GCM,
			&der, &len), 0);
	CU_ASSERT_EQUAL(open_as(der, len, "dev-int", "operator-ca.pem", err,
			sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not encrypted to this device"));
	CU_ASSERT_EQUAL(open_as(der, len, "dev-rsa", "operator-ca.pem", err,
			sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not encrypted to this device"));
	/* The right certificate with another key: refused before trying. */
	snprintf(cmd, sizeof(cmd), "cp %s/dev-ec.pem %s/mix.pem && "
			"cp %s/dev-int.key %s/mix.key", test_pki_dir, test_pki_dir,
			test_pki_dir, test_pki_dir);
	CU_ASSERT_EQUAL_FATAL(test_run(cmd), 0);
	CU_ASSERT_EQUAL(open_as(der, len, "mix", "operator-ca.pem", err,
			sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "does not match"));
	free(der);

	CU_ASSERT_EQUAL_FATAL(seal(sg, "dev-rsa.pem", GG_PROFILE_AES256_CBC,
			&der, &len), 0);
	CU_ASSERT_EQUAL(open_as(der, len, "dev-ec", "operator-ca.pem", err,
			sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not encrypted to this device"));
	free(der);
	gg_profile_signer_free(sg);
}

static void
test_wrong_signer(void)
{
	static const struct {
		const char *cert, *key;
	} forgers[] = {
		{ "other-ca.pem", "other-ca.key" },  /* unrelated root */
		{ "forger.pem", "forger.key" },      /* self-made */
		{ "bad-otherca.pem", "bad-otherca.key" },
		{ "dev-ec.pem", "dev-ec.key" },      /* maker CA, not operator */
		{ "portal.pem", "portal.key" },      /* operator CA, serverAuth only */
	};
	struct gg_profile_signer *sg;
	uint8_t *der;
	size_t len, i;
	char err[256];

	for (i = 0; i < sizeof(forgers) / sizeof(forgers[0]); i++) {
		sg = signer(forgers[i].cert, forgers[i].key);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sg);
		CU_ASSERT_EQUAL_FATAL(seal(sg, "dev-ec.pem",
				GG_PROFILE_AES256_GCM, &der, &len), 0);
		if (open_as(der, len, "dev-ec", "operator-ca.pem", err,
					sizeof(err)) == 0) {
			printf("\n    signed by %s: accepted\n", forgers[i].cert);
			CU_FAIL("forged profile opened");
		} else if (strstr(err, "signature not valid") == NULL) {
			printf("\n    signed by %s: %s\n", forgers[i].cert, err);
			CU_FAIL("error message");
		}
		free(der);
		gg_profile_signer_free(sg);
	}
	/* The self-made one is otherwise sound: trusted, it opens. */
	sg = signer("forger.pem", "forger.key");
	CU_ASSERT_EQUAL_FATAL(seal(sg, "dev-ec.pem", GG_PROFILE_AES256_GCM,
			&der, &len), 0);
	CU_ASSERT_EQUAL(open_as(der, len, "dev-ec", "forger.pem", err,
			sizeof(err)), 0);
	/* And the genuine one against the maker CA: refused. */
	free(der);
	gg_profile_signer_free(sg);
	sg = signer("provisioning.pem", "provisioning.key");
	CU_ASSERT_EQUAL_FATAL(seal(sg, "dev-ec.pem", GG_PROFILE_AES256_GCM,
			&der, &len), 0);
	CU_ASSERT_EQUAL(open_as(der, len, "dev-ec", "ca.pem", err,
			sizeof(err)), -1);
	CU_ASSERT_EQUAL(open_as(der, len, "dev-ec", "missing-ca.pem", err,
			sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot load the operator CA"));
	free(der);
	gg_profile_signer_free(sg);
}

/* Envelopes made by the openssl CLI: unsigned content, and algorithms we
 * refuse; the accepted CLI form is in test/profile/test_profile_cli.py. */
static void
test_cli_envelopes(void)
{
	static const struct {
		const char *input;   /* "json" or "signed" */
		const char *dev;
		const char *opts;
		const char *want;    /* NULL: opens */
	} cases[] = {
		{ "json", "dev-ec", "-aes-256-gcm -keyopt ecdh_kdf_md:sha256",
			"content is not signed" },
		{ "json", "dev-rsa", "-aes-256-cbc -keyopt rsa_padding_mode:oaep "
			"-keyopt rsa_oaep_md:sha256 -keyopt rsa_mgf1_md:sha256",
			"content is not signed" },
		{ "signed", "dev-rsa", "-aes-256-gcm",
			"key transport is not RSA-OAEP" },
		{ "signed", "dev-rsa", "-aes-256-gcm -keyopt rsa_padding_mode:oaep",
			"key transport is not RSA-OAEP" },
		{ "signed", "dev-ec", "-aes-256-gcm",
			"key agreement is not dhSinglePass-stdDH-sha256kdf" },
		{ "signed", "dev-ec", "-aes-256-gcm -keyopt ecdh_kdf_md:sha256",
			NULL },
		{ "signed", "dev-rsa", "-aes-256-cbc -keyopt rsa_padding_mode:oaep "
			"-keyopt rsa_oaep_md:sha256 -keyopt rsa_mgf1_md:sha256",
			NULL },
	};
	char cmd[1024], err[256], path[300];
	uint8_t *der;
	size_t len, i;

	snprintf(path, sizeof(path), "%s/p.json", test_pki_dir);
	test_write_all(path, sample_json, strlen(sample_json));
	snprintf(cmd, sizeof(cmd), "cd %s && openssl cms -sign -binary -nodetach "
			"-in p.json -signer provisioning.pem -inkey provisioning.key "
			"-outform DER -out p.signed", test_pki_dir);
	CU_ASSERT_EQUAL_FATAL(test_run(cmd), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(cmd, sizeof(cmd), "cd %s && openssl cms -encrypt -binary "
				"-in p.%s -recip %s.pem %s -outform DER -out p.der",
				test_pki_dir, cases[i].input, cases[i].dev,
				cases[i].opts);
		CU_ASSERT_EQUAL_FATAL(test_run(cmd), 0);
		snprintf(path, sizeof(path), "%s/p.der", test_pki_dir);
		der = test_read_all(path, &len);
		if (cases[i].want == NULL) {
			if (open_as(der, len, cases[i].dev, "operator-ca.pem",
						err, sizeof(err)) != 0) {
				printf("\n    case %zu: %s\n", i, err);
				CU_FAIL("CLI envelope refused");
			}
		} else if (open_as(der, len, cases[i].dev, "operator-ca.pem",
					err, sizeof(err)) == 0 ||
				strstr(err, cases[i].want) == NULL) {
			printf("\n    case %zu: got \"%s\", want \"%s\"\n", i,
					err, cases[i].want);
			CU_FAIL("CLI envelope");
		}
		free(der);
	}
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "JSON text and round trip", test_json_text },
		{ "JSON refusals, one per rule", test_json_refusals },
		{ "struct refusals", test_struct_refusals },
		{ "SUPI from a sequence number", test_make_supi },
		{ "signer loading", test_signer_load },
		{ "CMS round trips EC/RSA x GCM/CBC", test_round_trips },
		{ "sealing refusals", test_seal_refusals },
		{ "tampered, truncated, padded", test_tampered },
		{ "wrong device", test_wrong_device },
		{ "wrong signer", test_wrong_signer },
		{ "openssl CLI envelopes", test_cli_envelopes },
	};

	return test_cunit_main("profile", suite_init, suite_cleanup,
			TEST_CASES(tests));
}
