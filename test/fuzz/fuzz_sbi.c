/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for lib/sbi, the SBI server: the input is the raw
 * octets a client writes on one TCP connection (HTTP/2 with prior
 * knowledge, or anything else), fed to a real server over loopback
 * (fuzz_h2.h) with the client's side closed after them.
 *
 * The handler uses every accessor and answers in the ways the AuSF does,
 * chosen by the path: /json parses the body (gg_sbi_parse_json_body())
 * and echoes it, /later holds the request and answers after the
 * exchange (by then maybe cancelled), /405 answers with Allow, anything
 * else gets a ProblemDetails 404.
 *
 * Invariants: the server closes every connection it accepted and frees
 * every request (ASan's leak check), whatever the octets were. And the
 * plain reader (gg_sbi_json_read_plain(), with the AuSF's schema) takes
 * a body only if jansson and the getters take it the same way: checked
 * on every /json body and on the raw input itself.
 */
#include <stdlib.h>
#include <string.h>

#include "gg_ausf.h"
#include "fuzz_h2.h"

#define HELD_MAX 64

static struct h2_peer peer;

/* The AuSF's AuthenticationInfo, the schema it reads (lib/ausf). */
#define spec gg_ausf_auth_info_fields
#define SPEC_N GG_AUSF_AUTH_INFO_FIELDS

static void
plain_check(const uint8_t *b, size_t n)
{
	struct gg_sbi_json_field f[SPEC_N];
	static char buf[2400];
	json_t *j, *tunnel = NULL;
	unsigned int i, top = 0, sub = 0;

	memcpy(f, spec, sizeof(f));
	if (gg_sbi_json_read_plain(b, n, f, SPEC_N, buf, sizeof(buf)) != 0)
		return;
	j = json_loadb((const char *)b, n, JSON_REJECT_DUPLICATES, NULL);
	FUZZ_CHECK(json_is_object(j));
	for (i = 0; i < SPEC_N; i++) {
		const json_t *obj = spec[i].parent < 0 ? j : tunnel;
		const char *v = NULL;

		if (spec[i].parent >= 0 && tunnel == NULL) {
			FUZZ_CHECK(!f[i].present);
			continue;
		}
		if (spec[i].object) {
			FUZZ_CHECK(gg_sbi_json_get_object(obj, NULL, spec[i].name,
					spec[i].required, &tunnel, NULL) == 0);
			FUZZ_CHECK((tunnel != NULL) == f[i].present);
		} else {
			FUZZ_CHECK(gg_sbi_json_get_string(obj, NULL, spec[i].name,
					spec[i].required, spec[i].max_len, &v,
					NULL) == 0);
			FUZZ_CHECK((v != NULL) == f[i].present);
			FUZZ_CHECK(v == NULL || strcmp(v, f[i].value) == 0);
		}
		if (f[i].present)
			spec[i].parent < 0 ? top++ : sub++;
	}
	FUZZ_CHECK(json_object_size(j) == top);
	FUZZ_CHECK(tunnel == NULL || json_object_size(tunnel) == sub);
	json_decref(j);
}
static struct gg_sbi_request *held[HELD_MAX];
static unsigned int n_held;

static void
handler(struct gg_sbi_request *req, void *arg)
{
	const char *path = gg_sbi_request_path(req);
	const uint8_t *body;
	size_t len;
	char err[128];
	json_t *j;
	int status;

	(void)arg;
	FUZZ_CHECK(gg_sbi_request_method(req) != NULL && path != NULL);
	(void)gg_sbi_request_query(req);
	(void)gg_sbi_request_header(req, "content-type");
	(void)gg_sbi_request_peer(req);
	body = gg_sbi_request_body(req, &len);
	FUZZ_CHECK(body != NULL && body[len] == '\0');

	if (strcmp(path, "/json") == 0) {
		plain_check(body, len);
		j = gg_sbi_parse_json_body(req, &status, err, sizeof(err));
		if (j == NULL)
			gg_sbi_problem(req, status, "INVALID_MSG_FORMAT", err, NULL);
		else
			gg_sbi_respond_json(req, 200, j, "/json/1");
	} else if (strcmp(path, "/later") == 0 && n_held < HELD_MAX) {
		held[n_held++] = req;
	} else if (strcmp(path, "/405") == 0) {
		gg_sbi_method_not_allowed(req, "GET, DELETE");
	} else {
		gg_sbi_problem(req, 404, "RESOURCE_URI_STRUCTURE_NOT_FOUND",
				"no such resource", NULL);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	h2_start(&peer, handler, NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int i;

	plain_check(data, size);
	FUZZ_CHECK(h2_exchange(&peer, data, size, 1, NULL, NULL) == 0);
	/* Answers to requests whose connection is gone: a no-op each. */
	for (i = 0; i < n_held; i++)
		gg_sbi_respond(held[i], 204, NULL, NULL, NULL, 0);
	n_held = 0;
	return 0;
}
