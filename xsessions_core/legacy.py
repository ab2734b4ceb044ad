"""Legacy plugin sessions: the API of ``@argent/x-sessions`` 4.8.7 (on starknet.js 4.22) in Python.

These sessions target the Cairo 0 ``ArgentPluginAccount`` with the ``SessionKey`` plugin of 2022
and Starknet's pre-0.10 transaction model (docs/protocol.md §5). Plugin accounts never reached mainnet and
public networks no longer accept invoke v0/v1 transactions: this module exists for API
compatibility and for existing deployments that still run it. Every value it computes is
byte-exact with the JavaScript library (``../shared/vectors/sessions_v4.json``).

The flow mirrors the JS README::

    request = RequestSession(key=hex(session_public_key), expires=..., policies=[Policy(addr, "transfer")])
    signed = await create_session(request, owner_account)            # the owner signs typed data
    session_account = SessionAccount(client, account_address, session_private_key, signed)
    tx_hash = await session_account.execute(calls, max_fee=10**15)

Data objects (:class:`Policy`, :class:`RequestSession`, :class:`PreparedSession`,
:class:`SignedSession`) keep the JSON representation of the JS library (hex strings as given,
``expires`` as a number, the owner signature as decimal strings), so ``from_dict``/``to_dict``
round-trip the objects a JS dapp stores byte for byte.

Transaction hash (docs/protocol.md §5.6): starknet.js 4.22 — what x-sessions 4.8.7 actually runs on —
signs the invoke **v1** hash of the calldata *without* the nonce while sending the calldata *with*
the nonce appended; that is the default here (``transaction_version=1``) because it is what the
vectors contain. ``transaction_version=0`` gives the invoke v0 hash of starknet.js <= 4.6 (over the
calldata with the nonce), the only combination the plugin account could actually accept.
"""

from __future__ import annotations

import inspect
import re
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from starknet_py.net.client_models import Call

from .chains import parse_chain_id
from .crypto import (
    compute_hash_on_elements,
    get_selector_from_name,
    message_signature,
    private_to_stark_key,
    unchecked,
)
from .encoding import felt_from, selector_from_name_cached, to_hex
from .errors import InvalidPrivateKey, MerkleTreeError, PolicyViolation, SessionError, TransactionError
from .merkle import HashMethod, MerkleTree
from .transactions import get_execute_calldata_cairo0, normalize_calls
from .typed_data import TypedData

__all__ = [
    "SESSION_PLUGIN_CLASS_HASH", "POLICY_TYPE_HASH", "SESSION_TYPE_HASH", "STARKNET_DOMAIN_TYPE_HASH",
    "USE_PLUGIN_SELECTOR", "TRANSACTION_VERSION", "QUERY_VERSION_BASE", "MAX_POLICIES", "LegacyChainId",
    "Policy", "RequestSession", "PreparedSession", "SignedSession", "LegacyInvoke", "FeeEstimate",
    "ExpiredSessionWarning",
    "prepare_policy", "create_merkle_tree_for_policies", "prepare_session", "get_session_typed_data",
    "session_message_hash", "create_session", "create_session_sync", "supports_sessions",
    "invoke_transaction_hash", "SessionAccount",
]

# --------------------------------------------------------------------------- constants (docs/protocol.md §5.1, §5.2)

#: Class hash of the Cairo 0 ``SessionKey`` plugin (XS4 ``SESSION_PLUGIN_CLASS_HASH``).
SESSION_PLUGIN_CLASS_HASH = 0x31C70ED28F4B0FAF39B2F97D8F0A61A36968319C13FE6F2051B8DE5A15F3D9B
#: ``sk("Policy(contractAddress:felt,selector:selector)")`` — the XS4 module constant.
POLICY_TYPE_HASH = 0x2F0026E78543F036F33E26A8F5891B88C58DC1E20CBBFAF0BB53274DA6FA568
#: ``sk("Session(key:felt,expires:felt,root:merkletree)")`` — hard-coded in the Cairo 0 plugin.
SESSION_TYPE_HASH = 0x1AA0E1C56B45CF06A54534FA1707C54E520B842FEB21D03B7DEDDB6F1E340C
#: ``sk("StarkNetDomain(chainId:felt)")`` — the session domain type hash of the plugin.
STARKNET_DOMAIN_TYPE_HASH = 0x13CDA234A04D66DB62C06B8E3AD5F91BD0C67286C2C7519A826CF49DA6BA478
#: ``sel("use_plugin")``.
USE_PLUGIN_SELECTOR = 0x27AD8765FC3B8F3AFEF2481081767DAADD0ABAFBD10A7FACE32534F2E4730E2
#: starknet.js 4.22 ``transactionVersion`` (what x-sessions 4.8.7 signs by default).
TRANSACTION_VERSION = 1
#: Fee-estimation ("query") versions are ``2**128 + version`` (starknet.js ``feeTransactionVersion``).
QUERY_VERSION_BASE = 2**128
#: Most policies a session may hold. x-sessions has no limit; this bound keeps a hostile session
#: JSON from costing minutes of Pedersen hashing (each policy is 4 hashes plus one tree node).
MAX_POLICIES = 10_000

_INVOKE_PREFIX = 0x696E766F6B65  # ss("invoke")
_EXECUTE_SELECTOR = get_selector_from_name("__execute__")
_IS_PLUGIN_SELECTOR = get_selector_from_name("is_plugin")


class LegacyChainId(IntEnum):
    """Chain ids of the starknet.js 4.x era (``constants.StarknetChainId``)."""

    MAINNET = 0x534E5F4D41494E  # ss("SN_MAIN")
    TESTNET = 0x534E5F474F45524C49  # ss("SN_GOERLI")
    TESTNET2 = 0x534E5F474F45524C4932  # ss("SN_GOERLI2")


class ExpiredSessionWarning(UserWarning):
    """A :class:`SessionAccount` was built from a session whose ``expires`` is in the past."""


# --------------------------------------------------------------------------- JSON field parsing

_HEX = re.compile(r"0[xX][0-9a-fA-F]+\Z")
_DEC = re.compile(r"[0-9]+\Z")


def _shown(value: object) -> str:
    """A short rendering of a rejected value for an error message (never a huge number)."""
    if isinstance(value, int):
        return f"an int of {value.bit_length()} bits" if value >= 0 else "a negative int"
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _int_felt(value: int, name: str) -> int:
    return felt_from(int(value), name, SessionError)


def _felt_text(text: str, name: str) -> None:
    """Check that a ``0x``/``0X`` hex or decimal string (already matched) is a felt."""
    felt_from(text, name, SessionError)


def _hex_str(value: object, name: str) -> str:
    """A felt as the JS hex string: an int is converted, a hex string is kept as spelled."""
    if isinstance(value, int) and not isinstance(value, bool):
        return to_hex(_int_felt(value, name))
    if not isinstance(value, str):
        raise SessionError(f"{name} must be a hex string, got {type(value).__name__}")
    if not _HEX.match(value):
        raise SessionError(f"{name} must be a 0x-prefixed hex string, got {_shown(value)}")
    _felt_text(value, name)
    return value


def _sig_str(value: object, name: str) -> str:
    """A signature element as a JS string: an int becomes decimal, a decimal or hex string is kept."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(_int_felt(value, name))
    if not isinstance(value, str):
        raise SessionError(f"{name} must be a decimal string, got {type(value).__name__}")
    if not (_DEC.match(value) or _HEX.match(value)):
        raise SessionError(f"{name} must be a decimal (or 0x hex) string, got {_shown(value)}")
    _felt_text(value, name)
    return value


def _num(text: str) -> int:
    """Value of a string already checked by :func:`_hex_str` or :func:`_sig_str`."""
    return int(text, 16) if text[:2] in ("0x", "0X") else int(text, 10)


def _expires(value: object, name: str = "expires") -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise SessionError(f"{name} must be an int (Unix time in seconds), got {type(value).__name__}")
    return _int_felt(value, name)


def _field(data: Mapping[str, Any], key: str, where: str) -> Any:
    if type(data) is not dict and not isinstance(data, Mapping):
        raise SessionError(f"{where} must be a JSON object, got {type(data).__name__}")
    if key not in data:
        raise SessionError(f"{where} is missing the field {key!r}")
    return data[key]


def _policies(value: object, name: str = "policies") -> tuple[Policy, ...]:
    if isinstance(value, tuple) and 0 < len(value) <= MAX_POLICIES and all(type(p) is Policy for p in value):
        return value  # already checked (a dataclass re-validating its own field)
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise SessionError(f"{name} must be a list of policies, got {type(value).__name__}")
    items = list(value)
    if not items:
        raise SessionError(f"{name} must contain at least one policy")
    if len(items) > MAX_POLICIES:
        raise SessionError(f"{name} has {len(items)} policies; at most {MAX_POLICIES} are accepted")
    return tuple(item if isinstance(item, Policy) else Policy._from_dict(item, f"{name}[{i}]")
                 for i, item in enumerate(items))


# --------------------------------------------------------------------------- data objects (docs/protocol.md §5.1)


@dataclass(frozen=True)
class Policy:
    """One allowed (contract, entry point) pair: JSON ``{contractAddress, selector}``.

    :param contract_address: the contract, a hex string (kept as spelled) or an int (converted).
    :param selector: the entry-point *name* (``"transfer"``) or a ``0x`` hex selector.
    """

    contract_address: str
    selector: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "contract_address", _hex_str(self.contract_address, "contract_address"))
        if not isinstance(self.selector, str):
            raise SessionError(f"selector must be a string, got {type(self.selector).__name__}")
        if _HEX.match(self.selector):
            _felt_text(self.selector, "selector")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """Parse ``{"contractAddress": ..., "selector": ...}``; raises :class:`SessionError`."""
        return cls._from_dict(data, "policy")

    @classmethod
    def _from_dict(cls, data: Any, where: str) -> Policy:
        address = _field(data, "contractAddress", where)
        selector = _field(data, "selector", where)
        if not isinstance(address, str):
            raise SessionError(f"{where}.contractAddress must be a hex string, got {type(address).__name__}")
        if not isinstance(selector, str):
            raise SessionError(f"{where}.selector must be a string, got {type(selector).__name__}")
        try:
            return cls(address, selector)
        except SessionError as exc:
            raise SessionError(f"{where}.contractAddress: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """The JS object ``{contractAddress, selector}``."""
        return {"contractAddress": self.contract_address, "selector": self.selector}


@dataclass(frozen=True)
class RequestSession:
    """What a dapp asks the owner to sign: JSON ``{key, expires, policies}``.

    :param key: the session public key (stark key), hex string or int.
    :param expires: Unix time in seconds.
    :param policies: the allowed calls (at least one).
    """

    key: str
    expires: int
    policies: tuple[Policy, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", _hex_str(self.key, "key"))
        object.__setattr__(self, "expires", _expires(self.expires))
        object.__setattr__(self, "policies", _policies(self.policies))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RequestSession:
        """Parse the JS object; raises :class:`SessionError` naming the bad field."""
        return cls(**_common_from_dict(data, "session"))

    def to_dict(self) -> dict[str, Any]:
        """The JS object ``{key, expires, policies}``."""
        return {"key": self.key, "expires": self.expires, "policies": [p.to_dict() for p in self.policies]}


@dataclass(frozen=True)
class PreparedSession(RequestSession):
    """A request with its policy Merkle root (XS4 ``prepareSession``): ``{key, expires, policies, root}``."""

    root: str = field(kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "root", _hex_str(self.root, "root"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PreparedSession:
        """Parse the JS object; raises :class:`SessionError` naming the bad field."""
        root = _field(data, "root", "session")
        if not isinstance(root, str):
            raise SessionError(f"session.root must be a hex string, got {type(root).__name__}")
        return cls(**_common_from_dict(data, "session"), root=root)

    def to_dict(self) -> dict[str, Any]:
        """The JS object ``{...request, root}``."""
        return {**super().to_dict(), "root": self.root}


@dataclass(frozen=True)
class SignedSession(PreparedSession):
    """A session signed by the owner (XS4 ``createSession`` result).

    JSON ``{key, policies, expires, root, signature}`` (that key order, as XS4 builds it), the
    owner signature as decimal strings (``[r, s]``; extra elements are kept but unused).
    """

    signature: tuple[str, ...] = field(kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        sig = self.signature
        if isinstance(sig, (str, bytes, Mapping)) or not isinstance(sig, Iterable):
            raise SessionError(f"signature must be a list [r, s], got {type(sig).__name__}")
        checked = tuple(_sig_str(v, f"signature[{i}]") for i, v in enumerate(sig))
        if len(checked) < 2:
            raise SessionError(f"signature must have at least 2 elements [r, s], got {len(checked)}")
        object.__setattr__(self, "signature", checked)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SignedSession:
        """Parse the JS object; raises :class:`SessionError` naming the bad field."""
        root = _field(data, "root", "session")
        sig = _field(data, "signature", "session")
        if not isinstance(root, str):
            raise SessionError(f"session.root must be a hex string, got {type(root).__name__}")
        if not isinstance(sig, list) or not all(isinstance(v, str) for v in sig):
            raise SessionError("session.signature must be a list of decimal strings")
        return cls(**_common_from_dict(data, "session"), root=root, signature=tuple(sig))

    def to_dict(self) -> dict[str, Any]:
        """The JS object, keys in XS4 order: ``{key, policies, expires, root, signature}``."""
        return {
            "key": self.key,
            "policies": [p.to_dict() for p in self.policies],
            "expires": self.expires,
            "root": self.root,
            "signature": list(self.signature),
        }

    @property
    def owner_signature(self) -> tuple[int, int]:
        """The owner's ``(r, s)`` as ints (the first two signature elements)."""
        return _num(self.signature[0]), _num(self.signature[1])


def _common_from_dict(data: Any, where: str) -> dict[str, Any]:
    key = _field(data, "key", where)
    expires = _field(data, "expires", where)
    if not isinstance(key, str):
        raise SessionError(f"{where}.key must be a hex string, got {type(key).__name__}")
    return {
        "key": key,
        "expires": _expires(expires, f"{where}.expires"),
        "policies": _policies(_field(data, "policies", where), f"{where}.policies"),
    }


# --------------------------------------------------------------------------- policies, tree, typed data


def _selector_value(selector: str) -> int:
    """starknet.js ``prepareSelector``: a ``0x`` hex string is the selector, anything else a name."""
    if _HEX.match(selector):
        return int(selector, 16)
    return selector_from_name_cached(selector)


def _leaf(contract_address: int, selector: int) -> int:
    return compute_hash_on_elements([POLICY_TYPE_HASH, contract_address, selector])


def prepare_policy(policy: Policy) -> int:
    """The policy's Merkle leaf: ``ped_chain([POLICY_TYPE_HASH, contractAddress, prepareSelector(selector)])``.

    Equal to the revision-0 struct hash of the ``Policy`` typed-data object (XS4 ``preparePolicy``).
    """
    return _leaf(_num(policy.contract_address), _selector_value(policy.selector))


def _policy_leaves(policies: Sequence[Policy]) -> list[int]:
    """:func:`prepare_policy` of many policies: each distinct pair is hashed once, in 3 batch calls.

    ``ped_chain([T, a, s]) = ped(ped(ped(ped(0, T), a), s), 3)`` (docs/protocol.md §1.4); every value is a
    checked felt (validated addresses, selectors < p), so the backend is called directly.
    """
    pairs = [(_num(p.contract_address), _selector_value(p.selector)) for p in policies]
    unique = list(dict.fromkeys(pairs))
    b = unchecked
    start = b.pedersen(0, POLICY_TYPE_HASH)
    level = b.pedersen_batch([(start, address) for address, _ in unique])
    level = b.pedersen_batch([(x, selector) for x, (_, selector) in zip(level, unique)])
    level = b.pedersen_batch([(x, 3) for x in level])
    leaf_of = dict(zip(unique, level))
    return [leaf_of[pair] for pair in pairs]


def create_merkle_tree_for_policies(policies: Iterable[Policy]) -> MerkleTree:
    """Pedersen Merkle tree of the policy leaves, in the given order (XS4 ``createMerkleTreeForPolicies``)."""
    return MerkleTree(_policy_leaves(_policies(list(policies))), HashMethod.PEDERSEN)


def prepare_session(request: RequestSession) -> PreparedSession:
    """``{...request, root}`` with the root of the policy tree (XS4 ``prepareSession``)."""
    root = create_merkle_tree_for_policies(request.policies).root
    return PreparedSession(key=request.key, expires=request.expires, policies=request.policies, root=to_hex(root))


def _chain_id(value: object) -> int:
    """A chain id of the plugin era: an int felt or a ``0x`` hex string (no names, no decimal
    strings), parsed by :func:`~xsessions_core.chains.parse_chain_id`."""
    if (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and _HEX.match(value)):
        try:
            return parse_chain_id(value, "chain_id", SessionError)
        except SessionError:
            pass
    raise SessionError(f"chain_id must be a felt as an int or a hex string, got {_shown(value)}")


def get_session_typed_data(request: RequestSession, chain_id: int | str) -> dict[str, Any]:
    """The exact revision-0 typed data the owner signs in XS4 ``createSession`` (docs/protocol.md §5.4).

    Its domain holds only ``chainId``; the ``root`` field is the policy list (a ``merkletree``).

    :param chain_id: the chain id as an int (e.g. :attr:`LegacyChainId.TESTNET`) or hex string.
    """
    return {
        "primaryType": "Session",
        "types": {
            "Policy": [{"name": "contractAddress", "type": "felt"}, {"name": "selector", "type": "selector"}],
            "Session": [
                {"name": "key", "type": "felt"},
                {"name": "expires", "type": "felt"},
                {"name": "root", "type": "merkletree", "contains": "Policy"},
            ],
            "StarkNetDomain": [{"name": "chainId", "type": "felt"}],
        },
        "domain": {"chainId": to_hex(_chain_id(chain_id))},
        "message": {
            "key": request.key,
            "expires": request.expires,
            "root": [p.to_dict() for p in request.policies],
        },
    }


def session_message_hash(request: RequestSession, chain_id: int | str, account_address: int) -> int:
    """The SNIP-12 rev 0 hash of :func:`get_session_typed_data` for ``account_address``."""
    return TypedData.from_dict(get_session_typed_data(request, chain_id)).message_hash(account_address)


# --------------------------------------------------------------------------- createSession


def _known_chain_id(account: Any) -> int | None:
    chain = getattr(account, "_chain_id", None)
    if chain is None:
        chain = getattr(account, "chain_id", None)
    return None if chain is None else _chain_id(chain)


def _owner_private_key(account: Any) -> int | None:
    key = getattr(getattr(account, "signer", None), "private_key", None)
    return key if isinstance(key, int) and not isinstance(key, bool) else None


def _sign_session(prepared: PreparedSession, account: Any, chain_id: int) -> Any:
    """Owner signature: our typed-data hash + the account's key, else ``account.sign_message(td)``."""
    typed_data = get_session_typed_data(prepared, chain_id)
    key = _owner_private_key(account)
    if key is not None:
        # starknet-py's own TypedData rejects this domain (chainId only), so hash it ourselves and
        # sign like starknet.js (RFC 6979 without extra entropy, seed=None).
        msg_hash = TypedData.from_dict(typed_data).message_hash(int(account.address))
        return message_signature(msg_hash, key)
    sign = getattr(account, "sign_message", None)
    if sign is None:
        raise TypeError("account must be a starknet-py Account or have sign_message(typed_data)")
    return sign(typed_data)


def _signed(prepared: PreparedSession, signature: Any) -> SignedSession:
    if isinstance(signature, (str, bytes)) or not isinstance(signature, Iterable):
        raise SessionError(f"the account returned a malformed signature: {type(signature).__name__}")
    return SignedSession(
        key=prepared.key, expires=prepared.expires, policies=prepared.policies, root=prepared.root,
        signature=tuple(signature),
    )


async def create_session(request: RequestSession, account: Any, chain_id: int | str | None = None) -> SignedSession:
    """Have the owner account sign the session (XS4 ``createSession``).

    :param account: a starknet-py ``Account`` whose signer holds a private key (signed with it,
        starknet.js nonces), or any object with ``sign_message(typed_data_dict)`` returning
        ``[r, s]`` (ints or strings; it may be a coroutine function).
    :param chain_id: the chain id; when ``None`` it is the account's known chain id, else it is
        fetched with ``account.client.get_chain_id()``.
    :return: the :class:`SignedSession`.
    """
    prepared = prepare_session(request)
    chain = chain_id if chain_id is not None else _known_chain_id(account)
    if chain is None:
        client = getattr(account, "client", None)
        if client is None:
            raise SessionError("chain_id is unknown: pass chain_id or an account with a client")
        chain = await client.get_chain_id()
    signature = _sign_session(prepared, account, _chain_id(chain))
    if inspect.isawaitable(signature):
        signature = await signature
    return _signed(prepared, signature)


def create_session_sync(request: RequestSession, account: Any, chain_id: int | str | None = None) -> SignedSession:
    """Synchronous :func:`create_session` for when no network access is needed.

    The chain id must be given or known to the account (``Account(chain=...)``).

    :raises SessionError: if the chain id is unknown.
    """
    prepared = prepare_session(request)
    chain = chain_id if chain_id is not None else _known_chain_id(account)
    if chain is None:
        raise SessionError("chain_id is unknown: pass chain_id, or use `await create_session(...)`")
    signature = _sign_session(prepared, account, _chain_id(chain))
    if inspect.isawaitable(signature):
        signature.close()  # type: ignore[attr-defined]
        raise TypeError("account.sign_message is asynchronous: use `await create_session(...)`")
    return _signed(prepared, signature)


# --------------------------------------------------------------------------- supportsSessions


async def supports_sessions(address: int | str, client: Any) -> bool:
    """True iff the account reports the session plugin as registered (XS4 ``supportsSessions``).

    Calls the view ``is_plugin(SESSION_PLUGIN_CLASS_HASH)`` (``starknet_call``); ``result[0] != 0``.

    :param client: a starknet-py ``Client`` (or an ``Account``: its client is used).
    """
    client = getattr(client, "client", client)
    to_addr = _num(_hex_str(address, "address"))
    result = await client.call_contract(Call(to_addr=to_addr, selector=_IS_PLUGIN_SELECTOR,
                                             calldata=[SESSION_PLUGIN_CLASS_HASH]))
    return bool(result) and int(result[0]) != 0


# --------------------------------------------------------------------------- the transaction (docs/protocol.md §5.6)


def invoke_transaction_hash(
    sender_address: int, execute_calldata: Sequence[int], nonce: int, max_fee: int, chain_id: int,
    version: int = TRANSACTION_VERSION,
) -> int:
    """Pedersen invoke hash as the starknet.js 4.x signer computes it for x-sessions 4.8.7.

    ``version`` 1 (starknet.js 4.22, also ``2**128 + 1`` for fee queries):
    ``ped_chain([ss("invoke"), version, sender, 0, ped_chain(calldata), max_fee, chain_id, nonce])``
    with ``execute_calldata`` **without** the nonce. ``version`` 0 (starknet.js <= 4.6, also
    ``2**128``): ``ped_chain([ss("invoke"), version, sender, sel("__execute__"),
    ped_chain(calldata + [nonce]), max_fee, chain_id])``.
    """
    if version % QUERY_VERSION_BASE == 1:
        return compute_hash_on_elements([
            _INVOKE_PREFIX, version, sender_address, 0, compute_hash_on_elements(execute_calldata),
            max_fee, chain_id, nonce,
        ])
    if version % QUERY_VERSION_BASE == 0:
        return compute_hash_on_elements([
            _INVOKE_PREFIX, version, sender_address, _EXECUTE_SELECTOR,
            compute_hash_on_elements([*execute_calldata, nonce]), max_fee, chain_id,
        ])
    raise TransactionError(f"transaction_version must be 0 or 1 (or a query version), got {version}")


@dataclass(frozen=True)
class LegacyInvoke:
    """A signed legacy ``__execute__`` invoke, as x-sessions 4.8.7 sends it.

    :ivar calls: the extended calls: the ``use_plugin`` call first, then the user's calls.
    :ivar calldata: the Cairo 0 ``__execute__`` calldata **with** the nonce appended (as sent).
    :ivar signature: the session key's ``[r, s]`` over :attr:`transaction_hash`.
    :ivar transaction_hash: the hash that was signed (v1 over the calldata without the nonce, or v0).
    """

    sender_address: int
    calls: tuple[Call, ...]
    calldata: tuple[int, ...]
    signature: tuple[int, int]
    transaction_hash: int
    nonce: int
    max_fee: int
    version: int

    def to_rpc(self) -> dict[str, Any]:
        """The JSON-RPC ``BROADCASTED_INVOKE_TXN`` object (v1 shape, or v0 shape for version 0)."""
        body: dict[str, Any] = {"type": "INVOKE"}
        if self.version % QUERY_VERSION_BASE == 0:
            body["contract_address"] = to_hex(self.sender_address)
            body["entry_point_selector"] = to_hex(_EXECUTE_SELECTOR)
        else:
            body["sender_address"] = to_hex(self.sender_address)
        body["calldata"] = [to_hex(v) for v in self.calldata]
        body["max_fee"] = to_hex(self.max_fee)
        body["version"] = to_hex(self.version)
        body["signature"] = [to_hex(v) for v in self.signature]
        if self.version % QUERY_VERSION_BASE != 0:
            body["nonce"] = to_hex(self.nonce)
        return body


@dataclass(frozen=True)
class FeeEstimate:
    """Result of :meth:`SessionAccount.estimate_fee`: the node's ``overall_fee`` and ``fee * 1.5``."""

    overall_fee: int
    suggested_max_fee: int


def _uint(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TransactionError(f"{name} must be an int felt (0 <= {name} < p), got {_shown(value)}")
    return felt_from(int(value), name, TransactionError)


class SessionAccount:
    """Sends transactions with a legacy session key (XS4 ``SessionAccount``).

    :param provider: a starknet-py ``Client`` (``FullNodeClient``), or an ``Account`` (its client
        and known chain id are used).
    :param address: the plugin account's address.
    :param session_signer: the session private key (int) or a starknet-py ``KeyPair``; it is never
        shown in ``repr``.
    :param signed_session: the owner-signed session (a :class:`SignedSession` or its JS dict).
    :param chain_id: the chain id; when ``None`` it is taken from the provider account or fetched
        once (``starknet_chainId``) by :meth:`execute`.
    :raises SessionError: if the session root does not match its policies (JS ``Invalid session``)
        or the session key is not the key the session was issued for.
    :raises InvalidPrivateKey: if the session key is not in ``[1, n)``.

    Warns :class:`ExpiredSessionWarning` if ``signed_session.expires`` is in the past.
    """

    def __init__(
        self, provider: Any, address: int | str, session_signer: Any,
        signed_session: SignedSession | Mapping[str, Any], chain_id: int | str | None = None,
    ) -> None:
        self._client = getattr(provider, "client", provider)
        self.address: int = _num(_hex_str(address, "address"))
        if not isinstance(signed_session, SignedSession):
            signed_session = SignedSession.from_dict(signed_session)
        self.signed_session: SignedSession = signed_session
        self.merkle_tree: MerkleTree = create_merkle_tree_for_policies(signed_session.policies)
        if self.merkle_tree.root != _num(signed_session.root):
            raise SessionError("Invalid session: the session root does not match the root of its policies")
        private_key = getattr(session_signer, "private_key", session_signer)
        if not isinstance(private_key, int) or isinstance(private_key, bool):
            raise InvalidPrivateKey("session_signer must be a private key int or a KeyPair")
        self.session_public_key: int = private_to_stark_key(private_key)
        self.__private_key = private_key
        if self.session_public_key != _num(signed_session.key):
            raise SessionError("session_signer's public key is not the session key (signed_session.key)")
        chain = chain_id if chain_id is not None else _known_chain_id(provider)
        self.chain_id: int | None = None if chain is None else _chain_id(chain)
        if signed_session.expires < time.time():
            warnings.warn(
                f"the session expired at {signed_session.expires} (Unix time); the plugin will reject it",
                ExpiredSessionWarning, stacklevel=2,
            )

    def __repr__(self) -> str:
        return (f"SessionAccount(address={to_hex(self.address)}, "
                f"session_public_key={to_hex(self.session_public_key)}, chain_id={self.chain_id})")

    # ----------------------------------------------------------------- offline part

    def _proofs(self, calls: Sequence[Call]) -> list[list[int]]:
        proofs = []
        for i, call in enumerate(calls):
            try:
                proofs.append(self.merkle_tree.get_proof(_leaf(call.to_addr, call.selector)))
            except MerkleTreeError:
                raise PolicyViolation(
                    f"calls[{i}] (contract {to_hex(call.to_addr)}, selector {to_hex(call.selector)}) "
                    "is not allowed by the session policies (leaf not found)"
                ) from None
        return proofs

    def extend_calls(self, calls: Any) -> list[Call]:
        """The user's calls with the ``use_plugin`` call prepended (XS4 ``extendCallsBySession``).

        ``use_plugin`` calldata: ``[class_hash, session_key, expires, root, proof_len,
        *proof_1, ..., *proof_m, owner_r, owner_s]`` with ``proof_len = len(proof_1)``.

        :param calls: starknet-py ``Call`` objects or JS dicts ``{contractAddress, entrypoint, calldata}``
            (one or a list).
        :raises PolicyViolation: if a call is not covered by the session policies.
        """
        # Cairo 0 era: a JS call without ``calldata`` means [] (starknet.js 4.x).
        normalized = normalize_calls(calls, require_calldata=False)
        if not normalized:
            raise TransactionError("calls must contain at least one call")
        proofs = self._proofs(normalized)
        session = self.signed_session
        owner_r, owner_s = session.owner_signature
        use_plugin = Call(
            to_addr=self.address,
            selector=USE_PLUGIN_SELECTOR,
            calldata=[
                SESSION_PLUGIN_CLASS_HASH, self.session_public_key, session.expires, _num(session.root),
                len(proofs[0]), *(e for proof in proofs for e in proof), owner_r, owner_s,
            ],
        )
        return [use_plugin, *normalized]

    def sign_execute(
        self, calls: Any, *, nonce: int, max_fee: int, transaction_version: int = TRANSACTION_VERSION,
        chain_id: int | str | None = None,
    ) -> LegacyInvoke:
        """Build and sign the ``__execute__`` invoke offline (XS4 ``execute`` without sending).

        :param nonce: the account nonce (appended to the calldata and, for v1, hashed separately).
        :param max_fee: the max fee in wei.
        :param transaction_version: 1 (starknet.js 4.22, default, as in the vectors) or 0 (the v0
            hash of starknet.js <= 4.6, the only one the plugin accepted); ``2**128 + v`` for a
            fee-estimation query.
        :param chain_id: overrides the account's chain id.
        :raises PolicyViolation: if a call is not covered by the session policies.
        :raises SessionError: if the chain id is unknown.
        """
        extended = self.extend_calls(calls)
        chain = self.chain_id if chain_id is None else _chain_id(chain_id)
        if chain is None:
            raise SessionError("chain_id is unknown: pass chain_id (or use `await execute(...)`)")
        return self._sign(extended, _uint(nonce, "nonce"), _uint(max_fee, "max_fee"),
                          _uint(transaction_version, "transaction_version"), chain)

    def _sign(self, extended: list[Call], nonce: int, max_fee: int, version: int, chain_id: int) -> LegacyInvoke:
        calldata = list(get_execute_calldata_cairo0(extended))
        tx_hash = invoke_transaction_hash(self.address, calldata, nonce, max_fee, chain_id, version)
        r, s = message_signature(tx_hash, self.__private_key)
        return LegacyInvoke(
            sender_address=self.address, calls=tuple(extended), calldata=(*calldata, nonce),
            signature=(r, s), transaction_hash=tx_hash, nonce=nonce, max_fee=max_fee, version=version,
        )

    # ----------------------------------------------------------------- network part

    async def _get_chain_id(self) -> int:
        if self.chain_id is None:
            self.chain_id = _chain_id(await self._client.get_chain_id())
        return self.chain_id

    async def _rpc(self, method: str, params: dict[str, Any]) -> Any:
        # starknet-py 0.30 serialises only v3 transactions (an InvokeV1 loses its max_fee), so
        # the legacy body is built by LegacyInvoke.to_rpc and sent through the client's own
        # JSON-RPC transport (same URL, session, error handling: ClientError on an RPC error).
        transport = getattr(self._client, "_client", None)
        if transport is None or not hasattr(transport, "call"):
            raise TypeError("provider must be a starknet-py FullNodeClient (or an Account using one)")
        return await transport.call(method_name=method, params=params)

    async def estimate_fee(
        self, calls: Any, *, nonce: int | None = None, transaction_version: int = TRANSACTION_VERSION,
    ) -> FeeEstimate:
        """Estimate the fee like XS4 ``estimateFee``: ``starknet_estimateFee`` on the query version.

        The invoke is signed with version ``2**128 + transaction_version`` and ``max_fee = 0``;
        ``suggested_max_fee = overall_fee * 150 // 100`` (starknet.js ``estimatedFeeToMaxFee``).

        :raises PolicyViolation: before any request if a call is not allowed.
        """
        extended = self.extend_calls(calls)
        return await self._estimate(extended, nonce, _uint(transaction_version, "transaction_version"))

    async def _estimate(self, extended: list[Call], nonce: int | None, version: int) -> FeeEstimate:
        # starknet_py.net.client_utils pulls in sympy (~0.3 s): imported at first use, not with the module
        from starknet_py.net.client_utils import get_block_identifier

        chain = await self._get_chain_id()
        if nonce is None:
            nonce = await self._client.get_contract_nonce(self.address)
        query = self._sign(extended, _uint(nonce, "nonce"), 0, QUERY_VERSION_BASE + version % QUERY_VERSION_BASE,
                           chain)
        result = await self._rpc("estimateFee", {
            "request": [query.to_rpc()], "simulation_flags": [], **get_block_identifier(),
        })
        try:
            overall = result[0]["overall_fee"]
            fee = int(overall, 0) if isinstance(overall, str) else int(overall)
        except (LookupError, TypeError, ValueError):
            raise TransactionError(f"malformed starknet_estimateFee result: {_shown(result)}") from None
        return FeeEstimate(overall_fee=fee, suggested_max_fee=fee * 150 // 100)

    async def execute(
        self, calls: Any, *, nonce: int | None = None, max_fee: int | None = None,
        transaction_version: int = TRANSACTION_VERSION,
    ) -> int:
        """Sign and send the calls through the session (XS4 ``SessionAccount.execute``).

        Checks the calls against the policies first (nothing is signed or sent if one is not
        allowed), then fetches what is missing: the chain id, the nonce (``starknet_getNonce``)
        and, when ``max_fee`` is ``None``, an estimate (:meth:`estimate_fee`, fee * 1.5); finally
        sends ``starknet_addInvokeTransaction`` with the v1 (or v0) body of
        :meth:`LegacyInvoke.to_rpc`.

        :return: the transaction hash returned by the node.
        :raises PolicyViolation: if a call is not covered by the session policies.
        :raises starknet_py.net.client_errors.ClientError: if the node answers an error.
        """
        extended = self.extend_calls(calls)
        version = _uint(transaction_version, "transaction_version")
        chain = await self._get_chain_id()
        if nonce is None:
            nonce = await self._client.get_contract_nonce(self.address)
        if max_fee is None:
            max_fee = (await self._estimate(extended, nonce, version)).suggested_max_fee
        invoke = self._sign(extended, _uint(nonce, "nonce"), _uint(max_fee, "max_fee"), version, chain)
        result = await self._rpc("addInvokeTransaction", {"invoke_transaction": invoke.to_rpc()})
        try:
            return int(result["transaction_hash"], 16)
        except (LookupError, TypeError, ValueError):
            raise TransactionError(f"malformed starknet_addInvokeTransaction result: {_shown(result)}") from None
