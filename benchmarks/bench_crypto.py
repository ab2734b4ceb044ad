"""Crypto benchmarks: our API on the native and Python backends vs starknet-py and cairo-lang.

Run ``pytest benchmarks/`` (or ``python benchmarks/report.py`` for the Markdown table). One
``benchmark.group`` per operation; the entries of a group are the implementations (``impl``).
Batch groups time one call over ``extra_info["items"]`` inputs: divide by it for the per-item
cost (report.py does). Lazily built tables are built before timing (a warm-up call), except in the
group ``python tables (one-time)`` that times exactly that construction.
"""

from __future__ import annotations

import itertools
import random
import warnings
from typing import Any, Callable

import pytest
from conftest import cairo_lang, h, vectors
from poseidon_py import poseidon_hash as pp
from starknet_py.hash import selector as spy_selector
from starknet_py.hash import utils as spy

from xsessions_core import crypto
from xsessions_core.crypto import _python as python_backend

PRIM = vectors("primitives.json")
ECDSA = vectors("ecdsa.json")

# Fixed inputs from the vectors (full-size felts, a 63-hex-digit hash).
A, B = h(PRIM["pedersen"][-1]["a"]), h(PRIM["pedersen"][-1]["b"])
MANY10 = [h(x) for x in next(c for c in PRIM["poseidon_hash_many"] if len(c["data"]) == 10)["data"]]
_SIG = next(c for c in ECDSA["signatures"] if c["tag"] == "hash-63-hex-digits")
KEY = h(_SIG["private_key"])
Z = h(_SIG["msg_hash"])
R, S = h(_SIG["r"]), h(_SIG["s"])
PUB = int(_SIG["full_public_key"][4:68], 16)

BATCH = 256
SLOW_ITEMS = 8  # items in a batch entry of a slow implementation (see _batch)
# Full-size felts (Pedersen's cost grows with the inputs' size: a batch and the single calls it is
# compared with must hash the same inputs).
_RNG = random.Random(2026)
PAIRS = [(_RNG.randrange(2**250, crypto.FIELD_PRIME), _RNG.randrange(2**250, crypto.FIELD_PRIME)) for _ in range(BATCH)]
SEQS = [MANY10[i % 10 :] + MANY10[: i % 10] for i in range(BATCH)]
ZS = [(Z + 977 * i) % 2**251 for i in range(BATCH)]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)  # the pure-Python backend may be the default
    SIGS = crypto.message_signature_batch(ZS, KEY)
VERIFY_ITEMS = [(z, sig, PUB) for z, sig in zip(ZS, SIGS)]


# cairo-lang modules, or None; the impl fixture skips "cairo-lang" when they are missing, so the
# lambdas below that use them are only called when they exist.
CL_SIGNATURE, CL_PEDERSEN = cairo_lang() or (None, None)  # type: Any, Any


def _entry(impl: str, table: dict[str, Callable[[], Any]]) -> Callable[[], Any]:
    assert impl in table, impl
    return table[impl]


# Which implementations each benchmark compares (``impl`` is an indirect fixture, conftest.py).
NO_CAIRO_LANG = pytest.mark.parametrize("impl", ["native", "python", "starknet-py"], indirect=True)
OURS_ONLY = pytest.mark.parametrize("impl", ["native", "python"], indirect=True)


def _run(benchmark: Any, group: str, fn: Callable[[], Any], items: int = 1) -> Any:
    benchmark.group = group
    benchmark.extra_info["items"] = items
    fn()  # warm-up: lazily built tables and caches are not timed here
    return benchmark(fn)


OURS = ("native", "python")


def _ours(fn: Callable[[], Any]) -> dict[str, Callable[[], Any]]:
    """Our API (the ``impl`` fixture has made the matching backend active)."""
    return dict.fromkeys(OURS, fn)


# --------------------------------------------------------------------------- single operations


def test_pedersen(benchmark: Any, impl: str) -> None:
    """One pair per call, going round the batch's ``PAIRS`` (the same inputs as the batch)."""
    def cycling(hash_pair: Callable[[int, int], int]) -> Callable[[], int]:
        pairs = itertools.cycle(PAIRS)
        return lambda: hash_pair(*next(pairs))

    fn = _entry(impl, {
        **_ours(cycling(crypto.pedersen_hash)),
        "starknet-py": cycling(spy.pedersen_hash),
        "cairo-lang": cycling(lambda a, b: CL_PEDERSEN.pedersen_hash(a, b)),
    })
    assert _run(benchmark, "pedersen", fn) in set(crypto.pedersen_hash_batch(PAIRS))


@NO_CAIRO_LANG
def test_poseidon_hash(benchmark: Any, impl: str) -> None:
    fn = _entry(impl, {
        **_ours(lambda: crypto.poseidon_hash(A, B)),
        "starknet-py": lambda: pp.poseidon_hash(A, B),
    })
    assert _run(benchmark, "poseidon_hash", fn) == pp.poseidon_hash(A, B)


@NO_CAIRO_LANG
def test_poseidon_hash_many_10(benchmark: Any, impl: str) -> None:
    fn = _entry(impl, {
        **_ours(lambda: crypto.poseidon_hash_many(MANY10)),
        "starknet-py": lambda: pp.poseidon_hash_many(MANY10),
    })
    assert _run(benchmark, "poseidon_hash_many(10)", fn) == pp.poseidon_hash_many(MANY10)


@NO_CAIRO_LANG
def test_selector(benchmark: Any, impl: str) -> None:
    fn = _entry(impl, {
        **_ours(lambda: crypto.get_selector_from_name("execute_from_outside_v2")),
        "starknet-py": lambda: spy_selector.get_selector_from_name("execute_from_outside_v2"),
    })
    assert _run(benchmark, "get_selector_from_name", fn) == spy_selector.get_selector_from_name(
        "execute_from_outside_v2"
    )


def test_private_to_stark_key(benchmark: Any, impl: str) -> None:
    fn = _entry(impl, {
        **_ours(lambda: crypto.private_to_stark_key(KEY)),
        "starknet-py": lambda: spy.private_to_stark_key(KEY),
        "cairo-lang": lambda: CL_SIGNATURE.private_to_stark_key(KEY),
    })
    assert _run(benchmark, "private_to_stark_key", fn) == PUB


@pytest.mark.filterwarnings("ignore:.*not constant time:RuntimeWarning")
def test_sign(benchmark: Any, impl: str) -> None:
    """Ours: seed=None (starknet.js nonce, our default). starknet-py: its default seed=32 (variant R,
    nonce derived in pure Python by python-ecdsa). cairo-lang: its default seed=None (variant R)."""
    fn = _entry(impl, {
        **_ours(lambda: crypto.message_signature(Z, KEY)),
        "starknet-py": lambda: spy.message_signature(Z, KEY),
        "cairo-lang": lambda: CL_SIGNATURE.sign(Z, KEY),
    })
    r, s = _run(benchmark, "message_signature", fn)
    assert crypto.verify_message_signature(Z, (r, s), PUB)


@pytest.mark.filterwarnings("ignore:.*not constant time:RuntimeWarning")
def test_sign_seed_32(benchmark: Any, impl: str) -> None:
    """Same nonce derivation for everyone: starknet-py's default, seed=32."""
    fn = _entry(impl, {
        **_ours(lambda: crypto.message_signature(Z, KEY, seed=32)),
        "starknet-py": lambda: spy.message_signature(Z, KEY, seed=32),
        "cairo-lang": lambda: CL_SIGNATURE.sign(Z, KEY, 32),
    })
    assert tuple(_run(benchmark, "message_signature(seed=32)", fn)) == tuple(spy.message_signature(Z, KEY))


def _verify_table() -> dict[str, Callable[[], Any]]:
    return {
        **_ours(lambda: crypto.verify_message_signature(Z, (R, S), PUB)),
        "starknet-py": lambda: spy.verify_message_signature(Z, [R, S], PUB),
        "cairo-lang": lambda: CL_SIGNATURE.verify(Z, R, S, PUB),
    }


def test_verify(benchmark: Any, impl: str) -> None:
    """A stark key (x only) not seen before: the Python backend's y-coordinate cache is cleared
    before every round, so its square root is timed like everyone else's."""
    fn = _entry(impl, _verify_table())
    fn()
    benchmark.group = "verify_message_signature"
    benchmark.extra_info["items"] = 1
    result = benchmark.pedantic(fn, setup=python_backend._y_cache.clear, rounds=200 if impl != "cairo-lang" else 20)
    assert result is True


def test_verify_known_key(benchmark: Any, impl: str) -> None:
    """The same key again (typical for a session key): the Python backend reuses its cached y."""
    assert _run(benchmark, "verify_message_signature (key seen before)", _entry(impl, _verify_table())) is True


# --------------------------------------------------------------------------- batches (per item = mean / items)


@NO_CAIRO_LANG
def test_pedersen_batch(benchmark: Any, impl: str) -> None:
    fn = _entry(impl, {
        **_ours(lambda: crypto.pedersen_hash_batch(PAIRS)),
        "starknet-py": lambda: [spy.pedersen_hash(a, b) for a, b in PAIRS],
    })
    assert len(_run(benchmark, f"pedersen batch of {BATCH}", fn, BATCH)) == BATCH


@NO_CAIRO_LANG
def test_poseidon_batch(benchmark: Any, impl: str) -> None:
    fn = _entry(impl, {
        **_ours(lambda: crypto.poseidon_hash_batch(PAIRS)),
        "starknet-py": lambda: [pp.poseidon_hash(a, b) for a, b in PAIRS],
    })
    assert len(_run(benchmark, f"poseidon_hash batch of {BATCH}", fn, BATCH)) == BATCH


@NO_CAIRO_LANG
def test_poseidon_many_batch(benchmark: Any, impl: str) -> None:
    fn = _entry(impl, {
        **_ours(lambda: crypto.poseidon_hash_many_batch(SEQS)),
        "starknet-py": lambda: [pp.poseidon_hash_many(s) for s in SEQS],
    })
    assert len(_run(benchmark, f"poseidon_hash_many(10) batch of {BATCH}", fn, BATCH)) == BATCH


def _batch(
    benchmark: Any, impl: str, group: str, table: dict[str, Callable[[int], Any]], slow: tuple[str, ...]
) -> Any:
    """Time one batch call of BATCH items; the ``slow`` implementations (0.05-1 s per item) loop
    over SLOW_ITEMS items only, timed once: the per-item cost is what is compared."""
    items = SLOW_ITEMS if impl in slow else BATCH
    benchmark.group = group
    benchmark.extra_info["items"] = items
    fn = table[impl]
    rounds = 1 if impl in slow else 3 if impl == "python" else 10
    result = benchmark.pedantic(fn, args=(items,), warmup_rounds=0 if impl in slow else 1, rounds=rounds)
    assert len(result) == items
    return result


@pytest.mark.filterwarnings("ignore:.*not constant time:RuntimeWarning")
def test_sign_batch(benchmark: Any, impl: str) -> None:
    _batch(benchmark, impl, f"message_signature batch of {BATCH}", {
        **dict.fromkeys(OURS, lambda k: crypto.message_signature_batch(ZS[:k], KEY)),
        "starknet-py": lambda k: [spy.message_signature(z, KEY) for z in ZS[:k]],
        "cairo-lang": lambda k: [CL_SIGNATURE.sign(z, KEY) for z in ZS[:k]],
    }, slow=("starknet-py", "cairo-lang"))


def test_verify_batch(benchmark: Any, impl: str) -> None:
    result = _batch(benchmark, impl, f"verify_message_signature batch of {BATCH}", {
        **dict.fromkeys(OURS, lambda k: crypto.verify_message_signature_batch(VERIFY_ITEMS[:k])),
        "starknet-py": lambda k: [spy.verify_message_signature(z, list(sig), q) for z, sig, q in VERIFY_ITEMS[:k]],
        "cairo-lang": lambda k: [CL_SIGNATURE.verify(z, r, s, q) for z, (r, s), q in VERIFY_ITEMS[:k]],
    }, slow=("cairo-lang",))
    assert all(result)


# --------------------------------------------------------------------------- prepared public keys
# A relayer verifies many signatures per key (session keys, guardians) over many keys: the items
# cycle over 256 signatures by PREP_NKEYS distinct keys (item i by key i % PREP_NKEYS), so that
# the single calls and the batches see the same inputs and the prepared tables (52 KB each) do not
# all sit in the L1/L2 cache. An int-key and a prepared-key entry of each backend share a group.

PREP_NKEYS = 16
_PREP_PRIVS = [KEY + 7919 * k for k in range(PREP_NKEYS)]
PREP_PUBS = [crypto.private_to_stark_key(d) for d in _PREP_PRIVS]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)
    _PREP_SIGS = [crypto.message_signature_batch(ZS[k::PREP_NKEYS], d) for k, d in enumerate(_PREP_PRIVS)]
PREP_ITEMS = [(z, _PREP_SIGS[i % PREP_NKEYS][i // PREP_NKEYS], i % PREP_NKEYS) for i, z in enumerate(ZS)]
KEY_KINDS = pytest.mark.parametrize("key", ["int", "prepared"])


def _prep_items(key: str) -> list[tuple[int, tuple[int, int], int | crypto.PreparedPublicKey]]:
    """PREP_ITEMS with int keys, or with prepared keys whose tables for the active backend are
    built here (not timed: preparing is a one-time cost per key, timed on its own below)."""
    if key == "int":
        return [(z, sig, PREP_PUBS[k]) for z, sig, k in PREP_ITEMS]
    prepared = [crypto.prepare_public_key(q) for q in PREP_PUBS]
    return [(z, sig, prepared[k]) for z, sig, k in PREP_ITEMS]


@OURS_ONLY
@KEY_KINDS
def test_verify_prepared_key(benchmark: Any, impl: str, key: str) -> None:
    """One verification per call, going round PREP_ITEMS; ``key`` = int or prepared."""
    items = itertools.cycle(_prep_items(key))
    benchmark.extra_info["key"] = key
    fn = lambda: crypto.verify_message_signature(*next(items))  # noqa: E731
    assert _run(benchmark, f"verify: int vs prepared key ({PREP_NKEYS} keys)", fn) is True


@OURS_ONLY
@KEY_KINDS
def test_verify_batch_prepared_key(benchmark: Any, impl: str, key: str) -> None:
    """One batch call over the 256 PREP_ITEMS; ``key`` = int or prepared."""
    items = _prep_items(key)
    benchmark.group = f"verify batch of {BATCH}: int vs prepared key ({PREP_NKEYS} keys)"
    benchmark.extra_info["items"] = BATCH
    benchmark.extra_info["key"] = key
    result = benchmark.pedantic(crypto.verify_message_signature_batch, args=(items,), warmup_rounds=1,
                                rounds=3 if impl == "python" else 10)
    assert all(result)


@OURS_ONLY
def test_prepare_public_key(benchmark: Any, impl: str) -> None:
    """The one-time cost of a prepared key (compare with one verification above)."""
    pubs = itertools.cycle(PREP_PUBS)
    _run(benchmark, "prepare_public_key (once per key)", lambda: crypto.prepare_public_key(next(pubs)))


# --------------------------------------------------------------------------- call overhead, one-time costs


@OURS_ONLY
@pytest.mark.parametrize("layer", ["api", "backend"])
def test_call_overhead(benchmark: Any, impl: str, layer: str) -> None:
    """poseidon(0, 0) through the validating API vs the backend function itself."""
    fn = (lambda: crypto.poseidon_hash(0, 0)) if layer == "api" else (
        lambda b=crypto.unchecked: b.poseidon(0, 0)
    )
    _run(benchmark, f"call overhead: poseidon(0, 0) via {layer}", fn)


@pytest.mark.parametrize("impl", ["python"], indirect=True)
def test_python_tables_build(benchmark: Any, impl: str) -> None:
    """One-time cost of the Python backend's fixed-base tables (G, P0, P2), paid at first use."""
    benchmark.group = "python tables (one-time)"
    benchmark.extra_info["items"] = 1

    def build() -> None:
        for name in ("G", "P0", "P2"):
            python_backend._table(name)

    benchmark.pedantic(build, setup=python_backend._tables.clear, rounds=3)
    assert set(python_backend._tables) == {"G", "P0", "P2"}
