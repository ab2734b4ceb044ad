/* rfc6979_impl.h — HMAC-DRBG of RFC 6979 §3.2 with SHA-256 (qlen = 252, rlen = 32 bytes).
 * Same sequence as noble-curves (hmacDrbg) and python-ecdsa (rfc6979.generate_k). */
#ifndef XS_RFC6979_IMPL_H
#define XS_RFC6979_IMPL_H

#include "ecdsa.h"

static void xs_rfc6979_init(xs_rfc6979 *g, const unsigned char *d32, const unsigned char *z32,
                            const unsigned char *extra, size_t extra_len) {
    unsigned char seed[64], b;
    memcpy(seed, d32, 32);
    memcpy(seed + 32, z32, 32);
    memset(g->v, 0x01, 32);
    memset(g->k, 0x00, 32);
    xs_hmac_key_set(&g->hk, g->k);
    b = 0x00;
    {   /* K = HMAC_K(V || 0x00 || seed || extra) */
        unsigned char vb[33];
        memcpy(vb, g->v, 32); vb[32] = b;
        xs_hmac3(g->k, &g->hk, vb, 33, seed, 64, extra, extra_len);
        xs_hmac_key_set(&g->hk, g->k);
        xs_hmac3(g->v, &g->hk, g->v, 32, NULL, 0, NULL, 0);
        memcpy(vb, g->v, 32); vb[32] = 0x01;
        xs_hmac3(g->k, &g->hk, vb, 33, seed, 64, extra, extra_len);
        xs_hmac_key_set(&g->hk, g->k);
        xs_hmac3(g->v, &g->hk, g->v, 32, NULL, 0, NULL, 0);
        xs_memclear(vb, sizeof vb);
    }
    xs_memclear(seed, sizeof seed);
}

/* T = next 32-byte candidate. */
static void xs_rfc6979_generate(xs_rfc6979 *g, unsigned char *t32) {
    xs_hmac3(g->v, &g->hk, g->v, 32, NULL, 0, NULL, 0);
    memcpy(t32, g->v, 32);
}

/* After a rejected candidate: K = HMAC_K(V || 0x00), V = HMAC_K(V). */
static void xs_rfc6979_reseed(xs_rfc6979 *g) {
    unsigned char zero = 0;
    xs_hmac3(g->k, &g->hk, g->v, 32, &zero, 1, NULL, 0);
    xs_hmac_key_set(&g->hk, g->k);
    xs_hmac3(g->v, &g->hk, g->v, 32, NULL, 0, NULL, 0);
}

#endif /* XS_RFC6979_IMPL_H */
