"""The verifier's relayer-policy verdict (session ``txFees`` limits), kept apart from the contract's verdict."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import h
from test_relayer_batch import _broadcast, _transactions, sign_all, signer_case  # noqa: F401  (fixture)
from test_relayer_verdicts import account_of

from xsessions_core.cli import _verdict_json
from xsessions_core.errors import SessionError
from xsessions_core.relayer import Verdict, verify_session_transaction, verify_session_transactions_batch
from xsessions_core.sessions.fee_limits import STRK_TOKEN_ADDRESS, FeeLimits, check_fee_limits, max_fee_of
from xsessions_core.sessions.context import SessionContext

pytestmark = pytest.mark.usefixtures("recorded_clock")

OTHER_TOKEN = 0x53C91253BC9682C04929CA02ED00B3E423F6710D2EE7E0D5EBB06F3ECF368A8


def _signed(signer_case: tuple[SessionContext, dict[str, Any]], n: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    signer, case = signer_case
    txs = _transactions(case, n)
    signed = [_broadcast(case, tx, sig) for tx, sig in zip(txs, sign_all(signer, txs))]
    common = dict(account=account_of(case), chain_id=h(case["chain_id"]), block_timestamp=case["block"]["timestamp"])
    return signed, common


def test_within_limits(signer_case: tuple[SessionContext, dict[str, Any]]) -> None:
    signed, common = _signed(signer_case, 1)
    max_fee = max_fee_of(signed[0]["resource_bounds"], signed[0]["tip"])
    assert max_fee > 0
    verdict = verify_session_transaction(signed[0], **common, fee_limits=FeeLimits({STRK_TOKEN_ADDRESS: max_fee}))
    assert verdict == Verdict(True)
    assert verdict.policy is not None and verdict.policy.allowed
    assert verdict.policy.max_fee == max_fee and verdict.policy.reason is None
    assert verdict.to_json()["policy"] == {"allowed": True, "reason": None, "max_fee": str(max_fee)}


def test_above_limits_is_a_policy_refusal_of_a_valid_transaction(
        signer_case: tuple[SessionContext, dict[str, Any]]) -> None:
    signed, common = _signed(signer_case, 1)
    max_fee = max_fee_of(signed[0]["resource_bounds"], signed[0]["tip"])
    for limits in (FeeLimits({STRK_TOKEN_ADDRESS: max_fee - 1}), FeeLimits({OTHER_TOKEN: 10**30})):
        verdict = verify_session_transaction(signed[0], **common, fee_limits=limits)
        assert verdict.valid and verdict.error is None and verdict.phase is None  # the contract accepts it
        assert verdict == Verdict(True)
        assert verdict.policy == check_fee_limits(signed[0], limits)
        assert verdict.policy is not None and not verdict.policy.allowed
        assert verdict.policy.reason and "txFees" in verdict.policy.reason
        row = _verdict_json(0, "invoke_v3", verdict)
        assert row["valid"] is True and row["policy"]["allowed"] is False
        assert "policy=" in repr(verdict)


def test_policy_of_an_invalid_transaction_is_still_reported(
        signer_case: tuple[SessionContext, dict[str, Any]]) -> None:
    signed, common = _signed(signer_case, 1)
    bad = dict(signed[0], signature=list(signed[0]["signature"]))
    bad["signature"][13] ^= 1  # session signature r
    verdict = verify_session_transaction(bad, **common, fee_limits=FeeLimits({STRK_TOKEN_ADDRESS: 10**30}))
    assert verdict == Verdict(False, "session/invalid-session-sig", "validate")
    assert verdict.policy is not None and verdict.policy.allowed


def test_no_limits_means_no_policy(signer_case: tuple[SessionContext, dict[str, Any]]) -> None:
    signed, common = _signed(signer_case, 2)
    verdict = verify_session_transaction(signed[0], **common)
    assert verdict.policy is None and "policy" not in verdict.to_json()
    assert "policy" not in _verdict_json(0, "invoke_v3", verdict)
    assert all(v.policy is None for v in verify_session_transactions_batch(signed, **common))
    empty = verify_session_transaction(signed[0], **common, fee_limits=FeeLimits())
    assert empty.policy is not None and empty.policy.allowed  # a session without txFees has no limit


def test_batch_equals_one_by_one(signer_case: tuple[SessionContext, dict[str, Any]]) -> None:
    signed, common = _signed(signer_case, 6)
    max_fee = max_fee_of(signed[3]["resource_bounds"], signed[3]["tip"])
    limits = FeeLimits({STRK_TOKEN_ADDRESS: max_fee})  # tips differ: some transactions are above it
    items: list[Any] = signed + [{"sender_address": "0x1"}, "not a transaction"]
    batch = verify_session_transactions_batch(items, **common, fee_limits=limits)
    policies = [v.policy for v in batch]
    assert {p.allowed for p in policies if p is not None} == {True, False}
    for tx, got in zip(signed, batch):
        one = verify_session_transaction(tx, **common, fee_limits=limits)
        assert got == one and got.policy == one.policy == check_fee_limits(tx, limits)
    assert all(p is not None and not p.allowed for p in policies[-2:])  # malformed: not allowed
    assert [v.to_json() for v in batch[:6]] == [
        verify_session_transaction(tx, **common, fee_limits=limits).to_json() for tx in signed]


def test_starknet_py_invoke_gets_a_policy(signer_case: tuple[SessionContext, dict[str, Any]]) -> None:
    from starknet_py.net.client_models import ResourceBounds, ResourceBoundsMapping
    from starknet_py.net.models.transaction import InvokeV3

    signed, common = _signed(signer_case, 1)
    tx = signed[0]
    rb = {k: ResourceBounds(max_amount=h(v["max_amount"]), max_price_per_unit=h(v["max_price_per_unit"]))
          for k, v in tx["resource_bounds"].items()}
    invoke = InvokeV3(version=3, signature=list(tx["signature"]), nonce=tx["nonce"],
                      resource_bounds=ResourceBoundsMapping(**rb), tip=tx["tip"],
                      calldata=list(tx["calldata"]), sender_address=h(tx["sender_address"]))
    limits = FeeLimits({STRK_TOKEN_ADDRESS: max_fee_of(tx["resource_bounds"], tx["tip"]) - 1})
    verdict = verify_session_transaction(invoke, **common, fee_limits=limits)
    assert verdict == Verdict(True)
    assert verdict.policy == check_fee_limits(tx, limits)


def test_bad_fee_limits_argument(signer_case: tuple[SessionContext, dict[str, Any]]) -> None:
    signed, common = _signed(signer_case, 1)
    with pytest.raises(SessionError, match="fee_limits must be FeeLimits"):
        verify_session_transaction(signed[0], **common, fee_limits={STRK_TOKEN_ADDRESS: 1})  # type: ignore[arg-type]
    with pytest.raises(SessionError, match="fee_limits must be FeeLimits"):
        verify_session_transactions_batch([], **common, fee_limits=5)  # type: ignore[arg-type]
