/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_gtpgen: a zero-copy traffic source for benchmarks (doc/performance.rst,
 * "Sources").
 *
 * At RX queue set-up the PMD builds a set of frames (read from a pcap file,
 * or generated from the devargs: GTP-U uplink of FULL or LIMITED sessions,
 * plain IPv4 downlink toward the UEs, plain IPv4 for l3fwd) into mbufs of
 * the queue's pool, and keeps them. Receiving hands out the next frames of
 * the set in turn: no allocation and no copy of the packet, only
 *
 *   - the mbuf re-armed: data offset, lengths, one segment, packet type,
 *     and the reference count set to 2, so that the application's free
 *     gives the mbuf back to the set, not to the pool;
 *   - the outer IPv4 header checksum's verdict in ol_flags (checked once
 *     per frame of the set, as a NIC with RX checksum offload gives it);
 *   - the first octets of the frame restored from a pristine copy
 *     (restore=, default 128: two cache lines), because applications
 *     rewrite headers in place (gardengate decapsulates over the outer
 *     headers, l3fwd rewrites the MACs and the TTL). Octets past restore=
 *     are never restored: an application that rewrites deeper (gardengate's
 *     LIMITED replies: restore=256) must say so.
 *
 * Limits: a frame still held by the application when its turn comes again
 * (reference count not 1: in a TX queue, a reassembly table, attached to an
 * indirect mbuf) is skipped for this turn and counted (rx_busy, in the
 * xstats); the set must be larger than what the application keeps in
 * flight. Frames are at most 2048 - 128 octets and must fit the pool's data
 * room; the pool must hold the whole set plus the application's own
 * working set (like net_pcap's infinite_rx). TX frees what it is given
 * (counted): the port is also a sink. Primary process only.
 *
 * Cost, measured with callgrind in gardengate's worker (doc/performance.rst,
 * ul-1k-64B): RX 83 instructions per packet with restore=128 before the
 * fields were kept in locals and the 128 octets copied unrolled, against
 * 137 for net_pcap's infinite_rx (allocation and a copy of the frame); and
 * the sink's free costs 39 instead of 70, since the mbuf stays ours (a
 * reference count decrement, no mempool put).
 *
 * Devargs (all optional but one of pcap= and mode=):
 *   pcap=FILE       frames from a classic pcap file (Ethernet), in order
 *   frames=N        frames in the set (default: the pcap's, else 65536)
 *   restore=N       octets restored per frame, rounded up to 64 (default 128)
 *   mode=ul|dl|ipv4|limited
 *                   ul: G-PDUs of FULL sessions, gNB -> upf=, inner UDP from
 *                   the UE to dn=; dl: plain IPv4 UDP from dn= to the UEs;
 *                   ipv4: the uplink's inner packets behind an Ethernet
 *                   header (for l3fwd); limited: G-PDUs of LIMITED sessions,
 *                   the walled garden's mix without HTTP GETs (40 % TCP 443
 *                   data to portal=, 20 % DNS queries for names outside the
 *                   garden to resolver=, 20 % SYNs to port 80 and 20 % to
 *                   port 443 outside the garden)
 *   sessions=N      sessions the frames pick from (default 1000)
 *   spread=random|linear
 *                   random: TEIDs and UE addresses from bijective mixes of
 *                   the session's index (distinct, scattered: the table's
 *                   lines are visited in no order); frames pick sessions at
 *                   random; linear: TEID 1 + i, UE ue= + i, frames in turn
 *   seed=N          of the mixes and of the frame order (default 1)
 *   size=MIN[-MAX]  inner IPv4 length, uniform (default 64-1500; downlink
 *                   capped at 1456 so that its encapsulation fits 1500)
 *   qfi=PCT         share of sessions with a QFI (PDU Session Container in
 *                   the uplink), percent (default 50)
 *   upf=, gnb=, ue=, dn=, portal=, resolver=  IPv4 addresses (defaults:
 *                   those of config/gardengate.conf: 192.0.2.1, 192.0.2.10
 *                   (and the next three), 10.64.0.0 (/10), 203.0.113.10,
 *                   203.0.113.80, 203.0.113.53)
 *   mac=MAC         the port's MAC (default: the first frame's destination)
 * The sessions of a mode= set are those of gtpgen_sessions() in
 * test/perf/perf_inputs.py (same mixes; write_config() makes gardengate's
 * configuration of them): change both together.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>

#define GTPGEN_MAX_QUEUES 16
#define GTPGEN_FRAME_MAX (2048 - RTE_PKTMBUF_HEADROOM)
#define GTPGEN_DEFAULT_FRAMES 65536
#define GTPGEN_DEFAULT_RESTORE 128
/* Templates ahead whose mbuf and first data line are prefetched: the set
 * is far larger than the caches (like a NIC's descriptors, cold). */
#define GTPGEN_PREFETCH 8
#define GTPU_PORT 2152
/* The 8 octets of data_off, refcnt, nb_segs and port (rearm_data). */
#define REARM(m) ((char *)(m) + offsetof(struct rte_mbuf, data_off))

RTE_LOG_REGISTER_DEFAULT(gtpgen_logtype, NOTICE);
#define GLOG(level, fmt, ...) rte_log(RTE_LOG_ ## level, gtpgen_logtype, \
		"net_gtpgen: " fmt "\n", ##__VA_ARGS__)

static const char * const valid_args[] = {
	"pcap", "frames", "restore", "mode", "sessions", "spread", "seed",
	"size", "qfi", "upf", "gnb", "ue", "dn", "portal", "resolver", "mac",
	NULL
};

enum gtpgen_mode { MODE_PCAP, MODE_UL, MODE_DL, MODE_IPV4, MODE_LIMITED };

/* One frame of the set as handed out: 16 octets, four per cache line. */
struct gtpgen_tmpl {
	struct rte_mbuf *m;
	uint32_t ptype;
	uint16_t len;
	uint8_t lines;		/* 64-octet lines to restore */
	uint8_t ol_flags;	/* RX checksum flags: bits 0-7 of ol_flags */
};

struct gtpgen_rxq {
	struct gtpgen_tmpl *t;
	uint8_t *pristine;	/* restore octets per template, in order */
	uint64_t rearm;		/* data_off, refcnt 2, nb_segs 1, port */
	uint32_t n;
	uint32_t next;
	uint16_t restore;
	uint64_t pkts;
	uint64_t bytes;
	uint64_t busy;
	struct rte_mempool *mp;
} __rte_cache_aligned;

struct gtpgen_txq {
	uint64_t pkts;
	uint64_t bytes;
} __rte_cache_aligned;

struct gtpgen_opts {
	enum gtpgen_mode mode;
	char pcap[256];
	uint32_t frames;
	uint32_t restore;
	uint32_t sessions;
	int linear;
	uint64_t seed;
	uint32_t size_min, size_max;
	uint32_t qfi_pct;
	uint32_t upf, gnb, ue, dn, portal, resolver;	/* host order */
	struct rte_ether_addr mac;
	int mac_set;
};

/* The frames, built once at probe: the queues' templates are copies. */
struct gtpgen_frames {
	uint32_t n;
	uint32_t max_len;
	uint32_t *off;
	uint16_t *len;
	uint8_t *data;
	size_t size, cap;
};

struct gtpgen_internals {
	struct gtpgen_opts o;
	struct gtpgen_frames f;
	struct rte_ether_addr mac;
	struct gtpgen_rxq rxq[GTPGEN_MAX_QUEUES];
	struct gtpgen_txq txq[GTPGEN_MAX_QUEUES];
};

static const struct rte_eth_link gtpgen_link = {
	.link_speed = RTE_ETH_SPEED_NUM_100G,
	.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
	.link_status = RTE_ETH_LINK_UP,
	.link_autoneg = RTE_ETH_LINK_FIXED,
};

/* ------------------------------------------------------------------------
 * Fast path
 */

static uint16_t
gtpgen_rx(void *queue, struct rte_mbuf **bufs, uint16_t nb)
{
	struct gtpgen_rxq *q = queue;
	/* In locals: the stores into the mbufs could alias q's fields for
	 * the compiler, which would load them again for every packet. */
	const struct gtpgen_tmpl *tt = q->t;
	const uint8_t *pristine = q->pristine;
	const uint64_t rearm = q->rearm;
	const uint32_t n = q->n, restore = q->restore;
	uint32_t next = q->next;
	uint64_t bytes = 0, busy = 0;
	uint16_t i, got = 0;

	for (i = 0; i < nb; i++) {
		const struct gtpgen_tmpl *t = &tt[next];
		uint32_t ahead = next + GTPGEN_PREFETCH;
		struct rte_mbuf *m = t->m;
		const uint8_t *src = pristine + (size_t)next * restore;
		uint8_t *dst;

		rte_prefetch0(tt[ahead >= n ? ahead - n : ahead].m);
		if (++next == n)
			next = 0;
		/* Still held by the application (queued, attached): its
		 * headers must not change under it. */
		if (unlikely(rte_mbuf_refcnt_read(m) != 1)) {
			busy++;
			continue;
		}
		/* A chain the application hung on it went with its free. */
		if (unlikely(m->nb_segs != 1))
			m->next = NULL;
		/* One store: data_off, refcnt 2 (ours and the application's:
		 * its free leaves the mbuf to us), nb_segs 1, port. No atomic
		 * add: nobody else holds it (refcnt was 1). */
		*(uint64_t *)REARM(m) = rearm;
		m->ol_flags = t->ol_flags;
		m->packet_type = t->ptype;
		m->pkt_len = t->len;
		m->data_len = t->len;
		m->vlan_tci = 0;
		m->hash.rss = 0;
		dst = (uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM;
		if (likely(t->lines == 2)) {
			rte_mov128(dst, src);
		} else {
			unsigned int l;

			for (l = 0; l < t->lines; l++)
				rte_mov64(dst + 64 * l, src + 64 * l);
		}
		bytes += t->len;
		bufs[got++] = m;
	}
	q->next = next;
	q->pkts += got;
	q->bytes += bytes;
	q->busy += busy;
	return got;
}

static uint16_t
gtpgen_tx(void *queue, struct rte_mbuf **bufs, uint16_t nb)
{
	struct gtpgen_txq *q = queue;
	uint64_t bytes = 0;
	uint16_t i;

	for (i = 0; i < nb; i++)
		bytes += bufs[i]->pkt_len;
	rte_pktmbuf_free_bulk(bufs, nb);
	q->pkts += nb;
	q->bytes += bytes;
	return nb;
}

/* ------------------------------------------------------------------------
 * Frames: from a pcap file or generated
 */

static uint8_t *
frames_add(struct gtpgen_frames *f, uint32_t len)
{
	if (len > GTPGEN_FRAME_MAX)
		return NULL;
	if (f->size + len > f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 1 << 20;
		uint8_t *d;

		while (cap < f->size + len)
			cap *= 2;
		d = realloc(f->data, cap);
		if (d == NULL)
			return NULL;
		f->data = d;
		f->cap = cap;
	}
	f->off[f->n] = f->size;
	f->len[f->n] = len;
	f->size += len;
	if (len > f->max_len)
		f->max_len = len;
	return f->data + f->off[f->n++];
}

static int
frames_alloc(struct gtpgen_frames *f, uint32_t n)
{
	f->off = calloc(n, sizeof(*f->off));
	f->len = calloc(n, sizeof(*f->len));
	return f->off == NULL || f->len == NULL ? -ENOMEM : 0;
}

static void
frames_free(struct gtpgen_frames *f)
{
	free(f->off);
	free(f->len);
	free(f->data);
	memset(f, 0, sizeof(*f));
}

/* Classic pcap (either byte order, µs or ns), Ethernet link type. */
static int
frames_from_pcap(struct gtpgen_frames *f, const char *path, uint32_t limit)
{
	uint32_t hdr[6], rec[4], magic, n = 0, cap = 0;
	FILE *fp = fopen(path, "rb");
	int swap, ret = -EINVAL;
	long start;

	if (fp == NULL) {
		GLOG(ERR, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fread(hdr, sizeof(hdr), 1, fp) != 1)
		goto out;
	magic = hdr[0];
	swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	if (!swap && magic != 0xa1b2c3d4 && magic != 0xa1b23c4d)
		goto out;
	if ((swap ? rte_bswap32(hdr[5]) : hdr[5]) != 1) {
		GLOG(ERR, "%s: not an Ethernet capture", path);
		goto out;
	}
	/* Count first, so that the index arrays are allocated once. */
	start = ftell(fp);
	while (fread(rec, sizeof(rec), 1, fp) == 1 && (limit == 0 || cap < limit)) {
		uint32_t caplen = swap ? rte_bswap32(rec[2]) : rec[2];

		if (fseek(fp, caplen, SEEK_CUR) != 0)
			break;
		cap++;
	}
	if (cap == 0 || frames_alloc(f, cap) != 0)
		goto out;
	fseek(fp, start, SEEK_SET);
	while (n < cap && fread(rec, sizeof(rec), 1, fp) == 1) {
		uint32_t caplen = swap ? rte_bswap32(rec[2]) : rec[2];
		uint8_t *d = frames_add(f, caplen);

		if (d == NULL) {
			GLOG(ERR, "%s: frame %u of %u octets (at most %u)", path,
					n, caplen, GTPGEN_FRAME_MAX);
			goto out;
		}
		if (fread(d, caplen, 1, fp) != 1)
			goto out;
		n++;
	}
	ret = 0;
out:
	if (ret != 0 && n == 0)
		GLOG(ERR, "%s: not a readable Ethernet pcap", path);
	fclose(fp);
	return ret;
}

/* Bijective mixes of a session's index (lowbias32 by C. Wellons; the
 * 22-bit one: odd multiplies and xor-shifts modulo 2^22). Mirrored in
 * test/perf/perf_inputs.py: change both. */
static uint32_t
mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352d;
	x ^= x >> 15;
	x *= 0x846ca68b;
	x ^= x >> 16;
	return x;
}

static uint32_t
mix22(uint32_t x)
{
	const uint32_t m = (1u << 22) - 1;

	x = (x * 0x9e3779b1u) & m;
	x ^= x >> 11;
	x = (x * 0x2c1b3c6du) & m;
	x ^= x >> 7;
	return x;
}

struct gtpgen_session {
	uint32_t teid;
	uint32_t ue;
	uint32_t gnb;
	int qfi;		/* 0: none */
};

static void
session_of(const struct gtpgen_opts *o, uint32_t i, struct gtpgen_session *s)
{
	const uint32_t hosts = 16384 * 254;	/* /10 less .0 and .255 */
	uint32_t k, seed = (uint32_t)o->seed;

	if (o->linear) {
		s->teid = 1 + i;
		k = i;
	} else {
		s->teid = mix32(i + 1) ^ seed;
		if (s->teid == 0)
			s->teid = seed;	/* mix32(x) ^ seed == seed only for x == 0 */
		/* Cycle-walk the 22-bit mix within the hosts of the /10: from a
		 * start inside them, so that distinct indexes stay distinct. */
		k = (uint32_t)(((uint64_t)i + seed) % hosts);
		do
			k = mix22(k);
		while (k >= hosts);
	}
	s->ue = o->ue + (k / 254) * 256 + k % 254 + 1;
	s->gnb = o->gnb + i % 4;
	s->qfi = mix32(i ^ 0x5bd1e995) % 100 < o->qfi_pct ? 1 + i % 63 : 0;
}

static uint64_t
rng_next(uint64_t *s)
{
	/* xorshift64*: the frame order, reproducible by seed= */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static uint8_t *
put_ipv4(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, uint16_t len,
		uint16_t id)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len);
	ip->packet_id = rte_cpu_to_be_16(id);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return p + sizeof(*ip);
}

/* An inner IPv4 packet of @len octets at @p; returns its ptype bits. */
static uint32_t
put_inner(uint8_t *p, const struct gtpgen_opts *o, uint32_t src, uint32_t dst,
		uint16_t len, uint16_t id, uint64_t r)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	uint8_t *l4 = p + sizeof(*ip);
	uint16_t sport = 40000 + r % 20000;
	unsigned int kind = (r >> 20) % 10;

	if (o->mode == MODE_LIMITED) {
		/* 4 in 10 garden data, 2 DNS, 2 SYN :80, 2 SYN :443 */
		if (kind < 4 || kind >= 6) {
			struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;
			int garden = kind < 4;

			if (!garden)
				len = 40;
			put_ipv4(p, src, garden ? o->portal : dst, IPPROTO_TCP, len, id);
			ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			memset(th, 0, sizeof(*th));
			th->src_port = rte_cpu_to_be_16(sport);
			th->dst_port = rte_cpu_to_be_16(garden || kind >= 8 ? 443 : 80);
			th->sent_seq = rte_cpu_to_be_32((uint32_t)(r >> 32));
			th->recv_ack = garden ? rte_cpu_to_be_32((uint32_t)r) : 0;
			th->data_off = 5 << 4;
			th->tcp_flags = garden ? RTE_TCP_PSH_FLAG | RTE_TCP_ACK_FLAG :
					RTE_TCP_SYN_FLAG;
			th->rx_win = rte_cpu_to_be_16(65535);
			memset(th + 1, 'g', len - 40);
			th->cksum = rte_ipv4_udptcp_cksum(ip, th);
			return RTE_PTYPE_INNER_L3_IPV4 | RTE_PTYPE_INNER_L4_TCP;
		} else {
			/* A query for www<n>.example.com, A, IN */
			struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4;
			uint8_t *d = (uint8_t *)(uh + 1), *q = d + 12;
			char label[8];
			int ll = snprintf(label, sizeof(label), "www%u",
					(unsigned int)(r % 1000));
			uint16_t dlen;

			memset(d, 0, 12);
			d[0] = r >> 40;
			d[1] = r >> 48;
			d[2] = 0x01;	/* RD */
			d[5] = 1;	/* QDCOUNT */
			*q++ = ll;
			memcpy(q, label, ll);
			q += ll;
			memcpy(q, "\x07" "example" "\x03" "com" "\x00" "\x00\x01\x00\x01", 17);
			q += 17;
			dlen = q - d;
			len = 28 + dlen;
			put_ipv4(p, src, o->resolver, IPPROTO_UDP, len, id);
			uh->src_port = rte_cpu_to_be_16(sport);
			uh->dst_port = rte_cpu_to_be_16(53);
			uh->dgram_len = rte_cpu_to_be_16(8 + dlen);
			uh->dgram_cksum = 0;
			uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
			return RTE_PTYPE_INNER_L3_IPV4 | RTE_PTYPE_INNER_L4_UDP;
		}
	}
	{
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4;

		put_ipv4(p, src, dst, IPPROTO_UDP, len, id);
		uh->src_port = rte_cpu_to_be_16(sport);
		uh->dst_port = rte_cpu_to_be_16(50000 + (r >> 16) % 1000);
		uh->dgram_len = rte_cpu_to_be_16(len - 20);
		memset(uh + 1, 0x5a, len - 28);
		uh->dgram_cksum = 0;
		uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
		return RTE_PTYPE_INNER_L3_IPV4 | RTE_PTYPE_INNER_L4_UDP;
	}
}

static const struct rte_ether_addr peer_mac = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x03, 0xfe } };

static int
frames_generate(struct gtpgen_frames *f, const struct gtpgen_opts *o,
		const struct rte_ether_addr *dst_mac)
{
	uint64_t rng = o->seed * 0x9e3779b97f4a7c15ULL + 1;
	uint32_t max = o->size_max, i;

	if (o->mode == MODE_DL && max > 1500 - 44)
		max = 1500 - 44;
	if (frames_alloc(f, o->frames) != 0)
		return -ENOMEM;
	for (i = 0; i < o->frames; i++) {
		uint64_t r = rng_next(&rng);
		uint32_t idx = o->linear ? i % o->sessions : (uint32_t)(r % o->sessions);
		uint16_t len = o->size_min + (uint16_t)((r >> 24) % (max - o->size_min + 1));
		struct gtpgen_session s;
		uint8_t buf[GTPGEN_FRAME_MAX], *p = buf;
		struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
		uint32_t dn = o->dn + (uint32_t)((r >> 8) & 3);
		uint8_t *d;

		r = rng_next(&rng);
		session_of(o, idx, &s);
		rte_ether_addr_copy(dst_mac, &eth->dst_addr);
		rte_ether_addr_copy(&peer_mac, &eth->src_addr);
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		p += sizeof(*eth);
		if (o->mode == MODE_UL || o->mode == MODE_LIMITED) {
			uint8_t *outer = p, *gtp;
			uint16_t hl = s.qfi ? 16 : 8, inner_len;
			struct rte_udp_hdr *uh;

			gtp = p + 28;
			put_inner(gtp + hl, o, s.ue, dn, len, i & 0xffff, r);
			inner_len = rte_be_to_cpu_16(((struct rte_ipv4_hdr *)(gtp + hl))->total_length);
			put_ipv4(outer, s.gnb, o->upf, IPPROTO_UDP, 28 + hl + inner_len, i & 0xffff);
			uh = (struct rte_udp_hdr *)(outer + 20);
			uh->src_port = rte_cpu_to_be_16(GTPU_PORT);
			uh->dst_port = rte_cpu_to_be_16(GTPU_PORT);
			uh->dgram_len = rte_cpu_to_be_16(8 + hl + inner_len);
			uh->dgram_cksum = 0;
			gtp[0] = s.qfi ? 0x34 : 0x30;	/* version 1, PT, E */
			gtp[1] = 0xff;			/* G-PDU */
			gtp[2] = (hl - 8 + inner_len) >> 8;
			gtp[3] = (hl - 8 + inner_len) & 0xff;
			gtp[4] = s.teid >> 24;
			gtp[5] = s.teid >> 16;
			gtp[6] = s.teid >> 8;
			gtp[7] = s.teid;
			if (s.qfi) {
				/* sequence, N-PDU, next: PDU Session Container,
				 * UL PDU SESSION INFORMATION (TS 38.415) */
				static const uint8_t ext[8] = { 0, 0, 0, 0x85, 1, 0x10, 0, 0 };

				memcpy(gtp + 8, ext, 8);
				gtp[14] = s.qfi;
			}
			p = gtp + hl + inner_len;
		} else {
			uint32_t src = o->mode == MODE_DL ? dn : s.ue;
			uint32_t dst = o->mode == MODE_DL ? s.ue : dn;

			put_inner(p, o, src, dst, len, i & 0xffff, r);
			p += rte_be_to_cpu_16(((struct rte_ipv4_hdr *)p)->total_length);
		}
		d = frames_add(f, p - buf);
		if (d == NULL)
			return -ENOMEM;
		memcpy(d, buf, p - buf);
	}
	return 0;
}

/* Packet type of a frame, as a NIC's parser would give it. */
static uint32_t
ptype_of(const uint8_t *d, uint32_t len)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(d + 14);
	uint32_t pt = RTE_PTYPE_L2_ETHER;
	unsigned int ihl;

	if (len < 34 || d[12] != 0x08 || d[13] != 0x00)
		return pt;
	ihl = (ip->version_ihl & 0xf) * 4;
	pt |= ihl == 20 ? RTE_PTYPE_L3_IPV4 : RTE_PTYPE_L3_IPV4_EXT;
	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
			RTE_IPV4_HDR_OFFSET_MASK))
		return pt | RTE_PTYPE_L4_FRAG;
	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
		return pt | RTE_PTYPE_L4_TCP;
	case IPPROTO_ICMP:
		return pt | RTE_PTYPE_L4_ICMP;
	case IPPROTO_UDP:
		pt |= RTE_PTYPE_L4_UDP;
		if (len >= 14 + ihl + 8 + 8 &&
				(d[14 + ihl + 2] << 8 | d[14 + ihl + 3]) == GTPU_PORT)
			pt |= RTE_PTYPE_TUNNEL_GTPU;
		return pt;
	default:
		return pt | RTE_PTYPE_L4_NONFRAG;
	}
}

/* The outer IPv4 header checksum, checked once here as a NIC checks it on
 * every frame (RX checksum offload): RTE_MBUF_F_RX_IP_CKSUM_GOOD or _BAD,
 * both within the low octet of ol_flags. */
static uint8_t
cksum_flags(const uint8_t *d, uint32_t len)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(d + 14);
	unsigned int ihl;

	RTE_BUILD_BUG_ON((RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_IP_CKSUM_BAD) > 0xff);
	if (len < 34 || d[12] != 0x08 || d[13] != 0x00 || (ip->version_ihl >> 4) != 4)
		return 0;
	ihl = (ip->version_ihl & 0xf) * 4;
	if (ihl < 20 || len < 14 + ihl)
		return 0;
	return rte_raw_cksum(ip, ihl) == 0xffff ? RTE_MBUF_F_RX_IP_CKSUM_GOOD :
			RTE_MBUF_F_RX_IP_CKSUM_BAD;
}

/* ------------------------------------------------------------------------
 * Queues
 */

static void
rxq_release(struct gtpgen_rxq *q)
{
	uint32_t i;

	if (q->t != NULL) {
		/* Ours go back to the pool; one the application still holds
		 * goes back with its own free. */
		for (i = 0; i < q->n; i++)
			rte_pktmbuf_free(q->t[i].m);
	}
	rte_free(q->t);
	rte_free(q->pristine);
	memset(q, 0, sizeof(*q));
}

static int
gtpgen_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		unsigned int socket, const struct rte_eth_rxconf *conf,
		struct rte_mempool *mp)
{
	struct gtpgen_internals *in = dev->data->dev_private;
	struct gtpgen_rxq *q = &in->rxq[qid];
	const struct gtpgen_frames *f = &in->f;
	uint32_t room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
	uint32_t restore = in->o.restore, i;
	struct rte_mbuf mb;

	if (qid >= GTPGEN_MAX_QUEUES)
		return -EINVAL;
	rxq_release(q);
	if (RTE_ALIGN_CEIL(f->max_len, 64) > room) {
		GLOG(ERR, "frames of up to %u octets do not fit mbufs of %u", f->max_len, room);
		return -EINVAL;
	}
	q->t = rte_zmalloc_socket("gtpgen_t", sizeof(*q->t) * f->n, RTE_CACHE_LINE_SIZE, socket);
	q->pristine = rte_malloc_socket("gtpgen_p", (size_t)restore * f->n, RTE_CACHE_LINE_SIZE,
			socket);
	if (q->t == NULL || q->pristine == NULL) {
		rxq_release(q);
		return -ENOMEM;
	}
	q->n = f->n;
	q->restore = restore;
	q->mp = mp;
	for (i = 0; i < f->n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		const uint8_t *d = f->data + f->off[i];
		uint16_t len = f->len[i];
		uint8_t *p = q->pristine + (size_t)i * restore;

		if (m == NULL) {
			GLOG(ERR, "queue %u: the pool (%u mbufs) holds %u of the %u frames: "
					"it must hold the set and the application's own",
					qid, mp->size, i, f->n);
			rxq_release(q);
			return -ENOMEM;
		}
		q->t[i].m = m;
		rte_memcpy(rte_pktmbuf_mtod(m, void *), d, len);
		/* Past the frame: what the copy of whole lines brings along. */
		q->t[i].len = len;
		q->t[i].lines = RTE_MIN(restore, (uint32_t)RTE_ALIGN_CEIL(len, 64)) / 64;
		memcpy(p, rte_pktmbuf_mtod(m, void *), q->t[i].lines * 64);
		q->t[i].ptype = ptype_of(d, len);
		q->t[i].ol_flags = cksum_flags(d, len);
	}
	/* The re-arm word: a real mbuf's layout, refcnt 2. */
	memset(&mb, 0, sizeof(mb));
	mb.data_off = RTE_PKTMBUF_HEADROOM;
	rte_mbuf_refcnt_set(&mb, 2);
	mb.nb_segs = 1;
	mb.port = dev->data->port_id;
	memcpy(&q->rearm, REARM(&mb), sizeof(q->rearm));
	dev->data->rx_queues[qid] = q;
	GLOG(INFO, "queue %u: %u frames, restore %u octets", qid, f->n, restore);
	return 0;
}

static int
gtpgen_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		unsigned int socket, const struct rte_eth_txconf *conf)
{
	struct gtpgen_internals *in = dev->data->dev_private;

	if (qid >= GTPGEN_MAX_QUEUES)
		return -EINVAL;
	dev->data->tx_queues[qid] = &in->txq[qid];
	return 0;
}

static void
gtpgen_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct gtpgen_internals *in = dev->data->dev_private;

	if (in != NULL && qid < GTPGEN_MAX_QUEUES)
		rxq_release(&in->rxq[qid]);
}

static void
gtpgen_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
}

/* ------------------------------------------------------------------------
 * Device
 */

static int
gtpgen_configure(struct rte_eth_dev *dev)
{
	return 0;
}

static int
gtpgen_start(struct rte_eth_dev *dev)
{
	uint16_t i;

	dev->data->dev_link.link_status = RTE_ETH_LINK_UP;
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	return 0;
}

static int
gtpgen_stop(struct rte_eth_dev *dev)
{
	uint16_t i;

	dev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	return 0;
}

static int
gtpgen_close(struct rte_eth_dev *dev)
{
	struct gtpgen_internals *in = dev->data->dev_private;
	unsigned int i;

	if (in == NULL)
		return 0;
	for (i = 0; i < GTPGEN_MAX_QUEUES; i++)
		rxq_release(&in->rxq[i]);
	frames_free(&in->f);
	/* part of dev_private: not to be freed on its own */
	dev->data->mac_addrs = NULL;
	return 0;
}

static int
gtpgen_info(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	info->max_mac_addrs = 1;
	info->max_rx_pktlen = GTPGEN_FRAME_MAX;
	info->max_rx_queues = GTPGEN_MAX_QUEUES;
	info->max_tx_queues = GTPGEN_MAX_QUEUES;
	info->min_rx_bufsize = 0;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	/* Checked once per frame of the set, given with every packet. */
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	return 0;
}

static int
gtpgen_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
	struct gtpgen_internals *in = dev->data->dev_private;
	unsigned int i;

	for (i = 0; i < GTPGEN_MAX_QUEUES; i++) {
		st->ipackets += in->rxq[i].pkts;
		st->ibytes += in->rxq[i].bytes;
		st->opackets += in->txq[i].pkts;
		st->obytes += in->txq[i].bytes;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_ipackets[i] = in->rxq[i].pkts;
			st->q_opackets[i] = in->txq[i].pkts;
		}
	}
	return 0;
}

static int
gtpgen_stats_reset(struct rte_eth_dev *dev)
{
	struct gtpgen_internals *in = dev->data->dev_private;
	unsigned int i;

	for (i = 0; i < GTPGEN_MAX_QUEUES; i++) {
		in->rxq[i].pkts = in->rxq[i].bytes = in->rxq[i].busy = 0;
		in->txq[i].pkts = in->txq[i].bytes = 0;
	}
	return 0;
}

static int
gtpgen_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
		unsigned int size)
{
	if (names != NULL && size >= 1)
		snprintf(names[0].name, sizeof(names[0].name), "rx_busy");
	return 1;
}

static int
gtpgen_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs, unsigned int n)
{
	struct gtpgen_internals *in = dev->data->dev_private;
	uint64_t busy = 0;
	unsigned int i;

	if (n < 1)
		return 1;
	for (i = 0; i < GTPGEN_MAX_QUEUES; i++)
		busy += in->rxq[i].busy;
	xs[0].id = 0;
	xs[0].value = busy;
	return 1;
}

static int
gtpgen_link_update(struct rte_eth_dev *dev, int wait)
{
	return 0;
}

static int
gtpgen_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	return 0;
}

static int
gtpgen_mac_set(struct rte_eth_dev *dev, struct rte_ether_addr *addr)
{
	return 0;
}

static int
gtpgen_promisc(struct rte_eth_dev *dev)
{
	return 0;
}

static const uint32_t *
gtpgen_ptypes(struct rte_eth_dev *dev)
{
	static const uint32_t ptypes[] = {
		RTE_PTYPE_L2_ETHER,
		RTE_PTYPE_L3_IPV4,
		RTE_PTYPE_L3_IPV4_EXT,
		RTE_PTYPE_L4_TCP,
		RTE_PTYPE_L4_UDP,
		RTE_PTYPE_L4_ICMP,
		RTE_PTYPE_L4_FRAG,
		RTE_PTYPE_L4_NONFRAG,
		RTE_PTYPE_TUNNEL_GTPU,
		RTE_PTYPE_UNKNOWN
	};

	return ptypes;
}

static const struct eth_dev_ops gtpgen_ops = {
	.dev_configure = gtpgen_configure,
	.dev_start = gtpgen_start,
	.dev_stop = gtpgen_stop,
	.dev_close = gtpgen_close,
	.dev_infos_get = gtpgen_info,
	.dev_supported_ptypes_get = gtpgen_ptypes,
	.rx_queue_setup = gtpgen_rx_queue_setup,
	.tx_queue_setup = gtpgen_tx_queue_setup,
	.rx_queue_release = gtpgen_rx_queue_release,
	.tx_queue_release = gtpgen_tx_queue_release,
	.link_update = gtpgen_link_update,
	.mtu_set = gtpgen_mtu_set,
	.mac_addr_set = gtpgen_mac_set,
	.promiscuous_enable = gtpgen_promisc,
	.promiscuous_disable = gtpgen_promisc,
	.allmulticast_enable = gtpgen_promisc,
	.allmulticast_disable = gtpgen_promisc,
	.stats_get = gtpgen_stats_get,
	.stats_reset = gtpgen_stats_reset,
	.xstats_get = gtpgen_xstats_get,
	.xstats_get_names = gtpgen_xstats_get_names,
};

/* ------------------------------------------------------------------------
 * Devargs and probe
 */

static int
arg_u32(const char *v, uint32_t *out, uint32_t min, uint32_t max)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 0);
	if (errno != 0 || end == v || *end != '\0' || x < min || x > max)
		return -EINVAL;
	*out = (uint32_t)x;
	return 0;
}

static int
arg_ipv4(const char *v, uint32_t *out)
{
	unsigned int a, b, c, d;
	char tail;

	if (sscanf(v, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 ||
			a > 255 || b > 255 || c > 255 || d > 255)
		return -EINVAL;
	*out = a << 24 | b << 16 | c << 8 | d;
	return 0;
}

static int
handle_arg(const char *key, const char *v, void *opaque)
{
	struct gtpgen_opts *o = opaque;
	uint32_t x;

	if (v == NULL)
		return -EINVAL;
	if (strcmp(key, "pcap") == 0)
		return snprintf(o->pcap, sizeof(o->pcap), "%s", v) < (int)sizeof(o->pcap) ?
				0 : -EINVAL;
	if (strcmp(key, "frames") == 0)
		return arg_u32(v, &o->frames, 1, 1u << 24);
	if (strcmp(key, "restore") == 0) {
		if (arg_u32(v, &x, 0, GTPGEN_FRAME_MAX) != 0)
			return -EINVAL;
		o->restore = RTE_ALIGN_CEIL(x, 64);
		return 0;
	}
	if (strcmp(key, "mode") == 0) {
		if (strcmp(v, "ul") == 0)
			o->mode = MODE_UL;
		else if (strcmp(v, "dl") == 0)
			o->mode = MODE_DL;
		else if (strcmp(v, "ipv4") == 0)
			o->mode = MODE_IPV4;
		else if (strcmp(v, "limited") == 0)
			o->mode = MODE_LIMITED;
		else
			return -EINVAL;
		return 0;
	}
	if (strcmp(key, "sessions") == 0)
		return arg_u32(v, &o->sessions, 1, 16384 * 254);
	if (strcmp(key, "spread") == 0) {
		if (strcmp(v, "random") != 0 && strcmp(v, "linear") != 0)
			return -EINVAL;
		o->linear = strcmp(v, "linear") == 0;
		return 0;
	}
	if (strcmp(key, "seed") == 0) {
		if (arg_u32(v, &x, 0, UINT32_MAX) != 0)
			return -EINVAL;
		o->seed = x;
		return 0;
	}
	if (strcmp(key, "size") == 0) {
		unsigned int a, b;
		char tail;
		int k = sscanf(v, "%u-%u%c", &a, &b, &tail);

		if (k == 1)
			b = a;
		else if (k != 2)
			return -EINVAL;
		if (a < 40 || b < a || b > 1500)
			return -EINVAL;
		o->size_min = a;
		o->size_max = b;
		return 0;
	}
	if (strcmp(key, "qfi") == 0)
		return arg_u32(v, &o->qfi_pct, 0, 100);
	if (strcmp(key, "upf") == 0)
		return arg_ipv4(v, &o->upf);
	if (strcmp(key, "gnb") == 0)
		return arg_ipv4(v, &o->gnb);
	if (strcmp(key, "ue") == 0)
		return arg_ipv4(v, &o->ue);
	if (strcmp(key, "dn") == 0)
		return arg_ipv4(v, &o->dn);
	if (strcmp(key, "portal") == 0)
		return arg_ipv4(v, &o->portal);
	if (strcmp(key, "resolver") == 0)
		return arg_ipv4(v, &o->resolver);
	if (strcmp(key, "mac") == 0) {
		o->mac_set = 1;
		return rte_ether_unformat_addr(v, &o->mac);
	}
	return -EINVAL;
}

static int
gtpgen_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	const char *params = rte_vdev_device_args(vdev);
	struct gtpgen_opts o = {
		.mode = MODE_PCAP, .restore = GTPGEN_DEFAULT_RESTORE,
		.sessions = 1000, .seed = 1, .size_min = 64, .size_max = 1500,
		.qfi_pct = 50,
		.upf = RTE_IPV4(192, 0, 2, 1), .gnb = RTE_IPV4(192, 0, 2, 10),
		.ue = RTE_IPV4(10, 64, 0, 0), .dn = RTE_IPV4(203, 0, 113, 10),
		.portal = RTE_IPV4(203, 0, 113, 80),
		.resolver = RTE_IPV4(203, 0, 113, 53),
	};
	struct rte_kvargs *kv = NULL;
	struct gtpgen_internals *in;
	struct rte_eth_dev *dev;
	int ret = -EINVAL, have_mode = 0;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		GLOG(ERR, "%s: primary process only", name);
		return -ENOTSUP;
	}
	if (params != NULL && params[0] != '\0') {
		kv = rte_kvargs_parse(params, valid_args);
		if (kv == NULL) {
			GLOG(ERR, "%s: bad devargs \"%s\"", name, params);
			return -EINVAL;
		}
		ret = rte_kvargs_process(kv, NULL, handle_arg, &o);
		have_mode = rte_kvargs_count(kv, "mode") != 0;
		if (ret != 0) {
			GLOG(ERR, "%s: bad devargs \"%s\"", name, params);
			rte_kvargs_free(kv);
			return -EINVAL;
		}
		if (rte_kvargs_count(kv, "pcap") != 0 && have_mode) {
			GLOG(ERR, "%s: pcap= and mode= exclude each other", name);
			rte_kvargs_free(kv);
			return -EINVAL;
		}
		rte_kvargs_free(kv);
	}
	if (o.pcap[0] == '\0' && !have_mode) {
		GLOG(ERR, "%s: give pcap=FILE or mode=ul|dl|ipv4|limited", name);
		return -EINVAL;
	}
	if (vdev->device.numa_node == SOCKET_ID_ANY)
		vdev->device.numa_node = rte_socket_id();
	dev = rte_eth_vdev_allocate(vdev, sizeof(*in));
	if (dev == NULL)
		return -ENOMEM;
	in = dev->data->dev_private;
	in->o = o;
	if (o.mode == MODE_PCAP) {
		ret = frames_from_pcap(&in->f, o.pcap, o.frames);
	} else {
		if (!o.mac_set)
			rte_ether_unformat_addr("02:67:74:70:67:00", &o.mac);
		if (o.frames == 0)
			o.frames = GTPGEN_DEFAULT_FRAMES;
		if (o.mode == MODE_UL || o.mode == MODE_LIMITED) {
			/* room for the outer headers within 1514 */
			o.size_max = RTE_MIN(o.size_max, 1514u - 14 - 44);
			o.size_min = RTE_MIN(o.size_min, o.size_max);
		}
		in->o = o;
		ret = frames_generate(&in->f, &in->o, &o.mac);
	}
	if (ret != 0 || in->f.n == 0) {
		frames_free(&in->f);
		rte_eth_dev_release_port(dev);
		return ret != 0 ? ret : -EINVAL;
	}
	if (o.mac_set || o.mode != MODE_PCAP)
		in->mac = o.mac;
	else
		memcpy(&in->mac, in->f.data + in->f.off[0], RTE_ETHER_ADDR_LEN);
	dev->data->mac_addrs = &in->mac;
	dev->data->dev_link = gtpgen_link;
	dev->data->promiscuous = 1;
	dev->data->all_multicast = 1;
	dev->dev_ops = &gtpgen_ops;
	dev->rx_pkt_burst = gtpgen_rx;
	dev->tx_pkt_burst = gtpgen_tx;
	rte_eth_dev_probing_finish(dev);
	GLOG(INFO, "%s: %u frames (%s), up to %u octets", name, in->f.n,
			o.mode == MODE_PCAP ? o.pcap : "generated", in->f.max_len);
	return 0;
}

static int
gtpgen_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));

	if (dev == NULL)
		return 0;
	gtpgen_close(dev);
	rte_eth_dev_release_port(dev);
	return 0;
}

static struct rte_vdev_driver gtpgen_drv = {
	.probe = gtpgen_probe,
	.remove = gtpgen_remove,
};

RTE_PMD_REGISTER_VDEV(net_gtpgen, gtpgen_drv);
RTE_PMD_REGISTER_PARAM_STRING(net_gtpgen,
	"pcap=<file> frames=<n> restore=<octets> mode=ul|dl|ipv4|limited "
	"sessions=<n> spread=random|linear seed=<n> size=<min>[-<max>] qfi=<pct> "
	"upf=<ip> gnb=<ip> ue=<ip> dn=<ip> portal=<ip> resolver=<ip> mac=<mac>");
