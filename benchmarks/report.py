#!/usr/bin/env python3
"""Writes docs/benchmarks.md: every benchmark of benchmarks/ plus import times, with the machine.

Usage::

    python benchmarks/report.py                  # runs the benchmarks, writes docs/benchmarks.md
    python benchmarks/report.py --runs 3         # 3 runs; each figure is its best run
    python benchmarks/report.py --quick          # few rounds: a fast smoke run of the whole report
    python benchmarks/report.py --json a.json    # from existing --benchmark-json files
    python benchmarks/report.py --out -          # print instead of writing the file

Times are per call (``--stat min``, the default, or ``median``; min is the most stable figure on a
shared machine); batch groups are divided by their item count (per item). With several runs (every
implementation measured in each run), each figure is the lowest of the runs: on a shared VM,
bursts of load from other tenants last seconds and can spoil one benchmark group in one run.
Import times are the best of several ``python -X importtime`` runs in fresh interpreters.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
IMPLS = ["native", "python", "starknet-py", "cairo-lang"]

# (group in bench_crypto.py, row label, single-call group it is the batch form of)
ROWS = [
    ("pedersen", "pedersen_hash", None),
    ("poseidon_hash", "poseidon_hash", None),
    ("poseidon_hash_many(10)", "poseidon_hash_many (10 felts)", None),
    ("get_selector_from_name", "get_selector_from_name (keccak)", None),
    ("private_to_stark_key", "private_to_stark_key", None),
    ("message_signature", "message_signature (ours: seed=None; starknet-py: seed=32; cairo-lang: None)", None),
    ("message_signature(seed=32)", "message_signature, seed=32 for all", None),
    ("verify_message_signature", "verify_message_signature (new stark key)", None),
    ("verify_message_signature (key seen before)", "verify_message_signature (same key again)", None),
    ("pedersen batch of 256", "pedersen_hash_batch, per item", "pedersen"),
    ("poseidon_hash batch of 256", "poseidon_hash_batch, per item", "poseidon_hash"),
    ("poseidon_hash_many(10) batch of 256", "poseidon_hash_many_batch (10 felts), per item", "poseidon_hash_many(10)"),
    ("message_signature batch of 256", "message_signature_batch, per item", "message_signature"),
    ("verify_message_signature batch of 256", "verify_message_signature_batch, per item", "verify_message_signature (key seen before)"),
]

BENCH_FILES = ["bench_crypto.py", "bench_typed_data.py", "bench_sessions.py", "bench_relayer.py", "bench_parallel.py"]
QUICK = ["--benchmark-min-rounds=1", "--benchmark-max-time=0.02", "--benchmark-warmup=off"]
IMPORTS = ["xsessions_core", "xsessions_core.crypto", "xsessions_core.sessions", "xsessions_core.relayer",
           "xsessions_core.cli"]
OUT = REPO / "docs" / "benchmarks.md"
_UNSERIALIZABLE = re.compile(r"UNSERIALIZABLE\[<function (\w+) at 0x[0-9a-f]+>\]")


def run_benchmarks(out: Path, quick: bool) -> None:
    """Runs every benchmark file once with pytest-benchmark, keeping the JSON in ``out``."""
    cmd = [sys.executable, "-m", "pytest", *(str(REPO / "benchmarks" / f) for f in BENCH_FILES), "-q",
           "-p", "no:randomly", f"--benchmark-json={out}", *(QUICK if quick else [])]
    print("running:", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=REPO, check=True, stdout=sys.stderr)


def import_time(module: str, runs: int = 5) -> float:
    """Seconds to import ``module`` in a fresh interpreter (best of ``runs``; ``-X importtime``, cumulative)."""
    best = float("inf")
    for _ in range(runs):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], cwd=REPO,
                              capture_output=True, text=True, check=True)
        for line in proc.stderr.splitlines():
            match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*(\S+)$", line)
            if match and match.group(2) == module:
                best = min(best, int(match.group(1)) * 1e-6)
    return best


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None else f"{a / b:.3g}×"


def collect(runs: list[dict[str, Any]], stat: str) -> dict[str, dict[str, float]]:
    """group -> impl (or impl/layer) -> seconds per item (the ``stat`` of pytest-benchmark), the
    lowest over ``runs``."""
    table: dict[str, dict[str, float]] = {}
    for data in runs:
        for bench in data["benchmarks"]:
            params = bench.get("params") or {}
            key = params.get("impl") or params.get("variant") or _UNSERIALIZABLE.sub(
                r"\1", ", ".join(str(v) for v in params.values())) or bench["name"].removeprefix("test_bench_")
            for variant in ("layer", "key"):  # e.g. the api vs backend layer, an int vs a prepared public key
                if variant in params:
                    key = f"{key}/{params[variant]}"
            items = bench.get("extra_info", {}).get("items", 1)
            value = bench["stats"][stat] / items
            group = table.setdefault(bench.get("group") or bench["name"].split("[")[0].removeprefix("test_bench_"), {})
            group[key] = min(value, group.get(key, value))
    return table


def render(runs: list[dict[str, Any]], stat: str = "min") -> str:
    """The Markdown tables of the benchmark runs."""
    t = collect(runs, stat)
    m = runs[0].get("machine_info", {})
    best = f", best of {len(runs)} runs" if len(runs) > 1 else ""
    lines = [
        "### Crypto primitives",
        "",
        f"Time per call ({stat} of the rounds{best}; per item for batches).",
        "",
        "| operation | ours native | ours python | starknet-py | cairo-lang | ratio starknet-py/native | ratio cairo-lang/python |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for group, label, _ in ROWS:
        g = t.get(group, {})
        native, python, spy, cl = (g.get(i) for i in IMPLS)
        lines.append(
            f"| {label} | {fmt(native)} | {fmt(python)} | {fmt(spy)} | {fmt(cl)} | {ratio(spy, native)} | {ratio(cl, python)} |"
        )
    lines += ["", "| batch vs single (per item) | native single | native batch | gain | python single | python batch | gain |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for group, label, single in ROWS:
        if single is None:
            continue
        b, s = t.get(group, {}), t.get(single, {})
        lines.append(
            f"| {label} | {fmt(s.get('native'))} | {fmt(b.get('native'))} | {ratio(s.get('native'), b.get('native'))} "
            f"| {fmt(s.get('python'))} | {fmt(b.get('python'))} | {ratio(s.get('python'), b.get('python'))} |"
        )
    overhead = {k: v for k, v in t.items() if k.startswith("call overhead")}
    if overhead:
        lines += ["", "| call overhead: poseidon_hash(0, 0) | native | python |", "| --- | ---: | ---: |"]
        for group, g in sorted(overhead.items()):
            layer = group.rsplit(" ", 1)[-1]
            lines.append(f"| via {layer} | {fmt(g.get(f'native/{layer}'))} | {fmt(g.get(f'python/{layer}'))} |")
    build = t.get("python tables (one-time)", {}).get("python")
    if build is not None:
        lines += ["", f"One-time cost of the pure-Python fixed-base tables (first signature/hash): {fmt(build)}."]
    others = sorted(g for g in t if g not in {row[0] for row in ROWS} and not g.startswith("call overhead")
                    and g != "python tables (one-time)")
    if others:
        lines += ["", "### Typed data, Merkle trees, sessions and relayers", "",
                  "| benchmark | variant | time per call (per item for batches) | per second |", "| --- | --- | ---: | ---: |"]
        for group in others:
            for variant, seconds in sorted(t[group].items()):
                lines.append(f"| {group} | {variant} | {fmt(seconds)} | {1 / seconds:,.0f} |")
    return "\n".join(lines)


def machine(runs: list[dict[str, Any]]) -> list[str]:
    """The machine, versions and commit the figures come from."""
    m = runs[0].get("machine_info", {})
    versions = ", ".join(f"{k} {v}" for k, v in m.get("versions", {}).items()) or "?"
    return [
        f"* Machine: {m.get('cpu_model', '?')}, {m.get('cpu_count', '?')} logical CPUs, {m.get('os', '?')}",
        f"* Python {m.get('python', '?')}; crypto backends: {', '.join(m.get('xsessions_backends', [])) or '?'}",
        f"* Libraries: {versions}",
        f"* Commit: {m.get('git_commit', '?')}",
    ]


METHOD = """\
## Method

Every figure comes from the pytest-benchmark suites in `benchmarks/`, run on the machine above in
one go: our native and pure-Python backends and the libraries we compare with (starknet-py and its
crypto-cpp-py / poseidon-py, and cairo-lang when the optional `bench` extra is installed) measure
the same inputs in the same run. Each figure is the {stat} over the rounds of a benchmark{best}.
The machine is a shared VM whose single-thread speed changes by up to 1.6x for seconds at a time;
compare figures of one report, not of two.

Batches are cheaper per item because the native core shares work across items: Pedersen batches of
64 items or more add table points in affine coordinates with one shared field inversion
(Montgomery's trick); signing and verification share their inversions; Poseidon runs four
permutations at once in AVX2 registers when the CPU has them.

Threads: the native calls release the GIL. `python benchmarks/bench_sessions.py` and
`python benchmarks/bench_relayer.py` time one against two threads in paired rounds, next to a
GIL-free reference from the standard library (PBKDF2 in `hashlib`) measured in the same rounds,
since the VM's own two-thread scaling varies from second to second.
"""


def report(runs: list[dict[str, Any]], stat: str, imports: dict[str, float], command: str) -> str:
    """The whole docs/benchmarks.md text."""
    best = f", best of {len(runs)} runs" if len(runs) > 1 else ""
    lines = [
        "# Benchmarks",
        "",
        f"<!-- Generated by `{command}`; do not edit by hand (run it again instead). -->",
        "",
        *machine(runs),
        "",
        METHOD.format(stat=stat, best=best),
        "## Results",
        "",
        render(runs, stat),
        "",
        "### Import time",
        "",
        "Cumulative `python -X importtime -c 'import MODULE'` in a fresh interpreter, best of 5:",
        "",
        "| module | import time |",
        "| --- | ---: |",
        *(f"| `{module}` | {fmt(seconds)} |" for module, seconds in imports.items()),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, nargs="+", help="read these pytest-benchmark JSON files instead of running")
    parser.add_argument("--save", type=Path, help="run and keep the JSON here")
    parser.add_argument("--runs", type=int, default=1, help="number of benchmark runs (default 1)")
    parser.add_argument("--quick", action="store_true", help="one short round per benchmark (a smoke run)")
    parser.add_argument("--stat", choices=["min", "median", "mean"], default="min", help="statistic shown")
    parser.add_argument("--out", default=str(OUT), help="output file, - for stdout (default docs/benchmarks.md)")
    args = parser.parse_args()
    if args.json:
        paths = args.json
    else:
        base = args.save or Path(tempfile.mkdtemp()) / "bench.json"
        paths = [base] if args.runs <= 1 else [base.with_name(f"{base.stem}-{i + 1}{base.suffix}")
                                                for i in range(args.runs)]
        for path in paths:
            run_benchmarks(path, args.quick)
    imports = {module: import_time(module) for module in IMPORTS}
    command = "python benchmarks/report.py" + "".join(f" {shlex.quote(a)}" for a in sys.argv[1:]
                                                      if a not in ("--out", args.out))
    text = report([json.loads(path.read_text()) for path in paths], args.stat, imports, command)
    if args.out == "-":
        print(text, end="")
    else:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)
        print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
