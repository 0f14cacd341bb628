/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Milenage, the example 3GPP authentication and key generation algorithm
 * set (3GPP TS 35.206), with AES-128 as the kernel function E_K (the
 * Rijndael block cipher with a 128-bit block and key, as the standard
 * specifies), taken from OpenSSL's EVP layer.
 *
 * Functions and their outputs (TS 35.206 §4.1):
 * - OPc = OP xor E_K(OP): the per-subscriber operator variant; the portal
 *   stores OPc in a profile, never OP.
 * - f1 (MAC-A) and f1* (MAC-S): network authentication and
 *   resynchronisation codes over SQN and AMF, 64 bits each.
 * - f2 (RES, 64 bits), f3 (CK, 128 bits), f4 (IK, 128 bits), f5 (AK,
 *   48 bits), f5* (AK for resynchronisation, 48 bits).
 * The constants c1..c5 and rotations r1..r5 are the standard's defaults.
 * Checked against the six design conformance test sets of TS 35.208
 * §4.3.1 to §4.3.6 (test/unit/test_milenage.c).
 *
 * Arguments are fixed-size octet strings (big-endian bit order as in the
 * standard). Every output pointer except those documented as required
 * may be NULL when that output is not wanted.
 *
 * Secrets: K, OP and OPc are secrets; the functions leave no copy of them
 * or of intermediate values on the stack (OPENSSL_cleanse) and never log.
 *
 * Threads: no state; every function may run in any thread at any time.
 * Costs: each call sets up its own AES key schedule (an EVP context);
 * gg_milenage_opc() is one AES block, gg_milenage_f1() two,
 * gg_milenage_f2345() up to five. Measured on one AMD EPYC core with
 * OpenSSL 3.0: 0.4 us for gg_milenage_opc(), 0.5 us for all of
 * gg_milenage_f2345(). Control-plane use (not on a worker lcore).
 */
#ifndef GG_MILENAGE_H
#define GG_MILENAGE_H

#include <stdint.h>

/** K, OP, OPc, RAND, CK and IK: 128 bits. */
#define GG_MILENAGE_KEY_LEN 16
/** SQN, AK and AK*: 48 bits. */
#define GG_MILENAGE_SQN_LEN 6
/** AMF: 16 bits. */
#define GG_MILENAGE_AMF_LEN 2
/** MAC-A, MAC-S and RES: 64 bits. */
#define GG_MILENAGE_MAC_LEN 8

/**
 * OPc = OP xor E_K(OP).
 *
 * @param k    The subscriber key K.
 * @param op   The operator variant algorithm configuration field OP.
 * @param opc  Output (required); may not overlap @p k or @p op.
 * @return 0, or -1 when OpenSSL failed (opc is then zeroed).
 */
int
gg_milenage_opc(const uint8_t k[GG_MILENAGE_KEY_LEN],
		const uint8_t op[GG_MILENAGE_KEY_LEN],
		uint8_t opc[GG_MILENAGE_KEY_LEN]);

/**
 * f1 and f1*: MAC-A and MAC-S over RAND, SQN and AMF.
 *
 * @param k      The subscriber key K.
 * @param opc    OPc (gg_milenage_opc()).
 * @param rand   The challenge RAND.
 * @param sqn    The sequence number SQN.
 * @param amf    The authentication management field AMF.
 * @param mac_a  f1 output or NULL.
 * @param mac_s  f1* output or NULL.
 * @return 0, or -1 when OpenSSL failed (outputs then zeroed).
 */
int
gg_milenage_f1(const uint8_t k[GG_MILENAGE_KEY_LEN],
		const uint8_t opc[GG_MILENAGE_KEY_LEN],
		const uint8_t rand[GG_MILENAGE_KEY_LEN],
		const uint8_t sqn[GG_MILENAGE_SQN_LEN],
		const uint8_t amf[GG_MILENAGE_AMF_LEN],
		uint8_t mac_a[GG_MILENAGE_MAC_LEN],
		uint8_t mac_s[GG_MILENAGE_MAC_LEN]);

/**
 * f2, f3, f4, f5 and f5*: RES, CK, IK, AK and AK* from RAND.
 *
 * Only the AES blocks an asked-for output needs are computed.
 *
 * @param k        The subscriber key K.
 * @param opc      OPc (gg_milenage_opc()).
 * @param rand     The challenge RAND.
 * @param res      f2 output or NULL.
 * @param ck       f3 output or NULL.
 * @param ik       f4 output or NULL.
 * @param ak       f5 output or NULL.
 * @param ak_star  f5* output or NULL.
 * @return 0, or -1 when OpenSSL failed (outputs then zeroed).
 */
int
gg_milenage_f2345(const uint8_t k[GG_MILENAGE_KEY_LEN],
		const uint8_t opc[GG_MILENAGE_KEY_LEN],
		const uint8_t rand[GG_MILENAGE_KEY_LEN],
		uint8_t res[GG_MILENAGE_MAC_LEN],
		uint8_t ck[GG_MILENAGE_KEY_LEN],
		uint8_t ik[GG_MILENAGE_KEY_LEN],
		uint8_t ak[GG_MILENAGE_SQN_LEN],
		uint8_t ak_star[GG_MILENAGE_SQN_LEN]);

#endif /* GG_MILENAGE_H */
