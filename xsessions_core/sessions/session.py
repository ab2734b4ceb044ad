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
from functools import lru_cache
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..chains import parse_chain_id
from ..crypto import unchecked, verify_message_signature
from ..encoding import byte_array_hash, to_hex
from ..errors import EncodingError, PolicyViolation, SessionError, SessionExpired, describe_value
from ..merkle import HashMethod, MerkleTree
from ..signers import Signer, SignerError, SignerPanic, SignerSignature, SigningKey, StarknetSigner, WebauthnSignature
from ..transactions import normalize_calls
from ..deprecation import deprecated_keywords, module_aliases
from ..versions import AccountVersion, UnsupportedAccountVersion
from .objects import (
    AllowedMethod,
    AnySessionKey,
    OffChainSession,
    OnChainSession,
    Session,
    SessionKey,
    SessionMetadata,
    SessionRequest,
    felt_of,
    felts_of,
    parse_allowed_methods,
    session_signing_key,
)

__all__ = [
    "ALLOWED_METHOD_HASH",
    "SESSION_TYPE_HASH_REV_1",
    "STARKNET_DOMAIN_TYPE_HASH_REV_1",
    "STARKNET_SIGNER_TYPE",
    "STARKNET_MESSAGE",
    "SESSION_DOMAIN_NAME",
    "SESSION_TYPES",
    "MILLISECONDS_THRESHOLD",
    "allowed_method_leaf",
    "starknet_signer_guid",
    "signer_guid",
    "AuthorizationFormError",
    "authorization_signer_signatures",
    "check_authorization",
    "sign_session_authorization",
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
    return unchecked.poseidon_many(
        [ALLOWED_METHOD_HASH, felt_of(contract_address, "contract_address"), felt_of(selector, "selector")]
    )


def starknet_signer_guid(public_key: int) -> int:
    """GUID of a Starknet signer: ``pos(ss("Starknet Signer"), public_key)`` (2-input Poseidon)."""
    return unchecked.poseidon(STARKNET_SIGNER_TYPE, felt_of(public_key, "public_key"))


#: A signer as the session functions take it: a Stark public key (int or hex string), a
#: :class:`~xsessions_core.signers.Signer` or a signing key (its ``.signer``).
SignerLike = int | str | Signer | SessionKey | SigningKey


def signer_guid(value: SignerLike, name: str = "signer") -> int:
    """The GUID the account stores for ``value``: a Stark public key (int or hex string: the
    ``Starknet`` signer), a :class:`~xsessions_core.signers.Signer`, or a signing key's ``.signer``.

    :raises SessionError: anything else (the message names ``name``).
    """
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return starknet_signer_guid(felt_of(value, name))
    if isinstance(value, SessionKey):
        return starknet_signer_guid(value.public_key)
    return _signer(value, name).guid


def _signer(value: object, name: str) -> Signer:
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return StarknetSigner(felt_of(value, name))
    if isinstance(value, Signer):
        return value
    if isinstance(value, SessionKey) or (isinstance(value, SigningKey) and not isinstance(value, type)):
        return value.signer
    raise SessionError(f"{name} must be a Stark public key, a Signer or a signing key, got {type(value).__name__}")


def session_domain_hash(chain_id: int | str) -> int:
    """Struct hash of the session domain ``{SessionAccount.session, "0x31", chain_id, revision 1}``.

    ``chain_id``: anything :func:`~xsessions_core.chains.parse_chain_id` accepts (``"SN_MAIN"``...).
    """
    return _domain_hash(parse_chain_id(chain_id, "chain_id", SessionError))


@lru_cache(maxsize=64)
def _domain_hash(chain_id: int) -> int:
    return unchecked.poseidon_many(
        [STARKNET_DOMAIN_TYPE_HASH_REV_1, _SESSION_DOMAIN_NAME_FELT, _SESSION_DOMAIN_VERSION_FELT, chain_id, 1]
    )


def session_hash_from_onchain(onchain: OnChainSession, account_address: int | str, chain_id: int | str) -> int:
    """``Session.hash`` from the on-chain session fields — what the account computes
    (argentlabs/argent-contracts-starknet, tag ``account-0.4.0``, ``src/session/session_hash.cairo``)."""
    if not isinstance(onchain, OnChainSession):
        raise SessionError(f"onchain must be an OnChainSession, got {type(onchain).__name__}")
    b = unchecked
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
    return unchecked.poseidon_many(
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
    session_key_public: SignerLike,
    *,
    allow_milliseconds: bool = False,
) -> OffChainSession:
    """x-sessions ``createOffchainSession``: ``metadata`` is JSON-serialised (:func:`metadata_to_json`).

    ``session_key_public`` is the session key's Stark public key (as in x-sessions), or its
    :class:`~xsessions_core.signers.Signer` / signing key for another kind; the session stores
    its GUID (:func:`signer_guid`).

    :raises SessionError: empty or malformed methods, a millisecond-looking expiry, metadata that is
        not JSON-serialisable exactly as JavaScript would, or non-ASCII metadata (not hashable, as in JS).
    """
    metadata_json = metadata_to_json(metadata)
    _metadata_hash(metadata_json)  # fail now, not at signing time, on non-ASCII metadata
    return OffChainSession(
        expires_at=_expires_at(expires_at, allow_milliseconds),
        allowed_methods=parse_allowed_methods(allowed_methods),
        metadata=metadata_json,
        session_key_guid=signer_guid(session_key_public, "session_key_public"),
    )


def create_session_request(
    chain_id: int | str,
    session_key: AnySessionKey,
    allowed_methods: Iterable[AllowedMethod | Mapping[str, Any]],
    expires_at: int,
    metadata: object,
    *,
    allow_milliseconds: bool = False,
) -> SessionRequest:
    """x-sessions ``createSessionRequest``: the typed data to have signed by the wallet, and its parts.

    ``session_key`` is x-sessions' Stark :class:`SessionKey` or any
    :class:`~xsessions_core.signers.SigningKey` (``Secp256k1Key``, ``Secp256r1Key``, ``Eip191Key``,
    ``WebauthnKey``, an HSM key...): the session's ``session_key_guid`` is its signer's GUID.
    """
    key = session_signing_key(session_key)
    off = create_offchain_session(allowed_methods, expires_at, metadata, key,
                                  allow_milliseconds=allow_milliseconds)
    return SessionRequest(get_session_typed_data(off, chain_id), off, key)


@deprecated_keywords(authorisation_signature="authorization_signature")
def create_session(
    address: int | str,
    authorization_signature: Sequence[int | str],
    session_request: SessionRequest,
    chain_id: int | str,
    *,
    owner: SignerLike | None = None,
    account_version: AccountVersion | str | None = None,
) -> Session:
    """x-sessions ``createSession``: assemble the :class:`Session` from the wallet's signature.

    ``authorization_signature`` is the owner's signature of ``session_request.typed_data`` (what
    ``account.signMessage`` returns in the browser): the concise form ``[r, s(, r_g, s_g)]`` of a
    Starknet owner, or the full form ``[n, SignerSignature...]`` any owner kind returns (a passkey,
    an Ethereum wallet); ``chain_id`` anything :func:`~xsessions_core.chains.parse_chain_id` accepts.

    The hash is the message hash of ``session_request.typed_data`` for ``address``; the typed data
    must be the one derived from ``session_request.offchain_session`` and ``chain_id``.

    :param owner: the account's owner (a Stark public key, a :class:`~xsessions_core.signers.Signer`
        or a signing key): when given, :func:`check_authorization` checks the form of the
        authorization against it.
    :param account_version: the account version, to read a WebAuthn signature's layout (``None``:
        either layout).
    :raises AuthorizationFormError: a full-form authorization that does not decode, or one the
        account would reject for ``owner`` (see :func:`check_authorization`).
    :raises SessionError: typed data inconsistent with the off-chain session or the chain.
    """
    if not isinstance(session_request, SessionRequest):
        raise SessionError(f"session_request must be a SessionRequest, got {type(session_request).__name__}")
    off = session_request.offchain_session
    if session_request.typed_data != get_session_typed_data(off, chain_id):
        raise SessionError("session_request.typed_data does not match its offchain_session and chain_id")
    chain = parse_chain_id(chain_id, "chain_id", SessionError)
    account = felt_of(address, "address")
    authorization = felts_of(authorization_signature, "authorization_signature")
    if owner is not None:
        check_authorization(authorization, owner, account_version=account_version)
    else:
        authorization_signer_signatures(authorization, account_version)
    onchain = compile_session(off)
    return Session(
        authorization_signature=authorization,
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
    return unchecked.poseidon_many_batch(
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


# --------------------------------------------------------------------------- authorization

class AuthorizationFormError(SessionError):
    """A session authorization the account cannot accept for its form: a full form that does not
    decode, or the concise form with an owner that is not a Starknet signer."""


def _versions(account_version: AccountVersion | str | None) -> tuple[AccountVersion, ...]:
    if account_version is None:
        return AccountVersion.V0_5_0, AccountVersion.V0_4_0
    try:
        return (AccountVersion.parse(account_version),)
    except UnsupportedAccountVersion as exc:
        raise SessionError(str(exc).replace("account version", "account_version", 1)) from None


def authorization_signer_signatures(authorization: Sequence[int],
                                    account_version: AccountVersion | str | None = None,
                                    ) -> tuple[SignerSignature, ...] | None:
    """The signer signatures of a full-form session authorization ``[n, SignerSignature × n]``
    (owner first, then the guardian), ``None`` for the concise form ``[r, s(, r_g, s_g)]``
    (2 or 4 felts, a Starknet owner's), ``()`` for an empty one (account 0.5.0 accepts it once the
    authorization is cached).

    :param account_version: reads a WebAuthn signature in that version's layout (``None``: 0.5.0,
        else 0.4.0).
    :raises AuthorizationFormError: neither form (the message says where it stops decoding).
    """
    a = felts_of(authorization, "authorization_signature")
    if len(a) in (2, 4):
        return None
    if not a:
        return ()
    if not 1 <= a[0] <= 2:
        raise AuthorizationFormError(
            "authorization_signature must be the concise form [r, s(, r_g, s_g)] (a Starknet owner) or the "
            f"full form [n, SignerSignature...] with n = 1 or 2; got {len(a)} felts")
    problem = ""
    for version in _versions(account_version):
        try:
            out, pos = [], 1
            for _ in range(a[0]):
                signature, pos = SignerSignature.read(a, pos, version)
                out.append(signature)
        except (SignerError, ValueError) as exc:
            problem = str(exc)
            continue
        if pos == len(a):
            return tuple(out)
        problem = f"{len(a) - pos} felts left over after {a[0]} SignerSignature(s)"
    raise AuthorizationFormError(f"authorization_signature is not a full-form authorization: {problem}")


def check_authorization(authorization: Sequence[int], owner: SignerLike, *,
                        account_version: AccountVersion | str | None = None) -> tuple[SignerSignature, ...] | None:
    """Check the form of a session authorization against the account's ``owner`` before anything
    is signed with the session; returns :func:`authorization_signer_signatures`.

    * The concise form ``[r, s(, r_g, s_g)]`` is for a Starknet owner only: with another owner the
      account rejects it (argentlabs/argent-contracts-starknet: ``argent/zero-pubkey`` on 0.4.0,
      ``argent/no-single-stark-owner`` on 0.5.0).
    * The full form must decode, and its first signer must be ``owner``.

    :param owner: a Stark public key, a :class:`~xsessions_core.signers.Signer` or a signing key.
    :raises AuthorizationFormError: either rule broken (the message names the owner kind).
    """
    signer = _signer(owner, "owner")
    signatures = authorization_signer_signatures(authorization, account_version)
    if signatures is None:
        if not isinstance(signer, StarknetSigner):
            raise AuthorizationFormError(
                f"authorization_signature has the concise form [r, s(, r_g, s_g)], which only a Starknet owner "
                f"signs; this account's owner is a {signer.kind.name} signer: pass the full form "
                "[n, SignerSignature...] the wallet returns (the account rejects the concise form: "
                "argent/zero-pubkey on 0.4.0, argent/no-single-stark-owner on 0.5.0)")
        return None
    if signatures and signatures[0].guid != signer.guid:
        raise AuthorizationFormError(
            f"authorization_signature is signed by a {signatures[0].kind.name} signer that is not the owner "
            f"(GUID {to_hex(signatures[0].guid)}, owner GUID {to_hex(signer.guid)})")
    return signatures


def sign_session_authorization(session_hash: int, owner: AnySessionKey, guardian: AnySessionKey | None = None, *,
                               account_version: AccountVersion | str = AccountVersion.V0_5_0) -> list[int]:
    """The full-form authorization ``[n, SignerSignature(owner), SignerSignature(guardian)?]`` of
    ``session_hash``, signed with the owner's (and the guardian's) signing keys: what a wallet of
    any owner kind returns, for tests, demos and services that hold the owner key.

    :param account_version: the layout of a WebAuthn signature.
    """
    version = _versions(account_version)[0]
    h = felt_of(session_hash, "session_hash")
    keys = [session_signing_key(owner, "owner")]
    if guardian is not None:
        keys.append(session_signing_key(guardian, "guardian"))
    out = [len(keys)]
    for key in keys:
        out += key.sign(h).encode(version)
    return out


def _signature_valid(signature: SignerSignature, msg: int, account_version: AccountVersion | str | None) -> bool:
    """``is_valid_signature`` under ``account_version`` (``None``: 0.5.0, the stricter one; a WebAuthn
    signature is read in its own layout); a panic is ``False``."""
    if isinstance(signature.signature, WebauthnSignature):
        version = signature.signature.version
    else:
        version = AccountVersion.V0_5_0 if account_version is None else _versions(account_version)[0]
    try:
        return signature.is_valid_signature(msg, version)
    except (SignerPanic, SignerError):
        return False


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


def verify_session(session: Session, owner_public_key: SignerLike, guardian_public_key: SignerLike | None = None,
                   *, account_version: AccountVersion | str | None = None) -> bool:
    """True iff the session is what its owner authorized.

    Checks that ``session.hash`` is the hash of the session fields for ``session.address`` and
    ``session.chain_id``; that the session key (if present) matches ``session_key_guid``; that the
    owner part of ``authorization_signature`` is a valid signature of the hash by the owner
    (concise ``[r, s(, gr, gs)]`` form of a Starknet owner, or full ``[n, SignerSignature...]`` form
    of any kind, whose first signer must be the owner); and, if ``guardian_public_key`` is given,
    that the concise form's second pair (or the full form's second signer) is the guardian's.

    :param owner_public_key, guardian_public_key: a Stark public key, or a
        :class:`~xsessions_core.signers.Signer` / signing key of any kind.
    :param account_version: the account version (WebAuthn layout, 0.5.0's range checks; ``None``: any).
    :raises SessionError: if ``session`` is not a :class:`Session` or a key is not a signer.
    """
    if not isinstance(session, Session):
        raise SessionError(f"session must be a Session, got {type(session).__name__}")
    owner = _signer(owner_public_key, "owner_public_key")
    guardian = None if guardian_public_key is None else _signer(guardian_public_key, "guardian_public_key")
    try:
        onchain = compile_session(session)
    except SessionError:
        return False
    h = session.hash
    if session_hash_from_onchain(onchain, session.address, session.chain_id) != h:
        return False
    if session.session_key is not None and signer_guid(session.session_key) != session.session_key_guid:
        return False
    a = session.authorization_signature
    try:
        signatures = authorization_signer_signatures(a, account_version)
    except AuthorizationFormError:
        return False
    if signatures is None:
        if not isinstance(owner, StarknetSigner) or not _valid(h, a[0], a[1], owner.pubkey):
            return False
        if guardian is None:
            return True
        return len(a) == 4 and isinstance(guardian, StarknetSigner) and _valid(h, a[2], a[3], guardian.pubkey)
    if not signatures or signatures[0].guid != owner.guid or not _signature_valid(signatures[0], h, account_version):
        return False
    if guardian is None:
        return True
    return (len(signatures) == 2 and signatures[1].guid == guardian.guid
            and _signature_valid(signatures[1], h, account_version))


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


__getattr__ = module_aliases(__name__, {
    "owner_signature_from_authorisation": ("use owner_signature_from_authorization", owner_signature_from_authorization),
})
