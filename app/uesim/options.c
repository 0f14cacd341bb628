/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Option values of the subcommands, read strictly: a number is all digits
 * (no sign, no blanks, no trailing text) within the option's range, a TEID
 * one of the two spellings the AuSF API and the tunnel take. A value that
 * does not read is a usage error, never a zero.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "uesim.h"

int
uesim_teid_option(const char *s, uint32_t *out)
{
	char pad[9];
	size_t n;

	/* "0x" + 1..8 hex digits is padded to the TS 29.571 form of 8; no
	 * decimal, so "00002561" cannot mean two different TEIDs. */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		n = strlen(s + 2);
		if (n < 1 || n > 8)
			return -1;
		memset(pad, '0', 8 - n);
		memcpy(pad + 8 - n, s + 2, n + 1);
		return uesim_teid_parse(pad, out);
	}
	return uesim_teid_parse(s, out);
}

int
uesim_ulong_option(const char *s, unsigned long lo, unsigned long hi,
		unsigned long *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int
uesim_double_option(const char *s, double lo, double hi, double *out)
{
	double v;
	char *end;

	if ((*s < '0' || *s > '9') && *s != '.')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}
