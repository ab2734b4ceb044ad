"""Prepared public keys: :func:`crypto.prepare_public_key` gives the verdicts of the plain int key.

Every test runs on both backends (conftest ``backend``); the parity tests at the end call both
backend modules directly. Expected verdicts come from the vectors (``ecdsa.json``, whose
``valid_with_stark_key_either_y`` is the x-only verdict) and from plain verification with the
same key, which the other crypto tests pin to the oracles.
"""

from __future__ import annotations

import os
import pickle
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import pytest
from conftest import h, load_vectors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xsessions_core import crypto
from xsessions_core.crypto import PREPARED_KEY_BYTES, PreparedPublicKey, prepare_public_key
from xsessions_core.crypto import _native as native_backend, _python as python_backend
from xsessions_core.errors import InvalidFieldElement, InvalidSignature

# The pure-Python backend warns when it signs; that warning has its own test (test_crypto_api).
pytestmark = pytest.mark.filterwarnings("ignore:.*not constant time:RuntimeWarning")

P = crypto.FIELD_PRIME
N = crypto.EC_ORDER
M251 = 2**251
ECDSA = load_vectors("ecdsa.json")
D = 0x3C1E9550E66958296D11B60F8E8E7A7AD990D07FA65D5F7652C4A6C87D4E3CC
PUB = crypto.private_to_stark_key(D)


def _off_curve_keys() -> list[int]:
    """Four x values (0 and small ones) that are not the x of a curve point, then the large ones
    among p - 1, p - 2, p - 3, 2^251 - 1 that are not either."""
    def off(x: int) -> bool:
        return pow((x**3 + x + crypto.BETA) % P, (P - 1) // 2, P) != 1
    small = [x for x in range(40) if off(x)][:4]
    assert len(small) == 4 and small[0] == 0
    return small + [x for x in (P - 1, P - 2, P - 3, M251 - 1) if off(x)]


OFF_CURVE = _off_curve_keys()


def _tampered(z: int, r: int, s: int) -> list[tuple[int, int, int]]:
    """The signature and variations of it: valid ones (n - s), invalid ones, out-of-range ones."""
    return [(z, r, s), (z, r, N - s), (z ^ 1, r, s), (z, r ^ 2, s), (z, r, s ^ 4), (z, s % M251 or 1, r),
            (z, r, 1), (z, r, N - 1), (0, r, s), (M251 - 1, r, s), (z, 0, s), (z, r, 0), (z, r, N), (M251, r, s)]


# --------------------------------------------------------------------------- verdicts

def test_vector_verdicts_with_prepared_keys() -> None:
    cases = ECDSA["verify"]
    keys = {h(c["stark_key"]): prepare_public_key(h(c["stark_key"])) for c in cases}
    items = []
    for c in cases:
        z, r, s, q = h(c["msg_hash"]), h(c["r"]), h(c["s"]), h(c["stark_key"])
        want = c.get("valid_with_stark_key_either_y", False)  # out-of-range cases: False
        assert crypto.verify_message_signature(z, (r, s), keys[q]) is want, c["case"]
        assert crypto.verify_message_signature(z, (r, s), q) is want, c["case"]
        items.append((z, (r, s), keys[q]))
    assert crypto.verify_message_signature_batch(items) == [c.get("valid_with_stark_key_either_y", False) for c in cases]


def test_signature_vectors_and_their_tamperings_agree_with_plain_keys() -> None:
    for c in ECDSA["signatures"][:12]:
        d, z = h(c["private_key"]), h(c["msg_hash"])
        q = crypto.private_to_stark_key(d)
        prepared = prepare_public_key(q)
        r, s = h(c["r"]), h(c["s"])
        assert crypto.verify_message_signature(z, (r, s), prepared) is True, c["tag"]
        for zz, rr, ss in _tampered(z, r, s):
            want = crypto.verify_message_signature(zz, (rr, ss), q)
            assert crypto.verify_message_signature(zz, (rr, ss), prepared) is want, (c["tag"], zz, rr, ss)


def test_off_curve_keys_prepare_and_verify_nothing() -> None:
    z = 0x1234
    r, s = crypto.message_signature(z, D)
    for x in OFF_CURVE:
        prepared = prepare_public_key(x)
        for zz, rr, ss in _tampered(z, r, s)[:6]:
            assert crypto.verify_message_signature(zz, (rr, ss), x) is False
            assert crypto.verify_message_signature(zz, (rr, ss), prepared) is False
        assert crypto.verify_message_signature_batch([(z, (r, s), prepared)]) == [False]


def test_edge_keys_agree_with_plain_keys() -> None:
    for d in (1, 2, N - 1, M251 - 1):
        q = crypto.private_to_stark_key(d)
        prepared = prepare_public_key(q)
        for z in (0, 1, M251 - 1):
            r, s = crypto.message_signature(z, d)
            for zz, rr, ss in _tampered(z, r, s)[:5]:
                want = crypto.verify_message_signature(zz, (rr, ss), q)
                assert crypto.verify_message_signature(zz, (rr, ss), prepared) is want


def test_batch_mixes_int_and_prepared_keys_in_order() -> None:
    other = crypto.private_to_stark_key(D + 1)
    zs = list(range(7, 47, 3))
    sigs = crypto.message_signature_batch(zs, D)
    prepared = prepare_public_key(PUB)
    prepared_other = prepare_public_key(other)
    off = prepare_public_key(OFF_CURVE[0])
    items: list[tuple[int, tuple[int, int], int | PreparedPublicKey]] = []
    for i, (z, (r, s)) in enumerate(zip(zs, sigs)):
        key: int | PreparedPublicKey = (PUB, prepared, other, prepared_other, off, OFF_CURVE[0])[i % 6]
        if i % 4 == 3:
            z ^= 1
        if i % 5 == 4:
            s = N  # out of range: False without reaching a backend
        items.append((z, (r, s), key))
    want = [crypto.verify_message_signature(z, sig, key.key if isinstance(key, PreparedPublicKey) else key)
            for z, sig, key in items]
    assert crypto.verify_message_signature_batch(items) == want
    assert True in want and False in want
    assert crypto.verify_message_signature_batch([]) == []
    assert crypto.verify_message_signature_batch([(zs[0], sigs[0], prepared)]) == [True]


def test_larger_batch_with_one_prepared_key() -> None:
    zs = [(i * 0x9E3779B97F4A7C15) % M251 for i in range(70)]
    sigs = crypto.message_signature_batch(zs, D)
    prepared = prepare_public_key(PUB)
    items = [(z ^ (i % 3 == 0), sig, prepared) for i, (z, sig) in enumerate(zip(zs, sigs))]
    assert crypto.verify_message_signature_batch(items) == [i % 3 != 0 for i in range(70)]


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize("bad", [-1, P, 2**256, "0x1", 1.0, None, True], ids=repr)
def test_invalid_key_raises_as_plain_verify_does(bad: Any) -> None:
    with pytest.raises(InvalidFieldElement, match="public_key") as plain:
        crypto.verify_message_signature(1, (1, 1), bad)
    with pytest.raises(InvalidFieldElement, match="public_key") as prepared:
        prepare_public_key(bad)
    assert str(prepared.value) == str(plain.value)
    with pytest.raises(InvalidFieldElement):
        PreparedPublicKey(bad)


def test_malformed_items_with_prepared_keys_raise() -> None:
    prepared = prepare_public_key(PUB)
    with pytest.raises(InvalidSignature):
        crypto.verify_message_signature(1, (1,), prepared)
    short: Any = (1, (1, 1))
    long: Any = (1, (1, 1), prepared, 4)
    with pytest.raises(InvalidSignature):
        crypto.verify_message_signature_batch([(1, (1, 1), prepared), short])
    with pytest.raises(InvalidSignature):
        crypto.verify_message_signature_batch([long])


# --------------------------------------------------------------------------- the value object

def test_value_semantics_repr_and_immutability() -> None:
    prepared = prepare_public_key(PUB)
    assert prepared.key == PUB
    assert repr(prepared) == f"PreparedPublicKey(0x{PUB:064x})"
    assert prepared == PreparedPublicKey(PUB) and hash(prepared) == hash(PreparedPublicKey(PUB))
    assert prepared != prepare_public_key(PUB + 1) and prepared != PUB
    with pytest.raises(AttributeError):
        prepared.key = 1  # type: ignore[misc]
    with pytest.raises(AttributeError):
        prepared._key = 1
    with pytest.raises(AttributeError):
        del prepared._tables
    assert prepared.key == PUB
    assert PREPARED_KEY_BYTES == native_backend.prepare_public_key(PUB).__len__()  # type: ignore[attr-defined]


def test_pickle_round_trip_rebuilds_the_table() -> None:
    z = 77
    sig = crypto.message_signature(z, D)
    prepared = prepare_public_key(PUB)
    data = pickle.dumps(prepared)
    assert len(data) < 200  # the key only, never the table
    back = pickle.loads(data)
    assert back == prepared and type(back) is PreparedPublicKey
    assert crypto.verify_message_signature(z, sig, back) is True
    assert crypto.verify_message_signature(z ^ 1, sig, back) is False


def _verify_in_child(args: tuple[PreparedPublicKey, int, tuple[int, int]]) -> tuple[bool, bool]:
    prepared, z, sig = args
    return (crypto.verify_message_signature(z, sig, prepared),
            crypto.verify_message_signature_batch([(z ^ 1, sig, prepared)])[0])


def test_prepared_key_crosses_a_process_pool() -> None:
    z = 4242
    sig = crypto.message_signature(z, D)
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        assert pool.submit(_verify_in_child, (prepare_public_key(PUB), z, sig)).result(timeout=120) == (True, False)


def test_one_prepared_key_follows_a_backend_switch(backend: str) -> None:
    z = 99
    sig = crypto.message_signature(z, D)
    prepared = prepare_public_key(PUB)
    other = "python" if backend == "native" else "native"
    previous = crypto.use_backend(other)
    try:
        assert crypto.verify_message_signature(z, sig, prepared) is True
        assert crypto.verify_message_signature(z ^ 1, sig, prepared) is False
    finally:
        crypto.use_backend(previous)
    assert crypto.verify_message_signature(z, sig, prepared) is True


def test_shared_prepared_key_across_threads() -> None:
    zs = list(range(1, 25))
    sigs = crypto.message_signature_batch(zs, D)
    prepared = PreparedPublicKey(PUB)  # table built lazily, possibly by several threads at once
    want = [i % 2 == 0 for i in range(len(zs))]
    items = [(z ^ (i % 2), sig, prepared) for i, (z, sig) in enumerate(zip(zs, sigs))]
    errors: list[str] = []

    def work() -> None:
        if [crypto.verify_message_signature(z, sig, key) for z, sig, key in items[:6]] != want[:6]:
            errors.append("single")
        if crypto.verify_message_signature_batch(items) != want:
            errors.append("batch")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# --------------------------------------------------------------------------- properties

_CI = os.environ.get("CI", "").lower() == "true"
# Few examples (each signs and verifies on the slow Python backend too); derandomised in CI.
PROPERTY = settings(max_examples=12, deadline=None, derandomize=_CI, database=None if _CI else settings().database,
                    suppress_health_check=[HealthCheck.too_slow])
KEYS = st.one_of(st.sampled_from([1, 2, N - 1, M251 - 1]), st.integers(1, N - 1))
HASHES_Z = st.one_of(st.sampled_from([0, 1, M251 - 1]), st.integers(0, M251 - 1))


@PROPERTY
@given(KEYS, HASHES_Z, st.integers(0, len(_tampered(1, 1, 1)) - 1))
def test_prepared_equals_plain_on_random_signatures(d: int, z: int, variant: int) -> None:
    q = crypto.private_to_stark_key(d)
    r, s = crypto.message_signature(z, d)
    zz, rr, ss = _tampered(z, r, s)[variant]
    prepared = prepare_public_key(q)
    want = crypto.verify_message_signature(zz, (rr, ss), q)
    assert crypto.verify_message_signature(zz, (rr, ss), prepared) is want
    assert crypto.verify_message_signature_batch([(zz, (rr, ss), prepared), (zz, (rr, ss), q)]) == [want, want]


@PROPERTY
@given(st.integers(0, P - 1), HASHES_Z, st.integers(1, M251 - 1), st.integers(1, N - 1))
def test_backends_agree_on_prepared_verification_of_any_key(x: int, z: int, r: int, s: int) -> None:
    """Random (mostly invalid) signatures under any x, on or off the curve, on both backends."""
    native_table = native_backend.prepare_public_key(x)
    python_table = python_backend.prepare_public_key(x)
    want = python_backend.verify(z, r, s, x)
    assert native_backend.verify(z, r, s, x) is want
    assert native_backend.verify_prepared(z, r, s, native_table) is want
    assert python_backend.verify_prepared(z, r, s, python_table) is want
    assert native_backend.verify_batch_prepared([(z, r, s, native_table)] * 2) == [want, want]
    assert python_backend.verify_batch_prepared([(z, r, s, python_table)]) == [want]


@settings(PROPERTY, max_examples=8)
@given(KEYS, st.lists(HASHES_Z, min_size=1, max_size=5))
def test_backends_agree_on_prepared_batches_of_valid_signatures(d: int, zs: list[int]) -> None:
    q = native_backend.public_key(d)
    sigs = native_backend.sign_batch(zs, d)
    nt, pt = native_backend.prepare_public_key(q), python_backend.prepare_public_key(q)
    items = [(z ^ (i & 1), r, s) for i, (z, (r, s)) in enumerate(zip(zs, sigs))]
    want = [i % 2 == 0 for i in range(len(zs))]
    assert native_backend.verify_batch_prepared([(z, r, s, nt) for z, r, s in items]) == want
    assert python_backend.verify_batch_prepared([(z, r, s, pt) for z, r, s in items]) == want
