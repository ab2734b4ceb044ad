/* hash.h — Pedersen, Poseidon (Hades), Keccak-256, SHA-256/HMAC (contract).
 *
 * Pedersen / Poseidon: inputs are 32-byte big-endian felts < p (callers check), outputs
 * 32-byte big-endian felts. Pedersen is variable time (public data only); Poseidon, Keccak and
 * SHA-256 are constant time in their data (lengths are public). No aliasing restrictions
 * except where noted.
 */
#ifndef XS_HASH_H
#define XS_HASH_H

#include "felt.h"

#define XS_POSEIDON_FULL_ROUNDS 8
#define XS_POSEIDON_PARTIAL_ROUNDS 83

/* In-place Hades permutation of width 3, Montgomery form (reduced). */
static void xs_hades(xs_fe s[3]);
/* Two / four independent permutations interleaved (same results as xs_hades on each). */
static void xs_hades2(xs_fe s[2][3]);
static void xs_hades4(xs_fe s[4][3]);
/* Pedersen of n pairs (a[i], b[i]) -> out[i]; one field inversion per 64 pairs.
 * out[i] may alias a[i] or b[i]. A result at infinity (needs a discrete-log relation
 * between the constant points; never seen) is written as 0. */
static void xs_pedersen_ptrs_var(unsigned char *const *out, const unsigned char *const *a,
                                 const unsigned char *const *b, size_t n);
/* Ethereum Keccak-256 (0x01 padding). */
static void xs_keccak256_impl(unsigned char *out32, const unsigned char *data, size_t len);

/* SHA-256 streaming context and HMAC-SHA256 with a 32-byte key. */
typedef struct { uint32_t h[8]; unsigned char buf[64]; size_t buflen; uint64_t total; } xs_sha256;
typedef struct { uint32_t inner[8], outer[8]; } xs_hmac_key;
static void xs_hmac_key_set(xs_hmac_key *hk, const unsigned char *key32);
/* out32 = HMAC(key, p1 || p2 || p3), any part may be NULL with length 0. */
static void xs_hmac3(unsigned char *out32, const xs_hmac_key *hk,
                     const unsigned char *p1, size_t l1, const unsigned char *p2, size_t l2,
                     const unsigned char *p3, size_t l3);

#endif /* XS_HASH_H */
