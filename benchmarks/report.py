#!/usr/bin/env python3
"""Writes docs/benchmarks.md: every benchmark of benchmarks/ plus import times, with the machine.

Usage::

    python benchmarks/report.py                  # runs the benchmarks, writes docs/benchmarks.md
    python benchmarks/report.py --runs 3         # 3 runs; each table is taken whole from one run
    python benchmarks/report.py --quick          # few rounds: a fast smoke run of the whole report
    python benchmarks/report.py --json a.json    # from existing --benchmark-json files
    python benchmarks/report.py --out -          # print instead of writing the file

A ``--quick`` smoke run takes about 80 s on a 2-CPU VM; a full run takes several minutes (pytest-benchmark's
default of up to one second of rounds per benchmark, for about 110 benchmarks). The generated file
states the command and how long it took.

Times are per call (``--stat min``, the default, or ``median``; min is the most stable figure on a
shared machine), per item when a benchmark says how many items a call handles
(``extra_info["items"]``: batches, transactions of a relayer call). Every ratio is computed from two
figures of the same table, and every row of a table comes from the same run: with several runs,
each table is taken whole from the run in which its figures were, all together, closest to their
best (on a shared VM, bursts of load from other tenants last seconds and can spoil part of a run).
Import times are the best of several ``python -X importtime`` runs in fresh interpreters.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "benchmarks.md"
BENCH_FILES = ["bench_crypto.py", "bench_typed_data.py", "bench_sessions.py", "bench_relayer.py",
               "bench_parallel.py", "bench_signers.py", "bench_cosigner.py"]
QUICK = ["--benchmark-min-rounds=1", "--benchmark-max-time=0.02", "--benchmark-warmup=off"]
IMPORTS = ["xsessions_core", "xsessions_core.crypto", "xsessions_core.sessions", "xsessions_core.relayer",
           "xsessions_core.cli"]

#: group -> entry -> seconds per item, for one run.
Figures = dict[str, dict[str, float]]


# --------------------------------------------------------------------------- reading a run

def entry_name(bench: dict[str, Any]) -> str:
    """The name of a benchmark inside its group: its ``impl`` or ``variant`` parameter (with the
    ``layer`` or ``key`` parameter appended, e.g. ``native/prepared``), else its pytest parameter
    id (``secp256r1``, ``2 processes``), else the test name without ``test_`` / ``test_bench_``."""
    params = bench.get("params") or {}
    name = params.get("impl") or params.get("variant")
    if name is not None:
        for extra in ("layer", "key"):  # e.g. the api vs backend layer, an int vs a prepared public key
            if extra in params:
                name = f"{name}/{params[extra]}"
        return str(name)
    if bench.get("param"):
        return str(bench["param"])
    return _test_name(bench)


def group_name(bench: dict[str, Any]) -> str:
    """The benchmark's ``group``, or its test name without parameters and ``test_`` prefixes."""
    return str(bench.get("group") or _test_name(bench))


def _test_name(bench: dict[str, Any]) -> str:
    return str(bench["name"]).split("[")[0].removeprefix("test_").removeprefix("bench_")


def figures(run: dict[str, Any], stat: str = "min") -> Figures:
    """The figures of one pytest-benchmark JSON run: the ``stat`` of each benchmark divided by its
    ``extra_info["items"]`` (1 when absent)."""
    out: Figures = {}
    for bench in run["benchmarks"]:
        items = (bench.get("extra_info") or {}).get("items") or 1
        out.setdefault(group_name(bench), {})[entry_name(bench)] = bench["stats"][stat] / items
    return out


def is_quick(run: dict[str, Any]) -> bool:
    """Whether the run used the ``--quick`` settings (one round at most 0.02 s, no warm-up)."""
    options = [b.get("options") or {} for b in run["benchmarks"]]
    return any(o.get("min_rounds") == 1 and o.get("max_time") == 0.02 and o.get("warmup") is False
               for o in options)


# --------------------------------------------------------------------------- formatting

def fmt(seconds: float | None) -> str:
    """A duration with 3 significant digits and its unit; ``—`` for no figure."""
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def per_second(seconds: float | None) -> str:
    """Items per second of a figure (seconds per item); ``—`` for no figure."""
    if seconds is None or seconds <= 0:
        return "—"
    rate = 1 / seconds
    return f"{rate:,.0f}" if rate >= 10 else f"{rate:.3g}"


def ratio(numerator: float | None, denominator: float | None) -> str:
    """``numerator / denominator`` as ``2.5×`` (3 significant digits, whole numbers from 100 on);
    ``—`` when either figure is missing."""
    if numerator is None or denominator is None or denominator <= 0:
        return "—"
    value = numerator / denominator
    return f"{value:,.0f}×" if value >= 100 else f"{value:.3g}×"


# --------------------------------------------------------------------------- tables

@dataclass(frozen=True)
class Ref:
    """One benchmark of a run: ``group`` and ``entry`` as :func:`figures` names them."""

    group: str
    entry: str

    def value(self, figs: Figures) -> float | None:
        return figs.get(self.group, {}).get(self.entry)


@dataclass(frozen=True)
class Time:
    """A cell: the time per item of a benchmark."""

    ref: Ref


@dataclass(frozen=True)
class Rate:
    """A cell: items per second of a benchmark."""

    ref: Ref


@dataclass(frozen=True)
class Ratio:
    """A cell: the time of ``numerator`` divided by the time of ``denominator`` (same run)."""

    numerator: Ref
    denominator: Ref


Cell = Union[Time, Rate, Ratio, str]


@dataclass(frozen=True)
class Table:
    """A Markdown table: a title, an introduction, column headers and rows of cells."""

    title: str
    intro: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def refs(self) -> set[Ref]:
        """Every benchmark a cell of the table reads."""
        out: set[Ref] = set()
        for row in self.rows:
            for cell in row:
                if isinstance(cell, (Time, Rate)):
                    out.add(cell.ref)
                elif isinstance(cell, Ratio):
                    out.update((cell.numerator, cell.denominator))
        return out


def cell_text(cell: Cell, figs: Figures) -> str:
    """The text of one cell for the figures of one run."""
    if isinstance(cell, Time):
        return fmt(cell.ref.value(figs))
    if isinstance(cell, Rate):
        return per_second(cell.ref.value(figs))
    if isinstance(cell, Ratio):
        return ratio(cell.numerator.value(figs), cell.denominator.value(figs))
    return cell


def render_table(table: Table, figs: Figures) -> list[str]:
    """The Markdown lines of ``table`` with every cell taken from ``figs`` (one run)."""
    lines = [f"### {table.title}", ""]
    if table.intro:
        lines += [table.intro, ""]
    numeric = [any(not isinstance(row[i], str) for row in table.rows) for i in range(len(table.headers))]
    lines.append("| " + " | ".join(table.headers) + " |")
    lines.append("|" + "".join(" ---: |" if right else " --- |" for right in numeric))
    lines += ["| " + " | ".join(cell_text(cell, figs) for cell in row) + " |" for row in table.rows]
    return lines


def pick_run(table: Table, runs: Sequence[Figures]) -> int:
    """Index of the run a table is taken from: the one with the most of the table's figures, then
    the one whose figures are, all together, closest to their best over the runs (the smallest sum
    of ``log(figure / best figure)``)."""
    refs = sorted(table.refs(), key=lambda r: (r.group, r.entry))
    best: dict[Ref, float] = {}
    for figs in runs:
        for ref in refs:
            value = ref.value(figs)
            if value is not None and value > 0:
                best[ref] = min(value, best.get(ref, value))

    def score(index: int) -> tuple[int, float]:
        values = [(ref, ref.value(runs[index])) for ref in refs]
        present = [(ref, v) for ref, v in values if v is not None and v > 0]
        return -len(present), sum(math.log(v / best[ref]) for ref, v in present)

    return min(range(len(runs)), key=score)


def comparison_table(title: str, intro: str, rows: Iterable[tuple[str, str, Ref, str, Ref]],
                     ratio_header: str, speed_up: bool = True) -> Table:
    """A table comparing, on each row, a baseline (today's path or a reference) with another path:
    ``(label, baseline name, baseline, other name, other)``. The ratio column is the baseline's time
    divided by the other's (a speed-up) or, with ``speed_up=False``, the other's time divided by the
    baseline's."""
    headers = ("comparison", "baseline", "time", "per second", "compared with it", "time", "per second",
               ratio_header)
    cells = tuple(
        (label, base_name, Time(base), Rate(base), other_name, Time(other), Rate(other),
         Ratio(base, other) if speed_up else Ratio(other, base))
        for label, base_name, base, other_name, other in rows)
    return Table(title, intro, headers, cells)


# (group in bench_crypto.py, row label, single-call group it is the batch form of)
CRYPTO_ROWS = [
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
    ("verify_message_signature batch of 256", "verify_message_signature_batch, per item",
     "verify_message_signature (key seen before)"),
]


def crypto_tables() -> list[Table]:
    """Our two backends against starknet-py and cairo-lang, and batch against single calls."""
    primitives = Table(
        "Crypto primitives", "Time per call (per item for batches).",
        ("operation", "ours native", "ours python", "starknet-py", "cairo-lang", "python ÷ native",
         "starknet-py ÷ native", "cairo-lang ÷ python"),
        tuple((label, *(Time(Ref(group, impl)) for impl in ("native", "python", "starknet-py", "cairo-lang")),
               Ratio(Ref(group, "python"), Ref(group, "native")), Ratio(Ref(group, "starknet-py"), Ref(group, "native")),
               Ratio(Ref(group, "cairo-lang"), Ref(group, "python")))
              for group, label, _ in CRYPTO_ROWS))
    batches = Table(
        "Batch against single calls", "Time per item; the gain is the single call's time divided by the batch's.",
        ("operation", "native single", "native batch", "gain", "python single", "python batch", "gain"),
        tuple((label, *(cell for impl in ("native", "python") for cell in (
            Time(Ref(single, impl)), Time(Ref(group, impl)), Ratio(Ref(single, impl), Ref(group, impl)))))
              for group, label, single in CRYPTO_ROWS if single is not None))
    verify, batch = "verify: int vs prepared key (16 keys)", "verify batch of 256: int vs prepared key (16 keys)"
    prepared = comparison_table(
        "Prepared public keys",
        "ECDSA verification against a public key given as an int (today's path) and as a prepared key "
        "(its precomputed table), 16 keys in turn; the aim is a prepared verification in at most 0.55× "
        "the time of the plain one.",
        [(f"{what}, {impl}", "int key", Ref(group, f"{impl}/int"), "prepared key", Ref(group, f"{impl}/prepared"))
         for impl in ("native", "python") for what, group in (("verify", verify), ("verify batch of 256", batch))],
        "prepared ÷ int (time)", speed_up=False)
    overhead = Table(
        "Call overhead", "`poseidon_hash(0, 0)` through the public API and directly through the backend.",
        ("layer", "native", "python", "api ÷ backend, native"),
        tuple((f"via {layer}", Time(Ref(f"call overhead: poseidon(0, 0) via {layer}", f"native/{layer}")),
               Time(Ref(f"call overhead: poseidon(0, 0) via {layer}", f"python/{layer}")),
               Ratio(Ref(f"call overhead: poseidon(0, 0) via {layer}", f"native/{layer}"),
                     Ref("call overhead: poseidon(0, 0) via backend", "native/backend")))
              for layer in ("api", "backend")))
    return [primitives, batches, prepared, overhead]


def typed_data_table(groups: Iterable[str]) -> Table:
    """SNIP-12 message hashes and Merkle roots: ours (native, precompiled, python) against starknet-py."""
    chosen = sorted(g for g in groups if g.startswith(("typed data:", "merkle root:")))
    impls = ("native", "native-precompiled", "python", "starknet-py")
    return Table(
        "Typed data and Merkle trees", "Time per message hash or per root.",
        ("operation", *impls, "starknet-py ÷ native", "python ÷ native"),
        tuple((group, *(Time(Ref(group, impl)) for impl in impls), Ratio(Ref(group, "starknet-py"), Ref(group, "native")),
               Ratio(Ref(group, "python"), Ref(group, "native")))
              for group in chosen))


VERIFY_GROUP = "session transaction verification (3 calls, authorization cached)"
WORST_GROUP = "verification: normal vs worst accepted request"
SIGN_GROUP = "session signing: batch vs one at a time"
COSIGNER_GROUP = "cosigner: sequential vs pooled"


def session_tables() -> list[Table]:
    """Signing and verifying session transactions (native backend, one thread), against today's path."""
    signing = comparison_table(
        "Session signing and verification (native backend, one thread)",
        "Per session-signed invoke v3 transaction (3 calls, 8 allowed methods). Aims: batch signing "
        "at least 10,000 tx/s; verification with prepared keys at least 7,000 tx/s.",
        [("sign one transaction", "step by step (5 backend calls)", Ref("session_invoke_native", "stepwise"),
          "sign_invoke_v3 (one call)", Ref("session_invoke_native", "one_call")),
         ("sign 200 transactions", "one at a time", Ref(SIGN_GROUP, "sign_one_at_a_time"),
          "SessionContext.sign_invoke_many", Ref(SIGN_GROUP, "sign_transactions")),
         ("verify 200 transactions (batch)", "plain keys (no key cache)", Ref(VERIFY_GROUP, "verify_batch_without_key_cache"),
          "prepared keys (key cache)", Ref(VERIFY_GROUP, "verify_batch"))],
        "speed-up")
    worst = comparison_table(
        "Cost of the worst request the verifier accepts",
        "32 transactions as costly as the node's limits allow (calldata, signature, proofs; nothing "
        "memoised) against 32 normal ones.",
        [("verify 32 transactions", "normal", Ref(WORST_GROUP, "verify_normal_32"),
          "worst accepted", Ref(WORST_GROUP, "verify_worst_accepted"))],
        "worst ÷ normal (time)", speed_up=False)
    kinds = comparison_table(
        "Relayer verification per session-key kind",
        "Session transactions verified in batches of 200, authorization cached, prepared keys on; the "
        "P-256 figure is recorded only when the verifier's verdict on its transactions is VALID (a "
        "build that does not accept P-256 session keys leaves it empty). Aim for P-256: above "
        "1,000 tx/s on one thread.",
        [("session transaction verification with a P-256 session key (authorization cached)",
          "Stark session key", Ref(VERIFY_GROUP, "verify_batch"),
          "P-256 session key", Ref(VERIFY_GROUP, "verify_batch_p256_session_key"))],
        "P-256 ÷ Stark (time)", speed_up=False)
    processes = comparison_table(
        "Processes",
        "`verify_parallel` on 256 transactions in this process against a warm pool of two workers (chunks "
        "of 64), next to the same split of GIL-free standard-library work (PBKDF2 in `hashlib`): what two "
        "processes could gain on this machine during the run.",
        [(f"{label}, 256 items", "1 process", Ref(group, "1 process"), "2 processes", Ref(group, "2 processes"))
         for label, group in (("verify_parallel", "verify over processes"),
                              ("reference (PBKDF2)", "reference over processes"))],
        "speed-up")
    cosigner = comparison_table(
        "Remote guardian: the Argent cosigner over HTTP",
        "`sign_transactions_async` with an `ArgentCosigner` against a loopback cosigner process that "
        "answers after 50 ms: one request at a time against 128 in flight over pooled connections "
        "(one client thread), per transaction.",
        [("co-signed session transactions", "sequential (1 in flight)", Ref(COSIGNER_GROUP, "sequential"),
          "pooled (128 in flight)", Ref(COSIGNER_GROUP, "pooled"))],
        "speed-up")
    return [signing, worst, kinds, processes, cosigner]


SIGNER_KINDS = {
    "stark-native": "Stark (native backend)",
    "stark-python": "Stark (Python backend)",
    "secp256k1": "Secp256k1",
    "eip191": "EIP-191 (secp256k1, Ethereum prefix)",
    "secp256r1": "Secp256r1 (P-256)",
    "webauthn-0.5.0": "WebAuthn (account 0.5.0)",
    "webauthn-0.4.0": "WebAuthn (account 0.4.0)",
}


def signer_label(kind: str) -> str:
    """The row label of a signer kind of bench_signers.py (the kind itself when unknown)."""
    return SIGNER_KINDS.get(kind, kind)


def signer_table(figs: Iterable[Figures]) -> Table:
    """Sign and verify per signer kind, each with its ratio to the Stark signer on the native backend."""
    seen = {entry for f in figs for group in ("sign", "verify", "decode+verify") for entry in f.get(group, {})}
    kinds = [k for k in SIGNER_KINDS if k in seen] + sorted(seen - set(SIGNER_KINDS))
    rows = tuple((signer_label(kind), *(cell for group in ("sign", "verify", "decode+verify") for cell in (
        Time(Ref(group, kind)), Ratio(Ref(group, kind), Ref(group, "stark-native"))))) for kind in kinds)
    return Table(
        "Signers",
        "A `SignerSignature` of each kind the Argent account accepts: sign a hash, verify it "
        "(`is_valid_signature`, with every check of the account), and decode the felts then verify (what a "
        "relayer does per signature). Secp256k1 and EIP-191 use coincurve (libsecp256k1), P-256 and "
        "WebAuthn OpenSSL through `cryptography`; ratios are to the Stark signer on the native backend.",
        ("signer kind", "sign", "÷ Stark native", "verify", "÷ Stark native", "decode + verify", "÷ Stark native"),
        rows)


def tables(runs: Sequence[Figures]) -> list[Table]:
    """Every table of the report, in order."""
    groups = {group for figs in runs for group in figs}
    return [*crypto_tables(), typed_data_table(groups), *session_tables(), signer_table(runs)]


def other_table(runs: Sequence[Figures], known: set[str]) -> Table | None:
    """The benchmarks no other table shows (one row per entry), or None."""
    groups = sorted({group for figs in runs for group in figs} - known)
    rows = tuple((group, entry, Time(Ref(group, entry)), Rate(Ref(group, entry)))
                 for group in groups for entry in sorted({e for figs in runs for e in figs.get(group, {})}))
    if not rows:
        return None
    return Table("Other benchmarks", "", ("benchmark", "variant", "time per item", "per second"), rows)


def render(runs: Sequence[Figures]) -> str:
    """The Markdown of every table, each taken whole from one run (:func:`pick_run`)."""
    all_tables = tables(runs)
    other = other_table(runs, {ref.group for table in all_tables for ref in table.refs()})
    lines: list[str] = []
    for table in [*all_tables, *([other] if other else [])]:
        index = pick_run(table, runs)
        lines += render_table(table, runs[index])
        if len(runs) > 1:
            lines += ["", f"(run {index + 1} of {len(runs)})"]
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the whole file

def machine(run: dict[str, Any]) -> list[str]:
    """The machine, versions, commit and date the figures come from."""
    m = run.get("machine_info", {})
    versions = ", ".join(f"{k} {v}" for k, v in m.get("versions", {}).items()) or "?"
    cores = m.get("cpu_cores")
    return [
        f"* Machine: {m.get('cpu_model', '?')}; {m.get('cpu_count', '?')} logical CPUs"
        + (f", {cores} cores" if cores else "") + f"; {m.get('os', '?')}",
        f"* Python {m.get('python', '?')}; crypto backends: {', '.join(m.get('xsessions_backends', [])) or '?'}",
        f"* Libraries: {versions}",
        f"* Commit: {m.get('git_commit', '?')}; run started {run.get('datetime', '?')}",
    ]


METHOD = """\
## Method

Every figure comes from the pytest-benchmark suites in `benchmarks/`, run on the machine above in
one go: our native and pure-Python backends and the libraries we compare with (starknet-py and its
crypto-cpp-py / poseidon-py, and cairo-lang when the optional `bench` extra is installed) measure
the same inputs in the same run. Each figure is the {stat} over the rounds of a benchmark, per item
when a call handles several (batches, the transactions of a relayer call). **Every row of a table,
and every ratio in it, comes from the same run**{runs_note}. The machine is a shared VM whose
single-thread speed changes by up to 1.6x for seconds at a time; compare figures of one table, not
of two reports.

Batches are cheaper per item because the native core shares work across items: Pedersen batches of
64 items or more add table points in affine coordinates with one shared field inversion
(Montgomery's trick); signing and verification share their inversions; Poseidon runs four
permutations at once in AVX2 registers when the CPU has them.

Threads: the native calls release the GIL. `python benchmarks/bench_sessions.py` and
`python benchmarks/bench_relayer.py` time one against two threads in paired rounds, next to a
GIL-free reference from the standard library (PBKDF2 in `hashlib`) measured in the same rounds,
since the VM's own two-thread scaling varies from second to second.
"""

QUICK_NOTE = ("**Quick smoke run** (`--quick`: one short round per benchmark, no warm-up). These figures "
              "only show that the report builds; do not quote them.")


def report(runs: Sequence[dict[str, Any]], stat: str, imports: dict[str, float], command: str,
           seconds: float | None, quick: bool = False) -> str:
    """The whole docs/benchmarks.md text for the pytest-benchmark JSON ``runs``; ``seconds``: how long
    producing it took (None when it was built from existing JSON files)."""
    took = (f"it took {int(seconds // 60)} min {int(seconds % 60)} s on this machine" if seconds is not None
            else "built from existing pytest-benchmark JSON files")
    runs_note = (f" (with {len(runs)} runs, each table is taken whole from the run in which its figures "
                 "were, all together, closest to their best; the run is named under the table)"
                 if len(runs) > 1 else "")
    lines = [
        "# Benchmarks",
        "",
        f"<!-- Generated by `{command}`; do not edit by hand (run it again instead). -->",
        "",
        f"Reproduce with `{command}` from a checkout with the `dev` extra installed ({took}).",
        "",
        *([QUICK_NOTE, ""] if quick or any(is_quick(run) for run in runs) else []),
        *machine(runs[0]),
        "",
        METHOD.format(stat=stat, runs_note=runs_note),
        "## Results",
        "",
        render([figures(run, stat) for run in runs]),
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


# --------------------------------------------------------------------------- running

def run_benchmarks(out: Path, quick: bool) -> None:
    """Runs every benchmark file once with pytest-benchmark, keeping the JSON in ``out``."""
    cmd = [sys.executable, "-m", "pytest", *(str(REPO / "benchmarks" / f) for f in BENCH_FILES), "-q", "-rs",
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


def reproduce_command(argv: Sequence[str]) -> str:
    """The command that produces the report again: ``argv`` without the options naming files
    (``--out``, ``--save``, ``--json`` and their values)."""
    kept: list[str] = []
    skipping = False
    for arg in argv:
        if arg.startswith("-"):
            name = arg.split("=", 1)[0]
            skipping = name in ("--out", "--save", "--json") and "=" not in arg
            if name not in ("--out", "--save", "--json"):
                kept.append(arg)
        elif not skipping:
            kept.append(arg)
    return " ".join(["python benchmarks/report.py", *(shlex.quote(a) for a in kept)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, nargs="+", help="read these pytest-benchmark JSON files instead of running")
    parser.add_argument("--save", type=Path, help="run and keep the JSON here")
    parser.add_argument("--runs", type=int, default=1, help="number of benchmark runs (default 1)")
    parser.add_argument("--quick", action="store_true", help="one short round per benchmark (a smoke run)")
    parser.add_argument("--stat", choices=["min", "median", "mean"], default="min", help="statistic shown")
    parser.add_argument("--out", default=str(OUT), help="output file, - for stdout (default docs/benchmarks.md)")
    args = parser.parse_args()
    start = time.monotonic()
    if args.json:
        paths = args.json
    else:
        base = args.save or Path(tempfile.mkdtemp()) / "bench.json"
        paths = [base] if args.runs <= 1 else [base.with_name(f"{base.stem}-{i + 1}{base.suffix}")
                                                for i in range(args.runs)]
        for path in paths:
            run_benchmarks(path, args.quick)
    imports = {module: import_time(module) for module in IMPORTS}
    command = reproduce_command(sys.argv[1:])
    text = report([json.loads(path.read_text()) for path in paths], args.stat, imports, command,
                  None if args.json else time.monotonic() - start, args.quick)
    if args.out == "-":
        print(text, end="")
    else:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)
        print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
