"""Property tests: the native and the pure-Python backend agree bit for bit, function by function.

Both backend modules are imported directly (``crypto.backend`` contract: ints in, ints out, inputs
already in their domains), so a missing native extension makes this file FAIL at import, never
skip. CI builds the extension; with ``CI=true`` the examples are derandomized.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from xsessions_core.crypto import HashMethod
from xsessions_core.crypto import backend as contract
from xsessions_core.crypto import _native as nb
from xsessions_core.crypto import _python as pb

# Signing with the recorded sessions happens at a time they were valid (see conftest.recorded_clock).
pytestmark = pytest.mark.usefixtures("recorded_clock")

P = pb.P
N = pb.N
M251 = 2**251

_CI = os.environ.get("CI", "").lower() == "true"
settings.register_profile(
    "xsessions-parity",
    deadline=None,
    derandomize=_CI,
    database=None if _CI else settings.default.database,
    suppress_health_check=[HealthCheck.too_slow],
)
_BASE = settings.get_profile("xsessions-parity")
HASHES = settings(_BASE, max_examples=200)
SIGN = settings(_BASE, max_examples=50)
TREES = settings(_BASE, max_examples=40)


@pytest.fixture(scope="module", autouse=True)
def backend() -> str:
    """Overrides conftest's per-backend fixture: these tests call both backends directly, so one run
    suffices whatever backend is active."""
    return "both"


def _mixed(lo: int, hi: int, edges: list[int]) -> st.SearchStrategy[int]:
    """Integers in [lo, hi], with the edge values drawn often."""
    return st.one_of(st.sampled_from([e for e in edges if lo <= e <= hi]), st.integers(lo, hi))


FELTS = _mixed(0, P - 1, [0, 1, 2, P - 1, P - 2, M251 - 1, M251, N - 1, 2**248 - 1, 2**248])
KEYS = _mixed(1, N - 1, [1, 2, 3, M251 - 1, M251, N - 1, N - 2])
HASHES_Z = _mixed(0, M251 - 1, [0, 1, M251 - 1, 2**248, 2**248 - 1, 2**249 + 5])
SEEDS = st.one_of(st.none(), st.sampled_from([0, 1, 32, 255, 256]), st.integers(0, 2**80))
PAIRS = st.lists(st.tuples(FELTS, FELTS), max_size=12)
SEQS = st.lists(FELTS, max_size=12)


def test_both_backends_implement_the_contract() -> None:
    assert pb.NAME == "python" and nb.NAME == "native"
    for name in contract.FUNCTIONS:
        assert callable(getattr(pb, name)), name
        assert callable(getattr(nb, name)), name


def _same(a: Any, b: Any) -> None:
    """Equal values and equal concrete types (int vs bool, tuple vs list matter to callers)."""
    assert a == b
    assert type(a) is type(b)
    if isinstance(a, (list, tuple)):
        for x, y in zip(a, b):
            _same(x, y)


# --------------------------------------------------------------------------- hashes


@HASHES
@given(FELTS, FELTS)
def test_pedersen(a: int, b: int) -> None:
    _same(nb.pedersen(a, b), pb.pedersen(a, b))


@HASHES
@given(FELTS, FELTS)
def test_poseidon(a: int, b: int) -> None:
    _same(nb.poseidon(a, b), pb.poseidon(a, b))


@HASHES
@given(FELTS)
def test_poseidon_single(x: int) -> None:
    _same(nb.poseidon_single(x), pb.poseidon_single(x))


@HASHES
@given(FELTS, FELTS, FELTS)
def test_poseidon_permutation(a: int, b: int, c: int) -> None:
    _same(nb.poseidon_permutation(a, b, c), pb.poseidon_permutation(a, b, c))


@HASHES
@given(SEQS)
def test_poseidon_many(values: list[int]) -> None:
    _same(nb.poseidon_many(values), pb.poseidon_many(values))
    _same(nb.poseidon_many(tuple(values)), pb.poseidon_many(values))


@HASHES
@given(SEQS)
def test_pedersen_chain(values: list[int]) -> None:
    _same(nb.pedersen_chain(values), pb.pedersen_chain(values))


@HASHES
@given(PAIRS)
def test_pedersen_batch(pairs: list[tuple[int, int]]) -> None:
    expected = pb.pedersen_batch(pairs)
    _same(nb.pedersen_batch(pairs), expected)
    assert expected == [pb.pedersen(a, b) for a, b in pairs]


@TREES
@given(st.lists(st.tuples(FELTS, FELTS), min_size=64, max_size=300))
def test_pedersen_batch_affine_path(pairs: list[tuple[int, int]]) -> None:
    """Batches of 64 items or more: the native core keeps the sums in affine coordinates."""
    _same(nb.pedersen_batch(pairs), pb.pedersen_batch(pairs))


@HASHES
@given(PAIRS)
def test_poseidon_batch(pairs: list[tuple[int, int]]) -> None:
    expected = pb.poseidon_batch(pairs)
    _same(nb.poseidon_batch(pairs), expected)
    assert expected == [pb.poseidon(a, b) for a, b in pairs]


@HASHES
@given(st.lists(SEQS, max_size=6))
def test_poseidon_many_batch(seqs: list[list[int]]) -> None:
    expected = pb.poseidon_many_batch(seqs)
    _same(nb.poseidon_many_batch(seqs), expected)
    assert expected == [pb.poseidon_many(s) for s in seqs]


@HASHES
@given(st.binary(max_size=700))
def test_keccak(data: bytes) -> None:
    _same(nb.keccak256(data), pb.keccak256(data))
    _same(nb.starknet_keccak(data), pb.starknet_keccak(data))


@TREES
@given(st.lists(FELTS, min_size=1, max_size=40), st.sampled_from(HashMethod))
def test_merkle_levels(leaves: list[int], method: HashMethod) -> None:
    _same(nb.merkle_levels(leaves, method), pb.merkle_levels(leaves, method))


@pytest.mark.parametrize("method", list(HashMethod), ids=lambda m: m.value)
@pytest.mark.parametrize("count", range(1, 41))
def test_merkle_levels_every_size(count: int, method: HashMethod) -> None:
    leaves = [(i * 0x9E3779B97F4A7C15 + 7) % P for i in range(count)]
    _same(nb.merkle_levels(leaves, method), pb.merkle_levels(leaves, method))


# --------------------------------------------------------------------------- ECDSA


@SIGN
@given(KEYS)
def test_public_key(priv: int) -> None:
    _same(nb.public_key(priv), pb.public_key(priv))


@SIGN
@given(HASHES_Z, KEYS, SEEDS)
def test_sign_and_verify(z: int, priv: int, seed: int | None) -> None:
    sig = pb.sign(z, priv, seed)
    _same(nb.sign(z, priv, seed), sig)
    pub = pb.public_key(priv)
    r, s = sig
    _same(nb.verify(z, r, s, pub), True)
    _same(pb.verify(z, r, s, pub), True)
    _same(nb.verify(z, r, N - s, pub), pb.verify(z, r, N - s, pub))


@SIGN
@given(HASHES_Z, KEYS, st.sampled_from(["z", "r", "s", "pub"]), st.integers(0, 251))
def test_verify_tampered(z: int, priv: int, field: str, bit: int) -> None:
    r, s = pb.sign(z, priv, None)
    pub = pb.public_key(priv)
    values = {"z": z, "r": r, "s": s, "pub": pub}
    values[field] ^= 1 << bit
    z2, r2, s2, pub2 = values["z"], values["r"], values["s"], values["pub"]
    assume(0 <= z2 < M251 and 1 <= r2 < M251 and 1 <= s2 < N and 0 <= pub2 < P)
    expected = pb.verify(z2, r2, s2, pub2)
    assert expected is False
    _same(nb.verify(z2, r2, s2, pub2), expected)


@SIGN
@given(HASHES_Z, _mixed(1, M251 - 1, [1, M251 - 1]), _mixed(1, N - 1, [1, N - 1, M251]), FELTS)
def test_verify_random_inputs(z: int, r: int, s: int, pub: int) -> None:
    """Arbitrary in-domain inputs, including public keys that are not on the curve."""
    _same(nb.verify(z, r, s, pub), pb.verify(z, r, s, pub))


@SIGN
@given(st.lists(HASHES_Z, max_size=5), KEYS)
def test_sign_batch_and_verify_batch(zs: list[int], priv: int) -> None:
    sigs = pb.sign_batch(zs, priv)
    _same(nb.sign_batch(zs, priv), sigs)
    assert sigs == [pb.sign(z, priv, None) for z in zs]
    pub = pb.public_key(priv)
    items = [(z, r, s, pub) for z, (r, s) in zip(zs, sigs)]
    items += [((z + 1) % M251, r, s, pub) for z, (r, s) in zip(zs, sigs)]
    expected = pb.verify_batch(items)
    assert expected == [True] * len(zs) + [False] * len(zs)
    _same(nb.verify_batch(items), expected)


SEQ0 = st.lists(FELTS, max_size=7)
INVOKE_INPUTS = st.tuples(st.lists(FELTS, min_size=9, max_size=9), SEQ0, SEQ0, SEQ0, SEQ0)


@SIGN
@given(st.lists(INVOKE_INPUTS, min_size=1, max_size=6), FELTS, FELTS, KEYS, KEYS)
def test_session_sign_invoke_v3(txs: list[Any], session_hash: int, cache_flag: int, k1: int, k2: int) -> None:
    expected = pb.session_sign_invoke_v3(txs, session_hash, cache_flag, k1, k2)
    _same(nb.session_sign_invoke_v3(txs, session_hash, cache_flag, k1, k2), expected)
    hashes = [e[0] for e in expected]
    _same(pb.invoke_v3_hash_batch(txs), hashes)
    _same(nb.invoke_v3_hash_batch(txs), hashes)
    # each item is the invoke v3 hash and the two signatures of its token message
    for (head, paymaster, deployment, calldata, facts), (tx_hash, r1, s1, r2, s2) in zip(txs, expected):
        inner = [pb.poseidon_many(head[5:]), pb.poseidon_many(paymaster), pb.poseidon_many(deployment),
                 pb.poseidon_many(calldata)]
        outer = [0x696E766F6B65, head[0], head[1], inner[0], inner[1], head[2], head[3], head[4], inner[2], inner[3]]
        assert tx_hash == pb.poseidon_many(outer + ([pb.poseidon_many(facts)] if facts else []))
        token = pb.poseidon_many([tx_hash, session_hash, cache_flag])
        assert (r1, s1) == pb.sign(token, k1, None) and (r2, s2) == pb.sign(token, k2, None)
