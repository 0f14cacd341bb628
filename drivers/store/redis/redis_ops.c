/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The redis store driver's operations: the device record as a hash (one
 * field table for both directions), the Lua scripts that make a put or a
 * delete atomic, list_all's pipelined walk, profiles, and the driver's
 * registration under the name "redis".
 *
 * Scripts go with EVAL every time, not EVALSHA: about 1 KiB more per put
 * or delete, which Redis hashes and finds in its script cache; at the
 * control plane's rates that is noise, and it cannot fail with NOSCRIPT
 * after a SCRIPT FLUSH or a failover. The scripts touch keys they compute
 * (the old UE IP index entry), which a standalone or Sentinel deployment
 * allows and Redis Cluster would not.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gg_evloop.h"
#include "redis_private.h"

/* Pipelined HGETALLs in flight during list_all: enough to hide the round
 * trip, few enough to keep hiredis's buffers and our FIFO small. */
#define LIST_WINDOW 128

/*
 * put. KEYS: device hash, devices set, [new UE IP index entry].
 * ARGV: prefix, identity, new ue_ipv4, new state, event JSON, channel,
 * then field/value pairs. Drops the old index entry if it still names this
 * device and the address changed, replaces the hash, publishes only when
 * the state changed (or the device is new).
 */
static const char put_script[] =
	"local old = redis.call('HMGET', KEYS[1], 'state', 'ue_ipv4')\n"
	"if old[2] and old[2] ~= ARGV[3] then\n"
	"  local k = ARGV[1] .. 'ueip:' .. old[2]\n"
	"  if redis.call('GET', k) == ARGV[2] then redis.call('DEL', k) end\n"
	"end\n"
	"redis.call('DEL', KEYS[1])\n"
	"redis.call('HSET', KEYS[1], unpack(ARGV, 7))\n"
	"redis.call('SADD', KEYS[2], ARGV[2])\n"
	"if KEYS[3] then redis.call('SET', KEYS[3], ARGV[2]) end\n"
	"if old[1] ~= ARGV[4] then\n"
	"  redis.call('PUBLISH', ARGV[6], ARGV[5])\n"
	"  return 1\n"
	"end\n"
	"return 0\n";

/*
 * del. KEYS: device hash, devices set, profile. ARGV: prefix, identity,
 * channel, ts_ms. Returns 0 when there was no record (nothing published).
 * The event is built here because only the script knows the address.
 */
static const char del_script[] =
	"redis.call('SREM', KEYS[2], ARGV[2])\n"
	"redis.call('DEL', KEYS[3])\n"
	"if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n"
	"local ip = redis.call('HGET', KEYS[1], 'ue_ipv4') or '0.0.0.0'\n"
	"local k = ARGV[1] .. 'ueip:' .. ip\n"
	"if redis.call('GET', k) == ARGV[2] then redis.call('DEL', k) end\n"
	"redis.call('DEL', KEYS[1])\n"
	"redis.call('PUBLISH', ARGV[3], '{\"identity\":' .. cjson.encode(ARGV[2])"
	" .. ',\"state\":\"detached\",\"ue_ipv4\":' .. cjson.encode(ip)"
	" .. ',\"ts_ms\":' .. ARGV[4] .. '}')\n"
	"return 1\n";

/*
 * provision. KEYS: device hash, subscription hash, profile. ARGV: supi,
 * updated_ms, channel, profile, then the subscription's field/value
 * pairs. Checks first, writes after: 0 no record, -1 the record is not
 * "limited", -2 the SUPI has a subscription already (nothing written in
 * these cases); 1 when subscription, profile, record and event are done.
 */
static const char provision_script[] =
	"local st = redis.call('HGET', KEYS[1], 'state')\n"
	"if not st then return 0 end\n"
	"if st ~= 'limited' then return -1 end\n"
	"if redis.call('EXISTS', KEYS[2]) == 1 then return -2 end\n"
	"redis.call('HSET', KEYS[2], unpack(ARGV, 5))\n"
	"redis.call('SET', KEYS[3], ARGV[4])\n"
	"redis.call('HSET', KEYS[1], 'state', 'provisioned', 'supi', ARGV[1],"
	" 'updated_ms', ARGV[2])\n"
	"local id = redis.call('HGET', KEYS[1], 'identity') or ''\n"
	"local ip = redis.call('HGET', KEYS[1], 'ue_ipv4') or '0.0.0.0'\n"
	"redis.call('PUBLISH', ARGV[3], '{\"identity\":' .. cjson.encode(id)"
	" .. ',\"state\":\"provisioned\",\"ue_ipv4\":' .. cjson.encode(ip)"
	" .. ',\"ts_ms\":' .. ARGV[2] .. '}')\n"
	"return 1\n";

/*
 * set_state_if. KEYS: device hash. ARGV: from, to, updated_ms, channel.
 * 0 no record, -1 not in state "from" (nothing written), 1 done and
 * announced.
 */
static const char set_state_script[] =
	"local st = redis.call('HGET', KEYS[1], 'state')\n"
	"if not st then return 0 end\n"
	"if st ~= ARGV[1] then return -1 end\n"
	"redis.call('HSET', KEYS[1], 'state', ARGV[2], 'updated_ms', ARGV[3])\n"
	"local id = redis.call('HGET', KEYS[1], 'identity') or ''\n"
	"local ip = redis.call('HGET', KEYS[1], 'ue_ipv4') or '0.0.0.0'\n"
	"redis.call('PUBLISH', ARGV[4], '{\"identity\":' .. cjson.encode(id)"
	" .. ',\"state\":' .. cjson.encode(ARGV[2]) .. ',\"ue_ipv4\":'"
	" .. cjson.encode(ip) .. ',\"ts_ms\":' .. ARGV[3] .. '}')\n"
	"return 1\n";

/* get_by_ueip. KEYS: index entry. ARGV: prefix. nil or the HGETALL. */
static const char ueip_script[] =
	"local id = redis.call('GET', KEYS[1])\n"
	"if not id then return false end\n"
	"return redis.call('HGETALL', ARGV[1] .. 'device:' .. id)\n";

enum ftype { F_STR, F_STATE, F_IPV4, F_U32, F_U64, F_QFI };

struct field {
	const char *name;
	enum ftype type;
	size_t off;
	size_t size;     /* F_STR: array size, NUL included */
};

#define FIELD(n, t) { #n, t, offsetof(struct gg_device_record, n), \
	sizeof(((struct gg_device_record *)0)->n) }

/* The hash fields, in the order written; the header documents them. */
static const struct field fields[] = {
	FIELD(identity, F_STR),
	FIELD(state, F_STATE),
	FIELD(cert_pem, F_STR),
	FIELD(cert_url, F_STR),
	FIELD(ue_ipv4, F_IPV4),
	FIELD(ul_teid, F_U32),
	FIELD(dl_teid, F_U32),
	FIELD(gnb_ipv4, F_IPV4),
	FIELD(qfi, F_QFI),
	FIELD(auth_ctx_id, F_STR),
	FIELD(auth_client, F_STR),
	FIELD(notify_uri, F_STR),
	FIELD(supi, F_STR),
	FIELD(created_ms, F_U64),
	FIELD(updated_ms, F_U64),
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* Every list_all in progress. */
struct rlist {
	struct gg_store_reply_to rt;
	char *block;                   /* the identities, NUL-separated */
	char **ids;
	size_t n_ids;
	size_t next_id;
	unsigned int in_flight;
	uint64_t n_records;
	enum gg_store_status st;       /* first failure, OK while none */
	struct gg_device_record rec;   /* scratch for the record callback */
};

/* Strict decimal: digits only, no sign, no overflow past @p max. */
static bool
parse_u64(const char *str, size_t len, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (len == 0 || len > 20)
		return false;
	for (i = 0; i < len; i++) {
		if (str[i] < '0' || str[i] > '9')
			return false;
		if (x > (max - (uint64_t)(str[i] - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(str[i] - '0');
	}
	*v = x;
	return true;
}

static bool
field_decode(const struct field *f, const char *str, size_t len,
		struct gg_device_record *rec)
{
	char *p = (char *)rec + f->off;
	char tmp[24];
	uint64_t v;
	uint32_t ip;

	switch (f->type) {
	case F_STR:
		if (len >= f->size || memchr(str, '\0', len) != NULL)
			return false;
		memcpy(p, str, len);
		p[len] = '\0';
		return true;
	case F_STATE:
	case F_IPV4:
		if (len >= sizeof(tmp))
			return false;
		memcpy(tmp, str, len);
		tmp[len] = '\0';
		if (f->type == F_STATE)
			return gg_device_state_parse(tmp,
					(enum gg_device_state *)p) == 0;
		if (gg_store_ipv4_parse(tmp, &ip) != 0)
			return false;
		memcpy(p, &ip, sizeof(ip));
		return true;
	case F_U32:
		if (!parse_u64(str, len, UINT32_MAX, &v))
			return false;
		*(uint32_t *)p = (uint32_t)v;
		return true;
	case F_U64:
		if (!parse_u64(str, len, UINT64_MAX, &v))
			return false;
		*(uint64_t *)p = v;
		return true;
	case F_QFI:
		if (!parse_u64(str, len, 63, &v))
			return false;
		rec->qfi = (uint8_t)v;
		rec->has_qfi = true;
		return true;
	}
	return false;
}

/* HGETALL reply -> record. Unknown fields are ignored (a newer writer may
 * add some); identity and state are required. */
static enum gg_store_status
record_decode(const redisReply *r, struct gg_device_record *rec)
{
	bool have_id = false, have_state = false;
	size_t i, j;

	if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0)
		return r->type == REDIS_REPLY_NIL ? GG_STORE_NOT_FOUND :
			GG_STORE_BAD_RECORD;
	if (r->elements == 0)
		return GG_STORE_NOT_FOUND;
	memset(rec, 0, sizeof(*rec));
	for (i = 0; i < r->elements; i += 2) {
		const redisReply *k = r->element[i], *v = r->element[i + 1];

		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			return GG_STORE_BAD_RECORD;
		for (j = 0; j < N_FIELDS; j++)
			if (strlen(fields[j].name) == k->len &&
					memcmp(fields[j].name, k->str, k->len) == 0)
				break;
		if (j == N_FIELDS)
			continue;
		if (!field_decode(&fields[j], v->str, v->len, rec))
			return GG_STORE_BAD_RECORD;
		have_id |= fields[j].off == offsetof(struct gg_device_record,
				identity);
		have_state |= fields[j].type == F_STATE;
	}
	if (!have_id || !have_state || !gg_store_identity_ok(rec->identity))
		return GG_STORE_BAD_RECORD;
	return GG_STORE_OK;
}

/* Room for the text of the numeric fields of one record. */
struct field_text {
	char buf[N_FIELDS][24];
};

/* Append the field/value pairs of @p rec (times overridden) to argv. */
static int
record_encode(const struct gg_device_record *rec, uint64_t created_ms,
		uint64_t updated_ms, struct field_text *t, const char **argv,
		size_t *lens)
{
	int n = 0;
	size_t i;

	for (i = 0; i < N_FIELDS; i++) {
		const struct field *f = &fields[i];
		const char *p = (const char *)rec + f->off;
		const char *val = t->buf[i];
		uint32_t u32;
		uint64_t u64;

		switch (f->type) {
		case F_STR:
			val = p;
			break;
		case F_STATE:
			val = gg_device_state_name(rec->state);
			break;
		case F_IPV4:
			memcpy(&u32, p, sizeof(u32));
			gg_store_ipv4_str(u32, t->buf[i]);
			break;
		case F_U32:
			memcpy(&u32, p, sizeof(u32));
			snprintf(t->buf[i], sizeof(t->buf[i]), "%u", u32);
			break;
		case F_U64:
			u64 = f->off == offsetof(struct gg_device_record,
					created_ms) ? created_ms : updated_ms;
			snprintf(t->buf[i], sizeof(t->buf[i]), "%llu",
					(unsigned long long)u64);
			break;
		case F_QFI:
			if (!rec->has_qfi)
				continue; /* absent field: no QFI */
			snprintf(t->buf[i], sizeof(t->buf[i]), "%u", rec->qfi);
			break;
		}
		argv[n] = f->name;
		lens[n++] = strlen(f->name);
		argv[n] = val;
		lens[n++] = strlen(val);
	}
	return n;
}

static struct rreq *
rreq_new(enum rreq_kind kind, const struct gg_store_reply_to *rt)
{
	struct rreq *rq = calloc(1, sizeof(*rq));

	if (rq == NULL)
		return NULL;
	rq->kind = kind;
	if (rt != NULL)
		rq->rt = *rt;
	return rq;
}

/* Send, or hand rq back on failure: the request function's return. */
static int
send_or_free(struct rstore *rs, struct rreq *rq, int argc, const char **argv,
		const size_t *lens)
{
	int ret = redis_conn_send(rs, rq, argc, argv, lens);

	if (ret != 0)
		free(rq);
	return ret;
}

static int
redis_put(struct gg_store *s, const struct gg_device_record *rec,
		uint64_t created_ms, uint64_t updated_ms, const char *event_json,
		const struct gg_store_reply_to *rt)
{
	struct rstore *rs = s->priv;
	char dev[GG_STORE_KEY_MAX], set[GG_STORE_KEY_MAX], idx[GG_STORE_KEY_MAX];
	const char *argv[16 + 2 * N_FIELDS];
	size_t lens[16 + 2 * N_FIELDS];
	struct field_text text;
	char ue[16];
	struct rreq *rq;
	int n = 0, i;

	gg_store_ipv4_str(rec->ue_ipv4, ue);
	gg_store_key(dev, sizeof(dev), s->prefix, GG_STORE_KEY_DEVICE,
			rec->identity);
	gg_store_key(set, sizeof(set), s->prefix, GG_STORE_KEY_DEVICES, NULL);
	gg_store_key(idx, sizeof(idx), s->prefix, GG_STORE_KEY_UEIP, ue);
	argv[n++] = "EVAL";
	argv[n++] = put_script;
	argv[n++] = rec->ue_ipv4 != 0 ? "3" : "2";
	argv[n++] = dev;
	argv[n++] = set;
	if (rec->ue_ipv4 != 0)
		argv[n++] = idx;
	argv[n++] = s->prefix;
	argv[n++] = rec->identity;
	argv[n++] = ue;
	argv[n++] = gg_device_state_name(rec->state);
	argv[n++] = event_json;
	argv[n++] = rs->events_key;
	for (i = 0; i < n; i++)
		lens[i] = strlen(argv[i]);
	n += record_encode(rec, created_ms, updated_ms, &text, argv + n,
			lens + n);
	rq = rreq_new(RQ_PUT, rt);
	if (rq == NULL)
		return -ENOMEM;
	return send_or_free(rs, rq, n, argv, lens);
}

static int
redis_get(struct gg_store *s, const char *identity,
		const struct gg_store_reply_to *rt)
{
	char dev[GG_STORE_KEY_MAX];
	const char *argv[2] = { "HGETALL", dev };
	struct rreq *rq;

	gg_store_key(dev, sizeof(dev), s->prefix, GG_STORE_KEY_DEVICE, identity);
	rq = rreq_new(RQ_GET, rt);
	if (rq == NULL)
		return -ENOMEM;
	return send_or_free(s->priv, rq, 2, argv, NULL);
}

static int
redis_get_by_ueip(struct gg_store *s, uint32_t ue_ipv4,
		const struct gg_store_reply_to *rt)
{
	char idx[GG_STORE_KEY_MAX], ue[16];
	const char *argv[5] = { "EVAL", ueip_script, "1", idx, s->prefix };
	struct rreq *rq;

	gg_store_key(idx, sizeof(idx), s->prefix, GG_STORE_KEY_UEIP,
			gg_store_ipv4_str(ue_ipv4, ue));
	rq = rreq_new(RQ_GET_UEIP, rt);
	if (rq == NULL)
		return -ENOMEM;
	rq->ue_ipv4 = ue_ipv4;
	return send_or_free(s->priv, rq, 5, argv, NULL);
}

static int
redis_del(struct gg_store *s, const char *identity, uint64_t now_ms,
		const struct gg_store_reply_to *rt)
{
	struct rstore *rs = s->priv;
	char dev[GG_STORE_KEY_MAX], set[GG_STORE_KEY_MAX], prof[GG_STORE_KEY_MAX];
	char ts[24];
	const char *argv[10] = { "EVAL", del_script, "3", dev, set, prof,
		s->prefix, identity, rs->events_key, ts };
	struct rreq *rq;

	gg_store_key(dev, sizeof(dev), s->prefix, GG_STORE_KEY_DEVICE, identity);
	gg_store_key(set, sizeof(set), s->prefix, GG_STORE_KEY_DEVICES, NULL);
	gg_store_key(prof, sizeof(prof), s->prefix, GG_STORE_KEY_PROFILE,
			identity);
	snprintf(ts, sizeof(ts), "%llu", (unsigned long long)now_ms);
	rq = rreq_new(RQ_DEL, rt);
	if (rq == NULL)
		return -ENOMEM;
	return send_or_free(rs, rq, 10, argv, NULL);
}

static int
redis_put_profile(struct gg_store *s, const char *identity, const void *data,
		size_t len, const struct gg_store_reply_to *rt)
{
	char key[GG_STORE_KEY_MAX];
	const char *argv[3] = { "SET", key, data != NULL ? data : "" };
	size_t lens[3];
	struct rreq *rq;

	lens[0] = 3;
	lens[1] = (size_t)gg_store_key(key, sizeof(key), s->prefix,
			GG_STORE_KEY_PROFILE, identity);
	lens[2] = len;
	rq = rreq_new(RQ_PUT_PROFILE, rt);
	if (rq == NULL)
		return -ENOMEM;
	return send_or_free(s->priv, rq, 3, argv, lens);
}

static int
redis_get_profile(struct gg_store *s, const char *identity,
		const struct gg_store_reply_to *rt)
{
	char key[GG_STORE_KEY_MAX];
	const char *argv[2] = { "GET", key };
	struct rreq *rq;

	gg_store_key(key, sizeof(key), s->prefix, GG_STORE_KEY_PROFILE,
			identity);
	rq = rreq_new(RQ_GET_PROFILE, rt);
	if (rq == NULL)
		return -ENOMEM;
	return send_or_free(s->priv, rq, 2, argv, NULL);
}

static int
redis_next_seq(struct gg_store *s, const char *name,
		const struct gg_store_reply_to *rt)
{
	char key[GG_STORE_KEY_MAX];
	const char *argv[2] = { "INCR", key };
	struct rreq *rq;

	gg_store_key(key, sizeof(key), s->prefix, GG_STORE_KEY_SEQ, name);
	rq = rreq_new(RQ_NEXT_SEQ, rt);
	if (rq == NULL)
		return -ENOMEM;
	return send_or_free(s->priv, rq, 2, argv, NULL);
}

static int
redis_provision(struct gg_store *s, const struct gg_subscription *sub,
		const void *profile, size_t len, uint64_t now_ms,
		const struct gg_store_reply_to *rt)
{
	struct rstore *rs = s->priv;
	char dev[GG_STORE_KEY_MAX], subk[GG_STORE_KEY_MAX], prof[GG_STORE_KEY_MAX];
	char now[24], created[24];
	const char *argv[] = { "EVAL", provision_script, "3", dev, subk, prof,
		sub->supi, now, rs->events_key, profile,
		"identity", sub->identity, "supi", sub->supi, "plan", sub->plan,
		"k", sub->k_hex, "opc", sub->opc_hex, "amf", sub->amf_hex,
		"created_ms", created };
	size_t lens[RTE_DIM(argv)];
	struct rreq *rq;
	size_t i;

	gg_store_key(dev, sizeof(dev), s->prefix, GG_STORE_KEY_DEVICE,
			sub->identity);
	gg_store_key(subk, sizeof(subk), s->prefix, GG_STORE_KEY_SUBSCRIPTION,
			sub->supi);
	gg_store_key(prof, sizeof(prof), s->prefix, GG_STORE_KEY_PROFILE,
			sub->identity);
	snprintf(now, sizeof(now), "%llu", (unsigned long long)now_ms);
	snprintf(created, sizeof(created), "%llu",
			(unsigned long long)sub->created_ms);
	for (i = 0; i < RTE_DIM(argv); i++)
		lens[i] = argv[i] == profile ? len : strlen(argv[i]);
	rq = rreq_new(RQ_PROVISION, rt);
	if (rq == NULL)
		return -ENOMEM;
	return send_or_free(rs, rq, (int)RTE_DIM(argv), argv, lens);
}

static int
redis_set_state_if(struct gg_store *s, const char *identity,
		enum gg_device_state from, enum gg_device_state to,
		uint64_t now_ms, const struct gg_store_reply_to *rt)
{
	struct rstore *rs = s->priv;
	char dev[GG_STORE_KEY_MAX], now[24];
	const char *argv[8] = { "EVAL", set_state_script, "1", dev,
		gg_device_state_name(from), gg_device_state_name(to), now,
		rs->events_key };
	struct rreq *rq;

	gg_store_key(dev, sizeof(dev), s->prefix, GG_STORE_KEY_DEVICE, identity);
	snprintf(now, sizeof(now), "%llu", (unsigned long long)now_ms);
	rq = rreq_new(RQ_SET_STATE, rt);
	if (rq == NULL)
		return -ENOMEM;
	return send_or_free(rs, rq, 8, argv, NULL);
}

static void
list_free(struct rlist *l)
{
	free(l->block);
	free(l->ids);
	free(l);
}

/* Keep up to LIST_WINDOW HGETALLs in flight; end once none is left. */
static void
list_pump(struct rstore *rs, struct rlist *l)
{
	struct gg_store *s = rs->s;
	char key[GG_STORE_KEY_MAX];
	const char *argv[2] = { "HGETALL", key };
	struct rreq *rq;

	if (s->closing && l->st == GG_STORE_OK)
		l->st = GG_STORE_CANCELLED;
	while (l->st == GG_STORE_OK && l->in_flight < LIST_WINDOW &&
			l->next_id < l->n_ids) {
		rq = rreq_new(RQ_LIST_ITEM, NULL);
		if (rq == NULL) {
			l->st = GG_STORE_NOMEM;
			break;
		}
		rq->list = l;
		gg_store_key(key, sizeof(key), s->prefix, GG_STORE_KEY_DEVICE,
				l->ids[l->next_id]);
		if (send_or_free(rs, rq, 2, argv, NULL) != 0) {
			l->st = GG_STORE_DOWN;
			break;
		}
		l->in_flight++;
		l->next_id++;
	}
	if (l->in_flight == 0 &&
			(l->st != GG_STORE_OK || l->next_id == l->n_ids)) {
		gg_store_complete(s, &l->rt, l->st, NULL, NULL, 0, l->n_records);
		list_free(l);
	}
}

/* Copy SMEMBERS' identities (the reply dies when the callback returns). */
static enum gg_store_status
list_load(struct rlist *l, const redisReply *r)
{
	size_t i, total = 0, at = 0;

	if (r->type != REDIS_REPLY_ARRAY)
		return GG_STORE_ERROR;
	for (i = 0; i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			total += r->element[i]->len + 1;
	l->block = malloc(total + 1);
	l->ids = malloc((r->elements + 1) * sizeof(*l->ids));
	if (l->block == NULL || l->ids == NULL)
		return GG_STORE_NOMEM;
	for (i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i];

		if (e->type != REDIS_REPLY_STRING)
			continue;
		memcpy(l->block + at, e->str, e->len);
		l->block[at + e->len] = '\0';
		/* A member that cannot be an identity is not ours: skip. */
		if (strlen(l->block + at) == e->len &&
				gg_store_identity_ok(l->block + at))
			l->ids[l->n_ids++] = l->block + at;
		at += e->len + 1;
	}
	return GG_STORE_OK;
}

static void
list_reply(struct rstore *rs, struct rreq *rq, const redisReply *r,
		enum gg_store_status fail)
{
	struct gg_store *s = rs->s;
	struct rlist *l = rq->list;
	bool ids_reply = rq->kind == RQ_LIST_IDS;
	enum gg_store_status st;

	if (!ids_reply)
		l->in_flight--;
	free(rq);
	if (l->st != GG_STORE_OK) {
		list_pump(rs, l);
		return;
	}
	if (r == NULL) {
		l->st = fail;
	} else if (r->type == REDIS_REPLY_ERROR) {
		gg_store_set_error(s, "%s", r->str);
		l->st = GG_STORE_ERROR;
	} else if (ids_reply) {
		l->st = list_load(l, r);
	} else {
		st = record_decode(r, &l->rec);
		/* Vanished or unreadable records are skipped, see the header. */
		if (st == GG_STORE_OK) {
			l->n_records++;
			l->rt.fn.record(s, GG_STORE_OK, &l->rec, l->rt.arg);
		}
	}
	list_pump(rs, l);
}

static int
redis_list_all(struct gg_store *s, const struct gg_store_reply_to *rt)
{
	char set[GG_STORE_KEY_MAX];
	const char *argv[2] = { "SMEMBERS", set };
	struct rlist *l;
	struct rreq *rq;
	int ret;

	l = calloc(1, sizeof(*l));
	rq = rreq_new(RQ_LIST_IDS, NULL);
	if (l == NULL || rq == NULL) {
		free(l);
		free(rq);
		return -ENOMEM;
	}
	l->rt = *rt;
	l->st = GG_STORE_OK;
	rq->list = l;
	gg_store_key(set, sizeof(set), s->prefix, GG_STORE_KEY_DEVICES, NULL);
	ret = send_or_free(s->priv, rq, 2, argv, NULL);
	if (ret != 0)
		free(l);
	return ret;
}

void
redis_ops_reply(struct rstore *rs, struct rreq *rq, const redisReply *r,
		enum gg_store_status fail)
{
	struct gg_store *s = rs->s;
	struct gg_device_record *rec = NULL;
	enum gg_store_status st = GG_STORE_ERROR;
	const void *data = NULL;
	size_t len = 0;
	uint64_t n = 0;

	if (rq->kind == RQ_LIST_IDS || rq->kind == RQ_LIST_ITEM) {
		list_reply(rs, rq, r, fail);
		return;
	}
	if (r == NULL || s->closing) {
		st = s->closing ? GG_STORE_CANCELLED : fail;
	} else if (r->type == REDIS_REPLY_ERROR) {
		gg_store_set_error(s, "%s", r->str);
	} else {
		switch (rq->kind) {
		case RQ_PUT:
			if (r->type == REDIS_REPLY_INTEGER)
				st = GG_STORE_OK;
			break;
		case RQ_DEL:
			if (r->type == REDIS_REPLY_INTEGER)
				st = r->integer != 0 ? GG_STORE_OK :
					GG_STORE_NOT_FOUND;
			break;
		case RQ_PUT_PROFILE:
			if (r->type == REDIS_REPLY_STATUS)
				st = GG_STORE_OK;
			break;
		case RQ_NEXT_SEQ:
			/* INCR past 2^63 - 1 is an error reply, never negative. */
			if (r->type == REDIS_REPLY_INTEGER && r->integer > 0) {
				st = GG_STORE_OK;
				n = (uint64_t)r->integer;
			}
			break;
		case RQ_PROVISION:
		case RQ_SET_STATE:
			if (r->type == REDIS_REPLY_INTEGER)
				st = r->integer > 0 ? GG_STORE_OK :
					r->integer == 0 ? GG_STORE_NOT_FOUND :
					GG_STORE_CONFLICT;
			break;
		case RQ_GET_PROFILE:
			if (r->type == REDIS_REPLY_NIL) {
				st = GG_STORE_NOT_FOUND;
			} else if (r->type == REDIS_REPLY_STRING) {
				st = GG_STORE_OK;
				data = r->str;
				len = r->len;
			}
			break;
		case RQ_GET:
		case RQ_GET_UEIP:
			rec = malloc(sizeof(*rec));
			if (rec == NULL) {
				st = GG_STORE_NOMEM;
				break;
			}
			st = record_decode(r, rec);
			/* The index may name a device that moved since. */
			if (st == GG_STORE_OK && rq->kind == RQ_GET_UEIP &&
					rec->ue_ipv4 != rq->ue_ipv4)
				st = GG_STORE_NOT_FOUND;
			break;
		default:
			break;
		}
		if (st == GG_STORE_ERROR)
			gg_store_set_error(s, "unexpected reply type %d", r->type);
	}
	gg_store_complete(s, &rq->rt, st, rec, data, len, n);
	free(rec);
	free(rq);
}

static int
redis_subscribe(struct gg_store *s, bool on)
{
	return redis_conn_subscribe(s->priv, on);
}

/*
 * hiredis writes with write(2): a server that went away would kill the
 * process with SIGPIPE on the next write. Ignore it, unless the
 * application chose a disposition of its own (then it is its business).
 */
static void
sigpipe_guard(void)
{
	struct sigaction old, ign = { .sa_handler = SIG_IGN };

	if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
			!(old.sa_flags & SA_SIGINFO))
		sigaction(SIGPIPE, &ign, NULL);
}

static int
redis_open(struct gg_store *s)
{
	struct rstore *rs = calloc(1, sizeof(*rs));
	int ret;

	if (rs == NULL)
		return -ENOMEM;
	sigpipe_guard();
	rs->s = s;
	rs->seed = (unsigned int)(gg_evloop_now_ms() ^ (uintptr_t)rs ^
			(uintptr_t)getpid());
	gg_store_key(rs->events_key, sizeof(rs->events_key), s->prefix,
			GG_STORE_KEY_EVENTS, NULL);
	s->priv = rs;
	ret = redis_conn_init(rs);
	if (ret != 0) {
		free(rs);
		s->priv = NULL;
	}
	return ret;
}

static void
redis_shutdown(struct gg_store *s)
{
	redis_conn_shutdown(s->priv);
}

static void
redis_free(struct gg_store *s)
{
	free(s->priv);
}

static const struct gg_store_ops redis_ops = {
	.name = "redis",
	.open = redis_open,
	.shutdown = redis_shutdown,
	.free = redis_free,
	.put = redis_put,
	.get = redis_get,
	.get_by_ueip = redis_get_by_ueip,
	.del = redis_del,
	.list_all = redis_list_all,
	.put_profile = redis_put_profile,
	.get_profile = redis_get_profile,
	.next_seq = redis_next_seq,
	.provision = redis_provision,
	.set_state_if = redis_set_state_if,
	.subscribe = redis_subscribe,
};

GG_STORE_DRIVER_REGISTER(redis_ops)
