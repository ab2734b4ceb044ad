/* felt_int128_impl.h — F_p arithmetic in C with unsigned __int128 carry chains (the compiler turns
 * them into adc/sbb); used when the asm field is not built (XS_NO_ASM, other CPUs).
 * Included only by felt_impl.h, which selects one field implementation. */
#ifndef XS_FELT_INT128_IMPL_H
#define XS_FELT_INT128_IMPL_H

/* CIOS Montgomery multiplication specialised to p = 1 + P3*2^192 (-p^-1 = -1 mod 2^64). */
static void xs_fe_mul(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    const uint64_t *x = a->n, *y = b->n;
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5, m;
    xs_u128 c;
    int i;
    for (i = 0; i < 4; i++) {
        uint64_t yi = y[i];
        c = (xs_u128)x[0] * yi + t0;               t0 = (uint64_t)c; c >>= 64;
        c += (xs_u128)x[1] * yi + t1;              t1 = (uint64_t)c; c >>= 64;
        c += (xs_u128)x[2] * yi + t2;              t2 = (uint64_t)c; c >>= 64;
        c += (xs_u128)x[3] * yi + t3;              t3 = (uint64_t)c; c >>= 64;
        c += t4;                                   t4 = (uint64_t)c; t5 = (uint64_t)(c >> 64);
        m = 0 - t0;                                /* t0 + m = (t0 != 0) * 2^64 */
        c = (xs_u128)t1 + (t0 != 0);               t0 = (uint64_t)c; c >>= 64;
        c += t2;                                   t1 = (uint64_t)c; c >>= 64;
        c += (xs_u128)m * XS_P3 + t3;              t2 = (uint64_t)c; c >>= 64;
        c += t4;                                   t3 = (uint64_t)c; c >>= 64;
        t4 = t5 + (uint64_t)c;
    }
    {
        uint64_t t[4] = {t0, t1, t2, t3};
        XS_VERIFY_CHECK(t4 == 0);
        xs_fe_reduce_once(r->n, t);
    }
}



static void xs_fe_sqr(xs_fe *r, const xs_fe *a) {
    const uint64_t *x = a->n;
    uint64_t t[8], h1, h2, h3, h4, h5, h6;
    xs_u128 c;
    /* off-diagonal x_i x_j (i < j) */
    c = (xs_u128)x[0] * x[1];                      t[1] = (uint64_t)c; c >>= 64;
    c += (xs_u128)x[0] * x[2];                     t[2] = (uint64_t)c; c >>= 64;
    c += (xs_u128)x[0] * x[3];                     t[3] = (uint64_t)c; t[4] = (uint64_t)(c >> 64);
    c = (xs_u128)x[1] * x[2] + t[3];               t[3] = (uint64_t)c; c >>= 64;
    c += (xs_u128)x[1] * x[3] + t[4];              t[4] = (uint64_t)c; t[5] = (uint64_t)(c >> 64);
    c = (xs_u128)x[2] * x[3] + t[5];               t[5] = (uint64_t)c; t[6] = (uint64_t)(c >> 64);
    /* double */
    t[7] = t[6] >> 63;
    t[6] = (t[6] << 1) | (t[5] >> 63);
    t[5] = (t[5] << 1) | (t[4] >> 63);
    t[4] = (t[4] << 1) | (t[3] >> 63);
    t[3] = (t[3] << 1) | (t[2] >> 63);
    t[2] = (t[2] << 1) | (t[1] >> 63);
    t[1] = t[1] << 1;
    /* add the squares */
    c = (xs_u128)x[0] * x[0];                      t[0] = (uint64_t)c; h1 = (uint64_t)(c >> 64);
    c = (xs_u128)x[1] * x[1];                      h2 = (uint64_t)c; h3 = (uint64_t)(c >> 64);
    c = (xs_u128)x[2] * x[2];                      h4 = (uint64_t)c; h5 = (uint64_t)(c >> 64);
    c = (xs_u128)x[3] * x[3];                      h6 = (uint64_t)c;
    {
        uint64_t h7 = (uint64_t)(c >> 64);
        c = (xs_u128)t[1] + h1;          t[1] = (uint64_t)c; c >>= 64;
        c += (xs_u128)t[2] + h2;         t[2] = (uint64_t)c; c >>= 64;
        c += (xs_u128)t[3] + h3;         t[3] = (uint64_t)c; c >>= 64;
        c += (xs_u128)t[4] + h4;         t[4] = (uint64_t)c; c >>= 64;
        c += (xs_u128)t[5] + h5;         t[5] = (uint64_t)c; c >>= 64;
        c += (xs_u128)t[6] + h6;         t[6] = (uint64_t)c; c >>= 64;
        c += (xs_u128)t[7] + h7;         t[7] = (uint64_t)c;
    }
    xs_fe_redc(r->n, t);
}


static void xs_fe_add(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    uint64_t t[4];
    xs_u128 c;
    c = (xs_u128)a->n[0] + b->n[0];      t[0] = (uint64_t)c; c >>= 64;
    c += (xs_u128)a->n[1] + b->n[1];     t[1] = (uint64_t)c; c >>= 64;
    c += (xs_u128)a->n[2] + b->n[2];     t[2] = (uint64_t)c; c >>= 64;
    t[3] = (uint64_t)c + a->n[3] + b->n[3];   /* < 2p < 2^253 */
    xs_fe_reduce_once(r->n, t);
}

/* a - b, then + p if negative (sign = bit 255, |a - b| < 2^252). */
static void xs_fe_sub(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    xs_i128 d;
    xs_u128 c;
    uint64_t t0, t1, t2, t3, mask;
    d = (xs_i128)a->n[0] - b->n[0];      t0 = (uint64_t)d; d >>= 64;
    d += (xs_i128)a->n[1] - b->n[1];     t1 = (uint64_t)d; d >>= 64;
    d += (xs_i128)a->n[2] - b->n[2];     t2 = (uint64_t)d; d >>= 64;
    d += (xs_i128)a->n[3] - b->n[3];     t3 = (uint64_t)d;
    mask = (uint64_t)((int64_t)t3 >> 63);
    c = (xs_u128)t0 + (1 & mask);        r->n[0] = (uint64_t)c; c >>= 64;
    c += t1;                             r->n[1] = (uint64_t)c; c >>= 64;
    c += t2;                             r->n[2] = (uint64_t)c; c >>= 64;
    r->n[3] = t3 + (XS_P3 & mask) + (uint64_t)c;
}

/* No run-time choice in this implementation. */
static void xs_fe_detect_cpu(void) {}

#endif /* XS_FELT_INT128_IMPL_H */
