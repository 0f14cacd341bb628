/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the harnesses that talk to a real SBI server (fuzz_sbi,
 * fuzz_ausf): the server listens on 127.0.0.1 on an event loop of the
 * harness's own, and each input is one TCP connection to it whose octets
 * the harness writes, running the loop between steps as the control
 * lcore would, until the server has closed the connection (or a bound on
 * loop rounds is reached: a stuck exchange is then a failed invariant).
 *
 * A socket costs a few tens of microseconds per input against a function
 * call, but it is the server's own read path, accept to close, with no
 * test hook in lib/sbi.
 */
#ifndef FUZZ_H2_H
#define FUZZ_H2_H

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "gg_evloop.h"
#include "gg_sbi.h"
#include "fuzz_common.h"

/* Loop rounds an exchange may take; each waits at most 1 ms when idle. */
#define H2_MAX_ROUNDS 2000

struct h2_peer {
	struct gg_evloop *loop;
	struct gg_sbi_server *srv;
};

/* Octets the server sent; return non-zero when the exchange is complete. */
typedef int (*h2_on_recv)(const uint8_t *buf, size_t n, void *arg);

static inline void
h2_start(struct h2_peer *h, gg_sbi_handler handler, void *arg)
{
	struct gg_sbi_params p = {
		.address = "127.0.0.1",
		.max_body = 16384,
		.request_timeout_ms = 200,
		.idle_timeout_ms = 500,
	};

	/* A harness that needs the loop before its handler's argument
	 * exists makes it itself. */
	if (h->loop == NULL)
		h->loop = gg_evloop_create();
	FUZZ_CHECK(h->loop != NULL);
	h->srv = gg_sbi_server_create(h->loop, &p, handler, arg);
	FUZZ_CHECK(h->srv != NULL);
}

/* Connect, write @p len octets (then close our side when @p half_close),
 * pass what comes back to @p cb until the server closes or @p cb says
 * done. Returns 0 when the exchange ended, -1 when the rounds ran out. */
static inline int
h2_exchange(struct h2_peer *h, const uint8_t *data, size_t len, int half_close,
		h2_on_recv cb, void *arg)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(gg_sbi_server_port(h->srv)),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct gg_sbi_stats st;
	uint8_t buf[16384];
	size_t off = 0;
	int fd, round, done = 0, closed = 0;
	uint64_t accepted;

	gg_sbi_server_stats(h->srv, &st);
	accepted = st.conns_accepted;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
			errno == EINPROGRESS);
	for (round = 0; round < H2_MAX_ROUNDS && !closed; round++) {
		ssize_t n;

		while (off < len) {
			n = send(fd, data + off, len - off, MSG_NOSIGNAL);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
		if (off == len && half_close == 1) {
			shutdown(fd, SHUT_WR);
			half_close = 2;
		}
		gg_evloop_run_once(h->loop, round < 2 ? 0 : 1);
		for (;;) {
			n = recv(fd, buf, sizeof(buf), 0);
			if (n > 0) {
				if (cb != NULL && !done)
					done = cb(buf, (size_t)n, arg);
				continue;
			}
			if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
				closed = 1;
			break;
		}
		if (done)
			break;
	}
	close(fd);
	/* Let the server see the close and forget the connection. */
	for (round = 0; round < 50; round++) {
		gg_sbi_server_stats(h->srv, &st);
		if (st.conns_closed == st.conns_accepted &&
				st.conns_accepted > accepted)
			break;
		gg_evloop_run_once(h->loop, 1);
	}
	gg_sbi_server_stats(h->srv, &st);
	/* Every connection accepted is closed again: none left behind. */
	FUZZ_CHECK(st.conns_closed == st.conns_accepted);
	return closed || done ? 0 : -1;
}

#endif /* FUZZ_H2_H */
