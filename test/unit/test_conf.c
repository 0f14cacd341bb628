/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the configuration loader (lib/conf): the shipped default
 * file, defaults of a minimal file, values at the edges of each range, and
 * the "FILE:LINE: SETTING: problem" message of every kind of bad input.
 *
 * Runs from the source root (meson sets workdir) so that the default
 * config/gardengate.conf is found. Temporary files go to /tmp and are
 * removed as soon as they have been loaded. No EAL is needed.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_log.h>

#include "gg_conf.h"
#include "gg_session.h"
#include "test_cunit.h"

#define DEFAULT_CONF "config/gardengate.conf"

/* The workers range in the cases below is written out as 1..127. */
_Static_assert(RTE_MAX_LCORE == 128, "test cases assume RTE_MAX_LCORE 128");

/* Two valid ports on lines 1-4, so that a bad line can follow at 5. */
#define N3_OK "  n3 = { device = \"net_null0\"; address = \"192.0.2.1/24\"; };\n"
#define N6_OK "  n6 = { device = \"net_null1\"; address = \"198.51.100.1/24\"; };\n"
#define PORTS "ports = {\n" N3_OK N6_OK "};\n"

#define SESS(ue, teid) \
	"{ ue = \"" ue "\"; ul_teid = " teid "; gnb = \"192.0.2.10\"; dl_teid = 1; }"

#define EAL8 "\"-v\", \"-v\", \"-v\", \"-v\", \"-v\", \"-v\", \"-v\", \"-v\", "

/* Host-order dotted quad to the network-order value the config holds. */
static uint32_t
ip(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a.s_addr;
}

/* Write @p text to a new file under /tmp; its name goes to @p path. */
static int
write_tmp(const char *text, char *path, size_t len)
{
	FILE *f;
	int fd;

	snprintf(path, len, "/tmp/gg_test_conf_XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		unlink(path);
		return -1;
	}
	fputs(text, f);
	fclose(f);
	return 0;
}

/* Load @p text from a temporary file (removed again); the name in @p path. */
static int
load_text(const char *text, struct gg_config *cfg, char *err, size_t errlen,
		char *path, size_t pathlen)
{
	int ret;

	if (write_tmp(text, path, pathlen) < 0) {
		printf("\n  cannot create a temporary file\n");
		if (errlen > 0)
			err[0] = '\0';
		return -2;
	}
	ret = gg_conf_load(path, cfg, err, errlen);
	unlink(path);
	return ret;
}

/*
 * Load @p text, which must be accepted: 0, or the status after saying
 * why. @p path receives the temporary file's name.
 */
static int
load_ok(const char *text, struct gg_config *cfg, char *path, size_t pathlen)
{
	char err[GG_CONF_ERR_MAX] = "";
	int ret = load_text(text, cfg, err, sizeof(err), path, pathlen);

	if (ret != 0)
		printf("\n  load failed: %s\n", err);
	return ret;
}

/* What a failed load must leave behind: the defaults, nothing allocated. */
static void
assert_reset(const struct gg_config *cfg)
{
	CU_ASSERT_EQUAL(cfg->eal_argc, 0);
	CU_ASSERT_PTR_NULL(cfg->eal_argv[0]);
	CU_ASSERT_PTR_NULL(cfg->sessions);
	CU_ASSERT_EQUAL(cfg->n_sessions, 0);
	CU_ASSERT_EQUAL(cfg->path[0], '\0');
	CU_ASSERT_EQUAL(cfg->workers, 1);
}

static void
test_default_file(void)
{
	static const uint8_t mac3[] = { 0x02, 0, 0, 0, 0x03, 0xfe };
	static const uint8_t mac6[] = { 0x02, 0, 0, 0, 0x06, 0xfe };
	struct gg_config cfg;
	char err[GG_CONF_ERR_MAX] = "";
	char *text = NULL;
	size_t textlen = 0;
	FILE *out;
	int ret;

	ret = gg_conf_load(DEFAULT_CONF, &cfg, err, sizeof(err));
	if (ret != 0)
		printf("\n  load failed: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(ret, 0);

	CU_ASSERT_STRING_EQUAL(cfg.path, DEFAULT_CONF);
	CU_ASSERT_EQUAL_FATAL(cfg.eal_argc, 10);
	CU_ASSERT_STRING_EQUAL(cfg.eal_argv[0], "--no-huge");
	CU_ASSERT_STRING_EQUAL(cfg.eal_argv[9], "pmd.net.pcap:warning");
	CU_ASSERT_EQUAL(cfg.workers, 1);

	CU_ASSERT_EQUAL(strncmp(cfg.n3.device, "net_pcap_n3,rx_pcap=", 20), 0);
	CU_ASSERT_EQUAL(cfg.n3.address, ip("192.0.2.1"));
	CU_ASSERT_EQUAL(cfg.n3.prefix_len, 24);
	CU_ASSERT_EQUAL(cfg.n3.next_hop, ip("192.0.2.254"));
	CU_ASSERT_TRUE(cfg.n3.next_hop_mac_set);
	CU_ASSERT_EQUAL(memcmp(cfg.n3.next_hop_mac.addr_bytes, mac3, 6), 0);
	CU_ASSERT_EQUAL(cfg.n3.mtu, 1500);

	CU_ASSERT_EQUAL(strncmp(cfg.n6.device, "net_pcap_n6,rx_pcap=", 20), 0);
	CU_ASSERT_EQUAL(cfg.n6.address, ip("198.51.100.1"));
	CU_ASSERT_EQUAL(cfg.n6.prefix_len, 24);
	CU_ASSERT_EQUAL(cfg.n6.next_hop, ip("198.51.100.254"));
	CU_ASSERT_TRUE(cfg.n6.next_hop_mac_set);
	CU_ASSERT_EQUAL(memcmp(cfg.n6.next_hop_mac.addr_bytes, mac6, 6), 0);
	CU_ASSERT_EQUAL(cfg.n6.mtu, 1500);

	CU_ASSERT_EQUAL(cfg.rx_desc, 1024);
	CU_ASSERT_EQUAL(cfg.tx_desc, 1024);
	CU_ASSERT_EQUAL(cfg.mbufs, 16383);
	CU_ASSERT_EQUAL(cfg.mbuf_cache, 256);
	CU_ASSERT_EQUAL(cfg.error_indication_rate, 1000);
	CU_ASSERT_EQUAL(cfg.session_capacity, 65536);

	CU_ASSERT_EQUAL_FATAL(cfg.n_sessions, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg.sessions);
	CU_ASSERT_EQUAL(cfg.sessions[0].ue_ipv4, ip("10.45.0.2"));
	CU_ASSERT_EQUAL(cfg.sessions[0].ul_teid, 0x101);
	CU_ASSERT_EQUAL(cfg.sessions[0].gnb_ipv4, ip("192.0.2.10"));
	CU_ASSERT_EQUAL(cfg.sessions[0].dl_teid, 0xa01);
	CU_ASSERT_TRUE(cfg.sessions[0].qfi_set);
	CU_ASSERT_EQUAL(cfg.sessions[0].qfi, 9);
	CU_ASSERT_EQUAL(cfg.sessions[0].state, GG_SESSION_FULL);
	CU_ASSERT_EQUAL(cfg.sessions[1].ue_ipv4, ip("10.45.0.3"));
	CU_ASSERT_EQUAL(cfg.sessions[1].ul_teid, 0x102);
	CU_ASSERT_EQUAL(cfg.sessions[1].dl_teid, 0xa02);
	CU_ASSERT_FALSE(cfg.sessions[1].qfi_set);
	CU_ASSERT_EQUAL(cfg.sessions[1].state, GG_SESSION_FULL);
	CU_ASSERT_EQUAL(cfg.sessions[2].ue_ipv4, ip("10.45.0.4"));
	CU_ASSERT_EQUAL(cfg.sessions[2].state, GG_SESSION_LIMITED);
	/* The walled garden of the default configuration. */
	CU_ASSERT_TRUE(cfg.portal.set);
	CU_ASSERT_EQUAL(cfg.portal.ipv4, ip("203.0.113.80"));
	CU_ASSERT_STRING_EQUAL(cfg.portal.url, "http://portal.example/signup?orig={url}");
	CU_ASSERT_EQUAL(cfg.garden.n_rules, 0);
	CU_ASSERT_EQUAL_FATAL(cfg.garden.n_names, 2);
	CU_ASSERT_STRING_EQUAL(cfg.garden.names[0], "portal.example");
	CU_ASSERT_EQUAL(cfg.garden.name_scopes[0].n, 2);
	CU_ASSERT_EQUAL(cfg.garden.name_scopes[1].n, 1);
	CU_ASSERT_EQUAL(cfg.garden.name_scopes[1].r[0].port_lo, 80);
	CU_ASSERT_EQUAL_FATAL(cfg.garden.n_resolvers, 1);
	CU_ASSERT_EQUAL(cfg.garden.resolvers[0], ip("203.0.113.53"));
	CU_ASSERT_EQUAL(cfg.garden.query_timeout, 5);
	CU_ASSERT_EQUAL(cfg.garden.max_per_session, 64);
	CU_ASSERT_EQUAL(cfg.garden.dns_mode, 0);
	CU_ASSERT_EQUAL(cfg.garden.dns_ttl, 10);
	CU_ASSERT_FALSE(cfg.garden.learn_global);

	CU_ASSERT_EQUAL(cfg.log_level, RTE_LOG_INFO);
	CU_ASSERT_EQUAL(cfg.stats_interval, 0);

	out = open_memstream(&text, &textlen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	gg_conf_print_summary(&cfg, out);
	fclose(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, DEFAULT_CONF));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "--no-huge --no-pci -m 256"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "192.0.2.1/24"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "198.51.100.254"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "02:00:00:00:06:FE"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "3 static"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
		"[0] ue 10.45.0.2 ul_teid 0x00000101 gnb 192.0.2.10 dl_teid 0x00000a01 qfi 9"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[1] ue 10.45.0.3"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "level info"));
	if (getenv("GG_TEST_VERBOSE") != NULL)
		printf("\n%s", text);
	free(text);

	gg_conf_free(&cfg);
	CU_ASSERT_EQUAL(cfg.eal_argc, 0);
	CU_ASSERT_PTR_NULL(cfg.sessions);
	CU_ASSERT_EQUAL(cfg.n_sessions, 0);
	gg_conf_free(&cfg); /* twice is harmless */
}

static void
test_minimal_defaults(void)
{
	static const char text[] =
		"ports = {\n"
		"  n3 = { device = \"0000:01:00.0\"; address = \"192.0.2.1\"; };\n"
		"  n6 = { device = \"0000:01:00.1\"; address = \"198.51.100.1/30\"; };\n"
		"};\n";
	struct gg_config cfg;
	char path[64];

	CU_ASSERT_EQUAL_FATAL(load_ok(text, &cfg, path, sizeof(path)), 0);

	CU_ASSERT_STRING_EQUAL(cfg.path, path);
	CU_ASSERT_EQUAL(cfg.eal_argc, 0);
	CU_ASSERT_STRING_EQUAL(cfg.n3.device, "0000:01:00.0");
	CU_ASSERT_EQUAL(cfg.n3.address, ip("192.0.2.1"));
	CU_ASSERT_EQUAL(cfg.n3.prefix_len, 32);
	CU_ASSERT_EQUAL(cfg.n3.next_hop, 0);
	CU_ASSERT_FALSE(cfg.n3.next_hop_mac_set);
	CU_ASSERT_EQUAL(cfg.n3.mtu, 1500);
	CU_ASSERT_STRING_EQUAL(cfg.n6.device, "0000:01:00.1");
	CU_ASSERT_EQUAL(cfg.n6.prefix_len, 30);
	CU_ASSERT_EQUAL(cfg.n6.mtu, 1500);
	CU_ASSERT_EQUAL(cfg.workers, 1);
	CU_ASSERT_EQUAL(cfg.rx_desc, 1024);
	CU_ASSERT_EQUAL(cfg.tx_desc, 1024);
	CU_ASSERT_EQUAL(cfg.mbufs, 16383);
	CU_ASSERT_EQUAL(cfg.mbuf_cache, 256);
	CU_ASSERT_EQUAL(cfg.session_capacity, 65536);
	CU_ASSERT_PTR_NULL(cfg.sessions);
	CU_ASSERT_EQUAL(cfg.n_sessions, 0);
	CU_ASSERT_EQUAL(cfg.error_indication_rate, 1000);
	CU_ASSERT_EQUAL(cfg.log_level, RTE_LOG_INFO);
	CU_ASSERT_EQUAL(cfg.stats_interval, 0);
	/* mtu: clamping on at 1500 - 84, fragments, reassembly */
	CU_ASSERT_TRUE(cfg.mtu.tcp_mss_clamp);
	CU_ASSERT_EQUAL(cfg.mtu.tcp_mss, 1416);
	CU_ASSERT_FALSE(cfg.mtu.fragment_off);
	CU_ASSERT_EQUAL(cfg.mtu.icmp_rate, 100);
	CU_ASSERT_EQUAL(cfg.mtu.reasm_flows, 256);
	CU_ASSERT_EQUAL(cfg.mtu.reasm_timeout_ms, 2000);
	gg_conf_free(&cfg);
}

/* Values at the edges of their ranges, and the other spellings allowed. */
static void
test_edges_accepted(void)
{
	static const char text[] =
		"eal = (" EAL8 EAL8 EAL8 EAL8 EAL8 EAL8 EAL8
		"\"-v\", \"-v\", \"-v\", \"-v\", \"-v\", \"-v\", \"-v\", \"last\");\n"
		"workers = 127;\n"
		"ports = {\n"
		"  n3 = { device = \"a\"; address = \"10.0.0.1/1\"; mtu = 576;\n"
		"         next_hop = \"10.0.0.2\"; next_hop_mac = \"02:AB:cd:00:00:01\"; };\n"
		"  n6 = { device = \"b\"; address = \"10.0.0.3/32\"; mtu = 9000; };\n"
		"};\n"
		"queues = { rx_desc = 64; tx_desc = 16384; };\n"
		"mempool = { mbufs = 16777216; cache = 0; };\n"
		"gtpu = { error_indication_rate = 10000000; };\n"
		"sessions = {\n"
		"  static = (\n"
		"    { ue = \"10.1.0.1\"; ul_teid = 0xffffffff; gnb = \"1.2.3.4\"; dl_teid = 0; qfi = 0; state = \"limited\"; },\n"
		"    { ue = \"10.1.0.2\"; ul_teid = 0x80000000; gnb = \"1.2.3.4\"; dl_teid = 0xffffffff; qfi = 63; state = \"blocked\"; },\n"
		"    { ue = \"10.1.0.3\"; ul_teid = 4294967294L; gnb = \"1.2.3.4\"; dl_teid = 0xfffffffeL; },\n"
		"    { ue = \"10.1.0.4\"; ul_teid = 1; gnb = \"1.2.3.4\"; dl_teid = 2147483647; }\n"
		"  );\n"
		"  capacity = 4;\n"
		"};\n"
		"log = { level = \"debug\"; stats_interval = 3600; };\n";
	static const uint8_t mac[] = { 0x02, 0xab, 0xcd, 0, 0, 1 };
	struct gg_config cfg;
	char path[64];

	CU_ASSERT_EQUAL_FATAL(load_ok(text, &cfg, path, sizeof(path)), 0);

	CU_ASSERT_EQUAL(cfg.eal_argc, GG_CONF_EAL_ARGS_MAX);
	CU_ASSERT_STRING_EQUAL(cfg.eal_argv[GG_CONF_EAL_ARGS_MAX - 1], "last");
	CU_ASSERT_EQUAL(cfg.workers, 127);
	CU_ASSERT_EQUAL(cfg.n3.prefix_len, 1);
	CU_ASSERT_EQUAL(cfg.n3.mtu, 576);
	CU_ASSERT_EQUAL(memcmp(cfg.n3.next_hop_mac.addr_bytes, mac, 6), 0);
	CU_ASSERT_EQUAL(cfg.n6.prefix_len, 32);
	CU_ASSERT_EQUAL(cfg.n6.mtu, 9000);
	CU_ASSERT_EQUAL(cfg.rx_desc, 64);
	CU_ASSERT_EQUAL(cfg.tx_desc, 16384);
	CU_ASSERT_EQUAL(cfg.mbufs, 16777216);
	CU_ASSERT_EQUAL(cfg.mbuf_cache, 0);
	CU_ASSERT_EQUAL(cfg.error_indication_rate, 10000000);
	CU_ASSERT_EQUAL(cfg.session_capacity, 4);
	CU_ASSERT_EQUAL_FATAL(cfg.n_sessions, 4);
	CU_ASSERT_EQUAL(cfg.sessions[0].ul_teid, 0xffffffff);
	CU_ASSERT_EQUAL(cfg.sessions[0].dl_teid, 0);
	CU_ASSERT_TRUE(cfg.sessions[0].qfi_set);
	CU_ASSERT_EQUAL(cfg.sessions[0].qfi, 0);
	CU_ASSERT_EQUAL(cfg.sessions[0].state, GG_SESSION_LIMITED);
	CU_ASSERT_EQUAL(cfg.sessions[1].ul_teid, 0x80000000);
	CU_ASSERT_EQUAL(cfg.sessions[1].dl_teid, 0xffffffff);
	CU_ASSERT_EQUAL(cfg.sessions[1].qfi, 63);
	CU_ASSERT_EQUAL(cfg.sessions[1].state, GG_SESSION_BLOCKED);
	CU_ASSERT_EQUAL(cfg.sessions[2].ul_teid, 0xfffffffe);
	CU_ASSERT_EQUAL(cfg.sessions[2].dl_teid, 0xfffffffe);
	CU_ASSERT_FALSE(cfg.sessions[2].qfi_set);
	CU_ASSERT_EQUAL(cfg.sessions[2].state, GG_SESSION_FULL);
	CU_ASSERT_EQUAL(cfg.sessions[3].dl_teid, 0x7fffffff);
	CU_ASSERT_EQUAL(cfg.log_level, RTE_LOG_DEBUG);
	CU_ASSERT_EQUAL(cfg.stats_interval, 3600);
	gg_conf_free(&cfg);
}

/*
 * Every setting of the portal, garden, DNS, LIMITED, SBI, AuSF and store
 * sections, each at a value other than its default, lands in its own field.
 */
static void
test_sections_values(void)
{
	static const char text[] = PORTS
		"portal = { ipv4 = \"203.0.113.80\"; ipv6 = \"2001:db8::80\";\n"
		"  url = \"https://portal.example/?u={url}\"; api = \"https://portal.example/api\"; };\n"
		"garden = { prefixes = [ \"203.0.113.0/24\" ]; names = [ \"Portal.Example.\" ];\n"
		"  max_rules = 2; max_names = 1;\n"
		"  learn = { scope = \"global\"; max_entries = 7; min_ttl = 5; max_ttl = 6; }; };\n"
		"dns = { mode = \"snoop\"; ttl = 0; other_types = \"refused\"; edns_udp_size = 65535;\n"
		"  resolvers = [ \"192.0.2.53\", \"192.0.2.54\" ]; query_timeout = 60; };\n"
		"limited = { udp_reject = \"drop\"; icmp_rate = 1000000; tcp_mss = 536; };\n"
		"sbi = { listen = \"[::1]:7777\"; max_connections = 65536; request_timeout_ms = 100; };\n"
		"metrics = { listen = \"127.0.0.1:9464\"; max_connections = 2; timeout_s = 600; };\n"
		"ausf = { ca_bundle = \"/etc/ca.pem\";\n"
		"  cert_url_prefixes = [ \"https://a.example/\", \"http://b.example/\" ];\n"
		"  notify_uri_prefixes = [ \"http://127.0.0.1:\", \"https://dev.example/cb/\" ];\n"
		"  fetch_timeout_ms = 60000; cert_cache_ttl = 0; challenge_ttl = 3600;\n"
		"  ue_pool = \"10.8.0.0/8\"; qfi = 63;\n"
		"  rate = { device_burst = 1000000; device_refill_ms = 86400000;\n"
		"    client_burst = 1; client_refill_ms = 2; }; };\n"
		"store = { backend = \"memory\"; unix = \"/run/gg.sock\"; address = \"10.0.0.9:6380\";\n"
		"  user = \"gg\"; password = \"pw\"; prefix = \"x:\";\n"
		"  connect_timeout_ms = 10; command_timeout_ms = 60000; };\n";
	static const uint8_t ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x80 };
	struct gg_config cfg;
	char err[GG_CONF_ERR_MAX] = "", path[64];
	int ret;

	CU_ASSERT_EQUAL_FATAL(load_ok(text, &cfg, path, sizeof(path)), 0);

	CU_ASSERT_TRUE(cfg.portal.set);
	CU_ASSERT_EQUAL(cfg.portal.ipv4, ip("203.0.113.80"));
	CU_ASSERT_TRUE(cfg.portal.has_ipv6);
	CU_ASSERT_EQUAL(memcmp(cfg.portal.ipv6, ip6, 16), 0);
	CU_ASSERT_STRING_EQUAL(cfg.portal.url, "https://portal.example/?u={url}");
	CU_ASSERT_STRING_EQUAL(cfg.portal.api, "https://portal.example/api");

	CU_ASSERT_EQUAL(cfg.garden.n_rules, 1);
	CU_ASSERT_EQUAL_FATAL(cfg.garden.n_names, 1);
	CU_ASSERT_STRING_EQUAL(cfg.garden.names[0], "portal.example");
	CU_ASSERT_EQUAL(cfg.garden.max_rules, 2);
	CU_ASSERT_EQUAL(cfg.garden.max_names, 1);
	CU_ASSERT_TRUE(cfg.garden.learn_global);
	CU_ASSERT_EQUAL(cfg.garden.max_learned, 7);
	CU_ASSERT_EQUAL(cfg.garden.min_ttl, 5);
	CU_ASSERT_EQUAL(cfg.garden.max_ttl, 6);
	CU_ASSERT_EQUAL(cfg.garden.dns_mode, 1);
	CU_ASSERT_EQUAL(cfg.garden.dns_ttl, 0);
	CU_ASSERT_EQUAL(cfg.garden.dns_other_rcode, 5);
	CU_ASSERT_EQUAL(cfg.garden.edns_udp_size, 65535);
	CU_ASSERT_EQUAL(cfg.garden.udp_reject, 1);
	CU_ASSERT_EQUAL(cfg.garden.icmp_rate, 1000000);
	CU_ASSERT_EQUAL(cfg.garden.tcp_mss, 536);

	CU_ASSERT_TRUE(cfg.sbi.set);
	CU_ASSERT_STRING_EQUAL(cfg.sbi.address, "::1");
	CU_ASSERT_EQUAL(cfg.sbi.port, 7777);
	CU_ASSERT_EQUAL(cfg.sbi.max_connections, 65536);
	CU_ASSERT_EQUAL(cfg.sbi.request_timeout_ms, 100);
	CU_ASSERT_TRUE(cfg.metrics.set);
	CU_ASSERT_STRING_EQUAL(cfg.metrics.address, "127.0.0.1");
	CU_ASSERT_EQUAL(cfg.metrics.port, 9464);
	CU_ASSERT_EQUAL(cfg.metrics.max_connections, 2);
	CU_ASSERT_EQUAL(cfg.metrics.timeout_s, 600);

	CU_ASSERT_TRUE(cfg.ausf.set);
	CU_ASSERT_STRING_EQUAL(cfg.ausf.ca_bundle, "/etc/ca.pem");
	CU_ASSERT_EQUAL_FATAL(cfg.ausf.n_url_prefixes, 2);
	CU_ASSERT_STRING_EQUAL(cfg.ausf.url_prefixes[1], "http://b.example/");
	CU_ASSERT_EQUAL_FATAL(cfg.ausf.n_notify_prefixes, 2);
	CU_ASSERT_STRING_EQUAL(cfg.ausf.notify_prefixes[0], "http://127.0.0.1:");
	CU_ASSERT_STRING_EQUAL(cfg.ausf.notify_prefixes[1], "https://dev.example/cb/");
	CU_ASSERT_EQUAL(cfg.ausf.fetch_timeout_ms, 60000);
	CU_ASSERT_EQUAL(cfg.ausf.cert_cache_ttl, 0);
	CU_ASSERT_EQUAL(cfg.ausf.challenge_ttl, 3600);
	CU_ASSERT_EQUAL(cfg.ausf.pool_ipv4, ip("10.8.0.0"));
	CU_ASSERT_EQUAL(cfg.ausf.pool_len, 8);
	CU_ASSERT_TRUE(cfg.ausf.has_qfi);
	CU_ASSERT_EQUAL(cfg.ausf.qfi, 63);
	CU_ASSERT_EQUAL(cfg.ausf.device_burst, 1000000);
	CU_ASSERT_EQUAL(cfg.ausf.device_refill_ms, 86400000);
	CU_ASSERT_EQUAL(cfg.ausf.client_burst, 1);
	CU_ASSERT_EQUAL(cfg.ausf.client_refill_ms, 2);

	CU_ASSERT_STRING_EQUAL(cfg.store.backend, "memory");
	CU_ASSERT_STRING_EQUAL(cfg.store.unix_path, "/run/gg.sock");
	CU_ASSERT_STRING_EQUAL(cfg.store.host, "10.0.0.9");
	CU_ASSERT_EQUAL(cfg.store.port, 6380);
	CU_ASSERT_STRING_EQUAL(cfg.store.user, "gg");
	CU_ASSERT_STRING_EQUAL(cfg.store.password, "pw");
	CU_ASSERT_STRING_EQUAL(cfg.store.prefix, "x:");
	CU_ASSERT_EQUAL(cfg.store.connect_timeout_ms, 10);
	CU_ASSERT_EQUAL(cfg.store.command_timeout_ms, 60000);
	gg_conf_free(&cfg);

	/* Unset, the flags say so. */
	ret = load_text(PORTS "ausf = { ca_bundle = \"/ca.pem\"; ue_pool = \"10.8.0.0/16\";\n"
		"  cert_url_prefixes = [ \"https://c/\" ]; };\n"
		"portal = { ipv4 = \"203.0.113.80\"; url = \"http://p.example/\"; };\n",
		&cfg, err, sizeof(err), path, sizeof(path));
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_TRUE(cfg.ausf.set);
	CU_ASSERT_FALSE(cfg.ausf.has_qfi);
	CU_ASSERT_EQUAL(cfg.ausf.n_notify_prefixes, 0);
	CU_ASSERT_PTR_NULL(cfg.ausf.notify_prefixes);
	CU_ASSERT_FALSE(cfg.sbi.set);
	CU_ASSERT_FALSE(cfg.metrics.set);
	CU_ASSERT_EQUAL(cfg.metrics.max_connections, 16);
	CU_ASSERT_TRUE(cfg.portal.set);
	CU_ASSERT_FALSE(cfg.portal.has_ipv6);
	gg_conf_free(&cfg);
}

/*
 * A cookie secret and near misses of it. No message may repeat what was
 * written (test_cookie_secret() checks; the near misses share a prefix).
 */
#define SECRET_HEX "9f86d081884c7d659a2feaa0c55ad015"
#define SECRET_HEX_31 "9f86d081884c7d659a2feaa0c55ad01"
#define SECRET_HEX_30 "9f86d081884c7d659a2feaa0c55ad0"
#define SECRET_HEX_BAD "9f86d081884c7d65-a2feaa0c55ad015"

struct bad_case {
	const char *name;
	const char *text;
	int line;            /* 0: the message has no line ("FILE: ...") */
	const char *setting; /* NULL: syntax error, no setting named */
	const char *phrase;
};

static const struct bad_case bad_cases[] = {
	{ "syntax error", PORTS "workers = ;\n",
		5, NULL, "syntax error" },
	{ "duplicate name", PORTS "workers = 1;\nworkers = 2;\n",
		6, NULL, "syntax error: duplicate setting name" },
	{ "unknown top-level", PORTS "wrokers = 2;\n",
		5, "wrokers", "unknown setting" },
	{ "unknown nested",
		"ports = {\n" N3_OK N6_OK "};\n"
		"queues = {\n  rx_desc = 512;\n  rx_dsc = 512;\n};\n",
		7, "queues.rx_dsc", "unknown setting" },
	{ "unknown in port",
		"ports = {\n"
		"  n3 = { device = \"x\";\n    adress = \"192.0.2.1\"; };\n"
		N6_OK "};\n",
		3, "ports.n3.adress", "unknown setting" },
	{ "missing ports", "workers = 2;\n",
		0, NULL, "missing required setting 'ports'" },
	{ "missing n6", "ports = {\n" N3_OK "};\n",
		1, "ports", "missing required setting 'n6'" },
	{ "missing device",
		"ports = {\n  n3 = {\n    address = \"192.0.2.1\";\n  };\n"
		N6_OK "};\n",
		2, "ports.n3", "missing required setting 'device'" },
	{ "missing address",
		"ports = {\n" N3_OK "  n6 = { device = \"y\"; };\n};\n",
		3, "ports.n6", "missing required setting 'address'" },
	{ "ports not a group", "ports = 5;\n",
		1, "ports", "expected a group" },
	{ "empty device",
		"ports = {\n  n3 = { device = \"\"; address = \"192.0.2.1\"; };\n"
		N6_OK "};\n",
		2, "ports.n3.device", "empty device" },
	{ "device not a string",
		"ports = {\n" N3_OK "  n6 = { device = 5; address = \"192.0.2.1\"; };\n};\n",
		3, "ports.n6.device", "expected a string" },
	{ "bad IPv4",
		"ports = {\n  n3 = { device = \"x\"; address = \"192.0.2.300/24\"; };\n"
		N6_OK "};\n",
		2, "ports.n3.address", "'192.0.2.300/24' is not an IPv4 address" },
	{ "IPv6 address",
		"ports = {\n" N3_OK "  n6 = { device = \"y\"; address = \"2001:db8::1\"; };\n};\n",
		3, "ports.n6.address", "'2001:db8::1' is not an IPv4 address" },
	{ "prefix /33",
		"ports = {\n  n3 = { device = \"x\"; address = \"192.0.2.1/33\"; };\n"
		N6_OK "};\n",
		2, "ports.n3.address", "'192.0.2.1/33': bad prefix length" },
	{ "prefix /024",
		"ports = {\n  n3 = { device = \"x\"; address = \"192.0.2.1/024\"; };\n"
		N6_OK "};\n",
		2, "ports.n3.address", "bad prefix length" },
	{ "empty prefix",
		"ports = {\n  n3 = { device = \"x\"; address = \"192.0.2.1/\"; };\n"
		N6_OK "};\n",
		2, "ports.n3.address", "bad prefix length" },
	{ "bad next hop",
		"ports = {\n" N3_OK
		"  n6 = { device = \"y\"; address = \"198.51.100.1/24\";\n"
		"         next_hop = \"198.51.100\"; };\n};\n",
		4, "ports.n6.next_hop", "'198.51.100' is not an IPv4 address" },
	{ "next hop 0.0.0.0",
		"ports = {\n" N3_OK
		"  n6 = { device = \"y\"; address = \"198.51.100.1/24\"; next_hop = \"0.0.0.0\"; };\n};\n",
		3, "ports.n6.next_hop", "not a usable address" },
	{ "bad MAC",
		"ports = {\n"
		"  n3 = { device = \"x\"; address = \"192.0.2.1\"; next_hop_mac = \"02:00:00:00:03\"; };\n"
		N6_OK "};\n",
		2, "ports.n3.next_hop_mac", "'02:00:00:00:03' is not a MAC address" },
	{ "multicast MAC",
		"ports = {\n"
		"  n3 = { device = \"x\"; address = \"192.0.2.1\"; next_hop_mac = \"01:00:5e:00:00:01\"; };\n"
		N6_OK "};\n",
		2, "ports.n3.next_hop_mac", "not a unicast MAC address" },
	{ "mtu 100",
		"ports = {\n" N3_OK
		"  n6 = { device = \"y\"; address = \"198.51.100.1/24\";\n"
		"         mtu = 100; };\n};\n",
		4, "ports.n6.mtu", "100 is out of range 576..9000" },
	{ "mtu float",
		"ports = {\n" N3_OK
		"  n6 = { device = \"y\"; address = \"198.51.100.1/24\"; mtu = 1500.0; };\n};\n",
		3, "ports.n6.mtu", "expected an integer" },
	{ "same device",
		"ports = {\n" N3_OK
		"  n6 = { device = \"net_null0\";\n           address = \"198.51.100.1/24\"; };\n};\n",
		3, "ports.n6.device", "same device as ports.n3.device" },
	{ "same address",
		"ports = {\n" N3_OK
		"  n6 = { device = \"y\";\n           address = \"192.0.2.1/30\"; };\n};\n",
		4, "ports.n6.address", "same address as ports.n3.address" },
	{ "workers 0", PORTS "workers = 0;\n",
		5, "workers", "0 is out of range 1..127" },
	{ "workers RTE_MAX_LCORE", PORTS "\nworkers = 128;\n",
		6, "workers", "out of range" },
	{ "workers string", PORTS "workers = \"2\";\n",
		5, "workers", "expected an integer" },
	{ "workers bool", PORTS "workers = true;\n",
		5, "workers", "expected an integer" },
	{ "rx_desc 32", PORTS "queues = { rx_desc = 32; };\n",
		5, "queues.rx_desc", "out of range 64..16384" },
	{ "tx_desc 32768", PORTS "queues = {\n tx_desc = 32768; };\n",
		6, "queues.tx_desc", "out of range 64..16384" },
	{ "mbufs 1023", PORTS "mempool = { mbufs = 1023; };\n",
		5, "mempool.mbufs", "out of range 1024..16777216" },
	{ "mbufs 0xffffffff", PORTS "mempool = { mbufs = 0xffffffff; };\n",
		5, "mempool.mbufs", "4294967295 is out of range" },
	{ "cache 513", PORTS "mempool = { cache = 513; };\n",
		5, "mempool.cache", "out of range 0..512" },
	{ "error indication rate", PORTS "gtpu = { error_indication_rate = 10000001; };\n",
		5, "gtpu.error_indication_rate", "out of range 0..10000000" },
	{ "gtpu unknown", PORTS "gtpu = { echo = 1; };\n",
		5, "gtpu.echo", "unknown setting" },
	{ "capacity 0", PORTS "sessions = { capacity = 0; };\n",
		5, "sessions.capacity", "out of range 1..16777216" },
	{ "too many EAL args", PORTS
		"eal = [" EAL8 EAL8 EAL8 EAL8 EAL8 EAL8 EAL8 EAL8 "\"-v\"];\n",
		5, "eal", "65 EAL arguments, at most 64" },
	{ "EAL arg not a string", PORTS "eal = ( \"-l\",\n  1 );\n",
		6, "eal.[1]", "expected a string" },
	{ "EAL not a list", PORTS "eal = \"--no-huge\";\n",
		5, "eal", "expected an array of strings" },
	{ "log level", PORTS "log = {\n  level = \"verbose\"; };\n",
		6, "log.level", "unknown log level 'verbose'" },
	{ "stats interval", PORTS "log = { stats_interval = -1; };\n",
		5, "log.stats_interval", "-1 is out of range 0..3600" },
	{ "static not a list", PORTS "sessions = { static = { }; };\n",
		5, "sessions.static", "expected a list" },
	{ "session not a group", PORTS "sessions = { static = ( 5 ); };\n",
		5, "sessions.static.[0]", "expected a group" },
	{ "qfi 64", PORTS
		"sessions = {\n  static = (\n"
		"    " SESS("10.0.0.1", "1") ",\n"
		"    { ue = \"10.0.0.2\"; ul_teid = 2; gnb = \"1.1.1.1\"; dl_teid = 2;\n"
		"      qfi = 64; }\n  );\n};\n",
		9, "sessions.static.[1].qfi", "64 is out of range 0..63" },
	{ "ul_teid 0", PORTS
		"sessions = {\n  static = (\n    " SESS("10.0.0.1", "0") "\n  );\n};\n",
		7, "sessions.static.[0].ul_teid", "0 is out of range 1..4294967295" },
	{ "ul_teid -1", PORTS
		"sessions = {\n  static = (\n    " SESS("10.0.0.1", "-1") "\n  );\n};\n",
		7, "sessions.static.[0].ul_teid", "hex or with an L suffix" },
	{ "ul_teid decimal 2^32-1", PORTS
		"sessions = {\n  static = (\n    " SESS("10.0.0.1", "4294967295") "\n  );\n};\n",
		7, "sessions.static.[0].ul_teid", "hex or with an L suffix" },
	{ "dl_teid above 32 bits", PORTS
		"sessions = {\n  static = (\n"
		"    { ue = \"10.0.0.1\"; ul_teid = 1; gnb = \"1.1.1.1\"; dl_teid = 0x100000000L; }\n"
		"  );\n};\n",
		7, "sessions.static.[0].dl_teid", "4294967296 is out of range 0..4294967295" },
	{ "duplicate ul_teid", PORTS
		"sessions = {\n  static = (\n"
		"    " SESS("10.0.0.1", "0x101") ",\n"
		"    " SESS("10.0.0.2", "0x102") ",\n"
		"    " SESS("10.0.0.3", "257") "\n"
		"  );\n};\n",
		9, "sessions.static.[2].ul_teid",
		"duplicate ul_teid 0x00000101, already used by sessions.static.[0]" },
	{ "duplicate ue", PORTS
		"sessions = {\n  static = (\n"
		"    " SESS("10.0.0.1", "1") ",\n"
		"    " SESS("10.0.0.1", "2") "\n"
		"  );\n};\n",
		8, "sessions.static.[1].ue",
		"duplicate ue 10.0.0.1, already used by sessions.static.[0]" },
	{ "bad state", PORTS
		"sessions = {\n  static = (\n"
		"    { ue = \"10.0.0.1\"; ul_teid = 1; gnb = \"1.1.1.1\"; dl_teid = 1;\n"
		"      state = \"sleepy\"; }\n  );\n};\n",
		8, "sessions.static.[0].state", "unknown state 'sleepy'" },
	{ "session missing gnb", PORTS
		"sessions = {\n  static = (\n"
		"    " SESS("10.0.0.1", "1") ",\n"
		"    { ue = \"10.0.0.2\"; ul_teid = 2; dl_teid = 2; }\n  );\n};\n",
		8, "sessions.static.[1]", "missing required setting 'gnb'" },
	{ "session unknown member", PORTS
		"sessions = {\n  static = (\n"
		"    { ue = \"10.0.0.1\"; teid = 1; gnb = \"1.1.1.1\"; dl_teid = 1; }\n"
		"  );\n};\n",
		7, "sessions.static.[0].teid", "unknown setting" },
	{ "bad ue", PORTS
		"sessions = {\n  static = (\n"
		"    { ue = \"10.0.0.256\"; ul_teid = 1; gnb = \"1.1.1.1\"; dl_teid = 1; }\n"
		"  );\n};\n",
		7, "sessions.static.[0].ue", "'10.0.0.256' is not an IPv4 address" },
	{ "tcp_mss above the N3 MTU", PORTS
		"limited = { tcp_mss = 1460; };\n",
		5, "limited.tcp_mss", "does not fit ports.n3.mtu 1500" },
	{ "mtu.tcp_mss above the N3 MTU", PORTS
		"mtu = { tcp_mss = 1417; };\n",
		5, "mtu.tcp_mss", "1417 does not fit ports.n3.mtu 1500 (at most MTU - 84 = 1416)" },
	{ "mtu.tcp_mss above the N6 MTU",
		"ports = {\n" N3_OK
		"  n6 = { device = \"net_null1\"; address = \"198.51.100.1/24\"; mtu = 1400; };\n"
		"};\nmtu = { tcp_mss = 1361; };\n",
		5, "mtu.tcp_mss", "1361 does not fit ports.n6.mtu 1400 (at most MTU - 40 = 1360)" },
	{ "mtu.tcp_mss_clamp", PORTS "mtu = { tcp_mss_clamp = true; };\n",
		5, "mtu.tcp_mss_clamp", "" },
	{ "mtu.fragment", PORTS "mtu = { fragment = \"maybe\"; };\n",
		5, "mtu.fragment", "unknown value 'maybe' (on or off)" },
	{ "mtu.reassembly.timeout_ms", PORTS
		"mtu = {\n  reassembly = { timeout_ms = 0; }; };\n",
		6, "mtu.reassembly.timeout_ms", "0 is out of range 1..60000" },
	{ "mtu.reassembly.flows", PORTS
		"mtu = { reassembly = { flows = 65537; }; };\n",
		5, "mtu.reassembly.flows", "65537 is out of range 0..65536" },
	{ "mtu unknown setting", PORTS "mtu = { mss = 1400; };\n",
		5, "mtu.mss", "" },
	{ "cookie_secret not a string", PORTS
		"limited = { cookie_secret = 0x0123456789; };\n",
		5, "limited.cookie_secret", "expected a string" },
	{ "cookie_secret 31 digits", PORTS
		"limited = {\n  cookie_secret = \"" SECRET_HEX_31 "\"; };\n",
		6, "limited.cookie_secret", "expected 32 hex digits (16 random octets), got 31" },
	{ "cookie_secret 33 digits", PORTS
		"limited = { cookie_secret = \"" SECRET_HEX "0\"; };\n",
		5, "limited.cookie_secret", "got 33 characters" },
	{ "cookie_secret empty", PORTS
		"limited = { cookie_secret = \"\"; };\n",
		5, "limited.cookie_secret", "got 0 characters" },
	{ "cookie_secret not hex", PORTS
		"limited = { cookie_secret = \"" SECRET_HEX_BAD "\"; };\n",
		5, "limited.cookie_secret", "character 17 is not one" },
	{ "cookie_secret 0x prefix", PORTS
		"limited = { cookie_secret = \"0x" SECRET_HEX_30 "\"; };\n",
		5, "limited.cookie_secret", "character 2 is not one" },
	{ "cookie_secret all zero", PORTS
		"limited = { cookie_secret = \"00000000000000000000000000000000\"; };\n",
		5, "limited.cookie_secret", "all zero" },
	{ "garden rule bad", PORTS
		"garden = { prefixes = [ \"203.0.113.0/24 tcp 70000\" ]; };\n",
		5, "garden.prefixes.[0]", "203.0.113.0/24 tcp 70000" },
	{ "portal without url", PORTS
		"portal = { ipv4 = \"203.0.113.80\"; };\n",
		5, "portal", "missing required setting 'url'" },
	{ "sbi without ausf", PORTS
		"sbi = { listen = \"127.0.0.1:7777\"; };\n",
		0, NULL, "missing required setting 'ausf'" },
	{ "dns mode bad", PORTS
		"dns = { mode = \"forge\"; };\n",
		5, "dns.mode", "unknown value 'forge'" },
	{ "capacity below static count", PORTS
		"sessions = {\n  capacity = 1;\n  static = (\n"
		"    " SESS("10.0.0.1", "1") ",\n"
		"    " SESS("10.0.0.2", "2") "\n"
		"  );\n};\n",
		7, "sessions.static", "2 static sessions exceed sessions.capacity (1)" },
	/* Every section refuses a name it does not know... */
	{ "ports unknown", "ports = {\n" N3_OK N6_OK "  n9 = { };\n};\n",
		4, "ports.n9", "unknown setting" },
	{ "mempool unknown", PORTS "mempool = { size = 1; };\n",
		5, "mempool.size", "unknown setting" },
	{ "log unknown", PORTS "log = { file = \"x\"; };\n",
		5, "log.file", "unknown setting" },
	{ "sessions unknown", PORTS "sessions = { dynamic = 1; };\n",
		5, "sessions.dynamic", "unknown setting" },
	{ "portal unknown", PORTS "portal = { ipv4 = \"203.0.113.80\"; uri = \"x\"; };\n",
		5, "portal.uri", "unknown setting" },
	{ "garden names without resolvers", PORTS
		"garden = {\n  names = [ \"portal.example\" ];\n};\n",
		5, "garden", "garden names need dns.resolvers" },
	{ "garden name rule bad ports", PORTS
		"garden = { names = [ \"portal.example icmp 80\" ]; };\n",
		5, "garden.names.[0]", "unexpected" },
	{ "dns.resolvers empty", PORTS "dns = { resolvers = [ ]; };\n",
		5, "dns.resolvers", "between 1 and 4" },
	{ "dns.resolvers bad", PORTS "dns = { resolvers = [ \"1.2.3\" ]; };\n",
		5, "dns.resolvers.[0]", "" },
	{ "dns.query_timeout", PORTS "dns = { query_timeout = 61; };\n",
		5, "dns.query_timeout", "out of range" },
	{ "garden unknown", PORTS "garden = { rules = 1; };\n",
		5, "garden.rules", "unknown setting" },
	{ "garden.learn unknown", PORTS "garden = { learn = { ttl = 1; }; };\n",
		5, "garden.learn.ttl", "unknown setting" },
	{ "dns unknown", PORTS "dns = { rcode = 1; };\n",
		5, "dns.rcode", "unknown setting" },
	{ "limited unknown", PORTS "limited = { mss = 1; };\n",
		5, "limited.mss", "unknown setting" },
	{ "sbi unknown", PORTS "sbi = { port = 1; };\n",
		5, "sbi.port", "unknown setting" },
	{ "ausf unknown", PORTS "ausf = { ca = 1; };\n",
		5, "ausf.ca", "unknown setting" },
	{ "ausf.rate unknown", PORTS "ausf = { rate = { burst = 1; }; };\n",
		5, "ausf.rate.burst", "unknown setting" },
	{ "store unknown", PORTS "store = { host = 1; };\n",
		5, "store.host", "unknown setting" },
	/* ...takes only a group... */
	{ "dns not a group", PORTS "dns = 1;\n",
		5, "dns", "expected a group" },
	{ "garden.learn not a group", PORTS "garden = { learn = ( ); };\n",
		5, "garden.learn", "expected a group" },
	{ "ausf.rate not a group", PORTS "ausf = { rate = [ 1 ]; };\n",
		5, "ausf.rate", "expected a group" },
	/* ...names what it requires, in this order... */
	{ "portal without ipv4", PORTS "portal = { url = \"http://p.example/\"; };\n",
		5, "portal", "missing required setting 'ipv4'" },
	{ "sbi without listen", PORTS "sbi = { max_connections = 1; };\n",
		5, "sbi", "missing required setting 'listen'" },
	{ "ausf without ca_bundle", PORTS "ausf = { ue_pool = \"10.8.0.0/16\"; };\n",
		5, "ausf", "missing required setting 'ca_bundle'" },
	{ "ausf without cert_url_prefixes", PORTS
		"ausf = { ue_pool = \"10.8.0.0/16\"; ca_bundle = \"/ca.pem\"; };\n",
		5, "ausf", "missing required setting 'cert_url_prefixes'" },
	{ "ausf without ue_pool", PORTS
		"ausf = { ca_bundle = \"/ca.pem\"; cert_url_prefixes = [ \"https://c/\" ]; };\n",
		5, "ausf", "missing required setting 'ue_pool'" },
	/* ...and reports the first bad setting in file order, before a missing one. */
	{ "bad before missing", PORTS "portal = { ipv4 = \"0.0.0.0\"; };\n",
		5, "portal.ipv4", "not a usable address" },
	{ "bad before unknown", PORTS "queues = {\n  tx_desc = 1;\n  rx_dsc = 512;\n};\n",
		6, "queues.tx_desc", "out of range" },
	/* The ranges not tried above, each with both ends in the message. */
	{ "garden.max_rules 0", PORTS "garden = { max_rules = 0; };\n",
		5, "garden.max_rules", "0 is out of range 1..65536" },
	{ "garden.max_names", PORTS "garden = { max_names = 16777217; };\n",
		5, "garden.max_names", "16777217 is out of range 1..16777216" },
	{ "learn.max_entries", PORTS "garden = { learn = { max_entries = 0; }; };\n",
		5, "garden.learn.max_entries", "0 is out of range 1..16777216" },
	{ "learn.min_ttl", PORTS "garden = { learn = { min_ttl = 86401; }; };\n",
		5, "garden.learn.min_ttl", "86401 is out of range 1..86400" },
	{ "learn.max_ttl", PORTS "garden = { learn = { max_ttl = 604801; }; };\n",
		5, "garden.learn.max_ttl", "604801 is out of range 1..604800" },
	{ "learn.scope", PORTS "garden = { learn = { scope = \"ue\"; }; };\n",
		5, "garden.learn.scope", "unknown value 'ue' (session or global)" },
	{ "dns.ttl", PORTS "dns = { ttl = 86401; };\n",
		5, "dns.ttl", "86401 is out of range 0..86400" },
	{ "dns.edns_udp_size", PORTS "dns = { edns_udp_size = 511; };\n",
		5, "dns.edns_udp_size", "511 is out of range 512..65535" },
	{ "dns.other_types", PORTS "dns = { other_types = \"servfail\"; };\n",
		5, "dns.other_types", "unknown value 'servfail' (nxdomain or refused)" },
	{ "limited.icmp_rate", PORTS "limited = { icmp_rate = 1000001; };\n",
		5, "limited.icmp_rate", "1000001 is out of range 0..1000000" },
	{ "limited.tcp_mss", PORTS "limited = { tcp_mss = 535; };\n",
		5, "limited.tcp_mss", "535 is out of range 536..9000" },
	{ "limited.udp_reject", PORTS "limited = { udp_reject = \"rst\"; };\n",
		5, "limited.udp_reject", "unknown value 'rst' (icmp or drop)" },
	{ "sbi.max_connections", PORTS "sbi = { max_connections = 65537; };\n",
		5, "sbi.max_connections", "65537 is out of range 1..65536" },
	{ "sbi.request_timeout_ms", PORTS "sbi = { request_timeout_ms = 99; };\n",
		5, "sbi.request_timeout_ms", "99 is out of range 100..600000" },
	{ "sbi.listen", PORTS "sbi = { listen = \"localhost:80\"; };\n",
		5, "sbi.listen", "'localhost' is not a numeric IPv4 or IPv6 address" },
	{ "metrics without listen", PORTS "metrics = { timeout_s = 5; };\n",
		5, "metrics", "missing required setting 'listen'" },
	{ "metrics.listen", PORTS "metrics = { listen = \"127.0.0.1\"; };\n",
		5, "metrics.listen", "'127.0.0.1': expected address:port" },
	{ "metrics.max_connections", PORTS
		"metrics = { listen = \"127.0.0.1:9464\"; max_connections = 0; };\n",
		5, "metrics.max_connections", "0 is out of range 1..1024" },
	{ "metrics unknown", PORTS "metrics = { port = 9464; };\n",
		5, "metrics.port", "unknown setting" },
	{ "ausf.fetch_timeout_ms", PORTS "ausf = { fetch_timeout_ms = 60001; };\n",
		5, "ausf.fetch_timeout_ms", "60001 is out of range 100..60000" },
	{ "ausf.cert_cache_ttl", PORTS "ausf = { cert_cache_ttl = 86401; };\n",
		5, "ausf.cert_cache_ttl", "86401 is out of range 0..86400" },
	{ "ausf.challenge_ttl", PORTS "ausf = { challenge_ttl = 0; };\n",
		5, "ausf.challenge_ttl", "0 is out of range 1..3600" },
	{ "ausf.qfi", PORTS "ausf = { qfi = 64; };\n",
		5, "ausf.qfi", "64 is out of range 0..63" },
	{ "ausf.notify_uri_prefixes scheme", PORTS
		"ausf = { notify_uri_prefixes = [ \"ftp://h/\" ]; };\n",
		5, "ausf.notify_uri_prefixes.[0]", "'ftp://h/': expected an http:// or https:// prefix" },
	{ "ausf.notify_uri_prefixes not a list", PORTS
		"ausf = { notify_uri_prefixes = \"http://h/\"; };\n",
		5, "ausf.notify_uri_prefixes", "expected a list of URL prefixes" },
	{ "ausf.ue_pool /7", PORTS "ausf = { ue_pool = \"10.0.0.0/7\"; };\n",
		5, "ausf.ue_pool", "pools wider than /8 are not supported" },
	{ "rate.device_burst", PORTS "ausf = { rate = { device_burst = 0; }; };\n",
		5, "ausf.rate.device_burst", "0 is out of range 1..1000000" },
	{ "rate.device_refill_ms", PORTS "ausf = { rate = { device_refill_ms = 86400001; }; };\n",
		5, "ausf.rate.device_refill_ms", "86400001 is out of range 1..86400000" },
	{ "rate.client_burst", PORTS "ausf = { rate = { client_burst = 1000001; }; };\n",
		5, "ausf.rate.client_burst", "1000001 is out of range 1..1000000" },
	{ "rate.client_refill_ms", PORTS "ausf = { rate = { client_refill_ms = 0; }; };\n",
		5, "ausf.rate.client_refill_ms", "0 is out of range 1..86400000" },
	{ "store.connect_timeout_ms", PORTS "store = { connect_timeout_ms = 9; };\n",
		5, "store.connect_timeout_ms", "9 is out of range 10..60000" },
	{ "store.command_timeout_ms", PORTS "store = { command_timeout_ms = 60001; };\n",
		5, "store.command_timeout_ms", "60001 is out of range 10..60000" },
	{ "store.backend", PORTS "store = { backend = \"etcd\"; };\n",
		5, "store.backend", "unknown value 'etcd' (redis or memory)" },
	{ "store.user empty", PORTS "store = { user = \"\"; };\n",
		5, "store.user", "expected 1..63 characters" },
	{ "portal.api empty", PORTS "portal = { api = \"\"; };\n",
		5, "portal.api", "expected 1..511 characters" },
	{ "portal.api not https", PORTS "portal = { api = \"http://portal.example/api\"; };\n",
		5, "portal.api", "the Captive Portal API is an https:// URI" },
};

static void
test_bad_inputs(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		struct gg_config cfg;
		char err[GG_CONF_ERR_MAX] = "", path[64], prefix[128];
		char setting[128];
		bool ok_prefix, ok_setting, ok_phrase;
		int ret;

		ret = load_text(bc->text, &cfg, err, sizeof(err), path,
			sizeof(path));
		if (bc->line > 0)
			snprintf(prefix, sizeof(prefix), "%s:%d: ", path,
				bc->line);
		else
			snprintf(prefix, sizeof(prefix), "%s: ", path);
		/* The path must be whole: ": sessions.static: " etc. */
		snprintf(setting, sizeof(setting), ": %s: ",
			bc->setting != NULL ? bc->setting : "");
		ok_prefix = strncmp(err, prefix, strlen(prefix)) == 0;
		ok_setting = bc->setting == NULL ||
			strstr(err, setting) != NULL;
		ok_phrase = strstr(err, bc->phrase) != NULL;

		CU_ASSERT_EQUAL(ret, -1);
		CU_ASSERT_TRUE(ok_prefix);
		CU_ASSERT_TRUE(ok_setting);
		CU_ASSERT_TRUE(ok_phrase);
		if (ret != -1 || !ok_prefix || !ok_setting || !ok_phrase ||
				getenv("GG_TEST_VERBOSE") != NULL)
			printf("\n  case \"%s\": ret %d, message \"%s\"\n",
				bc->name, ret, err);
		if (ret == 0)
			gg_conf_free(&cfg);
		assert_reset(&cfg);
	}
}

/*
 * limited.cookie_secret: parsed to octets (either case), remembered with
 * its file, said to be set by the summary but never shown, by it or by any
 * error message.
 */
static bool
shows_secret(const char *text)
{
	char *low = strdup(text);
	bool shown;
	size_t i;

	if (low == NULL)
		abort();
	for (i = 0; low[i] != '\0'; i++)
		if (low[i] >= 'A' && low[i] <= 'Z')
			low[i] = (char)(low[i] - 'A' + 'a');
	/* Either half of it, and the bytes printed spaced out. */
	shown = strstr(low, "9f86d081") != NULL || strstr(low, "9a2feaa0") != NULL ||
		strstr(low, "9f 86") != NULL || strstr(low, "0000000000") != NULL;
	free(low);
	return shown;
}

static void
test_cookie_secret(void)
{
	static const uint8_t want[16] = {
		0x9f, 0x86, 0xd0, 0x81, 0x88, 0x4c, 0x7d, 0x65,
		0x9a, 0x2f, 0xea, 0xa0, 0xc5, 0x5a, 0xd0, 0x15,
	};
	static const char good[] = PORTS
		"limited = { cookie_secret = \"9F86D081884c7d659a2feaa0c55ad015\"; };\n";
	struct gg_config cfg;
	char err[GG_CONF_ERR_MAX] = "", path[64];
	char *text = NULL;
	size_t textlen = 0, i;
	FILE *out;

	/* Unset: random at start, and the summary says so. */
	CU_ASSERT_EQUAL_FATAL(load_text(PORTS, &cfg, err, sizeof(err), path,
		sizeof(path)), 0);
	CU_ASSERT_FALSE(cfg.garden.cookie_secret_set);
	out = open_memstream(&text, &textlen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	gg_conf_print_summary(&cfg, out);
	fclose(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "SYN-cookie secret: random"));
	free(text);
	gg_conf_free(&cfg);

	CU_ASSERT_EQUAL_FATAL(load_text(good, &cfg, err, sizeof(err), path,
		sizeof(path)), 0);
	CU_ASSERT_TRUE(cfg.garden.cookie_secret_set);
	CU_ASSERT_EQUAL(memcmp(cfg.garden.cookie_secret, want, sizeof(want)), 0);
	CU_ASSERT_STRING_EQUAL(cfg.garden.cookie_secret_file, path);
	out = open_memstream(&text, &textlen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	gg_conf_print_summary(&cfg, out);
	fclose(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "SYN-cookie secret: from the configuration (not shown)"));
	CU_ASSERT_FALSE(shows_secret(text));
	free(text);
	gg_conf_free(&cfg);
	CU_ASSERT_FALSE(cfg.garden.cookie_secret_set);
	for (i = 0; i < sizeof(want); i++)
		CU_ASSERT_EQUAL(cfg.garden.cookie_secret[i], 0);

	/* The messages of the bad cases above never echo the value. */
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		if (strstr(bad_cases[i].name, "cookie_secret") == NULL)
			continue;
		CU_ASSERT_EQUAL(load_text(bad_cases[i].text, &cfg, err,
			sizeof(err), path, sizeof(path)), -1);
		CU_ASSERT_FALSE(shows_secret(err));
	}
}

/* An error late in the file, after EAL arguments and sessions were made. */
static void
test_error_frees(void)
{
	static const char text[] =
		"eal = [ \"--no-huge\", \"--no-pci\" ];\n"
		PORTS
		"sessions = { static = ( " SESS("10.0.0.1", "1") " ); };\n"
		"log = { level = \"loud\"; };\n";
	struct gg_config cfg;
	char err[GG_CONF_ERR_MAX] = "", path[64];
	char small[16];

	CU_ASSERT_EQUAL(load_text(text, &cfg, err, sizeof(err), path,
		sizeof(path)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":7: log.level: "));
	assert_reset(&cfg);

	/* A short buffer gets a cut message, a NULL one none at all. */
	memset(small, 'x', sizeof(small));
	CU_ASSERT_EQUAL(load_text(text, &cfg, small, sizeof(small), path,
		sizeof(path)), -1);
	CU_ASSERT_EQUAL(small[sizeof(small) - 1], '\0');
	CU_ASSERT_EQUAL(strncmp(small, path, sizeof(small) - 1), 0);
	CU_ASSERT_EQUAL(load_text(text, &cfg, NULL, 0, path, sizeof(path)), -1);
	assert_reset(&cfg);
}

static void
test_missing_file(void)
{
	struct gg_config cfg;
	char err[GG_CONF_ERR_MAX] = "";

	CU_ASSERT_EQUAL(gg_conf_load("/tmp/gg_test_conf_does_not_exist",
		&cfg, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(strncmp(err, "/tmp/gg_test_conf_does_not_exist: ",
		34), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
	assert_reset(&cfg);
}

/* Errors inside an @include file must name that file, not the includer. */
static void
test_include(void)
{
	static const char inc_bad[] =
		"# included\n"
		"n6 = { device = \"y\";\n"
		"       address = \"198.51.100.1/42\"; };\n";
	static const char inc_syntax[] = "\n\nn6 = { device = };\n";
	static const char inc_ok[] =
		"n6 = { device = \"y\"; address = \"198.51.100.1\"; };\n";
	struct gg_config cfg;
	char err[GG_CONF_ERR_MAX] = "", inc[64], path[64], prefix[128];
	char text[256];
	int ret;

	/* Bad setting in the included file. */
	CU_ASSERT_EQUAL_FATAL(write_tmp(inc_bad, inc, sizeof(inc)), 0);
	snprintf(text, sizeof(text),
		"ports = {\n" N3_OK "  @include \"%s\"\n};\n", inc);
	ret = load_text(text, &cfg, err, sizeof(err), path, sizeof(path));
	unlink(inc);
	CU_ASSERT_EQUAL(ret, -1);
	snprintf(prefix, sizeof(prefix), "%s:3: ports.n6.address: ", inc);
	CU_ASSERT_EQUAL(strncmp(err, prefix, strlen(prefix)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad prefix length"));
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		printf("\n  include: \"%s\"\n", err);
	assert_reset(&cfg);

	/* Syntax error in the included file. */
	CU_ASSERT_EQUAL_FATAL(write_tmp(inc_syntax, inc, sizeof(inc)), 0);
	snprintf(text, sizeof(text),
		"ports = {\n" N3_OK "  @include \"%s\"\n};\n", inc);
	ret = load_text(text, &cfg, err, sizeof(err), path, sizeof(path));
	unlink(inc);
	CU_ASSERT_EQUAL(ret, -1);
	snprintf(prefix, sizeof(prefix), "%s:3: syntax error", inc);
	CU_ASSERT_EQUAL(strncmp(err, prefix, strlen(prefix)), 0);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		printf("\n  include: \"%s\"\n", err);

	/* An error after the include is still in the including file. */
	CU_ASSERT_EQUAL_FATAL(write_tmp(inc_ok, inc, sizeof(inc)), 0);
	snprintf(text, sizeof(text),
		"ports = {\n" N3_OK "  @include \"%s\"\n};\nworkers = 0;\n", inc);
	ret = load_text(text, &cfg, err, sizeof(err), path, sizeof(path));
	CU_ASSERT_EQUAL(ret, -1);
	snprintf(prefix, sizeof(prefix), "%s:5: workers: ", path);
	CU_ASSERT_EQUAL(strncmp(err, prefix, strlen(prefix)), 0);

	/* And a good include loads. */
	snprintf(text, sizeof(text),
		"ports = {\n" N3_OK "  @include \"%s\"\n};\n", inc);
	ret = load_text(text, &cfg, err, sizeof(err), path, sizeof(path));
	unlink(inc);
	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_STRING_EQUAL(cfg.n6.device, "y");
	gg_conf_free(&cfg);

	/* A missing include file is reported where the @include is. */
	snprintf(text, sizeof(text),
		"ports = {\n" N3_OK "  @include \"%s\"\n};\n", inc);
	ret = load_text(text, &cfg, err, sizeof(err), path, sizeof(path));
	CU_ASSERT_EQUAL(ret, -1);
	snprintf(prefix, sizeof(prefix), "%s:3: syntax error: ", path);
	CU_ASSERT_EQUAL(strncmp(err, prefix, strlen(prefix)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "include"));
}

/*
 * Many static sessions: the first repeat in file order is reported, and
 * the summary gives only the count.
 */
static void
test_many_sessions(void)
{
	enum { N = 1000 };
	struct gg_config cfg;
	char err[GG_CONF_ERR_MAX] = "", path[64], expect[256];
	char *text, *summary = NULL;
	size_t len = 0, summary_len = 0;
	FILE *f;
	int i, ret;

	for (int pass = 0; pass < 2; pass++) {
		f = open_memstream(&text, &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fputs(PORTS "sessions = {\n  static = (\n", f); /* 1..6 */
		for (i = 0; i < N; i++) {
			uint32_t teid = i + 1;

			/* 700 repeats 5 and 400 repeats 300: report 400. */
			if (pass == 1 && i == 700)
				teid = 5 + 1;
			if (pass == 1 && i == 400)
				teid = 300 + 1;
			fprintf(f, "    { ue = \"10.1.%d.%d\"; ul_teid = %u; gnb = \"1.1.1.1\"; dl_teid = %d; }%s\n",
				i / 256, i % 256, teid, i, i < N - 1 ? "," : "");
		}
		fputs("  );\n};\n", f);
		fclose(f);

		ret = load_text(text, &cfg, err, sizeof(err), path,
			sizeof(path));
		free(text);
		if (pass == 0) {
			CU_ASSERT_EQUAL_FATAL(ret, 0);
			CU_ASSERT_EQUAL(cfg.n_sessions, N);
			CU_ASSERT_EQUAL(cfg.sessions[N - 1].ul_teid, N);
			f = open_memstream(&summary, &summary_len);
			CU_ASSERT_PTR_NOT_NULL_FATAL(f);
			gg_conf_print_summary(&cfg, f);
			fclose(f);
			CU_ASSERT_PTR_NOT_NULL(strstr(summary, "1000 static"));
			CU_ASSERT_PTR_NULL(strstr(summary, "[0] ue"));
			free(summary);
			gg_conf_free(&cfg);
		} else {
			CU_ASSERT_EQUAL(ret, -1);
			snprintf(expect, sizeof(expect),
				"%s:%d: sessions.static.[400].ul_teid: duplicate ul_teid 0x0000012d, already used by sessions.static.[300]",
				path, 7 + 400);
			CU_ASSERT_STRING_EQUAL(err, expect);
			assert_reset(&cfg);
		}
	}
}

/* gg_conf_diff(): what changed, live or not, and where the new file says so. */
struct diff_seen {
	unsigned int n;
	char text[16][160];
};

static void
diff_record(const struct gg_conf_change *ch, void *arg)
{
	struct diff_seen *d = arg;

	if (d->n < RTE_DIM(d->text))
		snprintf(d->text[d->n], sizeof(d->text[0]), "%s %s %d", ch->setting,
				ch->live ? "live" : "restart", ch->line);
	d->n++;
}

static bool
diff_has(const struct diff_seen *d, const char *text)
{
	unsigned int i;

	for (i = 0; i < d->n && i < RTE_DIM(d->text); i++)
		if (strcmp(d->text[i], text) == 0)
			return true;
	printf("\n  %s not among the %u change(s):", text, d->n);
	for (i = 0; i < d->n && i < RTE_DIM(d->text); i++)
		printf(" [%s]", d->text[i]);
	printf("\n");
	return false;
}

static void
test_diff(void)
{
	static const char base[] = PORTS                                /* 1-4 */
		"workers = 1;\n"                                        /* 5 */
		"garden = { prefixes = [ \"203.0.113.0/24 tcp 443\", \"198.51.100.7/32\" ];\n"
		"  names = [ \"a.example\", \"b.example udp 53\" ]; };\n"     /* 7 */
		"dns = { ttl = 10; resolvers = [ \"192.0.2.53\" ]; };\n"                                /* 8 */
		"log = { level = \"info\"; };\n"                        /* 9 */
		"limited = { tcp_mss = 1400; };\n";                     /* 10 */
	static const char next[] =
		"ports = {\n"
		"  n3 = { device = \"net_null7\"; address = \"192.0.2.1/24\"; };\n" /* 2 */
		N6_OK "};\n"
		"workers = 2;\n"                                        /* 5 */
		"garden = { prefixes = [ \"198.51.100.7/32\", \"203.0.113.0/24 tcp 443\" ];\n"
		"  names = [ \"b.example udp 53\", \"a.example\",\n"   /* 7 */
		"            \"c.example\" ]; };\n"
		"dns = { ttl = 20; resolvers = [ \"192.0.2.53\" ]; };\n"                                /* 9 */
		"limited = { tcp_mss = 1400; };\n";                     /* 10: log gone */
	struct gg_config a, b;
	struct diff_seen d = { 0 };
	char pa[64], pb[64], err[GG_CONF_ERR_MAX] = "";

	CU_ASSERT_EQUAL_FATAL(write_tmp(base, pa, sizeof(pa)), 0);
	CU_ASSERT_EQUAL_FATAL(write_tmp(next, pb, sizeof(pb)), 0);
	if (gg_conf_load(pa, &a, err, sizeof(err)) != 0)
		printf("\n  %s\n", err);
	CU_ASSERT_EQUAL_FATAL(err[0], '\0');
	CU_ASSERT_EQUAL_FATAL(gg_conf_load(pb, &b, err, sizeof(err)), 0);
	/* A file against itself: nothing. */
	CU_ASSERT_EQUAL(gg_conf_diff(&a, &a, diff_record, &d), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	/* The order of prefixes and names means nothing; log.level went
	 * back to its default of "info": no change either. */
	CU_ASSERT_EQUAL(gg_conf_diff(&a, &b, diff_record, &d), 4);
	CU_ASSERT(diff_has(&d, "ports.n3.device restart 2"));
	CU_ASSERT(diff_has(&d, "workers restart 5"));
	CU_ASSERT(diff_has(&d, "garden.names live 7"));
	CU_ASSERT(diff_has(&d, "dns.ttl live 9"));
	/* A name's scope is part of it. */
	free(b.garden.names[0]);
	b.garden.names[0] = strdup("b.example");
	b.garden.name_scopes[0].r[0].port_lo = 54;
	b.garden.name_scopes[0].r[0].port_hi = 54;
	b.garden.n_names = 2;
	memset(&d, 0, sizeof(d));
	b.n3 = a.n3;
	b.workers = a.workers;
	b.garden.dns_ttl = a.garden.dns_ttl;
	CU_ASSERT_EQUAL(gg_conf_diff(&a, &b, diff_record, &d), 1);
	CU_ASSERT(diff_has(&d, "garden.names live 7"));
	/* A setting that is gone is placed at its group, or at the file. */
	memset(&d, 0, sizeof(d));
	b.garden.n_names = 3;
	b.garden.name_scopes[0] = a.garden.name_scopes[1];
	a.log_level = RTE_LOG_DEBUG;
	a.stats_interval = 5;
	CU_ASSERT_EQUAL(gg_conf_diff(&a, &b, diff_record, &d), 3);
	CU_ASSERT(diff_has(&d, "log.level live 0"));
	CU_ASSERT(diff_has(&d, "log.stats_interval restart 0"));
	gg_conf_free(&a);
	gg_conf_free(&b);
	unlink(pa);
	unlink(pb);
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "default config file", test_default_file },
		{ "minimal file, defaults", test_minimal_defaults },
		{ "range edges accepted", test_edges_accepted },
		{ "every setting of the later sections", test_sections_values },
		{ "bad inputs rejected", test_bad_inputs },
		{ "failed load frees", test_error_frees },
		{ "missing file", test_missing_file },
		{ "@include", test_include },
		{ "many static sessions", test_many_sessions },
		{ "limited.cookie_secret, never shown", test_cookie_secret },
		{ "gg_conf_diff: live, refused, where", test_diff },
	};

	printf("%u bad-input cases\n",
		(unsigned int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	return test_cunit_main("conf", NULL, NULL, TEST_CASES(tests));
}
