/* sha256_impl.h — SHA-256 (FIPS 180-4) and HMAC-SHA256 with precomputed pad states.
 * Constant time in the data; lengths are public. The compression function uses the x86 SHA
 * extensions when the CPU has them (chosen once by xs_sha256_init; same results, no branches or
 * addresses that depend on the data either way). */
#ifndef XS_SHA256_IMPL_H
#define XS_SHA256_IMPL_H

#include "hash.h"
#include "cpu.h"
#if XS_SHA256_SHANI
#  include <immintrin.h>
#endif

static const uint32_t XS_SHA256_K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
static const uint32_t XS_SHA256_IV[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                         0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

XS_INLINE uint32_t xs_ror32(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void xs_sha256_block_c(uint32_t h[8], const unsigned char *p) {
    uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
    int i;
    for (i = 0; i < 16; i++)
        w[i] = ((uint32_t)p[4 * i] << 24) | ((uint32_t)p[4 * i + 1] << 16) |
               ((uint32_t)p[4 * i + 2] << 8) | p[4 * i + 3];
    for (i = 16; i < 64; i++) {
        uint32_t s0 = xs_ror32(w[i - 15], 7) ^ xs_ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = xs_ror32(w[i - 2], 17) ^ xs_ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; hh = h[7];
    for (i = 0; i < 64; i++) {
        t1 = hh + (xs_ror32(e, 6) ^ xs_ror32(e, 11) ^ xs_ror32(e, 25)) + ((e & f) ^ (~e & g)) +
             XS_SHA256_K[i] + w[i];
        t2 = (xs_ror32(a, 2) ^ xs_ror32(a, 13) ^ xs_ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    xs_memclear(w, sizeof w);
}

#if XS_SHA256_SHANI
/* The same compression with sha256rnds2 / sha256msg1 / sha256msg2: the state is kept as ABEF and
 * CDGH, four rounds per step (after Intel's "SHA extensions" white paper and its reference code,
 * also in github.com/noloader/SHA-Intrinsics, sha256-x86.c). */
__attribute__((target("sha,sse4.1")))
static void xs_sha256_block_shani(uint32_t h[8], const unsigned char *p) {
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i s0, s1, t, msg, abef, cdgh, w[4];
    int g;
    t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)&h[0]), 0xB1);  /* CDAB */
    s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)&h[4]), 0x1B); /* EFGH */
    s0 = _mm_alignr_epi8(t, s1, 8);                                                /* ABEF */
    s1 = _mm_blend_epi16(s1, t, 0xF0);                                             /* CDGH */
    abef = s0; cdgh = s1;
    for (g = 0; g < 16; g++) {   /* rounds 4g .. 4g+3; w[g & 3] = message words 4g .. 4g+3 */
        if (g < 4) {
            w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * g)), bswap);
        } else {
            t = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
            t = _mm_add_epi32(t, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
            w[g & 3] = _mm_sha256msg2_epu32(t, w[(g + 3) & 3]);
        }
        msg = _mm_add_epi32(w[g & 3], _mm_loadu_si128((const __m128i *)(const void *)&XS_SHA256_K[4 * g]));
        s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
        s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(msg, 0x0E));
    }
    s0 = _mm_add_epi32(s0, abef);
    s1 = _mm_add_epi32(s1, cdgh);
    t = _mm_shuffle_epi32(s0, 0x1B);                                               /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1);                                              /* DCHG */
    _mm_storeu_si128((__m128i *)(void *)&h[0], _mm_blend_epi16(t, s1, 0xF0));      /* DCBA */
    _mm_storeu_si128((__m128i *)(void *)&h[4], _mm_alignr_epi8(s1, t, 8));         /* HGFE */
}

/* 1 when xs_sha256_block uses the SHA extensions; written once by xs_sha256_init (one-time
 * init); not secret. */
static int xs_sha256_use_shani = 0;

static void xs_sha256_init(void) { xs_sha256_use_shani = xs_cpu_has_sha(); }

static void xs_sha256_block(uint32_t h[8], const unsigned char *p) {
    if (xs_sha256_use_shani) xs_sha256_block_shani(h, p);
    else xs_sha256_block_c(h, p);
}
#else
static void xs_sha256_init(void) {}
static void xs_sha256_block(uint32_t h[8], const unsigned char *p) { xs_sha256_block_c(h, p); }
#endif

static void xs_sha256_write(xs_sha256 *ctx, const unsigned char *data, size_t len) {
    ctx->total += len;
    while (len) {
        size_t take = 64 - ctx->buflen;
        if (take > len) take = len;
        memcpy(ctx->buf + ctx->buflen, data, take);
        ctx->buflen += take; data += take; len -= take;
        if (ctx->buflen == 64) { xs_sha256_block(ctx->h, ctx->buf); ctx->buflen = 0; }
    }
}

static void xs_sha256_final(xs_sha256 *ctx, unsigned char *out32) {
    unsigned char pad[72];
    uint64_t bits = ctx->total * 8;
    size_t padlen = (ctx->buflen < 56) ? 56 - ctx->buflen : 120 - ctx->buflen;
    int i;
    memset(pad, 0, sizeof pad);
    pad[0] = 0x80;
    for (i = 0; i < 8; i++) pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
    xs_sha256_write(ctx, pad, padlen + 8);
    for (i = 0; i < 8; i++) {
        out32[4 * i] = (unsigned char)(ctx->h[i] >> 24);
        out32[4 * i + 1] = (unsigned char)(ctx->h[i] >> 16);
        out32[4 * i + 2] = (unsigned char)(ctx->h[i] >> 8);
        out32[4 * i + 3] = (unsigned char)ctx->h[i];
    }
    xs_memclear(ctx, sizeof *ctx);
}

static void xs_hmac_key_set(xs_hmac_key *hk, const unsigned char *key32) {
    unsigned char blk[64];
    int i;
    for (i = 0; i < 64; i++) blk[i] = (unsigned char)((i < 32 ? key32[i] : 0) ^ 0x36);
    memcpy(hk->inner, XS_SHA256_IV, sizeof hk->inner);
    xs_sha256_block(hk->inner, blk);
    for (i = 0; i < 64; i++) blk[i] ^= 0x36 ^ 0x5c;
    memcpy(hk->outer, XS_SHA256_IV, sizeof hk->outer);
    xs_sha256_block(hk->outer, blk);
    xs_memclear(blk, sizeof blk);
}

static void xs_hmac3(unsigned char *out32, const xs_hmac_key *hk,
                     const unsigned char *p1, size_t l1, const unsigned char *p2, size_t l2,
                     const unsigned char *p3, size_t l3) {
    xs_sha256 c;
    unsigned char ih[32];
    memcpy(c.h, hk->inner, sizeof c.h); c.buflen = 0; c.total = 64;
    if (l1) xs_sha256_write(&c, p1, l1);
    if (l2) xs_sha256_write(&c, p2, l2);
    if (l3) xs_sha256_write(&c, p3, l3);
    xs_sha256_final(&c, ih);
    memcpy(c.h, hk->outer, sizeof c.h); c.buflen = 0; c.total = 64;
    xs_sha256_write(&c, ih, 32);
    xs_sha256_final(&c, out32);
    xs_memclear(ih, sizeof ih);
}

#endif /* XS_SHA256_IMPL_H */
