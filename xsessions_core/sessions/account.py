"""A starknet-py ``Account`` that signs with a session key (x-sessions ``buildSessionAccount``).

:func:`build_session_account` returns a :class:`SessionAccount`, a subclass of starknet-py 0.30's
:class:`~starknet_py.net.account.account.Account`. ``await account.execute_v3(calls, ...)`` (with
explicit resource bounds or ``auto_estimate=True``) builds the INVOKE v3 transaction as starknet-py
does and signs it with the session token: the session key signs the token message,
the cosigner (guardian) co-signs it over the network, and the transaction goes to any Starknet
JSON-RPC node through the account's client. ``sign_outside_execution_call`` produces the
session-signed ``execute_from_outside_v2`` call for a relayer (x-sessions ``createOutsideExecutionCall``).

Integration with starknet-py: its ``BaseSigner.sign_transaction`` is synchronous, while the
guardian is a network call. The account therefore signs in its *async* methods —
:meth:`SessionAccount.sign_invoke_v3` and :meth:`SessionAccount.sign_for_fee_estimate` (fee
estimation gets a session signature too, over the query version ``2**128 + 3``, as x-sessions
does) — and the signer given to ``Account`` is a placeholder whose synchronous methods raise
:class:`~xsessions_core.errors.SessionError`. The event loop is never blocked on the network.

Order of checks: an expired session (:class:`~xsessions_core.errors.SessionExpired`; the wall clock,
or ``now=`` per call; ``allow_expired=True`` at :func:`build_session_account` skips it), malformed calls (:class:`~xsessions_core.errors.TransactionError`), then a call
outside the session's allowed methods or a call to the account itself
(:class:`~xsessions_core.errors.PolicyViolation`) are rejected **before** anything is signed or any
request is made to the node or the cosigner. A cosigner failure raises
:class:`~xsessions_core.errors.CosignerError` and nothing is sent to the node.

Per-session work (on-chain session, session hash, Merkle proofs, signature prefix) is done once, in
:func:`build_session_account` (a :class:`~xsessions_core.sessions.context.SessionContext`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, List, Optional

from starknet_py.constants import ANY_CALLER, QUERY_VERSION_BASE, OutsideExecutionInterfaceID
from starknet_py.net.account.account import Account
from starknet_py.net.client import Client
from starknet_py.net.client_models import Call, Calls, OutsideExecutionTimeBounds, ResourceBoundsMapping
from starknet_py.net.models.address import AddressRepresentation, parse_address
from starknet_py.net.models.chains import parse_chain
from starknet_py.net.models.transaction import AccountTransaction, InvokeV3
from starknet_py.net.signer.base_signer import BaseSigner
from starknet_py.utils.sync.sync import add_sync_methods

from ..encoding import selector_from_name_cached, to_hex
from ..errors import PolicyViolation, SessionError
from ..transactions import InvokeV3 as InvokeV3Value, normalize_calls, parse_execute_calldata
from .guardian import Cosigner, GuardianTransactionRequest
from .objects import AnySessionKey, Session
from .outside_execution import build_outside_execution, outside_execution_calldata, sign_outside_execution_with_context
from .context import SessionContext, SigningOptions, signing_options

__all__ = ["SessionAccount", "build_session_account"]


class _SessionSigner(BaseSigner):
    """Placeholder signer: a session signs asynchronously in :class:`SessionAccount` only."""

    def __init__(self, public_key: int) -> None:
        self._public_key = public_key

    @property
    def public_key(self) -> int:
        """The session key's public key."""
        return self._public_key

    def sign_transaction(self, transaction: AccountTransaction) -> List[int]:
        raise SessionError(
            "a session transaction is co-signed by the guardian over the network: sign it with the "
            "SessionAccount's async methods (execute_v3, sign_invoke_v3, estimate_fee), not the signer"
        )

    def sign_message(self, typed_data: Any, account_address: int) -> List[int]:
        raise SessionError("a session key cannot sign arbitrary messages (SNIP-12 typed data)")


@add_sync_methods
class SessionAccount(Account):
    """An Argent account driven by a session key and a guardian :class:`Cosigner`.

    Build it with :func:`build_session_account`. Supports INVOKE v3 (``execute_v3``,
    ``sign_invoke_v3``, ``estimate_fee``) and SNIP-9 outside executions
    (``sign_outside_execution_call``), each with its starknet-py ``*_sync`` twin; declaring,
    deploying and message signing raise :class:`~xsessions_core.errors.SessionError`.
    """

    def __init__(self, *, context: SessionContext, client: Client, cosigner: Cosigner,
                 allow_expired: bool = False) -> None:
        if not isinstance(context, SessionContext):
            raise SessionError(f"context must be a SessionContext, got {type(context).__name__}")
        if not isinstance(cosigner, Cosigner):
            raise SessionError(
                "cosigner must implement sign_session_transaction and sign_session_outside_execution "
                f"(the Cosigner protocol), got {type(cosigner).__name__}"
            )
        session = context.session
        super().__init__(
            address=session.address,
            client=client,
            signer=_SessionSigner(context.session_public_key if context.session_public_key is not None
                                  else context.session_signer.guid),
            chain=session.chain_id,
        )
        # Argent session accounts are Cairo 1: no get_class_at round trip
        self._cairo_version = 1  # type: ignore[assignment]
        self._context = context
        self._cosigner = cosigner
        self._allow_expired = bool(allow_expired)
        self._node_chain_checked = False

    def __repr__(self) -> str:
        return f"SessionAccount(address={to_hex(self.address)}, session_hash={to_hex(self._context.session_hash)})"

    @property
    def session(self) -> Session:
        """The session this account signs with."""
        return self._context.session

    @property
    def context(self) -> SessionContext:
        """The precomputed per-session data (session hash, proofs, cache flag)."""
        return self._context

    @property
    def cosigner(self) -> Cosigner:
        """The guardian that co-signs every transaction."""
        return self._cosigner

    # ------------------------------------------------------------------ invoke v3

    async def sign_invoke_v3(
        self,
        calls: Calls,
        *,
        nonce: Optional[int] = None,
        resource_bounds: Optional[ResourceBoundsMapping] = None,
        auto_estimate: bool = False,
        tip: Optional[int] = None,
        auto_estimate_tip: bool = False,
        proof_facts: Optional[List[int]] = None,
        proof: Optional[str] = None,
        now: Optional[float] = None,
    ) -> InvokeV3:
        """Build and session-sign an INVOKE v3 transaction (starknet-py ``Account.sign_invoke_v3``).

        ``calls`` are starknet-py ``Call`` objects or starknet.js dicts
        ``{contractAddress, entrypoint, calldata}``. With ``auto_estimate=True`` the fee estimate
        request is session-signed too (query version). ``now``: the time the session's expiry is
        checked against (``None``: the wall clock).

        :raises SessionExpired: the session expired (nothing signed or sent).
        :raises TransactionError: malformed calls.
        :raises PolicyViolation: a call the session does not allow (nothing signed or sent).
        :raises SessionError: the node serves another chain than the session's.
        :raises CosignerError: the guardian failed (nothing is sent).
        """
        # pylint: disable=too-many-arguments
        self._context.check_not_expired(now=now, allow_expired=self._allow_expired)
        normalized = normalize_calls(calls)
        proofs = self._proofs(normalized)
        await self._check_node_chain()
        transaction = await self._prepare_invoke_v3(
            normalized,
            resource_bounds=resource_bounds,
            nonce=nonce,
            auto_estimate=auto_estimate,
            tip=tip,
            auto_estimate_tip=auto_estimate_tip,
            proof_facts=proof_facts,
            proof=proof,
        )
        signature = await self._session_signature(transaction, proofs)
        return dataclasses.replace(transaction, signature=signature)

    async def sign_for_fee_estimate(  # type: ignore[override]
        self, transaction: AccountTransaction, *, now: Optional[float] = None
    ) -> AccountTransaction:
        """Session-sign ``transaction`` with the query version ``2**128 + 3`` for fee estimation.

        :raises SessionExpired: the session expired at ``now`` (``None``: the wall clock).
        :raises SessionError: not an INVOKE v3 transaction.
        :raises PolicyViolation: its calls are not allowed by the session.
        :raises CosignerError: the guardian failed.
        """
        self._context.check_not_expired(now=now, allow_expired=self._allow_expired)
        if not isinstance(transaction, InvokeV3):
            raise SessionError(f"a session can only sign INVOKE v3 transactions, got {type(transaction).__name__}")
        proofs = self._proofs(parse_execute_calldata(transaction.calldata))
        version = transaction.version
        if version < QUERY_VERSION_BASE:
            version += QUERY_VERSION_BASE
        query = dataclasses.replace(transaction, version=version)
        signature = await self._session_signature(query, proofs)
        return dataclasses.replace(query, signature=signature)

    # ------------------------------------------------------------------ outside execution (SNIP-9)

    async def sign_outside_execution_call(
        self,
        calls: Calls,
        execution_time_bounds: OutsideExecutionTimeBounds,
        *,
        caller: AddressRepresentation = ANY_CALLER,
        nonce: Optional[int] = None,
        interface_version: Optional[OutsideExecutionInterfaceID] = None,
        now: Optional[float] = None,
    ) -> Call:
        """The ``execute_from_outside_v2`` call (x-sessions ``createOutsideExecutionCall``) for a
        relayer to submit, session-signed and co-signed by the guardian (``/cosigner/signSessionEFO``).

        ``interface_version`` ``None`` means V2 (what x-sessions and Argent accounts >= 0.4 use; no
        node query); V1 signs the genuine SNIP-12 revision 0 message of ``execute_from_outside``.
        ``nonce`` ``None`` draws a random nonce checked on chain (starknet-py behaviour).

        :raises SessionExpired: the session expired at ``now`` (``None``: the wall clock), or
            ``execute_before`` is later than its expiry (nothing signed or sent).
        :raises PolicyViolation: a call the session does not allow (nothing signed or sent).
        :raises CosignerError: the guardian failed.
        """
        self._context.check_not_expired(now=now, allow_expired=self._allow_expired,
                                        execute_before=execution_time_bounds.execute_before_timestamp)
        raw_calls = [calls] if isinstance(calls, (Call, Mapping)) else list(calls)
        # policy checks before any request (SNIP-9: calldata optional)
        self._proofs(normalize_calls(raw_calls, require_calldata=False))
        v1 = interface_version == OutsideExecutionInterfaceID.V1
        version = "1" if v1 else "2"
        if nonce is None:
            nonce = await self.get_outside_execution_nonce()
        outside_execution = build_outside_execution(  # the raw calls keep the addresses' spelling
            raw_calls,
            caller=parse_address(caller),
            execute_after=execution_time_bounds.execute_after_timestamp,
            execute_before=execution_time_bounds.execute_before_timestamp,
            nonce=nonce,
        )
        signature = await sign_outside_execution_with_context(self._context, outside_execution, self._cosigner,
                                                              version=version, allow_expired=True)  # checked above
        return Call(
            to_addr=self.address,
            selector=selector_from_name_cached("execute_from_outside" if v1 else "execute_from_outside_v2"),
            calldata=outside_execution_calldata(outside_execution, signature),
        )

    # ------------------------------------------------------------------ unsupported

    async def sign_declare_v3(self, *args: Any, **kwargs: Any) -> Any:
        """Not possible with a session.

        :raises SessionError: always.
        """
        raise SessionError("a session cannot declare contract classes (only INVOKE v3 calls it allows)")

    async def sign_deploy_account_v3(self, *args: Any, **kwargs: Any) -> Any:
        """Not possible with a session.

        :raises SessionError: always.
        """
        raise SessionError("a session cannot deploy an account (only INVOKE v3 calls it allows)")

    def sign_message(self, typed_data: Any) -> List[int]:
        """Not possible: a session key only signs session transactions.

        :raises SessionError: always.
        """
        raise SessionError("a session key cannot sign arbitrary messages (SNIP-12 typed data)")

    def verify_message(self, typed_data: Any, signature: List[int]) -> bool:
        """Not meaningful for a session account (the account's signers are its owner and guardian).

        :raises SessionError: always.
        """
        raise SessionError("verify a message with the account's owner key or is_valid_signature, not a session")

    # ------------------------------------------------------------------ internals

    def _proofs(self, calls: List[Call]) -> List[int]:
        for call in calls:
            if call.to_addr == self.address:
                raise PolicyViolation(
                    f"call to the account itself ({to_hex(self.address)}, selector {to_hex(call.selector)}): "
                    "the Argent account rejects it in a session (argent/no-multicall-to-self)"
                )
        return self._context.proofs_felts(calls)

    async def _check_node_chain(self) -> None:
        """Once per account: the node must serve the session's chain (the session hash binds it)."""
        if self._node_chain_checked:
            return
        node_chain = parse_chain(await self._client.get_chain_id())
        if node_chain != self._context.session.chain_id:
            raise SessionError(
                f"the node serves chain {to_hex(node_chain)} but the session is for chain "
                f"{to_hex(self._context.session.chain_id)}"
            )
        self._node_chain_checked = True

    async def _session_signature(self, transaction: InvokeV3, proofs: List[int]) -> List[int]:
        ctx = self._context
        details = InvokeV3Value(
            sender_address=ctx.session.address_hex,
            calldata=transaction.calldata,
            nonce=transaction.nonce,
            resource_bounds=transaction.resource_bounds,
            tip=transaction.tip,
            paymaster_data=transaction.paymaster_data,
            account_deployment_data=transaction.account_deployment_data,
            nonce_da_mode=transaction.nonce_data_availability_mode,
            fee_da_mode=transaction.fee_data_availability_mode,
            version=transaction.version,
            proof_facts=transaction.proof_facts or (),
            chain_id=ctx.session.chain_id,
        )
        tx_hash = details.transaction_hash
        return await ctx.sign_with_cosigner(
            tx_hash, proofs,
            lambda info: self._cosigner.sign_session_transaction(GuardianTransactionRequest(info, tx_hash, details)))


def build_session_account(
    session: Session,
    session_key: AnySessionKey | None,
    client: Client,
    cosigner: Cosigner,
    options: SigningOptions | None = None,
    *,
    allow_expired: bool = False,
    **deprecated: Any,
) -> SessionAccount:
    """x-sessions ``buildSessionAccount``: a starknet-py account that signs with the session.

    :param session: the authorised :class:`Session` (its hash must match its fields).
    :param session_key: the session's signing key (``None``: ``session.session_key``).
    :param client: a starknet-py client (``FullNodeClient``) for the session's chain.
    :param cosigner: the guardian, e.g. :class:`~xsessions_core.sessions.argent_cosigner.ArgentCosigner`.
    :param options: the :class:`~xsessions_core.sessions.context.SigningOptions` (cache flag, account
        version, owner); ``cache_authorization``, ``account_version`` and ``owner_guid`` are their
        deprecated spellings.
    :param allow_expired: sign even once the session expired (by default ``execute_v3`` and every
        ``sign_*`` method raise :class:`~xsessions_core.errors.SessionExpired`).
    :raises SessionError: inconsistent session, key not matching it, bad cache options, bad cosigner.
    """
    options = signing_options(options, "build_session_account", deprecated)
    context = SessionContext(session, session_key, options)
    return SessionAccount(context=context, client=client, cosigner=cosigner, allow_expired=allow_expired)
