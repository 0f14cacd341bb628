/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the two halves of lib/profile; not installed.
 */
#ifndef PROFILE_PRIVATE_H
#define PROFILE_PRIVATE_H

#include <stddef.h>

/* Format a message into err (if any); never given a secret value. */
void
profile_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* PROFILE_PRIVATE_H */
