/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AuSF internals: authentication contexts and the table that finds them by
 * id and by device identity. Control lcore only.
 */
#ifndef AUSF_PRIVATE_H
#define AUSF_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <sys/queue.h>
#include <time.h>

#include <jansson.h>

#include "gg_auth.h"
#include "gg_sbi.h"
#include "gg_ausf.h"
#include "gg_store.h"

struct gg_sbi_request;
struct gg_fetch_allow;
struct push;
struct vcert;

#define CTX_ID_LEN 32   /* hex characters of a context id (16 random octets) */

enum ctx_state {
	CTX_FETCHING,       /* certificate being fetched; the POST waits */
	CTX_CHALLENGED,     /* challenge sent; waiting for the confirmation */
	CTX_EXPIRED,        /* challenge expired: a tombstone answering 410 */
	CTX_CONFIRMING,     /* signature good; the store write is under way */
	CTX_AUTHENTICATED,  /* session installed and stored */
	CTX_DETACHING,      /* store delete under way; the DELETE waits */
};

struct ctx {
	struct gg_ausf *a;          /* owner, for the asynchronous callbacks */
	char id[CTX_ID_LEN + 1];
	char identity[GG_STORE_IDENTITY_MAX + 1];
	char snn[129];
	/* Allocated (URLs are short, their limit is not): a context stays
	 * a few hundred octets, which the challenge rate feels. */
	char *cert_url;
	enum ctx_state state;
	uint32_t gnb_ipv4;          /* network order */
	uint32_t dl_teid;
	uint8_t challenge[GG_AUTH_CHALLENGE_LEN];
	uint64_t expires_ms;        /* CTX_CHALLENGED: monotonic deadline */
	struct gg_auth_cert *cert;  /* verified certificate, until stored (vc's) */
	struct vcert *vc;           /* the verification it comes from: a reference */
	struct gg_sbi_request *req; /* the request waiting on this context */
	/* Once a session exists: */
	uint32_t ue_ipv4;           /* network order */
	uint32_t ul_teid;
	uint64_t created_ms;        /* wall clock */
	char *notify_uri;           /* canonical profileNotifyUri, or NULL */
	enum gg_device_state dev_state; /* as last known from the store */
	char supi[GG_STORE_SUPI_MAX + 1]; /* kept across a re-authentication */
	struct push *push;          /* the profile push under way, or NULL */
	struct ctx *replaces;       /* CTX_CONFIRMING: the same device's older context */
	char client[GG_SBI_CLIENT_MAX + 1]; /* who created it (gg_sbi_request_client()) */
	char peer[48];              /* its address: the per-client pending quota */
	bool pending;               /* holds a pending slot and its quotas */
	bool by_identity;           /* linked in the identity index */
	enum { FIFO_NONE, FIFO_CHALLENGED, FIFO_EXPIRED } fifo;
	LIST_ENTRY(ctx) id_link;
	LIST_ENTRY(ctx) identity_link;
	TAILQ_ENTRY(ctx) all_link;  /* every context */
	TAILQ_ENTRY(ctx) fifo_link; /* ctx_table.challenged or .expired */
};

LIST_HEAD(ctx_bucket, ctx);
TAILQ_HEAD(ctx_list, ctx);

/*
 * Every operation is O(1): intrusive doubly linked lists, no walk on
 * remove. Only sessions (AUTHENTICATED, DETACHING) are in the identity
 * index, at most two per device (during a re-authentication), so pending
 * challenges for one identity never make its chain long. Challenges have
 * one lifetime (challenge_ttl), so the order they were issued in is the
 * order they expire in: the sweep only looks at the heads of two FIFOs.
 */
struct ctx_table {
	struct ctx_bucket *by_id;
	struct ctx_bucket *by_identity;
	uint32_t mask;              /* buckets - 1 */
	uint32_t count;
	struct ctx_list all;
	struct ctx_list challenged; /* CTX_CHALLENGED, by expiry */
	struct ctx_list expired;    /* CTX_EXPIRED tombstones, by end of keep */
	uint32_t n_expired;
};

/*
 * Pending-challenge quota: a count per key (client address, identity).
 * An entry exists while its count is non-zero, so there are never more
 * entries than pending challenges. Chained hash, one malloc per key.
 */
struct quota_entry;
struct quota {
	struct quota_entry **b;
	uint32_t mask;
};

TAILQ_HEAD(push_queue, push);

struct gg_ausf {
	struct gg_ausf_params p;
	struct gg_ausf_deps d;
	struct gg_ip_pool *pool;
	struct gg_auth_ratelimit *rl_device;
	struct gg_auth_ratelimit *rl_client;
	struct ctx_table ctx;
	struct quota q_client;       /* pending challenges per client address */
	struct quota q_identity;     /* ... per device identity */
	uint32_t n_pending;          /* FETCHING + CHALLENGED contexts */
	struct vcache *vcache;       /* certificates that verified (ausf_vcache.c) */
	struct gg_ausf_stats st;
	long sweep_timer;
	int store_state;             /* -1 not known yet, 0 down, 1 up */
	bool restore_started;
	bool restored;
	/* Profile push (ausf_push.c). */
	struct gg_fetch_allow *notify_allow;
	struct push_queue push_queue;    /* waiting for an active slot */
	uint32_t push_active;            /* reading, posting or confirming */
	uint32_t push_pending;           /* every push object alive */
	long push_kick_timer;            /* 0: not armed */
	unsigned int push_seed;          /* rand_r state for the jitter */
	/* Context ids and challenges (ctx_new()): RAND_bytes() output drawn
	 * 1.5 KiB at a time (its fixed cost per call was 9 % of a POST),
	 * each octet handed out once and wiped as it goes. */
	uint8_t rnd[1536];
	uint32_t rnd_off;                /* next unused octet; sizeof(rnd): empty */
};

/* ausf_vcache.c: certificates that verified, by URL, the octets of the
 * body and identity, for cert_cache_ttl_s (never past their notAfter);
 * a hit spares the chain verification. */
struct vcache;
struct vcache *vcache_create(uint32_t entries, uint32_t ttl_s);
void vcache_free(struct vcache *vc);
/* A reference to the verification of (url, body, identity) at @p now, or
 * NULL (not cached, expired: verify, then vcache_add()). */
struct vcert *vcache_get(struct vcache *vc, const char *url,
		const uint8_t *body, size_t len, const char *identity, time_t now);
/* Keep @p cert (taken) as verified; returns a reference for the caller,
 * or NULL with the certificate freed (no memory). */
struct vcert *vcache_add(struct vcache *vc, const char *url,
		const uint8_t *body, size_t len, const char *identity,
		struct gg_auth_cert *cert, time_t now);
struct gg_auth_cert *vcert_cert(const struct vcert *v);
void vcert_put(struct vcert *v);

/* ausf_push.c */
int push_init(struct gg_ausf *a);
void push_fini(struct gg_ausf *a);
/* The device of c was signed up (event, restore, re-authentication):
 * queue a push to its callback, if it has one. */
void push_start(struct gg_ausf *a, struct ctx *c);
/* c goes away or left "provisioned": forget its push. */
void push_cancel(struct gg_ausf *a, struct ctx *c);
/* GET .../{id}/profile (the fallback). */
void handle_profile_get(struct gg_ausf *a, struct gg_sbi_request *req,
		struct ctx *c);

/* ausf_post.c, ausf_confirm.c, ausf_context.c: the resources. */
void handle_create(struct gg_ausf *a, struct gg_sbi_request *req);
void handle_confirm(struct gg_ausf *a, struct gg_sbi_request *req,
		struct ctx *c);
void handle_get(struct gg_ausf *a, struct gg_sbi_request *req, struct ctx *c);
void handle_delete(struct gg_ausf *a, struct gg_sbi_request *req,
		struct ctx *c);

/* ausf_ctx.c: contexts. NULL when max_contexts are in use or no memory. */
struct ctx *ctx_new(struct gg_ausf *a);
void ctx_free(struct gg_ausf *a, struct ctx *c, bool in_table);
/* Session and address of an authenticated context leave the data plane. */
void ctx_drop_session(struct gg_ausf *a, struct ctx *c);
json_t *pdu_session_json(struct gg_ausf *a, const struct ctx *c);
void ctx_href(const struct ctx *c, char *buf, size_t len, const char *suffix);
void record_of(const struct gg_ausf *a, const struct ctx *c,
		const char *cert_pem, enum gg_device_state st,
		struct gg_device_record *r);

/* Take a pending slot and the quotas of c->peer and c->identity for c:
 * 0, -ENOSPC (max_pending) or -EDQUOT (a quota). */
int ctx_pending_take(struct gg_ausf *a, struct ctx *c);
/* Give them back (no-op if c holds none). */
void ctx_pending_release(struct gg_ausf *a, struct ctx *c);
/* c (CTX_FETCHING) got its challenge: into the expiry FIFO. */
void ctx_challenged(struct gg_ausf *a, struct ctx *c);
/* c expired: count it, give its slot back, keep a tombstone for 410. */
void ctx_expire(struct gg_ausf *a, struct ctx *c, uint64_t keep_until_ms);

int quota_init(struct quota *q, uint32_t capacity);
void quota_fini(struct quota *q);
/* Add one to key's count unless it is at max: 0 or -1. */
int quota_take(struct quota *q, const char *key, uint32_t max);
void quota_put(struct quota *q, const char *key);

int ctx_table_init(struct ctx_table *t, uint32_t capacity);
void ctx_table_fini(struct ctx_table *t);
void ctx_table_add(struct ctx_table *t, struct ctx *c);
/* c became a session (AUTHENTICATED): into the identity index. */
void ctx_table_index_identity(struct ctx_table *t, struct ctx *c);
void ctx_table_remove(struct ctx_table *t, struct ctx *c);
struct ctx *ctx_by_id(const struct ctx_table *t, const char *id);
/* The AUTHENTICATED (or DETACHING) context of a device, if any. */
struct ctx *ctx_by_identity(const struct ctx_table *t, const char *identity);

#endif /* AUSF_PRIVATE_H */
