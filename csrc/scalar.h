/* scalar.h — integers modulo the STARK curve order n (contract).
 *
 * xs_scalar: four little-endian 64-bit limbs. "plain" values are ordinary integers (< n unless
 * stated); "mont" values are in Montgomery form (a*2^256 mod n). All functions are constant
 * time except those ending in _var. Outputs may alias inputs.
 */
#ifndef XS_SCALAR_H
#define XS_SCALAR_H

#include "util.h"

typedef struct { uint64_t n[4]; } xs_scalar;

/* r = a*b*2^-256 mod n (Montgomery product); inputs < n, output < n. */
static void xs_scalar_mont_mul(xs_scalar *r, const xs_scalar *a, const xs_scalar *b);
/* plain < n <-> Montgomery. */
static void xs_scalar_to_mont(xs_scalar *r, const xs_scalar *a);
static void xs_scalar_from_mont(xs_scalar *r, const xs_scalar *a);
/* r = a + b mod n (both < n). */
static void xs_scalar_add(xs_scalar *r, const xs_scalar *a, const xs_scalar *b);
/* Montgomery inverse: r = a^-1 (Fermat, fixed window over the public exponent n-2). 0 -> 0. */
static void xs_scalar_mont_inv(xs_scalar *r, const xs_scalar *a);
/* Plain inverse: r = a^-1 mod n for a plain a < n (0 -> 0), binary extended Euclid. Variable
 * time: for public values only (verification). Equals from_mont(mont_inv(to_mont(a))). */
static void xs_scalar_inv_var(xs_scalar *r, const xs_scalar *a);
/* 1 if a < n (any 256-bit a), constant time. */
static int xs_scalar_lt_n(const xs_scalar *a);
/* 1 if a < 2^251 / a == 0, constant time. */
static int xs_scalar_lt_2_251(const xs_scalar *a);
static int xs_scalar_is_zero(const xs_scalar *a);

#endif /* XS_SCALAR_H */
