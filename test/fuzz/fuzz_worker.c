/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the worker's per-packet path (lib/pipeline): the
 * input is a burst of frames, some arriving on N3 (GTP-U from gNBs), some
 * on N6 (IPv4 from the data network), run through the very stage
 * functions a worker's poll round calls, on real mbufs, against one FULL
 * and one LIMITED session and a walled garden. What the control lcore
 * would do with what the worker hands it (ARP and ICMP, snooped DNS
 * answers to learn from) is done too.
 *
 * Every frame lives in an external buffer malloc()ed to exactly its data
 * room (headroom + frame + tailroom, the input choosing both rooms), so
 * that ASan reports any read or write outside the room; with no tailroom
 * a read past the frame is caught as well.
 *
 * Invariants on everything the stages emit (the TX buffers, the control
 * and snoop rings): one segment, lengths that agree with each other and
 * with the buffer, every IPv4 header checksum right when the input's was
 * (replies the data plane builds: always, with their TCP, UDP or ICMP
 * checksum), GTP-U that lib/gtpu parses back, tunnels to the session's
 * gNB and TEID, forwarded uplink only from a session's UE address, a
 * LIMITED session's traffic only to or from its garden (or DNS), and
 * every mbuf back in its pool once the burst is over.
 *
 * Input:
 *   octet 0    settings: bit 0 dns.mode snoop, bit 1 UDP refused by drop,
 *              bit 2 learn globally, bit 3 N6 next hop unknown, bit 4 N3
 *              next hop unknown, bit 5 leave checksums as they are (else
 *              the harness makes the IPv4, TCP, UDP and ICMP ones right),
 *              bit 6 leave the lengths as they are (else the outer IPv4,
 *              UDP and GTP-U lengths, or the downlink IPv4 one, are made
 *              to agree with the frame: three fields a mutation seldom
 *              changes together, while cutting a frame short is easy)
 *   then up to 64 frames, each: one octet (bit 7: N6, else N3; bit 6:
 *   16 octets of headroom instead of 128; bits 0-5: tailroom in 32-octet
 *   steps), two octets of length (big-endian), the frame.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "gg_garden.h"
#include "gg_gtpu.h"
#include "gg_http.h"
#include "gg_session.h"
#include "gg_slowpath.h"
#include "pipeline_private.h"
#include "fuzz_common.h"

#define MAX_FRAMES 64
#define N_MBUFS 256
/* Not RTE_IPV4(): DPDK 22.11 shifts an int there, which UBSan reports. */
#define IP(a, b, c, d) RTE_BE32((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
		(uint32_t)(c) << 8 | (uint32_t)(d))

/* Settings, octet 0. */
#define SET_DNS_SNOOP 0x01
#define SET_UDP_DROP 0x02
#define SET_LEARN_GLOBAL 0x04
#define SET_NO_N6_HOP 0x08
#define SET_NO_N3_HOP 0x10
#define SET_RAW_CKSUM 0x20
#define SET_RAW_LENGTHS 0x40

/* Frame header octet. */
#define FR_N6 0x80
#define FR_SMALL_HEADROOM 0x40
#define FR_TAILROOM_MASK 0x3f

static const struct rte_ether_addr n3_mac = {{ 0x02, 0, 0, 0, 0x03, 0x01 }};
static const struct rte_ether_addr n3_hop_mac = {{ 0x02, 0, 0, 0, 0x03, 0xfe }};
static const struct rte_ether_addr n6_mac = {{ 0x02, 0, 0, 0, 0x06, 0x01 }};
static const struct rte_ether_addr n6_hop_mac = {{ 0x02, 0, 0, 0, 0x06, 0xfe }};

/* The two sessions the seeds (gen-corpus.py) address. */
static const struct gg_session sess_tmpl[2] = {
	{ .ul_teid = 0x100, .ue_ipv4 = IP(10, 45, 0, 2), .gnb_ipv4 = IP(192, 0, 2, 10),
	  .dl_teid = 0x200, .qfi = 9, .flags = GG_SESSION_F_QFI,
	  .state = GG_SESSION_FULL },
	{ .ul_teid = 0x101, .ue_ipv4 = IP(10, 45, 0, 3), .gnb_ipv4 = IP(192, 0, 2, 11),
	  .dl_teid = 0x201, .state = GG_SESSION_LIMITED },
};

static struct gg_dataplane dp;
static struct gg_worker *w;
static struct rte_mempool *pool;
static const struct gg_session *sess[2];
static struct gg_counters control_ctr;

/* What the harness knows of each frame it made, found by mbuf. */
struct frame {
	struct rte_mbuf *m;
	struct rte_mbuf_ext_shared_info shinfo;
	uint8_t from_n6;
	uint8_t inner_cksum_ok;  /* the IPv4 header the worker forwards */
};
static struct frame frames[MAX_FRAMES];
static unsigned int n_frames;

static void
ext_free(void *addr, void *opaque)
{
	(void)opaque;
	free(addr);
}

/* The first CPU this process may run on, for EAL's "-l". */
static int
first_cpu(void)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
			if (CPU_ISSET(cpu, &set))
				return cpu;
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t secret[GG_HTTP_SECRET_LEN] = "worker-fuzz-key";
	char lcore[16], prefix[48];
	/* No hugepages, devices or shared configuration: nothing outside
	 * the process but the runtime folder of its own file prefix. */
	char *eal_args[] = {
		"fuzz_worker", "--no-huge", "--no-pci", "--no-shconf",
		"--no-telemetry", "-m", "256", "-l", lcore,
		"--file-prefix", prefix, "--log-level", "*:error",
	};
	struct gg_session_table_params sp = {
		.name = "fz", .capacity = 16, .n_workers = 1,
		.socket_id = SOCKET_ID_ANY,
	};
	struct gg_garden_params gp = {
		.name = "fz", .max_rules = 16, .max_names = 16, .max_learned = 64,
		.min_ttl = 1, .max_ttl = 3600, .socket_id = SOCKET_ID_ANY,
	};
	struct rte_rcu_qsbr *qsv;
	unsigned int i;
	int id;

	(void)argc;
	(void)argv;
	snprintf(lcore, sizeof(lcore), "%d", first_cpu());
	snprintf(prefix, sizeof(prefix), "gg-fuzz-worker-%d", (int)getpid());
	FUZZ_CHECK(rte_eal_init(RTE_DIM(eal_args), eal_args) >= 0);
	qsv = rte_zmalloc("fz_qsv", rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE),
			RTE_CACHE_LINE_SIZE);
	FUZZ_CHECK(qsv != NULL && rte_rcu_qsbr_init(qsv, RTE_MAX_LCORE) == 0);

	sp.qsv = qsv;
	dp.sessions = gg_session_table_create(&sp);
	FUZZ_CHECK(dp.sessions != NULL);
	for (i = 0; i < 2; i++) {
		id = gg_session_add(dp.sessions, &sess_tmpl[i]);
		FUZZ_CHECK(id >= 0);
		sess[i] = gg_session_find(dp.sessions, sess_tmpl[i].ul_teid);
		FUZZ_CHECK(sess[i] != NULL);
	}
	dp.qsv = qsv;

	dp.n3 = (struct gg_port){ .port_id = 0, .mtu = 1500,
		.addr = IP(192, 0, 2, 1), .next_hop = IP(192, 0, 2, 254),
		.mac = n3_mac };
	dp.n6 = (struct gg_port){ .port_id = 1, .mtu = 1500,
		.addr = IP(198, 18, 0, 1), .next_hop = IP(198, 18, 0, 254),
		.mac = n6_mac };
	dp.error_indication_rate = 1000000;

	/* A garden as the demo configures one: a prefix for TCP 443, the
	 * portal for everything, two names. */
	gp.qsv = qsv;
	dp.limited.garden = gg_garden_create(&gp);
	FUZZ_CHECK(dp.limited.garden != NULL);
	FUZZ_CHECK(gg_garden_add_prefix(dp.limited.garden, IP(203, 0, 113, 0), 24,
			GG_GARDEN_PROTO_TCP, 443, 443) == 0);
	FUZZ_CHECK(gg_garden_add_prefix(dp.limited.garden, IP(198, 51, 100, 10), 32,
			GG_GARDEN_PROTO_ANY, 0, 65535) == 0);
	FUZZ_CHECK(gg_garden_add_name(dp.limited.garden, "portal.example") == 0);
	FUZZ_CHECK(gg_garden_add_name(dp.limited.garden, "garden.example") == 0);
	FUZZ_CHECK(gg_http_redirect_init(&dp.limited.http, secret, 1460,
			"http://portal.example/?from={url}") == 0);
	dp.limited.dns = (struct gg_dns_forge){ .portal_ipv4 = IP(198, 51, 100, 10),
		.other_rcode = 3, .edns_udp_size = 1232, .ttl = 30 };
	dp.limited.icmp_unreach_rate = 1000000;
	dp.limited.has_portal = 1;
	dp.limited.icmp_src = dp.n6.addr;

	w = gg_worker_create(&dp, 0, rte_lcore_id(), 0);
	FUZZ_CHECK(w != NULL);
	/* Data room 0: every mbuf gets an external buffer of the frame's. */
	pool = rte_pktmbuf_pool_create("fz_pool", N_MBUFS, 0, 0, 0, SOCKET_ID_ANY);
	FUZZ_CHECK(pool != NULL);
	return 0;
}

static const struct gg_session *
session_by_ue(uint32_t ue)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		if (sess[i]->ue_ipv4 == ue)
			return sess[i];
	return NULL;
}

static const struct frame *
frame_of(const struct rte_mbuf *m)
{
	unsigned int i;

	for (i = 0; i < n_frames; i++)
		if (frames[i].m == m)
			return &frames[i];
	FUZZ_CHECK(!"an mbuf the harness did not make");
	return NULL;
}

/* Outer lengths that agree with a frame of @p len octets (SET_RAW_LENGTHS). */
static void
fix_lengths(uint8_t *d, uint16_t len, int from_n6)
{
	unsigned int ihl;

	if (len < 14 + 20 || fuzz_get16(d + 12) != RTE_ETHER_TYPE_IPV4)
		return;
	ihl = (d[14] & 0xf) * 4u;
	fuzz_put16(d + 16, len - 14);
	if (from_n6 || d[14 + 9] != IPPROTO_UDP || len < 14 + ihl + 8 + 8)
		return;
	fuzz_put16(d + 14 + ihl + 4, len - 14 - ihl);
	fuzz_put16(d + 14 + ihl + 8 + 2, len - 14 - ihl - 8 - 8);
}

/* The frame as one mbuf in a buffer of exactly its data room. */
static struct rte_mbuf *
make_frame(struct frame *f, const uint8_t *p, uint16_t len, uint8_t hdr,
		uint8_t set)
{
	int fix = !(set & SET_RAW_CKSUM);
	uint16_t head = (hdr & FR_SMALL_HEADROOM) ? 16 : RTE_PKTMBUF_HEADROOM;
	uint16_t tail = (hdr & FR_TAILROOM_MASK) * 32u;

	/* TEMPORARY, off unless FUZZ_SKIP_ISSUE11 is set (campaigns on a
	 * tree without the fix; never the suite): uplink frames get 20
	 * octets of tailroom, so that issue 11's read of a short T-PDU's
	 * header stays in the buffer and the campaign goes on past it.
	 * Remove once main has the fix of gg_uplink_forward(). */
	if (!(hdr & FR_N6) && tail < 20 && getenv("FUZZ_SKIP_ISSUE11") != NULL)
		tail = 20;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *buf = malloc(head + len + tail);
	uint8_t *d;

	FUZZ_CHECK(m != NULL && buf != NULL);
	f->shinfo.free_cb = ext_free;
	f->shinfo.fcb_opaque = NULL;
	rte_mbuf_ext_refcnt_set(&f->shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, buf, (rte_iova_t)(uintptr_t)buf,
			head + len + tail, &f->shinfo);
	m->data_off = head;
	m->data_len = len;
	m->pkt_len = len;
	d = buf + head;
	memcpy(d, p, len);
	/* Whatever the tailroom held before: not zeroes to lean on. */
	memset(d + len, 0xa5, tail);
	f->m = m;
	f->from_n6 = !!(hdr & FR_N6);
	f->inner_cksum_ok = 0;
	if (!(set & SET_RAW_LENGTHS))
		fix_lengths(d, len, f->from_n6);

	if (f->from_n6) {
		if (fix)
			fuzz_fix_ipv4(d + 14, len - 14 > 0 ? len - 14u : 0);
		if (len >= 34)
			f->inner_cksum_ok = (d[14] & 0xf) * 4u <= len - 14u &&
					fuzz_ipv4_cksum_ok(d + 14);
	} else if (len >= 42 + 8) {
		struct gg_gtpu_info g;
		size_t in = 42;

		if (gg_gtpu_parse(d + 42, len - 42, &g) == GG_GTPU_OK) {
			in += g.hdr_len;
			if (fix)
				fuzz_fix_ipv4(d + in, len - in);
			f->inner_cksum_ok = len - in >= 20 &&
					(d[in] & 0xf) * 4u <= len - in &&
					fuzz_ipv4_cksum_ok(d + in);
		}
		if (fix)
			fuzz_fix_ipv4(d + 14, len - 14);
	} else if (fix && len > 14) {
		fuzz_fix_ipv4(d + 14, len - 14);
	}
	return m;
}

/* What every emitted mbuf must be, whatever it carries. */
static const uint8_t *
check_mbuf(const struct rte_mbuf *m)
{
	FUZZ_CHECK(m->nb_segs == 1 && m->next == NULL);
	FUZZ_CHECK(m->pkt_len == m->data_len);
	FUZZ_CHECK((uint32_t)m->data_off + m->data_len <= m->buf_len);
	FUZZ_CHECK(m->data_len >= RTE_ETHER_HDR_LEN);
	return rte_pktmbuf_mtod(m, const uint8_t *);
}

/* An IPv4 header of @p avail octets whose total length is exactly
 * @p avail; returns its header length. */
static unsigned int
check_ipv4(const uint8_t *ip, size_t avail, int cksum)
{
	unsigned int ihl;

	FUZZ_CHECK(avail >= 20 && (ip[0] >> 4) == 4);
	ihl = (ip[0] & 0xf) * 4u;
	FUZZ_CHECK(ihl >= 20 && ihl <= avail);
	FUZZ_CHECK(fuzz_get16(ip + 2) == avail);
	if (cksum)
		FUZZ_CHECK(fuzz_ipv4_cksum_ok(ip));
	return ihl;
}

/* A reply the data plane made itself: every checksum it carries right. */
static void
check_l4_made(const uint8_t *ip, unsigned int ihl, size_t tlen)
{
	size_t l4 = tlen - ihl;

	if (ip[9] == IPPROTO_TCP) {
		FUZZ_CHECK(l4 >= 20);
		FUZZ_CHECK(fuzz_sum(ip + ihl, l4, fuzz_pseudo_sum(ip, 6, l4)) == 0xffff);
	} else if (ip[9] == IPPROTO_UDP) {
		FUZZ_CHECK(l4 >= 8 && fuzz_get16(ip + ihl + 4) == l4);
		if (fuzz_get16(ip + ihl + 6) != 0)
			FUZZ_CHECK(fuzz_sum(ip + ihl, l4,
					fuzz_pseudo_sum(ip, 17, l4)) == 0xffff);
	} else if (ip[9] == IPPROTO_ICMP) {
		FUZZ_CHECK(l4 >= 8 && fuzz_sum(ip + ihl, l4, 0) == 0xffff);
	}
}

/* Destination (uplink) or source (downlink) port of a TCP/UDP packet. */
static uint16_t
l4_port(const uint8_t *ip, size_t tlen, int src)
{
	unsigned int ihl = (ip[0] & 0xf) * 4u;

	if ((ip[9] != IPPROTO_TCP && ip[9] != IPPROTO_UDP) || tlen < ihl + 4 ||
			(fuzz_get16(ip + 6) & 0x1fff) != 0)
		return 0;
	return fuzz_get16(ip + ihl + (src ? 0 : 2));
}

/* Uplink out of N6: the T-PDU behind an Ethernet header to the next hop. */
static void
check_tx_n6(const struct rte_mbuf *m, uint64_t now_s)
{
	const uint8_t *p = check_mbuf(m);
	const struct frame *f = frame_of(m);
	const struct gg_session *s;
	struct rte_ether_addr hop;
	const uint8_t *ip = p + RTE_ETHER_HDR_LEN;
	size_t tlen = m->data_len - RTE_ETHER_HDR_LEN;
	uint32_t src, dst;

	FUZZ_CHECK(!f->from_n6);
	FUZZ_CHECK(gg_port_next_hop_mac(&dp.n6, &hop) &&
			memcmp(p, &hop, 6) == 0 && memcmp(p + 6, &n6_mac, 6) == 0);
	FUZZ_CHECK(fuzz_get16(p + 12) == RTE_ETHER_TYPE_IPV4);
	check_ipv4(ip, tlen, f->inner_cksum_ok);
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	/* Anti-spoofing: only a session's own UE address gets out. */
	s = session_by_ue(src);
	FUZZ_CHECK(s != NULL);
	/* The walled garden: a LIMITED device reaches the garden, or a
	 * resolver with a DNS query, nothing else. */
	if (gg_session_state(s) == GG_SESSION_LIMITED)
		FUZZ_CHECK(gg_garden_match_ip(dp.limited.garden, s->id, dst, ip[9],
				l4_port(ip, tlen, 0), now_s) ||
				(ip[9] == IPPROTO_UDP && l4_port(ip, tlen, 0) == 53));
}

/* Out of N3: GTP-U to a gNB, a tunnelled packet or a GTP-U reply. */
static void
check_tx_n3(const struct rte_mbuf *m, int snooped, uint64_t now_s)
{
	const uint8_t *p = check_mbuf(m);
	const struct frame *f = frame_of(m);
	const uint8_t *ip = p + RTE_ETHER_HDR_LEN, *udp, *in;
	size_t tlen = m->data_len - RTE_ETHER_HDR_LEN, ulen, inlen;
	const struct gg_session *s = NULL;
	struct rte_ether_addr hop;
	struct gg_gtpu_info g;
	unsigned int ihl, i;
	uint32_t dst;

	FUZZ_CHECK(fuzz_get16(p + 12) == RTE_ETHER_TYPE_IPV4);
	FUZZ_CHECK(memcmp(p + 6, &n3_mac, 6) == 0);
	ihl = check_ipv4(ip, tlen, 1);
	FUZZ_CHECK(ip[9] == IPPROTO_UDP);
	FUZZ_CHECK(memcmp(ip + 12, &dp.n3.addr, 4) == 0);
	udp = ip + ihl;
	ulen = tlen - ihl;
	FUZZ_CHECK(ulen >= 8 && fuzz_get16(udp + 4) == ulen);
	FUZZ_CHECK(fuzz_get16(udp) == GG_GTPU_UDP_PORT);
	FUZZ_CHECK(gg_gtpu_parse(udp + 8, ulen - 8, &g) == GG_GTPU_OK);
	if (g.msg_type != GG_GTPU_GPDU) {
		/* Echo Response, Error Indication, notification: answers to
		 * what a gNB sent, on N3 only. */
		FUZZ_CHECK(!f->from_n6 && !snooped);
		return;
	}
	/* A tunnelled packet: to a session's gNB, with its TEID. */
	memcpy(&dst, ip + 16, 4);
	for (i = 0; i < 2; i++)
		if (sess[i]->dl_teid == g.teid && sess[i]->gnb_ipv4 == dst)
			s = sess[i];
	FUZZ_CHECK(s != NULL);
	/* The next hop as it is now: an ARP from it may have moved it. */
	FUZZ_CHECK(gg_port_next_hop_mac(&dp.n3, &hop) &&
			memcmp(p, &hop, 6) == 0);
	FUZZ_CHECK(!!(s->flags & GG_SESSION_F_QFI) == g.has_pdu_session);
	in = udp + 8 + g.hdr_len;
	inlen = g.payload_len;
	/* Forwarded downlink keeps the checksum it came with (right if it
	 * was); replies made for the device are right. */
	ihl = check_ipv4(in, inlen, f->from_n6 ? f->inner_cksum_ok : 1);
	FUZZ_CHECK(memcmp(in + 16, &s->ue_ipv4, 4) == 0);
	if (!f->from_n6) {
		check_l4_made(in, ihl, inlen);
		return;
	}
	if (gg_session_state(s) == GG_SESSION_LIMITED) {
		uint32_t src;

		memcpy(&src, in + 12, 4);
		/* Only the garden, or a DNS answer for a garden name, which
		 * goes through the control lcore's learning first. */
		FUZZ_CHECK(snooped || gg_garden_match_ip(dp.limited.garden, s->id,
				src, in[9], l4_port(in, inlen, 1), now_s));
	}
}

/* What the control lcore does with frames for the appliance itself. */
static void
serve_control(void)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(gg_worker_to_control(w), (void **)&m) == 0) {
		const struct frame *f = frame_of(m);
		struct gg_port *port = f->from_n6 ? &dp.n6 : &dp.n3;

		if (gg_slowpath_handle(m, port, false, &control_ctr) == GG_SLOW_REPLY) {
			const uint8_t *p = check_mbuf(m);

			if (fuzz_get16(p + 12) == RTE_ETHER_TYPE_IPV4) {
				const uint8_t *ip = p + RTE_ETHER_HDR_LEN;
				unsigned int ihl = check_ipv4(ip,
						m->data_len - RTE_ETHER_HDR_LEN, 1);

				check_l4_made(ip, ihl, m->data_len - RTE_ETHER_HDR_LEN);
			}
		}
		rte_pktmbuf_free(m);
	}
}

/* The snoop ring: learn, as gg_limited_serve_snoop() does, then send. */
static void
serve_snoop(uint64_t now_s)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(gg_worker_snoop_ring(w), (void **)&m) == 0) {
		uint32_t scope = dp.limited.learn_global ? GG_GARDEN_SCOPE_GLOBAL :
				m->hash.usr;

		FUZZ_CHECK(m->hash.usr == sess[1]->id);
		gg_slowpath_learn(m, dp.limited.garden, scope, now_s, &control_ctr);
		check_tx_n3(m, 1, now_s);
		rte_pktmbuf_free(m);
	}
}

/* Check and free what the stages put in the TX buffers (instead of
 * rte_eth_tx_burst: there is no port). */
static void
drain_tx(uint64_t now_s)
{
	uint16_t i;

	for (i = 0; i < w->tx_n6.n; i++)
		check_tx_n6(w->tx_n6.pkts[i], now_s);
	for (i = 0; i < w->tx_n3.n; i++)
		check_tx_n3(w->tx_n3.pkts[i], 0, now_s);
	rte_pktmbuf_free_bulk(w->tx_n6.pkts, w->tx_n6.n);
	rte_pktmbuf_free_bulk(w->tx_n3.pkts, w->tx_n3.n);
	w->tx_n6.n = 0;
	w->tx_n3.n = 0;
}

/* One direction's burst, as poll_round() runs it. */
static void
run_burst(struct rte_mbuf **pkts, uint16_t n, int n6)
{
	if (n == 0)
		return;
	if (!n6)
		n = gg_uplink_burst(w, pkts, n);
	else
		n = gg_downlink_burst(w, pkts, n);
	if (n != 0)
		gg_dispatch(w, pkts, n);
}

/* With FUZZ_VERBOSE set, what the input did, counter by counter (to check
 * that a seed reaches what it was made for); the counters then restart. */
static void
report(void)
{
	unsigned int i;

	if (getenv("FUZZ_VERBOSE") != NULL) {
		for (i = 0; i < GG_EV_MAX; i++)
			if (w->ctr.ev[i] + control_ctr.ev[i] != 0)
				fprintf(stderr, " %s=%" PRIu64, gg_event_name(i),
						w->ctr.ev[i] + control_ctr.ev[i]);
		for (i = 1; i < GG_DROP_MAX; i++)
			if (w->ctr.drop[i] + control_ctr.drop[i] != 0)
				fprintf(stderr, " drop:%s=%" PRIu64, gg_drop_name(i),
						w->ctr.drop[i] + control_ctr.drop[i]);
		fprintf(stderr, "\n");
	}
	memset(&w->ctr, 0, sizeof(w->ctr));
	memset(&control_ctr, 0, sizeof(control_ctr));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *ul[GG_BURST], *dl[GG_BURST];
	uint16_t n_ul = 0, n_dl = 0;
	uint64_t now_s;
	size_t off = 1;
	uint8_t set;

	if (size < 1)
		return 0;
	set = data[0];
	dp.limited.dns_mode = (set & SET_DNS_SNOOP) ? GG_DNS_MODE_SNOOP :
			GG_DNS_MODE_REWRITE;
	dp.limited.udp_reject = (set & SET_UDP_DROP) ? GG_UDP_REJECT_DROP :
			GG_UDP_REJECT_ICMP;
	dp.limited.learn_global = !!(set & SET_LEARN_GLOBAL);
	dp.n6.next_hop_mac = 0;
	dp.n3.next_hop_mac = 0;
	if (!(set & SET_NO_N6_HOP))
		gg_port_set_next_hop_mac(&dp.n6, &n6_hop_mac);
	if (!(set & SET_NO_N3_HOP))
		gg_port_set_next_hop_mac(&dp.n3, &n3_hop_mac);

	n_frames = 0;
	while (off + 3 <= size && n_frames < MAX_FRAMES) {
		uint8_t hdr = data[off];
		uint16_t len = fuzz_get16(data + off + 1);
		struct frame *f = &frames[n_frames];

		off += 3;
		if (len > size - off)
			len = (uint16_t)(size - off);
		if (hdr & FR_N6) {
			if (n_dl == GG_BURST)
				break;
			dl[n_dl++] = make_frame(f, data + off, len, hdr, set);
		} else {
			if (n_ul == GG_BURST)
				break;
			ul[n_ul++] = make_frame(f, data + off, len, hdr, set);
		}
		n_frames++;
		off += len;
	}

	now_s = gg_garden_clock_s();
	w->ctr.ev[GG_EV_rx_n3] += n_ul;
	run_burst(ul, n_ul, 0);
	drain_tx(now_s);
	serve_control();
	w->ctr.ev[GG_EV_rx_n6] += n_dl;
	run_burst(dl, n_dl, 1);
	drain_tx(now_s);
	serve_control();
	serve_snoop(now_s);

	/* Every mbuf freed, once: none kept, none lost. */
	FUZZ_CHECK(rte_mempool_avail_count(pool) == N_MBUFS);
	/* What this input learned must not steer the next one. */
	gg_garden_forget(dp.limited.garden, sess[1]->id);
	gg_garden_forget(dp.limited.garden, GG_GARDEN_SCOPE_GLOBAL);
	report();
	return 0;
}
