/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * seal-profile: the operator's side of lib/profile for test_uesim.py,
 * so that gg-uesim is fed profiles sealed the way the portal seals them
 * (AuthEnvelopedData AES-256-GCM by default), not only by the openssl CLI.
 *
 *   seal-profile SIGNER_CERT SIGNER_KEY DEVICE_CERT gcm|cbc <doc.json >p.der
 *
 * Exit 0, or 1 with lib/profile's reason on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gg_profile.h"

/* Whole of @p f, NUL-terminated, at most @p max octets; NULL on error. */
static char *
slurp(FILE *f, size_t max, size_t *len)
{
	char *buf = malloc(max + 1);
	size_t n;

	if (buf == NULL)
		return NULL;
	n = fread(buf, 1, max + 1, f);
	if (n > max || ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int
main(int argc, char **argv)
{
	struct gg_profile_signer *sg;
	enum gg_profile_cipher c;
	char err[256], *json, *cert;
	size_t json_len, cert_len, der_len;
	uint8_t *der;
	FILE *f;

	if (argc != 5 || (strcmp(argv[4], "gcm") != 0 &&
			strcmp(argv[4], "cbc") != 0)) {
		fprintf(stderr, "usage: %s SIGNER_CERT SIGNER_KEY DEVICE_CERT gcm|cbc <json >der\n",
				argv[0]);
		return 2;
	}
	c = strcmp(argv[4], "gcm") == 0 ? GG_PROFILE_AES256_GCM :
			GG_PROFILE_AES256_CBC;
	sg = gg_profile_signer_load(argv[1], argv[2], err, sizeof(err));
	if (sg == NULL) {
		fprintf(stderr, "signer: %s\n", err);
		return 1;
	}
	f = fopen(argv[3], "r");
	cert = f != NULL ? slurp(f, GG_PROFILE_CERT_MAX, &cert_len) : NULL;
	if (f != NULL)
		fclose(f);
	json = slurp(stdin, GG_PROFILE_JSON_MAX, &json_len);
	if (cert == NULL || json == NULL) {
		fprintf(stderr, "cannot read %s\n", cert == NULL ? argv[3] : "stdin");
		return 1;
	}
	if (gg_profile_seal(sg, json, json_len, cert, c, &der, &der_len, err,
			sizeof(err)) != 0) {
		fprintf(stderr, "seal: %s\n", err);
		return 1;
	}
	if (fwrite(der, 1, der_len, stdout) != der_len || fflush(stdout) != 0)
		return 1;
	free(der);
	free(cert);
	gg_profile_json_free(json);
	gg_profile_signer_free(sg);
	return 0;
}
