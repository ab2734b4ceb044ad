"""Public API of xsessions_core.crypto: typed errors, edge values, batches, backend selection.

Expected values come from the vectors or from independent oracles (starknet-py's crypto-cpp-py,
poseidon-py, pycryptodome keccak); every test runs on both backends (conftest ``backend``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from typing import Any, Callable

import pytest
from conftest import REPO, h, load_vectors
from poseidon_py import poseidon_hash as pp
from starknet_py.hash import utils as spy

from xsessions_core import crypto
from xsessions_core.errors import (
    InvalidFieldElement,
    InvalidMessageHash,
    InvalidPrivateKey,
    InvalidSignature,
    NativeBackendError,
    XSessionsError,
)

# The pure-Python backend warns when it signs; that warning has its own test (test_crypto_api).
pytestmark = pytest.mark.filterwarnings("ignore:.*not constant time:RuntimeWarning")

P = crypto.FIELD_PRIME
N = crypto.EC_ORDER
M251 = 2**251
EDGE_FELTS = [0, 1, 2, P - 1, M251 - 1, M251, N - 1, N]
EDGE_KEYS = [1, 2, M251 - 1, M251, N - 1]
EDGE_HASHES = [0, 1, M251 - 1]

ECDSA = load_vectors("ecdsa.json")
_SIG = ECDSA["signatures"][10]
D = h(_SIG["private_key"])
Z = h(_SIG["msg_hash"])
R, S = h(_SIG["r"]), h(_SIG["s"])
PUB = int(_SIG["full_public_key"][4:68], 16)  # x of 0x04 || x || y


# --------------------------------------------------------------------------- typed errors: felts

BAD_FELTS = [P, P + 1, -1, 2**256, "1", 1.0, None, True, b"\x01"]
BAD_IDS = ["p", "p+1", "-1", "2^256", "str", "float", "None", "bool", "bytes"]

# Every hash entry point, with the bad value placed in each argument position.
HASH_CALLS: dict[str, Callable[[Any], Any]] = {
    "pedersen_hash-left": lambda v: crypto.pedersen_hash(v, 0),
    "pedersen_hash-right": lambda v: crypto.pedersen_hash(0, v),
    "compute_hash_on_elements": lambda v: crypto.compute_hash_on_elements([1, v]),
    "pedersen_hash_batch-a": lambda v: crypto.pedersen_hash_batch([(1, 2), (v, 0)]),
    "pedersen_hash_batch-b": lambda v: crypto.pedersen_hash_batch([(0, v)]),
    "poseidon_hash-x": lambda v: crypto.poseidon_hash(v, 0),
    "poseidon_hash-y": lambda v: crypto.poseidon_hash(0, v),
    "poseidon_hash_single": lambda v: crypto.poseidon_hash_single(v),
    "poseidon_hash_many": lambda v: crypto.poseidon_hash_many([0, v, 0]),
    "poseidon_permutation": lambda v: crypto.poseidon_permutation([0, 0, v]),
    "poseidon_hash_batch-a": lambda v: crypto.poseidon_hash_batch([(v, 0)]),
    "poseidon_hash_batch-b": lambda v: crypto.poseidon_hash_batch([(1, 2), (0, v)]),
    "poseidon_hash_many_batch": lambda v: crypto.poseidon_hash_many_batch([[1], [2, v]]),
    "verify-public_key": lambda v: crypto.verify_message_signature(Z, (R, S), v),
    "felt": lambda v: crypto.felt(v, "value"),
}


@pytest.mark.parametrize("bad", BAD_FELTS, ids=BAD_IDS)
@pytest.mark.parametrize("call", list(HASH_CALLS.values()), ids=list(HASH_CALLS))
def test_bad_felt_raises_invalid_field_element(call: Callable[[Any], Any], bad: Any) -> None:
    with pytest.raises(InvalidFieldElement):
        call(bad)


def test_field_error_message_names_the_field() -> None:
    with pytest.raises(InvalidFieldElement, match=r"\by\b"):
        crypto.poseidon_hash(0, P)
    with pytest.raises(InvalidFieldElement, match=r"array\[1\]"):
        crypto.poseidon_hash_many([0, -1])
    with pytest.raises(InvalidFieldElement, match=r"pairs\[1\]\[0\]"):
        crypto.pedersen_hash_batch([(0, 0), (P, 0)])
    with pytest.raises(InvalidFieldElement, match=r"list_of_sequences\[1\]\[0\]"):
        crypto.poseidon_hash_many_batch([[0], ["x"]])


@pytest.mark.parametrize(
    "call",
    [
        lambda: crypto.compute_hash_on_elements("abc"),  # type: ignore[arg-type]
        lambda: crypto.compute_hash_on_elements(5),  # type: ignore[arg-type]
        lambda: crypto.poseidon_hash_many(b"ab"),  # type: ignore[arg-type]
        lambda: crypto.poseidon_hash_many(None),  # type: ignore[arg-type]
        lambda: crypto.poseidon_permutation([0, 0]),
        lambda: crypto.poseidon_permutation([0, 0, 0, 0]),
        lambda: crypto.pedersen_hash_batch([(1, 2, 3)]),
        lambda: crypto.pedersen_hash_batch([1]),
        lambda: crypto.poseidon_hash_batch([(1,)]),
        lambda: crypto.poseidon_hash_many_batch(["ab"]),
        lambda: crypto.keccak256("abc"),  # type: ignore[arg-type]
        lambda: crypto.keccak256(123),  # type: ignore[arg-type]
        lambda: crypto.starknet_keccak(None),  # type: ignore[arg-type]
        lambda: crypto.get_selector_from_name(b"transfer"),  # type: ignore[arg-type]
        lambda: crypto.get_selector_from_name("\ud800"),
        lambda: crypto.get_selector_from_name_cairo_lang("é"),
        lambda: crypto.get_selector_from_name_cairo_lang(7),  # type: ignore[arg-type]
    ],
    ids=[
        "chain-str", "chain-int", "many-bytes", "many-None", "perm-2", "perm-4", "ped-batch-triple",
        "ped-batch-int", "pos-batch-single", "many-batch-str", "keccak-str", "keccak-int",
        "sn_keccak-None", "selector-bytes", "selector-surrogate", "cairo-selector-non-ascii",
        "cairo-selector-int",
    ],
)
def test_malformed_shapes_raise_invalid_field_element(call: Callable[[], Any]) -> None:
    with pytest.raises(InvalidFieldElement):
        call()


# --------------------------------------------------------------------------- typed errors: keys

BAD_KEYS = [0, N, N + 1, 2**256, -1, -(2**200 + 12345), "1", 1.5, None, True]
BAD_KEY_IDS = ["0", "n", "n+1", "2^256", "-1", "-big", "str", "float", "None", "bool"]


@pytest.mark.parametrize("key", BAD_KEYS, ids=BAD_KEY_IDS)
@pytest.mark.parametrize(
    "call",
    [
        lambda k: crypto.private_to_stark_key(k),
        lambda k: crypto.message_signature(1, k),
        lambda k: crypto.message_signature(1, k, seed=32),
        lambda k: crypto.message_signature_batch([1, 2], k),
    ],
    ids=["private_to_stark_key", "sign", "sign-seed", "sign-batch"],
)
def test_bad_private_key(call: Callable[[Any], Any], key: Any) -> None:
    with pytest.raises(InvalidPrivateKey) as info:
        call(key)
    message = str(info.value)
    if isinstance(key, int) and abs(key) > 2**64:
        for spelling in (str(key), hex(key), f"{key:x}", f"{key:X}"):
            assert spelling not in message
    assert "private key" in message


def test_private_key_never_in_messages_of_other_errors() -> None:
    """A bad hash with a good key: the error names the hash, not the key."""
    with pytest.raises(InvalidMessageHash) as info:
        crypto.message_signature(M251, D)
    assert str(D) not in str(info.value) and f"{D:x}" not in str(info.value)


# --------------------------------------------------------------------------- typed errors: hashes

@pytest.mark.parametrize("z", [M251, M251 + 1, P, -1, "1", 1.0, None], ids=str)
def test_bad_message_hash(z: Any) -> None:
    with pytest.raises(InvalidMessageHash, match="msg_hash"):
        crypto.message_signature(z, D)
    with pytest.raises(InvalidMessageHash):
        crypto.message_signature_batch([1, z], D)


@pytest.mark.parametrize("seed", [-1, "32", 1.0], ids=str)
def test_bad_seed(seed: Any) -> None:
    with pytest.raises(InvalidFieldElement, match="seed"):
        crypto.message_signature(Z, D, seed=seed)


# --------------------------------------------------------------------------- verify

def _flip(value: int, bit: int) -> int:
    return value ^ (1 << bit)


def test_verify_accepts_the_vector_signature() -> None:
    assert crypto.verify_message_signature(Z, (R, S), PUB) is True
    assert crypto.verify_message_signature(Z, [R, S], PUB) is True
    assert crypto.verify_message_signature(Z, (R, N - S), PUB) is True  # either y (docs/protocol.md §2.4)


@pytest.mark.parametrize("bit", [0, 1, 100, 249])
@pytest.mark.parametrize("what", ["r", "s", "hash", "key"])
def test_verify_one_bit_tampering_is_false(what: str, bit: int) -> None:
    z, r, s, q = Z, R, S, PUB
    if what == "r":
        r = _flip(r, bit)
    elif what == "s":
        s = _flip(s, bit)
    elif what == "hash":
        z = _flip(z, bit)
    else:
        q = _flip(q, bit)
    assert crypto.verify_message_signature(z, (r, s), q) is False


def test_verify_wrong_key_and_off_curve_key_are_false() -> None:
    other = crypto.private_to_stark_key(D + 1)
    assert crypto.verify_message_signature(Z, (R, S), other) is False
    # Find an x that is not on the curve (x^3 + x + beta not a square): verify must say False.
    x = 1
    while pow((x**3 + x + crypto.BETA) % P, (P - 1) // 2, P) == 1:
        x += 1
    assert crypto.verify_message_signature(Z, (R, S), x) is False
    assert crypto.verify_message_signature(Z, (R, S), 0) is False


@pytest.mark.parametrize(
    ("z", "r", "s"),
    [(Z, 0, S), (Z, M251, S), (Z, R, 0), (Z, R, N), (Z, R, N + 1), (M251, R, S), (-1, R, S), (Z, -1, S)],
    ids=["r0", "r-2^251", "s0", "s-n", "s-n+1", "z-2^251", "z-neg", "r-neg"],
)
def test_verify_out_of_range_is_false(z: int, r: int, s: int) -> None:
    assert crypto.verify_message_signature(z, (r, s), PUB) is False
    assert crypto.verify_message_signature_batch([(z, (r, s), PUB)]) == [False]


@pytest.mark.parametrize(
    "signature",
    [(R,), (R, S, 1), None, "ab", 5, (R, "1"), (R, 1.0), (None, S), (R, True)],
    ids=["one", "three", "None", "str2", "int", "s-str", "s-float", "r-None", "s-bool"],
)
def test_malformed_signature_raises(signature: Any) -> None:
    with pytest.raises(InvalidSignature):
        crypto.verify_message_signature(Z, signature, PUB)
    with pytest.raises(InvalidSignature):
        crypto.verify_message_signature_batch([(Z, (R, S), PUB), (Z, signature, PUB)])


@pytest.mark.parametrize("item", [(Z, (R, S)), Z, None, (Z, (R, S), PUB, 1)], ids=["two", "int", "None", "four"])
def test_malformed_verify_batch_item_raises(item: Any) -> None:
    with pytest.raises(InvalidSignature):
        crypto.verify_message_signature_batch([item])


@pytest.mark.parametrize("z", ["1", 1.0, None], ids=str)
def test_verify_non_int_hash_raises(z: Any) -> None:
    with pytest.raises(InvalidMessageHash):
        crypto.verify_message_signature(z, (R, S), PUB)


# --------------------------------------------------------------------------- edge values vs oracles

@pytest.mark.parametrize("a", EDGE_FELTS, ids=hex)
@pytest.mark.parametrize("b", EDGE_FELTS, ids=hex)
def test_hash_edge_values(a: int, b: int) -> None:
    assert crypto.pedersen_hash(a, b) == spy.pedersen_hash(a, b)
    assert crypto.poseidon_hash(a, b) == pp.poseidon_hash(a, b)
    assert crypto.poseidon_hash_many([a, b]) == pp.poseidon_hash_many([a, b])
    assert list(crypto.poseidon_permutation([a, b, a])) == pp.poseidon_perm(a, b, a)
    assert crypto.compute_hash_on_elements([a, b]) == spy.compute_hash_on_elements([a, b])


@pytest.mark.parametrize("x", EDGE_FELTS, ids=hex)
def test_single_input_edge_values(x: int) -> None:
    assert crypto.poseidon_hash_single(x) == pp.poseidon_hash_single(x)
    assert crypto.poseidon_hash_many([x]) == pp.poseidon_hash_many([x])
    data = x.to_bytes(32, "big")
    assert crypto.keccak256(data) == spy.keccak256(data).to_bytes(32, "big")
    assert crypto.starknet_keccak(data) == spy._starknet_keccak(data)


@pytest.mark.parametrize("d", EDGE_KEYS, ids=hex)
@pytest.mark.parametrize("z", EDGE_HASHES, ids=hex)
def test_ecdsa_edge_values(d: int, z: int) -> None:
    pub = crypto.private_to_stark_key(d)
    assert pub == spy.private_to_stark_key(d)
    for seed in (None, 0, 32):
        sig = crypto.message_signature(z, d, seed=seed)
        assert crypto.verify_message_signature(z, sig, pub) is True
        if z:  # python-ecdsa (starknet-py) cannot derive a nonce for z = 0
            assert spy.verify_message_signature(z, list(sig), pub) is True
    if z:
        assert crypto.message_signature(z, d, seed=32) == tuple(spy.message_signature(z, d))


def test_keccak_lengths_around_the_rate() -> None:
    for n in (0, 1, 31, 32, 135, 136, 137, 271, 272, 273, 1000):
        data = bytes(range(256)) * 4
        data = data[:n]
        assert crypto.keccak256(data) == spy.keccak256(data).to_bytes(32, "big"), n


# --------------------------------------------------------------------------- batches

def test_empty_batches() -> None:
    assert crypto.pedersen_hash_batch([]) == []
    assert crypto.poseidon_hash_batch([]) == []
    assert crypto.poseidon_hash_many_batch([]) == []
    assert crypto.message_signature_batch([], D) == []
    assert crypto.verify_message_signature_batch([]) == []


def test_one_element_batches() -> None:
    assert crypto.pedersen_hash_batch([(1, 2)]) == [crypto.pedersen_hash(1, 2)]
    assert crypto.poseidon_hash_batch([(1, 2)]) == [crypto.poseidon_hash(1, 2)]
    assert crypto.poseidon_hash_many_batch([[]]) == [crypto.poseidon_hash_many([])]
    assert crypto.message_signature_batch([Z], D) == [(R, S)]
    assert crypto.verify_message_signature_batch([(Z, (R, S), PUB)]) == [True]


def test_batches_equal_singles() -> None:
    pairs = [(a, b) for a in EDGE_FELTS for b in EDGE_FELTS[:3]]
    assert crypto.pedersen_hash_batch(pairs) == [crypto.pedersen_hash(a, b) for a, b in pairs]
    assert crypto.pedersen_hash_batch(iter(pairs)) == [crypto.pedersen_hash(a, b) for a, b in pairs]
    assert crypto.poseidon_hash_batch(pairs) == [crypto.poseidon_hash(a, b) for a, b in pairs]
    seqs = [list(range(k)) for k in range(12)] + [EDGE_FELTS]
    assert crypto.poseidon_hash_many_batch(seqs) == [crypto.poseidon_hash_many(s) for s in seqs]
    assert crypto.poseidon_hash_many_batch(tuple(s) for s in seqs) == [crypto.poseidon_hash_many(s) for s in seqs]
    zs = [0, 1, Z, M251 - 1]
    sigs = crypto.message_signature_batch(zs, D)
    assert sigs == [crypto.message_signature(z, D) for z in zs]
    items = [(z, sig, PUB) for z, sig in zip(zs, sigs)]
    items += [(z + 1, sig, PUB) for z, sig in zip(zs, sigs)]
    items += [(Z, (0, S), PUB), (Z, (R, S), PUB)]
    expected = [crypto.verify_message_signature(z, sig, q) for z, sig, q in items]
    assert expected == [True] * 4 + [False] * 4 + [False, True]
    assert crypto.verify_message_signature_batch(items) == expected


def test_results_are_plain_types() -> None:
    assert type(crypto.pedersen_hash(1, 2)) is int
    assert type(crypto.poseidon_hash(1, 2)) is int
    perm = crypto.poseidon_permutation([1, 2, 3])
    assert type(perm) is tuple and all(type(v) is int for v in perm)
    sig = crypto.message_signature(Z, D)
    assert type(sig) is tuple and all(type(v) is int for v in sig)
    assert type(crypto.verify_message_signature(Z, sig, PUB)) is bool
    assert type(crypto.keccak256(b"")) is bytes


def test_int_subclasses_are_accepted() -> None:
    class Felt(int):
        pass

    assert crypto.pedersen_hash(Felt(1), Felt(2)) == crypto.pedersen_hash(1, 2)
    assert crypto.poseidon_hash_many([Felt(1)]) == crypto.poseidon_hash_many([1])
    assert crypto.message_signature(Felt(Z), Felt(D)) == (R, S)


# --------------------------------------------------------------------------- errors hierarchy

@pytest.mark.parametrize(
    "exc", [InvalidFieldElement, InvalidPrivateKey, InvalidMessageHash, InvalidSignature]
)
def test_errors_subclass_value_error_and_xsessions_error(exc: type[Exception]) -> None:
    assert issubclass(exc, ValueError)
    assert issubclass(exc, XSessionsError)
    with pytest.raises(ValueError):
        {
            InvalidFieldElement: lambda: crypto.pedersen_hash(P, 0),
            InvalidPrivateKey: lambda: crypto.private_to_stark_key(0),
            InvalidMessageHash: lambda: crypto.message_signature(M251, 1),
            InvalidSignature: lambda: crypto.verify_message_signature(0, (1,), PUB),
        }[exc]()


def test_native_backend_error_is_an_import_error() -> None:
    assert issubclass(NativeBackendError, ImportError)
    assert issubclass(NativeBackendError, XSessionsError)


# --------------------------------------------------------------------------- backend selection

def _run_with_backend(value: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, XSESSIONS_BACKEND=value, PYTHONPATH=str(REPO))
    code = "from xsessions_core import crypto; print(crypto.BACKEND, crypto.backend_module().NAME)"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_env_selects_the_active_backend(backend: str) -> None:
    proc = _run_with_backend(backend)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [backend, backend]


def test_env_python_selects_python() -> None:
    proc = _run_with_backend("Python ")  # case and surrounding blanks are ignored
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["python", "python"]


def test_env_bogus_raises_native_backend_error() -> None:
    proc = _run_with_backend("bogus")
    assert proc.returncode != 0
    assert "NativeBackendError" in proc.stderr and "bogus" in proc.stderr


def test_use_backend_switches_and_returns_previous(backend: str) -> None:
    assert crypto.BACKEND == backend
    assert crypto.backend_module().NAME == backend
    assert backend in crypto.available_backends()
    try:
        assert crypto.use_backend("python") == backend
        assert crypto.BACKEND == "python"
        with pytest.raises(NativeBackendError):
            crypto.use_backend("bogus")
        assert crypto.BACKEND == "python"
    finally:
        crypto.use_backend(backend)


# --------------------------------------------------------------------------- python signing warning

@pytest.mark.parametrize(
    "call",
    [
        lambda: crypto.private_to_stark_key(D),
        lambda: crypto.message_signature(Z, D),
        lambda: crypto.message_signature_batch([Z], D),
    ],
    ids=["private_to_stark_key", "sign", "sign-batch"],
)
def test_python_signing_warns_once(backend: str, monkeypatch: pytest.MonkeyPatch, call: Callable[[], Any]) -> None:
    monkeypatch.setattr(crypto, "_warned_python_signing", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
        call()
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if backend == "python":
        assert len(runtime) == 1
        assert "not constant time" in str(runtime[0].message).lower()
        assert runtime[0].filename == __file__  # points at the caller, not at the library
    else:
        assert runtime == []


def test_hashing_and_verifying_never_warn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "_warned_python_signing", False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        crypto.pedersen_hash(1, 2)
        crypto.poseidon_hash_many([1, 2])
        crypto.verify_message_signature(Z, (R, S), PUB)


# --------------------------------------------------------------------------- selectors

def test_cairo_lang_selector_helper() -> None:
    assert crypto.get_selector_from_name_cairo_lang("__default__") == 0
    assert crypto.get_selector_from_name_cairo_lang("__l1_default__") == 0
    assert crypto.get_selector_from_name("__default__") != 0
    for name in ("transfer", "__execute__", ""):
        assert crypto.get_selector_from_name_cairo_lang(name) == crypto.get_selector_from_name(name)


# --------------------------------------------------------------------------- the unchecked door

def test_unchecked_exposes_exactly_the_backend_contract() -> None:
    from xsessions_core.crypto.backend import FUNCTIONS

    public = {name for name in dir(crypto.unchecked) if not name.startswith("_")}
    assert public == set(FUNCTIONS) | {"name"}


def test_unchecked_follows_the_active_backend_and_agrees_with_the_checked_api(backend: str) -> None:
    u = crypto.unchecked
    assert u.name == crypto.BACKEND == backend
    a, b = P - 1, 0x1234
    assert u.pedersen(a, b) == crypto.pedersen_hash(a, b) == spy.pedersen_hash(a, b)
    assert u.poseidon(a, b) == crypto.poseidon_hash(a, b)
    assert u.poseidon_many([a, b, 3]) == crypto.poseidon_hash_many([a, b, 3])
    assert u.pedersen_chain([a, b]) == crypto.compute_hash_on_elements([a, b])
    key, z = 0x5EED, 0x123
    sig = u.sign(z, key, None)
    assert sig == crypto.message_signature(z, key)
    assert u.verify(z, *sig, u.public_key(key)) is True
    assert u.verify_prepared(z, *sig, u.prepare_public_key(crypto.private_to_stark_key(key))) is True
