/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gg-portal's wiring, shared by its files (not a library): the process
 * (struct portal), one HTTP request (struct portal_req), the listeners,
 * the pages' helpers and each page's entry points.
 *
 * Everything runs on one thread, the event loop's: libmicrohttpd in
 * external-select mode (its epoll descriptor watched by gg_evloop, its
 * timeout a gg_evloop timer) and the store's hiredis connection share it.
 * A request that needs the store suspends its connection and is resumed
 * from the store's callback; nothing else ever waits.
 */
#ifndef PORTAL_H
#define PORTAL_H

#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

#include "gg_conf.h"
#include "gg_portal.h"
#include "gg_store.h"

struct gg_evloop;
struct gg_profile_signer;

/* Log levels, as "log.level" orders them. */
enum {
	PLOG_ERR,
	PLOG_WARNING,
	PLOG_NOTICE,
	PLOG_INFO,
	PLOG_DEBUG,
};

void portal_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void portal_log_set_level(int level);

/* The templates, loaded once at start from portal.templates. */
enum portal_tmpl_id {
	T_LAYOUT,
	T_LANDING,
	T_UNKNOWN,
	T_PLANS,
	T_PLAN_ITEM,
	T_SIGNUP,
	T_PLAN_OPTION,
	T_RESULT,
	T_MESSAGE,
	T_MAX
};

/* One listening socket (HTTP or HTTPS) and its daemon. */
struct portal_listener {
	struct portal *p;
	struct MHD_Daemon *d;
	bool https;
	int epoll_fd;
	long timer;        /* MHD_get_timeout() timer, 0: none */
	char *cert, *key;  /* PEM in memory (HTTPS), owned */
};

struct portal {
	struct gg_portal_config cfg;
	struct gg_portal_url base;          /* cfg.base_url parsed */
	char signup_url[600];               /* <base_url>/signup */
	char landing_url[600];              /* <base_url>/ */
	struct gg_portal_plan plans[GG_PORTAL_CONF_PLANS_MAX];
	unsigned int n_plans;
	struct gg_portal_tmpl *tmpl[T_MAX];
	char *css;                          /* /static/portal.css */
	size_t css_len;
	struct gg_profile_signer *signer;
	struct gg_evloop *loop;
	struct gg_store *store;
	struct portal_listener http, https;
	long run_timer;                     /* MHD_run soon, after a resume */
	volatile bool quit;
	uint64_t n_requests, n_signups;
};

enum portal_method { M_GET, M_HEAD, M_POST, M_OTHER };

/* One HTTP request, from its first header to the response queued. */
struct portal_req {
	struct portal *p;
	struct portal_listener *l;
	struct MHD_Connection *conn;
	enum portal_method method;
	char path[512];
	const char *host;                  /* Host header, NULL if none */
	char client[64];                   /* client address, text */
	uint32_t client_ipv4;              /* network order; 0: not IPv4 */
	struct gg_portal_buf body;         /* POST body, up to max_form_bytes */
	bool too_large;
	bool suspended;
	bool waiting;                      /* an asynchronous step runs */
	void (*on_record)(struct portal_req *r);
	enum gg_store_status rec_status;   /* of the lookup by address */
	struct gg_device_record *rec;      /* when rec_status is OK; malloc'd */
	struct MHD_Response *resp;         /* ready to queue */
	unsigned int status;
	/* sign-up in progress */
	struct gg_portal_signup signup;
	uint64_t started_ms;
};

/* server.c */
int portal_listen(struct portal *p, struct portal_listener *l, bool https);
void portal_listener_close(struct portal_listener *l);
void portal_quiesce(struct portal_listener *l);
/* Look the client's record up, then call @p next (rec_status set). */
void portal_lookup(struct portal_req *r, void (*next)(struct portal_req *r));
/* An asynchronous step of @p r ended: queue its response (r->resp set). */
void portal_resume(struct portal_req *r);

/* render.c: responses. Each sets r->resp and r->status. */
void portal_reply(struct portal_req *r, unsigned int status, const char *ctype,
		char *body, size_t len);  /* takes body (malloc'd) */
void portal_reply_page(struct portal_req *r, unsigned int status,
		const char *title, enum portal_tmpl_id t,
		const struct gg_portal_var *vars, unsigned int n);
void portal_reply_message(struct portal_req *r, unsigned int status,
		const char *title, const char *text, const char *link,
		const char *link_text);
void portal_reply_redirect(struct portal_req *r, unsigned int status,
		const char *location);
void portal_reply_problem(struct portal_req *r, unsigned int status,
		const char *title, const char *detail);
void portal_reply_store_down(struct portal_req *r);
void portal_reply_unknown(struct portal_req *r);
/* The pages of a device: when the lookup found none, answer "not
 * recognised" (403), when the store failed, "unavailable" (503), and return
 * true; false (nothing answered) when r->rec is there. */
bool portal_reply_no_record(struct portal_req *r);
int portal_templates_load(struct portal *p, char *err, size_t errlen);
void portal_templates_free(struct portal *p);
/* A certificate's subject and issuer for a page ("" when none). */
void portal_cert_vars(const struct gg_device_record *rec, char *sub,
		size_t sublen, char *iss, size_t isslen, char *na, size_t nalen);
const char *portal_state_text(enum gg_device_state st);

/* The pages and resources, one file each. */
void page_landing(struct portal_req *r);
void page_plans(struct portal_req *r);
void page_signup_form(struct portal_req *r);
void page_signup_submit(struct portal_req *r);
void page_result(struct portal_req *r);
void page_captive_api(struct portal_req *r);
void page_static(struct portal_req *r);
void page_foreign(struct portal_req *r);
/*
 * plans.c: template @p t once per configured plan into @p out, with id,
 * name, price, days, checked (it is plan @p chosen, which may be NULL) and
 * invalid (@p invalid: the form's plan field has an error).
 */
void plans_render(struct portal_req *r, enum portal_tmpl_id t,
		const char *chosen, bool invalid, struct gg_portal_buf *out);
/* result.c: the answer to a sign-up for a device signed up already (409). */
void result_already(struct portal_req *r);
/* signup.c: the form, with the errors of a failed submission if any. */
void signup_render_form(struct portal_req *r, unsigned int status,
		const struct gg_portal_form *form,
		const struct gg_portal_signup_errors *errs, const char *plan);
/* provision.c: allocate, seal and store; ends the request. */
void provision_start(struct portal_req *r);

uint64_t portal_wall_ms(void);

#define PORTAL_DIM(a) (sizeof(a) / sizeof((a)[0]))

#endif /* PORTAL_H */
