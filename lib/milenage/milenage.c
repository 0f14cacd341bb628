/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Milenage (3GPP TS 35.206 §4.1) over OpenSSL AES-128 in ECB mode, one
 * 16-octet block at a time. Every intermediate that depends on K is
 * cleansed before returning.
 */

#include <stddef.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "gg_milenage.h"

#define BLOCK 16

/* TS 35.206 §4.1 defaults: rotations in octets (r1..r5 = 64, 0, 32, 64,
 * 96 bits) and the last octet of the constants c1..c5 (the others are
 * zero). */
#define R1 8
#define R2 0
#define R3 4
#define R4 8
#define R5 12
#define C1 0x00
#define C2 0x01
#define C3 0x02
#define C4 0x04
#define C5 0x08

/* An AES-128-ECB encryption context keyed with @p k, or NULL. */
static EVP_CIPHER_CTX *
kernel_open(const uint8_t k[BLOCK])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (ctx == NULL)
		return NULL;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, k, NULL) != 1 ||
			EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* out = E_K(in), one block; in and out may be the same buffer. */
static int
kernel(EVP_CIPHER_CTX *ctx, const uint8_t in[BLOCK], uint8_t out[BLOCK])
{
	uint8_t tmp[BLOCK];
	int len = 0;
	int rc;

	rc = EVP_EncryptUpdate(ctx, tmp, &len, in, BLOCK) == 1 &&
		len == BLOCK ? 0 : -1;
	if (rc == 0)
		memcpy(out, tmp, BLOCK);
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return rc;
}

/* out = E_K(rot(x, r) xor c) xor OPc, the common step of f2..f5*
 * (x = TEMP xor OPc). */
static int
out_n(EVP_CIPHER_CTX *ctx, const uint8_t x[BLOCK], const uint8_t opc[BLOCK],
		unsigned int r, uint8_t c, uint8_t out[BLOCK])
{
	unsigned int i;

	for (i = 0; i < BLOCK; i++)
		out[i] = x[(i + r) % BLOCK];
	out[BLOCK - 1] ^= c;
	if (kernel(ctx, out, out) != 0)
		return -1;
	for (i = 0; i < BLOCK; i++)
		out[i] ^= opc[i];
	return 0;
}

int
gg_milenage_opc(const uint8_t k[GG_MILENAGE_KEY_LEN],
		const uint8_t op[GG_MILENAGE_KEY_LEN],
		uint8_t opc[GG_MILENAGE_KEY_LEN])
{
	EVP_CIPHER_CTX *ctx = kernel_open(k);
	unsigned int i;

	if (ctx == NULL || kernel(ctx, op, opc) != 0) {
		EVP_CIPHER_CTX_free(ctx);
		memset(opc, 0, GG_MILENAGE_KEY_LEN);
		return -1;
	}
	EVP_CIPHER_CTX_free(ctx);
	for (i = 0; i < GG_MILENAGE_KEY_LEN; i++)
		opc[i] ^= op[i];
	return 0;
}

/* TEMP = E_K(RAND xor OPc). */
static int
temp_of(EVP_CIPHER_CTX *ctx, const uint8_t opc[BLOCK],
		const uint8_t rand[BLOCK], uint8_t temp[BLOCK])
{
	unsigned int i;

	for (i = 0; i < BLOCK; i++)
		temp[i] = rand[i] ^ opc[i];
	return kernel(ctx, temp, temp);
}

int
gg_milenage_f1(const uint8_t k[GG_MILENAGE_KEY_LEN],
		const uint8_t opc[GG_MILENAGE_KEY_LEN],
		const uint8_t rand[GG_MILENAGE_KEY_LEN],
		const uint8_t sqn[GG_MILENAGE_SQN_LEN],
		const uint8_t amf[GG_MILENAGE_AMF_LEN],
		uint8_t mac_a[GG_MILENAGE_MAC_LEN],
		uint8_t mac_s[GG_MILENAGE_MAC_LEN])
{
	EVP_CIPHER_CTX *ctx = kernel_open(k);
	uint8_t temp[BLOCK], in1[BLOCK], out1[BLOCK];
	unsigned int i;
	int rc = -1;

	if (ctx == NULL || temp_of(ctx, opc, rand, temp) != 0)
		goto out;
	/* IN1 = SQN || AMF || SQN || AMF */
	memcpy(in1, sqn, GG_MILENAGE_SQN_LEN);
	memcpy(in1 + 6, amf, GG_MILENAGE_AMF_LEN);
	memcpy(in1 + 8, in1, 8);
	/* OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc */
	for (i = 0; i < BLOCK; i++)
		out1[i] = temp[i] ^ in1[(i + R1) % BLOCK] ^ opc[(i + R1) % BLOCK];
	out1[BLOCK - 1] ^= C1;
	if (kernel(ctx, out1, out1) != 0)
		goto out;
	for (i = 0; i < BLOCK; i++)
		out1[i] ^= opc[i];
	if (mac_a != NULL)
		memcpy(mac_a, out1, GG_MILENAGE_MAC_LEN);
	if (mac_s != NULL)
		memcpy(mac_s, out1 + 8, GG_MILENAGE_MAC_LEN);
	rc = 0;
out:
	if (rc != 0) {
		if (mac_a != NULL)
			memset(mac_a, 0, GG_MILENAGE_MAC_LEN);
		if (mac_s != NULL)
			memset(mac_s, 0, GG_MILENAGE_MAC_LEN);
	}
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(temp, sizeof(temp));
	OPENSSL_cleanse(in1, sizeof(in1));
	OPENSSL_cleanse(out1, sizeof(out1));
	return rc;
}

int
gg_milenage_f2345(const uint8_t k[GG_MILENAGE_KEY_LEN],
		const uint8_t opc[GG_MILENAGE_KEY_LEN],
		const uint8_t rand[GG_MILENAGE_KEY_LEN],
		uint8_t res[GG_MILENAGE_MAC_LEN],
		uint8_t ck[GG_MILENAGE_KEY_LEN],
		uint8_t ik[GG_MILENAGE_KEY_LEN],
		uint8_t ak[GG_MILENAGE_SQN_LEN],
		uint8_t ak_star[GG_MILENAGE_SQN_LEN])
{
	EVP_CIPHER_CTX *ctx = kernel_open(k);
	uint8_t x[BLOCK], out[BLOCK];
	unsigned int i;
	int rc = -1;

	if (ctx == NULL || temp_of(ctx, opc, rand, x) != 0)
		goto out;
	for (i = 0; i < BLOCK; i++)
		x[i] ^= opc[i];
	/* OUT2: AK = f5 (octets 0..5), RES = f2 (octets 8..15) */
	if (res != NULL || ak != NULL) {
		if (out_n(ctx, x, opc, R2, C2, out) != 0)
			goto out;
		if (ak != NULL)
			memcpy(ak, out, GG_MILENAGE_SQN_LEN);
		if (res != NULL)
			memcpy(res, out + 8, GG_MILENAGE_MAC_LEN);
	}
	if (ck != NULL && out_n(ctx, x, opc, R3, C3, ck) != 0)
		goto out;
	if (ik != NULL && out_n(ctx, x, opc, R4, C4, ik) != 0)
		goto out;
	if (ak_star != NULL) {
		if (out_n(ctx, x, opc, R5, C5, out) != 0)
			goto out;
		memcpy(ak_star, out, GG_MILENAGE_SQN_LEN);
	}
	rc = 0;
out:
	if (rc != 0) {
		if (res != NULL)
			memset(res, 0, GG_MILENAGE_MAC_LEN);
		if (ck != NULL)
			memset(ck, 0, GG_MILENAGE_KEY_LEN);
		if (ik != NULL)
			memset(ik, 0, GG_MILENAGE_KEY_LEN);
		if (ak != NULL)
			memset(ak, 0, GG_MILENAGE_SQN_LEN);
		if (ak_star != NULL)
			memset(ak_star, 0, GG_MILENAGE_SQN_LEN);
	}
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(x, sizeof(x));
	OPENSSL_cleanse(out, sizeof(out));
	return rc;
}
