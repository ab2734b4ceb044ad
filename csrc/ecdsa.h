/* ecdsa.h — RFC 6979 nonces and STARK ECDSA (contract).
 *
 * Byte arguments are 32-byte big-endian. Domains (checked by the Python layer):
 * private key d in [1, n), message hash z in [0, 2^251).
 *
 * Signing and public-key derivation are constant time in d and in the nonce: the only
 * data-dependent branches are on values that are declassified (XS_DECLASSIFY): "this DRBG
 * candidate is a valid nonce", "r / s / w are in range" (facts about public outputs).
 *
 * RFC 6979 (HMAC-SHA256 DRBG, x = d, h = z, optional extra entropy), bits2int variants:
 *   S (starknet.js / @scure/starknet): k = T >> 4 if T[0] != 0 else T;
 *   R (RFC exact, cairo-lang / python-ecdsa): k = T >> 4.
 * Verification follows cairo-lang (x-only public key, either y accepted); see ecdsa_impl.h.
 */
#ifndef XS_ECDSA_H
#define XS_ECDSA_H

#include "group.h"
#include "hash.h"

typedef struct { unsigned char k[32], v[32]; xs_hmac_key hk; } xs_rfc6979;

/* Variant S: loops (DRBG) until a usable nonce; always succeeds. */
static void xs_ecdsa_sign_s(unsigned char *r32, unsigned char *s32, const unsigned char *z32,
                            const unsigned char *d32);
/* Variant R with extra entropy: one cairo-lang attempt. Returns 1 on success, 0 when r or w
 * is out of range or s == 0 (caller retries with seed + 1). */
static int xs_ecdsa_sign_r(unsigned char *r32, unsigned char *s32, const unsigned char *z32,
                           const unsigned char *d32, const unsigned char *extra, size_t extra_len);
/* sigs[64i..] = xs_ecdsa_sign_s(msgs[32i..], d) for i < n, sharing the inversions across
 * items (same constant-time guarantees). */
static void xs_ecdsa_sign_batch_s(unsigned char *sigs, const unsigned char *msgs, size_t n,
                                  const unsigned char *d32);
/* out32 = x(d*G). */
static void xs_ecdsa_pubkey(unsigned char *out32, const unsigned char *d32);
/* 1 iff (r, s) is a valid signature of z for the stark key x = pub (either y). Domain:
 * 1 <= r < 2^251, 1 <= s < n, z < 2^251, pub < p. Variable time. */
static int xs_ecdsa_verify_var(const unsigned char *z32, const unsigned char *r32,
                               const unsigned char *s32, const unsigned char *pub32);

/* results[i] = xs_ecdsa_verify_var(items[128i..]: z, r, s, pub) for i < n, sharing the
 * inversions across items. Variable time. */
static void xs_ecdsa_verify_batch_var(unsigned char *results, const unsigned char *items,
                                      size_t n);

#endif /* XS_ECDSA_H */
