/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * SBI server: HTTP/2 over cleartext TCP with prior knowledge (what
 * `curl --http2-prior-knowledge` speaks), JSON bodies and TS 29.500
 * ProblemDetails errors, served from the control lcore's event loop
 * (gg_evloop.h) next to its other work.
 *
 * Protocol: HTTP/2 over TLS (struct gg_sbi_tls: ALPN h2, optionally
 * mutual), or h2c with prior knowledge when no TLS is configured (meant
 * for loopback tests). No HTTP/1.1 "Upgrade: h2c". On h2c, a connection
 * whose first octets look like an HTTP/1.x request line gets one plain
 * "HTTP/1.1 505" answer and is closed; any other bad preface, and any
 * connection-level protocol error, gets a GOAWAY and a close. Server push is never used. Request trailers
 * are accepted and dropped.
 *
 * Threading: everything belongs to the thread that runs the loop; no
 * function is thread-safe. Nothing blocks: sockets are non-blocking, each
 * connection reads at most 64 KiB per loop round, and output is bounded
 * per connection (see gg_sbi_params.wbuf_limit).
 *
 * Defences, all counted in struct gg_sbi_stats:
 *  - max_conns: connections over the limit are accepted and closed at once;
 *    so are those over max_conns_per_client from one client address;
 *  - first_request_timeout_ms: a connection that has not completed the
 *    TLS handshake and sent its first request by then is closed (silent
 *    sockets cannot hold slots for idle_timeout);
 *  - max_streams: advertised in SETTINGS and enforced; requests the
 *    application still holds after their stream closed count as well, so
 *    a client resetting streams cannot pile up work;
 *  - max_header_list: advertised in SETTINGS; a larger header list gets 431;
 *  - max_body: a larger body (by content-length or as it arrives) gets 413
 *    at once; the rest is read and dropped, up to another max_body octets
 *    or the request timeout, then RST_STREAM(NO_ERROR) (RFC 9113 8.1; not
 *    at once because curl 7.88 then loses the 413);
 *  - max_discard: body octets a connection may send that nobody reads
 *    (after an early answer, after a reset, to unknown streams), over its
 *    life; past it the connection gets GOAWAY(ENHANCE_YOUR_CALM) and is
 *    closed, so answered requests cannot be used to stream data at us;
 *  - request_timeout: from the first HEADERS of a request; a request not
 *    complete by then gets 408, one the handler did not answer gets 504
 *    (cause TIMED_OUT_REQUEST) and is cancelled (below);
 *  - idle_timeout: a connection with no open stream for that long gets a
 *    GOAWAY and is closed, whatever bytes trickle in (slowloris); a
 *    connection whose pending output made no progress for that long is
 *    closed (a peer that does not read);
 *  - wbuf_limit: once that much output waits for a connection, the server
 *    stops reading from it (no new work) until the peer reads.
 * Timeouts are checked by one periodic timer (a quarter of the shortest
 * timeout, 10 ms to 1 s), so they fire up to that much late.
 *
 * Requests and ownership (exactly once):
 *  - the handler is called once per complete request (END_STREAM seen),
 *    on the loop's thread; from then on the application holds the request;
 *  - the application lets go of it by calling exactly one of
 *    gg_sbi_respond(), gg_sbi_respond_json(), gg_sbi_problem() or
 *    gg_sbi_request_release(), now (inside the handler) or later (from any
 *    callback of the same loop); after that call the pointer is invalid;
 *  - until then the request and every string or buffer its accessors
 *    returned stay valid, even if the client reset the stream, closed the
 *    connection, the request timed out or the server was freed. Such a
 *    request is "cancelled": gg_sbi_request_cancelled() says so, the
 *    callback set with gg_sbi_request_on_cancel() is called once, and
 *    responding to it is a no-op that just frees it.
 *
 * Costs: per connection one nghttp2 session (a few KiB) plus its output
 * backlog; per request its headers, body and response (bounded by the
 * limits above). Each loop round scans nothing; the timeout timer walks
 * every connection and its requests once per tick.
 */
#ifndef GG_SBI_H
#define GG_SBI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct gg_evloop;
struct gg_sbi_server;
struct gg_sbi_request;

/** Defaults used for the limits left at 0 in struct gg_sbi_params. */
#define GG_SBI_DEFAULT_MAX_CONNS 256
#define GG_SBI_DEFAULT_MAX_STREAMS 32
#define GG_SBI_DEFAULT_MAX_BODY (64 * 1024)
#define GG_SBI_DEFAULT_MAX_HEADER_LIST (16 * 1024)
#define GG_SBI_DEFAULT_IDLE_TIMEOUT_MS 30000
#define GG_SBI_DEFAULT_REQUEST_TIMEOUT_MS 10000
#define GG_SBI_DEFAULT_WBUF_LIMIT (256 * 1024)
#define GG_SBI_DEFAULT_MAX_CONNS_PER_CLIENT 32
#define GG_SBI_DEFAULT_FIRST_REQUEST_TIMEOUT_MS 5000
/* max_discard defaults to 4 x max_body. */

/**
 * TLS for the SBI (TS 33.501 13.1: TLS between NFs, mutually authenticated).
 * TLS 1.3 (1.2 too with allow_tls12: then ECDHE with AES-GCM or ChaCha20
 * only, RFC 9113 9.2.2), ALPN "h2" required, no renegotiation. With
 * client_ca_file every client must present a certificate under it (for
 * TLS clients: extendedKeyUsage clientAuth when the extension is there);
 * gg_sbi_request_client() then names the client by its certificate.
 */
struct gg_sbi_tls {
	const char *cert_file;       /**< PEM server certificate, chain after it */
	const char *key_file;        /**< its PEM private key */
	const char *client_ca_file;  /**< PEM CA(s) of the NF clients; NULL: no client authentication */
	bool allow_tls12;
};

/**
 * Load @p t as gg_sbi_server_create() would (files, key match), to report
 * a configuration error early: 0, or -1 and a one-line reason in @p err.
 */
int gg_sbi_tls_check(const struct gg_sbi_tls *t, char *err, size_t errlen);

/** Where to listen and the limits; a field left at 0 takes its default. */
struct gg_sbi_params {
	const char *address;         /**< IPv4 or IPv6 literal; NULL: 127.0.0.1 */
	uint16_t port;               /**< 0: an ephemeral port, see gg_sbi_server_port() */
	unsigned int max_conns;      /**< open connections */
	unsigned int max_streams;    /**< concurrent requests per connection */
	size_t max_body;             /**< request body octets */
	size_t max_header_list;      /**< RFC 9113 header list size (name + value + 32 each) */
	unsigned int idle_timeout_ms;
	unsigned int request_timeout_ms;
	size_t wbuf_limit;           /**< output backlog per connection that stops reading */
	unsigned int max_conns_per_client; /**< open connections of one client address */
	unsigned int first_request_timeout_ms; /**< accept to first complete request */
	size_t max_discard;          /**< unread body octets per connection, see above */
	const struct gg_sbi_tls *tls; /**< NULL: h2c (cleartext, prior knowledge) */
};

/**
 * Counters, written by the loop's thread only: X(name, help). A reader on
 * another thread sees each value as it was a moment ago (aligned 64-bit).
 */
#define GG_SBI_STAT_LIST(X) \
	X(conns_accepted, "connections accepted") \
	X(conns_closed, "connections closed (any reason)") \
	X(conns_refused, "connections closed at once: max_conns reached") \
	X(conns_refused_client, "connections closed at once: max_conns_per_client reached") \
	X(timeouts_first_request, "connections closed: no request within first_request_timeout_ms") \
	X(discard_limit, "connections closed: more than max_discard unread body octets") \
	X(body_discarded, "body octets received and dropped (not read by anyone)") \
	X(requests, "complete requests handed to the handler") \
	X(resp_2xx, "responses 2xx sent") \
	X(resp_3xx, "responses 3xx sent") \
	X(resp_4xx, "responses 4xx sent (the server's own included)") \
	X(resp_5xx, "responses 5xx sent (the server's own included)") \
	X(protocol_errors, "connections torn down for an HTTP/2 protocol error") \
	X(http1_refused, "connections that spoke HTTP/1.x (505, closed)") \
	X(stream_errors, "streams reset by the server for a stream error") \
	X(streams_refused, "streams refused: too many requests held") \
	X(cancelled, "requests cancelled before the application answered") \
	X(timeouts_request, "requests answered 408 or 504 by the timer") \
	X(timeouts_idle, "connections closed after idle_timeout without a stream") \
	X(timeouts_write, "connections closed: output stalled for idle_timeout") \
	X(too_large, "requests answered 413 or 431") \
	X(wbuf_peak, "largest output backlog of a connection, octets") \
	X(tls_handshakes, "TLS handshakes completed (ALPN h2)") \
	X(tls_failed, "TLS handshakes failed (no h2, no or a bad client certificate, ...)")

struct gg_sbi_stats {
#define GG_SBI_STAT_FIELD(name, help) uint64_t name;
	GG_SBI_STAT_LIST(GG_SBI_STAT_FIELD)
#undef GG_SBI_STAT_FIELD
};

/** Called once per complete request; see the ownership rules above. */
typedef void (*gg_sbi_handler)(struct gg_sbi_request *req, void *arg);
/**
 * Called once when a request the application holds is cancelled. The
 * request stays valid; the callback may answer or release it (a no-op
 * that frees it) or leave that for later. Never called from inside
 * gg_sbi_respond() and friends of the same request.
 */
typedef void (*gg_sbi_cancel_cb)(struct gg_sbi_request *req, void *arg);

/**
 * Listen and serve on @p loop. Returns NULL with errno set on failure:
 * EINVAL (bad address, NULL loop or handler), EADDRINUSE (port taken),
 * EACCES, ENOMEM, ...
 */
struct gg_sbi_server *gg_sbi_server_create(struct gg_evloop *loop,
		const struct gg_sbi_params *p, gg_sbi_handler handler, void *arg);

/**
 * Stop listening and close every connection (a best-effort GOAWAY each).
 * Requests the application still holds are cancelled (their cancel
 * callbacks run before this returns) and stay valid until answered or
 * released. Must not be called from a handler or a cancel callback.
 * NULL is a no-op.
 */
void gg_sbi_server_free(struct gg_sbi_server *srv);

/** The port listened on (host order), useful with port 0. */
uint16_t gg_sbi_server_port(const struct gg_sbi_server *srv);

/** Copy the counters (a snapshot: subtract two to get a rate). */
void gg_sbi_server_stats(const struct gg_sbi_server *srv,
		struct gg_sbi_stats *out);

/** Request method, e.g. "GET". */
const char *gg_sbi_request_method(const struct gg_sbi_request *req);
/** Path without the query, as sent (not percent-decoded). */
const char *gg_sbi_request_path(const struct gg_sbi_request *req);
/** Query string after '?', as sent; NULL when there is none. */
const char *gg_sbi_request_query(const struct gg_sbi_request *req);
/**
 * Value of the first header named @p name (case-insensitive), NULL when
 * absent. Pseudo-headers are not listed here. Linear in the header count.
 */
const char *gg_sbi_request_header(const struct gg_sbi_request *req,
		const char *name);
/** Body octets (NUL-terminated for convenience, never NULL) and length. */
const uint8_t *gg_sbi_request_body(const struct gg_sbi_request *req,
		size_t *len);
/** Client address as text, without the port (IPv4-mapped shown as IPv4). */
const char *gg_sbi_request_peer(const struct gg_sbi_request *req);

/** Longest text gg_sbi_request_client() returns. */
#define GG_SBI_CLIENT_MAX 160

/**
 * Who sent the request, for access control: "cert:" and the subject of the
 * client certificate the TLS handshake verified (mutual TLS), else "addr:"
 * and the client address (h2c, or TLS without client authentication).
 * At most GG_SBI_CLIENT_MAX characters.
 */
const char *gg_sbi_request_client(const struct gg_sbi_request *req);

/** Non-zero once the request is cancelled (client gone, timed out, freed). */
int gg_sbi_request_cancelled(const struct gg_sbi_request *req);
/**
 * Set the callback for the cancellation of @p req (replacing an earlier
 * one). If the request is already cancelled and that was already
 * reported, @p cb is not called: check gg_sbi_request_cancelled().
 */
void gg_sbi_request_on_cancel(struct gg_sbi_request *req, gg_sbi_cancel_cb cb,
		void *arg);

/**
 * Answer @p req: final @p status (200..599), optional @p content_type and
 * @p location, body copied (none for HEAD, 204 and 304). Consumes the
 * request in every case. Returns 0 when the answer is queued, -1 with
 * errno ECANCELED when the request was cancelled (nothing sent), EINVAL
 * for a bad status (a 500 is sent instead) or ENOMEM (the stream is reset).
 */
int gg_sbi_respond(struct gg_sbi_request *req, int status,
		const char *content_type, const char *location, const void *body,
		size_t len);

/**
 * Answer with @p body as application/json (compact). Takes the reference
 * to @p body, like jansson's *_new functions; a NULL @p body sends a 500
 * problem instead. Consumes the request; returns as gg_sbi_respond().
 */
int gg_sbi_respond_json(struct gg_sbi_request *req, int status, json_t *body,
		const char *location);

/**
 * Answer with an application/problem+json TS 29.500 ProblemDetails:
 * "title" (the reason phrase), "status", and when given "detail", "cause"
 * and "invalidParams" (an array of {"param", "reason"}, see
 * gg_sbi_invalid_param(); omitted when empty). Takes the reference to
 * @p invalid_params. Consumes the request; returns as gg_sbi_respond().
 */
int gg_sbi_problem(struct gg_sbi_request *req, int status, const char *cause,
		const char *detail, json_t *invalid_params);

/**
 * Answer 405 with the Allow header RFC 9110 (15.5.6) requires: @p allow
 * lists the target resource's methods ("GET, DELETE"); the body is a
 * ProblemDetails with cause METHOD_NOT_ALLOWED and the allowed methods in
 * its detail. Consumes the request; returns as gg_sbi_respond().
 */
int gg_sbi_method_not_allowed(struct gg_sbi_request *req, const char *allow);

/**
 * Let go of @p req without answering it. A request that is not cancelled
 * gets a 500 problem (cause SYSTEM_FAILURE) so the client is not left
 * waiting. Consumes the request.
 */
void gg_sbi_request_release(struct gg_sbi_request *req);

/** RFC 9110 reason phrase of @p status ("Unknown" for unlisted codes). */
const char *gg_sbi_reason_phrase(int status);

/** True when the request's content type is application/json (parameters allowed). */
bool gg_sbi_request_is_json(const struct gg_sbi_request *req);

/**
 * Parse the body as a JSON object. The content type must be
 * application/json (parameters allowed), the body a non-empty object
 * without duplicate keys. On failure returns NULL, sets *@p status (when
 * not NULL) to 415 (content type) or 400 (anything else, answer with cause
 * INVALID_MSG_FORMAT) and writes a one-line reason to @p err.
 * The caller owns the result (json_decref()).
 */
json_t *gg_sbi_parse_json_body(const struct gg_sbi_request *req, int *status,
		char *err, size_t errlen);

/**
 * Append {"param": @p param, "reason": @p reason} to the array
 * @p invalid_params (TS 29.571 InvalidParam: param is a JSON pointer for
 * a body attribute, "header NAME" or "query NAME" otherwise; @p reason
 * may be NULL). Returns 0, or -1 when out of memory.
 */
int gg_sbi_invalid_param(json_t *invalid_params, const char *param,
		const char *reason);

/**
 * Read the string member @p field of @p obj into *@p out (NULL when
 * absent). It must be a string of 1..@p max_len octets without NUL; when
 * @p required it must be present. On a violation, appends an InvalidParam
 * named @p prefix + "/" + @p field (JSON pointer, @p prefix NULL or e.g.
 * "/anTunnelInfo") to @p invalid_params (may be NULL) and returns -2 when
 * a required member is missing (cause MANDATORY_IE_MISSING), -1 when it is
 * present but wrong (MANDATORY_IE_INCORRECT); returns 0 otherwise.
 * *@p out points into @p obj.
 */
int gg_sbi_json_get_string(const json_t *obj, const char *prefix,
		const char *field, int required, size_t max_len, const char **out,
		json_t *invalid_params);

/**
 * A member of a request body for gg_sbi_json_read_plain(): a string, or
 * an object holding other members (one level deep: its members name it
 * as their parent).
 */
struct gg_sbi_json_field {
	const char *name;     /**< member name, as written in the body */
	int parent;           /**< index of the object member it is in; -1: the body */
	bool object;          /**< an object member, else a string */
	bool required;
	size_t max_len;       /**< strings: 1..max_len octets */
	/* Out: */
	bool present;
	const char *value;    /**< strings: NUL-terminated, in the caller's buffer */
};

/**
 * The allocation-free reader of the plain case, for a request schema made
 * of string members (and objects of them): 0 when @p body is a JSON
 * object whose members are all among @p fields (at their level), each at
 * most once, every required one present, the strings 1..max_len octets of
 * printable ASCII (0x20..0x7e) without escapes, objects holding only
 * their members, nothing else (no numbers, arrays, literals, unknown
 * members) and only JSON whitespace around; then the strings are copied,
 * NUL-terminated, into @p buf and the fields say what was there. For such
 * a body jansson's parse (gg_sbi_parse_json_body()) and the getters above
 * give the same values and no InvalidParam. -1 for anything else, which
 * is not a verdict: parse the body with jansson and validate with the
 * getters, whose answers (and their wording) stay the reference. Linear
 * in the body, no allocation.
 */
int gg_sbi_json_read_plain(const uint8_t *body, size_t len,
		struct gg_sbi_json_field *fields, unsigned int n_fields,
		char *buf, size_t buflen);

/** As gg_sbi_json_get_string() for an object member (borrowed reference). */
int gg_sbi_json_get_object(const json_t *obj, const char *prefix,
		const char *field, int required, json_t **out,
		json_t *invalid_params);

#endif /* GG_SBI_H */
