"""The ``@argent/x-sessions`` 9.0.4 session protocol (Argent account >= 0.4), offline core.

* :mod:`.objects` — the JSON objects (``Session``, ``SessionRequest``, ``AllowedMethod``...);
* :mod:`.session` — creating sessions, their typed data, hash, proofs and verification;
* :mod:`.token` — the session-token transaction signature, with a per-session :class:`SessionContext`;
* :mod:`.guardian` — the cosigner interface and :class:`LocalGuardian`;
* :mod:`.outside_execution` — SNIP-9 outside executions signed with a session;
* :mod:`.remote` — many transactions co-signed concurrently by a remote guardian;
* :mod:`.fee_limits` — the session metadata's ``txFees`` limits, enforced by the relayer.
"""

from .fee_limits import FeeLimits, PolicyVerdict, check_fee_limits
from .guardian import (
    SN_MAIN,
    Cosigner,
    GuardianOutsideExecutionRequest,
    GuardianSessionInfo,
    GuardianSignature,
    GuardianTransactionRequest,
    LocalGuardian,
    check_guardian_signature,
)
from .objects import (
    SESSION_VERSION,
    AllowedMethod,
    MetadataTxFee,
    OffChainSession,
    OnChainSession,
    Session,
    SessionKey,
    SessionMetadata,
    SessionRequest,
)
from .outside_execution import (
    ANY_CALLER,
    CALL_TYPE_HASH_REV_1,
    OUTSIDE_CALL_TYPE_HASH_REV_0,
    OUTSIDE_EXECUTION_TYPE_HASH_REV_0,
    OUTSIDE_EXECUTION_TYPE_HASH_REV_1,
    OutsideCall,
    OutsideExecution,
    build_outside_execution,
    create_outside_execution_call,
    get_outside_execution_typed_data,
    outside_execution_calldata,
    outside_execution_from_dict,
    outside_execution_message_hash,
    outside_execution_to_dict,
    sign_outside_execution,
    sign_outside_execution_with_context,
)
from .remote import sign_transactions_async
from .session import (
    ALLOWED_METHOD_HASH,
    MILLISECONDS_THRESHOLD,
    SESSION_DOMAIN_NAME,
    SESSION_MAGIC,
    SESSION_TYPE_HASH_REV_1,
    SESSION_TYPES,
    STARKNET_DOMAIN_TYPE_HASH_REV_1,
    STARKNET_MESSAGE,
    STARKNET_SIGNER_TYPE,
    allowed_method_leaf,
    compile_session,
    create_offchain_session,
    create_session,
    create_session_request,
    get_session_domain,
    get_session_proofs,
    get_session_typed_data,
    metadata_to_json,
    owner_signature_from_authorisation,
    session_domain_hash,
    session_hash_from_onchain,
    session_merkle_tree,
    session_token_message_hash,
    starknet_signer_guid,
    verify_session,
)
from .token import (
    ACCOUNT_VERSIONS,
    SessionContext,
    build_session_signature,
    build_session_token,
    cache_flag_for,
    session_token_signature,
    sign_session_transaction,
)

__all__ = [
    # objects
    "SESSION_VERSION", "AllowedMethod", "MetadataTxFee", "OffChainSession", "OnChainSession", "Session",
    "SessionKey", "SessionMetadata", "SessionRequest",
    # session
    "ALLOWED_METHOD_HASH", "MILLISECONDS_THRESHOLD", "SESSION_DOMAIN_NAME", "SESSION_MAGIC",
    "SESSION_TYPE_HASH_REV_1", "SESSION_TYPES", "STARKNET_DOMAIN_TYPE_HASH_REV_1", "STARKNET_MESSAGE",
    "STARKNET_SIGNER_TYPE", "allowed_method_leaf", "compile_session", "create_offchain_session",
    "create_session", "create_session_request", "get_session_domain", "get_session_proofs",
    "get_session_typed_data", "metadata_to_json", "owner_signature_from_authorisation", "session_domain_hash",
    "session_hash_from_onchain", "session_merkle_tree", "session_token_message_hash", "starknet_signer_guid",
    "verify_session",
    # token
    "ACCOUNT_VERSIONS", "SessionContext", "build_session_signature", "build_session_token", "cache_flag_for",
    "session_token_signature", "sign_session_transaction",
    # guardian
    "SN_MAIN", "Cosigner", "GuardianOutsideExecutionRequest", "GuardianSessionInfo", "GuardianSignature",
    "GuardianTransactionRequest", "LocalGuardian", "check_guardian_signature",
    # outside execution
    "ANY_CALLER", "CALL_TYPE_HASH_REV_1", "OUTSIDE_CALL_TYPE_HASH_REV_0", "OUTSIDE_EXECUTION_TYPE_HASH_REV_0",
    "OUTSIDE_EXECUTION_TYPE_HASH_REV_1", "OutsideCall", "OutsideExecution", "build_outside_execution",
    "create_outside_execution_call", "get_outside_execution_typed_data", "outside_execution_calldata",
    "outside_execution_from_dict", "outside_execution_message_hash", "outside_execution_to_dict",
    "sign_outside_execution", "sign_outside_execution_with_context",
    # remote guardian, fee limits
    "sign_transactions_async", "FeeLimits", "PolicyVerdict", "check_fee_limits",
]
