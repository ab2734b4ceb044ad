#!/usr/bin/env bash
# Build the native extension with -fsanitize=address,undefined into a temporary directory and run
# tests/sanitizer/smoke.py (every native entry point on vectors + random inputs) against it, with
# the ASan runtime preloaded into the Python interpreter. Exits non-zero on any sanitizer report,
# any mismatch with the pure-Python backend, or a build failure.
#
# Env: PYTHON (default: python3), XSESSIONS_VECTORS (default: ../shared/vectors), SMOKE_SEED.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=${PYTHON:-python3}
CC_BIN=${CC:-gcc}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cp -r "$ROOT/xsessions_core" "$TMP/"
find "$TMP/xsessions_core" \( -name '_native*.so' -o -name '__pycache__' \) -prune -exec rm -rf {} +
"$PY" "$ROOT/tests/sanitizer/build_asan.py" "$TMP" >"$TMP/build.log" 2>&1 || { cat "$TMP/build.log"; exit 1; }
tail -n 1 "$TMP/build.log"

ASAN_RT=$("$CC_BIN" -print-file-name=libasan.so)
[ -e "$ASAN_RT" ] || { echo "ASan runtime not found (got '$ASAN_RT')" >&2; exit 1; }

set +e
(cd "$TMP" && env LD_PRELOAD="$ASAN_RT" \
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    PYTHONPATH="$TMP" XSESSIONS_BACKEND=native XSESSIONS_VECTORS="${XSESSIONS_VECTORS:-$ROOT/../shared/vectors}" \
    "$PY" "$ROOT/tests/sanitizer/smoke.py") 2>&1 | tee "$TMP/smoke.log"
rc=${PIPESTATUS[0]}
set -e
if grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP/smoke.log"; then
    echo "sanitizer report found" >&2
    exit 1
fi
exit "$rc"
