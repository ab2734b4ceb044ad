/* ctime_tests.c — constant-time check of the signing path under valgrind (memcheck), in the
 * style of libsecp256k1's ctime_tests.c: the private key and the nonce are marked undefined
 * with VALGRIND_MAKE_MEM_UNDEFINED, so any branch or memory index that depends on them is
 * reported as an error ("conditional jump depends on uninitialised value", "use of
 * uninitialised value of size 8" for addresses). The code declassifies (XS_DECLASSIFY =
 * VALGRIND_MAKE_MEM_DEFINED under XS_CTIME_TEST) only the "candidate k is valid" bit and
 * r / s, which are outputs. Run: valgrind --error-exitcode=1 --track-origins=yes ./ctime_tests
 */
#define XS_CTIME_TEST 1
#include "../xs_core.c"

#include <stdio.h>
#include <valgrind/memcheck.h>

int main(void) {
    unsigned char d[32], z[32], out[32], r[32], s[32], extra[3] = {0x20, 0x01, 0x02};
    int i, ok;
    xs_init();
    for (i = 0; i < 16; i++) {
        int j;
        for (j = 0; j < 32; j++) {
            d[j] = (unsigned char)(i * 37 + j * 101 + 7);
            z[j] = (unsigned char)(i * 53 + j * 29 + 1);
        }
        d[0] &= 0x03; z[0] &= 0x03;                      /* d < n, z < 2^251 */
        if (i == 1) { memset(d, 0, 32); d[31] = 1; }      /* smallest key */

        VALGRIND_MAKE_MEM_UNDEFINED(d, 32);
        xs_public_key(out, d);
        VALGRIND_MAKE_MEM_DEFINED(out, 32);

        VALGRIND_MAKE_MEM_UNDEFINED(d, 32);
        xs_sign(r, s, z, d);
        VALGRIND_MAKE_MEM_DEFINED(r, 32);
        VALGRIND_MAKE_MEM_DEFINED(s, 32);

        VALGRIND_MAKE_MEM_UNDEFINED(d, 32);
        ok = xs_sign_seeded(r, s, z, d, extra, (size_t)(i % 4));
        VALGRIND_MAKE_MEM_DEFINED(&ok, sizeof ok);
        VALGRIND_MAKE_MEM_DEFINED(r, 32);
        VALGRIND_MAKE_MEM_DEFINED(s, 32);

        {   /* the nonce itself marked secret: one signing attempt with an undefined k */
            xs_scalar zs, ds, k;
            unsigned char kb[32];
            for (j = 0; j < 32; j++) kb[j] = (unsigned char)(i * 11 + j * 7 + 3);
            kb[0] &= 0x03;
            xs_limbs_from_be32(zs.n, z);
            VALGRIND_MAKE_MEM_DEFINED(d, 32);
            xs_limbs_from_be32(ds.n, d);
            VALGRIND_MAKE_MEM_UNDEFINED(&ds, sizeof ds);
            xs_limbs_from_be32(k.n, kb);
            VALGRIND_MAKE_MEM_UNDEFINED(&k, sizeof k);
            ok = xs_ecdsa_sign_k(r, s, &zs, &ds, &k);
            VALGRIND_MAKE_MEM_DEFINED(&ok, sizeof ok);
            VALGRIND_MAKE_MEM_DEFINED(r, 32);
            VALGRIND_MAKE_MEM_DEFINED(s, 32);
        }
        VALGRIND_MAKE_MEM_DEFINED(d, 32);
    }
    {   /* batch signing (shared inversions) with a secret key, across a chunk boundary */
        static const size_t sizes[] = {1, 5, 33};
        static unsigned char zs[33 * 32], sigs[33 * 64];
        size_t si;
        for (i = 0; i < 33 * 32; i++) zs[i] = (unsigned char)(i * 131 + 17);
        for (i = 0; i < 33; i++) zs[32 * i] &= 0x03;        /* z < 2^251 */
        for (si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
            int j;
            for (j = 0; j < 32; j++) d[j] = (unsigned char)(si * 91 + j * 13 + 5);
            d[0] &= 0x03;
            VALGRIND_MAKE_MEM_UNDEFINED(d, 32);
            xs_sign_batch(sigs, zs, sizes[si], d);
            VALGRIND_MAKE_MEM_DEFINED(sigs, 64 * sizes[si]);
            VALGRIND_MAKE_MEM_DEFINED(d, 32);
        }
    }
    {   /* session transactions: hashes of public data, then both keys secret-marked */
        static unsigned char felts[6 * 12 * 32], out[6 * 160];
        static const size_t lens[6 * 4] = {0, 0, 3, 0, 1, 0, 2, 0, 0, 2, 3, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 3, 0};
        unsigned char d2[32], sh[32], cf[32];
        size_t nf = 6 * 9 + 17;
        for (i = 0; i < (int)(32 * nf); i++) felts[i] = (unsigned char)(i * 71 + 3);
        for (i = 0; i < (int)nf; i++) felts[32 * i] &= 0x03;  /* felts < 2^250 < p */
        for (i = 0; i < 32; i++) {
            d[i] = (unsigned char)(i * 17 + 9); d2[i] = (unsigned char)(i * 23 + 1);
            sh[i] = (unsigned char)(i * 5); cf[i] = 0;
        }
        d[0] &= 0x03; d2[0] &= 0x03; sh[0] &= 0x03; cf[31] = 1;
        VALGRIND_MAKE_MEM_UNDEFINED(d, 32);
        VALGRIND_MAKE_MEM_UNDEFINED(d2, 32);
        xs_session_sign_invoke_v3(out, felts, nf, lens, 6, sh, cf, d, d2);
        VALGRIND_MAKE_MEM_DEFINED(out, sizeof out);
        VALGRIND_MAKE_MEM_DEFINED(d, 32);
        VALGRIND_MAKE_MEM_DEFINED(d2, 32);
    }
    printf("ctime tests: signing, batch signing, session signing and public key ran with secret-marked key "
           "and nonce\n");
    return 0;
}
