/* poseidon_impl.h — Hades permutation for Starknet (PROTOCOL §1.5; cairo-lang
 * poseidon_utils.py): width 3, x^3 S-box, 4 full + 83 partial + 4 full rounds,
 * MDS [[3,1,1],[1,-1,1],[1,1,-2]]. The partial rounds use the compressed constants of
 * consts.h (one addition to state[2] per round; see tools/gen_tables.py for why this is
 * the same permutation). Constant time.
 */
#ifndef XS_POSEIDON_IMPL_H
#define XS_POSEIDON_IMPL_H

#include "hash.h"

/* (3a+b+c, a-b+c, a+b-2c) = (t+2a, t-2b, t-3c) with t = a+b+c */
XS_INLINE void xs_poseidon_mds(xs_fe s[3]) {
    xs_fe t, u;
    xs_fe_add(&t, &s[0], &s[1]);
    xs_fe_add(&t, &t, &s[2]);
    xs_fe_add(&u, &s[0], &s[0]); xs_fe_add(&s[0], &t, &u);
    xs_fe_add(&u, &s[1], &s[1]); xs_fe_sub(&s[1], &t, &u);
    xs_fe_add(&u, &s[2], &s[2]); xs_fe_add(&u, &u, &s[2]); xs_fe_sub(&s[2], &t, &u);
}

XS_INLINE void xs_fe_cube(xs_fe *r, const xs_fe *a) {
    xs_fe t;
    xs_fe_sqr(&t, a);
    xs_fe_mul(r, &t, a);
}

XS_INLINE void xs_poseidon_full(xs_fe s[3], const uint64_t rc[3][4]) {
    int j;
    for (j = 0; j < 3; j++) {
        xs_fe c;
        xs_fe_set_limbs(&c, rc[j]);
        xs_fe_add(&s[j], &s[j], &c);
        xs_fe_cube(&s[j], &s[j]);
    }
    xs_poseidon_mds(s);
}

static void xs_hades(xs_fe s[3]) {
    int i;
    for (i = 0; i < 4; i++) xs_poseidon_full(s, XS_POSEIDON_RC_FIRST[i]);
    for (i = 0; i < XS_POSEIDON_PARTIAL_ROUNDS; i++) {
        xs_fe c;
        xs_fe_set_limbs(&c, XS_POSEIDON_RC_PARTIAL[i]);
        xs_fe_add(&s[2], &s[2], &c);
        xs_fe_cube(&s[2], &s[2]);
        xs_poseidon_mds(s);
    }
    for (i = 0; i < 4; i++) xs_poseidon_full(s, XS_POSEIDON_RC_LAST[i]);
}

#endif /* XS_POSEIDON_IMPL_H */
