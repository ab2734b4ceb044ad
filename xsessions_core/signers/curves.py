"""The three ECDSA checks the Argent account makes, on the libraries that do the curve arithmetic.

* STARK curve: Cairo ``core::ecdsa::check_ecdsa_signature``, computed by :mod:`xsessions_core.crypto`
  (native or Python backend).
* secp256k1: corelib ``starknet::eth_signature::is_eth_signature_valid`` (public-key recovery,
  Ethereum address), computed by ``coincurve`` (libsecp256k1).
* secp256r1 (P-256): Argent ``is_valid_secp256r1_signature`` (public-key recovery, x coordinate),
  computed by ``cryptography`` (OpenSSL). OpenSSL has no public-key recovery, so the recovery is
  rewritten as one ordinary ECDSA verification against the point ``R`` (see
  :func:`p256_recovered_x_is`).

Sources: argentlabs/argent-contracts-starknet ``src/signer/signer_signature.cairo`` (tags
``account-0.4.0``, ``v0.5.0``); starkware-libs/cairo ``corelib/src/ecdsa.cairo``,
``corelib/src/starknet/secp256_trait.cairo``, ``corelib/src/starknet/eth_signature.cairo``
(tags ``v2.6.3``, ``v2.10.1``: identical on these points).
"""

from __future__ import annotations

import coincurve
from cryptography.exceptions import InvalidSignature as _OpenSSLInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

from .. import crypto
from ..errors import InvalidSignature, XSessionsError

__all__ = [
    "SECP256K1_ORDER", "SECP256K1_HALF", "SECP256R1_ORDER", "SECP256R1_HALF", "STARK_ORDER",
    "INVALID_R_VALUE", "INVALID_S_VALUE", "MALLEABLE_SIGNATURE", "INVALID_SIG_FORMAT", "UNWRAP_FAILED",
    "SignerPanic", "u256_bytes", "stark_ecdsa_args", "stark_check", "secp256k1_check", "secp256k1_address",
    "secp256r1_check", "p256_recovered_x_is", "p256_normalise", "eip191_digest",
]

SECP256K1_P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
#: Argent ``SECP_256_K1_HALF``: the largest ``s`` accepted (low-s rule).
SECP256K1_HALF = SECP256K1_ORDER // 2
SECP256R1_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
SECP256R1_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
#: Argent ``SECP_256_R1_HALF``.
SECP256R1_HALF = SECP256R1_ORDER // 2
STARK_ORDER = crypto.EC_ORDER

# Panic strings of the account (felt short strings unless noted).
INVALID_R_VALUE = "argent/invalid-r-value"
INVALID_S_VALUE = "argent/invalid-s-value"
MALLEABLE_SIGNATURE = "argent/malleable-signature"
INVALID_SIG_FORMAT = "argent/invalid-sig-format"
#: corelib ``Option::unwrap`` panic: ``is_eth_signature_valid`` unwraps the recovered point.
UNWRAP_FAILED = "Option::unwrap failed."

_M251 = crypto.MAX_ECDSA_VALUE
_P256 = ec.SECP256R1()
_PREHASHED = ec.ECDSA(Prehashed(hashes.SHA256()))
_EIP191_PREFIX = b"\x19Ethereum Signed Message:\n32"


class SignerPanic(XSessionsError):
    """The account contract panics while checking a signature: a verdict, not a malformed input.

    :ivar error: the contract's exact error string (``argent/malleable-signature``, ...).
    """

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def u256_bytes(value: int) -> bytes:
    """``value`` (``0 <= value < 2**256``) as 32 bytes big-endian."""
    return value.to_bytes(32, "big")


# --------------------------------------------------------------------------- STARK curve

def stark_ecdsa_args(msg_hash: int, pubkey: int, r: int, s: int) -> tuple[int, int, int, int] | None:
    """Arguments ``(z, r, s, pubkey)`` for the backends' ``verify`` (one call or a batch) that decide
    Cairo ``check_ecdsa_signature(msg_hash, pubkey, r, s)`` for felts, or ``None`` when it is
    certainly ``false`` (corelib ``ecdsa.cairo``).

    Cairo accepts iff ``(z·G ± r·Q).x == (s·R).x`` with ``R.x = r``: it rejects only ``s ∈ {0, n}``,
    ``r = n`` and ``r``/``pubkey`` that are not x coordinates; ``z`` and ``s`` count modulo n. The
    backends verify with cairo-lang's ranges (``z, r, w < 2**251``, ``1 <= s < n``), so ``s`` and
    ``z`` are reduced first; for ``2**251 <= z < n`` the equivalent triple ``(n - z, r, n - s)`` is
    verified (negating both ``z`` and ``s`` maps the ``+`` equation to the ``-`` one). Two corners
    stay stricter than Cairo: ``r >= 2**251`` and ``w = s⁻¹ >= 2**251`` are judged invalid
    (no RFC 6979 signer emits them: starknet.js and cairo-lang retry such nonces).
    """
    n = STARK_ORDER
    if s >= n:
        s -= n
    if s == 0 or r == 0 or r >= _M251:
        return None
    if msg_hash >= n:
        msg_hash -= n
    elif msg_hash >= _M251:
        msg_hash, s = n - msg_hash, n - s
    return msg_hash, r, s, pubkey


def stark_check(msg_hash: int, pubkey: int, r: int, s: int) -> bool:
    """Cairo ``check_ecdsa_signature(msg_hash, pubkey, r, s)`` (see :func:`stark_ecdsa_args`),
    computed by :func:`xsessions_core.crypto.verify_message_signature`."""
    args = stark_ecdsa_args(msg_hash, pubkey, r, s)
    if args is None:
        return False
    z, r, s, q = args
    return crypto.verify_message_signature(z, (r, s), q)


# --------------------------------------------------------------------------- secp256k1

def _is_secp256k1_x(x: int) -> bool:
    """True iff some point of secp256k1 has the x coordinate ``x`` (Euler's criterion on x³ + 7)."""
    p = SECP256K1_P
    return pow((x * x * x + 7) % p, (p - 1) // 2, p) != p - 1


def secp256k1_address(public_key: coincurve.PublicKey) -> int:
    """Ethereum address: the last 20 bytes of ``keccak256(X ‖ Y)``."""
    return int.from_bytes(crypto.keccak256(public_key.format(compressed=False)[1:])[12:], "big")


def secp256k1_check(digest: int, address: int, r: int, s: int, y_parity: bool) -> bool:
    """Argent ``is_valid_secp256k1_signature(digest, address, {r, s, y_parity})``.

    ``s > n/2`` panics (``argent/malleable-signature``, before any range check); ``r``/``s`` out of
    ``[1, n)`` make ``is_eth_signature_valid`` an error, i.e. ``False``; an ``r`` that is no x
    coordinate panics in ``recover_public_key(..).unwrap()``; otherwise the recovered key's address
    is compared (a recovery at infinity is ``False``).

    :raises SignerPanic: the contract panics.
    """
    if s > SECP256K1_HALF:
        raise SignerPanic(MALLEABLE_SIGNATURE)
    if s == 0 or not 0 < r < SECP256K1_ORDER:
        return False
    raw = u256_bytes(r) + u256_bytes(s) + (b"\x01" if y_parity else b"\x00")
    try:
        recovered = coincurve.PublicKey.from_signature_and_message(raw, u256_bytes(digest), hasher=None)
    except Exception:  # coincurve raises a bare Exception when recovery fails
        if not _is_secp256k1_x(r):
            raise SignerPanic(UNWRAP_FAILED) from None
        return False
    return secp256k1_address(recovered) == address


def eip191_digest(msg_hash: int) -> int:
    """Argent ``calculate_eip191_hash``: ``keccak256("\\x19Ethereum Signed Message:\\n32" ‖ H32)``."""
    return int.from_bytes(crypto.keccak256(_EIP191_PREFIX + u256_bytes(msg_hash)), "big")


# --------------------------------------------------------------------------- secp256r1

def p256_recovered_x_is(digest: int, r: int, s: int, y_parity: bool, x: int) -> bool | None:
    """Whether corelib ``recover_public_key::<Secp256r1Point>(digest, {r, s, y_parity})`` has the x
    coordinate ``x``; ``None`` if ``r`` is no x coordinate (the recovery returns ``None``).

    Requires ``1 <= r, s < n``. The recovered point is ``Q = -(z/r)·G + (s/r)·R`` where ``R`` is
    the point with ``R.x = r`` and the parity ``y_parity``. OpenSSL's ECDSA verification of
    ``(r', s')`` over the digest ``z'`` with the public key ``R`` tests
    ``x(z'/s'·G + r'/s'·R) mod n == r'``; with ``r' = x mod n``, ``s' = r'·r/s`` and
    ``z' = -z·r'/s`` it tests exactly ``x(Q) mod n == x mod n``. Reducing ``x`` modulo n can
    only confuse ``x`` with ``x ± n``, which needs a key whose x coordinate is below
    ``p - n < 2**129``: no such key can be found.
    """
    n = SECP256R1_ORDER
    if x >= SECP256R1_P:
        return False
    try:
        point = ec.EllipticCurvePublicKey.from_encoded_point(_P256, (b"\x03" if y_parity else b"\x02") + u256_bytes(r))
    except ValueError:
        return None
    r2 = x % n
    if r2 == 0:
        return False
    s_inv = pow(s, -1, n)
    s2 = r2 * r % n * s_inv % n
    z2 = -(digest % n) * r2 % n * s_inv % n
    try:
        point.verify(encode_dss_signature(r2, s2), u256_bytes(z2), _PREHASHED)
    except _OpenSSLInvalidSignature:
        return False
    return True


def secp256r1_check(digest: int, pubkey: int, r: int, s: int, y_parity: bool) -> bool:
    """Argent ``is_valid_secp256r1_signature(digest, pubkey, {r, s, y_parity})``.

    ``r``, ``s`` outside ``[1, n)`` panic (``argent/invalid-r-value`` / ``argent/invalid-s-value``),
    ``s > n/2`` panics (``argent/malleable-signature``), an ``r`` that is no x coordinate panics
    (``argent/invalid-sig-format``); otherwise the recovered x coordinate is compared with ``pubkey``.

    :raises SignerPanic: the contract panics.
    """
    n = SECP256R1_ORDER
    if not 0 < r < n:
        raise SignerPanic(INVALID_R_VALUE)
    if not 0 < s < n:
        raise SignerPanic(INVALID_S_VALUE)
    if s > SECP256R1_HALF:
        raise SignerPanic(MALLEABLE_SIGNATURE)
    found = p256_recovered_x_is(digest, r, s, y_parity, pubkey)
    if found is None:
        raise SignerPanic(INVALID_SIG_FORMAT)
    return found


def p256_normalise(digest: int, r: int, s: int, pubkey_x: int, *, known_valid: bool = False) -> tuple[int, int, bool]:
    """An ECDSA P-256 signature ``(r, s)`` of ``digest`` by the key with x coordinate ``pubkey_x``
    as the account wants it: ``(r, s', y_parity)`` with ``s'`` in the low half and the ``y_parity``
    that recovers the key (OpenSSL, HSMs and passkeys return no parity).

    :param known_valid: the signature is known to be one of ``digest`` by that key (it was just made
        with the private key in this process): one recovery decides the parity (the other parity is
        the answer when the even one does not recover the key) instead of up to two.
    :raises InvalidSignature: ``r`` or ``s`` out of ``[1, n)``, or the signature recovers
        ``pubkey_x`` with neither parity (it is not a signature of ``digest`` by that key).
    """
    n = SECP256R1_ORDER
    if not (0 < r < n and 0 < s < n):
        raise InvalidSignature("P-256 signature r and s must be in [1, n)")
    if s > SECP256R1_HALF:
        s = n - s
    even = p256_recovered_x_is(digest, r, s, False, pubkey_x)
    if even:
        return r, s, False
    # ``None``: r is no x coordinate (R.x >= n, probability ~2**-128): the account cannot use it.
    if even is not None and (known_valid or p256_recovered_x_is(digest, r, s, True, pubkey_x)):
        return r, s, True
    raise InvalidSignature("the P-256 signature does not recover the signer's public key")
