/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory for the session tables' large arrays (private to lib/session).
 *
 * Workers reach these arrays at random: at 1M sessions the indexes, slots
 * and counters span ~100 MiB, and with 4 KiB pages nearly every packet
 * then misses the TLB three times. With hugepages, DPDK memory is the
 * right home (rte_zmalloc_socket, on the caller's socket). Without them
 * (--no-huge), EAL's memory is a shared memfd mapping that the kernel does
 * not back with transparent huge pages, so the arrays are mapped privately
 * instead, aligned to 2 MiB and advised MADV_HUGEPAGE: with THP in
 * "madvise" or "always" mode they fault in as 2 MiB pages. Such memory
 * has no NUMA placement and no IOVA, neither of which these arrays need.
 * Zeroed either way. Control thread only (creation and free).
 */
#ifndef SESSION_MEM_H
#define SESSION_MEM_H

#include <stdbool.h>
#include <stddef.h>

struct session_mem {
	void *addr;
	size_t len;     /* mapped length (mmap), or the size asked (DPDK) */
	bool mapped;    /* true: mmap, false: rte_malloc */
};

/** Allocate @p size zeroed bytes; NULL on failure. */
void *session_mem_alloc(struct session_mem *m, const char *name, size_t size,
		int socket_id);

/** Free what session_mem_alloc() gave; an empty @p m is a no-op. */
void session_mem_free(struct session_mem *m);

/** Bytes session_mem_alloc() maps outside DPDK's heap for @p size. */
size_t session_mem_mapped_bytes(size_t size);

#endif /* SESSION_MEM_H */
