"""Hostile input to the relayer: bounded work, contract-exact verdicts at the edges, typed errors,
the node's felt spelling, ``Verdict.query_only``, backend parity and account-version spellings."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from conftest import h
from starknet_py.net.client_models import Call
from starknet_py.net.client_models import OutsideExecution as StarknetPyOutsideExecution
from test_isolation import AUTH_START, signed_transactions
from test_relayer_verdicts import CASES, account_of, expected, state_of, verify_case

from xsessions_core import crypto
from xsessions_core.crypto import EC_ORDER, FIELD_PRIME
from xsessions_core.crypto import _native as native_backend, _python as python_backend
from xsessions_core.encoding import felt_from
from xsessions_core.errors import (
    EncodingError,
    InvalidMessageHash,
    SessionError,
    TransactionError,
    TypedDataError,
)
from xsessions_core.relayer import (
    AccountInfo,
    AccountState,
    NodeRules,
    RejectedInput,
    Verdict,
    decode_session_token,
    verify_legacy_session_transaction,
    verify_outside_execution,
    verify_outside_executions_batch,
    verify_session_transaction,
    verify_session_transactions_batch,
)
from xsessions_core.relayer import pipeline as pipeline_module
from xsessions_core.relayer import verify as verify_module
from xsessions_core.relayer.verify import parse_invoke_v3
from xsessions_core.sessions.objects import AllowedMethod, Session, SessionRequest
from xsessions_core.sessions.outside_execution import outside_execution_from_dict
from xsessions_core.transactions import InvokeV3
from xsessions_core.typed_data import TypedData
from xsessions_core.versions import AccountVersion

# Signs with the recorded sessions: sign at a time they were valid.
pytestmark = pytest.mark.usefixtures("recorded_clock")

HUGE_DECIMAL = "1" * 5000
DESERIALIZE = "Failed to deserialize param #1"


def _first(kind: str, version: str = "0.4.0") -> dict[str, Any]:
    return next(c for c in CASES if c["kind"] == kind and c["account"]["class_version"] == version)


def _common(case: dict[str, Any]) -> dict[str, Any]:
    return dict(account=account_of(case), chain_id=h(case["chain_id"]), block_timestamp=case["block"]["timestamp"],
                state=state_of(case))


def _oe_case() -> dict[str, Any]:
    return next(c for c in CASES if c["transaction"]["kind"] == "outside_execution_v2" and c["verdict"] == "VALID")


def _verify_oe(case: dict[str, Any], oe: object, **extra: Any) -> Verdict:
    tx = case["transaction"]
    return verify_outside_execution(oe, tx["signature"], caller_address=h(tx["submitted_by"]), **_common(case), **extra)


# --------------------------------------------------------------------------- bounded work

def test_signature_and_calldata_over_the_node_limits_get_a_node_verdict() -> None:
    case = _first("valid_calls_1")
    tx, common = case["transaction"], _common(case)
    long_sig = dict(tx, signature=[*tx["signature"], *([object()] * 10_000)])  # items never looked at
    assert verify_session_transaction(long_sig, **common) == Verdict(
        False, f"Signature length exceeded maximum: length {len(tx['signature']) + 10_000} (allowed length: 4000).",
        "node")
    long_calldata = dict(tx, calldata=["0x1"] * 5001)
    assert verify_session_transaction(long_calldata, **common) == Verdict(
        False, "Calldata length exceeded maximum: length 5001 (allowed length: 5000).", "node")
    # configurable: the vector transaction itself is over a tighter limit
    tight = NodeRules(max_signature_length=len(tx["signature"]) - 1)
    v = verify_session_transaction(tx, **common, rules=tight)
    assert (v.valid, v.phase) == (False, "node")
    assert verify_session_transaction(tx, **common, rules=NodeRules(max_signature_length=len(tx["signature"]))).valid
    with pytest.raises(RejectedInput) as info:
        parse_invoke_v3(long_calldata)
    assert info.value.verdict.phase == "node" and isinstance(info.value, TransactionError)
    with pytest.raises(SessionError):
        NodeRules(max_calldata_length=-1)


def test_a_bad_calldata_felt_with_an_over_long_signature_gets_the_signature_verdict() -> None:
    """The lengths are checked before any felt is read: the node's signature verdict, not the felt error."""
    case = _first("valid_calls_1")
    tx, common = case["transaction"], _common(case)
    bad = dict(tx, calldata=["0xnot-a-felt", *tx["calldata"][1:]], signature=["0x1"] * 4001)
    assert verify_session_transaction(bad, **common) == Verdict(
        False, "Signature length exceeded maximum: length 4001 (allowed length: 4000).", "node")
    with pytest.raises(TransactionError, match=r"calldata\[0\]"):
        parse_invoke_v3(dict(tx, calldata=["0xnot-a-felt", *tx["calldata"][1:]]))


def test_parse_invoke_v3_gives_the_public_invoke_v3_value() -> None:
    case = _first("valid_calls_1")
    tx, common = case["transaction"], _common(case)
    value = parse_invoke_v3(tx)
    assert isinstance(value, InvokeV3)
    assert value.hash(common["chain_id"]) == h(tx["transaction_hash"])
    assert value.signature == tuple(h(x) for x in tx["signature"])
    with pytest.warns(DeprecationWarning, match="InvokeV3Data"):
        assert verify_module.InvokeV3Data is InvokeV3
    with pytest.raises(TransactionError, match="version 1"):
        parse_invoke_v3(dict(tx, version="0x1"))
    for key in ("sender_address", "nonce", "resource_bounds"):
        with pytest.raises(TransactionError, match=f"missing '{key}'"):
            parse_invoke_v3({k: v for k, v in tx.items() if k != key})
    with pytest.raises(TransactionError, match="paymaster_data must be a list"):
        parse_invoke_v3(dict(tx, paymaster_data=""))


def test_outside_execution_over_the_calldata_limit() -> None:
    case = _oe_case()
    oe = case["transaction"]["outside_execution"]
    big = dict(oe, calls=[dict(oe["calls"][0], calldata=["0x1"] * 5000)])
    v = _verify_oe(case, big)
    assert (v.valid, v.phase) == (False, "node") and v.error is not None and "Calldata length" in v.error


def test_a_proof_deeper_than_any_tree_is_not_hashed(monkeypatch: pytest.MonkeyPatch) -> None:
    """x-sessions trees have fewer than 2**32 leaves: a 33-felt proof cannot reach the root. The
    contract's verdict (``session/invalid-call``) is given without hashing the proof."""
    case = _first("valid_calls_1")
    tx, common = case["transaction"], _common(case)
    token = decode_session_token([h(x) for x in tx["signature"]], account_version=case["account"]["class_version"])
    deep = dataclasses.replace(token, proofs=(tuple(range(1, 34)), *token.proofs[1:]))
    hashed: list[int] = []
    original = pipeline_module.merkle_proof_ok

    def spy(root: int, leaf: int, proof: tuple[int, ...]) -> bool:
        hashed.append(len(proof))
        return original(root, leaf, proof)

    monkeypatch.setattr(pipeline_module, "merkle_proof_ok", spy)
    v = verify_session_transaction(dict(tx, signature=deep.felts()), **common)
    assert v == Verdict(False, "session/invalid-call", "validate")
    assert all(n <= 32 for n in hashed)
    # a 200,000-felt proof is refused by the signature limit before anything is read
    huge = dataclasses.replace(token, proofs=(tuple(range(1, 200_001)),))
    assert verify_session_transaction(dict(tx, signature=huge.felts()), **common).phase == "node"


# --------------------------------------------------------------------------- contract-exact edges

def test_outside_execution_addresses_and_u64_that_do_not_deserialise() -> None:
    case = _oe_case()
    oe = case["transaction"]["outside_execution"]
    assert _verify_oe(case, oe) == Verdict(True)
    bad_call_to = dict(oe, calls=[dict(oe["calls"][0], to=hex(2**251))])
    bad_caller = dict(oe, caller=hex(2**251 + 5))
    bad_before = dict(oe, execute_before=hex(2**64))
    for bad in (bad_call_to, bad_caller, bad_before):
        assert _verify_oe(case, bad) == Verdict(False, DESERIALIZE, "execute_from_outside_v2")


def test_calldata_is_deserialised_before_the_paymaster_check() -> None:
    case = _first("valid_calls_1")
    tx, common = case["transaction"], _common(case)
    assert verify_session_transaction(dict(tx, paymaster_data=["0x1"]), **common) == Verdict(
        False, "argent/unsupported-paymaster", "validate")
    malformed = dict(tx, paymaster_data=["0x1"], calldata=[*tx["calldata"], "0x1"])
    assert verify_session_transaction(malformed, **common) == Verdict(False, "Input too long for arguments", "validate")
    big_address = dict(tx, paymaster_data=["0x1"], calldata=["0x1", hex(2**251), "0x2", "0x0"])
    assert verify_session_transaction(big_address, **common) == Verdict(False, DESERIALIZE, "validate")
    bad_version = dict(tx, version="0x2", calldata=["0x1", hex(2**251), "0x2", "0x0"])
    assert verify_session_transaction(bad_version, **common) == Verdict(False, DESERIALIZE, "validate")


def test_sessions_refuse_addresses_the_account_cannot_deserialise() -> None:
    AllowedMethod(2**251 - 1, "transfer")
    with pytest.raises(SessionError, match="2\\*\\*251"):
        AllowedMethod(2**251, "transfer")
    session = _first("valid_calls_1")["session"]
    with pytest.raises(SessionError, match="address"):
        Session.from_dict({**session, "address": hex(2**251)})


# --------------------------------------------------------------------------- typed errors

@pytest.mark.parametrize("field", ["nonce", "tip", "version", "sender_address"])
def test_huge_decimal_strings_raise_typed_errors(field: str) -> None:
    case = _first("valid_calls_1")
    with pytest.raises(TransactionError, match=field):
        verify_session_transaction(dict(case["transaction"], **{field: HUGE_DECIMAL}), **_common(case))


def test_huge_decimal_resource_bound_raises_a_typed_error() -> None:
    case = _first("valid_calls_1")
    tx = case["transaction"]
    bounds = {**tx["resource_bounds"], "l2_gas": {**tx["resource_bounds"]["l2_gas"], "max_amount": HUGE_DECIMAL}}
    with pytest.raises(TransactionError, match="l2_gas"):
        verify_session_transaction(dict(tx, resource_bounds=bounds), **_common(case))


def test_huge_typed_data_enum_key_raises_a_typed_error() -> None:
    doc = {
        "types": {"StarknetDomain": [{"name": "name", "type": "shortstring"},
                                     {"name": "version", "type": "shortstring"},
                                     {"name": "chainId", "type": "shortstring"},
                                     {"name": "revision", "type": "shortstring"}],
                  "M": [{"name": "e", "type": "enum", "contains": "E"}],
                  "E": [{"name": "A", "type": "()"}, {"name": "B", "type": "(felt)"}]},
        "primaryType": "M",
        "domain": {"name": "x", "version": "1", "chainId": "SN_MAIN", "revision": "1"},
        "message": {"e": {HUGE_DECIMAL: [], "A": []}},
    }
    with pytest.raises(TypedDataError):
        TypedData.from_dict(doc).message_hash(1)


def test_non_object_session_typed_data_raises_session_error() -> None:
    with pytest.raises(SessionError, match="sessionTypedData"):
        SessionRequest.from_dict({"sessionTypedData": [1, 2], "offchainSession": {}, "sessionKey": {}})
    with pytest.raises(SessionError, match="sessionTypedData"):
        SessionRequest.from_dict({"sessionTypedData": "x", "offchainSession": {}, "sessionKey": {}})


def test_non_list_inputs_raise_typed_errors() -> None:
    case = _first("valid_calls_1")
    common = _common(case)
    for bad in (5, None, "abc", {"a": 1}):
        with pytest.raises(SessionError):
            verify_session_transactions_batch(bad, **common)  # type: ignore[arg-type]
        with pytest.raises(SessionError):
            verify_outside_executions_batch(bad, **common)  # type: ignore[arg-type]
        with pytest.raises(SessionError):
            decode_session_token(bad)  # type: ignore[arg-type]
    for kwargs in ({"revoked_sessions": 5}, {"used_outside_nonces": None}, {"session_cache": [1, 2]},
                   {"revoked_sessions": "0x1"}):
        with pytest.raises(SessionError):
            AccountState(**kwargs)
    for bad_tx in (5, "tx", None, [1, 2]):
        with pytest.raises(TransactionError):
            verify_session_transaction(bad_tx, **common)


# --------------------------------------------------------------------------- the network felt parser

@pytest.mark.parametrize("value,expected_value", [
    (5, 5), ("0x5", 5), ("0x0", 0), ("0xAbC", 0xABC), ("123", 123), ("0" * 80, 0),
    (FIELD_PRIME - 1, FIELD_PRIME - 1), (hex(FIELD_PRIME - 1), FIELD_PRIME - 1),
])
def test_network_felts_accepted(value: object, expected_value: int) -> None:
    assert felt_from(value, "v", network=True) == expected_value


@pytest.mark.parametrize("value", [
    "0x0_5", " 0x5", "0x5 ", "0x5\n", "0x\u0665", "\u0665", "5.0", 5.0, True, False, "0X5", "0x05", "0x00",
    "0x", "", "-5", "+5", "1_000", "1" * 81, hex(FIELD_PRIME), FIELD_PRIME, -1, None, [5], b"5", "0x" + "1" * 64,
])
def test_network_felts_rejected(value: object) -> None:
    with pytest.raises(EncodingError):
        felt_from(value, "v", network=True)


def test_lenient_hex_is_explicit() -> None:
    assert felt_from("0X05", "v", network=True, lenient_hex=True) == 5
    assert felt_from("0x" + "0" * 63 + "5", "v", network=True, lenient_hex=True) == 5
    for value in (" 0x5", "0x0_5", 5.0, True, "0x" + "0" * 65):
        with pytest.raises(EncodingError):
            felt_from(value, "v", network=True, lenient_hex=True)


@pytest.mark.parametrize("bad", ["0x0_5", " 0x5", "0x5\n", "0x\u0665", 5.0, True])
def test_modern_and_legacy_verifiers_read_felts_as_a_node(bad: object) -> None:
    case = _first("valid_calls_1")
    tx, common = case["transaction"], _common(case)
    with pytest.raises(TransactionError, match="nonce"):
        verify_session_transaction(dict(tx, nonce=bad), **common)
    with pytest.raises(TransactionError, match="calldata"):
        verify_session_transaction(dict(tx, calldata=[bad, *tx["calldata"][1:]]), **common)
    lenient = NodeRules(lenient_felts=True)
    with pytest.raises(TransactionError, match="nonce"):
        verify_session_transaction(dict(tx, nonce=bad), **common, rules=lenient)
    legacy = {"sender_address": "0x1", "calldata": ["0x0", "0x0", "0x0"], "signature": [], "max_fee": "0x0",
              "version": "0x1", "nonce": bad}
    with pytest.raises(TransactionError, match="nonce"):
        verify_legacy_session_transaction(legacy, account_address=1, owner_public_key=2, chain_id="SN_MAIN",
                                          block_timestamp=0)


def test_lenient_rules_accept_padded_hex() -> None:
    case = _first("valid_calls_1")
    tx, common = case["transaction"], _common(case)
    padded = dict(tx, sender_address="0x" + hex(h(tx["sender_address"]))[2:].rjust(64, "0"))
    with pytest.raises(TransactionError, match="sender_address"):
        verify_session_transaction(padded, **common)
    assert verify_session_transaction(padded, **common, rules=NodeRules(lenient_felts=True)) == Verdict(True)


# --------------------------------------------------------------------------- query_only

def test_query_version_verdicts_say_query_only() -> None:
    queries = [c for c in CASES if c.get("query_version")]
    assert {c["account"]["class_version"] for c in queries} == {"0.4.0", "0.5.0"}
    for case in queries:
        v = verify_case(case)
        assert v == expected(case) and v.query_only and v.to_json()["query_only"] is True
    normal = verify_case(_first("valid_calls_1"))
    assert normal.valid and not normal.query_only and "query_only" not in normal.to_json()
    assert "query_only=True" in repr(verify_case(queries[0])) and "query_only" not in repr(normal)
    oe_case = _oe_case()
    assert _verify_oe(oe_case, oe_case["transaction"]["outside_execution"],
                      relayer_tx_version=2**128 + 3).query_only


# --------------------------------------------------------------------------- backend parity

def test_backends_agree_on_message_hashes_above_2_251() -> None:
    key = 0x1234ABCD
    pub = crypto.private_to_stark_key(key)
    for z in (2**251, 2**251 + 12345, EC_ORDER - 1):
        r, s = python_backend.sign(z, key, None)
        args = verify_module.cairo_ecdsa_args(z, pub, r, s)
        assert args is not None
        assert native_backend.verify_batch([args]) == python_backend.verify_batch([args]) == [True]
        assert native_backend.verify(*args) is python_backend.verify(*args) is True
        bad = (args[0], args[1], args[2], pub + 1)
        assert native_backend.verify_batch([bad]) == python_backend.verify_batch([bad])
    for z in (-1, -(2**251), 2**256):
        for backend in (native_backend, python_backend):
            with pytest.raises(InvalidMessageHash):
                backend.verify(z, 1, 1, pub)
            with pytest.raises(InvalidMessageHash):
                backend.verify_batch([(z, 1, 1, pub)])


# --------------------------------------------------------------------------- account versions

@pytest.mark.parametrize("spelling", ["0.4", "0.4.0", "v0.4", AccountVersion.V0_4_0, "0.5", "0.5.0",
                                      AccountVersion.V0_5_0])
def test_every_account_version_spelling(spelling: object) -> None:
    version = AccountVersion.parse(spelling)
    case = _first("valid_calls_1", version.value)
    acct = account_of(case)
    info = AccountInfo(acct.address, spelling, acct.owner_public_key, acct.guardian_public_key)  # type: ignore[arg-type]
    assert info.class_version is version and info.class_version == version.value
    assert info == acct
    common = {**_common(case), "account": info}
    tx = case["transaction"]
    assert verify_session_transaction(tx, **common) == Verdict(True)
    assert verify_session_transactions_batch([tx], **common) == [Verdict(True)]
    token = decode_session_token([h(x) for x in tx["signature"]], account_version=spelling)  # type: ignore[arg-type]
    assert token == decode_session_token([h(x) for x in tx["signature"]], account_version=version.value)
    with pytest.raises(SessionError):
        AccountInfo(acct.address, "0.6", acct.owner_public_key)
    with pytest.raises(SessionError):
        decode_session_token([h(x) for x in tx["signature"]], account_version="0.6")


def test_outside_execution_models_of_starknet_py_and_ours() -> None:
    case = _oe_case()
    raw = case["transaction"]["outside_execution"]
    ours = outside_execution_from_dict({**raw, "execute_after": h(raw["execute_after"]),
                                        "execute_before": h(raw["execute_before"])})
    theirs = StarknetPyOutsideExecution(
        caller=h(raw["caller"]), nonce=h(raw["nonce"]), execute_after=h(raw["execute_after"]),
        execute_before=h(raw["execute_before"]),
        calls=[Call(to_addr=h(c["to"]), selector=h(c["selector"]), calldata=[h(x) for x in c["calldata"]])
               for c in raw["calls"]])
    assert _verify_oe(case, ours) == _verify_oe(case, theirs) == _verify_oe(case, raw) == Verdict(True)
    late = dataclasses.replace(theirs, execute_before=case["block"]["timestamp"])
    assert _verify_oe(case, late) == Verdict(False, "argent/invalid-timestamp", "execute_from_outside_v2")
    # a batch item with a bad signature list only gets its own verdict
    tx = case["transaction"]
    items = [(theirs, tx["signature"], h(tx["submitted_by"])), (theirs, 5, h(tx["submitted_by"]))]
    got = verify_outside_executions_batch(items, **_common(case))
    assert got[0] == Verdict(True) and (got[1].valid, got[1].phase) == (False, "node")


def test_batch_isolates_malformed_items() -> None:
    signed, common = signed_transactions("0.4.0", 3)
    sig = list(signed[1]["signature"])
    sig[AUTH_START] = "0x0_1"
    items = [signed[0], dict(signed[1], signature=sig), dict(signed[2], sender_address="0x1"), signed[2]]
    got = verify_session_transactions_batch(items, **common)
    assert got[0] == got[3] == Verdict(True)
    for i in (1, 2):
        with pytest.raises(TransactionError) as info:
            verify_session_transaction(items[i], **common)
        assert got[i] == Verdict(False, str(info.value), "node")
