/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker lcore: its context and its poll loop.
 *
 * One round: a burst from N3 runs through the uplink stages, a burst from
 * N6 through the downlink stages, whatever the control lcore queued for
 * sending is picked up, the TX buffers are flushed, and the worker reports
 * a quiescent state (it holds no session pointer between rounds). When the
 * stop flag is set the worker flushes and goes offline.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "pipeline_private.h"

#define RING_SIZE 1024

struct gg_worker *
gg_worker_create(struct gg_dataplane *dp, unsigned int index,
		unsigned int lcore_id, uint16_t queue)
{
	char name[RTE_RING_NAMESIZE];
	int socket = rte_lcore_to_socket_id(lcore_id);
	struct gg_worker *w;
	int ret;

	w = rte_zmalloc_socket("gg_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
			socket);
	if (w == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	if (dp->policy == NULL)
		dp->policy = &dp->limited;
	w->dp = dp;
	w->lim = dp->policy;
	w->lim_gen = dp->policy->gen;
	w->index = index;
	w->lcore_id = lcore_id;
	w->queue = queue;
	w->tx_n3.port_id = dp->n3.port_id;
	w->tx_n3.ev = GG_EV_tx_n3;
	w->tx_n6.port_id = dp->n6.port_id;
	w->tx_n6.ev = GG_EV_tx_n6;
	ret = gg_session_worker_counters(dp->sessions, index, &w->sess_ctr);
	gg_ratelimit_init(&w->err_ind_rl, dp->error_indication_rate);
	gg_ratelimit_init(&w->icmp_rl, dp->limited.icmp_unreach_rate);
	gg_ratelimit_init(&w->frag_needed_rl, dp->mtu.icmp_rate);
	if (dp->mtu.reasm_flows != 0) {
		w->reasm = gg_reasm_create(dp->mtu.reasm_flows,
				dp->mtu.reasm_timeout_ms, socket);
		if (w->reasm == NULL)
			ret = -ENOMEM;
	}

	snprintf(name, sizeof(name), "gg_to_ctl_%u", index);
	w->to_control = rte_ring_create(name, RING_SIZE, socket,
			RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "gg_from_ctl_%u", index);
	w->from_control = rte_ring_create(name, RING_SIZE, socket,
			RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "gg_snoop_%u", index);
	w->snoop = rte_ring_create(name, RING_SIZE, socket,
			RING_F_SP_ENQ | RING_F_SC_DEQ);
	w->dns_pending = gg_dns_pending_create(socket);
	w->recent = gg_snoop_recent_create(socket);
	if (ret != 0 || w->to_control == NULL || w->from_control == NULL ||
			w->snoop == NULL || w->dns_pending == NULL ||
			w->recent == NULL ||
			index >= GG_PIPELINE_WORKERS_MAX) {
		gg_worker_free(w);
		rte_errno = ENOMEM;
		return NULL;
	}
	dp->limited.pending[index] = w->dns_pending;
	dp->limited.recent[index] = w->recent;
	if (dp->limited.n_pending <= index)
		dp->limited.n_pending = index + 1;
	return w;
}

void
gg_worker_free(struct gg_worker *w)
{
	struct rte_mbuf *m;

	if (w == NULL)
		return;
	while (w->to_control && rte_ring_dequeue(w->to_control, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	while (w->from_control && rte_ring_dequeue(w->from_control, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	while (w->snoop && rte_ring_dequeue(w->snoop, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(w->to_control);
	rte_ring_free(w->from_control);
	rte_ring_free(w->snoop);
	if (w->dns_pending != NULL && w->index < GG_PIPELINE_WORKERS_MAX &&
			w->dp->limited.pending[w->index] == w->dns_pending)
		w->dp->limited.pending[w->index] = NULL;
	gg_dns_pending_free(w->dns_pending);
	if (w->recent != NULL && w->index < GG_PIPELINE_WORKERS_MAX &&
			w->dp->limited.recent[w->index] == w->recent)
		w->dp->limited.recent[w->index] = NULL;
	gg_snoop_recent_free(w->recent);
	gg_reasm_free(w->reasm);
	rte_free(w);
}

const struct gg_counters *
gg_worker_counters(const struct gg_worker *w)
{
	return &w->ctr;
}

unsigned int
gg_worker_lcore(const struct gg_worker *w)
{
	return w->lcore_id;
}

struct rte_ring *
gg_worker_to_control(const struct gg_worker *w)
{
	return w->to_control;
}

struct rte_ring *
gg_worker_snoop_ring(const struct gg_worker *w)
{
	return w->snoop;
}

int
gg_worker_send(struct gg_worker *w, struct rte_mbuf *m, uint16_t port_id,
		struct gg_counters *ctr)
{
	/* mbuf->port carries the output port through the ring. */
	m->port = port_id;
	if (rte_ring_sp_enqueue(w->from_control, m) != 0) {
		ctr->drop[GG_DROP_control_ring_full]++;
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}

static void
send_from_control(struct gg_worker *w)
{
	struct rte_mbuf *pkts[GG_BURST];
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst(w->from_control, (void **)pkts, GG_BURST,
			NULL);
	for (i = 0; i < n; i++)
		gg_tx_port(w, pkts[i], pkts[i]->port);
}

/*
 * A reload published a new policy: follow its rates. The buckets keep
 * their tokens (capped at the new rate by the next gg_ratelimit_allow()).
 */
static __rte_noinline void
follow_policy(struct gg_worker *w, const struct gg_limited *lim)
{
	w->err_ind_rl.rate = lim->error_indication_rate;
	w->icmp_rl.rate = lim->icmp_unreach_rate;
	w->frag_needed_rl.rate = lim->frag_needed_rate;
	w->lim_gen = lim->gen;
}

/*
 * The uplink's graph for one burst: the fast stage takes the common
 * G-PDUs of FULL sessions from the front of the burst; the rest, from the
 * first packet it left on, goes through the parse, the lookup and the
 * forward stages (the first @p ready of them parsed and looked up by the
 * fast stage already). Returns how many packets it left at the front of
 * @p pkts, with their metadata, for gg_dispatch().
 */
uint16_t
gg_uplink_burst(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf **rest;
	uint16_t done, ready, kept;

	done = gg_uplink_fast(w, pkts, n, &ready);
	if (likely(done == n))
		return 0;
	rest = pkts + done;
	n -= done;
	/* Outer fragments are reassembled within the parse. */
	gg_uplink_parse(w, rest, ready, n);
	gg_uplink_lookup(w, rest, ready, n);
	kept = gg_uplink_forward(w, rest, n);
	if (done != 0 && kept != 0)
		memmove(pkts, rest, kept * sizeof(*pkts));
	return kept;
}

/* The downlink's graph for one burst, alike: the fast stage, then parse,
 * lookup and encapsulation for the rest. Returns as gg_uplink_burst(). */
uint16_t
gg_downlink_burst(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf **rest;
	uint16_t done, ready, kept;

	done = gg_downlink_fast(w, pkts, n, &ready);
	if (likely(done == n))
		return 0;
	rest = pkts + done;
	n -= done;
	gg_downlink_parse(w, rest, ready, n);
	gg_downlink_lookup(w, rest, ready, n);
	kept = gg_downlink_encap(w, rest, n);
	if (done != 0 && kept != 0)
		memmove(pkts, rest, kept * sizeof(*pkts));
	return kept;
}

static inline void
poll_round(struct gg_worker *w)
{
	struct rte_mbuf *pkts[GG_BURST];
	uint16_t n;

	n = rte_eth_rx_burst(w->dp->n3.port_id, w->queue, pkts, GG_BURST);
	if (n != 0) {
		w->ctr.ev[GG_EV_rx_n3] += n;
		n = gg_uplink_burst(w, pkts, n);
		if (n != 0)
			gg_dispatch(w, pkts, n);
	}

	n = rte_eth_rx_burst(w->dp->n6.port_id, w->queue, pkts, GG_BURST);
	if (n != 0) {
		w->ctr.ev[GG_EV_rx_n6] += n;
		n = gg_downlink_burst(w, pkts, n);
		if (n != 0)
			gg_dispatch(w, pkts, n);
	}

	if (unlikely(!rte_ring_empty(w->from_control)))
		send_from_control(w);
	gg_tx_flush(w);
}

int
gg_worker_main(void *arg)
{
	struct gg_worker *w = arg;
	struct rte_rcu_qsbr *qsv = w->dp->qsv;

	rte_rcu_qsbr_thread_register(qsv, w->lcore_id);
	rte_rcu_qsbr_thread_online(qsv, w->lcore_id);

	while (!__atomic_load_n(&w->dp->stop, __ATOMIC_RELAXED)) {
		poll_round(w);
		rte_rcu_qsbr_quiescent(qsv, w->lcore_id);
		/*
		 * The policy for the next round, loaded after the quiescent
		 * state: rte_rcu_qsbr_quiescent() loads the writer's token
		 * with acquire order, so a worker that reported the token of
		 * a reload's grace period loads that reload's pointer here,
		 * never the one about to be freed. Two loads per round.
		 */
		w->lim = __atomic_load_n(&w->dp->policy, __ATOMIC_ACQUIRE);
		if (unlikely(w->lim->gen != w->lim_gen))
			follow_policy(w, w->lim);
	}

	/* Drain: what the control lcore queued last still goes out. */
	send_from_control(w);
	gg_tx_flush(w);
	rte_rcu_qsbr_thread_offline(qsv, w->lcore_id);
	rte_rcu_qsbr_thread_unregister(qsv, w->lcore_id);
	return 0;
}
