"""Offline verifier that reproduces the Argent account's verdicts on session transactions.

It runs, in the contract's order, every check ``__validate__`` / ``__execute__`` and
``execute_from_outside_v2`` make on a session signature (docs/protocol.md §6.7, §6.9), for the account
classes **0.4.0** and **0.5.0**, and returns the exact error string the account would raise
(``session/expired``, ``argent/no-multicall-to-self``, ``Index out of bounds``,
``Option::unwrap failed.`` ...). The reference is the Argent source (``session.cairo``,
``argent_account.cairo`` of both versions) and ``../vectors/contract_verdicts.json``.

Copied details that are easy to miss:

* ``__validate__`` sees the block timestamp rounded down to the hour, ``__execute__`` re-checks
  ``signature[1]`` (``expires_at``) against the exact timestamp;
* fee-estimation transactions (version ``2**128 + 3``, caller 0) make owner/guardian authorisation
  signatures always valid on both versions, and session/backend signatures on 0.5.0 only;
* Stark signatures are checked with Cairo's ``check_ecdsa_signature`` (scalars taken modulo the
  curve order), slightly more lenient than cairo-lang's ``verify``;
* the account's state (revoked sessions, cached authorisations, used outside nonces) is an input
  (:class:`AccountState`); the verifier never mutates it;
* the entry points deserialise their parameters first: calldata that does not decode, a call or
  outside-execution address ``>= 2**251`` or a ``u64`` out of range is ``Failed to deserialize
  param #1`` before any version, paymaster or signature check.

Hostile input: transaction felts are read as a node reads them (``0x`` hex without leading zeros,
or decimal; :class:`NodeRules` ``lenient_felts`` relaxes the hex spelling); a calldata or signature
over the node's limits gets a verdict in phase ``"node"`` before anything is hashed; a Merkle proof
longer than any x-sessions tree is judged without hashing; the memos are LRU and bounded in bytes
(:mod:`.cache`) and never decide a verdict: one verification pins what it read from them.

Signers of every kind (:mod:`xsessions_core.signers`): owners, guardians and session keys may be
Starknet, Secp256k1, Secp256r1, Eip191 or WebAuthn signers. Stark signatures are collected and
verified in one native batch (record, then replay: see :mod:`.pipeline`); the other kinds are
verified when the check reaches them by :meth:`~xsessions_core.signers.SignerSignature.verify`,
which gives the account's panics (``argent/malleable-signature``, ``webauthn/unverified-user``...).

The verifier's modules: :mod:`.types` (the values), :mod:`.parsing` (transactions, outside
executions, calldata), :mod:`.signatures` (signature checks and the native batch), :mod:`.memos`
(bounded memos), :mod:`.pipeline` (the checks in the account's order, record then replay); this
module keeps the single-item entry points and re-exports the names it has always offered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..deprecation import module_aliases
from ..sessions.fee_limits import FeeLimits
from ..sessions.outside_execution import ANY_CALLER
from .memos import clear_caches as clear_caches
from ..transactions import InvokeV3
from .parsing import (
    OutsideExecutionData,
    parse_execute_calls as parse_execute_calls,
    parse_invoke_v3,
    parse_outside_execution,
    tx_felt as tx_felt,
    tx_field as tx_field,
)
from .pipeline import (
    SessionCheck as SessionCheck,
    batch_items as batch_items,
    fee_limits_arg as fee_limits_arg,
    finish as finish,
    prepare_outside_executions as prepare_outside_executions,
    prepare_session_transactions as prepare_session_transactions,
    reserve_outside_nonces as reserve_outside_nonces,
    with_policy as with_policy,
)
from .signatures import cairo_ecdsa_args as cairo_ecdsa_args, resolve_signatures as resolve_signatures
from .types import (
    DEFAULT_NODE_RULES,
    DESERIALIZE_PARAM_1 as DESERIALIZE_PARAM_1,
    NOT_A_SESSION as NOT_A_SESSION,
    PHASE_EXECUTE as PHASE_EXECUTE,
    PHASE_NODE,
    PHASE_OUTSIDE as PHASE_OUTSIDE,
    PHASE_VALIDATE as PHASE_VALIDATE,
    REPLAYED_OR_IN_FLIGHT as REPLAYED_OR_IN_FLIGHT,
    AccountInfo,
    AccountState,
    NodeRules,
    RejectedInput,
    SignerArg as SignerArg,
    Verdict,
)

if TYPE_CHECKING:
    from .state import RelayerState

__all__ = [
    "AccountInfo",
    "AccountState",
    "NodeRules",
    "DEFAULT_NODE_RULES",
    "PHASE_NODE",
    "RejectedInput",
    "Verdict",
    "ANY_CALLER",
    "verify_session_transaction",
    "verify_outside_execution",
    "parse_invoke_v3",
    "parse_outside_execution",
    "OutsideExecutionData",
]


def verify_session_transaction(tx: object, *, account: AccountInfo, chain_id: int | str, block_timestamp: int,
                               state: AccountState | None = None, rules: NodeRules | None = None,
                               fee_limits: FeeLimits | None = None) -> Verdict:
    """Verdict of the Argent account on a session-signed INVOKE v3 transaction.

    :param tx: a JSON-RPC broadcast mapping (``sender_address, calldata, version, signature, nonce,
        resource_bounds, tip, paymaster_data, account_deployment_data,
        nonce_data_availability_mode, fee_data_availability_mode``; ints, or strings as a node
        accepts them: ``0x`` hex without leading zeros, or decimal) or a starknet-py ``InvokeV3``.
        The version may be 3 or the query version ``2**128 + 3`` (then ``query_only`` is set).
    :param account: the account (:class:`AccountInfo`); ``tx.sender_address`` must be its address.
    :param chain_id: chain id of the network.
    :param block_timestamp: timestamp of the block (``__validate__`` sees it rounded down to the hour).
    :param state: the account's relevant storage (:class:`AccountState`), empty by default.
    :param rules: the node's limits and felt spelling (:class:`NodeRules`, defaults of the sequencer).
    :param fee_limits: opt-in relayer policy (e.g. ``FeeLimits.from_session(session)``): the
        verdict's ``policy`` then tells whether the transaction's maximum fee is within them
        (:func:`~xsessions_core.sessions.fee_limits.check_fee_limits`); ``valid`` stays the contract's.
    :return: :class:`Verdict` with the account's exact error and phase (phase ``"node"`` for a
        calldata or signature over the node's limits).
    :raises TransactionError: malformed transaction, or ``sender_address`` is another account.
    :raises SessionError: bad arguments. A signature that is not a session token gives the verdict
        error :data:`NOT_A_SESSION`.
    """
    limits = fee_limits_arg(fee_limits)
    verdict = finish(prepare_session_transactions([tx], account=account, chain_id=chain_id,
                                                  block_timestamp=block_timestamp, state=state, rules=rules))[0]
    return verdict if limits is None else with_policy(verdict, tx, limits, rules)


def verify_outside_execution(outside_execution: object, signature: Sequence[object], *, account: AccountInfo,
                             chain_id: int | str, block_timestamp: int, caller_address: int | str,
                             state: AccountState | None = None, relayer_tx_version: int | str = 3,
                             rules: NodeRules | None = None, relayer_state: RelayerState | None = None,
                             reservation_ttl_ms: int = 60_000) -> Verdict:
    """Verdict of the Argent account on ``execute_from_outside_v2(outside_execution, signature)``.

    :param outside_execution: our :class:`~xsessions_core.sessions.outside_execution.OutsideExecution`,
        starknet-py's ``starknet_py.net.client_models.OutsideExecution``, or a mapping ``{caller,
        nonce, execute_after, execute_before, calls: [{to, selector, calldata}]}``.
    :param signature: the session-token signature (felts).
    :param caller_address: the address that calls ``execute_from_outside_v2`` (the relayer).
    :param relayer_tx_version: version of the relayer's transaction (fee estimation matters only
        when the caller is 0; a query version sets ``query_only``).
    :param rules: the node's limits and felt spelling (:class:`NodeRules`).
    :param relayer_state: a shared :class:`~.state.RelayerState`: an outside execution the account
        would accept is then valid only if its nonce could be reserved (``reservation_ttl_ms``);
        the caller submits it and confirms the nonce, or releases it. A nonce another instance
        holds gives :data:`REPLAYED_OR_IN_FLIGHT`.
    :return: :class:`Verdict` (phase ``"execute_from_outside_v2"`` on failure, ``"node"`` over the
        node's limits).
    """
    verdict = finish(prepare_outside_executions([(outside_execution, signature, caller_address)], account=account,
                                                chain_id=chain_id, block_timestamp=block_timestamp, state=state,
                                                relayer_tx_version=relayer_tx_version, rules=rules))[0]
    if relayer_state is None:
        return verdict
    return reserve_outside_nonces([verdict], [outside_execution], account=account, rules=rules,
                                  relayer_state=relayer_state, reservation_ttl_ms=reservation_ttl_ms)[0]


#: ``InvokeV3Data``: the former name of :class:`~xsessions_core.transactions.InvokeV3`, the value
#: :func:`parse_invoke_v3` returns.
__getattr__ = module_aliases(__name__, {"InvokeV3Data": ("use xsessions_core.transactions.InvokeV3", InvokeV3)})
