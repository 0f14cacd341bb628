/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the parts of lib/portal; not installed.
 */
#ifndef PORTAL_PRIVATE_H
#define PORTAL_PRIVATE_H

#include <stddef.h>

/* Format a message into err (nothing when err is NULL or errlen is 0). */
void
portal_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* PORTAL_PRIVATE_H */
