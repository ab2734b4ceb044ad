/* scalar_impl.h — arithmetic mod n: generic 4-limb CIOS Montgomery multiplication. */
#ifndef XS_SCALAR_IMPL_H
#define XS_SCALAR_IMPL_H

#include "scalar.h"
#include "consts.h"

/* r = t - n if t >= n else t, for t < 2n (t given with a possible 5th limb carry). */
XS_INLINE void xs_scalar_reduce_once(uint64_t r[4], const uint64_t t[4], uint64_t top) {
    uint64_t s[4], b, mask;
    int i;
    b = 0;
    for (i = 0; i < 4; i++) b = xs_subb(&s[i], t[i], XS_N[i], b);
    b = xs_subb(&top, top, 0, b);           /* borrow out of the 5-limb value */
    mask = b - 1;                           /* all-ones if t >= n */
    for (i = 0; i < 4; i++) r[i] = (s[i] & mask) | (t[i] & ~mask);
}

static void xs_scalar_mont_mul(xs_scalar *r, const xs_scalar *a, const xs_scalar *b) {
    uint64_t t[6] = {0, 0, 0, 0, 0, 0};
    int i, j;
    for (i = 0; i < 4; i++) {
        uint64_t c = 0, hi, lo, m;
        for (j = 0; j < 4; j++) {          /* t += a[j]*b[i] */
            XS_MUL64(hi, lo, a->n[j], b->n[i]);
            lo += c; hi += lo < c;
            t[j] += lo; hi += t[j] < lo;
            c = hi;
        }
        t[4] += c; t[5] = t[4] < c;
        m = t[0] * XS_N_N0INV;
        c = 0;
        for (j = 0; j < 4; j++) {          /* t += m*n, then shift one limb */
            XS_MUL64(hi, lo, m, XS_N[j]);
            lo += c; hi += lo < c;
            t[j] += lo; hi += t[j] < lo;
            c = hi;
        }
        t[4] += c; t[5] += t[4] < c;
        t[0] = t[1]; t[1] = t[2]; t[2] = t[3]; t[3] = t[4]; t[4] = t[5]; t[5] = 0;
    }
    xs_scalar_reduce_once(r->n, t, t[4]);
}

static void xs_scalar_to_mont(xs_scalar *r, const xs_scalar *a) {
    xs_scalar r2;
    memcpy(r2.n, XS_N_R2, sizeof r2.n);
    xs_scalar_mont_mul(r, a, &r2);
}

static void xs_scalar_from_mont(xs_scalar *r, const xs_scalar *a) {
    xs_scalar one = {{1, 0, 0, 0}};
    xs_scalar_mont_mul(r, a, &one);
}

static void xs_scalar_add(xs_scalar *r, const xs_scalar *a, const xs_scalar *b) {
    uint64_t t[4], c = 0;
    int i;
    for (i = 0; i < 4; i++) c = xs_addc(&t[i], a->n[i], b->n[i], c);
    xs_scalar_reduce_once(r->n, t, c);
}

static void xs_scalar_mont_inv(xs_scalar *r, const xs_scalar *a) {
    /* n - 2, processed in 4-bit windows from the top; the exponent is public. */
    static const uint64_t e[4] = {0x1e66a241adc64d2dULL, 0xb781126dcae7b232ULL,
                                  0xffffffffffffffffULL, 0x0800000000000010ULL};
    xs_scalar tab[16], acc;
    int i;
    XS_VERIFY_CHECK(e[0] == XS_N[0] - 2);
    memset(&tab[0], 0, sizeof tab[0]);      /* digit 0 is never multiplied in */
    tab[1] = *a;
    for (i = 2; i < 16; i++) xs_scalar_mont_mul(&tab[i], &tab[i - 1], a);
    acc = tab[(e[3] >> 56) & 15];            /* top digit (bits 248..251) is 8 */
    for (i = 61; i >= 0; i--) {
        int d = (int)((e[i / 16] >> ((i % 16) * 4)) & 15);
        xs_scalar_mont_mul(&acc, &acc, &acc);
        xs_scalar_mont_mul(&acc, &acc, &acc);
        xs_scalar_mont_mul(&acc, &acc, &acc);
        xs_scalar_mont_mul(&acc, &acc, &acc);
        if (d) xs_scalar_mont_mul(&acc, &acc, &tab[d]);  /* d is a digit of the public n-2 */
    }
    *r = acc;
    xs_memclear(tab, sizeof tab);
    xs_memclear(&acc, sizeof acc);
}

static int xs_scalar_lt_n(const xs_scalar *a) {
    uint64_t s, b = 0;
    int i;
    for (i = 0; i < 4; i++) b = xs_subb(&s, a->n[i], XS_N[i], b);
    return (int)b;
}

static int xs_scalar_lt_2_251(const xs_scalar *a) {
    return (int)(1 - xs_nonzero64(a->n[3] >> 59));
}

static int xs_scalar_is_zero(const xs_scalar *a) {
    return (int)(1 - xs_nonzero64(a->n[0] | a->n[1] | a->n[2] | a->n[3]));
}

#endif /* XS_SCALAR_IMPL_H */
