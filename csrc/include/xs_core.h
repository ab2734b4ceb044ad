/* xs_core.h — public C API of the xsessions_core native crypto core.
 *
 * This header is also the cffi cdef source (csrc/ffi_build.py drops the preprocessor lines):
 * keep the declarations in the subset cffi parses (no macros in prototypes).
 *
 * Conventions:
 *  - outputs first, then inputs; a count follows the buffer it describes;
 *  - a felt / scalar is 32 bytes big-endian; batches are packed n*32-byte buffers;
 *  - functions are total on their documented domain, which the Python layer checks:
 *    felts < p; private keys in [1, n); message hashes < 2^251; for verify 1 <= r < 2^251,
 *    1 <= s < n, pub < p;
 *  - each function states its arguments in the style of libsecp256k1's include/secp256k1.h:
 *    Args (counts and options), Out (written), In (only read). NULL: a pointer must not be
 *    NULL unless its entry says when it may be (only for counts at which it is neither read
 *    nor written, e.g. n == 0). Aliasing: an output must not overlap any input or another
 *    output unless its entry says it may; "may alias" means any overlap, including the same
 *    address (every output so marked is written only after all inputs have been read).
 *    csrc/tests/tests.c (test_api_contract) exercises each NULL and aliasing permission under
 *    ASan and UBSan;
 *  - every function is reentrant and needs no GIL; no heap allocation;
 *  - the fixed-base tables are built once, on first use or by xs_init() (thread safe:
 *    C11 call_once / pthread_once). The Python wrapper calls xs_init() on import;
 *  - xs_public_key / xs_sign* / xs_session_sign_invoke_v3 are constant time in the private
 *    keys and nonces; hashing and verification are variable time (they only see public data).
 */
#ifndef XS_CORE_H
#define XS_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Build the precomputed tables (about 1.6 MB of static memory, 10-30 ms, once per process;
 * also done lazily by the functions that need them). Idempotent, thread safe.
 * Returns: 0. */
int xs_init(void);

/* Pedersen hash of two felts: out32 = ped(a32, b32).
 * Out: out32: 32 bytes; may alias a32 and/or b32.
 * In:  a32, b32: felts. */
void xs_pedersen(unsigned char *out32, const unsigned char *a32, const unsigned char *b32);
/* out[i] = ped(pairs[64i .. 64i+32), pairs[64i+32 .. 64i+64)), i < n.
 * From 64 items on, the sums stay in affine coordinates and the items of a chunk (up to 256)
 * share one field inversion per addition step.
 * Args: n:     number of pairs; may be 0.
 * Out:  out:   n*32 bytes; NULL allowed if n == 0; must not overlap pairs.
 * In:   pairs: n*64 bytes (n felt pairs); NULL allowed if n == 0. */
void xs_pedersen_batch(unsigned char *out, const unsigned char *pairs, size_t n);
/* out32 = ped(...ped(ped(0, v1), v2)..., vn), n) ("compute_hash_on_elements").
 * Args: n:      number of felts; may be 0.
 * Out:  out32:  32 bytes; may alias values.
 * In:   values: n*32 bytes; NULL allowed if n == 0. */
void xs_pedersen_chain(unsigned char *out32, const unsigned char *values, size_t n);

/* Poseidon: out32 = hades(a, b, 2)[0].
 * Out: out32: 32 bytes; may alias a32 and/or b32.
 * In:  a32, b32: felts. */
void xs_poseidon(unsigned char *out32, const unsigned char *a32, const unsigned char *b32);
/* out[i] = poseidon(pairs[i].a, pairs[i].b), pairs packed as in xs_pedersen_batch.
 * Args: n:     number of pairs; may be 0.
 * Out:  out:   n*32 bytes; NULL allowed if n == 0; must not overlap pairs.
 * In:   pairs: n*64 bytes; NULL allowed if n == 0. */
void xs_poseidon_batch(unsigned char *out, const unsigned char *pairs, size_t n);
/* out32 = hades(x, 0, 1)[0].
 * Out: out32: 32 bytes; may alias x32.
 * In:  x32:   a felt. */
void xs_poseidon_single(unsigned char *out32, const unsigned char *x32);
/* out32 = poseidon_hash_many(values[0..n)) (sponge, rate 2, pad 1 then 0).
 * Args: n:      number of felts; may be 0.
 * Out:  out32:  32 bytes; may alias values.
 * In:   values: n*32 bytes; NULL allowed if n == 0. */
void xs_poseidon_many(unsigned char *out32, const unsigned char *values, size_t n);
/* For j < nseqs: out[j] = poseidon_hash_many of the next lens[j] felts of values
 * (sequences packed back to back; sum(lens) == nvalues).
 * Args: nvalues: number of felts in values; nseqs: number of sequences; either may be 0.
 * Out:  out:     nseqs*32 bytes; NULL allowed if nseqs == 0; must not overlap values or lens.
 * In:   values:  nvalues*32 bytes; NULL allowed if nseqs == 0.
 *       lens:    nseqs lengths (any may be 0); NULL allowed if nseqs == 0. */
void xs_poseidon_many_batch(unsigned char *out, const unsigned char *values, size_t nvalues,
                            const size_t *lens, size_t nseqs);
/* out96 = hades(in96[0..32), in96[32..64), in96[64..96)).
 * Out: out96: 96 bytes; may alias in96 (in place).
 * In:  in96:  three felts. */
void xs_poseidon_permutation(unsigned char *out96, const unsigned char *in96);

/* Ethereum Keccak-256 of data[0..len).
 * Args: len:   number of bytes; may be 0.
 * Out:  out32: 32 bytes; may alias data.
 * In:   data:  len bytes; NULL allowed if len == 0. */
void xs_keccak256(unsigned char *out32, const unsigned char *data, size_t len);
/* keccak256(data) & (2^250 - 1), big-endian. Arguments as for xs_keccak256. */
void xs_starknet_keccak(unsigned char *out32, const unsigned char *data, size_t len);

/* Stark public key: out32 = x(priv * G). Constant time.
 * Out: out32:  32 bytes; may alias priv32.
 * In:  priv32: private key in [1, n). */
void xs_public_key(unsigned char *out32, const unsigned char *priv32);
/* Sign, RFC 6979 variant S, no extra entropy (starknet.js). Constant time.
 * Out: r32, s32: 32 bytes each; must not overlap each other; each may alias msg32 and/or
 *      priv32.
 * In:  msg32:    message hash < 2^251.
 *      priv32:   private key in [1, n). */
void xs_sign(unsigned char *r32, unsigned char *s32, const unsigned char *msg32,
             const unsigned char *priv32);
/* One cairo-lang signing attempt: RFC 6979 variant R with extra entropy extra[0..extra_len).
 * Returns: 1 on success; 0 if r, s or w is unusable (then retry with the next seed; r32 and
 *          s32 are left unchanged).
 * Args: extra_len: number of bytes of extra; may be 0.
 * Out:  r32, s32:  as for xs_sign; each may also alias extra.
 * In:   msg32, priv32: as for xs_sign.
 *       extra:     extra_len bytes; NULL allowed if extra_len == 0. */
int xs_sign_seeded(unsigned char *r32, unsigned char *s32, const unsigned char *msg32,
                   const unsigned char *priv32, const unsigned char *extra, size_t extra_len);
/* sigs[64i..] = (r, s) of msgs[32i..], variant S, one key: identical to xs_sign per item, but
 * cheaper per item (one field and one scalar inversion per 32 items). Constant time.
 * Args: n:      number of messages; may be 0.
 * Out:  sigs:   n*64 bytes; NULL allowed if n == 0; must not overlap msgs or priv32.
 * In:   msgs:   n message hashes < 2^251; NULL allowed if n == 0.
 *       priv32: private key in [1, n). */
void xs_sign_batch(unsigned char *sigs, const unsigned char *msgs, size_t n,
                   const unsigned char *priv32);
/* Returns: 1 if valid (cairo-lang rules, x-only key: either y), else 0.
 * In: msg32, r32, s32, pub32: 32 bytes each (may overlap one another). */
int xs_verify(const unsigned char *msg32, const unsigned char *r32, const unsigned char *s32,
              const unsigned char *pub32);
/* results[i] = xs_verify(items[128i..]: msg, r, s, pub), i < n (one scalar and one field
 * inversion per 32 items).
 * Args: n:       number of items; may be 0.
 * Out:  results: n bytes (0 / 1); NULL allowed if n == 0; must not overlap items.
 * In:   items:   n*128 bytes; NULL allowed if n == 0. */
void xs_verify_batch(unsigned char *results, const unsigned char *items, size_t n);

/* Prepared public keys: a precomputed table per stark key for the variable-base half of
 * verification (u2*Q), so that verifying against a key seen before costs about what the
 * fixed-base half (u1*G) costs. A prepared key is an opaque buffer of xs_prepared_key_size()
 * = 52304 bytes (51 windows x 16 affine points of 64 bytes, plus an 80-byte header), any
 * alignment, filled by xs_prepare_public_key and only read afterwards (any number of threads
 * may verify with it at once). Its content is specific to this build: rebuild it from the
 * public key in another process. Verification with it is variable time, like xs_verify. */
size_t xs_prepared_key_size(void);
/* Fills prepared for the stark key pub32 (< p).
 * Returns: 1 if pub32 is the x coordinate of a curve point, 0 if not (the buffer is usable
 *          all the same: every verification with it returns 0, as xs_verify does with such
 *          a key).
 * Out: prepared: xs_prepared_key_size() bytes; must not overlap pub32.
 * In:  pub32:    stark key < p. */
int xs_prepare_public_key(unsigned char *prepared, const unsigned char *pub32);
/* Returns: xs_verify(msg32, r32, s32, pub) for the key pub that prepared was made from.
 * In: msg32, r32, s32: 32 bytes each; prepared: filled by xs_prepare_public_key. */
int xs_verify_prepared(const unsigned char *msg32, const unsigned char *r32,
                       const unsigned char *s32, const unsigned char *prepared);
/* results[i] = xs_verify_prepared(items[96i..]: msg, r, s, keys[i]), i < n (keys may repeat;
 * the same shared inversions as xs_verify_batch).
 * Args: n:       number of items; may be 0.
 * Out:  results: n bytes (0 / 1); NULL allowed if n == 0; must not overlap items or any key.
 * In:   items:   n*96 bytes; NULL allowed if n == 0.
 *       keys:    n pointers to prepared keys (none NULL); NULL allowed if n == 0. */
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
 * writes every level above the leaves, bottom-up, the root last.
 * Args: n:           number of leaves; 0 and 1 write nothing (one leaf is the root).
 *       hash_method: the pair hash (XS_HASH_PEDERSEN or XS_HASH_POSEIDON).
 * Out:  out:         (xs_merkle_size(n) - n)*32 bytes; NULL allowed if n <= 1; must not
 *                    overlap leaves.
 * In:   leaves:      n*32 bytes; NULL allowed if n == 0. */
void xs_merkle_levels(unsigned char *out, const unsigned char *leaves, size_t n,
                      xs_hash_method hash_method);
/* Returns: the number of nodes of the tree over n leaves (leaves included; 0 for n == 0). */
size_t xs_merkle_size(size_t n);

/* Session-token signing of n invoke v3 transactions of one session (docs/protocol.md §6.4-§6.6, §6.10).
 * Transaction i occupies 9 + lens[4i] + ... + lens[4i+3] consecutive felts of felts[0..nfelts):
 * version, sender_address, chain_id, nonce, (nonce_da_mode << 32) + fee_da_mode, tip, the three
 * resource-bound words (resource << 192 | max_amount << 128 | max_price_per_unit), then
 * paymaster_data (lens[4i]), account_deployment_data (lens[4i+1]), calldata (lens[4i+2]) and
 * proof_facts (lens[4i+3]; hashed only when not empty). With h = the transaction hash and
 * m = poseidon_many(h, session_hash, cache_flag): out[160i..] = h, then (r, s) of m under key1
 * (the session key), then (r, s) of m under key2 (the guardian), as xs_sign. Constant time in
 * the keys and nonces. Consecutive transactions that repeat an inner sequence (same bounds,
 * same paymaster data, ...) share its hash.
 * Args: nfelts:         number of felts in felts (at least what lens describes).
 *       n:              number of transactions; may be 0.
 * Out:  out:            n*160 bytes; NULL allowed if n == 0; must not overlap any input.
 * In:   felts:          nfelts*32 bytes; NULL allowed if n == 0.
 *       lens:           4n lengths; NULL allowed if n == 0.
 *       session_hash32, cache_flag32: felts.
 *       key1, key2:     private keys in [1, n) (may be the same buffer). */
void xs_session_sign_invoke_v3(unsigned char *out, const unsigned char *felts, size_t nfelts,
                               const size_t *lens, size_t n, const unsigned char *session_hash32,
                               const unsigned char *cache_flag32, const unsigned char *key1,
                               const unsigned char *key2);
/* out[32i..] = the invoke v3 hash of transaction i < n, laid out in felts/lens as for
 * xs_session_sign_invoke_v3 (no signing: the hashing half of that function).
 * Args: nfelts, n: as for xs_session_sign_invoke_v3; n may be 0.
 * Out:  out:       n*32 bytes; NULL allowed if n == 0; must not overlap felts or lens.
 * In:   felts, lens: as for xs_session_sign_invoke_v3 (NULL allowed if n == 0). */
void xs_invoke_v3_hash_batch(unsigned char *out, const unsigned char *felts, size_t nfelts,
                             const size_t *lens, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* XS_CORE_H */
