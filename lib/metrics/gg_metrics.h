/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A writer of the Prometheus exposition formats: OpenMetrics 1.0.0
 * (application/openmetrics-text) and the older Prometheus text format
 * 0.0.4 (text/plain), which differ in the TYPE line of counters, the
 * UNIT line, info families and the closing "# EOF".
 *
 * Families are written one after another: gg_om_family() opens one (its
 * HELP, TYPE and UNIT lines), gg_om_sample*() add its samples. Names are
 * checked ([a-zA-Z_:][a-zA-Z0-9_:]*), label values and help texts
 * escaped; a bad name, a unit the name does not end with, or a text
 * larger than the limit marks the writer failed, and gg_om_finish()
 * then returns NULL: a scrape gets an error, never half a page.
 *
 * Not thread-safe: one writer per thread. Memory: one buffer that grows
 * by doubling up to the limit given to gg_om_init().
 */
#ifndef GG_METRICS_H
#define GG_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gg_om_format {
	GG_OM_TEXT,        /**< Prometheus text 0.0.4 */
	GG_OM_OPENMETRICS, /**< OpenMetrics 1.0.0 */
};

enum gg_om_type {
	GG_OM_COUNTER, /**< samples are NAME_total */
	GG_OM_GAUGE,   /**< samples are NAME */
	GG_OM_INFO,    /**< samples are NAME_info, value 1 (a gauge in text 0.0.4) */
};

/** At most this many label pairs per sample. */
#define GG_OM_LABELS_MAX 8

struct gg_om {
	char *buf;
	size_t len, cap, max;
	enum gg_om_format fmt;
	enum gg_om_type type;     /* of the open family */
	char family[128];         /* open family's name, "" before the first */
	bool failed;
};

/** Start writing in @p fmt; at most @p max octets. 0, or -1 (no memory). */
int gg_om_init(struct gg_om *w, enum gg_om_format fmt, size_t max);

/** Free the buffer (what gg_om_finish() returned goes with it). */
void gg_om_free(struct gg_om *w);

/**
 * Open family @p name (without "_total" or "_info") of @p type. @p unit,
 * or NULL: the name must end with "_" unit ("bytes", "seconds"). @p help
 * is one line; it is escaped.
 */
void gg_om_family(struct gg_om *w, const char *name, enum gg_om_type type,
		const char *unit, const char *help);

/**
 * One sample of the open family. @p labels: NULL, or name, value, name,
 * value, ..., NULL (at most GG_OM_LABELS_MAX pairs); values are escaped.
 */
void gg_om_sample(struct gg_om *w, const char *const *labels, uint64_t v);
/** The same with a floating-point value (seconds, rates). */
void gg_om_sample_double(struct gg_om *w, const char *const *labels,
		double v);

/**
 * Close the text ("# EOF" for OpenMetrics). The text, NUL-terminated,
 * and its length in @p len; NULL if anything failed.
 */
const char *gg_om_finish(struct gg_om *w, size_t *len);

/**
 * The format for an HTTP Accept header (NULL: none): OpenMetrics when it
 * names application/openmetrics-text with a q above 0, text otherwise.
 */
enum gg_om_format gg_om_negotiate(const char *accept);

/** The Content-Type of @p fmt. */
const char *gg_om_content_type(enum gg_om_format fmt);

/** true if @p name is a valid metric or label name. */
bool gg_om_valid_name(const char *name);

#endif /* GG_METRICS_H */
