/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/dns internals shared by its files: unaligned big-endian loads and
 * stores, and the name reader every parser goes through.
 */
#ifndef DNS_PRIVATE_H
#define DNS_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include "gg_wire.h"

#include "gg_dns.h"

/* TYPE, CLASS, TTL, RDLENGTH after a record's owner name. */
#define DNS_RR_FIXED_LEN 10
/* QTYPE, QCLASS after the question name. */
#define DNS_Q_FIXED_LEN 4

/* A length octet: 00 label, 11 pointer, 01 and 10 reserved. */
#define DNS_LABEL_TYPE_MASK 0xc0
#define DNS_LABEL_POINTER 0xc0







#define DNS_OCTETS(x) (UINT64_C(0x0101010101010101) * (x))

/*
 * Bit 7 of each octet of w that is outside 0x21-0x7e or is a '.', the
 * octets a question name label may not hold. Exact per octet: the sums
 * run on the low 7 bits, so no carry crosses into the next octet. 11
 * operations for 8 octets.
 */
static inline uint64_t
dns_word_bad(uint64_t w)
{
	uint64_t x = w & DNS_OCTETS(0x7f);
	uint64_t ge_21 = x + DNS_OCTETS(0x80 - 0x21);        /* x >= 0x21 */
	uint64_t is_7f = x + DNS_OCTETS(1);                  /* x == 0x7f */
	uint64_t not_dot = (x ^ DNS_OCTETS('.')) + DNS_OCTETS(0x7f); /* x != '.' */

	return ~(ge_21 & not_dot & ~is_7f & ~w) & DNS_OCTETS(0x80);
}

/*
 * Non-zero when one of the @p c (1-63) octets of a label starting at @p p
 * is bad (dns_word_bad()); the 8 octets before p must be readable too: a
 * label shorter than 8 is read as the 8 octets ending with it, those
 * before it masked off; a longer one as whole words, the last one
 * overlapping its neighbour. Never reads past p + c.
 */
uint64_t dns_long_label_bad(const uint8_t *p, unsigned int c);

static inline uint64_t
dns_label_bad(const uint8_t *p, unsigned int c)
{
	if (likely(c < 8))
		return dns_word_bad(gg_get_le64(p + c - 8)) &
				(~UINT64_C(0) << (8 * (8 - c)));
	return dns_long_label_bad(p, c);
}

/*
 * Read the name stored at off in msg (len octets), following pointers.
 * wire receives the name uncompressed, in lowercase, root octet included
 * (*wire_len octets, at most GG_DNS_NAME_WIRE_MAX); *next is the offset
 * just past the name where it is stored (after its first pointer, or after
 * its root octet). With backward_only, a pointer must point before itself.
 * Work is bounded by 255 octets copied and GG_DNS_MAX_JUMPS pointers.
 */
enum gg_dns_status dns_name_read(const uint8_t *msg, size_t len, size_t off,
		int backward_only, uint8_t *wire, size_t *wire_len,
		size_t *next);

/*
 * Write the dotted text of an uncompressed wire name (as dns_name_read()
 * gives it) into text (GG_DNS_NAME_TEXT_MAX + 1 octets), NUL-terminated.
 * Refuses labels that would not read back as the same name.
 */
enum gg_dns_status dns_name_text(const uint8_t *wire, size_t wire_len,
		char *text, uint16_t *text_len);

#endif /* DNS_PRIVATE_H */
