#!/usr/bin/env python3
"""Markdown summary of the crypto benchmarks (for README).

Usage::

    python benchmarks/report.py                  # runs benchmarks/bench_crypto.py, prints the table
    python benchmarks/report.py --runs 3         # runs it 3 times, keeps each figure's best run
    python benchmarks/report.py --json a.json b.json  # reads existing --benchmark-json files
    python benchmarks/report.py --save out.json  # runs, keeps the JSON (out-1.json... with --runs)

Times are per call (``--stat min``, the default, or ``median``; min is the most stable figure on a
shared machine); batch groups are divided by their item count (per item). With several runs (every
implementation measured in each run), each figure is the lowest of the runs: on a shared VM,
bursts of load from other tenants last seconds and can spoil one benchmark group in one run.
"""

from __future__ import annotations

import argparse
import json
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

# Issue targets: (group, minimum starknet-py/native ratio).
TARGETS = [
    ("poseidon_hash", 12),
    ("pedersen", 8),
    ("verify_message_signature (key seen before)", 8),
    ("private_to_stark_key", 30),
    ("message_signature", 1000),
]


def run_benchmarks(out: Path) -> None:
    cmd = [sys.executable, "-m", "pytest", str(REPO / "benchmarks" / "bench_crypto.py"), "-q", f"--benchmark-json={out}"]
    print("running:", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=REPO, check=True, stdout=sys.stderr)


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
            key = params.get("impl", "?")
            if "layer" in params:
                key = f"{key}/{params['layer']}"
            items = bench.get("extra_info", {}).get("items", 1)
            value = bench["stats"][stat] / items
            group = table.setdefault(bench["group"], {})
            group[key] = min(value, group.get(key, value))
    return table


def render(runs: list[dict[str, Any]], stat: str = "min") -> str:
    t = collect(runs, stat)
    m = runs[0].get("machine_info", {})
    best = f", best of {len(runs)} runs" if len(runs) > 1 else ""
    lines = [
        f"Time per call ({stat} of the rounds{best}; per item for batches). CPU: {m.get('cpu_model', '?')} "
        f"({m.get('cpu_count', '?')} cores), Python {m.get('python', '?')}, commit {m.get('git_commit', '?')}; "
        f"versions: {', '.join(f'{k} {v}' for k, v in m.get('versions', {}).items())}.",
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
    lines += ["", "| target (issue) | required | measured | met |", "| --- | ---: | ---: | :---: |"]
    for group, need in TARGETS:
        g = t.get(group, {})
        if g.get("native") and g.get("starknet-py"):
            got = g["starknet-py"] / g["native"]
            lines.append(f"| {group}: starknet-py / native | ≥ {need}× | {got:.3g}× | {'yes' if got >= need else 'NO'} |")
    for group in ("message_signature(seed=32)", "verify_message_signature"):
        g = t.get(group, {})
        if g.get("python") and g.get("cairo-lang"):
            got = g["cairo-lang"] / g["python"]
            lines.append(f"| {group}: cairo-lang / python | ≥ 3× | {got:.3g}× | {'yes' if got >= 3 else 'NO'} |")
    for group, _, single in ROWS:
        if single in ("pedersen", "poseidon_hash", "poseidon_hash_many(10)"):
            s, b = t.get(single, {}).get("native"), t.get(group, {}).get("native")
            if s and b:
                lines.append(f"| {group}: native single / batch per item | ≥ 1.5× | {s / b:.3g}× | {'yes' if s / b >= 1.5 else 'NO'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, nargs="+", help="read these pytest-benchmark JSON files instead of running")
    parser.add_argument("--save", type=Path, help="run and keep the JSON here")
    parser.add_argument("--runs", type=int, default=1, help="number of benchmark runs (default 1)")
    parser.add_argument("--stat", choices=["min", "median", "mean"], default="min", help="statistic shown")
    args = parser.parse_args()
    if args.json:
        paths = args.json
    else:
        base = args.save or Path(tempfile.mkdtemp()) / "bench.json"
        paths = [base] if args.runs <= 1 else [base.with_name(f"{base.stem}-{i + 1}{base.suffix}")
                                                for i in range(args.runs)]
        for path in paths:
            run_benchmarks(path)
    print(render([json.loads(path.read_text()) for path in paths], args.stat))


if __name__ == "__main__":
    main()
