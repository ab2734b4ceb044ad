"""Fixtures of the crypto benchmarks (run with ``pytest benchmarks/``; see benchmarks/report.py).

Every benchmark is parametrised by ``impl``:

* ``native`` / ``python`` — our public API (:mod:`xsessions_core.crypto`) with that backend active
  (switched with :func:`~xsessions_core.crypto.use_backend` for the test and restored after);
* ``starknet-py`` — starknet-py 0.30 (``crypto-cpp-py`` for Pedersen/ECDSA, ``poseidon-py``);
* ``cairo-lang`` — cairo-lang's pure-Python ``starkware.crypto.signature`` (optional: skipped with
  the reason when ``import starkware.crypto.signature`` fails; ``pip install cairo-lang`` — it
  installs next to starknet-py 0.30 on Python 3.11).

Inputs are fixed values from ``../shared/vectors``; private keys are never part of a benchmark id.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

import pytest

from xsessions_core import crypto

REPO = Path(__file__).resolve().parents[1]
VECTORS = Path(os.environ.get("XSESSIONS_VECTORS", REPO.parent / "shared" / "vectors"))

IMPLS = ["native", "python", "starknet-py", "cairo-lang"]


@lru_cache(maxsize=None)
def vectors(name: str) -> Any:
    with (VECTORS / name).open() as fh:
        return json.load(fh)


def h(value: str) -> int:
    return int(value, 0)


def cairo_lang() -> tuple[ModuleType, ModuleType] | None:
    """``(signature, fast_pedersen_hash)`` modules of cairo-lang, or None if not installed."""
    try:
        from starkware.crypto.signature import fast_pedersen_hash, signature
    except ImportError:
        return None
    return signature, fast_pedersen_hash


@pytest.fixture(params=IMPLS)
def impl(request: pytest.FixtureRequest) -> Iterator[str]:
    """The implementation under test; for ``native``/``python`` that backend is active meanwhile."""
    name: str = request.param
    if name == "cairo-lang" and cairo_lang() is None:
        pytest.skip("cairo-lang is not installed (pip install cairo-lang)")
    if name in ("native", "python"):
        previous = crypto.use_backend(name)  # NativeBackendError (an error, not a skip) if missing
        try:
            yield name
        finally:
            crypto.use_backend(previous)
    else:
        yield name


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cpu_cores() -> int | None:
    """Physical cores per socket (``cpu cores`` of /proc/cpuinfo), None where it is not given."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("cpu cores"):
                return int(line.split(":", 1)[1])
    except (OSError, ValueError):
        pass
    return None


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        )
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10, check=True,
        )
        return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict[str, Any]) -> None:
    machine_info["cpu_model"] = _cpu_model()
    machine_info["cpu_count"] = os.cpu_count()
    machine_info["cpu_cores"] = _cpu_cores()
    machine_info["os"] = platform.platform()
    machine_info["python"] = sys.version.split()[0]
    machine_info["git_commit"] = _git_commit()
    machine_info["xsessions_backends"] = crypto.available_backends()
    machine_info["versions"] = {
        d: _version(d) for d in ("starknet-py", "crypto-cpp-py", "poseidon-py", "cairo-lang")
    }
