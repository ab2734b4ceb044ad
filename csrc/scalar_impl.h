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

#if XS_FE_ASM
/* x86-64: the product block XS_ASM_MUL_4X4_PRODUCT (felt_asm_impl.h), then a generic 4-round Montgomery
 * reduction by n (m = T_i * (-n^-1) mod 2^64) and a cmov-based final subtraction.
 * Constant time. */
static void xs_scalar_mont_mul(xs_scalar *r, const xs_scalar *a, const xs_scalar *b) {
    const uint64_t *p[3];
    p[0] = a->n; p[1] = b->n; p[2] = r->n;
    __asm__ __volatile__(
        XS_ASM_MUL_4X4_PRODUCT
        "movabsq $0xbb6b3c4ce8bde631, %%rcx\n\t" "movq %%r8, %%rbx\n\t" "imulq %%rcx, %%rbx\n\t"
        "movabsq $0x1e66a241adc64d2f, %%rax\n\t" "mulq %%rbx\n\t" "addq %%rax, %%r8\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rcx\n\t"
        "movabsq $0xb781126dcae7b232, %%rax\n\t" "mulq %%rbx\n\t" "addq %%rcx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r9\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rcx\n\t"
        "movabsq $0xffffffffffffffff, %%rax\n\t" "mulq %%rbx\n\t" "addq %%rcx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r10\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rcx\n\t"
        "movabsq $0x800000000000010, %%rax\n\t" "mulq %%rbx\n\t" "addq %%rcx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r11\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rcx\n\t"
        "addq %%rcx, %%r12\n\t" "adcq $0, %%r13\n\t" "adcq $0, %%r14\n\t" "adcq $0, %%r15\n\t"
        "movabsq $0xbb6b3c4ce8bde631, %%rcx\n\t" "movq %%r9, %%rbx\n\t" "imulq %%rcx, %%rbx\n\t"
        "movabsq $0x1e66a241adc64d2f, %%rax\n\t" "mulq %%rbx\n\t" "addq %%rax, %%r9\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rcx\n\t"
        "movabsq $0xb781126dcae7b232, %%rax\n\t" "mulq %%rbx\n\t" "addq %%rcx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r10\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rcx\n\t"
        "movabsq $0xffffffffffffffff, %%rax\n\t" "mulq %%rbx\n\t" "addq %%rcx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r11\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rcx\n\t"
        "movabsq $0x800000000000010, %%rax\n\t" "mulq %%rbx\n\t" "addq %%rcx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r12\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rcx\n\t"
        "addq %%rcx, %%r13\n\t" "adcq $0, %%r14\n\t" "adcq $0, %%r15\n\t"
        "movabsq $0xbb6b3c4ce8bde631, %%rcx\n\t" "movq %%r10, %%rbx\n\t" "imulq %%rcx, %%rbx\n\t"
        "movabsq $0x1e66a241adc64d2f, %%rax\n\t" "mulq %%rbx\n\t" "addq %%rax, %%r10\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rcx\n\t"
        "movabsq $0xb781126dcae7b232, %%rax\n\t" "mulq %%rbx\n\t" "addq %%rcx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r11\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rcx\n\t"
        "movabsq $0xffffffffffffffff, %%rax\n\t" "mulq %%rbx\n\t" "addq %%rcx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r12\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rcx\n\t"
        "movabsq $0x800000000000010, %%rax\n\t" "mulq %%rbx\n\t" "addq %%rcx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r13\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rcx\n\t"
        "addq %%rcx, %%r14\n\t" "adcq $0, %%r15\n\t"
        "movabsq $0xbb6b3c4ce8bde631, %%rcx\n\t" "movq %%r11, %%rbx\n\t" "imulq %%rcx, %%rbx\n\t"
        "movabsq $0x1e66a241adc64d2f, %%rax\n\t" "mulq %%rbx\n\t" "addq %%rax, %%r11\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rcx\n\t"
        "movabsq $0xb781126dcae7b232, %%rax\n\t" "mulq %%rbx\n\t" "addq %%rcx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r12\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rcx\n\t"
        "movabsq $0xffffffffffffffff, %%rax\n\t" "mulq %%rbx\n\t" "addq %%rcx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r13\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rcx\n\t"
        "movabsq $0x800000000000010, %%rax\n\t" "mulq %%rbx\n\t" "addq %%rcx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r14\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rcx\n\t"
        "addq %%rcx, %%r15\n\t"
        "movq %%r12, %%r8\n\t" "movq %%r13, %%r9\n\t" "movq %%r14, %%r10\n\t" "movq %%r15, %%r11\n\t"
        "movabsq $0x1e66a241adc64d2f, %%rax\n\t" "movabsq $0xb781126dcae7b232, %%rbx\n\t" "movabsq $0x800000000000010, %%rcx\n\t"
        "subq %%rax, %%r8\n\t" "sbbq %%rbx, %%r9\n\t" "sbbq $-1, %%r10\n\t" "sbbq %%rcx, %%r11\n\t"
        "cmovcq %%r12, %%r8\n\t" "cmovcq %%r13, %%r9\n\t" "cmovcq %%r14, %%r10\n\t" "cmovcq %%r15, %%r11\n\t"
        "movq 16(%[p]), %%rax\n\t"
        "movq %%r8, 0(%%rax)\n\t" "movq %%r9, 8(%%rax)\n\t" "movq %%r10, 16(%%rax)\n\t" "movq %%r11, 24(%%rax)\n\t"
        :
        : [p] "r"(p)
        : "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
          "cc", "memory");
}
#else
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
#endif /* XS_FE_ASM */

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

/* x = x / 2^k mod n for x < n (k >= 1): per bit, add n when x is odd (x + n < 2^253), halve. */
static void xs_scalar_half_var(uint64_t x[4], int k) {
    int i;
    while (k-- > 0) {
        if (x[0] & 1) {
            uint64_t c = 0;
            for (i = 0; i < 4; i++) c = xs_addc(&x[i], x[i], XS_N[i], c);
        }
        for (i = 0; i < 3; i++) x[i] = (x[i] >> 1) | (x[i + 1] << 63);
        x[3] >>= 1;
    }
}

/* u = u / 2^k (k = its trailing zero bits, u != 0) and x = x / 2^k mod n. */
static void xs_scalar_strip_twos_var(uint64_t u[4], uint64_t x[4]) {
    while (!(u[0] & 1)) {
        int k = u[0] ? xs_ctz64_var(u[0]) : 63, i;
        for (i = 0; i < 3; i++) u[i] = (u[i] >> k) | (u[i + 1] << (64 - k));
        u[3] >>= k;
        xs_scalar_half_var(x, k);
    }
}

/* x = x - y mod n (both < n). */
static void xs_scalar_sub_mod_var(uint64_t x[4], const uint64_t y[4]) {
    uint64_t b = 0;
    int i;
    for (i = 0; i < 4; i++) b = xs_subb(&x[i], x[i], y[i], b);
    if (b) {
        uint64_t c = 0;
        for (i = 0; i < 4; i++) c = xs_addc(&x[i], x[i], XS_N[i], c);
    }
}

/* Invariants: x1*a == u and x2*a == v (mod n); gcd(u, v) = 1 as n is prime; every step keeps
 * both odd after stripping and decreases max(u, v) until one of them is 1. */
static void xs_scalar_inv_var(xs_scalar *r, const xs_scalar *a) {
    uint64_t u[4], v[4], x1[4] = {1, 0, 0, 0}, x2[4] = {0, 0, 0, 0};
    int i;
    memcpy(u, a->n, sizeof u);
    memcpy(v, XS_N, sizeof v);
    if (!(u[0] | u[1] | u[2] | u[3])) { memset(r->n, 0, sizeof r->n); return; }
    XS_VERIFY_CHECK(xs_scalar_lt_n(a));
    for (;;) {
        int ge = 1;
        xs_scalar_strip_twos_var(u, x1);
        xs_scalar_strip_twos_var(v, x2);
        if (u[0] == 1 && !(u[1] | u[2] | u[3])) { memcpy(r->n, x1, sizeof r->n); return; }
        if (v[0] == 1 && !(v[1] | v[2] | v[3])) { memcpy(r->n, x2, sizeof r->n); return; }
        for (i = 3; i >= 0; i--)
            if (u[i] != v[i]) { ge = u[i] > v[i]; break; }
        if (ge) { xs_scalar_sub_mod_var(u, v); xs_scalar_sub_mod_var(x1, x2); }   /* u > v: no wrap */
        else { xs_scalar_sub_mod_var(v, u); xs_scalar_sub_mod_var(x2, x1); }
    }
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
