/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP MSS clamping, both directions, FULL and LIMITED sessions: the MSS
 * option of a SYN (and SYN-ACK) is lowered to mtu.tcp_mss, so that the
 * segments either end sends fit the tunnel (N3 MTU less the outer
 * headers) and the N6 link without fragmentation or ICMP (RFC 4459 3.2
 * weighs this against the alternatives; it is what every tunnel endpoint
 * does, and what makes a UE at MTU 1500 work when a path drops ICMP).
 *
 * The forwarding stages test each packet for a SYN with gg_tcp_is_syn()
 * (protocol and flags: two loads and two tests); only SYNs come here. A
 * SYN without an MSS option is left alone: its peer assumes 536 (RFC
 * 879), which fits any MTU we accept. The TCP checksum is patched
 * incrementally (RFC 1624), so a segment with a bad checksum stays bad.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "gg_csum.h"
#include "pipeline_private.h"

#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define TCP_OPT_MSS_LEN 4
#define TCP_FLAG_SYN 0x02

/*
 * RFC 1624 eqn. 3 for a 16-bit field at offset @p off of the segment
 * changing from @p old to @p new (host order). A field at an odd offset
 * straddles two of the checksum's words: its octets count swapped
 * (RFC 1071 2.(B)).
 */
static void
cksum_patch16(struct rte_tcp_hdr *tcp, unsigned int off, uint16_t old,
		uint16_t new)
{
	uint32_t sum;
	uint16_t ck = rte_be_to_cpu_16(tcp->cksum);

	if (off & 1) {
		old = rte_bswap16(old);
		new = rte_bswap16(new);
	}
	sum = (uint16_t)~ck + (uint32_t)(uint16_t)~old + new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	tcp->cksum = rte_cpu_to_be_16((uint16_t)~sum);
}

int
gg_mss_clamp_packet(uint8_t *p, uint16_t tlen, uint16_t mss)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	unsigned int ihl, thl, i;
	struct rte_tcp_hdr *tcp;
	uint8_t *o;

	if (tlen < sizeof(*ip) || (ip->version_ihl >> 4) != 4)
		return -1;
	ihl = (ip->version_ihl & 0xf) * 4u;
	if (ip->next_proto_id != IPPROTO_TCP)
		return 0;
	/* Only a first fragment holds the TCP header. */
	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK))
		return 0;
	if (ihl < sizeof(*ip) || tlen < ihl + sizeof(*tcp))
		return -1;
	tcp = (struct rte_tcp_hdr *)(p + ihl);
	if (!(tcp->tcp_flags & TCP_FLAG_SYN))
		return 0;
	thl = (tcp->data_off >> 4) * 4u;
	if (thl < sizeof(*tcp) || ihl + thl > tlen)
		return -1;
	o = (uint8_t *)(tcp + 1);
	for (i = 0; i < thl - sizeof(*tcp);) {
		unsigned int len;
		uint16_t cur;

		if (o[i] == TCP_OPT_EOL)
			break;
		if (o[i] == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= thl - sizeof(*tcp))
			return -1;
		len = o[i + 1];
		if (len < 2 || i + len > thl - sizeof(*tcp))
			return -1;
		if (o[i] == TCP_OPT_MSS) {
			if (len != TCP_OPT_MSS_LEN)
				return -1;
			cur = (uint16_t)(o[i + 2] << 8 | o[i + 3]);
			if (cur <= mss)
				return 0;
			o[i + 2] = mss >> 8;
			o[i + 3] = mss & 0xff;
			cksum_patch16(tcp, sizeof(*tcp) + i + 2, cur, mss);
			return 1;
		}
		i += len;
	}
	return 0;
}

void
gg_tcp_mss_clamp(struct gg_worker *w, struct rte_ipv4_hdr *ip, uint16_t tlen)
{
	uint16_t mss = w->dp->mtu.tcp_mss;

	if (mss != 0 && gg_mss_clamp_packet((uint8_t *)ip, tlen, mss) > 0)
		w->ctr.ev[GG_EV_tcp_mss_clamped]++;
}
