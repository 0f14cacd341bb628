/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAL command line: the configuration's "eal" list, then the EAL
 * options given on the command line, then one device option per port.
 *
 * "The command line wins": a scalar option given on the command line (say
 * -l or --file-prefix) removes the configuration's, as does any option of
 * the same group (-l, -c and --lcores all pick cores; -m and --socket-mem
 * both size memory). Options that add up (--vdev, -a, -b, -d, --log-level)
 * are kept from both, command line last. A port's device becomes -a when it
 * is a PCI address (and then a --no-pci from the configuration is dropped),
 * --vdev otherwise.
 *
 * Limit: an option's value is the next word when that word does not start
 * with '-', or the text after '='; EAL values never start with '-'.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_pci.h>

#include "gardengate.h"

struct opt {
	const char *name;   /* e.g. "-l" or "--file-prefix", without "=value" */
	size_t name_len;
	int first, count;   /* words in the source argv */
};

static const char *const cumulative[] = {
	"--vdev", "-a", "--allow", "-b", "--block", "-d", "--log-level", NULL
};
static const char *const groups[][4] = {
	{ "-l", "-c", "--lcores", NULL },
	{ "-m", "--socket-mem", NULL, NULL },
};

static int
name_is(const struct opt *o, const char *name)
{
	return strlen(name) == o->name_len && strncmp(o->name, name, o->name_len) == 0;
}

/* Same option name, whatever the values ("--x=1" and "--x 2"). */
static int
same_name(const struct opt *a, const struct opt *b)
{
	return a->name_len == b->name_len &&
		strncmp(a->name, b->name, a->name_len) == 0;
}

static int
group_of(const struct opt *o)
{
	unsigned int g, i;

	for (g = 0; g < RTE_DIM(groups); g++)
		for (i = 0; i < RTE_DIM(groups[g]) && groups[g][i] != NULL; i++)
			if (name_is(o, groups[g][i]))
				return (int)g;
	return -1;
}

static int
is_cumulative(const struct opt *o)
{
	unsigned int i;

	for (i = 0; cumulative[i] != NULL; i++)
		if (name_is(o, cumulative[i]))
			return 1;
	return 0;
}

/* Split argv into options; returns how many. */
static int
split(int argc, char *const *argv, struct opt *out)
{
	int i = 0, n = 0;

	while (i < argc) {
		const char *w = argv[i];
		const char *eq = strchr(w, '=');

		out[n].name = w;
		out[n].first = i;
		out[n].count = 1;
		if (w[0] == '-' && eq != NULL && w[1] == '-') {
			out[n].name_len = (size_t)(eq - w);
		} else {
			out[n].name_len = strlen(w);
			if (w[0] == '-' && i + 1 < argc && argv[i + 1][0] != '-')
				out[n].count = 2;
		}
		i += out[n].count;
		n++;
	}
	return n;
}

/* True when the command line sets this option (or one of its group). */
static int
overridden(const struct opt *o, const struct opt *cl, int n_cl)
{
	int g = group_of(o), i;

	if (is_cumulative(o))
		return 0;
	for (i = 0; i < n_cl; i++) {
		if (same_name(o, &cl[i]) ||
				(g >= 0 && group_of(&cl[i]) == g))
			return 1;
	}
	return 0;
}

static int
is_pci(const char *device)
{
	char head[64];
	struct rte_pci_addr addr;
	size_t n = strcspn(device, ",");

	if (n >= sizeof(head))
		return 0;
	memcpy(head, device, n);
	head[n] = '\0';
	return rte_pci_addr_parse(head, &addr) == 0;
}

int
gg_eal_args_build(const struct gg_config *cfg, int cl_argc, char **cl_argv,
		const char *prog, char ***argv_out)
{
	struct opt cf[GG_CONF_EAL_ARGS_MAX], *cl;
	int n_cf, n_cl, i, j, argc = 0;
	int pci = is_pci(cfg->n3.device) || is_pci(cfg->n6.device);
	char **argv;

	cl = calloc(cl_argc + 1, sizeof(*cl));
	argv = calloc(cfg->eal_argc + cl_argc + 6, sizeof(*argv));
	if (cl == NULL || argv == NULL) {
		free(cl);
		free(argv);
		return -1;
	}
	n_cf = split(cfg->eal_argc, cfg->eal_argv, cf);
	n_cl = split(cl_argc, cl_argv, cl);

	argv[argc++] = (char *)(uintptr_t)prog;
	for (i = 0; i < n_cf; i++) {
		if (overridden(&cf[i], cl, n_cl))
			continue;
		if (pci && name_is(&cf[i], "--no-pci"))
			continue;
		for (j = 0; j < cf[i].count; j++)
			argv[argc++] = cfg->eal_argv[cf[i].first + j];
	}
	for (i = 0; i < cl_argc; i++)
		argv[argc++] = cl_argv[i];
	argv[argc++] = (char *)(uintptr_t)(is_pci(cfg->n3.device) ? "-a" : "--vdev");
	argv[argc++] = (char *)(uintptr_t)cfg->n3.device;
	argv[argc++] = (char *)(uintptr_t)(is_pci(cfg->n6.device) ? "-a" : "--vdev");
	argv[argc++] = (char *)(uintptr_t)cfg->n6.device;
	argv[argc] = NULL;
	free(cl);
	*argv_out = argv;
	return argc;
}
