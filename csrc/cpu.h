/* cpu.h — build-time choice of the x86-64 code paths and run-time CPU feature detection
 * (cpuid / xgetbv). Without the asm build (XS_NO_ASM, another compiler or architecture) nothing
 * here executes cpuid: the portable code is used.
 *  - XS_FE_ASM: the x86-64 asm field (felt_asm_impl.h, scalar_impl.h), which picks mulx/adcx/adox
 *    at run time when xs_cpu_has_bmi2_adx() says so, else mulq;
 *  - XS_POSEIDON_AVX2: the AVX2 Poseidon (poseidon_avx2_impl.h), compiled with function-level
 *    target("avx2") (no -mavx2 needed) and used when xs_cpu_has_avx2() says the CPU and OS allow it;
 *  - XS_SHA256_SHANI: the SHA-256 compression function with the SHA extensions (sha256_impl.h),
 *    compiled with target("sha,sse4.1") and used when xs_cpu_has_sha() says the CPU has them.
 */
#ifndef XS_CPU_H
#define XS_CPU_H

#include "util.h"

#if XS_HAVE_INT128 && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(XS_NO_ASM)
#  define XS_FE_ASM 1
#else
#  define XS_FE_ASM 0
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(XS_NO_ASM)
#  define XS_POSEIDON_AVX2 1
#else
#  define XS_POSEIDON_AVX2 0
#endif

#define XS_SHA256_SHANI XS_POSEIDON_AVX2

#if XS_FE_ASM || XS_POSEIDON_AVX2
/* regs = eax, ebx, ecx, edx of cpuid(leaf, subleaf). */
static void xs_cpuid(unsigned int regs[4], unsigned int leaf, unsigned int subleaf) {
    __asm__ __volatile__("cpuid" : "=a"(regs[0]), "=b"(regs[1]), "=c"(regs[2]), "=d"(regs[3])
                         : "a"(leaf), "c"(subleaf));
}
#endif

#if XS_FE_ASM
/* 1 iff the CPU has BMI2 (mulx) and ADX (adcx/adox): cpuid leaf 7 ebx bits 8 and 19. */
static int xs_cpu_has_bmi2_adx(void) {
    unsigned int r[4];
    xs_cpuid(r, 0, 0);
    if (r[0] < 7) return 0;
    xs_cpuid(r, 7, 0);
    return ((r[1] >> 8) & 1) && ((r[1] >> 19) & 1);
}
#endif

#if XS_POSEIDON_AVX2
/* 1 iff AVX2 is usable, from cpuid leaf 1 ecx (bit 27 OSXSAVE, bit 28 AVX), leaf 7 ebx (bit 5
 * AVX2) and XCR0 (bits 1, 2: the OS saves XMM and YMM state). */
static int xs_cpu_avx2_usable(uint32_t ecx1, uint32_t ebx7, uint64_t xcr0) {
    return ((ecx1 >> 27) & 1) && ((ecx1 >> 28) & 1) && ((ebx7 >> 5) & 1) && (xcr0 & 6) == 6;
}

static int xs_cpu_has_avx2(void) {
    unsigned int r[4], ecx1, xlo = 0, xhi = 0;
    xs_cpuid(r, 0, 0);
    if (r[0] < 7) return 0;
    xs_cpuid(r, 1, 0);
    ecx1 = r[2];
    xs_cpuid(r, 7, 0);
    if ((ecx1 >> 27) & 1)   /* xgetbv is only defined with OSXSAVE */
        __asm__ __volatile__("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
    return xs_cpu_avx2_usable(ecx1, r[1], ((uint64_t)xhi << 32) | xlo);
}
#endif

#if XS_SHA256_SHANI
/* 1 iff the CPU has the SHA extensions (cpuid leaf 7 ebx bit 29), SSSE3 and SSE4.1 (leaf 1 ecx
 * bits 9 and 19). */
static int xs_cpu_has_sha(void) {
    unsigned int r[4], ecx1;
    xs_cpuid(r, 0, 0);
    if (r[0] < 7) return 0;
    xs_cpuid(r, 1, 0);
    ecx1 = r[2];
    xs_cpuid(r, 7, 0);
    return ((ecx1 >> 9) & 1) && ((ecx1 >> 19) & 1) && ((r[1] >> 29) & 1);
}
#endif

#endif /* XS_CPU_H */
