"""The ``@argent/x-sessions`` 9.0.4 session protocol (Argent account >= 0.4), offline core.

* :mod:`.objects` — the JSON objects (``Session``, ``SessionRequest``, ``AllowedMethod``...);
* :mod:`.session` — creating sessions, their typed data, hash, proofs and verification;
* :mod:`.token` — the session-token transaction signature, with a per-session :class:`SessionContext`;
* :mod:`.guardian` — the cosigner interface and :class:`LocalGuardian`;
* :mod:`.outside_execution` — SNIP-9 outside executions signed with a session;
* :mod:`.account` — :func:`build_session_account`, a starknet-py ``Account`` that signs with a session;
* :mod:`.argent_cosigner` — :class:`ArgentCosigner`, the Argent guardian service over HTTP;
* :mod:`.remote` — many transactions co-signed concurrently by a remote guardian;
* :mod:`.fee_limits` — the session metadata's ``txFees`` limits, enforced by the relayer.

Every name below is importable from this package; its sub-module is loaded at first use, so
``import xsessions_core.sessions`` stays cheap and does not load starknet-py's network stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..chains import (
        SN_MAIN as SN_MAIN,
        SN_SEPOLIA as SN_SEPOLIA,
        parse_chain_id as parse_chain_id,
    )
    from ..session_token import (
        SESSION_MAGIC as SESSION_MAGIC,
    )
    from ..versions import (
        AccountVersion as AccountVersion,
    )
    from .account import (
        SessionAccount as SessionAccount,
        build_session_account as build_session_account,
    )
    from .argent_cosigner import (
        ARGENT_SESSION_SERVICE_BASE_URL as ARGENT_SESSION_SERVICE_BASE_URL,
        ArgentCosigner as ArgentCosigner,
        parse_guardian_signature as parse_guardian_signature,
    )
    from .fee_limits import (
        FeeLimits as FeeLimits,
        PolicyVerdict as PolicyVerdict,
        check_fee_limits as check_fee_limits,
    )
    from .remote import sign_transactions_async as sign_transactions_async
    from .guardian import (
        Cosigner as Cosigner,
        GuardianOutsideExecutionRequest as GuardianOutsideExecutionRequest,
        GuardianSessionInfo as GuardianSessionInfo,
        GuardianSignature as GuardianSignature,
        GuardianTransactionRequest as GuardianTransactionRequest,
        LocalGuardian as LocalGuardian,
        check_guardian_signature as check_guardian_signature,
    )
    from .objects import (
        SESSION_VERSION as SESSION_VERSION,
        AllowedMethod as AllowedMethod,
        AnySessionKey as AnySessionKey,
        MetadataTxFee as MetadataTxFee,
        OffChainSession as OffChainSession,
        OnChainSession as OnChainSession,
        Session as Session,
        SessionKey as SessionKey,
        SessionMetadata as SessionMetadata,
        SessionRequest as SessionRequest,
        private_key_from as private_key_from,
        session_signing_key as session_signing_key,
    )
    from .outside_execution import (
        ANY_CALLER as ANY_CALLER,
        CALL_TYPE_HASH_REV_1 as CALL_TYPE_HASH_REV_1,
        OUTSIDE_CALL_TYPE_HASH_REV_0 as OUTSIDE_CALL_TYPE_HASH_REV_0,
        OUTSIDE_EXECUTION_TYPE_HASH_REV_0 as OUTSIDE_EXECUTION_TYPE_HASH_REV_0,
        OUTSIDE_EXECUTION_TYPE_HASH_REV_1 as OUTSIDE_EXECUTION_TYPE_HASH_REV_1,
        OutsideCall as OutsideCall,
        OutsideExecution as OutsideExecution,
        build_outside_execution as build_outside_execution,
        create_outside_execution_call as create_outside_execution_call,
        get_outside_execution_typed_data as get_outside_execution_typed_data,
        outside_execution_calldata as outside_execution_calldata,
        outside_execution_from_dict as outside_execution_from_dict,
        outside_execution_message_hash as outside_execution_message_hash,
        outside_execution_to_dict as outside_execution_to_dict,
        sign_outside_execution as sign_outside_execution,
        sign_outside_execution_with_context as sign_outside_execution_with_context,
    )
    from .session import (
        ALLOWED_METHOD_HASH as ALLOWED_METHOD_HASH,
        MILLISECONDS_THRESHOLD as MILLISECONDS_THRESHOLD,
        SESSION_DOMAIN_NAME as SESSION_DOMAIN_NAME,
        SESSION_TYPE_HASH_REV_1 as SESSION_TYPE_HASH_REV_1,
        SESSION_TYPES as SESSION_TYPES,
        STARKNET_DOMAIN_TYPE_HASH_REV_1 as STARKNET_DOMAIN_TYPE_HASH_REV_1,
        STARKNET_MESSAGE as STARKNET_MESSAGE,
        STARKNET_SIGNER_TYPE as STARKNET_SIGNER_TYPE,
        AuthorizationFormError as AuthorizationFormError,
        allowed_method_leaf as allowed_method_leaf,
        authorization_signer_signatures as authorization_signer_signatures,
        check_authorization as check_authorization,
        check_not_expired as check_not_expired,
        compile_session as compile_session,
        create_offchain_session as create_offchain_session,
        create_session as create_session,
        create_session_request as create_session_request,
        get_session_domain as get_session_domain,
        get_session_proofs as get_session_proofs,
        get_session_typed_data as get_session_typed_data,
        metadata_to_json as metadata_to_json,
        owner_signature_from_authorization as owner_signature_from_authorization,
        session_domain_hash as session_domain_hash,
        session_hash_from_onchain as session_hash_from_onchain,
        session_merkle_tree as session_merkle_tree,
        session_token_message_hash as session_token_message_hash,
        sign_session_authorization as sign_session_authorization,
        signer_guid as signer_guid,
        starknet_signer_guid as starknet_signer_guid,
        verify_session as verify_session,
    )
    from .context import (
        ACCOUNT_VERSIONS as ACCOUNT_VERSIONS,
        SessionContext as SessionContext,
        SessionSignature as SessionSignature,
        SigningOptions as SigningOptions,
        build_session_signature as build_session_signature,
        build_session_token as build_session_token,
        cache_flag_for as cache_flag_for,
        session_token_signature as session_token_signature,
        sign_session_transaction as sign_session_transaction,
    )

#: Public name -> the module that defines it (relative to this package, or absolute).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "..chains": ("SN_MAIN", "SN_SEPOLIA", "parse_chain_id"),
    "..versions": ("AccountVersion",),
    ".objects": ("SESSION_VERSION", "AllowedMethod", "MetadataTxFee", "OffChainSession", "OnChainSession", "Session",
                 "SessionKey", "SessionMetadata", "SessionRequest", "private_key_from", "AnySessionKey",
                 "session_signing_key"),
    "..session_token": ("SESSION_MAGIC",),
    ".session": ("ALLOWED_METHOD_HASH", "MILLISECONDS_THRESHOLD", "SESSION_DOMAIN_NAME",
                 "SESSION_TYPE_HASH_REV_1", "SESSION_TYPES", "STARKNET_DOMAIN_TYPE_HASH_REV_1", "STARKNET_MESSAGE",
                 "STARKNET_SIGNER_TYPE", "allowed_method_leaf", "check_not_expired", "compile_session",
                 "create_offchain_session", "create_session", "create_session_request", "get_session_domain",
                 "get_session_proofs", "get_session_typed_data", "metadata_to_json",
                 "owner_signature_from_authorization", "session_domain_hash", "session_hash_from_onchain",
                 "session_merkle_tree", "session_token_message_hash", "starknet_signer_guid", "verify_session",
                 "AuthorizationFormError", "authorization_signer_signatures", "check_authorization",
                 "sign_session_authorization", "signer_guid"),
    ".context": ("ACCOUNT_VERSIONS", "SessionContext", "SessionSignature", "SigningOptions", "build_session_signature", "build_session_token",
               "cache_flag_for", "session_token_signature", "sign_session_transaction"),
    ".guardian": ("Cosigner", "GuardianOutsideExecutionRequest", "GuardianSessionInfo", "GuardianSignature",
                  "GuardianTransactionRequest", "LocalGuardian", "check_guardian_signature"),
    ".outside_execution": ("ANY_CALLER", "CALL_TYPE_HASH_REV_1", "OUTSIDE_CALL_TYPE_HASH_REV_0",
                           "OUTSIDE_EXECUTION_TYPE_HASH_REV_0", "OUTSIDE_EXECUTION_TYPE_HASH_REV_1", "OutsideCall",
                           "OutsideExecution", "build_outside_execution", "create_outside_execution_call",
                           "get_outside_execution_typed_data", "outside_execution_calldata",
                           "outside_execution_from_dict", "outside_execution_message_hash",
                           "outside_execution_to_dict", "sign_outside_execution",
                           "sign_outside_execution_with_context"),
    ".account": ("SessionAccount", "build_session_account"),
    ".argent_cosigner": ("ARGENT_SESSION_SERVICE_BASE_URL", "ArgentCosigner", "parse_guardian_signature"),
    ".remote": ("sign_transactions_async",),
    ".fee_limits": ("FeeLimits", "PolicyVerdict", "check_fee_limits"),
}
_DEPRECATED: dict[str, str] = {"owner_signature_from_authorisation": ".session"}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [name for names in _EXPORTS.values() for name in names]


def __getattr__(name: str) -> Any:
    """Load the sub-module that defines ``name`` at first use (deprecated aliases warn there)."""
    module = _WHERE.get(name) or _DEPRECATED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    if name in _WHERE:
        globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
