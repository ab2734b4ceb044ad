"""Bulk signing / verification: same results as one at a time, thread safe, caches behave."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from conftest import h, load_vectors
from test_relayer_verdicts import CASES, account_of, expected, state_of, verify_case

from xsessions_core import crypto
from xsessions_core.relayer import (
    AccountInfo,
    Verdict,
    verify_outside_executions_batch,
    verify_session_transaction,
    verify_session_transactions_batch,
)
from xsessions_core.relayer import memos
from xsessions_core.relayer import verify as verify_module
from xsessions_core.sessions.guardian import LocalGuardian
from xsessions_core.sessions.objects import Session
from xsessions_core.sessions.context import SessionContext, build_session_signature
from xsessions_core.transactions import calculate_invoke_v3_hash, get_execute_calldata

# Signing with the recorded sessions happens at a time they were valid (see conftest.recorded_clock).
pytestmark = pytest.mark.usefixtures("recorded_clock")

GUARDIAN_KEY = h(load_vectors("contract_verdicts.json")["guardian_private_key"])
BOUNDS = {"l1_gas": {"max_amount": "0x100", "max_price_per_unit": "0x10"},
          "l2_gas": {"max_amount": "0x1000000", "max_price_per_unit": "0x3b9aca00"},
          "l1_data_gas": {"max_amount": "0x40", "max_price_per_unit": "0x20"}}


def _valid_case(version: str) -> dict[str, Any]:
    return next(c for c in CASES if c["kind"] == "valid_calls_2" and c["account"]["class_version"] == version)


def _transactions(case: dict[str, Any], n: int) -> list[dict[str, Any]]:
    calls = [{"contractAddress": c["to"], "entrypoint": c["entrypoint"], "calldata": c["calldata"]}
             for c in case["calls"]]
    return [{"calls": calls, "nonce": i, "resource_bounds": BOUNDS, "tip": i % 3} for i in range(n)]


def _broadcast(case: dict[str, Any], tx: dict[str, Any], signature: list[int]) -> dict[str, Any]:
    return {"sender_address": case["account"]["address"], "calldata": get_execute_calldata(tx["calls"]),
            "nonce": tx["nonce"], "resource_bounds": tx["resource_bounds"], "tip": tx["tip"], "signature": signature}


def sign_all(ctx: SessionContext, transactions: list[dict[str, Any]]) -> list[list[int]]:
    """The session signatures of ``transactions``, cosigned by the vectors' guardian."""
    return ctx.sign_invoke_many(transactions, guardian=LocalGuardian(GUARDIAN_KEY))


@pytest.fixture(scope="module", params=["0.4.0", "0.5.0"])
def signer_case(request: pytest.FixtureRequest) -> tuple[SessionContext, dict[str, Any]]:
    case = _valid_case(request.param)
    return SessionContext(Session.from_dict(case["session"]), None), case


def test_batch_verdicts_equal_single_verdicts_on_every_vector_case() -> None:
    invokes = [c for c in CASES if c["transaction"]["kind"] == "invoke_v3"]
    for case in invokes:  # each case has its own account/state: batch per case, and all of one account
        tx = case["transaction"]
        got = verify_session_transactions_batch([tx, tx], account=account_of(case), chain_id=h(case["chain_id"]),
                                                block_timestamp=case["block"]["timestamp"], state=state_of(case))
        assert got == [expected(case)] * 2 == [verify_case(case)] * 2
    for case in (c for c in CASES if c["transaction"]["kind"] == "outside_execution_v2"):
        tx = case["transaction"]
        items = [(tx["outside_execution"], tx["signature"], h(tx["submitted_by"])),
                 {"outside_execution": tx["outside_execution"], "signature": tx["signature"],
                  "caller_address": tx["submitted_by"]}]
        got = verify_outside_executions_batch(items, account=account_of(case), chain_id=h(case["chain_id"]),
                                              block_timestamp=case["block"]["timestamp"], state=state_of(case))
        assert got == [expected(case)] * 2


def test_sign_transactions_equals_one_at_a_time(signer_case: tuple[SessionContext, dict[str, Any]]) -> None:
    signer, case = signer_case
    session = Session.from_dict(case["session"])
    ctx = SessionContext(session)
    guardian = LocalGuardian(GUARDIAN_KEY)
    txs = _transactions(case, 7)
    batch = sign_all(signer, txs)
    for tx, sig in zip(txs, batch):
        tx_hash = calculate_invoke_v3_hash(sender_address=session.address, calldata=get_execute_calldata(tx["calls"]),
                                           chain_id=session.chain_id, nonce=tx["nonce"],
                                           resource_bounds=tx["resource_bounds"], tip=tx["tip"])
        one = build_session_signature(ctx, tx_hash, tx["calls"],
                                      guardian.sign_token_message(ctx.token_message_hash(tx_hash)))
        assert sig == one
    assert sign_all(signer, []) == []


def test_signed_transactions_verify_valid(signer_case: tuple[SessionContext, dict[str, Any]]) -> None:
    signer, case = signer_case
    txs = _transactions(case, 5)
    signed = [_broadcast(case, tx, sig) for tx, sig in zip(txs, sign_all(signer, txs))]
    common = dict(account=account_of(case), chain_id=h(case["chain_id"]), block_timestamp=case["block"]["timestamp"])
    assert verify_session_transactions_batch(signed, **common) == [Verdict(True)] * 5
    # one tampered signature in the batch only affects its own verdict
    bad = dict(signed[2], signature=list(signed[2]["signature"]))
    bad["signature"][13] ^= 1  # session signature r
    got = verify_session_transactions_batch(signed[:2] + [bad] + signed[3:], **common)
    assert got[2] == Verdict(False, "session/invalid-session-sig", "validate")
    assert got[:2] + got[3:] == [Verdict(True)] * 4
    assert got[2] == verify_session_transaction(bad, **common)


def test_threads_sign_and_verify_like_sequential(signer_case: tuple[SessionContext, dict[str, Any]]) -> None:
    signer, case = signer_case
    txs = _transactions(case, 24)
    chunks = [txs[i:i + 4] for i in range(0, len(txs), 4)]
    sequential = [sign_all(signer, c) for c in chunks]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda c: sign_all(signer, c), chunks))
    assert threaded == sequential
    common = dict(account=account_of(case), chain_id=h(case["chain_id"]), block_timestamp=case["block"]["timestamp"])
    signed_chunks = [[_broadcast(case, tx, s) for tx, s in zip(c, sigs)] for c, sigs in zip(chunks, sequential)]
    verify_module.clear_caches()
    with ThreadPoolExecutor(max_workers=4) as pool:
        verdicts = list(pool.map(lambda c: verify_session_transactions_batch(c, **common), signed_chunks))
    assert verdicts == [[Verdict(True)] * len(c) for c in chunks]


def test_authorisation_signatures_are_cached_per_backend_and_key(signer_case: tuple[SessionContext, dict[str, Any]]) -> None:
    signer, case = signer_case
    txs = _transactions(case, 3)
    signed = [_broadcast(case, tx, s) for tx, s in zip(txs, sign_all(signer, txs))]
    common = dict(account=account_of(case), chain_id=h(case["chain_id"]), block_timestamp=case["block"]["timestamp"])
    verify_module.clear_caches()
    calls: list[int] = []
    backend = crypto.backend_module()
    original, original_prepared = backend.verify_batch, backend.verify_batch_prepared

    def counting(items: Any) -> Any:
        calls[-1] += len(items)
        return original(items)

    def counting_prepared(items: Any) -> Any:  # keys used before verify with their tables
        calls[-1] += len(items)
        return original_prepared(items)

    try:
        backend.verify_batch, backend.verify_batch_prepared = counting, counting_prepared
        for _ in range(2):
            calls.append(0)
            assert verify_session_transactions_batch(signed, **common) == [Verdict(True)] * 3
    finally:
        backend.verify_batch, backend.verify_batch_prepared = original, original_prepared
    # signatures verified, first batch: 2 authorisation + 2 per transaction; second: authorisation
    # from the cache
    assert calls == [2 + 2 * 3, 2 * 3]
    keys = [k for k in memos.auth_signatures._data]  # noqa: SLF001
    assert len(keys) == 2 and all(k[0] == backend.NAME for k in keys)
    # a different (tampered) authorisation is not covered by the cache of the valid one
    auth_len = h(signed[0]["signature"][6])
    assert auth_len == 4
    tampered = dict(signed[0], signature=list(signed[0]["signature"]))
    tampered["signature"][7] ^= 1
    v = verify_session_transaction(tampered, **common)
    assert not v.valid and v.error in ("session/invalid-account-sig", "argent/invalid-owner-sig")


def test_deprecated_session_signer_takes_an_int_guardian_key_and_does_not_show_it() -> None:
    from xsessions_core.relayer import SessionSigner

    case = _valid_case("0.4.0")
    with pytest.warns(DeprecationWarning, match="SessionSigner is deprecated"):
        signer = SessionSigner(Session.from_dict(case["session"]), None, GUARDIAN_KEY)
    assert hex(GUARDIAN_KEY)[2:] not in repr(signer).lower()
    assert signer.guardian_public_key == h(case["account"]["guardian"]["public_key"])


def test_account_info_rejects_bad_versions() -> None:
    from xsessions_core.errors import SessionError

    with pytest.raises(SessionError):
        AccountInfo(1, "0.3.0", 2)
