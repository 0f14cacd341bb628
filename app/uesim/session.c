/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PDU session the AuSF grants (the "pduSession" object of
 * doc/ausf-api.rst): read once into struct uesim_session, so that the
 * printers here and the user-plane subcommands to come (GTP-U towards
 * cnTunnelInfo with the uplink TEID and QFI) use checked values only.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "uesim.h"

int
uesim_teid_parse(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	int i, d;

	for (i = 0; i < 8; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1; /* also the NUL of a short string */
		v = v << 4 | (uint32_t)d;
	}
	if (s[8] != '\0')
		return -1;
	*out = v;
	return 0;
}

/* Copy a dotted-quad member into @p out (INET_ADDRSTRLEN), normalised. */
static int
get_ipv4(const json_t *obj, const char *name, char *out, char *err,
		size_t errlen, const char *where)
{
	const char *s = json_string_value(json_object_get(obj, name));
	struct in_addr a;

	if (s == NULL || inet_pton(AF_INET, s, &a) != 1) {
		snprintf(err, errlen, "%s%s: %s", where, name,
				s == NULL ? "missing or not a string" : "not a dotted quad");
		return -1;
	}
	inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
	return 0;
}

int
uesim_session_parse(const json_t *pdu, struct uesim_session *s, char *err,
		size_t errlen)
{
	const char *state, *teid;
	const json_t *cn, *qfi;

	memset(s, 0, sizeof(*s));
	if (!json_is_object(pdu)) {
		snprintf(err, errlen, "pduSession: missing or not an object");
		return -1;
	}
	state = json_string_value(json_object_get(pdu, "state"));
	if (state == NULL || *state == '\0' || strlen(state) >= sizeof(s->state)) {
		snprintf(err, errlen, "pduSession/state: missing or not a short string");
		return -1;
	}
	snprintf(s->state, sizeof(s->state), "%s", state);
	if (get_ipv4(pdu, "ueIpv4Addr", s->ue_ipv4, err, errlen,
			"pduSession/") != 0)
		return -1;
	cn = json_object_get(pdu, "cnTunnelInfo");
	if (!json_is_object(cn)) {
		snprintf(err, errlen, "pduSession/cnTunnelInfo: missing or not an object");
		return -1;
	}
	if (get_ipv4(cn, "ipv4Addr", s->n3_ipv4, err, errlen,
			"pduSession/cnTunnelInfo/") != 0)
		return -1;
	teid = json_string_value(json_object_get(cn, "gtpTeid"));
	if (teid == NULL || uesim_teid_parse(teid, &s->ul_teid) != 0) {
		snprintf(err, errlen, "pduSession/cnTunnelInfo/gtpTeid: %s",
				teid == NULL ? "missing or not a string" :
				"not 8 hexadecimal digits");
		return -1;
	}
	qfi = json_object_get(pdu, "qfi");
	/* TS 29.571 Qfi: 0..63, the 6 bits of the PDU session container. */
	if (!json_is_integer(qfi) || json_integer_value(qfi) < 0 ||
			json_integer_value(qfi) > 63) {
		snprintf(err, errlen, "pduSession/qfi: missing or not in 0..63");
		return -1;
	}
	s->qfi = (unsigned int)json_integer_value(qfi);
	return 0;
}

void
uesim_session_print(FILE *f, const struct uesim_session *s)
{
	char n3[64], qfi[8];

	snprintf(n3, sizeof(n3), "%s, uplink TEID 0x%08x", s->n3_ipv4, s->ul_teid);
	snprintf(qfi, sizeof(qfi), "%u", s->qfi);
	fprintf(f, UESIM_FIELD, "UE IPv4", s->ue_ipv4);
	fprintf(f, UESIM_FIELD, "N3 (appliance)", n3);
	fprintf(f, UESIM_FIELD, "QFI", qfi);
	fprintf(f, UESIM_FIELD, "session state", s->state);
}
