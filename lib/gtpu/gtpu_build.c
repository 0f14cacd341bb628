/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GTP-U message builders (TS 29.281 5, 7, 8; PDU Session Container from
 * TS 38.415 5.5.2): the G-PDU header for downlink encapsulation and the
 * signalling messages a GTP-U endpoint answers with. They write into a
 * caller buffer of any alignment; nothing is read from it.
 */

#include <string.h>

#include "gg_gtpu.h"
#include "gg_wire.h"

/* Octet 1 values: version 1, PT 1, plus optional-field flags. */
#define FLAGS_BASE (GG_GTPU_VERSION_1 | GG_GTPU_FLAG_PT)

/* Sizes of the IEs and extension header these builders emit. */
#define IE_RECOVERY_LEN 2		/* type, restart counter */
#define IE_TEID_DATA_I_LEN 5		/* type, TEID */
#define IE_PEER_ADDRESS_V4_LEN 7	/* type, length (2), IPv4 address */
#define EXT_HDR_UNIT 4

#define ECHO_RESPONSE_LEN (GG_GTPU_HDR_OPT_LEN + IE_RECOVERY_LEN)
#define ERROR_INDICATION_LEN \
	(GG_GTPU_HDR_OPT_LEN + IE_TEID_DATA_I_LEN + IE_PEER_ADDRESS_V4_LEN)

/*
 * Extension header types listed in the Supported Extension Headers
 * Notification: the ones gg_gtpu_parse() acts on. Those it merely skips are
 * not listed, since a peer might then rely on them being honoured.
 */
static const uint8_t comprehended_ext[] = {
	GG_GTPU_EXT_PDU_SESSION_CONTAINER,
	GG_GTPU_EXT_UDP_PORT,
};



/*
 * Mandatory header plus the optional 4 octets, with S=1 (TS 29.281 5.1
 * requires it for the signalling messages built here) and N-PDU 0.
 * total is the whole message size; the length field covers all but 8.
 */
static void
write_signalling_hdr(uint8_t *p, uint8_t msg_type, unsigned int total,
		uint16_t seq, uint8_t next_ext)
{
	p[0] = FLAGS_BASE | GG_GTPU_FLAG_S |
		(next_ext != GG_GTPU_EXT_NONE ? GG_GTPU_FLAG_E : 0);
	p[1] = msg_type;
	gg_put_be16(p + 2, (uint16_t)(total - GG_GTPU_HDR_LEN));
	gg_put_be32(p + 4, 0);
	gg_put_be16(p + 8, seq);
	p[10] = 0;
	p[11] = next_ext;
}

/*
 * No room argument in the contract: the caller reserves
 * gg_gtpu_gpdu_hdr_len(). Returns 0 only when the length field cannot
 * express the message (a container plus a T-PDU over 65527 octets).
 */
unsigned int
gg_gtpu_write_gpdu_hdr(void *buf, uint32_t teid, uint16_t tpdu_len,
		int with_pdu_session, uint8_t qfi)
{
	unsigned int hdr_len = gg_gtpu_gpdu_hdr_len(with_pdu_session);
	size_t length = hdr_len - GG_GTPU_HDR_LEN + (size_t)tpdu_len;
	uint8_t *p = buf;

	if (length > UINT16_MAX)
		return 0;

	p[0] = FLAGS_BASE;
	p[1] = GG_GTPU_GPDU;
	gg_put_be16(p + 2, (uint16_t)length);
	gg_put_be32(p + 4, teid);
	if (!with_pdu_session)
		return hdr_len;

	p[0] |= GG_GTPU_FLAG_E;
	/* S and PN are 0: sequence and N-PDU octets are present but unused. */
	p[8] = 0;
	p[9] = 0;
	p[10] = 0;
	p[11] = GG_GTPU_EXT_PDU_SESSION_CONTAINER;
	/* DL PDU Session Information, PPP=0 RQI=0: one 4-octet unit. */
	p[12] = 1;
	p[13] = GG_GTPU_PDU_TYPE_DL << 4;
	p[14] = qfi & 0x3f;
	p[15] = GG_GTPU_EXT_NONE;
	return hdr_len;
}

unsigned int
gg_gtpu_write_echo_response(void *buf, size_t room, uint16_t seq)
{
	uint8_t *p = buf;

	if (room < ECHO_RESPONSE_LEN)
		return 0;
	write_signalling_hdr(p, GG_GTPU_ECHO_RESPONSE, ECHO_RESPONSE_LEN, seq,
			GG_GTPU_EXT_NONE);
	/* Restart counter is always 0 in GTP-U (TS 29.281 8.2). */
	p[12] = GG_GTPU_IE_RECOVERY;
	p[13] = 0;
	return ECHO_RESPONSE_LEN;
}

unsigned int
gg_gtpu_write_error_indication(void *buf, size_t room, uint32_t teid,
		uint32_t peer_ipv4_be, int with_udp_port, uint16_t udp_port)
{
	unsigned int total = ERROR_INDICATION_LEN +
		(with_udp_port ? EXT_HDR_UNIT : 0);
	uint8_t *p = buf;

	if (room < total)
		return 0;
	write_signalling_hdr(p, GG_GTPU_ERROR_INDICATION, total, 0,
			with_udp_port ? GG_GTPU_EXT_UDP_PORT : GG_GTPU_EXT_NONE);
	p += GG_GTPU_HDR_OPT_LEN;
	if (with_udp_port) {
		p[0] = 1;
		gg_put_be16(p + 1, udp_port);
		p[3] = GG_GTPU_EXT_NONE;
		p += EXT_HDR_UNIT;
	}
	/* IEs in ascending type order (TS 29.281 8.1). */
	p[0] = GG_GTPU_IE_TEID_DATA_I;
	gg_put_be32(p + 1, teid);
	p += IE_TEID_DATA_I_LEN;
	p[0] = GG_GTPU_IE_PEER_ADDRESS;
	gg_put_be16(p + 1, 4);
	/* Already in network order: copy the octets as they lie in memory. */
	memcpy(p + 3, &peer_ipv4_be, 4);
	return total;
}

unsigned int
gg_gtpu_write_ext_hdr_notification(void *buf, size_t room, uint16_t seq)
{
	unsigned int total = GG_GTPU_HDR_OPT_LEN + 2 + sizeof(comprehended_ext);
	uint8_t *p = buf;

	if (room < total)
		return 0;
	write_signalling_hdr(p, GG_GTPU_SUPPORTED_EXT_HDR_NOTIFICATION, total,
			seq, GG_GTPU_EXT_NONE);
	p[12] = GG_GTPU_IE_EXT_HDR_TYPE_LIST;
	p[13] = sizeof(comprehended_ext);
	memcpy(p + 14, comprehended_ext, sizeof(comprehended_ext));
	return total;
}
