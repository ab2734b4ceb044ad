"""The session-token transaction signature: ``[SESSION_MAGIC, *Serde(SessionToken)]``, Cairo ``Serde`` exactly.

Source: argentlabs/argent-contracts-starknet ``src/session/session.cairo`` and
``src/session/session_structs.cairo`` at tags ``account-0.4.0`` and ``v0.5.0``. The account reads
``signature[1:]`` with ``full_deserialize::<SessionToken>`` and panics with
``session/invalid-calldata`` when ``Serde::deserialize`` returns ``None`` (a value out of its type's
range, an unknown enum variant, felts missing in a generic array, felts left over). The
``session_authorization`` and each Merkle proof are ``Span<felt252>``: a length past the end panics
with ``Index out of bounds`` (:mod:`xsessions_core.cairo_serde`). The two signer signatures are read by
:meth:`xsessions_core.signers.SignerSignature.read` (the WebAuthn layout differs between 0.4.0 and
0.5.0); a zero Secp256k1 / Eip191 address panics (``argent/zero-pubkey-hash`` /
``argent/zero-eth-EthAddress``) as the account's custom ``Serde`` does.

The cache flag at ``signature[5]`` is ``cache_authorization: bool`` on 0.4.0 and
``cache_owner_guid: felt252`` on 0.5.0; :func:`cache_value` gives what the account hashes into the
token message.

:func:`decode_session_token` returns a :class:`SessionToken` or raises :class:`SessionTokenError`
whose :attr:`~SessionTokenError.contract_error` is the string the account would raise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .cairo_serde import CairoReader, SerdeNone, SerdePanic
from .crypto import FIELD_PRIME
from .errors import SessionError, describe_value
from .signers import SignerFormatError, SignerSignature, StarknetSignature, StarknetSigner
from .versions import AccountVersion, UnsupportedAccountVersion

__all__ = [
    "SESSION_MAGIC",
    "INVALID_CALLDATA",
    "SessionTokenError",
    "TokenSession",
    "SessionToken",
    "cache_value",
    "token_head",
    "encode_proofs",
    "encode_session_token",
    "decode_session_token",
    "decode_session_token_felts",
    "read_signer_signature",
    "is_session_signature",
]

#: ``ss("session-token")``, ``signature[0]`` of every session transaction (``SESSION_MAGIC`` in session.cairo).
SESSION_MAGIC = 0x73657373696F6E2D746F6B656E
#: The account's error when the token does not deserialise.
INVALID_CALLDATA = "session/invalid-calldata"


class SessionTokenError(SessionError):
    """A session signature the account would reject while decoding it.

    :ivar contract_error: the account's error string (``session/invalid-calldata``,
        ``Index out of bounds``, ``session/invalid-magic-value``, ``argent/zero-pubkey-hash``...).
    :ivar offset: index in the signature array where decoding stopped (``None`` if unknown).
    """

    def __init__(self, contract_error: str, detail: str, offset: int | None = None) -> None:
        where = "" if offset is None else f" at signature[{offset}]"
        super().__init__(f"{contract_error}: {detail}{where}")
        self.contract_error = contract_error
        self.offset = offset
        self.detail = detail

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.contract_error, self.detail, self.offset))


@dataclass(frozen=True)
class TokenSession:
    """The on-chain ``Session`` struct carried by a token (4 felts)."""

    expires_at: int
    allowed_methods_root: int
    metadata_hash: int
    session_key_guid: int

    def as_felts(self) -> tuple[int, int, int, int]:
        """``(expires_at, allowed_methods_root, metadata_hash, session_key_guid)``."""
        return (self.expires_at, self.allowed_methods_root, self.metadata_hash, self.session_key_guid)


def cache_value(version: AccountVersion, cache_flag: int) -> int:
    """What the account hashes into the token message for the felt at ``signature[5]``: the
    ``bool`` ``cache_flag != 0`` as 0/1 on 0.4.0, the ``cache_owner_guid`` itself on 0.5.0
    (:meth:`AccountRules.cache_value <xsessions_core.versions.AccountRules.cache_value>` of the version)."""
    return AccountVersion.parse(version).rules.cache_value(cache_flag)


def token_head(session_felts: Sequence[int], cache_flag: int, authorization: Sequence[int]) -> list[int]:
    """``[magic, *Session, cache_flag, len(authorization), *authorization]``: the felts before the
    session key's ``SignerSignature`` (``Serde`` of ``SessionToken``, argentlabs/argent-contracts-starknet
    ``src/session/interface.cairo``, tags ``account-0.4.0`` and ``v0.5.0``)."""
    return [SESSION_MAGIC, *session_felts, cache_flag, len(authorization), *authorization]


def encode_proofs(proofs: Sequence[Sequence[int]]) -> list[int]:
    """The ``Span<Span<felt252>>`` of the Merkle proofs, one per call: ``[n, (len, *proof)*]``."""
    out = [len(proofs)]
    for proof in proofs:
        out += (len(proof), *proof)
    return out


def encode_session_token(session_felts: Sequence[int], cache_flag: int, authorization: Sequence[int],
                         session_signature: Sequence[int], guardian_signature: Sequence[int],
                         proofs: Sequence[Sequence[int]]) -> list[int]:
    """The session-token signature array from its parts, the two signer signatures already encoded
    (:meth:`SignerSignature.encode <xsessions_core.signers.SignerSignature.encode>`). Values are not
    checked here: the signing side validates its inputs, :func:`decode_session_token` reads any array."""
    return [*token_head(session_felts, cache_flag, authorization), *session_signature, *guardian_signature,
            *encode_proofs(proofs)]


@dataclass(frozen=True)
class SessionToken:
    """A decoded session-token signature (``[magic, *Serde(SessionToken)]``).

    :ivar cache_flag: the raw felt at offset 5 (0.4.0 ``cache_authorization: bool``, 0.5.0
        ``cache_owner_guid``).
    :ivar cache_value: what the account hashes into the token message (:func:`cache_value`).
    :ivar session_signature: the session key's :class:`~xsessions_core.signers.SignerSignature`.
    :ivar guardian_signature: the guardian's (backend's) one.
    """

    session: TokenSession
    cache_flag: int
    cache_value: int
    session_authorization: tuple[int, ...]
    session_signature: SignerSignature
    guardian_signature: SignerSignature
    proofs: tuple[tuple[int, ...], ...]

    def felts(self) -> list[int]:
        """The signature array again: ``[magic, ...]`` (with the cache flag as decoded; each
        signer signature in the layout it was decoded with)."""
        return encode_session_token(self.session.as_felts(), self.cache_flag, self.session_authorization,
                                    self.session_signature.to_felts(), self.guardian_signature.to_felts(), self.proofs)


def read_signer_signature(r: CairoReader, version: AccountVersion) -> SignerSignature:
    """``Serde::<SignerSignature>::deserialize`` at the reader's position (moves it past the value).

    :raises SerdeNone: ``Serde`` returns ``None``.
    :raises SerdePanic: the account's ``Serde`` panics (a zero Ethereum address).
    """
    try:
        sig, r.pos = SignerSignature.read(r.data, r.pos, version)
    except SignerFormatError as exc:
        r.pos = exc.offset
        if exc.panic is not None:
            raise SerdePanic(exc.panic) from None
        raise SerdeNone(str(exc)) from None
    return sig


def is_session_signature(signature: Sequence[int]) -> bool:
    """True iff ``signature[0]`` is the session magic (``is_session`` in session.cairo)."""
    return len(signature) > 0 and signature[0] == SESSION_MAGIC


def _check_felts(signature: Sequence[int]) -> list[int]:
    if isinstance(signature, (str, bytes, dict)) or not hasattr(signature, "__iter__"):
        raise SessionError(f"signature must be a list of felts, got {type(signature).__name__}")
    out = list(signature)
    for i, v in enumerate(out):
        if type(v) is not int or not 0 <= v < FIELD_PRIME:
            raise SessionError(f"signature[{i}] must be a felt (int, 0 <= v < p), got {describe_value(v)}")
    return out


def _version(account_version: object) -> AccountVersion:
    try:
        return AccountVersion.parse(account_version)
    except UnsupportedAccountVersion as exc:
        raise SessionError(f"account_version: {exc}") from None


def decode_session_token(signature: Sequence[int], *,
                         account_version: AccountVersion | str = AccountVersion.V0_4_0) -> SessionToken:
    """Decode a session signature exactly as the account's ``full_deserialize::<SessionToken>``.

    :param signature: the full signature array (felts), magic first.
    :param account_version: any :class:`~xsessions_core.versions.AccountVersion` spelling: 0.4.0
        (the cache flag is a ``bool``) or 0.5.0 (a felt guid; the 0.5.0 WebAuthn layout).
    :raises SessionTokenError: with the account's error string; :class:`SessionError` for input
        that is not a list of felts or an unknown version.
    """
    return decode_session_token_felts(_check_felts(signature), _version(account_version))


def decode_session_token_felts(data: Sequence[int], version: AccountVersion) -> SessionToken:
    """:func:`decode_session_token` of a signature already known to be felts (ints in ``[0, p)``)
    and a parsed version, as the relayer's verifier has them after parsing the transaction."""
    if not is_session_signature(data):
        raise SessionTokenError("session/invalid-magic-value", "signature[0] is not ss('session-token')", 0)
    parts = _decode_starknet_signers(data) or _decode_with_reader(data, version)
    session, cache_flag, authorization, session_signature, guardian_signature, proofs = parts
    return SessionToken(
        session=session,
        cache_flag=cache_flag,
        cache_value=version.rules.cache_value(cache_flag),
        session_authorization=authorization,
        session_signature=session_signature,
        guardian_signature=guardian_signature,
        proofs=proofs,
    )


def _decode_with_reader(data: Sequence[int], version: AccountVersion) -> tuple[Any, ...]:
    """The token's parts, read field by field as Cairo ``Serde`` does (any signer variant)."""
    r = CairoReader(data, 1)
    try:
        session = TokenSession(r.uint(64), r.felt(), r.felt(), r.felt())
        cache_flag = r.felt()
        authorization = r.span_felt()
        session_signature = read_signer_signature(r, version)
        guardian_signature = read_signer_signature(r, version)
        proofs = r.span_of(r.span_felt)
    except SerdeNone as exc:
        raise SessionTokenError(INVALID_CALLDATA, str(exc), r.pos) from None
    except SerdePanic as exc:
        raise SessionTokenError(exc.message, "panic while decoding", r.pos) from None
    if r.remaining():
        raise SessionTokenError(INVALID_CALLDATA, f"{r.remaining()} felts left after the token", r.pos)
    return session, cache_flag, authorization, session_signature, guardian_signature, proofs


def _decode_starknet_signers(data: Sequence[int]) -> tuple[Any, ...] | None:
    """The common case of :func:`decode_session_token` without the general reader: both signers
    of the Starknet variant and every length in range. ``None`` when anything differs: then the
    general reader decodes the token (or finds the account's error)."""
    end = len(data)
    if end < 16 or data[1] >> 64:
        return None
    q = 7 + data[6]  # after the authorisation span
    if data[6] >> 32 or q + 9 > end or data[q] or not data[q + 1] or data[q + 4] or not data[q + 5]:
        return None
    n_proofs, pos, proofs = data[q + 8], q + 9, []
    if n_proofs > end - pos:
        return None
    for _ in range(n_proofs):
        if pos >= end:
            return None
        length = data[pos]
        pos += 1
        if length > end - pos:
            return None
        proofs.append(tuple(data[pos:pos + length]))
        pos += length
    if pos != end:
        return None
    return (TokenSession(data[1], data[2], data[3], data[4]), data[5], tuple(data[7:q]),
            SignerSignature(StarknetSigner(data[q + 1]), StarknetSignature(data[q + 2], data[q + 3])),
            SignerSignature(StarknetSigner(data[q + 5]), StarknetSignature(data[q + 6], data[q + 7])), tuple(proofs))
