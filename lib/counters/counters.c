/* SPDX-License-Identifier: BSD-3-Clause */
/* Names, help texts and summing of the counters listed in gg_counters.h. */
#include <stddef.h>

#include "gg_counters.h"

static const char *const event_names[GG_EV_MAX] = {
#define GG_X_NAME(n, h) #n,
	GG_EVENT_LIST(GG_X_NAME)
};
static const char *const event_helps[GG_EV_MAX] = {
#define GG_X_HELP(n, h) h,
	GG_EVENT_LIST(GG_X_HELP)
};
static const char *const drop_names[GG_DROP_MAX] = {
	NULL,
	GG_DROP_LIST(GG_X_NAME)
};
static const char *const drop_helps[GG_DROP_MAX] = {
	NULL,
	GG_DROP_LIST(GG_X_HELP)
#undef GG_X_NAME
#undef GG_X_HELP
};

const char *
gg_event_name(enum gg_event ev)
{
	return (unsigned int)ev < GG_EV_MAX ? event_names[ev] : NULL;
}

const char *
gg_event_help(enum gg_event ev)
{
	return (unsigned int)ev < GG_EV_MAX ? event_helps[ev] : NULL;
}

const char *
gg_drop_name(enum gg_drop d)
{
	return (unsigned int)d < GG_DROP_MAX ? drop_names[d] : NULL;
}

const char *
gg_drop_help(enum gg_drop d)
{
	return (unsigned int)d < GG_DROP_MAX ? drop_helps[d] : NULL;
}

uint64_t
gg_counters_drops(const struct gg_counters *c)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 1; i < GG_DROP_MAX; i++)
		sum += __atomic_load_n(&c->drop[i], __ATOMIC_RELAXED);
	return sum;
}

void
gg_counters_accumulate(struct gg_counters *dst, const struct gg_counters *src)
{
	unsigned int i;

	for (i = 0; i < GG_EV_MAX; i++)
		dst->ev[i] += __atomic_load_n(&src->ev[i], __ATOMIC_RELAXED);
	for (i = 0; i < GG_DROP_MAX; i++)
		dst->drop[i] += __atomic_load_n(&src->drop[i], __ATOMIC_RELAXED);
}
