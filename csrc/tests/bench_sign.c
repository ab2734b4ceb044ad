/* bench_sign.c — microbenchmark of xs_session_sign_invoke_v3 and its parts (not run by CI).
 * Build: gcc -std=c11 -O3 -Icsrc/include -Icsrc csrc/tests/bench_sign.c -o bench_sign
 * Usage: bench_sign [runs]   prints the median over the runs of the thread CPU time per transaction
 * (the machine may be shared) of the whole call and of each stage it is made of: the Poseidon hashes (invoke v3 hash and token
 * message), the RFC 6979 nonce (HMAC-SHA256 DRBG), the constant-time k*G (one at a time; the
 * batch signing interleaves two), the shared inversions and the whole of the two batch signatures. Transactions: 3 calls (calldata of 16 felts), no paymaster
 * or deployment data, no proof facts; all felts but the nonce and the calldata are the same in
 * every transaction, as in a relayer's batch. */
#define _POSIX_C_SOURCE 199309L
#include "../xs_core.c"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NTX 64
#define CALLDATA 16
#define TXFELTS (XS_INVOKE_HEAD + CALLDATA)

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);   /* CPU time: the machine is shared */
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static volatile uint64_t g_sink;

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static void felt(unsigned char *o, uint64_t v) {
    memset(o, 0, 32);
    for (int i = 0; i < 8; i++) o[31 - i] = (unsigned char)(v >> (8 * i));
    o[0] = (unsigned char)(v & 0x03);   /* a few high bits, still < p */
}

enum { T_ALL, T_HASH, T_DRBG, T_KG, T_FINV, T_SINV, T_SIGN, T_N };
static const char *names[T_N] = {
    "xs_session_sign_invoke_v3", "  Poseidon: invoke v3 hash + token message",
    "  RFC 6979 nonce (HMAC-SHA256) x2", "  k*G constant time x2 (one at a time)", "  field inversion of Z (batched) x2",
    "  scalar inversion of k*u (batched) x2", "  ECDSA signing total x2 (incl. the above)"};

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 31, r, i;
    static unsigned char felts[NTX * TXFELTS * 32], out[NTX * 160], hashes[NTX * 32], tokens[NTX * 32];
    static unsigned char sigs[NTX * 64];
    static size_t lens[NTX * 4];
    static double t[T_N][1000];
    unsigned char sh[32], cf[32], k1[32], k2[32];
    xs_init();
    for (i = 0; i < NTX * TXFELTS; i++) {   /* nonce and calldata differ, the rest is shared */
        int f = i % TXFELTS, varies = f == 3 || f >= XS_INVOKE_HEAD;
        felt(felts + 32 * i, 0x9e3779b97f4a7c15ULL * (uint64_t)(varies ? i + 1 : f + 1));
    }
    for (i = 0; i < NTX; i++) { lens[4 * i] = 0; lens[4 * i + 1] = 0; lens[4 * i + 2] = CALLDATA; lens[4 * i + 3] = 0; }
    felt(sh, 12345); felt(cf, 0); felt(k1, 0x1234567890abcdefULL); felt(k2, 0xfedcba0987654321ULL);
    if (runs > 1000) runs = 1000;
    for (r = 0; r < runs; r++) {
        double t0;
        size_t off = 0;
        xs_invoke_memo memo = {{NULL}, {0}, {{{0}}}};
        t0 = now_ns();
        xs_session_sign_invoke_v3(out, felts, sizeof felts / 32, lens, NTX, sh, cf, k1, k2);
        t[T_ALL][r] = (now_ns() - t0) / NTX;
        t0 = now_ns();
        xs_invoke_v3_run(hashes, tokens, felts, sizeof felts / 32, lens, 0, NTX, &off, sh, cf, &memo);
        t[T_HASH][r] = (now_ns() - t0) / NTX;
        t0 = now_ns();
        xs_ecdsa_sign_batch_s(sigs, tokens, NTX, k1);
        xs_ecdsa_sign_batch_s(sigs, tokens, NTX, k2);
        t[T_SIGN][r] = (now_ns() - t0) / NTX;
        {
            xs_rfc6979 g;
            xs_scalar k[NTX];
            xs_gep R[NTX];
            xs_fe zi[NTX], pre[NTX];
            xs_scalar ku[NTX], spre[NTX];
            t0 = now_ns();
            for (i = 0; i < 2 * NTX; i++) {
                xs_rfc6979_init(&g, i & 1 ? k2 : k1, tokens + 32 * (i / 2), NULL, 0);
                xs_rfc6979_next_k(&g, &k[i / 2], 1);
            }
            t[T_DRBG][r] = (now_ns() - t0) / NTX;
            t0 = now_ns();
            for (i = 0; i < 2 * NTX; i++) xs_ecmult_gen_const(&R[i / 2], &k[i / 2]);
            t[T_KG][r] = (now_ns() - t0) / NTX;
            for (i = 0; i < NTX; i++) { zi[i] = R[i].z; ku[i] = k[i]; }
            t0 = now_ns();
            for (i = 0; i < 4; i++) xs_fe_inv_all(zi, zi, XS_SIGN_CHUNK, pre);
            t[T_FINV][r] = (now_ns() - t0) / NTX;
            t0 = now_ns();
            for (i = 0; i < 4; i++) xs_scalar_mont_inv_all(ku, ku, XS_SIGN_CHUNK, spre);
            t[T_SINV][r] = (now_ns() - t0) / NTX;
            g_sink ^= zi[0].n[0] ^ ku[1].n[0] ^ R[2].x.n[0];
        }
        g_sink ^= out[7] ^ sigs[9];
    }
    printf("median of %d runs, %d transactions per run, per transaction:\n", runs, NTX);
    for (i = 0; i < T_N; i++) printf("%-46s %8.2f us\n", names[i], median(t[i], runs) / 1000);
    return 0;
}
