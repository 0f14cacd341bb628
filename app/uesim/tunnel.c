/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "gg-uesim tunnel": the gNB's user plane for one device. A TUN device
 * carries the UE's IP packets; each one read from it leaves as a G-PDU
 * (TS 29.281 5.1, with a PDU Session Container, TS 38.415 5.5.2.2, when a
 * QFI is given) on a UDP socket (port 2152) towards gardengate's N3
 * address. G-PDUs that arrive for the downlink TEID are decapsulated and
 * written to the TUN device. Echo Requests are answered (TS 29.281 7.2.2),
 * Error Indications and End Markers counted.
 *
 * One thread, one poll loop; one packet buffer per direction, no queue:
 * when the socket or the TUN device cannot take a packet at once it is
 * dropped and counted (the kernel queues in front of us are the only
 * buffers). Counters are printed on exit (SIGINT, SIGTERM, --duration).
 * Not fast: one read and one write system call per packet.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* ppoll */
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <jansson.h>

#include "uesim.h"

#define CMD "tunnel"

#define GTPU_PORT 2152
#define GTPU_HDR_LEN 8           /* mandatory part */
#define GTPU_OPT_LEN 4           /* sequence, N-PDU, next extension type */
#define GTPU_FLAGS_V1_PT 0x30    /* version 1, protocol type GTP */
#define GTPU_FLAG_E 0x04
#define GTPU_FLAG_S 0x02
#define GTPU_FLAG_PN 0x01
#define GTPU_ECHO_REQ 1
#define GTPU_ECHO_RESP 2
#define GTPU_ERROR_IND 26
#define GTPU_END_MARKER 254
#define GTPU_GPDU 255
#define GTPU_EXT_PDU_SESSION 0x85
#define GTPU_IE_RECOVERY 14
#define PDU_TYPE_UL 1            /* TS 38.415: UL PDU SESSION INFORMATION */

#define DEFAULT_MTU 1400         /* 1500 less the 44 octets of encapsulation, rounded */
#define MIN_MTU 576
#define MAX_MTU 9000
/* Largest frame either way: a full IPv4 datagram plus our encapsulation. */
#define BUF_LEN (65535 + GTPU_HDR_LEN + GTPU_OPT_LEN + 4)

/* Every outcome has a counter: X(name, what it counts). */
#define TUNNEL_COUNTERS(X) \
	X(ul_packets, "uplink packets sent as G-PDUs") \
	X(ul_bytes, "their IP octets") \
	X(ul_not_ipv4, "uplink packets dropped: not IPv4 (IPv6, garbage)") \
	X(ul_wrong_source, "uplink packets dropped: source is not the UE address") \
	X(ul_send_errors, "uplink packets dropped: the socket refused them") \
	X(dl_packets, "downlink G-PDUs written to the TUN device") \
	X(dl_bytes, "their IP octets") \
	X(dl_wrong_peer, "datagrams dropped: not from the N3 address, port 2152") \
	X(dl_malformed, "datagrams dropped: not a well-formed GTPv1-U message") \
	X(dl_wrong_teid, "G-PDUs dropped: TEID is not the downlink TEID") \
	X(dl_wrong_dest, "G-PDUs dropped: not IPv4 to the UE address") \
	X(dl_write_errors, "G-PDUs dropped: the TUN device refused them") \
	X(echo_requests, "Echo Requests answered") \
	X(error_indications, "Error Indications received") \
	X(end_markers, "End Markers received") \
	X(other_messages, "other GTP-U messages (ignored)")

struct tunnel_counters {
#define X(name, help) uint64_t name;
	TUNNEL_COUNTERS(X)
#undef X
};

struct tunnel_opts {
	bool json;
	bool verbose;
	const char *session_file;
	const char *tun_name;
	struct in_addr ue, n3, local;
	uint32_t teid_ul, teid_dl;
	unsigned int qfi;
	unsigned int mtu;
	unsigned long duration_s;    /* 0: until a signal */
	bool has_ue, has_n3, has_ul, has_dl, has_qfi;
};

enum {
	OPT_UE_IP = UESIM_OPT_CMD_FIRST,
	OPT_N3,
	OPT_TEID_UL,
	OPT_TEID_DL,
	OPT_QFI,
	OPT_TUN,
	OPT_LOCAL,
	OPT_SESSION,
	OPT_MTU,
	OPT_DURATION,
	OPT_JSON,
};

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: %s tunnel --ue-ip IPV4 --n3 IPV4 --teid-ul TEID --teid-dl TEID\n"
		"                  [options]\n"
		"       %s tunnel --session FILE --teid-dl TEID [options]\n"
		"\n"
		"The gNB's user plane for one device: a TUN device carrying the UE's\n"
		"IPv4 packets, each sent as a GTP-U G-PDU over UDP port 2152 to the\n"
		"appliance's N3 address; G-PDUs for the downlink TEID come back out\n"
		"of the TUN device. Runs until SIGINT or SIGTERM (or --duration),\n"
		"then prints its counters. Needs CAP_NET_ADMIN (root).\n"
		"\n"
		"      --ue-ip IPV4       the UE's address (pduSession ueIpv4Addr); set\n"
		"                         on the TUN device as a /32\n"
		"      --n3 IPV4          the appliance's N3 address (cnTunnelInfo)\n"
		"      --teid-ul TEID     uplink TEID, the appliance's (cnTunnelInfo)\n"
		"      --teid-dl TEID     downlink TEID, the gNB's (auth's --dl-teid)\n"
		"                         TEIDs: 0x + 1..8 hex digits, or 8 hex digits\n"
		"      --qfi Q            0..63: add a PDU Session Container with it\n"
		"      --session FILE     take --ue-ip, --n3, --teid-ul and --qfi from\n"
		"                         the JSON that \"%s auth --json\" printed\n"
		"                         (options given explicitly win)\n"
		"      --tun NAME         TUN device name (default: the kernel's, ggtunN)\n"
		"      --local IPV4       the gNB's address to send from and listen on\n"
		"                         (default: any)\n"
		"      --mtu N            TUN device MTU, %d..%d (default %d)\n"
		"      --duration S       stop after S seconds\n"
		"      --json             counters as one JSON object on stdout\n"
		"  -v, --verbose          one line on stderr per message not forwarded\n"
		"  -h, --help             this text\n"
		"\n"
		"Once the device is up it prints \"ready TUN-NAME\" on stdout.\n"
		"Exit status: 0 when stopped, 1 when set-up or I/O failed, 2 on usage\n"
		"errors.\n",
		UESIM_PROG, UESIM_PROG, UESIM_PROG, MIN_MTU, MAX_MTU, DEFAULT_MTU);
}

static int
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s %s: ", UESIM_PROG, CMD);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '%s %s --help'.\n", UESIM_PROG, CMD);
	return -1;
}

/* The session of an "auth --json" output: its last line is the object. */
static int
read_session(struct tunnel_opts *o)
{
	struct uesim_session s;
	json_error_t jerr;
	char why[256];
	json_t *root;

	root = json_load_file(o->session_file, JSON_DISABLE_EOF_CHECK, &jerr);
	if (root == NULL) {
		fprintf(stderr, "%s %s: --session %s:%d: %s\n", UESIM_PROG, CMD,
				o->session_file, jerr.line, jerr.text);
		return -1;
	}
	if (uesim_session_parse(json_object_get(root, "pduSession"), &s, why,
			sizeof(why)) != 0) {
		fprintf(stderr, "%s %s: --session %s: %s\n", UESIM_PROG, CMD,
				o->session_file, why);
		json_decref(root);
		return -1;
	}
	json_decref(root);
	if (!o->has_ue)
		inet_pton(AF_INET, s.ue_ipv4, &o->ue);
	if (!o->has_n3)
		inet_pton(AF_INET, s.n3_ipv4, &o->n3);
	if (!o->has_ul)
		o->teid_ul = s.ul_teid;
	if (!o->has_qfi) {
		o->qfi = s.qfi;
		o->has_qfi = true;
	}
	o->has_ue = o->has_n3 = o->has_ul = true;
	return 0;
}

/* Returns 0 to go on, 1 after --help, -1 on a usage error. */
static int
parse_options(int argc, char **argv, struct tunnel_opts *o)
{
	static const struct option longopts[] = {
		{ "ue-ip", required_argument, NULL, OPT_UE_IP },
		{ "n3", required_argument, NULL, OPT_N3 },
		{ "teid-ul", required_argument, NULL, OPT_TEID_UL },
		{ "teid-dl", required_argument, NULL, OPT_TEID_DL },
		{ "qfi", required_argument, NULL, OPT_QFI },
		{ "tun", required_argument, NULL, OPT_TUN },
		{ "local", required_argument, NULL, OPT_LOCAL },
		{ "session", required_argument, NULL, OPT_SESSION },
		{ "mtu", required_argument, NULL, OPT_MTU },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->mtu = DEFAULT_MTU;
	o->local.s_addr = htonl(INADDR_ANY);
	optind = 1;
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_UE_IP:
			if (inet_pton(AF_INET, optarg, &o->ue) != 1)
				return usage_error("--ue-ip '%s': not a dotted quad", optarg);
			o->has_ue = true;
			break;
		case OPT_N3:
			if (inet_pton(AF_INET, optarg, &o->n3) != 1)
				return usage_error("--n3 '%s': not a dotted quad", optarg);
			o->has_n3 = true;
			break;
		case OPT_LOCAL:
			if (inet_pton(AF_INET, optarg, &o->local) != 1)
				return usage_error("--local '%s': not a dotted quad", optarg);
			break;
		case OPT_TEID_UL:
			if (uesim_teid_option(optarg, &o->teid_ul) != 0)
				return usage_error("--teid-ul '%s': not 0x + 1..8 hex digits "
						"or 8 hex digits", optarg);
			o->has_ul = true;
			break;
		case OPT_TEID_DL:
			if (uesim_teid_option(optarg, &o->teid_dl) != 0)
				return usage_error("--teid-dl '%s': not 0x + 1..8 hex digits "
						"or 8 hex digits", optarg);
			o->has_dl = true;
			break;
		case OPT_QFI:
			if (uesim_ulong_option(optarg, 0, 63, &v) != 0)
				return usage_error("--qfi '%s': not in 0..63", optarg);
			o->qfi = (unsigned int)v;
			o->has_qfi = true;
			break;
		case OPT_TUN:
			if (*optarg == '\0' || strlen(optarg) >= IFNAMSIZ ||
					strchr(optarg, '/') != NULL)
				return usage_error("--tun '%s': not an interface name "
						"(1..15 characters, no '/')", optarg);
			o->tun_name = optarg;
			break;
		case OPT_SESSION:
			o->session_file = optarg;
			break;
		case OPT_MTU:
			if (uesim_ulong_option(optarg, MIN_MTU, MAX_MTU, &v) != 0)
				return usage_error("--mtu '%s': not in 576..9000", optarg);
			o->mtu = (unsigned int)v;
			break;
		case OPT_DURATION:
			if (uesim_ulong_option(optarg, 1, 86400 * 365UL, &v) != 0)
				return usage_error("--duration '%s': not a number of seconds "
						"(1 or more)", optarg);
			o->duration_s = v;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			fprintf(stderr, "Try '%s %s --help'.\n", UESIM_PROG, CMD);
			return -1;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (o->session_file != NULL && read_session(o) != 0)
		return -1;
	if (!o->has_ue)
		return usage_error("%s: missing (or --session)", "--ue-ip");
	if (!o->has_n3)
		return usage_error("%s: missing (or --session)", "--n3");
	if (!o->has_ul)
		return usage_error("%s: missing (or --session)", "--teid-ul");
	if (!o->has_dl)
		return usage_error("%s: missing", "--teid-dl");
	return 0;
}

/* SIOCSIFADDR and friends want an AF_INET socket of any kind. */
static int
tun_configure(int ctl, const char *name, const struct tunnel_opts *o)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr = o->ue;
	if (ioctl(ctl, SIOCSIFADDR, &ifr) != 0) {
		fprintf(stderr, "%s %s: %s: set address: %s\n", UESIM_PROG, CMD, name,
				strerror(errno));
		return -1;
	}
	sin->sin_addr.s_addr = htonl(0xffffffffu);
	if (ioctl(ctl, SIOCSIFNETMASK, &ifr) != 0) {
		fprintf(stderr, "%s %s: %s: set netmask: %s\n", UESIM_PROG, CMD, name,
				strerror(errno));
		return -1;
	}
	ifr.ifr_mtu = (int)o->mtu;
	if (ioctl(ctl, SIOCSIFMTU, &ifr) != 0) {
		fprintf(stderr, "%s %s: %s: set MTU %u: %s\n", UESIM_PROG, CMD, name,
				o->mtu, strerror(errno));
		return -1;
	}
	if (ioctl(ctl, SIOCGIFFLAGS, &ifr) != 0) {
		fprintf(stderr, "%s %s: %s: get flags: %s\n", UESIM_PROG, CMD, name,
				strerror(errno));
		return -1;
	}
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(ctl, SIOCSIFFLAGS, &ifr) != 0) {
		fprintf(stderr, "%s %s: %s: set up: %s\n", UESIM_PROG, CMD, name,
				strerror(errno));
		return -1;
	}
	return 0;
}

/* Open the TUN device (no packet information header: each read is one IP
 * packet) and bring it up with the UE address. */
static int
tun_open(const struct tunnel_opts *o, char name[IFNAMSIZ])
{
	struct ifreq ifr;
	int fd, ctl;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s %s: /dev/net/tun: %s\n", UESIM_PROG, CMD,
				strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s",
			o->tun_name != NULL ? o->tun_name : "ggtun%d");
	if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
		fprintf(stderr, "%s %s: TUNSETIFF %s: %s%s\n", UESIM_PROG, CMD,
				ifr.ifr_name, strerror(errno),
				errno == EPERM ? " (needs CAP_NET_ADMIN)" :
				errno == EBUSY ? " (the name is taken)" : "");
		close(fd);
		return -1;
	}
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = '\0';
	ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ctl < 0 || tun_configure(ctl, name, o) != 0) {
		if (ctl < 0)
			fprintf(stderr, "%s %s: socket: %s\n", UESIM_PROG, CMD,
					strerror(errno));
		else
			close(ctl);
		close(fd);
		return -1;
	}
	close(ctl);
	return fd;
}

static int
udp_open(const struct tunnel_opts *o)
{
	const int rcvbuf = 4 << 20;
	struct sockaddr_in sa;
	char a[INET_ADDRSTRLEN];
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "%s %s: socket: %s\n", UESIM_PROG, CMD, strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(GTPU_PORT);
	sa.sin_addr = o->local;
	/*
	 * A gNB's downlink comes in bursts of line rate while this loop also
	 * writes the TUN: the default receive buffer (about 200 KiB) overflowed
	 * in a 50 MB download. 4 MiB holds ~2800 full G-PDUs; SO_RCVBUFFORCE
	 * passes net.core.rmem_max as root (a namespace cannot raise it), the
	 * plain option is the fallback (capped by rmem_max, best effort).
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		inet_ntop(AF_INET, &o->local, a, sizeof(a));
		fprintf(stderr, "%s %s: bind %s:%d: %s\n", UESIM_PROG, CMD, a, GTPU_PORT,
				strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Length of the header we put in front of a T-PDU. */
static size_t
encap_len(const struct tunnel_opts *o)
{
	return GTPU_HDR_LEN + (o->has_qfi ? GTPU_OPT_LEN + 4 : 0);
}

/* Write the G-PDU header for a T-PDU of @p len octets into @p h. */
static void
encap(const struct tunnel_opts *o, uint8_t *h, size_t len)
{
	uint16_t plen = (uint16_t)(encap_len(o) - GTPU_HDR_LEN + len);
	uint32_t teid = htonl(o->teid_ul);

	h[0] = GTPU_FLAGS_V1_PT | (o->has_qfi ? GTPU_FLAG_E : 0);
	h[1] = GTPU_GPDU;
	h[2] = plen >> 8;
	h[3] = plen & 0xff;
	memcpy(h + 4, &teid, 4);
	if (!o->has_qfi)
		return;
	h[8] = h[9] = 0;                 /* sequence number: unused (S=0) */
	h[10] = 0;                       /* N-PDU number: unused (PN=0) */
	h[11] = GTPU_EXT_PDU_SESSION;
	h[12] = 1;                       /* extension length, 4-octet units */
	h[13] = PDU_TYPE_UL << 4;
	h[14] = o->qfi & 0x3f;
	h[15] = 0;                       /* no further extension */
}

static void
note(const struct tunnel_opts *o, const char *what, const struct sockaddr_in *from)
{
	char a[INET_ADDRSTRLEN];

	if (!o->verbose)
		return;
	if (from != NULL) {
		inet_ntop(AF_INET, &from->sin_addr, a, sizeof(a));
		fprintf(stderr, "%s %s: from %s:%u: %s\n", UESIM_PROG, CMD, a,
				ntohs(from->sin_port), what);
	} else {
		fprintf(stderr, "%s %s: %s\n", UESIM_PROG, CMD, what);
	}
}

/* One packet from the TUN device. Returns -1 on a fatal read error. */
static int
uplink(const struct tunnel_opts *o, int tun, int udp, uint8_t *buf,
		struct tunnel_counters *n)
{
	size_t hl = encap_len(o);
	struct sockaddr_in to;
	uint8_t *ip = buf + hl;
	struct in_addr src;
	ssize_t len;

	/* At most what the 16-bit length field can count after the mandatory
	 * header (the MTU keeps real packets far below it). */
	len = read(tun, ip, 65535 - (hl - GTPU_HDR_LEN));
	if (len < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		fprintf(stderr, "%s %s: read from the TUN device: %s\n", UESIM_PROG, CMD,
				strerror(errno));
		return -1;
	}
	if (len < 20 || ip[0] >> 4 != 4) {
		n->ul_not_ipv4++;
		note(o, "uplink packet dropped: not IPv4", NULL);
		return 0;
	}
	memcpy(&src, ip + 12, 4);
	if (src.s_addr != o->ue.s_addr) {
		n->ul_wrong_source++;
		note(o, "uplink packet dropped: source is not the UE address", NULL);
		return 0;
	}
	encap(o, buf, (size_t)len);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons(GTPU_PORT);
	to.sin_addr = o->n3;
	if (sendto(udp, buf, hl + (size_t)len, 0, (struct sockaddr *)&to,
			sizeof(to)) < 0) {
		n->ul_send_errors++;
		if (o->verbose)
			fprintf(stderr, "%s %s: uplink send: %s\n", UESIM_PROG, CMD,
					strerror(errno));
		return 0;
	}
	n->ul_packets++;
	n->ul_bytes += (uint64_t)len;
	return 0;
}

/* Answer an Echo Request (TS 29.281 7.2.2): same sequence number, and the
 * Recovery IE (restart counter 0) that the message must still carry. */
static void
echo_reply(const struct tunnel_opts *o, int udp, const uint8_t *req, size_t len,
		const struct sockaddr_in *from, struct tunnel_counters *n)
{
	uint8_t r[14];

	if (!(req[0] & GTPU_FLAG_S) || len < GTPU_HDR_LEN + GTPU_OPT_LEN) {
		n->dl_malformed++;
		note(o, "Echo Request without a sequence number", from);
		return;
	}
	r[0] = GTPU_FLAGS_V1_PT | GTPU_FLAG_S;
	r[1] = GTPU_ECHO_RESP;
	r[2] = 0;
	r[3] = 6;
	memset(r + 4, 0, 4);             /* TEID 0 for path management */
	r[8] = req[8];
	r[9] = req[9];
	r[10] = 0;
	r[11] = 0;
	r[12] = GTPU_IE_RECOVERY;
	r[13] = 0;
	if (sendto(udp, r, sizeof(r), 0, (const struct sockaddr *)from,
			sizeof(*from)) < 0)
		n->ul_send_errors++;
	else
		n->echo_requests++;
}

/* One datagram from the socket. Returns -1 on a fatal error. */
static int
downlink(const struct tunnel_opts *o, int tun, int udp, uint8_t *buf,
		struct tunnel_counters *n)
{
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	size_t off, end, ext;
	struct in_addr dst;
	uint32_t teid;
	ssize_t len;
	uint8_t next;

	len = recvfrom(udp, buf, BUF_LEN, MSG_TRUNC, (struct sockaddr *)&from, &fl);
	if (len < 0) {
		if (errno == EAGAIN || errno == EINTR || errno == ECONNREFUSED)
			return 0;
		fprintf(stderr, "%s %s: receive: %s\n", UESIM_PROG, CMD, strerror(errno));
		return -1;
	}
	if (from.sin_addr.s_addr != o->n3.s_addr || ntohs(from.sin_port) != GTPU_PORT) {
		n->dl_wrong_peer++;
		note(o, "dropped: not from the N3 address, port 2152", &from);
		return 0;
	}
	/* Version 1, PT 1, and the length field must cover exactly what came
	 * (a longer datagram means trailing octets: TS 29.281 says the length
	 * counts the rest of the message, so anything else is malformed). */
	if ((size_t)len > BUF_LEN || len < GTPU_HDR_LEN ||
			(buf[0] & 0xf0) != GTPU_FLAGS_V1_PT ||
			GTPU_HDR_LEN + (size_t)(buf[2] << 8 | buf[3]) != (size_t)len) {
		n->dl_malformed++;
		note(o, "dropped: not a well-formed GTPv1-U header", &from);
		return 0;
	}
	end = (size_t)len;
	switch (buf[1]) {
	case GTPU_GPDU:
		break;
	case GTPU_ECHO_REQ:
		echo_reply(o, udp, buf, end, &from, n);
		return 0;
	case GTPU_ERROR_IND:
		n->error_indications++;
		note(o, "Error Indication", &from);
		return 0;
	case GTPU_END_MARKER:
		n->end_markers++;
		note(o, "End Marker", &from);
		return 0;
	default:
		n->other_messages++;
		note(o, "other GTP-U message ignored", &from);
		return 0;
	}
	memcpy(&teid, buf + 4, 4);
	if (ntohl(teid) != o->teid_dl) {
		n->dl_wrong_teid++;
		note(o, "G-PDU dropped: not our downlink TEID", &from);
		return 0;
	}
	off = GTPU_HDR_LEN;
	if (buf[0] & (GTPU_FLAG_E | GTPU_FLAG_S | GTPU_FLAG_PN)) {
		if (end < off + GTPU_OPT_LEN) {
			n->dl_malformed++;
			note(o, "G-PDU dropped: truncated optional fields", &from);
			return 0;
		}
		next = (buf[0] & GTPU_FLAG_E) ? buf[off + 3] : 0;
		off += GTPU_OPT_LEN;
		/* Extension headers: length in 4-octet units (never 0), the
		 * last octet names the next one. */
		while (next != 0) {
			if (end < off + 4 || buf[off] == 0 ||
					end < off + 4u * buf[off]) {
				n->dl_malformed++;
				note(o, "G-PDU dropped: bad extension header", &from);
				return 0;
			}
			ext = 4u * buf[off];
			next = buf[off + ext - 1];
			off += ext;
		}
	}
	if (end - off < 20 || buf[off] >> 4 != 4) {
		n->dl_wrong_dest++;
		note(o, "G-PDU dropped: T-PDU is not IPv4", &from);
		return 0;
	}
	memcpy(&dst, buf + off + 16, 4);
	if (dst.s_addr != o->ue.s_addr) {
		n->dl_wrong_dest++;
		note(o, "G-PDU dropped: not to the UE address", &from);
		return 0;
	}
	if (write(tun, buf + off, end - off) < 0) {
		n->dl_write_errors++;
		if (o->verbose)
			fprintf(stderr, "%s %s: write to the TUN device: %s\n", UESIM_PROG,
					CMD, strerror(errno));
		return 0;
	}
	n->dl_packets++;
	n->dl_bytes += end - off;
	return 0;
}

static void
print_counters(const struct tunnel_opts *o, const char *tun,
		const struct tunnel_counters *n, const char *why)
{
	json_t *obj;

	if (o->json) {
		obj = json_pack("{s:s, s:s}", "tun", tun, "stopped", why);
#define X(name, help) \
		if (obj != NULL) \
			json_object_set_new(obj, #name, json_integer((json_int_t)n->name));
		TUNNEL_COUNTERS(X)
#undef X
		uesim_print_json(obj);
		return;
	}
	printf(UESIM_FIELD, "tun", tun);
	printf(UESIM_FIELD, "stopped", why);
#define X(name, help) printf("%-18s%" PRIu64 "\n", #name, n->name);
	TUNNEL_COUNTERS(X)
#undef X
	fflush(stdout);
}

static int
run(const struct tunnel_opts *o, int tun, int udp, const char *name)
{
	static uint8_t ul_buf[BUF_LEN], dl_buf[BUF_LEN];
	struct tunnel_counters n;
	struct timespec now, deadline, left;
	struct pollfd pfd[2];
	sigset_t none;
	char why[64];
	int ret = UESIM_EXIT_OK, r;

	memset(&n, 0, sizeof(n));
	sigemptyset(&none);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)o->duration_s;
	snprintf(why, sizeof(why), "duration");
	pfd[0].fd = tun;
	pfd[0].events = POLLIN;
	pfd[1].fd = udp;
	pfd[1].events = POLLIN;
	printf("ready %s\n", name);
	fflush(stdout);
	for (;;) {
		if (o->duration_s != 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left.tv_sec = deadline.tv_sec - now.tv_sec;
			left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
			if (left.tv_nsec < 0) {
				left.tv_sec--;
				left.tv_nsec += 1000000000L;
			}
			if (left.tv_sec < 0)
				break;
		}
		/* SIGINT and SIGTERM are blocked outside ppoll(): one that
		 * arrives while a packet is handled ends the next wait. */
		r = ppoll(pfd, 2, o->duration_s != 0 ? &left : NULL, &none);
		if (stop_signal != 0) {
			snprintf(why, sizeof(why), "%s", strsignal(stop_signal));
			break;
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s %s: poll: %s\n", UESIM_PROG, CMD, strerror(errno));
			snprintf(why, sizeof(why), "error");
			ret = UESIM_EXIT_FAIL;
			break;
		}
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			fprintf(stderr, "%s %s: the TUN device went away\n", UESIM_PROG, CMD);
			snprintf(why, sizeof(why), "error");
			ret = UESIM_EXIT_FAIL;
			break;
		}
		if ((pfd[0].revents & POLLIN) && uplink(o, tun, udp, ul_buf, &n) != 0) {
			snprintf(why, sizeof(why), "error");
			ret = UESIM_EXIT_FAIL;
			break;
		}
		if ((pfd[1].revents & POLLIN) && downlink(o, tun, udp, dl_buf, &n) != 0) {
			snprintf(why, sizeof(why), "error");
			ret = UESIM_EXIT_FAIL;
			break;
		}
	}
	print_counters(o, name, &n, why);
	return ret;
}

int
uesim_cmd_tunnel(int argc, char **argv)
{
	struct tunnel_opts o;
	struct sigaction sa;
	char name[IFNAMSIZ];
	sigset_t block;
	int ret, tun, udp;

	ret = parse_options(argc, argv, &o);
	if (ret != 0)
		return ret > 0 ? UESIM_EXIT_OK : UESIM_EXIT_USAGE;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	udp = udp_open(&o);
	if (udp < 0)
		return UESIM_EXIT_FAIL;
	tun = tun_open(&o, name);
	if (tun < 0) {
		close(udp);
		return UESIM_EXIT_FAIL;
	}
	ret = run(&o, tun, udp, name);
	/* Closing the TUN descriptor removes the device (not persistent),
	 * and with it the routes through it. */
	close(tun);
	close(udp);
	return ret;
}
