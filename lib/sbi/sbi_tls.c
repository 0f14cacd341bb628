/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SBI server, TLS side (OpenSSL): the server context (TLS 1.3, 1.2 when
 * allowed; ALPN "h2" required; a client certificate under the NF CA when
 * one is configured) and, per connection, an SSL object between two
 * memory BIOs. The transport (sbi_server.c) keeps reading and writing the
 * socket itself: ciphertext goes in through sbi_tls_input(), which runs the
 * handshake and hands plaintext to nghttp2; plaintext frames go out
 * through sbi_tls_write(); ciphertext ready to send is moved into the
 * connection's output backlog, so wbuf_limit bounds it as for h2c.
 *
 * Why memory BIOs: the loop owns the descriptors and the non-blocking
 * reads (at most SBI_READS_PER_ROUND per round); OpenSSL never touches a
 * socket, never blocks, and WANT_WRITE cannot happen.
 *
 * Costs: per connection an SSL object (tens of KiB with its buffers) and
 * the handshake (one ECDHE and one signature with the server key, one
 * chain verification of the client certificate with mutual TLS).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "sbi_private.h"

/* RFC 9113 3.2: "h2" over TLS is selected by ALPN; nothing else is
 * spoken here, so a client offering no "h2" gets a fatal alert
 * (no_application_protocol), not an HTTP/1.1 session. */
static int
alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char h2[] = { 2, 'h', '2' };

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto((unsigned char **)out, outlen, h2, sizeof(h2),
			in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	return SSL_TLSEXT_ERR_OK;
}

static void
ossl_err(char *err, size_t len, const char *what, const char *file)
{
	unsigned long e = ERR_peek_last_error();
	char reason[160];

	ERR_error_string_n(e, reason, sizeof(reason));
	snprintf(err, len, "%s%s%s: %s", what, file != NULL ? " " : "",
			file != NULL ? file : "", e != 0 ? reason : "failed");
	ERR_clear_error();
}

void *
sbi_tls_ctx_new(const struct gg_sbi_tls *t, char *err, size_t errlen)
{
	SSL_CTX *ctx;

	if (t == NULL || t->cert_file == NULL || t->key_file == NULL) {
		snprintf(err, errlen, "a certificate and a key are needed");
		return NULL;
	}
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		ossl_err(err, errlen, "SSL_CTX_new", NULL);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, t->allow_tls12 ? TLS1_2_VERSION :
			TLS1_3_VERSION);
	/* RFC 9113 9.2: no compression, no renegotiation; with TLS 1.2
	 * only ephemeral key exchange and AEAD ciphers (9.2.2). */
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
			SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
		ossl_err(err, errlen, "TLS 1.2 ciphers", NULL);
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, t->cert_file) != 1) {
		ossl_err(err, errlen, "certificate", t->cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, t->key_file, SSL_FILETYPE_PEM) != 1) {
		ossl_err(err, errlen, "key", t->key_file);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ossl_err(err, errlen, "key does not match the certificate",
				t->key_file);
		goto fail;
	}
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	if (t->client_ca_file != NULL) {
		STACK_OF(X509_NAME) *names;

		if (SSL_CTX_load_verify_locations(ctx, t->client_ca_file,
				NULL) != 1 ||
				(names = SSL_load_client_CA_file(t->client_ca_file)) == NULL) {
			ossl_err(err, errlen, "client CA", t->client_ca_file);
			goto fail;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		/* A client certificate is required and must be one for
		 * TLS clients (extendedKeyUsage clientAuth when present). */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
				SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
		SSL_CTX_set_verify_depth(ctx, 4);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

void
sbi_tls_ctx_free(void *ctx)
{
	SSL_CTX_free(ctx);
}

int
sbi_tls_conn_new(struct sbi_conn *c)
{
	BIO *rbio, *wbio;

	c->ssl = SSL_new(c->srv->tls);
	rbio = BIO_new(BIO_s_mem());
	wbio = BIO_new(BIO_s_mem());
	if (c->ssl == NULL || rbio == NULL || wbio == NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
		BIO_free(rbio);
		BIO_free(wbio);
		return -1;
	}
	/* An empty read BIO means "wait for more", not end of file. */
	BIO_set_mem_eof_return(rbio, -1);
	SSL_set_bio(c->ssl, rbio, wbio);
	SSL_set_accept_state(c->ssl);
	return 0;
}

void
sbi_tls_conn_free(struct sbi_conn *c)
{
	SSL_free(c->ssl); /* and its BIOs */
	c->ssl = NULL;
}

/* Move the ciphertext OpenSSL produced into the output backlog. */
static int
drain(struct sbi_conn *c)
{
	uint8_t buf[16384];
	int n;

	while ((n = BIO_read(SSL_get_wbio(c->ssl), buf, sizeof(buf))) > 0)
		if (sbi_out_append(c, buf, (size_t)n) != 0)
			return -1;
	return 0;
}

/* The handshake is over: who the client is. */
static void
client_identity(struct sbi_conn *c)
{
	X509 *x = SSL_get0_peer_certificate(c->ssl);
	char cn[GG_SBI_CLIENT_MAX - 4];

	if (x == NULL)
		return; /* "addr:" as set at accept */
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
			cn, sizeof(cn)) <= 0)
		X509_NAME_oneline(X509_get_subject_name(x), cn, sizeof(cn));
	snprintf(c->client, sizeof(c->client), "cert:%s", cn);
}

int
sbi_tls_input(struct sbi_conn *c, const uint8_t *buf, size_t n)
{
	struct gg_sbi_server *srv = c->srv;
	uint8_t plain[16384];
	int r, e;

	if (BIO_write(SSL_get_rbio(c->ssl), buf, (int)n) != (int)n)
		return -1;
	if (!c->tls_ready) {
		const unsigned char *alpn = NULL;
		unsigned int alpn_len = 0;

		r = SSL_do_handshake(c->ssl);
		if (r != 1) {
			e = SSL_get_error(c->ssl, r);
			ERR_clear_error();
			if (e == SSL_ERROR_WANT_READ)
				return drain(c);
			srv->st.tls_failed++;
			drain(c); /* the alert, best effort */
			return -1;
		}
		SSL_get0_alpn_selected(c->ssl, &alpn, &alpn_len);
		if (alpn_len != 2 || memcmp(alpn, "h2", 2) != 0) {
			srv->st.tls_failed++;
			return -1;
		}
		c->tls_ready = 1;
		srv->st.tls_handshakes++;
		client_identity(c);
	}
	for (;;) {
		r = SSL_read(c->ssl, plain, sizeof(plain));
		if (r > 0) {
			if (sbi_conn_recv_plain(c, plain, (size_t)r) != 0)
				return -1;
			continue;
		}
		e = SSL_get_error(c->ssl, r);
		ERR_clear_error();
		if (e == SSL_ERROR_WANT_READ)
			break;
		return -1; /* close_notify or an error */
	}
	return drain(c);
}

int
sbi_tls_write(struct sbi_conn *c, const uint8_t *data, size_t n)
{
	/* The write BIO is memory: SSL_write takes everything at once. */
	if (n > 0 && SSL_write(c->ssl, data, (int)n) != (int)n) {
		ERR_clear_error();
		return -1;
	}
	return drain(c);
}

int
gg_sbi_tls_check(const struct gg_sbi_tls *t, char *err, size_t errlen)
{
	void *ctx = sbi_tls_ctx_new(t, err, errlen);

	if (ctx == NULL)
		return -1;
	sbi_tls_ctx_free(ctx);
	return 0;
}
