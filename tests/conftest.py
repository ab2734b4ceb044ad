"""Shared fixtures: every test runs once per crypto backend, and vectors come from ../shared/vectors."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from xsessions_core import crypto

REPO = Path(__file__).resolve().parents[1]
VECTORS = Path(os.environ.get("XSESSIONS_VECTORS", REPO.parent / "shared" / "vectors"))

# XSESSIONS_BACKEND=python (or native) restricts the run to one backend on purpose; otherwise both
# run, and a missing native extension makes the native half FAIL (never skip).
_FORCED = os.environ.get("XSESSIONS_BACKEND", "").strip().lower()
BACKENDS = [_FORCED] if _FORCED else ["native", "python"]


@pytest.fixture(scope="session", params=BACKENDS, autouse=True)
def backend(request: pytest.FixtureRequest) -> Any:
    """Activate one crypto backend for the tests that follow; yields its name."""
    previous = crypto.BACKEND
    crypto.use_backend(request.param)
    yield request.param
    crypto.use_backend(previous)


@lru_cache(maxsize=None)
def load_vectors(name: str) -> Any:
    """Parsed ``../shared/vectors/<name>`` (read-only ground truth)."""
    path = VECTORS / name
    if not path.exists():
        raise FileNotFoundError(f"test vectors not found at {path}; set XSESSIONS_VECTORS")
    with path.open() as fh:
        return json.load(fh)


def h(value: Any) -> int:
    """Vector felt (hex/decimal string or int) -> int."""
    if isinstance(value, int):
        return value
    return int(value, 0)


def readme_block(name: str) -> str:
    """The ```python block that follows the marker ``<!-- example: NAME -->`` in README.md."""
    text = (REPO / "README.md").read_text()
    marker = f"<!-- example: {name} -->"
    start = text.index(marker)
    start = text.index("```python\n", start) + len("```python\n")
    return text[start : text.index("```", start)]


#: A time before every session of ``../vectors`` expired (they were recorded in 2023-2025).
RECORDED_AT = 1_700_000_000


@pytest.fixture
def recorded_clock(monkeypatch: pytest.MonkeyPatch) -> int:
    """Sign at :data:`RECORDED_AT`: the recorded sessions had not expired yet (the signers check
    the expiry against ``xsessions_core.sessions.session.wall_clock`` when no ``now`` is given)."""
    from xsessions_core.sessions import session

    monkeypatch.setattr(session, "wall_clock", lambda: RECORDED_AT)
    return RECORDED_AT
