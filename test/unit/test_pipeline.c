/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the worker's stages (lib/pipeline) on real mbufs, without
 * ports: a frame is built here, run through gg_uplink_burst() (the fast
 * stage, then parse, lookup and forward) as worker.c does, and the
 * verdict is read from the worker's metadata and TX buffers (nothing is
 * ever flushed to a port).
 *
 * Frames that must not be read past their end are placed so that they end
 * exactly on a page that is mapped PROT_NONE: a stage that reads one octet
 * past the frame kills the test with SIGSEGV instead of reading whatever
 * follows in the mbuf's data room (which is what it did before the
 * regression test below was written: a G-PDU whose T-PDU held 1 to 19
 * octets had its "IPv4 header" read past the frame, found by fuzzing).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* sched_getaffinity */
#endif
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_icmp.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "gg_garden.h"
#include "gg_gtpu.h"
#include "gg_session.h"
#include "pipeline_private.h"
#include "test_cunit.h"
#include "test_eal.h"

/* RTE_IPV4() shifts an int: undefined for a first octet of 128 and above. */
#define IP4(a, b, c, d) rte_cpu_to_be_32((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
	(uint32_t)(c) << 8 | (uint32_t)(d))
#define N3_ADDR IP4(192, 0, 2, 1)
#define N6_ADDR IP4(198, 51, 100, 1)
#define GNB_ADDR IP4(192, 0, 2, 10)
#define UE_FULL IP4(10, 45, 0, 2)
#define UE_LIMITED IP4(10, 45, 0, 4)
#define TEID_FULL 0x101
#define TEID_LIMITED 0x103
#define UE_LIMITED2 IP4(10, 45, 0, 5)
#define TEID_LIMITED2 0x104
#define RESOLVER IP4(203, 0, 113, 53)
#define CDN_A IP4(198, 19, 0, 10)
#define CDN_B IP4(198, 19, 0, 11)
/* Octets of data room a guarded mbuf gets, ending on the guard page. */
#define GUARD_ROOM 2048

static struct rte_rcu_qsbr *qsv;
static struct gg_dataplane dp;
static struct gg_worker *w;
static struct rte_mempool *mp;
static uint8_t *guard_region;  /* one page read-write, then one PROT_NONE */
static size_t page;

static int
suite_init(void)
{
	struct gg_session_table_params sp = {
		.name = "tp", .capacity = 64, .n_workers = 1,
		.socket_id = SOCKET_ID_ANY,
	};
	struct gg_garden_params gp = {
		.name = "tp", .max_rules = 16, .max_names = 16,
		.max_learned = 64, .min_ttl = 1, .max_ttl = 3600,
		.socket_id = SOCKET_ID_ANY,
	};
	struct rte_ether_addr mac = { { 2, 0, 0, 0, 0, 0xfe } };
	struct gg_session s = {
		.gnb_ipv4 = GNB_ADDR, .dl_teid = 0xa01,
	};

	qsv = test_eal_init("pipeline");
	if (qsv == NULL)
		return -1;
	sp.qsv = qsv;
	gp.qsv = qsv;
	dp.sessions = gg_session_table_create(&sp);
	dp.limited.garden = gg_garden_create(&gp);
	mp = rte_pktmbuf_pool_create("tp", 127, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
			SOCKET_ID_ANY);
	if (dp.sessions == NULL || dp.limited.garden == NULL || mp == NULL)
		return -1;
	dp.qsv = qsv;
	dp.n3.addr = N3_ADDR;
	dp.n3.mtu = 1500;
	dp.n6.port_id = 1;
	dp.n6.addr = N6_ADDR;
	dp.n6.mtu = 1500;
	gg_port_set_next_hop_mac(&dp.n3, &mac);
	gg_port_set_next_hop_mac(&dp.n6, &mac);
	gg_dataplane_set_martians(&dp, false);
	s.ul_teid = TEID_FULL;
	s.ue_ipv4 = UE_FULL;
	s.state = GG_SESSION_FULL;
	if (gg_session_add(dp.sessions, &s) < 0)
		return -1;
	s.ul_teid = TEID_LIMITED;
	s.ue_ipv4 = UE_LIMITED;
	s.state = GG_SESSION_LIMITED;
	if (gg_session_add(dp.sessions, &s) < 0)
		return -1;
	s.ul_teid = TEID_LIMITED2;
	s.ue_ipv4 = UE_LIMITED2;
	if (gg_session_add(dp.sessions, &s) < 0)
		return -1;
	/* The garden of the snooped-answer tests: one name (tcp 80,443),
	 * one trusted resolver, no portal (queries for other names are
	 * refused). */
	if (gg_garden_add_name(dp.limited.garden, "ca.example") != 0)
		return -1;
	dp.limited.resolvers[0] = RESOLVER;
	dp.limited.n_resolvers = 1;
	dp.limited.query_timeout_s = 5;
	w = gg_worker_create(&dp, 0, rte_lcore_id(), 0);
	if (w == NULL)
		return -1;
	page = (size_t)sysconf(_SC_PAGESIZE);
	guard_region = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard_region == MAP_FAILED ||
			mprotect(guard_region + page, page, PROT_NONE) != 0)
		return -1;
	return 0;
}

static int
suite_fini(void)
{
	gg_worker_free(w);
	gg_garden_free(dp.limited.garden);
	gg_session_table_free(dp.sessions);
	rte_mempool_free(mp);
	munmap(guard_region, 2 * page);
	return 0;
}

/*
 * An N3 frame (Ethernet, IPv4, UDP 2152, bare G-PDU header) carrying the
 * @p tpdu_len octets at @p tpdu for TEID @p teid, written into @p buf.
 * Returns its length.
 */
static uint16_t
gpdu_frame(uint8_t *buf, uint32_t teid, const uint8_t *tpdu, uint16_t tpdu_len)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint8_t *gtp = (uint8_t *)(udp + 1);
	uint16_t ulen = sizeof(*udp) + GG_GTPU_HDR_LEN + tpdu_len;

	memset(buf, 0, sizeof(*eth) + sizeof(*ip) + ulen);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + ulen);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = GNB_ADDR;
	ip->dst_addr = N3_ADDR;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(GG_GTPU_UDP_PORT);
	udp->dst_port = rte_cpu_to_be_16(GG_GTPU_UDP_PORT);
	udp->dgram_len = rte_cpu_to_be_16(ulen);
	gtp[0] = 0x30;         /* version 1, PT 1, no optional field */
	gtp[1] = GG_GTPU_GPDU;
	gtp[2] = (uint8_t)(tpdu_len >> 8);
	gtp[3] = (uint8_t)tpdu_len;
	gtp[4] = (uint8_t)(teid >> 24);
	gtp[5] = (uint8_t)(teid >> 16);
	gtp[6] = (uint8_t)(teid >> 8);
	gtp[7] = (uint8_t)teid;
	memcpy(gtp + GG_GTPU_HDR_LEN, tpdu, tpdu_len);
	return sizeof(*eth) + sizeof(*ip) + ulen;
}

/* A 20-octet IPv4 header + @p plen octets of UDP from @p src to @p dst. */
static uint16_t
inner_udp(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t plen)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint16_t tlen = sizeof(*ip) + sizeof(*udp) + plen;

	memset(buf, 0, tlen);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(tlen);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(40000);
	udp->dst_port = rte_cpu_to_be_16(9);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + plen);
	return tlen;
}

/* Saved data room of a guarded mbuf, put back before it is freed. */
struct guarded {
	struct rte_mbuf *m;
	void *buf_addr;
	rte_iova_t buf_iova;
	uint16_t buf_len;
};

/*
 * An mbuf whose data room ends where the guard page starts, holding the
 * @p len octets of @p frame at its very end. An odd @p len ends one octet
 * short of the guard: a frame starts on an even address, as a NIC's does
 * (the Ethernet header is 2-aligned; UBSan checks it), so a read of one
 * octet past an odd frame goes unseen; two or more fault.
 */
static struct rte_mbuf *
guarded_mbuf(struct guarded *g, const uint8_t *frame, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

	if (m == NULL)
		return NULL;
	g->m = m;
	g->buf_addr = m->buf_addr;
	g->buf_iova = m->buf_iova;
	g->buf_len = m->buf_len;
	m->buf_addr = guard_region + page - GUARD_ROOM;
	m->buf_len = GUARD_ROOM;
	m->data_off = (GUARD_ROOM - len) & ~1u;
	m->data_len = len;
	m->pkt_len = len;
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), frame, len);
	return m;
}

static void
guarded_free(struct guarded *g)
{
	g->m->buf_addr = g->buf_addr;
	g->m->buf_iova = g->buf_iova;
	g->m->buf_len = g->buf_len;
	rte_pktmbuf_reset(g->m);
	rte_pktmbuf_free(g->m);
}

/*
 * The uplink stages on one packet, as worker.c runs them. Returns what
 * became of it: GG_ACT_TX_N6 (in the N6 TX buffer, taken out again),
 * GG_ACT_TX_N3, or the action left in the metadata, with *drop the
 * reason of a drop. The mbuf stays the caller's.
 */
static int
uplink_one(struct rte_mbuf *m, enum gg_drop *drop)
{
	struct rte_mbuf *pkts[1] = { m };
	uint16_t kept;

	*drop = GG_DROP_NONE;
	kept = gg_uplink_burst(w, pkts, 1);
	rte_rcu_qsbr_quiescent(qsv, rte_lcore_id());
	if (kept == 0) {
		if (w->tx_n6.n == 1 && w->tx_n6.pkts[0] == m) {
			w->tx_n6.n = 0;
			return GG_ACT_TX_N6;
		}
		if (w->tx_n3.n == 1 && w->tx_n3.pkts[0] == m) {
			w->tx_n3.n = 0;
			return GG_ACT_TX_N3;
		}
		return -1;
	}
	if (w->meta[0].action == GG_ACT_DROP)
		*drop = (enum gg_drop)w->meta[0].drop;
	return w->meta[0].action;
}

/*
 * Regression: a G-PDU of a FULL or a LIMITED session whose T-PDU holds
 * 1 to 19 octets (too short for an IPv4 header) is dropped as
 * ul_inner_bad_header without a read past the frame, the frame ending
 * on the guard page. Control: a whole packet placed the same way is
 * forwarded.
 */
static void
test_short_tpdu(void)
{
	static const uint32_t teids[] = { TEID_FULL, TEID_LIMITED };
	uint8_t frame[256], tpdu[64];
	struct guarded g;
	enum gg_drop drop;
	unsigned int t;
	uint16_t n, len;
	int act;

	for (t = 0; t < RTE_DIM(teids); t++) {
		inner_udp(tpdu, t == 0 ? UE_FULL : UE_LIMITED,
				IP4(203, 0, 113, 80), 8);
		for (n = 1; n < sizeof(struct rte_ipv4_hdr); n++) {
			len = gpdu_frame(frame, teids[t], tpdu, n);
			if (guarded_mbuf(&g, frame, len) == NULL) {
				CU_FAIL_FATAL("mbuf");
				return;
			}
			act = uplink_one(g.m, &drop);
			CU_ASSERT_EQUAL(act, GG_ACT_DROP);
			CU_ASSERT_EQUAL(drop, GG_DROP_ul_inner_bad_header);
			guarded_free(&g);
		}
	}
	/* The whole packet, to the portal (in the LIMITED garden? not
	 * configured here: the FULL session only). */
	n = inner_udp(tpdu, UE_FULL, IP4(203, 0, 113, 80), 8);
	len = gpdu_frame(frame, TEID_FULL, tpdu, n);
	if (guarded_mbuf(&g, frame, len) == NULL) {
		CU_FAIL_FATAL("mbuf");
		return;
	}
	act = uplink_one(g.m, &drop);
	CU_ASSERT_EQUAL(act, GG_ACT_TX_N6);
	guarded_free(&g);
}

/* The verdict for a 28-octet UDP packet from session @p teid to @p dst. */
static int
uplink_to(uint32_t teid, uint32_t dst, enum gg_drop *drop)
{
	uint8_t frame[256], tpdu[64];
	struct guarded g;
	uint16_t n, len;
	int act;

	n = inner_udp(tpdu, teid == TEID_FULL ? UE_FULL : UE_LIMITED, dst, 8);
	len = gpdu_frame(frame, teid, tpdu, n);
	if (guarded_mbuf(&g, frame, len) == NULL)
		return -1;
	act = uplink_one(g.m, drop);
	guarded_free(&g);
	return act;
}

/*
 * Martians: 0/8, 127/8, 224/4 (unless allowed), 255.255.255.255 and the
 * N3 and N6 addresses are dropped as ul_martian for FULL and LIMITED
 * sessions; their neighbours are not (FULL: forwarded), including
 * addresses under the same first octet as N3 and N6, and 240/4 but the
 * broadcast.
 */
static void
test_martians(void)
{
	const uint32_t martians[] = {
		IP4(0, 0, 0, 0), IP4(0, 1, 2, 3), IP4(127, 0, 0, 1),
		IP4(127, 255, 255, 255), IP4(224, 0, 0, 251),
		IP4(239, 255, 255, 250), IP4(255, 255, 255, 255), N3_ADDR,
		N6_ADDR,
	};
	const uint32_t fine[] = {
		IP4(1, 0, 0, 0), IP4(126, 255, 255, 255), IP4(128, 0, 0, 1),
		IP4(223, 255, 255, 255), IP4(240, 0, 0, 1),
		IP4(255, 255, 255, 254), IP4(192, 0, 2, 2), IP4(192, 0, 3, 1),
		IP4(198, 51, 100, 2), IP4(198, 18, 0, 1),
	};
	enum gg_drop drop;
	unsigned int i;

	gg_dataplane_set_martians(&dp, false);
	for (i = 0; i < RTE_DIM(martians); i++) {
		CU_ASSERT_EQUAL(uplink_to(TEID_FULL, martians[i], &drop),
				GG_ACT_DROP);
		CU_ASSERT_EQUAL(drop, GG_DROP_ul_martian);
		CU_ASSERT_EQUAL(uplink_to(TEID_LIMITED, martians[i], &drop),
				GG_ACT_DROP);
		CU_ASSERT_EQUAL(drop, GG_DROP_ul_martian);
	}
	for (i = 0; i < RTE_DIM(fine); i++)
		CU_ASSERT_EQUAL(uplink_to(TEID_FULL, fine[i], &drop),
				GG_ACT_TX_N6);
	/* sessions.ul_multicast = "forward" */
	gg_dataplane_set_martians(&dp, true);
	CU_ASSERT_EQUAL(uplink_to(TEID_FULL, IP4(224, 0, 0, 251), &drop),
			GG_ACT_TX_N6);
	CU_ASSERT_EQUAL(uplink_to(TEID_FULL, IP4(127, 0, 0, 1), &drop),
			GG_ACT_DROP);
	/* N3 and N6 under one first octet: both still martians, their
	 * neighbours not. */
	dp.n6.addr = IP4(192, 0, 2, 77);
	gg_dataplane_set_martians(&dp, false);
	CU_ASSERT_EQUAL(uplink_to(TEID_FULL, IP4(192, 0, 2, 77), &drop),
			GG_ACT_DROP);
	CU_ASSERT_EQUAL(drop, GG_DROP_ul_martian);
	CU_ASSERT_EQUAL(uplink_to(TEID_FULL, N3_ADDR, &drop), GG_ACT_DROP);
	CU_ASSERT_EQUAL(drop, GG_DROP_ul_martian);
	CU_ASSERT_EQUAL(uplink_to(TEID_FULL, IP4(192, 0, 2, 76), &drop),
			GG_ACT_TX_N6);
	CU_ASSERT_EQUAL(uplink_to(TEID_FULL, IP4(192, 0, 200, 1), &drop),
			GG_ACT_TX_N6);
	dp.n6.addr = N6_ADDR;
	gg_dataplane_set_martians(&dp, false);
}

/*
 * An IPv4/TCP segment from UE_FULL with @p flags and the @p olen option
 * octets at @p opts (a multiple of 4), checksums right; its length.
 */
static uint16_t
tcp_segment(uint8_t *buf, uint8_t flags, const uint8_t *opts, uint16_t olen)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);
	uint16_t len = sizeof(*ip) + sizeof(*tcp) + olen;

	memset(buf, 0, len);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = UE_FULL;
	ip->dst_addr = IP4(203, 0, 113, 10);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->src_port = rte_cpu_to_be_16(41000);
	tcp->dst_port = rte_cpu_to_be_16(80);
	tcp->sent_seq = rte_cpu_to_be_32(12345);
	tcp->data_off = (uint8_t)((sizeof(*tcp) + olen) / 4) << 4;
	tcp->tcp_flags = flags;
	tcp->rx_win = rte_cpu_to_be_16(64240);
	if (olen != 0)
		memcpy(tcp + 1, opts, olen);
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	return len;
}

static uint16_t
mss_of(const uint8_t *seg, unsigned int opt_off)
{
	const uint8_t *o = seg + 40 + opt_off;

	return (uint16_t)(o[2] << 8 | o[3]);
}

/*
 * MSS clamping (tcp_mss.c): lowered to the limit, never raised; the TCP
 * checksum stays right (checked from scratch), with the option at an
 * even and at an odd offset; non-SYNs, SYNs without the option and
 * malformed options are left alone.
 */
static void
test_mss_clamp(void)
{
	static const uint8_t linux_syn[] = {     /* MSS first: even offset */
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0,
		1, 3, 3, 7,
	};
	static const uint8_t nop_first[] = {     /* MSS after one NOP: odd */
		1, 2, 4, 0x05, 0xb4, 1, 1, 0,
	};
	static const uint8_t no_mss[] = { 1, 1, 4, 2 };
	static const uint8_t bad_len[] = { 2, 3, 0x05, 0xb4 };
	static const uint8_t runs_past[] = { 1, 1, 8, 10 };
	uint8_t seg[128];
	uint16_t len;

	len = tcp_segment(seg, 0x02, linux_syn, sizeof(linux_syn));
	CU_ASSERT_EQUAL(gg_mss_clamp_packet(seg, len, 1416), 1);
	CU_ASSERT_EQUAL(mss_of(seg, 0), 1416);
	CU_ASSERT_EQUAL(rte_ipv4_udptcp_cksum_verify((struct rte_ipv4_hdr *)seg,
			seg + 20), 0);
	/* Already below: untouched, and so on a second pass. */
	CU_ASSERT_EQUAL(gg_mss_clamp_packet(seg, len, 1416), 0);
	CU_ASSERT_EQUAL(gg_mss_clamp_packet(seg, len, 1460), 0);
	CU_ASSERT_EQUAL(mss_of(seg, 0), 1416);

	len = tcp_segment(seg, 0x12, nop_first, sizeof(nop_first)); /* SYN-ACK */
	CU_ASSERT_EQUAL(gg_mss_clamp_packet(seg, len, 1200), 1);
	CU_ASSERT_EQUAL(mss_of(seg, 1), 1200);
	CU_ASSERT_EQUAL(rte_ipv4_udptcp_cksum_verify((struct rte_ipv4_hdr *)seg,
			seg + 20), 0);

	len = tcp_segment(seg, 0x10, linux_syn, sizeof(linux_syn)); /* ACK */
	CU_ASSERT_EQUAL(gg_mss_clamp_packet(seg, len, 1000), 0);
	CU_ASSERT_EQUAL(mss_of(seg, 0), 1460);
	len = tcp_segment(seg, 0x02, no_mss, sizeof(no_mss));
	CU_ASSERT_EQUAL(gg_mss_clamp_packet(seg, len, 1000), 0);
	len = tcp_segment(seg, 0x02, bad_len, sizeof(bad_len));
	CU_ASSERT_EQUAL(gg_mss_clamp_packet(seg, len, 1000), -1);
	CU_ASSERT_EQUAL(mss_of(seg, 0), 1460);
	len = tcp_segment(seg, 0x02, runs_past, sizeof(runs_past));
	CU_ASSERT_EQUAL(gg_mss_clamp_packet(seg, len, 1000), -1);
	/* Cut short: the TCP header runs past the packet. */
	len = tcp_segment(seg, 0x02, linux_syn, sizeof(linux_syn));
	CU_ASSERT_EQUAL(gg_mss_clamp_packet(seg, 39, 1000), -1);
	/* A later fragment holds no TCP header. */
	((struct rte_ipv4_hdr *)seg)->fragment_offset = rte_cpu_to_be_16(10);
	CU_ASSERT_EQUAL(gg_mss_clamp_packet(seg, len, 1000), 0);
	CU_ASSERT_EQUAL(mss_of(seg, 0), 1460);
}

/*
 * ICMP Fragmentation Needed (too_big.c): type 3 code 4, the next-hop MTU
 * in the second half of the unused word (RFC 1191), the packet quoted
 * from its first octet, at most 576 octets in all, checksums right; no
 * ICMP about an ICMP error, a later fragment or a multicast source.
 */
static void
test_icmp_frag_needed(void)
{
	static uint8_t pkt[1600], orig[1600];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)pkt;
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	uint16_t len, tlen = 1501, i;

	tcp_segment(pkt, 0x10, NULL, 0);
	for (i = 40; i < tlen; i++)
		pkt[i] = (uint8_t)i;
	ip->total_length = rte_cpu_to_be_16(tlen);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memcpy(orig, pkt, tlen);
	len = gg_icmp_frag_needed(ip, tlen, sizeof(pkt), N6_ADDR, 1456);
	CU_ASSERT_EQUAL(len, 576);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(ip->total_length), 576);
	CU_ASSERT_EQUAL(ip->next_proto_id, IPPROTO_ICMP);
	CU_ASSERT_EQUAL(ip->src_addr, N6_ADDR);
	CU_ASSERT_EQUAL(ip->dst_addr, UE_FULL);
	CU_ASSERT(gg_ipv4_cksum_ok(ip, 20));
	CU_ASSERT_EQUAL(icmp->icmp_type, 3);
	CU_ASSERT_EQUAL(icmp->icmp_code, 4);
	CU_ASSERT_EQUAL(icmp->icmp_ident, 0);
	CU_ASSERT_EQUAL(rte_be_to_cpu_16(icmp->icmp_seq_nb), 1456);
	CU_ASSERT_EQUAL(rte_raw_cksum(icmp, len - 20), 0xffff);
	CU_ASSERT_EQUAL(memcmp(icmp + 1, orig, len - 28), 0);

	/* A short packet is quoted whole, if there is room. */
	memcpy(pkt, orig, tlen);
	ip->total_length = rte_cpu_to_be_16(100);
	CU_ASSERT_EQUAL(gg_icmp_frag_needed(ip, 100, 127, N6_ADDR, 576), 0);
	CU_ASSERT_EQUAL(gg_icmp_frag_needed(ip, 100, 128, N6_ADDR, 576), 128);

	memcpy(pkt, orig, tlen);
	ip->src_addr = IP4(224, 0, 0, 9);
	CU_ASSERT_EQUAL(gg_icmp_frag_needed(ip, tlen, sizeof(pkt), N6_ADDR,
			1456), 0);
	memcpy(pkt, orig, tlen);
	ip->fragment_offset = rte_cpu_to_be_16(100);
	CU_ASSERT_EQUAL(gg_icmp_frag_needed(ip, tlen, sizeof(pkt), N6_ADDR,
			1456), 0);
	memcpy(pkt, orig, tlen);
	ip->next_proto_id = IPPROTO_ICMP;
	pkt[20] = 11;  /* time exceeded: an error */
	CU_ASSERT_EQUAL(gg_icmp_frag_needed(ip, tlen, sizeof(pkt), N6_ADDR,
			1456), 0);
	pkt[20] = 8;   /* echo request: not one */
	CU_ASSERT_EQUAL(gg_icmp_frag_needed(ip, tlen, sizeof(pkt), N6_ADDR,
			1456), 576);
}

/*
 * Snooped DNS answers off the control lcore's path (snoop_recent.c).
 * Nothing here plays the control lcore until the test says so: what the
 * worker does with an answer, and what the device may do next, must not
 * depend on it.
 */

/* An N6 frame carrying the IPv4 packet @p inner of @p len octets. */
static struct rte_mbuf *
n6_mbuf(const uint8_t *inner, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eth;

	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + len);
	memset(eth, 0, sizeof(*eth));
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memcpy(eth + 1, inner, len);
	return m;
}

/*
 * The downlink stages on @p m, as worker.c runs them: GG_ACT_TX_N3 when
 * it was buffered for N3 (and is freed), otherwise the action it was left
 * with for gg_dispatch() (which then runs: a held answer goes to the
 * snoop ring, a drop is freed), with *drop the reason of a drop.
 */
static int
downlink_one(struct rte_mbuf *m, enum gg_drop *drop)
{
	struct rte_mbuf *pkts[1] = { m };
	uint16_t kept;
	int act;

	*drop = GG_DROP_NONE;
	kept = gg_downlink_burst(w, pkts, 1);
	rte_rcu_qsbr_quiescent(qsv, rte_lcore_id());
	if (kept == 0) {
		if (w->tx_n3.n == 1 && w->tx_n3.pkts[0] == m) {
			w->tx_n3.n = 0;
			rte_pktmbuf_free(m);
			return GG_ACT_TX_N3;
		}
		return -1;
	}
	act = w->meta[0].action;
	if (act == GG_ACT_DROP)
		*drop = (enum gg_drop)w->meta[0].drop;
	gg_dispatch(w, pkts, 1);
	return act;
}

/* A 20-octet IPv4 header and a UDP header around @p dns_len octets. */
static uint16_t
inner_udp_ports(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport,
		uint16_t dport, const uint8_t *payload, uint16_t plen)
{
	uint16_t tlen = inner_udp(buf, src, dst, plen);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(buf + 20);

	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(dport);
	memcpy(udp + 1, payload, plen);
	return tlen;
}

/* "ca.example" A query (@p id), or its answer with @p n addresses. */
static uint16_t
dns_msg(uint8_t *buf, uint16_t id, const uint32_t *addrs, unsigned int n,
		bool answer)
{
	static const uint8_t qname[] = "\x02" "ca" "\x07" "example";
	uint16_t len = 0;
	unsigned int i;

	buf[len++] = (uint8_t)(id >> 8);
	buf[len++] = (uint8_t)id;
	buf[len++] = answer ? 0x81 : 0x01;  /* QR when an answer, RD */
	buf[len++] = answer ? 0x80 : 0x00;  /* RA when an answer */
	buf[len++] = 0;
	buf[len++] = 1;                     /* one question */
	buf[len++] = 0;
	buf[len++] = (uint8_t)(answer ? n : 0);
	memset(buf + len, 0, 4);
	len += 4;
	memcpy(buf + len, qname, sizeof(qname)); /* with the root octet */
	len += sizeof(qname);
	buf[len++] = 0;
	buf[len++] = 1;                     /* A */
	buf[len++] = 0;
	buf[len++] = 1;                     /* IN */
	for (i = 0; answer && i < n; i++) {
		static const uint8_t rr[] = { 0xc0, 0x0c, 0, 1, 0, 1,
			0, 0, 0x01, 0x2c, 0, 4 };   /* TTL 300, 4 octets */

		memcpy(buf + len, rr, sizeof(rr));
		len += sizeof(rr);
		memcpy(buf + len, &addrs[i], 4);
		len += 4;
	}
	return len;
}

/* The device of @p teid asks the resolver for ca.example (ID @p id):
 * forwarded, recorded as pending. */
static void
garden_query(uint32_t teid, uint32_t ue, uint16_t id)
{
	uint8_t frame[512], tpdu[256], msg[128];
	struct guarded g;
	enum gg_drop drop;
	uint16_t n, len;

	n = dns_msg(msg, id, NULL, 0, false);
	n = inner_udp_ports(tpdu, ue, RESOLVER, 40053, 53, msg, n);
	len = gpdu_frame(frame, teid, tpdu, n);
	if (guarded_mbuf(&g, frame, len) == NULL) {
		CU_FAIL_FATAL("mbuf");
		return;
	}
	CU_ASSERT_EQUAL(uplink_one(g.m, &drop), GG_ACT_TX_N6);
	guarded_free(&g);
}

/* The resolver's answer to garden_query(): what became of it. */
static int
garden_answer(uint32_t ue, uint16_t id, const uint32_t *addrs, unsigned int n)
{
	uint8_t inner[512], msg[256];
	struct rte_mbuf *m;
	enum gg_drop drop;
	uint16_t len;
	int act;

	len = dns_msg(msg, id, addrs, n, true);
	len = inner_udp_ports(inner, RESOLVER, ue, 53, 40053, msg, len);
	m = n6_mbuf(inner, len);
	if (m == NULL)
		return -1;
	act = downlink_one(m, &drop);
	CU_ASSERT_EQUAL(drop, GG_DROP_NONE);
	return act;
}

/* The verdict for a TCP SYN from session @p teid (UE @p ue) to @p dst:dport. */
static int
syn_to(uint32_t teid, uint32_t ue, uint32_t dst, uint16_t dport)
{
	uint8_t frame[256], tpdu[64];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)tpdu;
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);
	struct guarded g;
	enum gg_drop drop;
	uint16_t len;
	int act;

	memset(tpdu, 0, sizeof(tpdu));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*tcp));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = ue;
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->src_port = rte_cpu_to_be_16(52000);
	tcp->dst_port = rte_cpu_to_be_16(dport);
	tcp->sent_seq = rte_cpu_to_be_32(1);
	tcp->data_off = 5 << 4;
	tcp->tcp_flags = RTE_TCP_SYN_FLAG;
	tcp->rx_win = rte_cpu_to_be_16(1024);
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	len = gpdu_frame(frame, teid, tpdu, sizeof(*ip) + sizeof(*tcp));
	if (guarded_mbuf(&g, frame, len) == NULL)
		return -1;
	act = uplink_one(g.m, &drop);
	guarded_free(&g);
	return act;
}

/*
 * A LIMITED device's SYN to port 443 outside the garden (refused with a
 * RST), its TCP checksum spoiled when @p bad, received with the packet
 * type @p pt and offload flags @p ol a NIC would give.
 */
static int
refused_syn(int bad, uint32_t pt, uint64_t ol, enum gg_drop *drop)
{
	uint8_t frame[256], tpdu[64];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)tpdu;
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);
	struct guarded g;
	uint16_t len;
	int act;

	memset(tpdu, 0, sizeof(tpdu));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*tcp));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = UE_LIMITED;
	ip->dst_addr = IP4(198, 51, 100, 7);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->src_port = rte_cpu_to_be_16(52001);
	tcp->dst_port = rte_cpu_to_be_16(443);
	tcp->sent_seq = rte_cpu_to_be_32(7);
	tcp->data_off = 5 << 4;
	tcp->tcp_flags = RTE_TCP_SYN_FLAG;
	tcp->rx_win = rte_cpu_to_be_16(1024);
	tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	if (bad)
		tcp->cksum ^= 0x0101;
	len = gpdu_frame(frame, TEID_LIMITED, tpdu, sizeof(*ip) + sizeof(*tcp));
	if (guarded_mbuf(&g, frame, len) == NULL)
		return -1;
	g.m->packet_type = pt;
	g.m->ol_flags |= ol;
	act = uplink_one(g.m, drop);
	guarded_free(&g);
	return act;
}

/*
 * RFC 1122 4.2.2.7: a segment answered in place is checked, by the
 * software or, when the packet type says the NIC parsed the GTP-U tunnel
 * and an inner TCP header, by the NIC's inner L4 checksum verdict. Only
 * GOOD of that exact case skips the sum; any other verdict leaves it to
 * the sum.
 */
static void
test_rx_l4_cksum_flags(void)
{
	const uint32_t tun = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 |
			RTE_PTYPE_L4_UDP | RTE_PTYPE_TUNNEL_GTPU |
			RTE_PTYPE_INNER_L3_IPV4;
	const uint32_t tcp = tun | RTE_PTYPE_INNER_L4_TCP;
	static const struct {
		int bad;
		uint32_t pt;
		uint64_t ol;
		int sent;
	} cases[] = {
		{ 0, 0, 0, 1 },
		{ 1, 0, 0, 0 },
		{ 1, tcp, RTE_MBUF_F_RX_L4_CKSUM_GOOD, 1 },
		{ 0, tcp, RTE_MBUF_F_RX_L4_CKSUM_BAD, 1 }, /* the sum decides */
		{ 1, tcp, RTE_MBUF_F_RX_L4_CKSUM_BAD, 0 },
		{ 1, tcp, RTE_MBUF_F_RX_L4_CKSUM_NONE, 0 },
		{ 1, tcp, RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, 0 },
		{ 1, tun | RTE_PTYPE_INNER_L4_UDP, RTE_MBUF_F_RX_L4_CKSUM_GOOD, 0 },
		{ 1, RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_UDP,
			RTE_MBUF_F_RX_L4_CKSUM_GOOD, 0 },
		{ 0, tcp, RTE_MBUF_F_RX_L4_CKSUM_GOOD, 1 },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		enum gg_drop drop;
		int act = refused_syn(cases[i].bad, cases[i].pt, cases[i].ol,
				&drop);

		if (cases[i].sent) {
			CU_ASSERT_EQUAL(act, GG_ACT_TX_N3);
		} else {
			CU_ASSERT_EQUAL(act, GG_ACT_DROP);
			CU_ASSERT_EQUAL(drop, GG_DROP_http_bad_checksum);
		}
		if ((act == GG_ACT_TX_N3) != cases[i].sent)
			printf("\n    case %u: action %d drop %d\n", i, act,
					(int)drop);
	}
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(mp), 0);
}

/* The verdict for a SYN-ACK from @p src:443 to the LIMITED device. */
static int
synack_from(uint32_t src)
{
	uint8_t inner[64];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)inner;
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);
	struct rte_mbuf *m;
	enum gg_drop drop;

	memset(inner, 0, sizeof(inner));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*tcp));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = src;
	ip->dst_addr = UE_LIMITED;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->src_port = rte_cpu_to_be_16(443);
	tcp->dst_port = rte_cpu_to_be_16(52000);
	tcp->data_off = 5 << 4;
	tcp->tcp_flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG;
	m = n6_mbuf(inner, sizeof(*ip) + sizeof(*tcp));
	if (m == NULL)
		return -1;
	return downlink_one(m, &drop);
}

/* The control lcore's part, as app/gardengate/limited.c plays it. */
static void
learn_into_garden(const struct gg_snoop_answer *a, void *arg)
{
	int ref = gg_garden_name_ref(dp.limited.garden, a->name_wire,
			a->name_wire_len);
	unsigned int i;

	(*(unsigned int *)arg)++;
	CU_ASSERT_TRUE(ref >= 0);
	for (i = 0; i < a->naddrs; i++)
		CU_ASSERT_TRUE(gg_garden_learn_name(dp.limited.garden, a->scope,
				a->addrs[i].ipv4, a->addrs[i].ttl,
				gg_garden_clock_s(), ref) >= 0);
}

/* A control lcore that refuses everything (a session over its quota). */
static void
learn_nothing(const struct gg_snoop_answer *a, void *arg)
{
	RTE_SET_USED(a);
	(*(unsigned int *)arg)++;
}

static bool
garden_admits(uint32_t ip)
{
	const struct gg_session *s = NULL;
	uint32_t sid = 0;

	s = gg_session_find(dp.sessions, TEID_LIMITED);
	if (s != NULL)
		sid = s->id;
	return gg_garden_match_ip(dp.limited.garden, sid, ip, IPPROTO_TCP, 443,
			gg_garden_clock_s());
}

/*
 * The ordering guarantee: the answer for a garden name leaves on N3 in
 * the worker's own round (not through the snoop ring), and the device's
 * next packets to its addresses are admitted before the control lcore
 * learned them, both ways, within the name's ports and for that session
 * only. Once learned the garden decides alone (an address the control
 * lcore refused is refused then). When the worker's table is full the
 * answer is held as before, and its address stays shut until learned.
 */
static void
test_snoop_release(void)
{
	const struct gg_counters *ctr = gg_worker_counters(w);
	struct rte_ring *ring = gg_worker_snoop_ring(w);
	uint64_t held0 = ctr->ev[GG_EV_dns_snoop_held];
	uint32_t addrs[2] = { CDN_A, CDN_A }, a;
	unsigned int calls = 0, i, released;
	struct rte_mbuf *m;
	uint16_t id = 0x100;

	CU_ASSERT_FALSE(garden_admits(CDN_A));
	CU_ASSERT_NOT_EQUAL(syn_to(TEID_LIMITED, UE_LIMITED, CDN_A, 443),
			GG_ACT_TX_N6);

	garden_query(TEID_LIMITED, UE_LIMITED, id);
	CU_ASSERT_EQUAL(garden_answer(UE_LIMITED, id, addrs, 1), GG_ACT_TX_N3);
	CU_ASSERT_EQUAL(rte_ring_count(ring), 0);
	/* Not learned yet, and admitted all the same. */
	CU_ASSERT_FALSE(garden_admits(CDN_A));
	CU_ASSERT_EQUAL(syn_to(TEID_LIMITED, UE_LIMITED, CDN_A, 443),
			GG_ACT_TX_N6);
	CU_ASSERT_EQUAL(synack_from(CDN_A), GG_ACT_TX_N3);
	/* Only what the name opens (tcp 80,443), and for that session. */
	CU_ASSERT_NOT_EQUAL(syn_to(TEID_LIMITED, UE_LIMITED, CDN_A, 8443),
			GG_ACT_TX_N6);
	CU_ASSERT_NOT_EQUAL(syn_to(TEID_LIMITED2, UE_LIMITED2, CDN_A, 443),
			GG_ACT_TX_N6);
	CU_ASSERT_NOT_EQUAL(syn_to(TEID_LIMITED, UE_LIMITED, CDN_B, 443),
			GG_ACT_TX_N6);

	/* The control lcore learns it: the garden admits it from now on. */
	CU_ASSERT_EQUAL(gg_worker_snoop_learn(w, 64, learn_into_garden, &calls),
			1);
	CU_ASSERT_EQUAL(calls, 1);
	CU_ASSERT_TRUE(garden_admits(CDN_A));
	CU_ASSERT_EQUAL(syn_to(TEID_LIMITED, UE_LIMITED, CDN_A, 443),
			GG_ACT_TX_N6);
	CU_ASSERT_EQUAL(gg_worker_snoop_learn(w, 64, learn_into_garden, &calls),
			0);

	/* Learned as refused: the garden decides alone once acknowledged. */
	addrs[0] = CDN_B;
	garden_query(TEID_LIMITED, UE_LIMITED, ++id);
	CU_ASSERT_EQUAL(garden_answer(UE_LIMITED, id, addrs, 1), GG_ACT_TX_N3);
	CU_ASSERT_EQUAL(syn_to(TEID_LIMITED, UE_LIMITED, CDN_B, 443),
			GG_ACT_TX_N6);
	calls = 0;
	CU_ASSERT_EQUAL(gg_worker_snoop_learn(w, 64, learn_nothing, &calls), 1);
	CU_ASSERT_NOT_EQUAL(syn_to(TEID_LIMITED, UE_LIMITED, CDN_B, 443),
			GG_ACT_TX_N6);

	/* A control lcore away for long: answers are let through until the
	 * table is full, then held; each released address stays open. */
	for (i = 0, released = 0; i < 1024; i++) {
		int act;

		a = IP4(198, 19, 1 + (i >> 8), i & 0xff);
		garden_query(TEID_LIMITED, UE_LIMITED, ++id);
		act = garden_answer(UE_LIMITED, id, &a, 1);
		if (act != GG_ACT_TX_N3) {
			CU_ASSERT_EQUAL(act, GG_ACT_SNOOP);
			break;
		}
		released++;
	}
	CU_ASSERT_TRUE(released > 0 && released <= 256);
	CU_ASSERT_EQUAL(ctr->ev[GG_EV_dns_snoop_held], held0 + 1);
	CU_ASSERT_EQUAL(rte_ring_count(ring), 1);
	/* The held one is not out, and its address not open. */
	CU_ASSERT_NOT_EQUAL(syn_to(TEID_LIMITED, UE_LIMITED, a, 443),
			GG_ACT_TX_N6);
	CU_ASSERT_EQUAL(syn_to(TEID_LIMITED, UE_LIMITED,
			IP4(198, 19, 1, 0), 443), GG_ACT_TX_N6);
	calls = 0;
	while (gg_worker_snoop_learn(w, 64, learn_nothing, &calls) != 0)
		;
	CU_ASSERT_EQUAL(calls, released);
	if (rte_ring_dequeue(ring, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	/* Room again: the next answer leaves at once. */
	a = CDN_B;
	garden_query(TEID_LIMITED, UE_LIMITED, ++id);
	CU_ASSERT_EQUAL(garden_answer(UE_LIMITED, id, &a, 1), GG_ACT_TX_N3);
	calls = 0;
	CU_ASSERT_EQUAL(gg_worker_snoop_learn(w, 64, learn_nothing, &calls), 1);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(mp), 0);
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "uplink: T-PDU of 1-19 octets, no read past the frame",
			test_short_tpdu },
		{ "uplink: martians dropped, neighbours forwarded",
			test_martians },
		{ "MSS clamping: lowered, checksum right, rest untouched",
			test_mss_clamp },
		{ "ICMP Fragmentation Needed: fields, quote, refusals",
			test_icmp_frag_needed },
		{ "snooped DNS answer: out at once, its addresses open before "
			"the control lcore learned them", test_snoop_release },
		{ "LIMITED replies: the NIC's inner L4 checksum verdict",
			test_rx_l4_cksum_flags },
	};

	return test_cunit_main("pipeline", suite_init, suite_fini,
			TEST_CASES(tests));
}
