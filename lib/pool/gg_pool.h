/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * UE IPv4 address pool: the addresses of one prefix handed out to devices
 * as they authenticate, and back when they detach.
 *
 * The network and broadcast addresses of prefixes up to /30 are never
 * handed out. Allocation walks a bitmap from a rotating cursor, so a freed
 * address is reused as late as possible (a device that just left does not
 * see its address go to another one at once). Control lcore only; not
 * thread-safe. Memory: one bit per address of the prefix (512 KiB for a /8).
 */
#ifndef GG_POOL_H
#define GG_POOL_H

#include <stdint.h>

struct gg_ip_pool;

/** Create a pool of @p base_be / @p prefix_len (8..32). NULL, errno set. */
struct gg_ip_pool *gg_ip_pool_create(uint32_t base_be, uint8_t prefix_len);

/** Free the pool. NULL is a no-op. */
void gg_ip_pool_free(struct gg_ip_pool *p);

/** Take a free address. 0, or -ENOSPC when every address is in use. */
int gg_ip_pool_alloc(struct gg_ip_pool *p, uint32_t *addr_be);

/**
 * Take a given address (static sessions, sessions restored from the
 * store). 0, -EEXIST if in use, -ERANGE if outside the pool or reserved.
 */
int gg_ip_pool_reserve(struct gg_ip_pool *p, uint32_t addr_be);

/** Give an address back. 0, or -ENOENT if it was not in use. */
int gg_ip_pool_release(struct gg_ip_pool *p, uint32_t addr_be);

/** True when @p addr_be belongs to the pool's prefix. */
int gg_ip_pool_contains(const struct gg_ip_pool *p, uint32_t addr_be);

/** Addresses the pool can hand out, and those in use. */
uint32_t gg_ip_pool_size(const struct gg_ip_pool *p);
uint32_t gg_ip_pool_used(const struct gg_ip_pool *p);

#endif /* GG_POOL_H */
