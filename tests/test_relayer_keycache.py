"""The verifier's prepared-key cache: same verdicts cold, warm, without cache and under eviction."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from starknet_py.net.client_models import Call

from xsessions_core import crypto
from xsessions_core.errors import SessionError
from xsessions_core.relayer import AccountInfo, Verdict, verify_session_transactions_batch
from xsessions_core.relayer import keycache
from xsessions_core.relayer.verify import clear_caches
from xsessions_core.sessions import (
    LocalGuardian,
    SessionContext,
    SessionKey,
    compile_session,
    create_session,
    create_session_request,
    session_hash_from_onchain,
)
from xsessions_core.transactions import get_execute_calldata

CHAIN = 0x534E5F5345504F4C4941
ACCOUNT = 0x4B1D6B8F1F2C36A5A5E1D09F8C3F3C1E4A2B6D7E8F9A0B1C2D3E4F5A6B7C8D9
OWNER_KEY = 0x3C1E2B5A9F8D7C6B5A4E3D2C1B0A9F8E7D6C5B4A39281706F5E4D3C2B1A0987
GUARDIAN_KEY = 0x5A4B3C2D1E0F9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F1A0B9C8D7E6F5A4
BLOCK_TIME = 1_700_000_000
BOUNDS = {"l1_gas": {"max_amount": 0x100, "max_price_per_unit": 0x10},
          "l2_gas": {"max_amount": 0x1000000, "max_price_per_unit": 0x3B9ACA00},
          "l1_data_gas": {"max_amount": 0x40, "max_price_per_unit": 0x20}}
TRANSFER = crypto.get_selector_from_name("transfer")
COMMON: dict[str, Any] = {"chain_id": CHAIN, "block_timestamp": BLOCK_TIME}


@pytest.fixture(autouse=True)
def default_limits() -> Iterator[None]:
    """Every test starts with empty memos and leaves the default limits behind."""
    clear_caches()
    yield
    keycache.configure_prepared_keys()
    clear_caches()


def _signer(session_key: int) -> SessionContext:
    methods = [{"Contract Address": hex(0x1000), "selector": "transfer"}]
    req = create_session_request(CHAIN, SessionKey(session_key), methods, 1800000000, {"projectID": "keys"})
    session_hash = session_hash_from_onchain(compile_session(req.offchain_session), ACCOUNT, CHAIN)
    auth = [*crypto.message_signature(session_hash, OWNER_KEY), *crypto.message_signature(session_hash, GUARDIAN_KEY)]
    return SessionContext(create_session(ACCOUNT, auth, req, CHAIN), None)


def _signed(signer: SessionContext, n: int, first_nonce: int = 0) -> list[dict[str, Any]]:
    """``n`` signed broadcasts; every third has its session signature ``s`` tampered, every fifth
    its guardian signature ``r`` (felt 13 is the session ``r``, 14 ``s``; see test_relayer_batch)."""
    txs = [{"calls": [Call(to_addr=0x1000, selector=TRANSFER, calldata=[0x123, i, 0])], "nonce": i,
            "resource_bounds": BOUNDS} for i in range(first_nonce, first_nonce + n)]
    out = []
    signatures = signer.sign_invoke_many(txs, guardian=LocalGuardian(GUARDIAN_KEY))
    for k, (tx, signature) in enumerate(zip(txs, signatures)):
        sig = list(signature)
        if k % 3 == 2:
            sig[14] ^= 1
        if k % 5 == 4:
            sig[16] ^= 1
        out.append({"sender_address": ACCOUNT, "calldata": get_execute_calldata(tx["calls"]), "nonce": tx["nonce"],
                    "resource_bounds": BOUNDS, "signature": sig})
    return out


def _account() -> AccountInfo:
    return AccountInfo(ACCOUNT, "0.4.0", crypto.private_to_stark_key(OWNER_KEY),
                       crypto.private_to_stark_key(GUARDIAN_KEY))


def _verify(items: list[dict[str, Any]]) -> list[Verdict]:
    return verify_session_transactions_batch(items, account=_account(), **COMMON)


def _reference(items: list[dict[str, Any]]) -> list[Verdict]:
    """Verdicts with the cache off, one transaction per batch, nothing memoised."""
    keycache.configure_prepared_keys(0)
    out = []
    for item in items:
        clear_caches()
        out.append(_verify([item])[0])
    return out


def test_cold_and_warm_verdicts_equal_those_without_cache() -> None:
    signed = _signed(_signer(0x1234567890ABCDEF), 12)
    reference = _reference(signed)
    assert Verdict(True) in reference
    assert Verdict(False, "session/invalid-session-sig", "validate") in reference
    assert any(v not in (Verdict(True), Verdict(False, "session/invalid-session-sig", "validate")) for v in reference)
    keycache.configure_prepared_keys()
    clear_caches()
    cold = _verify(signed)  # first uses plain, later ones prepared
    first = keycache.prepared_key_stats()
    assert first.plain_verifications >= 2 and first.prepared_verifications > 0
    warm = _verify(signed)  # every key prepared
    second = keycache.prepared_key_stats()
    assert second.plain_verifications == first.plain_verifications
    assert second.prepared_verifications > first.prepared_verifications
    clear_caches()
    one_by_one = [_verify([item])[0] for item in signed]
    assert cold == warm == one_by_one == reference
    # the session key and the guardian (the owner signs once: the authorisation is then cached)
    assert keycache.prepared_key_stats().keys == 2


def test_each_backend_keeps_its_own_tables(backend: str) -> None:
    signed = _signed(_signer(0xABCDEF), 3)
    _verify(signed)
    other = "python" if backend == "native" else "native"
    if other not in crypto.available_backends():
        pytest.fail(f"backend {other} missing")
    crypto.use_backend(other)
    try:
        clear_caches()
        keycache.clear_prepared_keys()
        _verify(signed)
        first = keycache.prepared_key_stats()
    finally:
        crypto.use_backend(backend)
    assert first.prepared == 2
    # the tables of one backend are not handed to the other
    assert _verify(signed) == _reference(signed)


def test_tiny_cache_evicts_and_re_prepares_under_two_threads() -> None:
    signers = [_signer(0x1000 + i) for i in range(4)]
    batches = [_signed(s, 4, first_nonce=10 * i) for i, s in enumerate(signers)]
    reference = [_reference(b) for b in batches]
    limits = keycache.configure_prepared_keys(2 * keycache.BYTES_PER_KEY + 8 * keycache.BYTES_PER_COUNTED_KEY,
                                              max_counted_keys=8)
    assert limits.max_keys == 2
    clear_caches()
    work = [i % 4 for i in range(24)]

    def run(i: int) -> tuple[int, list[Verdict]]:
        return i, _verify(batches[i])

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, work))
    for i, verdicts in results:
        assert verdicts == reference[i]
    stats = keycache.prepared_key_stats()
    assert stats.keys <= 2
    assert stats.evicted > 0 and stats.prepared > 5  # 5 keys through a cache of 2
    assert stats.prepared_verifications > 0


def test_cache_off_verifies_plain() -> None:
    signed = _signed(_signer(0x77), 4)
    keycache.configure_prepared_keys(0)
    assert _verify(signed) == _verify(signed)
    stats = keycache.prepared_key_stats()
    assert stats.prepared == stats.keys == stats.prepared_verifications == 0


def test_default_limits_fit_16_mib() -> None:
    limits = keycache.prepared_key_limits()
    assert limits.max_bytes == 16 << 20
    used = limits.max_keys * keycache.BYTES_PER_KEY + limits.max_counted_keys * keycache.BYTES_PER_COUNTED_KEY
    assert used <= 16 << 20 < used + keycache.BYTES_PER_KEY
    assert keycache.BYTES_PER_KEY >= crypto.PREPARED_KEY_BYTES


@pytest.mark.parametrize("bad", [-1, 1.5, True, "16"])
def test_limits_are_checked(bad: object) -> None:
    with pytest.raises(SessionError, match="max_bytes"):
        keycache.configure_prepared_keys(bad)  # type: ignore[arg-type]
    with pytest.raises(SessionError, match="max_counted_keys"):
        keycache.configure_prepared_keys(max_counted_keys=bad)  # type: ignore[arg-type]
