/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The profile's JSON document: encoding, decoding and the field rules of
 * doc/profile.rst. jansson does the syntax; every rule about members is
 * here, and doc/profile.schema.json states the same rules for other
 * readers (test/profile/test_profile_cli.py checks both agree on our
 * output). Error messages name members, never values.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "gg_hex.h"
#include "gg_profile.h"
#include "profile_private.h"

/* 9999-12-31T23:59:59Z, the last instant the date format can write. */
#define TIME_MAX_S UINT64_C(253402300799)
#define TIME_LEN 20

void
profile_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* s is exactly n decimal digits. */
static bool
digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return s[n] == '\0';
}

static bool
plmn_ok(const char *mcc, const char *mnc)
{
	return digits(mcc, 3) && (digits(mnc, 2) || digits(mnc, 3));
}

int
gg_profile_make_supi(const char *mcc, const char *mnc, uint64_t seq,
		char supi[21])
{
	unsigned int msin_len, i;
	uint64_t limit = 1;

	if (mcc == NULL || mnc == NULL || supi == NULL ||
			!plmn_ok(mcc, mnc)) {
		errno = EINVAL;
		return -1;
	}
	msin_len = 15 - 3 - (unsigned int)strlen(mnc);
	for (i = 0; i < msin_len; i++)
		limit *= 10;
	if (seq >= limit) {
		errno = EINVAL;
		return -1;
	}
	snprintf(supi, 21, "imsi-%s%s%0*" PRIu64, mcc, mnc, (int)msin_len,
			seq);
	return 0;
}

/* Well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF)
 * without control characters (C0, DEL). */
static bool
text_ok(const char *s, size_t min, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	size_t i = 0;

	if (len < min || len > max)
		return false;
	while (i < len) {
		unsigned char c = p[i];
		unsigned int n, cp, k;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + n >= len)
			return false;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
				cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* Printable ASCII, no space: identities and the like. */
static bool
token_ok(const char *s, size_t min, size_t max)
{
	size_t len = strlen(s), i;

	if (len < min || len > max)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

/* Dot-separated labels of letters, digits and hyphens, 1..63 in all. */
static bool
dnn_ok(const char *s)
{
	size_t len = strlen(s), i, label = 0;

	if (len < 1 || len > 63)
		return false;
	for (i = 0; i <= len; i++) {
		char c = s[i];

		if (c == '.' || c == '\0') {
			if (label == 0)
				return false;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') || c == '-') {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

static bool
plan_id_ok(const char *s)
{
	size_t len = strlen(s), i;

	if (len < 1 || len > 32)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') || c == '.' ||
				c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* The array holds a NUL-terminated string. */
#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

int
gg_profile_validate(const struct gg_profile *p, char *err, size_t errlen)
{
	const char *imsi;
	size_t plmn_len, n;

	if (p == NULL) {
		profile_err(err, errlen, "no profile");
		return -1;
	}
	if (!TERMINATED(p->supi) || !TERMINATED(p->mcc) ||
			!TERMINATED(p->mnc) || !TERMINATED(p->dnn) ||
			!TERMINATED(p->plan_id) || !TERMINATED(p->plan_name) ||
			!TERMINATED(p->issuer) ||
			!TERMINATED(p->device_identity)) {
		profile_err(err, errlen, "a string field is not terminated");
		return -1;
	}
	if (!digits(p->mcc, 3)) {
		profile_err(err, errlen, "plmnId.mcc: want 3 digits");
		return -1;
	}
	if (!digits(p->mnc, 2) && !digits(p->mnc, 3)) {
		profile_err(err, errlen, "plmnId.mnc: want 2 or 3 digits");
		return -1;
	}
	if (strncmp(p->supi, "imsi-", 5) != 0) {
		profile_err(err, errlen, "supi: want the imsi- form");
		return -1;
	}
	imsi = p->supi + 5;
	n = strlen(imsi);
	if (n < 6 || n > 15 || !digits(imsi, n)) {
		profile_err(err, errlen, "supi: want imsi- and 6 to 15 digits");
		return -1;
	}
	plmn_len = 3 + strlen(p->mnc);
	if (n <= plmn_len || strncmp(imsi, p->mcc, 3) != 0 ||
			strncmp(imsi + 3, p->mnc, plmn_len - 3) != 0) {
		profile_err(err, errlen,
				"supi: does not start with plmnId's MCC and MNC");
		return -1;
	}
	if (!token_ok(p->device_identity, 1, 128)) {
		profile_err(err, errlen,
			"deviceIdentity: want 1 to 128 printable ASCII characters, no spaces");
		return -1;
	}
	if (!text_ok(p->issuer, 1, 128)) {
		profile_err(err, errlen,
			"issuer: want 1 to 128 octets of UTF-8 text without control characters");
		return -1;
	}
	if (!dnn_ok(p->dnn)) {
		profile_err(err, errlen,
			"dnn: want dot-separated labels of letters, digits and hyphens, 1 to 63 characters");
		return -1;
	}
	if (p->has_sd && p->sd > 0xffffff) {
		profile_err(err, errlen, "sNssai.sd: want 24 bits");
		return -1;
	}
	if (!plan_id_ok(p->plan_id)) {
		profile_err(err, errlen,
			"plan.id: want 1 to 32 of A-Z a-z 0-9 . _ -");
		return -1;
	}
	if (!text_ok(p->plan_name, 1, 64)) {
		profile_err(err, errlen,
			"plan.name: want 1 to 64 octets of UTF-8 text without control characters");
		return -1;
	}
	if (p->valid_from_s > TIME_MAX_S || p->valid_until_s > TIME_MAX_S) {
		profile_err(err, errlen, "validity: after year 9999");
		return -1;
	}
	if (p->valid_from_s >= p->valid_until_s) {
		profile_err(err, errlen, "validUntil: not after validFrom");
		return -1;
	}
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era;
	unsigned int yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned int)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* "YYYY-MM-DDTHH:MM:SSZ" (UTC, no fraction, no offset), 1970..9999. */
static int
time_parse(const char *s, size_t len, uint64_t *out)
{
	static const unsigned char mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	unsigned int y, mo, d, h, mi, sec, i, dim;
	int64_t days;

	if (len != TIME_LEN)
		return -1;
	for (i = 0; i < TIME_LEN; i++) {
		if (shape[i] == 'd') {
			if (s[i] < '0' || s[i] > '9')
				return -1;
		} else if (s[i] != shape[i]) {
			return -1;
		}
	}
#define NUM2(o) ((unsigned int)(s[o] - '0') * 10 + (unsigned int)(s[(o) + 1] - '0'))
	y = NUM2(0) * 100 + NUM2(2);
	mo = NUM2(5);
	d = NUM2(8);
	h = NUM2(11);
	mi = NUM2(14);
	sec = NUM2(17);
#undef NUM2
	if (y < 1970 || mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 59)
		return -1;
	dim = mdays[mo - 1];
	if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		dim = 29;
	if (d < 1 || d > dim)
		return -1;
	days = days_from_civil(y, mo, d);
	*out = (uint64_t)days * 86400 + h * 3600 + mi * 60 + sec;
	return 0;
}

static int
time_format(uint64_t t, char out[TIME_LEN + 1])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t > TIME_MAX_S || gmtime_r(&tt, &tm) == NULL)
		return -1;
	return strftime(out, TIME_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) ==
		TIME_LEN ? 0 : -1;
}

/* Overwrite the text of a jansson string node holding a secret. */
static void
json_wipe(json_t *s)
{
	if (json_is_string(s))
		OPENSSL_cleanse((char *)(uintptr_t)json_string_value(s),
				json_string_length(s));
}

char *
gg_profile_to_json(const struct gg_profile *p, char *err, size_t errlen)
{
	char k[33], opc[33], amf[5], sd[7], from[TIME_LEN + 1];
	char until[TIME_LEN + 1];
	json_t *root, *plmn, *snssai, *plan, *kj = NULL, *opcj = NULL;
	char *out = NULL;

	if (gg_profile_validate(p, err, errlen) != 0)
		return NULL;
	if (time_format(p->valid_from_s, from) != 0 ||
			time_format(p->valid_until_s, until) != 0) {
		profile_err(err, errlen, "validity: cannot format");
		return NULL;
	}
	gg_hex_encode(p->k, 16, k);
	gg_hex_encode(p->opc, 16, opc);
	gg_hex_encode(p->amf, 2, amf);
	snprintf(sd, sizeof(sd), "%06" PRIx32, p->sd);

	root = json_object();
	plmn = json_object();
	snssai = json_object();
	plan = json_object();
	if (root == NULL || plmn == NULL || snssai == NULL || plan == NULL)
		goto nomem;
	kj = json_string(k);
	opcj = json_string(opc);
	/* Our references to kj and opcj outlive root's, for json_wipe(). */
	if (kj == NULL || opcj == NULL)
		goto nomem;
	if (json_object_set_new(root, "version",
				json_integer(GG_PROFILE_VERSION)) ||
			json_object_set_new(root, "supi",
				json_string(p->supi)) ||
			json_object_set_new(root, "deviceIdentity",
				json_string(p->device_identity)) ||
			json_object_set_new(root, "issuer",
				json_string(p->issuer)) ||
			json_object_set_new(plmn, "mcc", json_string(p->mcc)) ||
			json_object_set_new(plmn, "mnc", json_string(p->mnc)) ||
			json_object_set(root, "plmnId", plmn) ||
			json_object_set(root, "k", kj) ||
			json_object_set(root, "opc", opcj) ||
			json_object_set_new(root, "amf", json_string(amf)) ||
			json_object_set_new(root, "dnn", json_string(p->dnn)) ||
			json_object_set_new(snssai, "sst",
				json_integer(p->sst)) ||
			(p->has_sd && json_object_set_new(snssai, "sd",
				json_string(sd))) ||
			json_object_set(root, "sNssai", snssai) ||
			json_object_set_new(plan, "id",
				json_string(p->plan_id)) ||
			json_object_set_new(plan, "name",
				json_string(p->plan_name)) ||
			json_object_set(root, "plan", plan) ||
			json_object_set_new(root, "validFrom",
				json_string(from)) ||
			json_object_set_new(root, "validUntil",
				json_string(until)))
		goto nomem;
	out = json_dumps(root, JSON_INDENT(2));
	if (out == NULL)
		goto nomem;
	if (strlen(out) > GG_PROFILE_JSON_MAX) {
		gg_profile_json_free(out);
		out = NULL;
		profile_err(err, errlen, "document larger than %d octets",
				GG_PROFILE_JSON_MAX);
	}
	goto done;
nomem:
	profile_err(err, errlen, "out of memory");
done:
	json_wipe(kj);
	json_wipe(opcj);
	json_decref(kj);
	json_decref(opcj);
	json_decref(plmn);
	json_decref(snssai);
	json_decref(plan);
	json_decref(root);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(opc, sizeof(opc));
	return out;
}

/* The members an object may and must have. */
struct member {
	const char *name;
	bool optional;
};

/* Refuse members not in @p m and report missing required ones. */
static int
members_check(json_t *obj, const char *path, const struct member *m,
		size_t n, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(obj)) {
		profile_err(err, errlen, "%s: want an object", path);
		return -1;
	}
	json_object_foreach(obj, key, v) {
		for (i = 0; i < n; i++)
			if (strcmp(key, m[i].name) == 0)
				break;
		if (i == n) {
			/* The key is not a secret, but keep it short. */
			profile_err(err, errlen, "%s%s%.40s: unknown member",
					path, *path ? "." : "", key);
			return -1;
		}
	}
	for (i = 0; i < n; i++) {
		if (!m[i].optional && json_object_get(obj, m[i].name) == NULL) {
			profile_err(err, errlen, "%s%s%s: missing", path,
					*path ? "." : "", m[i].name);
			return -1;
		}
	}
	return 0;
}

/* A string member copied into out (size outsize, NUL included); the
 * content rules are checked later by gg_profile_validate(). */
static int
get_str(json_t *obj, const char *name, const char *path, char *out,
		size_t outsize, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, name);
	size_t len;

	if (!json_is_string(v)) {
		profile_err(err, errlen, "%s: want a string", path);
		return -1;
	}
	len = json_string_length(v);
	if (memchr(json_string_value(v), '\0', len) != NULL) {
		profile_err(err, errlen, "%s: contains NUL", path);
		return -1;
	}
	if (len >= outsize) {
		profile_err(err, errlen, "%s: longer than %zu octets", path,
				outsize - 1);
		return -1;
	}
	memcpy(out, json_string_value(v), len + 1);
	return 0;
}

static int
get_hex(json_t *obj, const char *name, uint8_t *out, size_t n, char *err,
		size_t errlen)
{
	json_t *v = json_object_get(obj, name);

	if (!json_is_string(v) || gg_hex_decode(json_string_value(v),
				json_string_length(v), out, n) != 0) {
		profile_err(err, errlen, "%s: want %zu hex digits", name,
				2 * n);
		return -1;
	}
	return 0;
}

static int
get_time(json_t *obj, const char *name, uint64_t *out, char *err,
		size_t errlen)
{
	json_t *v = json_object_get(obj, name);

	if (!json_is_string(v) || time_parse(json_string_value(v),
				json_string_length(v), out) != 0) {
		profile_err(err, errlen,
				"%s: want a UTC time YYYY-MM-DDTHH:MM:SSZ, 1970 to 9999",
				name);
		return -1;
	}
	return 0;
}

static int
decode(json_t *root, struct gg_profile *p, char *err, size_t errlen)
{
	static const struct member top[] = {
		{ "version", false }, { "supi", false },
		{ "deviceIdentity", false }, { "issuer", false },
		{ "plmnId", false }, { "k", false }, { "opc", false },
		{ "amf", false }, { "dnn", false }, { "sNssai", false },
		{ "plan", false }, { "validFrom", false },
		{ "validUntil", false },
	};
	static const struct member plmn_m[] = {
		{ "mcc", false }, { "mnc", false },
	};
	static const struct member snssai_m[] = {
		{ "sst", false }, { "sd", true },
	};
	static const struct member plan_m[] = {
		{ "id", false }, { "name", false },
	};
	json_t *v, *plmn, *snssai, *plan;
	uint8_t sd[3];

	if (members_check(root, "", top, sizeof(top) / sizeof(top[0]), err,
				errlen) != 0)
		return -1;
	v = json_object_get(root, "version");
	if (!json_is_integer(v) ||
			json_integer_value(v) != GG_PROFILE_VERSION) {
		profile_err(err, errlen, "version: want %d",
				GG_PROFILE_VERSION);
		return -1;
	}
	plmn = json_object_get(root, "plmnId");
	snssai = json_object_get(root, "sNssai");
	plan = json_object_get(root, "plan");
	if (members_check(plmn, "plmnId", plmn_m, 2, err, errlen) != 0 ||
			members_check(snssai, "sNssai", snssai_m, 2, err,
				errlen) != 0 ||
			members_check(plan, "plan", plan_m, 2, err, errlen) != 0)
		return -1;
	if (get_str(root, "supi", "supi", p->supi, sizeof(p->supi), err,
				errlen) != 0 ||
			get_str(root, "deviceIdentity", "deviceIdentity",
				p->device_identity,
				sizeof(p->device_identity), err, errlen) != 0 ||
			get_str(root, "issuer", "issuer", p->issuer,
				sizeof(p->issuer), err, errlen) != 0 ||
			get_str(plmn, "mcc", "plmnId.mcc", p->mcc,
				sizeof(p->mcc), err, errlen) != 0 ||
			get_str(plmn, "mnc", "plmnId.mnc", p->mnc,
				sizeof(p->mnc), err, errlen) != 0 ||
			get_hex(root, "k", p->k, 16, err, errlen) != 0 ||
			get_hex(root, "opc", p->opc, 16, err, errlen) != 0 ||
			get_hex(root, "amf", p->amf, 2, err, errlen) != 0 ||
			get_str(root, "dnn", "dnn", p->dnn, sizeof(p->dnn),
				err, errlen) != 0 ||
			get_str(plan, "id", "plan.id", p->plan_id,
				sizeof(p->plan_id), err, errlen) != 0 ||
			get_str(plan, "name", "plan.name", p->plan_name,
				sizeof(p->plan_name), err, errlen) != 0 ||
			get_time(root, "validFrom", &p->valid_from_s, err,
				errlen) != 0 ||
			get_time(root, "validUntil", &p->valid_until_s, err,
				errlen) != 0)
		return -1;
	v = json_object_get(snssai, "sst");
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			json_integer_value(v) > 255) {
		profile_err(err, errlen, "sNssai.sst: want an integer 0 to 255");
		return -1;
	}
	p->sst = (uint8_t)json_integer_value(v);
	v = json_object_get(snssai, "sd");
	if (v != NULL) {
		if (!json_is_string(v) || gg_hex_decode(json_string_value(v),
					json_string_length(v), sd, 3) != 0) {
			profile_err(err, errlen, "sNssai.sd: want 6 hex digits");
			return -1;
		}
		p->sd = (uint32_t)sd[0] << 16 | (uint32_t)sd[1] << 8 | sd[2];
		p->has_sd = true;
	}
	return gg_profile_validate(p, err, errlen);
}

int
gg_profile_from_json(const char *json, size_t len, struct gg_profile *p,
		char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;
	char *near;
	int rc;

	if (p == NULL || json == NULL) {
		profile_err(err, errlen, "no input");
		return -1;
	}
	memset(p, 0, sizeof(*p));
	if (len > GG_PROFILE_JSON_MAX) {
		profile_err(err, errlen, "document larger than %d octets",
				GG_PROFILE_JSON_MAX);
		return -1;
	}
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		/* jansson quotes the token it stopped at ("near '...'"),
		 * which could be part of K: drop it. */
		near = strstr(je.text, " near ");
		if (near != NULL)
			*near = '\0';
		profile_err(err, errlen, "not JSON: line %d column %d: %s",
				je.line, je.column, je.text);
		OPENSSL_cleanse(&je, sizeof(je));
		return -1;
	}
	rc = decode(root, p, err, errlen);
	json_wipe(json_object_get(root, "k"));
	json_wipe(json_object_get(root, "opc"));
	json_decref(root);
	if (rc != 0)
		gg_profile_clear(p);
	return rc;
}

void
gg_profile_json_free(char *json)
{
	if (json == NULL)
		return;
	OPENSSL_cleanse(json, strlen(json));
	free(json);
}

void
gg_profile_clear(struct gg_profile *p)
{
	if (p != NULL)
		OPENSSL_cleanse(p, sizeof(*p));
}
