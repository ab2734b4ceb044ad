#!/bin/sh
# Build and run the C tests of the native core:
#   1. tests.c with ASan + UBSan and XS_VERIFY (x86-64 asm field, then the portable C field);
#   2. tests.c without sanitizers under valgrind memcheck;
#   3. ctime_tests.c under valgrind: the signing path must not branch on or index by secrets.
# The asm field picks mulx/adcx/adox at run time on CPUs with BMI2+ADX: the ASan runs use that
# code (and compare it with the mulq code), while valgrind hides ADX, so its runs (memcheck,
# ctime) cover the mulq code.
# Usage: csrc/tests/run_c_tests.sh [seed]   (exit status non-zero on any failure)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
CSRC=$(dirname "$HERE")
if [ -n "${XS_TEST_BUILD_DIR:-}" ]; then
    OUT=$XS_TEST_BUILD_DIR; mkdir -p "$OUT"
else
    OUT=$(mktemp -d "${TMPDIR:-/tmp}/xs_ctests.XXXXXX")
    trap 'rm -rf "$OUT"' EXIT
fi
SEED=${1:-${XS_TEST_SEED:-$(date +%s)}}
CC=${CC:-gcc}
INC="-I$CSRC/include -I$CSRC"
WARN="-Wall -Wextra -Wno-unused-function"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
FAILED=0
SUMMARY=""
LOG="$OUT/log.txt"
: > "$LOG"

step() {  # name, command...
    name=$1; shift
    echo "== $name"
    if { "$@"; echo $? > "$OUT/.rc"; } 2>&1 | tee -a "$LOG" && [ "$(cat "$OUT/.rc")" = 0 ]; then SUMMARY="$SUMMARY\n  ok    $name"; else SUMMARY="$SUMMARY\n  FAIL  $name"; FAILED=$((FAILED + 1)); fi
}

step "build tests (ASan+UBSan, asm field)" $CC -std=c11 -O1 -g -fsanitize=address,undefined \
    -fno-omit-frame-pointer -fno-sanitize-recover=undefined -DXS_VERIFY $WARN $INC \
    "$HERE/tests.c" -o "$OUT/tests_asan"
step "run tests (ASan+UBSan, asm field)" "$OUT/tests_asan" "$SEED"
step "build tests (ASan+UBSan, portable C field)" $CC -std=c11 -O1 -g \
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
    -DXS_VERIFY -DXS_NO_ASM $WARN $INC "$HERE/tests.c" -o "$OUT/tests_asan_c"
step "run tests (ASan+UBSan, portable C field)" "$OUT/tests_asan_c" "$SEED"
step "build tests (no int128 fallback)" $CC -std=c11 -O1 -g -DXS_VERIFY -DXS_NO_INT128 $WARN $INC \
    "$HERE/tests.c" -o "$OUT/tests_noint128"
step "run tests (no int128 fallback)" "$OUT/tests_noint128" "$SEED" 16
step "build tests (for valgrind)" $CC -std=c11 -O1 -g -DXS_VERIFY $WARN $INC "$HERE/tests.c" \
    -o "$OUT/tests_vg"
step "run tests under valgrind" valgrind -q --error-exitcode=1 "$OUT/tests_vg" "$SEED" 8
step "build ctime_tests" $CC -std=c11 -O2 -g $WARN $INC "$HERE/ctime_tests.c" -o "$OUT/ctime_tests"
step "run ctime_tests under valgrind" valgrind -q --error-exitcode=1 --track-origins=yes \
    "$OUT/ctime_tests"

printf "\nC test summary (seed %s):%b\n" "$SEED" "$SUMMARY"
PASSED=$(awk '/^C tests: [0-9]+ passed/ {s += $3} END {print s + 0}' "$LOG")
CFAILED=$(awk '/^C tests: [0-9]+ passed/ {s += $5} END {print s + 0}' "$LOG")
if [ "$FAILED" -eq 0 ] && [ "$CFAILED" -eq 0 ]; then
    echo "C tests: $PASSED passed, 0 failed (all $(printf "%b" "$SUMMARY" | grep -c ok) steps ok, incl. valgrind ctime)"
    exit 0
fi
echo "C tests: $PASSED passed, $CFAILED failed; $FAILED step(s) failed"
exit 1
