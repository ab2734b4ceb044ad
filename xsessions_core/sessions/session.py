"""Creating, hashing and checking x-sessions 9.0.4 sessions (npm ``@argent/x-sessions@9.0.4``).

The SNIP-12 typed data of a session is produced exactly as x-sessions produces it
(:func:`get_session_typed_data`), but hashes are computed with the direct Poseidon formulas of
the account contract (:func:`session_hash_from_onchain`) — the same numbers, without the typed-data
machinery, with the domain hash cached per chain id.

Differences from x-sessions, on purpose:

* **Expiry in seconds.** x-sessions' default expiry is ``Date.now() + 10000`` — *milliseconds* — which
  makes a session that never expires in practice. Here ``expires_at`` is required, and a value
  above ``10**11`` (year 5138 in seconds, but 1973 in milliseconds) raises
  :class:`~xsessions_core.errors.SessionError` unless ``allow_milliseconds=True``.
* **Hex selectors** in allowed methods are used by value in both the leaf and the typed data
  (see :mod:`.objects`), so the root matches the signed typed data.
* **Proof lookup** compares contract address *and selector* by value (x-sessions compares the
  entrypoint *name* string); a call with no allowed method raises
  :class:`~xsessions_core.errors.PolicyViolation` naming it (x-sessions: "leaf not found").
* :func:`verify_session` really verifies: the hash against the session fields, the chain and the
  account, and the owner's signature in the authorization (x-sessions only compares ``hash``).
"""

from __future__ import annotations

import copy
import json
import time
import warnings
from functools import lru_cache
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..chains import parse_chain_id
from ..crypto import backend_module, verify_message_signature
from ..encoding import byte_array_hash, to_hex
from ..errors import EncodingError, PolicyViolation, SessionError, SessionExpired, describe_value
from ..merkle import HashMethod, MerkleTree
from ..transactions import normalize_calls
from .objects import (
    AllowedMethod,
    OffChainSession,
    OnChainSession,
    Session,
    SessionKey,
    SessionMetadata,
    SessionRequest,
    deprecated_keywords,
    felt_of,
    felts_of,
    parse_allowed_methods,
)

__all__ = [
    "ALLOWED_METHOD_HASH",
    "SESSION_TYPE_HASH_REV_1",
    "STARKNET_DOMAIN_TYPE_HASH_REV_1",
    "SESSION_MAGIC",
    "STARKNET_SIGNER_TYPE",
    "STARKNET_MESSAGE",
    "SESSION_DOMAIN_NAME",
    "SESSION_TYPES",
    "MILLISECONDS_THRESHOLD",
    "allowed_method_leaf",
    "starknet_signer_guid",
    "session_domain_hash",
    "session_hash_from_onchain",
    "session_token_message_hash",
    "metadata_to_json",
    "get_session_domain",
    "get_session_typed_data",
    "create_offchain_session",
    "create_session_request",
    "create_session",
    "compile_session",
    "get_session_proofs",
    "session_proofs_by_method",
    "call_not_allowed",
    "session_merkle_tree",
    "owner_signature_from_authorization",
    "verify_session",
    "wall_clock",
    "check_not_expired",
]

#: ``sk('"Allowed Method"("Contract Address":"ContractAddress","selector":"selector")')``.
ALLOWED_METHOD_HASH = 0x38BB0EAADED40FFD0FFD2995E2B7603EE76746158C2F7CD494F201D4CA16A86
#: ``sk('"Session"("Expires At":"timestamp","Allowed Methods":"merkletree","Metadata":"string","Session Key":"felt")')``.
SESSION_TYPE_HASH_REV_1 = 0x2A7D1ECDF754B100D735189F4969485656C828BFCB863A154C61199CAA02434
#: Type hash of the SNIP-12 revision 1 ``StarknetDomain``.
STARKNET_DOMAIN_TYPE_HASH_REV_1 = 0x1FF2F602E42168014D405A94F75E8A93D640751D71D16311266E140D8B0A210
#: ``ss("session-token")``: first felt of a session transaction signature.
SESSION_MAGIC = 0x73657373696F6E2D746F6B656E
#: ``ss("Starknet Signer")``: prefix of a Starknet signer GUID.
STARKNET_SIGNER_TYPE = 0x537461726B6E6574205369676E6572
#: ``ss("StarkNet Message")``: first element of every SNIP-12 message hash.
STARKNET_MESSAGE = 0x537461726B4E6574204D657373616765
SESSION_DOMAIN_NAME = "SessionAccount.session"
_SESSION_DOMAIN_NAME_FELT = 0x53657373696F6E4163636F756E742E73657373696F6E  # ss(SESSION_DOMAIN_NAME)
_SESSION_DOMAIN_VERSION_FELT = 0x31  # ss("1"): the domain version is written "0x31"
#: Expiry values above this look like milliseconds (see the module note).
MILLISECONDS_THRESHOLD = 10**11
_MAX_SAFE_INTEGER = 2**53 - 1

#: x-sessions ``sessionTypes``.
SESSION_TYPES: dict[str, list[dict[str, str]]] = {
    "StarknetDomain": [
        {"name": "name", "type": "shortstring"},
        {"name": "version", "type": "shortstring"},
        {"name": "chainId", "type": "shortstring"},
        {"name": "revision", "type": "shortstring"},
    ],
    "Allowed Method": [
        {"name": "Contract Address", "type": "ContractAddress"},
        {"name": "selector", "type": "selector"},
    ],
    "Session": [
        {"name": "Expires At", "type": "timestamp"},
        {"name": "Allowed Methods", "type": "merkletree", "contains": "Allowed Method"},
        {"name": "Metadata", "type": "string"},
        {"name": "Session Key", "type": "felt"},
    ],
}


# --------------------------------------------------------------------------- contract helpers

def allowed_method_leaf(contract_address: int, selector: int) -> int:
    """Merkle leaf of an allowed method: ``pos_many([ALLOWED_METHOD_HASH, contract, selector])``."""
    return backend_module().poseidon_many(
        [ALLOWED_METHOD_HASH, felt_of(contract_address, "contract_address"), felt_of(selector, "selector")]
    )


def starknet_signer_guid(public_key: int) -> int:
    """GUID of a Starknet signer: ``pos(ss("Starknet Signer"), public_key)`` (2-input Poseidon)."""
    return backend_module().poseidon(STARKNET_SIGNER_TYPE, felt_of(public_key, "public_key"))


def session_domain_hash(chain_id: int | str) -> int:
    """Struct hash of the session domain ``{SessionAccount.session, "0x31", chain_id, revision 1}``.

    ``chain_id``: anything :func:`~xsessions_core.chains.parse_chain_id` accepts (``"SN_MAIN"``...).
    """
    return _domain_hash(parse_chain_id(chain_id, "chain_id", SessionError))


@lru_cache(maxsize=64)
def _domain_hash(chain_id: int) -> int:
    return backend_module().poseidon_many(
        [STARKNET_DOMAIN_TYPE_HASH_REV_1, _SESSION_DOMAIN_NAME_FELT, _SESSION_DOMAIN_VERSION_FELT, chain_id, 1]
    )


def session_hash_from_onchain(onchain: OnChainSession, account_address: int | str, chain_id: int | str) -> int:
    """``Session.hash`` from the on-chain session fields — what the account computes
    (argentlabs/argent-contracts-starknet, tag ``account-0.4.0``, ``src/session/session_hash.cairo``)."""
    if not isinstance(onchain, OnChainSession):
        raise SessionError(f"onchain must be an OnChainSession, got {type(onchain).__name__}")
    b = backend_module()
    struct = b.poseidon_many([SESSION_TYPE_HASH_REV_1, *onchain.felts()])
    return b.poseidon_many(
        [STARKNET_MESSAGE, session_domain_hash(chain_id),
         felt_of(account_address, "account_address"), struct]
    )


def session_token_message_hash(message_hash: int, session_hash: int, cache_authorization: bool | int) -> int:
    """What the session key and the guardian sign: ``pos_many([message_hash, session_hash, flag])``.

    ``message_hash`` is the invoke v3 transaction hash, or the SNIP-9 message hash of an outside
    execution. ``cache_authorization`` is the felt at signature offset 5: ``False``/``True``
    (account 0.4: 0/1) or an owner GUID (account 0.5).
    """
    flag = int(cache_authorization) if isinstance(cache_authorization, bool) else cache_authorization
    return backend_module().poseidon_many(
        [felt_of(message_hash, "message_hash"), felt_of(session_hash, "session_hash"), felt_of(flag, "cache flag")]
    )


# --------------------------------------------------------------------------- metadata

def _check_json(value: object, path: str) -> None:
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if abs(value) > _MAX_SAFE_INTEGER:
            raise SessionError(f"{path} = {describe_value(value)} is not exactly representable in JavaScript; use a string")
        return
    if isinstance(value, float):
        raise SessionError(f"{path} is a float; JSON.stringify formats numbers differently, use a string or int")
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str):
                raise SessionError(f"{path} has a non-string key {k!r}")
            _check_json(v, f"{path}.{k}")
        return
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_json(v, f"{path}[{i}]")
        return
    raise SessionError(f"{path} of type {type(value).__name__} cannot be serialised to JSON")


def metadata_to_json(metadata: object) -> str:
    """``JSON.stringify(metaData)`` byte for byte: no spaces, keys in the given order, non-ASCII kept.

    ``metadata`` is a :class:`SessionMetadata` or any JSON value (a ``str`` is serialised as a JSON
    string, as x-sessions does). Floats and ints beyond 2**53 are refused (JS would print them
    differently). A session received from a JS dapp keeps its metadata *string*; never re-serialise it.
    """
    if isinstance(metadata, SessionMetadata):
        metadata = metadata.to_dict()
    _check_json(metadata, "metadata")
    return json.dumps(metadata, separators=(",", ":"), ensure_ascii=False)


#: Longest metadata string hashed (bounds the work; real metadata is a few hundred bytes).
MAX_METADATA_LENGTH = 65536


def _metadata_hash(metadata: str) -> int:
    if isinstance(metadata, str) and len(metadata) > MAX_METADATA_LENGTH:
        raise SessionError(f"metadata is {len(metadata)} characters; at most {MAX_METADATA_LENGTH} are hashed")
    try:
        return byte_array_hash(metadata, "metadata")
    except EncodingError as exc:
        raise SessionError(f"metadata cannot be hashed: {exc}") from None


# --------------------------------------------------------------------------- typed data

def get_session_domain(chain_id: int | str) -> dict[str, str]:
    """x-sessions ``getSessionDomain``: ``{name, version: "0x31", chainId (hex), revision: "1"}``."""
    return {
        "name": SESSION_DOMAIN_NAME,
        "version": "0x31",
        "chainId": to_hex(parse_chain_id(chain_id, "chain_id", SessionError)),
        "revision": "1",
    }


def get_session_typed_data(offchain_session: OffChainSession | Session, chain_id: int | str) -> dict[str, Any]:
    """x-sessions ``getSessionTypedData``: the SNIP-12 rev 1 object the wallet signs."""
    off = _offchain(offchain_session)
    return {
        "types": copy.deepcopy(SESSION_TYPES),
        "primaryType": "Session",
        "domain": get_session_domain(chain_id),
        "message": {
            "Expires At": off.expires_at,
            "Allowed Methods": [m.to_dict() for m in off.allowed_methods],
            "Metadata": off.metadata,
            "Session Key": to_hex(off.session_key_guid),
        },
    }


def _offchain(value: object) -> OffChainSession:
    if isinstance(value, OffChainSession):
        return value
    if isinstance(value, Session):
        return value.offchain_session
    raise SessionError(f"expected an OffChainSession or a Session, got {type(value).__name__}")


# --------------------------------------------------------------------------- creation

def _expires_at(value: object, allow_milliseconds: bool) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SessionError(f"expires_at must be an int (seconds since the epoch), got {type(value).__name__}")
    if value > MILLISECONDS_THRESHOLD and not allow_milliseconds:
        raise SessionError(
            f"expires_at = {describe_value(value)} looks like milliseconds (> {MILLISECONDS_THRESHOLD}); the account "
            "compares it with the block time in seconds. Pass seconds, or allow_milliseconds=True"
        )
    return int(value)


def create_offchain_session(
    allowed_methods: Iterable[AllowedMethod | Mapping[str, Any]],
    expires_at: int,
    metadata: object,
    session_key_public: int,
    *,
    allow_milliseconds: bool = False,
) -> OffChainSession:
    """x-sessions ``createOffchainSession``: ``metadata`` is JSON-serialised (:func:`metadata_to_json`).

    :raises SessionError: empty or malformed methods, a millisecond-looking expiry, metadata that is
        not JSON-serialisable exactly as JavaScript would, or non-ASCII metadata (not hashable, as in JS).
    """
    metadata_json = metadata_to_json(metadata)
    _metadata_hash(metadata_json)  # fail now, not at signing time, on non-ASCII metadata
    return OffChainSession(
        expires_at=_expires_at(expires_at, allow_milliseconds),
        allowed_methods=parse_allowed_methods(allowed_methods),
        metadata=metadata_json,
        session_key_guid=starknet_signer_guid(session_key_public),
    )


def create_session_request(
    chain_id: int | str,
    session_key: SessionKey,
    allowed_methods: Iterable[AllowedMethod | Mapping[str, Any]],
    expires_at: int,
    metadata: object,
    *,
    allow_milliseconds: bool = False,
) -> SessionRequest:
    """x-sessions ``createSessionRequest``: the typed data to have signed by the wallet, and its parts."""
    if not isinstance(session_key, SessionKey):
        raise SessionError(f"session_key must be a SessionKey, got {type(session_key).__name__}")
    off = create_offchain_session(allowed_methods, expires_at, metadata, session_key.public_key,
                                  allow_milliseconds=allow_milliseconds)
    return SessionRequest(get_session_typed_data(off, chain_id), off, session_key)


@deprecated_keywords(authorisation_signature="authorization_signature")
def create_session(
    address: int | str,
    authorization_signature: Sequence[int | str],
    session_request: SessionRequest,
    chain_id: int | str,
) -> Session:
    """x-sessions ``createSession``: assemble the :class:`Session` from the wallet's signature.

    ``authorization_signature`` is the owner's signature of ``session_request.typed_data`` (what
    ``account.signMessage`` returns in the browser); ``chain_id`` anything
    :func:`~xsessions_core.chains.parse_chain_id` accepts.

    The hash is the message hash of ``session_request.typed_data`` for ``address``; the typed data
    must be the one derived from ``session_request.offchain_session`` and ``chain_id``.

    :raises SessionError: typed data inconsistent with the off-chain session or the chain.
    """
    if not isinstance(session_request, SessionRequest):
        raise SessionError(f"session_request must be a SessionRequest, got {type(session_request).__name__}")
    off = session_request.offchain_session
    if session_request.typed_data != get_session_typed_data(off, chain_id):
        raise SessionError("session_request.typed_data does not match its offchain_session and chain_id")
    chain = parse_chain_id(chain_id, "chain_id", SessionError)
    account = felt_of(address, "address")
    onchain = compile_session(off)
    return Session(
        authorization_signature=felts_of(authorization_signature, "authorization_signature"),
        address=account,
        address_text=address if isinstance(address, str) else None,
        chain_id=chain,
        hash=session_hash_from_onchain(onchain, account, chain),
        expires_at=off.expires_at,
        allowed_methods=off.allowed_methods,
        metadata=off.metadata,
        session_key_guid=off.session_key_guid,
        session_key=session_request.session_key,
    )


# --------------------------------------------------------------------------- compile, proofs

def _leaves(off: OffChainSession) -> list[int]:
    return backend_module().poseidon_many_batch(
        [[ALLOWED_METHOD_HASH, m.contract_address, m.selector_value] for m in off.allowed_methods]
    )


def session_merkle_tree(offchain_or_session: OffChainSession | Session) -> MerkleTree:
    """The Poseidon Merkle tree of the allowed-method leaves."""
    return MerkleTree(_leaves(_offchain(offchain_or_session)), HashMethod.POSEIDON)


def compile_session(offchain_or_session: OffChainSession | Session) -> OnChainSession:
    """x-sessions ``compileSessionHelper``: the on-chain session (root of the leaves, metadata hash)."""
    off = _offchain(offchain_or_session)
    return OnChainSession(
        expires_at=off.expires_at,
        allowed_methods_root=session_merkle_tree(off).root,
        metadata_hash=_metadata_hash(off.metadata),
        session_key_guid=off.session_key_guid,
    )


def session_proofs_by_method(offchain_or_session: OffChainSession | Session) -> dict[tuple[int, int], list[int]]:
    """``(contract, selector) -> Merkle proof`` of the **first** allowed method with those values."""
    off = _offchain(offchain_or_session)
    tree = session_merkle_tree(off)
    proofs: dict[tuple[int, int], list[int]] = {}
    for i, m in enumerate(off.allowed_methods):
        key = (m.contract_address, m.selector_value)
        if key not in proofs:
            proofs[key] = tree.get_proof(tree.leaves[i])
    return proofs


def call_not_allowed(contract: int, selector: int) -> PolicyViolation:
    """The :class:`~xsessions_core.errors.PolicyViolation` for a call no allowed method covers."""
    return PolicyViolation(
        f"call not allowed by the session: contract {to_hex(contract)}, selector {to_hex(selector)}"
    )


def get_session_proofs(offchain_or_session: OffChainSession | Session, calls: object) -> list[list[int]]:
    """x-sessions ``getSessionProofs``: the Merkle proof of each call's allowed method, in call order.

    :raises PolicyViolation: a call whose (contract, selector) no allowed method covers.
    """
    by_method = session_proofs_by_method(offchain_or_session)
    proofs = []
    for call in normalize_calls(calls, require_calldata=False):
        proof = by_method.get((call.to_addr, call.selector))
        if proof is None:
            raise call_not_allowed(call.to_addr, call.selector)
        proofs.append(list(proof))
    return proofs


# --------------------------------------------------------------------------- verification

def owner_signature_from_authorization(authorization: Sequence[int]) -> tuple[int | None, int, int] | None:
    """The owner's ``(public_key or None, r, s)`` in a session authorization signature.

    Concise form (2 or 4 felts): ``[r, s]`` / ``[r, s, gr, gs]`` → ``(None, r, s)``. Full form:
    ``[n, 0, pubkey, r, s, ...]`` → the first signer, which must be a Starknet signer (variant 0).
    ``None`` when the array cannot be parsed.
    """
    a = list(authorization)
    if len(a) in (2, 4):
        return None, a[0], a[1]
    if len(a) >= 5 and a[0] >= 1 and a[1] == 0:
        return a[2], a[3], a[4]
    return None


def verify_session(session: Session, owner_public_key: int | str, guardian_public_key: int | str | None = None) -> bool:
    """True iff the session is what its owner authorized.

    Checks that ``session.hash`` is the hash of the session fields for ``session.address`` and
    ``session.chain_id``; that the session key (if present) matches ``session_key_guid``; that the
    owner part of ``authorization_signature`` is a valid signature of the hash by
    ``owner_public_key`` (concise ``[r, s(, gr, gs)]`` or full ``[n, 0, pubkey, r, s, ...]`` form,
    whose pubkey must be the owner's); and, if ``guardian_public_key`` is given, that the concise
    form's second pair (or the full form's second Starknet signer) is the guardian's signature.

    :raises SessionError: if ``session`` is not a :class:`Session` or a key is not a felt.
    """
    if not isinstance(session, Session):
        raise SessionError(f"session must be a Session, got {type(session).__name__}")
    owner = felt_of(owner_public_key, "owner_public_key")
    guardian = None if guardian_public_key is None else felt_of(guardian_public_key, "guardian_public_key")
    try:
        onchain = compile_session(session)
    except SessionError:
        return False
    h = session.hash
    if session_hash_from_onchain(onchain, session.address, session.chain_id) != h:
        return False
    if session.session_key is not None and starknet_signer_guid(session.session_key.public_key) != session.session_key_guid:
        return False
    a = session.authorization_signature
    parsed = owner_signature_from_authorization(a)
    if parsed is None:
        return False
    pub, r, s = parsed
    if pub is not None and pub != owner:
        return False
    if not _valid(h, r, s, owner):
        return False
    if guardian is None:
        return True
    if len(a) == 4:
        return _valid(h, a[2], a[3], guardian)
    if len(a) == 9 and a[0] == 2 and a[5] == 0 and a[6] == guardian:
        return _valid(h, a[7], a[8], guardian)
    return False


def _valid(msg: int, r: int, s: int, pub: int) -> bool:
    return verify_message_signature(msg, (r, s), pub)


# --------------------------------------------------------------------------- expiry

def wall_clock() -> float:
    """The time :func:`check_not_expired` uses when no ``now`` is given: ``time.time()``."""
    return time.time()


def check_not_expired(expires_at: int, *, now: int | float | None = None, allow_expired: bool = False,
                      execute_before: int | None = None) -> None:
    """Raise :class:`~xsessions_core.errors.SessionExpired` if a session expiring at ``expires_at`` cannot
    sign at ``now``: the account rejects a session whose ``expires_at`` is not after the block time
    (argentlabs/argent-contracts-starknet, ``src/session/session.cairo``: ``session/expired``).

    :param now: Unix time in seconds (e.g. the block time); ``None``: :func:`wall_clock`.
    :param allow_expired: skip the check (signing for a test node whose clock is in the past...).
    :param execute_before: for an outside execution, its ``execute_before``: it may not be later than
        ``expires_at`` (the account would reject it once the session expired).
    :raises SessionExpired: expired session, or an outside execution outliving it.
    :raises SessionError: ``now`` is not a number.
    """
    if allow_expired:
        return
    if isinstance(expires_at, bool) or not isinstance(expires_at, int):
        raise SessionError(f"expires_at must be an int (Unix time), got {type(expires_at).__name__}")
    if execute_before is not None and (isinstance(execute_before, bool) or not isinstance(execute_before, int)):
        raise SessionError(f"execute_before must be an int (Unix time), got {type(execute_before).__name__}")
    if now is None:
        now = wall_clock()
    elif isinstance(now, bool) or not isinstance(now, (int, float)) or now != now:
        raise SessionError(f"now must be a Unix time in seconds (int or float), got {type(now).__name__}")
    if expires_at <= now:
        raise SessionExpired(
            f"the session expired at {expires_at} (Unix time), not after now = {int(now)}: the account would "
            "reject it; pass now= (the block time) or allow_expired=True to sign anyway"
        )
    if execute_before is not None and execute_before > expires_at:
        raise SessionExpired(
            f"the outside execution's execute_before ({execute_before}) is later than the session's "
            f"expires_at ({expires_at}); the account rejects it once the session expired"
        )


def __getattr__(name: str) -> object:
    if name == "owner_signature_from_authorisation":
        warnings.warn("owner_signature_from_authorisation is deprecated; use owner_signature_from_authorization",
                      DeprecationWarning, stacklevel=2)
        return owner_signature_from_authorization
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
