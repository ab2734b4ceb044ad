/* group.h — points of the STARK curve E: y^2 = x^3 + x + beta over F_p (contract).
 *
 * xs_ge   affine point (never the point at infinity), coordinates in Montgomery form.
 * xs_gej  Jacobian point (x = X/Z^2, y = Y/Z^3) with an explicit infinity flag; used only by
 *         variable-time code (_var), which also serves the twist-isomorphic curves
 *         y^2 = x^3 + a*x + b of verify (the doubling takes a, the addition needs no b).
 * xs_gep  homogeneous projective point (x = X/Z, y = Y/Z), (0:1:0) is infinity; used by the
 *         constant-time complete formulas of Renes-Costello-Batina 2015 (Algorithm 1 with
 *         Z2 = 1, a = 1).
 *
 * Fixed-base tables (built once by xs_group_init, read-only afterwards):
 *   G, 6-bit windows  (43 x 32 affine points)  - constant-time k*G (sign, public key), signed digits
 *   G, 8-bit windows  (32 x 255)               - variable-time u1*G (verify)
 *   P0, P2 8-bit windows (31 x 255), P1, P3 (15) - Pedersen
 */
#ifndef XS_GROUP_H
#define XS_GROUP_H

#include "felt.h"
#include "scalar.h"

typedef struct { xs_fe x, y; } xs_ge;
typedef struct { xs_fe x, y, z; int inf; } xs_gej;
typedef struct { xs_fe x, y, z; } xs_gep;

/* Build every table. Called exactly once (xs_init / call_once). Not thread safe by itself. */
static void xs_group_init(void);
/* r = k*G, k plain < 2^252. Constant time in k (signed 6-bit digits, full table scans with masks,
 * conditional negation, complete adds).
 * Result is infinity iff k == 0 mod n. */
static void xs_ecmult_gen_const(xs_gep *r, const xs_scalar *k);
/* r[0] = k[0]*G and r[1] = k[1]*G, as two xs_ecmult_gen_const calls but faster (the two
 * multiplications interleaved). Constant time in k[0] and k[1]. */
static void xs_ecmult_gen_const2(xs_gep r[2], const xs_scalar k[2]);
/* r = k*G, k plain < 2^256, variable time. */
static void xs_ecmult_gen_var(xs_gej *r, const xs_scalar *k);
/* r = k*P on y^2 = x^3 + a*x + b (a in Montgomery form), P affine given by (px, py), k plain,
 * width-5 wNAF, variable time. */
static void xs_ecmult_var(xs_gej *r, const xs_fe *px, const xs_fe *py, const xs_scalar *k,
                          const xs_fe *a);
/* Variable-time Jacobian doubling / additions on y^2 = x^3 + a*x + b (a == NULL means a = 1).
 * All handle infinity and equal/opposite inputs. Aliasing allowed. */
static void xs_gej_dbl_var(xs_gej *r, const xs_gej *p, const xs_fe *a);
static void xs_gej_add_var(xs_gej *r, const xs_gej *p, const xs_gej *q, const xs_fe *a);
static void xs_gej_add_ge_var(xs_gej *r, const xs_gej *p, const xs_ge *q); /* a = 1 only */
/* r = p + q, q affine (not infinity), on y^2 = x^3 + a*x + b (a == NULL means a = 1; a only
 * matters when p == q, which doubles). */
static void xs_gej_add_ge_a_var(xs_gej *r, const xs_gej *p, const xs_ge *q, const xs_fe *a);

#endif /* XS_GROUP_H */
