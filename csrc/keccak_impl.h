/* keccak_impl.h — Keccak-f[1600] and Keccak-256 with the original 0x01 padding (Ethereum),
 * rate 136 bytes. Straightforward reference structure (FIPS 202 step mappings). */
#ifndef XS_KECCAK_IMPL_H
#define XS_KECCAK_IMPL_H

#include "hash.h"

static const uint64_t XS_KECCAK_RC[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};
static const int XS_KECCAK_ROT[25] = {0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43,
                                      25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14};

XS_INLINE uint64_t xs_rotl64(uint64_t x, int n) { return n ? (x << n) | (x >> (64 - n)) : x; }

static void xs_keccak_f(uint64_t a[25]) {
    int round, x, y;
    for (round = 0; round < 24; round++) {
        uint64_t c[5], d[5], b[25];
        for (x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (x = 0; x < 5; x++) d[x] = c[(x + 4) % 5] ^ xs_rotl64(c[(x + 1) % 5], 1);
        for (x = 0; x < 25; x++) a[x] ^= d[x % 5];
        /* rho + pi: b[y, 2x+3y] = rot(a[x, y]) */
        for (x = 0; x < 5; x++)
            for (y = 0; y < 5; y++)
                b[y + 5 * ((2 * x + 3 * y) % 5)] = xs_rotl64(a[x + 5 * y], XS_KECCAK_ROT[x + 5 * y]);
        for (y = 0; y < 5; y++)
            for (x = 0; x < 5; x++)
                a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
        a[0] ^= XS_KECCAK_RC[round];
    }
}

XS_INLINE uint64_t xs_load64_le(const unsigned char *p) {
    uint64_t v = 0;
    int i;
    for (i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static void xs_keccak256_impl(unsigned char *out32, const unsigned char *data, size_t len) {
    uint64_t a[25];
    unsigned char last[136];
    size_t i, rem;
    memset(a, 0, sizeof a);
    while (len >= 136) {
        for (i = 0; i < 17; i++) a[i] ^= xs_load64_le(data + 8 * i);
        xs_keccak_f(a);
        data += 136; len -= 136;
    }
    rem = len;
    memset(last, 0, sizeof last);
    if (rem) memcpy(last, data, rem);
    last[rem] ^= 0x01;
    last[135] ^= 0x80;
    for (i = 0; i < 17; i++) a[i] ^= xs_load64_le(last + 8 * i);
    xs_keccak_f(a);
    for (i = 0; i < 32; i++) out32[i] = (unsigned char)(a[i / 8] >> (8 * (i % 8)));
}

#endif /* XS_KECCAK_IMPL_H */
