/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_telemetry commands, readable with dpdk-telemetry.py:
 *   /gardengate/info             version, workers, sessions and capacity
 *   /gardengate/stats            every counter and drop reason, totals
 *   /gardengate/workers          per-worker RX/TX/drops
 *   /gardengate/session,<teid>   one session (TEID decimal or 0x hex)
 *   /gardengate/sessions,<cursor>[,<state>]
 *                                a page of the sessions (all, or those in
 *                                one state) from a cursor (0 to begin),
 *                                and the cursor of the next page
 *   /gardengate/ausf             the AuSF's outcomes, its SBI server's,
 *                                certificate fetcher's and store's counters
 *
 * Callbacks run on the telemetry thread. They see the application only
 * between gg_telemetry_publish() (after set-up) and gg_telemetry_withdraw()
 * (before teardown, which waits for callbacks in flight). They read
 * counters (safe from any thread) and look sessions up in the lock-free tables; the telemetry
 * thread is not an RCU reader, so a session deleted at that very moment may
 * show the values of its slot's next owner: the slots themselves are never
 * freed while gardengate runs, so this is a stale read, never a bad one.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include <rte_pause.h>
#include <rte_telemetry.h>

#include "gg_ausf.h"
#include "gg_fetch.h"
#include "gg_sbi.h"
#include "gg_session.h"
#include "gg_store.h"
#include "gardengate.h"

static struct gg_app *tel_app;  /* published app, or NULL */
static uint32_t tel_busy;       /* callbacks running now */

/*
 * Sequentially consistent on both sides (Dekker style): either withdraw()
 * sees the callback's increment and waits, or the callback sees NULL.
 */
struct gg_app *
gg_telemetry_enter(void)
{
	struct gg_app *app;

	__atomic_add_fetch(&tel_busy, 1, __ATOMIC_SEQ_CST);
	app = __atomic_load_n(&tel_app, __ATOMIC_SEQ_CST);
	if (app == NULL)
		__atomic_sub_fetch(&tel_busy, 1, __ATOMIC_SEQ_CST);
	return app;
}

int
gg_telemetry_leave(int ret)
{
	__atomic_sub_fetch(&tel_busy, 1, __ATOMIC_SEQ_CST);
	return ret;
}

void
gg_telemetry_publish(struct gg_app *app)
{
	__atomic_store_n(&tel_app, app, __ATOMIC_SEQ_CST);
}

void
gg_telemetry_withdraw(void)
{
	__atomic_store_n(&tel_app, NULL, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&tel_busy, __ATOMIC_SEQ_CST) != 0)
		rte_pause();
}

static int
cmd_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct gg_app *gg_app = gg_telemetry_enter();

	if (gg_app == NULL)
		return -EAGAIN;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", GG_VERSION);
	rte_tel_data_add_dict_int(d, "workers", (int)gg_app->n_workers);
	rte_tel_data_add_dict_u64(d, "sessions", gg_session_count(gg_app->dp.sessions));
	rte_tel_data_add_dict_u64(d, "session_capacity", gg_app->cfg.session_capacity);
	return gg_telemetry_leave(0);
}

static int
cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct gg_app *gg_app = gg_telemetry_enter();
	struct gg_counters tot;
	unsigned int i;

	if (gg_app == NULL)
		return -EAGAIN;
	gg_stats_totals(gg_app, &tot);
	rte_tel_data_start_dict(d);
	for (i = 0; i < GG_EV_MAX; i++)
		rte_tel_data_add_dict_u64(d, gg_event_name(i), tot.ev[i]);
	for (i = 1; i < GG_DROP_MAX; i++) {
		char name[64];

		snprintf(name, sizeof(name), "drop_%s", gg_drop_name(i));
		rte_tel_data_add_dict_u64(d, name, tot.drop[i]);
	}
	rte_tel_data_add_dict_u64(d, "drops_total", gg_counters_drops(&tot));
	return gg_telemetry_leave(0);
}

static int
cmd_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct gg_app *gg_app = gg_telemetry_enter();
	unsigned int i;

	if (gg_app == NULL)
		return -EAGAIN;
	rte_tel_data_start_dict(d);
	for (i = 0; i < gg_app->n_workers; i++) {
		const struct gg_counters *c = gg_worker_counters(gg_app->workers[i]);
		struct rte_tel_data *w = rte_tel_data_alloc();
		char name[32];

		if (w == NULL)
			return gg_telemetry_leave(-ENOMEM);
		rte_tel_data_start_dict(w);
		rte_tel_data_add_dict_int(w, "lcore", (int)gg_worker_lcore(gg_app->workers[i]));
		rte_tel_data_add_dict_u64(w, "rx_n3", c->ev[GG_EV_rx_n3]);
		rte_tel_data_add_dict_u64(w, "rx_n6", c->ev[GG_EV_rx_n6]);
		rte_tel_data_add_dict_u64(w, "tx_n3", c->ev[GG_EV_tx_n3]);
		rte_tel_data_add_dict_u64(w, "tx_n6", c->ev[GG_EV_tx_n6]);
		rte_tel_data_add_dict_u64(w, "drops", gg_counters_drops(c));
		snprintf(name, sizeof(name), "worker%u", i);
		rte_tel_data_add_dict_container(d, name, w, 0);
	}
	return gg_telemetry_leave(0);
}

static int
cmd_session(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct gg_session *s;
	struct gg_session_counters c;
	char ip[INET_ADDRSTRLEN];
	unsigned long teid;
	char *end;
	struct gg_app *gg_app;

	if (params == NULL || *params == '\0')
		return -EINVAL;
	teid = strtoul(params, &end, 0);
	if (*end != '\0' || teid == 0 || teid > UINT32_MAX)
		return -EINVAL;
	gg_app = gg_telemetry_enter();
	if (gg_app == NULL)
		return -EAGAIN;
	s = gg_session_find(gg_app->dp.sessions, (uint32_t)teid);
	if (s == NULL)
		return gg_telemetry_leave(-ENOENT);
	gg_session_counters_sum(gg_app->dp.sessions, s->id, &c);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "ul_teid", s->ul_teid);
	rte_tel_data_add_dict_u64(d, "dl_teid", s->dl_teid);
	inet_ntop(AF_INET, &s->ue_ipv4, ip, sizeof(ip));
	rte_tel_data_add_dict_string(d, "ue", ip);
	inet_ntop(AF_INET, &s->gnb_ipv4, ip, sizeof(ip));
	rte_tel_data_add_dict_string(d, "gnb", ip);
	rte_tel_data_add_dict_int(d, "qfi", (s->flags & GG_SESSION_F_QFI) ? s->qfi : -1);
	rte_tel_data_add_dict_string(d, "state", gg_session_state_name(gg_session_state(s)));
	rte_tel_data_add_dict_u64(d, "ul_pkts", c.ul_pkts);
	rte_tel_data_add_dict_u64(d, "ul_bytes", c.ul_bytes);
	rte_tel_data_add_dict_u64(d, "dl_pkts", c.dl_pkts);
	rte_tel_data_add_dict_u64(d, "dl_bytes", c.dl_bytes);
	return gg_telemetry_leave(0);
}

/*
 * A page of /gardengate/sessions. The answer must fit one telemetry
 * message (16 KiB; a line is at most 64 octets), and a page looks at no
 * more than SESSIONS_PAGE_SLOTS slots so that a sparse table answers
 * quickly: a page may be empty and still not be the last.
 */
#define SESSIONS_PAGE_MAX 128
#define SESSIONS_PAGE_SLOTS 65536

struct sessions_page {
	struct rte_tel_data *list;
	int state;            /* -1: any */
	unsigned int n;
};

static int
sessions_add(const struct gg_session *s, void *arg)
{
	struct sessions_page *p = arg;
	enum gg_session_state st = gg_session_state(s);
	char ue[INET_ADDRSTRLEN], gnb[INET_ADDRSTRLEN], line[96];

	if (p->state >= 0 && (int)st != p->state)
		return 0;
	inet_ntop(AF_INET, &s->ue_ipv4, ue, sizeof(ue));
	inet_ntop(AF_INET, &s->gnb_ipv4, gnb, sizeof(gnb));
	/* "UL-TEID UE GNB DL-TEID QFI STATE", QFI "-" when none. */
	if (s->flags & GG_SESSION_F_QFI)
		snprintf(line, sizeof(line), "0x%08x %s %s 0x%08x %u %s",
				s->ul_teid, ue, gnb, s->dl_teid, s->qfi,
				gg_session_state_name(st));
	else
		snprintf(line, sizeof(line), "0x%08x %s %s 0x%08x - %s",
				s->ul_teid, ue, gnb, s->dl_teid,
				gg_session_state_name(st));
	rte_tel_data_add_array_string(p->list, line);
	return ++p->n == SESSIONS_PAGE_MAX;
}

static int
cmd_sessions(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sessions_page page = { .state = -1 };
	unsigned long cursor;
	uint32_t cur, cap;
	struct gg_app *gg_app;
	char *end;

	RTE_SET_USED(cmd);
	if (params == NULL || *params < '0' || *params > '9')
		return -EINVAL;
	cursor = strtoul(params, &end, 10);
	if (*end == ',') {
		page.state = gg_session_state_parse(end + 1);
		if (page.state < 0)
			return -EINVAL;
	} else if (*end != '\0') {
		return -EINVAL;
	}
	if (cursor > UINT32_MAX)
		return -EINVAL;
	page.list = rte_tel_data_alloc();
	if (page.list == NULL)
		return -ENOMEM;
	rte_tel_data_start_array(page.list, RTE_TEL_STRING_VAL);
	gg_app = gg_telemetry_enter();
	if (gg_app == NULL) {
		rte_tel_data_free(page.list);
		return -EAGAIN;
	}
	cur = (uint32_t)cursor;
	cap = gg_session_capacity(gg_app->dp.sessions);
	gg_session_walk_slots(gg_app->dp.sessions, &cur, SESSIONS_PAGE_SLOTS,
			sessions_add, &page);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "next", cur);
	rte_tel_data_add_dict_int(d, "done", cur >= cap);
	rte_tel_data_add_dict_container(d, "sessions", page.list, 0);
	return gg_telemetry_leave(0);
}

/*
 * The control-plane counters are written by the control lcore alone
 * (aligned 64-bit words); reading them here sees each as it was a moment
 * ago, as for the data-plane counters.
 */
static int
cmd_ausf(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct gg_app *gg_app = gg_telemetry_enter();
	struct gg_ausf_stats as;
	struct gg_sbi_stats ss;
	struct gg_fetch_stats fs;
	struct gg_store_stats st;

	if (gg_app == NULL)
		return -EAGAIN;
	if (gg_app->ausf == NULL)
		return gg_telemetry_leave(-ENOTSUP);
	gg_ausf_get_stats(gg_app->ausf, &as);
	gg_sbi_server_stats(gg_app->sbi, &ss);
	gg_fetch_get_stats(gg_app->fetch, &fs);
	gg_store_get_stats(gg_app->store, &st);
	rte_tel_data_start_dict(d);
#define GG_TEL_U64(prefix, st_, n) rte_tel_data_add_dict_u64(d, prefix #n, st_.n);
#define GG_TEL_AUSF(n, h) GG_TEL_U64("ausf_", as, n)
#define GG_TEL_SBI(n, h) GG_TEL_U64("sbi_", ss, n)
#define GG_TEL_FETCH(n, h) GG_TEL_U64("fetch_", fs, n)
	GG_AUSF_STAT_LIST(GG_TEL_AUSF)
	GG_SBI_STAT_LIST(GG_TEL_SBI)
	GG_FETCH_STAT_LIST(GG_TEL_FETCH)
	GG_TEL_U64("store_", st, connects)
	GG_TEL_U64("store_", st, disconnects)
	GG_TEL_U64("store_", st, reconnect_attempts)
	GG_TEL_U64("store_", st, errors)
	GG_TEL_U64("store_", st, timeouts)
	GG_TEL_U64("store_", st, rejected_down)
	GG_TEL_U64("store_", st, events)
#undef GG_TEL_AUSF
#undef GG_TEL_SBI
#undef GG_TEL_FETCH
#undef GG_TEL_U64
	rte_tel_data_add_dict_int(d, "store_up", gg_store_is_up(gg_app->store));
	return gg_telemetry_leave(0);
}

void
gg_telemetry_init(void)
{
	rte_telemetry_register_cmd("/gardengate/info", cmd_info,
			"gardengate version, workers and session count");
	rte_telemetry_register_cmd("/gardengate/stats", cmd_stats,
			"All gardengate counters and drop reasons, summed over lcores");
	rte_telemetry_register_cmd("/gardengate/workers", cmd_workers,
			"Per-worker packet counts");
	rte_telemetry_register_cmd("/gardengate/ausf", cmd_ausf,
			"AuSF, SBI server, certificate fetcher and store counters");
	rte_telemetry_register_cmd("/gardengate/session", cmd_session,
			"One session by uplink TEID. Parameters: TEID, decimal or 0x hex");
	rte_telemetry_register_cmd("/gardengate/sessions", cmd_sessions,
			"A page of sessions. Parameters: cursor (0 to begin)[,state]; "
			"answers the next cursor and whether it was the last page");
}
