"""The relayer verifier's values: the account (:class:`AccountInfo`), its storage
(:class:`AccountState`), the node's limits (:class:`NodeRules`) and the outcome (:class:`Verdict`,
its phases and the verifier's own error strings).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

from ..encoding import FeltSpelling, felt_from
from ..errors import SessionError, TransactionError, describe_value
from ..sessions.fee_limits import PolicyVerdict
from ..signers import Signer, SignerKind, StarknetSigner
from ..versions import AccountRules, AccountVersion, UnsupportedAccountVersion

if TYPE_CHECKING:
    from ..onchain import Block

__all__ = [
    "AccountInfo",
    "AccountState",
    "NodeRules",
    "DEFAULT_NODE_RULES",
    "RejectedInput",
    "Verdict",
    "SignerArg",
    "PHASE_VALIDATE",
    "PHASE_EXECUTE",
    "PHASE_OUTSIDE",
    "PHASE_NODE",
    "DESERIALIZE_PARAM_1",
    "NOT_A_SESSION",
    "REPLAYED_OR_IN_FLIGHT",
    "felt_arg",
    "node_rules_arg",
    "signer_guid",
]

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


def felt_arg(value: object, name: str) -> int:
    """A felt argument of the caller (ints, hex or decimal strings, short strings)."""
    return felt_from(value, name, SessionError, spelling=FeltSpelling.SHORT_STRING)


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


def node_rules_arg(value: object) -> NodeRules:
    """``rules`` checked: :data:`DEFAULT_NODE_RULES` for ``None``, else a :class:`NodeRules`."""
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


def signer_guid(signer: Signer) -> int:
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
    key = felt_arg(value, name)
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
        set_(self, "address", felt_arg(address, "address"))
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
            object.__setattr__(self, name, frozenset(felt_arg(v, f"{name}[]") for v in values))
        if not isinstance(self.session_cache, Mapping):
            raise SessionError(f"session_cache must be a mapping, got {type(self.session_cache).__name__}")
        cache: dict[tuple[int, int, int], int] = {}
        for key, length in dict(self.session_cache).items():
            try:
                owner, guardian, session_hash = key
            except (TypeError, ValueError):
                raise SessionError("session_cache keys must be (owner_guid, guardian_guid, session_hash)") from None
            n = felt_arg(length, "session_cache length")
            if n >> 32:
                raise SessionError(f"session_cache length must be a u32, got {n}")
            cache[(felt_arg(owner, "owner_guid"), felt_arg(guardian, "guardian_guid"),
                   felt_arg(session_hash, "session_hash"))] = n
        object.__setattr__(self, "session_cache", cache)

    @classmethod
    async def from_chain(cls, client: Any, address: int | str, sessions: Iterable[Any], *,
                         account: AccountInfo | None = None, block: Block = "latest") -> AccountState:
        """The revoked and cached entries of ``sessions`` read from a Starknet node (a starknet-py
        ``Client``): :func:`xsessions_core.onchain.account_state_from_chain`."""
        from ..onchain import account_state_from_chain

        return await account_state_from_chain(client, address, sessions, account=account, block=block)



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

