/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one-pass check of the common G-PDU on N3, shared by the uplink fast
 * stage (uplink_fast.c) and the parse stage (uplink_parse.c), which takes
 * what the fast stage handed on. Private to lib/pipeline.
 */
#ifndef UPLINK_GPDU_H
#define UPLINK_GPDU_H

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "gg_gtpu.h"
#include "pipeline_private.h"

/* Where the fast path finds things: untagged Ethernet, 20-octet IPv4. */
#define OFF_ETHERTYPE 12
#define OFF_IP 14
#define OFF_IP_LEN 16
#define OFF_IP_DST 30
#define OFF_UDP 34
#define OFF_UDP_DPORT 36
#define OFF_GTP 42
/* Shortest G-PDU the fast path takes: 16 octets of GTP-U header (its
 * longer shape) and a T-PDU that holds an IPv4 header (what parse_gtpu()
 * requires too), so that one length compare covers both shapes; a bare
 * header with a 20-27 octet T-PDU takes parse_one(). */
#define FAST_MIN_IP_LEN (20 + 8 + GG_GTPU_HDR_OPT_LEN + 4 + 20)

/*
 * The second half of gg_gtpu_gpdu_fast(), for a caller that checked the
 * G-PDU's octets 0-3 itself (flags but E, type, length): 8 when @p flags
 * has no E, 16 when it has one and octets 8-15 are the one PDU Session
 * Container gg_gtpu_gpdu_fast() takes, 0 otherwise. Branch-free: half the
 * sessions of a mix have one. Reads 16 octets.
 */
static __rte_always_inline unsigned int
gpdu_ext_fast(const uint8_t *gtp, uint8_t flags)
{
	const uint64_t ext_mask = rte_cpu_to_be_64(0x000000ffffe000ffULL);
	const uint64_t ext_want = rte_cpu_to_be_64(0x0000008501000000ULL);
	uint64_t ext, sel;

	memcpy(&ext, gtp + GG_GTPU_HDR_LEN, sizeof(ext));
	sel = -(uint64_t)((flags & GG_GTPU_FLAG_E) != 0);
	if (((ext ^ ext_want) & ext_mask & sel) != 0)
		return 0;
	return GG_GTPU_HDR_LEN + (unsigned int)(sel & 8);
}

/* The metadata of a G-PDU gg_gpdu_fast() took that only the stages read. */
static __rte_always_inline void
gg_gpdu_fast_rest(const struct rte_mbuf *m, struct gg_meta *meta)
{
	uint16_t v16;

	memcpy(&v16, rte_pktmbuf_mtod_offset(m, const uint8_t *, OFF_UDP),
			sizeof(v16));
	meta->action = GG_ACT_SESSION;
	meta->udp_sport = rte_be_to_cpu_16(v16);
}

/*
 * The common case decided in one pass over wide loads: a single-segment
 * untagged IPv4 frame without options, header checksum right, to our N3
 * address, not a fragment, UDP to 2152 with a length that agrees with the
 * IPv4 one, carrying a G-PDU of one of gg_gtpu_gpdu_fast()'s two shapes
 * whose T-PDU holds at least an IPv4 header.
 * Every condition is one uplink_parse.c's parse_one() checks too, so a
 * packet accepted here gets the metadata parse_one() would give it
 * (except the fields nothing reads for a G-PDU: seq, drop and the
 * uplink's unused l3_off). Anything else, every error included, is left
 * to parse_one(). Returns 1 when it decided. Without @p all (a
 * constant), the action and the UDP source port, which only the stages
 * read, are left to gg_gpdu_fast_rest().
 */
static __rte_always_inline int
gg_gpdu_fast(const struct rte_mbuf *m, struct gg_meta *meta, uint32_t n3_addr,
		int all)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t len = rte_pktmbuf_data_len(m);
	uint32_t w32, teid;
	uint64_t w64;
	uint16_t tlen, v16, tpdu;
	unsigned int hlen;

	if (unlikely(len < OFF_IP + FAST_MIN_IP_LEN || m->nb_segs != 1))
		return 0;
	/* Ethertype IPv4, version 4 and IHL 5. */
	memcpy(&w32, p + OFF_ETHERTYPE, sizeof(w32));
	if (unlikely((w32 & rte_cpu_to_be_32(0xffffff00)) !=
			rte_cpu_to_be_32(0x08004500)))
		return 0;
	/* Total length, then: no MF, no offset, protocol UDP (one 32-bit
	 * word: its mask and value fit instructions, where 64-bit ones take
	 * registers the loop is short of). */
	memcpy(&v16, p + OFF_IP_LEN, sizeof(v16));
	tlen = rte_be_to_cpu_16(v16);
	if (unlikely((uint16_t)(tlen - FAST_MIN_IP_LEN) >
			len - OFF_IP - FAST_MIN_IP_LEN))
		return 0;
	memcpy(&w32, p + OFF_IP_LEN + 4, sizeof(w32));
	if (unlikely((w32 & rte_cpu_to_be_32(0x3fff00ff)) !=
			rte_cpu_to_be_32(IPPROTO_UDP)))
		return 0;
	memcpy(&w32, p + OFF_IP_DST, sizeof(w32));
	if (unlikely(w32 != n3_addr))
		return 0;
	/* Destination port 2152. Then octets 38-45 in one word: the UDP
	 * length the IPv4 one implies (checksum not looked at), GTP-U
	 * version 1, PT 1, no S or PN (E either way), G-PDU, and the GTP-U
	 * length the UDP one implies; the expected word is built from the
	 * total length by one multiplication (lengths >= 64, so no borrow
	 * between the two fields). */
	memcpy(&v16, p + OFF_UDP_DPORT, sizeof(v16));
	if (unlikely(v16 != rte_cpu_to_be_16(GG_GTPU_UDP_PORT)))
		return 0;
	memcpy(&w64, p + OFF_UDP_DPORT + 2, sizeof(w64));
	if (unlikely((w64 & rte_cpu_to_be_64(0xffff0000fbffffffULL)) !=
			rte_cpu_to_be_64((uint64_t)tlen *
				0x0001000000000001ULL +
				(((uint64_t)(GG_GTPU_VERSION_1 |
				GG_GTPU_FLAG_PT) << 24) |
				((uint64_t)GG_GTPU_GPDU << 16)) -
				((uint64_t)sizeof(struct rte_ipv4_hdr) << 48) -
				(OFF_GTP - OFF_IP + GG_GTPU_HDR_LEN))))
		return 0;
	hlen = gpdu_ext_fast(p + OFF_GTP, (uint8_t)(w64 >> 32));
	if (unlikely(hlen == 0))
		return 0;
	tpdu = tlen - (OFF_GTP - OFF_IP) - hlen;
	if (!(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_GOOD) &&
			unlikely(!gg_ipv4_cksum20_ok((const struct rte_ipv4_hdr *)
					(p + OFF_IP))))
		return 0;

	memcpy(&teid, p + OFF_GTP + 4, sizeof(teid));
	if (all)
		gg_gpdu_fast_rest(m, meta);
	meta->key = rte_be_to_cpu_32(teid);
	meta->inner_off = OFF_GTP + hlen;
	meta->inner_len = tpdu;
	return 1;
}

#endif /* UPLINK_GPDU_H */
