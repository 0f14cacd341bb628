/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Certificate retrieval for the AuSF: HTTP(S) GETs of a device's
 * Certificate URL, run by libcurl's multi interface on the control lcore's
 * event loop (gg_evloop.h), restricted to configured URL prefixes, bounded
 * in size, time and number, with a small positive cache. Also POSTs to
 * URLs under an allow-list of their own (gg_fetch_post(): the AuSF's
 * profile push), with the same transfer rules.
 *
 * Threading: a fetcher belongs to the thread running its loop; no function
 * is thread-safe. Nothing blocks: gg_fetch_get() only checks the URL and
 * hands a transfer to libcurl; connecting, TLS and reading happen in loop
 * callbacks (non-blocking sockets; host names are resolved by libcurl's
 * resolver thread, IP literals need none).
 *
 * Requests and callbacks (exactly once):
 *  - gg_fetch_get() returns 0: the callback will run exactly once, later,
 *    from the loop (inside gg_evloop_run_once()) or from gg_fetch_free(),
 *    never from inside gg_fetch_get() itself. A cache hit is answered by a
 *    0 ms timer: on the next timer pass of the loop, which may be later in
 *    the same round when the get was made from a descriptor callback.
 *  - it returns a negative errno: the callback will never run.
 *  - the body pointer is valid during the callback only; copy what you
 *    keep. Callbacks may call gg_fetch_get() and gg_fetch_free().
 *
 * SSRF defence: the URL is checked before anything touches the network.
 * It is first brought to a canonical form (gg_fetch_url_normalize()) that
 * refuses, rather than repairs, everything a parser could read two ways:
 *  - scheme "http" or "https" only; the scheme and the host are
 *    case-insensitive and written in lower case ("HTTP://CA.Example/" is
 *    accepted as "http://ca.example/");
 *  - no userinfo: an '@' anywhere is refused (also in path and query);
 *  - only printable ASCII: control characters (CR, LF, NUL, TAB), spaces,
 *    DEL and octets above 0x7e are refused, as are '\\', '#' (fragments),
 *    '"', '<', '>', '`', '{', '}', '|', '^', and '[' ']' outside an IPv6
 *    literal;
 *  - host: a DNS name (letters, digits, '-', '.'; no empty label, no
 *    trailing dot), a dotted-quad IPv4 address written the usual way (no
 *    leading zeros, no octal, hex or single-number forms: a host whose last
 *    label starts with a digit must be one), or a bracketed IPv6 literal
 *    without zone (rewritten in its inet_ntop() form);
 *  - port: decimal 1..65535, leading zeros dropped, the scheme's default
 *    port dropped, an empty port refused;
 *  - a path is required and starts with '/'; "." and ".." segments are
 *    refused anywhere in it, as are empty segments ("//") except a
 *    trailing '/';
 *  - percent escapes need two hex digits (written in upper case); escapes
 *    of unreserved characters ("%2e", "%41"), of '/', '\\' and '%', of
 *    control characters and of octets above 0x7e are refused, so no
 *    decoding can ever produce a new path separator or dot segment;
 *  - a query ('?') is allowed and passed as is under the same character
 *    rules; at most GG_FETCH_URL_MAX characters in all.
 * Then the canonical URL must start with one of the canonical prefixes.
 * A prefix must carry a path, so its authority is pinned by the '/' after
 * it ("http://ca.example/" never matches "http://ca.example.evil/"); a
 * prefix not ending in '/' matches as a string ("/dev" covers "/devil/x").
 * As a second opinion, the canonical URL is parsed again by libcurl's URL
 * parser and its scheme, host and port must be ours. libcurl is given the
 * canonical URL, never the caller's.
 *
 * Transfers: http and https only (also for anything libcurl would do on
 * its own), redirects never followed (a 3xx is a GG_FETCH_HTTP_ERROR: the
 * Location could name any host, outside the prefixes), no proxy (the
 * http_proxy/https_proxy environment is ignored, so the host checked is the
 * host connected to), no content decoding (no Accept-Encoding: the size cap
 * applies to the octets on the wire). HTTPS verifies the peer and its name
 * against the system trust store or gg_fetch_params.ca_file. A non-2xx
 * answer is reported as soon as its head arrives, without reading its body.
 * A body larger than max_body is refused from its Content-Length when there
 * is one, otherwise as soon as the octets received exceed it.
 *
 * Limits: at most max_transfers transfers at once, max_per_host of them to
 * one host (scheme, host and port), and max_pending callbacks owed. A get
 * whose host is at max_per_host, or when every transfer is busy, waits in
 * its host's queue (at most max_host_queue, then -EBUSY) for at most
 * timeout_ms (then GG_FETCH_TIMEOUT); freed slots go to the hosts with a
 * queue in turn, so one hanging server ties up its own share only and
 * the other hosts' gets keep going. A get of a URL already being fetched
 * or queued joins it (no new connection; it still counts as pending).
 * POSTs are not queued: -EBUSY at either limit.
 *
 * Cache: with cache_put_only (the AuSF), only what the caller hands to
 * gg_fetch_cache_put() after checking it (a certificate that verified):
 * a server answering garbage cannot evict good entries. Otherwise every
 * GG_FETCH_OK result of a get. Keyed by the canonical URL, kept
 * cache_ttl_s seconds, least recently used evicted beyond cache_entries.
 * A certificate changed or revoked at the CA is therefore seen up to TTL
 * later (the AuSF's chain and date checks still run on every use;
 * gg_fetch_cache_clear() forgets everything at once). Failures are never
 * cached: a CA that was down is asked again on the next get.
 *
 * Not covered: DNS answers are not checked (a CA host name that resolves
 * to an internal address is trusted as configured).
 *
 * Costs: per transfer one easy handle (~10 KiB in libcurl) and its body
 * buffer (grows to the body size, at most max_body); per pending callback
 * a few dozen octets; per cache entry its URL and body (cache_entries x
 * max_body at worst: 4 MiB with the defaults). gg_fetch_get(): the URL
 * check (measured on one AMD EPYC core, 60-character URL: 0.15 us to
 * canonicalise, 1.1 us with libcurl's second parse), one hash lookup in
 * the cache, a walk of the transfers under way (at most max_transfers).
 */
#ifndef GG_FETCH_H
#define GG_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gg_evloop;
struct gg_fetch;

/** Longest URL or prefix accepted, without the NUL. */
#define GG_FETCH_URL_MAX 1024
/** Most allowed prefixes. */
#define GG_FETCH_PREFIXES_MAX 32
/** Largest max_body accepted (bounds the cache's memory). */
#define GG_FETCH_BODY_LIMIT (1024 * 1024)

/** Defaults used for the fields left at 0 in struct gg_fetch_params. */
#define GG_FETCH_DEFAULT_MAX_BODY 16384 /* GG_AUTH_CERT_MAX */
#define GG_FETCH_DEFAULT_TIMEOUT_MS 3000
#define GG_FETCH_DEFAULT_CONNECT_TIMEOUT_MS 1000
#define GG_FETCH_DEFAULT_MAX_TRANSFERS 64
#define GG_FETCH_DEFAULT_MAX_PENDING 1024
#define GG_FETCH_DEFAULT_CACHE_TTL_S 300
#define GG_FETCH_DEFAULT_CACHE_ENTRIES 256
#define GG_FETCH_DEFAULT_MAX_PER_HOST 8
#define GG_FETCH_DEFAULT_MAX_HOST_QUEUE 256

/** Outcome of a get. */
enum gg_fetch_status {
	GG_FETCH_OK = 0,         /**< 2xx with a non-empty body of at most max_body */
	GG_FETCH_HTTP_ERROR,     /**< any other answer: non-2xx (3xx included), or 2xx without a body */
	GG_FETCH_TOO_BIG,        /**< the body exceeds max_body (by Content-Length or as it came) */
	GG_FETCH_TIMEOUT,        /**< connect_timeout_ms or timeout_ms elapsed */
	GG_FETCH_CONNECT_FAILED, /**< host name not resolved, or connection refused/unreachable */
	GG_FETCH_TLS_FAILED,     /**< TLS handshake or peer verification failed */
	GG_FETCH_CANCELLED,      /**< the fetcher was freed first */
	GG_FETCH_ERROR,          /**< anything else (protocol error, out of memory, ...) */
	GG_FETCH_STATUS_MAX
};

/**
 * The result of a get. @p http_status is the status of the answer's head
 * when one arrived (e.g. 200 with GG_FETCH_OK or TOO_BIG, 404 or 302 with
 * GG_FETCH_HTTP_ERROR), else 0. @p body and @p len are the body for
 * GG_FETCH_OK, NULL and 0 otherwise; the body is valid during the call only.
 */
typedef void (*gg_fetch_cb)(void *arg, enum gg_fetch_status st,
		long http_status, const uint8_t *body, size_t len);

/** How to fetch. A field left at 0 / NULL takes its default. */
struct gg_fetch_params {
	const char *const *prefixes; /**< allowed URL prefixes (required, see @file) */
	unsigned int n_prefixes;     /**< 1..GG_FETCH_PREFIXES_MAX */
	size_t max_body;             /**< body octets, default 16384, at most GG_FETCH_BODY_LIMIT */
	uint32_t timeout_ms;         /**< whole transfer, default 3000 */
	uint32_t connect_timeout_ms; /**< resolve + connect + TLS, default 1000 (capped to timeout_ms) */
	unsigned int max_transfers;  /**< transfers at once, default 64 */
	unsigned int max_pending;    /**< callbacks owed at once, default 1024 */
	uint32_t cache_ttl_s;        /**< cache entry lifetime, default 300 */
	unsigned int cache_entries;  /**< cache capacity (LRU), default 256 */
	bool no_cache;               /**< true: never cache */
	const char *ca_file;         /**< PEM trust for https; NULL: the system's */
	unsigned int max_per_host;   /**< transfers at once to one host, default 8 */
	unsigned int max_host_queue; /**< gets queued per host, default 256 */
	bool cache_put_only;         /**< cache only gg_fetch_cache_put() */
};

/**
 * Counters, written by the loop's thread only: X(name, help). A reader on
 * another thread sees each value as it was a moment ago (aligned 64-bit).
 * Every accepted get is one of cache_hits, joined or transfers, and gets
 * exactly one of the res_* results: once nothing is pending,
 * requests = cache_hits + joined + transfers = sum of res_*.
 */
#define GG_FETCH_STAT_LIST(X) \
	X(requests, "gets accepted") \
	X(rejected_url, "gets refused: malformed or unsafe URL (-EINVAL)") \
	X(rejected_prefix, "gets refused: URL outside the allowed prefixes (-EPERM)") \
	X(rejected_busy, "gets refused: max_transfers or max_pending reached (-EBUSY)") \
	X(cache_hits, "gets answered from the cache") \
	X(joined, "gets that joined a transfer of the same URL under way") \
	X(transfers, "transfers started (queued ones included)") \
	X(queued, "... of which waited in their host's queue first") \
	X(queue_timeouts, "queued gets that waited timeout_ms (GG_FETCH_TIMEOUT)") \
	X(posts, "... of which POSTs (gg_fetch_post)") \
	X(cache_expired, "cache entries dropped after their TTL") \
	X(cache_evicted, "cache entries dropped to make room (LRU)") \
	X(body_octets, "body octets received by transfers") \
	X(res_ok, "callbacks with GG_FETCH_OK") \
	X(res_http_error, "callbacks with GG_FETCH_HTTP_ERROR") \
	X(res_too_big, "callbacks with GG_FETCH_TOO_BIG") \
	X(res_timeout, "callbacks with GG_FETCH_TIMEOUT") \
	X(res_connect_failed, "callbacks with GG_FETCH_CONNECT_FAILED") \
	X(res_tls_failed, "callbacks with GG_FETCH_TLS_FAILED") \
	X(res_cancelled, "callbacks with GG_FETCH_CANCELLED") \
	X(res_error, "callbacks with GG_FETCH_ERROR")

struct gg_fetch_stats {
#define GG_FETCH_STAT_FIELD(name, help) uint64_t name;
	GG_FETCH_STAT_LIST(GG_FETCH_STAT_FIELD)
#undef GG_FETCH_STAT_FIELD
};

/**
 * Create a fetcher on @p loop. Initialises libcurl globally
 * (curl_global_init(), thread-safe in the libcurl we use).
 * @return the fetcher, or NULL with errno set: EINVAL (NULL argument, no
 *   prefix, a prefix that is not a canonical-able URL with a path or that
 *   has a query, a limit out of range), ENOMEM.
 */
struct gg_fetch *gg_fetch_create(struct gg_evloop *loop,
		const struct gg_fetch_params *p);

/**
 * Free the fetcher: every transfer is aborted and every callback still owed
 * (transfers and cache hits not yet delivered) is called with
 * GG_FETCH_CANCELLED from within this call; gg_fetch_get() from those
 * callbacks returns -ESHUTDOWN. May be called from a fetch callback: the
 * memory is then released once that callback returns. NULL is a no-op.
 * The loop must still exist.
 */
void gg_fetch_free(struct gg_fetch *f);

/**
 * Fetch @p url and call @p cb with the result (see the rules in @file).
 * @return 0 (cb will run once), or, cb never running:
 *   -EINVAL: NULL argument, or the URL is malformed or unsafe;
 *   -EPERM: the URL is well formed but under none of the prefixes;
 *   -EBUSY: max_transfers or max_pending reached;
 *   -ESHUTDOWN: the fetcher is being freed;
 *   -ENOMEM.
 * -EINVAL and -EPERM are decided before any network activity.
 */
int gg_fetch_get(struct gg_fetch *f, const char *url, gg_fetch_cb cb,
		void *arg);

/**
 * Check @p url as gg_fetch_get() would, without fetching: 0, -EINVAL or
 * -EPERM. Pure (no network, no state change); lets the API layer answer
 * 400 or 403 before creating anything.
 */
int gg_fetch_url_check(const struct gg_fetch *f, const char *url);

/**
 * A URL that passed gg_fetch_url_check_canon(), in its canonical form:
 * filled by that function only (a caller that writes it skips the SSRF
 * checks). Lets a caller check once, answer 400/403 itself, then fetch or
 * look up the cache without the URL being parsed again (two parses, one
 * of them libcurl's, cost about a microsecond).
 */
struct gg_fetch_url {
	char canon[GG_FETCH_URL_MAX + 1];
};

/**
 * As gg_fetch_url_check(), keeping the canonical URL in @p out on success
 * (0); -EINVAL or -EPERM (@p out then holds an empty string). Pure.
 */
int gg_fetch_url_check_canon(const struct gg_fetch *f, const char *url,
		struct gg_fetch_url *out);

/** As gg_fetch_get() for a URL checked by gg_fetch_url_check_canon(). */
int gg_fetch_get_url(struct gg_fetch *f, const struct gg_fetch_url *u,
		gg_fetch_cb cb, void *arg);

/**
 * The cached answer of @p u, synchronously: 1 with @p body and @p len set
 * (valid until the next call into the fetcher), counted as a get answered
 * from the cache with GG_FETCH_OK; 0 when not cached (or expired, or no
 * cache, or the fetcher is closing): then gg_fetch_get_url(). Spares a
 * cache hit the copy and the loop round of gg_fetch_get()'s 0 ms timer.
 */
int gg_fetch_cache_get(struct gg_fetch *f, const struct gg_fetch_url *u,
		const uint8_t **body, size_t *len);

/**
 * Write the canonical form of @p url (see @file) into @p out.
 * Pure and allocation-free: suitable for fuzzing.
 * @return its length, -EINVAL if the URL is refused, -ENOSPC if @p size is
 *   too small.
 */
int gg_fetch_url_normalize(const char *url, char *out, size_t size);

/** Largest POST body accepted by gg_fetch_post(). */
#define GG_FETCH_POST_MAX (2u * 1024 * 1024)
/** Longest Content-Type accepted by gg_fetch_post(). */
#define GG_FETCH_CONTENT_TYPE_MAX 127

/**
 * A list of allowed URL prefixes of its own, for requests that must not
 * use the certificate prefixes (e.g. the AuSF's profile callbacks). Same
 * rules as gg_fetch_params.prefixes, plus one form: "scheme://host:"
 * (ending in the port's colon, no path) allows any explicit port of that
 * host, e.g. "http://127.0.0.1:" for device emulators on loopback (the
 * colon pins the host as a '/' would; "http://127.0.0.1/x", port 80
 * implied, does not match it). Zero prefixes is a list that allows
 * nothing.
 */
struct gg_fetch_allow;

/** NULL with errno EINVAL (a prefix refused, too many) or ENOMEM. */
struct gg_fetch_allow *gg_fetch_allow_create(const char *const *prefixes,
		unsigned int n);

/** NULL is a no-op. */
void gg_fetch_allow_free(struct gg_fetch_allow *al);

/** As gg_fetch_url_check() against @p al: 0, -EINVAL or -EPERM. Pure. */
int gg_fetch_allow_check(const struct gg_fetch_allow *al, const char *url);

/**
 * POST @p body (copied before returning) to @p url, which must pass the
 * checks of @file against @p allow (not the fetcher's own prefixes), with
 * "Content-Type: @p content_type" (printable ASCII, at most
 * GG_FETCH_CONTENT_TYPE_MAX characters) and no "Expect: 100-continue".
 * Same transfer rules as a get (no redirect followed, no proxy, http and
 * https only, timeout_ms, ca_file); never joined to another request,
 * never cached. The outcome is the answer's status: GG_FETCH_OK for any
 * 2xx (the body of the answer is not read: @p cb gets NULL, 0),
 * GG_FETCH_HTTP_ERROR for anything else, or a transport failure. Counts
 * towards max_transfers and max_pending like a get.
 * @return 0 (cb will run once, as for gg_fetch_get()), or -EINVAL
 *   (argument, malformed or unsafe URL), -EPERM (outside @p allow),
 *   -EBUSY, -ESHUTDOWN, -ENOMEM; cb never runs then.
 */
int gg_fetch_post(struct gg_fetch *f, const struct gg_fetch_allow *allow,
		const char *url, const char *content_type, const void *body,
		size_t len, gg_fetch_cb cb, void *arg);

/**
 * Cache @p body (copied) as the answer of @p url (see "Cache" above): the
 * caller checked it. 0 (also when the fetcher has no cache), -EINVAL (bad
 * argument, URL refused, body empty or over max_body), -ENOMEM.
 */
int gg_fetch_cache_put(struct gg_fetch *f, const char *url,
		const uint8_t *body, size_t len);

/** Forget every cached certificate (e.g. after a revocation). */
void gg_fetch_cache_clear(struct gg_fetch *f);

/** Copy the counters. */
void gg_fetch_get_stats(const struct gg_fetch *f, struct gg_fetch_stats *st);

/** Name of a status ("ok", "http_error", ...), "?" if out of range. */
const char *gg_fetch_status_name(enum gg_fetch_status st);

#endif /* GG_FETCH_H */
