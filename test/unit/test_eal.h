/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the unit tests that need EAL and an RCU QSBR variable
 * (test_session, test_garden): an EAL with no hugepages, no PCI, its own
 * file prefix and one or two lcores the process may run on.
 */
#ifndef TEST_EAL_H
#define TEST_EAL_H

#include <sched.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>

/*
 * "-l 0-1" when this process may run on CPUs 0 and 1 (the usual case);
 * otherwise the first two CPUs it may run on, or the only one. EAL pins
 * each lcore, which fails on a CPU outside the affinity mask (a restricted
 * cpuset) or on a machine with a single CPU.
 */
static inline void
test_pick_lcores(char *buf, size_t len)
{
	cpu_set_t set;
	int cpu, first = -1, second = -1;

	snprintf(buf, len, "0-1");
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return;
	for (cpu = 0; cpu < CPU_SETSIZE && second < 0; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (first < 0)
			first = cpu;
		else
			second = cpu;
	}
	if (first < 0)
		return;
	if (second < 0)
		snprintf(buf, len, "%d", first);
	else if (second == first + 1)
		snprintf(buf, len, "%d-%d", first, second);
	else
		snprintf(buf, len, "%d,%d", first, second);
}

/*
 * Start EAL as test @p name (file prefix "gg-test-<name>") and create a
 * QSBR variable for every lcore. Returns it, or NULL after printing why.
 */
static inline struct rte_rcu_qsbr *
test_eal_init(const char *name)
{
	char lcores[32], prefix[64], prog[64];
	char *eal_args[] = {
		prog, "--no-huge", "--no-pci", "-m", "512",
		"--file-prefix", prefix, "-l", lcores,
		"--log-level", "lib.eal:error",
	};
	struct rte_rcu_qsbr *qsv;
	size_t qsz;

	snprintf(prog, sizeof(prog), "test_%s", name);
	snprintf(prefix, sizeof(prefix), "gg-test-%s", name);
	test_pick_lcores(lcores, sizeof(lcores));
	if (rte_eal_init(RTE_DIM(eal_args), eal_args) < 0) {
		fprintf(stderr, "%s: EAL init failed: %s\n", prog,
				rte_strerror(rte_errno));
		return NULL;
	}
	rte_srand(rte_rdtsc());
	qsz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);
	qsv = rte_zmalloc(prefix, qsz, RTE_CACHE_LINE_SIZE);
	if (qsv == NULL || rte_rcu_qsbr_init(qsv, RTE_MAX_LCORE) != 0) {
		fprintf(stderr, "%s: QSBR setup failed\n", prog);
		rte_free(qsv);
		return NULL;
	}
	return qsv;
}

/* Octets allocated from DPDK's heaps right now, all sockets together. */
static inline size_t
test_heap_allocated(void)
{
	struct rte_malloc_socket_stats st;
	size_t total = 0;
	unsigned int i;

	for (i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i),
				&st) == 0)
			total += st.heap_allocsz_bytes;
	return total;
}

/*
 * The process's mapped memory (VmSize, bytes): what memory outside DPDK's
 * heap takes, e.g. lib/session's private mappings without hugepages.
 * 0 if /proc cannot be read.
 */
static inline size_t
test_vm_size(void)
{
	char line[128];
	size_t kib = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmSize: %zu kB", &kib) == 1)
			break;
	fclose(f);
	return kib * 1024;
}

#endif /* TEST_EAL_H */
