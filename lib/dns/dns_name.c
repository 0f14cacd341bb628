/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS names (RFC 1035 3.1, 4.1.4): reading a possibly compressed name out
 * of a message into its plain lowercase wire form, turning that into text,
 * the text of a parsed question, and the status names every parser
 * reports with.
 *
 * Check order at each length octet, chosen so that each hostile shape gets
 * one predictable status: past the end (TRUNCATED), then the label type,
 * then for a pointer its second octet (TRUNCATED), its range, its
 * direction and the jump count; for a label the 255-octet limit before the
 * bounds of its content, so an overlong name is NAME_TOO_LONG however much
 * of it arrived.
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_branch_prediction.h>

#include "gg_dns.h"
#include "dns_private.h"

enum gg_dns_status
dns_name_read(const uint8_t *msg, size_t len, size_t off, int backward_only,
		uint8_t *wire, size_t *wire_len, size_t *next)
{
	size_t pos = off;
	size_t n = 0;
	size_t end = 0;
	unsigned int jumps = 0;

	for (;;) {
		uint8_t c;

		if (unlikely(pos >= len))
			return GG_DNS_TRUNCATED;
		c = msg[pos];

		if (c == 0) {
			wire[n++] = 0;
			if (end == 0)
				end = pos + 1;
			break;
		}

		if ((c & DNS_LABEL_TYPE_MASK) == DNS_LABEL_POINTER) {
			size_t target;

			if (unlikely(pos + 1 >= len))
				return GG_DNS_TRUNCATED;
			target = ((size_t)(c & ~DNS_LABEL_TYPE_MASK) << 8) |
					msg[pos + 1];
			if (unlikely(target < GG_DNS_HDR_LEN || target >= len))
				return GG_DNS_POINTER_OUT_OF_RANGE;
			if (unlikely(backward_only && target >= pos))
				return GG_DNS_POINTER_FORWARD;
			if (unlikely(++jumps > GG_DNS_MAX_JUMPS))
				return GG_DNS_POINTER_LOOP;
			if (end == 0)
				end = pos + 2;
			pos = target;
			continue;
		}

		if (unlikely(c & DNS_LABEL_TYPE_MASK))
			return GG_DNS_BAD_LABEL_TYPE;
		/* This label, and at least the root octet after it. */
		if (unlikely(n + 1 + c + 1 > GG_DNS_NAME_WIRE_MAX))
			return GG_DNS_NAME_TOO_LONG;
		if (unlikely(c >= len - pos))
			return GG_DNS_TRUNCATED;

		wire[n++] = c;
		for (size_t i = 1; i <= c; i++) {
			uint8_t ch = msg[pos + i];

			/* ASCII only: DNS case folding stops there (RFC 4343). */
			if (ch >= 'A' && ch <= 'Z')
				ch += 'a' - 'A';
			wire[n++] = ch;
		}
		pos += 1 + (size_t)c;
	}

	*wire_len = n;
	*next = end;
	return GG_DNS_OK;
}

/*
 * dns_label_bad() of a label of 8 octets or more: whole words, the last
 * one overlapping its neighbour. Out of line so that the common short
 * labels keep the callers' loops small (the compiler would vectorise this
 * one and load its constants up front on every call).
 */
uint64_t
dns_long_label_bad(const uint8_t *p, unsigned int c)
{
	uint64_t bad = 0;
	unsigned int i;

	for (i = 0; i + 8 < c; i += 8)
		bad |= dns_word_bad(gg_get_le64(p + i));
	return bad | dns_word_bad(gg_get_le64(p + c - 8));
}

enum gg_dns_status
dns_name_text(const uint8_t *wire, size_t wire_len, char *text,
		uint16_t *text_len)
{
	size_t i = 0;
	size_t t = 0;

	/* wire_len <= 255 keeps t <= 253: each label costs its dot instead of its length octet. */
	while (i < wire_len && wire[i] != 0) {
		uint8_t c = wire[i];

		if (t != 0)
			text[t++] = '.';
		for (size_t k = 1; k <= c; k++) {
			uint8_t ch = wire[i + k];

			if (unlikely(ch <= ' ' || ch >= 0x7f || ch == '.'))
				return GG_DNS_BAD_NAME_CHAR;
			text[t++] = (char)ch;
		}
		i += 1 + (size_t)c;
	}
	text[t] = '\0';
	*text_len = (uint16_t)t;
	return GG_DNS_OK;
}

size_t
gg_dns_query_name(const uint8_t *msg, const struct gg_dns_query *q,
		char *text)
{
	const uint8_t *wire = msg + GG_DNS_HDR_LEN;
	size_t i = 0;
	size_t t = 0;

	/*
	 * The parse checked the labels; the bounds keep text and the reads
	 * within their limits even for a q that does not belong to msg.
	 */
	while (i < q->name_wire_len && wire[i] != 0) {
		uint8_t c = wire[i];

		if (c > GG_DNS_LABEL_MAX || i + 1 + c >= q->name_wire_len ||
				t + (t != 0) + c > GG_DNS_NAME_TEXT_MAX)
			break;

		if (t != 0)
			text[t++] = '.';
		for (size_t k = 1; k <= c; k++) {
			uint8_t ch = wire[i + k];

			if (ch >= 'A' && ch <= 'Z')
				ch += 'a' - 'A';
			text[t++] = (char)ch;
		}
		i += 1 + (size_t)c;
	}
	text[t] = '\0';
	return t;
}

/* ASCII lowercase of 8 octets at once (RFC 4343: only A-Z fold); octets
 * with the top bit set are left alone, and no addition carries out of
 * its octet on the low 7 bits. */
static inline uint64_t
fold64(uint64_t w)
{
	uint64_t x = w & DNS_OCTETS(0x7f);
	uint64_t ge_a = x + DNS_OCTETS(0x80 - 'A');
	uint64_t gt_z = x + DNS_OCTETS(0x80 - 'Z' - 1);

	return w | ((ge_a & ~gt_z & ~w & DNS_OCTETS(0x80)) >> 2);
}

/* One step: a folded 64x64->128 multiply by an odd constant. */
static inline uint64_t
qmix(uint64_t h, uint64_t w)
{
	unsigned __int128 p = (unsigned __int128)(h ^ w) *
			UINT64_C(0x9e3779b97f4a7c15);

	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

/*
 * The name 8 octets per step, case folded, as little-endian words; the
 * last step takes the 8 octets ending with the name (shifted down, so
 * that overlapping octets are not counted twice) or, for names under 8
 * octets, reads them one by one: nothing outside the name is read. The
 * length, type and class go into the seed. About 10 instructions per 8
 * octets where byte-wise FNV-1a took 6 per octet.
 */
uint32_t
gg_dns_question_hash(const uint8_t *wire, size_t wire_len, uint16_t qtype,
		uint16_t qclass)
{
	uint64_t h = UINT64_C(0x243f6a8885a308d3) ^ ((uint64_t)wire_len << 32 |
			(uint64_t)qtype << 16 | qclass);
	uint64_t w = 0;
	size_t i = 0;

	for (; i + 8 <= wire_len; i += 8)
		h = qmix(h, fold64(gg_get_le64(wire + i)));
	if (i < wire_len) {
		size_t k = wire_len - i;

		if (wire_len >= 8) {
			w = gg_get_le64(wire + wire_len - 8) >> (8 * (8 - k));
		} else {
			while (k-- > 0)
				w = (w << 8) | wire[i + k];
		}
		h = qmix(h, fold64(w));
	}
	h = qmix(h, 0);
	return (uint32_t)(h ^ (h >> 32));
}

#define STATUS_NAME_(suffix, name, help) [GG_DNS_##suffix] = name,
#define STATUS_HELP_(suffix, name, help) [GG_DNS_##suffix] = help,

const char *
gg_dns_status_name(enum gg_dns_status st)
{
	static const char *const names[] = {
		GG_DNS_STATUS_LIST(STATUS_NAME_)
	};

	if ((unsigned int)st >= GG_DNS_STATUS_COUNT)
		return "unknown";
	return names[st];
}

const char *
gg_dns_status_help(enum gg_dns_status st)
{
	static const char *const help[] = {
		GG_DNS_STATUS_LIST(STATUS_HELP_)
	};

	if ((unsigned int)st >= GG_DNS_STATUS_COUNT)
		return "unknown status";
	return help[st];
}
