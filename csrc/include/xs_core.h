/* xs_core.h — public C API of the xsessions_core native crypto core.
 *
 * This header is also the cffi cdef source (csrc/ffi_build.py drops the preprocessor lines):
 * keep the declarations in the subset cffi parses (no macros in prototypes).
 *
 * Conventions (STYLE §3):
 *  - outputs first, then inputs; a count follows the buffer it describes;
 *  - a felt / scalar is 32 bytes big-endian; batches are packed n*32-byte buffers;
 *  - functions are total on their documented domain, which the Python layer checks:
 *    felts < p; private keys in [1, n); message hashes < 2^251; for verify 1 <= r < 2^251,
 *    1 <= s < n, pub < p;
 *  - NULL: no pointer argument may be NULL, even when its count is 0 (pass any valid
 *    address instead);
 *  - aliasing: an output buffer must not overlap any input buffer or another output, for
 *    every function (the core does not promise in-place operation anywhere);
 *  - every function is reentrant and needs no GIL; no heap allocation;
 *  - the fixed-base tables are built once, on first use or by xs_init() (thread safe:
 *    C11 call_once / pthread_once). The Python wrapper calls xs_init() on import;
 *  - xs_public_key / xs_sign* are constant time in the private key and nonce; hashing and
 *    verification are variable time (they only see public data).
 */
#ifndef XS_CORE_H
#define XS_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Build the precomputed tables (about 1.6 MB of static memory, 10-30 ms, once per process;
 * also done lazily by the functions that need them). Idempotent, thread safe; returns 0. */
int xs_init(void);

/* Pedersen hash of two felts: out32 = ped(a32, b32). */
void xs_pedersen(unsigned char *out32, const unsigned char *a32, const unsigned char *b32);
/* out[i] = ped(pairs[64i .. 64i+32), pairs[64i+32 .. 64i+64)), i < n; out is n*32 bytes.
 * From 64 items on, the sums stay in affine coordinates and the items of a chunk (up to 256)
 * share one field inversion per addition step. */
void xs_pedersen_batch(unsigned char *out, const unsigned char *pairs, size_t n);
/* out32 = ped(...ped(ped(0, v1), v2)..., vn), n) ("compute_hash_on_elements"). */
void xs_pedersen_chain(unsigned char *out32, const unsigned char *values, size_t n);

/* Poseidon: out32 = hades(a, b, 2)[0]. */
void xs_poseidon(unsigned char *out32, const unsigned char *a32, const unsigned char *b32);
/* out[i] = poseidon(pairs[i].a, pairs[i].b), pairs packed as in xs_pedersen_batch. */
void xs_poseidon_batch(unsigned char *out, const unsigned char *pairs, size_t n);
/* out32 = hades(x, 0, 1)[0]. */
void xs_poseidon_single(unsigned char *out32, const unsigned char *x32);
/* out32 = poseidon_hash_many(values[0..n)) (sponge, rate 2, pad 1 then 0). */
void xs_poseidon_many(unsigned char *out32, const unsigned char *values, size_t n);
/* For j < nseqs: out[j] = poseidon_hash_many of the next lens[j] felts of values
 * (sequences packed back to back; sum(lens) == nvalues). */
void xs_poseidon_many_batch(unsigned char *out, const unsigned char *values, size_t nvalues,
                            const size_t *lens, size_t nseqs);
/* out96 = hades(in96[0..32), in96[32..64), in96[64..96)). */
void xs_poseidon_permutation(unsigned char *out96, const unsigned char *in96);

/* Ethereum Keccak-256 of data[0..len). */
void xs_keccak256(unsigned char *out32, const unsigned char *data, size_t len);
/* keccak256(data) & (2^250 - 1), big-endian. */
void xs_starknet_keccak(unsigned char *out32, const unsigned char *data, size_t len);

/* Stark public key: out32 = x(priv * G). Constant time. */
void xs_public_key(unsigned char *out32, const unsigned char *priv32);
/* Sign, RFC 6979 variant S, no extra entropy (starknet.js). Constant time. */
void xs_sign(unsigned char *r32, unsigned char *s32, const unsigned char *msg32,
             const unsigned char *priv32);
/* One cairo-lang signing attempt: RFC 6979 variant R with extra entropy extra[0..extra_len).
 * Returns 1 on success; 0 if r, s or w is unusable (then retry with the next seed). */
int xs_sign_seeded(unsigned char *r32, unsigned char *s32, const unsigned char *msg32,
                   const unsigned char *priv32, const unsigned char *extra, size_t extra_len);
/* sigs[64i..] = (r, s) of msgs[32i..], variant S, one key: identical to xs_sign per item, but
 * cheaper per item (one field and one scalar inversion per 32 items). Constant time. */
void xs_sign_batch(unsigned char *sigs, const unsigned char *msgs, size_t n,
                   const unsigned char *priv32);
/* 1 if valid (cairo-lang rules, x-only key: either y), else 0. */
int xs_verify(const unsigned char *msg32, const unsigned char *r32, const unsigned char *s32,
              const unsigned char *pub32);
/* results[i] = xs_verify(items[128i..]: msg, r, s, pub), i < n (one scalar and one field
 * inversion per 32 items). */
void xs_verify_batch(unsigned char *results, const unsigned char *items, size_t n);

/* Prepared public keys: a precomputed table per stark key for the variable-base half of
 * verification (u2*Q), so that verifying against a key seen before costs about what the
 * fixed-base half (u1*G) costs. A prepared key is an opaque buffer of xs_prepared_key_size()
 * = 52304 bytes (51 windows x 16 affine points of 64 bytes, plus an 80-byte header), any
 * alignment, filled by xs_prepare_public_key and only read afterwards (any number of threads
 * may verify with it at once). Its content is specific to this build: rebuild it from the
 * public key in another process. Verification with it is variable time, like xs_verify. */
size_t xs_prepared_key_size(void);
/* Fills prepared (xs_prepared_key_size() bytes) for the stark key pub32 (< p). Returns 1 if
 * pub32 is the x coordinate of a curve point, 0 if not (the buffer is usable all the same:
 * every verification with it returns 0, as xs_verify does with such a key). */
int xs_prepare_public_key(unsigned char *prepared, const unsigned char *pub32);
/* == xs_verify(msg32, r32, s32, pub) for the key pub that prepared was made from. */
int xs_verify_prepared(const unsigned char *msg32, const unsigned char *r32,
                       const unsigned char *s32, const unsigned char *prepared);
/* results[i] = xs_verify_prepared(items[96i..]: msg, r, s, keys[i]), i < n (keys may repeat;
 * the same shared inversions as xs_verify_batch). */
void xs_verify_batch_prepared(unsigned char *results, const unsigned char *items,
                              const unsigned char *const *keys, size_t n);

/* ================================================================== Starknet protocol module
 * Helpers built on the primitives above (csrc/modules/starknet/main_impl.h):
 * the starknet.js Merkle tree (docs/protocol.md §4), the invoke v3 hash and the session-token
 * signatures of Argent accounts (docs/protocol.md §6.4-§6.6, §6.10). */

/* Pair hash of a Merkle tree. The values are ABI: the Python layer passes 0 / 1. */
typedef enum {
    XS_HASH_PEDERSEN = 0,
    XS_HASH_POSEIDON = 1
} xs_hash_method;

/* Merkle tree of starknet.js (pair hash h(min, max), a lone last node is paired with 0):
 * writes every level above the leaves, bottom-up, the root last; out holds
 * xs_merkle_size(n) - n felts. n >= 1 (n == 1 writes nothing: the leaf is the root).
 * hash_method: the pair hash (XS_HASH_PEDERSEN or XS_HASH_POSEIDON). */
void xs_merkle_levels(unsigned char *out, const unsigned char *leaves, size_t n,
                      xs_hash_method hash_method);
/* Total number of nodes of the tree over n leaves (leaves included). */
size_t xs_merkle_size(size_t n);

/* Session-token signing of n invoke v3 transactions of one session (docs/protocol.md §6.4-§6.6, §6.10).
 * Transaction i occupies 9 + lens[4i] + ... + lens[4i+3] consecutive felts of felts[0..nfelts):
 * version, sender_address, chain_id, nonce, (nonce_da_mode << 32) + fee_da_mode, tip, the three
 * resource-bound words (resource << 192 | max_amount << 128 | max_price_per_unit), then
 * paymaster_data (lens[4i]), account_deployment_data (lens[4i+1]), calldata (lens[4i+2]) and
 * proof_facts (lens[4i+3]; hashed only when not empty). With h = the transaction hash and
 * m = poseidon_many(h, session_hash, cache_flag): out[160i..] = h, then (r, s) of m under key1
 * (the session key), then (r, s) of m under key2 (the guardian), as xs_sign. Constant time in
 * the keys and nonces; keys in [1, n). */
void xs_session_sign_invoke_v3(unsigned char *out, const unsigned char *felts, size_t nfelts,
                               const size_t *lens, size_t n, const unsigned char *session_hash32,
                               const unsigned char *cache_flag32, const unsigned char *key1,
                               const unsigned char *key2);
/* out[32i..] = the invoke v3 hash of transaction i < n, laid out in felts/lens as for
 * xs_session_sign_invoke_v3 (no signing: the hashing half of that function). */
void xs_invoke_v3_hash_batch(unsigned char *out, const unsigned char *felts, size_t nfelts,
                             const size_t *lens, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* XS_CORE_H */
