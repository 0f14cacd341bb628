/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The captive-portal probes of the common operating systems and the
 * answer each expects when the network is open. While a device is captive
 * the portal answers them with a redirect to the sign-up page, which is
 * what makes the system open its sign-in window; once the device is FULL,
 * the exact success answer here makes the system call the network open.
 *
 * Sources: the systems' own behaviour as documented by their vendors and
 * by RFC 8952 (Captive Portal Architecture) section 2.1; the bodies are
 * compared byte for byte by the clients, so they must not change.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "gg_portal.h"

#define APPLE_BODY "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"

static const struct gg_portal_probe probes[] = {
	{ "Apple", "captive.apple.com", "/hotspot-detect.html", 200,
		"text/html", APPLE_BODY },
	{ "Apple", "captive.apple.com", "/", 200, "text/html", APPLE_BODY },
	{ "Android", "connectivitycheck.gstatic.com", "/generate_204", 204,
		NULL, "" },
	{ "Android", "clients3.google.com", "/generate_204", 204, NULL, "" },
	{ "Android", "connectivitycheck.android.com", "/generate_204", 204,
		NULL, "" },
	{ "Windows", "www.msftconnecttest.com", "/connecttest.txt", 200,
		"text/plain", "Microsoft Connect Test" },
	{ "Windows", "www.msftncsi.com", "/ncsi.txt", 200, "text/plain",
		"Microsoft NCSI" },
	{ "Firefox", "detectportal.firefox.com", "/success.txt", 200,
		"text/plain", "success\n" },
};

const struct gg_portal_probe *
gg_portal_probes(unsigned int *n)
{
	*n = sizeof(probes) / sizeof(probes[0]);
	return probes;
}

const struct gg_portal_probe *
gg_portal_probe_find(const char *host, const char *path)
{
	size_t hn, pn;
	unsigned int i;

	if (host == NULL || path == NULL)
		return NULL;
	hn = strcspn(host, ":");
	if (host[0] == '[') /* an IPv6 literal is no probe host */
		return NULL;
	if (hn > 0 && host[hn - 1] == '.')
		hn--;
	pn = strcspn(path, "?#");
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (strlen(probes[i].host) == hn &&
				strncasecmp(probes[i].host, host, hn) == 0 &&
				strlen(probes[i].path) == pn &&
				strncmp(probes[i].path, path, pn) == 0)
			return &probes[i];
	return NULL;
}
