/* felt_impl.h — F_p arithmetic. p = 1 + P3*2^192 with P3 = 0x0800000000000011, so
 * -p^-1 mod 2^64 = -1 and Montgomery reduction needs one 64x64 product per limb (only limb 0
 * and limb 3 of p are nonzero). For a*b < 2^256*p the reduced value is < 2p, and one
 * conditional subtraction (by mask, constant time) gives the canonical result.
 */
#ifndef XS_FELT_IMPL_H
#define XS_FELT_IMPL_H

#include "felt.h"
#include "consts.h"
#include "cpu.h"

#define XS_P3 0x0800000000000011ULL

#if XS_HAVE_INT128
/* Shared by the asm and __int128 implementations (the portable one has its own). */
typedef __int128 xs_i128;

/* r = t mod p for t < 2p. t - p has |value| < 2^252, so bit 255 of its top limb is its sign. */
XS_INLINE void xs_fe_reduce_once(uint64_t r[4], const uint64_t t[4]) {
    xs_i128 d;
    uint64_t s0, s1, s2, s3, mask;
    d = (xs_i128)t[0] - 1;          s0 = (uint64_t)d; d >>= 64;
    d += t[1];                      s1 = (uint64_t)d; d >>= 64;
    d += t[2];                      s2 = (uint64_t)d; d >>= 64;
    d += (xs_i128)t[3] - XS_P3;     s3 = (uint64_t)d;
    mask = (uint64_t)((int64_t)s3 >> 63);  /* all-ones if t < p: keep t */
    r[0] = (t[0] & mask) | (s0 & ~mask);
    r[1] = (t[1] & mask) | (s1 & ~mask);
    r[2] = (t[2] & mask) | (s2 & ~mask);
    r[3] = (t[3] & mask) | (s3 & ~mask);
}

/* Montgomery reduction of a 512-bit t (t < 2^256 p) into r < p. */
XS_INLINE void xs_fe_redc(uint64_t r[4], uint64_t t[8]) {
    int i;
    for (i = 0; i < 4; i++) {
        uint64_t m = 0 - t[i];
        xs_u128 c = (xs_u128)t[i + 1] + (t[i] != 0);   t[i + 1] = (uint64_t)c; c >>= 64;
        c += t[i + 2];                                 t[i + 2] = (uint64_t)c; c >>= 64;
        c += (xs_u128)m * XS_P3 + t[i + 3];            t[i + 3] = (uint64_t)c; c >>= 64;
        c += t[i + 4];                                 t[i + 4] = (uint64_t)c; c >>= 64;
        if (i + 5 < 8) { c += t[i + 5]; t[i + 5] = (uint64_t)c; c >>= 64; }
        if (i + 6 < 8) { c += t[i + 6]; t[i + 6] = (uint64_t)c; c >>= 64; }
        if (i + 7 < 8) { c += t[i + 7]; t[i + 7] = (uint64_t)c; }
    }
    xs_fe_reduce_once(r, t + 4);
}
#endif

/* The field implementation, chosen here only (XS_FE_ASM: cpu.h): each file defines xs_fe_mul,
 * xs_fe_sqr, xs_fe_add, xs_fe_sub and xs_fe_detect_cpu (the portable one also
 * xs_fe_reduce_once and xs_fe_redc). */
#if XS_FE_ASM
#  include "felt_asm_impl.h"
#elif XS_HAVE_INT128
#  include "felt_int128_impl.h"
#else
#  include "felt_portable_impl.h"
#endif

static void xs_fe_neg(xs_fe *r, const xs_fe *a) {
    xs_fe z = {{0, 0, 0, 0}};
    xs_fe_sub(r, &z, a);
}

static int xs_fe_is_zero(const xs_fe *a) {
    return (int)(1 - xs_nonzero64(a->n[0] | a->n[1] | a->n[2] | a->n[3]));
}

static int xs_fe_equal(const xs_fe *a, const xs_fe *b) {
    return (int)(1 - xs_nonzero64((a->n[0] ^ b->n[0]) | (a->n[1] ^ b->n[1]) |
                                  (a->n[2] ^ b->n[2]) | (a->n[3] ^ b->n[3])));
}

XS_INLINE void xs_fe_sqr_n(xs_fe *r, const xs_fe *a, int n) {
    int i;
    xs_fe_sqr(r, a);
    for (i = 1; i < n; i++) xs_fe_sqr(r, r);
}

/* p - 2 = 2^251 + 2^196 + (2^192 - 1): top part left-to-right, then 12 windows of sixteen 1s. */
static void xs_fe_inv(xs_fe *r, const xs_fe *a) {
    xs_fe a2, a4, a8, a16, t;
    int i;
    xs_fe_sqr(&t, a); xs_fe_mul(&a2, &t, a);            /* a^(2^2-1) */
    xs_fe_sqr_n(&t, &a2, 2); xs_fe_mul(&a4, &t, &a2);   /* a^(2^4-1) */
    xs_fe_sqr_n(&t, &a4, 4); xs_fe_mul(&a8, &t, &a4);
    xs_fe_sqr_n(&t, &a8, 8); xs_fe_mul(&a16, &t, &a8);
    xs_fe_sqr_n(&t, a, 55); xs_fe_mul(&t, &t, a);       /* a^(2^55+1) */
    xs_fe_sqr_n(&t, &t, 4);                             /* a^(2^59+2^4) */
    for (i = 0; i < 12; i++) {
        xs_fe_sqr_n(&t, &t, 16);
        xs_fe_mul(&t, &t, &a16);
    }
    *r = t;
    xs_memclear(&a2, sizeof a2); xs_memclear(&a4, sizeof a4);
    xs_memclear(&a8, sizeof a8); xs_memclear(&a16, sizeof a16); xs_memclear(&t, sizeof t);
}

/* Euler: a^((p-1)/2), (p-1)/2 = 2^250 + 2^195 + 2^191. */
static int xs_fe_is_square_var(const xs_fe *a) {
    xs_fe t, one;
    xs_fe_sqr_n(&t, a, 55); xs_fe_mul(&t, &t, a);   /* a^(2^55+1) */
    xs_fe_sqr_n(&t, &t, 4); xs_fe_mul(&t, &t, a);   /* a^(2^59+2^4+1) */
    xs_fe_sqr_n(&t, &t, 191);
    memcpy(one.n, XS_FE_ONE_M, sizeof one.n);
    return xs_fe_equal(&t, &one);
}

static void xs_fe_from_be32(xs_fe *r, const unsigned char *b32) {
    xs_fe t, r2;
    xs_limbs_from_be32(t.n, b32);
    memcpy(r2.n, XS_P_R2, sizeof r2.n);
    xs_fe_mul(r, &t, &r2);
}

static void xs_fe_to_be32(unsigned char *b32, const xs_fe *a) {
    uint64_t t[8] = {a->n[0], a->n[1], a->n[2], a->n[3], 0, 0, 0, 0};
    uint64_t r[4];
    xs_fe_redc(r, t);
    xs_limbs_to_be32(b32, r);
}

#endif /* XS_FELT_IMPL_H */
