"""Signer benchmarks: sign and verify per signer kind, next to the Stark signer.

Run ``pytest benchmarks/bench_signers.py``. Groups ``sign`` / ``verify`` / ``decode+verify``; one
entry per kind. ``stark-native`` / ``stark-python`` run the Starknet signer on each crypto backend;
the other kinds do not depend on the backend (coincurve for secp256k1 and EIP-191, OpenSSL through
``cryptography`` for P-256 and WebAuthn; their hashing — keccak, Poseidon — uses the native backend).
``verify`` is :meth:`SignerSignature.is_valid_signature` with everything the account checks
(digest, EIP-191 prefix, WebAuthn clientDataJSON rebuild and SHA-256, ranges, recovery). Keys are
fixed; private keys are never part of a benchmark id.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from xsessions_core import crypto
from xsessions_core.signers import (
    Eip191Key,
    Secp256k1Key,
    Secp256r1Key,
    SignerSignature,
    SigningKey,
    StarkKey,
    WebauthnKey,
)
from xsessions_core.versions import AccountVersion

P256 = 0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721
K1 = 0x4C0883A69102937D6231471B5DBB6204FE5129617082792AE468D01A3F362318
KINDS: dict[str, tuple[Callable[[], SigningKey], AccountVersion]] = {
    "stark-native": (lambda: StarkKey(0x1234567890ABCDEF), AccountVersion.V0_5_0),
    "stark-python": (lambda: StarkKey(0x1234567890ABCDEF), AccountVersion.V0_5_0),
    "secp256k1": (lambda: Secp256k1Key(K1), AccountVersion.V0_5_0),
    "eip191": (lambda: Eip191Key(K1), AccountVersion.V0_5_0),
    "secp256r1": (lambda: Secp256r1Key(P256), AccountVersion.V0_5_0),
    "webauthn-0.5.0": (lambda: WebauthnKey(P256, "https://app.example", "app.example", "0.5.0"), AccountVersion.V0_5_0),
    "webauthn-0.4.0": (lambda: WebauthnKey(P256, "https://app.example", "app.example", "0.4.0"), AccountVersion.V0_4_0),
}
# Token-message-like hashes (full-size felts below 2**251, so the Stark key can sign them too).
HASHES = [crypto.poseidon_hash(i, 0x5E55) % 2**251 for i in range(64)]


@pytest.fixture(params=list(KINDS))
def kind(request: pytest.FixtureRequest) -> Iterator[str]:
    """The signer kind; ``stark-*`` entries run with that crypto backend active (native otherwise)."""
    name: str = request.param
    previous = crypto.use_backend("python" if name == "stark-python" else "native")
    try:
        yield name
    finally:
        crypto.use_backend(previous)


def _run(benchmark: Any, group: str, fn: Callable[[], Any]) -> Any:
    benchmark.group = group
    fn()  # warm-up
    return benchmark(fn)


@pytest.mark.filterwarnings("ignore:.*not constant time:RuntimeWarning")
def test_sign(benchmark: Any, kind: str) -> None:
    make, version = KINDS[kind]
    key = make()
    hashes = itertools.cycle(HASHES)
    sig = _run(benchmark, "sign", lambda: key.sign(next(hashes)))
    assert isinstance(sig, SignerSignature) and sig.signer == key.signer


@pytest.mark.filterwarnings("ignore:.*not constant time:RuntimeWarning")
def test_verify(benchmark: Any, kind: str) -> None:
    make, version = KINDS[kind]
    key = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        items = itertools.cycle([(z, key.sign(z)) for z in HASHES])

    def verify() -> bool:
        z, sig = next(items)
        return sig.is_valid_signature(z, version)

    assert _run(benchmark, "verify", verify) is True


@pytest.mark.filterwarnings("ignore:.*not constant time:RuntimeWarning")
def test_decode_and_verify(benchmark: Any, kind: str) -> None:
    """What a relayer does per transaction: read the felts, then verify."""
    make, version = KINDS[kind]
    key = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        items = itertools.cycle([(z, key.sign(z).encode(version)) for z in HASHES])

    def decode_verify() -> str | None:
        z, felts = next(items)
        sig, _ = SignerSignature.decode(felts, version)
        return sig.verify(z, version, invalid="session/invalid-session-sig")

    assert _run(benchmark, "decode+verify", decode_verify) is None
