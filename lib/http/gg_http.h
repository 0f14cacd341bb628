/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Stateless HTTP redirect for devices in the walled garden: the appliance
 * plays a TCP server on port 80 (or whichever port the caller sends here)
 * that answers every HTTP request with "302 Found" to the portal, keeping
 * no per-flow state. Each uplink segment is turned into its reply in the
 * buffer that holds it; the caller tunnels the reply back to the device.
 *
 * How it stays stateless (RFC 4987 SYN cookies, RFC 9293 TCP):
 * - Our initial sequence number is a cookie: a keyed hash (SipHash-2-4) of
 *   the 4-tuple, the client's ISN, a 64-second time slot and the MSS index,
 *   so the segment carrying the request proves the handshake happened.
 * - The 302 goes out with FIN in the same segment, so there is nothing left
 *   to remember once it is sent; a retransmitted request gets the same
 *   reply, octet for octet.
 * - The client's closing FIN carries no cookie (both sides have moved their
 *   sequence numbers by amounts we no longer know), so the 302 is padded
 *   with 0-15 spaces of trailing whitespace after "no-store" (optional
 *   whitespace around a field value, RFC 9112 5, RFC 9110 5.5) chosen so
 *   that the acknowledgment the client's FIN will carry has its low 4 bits
 *   equal to a keyed tag of the 4-tuple and the FIN's own sequence number.
 *   A FIN whose numbers carry the tag gets a bare ACK; a forged one passes
 *   with probability 1/16 and earns an ACK instead of a RST: nothing.
 *
 * State machine, per incoming segment (no state is kept between segments;
 * the "states" are what the segment's numbers prove):
 *
 * | segment                                       | reply, verdict          |
 * |-----------------------------------------------|-------------------------|
 * | bad/truncated header, fragment, not TCP       | none, MALFORMED         |
 * | IPv4 or TCP checksum wrong                    | none, BAD_CHECKSUM      |
 * | RST (whatever else is set)                    | none, ABSORB_RST        |
 * | SYN alone (payload ignored, not acked)        | SYN-ACK, SYNACK         |
 * |   ... no room for the 44-octet SYN-ACK        | RST, RST_TOO_BIG        |
 * | SYN+ACK                                       | RST, RST_UNEXPECTED     |
 * | SYN+FIN, or none of SYN, ACK, RST             | none, MALFORMED         |
 * | ACK, no payload, no FIN (handshake, acks)     | none, ABSORB_ACK        |
 * | ACK+data, cookie invalid or expired           | RST, RST_COOKIE         |
 * | ACK+data, cookie valid, not HTTP/1.x request  | RST, RST_NOT_HTTP       |
 * | ACK+data, cookie valid, HTTP/1.x request      | 302+FIN, REDIRECT       |
 * |   ... 302 fits neither room nor client MSS    | RST, RST_TOO_BIG        |
 * | FIN, no data, cookie valid (no request yet)   | RST, RST_UNEXPECTED     |
 * | FIN, no data, numbers carry the close tag     | bare ACK, ACK           |
 * | FIN, no data, anything else                   | RST, RST_UNEXPECTED     |
 *
 * "Cookie valid" means SEG.ACK - 1 is a cookie made for this 4-tuple with
 * SEG.SEQ - 1 as the client's ISN, in the current or the previous time
 * slot: a cookie lives 64 to 128 s. Only the first data segment of a
 * connection passes, so a request spread over several segments is answered
 * from the first and the later ones get RST_COOKIE (a real server that
 * closes with unread data sends RST too). A FIN riding on the request is
 * acknowledged with the request. The 302 must fit both room and the MSS
 * the cookie carries; when the Location with the original URL does not,
 * {url} is left empty (see gg_http_location()); a request line cut by the
 * segment's end is redirected the same way, its URL being incomplete.
 *
 * Replies: IPv4 header of 20 octets (incoming IP options are skipped, not
 * echoed), DSCP copied and ECN cleared, ID 0, DF, TTL 64, both checksums
 * computed. SYN-ACK: window 65535, one option, MSS = min(client's MSS or
 * 536 when absent, configured MSS); no window scale, SACK or timestamps.
 * 302: seq = SEG.ACK, ack = SEG.SEQ + SEG.LEN, flags ACK|PSH|FIN. RST to a
 * segment with ACK: seq = SEG.ACK, flags RST; without ACK: seq 0, ack =
 * SEG.SEQ + SEG.LEN (SYN and FIN count one), flags RST|ACK (RFC 9293
 * 3.5.2 and 3.10.7.1). Verdicts that send nothing leave the buffer untouched.
 *
 * Costs (test_http prints them, test/perf/perf.py micro measures them;
 * on the 2-vCPU AMD EPYC build VM, one core): a SYN is one header parse,
 * two checksum verifications (IPv4, TCP with pseudo-header), one SipHash
 * of 22 octets (ten SipRounds) and the SYN-ACK's checksums taken from its
 * 44 octets of headers: about 540 instructions, 60 ns. A request adds a
 * second SipHash sharing the first block (eighteen SipRounds for the two),
 * one pass over the segment for its checksum and one over the request
 * line and headers (sixteen octets a step with SSE2), one over Host and
 * target to percent-encode them (a plain Host is copied), and the 302's
 * checksum from the partial sums of its pieces, the fixed ones taken at
 * configuration: about 1550 instructions, 170 ns for a 145-octet GET. A
 * RST is about 290 instructions. The 302 is assembled in a 1460-octet
 * stack buffer. Nothing allocates, locks, logs or calls the kernel.
 */
#ifndef GG_HTTP_H
#define GG_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "gg_siphash.h"

/** Octets of the cookie secret. */
#define GG_HTTP_SECRET_LEN 16

/**
 * log2 of the seconds in a cookie time slot (64): a cookie is accepted in
 * the slot it was made in and the next one.
 */
#define GG_HTTP_COOKIE_SLOT_SHIFT 6

/** MSS assumed for a client that sent no MSS option (RFC 9293 3.7.1). */
#define GG_HTTP_DEFAULT_MSS 536

/** Bounds of the configured MSS. */
#define GG_HTTP_MSS_MIN 536
#define GG_HTTP_MSS_MAX 9000

/** Largest 302 payload: the largest MSS a cookie can encode. */
#define GG_HTTP_PAYLOAD_MAX 1460

/**
 * Octets of the 302 other than the Location value and the padding, and the
 * most padding added (see the file comment).
 */
#define GG_HTTP_REPLY_FIXED_LEN 97
#define GG_HTTP_PAD_MAX 15

/**
 * Longest template, {url} excluded: the 302 with {url} left empty must fit
 * the smallest MSS, so there is always a Location to send.
 */
#define GG_HTTP_TEMPLATE_MAX \
	(GG_HTTP_DEFAULT_MSS - GG_HTTP_REPLY_FIXED_LEN - GG_HTTP_PAD_MAX)

/** Placeholder in the Location template. */
#define GG_HTTP_URL_PLACEHOLDER "{url}"

/** Octets of the 302 before the Location value ("HTTP/1.1 ... Location: "). */
#define GG_HTTP_REPLY_HEAD_LEN 30
/** Octets between the Location value and the padding. */
#define GG_HTTP_REPLY_MID_LEN 25

/**
 * Redirect configuration, filled by gg_http_redirect_init() on the control
 * lcore and read-only afterwards: any number of workers may use one at the
 * same time. To change it (new portal URL, new secret) build another and
 * swap a pointer; handshakes in flight across a secret change get a RST.
 * Fields are private to the library.
 */
struct gg_http_redirect {
	uint64_t key[2];        /**< SipHash key: the secret as two LE words */
	int64_t clock_offset_s; /**< added to now_s (gg_http_redirect_set_clock());
				     the one field written while workers read */
	uint16_t mss;           /**< our MSS: the most we advertise or send */
	uint16_t prefix_len;    /**< template octets before {url} */
	uint16_t suffix_len;    /**< template octets after {url} */
	uint8_t has_url;        /**< the template holds {url} */
	uint32_t pre_sum;       /**< partial checksum of the "pre" text */
	uint32_t post_sum;      /**< of the "post" text, laid at an even offset */
	uint32_t tail_sum;      /**< of the 302's last lines, likewise */
	/**
	 * The 302's text around the original URL, built once so that a reply
	 * is two copies, the URL and the padding: "pre" is the status line,
	 * "Location: " and the template's prefix; "post", right after it, the
	 * template's suffix and "\r\nCache-Control: no-store". Not terminated.
	 */
	char text[GG_HTTP_REPLY_HEAD_LEN + GG_HTTP_TEMPLATE_MAX +
			GG_HTTP_REPLY_MID_LEN];
};

/**
 * Check and prepare a configuration (control path; may be slow).
 *
 * @param cfg      filled on success, untouched on failure
 * @param secret   cookie key; draw it from a good random source at start.
 *                 Appliances that may see two segments of one flow
 *                 (failover, several behind one gNB path) must share it
 * @param mss      our MSS (inner MTU minus 40), GG_HTTP_MSS_MIN..MSS_MAX
 * @param tmpl     Location template, NUL-terminated: an absolute URL
 *                 ("http://" or "https://" and at least one more octet
 *                 before any {url}), printable ASCII that may appear in a
 *                 URI (no space, '"', '<', '>', '\\', '^', '`', '{', '|',
 *                 '}', controls), at most one "{url}", at most
 *                 GG_HTTP_TEMPLATE_MAX octets besides it
 * @return 0, or -EINVAL with nothing changed
 */
int gg_http_redirect_init(struct gg_http_redirect *cfg,
		const uint8_t secret[GG_HTTP_SECRET_LEN], uint16_t mss,
		const char *tmpl);

/**
 * Make the cookies' time slots follow a clock shared with other appliances
 * instead of the caller's now_s: gg_http_handle() adds @p offset_s to every
 * now_s it is given (0 after gg_http_redirect_init()). With now_s from the
 * TSC, offset_s = Unix time - now_s puts the slots on Unix time, so that
 * appliances sharing the secret and an NTP-disciplined clock agree on them;
 * TSC seconds alone differ from machine to machine. Callers of
 * gg_syncookie_make()/check() add the offset themselves.
 *
 * Control lcore; may be called while workers use @p cfg (one relaxed
 * 64-bit store, read with one relaxed load per segment). A step moves the
 * slots: handshakes in flight across a step of more than a slot get a RST.
 */
void gg_http_redirect_set_clock(struct gg_http_redirect *cfg, int64_t offset_s);

/**
 * What gg_http_handle() and gg_tcp_rst() did. Each verdict is meant to be
 * one counter (gg_http_verdict_name() gives its name); the first ones,
 * up to GG_HTTP_RST_REFUSED, left a reply in the buffer to send back.
 */
enum gg_http_verdict {
	GG_HTTP_SYNACK = 0,      /**< SYN answered with a cookie SYN-ACK */
	GG_HTTP_REDIRECT,        /**< request answered with 302 + FIN */
	GG_HTTP_ACK,             /**< client's FIN after ours acknowledged */
	GG_HTTP_RST_COOKIE,      /**< data whose ACK is not a live cookie */
	GG_HTTP_RST_NOT_HTTP,    /**< first data is not an HTTP/1.x request */
	GG_HTTP_RST_TOO_BIG,     /**< reply would not fit room or client MSS */
	GG_HTTP_RST_UNEXPECTED,  /**< SYN+ACK, or a FIN not following ours */
	GG_HTTP_RST_REFUSED,     /**< gg_tcp_rst(): the port is refused */
	GG_HTTP_ABSORB_ACK,      /**< bare ACK: nothing to answer */
	GG_HTTP_ABSORB_RST,      /**< RST received: never answered */
	GG_HTTP_BAD_CHECKSUM,    /**< IPv4 header or TCP checksum wrong */
	GG_HTTP_MALFORMED,       /**< bad or truncated header, fragment, flags,
				      or room below *len */
	GG_HTTP_VERDICT_MAX
};

/** Non-zero when the verdict left a reply in the buffer. */
static inline int
gg_http_verdict_sends(enum gg_http_verdict v)
{
	return v <= GG_HTTP_RST_REFUSED;
}

/** Counter name of a verdict ("synack", "rst_cookie", ...); "unknown" out of range. */
const char *gg_http_verdict_name(enum gg_http_verdict v);

/**
 * Answer one TCP segment from a device in the walled garden, in place.
 *
 * @param cfg    from gg_http_redirect_init()
 * @param ip     first octet of the IPv4 header; any alignment
 * @param len    in: octets from @p ip that belong to the packet (octets
 *               past the IPv4 total length are ignored); out: the reply's
 *               length when the verdict sends, unchanged otherwise
 * @param room   octets writable from @p ip (at least *len)
 * @param now_s  a clock in seconds, the same on every lcore to within a
 *               few seconds (e.g. TSC / hz); only slots of 64 s matter.
 *               The offset of gg_http_redirect_set_clock() is added
 * @return the verdict; see the state machine in the file comment
 */
enum gg_http_verdict gg_http_handle(const struct gg_http_redirect *cfg,
		uint8_t *ip, uint16_t *len, uint16_t room, uint64_t now_s);

/**
 * Flag of gg_http_handle_flags() and gg_tcp_rst_flags(): the receiving
 * NIC verified the segment's TCP checksum (RTE_MBUF_F_RX_L4_CKSUM_GOOD
 * for this very header), so it is not summed again. The IPv4 header's
 * checksum is always checked here.
 */
#define GG_HTTP_F_TCP_CKSUM_GOOD 0x1u

/** gg_http_handle() with GG_HTTP_F_* @p flags. */
enum gg_http_verdict gg_http_handle_flags(const struct gg_http_redirect *cfg,
		uint8_t *ip, uint16_t *len, uint16_t room, uint64_t now_s,
		unsigned int flags);

/**
 * Refuse a TCP segment (a port other than the redirected one): turn it
 * into the RST RFC 9293 prescribes for a segment reaching a closed port.
 * Same parameters and checks as gg_http_handle(). Returns
 * GG_HTTP_RST_REFUSED, GG_HTTP_ABSORB_RST for a segment carrying RST (never
 * answered), GG_HTTP_BAD_CHECKSUM or GG_HTTP_MALFORMED.
 */
enum gg_http_verdict gg_tcp_rst(uint8_t *ip, uint16_t *len, uint16_t room);

/** gg_tcp_rst() with GG_HTTP_F_* @p flags. */
enum gg_http_verdict gg_tcp_rst_flags(uint8_t *ip, uint16_t *len,
		uint16_t room, unsigned int flags);

/** How much of an HTTP/1.x request line gg_http_parse_request() saw. */
enum gg_http_req_status {
	GG_HTTP_REQ_COMPLETE = 0, /**< whole request line; host filled if found */
	GG_HTTP_REQ_TRUNCATED,    /**< valid so far, cut by the end of the data:
				       method known, target may be partial */
	GG_HTTP_REQ_INVALID,      /**< not an HTTP/1.x request */
};

/** Parts of a request, pointing into the parsed data. */
struct gg_http_request {
	const uint8_t *method;
	const uint8_t *target;
	const uint8_t *host;     /**< Host field value, OWS trimmed; NULL if
				      absent, empty or cut by the data's end */
	uint16_t method_len;
	uint16_t target_len;
	uint16_t host_len;
	uint8_t version_minor;   /**< x of HTTP/1.x (COMPLETE only) */
	uint8_t absolute;        /**< target in absolute form ("http://h/p") */
	uint8_t host_plain;      /**< host holds only RFC 3986 unreserved
				      octets: it percent-encodes to itself */
};

/**
 * Recognise the start of an HTTP/1.x request (RFC 9112 3): method token
 * (1 to 32 tchars), SP, request-target (visible octets or octets >= 0x80),
 * SP, "HTTP/1." DIGIT, CRLF or bare LF; up to 4 leading CR/LF octets are
 * skipped. Then header lines up to the first empty line or the end of the
 * data, looking for Host (case-insensitive name, OWS trimmed). The data
 * may end anywhere after the first target octet (TRUNCATED); the first
 * 65535 octets at most are looked at.
 *
 * Rejected (INVALID): anything else in the request line, a control octet
 * in the target, a second Host field, a Host value with octets outside
 * RFC 3986 host and port syntax (reg-name, IP-literal, pct-encoded, ':').
 * A header line cut by the end of the data is ignored; obs-fold lines are
 * ignored. Pure, bounded by @p n, reads nothing past it.
 */
enum gg_http_req_status gg_http_parse_request(const uint8_t *p, size_t n,
		struct gg_http_request *req);

/**
 * Expand the Location template into @p out: the prefix, the percent-encoded
 * original URL (RFC 3986 unreserved octets kept, all others as %XX), the
 * suffix. The original URL is "http://" host target; with @p host_len 0 it
 * is @p target alone (absolute form); with both 0, {url} expands empty.
 *
 * When the expansion would not fit @p room, {url} expands empty instead
 * (a truncated URL would send the user somewhere wrong). Returns the octets
 * written (no NUL), 0 if even that does not fit; octets of @p out past
 * the value, up to @p room, may be overwritten (the encoder stores four at
 * a time). The output never holds a control octet, a space or a quote:
 * injection into the header is not possible whatever host and target
 * contain.
 */
size_t gg_http_location(const struct gg_http_redirect *cfg,
		const uint8_t *host, size_t host_len,
		const uint8_t *target, size_t target_len,
		char *out, size_t room);

/**
 * SYN cookie for a SYN from saddr:sport to daddr:dport (network order, as
 * in the headers) with initial sequence number @p isn, to be our ISN.
 * Layout: bit 31 the time slot's parity, bits 30-28 the index of the
 * largest of 536, 1220, 1300, 1360, 1380, 1400, 1440, 1460 not above
 * @p mss (536 below it), bits 27-0 the keyed hash of the 22 octets that
 * http_cookie.c lays out (fixed: appliances sharing a secret agree).
 * @p now_s is the cookie clock itself, the now_s of gg_http_handle() plus
 * the offset of gg_http_redirect_set_clock(): callers add it themselves.
 */
uint32_t gg_syncookie_make(const struct gg_http_redirect *cfg,
		uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
		uint32_t isn, uint16_t mss, uint64_t now_s);

/**
 * Check that @p cookie was made by gg_syncookie_make() for this tuple and
 * ISN in the current or the previous time slot. One SipHash. On success
 * returns 0 and sets *mss to the encoded MSS; -1 otherwise.
 */
int gg_syncookie_check(const struct gg_http_redirect *cfg,
		uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
		uint32_t isn, uint32_t cookie, uint64_t now_s, uint16_t *mss);

/*
 * The cookies are SipHash-2-4 (lib/siphash), a PRF built for short
 * inputs: a cookie's 22 octets cost 10 rounds of adds, rotates and xors, no
 * tables, no CPU feature needed (HMAC-SHA-256 would cost at least two
 * SHA-256 blocks even with its pads precomputed).
 */

#endif /* GG_HTTP_H */
