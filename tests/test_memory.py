"""Long-run memory checks of the native backend: a million calls must not grow the process.

The native backend is tested directly (``xsessions_core.crypto._native``), whatever the
active backend is: these tests are about the C core and its cffi glue (buffers allocated per call,
cdata kept alive by mistake, results never freed). A missing extension makes them fail; only with
``XSESSIONS_BACKEND=python`` set on purpose and no extension are they not collected.

Each loop runs once per process (cached), whichever backend the autouse fixture activated: the
second parametrisation re-checks the same measurement instead of repeating a long loop.

RSS is read from ``/proc/self/statm`` after a warm-up (allocator arenas, caches, lazily built
tables), then again after the loop. The bound :data:`MAX_GROWTH` is far below what a leak of one
32-byte buffer per call costs over a million calls (32 MB).
"""

from __future__ import annotations

import gc
import os
import random
from functools import lru_cache
from importlib import import_module
from types import ModuleType
from typing import Callable

from conftest import h, load_vectors
from xsessions_core.crypto import EC_ORDER, FIELD_PRIME, HashMethod

MAX_GROWTH = 4 * 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")
FORCED_PYTHON = os.environ.get("XSESSIONS_BACKEND", "").strip().lower() == "python"


def _native() -> ModuleType | None:
    try:
        return import_module("xsessions_core.crypto._native")
    except ImportError:
        return None


def rss() -> int:
    """Resident set size of this process in bytes."""
    gc.collect()
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


def growth(step: Callable[[int], object], warmup: int, loops: int) -> int:
    """Run ``step(i)`` ``warmup`` times, read RSS, run it ``loops`` times; the RSS growth in bytes."""
    for i in range(warmup):
        step(i)
    before = rss()
    for i in range(loops):
        step(i)
    return rss() - before


def native() -> ModuleType:
    """The native backend module; a clear failure when it cannot be imported."""
    module = _native()
    assert module is not None, (
        "xsessions_core.crypto._native cannot be imported: build the extension, or set "
        "XSESSIONS_BACKEND=python to run without it"
    )
    return module


rng = random.Random(7)
FELTS = [rng.randrange(FIELD_PRIME) for _ in range(1024)]
KEYS = [h(k["private_key"]) for k in load_vectors("ecdsa.json")["keys"]][:16]


@lru_cache(maxsize=None)
def poseidon_growth() -> int:
    """RSS growth over 1,000,000 native ``poseidon`` calls (after 50,000 warm-up calls)."""
    nb = native()
    f = FELTS

    def step(i: int) -> object:
        return nb.poseidon(f[i & 1023], f[(i >> 10) & 1023])

    return growth(step, warmup=50_000, loops=1_000_000)


@lru_cache(maxsize=None)
def mixed_growth() -> int:
    """RSS growth over a loop calling every native entry point (signing 1 call in 64)."""
    nb = native()
    f = FELTS
    pubs = [nb.public_key(k) for k in KEYS]
    sigs = [nb.sign(f[i] >> 2, k, None) for i, k in enumerate(KEYS)]
    data = bytes(range(256)) * 3

    def step(i: int) -> object:
        j = i & 1023
        k = i & 15
        nb.pedersen(f[j], f[j - 1])
        nb.poseidon_many(f[j:j + (i & 15)])
        nb.poseidon_single(f[j])
        nb.keccak256(data[: i % 700])
        nb.starknet_keccak(data[: i % 300])
        if i % 8 == 0:
            nb.pedersen_chain(f[j:j + 5])
            nb.poseidon_batch([(f[j], f[j - 2])] * 4)
            nb.pedersen_batch([(f[j], f[j - 3])] * 2)
            nb.poseidon_many_batch([f[j:j + 3], [], f[j:j + 1]])
            nb.poseidon_permutation(f[j], f[j - 1], f[j - 2])
            nb.merkle_levels(f[j:j + 1 + (i & 7)], HashMethod.POSEIDON if i & 16 else HashMethod.PEDERSEN)
        if i % 64 == 0:
            nb.public_key(KEYS[k])
            nb.sign(f[j] >> 2, KEYS[k], None if i & 64 else i)
            nb.sign_batch([f[j] >> 2, f[j - 1] >> 2], KEYS[k])
            r, s = sigs[k]
            assert nb.verify(f[k] >> 2, r, s, pubs[k])
            nb.verify(f[j] >> 2, r, s, pubs[k])  # wrong hash: the False path
            nb.verify(1, 1, 1, 0)  # a public key that is no curve point
            nb.verify_batch([(f[k] >> 2, r, s, pubs[k]), (1, r, EC_ORDER - 1, f[j])])
        return None

    return growth(step, warmup=4_000, loops=32_000)


if not (FORCED_PYTHON and _native() is None):

    def test_poseidon_million_calls_do_not_grow_rss() -> None:
        grew = poseidon_growth()
        assert grew <= MAX_GROWTH, f"RSS grew by {grew} bytes over 1,000,000 native poseidon calls"

    def test_mixed_native_calls_do_not_grow_rss() -> None:
        grew = mixed_growth()
        assert grew <= MAX_GROWTH, f"RSS grew by {grew} bytes over the mixed native loop"
