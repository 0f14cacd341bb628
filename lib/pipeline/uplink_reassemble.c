/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Uplink, before the GTP-U parse: outer IPv4 fragments to our N3 address
 * put back together (a gNB whose transport MTU is smaller than a G-PDU
 * fragments it, RFC 4459 3.3; TS 29.281 5.x leaves it to IP).
 *
 * uplink_parse.c hands over a fragment whose outer header it checked
 * (version, length, no options, checksum, to us); DPDK's rte_ip_frag
 * keeps it in the worker's table, keyed on source, destination,
 * protocol and identification (RFC 791), until the packet is whole.
 * The whole packet is made one segment again (the parse and every stage
 * after it work on one) and parsed like any other: a G-PDU goes on to
 * the session lookup.
 *
 * Bounds: mtu.reassembly.flows packets being reassembled per worker, at
 * most RTE_LIBRTE_IP_FRAG_MAX_FRAG (8) fragments each, so a worker holds
 * at most flows * 8 mbufs of the RX pool; a packet not whole within
 * mtu.reassembly.timeout_ms is dropped when the table is next used.
 * Every fragment dropped is counted under one reason: reasm_timeout,
 * reasm_overlap (fragments overlapping, a first or last fragment twice,
 * more than 8 fragments), reasm_table_full (no entry free and none
 * timed out), reasm_bad_fragment (no payload, or past 65535 octets),
 * reasm_too_big (the whole packet does not fit one mbuf). rte_ip_frag
 * does not say why it dropped; the reason is read from what it put on
 * the death row: one mbuf, the fragment just given, is a table without
 * room (a new entry cannot fail otherwise); more is a set of fragments
 * that does not make a packet.
 *
 * Cost: nothing for packets that are not fragments (the parse's fast
 * path already refuses them); per fragment a table lookup (two hashed
 * buckets) and, once whole, a copy of the later fragments into the first
 * mbuf.
 */
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "pipeline_private.h"

/* Entries per bucket (a power of two): rte_ip_frag looks in two buckets. */
#define REASM_BUCKET_ENTRIES 8

struct gg_reasm {
	struct rte_ip_frag_tbl *tbl;
	struct rte_ip_frag_death_row dr;
};

struct gg_reasm *
gg_reasm_create(uint32_t flows, uint32_t timeout_ms, int socket)
{
	uint64_t cycles = rte_get_tsc_hz() * (uint64_t)timeout_ms / 1000;
	uint32_t buckets = rte_align32pow2((flows + REASM_BUCKET_ENTRIES - 1) /
			REASM_BUCKET_ENTRIES * 2);
	struct gg_reasm *r;

	r = rte_zmalloc_socket("gg_reasm", sizeof(*r), RTE_CACHE_LINE_SIZE,
			socket);
	if (r == NULL)
		return NULL;
	/* Twice the buckets the flows need: two-way hashing fills a table
	 * unevenly, and a full bucket refuses a flow the table has room for. */
	r->tbl = rte_ip_frag_table_create(buckets, REASM_BUCKET_ENTRIES, flows,
			cycles, socket);
	if (r->tbl == NULL) {
		rte_free(r);
		return NULL;
	}
	return r;
}

void
gg_reasm_free(struct gg_reasm *r)
{
	if (r == NULL)
		return;
	rte_ip_frag_free_death_row(&r->dr, 0);
	/* Frees the fragments it still holds. */
	rte_ip_frag_table_destroy(r->tbl);
	rte_free(r);
}

struct rte_mbuf *
gg_uplink_reassemble(struct gg_worker *w, struct rte_mbuf *m,
		struct gg_meta *meta)
{
	struct gg_reasm *r = w->reasm;
	struct rte_ip_frag_death_row *dr = &r->dr;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
			struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	uint16_t tlen = rte_be_to_cpu_16(ip->total_length);
	uint32_t end = (uint32_t)(rte_be_to_cpu_16(ip->fragment_offset) &
			RTE_IPV4_HDR_OFFSET_MASK) * RTE_IPV4_HDR_OFFSET_UNITS +
			tlen;
	uint64_t now = rte_rdtsc();
	struct rte_mbuf *whole;
	uint32_t before;

	w->ctr.ev[GG_EV_ul_fragment_rx]++;
	if (tlen <= sizeof(*ip) || end > UINT16_MAX) {
		gg_meta_drop(meta, GG_DROP_reasm_bad_fragment);
		return NULL;
	}
	/* The parse checked the header: 20 octets, no options. */
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = sizeof(*ip);
	meta->action = GG_ACT_HELD;

	before = dr->cnt;
	rte_ip_frag_table_del_expired_entries(r->tbl, dr, now);
	w->ctr.drop[GG_DROP_reasm_timeout] += dr->cnt - before;

	before = dr->cnt;
	whole = rte_ipv4_frag_reassemble_packet(r->tbl, dr, m, now, ip);
	if (dr->cnt != before) {
		if (dr->cnt - before == 1 && dr->row[dr->cnt - 1] == m)
			w->ctr.drop[GG_DROP_reasm_table_full]++;
		else
			w->ctr.drop[GG_DROP_reasm_overlap] += dr->cnt - before;
	}
	if (dr->cnt != 0)
		rte_ip_frag_free_death_row(dr, 0);
	if (whole == NULL)
		return NULL;

	/* The stages after the parse work on one segment. */
	if (rte_pktmbuf_linearize(whole) != 0) {
		gg_meta_drop(meta, GG_DROP_reasm_too_big);
		return whole;
	}
	ip = rte_pktmbuf_mtod_offset(whole, struct rte_ipv4_hdr *,
			RTE_ETHER_HDR_LEN);
	/* rte_ip_frag wrote the length and zeroed the checksum. */
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	whole->ol_flags &= ~RTE_MBUF_F_RX_IP_CKSUM_MASK;
	w->ctr.ev[GG_EV_ul_reassembled]++;
	meta->action = GG_ACT_SESSION;
	return whole;
}
