/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GTP-U replies built in place: the mbuf that carried the Echo Request, the
 * G-PDU with an unknown TEID or the message with an unknown required
 * extension header is turned around into the answer (TS 29.281 7.2.2,
 * 7.3.1, 7.2.3) and sent back out N3 to the sender. No allocation; the
 * frame grows into the mbuf's tailroom when the answer is longer.
 *
 * The Ethernet destination is the frame's source (the neighbour that handed
 * us the request), so replies need no next-hop resolution.
 */
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "gg_gtpu.h"
#include "pipeline_private.h"

#define REPLY_HDRS (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + \
		sizeof(struct rte_udp_hdr))
/* Largest message written here: an Error Indication with a UDP Port extension. */
#define REPLY_GTPU_MAX 32

/*
 * Size the frame for a GTP-U message of @p gtp_len octets and rewrite the
 * Ethernet/IPv4/UDP headers for the way back. The message itself is written
 * by the caller at REPLY_HDRS. Returns 0 or -1 when there is no tailroom.
 */
static int
turn_around(struct gg_worker *w, struct rte_mbuf *m, uint16_t gtp_len,
		uint16_t udp_dport)
{
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint16_t want = REPLY_HDRS + gtp_len;
	uint16_t have = rte_pktmbuf_data_len(m);

	if (want > have) {
		if (rte_pktmbuf_append(m, want - have) == NULL)
			return -1;
	} else {
		rte_pktmbuf_trim(m, have - want);
	}

	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&w->dp->n3.mac, &eth->src_addr);

	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->dst_addr = ip->src_addr;
	ip->src_addr = w->dp->n3.addr;
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(want - sizeof(*eth));
	ip->packet_id = rte_cpu_to_be_16(w->ip_id++);
	ip->fragment_offset = 0;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);

	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(GG_GTPU_UDP_PORT);
	udp->dst_port = rte_cpu_to_be_16(udp_dport);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + gtp_len);
	/* Zero: no checksum, allowed for UDP over IPv4 (RFC 768). */
	udp->dgram_cksum = 0;
	return 0;
}

/*
 * Write the message into a scratch buffer first: the request being answered
 * lies where the answer goes, and the builders must not read what they
 * overwrite.
 */
static int
reply(struct gg_worker *w, struct rte_mbuf *m, const uint8_t *msg,
		unsigned int len, uint16_t udp_dport)
{
	if (len == 0 || turn_around(w, m, len, udp_dport) != 0)
		return -1;
	rte_memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, REPLY_HDRS), msg, len);
	return 0;
}

int
gg_reply_echo(struct gg_worker *w, struct rte_mbuf *m, const struct gg_meta *meta)
{
	uint8_t msg[REPLY_GTPU_MAX];
	unsigned int len;

	len = gg_gtpu_write_echo_response(msg, sizeof(msg), meta->seq);
	return reply(w, m, msg, len, meta->udp_sport);
}

int
gg_reply_error_indication(struct gg_worker *w, struct rte_mbuf *m,
		const struct gg_meta *meta)
{
	uint8_t msg[REPLY_GTPU_MAX];
	unsigned int len;
	int other_port = meta->udp_sport != GG_GTPU_UDP_PORT;

	/* TS 29.281 7.3.1: to port 2152, with the G-PDU's source port in a
	 * UDP Port extension header when it was not 2152. */
	len = gg_gtpu_write_error_indication(msg, sizeof(msg), meta->key,
			w->dp->n3.addr, other_port, meta->udp_sport);
	return reply(w, m, msg, len, GG_GTPU_UDP_PORT);
}

int
gg_reply_ext_hdr_notification(struct gg_worker *w, struct rte_mbuf *m,
		const struct gg_meta *meta)
{
	uint8_t msg[REPLY_GTPU_MAX];
	unsigned int len;

	len = gg_gtpu_write_ext_hdr_notification(msg, sizeof(msg), meta->seq);
	return reply(w, m, msg, len, meta->udp_sport);
}
