"""Relayer toolkit: offline verification with the Argent account's verdicts, bulk signing.

* :func:`verify_session_transaction`, :func:`verify_outside_execution` — the modern (x-sessions 9,
  Argent account 0.4.0 / 0.5.0) verifier, :class:`AccountInfo`, :class:`AccountState`, :class:`Verdict`;
* :func:`verify_legacy_session_transaction` — the 2022 plugin sessions (PROTOCOL §5.7);
* :func:`decode_session_token` — the session-token signature decoder;
* :class:`SessionSigner`, :func:`verify_session_transactions_batch`,
  :func:`verify_outside_executions_batch` — bulk work with few native calls, thread safe.
"""

from .batch import SessionSigner, verify_outside_executions_batch, verify_session_transactions_batch
from .legacy_verify import verify_legacy_session_transaction
from .token import SessionToken, SessionTokenError, SignerSignature, TokenSession, decode_session_token
from .verify import (
    ANY_CALLER,
    NOT_A_SESSION,
    DEFAULT_NODE_RULES,
    PHASE_NODE,
    AccountInfo,
    AccountState,
    NodeRules,
    RejectedInput,
    Verdict,
    verify_outside_execution,
    verify_session_transaction,
)

__all__ = [
    "ANY_CALLER",
    "NOT_A_SESSION",
    "AccountInfo",
    "AccountState",
    "NodeRules",
    "DEFAULT_NODE_RULES",
    "PHASE_NODE",
    "RejectedInput",
    "Verdict",
    "verify_session_transaction",
    "verify_outside_execution",
    "verify_legacy_session_transaction",
    "decode_session_token",
    "SessionToken",
    "SessionTokenError",
    "SignerSignature",
    "TokenSession",
    "SessionSigner",
    "verify_session_transactions_batch",
    "verify_outside_executions_batch",
]
