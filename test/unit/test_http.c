/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit tests for lib/http: SipHash vectors, SYN cookies, the request
 * recogniser, Location expansion, every branch of the segment state
 * machine with the replies checked field by field (checksums recomputed
 * here, independently of DPDK's helpers), malformed input, header
 * injection, a fixed-seed mutation loop, a rough cost print, and a pcap
 * of a whole exchange read back by tshark.
 *
 * Every call works on a heap block whose octets between the packet's end
 * and room are left uninitialised (valgrind flags any decision taken on
 * them) and which is followed by a guard region checked after each call.
 * Exits non-zero when any assertion failed.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include <rte_byteorder.h>

#include "gg_csum.h"
#include "gg_http.h"
#include "test_cunit.h"

#define ROOM 2048
#define GUARD 64
#define GUARD_BYTE 0xa5
#define NOW 1000000ULL /* start of slot 15625 */
#define FUZZ_ITERATIONS 200000
#define FUZZ_SEED 0x9e3779b97f4a7c15ULL

#define TMPL "http://portal.example/signup?orig={url}"
#define PORTAL "http://portal.example/signup?orig="
#define CFG_MSS 1400

/* 10.45.0.7:40000 -> 93.184.216.34:80, in wire order. */
static const uint8_t UE[4] = { 10, 45, 0, 7 };
static const uint8_t WEB[4] = { 93, 184, 216, 34 };
#define UE_PORT 40000
#define WEB_PORT 80
#define ISN 0x11223344u

static const uint8_t secret[GG_HTTP_SECRET_LEN] = {
	0x3c, 0x1f, 0x92, 0x07, 0xaa, 0x45, 0x6e, 0xd1,
	0x08, 0x77, 0xb4, 0x2d, 0x90, 0xe3, 0x5a, 0x61,
};

static struct gg_http_redirect cfg;

static const char reply_tail[] =
	"\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

/* ------------------------------------------------------------ helpers */

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			(uint32_t)p[2] << 8 | p[3];
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
addr32(const uint8_t a[4])
{
	uint32_t v;

	memcpy(&v, a, 4);
	return v;
}

static uint16_t
port16(uint16_t host_order)
{
	uint8_t b[2] = { (uint8_t)(host_order >> 8), (uint8_t)host_order };
	uint16_t v;

	memcpy(&v, b, 2);
	return v;
}

/* RFC 1071 sum of big-endian words, folded; written here on purpose. */
static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static uint32_t
tcp_pseudo(const uint8_t *ip, uint16_t tcp_len)
{
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	put16(ph + 10, tcp_len);
	return sum16(ph, sizeof(ph), 0);
}

static int
ip_csum_ok(const uint8_t *ip)
{
	return sum16(ip, (ip[0] & 0xf) * 4u, 0) == 0xffff;
}

static int
tcp_csum_ok(const uint8_t *ip)
{
	unsigned int ihl = (ip[0] & 0xf) * 4u;
	uint16_t tlen = (uint16_t)(be16(ip + 2) - ihl);

	return sum16(ip + ihl, tlen, tcp_pseudo(ip, tlen)) == 0xffff;
}

/* Recompute both checksums of a packet whose lengths are sane. */
static void
fix_csums(uint8_t *ip, size_t avail)
{
	unsigned int ihl = (ip[0] & 0xf) * 4u;
	unsigned int tot = be16(ip + 2);

	if (avail < 20 || ihl < 20 || ihl > avail)
		return;
	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~sum16(ip, ihl, 0));
	if (tot < ihl + 20 || tot > avail)
		return;
	put16(ip + ihl + 16, 0);
	put16(ip + ihl + 16, (uint16_t)~sum16(ip + ihl, tot - ihl,
			tcp_pseudo(ip, (uint16_t)(tot - ihl))));
}

/* A segment to build. Defaults: UE -> WEB, port 80, tos 0. */
struct spec {
	const uint8_t *src;
	const uint8_t *dst;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint8_t tos;
	const uint8_t *opt;
	size_t opt_len;     /* multiple of 4 */
	const uint8_t *ipopt;
	size_t ipopt_len;   /* multiple of 4 */
	const void *payload;
	size_t plen;
};

static void
spec_init(struct spec *s, uint8_t flags, uint32_t seq, uint32_t ack)
{
	memset(s, 0, sizeof(*s));
	s->src = UE;
	s->dst = WEB;
	s->sport = UE_PORT;
	s->dport = WEB_PORT;
	s->seq = seq;
	s->ack = ack;
	s->flags = flags;
}

static size_t
build(uint8_t *b, const struct spec *s)
{
	size_t ihl = 20 + s->ipopt_len;
	uint8_t *t = b + ihl;
	size_t doff = 20 + s->opt_len;
	size_t tot = ihl + doff + s->plen;

	memset(b, 0, tot);
	b[0] = (uint8_t)(0x40 | ihl / 4);
	b[1] = s->tos;
	put16(b + 2, (uint16_t)tot);
	put16(b + 4, 0x1234);
	put16(b + 6, 0x4000);
	b[8] = 63;
	b[9] = 6;
	memcpy(b + 12, s->src, 4);
	memcpy(b + 16, s->dst, 4);
	if (s->ipopt_len)
		memcpy(b + 20, s->ipopt, s->ipopt_len);
	put16(t, s->sport);
	put16(t + 2, s->dport);
	put32(t + 4, s->seq);
	put32(t + 8, s->ack);
	t[12] = (uint8_t)(doff / 4 << 4);
	t[13] = s->flags;
	put16(t + 14, 64240);
	if (s->opt_len)
		memcpy(t + 20, s->opt, s->opt_len);
	if (s->plen)
		memcpy(t + doff, s->payload, s->plen);
	fix_csums(b, tot);
	return tot;
}

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

static unsigned long guard_breaches;

/*
 * Run gg_http_handle() (or gg_tcp_rst() when refuse) on a copy of pkt[0,
 * n) in a block of room octets plus a guard, at an odd address. The reply
 * is copied to out (ROOM octets) and its length to *out_len. Checks the
 * guard, and that verdicts sending nothing left the packet untouched.
 */
static enum gg_http_verdict
run_at(const struct gg_http_redirect *c, const uint8_t *pkt, size_t n,
		uint16_t len_arg, uint16_t room, uint64_t now, int refuse,
		uint8_t *out, uint16_t *out_len)
{
	/* room below n is a caller error under test: keep the packet whole. */
	size_t end = room > n ? room : n;
	uint8_t *mem = malloc(end + GUARD + 1);
	uint8_t *ip = mem + 1;
	enum gg_http_verdict v;
	uint16_t len = len_arg;
	size_t i;

	if (mem == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memcpy(ip, pkt, n);
	memset(ip + end, GUARD_BYTE, GUARD);
	if (refuse)
		v = gg_tcp_rst(ip, &len, room);
	else
		v = gg_http_handle(c, ip, &len, room, now);
	for (i = 0; i < GUARD; i++)
		if (ip[end + i] != GUARD_BYTE)
			break;
	if (i != GUARD)
		guard_breaches++;
	CU_ASSERT_EQUAL(i, GUARD);
	if ((unsigned int)v >= GG_HTTP_VERDICT_MAX) {
		CU_FAIL("verdict out of range");
	} else if (!gg_http_verdict_sends(v)) {
		CU_ASSERT_EQUAL(len, len_arg);
		CU_ASSERT_EQUAL(memcmp(ip, pkt, n), 0);
	} else {
		CU_ASSERT(len <= room);
		CU_ASSERT(len >= 40);
	}
	if (out != NULL) {
		memset(out, 0, ROOM);
		memcpy(out, ip, gg_http_verdict_sends(v) && len <= room ?
				len : n);
	}
	if (out_len != NULL)
		*out_len = len;
	free(mem);
	return v;
}

static enum gg_http_verdict
run(const uint8_t *pkt, size_t n, uint8_t *out, uint16_t *out_len)
{
	return run_at(&cfg, pkt, n, (uint16_t)n, ROOM, NOW, 0, out, out_len);
}

#define ASSERT_VERDICT(got, want) do { \
	enum gg_http_verdict got_ = (got); \
	enum gg_http_verdict want_ = (want); \
	if (got_ != want_) \
		printf("\n    line %d: got %s, want %s\n", __LINE__, \
			gg_http_verdict_name(got_), \
			gg_http_verdict_name(want_)); \
	CU_ASSERT_EQUAL(got_, want_); \
} while (0)

/* What every reply must be: IPv4/TCP back from WEB to UE, both checksums. */
static void
check_reply(const uint8_t *r, uint16_t len, uint8_t flags, uint32_t seq,
		uint32_t ack)
{
	CU_ASSERT_EQUAL(r[0], 0x45);
	CU_ASSERT_EQUAL(be16(r + 2), len);
	CU_ASSERT_EQUAL(be16(r + 4), 0);
	CU_ASSERT_EQUAL(be16(r + 6), 0x4000);
	CU_ASSERT_EQUAL(r[8], 64);
	CU_ASSERT_EQUAL(r[9], 6);
	CU_ASSERT_EQUAL(memcmp(r + 12, WEB, 4), 0);
	CU_ASSERT_EQUAL(memcmp(r + 16, UE, 4), 0);
	CU_ASSERT(ip_csum_ok(r));
	CU_ASSERT_EQUAL(be16(r + 20), WEB_PORT);
	CU_ASSERT_EQUAL(be16(r + 22), UE_PORT);
	CU_ASSERT_EQUAL(be32(r + 24), seq);
	CU_ASSERT_EQUAL(be32(r + 28), ack);
	CU_ASSERT_EQUAL(r[33], flags);
	CU_ASSERT_EQUAL(be16(r + 38), 0); /* urgent pointer */
	CU_ASSERT(tcp_csum_ok(r));
}

static uint32_t
cookie_for(uint32_t isn, uint16_t mss)
{
	return gg_syncookie_make(&cfg, addr32(UE), addr32(WEB),
			port16(UE_PORT), port16(WEB_PORT), isn, mss, NOW);
}

/* A data segment continuing a handshake made at NOW with ISN. */
static size_t
build_data(uint8_t *b, const char *payload, size_t plen, uint8_t extra)
{
	struct spec s;

	spec_init(&s, F_ACK | F_PSH | extra, ISN + 1, cookie_for(ISN, 1400) + 1);
	s.payload = payload;
	s.plen = plen;
	return build(b, &s);
}

/* Checks a 302 payload exactly; pad spaces are the only free part. */
static void
check_302(const uint8_t *p, size_t n, const char *location)
{
	char want[GG_HTTP_PAYLOAD_MAX + 64];
	size_t head, pad;

	head = (size_t)snprintf(want, sizeof(want),
			"HTTP/1.1 302 Found\r\nLocation: %s\r\n"
			"Cache-Control: no-store", location);
	CU_ASSERT_FATAL(n >= head + sizeof(reply_tail) - 1);
	pad = n - head - (sizeof(reply_tail) - 1);
	CU_ASSERT(pad <= GG_HTTP_PAD_MAX);
	if (memcmp(p, want, head) != 0)
		printf("\n    got: %.*s\n    want: %s\n", (int)n, p, want);
	CU_ASSERT_EQUAL(memcmp(p, want, head), 0);
	for (size_t i = 0; i < pad && i < n - head; i++)
		CU_ASSERT_EQUAL(p[head + i], ' ');
	CU_ASSERT_EQUAL(memcmp(p + head + pad, reply_tail,
			sizeof(reply_tail) - 1), 0);
}

/* ------------------------------------------------------------ SipHash */

static void
test_siphash_vectors(void)
{
	/* Reference vectors: key 00..0f, message 00..len-1. */
	static const struct {
		size_t len;
		uint64_t h;
	} vec[] = {
		{ 0, 0x726fdb47dd0e0e31ULL }, { 1, 0x74f839c593dc67fdULL },
		{ 7, 0xab0200f58b01d137ULL }, { 8, 0x93f5f5799a932462ULL },
		{ 15, 0xa129ca6149be45e5ULL }, { 16, 0x3f2acc7f57c29bdbULL },
		{ 63, 0x958a324ceb064572ULL },
	};
	uint8_t key[16], msg[64];
	unsigned int i;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		uint64_t h = gg_siphash24(key, msg, vec[i].len);

		if (h != vec[i].h)
			printf("\n    len %zu: %016llx\n", vec[i].len,
					(unsigned long long)h);
		CU_ASSERT_EQUAL(h, vec[i].h);
	}
}

/* ------------------------------------------------------------- config */

static void
test_init(void)
{
	struct gg_http_redirect c, before;
	char big[GG_HTTP_TEMPLATE_MAX + 16];

	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 1400,
			"http://portal.example/"), 0);
	CU_ASSERT_EQUAL(c.has_url, 0);
	CU_ASSERT_EQUAL(c.prefix_len, 22);
	CU_ASSERT_EQUAL(c.suffix_len, 0);
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 536,
			"HTTPS://p{url}"), 0);
	CU_ASSERT_EQUAL(c.has_url, 1);
	CU_ASSERT_EQUAL(c.prefix_len, 9);
	CU_ASSERT_EQUAL(c.suffix_len, 0);
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 9000,
			"https://p.example/a?u={url}&b=%41#f"), 0);
	CU_ASSERT_EQUAL(c.prefix_len, 22);
	CU_ASSERT_EQUAL(c.suffix_len, 8);
	CU_ASSERT_EQUAL(memcmp(c.text + GG_HTTP_REPLY_HEAD_LEN,
			"https://p.example/a?u=&b=%41#f", 30), 0);

	memset(&before, 0x77, sizeof(before));
	c = before;
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 1400, ""), -EINVAL);
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 1400, NULL), -EINVAL);
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, NULL, 1400, TMPL), -EINVAL);
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 535, TMPL), -EINVAL);
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 9001, TMPL), -EINVAL);
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 1400,
			"http://p/{url}{url}"), -EINVAL);
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 1400,
			"http://p/\r\nSet-Cookie: a"), -EINVAL);
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 1400,
			"http://p/a b"), -EINVAL);
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 1400,
			"http://p/\"x\""), -EINVAL);
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 1400,
			"http://p/{uri}"), -EINVAL);
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 1400,
			"http://p/\x80"), -EINVAL);
	/* Relative or scheme-only: the browser would come straight back. */
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 1400, "{url}"),
			-EINVAL);
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 1400,
			"/signup?u={url}"), -EINVAL);
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 1400,
			"http://{url}"), -EINVAL);
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 1400,
			"ftp://p/{url}"), -EINVAL);
	CU_ASSERT_EQUAL(memcmp(&c, &before, sizeof(c)), 0);

	/* Longest template, with and without the placeholder, and one more. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "http://", 7);
	big[GG_HTTP_TEMPLATE_MAX] = '\0';
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 1400, big), 0);
	c = before;
	big[GG_HTTP_TEMPLATE_MAX] = 'a';
	big[GG_HTTP_TEMPLATE_MAX + 1] = '\0';
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 1400, big), -EINVAL);
	CU_ASSERT_EQUAL(memcmp(&c, &before, sizeof(c)), 0);
	memset(big, 'a', sizeof(big));
	memcpy(big, "http://", 7);
	memcpy(big + 10, "{url}", 5);
	big[GG_HTTP_TEMPLATE_MAX + 5] = '\0';
	CU_ASSERT_EQUAL(gg_http_redirect_init(&c, secret, 1400, big), 0);
	CU_ASSERT_EQUAL(c.prefix_len + c.suffix_len, GG_HTTP_TEMPLATE_MAX);
}

/* ------------------------------------------------------------ cookies */

static void
test_cookie(void)
{
	static const uint16_t table[] = {
		536, 1220, 1300, 1360, 1380, 1400, 1440, 1460,
	};
	const uint32_t sa = addr32(UE), da = addr32(WEB);
	const uint16_t sp = port16(UE_PORT), dp = port16(WEB_PORT);
	struct gg_http_redirect other;
	uint32_t c;
	uint16_t mss = 0;
	unsigned int b;

	c = gg_syncookie_make(&cfg, sa, da, sp, dp, ISN, 1400, NOW);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN, c, NOW,
			&mss), 0);
	CU_ASSERT_EQUAL(mss, 1400);
	CU_ASSERT_EQUAL(c, gg_syncookie_make(&cfg, sa, da, sp, dp, ISN, 1400,
			NOW + 63));

	/* Every field of the tuple and the ISN counts. */
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa ^ 0x01000000, da, sp, dp,
			ISN, c, NOW, &mss), -1);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da ^ 1, sp, dp, ISN, c,
			NOW, &mss), -1);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, da, sa, sp, dp, ISN, c,
			NOW, &mss), -1);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp ^ 0x0100, dp, ISN,
			c, NOW, &mss), -1);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, port16(81), ISN,
			c, NOW, &mss), -1);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, dp, sp, ISN, c, NOW,
			&mss), -1);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN + 1, c,
			NOW, &mss), -1);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN - 1, c,
			NOW, &mss), -1);
	/* Any bit of the cookie, including the slot parity and the MSS bits. */
	for (b = 0; b < 32; b++)
		CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN,
				c ^ (1u << b), NOW, &mss), -1);

	/* Current and next slot pass; two slots later or earlier do not. */
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN, c,
			NOW + 63, &mss), 0);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN, c,
			NOW + 64, &mss), 0);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN, c,
			NOW + 127, &mss), 0);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN, c,
			NOW + 128, &mss), -1);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN, c,
			NOW + 256, &mss), -1);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN, c,
			NOW - 1, &mss), -1);

	/* Another secret. */
	other = cfg;
	other.key[1] ^= 1;
	CU_ASSERT_EQUAL(gg_syncookie_check(&other, sa, da, sp, dp, ISN, c,
			NOW, &mss), -1);

	/* MSS: the table values survive, others round down, 536 at least. */
	for (b = 0; b < sizeof(table) / sizeof(table[0]); b++) {
		c = gg_syncookie_make(&cfg, sa, da, sp, dp, ISN, table[b], NOW);
		mss = 0;
		CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN,
				c, NOW + 70, &mss), 0);
		CU_ASSERT_EQUAL(mss, table[b]);
		CU_ASSERT_EQUAL((c >> 28) & 7, b);
	}
	c = gg_syncookie_make(&cfg, sa, da, sp, dp, ISN, 1459, NOW);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN, c, NOW,
			&mss), 0);
	CU_ASSERT_EQUAL(mss, 1440);
	c = gg_syncookie_make(&cfg, sa, da, sp, dp, ISN, 1219, NOW);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN, c, NOW,
			&mss), 0);
	CU_ASSERT_EQUAL(mss, 536);
	c = gg_syncookie_make(&cfg, sa, da, sp, dp, ISN, 100, NOW);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN, c, NOW,
			&mss), 0);
	CU_ASSERT_EQUAL(mss, 536);
	c = gg_syncookie_make(&cfg, sa, da, sp, dp, ISN, 9000, NOW);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN, c, NOW,
			&mss), 0);
	CU_ASSERT_EQUAL(mss, 1460);

	/* Around time zero the previous slot wraps; nothing breaks. */
	c = gg_syncookie_make(&cfg, sa, da, sp, dp, ISN, 1400, 0);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN, c, 0,
			&mss), 0);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN, c, 64,
			&mss), 0);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, sa, da, sp, dp, ISN,
			c ^ 0x80000000u, 0, &mss), -1);
}

/*
 * A known cookie, and the octets it is the hash of: pins the layout that
 * appliances sharing a secret must agree on, and that test/perf/
 * perf_inputs.py computes in Python (its COOKIE_KAT holds the same value).
 */
static void
test_cookie_known_answer(void)
{
	const uint32_t want = 0xdcfd33c3u;
	static const uint8_t m[22] = {
		10, 45, 0, 7, 93, 184, 216, 34,  /* addresses as on the wire */
		0x9c, 0x40, 0x00, 0x50,          /* ports 40000, 80 */
		0x11, 0x22, 0x33, 0x44,          /* ISN, big endian */
		0, 0, 0x3d, 0x09,                /* slot 1000000 / 64 = 15625 */
		5, 0x43,                         /* MSS index (1400), domain 'C' */
	};
	uint32_t c, h;
	uint16_t mss = 0;

	c = gg_syncookie_make(&cfg, addr32(UE), addr32(WEB), port16(UE_PORT),
			port16(WEB_PORT), ISN, 1400, NOW);
	if (c != want)
		printf("\n    cookie %08x, expected %08x\n", c, want);
	CU_ASSERT_EQUAL(c, want);
	h = (uint32_t)gg_siphash24(secret, m, sizeof(m));
	CU_ASSERT_EQUAL(c, (1u << 31) | (5u << 28) | (h & 0x0fffffffu));
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, addr32(UE), addr32(WEB),
			port16(UE_PORT), port16(WEB_PORT), ISN, want, NOW + 64,
			&mss), 0);
	CU_ASSERT_EQUAL(mss, 1400);
}

/*
 * gg_http_redirect_set_clock(): the slots follow now_s plus the offset, in
 * the SYN-ACK and in the check of the request; without it, the same
 * request at the same now_s is a stale cookie.
 */
static void
test_clock_offset(void)
{
	const int64_t off = 1700000000 - (int64_t)NOW; /* Unix time 1.7e9 */
	struct gg_http_redirect c = cfg;
	uint8_t pkt[ROOM], out[ROOM];
	struct spec s;
	uint32_t cookie;
	uint16_t len;
	size_t n;

	gg_http_redirect_set_clock(&c, off);
	spec_init(&s, F_SYN, ISN, 0);
	n = build(pkt, &s);
	ASSERT_VERDICT(run_at(&c, pkt, n, (uint16_t)n, ROOM, NOW, 0, out,
			&len), GG_HTTP_SYNACK);
	cookie = be32(out + 24);
	CU_ASSERT_EQUAL(cookie, gg_syncookie_make(&cfg, addr32(UE),
			addr32(WEB), port16(UE_PORT), port16(WEB_PORT), ISN,
			536, NOW + (uint64_t)off));

	spec_init(&s, F_ACK | F_PSH, ISN + 1, cookie + 1);
	s.payload = "GET / HTTP/1.1\r\n\r\n";
	s.plen = 18;
	n = build(pkt, &s);
	ASSERT_VERDICT(run_at(&c, pkt, n, (uint16_t)n, ROOM, NOW + 100, 0,
			out, &len), GG_HTTP_REDIRECT);
	ASSERT_VERDICT(run_at(&cfg, pkt, n, (uint16_t)n, ROOM, NOW + 100, 0,
			out, &len), GG_HTTP_RST_COOKIE);
	/* A negative offset works the same way. */
	gg_http_redirect_set_clock(&c, -(int64_t)NOW);
	ASSERT_VERDICT(run_at(&c, pkt, n, (uint16_t)n, ROOM, NOW, 0, out,
			&len), GG_HTTP_RST_COOKIE);
	gg_http_redirect_set_clock(&c, off);
	ASSERT_VERDICT(run_at(&c, pkt, n, (uint16_t)n, ROOM, NOW, 0, out,
			&len), GG_HTTP_REDIRECT);
}

/* ------------------------------------------------------------ SYN */

/* Typical Linux SYN options: MSS, SACK permitted, timestamps, NOP, WS. */
static const uint8_t linux_syn_opts[20] = {
	2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
};

static void
check_synack(const uint8_t *r, uint16_t len, uint32_t isn, uint16_t want_mss,
		uint16_t want_cookie_mss)
{
	uint16_t mss = 0;

	CU_ASSERT_EQUAL_FATAL(len, 44);
	check_reply(r, len, F_SYN | F_ACK, be32(r + 24), isn + 1);
	CU_ASSERT_EQUAL(r[32], 6 << 4);
	CU_ASSERT_EQUAL(be16(r + 34), 65535);
	CU_ASSERT_EQUAL(r[40], 2);
	CU_ASSERT_EQUAL(r[41], 4);
	CU_ASSERT_EQUAL(be16(r + 42), want_mss);
	CU_ASSERT_EQUAL(gg_syncookie_check(&cfg, addr32(UE), addr32(WEB),
			port16(UE_PORT), port16(WEB_PORT), isn, be32(r + 24),
			NOW, &mss), 0);
	CU_ASSERT_EQUAL(mss, want_cookie_mss);
}

static void
test_syn_mss(void)
{
	uint8_t pkt[ROOM], out[ROOM];
	uint8_t opts[4] = { 2, 4, 0x04, 0xb0 }; /* 1200 */
	struct spec s;
	uint16_t len;
	size_t n;

	spec_init(&s, F_SYN, ISN, 0);
	s.opt = linux_syn_opts;
	s.opt_len = sizeof(linux_syn_opts);
	s.tos = 0x2b; /* DSCP 10, ECN 3 */
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_SYNACK);
	check_synack(out, len, ISN, CFG_MSS, CFG_MSS);
	CU_ASSERT_EQUAL(out[1], 0x28);
	CU_ASSERT_EQUAL(be32(out + 24), cookie_for(ISN, CFG_MSS));

	/* Client MSS below ours: advertised as is, cookie rounds down. */
	spec_init(&s, F_SYN, 0xfffffffeu, 0);
	s.opt = opts;
	s.opt_len = sizeof(opts);
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_SYNACK);
	check_synack(out, len, 0xfffffffeu, 1200, 536);
	CU_ASSERT_EQUAL(out[1], 0);

	/* ISN at the top of the space: ack wraps. */
	spec_init(&s, F_SYN, 0xffffffffu, 0);
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_SYNACK);
	CU_ASSERT_EQUAL(be32(out + 28), 0);

	/* Data on a SYN is not acknowledged; ECE|CWR are not echoed. */
	spec_init(&s, F_SYN | 0xc0, ISN, 0);
	s.payload = "GET / HTTP/1.1\r\n\r\n";
	s.plen = 18;
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_SYNACK);
	check_synack(out, len, ISN, 536, 536);

	/* MSS 0 reads as no option; an EOL ends the list. */
	opts[2] = 0;
	opts[3] = 0;
	spec_init(&s, F_SYN, ISN, 0);
	s.opt = opts;
	s.opt_len = sizeof(opts);
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_SYNACK);
	check_synack(out, len, ISN, 536, 536);
	{
		static const uint8_t eol[8] = { 1, 0, 2, 1, 0xff, 0xff, 0, 0 };

		s.opt = eol;
		s.opt_len = sizeof(eol);
		n = build(pkt, &s);
		ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_SYNACK);
		check_synack(out, len, ISN, 536, 536);
	}
}

static void
test_syn_no_mss(void)
{
	static const uint8_t sack_ts[12] = {
		4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0,
	};
	uint8_t pkt[ROOM], out[ROOM];
	struct spec s;
	uint16_t len;
	size_t n;

	spec_init(&s, F_SYN, ISN, 0x55555555u); /* ack field set, flag not */
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_SYNACK);
	check_synack(out, len, ISN, 536, 536);

	s.opt = sack_ts;
	s.opt_len = sizeof(sack_ts);
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_SYNACK);
	check_synack(out, len, ISN, 536, 536);

	/* Our MSS smaller than the default: ours wins. */
	{
		struct gg_http_redirect small;
		uint16_t mss;

		CU_ASSERT_EQUAL_FATAL(gg_http_redirect_init(&small, secret,
				GG_HTTP_MSS_MIN, TMPL), 0);
		ASSERT_VERDICT(run_at(&small, pkt, n, (uint16_t)n, ROOM, NOW,
				0, out, &len), GG_HTTP_SYNACK);
		CU_ASSERT_EQUAL(be16(out + 42), 536);
		CU_ASSERT_EQUAL(gg_syncookie_check(&small, addr32(UE),
				addr32(WEB), port16(UE_PORT), port16(WEB_PORT),
				ISN, be32(out + 24), NOW, &mss), 0);
	}
}

/* ------------------------------------------------------------ exchange */

static void
test_handshake_ack(void)
{
	uint8_t pkt[ROOM], out[ROOM];
	struct spec s;
	uint16_t len;
	size_t n;

	spec_init(&s, F_ACK, ISN + 1, cookie_for(ISN, 1400) + 1);
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_ABSORB_ACK);
	/* Any bare ACK, valid or not: there is nothing to say. */
	spec_init(&s, F_ACK, 1, 2);
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_ABSORB_ACK);
}

static const char get_req[] =
	"GET /path/page.html?a=b&c=d%20e HTTP/1.1\r\n"
	"Host: www.example.com\r\n"
	"User-Agent: Mozilla/5.0\r\n"
	"Accept: */*\r\n"
	"\r\n";
static const char get_loc[] = PORTAL
	"http%3A%2F%2Fwww.example.com%2Fpath%2Fpage.html%3Fa%3Db%26c%3Dd%2520e";

static void
test_get_host(void)
{
	uint8_t pkt[ROOM], out[ROOM];
	uint32_t c = cookie_for(ISN, 1400);
	uint16_t len;
	size_t n, plen = sizeof(get_req) - 1;

	n = build_data(pkt, get_req, plen, 0);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_REDIRECT);
	check_reply(out, len, F_ACK | F_PSH | F_FIN, c + 1,
			(uint32_t)(ISN + 1 + plen));
	CU_ASSERT_EQUAL(out[32], 5 << 4);
	CU_ASSERT_EQUAL(be16(out + 34), 65535);
	check_302(out + 40, len - 40u, get_loc);
}

static void
test_get_no_host(void)
{
	static const char req[] = "GET /x?y=1 HTTP/1.0\r\nAccept: */*\r\n\r\n";
	static const char only_line[] = "HEAD /index.html HTTP/1.1\r\n";
	uint8_t pkt[ROOM], out[ROOM];
	uint16_t len;
	size_t n;

	n = build_data(pkt, req, sizeof(req) - 1, 0);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_REDIRECT);
	check_302(out + 40, len - 40u,
			PORTAL "http%3A%2F%2F93.184.216.34%2Fx%3Fy%3D1");

	/* First segment holding just the request line. */
	n = build_data(pkt, only_line, sizeof(only_line) - 1, 0);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_REDIRECT);
	check_302(out + 40, len - 40u,
			PORTAL "http%3A%2F%2F93.184.216.34%2Findex.html");
}

static void
test_post(void)
{
	static const char req[] =
		"POST /form HTTP/1.1\r\nHost: a.example:8080\r\n"
		"Content-Type: application/x-www-form-urlencoded\r\n"
		"Content-Length: 7\r\n\r\nx=1&y=2";
	uint8_t pkt[ROOM], out[ROOM];
	uint16_t len;
	size_t n, plen = sizeof(req) - 1;

	n = build_data(pkt, req, plen, 0);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_REDIRECT);
	check_reply(out, len, F_ACK | F_PSH | F_FIN, cookie_for(ISN, 1400) + 1,
			(uint32_t)(ISN + 1 + plen));
	check_302(out + 40, len - 40u,
			PORTAL "http%3A%2F%2Fa.example%3A8080%2Fform");
}

static void
test_other_forms(void)
{
	static const struct {
		const char *req;
		const char *loc;
	} cases[] = {
		{ "OPTIONS * HTTP/1.1\r\nHost: h.example\r\n\r\n",
			PORTAL "http%3A%2F%2Fh.example%2F" },
		{ "CONNECT h.example:443 HTTP/1.1\r\nHost: h.example:443\r\n\r\n",
			PORTAL "http%3A%2F%2Fh.example%3A443%2F" },
		{ "GET http://abs.example/p?q HTTP/1.1\r\nHost: ignored\r\n\r\n",
			PORTAL "http%3A%2F%2Fabs.example%2Fp%3Fq" },
		{ "PUT /\xc3\xa9t\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n",
			PORTAL "http%3A%2F%2Fh%2F%C3%A9t%C3%A9" },
		{ "DELETE /r HTTP/1.1\nHost:h\n\n",
			PORTAL "http%3A%2F%2Fh%2Fr" },
		/* Cut inside the target: a request, but not its URL. */
		{ "GET /a/very/long/path/cut/by/the/segment", PORTAL },
		{ "GET / HTTP/1.", PORTAL },
	};
	uint8_t pkt[ROOM], out[ROOM];
	uint16_t len;
	size_t n, i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = build_data(pkt, cases[i].req, strlen(cases[i].req), 0);
		ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_REDIRECT);
		check_302(out + 40, len - 40u, cases[i].loc);
	}
}

static void
test_retransmission(void)
{
	uint8_t pkt[ROOM], out1[ROOM], out2[ROOM], out3[ROOM];
	uint16_t len1, len2, len3;
	size_t n;

	n = build_data(pkt, get_req, sizeof(get_req) - 1, 0);
	ASSERT_VERDICT(run(pkt, n, out1, &len1), GG_HTTP_REDIRECT);
	ASSERT_VERDICT(run(pkt, n, out2, &len2), GG_HTTP_REDIRECT);
	/* A minute later, next slot: still the same reply. */
	ASSERT_VERDICT(run_at(&cfg, pkt, n, (uint16_t)n, ROOM, NOW + 100, 0,
			out3, &len3), GG_HTTP_REDIRECT);
	CU_ASSERT_EQUAL_FATAL(len1, len2);
	CU_ASSERT_EQUAL_FATAL(len1, len3);
	CU_ASSERT_EQUAL(memcmp(out1, out2, len1), 0);
	CU_ASSERT_EQUAL(memcmp(out1, out3, len1), 0);
}

static void
check_rst_for_ack(const uint8_t *r, uint16_t len, uint32_t their_ack)
{
	CU_ASSERT_EQUAL_FATAL(len, 40);
	check_reply(r, len, F_RST, their_ack, 0);
	CU_ASSERT_EQUAL(r[32], 5 << 4);
	CU_ASSERT_EQUAL(be16(r + 34), 0);
}

static void
test_bad_cookie(void)
{
	uint8_t pkt[ROOM], out[ROOM];
	uint32_t c = cookie_for(ISN, 1400);
	struct spec s;
	uint16_t len;
	size_t n;

	spec_init(&s, F_ACK | F_PSH, ISN + 1, c + 2);
	s.payload = get_req;
	s.plen = sizeof(get_req) - 1;
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_RST_COOKIE);
	check_rst_for_ack(out, len, c + 2);

	/* Client ISN not the one the cookie was made for. */
	s.seq = ISN + 2;
	s.ack = c + 1;
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_RST_COOKIE);
	check_rst_for_ack(out, len, c + 1);

	/* Another source port. */
	s.seq = ISN + 1;
	s.sport = UE_PORT + 1;
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_RST_COOKIE);
	CU_ASSERT_EQUAL(be16(out + 22), UE_PORT + 1);
	CU_ASSERT_EQUAL(be32(out + 24), c + 1);

	/* Expired: two slots later. */
	n = build_data(pkt, get_req, sizeof(get_req) - 1, 0);
	ASSERT_VERDICT(run_at(&cfg, pkt, n, (uint16_t)n, ROOM, NOW + 128, 0,
			out, &len), GG_HTTP_RST_COOKIE);
	check_rst_for_ack(out, len, c + 1);
}

static void
test_not_http(void)
{
	static const uint8_t tls[] = {
		0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03,
		0x03, 0xaa, 0xbb, 0xcc,
	};
	static const char *const junk[] = {
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		"GET /\r\n",
		"get / http/1.1\r\n\r\n",
		"GET / HTTP/1.1 \r\n\r\n",
		"GET  / HTTP/1.1\r\n\r\n",
		"GET\r\n",
		"GET",
		"SSH-2.0-OpenSSH_9.2\r\n",
		"GET /a\x01" "b HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	};
	uint8_t pkt[ROOM], out[ROOM];
	uint32_t c = cookie_for(ISN, 1400);
	uint16_t len;
	size_t n, i;

	n = build_data(pkt, (const char *)tls, sizeof(tls), 0);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_RST_NOT_HTTP);
	check_rst_for_ack(out, len, c + 1);
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		n = build_data(pkt, junk[i], strlen(junk[i]), 0);
		ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_RST_NOT_HTTP);
		check_rst_for_ack(out, len, c + 1);
	}
}

static void
test_fin(void)
{
	uint8_t pkt[ROOM], out[ROOM], fin_out[ROOM];
	uint32_t c = cookie_for(ISN, 1400);
	size_t n, plen = sizeof(get_req) - 1;
	uint32_t our_seq, p, client_next;
	struct spec s;
	uint16_t len, flen;

	n = build_data(pkt, get_req, plen, 0);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_REDIRECT);
	our_seq = be32(out + 24);
	p = len - 40u;
	client_next = (uint32_t)(ISN + 1 + plen);

	/* The client acks our data and FIN, then closes: bare ACK. */
	spec_init(&s, F_ACK, client_next, our_seq + p + 1);
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, fin_out, &flen), GG_HTTP_ABSORB_ACK);
	spec_init(&s, F_ACK | F_FIN, client_next, our_seq + p + 1);
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, fin_out, &flen), GG_HTTP_ACK);
	CU_ASSERT_EQUAL_FATAL(flen, 40);
	check_reply(fin_out, flen, F_ACK, our_seq + p + 1, client_next + 1);
	/* Retransmitted FIN: same ACK, hours later too. */
	ASSERT_VERDICT(run_at(&cfg, pkt, n, (uint16_t)n, ROOM, NOW + 7200, 0,
			out, &len), GG_HTTP_ACK);
	CU_ASSERT_EQUAL(memcmp(out, fin_out, flen), 0);

	/* Numbers that do not follow our FIN. */
	s.ack = our_seq + p + 2;
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_RST_UNEXPECTED);
	check_rst_for_ack(out, len, our_seq + p + 2);
	s.ack = our_seq + p;
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_RST_UNEXPECTED);
	s.ack = our_seq + p + 1;
	s.seq = client_next + 1;
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_RST_UNEXPECTED);
	s.seq = client_next;
	s.sport = UE_PORT + 1;
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_RST_UNEXPECTED);

	/* FIN right after the handshake, before any request. */
	spec_init(&s, F_ACK | F_FIN, ISN + 1, c + 1);
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_RST_UNEXPECTED);
	check_rst_for_ack(out, len, c + 1);

	/* FIN with more data after our reply: the cookie no longer fits. */
	spec_init(&s, F_ACK | F_FIN | F_PSH, client_next, our_seq + p + 1);
	s.payload = "more";
	s.plen = 4;
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_RST_COOKIE);

	/* FIN without ACK. */
	spec_init(&s, F_FIN, ISN + 1, 0);
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_MALFORMED);

	/* Request and FIN together: the FIN is acknowledged with it. */
	n = build_data(pkt, get_req, plen, F_FIN);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_REDIRECT);
	check_reply(out, len, F_ACK | F_PSH | F_FIN, c + 1, client_next + 1);
	check_302(out + 40, len - 40u, get_loc);
	spec_init(&s, F_ACK, client_next + 1, c + 1 + (len - 40u) + 1);
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_ABSORB_ACK);
}

static void
test_rst_in(void)
{
	static const uint8_t flags[] = {
		F_RST, F_RST | F_ACK, F_RST | F_SYN, F_RST | F_FIN | F_ACK,
	};
	uint8_t pkt[ROOM], out[ROOM];
	struct spec s;
	uint16_t len;
	size_t n, i;

	for (i = 0; i < sizeof(flags); i++) {
		spec_init(&s, flags[i], ISN, cookie_for(ISN, 1400) + 1);
		s.payload = "x";
		s.plen = i & 1;
		n = build(pkt, &s);
		ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_ABSORB_RST);
		ASSERT_VERDICT(run_at(&cfg, pkt, n, (uint16_t)n, ROOM, NOW, 1,
				out, &len), GG_HTTP_ABSORB_RST);
	}
}

static void
test_refuse(void)
{
	uint8_t pkt[ROOM], out[ROOM];
	struct spec s;
	uint16_t len;
	size_t n;

	/* SYN to 443: seq 0, ack = ISN + 1, RST|ACK. */
	spec_init(&s, F_SYN, ISN, 0x99999999u);
	s.dport = 443;
	s.opt = linux_syn_opts;
	s.opt_len = sizeof(linux_syn_opts);
	n = build(pkt, &s);
	ASSERT_VERDICT(run_at(&cfg, pkt, n, (uint16_t)n, ROOM, NOW, 1, out,
			&len), GG_HTTP_RST_REFUSED);
	CU_ASSERT_EQUAL_FATAL(len, 40);
	CU_ASSERT_EQUAL(be16(out + 20), 443);
	CU_ASSERT_EQUAL(be32(out + 24), 0);
	CU_ASSERT_EQUAL(be32(out + 28), ISN + 1);
	CU_ASSERT_EQUAL(out[33], F_RST | F_ACK);
	CU_ASSERT(ip_csum_ok(out));
	CU_ASSERT(tcp_csum_ok(out));
	CU_ASSERT_EQUAL(memcmp(out + 12, WEB, 4), 0);
	CU_ASSERT_EQUAL(memcmp(out + 16, UE, 4), 0);

	/* ACK segment with data: seq = SEG.ACK, RST alone. */
	spec_init(&s, F_ACK | F_PSH, 1000, 0xabcdef01u);
	s.dport = 443;
	s.payload = "\x16\x03\x01\x00\x05hello";
	s.plen = 10;
	n = build(pkt, &s);
	ASSERT_VERDICT(run_at(&cfg, pkt, n, (uint16_t)n, ROOM, NOW, 1, out,
			&len), GG_HTTP_RST_REFUSED);
	CU_ASSERT_EQUAL_FATAL(len, 40);
	CU_ASSERT_EQUAL(be32(out + 24), 0xabcdef01u);
	CU_ASSERT_EQUAL(be32(out + 28), 0);
	CU_ASSERT_EQUAL(out[33], F_RST);
	CU_ASSERT(tcp_csum_ok(out));

	/* No ACK: data and FIN counted in the ack. */
	spec_init(&s, F_FIN | F_PSH, 0xfffffff0u, 0);
	s.dport = 22;
	s.payload = "hello";
	s.plen = 5;
	n = build(pkt, &s);
	ASSERT_VERDICT(run_at(&cfg, pkt, n, (uint16_t)n, ROOM, NOW, 1, out,
			&len), GG_HTTP_RST_REFUSED);
	CU_ASSERT_EQUAL(be32(out + 24), 0);
	CU_ASSERT_EQUAL(be32(out + 28), 0xfffffff0u + 6);
	CU_ASSERT_EQUAL(out[33], F_RST | F_ACK);

	/* SYN+FIN with data: both flags count. */
	spec_init(&s, F_SYN | F_FIN, 10, 0);
	s.payload = "abc";
	s.plen = 3;
	n = build(pkt, &s);
	ASSERT_VERDICT(run_at(&cfg, pkt, n, (uint16_t)n, ROOM, NOW, 1, out,
			&len), GG_HTTP_RST_REFUSED);
	CU_ASSERT_EQUAL(be32(out + 28), 15);

	/* On port 80, a SYN+ACK is refused the same way. */
	spec_init(&s, F_SYN | F_ACK, ISN, 0x12345678u);
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_RST_UNEXPECTED);
	check_rst_for_ack(out, len, 0x12345678u);
}

/* ------------------------------------------------------------ malformed */

static void
test_malformed(void)
{
	static const uint8_t mss1300[4] = { 2, 4, 0x05, 0x14 };
	static const struct {
		uint8_t opt[8];
		const char *what;
	} bad_opts[] = {
		{ { 2, 5, 5, 0xb4, 0, 0, 0, 0 }, "MSS length 5" },
		{ { 2, 3, 5, 1, 1, 1, 1, 1 }, "MSS length 3" },
		{ { 1, 1, 8, 0, 1, 1, 1, 1 }, "length 0" },
		{ { 1, 1, 8, 1, 1, 1, 1, 1 }, "length 1" },
		{ { 2, 4, 5, 0xb4, 8, 10, 0, 0 }, "timestamps past the end" },
		{ { 1, 1, 1, 1, 1, 1, 1, 3 }, "kind with no length octet" },
		{ { 1, 1, 1, 1, 1, 1, 4, 3 }, "SACK-permitted length 3 past end" },
	};
	static const uint8_t ip_nops[4] = { 1, 1, 1, 0 };
	static const uint8_t ip_ra[8] = { 0x94, 4, 0, 0, 1, 1, 1, 0 };
	uint8_t pkt[ROOM], bad[ROOM], out[ROOM];
	struct spec s;
	uint16_t len;
	size_t n, i;

	spec_init(&s, F_SYN, ISN, 0);
	s.opt = mss1300;
	s.opt_len = 4;
	n = build(pkt, &s);
	CU_ASSERT_EQUAL_FATAL(n, 44);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_SYNACK);

	/* Every cut: the total length is past the end. */
	for (i = 0; i < n; i++)
		ASSERT_VERDICT(run_at(&cfg, pkt, n, (uint16_t)i, ROOM, NOW, 0,
				out, &len), GG_HTTP_MALFORMED);
	/* Trailing octets after the packet are ignored. */
	memcpy(bad, pkt, n);
	memset(bad + n, 0xee, 10);
	ASSERT_VERDICT(run(bad, n + 10, out, &len), GG_HTTP_SYNACK);
	CU_ASSERT_EQUAL(len, 44);

#define BAD(mutate, want) do { \
	memcpy(bad, pkt, n); \
	mutate; \
	ASSERT_VERDICT(run(bad, n, out, &len), want); \
} while (0)
	BAD(bad[0] = 0x65, GG_HTTP_MALFORMED);          /* version 6 */
	BAD(bad[0] = 0x44, GG_HTTP_MALFORMED);          /* IHL 4 */
	BAD(bad[0] = 0x4f, GG_HTTP_MALFORMED);          /* IHL 15 past total */
	BAD(bad[0] = 0x46, GG_HTTP_MALFORMED);          /* IHL 6 leaves 20 for TCP of 24 */
	BAD(put16(bad + 2, 45), GG_HTTP_MALFORMED);     /* total past the end */
	BAD(put16(bad + 2, 39), GG_HTTP_MALFORMED);     /* total below 40 */
	BAD((put16(bad + 2, 43), fix_csums(bad, 43)), GG_HTTP_MALFORMED);
	BAD(put16(bad + 2, 0), GG_HTTP_MALFORMED);
	BAD(bad[9] = 17, GG_HTTP_MALFORMED);            /* UDP */
	BAD((put16(bad + 6, 0x2000), fix_csums(bad, n)), GG_HTTP_MALFORMED);
	BAD((put16(bad + 6, 0x0001), fix_csums(bad, n)), GG_HTTP_MALFORMED);
	BAD((put16(bad + 6, 0x0000), fix_csums(bad, n)), GG_HTTP_SYNACK);
	BAD(bad[32] = 0x40, GG_HTTP_MALFORMED);         /* data offset 4 */
	BAD(bad[32] = 0x70, GG_HTTP_MALFORMED);         /* 28 > 24 */
	BAD(bad[32] = 0xf0, GG_HTTP_MALFORMED);
	BAD(bad[10] ^= 1, GG_HTTP_BAD_CHECKSUM);
	BAD(bad[36] ^= 0x80, GG_HTTP_BAD_CHECKSUM);
	BAD(bad[43] ^= 1, GG_HTTP_BAD_CHECKSUM);
	BAD(bad[12] ^= 1, GG_HTTP_BAD_CHECKSUM);        /* pseudo-header */
	BAD((bad[33] = 0, fix_csums(bad, n)), GG_HTTP_MALFORMED);
	BAD((bad[33] = F_PSH, fix_csums(bad, n)), GG_HTTP_MALFORMED);
	BAD((bad[33] = F_SYN | F_FIN, fix_csums(bad, n)), GG_HTTP_MALFORMED);
	BAD((bad[33] = F_FIN, fix_csums(bad, n)), GG_HTTP_MALFORMED);
#undef BAD

	/* room smaller than the packet: the caller's mistake, refused. */
	ASSERT_VERDICT(run_at(&cfg, pkt, n, (uint16_t)n, (uint16_t)(n - 1),
			NOW, 0, out, &len), GG_HTTP_MALFORMED);
	ASSERT_VERDICT(run_at(&cfg, pkt, n, (uint16_t)n, (uint16_t)(n - 1),
			NOW, 1, out, &len), GG_HTTP_MALFORMED);

	for (i = 0; i < sizeof(bad_opts) / sizeof(bad_opts[0]); i++) {
		spec_init(&s, F_SYN, ISN, 0);
		s.opt = bad_opts[i].opt;
		s.opt_len = 8;
		n = build(bad, &s);
		if (run(bad, n, out, &len) != GG_HTTP_MALFORMED)
			printf("\n    options %s accepted\n", bad_opts[i].what);
		ASSERT_VERDICT(run(bad, n, out, &len), GG_HTTP_MALFORMED);
	}

	/* IP options are skipped; the reply has none. */
	spec_init(&s, F_SYN, ISN, 0);
	s.opt = mss1300;
	s.opt_len = 4;
	s.ipopt = ip_nops;
	s.ipopt_len = 4;
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_SYNACK);
	check_synack(out, len, ISN, 1300, 1300);
	s.ipopt = ip_ra;
	s.ipopt_len = 8;
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_SYNACK);
	check_synack(out, len, ISN, 1300, 1300);

	/* And under a request, where the reply moves the payload up. */
	spec_init(&s, F_ACK | F_PSH, ISN + 1, cookie_for(ISN, 1400) + 1);
	s.ipopt = ip_ra;
	s.ipopt_len = 8;
	s.opt = linux_syn_opts; /* any options on data are stepped over */
	s.opt_len = 12;
	s.payload = get_req;
	s.plen = sizeof(get_req) - 1;
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_REDIRECT);
	check_reply(out, len, F_ACK | F_PSH | F_FIN, cookie_for(ISN, 1400) + 1,
			(uint32_t)(ISN + sizeof(get_req)));
	check_302(out + 40, len - 40u, get_loc);
}

static void
test_room(void)
{
	uint8_t pkt[ROOM], out[ROOM], full[ROOM];
	char req[1200];
	uint16_t len, full_len, r;
	struct spec s;
	size_t n;

	/* SYN with no room for the MSS option: refused with a RST. */
	spec_init(&s, F_SYN, ISN, 0);
	n = build(pkt, &s);
	ASSERT_VERDICT(run_at(&cfg, pkt, n, (uint16_t)n, 43, NOW, 0, out, &len),
			GG_HTTP_RST_TOO_BIG);
	CU_ASSERT_EQUAL_FATAL(len, 40);
	check_reply(out, len, F_RST | F_ACK, 0, ISN + 1);
	ASSERT_VERDICT(run_at(&cfg, pkt, n, (uint16_t)n, 44, NOW, 0, out, &len),
			GG_HTTP_SYNACK);

	/* A request whose 302 cannot fit at all. */
	n = build_data(pkt, get_req, sizeof(get_req) - 1, 0);
	ASSERT_VERDICT(run_at(&cfg, pkt, n, (uint16_t)n, (uint16_t)n, NOW, 0,
			out, &len), GG_HTTP_RST_TOO_BIG);
	check_rst_for_ack(out, len, cookie_for(ISN, 1400) + 1);

	/* Shrinking room: the full reply, then {url} left empty, then RST. */
	ASSERT_VERDICT(run(pkt, n, full, &full_len), GG_HTTP_REDIRECT);
	for (r = (uint16_t)(full_len + GG_HTTP_PAD_MAX); r >= n; r--) {
		enum gg_http_verdict v = run_at(&cfg, pkt, n, (uint16_t)n, r,
				NOW, 0, out, &len);

		CU_ASSERT(len <= r);
		if (r >= 40 + GG_HTTP_REPLY_FIXED_LEN + GG_HTTP_PAD_MAX +
				strlen(get_loc)) {
			ASSERT_VERDICT(v, GG_HTTP_REDIRECT);
			CU_ASSERT_EQUAL(len, full_len);
		} else if (r >= 40 + GG_HTTP_REPLY_FIXED_LEN + GG_HTTP_PAD_MAX +
				strlen(PORTAL)) {
			ASSERT_VERDICT(v, GG_HTTP_REDIRECT);
			check_302(out + 40, len - 40u, PORTAL);
		} else {
			ASSERT_VERDICT(v, GG_HTTP_RST_TOO_BIG);
		}
	}

	/* The client's MSS bounds the reply too: 536 with a long URL. */
	memset(req, 0, sizeof(req));
	strcpy(req, "GET /");
	memset(req + 5, 'a', 500);
	strcat(req, " HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
	spec_init(&s, F_ACK | F_PSH, ISN + 1, cookie_for(ISN, 536) + 1);
	s.payload = req;
	s.plen = strlen(req);
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_REDIRECT);
	CU_ASSERT(len - 40u <= 536);
	check_302(out + 40, len - 40u, PORTAL);
	/* Same request, cookie with MSS 1400: the URL fits. */
	spec_init(&s, F_ACK | F_PSH, ISN + 1, cookie_for(ISN, 1400) + 1);
	s.payload = req;
	s.plen = strlen(req);
	n = build(pkt, &s);
	ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_REDIRECT);
	CU_ASSERT(len - 40u > 536);
}

/* ------------------------------------------------------------ injection */

static int
location_clean(const uint8_t *p, size_t n)
{
	const uint8_t *loc = p + 30; /* after "HTTP/1.1 302 Found\r\nLocation: " */
	size_t i, crlf = 0;

	for (i = 0; i + 1 < n; i++)
		if (p[i] == '\r' && p[i + 1] == '\n')
			crlf++;
	/* Status, Location, Cache-Control, Connection, Content-Length, end. */
	if (crlf != 6)
		return 0;
	for (i = 0; loc + i < p + n && loc[i] != '\r'; i++)
		if (loc[i] <= 0x20 || loc[i] >= 0x7f || loc[i] == '"')
			return 0;
	return 1;
}

static void
test_injection(void)
{
	static const char *const redirected[] = {
		"GET / HTTP/1.1\r\nHost: evil.example\r\nSet-Cookie: a=b\r\n\r\n",
		"GET /%0d%0aSet-Cookie:%20x HTTP/1.1\r\nHost: h%0d%0a\r\n\r\n",
		"GET /\"><script> HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET http://x/\r HTTP/1.1\r\n\r\n",
		"GET /\xff\xfe\x80 HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
	};
	static const char *const refused[] = {
		"GET / HTTP/1.1\r\nHost: a\rSet-Cookie: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\x00" "b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
		"GET /a\rb HTTP/1.1\r\n\r\n",
		"GET /a\x7f HTTP/1.1\r\n\r\n",
	};
	uint8_t pkt[ROOM], out[ROOM];
	char loc[GG_HTTP_PAYLOAD_MAX];
	uint8_t all[256];
	uint16_t len;
	size_t n, i, w;

	for (i = 0; i < sizeof(redirected) / sizeof(redirected[0]); i++) {
		n = build_data(pkt, redirected[i], strlen(redirected[i]), 0);
		/* "\r " inside the absolute target is not a request line. */
		if (i == 3) {
			ASSERT_VERDICT(run(pkt, n, out, &len),
					GG_HTTP_RST_NOT_HTTP);
			continue;
		}
		ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_REDIRECT);
		CU_ASSERT(location_clean(out + 40, len - 40u));
	}
	n = build_data(pkt, redirected[0], strlen(redirected[0]), 0);
	run(pkt, n, out, &len);
	check_302(out + 40, len - 40u, PORTAL "http%3A%2F%2Fevil.example%2F");
	n = build_data(pkt, redirected[1], strlen(redirected[1]), 0);
	run(pkt, n, out, &len);
	check_302(out + 40, len - 40u, PORTAL "http%3A%2F%2Fh%250d%250a%2F"
			"%250d%250aSet-Cookie%3A%2520x");

	/*
	 * The segment is checksummed as a whole, so a NUL inside is just an
	 * octet: build() copies plen octets, not a C string.
	 */
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		size_t l = strlen(refused[i]);

		if (i == 2)
			l = sizeof("GET / HTTP/1.1\r\nHost: a\x00" "b\r\n\r\n") - 1;
		n = build_data(pkt, refused[i], l, 0);
		ASSERT_VERDICT(run(pkt, n, out, &len), GG_HTTP_RST_NOT_HTTP);
	}

	/* gg_http_location on every octet value: only URI characters out. */
	for (i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	w = gg_http_location(&cfg, all, sizeof(all), all, sizeof(all), loc,
			sizeof(loc));
	/* "http%3A%2F%2F", then 66 unreserved octets and 190 triplets, twice. */
	CU_ASSERT_EQUAL(w, strlen(PORTAL) + 13 + 2 * (66 + 3 * 190));
	for (i = 0; i < w; i++)
		CU_ASSERT(loc[i] > 0x20 && loc[i] < 0x7f && loc[i] != '"');
}

/* ------------------------------------------------------------ parser */

static enum gg_http_req_status
parse_str(const char *s, size_t n, struct gg_http_request *req)
{
	/* Heap copy of exactly n octets: valgrind sees any read past it. */
	uint8_t *copy = malloc(n ? n : 1);
	enum gg_http_req_status st;

	memcpy(copy, s, n);
	st = gg_http_parse_request(copy, n, req);
	/* Pointers must land inside the copy. */
	if (req->method != NULL)
		CU_ASSERT(req->method >= copy &&
				req->method + req->method_len <= copy + n);
	if (req->target != NULL)
		CU_ASSERT(req->target >= copy &&
				req->target + req->target_len <= copy + n);
	if (req->host != NULL)
		CU_ASSERT(req->host >= copy &&
				req->host + req->host_len <= copy + n);
	/* Keep the values checkable after free: point them into s. */
	if (req->method != NULL)
		req->method = (const uint8_t *)s + (req->method - copy);
	if (req->target != NULL)
		req->target = (const uint8_t *)s + (req->target - copy);
	if (req->host != NULL)
		req->host = (const uint8_t *)s + (req->host - copy);
	free(copy);
	return st;
}

#define PARSE(lit, req) parse_str(lit, sizeof(lit) - 1, req)
#define FIELD_IS(ptr, len, lit) \
	((len) == sizeof(lit) - 1 && memcmp(ptr, lit, sizeof(lit) - 1) == 0)

static void
test_parse_request(void)
{
	static const char *const invalid[] = {
		"", "GET", "GET ", "GET  /", " GET / HTTP/1.1\r\n",
		"GET / HTTP/2.0\r\n", "GET / HTTP/1.1x\r\n", "GET / HTTP/1.1\rx",
		"GET / HTTP/1.a\r\n", "GET / HTTP/1.1\r\r\n",
		"\r\n\r\n\r\nGET / HTTP/1.1\r\n",
		"(GET) / HTTP/1.1\r\n", "G\x80T / HTTP/1.1\r\n",
		"GET /\t HTTP/1.1\r\n",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg / HTTP/1.1\r\n",
	};
	struct gg_http_request req;
	size_t i;

	CU_ASSERT_EQUAL(PARSE("GET / HTTP/1.1\r\nHost: h\r\n\r\n", &req),
			GG_HTTP_REQ_COMPLETE);
	CU_ASSERT(FIELD_IS(req.method, req.method_len, "GET"));
	CU_ASSERT(FIELD_IS(req.target, req.target_len, "/"));
	CU_ASSERT(FIELD_IS(req.host, req.host_len, "h"));
	CU_ASSERT_EQUAL(req.version_minor, 1);
	CU_ASSERT_EQUAL(req.absolute, 0);

	CU_ASSERT_EQUAL(PARSE("\r\nPOST /a?b HTTP/1.0\nUser-Agent: x\n"
			"hOsT:  \t h.example:8080 \t\nX: y\n\n", &req),
			GG_HTTP_REQ_COMPLETE);
	CU_ASSERT(FIELD_IS(req.method, req.method_len, "POST"));
	CU_ASSERT(FIELD_IS(req.target, req.target_len, "/a?b"));
	CU_ASSERT(FIELD_IS(req.host, req.host_len, "h.example:8080"));
	CU_ASSERT_EQUAL(req.version_minor, 0);

	/* Host after the header section, cut, empty, folded, repeated. */
	CU_ASSERT_EQUAL(PARSE("GET / HTTP/1.1\r\n\r\nHost: body\r\n", &req),
			GG_HTTP_REQ_COMPLETE);
	CU_ASSERT_PTR_NULL(req.host);
	CU_ASSERT_EQUAL(PARSE("GET / HTTP/1.1\r\nA: b\r\nHost: exa", &req),
			GG_HTTP_REQ_COMPLETE);
	CU_ASSERT_PTR_NULL(req.host);
	CU_ASSERT_EQUAL(PARSE("GET / HTTP/1.1\r\nHost: \r\n\r\n", &req),
			GG_HTTP_REQ_COMPLETE);
	CU_ASSERT_PTR_NULL(req.host);
	CU_ASSERT_EQUAL(req.host_len, 0);
	CU_ASSERT_EQUAL(PARSE("GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", &req),
			GG_HTTP_REQ_COMPLETE);
	CU_ASSERT(FIELD_IS(req.host, req.host_len, "a"));
	CU_ASSERT_EQUAL(PARSE("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n",
			&req), GG_HTTP_REQ_INVALID);
	CU_ASSERT_EQUAL(PARSE("GET / HTTP/1.1\r\nHostname: a\r\n\r\n", &req),
			GG_HTTP_REQ_COMPLETE);
	CU_ASSERT_PTR_NULL(req.host);
	CU_ASSERT_EQUAL(PARSE("GET / HTTP/1.1\r\nX-Host: a\r\nHost: [::1]\r\n",
			&req), GG_HTTP_REQ_COMPLETE);
	CU_ASSERT(FIELD_IS(req.host, req.host_len, "[::1]"));

	/* Only the request line. */
	CU_ASSERT_EQUAL(PARSE("HEAD /x HTTP/1.1\r\n", &req),
			GG_HTTP_REQ_COMPLETE);
	CU_ASSERT_PTR_NULL(req.host);
	CU_ASSERT_EQUAL(PARSE("HEAD /x HTTP/1.1\n", &req),
			GG_HTTP_REQ_COMPLETE);

	/* Absolute form. */
	CU_ASSERT_EQUAL(PARSE("GET HTTP://a.example/p HTTP/1.1\r\n\r\n", &req),
			GG_HTTP_REQ_COMPLETE);
	CU_ASSERT_EQUAL(req.absolute, 1);
	CU_ASSERT_EQUAL(PARSE("GET https://a.example/ HTTP/1.1\r\n\r\n", &req),
			GG_HTTP_REQ_COMPLETE);
	CU_ASSERT_EQUAL(req.absolute, 1);
	CU_ASSERT_EQUAL(PARSE("GET httpx://a/ HTTP/1.1\r\n\r\n", &req),
			GG_HTTP_REQ_COMPLETE);
	CU_ASSERT_EQUAL(req.absolute, 0);

	/* Cut by the end of the data. */
	CU_ASSERT_EQUAL(PARSE("GET /very/long", &req), GG_HTTP_REQ_TRUNCATED);
	CU_ASSERT(FIELD_IS(req.method, req.method_len, "GET"));
	CU_ASSERT(FIELD_IS(req.target, req.target_len, "/very/long"));
	CU_ASSERT_EQUAL(PARSE("GET / H", &req), GG_HTTP_REQ_TRUNCATED);
	CU_ASSERT_EQUAL(PARSE("GET / HTTP/1.", &req), GG_HTTP_REQ_TRUNCATED);
	CU_ASSERT_EQUAL(PARSE("GET / HTTP/1.1", &req), GG_HTTP_REQ_TRUNCATED);
	CU_ASSERT_EQUAL(PARSE("GET / HTTP/1.1\r", &req), GG_HTTP_REQ_TRUNCATED);
	CU_ASSERT_EQUAL(PARSE("GET / ", &req), GG_HTTP_REQ_TRUNCATED);

	/* 32-octet method is the limit. */
	CU_ASSERT_EQUAL(PARSE("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef / HTTP/1.1\r\n",
			&req), GG_HTTP_REQ_COMPLETE);
	CU_ASSERT_EQUAL(req.method_len, 32);
	CU_ASSERT_EQUAL(PARSE("M-SEARCH * HTTP/1.1\r\n", &req),
			GG_HTTP_REQ_COMPLETE);

	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		enum gg_http_req_status st = parse_str(invalid[i],
				strlen(invalid[i]), &req);

		if (st != GG_HTTP_REQ_INVALID)
			printf("\n    accepted: \"%s\"\n", invalid[i]);
		CU_ASSERT_EQUAL(st, GG_HTTP_REQ_INVALID);
	}
}

/*
 * Every octet value at positions of the target that the parser reaches
 * one octet at a time and sixteen at a time: controls, space and DEL end
 * the target, everything else is in it. Also a target cut by the data's
 * end after several blocks of sixteen.
 */
static void
test_target_octets(void)
{
	static const size_t at[] = { 0, 1, 14, 15, 16, 17, 31, 32, 40, 47 };
	const size_t tlen = 48; /* '/' and 47 more */
	struct gg_http_request req;
	char buf[128];
	unsigned int b, k;
	size_t n;

	for (k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		for (b = 0; b < 256; b++) {
			int in = (b > 0x20 && b != 0x7f);
			enum gg_http_req_status st;

			/* The target is buf[4, 4 + tlen); octet at[k] of it is b. */
			n = (size_t)snprintf(buf, sizeof(buf), "GET /");
			memset(buf + n, 'a', tlen - 1);
			buf[4 + at[k]] = (char)b;
			n += tlen - 1;
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
					" HTTP/1.1\r\n\r\n");
			st = parse_str(buf, n, &req);
			if (in) {
				CU_ASSERT_EQUAL(st, GG_HTTP_REQ_COMPLETE);
				CU_ASSERT_EQUAL(req.target_len, tlen);
			} else {
				CU_ASSERT_EQUAL(st, GG_HTTP_REQ_INVALID);
			}
			if ((st == GG_HTTP_REQ_COMPLETE) != in)
				printf("\n    octet 0x%02x at %zu: status %d\n", b,
						at[k], (int)st);
		}
	}
	/* No version: the target runs to the end, TRUNCATED, any length. */
	for (n = 5; n < 80; n++) {
		memset(buf, 'b', sizeof(buf));
		memcpy(buf, "GET /", 5);
		CU_ASSERT_EQUAL(parse_str(buf, n, &req), GG_HTTP_REQ_TRUNCATED);
		CU_ASSERT_EQUAL(req.target_len, n - 4);
	}
}

/*
 * Every octet at several places of Host values of several lengths: the
 * SSE2 test of plain names (http_parse.c) must give the table's verdicts,
 * valid and plain (RFC 3986 2.3 unreserved), valid (other host octets),
 * or invalid; short requests take the table alone.
 */
static void
test_host_octets(void)
{
	static const size_t lens[] = { 1, 2, 15, 16, 17, 31, 32, 33, 40 };
	static const char host_other[] = "!$%&'()*+,:;=[]";
	struct gg_http_request req;
	char buf[160];
	unsigned int b, k, at, pre;
	size_t n, hl;

	for (pre = 0; pre < 2; pre++) {
		for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			hl = lens[k];
			for (at = 0; at < hl; at++) {
				for (b = 0; b < 256; b++) {
					int unres = (b >= '0' && b <= '9') ||
							(b >= 'A' && b <= 'Z') ||
							(b >= 'a' && b <= 'z') || b == '-' ||
							b == '.' || b == '_' || b == '~';
					int valid = unres || (b != 0 &&
							strchr(host_other, (int)b) != NULL);
					size_t h0;
					enum gg_http_req_status st;

					if (b == ' ' || b == '\t' || b == '\r' ||
							b == '\n')
						continue; /* trimmed or ends the line */
					n = (size_t)snprintf(buf, sizeof(buf),
							pre ? "GET / HTTP/1.1\r\nHost:" :
							"GET / HTTP/1.1\r\nA: b\r\nHost: ");
					h0 = n;
					memset(buf + n, 'a', hl);
					buf[h0 + at] = (char)b;
					n += hl;
					n += (size_t)snprintf(buf + n, sizeof(buf) - n,
							"\r\n\r\n");
					st = parse_str(buf, n, &req);
					if (!valid) {
						CU_ASSERT_EQUAL(st, GG_HTTP_REQ_INVALID);
					} else {
						CU_ASSERT_EQUAL(st, GG_HTTP_REQ_COMPLETE);
						CU_ASSERT_EQUAL(req.host_len, hl);
						CU_ASSERT_EQUAL(req.host_plain, unres);
					}
					if ((st == GG_HTTP_REQ_COMPLETE) != valid ||
							(valid && req.host_plain != unres))
						printf("\n    octet 0x%02x at %u of %zu\n",
								b, at, hl);
				}
			}
		}
	}
}

/* ------------------------------------------------------------ location */

static void
test_location(void)
{
	struct gg_http_redirect plain, suffix;
	char out[GG_HTTP_PAYLOAD_MAX + 8];
	const uint8_t *h = (const uint8_t *)"h.example";
	const uint8_t *t = (const uint8_t *)"/a b~_.-AZaz09";
	const char *want = PORTAL "http%3A%2F%2Fh.example%2Fa%20b~_.-AZaz09";
	size_t w, full = strlen(want);

	w = gg_http_location(&cfg, h, 9, t, 14, out, sizeof(out));
	CU_ASSERT_EQUAL(w, full);
	CU_ASSERT_EQUAL(memcmp(out, want, full), 0);

	/* Exact room, one less (no {url}), the template alone, one less. */
	memset(out, '#', sizeof(out));
	CU_ASSERT_EQUAL(gg_http_location(&cfg, h, 9, t, 14, out, full), full);
	CU_ASSERT_EQUAL(out[full], '#');
	w = gg_http_location(&cfg, h, 9, t, 14, out, full - 1);
	CU_ASSERT_EQUAL(w, strlen(PORTAL));
	CU_ASSERT_EQUAL(memcmp(out, PORTAL, w), 0);
	CU_ASSERT_EQUAL(gg_http_location(&cfg, h, 9, t, 14, out,
			strlen(PORTAL)), strlen(PORTAL));
	memset(out, '#', sizeof(out));
	CU_ASSERT_EQUAL(gg_http_location(&cfg, h, 9, t, 14, out,
			strlen(PORTAL) - 1), 0);
	CU_ASSERT_EQUAL(out[0], '#');

	/* Absolute form; nothing at all. */
	w = gg_http_location(&cfg, NULL, 0, (const uint8_t *)"http://x/y", 10,
			out, sizeof(out));
	CU_ASSERT_EQUAL(w, strlen(PORTAL "http%3A%2F%2Fx%2Fy"));
	CU_ASSERT_EQUAL(memcmp(out, PORTAL "http%3A%2F%2Fx%2Fy", w), 0);
	CU_ASSERT_EQUAL(gg_http_location(&cfg, NULL, 0, NULL, 0, out,
			sizeof(out)), strlen(PORTAL));

	/* A suffix stays after the URL, also when the URL is dropped. */
	CU_ASSERT_EQUAL_FATAL(gg_http_redirect_init(&suffix, secret, 1400,
			"http://p.example/?u={url}&v=2"), 0);
	w = gg_http_location(&suffix, h, 9, t, 2, out, sizeof(out));
	CU_ASSERT_EQUAL(w, strlen("http://p.example/?u=http%3A%2F%2Fh.example%2Fa&v=2"));
	CU_ASSERT_EQUAL(memcmp(out, "http://p.example/?u=http%3A%2F%2Fh.example%2Fa&v=2", w), 0);
	w = gg_http_location(&suffix, h, 9, t, 2, out, 30);
	CU_ASSERT_EQUAL(w, 24);
	CU_ASSERT_EQUAL(memcmp(out, "http://p.example/?u=&v=2", w), 0);

	/* No placeholder: the template as is. */
	CU_ASSERT_EQUAL_FATAL(gg_http_redirect_init(&plain, secret, 1400,
			"http://portal.example/"), 0);
	w = gg_http_location(&plain, h, 9, t, 14, out, sizeof(out));
	CU_ASSERT_EQUAL(w, 22);
	CU_ASSERT_EQUAL(memcmp(out, "http://portal.example/", 22), 0);
	{
		uint8_t pkt[ROOM], r[ROOM];
		uint16_t len;
		size_t n = build_data(pkt, get_req, sizeof(get_req) - 1, 0);

		ASSERT_VERDICT(run_at(&plain, pkt, n, (uint16_t)n, ROOM, NOW, 0,
				r, &len), GG_HTTP_REDIRECT);
		check_302(r + 40, len - 40u, "http://portal.example/");
	}
}

/*
 * lib/http's checksum helpers against the plain 16-bit sum written here:
 * every length to 200 at every alignment, a 64-bit starting sum, and a
 * buffer summed in pieces at odd and even offsets.
 */
static void
test_csum(void)
{
	uint8_t buf[256 + 8];
	unsigned int off, len, cut, i;
	uint32_t state = 12345;

	for (i = 0; i < sizeof(buf); i++) {
		state = state * 1103515245u + 12345u;
		buf[i] = (uint8_t)(state >> 16);
	}
	/* All ones around, so that carries happen. */
	memset(buf + 100, 0xff, 60);
	for (off = 0; off < 8; off++)
		for (len = 0; len <= 200; len++) {
			uint16_t want = (uint16_t)sum16(buf + off, len, 0);
			/* sum16 works on big-endian words: compare in that order. */
			uint16_t got = gg_cksum(buf + off, len);

			got = rte_be_to_cpu_16(got);
			if (want == 0xffff && got == 0)
				got = 0xffff;
			if (got != want)
				printf("\n    off %u len %u: %04x, want %04x\n",
						off, len, got, want);
			CU_ASSERT_EQUAL(got, want);
		}
	/* A large starting sum is the same as its folded value. */
	CU_ASSERT_EQUAL(gg_cksum_reduce(gg_raw_cksum(buf, 99,
			0xfffffffffull * 3)),
			gg_cksum_reduce(gg_raw_cksum(buf, 99,
			gg_cksum_fold64(0xfffffffffull * 3))));
	/* Pieces: every cut of 150 octets into three. */
	for (cut = 0; cut <= 150; cut += 7)
		for (i = cut; i <= 150; i += 5) {
			struct gg_cksum_pieces pc = { { 0, 0 } };

			gg_cksum_pieces_add(&pc, gg_raw_cksum(buf, cut, 0), 0);
			gg_cksum_pieces_add(&pc, gg_raw_cksum(buf + cut, i - cut,
					0), cut);
			gg_cksum_pieces_add(&pc, gg_raw_cksum(buf + i, 150 - i,
					0), i);
			CU_ASSERT_EQUAL(gg_cksum_reduce(gg_cksum_pieces_sum(&pc)),
					gg_cksum(buf, 150));
		}
}

/*
 * 302s whose pieces land at every parity: URLs of each length 1..80 (some
 * with escapes), templates with odd and even prefix and suffix lengths,
 * several ISNs (the padding changes). The reply checksums are verified
 * here (check_reply), the Location read back.
 */
static void
test_302_checksums(void)
{
	static const char *const tmpls[] = {
		TMPL, "http://p.example/x?u={url}", "http://p.example/?u={url}&v=2",
		"https://q.example/{url}x", "http://portal.example/",
	};
	uint8_t pkt[ROOM], out[ROOM];
	char req[256];
	unsigned int t, l, k;

	for (t = 0; t < sizeof(tmpls) / sizeof(tmpls[0]); t++) {
		struct gg_http_redirect c;

		CU_ASSERT_EQUAL_FATAL(gg_http_redirect_init(&c, secret, 1400,
				tmpls[t]), 0);
		for (l = 1; l <= 80; l++)
			for (k = 0; k < 3; k++) {
				struct spec sp;
				uint32_t isn = ISN + k * 0x01010101u + l;
				uint16_t len;
				size_t n, i;

				n = (size_t)snprintf(req, sizeof(req), "GET /");
				for (i = 1; i < l; i++)
					req[n++] = (i % (k + 3)) ? 'a' : '/';
				n += (size_t)snprintf(req + n, sizeof(req) - n,
						" HTTP/1.1\r\nHost: h%u.example\r\n\r\n", k);
				spec_init(&sp, F_ACK | F_PSH, isn + 1,
						gg_syncookie_make(&c, addr32(UE),
						addr32(WEB), port16(UE_PORT),
						port16(WEB_PORT), isn, 1400, NOW) + 1);
				sp.payload = req;
				sp.plen = n;
				n = build(pkt, &sp);
				ASSERT_VERDICT(run_at(&c, pkt, n, (uint16_t)n, ROOM,
						NOW, 0, out, &len), GG_HTTP_REDIRECT);
				check_reply(out, len, F_ACK | F_PSH | F_FIN,
						be32(pkt + 28), be32(pkt + 24) +
						(uint32_t)sp.plen);
			}
	}
}

static void
test_verdict_names(void)
{
	static const char *const want[] = {
		"synack", "redirect", "ack", "rst_cookie", "rst_not_http",
		"rst_too_big", "rst_unexpected", "rst_refused", "absorb_ack",
		"absorb_rst", "bad_checksum", "malformed",
	};
	unsigned int i;

	CU_ASSERT_EQUAL(sizeof(want) / sizeof(want[0]), GG_HTTP_VERDICT_MAX);
	for (i = 0; i < GG_HTTP_VERDICT_MAX; i++) {
		CU_ASSERT_STRING_EQUAL(gg_http_verdict_name(i), want[i]);
		CU_ASSERT_EQUAL(gg_http_verdict_sends(i), i <= GG_HTTP_RST_REFUSED);
	}
	CU_ASSERT_STRING_EQUAL(gg_http_verdict_name(GG_HTTP_VERDICT_MAX),
			"unknown");
	CU_ASSERT_STRING_EQUAL(gg_http_verdict_name((enum gg_http_verdict)-1),
			"unknown");
}

/* ------------------------------------------------------------ fuzz */

static uint64_t rng_state;

static uint32_t
rng(void)
{
	/* xorshift64*: reproducible across libcs, unlike rand(). */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

/* What must hold for any reply; returns the first breach. */
static const char *
check_invariants(enum gg_http_verdict v, const uint8_t *in, size_t in_n,
		const uint8_t *r, uint16_t len, uint16_t room)
{
	unsigned int ihl;

	if ((unsigned int)v >= GG_HTTP_VERDICT_MAX)
		return "verdict out of range";
	if (!gg_http_verdict_sends(v))
		return NULL;
	if (len > room || len < 40)
		return "reply length out of bounds";
	if (r[0] != 0x45 || be16(r + 2) != len || r[9] != 6)
		return "reply IPv4 header wrong";
	if (!ip_csum_ok(r) || !tcp_csum_ok(r))
		return "reply checksum wrong";
	ihl = (in[0] & 0xf) * 4u;
	if (in_n < ihl + 4 || memcmp(r + 12, in + 16, 4) != 0 ||
			memcmp(r + 16, in + 12, 4) != 0 ||
			memcmp(r + 20, in + ihl + 2, 2) != 0 ||
			memcmp(r + 22, in + ihl, 2) != 0)
		return "addresses or ports not swapped";
	if (v == GG_HTTP_REDIRECT && !location_clean(r + 40, len - 40u))
		return "302 with a dirty Location";
	if (v >= GG_HTTP_RST_COOKIE && v <= GG_HTTP_RST_REFUSED &&
			(len != 40 || !(r[33] & F_RST)))
		return "RST verdict without a bare RST";
	return NULL;
}

static void
test_fuzz(void)
{
	static const uint8_t ip_ra[8] = { 0x94, 4, 0, 0, 1, 0, 0, 0 };
	uint8_t tmpl[8][ROOM], buf[ROOM], out[ROOM];
	size_t tlen[8];
	unsigned int seen[GG_HTTP_VERDICT_MAX] = { 0 };
	unsigned long violations = 0;
	uint32_t c = cookie_for(ISN, 1400);
	struct spec s;
	unsigned int i;

	spec_init(&s, F_SYN, ISN, 0);
	tlen[0] = build(tmpl[0], &s);
	s.opt = linux_syn_opts;
	s.opt_len = sizeof(linux_syn_opts);
	tlen[1] = build(tmpl[1], &s);
	tlen[2] = build_data(tmpl[2], get_req, sizeof(get_req) - 1, 0);
	{
		uint16_t len;

		run(tmpl[2], tlen[2], out, &len);
		spec_init(&s, F_ACK | F_FIN, (uint32_t)(ISN + sizeof(get_req)),
				c + 1 + (len - 40u) + 1);
	}
	tlen[3] = build(tmpl[3], &s);
	spec_init(&s, F_ACK, ISN + 1, c + 1);
	tlen[4] = build(tmpl[4], &s);
	spec_init(&s, F_ACK | F_PSH, ISN + 1, c + 1);
	s.ipopt = ip_ra;
	s.ipopt_len = 8;
	s.payload = "GET /q HTTP/1.0\r\n\r\n";
	s.plen = 19;
	tlen[5] = build(tmpl[5], &s);
	spec_init(&s, F_RST | F_ACK, 1, 2);
	tlen[6] = build(tmpl[6], &s);
	tlen[7] = build_data(tmpl[7], "GET /a/b", 8, F_FIN);

	rng_state = FUZZ_SEED;
	guard_breaches = 0;
	for (i = 0; i < FUZZ_ITERATIONS; i++) {
		unsigned int t = rng() % 8;
		unsigned int edits = rng() % 5;
		size_t n = tlen[t], k;
		uint16_t room, len;
		enum gg_http_verdict v;
		const char *why;
		int refuse = (rng() % 8) == 0;

		memcpy(buf, tmpl[t], n);
		for (k = 0; k < edits; k++) {
			size_t at = rng() % n;

			if (rng() % 2)
				buf[at] ^= (uint8_t)(1u << (rng() % 8));
			else
				buf[at] = (uint8_t)rng();
		}
		switch (rng() % 4) {
		case 0: /* cut or extend */
			{
				size_t nl = rng() % (n + 16);

				for (k = n; k < nl; k++)
					buf[k] = (uint8_t)rng();
				n = nl;
			}
			break;
		case 1: /* lengths that agree with the cut */
			n = 20 + rng() % (n - 19);
			if (n >= 4)
				put16(buf + 2, (uint16_t)n);
			break;
		default:
			break;
		}
		if (rng() % 4 != 0)
			fix_csums(buf, n);
		room = (uint16_t)(n + (rng() % 2 ? rng() % 64 : rng() % 1500));

		v = run_at(&cfg, buf, n, (uint16_t)n, room,
				NOW + rng() % 200, refuse, out, &len);
		seen[v < GG_HTTP_VERDICT_MAX ? v : 0]++;
		why = check_invariants(v, buf, n, out, len, room);
		if (why != NULL && violations++ < 5) {
			printf("\n    iteration %u verdict %s: %s\n", i,
					gg_http_verdict_name(v), why);
		}
	}
	CU_ASSERT_EQUAL(violations, 0);
	CU_ASSERT_EQUAL(guard_breaches, 0);
	for (i = 0; i < GG_HTTP_VERDICT_MAX; i++) {
		if (seen[i] == 0)
			printf("\n    verdict %s never produced\n",
					gg_http_verdict_name(i));
		CU_ASSERT(seen[i] > 0);
	}
}

/* ------------------------------------------------------------ cost */

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Printed, not checked: machines differ. */
static void
test_cost(void)
{
	enum { ROUNDS = 200000 };
	uint8_t syn[ROOM], get[ROOM], work[ROOM];
	size_t syn_n, get_n;
	struct spec s;
	double t0, t_syn, t_get;
	unsigned int i, ok = 0;
	uint16_t len;

	spec_init(&s, F_SYN, ISN, 0);
	s.opt = linux_syn_opts;
	s.opt_len = sizeof(linux_syn_opts);
	syn_n = build(syn, &s);
	get_n = build_data(get, get_req, sizeof(get_req) - 1, 0);

	t0 = now_ns();
	for (i = 0; i < ROUNDS; i++) {
		memcpy(work, syn, syn_n);
		len = (uint16_t)syn_n;
		ok += gg_http_handle(&cfg, work, &len, ROOM, NOW) ==
				GG_HTTP_SYNACK;
	}
	t_syn = (now_ns() - t0) / ROUNDS;
	t0 = now_ns();
	for (i = 0; i < ROUNDS; i++) {
		memcpy(work, get, get_n);
		len = (uint16_t)get_n;
		ok += gg_http_handle(&cfg, work, &len, ROOM, NOW) ==
				GG_HTTP_REDIRECT;
	}
	t_get = (now_ns() - t0) / ROUNDS;
	CU_ASSERT_EQUAL(ok, 2 * ROUNDS);
	printf("\n    SYN -> SYN-ACK %.0f ns, GET (%zu octets) -> 302 %.0f ns"
			" (copy included)\n    ", t_syn, get_n, t_get);
}

/* ------------------------------------------------------------ tshark */

static void
pcap_frame(FILE *f, unsigned int i, const uint8_t *ip, uint16_t len,
		int from_ue)
{
	static const uint8_t mac_ue[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t mac_gw[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	uint32_t rec[4] = { 1700000000u, i * 1000u, 14u + len, 14u + len };
	uint8_t eth[14];

	memcpy(eth, from_ue ? mac_gw : mac_ue, 6);
	memcpy(eth + 6, from_ue ? mac_ue : mac_gw, 6);
	eth[12] = 0x08;
	eth[13] = 0x00;
	fwrite(rec, sizeof(rec), 1, f);
	fwrite(eth, sizeof(eth), 1, f);
	fwrite(ip, len, 1, f);
}

static void
test_tshark(void)
{
	/* pcap global header, native byte order: magic, 2.4, snaplen, Ethernet. */
	const uint32_t ghdr[6] = { 0xa1b2c3d4u, 0x00040002u, 0, 0, 65535, 1 };
	static const char req[] =
		"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n"
		"User-Agent: test_http\r\nAccept: */*\r\n\r\n";
	uint8_t syn[ROOM], synack[ROOM], ack[ROOM], get[ROOM], reply[ROOM];
	uint8_t fin[ROOM], finack[ROOM];
	uint16_t synack_len, reply_len, finack_len;
	size_t syn_n, ack_n, get_n, fin_n;
	char path[] = "/tmp/test_http_XXXXXX";
	char cmd[256], line[1024];
	uint32_t cookie;
	struct spec s;
	int fd, status, saw_302 = 0, saw_loc = 0, saw_mss = 0, saw_good = 0;
	int saw_bad = 0, saw_malformed = 0, saw_unseen = 0;
	FILE *f, *p;
	unsigned int frames = 0;

	spec_init(&s, F_SYN, ISN, 0);
	s.opt = linux_syn_opts;
	s.opt_len = sizeof(linux_syn_opts);
	syn_n = build(syn, &s);
	ASSERT_VERDICT(run(syn, syn_n, synack, &synack_len), GG_HTTP_SYNACK);
	cookie = be32(synack + 24);
	spec_init(&s, F_ACK, ISN + 1, cookie + 1);
	ack_n = build(ack, &s);
	spec_init(&s, F_ACK | F_PSH, ISN + 1, cookie + 1);
	s.payload = req;
	s.plen = sizeof(req) - 1;
	get_n = build(get, &s);
	ASSERT_VERDICT(run(get, get_n, reply, &reply_len), GG_HTTP_REDIRECT);
	spec_init(&s, F_ACK | F_FIN, (uint32_t)(ISN + sizeof(req)),
			cookie + 1 + (reply_len - 40u) + 1);
	fin_n = build(fin, &s);
	ASSERT_VERDICT(run(fin, fin_n, finack, &finack_len), GG_HTTP_ACK);

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "wb");
	CU_ASSERT_FATAL(f != NULL);
	fwrite(ghdr, sizeof(ghdr), 1, f);
	pcap_frame(f, frames++, syn, (uint16_t)syn_n, 1);
	pcap_frame(f, frames++, synack, synack_len, 0);
	pcap_frame(f, frames++, ack, (uint16_t)ack_n, 1);
	pcap_frame(f, frames++, get, (uint16_t)get_n, 1);
	pcap_frame(f, frames++, reply, reply_len, 0);
	pcap_frame(f, frames++, fin, (uint16_t)fin_n, 1);
	pcap_frame(f, frames++, finack, finack_len, 0);
	fclose(f);

	snprintf(cmd, sizeof(cmd), "tshark -r %s -o tcp.check_checksum:TRUE "
			"-o ip.check_checksum:TRUE -V 2>/dev/null", path);
	p = popen(cmd, "r");
	CU_ASSERT_FATAL(p != NULL);
	while (fgets(line, sizeof(line), p) != NULL) {
		saw_302 |= strstr(line, "HTTP/1.1 302 Found\\r\\n") != NULL;
		saw_loc |= strstr(line, "Location: " PORTAL
				"http%3A%2F%2Fwww.example.com%2Findex.html\\r\\n")
				!= NULL;
		saw_mss |= strstr(line, "Maximum segment size: 1400 bytes") != NULL;
		/* tshark 4.0 spells the IPv4 one in lower case. */
		saw_good += strstr(line, "Checksum Status: Good") != NULL ||
				strstr(line, "checksum status: Good") != NULL;
		saw_bad |= strstr(line, "[Bad") != NULL ||
				strstr(line, "Status: Bad") != NULL ||
				strstr(line, "status: Bad") != NULL;
		saw_malformed |= strstr(line, "Malformed") != NULL;
		saw_unseen |= strstr(line, "unseen segment") != NULL ||
				strstr(line, "not captured") != NULL;
	}
	status = pclose(p);
	if (status != 0)
		printf("\n    tshark failed (status %d): is it installed?\n",
				status);
	CU_ASSERT_EQUAL(status, 0);
	CU_ASSERT(saw_302);
	CU_ASSERT(saw_loc);
	CU_ASSERT(saw_mss);
	CU_ASSERT_EQUAL(saw_good, 2 * (int)frames); /* IPv4 and TCP, each frame */
	CU_ASSERT(!saw_bad);
	CU_ASSERT(!saw_malformed);
	CU_ASSERT(!saw_unseen);

	/* tshark's own analysis: notes and chats only, no warning or error. */
	snprintf(cmd, sizeof(cmd), "tshark -r %s -q -z expert 2>/dev/null",
			path);
	p = popen(cmd, "r");
	CU_ASSERT_FATAL(p != NULL);
	saw_bad = 0;
	saw_good = 0;
	while (fgets(line, sizeof(line), p) != NULL) {
		saw_bad |= strncmp(line, "Errors (", 8) == 0 ||
				strncmp(line, "Warnings (", 10) == 0;
		saw_good |= strncmp(line, "Chats (", 7) == 0;
	}
	CU_ASSERT_EQUAL(pclose(p), 0);
	CU_ASSERT(!saw_bad);
	CU_ASSERT(saw_good);
	if (getenv("KEEP_PCAP") == NULL && CU_get_number_of_failures() == 0)
		unlink(path);
	else
		printf("\n    pcap kept: %s\n", path);
}

/* ------------------------------------------------------------ main */

static int
suite_init(void)
{
	return gg_http_redirect_init(&cfg, secret, CFG_MSS, TMPL) == 0 ? 0 : -1;
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "SipHash-2-4 reference vectors", test_siphash_vectors },
		{ "configuration and template checks", test_init },
		{ "SYN cookie make/check, tuple, time, MSS", test_cookie },
		{ "request target: every octet, scalar and SSE2 paths",
			test_target_octets },
		{ "Host value: every octet, scalar and SSE2 paths",
			test_host_octets },
		{ "SYN cookie known answer (shared with perf_inputs.py)",
			test_cookie_known_answer },
		{ "cookie clock offset", test_clock_offset },
		{ "SYN with MSS option -> SYN-ACK", test_syn_mss },
		{ "SYN without MSS option -> SYN-ACK 536", test_syn_no_mss },
		{ "handshake ACK absorbed", test_handshake_ack },
		{ "GET with Host -> 302", test_get_host },
		{ "GET without Host -> destination address", test_get_no_host },
		{ "POST -> 302", test_post },
		{ "other methods and target forms", test_other_forms },
		{ "retransmitted GET -> same reply", test_retransmission },
		{ "bad or expired cookie -> RST", test_bad_cookie },
		{ "not HTTP -> RST", test_not_http },
		{ "FIN handling", test_fin },
		{ "RST received -> absorbed", test_rst_in },
		{ "refused port -> RST (gg_tcp_rst)", test_refuse },
		{ "malformed headers and options", test_malformed },
		{ "room and client MSS limits", test_room },
		{ "header injection", test_injection },
		{ "request recogniser", test_parse_request },
		{ "Location expansion", test_location },
		{ "checksum helpers", test_csum },
		{ "302 checksums, pieces at every parity", test_302_checksums },
		{ "verdict names", test_verdict_names },
		{ "robustness (200k mutations)", test_fuzz },
		{ "cost (printed)", test_cost },
		{ "tshark reads the exchange", test_tshark },
	};

	return test_cunit_main("http", suite_init, NULL, TEST_CASES(tests));
}
