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

#include <jansson.h>

#include "gg_auth.h"
#include "gg_ausf.h"
#include "gg_store.h"

struct gg_sbi_request;
struct gg_fetch_allow;
struct push;

#define CTX_ID_LEN 32   /* hex characters of a context id (16 random octets) */

enum ctx_state {
	CTX_FETCHING,       /* certificate being fetched; the POST waits */
	CTX_CHALLENGED,     /* challenge sent; waiting for the confirmation */
	CTX_CONFIRMING,     /* signature good; the store write is under way */
	CTX_AUTHENTICATED,  /* session installed and stored */
	CTX_DETACHING,      /* store delete under way; the DELETE waits */
};

struct ctx {
	struct gg_ausf *a;          /* owner, for the asynchronous callbacks */
	char id[CTX_ID_LEN + 1];
	char identity[GG_STORE_IDENTITY_MAX + 1];
	char snn[129];
	char cert_url[GG_STORE_URL_MAX + 1];
	enum ctx_state state;
	uint32_t gnb_ipv4;          /* network order */
	uint32_t dl_teid;
	uint8_t challenge[GG_AUTH_CHALLENGE_LEN];
	uint64_t expires_ms;        /* CTX_CHALLENGED: monotonic deadline */
	struct gg_auth_cert *cert;  /* verified certificate, until stored */
	struct gg_sbi_request *req; /* the request waiting on this context */
	/* Once a session exists: */
	uint32_t ue_ipv4;           /* network order */
	uint32_t ul_teid;
	uint64_t created_ms;        /* wall clock */
	char notify_uri[GG_STORE_URL_MAX + 1]; /* canonical profileNotifyUri, or "" */
	enum gg_device_state dev_state; /* as last known from the store */
	char supi[GG_STORE_SUPI_MAX + 1]; /* kept across a re-authentication */
	struct push *push;          /* the profile push under way, or NULL */
	struct ctx *replaces;       /* CTX_CONFIRMING: the same device's older context */
	struct ctx *next_by_id;
	struct ctx *next_by_identity;
	struct ctx *prev, *next;    /* all contexts, for the expiry sweep */
};

struct ctx_table {
	struct ctx **by_id;
	struct ctx **by_identity;
	uint32_t mask;              /* buckets - 1 */
	uint32_t count;
	struct ctx *all;
};

TAILQ_HEAD(push_queue, push);

struct gg_ausf {
	struct gg_ausf_params p;
	struct gg_ausf_deps d;
	struct gg_ip_pool *pool;
	struct gg_auth_ratelimit *rl_device;
	struct gg_auth_ratelimit *rl_client;
	struct ctx_table ctx;
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
};

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

int ctx_table_init(struct ctx_table *t, uint32_t capacity);
void ctx_table_fini(struct ctx_table *t);
void ctx_table_add(struct ctx_table *t, struct ctx *c);
void ctx_table_remove(struct ctx_table *t, struct ctx *c);
struct ctx *ctx_by_id(const struct ctx_table *t, const char *id);
/* The AUTHENTICATED (or DETACHING) context of a device, if any. */
struct ctx *ctx_by_identity(const struct ctx_table *t, const char *identity);

#endif /* AUSF_PRIVATE_H */
