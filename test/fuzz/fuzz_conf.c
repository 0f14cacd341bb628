/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for lib/conf, the configuration loader: the input is
 * a configuration file, written to a file of its own and loaded as
 * gardengate loads one (gg_conf_load()), then summarised as
 * --check-config does and freed.
 *
 * Invariants: a refused file comes with a one-line "FILE:LINE: SETTING:
 * problem" (or libconfig's "FILE:LINE: ...") message naming the file; an
 * accepted one summarises and frees cleanly (ASan's leak check covers
 * what gg_conf_free() forgets).
 *
 * Inputs holding "@include" are skipped: an include names any file of
 * the machine (/dev/zero reads for ever), which is the operator's
 * choice, not a parser's defect, and would make the fuzzer's runs
 * depend on the machine.
 */
#define _GNU_SOURCE /* memmem() */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gg_conf.h"
#include "fuzz_common.h"

static char path[64];
static FILE *devnull;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/gg-fuzz-conf-XXXXXX";

	(void)argc;
	(void)argv;
	/* Relative paths in the input resolve in an empty folder. */
	FUZZ_CHECK(mkdtemp(dir) != NULL && chdir(dir) == 0);
	snprintf(path, sizeof(path), "%s/in.conf", dir);
	devnull = fopen("/dev/null", "w");
	FUZZ_CHECK(devnull != NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gg_config cfg;
	char err[GG_CONF_ERR_MAX];
	FILE *f;

	if (memmem(data, size, "@include", 8) != NULL)
		return 0;
	f = fopen(path, "w");
	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(fwrite(data, 1, size, f) == size);
	FUZZ_CHECK(fclose(f) == 0);

	err[0] = '\0';
	if (gg_conf_load(path, &cfg, err, sizeof(err)) != 0) {
		if (getenv("FUZZ_VERBOSE") != NULL)
			fprintf(stderr, "[%s]\n", err);
		FUZZ_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
		FUZZ_CHECK(strstr(err, "in.conf") != NULL);
	} else {
		gg_conf_print_summary(&cfg, devnull);
	}
	gg_conf_free(&cfg);
	return 0;
}
