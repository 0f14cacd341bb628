/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GTP-U message parser (TS 29.281 5, PDU Session Container from TS 38.415
 * 5.5.2): validates one UDP payload and extracts what the data path needs
 * to classify and decapsulate it.
 *
 * Status choices where the spec leaves room:
 * - The length field is checked against len before anything else that
 *   depends on it, so a message cut short (or padded) after its first
 *   8 octets is GG_GTPU_BAD_LENGTH, never GG_GTPU_TRUNCATED.
 * - E, S or PN set with a (consistent) length field below 4: the flags
 *   announce a 12-octet header the message cannot hold, GG_GTPU_TRUNCATED.
 * - Everything wrong inside the extension-header chain (zero length, a
 *   header past the end, a next type announced with no octet left) is
 *   GG_GTPU_BAD_EXT_CHAIN. A header's bounds are checked before its type, so
 *   an overrunning header of an unknown required type is BAD_EXT_CHAIN too.
 * - A chain so long that hdr_len would not fit its 16 bits (only possible
 *   with len > 65535, which no UDP payload reaches) is BAD_EXT_CHAIN.
 * - Several PDU Session Containers: the last one wins.
 */

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>

#include "gg_gtpu.h"
#include "gg_wire.h"

#define OPT_FLAGS (GG_GTPU_FLAG_E | GG_GTPU_FLAG_S | GG_GTPU_FLAG_PN)

/* Comprehension required (bits 8-7 = 1x, TS 29.281 5.2.1). */
#define EXT_COMPREHENSION_REQUIRED 0x80



/*
 * c points at the content (after the length octet); the caller guarantees
 * at least 2 octets, which any non-zero length gives (4 * n - 2 >= 2), so
 * the "content too short" case of the contract cannot arise here.
 */
static inline enum gg_gtpu_status
parse_pdu_session(const uint8_t *c, struct gg_gtpu_info *info)
{
	uint8_t pdu_type = c[0] >> 4;

	if (unlikely(pdu_type > GG_GTPU_PDU_TYPE_UL))
		return GG_GTPU_BAD_PDU_SESSION;
	info->has_pdu_session = 1;
	info->pdu_type = pdu_type;
	info->qfi = c[1] & 0x3f;
	/* In UL these bits mean other things (N3/N9 delay, new IE flag). */
	if (pdu_type == GG_GTPU_PDU_TYPE_DL) {
		info->ppp = c[1] >> 7;
		info->rqi = (c[1] >> 6) & 1;
	} else {
		info->ppp = 0;
		info->rqi = 0;
	}
	return GG_GTPU_OK;
}

/*
 * off is where the first extension header starts; len is the exact message
 * size. Each header costs one bounds check and one switch; every header is
 * at least 4 octets, so the loop ends within len / 4 rounds.
 */
static enum gg_gtpu_status
parse_ext_chain(const uint8_t *p, size_t len, size_t *offp, uint8_t next,
		struct gg_gtpu_info *info)
{
	size_t off = *offp;
	enum gg_gtpu_status st;

	while (next != GG_GTPU_EXT_NONE) {
		size_t ext_len;

		if (unlikely(off >= len))
			return GG_GTPU_BAD_EXT_CHAIN;
		ext_len = (size_t)p[off] * 4;
		if (unlikely(ext_len == 0 || ext_len > len - off))
			return GG_GTPU_BAD_EXT_CHAIN;

		switch (next) {
		case GG_GTPU_EXT_PDU_SESSION_CONTAINER:
			st = parse_pdu_session(p + off + 1, info);
			if (unlikely(st != GG_GTPU_OK))
				return st;
			break;
		case GG_GTPU_EXT_UDP_PORT:
			/* Defined with length 1; a longer one still starts with the port. */
			info->has_udp_port = 1;
			info->udp_port = gg_get_be16(p + off + 1);
			break;
		case GG_GTPU_EXT_SERVICE_CLASS:
		case GG_GTPU_EXT_RAN_CONTAINER:
		case GG_GTPU_EXT_LONG_PDCP_PDU_NUMBER:
		case GG_GTPU_EXT_XW_RAN_CONTAINER:
		case GG_GTPU_EXT_NR_RAN_CONTAINER:
		case GG_GTPU_EXT_PDCP_PDU_NUMBER:
			break;
		default:
			if (next & EXT_COMPREHENSION_REQUIRED) {
				info->bad_ext_type = next;
				return GG_GTPU_UNKNOWN_REQUIRED_EXT;
			}
			break;
		}

		next = p[off + ext_len - 1];
		off += ext_len;
	}

	if (unlikely(off > UINT16_MAX))
		return GG_GTPU_BAD_EXT_CHAIN;
	*offp = off;
	return GG_GTPU_OK;
}

enum gg_gtpu_status
gg_gtpu_parse(const void *buf, size_t len, struct gg_gtpu_info *info)
{
	const uint8_t *p = buf;
	enum gg_gtpu_status st;
	size_t off;
	uint8_t flags;

	memset(info, 0, sizeof(*info));
	if (unlikely(len < GG_GTPU_HDR_LEN))
		return GG_GTPU_TRUNCATED;

	flags = p[0];
	info->flags = flags;
	info->msg_type = p[1];
	info->length = gg_get_be16(p + 2);
	info->teid = gg_get_be32(p + 4);

	if (unlikely((flags & GG_GTPU_VERSION_MASK) != GG_GTPU_VERSION_1))
		return GG_GTPU_BAD_VERSION;
	if (unlikely(!(flags & GG_GTPU_FLAG_PT)))
		return GG_GTPU_BAD_PT;
	if (unlikely(GG_GTPU_HDR_LEN + (size_t)info->length != len))
		return GG_GTPU_BAD_LENGTH;

	if (likely(!(flags & OPT_FLAGS))) {
		info->hdr_len = GG_GTPU_HDR_LEN;
		info->payload_len = info->length;
		return GG_GTPU_OK;
	}

	if (unlikely(len < GG_GTPU_HDR_OPT_LEN))
		return GG_GTPU_TRUNCATED;
	/* Fields whose flag is clear are present but meaningless (5.1). */
	if (flags & GG_GTPU_FLAG_S)
		info->seq = gg_get_be16(p + 8);
	if (flags & GG_GTPU_FLAG_PN)
		info->npdu = p[10];

	off = GG_GTPU_HDR_OPT_LEN;
	if (flags & GG_GTPU_FLAG_E) {
		st = parse_ext_chain(p, len, &off, p[11], info);
		if (unlikely(st != GG_GTPU_OK))
			return st;
	}

	info->hdr_len = (uint16_t)off;
	info->payload_len = (uint16_t)(len - off);
	return GG_GTPU_OK;
}

const char *
gg_gtpu_status_name(enum gg_gtpu_status st)
{
	static const char *const names[] = {
		[GG_GTPU_OK] = "ok",
		[GG_GTPU_TRUNCATED] = "truncated",
		[GG_GTPU_BAD_VERSION] = "bad_version",
		[GG_GTPU_BAD_PT] = "bad_pt",
		[GG_GTPU_BAD_LENGTH] = "bad_length",
		[GG_GTPU_BAD_EXT_CHAIN] = "bad_ext_chain",
		[GG_GTPU_BAD_PDU_SESSION] = "bad_pdu_session",
		[GG_GTPU_UNKNOWN_REQUIRED_EXT] = "unknown_required_ext",
	};

	if ((unsigned int)st >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[st];
}
