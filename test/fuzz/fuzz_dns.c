/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for lib/dns: the input is one DNS message (a UDP
 * payload), read both as a device's query and as a resolver's answer.
 *
 * A query the parser accepts is forged into the walled garden's answer in
 * a buffer exactly as large as the room the harness claims (the input's
 * first octet picks the room, so answers that just fit and just do not
 * are both tried), and the answer must then read back as a response to
 * the same question: what the worker sends a device is what lib/dns
 * itself would accept. An accepted response must agree with itself
 * (name and wire form, address count). Any read or write outside the
 * buffers is ASan's to report.
 *
 * Snooping proper (a tunnelled answer learned into a garden) needs mbufs
 * and a garden: fuzz_worker drives it through the downlink.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gg_dns.h"
#include "fuzz_common.h"

/* Room beyond the message the forger may use: 0 to 255 octets. */
static size_t
room_of(const uint8_t *data, size_t size)
{
	return size + (size > 0 ? data[0] : 0);
}

/* The text form of a wire name made only of labels (no pointers). */
static void
wire_to_text(const uint8_t *w, size_t wlen, char *out)
{
	size_t i = 0, o = 0;

	while (i < wlen && w[i] != 0) {
		uint8_t l = w[i++];

		if (o != 0)
			out[o++] = '.';
		while (l-- > 0 && i < wlen)
			out[o++] = (char)tolower(w[i++]);
	}
	out[o] = '\0';
}

static void
check_query(const uint8_t *data, size_t size)
{
	const struct gg_dns_forge forge = {
		.portal_ipv4 = 0x0a0000c6, /* 198.0.0.10 in network order */
		.portal_ipv6 = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
		.has_ipv6 = data[size - 1] & 1,
		.other_rcode = 3,
		.edns_udp_size = 1232,
		.ttl = 30,
	};
	struct gg_dns_response r;
	struct gg_dns_query q;
	char name[GG_DNS_NAME_TEXT_MAX + 1];
	size_t room = room_of(data, size), len;
	uint8_t *buf;

	if (gg_dns_parse_query(data, size, &q) != GG_DNS_OK)
		return;
	FUZZ_CHECK(q.name_wire_len >= 1 && q.name_wire_len <= GG_DNS_NAME_WIRE_MAX);
	FUZZ_CHECK(q.question_end <= size);
	FUZZ_CHECK(gg_dns_query_name(data, &q, name) == q.name_len);
	FUZZ_CHECK(strlen(name) == q.name_len);

	/* Exactly room octets: one more written is a heap overflow. */
	buf = malloc(room);
	FUZZ_CHECK(buf != NULL);
	memcpy(buf, data, size);
	len = gg_dns_forge_answer(buf, size, room, &q, &forge);
	if (len == 0) {
		/* "msg untouched" when it does not fit. */
		FUZZ_CHECK(memcmp(buf, data, size) == 0);
		free(buf);
		return;
	}
	FUZZ_CHECK(len <= room && len <= 310);
	FUZZ_CHECK(gg_dns_parse_response(buf, len, &r) == GG_DNS_OK);
	FUZZ_CHECK(r.id == q.id && r.qtype == q.qtype && r.qclass == q.qclass);
	FUZZ_CHECK(strcmp(r.name, name) == 0);
	/* An EDNS version other than 0 gets BADVERS, whose low bits in the
	 * header are 0: no answer either. */
	if (q.qtype == 1 && q.qclass == 1 && (!q.has_edns || q.edns_version == 0))
		FUZZ_CHECK(r.naddrs == 1 && r.addrs[0].ipv4 == forge.portal_ipv4 &&
				r.addrs[0].ttl == forge.ttl);
	else
		FUZZ_CHECK(r.naddrs == 0);
	free(buf);
}

static void
check_response(const uint8_t *data, size_t size)
{
	struct gg_dns_response r;
	char text[GG_DNS_NAME_TEXT_MAX + 1];
	unsigned int i;

	if (gg_dns_parse_response(data, size, &r) != GG_DNS_OK) {
		FUZZ_CHECK(r.naddrs == 0);
		return;
	}
	FUZZ_CHECK(r.naddrs <= GG_DNS_MAX_ADDRS);
	FUZZ_CHECK(r.cname_hops <= GG_DNS_MAX_CNAME_HOPS);
	FUZZ_CHECK(strlen(r.name) == r.name_len);
	FUZZ_CHECK(r.name_wire_len >= 1 && r.name_wire_len <= GG_DNS_NAME_WIRE_MAX);
	FUZZ_CHECK(r.name_wire[r.name_wire_len - 1] == 0);
	wire_to_text(r.name_wire, r.name_wire_len, text);
	FUZZ_CHECK(strcmp(text, r.name) == 0);
	for (i = 0; i < r.naddrs; i++)
		FUZZ_CHECK(r.addrs[i].ttl <= INT32_MAX);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	check_query(data, size);
	check_response(data, size);
	return 0;
}
