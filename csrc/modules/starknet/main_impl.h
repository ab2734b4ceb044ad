/* modules/starknet/main_impl.h — Starknet protocol helpers built on the primitives of
 * xs_core.c: the starknet.js Merkle tree, the invoke v3 transaction hash and the session-token
 * messages and signatures of Argent accounts (docs/protocol.md §4, §6.4-§6.6, §6.10).
 * Included once, by xs_core.c, after the primitives (layout after libsecp256k1's
 * src/modules/<name>/main_impl.h). */
#ifndef XS_MODULE_STARKNET_MAIN_IMPL_H
#define XS_MODULE_STARKNET_MAIN_IMPL_H

/* ------------------------------------------------------------------ Merkle */
size_t xs_merkle_size(size_t n) {
    size_t total = n;
    while (n > 1) { n = (n + 1) / 2; total += n; }
    return total;
}

void xs_merkle_levels(unsigned char *out, const unsigned char *leaves, size_t n,
                      xs_hash_method hash_method) {
    static const unsigned char zero[32] = {0};
    const unsigned char *cur = leaves;
    unsigned char *o[XS_PED_CHUNK];
    const unsigned char *lo[XS_PED_CHUNK], *hi[XS_PED_CHUNK];
    size_t cnt = n, chunk = hash_method == XS_HASH_POSEIDON ? 4 : XS_PED_CHUNK;
    XS_ONCE();
    while (cnt > 1) {
        size_t next = (cnt + 1) / 2, i, m = 0;
        for (i = 0; i < next; i++) {
            const unsigned char *a = cur + 64 * i;
            const unsigned char *b = (2 * i + 1 < cnt) ? a + 32 : zero;
            if (memcmp(a, b, 32) > 0) { const unsigned char *tt = a; a = b; b = tt; }
            o[m] = out + 32 * i; lo[m] = a; hi[m] = b; m++;
            if (m == chunk || i + 1 == next) {
                if (hash_method == XS_HASH_POSEIDON) xs_poseidon2_upto4(o, lo, hi, m);
                else xs_pedersen_ptrs_var(o, lo, hi, m);
                m = 0;
            }
        }
        cur = out;
        out += 32 * next;
        cnt = next;
    }
}

/* ------------------------------------------------------------------ session transactions */
#define XS_INVOKE_HEAD 9     /* version, sender, chain_id, nonce, da_word, tip, 3 bound words */
#define XS_SESSION_CHUNK 32  /* transactions per signing batch (shares the inversions) */

/* Up to four transactions: their invoke v3 hashes (docs/protocol.md §6.10) and, unless tokens is NULL,
 * their session-token messages pos_many(h, session_hash, cache_flag) (§6.5), as big-endian bytes. */
static void xs_invoke_v3_token_upto4(unsigned char *hashes, unsigned char *tokens,
                                     const unsigned char *const *tx, const size_t *const *lens,
                                     size_t m, const unsigned char *session_hash32,
                                     const unsigned char *cache_flag32) {
    static const unsigned char invoke[32] = {[26] = 0x69, 0x6e, 0x76, 0x6f, 0x6b, 0x65};
    const unsigned char *v[4];
    size_t len[4], k, j;
    xs_fe inner[5][4], h[4];
    unsigned char outer[4][11 * 32], tok[4][3 * 32];
    /* inner sequence 0: (tip, bounds); 1..4: paymaster data, deployment data, calldata, facts */
    for (k = 0; k < m; k++) { v[k] = tx[k] + 32 * 5; len[k] = 4; }
    xs_sponge_upto4(inner[0], v, len, m);
    for (j = 0; j < 4; j++) {
        size_t na = 0, idx[4];
        for (k = 0; k < m; k++) {
            size_t off = XS_INVOKE_HEAD, i;
            for (i = 0; i < j; i++) off += lens[k][i];
            if (j == 3 && lens[k][3] == 0) continue;   /* no proof facts: not hashed */
            v[na] = tx[k] + 32 * off; len[na] = lens[k][j]; idx[na++] = k;
        }
        if (na) {
            xs_fe tmp[4];
            xs_sponge_upto4(tmp, v, len, na);
            for (k = 0; k < na; k++) inner[j + 1][idx[k]] = tmp[k];
        }
    }
    /* outer: [invoke, version, sender, pos(tip, bounds), pos(paymaster), chain_id, nonce,
     * da_word, pos(deployment), pos(calldata), (pos(facts))] */
    for (k = 0; k < m; k++) {
        unsigned char *o = outer[k];
        memcpy(o, invoke, 32);
        memcpy(o + 32, tx[k], 64);                                  /* version, sender */
        xs_fe_to_be32(o + 96, &inner[0][k]);
        xs_fe_to_be32(o + 128, &inner[1][k]);
        memcpy(o + 160, tx[k] + 64, 96);                            /* chain_id, nonce, da_word */
        xs_fe_to_be32(o + 256, &inner[2][k]);
        xs_fe_to_be32(o + 288, &inner[3][k]);
        if (lens[k][3]) xs_fe_to_be32(o + 320, &inner[4][k]);
        v[k] = o; len[k] = lens[k][3] ? 11 : 10;
    }
    xs_sponge_upto4(h, v, len, m);
    for (k = 0; k < m; k++) xs_fe_to_be32(hashes + 32 * k, &h[k]);
    if (tokens == NULL) return;
    for (k = 0; k < m; k++) {
        memcpy(tok[k], hashes + 32 * k, 32);
        memcpy(tok[k] + 32, session_hash32, 32);
        memcpy(tok[k] + 64, cache_flag32, 32);
        v[k] = tok[k]; len[k] = 3;
    }
    xs_sponge_upto4(h, v, len, m);
    for (k = 0; k < m; k++) xs_fe_to_be32(tokens + 32 * k, &h[k]);
}

/* Hashes (and token messages unless tokens is NULL) of transactions first..first+m-1 of a
 * felts/lens layout (see xs_session_sign_invoke_v3); *off is the felt offset of the first one and
 * is advanced past the last. */
static void xs_invoke_v3_run(unsigned char *hashes, unsigned char *tokens, const unsigned char *felts,
                             size_t nfelts, const size_t *lens, size_t first, size_t m, size_t *off,
                             const unsigned char *session_hash32, const unsigned char *cache_flag32) {
    size_t g, k, gm;
    for (g = 0; g < m; g += gm) {
        const unsigned char *tx[4];
        const size_t *tl[4];
        gm = m - g < 4 ? m - g : 4;
        for (k = 0; k < gm; k++) {
            const size_t *l = lens + 4 * (first + g + k);
            tx[k] = felts + 32 * *off;
            tl[k] = l;
            *off += XS_INVOKE_HEAD + l[0] + l[1] + l[2] + l[3];
            XS_VERIFY_CHECK(*off <= nfelts);
        }
        xs_invoke_v3_token_upto4(hashes + 32 * g, tokens ? tokens + 32 * g : NULL, tx, tl, gm, session_hash32,
                                 cache_flag32);
    }
    (void)nfelts;
}

void xs_invoke_v3_hash_batch(unsigned char *out, const unsigned char *felts, size_t nfelts,
                             const size_t *lens, size_t n) {
    size_t off = 0;
    XS_ONCE();
    xs_invoke_v3_run(out, NULL, felts, nfelts, lens, 0, n, &off, NULL, NULL);
}

void xs_session_sign_invoke_v3(unsigned char *out, const unsigned char *felts, size_t nfelts,
                               const size_t *lens, size_t n, const unsigned char *session_hash32,
                               const unsigned char *cache_flag32, const unsigned char *key1,
                               const unsigned char *key2) {
    size_t base, m, off = 0;
    XS_ONCE();
    for (base = 0; base < n; base += m) {
        unsigned char hashes[XS_SESSION_CHUNK * 32], tokens[XS_SESSION_CHUNK * 32];
        unsigned char sig1[XS_SESSION_CHUNK * 64], sig2[XS_SESSION_CHUNK * 64];
        size_t k;
        m = n - base < XS_SESSION_CHUNK ? n - base : XS_SESSION_CHUNK;
        xs_invoke_v3_run(hashes, tokens, felts, nfelts, lens, base, m, &off, session_hash32, cache_flag32);
        xs_ecdsa_sign_batch_s(sig1, tokens, m, key1);
        xs_ecdsa_sign_batch_s(sig2, tokens, m, key2);
        for (k = 0; k < m; k++) {
            unsigned char *o = out + 160 * (base + k);
            memcpy(o, hashes + 32 * k, 32);
            memcpy(o + 32, sig1 + 64 * k, 64);
            memcpy(o + 96, sig2 + 64 * k, 64);
        }
    }
    (void)nfelts;
}

#endif /* XS_MODULE_STARKNET_MAIN_IMPL_H */
