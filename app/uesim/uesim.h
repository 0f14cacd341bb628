/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gg-uesim: what the subcommand files share. The exit codes, the options
 * every subcommand takes, the SBI client (sbi_client.c: one libcurl easy
 * handle per request, HTTP/2 over cleartext with prior knowledge, jansson
 * bodies, failure reports) and the PDU session the AuSF hands out
 * (session.c), which the user-plane subcommands to come will read.
 *
 * Single-threaded; every call blocks until its request is over or timed
 * out. Nothing here is meant to be fast: one device, a few requests.
 */
#ifndef UESIM_H
#define UESIM_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "gg_profile.h"

#ifndef GG_VERSION
#define GG_VERSION "unknown"
#endif

#define UESIM_PROG "gg-uesim"

/* Exit codes of every subcommand. */
#define UESIM_EXIT_OK 0     /* what was asked for happened */
#define UESIM_EXIT_FAIL 1   /* refused, failed, or no answer */
#define UESIM_EXIT_USAGE 2  /* bad command line or local input */

/* The AuSF's collection (doc/ausf-api.rst). */
#define UESIM_API_PATH "/nausf-auth/v1/ue-authentications"

#define UESIM_DEFAULT_TIMEOUT_MS 5000
#define UESIM_MAX_TIMEOUT_MS 600000

/* Options every subcommand takes; getopt values of the long options. */
enum {
	UESIM_OPT_SBI = 256,
	UESIM_OPT_TIMEOUT,
	UESIM_OPT_JSON,
	/* The device's options (UESIM_DEVICE_LONGOPTS), for the subcommands
	 * that take a profile. */
	UESIM_OPT_IDENTITY = 280,
	UESIM_OPT_KEY,
	UESIM_OPT_CERT,
	UESIM_OPT_OPERATOR_CA,
	UESIM_OPT_OUT,
	UESIM_OPT_SHOW_SECRETS,
	UESIM_OPT_CMD_FIRST = 300, /* a subcommand's own options from here */
};

#define UESIM_COMMON_LONGOPTS \
	{ "sbi", required_argument, NULL, UESIM_OPT_SBI }, \
	{ "timeout-ms", required_argument, NULL, UESIM_OPT_TIMEOUT }, \
	{ "json", no_argument, NULL, UESIM_OPT_JSON }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "help", no_argument, NULL, 'h' }

/* Usage lines of the common options, for the subcommands' help texts. */
#define UESIM_COMMON_USAGE \
	"      --sbi URL          the AuSF, e.g. http://127.0.0.1:7777 (required)\n" \
	"      --timeout-ms MS    limit for each request, connection included\n" \
	"                         (default 5000)\n" \
	"      --json             print one JSON object on stdout instead of text\n" \
	"  -v, --verbose          show the requests and answers on stderr\n" \
	"  -h, --help             this text\n"

struct uesim_common {
	const char *sbi;
	long timeout_ms;
	bool json;
	bool verbose;
};

/* Defaults of the common options. */
void uesim_common_init(struct uesim_common *c);

/**
 * Refuse operands after the options (argv[optind] onwards), reporting the
 * first on stderr with @p cmd.
 * @return 0 when there are none, -1 (a usage error).
 */
int uesim_no_operands(const char *cmd, int argc, char **argv);

/**
 * Handle option @p opt if it is a common one.
 * @return 0 when handled, 1 when it is not a common option, -1 on a usage
 *         error (reported on stderr with @p cmd, the subcommand's name).
 */
int uesim_common_option(const char *cmd, int opt, const char *arg,
		struct uesim_common *c);

/** The SBI endpoint a subcommand talks to. */
struct uesim_sbi {
	char base[1024];   /* --sbi, trailing '/' removed */
	long timeout_ms;
	bool verbose;
};

/**
 * Check @p url (http://host[:port][/prefix], no query or fragment: the
 * API is cleartext HTTP/2) and fill @p sbi.
 * @return 0, or -1 with a one-line reason in @p err.
 */
int uesim_sbi_init(struct uesim_sbi *sbi, const struct uesim_common *c,
		char *err, size_t errlen);

/** An answer, or why there was none. */
struct uesim_resp {
	const char *method;  /* the request's, for reports */
	char *url;
	long status;         /* HTTP status; 0 when there was no answer */
	char *location;      /* Location header, NULL when absent */
	char *content_type;  /* NULL when absent */
	char *body;          /* NUL-terminated; NULL when empty */
	size_t len;
	json_t *json;        /* body when it parsed as a JSON object, or NULL */
	char err[512];       /* status 0: what went wrong */
};

/**
 * Send one request and wait for the answer (at most the timeout). A
 * @p body is sent as application/json. Any HTTP status is an answer; the
 * caller judges it.
 * @return 0 when an answer came (@p r->status set), -1 otherwise (no
 *         connection, timeout, protocol error, body over 1 MiB; the reason
 *         is in @p r->err). Free @p r with uesim_resp_free() either way.
 */
int uesim_sbi_request(const struct uesim_sbi *sbi, const char *method,
		const char *url, const json_t *body, struct uesim_resp *r);

/** Free what a response holds (not @p r itself). */
void uesim_resp_free(struct uesim_resp *r);

/**
 * Resolve @p ref (an absolute URL, an absolute path or a relative
 * reference) against @p base as RFC 3986 says.
 * @return a malloc'd absolute http URL, or NULL if it cannot be resolved
 *         or is not http.
 */
char *uesim_url_resolve(const char *base, const char *ref);

/**
 * The last segment of @p url's path, percent-decoded: the id of the
 * context a Location names.
 * @return a malloc'd string, or NULL when the segment is empty or holds
 *         a NUL or a '/' once decoded.
 */
char *uesim_url_last_segment(const char *url);

/**
 * The URL of the context @p ctx_id (percent-encoded into the path), or
 * NULL when out of memory. The caller frees it.
 */
char *uesim_ctx_url(const struct uesim_sbi *sbi, const char *ctx_id);

/**
 * For the subcommands that name a context with --ctx: check that --sbi and
 * a non-empty --ctx were given; reports on stderr with @p cmd.
 * @return 0, or -1 (a usage error).
 */
int uesim_ctx_required(const char *cmd, const struct uesim_common *c,
		const char *ctx_id);

/**
 * Send @p method to the URL of context @p ctx_id with @p suffix (NULL:
 * none; "/profile") appended; failures before the request are reported on
 * stderr with @p cmd.
 * @return -1 when the exchange happened (@p r holds the answer or why there
 *         was none; free it with uesim_resp_free()), else the exit code
 *         (@p r is then empty).
 */
int uesim_ctx_request(const char *cmd, const struct uesim_common *c,
		const char *ctx_id, const char *method, const char *suffix,
		struct uesim_resp *r);

/** RFC 9110 reason phrase of the statuses the AuSF uses, else "". */
const char *uesim_reason(long status);

/**
 * Report a failed step of subcommand @p cmd: on stderr always, and as the
 * one JSON object on stdout when @p c->json. @p why is our own diagnosis
 * (a malformed answer; @p r may then be NULL); NULL means the response
 * explains itself (no answer, or an HTTP error with its ProblemDetails,
 * printed as status, cause, detail and invalidParams). @p ctx_id (may be
 * NULL) names the context, @p extra (may be NULL, reference taken) adds
 * members to the JSON object.
 */
void uesim_fail(const struct uesim_common *c, const char *cmd,
		const char *step, const struct uesim_resp *r, const char *ctx_id,
		const char *why, json_t *extra);

/** One-line summary of an answer: "404 Not Found, cause CONTEXT_NOT_FOUND". */
void uesim_status_line(const struct uesim_resp *r, char *buf, size_t len);

/** Print @p obj as one compact JSON line on stdout; takes the reference. */
void uesim_print_json(json_t *obj);

/* The human output: one "name  value" line each, values aligned. */
#define UESIM_FIELD "%-18s%s\n"

/** The PDU session in a confirmation or a status answer. */
struct uesim_session {
	char state[32];                  /* LIMITED, FULL, ... as sent */
	char ue_ipv4[INET_ADDRSTRLEN];   /* the device's address */
	char n3_ipv4[INET_ADDRSTRLEN];   /* the appliance's N3 address */
	uint32_t ul_teid;                /* uplink TEID the appliance expects */
	unsigned int qfi;
};

/**
 * Read a "pduSession" object (doc/ausf-api.rst): state, ueIpv4Addr,
 * cnTunnelInfo {ipv4Addr, gtpTeid} and qfi, all required.
 * @return 0, or -1 with the first problem in @p err.
 */
int uesim_session_parse(const json_t *pdu, struct uesim_session *s,
		char *err, size_t errlen);

/** Print a session as UESIM_FIELD lines. */
void uesim_session_print(FILE *f, const struct uesim_session *s);

/**
 * Parse a TS 29.571 Teid: exactly 8 hexadecimal digits, either case.
 * @return 0, or -1.
 */
int uesim_teid_parse(const char *s, uint32_t *out);

/*
 * Option values (options.c): each returns 0 and sets *out, or -1 when the
 * text is not exactly a value in range (the caller names the option).
 */

/** A TEID option: "0x" and 1 to 8 hex digits, or exactly 8 hex digits. */
int uesim_teid_option(const char *s, uint32_t *out);

/** A decimal whole number in lo..hi: digits only. */
int uesim_ulong_option(const char *s, unsigned long lo, unsigned long hi,
		unsigned long *out);

/** A decimal number (seconds, a rate) in lo..hi: no sign, finite. */
int uesim_double_option(const char *s, double lo, double hi, double *out);

/*
 * The profile delivery (delivery.c), shared by "receive" (the AuSF's POST
 * to profileNotifyUri) and "profile" (the GET fallback).
 */

/** The device that takes the profile, from the command line. */
struct uesim_device {
	const char *identity;     /* its supiOrSuci */
	const char *key;          /* its private key (PEM) */
	const char *cert;         /* its certificate (PEM) */
	const char *operator_ca;  /* the CA the operator's signature chains to */
	const char *out;          /* where a good profile is stored */
	bool show_secrets;        /* print K and OPc */
};

/** Why a notification was refused: a TS 29.500 ProblemDetails. */
struct uesim_problem {
	int status;               /* 4xx; 500 when storing failed */
	const char *cause;        /* static */
	const char *param;        /* the member at fault (invalidParams), or NULL */
	char detail[512];
};

/** A profile that passed every check and was stored. */
struct uesim_delivered {
	char ctx_id[128];
	char supi[32];
	char *json;               /* the document as signed (K, OPc in clear) */
	size_t json_len;
	json_t *doc;              /* the same, parsed */
	struct gg_profile p;
};

void uesim_device_init(struct uesim_device *d);

/* The long options of struct uesim_device (their help lines differ with
 * the subcommand, so each writes its own). */
#define UESIM_DEVICE_LONGOPTS \
	{ "identity", required_argument, NULL, UESIM_OPT_IDENTITY }, \
	{ "key", required_argument, NULL, UESIM_OPT_KEY }, \
	{ "cert", required_argument, NULL, UESIM_OPT_CERT }, \
	{ "operator-ca", required_argument, NULL, UESIM_OPT_OPERATOR_CA }, \
	{ "out", required_argument, NULL, UESIM_OPT_OUT }, \
	{ "show-secrets", no_argument, NULL, UESIM_OPT_SHOW_SECRETS }

/**
 * Handle option @p opt if it is one of UESIM_DEVICE_LONGOPTS.
 * @return 0 when handled, 1 when it is not a device option.
 */
int uesim_device_option(int opt, const char *arg, struct uesim_device *d);

/**
 * Check that --identity and --out are given and the key, certificate and
 * CA files can be read; reports on stderr.
 * @return 0, or -1 (a usage error).
 */
int uesim_device_check(const char *cmd, const struct uesim_device *d);

void uesim_problem_set(struct uesim_problem *pb, int status,
		const char *cause, const char *param, const char *fmt, ...)
		__attribute__((format(printf, 5, 6)));

/**
 * Decode canonical, padded standard base64 (RFC 4648 section 4; no
 * whitespace, zero bits under the padding).
 * @return the octets written to @p out, or -1.
 */
ssize_t uesim_b64_decode(const char *in, size_t len, uint8_t *out,
		size_t room);

/**
 * Judge notification @p n: its members, the base64, the CMS (decrypted
 * with the device key, signature verified against the operator CA), the
 * document, its device identity (= d->identity) and SUPI (= the
 * notification's), and @p want_ctx when not NULL; then store the document
 * to d->out (mode 0600, atomic replace).
 * @return 0 with @p dv filled (free with uesim_delivered_free()), or -1
 *         with @p pb saying why; nothing is stored then.
 */
int uesim_delivery_accept(const struct uesim_device *d, const json_t *n,
		const char *want_ctx, struct uesim_delivered *dv,
		struct uesim_problem *pb);

/** Cleanse and free what @p dv holds. */
void uesim_delivered_free(struct uesim_delivered *dv);

/**
 * Print a stored profile: UESIM_FIELD lines and the document, or one JSON
 * object when @p json. K and OPc are masked unless d->show_secrets.
 */
void uesim_delivered_print(const struct uesim_device *d,
		const struct uesim_delivered *dv, bool json);

/* The subcommands: argv[0] is the subcommand's name; return an exit code. */
int uesim_cmd_auth(int argc, char **argv);
int uesim_cmd_receive(int argc, char **argv);
int uesim_cmd_profile(int argc, char **argv);
int uesim_cmd_status(int argc, char **argv);
int uesim_cmd_detach(int argc, char **argv);
/* The gNB's user plane: TUN device <-> GTP-U (tunnel.c). */
int uesim_cmd_tunnel(int argc, char **argv);
/* A load generator for the AuSF (load.c). */
int uesim_cmd_load(int argc, char **argv);

#endif /* UESIM_H */
