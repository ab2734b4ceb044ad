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

/* The five inner sequences of an invoke v3 hashed with poseidon_many: 0 (tip, bounds), then
 * paymaster data, deployment data, calldata and proof facts (not hashed when empty). A batch
 * usually repeats them from one transaction to the next (same resource bounds, empty paymaster
 * and deployment data): each sequence equal to the previous transaction's reuses its hash.
 * Transaction data is public, so comparing it is not a timing leak. */
#define XS_INVOKE_SEQS 5
typedef struct {
    const unsigned char *v[XS_INVOKE_SEQS];  /* the previous transaction's sequences (NULL: none) */
    size_t len[XS_INVOKE_SEQS];
    xs_fe h[XS_INVOKE_SEQS];                 /* and their hashes */
} xs_invoke_memo;

/* Felt offset and length of inner sequence j of a transaction with lens l. */
static size_t xs_invoke_seq(size_t *len, const size_t *l, size_t j) {
    size_t off = XS_INVOKE_HEAD, i;
    if (j == 0) { *len = 4; return 5; }
    for (i = 0; i + 1 < j; i++) off += l[i];
    *len = l[j - 1];
    return off;
}

/* Up to four transactions: their invoke v3 hashes (docs/protocol.md §6.10) and, unless tokens is NULL,
 * their session-token messages pos_many(h, session_hash, cache_flag) (§6.5), as big-endian bytes.
 * memo holds the sequences of the transaction before tx[0] and is updated to those of tx[m-1]. */
static void xs_invoke_v3_token_upto4(unsigned char *hashes, unsigned char *tokens,
                                     const unsigned char *const *tx, const size_t *const *lens,
                                     size_t m, const unsigned char *session_hash32,
                                     const unsigned char *cache_flag32, xs_invoke_memo *memo) {
    static const unsigned char invoke[32] = {[26] = 0x69, 0x6e, 0x76, 0x6f, 0x6b, 0x65};
    const unsigned char *v[4];
    size_t len[4], k, j;
    xs_fe inner[XS_INVOKE_SEQS][4], h[4];
    unsigned char outer[4][11 * 32], tok[4][3 * 32];
    for (j = 0; j < XS_INVOKE_SEQS; j++) {
        const unsigned char *seq[4], *prev = memo->v[j];
        size_t na = 0, idx[4], sl[4], plen = memo->len[j];
        int same[4];
        for (k = 0; k < m; k++) {
            seq[k] = tx[k] + 32 * xs_invoke_seq(&sl[k], lens[k], j);
            same[k] = prev != NULL && sl[k] == plen && memcmp(seq[k], prev, 32 * plen) == 0;
            prev = seq[k]; plen = sl[k];
            if (j == 4 && sl[k] == 0) { same[k] = 0; continue; }   /* no proof facts: not hashed */
            if (same[k]) continue;
            v[na] = seq[k]; len[na] = sl[k]; idx[na++] = k;
        }
        if (na) {
            xs_fe tmp[4];
            xs_sponge_upto4(tmp, v, len, na);
            for (k = 0; k < na; k++) inner[j][idx[k]] = tmp[k];
        }
        for (k = 0; k < m; k++)
            if (same[k]) inner[j][k] = k ? inner[j][k - 1] : memo->h[j];
        memo->v[j] = seq[m - 1]; memo->len[j] = sl[m - 1]; memo->h[j] = inner[j][m - 1];
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
 * is advanced past the last; memo as for xs_invoke_v3_token_upto4. */
static void xs_invoke_v3_run(unsigned char *hashes, unsigned char *tokens, const unsigned char *felts,
                             size_t nfelts, const size_t *lens, size_t first, size_t m, size_t *off,
                             const unsigned char *session_hash32, const unsigned char *cache_flag32,
                             xs_invoke_memo *memo) {
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
                                 cache_flag32, memo);
    }
    (void)nfelts;
}

void xs_invoke_v3_hash_batch(unsigned char *out, const unsigned char *felts, size_t nfelts,
                             const size_t *lens, size_t n) {
    size_t off = 0;
    xs_invoke_memo memo = {{NULL}, {0}, {{{0}}}};
    XS_ONCE();
    xs_invoke_v3_run(out, NULL, felts, nfelts, lens, 0, n, &off, NULL, NULL, &memo);
}

void xs_session_sign_invoke_v3(unsigned char *out, const unsigned char *felts, size_t nfelts,
                               const size_t *lens, size_t n, const unsigned char *session_hash32,
                               const unsigned char *cache_flag32, const unsigned char *key1,
                               const unsigned char *key2) {
    size_t base, m, off = 0;
    xs_invoke_memo memo = {{NULL}, {0}, {{{0}}}};
    XS_ONCE();
    for (base = 0; base < n; base += m) {
        unsigned char hashes[XS_SESSION_CHUNK * 32], tokens[XS_SESSION_CHUNK * 32];
        unsigned char sig1[XS_SESSION_CHUNK * 64], sig2[XS_SESSION_CHUNK * 64];
        size_t k;
        m = n - base < XS_SESSION_CHUNK ? n - base : XS_SESSION_CHUNK;
        xs_invoke_v3_run(hashes, tokens, felts, nfelts, lens, base, m, &off, session_hash32, cache_flag32,
                         &memo);
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
