/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lcore's loop (the main lcore): serves the slow path (ARP and
 * ICMP the workers handed over), runs the event loop's sockets and timers
 * (gg_evloop, without waiting), keeps unresolved next hops asked for,
 * prints periodic statistics, and decides when to stop: on SIGINT/SIGTERM,
 * after --duration, or once no packet arrived for --idle-exit seconds.
 *
 * Waiting: while rounds find work it polls without pause. After
 * IDLE_SPIN_ROUNDS empty rounds in a row it waits in epoll (the event
 * loop's sockets: SBI, store, fetches wake it at once) for at most
 * IDLE_WAIT_MS, then polls the worker rings again. So an idle control
 * lcore costs about a thousand wake-ups a second instead of a spinning
 * core (it used to nanosleep 100 us, which with timer slack and the
 * syscalls took about half a core), at this price: a packet the workers
 * hand over (ARP, ICMP, a snooped DNS answer held until learned) after
 * an idle spell waits up to IDLE_WAIT_MS longer; while traffic flows the
 * rings are polled every round as before. The workers do not kick the
 * control lcore (no eventfd): that would put a syscall on their path.
 */
#include <signal.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "gg_evloop.h"
#include "gg_slowpath.h"
#include "gardengate.h"

#define LOG(level, ...) RTE_LOG(level, USER1, __VA_ARGS__)
#define SLOW_BURST 32
/* Empty rounds (each an epoll_wait(0) and a look at every ring, a few us)
 * before the control lcore waits, and how long it then waits at most. */
#define IDLE_SPIN_ROUNDS 64
#define IDLE_WAIT_MS 1

static volatile sig_atomic_t stop_requested;

void
gg_control_request_stop(void)
{
	stop_requested = 1;
}

static void
on_signal(int signum)
{
	RTE_SET_USED(signum);
	stop_requested = 1;
}

static struct gg_port *
port_of(struct gg_app *app, uint16_t port_id, bool *is_static)
{
	if (port_id == app->dp.n3.port_id) {
		*is_static = app->cfg.n3.next_hop_mac_set;
		return &app->dp.n3;
	}
	*is_static = app->cfg.n6.next_hop_mac_set;
	return &app->dp.n6;
}

/* Serve what the workers handed over; returns how many packets. */
static unsigned int
serve_slow_path(struct gg_app *app)
{
	struct rte_mbuf *pkts[SLOW_BURST];
	unsigned int w, i, n, total = 0;

	for (w = 0; w < app->n_workers; w++) {
		struct gg_worker *wk = app->workers[w];

		n = rte_ring_sc_dequeue_burst(gg_worker_to_control(wk),
				(void **)pkts, SLOW_BURST, NULL);
		for (i = 0; i < n; i++) {
			bool is_static;
			uint16_t in_port = pkts[i]->port;
			struct gg_port *p = port_of(app, in_port, &is_static);

			if (gg_slowpath_handle(pkts[i], p, is_static,
					&app->control_ctr) == GG_SLOW_REPLY)
				gg_worker_send(wk, pkts[i], in_port, &app->control_ctr);
			else
				rte_pktmbuf_free(pkts[i]);
		}
		total += n;
	}
	return total;
}

static void
ask_next_hops(struct gg_app *app)
{
	struct gg_port *ports[2] = { &app->dp.n3, &app->dp.n6 };
	struct rte_ether_addr mac;
	struct rte_mbuf *m;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		if (ports[i]->next_hop == 0 || gg_port_next_hop_mac(ports[i], &mac))
			continue;
		m = gg_slowpath_arp_request(app->pool, ports[i]);
		if (m == NULL)
			continue;
		if (gg_worker_send(app->workers[0], m, ports[i]->port_id,
				&app->control_ctr) == 0)
			app->control_ctr.ev[GG_EV_arp_request_sent]++;
	}
}

static uint64_t
rx_total(const struct gg_app *app)
{
	uint64_t sum = 0;
	unsigned int w;

	for (w = 0; w < app->n_workers; w++) {
		const struct gg_counters *c = gg_worker_counters(app->workers[w]);

		sum += __atomic_load_n(&c->ev[GG_EV_rx_n3], __ATOMIC_RELAXED) +
			__atomic_load_n(&c->ev[GG_EV_rx_n6], __ATOMIC_RELAXED);
	}
	return sum;
}

void
gg_control_loop(struct gg_app *app)
{
	const uint64_t hz = rte_get_tsc_hz();
	unsigned int idle_rounds = 0;
	uint64_t now = rte_rdtsc();
	uint64_t stats_every = app->cfg.stats_interval * hz;
	uint64_t next_stats = now + stats_every;
	uint64_t next_arp = now;
	uint64_t next_idle_check = now;
	uint64_t last_rx = 0, last_rx_tsc = now;
	uint64_t duration = (uint64_t)(app->opts.duration * hz);
	uint64_t idle = (uint64_t)(app->opts.idle_exit * hz);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	while (!stop_requested) {
		unsigned int served = serve_slow_path(app);

		served += gg_limited_serve_snoop(app);
		/* Timers are due at ms granularity: a 1 ms wait delays
		 * none of them by more than their own resolution. */
		served += gg_evloop_run_once(app->loop,
				idle_rounds >= IDLE_SPIN_ROUNDS ? IDLE_WAIT_MS : 0);
		gg_admin_serve(app);

		now = rte_rdtsc();
		if (now >= next_arp) {
			ask_next_hops(app);
			next_arp = now + hz;
		}
		if (stats_every != 0 && now >= next_stats) {
			gg_stats_print_periodic(app, (double)app->cfg.stats_interval);
			next_stats = now + stats_every;
		}
		if (duration != 0 && now - app->start_tsc >= duration) {
			LOG(INFO, "stopping: --duration reached\n");
			break;
		}
		if (idle != 0 && now >= next_idle_check) {
			uint64_t rx = rx_total(app);

			if (rx != last_rx || served != 0) {
				last_rx = rx;
				last_rx_tsc = now;
			} else if (now - last_rx_tsc >= idle) {
				LOG(INFO, "stopping: no packet for %.3f s (--idle-exit)\n",
						app->opts.idle_exit);
				break;
			}
			next_idle_check = now + hz / 100;
		}
		idle_rounds = served == 0 ? idle_rounds + 1 : 0;
	}
	if (stop_requested)
		LOG(INFO, "stopping: signal received\n");
	/* Answer what is still queued before the workers stop. */
	serve_slow_path(app);
	gg_limited_serve_snoop(app);
}
