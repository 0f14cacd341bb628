/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * GTP-U (3GPP TS 29.281) parsing and building: pure functions over byte
 * buffers, no mbufs, no allocation, no global state, so unit tests and
 * fuzzers can call them on any input.
 *
 * Parsing covers the mandatory header, the optional 4 octets (present when
 * any of E, S or PN is set), the extension-header chain (length in 4-octet
 * units, 0 is invalid; unknown types whose two top bits say "comprehension
 * required" stop the parse, others are skipped, TS 29.281 5.2.1) and the PDU
 * Session Container (type 0x85, TS 38.415).
 *
 * Cost: a G-PDU with no optional fields is a handful of loads and compares;
 * each extension header adds one bounds check and a switch.
 */
#ifndef GG_GTPU_H
#define GG_GTPU_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#define GG_GTPU_UDP_PORT 2152

/* Octet 1 of the header. */
#define GG_GTPU_VERSION_MASK 0xe0
#define GG_GTPU_VERSION_1 0x20
#define GG_GTPU_FLAG_PT 0x10
#define GG_GTPU_FLAG_E 0x04
#define GG_GTPU_FLAG_S 0x02
#define GG_GTPU_FLAG_PN 0x01

/** Mandatory header, and mandatory + the optional 4 octets. */
#define GG_GTPU_HDR_LEN 8
#define GG_GTPU_HDR_OPT_LEN 12

/** Message types handled by a GTP-U endpoint (TS 29.281 6.1). */
enum gg_gtpu_msg_type {
	GG_GTPU_ECHO_REQUEST = 1,
	GG_GTPU_ECHO_RESPONSE = 2,
	GG_GTPU_ERROR_INDICATION = 26,
	GG_GTPU_SUPPORTED_EXT_HDR_NOTIFICATION = 31,
	GG_GTPU_END_MARKER = 254,
	GG_GTPU_GPDU = 255,
};

/** Extension header types (TS 29.281 5.2.2). */
enum gg_gtpu_ext_type {
	GG_GTPU_EXT_NONE = 0x00,
	GG_GTPU_EXT_SERVICE_CLASS = 0x20,
	GG_GTPU_EXT_UDP_PORT = 0x40,
	GG_GTPU_EXT_RAN_CONTAINER = 0x81,
	GG_GTPU_EXT_LONG_PDCP_PDU_NUMBER = 0x82,
	GG_GTPU_EXT_XW_RAN_CONTAINER = 0x83,
	GG_GTPU_EXT_NR_RAN_CONTAINER = 0x84,
	GG_GTPU_EXT_PDU_SESSION_CONTAINER = 0x85,
	GG_GTPU_EXT_PDCP_PDU_NUMBER = 0xc0,
};

/** Information elements used by the messages we build (TS 29.281 8). */
enum gg_gtpu_ie_type {
	GG_GTPU_IE_RECOVERY = 14,
	GG_GTPU_IE_TEID_DATA_I = 16,
	GG_GTPU_IE_PEER_ADDRESS = 133,
	GG_GTPU_IE_EXT_HDR_TYPE_LIST = 141,
};

/** PDU Session Container PDU types (TS 38.415 5.5.2). */
#define GG_GTPU_PDU_TYPE_DL 0
#define GG_GTPU_PDU_TYPE_UL 1

/** Outcome of gg_gtpu_parse(); each maps to one drop reason. */
enum gg_gtpu_status {
	GG_GTPU_OK = 0,
	GG_GTPU_TRUNCATED,           /**< buffer shorter than the header it announces */
	GG_GTPU_BAD_VERSION,         /**< version is not 1 */
	GG_GTPU_BAD_PT,              /**< PT is 0 (GTP') */
	GG_GTPU_BAD_LENGTH,          /**< length field disagrees with the buffer */
	GG_GTPU_BAD_EXT_CHAIN,       /**< zero-length or overrunning extension header */
	GG_GTPU_BAD_PDU_SESSION,     /**< PDU Session Container too short or bad PDU type */
	GG_GTPU_UNKNOWN_REQUIRED_EXT,/**< unknown type with comprehension required */
};

/** What gg_gtpu_parse() found. Fields not present are zero. */
struct gg_gtpu_info {
	uint32_t teid;          /**< host order */
	uint16_t length;        /**< the length field: octets after the first 8 */
	uint16_t hdr_len;       /**< octets from the header start to the payload */
	uint16_t payload_len;   /**< T-PDU or IE octets after hdr_len */
	uint16_t seq;           /**< sequence number, if S was set */
	uint8_t flags;          /**< octet 1 as received */
	uint8_t msg_type;
	uint8_t npdu;           /**< N-PDU number, if PN was set */
	uint8_t has_pdu_session;/**< a PDU Session Container was present */
	uint8_t pdu_type;       /**< GG_GTPU_PDU_TYPE_DL or _UL */
	uint8_t qfi;            /**< 6 bits */
	uint8_t rqi;            /**< DL only */
	uint8_t ppp;            /**< DL only: paging policy presence */
	uint8_t has_udp_port;   /**< a UDP Port extension header was present */
	uint8_t bad_ext_type;   /**< with GG_GTPU_UNKNOWN_REQUIRED_EXT: the type */
	uint16_t udp_port;      /**< from the UDP Port extension header, host order */
};

/**
 * Parse one GTP-U message.
 *
 * @param buf  first octet of the GTP-U header (the UDP payload)
 * @param len  octets available: the UDP payload length. The message must
 *             fill it exactly (8 + length field == len).
 * @param info filled on GG_GTPU_OK; partially filled otherwise (msg_type,
 *             teid, seq and bad_ext_type are set as soon as they are
 *             known, so a notification can answer a failed parse).
 * @return GG_GTPU_OK or the first problem found.
 */
enum gg_gtpu_status gg_gtpu_parse(const void *buf, size_t len,
		struct gg_gtpu_info *info);

/** Name of a status, for logs and tests. */
const char *gg_gtpu_status_name(enum gg_gtpu_status st);

/**
 * The two shapes gNBs send G-PDUs in, recognised with two loads and no
 * loop: the bare 8-octet header (flags 0x30), and E=1 with exactly one PDU
 * Session Container of one 4-octet unit, PDU type DL or UL, and no further
 * extension (flags 0x34, next type 0x85, next type 0 after it); message
 * type 255, length field len - 8, and a T-PDU of at least one octet.
 *
 * Whenever it returns h != 0, gg_gtpu_parse() on the same octets returns
 * GG_GTPU_OK with msg_type G-PDU, hdr_len h and payload_len len - h > 0
 * (test_gtpu checks this on every variant of both shapes). Anything else,
 * S or PN set, other extension headers, errors, other messages, returns 0
 * and is left to gg_gtpu_parse(). Without branches on the shape, so that
 * traffic mixing both does not mispredict.
 *
 * @param buf  first octet of the message
 * @param len  the UDP payload length; below 17 the answer is 0 and nothing
 *             is read. From 17 on, 16 octets are read whatever the shape.
 * @return 8, 16 or 0.
 */
static inline unsigned int
gg_gtpu_gpdu_fast(const uint8_t *buf, uint16_t len)
{
	/* Octets 0-3: flags (E left out), type, length; octets 8-15 under
	 * the mask: next type, container length, PDU type, next type. */
	const uint32_t e_bit = rte_cpu_to_be_32((uint32_t)GG_GTPU_FLAG_E << 24);
	const uint64_t ext_mask = rte_cpu_to_be_64(0x000000ffffe000ffULL);
	const uint64_t ext_want = rte_cpu_to_be_64(0x0000008501000000ULL);
	uint32_t w0;
	uint64_t ext, sel;

	if (len < GG_GTPU_HDR_OPT_LEN + 4 + 1)
		return 0;
	memcpy(&w0, buf, sizeof(w0));
	memcpy(&ext, buf + GG_GTPU_HDR_LEN, sizeof(ext));
	if ((w0 | e_bit) != rte_cpu_to_be_32(((uint32_t)(GG_GTPU_VERSION_1 |
			GG_GTPU_FLAG_PT | GG_GTPU_FLAG_E) << 24) |
			((uint32_t)GG_GTPU_GPDU << 16) |
			(uint32_t)(len - GG_GTPU_HDR_LEN)))
		return 0;
	/* All ones with E=1: only then octets 8-15 count. */
	sel = -(uint64_t)((w0 & e_bit) != 0);
	if (((ext ^ ext_want) & ext_mask & sel) != 0)
		return 0;
	return GG_GTPU_HDR_LEN + (unsigned int)(sel & 8);
}

/** Octets gg_gtpu_write_gpdu_hdr() writes: 8, or 16 with a PDU Session Container. */
static inline unsigned int
gg_gtpu_gpdu_hdr_len(int with_pdu_session)
{
	return with_pdu_session ? GG_GTPU_HDR_OPT_LEN + 4 : GG_GTPU_HDR_LEN;
}

/**
 * Write a G-PDU header for a T-PDU of @p tpdu_len octets.
 * With @p with_pdu_session, the header carries E=1 and a DL PDU Session
 * Container (one 4-octet unit) holding @p qfi; otherwise it is the bare
 * 8-octet header. Returns the octets written (gg_gtpu_gpdu_hdr_len()).
 */
unsigned int gg_gtpu_write_gpdu_hdr(void *buf, uint32_t teid,
		uint16_t tpdu_len, int with_pdu_session, uint8_t qfi);

/**
 * Write an Echo Response answering sequence number @p seq: S=1, TEID 0,
 * Recovery IE with restart counter 0 (TS 29.281 7.2.2). Returns octets
 * written (14); @p room must be at least that, else returns 0.
 */
unsigned int gg_gtpu_write_echo_response(void *buf, size_t room, uint16_t seq);

/**
 * Write an Error Indication (TS 29.281 7.3.1) for a G-PDU that arrived with
 * TEID @p teid at our address @p peer_ipv4_be (network order): TEID 0, S=1,
 * TEID Data I and GTP-U Peer Address IEs, and, when @p with_udp_port, a UDP
 * Port extension header carrying @p udp_port (the G-PDU's source port).
 * Returns octets written, 0 if @p room is too small.
 */
unsigned int gg_gtpu_write_error_indication(void *buf, size_t room,
		uint32_t teid, uint32_t peer_ipv4_be, int with_udp_port,
		uint16_t udp_port);

/**
 * Write a Supported Extension Headers Notification (TS 29.281 7.2.3) listing
 * the extension header types we comprehend, answering sequence @p seq.
 * Returns octets written, 0 if @p room is too small.
 */
unsigned int gg_gtpu_write_ext_hdr_notification(void *buf, size_t room,
		uint16_t seq);

#endif /* GG_GTPU_H */
