/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Last stage, both directions: carry out each packet's decision.
 *
 * Packets to send wait in a per-port buffer of the worker and leave in one
 * rte_eth_tx_burst per port per poll round (or sooner when a buffer fills);
 * what the queue refuses is freed and counted as tx_full, never retried, so
 * a stuck port cannot stall the other one. The last stage of each direction
 * puts what it sends in those buffers itself; gg_dispatch() gets the rest
 * of the burst, if any. Dropped and consumed packets are freed in bulk. Packets for the control lcore (slow path, and garden DNS
 * answers to learn from) go to its rings in one enqueue per burst.
 *
 * Also here: the next-hop address shared with the control lcore, and the
 * token bucket that limits the replies a worker generates.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "pipeline_private.h"

void
gg_port_set_next_hop_mac(struct gg_port *p, const struct rte_ether_addr *mac)
{
	uint64_t v = 0;

	memcpy(&v, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	((uint8_t *)&v)[7] = 1;
	__atomic_store_n(&p->next_hop_mac, v, __ATOMIC_RELEASE);
}

bool
gg_port_next_hop_mac(const struct gg_port *p, struct rte_ether_addr *mac)
{
	uint64_t v = __atomic_load_n(&p->next_hop_mac, __ATOMIC_ACQUIRE);

	if (((uint8_t *)&v)[7] == 0)
		return false;
	memcpy(mac->addr_bytes, &v, RTE_ETHER_ADDR_LEN);
	return true;
}

void
gg_tx_flush_buf(struct gg_worker *w, struct gg_txbuf *b)
{
	uint16_t sent;

	if (b->n == 0)
		return;
	sent = rte_eth_tx_burst(b->port_id, w->queue, b->pkts, b->n);
	w->ctr.ev[b->ev] += sent;
	if (unlikely(sent < b->n)) {
		w->ctr.drop[GG_DROP_tx_full] += b->n - sent;
		rte_pktmbuf_free_bulk(&b->pkts[sent], b->n - sent);
	}
	b->n = 0;
}

void
gg_tx_flush(struct gg_worker *w)
{
	gg_tx_flush_buf(w, &w->tx_n3);
	gg_tx_flush_buf(w, &w->tx_n6);
}

static inline void
tx_buffer(struct gg_worker *w, struct gg_txbuf *b, struct rte_mbuf *m)
{
	if (unlikely(b->n == GG_TX_BUF))
		gg_tx_flush_buf(w, b);
	b->pkts[b->n++] = m;
}

void
gg_tx_port(struct gg_worker *w, struct rte_mbuf *m, uint16_t port_id)
{
	if (port_id == w->tx_n3.port_id)
		tx_buffer(w, &w->tx_n3, m);
	else if (port_id == w->tx_n6.port_id)
		tx_buffer(w, &w->tx_n6, m);
	else
		rte_pktmbuf_free(m);
}

void
gg_dispatch(struct gg_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *to_free[GG_BURST];
	struct rte_mbuf *to_ctl[GG_BURST];
	struct rte_mbuf *to_snoop[GG_BURST];
	unsigned int nfree = 0, nctl = 0, nsnoop = 0, done;
	uint16_t i;

	for (i = 0; i < n; i++) {
		const struct gg_meta *meta = &w->meta[i];

		switch (meta->action) {
		case GG_ACT_TX_N6:
			tx_buffer(w, &w->tx_n6, pkts[i]);
			break;
		case GG_ACT_TX_N3:
			tx_buffer(w, &w->tx_n3, pkts[i]);
			break;
		case GG_ACT_CONTROL:
			to_ctl[nctl++] = pkts[i];
			break;
		case GG_ACT_SNOOP:
			to_snoop[nsnoop++] = pkts[i];
			break;
		case GG_ACT_HELD: /* the reassembly table or fragments own it */
			break;
		case GG_ACT_DROP:
			w->ctr.drop[meta->drop]++;
			to_free[nfree++] = pkts[i];
			break;
		default: /* consumed, or a stage left it undecided */
			to_free[nfree++] = pkts[i];
			break;
		}
	}
	if (nctl != 0) {
		done = rte_ring_sp_enqueue_burst(w->to_control, (void **)to_ctl,
				nctl, NULL);
		w->ctr.ev[GG_EV_to_control] += done;
		if (unlikely(done < nctl)) {
			w->ctr.drop[GG_DROP_control_ring_full] += nctl - done;
			rte_pktmbuf_free_bulk(&to_ctl[done], nctl - done);
		}
	}
	if (nsnoop != 0) {
		done = rte_ring_sp_enqueue_burst(w->snoop, (void **)to_snoop,
				nsnoop, NULL);
		if (unlikely(done < nsnoop)) {
			w->ctr.drop[GG_DROP_snoop_ring_full] += nsnoop - done;
			rte_pktmbuf_free_bulk(&to_snoop[done], nsnoop - done);
		}
	}
	if (nfree != 0)
		rte_pktmbuf_free_bulk(to_free, nfree);
}

void
gg_ratelimit_init(struct gg_ratelimit *rl, uint64_t rate)
{
	rl->hz = rte_get_tsc_hz();
	rl->rate = rate;
	rl->tokens_x_hz = rate * rl->hz; /* start with a full second's worth */
	rl->last_tsc = rte_rdtsc();
}

/*
 * One token per reply; the bucket holds one second's worth. Tokens are
 * kept multiplied by the TSC rate so refilling needs no division.
 */
int
gg_ratelimit_allow(struct gg_ratelimit *rl)
{
	uint64_t now = rte_rdtsc();
	uint64_t cap = rl->rate * rl->hz;
	uint64_t elapsed = now - rl->last_tsc;

	/* Past a second the bucket is full anyway; this also keeps the
	 * product below from overflowing after long idle times. */
	if (elapsed >= rl->hz)
		rl->tokens_x_hz = cap;
	else
		rl->tokens_x_hz += elapsed * rl->rate;
	if (rl->tokens_x_hz > cap)
		rl->tokens_x_hz = cap;
	rl->last_tsc = now;
	if (rl->tokens_x_hz < rl->hz)
		return 0;
	rl->tokens_x_hz -= rl->hz;
	return 1;
}
