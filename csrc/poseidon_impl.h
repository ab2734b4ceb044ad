/* poseidon_impl.h — Hades permutation for Starknet (docs/protocol.md §1.5; cairo-lang
 * poseidon_utils.py): width 3, x^3 S-box, 4 full + 83 partial + 4 full rounds,
 * MDS [[3,1,1],[1,-1,1],[1,1,-2]]. The partial rounds use the compressed constants of
 * consts.h (one addition to state[2] per round; see tools/gen_tables.py for why this is
 * the same permutation). Constant time.
 */
#ifndef XS_POSEIDON_IMPL_H
#define XS_POSEIDON_IMPL_H

#include "hash.h"

#if XS_FE_ASM
/* x86-64: the state is kept lazily reduced between rounds (Montgomery form, only the
 * permutation's output is canonical): every element is < 2p after a round, except state[2]
 * between partial rounds (< 9p, not reduced at all: it only feeds the next S-box). The S-box
 * input is < 9p (s + rc < 3p in the full rounds), the BMI2/ADX cube gives a value < 2p
 * (xs_fe_cube_lazy_adx), and the MDS below reduces each output from < 10p to [0, 2p), or to
 * [0, p) in the last round. */

/* MDS output v (r8..r11, v < 2^256, r12 = 2^251 - 1, rcx = P3) reduced with q = v >> 251:
 * v = q 2^251 + lo = lo - q (17 2^192 + 1) (mod p), and q (17 2^192 + 1) < p for q < 32.
 * XS_MDS_LAZY_STORE stores lo - q (17 2^192 + 1) + p, in (0, 2p). XS_MDS_REDUCE_STORE stores
 * the canonical value: lo - q (17 2^192 + 1) lies in (-p, 2^251), plus p if negative (mask
 * from bit 255). */
#define XS_MDS_Q \
    "movq %%r11, %%rax\n\t" "shrq $59, %%rax\n\t" "andq %%r12, %%r11\n\t"                   \
    "imulq $17, %%rax, %%rdx\n\t"                                                         \
    "subq %%rax, %%r8\n\t" "sbbq $0, %%r9\n\t" "sbbq $0, %%r10\n\t" "sbbq %%rdx, %%r11\n\t"
#define XS_MDS_STORE(dst, off) \
    "movq %%r8, " #off "+0(%[" #dst "])\n\t" "movq %%r9, " #off "+8(%[" #dst "])\n\t"       \
    "movq %%r10, " #off "+16(%[" #dst "])\n\t" "movq %%r11, " #off "+24(%[" #dst "])\n\t"
#define XS_MDS_LAZY_STORE(dst, off) XS_MDS_Q \
    "addq $1, %%r8\n\t" "adcq $0, %%r9\n\t" "adcq $0, %%r10\n\t" "adcq %%rcx, %%r11\n\t"  \
    XS_MDS_STORE(dst, off)
#define XS_MDS_REDUCE_STORE(dst, off) XS_MDS_Q \
    "movq %%r11, %%rax\n\t" "sarq $63, %%rax\n\t"                 /* mask if negative */  \
    "movq %%rax, %%rdx\n\t" "andq $1, %%rdx\n\t" "andq %%rcx, %%rax\n\t"                  \
    "addq %%rdx, %%r8\n\t" "adcq $0, %%r9\n\t" "adcq $0, %%r10\n\t" "adcq %%rax, %%r11\n\t" \
    XS_MDS_STORE(dst, off)

/* s = MDS(s), then s[2] += c2 (c2 reduced; folds the next partial round's constant in).
 * Inputs < 2p; each output is formed as a non-negative value < 10p < 2^256 (3a+b+c; a+c+2p-b;
 * a+b+c2+4p-2c < 9p, s[2] subtracted last: it is the value the S-box just produced), then
 * stored by STORE (s[0], s[1]) and STORE2 (s[2]): XS_MDS_LAZY_STORE, XS_MDS_REDUCE_STORE or,
 * for s[2] between partial rounds, XS_MDS_STORE (unreduced, < 9p). */
#define XS_POSEIDON_MDS_ASM(name, STORE, STORE2)                                                \
XS_INLINE void name(xs_fe s[3], const xs_fe *c2) {                                       \
    xs_fe o[2];                                                                           \
    __asm__ __volatile__(                                                                 \
        "movabsq $0x0800000000000011, %%rcx\n\t"                                          \
        "movabsq $0x07ffffffffffffff, %%r12\n\t"                                          \
        "leaq (%%rcx, %%rcx), %%r13\n\t"                                      /* 2 P3 */  \
        /* o0 = 3 s0 + s1 + s2 */                                                         \
        "movq 0(%[s]), %%r8\n\t" "movq 8(%[s]), %%r9\n\t" "movq 16(%[s]), %%r10\n\t" "movq 24(%[s]), %%r11\n\t" \
        "addq %%r8, %%r8\n\t" "adcq %%r9, %%r9\n\t" "adcq %%r10, %%r10\n\t" "adcq %%r11, %%r11\n\t" \
        "addq 0(%[s]), %%r8\n\t" "adcq 8(%[s]), %%r9\n\t" "adcq 16(%[s]), %%r10\n\t" "adcq 24(%[s]), %%r11\n\t" \
        "addq 32(%[s]), %%r8\n\t" "adcq 40(%[s]), %%r9\n\t" "adcq 48(%[s]), %%r10\n\t" "adcq 56(%[s]), %%r11\n\t" \
        "addq 64(%[s]), %%r8\n\t" "adcq 72(%[s]), %%r9\n\t" "adcq 80(%[s]), %%r10\n\t" "adcq 88(%[s]), %%r11\n\t" \
        STORE(o, 0)                                                                       \
        /* o1 = s0 + s2 + 2p - s1 */                                                      \
        "movq 0(%[s]), %%r8\n\t" "movq 8(%[s]), %%r9\n\t" "movq 16(%[s]), %%r10\n\t" "movq 24(%[s]), %%r11\n\t" \
        "addq $2, %%r8\n\t" "adcq $0, %%r9\n\t" "adcq $0, %%r10\n\t" "adcq %%r13, %%r11\n\t" \
        "subq 32(%[s]), %%r8\n\t" "sbbq 40(%[s]), %%r9\n\t" "sbbq 48(%[s]), %%r10\n\t" "sbbq 56(%[s]), %%r11\n\t" \
        "addq 64(%[s]), %%r8\n\t" "adcq 72(%[s]), %%r9\n\t" "adcq 80(%[s]), %%r10\n\t" "adcq 88(%[s]), %%r11\n\t" \
        STORE(o, 32)                                                                      \
        /* o2 = s0 + s1 + c2 + 4p - 2 s2 */                                               \
        "movq 0(%[s]), %%r8\n\t" "movq 8(%[s]), %%r9\n\t" "movq 16(%[s]), %%r10\n\t" "movq 24(%[s]), %%r11\n\t" \
        "addq 32(%[s]), %%r8\n\t" "adcq 40(%[s]), %%r9\n\t" "adcq 48(%[s]), %%r10\n\t" "adcq 56(%[s]), %%r11\n\t" \
        "addq 0(%[c]), %%r8\n\t" "adcq 8(%[c]), %%r9\n\t" "adcq 16(%[c]), %%r10\n\t" "adcq 24(%[c]), %%r11\n\t" \
        "addq $4, %%r8\n\t" "adcq $0, %%r9\n\t" "adcq $0, %%r10\n\t" "adcq %%r13, %%r11\n\t" \
        "addq %%r13, %%r11\n\t"                                                           \
        "subq 64(%[s]), %%r8\n\t" "sbbq 72(%[s]), %%r9\n\t" "sbbq 80(%[s]), %%r10\n\t" "sbbq 88(%[s]), %%r11\n\t" \
        "subq 64(%[s]), %%r8\n\t" "sbbq 72(%[s]), %%r9\n\t" "sbbq 80(%[s]), %%r10\n\t" "sbbq 88(%[s]), %%r11\n\t" \
        STORE2(s, 64)  /* last: s no longer read */                                       \
        :                                                                                 \
        : [s] "r"(s), [o] "r"(o), [c] "r"(c2->n)                                          \
        : "rax", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "cc", "memory");   \
    memcpy(s, o, sizeof o);   /* s[0], s[1]; s[2] was written in place */                 \
}
XS_POSEIDON_MDS_ASM(xs_poseidon_mds_lazy_c, XS_MDS_LAZY_STORE, XS_MDS_LAZY_STORE)
XS_POSEIDON_MDS_ASM(xs_poseidon_mds_partial_c, XS_MDS_LAZY_STORE, XS_MDS_STORE)
XS_POSEIDON_MDS_ASM(xs_poseidon_mds_final_c, XS_MDS_REDUCE_STORE, XS_MDS_REDUCE_STORE)

/* r = a + b without reduction (a < 2p, b < p: r < 3p). */
XS_INLINE void xs_fe_add_nored(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    xs_u128 c;
    c = (xs_u128)a->n[0] + b->n[0];      r->n[0] = (uint64_t)c; c >>= 64;
    c += (xs_u128)a->n[1] + b->n[1];     r->n[1] = (uint64_t)c; c >>= 64;
    c += (xs_u128)a->n[2] + b->n[2];     r->n[2] = (uint64_t)c; c >>= 64;
    r->n[3] = (uint64_t)c + a->n[3] + b->n[3];
}

/* The S-box x^3 (x < 9p; result < 2p). The mulq path: xs_fe_sqr gives < 3.6p - p (one
 * conditional subtraction after the Montgomery bound x^2/R + p), and xs_fe_mul of that by
 * x < 9p is then reduced (its Montgomery bound is < 2p). */
XS_INLINE void xs_poseidon_sbox(xs_fe *r, const xs_fe *a) {
    if (xs_fe_use_adx) {
        xs_fe_cube_lazy_adx(r, a);
    } else {
        xs_fe t;
        xs_fe_sqr(&t, a);
        xs_fe_mul(r, &t, a);
    }
}
#define xs_poseidon_arc xs_fe_add_nored
#else
/* Portable field: the state stays fully reduced. */
/* (3a+b+c, a-b+c, a+b-2c) = (t+2a, t-2b, t-3c) with t = a+b+c */
XS_INLINE void xs_poseidon_mds(xs_fe s[3]) {
    xs_fe t, u;
    xs_fe_add(&t, &s[0], &s[1]);
    xs_fe_add(&t, &t, &s[2]);
    xs_fe_add(&u, &s[0], &s[0]); xs_fe_add(&s[0], &t, &u);
    xs_fe_add(&u, &s[1], &s[1]); xs_fe_sub(&s[1], &t, &u);
    xs_fe_add(&u, &s[2], &s[2]); xs_fe_add(&u, &u, &s[2]); xs_fe_sub(&s[2], &t, &u);
}
XS_INLINE void xs_poseidon_mds_lazy_c(xs_fe s[3], const xs_fe *c2) {
    xs_poseidon_mds(s);
    xs_fe_add(&s[2], &s[2], c2);
}
#define xs_poseidon_mds_final_c xs_poseidon_mds_lazy_c
#define xs_poseidon_mds_partial_c xs_poseidon_mds_lazy_c
XS_INLINE void xs_poseidon_sbox(xs_fe *r, const xs_fe *a) {
    xs_fe t;
    xs_fe_sqr(&t, a);
    xs_fe_mul(r, &t, a);
}
#define xs_poseidon_arc xs_fe_add
#endif

static const xs_fe xs_fe_zero_c = {{0, 0, 0, 0}};

/* One full round: s += rc, S-box on every element, MDS (final: canonical output). */
XS_INLINE void xs_poseidon_full(xs_fe s[3], const uint64_t rc[3][4], int final) {
    int j;
    for (j = 0; j < 3; j++) {
        xs_poseidon_arc(&s[j], &s[j], (const xs_fe *)rc[j]);
        xs_poseidon_sbox(&s[j], &s[j]);
    }
    if (final) xs_poseidon_mds_final_c(s, &xs_fe_zero_c);
    else xs_poseidon_mds_lazy_c(s, &xs_fe_zero_c);
}

static void xs_hades(xs_fe s[3]) {
    int i;
    for (i = 0; i < 4; i++) xs_poseidon_full(s, XS_POSEIDON_RC_FIRST[i], 0);
    xs_poseidon_arc(&s[2], &s[2], (const xs_fe *)XS_POSEIDON_RC_PARTIAL[0]);
    for (i = 0; i < XS_POSEIDON_PARTIAL_ROUNDS; i++) {
        xs_poseidon_sbox(&s[2], &s[2]);
        if (i + 1 < XS_POSEIDON_PARTIAL_ROUNDS)
            xs_poseidon_mds_partial_c(s, (const xs_fe *)XS_POSEIDON_RC_PARTIAL[i + 1]);
        else
            xs_poseidon_mds_lazy_c(s, &xs_fe_zero_c);
    }
    for (i = 0; i < 4; i++) xs_poseidon_full(s, XS_POSEIDON_RC_LAST[i], i == 3);
}

/* n independent permutations in lockstep (n = 2 or 4, a constant after inlining), so that the
 * out-of-order core can overlap their dependency chains (batch calls). Same rounds, constants
 * and bounds as xs_hades. On x86-64 a single Hades already keeps the core nearly busy, so
 * this gains little there: per item it costs about what xs_hades does. */
XS_INLINE void xs_hades_n(xs_fe s[][3], int n) {
    int i, j, k;
    for (i = 0; i < 8; i++) {
        const uint64_t (*rc)[4] = i < 4 ? XS_POSEIDON_RC_FIRST[i] : XS_POSEIDON_RC_LAST[i - 4];
        for (j = 0; j < 3; j++) {
            for (k = 0; k < n; k++) xs_poseidon_arc(&s[k][j], &s[k][j], (const xs_fe *)rc[j]);
            for (k = 0; k < n; k++) xs_poseidon_sbox(&s[k][j], &s[k][j]);
        }
        if (i == 7) {
            for (k = 0; k < n; k++) xs_poseidon_mds_final_c(s[k], &xs_fe_zero_c);
        } else {
            for (k = 0; k < n; k++) xs_poseidon_mds_lazy_c(s[k], &xs_fe_zero_c);
        }
        if (i != 3) continue;
        for (k = 0; k < n; k++)
            xs_poseidon_arc(&s[k][2], &s[k][2], (const xs_fe *)XS_POSEIDON_RC_PARTIAL[0]);
        for (j = 0; j < XS_POSEIDON_PARTIAL_ROUNDS; j++) {
            for (k = 0; k < n; k++) xs_poseidon_sbox(&s[k][2], &s[k][2]);
            if (j + 1 < XS_POSEIDON_PARTIAL_ROUNDS) {
                for (k = 0; k < n; k++)
                    xs_poseidon_mds_partial_c(s[k], (const xs_fe *)XS_POSEIDON_RC_PARTIAL[j + 1]);
            } else {
                for (k = 0; k < n; k++) xs_poseidon_mds_lazy_c(s[k], &xs_fe_zero_c);
            }
        }
    }
}

static void xs_hades2(xs_fe s[2][3]) { xs_hades_n(s, 2); }

#if XS_POSEIDON_AVX2
#include "poseidon_avx2_impl.h"
/* 1 when xs_hades4 uses the AVX2 code; written once by xs_poseidon_init (one-time init). */
static int xs_poseidon_use_avx2 = 0;

/* One-time init: the AVX2 constants, then the choice of xs_hades4 for this CPU. */
static void xs_poseidon_init(void) {
    xs_hades4_avx2_init();
    xs_poseidon_use_avx2 = xs_cpu_has_avx2();
}

/* Four states at once (Montgomery form, reduced; output canonical, equal to xs_hades). */
static void xs_hades4(xs_fe s[4][3]) {
    if (xs_poseidon_use_avx2) xs_hades4_avx2(s);
    else xs_hades_n(s, 4);
}

/* 1 if xs_hades4 on m states (padded to four) is faster than xs_hades2/xs_hades on them: with
 * AVX2 one xs_hades4 costs about 2.4 scalar permutations. */
static int xs_hades4_pays(size_t m) { return m == 4 || (m == 3 && xs_poseidon_use_avx2); }
#else
static void xs_poseidon_init(void) {}
static void xs_hades4(xs_fe s[4][3]) { xs_hades_n(s, 4); }
static int xs_hades4_pays(size_t m) { return m == 4; }
#endif

#endif /* XS_POSEIDON_IMPL_H */
