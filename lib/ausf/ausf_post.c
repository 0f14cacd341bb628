/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * POST .../ue-authentications (the collection): validate the request,
 * rate-limit, fetch the device certificate (asynchronously), verify it and
 * answer 201 with a challenge.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <jansson.h>
#include <rte_log.h>

#include "gg_evloop.h"
#include "gg_fetch.h"
#include "gg_garden.h"
#include "gg_pool.h"
#include "gg_sbi.h"
#include "gg_session.h"
#include "ausf_private.h"

#define SNN_MAX 128


/* TS 29.571 Teid: exactly 8 hexadecimal digits (either case accepted). */
static int
parse_teid(const char *s, uint32_t *teid)
{
	uint32_t v = 0;
	int i;

	if (strlen(s) != 8)
		return -1;
	for (i = 0; i < 8; i++) {
		char c = s[i];
		uint32_t d = c >= '0' && c <= '9' ? (uint32_t)(c - '0') :
				c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10) :
				c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10) : 16;

		if (d == 16)
			return -1;
		v = v << 4 | d;
	}
	*teid = v;
	return 0;
}

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < '!' || *s > '~')
			return 0;
	return 1;
}

/* Appending to a fixed buffer; @p over once something did not fit. */
struct out {
	char *p, *end;
	bool over;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if ((size_t)(o->end - o->p) < n) {
		o->over = true;
		return;
	}
	memcpy(o->p, s, n);
	o->p += n;
}

#define PUT_LIT(o, lit) put((o), (lit), sizeof(lit) - 1)

static void
put_u32(struct out *o, uint32_t v)
{
	char d[10];
	size_t n = 0;

	do
		d[sizeof(d) - ++n] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	put(o, d + sizeof(d) - n, n);
}

/* As snprintf(dst, size, "%s", src), without the format machinery
 * (four of these and the answer's were a sixth of a POST). */
static void
copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * 201 with the challenge, written straight into a buffer (what json_pack()
 * and json_dumps() made of it, member order included, without their
 * allocations): every string in it is base64url, a constant or the
 * context's href, none needs escaping.
 */
static void
respond_challenge(struct gg_ausf *a, struct ctx *c, struct gg_sbi_request *req)
{
	char chal[64], loc[sizeof(GG_AUSF_ROOT) + 1 + CTX_ID_LEN + 1], body[512];
	struct out o = { body, body + sizeof(body), false };
	struct out l = { loc, loc + sizeof(loc), false };

	gg_auth_b64url_encode(c->challenge, sizeof(c->challenge), chal, sizeof(chal));
	PUT_LIT(&o, "{\"authType\":\"ONE_WAY_CERT\",\"oneWayAuthData\":{\"challenge\":\"");
	put(&o, chal, strlen(chal));
	PUT_LIT(&o, "\",\"signedDataFormat\":\"" GG_AUTH_TBS_LABEL "\",\"expiresIn\":");
	put_u32(&o, a->p.challenge_ttl_ms / 1000);
	PUT_LIT(&o, "},\"_links\":{\"one-way-confirmation\":{\"href\":\"" GG_AUSF_ROOT "/");
	put(&o, c->id, CTX_ID_LEN);
	PUT_LIT(&o, "/one-way-confirmation\"}}}");
	PUT_LIT(&l, GG_AUSF_ROOT "/");
	put(&l, c->id, CTX_ID_LEN);
	put(&l, "", 1);
	if (o.over || l.over) {
		gg_sbi_problem(req, 500, "SYSTEM_FAILURE",
				"the service could not build its answer", NULL);
		return;
	}
	gg_sbi_respond(req, 201, "application/json", loc, body,
			(size_t)(o.p - body));
}

/*
 * The certificate of c (in the table, CTX_FETCHING) is @p body: verify it
 * (or find its verification) and answer 201 with the challenge. @p cached:
 * it came from the fetcher's cache, which holds only certificates that
 * verified, so it is not put back.
 */
static void
cert_ready(struct ctx *c, struct gg_sbi_request *req, const uint8_t *body,
		size_t len, bool cached)
{
	struct gg_ausf *a = c->a;
	enum gg_auth_status vst;
	struct gg_auth_cert *cert = NULL;
	char detail[160];

	/* The same octets from the same URL verified for this identity
	 * before: no chain verification (ausf_vcache.c). */
	c->vc = vcache_get(a->vcache, c->cert_url, body, len, c->identity,
			time(NULL));
	vst = GG_AUTH_OK;
	if (c->vc != NULL) {
		a->st.cert_reused++;
	} else {
		vst = gg_auth_cert_verify(a->d.trust, body, len, c->identity,
				time(NULL), &cert);
		if (vst == GG_AUTH_OK &&
				(c->vc = vcache_add(a->vcache, c->cert_url, body, len,
					c->identity, cert, time(NULL))) == NULL)
			vst = GG_AUTH_INTERNAL;
	}
	if (c->vc != NULL)
		c->cert = vcert_cert(c->vc);
	if (vst != GG_AUTH_OK) {
		a->st.rejected_cert++;
		snprintf(detail, sizeof(detail), "certificate rejected: %s",
				gg_auth_status_name(vst));
		gg_sbi_problem(req, 403, "CERTIFICATE_REJECTED", detail, NULL);
		ctx_free(a, c, true);
		return;
	}
	/* Only now, verified, may it be cached: an answer that does not
	 * verify never evicts a good certificate. */
	if (!cached)
		(void)gg_fetch_cache_put(a->d.fetch, c->cert_url, body, len);
	c->expires_ms = gg_evloop_now_ms() + a->p.challenge_ttl_ms;
	ctx_challenged(a, c);
	a->st.created++;
	respond_challenge(a, c, req);
}

static void
fetch_done(void *arg, enum gg_fetch_status st, long http_status,
		const uint8_t *body, size_t len)
{
	struct ctx *c = arg;
	struct gg_ausf *a = c->a;
	struct gg_sbi_request *req = c->req;
	char detail[160];

	c->req = NULL;
	if (gg_sbi_request_cancelled(req)) {
		gg_sbi_request_release(req);
		ctx_free(a, c, true);
		return;
	}
	if (st != GG_FETCH_OK) {
		a->st.fetch_failed++;
		snprintf(detail, sizeof(detail), "certificate fetch: %s%s%ld",
				gg_fetch_status_name(st), http_status ? ", HTTP " : "",
				http_status);
		gg_sbi_problem(req, st == GG_FETCH_TIMEOUT ? 504 : 502,
				st == GG_FETCH_TIMEOUT ? "CERT_FETCH_TIMEOUT" :
				"CERT_FETCH_FAILED", detail, NULL);
		ctx_free(a, c, true);
		return;
	}
	cert_ready(c, req, body, len, false);
}

/* One InvalidParam more; the array is made on the first (none in the
 * common case). @p nbad counts them even when the array cannot be made. */
static void
invalid(json_t **inv, int *nbad, const char *param, const char *reason)
{
	if (*inv == NULL)
		*inv = json_array();
	gg_sbi_invalid_param(*inv, param, reason);
	(*nbad)++;
}

/* AuthenticationInfo as gg_sbi_json_read_plain() reads it; the order
 * gives the indexes below. Public (gg_ausf.h) so that the tests of the
 * plain reader check the schema the AuSF uses, not a copy of it. */
enum {
	F_IDENTITY, F_SNN, F_URL, F_NOTIFY, F_TUNNEL, F_TIP, F_TTEID, F_N
};
_Static_assert(F_N == GG_AUSF_AUTH_INFO_FIELDS, "gg_ausf.h: field count");
const struct gg_sbi_json_field gg_ausf_auth_info_fields[F_N] = {
	[F_IDENTITY] = { "supiOrSuci", -1, false, true, GG_STORE_IDENTITY_MAX },
	[F_SNN] = { "servingNetworkName", -1, false, true, SNN_MAX },
	[F_URL] = { "certificateUrl", -1, false, true, GG_STORE_URL_MAX },
	[F_NOTIFY] = { "profileNotifyUri", -1, false, false, GG_STORE_URL_MAX },
	[F_TUNNEL] = { "anTunnelInfo", -1, true, true, 0 },
	[F_TIP] = { "ipv4Addr", F_TUNNEL, false, true, 15 },
	[F_TTEID] = { "gtpTeid", F_TUNNEL, false, true, 8 },
};
#define AUTH_INFO_TEXT (GG_STORE_IDENTITY_MAX + SNN_MAX + 2 * GG_STORE_URL_MAX + \
		15 + 8 + F_N)

void
handle_create(struct gg_ausf *a, struct gg_sbi_request *req)
{
	const char *identity = NULL, *snn = NULL, *url = NULL, *tip = NULL, *tteid = NULL;
	const char *notify = NULL;
	char notify_canon[GG_STORE_URL_MAX + 1];
	struct gg_sbi_json_field f[F_N];
	char text[AUTH_INFO_TEXT];
	struct gg_fetch_url cu;
	const uint8_t *cert, *raw;
	size_t cert_len, raw_len;
	int notify_rc = 0, url_rc = -EINVAL;
	json_t *body = NULL, *inv = NULL, *tunnel = NULL;
	char err[256];
	struct in_addr gnb;
	uint32_t dl_teid = 0;
	struct ctx *c;
	int status, ret, missing = 0, nbad = 0;

	/* The plain case (what devices send) is read without jansson;
	 * anything else is parsed and judged by jansson and the getters
	 * as before, so every answer stays theirs. */
	memcpy(f, gg_ausf_auth_info_fields, sizeof(f));
	raw = gg_sbi_request_body(req, &raw_len);
	if (gg_sbi_request_is_json(req) && gg_sbi_json_read_plain(raw, raw_len,
			f, F_N, text, sizeof(text)) == 0) {
		identity = f[F_IDENTITY].value;
		snn = f[F_SNN].value;
		url = f[F_URL].value;
		notify = f[F_NOTIFY].value;
		tip = f[F_TIP].value;
		tteid = f[F_TTEID].value;
	} else {
		body = gg_sbi_parse_json_body(req, &status, err, sizeof(err));
		if (body == NULL) {
			a->st.rejected_request++;
			gg_sbi_problem(req, status, status == 415 ?
					"UNSUPPORTED_MEDIA_TYPE" : "INVALID_MSG_FORMAT",
					err, NULL);
			return;
		}
		inv = json_array();
		/* -2 from a getter: a required member is missing (TS 29.500
		 * cause MANDATORY_IE_MISSING); any other problem is
		 * MANDATORY_IE_INCORRECT. */
		ret = gg_sbi_json_get_string(body, NULL, "supiOrSuci", 1,
				GG_STORE_IDENTITY_MAX, &identity, inv);
		missing |= ret == -2;
		nbad += ret != 0;
		ret = gg_sbi_json_get_string(body, NULL, "servingNetworkName", 1,
				SNN_MAX, &snn, inv);
		missing |= ret == -2;
		nbad += ret != 0;
		ret = gg_sbi_json_get_string(body, NULL, "certificateUrl", 1,
				GG_STORE_URL_MAX, &url, inv);
		missing |= ret == -2;
		nbad += ret != 0;
		nbad += gg_sbi_json_get_string(body, NULL, "profileNotifyUri", 0,
				GG_STORE_URL_MAX, &notify, inv) != 0;
		ret = gg_sbi_json_get_object(body, NULL, "anTunnelInfo", 1,
				&tunnel, inv);
		missing |= ret == -2;
		nbad += ret != 0;
		if (ret == 0 && tunnel != NULL) {
			ret = gg_sbi_json_get_string(tunnel, "/anTunnelInfo",
					"ipv4Addr", 1, 15, &tip, inv);
			missing |= ret == -2;
			nbad += ret != 0;
			ret = gg_sbi_json_get_string(tunnel, "/anTunnelInfo",
					"gtpTeid", 1, 8, &tteid, inv);
			missing |= ret == -2;
			nbad += ret != 0;
		}
	}
	if (identity != NULL && !printable(identity))
		invalid(&inv, &nbad, "/supiOrSuci", "printable ASCII only");
	if (snn != NULL && strncmp(snn, "5G:", 3) != 0)
		invalid(&inv, &nbad, "/servingNetworkName", "must start with \"5G:\"");
	if (tip != NULL && (inet_pton(AF_INET, tip, &gnb) != 1 || gnb.s_addr == 0))
		invalid(&inv, &nbad, "/anTunnelInfo/ipv4Addr", "not an IPv4 address");
	if (tteid != NULL && parse_teid(tteid, &dl_teid) != 0)
		invalid(&inv, &nbad, "/anTunnelInfo/gtpTeid", "8 hexadecimal digits");
	if (url != NULL && nbad == 0 &&
			(url_rc = gg_fetch_url_check_canon(a->d.fetch, url,
				&cu)) == -EINVAL)
		invalid(&inv, &nbad, "/certificateUrl", "malformed or unsafe URL");
	if (notify != NULL && nbad == 0) {
		notify_rc = gg_fetch_allow_check(a->notify_allow, notify);
		if (notify_rc == -EINVAL || gg_fetch_url_normalize(notify,
				notify_canon, sizeof(notify_canon)) < 0)
			invalid(&inv, &nbad, "/profileNotifyUri",
					"malformed or unsafe URL");
	}
	if (nbad != 0) {
		a->st.rejected_request++;
		gg_sbi_problem(req, 400, missing ? "MANDATORY_IE_MISSING" :
				"MANDATORY_IE_INCORRECT", "invalid or missing fields", inv);
		json_decref(body);
		return;
	}
	json_decref(inv);
	/* Before anything is created or fetched: no request ever goes to a
	 * callback outside the list (no SSRF through the SBI). */
	if (notify != NULL && notify_rc != 0) {
		a->st.rejected_notify_uri++;
		gg_sbi_problem(req, 403, "NOTIFY_URI_NOT_ALLOWED",
				"the profile notification URI is not under an allowed prefix",
				NULL);
		json_decref(body);
		return;
	}

	if (!gg_auth_ratelimit_allow(a->rl_client, gg_sbi_request_peer(req),
			gg_evloop_now_ms()) ||
			!gg_auth_ratelimit_allow(a->rl_device, identity, gg_evloop_now_ms())) {
		a->st.rate_limited++;
		gg_sbi_problem(req, 429, "TOO_MANY_ATTEMPTS",
				"too many authentication attempts; retry later", NULL);
		json_decref(body);
		return;
	}
	if (a->d.store == NULL || !gg_store_is_up(a->d.store)) {
		a->st.store_unavailable++;
		gg_sbi_problem(req, 503, "STORE_UNAVAILABLE",
				"the subscription store is unreachable", NULL);
		json_decref(body);
		return;
	}
	c = ctx_new(a);
	if (c == NULL) {
		gg_sbi_problem(req, 503, "INSUFFICIENT_RESOURCES",
				"out of memory", NULL);
		json_decref(body);
		return;
	}
	copy_str(c->identity, sizeof(c->identity), identity);
	copy_str(c->peer, sizeof(c->peer), gg_sbi_request_peer(req));
	copy_str(c->client, sizeof(c->client), gg_sbi_request_client(req));
	/* Pending challenges have slots of their own, apart from the
	 * sessions, and no client address or identity holds too many: a
	 * flood of unanswered POSTs fills its own quota, not the table. */
	ret = ctx_pending_take(a, c);
	if (ret != 0) {
		if (ret == -ENOSPC) {
			a->st.refused_capacity++;
			gg_sbi_problem(req, 503, "INSUFFICIENT_RESOURCES",
					"too many authentications in progress", NULL);
		} else {
			a->st.refused_quota++;
			gg_sbi_problem(req, 429, "TOO_MANY_PENDING",
					"too many unconfirmed challenges for this client or device; "
					"confirm or wait for them to expire", NULL);
		}
		ctx_free(a, c, false);
		json_decref(body);
		return;
	}
	copy_str(c->snn, sizeof(c->snn), snn);
	c->cert_url = strdup(url);
	c->notify_uri = notify != NULL ? strdup(notify_canon) : NULL;
	if (c->cert_url == NULL || (notify != NULL && c->notify_uri == NULL)) {
		gg_sbi_problem(req, 503, "INSUFFICIENT_RESOURCES", "out of memory",
				NULL);
		ctx_free(a, c, false);
		json_decref(body);
		return;
	}
	c->gnb_ipv4 = gnb.s_addr;
	c->dl_teid = dl_teid;
	c->state = CTX_FETCHING;
	c->req = req;
	json_decref(body);

	/* A certificate in the fetcher's cache is answered now, without a
	 * loop round; one outside the prefixes goes to gg_fetch_get() for
	 * its -EPERM (counted there). */
	if (url_rc == 0 && gg_fetch_cache_get(a->d.fetch, &cu, &cert,
			&cert_len) == 1) {
		c->req = NULL;
		ctx_table_add(&a->ctx, c);
		cert_ready(c, req, cert, cert_len, true);
		return;
	}
	ret = url_rc == 0 ? gg_fetch_get_url(a->d.fetch, &cu, fetch_done, c) :
			gg_fetch_get(a->d.fetch, c->cert_url, fetch_done, c);
	if (ret != 0) {
		if (ret == -EPERM) {
			a->st.rejected_url++;
			gg_sbi_problem(req, 403, "CERT_URL_NOT_ALLOWED",
					"the certificate URL is not under an allowed CA prefix",
					NULL);
		} else {
			a->st.fetch_failed++;
			gg_sbi_problem(req, 503, "INSUFFICIENT_RESOURCES", strerror(-ret),
					NULL);
		}
		ctx_free(a, c, false);
		return;
	}
	ctx_table_add(&a->ctx, c);
}
