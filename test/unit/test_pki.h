/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test PKI for unit tests that need certificates and keys: a private
 * folder made by scripts/test-pki.sh (run from the source root, as meson
 * runs the unit tests), paths into it, whole-file reads and writes, and
 * shell commands that say what failed. Header-only, like test_cunit.h:
 * each test program holds one PKI. A failure to read or allocate exits 2
 * (the test cannot go on), which meson reports as a failed test.
 */
#ifndef TEST_PKI_H
#define TEST_PKI_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_PKI_SCRIPT "scripts/test-pki.sh"

static char test_pki_dir[64];

static inline void
test_die(const char *what)
{
	fprintf(stderr, "test: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* Path of a file in the PKI folder; four results may be live at once. */
static inline const char *
test_pki(const char *name)
{
	static char bufs[4][256];
	static unsigned int next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s/%s", test_pki_dir, name);
	return b;
}

/* The whole file, NUL-terminated (so PEM text reads as a string); *len
 * excludes the NUL. The caller frees. */
static inline uint8_t *
test_read_all(const char *path, size_t *len)
{
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0, r;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		test_die(path);
	for (;;) {
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			if (buf == NULL)
				test_die("realloc");
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static inline void
test_write_all(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		test_die(path);
}

/* system(), printing the command when it fails. */
static inline int
test_run(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		printf("\n    command failed (%d): %s\n", rc, cmd);
	return rc;
}

static inline int
test_pki_remove(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", test_pki_dir);
	return test_run(cmd) == 0 ? 0 : -1;
}

/* A fresh PKI in /tmp/gg-TAG-test.XXXXXX; 0, or -1 (nothing left behind). */
static inline int
test_pki_make(const char *tag)
{
	char cmd[256];

	snprintf(test_pki_dir, sizeof(test_pki_dir), "/tmp/gg-%s-test.XXXXXX",
			tag);
	if (mkdtemp(test_pki_dir) == NULL)
		test_die("mkdtemp");
	snprintf(cmd, sizeof(cmd), "sh %s %s", TEST_PKI_SCRIPT, test_pki_dir);
	if (test_run(cmd) != 0) {
		test_pki_remove();
		return -1;
	}
	return 0;
}

#endif /* TEST_PKI_H */
