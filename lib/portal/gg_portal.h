/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The pure pieces of gg-portal, the sign-up portal (app/portal): HTTP
 * content negotiation, CSRF tokens, form parsing and the sign-up form's
 * validation, the page template renderer, the table of the operating
 * systems' captive-portal probes, the RFC 8908 Captive Portal API JSON,
 * and small helpers (growing buffer, HTML escaping, URL parsing and
 * Host matching, certificate names). No I/O beyond reading a template file
 * and no global state: several portals with the same configuration make
 * and accept the same tokens and pages.
 *
 * Threads: nothing here is shared; every function works on what it is
 * given, so any thread may call them on its own objects.
 */
#ifndef GG_PORTAL_H
#define GG_PORTAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/** @name Growing text buffer
 * Append-only; an allocation failure is remembered (failed) and later
 * appends do nothing, so a caller checks once at the end. @{ */
struct gg_portal_buf {
	char *data;   /**< NUL-terminated when not failed; malloc'd */
	size_t len;   /**< without the NUL */
	size_t cap;
	bool failed;  /**< out of memory, or over max */
	size_t max;   /**< 0: no limit; else appends past max fail */
};

void gg_portal_buf_add(struct gg_portal_buf *b, const char *s, size_t len);
void gg_portal_buf_adds(struct gg_portal_buf *b, const char *s);
void gg_portal_buf_addf(struct gg_portal_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/** Append @p s with & < > " ' as character references. */
void gg_portal_buf_add_html(struct gg_portal_buf *b, const char *s);
/** Release the text; the buffer is empty again. */
void gg_portal_buf_free(struct gg_portal_buf *b);
/** Hand the text over (caller frees); NULL if failed. Buffer empty after. */
char *gg_portal_buf_take(struct gg_portal_buf *b, size_t *len);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Content negotiation (RFC 9110 12.5.1)
 * @{ */

/**
 * Choose among @p offers (media types such as "application/captive+json",
 * parameters allowed) the one the Accept header value @p accept prefers.
 * Each offer takes the q-value of the most specific media range that
 * matches it: "type/subtype;param=v" over "type/subtype" over "type/\*"
 * over "\*\/\*"; a range with parameters matches only offers carrying the
 * same parameters (names case-insensitive, values compared as written,
 * quotes removed). q=0 means "not acceptable". Elements that do not parse
 * (no slash, bad q) are ignored, as RFC 9110 allows. An absent or empty
 * header accepts anything.
 *
 * @param q if not NULL, receives the chosen offer's q-value times 1000
 * @return index of the preferred offer (highest q; ties go to the earlier
 *   offer), or -1 when none is acceptable (answer 406).
 */
int gg_portal_accept(const char *accept, const char *const *offers,
		unsigned int n_offers, unsigned int *q);
/** @} */

/* ------------------------------------------------------------------ */
/** @name CSRF tokens
 *
 * Stateless: token = 16 hex digits of the issue time (Unix seconds) then
 * 64 hex digits of HMAC-SHA256(secret, label, time, client address,
 * context). Any portal holding the same secret accepts it, and a restart
 * loses nothing. It is bound to the client's address (a token seen by
 * someone else is useless from their address), to a context (the device
 * identity, so a token does not survive the address moving to another
 * device) and to a time window. Single use is not the token's job: the
 * sign-up it protects moves the device out of the state in which a
 * sign-up is possible, so a replay is refused by the store. @{ */
#define GG_PORTAL_CSRF_TOKEN_LEN 80
#define GG_PORTAL_CSRF_SECRET_MIN 16  /**< shortest secret accepted, octets */
#define GG_PORTAL_CSRF_SKEW_S 60      /**< clocks of portals may differ this much */

enum gg_portal_csrf_status {
	GG_PORTAL_CSRF_OK = 0,
	GG_PORTAL_CSRF_MISSING,    /**< no token */
	GG_PORTAL_CSRF_MALFORMED,  /**< not 80 hex digits */
	GG_PORTAL_CSRF_FORGED,     /**< MAC wrong: other secret, address or context */
	GG_PORTAL_CSRF_EXPIRED,    /**< older than the lifetime */
	GG_PORTAL_CSRF_FUTURE,     /**< issued later than now + skew */
};

/** Make a token into @p out; 0, or -EINVAL (short secret, no client). */
int gg_portal_csrf_make(const uint8_t *secret, size_t secret_len,
		const char *client, const char *context, uint64_t now_s,
		char out[GG_PORTAL_CSRF_TOKEN_LEN + 1]);
/** Check a token; the MAC is compared in constant time. */
enum gg_portal_csrf_status gg_portal_csrf_check(const uint8_t *secret,
		size_t secret_len, const char *client, const char *context,
		const char *token, uint64_t now_s, uint32_t lifetime_s);
/** Name of a status, for logs ("forged", ...). */
const char *gg_portal_csrf_strerror(enum gg_portal_csrf_status st);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Forms (application/x-www-form-urlencoded)
 * @{ */
#define GG_PORTAL_FORM_FIELDS_MAX 16
#define GG_PORTAL_FORM_VALUE_MAX 1024 /**< octets of one decoded value */

struct gg_portal_form_field {
	char *name;   /**< decoded, NUL-terminated, inside the form's buffer */
	char *value;  /**< decoded; may be empty */
};

struct gg_portal_form {
	unsigned int n;
	struct gg_portal_form_field f[GG_PORTAL_FORM_FIELDS_MAX];
	char *buf;    /**< owned */
	size_t buf_size;
};

/**
 * Decode @p body ('+' is a space, %XX escapes, '&' separates, a name
 * without '=' has an empty value). Refused (-EINVAL, @p err says why, in
 * words fit for a page): a body over @p max_len (-E2BIG), a bad or NUL
 * escape, more than GG_PORTAL_FORM_FIELDS_MAX fields, a value over
 * GG_PORTAL_FORM_VALUE_MAX, an empty or repeated name (a repeated field
 * is ambiguous, so it is never guessed).
 * On success free with gg_portal_form_free().
 */
int gg_portal_form_parse(const char *body, size_t len, size_t max_len,
		struct gg_portal_form *form, char *err, size_t errlen);
/** Value of field @p name, or NULL. */
const char *gg_portal_form_get(const struct gg_portal_form *form,
		const char *name);
void gg_portal_form_free(struct gg_portal_form *form);

/** A plan offered on the portal (from the configuration). */
struct gg_portal_plan {
	char id[33];          /**< [a-z0-9_-], 1..32 */
	char name[65];
	char price[65];       /**< text shown as is (escaped), e.g. "EUR 9.90 / month" */
	uint32_t validity_days;
};

/** The sign-up form's fields, in page order. */
enum gg_portal_signup_field {
	GG_PORTAL_F_PLAN,
	GG_PORTAL_F_NAME,
	GG_PORTAL_F_EMAIL,
	GG_PORTAL_F_TERMS,
	GG_PORTAL_F_MAX
};

/** Form name of a field ("plan", "name", "email", "terms"). */
const char *gg_portal_signup_field_name(enum gg_portal_signup_field f);

/** What a valid sign-up form gave. */
struct gg_portal_signup {
	const struct gg_portal_plan *plan;  /**< one of the plans given */
	char name[65];     /**< trimmed, UTF-8, 1..64 octets */
	char email[129];   /**< trimmed */
};

/** One message per field in error (NULL: fine); sentences for the page. */
struct gg_portal_signup_errors {
	const char *msg[GG_PORTAL_F_MAX];
	unsigned int n;
};

/**
 * Validate the sign-up fields of @p form: plan is one of @p plans' ids,
 * name is 1..64 octets of valid UTF-8 without control characters, email
 * looks like local@domain.tld (at most 128 octets, no spaces), terms is
 * "yes". @return the number of fields in error (0: @p out is filled).
 */
unsigned int gg_portal_signup_validate(const struct gg_portal_form *form,
		const struct gg_portal_plan *plans, unsigned int n_plans,
		struct gg_portal_signup *out, struct gg_portal_signup_errors *errs);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Templates
 *
 * A template is a text file with tags:
 *  - {{name}}     the variable's value, HTML-escaped (& < > " ')
 *  - {{&name}}    the value as is: only for HTML the program built from
 *                 other templates (never for anything a client sent)
 *  - {{#name}}...{{/name}}  the part, when the variable is set and not empty
 *  - {{^name}}...{{/name}}  the part, when it is not
 * Names are [a-z0-9_], 1..32; sections nest up to 8 deep. A variable not
 * given renders as empty. Nothing else: no loops, no expressions (a list
 * is a fragment template rendered per item and given as {{&list}}).
 * @{ */
struct gg_portal_tmpl;

struct gg_portal_var {
	const char *name;
	const char *value;  /**< NULL: not set */
};

/** Parse template text; NULL with "NAME:LINE: problem" in @p err. */
struct gg_portal_tmpl *gg_portal_tmpl_parse(const char *text, size_t len,
		const char *name, char *err, size_t errlen);
/** Read and parse a file (at most 256 KiB). */
struct gg_portal_tmpl *gg_portal_tmpl_load(const char *path, char *err,
		size_t errlen);
void gg_portal_tmpl_free(struct gg_portal_tmpl *t);
/** Append the rendering to @p out (check out->failed). */
void gg_portal_tmpl_render(const struct gg_portal_tmpl *t,
		const struct gg_portal_var *vars, unsigned int n_vars,
		struct gg_portal_buf *out);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Captive-portal probes of the operating systems
 * @{ */
struct gg_portal_probe {
	const char *os;            /**< "Apple", "Android", ... */
	const char *host;          /**< lowercase */
	const char *path;          /**< without query */
	unsigned int status;       /**< success answer: 200 or 204 */
	const char *content_type;  /**< NULL for 204 */
	const char *body;          /**< exact success body ("" for 204) */
};

/** The table; @p n receives its length. */
const struct gg_portal_probe *gg_portal_probes(unsigned int *n);
/**
 * The probe for Host header @p host (port, trailing dot and case ignored)
 * and request path @p path (query ignored), or NULL.
 */
const struct gg_portal_probe *gg_portal_probe_find(const char *host,
		const char *path);
/** @} */

/* ------------------------------------------------------------------ */
/** @name RFC 8908 Captive Portal API, and problem details (RFC 9457)
 * @{ */
#define GG_PORTAL_CAPTIVE_JSON "application/captive+json"
#define GG_PORTAL_PROBLEM_JSON "application/problem+json"

struct gg_portal_captive {
	bool captive;
	const char *user_portal_url;     /**< required when captive */
	const char *venue_info_url;      /**< NULL: left out */
	bool has_seconds_remaining;
	uint64_t seconds_remaining;
};

/** The API's JSON object (malloc'd, caller frees), NULL on ENOMEM/EINVAL. */
char *gg_portal_captive_json(const struct gg_portal_captive *c);
/** A problem+json body {type?, title, status, detail?} (malloc'd). */
char *gg_portal_problem_json(unsigned int status, const char *title,
		const char *detail);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Small helpers
 * @{ */

/** An absolute http(s) URL without user info: scheme, host and port. */
struct gg_portal_url {
	bool https;
	char host[256];     /**< lowercase; IPv6 without brackets */
	uint16_t port;      /**< explicit or the scheme's default */
	char path[512];     /**< "" when none; no query or fragment allowed */
};

/** Parse @p s; 0, or -EINVAL. */
int gg_portal_url_parse(const char *s, struct gg_portal_url *u);

/**
 * Whether a Host header value names @p u's host and port (case, a
 * trailing dot and the default port ignored).
 */
bool gg_portal_host_matches(const char *host_header, const struct gg_portal_url *u);

/**
 * Subject and issuer of the first certificate in @p pem, one line each
 * (RFC 2253 order, UTF-8), and its validity end ("notAfter", as OpenSSL
 * prints it) when @p not_after is not NULL. 0, or -EINVAL.
 */
int gg_portal_cert_names(const char *pem, char *subject, size_t sublen,
		char *issuer, size_t isslen, char *not_after, size_t nalen);
/** @} */

#endif /* GG_PORTAL_H */
