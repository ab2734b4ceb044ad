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
verified in one native batch (record, then replay: see :class:`_SigOracle`); the other kinds are
verified when the check reaches them by :meth:`~xsessions_core.signers.SignerSignature.verify`,
which gives the account's panics (``argent/malleable-signature``, ``webauthn/unverified-user``...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Union

from starknet_py.net.client_models import Call

from ..cairo_serde import CairoReader, SerdeNone, deserialize_all
from ..crypto import EC_ORDER, FIELD_PRIME, backend_module
from ..encoding import felt_from, node_felt_match
from ..errors import SessionError, TransactionError, XSessionsError, describe_value
from ..sessions.fee_limits import FeeLimits, PolicyVerdict, check_fee_limits
from ..sessions.objects import OnChainSession
from ..sessions.outside_execution import ANY_CALLER, outside_execution_hash_unchecked
from ..session_token import (
    SessionToken,
    SessionTokenError,
    TokenSession,
    decode_session_token_felts,
    is_session_signature,
    read_signer_signature,
)
from ..sessions.session import ALLOWED_METHOD_HASH, session_hash_from_onchain
from ..signers import Signer, SignerError, SignerSignature, SignerKind, StarknetSignature, StarknetSigner
from ..transactions import (
    QUERY_VERSION_OFFSET,
    InvokeV3Fields,
    invoke_v3_hashes_unchecked,
    parse_da_mode,
    parse_resource_bounds,
)
from ..versions import (
    CHECK_AUTHORIZATION,
    CHECK_BACKEND_SIGNATURE,
    CHECK_DECODE,
    CHECK_EXPIRED,
    CHECK_GUARDIAN_KEY,
    CHECK_MAGIC,
    CHECK_NO_MULTICALL_TO_SELF,
    CHECK_PROOF_COUNT,
    CHECK_PROOFS,
    CHECK_REVOKED,
    CHECK_SESSION_KEY,
    CHECK_SESSION_SIGNATURE,
    AccountRules,
    AccountVersion,
    AuthorizationScheme,
    UnsupportedAccountVersion,
)
from .cache import BoundedCache
from .keycache import clear_prepared_keys, verify_batch

if TYPE_CHECKING:
    from ..onchain import Block
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
    "InvokeV3Data",
    "OutsideExecutionData",
]

_P = FIELD_PRIME
_N = EC_ORDER
_M251 = 2**251
_VALID_INVOKE_VERSIONS = (1, 3, QUERY_VERSION_OFFSET + 1, QUERY_VERSION_OFFSET + 3)
_ESTIMATE_VERSIONS = (QUERY_VERSION_OFFSET + 1, QUERY_VERSION_OFFSET + 2, QUERY_VERSION_OFFSET + 3)
_VALIDATE_TIMESTAMP_ROUNDING = 3600

PHASE_VALIDATE = "validate"
PHASE_EXECUTE = "execute"
PHASE_OUTSIDE = "execute_from_outside_v2"
#: Phase of a verdict the node (gateway) gives before any contract code runs.
PHASE_NODE = "node"
#: The entry point cannot deserialise its first parameter (calldata, outside execution).
DESERIALIZE_PARAM_1 = "Failed to deserialize param #1"
#: Error of a signature that is not a session token (the account would take its owner/guardian
#: path, which this verifier does not model): not an account error string.
NOT_A_SESSION = "not a session signature"
#: Error of an outside execution whose nonce the shared relayer state holds (reserved by an
#: instance, or already submitted): not an account error string.
REPLAYED_OR_IN_FLIGHT = "outside nonce replayed or in flight"


# --------------------------------------------------------------------------- public data types

def _felt_arg(value: object, name: str) -> int:
    return felt_from(value, name, SessionError, short_strings=True)


def _version_arg(value: object, name: str) -> AccountVersion:
    try:
        return AccountVersion.parse(value)
    except UnsupportedAccountVersion as exc:
        raise SessionError(f"{name}: {exc}") from None


def _limit(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SessionError(f"{name} must be a non-negative int, got {describe_value(value)}")
    return int(value)


@dataclass(frozen=True)
class NodeRules:
    """What a Starknet node accepts before any contract code runs, and the verifier's own bounds.

    The defaults are the sequencer's gateway limits: starkware-libs/sequencer,
    ``crates/apollo_deployments/resources/app_configs/gateway_config.json``, tag ``v0.16.0-rc.1``
    (``stateless_tx_validator_config.max_calldata_length`` 5000, ``max_signature_length`` 4000;
    ``crates/blockifier/resources/blockifier_versioned_constants_0_14_1.json`` has the same
    ``gateway.max_calldata_length``). A longer calldata or signature gets a verdict in phase
    :data:`PHASE_NODE` before anything is hashed.

    :param max_calldata_length: most felts of ``calldata`` (for an outside execution: of the
        relayer's ``execute_from_outside_v2`` calldata, outside execution and signature included).
    :param max_signature_length: most felts of a transaction signature.
    :param max_proof_length: most felts of one allowed-method Merkle proof. x-sessions builds the
        tree from a JavaScript array (fewer than 2**32 leaves), so no tree is deeper than 32 and a
        longer proof can never reach the root: it is judged ``session/invalid-call`` without hashing.
    :param lenient_felts: also accept hex felts with an upper-case ``0X`` or leading zeros (a node
        rejects them).
    """

    max_calldata_length: int = 5000
    max_signature_length: int = 4000
    max_proof_length: int = 32
    lenient_felts: bool = False

    def __post_init__(self) -> None:
        for name in ("max_calldata_length", "max_signature_length", "max_proof_length"):
            object.__setattr__(self, name, _limit(getattr(self, name), name))
        if not isinstance(self.lenient_felts, bool):
            raise SessionError(f"lenient_felts must be a bool, got {type(self.lenient_felts).__name__}")


DEFAULT_NODE_RULES = NodeRules()


def _rules(value: object) -> NodeRules:
    if value is None:
        return DEFAULT_NODE_RULES
    if not isinstance(value, NodeRules):
        raise SessionError(f"rules must be a NodeRules or None, got {type(value).__name__}")
    return value


#: An owner or guardian as :class:`AccountInfo` takes it: a :class:`~xsessions_core.signers.Signer`
#: of any kind, or a Stark public key (an int or a felt string).
SignerArg = Union[Signer, int, str]

#: GUIDs of the signers of decoded tokens and authorisations (a pure memo, cleared when full:
#: GUIDs depend on no backend; WebAuthn signers are not kept).
_GUIDS: dict[Signer, int] = {}
_GUIDS_MAX = 16384


def _guid(signer: Signer) -> int:
    """``signer.guid``, memoised across decoded values (a relayer sees the same keys again and again)."""
    guid = _GUIDS.get(signer)
    if guid is None:
        guid = signer.guid
        if signer.kind is not SignerKind.Webauthn:
            if len(_GUIDS) >= _GUIDS_MAX:
                _GUIDS.clear()
            _GUIDS[signer] = guid
    return guid


def _signer_arg(value: object, name: str) -> Signer:
    """An owner or guardian: a :class:`Signer` as is, a Stark public key as a :class:`StarknetSigner`."""
    if isinstance(value, Signer):
        if type(value) is Signer:
            raise SessionError(f"{name} must be a Signer variant, got a bare Signer")
        return value
    key = _felt_arg(value, name)
    if key == 0:
        raise SessionError(f"{name} must be a non-zero Stark public key, got 0")
    return StarknetSigner(key)


def _stark_key(signer: Signer | None) -> int | None:
    return signer.pubkey if isinstance(signer, StarknetSigner) else None


@dataclass(frozen=True, init=False)
class AccountInfo:
    """The account a transaction is sent to, as the verifier needs it.

    ``AccountInfo(address, class_version, owner, guardian=None, guardian_backup=None)``; the owner
    and the guardians are :class:`~xsessions_core.signers.Signer` values of any kind, or Stark public
    keys (ints or felt strings, stored as :class:`~xsessions_core.signers.StarknetSigner`).

    :param address: the account address.
    :param class_version: the Argent account class, any :class:`~xsessions_core.versions.AccountVersion`
        spelling (``"0.4"``, ``"0.4.0"``, ``"0.5"``, ``"0.5.0"``); stored as the enum.
    :param owner: the owner signer.
    :param guardian: the guardian signer, ``None`` for an account without guardian.
    :param guardian_backup: 0.4.0 guardian backup (0.5.0: a second guardian), or ``None``.
    :param owner_public_key: alias of ``owner`` (a Stark key), as older releases spelled it; so are
        ``guardian_public_key`` and ``guardian_backup_public_key``.
    :raises SessionError: a value out of range, a missing owner, or a keyword given twice.
    """

    address: int
    class_version: str  # an AccountVersion (a str enum)
    owner: Signer
    guardian: Signer | None = None
    guardian_backup: Signer | None = None

    #: ``owner.guid``.
    owner_guid: int = field(init=False, repr=False, compare=False)
    #: GUID of the guardian, ``None`` without guardian.
    guardian_guid: int | None = field(init=False, repr=False, compare=False)
    #: The guardian signers (main guardian first, then the backup).
    guardian_signers: tuple[Signer, ...] = field(init=False, repr=False, compare=False)
    #: The Stark public keys of :attr:`guardian_signers` (guardians of other kinds are left out).
    guardian_keys: tuple[int, ...] = field(init=False, repr=False, compare=False)
    #: Everything above as ints and strs (a memo key: GUIDs, -1 for an absent guardian).
    cache_key: tuple[int | str, ...] = field(init=False, repr=False, compare=False)
    #: The :class:`~xsessions_core.versions.AccountRules` of :attr:`class_version`.
    rules: AccountRules = field(init=False, repr=False, compare=False)

    def __init__(self, address: int | str, class_version: AccountVersion | str, owner: SignerArg | None = None,
                 guardian: SignerArg | None = None, guardian_backup: SignerArg | None = None, *,
                 owner_public_key: int | str | None = None, guardian_public_key: int | str | None = None,
                 guardian_backup_public_key: int | str | None = None) -> None:
        def pick(value: SignerArg | None, alias: int | str | None, name: str) -> SignerArg | None:
            if value is not None and alias is not None:
                raise SessionError(f"give {name} or {name}_public_key, not both")
            return value if alias is None else alias

        owner_value = pick(owner, owner_public_key, "owner")
        guardian_value = pick(guardian, guardian_public_key, "guardian")
        backup_value = pick(guardian_backup, guardian_backup_public_key, "guardian_backup")
        if owner_value is None:
            raise SessionError("owner (or owner_public_key) is required")
        version = _version_arg(class_version, "class_version")
        set_ = object.__setattr__
        set_(self, "class_version", version)
        set_(self, "rules", version.rules)
        set_(self, "address", _felt_arg(address, "address"))
        set_(self, "owner", _signer_arg(owner_value, "owner"))
        set_(self, "guardian", None if guardian_value is None else _signer_arg(guardian_value, "guardian"))
        set_(self, "guardian_backup", None if backup_value is None else _signer_arg(backup_value, "guardian_backup"))
        if self.guardian_backup is not None and self.guardian is None:
            raise SessionError("guardian_backup requires a guardian")
        guardians = tuple(g for g in (self.guardian, self.guardian_backup) if g is not None)
        set_(self, "owner_guid", self.owner.guid)
        set_(self, "guardian_guid", None if self.guardian is None else self.guardian.guid)
        set_(self, "guardian_signers", guardians)
        set_(self, "guardian_keys", tuple(k for k in map(_stark_key, guardians) if k is not None))
        set_(self, "cache_key", (self.address, version.value, self.owner_guid,
                                 *(-1 if g is None else g.guid for g in (self.guardian, self.guardian_backup))))

    @property
    def owner_public_key(self) -> int | None:
        """The owner's Stark public key, ``None`` for an owner of another kind."""
        return _stark_key(self.owner)

    @property
    def guardian_public_key(self) -> int | None:
        """The guardian's Stark public key, ``None`` without guardian or for another kind."""
        return _stark_key(self.guardian)

    @property
    def guardian_backup_public_key(self) -> int | None:
        """The guardian backup's Stark public key, ``None`` without one or for another kind."""
        return _stark_key(self.guardian_backup)


@dataclass(frozen=True)
class AccountState:
    """Storage of the account that changes verdicts.

    :param revoked_sessions: session hashes revoked with ``revoke_session``.
    :param session_cache: ``(owner_guid, guardian_guid, session_hash) -> authorisation length``
        (cached authorisations, docs/protocol.md §6.6).
    :param used_outside_nonces: outside-execution nonces already used.
    """

    revoked_sessions: frozenset[int] = frozenset()
    session_cache: Mapping[tuple[int, int, int], int] = field(default_factory=dict)
    used_outside_nonces: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        for name in ("revoked_sessions", "used_outside_nonces"):
            values = getattr(self, name)
            if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
                raise SessionError(f"{name} must be a set of felts, got {type(values).__name__}")
            object.__setattr__(self, name, frozenset(_felt_arg(v, f"{name}[]") for v in values))
        if not isinstance(self.session_cache, Mapping):
            raise SessionError(f"session_cache must be a mapping, got {type(self.session_cache).__name__}")
        cache: dict[tuple[int, int, int], int] = {}
        for key, length in dict(self.session_cache).items():
            try:
                owner, guardian, session_hash = key
            except (TypeError, ValueError):
                raise SessionError("session_cache keys must be (owner_guid, guardian_guid, session_hash)") from None
            n = _felt_arg(length, "session_cache length")
            if n >> 32:
                raise SessionError(f"session_cache length must be a u32, got {n}")
            cache[(_felt_arg(owner, "owner_guid"), _felt_arg(guardian, "guardian_guid"),
                   _felt_arg(session_hash, "session_hash"))] = n
        object.__setattr__(self, "session_cache", cache)

    @classmethod
    async def from_chain(cls, client: Any, address: int | str, sessions: Iterable[Any], *,
                         account: AccountInfo | None = None, block: Block = "latest") -> AccountState:
        """The revoked and cached entries of ``sessions`` read from a Starknet node (a starknet-py
        ``Client``): :func:`xsessions_core.onchain.account_state_from_chain`."""
        from ..onchain import account_state_from_chain

        return await account_state_from_chain(client, address, sessions, account=account, block=block)


_EMPTY_STATE = AccountState()


@dataclass(frozen=True, repr=False)
class Verdict:
    """Outcome of a verification.

    :ivar valid: True iff the account would accept (validate and execute) the transaction.
    :ivar error: the account's error string when invalid, else ``None``.
    :ivar phase: where it fails (``"validate"``, ``"execute"``, ``"execute_from_outside_v2"``, or
        ``"node"`` for what a node rejects before the account runs), ``None`` when valid.
    :ivar query_only: the transaction carries a query version (``2**128 + 3``; for an outside
        execution, the relayer's transaction does): a fee estimate, which the account judges with
        some signatures skipped and which can never be executed. Not part of the comparison of
        two verdicts (the account's answer is ``valid`` / ``error`` / ``phase``).
    :ivar policy: the relayer-policy verdict (the session's ``txFees`` limits,
        :class:`~xsessions_core.sessions.fee_limits.PolicyVerdict`) when the caller passed
        ``fee_limits``, else ``None``. The contract does not enforce these limits, so ``valid`` never
        depends on it; not part of the comparison of two verdicts either.
    """

    valid: bool
    error: str | None = None
    phase: str | None = None
    query_only: bool = field(default=False, compare=False)
    policy: PolicyVerdict | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        query = ", query_only=True" if self.query_only else ""
        policy = f", policy={self.policy!r}" if self.policy is not None else ""
        return f"Verdict(valid={self.valid!r}, error={self.error!r}, phase={self.phase!r}{query}{policy})"

    def to_json(self) -> dict[str, Any]:
        """``{"valid", "error", "phase"}``, plus ``"query_only": true`` for a query-version transaction
        and ``"policy": {"allowed", "reason", "max_fee"}`` when fee limits were checked."""
        out: dict[str, Any] = {"valid": self.valid, "error": self.error, "phase": self.phase}
        if self.query_only:
            out["query_only"] = True
        if self.policy is not None:
            out["policy"] = self.policy.to_json()
        return out


class RejectedInput(TransactionError):
    """Input that the node or the contract rejects before any signature is looked at.

    The verifier turns it into its :attr:`verdict` (phase ``"node"``: a calldata or signature over
    the network's length limits; ``"execute_from_outside_v2"``: an outside execution the entry
    point cannot deserialise); the parsers raise it.
    """

    def __init__(self, error: str, phase: str) -> None:
        super().__init__(f"{error} (phase {phase})")
        self.verdict = Verdict(False, error, phase)


# --------------------------------------------------------------------------- input parsing

@dataclass(frozen=True)
class InvokeV3Data:
    """A parsed invoke v3 transaction (felts as ints)."""

    sender_address: int
    calldata: tuple[int, ...]
    version: int
    signature: tuple[int, ...]
    nonce: int
    resource_bounds: Any
    tip: int
    paymaster_data: tuple[int, ...]
    account_deployment_data: tuple[int, ...]
    nonce_da_mode: int
    fee_da_mode: int
    proof_facts: tuple[int, ...] = ()


def tx_field(tx: object, key: str, default: object = ...) -> object:
    """``tx[key]`` of a mapping or ``tx.key`` of an object; ``default`` when absent.

    :raises TransactionError: absent and no ``default``.
    """
    if type(tx) is dict or isinstance(tx, Mapping):
        if key in tx:
            return tx[key]
    elif hasattr(tx, key):
        return getattr(tx, key)
    if default is ...:
        raise TransactionError(f"transaction is missing {key!r}")
    return default


#: Node-spelled felt strings already read, and their values. A relayer sees the same addresses,
#: selectors, session fields and proofs in every transaction of a session: a dict lookup instead of
#: the pattern match and the conversion. Strings of at most 65 characters; cleared when full
#: (a pure memo: what it holds never changes a result); at most ~9 MiB (see :mod:`.cache`).
_NODE_FELTS: dict[str, int] = {}
_NODE_FELTS_MAX = 32768
#: Most new felts of one list that are memoised (transactions of real sessions have a few).
_NODE_FELTS_NEW_MAX = 64


def tx_felt(value: object, name: str, lenient: bool = False) -> int:
    """A felt of network input (:func:`~xsessions_core.encoding.felt_from` with ``network=True``)."""
    if type(value) is int and 0 <= value < _P:
        return value
    if type(value) is str and node_felt_match(value):
        v = int(value, 16)
        if v < _P:
            if len(_NODE_FELTS) >= _NODE_FELTS_MAX:
                _NODE_FELTS.clear()
            _NODE_FELTS[value] = v
            return v
    return felt_from(value, name, TransactionError, network=True, lenient_hex=lenient)


def _felt_list(values: object, name: str) -> Sequence[object]:
    """``values`` as a sequence (``None`` is empty), without converting its items."""
    if values is None:
        return ()
    if type(values) is list or type(values) is tuple:
        return values
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise TransactionError(f"{name} must be a list of felts, got {type(values).__name__}")
    return list(values)


def _tx_felts(values: Sequence[object], name: str, lenient: bool = False) -> tuple[int, ...]:
    """The felts of a list from :func:`_felt_list` (ints, or strings :func:`_tx_felt` accepts)."""
    out = tuple(values)
    for v in out:
        if type(v) is not int or not 0 <= v < _P:
            break
    else:
        return out  # type: ignore[return-value]
    # JSON-RPC shape: node-spelled hex strings, most of them seen before, the others read in bulk
    try:
        known = [_NODE_FELTS.get(v) for v in out]  # type: ignore[call-overload]
        if None not in known:
            return tuple(known)
        missing = [v for v, k in zip(out, known) if k is None]
        if all(map(node_felt_match, missing)):  # type: ignore[arg-type]
            ints = [int(v, 16) for v in missing]  # type: ignore[call-overload]
            if max(ints) < _P:
                if len(missing) <= _NODE_FELTS_NEW_MAX:  # a long list of new felts is not memoised
                    if len(_NODE_FELTS) + len(ints) > _NODE_FELTS_MAX:
                        _NODE_FELTS.clear()
                    _NODE_FELTS.update(zip(missing, ints))  # type: ignore[arg-type]
                new = iter(ints)
                return tuple([k if k is not None else next(new) for k in known])
    except TypeError:  # an item that is not a str (unhashable, or an int among strings)
        pass
    return tuple(tx_felt(v, f"{name}[{i}]", lenient) for i, v in enumerate(out))


def _node_spelled(bounds: dict[Any, Any]) -> bool:
    """Every amount and price of a resource-bounds dict is an int or node-spelled hex."""
    for bound in bounds.values():
        if type(bound) is not dict:
            return False
        for v in (bound.get("max_amount"), bound.get("max_price_per_unit")):
            if type(v) is not int and not (type(v) is str and node_felt_match(v)):
                return False
    return True


def _resource_bounds(value: object, lenient: bool) -> Any:
    """Resource bounds with every amount and price read by the network felt parser first."""
    if type(value) is dict and _node_spelled(value):
        return parse_resource_bounds(value)  # the spelling is the node's: its own parser agrees
    if not isinstance(value, Mapping):
        return parse_resource_bounds(value)
    strict: dict[str, object] = {}
    for resource, bound in value.items():
        if isinstance(bound, Mapping):
            bound = {k: tx_felt(v, f"resource_bounds.{resource}.{k}", lenient) if k in (
                "max_amount", "max_price_per_unit") else v for k, v in bound.items()}
        strict[resource] = bound
    return parse_resource_bounds(strict)


def _node_length(length: int, limit: int, what: str) -> None:
    """The gateway's length check (starkware-libs/sequencer, crates/apollo_gateway/src/errors.rs,
    tag v0.16.0-rc.1: ``CalldataTooLong`` / ``SignatureTooLong``)."""
    if length > limit:
        raise RejectedInput(f"{what} length exceeded maximum: length {length} (allowed length: {limit}).",
                            PHASE_NODE)


def parse_invoke_v3(tx: object, rules: NodeRules | None = None) -> InvokeV3Data:
    """Parse an invoke v3 transaction: a JSON-RPC broadcast mapping or a starknet-py ``InvokeV3``.

    Felts are read as a node reads them (see :class:`NodeRules` ``lenient_felts``); the lengths of
    ``calldata`` and ``signature`` are checked against ``rules`` before any item is converted.

    :raises RejectedInput: a calldata or signature longer than the node accepts.
    :raises TransactionError: missing field, value that is not a felt, unsupported version.
    """
    r = _rules(rules)
    lenient = r.lenient_felts
    if isinstance(tx, (str, bytes)) or not (isinstance(tx, Mapping) or hasattr(tx, "calldata")):
        raise TransactionError(f"a transaction must be a mapping or an InvokeV3, got {type(tx).__name__}")
    calldata = _felt_list(tx_field(tx, "calldata"), "calldata")
    signature = _felt_list(tx_field(tx, "signature"), "signature")
    _node_length(len(calldata), r.max_calldata_length, "Calldata")
    _node_length(len(signature), r.max_signature_length, "Signature")
    version = tx_felt(tx_field(tx, "version", 3), "version", lenient)
    if version in (1, QUERY_VERSION_OFFSET + 1):
        raise TransactionError("only INVOKE v3 transactions are supported (got version 1)")

    def felts(key: str, default: object) -> tuple[int, ...]:
        raw = tx_field(tx, key, default)
        if not raw and (raw is None or type(raw) is list or type(raw) is tuple):
            return ()
        values = _felt_list(raw, key)
        _node_length(len(values), r.max_calldata_length, key.replace("_", " ").capitalize())
        return _tx_felts(values, key, lenient)

    return InvokeV3Data(
        sender_address=tx_felt(tx_field(tx, "sender_address"), "sender_address", lenient),
        calldata=_tx_felts(calldata, "calldata", lenient),
        version=version,
        signature=_tx_felts(signature, "signature", lenient),
        nonce=tx_felt(tx_field(tx, "nonce"), "nonce", lenient),
        resource_bounds=_resource_bounds(tx_field(tx, "resource_bounds"), lenient),
        tip=tx_felt(tx_field(tx, "tip", 0), "tip", lenient),
        paymaster_data=felts("paymaster_data", ()),
        account_deployment_data=felts("account_deployment_data", ()),
        nonce_da_mode=parse_da_mode(tx_field(tx, "nonce_data_availability_mode", 0), "nonce_data_availability_mode"),
        fee_da_mode=parse_da_mode(tx_field(tx, "fee_data_availability_mode", 0), "fee_data_availability_mode"),
        proof_facts=felts("proof_facts", None),
    )


def _hash_fields(tx: InvokeV3Data, chain_id: int) -> InvokeV3Fields:
    """The fields :func:`~xsessions_core.transactions.invoke_v3_hashes_unchecked` hashes (tip checked)."""
    if tx.tip >> 64:
        raise TransactionError(f"tip must be a u64 (0 <= tip < 2**64), got {tx.tip}")
    return (tx.sender_address, tx.calldata, chain_id, tx.nonce, tx.resource_bounds, tx.tip, tx.paymaster_data,
            tx.account_deployment_data, tx.nonce_da_mode, tx.fee_da_mode, tx.version, tx.proof_facts)


@dataclass(frozen=True)
class OutsideExecutionData:
    """A parsed SNIP-9 ``OutsideExecution`` (felts as ints; calls as starknet-py ``Call``)."""

    caller: int
    nonce: int
    execute_after: int
    execute_before: int
    calls: tuple[Call, ...]


def parse_outside_execution(outside_execution: object, rules: NodeRules | None = None) -> OutsideExecutionData:
    """Parse an ``OutsideExecution``: ours (:class:`~xsessions_core.sessions.outside_execution.OutsideExecution`),
    starknet-py's (``starknet_py.net.client_models.OutsideExecution``), any object with these
    attributes, or a mapping ``{caller, nonce, execute_after, execute_before, calls: [{to,
    selector, calldata}]}``.

    A value the entry point cannot deserialise (``caller`` or a call's ``to`` >= 2**251, an
    ``execute_*`` >= 2**64) raises :class:`RejectedInput` with the contract's
    ``Failed to deserialize param #1``.

    :raises TransactionError: missing field, value that is not a felt.
    """
    if isinstance(outside_execution, OutsideExecutionData):
        return outside_execution
    lenient = _rules(rules).lenient_felts
    oe = outside_execution
    if isinstance(oe, (str, bytes)) or not (isinstance(oe, Mapping) or hasattr(oe, "calls")):
        raise TransactionError(f"outside_execution must be a mapping or an OutsideExecution, got {type(oe).__name__}")
    caller = tx_felt(tx_field(oe, "caller"), "caller", lenient)
    nonce = tx_felt(tx_field(oe, "nonce"), "nonce", lenient)
    after = tx_felt(tx_field(oe, "execute_after"), "execute_after", lenient)
    before = tx_felt(tx_field(oe, "execute_before"), "execute_before", lenient)
    raw_calls = tx_field(oe, "calls")
    if isinstance(raw_calls, (str, bytes, Mapping)) or not isinstance(raw_calls, Iterable):
        raise TransactionError("calls must be a list of {to, selector, calldata}")
    calls = []
    to: object
    sel: object
    data: object
    for i, c in enumerate(raw_calls):
        if isinstance(c, Call):
            to, sel, data = c.to_addr, c.selector, c.calldata
        else:
            if isinstance(c, (str, bytes)) or not (isinstance(c, Mapping) or hasattr(c, "selector")):
                raise TransactionError(f"calls[{i}] must be a mapping {{to, selector, calldata}}")
            to = tx_field(c, "to", None)
            to = tx_field(c, "to_addr") if to is None else to
            sel, data = tx_field(c, "selector"), tx_field(c, "calldata", ())
        calls.append(Call(to_addr=tx_felt(to, f"calls[{i}].to", lenient),
                          selector=tx_felt(sel, f"calls[{i}].selector", lenient),
                          calldata=list(_tx_felts(_felt_list(data, f"calls[{i}].calldata"), f"calls[{i}].calldata",
                                                  lenient))))
    # OutsideExecution { caller: ContractAddress, nonce, execute_after: u64, execute_before: u64,
    # calls: Span<Call { to: ContractAddress, .. }> } (argentlabs/argent-contracts-starknet,
    # src/outside_execution/interface.cairo, tags account-0.4.0 and v0.5.0): out-of-range values do
    # not deserialise
    if caller >= _M251 or after >> 64 or before >> 64 or any(c.to_addr >= _M251 for c in calls):
        raise RejectedInput(DESERIALIZE_PARAM_1, PHASE_OUTSIDE)
    return OutsideExecutionData(caller=caller, nonce=nonce, execute_after=after, execute_before=before,
                                calls=tuple(calls))


def _outside_calldata_length(oe: object, signature: Sequence[object]) -> int | None:
    """Felts of the relayer's ``execute_from_outside_v2`` calldata (``[1, to, selector, len,
    caller, nonce, after, before, n_calls, (to, selector, len, *calldata)..., len, *signature]``),
    counted from the list lengths only; ``None`` when the shape is not known yet."""
    try:
        raw_calls = tx_field(oe, "calls", ())
        calls = list(raw_calls) if isinstance(raw_calls, (list, tuple)) else None
        if calls is None:
            return None
        total = 4 + 5 + 1 + len(signature)
        for c in calls:
            data = c.calldata if isinstance(c, Call) else tx_field(c, "calldata", ())
            if not isinstance(data, (list, tuple)):
                return None
            total += 3 + len(data)
        return total
    except (TransactionError, TypeError):
        return None


class _CalldataPanic(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_execute_calls(calldata: Sequence[int]) -> list[Call]:
    """``__execute__(calls: Array<Call>)`` argument decoding as the Cairo entry point does it.

    :raises _CalldataPanic: with the Starknet error string (``Failed to deserialize param #1``,
        ``Index out of bounds``, ``Input too long for arguments``).
    """
    fast = _execute_calls_fast(calldata)
    if fast is not None:
        return fast

    def calls(r: CairoReader) -> list[Call]:
        def call() -> Call:
            to = r.felt()
            if to >= _M251:
                raise SerdeNone("ContractAddress >= 2**251")
            return Call(to_addr=to, selector=r.felt(), calldata=list(r.span_felt()))
        return list(r.span_of(call))

    return deserialize_all(calldata, calls, _CalldataPanic, "Failed to deserialize param #1", "Input too long for arguments")


def _execute_calls_fast(data: Sequence[int]) -> list[Call] | None:
    """:func:`parse_execute_calls` of well-formed calldata (every address below 2**251, every
    length in range, nothing left over) without the general reader; ``None`` otherwise, and the
    reader then finds the error."""
    end = len(data)
    if not end or data[0] > end:
        return None
    pos, out = 1, []
    for _ in range(data[0]):
        if pos + 3 > end:
            return None
        to, selector, length = data[pos], data[pos + 1], data[pos + 2]
        pos += 3
        if to >= _M251 or length > end - pos:
            return None
        out.append(Call(to_addr=to, selector=selector, calldata=list(data[pos:pos + length])))
        pos += length
    return out if pos == end else None


# --------------------------------------------------------------------------- caches (thread safe)

# Limits of the memos; the worst-case memory they add up to is in the docstring of .cache.
_session_hashes = BoundedCache(16384, 8 << 20, 8)
_leaves = BoundedCache(65536, 8 << 20, 3)
#: proof checks: (root, leaf, *proof) -> bool (proofs of at most NodeRules.max_proof_length felts)
_proofs = BoundedCache(65536, 16 << 20, 2 + 64)
#: verified authorisation signatures: (backend, hash, pubkey, r, s) -> bool
_auth_signatures = BoundedCache(65536, 16 << 20, 5)
#: outcome of the whole authorisation check ("" = accepted, else the account's error), keyed by
#: everything it reads: backend, account, session hash, token cache flag, guardian signer,
#: authorisation felts, estimate flag and the cached authorisation length of the state
_auth_outcomes = BoundedCache(16384, 32 << 20, 4096)


def clear_caches() -> None:
    """Forget every memoised hash, verified authorisation and prepared key (tests, benchmarks)."""
    for cache in (_session_hashes, _leaves, _proofs, _auth_signatures, _auth_outcomes):
        cache.clear()
    clear_prepared_keys()


def _session_hash(session: TokenSession, account_address: int, chain_id: int) -> int:
    """``session_hash_from_onchain`` of a decoded token's session, memoised."""
    key = (chain_id, account_address, *session.as_felts())
    cached = _session_hashes.get(key)
    if cached is None:
        cached = session_hash_from_onchain(OnChainSession(*session.as_felts()), account_address, chain_id)
        _session_hashes.put(key, cached, 7)
    return cached  # type: ignore[no-any-return]


def _leaf(to: int, selector: int) -> int:
    key = (to, selector)
    leaf = _leaves.get(key)
    if leaf is None:
        leaf = backend_module().poseidon_many([ALLOWED_METHOD_HASH, to, selector])
        _leaves.put(key, leaf, 3)
    return leaf  # type: ignore[no-any-return]


def _merkle_ok(root: int, leaf: int, proof: tuple[int, ...]) -> bool:
    """Alexandria ``MerkleTree::verify`` with the 2-input Poseidon (sorted pairs)."""
    key = (root, leaf, proof)
    ok = _proofs.get(key)
    if ok is None:
        b = backend_module()
        cur = leaf
        for e in proof:
            cur = b.poseidon(cur, e) if cur < e else b.poseidon(e, cur)
        ok = cur == root
        _proofs.put(key, ok, 2 + len(proof))
    return ok  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- signatures

def cairo_ecdsa_args(msg_hash: int, pubkey: int, r: int, s: int) -> tuple[int, int, int, int] | None:
    """Arguments for the backend ``verify`` equivalent to Cairo ``check_ecdsa_signature``, or
    ``None`` when the signature is certainly invalid.

    Cairo multiplies points by the felts ``msg_hash`` and ``s`` (so they count modulo the curve
    order n) and rejects only ``s ∈ {0, n}``, ``r = n`` and ``r``/``pubkey`` that are not
    x-coordinates; the backend ``verify`` takes ``0 <= z < 2**256`` (scalar ``z mod n``) and wants
    ``r < 2**251``, ``1 <= s < n``, so ``s`` and ``z >= n`` are reduced modulo n first (a ``z`` in
    ``[2**251, n)`` is passed as is). ``r >= 2**251`` is treated as invalid.
    """
    if s >= _N:
        s -= _N
    if s == 0 or r == 0 or r >= _M251:
        return None
    if msg_hash >= _N:
        msg_hash -= _N
    return (msg_hash, r, s, pubkey)


class _SigOracle:
    """Answers "is this signer signature valid over this hash?" for one check.

    Stark signatures: in recording mode every one is answered ``True`` and remembered; the batch is
    then verified in one backend call and the check is re-run with the answers (the set of
    signatures a run needs never grows when some are invalid, so the recorded set always covers the
    real run). Signatures of the other kinds are verified when asked (once per check: the re-run
    reuses the answer) by :meth:`~xsessions_core.signers.SignerSignature.verify`; a panic of the
    account (and the 0.5.0 range panics of a Stark signature) raises :class:`_Fail` in both runs.
    """

    __slots__ = ("answers", "pending", "cacheable", "version", "range_check", "others")

    def __init__(self, rules: AccountRules) -> None:
        self.answers: dict[tuple[int, int, int, int], bool] | None = None
        self.pending: list[tuple[int, int, int, int]] = []
        self.cacheable: set[tuple[int, int, int, int]] = set()
        self.version = rules.version
        self.range_check = rules.stark_signature_range_check
        self.others: dict[tuple[int, SignerSignature], str | None] = {}

    def check(self, sig: SignerSignature, msg_hash: int, cacheable: bool = False) -> bool:
        signature = sig.signature
        if type(signature) is not StarknetSignature:
            return self._check_other(sig, msg_hash)
        r, s = signature.r, signature.s
        if (r >= _N or s >= _N) and self.range_check:
            # the account asserts r, s < the STARK order first: the signers package gives the panic
            raise _Fail(sig.verify(msg_hash, self.version, invalid="argent/invalid-r-value") or "")
        key = (msg_hash, sig.signer.pubkey, r, s)  # type: ignore[attr-defined]
        if self.answers is not None:
            answer = self.answers.get(key)
            if answer is None:  # not recorded: verify it now (never relied on, kept for safety)
                args = cairo_ecdsa_args(*key)
                answer = args is not None and bool(verify_batch([args])[0])
                self.answers[key] = answer
            return answer
        self.pending.append(key)
        if cacheable:
            self.cacheable.add(key)
        return True

    def _check_other(self, sig: SignerSignature, msg_hash: int) -> bool:
        """A signature of another kind than Starknet: ``True`` / ``False``, or the account's panic."""
        key = (msg_hash, sig)
        if key in self.others:
            error = self.others[key]
        else:
            try:
                error = sig.verify(msg_hash, self.version, invalid="")
            except SignerError:  # a value the account cannot hold (never from a decoded token)
                error = ""
            self.others[key] = error
        if error:
            raise _Fail(error)
        return error is None


def resolve_signatures(oracles: Sequence[_SigOracle]) -> None:
    """Verify every pending signature of ``oracles`` with one backend batch call (a key used before
    verifies with its prepared table, :mod:`.keycache`; the answers are the same)."""
    b = backend_module()
    name = b.NAME
    todo: dict[tuple[int, int, int, int], None] = {}
    known: dict[tuple[int, int, int, int], bool] = {}
    for o in oracles:
        for key in o.pending:
            if key in known or key in todo:
                continue
            if key in o.cacheable:
                hit = _auth_signatures.get((name, *key))
                if hit is not None:
                    known[key] = hit
                    continue
            todo[key] = None
    keys = list(todo)
    items: list[tuple[int, int, int, int]] = []
    slots: list[int | None] = []
    for key in keys:
        args = cairo_ecdsa_args(*key)
        if args is None:
            slots.append(None)
        else:
            slots.append(len(items))
            items.append(args)
    results = verify_batch(items)  # keys seen before verify with their prepared tables (.keycache)
    cacheable = set().union(*(o.cacheable for o in oracles)) if oracles else set()
    for key, slot in zip(keys, slots):
        ok = False if slot is None else bool(results[slot])
        known[key] = ok
        if key in cacheable:
            _auth_signatures.put((name, *key), ok, 4)
    for o in oracles:
        o.answers = {key: known[key] for key in o.pending}


# --------------------------------------------------------------------------- the session check

class _Fail(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class SessionCheck:
    """One run of ``assert_valid_session(calls, hash, signature)`` (memoises its hashes)."""

    account: AccountInfo
    state: AccountState
    chain_id: int
    calls: Sequence[Call]
    tx_hash: int
    signature: Sequence[int]
    timestamp: int
    estimate: bool
    oracle: _SigOracle = field(init=False)
    rules: AccountRules = field(init=False)
    #: fee estimation on a version that skips the session-key and backend signatures
    skip_session_signatures: bool = field(init=False)
    #: the steps of the check before the proofs, and from the proofs on (:func:`_plan`)
    plan: tuple[tuple[Callable[[SessionCheck], None], ...], tuple[Callable[[SessionCheck], None], ...]] = field(
        init=False)
    token: SessionToken | None = None
    decode_error: str = ""
    session_hash: int = 0
    message: int = 0
    max_proof_length: int = DEFAULT_NODE_RULES.max_proof_length
    auth_key: tuple[Any, ...] | None = None
    auth_outcome: str | None = None
    #: what the first run read from :data:`_auth_outcomes` (later runs reuse it: an eviction by
    #: another request between the runs cannot change the path a run takes)
    auth_memo: str | None = None
    auth_memo_read: bool = False

    def __post_init__(self) -> None:
        self.rules = self.account.rules
        self.oracle = _SigOracle(self.rules)
        self.skip_session_signatures = self.estimate and self.rules.estimate_skips_session_signatures
        self.plan = _plan(self.rules)

    def run(self) -> str | None:
        """The account's error string, or ``None`` when the session signature is accepted.

        :meth:`decode` must have been called and :attr:`message` set (see :func:`_start_checks`).
        """
        self.auth_outcome = None
        try:
            self._run()
        except _Fail as exc:
            return exc.error
        return None

    def decode(self) -> list[int] | None:
        """Decode the token and compute the session hash (memoised per session); returns the
        inputs of the token message ``[tx_hash, session_hash, cache_value]``, ``None`` if the
        signature does not decode (:meth:`run` then reports the decoding error)."""
        try:
            token = decode_session_token_felts(self.signature, self.rules.version)
        except SessionTokenError as exc:
            self.decode_error = exc.contract_error
            return None
        self.token = token
        self.session_hash = _session_hash(token.session, self.account.address, self.chain_id)
        return [self.tx_hash, self.session_hash, token.cache_value]

    def _run(self) -> None:
        """The steps of :attr:`rules` ``.session_checks`` in order; a recording run (no answers yet)
        stops before the proofs, which wait for the signatures (:meth:`proofs_error`)."""
        before_proofs, from_proofs = self.plan
        for step in before_proofs:
            step(self)
        if self.oracle.answers is None:
            return
        for step in from_proofs:
            step(self)

    def proofs_error(self) -> str | None:
        """The steps from the proofs on, that end a run whose signatures were all valid: the
        account's error or ``None``."""
        try:
            for step in self.plan[1]:
                step(self)
        except _Fail as exc:
            return exc.error
        return None

    def _decoded(self) -> SessionToken:
        token = self.token
        assert token is not None  # the decode step ran before
        return token

    # ---- the steps (CHECK_* of xsessions_core.versions)

    def _check_no_multicall_to_self(self) -> None:
        address = self.account.address
        for call in self.calls:
            if call.to_addr == address:
                raise _Fail("argent/no-multicall-to-self")

    def _check_magic(self) -> None:
        if not is_session_signature(self.signature):
            raise _Fail("session/invalid-magic-value")

    def _check_decode(self) -> None:
        if self.token is None:
            raise _Fail(self.decode_error)

    def _check_revoked(self) -> None:
        if self.session_hash in self.state.revoked_sessions:
            raise _Fail("session/revoked")

    def _check_expired(self) -> None:
        if self._decoded().session.expires_at < self.timestamp:
            raise _Fail("session/expired")

    def _check_session_key(self) -> None:
        token = self._decoded()
        if _guid(token.session_signature.signer) != token.session.session_key_guid:
            raise _Fail("session/session-key-mismatch")

    def _check_session_signature(self) -> None:
        if not (self.oracle.check(self._decoded().session_signature, self.message) or self.skip_session_signatures):
            raise _Fail("session/invalid-session-sig")

    def _check_guardian_key(self) -> None:
        if self._decoded().guardian_signature.signer != self.account.guardian:
            raise _Fail("session/guardian-key-mismatch")

    def _check_backend_signature(self) -> None:
        if not (self.oracle.check(self._decoded().guardian_signature, self.message) or self.skip_session_signatures):
            raise _Fail("session/invalid-backend-sig")

    def _check_proof_count(self) -> None:
        if len(self._decoded().proofs) != len(self.calls):
            raise _Fail("session/unaligned-proofs")

    def _check_proofs(self) -> None:
        token = self._decoded()
        root = token.session.allowed_methods_root
        for call, proof in zip(self.calls, token.proofs):
            # no allowed-methods tree is deeper than max_proof_length (NodeRules): such a proof
            # cannot reach the root, and is not hashed
            if len(proof) > self.max_proof_length or not _merkle_ok(root, _leaf(call.to_addr, call.selector), proof):
                raise _Fail("session/invalid-call")

    def _check_authorization(self) -> None:
        """The version's authorisation check; its outcome is memoised (:data:`_auth_outcomes`)."""
        token = self._decoded()
        acct, cache = self.account, self.state.session_cache
        single_owner = self.rules.authorization is AuthorizationScheme.SINGLE_OWNER
        if single_owner:
            cached = cache.get((acct.owner_guid, acct.guardian_guid, self.session_hash), 0) if (
                cache and token.cache_value and acct.guardian_guid is not None) else 0
        else:
            cached = cache.get((token.cache_flag, _guid(token.guardian_signature.signer), self.session_hash), 0) if (
                cache and token.cache_flag) else 0
        key = (backend_module().NAME, acct.cache_key, self.session_hash, token.cache_flag,
               token.guardian_signature.signer, token.session_authorization, self.estimate, cached)
        if not self.auth_memo_read:
            self.auth_memo, self.auth_memo_read = _auth_outcomes.get(key), True
        outcome = self.auth_memo
        if outcome is None:
            self.auth_key = key
            try:
                if single_owner:
                    self._authorization_single_owner(token)
                else:
                    self._authorization_multi_owner(token)
            except _Fail as exc:
                self.auth_outcome = exc.error
                raise
            self.auth_outcome = ""
        elif outcome:
            raise _Fail(outcome)

    def remember_authorization(self) -> None:
        """Memoise the authorisation outcome of the last (final) :meth:`run`, if it got that far."""
        if self.auth_key is not None and self.auth_outcome is not None:
            key = self.auth_key
            _auth_outcomes.put(key, self.auth_outcome, 4 + len(key[1]) + len(key[4].to_felts()) + len(key[5]))

    def _valid_auth_sig(self, sig: SignerSignature) -> bool:
        """``signer_signature.is_valid_signature(session_hash) || is_estimate_transaction()``."""
        return self.oracle.check(sig, self.session_hash, cacheable=True) or self.estimate

    def _read_signatures(self, r: CairoReader, count: int | None) -> list[SignerSignature]:
        version = self.oracle.version
        return [read_signer_signature(r, version) for _ in range(count)] if count is not None else list(
            r.span_of(lambda: read_signer_signature(r, version)))

    # ---- AuthorizationScheme.SINGLE_OWNER (0.4.0)

    def _authorization_single_owner(self, token: SessionToken) -> None:
        acct = self.account
        if acct.guardian is None:
            raise _Fail("session/no-guardian")
        auth = token.session_authorization
        if token.cache_value and acct.guardian_guid is not None:
            key = (acct.owner_guid, acct.guardian_guid, self.session_hash)
            cached = self.state.session_cache.get(key, 0)
            if cached:
                if len(auth) > cached:
                    raise _Fail("session/invalid-auth-len")
                return
        parsed = self._parse_signature_array_single_owner(auth)
        # is_valid_span_signature (the account has a guardian here)
        if len(parsed) != 2:
            raise _Fail("argent/invalid-signature-length")
        owner, guardian = parsed
        valid = (owner.signer == acct.owner and self._valid_auth_sig(owner)) and (
            guardian.signer in acct.guardian_signers and self._valid_auth_sig(guardian))
        if not valid:
            raise _Fail("session/invalid-account-sig")
        if _guid(guardian.signer) != acct.guardian_guid:
            raise _Fail("session/signer-is-not-guardian")

    def _parse_signature_array_single_owner(self, auth: tuple[int, ...]) -> list[SignerSignature]:
        acct = self.account
        if len(auth) not in (2, 4):
            return deserialize_all(auth, lambda r: self._read_signatures(r, None), _Fail,
                                   "argent/invalid-signature-format", "argent/invalid-signature-length")
        # the concise form [r, s(, r_g, s_g)] reads the Stark owner (and guardian) of the account
        owner_key, guardian_key = acct.owner_public_key, acct.guardian_public_key
        if owner_key is None:
            raise _Fail(self.rules.concise_owner_error)
        out = [SignerSignature(StarknetSigner(owner_key), StarknetSignature(auth[0], auth[1]))]
        if len(auth) == 4:
            if guardian_key is None:
                raise _Fail(self.rules.concise_guardian_error)
            out.append(SignerSignature(StarknetSigner(guardian_key), StarknetSignature(auth[2], auth[3])))
        return out

    # ---- AuthorizationScheme.MULTI_OWNER (0.5.0)

    def _is_guardian(self, sig: SignerSignature) -> bool:
        return sig.signer in self.account.guardian_signers

    def _authorization_multi_owner(self, token: SessionToken) -> None:
        acct = self.account
        auth = token.session_authorization
        token_guardian = token.guardian_signature
        cache_owner = token.cache_flag
        if cache_owner != 0:
            key = (cache_owner, _guid(token_guardian.signer), self.session_hash)
            cached = self.state.session_cache.get(key, 0)
            if cached:
                if cache_owner != acct.owner_guid:
                    raise _Fail("session/cache-invalid-owner")
                if not self._is_guardian(token_guardian):
                    raise _Fail("session/cache-invalid-guardian")
                if len(auth) > cached:
                    raise _Fail("session/cache-invalid-auth-len")
                return
        owner, guardian = self._validate_authorization_multi_owner(auth)
        if cache_owner != 0 and _guid(owner.signer) != cache_owner:
            raise _Fail("session/owner-key-mismatch")
        if guardian is None:
            raise _Fail("Option::unwrap failed.")
        if guardian.signer != token_guardian.signer:
            raise _Fail("session/guardian-key-mismatch")

    def _validate_authorization_multi_owner(self, auth: tuple[int, ...]) -> tuple[SignerSignature, SignerSignature | None]:
        acct = self.account
        guardian: SignerSignature | None
        if len(auth) not in (2, 4):
            def read(r: CairoReader) -> list[SignerSignature]:
                count = r.felt()
                if count not in (1, 2):
                    raise _Fail("argent/invalid-signature-length")
                return self._read_signatures(r, count)

            parsed = deserialize_all(auth, read, _Fail, "argent/invalid-signature-format",
                                     "argent/invalid-signature-length")
            owner, guardian = parsed[0], (parsed[1] if len(parsed) == 2 else None)
        else:
            # the concise form [r, s(, r_g, s_g)] needs a single Stark owner (and guardian)
            owner_key = acct.owner_public_key
            if owner_key is None:
                raise _Fail(self.rules.concise_owner_error)
            owner = SignerSignature(StarknetSigner(owner_key), StarknetSignature(auth[0], auth[1]))
            guardian = None
            if len(auth) == 4:
                if len(acct.guardian_signers) != 1 or len(acct.guardian_keys) != 1:
                    raise _Fail(self.rules.concise_guardian_error)
                guardian = SignerSignature(StarknetSigner(acct.guardian_keys[0]), StarknetSignature(auth[2], auth[3]))
        # assert_valid_account_signature
        if not (owner.signer == acct.owner and self._valid_auth_sig(owner)):
            raise _Fail("argent/invalid-owner-sig")
        if guardian is not None:
            if not (self._is_guardian(guardian) and self._valid_auth_sig(guardian)):
                raise _Fail("argent/invalid-guardian-sig")
        elif acct.guardian_keys:
            raise _Fail("argent/missing-guardian-sig")
        return owner, guardian


_STEPS: dict[str, Callable[[SessionCheck], None]] = {
    CHECK_NO_MULTICALL_TO_SELF: SessionCheck._check_no_multicall_to_self,
    CHECK_MAGIC: SessionCheck._check_magic,
    CHECK_DECODE: SessionCheck._check_decode,
    CHECK_REVOKED: SessionCheck._check_revoked,
    CHECK_EXPIRED: SessionCheck._check_expired,
    CHECK_AUTHORIZATION: SessionCheck._check_authorization,
    CHECK_SESSION_KEY: SessionCheck._check_session_key,
    CHECK_SESSION_SIGNATURE: SessionCheck._check_session_signature,
    CHECK_GUARDIAN_KEY: SessionCheck._check_guardian_key,
    CHECK_BACKEND_SIGNATURE: SessionCheck._check_backend_signature,
    CHECK_PROOF_COUNT: SessionCheck._check_proof_count,
    CHECK_PROOFS: SessionCheck._check_proofs,
}
_PLANS: dict[AccountVersion, tuple[tuple[Callable[[SessionCheck], None], ...],
                                   tuple[Callable[[SessionCheck], None], ...]]] = {}


def _plan(rules: AccountRules) -> tuple[tuple[Callable[[SessionCheck], None], ...],
                                        tuple[Callable[[SessionCheck], None], ...]]:
    """The step functions of ``rules.session_checks``, split before :data:`CHECK_PROOFS`."""
    plan = _PLANS.get(rules.version)
    if plan is None:
        names = rules.session_checks
        cut = names.index(CHECK_PROOFS) if CHECK_PROOFS in names else len(names)
        plan = (tuple(_STEPS[n] for n in names[:cut]), tuple(_STEPS[n] for n in names[cut:]))
        _PLANS[rules.version] = plan
    return plan


# --------------------------------------------------------------------------- entry points

@dataclass
class _Pending:
    """A verification waiting for its signatures (used by the batch API too)."""

    verdict: Verdict | None = None
    check: SessionCheck | None = None
    phase: str = PHASE_VALIDATE
    execute_timestamp: int | None = None
    first_error: str | None = None
    query_only: bool = False

    def finish(self) -> Verdict:
        if self.verdict is not None:
            return self.verdict
        assert self.check is not None
        answers = self.check.oracle.answers
        if answers is not None and all(answers.values()):
            # the recording run assumed every signature valid: its result stands, then the proofs
            error = self.first_error if self.first_error is not None else self.check.proofs_error()
        else:
            error = self.check.run()
        self.check.remember_authorization()
        if error is not None:
            return Verdict(False, error, self.phase, self.query_only)
        if self.execute_timestamp is not None:
            # __execute__: signature[1] (expires_at, already decoded as a u64) vs the exact time
            if self.check.signature[1] < self.execute_timestamp:
                return Verdict(False, "session/expired", PHASE_EXECUTE, self.query_only)
        return Verdict(True, query_only=self.query_only)


def _timestamp(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**64:
        raise SessionError(f"{name} must be a u64 int, got {describe_value(value)}")
    return int(value)


def _chain_id(value: object) -> int:
    return _felt_arg(value, "chain_id")


def _account(account: object) -> AccountInfo:
    if not isinstance(account, AccountInfo):
        raise SessionError(f"account must be an AccountInfo, got {type(account).__name__}")
    return account


def _state(state: object) -> AccountState:
    if state is None:
        return _EMPTY_STATE
    if not isinstance(state, AccountState):
        raise SessionError(f"state must be an AccountState or None, got {type(state).__name__}")
    return state


def batch_items(values: object, name: str) -> list[object]:
    """The items of a batch argument as a list (a str, bytes or mapping is not a batch)."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise SessionError(f"{name} must be a list, got {type(values).__name__}")
    return list(values)


def _start_checks(pending: Sequence[_Pending]) -> None:
    """Decode every token, hash all token messages in one backend call, and make the recording run."""
    checks = [p.check for p in pending if p.check is not None]
    inputs = [(c, c.decode()) for c in checks]
    decoded = [(c, m) for c, m in inputs if m is not None]
    if decoded:
        for (c, _), message in zip(decoded, backend_module().poseidon_many_batch([m for _, m in decoded])):
            c.message = message
    for p in pending:
        if p.check is not None:
            p.first_error = p.check.run()  # records the signatures it needs


def _invoke_precheck(tx: object, acct: AccountInfo, rules: NodeRules) -> tuple[InvokeV3Data, list[Call]] | Verdict:
    """Parse ``tx``; the verdict of what fails before the session check, else the data and calls.

    Order of the account's ``__validate__`` (argentlabs/argent-contracts-starknet,
    src/presets/argent_account.cairo, tags account-0.4.0 and v0.5.0): the entry point deserialises
    ``calls`` first, then checks the version, then ``paymaster_data``.
    """
    try:
        data = tx if isinstance(tx, InvokeV3Data) else parse_invoke_v3(tx, rules)
    except RejectedInput as exc:
        return exc.verdict
    if data.sender_address != acct.address:
        raise TransactionError(
            f"sender_address {hex(data.sender_address)} is not the account address {hex(acct.address)}")
    query = data.version in _ESTIMATE_VERSIONS
    try:
        calls = parse_execute_calls(data.calldata)
    except _CalldataPanic as exc:
        return Verdict(False, exc.message, PHASE_VALIDATE, query)
    error = None
    if data.version not in _VALID_INVOKE_VERSIONS:
        error = "argent/invalid-tx-version"
    elif data.paymaster_data:
        error = "argent/unsupported-paymaster"
    elif not is_session_signature(data.signature):
        error = NOT_A_SESSION
    if error is not None:
        return Verdict(False, error, PHASE_VALIDATE, query)
    return data, calls


def prepare_session_transactions(txs: Iterable[object], *, account: AccountInfo, chain_id: int | str,
                                 block_timestamp: int, state: AccountState | None = None,
                                 rules: NodeRules | None = None, isolate: bool = False) -> list[_Pending]:
    """First half of :func:`verify_session_transaction` for many transactions (everything up to the
    signatures): transaction hashes and token messages in one backend call each.

    :param isolate: give a transaction the single-transaction function rejects with a typed error
        the verdict ``Verdict(False, <its message>, "node")`` instead of raising (the batch API).
    """
    acct, st, r = _account(account), _state(state), _rules(rules)
    chain = _chain_id(chain_id)
    ts = _timestamp(block_timestamp, "block_timestamp")
    pending: list[_Pending] = []
    to_hash: list[tuple[_Pending, InvokeV3Data, list[Call]]] = []
    fields: list[InvokeV3Fields] = []
    for tx in txs:
        try:
            checked = _invoke_precheck(tx, acct, r)
            if not isinstance(checked, Verdict):
                field_values = _hash_fields(checked[0], chain)
        except XSessionsError as exc:
            if not isolate:
                raise
            pending.append(_Pending(Verdict(False, str(exc), PHASE_NODE)))
            continue
        if isinstance(checked, Verdict):
            pending.append(_Pending(checked))
            continue
        data, calls = checked
        fields.append(field_values)
        p = _Pending(phase=PHASE_VALIDATE, execute_timestamp=ts, query_only=data.version in _ESTIMATE_VERSIONS)
        pending.append(p)
        to_hash.append((p, data, calls))
    hashes = invoke_v3_hashes_unchecked(fields) if fields else []
    validate_ts = ts - ts % _VALIDATE_TIMESTAMP_ROUNDING
    for (p, data, calls), tx_hash in zip(to_hash, hashes):
        p.check = SessionCheck(account=acct, state=st, chain_id=chain, calls=calls, tx_hash=tx_hash,
                               signature=data.signature, timestamp=validate_ts, estimate=p.query_only,
                               max_proof_length=r.max_proof_length)
    _start_checks(pending)
    return pending


def _outside_precheck(item: object, acct: AccountInfo, st: AccountState, ts: int, rules: NodeRules,
                      query: bool) -> tuple[OutsideExecutionData, tuple[int, ...], int] | Verdict:
    """Parse one ``(outside_execution, signature, caller_address)``; the verdict of what fails
    before the session check, else the parsed values."""
    if isinstance(item, XSessionsError):  # found while reading the batch (a missing key)
        raise item
    outside_execution: object
    raw_signature: object
    caller_address: object
    try:
        outside_execution, raw_signature, caller_address = item  # type: ignore[misc]
    except (TypeError, ValueError):
        raise TransactionError("an item must be (outside_execution, signature, caller_address)") from None
    caller = _felt_arg(caller_address, "caller_address")
    signature = _felt_list(raw_signature, "signature")
    try:
        # the outside execution and its signature travel in the relayer's calldata
        _node_length(len(signature), rules.max_calldata_length, "Calldata")
        total = _outside_calldata_length(outside_execution, signature)
        if total is not None:
            _node_length(total, rules.max_calldata_length, "Calldata")
        oe = parse_outside_execution(outside_execution, rules)
    except RejectedInput as exc:
        return Verdict(exc.verdict.valid, exc.verdict.error, exc.verdict.phase, query)
    sig = _tx_felts(signature, "signature", rules.lenient_felts)
    error = None
    if oe.caller != ANY_CALLER and caller != oe.caller:
        error = "argent/invalid-caller"
    elif not (oe.execute_after < ts < oe.execute_before):
        error = "argent/invalid-timestamp"
    elif oe.nonce in st.used_outside_nonces:
        error = "argent/duplicated-outside-nonce"
    elif not is_session_signature(sig):
        error = NOT_A_SESSION
    if error is not None:
        return Verdict(False, error, PHASE_OUTSIDE, query)
    return oe, sig, caller


def prepare_outside_executions(items: Iterable[object], *, account: AccountInfo,
                               chain_id: int | str, block_timestamp: int, state: AccountState | None = None,
                               relayer_tx_version: int | str = 3, rules: NodeRules | None = None,
                               isolate: bool = False) -> list[_Pending]:
    """First half of :func:`verify_outside_execution` for many ``(outside_execution, signature,
    caller_address)`` items (``isolate`` as in :func:`prepare_session_transactions`)."""
    acct, st, r = _account(account), _state(state), _rules(rules)
    chain = _chain_id(chain_id)
    ts = _timestamp(block_timestamp, "block_timestamp")
    relayer_version = tx_felt(relayer_tx_version, "relayer_tx_version")
    query = relayer_version in _ESTIMATE_VERSIONS
    pending: list[_Pending] = []
    for item in items:
        try:
            checked = _outside_precheck(item, acct, st, ts, r, query)
            if not isinstance(checked, Verdict):
                oe, sig, caller = checked
                message_hash = outside_execution_hash_unchecked(
                    oe.caller, oe.nonce, oe.execute_after, oe.execute_before,
                    [(c.to_addr, c.selector, c.calldata) for c in oe.calls], acct.address, chain)
        except XSessionsError as exc:
            if not isolate:
                raise
            pending.append(_Pending(Verdict(False, str(exc), PHASE_NODE)))
            continue
        if isinstance(checked, Verdict):
            pending.append(_Pending(checked))
            continue
        check = SessionCheck(
            account=acct, state=st, chain_id=chain, calls=oe.calls, tx_hash=message_hash, signature=sig,
            timestamp=ts, estimate=caller == 0 and query, max_proof_length=r.max_proof_length,
        )
        pending.append(_Pending(check=check, phase=PHASE_OUTSIDE, query_only=query))
    _start_checks(pending)
    return pending


def finish(pending: Sequence[_Pending]) -> list[Verdict]:
    """Verify the recorded signatures of ``pending`` in one batch and compute the verdicts."""
    resolve_signatures([p.check.oracle for p in pending if p.check is not None])
    return [p.finish() for p in pending]


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


def fee_limits_arg(fee_limits: object) -> FeeLimits | None:
    """``fee_limits`` checked: ``None`` or :class:`FeeLimits`.

    :raises SessionError: anything else.
    """
    if fee_limits is not None and not isinstance(fee_limits, FeeLimits):
        raise SessionError(f"fee_limits must be FeeLimits, got {type(fee_limits).__name__}")
    return fee_limits


def with_policy(verdict: Verdict, tx: object, limits: FeeLimits, rules: NodeRules | None = None) -> Verdict:
    """``verdict`` with its relayer-policy verdict for ``tx`` (:func:`check_fee_limits`; a starknet-py
    ``InvokeV3`` is read through :func:`parse_invoke_v3`, a transaction that does not parse is not allowed)."""
    if isinstance(tx, Mapping):
        policy = check_fee_limits(tx, limits)
    else:
        try:
            data = parse_invoke_v3(tx, rules)
        except XSessionsError as exc:
            policy = PolicyVerdict(False, str(exc))
        else:
            policy = check_fee_limits({"version": data.version, "resource_bounds": data.resource_bounds,
                                       "tip": data.tip}, limits)
    return replace(verdict, policy=policy)


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


def reserve_outside_nonces(verdicts: Sequence[Verdict], outside_executions: Sequence[object], *,
                           account: AccountInfo, rules: NodeRules | None, relayer_state: RelayerState,
                           reservation_ttl_ms: int) -> list[Verdict]:
    """``verdicts`` of these outside executions, where a valid one whose nonce cannot be reserved
    in ``relayer_state`` (another instance holds it, it was submitted, or an earlier item of the
    same list reserved it) becomes :data:`REPLAYED_OR_IN_FLIGHT`. Items are reserved in order."""
    out: list[Verdict] = []
    for verdict, outside_execution in zip(verdicts, outside_executions):
        if verdict.valid:
            nonce = parse_outside_execution(outside_execution, rules).nonce
            if not relayer_state.reserve_nonce(account.address, nonce, ttl_ms=reservation_ttl_ms):
                verdict = Verdict(False, REPLAYED_OR_IN_FLIGHT, PHASE_OUTSIDE, verdict.query_only)
        out.append(verdict)
    return out
