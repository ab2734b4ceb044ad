/* xs_core.c — the only translation unit of the native core: includes every *_impl.h and
 * defines the exported xs_* functions of include/xs_core.h. Everything else is static. */
#if defined(__has_include)
#  if __has_include(<threads.h>) && !defined(__STDC_NO_THREADS__)
#    define XS_USE_C11_ONCE 1
#  endif
#endif
#ifdef XS_USE_C11_ONCE
#  include <threads.h>
#else
#  include <pthread.h>
#endif

#include "include/xs_core.h"
#include "util.h"
#include "hash.h"
#include "felt_impl.h"
#include "scalar_impl.h"
#include "group_impl.h"
#include "pedersen_impl.h"
#include "poseidon_impl.h"
#include "keccak_impl.h"
#include "sha256_impl.h"
#include "rfc6979_impl.h"
#include "ecdsa_impl.h"

/* ------------------------------------------------------------------ one-time init */
/* Picks the field multiplication for this CPU, then builds the fixed-base tables. */
static void xs_core_init(void) {
    xs_fe_detect_cpu();
    xs_poseidon_init();
    xs_sha256_init();
    xs_group_init();
}

#ifdef XS_USE_C11_ONCE
static once_flag xs_once = ONCE_FLAG_INIT;
#  define XS_ONCE() call_once(&xs_once, xs_core_init)
#else
static pthread_once_t xs_once = PTHREAD_ONCE_INIT;
#  define XS_ONCE() (void)pthread_once(&xs_once, xs_core_init)
#endif

int xs_init(void) {
    XS_ONCE();
    return 0;
}

/* ------------------------------------------------------------------ Pedersen */
void xs_pedersen(unsigned char *out32, const unsigned char *a32, const unsigned char *b32) {
    XS_ONCE();
    xs_pedersen_ptrs_var(&out32, &a32, &b32, 1);
}

void xs_pedersen_batch(unsigned char *out, const unsigned char *pairs, size_t n) {
    unsigned char *o[XS_PED_CHUNK];
    const unsigned char *a[XS_PED_CHUNK], *b[XS_PED_CHUNK];
    size_t base, m, i;
    XS_ONCE();
    for (base = 0; base < n; base += m) {
        m = n - base < XS_PED_CHUNK ? n - base : XS_PED_CHUNK;
        for (i = 0; i < m; i++) {
            o[i] = out + 32 * (base + i);
            a[i] = pairs + 64 * (base + i);
            b[i] = a[i] + 32;
        }
        xs_pedersen_ptrs_var(o, a, b, m);
    }
}

void xs_pedersen_chain(unsigned char *out32, const unsigned char *values, size_t n) {
    unsigned char h[32], len[32];
    unsigned char *o = h;
    const unsigned char *a = h, *b;
    size_t i;
    XS_ONCE();
    memset(h, 0, 32);
    for (i = 0; i < n; i++) {
        b = values + 32 * i;
        xs_pedersen_ptrs_var(&o, &a, &b, 1);
    }
    memset(len, 0, 32);
    for (i = 0; i < 8; i++) len[31 - i] = (unsigned char)((uint64_t)n >> (8 * i));
    b = len;
    o = out32;
    xs_pedersen_ptrs_var(&o, &a, &b, 1);
}

/* ------------------------------------------------------------------ Poseidon */
static void xs_poseidon2(unsigned char *out32, const unsigned char *a32, const unsigned char *b32) {
    xs_fe s[3];
    xs_fe_from_be32(&s[0], a32);
    xs_fe_from_be32(&s[1], b32);
    xs_fe_set_limbs(&s[2], XS_FE_ONE_M);
    xs_fe_add(&s[2], &s[2], &s[2]);                 /* 2 */
    xs_hades(s);
    xs_fe_to_be32(out32, &s[0]);
}

void xs_poseidon(unsigned char *out32, const unsigned char *a32, const unsigned char *b32) {
    XS_ONCE();
    xs_poseidon2(out32, a32, b32);
}

/* Permutes the m <= 4 states s[0..m), interleaved as far as possible (AVX2: three states are
 * padded to four with copies of s[0]). */
static void xs_hades_upto4(xs_fe s[][3], size_t m) {
    if (m == 4) {
        xs_hades4(s);
    } else if (xs_hades4_pays(m)) {
        xs_fe t[4][3];
        size_t k;
        for (k = 0; k < 4; k++) memcpy(t[k], s[k < m ? k : 0], sizeof t[k]);
        xs_hades4(t);
        memcpy(s, t, m * sizeof t[0]);
    } else {
        if (m >= 2) xs_hades2(s);
        if (m & 1) xs_hades(s[m - 1]);
    }
}

/* m <= 4 two-input hashes at once: o[k] = poseidon(a[k], b[k]) (outputs may alias inputs). */
static void xs_poseidon2_upto4(unsigned char *const *o, const unsigned char *const *a,
                               const unsigned char *const *b, size_t m) {
    xs_fe s[4][3];
    size_t k;
    for (k = 0; k < m; k++) {
        xs_fe_from_be32(&s[k][0], a[k]);
        xs_fe_from_be32(&s[k][1], b[k]);
        xs_fe_set_limbs(&s[k][2], XS_FE_ONE_M);
        xs_fe_add(&s[k][2], &s[k][2], &s[k][2]);    /* 2 */
    }
    xs_hades_upto4(s, m);
    for (k = 0; k < m; k++) xs_fe_to_be32(o[k], &s[k][0]);
}

void xs_poseidon_batch(unsigned char *out, const unsigned char *pairs, size_t n) {
    unsigned char *o[4];
    const unsigned char *a[4], *b[4];
    size_t base, m, k;
    XS_ONCE();
    for (base = 0; base < n; base += m) {
        m = n - base < 4 ? n - base : 4;
        for (k = 0; k < m; k++) {
            o[k] = out + 32 * (base + k);
            a[k] = pairs + 64 * (base + k);
            b[k] = a[k] + 32;
        }
        xs_poseidon2_upto4(o, a, b, m);
    }
}

void xs_poseidon_single(unsigned char *out32, const unsigned char *x32) {
    xs_fe s[3];
    XS_ONCE();
    xs_fe_from_be32(&s[0], x32);
    memset(&s[1], 0, sizeof s[1]);
    xs_fe_set_limbs(&s[2], XS_FE_ONE_M);
    xs_hades(s);
    xs_fe_to_be32(out32, &s[0]);
}

/* Block k of the padded sponge input of values[0..n): (v[2k], v[2k+1]) with v[n] = 1 and
 * v[n+1] = 0 (when n is even); added into the rate part of s. */
static void xs_sponge_absorb(xs_fe s[3], const unsigned char *values, size_t n, size_t k) {
    xs_fe v;
    size_t j;
    for (j = 0; j < 2; j++) {
        size_t idx = 2 * k + j;
        if (idx < n) {
            xs_fe_from_be32(&v, values + 32 * idx);
            xs_fe_add(&s[j], &s[j], &v);
        } else if (idx == n) {
            xs_fe_set_limbs(&v, XS_FE_ONE_M);
            xs_fe_add(&s[j], &s[j], &v);
        }
    }
}

void xs_poseidon_many(unsigned char *out32, const unsigned char *values, size_t n) {
    xs_fe s[3];
    size_t k, blocks = n / 2 + 1;
    XS_ONCE();
    memset(s, 0, sizeof s);
    for (k = 0; k < blocks; k++) {
        xs_sponge_absorb(s, values, n, k);
        xs_hades(s);
    }
    xs_fe_to_be32(out32, &s[0]);
}

/* Up to four sponges in lockstep: out[k] = poseidon_many(v[k][0..len[k])) (Montgomery form). */
static void xs_sponge_upto4(xs_fe out[], const unsigned char *const *v, const size_t *len, size_t m) {
    size_t k, step, blocks[4], maxb = 0;
    xs_fe s[4][3], act[4][3];
    XS_VERIFY_CHECK(m >= 1 && m <= 4);
    for (k = 0; k < m; k++) {
        blocks[k] = len[k] / 2 + 1;
        if (blocks[k] > maxb) maxb = blocks[k];
    }
    memset(s, 0, sizeof s);
    for (step = 0; step < maxb; step++) {
        size_t na = 0;
        for (k = 0; k < m; k++)
            if (step < blocks[k]) {
                xs_sponge_absorb(s[k], v[k], len[k], step);
                memcpy(act[na++], s[k], sizeof s[k]);
            }
        xs_hades_upto4(act, na);
        for (k = 0, na = 0; k < m; k++)
            if (step < blocks[k]) memcpy(s[k], act[na++], sizeof s[k]);
    }
    for (k = 0; k < m; k++) out[k] = s[k][0];
}

void xs_poseidon_many_batch(unsigned char *out, const unsigned char *values, size_t nvalues,
                            const size_t *lens, size_t nseqs) {
    size_t base, m, k, off = 0;
    XS_ONCE();
    for (base = 0; base < nseqs; base += m) {
        const unsigned char *v[4];
        xs_fe h[4];
        m = nseqs - base < 4 ? nseqs - base : 4;
        for (k = 0; k < m; k++) {
            XS_VERIFY_CHECK(off + lens[base + k] <= nvalues);
            v[k] = values + 32 * off;
            off += lens[base + k];
        }
        xs_sponge_upto4(h, v, lens + base, m);
        for (k = 0; k < m; k++) xs_fe_to_be32(out + 32 * (base + k), &h[k]);
    }
    (void)nvalues;
}

void xs_poseidon_permutation(unsigned char *out96, const unsigned char *in96) {
    xs_fe s[3];
    int i;
    XS_ONCE();
    for (i = 0; i < 3; i++) xs_fe_from_be32(&s[i], in96 + 32 * i);
    xs_hades(s);
    for (i = 0; i < 3; i++) xs_fe_to_be32(out96 + 32 * i, &s[i]);
}

/* ------------------------------------------------------------------ Keccak */
void xs_keccak256(unsigned char *out32, const unsigned char *data, size_t len) {
    xs_keccak256_impl(out32, data, len);
}

void xs_starknet_keccak(unsigned char *out32, const unsigned char *data, size_t len) {
    xs_keccak256_impl(out32, data, len);
    out32[0] &= 0x03;
}

/* ------------------------------------------------------------------ ECDSA */
void xs_public_key(unsigned char *out32, const unsigned char *priv32) {
    XS_ONCE();
    xs_ecdsa_pubkey(out32, priv32);
}

void xs_sign(unsigned char *r32, unsigned char *s32, const unsigned char *msg32,
             const unsigned char *priv32) {
    XS_ONCE();
    xs_ecdsa_sign_s(r32, s32, msg32, priv32);
}

int xs_sign_seeded(unsigned char *r32, unsigned char *s32, const unsigned char *msg32,
                   const unsigned char *priv32, const unsigned char *extra, size_t extra_len) {
    XS_ONCE();
    return xs_ecdsa_sign_r(r32, s32, msg32, priv32, extra, extra_len);
}

void xs_sign_batch(unsigned char *sigs, const unsigned char *msgs, size_t n,
                   const unsigned char *priv32) {
    XS_ONCE();
    xs_ecdsa_sign_batch_s(sigs, msgs, n, priv32);
}

int xs_verify(const unsigned char *msg32, const unsigned char *r32, const unsigned char *s32,
              const unsigned char *pub32) {
    XS_ONCE();
    return xs_ecdsa_verify_var(msg32, r32, s32, pub32);
}

void xs_verify_batch(unsigned char *results, const unsigned char *items, size_t n) {
    XS_ONCE();
    xs_ecdsa_verify_batch_var(results, items, n);
}

_Static_assert(XS_PREPARED_KEY_BYTES == 52304, "xs_core.h documents 52304 bytes per prepared key");

size_t xs_prepared_key_size(void) {
    return XS_PREPARED_KEY_BYTES;
}

int xs_prepare_public_key(unsigned char *prepared, const unsigned char *pub32) {
    XS_ONCE();
    return xs_ecdsa_prepare_var(prepared, pub32);
}

int xs_verify_prepared(const unsigned char *msg32, const unsigned char *r32,
                       const unsigned char *s32, const unsigned char *prepared) {
    XS_ONCE();
    return xs_ecdsa_verify_prepared_var(msg32, r32, s32, prepared);
}

void xs_verify_batch_prepared(unsigned char *results, const unsigned char *items,
                              const unsigned char *const *keys, size_t n) {
    XS_ONCE();
    xs_ecdsa_verify_batch_prepared_var(results, items, keys, n);
}

/* ------------------------------------------------------------------ Starknet protocol module */
#include "modules/starknet/main_impl.h"
