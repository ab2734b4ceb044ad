"""Every signer the Argent account accepts: Starknet, Secp256k1, Secp256r1, Eip191 and Webauthn.

* :class:`Signer` (one subclass per kind) is the public part: ``Signer.from_felts([1, eth_address])``
  reads the Cairo ``Serde``, :meth:`Signer.to_felts` writes it, :attr:`Signer.guid` is the GUID
  the account stores and compares.
* :class:`SignerSignature` is a signer with its signature. :meth:`SignerSignature.decode` /
  :meth:`~SignerSignature.encode` are the only code that knows the ``Serde`` layouts (the WebAuthn
  one differs between the account versions 0.4.0 and 0.5.0);
  :meth:`~SignerSignature.is_valid_signature` and :meth:`~SignerSignature.verify` check it exactly as
  the account does (digest, EIP-191 prefix, WebAuthn clientDataJSON and challenge, low ``s``, ranges,
  recovery) and give the account's panic strings.
* Signing keys :class:`StarkKey`, :class:`Secp256k1Key`, :class:`Secp256r1Key`, :class:`Eip191Key`
  and the software passkey :class:`WebauthnKey` implement :class:`SigningKey`, the protocol an
  external signer implements; :class:`P256Key` is the base of the P-256 keys wherever the private
  half lives (see :mod:`xsessions_core.hsm` for a PKCS#11 token).

Libraries: the STARK curve through :mod:`xsessions_core.crypto`; secp256k1 and EIP-191 through
``coincurve`` (libsecp256k1: RFC 6979 signing with low ``s`` and the recovery id, and the
public-key recovery the account does); P-256 through ``cryptography`` (OpenSSL: constant-time
signing, RFC 6979 nonces, ~0.1 ms verification in C where the ``ecdsa`` package does its point
arithmetic in Python). OpenSSL has no public-key recovery: the account's recovery is rewritten as one OpenSSL
verification against the point ``R`` (:func:`curves.p256_recovered_x_is`).

Sources: argentlabs/argent-contracts-starknet ``src/signer/`` at tags ``account-0.4.0`` and ``v0.5.0``.
"""

from .curves import SignerPanic
from .keys import Eip191Key, P256Key, Secp256k1Key, Secp256r1Key, SigningKey, StarkKey, WebauthnKey, p256_signature
from .model import (
    SHA256_CAIRO0,
    SHA256_CAIRO1,
    Eip191Signer,
    Secp256k1Signer,
    Secp256r1Signer,
    Secp256Signature,
    Signer,
    SignerError,
    SignerFormatError,
    SignerKind,
    SignerSignature,
    StarknetSignature,
    StarknetSigner,
    WebauthnSignature,
    WebauthnSigner,
    starknet_signer_signature_felts,
)

__all__ = [
    "SignerKind", "Signer", "StarknetSigner", "Secp256k1Signer", "Secp256r1Signer", "Eip191Signer",
    "WebauthnSigner", "StarknetSignature", "Secp256Signature", "WebauthnSignature", "SignerSignature",
    "SHA256_CAIRO0", "SHA256_CAIRO1", "SignerError", "SignerFormatError", "SignerPanic",
    "SigningKey", "StarkKey", "Secp256k1Key", "P256Key", "Secp256r1Key", "Eip191Key", "WebauthnKey", "p256_signature",
    "starknet_signer_signature_felts",
]
