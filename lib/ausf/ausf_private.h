/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AuSF internals: authentication contexts and the table that finds them by
 * id and by device identity. Control lcore only.
 */
#ifndef AUSF_PRIVATE_H
#define AUSF_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "gg_auth.h"
#include "gg_ausf.h"
#include "gg_store.h"

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

int ctx_table_init(struct ctx_table *t, uint32_t capacity);
void ctx_table_fini(struct ctx_table *t);
void ctx_table_add(struct ctx_table *t, struct ctx *c);
void ctx_table_remove(struct ctx_table *t, struct ctx *c);
struct ctx *ctx_by_id(const struct ctx_table *t, const char *id);
/* The AUTHENTICATED (or DETACHING) context of a device, if any. */
struct ctx *ctx_by_identity(const struct ctx_table *t, const char *identity);

#endif /* AUSF_PRIVATE_H */
