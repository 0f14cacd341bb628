/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit tests for lib/gtpu: parser acceptance and every rejection path,
 * the G-PDU fast path against the parser, builders checked byte for byte
 * and round-tripped through the parser, and a fixed-seed mutation loop for
 * robustness.
 *
 * Every parse goes through a heap copy of exactly len octets, so running
 * this under valgrind or ASan turns any read past len into an error.
 * Exits non-zero when any assertion failed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include <rte_byteorder.h>

#include "gg_gtpu.h"
#include "test_cunit.h"

#define MSG_MAX 2048
#define FUZZ_ITERATIONS 200000
#define FUZZ_SEED 0x9e3779b97f4a7c15ULL

#define ASSERT_STATUS(got, want) do { \
	enum gg_gtpu_status got_ = (got); \
	enum gg_gtpu_status want_ = (want); \
	if (got_ != want_) \
		printf("\n    line %d: got %s, want %s\n", __LINE__, \
			gg_gtpu_status_name(got_), \
			gg_gtpu_status_name(want_)); \
	CU_ASSERT_EQUAL(got_, want_); \
} while (0)

/* Parse from a heap block of exactly len octets (see the file comment). */
static enum gg_gtpu_status
parse_exact(const uint8_t *msg, size_t len, struct gg_gtpu_info *info)
{
	enum gg_gtpu_status st;
	uint8_t *copy = malloc(len ? len : 1);

	if (copy == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memcpy(copy, msg, len);
	/* Garbage in, so a parser that forgets to clear a field is caught. */
	memset(info, 0xa5, sizeof(*info));
	st = gg_gtpu_parse(len ? copy : copy + 1, len, info);
	free(copy);
	return st;
}

/*
 * Message under construction. next_at is the octet holding the "next
 * extension header type" to patch when another extension header is added.
 */
struct msg {
	uint8_t b[MSG_MAX];
	size_t n;
	size_t next_at;
};

static void
msg_init(struct msg *m, uint8_t flags, uint8_t type, uint32_t teid)
{
	memset(m, 0, sizeof(*m));
	m->b[0] = flags;
	m->b[1] = type;
	m->b[4] = (uint8_t)(teid >> 24);
	m->b[5] = (uint8_t)(teid >> 16);
	m->b[6] = (uint8_t)(teid >> 8);
	m->b[7] = (uint8_t)teid;
	m->n = GG_GTPU_HDR_LEN;
	if (flags & (GG_GTPU_FLAG_E | GG_GTPU_FLAG_S | GG_GTPU_FLAG_PN)) {
		m->n = GG_GTPU_HDR_OPT_LEN;
		m->next_at = 11;
	}
}

static void
msg_opt(struct msg *m, uint16_t seq, uint8_t npdu)
{
	m->b[8] = (uint8_t)(seq >> 8);
	m->b[9] = (uint8_t)seq;
	m->b[10] = npdu;
}

/* Append an extension header of type and units; content is 4*units-2 octets. */
static void
msg_ext(struct msg *m, uint8_t type, uint8_t units, const uint8_t *content)
{
	size_t ext_len = (size_t)units * 4;

	m->b[m->next_at] = type;
	m->b[m->n] = units;
	if (content != NULL)
		memcpy(m->b + m->n + 1, content, ext_len - 2);
	m->b[m->n + ext_len - 1] = GG_GTPU_EXT_NONE;
	m->next_at = m->n + ext_len - 1;
	m->n += ext_len;
}

static void
msg_payload(struct msg *m, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		m->b[m->n + i] = (uint8_t)(0x45 + i);
	m->n += len;
}

static void
set_length(uint8_t *b, uint16_t length)
{
	b[2] = (uint8_t)(length >> 8);
	b[3] = (uint8_t)length;
}

/* Set the length field to match and return the message size. */
static size_t
msg_done(struct msg *m)
{
	set_length(m->b, (uint16_t)(m->n - GG_GTPU_HDR_LEN));
	return m->n;
}

/* G-PDU with E=1, a PDU Session Container of pdu_type/octet1, payload. */
static size_t
msg_gpdu_container(struct msg *m, uint8_t octet0, uint8_t octet1,
		size_t payload)
{
	const uint8_t c[2] = { octet0, octet1 };

	msg_init(m, 0x34, GG_GTPU_GPDU, 0x01020304);
	msg_ext(m, GG_GTPU_EXT_PDU_SESSION_CONTAINER, 1, c);
	msg_payload(m, payload);
	return msg_done(m);
}

/* ---------------------------------------------------------------- parse */

static void
test_parse_minimal_gpdu(void)
{
	static const uint8_t pkt[] = {
		0x30, 0xff, 0x00, 0x04, 0x12, 0x34, 0x56, 0x78,
		0x45, 0x00, 0x00, 0x00,
	};
	struct gg_gtpu_info info;

	ASSERT_STATUS(parse_exact(pkt, sizeof(pkt), &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.teid, 0x12345678);
	CU_ASSERT_EQUAL(info.length, 4);
	CU_ASSERT_EQUAL(info.hdr_len, 8);
	CU_ASSERT_EQUAL(info.payload_len, 4);
	CU_ASSERT_EQUAL(info.flags, 0x30);
	CU_ASSERT_EQUAL(info.msg_type, GG_GTPU_GPDU);
	CU_ASSERT_EQUAL(info.seq, 0);
	CU_ASSERT_EQUAL(info.npdu, 0);
	CU_ASSERT_EQUAL(info.has_pdu_session, 0);
	CU_ASSERT_EQUAL(info.has_udp_port, 0);
	CU_ASSERT_EQUAL(info.bad_ext_type, 0);

	/* Header only: the parser accepts it, policy on empty G-PDUs is not its job. */
	ASSERT_STATUS(parse_exact((const uint8_t []){ 0x30, 0xff, 0, 0,
			0xff, 0xff, 0xff, 0xff }, 8, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.teid, 0xffffffff);
	CU_ASSERT_EQUAL(info.hdr_len, 8);
	CU_ASSERT_EQUAL(info.payload_len, 0);

	/* Spare bit (0x08) set is not an error. */
	ASSERT_STATUS(parse_exact((const uint8_t []){ 0x38, 0xfe, 0, 0,
			0, 0, 0, 1 }, 8, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.msg_type, GG_GTPU_END_MARKER);
}

static void
test_parse_optional_flags(void)
{
	struct gg_gtpu_info info;
	struct msg m;
	size_t n;

	/* S only; N-PDU and next-type octets are there but must be ignored. */
	msg_init(&m, 0x32, GG_GTPU_GPDU, 7);
	msg_opt(&m, 0xbeef, 0x77);
	m.b[11] = GG_GTPU_EXT_PDU_SESSION_CONTAINER;
	msg_payload(&m, 3);
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.seq, 0xbeef);
	CU_ASSERT_EQUAL(info.npdu, 0);
	CU_ASSERT_EQUAL(info.has_pdu_session, 0);
	CU_ASSERT_EQUAL(info.hdr_len, 12);
	CU_ASSERT_EQUAL(info.payload_len, 3);
	CU_ASSERT_EQUAL(info.length, 7);

	/* PN only. */
	msg_init(&m, 0x31, GG_GTPU_GPDU, 7);
	msg_opt(&m, 0xbeef, 0x77);
	msg_payload(&m, 1);
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.seq, 0);
	CU_ASSERT_EQUAL(info.npdu, 0x77);
	CU_ASSERT_EQUAL(info.hdr_len, 12);
	CU_ASSERT_EQUAL(info.payload_len, 1);

	/* E with an empty chain. */
	msg_init(&m, 0x34, GG_GTPU_GPDU, 7);
	msg_payload(&m, 2);
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.hdr_len, 12);
	CU_ASSERT_EQUAL(info.payload_len, 2);
	CU_ASSERT_EQUAL(info.has_pdu_session, 0);

	/* All three, nothing after the header. */
	msg_init(&m, 0x37, GG_GTPU_GPDU, 7);
	msg_opt(&m, 1, 2);
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.seq, 1);
	CU_ASSERT_EQUAL(info.npdu, 2);
	CU_ASSERT_EQUAL(info.hdr_len, 12);
	CU_ASSERT_EQUAL(info.payload_len, 0);
	CU_ASSERT_EQUAL(info.flags, 0x37);

	/* E=0: even a "comprehension required" next type is ignored. */
	msg_init(&m, 0x33, GG_GTPU_GPDU, 7);
	m.b[11] = 0xff;
	msg_payload(&m, 4);
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.bad_ext_type, 0);
	CU_ASSERT_EQUAL(info.hdr_len, 12);
}

static void
test_parse_pdu_session_ul(void)
{
	struct gg_gtpu_info info;
	struct msg m;
	size_t n;

	n = msg_gpdu_container(&m, 0x10, 0x09, 20);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.has_pdu_session, 1);
	CU_ASSERT_EQUAL(info.pdu_type, GG_GTPU_PDU_TYPE_UL);
	CU_ASSERT_EQUAL(info.qfi, 9);
	CU_ASSERT_EQUAL(info.rqi, 0);
	CU_ASSERT_EQUAL(info.ppp, 0);
	CU_ASSERT_EQUAL(info.teid, 0x01020304);
	CU_ASSERT_EQUAL(info.hdr_len, 16);
	CU_ASSERT_EQUAL(info.payload_len, 20);

	/* UL: the top bits of octet 1 are not PPP/RQI; the low nibble of octet 0 is flags. */
	n = msg_gpdu_container(&m, 0x1f, 0xc0 | 0x2a, 20);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.pdu_type, GG_GTPU_PDU_TYPE_UL);
	CU_ASSERT_EQUAL(info.qfi, 0x2a);
	CU_ASSERT_EQUAL(info.rqi, 0);
	CU_ASSERT_EQUAL(info.ppp, 0);
}

static void
test_parse_pdu_session_dl(void)
{
	static const uint8_t long_dl[6] = { 0x00, 0x45, 0xa0, 0, 0, 0 };
	struct gg_gtpu_info info;
	struct msg m;
	size_t n;

	n = msg_gpdu_container(&m, 0x00, 0x80 | 0x40 | 0x3f, 5);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.has_pdu_session, 1);
	CU_ASSERT_EQUAL(info.pdu_type, GG_GTPU_PDU_TYPE_DL);
	CU_ASSERT_EQUAL(info.qfi, 0x3f);
	CU_ASSERT_EQUAL(info.rqi, 1);
	CU_ASSERT_EQUAL(info.ppp, 1);
	CU_ASSERT_EQUAL(info.payload_len, 5);

	n = msg_gpdu_container(&m, 0x00, 0x40 | 0x05, 5);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.qfi, 5);
	CU_ASSERT_EQUAL(info.rqi, 1);
	CU_ASSERT_EQUAL(info.ppp, 0);

	n = msg_gpdu_container(&m, 0x00, 0x80 | 0x01, 5);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.qfi, 1);
	CU_ASSERT_EQUAL(info.rqi, 0);
	CU_ASSERT_EQUAL(info.ppp, 1);

	/* Two units (PPP set, with the PPI octet): the chain steps over 8 octets. */
	msg_init(&m, 0x34, GG_GTPU_GPDU, 1);
	msg_ext(&m, GG_GTPU_EXT_PDU_SESSION_CONTAINER, 2, long_dl);
	msg_payload(&m, 9);
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.hdr_len, 20);
	CU_ASSERT_EQUAL(info.payload_len, 9);
	CU_ASSERT_EQUAL(info.qfi, 5);
	CU_ASSERT_EQUAL(info.rqi, 1);
}

static void
test_parse_ext_chain(void)
{
	static const uint8_t six[6] = { 1, 2, 3, 4, 5, 6 };
	static const uint8_t two[2] = { 0xaa, 0xbb };
	static const uint8_t port[2] = { 0x12, 0x34 };
	static const uint8_t dl[2] = { 0x00, 0x47 };
	struct gg_gtpu_info info;
	struct msg m;
	size_t n;

	/* Every skipped known type, three unknown-not-required, then the two we use. */
	msg_init(&m, 0x37, GG_GTPU_GPDU, 0xcafe);
	msg_opt(&m, 0x0102, 3);
	msg_ext(&m, GG_GTPU_EXT_SERVICE_CLASS, 1, two);
	msg_ext(&m, GG_GTPU_EXT_RAN_CONTAINER, 1, two);
	msg_ext(&m, GG_GTPU_EXT_LONG_PDCP_PDU_NUMBER, 2, six);
	msg_ext(&m, GG_GTPU_EXT_XW_RAN_CONTAINER, 1, two);
	msg_ext(&m, GG_GTPU_EXT_NR_RAN_CONTAINER, 3, NULL);
	msg_ext(&m, GG_GTPU_EXT_PDCP_PDU_NUMBER, 1, two);
	msg_ext(&m, 0x01, 1, two);
	msg_ext(&m, 0x41, 1, two);
	msg_ext(&m, 0x7f, 255, NULL);
	msg_ext(&m, GG_GTPU_EXT_UDP_PORT, 1, port);
	msg_ext(&m, GG_GTPU_EXT_PDU_SESSION_CONTAINER, 1, dl);
	msg_payload(&m, 33);
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.hdr_len, 12 + 4 * (1 + 1 + 2 + 1 + 3 + 1 + 1 + 1 + 255 + 1 + 1));
	CU_ASSERT_EQUAL(info.payload_len, 33);
	CU_ASSERT_EQUAL(info.hdr_len + info.payload_len, n);
	CU_ASSERT_EQUAL(info.seq, 0x0102);
	CU_ASSERT_EQUAL(info.npdu, 3);
	CU_ASSERT_EQUAL(info.has_udp_port, 1);
	CU_ASSERT_EQUAL(info.udp_port, 0x1234);
	CU_ASSERT_EQUAL(info.has_pdu_session, 1);
	CU_ASSERT_EQUAL(info.pdu_type, GG_GTPU_PDU_TYPE_DL);
	CU_ASSERT_EQUAL(info.qfi, 7);
	CU_ASSERT_EQUAL(info.rqi, 1);
	CU_ASSERT_EQUAL(info.bad_ext_type, 0);

	/* Container first, skipped ones after it; no payload. */
	msg_init(&m, 0x34, GG_GTPU_GPDU, 1);
	msg_ext(&m, GG_GTPU_EXT_PDU_SESSION_CONTAINER, 1,
			(const uint8_t []){ 0x10, 0x3e });
	msg_ext(&m, GG_GTPU_EXT_PDCP_PDU_NUMBER, 1, two);
	msg_ext(&m, 0x3f, 1, two);
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.hdr_len, 24);
	CU_ASSERT_EQUAL(info.payload_len, 0);
	CU_ASSERT_EQUAL(info.pdu_type, GG_GTPU_PDU_TYPE_UL);
	CU_ASSERT_EQUAL(info.qfi, 0x3e);
	CU_ASSERT_EQUAL(info.has_udp_port, 0);
}

static void
test_parse_truncated_prefixes(void)
{
	struct gg_gtpu_info info;
	struct msg m;
	size_t n, l;

	n = msg_gpdu_container(&m, 0x00, 0x41, 6);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_OK);

	/* Cut anywhere, length field untouched. */
	for (l = 0; l < n; l++) {
		enum gg_gtpu_status st = parse_exact(m.b, l, &info);

		CU_ASSERT_NOT_EQUAL(st, GG_GTPU_OK);
		ASSERT_STATUS(st, l < GG_GTPU_HDR_LEN ? GG_GTPU_TRUNCATED :
				GG_GTPU_BAD_LENGTH);
		if (l >= GG_GTPU_HDR_LEN) {
			CU_ASSERT_EQUAL(info.teid, 0x01020304);
			CU_ASSERT_EQUAL(info.msg_type, GG_GTPU_GPDU);
		}
	}

	/*
	 * Cut anywhere with the length field rewritten to agree: the header
	 * the flags and the chain announce is what no longer fits.
	 */
	for (l = GG_GTPU_HDR_LEN; l < n; l++) {
		struct msg cut = m;
		enum gg_gtpu_status want;

		set_length(cut.b, (uint16_t)(l - GG_GTPU_HDR_LEN));
		if (l < 12)
			want = GG_GTPU_TRUNCATED;
		else if (l < 16)
			want = GG_GTPU_BAD_EXT_CHAIN;
		else
			want = GG_GTPU_OK;
		ASSERT_STATUS(parse_exact(cut.b, l, &info), want);
		if (want == GG_GTPU_OK)
			CU_ASSERT_EQUAL(info.payload_len, l - 16);
	}
}

static void
test_parse_bad_length(void)
{
	static const uint16_t lies[] = { 0, 3, 5, 6, 0x0104, 0xffff };
	struct gg_gtpu_info info;
	struct msg m;
	uint16_t length;
	size_t n;

	msg_init(&m, 0x30, GG_GTPU_GPDU, 99);
	msg_payload(&m, 4);
	n = msg_done(&m);

	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		struct msg bad = m;

		set_length(bad.b, lies[i]);
		ASSERT_STATUS(parse_exact(bad.b, n, &info), GG_GTPU_BAD_LENGTH);
		CU_ASSERT_EQUAL(info.length, lies[i]);
		CU_ASSERT_EQUAL(info.teid, 99);
	}

	/* UDP payload longer than the message (trailing octets). */
	ASSERT_STATUS(parse_exact(m.b, n + 1, &info), GG_GTPU_BAD_LENGTH);

	/* Same lies on a message with a container. */
	n = msg_gpdu_container(&m, 0x10, 1, 10);
	for (int d = -1; d <= 1; d += 2) {
		struct msg bad = m;

		set_length(bad.b, (uint16_t)(n - GG_GTPU_HDR_LEN + d));
		ASSERT_STATUS(parse_exact(bad.b, n, &info), GG_GTPU_BAD_LENGTH);
	}

	/* Optional flags with a consistent length below 4: documented as TRUNCATED. */
	for (uint8_t flags = 0x31; flags <= 0x37; flags++) {
		for (length = 0; length < 4; length++) {
			struct msg s;

			msg_init(&s, flags, GG_GTPU_GPDU, 5);
			set_length(s.b, length);
			ASSERT_STATUS(parse_exact(s.b, GG_GTPU_HDR_LEN + length,
					&info), GG_GTPU_TRUNCATED);
			CU_ASSERT_EQUAL(info.teid, 5);
		}
	}
}

static void
test_parse_bad_ext_chain(void)
{
	static const uint8_t zero_types[] = {
		GG_GTPU_EXT_PDU_SESSION_CONTAINER, GG_GTPU_EXT_SERVICE_CLASS,
		0x01, 0xff,
	};
	static const uint8_t two[2] = { 0, 0 };
	struct gg_gtpu_info info;
	struct msg m;
	size_t n;

	/* Zero-length header: container, skipped type, unknown required type. */
	for (size_t i = 0; i < sizeof(zero_types); i++) {
		msg_init(&m, 0x34, GG_GTPU_GPDU, 1);
		msg_ext(&m, zero_types[i], 1, two);
		m.b[12] = 0;
		msg_payload(&m, 8);
		n = msg_done(&m);
		ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_BAD_EXT_CHAIN);
	}

	/* Zero-length header later in the chain. */
	msg_init(&m, 0x34, GG_GTPU_GPDU, 1);
	msg_ext(&m, GG_GTPU_EXT_SERVICE_CLASS, 1, two);
	msg_ext(&m, GG_GTPU_EXT_PDU_SESSION_CONTAINER, 1, two);
	m.b[16] = 0;
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_BAD_EXT_CHAIN);

	/* Header running past the end by 4, then by exactly 1 octet. */
	msg_init(&m, 0x34, GG_GTPU_GPDU, 1);
	msg_ext(&m, GG_GTPU_EXT_PDU_SESSION_CONTAINER, 1, two);
	m.b[12] = 2;
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_BAD_EXT_CHAIN);
	msg_payload(&m, 3);
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_BAD_EXT_CHAIN);
	/* Sanity: one more octet (the terminator) and the same header fits. */
	msg_payload(&m, 1);
	m.b[m.n - 1] = GG_GTPU_EXT_NONE;
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.payload_len, 0);

	/* Overrun by an unknown required type: bounds are checked first. */
	msg_init(&m, 0x34, GG_GTPU_GPDU, 1);
	msg_ext(&m, 0xc1, 1, two);
	m.b[12] = 3;
	msg_payload(&m, 4);
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_BAD_EXT_CHAIN);

	/* Chain announcing another header with no octet left. */
	msg_init(&m, 0x34, GG_GTPU_GPDU, 1);
	m.b[11] = GG_GTPU_EXT_PDU_SESSION_CONTAINER;
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_BAD_EXT_CHAIN);

	msg_init(&m, 0x34, GG_GTPU_GPDU, 1);
	msg_ext(&m, GG_GTPU_EXT_PDU_SESSION_CONTAINER, 1, two);
	msg_ext(&m, GG_GTPU_EXT_SERVICE_CLASS, 1, two);
	m.b[m.next_at] = GG_GTPU_EXT_RAN_CONTAINER;
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_BAD_EXT_CHAIN);

	/* Last "next type" is the last octet of the message but not 0. */
	m.b[m.next_at] = 0x01;
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_BAD_EXT_CHAIN);
}

/*
 * Largest messages the length field allows: 65543 octets. A chain making
 * hdr_len exceed 16 bits is refused; a large one that fits is accepted.
 */
static void
test_parse_huge(void)
{
	const size_t len = GG_GTPU_HDR_LEN + 0xffff;
	struct gg_gtpu_info info;
	uint8_t *b = calloc(1, len);
	size_t off;

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	b[0] = 0x34;
	b[1] = GG_GTPU_GPDU;
	set_length(b, 0xffff);
	b[11] = GG_GTPU_EXT_SERVICE_CLASS;
	b[12] = 255;
	ASSERT_STATUS(parse_exact(b, len, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.hdr_len, 12 + 1020);
	CU_ASSERT_EQUAL(info.payload_len, len - 12 - 1020);

	/* 64 headers of 255 units and one of 62: hdr_len would be 65540. */
	set_length(b, 0xfffc);
	for (off = 12; off < 12 + 64 * 1020; off += 1020) {
		b[off] = 255;
		b[off + 1019] = GG_GTPU_EXT_SERVICE_CLASS;
	}
	b[off] = 62;
	b[off + 62 * 4 - 1] = GG_GTPU_EXT_NONE;
	CU_ASSERT_EQUAL(off + 62 * 4, len - 3);
	ASSERT_STATUS(parse_exact(b, len - 3, &info), GG_GTPU_BAD_EXT_CHAIN);
	free(b);
}

static void
test_parse_bad_version_pt(void)
{
	static const uint8_t versions[] = { 0, 2, 3, 7 };
	struct gg_gtpu_info info;
	struct msg m;
	size_t n;

	for (size_t i = 0; i < sizeof(versions); i++) {
		msg_init(&m, (uint8_t)(versions[i] << 5 | GG_GTPU_FLAG_PT),
				GG_GTPU_GPDU, 42);
		msg_payload(&m, 4);
		n = msg_done(&m);
		ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_BAD_VERSION);
		CU_ASSERT_EQUAL(info.teid, 42);
		CU_ASSERT_EQUAL(info.msg_type, GG_GTPU_GPDU);
		/* Version is checked before PT and length. */
		m.b[0] &= ~GG_GTPU_FLAG_PT;
		set_length(m.b, 1000);
		ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_BAD_VERSION);
		/* ... but after the 8-octet minimum. */
		ASSERT_STATUS(parse_exact(m.b, 7, &info), GG_GTPU_TRUNCATED);
	}

	/* PT=0 (GTP'), with and without other problems behind it. */
	msg_init(&m, 0x20, GG_GTPU_GPDU, 42);
	msg_payload(&m, 4);
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_BAD_PT);
	set_length(m.b, 1000);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_BAD_PT);
	n = msg_gpdu_container(&m, 0x70, 0, 4);
	m.b[0] &= ~GG_GTPU_FLAG_PT;
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_BAD_PT);

	/* Length is checked before the optional part and the chain. */
	m.b[0] |= GG_GTPU_FLAG_PT;
	set_length(m.b, 2);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_BAD_LENGTH);
}

static void
test_parse_unknown_required(void)
{
	static const uint8_t types[] = { 0x80, 0x86, 0xbf, 0xc1, 0xfe, 0xff };
	static const uint8_t two[2] = { 0x10, 0x01 };
	struct gg_gtpu_info info;
	struct msg m;
	size_t n;

	for (size_t i = 0; i < sizeof(types); i++) {
		/* As the first header. */
		msg_init(&m, 0x34, GG_GTPU_GPDU, 3);
		msg_ext(&m, types[i], 1, two);
		msg_payload(&m, 4);
		n = msg_done(&m);
		ASSERT_STATUS(parse_exact(m.b, n, &info),
				GG_GTPU_UNKNOWN_REQUIRED_EXT);
		CU_ASSERT_EQUAL(info.bad_ext_type, types[i]);
		CU_ASSERT_EQUAL(info.teid, 3);

		/* Third, behind ones we know. */
		msg_init(&m, 0x34, GG_GTPU_GPDU, 3);
		msg_ext(&m, GG_GTPU_EXT_PDU_SESSION_CONTAINER, 1, two);
		msg_ext(&m, GG_GTPU_EXT_SERVICE_CLASS, 1, two);
		msg_ext(&m, types[i], 2, NULL);
		n = msg_done(&m);
		ASSERT_STATUS(parse_exact(m.b, n, &info),
				GG_GTPU_UNKNOWN_REQUIRED_EXT);
		CU_ASSERT_EQUAL(info.bad_ext_type, types[i]);

		/* seq must be known: the notification answers with it. */
		msg_init(&m, 0x36, GG_GTPU_GPDU, 3);
		msg_opt(&m, 0x4321, 0);
		msg_ext(&m, types[i], 1, two);
		n = msg_done(&m);
		ASSERT_STATUS(parse_exact(m.b, n, &info),
				GG_GTPU_UNKNOWN_REQUIRED_EXT);
		CU_ASSERT_EQUAL(info.seq, 0x4321);
		CU_ASSERT_EQUAL(info.msg_type, GG_GTPU_GPDU);
	}
	CU_ASSERT_STRING_EQUAL(
		gg_gtpu_status_name(GG_GTPU_UNKNOWN_REQUIRED_EXT),
		"unknown_required_ext");
}

static void
test_parse_bad_pdu_session(void)
{
	static const uint8_t two[2] = { 0, 0 };
	struct gg_gtpu_info info;
	struct msg m;
	size_t n;

	for (unsigned int t = 2; t <= 15; t++) {
		n = msg_gpdu_container(&m, (uint8_t)(t << 4), 0x01, 8);
		ASSERT_STATUS(parse_exact(m.b, n, &info),
				GG_GTPU_BAD_PDU_SESSION);
	}

	/* Behind a skipped header, and as a second container. */
	msg_init(&m, 0x34, GG_GTPU_GPDU, 3);
	msg_ext(&m, GG_GTPU_EXT_RAN_CONTAINER, 1, two);
	msg_ext(&m, GG_GTPU_EXT_PDU_SESSION_CONTAINER, 1,
			(const uint8_t []){ 0x20, 0x01 });
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_BAD_PDU_SESSION);

	msg_init(&m, 0x34, GG_GTPU_GPDU, 3);
	msg_ext(&m, GG_GTPU_EXT_PDU_SESSION_CONTAINER, 1, two);
	msg_ext(&m, GG_GTPU_EXT_PDU_SESSION_CONTAINER, 1,
			(const uint8_t []){ 0xf0, 0x01 });
	n = msg_done(&m);
	ASSERT_STATUS(parse_exact(m.b, n, &info), GG_GTPU_BAD_PDU_SESSION);
}

/*
 * gg_gtpu_gpdu_fast() on a heap copy of exactly len octets, checked
 * against the complete parser: whenever it takes a message, gg_gtpu_parse()
 * must find a G-PDU with the same header length and a non-empty T-PDU.
 * Returns what it returned; counts a disagreement in *wrong.
 */
static unsigned int
fast_checked(const uint8_t *msg, size_t len, unsigned long *wrong)
{
	struct gg_gtpu_info info;
	enum gg_gtpu_status st;
	uint8_t *copy = malloc(len ? len : 1);
	unsigned int h;

	if (copy == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memcpy(copy, msg, len);
	h = gg_gtpu_gpdu_fast(copy, (uint16_t)len);
	free(copy);
	if (h == 0)
		return 0;
	st = parse_exact(msg, len, &info);
	if (st != GG_GTPU_OK || info.msg_type != GG_GTPU_GPDU ||
			info.hdr_len != h || info.payload_len == 0 ||
			(size_t)info.hdr_len + info.payload_len != len) {
		if ((*wrong)++ < 5)
			printf("\n    fast path took len %zu (header %u), parser says %s, header %u\n",
					len, h, gg_gtpu_status_name(st), info.hdr_len);
	}
	return h;
}

static void
test_gpdu_fast(void)
{
	struct msg bare, cont;
	size_t bare_len, cont_len, len;
	unsigned long wrong = 0;
	uint8_t b[MSG_MAX];
	unsigned int k, v;

	/* Both shapes, with every T-PDU length around the 17-octet floor. */
	for (len = 1; len <= 24; len++) {
		msg_init(&bare, 0x30, GG_GTPU_GPDU, 0x0a0b0c0d);
		msg_payload(&bare, len);
		bare_len = msg_done(&bare);
		CU_ASSERT_EQUAL(fast_checked(bare.b, bare_len, &wrong),
				bare_len >= 17 ? 8 : 0);
		cont_len = msg_gpdu_container(&cont, GG_GTPU_PDU_TYPE_UL << 4,
				0x09, len);
		CU_ASSERT_EQUAL(fast_checked(cont.b, cont_len, &wrong), 16);
		cont_len = msg_gpdu_container(&cont, GG_GTPU_PDU_TYPE_DL << 4,
				0xc9, len);
		CU_ASSERT_EQUAL(fast_checked(cont.b, cont_len, &wrong), 16);
	}
	/* A container without a T-PDU, and one not the last header. */
	cont_len = msg_gpdu_container(&cont, 0x10, 0x09, 0);
	CU_ASSERT_EQUAL(fast_checked(cont.b, cont_len, &wrong), 0);
	msg_init(&cont, 0x34, GG_GTPU_GPDU, 1);
	msg_ext(&cont, GG_GTPU_EXT_PDU_SESSION_CONTAINER, 1,
			(const uint8_t []){ 0x10, 0x09 });
	msg_ext(&cont, GG_GTPU_EXT_SERVICE_CLASS, 1,
			(const uint8_t []){ 0, 0 });
	msg_payload(&cont, 20);
	cont_len = msg_done(&cont);
	CU_ASSERT_EQUAL(fast_checked(cont.b, cont_len, &wrong), 0);

	/* Every value of each of the first 16 octets of both shapes. */
	msg_init(&bare, 0x30, GG_GTPU_GPDU, 0x0a0b0c0d);
	msg_payload(&bare, 32);
	bare_len = msg_done(&bare);
	cont_len = msg_gpdu_container(&cont, 0x10, 0x09, 24);
	for (k = 0; k < 16; k++) {
		for (v = 0; v < 256; v++) {
			unsigned int h;

			memcpy(b, bare.b, bare_len);
			b[k] = (uint8_t)v;
			h = fast_checked(b, bare_len, &wrong);
			/* TEID and T-PDU octets are free; the rest is fixed. */
			if (k >= 4)
				CU_ASSERT_EQUAL(h, 8);

			memcpy(b, cont.b, cont_len);
			b[k] = (uint8_t)v;
			h = fast_checked(b, cont_len, &wrong);
			/* TEID, sequence, N-PDU, QFI octet, low bits of the
			 * PDU type octet are free; PDU type DL and UL pass. */
			if ((k >= 4 && k <= 10) || k == 14 ||
					(k == 13 && (v >> 4) <= 1))
				CU_ASSERT_EQUAL(h, 16);
			if (k == 0 && v == 0x30)
				CU_ASSERT_EQUAL(h, 8);
		}
	}

	/* Cut or extended with the length field made to agree. */
	for (len = 0; len <= cont_len + 4; len++) {
		memcpy(b, cont.b, cont_len);
		memset(b + cont_len, 0x45, 4);
		if (len >= GG_GTPU_HDR_LEN)
			set_length(b, (uint16_t)(len - GG_GTPU_HDR_LEN));
		CU_ASSERT_EQUAL(fast_checked(b, len, &wrong),
				len >= 17 ? 16 : 0);
	}
	CU_ASSERT_EQUAL(wrong, 0);
}

static void
test_status_names(void)
{
	static const char *const want[] = {
		"ok", "truncated", "bad_version", "bad_pt", "bad_length",
		"bad_ext_chain", "bad_pdu_session", "unknown_required_ext",
	};

	for (unsigned int i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *name = gg_gtpu_status_name(i);

		CU_ASSERT_PTR_NOT_NULL_FATAL(name);
		CU_ASSERT_STRING_EQUAL(name, want[i]);
	}
	CU_ASSERT_PTR_NOT_NULL(gg_gtpu_status_name(
			(enum gg_gtpu_status)(GG_GTPU_UNKNOWN_REQUIRED_EXT + 1)));
	CU_ASSERT_PTR_NOT_NULL(gg_gtpu_status_name((enum gg_gtpu_status)-1));
}

/* -------------------------------------------------------------- builders */

static void
test_build_gpdu(void)
{
	static const uint8_t bare[] = {
		0x30, 0xff, 0x00, 0x64, 0xde, 0xad, 0xbe, 0xef,
	};
	static const uint8_t with_container[] = {
		0x34, 0xff, 0x00, 0x6c, 0xde, 0xad, 0xbe, 0xef,
		0x00, 0x00, 0x00, 0x85, 0x01, 0x00, 0x3f, 0x00,
	};
	struct gg_gtpu_info info;
	uint8_t buf[256];
	unsigned int w;

	CU_ASSERT_EQUAL(gg_gtpu_gpdu_hdr_len(0), 8);
	CU_ASSERT_EQUAL(gg_gtpu_gpdu_hdr_len(1), 16);

	memset(buf, 0xee, sizeof(buf));
	w = gg_gtpu_write_gpdu_hdr(buf, 0xdeadbeef, 100, 0, 9);
	CU_ASSERT_EQUAL_FATAL(w, 8);
	CU_ASSERT_EQUAL(memcmp(buf, bare, sizeof(bare)), 0);
	CU_ASSERT_EQUAL(buf[8], 0xee);
	ASSERT_STATUS(parse_exact(buf, w + 100, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.teid, 0xdeadbeef);
	CU_ASSERT_EQUAL(info.msg_type, GG_GTPU_GPDU);
	CU_ASSERT_EQUAL(info.hdr_len, 8);
	CU_ASSERT_EQUAL(info.payload_len, 100);
	CU_ASSERT_EQUAL(info.has_pdu_session, 0);

	/* QFI is masked to 6 bits; unaligned destination. */
	memset(buf, 0xee, sizeof(buf));
	w = gg_gtpu_write_gpdu_hdr(buf + 1, 0xdeadbeef, 100, 1, 0xff);
	CU_ASSERT_EQUAL_FATAL(w, 16);
	CU_ASSERT_EQUAL(memcmp(buf + 1, with_container,
			sizeof(with_container)), 0);
	CU_ASSERT_EQUAL(buf[0], 0xee);
	CU_ASSERT_EQUAL(buf[17], 0xee);
	ASSERT_STATUS(parse_exact(buf + 1, w + 100, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.teid, 0xdeadbeef);
	CU_ASSERT_EQUAL(info.hdr_len, 16);
	CU_ASSERT_EQUAL(info.payload_len, 100);
	CU_ASSERT_EQUAL(info.has_pdu_session, 1);
	CU_ASSERT_EQUAL(info.pdu_type, GG_GTPU_PDU_TYPE_DL);
	CU_ASSERT_EQUAL(info.qfi, 0x3f);
	CU_ASSERT_EQUAL(info.rqi, 0);
	CU_ASSERT_EQUAL(info.ppp, 0);
	CU_ASSERT_EQUAL(info.seq, 0);

	for (uint8_t qfi = 0; qfi < 64; qfi++) {
		w = gg_gtpu_write_gpdu_hdr(buf, qfi, 0, 1, qfi);
		ASSERT_STATUS(parse_exact(buf, w, &info), GG_GTPU_OK);
		CU_ASSERT_EQUAL(info.qfi, qfi);
		CU_ASSERT_EQUAL(info.payload_len, 0);
	}

	/* Largest T-PDUs: bare fits, with the container the length field cannot hold it. */
	w = gg_gtpu_write_gpdu_hdr(buf, 1, 0xffff, 0, 0);
	CU_ASSERT_EQUAL(w, 8);
	CU_ASSERT_EQUAL(buf[2], 0xff);
	CU_ASSERT_EQUAL(buf[3], 0xff);
	CU_ASSERT_EQUAL(gg_gtpu_write_gpdu_hdr(buf, 1, 0xffff - 8, 1, 0), 16);
	CU_ASSERT_EQUAL(gg_gtpu_write_gpdu_hdr(buf, 1, 0xffff - 7, 1, 0), 0);
}

static void
test_build_echo_response(void)
{
	static const uint8_t want[] = {
		0x32, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00,
		0xab, 0xcd, 0x00, 0x00, 0x0e, 0x00,
	};
	struct gg_gtpu_info info;
	uint8_t buf[64];
	unsigned int w;

	memset(buf, 0xee, sizeof(buf));
	CU_ASSERT_EQUAL(gg_gtpu_write_echo_response(buf, 13, 0xabcd), 0);
	CU_ASSERT_EQUAL(buf[0], 0xee);
	CU_ASSERT_EQUAL(gg_gtpu_write_echo_response(buf, 0, 0xabcd), 0);

	w = gg_gtpu_write_echo_response(buf, 14, 0xabcd);
	CU_ASSERT_EQUAL_FATAL(w, 14);
	CU_ASSERT_EQUAL(memcmp(buf, want, sizeof(want)), 0);
	CU_ASSERT_EQUAL(buf[14], 0xee);

	ASSERT_STATUS(parse_exact(buf, w, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.msg_type, GG_GTPU_ECHO_RESPONSE);
	CU_ASSERT_EQUAL(info.teid, 0);
	CU_ASSERT_EQUAL(info.seq, 0xabcd);
	CU_ASSERT_EQUAL(info.hdr_len, 12);
	CU_ASSERT_EQUAL(info.payload_len, 2);
	CU_ASSERT_EQUAL(buf[info.hdr_len], GG_GTPU_IE_RECOVERY);

	w = gg_gtpu_write_echo_response(buf + 3, sizeof(buf) - 3, 0);
	CU_ASSERT_EQUAL(w, 14);
	ASSERT_STATUS(parse_exact(buf + 3, w, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.seq, 0);
}

static void
test_build_error_indication(void)
{
	static const uint8_t want[] = {
		0x32, 0x1a, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		0x10, 0x11, 0x22, 0x33, 0x44,
		0x85, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x01,
	};
	static const uint8_t want_port[] = {
		0x36, 0x1a, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x40,
		0x01, 0x08, 0x68, 0x00,
		0x10, 0x11, 0x22, 0x33, 0x44,
		0x85, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x01,
	};
	const uint32_t peer = rte_cpu_to_be_32(0xc0000201); /* 192.0.2.1 */
	struct gg_gtpu_info info;
	uint8_t buf[64];
	unsigned int w;

	memset(buf, 0xee, sizeof(buf));
	CU_ASSERT_EQUAL(gg_gtpu_write_error_indication(buf, sizeof(want) - 1,
			0x11223344, peer, 0, 0), 0);
	CU_ASSERT_EQUAL(buf[0], 0xee);
	w = gg_gtpu_write_error_indication(buf, sizeof(want), 0x11223344,
			peer, 0, 2152);
	CU_ASSERT_EQUAL_FATAL(w, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(buf, want, sizeof(want)), 0);
	CU_ASSERT_EQUAL(buf[sizeof(want)], 0xee);
	ASSERT_STATUS(parse_exact(buf, w, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.msg_type, GG_GTPU_ERROR_INDICATION);
	CU_ASSERT_EQUAL(info.teid, 0);
	CU_ASSERT_EQUAL(info.seq, 0);
	CU_ASSERT_EQUAL(info.flags & GG_GTPU_FLAG_S, GG_GTPU_FLAG_S);
	CU_ASSERT_EQUAL(info.has_udp_port, 0);
	CU_ASSERT_EQUAL(info.hdr_len, 12);
	CU_ASSERT_EQUAL(info.payload_len, 12);

	memset(buf, 0xee, sizeof(buf));
	CU_ASSERT_EQUAL(gg_gtpu_write_error_indication(buf,
			sizeof(want_port) - 1, 0x11223344, peer, 1, 2152), 0);
	CU_ASSERT_EQUAL(buf[0], 0xee);
	w = gg_gtpu_write_error_indication(buf, sizeof(want_port), 0x11223344,
			peer, 1, 2152);
	CU_ASSERT_EQUAL_FATAL(w, sizeof(want_port));
	CU_ASSERT_EQUAL(memcmp(buf, want_port, sizeof(want_port)), 0);
	CU_ASSERT_EQUAL(buf[sizeof(want_port)], 0xee);
	ASSERT_STATUS(parse_exact(buf, w, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.msg_type, GG_GTPU_ERROR_INDICATION);
	CU_ASSERT_EQUAL(info.has_udp_port, 1);
	CU_ASSERT_EQUAL(info.udp_port, 2152);
	CU_ASSERT_EQUAL(info.hdr_len, 16);
	CU_ASSERT_EQUAL(info.payload_len, 12);
	CU_ASSERT_EQUAL(memcmp(buf + info.hdr_len, want + 12, 12), 0);
}

static void
test_build_ext_hdr_notification(void)
{
	static const uint8_t want[] = {
		0x32, 0x1f, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00,
		0x12, 0x34, 0x00, 0x00,
		0x8d, 0x02, 0x85, 0x40,
	};
	struct gg_gtpu_info info;
	uint8_t buf[64];
	unsigned int w;

	memset(buf, 0xee, sizeof(buf));
	CU_ASSERT_EQUAL(gg_gtpu_write_ext_hdr_notification(buf,
			sizeof(want) - 1, 0x1234), 0);
	CU_ASSERT_EQUAL(buf[0], 0xee);
	w = gg_gtpu_write_ext_hdr_notification(buf, sizeof(buf), 0x1234);
	CU_ASSERT_EQUAL_FATAL(w, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(buf, want, sizeof(want)), 0);
	CU_ASSERT_EQUAL(buf[sizeof(want)], 0xee);
	ASSERT_STATUS(parse_exact(buf, w, &info), GG_GTPU_OK);
	CU_ASSERT_EQUAL(info.msg_type, GG_GTPU_SUPPORTED_EXT_HDR_NOTIFICATION);
	CU_ASSERT_EQUAL(info.seq, 0x1234);
	CU_ASSERT_EQUAL(info.teid, 0);
	CU_ASSERT_EQUAL(info.payload_len, 4);
}

/* ------------------------------------------------------------ robustness */

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

static int
is_known_ext(uint8_t t)
{
	switch (t) {
	case GG_GTPU_EXT_SERVICE_CLASS:
	case GG_GTPU_EXT_UDP_PORT:
	case GG_GTPU_EXT_RAN_CONTAINER:
	case GG_GTPU_EXT_LONG_PDCP_PDU_NUMBER:
	case GG_GTPU_EXT_XW_RAN_CONTAINER:
	case GG_GTPU_EXT_NR_RAN_CONTAINER:
	case GG_GTPU_EXT_PDU_SESSION_CONTAINER:
	case GG_GTPU_EXT_PDCP_PDU_NUMBER:
		return 1;
	}
	return 0;
}

/* What must hold for any input; returns a description of the first breach. */
static const char *
check_invariants(enum gg_gtpu_status st, size_t len,
		const struct gg_gtpu_info *info)
{
	if ((unsigned int)st > GG_GTPU_UNKNOWN_REQUIRED_EXT)
		return "status out of range";
	if (st == GG_GTPU_UNKNOWN_REQUIRED_EXT) {
		if (!(info->bad_ext_type & 0x80) ||
				is_known_ext(info->bad_ext_type))
			return "bad_ext_type not an unknown required type";
	} else if (info->bad_ext_type != 0) {
		return "bad_ext_type set without UNKNOWN_REQUIRED_EXT";
	}
	if (st != GG_GTPU_OK)
		return NULL;

	if (len < GG_GTPU_HDR_LEN || (size_t)info->length + 8 != len)
		return "OK with a length field that disagrees with len";
	if (info->hdr_len < GG_GTPU_HDR_LEN || info->hdr_len > len)
		return "hdr_len out of bounds";
	if ((size_t)info->hdr_len + info->payload_len != len)
		return "payload runs past len (or stops short)";
	if ((info->flags & 0x07) == 0 && info->hdr_len != GG_GTPU_HDR_LEN)
		return "hdr_len beyond 8 without optional flags";
	if ((info->flags & 0x07) != 0 &&
			(info->hdr_len < GG_GTPU_HDR_OPT_LEN ||
			 (info->hdr_len - GG_GTPU_HDR_OPT_LEN) % 4 != 0))
		return "hdr_len not 12 + 4n with optional flags";
	if ((info->flags & GG_GTPU_VERSION_MASK) != GG_GTPU_VERSION_1 ||
			!(info->flags & GG_GTPU_FLAG_PT))
		return "OK with bad version or PT";
	if (info->has_pdu_session) {
		if (info->pdu_type > GG_GTPU_PDU_TYPE_UL || info->qfi > 63 ||
				info->rqi > 1 || info->ppp > 1)
			return "PDU session fields out of range";
		if (info->pdu_type == GG_GTPU_PDU_TYPE_UL &&
				(info->rqi || info->ppp))
			return "RQI/PPP reported for UL";
	} else if (info->pdu_type || info->qfi || info->rqi || info->ppp) {
		return "PDU session fields without a container";
	}
	if (!info->has_udp_port && info->udp_port)
		return "udp_port without the extension header";
	return NULL;
}

static void
test_robustness(void)
{
	static const uint8_t two[2] = { 0x00, 0x09 };
	struct msg templates[6];
	size_t tlen[6];
	unsigned int seen[GG_GTPU_UNKNOWN_REQUIRED_EXT + 1] = { 0 };
	unsigned long violations = 0, fast_wrong = 0, fast_taken = 0;
	struct gg_gtpu_info info;
	uint8_t buf[MSG_MAX];
	unsigned int i;

	memset(templates, 0, sizeof(templates));
	tlen[0] = msg_gpdu_container(&templates[0], 0x00, 0xc5, 24);
	tlen[1] = gg_gtpu_write_gpdu_hdr(templates[1].b, 7, 12, 0, 0) + 12;
	tlen[2] = gg_gtpu_write_echo_response(templates[2].b, MSG_MAX, 9);
	tlen[3] = gg_gtpu_write_error_indication(templates[3].b, MSG_MAX, 5,
			0x01020304, 1, 2152);
	tlen[4] = gg_gtpu_write_ext_hdr_notification(templates[4].b, MSG_MAX, 1);
	msg_init(&templates[5], 0x37, GG_GTPU_GPDU, 1);
	msg_ext(&templates[5], GG_GTPU_EXT_SERVICE_CLASS, 1, two);
	msg_ext(&templates[5], GG_GTPU_EXT_UDP_PORT, 1, two);
	msg_ext(&templates[5], 0x01, 2, NULL);
	msg_ext(&templates[5], GG_GTPU_EXT_PDU_SESSION_CONTAINER, 1, two);
	msg_payload(&templates[5], 5);
	tlen[5] = msg_done(&templates[5]);

	rng_state = FUZZ_SEED;
	for (i = 0; i < FUZZ_ITERATIONS; i++) {
		enum gg_gtpu_status st;
		const char *why;
		size_t len, k;
		uint32_t mode = rng() % 4;

		if (mode == 0) {
			/* Random bytes, mostly with a plausible first octet. */
			len = rng() % 80;
			for (k = 0; k < len; k++)
				buf[k] = (uint8_t)rng();
			if (len > 0 && rng() % 4 != 0)
				buf[0] = 0x30 | (rng() & 0x0f);
		} else {
			/* A valid message with a few octets or bits changed. */
			unsigned int t = rng() % 6;
			unsigned int edits = 1 + rng() % 4;

			len = tlen[t];
			memcpy(buf, templates[t].b, len);
			for (k = 0; k < edits && len > 0; k++) {
				size_t at = rng() % len;

				if (rng() % 2)
					buf[at] ^= (uint8_t)(1u << (rng() % 8));
				else
					buf[at] = (uint8_t)rng();
			}
			if (mode == 2) {
				/* Cut or extend, possibly below 8. */
				size_t nl = rng() % (tlen[t] + 8);

				for (k = len; k < nl; k++)
					buf[k] = (uint8_t)rng();
				len = nl;
			}
		}
		/* Often make the length agree, so the chain code is reached. */
		if (len >= GG_GTPU_HDR_LEN && rng() % 2)
			set_length(buf, (uint16_t)(len - GG_GTPU_HDR_LEN));

		if (fast_checked(buf, len, &fast_wrong) != 0)
			fast_taken++;
		st = parse_exact(buf, len, &info);
		seen[st <= GG_GTPU_UNKNOWN_REQUIRED_EXT ? st : 0]++;
		why = check_invariants(st, len, &info);
		if (why != NULL) {
			if (violations++ < 5) {
				printf("\n    iteration %u len %zu status %s: %s\n    ",
						i, len, gg_gtpu_status_name(st), why);
				for (k = 0; k < len && k < 48; k++)
					printf("%02x", buf[k]);
				printf("\n");
			}
		}
	}
	CU_ASSERT_EQUAL(violations, 0);
	/* The fast path must agree with the parser whenever it decides, and
	 * decide now and then, or the check above proved nothing. */
	CU_ASSERT_EQUAL(fast_wrong, 0);
	CU_ASSERT(fast_taken > 0);

	/* The loop must reach every verdict, or it is not testing much. */
	for (i = 0; i <= GG_GTPU_UNKNOWN_REQUIRED_EXT; i++) {
		if (seen[i] == 0)
			printf("\n    status %s never produced\n",
					gg_gtpu_status_name(i));
		CU_ASSERT(seen[i] > 0);
	}
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "parse minimal G-PDU", test_parse_minimal_gpdu },
		{ "parse S/PN/E flags", test_parse_optional_flags },
		{ "parse PDU Session Container UL", test_parse_pdu_session_ul },
		{ "parse PDU Session Container DL", test_parse_pdu_session_dl },
		{ "parse extension chain", test_parse_ext_chain },
		{ "parse every truncated prefix", test_parse_truncated_prefixes },
		{ "parse lying length field", test_parse_bad_length },
		{ "parse broken extension chain", test_parse_bad_ext_chain },
		{ "parse 65543-octet messages", test_parse_huge },
		{ "parse bad version and PT", test_parse_bad_version_pt },
		{ "parse unknown required ext", test_parse_unknown_required },
		{ "parse bad PDU type", test_parse_bad_pdu_session },
		{ "G-PDU fast path agrees with the parser", test_gpdu_fast },
		{ "status names", test_status_names },
		{ "build G-PDU header", test_build_gpdu },
		{ "build Echo Response", test_build_echo_response },
		{ "build Error Indication", test_build_error_indication },
		{ "build Supported Ext Hdr Notification",
			test_build_ext_hdr_notification },
		{ "robustness (random and mutated)", test_robustness },
	};

	return test_cunit_main("gtpu", NULL, NULL, TEST_CASES(tests));
}
