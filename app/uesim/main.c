/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gg-uesim: a command-line device (and its gNB) for gardengate, to drive
 * the onboarding from the device's side. This file only dispatches to the
 * subcommands, one file each:
 *
 *   gg-uesim auth ...     one-way authentication (auth.c)
 *   gg-uesim receive ...  serve the profile push callback (receive.c)
 *   gg-uesim profile ...  fetch the profile, the push's fallback (profile.c)
 *   gg-uesim status ...   read an authentication context (ctx.c)
 *   gg-uesim detach ...   detach (ctx.c)
 *   gg-uesim tunnel ...   the gNB's user plane, TUN <-> GTP-U (tunnel.c)
 *   gg-uesim load ...     a load generator for the AuSF (load.c)
 *
 * Exit status: 0 success, 1 failure (refused, no answer, malformed
 * answer), 2 usage error; the same for every subcommand.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/opensslv.h>

#include "uesim.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "auth", uesim_cmd_auth, "one-way authentication: challenge, signature, session" },
	{ "receive", uesim_cmd_receive, "serve the profile callback: take, check, store the profile" },
	{ "profile", uesim_cmd_profile, "fetch the profile (GET), check and store it" },
	{ "status", uesim_cmd_status, "show an authentication context (GET)" },
	{ "detach", uesim_cmd_detach, "detach: remove the context and its session (DELETE)" },
	{ "tunnel", uesim_cmd_tunnel, "the gNB user plane: a TUN device over GTP-U" },
	{ "load", uesim_cmd_load, "many devices at once: authentications/s and latency" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"Usage: %s COMMAND [options]\n"
		"       %s COMMAND --help\n"
		"\n"
		"A device without a subscription, and its gNB, talking to\n"
		"gardengate's AuSF (doc/ausf-api.rst) over HTTP/2 cleartext, and\n"
		"taking the subscription profile it pushes (doc/uesim.rst).\n"
		"\n"
		"Commands:\n", UESIM_PROG, UESIM_PROG);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(out,
		"\n"
		"  -h, --help     this text\n"
		"  -V, --version  print the version\n"
		"\n"
		"Exit status: 0 success, 1 failure (refused, no answer, malformed\n"
		"answer), 2 usage error.\n");
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	static char name[64];
	size_t i;
	int ret;

	if (cmd == NULL) {
		usage(stderr);
		return UESIM_EXIT_USAGE;
	}
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
			strcmp(cmd, "help") == 0) {
		usage(stdout);
		return UESIM_EXIT_OK;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("%s %s (%s, %s)\n", UESIM_PROG, GG_VERSION, curl_version(),
				OPENSSL_VERSION_TEXT);
		return UESIM_EXIT_OK;
	}
	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(cmd, commands[i].name) == 0)
			break;
	if (i == N_COMMANDS) {
		fprintf(stderr, "%s: unknown command '%s'\n", UESIM_PROG, cmd);
		usage(stderr);
		return UESIM_EXIT_USAGE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "%s: libcurl initialisation failed\n", UESIM_PROG);
		return UESIM_EXIT_FAIL;
	}
	/* The subcommand sees itself as argv[0], as a program would; getopt
	 * names it so in its messages. */
	snprintf(name, sizeof(name), "%s %s", UESIM_PROG, commands[i].name);
	argv[1] = name;
	ret = commands[i].run(argc - 1, argv + 1);
	curl_global_cleanup();
	return ret;
}
