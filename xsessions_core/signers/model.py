"""Signers and signer signatures of the Argent account: values, Cairo ``Serde``, GUIDs, verification.

Sources: argentlabs/argent-contracts-starknet ``src/signer/signer_signature.cairo``,
``src/signer/eip191.cairo``, ``src/signer/webauthn.cairo`` at tags ``account-0.4.0`` and ``v0.5.0``.
The ``Serde`` rules are corelib's (starkware-libs/cairo ``corelib/src/serde.cairo``): ``bool`` is
any non-zero felt, ``u8``/``u32``/``u128`` reject larger values, ``NonZero`` rejects 0,
``EthAddress`` rejects values ``>= 2**160``, arrays of ``u8`` are read item by item and return
``None`` when the felts run out. Argent's own ``Serde`` of the Secp256k1 / Eip191 signers panics
on a zero address.
"""

from __future__ import annotations

import base64
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar, TypeVar, Union

from .. import crypto
from ..cairo_serde import CairoReader, CheckedCairoReader, SerdeNone
from ..encoding import encode_shortstring
from ..errors import XSessionsError, describe_value
from ..versions import AccountVersion
from . import curves, webauthn

__all__ = [
    "SignerKind", "SignerError", "SignerFormatError",
    "Signer", "StarknetSigner", "Secp256k1Signer", "Secp256r1Signer", "Eip191Signer", "WebauthnSigner",
    "StarknetSignature", "Secp256Signature", "WebauthnSignature", "SignerSignature",
    "SHA256_CAIRO0", "SHA256_CAIRO1", "starknet_signer_signature_felts",
]

_P = crypto.FIELD_PRIME
_U128 = 1 << 128
_U256 = 1 << 256

#: 0.4.0 ``Sha256Implementation`` variants (the byte appended to the WebAuthn challenge).
SHA256_CAIRO0 = 0
SHA256_CAIRO1 = 1

AnyVersion = Union[AccountVersion, str]
T = TypeVar("T")


class SignerKind(enum.IntEnum):
    """The ``SignerType`` / ``SignerSignature`` variant index."""

    Starknet = 0
    Secp256k1 = 1
    Secp256r1 = 2
    Eip191 = 3
    Webauthn = 4


class SignerError(XSessionsError, ValueError):
    """A signer or a signature value is out of its Cairo type's range, or a kind / layout mismatch."""


class SignerFormatError(SignerError):
    """Felts that do not deserialise as a ``Signer`` / ``SignerSignature``.

    :ivar panic: the account's panic string when its ``Serde`` panics (``argent/zero-pubkey-hash``,
        ``argent/zero-eth-EthAddress``); ``None`` when ``Serde`` returns ``None`` (the caller's
        error then: ``session/invalid-calldata`` inside a session token,
        ``argent/invalid-signature-format`` in an account signature).
    :ivar offset: index of the felt where decoding stopped.
    """

    def __init__(self, detail: str, offset: int, panic: str | None = None) -> None:
        super().__init__(f"{panic + ': ' if panic else ''}{detail} at felt {offset}")
        self.panic = panic
        self.offset = offset


# --------------------------------------------------------------------------- Serde reading

def _u256(r: CairoReader) -> int:
    """``u256``: two ``u128`` felts, low first."""
    low = r.uint(128)
    return low | r.uint(128) << 128


def _nonzero_u256(r: CairoReader) -> int:
    """``NonZero<u256>``: ``None`` for 0."""
    v = _u256(r)
    if v == 0:
        raise SignerFormatError("zero where NonZero<u256> is required", r.pos - 2)
    return v


def _read_whole(felts: Sequence[int], start: int, read: Callable[[CairoReader], T]) -> tuple[T, int]:
    """``read`` at ``felts[start]`` with a felt-checking reader; returns the value and the index after it.

    :raises SignerFormatError: ``Serde`` returns ``None`` there (its offset) or the account panics.
    :raises InvalidFieldElement: a consumed item is not a felt.
    """
    r = CheckedCairoReader(felts, start)
    try:
        return read(r), r.pos
    except SerdeNone as exc:
        raise SignerFormatError(str(exc), r.pos if exc.offset is None else exc.offset) from None


def _u256_felts(v: int) -> tuple[int, int]:
    return v & (_U128 - 1), v >> 128


def _check(value: object, name: str, bound: int, nonzero: bool = False) -> None:
    """``value`` must be an int in ``[0, bound)`` (``[1, bound)`` if ``nonzero``)."""
    low = 1 if nonzero else 0
    if type(value) is not int or not low <= value < bound:
        limit = "p" if bound == _P else f"2**{bound.bit_length() - 1}"
        raise SignerError(f"{name} must be an int with {low} <= {name} < {limit}, got {describe_value(value)}")


def _version(version: AnyVersion) -> AccountVersion:
    return AccountVersion.parse(version)


# --------------------------------------------------------------------------- signers

_TAGS = {kind: encode_shortstring(f"{kind.name} Signer") for kind in SignerKind}


class Signer:
    """The public part of a signer: the Cairo ``Signer`` enum (one subclass per variant).

    ``Signer.from_felts([1, eth_address])`` reads its ``Serde``; :meth:`to_felts` writes it;
    :attr:`guid` is ``SignerTrait::into_guid``.
    """

    kind: ClassVar[SignerKind]

    def _payload(self) -> list[int]:
        raise NotImplementedError

    def to_felts(self) -> list[int]:
        """The ``Serde`` of the ``Signer`` enum: ``[variant, *payload]``."""
        return [int(self.kind), *self._payload()]

    @cached_property
    def guid(self) -> int:
        """``SignerTrait::into_guid``: Poseidon of the type tag and the ``Serde`` payload: the
        2-input ``poseidon_hash(tag, value)`` for the one-felt signers (Starknet, Secp256k1,
        Eip191), ``poseidon_hash_many`` over the felts for Secp256r1 and Webauthn."""
        payload = self._payload()
        if len(payload) == 1:
            return crypto.poseidon_hash(_TAGS[self.kind], payload[0])
        return crypto.poseidon_hash_many([_TAGS[self.kind], *payload])

    @classmethod
    def from_felts(cls, felts: Sequence[int]) -> Signer:
        """Deserialise a ``Signer`` (every felt must be consumed).

        :raises SignerFormatError: the felts are not one ``Signer``.
        :raises InvalidFieldElement: an item is not a felt.
        """
        signer, end = _read_whole(felts, 0, _read_signer)
        if end != len(felts):
            raise SignerFormatError("felts left over after the Signer", end)
        return signer


@dataclass(frozen=True, eq=True)
class StarknetSigner(Signer):
    """``StarknetSigner { pubkey: NonZero<felt252> }``: a stark public key (x coordinate)."""

    kind: ClassVar[SignerKind] = SignerKind.Starknet
    pubkey: int

    def __post_init__(self) -> None:
        _check(self.pubkey, "pubkey", _P, nonzero=True)

    def _payload(self) -> list[int]:
        return [self.pubkey]


@dataclass(frozen=True, eq=True)
class Secp256k1Signer(Signer):
    """``Secp256k1Signer { pubkey_hash: EthAddress }``: the Ethereum address of a secp256k1 key."""

    kind: ClassVar[SignerKind] = SignerKind.Secp256k1
    pubkey_hash: int

    def __post_init__(self) -> None:
        _check(self.pubkey_hash, "pubkey_hash", 1 << 160, nonzero=True)

    def _payload(self) -> list[int]:
        return [self.pubkey_hash]


@dataclass(frozen=True, eq=True)
class Secp256r1Signer(Signer):
    """``Secp256r1Signer { pubkey: NonZero<u256> }``: the x coordinate of a P-256 public key (both
    points with that x are the same signer for the account)."""

    kind: ClassVar[SignerKind] = SignerKind.Secp256r1
    pubkey: int

    def __post_init__(self) -> None:
        _check(self.pubkey, "pubkey", _U256, nonzero=True)

    def _payload(self) -> list[int]:
        return [*_u256_felts(self.pubkey)]


@dataclass(frozen=True, eq=True)
class Eip191Signer(Signer):
    """``Eip191Signer { eth_address: EthAddress }``: an Ethereum account signing with ``personal_sign``."""

    kind: ClassVar[SignerKind] = SignerKind.Eip191
    eth_address: int

    def __post_init__(self) -> None:
        _check(self.eth_address, "eth_address", 1 << 160, nonzero=True)

    def _payload(self) -> list[int]:
        return [self.eth_address]


@dataclass(frozen=True, eq=True)
class WebauthnSigner(Signer):
    """``WebauthnSigner { origin: Span<u8>, rp_id_hash: NonZero<u256>, pubkey: NonZero<u256> }``:
    a passkey. ``rp_id_hash = sha256(rp_id)`` as a big-endian u256, ``pubkey`` the x coordinate."""

    kind: ClassVar[SignerKind] = SignerKind.Webauthn
    origin: bytes
    rp_id_hash: int
    pubkey: int

    def __post_init__(self) -> None:
        if not isinstance(self.origin, bytes):
            raise SignerError(f"origin must be bytes, got {type(self.origin).__name__}")
        _check(self.rp_id_hash, "rp_id_hash", _U256, nonzero=True)
        _check(self.pubkey, "pubkey", _U256, nonzero=True)

    def _payload(self) -> list[int]:
        return [len(self.origin), *self.origin, *_u256_felts(self.rp_id_hash), *_u256_felts(self.pubkey)]


def _read_signer(r: CairoReader) -> Signer:
    start = r.pos
    variant = r.felt()
    if variant == SignerKind.Starknet:
        pubkey = r.felt()
        if pubkey == 0:
            raise SignerFormatError("zero where NonZero<felt252> is required", r.pos - 1)
        return StarknetSigner(pubkey)
    if variant == SignerKind.Secp256k1 or variant == SignerKind.Eip191:
        address = r.felt()
        if address >> 160:
            raise SignerFormatError("EthAddress >= 2**160", r.pos - 1)
        if address == 0:
            panic = "argent/zero-pubkey-hash" if variant == SignerKind.Secp256k1 else "argent/zero-eth-EthAddress"
            raise SignerFormatError("zero Ethereum address", r.pos - 1, panic)
        return Secp256k1Signer(address) if variant == SignerKind.Secp256k1 else Eip191Signer(address)
    if variant == SignerKind.Secp256r1:
        return Secp256r1Signer(_nonzero_u256(r))
    if variant == SignerKind.Webauthn:
        origin = r.bytes_span()
        rp_id_hash = _nonzero_u256(r)
        return WebauthnSigner(origin, rp_id_hash, _nonzero_u256(r))
    raise SignerFormatError(f"unknown Signer variant {describe_value(variant)}", start)


# --------------------------------------------------------------------------- signatures

_STARKNET_INDEX = 0  # SignerKind.Starknet as a plain int, for felt lists


def starknet_signer_signature_felts(pubkey: int, r: int, s: int) -> list[int]:
    """The ``Serde`` of ``SignerSignature::Starknet((StarknetSigner { pubkey }, StarknetSignature { r, s }))``
    from checked felts: ``[0, pubkey, r, s]`` (what :meth:`SignerSignature.encode` writes for this kind,
    without building the objects, for the signing hot path)."""
    return [_STARKNET_INDEX, pubkey, r, s]


@dataclass(frozen=True)
class StarknetSignature:
    """``StarknetSignature { r: felt252, s: felt252 }``."""

    r: int
    s: int

    def __post_init__(self) -> None:
        _check(self.r, "r", _P)
        _check(self.s, "s", _P)

    def to_felts(self) -> list[int]:
        """``[r, s]``."""
        return [self.r, self.s]


@dataclass(frozen=True)
class Secp256Signature:
    """corelib ``secp256_trait::Signature { r: u256, s: u256, y_parity: bool }``; ``y_parity`` is the
    parity of the y coordinate of ``R`` (``True`` = odd), the public-key recovery bit."""

    r: int
    s: int
    y_parity: bool

    def __post_init__(self) -> None:
        _check(self.r, "r", _U256)
        _check(self.s, "s", _U256)
        if not isinstance(self.y_parity, bool):
            raise SignerError(f"y_parity must be a bool, got {type(self.y_parity).__name__}")

    def to_felts(self) -> list[int]:
        """``[r.low, r.high, s.low, s.high, y_parity]``."""
        return [*_u256_felts(self.r), *_u256_felts(self.s), int(self.y_parity)]


@dataclass(frozen=True)
class WebauthnSignature:
    """``WebauthnSignature``: the parts of a WebAuthn assertion the account cannot rebuild itself.

    0.5.0 layout: ``client_data_json_outro, flags, sign_count, ec_signature``; 0.4.0 adds
    ``cross_origin`` before and ``sha256_implementation`` after them. The two 0.4.0 fields are
    ``None`` in a 0.5.0 signature and set in a 0.4.0 one: a signature carries its layout.
    """

    client_data_json_outro: bytes
    flags: int
    sign_count: int
    ec_signature: Secp256Signature
    cross_origin: bool | None = None
    sha256_implementation: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.client_data_json_outro, bytes):
            raise SignerError("client_data_json_outro must be bytes")
        _check(self.flags, "flags", 1 << 8)
        _check(self.sign_count, "sign_count", 1 << 32)
        if not isinstance(self.ec_signature, Secp256Signature):
            raise SignerError("ec_signature must be a Secp256Signature")
        if (self.cross_origin is None) != (self.sha256_implementation is None):
            raise SignerError("cross_origin and sha256_implementation are both set (0.4.0) or both None (0.5.0)")
        if self.cross_origin is not None and not isinstance(self.cross_origin, bool):
            raise SignerError("cross_origin must be a bool or None")
        if self.sha256_implementation not in (None, SHA256_CAIRO0, SHA256_CAIRO1):
            raise SignerError("sha256_implementation must be 0 (Cairo0), 1 (Cairo1) or None")

    @property
    def version(self) -> AccountVersion:
        """The account version whose layout this signature has."""
        return AccountVersion.V0_5_0 if self.cross_origin is None else AccountVersion.V0_4_0

    def to_felts(self) -> list[int]:
        """The ``Serde`` of this signature in its own layout."""
        out = [] if self.cross_origin is None else [int(self.cross_origin)]
        out += [len(self.client_data_json_outro), *self.client_data_json_outro, self.flags, self.sign_count]
        out += self.ec_signature.to_felts()
        if self.sha256_implementation is not None:
            out.append(self.sha256_implementation)
        return out

    def client_data_json(self, msg_hash: int, origin: bytes) -> bytes:
        """The clientDataJSON the account rebuilds for ``msg_hash``.

        :raises SignerPanic: ``webauthn/invalid-json-outro``.
        """
        return webauthn.client_data_json(msg_hash, self.version, origin, self.client_data_json_outro,
                                         self.cross_origin, self.sha256_implementation)

    @classmethod
    def from_assertion(cls, signer: WebauthnSigner, version: AnyVersion, authenticator_data: bytes,
                       client_data_json: bytes, r: int, s: int, msg_hash: int | None = None) -> WebauthnSignature:
        """The signature for the account from a WebAuthn assertion as the browser returns it
        (``response.authenticatorData``, ``response.clientDataJSON``, and ``r``, ``s`` of
        ``response.signature``, which is DER: ``cryptography``'s ``decode_dss_signature`` reads it).

        The clientDataJSON must start as the account rebuilds it (``type``, ``challenge``,
        ``origin`` and, for 0.4.0, ``crossOrigin``, in that order); the rest becomes the outro.
        ``s`` is normalised to the low half and ``y_parity`` found by recovering ``signer.pubkey``.

        :param msg_hash: if given, the challenge must encode it.
        :raises SignerError: an assertion the account cannot verify (extensions in the
            authenticator data, another relying party, another JSON layout or challenge).
        :raises InvalidSignature: ``(r, s)`` is not a signature of the assertion by ``signer``.
        """
        v = _version(version)
        if len(authenticator_data) != 37:
            raise SignerError("authenticator_data must be 37 bytes (rp_id_hash, flags, sign_count): "
                              f"the account rebuilds no extensions, got {len(authenticator_data)} bytes")
        if authenticator_data[:32] != signer.rp_id_hash.to_bytes(32, "big"):
            raise SignerError("authenticator_data is for another relying party (rp_id_hash differs)")
        intro = b'{"type":"webauthn.get","challenge":"'
        size = 44 if v is AccountVersion.V0_4_0 else 43
        head = client_data_json[: len(intro) + size]
        rest = client_data_json[len(head):]
        origin_part = b'","origin":"' + signer.origin + b'"'
        if not head.startswith(intro) or not rest.startswith(origin_part):
            raise SignerError("client_data_json does not start with type, challenge and origin as the account "
                              "rebuilds it")
        challenge = base64.urlsafe_b64decode(head[len(intro):] + b"=" * (-size % 4))
        rest = rest[len(origin_part):]
        cross_origin: bool | None = None
        sha: int | None = None
        if v is AccountVersion.V0_4_0:
            sha = challenge[32]
            if sha not in (SHA256_CAIRO0, SHA256_CAIRO1):
                raise SignerError("the 0.4.0 challenge must end with the SHA-256 implementation byte 0 or 1")
            for value in (False, True):
                part = b',"crossOrigin":' + (b"true" if value else b"false")
                if rest.startswith(part):
                    cross_origin, rest = value, rest[len(part):]
            if cross_origin is None:
                raise SignerError('a 0.4.0 client_data_json must continue with "crossOrigin" after the origin')
        if msg_hash is not None and challenge[:32] != crypto.felt(msg_hash, "msg_hash").to_bytes(32, "big"):
            raise SignerError("the challenge of client_data_json is not msg_hash")
        if rest[:1] != b"," and rest != b"}":
            raise SignerError("client_data_json must continue with ',' or end with '}' after the rebuilt fields")
        digest = webauthn.signed_digest(authenticator_data, client_data_json)
        ec_signature = Secp256Signature(*curves.p256_normalise(digest, r, s, signer.pubkey))
        flags, sign_count = authenticator_data[32], int.from_bytes(authenticator_data[33:], "big")
        return cls(b"" if rest == b"}" else rest, flags, sign_count, ec_signature, cross_origin, sha)

    def digest(self, msg_hash: int, signer: WebauthnSigner) -> int:
        """The P-256 digest: ``sha256(authenticatorData ‖ sha256(clientDataJSON))``.

        :raises SignerPanic: ``webauthn/invalid-json-outro``.
        """
        auth = webauthn.authenticator_data(signer.rp_id_hash, self.flags, self.sign_count)
        return webauthn.signed_digest(auth, self.client_data_json(msg_hash, signer.origin))


def _read_secp(r: CairoReader) -> Secp256Signature:
    rv = _u256(r)
    sv = _u256(r)
    return Secp256Signature(rv, sv, r.boolean())


def _read_webauthn(r: CairoReader, version: AccountVersion) -> WebauthnSignature:
    v4 = version is AccountVersion.V0_4_0
    cross_origin = r.boolean() if v4 else None
    outro = r.bytes_span()
    flags = r.uint(8)
    sign_count = r.uint(32)
    ec = _read_secp(r)
    sha = None
    if v4:
        sha = r.felt()
        if sha not in (SHA256_CAIRO0, SHA256_CAIRO1):
            raise SignerFormatError("unknown Sha256Implementation variant", r.pos - 1)
    return WebauthnSignature(outro, flags, sign_count, ec, cross_origin, sha)


_SIGNATURE_TYPES: dict[SignerKind, type] = {
    SignerKind.Starknet: StarknetSignature,
    SignerKind.Secp256k1: Secp256Signature,
    SignerKind.Secp256r1: Secp256Signature,
    SignerKind.Eip191: Secp256Signature,
    SignerKind.Webauthn: WebauthnSignature,
}

@dataclass(frozen=True)
class SignerSignature:
    """The Cairo ``SignerSignature`` enum: a signer and its signature, of the same kind.

    The only code that knows the ``Serde`` layouts (:meth:`encode`, :meth:`decode`, :meth:`read`)
    and what each kind verifies (:meth:`is_valid_signature`, :meth:`verify`).
    """

    signer: Signer
    signature: StarknetSignature | Secp256Signature | WebauthnSignature

    def __post_init__(self) -> None:
        if not isinstance(self.signer, Signer) or type(self.signer) is Signer:
            raise SignerError(f"signer must be a Signer variant, got {type(self.signer).__name__}")
        if not isinstance(self.signature, _SIGNATURE_TYPES[self.signer.kind]):
            raise SignerError(f"a {self.signer.kind.name} signer needs a "
                              f"{_SIGNATURE_TYPES[self.signer.kind].__name__}, got {type(self.signature).__name__}")

    @property
    def kind(self) -> SignerKind:
        """The variant."""
        return self.signer.kind

    @property
    def guid(self) -> int:
        """The signer's GUID."""
        return self.signer.guid

    # ----------------------------------------------------------------- Serde

    def encode(self, version: AnyVersion) -> list[int]:
        """The ``Serde`` for the account ``version``: ``[variant, *signer, *signature]``.

        :raises SignerError: a WebAuthn signature of the other version's layout.
        """
        v = _version(version)
        sig = self.signature
        if isinstance(sig, WebauthnSignature) and sig.version is not v:
            raise SignerError(f"this WebAuthn signature has the {sig.version} layout, not {v}")
        return self.to_felts()

    def to_felts(self) -> list[int]:
        """The ``Serde`` in the signature's own layout (a WebAuthn signature knows its version)."""
        return [*self.signer.to_felts(), *self.signature.to_felts()]

    @classmethod
    def read(cls, felts: Sequence[int], start: int, version: AnyVersion) -> tuple[SignerSignature, int]:
        """Deserialise one ``SignerSignature`` at ``felts[start]``; returns it and the index after it.

        :raises SignerFormatError: ``Serde`` returns ``None`` (``panic is None``) or the account panics.
        :raises InvalidFieldElement: a consumed item is not a felt.
        """
        v = _version(version)

        def read(r: CairoReader) -> SignerSignature:
            signer = _read_signer(r)
            signature: StarknetSignature | Secp256Signature | WebauthnSignature
            if isinstance(signer, StarknetSigner):
                signature = StarknetSignature(r.felt(), r.felt())
            elif isinstance(signer, WebauthnSigner):
                signature = _read_webauthn(r, v)
            else:
                signature = _read_secp(r)
            return cls(signer, signature)

        return _read_whole(felts, start, read)

    @classmethod
    def decode(cls, felts: Sequence[int], version: AnyVersion) -> tuple[SignerSignature, Sequence[int]]:
        """Deserialise one ``SignerSignature`` from the front of ``felts``; returns it and the rest.

        :raises SignerFormatError: ``Serde`` returns ``None`` (``panic is None``) or the account panics.
        """
        sig, end = cls.read(felts, 0, version)
        return sig, felts[end:]

    # ----------------------------------------------------------------- verification

    def is_valid_signature(self, msg_hash: int, version: AnyVersion) -> bool:
        """``SignerSignatureTrait::is_valid_signature(msg_hash)`` of the account ``version``.

        ``False`` where the account returns ``false``; the account's panics are raised.

        :param msg_hash: the felt signed (a session hash, a token message...).
        :raises SignerPanic: the account panics (``argent/malleable-signature``,
            ``argent/invalid-r-value``, ``webauthn/unverified-user``...; its :attr:`~SignerPanic.error`).
        :raises SignerError: a WebAuthn signature of the other version's layout.
        """
        v = _version(version)
        z = crypto.felt(msg_hash, "msg_hash")
        signer, sig = self.signer, self.signature
        if isinstance(sig, StarknetSignature):
            assert isinstance(signer, StarknetSigner)
            if v is AccountVersion.V0_5_0:
                if sig.r >= curves.STARK_ORDER:
                    raise curves.SignerPanic(curves.INVALID_R_VALUE)
                if sig.s >= curves.STARK_ORDER:
                    raise curves.SignerPanic(curves.INVALID_S_VALUE)
            return curves.stark_check(z, signer.pubkey, sig.r, sig.s)
        if isinstance(sig, Secp256Signature):
            if isinstance(signer, Secp256k1Signer):
                return curves.secp256k1_check(z, signer.pubkey_hash, sig.r, sig.s, sig.y_parity)
            if isinstance(signer, Eip191Signer):
                return curves.secp256k1_check(curves.eip191_digest(z), signer.eth_address, sig.r, sig.s, sig.y_parity)
            assert isinstance(signer, Secp256r1Signer)
            return curves.secp256r1_check(z, signer.pubkey, sig.r, sig.s, sig.y_parity)
        assert isinstance(signer, WebauthnSigner)
        if sig.version is not v:
            raise SignerError(f"this WebAuthn signature has the {sig.version} layout, not {v}")
        webauthn.check_flags(sig.flags)
        ec = sig.ec_signature
        return curves.secp256r1_check(sig.digest(z, signer), signer.pubkey, ec.r, ec.s, ec.y_parity)

    def verify(self, msg_hash: int, version: AnyVersion, *, invalid: str) -> str | None:
        """The verdict of the account on this signature: ``None`` if valid, else its error string.

        :param invalid: the caller's error for a signature that is just wrong (the account's
            ``is_valid_signature`` returned ``false``), e.g. ``session/invalid-session-sig``; a
            panic wins over it and is returned as is.
        """
        try:
            return None if self.is_valid_signature(msg_hash, version) else invalid
        except curves.SignerPanic as panic:
            return panic.error

