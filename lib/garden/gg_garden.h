/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Walled garden: what a LIMITED session may reach.
 *
 * Three kinds of entries, all changed at run time by one writer while the
 * workers keep classifying, without a lock and without pausing them:
 *  - static IPv4 prefix rules: prefix/depth, optionally restricted to a
 *    protocol and, for TCP and UDP, a destination port range;
 *  - domain names: a name matches itself and every subdomain of it;
 *  - learned addresses: (scope, IPv4) pairs learned from DNS answers for
 *    garden names, each valid until an expiry second.
 *
 * Prefix matching: the LONGEST matching prefix decides, alone. A more
 * specific prefix shadows a broader one completely: with 203.0.113.0/24
 * "tcp 443" and 203.0.113.7/32 "udp 53", TCP 443 to 203.0.113.7 does NOT
 * match (the /32's rules decide and accept only UDP 53). Repeat the broader
 * rule on the specific prefix when both should apply. A packet matches a
 * prefix when any of that prefix's rules (at most
 * GG_GARDEN_RULES_PER_PREFIX) accepts its protocol and port.
 *
 * The portal's own addresses are ordinary entries:
 * gg_garden_add_prefix(g, portal_ipv4_be, 32, 0, 0, 65535) puts everything
 * to and from the portal in the garden; nothing else is special about it.
 *
 * Learned addresses: scope is a session id (the address is reachable by that
 * session only) or GG_GARDEN_SCOPE_GLOBAL (by every session); the caller
 * picks by policy. A worker checks (scope, ip) then (GLOBAL, ip). A learned
 * address accepts every protocol and port (a DNS answer says nothing about
 * them); restrict with static rules where that matters.
 *
 * Time: every function that needs the time takes @p now_s, seconds of one
 * monotonic clock shared by the control lcore and the workers; use
 * gg_garden_clock_s() (TSC-based, no syscall) so that learn, expire and
 * match agree. An entry is valid while now_s < expiry: a worker treats an
 * entry past its expiry as absent even before gg_garden_expire() removes
 * it, so expiry is exact to the second whatever the control lcore's load.
 *
 * Locking rules:
 *  - one writer: every function marked "control" must be called by one
 *    thread only (the control lcore), never concurrently with itself;
 *  - many readers: the "worker" functions may run on any thread registered
 *    as a reader of the create-time QSBR variable, at the same time as the
 *    writer, with no lock; readers must report quiescent states
 *    (rte_rcu_qsbr_quiescent) regularly, or the writer's deleted
 *    resources are never reclaimed and adds end in -EAGAIN;
 *  - worker functions do no allocation, lock, syscall or logging;
 *  - "any" functions may be called from any thread.
 *
 * Return codes of control functions: 0 (or a documented non-negative
 * value) on success, a negative errno otherwise. -EAGAIN always means
 * "every spare resource waits for the readers' grace period; retry once
 * the readers have reported a quiescent state".
 *
 * Memory, allocated at create: a fixed 64 MiB (rte_lpm's tbl24) per
 * garden, plus per unit of capacity about 1.3 KiB per rule (one 1 KiB tbl8
 * group reserved per rule, for the worst case where every prefix is longer
 * than /24), 0.45 KiB per name (a 264-byte slot, the hash, 16 bits and
 * 16 bytes of name filter), 128 bytes per learned entry (hash, shadow and
 * heap; rte_hash rounds buckets to a power of two, so 100-130 bytes
 * depending on max_learned). test_garden prints the measured values.
 */
#ifndef GG_GARDEN_H
#define GG_GARDEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_cycles.h>

struct rte_rcu_qsbr;
struct gg_garden;

/** Scope of a learned address usable by every session. */
#define GG_GARDEN_SCOPE_GLOBAL UINT32_MAX

/** Rules that may share one prefix. */
#define GG_GARDEN_RULES_PER_PREFIX 8

/** Longest garden name, without a trailing dot (RFC 1035 text form). */
#define GG_GARDEN_NAME_MAX 253

/** Longest garden object name (gg_garden_params.name). */
#define GG_GARDEN_OBJ_NAME_MAX 16

/** Largest max_rules accepted by gg_garden_create(). */
#define GG_GARDEN_MAX_RULES (1u << 16)

/** Largest max_names / max_learned accepted by gg_garden_create(). */
#define GG_GARDEN_MAX_ENTRIES (1u << 24)

/** Largest n of gg_garden_match_ip_bulk(). */
#define GG_GARDEN_BULK_MAX 64

/** Expiry entries gg_garden_expire() removes per call when told 0. */
#define GG_GARDEN_EXPIRE_BATCH 256

/** IP protocol numbers a rule may name (0: any protocol). */
#define GG_GARDEN_PROTO_ANY 0
#define GG_GARDEN_PROTO_ICMP 1
#define GG_GARDEN_PROTO_TCP 6
#define GG_GARDEN_PROTO_UDP 17

struct gg_garden_params {
	const char *name;	/**< unique, 1..GG_GARDEN_OBJ_NAME_MAX chars */
	uint32_t max_rules;	/**< prefix rules, 1..GG_GARDEN_MAX_RULES */
	uint32_t max_names;	/**< names, 1..GG_GARDEN_MAX_ENTRIES */
	/** Learned entries, 1..GG_GARDEN_MAX_ENTRIES. */
	uint32_t max_learned;
	uint32_t min_ttl;	/**< seconds, >= 1: shorter TTLs are raised */
	uint32_t max_ttl;	/**< seconds, >= min_ttl: longer are lowered */
	/**
	 * What gg_garden_learn() does when max_learned entries are in the
	 * table and none has expired: false (default) evicts the entry that
	 * expires first and returns GG_GARDEN_LEARN_EVICTED; true refuses
	 * the new entry with -ENOSPC.
	 */
	bool refuse_when_full;
	/**
	 * Most learned entries one session scope may hold (0: no limit but
	 * max_learned); gg_garden_learn_name() refuses more with -EDQUOT.
	 * Counted for scopes below scope_capacity (the session table's
	 * capacity); other scopes but GLOBAL are refused when it is set.
	 */
	uint32_t max_per_scope;
	uint32_t scope_capacity;
	int socket_id;		/**< NUMA socket, or SOCKET_ID_ANY */
	struct rte_rcu_qsbr *qsv;	/**< the workers' QSBR variable */
};

/**
 * What the addresses learned for a garden name open (the name rule's
 * "PROTO PORTS" groups, gg_garden_parse_name_rule()): at most
 * GG_GARDEN_RULES_PER_PREFIX (protocol, port range) pairs, with the
 * meaning of a prefix's rules (proto 0: every protocol; ports 0-65535
 * for protocols without ports). n == 0 reads as the default,
 * GG_GARDEN_NAME_DEFAULT_SCOPE: TCP 80 and 443.
 */
struct gg_garden_scope {
	uint8_t n;
	struct {
		uint8_t proto;
		uint16_t port_lo;
		uint16_t port_hi;
	} r[GG_GARDEN_RULES_PER_PREFIX];
};

/** What a name rule without "PROTO PORTS" opens. */
#define GG_GARDEN_NAME_DEFAULT_SCOPE "tcp 80,443"

/** One static rule (what gg_garden_parse_rule() fills). */
struct gg_garden_rule {
	uint32_t ipv4_be;	/**< prefix, network order, host bits zero */
	uint8_t depth;		/**< 1..32 */
	uint8_t proto;		/**< 0 (any) or an IP protocol number */
	uint16_t port_lo;	/**< TCP/UDP only; 0 for every other proto */
	uint16_t port_hi;	/**< TCP/UDP only; 65535 for every other proto */
};

/** Non-negative results of gg_garden_learn(). */
enum gg_garden_learn_result {
	GG_GARDEN_LEARN_NEW = 0,	/**< added (or revived an expired one) */
	GG_GARDEN_LEARN_REFRESHED = 1,	/**< was valid; expiry same or later */
	GG_GARDEN_LEARN_EVICTED = 2,	/**< added; the entry expiring first
					  *  was evicted to make room */
};

/** Sizes and control-side statistics (gg_garden_counts()). */
struct gg_garden_counts {
	uint32_t rules;		/**< static rules */
	uint32_t prefixes;	/**< distinct prefixes holding them */
	uint32_t names;
	uint32_t learned;	/**< in the table, expired-not-removed included */
	uint32_t learned_global;	/**< of which GG_GARDEN_SCOPE_GLOBAL */
	uint64_t learn_new;	/**< gg_garden_learn() results, cumulative */
	uint64_t learn_refreshed;
	uint64_t learn_evicted;
	uint64_t learn_refused;	/**< -ENOSPC (refuse_when_full), -EAGAIN */
	uint64_t expired;	/**< removed by expiry (expire, or learn) */
};

/** Entry kinds, as a bit mask for gg_garden_walk(). */
enum gg_garden_entry_type {
	GG_GARDEN_ENTRY_RULE = 1,
	GG_GARDEN_ENTRY_NAME = 2,
	GG_GARDEN_ENTRY_LEARNED = 4,
};

#define GG_GARDEN_ENTRY_ALL (GG_GARDEN_ENTRY_RULE | GG_GARDEN_ENTRY_NAME | \
		GG_GARDEN_ENTRY_LEARNED)

/** One entry as gg_garden_walk() shows it; valid during the callback. */
struct gg_garden_entry {
	enum gg_garden_entry_type type;
	union {
		struct gg_garden_rule rule;	/**< GG_GARDEN_ENTRY_RULE */
		const char *name;		/**< GG_GARDEN_ENTRY_NAME */
		struct {
			uint32_t scope;
			uint32_t ipv4_be;
			uint64_t expiry_s;	/**< valid while now < this */
		} learned;			/**< GG_GARDEN_ENTRY_LEARNED */
	};
	/** GG_GARDEN_ENTRY_NAME: what its learned addresses open. */
	struct gg_garden_scope name_scope;
};

/**
 * Seconds of the TSC: the clock every now_s argument should come from.
 * Worker-safe (no syscall); costs a 64-bit division (~40 cycles), so a
 * worker reads it once per burst, not per packet.
 */
static inline uint64_t
gg_garden_clock_s(void)
{
	return rte_get_tsc_cycles() / rte_get_tsc_hz();
}

/**
 * Create an empty garden. Control. Returns NULL and sets rte_errno on
 * failure: EINVAL (bad parameters), EEXIST (name in use), ENOMEM.
 */
struct gg_garden *
gg_garden_create(const struct gg_garden_params *p);

/**
 * Free everything. Control; no reader may be using the garden any more.
 * NULL is a no-op.
 */
void
gg_garden_free(struct gg_garden *g);

/**
 * Add a static rule. Control. @p proto 0 accepts every protocol; TCP and
 * UDP rules accept destination ports [port_lo, port_hi]; every other
 * protocol must be given ports 0-65535 (they have none). The prefix must
 * have no host bits set; depth 1..32 (/0 would be the whole Internet).
 * Cost: rewrites the prefix's table entries (up to 2^(24-depth) for
 * depth < 24: 65536 stores for a /8).
 * @return 0, -EINVAL, -EEXIST (this exact rule is present), -ENOSPC
 *         (max_rules reached), -E2BIG (the prefix already has
 *         GG_GARDEN_RULES_PER_PREFIX rules), -EAGAIN.
 */
int
gg_garden_add_prefix(struct gg_garden *g, uint32_t ipv4_be, uint8_t depth,
		uint8_t proto, uint16_t port_lo, uint16_t port_hi);

/**
 * Delete the static rule with exactly these fields. Control. Deleting a
 * prefix's last rule removes the prefix: its addresses fall back to the
 * next broader prefix, if any.
 * @return 0, -EINVAL, -ENOENT, -EAGAIN.
 */
int
gg_garden_del_prefix(struct gg_garden *g, uint32_t ipv4_be, uint8_t depth,
		uint8_t proto, uint16_t port_lo, uint16_t port_hi);

/**
 * Add a domain name. Control. Accepted: 1..253 characters of letters,
 * digits, '-' and '_' in dot-separated labels of 1..63, one trailing dot
 * ignored; stored lowercase. No wildcards: subdomains are implied.
 * @return 0, -EINVAL, -EEXIST (present, or, with odds of 2^-64 per pair,
 *         another name with the same 64-bit hash), -ENOSPC, -EAGAIN.
 */
int
gg_garden_add_name(struct gg_garden *g, const char *name);

/**
 * gg_garden_add_name() with the scope the addresses learned for it get
 * (NULL: GG_GARDEN_NAME_DEFAULT_SCOPE). Control.
 */
int
gg_garden_add_name_scoped(struct gg_garden *g, const char *name,
		const struct gg_garden_scope *scope);

/**
 * Delete a name (any case, trailing dot ignored), and every address
 * learned for it. Control. Cost: a scan of the learned capacity.
 * @return 0, -EINVAL, -ENOENT.
 */
int
gg_garden_del_name(struct gg_garden *g, const char *name);

/**
 * Learn (or refresh) an address from a DNS answer for a garden name.
 * Control. Valid until now_s + clamp(ttl_s, min_ttl, max_ttl). A refresh
 * never shortens an expiry: the device may still use the address until
 * the longer TTL it saw runs out. The new expiry is published with one
 * atomic store: a worker sees the old or the new one, never a gap.
 * When the table is full: an already expired entry is removed first (NEW);
 * otherwise the entry that expires first is evicted (EVICTED), or with
 * refuse_when_full the learn fails with -ENOSPC.
 * Cost: two hash lookups, one insert, O(log n) heap update.
 * @return enum gg_garden_learn_result, or -EINVAL, -ENOSPC, -EAGAIN.
 */
int
gg_garden_learn(struct gg_garden *g, uint32_t scope, uint32_t ipv4_be,
		uint32_t ttl_s, uint64_t now_s);

/**
 * The garden name a name in DNS wire form (lowercase or not, as
 * gg_garden_match_wire() takes it) falls under, for
 * gg_garden_learn_name(): its reference (>= 0), or -ENOENT. When several
 * garden names match, the longest. Control.
 */
int
gg_garden_name_ref(const struct gg_garden *g, const uint8_t *wire,
		size_t wire_len);

/**
 * gg_garden_learn() for an answer about garden name @p name_ref
 * (gg_garden_name_ref()): the entry opens only that name's scope. An
 * entry learned before for another name takes this one's scope. Besides
 * gg_garden_learn()'s results, -EDQUOT when @p scope already holds
 * max_per_scope entries and this is not one of them. Control.
 */
int
gg_garden_learn_name(struct gg_garden *g, uint32_t scope, uint32_t ipv4_be,
		uint32_t ttl_s, uint64_t now_s, int name_ref);

/**
 * Parse a name rule: "NAME [PROTO [PORT[-PORT][,PORT[-PORT]]...]]...",
 * e.g. "portal.example", "portal.example tcp 80,443",
 * "vpn.example udp 51820 tcp 443", "ntp.example udp 123". Without a
 * group, GG_GARDEN_NAME_DEFAULT_SCOPE. PROTO as in gg_garden_parse_rule();
 * ports only after tcp or udp, and without them every port. At most
 * GG_GARDEN_RULES_PER_PREFIX (protocol, range) pairs. The name is
 * copied, lowercase, into @p name (GG_GARDEN_NAME_MAX + 1 octets) but not
 * checked here (gg_garden_add_name_scoped() does). Any thread.
 * @return 0, or -EINVAL with a one-line reason in @p err.
 */
int
gg_garden_parse_name_rule(const char *text, char *name,
		struct gg_garden_scope *scope, char *err, size_t err_len);

/** Whether @p scope opens every port of TCP or UDP, or every protocol. */
bool
gg_garden_scope_wide(const struct gg_garden_scope *scope);

/** Remove one learned entry now. Control. 0 or -ENOENT. */
int
gg_garden_unlearn(struct gg_garden *g, uint32_t scope, uint32_t ipv4_be);

/**
 * Remove every entry learned for @p scope (call when the session goes, or
 * a reused session id would inherit them until they expire). Control.
 * Cost: a scan of the whole capacity (about 1 ns per entry of
 * max_learned). Returns how many were removed.
 */
uint32_t
gg_garden_forget(struct gg_garden *g, uint32_t scope);

/**
 * Remove up to @p max (0: GG_GARDEN_EXPIRE_BATCH) expired entries, those
 * with expiry <= now_s, soonest first. Control, periodic: the work per
 * call is bounded so the control lcore never stalls (O(log n) each).
 * Returns how many were removed; == max means more may be waiting.
 */
uint32_t
gg_garden_expire(struct gg_garden *g, uint64_t now_s, uint32_t max);

/**
 * Worker: is (ipv4_be, proto, port) in the garden for a session of
 * @p scope? True if the longest matching static prefix has a rule
 * accepting (proto, port), or a learned entry (scope, ipv4) or
 * (GLOBAL, ipv4) exists and now_s is before its expiry. Uplink: pass the
 * destination address and port; downlink: the source address and port.
 * @p port is ignored for protocols other than TCP and UDP (pass 0).
 * Cost: one rte_lpm lookup (1-2 memory reads), plus on a static miss one
 * or two hash lookups of the learned table.
 */
bool
gg_garden_match_ip(const struct gg_garden *g, uint32_t scope,
		uint32_t ipv4_be, uint8_t proto, uint16_t port, uint64_t now_s);

/**
 * Worker: gg_garden_match_ip() for a burst, with bulk table lookups.
 * Bit i of the result is set when entry i matches; n above
 * GG_GARDEN_BULK_MAX is cut to it (there are no bits for the rest).
 */
uint64_t
gg_garden_match_ip_bulk(const struct gg_garden *g, const uint32_t *scope,
		const uint32_t *ipv4_be, const uint8_t *proto,
		const uint16_t *port, unsigned int n, uint64_t now_s);

/**
 * Worker: is @p wire (a domain name in DNS wire form, RFC 1035 3.1, as a
 * query carries it: @p wire_len octets, each label a length octet 1-63
 * and that many octets, then the root octet, at most 255 octets in all,
 * uncompressed) a garden name or a subdomain of one, on a label boundary,
 * ignoring ASCII case? "www.portal.example" matches "portal.example";
 * "badportal.example" and "portal.example.evil.net" do not.
 *
 * Never matches: the root name alone, a length octet 0x40-0xff (reserved
 * types, compression pointers), a label running past the root octet,
 * octets after it, more than 255 octets. Labels are compared as octet
 * strings: a label holding a '.' is one label ("\x0eportal.example" is
 * not "portal.example"), and since garden names hold only letters,
 * digits, '-' and '_', no label holding anything else is part of a
 * match. The labels left of a matching suffix are not read: refusing
 * names with control octets or dots inside labels is the DNS parser's
 * job (gg_dns_parse_query() refuses them, GG_DNS_BAD_NAME_CHAR, before
 * the data plane matches).
 *
 * Cost: a walk of the length octets, one multiply per 8 octets of the
 * labels that the garden's names can reach (all labels for a name no
 * longer than the longest garden name), a filter bit per label count
 * some garden name has, and per set bit one rte_hash lookup and a
 * compare of whole words: about 32 cycles for a three-label name outside
 * the garden, 70 for a hit (perf_micro garden_match_wire_*). A garden
 * without names answers after two loads.
 */
bool
gg_garden_match_wire(const struct gg_garden *g, const uint8_t *wire,
		size_t wire_len);

/**
 * Worker: gg_garden_match_wire() of a name whose labels the caller has
 * walked already: @p wire_len octets as gg_dns_parse_query() accepts a
 * question name (labels of 1-63 octets inside it, the root octet last,
 * at most 255 octets), @p start the offsets of its @p nlab length octets
 * from the left (gg_dns_query.label_off). The same answer, without the
 * walk of the length octets. A name not so formed gives no defined
 * answer (never a read outside @p wire_len).
 */
bool
gg_garden_match_wire_labels(const struct gg_garden *g, const uint8_t *wire,
		size_t wire_len, const uint8_t *start, unsigned int nlab);

/**
 * Worker: gg_garden_match_wire(), and on a match what the addresses
 * learned for the name open: the scope of the longest garden name @p wire
 * falls under (the one gg_garden_name_ref() picks for
 * gg_garden_learn_name()), copied into @p scope (n > 0). For a worker
 * that lets a snooped answer through before the control lcore learned
 * from it (lib/pipeline/snoop_recent.c). Cost: gg_garden_match_wire()'s
 * walk, then one lookup per candidate suffix from the longest.
 */
bool
gg_garden_match_wire_scope(const struct gg_garden *g, const uint8_t *wire,
		size_t wire_len, struct gg_garden_scope *scope);

/**
 * Any: does @p scope (as gg_garden_match_wire_scope() fills it) admit
 * @p proto and @p port, as the learned entry of its name would?
 */
bool
gg_garden_scope_accepts(const struct gg_garden_scope *scope, uint8_t proto,
		uint16_t port);

/**
 * Any: how long an address learned now with record TTL @p ttl_s stays:
 * @p ttl_s raised to min_ttl and lowered to max_ttl, as
 * gg_garden_learn() clamps it.
 */
uint32_t
gg_garden_ttl_clamp(const struct gg_garden *g, uint32_t ttl_s);

/**
 * Worker: gg_garden_match_wire() of a name in text form (@p len bytes,
 * not NUL-terminated; one trailing dot ignored), for callers holding
 * text. Empty names, empty labels and names over 253 characters never
 * match; a label over 63 characters (which has no wire form) cannot be
 * part of a match, the labels after it still can. Cost: one more pass
 * over the name, making its wire form.
 */
bool
gg_garden_match_name(const struct gg_garden *g, const char *name, size_t len);

/** Sizes and statistics. Any thread (each field exact, not a snapshot). */
void
gg_garden_counts(const struct gg_garden *g, struct gg_garden_counts *out);

/**
 * Call @p fn for every entry of the kinds in @p types (GG_GARDEN_ENTRY_*
 * mask): rules, then names, then learned entries (expired ones not yet
 * removed included; compare expiry_s with now). Control; fn must not
 * change the garden. Stops early and returns fn's value when non-zero.
 */
int
gg_garden_walk(const struct gg_garden *g, unsigned int types,
		int (*fn)(const struct gg_garden_entry *e, void *arg),
		void *arg);

/**
 * Parse a rule: "ADDR[/DEPTH] [PROTO [PORT[-PORT]]]", fields separated by
 * blanks. ADDR is a dotted quad, DEPTH 1..32 (default 32, host bits must
 * be zero), PROTO tcp, udp, icmp, any or "proto N" (case-insensitive),
 * ports only after tcp or udp. Examples: "203.0.113.0/24",
 * "198.51.100.7/32 tcp 443", "192.0.2.0/24 udp 53",
 * "10.0.0.0/8 tcp 8000-8080", "1.2.3.4 icmp". Any thread.
 * @param err if not NULL, receives a one-line reason on failure.
 * @return 0, or -EINVAL with @p rule untouched.
 */
int
gg_garden_parse_rule(const char *text, struct gg_garden_rule *rule,
		char *err, size_t err_len);

/**
 * Format a rule the way gg_garden_parse_rule() reads it ("10.0.0.0/8 tcp
 * 8000-8080"). Any thread. Returns the length snprintf would have written.
 */
int
gg_garden_format_rule(const struct gg_garden_rule *rule, char *buf,
		size_t len);

/**
 * Format a name rule the way gg_garden_parse_name_rule() reads it
 * ("vpn.example tcp 443 udp 51820", "portal.example tcp 80,443": ranges
 * of one protocol in a row joined by commas; n == 0 as the default
 * scope). Any thread. Returns the length snprintf would have written.
 */
int
gg_garden_format_name_rule(const char *name,
		const struct gg_garden_scope *scope, char *buf, size_t len);

#endif /* GG_GARDEN_H */
