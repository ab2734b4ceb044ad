"""Every case of contract_verdicts_signers.json end to end through the relayer's verifier.

Accounts whose owner is a Secp256k1, Secp256r1, Eip191 or WebAuthn signer, and session keys of
each kind, valid and tampered: :func:`verify_session_transaction` / :func:`verify_outside_execution`
and their batch forms must give the verdict the real Argent 0.4.0 / 0.5.0 classes gave.
"""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest
from conftest import h, load_vectors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_relayer_verdicts import expected, state_of

from xsessions_core import crypto
from xsessions_core.relayer import (
    AccountInfo,
    SessionTokenError,
    Verdict,
    decode_session_token,
    verify_outside_execution,
    verify_outside_executions_batch,
    verify_session_transaction,
    verify_session_transactions_batch,
)
from xsessions_core.relayer.verify import parse_invoke_v3
from xsessions_core.signers import (
    Eip191Key,
    Secp256k1Key,
    Secp256r1Key,
    Signer,
    SigningKey,
    StarkKey,
    StarknetSigner,
    WebauthnSignature,
)
from xsessions_core.transactions import InvokeV3

VECTORS = load_vectors("contract_verdicts_signers.json")
CASES = VECTORS["cases"]


def signer_of(record: dict[str, Any]) -> Signer:
    """The vector's ``signer`` field (the Cairo ``Serde`` of the ``Signer``)."""
    return Signer.from_felts([h(v) for v in record["signer"]])


def account_of(case: dict[str, Any]) -> AccountInfo:
    a = case["account"]
    return AccountInfo(h(a["address"]), a["class_version"], owner=signer_of(a["owner"]),
                       guardian=signer_of(a["guardian"]) if a["guardian"] else None)


def common_of(case: dict[str, Any]) -> dict[str, Any]:
    return dict(account=account_of(case), chain_id=h(case["chain_id"]), block_timestamp=case["block"]["timestamp"],
                state=state_of(case))


def verify_case(case: dict[str, Any]) -> Verdict:
    tx = case["transaction"]
    if tx["kind"] == "invoke_v3":
        return verify_session_transaction(tx, **common_of(case))
    return verify_outside_execution(tx["outside_execution"], tx["signature"],
                                    caller_address=h(tx["submitted_by"]), **common_of(case))


def verify_case_in_batch(case: dict[str, Any], copies: int = 2) -> list[Verdict]:
    tx = case["transaction"]
    if tx["kind"] == "invoke_v3":
        return verify_session_transactions_batch([tx] * copies, **common_of(case))
    item = {"outside_execution": tx["outside_execution"], "signature": tx["signature"],
            "caller_address": h(tx["submitted_by"])}
    return verify_outside_executions_batch([item] * copies, **common_of(case))


def test_the_vectors_cover_every_kind_and_both_entry_points() -> None:
    kinds = {c["account"]["owner"]["type"] for c in CASES} | {c["session_key"]["type"] for c in CASES}
    assert kinds == {"starknet", "secp256k1", "secp256r1", "eip191", "webauthn"}
    assert {c["transaction"]["kind"] for c in CASES} == {"invoke_v3", "outside_execution_v2"}
    assert {c["account"]["class_version"] for c in CASES} == {"0.4.0", "0.5.0"}
    assert any(c["verdict"] == "VALID" for c in CASES) and any(c["verdict"] != "VALID" for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] + "-" + c["kind"] for c in CASES])
def test_contract_verdict(case: dict[str, Any]) -> None:
    assert verify_case(case) == expected(case)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] + "-" + c["kind"] for c in CASES])
def test_contract_verdict_in_a_batch(case: dict[str, Any]) -> None:
    assert verify_case_in_batch(case) == [expected(case)] * 2


def test_account_info_of_any_signer() -> None:
    case = next(c for c in CASES if c["account"]["owner"]["type"] == "webauthn")
    acct = account_of(case)
    assert acct.owner_guid == h(case["account"]["owner"]["guid"])
    assert acct.guardian_guid == h(case["account"]["guardian"]["guid"])
    assert acct.owner_public_key is None  # not a Stark owner
    assert acct.guardian_public_key == h(case["account"]["guardian"]["public_key"])
    stark = AccountInfo(acct.address, acct.class_version, owner_public_key=5, guardian_public_key=7)
    assert stark == AccountInfo(acct.address, acct.class_version, StarknetSigner(5), StarknetSigner(7))
    assert stark.owner_public_key == 5 and stark.guardian_keys == (7,)
    assert stark.cache_key != AccountInfo(acct.address, acct.class_version, 5, 8).cache_key


def test_account_info_rejects_ambiguous_or_missing_owner() -> None:
    from xsessions_core.errors import SessionError

    with pytest.raises(SessionError, match="owner"):
        AccountInfo(1, "0.5.0", owner=5, owner_public_key=5)
    with pytest.raises(SessionError, match="owner"):
        AccountInfo(1, "0.5.0")
    with pytest.raises(SessionError, match="guardian_backup"):
        AccountInfo(1, "0.5.0", 5, guardian_backup=6)
    with pytest.raises(SessionError, match="owner"):
        AccountInfo(1, "0.5.0", 0)


def test_account_info_and_tokens_of_every_kind_round_trip_through_pickle() -> None:
    for case in CASES:
        acct = account_of(case)
        again = pickle.loads(pickle.dumps(acct))
        assert again == acct and again.cache_key == acct.cache_key and again.owner_guid == acct.owner_guid
        version = case["account"]["class_version"]
        token = decode_session_token([h(v) for v in case["transaction"]["signature"]], account_version=version)
        assert pickle.loads(pickle.dumps(token)) == token
        assert token.felts() == [h(v) for v in case["transaction"]["signature"]]


def test_session_token_signatures_are_read_per_version() -> None:
    """A WebAuthn session signature is read with the layout of the account's version (0.4.0 has
    two more fields): the token of one version does not decode as the other's."""
    case = next(c for c in CASES if c["session_key"]["type"] == "webauthn" and c["verdict"] == "VALID")
    version = case["account"]["class_version"]
    other = "0.4.0" if version == "0.5.0" else "0.5.0"
    sig = [h(v) for v in case["transaction"]["signature"]]
    token = decode_session_token(sig, account_version=version)
    assert isinstance(token.session_signature.signature, WebauthnSignature)
    assert token.session_signature.signature.version.value == version
    with pytest.raises(SessionTokenError) as info:
        decode_session_token(sig, account_version=other)
    assert info.value.contract_error == "session/invalid-calldata"


@pytest.mark.parametrize("which", ["session_signature", "guardian_signature"])
@pytest.mark.parametrize("field, error", [("r", "argent/invalid-r-value"), ("s", "argent/invalid-s-value")])
def test_stark_signature_values_out_of_the_order_panic_on_0_5(which: str, field: str, error: str) -> None:
    """0.5.0 asserts r, s < the STARK order before checking a Stark signature (SIGNERS.md); the
    signers package gives the panic, the verifier reports it wherever the signature is."""
    from test_relayer_verdicts import CASES as STARK_CASES, account_of as stark_account_of

    case = next(c for c in STARK_CASES if c["kind"] == "valid_calls_1" and c["account"]["class_version"] == "0.5.0")
    tx = case["transaction"]
    token = decode_session_token([h(v) for v in tx["signature"]], account_version="0.5.0")
    sig = getattr(token, which)
    bad = dataclasses.replace(sig, signature=dataclasses.replace(sig.signature, **{field: crypto.EC_ORDER}))
    forged = dict(tx, signature=dataclasses.replace(token, **{which: bad}).felts())
    common = dict(account=stark_account_of(case), chain_id=h(case["chain_id"]),
                  block_timestamp=case["block"]["timestamp"], state=state_of(case))
    want = Verdict(False, error, "validate")
    assert verify_session_transaction(forged, **common) == want
    assert verify_session_transactions_batch([forged, tx], **common) == [want, Verdict(True)]


# --------------------------------------------------------------------------- signing any hash

_KEYS: dict[str, type] = {"secp256r1": Secp256r1Key, "secp256k1": Secp256k1Key, "eip191": Eip191Key}


def _valid_invoke(kind: str) -> dict[str, Any]:
    return next(c for c in CASES if c["kind"] == f"session_key_{kind}_valid"
                and c["transaction"]["kind"] == "invoke_v3")


def _resign(case: dict[str, Any], nonce: int) -> dict[str, Any]:
    """The case's transaction with another nonce, its token signed again by the session key and
    the guardian over the new transaction hash."""
    tx = dict(case["transaction"], nonce=hex(nonce))
    chain = h(case["chain_id"])
    (tx_hash,) = InvokeV3.hash_many([parse_invoke_v3(tx)], chain)
    version = case["account"]["class_version"]
    token = decode_session_token([h(v) for v in tx["signature"]], account_version=version)
    message = crypto.poseidon_hash_many([tx_hash, h(case["session_hash"]), token.cache_value])
    session_key: SigningKey = _KEYS[case["session_key"]["type"]](h(case["session_key"]["private_key"]))
    guardian = StarkKey(h(VECTORS["guardian_private_key"]))
    token = dataclasses.replace(token, session_signature=session_key.sign(message),
                                guardian_signature=guardian.sign(message))
    return dict(tx, signature=token.felts())


@pytest.mark.parametrize("kind", sorted(_KEYS))
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nonce=st.integers(min_value=0, max_value=2**64 - 1))
def test_a_session_key_signature_of_any_transaction_is_valid(kind: str, nonce: int) -> None:
    case = _valid_invoke(kind)
    tx = _resign(case, nonce)
    assert verify_session_transaction(tx, **common_of(case)) == Verdict(True)
    assert verify_session_transactions_batch([tx], **common_of(case)) == [Verdict(True)]
    other = _resign(case, nonce ^ 1)
    forged = dict(tx, signature=other["signature"])  # signatures of another transaction
    assert verify_session_transaction(forged, **common_of(case)) == Verdict(
        False, "session/invalid-session-sig", "validate")
