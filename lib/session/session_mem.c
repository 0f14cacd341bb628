/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory for the session tables' large arrays: DPDK's heap with
 * hugepages, private 2 MiB-aligned THP-advised mappings without
 * (session_mem.h says why).
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#include "session_mem.h"

#define HUGE_2M ((size_t)2 << 20)

size_t
session_mem_mapped_bytes(size_t size)
{
	if (rte_eal_has_hugepages())
		return 0;
	return RTE_ALIGN_CEIL(size, HUGE_2M);
}

void *
session_mem_alloc(struct session_mem *m, const char *name, size_t size,
		int socket_id)
{
	size_t len;
	uint8_t *p, *aligned;

	memset(m, 0, sizeof(*m));
	if (size == 0)
		return NULL;
	if (rte_eal_has_hugepages()) {
		m->addr = rte_zmalloc_socket(name, size, RTE_CACHE_LINE_SIZE,
				socket_id);
		m->len = size;
		return m->addr;
	}
	/* Map 2 MiB more, keep the aligned part, give the rest back. */
	len = RTE_ALIGN_CEIL(size, HUGE_2M);
	p = mmap(NULL, len + HUGE_2M, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	aligned = RTE_PTR_ALIGN_CEIL(p, HUGE_2M);
	if (aligned != p)
		munmap(p, (size_t)(aligned - p));
	if (aligned + len != p + len + HUGE_2M)
		munmap(aligned + len, (size_t)(p + len + HUGE_2M -
				(aligned + len)));
	/* Advice only: without THP the mapping still works, in 4 KiB pages. */
	(void)madvise(aligned, len, MADV_HUGEPAGE);
	m->addr = aligned;
	m->len = len;
	m->mapped = true;
	return m->addr;
}

void
session_mem_free(struct session_mem *m)
{
	if (m->addr == NULL)
		return;
	if (m->mapped)
		munmap(m->addr, m->len);
	else
		rte_free(m->addr);
	memset(m, 0, sizeof(*m));
}
