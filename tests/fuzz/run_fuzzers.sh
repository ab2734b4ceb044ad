#!/usr/bin/env bash
# Run every atheris harness of tests/fuzz for a bounded time on its committed seed corpus.
#
#   tests/fuzz/run_fuzzers.sh [harness ...]      (default: all five)
#
# Env: FUZZ_SECONDS (per harness, default 60), PYTHON (default python3), FUZZ_TIMEOUT (seconds
# for one input before libFuzzer calls it a hang, default 20), FUZZ_MAX_LEN (default 65536), FUZZ_SEED (libFuzzer seed, default 1: CI runs are reproducible).
# New interesting inputs go to a temporary directory, never into the committed corpus. Fails on
# any crash: an exception that is not an XSessionsError, a failed differential/round-trip
# assertion, a hang, a memory blow-up (libFuzzer -rss_limit_mb). The crashing input is kept in
# tests/fuzz/artifacts/. Prints the executions per harness.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=${PYTHON:-python3}
SECONDS_EACH=${FUZZ_SECONDS:-60}
HARNESSES=("$@")
[ ${#HARNESSES[@]} -gt 0 ] || HARNESSES=(fuzz_crypto fuzz_typed_data fuzz_session_json fuzz_session_token fuzz_relayer_documents)
ARTIFACTS="$HERE/artifacts"
mkdir -p "$ARTIFACTS"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

status=0
summary=""
for h in "${HARNESSES[@]}"; do
    mkdir -p "$WORK/$h"
    log="$WORK/$h.log"
    (cd "$ROOT" && PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "$PY" "$HERE/$h.py" \
        "$WORK/$h" "$HERE/corpus/$h" \
        -max_total_time="$SECONDS_EACH" -timeout="${FUZZ_TIMEOUT:-20}" -rss_limit_mb=3072 -seed="${FUZZ_SEED:-1}" \
        -max_len="${FUZZ_MAX_LEN:-65536}" -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$h-" \
        >"$log" 2>&1)
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ $rc -ne 0 ]; then
        status=1
        echo "=== $h FAILED (exit $rc) ==="
        grep -v '^INFO: Instrumenting' "$log" | tail -n 60
        summary+=$(printf '%-20s FAILED after %s executions\n' "$h" "${execs:-?}")$'\n'
    else
        summary+=$(printf '%-20s %10s executions in %ss\n' "$h" "${execs:-?}" "$SECONDS_EACH")$'\n'
    fi
done
echo "fuzzing summary:"
printf '%s' "$summary"
exit $status
