/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration section "sessions": the table's capacity and the static
 * sessions (tests and demos), with duplicate TEIDs and UE addresses found
 * in O(n log n) since the list may be as long as the table.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_log.h>

#include "gg_conf.h"
#include "conf_private.h"
#include "gg_session.h"

static int
conf_session_state(struct conf_ctx *c, const config_setting_t *s, void *base)
{
	struct gg_conf_session *sess = base;
	const char *str;
	int st;

	if (conf_get_string(c, s, &str) < 0)
		return -1;
	st = gg_session_state_parse(str);
	if (st < 0)
		return conf_err(c, s, "unknown state '%s' (full, limited or blocked)",
			str);
	sess->state = (uint8_t)st;
	return 0;
}

/* TEID 0 is reserved (signalling), never ours: ul_teid starts at 1. */
static const struct conf_field conf_session_fields[] = {
	CONF_IP("ue", struct gg_conf_session, ue_ipv4, CONF_REQUIRED),
	CONF_U("ul_teid", struct gg_conf_session, ul_teid, 1, UINT32_MAX, CONF_REQUIRED),
	CONF_IP("gnb", struct gg_conf_session, gnb_ipv4, CONF_REQUIRED),
	CONF_U("dl_teid", struct gg_conf_session, dl_teid, 0, UINT32_MAX, CONF_REQUIRED),
	CONF_U("qfi", struct gg_conf_session, qfi, 0, CONF_QFI_MAX),
	CONF_FN("state", conf_session_state),
};

static int
conf_parse_session(struct conf_ctx *c, const config_setting_t *g,
		struct gg_conf_session *sess)
{
	sess->state = GG_SESSION_FULL;
	if (conf_parse_fields(c, g, conf_session_fields,
			RTE_DIM(conf_session_fields), sess) < 0)
		return -1;
	sess->qfi_set = config_setting_get_member(g, "qfi") != NULL;
	return 0;
}

struct conf_key {
	uint32_t key;
	uint32_t idx;
};

static int
conf_key_cmp(const void *a, const void *b)
{
	const struct conf_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Index of the first session (in file order) that repeats an earlier
 * one's key, and that earlier one. Sorting keeps this O(n log n): the
 * static list may be as long as the table.
 */
static bool
conf_find_dup(struct conf_key *keys, unsigned int n, unsigned int *dup,
		unsigned int *first)
{
	bool found = false;
	unsigned int i, run = 0;

	qsort(keys, n, sizeof(keys[0]), conf_key_cmp);
	for (i = 1; i < n; i++) {
		if (keys[i].key != keys[i - 1].key) {
			run = i;
			continue;
		}
		if (!found || keys[i].idx < *dup) {
			*dup = keys[i].idx;
			*first = keys[run].idx;
			found = true;
		}
	}
	return found;
}

static int
conf_check_duplicates(struct conf_ctx *c, const config_setting_t *list)
{
	const struct gg_config *cfg = c->cfg;
	const config_setting_t *e;
	struct conf_key *keys;
	unsigned int i, dup = 0, first = 0;
	char ip[INET_ADDRSTRLEN];

	if (cfg->n_sessions < 2)
		return 0;
	keys = malloc(cfg->n_sessions * sizeof(*keys));
	if (keys == NULL)
		return conf_err(c, list, "out of memory");

	for (i = 0; i < cfg->n_sessions; i++) {
		keys[i].key = cfg->sessions[i].ul_teid;
		keys[i].idx = i;
	}
	if (conf_find_dup(keys, cfg->n_sessions, &dup, &first)) {
		free(keys);
		e = config_setting_get_elem(list, dup);
		return conf_err(c, config_setting_get_member(e, "ul_teid"),
			"duplicate ul_teid 0x%08" PRIx32
			", already used by sessions.static.[%u]",
			cfg->sessions[dup].ul_teid, first);
	}

	for (i = 0; i < cfg->n_sessions; i++) {
		keys[i].key = cfg->sessions[i].ue_ipv4;
		keys[i].idx = i;
	}
	if (conf_find_dup(keys, cfg->n_sessions, &dup, &first)) {
		free(keys);
		e = config_setting_get_elem(list, dup);
		inet_ntop(AF_INET, &cfg->sessions[dup].ue_ipv4, ip, sizeof(ip));
		return conf_err(c, config_setting_get_member(e, "ue"),
			"duplicate ue %s, already used by sessions.static.[%u]",
			ip, first);
	}
	free(keys);
	return 0;
}

static int
conf_parse_static(struct conf_ctx *c, const config_setting_t *list)
{
	struct gg_config *cfg = c->cfg;
	int n, i;

	/* libconfig cannot tell "()" from "[]"; an empty array is fine. */
	if (!config_setting_is_list(list) &&
			!(config_setting_is_array(list) &&
			config_setting_length(list) == 0))
		return conf_err(c, list, "expected a list of groups ( { ... }, ... )");

	n = config_setting_length(list);
	if ((unsigned int)n > cfg->session_capacity)
		return conf_err(c, list,
			"%d static sessions exceed sessions.capacity (%" PRIu32 ")",
			n, cfg->session_capacity);
	if (n == 0)
		return 0;

	cfg->sessions = calloc(n, sizeof(cfg->sessions[0]));
	if (cfg->sessions == NULL)
		return conf_err(c, list, "out of memory for %d sessions", n);
	cfg->n_sessions = n;

	for (i = 0; i < n; i++)
		if (conf_parse_session(c, config_setting_get_elem(list, i),
				&cfg->sessions[i]) < 0)
			return -1;

	return conf_check_duplicates(c, list);
}

/* "static" is read after the walk: its check needs capacity, wherever it is. */
static const char *const conf_ul_multicast[] = { "drop", "forward", NULL };

static const struct conf_field conf_sessions_fields[] = {
	CONF_U("capacity", struct gg_config, session_capacity, 1, CONF_CAPACITY_MAX),
	CONF_ONE_OF("ul_multicast", struct gg_config, ul_multicast,
		conf_ul_multicast, "drop or forward"),
	CONF_DEFERRED("static"),
};

int
conf_parse_sessions(struct conf_ctx *c, const config_setting_t *g, void *base)
{
	const config_setting_t *list;

	if (conf_parse_fields(c, g, conf_sessions_fields,
			RTE_DIM(conf_sessions_fields), base) < 0)
		return -1;
	list = config_setting_get_member(g, "static");
	return list != NULL ? conf_parse_static(c, list) : 0;
}
