/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gg-ctl: what an operator does by hand with a running gardengate, in one
 * command (doc/operations.rst, "gg-ctl"):
 *
 *   gg-ctl [options] stats | info
 *   gg-ctl [options] session list [STATE]
 *   gg-ctl [options] session show|set-state|delete TEID [STATE]
 *   gg-ctl [options] garden list | add RULE | del RULE
 *   gg-ctl [options] device show IDENTITY|UE-IPv4
 *   gg-ctl [options] reload
 *
 * Everything but "device" goes through gardengate's DPDK telemetry socket
 * (<runtime dir>/<file prefix>/dpdk_telemetry.v2, SOCK_SEQPACKET, one JSON
 * answer per request; telemetry.c and admin.c serve the /gardengate/...
 * commands). "device" reads the subscription store itself, with
 * lib/store's redis driver and the "store" section of gardengate's file.
 *
 * Human output by default, one JSON document with --json. Exit status:
 * 0 done; 1 refused (the answer says why) or failed; 2 gardengate (or the
 * store) cannot be reached; 3 reload applied but some settings were
 * refused; 64 usage. No EAL: DPDK is used for nothing but headers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include <rte_common.h>

#include "gg_conf.h"
#include "gg_evloop.h"
#include "gg_store.h"

#define DEFAULT_CONFIG "config/gardengate.conf"
#define TEL_SOCKET "dpdk_telemetry.v2"
#define TEL_REPLY_MAX (1 << 20)

enum { EXIT_REFUSED = 1, EXIT_UNREACHABLE = 2, EXIT_PARTIAL = 3, EXIT_USAGE = 64 };

struct ctl {
	const char *prefix;      /* EAL --file-prefix of gardengate */
	const char *socket_path; /* or the socket itself */
	const char *config;      /* gardengate's file */
	bool config_given;
	bool json;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t max_reply;
	struct gg_config cfg;
	bool cfg_loaded;
};

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: gg-ctl [options] COMMAND [ARGS]\n"
		"\n"
		"Operate a running gardengate through its telemetry socket.\n"
		"\n"
		"Commands:\n"
		"  stats                           counters, drop reasons, workers\n"
		"  info                            version, workers, sessions\n"
		"  session list [STATE]            every session, or those full, limited\n"
		"                                  or blocked\n"
		"  session show TEID               one session (TEID decimal or 0x hex)\n"
		"  session set-state TEID STATE    full, limited or blocked\n"
		"  session delete TEID             a session of the file (not the AuSF's)\n"
		"  garden list                     prefix rules and names\n"
		"  garden add RULE                 \"a.b.c.d/len [proto [ports]]\" or\n"
		"                                  \"name [proto [ports]]...\"\n"
		"  garden del RULE                 the same text, or just the name\n"
		"  device show IDENTITY|UE-IPv4    the device's record in the store\n"
		"  reload                          re-read the file, apply what can change\n"
		"\n"
		"Options:\n"
		"  -f, --config FILE       gardengate's configuration (default %s):\n"
		"                          its \"eal\" --file-prefix and its store\n"
		"  -p, --file-prefix NAME  gardengate's EAL --file-prefix (default: the\n"
		"                          file's, else \"rte\")\n"
		"  -s, --socket PATH       the telemetry socket itself\n"
		"  -j, --json              one JSON document on stdout\n"
		"  -h, --help\n"
		"\n"
		"Exit status: 0 done, 1 refused or failed, 2 gardengate or the store\n"
		"not reachable, 3 reload partly refused, 64 usage.\n", DEFAULT_CONFIG);
}

/* An error for people (stderr) and, with --json, for scripts (stdout). */
static int __attribute__((format(printf, 3, 4)))
fail(const struct ctl *c, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "gg-ctl: %s\n", msg);
	if (c->json) {
		json_t *j = json_pack("{s:s, s:i}", "error", msg, "status", status);

		json_dumpf(j, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(j);
	}
	return status;
}

/* The file, when there is one: quietly absent unless -f named it. */
static int
load_config(struct ctl *c, bool needed)
{
	char err[GG_CONF_ERR_MAX];

	if (c->cfg_loaded)
		return 0;
	if (!c->config_given && !needed && access(c->config, R_OK) != 0)
		return -1;
	if (gg_conf_load(c->config, &c->cfg, err, sizeof(err)) != 0) {
		if (c->config_given || needed)
			fprintf(stderr, "gg-ctl: %s\n", err);
		return -1;
	}
	c->cfg_loaded = true;
	return 0;
}

/* EAL's runtime directory (eal_get_runtime_dir(): root or not). */
static void
socket_path(struct ctl *c)
{
	const char *prefix = c->prefix;
	const char *base = "/var/run";
	int i;

	if (c->socket_path != NULL) {
		snprintf(c->path, sizeof(c->path), "%s", c->socket_path);
		return;
	}
	if (prefix == NULL && load_config(c, false) == 0) {
		for (i = 0; i < c->cfg.eal_argc; i++) {
			const char *a = c->cfg.eal_argv[i];

			if (strcmp(a, "--file-prefix") == 0 && i + 1 < c->cfg.eal_argc)
				prefix = c->cfg.eal_argv[i + 1];
			else if (strncmp(a, "--file-prefix=", 14) == 0)
				prefix = a + 14;
		}
	}
	if (prefix == NULL)
		prefix = "rte";
	if (getuid() != 0)
		base = getenv("XDG_RUNTIME_DIR") != NULL ? getenv("XDG_RUNTIME_DIR") : "/tmp";
	snprintf(c->path, sizeof(c->path), "%s/dpdk/%s/%s", base, prefix, TEL_SOCKET);
}

/* Connect and read the greeting ({"version":..., "max_output_len": N}). */
static int
tel_connect(struct ctl *c)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[1024];
	json_t *j;
	ssize_t n;

	socket_path(c);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (c->fd < 0)
		return fail(c, EXIT_UNREACHABLE, "socket: %s", strerror(errno));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", c->path);
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int e = errno;

		close(c->fd);
		c->fd = -1;
		if (e == ENOENT || e == ECONNREFUSED)
			return fail(c, EXIT_UNREACHABLE, "gardengate is not running "
					"(nothing listens on %s; see --file-prefix)", c->path);
		return fail(c, EXIT_UNREACHABLE, "%s: %s", c->path, strerror(e));
	}
	n = read(c->fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return fail(c, EXIT_UNREACHABLE, "%s: no greeting (too many clients?)",
				c->path);
	buf[n] = '\0';
	j = json_loads(buf, 0, NULL);
	c->max_reply = 16384;
	if (j != NULL && json_integer_value(json_object_get(j, "max_output_len")) > 0)
		c->max_reply = json_integer_value(json_object_get(j, "max_output_len"));
	json_decref(j);
	if (c->max_reply > TEL_REPLY_MAX)
		c->max_reply = TEL_REPLY_MAX;
	return 0;
}

/*
 * One request: the value of its answer ({"<cmd>": value}), a new
 * reference; NULL when gardengate refused it (the telemetry answer is null
 * when a command fails) or went away, *status saying which.
 */
static json_t *
tel_request(struct ctl *c, const char *cmd, const char *params, int *status)
{
	char req[1024];
	char *buf;
	json_t *root, *v = NULL;
	ssize_t n;

	*status = 0;
	if (c->fd < 0 && (*status = tel_connect(c)) != 0)
		return NULL;
	snprintf(req, sizeof(req), "%s%s%s", cmd, params ? "," : "", params ? params : "");
	if (write(c->fd, req, strlen(req)) < 0) {
		*status = fail(c, EXIT_UNREACHABLE, "%s: %s", c->path, strerror(errno));
		return NULL;
	}
	buf = malloc(c->max_reply + 1);
	if (buf == NULL) {
		*status = fail(c, EXIT_REFUSED, "out of memory");
		return NULL;
	}
	n = read(c->fd, buf, c->max_reply);
	if (n <= 0) {
		free(buf);
		*status = fail(c, EXIT_UNREACHABLE, "gardengate closed the connection");
		return NULL;
	}
	buf[n] = '\0';
	root = json_loads(buf, 0, NULL);
	free(buf);
	if (root != NULL)
		v = json_object_get(root, cmd);
	if (v == NULL || json_is_null(v)) {
		json_decref(root);
		*status = EXIT_REFUSED;
		return NULL;
	}
	json_incref(v);
	json_decref(root);
	return v;
}

static void
print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	putchar('\n');
}

/* A TEID as gardengate takes it: decimal or 0x hex, 1..2^32-1. */
static int
check_teid(const struct ctl *c, const char *s)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 || v == 0 ||
			v > 0xffffffffUL)
		return fail(c, EXIT_USAGE, "'%s' is not a TEID (1..0xffffffff)", s);
	return 0;
}

static int
cmd_info(struct ctl *c)
{
	int st;
	json_t *info = tel_request(c, "/gardengate/info", NULL, &st);

	if (info == NULL)
		return st == EXIT_REFUSED ? fail(c, st, "gardengate is starting or "
				"stopping (try again)") : st;
	if (c->json)
		print_json(info);
	else
		printf("gardengate %s: %lld worker(s), %lld session(s) of %lld\n",
				json_string_value(json_object_get(info, "version")),
				json_integer_value(json_object_get(info, "workers")),
				json_integer_value(json_object_get(info, "sessions")),
				json_integer_value(json_object_get(info, "session_capacity")));
	json_decref(info);
	return 0;
}

static int
cmd_stats(struct ctl *c)
{
	json_t *info, *stats, *workers, *v;
	const char *k;
	int st;

	info = tel_request(c, "/gardengate/info", NULL, &st);
	if (info == NULL)
		return st == EXIT_REFUSED ? fail(c, st, "gardengate is starting or "
				"stopping (try again)") : st;
	stats = tel_request(c, "/gardengate/stats", NULL, &st);
	workers = tel_request(c, "/gardengate/workers", NULL, &st);
	if (stats == NULL || workers == NULL) {
		json_decref(info);
		json_decref(stats);
		json_decref(workers);
		return fail(c, st ? st : EXIT_REFUSED, "gardengate did not answer /gardengate/stats");
	}
	if (c->json) {
		json_t *all = json_pack("{s:O, s:O, s:O}", "info", info,
				"counters", stats, "workers", workers);

		print_json(all);
		json_decref(all);
	} else {
		printf("gardengate %s: %lld worker(s), %lld session(s) of %lld\n",
				json_string_value(json_object_get(info, "version")),
				json_integer_value(json_object_get(info, "workers")),
				json_integer_value(json_object_get(info, "sessions")),
				json_integer_value(json_object_get(info, "session_capacity")));
		printf("\ncounters (non-zero):\n");
		json_object_foreach(stats, k, v)
			if (strncmp(k, "drop", 4) != 0 && json_integer_value(v) != 0)
				printf("  %-32s %20lld\n", k, json_integer_value(v));
		printf("\ndrops (non-zero), total %lld:\n",
				json_integer_value(json_object_get(stats, "drops_total")));
		json_object_foreach(stats, k, v)
			if (strncmp(k, "drop_", 5) == 0 && json_integer_value(v) != 0)
				printf("  %-32s %20lld\n", k + 5, json_integer_value(v));
		printf("\n%-10s %6s %14s %14s %14s %14s %14s\n", "worker", "lcore",
				"rx_n3", "rx_n6", "tx_n3", "tx_n6", "drops");
		json_object_foreach(workers, k, v)
			printf("%-10s %6lld %14lld %14lld %14lld %14lld %14lld\n", k,
				json_integer_value(json_object_get(v, "lcore")),
				json_integer_value(json_object_get(v, "rx_n3")),
				json_integer_value(json_object_get(v, "rx_n6")),
				json_integer_value(json_object_get(v, "tx_n3")),
				json_integer_value(json_object_get(v, "tx_n6")),
				json_integer_value(json_object_get(v, "drops")));
	}
	json_decref(info);
	json_decref(stats);
	json_decref(workers);
	return 0;
}

/*
 * The answer of a change ({"request", "result": "ok" or strerror,
 * "detail"}): ok, or refused with its reason.
 */
static int
change_result(struct ctl *c, const char *what, json_t *r)
{
	const char *res = json_string_value(json_object_get(r, "result"));
	const char *detail = json_string_value(json_object_get(r, "detail"));
	int ret = 0;

	if (res != NULL && strcmp(res, "ok") == 0) {
		if (c->json)
			print_json(r);
		else
			printf("%s: ok\n", what);
	} else {
		ret = fail(c, EXIT_REFUSED, "%s: refused: %s%s%s", what,
				res != NULL ? res : "no result", detail != NULL ? ": " : "",
				detail != NULL ? detail : "");
	}
	json_decref(r);
	return ret;
}

/*
 * Every session, a telemetry page at a time (/gardengate/sessions answers
 * "UL-TEID UE GNB DL-TEID QFI STATE" lines and the next cursor). Printed
 * as it comes, so a million sessions need no memory here; with --json one
 * array of objects.
 */
static int
session_list(struct ctl *c, const char *state)
{
	char params[48], teid[16], ue[16], gnb[16], dl[16], qfi[8], stname[16];
	unsigned long long cursor = 0, n = 0;
	json_t *page, *line;
	size_t i;
	int st;

	if (state != NULL && strcmp(state, "full") != 0 &&
			strcmp(state, "limited") != 0 && strcmp(state, "blocked") != 0)
		return fail(c, EXIT_USAGE, "state '%s': full, limited or blocked", state);
	if (c->json)
		printf("[");
	else
		printf("%-10s %-15s %-15s %-10s %3s %s\n", "ul_teid", "ue", "gnb",
				"dl_teid", "qfi", "state");
	for (;;) {
		snprintf(params, sizeof(params), "%llu%s%s", cursor,
				state != NULL ? "," : "", state != NULL ? state : "");
		page = tel_request(c, "/gardengate/sessions", params, &st);
		if (page == NULL) {
			if (c->json)
				printf("]\n");
			return st == EXIT_REFUSED ? fail(c, st, "gardengate refused "
					"the listing (starting or stopping?)") : st;
		}
		json_array_foreach(json_object_get(page, "sessions"), i, line) {
			const char *l = json_string_value(line);

			if (l == NULL || sscanf(l, "%15s %15s %15s %15s %7s %15s", teid,
					ue, gnb, dl, qfi, stname) != 6)
				continue;
			if (c->json)
				printf("%s\n  {\"ul_teid\": %lu, \"ue\": \"%s\", \"gnb\": "
					"\"%s\", \"dl_teid\": %lu, \"qfi\": %s, "
					"\"state\": \"%s\"}", n != 0 ? "," : "",
					strtoul(teid, NULL, 16), ue, gnb,
					strtoul(dl, NULL, 16),
					strcmp(qfi, "-") == 0 ? "null" : qfi, stname);
			else
				printf("%-10s %-15s %-15s %-10s %3s %s\n", teid, ue, gnb,
						dl, qfi, stname);
			n++;
		}
		cursor = json_integer_value(json_object_get(page, "next"));
		if (json_integer_value(json_object_get(page, "done")) != 0) {
			json_decref(page);
			break;
		}
		json_decref(page);
	}
	if (c->json)
		printf("%s]\n", n != 0 ? "\n" : "");
	else
		printf("%llu session(s)\n", n);
	return 0;
}

static int
cmd_session(struct ctl *c, int argc, char **argv)
{
	char params[64];
	json_t *r;
	int st;

	if (argc >= 1 && strcmp(argv[0], "list") == 0) {
		if (argc > 2)
			return fail(c, EXIT_USAGE, "session list [full|limited|blocked]");
		return session_list(c, argc == 2 ? argv[1] : NULL);
	}
	if (argc < 2 || (strcmp(argv[0], "set-state") == 0 && argc != 3) ||
			(strcmp(argv[0], "set-state") != 0 && argc != 2))
		return fail(c, EXIT_USAGE, "session show|delete TEID, or session "
				"set-state TEID full|limited|blocked");
	if ((st = check_teid(c, argv[1])) != 0)
		return st;
	if (strcmp(argv[0], "show") == 0) {
		const char *k;
		json_t *v;

		r = tel_request(c, "/gardengate/session", argv[1], &st);
		if (r == NULL)
			return st == EXIT_REFUSED ? fail(c, st, "no session with "
					"TEID %s", argv[1]) : st;
		if (c->json) {
			print_json(r);
		} else {
			json_object_foreach(r, k, v) {
				if (strstr(k, "teid") != NULL)
					printf("%-9s 0x%llx\n", k, json_integer_value(v));
				else if (json_is_string(v))
					printf("%-9s %s\n", k, json_string_value(v));
				else if (strcmp(k, "qfi") == 0 && json_integer_value(v) < 0)
					printf("%-9s none\n", k);
				else
					printf("%-9s %lld\n", k, json_integer_value(v));
			}
		}
		json_decref(r);
		return 0;
	}
	if (strcmp(argv[0], "set-state") == 0) {
		if (strcmp(argv[2], "full") != 0 && strcmp(argv[2], "limited") != 0 &&
				strcmp(argv[2], "blocked") != 0)
			return fail(c, EXIT_USAGE, "state '%s': full, limited or blocked",
					argv[2]);
		snprintf(params, sizeof(params), "%s,%s", argv[1], argv[2]);
		r = tel_request(c, "/gardengate/session_state", params, &st);
	} else if (strcmp(argv[0], "delete") == 0) {
		r = tel_request(c, "/gardengate/session_del", argv[1], &st);
	} else {
		return fail(c, EXIT_USAGE, "session: unknown subcommand '%s'", argv[0]);
	}
	if (r == NULL)
		return st == EXIT_REFUSED ? fail(c, st, "gardengate refused the "
				"request (starting or stopping?)") : st;
	snprintf(params, sizeof(params), "session %s %s", argv[0], argv[1]);
	return change_result(c, params, r);
}

/* The words of a rule as one string, as gardengate reads it. */
static void
join(char *out, size_t size, int argc, char **argv)
{
	size_t len = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < argc && len < size; i++)
		len += snprintf(out + len, size - len, "%s%s", i ? " " : "", argv[i]);
}

static int
cmd_garden(struct ctl *c, int argc, char **argv)
{
	char rule[512], what[600];
	json_t *r, *v;
	size_t i;
	int st;

	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		r = tel_request(c, "/gardengate/garden", NULL, &st);
		if (r == NULL)
			return st == EXIT_REFUSED ? fail(c, st, "gardengate refused "
					"the request (starting or stopping?)") : st;
		if (c->json) {
			print_json(r);
		} else {
			printf("prefixes:\n");
			json_array_foreach(json_object_get(r, "prefixes"), i, v)
				printf("  %s\n", json_string_value(v));
			printf("names:\n");
			json_array_foreach(json_object_get(r, "names"), i, v)
				printf("  %s\n", json_string_value(v));
		}
		json_decref(r);
		return 0;
	}
	if (argc < 2 || (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "del") != 0))
		return fail(c, EXIT_USAGE, "garden list, or garden add|del RULE");
	join(rule, sizeof(rule), argc - 1, argv + 1);
	r = tel_request(c, strcmp(argv[0], "add") == 0 ? "/gardengate/garden_add" :
			"/gardengate/garden_del", rule, &st);
	if (r == NULL)
		return st == EXIT_REFUSED ? fail(c, st, "gardengate refused the "
				"request (starting or stopping?)") : st;
	snprintf(what, sizeof(what), "garden %s %s", argv[0], rule);
	return change_result(c, what, r);
}

static int
cmd_reload(struct ctl *c)
{
	static const char *const lists[] = { "changed", "refused", "errors" };
	const char *res;
	json_t *r, *v;
	size_t i, k;
	int st, ret;

	r = tel_request(c, "/gardengate/reload", NULL, &st);
	if (r == NULL)
		return st == EXIT_REFUSED ? fail(c, st, "gardengate refused the "
				"reload (starting or stopping?)") : st;
	res = json_string_value(json_object_get(r, "result"));
	ret = res != NULL && strcmp(res, "ok") == 0 ? 0 :
		res != NULL && strcmp(res, "partial") == 0 ? EXIT_PARTIAL : EXIT_REFUSED;
	if (c->json) {
		print_json(r);
	} else {
		for (k = 0; k < RTE_DIM(lists); k++)
			json_array_foreach(json_object_get(r, lists[k]), i, v)
				printf("%s: %s\n", lists[k], json_string_value(v));
		if (json_array_size(json_object_get(r, "changed")) == 0 && ret == 0)
			printf("nothing changed\n");
		printf("reload: %s\n", res != NULL ? res : "no result");
	}
	if (ret != 0)
		fprintf(stderr, "gg-ctl: reload: %s\n", res != NULL ? res : "no result");
	json_decref(r);
	return ret;
}

/* device show: the store, read as gardengate reads it. */
struct dev_ctx {
	struct ctl *c;
	bool done;
	int status;
};

static void
device_print(struct ctl *c, const struct gg_device_record *rec)
{
	char ue[INET_ADDRSTRLEN], gnb[INET_ADDRSTRLEN];
	json_t *j;

	inet_ntop(AF_INET, &rec->ue_ipv4, ue, sizeof(ue));
	inet_ntop(AF_INET, &rec->gnb_ipv4, gnb, sizeof(gnb));
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:I}",
		"identity", rec->identity, "state", gg_device_state_name(rec->state),
		"supi", rec->supi, "ue_ipv4", ue, "gnb_ipv4", gnb,
		"ul_teid", (json_int_t)rec->ul_teid, "dl_teid", (json_int_t)rec->dl_teid,
		"cert_url", rec->cert_url, "cert_pem", rec->cert_pem,
		"auth_ctx_id", rec->auth_ctx_id, "notify_uri", rec->notify_uri,
		"created_ms", (json_int_t)rec->created_ms,
		"updated_ms", (json_int_t)rec->updated_ms);
	if (rec->has_qfi)
		json_object_set_new(j, "qfi", json_integer(rec->qfi));
	if (c->json) {
		print_json(j);
	} else {
		printf("identity     %s\nstate        %s\nsupi         %s\n"
			"ue_ipv4      %s\ngnb_ipv4     %s\nul_teid      0x%x\n"
			"dl_teid      0x%x\n", rec->identity,
			gg_device_state_name(rec->state),
			rec->supi[0] ? rec->supi : "(not signed up)", ue, gnb,
			rec->ul_teid, rec->dl_teid);
		if (rec->has_qfi)
			printf("qfi          %u\n", rec->qfi);
		printf("cert_url     %s\ncertificate  %zu octets of PEM\n"
			"auth_ctx_id  %s\nnotify_uri   %s\ncreated_ms   %llu\n"
			"updated_ms   %llu\n", rec->cert_url, strlen(rec->cert_pem),
			rec->auth_ctx_id, rec->notify_uri,
			(unsigned long long)rec->created_ms,
			(unsigned long long)rec->updated_ms);
	}
	json_decref(j);
}

static void
device_got(struct gg_store *s, enum gg_store_status st,
		const struct gg_device_record *rec, void *arg)
{
	struct dev_ctx *d = arg;

	RTE_SET_USED(s);
	d->done = true;
	if (st == GG_STORE_OK) {
		device_print(d->c, rec);
		d->status = 0;
	} else if (st == GG_STORE_NOT_FOUND) {
		d->status = fail(d->c, EXIT_REFUSED, "no such device in the store");
	} else {
		d->status = fail(d->c, EXIT_UNREACHABLE, "store: %s",
				gg_store_strerror(st));
	}
}

static int
cmd_device(struct ctl *c, int argc, char **argv)
{
	struct dev_ctx d = { .c = c, .status = EXIT_UNREACHABLE };
	struct gg_store_params sp;
	struct gg_evloop *loop;
	struct gg_store *s;
	struct in_addr a;
	uint64_t deadline;
	int ret;

	if (argc != 2 || strcmp(argv[0], "show") != 0)
		return fail(c, EXIT_USAGE, "device show IDENTITY|UE-IPv4");
	if (load_config(c, true) != 0)
		return fail(c, EXIT_USAGE, "device show needs gardengate's file "
				"(-f) for its store");
	loop = gg_evloop_create();
	if (loop == NULL)
		return fail(c, EXIT_REFUSED, "event loop: out of memory");
	gg_store_params_from_conf(&sp, &c->cfg.store);
	s = gg_store_open(&sp, loop);
	if (s == NULL) {
		gg_evloop_free(loop);
		return fail(c, EXIT_REFUSED, "store %s: cannot open", c->cfg.store.backend);
	}
	deadline = gg_evloop_now_ms() + c->cfg.store.connect_timeout_ms + 1000;
	while (!gg_store_is_up(s) && gg_evloop_now_ms() < deadline)
		gg_evloop_run_once(loop, 50);
	if (!gg_store_is_up(s)) {
		ret = fail(c, EXIT_UNREACHABLE, "store not reachable: %s",
				gg_store_last_error(s) ? gg_store_last_error(s) : "no answer");
		goto out;
	}
	if (inet_pton(AF_INET, argv[1], &a) == 1)
		ret = gg_store_get_by_ueip(s, a.s_addr, device_got, &d);
	else
		ret = gg_store_get(s, argv[1], device_got, &d);
	if (ret != 0) {
		ret = fail(c, EXIT_USAGE, "'%s': not an identity or IPv4 address", argv[1]);
		goto out;
	}
	deadline = gg_evloop_now_ms() + c->cfg.store.command_timeout_ms + 1000;
	while (!d.done && gg_evloop_now_ms() < deadline)
		gg_evloop_run_once(loop, 50);
	ret = d.done ? d.status : fail(c, EXIT_UNREACHABLE, "store: no answer");
out:
	gg_store_close(s);
	gg_evloop_free(loop);
	return ret;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "file-prefix", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct ctl c;
	const char *cmd;
	int opt, ret;

	c.config = DEFAULT_CONFIG;
	c.fd = -1;
	/* "+": options stop at the command, so "garden add x -y" is a rule. */
	while ((opt = getopt_long(argc, argv, "+f:p:s:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			c.config = optarg;
			c.config_given = true;
			break;
		case 'p':
			c.prefix = optarg;
			break;
		case 's':
			c.socket_path = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "stats") == 0 && argc == 0)
		ret = cmd_stats(&c);
	else if (strcmp(cmd, "info") == 0 && argc == 0)
		ret = cmd_info(&c);
	else if (strcmp(cmd, "session") == 0)
		ret = cmd_session(&c, argc, argv);
	else if (strcmp(cmd, "garden") == 0)
		ret = cmd_garden(&c, argc, argv);
	else if (strcmp(cmd, "device") == 0)
		ret = cmd_device(&c, argc, argv);
	else if (strcmp(cmd, "reload") == 0 && argc == 0)
		ret = cmd_reload(&c);
	else
		ret = fail(&c, EXIT_USAGE, "unknown command '%s' (gg-ctl --help)", cmd);
	if (c.fd >= 0)
		close(c.fd);
	if (c.cfg_loaded)
		gg_conf_free(&c.cfg);
	return ret;
}
