/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-segment work: validate the IPv4/TCP headers, decide what the
 * segment is (state machine in gg_http.h), and write the reply over it.
 *
 * Everything read from the incoming segment is copied into a struct seg
 * (or, for the 302, a stack buffer) before the first octet of the reply is
 * written, because the reply starts at the same address and its TCP header
 * lands where the incoming IP options or TCP options were. Nothing is
 * written unless a reply is sent.
 *
 * Costs: the incoming segment is read once for its checksum (and a request
 * once more by the parser); replies are never read back. Their checksums
 * come from the headers as written (constant lengths: straight-line code),
 * the pseudo-header from four numbers, and for the 302 from partial sums
 * of its pieces: the fixed text's are taken once by gg_http_redirect_init(),
 * the URL's right after it is encoded. The two hashes of a request (its
 * cookie, the 302's close tag) share their first SipHash block.
 */

#include <string.h>
#include <netinet/in.h>

#include <rte_common.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "gg_csum.h"
#include "gg_http.h"
#include "http_private.h"

#define IP_HDR_LEN 20
#define TCP_HDR_LEN 20
#define MSS_OPT_LEN 4
#define TCP_OPT_EOL 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2
#define REPLY_TTL 64
#define REPLY_WINDOW 65535
#define FRAG_BITS (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)
#define ECN_MASK 0x03

/* Flags that decide what a segment is; CWR, ECE and URG play no part. */
#define F_FIN RTE_TCP_FIN_FLAG
#define F_SYN RTE_TCP_SYN_FLAG
#define F_RST RTE_TCP_RST_FLAG
#define F_PSH RTE_TCP_PSH_FLAG
#define F_ACK RTE_TCP_ACK_FLAG

/* parse_segment() found nothing wrong. */
#define SEG_OK GG_HTTP_VERDICT_MAX

/* What the reply needs from the segment; addresses and ports as on the wire. */
struct seg {
	uint32_t saddr;
	uint32_t daddr;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	const uint8_t *opt;
	const uint8_t *payload;
	uint16_t opt_len;
	uint16_t plen;
	uint8_t flags;
	uint8_t tos;
};

/*
 * One's complement sum of the TCP pseudo-header (RFC 9293 3.1): the sum
 * does not depend on where a 16-bit word sits, only on its octet order,
 * so the four fields are added as numbers. Symmetric in the addresses.
 */
static inline uint64_t
pseudo_sum(uint32_t saddr, uint32_t daddr, uint16_t tcp_len)
{
	return (uint64_t)saddr + daddr + http_be16(IPPROTO_TCP) +
			http_be16(tcp_len);
}

/*
 * Header checks, cheapest first, then both checksums. Costs one pass over
 * the segment for the TCP checksum; nothing is written.
 */
static __rte_always_inline enum gg_http_verdict
parse_segment(const uint8_t *ip, uint16_t len, uint16_t room, struct seg *s,
		unsigned int flags)
{
	uint32_t ihl, tot, doff, tcp_len, sum;
	const uint8_t *tcp;

	if (unlikely(len < IP_HDR_LEN + TCP_HDR_LEN || room < len))
		return GG_HTTP_MALFORMED;
	ihl = (ip[0] & 0x0fu) * 4u;
	tot = gg_get_be16(ip + 2);
	if (unlikely((ip[0] >> 4) != 4 || ihl < IP_HDR_LEN ||
			tot < ihl + TCP_HDR_LEN || tot > len ||
			ip[9] != IPPROTO_TCP ||
			(gg_get_be16(ip + 6) & FRAG_BITS) != 0))
		return GG_HTTP_MALFORMED;
	tcp = ip + ihl;
	tcp_len = tot - ihl;
	doff = (tcp[12] >> 4) * 4u;
	if (unlikely(doff < TCP_HDR_LEN || doff > tcp_len))
		return GG_HTTP_MALFORMED;

	memcpy(&s->saddr, ip + 12, 4);
	memcpy(&s->daddr, ip + 16, 4);
	/* Without options (nearly always): a constant length, no loop. */
	sum = likely(ihl == IP_HDR_LEN) ? gg_raw_cksum(ip, IP_HDR_LEN, 0) :
			gg_raw_cksum(ip, ihl, 0);
	if (unlikely(gg_cksum_reduce(sum) != 0xffff))
		return GG_HTTP_BAD_CHECKSUM;
	if (!(flags & GG_HTTP_F_TCP_CKSUM_GOOD)) {
		sum = gg_raw_cksum(tcp, tcp_len, pseudo_sum(s->saddr, s->daddr,
				(uint16_t)tcp_len));
		if (unlikely(gg_cksum_reduce(sum) != 0xffff))
			return GG_HTTP_BAD_CHECKSUM;
	}

	memcpy(&s->sport, tcp, 2);
	memcpy(&s->dport, tcp + 2, 2);
	s->seq = gg_get_be32(tcp + 4);
	s->ack = gg_get_be32(tcp + 8);
	s->flags = tcp[13] & (F_FIN | F_SYN | F_RST | F_PSH | F_ACK);
	s->tos = ip[1];
	s->opt = tcp + TCP_HDR_LEN;
	s->opt_len = (uint16_t)(doff - TCP_HDR_LEN);
	s->payload = tcp + doff;
	s->plen = (uint16_t)(tcp_len - doff);
	return SEG_OK;
}

/*
 * The MSS option of a SYN: 1 and *mss when present (the first one wins),
 * 0 when absent, -1 when the option list is malformed (a length below 2 or
 * past the header, an MSS option not 4 octets long). Other options are
 * stepped over: we offer none of them, so they are simply not agreed.
 */
static int
syn_mss(const uint8_t *o, uint16_t n, uint16_t *mss)
{
	uint16_t i = 0;
	int found = 0;

	while (i < n) {
		uint8_t kind = o[i];
		uint8_t l;

		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (n - i < 2)
			return -1;
		l = o[i + 1];
		if (l < 2 || l > n - i)
			return -1;
		if (kind == TCP_OPT_MSS) {
			if (l != MSS_OPT_LEN)
				return -1;
			if (!found) {
				*mss = gg_get_be16(o + i + 2);
				found = 1;
			}
		}
		i += l;
	}
	return found;
}

/*
 * Write the reply over the segment: a 20-octet IPv4 header, the TCP header
 * (with an MSS option when mss_opt is not 0) and the payload, whose partial
 * checksum the caller gives. Returns the reply's length. The caller checked
 * room. Inlined at each call so that the header lengths are constants.
 */
static __rte_always_inline uint16_t
write_reply(uint8_t *ip, const struct seg *s, uint32_t seq, uint32_t ack,
		uint8_t flags, uint16_t window, uint16_t mss_opt,
		const char *payload, uint16_t plen, uint32_t payload_sum)
{
	uint8_t *tcp = ip + IP_HDR_LEN;
	uint16_t thl = TCP_HDR_LEN + (mss_opt != 0 ? MSS_OPT_LEN : 0);
	uint16_t tcp_len = thl + plen;
	uint16_t tot = IP_HDR_LEN + tcp_len;
	uint8_t tos = (uint8_t)(s->tos & ~ECN_MASK); /* keep DSCP; no ECN */
	uint16_t csum;
	uint64_t hsum;
	uint32_t sum;

	/*
	 * Both checksums are summed from the values as they are written
	 * (16- and 32-bit words in wire order, added as numbers), not read
	 * back: a wide load of a header just stored field by field cannot
	 * be forwarded from those stores and waits for them to reach the
	 * cache, a stall on every reply.
	 */
	ip[0] = 0x45;
	ip[1] = tos;
	gg_put_be16(ip + 2, tot);
	gg_put_be16(ip + 4, 0);
	gg_put_be16(ip + 6, RTE_IPV4_HDR_DF_FLAG);
	ip[8] = REPLY_TTL;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &s->daddr, 4);
	memcpy(ip + 16, &s->saddr, 4);
	hsum = (uint64_t)http_be16(0x4500 | tos) + http_be16(tot) +
			http_be16(RTE_IPV4_HDR_DF_FLAG) +
			http_be16(REPLY_TTL << 8 | IPPROTO_TCP) +
			s->daddr + s->saddr;
	csum = (uint16_t)~gg_cksum_reduce(gg_cksum_fold64(hsum));
	memcpy(ip + 10, &csum, 2);

	memcpy(tcp, &s->dport, 2);
	memcpy(tcp + 2, &s->sport, 2);
	gg_put_be32(tcp + 4, seq);
	gg_put_be32(tcp + 8, ack);
	tcp[12] = (uint8_t)((thl / 4) << 4);
	tcp[13] = flags;
	gg_put_be16(tcp + 14, window);
	memset(tcp + 16, 0, 4); /* checksum, urgent pointer */
	if (mss_opt != 0) {
		tcp[20] = TCP_OPT_MSS;
		tcp[21] = MSS_OPT_LEN;
		gg_put_be16(tcp + 22, mss_opt);
	}
	if (plen != 0)
		memcpy(tcp + thl, payload, plen);
	hsum = (uint64_t)s->dport + s->sport + http_be32(seq) + http_be32(ack) +
			http_be16((uint16_t)((thl / 4) << 12 | flags)) +
			http_be16(window) +
			(mss_opt != 0 ? http_be16(TCP_OPT_MSS << 8 | MSS_OPT_LEN) +
			 http_be16(mss_opt) : 0);
	sum = gg_cksum_fold64(hsum + payload_sum +
			pseudo_sum(s->daddr, s->saddr, tcp_len));
	csum = (uint16_t)~gg_cksum_reduce(sum);
	memcpy(tcp + 16, &csum, 2);
	return tot;
}

/* RFC 9293 3.10.7.1: the RST a closed port sends in answer to s. */
static enum gg_http_verdict
reply_rst(uint8_t *ip, uint16_t *len, const struct seg *s,
		enum gg_http_verdict v)
{
	uint32_t seg_len;

	if (s->flags & F_ACK) {
		*len = write_reply(ip, s, s->ack, 0, F_RST, 0, 0, NULL, 0, 0);
	} else {
		seg_len = s->plen + !!(s->flags & F_SYN) + !!(s->flags & F_FIN);
		*len = write_reply(ip, s, 0, s->seq + seg_len, F_RST | F_ACK,
				0, 0, NULL, 0, 0);
	}
	return v;
}

static enum gg_http_verdict
handle_syn(const struct gg_http_redirect *cfg, uint8_t *ip, uint16_t *len,
		uint16_t room, uint64_t now_s, const struct seg *s)
{
	uint16_t mss = GG_HTTP_DEFAULT_MSS;
	struct http_conn conn;
	uint32_t cookie;
	int r;

	r = syn_mss(s->opt, s->opt_len, &mss);
	if (unlikely(r < 0))
		return GG_HTTP_MALFORMED;
	if (mss == 0) /* nonsense; read as no option, like Linux */
		mss = GG_HTTP_DEFAULT_MSS;
	mss = RTE_MIN(mss, cfg->mss);
	if (unlikely(room < IP_HDR_LEN + TCP_HDR_LEN + MSS_OPT_LEN))
		return reply_rst(ip, len, s, GG_HTTP_RST_TOO_BIG);

	http_conn_init(cfg, s->saddr, s->daddr, s->sport, s->dport, &conn);
	cookie = http_cookie_make(&conn, s->seq, mss, now_s);
	*len = write_reply(ip, s, cookie, s->seq + 1, F_SYN | F_ACK,
			REPLY_WINDOW, mss, NULL, 0, 0);
	return GG_HTTP_SYNACK;
}

/* Dotted-quad text of a network-order address; returns its length (7-15). */
static size_t
ipv4_text(uint32_t addr, uint8_t *out)
{
	const uint8_t *b = (const uint8_t *)&addr;
	size_t o = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned int v = b[i];

		if (i > 0)
			out[o++] = '.';
		if (v >= 100)
			out[o++] = (uint8_t)('0' + v / 100);
		if (v >= 10)
			out[o++] = (uint8_t)('0' + v / 10 % 10);
		out[o++] = (uint8_t)('0' + v % 10);
	}
	return o;
}

/* Partial checksum of n spaces, summed on their own. */
static inline uint32_t
spaces_sum(size_t n)
{
	/* Pairs are 0x2020 either way round; a lone one is a first half. */
	uint32_t sum = (uint32_t)(n / 2) * 0x2020u;

	if (n & 1)
		sum += RTE_BYTE_ORDER == RTE_BIG_ENDIAN ? 0x2000u : 0x20u;
	return sum;
}

/*
 * Build the 302 for the request in s into body; returns its length, 0
 * when it does not fit avail, and its partial checksum in *sum. The
 * padding makes the client's closing ACK carry the close tag (see
 * gg_http.h).
 */
static size_t
build_302(const struct gg_http_redirect *cfg, const struct seg *s,
		const struct http_conn *conn, const struct gg_http_request *req,
		enum gg_http_req_status st, uint32_t client_next, size_t avail,
		char *body, uint32_t *sum)
{
	static const uint8_t slash = '/';
	const size_t pre = GG_HTTP_REPLY_HEAD_LEN + cfg->prefix_len;
	const size_t post = (size_t)cfg->suffix_len + GG_HTTP_REPLY_MID_LEN;
	const size_t fixed = pre + post + HTTP_REPLY_TAIL_LEN;
	const uint8_t *host = NULL, *target = NULL;
	size_t host_len = 0, target_len = 0, o, pad, url;
	int host_plain = 0;
	struct gg_cksum_pieces ck = { { cfg->pre_sum, 0 } };
	uint8_t addr_text[16];
	uint32_t tag;

	if (avail < fixed + GG_HTTP_PAD_MAX)
		return 0;
	if (st == GG_HTTP_REQ_COMPLETE) {
		target = req->target;
		target_len = req->target_len;
		if (!req->absolute) {
			if (req->host != NULL) {
				host = req->host;
				host_len = req->host_len;
				host_plain = req->host_plain;
			} else {
				host = addr_text;
				host_len = ipv4_text(s->daddr, addr_text);
				host_plain = 1; /* digits and dots */
			}
			/* authority-form and "*": the site's root is the best guess */
			if (target[0] != '/') {
				target = &slash;
				target_len = 1;
			}
		}
	}
	http_copy_short(body, cfg->text, pre);
	o = pre;
	/* A URL that does not fit is left out: {url} expands empty. */
	url = cfg->has_url ? http_url_encode(host, host_len, host_plain,
			target, target_len, body + o,
			avail - fixed - GG_HTTP_PAD_MAX) : 0;
	if (url != 0) {
		gg_cksum_pieces_add(&ck, gg_raw_cksum(body + o, url, 0), o);
		o += url;
	}
	http_copy_short(body + o, cfg->text + pre, post);
	gg_cksum_pieces_add(&ck, cfg->post_sum, o);
	o += post;

	/* Our data starts at s->ack; the client's FIN will ack end + FIN. */
	tag = http_close_tag(conn, client_next);
	pad = (tag - (s->ack + (uint32_t)(o + HTTP_REPLY_TAIL_LEN) + 1)) &
			HTTP_TAG_MASK;
	/* Sixteen spaces whatever pad is: the tail, written next, covers
	 * the rest (it is longer than that, and fixed counted it). */
	RTE_BUILD_BUG_ON(HTTP_REPLY_TAIL_LEN < GG_HTTP_PAD_MAX + 1);
	memset(body + o, ' ', GG_HTTP_PAD_MAX + 1);
	gg_cksum_pieces_add(&ck, spaces_sum(pad), o);
	o += pad;
	memcpy(body + o, HTTP_REPLY_TAIL, HTTP_REPLY_TAIL_LEN);
	gg_cksum_pieces_add(&ck, cfg->tail_sum, o);
	*sum = gg_cksum_pieces_sum(&ck);
	return o + HTTP_REPLY_TAIL_LEN;
}

static enum gg_http_verdict
handle_data(const struct gg_http_redirect *cfg, uint8_t *ip, uint16_t *len,
		uint16_t room, uint64_t now_s, const struct seg *s)
{
	char body[GG_HTTP_PAYLOAD_MAX];
	struct gg_http_request req;
	enum gg_http_req_status st;
	struct http_conn conn;
	uint32_t client_next, sum;
	uint16_t mss;
	size_t avail, n;

	http_conn_init(cfg, s->saddr, s->daddr, s->sport, s->dport, &conn);
	if (http_cookie_check(&conn, s->seq - 1, s->ack - 1, now_s, &mss) != 0)
		return reply_rst(ip, len, s, GG_HTTP_RST_COOKIE);
	st = gg_http_parse_request(s->payload, s->plen, &req);
	if (st == GG_HTTP_REQ_INVALID)
		return reply_rst(ip, len, s, GG_HTTP_RST_NOT_HTTP);

	/* The client said how much it takes in one segment; so does room. */
	avail = RTE_MIN((size_t)mss, (size_t)room - IP_HDR_LEN - TCP_HDR_LEN);
	client_next = s->seq + s->plen + !!(s->flags & F_FIN);
	n = build_302(cfg, s, &conn, &req, st, client_next, avail, body, &sum);
	if (n == 0)
		return reply_rst(ip, len, s, GG_HTTP_RST_TOO_BIG);
	*len = write_reply(ip, s, s->ack, client_next, F_ACK | F_PSH | F_FIN,
			REPLY_WINDOW, 0, body, (uint16_t)n, sum);
	return GG_HTTP_REDIRECT;
}

/* A FIN with no data: the close after our 302, or something to refuse. */
static enum gg_http_verdict
handle_fin(const struct gg_http_redirect *cfg, uint8_t *ip, uint16_t *len,
		uint64_t now_s, const struct seg *s)
{
	struct http_conn conn;
	uint16_t mss;

	http_conn_init(cfg, s->saddr, s->daddr, s->sport, s->dport, &conn);
	/* Closing right after the handshake: there is nothing to finish. */
	if (http_cookie_check(&conn, s->seq - 1, s->ack - 1, now_s, &mss) == 0)
		return reply_rst(ip, len, s, GG_HTTP_RST_UNEXPECTED);
	if (http_close_tag(&conn, s->seq) != (s->ack & HTTP_TAG_MASK))
		return reply_rst(ip, len, s, GG_HTTP_RST_UNEXPECTED);
	*len = write_reply(ip, s, s->ack, s->seq + 1, F_ACK, REPLY_WINDOW, 0,
			NULL, 0, 0);
	return GG_HTTP_ACK;
}

enum gg_http_verdict
gg_http_handle_flags(const struct gg_http_redirect *cfg, uint8_t *ip,
		uint16_t *len, uint16_t room, uint64_t now_s, unsigned int flags)
{
	enum gg_http_verdict v;
	struct seg s;

	v = parse_segment(ip, *len, room, &s, flags);
	if (unlikely(v != SEG_OK))
		return v;
	if (unlikely(s.flags & F_RST))
		return GG_HTTP_ABSORB_RST;
	now_s += (uint64_t)__atomic_load_n(&cfg->clock_offset_s, __ATOMIC_RELAXED);
	if (s.flags & F_SYN) {
		if (unlikely(s.flags & F_ACK))
			return reply_rst(ip, len, &s, GG_HTTP_RST_UNEXPECTED);
		if (unlikely(s.flags & F_FIN))
			return GG_HTTP_MALFORMED;
		return handle_syn(cfg, ip, len, room, now_s, &s);
	}
	if (unlikely(!(s.flags & F_ACK)))
		return GG_HTTP_MALFORMED;
	if (s.plen != 0)
		return handle_data(cfg, ip, len, room, now_s, &s);
	if (s.flags & F_FIN)
		return handle_fin(cfg, ip, len, now_s, &s);
	return GG_HTTP_ABSORB_ACK;
}

enum gg_http_verdict
gg_http_handle(const struct gg_http_redirect *cfg, uint8_t *ip, uint16_t *len,
		uint16_t room, uint64_t now_s)
{
	return gg_http_handle_flags(cfg, ip, len, room, now_s, 0);
}

enum gg_http_verdict
gg_tcp_rst_flags(uint8_t *ip, uint16_t *len, uint16_t room, unsigned int flags)
{
	enum gg_http_verdict v;
	struct seg s;

	v = parse_segment(ip, *len, room, &s, flags);
	if (unlikely(v != SEG_OK))
		return v;
	if (s.flags & F_RST)
		return GG_HTTP_ABSORB_RST;
	return reply_rst(ip, len, &s, GG_HTTP_RST_REFUSED);
}

enum gg_http_verdict
gg_tcp_rst(uint8_t *ip, uint16_t *len, uint16_t room)
{
	return gg_tcp_rst_flags(ip, len, room, 0);
}

const char *
gg_http_verdict_name(enum gg_http_verdict v)
{
	static const char *const names[GG_HTTP_VERDICT_MAX] = {
		[GG_HTTP_SYNACK] = "synack",
		[GG_HTTP_REDIRECT] = "redirect",
		[GG_HTTP_ACK] = "ack",
		[GG_HTTP_RST_COOKIE] = "rst_cookie",
		[GG_HTTP_RST_NOT_HTTP] = "rst_not_http",
		[GG_HTTP_RST_TOO_BIG] = "rst_too_big",
		[GG_HTTP_RST_UNEXPECTED] = "rst_unexpected",
		[GG_HTTP_RST_REFUSED] = "rst_refused",
		[GG_HTTP_ABSORB_ACK] = "absorb_ack",
		[GG_HTTP_ABSORB_RST] = "absorb_rst",
		[GG_HTTP_BAD_CHECKSUM] = "bad_checksum",
		[GG_HTTP_MALFORMED] = "malformed",
	};

	if ((unsigned int)v >= GG_HTTP_VERDICT_MAX)
		return "unknown";
	return names[v];
}

_Static_assert(GG_HTTP_TEMPLATE_MAX + GG_HTTP_REPLY_FIXED_LEN +
		GG_HTTP_PAD_MAX <= GG_HTTP_DEFAULT_MSS,
		"the reply without {url} must fit the smallest MSS");
