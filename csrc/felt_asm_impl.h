/* felt_asm_impl.h — F_p arithmetic in x86-64 inline asm (GCC/clang, XS_FE_ASM): mulq code, and
 * mulx/adcx/adox code picked at run time on CPUs with BMI2+ADX (cpu.h).
 * Included only by felt_impl.h, which selects one field implementation. */
#ifndef XS_FELT_ASM_IMPL_H
#define XS_FELT_ASM_IMPL_H

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

#endif /* XS_FELT_ASM_IMPL_H */
