/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit tests for lib/dns: query parsing (every rejection named), forged
 * answers checked byte for byte and by an independent decoder (tshark),
 * response snooping through CNAME chains, hostile names, every truncated
 * prefix, and a fixed-seed mutation loop checking invariants.
 *
 * Every parse reads a copy of the message that ends where an inaccessible
 * page begins, so any read past len crashes the suite (see place()).
 * Exits non-zero when any assertion failed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include <rte_common.h>

#include "gg_dns.h"
/* The general name reader: the reference the in-place scan is held to. */
#include "dns_private.h"
#include "test_cunit.h"

#define MSG_MAX 4096
#define FUZZ_ITERATIONS 200000
#define FUZZ_SEED 0x2545f4914f6cdd1dULL

#define ASSERT_STATUS(got, want) do { \
	enum gg_dns_status got_ = (got); \
	enum gg_dns_status want_ = (want); \
	if (got_ != want_) \
		printf("\n    line %d: got %s, want %s\n", __LINE__, \
			gg_dns_status_name(got_), \
			gg_dns_status_name(want_)); \
	CU_ASSERT_EQUAL(got_, want_); \
} while (0)

/* 192.0.2.80 and 2001:db8::80 (documentation ranges). */
static const uint8_t PORTAL4[4] = { 192, 0, 2, 80 };
static const uint8_t PORTAL6[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80,
};

/*
 * Where parsers read from: the message is copied so that its last octet is
 * the last one before a PROT_NONE page, so reading even one octet past len
 * kills the test with SIGSEGV, valgrind or not.
 */
static uint8_t *guard_page;

static const uint8_t *
place(const uint8_t *msg, size_t len)
{
	if (guard_page == NULL) {
		size_t pg = (size_t)sysconf(_SC_PAGESIZE);
		size_t span = (MSG_MAX + pg - 1) / pg * pg + pg;
		uint8_t *p = mmap(NULL, span, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED || mprotect(p + span - pg, pg, PROT_NONE)) {
			perror("guard page");
			exit(2);
		}
		guard_page = p + span - pg;
	}
	if (len > MSG_MAX) {
		fprintf(stderr, "message of %zu octets over MSG_MAX\n", len);
		exit(2);
	}
	memcpy(guard_page - len, msg, len);
	return guard_page - len;
}

/* What pq() parsed last: where gg_dns_query_name() finds the question. */
static const uint8_t *pq_msg;

static enum gg_dns_status
pq(const uint8_t *msg, size_t len, struct gg_dns_query *q)
{
	/* Garbage in, so a parser that forgets to set a field is caught. */
	memset(q, 0xa5, sizeof(*q));
	pq_msg = place(msg, len);
	return gg_dns_parse_query(pq_msg, len, q);
}

/* Text of the question pq() accepted last (overwritten by the next call). */
static const char *
qname(const struct gg_dns_query *q)
{
	static char text[GG_DNS_NAME_TEXT_MAX + 1];

	memset(text, 0xa5, sizeof(text));
	CU_ASSERT_EQUAL(gg_dns_query_name(pq_msg, q, text), q->name_len);
	return text;
}

static enum gg_dns_status
pr(const uint8_t *msg, size_t len, struct gg_dns_response *r)
{
	memset(r, 0xa5, sizeof(*r));
	return gg_dns_parse_response(place(msg, len), len, r);
}

static void
forge_policy(struct gg_dns_forge *f, int with_ipv6, uint8_t other_rcode)
{
	memset(f, 0, sizeof(*f));
	memcpy(&f->portal_ipv4, PORTAL4, 4);
	memcpy(f->portal_ipv6, PORTAL6, 16);
	f->has_ipv6 = (uint8_t)with_ipv6;
	f->other_rcode = other_rcode;
	f->edns_udp_size = 1232;
	f->ttl = 30;
}

/* ------------------------------------------------------- message builder */

struct msg {
	uint8_t b[MSG_MAX];
	size_t n;
};

static void
put8(struct msg *m, uint8_t v)
{
	m->b[m->n++] = v;
}

static void
put16(struct msg *m, uint16_t v)
{
	put8(m, (uint8_t)(v >> 8));
	put8(m, (uint8_t)v);
}

static void
put32(struct msg *m, uint32_t v)
{
	put16(m, (uint16_t)(v >> 16));
	put16(m, (uint16_t)v);
}

static void
put_bytes(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void
set16(struct msg *m, size_t at, uint16_t v)
{
	m->b[at] = (uint8_t)(v >> 8);
	m->b[at + 1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* Labels of a dotted name, no terminator; "" writes nothing. */
static void
put_labels(struct msg *m, const char *dotted)
{
	while (*dotted != '\0') {
		const char *dot = strchr(dotted, '.');
		size_t l = dot ? (size_t)(dot - dotted) : strlen(dotted);

		put8(m, (uint8_t)l);
		put_bytes(m, dotted, l);
		dotted += l;
		if (*dotted == '.')
			dotted++;
	}
}

/* Uncompressed name; returns where it starts. */
static size_t
put_name(struct msg *m, const char *dotted)
{
	size_t at = m->n;

	put_labels(m, dotted);
	put8(m, 0);
	return at;
}

static void
put_ptr(struct msg *m, size_t off)
{
	put16(m, (uint16_t)(0xc000 | off));
}

static void
put_hdr(struct msg *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		uint16_t ns, uint16_t ar)
{
	m->n = 0;
	put16(m, id);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

/* OPT record: root owner, size, version, DO, then raw option octets. */
static void
put_opt(struct msg *m, uint16_t size, uint8_t version, int do_bit,
		const uint8_t *opts, uint16_t opts_len)
{
	put8(m, 0);
	put16(m, GG_DNS_TYPE_OPT);
	put16(m, size);
	put32(m, (uint32_t)version << 16 | (do_bit ? 0x8000 : 0));
	put16(m, opts_len);
	if (opts_len)
		put_bytes(m, opts, opts_len);
}

/* A query as a stub sends it: RD set, EDNS if edns_size != 0. */
static size_t
build_query(struct msg *m, uint16_t id, const char *name, uint16_t qtype,
		uint16_t edns_size)
{
	put_hdr(m, id, GG_DNS_FLAG_RD, 1, 0, 0, edns_size != 0);
	put_name(m, name);
	put16(m, qtype);
	put16(m, GG_DNS_CLASS_IN);
	if (edns_size != 0)
		put_opt(m, edns_size, 0, 0, NULL, 0);
	return m->n;
}

/* Response header and question; returns the question name's offset (12). */
static size_t
build_response(struct msg *m, const char *qname, uint16_t qtype, uint16_t an)
{
	put_hdr(m, 0x4242, GG_DNS_FLAG_QR | GG_DNS_FLAG_RD | GG_DNS_FLAG_RA,
			1, an, 0, 0);
	put_name(m, qname);
	put16(m, qtype);
	put16(m, GG_DNS_CLASS_IN);
	return GG_DNS_HDR_LEN;
}

/* Record owned by the name at owner_off (a pointer); rdata written by caller. */
static size_t
put_rr_head(struct msg *m, size_t owner_off, uint16_t type, uint16_t class,
		uint32_t ttl, uint16_t rdlen)
{
	put_ptr(m, owner_off);
	put16(m, type);
	put16(m, class);
	put32(m, ttl);
	put16(m, rdlen);
	return m->n;
}

static void
put_a(struct msg *m, size_t owner_off, uint8_t a, uint8_t b, uint8_t c,
		uint8_t d, uint32_t ttl)
{
	put_rr_head(m, owner_off, GG_DNS_TYPE_A, GG_DNS_CLASS_IN, ttl, 4);
	put8(m, a);
	put8(m, b);
	put8(m, c);
	put8(m, d);
}

/* CNAME owned by owner_off whose target is written uncompressed; returns the target's offset. */
static size_t
put_cname(struct msg *m, size_t owner_off, const char *target, uint32_t ttl)
{
	size_t rd = put_rr_head(m, owner_off, GG_DNS_TYPE_CNAME,
			GG_DNS_CLASS_IN, ttl, 0);

	put_name(m, target);
	set16(m, rd - 2, (uint16_t)(m->n - rd));
	return rd;
}

static uint32_t
ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint32_t v;
	const uint8_t o[4] = { a, b, c, d };

	memcpy(&v, o, 4);
	return v;
}

/* ------------------------------------------------------------ query parse */

static void
test_query_hand_made(void)
{
	/* dig +noedns example.com A, ID 0xbeef, RD. */
	static const uint8_t pkt[] = {
		0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0x00, 0x01, 0x00, 0x01,
	};
	struct gg_dns_query q;

	ASSERT_STATUS(pq(pkt, sizeof(pkt), &q), GG_DNS_OK);
	CU_ASSERT_EQUAL(q.id, 0xbeef);
	CU_ASSERT_EQUAL(q.flags, GG_DNS_FLAG_RD);
	CU_ASSERT_STRING_EQUAL(qname(&q), "example.com");
	CU_ASSERT_EQUAL(q.name_len, 11);
	CU_ASSERT_EQUAL(q.qtype, GG_DNS_TYPE_A);
	CU_ASSERT_EQUAL(q.qclass, GG_DNS_CLASS_IN);
	CU_ASSERT_EQUAL(q.question_end, sizeof(pkt));
	CU_ASSERT_EQUAL(q.has_edns, 0);
	CU_ASSERT_EQUAL(q.edns_udp_size, 0);
	CU_ASSERT_EQUAL(q.edns_version, 0);
	CU_ASSERT_EQUAL(q.edns_do, 0);
	/* The labels' length octets, from the name's start. */
	CU_ASSERT_EQUAL(q.n_labels, 2);
	CU_ASSERT_EQUAL(q.label_off[0], 0);
	CU_ASSERT_EQUAL(q.label_off[1], 8);
}

static void
test_query_types(void)
{
	static const uint16_t types[] = {
		GG_DNS_TYPE_A, GG_DNS_TYPE_AAAA, GG_DNS_TYPE_HTTPS,
		GG_DNS_TYPE_SVCB, GG_DNS_TYPE_MX, GG_DNS_TYPE_TXT,
		GG_DNS_TYPE_ANY, 0xffff,
	};
	struct gg_dns_query q;
	struct msg m;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t n = build_query(&m, (uint16_t)i, "www.example.org",
				types[i], 0);

		ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_OK);
		CU_ASSERT_EQUAL(q.qtype, types[i]);
		CU_ASSERT_EQUAL(q.id, i);
		CU_ASSERT_STRING_EQUAL(qname(&q), "www.example.org");
		CU_ASSERT_EQUAL(q.question_end, n);
	}

	/* Other classes parse; the forge decides what to do with them. */
	build_query(&m, 1, "version.bind", GG_DNS_TYPE_TXT, 0);
	set16(&m, m.n - 2, GG_DNS_CLASS_CH);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_OK);
	CU_ASSERT_EQUAL(q.qclass, GG_DNS_CLASS_CH);

	/* Flags a client may set (AD, CD, no RD) are kept as sent. */
	build_query(&m, 1, "a.b", GG_DNS_TYPE_A, 0);
	set16(&m, 2, GG_DNS_FLAG_AD | GG_DNS_FLAG_CD);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_OK);
	CU_ASSERT_EQUAL(q.flags, GG_DNS_FLAG_AD | GG_DNS_FLAG_CD);
}

static void
test_query_names(void)
{
	struct gg_dns_query q;
	struct msg m;
	size_t n;

	n = build_query(&m, 7, "WwW.ExAmPlE.CoM", GG_DNS_TYPE_A, 0);
	ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_OK);
	CU_ASSERT_STRING_EQUAL(qname(&q), "www.example.com");
	CU_ASSERT_EQUAL(q.name_len, 15);
	/* Parsing does not touch the message: the echo keeps the 0x20 case. */
	CU_ASSERT_EQUAL(m.b[13], 'W');

	/* Underscores, digits, hyphens and other printable ASCII are names too. */
	n = build_query(&m, 7, "_dns.resolver.arpa", GG_DNS_TYPE_SVCB, 0);
	ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_OK);
	CU_ASSERT_STRING_EQUAL(qname(&q), "_dns.resolver.arpa");
	n = build_query(&m, 7, "Xn--80A-9.*.~!", GG_DNS_TYPE_A, 0);
	ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_OK);
	CU_ASSERT_STRING_EQUAL(qname(&q), "xn--80a-9.*.~!");

	/* The root: empty text. */
	n = build_query(&m, 7, "", GG_DNS_TYPE_NS, 0);
	CU_ASSERT_EQUAL(n, 12 + 1 + 4);
	ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_OK);
	CU_ASSERT_STRING_EQUAL(qname(&q), "");
	CU_ASSERT_EQUAL(q.name_len, 0);
	CU_ASSERT_EQUAL(q.question_end, 17);

	/* A label holding a dot, NUL, space, DEL or a high octet. */
	{
		static const uint8_t bad[] = { '.', 0, ' ', 0x7f, 0x80, 0xff, '\n' };

		for (size_t i = 0; i < sizeof(bad); i++) {
			put_hdr(&m, 1, 0, 1, 0, 0, 0);
			put8(&m, 3);
			put8(&m, 'a');
			put8(&m, bad[i]);
			put8(&m, 'b');
			put_name(&m, "com");
			put16(&m, GG_DNS_TYPE_A);
			put16(&m, GG_DNS_CLASS_IN);
			ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_BAD_NAME_CHAR);
		}
	}
}

/* Name made of labels of the given lengths ('a'..), uncompressed. */
static void
put_long_name(struct msg *m, const uint8_t *lens, size_t nlabels)
{
	for (size_t i = 0; i < nlabels; i++) {
		put8(m, lens[i]);
		for (size_t k = 0; k < lens[i]; k++)
			put8(m, (uint8_t)('a' + (k + i) % 26));
	}
	put8(m, 0);
}

static void
test_query_name_limits(void)
{
	/* 4 length octets + 250 + root = 255: the largest name. */
	static const uint8_t max255[] = { 63, 63, 63, 61 };
	static const uint8_t over256[] = { 63, 63, 63, 62 };
	static const uint8_t small127[] = { 1 };
	uint8_t lens[127];
	struct gg_dns_query q;
	struct msg m;

	put_hdr(&m, 1, 0, 1, 0, 0, 0);
	put_long_name(&m, max255, 4);
	CU_ASSERT_EQUAL(m.n - 12, 255);
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_OK);
	CU_ASSERT_EQUAL(q.name_len, GG_DNS_NAME_TEXT_MAX);
	CU_ASSERT_EQUAL(q.n_labels, 4);
	CU_ASSERT_EQUAL(q.label_off[3], 192);
	CU_ASSERT_EQUAL(strlen(qname(&q)), 253);
	CU_ASSERT_EQUAL(q.question_end, 12 + 255 + 4);

	put_hdr(&m, 1, 0, 1, 0, 0, 0);
	put_long_name(&m, over256, 4);
	CU_ASSERT_EQUAL(m.n - 12, 256);
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_NAME_TOO_LONG);

	/* 127 one-octet labels: 255 octets; 128: 257. */
	memset(lens, 1, sizeof(lens));
	put_hdr(&m, 1, 0, 1, 0, 0, 0);
	put_long_name(&m, lens, 127);
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_OK);
	CU_ASSERT_EQUAL(q.name_len, 253);
	CU_ASSERT_EQUAL(q.n_labels, GG_DNS_LABELS_MAX);
	CU_ASSERT_EQUAL(q.label_off[0], 0);
	CU_ASSERT_EQUAL(q.label_off[126], 252);
	put_hdr(&m, 1, 0, 1, 0, 0, 0);
	put_long_name(&m, lens, 127);
	m.n--;
	put_long_name(&m, small127, 1);
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_NAME_TOO_LONG);

	/* Labels of 63 accepted, 64 (0x40) and 0x80 are reserved label types. */
	{
		const uint8_t l63[] = { 63 };

		put_hdr(&m, 1, 0, 1, 0, 0, 0);
		put_long_name(&m, l63, 1);
		put16(&m, GG_DNS_TYPE_A);
		put16(&m, GG_DNS_CLASS_IN);
		ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_OK);
		CU_ASSERT_EQUAL(q.name_len, 63);
	}
	for (unsigned int t = 0x40; t < 0xc0; t += 0x3f) {
		put_hdr(&m, 1, 0, 1, 0, 0, 0);
		put8(&m, (uint8_t)t);
		for (unsigned int k = 0; k < (t & 0x3f) + 64; k++)
			put8(&m, 'x');
		put8(&m, 0);
		put16(&m, GG_DNS_TYPE_A);
		put16(&m, GG_DNS_CLASS_IN);
		ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_BAD_LABEL_TYPE);
	}
	put_hdr(&m, 1, 0, 1, 0, 0, 0);
	put_labels(&m, "www");
	put8(&m, 0x80);
	put_name(&m, "com");
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_BAD_LABEL_TYPE);
}

static void
test_query_pointers(void)
{
	struct gg_dns_query q;
	struct msg m;

	/* Pointer to itself. */
	put_hdr(&m, 1, 0, 1, 0, 0, 0);
	put_ptr(&m, 12);
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_POINTER_FORWARD);

	/* Forward, to a name placed after the question. */
	put_hdr(&m, 1, 0, 1, 0, 0, 0);
	put_labels(&m, "www");
	put_ptr(&m, 22);
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	CU_ASSERT_EQUAL(m.n, 22);
	put_name(&m, "com");
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_POINTER_FORWARD);

	/* Two pointers at each other: the first one goes forward. */
	put_hdr(&m, 1, 0, 1, 0, 0, 0);
	put_ptr(&m, 14);
	put_ptr(&m, 12);
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_POINTER_FORWARD);

	/* Backwards into its own labels: a loop the jump bound stops. */
	put_hdr(&m, 1, 0, 1, 0, 0, 0);
	put_labels(&m, "a");
	put_ptr(&m, 12);
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_POINTER_LOOP);

	/* Same with a long label: the name limit comes first. */
	put_hdr(&m, 1, 0, 1, 0, 0, 0);
	put_labels(&m, "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij");
	put_ptr(&m, 12);
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_NAME_TOO_LONG);

	/* Past the end, into the header, and cut after the first octet. */
	put_hdr(&m, 1, 0, 1, 0, 0, 0);
	put_labels(&m, "www");
	put_ptr(&m, 0x3fff);
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_POINTER_OUT_OF_RANGE);
	put_hdr(&m, 1, 0, 1, 0, 0, 0);
	put_labels(&m, "www");
	put_ptr(&m, 4);
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_POINTER_OUT_OF_RANGE);
	put_hdr(&m, 1, 0, 1, 0, 0, 0);
	put_labels(&m, "www");
	put8(&m, 0xc0);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_TRUNCATED);

	/* Pointer just past the end of the message. */
	put_hdr(&m, 1, 0, 1, 0, 0, 0);
	put_labels(&m, "www");
	put_ptr(&m, 22);
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	CU_ASSERT_EQUAL(m.n, 22);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_POINTER_OUT_OF_RANGE);
}

static void
test_query_header(void)
{
	struct gg_dns_query q;
	struct msg m;
	size_t n;

	n = build_query(&m, 0x1234, "example.com", GG_DNS_TYPE_A, 0);

	set16(&m, 2, GG_DNS_FLAG_QR | GG_DNS_FLAG_RD);
	ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_NOT_QUERY);
	CU_ASSERT_EQUAL(q.id, 0x1234);
	for (unsigned int op = 1; op < 16; op++) {
		set16(&m, 2, (uint16_t)(op << 11 | GG_DNS_FLAG_RD));
		ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_BAD_OPCODE);
	}
	set16(&m, 2, GG_DNS_FLAG_RD);

	set16(&m, 4, 0);
	ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_BAD_QDCOUNT);
	set16(&m, 4, 2);
	ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_BAD_QDCOUNT);
	set16(&m, 4, 65535);
	ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_BAD_QDCOUNT);
	set16(&m, 4, 1);

	set16(&m, 6, 1);
	ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_UNEXPECTED_RECORDS);
	set16(&m, 6, 65535);
	ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_UNEXPECTED_RECORDS);
	set16(&m, 6, 0);
	set16(&m, 8, 1);
	ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_UNEXPECTED_RECORDS);
	set16(&m, 8, 0);
	set16(&m, 10, 2);
	ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_BAD_ARCOUNT);
	set16(&m, 10, 65535);
	ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_BAD_ARCOUNT);
	/* ARCOUNT 1 with nothing there. */
	set16(&m, 10, 1);
	ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_TRUNCATED);
	set16(&m, 10, 0);

	ASSERT_STATUS(pq(m.b, n, &q), GG_DNS_OK);
	/* Trailing garbage, one octet or many. */
	m.b[n] = 0;
	ASSERT_STATUS(pq(m.b, n + 1, &q), GG_DNS_TRAILING_DATA);
	memset(m.b + n, 0xee, 100);
	ASSERT_STATUS(pq(m.b, n + 100, &q), GG_DNS_TRAILING_DATA);

	n = build_query(&m, 0x1234, "example.com", GG_DNS_TYPE_A, 1232);
	m.b[n] = 0;
	ASSERT_STATUS(pq(m.b, n + 1, &q), GG_DNS_TRAILING_DATA);

	ASSERT_STATUS(pq(m.b, 0, &q), GG_DNS_TRUNCATED);
	CU_ASSERT_EQUAL(q.id, 0);
}

static void
test_query_edns(void)
{
	/* A COOKIE option (10) with an 8-octet client cookie, then padding (12). */
	static const uint8_t opts[] = {
		0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
		0x00, 0x0c, 0x00, 0x02, 0, 0,
	};
	struct gg_dns_query q;
	struct msg m;
	size_t qend;

	build_query(&m, 9, "example.com", GG_DNS_TYPE_A, 4096);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_OK);
	CU_ASSERT_EQUAL(q.has_edns, 1);
	CU_ASSERT_EQUAL(q.edns_udp_size, 4096);
	CU_ASSERT_EQUAL(q.edns_version, 0);
	CU_ASSERT_EQUAL(q.edns_do, 0);
	CU_ASSERT_EQUAL(q.question_end, m.n - 11);

	build_query(&m, 9, "example.com", GG_DNS_TYPE_A, 0);
	qend = m.n;
	set16(&m, 10, 1);
	put_opt(&m, 1232, 1, 1, opts, sizeof(opts));
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_OK);
	CU_ASSERT_EQUAL(q.has_edns, 1);
	CU_ASSERT_EQUAL(q.edns_udp_size, 1232);
	CU_ASSERT_EQUAL(q.edns_version, 1);
	CU_ASSERT_EQUAL(q.edns_do, 1);
	CU_ASSERT_EQUAL(q.question_end, qend);

	/* Option length running past the OPT data. */
	m.b[qend + 11 + 3] = 9;
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_BAD_OPT);
	m.b[qend + 11 + 3] = 8;
	/* OPT data running past the message. */
	set16(&m, qend + 9, sizeof(opts) + 1);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_TRUNCATED);
	/* OPT data holding the cookie only: the padding option trails. */
	set16(&m, qend + 9, 12);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_TRAILING_DATA);
	/* A lone octet after the cookie: not even an option header. */
	set16(&m, qend + 9, 13);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_BAD_OPT);
	/* An option header whose data is cut by the OPT length. */
	set16(&m, qend + 9, sizeof(opts) - 1);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_BAD_OPT);

	/* OPT owned by a name other than the root, even by a pointer to the question. */
	build_query(&m, 9, "example.com", GG_DNS_TYPE_A, 0);
	set16(&m, 10, 1);
	put_ptr(&m, 12);
	put16(&m, GG_DNS_TYPE_OPT);
	put16(&m, 512);
	put32(&m, 0);
	put16(&m, 0);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_BAD_OPT);

	/* A TSIG-like record instead of an OPT. */
	build_query(&m, 9, "example.com", GG_DNS_TYPE_A, 0);
	set16(&m, 10, 1);
	put_name(&m, "key");
	put16(&m, 250);
	put16(&m, 255);
	put32(&m, 0);
	put16(&m, 0);
	ASSERT_STATUS(pq(m.b, m.n, &q), GG_DNS_NOT_OPT);
}

static void
test_query_truncated(void)
{
	static const uint8_t opts[] = { 0x00, 0x0a, 0x00, 0x02, 0xab, 0xcd };
	struct gg_dns_query q;
	struct msg m[3];
	size_t n[3];

	n[0] = build_query(&m[0], 1, "mail.Example.co.uk", GG_DNS_TYPE_MX, 0);
	n[1] = build_query(&m[1], 2, "www.example.com", GG_DNS_TYPE_A, 1232);
	build_query(&m[2], 3, "", GG_DNS_TYPE_A, 0);
	set16(&m[2], 10, 1);
	put_opt(&m[2], 1400, 0, 1, opts, sizeof(opts));
	n[2] = m[2].n;

	for (int t = 0; t < 3; t++) {
		ASSERT_STATUS(pq(m[t].b, n[t], &q), GG_DNS_OK);
		for (size_t l = 0; l < n[t]; l++)
			ASSERT_STATUS(pq(m[t].b, l, &q), GG_DNS_TRUNCATED);
	}
}

/* ------------------------------------------------------------------ forge */

/* Parse, forge into a buffer of room octets; returns the new length. */
static size_t
forge(struct msg *m, size_t n, size_t room, const struct gg_dns_forge *f,
		struct gg_dns_query *q)
{
	enum gg_dns_status st = gg_dns_parse_query(m->b, n, q);

	CU_ASSERT_EQUAL_FATAL(st, GG_DNS_OK);
	return gg_dns_forge_answer(m->b, n, room, q, f);
}

static void
test_forge_a(void)
{
	static const uint8_t want[] = {
		0xbe, 0xef,             /* ID */
		0x81, 0x80,             /* QR RD RA, NOERROR */
		0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0x00, 0x01, 0x00, 0x01,
		0xc0, 0x0c,             /* owner: the question name */
		0x00, 0x01, 0x00, 0x01, /* A IN */
		0x00, 0x00, 0x00, 0x1e, /* TTL 30 */
		0x00, 0x04, 192, 0, 2, 80,
	};
	struct gg_dns_forge f;
	struct gg_dns_query q;
	struct gg_dns_response r;
	struct msg m;
	size_t n, w;

	forge_policy(&f, 1, GG_DNS_RCODE_NXDOMAIN);
	n = build_query(&m, 0xbeef, "Example.com", GG_DNS_TYPE_A, 0);
	memset(m.b + n, 0xee, 64);
	w = forge(&m, n, sizeof(m.b), &f, &q);
	CU_ASSERT_EQUAL_FATAL(w, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(m.b, want, sizeof(want)), 0);
	CU_ASSERT_EQUAL(m.b[w], 0xee);

	/* Field by field. */
	CU_ASSERT_EQUAL(get16(m.b), 0xbeef);
	CU_ASSERT_EQUAL(get16(m.b + 2) & GG_DNS_FLAG_QR, GG_DNS_FLAG_QR);
	CU_ASSERT_EQUAL(get16(m.b + 2) & GG_DNS_OPCODE_MASK, 0);
	CU_ASSERT_EQUAL(get16(m.b + 2) & GG_DNS_FLAG_AA, 0);
	CU_ASSERT_EQUAL(get16(m.b + 2) & GG_DNS_FLAG_TC, 0);
	CU_ASSERT_EQUAL(get16(m.b + 2) & GG_DNS_FLAG_RD, GG_DNS_FLAG_RD);
	CU_ASSERT_EQUAL(get16(m.b + 2) & GG_DNS_FLAG_RA, GG_DNS_FLAG_RA);
	CU_ASSERT_EQUAL(get16(m.b + 2) & GG_DNS_RCODE_MASK, 0);
	CU_ASSERT_EQUAL(get16(m.b + 4), 1);
	CU_ASSERT_EQUAL(get16(m.b + 6), 1);
	CU_ASSERT_EQUAL(get16(m.b + 8), 0);
	CU_ASSERT_EQUAL(get16(m.b + 10), 0);
	CU_ASSERT_EQUAL(get16(m.b + n), 0xc00c);
	CU_ASSERT_EQUAL(get16(m.b + n + 2), GG_DNS_TYPE_A);
	CU_ASSERT_EQUAL(get16(m.b + n + 4), GG_DNS_CLASS_IN);
	CU_ASSERT_EQUAL(get32(m.b + n + 6), 30);
	CU_ASSERT_EQUAL(get16(m.b + n + 10), 4);
	CU_ASSERT_EQUAL(memcmp(m.b + n + 12, PORTAL4, 4), 0);

	/* Our own snooper reads it back. */
	ASSERT_STATUS(pr(m.b, w, &r), GG_DNS_OK);
	CU_ASSERT_EQUAL(r.id, 0xbeef);
	CU_ASSERT_STRING_EQUAL(r.name, "example.com");
	CU_ASSERT_EQUAL(r.naddrs, 1);
	CU_ASSERT_EQUAL(r.addrs[0].ipv4, ip(192, 0, 2, 80));
	CU_ASSERT_EQUAL(r.addrs[0].ttl, 30);

	/* Without RD, with CD: RD stays clear, CD is echoed, AD cleared. */
	n = build_query(&m, 1, "example.com", GG_DNS_TYPE_A, 0);
	set16(&m, 2, GG_DNS_FLAG_CD | GG_DNS_FLAG_AD | GG_DNS_FLAG_Z);
	w = forge(&m, n, sizeof(m.b), &f, &q);
	CU_ASSERT_EQUAL(w, n + 16);
	CU_ASSERT_EQUAL(get16(m.b + 2), GG_DNS_FLAG_QR | GG_DNS_FLAG_RA |
			GG_DNS_FLAG_CD);
}

static void
test_forge_edns(void)
{
	static const uint8_t opts[] = {
		0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
	};
	static const uint8_t want_opt[] = {
		0, 0x00, 0x29, 0x04, 0xd0, /* root, OPT, 1232 */
		0x00, 0x00, 0x80, 0x00,   /* ext RCODE 0, version 0, DO */
		0x00, 0x00,
	};
	struct gg_dns_forge f;
	struct gg_dns_query q;
	struct gg_dns_response r;
	struct msg m;
	size_t n, w, qend;

	forge_policy(&f, 0, GG_DNS_RCODE_REFUSED);

	/* The client's options are dropped; its DO bit is copied. */
	build_query(&m, 5, "example.net", GG_DNS_TYPE_A, 0);
	qend = m.n;
	set16(&m, 10, 1);
	put_opt(&m, 4096, 0, 1, opts, sizeof(opts));
	n = m.n;
	w = forge(&m, n, sizeof(m.b), &f, &q);
	CU_ASSERT_EQUAL_FATAL(w, qend + 16 + 11);
	CU_ASSERT_EQUAL(get16(m.b + 6), 1);
	CU_ASSERT_EQUAL(get16(m.b + 10), 1);
	CU_ASSERT_EQUAL(memcmp(m.b + qend + 16, want_opt, sizeof(want_opt)), 0);
	ASSERT_STATUS(pr(m.b, w, &r), GG_DNS_OK);
	CU_ASSERT_EQUAL(r.naddrs, 1);

	/* No DO, and a configured size below 512 goes out as 512. */
	f.edns_udp_size = 100;
	n = build_query(&m, 5, "example.net", GG_DNS_TYPE_TXT, 1232);
	qend = n - 11;
	w = forge(&m, n, sizeof(m.b), &f, &q);
	CU_ASSERT_EQUAL_FATAL(w, qend + 11);
	CU_ASSERT_EQUAL(get16(m.b + 2) & GG_DNS_RCODE_MASK, GG_DNS_RCODE_REFUSED);
	CU_ASSERT_EQUAL(get16(m.b + 6), 0);
	CU_ASSERT_EQUAL(get16(m.b + 10), 1);
	CU_ASSERT_EQUAL(m.b[qend], 0);
	CU_ASSERT_EQUAL(get16(m.b + qend + 1), GG_DNS_TYPE_OPT);
	CU_ASSERT_EQUAL(get16(m.b + qend + 3), 512);
	CU_ASSERT_EQUAL(get32(m.b + qend + 5), 0);
	CU_ASSERT_EQUAL(get16(m.b + qend + 9), 0);

	/* EDNS version 1: BADVERS (16) = extended RCODE 1, header RCODE 0, no answer. */
	f.edns_udp_size = 1232;
	build_query(&m, 5, "example.net", GG_DNS_TYPE_A, 0);
	qend = m.n;
	set16(&m, 10, 1);
	put_opt(&m, 1232, 1, 0, NULL, 0);
	w = forge(&m, m.n, sizeof(m.b), &f, &q);
	CU_ASSERT_EQUAL_FATAL(w, qend + 11);
	CU_ASSERT_EQUAL(get16(m.b + 2) & GG_DNS_RCODE_MASK, 0);
	CU_ASSERT_EQUAL(get16(m.b + 6), 0);
	CU_ASSERT_EQUAL(get32(m.b + qend + 5), 0x01000000);
}

static void
test_forge_types(void)
{
	struct gg_dns_forge f;
	struct gg_dns_query q;
	struct msg m;
	size_t n, w;

	/* AAAA with an IPv6 portal. */
	forge_policy(&f, 1, GG_DNS_RCODE_NXDOMAIN);
	n = build_query(&m, 2, "example.com", GG_DNS_TYPE_AAAA, 0);
	w = forge(&m, n, sizeof(m.b), &f, &q);
	CU_ASSERT_EQUAL_FATAL(w, n + 28);
	CU_ASSERT_EQUAL(get16(m.b + 2), 0x8180);
	CU_ASSERT_EQUAL(get16(m.b + 6), 1);
	CU_ASSERT_EQUAL(get16(m.b + n), 0xc00c);
	CU_ASSERT_EQUAL(get16(m.b + n + 2), GG_DNS_TYPE_AAAA);
	CU_ASSERT_EQUAL(get16(m.b + n + 4), GG_DNS_CLASS_IN);
	CU_ASSERT_EQUAL(get32(m.b + n + 6), 30);
	CU_ASSERT_EQUAL(get16(m.b + n + 10), 16);
	CU_ASSERT_EQUAL(memcmp(m.b + n + 12, PORTAL6, 16), 0);

	/* AAAA without: NODATA. */
	forge_policy(&f, 0, GG_DNS_RCODE_NXDOMAIN);
	n = build_query(&m, 2, "example.com", GG_DNS_TYPE_AAAA, 0);
	w = forge(&m, n, sizeof(m.b), &f, &q);
	CU_ASSERT_EQUAL(w, n);
	CU_ASSERT_EQUAL(get16(m.b + 2), 0x8180);
	CU_ASSERT_EQUAL(get16(m.b + 6), 0);

	/* HTTPS and SVCB: NODATA whatever the policy for other types. */
	n = build_query(&m, 2, "example.com", GG_DNS_TYPE_HTTPS, 0);
	w = forge(&m, n, sizeof(m.b), &f, &q);
	CU_ASSERT_EQUAL(w, n);
	CU_ASSERT_EQUAL(get16(m.b + 2), 0x8180);
	CU_ASSERT_EQUAL(get16(m.b + 6), 0);
	n = build_query(&m, 2, "_dns.resolver.arpa", GG_DNS_TYPE_SVCB, 0);
	w = forge(&m, n, sizeof(m.b), &f, &q);
	CU_ASSERT_EQUAL(w, n);
	CU_ASSERT_EQUAL(get16(m.b + 2), 0x8180);
	CU_ASSERT_EQUAL(get16(m.b + 6) | get16(m.b + 8) | get16(m.b + 10), 0);

	/* MX, TXT, ANY: the policy's RCODE. */
	n = build_query(&m, 2, "example.com", GG_DNS_TYPE_MX, 0);
	w = forge(&m, n, sizeof(m.b), &f, &q);
	CU_ASSERT_EQUAL(w, n);
	CU_ASSERT_EQUAL(get16(m.b + 2), 0x8183);
	forge_policy(&f, 0, GG_DNS_RCODE_REFUSED);
	n = build_query(&m, 2, "example.com", GG_DNS_TYPE_TXT, 0);
	w = forge(&m, n, sizeof(m.b), &f, &q);
	CU_ASSERT_EQUAL(w, n);
	CU_ASSERT_EQUAL(get16(m.b + 2), 0x8185);
	CU_ASSERT_EQUAL(get16(m.b + 6), 0);
	n = build_query(&m, 2, "example.com", GG_DNS_TYPE_ANY, 0);
	w = forge(&m, n, sizeof(m.b), &f, &q);
	CU_ASSERT_EQUAL(get16(m.b + 2), 0x8185);

	/* A in class CH is not ours to answer with the portal. */
	n = build_query(&m, 2, "example.com", GG_DNS_TYPE_A, 0);
	set16(&m, n - 2, GG_DNS_CLASS_CH);
	w = forge(&m, n, sizeof(m.b), &f, &q);
	CU_ASSERT_EQUAL(w, n);
	CU_ASSERT_EQUAL(get16(m.b + 2), 0x8185);
	CU_ASSERT_EQUAL(get16(m.b + 6), 0);
}

static void
test_forge_room(void)
{
	struct gg_dns_forge f;
	struct gg_dns_query q;
	struct msg m, orig;
	size_t n, w;

	/* Cleared, so "untouched" covers the octets past the query too. */
	memset(&m, 0, sizeof(m));
	forge_policy(&f, 1, GG_DNS_RCODE_NXDOMAIN);
	n = build_query(&m, 3, "example.com", GG_DNS_TYPE_A, 1232);
	orig = m;
	/* n - 11 + 16 + 11 octets needed. */
	w = forge(&m, n, n + 15, &f, &q);
	CU_ASSERT_EQUAL(w, 0);
	CU_ASSERT_EQUAL(memcmp(m.b, orig.b, sizeof(m.b)), 0);
	w = forge(&m, n, n + 16, &f, &q);
	CU_ASSERT_EQUAL(w, n + 16);

	n = build_query(&m, 3, "example.com", GG_DNS_TYPE_AAAA, 0);
	orig = m;
	CU_ASSERT_EQUAL(forge(&m, n, n + 27, &f, &q), 0);
	CU_ASSERT_EQUAL(memcmp(m.b, orig.b, sizeof(m.b)), 0);
	CU_ASSERT_EQUAL(forge(&m, n, n + 28, &f, &q), n + 28);

	/* NODATA fits exactly in the query's own octets. */
	n = build_query(&m, 3, "example.com", GG_DNS_TYPE_HTTPS, 0);
	CU_ASSERT_EQUAL(forge(&m, n, 0, &f, &q), 0);
	CU_ASSERT_EQUAL(forge(&m, n, n, &f, &q), n);

	/* A query that does not match len is refused. */
	n = build_query(&m, 3, "example.com", GG_DNS_TYPE_A, 0);
	CU_ASSERT_EQUAL_FATAL(gg_dns_parse_query(m.b, n, &q), GG_DNS_OK);
	CU_ASSERT_EQUAL(gg_dns_forge_answer(m.b, n - 1, sizeof(m.b), &q, &f), 0);
	q.question_end = 5;
	CU_ASSERT_EQUAL(gg_dns_forge_answer(m.b, n, sizeof(m.b), &q, &f), 0);
}

/* --------------------------------------------------------------- responses */

static void
test_response_a(void)
{
	struct gg_dns_response r;
	struct msg m;
	size_t qn;

	qn = build_response(&m, "Portal.Garden.example", GG_DNS_TYPE_A, 2);
	put_a(&m, qn, 198, 51, 100, 7, 300);
	put_a(&m, qn, 198, 51, 100, 8, 0x80000000u);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_OK);
	CU_ASSERT_EQUAL(r.id, 0x4242);
	CU_ASSERT_STRING_EQUAL(r.name, "portal.garden.example");
	CU_ASSERT_EQUAL(r.name_len, 21);
	/* The same name in wire form, lowercase: what the garden matches. */
	CU_ASSERT_EQUAL(r.name_wire_len, 23);
	CU_ASSERT_EQUAL(memcmp(r.name_wire, "\6portal\6garden\7example", 23), 0);
	CU_ASSERT_EQUAL(r.qtype, GG_DNS_TYPE_A);
	CU_ASSERT_EQUAL(r.qclass, GG_DNS_CLASS_IN);
	CU_ASSERT_EQUAL(r.rcode, 0);
	CU_ASSERT_EQUAL(r.cname_hops, 0);
	CU_ASSERT_EQUAL_FATAL(r.naddrs, 2);
	CU_ASSERT_EQUAL(r.addrs[0].ipv4, ip(198, 51, 100, 7));
	CU_ASSERT_EQUAL(r.addrs[0].ttl, 300);
	CU_ASSERT_EQUAL(r.addrs[1].ipv4, ip(198, 51, 100, 8));
	CU_ASSERT_EQUAL(r.addrs[1].ttl, 0);
	CU_ASSERT_EQUAL(r.addrs_skipped, 0);
	CU_ASSERT_EQUAL(r.addrs_ignored, 0);

	/* Owner written out in another case: still the same name. */
	qn = build_response(&m, "garden.example", GG_DNS_TYPE_A, 1);
	put_name(&m, "GARDEN.Example");
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	put32(&m, 60);
	put16(&m, 4);
	put32(&m, 0x0a000001);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_OK);
	CU_ASSERT_EQUAL(r.naddrs, 1);
	CU_ASSERT_EQUAL(r.addrs[0].ipv4, ip(10, 0, 0, 1));

	/* NXDOMAIN with no answer; other types in the answer are skipped. */
	qn = build_response(&m, "nope.example", GG_DNS_TYPE_A, 2);
	set16(&m, 2, 0x8183);
	put_rr_head(&m, qn, GG_DNS_TYPE_TXT, GG_DNS_CLASS_IN, 5, 3);
	put8(&m, 2);
	put8(&m, 'h');
	put8(&m, 'i');
	put_rr_head(&m, qn, GG_DNS_TYPE_A, GG_DNS_CLASS_CH, 5, 2);
	put16(&m, 0);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_OK);
	CU_ASSERT_EQUAL(r.rcode, GG_DNS_RCODE_NXDOMAIN);
	CU_ASSERT_EQUAL(r.naddrs, 0);
	CU_ASSERT_EQUAL(r.addrs_ignored, 0);

	/* Authority and additional sections are not read, whatever they hold. */
	qn = build_response(&m, "garden.example", GG_DNS_TYPE_A, 1);
	set16(&m, 8, 1);
	set16(&m, 10, 3);
	put_a(&m, qn, 10, 0, 0, 2, 60);
	put_bytes(&m, "\xc0\xff\xc0", 3);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_OK);
	CU_ASSERT_EQUAL(r.naddrs, 1);

	/* Headers. */
	qn = build_response(&m, "garden.example", GG_DNS_TYPE_A, 1);
	put_a(&m, qn, 10, 0, 0, 2, 60);
	set16(&m, 2, GG_DNS_FLAG_RD);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_NOT_RESPONSE);
	set16(&m, 2, GG_DNS_FLAG_QR | 5 << 11);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_BAD_OPCODE);
	set16(&m, 2, GG_DNS_FLAG_QR | GG_DNS_FLAG_TC);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_OK);
	CU_ASSERT_EQUAL(r.flags & GG_DNS_FLAG_TC, GG_DNS_FLAG_TC);
	set16(&m, 4, 0);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_BAD_QDCOUNT);
	set16(&m, 4, 2);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_BAD_QDCOUNT);
	set16(&m, 4, 1);
	set16(&m, 6, 2);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_TRUNCATED);
	CU_ASSERT_EQUAL(r.naddrs, 0);

	/* Malformed data. */
	qn = build_response(&m, "garden.example", GG_DNS_TYPE_A, 1);
	put_rr_head(&m, qn, GG_DNS_TYPE_A, GG_DNS_CLASS_IN, 1, 5);
	put32(&m, 0x0a000001);
	put8(&m, 0);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_BAD_RDATA);
	CU_ASSERT_EQUAL(r.naddrs, 0);
	qn = build_response(&m, "garden.example", GG_DNS_TYPE_A, 1);
	put_rr_head(&m, qn, GG_DNS_TYPE_CNAME, GG_DNS_CLASS_IN, 1, 7);
	put_name(&m, "cdn");
	put16(&m, 0);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_BAD_RDATA);
	qn = build_response(&m, "garden.example", GG_DNS_TYPE_A, 1);
	put_rr_head(&m, qn, GG_DNS_TYPE_CNAME, GG_DNS_CLASS_IN, 1, 3);
	put_name(&m, "cdn");
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_BAD_RDATA);
}

static void
test_response_cname_chain(void)
{
	struct gg_dns_response r;
	struct msg m;
	size_t qn, t1, t2, t3, other, y;

	/* garden.example -> a.cdn.example -> b.cdn.example -> edge.cdn.example. */
	qn = build_response(&m, "garden.example", GG_DNS_TYPE_A, 8);
	t1 = put_cname(&m, qn, "a.cdn.example", 3600);
	t2 = put_cname(&m, t1, "b.cdn.example", 120);
	/* An A for the final name before the CNAME that leads to it. */
	put8(&m, 4);
	put_bytes(&m, "EDGE", 4);
	put_ptr(&m, t2 + 2);
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	put32(&m, 600);
	put16(&m, 4);
	put32(&m, 0xcb007101);
	t3 = put_cname(&m, t2, "edge.cdn.example", 900);
	put_a(&m, t3, 203, 0, 113, 2, 30);
	/* Unrelated owner, and an intermediate name of the chain: ignored. */
	other = m.n;
	put_name(&m, "bank.example");
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	put32(&m, 600);
	put16(&m, 4);
	put32(&m, 0x01020304);
	put_a(&m, t1, 5, 6, 7, 8, 600);
	put_a(&m, qn, 9, 9, 9, 9, 600);
	(void)other;

	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_OK);
	CU_ASSERT_STRING_EQUAL(r.name, "garden.example");
	CU_ASSERT_EQUAL(r.cname_hops, 3);
	CU_ASSERT_EQUAL_FATAL(r.naddrs, 2);
	CU_ASSERT_EQUAL(r.addrs[0].ipv4, ip(203, 0, 113, 1));
	/* Capped by the 120 s CNAME on the way. */
	CU_ASSERT_EQUAL(r.addrs[0].ttl, 120);
	CU_ASSERT_EQUAL(r.addrs[1].ipv4, ip(203, 0, 113, 2));
	CU_ASSERT_EQUAL(r.addrs[1].ttl, 30);
	CU_ASSERT_EQUAL(r.addrs_ignored, 3);
	CU_ASSERT_EQUAL(r.addrs_skipped, 0);

	/* CNAMEs listed in reverse order still chain. */
	qn = build_response(&m, "x.example", GG_DNS_TYPE_A, 3);
	y = put_name(&m, "y.example");
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	put32(&m, 10);
	put16(&m, 4);
	put32(&m, 0x0a0a0a0a);
	put_name(&m, "Y1.example");
	put16(&m, GG_DNS_TYPE_CNAME);
	put16(&m, GG_DNS_CLASS_IN);
	put32(&m, 10);
	put16(&m, 2);
	put_ptr(&m, y);
	t1 = put_cname(&m, qn, "y1.EXAMPLE", 10);
	(void)t1;
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_OK);
	CU_ASSERT_EQUAL(r.cname_hops, 2);
	CU_ASSERT_EQUAL_FATAL(r.naddrs, 1);
	CU_ASSERT_EQUAL(r.addrs[0].ipv4, ip(10, 10, 10, 10));

	/* A CNAME and no address for its target: nothing learned. */
	qn = build_response(&m, "x.example", GG_DNS_TYPE_A, 2);
	put_cname(&m, qn, "y.example", 10);
	put_a(&m, qn, 1, 1, 1, 1, 10);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_OK);
	CU_ASSERT_EQUAL(r.cname_hops, 1);
	CU_ASSERT_EQUAL(r.naddrs, 0);
	CU_ASSERT_EQUAL(r.addrs_ignored, 1);

	/* Two CNAMEs for one owner: the first wins. */
	qn = build_response(&m, "x.example", GG_DNS_TYPE_A, 4);
	t1 = put_cname(&m, qn, "one.example", 10);
	t2 = put_cname(&m, qn, "two.example", 10);
	put_a(&m, t2, 2, 2, 2, 2, 10);
	put_a(&m, t1, 1, 1, 1, 1, 10);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_OK);
	CU_ASSERT_EQUAL_FATAL(r.naddrs, 1);
	CU_ASSERT_EQUAL(r.addrs[0].ipv4, ip(1, 1, 1, 1));
}

static void
test_response_cname_limits(void)
{
	struct gg_dns_response r;
	struct msg m;
	size_t qn, t1, t2, at;
	char name[32];

	/* a -> b -> a. */
	qn = build_response(&m, "a.example", GG_DNS_TYPE_A, 3);
	t1 = put_cname(&m, qn, "b.example", 10);
	put_rr_head(&m, t1, GG_DNS_TYPE_CNAME, GG_DNS_CLASS_IN, 10, 2);
	put_ptr(&m, qn);
	put_a(&m, qn, 1, 1, 1, 1, 10);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_CNAME_LOOP);
	CU_ASSERT_EQUAL(r.naddrs, 0);

	/* a -> a. */
	qn = build_response(&m, "a.example", GG_DNS_TYPE_A, 1);
	put_rr_head(&m, qn, GG_DNS_TYPE_CNAME, GG_DNS_CLASS_IN, 10, 2);
	put_ptr(&m, qn);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_CNAME_LOOP);

	/* a -> b -> c -> b. */
	qn = build_response(&m, "a.example", GG_DNS_TYPE_A, 3);
	t1 = put_cname(&m, qn, "b.example", 10);
	t2 = put_cname(&m, t1, "c.example", 10);
	put_rr_head(&m, t2, GG_DNS_TYPE_CNAME, GG_DNS_CLASS_IN, 10, 2);
	put_ptr(&m, t1);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_CNAME_LOOP);

	/* Exactly GG_DNS_MAX_CNAME_HOPS hops, then one more. */
	for (int extra = 0; extra <= 1; extra++) {
		int hops = GG_DNS_MAX_CNAME_HOPS + extra;

		qn = build_response(&m, "h0.example", GG_DNS_TYPE_A,
				(uint16_t)(hops + 1));
		at = qn;
		for (int h = 1; h <= hops; h++) {
			snprintf(name, sizeof(name), "h%d.example", h);
			at = put_cname(&m, at, name, 100);
		}
		put_a(&m, at, 7, 7, 7, 7, 1000);
		if (extra == 0) {
			ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_OK);
			CU_ASSERT_EQUAL(r.cname_hops, GG_DNS_MAX_CNAME_HOPS);
			CU_ASSERT_EQUAL_FATAL(r.naddrs, 1);
			CU_ASSERT_EQUAL(r.addrs[0].ttl, 100);
		} else {
			ASSERT_STATUS(pr(m.b, m.n, &r),
					GG_DNS_CNAME_CHAIN_TOO_LONG);
			CU_ASSERT_EQUAL(r.naddrs, 0);
		}
	}
}

static void
test_response_many_addrs(void)
{
	struct gg_dns_response r;
	struct msg m;
	size_t qn;

	qn = build_response(&m, "big.example", GG_DNS_TYPE_A, 20);
	for (int i = 0; i < 20; i++)
		put_a(&m, qn, 10, 1, 0, (uint8_t)i, 60);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_OK);
	CU_ASSERT_EQUAL_FATAL(r.naddrs, GG_DNS_MAX_ADDRS);
	for (int i = 0; i < GG_DNS_MAX_ADDRS; i++)
		CU_ASSERT_EQUAL(r.addrs[i].ipv4, ip(10, 1, 0, (uint8_t)i));
	CU_ASSERT_EQUAL(r.addrs_skipped, 4);

	/* Exactly 16: nothing skipped. */
	set16(&m, 6, 16);
	m.n -= 4 * 16;
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_OK);
	CU_ASSERT_EQUAL(r.naddrs, 16);
	CU_ASSERT_EQUAL(r.addrs_skipped, 0);
}

static void
test_response_pointers(void)
{
	struct gg_dns_response r;
	struct msg m;
	size_t qn, fwd, rd;

	/* Forward pointers are fine in a response: the question points at the answer's target. */
	put_hdr(&m, 1, GG_DNS_FLAG_QR, 1, 2, 0, 0);
	put_labels(&m, "www");
	fwd = m.n;
	put16(&m, 0);            /* patched below */
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	rd = put_rr_head(&m, 12, GG_DNS_TYPE_CNAME, GG_DNS_CLASS_IN, 50, 0);
	put_labels(&m, "cdn");
	set16(&m, fwd, (uint16_t)(0xc000 | m.n));
	put_name(&m, "Example");
	set16(&m, rd - 2, (uint16_t)(m.n - rd));
	put_a(&m, rd, 10, 9, 8, 7, 40);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_OK);
	CU_ASSERT_STRING_EQUAL(r.name, "www.example");
	CU_ASSERT_EQUAL(r.cname_hops, 1);
	CU_ASSERT_EQUAL_FATAL(r.naddrs, 1);
	CU_ASSERT_EQUAL(r.addrs[0].ipv4, ip(10, 9, 8, 7));
	CU_ASSERT_EQUAL(r.addrs[0].ttl, 40);

	/* Owner pointing at itself. */
	qn = build_response(&m, "a.example", GG_DNS_TYPE_A, 1);
	put_ptr(&m, m.n);
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	put32(&m, 1);
	put16(&m, 4);
	put32(&m, 1);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_POINTER_LOOP);
	(void)qn;

	/* Two pointers pointing at each other. */
	qn = build_response(&m, "a.example", GG_DNS_TYPE_A, 1);
	put_ptr(&m, m.n + 2);
	put_ptr(&m, m.n - 2);
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	put32(&m, 1);
	put16(&m, 4);
	put32(&m, 1);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_POINTER_LOOP);

	/*
	 * A chain of pointers stored in a TXT record's data (which is skipped),
	 * named by the owner of an A record: GG_DNS_MAX_JUMPS jumps in all is
	 * fine, one more is a loop.
	 */
	for (int extra = 0; extra <= 1; extra++) {
		int chain = GG_DNS_MAX_JUMPS + extra - 1;

		qn = build_response(&m, "a.example", GG_DNS_TYPE_A, 2);
		rd = put_rr_head(&m, qn, GG_DNS_TYPE_TXT, GG_DNS_CLASS_IN, 0,
				(uint16_t)(2 * chain));
		for (int i = 0; i < chain; i++)
			put_ptr(&m, i + 1 < chain ? rd + 2 * (size_t)(i + 1) : qn);
		put_ptr(&m, rd);
		put16(&m, GG_DNS_TYPE_A);
		put16(&m, GG_DNS_CLASS_IN);
		put32(&m, 1);
		put16(&m, 4);
		put32(&m, 0x0b0b0b0b);
		if (extra == 0) {
			ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_OK);
			CU_ASSERT_EQUAL(r.naddrs, 1);
		} else {
			ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_POINTER_LOOP);
		}
	}

	/* Past the end and into the header. */
	qn = build_response(&m, "a.example", GG_DNS_TYPE_A, 1);
	put_ptr(&m, 0x3fff);
	put16(&m, GG_DNS_TYPE_A);
	put16(&m, GG_DNS_CLASS_IN);
	put32(&m, 1);
	put16(&m, 4);
	put32(&m, 1);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_POINTER_OUT_OF_RANGE);
	set16(&m, m.n - 16, 0xc000 | 11);
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_POINTER_OUT_OF_RANGE);
	set16(&m, m.n - 16, (uint16_t)(0xc000 | m.n));
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_POINTER_OUT_OF_RANGE);
	set16(&m, m.n - 16, (uint16_t)(0xc000 | (m.n - 1)));
	ASSERT_STATUS(pr(m.b, m.n, &r), GG_DNS_TRUNCATED);
}

/* Does the 4-octet value appear in msg[0, len)? */
static int
addr_in_msg(const uint8_t *msg, size_t len, uint32_t v)
{
	for (size_t i = 0; i + 4 <= len; i++)
		if (memcmp(msg + i, &v, 4) == 0)
			return 1;
	return 0;
}

static void
test_response_truncated(void)
{
	struct gg_dns_response r;
	struct msg m;
	size_t qn, t1, t2, n;

	qn = build_response(&m, "garden.example", GG_DNS_TYPE_A, 5);
	t1 = put_cname(&m, qn, "a.cdn.example", 100);
	t2 = put_cname(&m, t1, "b.cdn.example", 100);
	put_a(&m, t2, 10, 0, 0, 1, 10);
	put_a(&m, t2, 10, 0, 0, 2, 10);
	put_a(&m, t2, 10, 0, 0, 3, 10);
	n = m.n;
	ASSERT_STATUS(pr(m.b, n, &r), GG_DNS_OK);
	CU_ASSERT_EQUAL(r.naddrs, 3);

	for (size_t l = 0; l < n; l++) {
		enum gg_dns_status st = pr(m.b, l, &r);

		ASSERT_STATUS(st, GG_DNS_TRUNCATED);
		CU_ASSERT_EQUAL(r.naddrs, 0);
	}

	/*
	 * Cut with ANCOUNT lowered to the records that fit: OK, and every
	 * address reported is in what was given.
	 */
	for (size_t l = 0; l <= n; l++) {
		struct msg cut = m;

		for (uint16_t an = 0; an <= 5; an++) {
			set16(&cut, 6, an);
			if (pr(cut.b, l, &r) != GG_DNS_OK)
				continue;
			CU_ASSERT(r.naddrs <= an);
			for (unsigned int i = 0; i < r.naddrs; i++)
				CU_ASSERT(addr_in_msg(cut.b, l, r.addrs[i].ipv4));
		}
	}
}

static void
test_status_names(void)
{
	for (int i = 0; i < GG_DNS_STATUS_COUNT; i++) {
		const char *a = gg_dns_status_name(i);

		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT_STRING_NOT_EQUAL(a, "unknown");
		CU_ASSERT(strlen(gg_dns_status_help(i)) > 5);
		for (int k = 0; k < i; k++)
			CU_ASSERT_STRING_NOT_EQUAL(a, gg_dns_status_name(k));
	}
	CU_ASSERT_STRING_EQUAL(gg_dns_status_name(GG_DNS_OK), "ok");
	CU_ASSERT_STRING_EQUAL(gg_dns_status_name(GG_DNS_POINTER_LOOP),
			"pointer_loop");
	/* The help texts spell the limits out; keep them in step. */
	CU_ASSERT_EQUAL(GG_DNS_MAX_JUMPS, 16);
	CU_ASSERT_PTR_NOT_NULL(strstr(gg_dns_status_help(GG_DNS_POINTER_LOOP), "16"));
	CU_ASSERT_EQUAL(GG_DNS_MAX_CNAME_HOPS, 8);
	CU_ASSERT_PTR_NOT_NULL(strstr(gg_dns_status_help(GG_DNS_CNAME_CHAIN_TOO_LONG),
			"8"));
	CU_ASSERT_STRING_EQUAL(gg_dns_status_name(GG_DNS_STATUS_COUNT),
			"unknown");
	CU_ASSERT_STRING_EQUAL(gg_dns_status_name((enum gg_dns_status)-1),
			"unknown");
}

/* -------------------------------------------------- independent decoder */

static void
pcap_put32(FILE *fp, uint32_t v)
{
	fwrite(&v, 4, 1, fp);
}

static void
pcap_put16(FILE *fp, uint16_t v)
{
	fwrite(&v, 2, 1, fp);
}

/* One Ethernet/IPv4/UDP frame from port 53 carrying the DNS payload. */
static void
pcap_frame(FILE *fp, uint32_t ts, const uint8_t *dns, size_t dns_len)
{
	uint8_t f[MSG_MAX + 64];
	size_t ip_len = 20 + 8 + dns_len, n = 14 + ip_len;
	uint32_t sum = 0;

	memset(f, 0, 42);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	f[14] = 0x45;
	f[16] = (uint8_t)(ip_len >> 8);
	f[17] = (uint8_t)ip_len;
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, "\xc0\x00\x02\x35\x0a\x2d\x00\x02", 8);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(f[14 + i] << 8 | f[15 + i]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[24] = (uint8_t)(~sum >> 8);
	f[25] = (uint8_t)~sum;
	f[34] = 0;
	f[35] = 53;
	f[36] = 0xc3;
	f[37] = 0x50;
	f[38] = (uint8_t)((8 + dns_len) >> 8);
	f[39] = (uint8_t)(8 + dns_len);
	/* UDP checksum 0: none (IPv4). */
	memcpy(f + 42, dns, dns_len);

	pcap_put32(fp, ts);
	pcap_put32(fp, 0);
	pcap_put32(fp, (uint32_t)n);
	pcap_put32(fp, (uint32_t)n);
	fwrite(f, 1, n, fp);
}

/* tshark -V's text for frame i (1-based), or NULL; points into out. */
static const char *
frame_text(char *out, int i, char **end)
{
	char tag[32];
	char *start, *next;

	snprintf(tag, sizeof(tag), "Frame %d:", i);
	start = strstr(out, tag);
	if (start == NULL)
		return NULL;
	snprintf(tag, sizeof(tag), "Frame %d:", i + 1);
	next = strstr(start, tag);
	*end = next ? next : start + strlen(start);
	return start;
}

static int
frame_has(char *out, int i, const char *what)
{
	char *end, save;
	const char *start = frame_text(out, i, &end);
	int found;

	if (start == NULL)
		return 0;
	save = *end;
	*end = '\0';
	found = strstr(start, what) != NULL;
	*end = save;
	return found;
}

static void
test_tshark(void)
{
	struct {
		const char *name;
		uint16_t type;
		uint16_t edns;
		uint8_t rcode;
		int ipv6;
		const char *expect[4];
	} cases[] = {
		{ "Www.Example.com", GG_DNS_TYPE_A, 0, GG_DNS_RCODE_NXDOMAIN, 1,
			{ "Standard query response", "No error",
				"Address: 192.0.2.80", "Time to live: 30" } },
		{ "example.org", GG_DNS_TYPE_A, 1232, GG_DNS_RCODE_NXDOMAIN, 1,
			{ "No error", "Address: 192.0.2.80",
				"UDP payload size: 1232", "Answer RRs: 1" } },
		{ "example.org", GG_DNS_TYPE_AAAA, 0, GG_DNS_RCODE_NXDOMAIN, 1,
			{ "Standard query response", "No error",
				"AAAA Address: 2001:db8::80", "Answer RRs: 1" } },
		{ "example.org", GG_DNS_TYPE_HTTPS, 1232, GG_DNS_RCODE_NXDOMAIN, 0,
			{ "Standard query response", "No error",
				"Answer RRs: 0", "Additional RRs: 1" } },
		{ "example.org", GG_DNS_TYPE_MX, 0, GG_DNS_RCODE_NXDOMAIN, 0,
			{ "Standard query response", "No such name",
				"Answer RRs: 0", "Questions: 1" } },
		{ "example.org", GG_DNS_TYPE_TXT, 1232, GG_DNS_RCODE_REFUSED, 0,
			{ "Standard query response", "Refused",
				"Answer RRs: 0", "<Root>: type OPT" } },
	};
	const int ncases = sizeof(cases) / sizeof(cases[0]);
	char path[] = "/tmp/test_dns_XXXXXX";
	char cmd[128];
	struct gg_dns_forge f;
	struct gg_dns_query q;
	size_t out_len = 0, got;
	char *out = NULL;
	FILE *fp, *ts;
	int fd;

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	fp = fdopen(fd, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	pcap_put32(fp, 0xa1b2c3d4);
	pcap_put16(fp, 2);
	pcap_put16(fp, 4);
	pcap_put32(fp, 0);
	pcap_put32(fp, 0);
	pcap_put32(fp, 65535);
	pcap_put32(fp, 1);
	for (int i = 0; i < ncases; i++) {
		struct msg m;
		size_t n, w;

		forge_policy(&f, cases[i].ipv6, cases[i].rcode);
		n = build_query(&m, (uint16_t)(0x1000 + i), cases[i].name,
				cases[i].type, cases[i].edns);
		w = forge(&m, n, sizeof(m.b), &f, &q);
		CU_ASSERT(w >= n);
		pcap_frame(fp, 1700000000u + (uint32_t)i, m.b, w);
	}
	fclose(fp);

	snprintf(cmd, sizeof(cmd), "tshark -n -r %s -V 2>/dev/null", path);
	ts = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ts);
	do {
		char *grown = realloc(out, out_len + 65536 + 1);

		if (grown == NULL)
			break;
		out = grown;
		got = fread(out + out_len, 1, 65536, ts);
		out_len += got;
	} while (got > 0);
	CU_ASSERT_EQUAL(pclose(ts), 0);
	unlink(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	out[out_len] = '\0';

	CU_ASSERT(out_len > 0);
	CU_ASSERT(strstr(out, "Malformed") == NULL);
	CU_ASSERT(strstr(out, "Expert Info (Error") == NULL);
	CU_ASSERT(strstr(out, "Expert Info (Warning") == NULL);
	for (int i = 0; i < ncases; i++) {
		CU_ASSERT(frame_has(out, i + 1, "Domain Name System (response)"));
		CU_ASSERT(frame_has(out, i + 1, cases[i].name));
		for (int k = 0; k < 4; k++) {
			int ok = frame_has(out, i + 1, cases[i].expect[k]);

			if (!ok)
				printf("\n    frame %d: no \"%s\"\n", i + 1,
						cases[i].expect[k]);
			CU_ASSERT(ok);
		}
	}
	if (getenv("TEST_DNS_SHOW_TSHARK") != NULL)
		fputs(out, stdout);
	free(out);
}

/* ------------------------------------------------------------- robustness */

static uint64_t rng_state;

static uint32_t
rng(void)
{
	/* xorshift64*: fixed seed, same sequence on every run. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

static const char *
check_text_name(const char *name, uint16_t name_len)
{
	size_t l = strnlen(name, GG_DNS_NAME_TEXT_MAX + 1);

	if (l != name_len || l > GG_DNS_NAME_TEXT_MAX)
		return "name_len disagrees with name or over 253";
	for (size_t i = 0; i < l; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= ' ' || c >= 0x7f || (c >= 'A' && c <= 'Z'))
			return "name holds an uppercase or unprintable octet";
		if (c == '.' && (i == 0 || i == l - 1 || name[i + 1] == '.'))
			return "name has an empty label";
	}
	return NULL;
}

static const char *
check_query(const uint8_t *msg, size_t len, const struct gg_dns_query *q)
{
	char name[GG_DNS_NAME_TEXT_MAX + 1];
	const char *why;
	size_t wire = q->name_len ? q->name_len + 2u : 1u;

	if (gg_dns_query_name(msg, q, name) != q->name_len)
		return "text of the question not name_len octets";
	why = check_text_name(name, q->name_len);
	struct gg_dns_response r;
	struct gg_dns_forge f;
	struct gg_dns_query q2;
	uint8_t out[MSG_MAX];
	size_t w;

	if (why != NULL)
		return why;
	if (q->flags & (GG_DNS_FLAG_QR | GG_DNS_OPCODE_MASK))
		return "accepted a non-query";
	if (q->name_wire_len != wire)
		return "name_wire_len disagrees with name_len";
	if (q->question_end != 12 + wire + 4 || q->question_end > len)
		return "question_end inconsistent";
	if (!q->has_edns && q->question_end != len)
		return "no OPT but octets after the question";
	if (q->has_edns && len - q->question_end < 11)
		return "OPT shorter than 11 octets";
	if (get16(msg + 10) != q->has_edns)
		return "has_edns disagrees with ARCOUNT";

	/* Whatever we accept, we answer with something a parser accepts back. */
	forge_policy(&f, rng() & 1, (rng() & 1) ? 3 : 5);
	memcpy(out, msg, len);
	w = gg_dns_forge_answer(out, len, sizeof(out), q, &f);
	if (w < q->question_end || w > q->question_end + 28u + 11u)
		return "forged length out of range";
	if (get16(out) != q->id)
		return "forged ID differs";
	if (gg_dns_parse_response(out, w, &r) != GG_DNS_OK)
		return "forged response not parseable";
	if (strcmp(r.name, name) != 0 || r.qtype != q->qtype)
		return "forged question differs";
	if (q->qtype == GG_DNS_TYPE_A && q->qclass == GG_DNS_CLASS_IN &&
			(!q->has_edns || q->edns_version == 0) &&
			(r.naddrs != 1 || memcmp(&r.addrs[0].ipv4, PORTAL4, 4)))
		return "forged A answer not read back";
	/* Nor does the forged message look like a query any more. */
	if (gg_dns_parse_query(out, w, &q2) != GG_DNS_NOT_QUERY)
		return "forged response parses as a query";
	return NULL;
}

static const char *
check_response(const uint8_t *msg, size_t len,
		const struct gg_dns_response *r)
{
	const char *why = check_text_name(r->name, r->name_len);
	size_t i = 0, t = 0;

	if (why != NULL)
		return why;
	/* name_wire spells name. */
	if (r->name_wire_len != (r->name_len ? r->name_len + 2u : 1u))
		return "name_wire_len disagrees with name_len";
	while (i < r->name_wire_len && r->name_wire[i] != 0) {
		if (t != 0 && r->name[t++] != '.')
			return "name_wire has labels where name has none";
		if (memcmp(r->name + t, r->name_wire + i + 1,
				r->name_wire[i]) != 0)
			return "name_wire and name differ";
		t += r->name_wire[i];
		i += 1u + r->name_wire[i];
	}
	if (i + 1 != r->name_wire_len || t != r->name_len)
		return "name_wire and name differ in length";
	if (r->naddrs > GG_DNS_MAX_ADDRS)
		return "naddrs over the cap";
	if (r->naddrs < GG_DNS_MAX_ADDRS && r->addrs_skipped != 0)
		return "skipped addresses while room was left";
	if (r->cname_hops > GG_DNS_MAX_CNAME_HOPS)
		return "too many hops";
	if (r->naddrs + r->addrs_skipped + r->addrs_ignored > get16(msg + 6))
		return "more A records than ANCOUNT";
	for (unsigned int i = 0; i < r->naddrs; i++) {
		if (!addr_in_msg(msg, len, r->addrs[i].ipv4))
			return "address not in the message";
		if (r->addrs[i].ttl > 0x7fffffffu)
			return "TTL with the top bit set";
	}
	return NULL;
}

/* ------------------------------------------- in-place question scanning */

/*
 * The question as the general name reader sees it: its status, and on
 * GG_DNS_OK its text and wire length. This is what gg_dns_parse_query()
 * reported before it scanned the question in place; the scan must agree
 * on every input.
 */
static enum gg_dns_status
ref_question(const uint8_t *msg, size_t len, char *text, size_t *wire_len)
{
	uint8_t wire[GG_DNS_NAME_WIRE_MAX];
	size_t wl, next;
	uint16_t tl;
	enum gg_dns_status st;

	st = dns_name_read(msg, len, GG_DNS_HDR_LEN, 1, wire, &wl, &next);
	if (st == GG_DNS_OK)
		st = dns_name_text(wire, wl, text, &tl);
	if (st == GG_DNS_OK)
		*wire_len = next - GG_DNS_HDR_LEN;
	return st;
}

/* Octets of a label, mostly printable, often not. */
static uint8_t
scan_char(void)
{
	static const uint8_t edge[] = { 0, 1, 0x20, 0x21, '-', '.', '/', '0',
		'@', 'A', 'Z', '[', '_', '`', 'a', 'z', '{', '~', 0x7f, 0x80,
		0xa0, 0xae, 0xc0, 0xff };
	uint32_t r = rng();

	if (r % 4 != 0)
		return (uint8_t)('a' + (r >> 8) % 26);
	if (r % 8 == 0)
		return edge[(r >> 8) % sizeof(edge)];
	return (uint8_t)(r >> 8);
}

static void
test_query_scan(void)
{
	unsigned int seen[GG_DNS_STATUS_COUNT] = { 0 };
	unsigned long violations = 0;
	char ref_text[GG_DNS_NAME_TEXT_MAX + 1];
	struct gg_dns_query q;
	struct msg m;

	rng_state = FUZZ_SEED ^ 0x5ca9;
	for (unsigned int it = 0; it < FUZZ_ITERATIONS; it++) {
		enum gg_dns_status st, ref;
		const char *why = NULL;
		uint32_t r = rng();
		unsigned int labels = r % 8 == 0 ? 40 + (r >> 8) % 100 :
				(r >> 8) % 6;
		size_t ref_wire = 0, cut;

		put_hdr(&m, (uint16_t)it, GG_DNS_FLAG_RD, 1, 0, 0, 0);
		for (unsigned int l = 0; l < labels && m.n < 12 + 300; l++) {
			uint32_t x = rng();
			unsigned int len;

			if (x % 64 == 0) {
				/* A pointer, mostly backwards into the question. */
				put8(&m, 0xc0 | (uint8_t)((x >> 8) % 2));
				put8(&m, (uint8_t)(x >> 16));
				break;
			}
			if (x % 97 == 1) {
				put8(&m, 0x40 + (uint8_t)((x >> 8) % 0x80));
				continue;
			}
			len = x % 5 == 0 ? 1 + (x >> 8) % 63 : 1 + (x >> 8) % 9;
			put8(&m, (uint8_t)len);
			for (unsigned int k = 0; k < len; k++)
				put8(&m, (r >> 16) % 4 == 0 ? scan_char() :
						(uint8_t)('a' + rng() % 26));
		}
		if (rng() % 16 != 0)
			put8(&m, 0);
		put16(&m, GG_DNS_TYPE_A);
		put16(&m, GG_DNS_CLASS_IN);
		cut = rng() % 8 == 0 ? rng() % (m.n + 1) : m.n;

		st = pq(m.b, cut, &q);
		ref = ref_question(pq_msg, cut, ref_text, &ref_wire);
		seen[ref]++;
		if (ref != GG_DNS_OK) {
			if (st != ref)
				why = "status differs from the name reader's";
		} else if (st == GG_DNS_OK) {
			if (q.name_wire_len != ref_wire)
				why = "wire length differs";
			else if (strcmp(qname(&q), ref_text) != 0)
				why = "text differs";
		} else if (st != GG_DNS_TRUNCATED && st != GG_DNS_TRAILING_DATA) {
			why = "a name the reader accepts refused";
		}
		if (why != NULL && violations++ < 5) {
			printf("\n    iteration %u: %s (scan %s, reader %s)\n    ",
					it, why, gg_dns_status_name(st),
					gg_dns_status_name(ref));
			for (size_t k = 0; k < cut && k < 80; k++)
				printf("%02x", m.b[k]);
			printf("\n");
		}
	}
	CU_ASSERT_EQUAL(violations, 0);
	/* Every verdict a question name can get, many times. */
	CU_ASSERT(seen[GG_DNS_OK] > 1000);
	CU_ASSERT(seen[GG_DNS_TRUNCATED] > 1000);
	CU_ASSERT(seen[GG_DNS_BAD_NAME_CHAR] > 1000);
	CU_ASSERT(seen[GG_DNS_BAD_LABEL_TYPE] > 100);
	CU_ASSERT(seen[GG_DNS_NAME_TOO_LONG] > 100);
	CU_ASSERT(seen[GG_DNS_POINTER_FORWARD] > 100);
	CU_ASSERT(seen[GG_DNS_POINTER_OUT_OF_RANGE] > 100);
	CU_ASSERT(seen[GG_DNS_POINTER_LOOP] + seen[GG_DNS_NAME_TOO_LONG] > 100);
}

/*
 * Every octet value at every position of labels of 1 to 17 and 63
 * octets, after a first label of 1 to 9 (so the 8-octet windows the scan
 * reads start in the header, in length octets and in other labels):
 * refused exactly when it is outside 0x21-0x7e or a '.'.
 */
static void
test_query_name_octets(void)
{
	static const unsigned int lens[] = { 1, 2, 3, 5, 7, 8, 9, 15, 16, 17,
		63 };
	unsigned long wrong = 0, cases = 0;
	struct gg_dns_query q;
	struct msg m;

	for (unsigned int first = 0; first <= 9; first += 3) {
		for (size_t li = 0; li < RTE_DIM(lens); li++) {
			unsigned int len = lens[li];

			for (unsigned int pos = 0; pos < len; pos++) {
				for (unsigned int v = 0; v < 256; v++) {
					int bad = v <= 0x20 || v >= 0x7f || v == '.';
					enum gg_dns_status st;

					put_hdr(&m, 1, 0, 1, 0, 0, 0);
					if (first != 0) {
						put8(&m, (uint8_t)first);
						for (unsigned int k = 0; k < first; k++)
							put8(&m, '!');
					}
					put8(&m, (uint8_t)len);
					for (unsigned int k = 0; k < len; k++)
						put8(&m, k == pos ? (uint8_t)v : '/');
					put_name(&m, "c");
					put16(&m, GG_DNS_TYPE_A);
					put16(&m, GG_DNS_CLASS_IN);
					st = pq(m.b, m.n, &q);
					cases++;
					if (st != (bad ? GG_DNS_BAD_NAME_CHAR : GG_DNS_OK) &&
							wrong++ < 5)
						printf("\n    first %u len %u pos %u "
								"octet 0x%02x: %s\n", first,
								len, pos, v,
								gg_dns_status_name(st));
				}
			}
		}
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT(cases > 100000);
}

static void
test_robustness(void)
{
	static const uint8_t cookie[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t max255[] = { 63, 63, 63, 61 };
	enum { NT = 10 };
	struct msg t[NT];
	unsigned int seen_q[GG_DNS_STATUS_COUNT] = { 0 };
	unsigned int seen_r[GG_DNS_STATUS_COUNT] = { 0 };
	unsigned long violations = 0;
	struct gg_dns_forge f;
	struct gg_dns_query q;
	struct gg_dns_response r;
	uint8_t buf[MSG_MAX];
	size_t qn, t1, t2;

	forge_policy(&f, 1, 3);
	build_query(&t[0], 1, "www.Example.com", GG_DNS_TYPE_A, 0);
	build_query(&t[1], 2, "a.b.c.d", GG_DNS_TYPE_AAAA, 0);
	set16(&t[1], 10, 1);
	put_opt(&t[1], 1232, 0, 1, cookie, sizeof(cookie));
	put_hdr(&t[2], 3, 0, 1, 0, 0, 0);
	put_long_name(&t[2], max255, 4);
	put16(&t[2], GG_DNS_TYPE_HTTPS);
	put16(&t[2], GG_DNS_CLASS_IN);
	/* A forged response: a query mutated into it, and vice versa. */
	build_query(&t[3], 4, "portal.example", GG_DNS_TYPE_A, 512);
	CU_ASSERT_EQUAL_FATAL(gg_dns_parse_query(t[3].b, t[3].n, &q), GG_DNS_OK);
	t[3].n = gg_dns_forge_answer(t[3].b, t[3].n, sizeof(t[3].b), &q, &f);
	qn = build_response(&t[4], "garden.example", GG_DNS_TYPE_A, 6);
	t1 = put_cname(&t[4], qn, "a.cdn.example", 100);
	t2 = put_cname(&t[4], t1, "b.cdn.example", 200);
	put_a(&t[4], t2, 10, 0, 0, 1, 10);
	put_a(&t[4], t2, 10, 0, 0, 2, 0x80000001u);
	put_a(&t[4], t1, 10, 0, 0, 3, 10);
	put_a(&t[4], qn, 10, 0, 0, 4, 10);
	/* a -> b -> a. */
	qn = build_response(&t[5], "a.example", GG_DNS_TYPE_A, 3);
	t1 = put_cname(&t[5], qn, "b.example", 10);
	put_rr_head(&t[5], t1, GG_DNS_TYPE_CNAME, GG_DNS_CLASS_IN, 10, 2);
	put_ptr(&t[5], qn);
	put_a(&t[5], qn, 1, 1, 1, 1, 10);
	/* Eight hops. */
	qn = build_response(&t[6], "h0.x", GG_DNS_TYPE_A, 9);
	for (int h = 1; h <= 8; h++) {
		char name[16];

		snprintf(name, sizeof(name), "h%d.x", h);
		qn = put_cname(&t[6], qn, name, 100);
	}
	put_a(&t[6], qn, 7, 7, 7, 7, 10);
	/* Eighteen A records. */
	qn = build_response(&t[7], "big.x", GG_DNS_TYPE_A, 18);
	for (int i = 0; i < 18; i++)
		put_a(&t[7], qn, 10, 2, 0, (uint8_t)i, 60);
	/* A query whose OPT owner is a (backward) pointer, and a compressed question. */
	build_query(&t[8], 9, "q.example", GG_DNS_TYPE_A, 0);
	set16(&t[8], 10, 1);
	put_ptr(&t[8], 14);
	put16(&t[8], GG_DNS_TYPE_OPT);
	put16(&t[8], 512);
	put32(&t[8], 0);
	put16(&t[8], 0);
	/* Nine hops: one too many. */
	qn = build_response(&t[9], "h0.x", GG_DNS_TYPE_A, 10);
	for (int h = 1; h <= 9; h++) {
		char name[16];

		snprintf(name, sizeof(name), "h%d.x", h);
		qn = put_cname(&t[9], qn, name, 100);
	}
	put_a(&t[9], qn, 7, 7, 7, 7, 10);

	rng_state = FUZZ_SEED;
	for (unsigned int i = 0; i < FUZZ_ITERATIONS; i++) {
		enum gg_dns_status sq, sr;
		const char *why = NULL;
		size_t len, k;
		uint32_t mode = rng() % 4;

		if (mode == 0) {
			/* Random octets behind a plausible header. */
			len = rng() % 96;
			for (k = 0; k < len; k++)
				buf[k] = (uint8_t)rng();
			if (len >= 12 && rng() % 2) {
				buf[2] &= 0x87;
				buf[4] = 0;
				buf[5] = 1;
				buf[6] = 0;
				buf[7] = (uint8_t)(rng() % 3);
				buf[8] = 0;
				buf[9] = 0;
				buf[10] = 0;
				buf[11] = (uint8_t)(rng() % 2);
			}
		} else {
			/* A valid message with a few octets or bits changed. */
			unsigned int tt = rng() % NT;
			unsigned int edits = 1 + rng() % 3;

			len = t[tt].n;
			memcpy(buf, t[tt].b, len);
			for (k = 0; k < edits && len > 0; k++) {
				size_t at = rng() % len;

				switch (rng() % 4) {
				case 0:
					buf[at] ^= (uint8_t)(1u << (rng() % 8));
					break;
				case 1:
					buf[at] = (uint8_t)rng();
					break;
				case 2:
					/* A pointer somewhere. */
					buf[at] = 0xc0 | (uint8_t)(rng() % 2);
					if (at + 1 < len)
						buf[at + 1] = (uint8_t)rng();
					break;
				default:
					/* A small number: length octets, counts. */
					buf[at] = (uint8_t)(rng() % 8);
					break;
				}
			}
			if (mode == 2) {
				/* Cut or extend. */
				size_t nl = rng() % (t[tt].n + 16);

				for (k = len; k < nl; k++)
					buf[k] = (uint8_t)rng();
				len = nl;
			}
		}

		sq = pq(buf, len, &q);
		sr = pr(buf, len, &r);
		seen_q[sq < GG_DNS_STATUS_COUNT ? sq : 0]++;
		seen_r[sr < GG_DNS_STATUS_COUNT ? sr : 0]++;
		if (sq >= GG_DNS_STATUS_COUNT || sr >= GG_DNS_STATUS_COUNT)
			why = "status out of range";
		else if (sq == GG_DNS_OK)
			why = check_query(buf, len, &q);
		if (why == NULL && sr == GG_DNS_OK)
			why = check_response(buf, len, &r);
		if (why == NULL && sr != GG_DNS_OK && r.naddrs != 0)
			why = "failed response parse reports addresses";
		if (why != NULL && violations++ < 5) {
			printf("\n    iteration %u len %zu: %s (q %s, r %s)\n    ",
					i, len, why, gg_dns_status_name(sq),
					gg_dns_status_name(sr));
			for (k = 0; k < len && k < 64; k++)
				printf("%02x", buf[k]);
			printf("\n");
		}
	}
	CU_ASSERT_EQUAL(violations, 0);

	/* The loop must reach every verdict of at least one parser. */
	for (int s = 0; s < GG_DNS_STATUS_COUNT; s++) {
		if (seen_q[s] + seen_r[s] == 0)
			printf("\n    status %s never produced\n",
					gg_dns_status_name(s));
		CU_ASSERT(seen_q[s] + seen_r[s] > 0);
	}
	CU_ASSERT(seen_q[GG_DNS_OK] > 1000);
	CU_ASSERT(seen_r[GG_DNS_OK] > 1000);
}

/*
 * gg_dns_question_hash(): equal for names that differ only in the case of
 * A-Z (RFC 4343), at every length and position (the word-wise fold and
 * the tail load); different when any other octet, the length, the type
 * or the class differs (a 32-bit digest: no collision expected among
 * these few thousand). Each name in a heap block of its exact length,
 * so that a read past it is seen by ASan and valgrind.
 */
static void
test_question_hash(void)
{
	static const uint8_t others[] = { '@', '`', '[', '{', 'Z' + 1,
		'a' - 1, 0xc1, 0xe1, '0', '-' };
	uint8_t name[255], *a = malloc(255), *b = malloc(255);
	unsigned int len, pos, j, bad = 0;
	uint32_t h;

	if (a == NULL || b == NULL) {
		CU_FAIL("malloc");
		goto out;
	}
	for (j = 0; j < sizeof(name); j++)
		name[j] = (uint8_t)('a' + (j * 7) % 26);
	for (len = 1; len <= sizeof(name); len++) {
		uint8_t *x = a + sizeof(name) - len, *y = b + sizeof(name) - len;

		memcpy(x, name, len);
		h = gg_dns_question_hash(x, len, 1, 1);
		for (pos = 0; pos < len; pos++) {
			memcpy(y, name, len);
			y[pos] = (uint8_t)(y[pos] - 'a' + 'A');
			bad += gg_dns_question_hash(y, len, 1, 1) != h;
			for (j = 0; j < sizeof(others); j++) {
				y[pos] = others[j];
				bad += gg_dns_question_hash(y, len, 1, 1) == h;
			}
		}
		bad += gg_dns_question_hash(x, len, 28, 1) == h;
		bad += gg_dns_question_hash(x, len, 1, 3) == h;
		if (len > 1)
			bad += gg_dns_question_hash(x + 1, len - 1, 1, 1) == h;
	}
	CU_ASSERT_EQUAL(bad, 0);
out:
	free(a);
	free(b);
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "query: hand-made bytes", test_query_hand_made },
		{ "question digest: case folded, all else counts",
			test_question_hash },
		{ "query: types and classes", test_query_types },
		{ "query: names, case, characters", test_query_names },
		{ "query: 255/256 octets, labels 63/64", test_query_name_limits },
		{ "query: compression pointers", test_query_pointers },
		{ "query: header counts, opcode, trailing data", test_query_header },
		{ "query: EDNS OPT", test_query_edns },
		{ "query: every truncated prefix", test_query_truncated },
		{ "query: in-place scan == name reader", test_query_scan },
		{ "query: every octet at every label position", test_query_name_octets },
		{ "forge: A, byte for byte", test_forge_a },
		{ "forge: EDNS echo and BADVERS", test_forge_edns },
		{ "forge: AAAA, HTTPS/SVCB, other types", test_forge_types },
		{ "forge: room", test_forge_room },
		{ "response: A records and malformed data", test_response_a },
		{ "response: CNAME chains", test_response_cname_chain },
		{ "response: CNAME loops and hop limit", test_response_cname_limits },
		{ "response: more than 16 addresses", test_response_many_addrs },
		{ "response: pointers", test_response_pointers },
		{ "response: every truncated prefix", test_response_truncated },
		{ "status names", test_status_names },
		{ "forged answers decoded by tshark", test_tshark },
		{ "robustness (random and mutated)", test_robustness },
	};

	return test_cunit_main("dns", NULL, NULL, TEST_CASES(tests));
}
