/* felt_impl.h — F_p arithmetic. p = 1 + P3*2^192 with P3 = 0x0800000000000011, so
 * -p^-1 mod 2^64 = -1 and Montgomery reduction needs one 64x64 product per limb (only limb 0
 * and limb 3 of p are nonzero). For a*b < 2^256*p the reduced value is < 2p, and one
 * conditional subtraction (by mask, constant time) gives the canonical result.
 */
#ifndef XS_FELT_IMPL_H
#define XS_FELT_IMPL_H

#include "felt.h"
#include "consts.h"
#include "cpu.h"

#define XS_P3 0x0800000000000011ULL


#if XS_HAVE_INT128
/* ---- fast path: unsigned __int128 carry chains (the compiler turns them into adc/sbb). ---- */
typedef __int128 xs_i128;

/* r = t mod p for t < 2p. t - p has |value| < 2^252, so bit 255 of its top limb is its sign. */
XS_INLINE void xs_fe_reduce_once(uint64_t r[4], const uint64_t t[4]) {
    xs_i128 d;
    uint64_t s0, s1, s2, s3, mask;
    d = (xs_i128)t[0] - 1;          s0 = (uint64_t)d; d >>= 64;
    d += t[1];                      s1 = (uint64_t)d; d >>= 64;
    d += t[2];                      s2 = (uint64_t)d; d >>= 64;
    d += (xs_i128)t[3] - XS_P3;     s3 = (uint64_t)d;
    mask = (uint64_t)((int64_t)s3 >> 63);  /* all-ones if t < p: keep t */
    r[0] = (t[0] & mask) | (s0 & ~mask);
    r[1] = (t[1] & mask) | (s1 & ~mask);
    r[2] = (t[2] & mask) | (s2 & ~mask);
    r[3] = (t[3] & mask) | (s3 & ~mask);
}

#if XS_FE_ASM
/* Montgomery reduction of the 512-bit product in r8..r15 with mulq (p = 1 mod 2^192: a 3-limb
 * step m = -T mod 2^192, then one 64-bit step), a cmov conditional subtraction, and the store of
 * r8..r11 to the pointer at roff(%[p]). Shared by xs_fe_mul_base and xs_fe_sqr_base. */
#define XS_BASE_REDC_STORE(roff) \
        "negq %%r8\n\t" \
        "movl $0, %%eax\n\t" "sbbq %%r9, %%rax\n\t" "movq %%rax, %%r9\n\t" \
        "movl $0, %%eax\n\t" "sbbq %%r10, %%rax\n\t" "movq %%rax, %%r10\n\t" \
        "adcq $0, %%r11\n\t" "adcq $0, %%r12\n\t" "adcq $0, %%r13\n\t" "adcq $0, %%r14\n\t" "adcq $0, %%r15\n\t" \
        "movabsq $0x0800000000000011, %%rcx\n\t" \
        "movq %%r8, %%rax\n\t" "mulq %%rcx\n\t" "addq %%rax, %%r11\n\t" "adcq %%rdx, %%r12\n\t" "adcq $0, %%r13\n\t" "adcq $0, %%r14\n\t" "adcq $0, %%r15\n\t" \
        "movq %%r9, %%rax\n\t" "mulq %%rcx\n\t" "addq %%rax, %%r12\n\t" "adcq %%rdx, %%r13\n\t" "adcq $0, %%r14\n\t" "adcq $0, %%r15\n\t" \
        "movq %%r10, %%rax\n\t" "mulq %%rcx\n\t" "addq %%rax, %%r13\n\t" "adcq %%rdx, %%r14\n\t" "adcq $0, %%r15\n\t" \
        "movq %%r11, %%r8\n\t" "negq %%r8\n\t" \
        "adcq $0, %%r12\n\t" "adcq $0, %%r13\n\t" "adcq $0, %%r14\n\t" "adcq $0, %%r15\n\t" \
        "movq %%r8, %%rax\n\t" "mulq %%rcx\n\t" "addq %%rax, %%r14\n\t" "adcq %%rdx, %%r15\n\t" \
        "movq %%r12, %%r8\n\t" "movq %%r13, %%r9\n\t" "movq %%r14, %%r10\n\t" "movq %%r15, %%r11\n\t" \
        "subq $1, %%r8\n\t" "sbbq $0, %%r9\n\t" "sbbq $0, %%r10\n\t" "sbbq %%rcx, %%r11\n\t" \
        "cmovcq %%r12, %%r8\n\t" "cmovcq %%r13, %%r9\n\t" "cmovcq %%r14, %%r10\n\t" "cmovcq %%r15, %%r11\n\t" \
        "movq " #roff "(%[p]), %%rax\n\t" \
        "movq %%r8, 0(%%rax)\n\t" "movq %%r9, 8(%%rax)\n\t" "movq %%r10, 16(%%rax)\n\t" "movq %%r11, 24(%%rax)\n\t"

/* The 512-bit product of the 4-limb operands at 0(%[p]) and 8(%[p]) into r8..r15 (operand
 * scanning, baseline ISA: mulq/add/adc); clobbers rax, rbx, rcx, rdx. Shared by xs_fe_mul_base
 * and xs_scalar_mont_mul (scalar_impl.h), which differ only in the reduction that follows. */
#define XS_ASM_MUL_4X4_PRODUCT \
        "movq 8(%[p]), %%rcx\n\t" "movq 0(%%rcx), %%rcx\n\t" \
        "movq 0(%[p]), %%rax\n\t" "movq 0(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "movq %%rax, %%r8\n\t" "movq %%rdx, %%r9\n\t" \
        "movq 0(%[p]), %%rax\n\t" "movq 8(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rax, %%r9\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%r10\n\t" \
        "movq 0(%[p]), %%rax\n\t" "movq 16(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rax, %%r10\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%r11\n\t" \
        "movq 0(%[p]), %%rax\n\t" "movq 24(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rax, %%r11\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%r12\n\t" \
        "movq 8(%[p]), %%rcx\n\t" "movq 8(%%rcx), %%rcx\n\t" \
        "movq 0(%[p]), %%rax\n\t" "movq 0(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rax, %%r9\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rbx\n\t" \
        "movq 0(%[p]), %%rax\n\t" "movq 8(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rbx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r10\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rbx\n\t" \
        "movq 0(%[p]), %%rax\n\t" "movq 16(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rbx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r11\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rbx\n\t" \
        "movq 0(%[p]), %%rax\n\t" "movq 24(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rbx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r12\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%r13\n\t" \
        "movq 8(%[p]), %%rcx\n\t" "movq 16(%%rcx), %%rcx\n\t" \
        "movq 0(%[p]), %%rax\n\t" "movq 0(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rax, %%r10\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rbx\n\t" \
        "movq 0(%[p]), %%rax\n\t" "movq 8(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rbx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r11\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rbx\n\t" \
        "movq 0(%[p]), %%rax\n\t" "movq 16(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rbx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r12\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rbx\n\t" \
        "movq 0(%[p]), %%rax\n\t" "movq 24(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rbx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r13\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%r14\n\t" \
        "movq 8(%[p]), %%rcx\n\t" "movq 24(%%rcx), %%rcx\n\t" \
        "movq 0(%[p]), %%rax\n\t" "movq 0(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rax, %%r11\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rbx\n\t" \
        "movq 0(%[p]), %%rax\n\t" "movq 8(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rbx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r12\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rbx\n\t" \
        "movq 0(%[p]), %%rax\n\t" "movq 16(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rbx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r13\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rbx\n\t" \
        "movq 0(%[p]), %%rax\n\t" "movq 24(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rbx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r14\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%r15\n\t"

/* x86-64 (baseline ISA: mul/add/adc/sbb/cmov) Montgomery multiplication in one block, the
 * 512-bit product kept in r8..r15. Product: operand scanning. Reduction in two steps, using
 * p = 1 mod 2^192: m = -T mod 2^192 (3 limbs, negation), U = (T + m p)/2^192 =
 * T_hi + [T_lo != 0] + m*P3; then one 64-bit step m' = -U0, u = (U + m' p)/2^64 < 2p; then a
 * cmov-based conditional subtraction. The operands are reached through one pointer to
 * {a, b, r} so that the block needs a single free register (fits frame-pointer and
 * sanitizer builds). Constant time: no branches, no secret-dependent addresses. */
static void xs_fe_mul_base(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    const uint64_t *p[3];
    p[0] = a->n; p[1] = b->n; p[2] = r->n;
    __asm__ __volatile__(
        XS_ASM_MUL_4X4_PRODUCT
        XS_BASE_REDC_STORE(16)
        :
        : [p] "r"(p)
        : "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
          "cc", "memory");
}



/* Shared tail of the BMI2/ADX code: Montgomery reduction of the product T in r8..r15 (the same
 * steps as xs_fe_mul_base: m = -T mod 2^192, U = T_hi + [T_lo != 0] + m*P3, then m' = -U0 and
 * (U + m' p)/2^64), with the carries of m*P3 on two chains (adcx/adox). sbb %rcx,%rcx keeps
 * CF = [T_lo != 0] as the carry-in of the adcx chain and clears OF for the adox chain (the
 * mulx in between leave the flags alone). XS_ADX_REDC_LAZY leaves u = (T + M p)/2^256 in
 * r12..r15 without the final subtraction: u < T/2^256 + p, so u < 2p for T < 2^256 p (e.g. both
 * factors < 4p); clobbers rax, rbx, rcx, rdx, r8..r11. XS_ADX_REDC then subtracts p once
 * (cmov), result in r8..r11; XS_ADX_REDC_STORE also stores it to the pointer at roff(%[p]). */
#define XS_ADX_REDC_LAZY \
        "xorl %%eax, %%eax\n\t" "xorl %%ebx, %%ebx\n\t" \
        "negq %%r8\n\t" "sbbq %%r9, %%rax\n\t" "sbbq %%r10, %%rbx\n\t" \
        "sbbq %%rcx, %%rcx\n\t" \
        "movabsq $0x0800000000000011, %%rdx\n\t" \
        "mulxq %%r8, %%r8, %%r9\n\t" "mulxq %%rax, %%rax, %%r10\n\t" "mulxq %%rbx, %%rbx, %%rcx\n\t" \
        "movl $0, %%edx\n\t" \
        "adcxq %%r8, %%r11\n\t" "adoxq %%r9, %%r12\n\t" \
        "adcxq %%rax, %%r12\n\t" "adoxq %%r10, %%r13\n\t" \
        "adcxq %%rbx, %%r13\n\t" "adoxq %%rcx, %%r14\n\t" \
        "adcxq %%rdx, %%r14\n\t" "adoxq %%rdx, %%r15\n\t" "adcxq %%rdx, %%r15\n\t" \
        "negq %%r11\n\t" \
        "movabsq $0x0800000000000011, %%rdx\n\t" \
        "mulxq %%r11, %%rax, %%rbx\n\t" \
        "adcq $0, %%r12\n\t" "adcq $0, %%r13\n\t" "adcq %%rax, %%r14\n\t" "adcq %%rbx, %%r15\n\t"
#define XS_ADX_REDC XS_ADX_REDC_LAZY \
        "movq %%r12, %%r8\n\t" "movq %%r13, %%r9\n\t" "movq %%r14, %%r10\n\t" "movq %%r15, %%r11\n\t" \
        "subq $1, %%r8\n\t" "sbbq $0, %%r9\n\t" "sbbq $0, %%r10\n\t" "sbbq %%rdx, %%r11\n\t" \
        "cmovcq %%r12, %%r8\n\t" "cmovcq %%r13, %%r9\n\t" "cmovcq %%r14, %%r10\n\t" "cmovcq %%r15, %%r11\n\t"
#define XS_ADX_REDC_STORE(roff) XS_ADX_REDC \
        "movq " #roff "(%[p]), %%rax\n\t" \
        "movq %%r8, 0(%%rax)\n\t" "movq %%r9, 8(%%rax)\n\t" "movq %%r10, 16(%%rax)\n\t" "movq %%r11, 24(%%rax)\n\t"

/* Operands and clobbers of the BMI2/ADX blocks below: p = {a, b, r} in a register; they use
 * rax..rdx, rsi and r8..r15. */
#define XS_ADX_OPERANDS \
        : \
        : [p] "r"(p) \
        : "rax", "rbx", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", \
          "cc", "memory"

/* The same multiplication with BMI2/ADX (mulx, and adcx/adox: two independent carry chains per
 * row), used when the CPU has them (xs_fe_detect_cpu; chosen once, same results). About half the
 * instructions of xs_fe_mul_base, no rax/rdx shuffling. Constant time like xs_fe_mul_base. */
static void xs_fe_mul_adx(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    const uint64_t *p[3];
    p[0] = a->n; p[1] = b->n; p[2] = r->n;
    __asm__ __volatile__(
        "movq 0(%[p]), %%rsi\n\t" "movq 8(%[p]), %%rcx\n\t"
        "movq 0(%%rcx), %%rdx\n\t"
        "mulxq 0(%%rsi), %%r8, %%r9\n\t"
        "mulxq 8(%%rsi), %%rax, %%r10\n\t" "addq %%rax, %%r9\n\t"
        "mulxq 16(%%rsi), %%rax, %%r11\n\t" "adcq %%rax, %%r10\n\t"
        "mulxq 24(%%rsi), %%rax, %%r12\n\t" "adcq %%rax, %%r11\n\t" "adcq $0, %%r12\n\t"
        "movq 8(%%rcx), %%rdx\n\t" "xorl %%r13d, %%r13d\n\t"  /* CF = OF = 0 */
        "mulxq 0(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r9\n\t" "adoxq %%rbx, %%r10\n\t"
        "mulxq 8(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r10\n\t" "adoxq %%rbx, %%r11\n\t"
        "mulxq 16(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r11\n\t" "adoxq %%rbx, %%r12\n\t"
        "mulxq 24(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r12\n\t" "adoxq %%rbx, %%r13\n\t"
        "movl $0, %%eax\n\t" "adcxq %%rax, %%r13\n\t"
        "movq 16(%%rcx), %%rdx\n\t" "xorl %%r14d, %%r14d\n\t"  /* CF = OF = 0 */
        "mulxq 0(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r10\n\t" "adoxq %%rbx, %%r11\n\t"
        "mulxq 8(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r11\n\t" "adoxq %%rbx, %%r12\n\t"
        "mulxq 16(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r12\n\t" "adoxq %%rbx, %%r13\n\t"
        "mulxq 24(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r13\n\t" "adoxq %%rbx, %%r14\n\t"
        "movl $0, %%eax\n\t" "adcxq %%rax, %%r14\n\t"
        "movq 24(%%rcx), %%rdx\n\t" "xorl %%r15d, %%r15d\n\t"  /* CF = OF = 0 */
        "mulxq 0(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r11\n\t" "adoxq %%rbx, %%r12\n\t"
        "mulxq 8(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r12\n\t" "adoxq %%rbx, %%r13\n\t"
        "mulxq 16(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r13\n\t" "adoxq %%rbx, %%r14\n\t"
        "mulxq 24(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r14\n\t" "adoxq %%rbx, %%r15\n\t"
        "movl $0, %%eax\n\t" "adcxq %%rax, %%r15\n\t"
        XS_ADX_REDC_STORE(16)
        XS_ADX_OPERANDS);
}

/* a^2 (a at rsi) into r8..r15, with BMI2/ADX: 6 off-diagonal products, doubled, plus the 4 squares. */
#define XS_ADX_SQR \
        "movq 0(%%rsi), %%rdx\n\t" \
        "mulxq 8(%%rsi), %%r9, %%r10\n\t" \
        "mulxq 16(%%rsi), %%rax, %%r11\n\t" "addq %%rax, %%r10\n\t" \
        "mulxq 24(%%rsi), %%rax, %%r12\n\t" "adcq %%rax, %%r11\n\t" "adcq $0, %%r12\n\t" \
        "movq 8(%%rsi), %%rdx\n\t" "xorl %%r13d, %%r13d\n\t" \
        "mulxq 16(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r11\n\t" "adoxq %%rbx, %%r12\n\t" \
        "mulxq 24(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r12\n\t" "adoxq %%rbx, %%r13\n\t" \
        "movq 16(%%rsi), %%rdx\n\t" \
        "mulxq 24(%%rsi), %%rax, %%r14\n\t" "adcxq %%rax, %%r13\n\t" \
        "movl $0, %%ebx\n\t" "adcxq %%rbx, %%r14\n\t" \
        /* double r9..r14 into r9..r15 */ \
        "xorl %%r15d, %%r15d\n\t" \
        "addq %%r9, %%r9\n\t" "adcq %%r10, %%r10\n\t" "adcq %%r11, %%r11\n\t" "adcq %%r12, %%r12\n\t" \
        "adcq %%r13, %%r13\n\t" "adcq %%r14, %%r14\n\t" "adcq $0, %%r15\n\t" \
        /* + squares */ \
        "movq 0(%%rsi), %%rdx\n\t" "mulxq %%rdx, %%r8, %%rax\n\t" "addq %%rax, %%r9\n\t" \
        "movq 8(%%rsi), %%rdx\n\t" "mulxq %%rdx, %%rax, %%rbx\n\t" "adcq %%rax, %%r10\n\t" "adcq %%rbx, %%r11\n\t" \
        "movq 16(%%rsi), %%rdx\n\t" "mulxq %%rdx, %%rax, %%rbx\n\t" "adcq %%rax, %%r12\n\t" "adcq %%rbx, %%r13\n\t" \
        "movq 24(%%rsi), %%rdx\n\t" "mulxq %%rdx, %%rax, %%rbx\n\t" "adcq %%rax, %%r14\n\t" "adcq %%rbx, %%r15\n\t"

/* Squaring with BMI2/ADX: 6 off-diagonal products, doubled, plus the 4 squares. */
static void xs_fe_sqr_adx(xs_fe *r, const xs_fe *a) {
    const uint64_t *p[3];
    p[0] = a->n; p[1] = a->n; p[2] = r->n;
    __asm__ __volatile__(
        "movq 0(%[p]), %%rsi\n\t"
        XS_ADX_SQR
        XS_ADX_REDC_STORE(16)
        XS_ADX_OPERANDS);
}

/* a^3 (a at rsi, a < 4p) with BMI2/ADX, product T = (a^2 R^-1 mod-ish p) * a left in r8..r15:
 * the square is reduced lazily (< 2p, in r12..r15) and stays in registers (r12 -> rdx, r13..r15
 * each moved into rdx as its row of the product starts). */
#define XS_ADX_CUBE_T \
        XS_ADX_SQR \
        XS_ADX_REDC_LAZY \
        "movq %%r12, %%rdx\n\t" "xorl %%ecx, %%ecx\n\t" \
        "mulxq 0(%%rsi), %%r8, %%r9\n\t" \
        "mulxq 8(%%rsi), %%rax, %%r10\n\t" "addq %%rax, %%r9\n\t" \
        "mulxq 16(%%rsi), %%rax, %%r11\n\t" "adcq %%rax, %%r10\n\t" \
        "mulxq 24(%%rsi), %%rax, %%r12\n\t" "adcq %%rax, %%r11\n\t" "adcq $0, %%r12\n\t" \
        "movq %%r13, %%rdx\n\t" "xorl %%r13d, %%r13d\n\t" \
        "mulxq 0(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r9\n\t" "adoxq %%rbx, %%r10\n\t" \
        "mulxq 8(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r10\n\t" "adoxq %%rbx, %%r11\n\t" \
        "mulxq 16(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r11\n\t" "adoxq %%rbx, %%r12\n\t" \
        "mulxq 24(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r12\n\t" "adoxq %%rbx, %%r13\n\t" \
        "adcxq %%rcx, %%r13\n\t" \
        "movq %%r14, %%rdx\n\t" "xorl %%r14d, %%r14d\n\t" \
        "mulxq 0(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r10\n\t" "adoxq %%rbx, %%r11\n\t" \
        "mulxq 8(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r11\n\t" "adoxq %%rbx, %%r12\n\t" \
        "mulxq 16(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r12\n\t" "adoxq %%rbx, %%r13\n\t" \
        "mulxq 24(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r13\n\t" "adoxq %%rbx, %%r14\n\t" \
        "adcxq %%rcx, %%r14\n\t" \
        "movq %%r15, %%rdx\n\t" "xorl %%r15d, %%r15d\n\t" \
        "mulxq 0(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r11\n\t" "adoxq %%rbx, %%r12\n\t" \
        "mulxq 8(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r12\n\t" "adoxq %%rbx, %%r13\n\t" \
        "mulxq 16(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r13\n\t" "adoxq %%rbx, %%r14\n\t" \
        "mulxq 24(%%rsi), %%rax, %%rbx\n\t" "adcxq %%rax, %%r14\n\t" "adoxq %%rbx, %%r15\n\t" \
        "adcxq %%rcx, %%r15\n\t"

/* r = a^3 with BMI2/ADX in one block (a < 9p; r reduced). */
static void xs_fe_cube_adx(xs_fe *r, const xs_fe *a) {
    const uint64_t *p[3];
    p[0] = a->n; p[1] = a->n; p[2] = r->n;
    __asm__ __volatile__(
        "movq 0(%[p]), %%rsi\n\t"
        XS_ADX_CUBE_T
        XS_ADX_REDC_STORE(16)
        XS_ADX_OPERANDS);
}

/* r = a^3 with BMI2/ADX, lazily reduced: a < 9p, r = a^3 (Montgomery) mod p with r < 2p
 * (r < T/R + p < (3.6p * 9p)/R + p < 2p since R > 32p); for the Poseidon S-box, whose consumers
 * accept such values. */
static void xs_fe_cube_lazy_adx(xs_fe *r, const xs_fe *a) {
    const uint64_t *p[3];
    p[0] = a->n; p[1] = a->n; p[2] = r->n;
    __asm__ __volatile__(
        "movq 0(%[p]), %%rsi\n\t"
        XS_ADX_CUBE_T
        XS_ADX_REDC_LAZY
        "movq 16(%[p]), %%rax\n\t"
        "movq %%r12, 0(%%rax)\n\t" "movq %%r13, 8(%%rax)\n\t" "movq %%r14, 16(%%rax)\n\t" "movq %%r15, 24(%%rax)\n\t"
        XS_ADX_OPERANDS);
}

/* 1 when xs_fe_mul/xs_fe_sqr use the BMI2/ADX code; written once by xs_fe_detect_cpu (inside the
 * one-time init, before any other thread can read it); not secret. */
static int xs_fe_use_adx = 0;

static void xs_fe_detect_cpu(void) {
    xs_fe_use_adx = xs_cpu_has_bmi2_adx();
}

XS_INLINE void xs_fe_mul(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    if (xs_fe_use_adx) xs_fe_mul_adx(r, a, b); else xs_fe_mul_base(r, a, b);
}

static void xs_fe_sqr_base(xs_fe *r, const xs_fe *a) {
    /* squaring: 6 off-diagonal products doubled + 4 squares (staged in blk[2..9]), then the
     * same reduction as xs_fe_mul. blk = {a, r, scratch[8]}. */
    uint64_t blk[10];
    blk[0] = (uint64_t)(uintptr_t)a->n; blk[1] = (uint64_t)(uintptr_t)r->n;
    __asm__ __volatile__(
        "movq 0(%[p]), %%rcx\n\t" "movq 0(%%rcx), %%rcx\n\t"
        "movq 0(%[p]), %%rax\n\t" "movq 8(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "movq %%rax, %%r9\n\t" "movq %%rdx, %%r10\n\t"
        "movq 0(%[p]), %%rax\n\t" "movq 16(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rax, %%r10\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%r11\n\t"
        "movq 0(%[p]), %%rax\n\t" "movq 24(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rax, %%r11\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%r12\n\t"
        "movq 0(%[p]), %%rcx\n\t" "movq 8(%%rcx), %%rcx\n\t"
        "movq 0(%[p]), %%rax\n\t" "movq 16(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rax, %%r11\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%rbx\n\t"
        "movq 0(%[p]), %%rax\n\t" "movq 24(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rbx, %%rax\n\t" "adcq $0, %%rdx\n\t" "addq %%rax, %%r12\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%r13\n\t"
        "movq 0(%[p]), %%rcx\n\t" "movq 16(%%rcx), %%rcx\n\t"
        "movq 0(%[p]), %%rax\n\t" "movq 24(%%rax), %%rax\n\t" "mulq %%rcx\n\t" "addq %%rax, %%r13\n\t" "adcq $0, %%rdx\n\t" "movq %%rdx, %%r14\n\t"
        "xorl %%r8d, %%r8d\n\t" "xorl %%r15d, %%r15d\n\t"
        "addq %%r9, %%r9\n\t" "adcq %%r10, %%r10\n\t" "adcq %%r11, %%r11\n\t" "adcq %%r12, %%r12\n\t" "adcq %%r13, %%r13\n\t" "adcq %%r14, %%r14\n\t" "adcq $0, %%r15\n\t"
        "movq 0(%[p]), %%rax\n\t" "movq 0(%%rax), %%rax\n\t" "mulq %%rax\n\t" "movq %%rax, 16(%[p])\n\t" "movq %%rdx, 24(%[p])\n\t"
        "movq 0(%[p]), %%rax\n\t" "movq 8(%%rax), %%rax\n\t" "mulq %%rax\n\t" "movq %%rax, 32(%[p])\n\t" "movq %%rdx, 40(%[p])\n\t"
        "movq 0(%[p]), %%rax\n\t" "movq 16(%%rax), %%rax\n\t" "mulq %%rax\n\t" "movq %%rax, 48(%[p])\n\t" "movq %%rdx, 56(%[p])\n\t"
        "movq 0(%[p]), %%rax\n\t" "movq 24(%%rax), %%rax\n\t" "mulq %%rax\n\t" "movq %%rax, 64(%[p])\n\t" "movq %%rdx, 72(%[p])\n\t"
        "addq 16(%[p]), %%r8\n\t" "adcq 24(%[p]), %%r9\n\t" "adcq 32(%[p]), %%r10\n\t" "adcq 40(%[p]), %%r11\n\t" "adcq 48(%[p]), %%r12\n\t" "adcq 56(%[p]), %%r13\n\t" "adcq 64(%[p]), %%r14\n\t" "adcq 72(%[p]), %%r15\n\t"
        XS_BASE_REDC_STORE(8)
        :
        : [p] "r"(blk)
        : "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
          "cc", "memory");
}

XS_INLINE void xs_fe_sqr(xs_fe *r, const xs_fe *a) {
    if (xs_fe_use_adx) xs_fe_sqr_adx(r, a); else xs_fe_sqr_base(r, a);
}
#endif /* XS_FE_ASM */

#if !XS_FE_ASM
/* CIOS Montgomery multiplication specialised to p = 1 + P3*2^192 (-p^-1 = -1 mod 2^64). */
static void xs_fe_mul(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    const uint64_t *x = a->n, *y = b->n;
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5, m;
    xs_u128 c;
    int i;
    for (i = 0; i < 4; i++) {
        uint64_t yi = y[i];
        c = (xs_u128)x[0] * yi + t0;               t0 = (uint64_t)c; c >>= 64;
        c += (xs_u128)x[1] * yi + t1;              t1 = (uint64_t)c; c >>= 64;
        c += (xs_u128)x[2] * yi + t2;              t2 = (uint64_t)c; c >>= 64;
        c += (xs_u128)x[3] * yi + t3;              t3 = (uint64_t)c; c >>= 64;
        c += t4;                                   t4 = (uint64_t)c; t5 = (uint64_t)(c >> 64);
        m = 0 - t0;                                /* t0 + m = (t0 != 0) * 2^64 */
        c = (xs_u128)t1 + (t0 != 0);               t0 = (uint64_t)c; c >>= 64;
        c += t2;                                   t1 = (uint64_t)c; c >>= 64;
        c += (xs_u128)m * XS_P3 + t3;              t2 = (uint64_t)c; c >>= 64;
        c += t4;                                   t3 = (uint64_t)c; c >>= 64;
        t4 = t5 + (uint64_t)c;
    }
    {
        uint64_t t[4] = {t0, t1, t2, t3};
        XS_VERIFY_CHECK(t4 == 0);
        xs_fe_reduce_once(r->n, t);
    }
}

#endif /* !XS_FE_ASM */

/* Montgomery reduction of a 512-bit t (t < 2^256 p) into r < p. */
XS_INLINE void xs_fe_redc(uint64_t r[4], uint64_t t[8]) {
    int i;
    for (i = 0; i < 4; i++) {
        uint64_t m = 0 - t[i];
        xs_u128 c = (xs_u128)t[i + 1] + (t[i] != 0);   t[i + 1] = (uint64_t)c; c >>= 64;
        c += t[i + 2];                                 t[i + 2] = (uint64_t)c; c >>= 64;
        c += (xs_u128)m * XS_P3 + t[i + 3];            t[i + 3] = (uint64_t)c; c >>= 64;
        c += t[i + 4];                                 t[i + 4] = (uint64_t)c; c >>= 64;
        if (i + 5 < 8) { c += t[i + 5]; t[i + 5] = (uint64_t)c; c >>= 64; }
        if (i + 6 < 8) { c += t[i + 6]; t[i + 6] = (uint64_t)c; c >>= 64; }
        if (i + 7 < 8) { c += t[i + 7]; t[i + 7] = (uint64_t)c; }
    }
    xs_fe_reduce_once(r, t + 4);
}

#if !XS_FE_ASM
static void xs_fe_sqr(xs_fe *r, const xs_fe *a) {
    const uint64_t *x = a->n;
    uint64_t t[8], h1, h2, h3, h4, h5, h6;
    xs_u128 c;
    /* off-diagonal x_i x_j (i < j) */
    c = (xs_u128)x[0] * x[1];                      t[1] = (uint64_t)c; c >>= 64;
    c += (xs_u128)x[0] * x[2];                     t[2] = (uint64_t)c; c >>= 64;
    c += (xs_u128)x[0] * x[3];                     t[3] = (uint64_t)c; t[4] = (uint64_t)(c >> 64);
    c = (xs_u128)x[1] * x[2] + t[3];               t[3] = (uint64_t)c; c >>= 64;
    c += (xs_u128)x[1] * x[3] + t[4];              t[4] = (uint64_t)c; t[5] = (uint64_t)(c >> 64);
    c = (xs_u128)x[2] * x[3] + t[5];               t[5] = (uint64_t)c; t[6] = (uint64_t)(c >> 64);
    /* double */
    t[7] = t[6] >> 63;
    t[6] = (t[6] << 1) | (t[5] >> 63);
    t[5] = (t[5] << 1) | (t[4] >> 63);
    t[4] = (t[4] << 1) | (t[3] >> 63);
    t[3] = (t[3] << 1) | (t[2] >> 63);
    t[2] = (t[2] << 1) | (t[1] >> 63);
    t[1] = t[1] << 1;
    /* add the squares */
    c = (xs_u128)x[0] * x[0];                      t[0] = (uint64_t)c; h1 = (uint64_t)(c >> 64);
    c = (xs_u128)x[1] * x[1];                      h2 = (uint64_t)c; h3 = (uint64_t)(c >> 64);
    c = (xs_u128)x[2] * x[2];                      h4 = (uint64_t)c; h5 = (uint64_t)(c >> 64);
    c = (xs_u128)x[3] * x[3];                      h6 = (uint64_t)c;
    {
        uint64_t h7 = (uint64_t)(c >> 64);
        c = (xs_u128)t[1] + h1;          t[1] = (uint64_t)c; c >>= 64;
        c += (xs_u128)t[2] + h2;         t[2] = (uint64_t)c; c >>= 64;
        c += (xs_u128)t[3] + h3;         t[3] = (uint64_t)c; c >>= 64;
        c += (xs_u128)t[4] + h4;         t[4] = (uint64_t)c; c >>= 64;
        c += (xs_u128)t[5] + h5;         t[5] = (uint64_t)c; c >>= 64;
        c += (xs_u128)t[6] + h6;         t[6] = (uint64_t)c; c >>= 64;
        c += (xs_u128)t[7] + h7;         t[7] = (uint64_t)c;
    }
    xs_fe_redc(r->n, t);
}
#endif /* !XS_FE_ASM */

#if XS_FE_ASM
/* r = a + b mod p (inputs < p): add, subtract p, keep the sum if that borrowed (cmov). */
static void xs_fe_add(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    __asm__ __volatile__(
        "movq 0(%[a]), %%r8\n\t" "movq 8(%[a]), %%r9\n\t" "movq 16(%[a]), %%r10\n\t" "movq 24(%[a]), %%r11\n\t"
        "addq 0(%[b]), %%r8\n\t" "adcq 8(%[b]), %%r9\n\t" "adcq 16(%[b]), %%r10\n\t" "adcq 24(%[b]), %%r11\n\t"
        "movabsq $0x0800000000000011, %%r12\n\t"
        "movq %%r8, %%rax\n\t" "movq %%r9, %%rcx\n\t" "movq %%r10, %%rdx\n\t" "movq %%r11, %%r13\n\t"
        "subq $1, %%rax\n\t" "sbbq $0, %%rcx\n\t" "sbbq $0, %%rdx\n\t" "sbbq %%r12, %%r13\n\t"
        "cmovcq %%r8, %%rax\n\t" "cmovcq %%r9, %%rcx\n\t" "cmovcq %%r10, %%rdx\n\t" "cmovcq %%r11, %%r13\n\t"
        "movq %%rax, 0(%[r])\n\t" "movq %%rcx, 8(%[r])\n\t" "movq %%rdx, 16(%[r])\n\t" "movq %%r13, 24(%[r])\n\t"
        :
        : [a] "r"(a->n), [b] "r"(b->n), [r] "r"(r->n)
        : "rax", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "cc", "memory");
}

/* r = a - b mod p: subtract, then add p masked by the borrow. */
static void xs_fe_sub(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    __asm__ __volatile__(
        "movq 0(%[a]), %%r8\n\t" "movq 8(%[a]), %%r9\n\t" "movq 16(%[a]), %%r10\n\t" "movq 24(%[a]), %%r11\n\t"
        "subq 0(%[b]), %%r8\n\t" "sbbq 8(%[b]), %%r9\n\t" "sbbq 16(%[b]), %%r10\n\t" "sbbq 24(%[b]), %%r11\n\t"
        "sbbq %%rax, %%rax\n\t"
        "movq %%rax, %%rcx\n\t" "andq $1, %%rcx\n\t"
        "movabsq $0x0800000000000011, %%rdx\n\t" "andq %%rax, %%rdx\n\t"
        "addq %%rcx, %%r8\n\t" "adcq $0, %%r9\n\t" "adcq $0, %%r10\n\t" "adcq %%rdx, %%r11\n\t"
        "movq %%r8, 0(%[r])\n\t" "movq %%r9, 8(%[r])\n\t" "movq %%r10, 16(%[r])\n\t" "movq %%r11, 24(%[r])\n\t"
        :
        : [a] "r"(a->n), [b] "r"(b->n), [r] "r"(r->n)
        : "rax", "rcx", "rdx", "r8", "r9", "r10", "r11", "cc", "memory");
}
#else

static void xs_fe_add(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    uint64_t t[4];
    xs_u128 c;
    c = (xs_u128)a->n[0] + b->n[0];      t[0] = (uint64_t)c; c >>= 64;
    c += (xs_u128)a->n[1] + b->n[1];     t[1] = (uint64_t)c; c >>= 64;
    c += (xs_u128)a->n[2] + b->n[2];     t[2] = (uint64_t)c; c >>= 64;
    t[3] = (uint64_t)c + a->n[3] + b->n[3];   /* < 2p < 2^253 */
    xs_fe_reduce_once(r->n, t);
}

/* a - b, then + p if negative (sign = bit 255, |a - b| < 2^252). */
static void xs_fe_sub(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    xs_i128 d;
    xs_u128 c;
    uint64_t t0, t1, t2, t3, mask;
    d = (xs_i128)a->n[0] - b->n[0];      t0 = (uint64_t)d; d >>= 64;
    d += (xs_i128)a->n[1] - b->n[1];     t1 = (uint64_t)d; d >>= 64;
    d += (xs_i128)a->n[2] - b->n[2];     t2 = (uint64_t)d; d >>= 64;
    d += (xs_i128)a->n[3] - b->n[3];     t3 = (uint64_t)d;
    mask = (uint64_t)((int64_t)t3 >> 63);
    c = (xs_u128)t0 + (1 & mask);        r->n[0] = (uint64_t)c; c >>= 64;
    c += t1;                             r->n[1] = (uint64_t)c; c >>= 64;
    c += t2;                             r->n[2] = (uint64_t)c; c >>= 64;
    r->n[3] = t3 + (XS_P3 & mask) + (uint64_t)c;
}
#endif /* XS_FE_ASM */

#else
/* ---- portable path: 64-bit limbs with explicit carries. ---- */
/* r = t mod p for t < 2p (t as 4 limbs plus nothing: 2p < 2^253). */
XS_INLINE void xs_fe_reduce_once(uint64_t r[4], const uint64_t t[4]) {
    uint64_t s[4], b, mask;
    b = xs_subb(&s[0], t[0], 1, 0);
    b = xs_subb(&s[1], t[1], 0, b);
    b = xs_subb(&s[2], t[2], 0, b);
    b = xs_subb(&s[3], t[3], XS_P3, b);
    mask = b - 1; /* all-ones if t >= p */
    r[0] = (s[0] & mask) | (t[0] & ~mask);
    r[1] = (s[1] & mask) | (t[1] & ~mask);
    r[2] = (s[2] & mask) | (t[2] & ~mask);
    r[3] = (s[3] & mask) | (t[3] & ~mask);
}

/* Montgomery reduction of the 512-bit t[0..7] (t < 2^256 p) into r < p. */
XS_INLINE void xs_fe_redc(uint64_t r[4], uint64_t t[8]) {
    int i, j;
    for (i = 0; i < 4; i++) {
        uint64_t m = 0 - t[i], hi, lo, c;
        XS_MUL64(hi, lo, m, XS_P3);
        c = xs_nonzero64(t[i]);             /* t[i] + m*1 = c*2^64 */
        c = xs_addc(&t[i + 1], t[i + 1], 0, c);
        c = xs_addc(&t[i + 2], t[i + 2], 0, c);
        c = xs_addc(&t[i + 3], t[i + 3], lo, c);
        c = xs_addc(&t[i + 4], t[i + 4], hi, c);
        for (j = i + 5; j < 8; j++) c = xs_addc(&t[j], t[j], 0, c);
    }
    xs_fe_reduce_once(r, t + 4);
}

static void xs_fe_mul(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    uint64_t t[8], c0 = 0, c1 = 0, c2 = 0;
    const uint64_t *x = a->n, *y = b->n;
    xs_muladd3(&c0, &c1, &c2, x[0], y[0]);
    t[0] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[0], y[1]);
    xs_muladd3(&c0, &c1, &c2, x[1], y[0]);
    t[1] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[0], y[2]);
    xs_muladd3(&c0, &c1, &c2, x[1], y[1]);
    xs_muladd3(&c0, &c1, &c2, x[2], y[0]);
    t[2] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[0], y[3]);
    xs_muladd3(&c0, &c1, &c2, x[1], y[2]);
    xs_muladd3(&c0, &c1, &c2, x[2], y[1]);
    xs_muladd3(&c0, &c1, &c2, x[3], y[0]);
    t[3] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[1], y[3]);
    xs_muladd3(&c0, &c1, &c2, x[2], y[2]);
    xs_muladd3(&c0, &c1, &c2, x[3], y[1]);
    t[4] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[2], y[3]);
    xs_muladd3(&c0, &c1, &c2, x[3], y[2]);
    t[5] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[3], y[3]);
    t[6] = c0; t[7] = c1;
    xs_fe_redc(r->n, t);
}

static void xs_fe_sqr(xs_fe *r, const xs_fe *a) {
    uint64_t t[8], c0 = 0, c1 = 0, c2 = 0, hi, lo, c;
    const uint64_t *x = a->n;
    /* off-diagonal products, doubled afterwards */
    uint64_t u[8];
    u[0] = 0;
    XS_MUL64(hi, lo, x[0], x[1]); u[1] = lo; c0 = hi;
    c1 = 0; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[0], x[2]);
    u[2] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[0], x[3]);
    xs_muladd3(&c0, &c1, &c2, x[1], x[2]);
    u[3] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[1], x[3]);
    u[4] = c0; c0 = c1; c1 = c2; c2 = 0;
    xs_muladd3(&c0, &c1, &c2, x[2], x[3]);
    u[5] = c0; u[6] = c1; u[7] = 0;
    /* double */
    u[7] = u[6] >> 63;
    u[6] = (u[6] << 1) | (u[5] >> 63);
    u[5] = (u[5] << 1) | (u[4] >> 63);
    u[4] = (u[4] << 1) | (u[3] >> 63);
    u[3] = (u[3] << 1) | (u[2] >> 63);
    u[2] = (u[2] << 1) | (u[1] >> 63);
    u[1] = u[1] << 1;
    /* add diagonal */
    XS_MUL64(hi, lo, x[0], x[0]); c = xs_addc(&t[0], u[0], lo, 0); c = xs_addc(&t[1], u[1], hi, c);
    XS_MUL64(hi, lo, x[1], x[1]); c = xs_addc(&t[2], u[2], lo, c); c = xs_addc(&t[3], u[3], hi, c);
    XS_MUL64(hi, lo, x[2], x[2]); c = xs_addc(&t[4], u[4], lo, c); c = xs_addc(&t[5], u[5], hi, c);
    XS_MUL64(hi, lo, x[3], x[3]); c = xs_addc(&t[6], u[6], lo, c); c = xs_addc(&t[7], u[7], hi, c);
    (void)c;
    xs_fe_redc(r->n, t);
}

static void xs_fe_add(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    uint64_t t[4], c;
    c = xs_addc(&t[0], a->n[0], b->n[0], 0);
    c = xs_addc(&t[1], a->n[1], b->n[1], c);
    c = xs_addc(&t[2], a->n[2], b->n[2], c);
    (void)xs_addc(&t[3], a->n[3], b->n[3], c); /* < 2p < 2^253: no carry */
    xs_fe_reduce_once(r->n, t);
}

static void xs_fe_sub(xs_fe *r, const xs_fe *a, const xs_fe *b) {
    uint64_t t[4], bw, mask, c;
    bw = xs_subb(&t[0], a->n[0], b->n[0], 0);
    bw = xs_subb(&t[1], a->n[1], b->n[1], bw);
    bw = xs_subb(&t[2], a->n[2], b->n[2], bw);
    bw = xs_subb(&t[3], a->n[3], b->n[3], bw);
    mask = 0 - bw; /* add p back if it went negative */
    c = xs_addc(&r->n[0], t[0], 1 & mask, 0);
    c = xs_addc(&r->n[1], t[1], 0, c);
    c = xs_addc(&r->n[2], t[2], 0, c);
    (void)xs_addc(&r->n[3], t[3], XS_P3 & mask, c);
}

#endif /* XS_HAVE_INT128 */

#if !XS_FE_ASM
static void xs_fe_detect_cpu(void) {}
#endif


static void xs_fe_neg(xs_fe *r, const xs_fe *a) {
    xs_fe z = {{0, 0, 0, 0}};
    xs_fe_sub(r, &z, a);
}

static int xs_fe_is_zero(const xs_fe *a) {
    return (int)(1 - xs_nonzero64(a->n[0] | a->n[1] | a->n[2] | a->n[3]));
}

static int xs_fe_equal(const xs_fe *a, const xs_fe *b) {
    return (int)(1 - xs_nonzero64((a->n[0] ^ b->n[0]) | (a->n[1] ^ b->n[1]) |
                                  (a->n[2] ^ b->n[2]) | (a->n[3] ^ b->n[3])));
}

XS_INLINE void xs_fe_sqr_n(xs_fe *r, const xs_fe *a, int n) {
    int i;
    xs_fe_sqr(r, a);
    for (i = 1; i < n; i++) xs_fe_sqr(r, r);
}

/* p - 2 = 2^251 + 2^196 + (2^192 - 1): top part left-to-right, then 12 windows of sixteen 1s. */
static void xs_fe_inv(xs_fe *r, const xs_fe *a) {
    xs_fe a2, a4, a8, a16, t;
    int i;
    xs_fe_sqr(&t, a); xs_fe_mul(&a2, &t, a);            /* a^(2^2-1) */
    xs_fe_sqr_n(&t, &a2, 2); xs_fe_mul(&a4, &t, &a2);   /* a^(2^4-1) */
    xs_fe_sqr_n(&t, &a4, 4); xs_fe_mul(&a8, &t, &a4);
    xs_fe_sqr_n(&t, &a8, 8); xs_fe_mul(&a16, &t, &a8);
    xs_fe_sqr_n(&t, a, 55); xs_fe_mul(&t, &t, a);       /* a^(2^55+1) */
    xs_fe_sqr_n(&t, &t, 4);                             /* a^(2^59+2^4) */
    for (i = 0; i < 12; i++) {
        xs_fe_sqr_n(&t, &t, 16);
        xs_fe_mul(&t, &t, &a16);
    }
    *r = t;
    xs_memclear(&a2, sizeof a2); xs_memclear(&a4, sizeof a4);
    xs_memclear(&a8, sizeof a8); xs_memclear(&a16, sizeof a16); xs_memclear(&t, sizeof t);
}

/* Euler: a^((p-1)/2), (p-1)/2 = 2^250 + 2^195 + 2^191. */
static int xs_fe_is_square_var(const xs_fe *a) {
    xs_fe t, one;
    xs_fe_sqr_n(&t, a, 55); xs_fe_mul(&t, &t, a);   /* a^(2^55+1) */
    xs_fe_sqr_n(&t, &t, 4); xs_fe_mul(&t, &t, a);   /* a^(2^59+2^4+1) */
    xs_fe_sqr_n(&t, &t, 191);
    memcpy(one.n, XS_FE_ONE_M, sizeof one.n);
    return xs_fe_equal(&t, &one);
}

static void xs_fe_from_be32(xs_fe *r, const unsigned char *b32) {
    xs_fe t, r2;
    xs_limbs_from_be32(t.n, b32);
    memcpy(r2.n, XS_P_R2, sizeof r2.n);
    xs_fe_mul(r, &t, &r2);
}

static void xs_fe_to_be32(unsigned char *b32, const xs_fe *a) {
    uint64_t t[8] = {a->n[0], a->n[1], a->n[2], a->n[3], 0, 0, 0, 0};
    uint64_t r[4];
    xs_fe_redc(r, t);
    xs_limbs_to_be32(b32, r);
}

#endif /* XS_FELT_IMPL_H */
