"""Relayer toolkit: offline verification with the Argent account's verdicts, bulk signing.

* :func:`verify_session_transaction`, :func:`verify_outside_execution` — the modern (x-sessions 9,
  Argent account 0.4.0 / 0.5.0) verifier, :class:`AccountInfo`, :class:`AccountState`, :class:`Verdict`;
* :func:`verify_legacy_session_transaction` — the 2022 plugin sessions;
* :func:`decode_session_token` — the session-token signature decoder;
* :class:`SessionSigner`, :func:`verify_session_transactions_batch`,
  :func:`verify_outside_executions_batch` — bulk work with few native calls, thread safe;
* :func:`verify_parallel` — verification over worker processes;
* :class:`InMemoryRelayerState`, :class:`RedisRelayerState`, :class:`AsyncRedisRelayerState` —
  nonces, revocations, cached authorizations and locks shared by several relayer instances.

Every name below is importable from this package; its sub-module is loaded at first use, so
``import xsessions_core.relayer`` stays cheap (the legacy verifier, for one, is only loaded when asked for).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .batch import (
        SessionSigner as SessionSigner,
        verify_outside_executions_batch as verify_outside_executions_batch,
        verify_session_transactions_batch as verify_session_transactions_batch,
    )
    from .keycache import (
        PreparedKeyLimits as PreparedKeyLimits,
        PreparedKeyStats as PreparedKeyStats,
        clear_prepared_keys as clear_prepared_keys,
        configure_prepared_keys as configure_prepared_keys,
        prepared_key_limits as prepared_key_limits,
        prepared_key_stats as prepared_key_stats,
    )
    from .parallel import verify_parallel as verify_parallel
    from .state import (
        AsyncRedisRelayerState as AsyncRedisRelayerState,
        InMemoryRelayerState as InMemoryRelayerState,
        NonceStatus as NonceStatus,
        RedisRelayerState as RedisRelayerState,
        RelayerState as RelayerState,
        RelayerStateError as RelayerStateError,
    )
    from .legacy_verify import (
        verify_legacy_session_transaction as verify_legacy_session_transaction,
    )
    from ..session_token import (
        SessionToken as SessionToken,
        SessionTokenError as SessionTokenError,
        TokenSession as TokenSession,
        decode_session_token as decode_session_token,
    )
    from ..signers import SignerSignature as SignerSignature
    from .types import (
        NOT_A_SESSION as NOT_A_SESSION,
        DEFAULT_NODE_RULES as DEFAULT_NODE_RULES,
        PHASE_NODE as PHASE_NODE,
        NodeRules as NodeRules,
        RejectedInput as RejectedInput,
        REPLAYED_OR_IN_FLIGHT as REPLAYED_OR_IN_FLIGHT,
        AccountInfo as AccountInfo,
        AccountState as AccountState,
        Verdict as Verdict,
    )
    from .verify import (
        ANY_CALLER as ANY_CALLER,
        verify_outside_execution as verify_outside_execution,
        verify_session_transaction as verify_session_transaction,
    )

#: Public name -> the sub-module that defines it.
_EXPORTS: dict[str, tuple[str, ...]] = {
    ".types": ("NOT_A_SESSION", "REPLAYED_OR_IN_FLIGHT", "AccountInfo", "AccountState", "NodeRules",
               "DEFAULT_NODE_RULES", "PHASE_NODE", "RejectedInput", "Verdict"),
    ".verify": ("ANY_CALLER", "verify_session_transaction", "verify_outside_execution"),
    ".legacy_verify": ("verify_legacy_session_transaction",),
    "..session_token": ("decode_session_token", "SessionToken", "SessionTokenError", "TokenSession"),
    "..signers": ("SignerSignature",),
    ".batch": ("SessionSigner", "verify_session_transactions_batch", "verify_outside_executions_batch"),
    ".parallel": ("verify_parallel",),
    ".keycache": ("configure_prepared_keys", "prepared_key_limits", "prepared_key_stats", "clear_prepared_keys",
                  "PreparedKeyLimits", "PreparedKeyStats"),
    ".state": ("RelayerState", "RelayerStateError", "NonceStatus", "InMemoryRelayerState", "RedisRelayerState",
               "AsyncRedisRelayerState"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [name for names in _EXPORTS.values() for name in names]


def __getattr__(name: str) -> Any:
    """Load the sub-module that defines ``name`` at first use."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
