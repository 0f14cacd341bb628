/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Backend side of lib/store: the ops a driver under drivers/store/
 * implements, the common store object it hangs its state on, and the
 * common services it calls (completion now or on the next loop round,
 * up/down reporting, events in). For drivers only, not for applications.
 *
 * Reentrancy: every entry from the event loop into a driver (fd and timer
 * callbacks) is bracketed by gg_store_enter() / gg_store_leave(), so that a
 * user callback may close the store: gg_store_close() then runs the
 * driver's shutdown at once and its free only when the outermost leave
 * returns. A driver must not touch the store after gg_store_leave().
 */
#ifndef STORE_DRIVER_H
#define STORE_DRIVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>

#include "gg_store.h"

/** Which callback a request carries. */
enum gg_store_reply_kind {
	GG_STORE_REPLY_DONE,     /**< gg_store_done_cb */
	GG_STORE_REPLY_RECORD,   /**< gg_store_record_cb */
	GG_STORE_REPLY_PROFILE,  /**< gg_store_profile_cb */
	GG_STORE_REPLY_LIST,     /**< fn.record per record, then list_done */
	GG_STORE_REPLY_SEQ,      /**< gg_store_seq_cb, the value as n */
};

/** The caller's side of one request: whom to call, exactly once. */
struct gg_store_reply_to {
	enum gg_store_reply_kind kind;
	union {
		gg_store_done_cb done;
		gg_store_record_cb record;
		gg_store_profile_cb profile;
		gg_store_seq_cb seq;
	} fn;
	gg_store_list_done_cb list_done;
	void *arg;
};

/**
 * A backend. Request ops are called only while the store is up and not
 * closing, with arguments already checked; they return 0 (the reply will
 * come through gg_store_complete*()) or a negative errno (no reply).
 */
struct gg_store_ops {
	const char *name;
	/** Set s->priv, start connecting; must not call back from inside. */
	int (*open)(struct gg_store *s);
	/** Stop all I/O and timers, answer pending requests (CANCELLED). */
	void (*shutdown)(struct gg_store *s);
	/** Release s->priv (after shutdown, once no callback is running). */
	void (*free)(struct gg_store *s);
	int (*put)(struct gg_store *s, const struct gg_device_record *rec,
			uint64_t created_ms, uint64_t updated_ms,
			const char *event_json, const struct gg_store_reply_to *rt);
	int (*get)(struct gg_store *s, const char *identity,
			const struct gg_store_reply_to *rt);
	int (*get_by_ueip)(struct gg_store *s, uint32_t ue_ipv4,
			const struct gg_store_reply_to *rt);
	int (*del)(struct gg_store *s, const char *identity, uint64_t now_ms,
			const struct gg_store_reply_to *rt);
	int (*list_all)(struct gg_store *s, const struct gg_store_reply_to *rt);
	int (*put_profile)(struct gg_store *s, const char *identity,
			const void *data, size_t len,
			const struct gg_store_reply_to *rt);
	int (*get_profile)(struct gg_store *s, const char *identity,
			const struct gg_store_reply_to *rt);
	/** INCR of the sequence key; the value through a SEQ reply. */
	int (*next_seq)(struct gg_store *s, const char *name,
			const struct gg_store_reply_to *rt);
	/** See gg_store_provision(); sub checked, created_ms set. */
	int (*provision)(struct gg_store *s, const struct gg_subscription *sub,
			const void *profile, size_t len, uint64_t now_ms,
			const struct gg_store_reply_to *rt);
	/** See gg_store_set_state_if(); from != to, neither detached. */
	int (*set_state_if)(struct gg_store *s, const char *identity,
			enum gg_device_state from, enum gg_device_state to,
			uint64_t now_ms, const struct gg_store_reply_to *rt);
	/** Start (on) or stop the subscription to the events channel. */
	int (*subscribe)(struct gg_store *s, bool on);
};

struct store_later;

/** The common part of every store. Fields are the store thread's only. */
struct gg_store {
	const struct gg_store_ops *ops;
	struct gg_evloop *loop;
	void *priv;                      /* the driver's */
	char prefix[GG_STORE_PREFIX_MAX + 1];
	/* Copies of the parameters (strings owned). */
	char *unix_path;
	char *host;
	uint16_t port;
	char *user;
	char *password;
	unsigned int db;
	uint32_t connect_timeout_ms;
	uint32_t command_timeout_ms;
	uint32_t reconnect_min_ms;
	uint32_t reconnect_max_ms;
	gg_store_state_cb state_cb;
	void *state_arg;
	gg_store_event_cb event_cb;
	void *event_arg;
	/* -1: never reported yet, 0: down, 1: up. */
	int up;
	char last_error[256];
	struct gg_store_stats stats;
	/* Replies and events delivered on the next round (one 0 ms timer). */
	TAILQ_HEAD(, store_later) later;
	long later_timer;
	int busy;                        /* enter/leave depth */
	bool closing;
};

/** Make a backend known to gg_store_open() (from a constructor). */
void gg_store_driver_register(const struct gg_store_ops *ops);

/** Register @p ops at program start (the driver's library must be linked
 * whole, or nothing references this constructor). */
#define GG_STORE_DRIVER_REGISTER(ops) \
	RTE_INIT(gg_store_driver_init_##ops) \
	{ \
		gg_store_driver_register(&(ops)); \
	}

/** Bracket every entry from the event loop into store code. */
void gg_store_enter(struct gg_store *s);
/** Leave; frees the store if it was closed meanwhile (do not touch it after). */
void gg_store_leave(struct gg_store *s);

/** Final reply of a request, now. rec/data as the callback kind needs;
 * n is the record count of a LIST. Counts errors. */
void gg_store_complete(struct gg_store *s, const struct gg_store_reply_to *rt,
		enum gg_store_status st, const struct gg_device_record *rec,
		const void *data, size_t len, uint64_t n);

/**
 * Final reply on the next loop round. Takes ownership of @p recs (an array
 * of @p n_recs malloc'ed records: the record of a RECORD reply, or each
 * record of a LIST) and of @p data (malloc'ed), freed after delivery.
 * @return 0, or -ENOMEM (ownership still taken, no reply will come).
 */
int gg_store_complete_later(struct gg_store *s,
		const struct gg_store_reply_to *rt, enum gg_store_status st,
		struct gg_device_record *recs, size_t n_recs, void *data,
		size_t len);

/** As gg_store_complete_later() for a SEQ reply carrying @p value. */
int gg_store_complete_value_later(struct gg_store *s,
		const struct gg_store_reply_to *rt, enum gg_store_status st,
		uint64_t value);

/** Whether @p name is a valid sequence name (1..32 of '!'..'~'). */
bool gg_store_seq_name_ok(const char *name);

/** Report the backend usable or not; the state callback runs on changes
 * only (and on the first report). reason: why it is down. */
void gg_store_set_up(struct gg_store *s, bool up, const char *reason);

/** Record the last error text (printf-style). */
void gg_store_set_error(struct gg_store *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** An event arrived (json of len bytes), or the subscription was
 * (re)established (json NULL): decode and hand it to the event callback. */
void gg_store_event_in(struct gg_store *s, const char *json, size_t len);

/** As gg_store_event_in(), on the next loop round (copies json). */
int gg_store_event_in_later(struct gg_store *s, const char *json, size_t len);

/**
 * Encode the event for a state change into @p buf (jansson).
 * @return its length, or -ENOSPC / -ENOMEM.
 */
int gg_store_event_encode(char *buf, size_t size, const char *identity,
		enum gg_device_state state, uint32_t ue_ipv4, uint64_t ts_ms);

/** Dotted quad of a network-order IPv4 address (buf of 16 bytes). */
const char *gg_store_ipv4_str(uint32_t ipv4, char buf[16]);

/** Parse a dotted quad into network order; 0 or -EINVAL. */
int gg_store_ipv4_parse(const char *str, uint32_t *ipv4);

/** Wall clock in ms since the epoch (record and event times). */
uint64_t gg_store_wall_ms(void);

/** Whether @p id is a valid identity (1..128 of '!'..'~'). */
bool gg_store_identity_ok(const char *id);

#endif /* STORE_DRIVER_H */
