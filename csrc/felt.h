/* felt.h — the Stark field F_p, p = 2^251 + 17*2^192 + 1 (contract).
 *
 * xs_fe holds a field element in Montgomery form (a*2^256 mod p) as four little-endian 64-bit
 * limbs. Unless a function says otherwise, inputs and outputs are fully reduced (< p).
 * Every function is constant time except those whose name ends in _var.
 * Outputs may alias inputs everywhere.
 * On x86-64, mul/sqr use mulx/adcx/adox when the CPU has BMI2 and ADX (checked once by
 * xs_init via cpuid), else mulq; both are constant time and give identical results.
 */
#ifndef XS_FELT_H
#define XS_FELT_H

#include "util.h"

typedef struct { uint64_t n[4]; } xs_fe;

/* r = a*b (Montgomery). Inputs may be unreduced up to 4p; output reduced. */
static void xs_fe_mul(xs_fe *r, const xs_fe *a, const xs_fe *b);
/* r = a^2. */
static void xs_fe_sqr(xs_fe *r, const xs_fe *a);
/* r = a + b, a - b, -a, 2a, 3a (reduced in, reduced out). */
static void xs_fe_add(xs_fe *r, const xs_fe *a, const xs_fe *b);
static void xs_fe_sub(xs_fe *r, const xs_fe *a, const xs_fe *b);
static void xs_fe_neg(xs_fe *r, const xs_fe *a);
/* r = a^-1 (Fermat, fixed addition chain for p-2; constant time). 0 maps to 0. */
static void xs_fe_inv(xs_fe *r, const xs_fe *a);
/* 1 if a is a nonzero square, 0 if not a square, for a != 0 (Euler); not constant time. */
static int xs_fe_is_square_var(const xs_fe *a);
/* Conversions: 32-byte big-endian value < p <-> Montgomery form. */
static void xs_fe_from_be32(xs_fe *r, const unsigned char *b32);
static void xs_fe_to_be32(unsigned char *b32, const xs_fe *a);
/* Constant-time predicates (return 0/1). */
static int xs_fe_is_zero(const xs_fe *a);
static int xs_fe_equal(const xs_fe *a, const xs_fe *b);

#endif /* XS_FELT_H */
