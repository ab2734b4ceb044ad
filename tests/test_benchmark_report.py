"""benchmarks/report.py builds its tables from pytest-benchmark JSON: grouping, per-item figures,
ratio columns from one run, row labels and the header, on small fabricated runs (no timing)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]


def _load_report() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_report", REPO / "benchmarks" / "report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


report = _load_report()

MACHINE = {"cpu_model": "Fabricated CPU 9000", "cpu_count": 2, "cpu_cores": 2, "os": "Linux-test",
           "python": "3.11.7", "git_commit": "abc1234", "xsessions_backends": ["native", "python"],
           "versions": {"starknet-py": "0.30.0"}}


def bench(name: str, seconds: float, *, group: str | None = None, params: dict[str, Any] | None = None,
          param: str | None = None, items: int | None = None, median: float | None = None,
          options: dict[str, Any] | None = None) -> dict[str, Any]:
    """One benchmark entry as pytest-benchmark writes it to its JSON."""
    return {"name": name, "group": group, "params": params, "param": param,
            "extra_info": {} if items is None else {"items": items},
            "options": options or {"min_rounds": 5, "max_time": 1.0, "warmup": False},
            "stats": {"min": seconds, "median": seconds if median is None else median, "mean": seconds}}


def run(*benchmarks: dict[str, Any], when: str = "2026-12-06T03:00:00+00:00") -> dict[str, Any]:
    return {"machine_info": MACHINE, "datetime": when, "benchmarks": list(benchmarks)}


def signer_run(scale: float = 1.0) -> dict[str, Any]:
    """Sign / verify / decode+verify of three kinds; secp256r1 costs 3x, 2x, 2x the Stark native figures."""
    out = []
    for group, stark in (("sign", 30e-6), ("verify", 60e-6), ("decode+verify", 64e-6)):
        factor = 3.0 if group == "sign" else 2.0
        for kind, seconds in (("stark-native", stark), ("secp256r1", stark * factor), ("stark-python", stark * 20)):
            out.append(bench(f"test_{group}[{kind}]", seconds * scale, group=group, params={"kind": kind}, param=kind))
    return run(*out)


def table_row(markdown: str, label: str) -> list[str]:
    """The cells of the row starting with ``label`` in a Markdown text."""
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == label:
            return cells
    raise AssertionError(f"no row {label!r}")


# --------------------------------------------------------------------------- names and figures

def test_entry_names_follow_the_parameters() -> None:
    assert report.entry_name(bench("test_x[int-native]", 1, params={"impl": "native", "key": "int"})) == "native/int"
    assert report.entry_name(bench("test_x[api-python]", 1, params={"impl": "python", "layer": "api"})) == "python/api"
    assert report.entry_name(bench("test_t[native-Mail]", 1, params={"variant": "native", "case": "Mail"})) == "native"
    assert report.entry_name(bench("test_v[2 processes]", 1, params={"processes": 2}, param="2 processes")) == "2 processes"
    assert report.entry_name(bench("test_bench_verify_batch", 1)) == "verify_batch"


def test_group_is_the_benchmark_group_else_the_test_name() -> None:
    assert report.group_name(bench("test_sign[secp256k1]", 1, group="sign")) == "sign"
    assert report.group_name(bench("test_bench_session_invoke_native[one_call]", 1)) == "session_invoke_native"


def test_figures_are_per_item_and_use_the_chosen_statistic() -> None:
    data = run(bench("test_bench_verify_batch", 0.02, group="g", items=200, median=0.04),
               bench("test_sign[eip191]", 3e-5, group="sign", param="eip191"))
    assert report.figures(data)["g"]["verify_batch"] == pytest.approx(0.02 / 200)
    assert report.figures(data, "median")["g"]["verify_batch"] == pytest.approx(0.04 / 200)
    assert report.figures(data)["sign"] == {"eip191": pytest.approx(3e-5)}


def test_ratio_and_units() -> None:
    assert report.ratio(200e-6, 50e-6) == "4×"
    assert report.ratio(1.0, 3.0) == "0.333×"
    assert report.ratio(3065.0, 1.0) == "3,065×"
    assert report.ratio(None, 1.0) == report.ratio(1.0, None) == report.ratio(1.0, 0.0) == "—"
    assert [report.fmt(v) for v in (2.5, 2.5e-3, 2.5e-6, 2.5e-9, None)] == ["2.5 s", "2.5 ms", "2.5 µs", "2.5 ns", "—"]
    assert report.per_second(100e-6) == "10,000"
    assert report.per_second(None) == "—"


# --------------------------------------------------------------------------- tables

def test_comparison_table_ratio_columns_in_both_directions() -> None:
    figs = {"g": {"old": 200e-6, "new": 50e-6}}
    rows = [("row", "today", report.Ref("g", "old"), "new path", report.Ref("g", "new"))]
    speed_up = report.render_table(report.comparison_table("T", "", rows, "speed-up"), figs)
    time_ratio = report.render_table(report.comparison_table("T", "", rows, "new ÷ old", speed_up=False), figs)
    assert table_row("\n".join(speed_up), "row") == ["row", "today", "200 µs", "5,000", "new path", "50 µs",
                                                     "20,000", "4×"]
    assert table_row("\n".join(time_ratio), "row")[-1] == "0.25×"
    assert "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: |" in speed_up  # text left, figures right


def test_signer_table_labels_each_kind_and_divides_by_stark_native() -> None:
    figs = report.figures(signer_run())
    text = "\n".join(report.render_table(report.signer_table([figs]), figs))
    assert table_row(text, "Stark (native backend)")[1:] == ["30 µs", "1×", "60 µs", "1×", "64 µs", "1×"]
    r1 = table_row(text, "Secp256r1 (P-256)")
    assert (r1[2], r1[4], r1[6]) == ("3×", "2×", "2×")
    assert table_row(text, "Stark (Python backend)")[2] == "20×"
    assert "Secp256k1 |" not in text  # a kind that was not measured gets no row


def test_unknown_signer_kind_gets_a_row_of_its_own() -> None:
    data = signer_run()
    data["benchmarks"].append(bench("test_sign[ed25519]", 15e-6, group="sign", param="ed25519"))
    figs = report.figures(data)
    text = "\n".join(report.render_table(report.signer_table([figs]), figs))
    assert table_row(text, "ed25519")[1:3] == ["15 µs", "0.5×"]


def test_p256_relayer_row_is_empty_until_measured_then_has_its_ratio() -> None:
    stark = bench("test_bench_verify_batch", 0.02, group=report.VERIFY_GROUP, items=200)
    p256 = bench("test_bench_verify_batch_p256_session_key", 0.08, group=report.VERIFY_GROUP, items=200)
    label = "session transaction verification with a P-256 session key (authorization cached)"
    without = table_row(report.render([report.figures(run(stark))]), label)
    assert without[5:] == ["—", "—", "—"]
    measured = table_row(report.render([report.figures(run(stark, p256))]), label)
    assert measured[5:] == ["400 µs", "2,500", "4×"]


def test_cosigner_sequential_against_pooled() -> None:
    data = run(bench("test_cosigner_throughput[sequential]", 0.8, group=report.COSIGNER_GROUP,
                     params={"variant": "sequential"}, items=16),
               bench("test_cosigner_throughput[pooled]", 0.5, group=report.COSIGNER_GROUP,
                     params={"variant": "pooled"}, items=500))
    row = table_row(report.render([report.figures(data)]), "co-signed session transactions")
    assert row[2:4] == ["50 ms", "20"] and row[5:] == ["1 ms", "1,000", "50×"]


def test_typed_data_table_takes_the_typed_data_and_merkle_groups() -> None:
    table = report.typed_data_table(["typed data: Mail", "merkle root: 8 leaves", "pedersen", "sign"])
    assert [row[0] for row in table.rows] == ["merkle root: 8 leaves", "typed data: Mail"]


def test_benchmarks_no_table_shows_are_listed_not_lost() -> None:
    data = run(bench("test_prepare_public_key[native]", 1e-4, group="prepare_public_key (once per key)",
                   params={"impl": "native"}),
               bench("test_pedersen[native]", 1e-5, group="pedersen", params={"impl": "native"}))
    text = report.render([report.figures(data)])
    assert table_row(text, "prepare_public_key (once per key)")[1:] == ["native", "100 µs", "10,000"]
    assert "| pedersen | native |" not in text  # shown in the crypto table, not repeated
    assert report.other_table([report.figures(data)], {"prepare_public_key (once per key)", "pedersen"}) is None


def test_the_group_names_are_those_the_benchmarks_use() -> None:
    sources = "".join((REPO / "benchmarks" / name).read_text() for name in report.BENCH_FILES)
    for group in (report.VERIFY_GROUP, report.WORST_GROUP, report.SIGN_GROUP, report.COSIGNER_GROUP,
                  "verify over processes", "reference over processes"):
        assert f'"{group}"' in sources, group
    assert {"bench_signers.py", "bench_cosigner.py"} <= set(report.BENCH_FILES)


# --------------------------------------------------------------------------- several runs

def test_a_table_is_taken_whole_from_one_run() -> None:
    """Run 1 is the best for the signers overall, although run 2 has the faster Stark sign: every row
    and ratio of the table comes from run 1, never a mix of the two runs' best figures."""
    first, second = signer_run(), signer_run(scale=1.5)
    for entry in second["benchmarks"]:
        if entry["name"] == "test_sign[stark-native]":
            entry["stats"]["min"] = 10e-6
    runs = [report.figures(first), report.figures(second)]
    table = report.signer_table(runs)
    assert report.pick_run(table, runs) == 0
    text = report.render(runs)
    assert table_row(text, "Stark (native backend)")[1] == "30 µs"
    assert table_row(text, "Secp256r1 (P-256)")[2] == "3×"
    assert "(run 1 of 2)" in text


def test_pick_run_prefers_the_run_with_the_figures() -> None:
    partial = report.figures(run(bench("test_sign[stark-native]", 1e-6, group="sign", param="stark-native")))
    full = report.figures(signer_run())
    assert report.pick_run(report.signer_table([partial, full]), [partial, full]) == 1


# --------------------------------------------------------------------------- the header

def test_header_states_machine_date_command_duration_and_same_run() -> None:
    text = report.report([signer_run()], "min", {"xsessions_core": 0.005}, "python benchmarks/report.py",
                         seconds=185.0)
    head = text.split("## Method")[0]
    for fact in ("Fabricated CPU 9000", "2 logical CPUs", "2 cores", "Python 3.11.7", "abc1234",
                 "2026-12-06T03:00:00", "`python benchmarks/report.py`", "3 min 5 s"):
        assert fact in head, fact
    assert "Every row of a table" in text and "same run" in text
    assert "Quick smoke run" not in text
    assert table_row(text, "`xsessions_core`") == ["`xsessions_core`", "5 ms"]


def test_quick_runs_are_marked_as_such() -> None:
    quick = run(bench("test_sign[stark-native]", 3e-5, group="sign", param="stark-native",
                      options={"min_rounds": 1, "max_time": 0.02, "warmup": False}))
    assert report.is_quick(quick) and not report.is_quick(signer_run())
    text = report.report([quick], "min", {}, "python benchmarks/report.py --json x.json", seconds=None)
    assert "Quick smoke run" in text and "existing pytest-benchmark JSON" in text


def test_no_text_of_the_report_speaks_of_issues_or_targets() -> None:
    text = report.report([signer_run(), signer_run(2.0)], "min", {}, "python benchmarks/report.py --runs 2", 60.0)
    assert not re.search(r"\b(issues?|targets?)\b", text, re.I)


def test_reproduce_command_drops_the_file_options() -> None:
    argv = ["--json", "a.json", "b.json", "--runs", "3", "--out=-", "--save", "x.json", "--quick"]
    assert report.reproduce_command(argv) == "python benchmarks/report.py --runs 3 --quick"
