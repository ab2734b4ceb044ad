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

/* Prepared public keys: a per-key table for the variable-base multiplication u2*Q' of
 * verification (ecdsa_impl.h), kept in a caller-provided buffer of XS_PREPARED_KEY_BYTES bytes
 * (any alignment; read and written with memcpy). Layout (host byte order, same build only):
 *   [0, 8)    XS_PREP_MAGIC
 *   [8]       1 if pub is the x of a curve point, else 0 (then every verification fails)
 *   [16, 48)  pub, 32 bytes big-endian
 *   [48, 80)  t = x^3 + x + beta (Montgomery xs_fe)
 *   [80, ...) XS_PREP_WIN x XS_PREP_PER affine points (xs_ge): entry [w][j-1] = j*32^w*Q'
 *             on E_t, for the signed 5-bit digits j in [-16, 16] of u2 (the sign flips y).
 * With the table, u2*Q' is about 50 mixed additions and no doublings (the plain path: 252
 * doublings and about 42 additions). */
#define XS_PREP_WIN 51                 /* 5-bit windows: 255 bits, u2 < n < 2^252 */
#define XS_PREP_PER 16                 /* |digit| = 1..16 */
#define XS_PREP_MAGIC "xsprep1"
#define XS_PREP_VALID 8
#define XS_PREP_PUB 16
#define XS_PREP_T 48
#define XS_PREP_TABLE 80
#define XS_PREPARED_KEY_BYTES (XS_PREP_TABLE + XS_PREP_WIN * XS_PREP_PER * 64)   /* 52304 */

/* Fills out (XS_PREPARED_KEY_BYTES) for the stark key pub (< p). Returns 1 if pub is the x of a
 * curve point, 0 if not (the buffer is still valid: every verification with it gives 0).
 * Variable time (public data). */
static int xs_ecdsa_prepare_var(unsigned char *out, const unsigned char *pub32);
/* == xs_ecdsa_verify_var(z, r, s, pub) for the pub that prepared was made from. */
static int xs_ecdsa_verify_prepared_var(const unsigned char *z32, const unsigned char *r32,
                                        const unsigned char *s32, const unsigned char *prepared);
/* results[i] = xs_ecdsa_verify_prepared_var(items[96i..]: z, r, s, keys[i]) for i < n, sharing
 * the inversions across items as xs_ecdsa_verify_batch_var does. */
static void xs_ecdsa_verify_batch_prepared_var(unsigned char *results, const unsigned char *items,
                                               const unsigned char *const *keys, size_t n);

#endif /* XS_ECDSA_H */
