/* pedersen_impl.h — ped(a, b) = x(P_shift + a_low*P0 + a_high*P1 + b_low*P2 + b_high*P3),
 * low = 248 bits, high = the rest (< 16) (cairo-lang fast_pedersen_hash.py, PROTOCOL §1.4).
 * 8-bit windows align with the big-endian bytes: byte 31-i of a is digit i of a_low, byte 0
 * is a_high. Variable time: Pedersen inputs are public.
 */
#ifndef XS_PEDERSEN_IMPL_H
#define XS_PEDERSEN_IMPL_H

#include "hash.h"
#include "group.h"

#define XS_PED_CHUNK 64

static void xs_pedersen_point_var(xs_gej *acc, const unsigned char *a32, const unsigned char *b32) {
    xs_ge shift;
    int i;
    xs_ge_set_const(&shift, XS_PT_PSHIFT);
    xs_gej_set_ge(acc, &shift);
    for (i = 0; i < XS_PED_WIN; i++) {
        unsigned d = a32[31 - i];
        if (d) xs_gej_add_ge_var(acc, acc, &xs_tab_p0[i][d - 1]);
    }
    XS_VERIFY_CHECK(a32[0] < 16 && b32[0] < 16);
    if (a32[0]) xs_gej_add_ge_var(acc, acc, &xs_tab_p1[(a32[0] & 15) - 1]);
    for (i = 0; i < XS_PED_WIN; i++) {
        unsigned d = b32[31 - i];
        if (d) xs_gej_add_ge_var(acc, acc, &xs_tab_p2[i][d - 1]);
    }
    if (b32[0]) xs_gej_add_ge_var(acc, acc, &xs_tab_p3[(b32[0] & 15) - 1]);
}

static void xs_pedersen_ptrs_var(unsigned char *const *out, const unsigned char *const *a,
                                 const unsigned char *const *b, size_t n) {
    xs_gej pts[XS_PED_CHUNK];
    xs_fe pre[XS_PED_CHUNK], inv, zi, x;
    size_t base, m, i;
    for (base = 0; base < n; base += m) {
        m = n - base < XS_PED_CHUNK ? n - base : XS_PED_CHUNK;
        for (i = 0; i < m; i++) {
            xs_pedersen_point_var(&pts[i], a[base + i], b[base + i]);
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
            xs_fe_to_be32(out[base + i], &x);
        }
    }
}

#endif /* XS_PEDERSEN_IMPL_H */
