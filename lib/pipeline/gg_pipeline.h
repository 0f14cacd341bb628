/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The data plane: what a worker lcore does with the packets of its queues.
 *
 * A worker polls its RX queue on N3 (uplink, GTP-U from the gNBs) and on N6
 * (downlink, plain IPv4 from the data network), runs each burst through the
 * stages below to completion, and transmits on its own TX queues. No
 * allocation, lock, syscall or log happens on this path, but for the
 * mbufs of IPv4 fragments, taken from pools made for them at start-up
 * (how DPDK fragments: rte_ipv4_fragment_packet()).
 *
 *   uplink   (N3 RX): uplink_parse -> uplink_lookup -> uplink_forward
 *                     (gtpu_reply builds Echo Responses, Error Indications
 *                     and Supported Extension Headers Notifications in place;
 *                     outer fragments: uplink_reassemble, within the parse;
 *                     T-PDUs above the N6 MTU: uplink_fragment)
 *   downlink (N6 RX): downlink_parse -> downlink_lookup -> downlink_encap
 *                     (above the N3 MTU: downlink_fragment)
 *   both:             SYNs' MSS clamped on the way (tcp_mss)
 *   both:             tx (buffers per port, flushes once per poll round)
 *
 * Packets for the appliance itself (ARP, ICMP to our addresses) go to the
 * control lcore through the worker's to_control ring; packets the control
 * lcore sends (replies, ARP requests) come back through from_control and
 * leave on the worker's TX queue, so ports need no extra queue for it.
 */
#ifndef GG_PIPELINE_H
#define GG_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "gg_counters.h"
#include "gg_dns.h"
#include "gg_http.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;
struct rte_rcu_qsbr;
struct gg_session_table;
struct gg_garden;
struct gg_worker;

/**
 * One port as the data plane sees it. Set up before workers start;
 * afterwards only next_hop_mac changes (control lcore writes it with an
 * atomic store, workers read it with an atomic load, see gg_port_*).
 */
struct gg_port {
	uint16_t port_id;
	uint16_t mtu;                /**< IP MTU of the link */
	uint32_t addr;               /**< our IPv4 address, network order */
	uint32_t next_hop;           /**< next hop IPv4, network order, or 0 */
	struct rte_ether_addr mac;   /**< our Ethernet address */
	/** Next hop's Ethernet address in octets 0-5; octet 7 is 1 once known. */
	uint64_t next_hop_mac;
};

/** What LIMITED sessions' DNS queries get (dns.mode). */
enum gg_dns_mode {
	GG_DNS_MODE_REWRITE = 0, /**< forge answers pointing at the portal */
	GG_DNS_MODE_SNOOP,       /**< never forge: forward, snoop garden answers */
};

/** Most trusted resolvers (dns.resolvers). */
#define GG_LIMITED_RESOLVERS_MAX 4
/** Most workers whose pending DNS queries a worker looks up. */
#define GG_PIPELINE_WORKERS_MAX RTE_MAX_LCORE

struct gg_dns_pending;
struct gg_snoop_recent;

/** What LIMITED sessions' UDP outside the garden gets (limited.udp_reject). */
enum gg_udp_reject {
	GG_UDP_REJECT_ICMP = 0,  /**< ICMP administratively prohibited, rate-limited */
	GG_UDP_REJECT_DROP,      /**< silently dropped */
};

/**
 * The walled-garden policy of LIMITED sessions, and the rates of the
 * workers' token buckets: every setting a reload may change while the
 * workers run. Read-only once published (gg_dataplane.policy): a reload
 * publishes a new copy with one pointer store and frees the old one after
 * an RCU grace period. The garden's contents change in place, through
 * lib/garden's RCU-safe writer functions; http.clock_offset_s is the one
 * field written in a published copy (gg_http_redirect_set_clock()).
 */
struct gg_limited {
	struct gg_garden *garden;
	struct gg_http_redirect http;   /**< stateless HTTP redirect */
	struct gg_dns_forge dns;        /**< forged answers (portal, TTL, policy) */
	uint32_t icmp_unreach_rate;     /**< per second per worker */
	uint8_t dns_mode;               /**< enum gg_dns_mode */
	uint8_t udp_reject;             /**< enum gg_udp_reject */
	uint8_t learn_global;           /**< learned addresses serve every session */
	uint8_t has_portal;             /**< no portal: no DNS rewriting, RST for HTTP */
	uint32_t icmp_src;              /**< source of our ICMP unreachables (N6 address) */
	/**
	 * The trusted resolvers (dns.resolvers, network order): the only
	 * servers LIMITED devices' garden-name queries go to, whatever
	 * address they were sent to, and the only sources of the answers
	 * the garden learns from.
	 */
	uint32_t resolvers[GG_LIMITED_RESOLVERS_MAX];
	uint32_t n_resolvers;
	uint32_t query_timeout_s;       /**< dns.query_timeout: answers wait this long */
	/**
	 * Every worker's pending queries, by worker index; set by
	 * gg_worker_create() before the workers start.
	 */
	struct gg_dns_pending *pending[GG_PIPELINE_WORKERS_MAX];
	unsigned int n_pending;
	/** Every worker's answers let through but not learned yet
	 * (snoop_recent.c), by worker index, set with pending[]. */
	struct gg_snoop_recent *recent[GG_PIPELINE_WORKERS_MAX];
	/**
	 * Bumped by each reload. A worker that sees a new value sets its
	 * token buckets to the rates below (they start from
	 * gg_dataplane.error_indication_rate, icmp_unreach_rate above and
	 * gg_mtu_policy.icmp_rate).
	 */
	uint64_t gen;
	uint32_t error_indication_rate;     /**< per second per worker */
	uint32_t frag_needed_rate;          /**< per second per worker */
};

/**
 * Packets that do not fit a link (section "mtu" of the configuration;
 * doc/gtpu.rst). Set before the workers start, read-only afterwards.
 */
struct gg_mtu_policy {
	uint16_t tcp_mss;                    /**< SYNs' MSS at most this; 0: no clamping */
	uint32_t icmp_rate;                  /**< Fragmentation Needed per s per worker */
	/** Pools of the fragments' header and data mbufs (rte_ip_frag);
	 * NULL: too big without DF is dropped (mtu.fragment = "off"). */
	struct rte_mempool *frag_direct;
	struct rte_mempool *frag_indirect;
	uint32_t reasm_flows;                /**< per worker; 0: outer fragments dropped */
	uint32_t reasm_timeout_ms;
};

/** Everything the workers share. Read-only while they run, except as noted. */
struct gg_dataplane {
	struct gg_port n3;
	struct gg_port n6;
	struct gg_mtu_policy mtu;
	struct gg_limited limited;            /**< the first policy (start-up) */
	/**
	 * The policy the workers read: &limited until the first reload, then
	 * a reload's copy. gg_worker_create() sets it to &limited when NULL.
	 * Written by the control lcore (release store); a worker loads it
	 * once per round, after its quiescent state (acquire).
	 */
	struct gg_limited *policy;
	struct gg_session_table *sessions;
	struct rte_rcu_qsbr *qsv;            /**< readers: the workers */
	uint32_t error_indication_rate;      /**< per second per worker */
	volatile bool stop;                  /**< set by the control lcore */
	/**
	 * Uplink martians (gg_dataplane_set_martians()), by the first octet
	 * of the destination: it may be one when (dst & mask) == val (network
	 * order; mask 0, val 1 for octets holding none). Exact but when the
	 * N3 and N6 addresses share their first octet (then a superset).
	 * The fast path pays one load, an AND and a compare per packet.
	 */
	struct gg_martian { uint32_t mask, val; } martian[256];
	bool martian_multicast;              /**< 224.0.0.0/4 is a martian */
};

/**
 * Uplink destinations no session may send to (dropped as ul_martian):
 * 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4 unless @p multicast_ok,
 * 255.255.255.255, and the N3 and N6 addresses (set dp->n3.addr and
 * dp->n6.addr first). Control lcore, before the workers start.
 */
void gg_dataplane_set_martians(struct gg_dataplane *dp, bool multicast_ok);

/** Mark a port's next hop as resolved to @p mac. Control lcore. */
void gg_port_set_next_hop_mac(struct gg_port *p, const struct rte_ether_addr *mac);

/** The next hop's address; false if not known yet. Any thread. */
bool gg_port_next_hop_mac(const struct gg_port *p, struct rte_ether_addr *mac);

/**
 * Create worker number @p index (0-based), which will poll queue @p queue
 * of both ports and run on lcore @p lcore_id. Control lcore, before launch.
 * Returns NULL and sets rte_errno on failure.
 */
struct gg_worker *gg_worker_create(struct gg_dataplane *dp, unsigned int index,
		unsigned int lcore_id, uint16_t queue);

/** Free a worker after it returned. NULL is a no-op. */
void gg_worker_free(struct gg_worker *w);

/** lcore entry point (rte_eal_remote_launch); returns when dp->stop is set. */
int gg_worker_main(void *worker);

/** The worker's counters (it is their only writer). */
const struct gg_counters *gg_worker_counters(const struct gg_worker *w);

/** The lcore the worker runs on. */
unsigned int gg_worker_lcore(const struct gg_worker *w);

/**
 * Packets the worker hands to the control lcore. Single producer (the
 * worker), single consumer (the control lcore).
 */
struct rte_ring *gg_worker_to_control(const struct gg_worker *w);

/**
 * Downlink DNS answers for garden names, already tunnelled towards the
 * device, which the control lcore must learn from and then send on N3
 * (gg_worker_send): only those the worker could not let through at once
 * (gg_worker_snoop_learn(); dns_snoop_held). The session id is in
 * m->hash.usr. SP/SC.
 */
struct rte_ring *gg_worker_snoop_ring(const struct gg_worker *w);

/**
 * A garden DNS answer a worker let through to its device before the
 * garden learned from it (lib/pipeline/snoop_recent.c): what the control
 * lcore learns. Addresses and TTLs as gg_dns_parse_response() gave them.
 */
struct gg_snoop_answer {
	uint32_t scope;             /**< session id, or GG_GARDEN_SCOPE_GLOBAL */
	uint8_t naddrs;
	uint8_t name_wire_len;      /**< the question name, wire form, root octet included */
	struct gg_dns_addr addrs[GG_DNS_MAX_ADDRS];
	uint8_t name_wire[GG_DNS_NAME_WIRE_MAX];
};

/**
 * Control lcore: call @p learn for each answer, at most @p max, worker
 * @p w let through since the last call, oldest first, then tell the
 * workers they are in the garden (until then the workers admit their
 * addresses themselves). @p learn must have put the addresses in the
 * garden when it returns (or refused them). Returns how many.
 */
unsigned int gg_worker_snoop_learn(struct gg_worker *w, unsigned int max,
		void (*learn)(const struct gg_snoop_answer *a, void *arg),
		void *arg);

/**
 * Control lcore: queue @p m for transmission on @p port_id by worker @p w.
 * Takes ownership of @p m (freed and counted if the ring is full).
 * Returns 0 or -ENOBUFS.
 */
int gg_worker_send(struct gg_worker *w, struct rte_mbuf *m, uint16_t port_id,
		struct gg_counters *ctr);

#endif /* GG_PIPELINE_H */
