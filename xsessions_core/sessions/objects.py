"""The objects a dapp exchanges with ``@argent/x-sessions`` 9.0.4, as frozen dataclasses (npm
``@argent/x-sessions@9.0.4``, ``dist/*.d.ts``).

Every class converts to and from the exact x-sessions JSON shape (``to_dict`` / ``from_dict``):
camelCase keys, ``"Contract Address"`` with its space, felts as lowercase ``0x`` hex strings.
Inside Python, felts are ints.

**Spelling of addresses.** x-sessions copies the account address and the allowed-method contract
addresses into its objects (and into the typed data the wallet signs) exactly as the dapp wrote
them — ``"0x049d…"``, ``"0x046Ec9…"``. The value is what gets hashed, but to give back
byte-identical JSON these classes remember the original text (``*_text`` fields, ignored by
``==``); objects built from ints print canonical hex.

**Selectors.** :attr:`AllowedMethod.selector` is a function *name*, as in x-sessions. A hex string
(``"0x83af…"``) is accepted too and then used as the selector *value* everywhere — in the Merkle
leaf and in the typed data — so the root always matches what the wallet signed. x-sessions instead
hashes a hex string like a name for the leaf (``getSelectorFromName("0x83af…")``) while the typed
data keeps the value, so its root differs from the signed one and every proof fails.

Malformed input raises :class:`~xsessions_core.errors.SessionError` naming the field. Private
keys never appear in ``repr``/``str`` or in messages.
"""

from __future__ import annotations

import re
import secrets
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar, cast

from ..chains import parse_chain_id
from ..crypto import EC_ORDER, message_signature, private_to_stark_key
from ..deprecation import deprecated_keywords
from ..encoding import FeltSpelling, felt_from, selector_from_name_cached, to_hex
from ..errors import InvalidPrivateKey, SessionError, describe_value
from ..signers import SignerSignature, SigningKey, StarkKey, StarknetSignature, StarknetSigner

__all__ = [
    "AllowedMethod",
    "SessionKey",
    "AnySessionKey",
    "session_signing_key",
    "MetadataTxFee",
    "SessionMetadata",
    "OffChainSession",
    "OnChainSession",
    "Session",
    "SessionRequest",
    "SESSION_VERSION",
    "private_key_from",
]

#: ``Session.version`` as x-sessions writes it: ``encodeShortString("1")``.
SESSION_VERSION = "0x31"

_HEX = re.compile(r"0[xX][0-9a-fA-F]+")
_U64 = 2**64


# --------------------------------------------------------------------------- field helpers

def _felt(value: object, name: str, error: type[Exception] = SessionError) -> int:
    """A felt from an int or a numeric string (starknet.js ``BigInt``; not empty), else ``error``."""
    if type(value) is str and not value.strip():
        raise error(f"{name} must not be empty")
    return felt_from(value, name, error, spelling=FeltSpelling.BIGINT)


def _felts(values: object, name: str) -> tuple[int, ...]:
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise SessionError(f"{name} must be a list of felts, got {type(values).__name__}")
    return tuple(_felt(v, f"{name}[{i}]") for i, v in enumerate(values))


def _expiry(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SessionError(f"{name} must be an int (seconds since the epoch), got {type(value).__name__}")
    if not 0 <= value < _U64:
        raise SessionError(f"{name} must be a u64 (0 <= {name} < 2**64), got {describe_value(value)}")
    return int(value)


def _address(obj: object, attr: str, text_attr: str, name: str) -> None:
    """Normalise ``obj.attr`` (int or hex str) to an int, remembering a string's spelling.

    A Cairo ``ContractAddress`` is below 2**251 (corelib ``contract_address.cairo``): the account
    could not deserialise a call to a larger one, so a session naming one is refused."""
    value = getattr(obj, attr)
    if isinstance(value, str) and getattr(obj, text_attr) is None:
        object.__setattr__(obj, text_attr, value)
    address = _felt(value, name)
    if address >> 251:
        raise SessionError(f"{name} must be a contract address (< 2**251), got {describe_value(address)}")
    object.__setattr__(obj, attr, address)


def _get(d: object, key: str, where: str) -> Any:
    if not isinstance(d, Mapping):
        raise SessionError(f"{where} must be an object (dict), got {type(d).__name__}")
    if key not in d:
        raise SessionError(f"{where} is missing the field {key!r}")
    return d[key]


def _mapping(value: object, name: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise SessionError(f"{name} must be an object (dict), got {type(value).__name__}")
    return dict(value)


def _str(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise SessionError(f"{name} must be a string, got {type(value).__name__}")
    return value


def _list(value: object, name: str) -> list[Any]:
    if isinstance(value, (str, bytes, bytearray, Mapping)) or not isinstance(value, Iterable):
        raise SessionError(f"{name} must be a list, got {type(value).__name__}")
    return list(value)


# --------------------------------------------------------------------------- AllowedMethod

@dataclass(frozen=True)
class AllowedMethod:
    """One allowed (contract, function) pair: ``{"Contract Address": ..., "selector": ...}``.

    :param contract_address: int, or a hex string (its spelling is kept for :meth:`to_dict`).
    :param selector: a function name (x-sessions); a ``0x`` hex string is taken as the selector value
        (see the module note).
    """

    contract_address: int
    selector: str
    contract_address_text: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        _address(self, "contract_address", "contract_address_text", "Contract Address")
        _str(self.selector, "selector")
        self.selector_value  # validates a hex selector  # noqa: B018

    @cached_property
    def selector_value(self) -> int:
        """The selector felt: ``getSelectorFromName(name)``, or the value of a hex selector."""
        if _HEX.fullmatch(self.selector):
            return _felt(self.selector, "selector")
        return selector_from_name_cached(self.selector)

    def to_dict(self) -> dict[str, str]:
        """``{"Contract Address": <as given or hex>, "selector": <as given>}``."""
        return {
            "Contract Address": self.contract_address_text or to_hex(self.contract_address),
            "selector": self.selector,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "AllowedMethod":
        """From the x-sessions shape ``{"Contract Address": str, "selector": str}``."""
        address = _str(_get(d, "Contract Address", "allowed method"), "Contract Address")
        return cls(_felt(address, "Contract Address"), _str(_get(d, "selector", "allowed method"), "selector"),
                   contract_address_text=address)


#: Most allowed methods a session may have (bounds the hashing any input can cause; x-sessions has
#: no limit, real sessions have a handful).
MAX_ALLOWED_METHODS = 1024


def parse_allowed_methods(values: object, name: str = "allowed_methods") -> tuple[AllowedMethod, ...]:
    """``AllowedMethod`` objects or x-sessions dicts -> a non-empty tuple of at most
    :data:`MAX_ALLOWED_METHODS`; SessionError otherwise."""
    items = _list(values, name)
    if len(items) > MAX_ALLOWED_METHODS:
        raise SessionError(f"{name} has {len(items)} entries; at most {MAX_ALLOWED_METHODS} are accepted")
    out = []
    for i, m in enumerate(items):
        if isinstance(m, AllowedMethod):
            out.append(m)
        elif isinstance(m, Mapping):
            out.append(AllowedMethod.from_dict(m))
        else:
            raise SessionError(f"{name}[{i}] must be an AllowedMethod or a dict, got {type(m).__name__}")
    if not out:
        raise SessionError(f"{name} must not be empty")
    return tuple(out)


# --------------------------------------------------------------------------- SessionKey

def private_key_from(value: object, name: str = "private_key") -> int:
    """A Stark private key from an int, a hex (``0x...``) or decimal string, or a starknet-py ``KeyPair``
    (anything with an int ``private_key`` attribute).

    :raises InvalidPrivateKey: anything else, or a key outside ``[1, n)`` (n = STARK curve order). The
        message names ``name`` and never shows the value.
    """
    if type(value) is int and 1 <= value < EC_ORDER:
        return value
    value = getattr(value, "private_key", value)  # starknet_py.net.signer.key_pair.KeyPair
    key: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        key = int(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            key = int(text, 16) if text[:2].lower() == "0x" else int(text, 10) if text.isdigit() else None
        except ValueError:
            key = None
    if key is None or not 1 <= key < EC_ORDER:
        raise InvalidPrivateKey(
            f"{name} must be a private key in [1, n) (n = STARK curve order): an int, a hex string or a KeyPair"
        )
    return key


@dataclass(frozen=True, repr=False)
class SessionKey:
    """The session's key pair. Only the public key is ever shown.

    :param private_key: the key in ``[1, n)``: an int, a hex string or a starknet-py ``KeyPair``
        (stored as an int).
    :raises SessionError: anything else (an :class:`~xsessions_core.errors.InvalidPrivateKey` too).
    """

    private_key: int

    def __post_init__(self) -> None:
        try:
            key = private_key_from(self.private_key, "session private key")
        except InvalidPrivateKey as exc:
            raise _InvalidSessionKey(str(exc)) from None
        object.__setattr__(self, "private_key", key)

    @classmethod
    def generate(cls) -> "SessionKey":
        """A fresh random key (``secrets``)."""
        return cls(secrets.randbelow(EC_ORDER - 1) + 1)

    @cached_property
    def public_key(self) -> int:
        """The stark public key (x coordinate), computed once."""
        return private_to_stark_key(self.private_key)

    @property
    def signer(self) -> StarknetSigner:
        """``Signer::Starknet(public_key)``: :class:`SessionKey` is the Stark
        :class:`~xsessions_core.signers.SigningKey` of x-sessions."""
        return StarknetSigner(self.public_key)

    def sign(self, msg_hash: int) -> SignerSignature:
        """``SignerSignature::Starknet`` of ``msg_hash`` (``< 2**251``; starknet.js nonce)."""
        r, s = message_signature(msg_hash, self.private_key)
        return SignerSignature(self.signer, StarknetSignature(r, s))

    def __repr__(self) -> str:
        return f"SessionKey(public_key={to_hex(self.public_key)})"

    def to_dict(self, include_private_key: bool = False) -> dict[str, str]:
        """``{"publicKey"}``, or ``{"privateKey", "publicKey"}`` with ``include_private_key=True`` (hex)."""
        d = {"privateKey": to_hex(self.private_key)} if include_private_key else {}
        d["publicKey"] = to_hex(self.public_key)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "SessionKey":
        """From ``{"privateKey", "publicKey"?}``; a given ``publicKey`` must match the private key."""
        raw = _get(d, "privateKey", "sessionKey")
        key: SessionKey | None
        try:
            key = cls(_felt(raw, "sessionKey.privateKey"))
        except SessionError:
            key = None
        if key is None:
            # Raised outside the except block: the inner error (which quotes the value) must not
            # even survive as __context__.
            raise SessionError("sessionKey.privateKey is not a valid private key")
        if "publicKey" in d and _felt(d["publicKey"], "sessionKey.publicKey") != key.public_key:
            raise SessionError("sessionKey.publicKey does not match sessionKey.privateKey")
        return key


#: A session key of any kind: x-sessions' Stark :class:`SessionKey`, or any
#: :class:`~xsessions_core.signers.SigningKey` (``StarkKey``, ``Secp256k1Key``, ``Secp256r1Key``,
#: ``Eip191Key``, ``WebauthnKey``, an HSM key such as ``xsessions_core.hsm.Pkcs11P256Key``).
AnySessionKey = SessionKey | SigningKey


def session_signing_key(value: object, name: str = "session_key") -> AnySessionKey:
    """``value`` if it can sign for a session: a :class:`SessionKey` or a
    :class:`~xsessions_core.signers.SigningKey` (``.signer`` and ``.sign(hash)``).

    :raises SessionError: anything else (the message names ``name``).
    """
    if isinstance(value, SessionKey):
        return value
    if isinstance(value, SigningKey) and not isinstance(value, type):
        return value
    raise SessionError(f"{name} must be a SessionKey or a signing key (.signer and .sign(hash)), "
                       f"got {type(value).__name__}")


def _session_key_dict(key: AnySessionKey, include_private_key: bool) -> dict[str, Any]:
    """x-sessions' ``sessionKey`` object of a Stark key; ``{"signer": [felts...]}`` (the Cairo
    ``Signer``, hex) for another kind, whose private key is never serialised.

    :raises SessionError: ``include_private_key=True`` for a key that is not a Stark key.
    """
    if isinstance(key, SessionKey):
        return key.to_dict(include_private_key)
    if isinstance(key, StarkKey):
        return SessionKey(key.private_key).to_dict(include_private_key)
    if include_private_key:
        raise SessionError(f"a {type(key).__name__} session key is not serialised with its private key: "
                           "store it yourself (only x-sessions' Stark SessionKey has a JSON form)")
    return {"signer": [to_hex(v) for v in key.signer.to_felts()]}


# --------------------------------------------------------------------------- metadata

@dataclass(frozen=True)
class MetadataTxFee:
    """``{"tokenAddress", "maxAmount"}`` — strings, kept exactly (they are part of the hashed JSON).

    Ints are accepted and written as hex (address) and decimal (amount).
    """

    token_address: str
    max_amount: str

    def __post_init__(self) -> None:
        if isinstance(self.token_address, int) and not isinstance(self.token_address, bool):
            object.__setattr__(self, "token_address", to_hex(_felt(self.token_address, "tokenAddress")))
        if isinstance(self.max_amount, int) and not isinstance(self.max_amount, bool):
            if self.max_amount < 0:
                raise SessionError(f"maxAmount must be non-negative, got {self.max_amount}")
            object.__setattr__(self, "max_amount", str(self.max_amount))
        _str(self.token_address, "tokenAddress")
        _str(self.max_amount, "maxAmount")

    def to_dict(self) -> dict[str, str]:
        return {"tokenAddress": self.token_address, "maxAmount": self.max_amount}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "MetadataTxFee":
        return cls(_get(d, "tokenAddress", "txFee"), _get(d, "maxAmount", "txFee"))


@dataclass(frozen=True)
class SessionMetadata:
    """x-sessions ``SessionMetadata``: ``{"projectID", "txFees", "projectSignature"?}``.

    :meth:`to_dict` keeps that key order, so ``JSON.stringify`` of the JS object and the JSON this
    library hashes are the same bytes.
    """

    project_id: str
    tx_fees: tuple[MetadataTxFee, ...] = ()
    project_signature: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        _str(self.project_id, "projectID")
        fees = tuple(f if isinstance(f, MetadataTxFee) else MetadataTxFee.from_dict(f)
                     for f in _list(list(self.tx_fees), "txFees"))
        object.__setattr__(self, "tx_fees", fees)
        if self.project_signature is not None:
            sig = tuple(to_hex(_felt(v, "projectSignature")) if not isinstance(v, str) else v
                        for v in _list(list(self.project_signature), "projectSignature"))
            object.__setattr__(self, "project_signature", sig)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"projectID": self.project_id, "txFees": [f.to_dict() for f in self.tx_fees]}
        if self.project_signature is not None:
            d["projectSignature"] = list(self.project_signature)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "SessionMetadata":
        return cls(
            _get(d, "projectID", "metaData"),
            tuple(_list(d.get("txFees", []), "txFees")),
            d.get("projectSignature"),
        )


# --------------------------------------------------------------------------- sessions

@dataclass(frozen=True)
class OffChainSession:
    """x-sessions ``OffChainSession``: what the wallet sees (allowed methods in full, metadata JSON text)."""

    expires_at: int
    allowed_methods: tuple[AllowedMethod, ...]
    metadata: str
    session_key_guid: int

    def __post_init__(self) -> None:
        _expiry(self.expires_at, "expires_at")
        object.__setattr__(self, "allowed_methods", parse_allowed_methods(self.allowed_methods, "allowed_methods"))
        _str(self.metadata, "metadata")
        object.__setattr__(self, "session_key_guid", _felt(self.session_key_guid, "session_key_guid"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "expires_at": self.expires_at,
            "allowed_methods": [m.to_dict() for m in self.allowed_methods],
            "metadata": self.metadata,
            "session_key_guid": to_hex(self.session_key_guid),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "OffChainSession":
        w = "offchainSession"
        return cls(
            _get(d, "expires_at", w),
            parse_allowed_methods(_get(d, "allowed_methods", w), "allowed_methods"),
            _get(d, "metadata", w),
            _get(d, "session_key_guid", w),
        )


@dataclass(frozen=True)
class OnChainSession:
    """The Cairo ``Session`` struct (4 felts, in this order) the account hashes
    (argentlabs/argent-contracts-starknet, tag ``account-0.4.0``, ``src/session/session_hash.cairo``)."""

    expires_at: int
    allowed_methods_root: int
    metadata_hash: int
    session_key_guid: int

    def __post_init__(self) -> None:
        _expiry(self.expires_at, "expires_at")
        for name in ("allowed_methods_root", "metadata_hash", "session_key_guid"):
            object.__setattr__(self, name, _felt(getattr(self, name), name))

    def felts(self) -> list[int]:
        """``[expires_at, allowed_methods_root, metadata_hash, session_key_guid]``."""
        return [self.expires_at, self.allowed_methods_root, self.metadata_hash, self.session_key_guid]

    def to_dict(self) -> dict[str, Any]:
        return {
            "expires_at": self.expires_at,
            "allowed_methods_root": to_hex(self.allowed_methods_root),
            "metadata_hash": to_hex(self.metadata_hash),
            "session_key_guid": to_hex(self.session_key_guid),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "OnChainSession":
        w = "onchainSession"
        return cls(_get(d, "expires_at", w), _get(d, "allowed_methods_root", w),
                   _get(d, "metadata_hash", w), _get(d, "session_key_guid", w))


@dataclass(frozen=True)
class Session:
    """x-sessions ``Session``: what ``createSession`` returns and ``buildSessionAccount`` consumes.

    ``hash`` is the SNIP-12 message hash the owner (and guardian) authorized with
    ``authorization_signature`` (the JSON key stays x-sessions' ``authorisationSignature``).
    ``session_key`` may be ``None`` for a session read without its
    private key (it cannot sign then).
    """

    authorization_signature: tuple[int, ...]
    address: int
    chain_id: int
    hash: int
    expires_at: int
    allowed_methods: tuple[AllowedMethod, ...]
    metadata: str
    session_key_guid: int
    session_key: AnySessionKey | None = None
    version: str = SESSION_VERSION
    address_text: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "authorization_signature",
                           _felts(self.authorization_signature, "authorisationSignature"))
        _address(self, "address", "address_text", "address")
        object.__setattr__(self, "chain_id", parse_chain_id(self.chain_id, "chain_id", SessionError))
        for name in ("hash", "session_key_guid"):
            object.__setattr__(self, name, _felt(getattr(self, name), name))
        _expiry(self.expires_at, "expiresAt")
        object.__setattr__(self, "allowed_methods", parse_allowed_methods(self.allowed_methods, "allowedMethods"))
        _str(self.metadata, "metadata")
        if self.session_key is not None:
            session_signing_key(self.session_key)
        if self.version != SESSION_VERSION:
            raise SessionError(f"version must be {SESSION_VERSION!r}, got {self.version!r}")

    @property
    def authorisation_signature(self) -> tuple[int, ...]:
        """Deprecated spelling of :attr:`authorization_signature` (removed in the next release)."""
        warnings.warn("Session.authorisation_signature is deprecated; use authorization_signature",
                      DeprecationWarning, stacklevel=2)
        return self.authorization_signature

    @property
    def address_hex(self) -> str:
        """The account address as given (or canonical hex)."""
        return self.address_text or to_hex(self.address)

    @property
    def offchain_session(self) -> OffChainSession:
        """The :class:`OffChainSession` part of this session."""
        return OffChainSession(self.expires_at, self.allowed_methods, self.metadata, self.session_key_guid)

    def to_dict(self, include_private_key: bool = False) -> dict[str, Any]:
        """The x-sessions JSON object; ``sessionKey.privateKey`` only with ``include_private_key=True``."""
        d: dict[str, Any] = {
            "authorisationSignature": [to_hex(v) for v in self.authorization_signature],
            "address": self.address_hex,
            "chainId": to_hex(self.chain_id),
            "hash": to_hex(self.hash),
            "version": self.version,
            "expiresAt": self.expires_at,
            "allowedMethods": [m.to_dict() for m in self.allowed_methods],
            "metadata": self.metadata,
            "sessionKeyGuid": to_hex(self.session_key_guid),
        }
        if self.session_key is not None:
            d["sessionKey"] = _session_key_dict(self.session_key, include_private_key)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Session":
        """From the x-sessions JSON object, including ``sessionKey.privateKey`` when present."""
        w = "session"
        key = None
        raw_key = d.get("sessionKey") if isinstance(d, Mapping) else None
        if raw_key is not None:
            if not isinstance(raw_key, Mapping):
                raise SessionError("session.sessionKey must be an object")
            if "privateKey" in raw_key:
                key = SessionKey.from_dict(raw_key)
        address = _str(_get(d, "address", w), "address")
        return cls(
            authorization_signature=_felts(_list(_get(d, "authorisationSignature", w), "authorisationSignature"),
                                           "authorisationSignature"),
            address=_felt(address, "address"),
            address_text=address,
            chain_id=_get(d, "chainId", w),
            hash=_get(d, "hash", w),
            expires_at=_get(d, "expiresAt", w),
            allowed_methods=parse_allowed_methods(_get(d, "allowedMethods", w), "allowedMethods"),
            metadata=_get(d, "metadata", w),
            session_key_guid=_get(d, "sessionKeyGuid", w),
            session_key=key,
            version=d.get("version", SESSION_VERSION),
        )


setattr(Session, "__init__", deprecated_keywords(authorisation_signature="authorization_signature")(Session.__init__))


@dataclass(frozen=True)
class SessionRequest:
    """x-sessions ``SessionRequest``: :attr:`typed_data` is what the wallet must sign."""

    typed_data: dict[str, Any]
    offchain_session: OffChainSession
    session_key: AnySessionKey

    def __post_init__(self) -> None:
        if not isinstance(self.typed_data, Mapping):
            raise SessionError("sessionTypedData must be an object (dict)")
        if not isinstance(self.offchain_session, OffChainSession):
            raise SessionError("offchain_session must be an OffChainSession")
        session_signing_key(self.session_key)

    def to_dict(self, include_private_key: bool = False) -> dict[str, Any]:
        """The x-sessions JSON object; ``sessionKey.privateKey`` only with ``include_private_key=True``.

        Without it, this is what the browser may see (it needs the typed data to have the wallet sign
        it); the server keeps the private key (``to_dict(include_private_key=True)``) to build the
        :class:`Session` once the wallet's signature comes back.
        """
        return {
            "sessionTypedData": self.typed_data,
            "offchainSession": self.offchain_session.to_dict(),
            "sessionKey": _session_key_dict(self.session_key, include_private_key),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "SessionRequest":
        w = "sessionRequest"
        return cls(
            _mapping(_get(d, "sessionTypedData", w), "sessionTypedData"),
            OffChainSession.from_dict(_get(d, "offchainSession", w)),
            SessionKey.from_dict(_get(d, "sessionKey", w)),
        )


class _InvalidSessionKey(SessionError, InvalidPrivateKey):
    """A session key that is not a private key: both a :class:`SessionError` (as before) and an
    :class:`~xsessions_core.errors.InvalidPrivateKey`."""


def felt_of(value: object, name: str, error: type[Exception] = SessionError) -> int:
    """The felt parser of the session objects (an int or a numeric string, as starknet.js ``BigInt``
    reads it; not empty), raising ``error`` (default :class:`SessionError`) naming ``name``."""
    return _felt(value, name, error)


def felts_of(values: Sequence[object], name: str) -> tuple[int, ...]:
    """A tuple of felts from a sequence of ints / hex strings (SessionError naming the element)."""
    return _felts(values, name)
