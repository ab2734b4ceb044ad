"""Legacy plugin-session verifier (docs/protocol.md §5.7) on sessions_v4.json executions and tampered variants."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import h, load_vectors

from xsessions_core import crypto
from xsessions_core.errors import TransactionError
from xsessions_core.legacy import invoke_transaction_hash
from xsessions_core.relayer import Verdict, verify_legacy_session_transaction

SESSIONS = load_vectors("sessions_v4.json")["sessions"]
EXECUTIONS = [(s, e) for s in SESSIONS for e in s["executions"]]


def _tx(execution: dict[str, Any]) -> dict[str, Any]:
    inv = execution["invoke"]
    return {"sender_address": inv["contractAddress"], "calldata": list(inv["calldata"]),
            "signature": list(inv["signature"]), "max_fee": inv["details"]["maxFee"],
            "version": inv["details"]["version"], "nonce": execution["transactions_detail"]["nonce"]}


def _verify(session: dict[str, Any], tx: dict[str, Any], **kw: Any) -> Verdict:
    inp = session["inputs"]
    args = dict(account_address=session["account_address_used"], owner_public_key=inp["owner_public_key"],
                chain_id=inp["chain_id"], block_timestamp=inp["expires"] - 60)
    args.update(kw)
    return verify_legacy_session_transaction(tx, **args)


def _resign(session: dict[str, Any], tx: dict[str, Any]) -> dict[str, Any]:
    """Sign tx again with the session key over the hash x-sessions 4.8.7 would sign."""
    inp = session["inputs"]
    calldata = [h(x) for x in tx["calldata"]]
    z = invoke_transaction_hash(h(session["account_address_used"]), calldata[:-1], h(tx["nonce"]),
                                h(tx["max_fee"]), h(inp["chain_id"]), h(tx["version"]))
    r, s = crypto.message_signature(z, h(inp["session_private_key"]))
    return dict(tx, signature=[r, s])


@pytest.mark.parametrize("session, execution", EXECUTIONS, ids=[f"{s['name']}-{i}" for i, (s, _) in enumerate(EXECUTIONS)])
def test_vector_executions_are_valid(session: dict[str, Any], execution: dict[str, Any]) -> None:
    assert _verify(session, _tx(execution)) == Verdict(True)
    assert h(execution["transaction_hash"]) == invoke_transaction_hash(
        h(session["account_address_used"]), [h(x) for x in execution["hashed_calldata"]],
        h(execution["transactions_detail"]["nonce"]), h(execution["invoke"]["details"]["maxFee"]),
        h(session["inputs"]["chain_id"]))


SESSION, EXECUTION = next((s, e) for s, e in EXECUTIONS if len(s["inputs"]["policies"]) > 1)


def test_expired() -> None:
    expires = SESSION["inputs"]["expires"]
    assert _verify(SESSION, _tx(EXECUTION), block_timestamp=expires) == Verdict(True)
    assert _verify(SESSION, _tx(EXECUTION), block_timestamp=expires + 1) == Verdict(False, "session expired", "validate")


def test_unauthorised_session_wrong_owner_or_guardian() -> None:
    other = crypto.private_to_stark_key(0x1234567)
    assert _verify(SESSION, _tx(EXECUTION), owner_public_key=other).error == "unauthorised session"
    assert _verify(SESSION, _tx(EXECUTION), guardian_public_key=other).error == "unauthorised session"


def test_session_key_signature_invalid() -> None:
    tx = _tx(EXECUTION)
    tx["signature"] = [tx["signature"][0], str(h(tx["signature"][1]) ^ 1)]
    assert _verify(SESSION, tx).error == "session key signature invalid"
    assert _verify(SESSION, _tx(EXECUTION), transaction_hash=12345).error == "session key signature invalid"


def test_not_allowed_by_policy() -> None:
    tx = _tx(EXECUTION)
    calldata = [h(x) for x in tx["calldata"]]
    assert calldata[0] >= 2
    calldata[1 + 4 + 1] ^= 1  # selector of the first user call
    tampered = _resign(SESSION, dict(tx, calldata=calldata))
    assert _verify(SESSION, tampered) == Verdict(False, "Not allowed by policy", "validate")


def test_revoked_key_and_unregistered_plugin_and_nonce() -> None:
    tx = _tx(EXECUTION)
    key = h(SESSION["inputs"]["session_public_key"])
    assert _verify(SESSION, tx, revoked_session_keys=[key]).error == "session key revoked"
    assert _verify(SESSION, tx, registered_plugins=[1]).error == "plugin not registered"
    assert _verify(SESSION, tx, expected_nonce=h(tx["nonce"]) + 1).error == "nonce invalid"
    assert _verify(SESSION, tx, expected_nonce=h(tx["nonce"])) == Verdict(True)


def test_malformed_calldata_and_foreign_account() -> None:
    tx = _tx(EXECUTION)
    assert _verify(SESSION, dict(tx, calldata=tx["calldata"][:-2])).error == "invalid calldata"
    assert _verify(SESSION, dict(tx, calldata=[])).error == "invalid calldata"
    with pytest.raises(TransactionError):
        _verify(SESSION, tx, account_address=1)


@pytest.mark.parametrize("bad", [-1, "-5", 2**251 + 17 * 2**192 + 1, "0x" + "f" * 70])
def test_values_that_are_not_felts_raise(bad: object) -> None:
    tx = _tx(EXECUTION)
    for field in ("nonce", "max_fee"):
        with pytest.raises(TransactionError, match=field):
            _verify(SESSION, dict(tx, **{field: bad}))
    with pytest.raises(TransactionError, match="calldata"):
        _verify(SESSION, dict(tx, calldata=[*tx["calldata"][:-1], bad]))
