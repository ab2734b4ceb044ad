"""Bulk signing and verification for relayers, with few native calls and thread-safe caches.

* :class:`SessionSigner` (deprecated: :meth:`SessionContext.sign_invoke_many
  <xsessions_core.sessions.context.SessionContext.sign_invoke_many>`) signs many invoke v3
  transactions of one session.
* :func:`verify_session_transactions_batch` / :func:`verify_outside_executions_batch` give the
  same verdicts as the one-at-a-time functions of :mod:`.verify`, verifying every ECDSA signature of
  the batch in one ``verify_batch`` call; no item can change another's verdict or make the call
  raise (a malformed item gets a ``"node"`` verdict with its error message). Owner/guardian
  authorisation signatures are remembered (per backend, hash, key and signature), so a session
  seen before does not re-verify them;
  hashes of sessions, Merkle leaves and proof checks are memoised too. Every cache is a thread-safe
  LRU bounded in bytes (:mod:`.cache`); a miss recomputes, so evictions never change a verdict.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import SessionError, TransactionError
from ..sessions.guardian import LocalGuardian
from ..sessions.objects import AnySessionKey, Session
from ..sessions.context import INVOKE_CHUNK, SessionContext, SigningOptions, signing_options
from ..sessions.fee_limits import FeeLimits
from ..transactions import InvokeV3
from .pipeline import (
    batch_items,
    fee_limits_arg,
    finish,
    prepare_outside_executions,
    prepare_session_transactions,
    reserve_outside_nonces,
    with_policy,
)
from .types import AccountInfo, AccountState, NodeRules, Verdict

if TYPE_CHECKING:
    from .state import RelayerState

__all__ = ["SessionSigner", "verify_session_transactions_batch", "verify_outside_executions_batch"]


class SessionSigner:
    """Deprecated: :meth:`SessionContext.sign_invoke_many
    <xsessions_core.sessions.context.SessionContext.sign_invoke_many>` signs many invoke v3
    transactions of one session (this class is removed in the next release).

    :param session: the :class:`~xsessions_core.sessions.objects.Session`.
    :param session_key: its signing key of any kind (``None`` = ``session.session_key``).
    :param guardian: a :class:`~xsessions_core.sessions.guardian.LocalGuardian` or the guardian's private key
        (an int, a hex string or a starknet-py ``KeyPair``).
    :param options: the :class:`~xsessions_core.sessions.context.SigningOptions`;
        ``cache_authorization``, ``account_version``, ``owner_guid`` are their deprecated spellings.
    :param fee_limits: opt-in :class:`~xsessions_core.sessions.fee_limits.FeeLimits`.
    :raises SessionError: inconsistent session / key, bad guardian.
    """

    __slots__ = ("_ctx", "_guardian", "_fee_limits", "guardian_public_key")

    def __init__(self, session: Session, session_key: AnySessionKey | None, guardian: LocalGuardian | object,
                 options: SigningOptions | None = None, *, fee_limits: FeeLimits | None = None,
                 **deprecated: Any) -> None:
        warnings.warn("SessionSigner is deprecated; use SessionContext(session, key, options).sign_invoke_many("
                      "transactions, guardian=...)", DeprecationWarning, stacklevel=2)
        if fee_limits is not None and not isinstance(fee_limits, FeeLimits):
            raise SessionError(f"fee_limits must be FeeLimits, got {type(fee_limits).__name__}")
        self._fee_limits = fee_limits
        options = signing_options(options, "SessionSigner", deprecated)
        self._ctx = SessionContext(session, session_key, options)
        if not isinstance(guardian, LocalGuardian):
            if isinstance(guardian, bool) or guardian is None:
                raise SessionError("guardian must be a LocalGuardian or a private key (int, hex string, KeyPair)")
            guardian = LocalGuardian(guardian)
        self._guardian = guardian
        self.guardian_public_key = guardian.public_key

    def __repr__(self) -> str:
        return f"SessionSigner(session_hash={hex(self._ctx.session_hash)})"

    @property
    def context(self) -> SessionContext:
        """The :class:`~xsessions_core.sessions.context.SessionContext` this signer signs with."""
        return self._ctx

    @property
    def session(self) -> Session:
        """The session this signer signs with."""
        return self._ctx.session

    @property
    def session_hash(self) -> int:
        """The session hash (what the owner and guardian authorised)."""
        return self._ctx.session_hash

    @property
    def cache_flag(self) -> int:
        """The felt at signature offset 5."""
        return self._ctx.cache_flag

    def sign_transactions(self, transactions: Iterable[object], *, now: int | float | None = None,
                          allow_expired: bool = False) -> list[list[int]]:
        """:meth:`SessionContext.sign_invoke_many <xsessions_core.sessions.context.SessionContext.sign_invoke_many>`
        with this signer's guardian and fee limits."""
        return self._ctx.sign_invoke_many(transactions, guardian=self._guardian, fee_limits=self._fee_limits,
                                          now=now, allow_expired=allow_expired)

    def sign_invoke_transactions(self, transactions: Iterable[object], *, now: int | float | None = None,
                                 allow_expired: bool = False) -> list[InvokeV3]:
        """:meth:`sign_transactions` as signed :class:`~xsessions_core.transactions.InvokeV3` values
        (``tx.to_rpc()`` is the ``starknet_addInvokeTransaction`` JSON), in order."""
        signed = self._ctx.sign_invoke_transactions(transactions, guardian=self._guardian, fee_limits=self._fee_limits,
                                                    now=now, allow_expired=allow_expired)
        return [InvokeV3(t.sender_address, t.calldata, t.nonce, t.resource_bounds, t.signature, t.tip,
                         t.paymaster_data, t.account_deployment_data, t.nonce_da_mode, t.fee_da_mode, t.version,
                         t.proof_facts) for t in signed]  # unbound, as this method always returned them

    def sign_transactions_with_hashes(self, transactions: Iterable[object], *, now: int | float | None = None,
                                      allow_expired: bool = False) -> list[tuple[int, list[int]]]:
        """:meth:`sign_transactions`, with each transaction's hash: ``(transaction_hash, signature)``."""
        return self._ctx.sign_invoke_many_with_hashes(transactions, guardian=self._guardian,
                                                      fee_limits=self._fee_limits, now=now,
                                                      allow_expired=allow_expired)


#: Transactions per chunk of the batch functions (the native signer and verifier share their
#: inversions over 32 signatures; smaller chunks let two threads overlap better).
CHUNK = INVOKE_CHUNK


def verify_session_transactions_batch(txs: Iterable[object], *, account: AccountInfo, chain_id: int | str,
                                      block_timestamp: int, state: AccountState | None = None,
                                      rules: NodeRules | None = None,
                                      fee_limits: FeeLimits | None = None) -> list[Verdict]:
    """:func:`~.verify.verify_session_transaction` for many transactions (one ECDSA batch call).

    ``fee_limits`` (opt-in) sets each verdict's relayer-policy ``policy``, as the single-transaction
    function does; the contract's verdicts do not change.

    :return: one :class:`~.verify.Verdict` per transaction, in order; identical to calling the
        single-transaction function on each. No item changes another's verdict: a transaction the
        single-transaction function rejects with a typed error (malformed, another sender) gets
        ``Verdict(False, <that error's message>, "node")`` here, and the others are verified.
    :raises SessionError: bad arguments (``txs`` not a list, account, chain id, timestamp, state).

    Works in chunks of :data:`CHUNK` transactions (a few backend calls each, natively without the
    GIL), so that two threads verifying two batches overlap their Python and native parts.
    """
    limits = fee_limits_arg(fee_limits)
    items = batch_items(txs, "txs")
    out: list[Verdict] = []
    for start in range(0, len(items), CHUNK):
        out += finish(prepare_session_transactions(items[start:start + CHUNK], account=account, chain_id=chain_id,
                                                   block_timestamp=block_timestamp, state=state, rules=rules,
                                                   isolate=True))
    if limits is None:
        return out
    return [with_policy(verdict, tx, limits, rules) for verdict, tx in zip(out, items)]


def verify_outside_executions_batch(items: Iterable[Mapping[str, Any] | Sequence[Any]], *, account: AccountInfo,
                                    chain_id: int | str, block_timestamp: int,
                                    state: AccountState | None = None, relayer_tx_version: int | str = 3,
                                    rules: NodeRules | None = None, relayer_state: RelayerState | None = None,
                                    reservation_ttl_ms: int = 60_000) -> list[Verdict]:
    """:func:`~.verify.verify_outside_execution` for many outside executions.

    :param items: ``{"outside_execution", "signature", "caller_address"}`` mappings or
        ``(outside_execution, signature, caller_address)`` tuples.
    :param relayer_state: as for :func:`~.verify.verify_outside_execution`: each item the account
        would accept is valid only if its nonce could be reserved (in the order of ``items``: a
        second item with the same nonce gets :data:`~.verify.REPLAYED_OR_IN_FLIGHT`).
    :return: one verdict per item, as :func:`verify_session_transactions_batch` (a malformed item
        gets a ``"node"`` verdict with its error message; the others are verified).
    :raises SessionError: bad arguments (``items`` not a list, account, chain id, timestamp, state).
    """
    triples: list[object] = []
    for i, item in enumerate(batch_items(items, "items")):
        if isinstance(item, Mapping):
            missing = [k for k in ("outside_execution", "signature", "caller_address") if k not in item]
            triples.append(TransactionError(f"items[{i}] is missing {missing[0]!r}") if missing else
                           (item["outside_execution"], item["signature"], item["caller_address"]))
        elif isinstance(item, Iterable) and not isinstance(item, (str, bytes)):
            triples.append(tuple(item))
        else:
            triples.append(item)
    out: list[Verdict] = []
    for start in range(0, len(triples), CHUNK):
        out += finish(prepare_outside_executions(triples[start:start + CHUNK], account=account, chain_id=chain_id,
                                                 block_timestamp=block_timestamp, state=state,
                                                 relayer_tx_version=relayer_tx_version, rules=rules, isolate=True))
    if relayer_state is None:
        return out
    return reserve_outside_nonces(out, [t[0] if isinstance(t, tuple) else None for t in triples], account=account,
                                  rules=rules, relayer_state=relayer_state, reservation_ttl_ms=reservation_ttl_ms)
