"""atheris harness: whole relayer requests (account, state, transaction or outside execution, session).

An input is a JSON object as a relayer would assemble it from network requests::

    {"account": {address, class_version, owner_public_key, guardian_public_key?, guardian_backup_public_key?},
     "chain_id", "block_timestamp", "state"?: {revoked_sessions, session_cache, used_outside_nonces},
     "transaction"?: <invoke v3 broadcast>,
     "outside_execution"?: {...}, "signature"?: [...], "caller_address"?, "relayer_tx_version"?,
     "session"?: <x-sessions session JSON>}

Seeds: every case of ``contract_verdicts.json`` as such a document, with a session of
``sessions_v9.json`` for some. Every part reaches the library: the account and state
constructors, ``verify_session_transaction`` / ``verify_outside_execution`` and their batch forms,
``Session.from_dict``. Rules enforced: a verdict or an XSessionsError, nothing else; the batch form
gives, for each item, the single verdict or (when the single call raises) a ``"node"`` verdict
with the same message; a node-phase verdict is only given for the node's limits.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import atheris  # noqa: E402

from common import load_json, main  # noqa: E402

from xsessions_core.errors import XSessionsError  # noqa: E402

with atheris.instrument_imports(include=["xsessions_core"]):
    from xsessions_core.relayer.batch import verify_outside_executions_batch, verify_session_transactions_batch
    from xsessions_core.relayer.verify import (
        PHASE_NODE,
        AccountInfo,
        AccountState,
        Verdict,
        verify_outside_execution,
        verify_session_transaction,
    )
    from xsessions_core.sessions.objects import Session
    from xsessions_core.sessions.session import compile_session


def _account(doc: dict[str, Any]) -> AccountInfo:
    a = doc.get("account")
    if not isinstance(a, dict):
        a = {}
    return AccountInfo(a.get("address"), a.get("class_version"), a.get("owner_public_key"),  # type: ignore[arg-type]
                       a.get("guardian_public_key"), a.get("guardian_backup_public_key"))


def _state(doc: dict[str, Any]) -> AccountState | None:
    s = doc.get("state")
    if s is None:
        return None
    if not isinstance(s, dict):
        return AccountState(revoked_sessions=s)  # a typed error
    cache = s.get("session_cache", {})
    if isinstance(cache, list):
        try:  # the vectors' list of entries; JSON that cannot be a key stays a list (a typed error)
            cache = {(e.get("owner_guid"), e.get("guardian_guid"), e.get("session_hash")): e.get("authorization_len")
                     for e in cache if isinstance(e, dict)}
        except TypeError:
            pass
    return AccountState(revoked_sessions=s.get("revoked_sessions", ()), session_cache=cache,
                        used_outside_nonces=s.get("used_outside_nonces", ()))


def _single_and_batch(single: Callable[[], Verdict], batch: Callable[[], list[Verdict]]) -> None:
    """The batch of two copies of one item gives the single verdict twice (or the node verdict of
    the single call's typed error)."""
    try:
        want = single()
    except XSessionsError as exc:
        want = Verdict(False, str(exc), PHASE_NODE)
    else:
        assert isinstance(want, Verdict) and isinstance(want.valid, bool)
        if want.phase == PHASE_NODE:
            assert want.error is not None and "length exceeded maximum" in want.error, want
    got = batch()
    assert got == [want, want], (got, want)


def body(data: bytes) -> None:
    doc = load_json(data)
    if not isinstance(doc, dict):
        return
    if "session" in doc:
        try:
            compile_session(Session.from_dict(doc["session"]))
        except XSessionsError:
            pass
    account = _account(doc)
    state = _state(doc)
    common = dict(account=account, chain_id=doc.get("chain_id"), block_timestamp=doc.get("block_timestamp"),
                  state=state)
    if "transaction" in doc:
        tx = doc["transaction"]
        _single_and_batch(lambda: verify_session_transaction(tx, **common),  # type: ignore[arg-type]
                          lambda: verify_session_transactions_batch([tx, tx], **common))  # type: ignore[arg-type]
    if "outside_execution" in doc:
        oe, sig, caller = doc["outside_execution"], doc.get("signature"), doc.get("caller_address")
        version = doc.get("relayer_tx_version", 3)
        _single_and_batch(
            lambda: verify_outside_execution(oe, sig, caller_address=caller, relayer_tx_version=version,  # type: ignore[arg-type]
                                             **common),  # type: ignore[arg-type]
            lambda: verify_outside_executions_batch([(oe, sig, caller)] * 2, relayer_tx_version=version,
                                                    **common))  # type: ignore[arg-type]


if __name__ == "__main__":
    main(body)
