/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The subscription store: what gardengate keeps per device (its record, the
 * encrypted subscription profile) and the state-change events it shares
 * with the portal(s) and other appliances.
 *
 * One interface, several backends (drivers/store/): "redis" (hiredis, the
 * real one) and "memory" (one process, for unit tests of other libraries).
 * gg_store_open() picks one by name; a backend is available when its driver
 * library is linked in (it registers itself at start-up).
 *
 * Threading: a store belongs to the thread running its gg_evloop (the
 * control lcore). No function is thread-safe; none blocks. Requests are
 * asynchronous: a function that returns 0 has accepted the request and its
 * callback will run exactly once, later, inside gg_evloop_run_once() of the
 * store's loop, never inside the call that made the request. A negative
 * return (-EINVAL for bad arguments, -ENOMEM, -ESHUTDOWN once the store is
 * closing) means the callback will not run. Callbacks may make new
 * requests and may close the store.
 *
 * Availability: while the backend is not usable (not connected yet, Redis
 * down, authentication refused) every request fails fast with
 * GG_STORE_DOWN, on the next loop round, without touching the network, so
 * the application can answer "503" at once. The store reconnects by itself
 * (exponential backoff); gg_store_params.state_cb tells the application
 * once per change between up and down.
 *
 * Key schema (Redis), under a prefix (default "gg:"), written by this
 * library and by the portal:
 *  - "<prefix>device:<identity>": hash, the device record. Fields:
 *    identity, state ("limited", "provisioned", "full", "blocked",
 *    "detached"), cert_pem, cert_url, ue_ipv4 and gnb_ipv4 (dotted quads,
 *    "0.0.0.0" for none), ul_teid and dl_teid (decimal), qfi (decimal,
 *    absent when unset), auth_ctx_id, auth_client (the SBI client that
 *    created the context, may be empty), notify_uri (the device's profile
 *    callback, may be empty), supi (allocated at sign-up, empty before),
 *    created_ms and updated_ms (decimal ms since the epoch).
 *  - "<prefix>ueip:<a.b.c.d>": string, the identity holding that UE IPv4
 *    address (the UE IP index; absent for 0.0.0.0).
 *  - "<prefix>devices": set of every identity with a record (restore
 *    without SCAN).
 *  - "<prefix>profile:<identity>": string, the encrypted subscription
 *    profile (binary).
 *  - "<prefix>subscription:<supi>": hash, the subscription made at
 *    sign-up (identity, supi, plan, k, opc, amf, created_ms): what the
 *    network's subscriber database needs to authenticate the SUPI later.
 *  - "<prefix>seq:<name>": integer, a sequence (INCR), e.g. the MSINs
 *    allocated under one PLMN.
 *  - channel "<prefix>events": one JSON object per state change,
 *    {"identity": s, "state": s, "ue_ipv4": "a.b.c.d", "ts_ms": n}.
 * doc/store.rst shows the schema with redis-cli.
 *
 * Atomicity: a put, a delete, a provision or a set_state_if of one device
 * is one server-side script (hash, index, set, subscription, profile and
 * event together or not at all). A request that
 * fails with GG_STORE_DOWN or GG_STORE_TIMEOUT after it was sent may or may
 * not have been applied; retrying a put or a delete is safe.
 */
#ifndef GG_STORE_H
#define GG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gg_evloop;
struct gg_store;

/** Longest identity (SUPI or SUCI), without the NUL. */
#define GG_STORE_IDENTITY_MAX 128
/** Longest certificate PEM, without the NUL. */
#define GG_STORE_CERT_MAX 16384
/** Longest certificate URL, without the NUL. */
#define GG_STORE_URL_MAX 1024
/** Longest authentication context id, without the NUL. */
#define GG_STORE_AUTH_CTX_MAX 128
/** Longest auth_client (an SBI client identity). */
#define GG_STORE_CLIENT_MAX 160
/** Longest SUPI ("imsi-" and 15 digits), without the NUL. */
#define GG_STORE_SUPI_MAX 20
/** Longest plan id, without the NUL. */
#define GG_STORE_PLAN_MAX 32
/** Longest sequence name, without the NUL. */
#define GG_STORE_SEQ_NAME_MAX 32
/** Longest key prefix, without the NUL. */
#define GG_STORE_PREFIX_MAX 64
/** Largest subscription profile accepted by gg_store_put_profile(). */
#define GG_STORE_PROFILE_MAX (1u << 20)
/** Longest key built by gg_store_key(), with the NUL. */
#define GG_STORE_KEY_MAX (GG_STORE_PREFIX_MAX + GG_STORE_IDENTITY_MAX + 16)
/** Prefix used when gg_store_params.prefix is NULL. */
#define GG_STORE_DEFAULT_PREFIX "gg:"

/** Where a device stands; stored as its name (gg_device_state_name()). */
enum gg_device_state {
	GG_DEVICE_LIMITED = 0,  /**< "limited": walled garden only */
	GG_DEVICE_FULL,         /**< "full": subscribed, full connectivity */
	GG_DEVICE_BLOCKED,      /**< "blocked": everything refused */
	GG_DEVICE_DETACHED,     /**< "detached": no session (also sent on delete) */
	/** "provisioned": signed up, profile stored, not delivered to the
	 * device yet; the session stays in the walled garden until then. */
	GG_DEVICE_PROVISIONED,
	GG_DEVICE_STATE_MAX
};

/**
 * What gardengate keeps per device. A value type (about 17.5 KiB, mostly
 * the certificate): the store copies it in and hands out copies, so no
 * pointer inside outlives a call. Strings are NUL-terminated.
 */
struct gg_device_record {
	char identity[GG_STORE_IDENTITY_MAX + 1];  /**< SUPI or SUCI: 1..128 of '!'..'~' */
	enum gg_device_state state;
	char cert_pem[GG_STORE_CERT_MAX + 1];      /**< device certificate, may be empty */
	char cert_url[GG_STORE_URL_MAX + 1];       /**< where it was fetched, may be empty */
	uint32_t ue_ipv4;    /**< network order; 0: none (no index entry) */
	uint32_t ul_teid;    /**< our uplink TEID, host order */
	uint32_t dl_teid;    /**< the gNB's downlink TEID, host order */
	uint32_t gnb_ipv4;   /**< gNB N3 address, network order */
	uint8_t qfi;         /**< QoS flow identifier (0..63), valid if has_qfi */
	bool has_qfi;
	char auth_ctx_id[GG_STORE_AUTH_CTX_MAX + 1]; /**< AuSF context, may be empty */
	/** The SBI client that created the context (its NF certificate's
	 * name with mutual TLS, else its address), so that the context is
	 * still its alone after a restart; may be empty. */
	char auth_client[GG_STORE_CLIENT_MAX + 1];
	char notify_uri[GG_STORE_URL_MAX + 1]; /**< profile callback given at authentication, may be empty */
	char supi[GG_STORE_SUPI_MAX + 1];      /**< allocated at sign-up, empty before */
	uint64_t created_ms; /**< wall clock, ms since the epoch; 0 on put: now */
	uint64_t updated_ms; /**< wall clock, ms since the epoch; 0 on put: now */
};

/** Outcome of a request. */
enum gg_store_status {
	GG_STORE_OK = 0,
	GG_STORE_NOT_FOUND,   /**< no such device, address or profile */
	GG_STORE_DOWN,        /**< backend not usable: failed fast, or connection lost in flight */
	GG_STORE_TIMEOUT,     /**< no answer within the command timeout */
	GG_STORE_ERROR,       /**< the server refused the command (see gg_store_last_error()) */
	GG_STORE_BAD_RECORD,  /**< stored data does not parse as a record */
	GG_STORE_NOMEM,       /**< out of memory while handling the answer */
	GG_STORE_CANCELLED,   /**< the store was closed first */
	GG_STORE_CONFLICT,    /**< the record is not in the state the request requires */
};

/** A state change seen on the events channel. */
struct gg_store_event {
	const char *identity;
	enum gg_device_state state;
	uint32_t ue_ipv4;    /**< network order, 0 when absent */
	uint64_t ts_ms;      /**< wall clock, ms since the epoch, 0 when absent */
};

/** Completion of put, del and put_profile. */
typedef void (*gg_store_done_cb)(struct gg_store *s, enum gg_store_status st,
		void *arg);
/** Completion of get and get_by_ueip (rec is NULL unless st is OK); also
 * called once per record by list_all. rec is valid during the call only. */
typedef void (*gg_store_record_cb)(struct gg_store *s, enum gg_store_status st,
		const struct gg_device_record *rec, void *arg);
/** Completion of next_seq: the new value (1 for the first) when OK. */
typedef void (*gg_store_seq_cb)(struct gg_store *s, enum gg_store_status st,
		uint64_t value, void *arg);
/** Completion of get_profile; data valid during the call only. */
typedef void (*gg_store_profile_cb)(struct gg_store *s, enum gg_store_status st,
		const void *data, size_t len, void *arg);
/** End of list_all: how many records were handed to the record callback. */
typedef void (*gg_store_list_done_cb)(struct gg_store *s,
		enum gg_store_status st, uint64_t n_records, void *arg);
/**
 * An event from the events channel (any publisher, this process included).
 * ev is NULL each time the subscription is (re)established: events sent
 * while it was down are lost (pub/sub is at most once), so a consumer that
 * needs all of them re-reads the records it cares about then.
 */
typedef void (*gg_store_event_cb)(struct gg_store *s,
		const struct gg_store_event *ev, void *arg);
/** The store became usable (up, reason NULL) or not (down, reason says why). */
typedef void (*gg_store_state_cb)(struct gg_store *s, bool up,
		const char *reason, void *arg);

/** How to open a store. Zero / NULL fields take the documented default. */
struct gg_store_params {
	const char *backend;          /**< "redis" (default) or "memory" */
	const char *prefix;           /**< key prefix, default "gg:"; memory: the namespace */
	const char *unix_path;        /**< redis: unix socket path; wins over host/port */
	const char *host;             /**< redis: numeric IPv4/IPv6 address, default 127.0.0.1 */
	uint16_t port;                /**< redis: TCP port, default 6379 */
	const char *user;             /**< redis: ACL user (AUTH user pass); NULL: AUTH pass */
	const char *password;         /**< redis: NULL: no AUTH */
	unsigned int db;              /**< redis: database index (SELECT), default 0 */
	uint32_t connect_timeout_ms;  /**< connect + handshake, default 1000 */
	uint32_t command_timeout_ms;  /**< per command, default 1000 */
	uint32_t reconnect_min_ms;    /**< first retry delay, default 100 */
	uint32_t reconnect_max_ms;    /**< retry delay cap, default 5000 */
	gg_store_state_cb state_cb;   /**< optional: up/down changes */
	void *state_arg;
};

/** Counters since open; single writer (the store's thread). */
struct gg_store_stats {
	uint64_t connects;           /**< command connection became usable */
	uint64_t disconnects;        /**< usable command connection lost */
	uint64_t reconnect_attempts; /**< connection attempts after a failure or a loss */
	uint64_t errors;             /**< requests ended with an error (not OK, not NOT_FOUND) */
	uint64_t timeouts;           /**< ... of which timed out */
	uint64_t rejected_down;      /**< ... of which failed fast while down */
	uint64_t sub_connects;       /**< subscription (re)established */
	uint64_t sub_disconnects;    /**< established subscription lost */
	uint64_t events;             /**< events handed to the event callback */
	uint64_t bad_events;         /**< events dropped: not our JSON */
};

/**
 * Open a store on @p loop and start connecting (the redis backend is never
 * up when this returns: wait for the state callback or gg_store_is_up()).
 *
 * Redis: a host must be a numeric address (a name would need a blocking
 * resolver). hiredis writes with write(2), so the redis backend sets
 * SIGPIPE to SIG_IGN if it still has its default disposition. The backoff
 * between attempts doubles from reconnect_min_ms to reconnect_max_ms,
 * each delay drawn in [d/2, d] so that appliances restarted together do
 * not retry in step; it restarts from the minimum after a successful
 * handshake. A command unanswered after command_timeout_ms fails with
 * GG_STORE_TIMEOUT and the connection is dropped and re-made (a server
 * that does not answer is treated as down; the timeout must exceed the
 * slowest command, e.g. list_all's SMEMBERS).
 *
 * @return the store, or NULL with rte_errno set (EINVAL: bad parameter,
 *   ENOENT: no such backend linked in, ENOMEM).
 */
struct gg_store *gg_store_open(const struct gg_store_params *p,
		struct gg_evloop *loop);

struct gg_conf_store;

/**
 * Fill @p p from the "store" section of a configuration (lib/conf): the
 * backend, prefix, address or socket, credentials and timeouts, empty
 * strings as NULL. Everything else is zeroed (defaults, no callback): the
 * caller sets state_cb and state_arg.
 */
void gg_store_params_from_conf(struct gg_store_params *p,
		const struct gg_conf_store *c);

/**
 * Close the store. Pending requests are answered with GG_STORE_CANCELLED
 * from within this call. May be called from a store callback; the memory
 * is then released once that callback returns. NULL is a no-op.
 */
void gg_store_close(struct gg_store *s);

/** Backend name ("redis", "memory"). */
const char *gg_store_backend(const struct gg_store *s);

/** Whether requests are being served (false: they fail with GG_STORE_DOWN). */
bool gg_store_is_up(const struct gg_store *s);

/** Copy the counters. */
void gg_store_get_stats(const struct gg_store *s, struct gg_store_stats *st);

/** The last connection or server error, as text ("" if none yet). */
const char *gg_store_last_error(const struct gg_store *s);

/** Name of a status, for logs. */
const char *gg_store_strerror(enum gg_store_status st);

/** Name of a device state ("limited", ...), or NULL if out of range. */
const char *gg_device_state_name(enum gg_device_state st);

/** Parse a state name; 0 on success, -EINVAL otherwise. */
int gg_device_state_parse(const char *name, enum gg_device_state *st);

/** Check a record as put() would: 0 or -EINVAL. */
int gg_device_record_check(const struct gg_device_record *rec);

/** Keys and channel of the schema (see the top of this file). */
enum gg_store_key_kind {
	GG_STORE_KEY_DEVICE,   /**< arg: identity */
	GG_STORE_KEY_UEIP,     /**< arg: dotted quad */
	GG_STORE_KEY_DEVICES,  /**< arg unused */
	GG_STORE_KEY_PROFILE,  /**< arg: identity */
	GG_STORE_KEY_EVENTS,   /**< the channel; arg unused */
	GG_STORE_KEY_SUBSCRIPTION, /**< arg: SUPI */
	GG_STORE_KEY_SEQ,      /**< arg: sequence name */
};

/**
 * Build a key of the schema into @p buf. For other programs (portal,
 * tools) that share the data.
 * @return its length, or -ENOSPC / -EINVAL.
 */
int gg_store_key(char *buf, size_t size, const char *prefix,
		enum gg_store_key_kind kind, const char *arg);

/**
 * Create or replace the record of rec->identity, atomically with the UE IP
 * index (the previous address's entry is removed if it still names this
 * device), the set of devices and, when the state differs from the stored
 * one (or the device is new), an event. Zero created_ms / updated_ms are
 * stored as the current time. Cost: one round trip.
 */
int gg_store_put(struct gg_store *s, const struct gg_device_record *rec,
		gg_store_done_cb cb, void *arg);

/** Read one record (GG_STORE_NOT_FOUND if absent). One round trip. */
int gg_store_get(struct gg_store *s, const char *identity,
		gg_store_record_cb cb, void *arg);

/**
 * Read the record that the UE IP index names for @p ue_ipv4 (network
 * order); GG_STORE_NOT_FOUND if none, or if that record no longer holds
 * the address. One round trip.
 */
int gg_store_get_by_ueip(struct gg_store *s, uint32_t ue_ipv4,
		gg_store_record_cb cb, void *arg);

/**
 * Delete the device: record, index entry, set member and profile, and
 * publish a "detached" event, atomically. GG_STORE_NOT_FOUND (nothing
 * published) if there was no record. One round trip.
 */
int gg_store_del(struct gg_store *s, const char *identity,
		gg_store_done_cb cb, void *arg);

/**
 * Hand every record to @p rec_cb (status OK), in no particular order, then
 * call @p done_cb once. On an error the record callbacks stop and done_cb
 * gets the status. Records that vanish or do not parse during the walk are
 * skipped (not counted). Meant for restoring sessions at start.
 * Cost (redis): one SMEMBERS (all identities held in memory once), then
 * HGETALLs pipelined 128 at a time.
 */
int gg_store_list_all(struct gg_store *s, gg_store_record_cb rec_cb,
		gg_store_list_done_cb done_cb, void *arg);

/** Store the encrypted profile of a device (binary, at most
 * GG_STORE_PROFILE_MAX bytes; copied before returning). */
int gg_store_put_profile(struct gg_store *s, const char *identity,
		const void *data, size_t len, gg_store_done_cb cb, void *arg);

/** Read the profile of a device (GG_STORE_NOT_FOUND if none). */
int gg_store_get_profile(struct gg_store *s, const char *identity,
		gg_store_profile_cb cb, void *arg);

/**
 * Take the next value of sequence "<prefix>seq:<name>" (INCR: atomic
 * across every process sharing the store; the first value is 1). @p name:
 * 1..GG_STORE_SEQ_NAME_MAX printable characters, no space. A value taken
 * by a request that later fails is not given back (sequences may have
 * gaps). One round trip.
 */
int gg_store_next_seq(struct gg_store *s, const char *name,
		gg_store_seq_cb cb, void *arg);

/** A subscription made at sign-up (the portal writes it). Hex strings
 * are lowercase, NUL-terminated. A secret: never logged. */
struct gg_subscription {
	char identity[GG_STORE_IDENTITY_MAX + 1]; /**< the device it was made for */
	char supi[GG_STORE_SUPI_MAX + 1];  /**< "imsi-" + MCC + MNC + MSIN */
	char plan[GG_STORE_PLAN_MAX + 1];  /**< plan id */
	char k_hex[33];                    /**< K, 128 bit */
	char opc_hex[33];                  /**< OPc, 128 bit */
	char amf_hex[5];                   /**< AMF, 16 bit */
	uint64_t created_ms;               /**< 0: now */
};

/**
 * Sign a device up, atomically: only when the record of sub->identity
 * exists in state "limited" and no subscription holds sub->supi yet,
 * write the subscription hash, store @p profile (1 to
 * GG_STORE_PROFILE_MAX bytes, copied before returning), set the record's
 * state to "provisioned" with its supi and updated_ms, and publish the
 * "provisioned" event. Otherwise nothing is written: GG_STORE_NOT_FOUND
 * when there is no record, GG_STORE_CONFLICT when it is not "limited"
 * (signed up already, blocked, ...) or the SUPI is taken. One round trip.
 */
int gg_store_provision(struct gg_store *s, const struct gg_subscription *sub,
		const void *profile, size_t len, gg_store_done_cb cb, void *arg);

/**
 * Change the state of @p identity from @p from to @p to, atomically, with
 * its event and updated_ms: GG_STORE_NOT_FOUND when there is no record,
 * GG_STORE_CONFLICT (nothing written) when its state is not @p from. Used
 * for "provisioned" -> "full" once the profile is delivered, whichever
 * appliance or retry gets there first. One round trip.
 */
int gg_store_set_state_if(struct gg_store *s, const char *identity,
		enum gg_device_state from, enum gg_device_state to,
		gg_store_done_cb cb, void *arg);

/**
 * Receive the events channel through @p cb (NULL: stop). The redis backend
 * uses a second connection (SUBSCRIBE blocks a connection for anything
 * else); it reconnects on its own, independently of the command
 * connection, and does not count for gg_store_is_up().
 * @return 0, or -EINVAL / -ENOMEM / -ESHUTDOWN.
 */
int gg_store_subscribe(struct gg_store *s, gg_store_event_cb cb, void *arg);

#endif /* GG_STORE_H */
