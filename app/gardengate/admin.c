/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Run-time administration through rte_telemetry, carried out by the
 * control lcore (the only writer of the garden and the session tables):
 *
 *   /gardengate/garden                     the garden: prefix rules and names
 *   /gardengate/garden_add,<rule or name>  e.g. "203.0.113.0/24 tcp 443" or
 *                                          "cdn.example" (tcp 80,443) or
 *                                          "vpn.example udp 51820 tcp 443"
 *   /gardengate/garden_del,<rule or name>
 *   /gardengate/session_state,<teid>,<full|limited|blocked>
 *   /gardengate/session_del,<teid>          a session of the file (not
 *                                          one the AuSF made)
 *   /gardengate/reload                     re-read the file (reload.c)
 *
 * The telemetry thread queues a request on a ring and waits (up to
 * ADMIN_WAIT_MS) for the control lcore to run it between two rounds of its
 * loop. A request is reference-counted by both sides, so a caller that gave
 * up waiting never leaves the control lcore writing into freed memory. The
 * callbacks hold the application through gg_telemetry_enter(), so the ring
 * is never freed under them at shutdown.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_telemetry.h>

#include "gg_garden.h"
#include "gg_session.h"
#include "gardengate.h"

#define ADMIN_WAIT_MS 2000
#define ADMIN_OUT_MAX 16384
#define ADMIN_LIST_MAX 256   /* rules or names shown by /gardengate/garden */

enum admin_op { OP_LIST, OP_ADD, OP_DEL, OP_STATE, OP_SESSION_DEL, OP_RELOAD };

struct admin_req {
	enum admin_op op;
	char arg[512];
	int result;            /* 0 or -errno, set by the control lcore */
	char out[ADMIN_OUT_MAX]; /* OP_LIST: lines; others: a message */
	uint32_t done;         /* set (release) once result and out are final */
	uint32_t refs;         /* 2 while both sides hold it */
};

static struct rte_ring *admin_ring;

static void
req_put(struct admin_req *r)
{
	if (__atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(r);
}

int
gg_admin_init(void)
{
	admin_ring = rte_ring_create("gg_admin", 64, SOCKET_ID_ANY,
			RING_F_SC_DEQ);
	return admin_ring != NULL ? 0 : -1;
}

void
gg_admin_free(void)
{
	struct admin_req *r;

	while (admin_ring != NULL && rte_ring_dequeue(admin_ring, (void **)&r) == 0) {
		r->result = -ECANCELED;
		__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
		req_put(r);
	}
	rte_ring_free(admin_ring);
	admin_ring = NULL;
}

/*
 * A rule when the text starts like an address (so a mistyped rule is an
 * error, not a new name), else a name rule with the protocols and ports
 * its learned addresses open (default GG_GARDEN_NAME_DEFAULT_SCOPE).
 */
static int
garden_change(struct gg_app *app, struct admin_req *r)
{
	struct gg_garden *g = app->dp.limited.garden;
	char name[GG_GARDEN_NAME_MAX + 2];
	struct gg_garden_scope scope;
	struct gg_garden_rule rule;
	int add = r->op == OP_ADD;
	size_t digits = strspn(r->arg, "0123456789");

	if (digits > 0 && r->arg[digits] == '.' &&
			strspn(r->arg, "0123456789./") == strcspn(r->arg, " ")) {
		if (gg_garden_parse_rule(r->arg, &rule, r->out, sizeof(r->out)) != 0)
			return -EINVAL;
		if (add)
			return gg_garden_add_prefix(g, rule.ipv4_be, rule.depth,
					rule.proto, rule.port_lo, rule.port_hi);
		return gg_garden_del_prefix(g, rule.ipv4_be, rule.depth,
				rule.proto, rule.port_lo, rule.port_hi);
	}
	/* A name rule, read as garden.names reads it: "NAME [PROTO [PORTS]]...". */
	if (gg_garden_parse_name_rule(r->arg, name, &scope, r->out,
			sizeof(r->out)) != 0)
		return -EINVAL;
	if (add)
		return gg_garden_add_name_scoped(g, name, &scope);
	/* A name goes with its rule, whatever protocols the text names. */
	return gg_garden_del_name(g, name);
}

struct list_ctx {
	char *out;
	size_t len;
	unsigned int rules, names;
};

static int
list_entry(const struct gg_garden_entry *e, void *arg)
{
	struct list_ctx *c = arg;
	char text[300];

	if (e->type == GG_GARDEN_ENTRY_RULE && c->rules++ < ADMIN_LIST_MAX) {
		text[0] = 'R';
		gg_garden_format_rule(&e->rule, text + 1, sizeof(text) - 1);
	} else if (e->type == GG_GARDEN_ENTRY_NAME && c->names++ < ADMIN_LIST_MAX) {
		text[0] = 'N';
		gg_garden_format_name_rule(e->name, &e->name_scope, text + 1,
				sizeof(text) - 1);
	} else {
		return 0;
	}
	if (c->len + strlen(text) + 2 < ADMIN_OUT_MAX)
		c->len += snprintf(c->out + c->len, ADMIN_OUT_MAX - c->len, "%s\n", text);
	return 0;
}

static int
session_state(struct gg_app *app, struct admin_req *r)
{
	char text[sizeof(r->arg)];
	char *comma, *end;
	unsigned long teid;
	int st;

	memcpy(text, r->arg, sizeof(text));
	comma = strchr(text, ',');
	if (comma == NULL)
		return -EINVAL;
	*comma = '\0';
	teid = strtoul(text, &end, 0);
	st = gg_session_state_parse(comma + 1);
	if (*end != '\0' || teid == 0 || teid > UINT32_MAX || st < 0)
		return -EINVAL;
	return gg_session_set_state(app->dp.sessions, (uint32_t)teid, st);
}

/* A session of the file's sessions.static. */
static bool
session_is_static(const struct gg_app *app, uint32_t teid)
{
	unsigned int i;

	for (i = 0; i < app->cfg.n_sessions; i++)
		if (app->cfg.sessions[i].ul_teid == teid)
			return true;
	return false;
}

/*
 * Delete a session and what the garden learned for it (as the AuSF's
 * detach does). Only a session of the file, or any session when there is
 * no AuSF: the AuSF's sessions belong to a context and a UE address it
 * holds, which a deletion behind its back would leave pointing at nothing
 * (their devices detach through the SBI; "blocked" stops their traffic at
 * once). The detail fits the telemetry's strings (128 octets).
 */
static int
session_delete(struct gg_app *app, struct admin_req *r)
{
	const struct gg_session *s;
	unsigned long teid;
	char *end;

	teid = strtoul(r->arg, &end, 0);
	if (*end != '\0' || teid == 0 || teid > UINT32_MAX)
		return -EINVAL;
	s = gg_session_find(app->dp.sessions, (uint32_t)teid);
	if (s == NULL)
		return -ENOENT;
	if (app->ausf != NULL && !session_is_static(app, (uint32_t)teid)) {
		snprintf(r->out, sizeof(r->out), "an AuSF session: its device "
				"detaches through the SBI (set-state blocked stops it now)");
		return -EPERM;
	}
	gg_garden_forget(app->dp.limited.garden, s->id);
	return gg_session_del(app->dp.sessions, (uint32_t)teid);
}

void
gg_admin_serve(struct gg_app *app)
{
	struct admin_req *r;

	gg_reload_poll(app); /* a SIGHUP's reload, and old policies' reaping */
	while (rte_ring_sc_dequeue(admin_ring, (void **)&r) == 0) {
		struct list_ctx lc = { .out = r->out };

		switch (r->op) {
		case OP_LIST:
			r->result = gg_garden_walk(app->dp.limited.garden,
					GG_GARDEN_ENTRY_RULE | GG_GARDEN_ENTRY_NAME,
					list_entry, &lc);
			break;
		case OP_ADD:
		case OP_DEL:
			r->result = garden_change(app, r);
			break;
		case OP_STATE:
			r->result = session_state(app, r);
			break;
		case OP_SESSION_DEL:
			r->result = session_delete(app, r);
			break;
		case OP_RELOAD:
			r->result = gg_reload_run(app, r->out, sizeof(r->out));
			break;
		}
		__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
		req_put(r);
	}
}

/*
 * Queue @p r and wait for it; returns the result, -EBUSY or -ETIMEDOUT.
 * The caller drops its reference with req_put() in every case.
 */
static int
submit(struct admin_req *r)
{
	uint64_t deadline = rte_get_timer_cycles() +
			rte_get_timer_hz() * ADMIN_WAIT_MS / 1000;

	r->refs = 2;
	if (admin_ring == NULL || rte_ring_mp_enqueue(admin_ring, r) != 0) {
		r->refs = 1; /* the control lcore never saw it */
		return -EBUSY;
	}
	while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
		if (rte_get_timer_cycles() > deadline)
			return -ETIMEDOUT; /* our reference is dropped by the caller */
		rte_delay_us_sleep(200);
	}
	return r->result;
}

static struct admin_req *
new_req(enum admin_op op, const char *params)
{
	struct admin_req *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->op = op;
	if (params != NULL)
		snprintf(r->arg, sizeof(r->arg), "%s", params);
	return r;
}

static int
reply_result(struct rte_tel_data *d, struct admin_req *r, int ret)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "request", r->arg);
	rte_tel_data_add_dict_string(d, "result", ret == 0 ? "ok" : strerror(-ret));
	if (ret != 0 && r->out[0] != '\0' && __atomic_load_n(&r->done, __ATOMIC_ACQUIRE))
		rte_tel_data_add_dict_string(d, "detail", r->out);
	req_put(r);
	return 0;
}

static int
cmd_change(const char *cmd, const char *params, struct rte_tel_data *d)
{
	enum admin_op op = strcmp(cmd, "/gardengate/garden_add") == 0 ? OP_ADD :
			strcmp(cmd, "/gardengate/garden_del") == 0 ? OP_DEL :
			strcmp(cmd, "/gardengate/session_del") == 0 ? OP_SESSION_DEL :
			OP_STATE;
	struct admin_req *r;

	if (params == NULL || *params == '\0')
		return -EINVAL;
	if (gg_telemetry_enter() == NULL)
		return -EAGAIN;
	r = new_req(op, params);
	if (r == NULL)
		return gg_telemetry_leave(-ENOMEM);
	return gg_telemetry_leave(reply_result(d, r, submit(r)));
}

static int
cmd_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *rules, *names;
	struct admin_req *r;
	char *line, *save;
	int ret;

	if (gg_telemetry_enter() == NULL)
		return -EAGAIN;
	r = new_req(OP_LIST, NULL);
	if (r == NULL)
		return gg_telemetry_leave(-ENOMEM);
	ret = submit(r);
	if (ret != 0) {
		req_put(r);
		return gg_telemetry_leave(ret);
	}
	rules = rte_tel_data_alloc();
	names = rte_tel_data_alloc();
	if (rules == NULL || names == NULL) {
		rte_tel_data_free(rules);
		rte_tel_data_free(names);
		req_put(r);
		return gg_telemetry_leave(-ENOMEM);
	}
	rte_tel_data_start_array(rules, RTE_TEL_STRING_VAL);
	rte_tel_data_start_array(names, RTE_TEL_STRING_VAL);
	for (line = strtok_r(r->out, "\n", &save); line != NULL;
			line = strtok_r(NULL, "\n", &save))
		rte_tel_data_add_array_string(line[0] == 'R' ? rules : names, line + 1);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_container(d, "prefixes", rules, 0);
	rte_tel_data_add_dict_container(d, "names", names, 0);
	req_put(r);
	return gg_telemetry_leave(0);
}

/*
 * /gardengate/reload: {"result": "ok" | "partial" (some settings refused,
 * the rest applied) | an error, "changed": [...], "refused": [...],
 * "errors": [...]}. Every answer is a dictionary, so that gg-ctl can tell
 * a refusal from a gardengate that is not there.
 */
static int
cmd_reload(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *lists[3];
	static const char *const names[3] = { "changed", "refused", "errors" };
	struct admin_req *r;
	char *line, *save;
	unsigned int i;
	int ret;

	RTE_SET_USED(cmd);
	if (params != NULL && *params != '\0')
		return -EINVAL;
	if (gg_telemetry_enter() == NULL)
		return -EAGAIN;
	r = new_req(OP_RELOAD, NULL);
	if (r == NULL)
		return gg_telemetry_leave(-ENOMEM);
	ret = submit(r);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "result", ret == 0 ? "ok" : ret == 1 ?
			"partial" : ret == -EINVAL ? "file not loaded, nothing changed" :
			strerror(-ret));
	if (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
		req_put(r);
		return gg_telemetry_leave(0);
	}
	for (i = 0; i < 3; i++) {
		lists[i] = rte_tel_data_alloc();
		if (lists[i] == NULL) {
			while (i-- > 0)
				rte_tel_data_free(lists[i]);
			req_put(r);
			return gg_telemetry_leave(-ENOMEM);
		}
		rte_tel_data_start_array(lists[i], RTE_TEL_STRING_VAL);
	}
	for (line = strtok_r(r->out, "\n", &save); line != NULL;
			line = strtok_r(NULL, "\n", &save))
		rte_tel_data_add_array_string(lists[line[0] == 'C' ? 0 :
				line[0] == 'R' ? 1 : 2], line + 2);
	for (i = 0; i < 3; i++)
		rte_tel_data_add_dict_container(d, names[i], lists[i], 0);
	req_put(r);
	return gg_telemetry_leave(0);
}

void
gg_admin_register(void)
{
	rte_telemetry_register_cmd("/gardengate/garden", cmd_list,
			"Walled-garden prefix rules and names");
	rte_telemetry_register_cmd("/gardengate/garden_add", cmd_change,
			"Add a garden rule (\"a.b.c.d/len [proto [ports]]\") or name rule (\"name [proto [ports]]...\")");
	rte_telemetry_register_cmd("/gardengate/garden_del", cmd_change,
			"Remove a garden rule or name");
	rte_telemetry_register_cmd("/gardengate/session_state", cmd_change,
			"Set a session's state. Parameters: TEID,full|limited|blocked");
	rte_telemetry_register_cmd("/gardengate/session_del", cmd_change,
			"Delete a session of the file (not the AuSF's). Parameters: TEID");
	rte_telemetry_register_cmd("/gardengate/reload", cmd_reload,
			"Re-read the configuration file, apply what can change live");
}
