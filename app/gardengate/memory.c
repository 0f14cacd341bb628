/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL memory without hugepages: ask the kernel for transparent huge pages.
 *
 * With --no-huge, EAL's memory is one private anonymous mapping per memseg
 * list, backed by 4 KiB pages: every random access to a large table (1M
 * sessions take ~190 MiB) then also misses the TLB. When the kernel's THP
 * mode is "madvise", MADV_HUGEPAGE on those mappings makes the pages not yet
 * touched fault in as 2 MiB pages, which is what a hugepage setup gives.
 * Called once after rte_eal_init(), before the large allocations. Pages
 * EAL already touched stay 4 KiB (khugepaged may merge them later). With
 * real hugepages, or THP "never", this does nothing.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_log.h>
#include <rte_memory.h>

#include "gardengate.h"

static int
advise_list(const struct rte_memseg_list *msl, void *arg)
{
	unsigned int *n = arg;

	if (msl->base_va == NULL || msl->len == 0 || msl->external)
		return 0;
	if (madvise(msl->base_va, msl->len, MADV_HUGEPAGE) == 0)
		(*n)++;
	else
		RTE_LOG(DEBUG, USER1, "madvise(MADV_HUGEPAGE) %p+%zu: %s\n",
				msl->base_va, msl->len, strerror(errno));
	return 0;
}

unsigned int
gg_memory_advise_thp(void)
{
	unsigned int n = 0;

	if (rte_eal_has_hugepages())
		return 0;
	rte_memseg_list_walk(advise_list, &n);
	return n;
}
