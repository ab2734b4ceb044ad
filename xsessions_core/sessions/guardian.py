"""The guardian (Argent "cosigner") that co-signs every session transaction
(npm ``@argent/x-sessions@9.0.4``, ``dist/sessions.js``).

A :class:`Cosigner` receives a request object carrying exactly what x-sessions POSTs to the Argent
backend — the ``session`` part (session hash, authorisation, cache flag, the session key's
signature) and the ``transaction`` (invoke v3) or ``message`` (outside execution typed data) part —
and returns a :class:`GuardianSignature` over the session-token message
``pos_many([message_hash, session_hash, cache_flag])``. ``to_json_body()`` gives the JSON body of
``/cosigner/signSession`` and ``/cosigner/signSessionEFO``.

:class:`LocalGuardian` is an in-process cosigner with its own key (tests, relayers that run their
own guardian, the JS stub of ``../vectors``): like that stub, it recomputes the message from the
request, checks the session key's signature and then signs.

JSON formats follow the bodies x-sessions 9.0.4 really sent (``guardian_request`` in
``sessions_v9.json``): ``nonce``, ``tip``, ``paymaster_data`` and ``account_deployment_data`` are
passed through as the hex strings starknet.js gives x-sessions (one might expect decimal; the
recorded bodies show hex), ``calldata``, ``chain_id``, ``version`` and resource bounds are decimal,
the session signature's ``r``/``s`` are decimal, addresses are spelled as the dapp gave them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from ..chains import SN_MAIN as _SN_MAIN
from ..crypto import private_to_stark_key, unchecked, verify_message_signature
from ..encoding import to_hex
from ..deprecation import deprecated_keywords
from ..errors import CosignerError, SessionError, XSessionsError
from ..signers import SignerError, SignerPanic, SignerSignature, StarknetSignature, StarknetSigner, WebauthnSignature
from ..versions import AccountVersion
from ..transactions import DA_MODE_L1, InvokeV3
from ..typed_data import TypedData
from .objects import felt_of, private_key_from
from .session import session_token_message_hash

__all__ = [
    "GuardianSignature",
    "GuardianSessionInfo",
    "GuardianTransactionRequest",
    "GuardianOutsideExecutionRequest",
    "Cosigner",
    "LocalGuardian",
    "SN_MAIN",
    "check_guardian_signature",
]

#: ``ss("SN_MAIN")``: the chain for which x-sessions reports ``network: "mainnet"``.
SN_MAIN = _SN_MAIN
_MAX_Z = 2**251


@dataclass(frozen=True)
class GuardianSignature:
    """The guardian's answer: its Starknet public key and ``(r, s)`` over the token message."""

    public_key: int
    r: int
    s: int

    def __post_init__(self) -> None:
        for name in ("public_key", "r", "s"):
            value = getattr(self, name)
            felt = felt_of(value, f"guardian signature {name}")
            if felt is not value:
                object.__setattr__(self, name, felt)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "GuardianSignature":
        """From the backend's ``{"publicKey", "r", "s"}`` (ints or hex/decimal strings)."""
        if not isinstance(d, Mapping) or not {"publicKey", "r", "s"} <= d.keys():
            raise CosignerError("guardian signature must be an object with publicKey, r and s")
        try:
            return cls(d["publicKey"], d["r"], d["s"])
        except SessionError as exc:
            raise CosignerError(f"malformed guardian signature: {exc}") from None


@dataclass(frozen=True)
class GuardianSessionInfo:
    """The ``session`` part of a cosigner request.

    :ivar cache_flag: the felt at signature offset 5 (0/1, or an owner GUID for account 0.5); the
        JSON carries it as the boolean ``cacheAuthorisation`` (``cache_flag != 0``), as x-sessions does.
    :ivar session_public_key, session_signature: a Stark session key's public key and ``(r, s)``
        (``None`` for another kind).
    :ivar session_signer_signature: the session key's signature of another kind than Stark
        (:meth:`from_signer_signature`); :attr:`signer_signature` gives every kind's.
    """

    session_hash: int
    session_authorization: tuple[int, ...]
    cache_flag: int
    session_public_key: int | None
    session_signature: tuple[int, int] | None
    session_signer_signature: SignerSignature | None = None

    @classmethod
    def from_signer_signature(cls, session_hash: int, session_authorization: Sequence[int], cache_flag: int,
                              signature: SignerSignature) -> "GuardianSessionInfo":
        """The info of a session key of any kind (a Stark one fills the x-sessions fields)."""
        if isinstance(signature.signature, StarknetSignature) and isinstance(signature.signer, StarknetSigner):
            return cls(session_hash, tuple(session_authorization), cache_flag, signature.signer.pubkey,
                       (signature.signature.r, signature.signature.s))
        return cls(session_hash, tuple(session_authorization), cache_flag, None, None, signature)

    @property
    def signer_signature(self) -> SignerSignature:
        """The session key's signature as a :class:`~xsessions_core.signers.SignerSignature`."""
        if self.session_signer_signature is not None:
            return self.session_signer_signature
        if self.session_public_key is None or self.session_signature is None:
            raise CosignerError("the session info carries no session signature")
        return SignerSignature(StarknetSigner(self.session_public_key), StarknetSignature(*self.session_signature))

    @property
    def session_authorisation(self) -> tuple[int, ...]:
        """Deprecated spelling of :attr:`session_authorization` (removed in the next release)."""
        warnings.warn("GuardianSessionInfo.session_authorisation is deprecated; use session_authorization",
                      DeprecationWarning, stacklevel=2)
        return self.session_authorization

    def to_json(self) -> dict[str, Any]:
        """The ``session`` JSON of x-sessions. x-sessions 9.0.4 only knows Stark session keys
        (``"type": "StarknetKey"``); another kind is sent as ``{"type": <kind>, "signerSignature":
        [hex felts]}`` (its Cairo ``SignerSignature`` Serde), which only a cosigner that knows that
        form accepts."""
        if self.session_signer_signature is not None:
            signature = self.session_signer_signature
            session_signature: dict[str, Any] = {
                "type": signature.kind.name,
                "signerSignature": [to_hex(v) for v in signature.to_felts()],
            }
        else:
            pub, (r, s) = self.session_public_key or 0, self.session_signature or (0, 0)
            session_signature = {"type": "StarknetKey",
                                 "signer": {"publicKey": to_hex(pub), "r": str(r), "s": str(s)}}
        return {
            "sessionHash": to_hex(self.session_hash),
            "sessionAuthorisation": [to_hex(v) for v in self.session_authorization],
            "cacheAuthorisation": self.cache_flag != 0,
            "sessionSignature": session_signature,
        }


setattr(GuardianSessionInfo, "__init__",
        deprecated_keywords(session_authorisation="session_authorization")(GuardianSessionInfo.__init__))


def _da(mode: int) -> str:
    return "L1" if mode == DA_MODE_L1 else "L2"


@dataclass(frozen=True)
class GuardianTransactionRequest:
    """``/cosigner/signSession``: the session part and the invoke v3 transaction.

    ``transaction`` may be ``None`` for cosigners that only need the hash (:class:`LocalGuardian`);
    the HTTP cosigner needs it.
    """

    session: GuardianSessionInfo
    transaction_hash: int
    transaction: InvokeV3 | None = None

    def to_json_body(self) -> dict[str, Any]:
        """The JSON body x-sessions POSTs.

        :raises CosignerError: if the request has no transaction details.
        """
        tx = self.transaction
        if tx is None:
            raise CosignerError("the cosigner needs the transaction details (transaction=InvokeV3 bound to its chain)")
        if tx.chain_id is None:
            raise CosignerError("the transaction must be bound to its chain (InvokeV3(..., chain_id=...))")
        rb = tx.resource_bounds
        bounds = {
            name: {"max_amount": str(b.max_amount), "max_price_per_unit": str(b.max_price_per_unit)}
            for name, b in (("l1_gas", rb.l1_gas), ("l1_data_gas", rb.l1_data_gas), ("l2_gas", rb.l2_gas))
        }
        return {
            "session": self.session.to_json(),
            "transaction": {
                "sender_address": tx.sender_address_hex,
                "calldata": [str(v) for v in tx.calldata],
                "nonce": to_hex(tx.nonce),
                "version": str(tx.version),
                "chain_id": str(tx.chain_id),
                "resource_bounds": bounds,
                "tip": to_hex(tx.tip),
                "paymaster_data": [to_hex(v) for v in tx.paymaster_data],
                "account_deployment_data": [to_hex(v) for v in tx.account_deployment_data],
                "nonce_data_availability_mode": _da(tx.nonce_da_mode),
                "fee_data_availability_mode": _da(tx.fee_da_mode),
            },
        }


@dataclass(frozen=True)
class GuardianOutsideExecutionRequest:
    """``/cosigner/signSessionEFO``: the session part and the outside execution's typed data.

    :ivar typed_data: the SNIP-9 typed data whose message hash (:attr:`message_hash`) was signed.
    """

    session: GuardianSessionInfo
    account_address: int
    chain_id: int
    typed_data: dict[str, Any]
    message_hash: int
    account_address_text: str | None = field(default=None, compare=False, repr=False)

    def to_json_body(self) -> dict[str, Any]:
        """The JSON body x-sessions POSTs (``network`` is ``"mainnet"`` for SN_MAIN, else ``"sepolia"``)."""
        return {
            "session": self.session.to_json(),
            "message": {
                "type": "eip712",
                "accountAddress": self.account_address_text or to_hex(self.account_address),
                "chain": "starknet",
                "message": self.typed_data,
                "network": "mainnet" if self.chain_id == SN_MAIN else "sepolia",
            },
        }


def check_guardian_signature(signature: object, token_message: int) -> GuardianSignature:
    """``signature`` if it is a :class:`GuardianSignature` that verifies over ``token_message``.

    :raises CosignerError: another type, or a signature that does not verify.
    """
    if not isinstance(signature, GuardianSignature):
        raise CosignerError(f"the cosigner returned {type(signature).__name__}, not a GuardianSignature")
    if not verify_message_signature(token_message, (signature.r, signature.s), signature.public_key):
        raise CosignerError("the cosigner's signature does not verify over the session token message")
    return signature


@runtime_checkable
class Cosigner(Protocol):
    """Anything that co-signs session transactions as the account's guardian."""

    async def sign_session_transaction(self, request: GuardianTransactionRequest) -> GuardianSignature:
        """Co-sign an invoke v3 session transaction."""
        ...

    async def sign_session_outside_execution(self, request: GuardianOutsideExecutionRequest) -> GuardianSignature:
        """Co-sign a session outside execution (SNIP-9)."""
        ...


class LocalGuardian:
    """An in-process guardian holding its private key (starknet.js signatures, ``seed=None``).

    :param private_key: an int, a hex string or a starknet-py ``KeyPair``; it never appears in ``repr``.
    :raises InvalidPrivateKey: not a private key in ``[1, n)``.
    """

    def __init__(self, private_key: object) -> None:
        self._private_key = private_key_from(private_key, "guardian private key")

    @cached_property
    def public_key(self) -> int:
        """The guardian's stark public key."""
        return private_to_stark_key(self._private_key)

    def __repr__(self) -> str:
        return f"LocalGuardian(public_key={to_hex(self.public_key)})"

    def sign_token_message(self, token_message: int) -> GuardianSignature:
        """Sign a session-token message directly (no checks): the fast path of batch signers."""
        return self.sign_token_messages([token_message])[0]

    def sign_token_messages(self, token_messages: Sequence[int]) -> list[GuardianSignature]:
        """Sign many session-token messages (no checks) in one backend call, in order.

        :raises CosignerError: a message that is not an int in ``[0, 2**251)``.
        """
        messages = list(token_messages)
        for m in messages:
            if type(m) is not int or not 0 <= m < _MAX_Z:
                raise CosignerError("token message must be an int in [0, 2**251)")
        b = unchecked
        pub = self.public_key
        if len(messages) == 1:
            r, s = b.sign(messages[0], self._private_key, None)
            return [GuardianSignature(pub, r, s)]
        return [GuardianSignature(pub, r, s) for r, s in b.sign_batch(messages, self._private_key)]

    def _check_and_sign(self, session: GuardianSessionInfo, message_hash: int) -> GuardianSignature:
        msg = session_token_message_hash(message_hash, session.session_hash, session.cache_flag)
        if session.session_signer_signature is None:
            if session.session_signature is None or session.session_public_key is None or \
                    not verify_message_signature(msg, session.session_signature, session.session_public_key):
                raise CosignerError("invalid session key signature")
            return self.sign_token_message(msg)
        signature = session.session_signer_signature
        # The secp256 kinds check alike on every account version; a WebAuthn signature knows its own.
        version = signature.signature.version if isinstance(signature.signature, WebauthnSignature) \
            else AccountVersion.V0_5_0
        try:
            valid = signature.is_valid_signature(msg, version)
        except (SignerPanic, SignerError) as exc:
            raise CosignerError(f"invalid session key signature: {exc}") from None
        if not valid:
            raise CosignerError("invalid session key signature")
        return self.sign_token_message(msg)

    async def sign_session_transaction(self, request: GuardianTransactionRequest) -> GuardianSignature:
        """Check the session key's signature over the token message of the transaction, then sign it.

        :raises CosignerError: the transaction details do not hash to ``transaction_hash``, or the
            session signature is invalid.
        """
        tx = request.transaction
        if tx is not None and tx.transaction_hash != request.transaction_hash:
            raise CosignerError("transaction_hash is not the hash of the transaction details")
        return self._check_and_sign(request.session, request.transaction_hash)

    async def sign_session_outside_execution(self, request: GuardianOutsideExecutionRequest) -> GuardianSignature:
        """Recompute the outside execution's message hash from its typed data, check the session
        key's signature, then sign.

        :raises CosignerError: the typed data does not hash to ``message_hash``, or the session
            signature is invalid.
        """
        try:
            recomputed = TypedData.from_dict(request.typed_data).message_hash(request.account_address)
        except XSessionsError as exc:
            raise CosignerError(f"cannot hash the outside execution typed data: {exc}") from None
        if recomputed != request.message_hash:
            raise CosignerError("message_hash is not the hash of the outside execution typed data")
        return self._check_and_sign(request.session, request.message_hash)

