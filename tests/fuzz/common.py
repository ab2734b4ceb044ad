"""Shared pieces of the atheris harnesses in this directory.

Every harness feeds fuzzer bytes to the public API of ``xsessions_core``. The rule it enforces:
an input is either accepted, or rejected with an :class:`~xsessions_core.errors.XSessionsError`.
Any other exception propagates out of the harness, which atheris reports as a crash (with the
input saved as ``crash-*``); libFuzzer's ``-timeout`` turns a hang into a failure too.

Inputs are JSON text for the structured harnesses; :func:`json_mutator` mutates the parsed JSON
(replace a node with a hostile value, drop or duplicate a node) and falls back to libFuzzer's
byte mutations, so most executions reach the library instead of dying in ``json.loads``.
"""

from __future__ import annotations

import json
import random
import sys
import warnings
from typing import Any, Callable

import atheris

with atheris.instrument_imports(include=["xsessions_core"]):
    import xsessions_core  # noqa: F401  (instrument the whole package for coverage feedback)
    from xsessions_core.crypto import EC_ORDER, FIELD_PRIME
    from xsessions_core.errors import XSessionsError

P = FIELD_PRIME
N = EC_ORDER

#: Values at the edges of every range the library checks.
EDGE_INTS = (
    0, 1, 2, P - 1, P, P + 1, N - 1, N, N + 1, 2**250 - 1, 2**250, 2**251 - 1, 2**251, 2**252,
    2**64 - 1, 2**64, 2**128 - 1, 2**128, 2**256 - 1, 2**256, -1, -(2**255), 2**4096, 2**15000,
    -(2**15000),
)
#: Hostile JSON leaves: edge ints in every spelling, non-numbers, wrong types.
EDGE_VALUES: tuple[Any, ...] = (
    *EDGE_INTS,
    *(hex(v) for v in EDGE_INTS if v >= 0),
    *(str(v) for v in EDGE_INTS if abs(v).bit_length() < 10_000),
    "0x", "", "-0x1", "0X1", "0x" + "f" * 70, "1" * 5000, "0b101", "1e3", " 1", "0x1 ", "\u00e9",
    "\ud800", "a" * 40, 1.5, -0.0, 1e308, None, True, False, [], {}, [[]], {"": None},
)


def quiet() -> None:
    """Silence the pure-Python signing warning (printed once per input otherwise)."""
    warnings.simplefilter("ignore")


def expect_library_errors(body: Callable[[bytes], None]) -> Callable[[bytes], None]:
    """Wrap a harness body: XSessionsError is an accepted outcome, anything else a crash."""

    def test_one_input(data: bytes) -> None:
        try:
            body(data)
        except XSessionsError:
            pass

    return test_one_input


def load_json(data: bytes) -> Any:
    """Parse fuzzer bytes as JSON; ``None`` when they are not JSON (the library never sees them).

    NaN/Infinity literals are kept (they reach the library, which must reject them).
    """
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _mutate_node(node: Any, rng: random.Random, depth: int = 0) -> Any:
    if isinstance(node, dict) and node and depth < 40 and rng.random() < 0.8:
        key = rng.choice(list(node))
        roll = rng.random()
        if roll < 0.1:
            out = dict(node)
            del out[key]
            return out
        if roll < 0.15:
            out = dict(node)
            out[key + "_"] = out[key]
            return out
        out = dict(node)
        out[key] = _mutate_node(node[key], rng, depth + 1)
        return out
    if isinstance(node, list) and node and depth < 40 and rng.random() < 0.8:
        i = rng.randrange(len(node))
        roll = rng.random()
        out = list(node)
        if roll < 0.1:
            del out[i]
        elif roll < 0.2:
            out.insert(i, out[i])
        elif roll < 0.25:
            out = out[:i]
        else:
            out[i] = _mutate_node(node[i], rng, depth + 1)
        return out
    roll = rng.random()
    if roll < 0.6:
        return rng.choice(EDGE_VALUES)
    if roll < 0.7 and isinstance(node, str) and node:
        return node[: rng.randrange(len(node))]
    if roll < 0.8:
        return [node] * rng.choice((0, 2, 3, 33))
    if roll < 0.9:
        return {"": node}
    return rng.getrandbits(rng.choice((8, 64, 252, 256)))


def json_mutator(data: bytes, max_size: int, seed: int) -> bytes:
    """atheris custom mutator: structural JSON mutation, else libFuzzer's byte mutation."""
    rng = random.Random(seed)
    doc = load_json(data)
    if doc is None or rng.random() < 0.2:
        return atheris.Mutate(data, max_size)
    try:
        out = json.dumps(_mutate_node(doc, rng)).encode()
    except (ValueError, RecursionError):
        return atheris.Mutate(data, max_size)
    return out if len(out) <= max_size else atheris.Mutate(data, max_size)


def to_int(value: Any) -> int | None:
    """A JSON felt spelling (int, hex or decimal string) as an int, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value, 0)
        except ValueError:
            return None
    return None


def main(body: Callable[[bytes], None], structured: bool = True) -> None:
    """Run ``body`` under atheris with the command-line arguments libFuzzer understands."""
    quiet()
    kwargs = {"custom_mutator": json_mutator} if structured else {}
    atheris.Setup(sys.argv, expect_library_errors(body), **kwargs)
    atheris.Fuzz()
