/* felt_portable_impl.h — F_p arithmetic in portable C (no __int128): 64-bit limbs with explicit
 * carries (XS_NO_INT128 or compilers without __int128).
 * Included only by felt_impl.h, which selects one field implementation. */
#ifndef XS_FELT_PORTABLE_IMPL_H
#define XS_FELT_PORTABLE_IMPL_H

/* ---- portable path: 64-bit limbs with explicit carries. ---- */
/* r = t mod p for t < 2p (t as 4 limbs plus nothing: 2p < 2^253). */
XS_INLINE void xs_fe_reduce_once(uint64_t r[4], const uint64_t t[4]) {
    uint64_t s[4], b, mask;
    b = xs_subb(&s[0], t[0], 1, 0);
    b = xs_subb(&s[1], t[1], 0, b);
    b = xs_subb(&s[2], t[2], 0, b);
    b = xs_subb(&s[3], t[3], XS_P3, b);
    mask = b - 1; /* all-ones if t >= p */
    r[0] = (s[0] & mask) | (t[0] & ~mask);
    r[1] = (s[1] & mask) | (t[1] & ~mask);
    r[2] = (s[2] & mask) | (t[2] & ~mask);
    r[3] = (s[3] & mask) | (t[3] & ~mask);
}

/* Montgomery reduction of the 512-bit t[0..7] (t < 2^256 p) into r < p. */
XS_INLINE void xs_fe_redc(uint64_t r[4], uint64_t t[8]) {
    int i, j;
    for (i = 0; i < 4; i++) {
        uint64_t m = 0 - t[i], hi, lo, c;
        XS_MUL64(hi, lo, m, XS_P3);
        c = xs_nonzero64(t[i]);             /* t[i] + m*1 = c*2^64 */
        c = xs_addc(&t[i + 1], t[i + 1], 0, c);
        c = xs_addc(&t[i + 2], t[i + 2], 0, c);
        c = xs_addc(&t[i + 3], t[i + 3], lo, c);
        c = xs_addc(&t[i + 4], t[i + 4], hi, c);
        for (j = i + 5; j < 8; j++) c = xs_addc(&t[j], t[j], 0, c);
    }
    xs_fe_reduce_once(r, t + 4);
}

static void xs_fe_mul(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    uint64_t t[8], c0 = 0, c1 = 0, c2 = 0;
    const uint64_t *x = a->n, *y = b->n;
    xs_muladd3(&c0, &c1, &c2, x[0], y[0]);
    t[0] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[0], y[1]);
    xs_muladd3(&c0, &c1, &c2, x[1], y[0]);
    t[1] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[0], y[2]);
    xs_muladd3(&c0, &c1, &c2, x[1], y[1]);
    xs_muladd3(&c0, &c1, &c2, x[2], y[0]);
    t[2] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[0], y[3]);
    xs_muladd3(&c0, &c1, &c2, x[1], y[2]);
    xs_muladd3(&c0, &c1, &c2, x[2], y[1]);
    xs_muladd3(&c0, &c1, &c2, x[3], y[0]);
    t[3] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[1], y[3]);
    xs_muladd3(&c0, &c1, &c2, x[2], y[2]);
    xs_muladd3(&c0, &c1, &c2, x[3], y[1]);
    t[4] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[2], y[3]);
    xs_muladd3(&c0, &c1, &c2, x[3], y[2]);
    t[5] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[3], y[3]);
    t[6] = c0; t[7] = c1;
    xs_fe_redc(r->n, t);
}

static void xs_fe_sqr(xs_fe *r, const xs_fe *a) {
    uint64_t t[8], c0 = 0, c1 = 0, c2 = 0, hi, lo, c;
    const uint64_t *x = a->n;
    /* off-diagonal products, doubled afterwards */
    uint64_t u[8];
    u[0] = 0;
    XS_MUL64(hi, lo, x[0], x[1]); u[1] = lo; c0 = hi;
    c1 = 0; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[0], x[2]);
    u[2] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[0], x[3]);
    xs_muladd3(&c0, &c1, &c2, x[1], x[2]);
    u[3] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[1], x[3]);
    u[4] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[2], x[3]);
    u[5] = c0; u[6] = c1; u[7] = 0;
    /* double */
    u[7] = u[6] >> 63;
    u[6] = (u[6] << 1) | (u[5] >> 63);
    u[5] = (u[5] << 1) | (u[4] >> 63);
    u[4] = (u[4] << 1) | (u[3] >> 63);
    u[3] = (u[3] << 1) | (u[2] >> 63);
    u[2] = (u[2] << 1) | (u[1] >> 63);
    u[1] = u[1] << 1;
    /* add diagonal */
    XS_MUL64(hi, lo, x[0], x[0]); c = xs_addc(&t[0], u[0], lo, 0); c = xs_addc(&t[1], u[1], hi, c);
    XS_MUL64(hi, lo, x[1], x[1]); c = xs_addc(&t[2], u[2], lo, c); c = xs_addc(&t[3], u[3], hi, c);
    XS_MUL64(hi, lo, x[2], x[2]); c = xs_addc(&t[4], u[4], lo, c); c = xs_addc(&t[5], u[5], hi, c);
    XS_MUL64(hi, lo, x[3], x[3]); c = xs_addc(&t[6], u[6], lo, c); c = xs_addc(&t[7], u[7], hi, c);
    (void)c;
    xs_fe_redc(r->n, t);
}

static void xs_fe_add(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    uint64_t t[4], c;
    c = xs_addc(&t[0], a->n[0], b->n[0], 0);
    c = xs_addc(&t[1], a->n[1], b->n[1], c);
    c = xs_addc(&t[2], a->n[2], b->n[2], c);
    (void)xs_addc(&t[3], a->n[3], b->n[3], c); /* < 2p < 2^253: no carry */
    xs_fe_reduce_once(r->n, t);
}

static void xs_fe_sub(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    uint64_t t[4], bw, mask, c;
    bw = xs_subb(&t[0], a->n[0], b->n[0], 0);
    bw = xs_subb(&t[1], a->n[1], b->n[1], bw);
    bw = xs_subb(&t[2], a->n[2], b->n[2], bw);
    bw = xs_subb(&t[3], a->n[3], b->n[3], bw);
    mask = 0 - bw; /* add p back if it went negative */
    c = xs_addc(&r->n[0], t[0], 1 & mask, 0);
    c = xs_addc(&r->n[1], t[1], 0, c);
    c = xs_addc(&r->n[2], t[2], 0, c);
    (void)xs_addc(&r->n[3], t[3], XS_P3 & mask, c);
}

/* No run-time choice in this implementation. */
static void xs_fe_detect_cpu(void) {}

#endif /* XS_FELT_PORTABLE_IMPL_H */
