"""On-chain session state and account reading (Argent account 0.4.0 and 0.5.0) through any Starknet node.

Everything is a ``starknet_call`` (or ``starknet_getClassHashAt``) made with a starknet-py
:class:`~starknet_py.net.client.Client` (e.g. ``FullNodeClient(node_url=...)``). Entry points,
selectors, argument and return layouts are those of argentlabs/argent-contracts-starknet, tag
``account-0.4.0`` (``src/session/interface.cairo``, ``src/account/interface.cairo``) and tag
``v0.5.0`` (``src/session/session.cairo``, ``src/multiowner_account/argent_account.cairo``), whose
published class hashes are in ``deployments/account.txt``.

Every failure is typed: :class:`~xsessions_core.errors.NodeUnavailable` (node down, HTTP error,
garbage), :class:`~xsessions_core.errors.EntrypointNotFound`, :class:`~xsessions_core.errors.NotAnArgentAccount`
(no contract, an unknown class, a version without sessions, a result of the wrong shape), or
:class:`~xsessions_core.errors.OnchainError` (a revert, an account this library cannot describe).
A read never returns a guess.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, Union

import aiohttp
from starknet_py.net.client import Client
from starknet_py.net.client_errors import ClientError
from starknet_py.net.client_models import Call
from starknet_py.net.http_client import ServerError

from .encoding import selector_from_name_cached, to_hex
from .errors import EntrypointNotFound, NodeUnavailable, NotAnArgentAccount, OnchainError, SessionError, XSessionsError
from .relayer.types import AccountInfo, AccountState
from .sessions.objects import Session, felt_of
from .signers import Eip191Signer, Secp256k1Signer, Signer, SignerKind, StarknetSigner
from .versions import RULES_BY_CLASS_HASH, RULES_BY_VERSION_FELTS, AccountVersion, SignerViews

__all__ = [
    "ARGENT_ACCOUNT_CLASS_HASHES",
    "SIGNER_TYPE_STARKNET",
    "fetch_account_version",
    "fetch_account_info",
    "is_session_revoked",
    "is_session_authorization_cached",
    "revoke_session_call",
    "account_state_from_chain",
]

#: Class hashes of the Argent account releases that speak sessions (``deployments/account.txt``;
#: :attr:`AccountRules.class_hash <xsessions_core.versions.AccountRules.class_hash>`).
ARGENT_ACCOUNT_CLASS_HASHES = {class_hash: rules.version for class_hash, rules in RULES_BY_CLASS_HASH.items()}
#: ``SignerType::Starknet`` (index 0 of the enum).
SIGNER_TYPE_STARKNET = 0
_ENTRYPOINT_NOT_FOUND = 21
_CONTRACT_NOT_FOUND = 20

#: A block: its number, or a tag (``"latest"``, ``"pre_confirmed"``, ``"l1_accepted"``).
Block = Union[int, Literal["latest", "pre_confirmed", "l1_accepted"]]


def _felt(value: object, name: str) -> int:
    """A felt argument; bad input raises :class:`~xsessions_core.errors.SessionError` (a ``ValueError``)."""
    return felt_of(value, name)


def _translate(exc: ClientError, what: str) -> OnchainError:
    code: object = exc.code  # an int from JSON-RPC errors, HTTP statuses as text
    detail = f"{exc.message} {exc.data or ''}"
    if code == _ENTRYPOINT_NOT_FOUND or "ENTRYPOINT_NOT_FOUND" in detail or "not found in contract" in detail:
        return EntrypointNotFound(f"{what}: the contract has no such entry point", code if isinstance(code, int) else None)
    if code == _CONTRACT_NOT_FOUND:
        return NotAnArgentAccount(f"{what}: no contract at that address", _CONTRACT_NOT_FOUND)
    if not isinstance(code, int):  # HTTP status (starknet-py reports it as text)
        return NodeUnavailable(f"{what}: the node answered HTTP {code}", str(code))
    return OnchainError(f"{what} failed: {exc.message[:300]}", code)


async def _guard(what: str, coro: Any) -> Any:
    """Await a starknet-py call, turning every failure into a typed error."""
    try:
        return await coro
    except ClientError as exc:
        raise _translate(exc, what) from None
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        raise NodeUnavailable(f"{what}: cannot reach the node: {type(exc).__name__}: {exc}") from None
    except (ServerError, KeyError, TypeError, ValueError) as exc:
        raise NodeUnavailable(f"{what}: the node's answer is malformed ({type(exc).__name__})") from None


async def _call(client: Client, address: int, name: str, calldata: Sequence[int] = (), *,
                block: Block = "latest") -> list[int]:
    call = Call(to_addr=address, selector=selector_from_name_cached(name), calldata=list(calldata))
    result = await _guard(f"{name} on {to_hex(address)}", client.call_contract(call, block_number=block))
    if not isinstance(result, list) or not all(isinstance(v, int) for v in result):
        raise NodeUnavailable(f"{name} on {to_hex(address)}: the node's result is not a list of felts")
    return result


def _bool(result: list[int], name: str) -> bool:
    if len(result) != 1 or result[0] not in (0, 1):
        raise NotAnArgentAccount(f"{name} returned {[to_hex(v) for v in result[:4]]}, not a bool")
    return result[0] == 1


def _single(result: list[int], name: str) -> int:
    if len(result) != 1:
        raise NotAnArgentAccount(f"{name} returned {len(result)} felts, expected 1")
    return result[0]


def _signer_infos(result: list[int], name: str) -> list[tuple[int, int, int]]:
    """``Array<SignerInfo>``: ``[n, (signer_type, guid, stored_value)...]``."""
    if not result or len(result) != 1 + 3 * result[0]:
        raise NotAnArgentAccount(f"{name} did not return an Array<SignerInfo>")
    return [(result[1 + 3 * i], result[2 + 3 * i], result[3 + 3 * i]) for i in range(result[0])]


#: The signer a ``SignerInfo``'s ``stored_value`` names, by signer type: the Stark public key, the
#: Ethereum address (argentlabs/argent-contracts-starknet ``src/signer/signer_signature.cairo``,
#: ``storage_value``, tag v0.5.0). A Secp256r1 or WebAuthn signer is stored as its GUID only.
_STORED_SIGNERS: dict[int, Callable[[int], Signer]] = {
    SignerKind.Starknet: StarknetSigner,
    SignerKind.Secp256k1: Secp256k1Signer,
    SignerKind.Eip191: Eip191Signer,
}


def _stored_signer(info: tuple[int, int, int], what: str) -> Signer:
    """The signer of a ``SignerInfo`` ``(signer_type, guid, stored_value)``, its GUID checked."""
    signer_type, guid, stored = info
    make = _STORED_SIGNERS.get(signer_type)
    if make is None:
        raise OnchainError(f"{what} is a signer of type {signer_type}, which the account stores as its GUID "
                           "only: give the AccountInfo yourself")
    try:
        signer = make(stored)
    except XSessionsError:
        raise NotAnArgentAccount(f"{what}: stored value {to_hex(stored)} is not a signer of type {signer_type}") from None
    if signer.guid != guid:
        raise NotAnArgentAccount(f"{what}: its guid is not the guid of its stored signer")
    return signer


async def fetch_account_version(client: Client, address: int | str, *, block: Block = "latest") -> AccountVersion:
    """The Argent class version of the account **now** (accounts upgrade in place): its class hash
    must be the published 0.4.0 or 0.5.0 class and ``get_version()`` must agree.

    :raises NotAnArgentAccount: no contract, another class, no ``get_version``, or a disagreement.
    """
    account = _felt(address, "address")
    class_hash = await _guard(f"starknet_getClassHashAt {to_hex(account)}",
                              client.get_class_hash_at(account, block_number=block))
    known = ARGENT_ACCOUNT_CLASS_HASHES.get(class_hash) if isinstance(class_hash, int) else None
    if known is None:
        raise NotAnArgentAccount(f"{to_hex(account)} has class {class_hash!r:.70}, not an Argent account 0.4.0 / 0.5.0")
    try:
        felts = await _call(client, account, "get_version", block=block)
    except EntrypointNotFound:
        raise NotAnArgentAccount(f"{to_hex(account)} has no get_version entry point") from None
    named = RULES_BY_VERSION_FELTS.get(tuple(felts))
    if named is None or named.version is not known:
        raise NotAnArgentAccount(f"{to_hex(account)}: get_version() is {felts[:4]}, but its class is {known.value}")
    return known


async def fetch_account_info(client: Client, address: int | str, *, block: Block = "latest") -> AccountInfo:
    """The relayer's :class:`~xsessions_core.relayer.AccountInfo` of an Argent account, from the chain:
    its version, its owner and its guardians (0.4.0: ``get_owner``, ``get_guardian``,
    ``get_guardian_backup``, Starknet keys; 0.5.0: ``get_owners_info``, ``get_guardians_info``,
    Starknet, Secp256k1 or Eip191 signers, whose stored value is their key or address).

    :raises NotAnArgentAccount: as :func:`fetch_account_version`, or answers of the wrong shape (a
        GUID that is not the GUID of the stored signer).
    :raises OnchainError: a 0.4.0 owner or guardian that is not a Starknet key, a 0.5.0 Secp256r1 or
        WebAuthn signer (the account stores only its GUID), more than one owner or two guardians.
    """
    account = _felt(address, "address")
    version = await fetch_account_version(client, account, block=block)
    owner: Signer | int
    if version.rules.signer_views is SignerViews.SINGLE:
        owner_type = _single(await _call(client, account, "get_owner_type", block=block), "get_owner_type")
        if owner_type != SIGNER_TYPE_STARKNET:
            raise OnchainError(f"{to_hex(account)}: the owner is a signer of type {owner_type}, not a Starknet key")
        owner = _single(await _call(client, account, "get_owner", block=block), "get_owner")
        guardian_type = await _call(client, account, "get_guardian_type", block=block)
        if guardian_type not in ([1], [0, SIGNER_TYPE_STARKNET]):
            raise OnchainError(f"{to_hex(account)}: the guardian is not a Starknet key (Option<SignerType> "
                               f"{[to_hex(v) for v in guardian_type[:3]]})")
        guardian = _single(await _call(client, account, "get_guardian", block=block), "get_guardian")
        backup = _single(await _call(client, account, "get_guardian_backup", block=block), "get_guardian_backup")
        guardians: list[Signer | int] = [k for k in (guardian, backup) if k]
        if backup and not guardian:
            raise OnchainError(f"{to_hex(account)}: a guardian backup without a guardian")
    else:
        owners = _signer_infos(await _call(client, account, "get_owners_info", block=block), "get_owners_info")
        if len(owners) != 1:
            raise OnchainError(f"{to_hex(account)}: {len(owners)} owner(s), not one")
        owner = _stored_signer(owners[0], f"{to_hex(account)}: the owner")
        infos = _signer_infos(await _call(client, account, "get_guardians_info", block=block), "get_guardians_info")
        if len(infos) > 2:
            raise OnchainError(f"{to_hex(account)}: {len(infos)} guardians, not at most two")
        guardians = [_stored_signer(info, f"{to_hex(account)}: a guardian") for info in infos]
    try:
        return AccountInfo(account, version.value, owner, guardians[0] if guardians else None,
                           guardians[1] if len(guardians) > 1 else None)
    except XSessionsError as exc:
        raise NotAnArgentAccount(f"{to_hex(account)}: {exc}") from None


async def is_session_revoked(client: Client, address: int | str, session_hash: int | str, *,
                             block: Block = "latest") -> bool:
    """``is_session_revoked(session_hash)``: ``True`` means every token of the session now fails (``session/revoked``)."""
    result = await _call(client, _felt(address, "address"), "is_session_revoked",
                         [_felt(session_hash, "session_hash")], block=block)
    return _bool(result, "is_session_revoked")


def _session_hash(session: Session | int | str) -> int:
    return session.hash if isinstance(session, Session) else _felt(session, "session_hash")


async def is_session_authorization_cached(
    client: Client, address: int | str, session: Session | int | str, owner_guid: int | str,
    guardian_guid: int | str, *, account_version: AccountVersion | str | None = None, block: Block = "latest",
) -> bool:
    """``is_session_authorization_cached``: 0.4.0 takes ``(session_hash)`` and answers for the current
    owner and guardian (``owner_guid`` and ``guardian_guid`` are then not sent); 0.5.0 takes
    ``(session_hash, owner_guid, guardian_guid)``.

    :param account_version: the account's version; read with :func:`fetch_account_version` if ``None``.
    """
    account = _felt(address, "address")
    version = await fetch_account_version(client, account, block=block) if account_version is None else (
        AccountVersion.parse(account_version))
    calldata = [_session_hash(session)]
    if version.rules.cached_view_takes_guids:
        calldata += [_felt(owner_guid, "owner_guid"), _felt(guardian_guid, "guardian_guid")]
    result = await _call(client, account, "is_session_authorization_cached", calldata, block=block)
    return _bool(result, "is_session_authorization_cached")


def revoke_session_call(account_address: int | str, session_hash: int | str) -> Call:
    """The call the account sends to itself (owner and guardian signing, as the only call of its
    ``__execute__``) to revoke a session: ``revoke_session(session_hash)``."""
    account = _felt(account_address, "account_address")
    return Call(to_addr=account, selector=selector_from_name_cached("revoke_session"),
                calldata=[_felt(session_hash, "session_hash")])


async def account_state_from_chain(client: Client, address: int | str, sessions: Iterable[Session], *,
                                   account: AccountInfo | None = None, block: Block = "latest") -> AccountState:
    """The relayer's :class:`~xsessions_core.relayer.AccountState` for ``sessions``: which are revoked,
    and which authorisations are cached (for the owner and each guardian of ``account``, by their
    GUIDs: signers of any kind; ``account`` is read with :func:`fetch_account_info` if not given). A cached entry gets the length of the session's own
    ``authorisation_signature`` (the view says whether, not how long, and the cached authorisation is
    the one the session carried).
    """
    account_address = _felt(address, "address")
    info = account if account is not None else await fetch_account_info(client, account_address, block=block)
    if not isinstance(info, AccountInfo) or info.address != account_address:
        raise SessionError("account must be the AccountInfo of the same address")
    version = AccountVersion.parse(info.class_version)
    items = list(sessions)
    for i, s in enumerate(items):
        if not isinstance(s, Session):
            raise SessionError(f"sessions[{i}] must be a Session, got {type(s).__name__}")
    revoked = await asyncio.gather(*(is_session_revoked(client, account_address, s.hash, block=block) for s in items))
    guardian_guids = [g.guid for g in info.guardian_signers]  # signers of any kind
    answered = version.rules.cached_view_guardians
    if answered is not None:
        guardian_guids = guardian_guids[:answered]  # e.g. 0.4.0: the view answers for the main guardian only
    pairs = [(s, g) for s in items for g in guardian_guids]
    cached = await asyncio.gather(*(is_session_authorization_cached(
        client, account_address, s, info.owner_guid, g, account_version=version, block=block) for s, g in pairs))
    return AccountState(
        revoked_sessions=frozenset(s.hash for s, r in zip(items, revoked) if r),
        session_cache={(info.owner_guid, g, s.hash): len(s.authorization_signature)
                       for (s, g), c in zip(pairs, cached) if c and s.authorization_signature},
    )
