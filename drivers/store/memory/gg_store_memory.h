/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The in-memory store backend ("memory"), for unit tests of the libraries
 * that use the store; not for production (no persistence, one process).
 *
 * It behaves as one Redis server inside the process: stores opened with the
 * same prefix share their data and events (a put on one is seen by a get
 * or a subscription on another), whatever loop they run on, and the data
 * lives until the last store of that prefix is closed. Semantics match
 * the redis backend (index, events on state changes only, delete removes
 * the profile, NOT_FOUND cases); answers are computed at once and
 * delivered on the next round of the store's loop.
 *
 * Differences: a memory store is up as soon as it is opened (its state
 * callback reports it on the first round); list_all hands out all records
 * in one round. Cost: a hash lookup per request; get_by_ueip too.
 * Threading: one thread for all memory stores of the process.
 */
#ifndef GG_STORE_MEMORY_H
#define GG_STORE_MEMORY_H

#include <stdbool.h>

struct gg_store;
struct gg_subscription;

/**
 * Fault injection: make a memory store down (requests then fail with
 * GG_STORE_DOWN, counted as a disconnect) or up again (a connect), to test
 * how a caller copes with an outage. The state callback runs from within
 * this call.
 * @return 0, or -EINVAL if @p s is not a memory store.
 */
int gg_store_memory_set_down(struct gg_store *s, bool down, const char *reason);

/**
 * What a Redis HGETALL of "<prefix>subscription:<supi>" would show: a
 * copy of the subscription that gg_store_provision() wrote for @p supi.
 * For tests (the subscription holds secrets).
 * @return 0, -ENOENT if none, or -EINVAL if @p s is not a memory store.
 */
int gg_store_memory_subscription(struct gg_store *s, const char *supi,
		struct gg_subscription *sub);

#endif /* GG_STORE_MEMORY_H */
