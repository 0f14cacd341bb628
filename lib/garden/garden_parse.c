/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walled garden rule text: the parser used by the configuration loader and
 * the admin commands, and the formatter used by the table dump; one reads
 * what the other writes.
 *
 * Grammar (blank-separated, keywords case-insensitive):
 *   rule  = addr ["/" depth] [proto]
 *   proto = "any" | "icmp" | ("tcp" | "udp") [port ["-" port]]
 *         | "proto" number [port ["-" port]]   (ports only for 6 and 17)
 * Strict on purpose: octets without leading zeros (inet_aton would read
 * "010" as octal 8), no host bits under the mask (10.1.0.0/8 is a typo
 * more often than a wish for 10.0.0.0/8), no /0.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_string_fns.h>

#include "gg_garden.h"

/* Longest rule text accepted; real rules are under 40 characters. */
#define RULE_TEXT_MAX 127
#define TOKENS_MAX 5

static int
fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && err_len > 0) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Decimal without sign or leading zeros, <= max. */
static bool
parse_uint(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;

	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > (max - (uint32_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* Dotted quad of exactly @p len characters into a host-order address. */
static bool
parse_ipv4(const char *s, size_t len, uint32_t *out)
{
	uint32_t ip = 0, octet;
	size_t i = 0, start;
	int parts;

	for (parts = 0; parts < 4; parts++) {
		start = i;
		while (i < len && s[i] != '.')
			i++;
		if (!parse_uint(s + start, i - start, 255, &octet))
			return false;
		ip = ip << 8 | octet;
		if (parts < 3) {
			if (i >= len)
				return false;
			i++;	/* the dot */
		}
	}
	if (i != len)
		return false;
	*out = ip;
	return true;
}

static void
ipv4_text(uint32_t ip, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
			(ip >> 8) & 0xff, ip & 0xff);
}

static int
parse_ports(const char *tok, uint16_t *lo, uint16_t *hi, char *err,
		size_t err_len)
{
	const char *dash = strchr(tok, '-');
	uint32_t a, b;

	if (dash == NULL) {
		if (!parse_uint(tok, strlen(tok), UINT16_MAX, &a))
			return fail(err, err_len,
					"bad port \"%s\" (0-65535)", tok);
		b = a;
	} else {
		if (!parse_uint(tok, (size_t)(dash - tok), UINT16_MAX, &a) ||
				!parse_uint(dash + 1, strlen(dash + 1),
					UINT16_MAX, &b))
			return fail(err, err_len, "bad port range \"%s\" "
					"(LOW-HIGH, each 0-65535)", tok);
		if (a > b)
			return fail(err, err_len, "port range \"%s\" is "
					"reversed", tok);
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int
gg_garden_parse_rule(const char *text, struct gg_garden_rule *rule,
		char *err, size_t err_len)
{
	char buf[RULE_TEXT_MAX + 1], net[16];
	char *tok[TOKENS_MAX + 1], *save = NULL, *slash, *t;
	struct gg_garden_rule r = { .port_lo = 0, .port_hi = UINT16_MAX };
	uint32_t ip, depth = 32, proto;
	unsigned int n = 0, next;
	size_t alen;

	if (err != NULL && err_len > 0)
		err[0] = '\0';
	if (text == NULL || rule == NULL)
		return fail(err, err_len, "no rule");
	if (strnlen(text, RULE_TEXT_MAX + 1) > RULE_TEXT_MAX)
		return fail(err, err_len, "rule longer than %d characters",
				RULE_TEXT_MAX);
	strlcpy(buf, text, sizeof(buf));
	for (t = strtok_r(buf, " \t\r\n", &save); t != NULL;
			t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == TOKENS_MAX)
			return fail(err, err_len, "unexpected \"%s\" after "
					"the rule", t);
		tok[n++] = t;
	}
	if (n == 0)
		return fail(err, err_len, "empty rule");

	/* Address and prefix length. */
	slash = strchr(tok[0], '/');
	alen = slash != NULL ? (size_t)(slash - tok[0]) : strlen(tok[0]);
	if (!parse_ipv4(tok[0], alen, &ip))
		return fail(err, err_len, "bad IPv4 address \"%.*s\"",
				(int)alen, tok[0]);
	if (slash != NULL) {
		if (!parse_uint(slash + 1, strlen(slash + 1), 32, &depth))
			return fail(err, err_len, "bad prefix length \"%s\" "
					"(1-32)", slash + 1);
		if (depth == 0)
			return fail(err, err_len, "prefix length 0 would put "
					"every address in the garden");
	}
	if (depth < 32 && (ip & (UINT32_MAX >> depth)) != 0) {
		ipv4_text(ip & ~(UINT32_MAX >> depth), net, sizeof(net));
		return fail(err, err_len, "host bits set in %s (the network "
				"is %s/%u)", tok[0], net, depth);
	}
	r.ipv4_be = rte_cpu_to_be_32(ip);
	r.depth = (uint8_t)depth;

	/* Protocol. */
	next = 1;
	if (n > next) {
		t = tok[next++];
		if (strcasecmp(t, "any") == 0) {
			proto = GG_GARDEN_PROTO_ANY;
		} else if (strcasecmp(t, "tcp") == 0) {
			proto = GG_GARDEN_PROTO_TCP;
		} else if (strcasecmp(t, "udp") == 0) {
			proto = GG_GARDEN_PROTO_UDP;
		} else if (strcasecmp(t, "icmp") == 0) {
			proto = GG_GARDEN_PROTO_ICMP;
		} else if (strcasecmp(t, "proto") == 0) {
			if (n <= next || !parse_uint(tok[next],
					strlen(tok[next]), 255, &proto))
				return fail(err, err_len, "\"proto\" needs a "
						"protocol number (0-255)");
			next++;
		} else {
			return fail(err, err_len, "unknown protocol \"%s\" "
					"(tcp, udp, icmp, any or proto N)", t);
		}
		r.proto = (uint8_t)proto;
	}

	/* Ports. */
	if (n > next) {
		if (r.proto != GG_GARDEN_PROTO_TCP &&
				r.proto != GG_GARDEN_PROTO_UDP)
			return fail(err, err_len, "unexpected \"%s\": ports "
					"only apply to tcp and udp", tok[next]);
		if (parse_ports(tok[next], &r.port_lo, &r.port_hi, err,
				err_len) != 0)
			return -EINVAL;
		next++;
	}
	if (n > next)
		return fail(err, err_len, "unexpected \"%s\" after the rule",
				tok[next]);
	*rule = r;
	return 0;
}

int
gg_garden_format_rule(const struct gg_garden_rule *rule, char *buf,
		size_t len)
{
	char addr[16], ports[16] = "";
	const char *proto;
	char pbuf[16];
	bool has_ports;

	ipv4_text(rte_be_to_cpu_32(rule->ipv4_be), addr, sizeof(addr));
	has_ports = rule->proto == GG_GARDEN_PROTO_TCP ||
		rule->proto == GG_GARDEN_PROTO_UDP;
	switch (rule->proto) {
	case GG_GARDEN_PROTO_ANY:
		proto = "";
		break;
	case GG_GARDEN_PROTO_TCP:
		proto = " tcp";
		break;
	case GG_GARDEN_PROTO_UDP:
		proto = " udp";
		break;
	case GG_GARDEN_PROTO_ICMP:
		proto = " icmp";
		break;
	default:
		snprintf(pbuf, sizeof(pbuf), " proto %u", rule->proto);
		proto = pbuf;
		break;
	}
	if (has_ports && !(rule->port_lo == 0 && rule->port_hi == UINT16_MAX)) {
		if (rule->port_lo == rule->port_hi)
			snprintf(ports, sizeof(ports), " %u", rule->port_lo);
		else
			snprintf(ports, sizeof(ports), " %u-%u",
					rule->port_lo, rule->port_hi);
	}
	return snprintf(buf, len, "%s/%u%s%s", addr, rule->depth, proto,
			ports);
}

/* The protocol word at tok[*next] (advancing past "proto N"), or -1. */
static int
parse_proto(char **tok, unsigned int n, unsigned int *next, char *err,
		size_t err_len)
{
	const char *t = tok[(*next)++];
	uint32_t proto;

	if (strcasecmp(t, "any") == 0)
		return GG_GARDEN_PROTO_ANY;
	if (strcasecmp(t, "tcp") == 0)
		return GG_GARDEN_PROTO_TCP;
	if (strcasecmp(t, "udp") == 0)
		return GG_GARDEN_PROTO_UDP;
	if (strcasecmp(t, "icmp") == 0)
		return GG_GARDEN_PROTO_ICMP;
	if (strcasecmp(t, "proto") == 0) {
		if (n <= *next || !parse_uint(tok[*next], strlen(tok[*next]),
				255, &proto)) {
			fail(err, err_len, "\"proto\" needs a protocol number "
					"(0-255)");
			return -1;
		}
		(*next)++;
		return (int)proto;
	}
	fail(err, err_len, "unknown protocol \"%s\" (tcp, udp, icmp, any or "
			"proto N)", t);
	return -1;
}

/* Name rules: the name, then groups of a protocol and its port list. */
#define NAME_TOKENS_MAX 2 * GG_GARDEN_RULES_PER_PREFIX + 2

int
gg_garden_parse_name_rule(const char *text, char *name,
		struct gg_garden_scope *scope, char *err, size_t err_len)
{
	char buf[RULE_TEXT_MAX + GG_GARDEN_NAME_MAX + 1];
	char *tok[NAME_TOKENS_MAX + 1], *save = NULL, *t, *list, *p;
	struct gg_garden_scope sc = { .n = 0 };
	unsigned int n = 0, next = 1, k;
	int proto;

	if (err != NULL && err_len > 0)
		err[0] = '\0';
	if (text == NULL || name == NULL || scope == NULL)
		return fail(err, err_len, "no rule");
	if (strnlen(text, sizeof(buf)) >= sizeof(buf))
		return fail(err, err_len, "rule longer than %zu characters",
				sizeof(buf) - 1);
	strlcpy(buf, text, sizeof(buf));
	for (t = strtok_r(buf, " \t\r\n", &save); t != NULL;
			t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == NAME_TOKENS_MAX)
			return fail(err, err_len, "unexpected \"%s\" after "
					"the rule", t);
		tok[n++] = t;
	}
	if (n == 0)
		return fail(err, err_len, "empty rule");
	if (strlen(tok[0]) > GG_GARDEN_NAME_MAX + 1)
		return fail(err, err_len, "name longer than %d characters",
				GG_GARDEN_NAME_MAX);
	for (k = 0; tok[0][k] != '\0'; k++)
		name[k] = (char)tolower((unsigned char)tok[0][k]);
	name[k] = '\0';
	if (k > 0 && name[k - 1] == '.')
		name[k - 1] = '\0';
	if (n == 1) {
		/* GG_GARDEN_NAME_DEFAULT_SCOPE */
		sc.n = 2;
		sc.r[0].proto = GG_GARDEN_PROTO_TCP;
		sc.r[0].port_lo = sc.r[0].port_hi = 80;
		sc.r[1].proto = GG_GARDEN_PROTO_TCP;
		sc.r[1].port_lo = sc.r[1].port_hi = 443;
	}
	while (next < n) {
		proto = parse_proto(tok, n, &next, err, err_len);
		if (proto < 0)
			return -EINVAL;
		if (next < n && isdigit((unsigned char)tok[next][0]) &&
				proto != GG_GARDEN_PROTO_TCP &&
				proto != GG_GARDEN_PROTO_UDP)
			return fail(err, err_len, "unexpected \"%s\": ports "
					"only apply to tcp and udp", tok[next]);
		if (next == n || !(proto == GG_GARDEN_PROTO_TCP ||
				proto == GG_GARDEN_PROTO_UDP) ||
				isalpha((unsigned char)tok[next][0])) {
			/* No port list: every port (or none to have). */
			if (sc.n == GG_GARDEN_RULES_PER_PREFIX)
				return fail(err, err_len, "more than %d "
						"protocol and port ranges",
						GG_GARDEN_RULES_PER_PREFIX);
			sc.r[sc.n].proto = (uint8_t)proto;
			sc.r[sc.n].port_lo = 0;
			sc.r[sc.n].port_hi = UINT16_MAX;
			sc.n++;
			continue;
		}
		list = tok[next++];
		for (p = strtok_r(list, ",", &save); p != NULL;
				p = strtok_r(NULL, ",", &save)) {
			if (sc.n == GG_GARDEN_RULES_PER_PREFIX)
				return fail(err, err_len, "more than %d "
						"protocol and port ranges",
						GG_GARDEN_RULES_PER_PREFIX);
			if (parse_ports(p, &sc.r[sc.n].port_lo,
					&sc.r[sc.n].port_hi, err, err_len) != 0)
				return -EINVAL;
			sc.r[sc.n].proto = (uint8_t)proto;
			sc.n++;
		}
	}
	*scope = sc;
	return 0;
}

bool
gg_garden_scope_wide(const struct gg_garden_scope *scope)
{
	unsigned int i;

	for (i = 0; i < scope->n; i++)
		if (scope->r[i].proto == GG_GARDEN_PROTO_ANY ||
				((scope->r[i].proto == GG_GARDEN_PROTO_TCP ||
				scope->r[i].proto == GG_GARDEN_PROTO_UDP) &&
				scope->r[i].port_lo == 0 &&
				scope->r[i].port_hi == UINT16_MAX))
			return true;
	return false;
}

bool
gg_garden_scope_accepts(const struct gg_garden_scope *scope, uint8_t proto,
		uint16_t port)
{
	unsigned int i;

	for (i = 0; i < scope->n && i < GG_GARDEN_RULES_PER_PREFIX; i++)
		if ((scope->r[i].proto == GG_GARDEN_PROTO_ANY ||
				scope->r[i].proto == proto) &&
				port >= scope->r[i].port_lo &&
				port <= scope->r[i].port_hi)
			return true;
	return false;
}

int
gg_garden_format_name_rule(const char *name,
		const struct gg_garden_scope *scope, char *buf, size_t len)
{
	char rule[32], *p;
	size_t used;
	int n, total;
	unsigned int i;

	if (scope->n == 0)
		return snprintf(buf, len, "%s %s", name,
				GG_GARDEN_NAME_DEFAULT_SCOPE);
	total = snprintf(buf, len, "%s", name);
	for (i = 0; i < scope->n && i < GG_GARDEN_RULES_PER_PREFIX; i++) {
		struct gg_garden_rule r = {
			.depth = 32, .proto = scope->r[i].proto,
			.port_lo = scope->r[i].port_lo,
			.port_hi = scope->r[i].port_hi,
		};

		/* "0.0.0.0/32 tcp 443" -> " tcp 443", or ",443" after tcp. */
		gg_garden_format_rule(&r, rule, sizeof(rule));
		p = strchr(rule, ' ');
		if (p == NULL) {
			p = (char *)" any";
		} else if (i > 0 && scope->r[i - 1].proto == r.proto &&
				strchr(p + 1, ' ') != NULL) {
			p = strchr(p + 1, ' ');
			*p = ',';
		}
		used = (size_t)total < len ? (size_t)total : len;
		n = snprintf(buf + used, len - used, "%s", p);
		total += n;
	}
	return total;
}
