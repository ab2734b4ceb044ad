"""Decoder of the session-token transaction signature (docs/protocol.md §6.4), Cairo ``Serde`` exactly.

The Argent account reads ``signature[1:]`` with ``full_deserialize::<SessionToken>`` and panics with
``session/invalid-calldata`` when ``Serde::deserialize`` returns ``None`` (a value out of its type's
range, an unknown enum variant, felts missing in a generic array, felts left over). Two corelib
behaviours are copied on purpose because they give *different* errors:

* ``Span<felt252>`` (``session_authorization`` and each Merkle proof) is deserialised with
  ``SpanFelt252Serde``: the length must fit a ``u32`` (else ``None``) and the items are taken with
  ``Span::slice``, which **panics** with ``Index out of bounds`` when the length runs past the end;
* every other array (``proofs: Span<Span<felt252>>``, the ``Span<u8>`` of a WebAuthn signer) is
  read item by item and returns ``None`` when the felts run out.

``bool`` reads any non-zero felt as ``true``; ``u64``/``u32``/``u128``/``u8`` reject larger values;
``NonZero`` rejects 0; ``EthAddress`` rejects values ``>= 2**160``; a zero Secp256k1 / Eip191
address panics (``argent/zero-pubkey-hash`` / ``argent/zero-eth-EthAddress``) as the account's
custom ``Serde`` does.

:func:`decode_session_token` returns a :class:`SessionToken` or raises :class:`SessionTokenError`
whose :attr:`~SessionTokenError.contract_error` is the string the account would raise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence, TypeVar

from ..crypto import FIELD_PRIME, backend_module
from ..errors import SessionError, describe_value
from ..sessions.session import SESSION_MAGIC, STARKNET_SIGNER_TYPE
from ..versions import AccountVersion, UnsupportedAccountVersion

__all__ = [
    "SESSION_MAGIC",
    "SIGNER_VARIANTS",
    "SessionTokenError",
    "TokenSession",
    "SignerSignature",
    "SessionToken",
    "CairoReader",
    "decode_session_token",
    "read_signer_signature",
    "is_session_signature",
]

#: ``SignerSignature`` variant names by index (AC ``signer_signature.cairo``).
SIGNER_VARIANTS = ("Starknet", "Secp256k1", "Secp256r1", "Eip191", "Webauthn")

INVALID_CALLDATA = "session/invalid-calldata"
INDEX_OUT_OF_BOUNDS = "Index out of bounds"

_SECP256K1_SIGNER = 0x536563703235366B31205369676E6572  # ss("Secp256k1 Signer")
_SECP256R1_SIGNER = 0x536563703235367231205369676E6572  # ss("Secp256r1 Signer")
_EIP191_SIGNER = 0x456970313931205369676E6572  # ss("Eip191 Signer")
_WEBAUTHN_SIGNER = 0x576562617574686E205369676E6572  # ss("Webauthn Signer")


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
        self._detail = detail

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.contract_error, self._detail, self.offset))


class _SerdeNone(Exception):
    """``Serde::deserialize`` returned ``None`` (internal)."""


class _Panic(Exception):
    """A Cairo panic with this felt message (internal)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


T = TypeVar("T")


class CairoReader:
    """A cursor over felts with the corelib ``Serde`` rules used by the Argent account.

    Failures raise internal exceptions: "None" (``Serde`` returned ``None``) or a panic; the
    public functions of this module turn them into :class:`SessionTokenError`.
    """

    __slots__ = ("data", "pos", "end")

    def __init__(self, data: Sequence[int], start: int = 0) -> None:
        self.data = data
        self.pos = start
        self.end = len(data)

    def remaining(self) -> int:
        """Number of unread felts."""
        return self.end - self.pos

    def felt(self) -> int:
        """``felt252``: one felt, ``None`` at the end."""
        if self.pos >= self.end:
            raise _SerdeNone("felts run out")
        v = self.data[self.pos]
        self.pos += 1
        return v

    def uint(self, bits: int) -> int:
        """``u8``/``u32``/``u64``/``u128``: ``None`` if the felt does not fit."""
        v = self.felt()
        if v >> bits:
            raise _SerdeNone(f"value does not fit a u{bits}")
        return v

    def u256(self) -> tuple[int, int]:
        """``u256`` as ``(low, high)``."""
        return self.uint(128), self.uint(128)

    def boolean(self) -> bool:
        """``bool``: any non-zero felt is ``true``."""
        return self.felt() != 0

    def nonzero(self) -> int:
        """``NonZero<felt252>``."""
        v = self.felt()
        if v == 0:
            raise _SerdeNone("zero where NonZero is required")
        return v

    def nonzero_u256(self) -> tuple[int, int]:
        """``NonZero<u256>``."""
        low, high = self.u256()
        if low == 0 and high == 0:
            raise _SerdeNone("zero where NonZero<u256> is required")
        return low, high

    def eth_address(self) -> int:
        """``EthAddress``: ``None`` if ``>= 2**160``."""
        v = self.felt()
        if v >> 160:
            raise _SerdeNone("EthAddress >= 2**160")
        return v

    def span_felt(self) -> tuple[int, ...]:
        """``Span<felt252>`` (``SpanFelt252Serde``): u32 length, then ``slice`` (panics past the end)."""
        length = self.uint(32)
        if length > self.end - self.pos:
            raise _Panic(INDEX_OUT_OF_BOUNDS)
        out = tuple(self.data[self.pos:self.pos + length])
        self.pos += length
        return out

    def span_of(self, item: Callable[[], T]) -> tuple[T, ...]:
        """Generic ``Span<T>``/``Array<T>``: felt length, then items one by one."""
        remaining = self.felt()
        out: list[T] = []
        while remaining:
            out.append(item())
            remaining -= 1
        return tuple(out)


# --------------------------------------------------------------------------- typed values

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


@dataclass(frozen=True)
class SignerSignature:
    """A decoded ``SignerSignature`` enum value.

    :ivar variant: the variant index (0 = Starknet ... 4 = Webauthn).
    :ivar signer: the felts of the signer payload as serialised (Starknet: ``(pubkey,)``).
    :ivar signature: the felts of the signature payload (Starknet: ``(r, s)``).
    """

    variant: int
    signer: tuple[int, ...]
    signature: tuple[int, ...]

    @property
    def variant_name(self) -> str:
        """``"Starknet"``, ``"Secp256k1"``, ``"Secp256r1"``, ``"Eip191"`` or ``"Webauthn"``."""
        return SIGNER_VARIANTS[self.variant]

    @property
    def is_starknet(self) -> bool:
        """True for the ``Starknet`` variant."""
        return self.variant == 0

    @property
    def starknet_pubkey(self) -> int | None:
        """The stark public key of a ``Starknet`` signer, else ``None``."""
        return self.signer[0] if self.variant == 0 else None

    @property
    def signer_key(self) -> tuple[int, ...]:
        """``(variant, *signer)``: equal iff the Cairo ``Signer`` values are equal."""
        return (self.variant, *self.signer)

    @property
    def guid(self) -> int:
        """``SignerTrait::into_guid`` of the signer (docs/protocol.md §6.4), memoised per signer."""
        key = (self.variant, *self.signer)
        guid = _GUIDS.get(key)
        if guid is None:
            guid = signer_guid(self.variant, self.signer)
            if len(key) <= _GUID_MEMO_MAX_FELTS:  # a long (WebAuthn) signer is not kept
                if len(_GUIDS) >= _GUID_MEMO_MAX:
                    _GUIDS.clear()
                _GUIDS[key] = guid
        return guid

    def felts(self) -> list[int]:
        """The ``Serde`` serialisation ``[variant, *signer, *signature]``."""
        return [self.variant, *self.signer, *self.signature]


#: signer -> guid memo (GUIDs do not depend on the backend; dict operations are atomic under the GIL).
#: A pure memo, cleared when full: at most 16,384 signers of at most 8 felts (about 14 MiB).
_GUIDS: dict[tuple[int, ...], int] = {}
_GUID_MEMO_MAX = 16384
_GUID_MEMO_MAX_FELTS = 8


def signer_guid(variant: int, signer: Sequence[int]) -> int:
    """GUID of a serialised ``Signer`` payload (AC ``SignerTrait::into_guid``)."""
    b = backend_module()
    if variant == 0:
        return b.poseidon(STARKNET_SIGNER_TYPE, signer[0])
    if variant == 1:
        return b.poseidon(_SECP256K1_SIGNER, signer[0])
    if variant == 2:
        return b.poseidon_many([_SECP256R1_SIGNER, *signer])
    if variant == 3:
        return b.poseidon(_EIP191_SIGNER, signer[0])
    return b.poseidon_many([_WEBAUTHN_SIGNER, *signer])


@dataclass(frozen=True)
class SessionToken:
    """A decoded session-token signature (``[magic, *Serde(SessionToken)]``).

    :ivar cache_flag: the raw felt at offset 5 (0.4.0 ``cache_authorization: bool``, 0.5.0
        ``cache_owner_guid``).
    :ivar cache_value: what the account hashes into the token message: ``cache_flag != 0`` as 0/1
        for 0.4.0, ``cache_flag`` itself for 0.5.0.
    """

    session: TokenSession
    cache_flag: int
    cache_value: int
    session_authorization: tuple[int, ...]
    session_signature: SignerSignature
    guardian_signature: SignerSignature
    proofs: tuple[tuple[int, ...], ...]

    def felts(self) -> list[int]:
        """The signature array again: ``[magic, ...]`` (with the cache flag as decoded)."""
        out = [SESSION_MAGIC, *self.session.as_felts(), self.cache_flag,
               len(self.session_authorization), *self.session_authorization]
        out += self.session_signature.felts()
        out += self.guardian_signature.felts()
        out.append(len(self.proofs))
        for proof in self.proofs:
            out += (len(proof), *proof)
        return out


# --------------------------------------------------------------------------- readers

def _secp_signature(r: CairoReader) -> tuple[int, ...]:
    r_low, r_high = r.u256()
    s_low, s_high = r.u256()
    return (r_low, r_high, s_low, s_high, int(r.boolean()))


def read_signer_signature(r: CairoReader) -> SignerSignature:
    """``Serde::<SignerSignature>::deserialize`` (AC 0.4.0 / 0.5.0 layouts, docs/protocol.md §6.4)."""
    variant = r.felt()
    if variant == 0:
        return SignerSignature(0, (r.nonzero(),), (r.felt(), r.felt()))
    if variant == 1 or variant == 3:
        address = r.eth_address()
        if address == 0:
            raise _Panic("argent/zero-pubkey-hash" if variant == 1 else "argent/zero-eth-EthAddress")
        return SignerSignature(variant, (address,), _secp_signature(r))
    if variant == 2:
        return SignerSignature(2, r.nonzero_u256(), _secp_signature(r))
    if variant == 4:
        origin = r.span_of(lambda: r.uint(8))
        signer = (len(origin), *origin, *r.nonzero_u256(), *r.nonzero_u256())
        cross_origin = int(r.boolean())
        outro = r.span_of(lambda: r.uint(8))
        flags = r.uint(8)
        sign_count = r.uint(32)
        ec = _secp_signature(r)
        sha_impl = r.felt()
        if sha_impl not in (0, 1):
            raise _SerdeNone("unknown Sha256Implementation variant")
        return SignerSignature(4, signer, (cross_origin, len(outro), *outro, flags, sign_count, *ec, sha_impl))
    raise _SerdeNone(f"unknown SignerSignature variant {variant}")


def is_session_signature(signature: Sequence[int]) -> bool:
    """True iff ``signature[0]`` is the session magic (AC ``is_session``)."""
    return len(signature) > 0 and signature[0] == SESSION_MAGIC


def _check_felts(signature: Sequence[int]) -> list[int]:
    if isinstance(signature, (str, bytes, dict)) or not hasattr(signature, "__iter__"):
        raise SessionError(f"signature must be a list of felts, got {type(signature).__name__}")
    out = list(signature)
    for i, v in enumerate(out):
        if type(v) is not int or not 0 <= v < FIELD_PRIME:
            raise SessionError(f"signature[{i}] must be a felt (int, 0 <= v < p), got {describe_value(v)}")
    return out


def decode_session_token(signature: Sequence[int], *,
                         account_version: AccountVersion | str = AccountVersion.V0_4_0) -> SessionToken:
    """Decode a session signature exactly as the account's ``full_deserialize::<SessionToken>``.

    :param signature: the full signature array (felts), magic first.
    :param account_version: any :class:`~xsessions_core.versions.AccountVersion` spelling: 0.4.0
        (the cache flag is a ``bool``) or 0.5.0 (a felt guid).
    :raises SessionTokenError: with the account's error string; :class:`SessionError` for input
        that is not a list of felts.
    """
    return _decode_session_token_felts(_check_felts(signature), _is_v5(account_version))


def _decode_session_token_felts(data: Sequence[int], v5: bool) -> SessionToken:
    """:func:`decode_session_token` of a signature already known to be felts (ints in ``[0, p)``),
    as the relayer's verifier has it after parsing the transaction; ``v5`` for account 0.5.0."""
    if not is_session_signature(data):
        raise SessionTokenError("session/invalid-magic-value", "signature[0] is not ss('session-token')", 0)
    parts = _decode_starknet_signers(data) or _decode_with_reader(data)
    session, cache_flag, authorization, session_signature, guardian_signature, proofs = parts
    return SessionToken(
        session=session,
        cache_flag=cache_flag,
        cache_value=cache_flag if v5 else int(cache_flag != 0),
        session_authorization=authorization,
        session_signature=session_signature,
        guardian_signature=guardian_signature,
        proofs=proofs,
    )


def _decode_with_reader(data: Sequence[int]) -> tuple[Any, ...]:
    """The token's parts, read field by field as Cairo ``Serde`` does (any signer variant)."""
    r = CairoReader(data, 1)
    try:
        session = TokenSession(r.uint(64), r.felt(), r.felt(), r.felt())
        cache_flag = r.felt()
        authorization = r.span_felt()
        session_signature = read_signer_signature(r)
        guardian_signature = read_signer_signature(r)
        proofs = r.span_of(r.span_felt)
    except _SerdeNone as exc:
        raise SessionTokenError(INVALID_CALLDATA, str(exc), r.pos) from None
    except _Panic as exc:
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
            SignerSignature(0, (data[q + 1],), (data[q + 2], data[q + 3])),
            SignerSignature(0, (data[q + 5],), (data[q + 6], data[q + 7])), tuple(proofs))


def _is_v5(account_version: object) -> bool:
    try:
        return AccountVersion.parse(account_version) is AccountVersion.V0_5_0
    except UnsupportedAccountVersion as exc:
        raise SessionError(f"account_version: {exc}") from None
