/* util.h — portability, 128-bit arithmetic, constant-time helpers, verification checks.
 *
 * Everything compiler-specific lives here (STYLE §3). All helpers are constant time: they
 * never branch on or index by their arguments.
 */
#ifndef XS_UTIL_H
#define XS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#  define XS_INLINE static inline __attribute__((always_inline))
#  define XS_NOINLINE static __attribute__((noinline))
#else
#  define XS_INLINE static inline
#  define XS_NOINLINE static
#endif

/* XS_VERIFY builds (tests) check internal invariants; release builds compile them out. */
#ifdef XS_VERIFY
#  include <stdio.h>
#  include <stdlib.h>
#  define XS_VERIFY_CHECK(cond) do { if (!(cond)) { \
        fprintf(stderr, "%s:%d: XS_VERIFY_CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
        abort(); } } while (0)
#else
#  define XS_VERIFY_CHECK(cond) do { (void)sizeof(cond); } while (0)
#endif

/* ---- 64x64 -> 128 multiply: the one place that depends on unsigned __int128.
 * XS_MUL64(hi, lo, a, b) sets hi:lo = a*b. The portable fallback uses 32-bit halves. */
#if defined(__SIZEOF_INT128__) && !defined(XS_NO_INT128)
typedef unsigned __int128 xs_u128;
#  define XS_HAVE_INT128 1
#  define XS_MUL64(hi, lo, a, b) do { xs_u128 xs_t_ = (xs_u128)(a) * (b); \
        (lo) = (uint64_t)xs_t_; (hi) = (uint64_t)(xs_t_ >> 64); } while (0)
#else
#  define XS_HAVE_INT128 0
XS_INLINE void xs_mul64_portable(uint64_t *hi, uint64_t *lo, uint64_t a, uint64_t b) {
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    *lo = (mid << 32) | (uint32_t)ll;
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}
#  define XS_MUL64(hi, lo, a, b) xs_mul64_portable(&(hi), &(lo), (a), (b))
#endif

/* (c, r) = a + b + cin, cin/c in {0,1}. */
XS_INLINE uint64_t xs_addc(uint64_t *r, uint64_t a, uint64_t b, uint64_t cin) {
    uint64_t s = a + cin;
    uint64_t c1 = s < cin;
    uint64_t t = s + b;
    *r = t;
    return c1 | (t < b);
}
/* (bout, r) = a - b - bin, bin/bout in {0,1}. */
XS_INLINE uint64_t xs_subb(uint64_t *r, uint64_t a, uint64_t b, uint64_t bin) {
    uint64_t d = a - b;
    uint64_t b1 = a < b;
    *r = d - bin;
    return b1 | (d < bin);
}

/* Multiply-accumulate into a 3-limb accumulator (c0, c1, c2) += a*b. */
XS_INLINE void xs_muladd3(uint64_t *c0, uint64_t *c1, uint64_t *c2, uint64_t a, uint64_t b) {
    uint64_t hi, lo, c;
    XS_MUL64(hi, lo, a, b);
    c = xs_addc(c0, *c0, lo, 0);
    c = xs_addc(c1, *c1, hi, c);
    *c2 += c;
}

/* Constant-time: 1 if x != 0 else 0 / mask all-ones if x == 0 else 0. */
XS_INLINE uint64_t xs_nonzero64(uint64_t x) { return (x | (0 - x)) >> 63; }
XS_INLINE uint64_t xs_zero_mask64(uint64_t x) { return xs_nonzero64(x) - 1; }
/* mask all-ones if a == b (any 64-bit values). */
XS_INLINE uint64_t xs_eq_mask64(uint64_t a, uint64_t b) { return xs_zero_mask64(a ^ b); }

/* Number of trailing zero bits of x != 0. Variable time (for public values only). */
XS_INLINE int xs_ctz64_var(uint64_t x) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(x);
#else
    int n = 0;
    while (!(x & 1)) { x >>= 1; n++; }
    return n;
#endif
}

/* r = mask ? a : r, limb by limb (mask is 0 or all-ones). */
XS_INLINE void xs_cmov64(uint64_t *r, const uint64_t *a, size_t n, uint64_t mask) {
    size_t i;
    for (i = 0; i < n; i++) r[i] ^= mask & (r[i] ^ a[i]);
}

/* Wipe memory in a way the optimiser cannot drop. */
static void xs_memclear(void *p, size_t len) {
#if defined(__GNUC__) || defined(__clang__)
    memset(p, 0, len);
    __asm__ __volatile__("" : : "r"(p) : "memory");
#else
    volatile unsigned char *v = (volatile unsigned char *)p;
    while (len--) *v++ = 0;
#endif
}

/* 32-byte big-endian <-> 4 little-endian 64-bit limbs (no reduction). */
XS_INLINE void xs_limbs_from_be32(uint64_t r[4], const unsigned char *b) {
    int i, j;
    for (i = 0; i < 4; i++) {
        uint64_t v = 0;
        for (j = 0; j < 8; j++) v = (v << 8) | b[(3 - i) * 8 + j];
        r[i] = v;
    }
}
XS_INLINE void xs_limbs_to_be32(unsigned char *b, const uint64_t r[4]) {
    int i, j;
    for (i = 0; i < 4; i++)
        for (j = 0; j < 8; j++) b[(3 - i) * 8 + j] = (unsigned char)(r[i] >> (56 - 8 * j));
}

#endif /* XS_UTIL_H */
