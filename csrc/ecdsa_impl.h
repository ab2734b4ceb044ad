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

/* Next candidate of the DRBG that is a valid nonce (1 <= k < n); reseeds after each rejected
 * candidate. Only the declassified "candidate is valid" bit steers the loop. */
static void xs_rfc6979_next_k(xs_rfc6979 *g, xs_scalar *k, int variant_s) {
    unsigned char t[32];
    for (;;) {
        int kvalid;
        xs_rfc6979_generate(g, t);
        xs_bits2int(k, t, variant_s);
        kvalid = (1 - xs_scalar_is_zero(k)) & xs_scalar_lt_n(k);
        XS_DECLASSIFY(&kvalid, sizeof kvalid);
        if (kvalid) break;
        xs_rfc6979_reseed(g);
    }
    xs_memclear(t, sizeof t);
}

static int xs_ecdsa_sign_loop(unsigned char *r32, unsigned char *s32, const unsigned char *z32,
                              const unsigned char *d32, const unsigned char *extra,
                              size_t extra_len, int variant_s) {
    xs_rfc6979 g;
    xs_scalar z, d, k;
    int ok;
    xs_limbs_from_be32(z.n, z32);
    xs_limbs_from_be32(d.n, d32);
    xs_rfc6979_init(&g, d32, z32, extra, extra_len);
    for (;;) {
        xs_rfc6979_next_k(&g, &k, variant_s);
        ok = xs_ecdsa_sign_k(r32, s32, &z, &d, &k);
        if (ok || !variant_s) break;        /* variant R: caller retries with seed + 1 */
        xs_rfc6979_reseed(&g);
    }
    xs_memclear(&g, sizeof g); xs_memclear(&d, sizeof d); xs_memclear(&k, sizeof k);
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

/* Montgomery's trick: out[i] = a[i]^-1 for i < m (m >= 1, every a[i] != 0) with one inversion
 * and 3(m-1) multiplications; only multiplications, so constant time. pre: m scratch values.
 * out may alias a. */
static void xs_fe_inv_all(xs_fe *out, const xs_fe *a, size_t m, xs_fe *pre) {
    xs_fe inv, t;
    size_t i;
    pre[0] = a[0];
    for (i = 1; i < m; i++) xs_fe_mul(&pre[i], &pre[i - 1], &a[i]);
    xs_fe_inv(&inv, &pre[m - 1]);
    for (i = m - 1; i > 0; i--) {
        xs_fe_mul(&t, &inv, &pre[i - 1]);   /* a[i]^-1 */
        xs_fe_mul(&inv, &inv, &a[i]);       /* (a[0]..a[i-1])^-1 */
        out[i] = t;
    }
    out[0] = inv;
    xs_memclear(&inv, sizeof inv); xs_memclear(&t, sizeof t);
}

/* Same for Montgomery scalars mod n. */
static void xs_scalar_mont_inv_all(xs_scalar *out, const xs_scalar *a, size_t m, xs_scalar *pre) {
    xs_scalar inv, t;
    size_t i;
    pre[0] = a[0];
    for (i = 1; i < m; i++) xs_scalar_mont_mul(&pre[i], &pre[i - 1], &a[i]);
    xs_scalar_mont_inv(&inv, &pre[m - 1]);
    for (i = m - 1; i > 0; i--) {
        xs_scalar_mont_mul(&t, &inv, &pre[i - 1]);
        xs_scalar_mont_mul(&inv, &inv, &a[i]);
        out[i] = t;
    }
    out[0] = inv;
    xs_memclear(&inv, sizeof inv); xs_memclear(&t, sizeof t);
}

/* Variant S signatures of m <= XS_SIGN_CHUNK hashes with one key, bit-identical to
 * xs_ecdsa_sign_s per item: per item the DRBG nonce and k*G (constant time), then one field
 * inversion for all x(R) and one scalar inversion for all k*u (u = z + r*d; s = u/k, w = k/u
 * as in xs_ecdsa_sign_k). A zero Z or k*u (impossible for Z; u == 0 has probability ~2^-251)
 * is replaced by 1 with a cmov to keep the products invertible; such an item, and any item
 * whose declassified r, s or w is out of range, is redone by xs_ecdsa_sign_s. */
#define XS_SIGN_CHUNK 32
static void xs_ecdsa_sign_chunk_s(unsigned char *sigs, const unsigned char *msgs, size_t m,
                                  const unsigned char *d32) {
    xs_rfc6979 g;
    xs_gep R[XS_SIGN_CHUNK];
    xs_fe zi[XS_SIGN_CHUNK], fpre[XS_SIGN_CHUNK], one_f, x;
    xs_scalar k[XS_SIGN_CHUNK], u[XS_SIGN_CHUNK], ku[XS_SIGN_CHUNK], spre[XS_SIGN_CHUNK];
    xs_scalar d, dm, r, zm, sm, w, one_s = {{1, 0, 0, 0}};
    unsigned char b[32];
    int okr[XS_SIGN_CHUNK];
    size_t i;
    if (m == 0 || m > XS_SIGN_CHUNK) return;  /* callers pass 1..XS_SIGN_CHUNK items */
    xs_limbs_from_be32(d.n, d32);
    xs_scalar_to_mont(&dm, &d);
    xs_scalar_to_mont(&one_s, &one_s);
    xs_fe_set_limbs(&one_f, XS_FE_ONE_M);
    for (i = 0; i < m; i++) {
        xs_rfc6979_init(&g, d32, msgs + 32 * i, NULL, 0);
        xs_rfc6979_next_k(&g, &k[i], 1);
    }
    for (i = 0; i + 1 < m; i += 2) xs_ecmult_gen_const2(&R[i], &k[i]);
    if (m & 1) xs_ecmult_gen_const(&R[m - 1], &k[m - 1]);
    for (i = 0; i < m; i++) {
        zi[i] = R[i].z;
        xs_cmov64(zi[i].n, one_f.n, 4, 0 - (uint64_t)xs_fe_is_zero(&zi[i]));
    }
    xs_fe_inv_all(zi, zi, m, fpre);
    for (i = 0; i < m; i++) {
        xs_fe_mul(&x, &R[i].x, &zi[i]);
        xs_fe_to_be32(b, &x);
        xs_limbs_from_be32(r.n, b);
        okr[i] = (1 - xs_scalar_is_zero(&r)) & xs_scalar_lt_2_251(&r);
        XS_DECLASSIFY(&okr[i], sizeof okr[i]);
        XS_DECLASSIFY(&r, sizeof r);        /* r is public (it is output) */
        memcpy(sigs + 64 * i, b, 32);
        if (!okr[i]) memset(&r, 0, sizeof r);  /* redone below; keep the arithmetic < n */
        xs_scalar_to_mont(&r, &r);
        xs_limbs_from_be32(zm.n, msgs + 32 * i);
        xs_scalar_to_mont(&zm, &zm);
        xs_scalar_mont_mul(&u[i], &r, &dm);
        xs_scalar_add(&u[i], &u[i], &zm);   /* u = z + r*d (Montgomery) */
        xs_scalar_to_mont(&k[i], &k[i]);
        xs_scalar_mont_mul(&ku[i], &k[i], &u[i]);
        xs_cmov64(ku[i].n, one_s.n, 4, 0 - (uint64_t)xs_scalar_is_zero(&ku[i]));
    }
    xs_scalar_mont_inv_all(ku, ku, m, spre);
    for (i = 0; i < m; i++) {
        int ok;
        xs_scalar_mont_mul(&sm, &u[i], &u[i]);
        xs_scalar_mont_mul(&sm, &sm, &ku[i]);     /* s = u / k */
        xs_scalar_mont_mul(&w, &k[i], &k[i]);
        xs_scalar_mont_mul(&w, &w, &ku[i]);       /* w = k / u */
        xs_scalar_from_mont(&sm, &sm);
        xs_scalar_from_mont(&w, &w);
        XS_DECLASSIFY(&sm, sizeof sm);            /* s and w = s^-1 are public */
        XS_DECLASSIFY(&w, sizeof w);
        ok = okr[i] & (1 - xs_scalar_is_zero(&sm)) & (1 - xs_scalar_is_zero(&w))
             & xs_scalar_lt_2_251(&w);
        if (ok) xs_limbs_to_be32(sigs + 64 * i + 32, sm.n);
        else xs_ecdsa_sign_s(sigs + 64 * i, sigs + 64 * i + 32, msgs + 32 * i, d32);
    }
    xs_memclear(&g, sizeof g); xs_memclear(R, sizeof R); xs_memclear(zi, sizeof zi);
    xs_memclear(fpre, sizeof fpre); xs_memclear(&x, sizeof x); xs_memclear(k, sizeof k);
    xs_memclear(u, sizeof u); xs_memclear(ku, sizeof ku); xs_memclear(spre, sizeof spre);
    xs_memclear(&d, sizeof d); xs_memclear(&dm, sizeof dm); xs_memclear(&sm, sizeof sm);
    xs_memclear(&w, sizeof w); xs_memclear(&zm, sizeof zm); xs_memclear(b, sizeof b);
}

static void xs_ecdsa_sign_batch_s(unsigned char *sigs, const unsigned char *msgs, size_t n,
                                  const unsigned char *d32) {
    size_t base, m;
    for (base = 0; base < n; base += m) {
        m = n - base < XS_SIGN_CHUNK ? n - base : XS_SIGN_CHUNK;
        xs_ecdsa_sign_chunk_s(sigs + 64 * base, msgs + 32 * base, m, d32);
    }
}

/* Verification state between the two stages of xs_ecdsa_verify_var (see below). */
typedef struct { xs_fe t, rf, tzb, prod; xs_gej A, B; } xs_verify_ctx;

/* u1 = z*w and u2 = r*w (plain) given wm = s^-1 (Montgomery; 0 if s == 0 mod n). Returns 0 when
 * w is out of range (cairo-lang: 1 <= w < 2^251), else 1. */
static int xs_ecdsa_verify_scalars_var(xs_scalar *u1, xs_scalar *u2, const unsigned char *z32,
                                       const unsigned char *r32, const xs_scalar *wm) {
    xs_scalar z, r, w;
    xs_limbs_from_be32(z.n, z32);
    xs_limbs_from_be32(r.n, r32);
    xs_scalar_from_mont(&w, wm);                      /* plain w */
    if (xs_scalar_is_zero(&w) || !xs_scalar_lt_2_251(&w)) return 0;
    xs_scalar_mont_mul(u1, &z, wm);                   /* plain * mont = plain product */
    xs_scalar_mont_mul(u2, &r, wm);
    return 1;
}

/* End of stage 1, with c->A, c->B and c->t set: the product prod = Z_A * t * Z_B to invert. */
static int xs_ecdsa_verify_product_var(xs_verify_ctx *c, const unsigned char *r32) {
    if (c->B.inf) return 0;
    xs_fe_from_be32(&c->rf, r32);
    /* one inversion for Z_A, t*Z_B */
    xs_fe_mul(&c->tzb, &c->t, &c->B.z);               /* t*Z_B */
    if (!c->A.inf) xs_fe_mul(&c->prod, &c->A.z, &c->tzb); else c->prod = c->tzb;
    return -1;
}

/* t = x^3 + x + beta for the stark key x. */
static void xs_ecdsa_key_t(xs_fe *t, const xs_fe *x) {
    xs_fe beta;
    xs_fe_set_limbs(&beta, XS_FE_BETA_M);
    xs_fe_sqr(t, x); xs_fe_mul(t, t, x); xs_fe_add(t, t, x);
    xs_fe_add(t, t, &beta);
    XS_VERIFY_CHECK(!xs_fe_is_zero(t));   /* E has odd order: no 2-torsion */
}

/* Stage 1, given wm = s^-1 (Montgomery; 0 if s == 0 mod n): u1*G, u2*Q' and the product
 * prod = Z_A * t * Z_B to invert. Returns 0 or 1 when decided, -1 when the caller must pass
 * prod^-1 to xs_ecdsa_verify_finish_var. */
static int xs_ecdsa_verify_start_var(xs_verify_ctx *c, const unsigned char *z32,
                                     const unsigned char *r32, const xs_scalar *wm,
                                     const unsigned char *pub32) {
    xs_scalar u1, u2;
    xs_fe x, t2, qx;
    if (!xs_ecdsa_verify_scalars_var(&u1, &u2, z32, r32, wm)) return 0;
    xs_ecmult_gen_var(&c->A, &u1);
    /* t = x^3 + x + beta; Q' = (t*x, t^2) on E_t with a = t^2 */
    xs_fe_from_be32(&x, pub32);
    xs_ecdsa_key_t(&c->t, &x);
    xs_fe_sqr(&t2, &c->t);
    xs_fe_mul(&qx, &c->t, &x);
    xs_ecmult_var(&c->B, &qx, &t2, &u2, &t2);
    return xs_ecdsa_verify_product_var(c, r32);
}

/* ------------------------------------------------------------------ prepared public keys */
/* Byte offset of entry [w][j-1] (j = 1..16) in a prepared table. */
XS_INLINE size_t xs_prep_entry(int w, int j) {
    return ((size_t)w * XS_PREP_PER + (size_t)(j - 1)) * sizeof(xs_ge);
}

/* The table is filled in passes of up to XS_PREP_PASS windows (this bounds the stack): the
 * doublings give 1, 2, 4, 8 and 16 times each window base (Jacobian, one shared inversion), then
 * two rounds of affine sums j = k + l, each round's sums sharing one inversion
 * (xs_ge_add_batch_var) and using only multiples known before the round. */
#define XS_PREP_PASS 26
static const unsigned char xs_prep_sums[11][3] = {   /* {j, k, l}: j*B = k*B + l*B */
    {3, 2, 1}, {5, 4, 1}, {6, 4, 2}, {9, 8, 1}, {10, 8, 2}, {12, 8, 4},
    {7, 6, 1}, {11, 10, 1}, {13, 12, 1}, {14, 12, 2}, {15, 12, 3}};
static const int xs_prep_rounds[3] = {0, 6, 11};     /* round r: sums [rounds[r], rounds[r+1]) */

/* The table of Q' = (px, py) on y^2 = x^3 + a*x + b. Q' has prime order n, so no doubling or
 * sum below meets infinity or two equal points. */
static void xs_prepared_table_var(unsigned char *tab, const xs_fe *px, const xs_fe *py,
                                  const xs_fe *a) {
    xs_gej pw[5 * XS_PREP_PASS], cur;
    xs_ge acc[6 * XS_PREP_PASS], src[6 * XS_PREP_PASS];
    const xs_ge *tp[6 * XS_PREP_PASS];
    unsigned char inf[6 * XS_PREP_PASS];
    int w0, nw, w, i, r, o;
    size_t m;
    cur.x = *px; cur.y = *py; xs_fe_set_limbs(&cur.z, XS_FE_ONE_M); cur.inf = 0;
    for (w0 = 0; w0 < XS_PREP_WIN; w0 += nw) {
        nw = XS_PREP_WIN - w0 < XS_PREP_PASS ? XS_PREP_WIN - w0 : XS_PREP_PASS;
        pw[0] = cur;                                  /* 32^w0 * Q' */
        for (i = 1; i < 5 * nw; i++) xs_gej_dbl_var(&pw[i], &pw[i - 1], a);
        xs_gej_dbl_var(&cur, &pw[5 * nw - 1], a);     /* the next pass's first window base */
        xs_gej_batch_to_ge_var(acc, pw, 5 * nw);
        for (w = 0; w < nw; w++)
            for (i = 0; i < 5; i++)
                memcpy(tab + xs_prep_entry(w0 + w, 1 << i), &acc[5 * w + i], sizeof(xs_ge));
        for (r = 0; r < 2; r++) {
            for (o = xs_prep_rounds[r], m = 0; o < xs_prep_rounds[r + 1]; o++)
                for (w = 0; w < nw; w++, m++) {
                    memcpy(&acc[m], tab + xs_prep_entry(w0 + w, xs_prep_sums[o][1]), sizeof(xs_ge));
                    memcpy(&src[m], tab + xs_prep_entry(w0 + w, xs_prep_sums[o][2]), sizeof(xs_ge));
                    tp[m] = &src[m];
                    inf[m] = 0;
                }
            xs_ge_add_batch_var(acc, inf, tp, m, a);
            for (o = xs_prep_rounds[r], m = 0; o < xs_prep_rounds[r + 1]; o++)
                for (w = 0; w < nw; w++, m++) {
                    XS_VERIFY_CHECK(!inf[m]);
                    memcpy(tab + xs_prep_entry(w0 + w, xs_prep_sums[o][0]), &acc[m], sizeof(xs_ge));
                }
        }
    }
}

/* Signed 5-bit digits of k (plain, < 2^254): k = sum d[w] * 32^w, d[w] in [-15, 16]. */
static void xs_recode_signed5_var(int *d, const xs_scalar *k) {
    int w, carry = 0;
    for (w = 0; w < XS_PREP_WIN; w++) {
        int pos = 5 * w, limb = pos >> 6, sh = pos & 63, v;
        uint64_t bits = k->n[limb] >> sh;
        if (sh > 59 && limb < 3) bits |= k->n[limb + 1] << (64 - sh);
        v = (int)(bits & 31) + carry;
        carry = v > 16;
        d[w] = v - (carry << 5);
    }
    XS_VERIFY_CHECK(carry == 0);
}

/* r = k*Q' from a prepared table (k plain < 2^254; a as for xs_prepared_table_var): one mixed
 * addition per nonzero digit. */
static void xs_ecmult_prepared_var(xs_gej *r, const unsigned char *tab, const xs_scalar *k,
                                   const xs_fe *a) {
    int d[XS_PREP_WIN], w;
    xs_ge t;
    xs_recode_signed5_var(d, k);
    r->inf = 1;
    for (w = 0; w < XS_PREP_WIN; w++) {
        if (!d[w]) continue;
        memcpy(&t, tab + xs_prep_entry(w, d[w] > 0 ? d[w] : -d[w]), sizeof t);
        if (d[w] < 0) xs_fe_neg(&t.y, &t.y);
        xs_gej_add_ge_a_var(r, r, &t, a);
    }
}

static int xs_ecdsa_prepare_var(unsigned char *out, const unsigned char *pub32) {
    xs_fe x, t, t2, qx;
    memset(out, 0, XS_PREPARED_KEY_BYTES);
    memcpy(out, XS_PREP_MAGIC, 8);
    memcpy(out + XS_PREP_PUB, pub32, 32);
    xs_fe_from_be32(&x, pub32);
    xs_ecdsa_key_t(&t, &x);
    /* t not a square: x is not on the curve and every verification fails (see the top) */
    if (!xs_fe_is_square_var(&t)) return 0;
    out[XS_PREP_VALID] = 1;
    memcpy(out + XS_PREP_T, &t, sizeof t);
    xs_fe_sqr(&t2, &t);
    xs_fe_mul(&qx, &t, &x);
    xs_prepared_table_var(out + XS_PREP_TABLE, &qx, &t2, &t2);
    return 1;
}

/* Stage 1 of xs_ecdsa_verify_start_var with a prepared key. Keys off the curve give 0, as the
 * plain path does (it reaches the same verdict through L^2 != M^2 t, see the top). */
static int xs_ecdsa_verify_start_prepared_var(xs_verify_ctx *c, const unsigned char *z32,
                                              const unsigned char *r32, const xs_scalar *wm,
                                              const unsigned char *prepared) {
    xs_scalar u1, u2;
    xs_fe t2;
    if (!xs_ecdsa_verify_scalars_var(&u1, &u2, z32, r32, wm)) return 0;
    if (prepared[XS_PREP_VALID] != 1 || memcmp(prepared, XS_PREP_MAGIC, 8) != 0) return 0;
    xs_ecmult_gen_var(&c->A, &u1);
    memcpy(&c->t, prepared + XS_PREP_T, sizeof c->t);
    xs_fe_sqr(&t2, &c->t);
    xs_ecmult_prepared_var(&c->B, prepared + XS_PREP_TABLE, &u2, &t2);
    return xs_ecdsa_verify_product_var(c, r32);
}

/* Stage 2, given inv = prod^-1. */
static int xs_ecdsa_verify_finish_var(xs_verify_ctx *c, const xs_fe *inv) {
    xs_fe za_inv, tzb_inv, zb_inv, t_inv, tmp, xa, ya, xb, bb, d, l, m;
    const xs_fe *t = &c->t, *rf = &c->rf;
    const xs_gej *A = &c->A, *B = &c->B;
    if (!A->inf) { xs_fe_mul(&za_inv, inv, &c->tzb); xs_fe_mul(&tzb_inv, inv, &A->z); }
    else tzb_inv = *inv;
    xs_fe_mul(&zb_inv, &tzb_inv, t);                  /* 1/Z_B */
    xs_fe_mul(&t_inv, &tzb_inv, &B->z);               /* 1/t */
    xs_fe_sqr(&tmp, &zb_inv);
    xs_fe_mul(&xb, &B->x, &tmp); xs_fe_mul(&xb, &xb, &t_inv);           /* x_B */
    xs_fe_mul(&tmp, &tmp, &zb_inv); xs_fe_mul(&bb, &B->y, &tmp);
    xs_fe_sqr(&tmp, &t_inv); xs_fe_mul(&bb, &bb, &tmp);                 /* beta_B */
    if (A->inf)  /* u1 = 0: R = +-B */
        return xs_fe_equal(&xb, rf) && xs_fe_is_square_var(t);
    xs_fe_sqr(&tmp, &za_inv);
    xs_fe_mul(&xa, &A->x, &tmp);
    xs_fe_mul(&tmp, &tmp, &za_inv);
    xs_fe_mul(&ya, &A->y, &tmp);
    if (xs_fe_is_zero(&bb)) return 0;  /* B' 2-torsion on E_t: only possible if t is a non-square */
    xs_fe_sub(&d, &xb, &xa);
    if (xs_fe_is_zero(&d)) {
        /* B = +-A (t is then a square): A+B, A-B are {2A, O}; compare x(2A). */
        xs_gej A2;
        xs_fe zi;
        xs_gej_dbl_var(&A2, A, NULL);
        if (A2.inf) return 0;
        xs_fe_inv(&zi, &A2.z); xs_fe_sqr(&zi, &zi); xs_fe_mul(&tmp, &A2.x, &zi);
        return xs_fe_equal(&tmp, rf);
    }
    /* L = (r + xa + xb) D^2 - t bb^2 - ya^2 ; M = -2 ya bb ; test L^2 == M^2 t */
    xs_fe_add(&l, rf, &xa); xs_fe_add(&l, &l, &xb);
    xs_fe_sqr(&tmp, &d); xs_fe_mul(&l, &l, &tmp);
    xs_fe_sqr(&tmp, &bb); xs_fe_mul(&tmp, &tmp, t); xs_fe_sub(&l, &l, &tmp);
    xs_fe_sqr(&tmp, &ya); xs_fe_sub(&l, &l, &tmp);
    xs_fe_mul(&m, &ya, &bb); xs_fe_add(&m, &m, &m);   /* sign irrelevant: squared */
    xs_fe_sqr(&l, &l);
    xs_fe_sqr(&m, &m); xs_fe_mul(&m, &m, t);
    return xs_fe_equal(&l, &m);
}

/* Montgomery w = s^-1 (0 if s == 0 mod n); s is public: variable-time inversion. */
static void xs_ecdsa_w_var(xs_scalar *wm, const unsigned char *s32) {
    xs_scalar s;
    xs_limbs_from_be32(s.n, s32);
    xs_scalar_to_mont(wm, &s);
    xs_scalar_from_mont(&s, wm);                      /* s mod n */
    xs_scalar_inv_var(&s, &s);
    xs_scalar_to_mont(wm, &s);
}

static int xs_ecdsa_verify_var(const unsigned char *z32, const unsigned char *r32,
                               const unsigned char *s32, const unsigned char *pub32) {
    xs_verify_ctx c;
    xs_scalar wm;
    xs_fe inv;
    int res;
    xs_ecdsa_w_var(&wm, s32);
    res = xs_ecdsa_verify_start_var(&c, z32, r32, &wm, pub32);
    if (res >= 0) return res;
    xs_fe_inv(&inv, &c.prod);
    return xs_ecdsa_verify_finish_var(&c, &inv);
}

static int xs_ecdsa_verify_prepared_var(const unsigned char *z32, const unsigned char *r32,
                                        const unsigned char *s32, const unsigned char *prepared) {
    xs_verify_ctx c;
    xs_scalar wm;
    xs_fe inv;
    int res;
    xs_ecdsa_w_var(&wm, s32);
    res = xs_ecdsa_verify_start_prepared_var(&c, z32, r32, &wm, prepared);
    if (res >= 0) return res;
    xs_fe_inv(&inv, &c.prod);
    return xs_ecdsa_verify_finish_var(&c, &inv);
}

/* results[i] = the verdict on items[stride*i..] (z, r, s, then pub when keys is NULL) for i < n,
 * with the key keys[i] (prepared) when keys is not NULL: per chunk of XS_VERIFY_CHUNK items, one
 * scalar inversion for all s^-1 and one field inversion for all Z_A * t * Z_B. */
#define XS_VERIFY_CHUNK 32
static void xs_ecdsa_verify_chunks_var(unsigned char *results, const unsigned char *items,
                                       size_t stride, const unsigned char *const *keys, size_t n) {
    xs_verify_ctx c[XS_VERIFY_CHUNK];
    xs_scalar sm[XS_VERIFY_CHUNK], wm[XS_VERIFY_CHUNK], spre[XS_VERIFY_CHUNK];
    xs_fe prod[XS_VERIFY_CHUNK], fpre[XS_VERIFY_CHUNK];
    size_t pend[XS_VERIFY_CHUNK];
    size_t base, m, i, j, np;
    for (base = 0; base < n; base += m) {
        const unsigned char *it = items + stride * base;
        m = n - base < XS_VERIFY_CHUNK ? n - base : XS_VERIFY_CHUNK;
        for (i = j = 0; i < m; i++) {
            xs_limbs_from_be32(sm[i].n, it + stride * i + 64);
            xs_scalar_to_mont(&sm[i], &sm[i]);
            if (!xs_scalar_is_zero(&sm[i])) { wm[j] = sm[i]; pend[j++] = i; }
        }
        if (j) xs_scalar_mont_inv_all(wm, wm, j, spre);
        while (j-- > 0) sm[pend[j]] = wm[j];        /* s == 0 mod n (outside the domain): w = 0 */
        for (i = np = 0; i < m; i++) {
            const unsigned char *x = it + stride * i;
            int res = keys ? xs_ecdsa_verify_start_prepared_var(&c[i], x, x + 32, &sm[i], keys[base + i])
                           : xs_ecdsa_verify_start_var(&c[i], x, x + 32, &sm[i], x + 96);
            results[base + i] = (unsigned char)(res > 0);
            if (res < 0) { prod[np] = c[i].prod; pend[np++] = i; }
        }
        if (np) xs_fe_inv_all(prod, prod, np, fpre);
        for (j = 0; j < np; j++)
            results[base + pend[j]] = (unsigned char)xs_ecdsa_verify_finish_var(&c[pend[j]], &prod[j]);
    }
}

static void xs_ecdsa_verify_batch_var(unsigned char *results, const unsigned char *items,
                                      size_t n) {
    xs_ecdsa_verify_chunks_var(results, items, 128, NULL, n);
}

static void xs_ecdsa_verify_batch_prepared_var(unsigned char *results, const unsigned char *items,
                                               const unsigned char *const *keys, size_t n) {
    xs_ecdsa_verify_chunks_var(results, items, 96, keys, n);
}

#endif /* XS_ECDSA_IMPL_H */
