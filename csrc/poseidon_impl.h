/* poseidon_impl.h — Hades permutation for Starknet (PROTOCOL §1.5; cairo-lang
 * poseidon_utils.py): width 3, x^3 S-box, 4 full + 83 partial + 4 full rounds,
 * MDS [[3,1,1],[1,-1,1],[1,1,-2]]. The partial rounds use the compressed constants of
 * consts.h (one addition to state[2] per round; see tools/gen_tables.py for why this is
 * the same permutation). Constant time.
 */
#ifndef XS_POSEIDON_IMPL_H
#define XS_POSEIDON_IMPL_H

#include "hash.h"

#if XS_FE_ASM
/* MDS with lazy reduction, x86-64: every output is first formed without reduction as a
 * non-negative value < 5p < 2^255 (3a+b+c; a+c+(p-b); a+b+2p-2c), then fully reduced with
 * q = v >> 251: v - q*p = (v mod 2^251) - q*(17*2^192 + 1) lies in (-p, 2^251), and adding p
 * when it is negative (mask from bit 255) gives the canonical value. Inputs reduced. */
#define XS_MDS_REDUCE_STORE(dst, off)                                                     \
    "movq %%r11, %%rax\n\t" "shrq $59, %%rax\n\t"                 /* q */                 \
    "movabsq $0x07ffffffffffffff, %%rdx\n\t" "andq %%rdx, %%r11\n\t"                      \
    "movq %%rax, %%rdx\n\t" "shlq $4, %%rdx\n\t" "addq %%rax, %%rdx\n\t" /* 17q */        \
    "subq %%rax, %%r8\n\t" "sbbq $0, %%r9\n\t" "sbbq $0, %%r10\n\t" "sbbq %%rdx, %%r11\n\t" \
    "movq %%r11, %%rax\n\t" "sarq $63, %%rax\n\t"                 /* mask if negative */  \
    "movq %%rax, %%rdx\n\t" "andq $1, %%rdx\n\t" "andq %%rcx, %%rax\n\t"                  \
    "addq %%rdx, %%r8\n\t" "adcq $0, %%r9\n\t" "adcq $0, %%r10\n\t" "adcq %%rax, %%r11\n\t" \
    "movq %%r8, " #off "+0(%[" #dst "])\n\t" "movq %%r9, " #off "+8(%[" #dst "])\n\t"       \
    "movq %%r10, " #off "+16(%[" #dst "])\n\t" "movq %%r11, " #off "+24(%[" #dst "])\n\t"

/* s = MDS(s), then s[2] += c2 (c2 reduced; folds the next partial round's constant into the
 * reduction that MDS does anyway, shortening the round's dependency chain). */
XS_INLINE void xs_poseidon_mds_c(xs_fe s[3], const xs_fe *c2) {
    xs_fe o[2];
    __asm__ __volatile__(
        "movabsq $0x0800000000000011, %%rcx\n\t"
        /* o0 = 3 s0 + s1 + s2 */
        "movq 0(%[s]), %%r8\n\t" "movq 8(%[s]), %%r9\n\t" "movq 16(%[s]), %%r10\n\t" "movq 24(%[s]), %%r11\n\t"
        "addq %%r8, %%r8\n\t" "adcq %%r9, %%r9\n\t" "adcq %%r10, %%r10\n\t" "adcq %%r11, %%r11\n\t"
        "addq 0(%[s]), %%r8\n\t" "adcq 8(%[s]), %%r9\n\t" "adcq 16(%[s]), %%r10\n\t" "adcq 24(%[s]), %%r11\n\t"
        "addq 32(%[s]), %%r8\n\t" "adcq 40(%[s]), %%r9\n\t" "adcq 48(%[s]), %%r10\n\t" "adcq 56(%[s]), %%r11\n\t"
        "addq 64(%[s]), %%r8\n\t" "adcq 72(%[s]), %%r9\n\t" "adcq 80(%[s]), %%r10\n\t" "adcq 88(%[s]), %%r11\n\t"
        XS_MDS_REDUCE_STORE(o, 0)
        /* o1 = s0 + s2 + p - s1 */
        "movq 0(%[s]), %%r8\n\t" "movq 8(%[s]), %%r9\n\t" "movq 16(%[s]), %%r10\n\t" "movq 24(%[s]), %%r11\n\t"
        "addq 64(%[s]), %%r8\n\t" "adcq 72(%[s]), %%r9\n\t" "adcq 80(%[s]), %%r10\n\t" "adcq 88(%[s]), %%r11\n\t"
        "addq $1, %%r8\n\t" "adcq $0, %%r9\n\t" "adcq $0, %%r10\n\t" "adcq %%rcx, %%r11\n\t"
        "subq 32(%[s]), %%r8\n\t" "sbbq 40(%[s]), %%r9\n\t" "sbbq 48(%[s]), %%r10\n\t" "sbbq 56(%[s]), %%r11\n\t"
        XS_MDS_REDUCE_STORE(o, 32)
        /* o2 = s0 + s1 + 2p - 2 s2 */
        "movq 0(%[s]), %%r8\n\t" "movq 8(%[s]), %%r9\n\t" "movq 16(%[s]), %%r10\n\t" "movq 24(%[s]), %%r11\n\t"
        "addq 32(%[s]), %%r8\n\t" "adcq 40(%[s]), %%r9\n\t" "adcq 48(%[s]), %%r10\n\t" "adcq 56(%[s]), %%r11\n\t"
        "addq $2, %%r8\n\t" "adcq $0, %%r9\n\t" "adcq $0, %%r10\n\t" "adcq %%rcx, %%r11\n\t"
        "addq %%rcx, %%r11\n\t"
        "subq 64(%[s]), %%r8\n\t" "sbbq 72(%[s]), %%r9\n\t" "sbbq 80(%[s]), %%r10\n\t" "sbbq 88(%[s]), %%r11\n\t"
        "subq 64(%[s]), %%r8\n\t" "sbbq 72(%[s]), %%r9\n\t" "sbbq 80(%[s]), %%r10\n\t" "sbbq 88(%[s]), %%r11\n\t"
        "addq 0(%[c]), %%r8\n\t" "adcq 8(%[c]), %%r9\n\t" "adcq 16(%[c]), %%r10\n\t" "adcq 24(%[c]), %%r11\n\t"
        XS_MDS_REDUCE_STORE(s, 64)  /* last: s no longer read */
        :
        : [s] "r"(s), [o] "r"(o), [c] "r"(c2->n)
        : "rax", "rcx", "rdx", "r8", "r9", "r10", "r11", "cc", "memory");
    memcpy(s, o, sizeof o);   /* s[0], s[1]; s[2] was written in place (shorter chain to the S-box) */
}
#endif

static const xs_fe xs_fe_zero_c = {{0, 0, 0, 0}};

#if !XS_FE_ASM
/* (3a+b+c, a-b+c, a+b-2c) = (t+2a, t-2b, t-3c) with t = a+b+c */
XS_INLINE void xs_poseidon_mds(xs_fe s[3]) {
    xs_fe t, u;
    xs_fe_add(&t, &s[0], &s[1]);
    xs_fe_add(&t, &t, &s[2]);
    xs_fe_add(&u, &s[0], &s[0]); xs_fe_add(&s[0], &t, &u);
    xs_fe_add(&u, &s[1], &s[1]); xs_fe_sub(&s[1], &t, &u);
    xs_fe_add(&u, &s[2], &s[2]); xs_fe_add(&u, &u, &s[2]); xs_fe_sub(&s[2], &t, &u);
}
XS_INLINE void xs_poseidon_mds_c(xs_fe s[3], const xs_fe *c2) {
    xs_poseidon_mds(s);
    xs_fe_add(&s[2], &s[2], c2);
}
#else
XS_INLINE void xs_poseidon_mds(xs_fe s[3]) { xs_poseidon_mds_c(s, &xs_fe_zero_c); }
#endif

XS_INLINE void xs_fe_cube(xs_fe *r, const xs_fe *a) {
    xs_fe t;
#if XS_FE_ASM
    if (xs_fe_use_adx) { xs_fe_cube_adx(r, a); return; }
#endif
    xs_fe_sqr(&t, a);
    xs_fe_mul(r, &t, a);
}

XS_INLINE void xs_poseidon_full(xs_fe s[3], const uint64_t rc[3][4]) {
    int j;
    for (j = 0; j < 3; j++) {
        xs_fe c;
        xs_fe_set_limbs(&c, rc[j]);
        xs_fe_add(&s[j], &s[j], &c);
        xs_fe_cube(&s[j], &s[j]);
    }
    xs_poseidon_mds(s);
}

static void xs_hades(xs_fe s[3]) {
    int i;
    for (i = 0; i < 4; i++) xs_poseidon_full(s, XS_POSEIDON_RC_FIRST[i]);
    {
        xs_fe c;
        xs_fe_set_limbs(&c, XS_POSEIDON_RC_PARTIAL[0]);
        xs_fe_add(&s[2], &s[2], &c);
    }
    for (i = 0; i < XS_POSEIDON_PARTIAL_ROUNDS; i++) {
        xs_fe_cube(&s[2], &s[2]);
        xs_poseidon_mds_c(s, i + 1 < XS_POSEIDON_PARTIAL_ROUNDS
                                 ? (const xs_fe *)XS_POSEIDON_RC_PARTIAL[i + 1] : &xs_fe_zero_c);
    }
    for (i = 0; i < 4; i++) xs_poseidon_full(s, XS_POSEIDON_RC_LAST[i]);
}

/* n independent permutations in lockstep (n = 2 or 4, a constant after inlining). A single
 * Hades is one long dependency chain (latency bound); interleaving lets the out-of-order core
 * overlap them (batch calls). Same rounds and constants as xs_hades. */
XS_INLINE void xs_hades_n(xs_fe s[][3], int n) {
    int i, j, k;
    for (i = 0; i < 4; i++) {
        for (j = 0; j < 3; j++) {
            xs_fe c;
            xs_fe_set_limbs(&c, XS_POSEIDON_RC_FIRST[i][j]);
            for (k = 0; k < n; k++) xs_fe_add(&s[k][j], &s[k][j], &c);
            for (k = 0; k < n; k++) xs_fe_cube(&s[k][j], &s[k][j]);
        }
        for (k = 0; k < n; k++) xs_poseidon_mds(s[k]);
    }
    {
        xs_fe c;
        xs_fe_set_limbs(&c, XS_POSEIDON_RC_PARTIAL[0]);
        for (k = 0; k < n; k++) xs_fe_add(&s[k][2], &s[k][2], &c);
    }
    for (i = 0; i < XS_POSEIDON_PARTIAL_ROUNDS; i++) {
        const xs_fe *c2 = i + 1 < XS_POSEIDON_PARTIAL_ROUNDS
                              ? (const xs_fe *)XS_POSEIDON_RC_PARTIAL[i + 1] : &xs_fe_zero_c;
        for (k = 0; k < n; k++) xs_fe_cube(&s[k][2], &s[k][2]);
        for (k = 0; k < n; k++) xs_poseidon_mds_c(s[k], c2);
    }
    for (i = 0; i < 4; i++) {
        for (j = 0; j < 3; j++) {
            xs_fe c;
            xs_fe_set_limbs(&c, XS_POSEIDON_RC_LAST[i][j]);
            for (k = 0; k < n; k++) xs_fe_add(&s[k][j], &s[k][j], &c);
            for (k = 0; k < n; k++) xs_fe_cube(&s[k][j], &s[k][j]);
        }
        for (k = 0; k < n; k++) xs_poseidon_mds(s[k]);
    }
}

static void xs_hades2(xs_fe s[2][3]) { xs_hades_n(s, 2); }
static void xs_hades4(xs_fe s[4][3]) { xs_hades_n(s, 4); }

#endif /* XS_POSEIDON_IMPL_H */
