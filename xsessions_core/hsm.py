"""Session keys that never leave a hardware security module: P-256 keys in a PKCS#11 token.

HSMs and cloud KMS hold P-256 (and secp256k1) keys, never STARK keys; the Argent account accepts a
``Secp256r1`` session key, so a session key can stay inside the token. :class:`Pkcs11P256Key`
implements :class:`~xsessions_core.signers.SigningKey`: the token signs the 32-byte hash with
``CKM_ECDSA`` (raw digest, no hashing in the token), and the signature is made acceptable to the
account here: ``s`` normalised to the low half and ``y_parity`` found by recovering the public key.

Needs the ``hsm`` extra (``pip install 'xsessions_core[hsm]'``: python-pkcs11) and the token's
PKCS#11 module (e.g. SoftHSM2's ``libsofthsm2.so``, a vendor's HSM client library).

A session whose key stays in the token::

    key = Pkcs11P256Key.open("/usr/lib/softhsm/libsofthsm2.so", "my-token", pin, "session-key")
    request = create_session_request(chain_id, key, allowed_methods, expires_at, metadata)
    session = create_session(account, wallet_authorization, request, chain_id)
    ctx = SessionContext(session, key, SigningOptions(account_version="0.5"))
    signatures = ctx.sign_invoke_many(transactions, guardian=guardian)   # Secp256r1 session signatures
"""

from __future__ import annotations

import threading
from types import TracebackType

try:
    import pkcs11
    from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
    from pkcs11.util.ec import encode_named_curve_parameters
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError("xsessions_core.hsm needs python-pkcs11: pip install 'xsessions_core[hsm]'") from exc

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from .errors import XSessionsError
from .signers import P256Key

__all__ = ["HsmError", "Pkcs11P256Key"]

_P256_PARAMS = encode_named_curve_parameters("secp256r1")


class HsmError(XSessionsError):
    """The token failed, holds no such key, or returned something that is not a P-256 key or signature."""


def _point(ec_point: bytes) -> tuple[int, int]:
    """``CKA_EC_POINT``: a DER OCTET STRING around the uncompressed point (PKCS#11 2.40), or the
    bare point (some tokens) → ``(x, y)``, checked to be on P-256."""
    raw = ec_point
    if len(raw) == 67 and raw[:2] == b"\x04\x41":
        raw = raw[2:]
    try:
        numbers = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw).public_numbers()
    except ValueError:
        raise HsmError("the token's public key is not an uncompressed P-256 point") from None
    return numbers.x, numbers.y


def _rs(signature: bytes) -> tuple[int, int]:
    """``CKM_ECDSA`` output ``r ‖ s`` (32 + 32 bytes); a DER ``ECDSA-Sig-Value`` is accepted too."""
    if len(signature) == 64:
        return int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if signature[:1] == b"\x30":
        try:
            return decode_dss_signature(signature)
        except ValueError:
            pass
    raise HsmError(f"the token returned a {len(signature)}-byte signature, neither r ‖ s nor DER")


class Pkcs11P256Key(P256Key):
    """A ``Secp256r1`` signing key whose private half stays in a PKCS#11 token.

    Build it from the token's key objects (:meth:`find`, :meth:`generate` in an open session) or let
    it open and own a session (:meth:`open`, then :meth:`close` or ``with``). Signing is serialised
    by a lock (a PKCS#11 session is not safe for concurrent use).
    """

    def __init__(self, private_key: pkcs11.PrivateKey, public_key: pkcs11.PublicKey,
                 session: pkcs11.Session | None = None) -> None:
        """:param session: a session this object owns and closes (``None``: the caller's)."""
        if not isinstance(private_key, pkcs11.SignMixin):
            raise HsmError("the token's private key cannot sign (CKA_SIGN is false)")
        self._private_key: pkcs11.SignMixin = private_key
        self._owned_session = session
        self._lock = threading.Lock()
        try:
            self._x, self._y = _point(bytes(public_key[Attribute.EC_POINT]))
        except pkcs11.PKCS11Error as exc:
            raise HsmError(f"cannot read the public key from the token ({type(exc).__name__})") from None

    @classmethod
    def find(cls, session: pkcs11.Session, label: str | None = None, *, id: bytes | None = None) -> Pkcs11P256Key:
        """The EC key pair with this ``label`` and/or ``id`` in an open (logged-in) session.

        :raises HsmError: no such key pair, or several.
        """
        if label is None and id is None:
            raise HsmError("give the key's label or id")
        try:
            private = session.get_key(ObjectClass.PRIVATE_KEY, KeyType.EC, label, id)
            public = session.get_key(ObjectClass.PUBLIC_KEY, KeyType.EC, label, id)
        except (pkcs11.NoSuchKey, pkcs11.MultipleObjectsReturned) as exc:
            raise HsmError(f"no single EC key pair labelled {label!r} in the token ({type(exc).__name__})") from None
        assert isinstance(private, pkcs11.PrivateKey) and isinstance(public, pkcs11.PublicKey)
        return cls(private, public)

    @classmethod
    def generate(cls, session: pkcs11.Session, label: str, *, id: bytes | None = None) -> Pkcs11P256Key:
        """Generate a P-256 key pair inside the token (stored, sensitive, not extractable) in an
        open read/write session."""
        params = session.create_domain_parameters(KeyType.EC, {Attribute.EC_PARAMS: _P256_PARAMS}, local=True)
        public, private = params.generate_keypair(
            store=True, label=label, id=id,
            private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False},
        )
        return cls(private, public)

    @classmethod
    def open(cls, library_path: str, token_label: str, user_pin: str, label: str) -> Pkcs11P256Key:
        """Load the PKCS#11 module, log in to the token and find the key pair ``label``; the key owns
        the session (close it with :meth:`close` or a ``with`` block).

        :raises HsmError: the module, the token or the key cannot be found, or the login fails.
        """
        try:
            token = pkcs11.lib(library_path).get_token(token_label=token_label)
            try:
                session = token.open(user_pin=user_pin)
            except pkcs11.UserAlreadyLoggedIn:
                # PKCS#11 logins are per application: another session of this process logged in.
                session = token.open()
        except (pkcs11.PKCS11Error, RuntimeError) as exc:
            # The PIN is never part of the message.
            raise HsmError(f"cannot open a session on the token {token_label!r} ({type(exc).__name__})") from None
        try:
            key = cls.find(session, label)
        except BaseException:
            session.close()
            raise
        key._owned_session = session
        return key

    def close(self) -> None:
        """Close the session this key opened (a no-op for a session the caller gave)."""
        if self._owned_session is not None:
            self._owned_session.close()
            self._owned_session = None

    def __enter__(self) -> Pkcs11P256Key:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def ecdsa(self, digest: int) -> tuple[int, int]:
        """The token's ECDSA ``(r, s)`` of a 32-byte digest (``CKM_ECDSA``)."""
        data = digest.to_bytes(32, "big")
        with self._lock:
            try:
                raw = self._private_key.sign(data, mechanism=Mechanism.ECDSA)
            except pkcs11.PKCS11Error as exc:
                raise HsmError(f"the token failed to sign ({type(exc).__name__})") from None
        return _rs(bytes(raw))
