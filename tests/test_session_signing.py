"""One-call session signing (``SessionContext.sign_invoke_v3`` / ``sign_invoke_prepared`` and the
backend's ``session_sign_invoke_v3``) against the vectors and the step-by-step API; batch chunking
of the relayer's signer and verifier."""

from __future__ import annotations

import random
from typing import Any

import pytest
from conftest import h
from test_relayer_batch import BOUNDS, GUARDIAN_KEY, _broadcast, _transactions, _valid_case
from test_relayer_verdicts import account_of
from test_transactions import HASHES, _hash_args

from xsessions_core import crypto
from xsessions_core.errors import PolicyViolation, SessionError, TransactionError
from xsessions_core.relayer import Verdict, verify_session_transaction, verify_session_transactions_batch
from xsessions_core.relayer import batch as batch_module
from xsessions_core.sessions.guardian import LocalGuardian
from xsessions_core.sessions.objects import Session
from xsessions_core.sessions.context import SessionContext, build_session_signature
from xsessions_core.transactions import InvokeV3, calculate_invoke_v3_hash, get_execute_calldata

# Signing with the recorded sessions happens at a time they were valid (see conftest.recorded_clock).
pytestmark = pytest.mark.usefixtures("recorded_clock")


def _transaction(args: dict[str, Any]) -> InvokeV3:
    return InvokeV3(args["sender_address"], args["calldata"], args["nonce"], args["resource_bounds"], (), args["tip"],
                    args["paymaster_data"], args["account_deployment_data"], args["nonce_da_mode"],
                    args["fee_da_mode"], args["version"], args["proof_facts"] or (), chain_id=args["chain_id"])


def test_backend_hashes_every_invoke_vector_in_one_batch() -> None:
    """All invoke v3 vectors (both versions, proof facts or not) in one call: the hashes are the
    vectors' (also from ``invoke_v3_hash_batch``), the signatures are those of the token messages."""
    session_hash, cache_flag, k1, k2 = 0x1234, 1, 0x5EED, 0x6A4D
    inputs = [_transaction(_hash_args(c["args"])).hash_row() for c in HASHES]
    got = crypto.unchecked.session_sign_invoke_v3(inputs, session_hash, cache_flag, k1, k2)
    assert [g[0] for g in got] == [h(c["transaction_hash"]) for c in HASHES]
    assert crypto.unchecked.invoke_v3_hash_batch(inputs) == [h(c["transaction_hash"]) for c in HASHES]
    assert crypto.unchecked.invoke_v3_hash_batch([]) == []
    for tx_hash, r1, s1, r2, s2 in got:
        token = crypto.poseidon_hash_many([tx_hash, session_hash, cache_flag])
        assert (r1, s1) == crypto.message_signature(token, k1)
        assert (r2, s2) == crypto.message_signature(token, k2)


@pytest.fixture(scope="module", params=["0.4.0", "0.5.0"])
def case(request: pytest.FixtureRequest) -> dict[str, Any]:
    return _valid_case(request.param)


def _stepwise(ctx: SessionContext, guardian: LocalGuardian, tx: dict[str, Any]) -> tuple[int, list[int]]:
    session = ctx.session
    tx_hash = calculate_invoke_v3_hash(sender_address=session.address, calldata=get_execute_calldata(tx["calls"]),
                                       chain_id=session.chain_id, nonce=tx["nonce"],
                                       resource_bounds=tx["resource_bounds"], tip=tx["tip"])
    return tx_hash, build_session_signature(ctx, tx_hash, tx["calls"], guardian.sign_token_message)


def test_sign_invoke_v3_equals_the_stepwise_api(case: dict[str, Any]) -> None:
    ctx, guardian = SessionContext(Session.from_dict(case["session"])), LocalGuardian(GUARDIAN_KEY)
    for tx in _transactions(case, 3):
        got = ctx.sign_invoke_v3(tx["calls"], nonce=tx["nonce"], resource_bounds=tx["resource_bounds"], tip=tx["tip"],
                                 guardian=guardian)
        assert got == _stepwise(ctx, guardian, tx)


def test_sign_invoke_v3_checks_policy_and_guardian_before_signing(case: dict[str, Any],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, guardian = SessionContext(Session.from_dict(case["session"])), LocalGuardian(GUARDIAN_KEY)
    backend = crypto.UncheckedBackend  # the signers call the backend through crypto.unchecked

    def fail(*args: Any) -> Any:
        raise AssertionError("nothing may be signed")

    monkeypatch.setattr(backend, "session_sign_invoke_v3", fail)
    (tx,) = _transactions(case, 1)
    outside = [*tx["calls"], {"contractAddress": "0x1234", "entrypoint": "transfer", "calldata": []}]
    with pytest.raises(PolicyViolation):
        ctx.sign_invoke_v3(outside, nonce=0, resource_bounds=BOUNDS, guardian=guardian)
    with pytest.raises(SessionError, match="LocalGuardian"):
        ctx.sign_invoke_v3(tx["calls"], nonce=0, resource_bounds=BOUNDS, guardian=GUARDIAN_KEY)  # type: ignore[arg-type]
    with pytest.raises(TransactionError):
        ctx.sign_invoke_v3(tx["calls"], nonce=-1, resource_bounds=BOUNDS, guardian=guardian)
    assert hex(GUARDIAN_KEY)[2:] not in repr(ctx).lower()


def test_sign_transactions_in_several_chunks(case: dict[str, Any]) -> None:
    """More transactions than one chunk (and a partial last chunk, varied calldata lengths)."""
    session = Session.from_dict(case["session"])
    guardian = LocalGuardian(GUARDIAN_KEY)
    ctx = SessionContext(session)
    rng = random.Random(7)
    txs = _transactions(case, batch_module.CHUNK * 2 + 5)
    for tx in txs:  # different calldata per transaction
        tx["calls"] = [dict(c, calldata=[rng.randrange(2**64) for _ in range(rng.randrange(6))]) for c in tx["calls"]]
    # most transactions share one bounds object (parsed once, memoised by value); these differ
    txs[3]["resource_bounds"] = dict(BOUNDS, l1_gas={"max_amount": 7, "max_price_per_unit": 9})
    txs[40]["resource_bounds"] = dict(BOUNDS, l2_gas={"max_amount": "0x10", "max_price_per_unit": 5})
    got = ctx.sign_invoke_many_with_hashes(txs, guardian=guardian)
    assert got == [_stepwise(ctx, guardian, tx) for tx in txs]
    assert ctx.sign_invoke_many(txs, guardian=guardian) == [sig for _, sig in got]


def test_a_bad_transaction_anywhere_means_nothing_is_signed(case: dict[str, Any],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, guardian = SessionContext(Session.from_dict(case["session"])), LocalGuardian(GUARDIAN_KEY)
    backend = crypto.UncheckedBackend  # the signers call the backend through crypto.unchecked
    calls: list[int] = []
    original = backend.session_sign_invoke_v3
    monkeypatch.setattr(backend, "session_sign_invoke_v3",
                        lambda self, txs, *a: calls.append(len(txs)) or original(self, txs, *a))
    txs = _transactions(case, batch_module.CHUNK + 3)
    txs[-1] = dict(txs[-1], calls=[{"contractAddress": "0x1234", "entrypoint": "transfer", "calldata": []}])
    with pytest.raises(PolicyViolation):
        ctx.sign_invoke_many(txs, guardian=guardian)
    txs[-1] = dict(txs[-1], nonce="not a number")
    with pytest.raises(TransactionError):
        ctx.sign_invoke_many(txs, guardian=guardian)
    assert calls == []
    ctx.sign_invoke_many(txs[:-1], guardian=guardian)
    assert calls == [batch_module.CHUNK, 2]


def test_verify_batch_in_several_chunks(case: dict[str, Any]) -> None:
    ctx = SessionContext(Session.from_dict(case["session"]))
    txs = _transactions(case, batch_module.CHUNK + 9)
    signatures = ctx.sign_invoke_many(txs, guardian=LocalGuardian(GUARDIAN_KEY))
    signed = [_broadcast(case, tx, sig) for tx, sig in zip(txs, signatures)]
    bad = batch_module.CHUNK + 2
    signed[bad] = dict(signed[bad], signature=list(signed[bad]["signature"]))
    signed[bad]["signature"][13] ^= 1  # the session key's r
    common = dict(account=account_of(case), chain_id=h(case["chain_id"]), block_timestamp=case["block"]["timestamp"])
    got = verify_session_transactions_batch(signed, **common)
    assert got[bad] == verify_session_transaction(signed[bad], **common) == Verdict(False, "session/invalid-session-sig",
                                                                                  "validate")
    assert got[:bad] + got[bad + 1:] == [Verdict(True)] * (len(signed) - 1)


def test_sign_invoke_v3_validates_starknet_py_calls(case: dict[str, Any]) -> None:
    """Call objects are read without copying: out-of-range values still raise."""
    from starknet_py.net.client_models import Call

    from xsessions_core.transactions import normalize_calls

    ctx, guardian = SessionContext(Session.from_dict(case["session"])), LocalGuardian(GUARDIAN_KEY)
    (tx,) = _transactions(case, 1)
    calls = normalize_calls(tx["calls"])
    good = ctx.sign_invoke_v3(calls, nonce=1, resource_bounds=BOUNDS, guardian=guardian)
    assert good == ctx.sign_invoke_v3(tx["calls"], nonce=1, resource_bounds=BOUNDS, guardian=guardian)
    p = crypto.FIELD_PRIME
    with pytest.raises(TransactionError):
        ctx.sign_invoke_v3([Call(calls[0].to_addr, calls[0].selector, [p])], nonce=1, resource_bounds=BOUNDS,
                           guardian=guardian)
    with pytest.raises(TransactionError, match="to_addr"):
        ctx.sign_invoke_v3([Call(calls[0].to_addr + p, calls[0].selector, [])], nonce=1, resource_bounds=BOUNDS,
                           guardian=guardian)
    with pytest.raises(TransactionError):
        ctx.sign_invoke_v3([Call(calls[0].to_addr, calls[0].selector, ["0x1", object()])], nonce=1,
                           resource_bounds=BOUNDS, guardian=guardian)
