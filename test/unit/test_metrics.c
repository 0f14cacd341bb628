/* SPDX-License-Identifier: BSD-3-Clause */
/* CUnit suite for lib/metrics: the OpenMetrics and Prometheus text writer
 * (lines of both formats, escaping, refusals, the size limit, Accept
 * negotiation) and the log line limiter (repeats, rate, notes). */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "gg_logrl.h"
#include "gg_metrics.h"
#include "test_cunit.h"

static void
write_sample_page(struct gg_om *w)
{
	static const char *const l1[] = { "port", "n3", NULL };
	static const char *const l2[] = { "version", "0.1.0", "dpdk", "a\"b\\c\nd", NULL };

	gg_om_family(w, "gg_tx_bytes", GG_OM_COUNTER, "bytes", "Bytes \"sent\"\\.");
	gg_om_sample(w, l1, 42);
	gg_om_family(w, "gg_up", GG_OM_GAUGE, NULL, NULL);
	gg_om_sample_double(w, NULL, 1.5);
	gg_om_family(w, "gg_build", GG_OM_INFO, NULL, "Build.");
	gg_om_sample(w, l2, 1);
}

static void
test_openmetrics(void)
{
	struct gg_om w;
	const char *t;
	size_t len;

	CU_ASSERT_FATAL(gg_om_init(&w, GG_OM_OPENMETRICS, 1 << 20) == 0);
	write_sample_page(&w);
	t = gg_om_finish(&w, &len);
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL(len, strlen(t));
	CU_ASSERT_STRING_EQUAL(t,
		"# HELP gg_tx_bytes Bytes \\\"sent\\\"\\\\.\n"
		"# TYPE gg_tx_bytes counter\n"
		"# UNIT gg_tx_bytes bytes\n"
		"gg_tx_bytes_total{port=\"n3\"} 42\n"
		"# TYPE gg_up gauge\n"
		"gg_up 1.5\n"
		"# HELP gg_build Build.\n"
		"# TYPE gg_build info\n"
		"gg_build_info{version=\"0.1.0\",dpdk=\"a\\\"b\\\\c\\nd\"} 1\n"
		"# EOF\n");
	gg_om_free(&w);
}

static void
test_text(void)
{
	struct gg_om w;
	const char *t;

	CU_ASSERT_FATAL(gg_om_init(&w, GG_OM_TEXT, 1 << 20) == 0);
	write_sample_page(&w);
	t = gg_om_finish(&w, NULL);
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_STRING_EQUAL(t,
		"# HELP gg_tx_bytes_total Bytes \"sent\"\\\\.\n"
		"# TYPE gg_tx_bytes_total counter\n"
		"gg_tx_bytes_total{port=\"n3\"} 42\n"
		"# TYPE gg_up gauge\n"
		"gg_up 1.5\n"
		"# HELP gg_build_info Build.\n"
		"# TYPE gg_build_info gauge\n"
		"gg_build_info{version=\"0.1.0\",dpdk=\"a\\\"b\\\\c\\nd\"} 1\n");
	gg_om_free(&w);
}

/* Each mistake fails the whole page, whatever came before. */
static void
test_refusals(void)
{
	static const char *const bad_label[] = { "1x", "v", NULL };
	static const char *const reserved[] = { "__name__", "v", NULL };
	static const char *const odd[] = { "a", NULL };
	static const struct {
		const char *name;
		enum gg_om_type type;
		const char *unit;
	} fam[] = {
		{ "9lives", GG_OM_GAUGE, NULL },
		{ "has-dash", GG_OM_GAUGE, NULL },
		{ "x_seconds", GG_OM_GAUGE, "bytes" },   /* unit not the suffix */
		{ "x_total", GG_OM_COUNTER, NULL },      /* _total is added */
		{ "x_info", GG_OM_INFO, NULL },
		{ "bytes", GG_OM_GAUGE, "bytes" },       /* nothing before it */
	};
	const char *const *labels[] = { bad_label, reserved, odd };
	struct gg_om w;
	unsigned int i;

	for (i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		CU_ASSERT_FATAL(gg_om_init(&w, GG_OM_OPENMETRICS, 4096) == 0);
		gg_om_family(&w, "ok", GG_OM_GAUGE, NULL, NULL);
		gg_om_sample(&w, NULL, 1);
		gg_om_family(&w, fam[i].name, fam[i].type, fam[i].unit, NULL);
		CU_ASSERT(gg_om_finish(&w, NULL) == NULL);
		gg_om_free(&w);
	}
	for (i = 0; i < 3; i++) {
		CU_ASSERT_FATAL(gg_om_init(&w, GG_OM_TEXT, 4096) == 0);
		gg_om_family(&w, "ok", GG_OM_GAUGE, NULL, NULL);
		gg_om_sample(&w, labels[i], 1);
		CU_ASSERT(gg_om_finish(&w, NULL) == NULL);
		gg_om_free(&w);
	}
	/* A sample before any family. */
	CU_ASSERT_FATAL(gg_om_init(&w, GG_OM_TEXT, 4096) == 0);
	gg_om_sample(&w, NULL, 1);
	CU_ASSERT(gg_om_finish(&w, NULL) == NULL);
	gg_om_free(&w);
	CU_ASSERT(gg_om_valid_name("gardengate_rx_n3:rate5m"));
	CU_ASSERT(!gg_om_valid_name(""));
}

/* The buffer grows past its first size, and stops at the limit. */
static void
test_limit(void)
{
	struct gg_om w;
	const char *t;
	size_t len = 0;
	unsigned int i;
	char v[16];
	const char *labels[] = { "i", v, NULL };

	CU_ASSERT_FATAL(gg_om_init(&w, GG_OM_TEXT, 1 << 20) == 0);
	gg_om_family(&w, "many", GG_OM_COUNTER, NULL, "many samples");
	for (i = 0; i < 5000; i++) {
		snprintf(v, sizeof(v), "%u", i);
		gg_om_sample(&w, labels, i);
	}
	t = gg_om_finish(&w, &len);
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT(len > 16384 && len == strlen(t));
	CU_ASSERT(strstr(t, "\nmany_total{i=\"4999\"} 4999\n") != NULL);
	gg_om_free(&w);

	CU_ASSERT_FATAL(gg_om_init(&w, GG_OM_TEXT, 20000) == 0);
	gg_om_family(&w, "many", GG_OM_COUNTER, NULL, NULL);
	for (i = 0; i < 5000; i++)
		gg_om_sample(&w, NULL, i);
	CU_ASSERT(gg_om_finish(&w, NULL) == NULL);
	CU_ASSERT(w.len <= 20000);
	gg_om_free(&w);
}

static void
test_negotiate(void)
{
	/* What Prometheus 2.42 sends. */
	CU_ASSERT_EQUAL(gg_om_negotiate("application/openmetrics-text;version=1.0.0,"
		"application/openmetrics-text;version=0.0.1;q=0.75,"
		"text/plain;version=0.0.4;q=0.5,*/*;q=0.1"), GG_OM_OPENMETRICS);
	CU_ASSERT_EQUAL(gg_om_negotiate(NULL), GG_OM_TEXT);
	CU_ASSERT_EQUAL(gg_om_negotiate("*/*"), GG_OM_TEXT);
	CU_ASSERT_EQUAL(gg_om_negotiate("text/plain, Application/OpenMetrics-Text ; q=0.3"),
		GG_OM_OPENMETRICS);
	CU_ASSERT_EQUAL(gg_om_negotiate("application/openmetrics-text;q=0"), GG_OM_TEXT);
	CU_ASSERT_EQUAL(gg_om_negotiate("application/openmetrics-textual"), GG_OM_TEXT);
	CU_ASSERT(strstr(gg_om_content_type(GG_OM_OPENMETRICS),
		"application/openmetrics-text; version=1.0.0") != NULL);
	CU_ASSERT(strstr(gg_om_content_type(GG_OM_TEXT), "version=0.0.4") != NULL);
}

struct out {
	char text[4096];
	unsigned int lines;
};

static void
collect(void *arg, const char *line, size_t len)
{
	struct out *o = arg;
	size_t have = strlen(o->text);

	snprintf(o->text + have, sizeof(o->text) - have, "%.*s|", (int)len, line);
	o->lines++;
}

#define LINE(r, s, t, o) gg_logrl_line((r), (s), strlen(s), (t), collect, (o))

static void
test_logrl_repeats(void)
{
	struct gg_logrl r;
	struct out o = { "", 0 };
	int i;

	gg_logrl_init(&r, 100, 1.0, 10.0);
	LINE(&r, "store down", 0.0, &o);
	for (i = 0; i < 1000; i++)
		LINE(&r, "store down", 0.001 * i, &o);
	CU_ASSERT_STRING_EQUAL(o.text, "store down|");
	/* A different line first says what was held back. */
	LINE(&r, "store up", 2.0, &o);
	CU_ASSERT_STRING_EQUAL(o.text, "store down|"
		"last message repeated 1000 times: store down|store up|");
	/* The same line is shown again once its interval is over. */
	LINE(&r, "store up", 5.0, &o);
	LINE(&r, "store up", 12.5, &o);
	CU_ASSERT_EQUAL(o.lines, 5);
	CU_ASSERT(strstr(o.text, "last message repeated 1 times: store up|store up|") != NULL);
	gg_logrl_flush(&r, collect, &o);
	CU_ASSERT_EQUAL(o.lines, 5);
	CU_ASSERT_EQUAL(r.total_suppressed, 1001);
}

static void
test_logrl_rate(void)
{
	struct gg_logrl r;
	struct out o = { "", 0 };
	char line[32];
	int i;

	gg_logrl_init(&r, 3, 1.0, 10.0);
	for (i = 0; i < 10; i++) {
		snprintf(line, sizeof(line), "m%d", i);
		LINE(&r, line, 0.1 * i, &o);       /* 0.0 .. 0.9: one window */
	}
	CU_ASSERT_STRING_EQUAL(o.text, "m0|m1|m2|");
	LINE(&r, "later", 1.5, &o);
	CU_ASSERT_STRING_EQUAL(o.text, "m0|m1|m2|"
		"7 log messages suppressed (more than 3 in 1 s)|later|");
	/* Long lines are compared on their first GG_LOGRL_LINE_MAX octets. */
	{
		char big[GG_LOGRL_LINE_MAX + 100];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		LINE(&r, big, 1.6, &o);
		big[sizeof(big) - 2] = 'y';
		LINE(&r, big, 1.7, &o);
		CU_ASSERT_EQUAL(r.repeats, 1);
	}
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "openmetrics", test_openmetrics },
		{ "text 0.0.4", test_text },
		{ "refusals", test_refusals },
		{ "size limit", test_limit },
		{ "accept negotiation", test_negotiate },
		{ "log repeats", test_logrl_repeats },
		{ "log rate", test_logrl_rate },
	};

	return test_cunit_main("metrics", NULL, NULL, TEST_CASES(tests));
}
