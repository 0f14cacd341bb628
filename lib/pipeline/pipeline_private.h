/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker internals shared by the pipeline stages: the per-worker context,
 * the per-packet metadata the stages pass along, and the small inline
 * helpers every stage uses. Not installed; only lib/pipeline includes it.
 */
#ifndef PIPELINE_PRIVATE_H
#define PIPELINE_PRIVATE_H

#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <rte_tcp.h>
#include <rte_udp.h>

#include "gg_counters.h"
#include "gg_csum.h"
#include "gg_pipeline.h"
#include "gg_session.h"

#define GG_BURST 32
/* TX buffer per port: two RX bursts plus what the control lcore injects. */
#define GG_TX_BUF 128

/* What the stages decided for a packet so far. */
enum gg_action {
	GG_ACT_DROP = 0,     /* free it and count meta.drop */
	GG_ACT_CONSUMED,     /* handled (already counted): free it */
	GG_ACT_CONTROL,      /* for the control lcore */
	GG_ACT_SESSION,      /* needs the session lookup, then forwarding */
	GG_ACT_ECHO,         /* GTP-U Echo Request: answer it */
	GG_ACT_EXT_NOTIF,    /* unknown required extension: notify the sender */
	GG_ACT_TX_N3,        /* rewritten, send on N3 */
	GG_ACT_TX_N6,        /* rewritten, send on N6 */
	GG_ACT_SNOOP,        /* tunnelled garden DNS answer: control learns, then sends */
	GG_ACT_HELD,         /* an outer fragment the reassembly table keeps (or freed) */
};

/* Per-packet metadata, one array per burst in the worker (not in the mbuf). */
struct gg_meta {
	/* The lookup sets it to the session (or NULL) of every
	 * GG_ACT_SESSION packet, the parse to NULL for every other: the last
	 * stages rely on that. */
	struct gg_session *sess;
	uint32_t key;        /* uplink: TEID (host order); downlink: dst IPv4 (network) */
	uint16_t l3_off;     /* downlink: offset of the IPv4 header */
	uint16_t inner_off;  /* uplink: offset of the T-PDU; downlink: = l3_off */
	/* Uplink: T-PDU length, at least 20 for GG_ACT_SESSION (the parse
	 * drops shorter ones), so the forward stage may read the T-PDU's
	 * IPv4 header before checking it. Downlink: IPv4 total length. */
	uint16_t inner_len;
	uint16_t udp_sport;  /* uplink: outer UDP source port, host order */
	uint16_t seq;        /* uplink: GTP-U sequence number (echo, notification) */
	uint8_t action;      /* enum gg_action */
	uint8_t drop;        /* enum gg_drop when action is GG_ACT_DROP */
};

struct gg_txbuf {
	uint16_t port_id;
	uint16_t n;
	uint16_t ev;         /* enum gg_event counting what leaves: tx_n3/tx_n6 */
	struct rte_mbuf *pkts[GG_TX_BUF];
};

/*
 * Outer headers of the packets a worker tunnels to gNBs (downlink_encap.c):
 * Ethernet to the N3 next hop, IPv4, UDP, G-PDU header, bare (50 octets)
 * or with a DL PDU Session Container (58), with every constant field set.
 */
#define GG_ENCAP_HDR_LEN (14 + 20 + 8 + 8)
#define GG_ENCAP_HDR_QFI_LEN (GG_ENCAP_HDR_LEN + 8)
struct gg_encap_tmpl {
	uint8_t hdr[GG_ENCAP_HDR_LEN];
	uint8_t hdr_qfi[GG_ENCAP_HDR_QFI_LEN];
	/* Sum of the template's IPv4 header as 16-bit words loaded in host
	 * order from network-order octets ("raw"): the per-packet words are
	 * added the same way, and the one's complement sum is independent of
	 * byte order (RFC 1071 2.(B)), so no swap is needed. */
	uint32_t csum_base;
	uint16_t mtu;
	uint64_t next_hop_word; /* gg_port.next_hop_mac it was built for */
};

/* Token bucket; the worker is its only user. */
struct gg_ratelimit {
	uint64_t tokens_x_hz;  /* tokens scaled by the TSC rate */
	uint64_t last_tsc;
	uint64_t rate;         /* tokens per second; 0 = never allow */
	uint64_t hz;
};

/*
 * One worker. Everything here is written by the worker's lcore only, except
 * the rings (SP/SC with the control lcore) and the counters, which anyone
 * may read (see gg_counters.h).
 */
struct gg_worker {
	struct gg_counters ctr;              /* first: cache aligned */
	struct gg_dataplane *dp;
	/* dp->policy as loaded at the start of this round; valid until the
	 * round's quiescent state. */
	const struct gg_limited *lim;
	uint64_t lim_gen;                    /* lim->gen its token buckets follow */
	struct gg_session_ctr_view sess_ctr; /* its counters of each session */
	struct rte_ring *to_control;
	struct rte_ring *from_control;
	unsigned int index;
	unsigned int lcore_id;
	uint16_t queue;
	uint16_t ip_id;                      /* outer IPv4 identification */
	/* Packets of the burst the parse stage left at GG_ACT_SESSION: the
	 * lookup looks up in place when that is all of them. */
	uint16_t n_session;
	struct gg_ratelimit err_ind_rl;
	struct gg_ratelimit icmp_rl;         /* LIMITED UDP unreachables */
	struct rte_ring *snoop;              /* garden DNS answers to learn from */
	struct gg_dns_pending *dns_pending;  /* queries it forwarded (dns_pending.c) */
	struct gg_ratelimit frag_needed_rl;  /* ICMP Fragmentation Needed, both ways */
	struct gg_reasm *reasm;              /* outer reassembly on N3; NULL: off */
	struct gg_snoop_recent *recent;      /* answers sent, not learned (snoop_recent.c) */
	struct gg_encap_tmpl encap;
	struct gg_txbuf tx_n3;
	struct gg_txbuf tx_n6;
	struct gg_meta meta[GG_BURST];
} __rte_cache_aligned;

/*
 * Add @p v to a counter of the worker's own (per-session or worker
 * counters) on the fast path. The empty asm, which claims to read and
 * write the counter, keeps GCC's SLP vectoriser from pairing two adjacent
 * counters (packets, bytes) into a vector load, insert, add and store:
 * five instructions where two scalar additions to memory do.
 */
static __rte_always_inline void
gg_ctr_add(uint64_t *c, uint64_t v)
{
	*c += v;
	__asm__("" : "+m"(*c));
}

/*
 * Each direction's stages on a burst, as the poll round runs them
 * (worker.c): returns how many packets are left at the front of @p pkts,
 * with their metadata, for gg_dispatch().
 */
uint16_t gg_uplink_burst(struct gg_worker *w, struct rte_mbuf **pkts,
		uint16_t n);
uint16_t gg_downlink_burst(struct gg_worker *w, struct rte_mbuf **pkts,
		uint16_t n);

/* Stages, in the order a packet meets them. The uplink fast stage returns
 * how many packets at the front it sent; *ready, how many of the rest it
 * parsed and looked up (their metadata from w->meta[0]): the parse and the
 * lookup start at @p from. */
uint16_t gg_uplink_fast(struct gg_worker *w, struct rte_mbuf **pkts,
		uint16_t n, uint16_t *ready);
void gg_uplink_parse(struct gg_worker *w, struct rte_mbuf **pkts,
		uint16_t from, uint16_t n);
void gg_uplink_lookup(struct gg_worker *w, struct rte_mbuf **pkts,
		uint16_t from, uint16_t n);
uint16_t gg_uplink_forward(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t n);
/* The downlink's, alike. */
uint16_t gg_downlink_fast(struct gg_worker *w, struct rte_mbuf **pkts,
		uint16_t n, uint16_t *ready);
void gg_downlink_parse(struct gg_worker *w, struct rte_mbuf **pkts,
		uint16_t from, uint16_t n);
void gg_downlink_lookup(struct gg_worker *w, struct rte_mbuf **pkts,
		uint16_t from, uint16_t n);
uint16_t gg_downlink_encap(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t n);

/*
 * Tunnel the IPv4 packet of @p tlen octets at @p l3_off of @p m to the
 * session's gNB (downlink_encap.c): outer headers from template @p t
 * (gg_encap_tmpl_get(); NULL: no_neighbor) are written in place in front
 * of it. Used for downlink traffic and for replies the data plane makes to
 * a UE. On success the one-segment mbuf is exactly the outer headers and
 * the @p tlen octets, whatever its lengths were (uplink_limited.c's
 * send_back() relies on it). Counts the session's downlink counters; the
 * caller counts the event.
 */
const struct gg_encap_tmpl *gg_encap_tmpl_get(struct gg_worker *w);
enum gg_drop gg_encap_to_gnb(struct gg_worker *w, struct rte_mbuf *m,
		const struct gg_session *s, uint16_t l3_off, uint16_t tlen,
		const struct gg_encap_tmpl *t);

/*
 * LIMITED sessions (uplink_limited.c, downlink_limited.c). Each returns a
 * drop reason, or GG_DROP_NONE with meta->action set: GG_ACT_SESSION to
 * forward the packet as for a FULL session, GG_ACT_TX_N3 for a reply made
 * in place and tunnelled to the device, GG_ACT_CONSUMED when nothing is
 * sent. *now_s is 0 until the first packet that needs the clock reads it.
 * gg_uplink_limited() takes the inner IPv4 header, at meta->inner_off of
 * @p m, from its caller, which has it at hand.
 */
enum gg_drop gg_uplink_limited(struct gg_worker *w, struct rte_mbuf *m,
		struct gg_meta *meta, struct rte_ipv4_hdr *ip, uint64_t *now_s,
		const struct gg_encap_tmpl *n3_dst);
enum gg_drop gg_downlink_limited(struct gg_worker *w, struct rte_mbuf *m,
		struct gg_meta *meta, uint64_t *now_s);
/* The uplink fast stage's pass over LIMITED sessions' packets, parsed and
 * looked up, from the front of @p pkts / @p meta (uplink_limited.c):
 * returns how many it sent; @p l2 is the 14-octet Ethernet header to the
 * N6 next hop. *@p decided is set to 1 when the packet after those was
 * dropped or consumed by the garden: the stages only carry that out. */
uint16_t gg_uplink_limited_run(struct gg_worker *w, struct rte_mbuf **pkts,
		struct gg_meta *meta, uint16_t n, const uint8_t *l2,
		uint16_t *decided);

/*
 * Pending DNS queries of LIMITED devices (dns_pending.c): one table per
 * worker, written by it, read by every worker. A session holds at most
 * GG_DNS_PEND_PER_SESSION entries of a worker's table at once.
 */
#define GG_DNS_PEND_BUCKET_BITS 8
#define GG_DNS_PEND_BUCKETS (1u << GG_DNS_PEND_BUCKET_BITS)
#define GG_DNS_PEND_WAYS 16
#define GG_DNS_PEND_PER_SESSION 12

/* What a pending entry stands for. */
enum gg_dns_pend_kind {
	GG_DNS_PEND_UDP = 0, /* a query over UDP */
	GG_DNS_PEND_TCP,     /* a query over TCP, inside a flow below */
	GG_DNS_PEND_FLOW,    /* a TCP connection to port 53 (dns_tcp.c) */
};

/* What identifies the answer to a query we forwarded. */
struct gg_dns_pend_key {
	uint32_t sess_id;
	uint32_t resolver;   /* the trusted resolver, network order */
	uint16_t port;       /* the device's port, network order */
	uint16_t id;         /* DNS ID, network order */
	uint32_t qhash;      /* gg_dns_question_hash() */
	uint8_t kind;        /* GG_DNS_PEND_UDP or GG_DNS_PEND_TCP */
};

/*
 * A device's TCP connection to port 53 as its owner worker sees it: the
 * stream it let through so far is whole DNS queries for garden names,
 * up to next_seq (the last segment of last_len octets ending there).
 */
struct gg_dns_flow {
	uint32_t resolver;   /* network order */
	uint32_t asked;      /* network order */
	uint32_t next_seq;   /* host order */
	uint16_t last_len;
	uint16_t way;        /* where it lies in the owner's table */
};

struct gg_dns_pending *gg_dns_pending_create(int socket);
void gg_dns_pending_free(struct gg_dns_pending *t);
/* Owner: record a query sent to k->resolver that the device sent to
 * @p asked, answerable until now_s + timeout_s (+ up to 1 s). Returns
 * GG_DROP_NONE, dns_pending_session_full or dns_pending_full. */
enum gg_drop gg_dns_pending_add(struct gg_dns_pending *t,
		const struct gg_dns_pend_key *k, uint32_t asked, uint64_t now_s,
		uint32_t timeout_s);
/* Any worker: 1 and *asked when the @p n tables hold the query @p k
 * answers (removed when it is in @p own); -1 when they hold one for the
 * session, port and ID but from another resolver or for another
 * question; 0 when none. */
int gg_dns_pending_match(struct gg_dns_pending *const *tables, unsigned int n,
		struct gg_dns_pending *own, const struct gg_dns_pend_key *k,
		uint64_t now_s, uint32_t *asked);

/*
 * TCP connections to port 53, in the same table and under the same caps.
 * Owner: open one for the device's SYN (expiry refreshed by each segment
 * let through); find the flow of a segment from @p port (1, or 0 when
 * none); record what a segment added. Any worker: 1 and *asked when some
 * table holds the flow an answer from @p resolver to @p port belongs to.
 */
enum gg_drop gg_dns_flow_open(struct gg_dns_pending *t, uint32_t sess_id,
		uint16_t port, uint32_t resolver, uint32_t asked, uint32_t next_seq,
		uint64_t now_s, uint32_t timeout_s);
int gg_dns_flow_find(struct gg_dns_pending *t, uint32_t sess_id,
		uint16_t port, uint64_t now_s, struct gg_dns_flow *f);
void gg_dns_flow_update(struct gg_dns_pending *t, uint32_t sess_id,
		const struct gg_dns_flow *f, uint64_t now_s, uint32_t timeout_s);
int gg_dns_flow_match(struct gg_dns_pending *const *tables, unsigned int n,
		uint32_t sess_id, uint16_t port, uint32_t resolver, uint64_t now_s,
		uint32_t *asked);

/*
 * Garden DNS answers let through before the control lcore learned from
 * them (snoop_recent.c). gg_snoop_release(): GG_ACT_SESSION when the
 * answer may leave now, its addresses recorded; GG_ACT_SNOOP when it must
 * wait for the control lcore (counted). gg_snoop_recent_admits(): does
 * such an answer admit the packet? Called before gg_garden_match_ip().
 */
struct gg_garden_scope;
struct gg_snoop_recent *gg_snoop_recent_create(int socket);
void gg_snoop_recent_free(struct gg_snoop_recent *t);
enum gg_action gg_snoop_release(struct gg_worker *w, uint32_t sess_id,
		const struct gg_dns_response *r,
		const struct gg_garden_scope *opens, uint64_t now_s);
bool gg_snoop_recent_admits(const struct gg_limited *lim, uint32_t sess_id,
		uint32_t ipv4_be, uint8_t proto, uint16_t port, uint64_t now_s);

/*
 * DNS over TCP of LIMITED sessions (dns_tcp.c): a segment to port 53 from
 * the device, and one from port 53 to it. Same returns as
 * gg_uplink_limited() and gg_downlink_limited(); the uplink may also
 * return GG_DNS_REFUSE, its reason counted: the caller answers with a RST.
 * A segment with data holds at most GG_DNS_TCP_MSGS_MAX queries (glibc
 * sends its A and AAAA queries in one).
 */
#define GG_DNS_REFUSE GG_DROP_MAX
#define GG_DNS_TCP_MSGS_MAX 4
enum gg_drop gg_dns_tcp_uplink(struct gg_worker *w, struct gg_meta *meta,
		struct rte_ipv4_hdr *ip, uint16_t l4_len, uint64_t *now_s);
/* The trusted resolver a query sent to @p asked goes to (uplink_limited.c):
 * @p asked itself when it is one, else one picked by session. */
uint32_t gg_dns_resolver_for(const struct gg_limited *lim, uint32_t sess_id,
		uint32_t asked);
enum gg_drop gg_dns_tcp_downlink(struct gg_worker *w, struct gg_meta *meta,
		struct rte_ipv4_hdr *ip, uint16_t l4_len, uint64_t *now_s);

/*
 * Packets too big for the next link (too_big.c, downlink_fragment.c,
 * tcp_mss.c, uplink_reassemble.c; doc/gtpu.rst "MTU").
 */
/* MSS clamping: a TCP SYN in the @p tlen octets at @p ip? A load and a
 * test for any other protocol, the cost every forwarded packet pays; for
 * TCP the flags octet is read only when the packet holds it (a T-PDU cut
 * short after its IPv4 header must not be read past: the fuzzer found
 * it). gg_tcp_mss_clamp() does the rest off the fast path. */
static __rte_always_inline int
gg_tcp_is_syn(const struct rte_ipv4_hdr *ip, uint16_t tlen)
{
	unsigned int flags_off = (ip->version_ihl & 0xf) * 4 + 13;

	return ip->next_proto_id == IPPROTO_TCP && flags_off < tlen &&
		(((const uint8_t *)ip)[flags_off] & 0x02);
}
/* Lower the MSS of the SYN at @p ip (@p tlen octets) to the mtu policy's,
 * counted; nothing when clamping is off or the segment is not one. */
void gg_tcp_mss_clamp(struct gg_worker *w, struct rte_ipv4_hdr *ip,
		uint16_t tlen);
/* The pure part (unit-tested): 1 when the MSS option of the SYN in the
 * IPv4 packet @p ip of @p tlen octets was lowered to @p mss (TCP checksum
 * patched), 0 when nothing was to be done, -1 when the segment is
 * malformed (left alone). */
int gg_mss_clamp_packet(uint8_t *ip, uint16_t tlen, uint16_t mss);

/* Make the IPv4 packet at @p ip (@p tlen octets, @p room writable from
 * @p ip) an ICMP Fragmentation Needed (RFC 792, RFC 1191) to its source,
 * from @p src, with next-hop MTU @p mtu. Returns its length, or 0 when
 * that packet must get no ICMP error (RFC 1812 4.3.2.7: an ICMP error, a
 * later fragment, a source that is not one host). */
uint16_t gg_icmp_frag_needed(struct rte_ipv4_hdr *ip, uint16_t tlen,
		uint16_t room, uint32_t src, uint16_t mtu);
/* Send the one-segment frame @p m (Ethernet, then IPv4) in IPv4 fragments
 * of at most @p mtu octets, each behind the 14-octet Ethernet header
 * @p l2, on @p port_id; DF is cleared first. Allocates the fragments from
 * the mtu policy's pools. Returns the number sent, counted, and frees
 * @p m; or a negative errno with @p m untouched but for the DF bit. */
int gg_fragment_send(struct gg_worker *w, struct rte_mbuf *m, uint16_t mtu,
		const uint8_t *l2, uint16_t port_id);
/* Downlink packet of session meta->sess too big for the N3 MTU with the
 * outer headers of @p t (downlink_fragment.c): Fragmentation Needed to
 * its sender, or outer fragments. GG_DROP_NONE with meta->action set, or
 * the drop. */
enum gg_drop gg_downlink_too_big(struct gg_worker *w, struct rte_mbuf *m,
		struct gg_meta *meta, const struct gg_encap_tmpl *t);
/* Write the outer headers as gg_encap_to_gnb() does, whatever the MTU
 * (downlink_encap.c; for the fragmentation, which cuts it to size). */
enum gg_drop gg_encap_oversize(struct gg_worker *w, struct rte_mbuf *m,
		const struct gg_session *s, uint16_t l3_off, uint16_t tlen,
		const struct gg_encap_tmpl *t);
/* Uplink T-PDU at @p ip, @p tlen octets, too big for the N6 MTU
 * (too_big.c): Fragmentation Needed tunnelled back to the UE, or
 * fragments to N6 behind @p l2. As gg_downlink_too_big(). */
enum gg_drop gg_uplink_too_big(struct gg_worker *w, struct rte_mbuf *m,
		struct gg_meta *meta, struct rte_ipv4_hdr *ip, uint16_t tlen,
		const uint8_t *l2, const struct gg_encap_tmpl *n3_dst);

/* Outer reassembly on N3 (uplink_reassemble.c). */
struct gg_reasm;
struct gg_reasm *gg_reasm_create(uint32_t flows, uint32_t timeout_ms,
		int socket);
void gg_reasm_free(struct gg_reasm *r);
/* The outer fragment @p m to us, its IPv4 header checked: the whole
 * packet, one segment, once its last fragment came; NULL otherwise, the
 * fragment kept or dropped (counted) and meta->action GG_ACT_HELD, or a
 * drop in meta. */
struct rte_mbuf *gg_uplink_reassemble(struct gg_worker *w, struct rte_mbuf *m,
		struct gg_meta *meta);

/* GTP-U messages built in place of the packet that asked for them. */
int gg_reply_echo(struct gg_worker *w, struct rte_mbuf *m,
		const struct gg_meta *meta);
int gg_reply_error_indication(struct gg_worker *w, struct rte_mbuf *m,
		const struct gg_meta *meta);
int gg_reply_ext_hdr_notification(struct gg_worker *w, struct rte_mbuf *m,
		const struct gg_meta *meta);

/*
 * Send what the stages decided (tx.c). The last stage of each direction
 * (gg_uplink_forward, gg_downlink_encap) buffers what it sends itself, as
 * it decides, and moves the other packets, with their metadata, to the
 * front of the burst: gg_dispatch() then gets only those (none, mostly).
 */
void gg_dispatch(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t n);
void gg_tx_flush(struct gg_worker *w);
void gg_tx_flush_buf(struct gg_worker *w, struct gg_txbuf *b);
void gg_tx_port(struct gg_worker *w, struct rte_mbuf *m, uint16_t port_id);

/* Make room for @p n more packets in @p b: flush it first if needed. Once
 * per burst, so that gg_tx_append() needs no check per packet. */
static inline void
gg_tx_reserve(struct gg_worker *w, struct gg_txbuf *b, uint16_t n)
{
	if (unlikely(b->n > GG_TX_BUF - n))
		gg_tx_flush_buf(w, b);
}

/* The uplink fast paths' martian test: @p dst (network order) against the
 * mask and value its first octet selects in dp->martian; 1 means "maybe a
 * martian", and uplink_forward.c's is_martian() then decides. */
static __rte_always_inline int
gg_martian_suspect(const struct gg_martian *martian, uint32_t dst)
{
	const struct gg_martian *e = &martian[((const uint8_t *)&dst)[0]];

	return (dst & e->mask) == e->val;
}

/* Buffer @p m for sending; gg_tx_reserve() made room for it. */
static inline void
gg_tx_append(struct gg_txbuf *b, struct rte_mbuf *m)
{
	b->pkts[b->n++] = m;
}

/*
 * The packet at @p i, whose fate the last stage did not carry out itself,
 * goes to slot @p k <= i of the burst for gg_dispatch(), metadata and all.
 * Returns k + 1.
 */
static inline uint16_t
gg_dispatch_keep(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t i,
		uint16_t k)
{
	if (k != i) {
		pkts[k] = pkts[i];
		w->meta[k] = w->meta[i];
	}
	return k + 1;
}

/* Token bucket (tx.c). */
void gg_ratelimit_init(struct gg_ratelimit *rl, uint64_t rate);
int gg_ratelimit_allow(struct gg_ratelimit *rl);

static inline void
gg_meta_drop(struct gg_meta *meta, enum gg_drop reason)
{
	meta->action = GG_ACT_DROP;
	meta->drop = reason;
}

/*
 * Decrement the TTL, known to be above 1, of a header we forward and patch
 * its checksum incrementally (RFC 1624: the TTL/protocol word drops by
 * 0x0100).
 */
static inline void
gg_ipv4_ttl_dec_unchecked(struct rte_ipv4_hdr *ip)
{
	uint32_t sum;

	ip->time_to_live--;
	/* RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m') with m - m' = 0x0100,
	 * comes down to HC + 0x0100 modulo 0xffff: unlike RFC 1141's
	 * shortcut it never yields 0xffff where a full recomputation gives
	 * 0x0000. On the checksum as it lies in memory, since one's
	 * complement sums do not depend on byte order. */
	sum = (uint32_t)ip->hdr_checksum + rte_cpu_to_be_16(0x0100);
	if (sum >= 0xffff)
		sum -= 0xffff;
	ip->hdr_checksum = (uint16_t)sum;
}

/* gg_ipv4_ttl_dec_unchecked(), or -1 when the TTL is exhausted (the caller
 * drops); 0 otherwise. */
static inline int
gg_ipv4_ttl_dec(struct rte_ipv4_hdr *ip)
{
	if (unlikely(ip->time_to_live <= 1))
		return -1;
	gg_ipv4_ttl_dec_unchecked(ip);
	return 0;
}

/*
 * gg_ipv4_ttl_dec() for the fast paths, on the one 32-bit word of TTL,
 * protocol and checksum: 1 when the TTL was above 1 and is decremented,
 * its checksum patched (+0x0100 as RFC 1624 has it, which is +1 on the
 * octet-swapped word as it lies in memory); 0, nothing changed, when the
 * TTL is exhausted or the patch would wrap (checksum 0xfeff or 0xffff in
 * network order), which gg_ipv4_ttl_dec() handles for the slow path.
 * Two compares and one add instead of a byte and a word rewritten apart.
 */
static __rte_always_inline int
gg_ipv4_ttl_dec_word(struct rte_ipv4_hdr *ip)
{
	uint32_t v;

	RTE_BUILD_BUG_ON(RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN);
	memcpy(&v, &ip->time_to_live, sizeof(v));
	if (unlikely((uint8_t)v <= 1 || v >= 0xfffe0000u))
		return 0;
	v += 0x10000u - 1;
	memcpy(&ip->time_to_live, &v, sizeof(v));
	return 1;
}

/*
 * Replace the address at @p field (&ip->src_addr or &ip->dst_addr) by
 * @p to (network order), patching the IPv4 header checksum and, when
 * @p udp is not NULL, the UDP one (which covers the address through the
 * pseudo header) incrementally: RFC 1624 eqn. 3 on 16-bit words as they
 * lie in memory. A UDP checksum of 0 ("none") stays 0; a result of 0 is
 * sent as 0xffff (RFC 768).
 */
static inline void
gg_ipv4_udp_addr_rewrite(struct rte_ipv4_hdr *ip, void *field, uint32_t to,
		struct rte_udp_hdr *udp)
{
	uint32_t from;
	uint16_t ck;
	uint64_t d;

	memcpy(&from, field, sizeof(from));
	d = (uint64_t)(uint16_t)~(from & 0xffff) + (uint16_t)~(from >> 16) +
		(to & 0xffff) + (to >> 16);
	memcpy(field, &to, sizeof(to));
	ck = ip->hdr_checksum;
	ip->hdr_checksum = (uint16_t)~gg_cksum_reduce(gg_cksum_fold64(d +
			(uint16_t)~ck));
	if (udp != NULL && udp->dgram_cksum != 0) {
		ck = (uint16_t)~gg_cksum_reduce(gg_cksum_fold64(d +
				(uint16_t)~udp->dgram_cksum));
		udp->dgram_cksum = ck == 0 ? 0xffff : ck;
	}
}

/*
 * gg_ipv4_udp_addr_rewrite() for a TCP segment: the TCP checksum, which
 * has no "none" value, is patched the same way.
 */
static inline void
gg_ipv4_tcp_addr_rewrite(struct rte_ipv4_hdr *ip, void *field, uint32_t to,
		struct rte_tcp_hdr *tcp)
{
	uint32_t from;
	uint64_t d;

	memcpy(&from, field, sizeof(from));
	d = (uint64_t)(uint16_t)~(from & 0xffff) + (uint16_t)~(from >> 16) +
		(to & 0xffff) + (to >> 16);
	memcpy(field, &to, sizeof(to));
	ip->hdr_checksum = (uint16_t)~gg_cksum_reduce(gg_cksum_fold64(d +
			(uint16_t)~ip->hdr_checksum));
	tcp->cksum = (uint16_t)~gg_cksum_reduce(gg_cksum_fold64(d +
			(uint16_t)~tcp->cksum));
}

/* True when the header checksum of a header of ihl*4 octets is right. */
static inline int
gg_ipv4_cksum_ok(const struct rte_ipv4_hdr *ip, unsigned int hdr_len)
{
	return rte_raw_cksum(ip, hdr_len) == 0xffff;
}

/*
 * gg_ipv4_cksum_ok() for a 20-octet header, without folding: as 2^16 is 1
 * modulo 0xffff, the plain sum s of the five 32-bit words is congruent to
 * the one's complement sum of the ten 16-bit ones, which is 0xffff exactly
 * when s is a non-zero multiple of 0xffff (folding keeps a non-zero sum
 * non-zero and ends in [1, 0xffff]). The remainder by a constant compiles
 * to a multiplication; byte order does not matter (swapping the octets of
 * every word leaves that property unchanged).
 */
static inline int
gg_ipv4_cksum20_ok(const struct rte_ipv4_hdr *ip)
{
	const uint8_t *p = (const uint8_t *)ip;
	uint32_t w0, w1, w2, w3, w4;
	uint64_t s;

	/* Word by word: a memcpy into an array goes through the stack. */
	memcpy(&w0, p, 4);
	memcpy(&w1, p + 4, 4);
	memcpy(&w2, p + 8, 4);
	memcpy(&w3, p + 12, 4);
	memcpy(&w4, p + 16, 4);
	s = (uint64_t)w0 + w1 + w2 + w3 + w4;
	return s != 0 && s % 0xffff == 0;
}

/*
 * Check an IPv4 header of at most @p avail octets: version 4, IHL >= 5,
 * total length within [IHL*4, avail]. Returns the total length or 0.
 */
static inline uint16_t
gg_ipv4_check(const struct rte_ipv4_hdr *ip, uint32_t avail)
{
	uint32_t hlen, tlen;

	if (avail < sizeof(*ip))
		return 0;
	if ((ip->version_ihl >> 4) != 4)
		return 0;
	hlen = (ip->version_ihl & 0xf) * 4u;
	tlen = rte_be_to_cpu_16(ip->total_length);
	if (hlen < sizeof(*ip) || tlen < hlen || tlen > avail)
		return 0;
	return (uint16_t)tlen;
}

/*
 * The uplink fast passes' inner test (uplink_fast.c, the LIMITED pass of
 * uplink_limited.c): the T-PDU at @p ip is IPv4 without options, its
 * total length within [20, the T-PDU (@p mt->inner_len)] and @p n6_mtu,
 * from session @p s's UE address, to no suspect destination. Returns 1
 * with the total length in *@p tlen, or 0 for a packet the stages must
 * look at (a boolean, so that the caller's test folds into these
 * compares: a length returned and tested for 0 cost 3 instructions a
 * packet more).
 */
static __rte_always_inline int
gg_uplink_inner_fast(const struct rte_ipv4_hdr *ip, const struct gg_meta *mt,
		const struct gg_session *s, uint16_t n6_mtu,
		const struct gg_martian *martian, uint16_t *tlen)
{
	uint16_t len = rte_be_to_cpu_16(ip->total_length);
	uint16_t cap = RTE_MIN(mt->inner_len, n6_mtu);

	*tlen = len;
	/* Within [20, cap]: one compare. */
	return ip->version_ihl == 0x45 &&
		(uint16_t)(len - sizeof(*ip)) <= (uint16_t)(cap - sizeof(*ip)) &&
		ip->src_addr == s->ue_ipv4 &&
		!gg_martian_suspect(martian, ip->dst_addr);
}

/*
 * A decapsulated uplink packet to N6, its TTL already checked (> 1):
 * TTL decremented, MSS clamped if a SYN, the outer headers stripped, the
 * Ethernet header (octets 0-7 in @p l2_lo, 6-13 in @p l2_hi) written, the
 * session's counters @p sc added to, buffered for N6 (room reserved).
 * The forward stage's and the LIMITED pass's common end.
 */
static __rte_always_inline void
gg_uplink_to_n6(struct gg_worker *w, struct rte_mbuf *m,
		struct rte_ipv4_hdr *ip, uint16_t inner_off, uint16_t tlen,
		uint64_t l2_lo, uint64_t l2_hi, struct gg_session_counters *sc)
{
	uint8_t *eth;

	gg_ipv4_ttl_dec_unchecked(ip);
	/* MSS clamping costs the others this test. */
	if (unlikely(gg_tcp_is_syn(ip, tlen)))
		gg_tcp_mss_clamp(w, ip, tlen);
	m->data_off += inner_off - RTE_ETHER_HDR_LEN;
	m->data_len = RTE_ETHER_HDR_LEN + tlen;
	m->pkt_len = RTE_ETHER_HDR_LEN + tlen;
	eth = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(eth, &l2_lo, sizeof(l2_lo));
	memcpy(eth + 6, &l2_hi, sizeof(l2_hi));
	gg_ctr_add(&sc->ul_pkts, 1);
	gg_ctr_add(&sc->ul_bytes, tlen);
	gg_tx_append(&w->tx_n6, m);
}

#endif /* PIPELINE_PRIVATE_H */
