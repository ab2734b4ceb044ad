"""Signing session transactions: :class:`SessionContext` (a session and its key, with the work done
once per session) and the session-token signatures it makes (argentlabs/argent-contracts-starknet,
tags ``account-0.4.0`` and ``v0.5.0``, ``src/session/session.cairo``). The token's layout itself is
:mod:`xsessions_core.session_token`'s:

``signature = [ss("session-token"), expires_at, allowed_methods_root, metadata_hash,
session_key_guid, cache_flag, len(auth), *auth, SignerSignature(session key),
SignerSignature(guardian), n_calls, (len(proof_i), *proof_i)*]``

**Session keys of every kind.** A Stark key's ``SignerSignature`` is ``[0, pubkey, r, s]``; a
``Secp256k1``, ``Secp256r1``, ``Eip191`` or ``Webauthn`` key (any
:class:`~xsessions_core.signers.SigningKey`, e.g. one held in an HSM) puts its own
``SignerSignature`` there (``key.sign(token_message).encode(account_version)``: low ``s``, its
``y_parity``; the WebAuthn layout of the account version).

**Signing doors.** :class:`SessionContext` (``SessionContext(session, key, options)``),
:meth:`SessionContext.sign_invoke_v3`, :meth:`SessionContext.sign_invoke_many` and the async
:func:`sign_session_transaction` for remote cosigners. :class:`SigningOptions` holds what they share.

**Cache flag (offset 5)** depends on the account class: Argent 0.4 reads a bool
(``cache_authorization`` → 0/1, what x-sessions always writes); Argent 0.5 reads the GUID of the
owner that signed the authorization, or 0 for no caching. Choose with
``SigningOptions(account_version=...)`` (an :class:`~xsessions_core.versions.AccountVersion` or one
of its spellings); with ``"0.5"`` and ``cache_authorization=True`` the owner GUID is the first
signer's of a full-form authorization, or ``owner_guid=`` (e.g.
``starknet_signer_guid(owner_public_key)``). x-sessions' ``1`` fails on a 0.5 account
(``session/owner-key-mismatch``).

**Speed.** :class:`SessionContext` does the per-session work once (on-chain fields, session hash,
Merkle proofs per (contract, selector), the fixed signature prefix); per transaction
:func:`build_session_signature` costs one 3-felt Poseidon, one ECDSA signature and list assembly.
With a local guardian and a Stark session key, :meth:`SessionContext.sign_invoke_v3` (one
transaction) and :meth:`SessionContext.sign_invoke_prepared` (many, validated) do the transaction
hash, the token message and both signatures in one backend call, which releases the GIL: two
threads sign on two cores. Other kinds sign each token message with their key.

**Expiry.** Every signing path checks first, cheaply, that the session has not expired
(:func:`~.session.check_not_expired`): ``now=None`` is the wall clock (relayers pass the block time),
``allow_expired=True`` skips the check; an expired session raises
:class:`~xsessions_core.errors.SessionExpired` before anything is signed.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

from .. import crypto
from ..errors import CosignerError, SessionError, TransactionError
from ..signers import (Signer, SignerSignature, StarkKey, StarknetSignature, StarknetSigner,
                       starknet_signer_signature_felts)
from ..versions import AccountVersion, UnsupportedAccountVersion
from ..transactions import (
    DA_MODE_L1,
    TRANSACTION_VERSION_3,
    Call,
    InvokeV3,
    execute_calldata_unchecked,
    get_execute_calldata,
    normal_execute_calldata,
    normalize_calls,
    parse_execute_calldata,
)
from .fee_limits import FeeLimits
from .guardian import (
    Cosigner,
    GuardianSessionInfo,
    GuardianSignature,
    GuardianTransactionRequest,
    LocalGuardian,
    check_guardian_signature,
)
from .objects import AnySessionKey, OnChainSession, Session, SessionKey, felt_of, felts_of, session_signing_key
from ..session_token import cache_value, encode_session_token, token_head
from .session import (
    SignerLike,
    authorization_signer_signatures,
    call_not_allowed,
    check_authorization,
    check_not_expired,
    compile_session,
    session_hash_from_onchain,
    session_proofs_by_method,
    session_token_message_hash,
    signer_guid,
)

__all__ = [
    "ACCOUNT_VERSIONS",
    "cache_flag_for",
    "session_token_message_hash",
    "build_session_token",
    "session_token_signature",
    "SessionContext",
    "SessionSignature",
    "SigningOptions",
    "INVOKE_CHUNK",
    "prepare_transaction",
    "on_session_chain",
    "build_session_signature",
    "sign_session_transaction",
]

#: Argent account versions whose session-token format this module writes.
ACCOUNT_VERSIONS = tuple(AccountVersion)
_MAX_Z = 2**251

#: The session key's signature of a token message: ``(r, s)`` from a Stark key (the native fast
#: path), or the :class:`~xsessions_core.signers.SignerSignature` of a key of any kind.
SessionSignature = Union[tuple[int, int], SignerSignature]


class _UnsupportedVersion(SessionError, UnsupportedAccountVersion):
    """An unknown account version: a :class:`SessionError` (as before) and an ``UnsupportedAccountVersion``."""


def _account_version(value: object) -> AccountVersion:
    try:
        return AccountVersion.parse(value)
    except UnsupportedAccountVersion as exc:
        raise _UnsupportedVersion(str(exc).replace("account version", "account_version", 1)) from None


def cache_flag_for(cache_authorization: bool, account_version: AccountVersion | str = AccountVersion.V0_4_0,
                   owner_guid: int | None = None) -> int:
    """The felt at signature offset 5.

    * 0.4.0: ``int(cache_authorization)``;
    * 0.5.0: ``owner_guid`` when caching (required), else 0.

    :param account_version: an :class:`~xsessions_core.versions.AccountVersion` or ``"0.4"``, ``"0.4.0"``,
        ``"0.5"``, ``"0.5.0"``.
    :raises SessionError: unknown version (also an ``UnsupportedAccountVersion``), or 0.5 caching without
        ``owner_guid``.
    """
    version = _account_version(account_version)
    if not isinstance(cache_authorization, bool):
        raise SessionError(f"cache_authorization must be a bool, got {type(cache_authorization).__name__}")
    if not version.rules.cache_flag_is_owner_guid:  # 0.4.0: a bool
        return int(cache_authorization)
    if not cache_authorization:
        return 0
    if owner_guid is None:
        raise SessionError("account 0.5 caches the authorization under the owner's GUID: pass owner_guid=")
    guid = felt_of(owner_guid, "owner_guid")
    if guid == 0:
        raise SessionError("owner_guid must not be 0 (0 means no caching)")
    return guid


@dataclass(frozen=True)
class SigningOptions:
    """How a session signs for its account: the options every signing door takes (``options=``).

    :param cache_authorization: ask the account to cache the session authorization.
    :param account_version: an :class:`~xsessions_core.versions.AccountVersion` or one of its
        spellings (``"0.4"``, ``"0.5.0"``...; stored as the ``AccountVersion``): the cache flag's
        meaning and the WebAuthn layout.
    :param owner_guid: the GUID of the owner that signed the authorization (account 0.5.0 with
        caching; by default, the first signer of a full-form authorization).
    :param owner: the account's owner (a Stark public key, a :class:`~xsessions_core.signers.Signer`
        or a signing key), to check the authorization's form against it before signing
        (:func:`~.session.check_authorization`).
    :raises SessionError: a value of the wrong type or an unknown version.
    """

    cache_authorization: bool = False
    account_version: AccountVersion | str = AccountVersion.V0_4_0
    owner_guid: int | None = None
    owner: SignerLike | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.cache_authorization, bool):
            raise SessionError(f"cache_authorization must be a bool, got {type(self.cache_authorization).__name__}")
        object.__setattr__(self, "account_version", _account_version(self.account_version))
        if self.owner_guid is not None:
            object.__setattr__(self, "owner_guid", felt_of(self.owner_guid, "owner_guid"))


_DEFAULT_OPTIONS = SigningOptions()


_DEPRECATED_OPTIONS = ("cache_authorization", "account_version", "owner_guid")


def signing_options(options: SigningOptions | None, where: str, deprecated: Mapping[str, Any]) -> SigningOptions:
    """``options``, or the :class:`SigningOptions` of the deprecated keywords ``cache_authorization``,
    ``account_version`` and ``owner_guid`` passed to ``where`` (with a :class:`DeprecationWarning`;
    they are removed in the next release).

    :raises TypeError: another keyword. :raises SessionError: both ``options`` and deprecated
        keywords, or a bad value.
    """
    for name in deprecated:
        if name not in _DEPRECATED_OPTIONS:
            raise TypeError(f"{where}() got an unexpected keyword argument {name!r}")
    if not deprecated:
        if options is not None and not isinstance(options, SigningOptions):
            raise SessionError(f"options must be SigningOptions, got {type(options).__name__}")
        return _DEFAULT_OPTIONS if options is None else options
    names = ", ".join(f"{name}=" for name in _DEPRECATED_OPTIONS if name in deprecated)
    if options is not None:
        raise SessionError(f"{where}: pass options=SigningOptions(...) or the deprecated {names}, not both")
    warnings.warn(f"{where}: {names} is deprecated; pass options=SigningOptions({names.replace('=', '=...')})",
                  DeprecationWarning, stacklevel=3)
    return SigningOptions(**deprecated)


def on_session_chain(transaction: InvokeV3, session: Session) -> InvokeV3:
    """``transaction`` bound to ``session``'s chain, its sender spelled as given or as the session's
    account (what a cosigner receives)."""
    if transaction.chain_id == session.chain_id and transaction.sender_address_text is not None:
        return transaction
    return transaction.on_chain(session.chain_id, transaction.sender_address_text or session.address_hex)


def prepare_transaction(session: Session, tx: object, index: int) -> tuple[InvokeV3, list[Call]]:
    """Validate one transaction of ``session``'s account: the unsigned
    :class:`~xsessions_core.transactions.InvokeV3` bound to the session's chain (not hashed yet) and
    its calls.

    ``tx`` is an unsigned :class:`~xsessions_core.transactions.InvokeV3` of the session's account,
    or a mapping with ``calls`` (starknet-py ``Call`` objects or starknet.js dicts) or ``calldata``
    (``__execute__`` calldata), ``nonce``, ``resource_bounds`` and optionally ``tip``,
    ``paymaster_data``, ``account_deployment_data``, the DA modes, ``version`` (3 or ``2**128 + 3``),
    ``proof_facts`` and ``sender_address`` (default: the session's account).

    :raises TransactionError: a malformed transaction (the message names ``transactions[index]``).
    """
    if isinstance(tx, InvokeV3):
        if tx.sender_address != session.address:
            raise TransactionError(f"transactions[{index}].sender_address is not the session's account")
        return on_session_chain(tx, session), parse_execute_calldata(tx.calldata)
    if not isinstance(tx, Mapping):
        raise TransactionError(f"transactions[{index}] must be a mapping of invoke v3 details")
    if "calls" in tx:
        calls = tx["calls"]
        calldata = normal_execute_calldata(calls)  # one pass over calls that are already normal
        if calldata is None:
            calls = normalize_calls(calls)
            calldata = execute_calldata_unchecked(calls)
    elif "calldata" in tx:
        calldata = list(tx["calldata"])
        calls = parse_execute_calldata(calldata)
    else:
        raise TransactionError(f"transactions[{index}] needs 'calls' or 'calldata'")
    for key in ("nonce", "resource_bounds"):
        if key not in tx:
            raise TransactionError(f"transactions[{index}] is missing {key!r}")
    get = tx.get
    sender = get("sender_address", session.address)
    transaction = InvokeV3(
        sender, calldata, tx["nonce"], tx["resource_bounds"], (), get("tip", 0), get("paymaster_data", ()),
        get("account_deployment_data", ()), get("nonce_data_availability_mode", 0),
        get("fee_data_availability_mode", 0), get("version", 3), get("proof_facts") or (),
        chain_id=session.chain_id, sender_address_text=None if isinstance(sender, str) else session.address_text,
    )
    return transaction, calls


#: Transactions per backend call of :meth:`SessionContext.sign_invoke_many` (the native signer
#: shares its inversions over 32 signatures; smaller chunks let two threads overlap better).
INVOKE_CHUNK = 32


def _signer(sig: SignerSignature | GuardianSignature | Sequence[int], name: str, version: AccountVersion) -> list[int]:
    if isinstance(sig, SignerSignature):
        return sig.encode(version)
    if isinstance(sig, GuardianSignature):
        return starknet_signer_signature_felts(sig.public_key, sig.r, sig.s)
    values = felts_of(sig, name)
    if len(values) != 3:
        raise SessionError(f"{name} must be (public_key, r, s)")
    return starknet_signer_signature_felts(*values)


def build_session_token(
    onchain: OnChainSession,
    cache_flag: int,
    session_authorization: Sequence[int],
    session_signature: SignerSignature | GuardianSignature | Sequence[int],
    guardian_signature: SignerSignature | GuardianSignature | Sequence[int],
    proofs: Sequence[Sequence[int]],
    *,
    account_version: AccountVersion | str = AccountVersion.V0_4_0,
) -> list[int]:
    """The full session-token signature array from its parts.

    :param session_signature: the session key's :class:`~xsessions_core.signers.SignerSignature`
        (any kind), or a Stark key's ``(session_public_key, r, s)``.
    :param guardian_signature: a :class:`GuardianSignature`, a ``SignerSignature`` or
        ``(guardian_public_key, r, s)``.
    :param proofs: one Merkle proof per call, in call order.
    :param account_version: the layout of a WebAuthn ``SignerSignature``.
    """
    if not isinstance(onchain, OnChainSession):
        raise SessionError(f"onchain must be an OnChainSession, got {type(onchain).__name__}")
    auth = felts_of(session_authorization, "session_authorization")
    version = _account_version(account_version)
    return encode_session_token(onchain.felts(), felt_of(cache_flag, "cache_flag"), auth,
                                _signer(session_signature, "session_signature", version),
                                _signer(guardian_signature, "guardian_signature", version),
                                [felts_of(proof, f"proofs[{i}]") for i, proof in enumerate(proofs)])


#: Alias of :func:`build_session_token`.
session_token_signature = build_session_token


class SessionContext:
    """Everything about one session that does not change between transactions.

    :param session: the :class:`Session` (its ``hash`` must match its fields, address and chain).
    :param session_key: the signing key: x-sessions' Stark :class:`SessionKey` or any
        :class:`~xsessions_core.signers.SigningKey` (``StarkKey``, ``Secp256k1Key``, ``Secp256r1Key``,
        ``Eip191Key``, ``WebauthnKey``, an HSM key); defaults to ``session.session_key``; its signer's
        GUID must be ``session.session_key_guid``.
    :param options: :class:`SigningOptions`: the cache flag (:func:`cache_flag_for`; with account
        0.5.0 caching and a full-form authorization, ``owner_guid`` defaults to the GUID of the
        authorization's first signer, and must be it when given) and the ``owner`` whose
        authorization form is checked (:func:`~.session.check_authorization`) before anything is signed.
    :param cache_authorization, account_version, owner_guid: deprecated spellings of ``options``.
    :raises SessionError: inconsistent session, missing key, bad cache options.
    :raises AuthorizationFormError: an authorization the account would reject for its form.

    Stark keys sign in native batches (the key never leaves the package); other kinds sign each
    token message with ``key.sign`` and put that kind's ``SignerSignature`` in the token.

    Its signing methods take ``now=None`` (the wall clock; relayers pass the block time) and
    ``allow_expired=False``, and raise :class:`~xsessions_core.errors.SessionExpired` for an expired
    session before signing anything.
    """

    __slots__ = ("session", "options", "onchain", "session_hash", "cache_flag", "session_public_key",
                 "session_signer", "account_version", "_cache_value", "_key", "_private_key", "_prefix", "_proofs")

    def __init__(
        self,
        session: Session,
        session_key: AnySessionKey | None = None,
        options: SigningOptions | None = None,
        **deprecated: Any,
    ) -> None:
        options = signing_options(options, "SessionContext", deprecated)
        self.options = options
        owner, owner_guid, cache_authorization = options.owner, options.owner_guid, options.cache_authorization
        if not isinstance(session, Session):
            raise SessionError(f"session must be a Session, got {type(session).__name__}")
        key = session_key if session_key is not None else session.session_key
        if key is None:
            raise SessionError("a signing key is needed to sign (session.session_key is missing)")
        key = session_signing_key(key)
        if signer_guid(key) != session.session_key_guid:
            raise SessionError("the session key does not match session.session_key_guid")
        self.session = session
        self.account_version = _account_version(options.account_version)
        self.onchain = compile_session(session)
        self.session_hash = session_hash_from_onchain(self.onchain, session.address, session.chain_id)
        if self.session_hash != session.hash:
            raise SessionError("session.hash is not the hash of the session fields, address and chain_id")
        auth = list(session.authorization_signature)
        if owner is not None:
            signatures = check_authorization(auth, owner, account_version=self.account_version)
        else:
            signatures = authorization_signer_signatures(auth, self.account_version)
        if cache_authorization and self.account_version.rules.cache_flag_is_owner_guid and signatures:
            if owner_guid is None:
                owner_guid = signatures[0].guid
            elif owner_guid != signatures[0].guid:
                raise SessionError("owner_guid is not the GUID of the owner that signed the authorization "
                                   "(the account rejects it: session/owner-key-mismatch)")
        self.cache_flag = cache_flag_for(cache_authorization, self.account_version, owner_guid)
        self._cache_value = cache_value(self.account_version, self.cache_flag)  # what the token message hashes
        self._key = key
        self._private_key: int | None = None
        self.session_public_key: int | None = None
        if isinstance(key, (SessionKey, StarkKey)):
            self._private_key = key.private_key
            self.session_public_key = key.public_key
            self.session_signer: Signer = StarknetSigner(key.public_key)
        else:
            self.session_signer = key.signer
        self._prefix = token_head(self.onchain.felts(), self.cache_flag, auth)
        self._proofs = {k: [len(p), *p] for k, p in session_proofs_by_method(session).items()}

    def __repr__(self) -> str:
        return (f"SessionContext(session_hash={hex(self.session_hash)}, cache_flag={hex(self.cache_flag)}, "
                f"session_key={self.session_signer.kind.name})")

    def check_not_expired(self, *, now: int | float | None = None, allow_expired: bool = False,
                          execute_before: int | None = None) -> None:
        """:func:`~.session.check_not_expired` for this session.

        :raises SessionExpired: the session expired at ``now`` (or ``execute_before`` outlives it).
        """
        check_not_expired(self.session.expires_at, now=now, allow_expired=allow_expired, execute_before=execute_before)

    def token_message_hash(self, message_hash: int) -> int:
        """``pos_many([message_hash, session_hash, cache_value])``
        (:func:`~xsessions_core.session_token.cache_value`)."""
        message_hash = felt_of(message_hash, "message_hash")
        return crypto.unchecked.poseidon_many([message_hash, self.session_hash, self._cache_value])

    def token_message_hashes(self, message_hashes: Sequence[int]) -> list[int]:
        """:meth:`token_message_hash` of many message hashes, in one backend call."""
        session_hash, value = self.session_hash, self._cache_value
        seqs = [[felt_of(h, f"message_hashes[{i}]"), session_hash, value] for i, h in enumerate(message_hashes)]
        return crypto.unchecked.poseidon_many_batch(seqs) if seqs else []

    def _stark_private_key(self, what: str) -> int:
        if self._private_key is None:
            raise SessionError(f"{what} gives a Stark (r, s) and this session key is a "
                               f"{self.session_signer.kind.name} signer: use session_signature(s)")
        return self._private_key

    def sign(self, token_message: int) -> tuple[int, int]:
        """A Stark session key's ``(r, s)`` over a token message (starknet.js nonce).

        :raises SessionError: the session key is not a Stark key (see :meth:`session_signature`).
        """
        if type(token_message) is not int or not 0 <= token_message < _MAX_Z:
            raise SessionError("token message must be an int in [0, 2**251)")
        return crypto.unchecked.sign(token_message, self._stark_private_key("sign()"), None)

    def sign_token_messages(self, token_messages: Sequence[int]) -> list[tuple[int, int]]:
        """A Stark session key's ``(r, s)`` over many token messages, in one backend call.

        :raises SessionError: the session key is not a Stark key (see :meth:`session_signatures`).
        """
        messages = list(token_messages)
        for m in messages:
            if type(m) is not int or not 0 <= m < _MAX_Z:
                raise SessionError("token message must be an int in [0, 2**251)")
        private_key = self._stark_private_key("sign_token_messages()")
        return crypto.unchecked.sign_batch(messages, private_key) if messages else []

    def session_signature(self, token_message: int) -> SessionSignature:
        """The session key's signature over a token message: ``(r, s)`` for a Stark key, else the
        key's :class:`~xsessions_core.signers.SignerSignature` (low ``s``, its ``y_parity``)."""
        if self._private_key is not None:
            return self.sign(token_message)
        return self.session_signatures([token_message])[0]

    def session_signatures(self, token_messages: Sequence[int]) -> list[SessionSignature]:
        """:meth:`session_signature` of many token messages (a Stark key: one backend call)."""
        if self._private_key is not None:
            return list(self.sign_token_messages(token_messages))
        out: list[SessionSignature] = []
        for m in token_messages:
            if type(m) is not int or not 0 <= m < _MAX_Z:
                raise SessionError("token message must be an int in [0, 2**251)")
            out.append(self._key.sign(m))
        return out

    def session_signer_signature(self, session_signature: SessionSignature) -> SignerSignature:
        """``session_signature`` as a :class:`~xsessions_core.signers.SignerSignature`.

        :raises SessionError: a signature by another signer than the session key.
        """
        if isinstance(session_signature, SignerSignature):
            if session_signature.signer != self.session_signer:
                raise SessionError(f"the session signature is by a {session_signature.kind.name} signer that is "
                                   "not the session key")
            return session_signature
        r, s = session_signature
        return SignerSignature(self.session_signer, StarknetSignature(r, s))

    def _session_felts(self, session_signature: SessionSignature) -> list[int]:
        """The session key's ``SignerSignature`` Serde in the token."""
        if self.session_public_key is not None and not isinstance(session_signature, SignerSignature):
            r, s = session_signature
            return starknet_signer_signature_felts(self.session_public_key, r, s)
        return self.session_signer_signature(session_signature).encode(self.account_version)

    def proofs_felts(self, calls: object) -> list[int]:
        """``[n_calls, (len, proof...)*]`` for the calls (starknet-py ``Call`` or starknet.js dicts).

        :raises PolicyViolation: a call no allowed method covers.
        """
        if isinstance(calls, (Call, Mapping)):
            calls = [calls]
        if not isinstance(calls, (list, tuple)) or not all(type(c) is Call for c in calls):
            calls = normalize_calls(calls, require_calldata=False)
        # session_token.encode_proofs, with each proof's [len, *proof] precomputed. Keys of self._proofs
        # are valid felts, so a lookup validates (to_addr, selector).
        out = [len(calls)]
        for call in calls:
            proof = self._proofs.get((call.to_addr, call.selector))
            if proof is None:
                (call,) = normalize_calls([call], require_calldata=False)  # raises if malformed
                raise call_not_allowed(call.to_addr, call.selector)
            out += proof
        return out

    def proofs(self, calls: object) -> list[list[int]]:
        """One Merkle proof per call, in call order (:func:`~.session.get_session_proofs`)."""
        flat = self.proofs_felts(calls)
        out, pos = [], 1
        for _ in range(flat[0]):
            n = flat[pos]
            out.append(flat[pos + 1:pos + 1 + n])
            pos += 1 + n
        return out

    def guardian_session_info(self, session_signature: SessionSignature) -> GuardianSessionInfo:
        """The ``session`` part of a cosigner request."""
        if self.session_public_key is not None and not isinstance(session_signature, SignerSignature):
            return GuardianSessionInfo(self.session_hash, self.session.authorization_signature, self.cache_flag,
                                       self.session_public_key, session_signature)
        signature = self.session_signer_signature(session_signature)
        return GuardianSessionInfo.from_signer_signature(self.session_hash, self.session.authorization_signature,
                                                         self.cache_flag, signature)

    def assemble(self, session_signature: SessionSignature, guardian_signature: GuardianSignature,
                 proofs_felts: list[int]) -> list[int]:
        """The signature array from the two signatures and :meth:`proofs_felts`."""
        if not isinstance(guardian_signature, GuardianSignature):
            raise CosignerError(f"guardian_signature must be a GuardianSignature, got {type(guardian_signature).__name__}")
        return [*self._prefix, *self._session_felts(session_signature), *starknet_signer_signature_felts(
            guardian_signature.public_key, guardian_signature.r, guardian_signature.s), *proofs_felts]

    def sign_invoke_prepared(self, transactions: Sequence[InvokeV3], proofs: Sequence[list[int]],
                             guardian: LocalGuardian, *, now: int | float | None = None,
                             allow_expired: bool = False) -> list[tuple[int, list[int]]]:
        """Hash and session-sign many invoke v3 transactions co-signed by a local guardian.

        :param transactions: the unsigned :class:`~xsessions_core.transactions.InvokeV3` values of the
            session's account, each bound to the session's chain (:func:`prepare_transaction`); an
            unbound one is hashed on the session's chain.
        :param proofs: the :meth:`proofs_felts` of each transaction's calls (computing them checked
            the calls against the policies).
        :param now, allow_expired: the expiry check (class note).
        :return: ``(transaction_hash, signature_array)`` per transaction, in order.
        :raises SessionExpired: the session expired.

        A Stark session key: one backend call does the transaction hashes, the token messages and
        both signatures (natively: without the GIL, Poseidon four transactions at a time and one
        inversion per 32 signatures). Another kind: the hashes, token messages and guardian
        signatures in batches, then ``key.sign`` per transaction.
        """
        if not allow_expired:
            check_not_expired(self.session.expires_at, now=now)
        if not isinstance(guardian, LocalGuardian):
            raise SessionError(f"guardian must be a LocalGuardian, got {type(guardian).__name__}")
        if not transactions:
            return []
        chain = self.session.chain_id
        rows = [tx.hash_row() if tx.chain_id is not None else tx.hash_row(chain) for tx in transactions]
        prefix, gpub = self._prefix, guardian.public_key
        pub = self.session_public_key
        if self._private_key is not None and pub is not None:
            signed = crypto.unchecked.session_sign_invoke_v3(
                rows, self.session_hash, self._cache_value,
                self._private_key, guardian._private_key)  # the guardian's key stays inside the package
            return [(h, [*prefix, 0, pub, r, s, 0, gpub, gr, gs, *pr])
                    for (h, r, s, gr, gs), pr in zip(signed, proofs)]
        hashes = crypto.unchecked.invoke_v3_hash_batch(rows)
        messages = self.token_message_hashes(hashes)
        guardian_signatures = guardian.sign_token_messages(messages)
        version = self.account_version
        return [(h, [*prefix, *self._key.sign(m).encode(version), 0, gpub, g.r, g.s, *pr])
                for h, m, g, pr in zip(hashes, messages, guardian_signatures, proofs)]

    def sign_invoke_v3(self, calls: object, *, nonce: int | str, resource_bounds: object, guardian: LocalGuardian,
                       tip: int | str = 0, paymaster_data: Sequence[int] = (),
                       account_deployment_data: Sequence[int] = (), nonce_da_mode: int | str = DA_MODE_L1,
                       fee_da_mode: int | str = DA_MODE_L1, version: int | str = TRANSACTION_VERSION_3,
                       proof_facts: Sequence[int] | None = None, now: int | float | None = None,
                       allow_expired: bool = False) -> tuple[int, list[int]]:
        """Build, hash and session-sign one invoke v3 transaction of the session's account calling
        ``calls`` (starknet-py ``Call`` objects or starknet.js dicts), co-signed by a local guardian.

        :return: ``(transaction_hash, signature_array)``; :meth:`sign_invoke` gives an
            :class:`~xsessions_core.transactions.InvokeV3` instead.
        :raises SessionExpired: the session expired (``now``, ``allow_expired``: class note).
        :raises PolicyViolation: a call the session does not allow.
        :raises TransactionError: malformed calls or fields (as :func:`calculate_invoke_v3_hash`).
        """
        if not allow_expired:
            check_not_expired(self.session.expires_at, now=now)
        calldata = normal_execute_calldata(calls)  # one pass over calls that are already normal
        if calldata is None:
            calls = normalize_calls(calls)
            calldata = execute_calldata_unchecked(calls)
        proofs = self.proofs_felts(calls)
        session = self.session
        tx = InvokeV3(session.address, calldata, nonce, resource_bounds, (), tip,
                      paymaster_data, account_deployment_data, nonce_da_mode, fee_da_mode, version, proof_facts or (),
                      chain_id=session.chain_id)
        return self.sign_invoke_prepared([tx], [proofs], guardian, allow_expired=True)[0]  # checked above

    def sign_invoke(self, calls: object, *, nonce: int | str, resource_bounds: object, guardian: LocalGuardian,
                    tip: int | str = 0, paymaster_data: Sequence[int] = (), account_deployment_data: Sequence[int] = (),
                    nonce_da_mode: int | str = DA_MODE_L1, fee_da_mode: int | str = DA_MODE_L1,
                    version: int | str = TRANSACTION_VERSION_3, proof_facts: Sequence[int] | None = None,
                    now: int | float | None = None, allow_expired: bool = False) -> InvokeV3:
        """:meth:`sign_invoke_v3` as the signed transaction value: ``tx.to_rpc()`` is what
        ``starknet_addInvokeTransaction`` takes, ``tx.hash(session.chain_id)`` its hash.

        :raises SessionExpired, PolicyViolation, TransactionError: as :meth:`sign_invoke_v3`.
        """
        if not allow_expired:
            check_not_expired(self.session.expires_at, now=now)
        if type(calls) is not list or not all([type(c) is Call for c in calls]):
            calls = normalize_calls(calls)
        tx = InvokeV3(self.session.address, execute_calldata_unchecked(calls), nonce, resource_bounds, (), tip,
                      paymaster_data, account_deployment_data, nonce_da_mode, fee_da_mode, version, proof_facts or ())
        return self.sign_invoke_values([tx], guardian, allow_expired=True)[0]  # checked above

    def sign_invoke_values(self, transactions: Sequence[InvokeV3], guardian: LocalGuardian, *,
                           now: int | float | None = None, allow_expired: bool = False) -> list[InvokeV3]:
        """Session-sign many unsigned :class:`~xsessions_core.transactions.InvokeV3` values of the session's
        account (their calldata is ``__execute__`` calldata, checked against the policies), co-signed by a
        local guardian; the values come back with their signatures, in order.

        :raises SessionExpired: the session expired. :raises TransactionError: not an ``InvokeV3``, another
            sender than the session's account, calldata that is not ``__execute__`` calldata.
        :raises PolicyViolation: a call the session does not allow.
        """
        if not allow_expired:
            check_not_expired(self.session.expires_at, now=now)
        session = self.session
        bound, proofs = [], []
        for i, tx in enumerate(transactions):
            if not isinstance(tx, InvokeV3):
                raise TransactionError(f"transactions[{i}] must be an InvokeV3, got {type(tx).__name__}")
            if tx.sender_address != session.address:
                raise TransactionError(f"transactions[{i}].sender_address is not the session's account")
            proofs.append(self.proofs_felts(parse_execute_calldata(tx.calldata)))
            if tx.chain_id is not None and tx.chain_id != session.chain_id:
                tx = tx.on_chain(session.chain_id)  # signed on the session's chain (as an unbound one)
            bound.append(tx)
        signed = self.sign_invoke_prepared(bound, proofs, guardian, allow_expired=True)
        return [tx.with_signature(sig) for tx, (_, sig) in zip(transactions, signed)]

    def prepare_invoke_many(self, transactions: Iterable[object], fee_limits: FeeLimits | None = None,
                            ) -> list[tuple[InvokeV3, list[int]]]:
        """Validate many transactions (:func:`prepare_transaction`) and check them against the fee
        limits, then their calls against the session's policies: each one's unsigned
        :class:`~xsessions_core.transactions.InvokeV3` (bound to the session's chain) and
        :meth:`proofs_felts`. Nothing is signed.

        :raises TransactionError: a malformed transaction. :raises PolicyViolation: a call the
            session does not allow, or a fee above ``fee_limits``.
        """
        if fee_limits is not None and not isinstance(fee_limits, FeeLimits):
            raise SessionError(f"fee_limits must be FeeLimits, got {type(fee_limits).__name__}")
        prepared = []
        for i, tx in enumerate(transactions):
            transaction, calls = prepare_transaction(self.session, tx, i)
            if fee_limits is not None:
                fee_limits.check_resource_bounds(transaction.resource_bounds, transaction.tip,
                                                 what=f"transactions[{i}] max fee")
            prepared.append((transaction, calls))
        return [(transaction, self.proofs_felts(calls)) for transaction, calls in prepared]

    def sign_invoke_many_with_hashes(self, transactions: Iterable[object], *, guardian: LocalGuardian,
                                     fee_limits: FeeLimits | None = None, now: int | float | None = None,
                                     allow_expired: bool = False) -> list[tuple[int, list[int]]]:
        """:meth:`sign_invoke_many`, with each transaction's hash: ``(transaction_hash, signature)``."""
        self.check_not_expired(now=now, allow_expired=allow_expired)
        prepared = self.prepare_invoke_many(transactions, fee_limits)
        out: list[tuple[int, list[int]]] = []
        for start in range(0, len(prepared), INVOKE_CHUNK):
            chunk = prepared[start:start + INVOKE_CHUNK]
            out += self.sign_invoke_prepared([f for f, _ in chunk], [p for _, p in chunk], guardian,
                                             allow_expired=True)  # checked above
        return out

    def sign_invoke_many(self, transactions: Iterable[object], *, guardian: LocalGuardian,
                         fee_limits: FeeLimits | None = None, now: int | float | None = None,
                         allow_expired: bool = False) -> list[list[int]]:
        """Full session-token signatures of many invoke v3 transactions of the session's account,
        co-signed by a local guardian, in order.

        Each transaction is what :func:`prepare_transaction` reads: an unsigned
        :class:`~xsessions_core.transactions.InvokeV3`, or a mapping with ``calls`` or ``calldata``,
        ``nonce``, ``resource_bounds`` and optional fields. Every transaction is validated first
        (nothing is signed if one is bad); then one backend call per :data:`INVOKE_CHUNK` Stark-key
        transactions hashes them and makes both signatures (natively without the GIL, so another
        thread prepares its next chunk meanwhile); another key kind signs each token message.

        :param fee_limits: opt-in :class:`~xsessions_core.sessions.fee_limits.FeeLimits`: a
            transaction whose maximum fee is above them raises
            :class:`~xsessions_core.errors.PolicyViolation` before anything is signed.
        :param now, allow_expired: the expiry check (class note), first.
        :raises SessionExpired: the session expired. :raises TransactionError: malformed transaction.
        :raises PolicyViolation: a call the session does not allow, or a fee above the limits.
        """
        return [sig for _, sig in self.sign_invoke_many_with_hashes(
            transactions, guardian=guardian, fee_limits=fee_limits, now=now, allow_expired=allow_expired)]

    def sign_invoke_transactions(self, transactions: Iterable[object], *, guardian: LocalGuardian,
                                 fee_limits: FeeLimits | None = None, now: int | float | None = None,
                                 allow_expired: bool = False) -> list[InvokeV3]:
        """:meth:`sign_invoke_many`, as the signed :class:`~xsessions_core.transactions.InvokeV3`
        values (``tx.to_rpc()`` is the ``starknet_addInvokeTransaction`` JSON, ``tx.hash()`` its
        hash), in order."""
        self.check_not_expired(now=now, allow_expired=allow_expired)
        prepared = self.prepare_invoke_many(transactions, fee_limits)
        out: list[InvokeV3] = []
        for start in range(0, len(prepared), INVOKE_CHUNK):
            chunk = prepared[start:start + INVOKE_CHUNK]
            signed = self.sign_invoke_prepared([t for t, _ in chunk], [p for _, p in chunk], guardian,
                                               allow_expired=True)  # checked above
            out += [t.with_signature(signature) for (t, _), (_, signature) in zip(chunk, signed)]
        return out

    async def sign_with_cosigner(
        self,
        message_hash: int,
        proofs_felts: list[int],
        ask_cosigner: Callable[[GuardianSessionInfo], Awaitable[GuardianSignature]],
    ) -> list[int]:
        """Sign ``message_hash`` (a transaction hash or an outside-execution message hash) with the
        session key, get the guardian's signature from ``ask_cosigner(session_info)`` (a coroutine,
        e.g. one that wraps the info in a request to a :class:`Cosigner`), check that it verifies over
        the token message, and assemble the signature array.

        :raises CosignerError: the cosigner failed or returned an invalid signature.
        """
        token_message = self.token_message_hash(message_hash)
        signature = self.session_signature(token_message)
        guardian = check_guardian_signature(await ask_cosigner(self.guardian_session_info(signature)), token_message)
        return self.assemble(signature, guardian, proofs_felts)


def build_session_signature(
    session_ctx: SessionContext,
    transaction_hash: int,
    calls: object,
    guardian_signature: GuardianSignature | Callable[[int], GuardianSignature],
    *,
    now: int | float | None = None,
    allow_expired: bool = False,
) -> list[int]:
    """Synchronous core: sign ``transaction_hash`` (or an outside-execution message hash) with the
    session key and assemble the signature array.

    ``guardian_signature`` is the guardian's signature over the same token message, or a callable
    that produces it from the token message (e.g. ``LocalGuardian.sign_token_message``) — then the
    token message is hashed once.

    :raises SessionExpired: the session expired (``now``: the wall clock by default; ``allow_expired``).
    :raises PolicyViolation: a call the session does not allow.
    """
    if not allow_expired:
        check_not_expired(session_ctx.session.expires_at, now=now)
    proofs = session_ctx.proofs_felts(calls)
    token_message = session_ctx.token_message_hash(transaction_hash)
    if callable(guardian_signature):
        guardian_signature = guardian_signature(token_message)
    signature = session_ctx.session_signature(token_message)
    return session_ctx.assemble(signature, guardian_signature, proofs)


async def sign_session_transaction(
    session: Session,
    session_key: AnySessionKey | None,
    transaction_hash: int,
    calls: object,
    cosigner: Cosigner,
    options: SigningOptions | None = None,
    *,
    transaction: InvokeV3 | None = None,
    now: int | float | None = None,
    allow_expired: bool = False,
    **deprecated: Any,
) -> list[int]:
    """x-sessions ``SessionAccount.signTransaction``: the full signature of an invoke v3 transaction.

    Signs the token message with the session key, asks ``cosigner`` for the guardian signature
    (checking it verifies) and assembles the session token. ``transaction`` (the unsigned
    :class:`~xsessions_core.transactions.InvokeV3`; one not bound to a chain is bound to the session's) is
    passed to the cosigner; the HTTP cosigner needs it. When given, its hash must be
    ``transaction_hash``, its calldata the ``__execute__`` calldata of ``calls``, its sender the
    session's account and its chain the session's chain.

    :param options: the :class:`SigningOptions` (``cache_authorization``, ``account_version``,
        ``owner_guid`` are their deprecated spellings).
    :param now: the time the expiry is checked against (``None``: the wall clock; relayers pass the
        block time). :param allow_expired: skip that check.
    :raises SessionExpired: the session expired (before any other work).
    :raises PolicyViolation: a call the session does not allow (before any network call).
    :raises TransactionError: ``transaction`` inconsistent with the other arguments.
    :raises CosignerError: the cosigner failed or returned an invalid signature.
    """
    if not allow_expired:
        if not isinstance(session, Session):
            raise SessionError(f"session must be a Session, got {type(session).__name__}")
        check_not_expired(session.expires_at, now=now)
    options = signing_options(options, "sign_session_transaction", deprecated)
    ctx = SessionContext(session, session_key, options)
    tx_hash = felt_of(transaction_hash, "transaction_hash")
    proofs = ctx.proofs_felts(calls)
    if transaction is not None:
        if not isinstance(transaction, InvokeV3):
            raise TransactionError(f"transaction must be an InvokeV3, got {type(transaction).__name__}")
        if transaction.chain_id is None:
            transaction = transaction.on_chain(session.chain_id, session.address_text)
        if transaction.transaction_hash != tx_hash:
            raise TransactionError("transaction_hash is not the hash of transaction")
        if list(transaction.calldata) != get_execute_calldata(calls):
            raise TransactionError("transaction.calldata is not the __execute__ calldata of calls")
        if transaction.sender_address != session.address or transaction.chain_id != session.chain_id:
            raise TransactionError("transaction sender/chain differ from the session's account/chain")
    return await ctx.sign_with_cosigner(
        tx_hash, proofs,
        lambda info: cosigner.sign_session_transaction(GuardianTransactionRequest(info, tx_hash, transaction)))
