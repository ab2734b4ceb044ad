/* ecdsa_impl.h — STARK ECDSA.
 * Signing (cairo-lang signature.py `sign`, @scure/starknet `sign`):
 *   R = k*G, r = R.x (no reduction mod n), s = k^-1 (z + r*d) mod n; require 1 <= r < 2^251,
 *   s != 0 and 1 <= w = s^-1 < 2^251.
 * Verification (cairo-lang `verify` with an x-only key): accept iff x(u1*G + u2*Q) == r for
 * Q = (x, y) or (x, -y), u1 = z*w, u2 = r*w. We never compute y: with t = x^3 + x + beta,
 * Q' = (t*x, t^2) lies on E_t: Y^2 = X^3 + t^2*X + beta*t^3, which is isomorphic to E over
 * F_p(sqrt t) by (X, Y) -> (X/t, Y*sqrt(t)/t^2). We compute B' = u2*Q' on E_t, map back
 * x_B = X'/t and y_B = beta_B*sqrt(t) with beta_B = Y'/t^2, and test both signs at once:
 * with A = u1*G, D = x_B - x_A, L = (r + x_A + x_B)*D^2 - t*beta_B^2 - y_A^2 and
 * M = -2*y_A*beta_B,  r in {x(A+B), x(A-B)}  <=>  L^2 == M^2 * t  (M != 0).
 * If t is not a square, L^2 == M^2 t has no solution with M != 0, so invalid keys are rejected
 * without a separate test; the degenerate cases (A = O, D = 0, beta_B = 0) are handled
 * explicitly. This saves the square root (p - 1 has 2-adicity 192: Tonelli-Shanks is slow).
 */
#ifndef XS_ECDSA_IMPL_H
#define XS_ECDSA_IMPL_H

#include "ecdsa.h"

#ifdef XS_CTIME_TEST
#  include <valgrind/memcheck.h>
#  define XS_DECLASSIFY(p, len) VALGRIND_MAKE_MEM_DEFINED((p), (len))
#else
#  define XS_DECLASSIFY(p, len) do { (void)(p); (void)(len); } while (0)
#endif

/* x(k*G) as plain limbs; constant time. k plain, 1 <= k < n. */
static void xs_ecmult_gen_x(uint64_t x[4], const xs_scalar *k) {
    xs_gep R;
    xs_fe zi;
    unsigned char b[32];
    xs_ecmult_gen_const(&R, k);
    xs_fe_inv(&zi, &R.z);
    xs_fe_mul(&R.x, &R.x, &zi);
    xs_fe_to_be32(b, &R.x);
    xs_limbs_from_be32(x, b);
    xs_memclear(&R, sizeof R); xs_memclear(&zi, sizeof zi); xs_memclear(b, sizeof b);
}

static void xs_ecdsa_pubkey(unsigned char *out32, const unsigned char *d32) {
    xs_scalar d;
    uint64_t x[4];
    xs_limbs_from_be32(d.n, d32);
    xs_ecmult_gen_x(x, &d);
    xs_limbs_to_be32(out32, x);
    xs_memclear(&d, sizeof d); xs_memclear(x, sizeof x);
}

/* One signing attempt with nonce k (plain, 1 <= k < n). Returns 1 if usable. */
static int xs_ecdsa_sign_k(unsigned char *r32, unsigned char *s32, const xs_scalar *z,
                           const xs_scalar *d, const xs_scalar *k) {
    xs_scalar r, rm, dm, zm, km, u, s, sm, w;
    int ok_r, ok_s, ok_w;
    xs_ecmult_gen_x(r.n, k);
    ok_r = (1 - xs_scalar_is_zero(&r)) & xs_scalar_lt_2_251(&r);
    XS_DECLASSIFY(&ok_r, sizeof ok_r);
    XS_DECLASSIFY(&r, sizeof r);            /* r is public (it is output) */
    if (!ok_r) return 0;
    xs_scalar_to_mont(&rm, &r);
    xs_scalar_to_mont(&dm, d);
    xs_scalar_to_mont(&zm, z);
    xs_scalar_mont_mul(&u, &rm, &dm);
    xs_scalar_add(&u, &u, &zm);             /* u = z + r*d (Montgomery) */
    /* One constant-time inversion for both k^-1 and u^-1 (Montgomery's trick):
     * iv = (k*u)^-1, s = k^-1 * u = u^2 * iv, w = s^-1 = k * u^-1 = k^2 * iv. */
    xs_scalar_to_mont(&km, k);
    xs_scalar_mont_mul(&w, &km, &u);
    xs_scalar_mont_inv(&w, &w);             /* (k*u)^-1; 0 if u == 0 */
    xs_scalar_mont_mul(&sm, &u, &u);
    xs_scalar_mont_mul(&sm, &sm, &w);       /* s = u / k */
    xs_scalar_mont_mul(&km, &km, &km);
    xs_scalar_mont_mul(&w, &km, &w);        /* w = k / u */
    xs_scalar_from_mont(&s, &sm);
    xs_scalar_from_mont(&w, &w);
    XS_DECLASSIFY(&s, sizeof s);            /* s and w = s^-1 are public (s is output) */
    XS_DECLASSIFY(&w, sizeof w);
    ok_s = 1 - xs_scalar_is_zero(&s);
    ok_w = (1 - xs_scalar_is_zero(&w)) & xs_scalar_lt_2_251(&w);
    xs_memclear(&dm, sizeof dm); xs_memclear(&km, sizeof km); xs_memclear(&u, sizeof u);
    xs_memclear(&sm, sizeof sm);
    if (!(ok_s & ok_w)) return 0;
    xs_limbs_to_be32(r32, r.n);
    xs_limbs_to_be32(s32, s.n);
    return 1;
}

/* T (32 bytes) -> k, variant S (shift only when T[0] != 0) or R (always shift). CT. */
static void xs_bits2int(xs_scalar *k, const unsigned char *t32, int variant_s) {
    uint64_t t[4], sh[4], mask;
    int i;
    xs_limbs_from_be32(t, t32);
    for (i = 0; i < 3; i++) sh[i] = (t[i] >> 4) | (t[i + 1] << 60);
    sh[3] = t[3] >> 4;
    mask = variant_s ? 0 - xs_nonzero64(t32[0]) : ~(uint64_t)0;
    for (i = 0; i < 4; i++) k->n[i] = (sh[i] & mask) | (t[i] & ~mask);
    xs_memclear(t, sizeof t); xs_memclear(sh, sizeof sh);
}

static int xs_ecdsa_sign_loop(unsigned char *r32, unsigned char *s32, const unsigned char *z32,
                              const unsigned char *d32, const unsigned char *extra,
                              size_t extra_len, int variant_s) {
    xs_rfc6979 g;
    xs_scalar z, d, k;
    unsigned char t[32];
    int ok = 0;
    xs_limbs_from_be32(z.n, z32);
    xs_limbs_from_be32(d.n, d32);
    xs_rfc6979_init(&g, d32, z32, extra, extra_len);
    for (;;) {
        int kvalid;
        xs_rfc6979_generate(&g, t);
        xs_bits2int(&k, t, variant_s);
        kvalid = (1 - xs_scalar_is_zero(&k)) & xs_scalar_lt_n(&k);
        XS_DECLASSIFY(&kvalid, sizeof kvalid);
        if (kvalid) {
            ok = xs_ecdsa_sign_k(r32, s32, &z, &d, &k);
            if (ok || !variant_s) break;    /* variant R: caller retries with seed + 1 */
        }
        xs_rfc6979_reseed(&g);
    }
    xs_memclear(&g, sizeof g); xs_memclear(&d, sizeof d); xs_memclear(&k, sizeof k);
    xs_memclear(t, sizeof t);
    return ok;
}

static void xs_ecdsa_sign_s(unsigned char *r32, unsigned char *s32, const unsigned char *z32,
                            const unsigned char *d32) {
    (void)xs_ecdsa_sign_loop(r32, s32, z32, d32, NULL, 0, 1);
}

static int xs_ecdsa_sign_r(unsigned char *r32, unsigned char *s32, const unsigned char *z32,
                           const unsigned char *d32, const unsigned char *extra, size_t extra_len) {
    return xs_ecdsa_sign_loop(r32, s32, z32, d32, extra, extra_len, 0);
}

static int xs_ecdsa_verify_var(const unsigned char *z32, const unsigned char *r32,
                               const unsigned char *s32, const unsigned char *pub32) {
    xs_scalar z, r, s, w, u1, u2;
    xs_fe x, t, t2, qx, beta, rf, prod, inv, za_inv, tzb_inv, zb_inv, t_inv, tmp;
    xs_fe xa, ya, xb, bb, d, l, m;
    xs_gej A, B;
    xs_limbs_from_be32(z.n, z32);
    xs_limbs_from_be32(r.n, r32);
    xs_limbs_from_be32(s.n, s32);
    xs_scalar_to_mont(&s, &s);
    xs_scalar_mont_inv(&w, &s);                       /* Montgomery w */
    xs_scalar_from_mont(&s, &w);                      /* plain w (reuse s) */
    if (xs_scalar_is_zero(&s) || !xs_scalar_lt_2_251(&s)) return 0;
    xs_scalar_mont_mul(&u1, &z, &w);                  /* plain * mont = plain product */
    xs_scalar_mont_mul(&u2, &r, &w);
    xs_ecmult_gen_var(&A, &u1);
    /* t = x^3 + x + beta; Q' = (t*x, t^2) on E_t with a = t^2 */
    xs_fe_from_be32(&x, pub32);
    xs_fe_set_limbs(&beta, XS_FE_BETA_M);
    xs_fe_sqr(&t, &x); xs_fe_mul(&t, &t, &x); xs_fe_add(&t, &t, &x); xs_fe_add(&t, &t, &beta);
    XS_VERIFY_CHECK(!xs_fe_is_zero(&t));   /* E has odd order: no 2-torsion */
    xs_fe_sqr(&t2, &t);
    xs_fe_mul(&qx, &t, &x);
    xs_ecmult_var(&B, &qx, &t2, &u2, &t2);
    if (B.inf) return 0;
    xs_fe_from_be32(&rf, r32);
    /* one inversion for Z_A, t*Z_B */
    xs_fe_mul(&tmp, &t, &B.z);                        /* t*Z_B */
    if (!A.inf) xs_fe_mul(&prod, &A.z, &tmp); else prod = tmp;
    xs_fe_inv(&inv, &prod);
    if (!A.inf) { xs_fe_mul(&za_inv, &inv, &tmp); xs_fe_mul(&tzb_inv, &inv, &A.z); }
    else tzb_inv = inv;
    xs_fe_mul(&zb_inv, &tzb_inv, &t);                 /* 1/Z_B */
    xs_fe_mul(&t_inv, &tzb_inv, &B.z);                /* 1/t */
    xs_fe_sqr(&tmp, &zb_inv);
    xs_fe_mul(&xb, &B.x, &tmp); xs_fe_mul(&xb, &xb, &t_inv);            /* x_B */
    xs_fe_mul(&tmp, &tmp, &zb_inv); xs_fe_mul(&bb, &B.y, &tmp);
    xs_fe_sqr(&tmp, &t_inv); xs_fe_mul(&bb, &bb, &tmp);                 /* beta_B */
    if (A.inf)  /* u1 = 0: R = +-B */
        return xs_fe_equal(&xb, &rf) && xs_fe_is_square_var(&t);
    xs_fe_sqr(&tmp, &za_inv);
    xs_fe_mul(&xa, &A.x, &tmp);
    xs_fe_mul(&tmp, &tmp, &za_inv);
    xs_fe_mul(&ya, &A.y, &tmp);
    if (xs_fe_is_zero(&bb)) return 0;  /* B' 2-torsion on E_t: only possible if t is a non-square */
    xs_fe_sub(&d, &xb, &xa);
    if (xs_fe_is_zero(&d)) {
        /* B = +-A (t is then a square): A+B, A-B are {2A, O}; compare x(2A). */
        xs_gej A2;
        xs_fe zi;
        xs_gej_dbl_var(&A2, &A, NULL);
        if (A2.inf) return 0;
        xs_fe_inv(&zi, &A2.z); xs_fe_sqr(&zi, &zi); xs_fe_mul(&tmp, &A2.x, &zi);
        return xs_fe_equal(&tmp, &rf);
    }
    /* L = (r + xa + xb) D^2 - t bb^2 - ya^2 ; M = -2 ya bb ; test L^2 == M^2 t */
    xs_fe_add(&l, &rf, &xa); xs_fe_add(&l, &l, &xb);
    xs_fe_sqr(&tmp, &d); xs_fe_mul(&l, &l, &tmp);
    xs_fe_sqr(&tmp, &bb); xs_fe_mul(&tmp, &tmp, &t); xs_fe_sub(&l, &l, &tmp);
    xs_fe_sqr(&tmp, &ya); xs_fe_sub(&l, &l, &tmp);
    xs_fe_mul(&m, &ya, &bb); xs_fe_add(&m, &m, &m);   /* sign irrelevant: squared */
    xs_fe_sqr(&l, &l);
    xs_fe_sqr(&m, &m); xs_fe_mul(&m, &m, &t);
    return xs_fe_equal(&l, &m);
}

#endif /* XS_ECDSA_IMPL_H */
