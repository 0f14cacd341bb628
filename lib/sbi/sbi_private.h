/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SBI server internals shared by its files: the server, connection and
 * request objects and the functions one file offers the others. Not
 * installed; only lib/sbi includes it.
 *
 * Object lifetimes:
 *  - a connection lives from accept to conn_close(), which deletes its
 *    nghttp2 session, closes the socket and detaches its requests;
 *  - a request is created at its first HEADERS and freed when nobody
 *    refers to it any more: its stream is closed (or its connection gone)
 *    AND the application does not hold it (never handed, or answered, or
 *    released). Whoever drops the last reference calls req_free().
 */
#ifndef SBI_PRIVATE_H
#define SBI_PRIVATE_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/queue.h>
#include <arpa/inet.h>

#include <nghttp2/nghttp2.h>

#include "gg_evloop.h"
#include "gg_sbi.h"

#define SBI_PEER_LEN INET6_ADDRSTRLEN

struct sbi_conn;

struct sbi_header {
	char *name;   /* one allocation: name, NUL, value, NUL */
	char *value;
};

TAILQ_HEAD(sbi_req_list, gg_sbi_request);

struct gg_sbi_request {
	struct gg_sbi_server *srv;    /* NULL once the server is freed */
	struct sbi_conn *conn;        /* NULL once the connection is closed */
	int32_t stream_id;            /* 0 once the stream is closed */
	TAILQ_ENTRY(gg_sbi_request) conn_next;   /* conn->reqs, while conn */
	TAILQ_ENTRY(gg_sbi_request) held_next;   /* srv->held, while held */
	TAILQ_ENTRY(gg_sbi_request) cancel_next; /* srv->cancelq, while queued */
	uint64_t deadline_ms;
	char *method;
	char *path;
	char *query;
	struct sbi_header *hdrs;
	unsigned int n_hdrs;
	unsigned int cap_hdrs;
	size_t hdr_bytes;             /* RFC 9113 header list size so far */
	uint8_t *body;                /* NUL-terminated, body_len octets */
	size_t body_len;
	size_t body_cap;
	uint8_t *resp;                /* response body being sent */
	size_t resp_len;
	size_t resp_off;
	size_t discarded;             /* body octets dropped after an early answer */
	const char *allow;            /* Allow of a 405 (gg_sbi_method_not_allowed()) */
	gg_sbi_cancel_cb cancel_cb;
	void *cancel_arg;
	unsigned int complete : 1;    /* END_STREAM received */
	unsigned int held : 1;        /* the application holds it */
	unsigned int submitted : 1;   /* a response is queued on the stream */
	unsigned int cancelled : 1;
	unsigned int queued : 1;      /* on srv->cancelq */
	unsigned int hdr_overflow : 1;
	unsigned int rst_sent : 1;    /* we asked the client to stop sending */
	char peer[SBI_PEER_LEN];
	char client[GG_SBI_CLIENT_MAX + 1];
	/* Method, path, query and header strings are carved from here
	 * while they fit, the first eight headers' slots too (a
	 * request was ten allocations); the rest is allocated. The object
	 * stays under 1 KiB (see on_data()). */
	struct sbi_header hdrs_small[8];
	size_t small_used;
	char small[320];
};

struct sbi_conn {
	struct gg_sbi_server *srv;
	int fd;
	nghttp2_session *h2;
	TAILQ_ENTRY(sbi_conn) next;
	TAILQ_ENTRY(sbi_conn) kick_next; /* srv->kickq, while kick_queued */
	unsigned int kick_queued : 1;
	struct sbi_req_list reqs;     /* every request of this connection */
	unsigned int n_reqs;          /* ... including those whose stream closed */
	unsigned int n_streams;       /* streams with a request, still open */
	uint64_t last_active_ms;      /* accept, stream opened or closed */
	uint64_t accepted_ms;
	uint64_t discarded;           /* unread body octets so far */
	unsigned int requested : 1;   /* a complete request arrived */
	uint64_t blocked_since_ms;    /* output waiting without progress; 0: none */
	uint8_t *out;                 /* output backlog: out[out_off..out_len) */
	size_t out_off;
	size_t out_len;
	size_t out_cap;
	unsigned int watched;         /* GG_EV_* registered with the loop */
	unsigned int in_h2 : 1;       /* inside nghttp2 mem_recv/mem_send */
	unsigned int proto_error : 1; /* already counted as a protocol error */
	uint8_t head[24];             /* first octets, to recognise HTTP/1.x */
	unsigned int head_len;
	char peer[SBI_PEER_LEN];
	char client[GG_SBI_CLIENT_MAX + 1]; /* gg_sbi_request_client() */
	struct ssl_st *ssl;           /* TLS (sbi_tls.c); NULL: h2c */
	unsigned int tls_ready : 1;   /* handshake done, ALPN h2 */
};

struct gg_sbi_server {
	struct gg_evloop *loop;
	struct gg_sbi_params p;       /* defaults filled in */
	gg_sbi_handler handler;
	void *arg;
	int lfd;
	uint16_t port;
	unsigned int accept_paused : 1;
	long timer;
	unsigned int tick_ms;
	unsigned int busy;            /* nesting depth of our entry points */
	TAILQ_HEAD(, sbi_conn) conns;
	TAILQ_HEAD(, sbi_conn) kickq; /* answered asynchronously, to flush */
	long kick_timer;              /* 0: not armed */
	unsigned int n_conns;
	unsigned int n_reqs;          /* request objects alive */
	struct sbi_req_list held;     /* requests the application holds */
	struct sbi_req_list cancelq;  /* cancel callbacks to run */
	void *tls;                    /* SSL_CTX; NULL: h2c */
	nghttp2_session_callbacks *cbs;
	nghttp2_option *opt;
	struct gg_sbi_stats st;
};

/* sbi_server.c */
void sbi_enter(struct gg_sbi_server *srv);
void sbi_leave(struct gg_sbi_server *srv);
void sbi_conn_kick(struct sbi_conn *c);

int sbi_out_append(struct sbi_conn *c, const uint8_t *data, size_t n);
int sbi_conn_recv_plain(struct sbi_conn *c, const uint8_t *buf, size_t n);

/* sbi_tls.c */
void *sbi_tls_ctx_new(const struct gg_sbi_tls *t, char *err, size_t errlen);
void sbi_tls_ctx_free(void *ctx);
int sbi_tls_conn_new(struct sbi_conn *c);
void sbi_tls_conn_free(struct sbi_conn *c);
/* Ciphertext in: handshake, then plaintext to nghttp2. -1: close. */
int sbi_tls_input(struct sbi_conn *c, const uint8_t *buf, size_t n);
/* Plaintext out, its ciphertext into the backlog. -1: close. */
int sbi_tls_write(struct sbi_conn *c, const uint8_t *data, size_t n);

/* sbi_stream.c */
int sbi_h2_setup(struct gg_sbi_server *srv);
int sbi_session_new(struct sbi_conn *c);
void sbi_conn_detach(struct sbi_conn *c);
int sbi_conn_sweep(struct sbi_conn *c, uint64_t now);
void sbi_count_status(struct gg_sbi_server *srv, int status);
int sbi_submit(struct gg_sbi_request *req, int status, const char *ctype,
		const char *location, const void *body, size_t len);

/* sbi_json.c */
char *sbi_problem_text(int status, const char *cause, const char *detail,
		json_t *invalid_params, size_t *len);
int sbi_server_problem(struct gg_sbi_request *req, int status,
		const char *cause, const char *detail);

#endif /* SBI_PRIVATE_H */
