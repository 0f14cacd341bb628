/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for lib/http, the stateless HTTP redirect: the input
 * is one IPv4 packet from a device in the walled garden, handed to
 * gg_http_handle() (or gg_tcp_rst()) in a buffer of exactly the room the
 * harness claims, so that a reply written one octet too far is a heap
 * overflow.
 *
 * Input: octet 0 steers the harness, the rest is the packet.
 *   bit 0     gg_tcp_rst() instead of gg_http_handle()
 *   bit 1     leave the checksums as they are (else they are made right:
 *             a fuzzer seldom guesses one, and most code lies behind them)
 *   bit 2     make SEG.ACK a live SYN cookie for the packet's 4-tuple, so
 *             that requests reach the parser and the 302
 *   bits 3-7  extra room after the packet, in 64-octet steps
 *
 * Invariants: a reply fits the room, is one well-formed IPv4/TCP packet
 * with both checksums right, goes back to the sender, and a verdict that
 * sends nothing leaves the buffer as it was. The request parser and the
 * Location expansion get the packet's payload too: the Location never
 * holds an octet that could split or end the header.
 */
#include <stdlib.h>
#include <string.h>

#include "gg_http.h"
#include "fuzz_common.h"

#define NOW_S 1000000
#define TEMPLATE "http://portal.example/signup?from={url}"

static struct gg_http_redirect cfg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t secret[GG_HTTP_SECRET_LEN] = "fuzz-fuzz-fuzz!";

	(void)argc;
	(void)argv;
	FUZZ_CHECK(gg_http_redirect_init(&cfg, secret, 1460, TEMPLATE) == 0);
	return 0;
}

/* Octets of the packet's own TCP header and IPv4 header, or 0. */
static size_t
tcp_off(const uint8_t *ip, size_t len)
{
	size_t ihl;

	if (len < 20 || (ip[0] >> 4) != 4 || ip[9] != 6)
		return 0;
	ihl = (ip[0] & 0xf) * 4u;
	if (ihl < 20 || ihl + 20 > len)
		return 0;
	return ihl;
}

static void
make_cookie(uint8_t *ip, size_t len)
{
	size_t t = tcp_off(ip, len);
	uint32_t saddr, daddr, seq, ack;
	uint16_t sport, dport;

	if (t == 0)
		return;
	memcpy(&saddr, ip + 12, 4);
	memcpy(&daddr, ip + 16, 4);
	memcpy(&sport, ip + t, 2);
	memcpy(&dport, ip + t + 2, 2);
	seq = (uint32_t)ip[t + 4] << 24 | ip[t + 5] << 16 | ip[t + 6] << 8 | ip[t + 7];
	ack = gg_syncookie_make(&cfg, saddr, daddr, sport, dport, seq - 1, 1460,
			NOW_S) + 1;
	ip[t + 8] = ack >> 24;
	ip[t + 9] = ack >> 16;
	ip[t + 10] = ack >> 8;
	ip[t + 11] = ack;
}

static void
check_reply(const uint8_t *orig, const uint8_t *ip, uint16_t len, size_t room)
{
	size_t ihl = 20;

	FUZZ_CHECK(len <= room && len >= 40);
	FUZZ_CHECK(ip[0] == 0x45);
	FUZZ_CHECK(fuzz_get16(ip + 2) == len);
	FUZZ_CHECK(ip[9] == 6);
	FUZZ_CHECK(fuzz_ipv4_cksum_ok(ip));
	FUZZ_CHECK(fuzz_sum(ip + ihl, len - ihl,
			fuzz_pseudo_sum(ip, 6, len - ihl)) == 0xffff);
	/* Back to the sender, from the address it wrote to. */
	FUZZ_CHECK(memcmp(ip + 16, orig + 12, 4) == 0);
	FUZZ_CHECK(memcmp(ip + 12, orig + 16, 4) == 0);
	FUZZ_CHECK((ip[ihl + 12] >> 4) * 4u >= 20 &&
			(ip[ihl + 12] >> 4) * 4u <= len - ihl);
}

static void
check_request(const uint8_t *p, size_t n, size_t room)
{
	struct gg_http_request req;
	char *out;
	size_t w, i;

	if (gg_http_parse_request(p, n, &req) == GG_HTTP_REQ_INVALID)
		return;
	FUZZ_CHECK(req.method >= p && req.method + req.method_len <= p + n);
	FUZZ_CHECK(req.target >= p && req.target + req.target_len <= p + n);
	FUZZ_CHECK(req.host == NULL || (req.host >= p &&
			req.host + req.host_len <= p + n));
	out = malloc(room + 1);
	FUZZ_CHECK(out != NULL);
	w = gg_http_location(&cfg, req.host, req.host != NULL ? req.host_len : 0,
			req.target, req.target_len, out, room);
	FUZZ_CHECK(w <= room);
	for (i = 0; i < w; i++)
		FUZZ_CHECK(out[i] > ' ' && out[i] < 0x7f && out[i] != '"');
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum gg_http_verdict v;
	uint8_t *buf, *orig;
	size_t len, room;
	uint16_t l;

	if (size < 1 || size > 65535 - 2048)
		return 0;
	len = size - 1;
	room = len + (data[0] >> 3) * 64u;
	buf = malloc(room != 0 ? room : 1);
	orig = malloc(len != 0 ? len : 1);
	FUZZ_CHECK(buf != NULL && orig != NULL);
	memcpy(buf, data + 1, len);
	if (data[0] & 4)
		make_cookie(buf, len);
	if (!(data[0] & 2))
		fuzz_fix_ipv4(buf, len);
	memcpy(orig, buf, len);

	l = (uint16_t)len;
	if (data[0] & 1)
		v = gg_tcp_rst(buf, &l, (uint16_t)room);
	else
		v = gg_http_handle(&cfg, buf, &l, (uint16_t)room, NOW_S);
	FUZZ_CHECK(v < GG_HTTP_VERDICT_MAX);
	if (gg_http_verdict_sends(v)) {
		check_reply(orig, buf, l, room);
	} else {
		FUZZ_CHECK(l == len);
		FUZZ_CHECK(memcmp(buf, orig, len) == 0);
	}

	/* The payload as a request, whatever the headers were. */
	{
		size_t t = tcp_off(orig, len), off;

		off = t != 0 ? t + (orig[t + 12] >> 4) * 4u : 0;
		if (off <= len)
			check_request(orig + off, len - off, room);
	}
	free(orig);
	free(buf);
	return 0;
}
