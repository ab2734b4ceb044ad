/* bench_poseidon.c — microbenchmark of the Hades permutation (not run by CI).
 * Build: gcc -std=c11 -O2 -Icsrc/include -Icsrc csrc/tests/bench_poseidon.c -o bench_poseidon
 * Usage: bench_poseidon [runs]   prints the minimum over the runs of ns per permutation for
 * xs_hades (one state), xs_hades2 and xs_hades4 (per state; with AVX2 also the scalar
 * xs_hades_n(4) it replaces), and of one field mul/cube. */
#define _POSIX_C_SOURCE 199309L
#include "../xs_core.c"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#if XS_FE_ASM
#define ADX_IN_USE xs_fe_use_adx
#else
#define ADX_IN_USE 0   /* portable field (-DXS_NO_ASM): no ADX code is built */
#endif

static volatile uint64_t g_sink;
static double fmin_(double x, double y) { return x < y ? x : y; }

static void init_states(xs_fe s[4][3]) {
    int k, j, l;
    for (k = 0; k < 4; k++)
        for (j = 0; j < 3; j++)
            for (l = 0; l < 4; l++)
                s[k][j].n[l] = (uint64_t)(k * 3 + j + 1) * 0x9e3779b97f4a7c15ULL >> (l == 3 ? 5 : 0);
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 200, r, i;
    const int iters = 400;   /* short runs: the minimum skips scheduler noise */
    double best_h1 = 1e30, best_h2 = 1e30, best_h4 = 1e30, best_h4s = 1e30, best_mul = 1e30, best_cube = 1e30;
    xs_fe s[4][3], a, b;
    xs_init();
#if XS_POSEIDON_AVX2
    printf("adx: %d, avx2 xs_hades4: %d\n", ADX_IN_USE, xs_poseidon_use_avx2);
#else
    printf("adx: %d, avx2 xs_hades4: 0\n", ADX_IN_USE);
#endif
    for (r = 0; r < runs; r++) {
        double t0;
        init_states(s);
        t0 = now_ns();
        for (i = 0; i < iters; i++) xs_hades(s[0]);
        best_h1 = fmin_(best_h1, (now_ns() - t0) / iters);
        t0 = now_ns();
        for (i = 0; i < iters / 2; i++) xs_hades2(s);
        best_h2 = fmin_(best_h2, (now_ns() - t0) / iters);
        t0 = now_ns();
        for (i = 0; i < iters / 4; i++) xs_hades4(s);
        best_h4 = fmin_(best_h4, (now_ns() - t0) / iters);
        t0 = now_ns();
        for (i = 0; i < iters / 4; i++) xs_hades_n(s, 4);
        best_h4s = fmin_(best_h4s, (now_ns() - t0) / iters);
        a = s[0][0]; b = s[1][1];
        t0 = now_ns();
        for (i = 0; i < iters * 50; i++) xs_fe_mul(&a, &a, &b);
        best_mul = fmin_(best_mul, (now_ns() - t0) / (iters * 50));
        t0 = now_ns();
        for (i = 0; i < iters * 50; i++) xs_poseidon_sbox(&a, &a);
        best_cube = fmin_(best_cube, (now_ns() - t0) / (iters * 50));
        g_sink ^= s[0][0].n[0] ^ s[3][2].n[1] ^ a.n[0];
    }
    printf("xs_hades        %8.1f ns\n", best_h1);
    printf("xs_hades2/item  %8.1f ns\n", best_h2);
    printf("xs_hades4/item  %8.1f ns\n", best_h4);
    printf("hades_n(4)/item %8.1f ns (scalar)\n", best_h4s);
    printf("fe_mul latency  %8.1f ns\n", best_mul);
    printf("sbox latency   %8.1f ns\n", best_cube);
    return 0;
}
