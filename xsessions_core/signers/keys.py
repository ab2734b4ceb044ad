"""Signing keys of every kind the Argent account accepts, and the protocol external signers implement.

A signing key has a :attr:`~SigningKey.signer` (the public part the account knows) and
:meth:`~SigningKey.sign` (a felt → a :class:`~xsessions_core.signers.SignerSignature` the account
accepts: low ``s`` and the right ``y_parity`` for the secp256 kinds). Private keys are kept in the
object and never shown by ``repr``.

Libraries: the STARK curve through :mod:`xsessions_core.crypto` (native C core, starknet.js
nonces); secp256k1 through ``coincurve`` (libsecp256k1: RFC 6979 nonces, low ``s``, recovery id);
P-256 through ``cryptography`` (OpenSSL: RFC 6979 deterministic nonces).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import ClassVar, Protocol, TypeVar, runtime_checkable

import coincurve
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature

from .. import crypto
from ..errors import InvalidPrivateKey, XSessionsError
from ..versions import AccountVersion
from . import curves, webauthn
from .model import (
    SHA256_CAIRO1,
    AnyVersion,
    Eip191Signer,
    Secp256k1Signer,
    Secp256r1Signer,
    Secp256Signature,
    Signer,
    SignerSignature,
    StarknetSignature,
    StarknetSigner,
    WebauthnSignature,
    WebauthnSigner,
)

__all__ = ["SigningKey", "StarkKey", "Secp256k1Key", "Eip191Key", "P256Key", "Secp256r1Key", "WebauthnKey",
           "p256_signature"]


@runtime_checkable
class SigningKey(Protocol):
    """What signs for a signer: the protocol an external signer (HSM, KMS, wallet) implements."""

    @property
    def signer(self) -> Signer:
        """The public signer (its GUID identifies the key to the account)."""
        ...

    def sign(self, msg_hash: int) -> SignerSignature:
        """The ``SignerSignature`` of the felt ``msg_hash`` that the account accepts."""
        ...


def _private_key(value: object, order: int, curve: str) -> int:
    if type(value) is not int or not 1 <= value < order:
        raise InvalidPrivateKey(f"a {curve} private key must be an int in [1, n) (n = the {curve} order)")
    return value


def p256_signature(digest: int, r: int, s: int, pubkey_x: int, *, known_valid: bool = False) -> Secp256Signature:
    """:func:`curves.p256_normalise` as a :class:`Secp256Signature`: low ``s`` and the ``y_parity``
    found by recovering the public key, for signers that return a bare ``(r, s)``.

    :param known_valid: see :func:`curves.p256_normalise` (one recovery instead of up to two).
    :raises InvalidSignature: the signature is not one of ``digest`` by the key ``pubkey_x``.
    """
    return Secp256Signature(*curves.p256_normalise(digest, r, s, pubkey_x, known_valid=known_valid))


# --------------------------------------------------------------------------- STARK curve

class StarkKey:
    """A Starknet (STARK curve) key: a ``Starknet`` signer, signed with :func:`crypto.message_signature`
    (the RFC 6979 nonce of starknet.js, as x-sessions signs)."""

    __slots__ = ("_private_key", "_public_key")

    def __init__(self, private_key: int) -> None:
        """:param private_key: an int in ``[1, n)``, n = the STARK curve order."""
        self._private_key = _private_key(private_key, crypto.EC_ORDER, "STARK curve")
        self._public_key: int | None = None

    @classmethod
    def generate(cls) -> StarkKey:
        """A fresh random key (``secrets``)."""
        return cls(secrets.randbelow(crypto.EC_ORDER - 1) + 1)

    @property
    def private_key(self) -> int:
        """The private key (to store it; never logged)."""
        return self._private_key

    @property
    def public_key(self) -> int:
        """The stark public key (x coordinate), computed once."""
        if self._public_key is None:
            self._public_key = crypto.private_to_stark_key(self._private_key)
        return self._public_key

    @property
    def signer(self) -> StarknetSigner:
        """``Signer::Starknet(public_key)``."""
        return StarknetSigner(self.public_key)

    def sign(self, msg_hash: int) -> SignerSignature:
        """``SignerSignature::Starknet``: ECDSA of ``msg_hash`` (``< 2**251``)."""
        r, s = crypto.message_signature(msg_hash, self._private_key)
        return SignerSignature(self.signer, StarknetSignature(r, s))

    def __repr__(self) -> str:
        return f"StarkKey(public_key={hex(self.public_key)})"


# --------------------------------------------------------------------------- secp256k1

_Secp256k1KeyT = TypeVar("_Secp256k1KeyT", bound="_Secp256k1Base")


class _Secp256k1Base:
    """A secp256k1 key (libsecp256k1 via coincurve); subclasses choose the digest and the signer."""

    __slots__ = ("_key", "_address")

    def __init__(self, private_key: int) -> None:
        """:param private_key: an int in ``[1, n)``, n = the secp256k1 order."""
        k = _private_key(private_key, curves.SECP256K1_ORDER, "secp256k1")
        self._key = coincurve.PrivateKey(k.to_bytes(32, "big"))
        self._address = curves.secp256k1_address(self._key.public_key)

    @property
    def private_key(self) -> int:
        """The private key (to store it; never logged)."""
        return int.from_bytes(self._key.secret, "big")

    def __reduce__(self) -> tuple[type[_Secp256k1Base], tuple[int]]:
        # Rebuilt from the private key in the receiving process (a pickle carries the key: see
        # docs/relayer-scaling.md); coincurve's key object does not pickle.
        return type(self), (self.private_key,)

    @property
    def public_key(self) -> tuple[int, int]:
        """The public key ``(x, y)``."""
        x, y = self._key.public_key.point()
        return x, y

    @property
    def address(self) -> int:
        """The Ethereum address (last 20 bytes of ``keccak256(X ‖ Y)``)."""
        return self._address

    @classmethod
    def generate(cls: type[_Secp256k1KeyT]) -> _Secp256k1KeyT:
        """A fresh random key (libsecp256k1's key generation)."""
        return cls(int.from_bytes(coincurve.PrivateKey().secret, "big"))

    @property
    def signer(self) -> Secp256k1Signer | Eip191Signer:
        """The public signer of the key's kind."""
        raise NotImplementedError

    def sign(self, msg_hash: int) -> SignerSignature:
        """``SignerSignature`` of the key's kind (``Secp256k1`` or ``Eip191``) of the felt ``msg_hash``."""
        return SignerSignature(self.signer, self._ecdsa(msg_hash))

    def _digest(self, msg_hash: int) -> int:
        raise NotImplementedError

    def _ecdsa(self, msg_hash: int) -> Secp256Signature:
        crypto.felt(msg_hash, "msg_hash")
        raw = self._key.sign_recoverable(curves.u256_bytes(self._digest(msg_hash)), hasher=None)
        r, s, recid = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64]
        # libsecp256k1 returns low s; recid bit 1 (R.x >= n) has probability ~2**-128 and the account
        # could not use such a signature (it rebuilds R from x = r).
        if recid > 1:
            raise XSessionsError("secp256k1 nonce with R.x >= n; the account cannot verify this signature")
        return Secp256Signature(r, s, bool(recid))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(address={self._address:#042x})"


class Secp256k1Key(_Secp256k1Base):
    """A ``Secp256k1`` signer: ECDSA over the 32-byte hash itself (no prefix, no keccak)."""

    __slots__ = ()

    @property
    def signer(self) -> Secp256k1Signer:
        """``Signer::Secp256k1(address)``."""
        return Secp256k1Signer(self._address)

    def _digest(self, msg_hash: int) -> int:
        return msg_hash


class Eip191Key(_Secp256k1Base):
    """An ``Eip191`` signer: ``personal_sign`` of the 32 bytes of the hash (what an Ethereum wallet's
    ``eth_sign``/``personal_sign`` of those bytes returns)."""

    __slots__ = ()

    @property
    def signer(self) -> Eip191Signer:
        """``Signer::Eip191(address)``."""
        return Eip191Signer(self._address)

    def _digest(self, msg_hash: int) -> int:
        return curves.eip191_digest(msg_hash)


# --------------------------------------------------------------------------- P-256

_ECDSA_DETERMINISTIC = ec.ECDSA(Prehashed(hashes.SHA256()), deterministic_signing=True)


class P256Key:
    """The part every ``Secp256r1`` (P-256) signing key shares, wherever its private half lives: the
    public key, the signer, the account's form of a signature and a ``repr`` without secrets.

    A subclass sets ``_x``/``_y`` (the public key) and implements :meth:`ecdsa` (a bare ECDSA
    ``(r, s)`` of a 32-byte digest, as OpenSSL, an HSM or a KMS returns it). The signature of an
    external signer is checked (it must recover the public key); a subclass whose :meth:`ecdsa`
    signs in this process with the private key sets :attr:`_ecdsa_known_valid` (one recovery
    instead of up to two finds ``y_parity``).
    """

    __slots__ = ("_x", "_y")

    _x: int
    _y: int
    _ecdsa_known_valid: ClassVar[bool] = False

    @property
    def public_key(self) -> tuple[int, int]:
        """The public key ``(x, y)``."""
        return self._x, self._y

    @property
    def signer(self) -> Secp256r1Signer:
        """``Signer::Secp256r1(x)``."""
        return Secp256r1Signer(self._x)

    def ecdsa(self, digest: int) -> tuple[int, int]:
        """A bare ECDSA P-256 signature ``(r, s)`` of the 32-byte ``digest`` (any ``s``)."""
        raise NotImplementedError

    def sign_digest(self, digest: int) -> Secp256Signature:
        """ECDSA P-256 of a 32-byte digest, low ``s``, with its ``y_parity``."""
        r, s = self.ecdsa(digest)
        return p256_signature(digest, r, s, self._x, known_valid=self._ecdsa_known_valid)

    def sign(self, msg_hash: int) -> SignerSignature:
        """``SignerSignature::Secp256r1`` of the felt ``msg_hash``."""
        return SignerSignature(self.signer, self.sign_digest(crypto.felt(msg_hash, "msg_hash")))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(x={self._x:#066x})"


class Secp256r1Key(P256Key):
    """A ``Secp256r1`` signer: ECDSA P-256 over the 32-byte hash itself (pre-hashed; the account
    applies no SHA-256). OpenSSL signs with RFC 6979 nonces."""

    __slots__ = ("_key",)

    #: OpenSSL signs with this object's own private key: its signature needs no check.
    _ecdsa_known_valid: ClassVar[bool] = True

    def __init__(self, private_key: int) -> None:
        """:param private_key: an int in ``[1, n)``, n = the P-256 order."""
        k = _private_key(private_key, curves.SECP256R1_ORDER, "P-256")
        self._key = ec.derive_private_key(k, ec.SECP256R1())
        numbers = self._key.public_key().public_numbers()
        self._x, self._y = numbers.x, numbers.y

    @classmethod
    def generate(cls) -> Secp256r1Key:
        """A fresh random key."""
        return cls(ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value)

    @property
    def private_key(self) -> int:
        """The private key (to store it; never logged)."""
        return self._key.private_numbers().private_value

    def __reduce__(self) -> tuple[type[Secp256r1Key], tuple[int]]:
        # Rebuilt from the private key (OpenSSL's key object does not pickle).
        return type(self), (self.private_key,)

    def sign_der(self, digest: int) -> bytes:
        """OpenSSL's DER ECDSA P-256 signature of a 32-byte digest (as a passkey or an HSM returns it)."""
        return self._key.sign(curves.u256_bytes(digest), _ECDSA_DETERMINISTIC)

    def ecdsa(self, digest: int) -> tuple[int, int]:
        """OpenSSL's ECDSA ``(r, s)`` of a 32-byte digest."""
        r, s = decode_dss_signature(self.sign_der(digest))
        return r, s


class WebauthnKey:
    """A software passkey: makes the assertion a browser returns and converts it with
    :meth:`WebauthnSignature.from_assertion`, for the account ``version``.

    Flags ``UP | UV`` (``0x05``), sign count 0, clientDataJSON
    ``{"type":"webauthn.get","challenge":...,"origin":...,"crossOrigin":false}`` where the
    challenge is the hash (0.5.0) or the hash and the SHA-256 implementation byte ``Cairo1`` (0.4.0).
    Meant for tests and for services that emulate a wallet; a real passkey never gives out its
    private key.
    """

    __slots__ = ("_p256", "_signer", "_version", "_rp_id")

    def __init__(self, private_key: int, origin: str, rp_id: str, version: AnyVersion) -> None:
        """:param origin: e.g. ``"https://app.example"``; :param rp_id: e.g. ``"app.example"``."""
        self._p256 = Secp256r1Key(private_key)
        self._version = AccountVersion.parse(version)
        self._rp_id = rp_id
        rp_id_hash = int.from_bytes(hashlib.sha256(rp_id.encode()).digest(), "big")
        self._signer = WebauthnSigner(origin.encode(), rp_id_hash, self._p256.public_key[0])

    @classmethod
    def generate(cls, origin: str, rp_id: str, version: AnyVersion) -> WebauthnKey:
        """A fresh random passkey for ``origin`` / ``rp_id``."""
        return cls(Secp256r1Key.generate().private_key, origin, rp_id, version)

    @property
    def private_key(self) -> int:
        """The P-256 private key (to store it; never logged)."""
        return self._p256.private_key

    def __reduce__(self) -> tuple[type[WebauthnKey], tuple[int, str, str, AccountVersion]]:
        return type(self), (self.private_key, self._signer.origin.decode(), self._rp_id, self._version)

    @property
    def signer(self) -> WebauthnSigner:
        """``Signer::Webauthn(origin, rp_id_hash, x)``."""
        return self._signer

    def assertion(self, msg_hash: int) -> tuple[bytes, bytes, bytes]:
        """``(authenticatorData, clientDataJSON, DER signature)`` as ``navigator.credentials.get``
        returns them for the challenge of ``msg_hash``."""
        crypto.felt(msg_hash, "msg_hash")
        auth = webauthn.authenticator_data(self._signer.rp_id_hash,
                                           webauthn.FLAG_USER_PRESENT | webauthn.FLAG_USER_VERIFIED, 0)
        challenge = webauthn.challenge(msg_hash, self._version, SHA256_CAIRO1)
        client_data = (b'{"type":"webauthn.get","challenge":"' + challenge + b'","origin":"'
                       + self._signer.origin + b'","crossOrigin":false}')
        digest = webauthn.signed_digest(auth, client_data)
        return auth, client_data, self._p256.sign_der(digest)

    def sign(self, msg_hash: int) -> SignerSignature:
        """``SignerSignature::Webauthn`` of the felt ``msg_hash`` in the layout of the key's version."""
        auth, client_data, der = self.assertion(msg_hash)
        r, s = decode_dss_signature(der)
        signature = WebauthnSignature.from_assertion(self._signer, self._version, auth, client_data, r, s, msg_hash)
        return SignerSignature(self._signer, signature)

    def __repr__(self) -> str:
        return f"WebauthnKey(origin={self._signer.origin.decode(errors='replace')!r}, x={self._signer.pubkey:#066x})"
