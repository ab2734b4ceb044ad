"""Session spending limits (metadata ``txFees``): the signer refuses, the verifier reports a policy verdict."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import h, load_vectors
from hypothesis import given, settings
from hypothesis import strategies as st

from xsessions_core.errors import PolicyViolation, SessionError, TransactionError
from xsessions_core.sessions import FeeLimits, PolicyVerdict, check_fee_limits
from xsessions_core.sessions.fee_limits import STRK_TOKEN_ADDRESS, max_fee_of
from xsessions_core.sessions.guardian import LocalGuardian
from xsessions_core.sessions.objects import Session
from xsessions_core.sessions.context import SessionContext

# Signs with the recorded sessions: sign at a time they were valid.
pytestmark = pytest.mark.usefixtures("recorded_clock")

PM = load_vectors("paymaster.json")
LIMITED = Session.from_dict(PM["sessions"][0]["session"])  # txFees: STRK, 100 STRK
UNLIMITED = Session.from_dict(PM["sessions"][1]["session"])
LIMIT = int(PM["sessions"][0]["metadata_object"]["txFees"][0]["maxAmount"])
GUARDIAN_KEY = h(PM["constants"]["guardian_private_key"])
DAPP = PM["constants"]["dapp_contract"]
USDC = 0x53B40A647CEDFCA6CA84F542A0FE36736031905A9639A7F19A3C1E66BFD5080


def bounds(l2_amount: int, l2_price: int, l1: tuple[int, int] = (0, 0), l1_data: tuple[int, int] = (0, 0)) -> dict[str, Any]:
    return {"l1_gas": {"max_amount": hex(l1[0]), "max_price_per_unit": hex(l1[1])},
            "l2_gas": {"max_amount": hex(l2_amount), "max_price_per_unit": hex(l2_price)},
            "l1_data_gas": {"max_amount": hex(l1_data[0]), "max_price_per_unit": hex(l1_data[1])}}


def tx(resource_bounds: dict[str, Any], tip: int = 0) -> dict[str, Any]:
    return {"calls": [{"contractAddress": DAPP, "entrypoint": "play_move", "calldata": ["0x1"]}], "nonce": 1,
            "resource_bounds": resource_bounds, "tip": tip}


def test_from_session_reads_tx_fees() -> None:
    assert FeeLimits.from_session(LIMITED) == FeeLimits({STRK_TOKEN_ADDRESS: LIMIT})
    assert FeeLimits.from_session(UNLIMITED).limits == {}
    twice = {"projectID": "p", "txFees": [{"tokenAddress": hex(STRK_TOKEN_ADDRESS), "maxAmount": "0x10"},
                                         {"tokenAddress": hex(STRK_TOKEN_ADDRESS), "maxAmount": "5"}]}
    session = Session.from_dict({**PM["sessions"][0]["session"], "metadata": json.dumps(twice)})
    assert FeeLimits.from_session(session).limit_for(STRK_TOKEN_ADDRESS) == 5


def test_max_fee_sums_every_bound_and_the_tip() -> None:
    assert max_fee_of(bounds(10, 3, (2, 5), (4, 7)), tip=2) == 10 * 3 + 2 * 5 + 4 * 7 + 2 * 10


def test_signer_refuses_above_the_limit_and_signs_at_it() -> None:
    ctx, guardian = SessionContext(LIMITED, None), LocalGuardian(GUARDIAN_KEY)
    limits = FeeLimits.from_session(LIMITED)
    at_limit = bounds(LIMIT // 10**9, 10**9)
    assert LIMIT % 10**9 == 0 and max_fee_of(at_limit) == LIMIT
    (signature,) = ctx.sign_invoke_many([tx(at_limit)], guardian=guardian, fee_limits=limits)
    plain = ctx.sign_invoke_many([tx(at_limit)], guardian=guardian)
    assert [signature] == plain  # the check does not change what is signed
    with pytest.raises(PolicyViolation, match=r"transactions\[1\] max fee"):
        ctx.sign_invoke_many([tx(at_limit), tx(at_limit, tip=1)], guardian=guardian,
                             fee_limits=limits)  # the tip can add l2_gas.max_amount
    assert ctx.sign_invoke_many([tx(bounds(2**63, 2**100))], guardian=guardian, fee_limits=FeeLimits({}))


def test_fee_in_an_unlisted_token_is_refused() -> None:
    limits = FeeLimits({USDC: 10})
    with pytest.raises(PolicyViolation, match="does not list"):
        limits.check_resource_bounds(bounds(1, 1))  # v3 pays STRK, which the session does not list
    limits.check_amount(USDC, 10)
    with pytest.raises(PolicyViolation, match="above"):
        limits.check_amount(USDC, 11)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**64 - 1), st.integers(0, 2**128 - 1), st.integers(0, 2**64 - 1), st.integers(0, 2**40))
def test_verdict_agrees_with_the_signer(amount: int, price: int, tip: int, limit: int) -> None:
    limits = FeeLimits({STRK_TOKEN_ADDRESS: limit})
    transaction = {"resource_bounds": bounds(amount, price), "tip": hex(tip), "version": "0x3"}
    verdict = check_fee_limits(transaction, limits)
    fee = amount * price + tip * amount
    assert verdict.max_fee == fee and verdict.allowed == (fee <= limit)
    try:
        limits.check_resource_bounds(transaction["resource_bounds"], tip)
        raised = False
    except PolicyViolation:
        raised = True
    assert raised == (not verdict.allowed)


def test_policy_verdict_is_separate_from_the_contract_verdict() -> None:
    """A transaction the contract accepts can still be above the session's limit."""
    from test_relayer_verdicts import CASES, verify_case

    case = next(c for c in CASES if c["verdict"] == "VALID" and c["transaction"]["kind"] == "invoke_v3")
    contract = verify_case(case)
    policy = check_fee_limits(case["transaction"], FeeLimits({STRK_TOKEN_ADDRESS: 0}))
    assert contract.valid
    assert isinstance(policy, PolicyVerdict) and not policy.allowed and "above" in (policy.reason or "")
    assert policy.to_json()["allowed"] is False and policy.to_json()["max_fee"] == str(policy.max_fee)


@pytest.mark.parametrize("transaction, reason", [
    ("not a mapping", "mapping"),
    ({"version": "0x1", "resource_bounds": bounds(1, 1)}, "v3"),
    ({"version": "0x3"}, "resource_bounds"),
    ({"resource_bounds": {"l1_gas": {}}}, "max_amount"),
    ({"resource_bounds": bounds(1, 1), "tip": "-1"}, "tip"),
])
def test_malformed_transactions_are_not_allowed(transaction: Any, reason: str) -> None:
    verdict = check_fee_limits(transaction, FeeLimits({STRK_TOKEN_ADDRESS: 10}))
    assert not verdict.allowed and reason in (verdict.reason or "")


def test_bad_input() -> None:
    for limits in ({STRK_TOKEN_ADDRESS: -1}, {"zz": 1}, {STRK_TOKEN_ADDRESS: "ten"}, [1]):
        with pytest.raises(SessionError):
            FeeLimits(limits)  # type: ignore[arg-type]
    with pytest.raises(SessionError):
        FeeLimits.from_session("session")  # type: ignore[arg-type]
    with pytest.raises(SessionError):
        check_fee_limits({}, {"limits": 1})  # type: ignore[arg-type]
    with pytest.raises(SessionError):
        SessionContext(LIMITED, None).sign_invoke_many(
            [], guardian=LocalGuardian(GUARDIAN_KEY), fee_limits={"a": 1})  # type: ignore[arg-type]
    with pytest.raises(TransactionError):
        max_fee_of({"l1_gas": 1})
    bad_metadata = Session.from_dict({**PM["sessions"][0]["session"], "metadata": "not json"})
    with pytest.raises(SessionError):
        FeeLimits.from_session(bad_metadata)
