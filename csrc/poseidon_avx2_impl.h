/* poseidon_avx2_impl.h — four Hades permutations at once with AVX2 (batch paths; chosen at run
 * time by xs_poseidon_init when the CPU and OS support AVX2). Same rounds and constants as
 * xs_hades, and the same (canonical) output: the tests compare every lane with xs_hades.
 * Poseidon inputs are public: this code is not constant time (it has no secret-dependent
 * branches or addresses either, but it is not checked for that).
 *
 * Representation. A field element is 9 limbs of 29 bits (radix 2^29, 261 bits) in the 64-bit
 * lanes of 9 __m256i; lane k holds permutation k. Values are in Montgomery form with
 * R' = 2^261 (the scalar code uses R = 2^256: x R' = 32 x R, so converting in is a shift by 5
 * bits and converting out a division by 32 mod p) and lazily reduced: limbs may exceed 29
 * bits and values may exceed p, within the bounds stated below (all limbs stay non-negative).
 *
 * p = 2^251 + 17 2^192 + 1 has three nonzero radix-2^29 limbs: 1 (limb 0), 17 2^18 (limb 6),
 * 2^19 (limb 8); -p^-1 = -1 mod 2^29. So a Montgomery step needs no multiplication by p:
 * m = -t mod 2^29, then m is added at limb 0 (the carry out is ceil(t / 2^29)), m 17 2^18 at
 * limb 6 and m 2^19 at limb 8.
 *
 * Bounds (B = 2^29). "Reduced" elements (the S-box inputs and the state between rounds):
 * limbs 0..7 < B + 2^4, limb 8 < 2^20 + 2^4, value < 2^252 + 2^233. xs_fe4_mont needs limbs
 * < 2^32 (vpmuludq; squaring doubles them: reduced limbs give < 2^31); its column sums are
 * < 9 (B + 2^4)^2 + 2^52 + 2^35 < 2^62. Its output has limbs 0..7 < B and value
 * < ab / 2^261 + p, so for reduced inputs x^2 and x^3 are < p + 2^243 (limb 8 < 2^19.01).
 * The MDS adds a spread multiple of p to every output (xs_fe4_spread_p) whose limbs cover the
 * subtracted terms (at most 2 (B + 2^4) per limb, 2^20.01 at limb 8), then xs_fe4_fold_carry
 * reduces it back to a reduced element (see there).
 */
#ifndef XS_POSEIDON_AVX2_IMPL_H
#define XS_POSEIDON_AVX2_IMPL_H

#include <immintrin.h>

#define XS_AVX2_INLINE static inline __attribute__((target("avx2"), always_inline))
#define XS4_B ((uint64_t)1 << 29)
#define XS4_MASK (XS4_B - 1)
#define XS4_C17 ((uint64_t)17 << 18)   /* limb 6 of p */

typedef struct { __m256i l[9]; } xs_fe4;

/* Constants of the MDS steps, built once by xs_poseidon_init (not written afterwards): for each
 * of the 92 steps (0: the input, then one per round) and each output j, the round constant that
 * the scalar code adds next (R' form, canonical; 0 if none) plus a spread multiple of p: P'' for
 * the input and o0, 4 P' + P'' for o1 and o2 (which subtract). */
#define XS4_STEPS (1 + XS_POSEIDON_FULL_ROUNDS + XS_POSEIDON_PARTIAL_ROUNDS)
static uint64_t xs_hades4_k[XS4_STEPS][3][9];

/* Spread representations of p (limbs sum to p, every low limb about B, so that B-bounded
 * limbs can be subtracted without a borrow): P' (top limb 2^19 - 1) and P'' (the same with the
 * top limb moved into limb 7, so that xs_fe4_fold_carry does not see it). */
static void xs_fe4_spread_p(uint64_t r[9], int top_in_limb7) {
    int i;
    r[0] = XS4_B + 1;
    for (i = 1; i < 8; i++) r[i] = XS4_B - 1;
    r[6] += XS4_C17;
    r[8] = ((uint64_t)1 << 19) - 1;
    if (top_in_limb7) { r[7] += r[8] << 29; r[8] = 0; }
}

/* 29-bit limbs of x 2^sh (sh = 0 or 5; 5 turns x in R form into x in R' form, not reduced),
 * for x 2^sh < 2^261. */
static void xs_fe4_limbs_from_fe(uint64_t r[9], const xs_fe *x, unsigned sh) {
    int j;
    r[0] = (x->n[0] << sh) & XS4_MASK;
    for (j = 1; j < 9; j++) {
        unsigned start = 29 * (unsigned)j - sh, w = start >> 6, off = start & 63;
        uint64_t v = x->n[w] >> off;
        if (off > 35 && w < 3) v |= x->n[w + 1] << (64 - off);
        r[j] = v & XS4_MASK;
    }
}

/* x = l / 32 for exact 29-bit limbs l (l divisible by 32, l / 32 < 2^256). */
static void xs_fe4_limbs_to_fe(xs_fe *x, const uint64_t l[9]) {
    int j;
    memset(x, 0, sizeof *x);
    x->n[0] = l[0] >> 5;
    for (j = 1; j < 9; j++) {
        unsigned pos = 29 * (unsigned)j - 5, w = pos >> 6, off = pos & 63;
        x->n[w] |= l[j] << off;
        if (off > 35 && w < 3) x->n[w + 1] |= l[j] >> (64 - off);
    }
}

static void xs_hades4_avx2_init(void) {
    uint64_t pp[9], p4[9], c[9];
    int step, j, i;
    xs_fe4_spread_p(pp, 1);
    xs_fe4_spread_p(p4, 0);
    for (i = 0; i < 9; i++) p4[i] = 4 * p4[i] + pp[i];
    for (step = 0; step < XS4_STEPS; step++) {
        for (j = 0; j < 3; j++) {
            const uint64_t *rc = NULL;   /* as in xs_hades: first, partial (s[2]), last */
            int r = step - 1 - XS_POSEIDON_FULL_ROUNDS / 2 - XS_POSEIDON_PARTIAL_ROUNDS;
            if (step < XS_POSEIDON_FULL_ROUNDS / 2) rc = XS_POSEIDON_RC_FIRST[step][j];
            else if (step < XS_POSEIDON_FULL_ROUNDS / 2 + XS_POSEIDON_PARTIAL_ROUNDS) {
                if (j == 2) rc = XS_POSEIDON_RC_PARTIAL[step - XS_POSEIDON_FULL_ROUNDS / 2];
            } else if (step == XS_POSEIDON_FULL_ROUNDS / 2 + XS_POSEIDON_PARTIAL_ROUNDS) {
                rc = XS_POSEIDON_RC_LAST[0][j];
            } else if (r < XS_POSEIDON_FULL_ROUNDS / 2 - 1) {
                rc = XS_POSEIDON_RC_LAST[r + 1][j];
            }
            memset(c, 0, sizeof c);
            if (rc) {
                xs_fe x;
                memcpy(x.n, rc, sizeof x.n);
                for (i = 0; i < 5; i++) xs_fe_add(&x, &x, &x);   /* 32 x mod p: R' form */
                xs_fe4_limbs_from_fe(c, &x, 0);
            }
            for (i = 0; i < 9; i++) c[i] += (j == 0 || step == 0) ? pp[i] : p4[i];
            memcpy(xs_hades4_k[step][j], c, sizeof c);
        }
    }
}

#define XS4_ADD _mm256_add_epi64
#define XS4_SUB _mm256_sub_epi64
#define XS4_MUL _mm256_mul_epu32
#define XS4_SET1(x) _mm256_set1_epi64x((long long)(x))
#define XS4_UNROLL _Pragma("GCC unroll 17")

/* r = a b / 2^261 (sqr: a^2; b unused) for limbs of a, b < 2^32 (2^31 for sqr): product
 * scanning with the Montgomery steps folded in (column k completes limb k; columns 0..8 are
 * cleared by m_k, columns 9..16 are the output limbs), so that the only serial chain is the
 * carry. Output limbs 0..7 < 2^29, value < ab / 2^261 + p. r may alias a or b (column k >= 9
 * reads limbs >= k - 8 only, and writes limb k - 9). */
XS_AVX2_INLINE void xs_fe4_mont(xs_fe4 *r, const xs_fe4 *a, const xs_fe4 *b, int sqr) {
    const __m256i mask = XS4_SET1(XS4_MASK), c17 = XS4_SET1(XS4_C17), zero = _mm256_setzero_si256();
    __m256i m17[9], m19[9], d[9], carry = zero, s, t;
    int k, i;
    if (sqr) {
        XS4_UNROLL
        for (i = 1; i < 9; i++) d[i] = XS4_ADD(a->l[i], a->l[i]);
    }
    XS4_UNROLL
    for (k = 0; k < 17; k++) {
        int lo = k < 9 ? 0 : k - 8, hi = k < 9 ? k : 8;
        if (sqr) {
            s = (k & 1) ? zero : XS4_MUL(a->l[k / 2], a->l[k / 2]);
            XS4_UNROLL
            for (i = lo; i < k - i; i++) s = XS4_ADD(s, XS4_MUL(a->l[i], d[k - i]));
        } else {
            s = XS4_MUL(a->l[lo], b->l[k - lo]);
            XS4_UNROLL
            for (i = lo + 1; i <= hi; i++) s = XS4_ADD(s, XS4_MUL(a->l[i], b->l[k - i]));
        }
        if (k >= 6 && k <= 14) s = XS4_ADD(s, m17[k - 6]);
        if (k >= 8) s = XS4_ADD(s, m19[k - 8]);
        t = XS4_ADD(s, carry);
        if (k < 9) {
            __m256i m = _mm256_and_si256(XS4_SUB(zero, t), mask);   /* t + m = 0 mod 2^29 */
            m17[k] = XS4_MUL(m, c17);
            m19[k] = _mm256_slli_epi64(m, 19);
            carry = _mm256_srli_epi64(XS4_ADD(t, mask), 29);        /* (t + m) / 2^29 */
        } else {
            r->l[k - 9] = _mm256_and_si256(t, mask);
            carry = _mm256_srli_epi64(t, 29);
        }
    }
    r->l[8] = carry;
}

/* Reduces an MDS output o (limbs 0..7 < 2^34 (limb 7 < 2^49), limb 8 < 122 2^19, limbs 0 and 6
 * at least the limbs of P'' (spread p) above what was subtracted): with h = limb 8 >> 19,
 * o = lo + h 2^251 = lo - h (17 2^192 + 1) (mod p); h <= 121 is taken from limbs 0 and 6
 * (where the spread p left room). Then one carry pass (every limb at once). The result is
 * reduced: limbs 0..7 < B + 2^5 (B + 2^4 given the MDS limb bounds), limb 8 < 2^19 + 2^20. */
XS_AVX2_INLINE void xs_fe4_fold_carry(xs_fe4 *o) {
    const __m256i mask = XS4_SET1(XS4_MASK);
    __m256i h = _mm256_srli_epi64(o->l[8], 19), c[8];
    int j;
    o->l[8] = _mm256_and_si256(o->l[8], XS4_SET1(((uint64_t)1 << 19) - 1));
    o->l[0] = XS4_SUB(o->l[0], h);
    o->l[6] = XS4_SUB(o->l[6], XS4_MUL(h, XS4_SET1(XS4_C17)));
    XS4_UNROLL
    for (j = 0; j < 8; j++) c[j] = _mm256_srli_epi64(o->l[j], 29);
    o->l[0] = _mm256_and_si256(o->l[0], mask);
    XS4_UNROLL
    for (j = 1; j < 8; j++) o->l[j] = XS4_ADD(_mm256_and_si256(o->l[j], mask), c[j - 1]);
    o->l[8] = XS4_ADD(o->l[8], c[7]);
}

/* s = MDS(s) + K[step] (c = the S-box output that replaces s[2] in partial rounds, s[j] itself
 * in full rounds), then reduced: o0 = 3a + b + c, o1 = a - b + c, o2 = a + b - 2c. */
XS_AVX2_INLINE void xs_fe4_mds(xs_fe4 s[3], const xs_fe4 *c, int step) {
    const uint64_t (*k)[9] = xs_hades4_k[step];
    int i;
    XS4_UNROLL
    for (i = 0; i < 9; i++) {
        __m256i a = s[0].l[i], b = s[1].l[i], cc = c->l[i], ab = XS4_ADD(a, b);
        s[0].l[i] = XS4_ADD(XS4_ADD(ab, XS4_SET1(k[0][i])), XS4_ADD(XS4_ADD(a, a), cc));
        s[1].l[i] = XS4_SUB(XS4_ADD(XS4_ADD(a, cc), XS4_SET1(k[1][i])), b);
        s[2].l[i] = XS4_SUB(XS4_ADD(ab, XS4_SET1(k[2][i])), XS4_ADD(cc, cc));
    }
    XS4_UNROLL
    for (i = 0; i < 3; i++) xs_fe4_fold_carry(&s[i]);
}

XS_AVX2_INLINE void xs_fe4_cube(xs_fe4 *r, const xs_fe4 *x) {
    xs_fe4 t;
    xs_fe4_mont(&t, x, x, 1);
    xs_fe4_mont(r, &t, x, 0);
}

/* Reduced element -> canonical R form of each lane (exact carries, + k p with k = -v mod 32,
 * exact carries, / 32: < 33p/32 < 2p, then one conditional subtraction). */
XS_AVX2_INLINE void xs_fe4_store(xs_fe s[4][3], int j, const xs_fe4 *x) {
    const __m256i mask = XS4_SET1(XS4_MASK);
    __m256i l[9], k;
    uint64_t out[9][4];
    int i, pass, lane;
    for (i = 0; i < 9; i++) l[i] = x->l[i];
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < 8; i++) {
            l[i + 1] = XS4_ADD(l[i + 1], _mm256_srli_epi64(l[i], 29));
            l[i] = _mm256_and_si256(l[i], mask);
        }
        if (pass) break;
        k = _mm256_and_si256(XS4_SUB(_mm256_setzero_si256(), l[0]), XS4_SET1(31));
        l[0] = XS4_ADD(l[0], k);
        l[6] = XS4_ADD(l[6], XS4_MUL(k, XS4_SET1(XS4_C17)));
        l[8] = XS4_ADD(l[8], _mm256_slli_epi64(k, 19));
    }
    for (i = 0; i < 9; i++) _mm256_storeu_si256((__m256i *)out[i], l[i]);
    for (lane = 0; lane < 4; lane++) {
        uint64_t v[9];
        xs_fe t;
        for (i = 0; i < 9; i++) v[i] = out[i][lane];
        xs_fe4_limbs_to_fe(&t, v);
        xs_fe_reduce_once(s[lane][j].n, t.n);
    }
}

/* xs_hades4 on AVX2: s[k] (Montgomery form, reduced) is permuted in lane k. */
static __attribute__((target("avx2"), noinline)) void xs_hades4_avx2(xs_fe s[4][3]) {
    xs_fe4 st[3], c[3];
    int j, r, lane, i, step = 0;
    for (j = 0; j < 3; j++) {
        uint64_t in[9][4];
        for (lane = 0; lane < 4; lane++) {
            uint64_t v[9];
            xs_fe4_limbs_from_fe(v, &s[lane][j], 5);
            for (i = 0; i < 9; i++) in[i][lane] = v[i];
        }
        for (i = 0; i < 9; i++)
            st[j].l[i] = XS4_ADD(_mm256_loadu_si256((const __m256i *)in[i]),
                                 XS4_SET1(xs_hades4_k[0][j][i]));
        xs_fe4_fold_carry(&st[j]);
    }
    for (r = 0; r < XS_POSEIDON_FULL_ROUNDS / 2; r++) {
        for (j = 0; j < 3; j++) xs_fe4_cube(&c[j], &st[j]);
        st[0] = c[0]; st[1] = c[1];
        xs_fe4_mds(st, &c[2], ++step);
    }
    for (r = 0; r < XS_POSEIDON_PARTIAL_ROUNDS; r++) {
        xs_fe4_cube(&c[2], &st[2]);
        xs_fe4_mds(st, &c[2], ++step);
    }
    for (r = 0; r < XS_POSEIDON_FULL_ROUNDS / 2; r++) {
        for (j = 0; j < 3; j++) xs_fe4_cube(&c[j], &st[j]);
        st[0] = c[0]; st[1] = c[1];
        xs_fe4_mds(st, &c[2], ++step);
    }
    for (j = 0; j < 3; j++) xs_fe4_store(s, j, &st[j]);
}

#endif /* XS_POSEIDON_AVX2_IMPL_H */
