/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gg-test-provision: signs a device up in the store the way the portal
 * does, through gg_store_provision() on the redis backend (one script:
 * subscription, profile, state "provisioned", event), for the integration
 * tests of the profile push. Test tool only: the key material comes from
 * the command line.
 *
 *   gg-test-provision SOCK PREFIX IDENTITY SUPI PROFILE_FILE [K OPC]
 *
 * Prints the store's answer ("ok", "conflict", "not found", ...) and exits
 * 0 for ok, 3 for conflict, 4 for not found, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gg_evloop.h"
#include "gg_store.h"

static int done;
static enum gg_store_status result;

static void
on_done(struct gg_store *s, enum gg_store_status st, void *arg)
{
	(void)s;
	(void)arg;
	result = st;
	done = 1;
}

int
main(int argc, char **argv)
{
	struct gg_store_params p = { .backend = "redis" };
	struct gg_subscription sub;
	struct gg_evloop *loop;
	struct gg_store *s;
	uint8_t *der;
	uint64_t end;
	long len;
	FILE *f;

	if (argc != 6 && argc != 8) {
		fprintf(stderr, "usage: %s SOCK PREFIX IDENTITY SUPI PROFILE_FILE [K OPC]\n",
				argv[0]);
		return 2;
	}
	f = fopen(argv[5], "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) <= 0 ||
			fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[5]);
		return 2;
	}
	der = malloc((size_t)len);
	if (der == NULL || fread(der, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[5]);
		return 2;
	}
	fclose(f);
	memset(&sub, 0, sizeof(sub));
	snprintf(sub.identity, sizeof(sub.identity), "%s", argv[3]);
	snprintf(sub.supi, sizeof(sub.supi), "%s", argv[4]);
	snprintf(sub.plan, sizeof(sub.plan), "test-plan");
	snprintf(sub.k_hex, sizeof(sub.k_hex), "%s",
			argc == 8 ? argv[6] : "000102030405060708090a0b0c0d0e0f");
	snprintf(sub.opc_hex, sizeof(sub.opc_hex), "%s",
			argc == 8 ? argv[7] : "101112131415161718191a1b1c1d1e1f");
	snprintf(sub.amf_hex, sizeof(sub.amf_hex), "8000");

	loop = gg_evloop_create();
	p.unix_path = argv[1];
	p.prefix = argv[2];
	s = loop != NULL ? gg_store_open(&p, loop) : NULL;
	if (s == NULL) {
		fprintf(stderr, "%s: cannot open the store\n", argv[0]);
		return 1;
	}
	end = gg_evloop_now_ms() + 5000;
	while (!gg_store_is_up(s) && gg_evloop_now_ms() < end)
		gg_evloop_run_once(loop, 10);
	if (!gg_store_is_up(s)) {
		fprintf(stderr, "%s: store down: %s\n", argv[0], gg_store_last_error(s));
		return 1;
	}
	if (gg_store_provision(s, &sub, der, (size_t)len, on_done, NULL) != 0) {
		fprintf(stderr, "%s: request refused (bad arguments?)\n", argv[0]);
		return 1;
	}
	while (!done && gg_evloop_now_ms() < end)
		gg_evloop_run_once(loop, 10);
	printf("%s\n", done ? gg_store_strerror(result) : "no answer");
	gg_store_close(s);
	gg_evloop_free(loop);
	free(der);
	if (!done)
		return 1;
	return result == GG_STORE_OK ? 0 : result == GG_STORE_CONFLICT ? 3 :
			result == GG_STORE_NOT_FOUND ? 4 : 1;
}
