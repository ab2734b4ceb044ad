"""atheris harness: every public function of ``xsessions_core.crypto`` on hostile arguments.

The input bytes are decoded by a tiny grammar (:class:`Reader`) into an operation and its
arguments: ints of any size and sign, edge values (p, n, 2**251...), their str spellings, floats,
None, bools, bytes and nested lists. Checks:

* an argument outside the function's domain raises an XSessionsError (no other exception);
* when the active backend is native, every accepted call gives the same result (or the same
  exception class) on the pure-Python backend (differential fuzzing);
* a signature produced by the library verifies.

Run: ``python tests/fuzz/fuzz_crypto.py [corpus dirs] -max_total_time=60`` (see run_fuzzers.sh).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import EDGE_INTS, main  # noqa: E402

from xsessions_core import crypto  # noqa: E402
from xsessions_core.errors import XSessionsError  # noqa: E402


class Reader:
    """Consumes fuzzer bytes front to back; returns zeros once they run out."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            return 0
        self.pos += 1
        return self.data[self.pos - 1]

    def take(self, n: int) -> bytes:
        out = self.data[self.pos:self.pos + n]
        self.pos += len(out)
        return out

    def uint(self) -> int:
        return int.from_bytes(self.take(self.byte() % 48), "big")

    def value(self, depth: int = 0) -> Any:
        """One argument value; see the module docstring for the kinds."""
        tag = self.byte() % 14
        if tag == 0:
            return self.byte()
        if tag == 1:
            return self.uint()
        if tag == 2:
            return -self.uint()
        if tag == 3:
            return EDGE_INTS[self.byte() % len(EDGE_INTS)]
        if tag == 4:
            return EDGE_INTS[self.byte() % len(EDGE_INTS)] + (self.byte() % 5) - 2
        if tag == 5:
            return hex(self.uint())
        if tag == 6:
            return str(self.uint())
        if tag == 7:
            return (float("nan"), float("inf"), 1.5, 0.0)[self.byte() % 4]
        if tag == 8:
            return None
        if tag == 9:
            return bool(self.byte() & 1)
        if tag == 10 and depth < 3:
            return [self.value(depth + 1) for _ in range(self.byte() % 8)]
        if tag == 11:
            return self.take(self.byte())
        if tag == 12:
            return 2 ** (self.byte() * 64) - (self.byte() % 2)
        return tuple(self.value(depth + 1) for _ in range(2)) if depth < 3 else 0


#: (function, number of arguments)
OPS: list[tuple[Callable[..., Any], int]] = [
    (crypto.pedersen_hash, 2),
    (crypto.compute_hash_on_elements, 1),
    (crypto.pedersen_hash_batch, 1),
    (crypto.poseidon_hash, 2),
    (crypto.poseidon_hash_single, 1),
    (crypto.poseidon_hash_many, 1),
    (crypto.poseidon_permutation, 1),
    (crypto.poseidon_hash_batch, 1),
    (crypto.poseidon_hash_many_batch, 1),
    (crypto.keccak256, 1),
    (crypto.starknet_keccak, 1),
    (crypto.get_selector_from_name, 1),
    (crypto.get_selector_from_name_cairo_lang, 1),
    (crypto.private_to_stark_key, 1),
    (crypto.message_signature, 2),
    (crypto.message_signature, 3),
    (crypto.verify_message_signature, 3),
    (crypto.message_signature_batch, 2),
    (crypto.verify_message_signature_batch, 1),
]

NATIVE = crypto.BACKEND == "native"


def _outcome(fn: Callable[..., Any], args: list[Any]) -> Any:
    try:
        return ("ok", fn(*args))
    except XSessionsError as exc:
        return ("error", type(exc))


def body(data: bytes) -> None:
    r = Reader(data)
    fn, nargs = OPS[r.byte() % len(OPS)]
    args = [r.value() for _ in range(nargs)]
    if fn is crypto.private_to_stark_key or fn is crypto.message_signature:
        # Mostly valid keys, so that signing is exercised, not only key validation.
        if r.byte() % 4:
            args[-1 if fn is crypto.private_to_stark_key else 1] = 1 + r.uint() % (crypto.EC_ORDER - 1)
    result = _outcome(fn, args)
    if result[0] == "ok" and fn is crypto.message_signature:
        z, key = args[0], args[1]
        assert crypto.verify_message_signature(z, result[1], crypto.private_to_stark_key(key)), args
    if NATIVE:
        crypto.use_backend("python")
        try:
            other = _outcome(fn, args)
        finally:
            crypto.use_backend("native")
        assert result == other, (fn.__name__, args, result, other)


if __name__ == "__main__":
    main(body, structured=False)
