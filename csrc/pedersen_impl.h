/* pedersen_impl.h — ped(a, b) = x(P_shift + a_low*P0 + a_high*P1 + b_low*P2 + b_high*P3),
 * low = 248 bits, high = the rest (< 16) (cairo-lang fast_pedersen_hash.py, docs/protocol.md §1.4).
 * 8-bit windows align with the big-endian bytes: byte 31-i of a is digit i of a_low, byte 0
 * is a_high. Variable time: Pedersen inputs are public.
 */
#ifndef XS_PEDERSEN_IMPL_H
#define XS_PEDERSEN_IMPL_H

#include "hash.h"
#include "group.h"

#define XS_PED_CHUNK 256        /* items summed together by the affine batch */
#define XS_PED_AFFINE_MIN 64    /* below this, Jacobian sums pay less than per-step inversions */
#define XS_PED_STEPS (2 * XS_PED_WIN + 2)

/* The table point added at step s of ped(a, b), NULL for a zero digit: steps 0..30 are the 8-bit
 * digits of a_low (least significant first), 31 is a_high, 32..62 and 63 the same for b. */
static const xs_ge *xs_pedersen_term(const unsigned char *a32, const unsigned char *b32, int s) {
    int second = s > XS_PED_WIN;
    const unsigned char *v = second ? b32 : a32;
    unsigned d;
    if (second) s -= XS_PED_WIN + 1;
    if (s == XS_PED_WIN) {   /* the high part, < 16 */
        d = v[0] & 15;
        return d ? (second ? &xs_tab_p3[d - 1] : &xs_tab_p1[d - 1]) : NULL;
    }
    d = v[31 - s];
    return d ? (second ? &xs_tab_p2[s][d - 1] : &xs_tab_p0[s][d - 1]) : NULL;
}

static void xs_pedersen_point_var(xs_gej *acc, const unsigned char *a32, const unsigned char *b32) {
    xs_ge shift;
    int s;
    XS_VERIFY_CHECK(a32[0] < 16 && b32[0] < 16);
    xs_ge_set_const(&shift, XS_PT_PSHIFT);
    xs_gej_set_ge(acc, &shift);
    for (s = 0; s < XS_PED_STEPS; s++) {
        const xs_ge *t = xs_pedersen_term(a32, b32, s);
        if (t) xs_gej_add_ge_var(acc, acc, t);
    }
}

/* Fewer than XS_PED_AFFINE_MIN items: Jacobian sums, one shared inversion for the results. */
static void xs_pedersen_jacobian_var(unsigned char *const *out, const unsigned char *const *a,
                                     const unsigned char *const *b, size_t m) {
    xs_gej pts[XS_PED_AFFINE_MIN];
    xs_fe pre[XS_PED_AFFINE_MIN], inv, zi, x;
    size_t i;
    XS_VERIFY_CHECK(m >= 1 && m <= XS_PED_AFFINE_MIN);
    for (i = 0; i < m; i++) {
        xs_pedersen_point_var(&pts[i], a[i], b[i]);
        if (pts[i].inf) xs_fe_set_limbs(&pts[i].z, XS_FE_ONE_M);  /* keep the product invertible */
        pre[i] = pts[i].z;
        if (i) xs_fe_mul(&pre[i], &pre[i - 1], &pts[i].z);
    }
    xs_fe_inv(&inv, &pre[m - 1]);
    for (i = m; i-- > 0;) {
        if (i) { xs_fe_mul(&zi, &inv, &pre[i - 1]); xs_fe_mul(&inv, &inv, &pts[i].z); }
        else zi = inv;
        xs_fe_sqr(&zi, &zi);
        xs_fe_mul(&x, &pts[i].x, &zi);
        if (pts[i].inf) memset(&x, 0, sizeof x);
        xs_fe_to_be32(out[i], &x);
    }
}

/* acc[i] += *t[i] for every i < m with t[i] != NULL, in affine coordinates, all m additions
 * sharing one field inversion (Montgomery's trick); inf[i] marks acc[i] = infinity. An item
 * whose x equals its table point's (acc = t or acc = -t) takes the Jacobian formulas. The curve
 * is y^2 = x^3 + a*x + b (a == NULL means a = 1: a is only used when acc = t, which doubles). */
static void xs_ge_add_batch_var(xs_ge *acc, unsigned char *inf, const xs_ge *const *t, size_t m,
                                const xs_fe *a) {
    xs_fe d[XS_PED_CHUNK], pre[XS_PED_CHUNK], inv, di, lam, x3, u;
    size_t idx[XS_PED_CHUNK], k = 0, j, i;
    XS_VERIFY_CHECK(m <= XS_PED_CHUNK);
    for (i = 0; i < m; i++) {
        if (!t[i]) continue;
        if (inf[i]) { acc[i] = *t[i]; inf[i] = 0; continue; }
        xs_fe_sub(&d[k], &t[i]->x, &acc[i].x);
        if (xs_fe_is_zero(&d[k])) {
            xs_gej r;
            xs_gej_set_ge(&r, &acc[i]);
            xs_gej_add_ge_a_var(&r, &r, t[i], a);
            if (r.inf) inf[i] = 1;
            else xs_gej_batch_to_ge_var(&acc[i], &r, 1);
            continue;
        }
        if (k) xs_fe_mul(&pre[k], &pre[k - 1], &d[k]);
        else pre[0] = d[0];
        idx[k++] = i;
    }
    if (!k) return;
    xs_fe_inv(&inv, &pre[k - 1]);
    for (j = k; j-- > 0;) {
        i = idx[j];
        if (j) { xs_fe_mul(&di, &inv, &pre[j - 1]); xs_fe_mul(&inv, &inv, &d[j]); }
        else di = inv;
        xs_fe_sub(&u, &t[i]->y, &acc[i].y);
        xs_fe_mul(&lam, &u, &di);                  /* (y2 - y1) / (x2 - x1) */
        xs_fe_sqr(&x3, &lam);
        xs_fe_sub(&x3, &x3, &acc[i].x);
        xs_fe_sub(&x3, &x3, &t[i]->x);
        xs_fe_sub(&u, &acc[i].x, &x3);
        xs_fe_mul(&u, &lam, &u);
        xs_fe_sub(&acc[i].y, &u, &acc[i].y);
        acc[i].x = x3;
    }
}

/* XS_PED_AFFINE_MIN..XS_PED_CHUNK items: the sums kept affine, step by step for all items. */
static void xs_pedersen_affine_var(unsigned char *const *out, const unsigned char *const *a,
                                   const unsigned char *const *b, size_t m) {
    xs_ge acc[XS_PED_CHUNK];
    unsigned char inf[XS_PED_CHUNK];
    const xs_ge *t[XS_PED_CHUNK];
    size_t i;
    int s;
    XS_VERIFY_CHECK(m >= 1 && m <= XS_PED_CHUNK);
    for (i = 0; i < m; i++) {
        XS_VERIFY_CHECK(a[i][0] < 16 && b[i][0] < 16);
        xs_ge_set_const(&acc[i], XS_PT_PSHIFT);
        inf[i] = 0;
    }
    for (s = 0; s < XS_PED_STEPS; s++) {
        for (i = 0; i < m; i++) t[i] = xs_pedersen_term(a[i], b[i], s);
        xs_ge_add_batch_var(acc, inf, t, m, NULL);
    }
    for (i = 0; i < m; i++) {
        xs_fe x = acc[i].x;
        if (inf[i]) memset(&x, 0, sizeof x);
        xs_fe_to_be32(out[i], &x);
    }
}

/* out[i] = ped(a[i], b[i]) for i < n (inputs < p, big-endian); out[i] may alias a[i] or b[i]
 * (each output is written after its own inputs have been read). */
static void xs_pedersen_ptrs_var(unsigned char *const *out, const unsigned char *const *a,
                                 const unsigned char *const *b, size_t n) {
    size_t base, m;
    for (base = 0; base < n; base += m) {
        m = n - base < XS_PED_CHUNK ? n - base : XS_PED_CHUNK;
        if (m >= XS_PED_AFFINE_MIN) {
            xs_pedersen_affine_var(out + base, a + base, b + base, m);
        } else {
            xs_pedersen_jacobian_var(out + base, a + base, b + base, m);
        }
    }
}

#endif /* XS_PEDERSEN_IMPL_H */
