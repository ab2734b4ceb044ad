"""What a WebAuthn signer signs: the assertion the account rebuilds from the hash and the signature's parts.

Sources: argentlabs/argent-contracts-starknet ``src/signer/webauthn.cairo`` at ``account-0.4.0``
(challenge = the hash and the SHA-256 implementation byte, ``crossOrigin`` rebuilt) and ``v0.5.0``
(challenge = the hash alone, ``crossOrigin`` left to the outro).

0.4.0's ``sha256_implementation = Cairo0`` makes the account library-call a Cairo 0 SHA-256 class
(``0x04dacc042b398d6f385a87e7dd65d2bcb3270bb71c4b34857b3c658c7f52cf6d``, not in the Argent
repository); it is computed here with the standard SHA-256 like ``Cairo1`` (which is Alexandria's
SHA-256), so only the challenge byte differs. No recorded verdict covers ``Cairo0``.
"""

from __future__ import annotations

import base64
import hashlib

from ..versions import AccountVersion
from .curves import SignerPanic

__all__ = [
    "NONPRESENT_USER", "UNVERIFIED_USER", "INVALID_JSON_OUTRO",
    "FLAG_USER_PRESENT", "FLAG_USER_VERIFIED",
    "check_flags", "challenge", "client_data_json", "authenticator_data", "signed_digest",
]

# ByteArray panics (``assert!``): the whole text is the verdict.
NONPRESENT_USER = "webauthn/nonpresent-user"
UNVERIFIED_USER = "webauthn/unverified-user"
INVALID_JSON_OUTRO = "webauthn/invalid-json-outro"

FLAG_USER_PRESENT = 0x01
FLAG_USER_VERIFIED = 0x04

_INTRO = b'{"type":"webauthn.get","challenge":"'


def check_flags(flags: int) -> None:
    """``verify_authenticator_flags``: the user-present and user-verified bits must be set.

    :raises SignerPanic: ``webauthn/nonpresent-user`` or ``webauthn/unverified-user``.
    """
    if not flags & FLAG_USER_PRESENT:
        raise SignerPanic(NONPRESENT_USER)
    if not flags & FLAG_USER_VERIFIED:
        raise SignerPanic(UNVERIFIED_USER)


def challenge(msg_hash: int, version: AccountVersion, sha256_implementation: int | None) -> bytes:
    """The base64url challenge (no ``=`` padding): of the 32-byte hash (0.5.0: 43 characters), or of
    the hash followed by the SHA-256 implementation byte (0.4.0: 33 bytes, 44 characters)."""
    data = msg_hash.to_bytes(32, "big")
    if version is AccountVersion.V0_4_0:
        data += bytes([sha256_implementation or 0])
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def client_data_json(msg_hash: int, version: AccountVersion, origin: bytes, outro: bytes,
                     cross_origin: bool | None, sha256_implementation: int | None) -> bytes:
    """``encode_client_data_json``: the clientDataJSON the authenticator must have signed.

    :raises SignerPanic: ``webauthn/invalid-json-outro`` if a non-empty outro does not start with ``,``.
    """
    json = _INTRO + challenge(msg_hash, version, sha256_implementation) + b'","origin":"' + origin + b'"'
    if version is AccountVersion.V0_4_0:
        json += b',"crossOrigin":' + (b"true" if cross_origin else b"false")
    if outro:
        if outro[0] != 0x2C:  # ","
            raise SignerPanic(INVALID_JSON_OUTRO)
        return json + outro
    return json + b"}"


def authenticator_data(rp_id_hash: int, flags: int, sign_count: int) -> bytes:
    """``rp_id_hash (32 bytes) ‖ flags (1 byte) ‖ sign_count (4 bytes)``, big-endian."""
    return rp_id_hash.to_bytes(32, "big") + bytes([flags]) + sign_count.to_bytes(4, "big")


def signed_digest(auth_data: bytes, client_data: bytes) -> int:
    """The ECDSA-P256 digest of a WebAuthn assertion: ``sha256(authenticatorData ‖ sha256(clientDataJSON))``."""
    return int.from_bytes(hashlib.sha256(auth_data + hashlib.sha256(client_data).digest()).digest(), "big")
