/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * DNS for the walled garden: parse a device's query, forge the answer in
 * place (names outside the garden resolve to the portal), and snoop the
 * garden resolver's answers to learn which IPv4 addresses a garden name
 * stands for. Pure functions over one DNS message (the UDP payload): no
 * mbufs, no allocation, no global state, so workers call them per packet
 * and tests and fuzzers call them on any input.
 *
 * Names (RFC 1035 3.1, 4.1.4): labels of 1-63 octets, at most 255 octets in
 * wire form; length octets 0x40-0xbf (reserved label types, which is also
 * what a label longer than 63 would look like) are refused. A compression
 * pointer may not point into the 12-octet header (no encoder does, and a
 * name made of header octets would change meaning when the header is
 * rewritten) nor past the message, and no name may take more than
 * GG_DNS_MAX_JUMPS pointers. In a query, pointers must also point strictly
 * backwards. Since the question is the first name of a query, that means
 * every compressed question is refused one way or another, which is what
 * lets gg_dns_forge_answer() echo the question as is and point at it with
 * 0xc00c.
 *
 * Names handed out as text are lowercase (ASCII only, RFC 4343), dotted,
 * without the trailing dot; the root is "". A question name label holding
 * an octet outside 0x21-0x7e or a '.' is refused (GG_DNS_BAD_NAME_CHAR):
 * a name must read the same in wire and in text form, whichever of the
 * two the garden matches it in.
 *
 * Costs: a query parse reads the question name where it lies, checking
 * its characters 8 octets at a time, and copies nothing (the text form is
 * made on request, gg_dns_query_name()); a forge writes at most 12 + 28 +
 * 11 octets. A response parse walks the answer section once per CNAME hop
 * plus once (at most GG_DNS_MAX_CNAME_HOPS + 1 walks), reading each owner
 * name in each walk.
 */
#ifndef GG_DNS_H
#define GG_DNS_H

#include <stddef.h>
#include <stdint.h>

#define GG_DNS_UDP_PORT 53

/** Fixed header: ID, flags, four counts. */
#define GG_DNS_HDR_LEN 12

/** Limits on names (RFC 1035 2.3.4). */
#define GG_DNS_LABEL_MAX 63
#define GG_DNS_NAME_WIRE_MAX 255
/** Most labels a name of GG_DNS_NAME_WIRE_MAX octets holds (root excluded). */
#define GG_DNS_LABELS_MAX 127
/** Text form of a 255-octet wire name: its labels and the dots between. */
#define GG_DNS_NAME_TEXT_MAX 253

/**
 * Pointers followed while reading one name. Compressors point at the
 * longest suffix already written, so real names need one or two; the bound
 * is what stops pointer loops and pointer-to-pointer chains.
 */
#define GG_DNS_MAX_JUMPS 16
/** CNAME records followed from the question name in a response. */
#define GG_DNS_MAX_CNAME_HOPS 8
/** IPv4 addresses gg_dns_parse_response() reports; extra ones are counted. */
#define GG_DNS_MAX_ADDRS 16

/** Header flag bits (host order of the second 16-bit header word). */
#define GG_DNS_FLAG_QR 0x8000
#define GG_DNS_OPCODE_MASK 0x7800
#define GG_DNS_FLAG_AA 0x0400
#define GG_DNS_FLAG_TC 0x0200
#define GG_DNS_FLAG_RD 0x0100
#define GG_DNS_FLAG_RA 0x0080
#define GG_DNS_FLAG_Z 0x0040
#define GG_DNS_FLAG_AD 0x0020
#define GG_DNS_FLAG_CD 0x0010
#define GG_DNS_RCODE_MASK 0x000f

/** EDNS(0) OPT flags (low 16 bits of the OPT TTL, RFC 3225). */
#define GG_DNS_EDNS_FLAG_DO 0x8000
/** Smallest UDP payload size an OPT may announce (RFC 6891 6.2.3). */
#define GG_DNS_EDNS_MIN_UDP_SIZE 512

/** Record types (IANA DNS parameters). */
enum gg_dns_type {
	GG_DNS_TYPE_A = 1,
	GG_DNS_TYPE_NS = 2,
	GG_DNS_TYPE_CNAME = 5,
	GG_DNS_TYPE_SOA = 6,
	GG_DNS_TYPE_PTR = 12,
	GG_DNS_TYPE_MX = 15,
	GG_DNS_TYPE_TXT = 16,
	GG_DNS_TYPE_AAAA = 28,
	GG_DNS_TYPE_SRV = 33,
	GG_DNS_TYPE_OPT = 41,
	GG_DNS_TYPE_SVCB = 64,
	GG_DNS_TYPE_HTTPS = 65,
	GG_DNS_TYPE_ANY = 255,
};

/** Classes. */
enum gg_dns_class {
	GG_DNS_CLASS_IN = 1,
	GG_DNS_CLASS_CH = 3,
	GG_DNS_CLASS_ANY = 255,
};

/** Response codes; BADVERS needs the OPT's extended RCODE (RFC 6891). */
enum gg_dns_rcode {
	GG_DNS_RCODE_NOERROR = 0,
	GG_DNS_RCODE_FORMERR = 1,
	GG_DNS_RCODE_SERVFAIL = 2,
	GG_DNS_RCODE_NXDOMAIN = 3,
	GG_DNS_RCODE_NOTIMP = 4,
	GG_DNS_RCODE_REFUSED = 5,
	GG_DNS_RCODE_BADVERS = 16,
};

/**
 * Parse outcomes: X(SUFFIX, "name", "help"). Each is a drop reason the data
 * plane can count; the names are stable (telemetry keys).
 */
#define GG_DNS_STATUS_LIST(X) \
	X(OK, "ok", "message accepted") \
	X(TRUNCATED, "truncated", "message ends inside the header, a name, the question or a record") \
	X(NOT_QUERY, "not_query", "QR=1 where a query was expected") \
	X(NOT_RESPONSE, "not_response", "QR=0 where a response was expected") \
	X(BAD_OPCODE, "bad_opcode", "OPCODE is not 0 (standard query)") \
	X(BAD_QDCOUNT, "bad_qdcount", "QDCOUNT is not 1") \
	X(UNEXPECTED_RECORDS, "unexpected_records", "query with ANCOUNT or NSCOUNT not 0") \
	X(BAD_ARCOUNT, "bad_arcount", "query with more than one additional record") \
	X(NOT_OPT, "not_opt", "a query's additional record is not an EDNS OPT") \
	X(BAD_OPT, "bad_opt", "OPT owner not the root, or its options overrun its data") \
	X(TRAILING_DATA, "trailing_data", "octets after the last record of a query") \
	X(BAD_LABEL_TYPE, "bad_label_type", \
		"length octet 0x40-0xbf: reserved label type or label over 63") \
	X(NAME_TOO_LONG, "name_too_long", "name over 255 octets in wire form") \
	X(BAD_NAME_CHAR, "bad_name_char", \
		"question name label holds a '.' or an octet outside 0x21-0x7e") \
	X(POINTER_OUT_OF_RANGE, "pointer_out_of_range", \
		"compression pointer into the header or past the message") \
	X(POINTER_FORWARD, "pointer_forward", "compression pointer in a query not pointing backwards") \
	X(POINTER_LOOP, "pointer_loop", "name takes more than 16 compression pointers") \
	X(BAD_RDATA, "bad_rdata", "A record not 4 octets, or CNAME data not exactly one name") \
	X(CNAME_LOOP, "cname_loop", "CNAME chain comes back to a name already in it") \
	X(CNAME_CHAIN_TOO_LONG, "cname_chain_too_long", "more than 8 CNAMEs to follow")

#define GG_DNS_STATUS_ENUM_(suffix, name, help) GG_DNS_##suffix,
/** Outcome of the parsers; GG_DNS_OK is 0. */
enum gg_dns_status {
	GG_DNS_STATUS_LIST(GG_DNS_STATUS_ENUM_)
	GG_DNS_STATUS_COUNT
};
#undef GG_DNS_STATUS_ENUM_

/**
 * A query as gg_dns_parse_query() found it. On GG_DNS_OK every field is
 * set; on failure, id and flags are set once the header was read and the
 * rest is zero or partial.
 *
 * The question name is not copied: an accepted question is always
 * uncompressed at offset 12 (see the file comment), so its wire form is
 * the name_wire_len octets at msg + GG_DNS_HDR_LEN, as the device wrote
 * them (any case), and gg_dns_query_name() gives its text form.
 */
struct gg_dns_query {
	uint16_t id;
	uint16_t flags;             /**< second header word, host order */
	uint16_t qtype;
	uint16_t qclass;
	/** Offset just past QCLASS; the question itself starts at offset 12. */
	uint16_t question_end;
	/** Octets of the question name's wire form, root octet included: 1-255. */
	uint16_t name_wire_len;
	uint16_t name_len;          /**< octets of its text form: 0-253 */
	uint16_t edns_udp_size;     /**< as announced, host order */
	uint8_t has_edns;           /**< an OPT was present */
	uint8_t edns_version;
	uint8_t edns_do;            /**< DNSSEC OK bit */
	/**
	 * The question name's labels, root excluded (set when the parse
	 * says GG_DNS_OK, 0 otherwise): how many, and where each one's length
	 * octet lies from the name's start, left to right; what
	 * gg_garden_match_wire_labels() takes, so that the name is walked
	 * once. Not cleared past n_labels.
	 */
	uint8_t n_labels;
	uint8_t label_off[GG_DNS_LABELS_MAX];
};

/** What gg_dns_forge_answer() answers with. Set up by the control plane. */
struct gg_dns_forge {
	uint32_t portal_ipv4;       /**< network order */
	uint8_t portal_ipv6[16];    /**< network order, used when has_ipv6 */
	uint8_t has_ipv6;
	/** RCODE for types other than A, AAAA, SVCB, HTTPS (NXDOMAIN or REFUSED); 4 bits. */
	uint8_t other_rcode;
	/** UDP payload size announced in our OPT; below 512 is sent as 512. */
	uint16_t edns_udp_size;
	/**
	 * TTL of forged records, host order. Keep it short: a device that
	 * caches the portal address for a real name keeps reaching the portal
	 * after it has signed up.
	 */
	uint32_t ttl;
};

/** One learned IPv4 address. */
struct gg_dns_addr {
	uint32_t ipv4;              /**< network order */
	/** Seconds: the A record's TTL capped by every CNAME on the way. */
	uint32_t ttl;
};

/**
 * A response as gg_dns_parse_response() found it. On GG_DNS_OK every field
 * is set; on failure, naddrs is 0 and other fields are partial.
 */
struct gg_dns_response {
	uint16_t id;
	uint16_t flags;             /**< second header word, host order (TC, AA, ...) */
	uint16_t qtype;
	uint16_t qclass;
	uint16_t name_len;          /**< strlen(name) */
	uint16_t name_wire_len;     /**< octets of name_wire, root octet included */
	uint8_t rcode;              /**< header RCODE (the OPT's extension is not read) */
	uint8_t cname_hops;         /**< CNAMEs followed to reach the final name */
	uint8_t naddrs;             /**< entries used in addrs */
	/** A records for the final name beyond GG_DNS_MAX_ADDRS, not reported. */
	uint16_t addrs_skipped;
	/** IN A records in the answer section owned by another name: ignored. */
	uint16_t addrs_ignored;
	char name[GG_DNS_NAME_TEXT_MAX + 1]; /**< question name, lowercase, dotted */
	/** The same name in wire form: uncompressed, lowercase. */
	uint8_t name_wire[GG_DNS_NAME_WIRE_MAX];
	struct gg_dns_addr addrs[GG_DNS_MAX_ADDRS];
};

/**
 * Parse a query a device sent: a standard query (QR=0, OPCODE=0) with one
 * question, no answer or authority records, and at most one additional
 * record, which must be an EDNS OPT owned by the root. Its options are
 * checked for bounds and otherwise ignored. Nothing may follow the question
 * (or the OPT).
 *
 * @param msg  first octet of the DNS header (the UDP payload)
 * @param len  octets of the message; nothing past it is read
 * @param q    filled as described at struct gg_dns_query
 * @return GG_DNS_OK or the first problem found.
 */
enum gg_dns_status gg_dns_parse_query(const uint8_t *msg, size_t len,
		struct gg_dns_query *q);

/**
 * Text form of the question name of a query gg_dns_parse_query() accepted:
 * lowercase, dotted, NUL-terminated, q->name_len octets ("" for the root).
 * For logs and the control plane; the data plane matches the wire form.
 * The question must be unchanged since the parse (gg_dns_forge_answer()
 * keeps it). Cost: one pass over the name.
 *
 * @param msg   the message given to gg_dns_parse_query()
 * @param q     what it returned (GG_DNS_OK)
 * @param text  GG_DNS_NAME_TEXT_MAX + 1 octets
 * @return q->name_len
 */
size_t gg_dns_query_name(const uint8_t *msg, const struct gg_dns_query *q,
		char *text);

/**
 * Turn the query in @p msg into its forged response, in place.
 *
 * ID, question, RD and CD are kept; QR=1, RA=1, AA=0, AD=0, OPCODE 0, and
 * everything after the question is replaced:
 * - class IN, type A: one A record for f->portal_ipv4;
 * - class IN, type AAAA: one AAAA record for f->portal_ipv6 if f->has_ipv6,
 *   else NOERROR with no answer (NODATA);
 * - class IN, type SVCB or HTTPS: NODATA, so clients fall back to A/AAAA;
 * - anything else: RCODE f->other_rcode, no answer.
 * Answers are owned by 0xc00c (the question name) and carry f->ttl. No
 * authority section: without an SOA the negative answers are not cached.
 * If the query had an OPT, the response has one (version 0, no options,
 * DO copied, f->edns_udp_size); if the query's EDNS version was not 0, the
 * response is BADVERS with no answer (RFC 6891 6.1.3).
 *
 * The largest response is 12 + 259 + 28 + 11 = 310 octets, under the 512
 * any client accepts, so truncation (TC) never arises.
 *
 * @param msg   the query, as accepted by gg_dns_parse_query()
 * @param len   its length
 * @param room  octets available at msg
 * @param q     what gg_dns_parse_query() returned for msg
 * @param f     the answer policy
 * @return the response length, or 0 (msg untouched) if it does not fit
 *         @p room or @p q does not fit @p len.
 */
size_t gg_dns_forge_answer(uint8_t *msg, size_t len, size_t room,
		const struct gg_dns_query *q, const struct gg_dns_forge *f);

/**
 * Parse a response from a garden resolver and collect the IPv4 addresses
 * that answer its question: starting from the question name, follow CNAME
 * records (class IN) of the answer section, then take the class IN A
 * records owned by the last name of the chain. A records owned by any other
 * name are ignored (counted in addrs_ignored): they are how a cache gets
 * poisoned. The authority and additional sections are not read.
 *
 * Requires QR=1, OPCODE 0 and QDCOUNT 1. Every answer record is checked
 * (names readable, data inside the message, A data 4 octets, CNAME data
 * exactly one name) even when it is not used. Pointers may go forwards in
 * a response. Records may come in any order; when one name has several
 * CNAMEs, the first wins. A TTL with its top bit set counts as 0
 * (RFC 2181 8).
 *
 * @return GG_DNS_OK or the first problem found; any RCODE is OK here (see
 *         r->rcode), TC is only reported (r->flags).
 */
enum gg_dns_status gg_dns_parse_response(const uint8_t *msg, size_t len,
		struct gg_dns_response *r);

/**
 * A 32-bit digest of a question: its name in wire form (@p wire_len
 * octets, uncompressed, ASCII case folded as it is read), its type and its
 * class. A query's digest (the name at msg + GG_DNS_HDR_LEN) equals the
 * digest of the answer to it (gg_dns_response.name_wire) whatever case
 * either spells the name in. Not keyed: it tells our own questions apart,
 * it does not authenticate (the answer's source, ports and ID do that).
 * Cost: one 64x64 multiply per 8 octets of the name.
 */
uint32_t gg_dns_question_hash(const uint8_t *wire, size_t wire_len,
		uint16_t qtype, uint16_t qclass);

/** Stable name of a status ("truncated", ...), "unknown" if out of range. */
const char *gg_dns_status_name(enum gg_dns_status st);

/** One-line description of a status, for counter help texts. */
const char *gg_dns_status_help(enum gg_dns_status st);

#endif /* GG_DNS_H */
