/* group_impl.h — STARK curve group law, tables and scalar multiplication.
 * Jacobian formulas: dbl-2007-bl, madd-2007-bl, add-2007-bl (hyperelliptic.org EFD,
 * g1p/auto/shortw/jacobian). Complete projective mixed addition: Renes, Costello, Batina,
 * "Complete addition formulas for prime order elliptic curves" (EUROCRYPT 2016), Alg. 1 with
 * Z2 = 1 and a = 1.
 */
#ifndef XS_GROUP_IMPL_H
#define XS_GROUP_IMPL_H

#include "group.h"
#include "consts.h"

#define XS_GCT_WIN 43      /* signed 6-bit digits of k < 2^252: 42 windows and the top carry */
#define XS_GCT_PER 32      /* digit magnitudes 1..32 */
#define XS_GVAR_WIN 32     /* 8-bit windows covering 256 bits */
#define XS_PED_WIN 31      /* 8-bit windows covering the low 248 bits */

static xs_ge xs_tab_gct[XS_GCT_WIN][XS_GCT_PER];
static xs_ge xs_tab_gvar[XS_GVAR_WIN][255];
static xs_ge xs_tab_p0[XS_PED_WIN][255];
static xs_ge xs_tab_p2[XS_PED_WIN][255];
static xs_ge xs_tab_p1[15];
static xs_ge xs_tab_p3[15];

XS_INLINE void xs_fe_set_limbs(xs_fe *r, const uint64_t *l) { memcpy(r->n, l, sizeof r->n); }
XS_INLINE void xs_ge_set_const(xs_ge *r, const uint64_t pt[2][4]) {
    xs_fe_set_limbs(&r->x, pt[0]);
    xs_fe_set_limbs(&r->y, pt[1]);
}

static void xs_gej_set_ge(xs_gej *r, const xs_ge *a) {
    r->x = a->x; r->y = a->y; xs_fe_set_limbs(&r->z, XS_FE_ONE_M); r->inf = 0;
}

static void xs_gej_dbl_var(xs_gej *r, const xs_gej *p, const xs_fe *a) {
    xs_fe xx, yy, yyyy, zz, s, m, t, u;
    if (p->inf || xs_fe_is_zero(&p->y)) { r->inf = 1; return; }
    xs_fe_sqr(&xx, &p->x);
    xs_fe_sqr(&yy, &p->y);
    xs_fe_sqr(&yyyy, &yy);
    xs_fe_sqr(&zz, &p->z);
    xs_fe_add(&s, &p->x, &yy); xs_fe_sqr(&s, &s); xs_fe_sub(&s, &s, &xx); xs_fe_sub(&s, &s, &yyyy);
    xs_fe_add(&s, &s, &s);                                  /* S = 2((X+YY)^2-XX-YYYY) */
    xs_fe_sqr(&u, &zz);
    if (a) xs_fe_mul(&u, &u, a);                            /* a*ZZ^2 */
    xs_fe_add(&m, &xx, &xx); xs_fe_add(&m, &m, &xx); xs_fe_add(&m, &m, &u);  /* M */
    xs_fe_sqr(&t, &m); xs_fe_sub(&t, &t, &s); xs_fe_sub(&t, &t, &s);         /* T */
    /* Z3 = (Y+Z)^2 - YY - ZZ (before overwriting p when aliased) */
    xs_fe_add(&u, &p->y, &p->z); xs_fe_sqr(&u, &u); xs_fe_sub(&u, &u, &yy); xs_fe_sub(&r->z, &u, &zz);
    xs_fe_sub(&s, &s, &t); xs_fe_mul(&s, &m, &s);
    xs_fe_add(&yyyy, &yyyy, &yyyy); xs_fe_add(&yyyy, &yyyy, &yyyy); xs_fe_add(&yyyy, &yyyy, &yyyy);
    xs_fe_sub(&r->y, &s, &yyyy);
    r->x = t;
    r->inf = 0;
}

static void xs_gej_add_ge_a_var(xs_gej *r, const xs_gej *p, const xs_ge *q, const xs_fe *a) {
    xs_fe z1z1, u2, s2, h, hh, i, j, rr, v, t;
    if (p->inf) { xs_gej_set_ge(r, q); return; }
    xs_fe_sqr(&z1z1, &p->z);
    xs_fe_mul(&u2, &q->x, &z1z1);
    xs_fe_mul(&s2, &q->y, &p->z); xs_fe_mul(&s2, &s2, &z1z1);
    xs_fe_sub(&h, &u2, &p->x);
    xs_fe_sub(&rr, &s2, &p->y); xs_fe_add(&rr, &rr, &rr);
    if (xs_fe_is_zero(&h)) {
        if (xs_fe_is_zero(&rr)) xs_gej_dbl_var(r, p, a); else r->inf = 1;
        return;
    }
    xs_fe_sqr(&hh, &h);
    xs_fe_add(&i, &hh, &hh); xs_fe_add(&i, &i, &i);
    xs_fe_mul(&j, &h, &i);
    xs_fe_mul(&v, &p->x, &i);
    /* Z3 first (p may alias r) */
    xs_fe_add(&t, &p->z, &h); xs_fe_sqr(&t, &t); xs_fe_sub(&t, &t, &z1z1); xs_fe_sub(&t, &t, &hh);
    xs_fe_mul(&s2, &p->y, &j); xs_fe_add(&s2, &s2, &s2);    /* 2*Y1*J */
    r->z = t;
    xs_fe_sqr(&t, &rr); xs_fe_sub(&t, &t, &j); xs_fe_sub(&t, &t, &v); xs_fe_sub(&t, &t, &v);
    r->x = t;
    xs_fe_sub(&v, &v, &t); xs_fe_mul(&v, &rr, &v); xs_fe_sub(&r->y, &v, &s2);
    r->inf = 0;
}

static void xs_gej_add_ge_var(xs_gej *r, const xs_gej *p, const xs_ge *q) {
    xs_gej_add_ge_a_var(r, p, q, NULL);
}

static void xs_gej_add_var(xs_gej *r, const xs_gej *p, const xs_gej *q, const xs_fe *a) {
    xs_fe z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
    if (p->inf) { *r = *q; return; }
    if (q->inf) { *r = *p; return; }
    xs_fe_sqr(&z1z1, &p->z);
    xs_fe_sqr(&z2z2, &q->z);
    xs_fe_mul(&u1, &p->x, &z2z2);
    xs_fe_mul(&u2, &q->x, &z1z1);
    xs_fe_mul(&s1, &p->y, &q->z); xs_fe_mul(&s1, &s1, &z2z2);
    xs_fe_mul(&s2, &q->y, &p->z); xs_fe_mul(&s2, &s2, &z1z1);
    xs_fe_sub(&h, &u2, &u1);
    xs_fe_sub(&rr, &s2, &s1); xs_fe_add(&rr, &rr, &rr);
    if (xs_fe_is_zero(&h)) {
        if (xs_fe_is_zero(&rr)) xs_gej_dbl_var(r, p, a); else r->inf = 1;
        return;
    }
    xs_fe_add(&i, &h, &h); xs_fe_sqr(&i, &i);
    xs_fe_mul(&j, &h, &i);
    xs_fe_mul(&v, &u1, &i);
    xs_fe_add(&t, &p->z, &q->z); xs_fe_sqr(&t, &t); xs_fe_sub(&t, &t, &z1z1); xs_fe_sub(&t, &t, &z2z2);
    xs_fe_mul(&r->z, &t, &h);
    xs_fe_sqr(&t, &rr); xs_fe_sub(&t, &t, &j); xs_fe_sub(&t, &t, &v); xs_fe_sub(&t, &t, &v);
    r->x = t;
    xs_fe_sub(&v, &v, &t); xs_fe_mul(&v, &rr, &v);
    xs_fe_mul(&s1, &s1, &j); xs_fe_add(&s1, &s1, &s1);
    xs_fe_sub(&r->y, &v, &s1);
    r->inf = 0;
}

/* Complete mixed additions r[i] = p[i] + q[i] for i < n (n = 1 or 2, a constant after
 * inlining), q[i] affine (not infinity), a = 1, b3 = 3*beta. Each field operation is done for
 * every i before the next one, so that the out-of-order core overlaps the multiplications of
 * independent additions. Constant time; r may alias p. */
XS_INLINE void xs_gep_add_ge_n(xs_gep *r, const xs_gep *p, const xs_ge *q, int n) {
    xs_fe t0[2], t1[2], t3[2], t4[2], t5[2], x3[2], y3[2], z3[2], b3, u[2];
    int i;
    xs_fe_set_limbs(&b3, XS_FE_B3_M);
#define XS_EACH for (i = 0; i < n; i++)
    XS_EACH xs_fe_mul(&t0[i], &p[i].x, &q[i].x);
    XS_EACH xs_fe_mul(&t1[i], &p[i].y, &q[i].y);
    XS_EACH { xs_fe_add(&t3[i], &p[i].x, &p[i].y); xs_fe_add(&u[i], &q[i].x, &q[i].y); }
    XS_EACH xs_fe_mul(&t3[i], &t3[i], &u[i]);
    XS_EACH { xs_fe_add(&u[i], &t0[i], &t1[i]); xs_fe_sub(&t3[i], &t3[i], &u[i]); }  /* X1Y2 + X2Y1 */
    XS_EACH xs_fe_mul(&t4[i], &q[i].x, &p[i].z);
    XS_EACH xs_fe_add(&t4[i], &t4[i], &p[i].x);                                      /* X1 + X2Z1 */
    XS_EACH xs_fe_mul(&t5[i], &q[i].y, &p[i].z);
    XS_EACH xs_fe_add(&t5[i], &t5[i], &p[i].y);                                      /* Y1 + Y2Z1 */
    XS_EACH xs_fe_mul(&x3[i], &b3, &p[i].z);                                         /* b3*Z1Z2 */
    XS_EACH {
        xs_fe_add(&z3[i], &x3[i], &t4[i]);                                           /* + a*t4 */
        xs_fe_sub(&x3[i], &t1[i], &z3[i]);
        xs_fe_add(&z3[i], &t1[i], &z3[i]);
    }
    XS_EACH xs_fe_mul(&y3[i], &x3[i], &z3[i]);
    XS_EACH { xs_fe_add(&t1[i], &t0[i], &t0[i]); xs_fe_add(&t1[i], &t1[i], &t0[i]); }  /* 3*t0 */
    XS_EACH xs_fe_mul(&t4[i], &b3, &t4[i]);
    XS_EACH {
        xs_fe_add(&t1[i], &t1[i], &p[i].z);                                          /* + a*Z1Z2 */
        xs_fe_sub(&u[i], &t0[i], &p[i].z);                                           /* a*(t0 - a*Z1Z2) */
        xs_fe_add(&t4[i], &t4[i], &u[i]);
    }
    XS_EACH xs_fe_mul(&t0[i], &t1[i], &t4[i]);
    XS_EACH xs_fe_add(&y3[i], &y3[i], &t0[i]);
    XS_EACH xs_fe_mul(&t0[i], &t5[i], &t4[i]);
    XS_EACH xs_fe_mul(&x3[i], &t3[i], &x3[i]);
    XS_EACH xs_fe_sub(&x3[i], &x3[i], &t0[i]);
    XS_EACH xs_fe_mul(&t0[i], &t3[i], &t1[i]);
    XS_EACH xs_fe_mul(&z3[i], &t5[i], &z3[i]);
    XS_EACH xs_fe_add(&z3[i], &z3[i], &t0[i]);
    XS_EACH { r[i].x = x3[i]; r[i].y = y3[i]; r[i].z = z3[i]; }
#undef XS_EACH
}

/* Normalise m Jacobian points (none infinite, m <= 256) with one inversion. */
static void xs_gej_batch_to_ge_var(xs_ge *out, const xs_gej *in, int m) {
    xs_fe pre[256], inv, zi, zi2;
    int i;
    pre[0] = in[0].z;
    for (i = 1; i < m; i++) xs_fe_mul(&pre[i], &pre[i - 1], &in[i].z);
    xs_fe_inv(&inv, &pre[m - 1]);
    for (i = m - 1; i >= 0; i--) {
        if (i > 0) { xs_fe_mul(&zi, &inv, &pre[i - 1]); xs_fe_mul(&inv, &inv, &in[i].z); }
        else zi = inv;
        xs_fe_sqr(&zi2, &zi);
        xs_fe_mul(&out[i].x, &in[i].x, &zi2);
        xs_fe_mul(&zi2, &zi2, &zi);
        xs_fe_mul(&out[i].y, &in[i].y, &zi2);
    }
}

/* out[w][j-1] = j * 2^(bits*w) * base, j = 1..per (per < 2^bits), for w < nwin. */
static void xs_build_windows(xs_ge *out, const xs_ge *base, int nwin, int bits, int per) {
    static xs_gej jac[256];   /* init only: runs once, under call_once */
    static xs_ge tmp[256];
    int full = 1 << bits, w, j;
    xs_ge b = *base;
    for (w = 0; w < nwin; w++) {
        xs_gej_set_ge(&jac[0], &b);
        for (j = 1; j < full; j++) xs_gej_add_ge_var(&jac[j], &jac[j - 1], &b);
        xs_gej_batch_to_ge_var(tmp, jac, full);
        memcpy(out + (size_t)w * per, tmp, (size_t)per * sizeof(xs_ge));
        b = tmp[full - 1];     /* 2^bits * b: base of the next window */
    }
}

static void xs_group_init(void) {
    xs_ge g, p;
    xs_ge_set_const(&g, XS_PT_G);
    xs_build_windows(&xs_tab_gct[0][0], &g, XS_GCT_WIN, 6, XS_GCT_PER);
    xs_build_windows(&xs_tab_gvar[0][0], &g, XS_GVAR_WIN, 8, 255);
    xs_ge_set_const(&p, XS_PT_P0);
    xs_build_windows(&xs_tab_p0[0][0], &p, XS_PED_WIN, 8, 255);
    xs_ge_set_const(&p, XS_PT_P2);
    xs_build_windows(&xs_tab_p2[0][0], &p, XS_PED_WIN, 8, 255);
    xs_ge_set_const(&p, XS_PT_P1);
    xs_build_windows(&xs_tab_p1[0], &p, 1, 4, 15);
    xs_ge_set_const(&p, XS_PT_P3);
    xs_build_windows(&xs_tab_p3[0], &p, 1, 4, 15);
}

/* Signed 6-bit digits of k (plain, < 2^252): k = sum d[w] 64^w with d[w] in [-31, 32] (the top
 * one in {0, 1}), as magnitudes |d[w]| and sign masks (all-ones when d[w] < 0). Constant time:
 * the carry and the sign are computed with arithmetic, not branches. */
static void xs_recode_signed6(uint64_t mag[XS_GCT_WIN], uint64_t neg[XS_GCT_WIN], const xs_scalar *k) {
    uint64_t carry = 0;
    int w;
    for (w = 0; w < XS_GCT_WIN; w++) {
        int pos = 6 * w, limb = pos >> 6, sh = pos & 63;   /* public positions */
        uint64_t bits = 0, v, c;
        if (limb < 4) bits = k->n[limb] >> sh;
        if (sh > 58 && limb < 3) bits |= k->n[limb + 1] << (64 - sh);
        v = (bits & 63) + carry;                 /* 0..64 */
        c = (32 - v) >> 63;                      /* 1 iff v > 32: digit v - 64 */
        carry = c;
        neg[w] = 0 - c;
        mag[w] = v ^ ((v ^ (64 - v)) & neg[w]);  /* |digit| = c ? 64 - v : v */
    }
}

/* r[i] = k[i]*G for i < n (n = 1 or 2, a constant after inlining), the additions of the two
 * multiplications interleaved (xs_gep_add_ge_n). */
XS_INLINE void xs_ecmult_gen_const_n(xs_gep *r, const xs_scalar *k, int n) {
    xs_gep acc[2], sum[2];
    xs_ge t[2];
    xs_fe ny;
    uint64_t mag[2][XS_GCT_WIN], neg[2][XS_GCT_WIN];
    int q, i, j, l;
    for (q = 0; q < n; q++) {
        xs_recode_signed6(mag[q], neg[q], &k[q]);
        memset(&acc[q], 0, sizeof acc[q]);
        xs_fe_set_limbs(&acc[q].y, XS_FE_ONE_M);              /* (0:1:0) */
    }
    for (i = 0; i < XS_GCT_WIN; i++) {
        for (q = 0; q < n; q++) {
            /* t = the entry |d|, by a scan of the whole window (0 when d == 0, then unused) */
            memset(&t[q], 0, sizeof t[q]);
            for (j = 0; j < XS_GCT_PER; j++) {
                uint64_t mask = xs_eq_mask64(mag[q][i], (uint64_t)(j + 1));
                const xs_ge *e = &xs_tab_gct[i][j];
                for (l = 0; l < 4; l++) {
                    t[q].x.n[l] |= mask & e->x.n[l];
                    t[q].y.n[l] |= mask & e->y.n[l];
                }
            }
            xs_fe_neg(&ny, &t[q].y);
            xs_cmov64(t[q].y.n, ny.n, 4, neg[q][i]);
        }
        xs_gep_add_ge_n(sum, acc, t, n);
        for (q = 0; q < n; q++) {
            uint64_t nz = 0 - xs_nonzero64(mag[q][i]);
            xs_cmov64(acc[q].x.n, sum[q].x.n, 4, nz);
            xs_cmov64(acc[q].y.n, sum[q].y.n, 4, nz);
            xs_cmov64(acc[q].z.n, sum[q].z.n, 4, nz);
        }
    }
    for (q = 0; q < n; q++) r[q] = acc[q];
    xs_memclear(acc, sizeof acc); xs_memclear(sum, sizeof sum); xs_memclear(t, sizeof t);
    xs_memclear(&ny, sizeof ny); xs_memclear(mag, sizeof mag); xs_memclear(neg, sizeof neg);
}

static void xs_ecmult_gen_const(xs_gep *r, const xs_scalar *k) { xs_ecmult_gen_const_n(r, k, 1); }

static void xs_ecmult_gen_const2(xs_gep r[2], const xs_scalar k[2]) { xs_ecmult_gen_const_n(r, k, 2); }

static void xs_ecmult_gen_var(xs_gej *r, const xs_scalar *k) {
    int i;
    r->inf = 1;
    for (i = 0; i < XS_GVAR_WIN; i++) {
        unsigned d = (unsigned)((k->n[i >> 3] >> ((i & 7) * 8)) & 255);
        if (d) xs_gej_add_ge_var(r, r, &xs_tab_gvar[i][d - 1]);
    }
}

/* width-w NAF of k (plain, < 2^256); returns the number of digits. */
static int xs_wnaf_var(int *wnaf, const xs_scalar *k, int w) {
    uint64_t v[5] = {k->n[0], k->n[1], k->n[2], k->n[3], 0};
    int i = 0, j;
    const int full = 1 << w, half = 1 << (w - 1);
    while (v[0] | v[1] | v[2] | v[3] | v[4]) {
        int d = 0;
        if (v[0] & 1) {
            d = (int)(v[0] & (uint64_t)(full - 1));
            if (d >= half) d -= full;
            if (d > 0) {
                v[0] -= (uint64_t)d;               /* d <= v[0] mod 2^w: no borrow */
            } else {
                uint64_t c = (uint64_t)(-d);
                for (j = 0; j < 5 && c; j++) { v[j] += c; c = v[j] < c; }
            }
        }
        wnaf[i++] = d;
        for (j = 0; j < 4; j++) v[j] = (v[j] >> 1) | (v[j + 1] << 63);
        v[4] >>= 1;
    }
    return i;
}

static void xs_ecmult_var(xs_gej *r, const xs_fe *px, const xs_fe *py, const xs_scalar *k,
                          const xs_fe *a) {
    xs_gej pre[8], p2, neg;
    int wnaf[264], len, i;
    pre[0].x = *px; pre[0].y = *py; xs_fe_set_limbs(&pre[0].z, XS_FE_ONE_M); pre[0].inf = 0;
    xs_gej_dbl_var(&p2, &pre[0], a);
    for (i = 1; i < 8; i++) xs_gej_add_var(&pre[i], &pre[i - 1], &p2, a);
    len = xs_wnaf_var(wnaf, k, 5);
    r->inf = 1;
    for (i = len - 1; i >= 0; i--) {
        int d = wnaf[i];
        xs_gej_dbl_var(r, r, a);
        if (d > 0) {
            xs_gej_add_var(r, r, &pre[(d - 1) >> 1], a);
        } else if (d < 0) {
            neg = pre[(-d - 1) >> 1];
            xs_fe_neg(&neg.y, &neg.y);
            xs_gej_add_var(r, r, &neg, a);
        }
    }
}

#endif /* XS_GROUP_IMPL_H */
