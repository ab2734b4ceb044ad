"""Exception hierarchy of xsessions_core.

Every error this library raises on purpose derives from :class:`XSessionsError`. Errors caused by
bad input also derive from :class:`ValueError`, so ``except ValueError`` keeps working for callers
that do not know this library. Messages name the offending field and the allowed range; they never
contain a private key.
"""

from __future__ import annotations


def describe_value(value: object, limit: int = 80) -> str:
    """A short, safe rendering of an offending value for an error message.

    Huge ints are summarised by their bit length (``str()`` of an int over 4,300 digits raises
    ``ValueError`` in Python >= 3.11), long texts are cut. Never pass secrets to it.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if value.bit_length() <= 256 else f"<int of {value.bit_length()} bits>"
    if isinstance(value, (str, bytes, bytearray)) and len(value) > limit:
        value = value[:limit]
    try:
        text = repr(value)
    except ValueError:  # e.g. a container holding a huge int
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


class XSessionsError(Exception):
    """Base class of every exception raised by xsessions_core."""


class InvalidFieldElement(XSessionsError, ValueError):
    """A value is not an int in the range its field requires (e.g. a felt ``0 <= v < p``)."""


class EncodingError(InvalidFieldElement):
    """A value cannot be encoded as felts: a short string that is too long or not ASCII, a ByteArray
    of non-ASCII text, a malformed number."""


class InvalidPrivateKey(XSessionsError, ValueError):
    """A private key is not an int in ``[1, n)`` (n = STARK curve order). The key is never shown."""


class InvalidMessageHash(XSessionsError, ValueError):
    """A message hash to sign is not an int in ``[0, 2**251)``."""


class InvalidPublicKey(XSessionsError, ValueError):
    """A public key is not the x coordinate of a point of the STARK curve."""


class InvalidSignature(XSessionsError, ValueError):
    """A signature is malformed (wrong shape or type); a well-formed wrong signature is just ``False``."""


class NativeBackendError(XSessionsError, ImportError):
    """``XSESSIONS_BACKEND=native`` was requested but the native extension is missing or broken."""


class TypedDataError(XSessionsError, ValueError):
    """SNIP-12 typed data is malformed, or a value does not fit its declared type."""


class MerkleTreeError(XSessionsError, ValueError):
    """A Merkle tree cannot be built (no leaves) or a leaf is not in the tree."""


class PolicyViolation(XSessionsError, ValueError):
    """A call is not covered by the session's allowed methods / policies."""


# Alias with the "...Error" spelling used in the style guide.
PolicyViolationError = PolicyViolation


class SessionError(XSessionsError, ValueError):
    """A session object is malformed or inconsistent (bad JSON shape, root mismatch, expiry...)."""


class SessionExpired(SessionError):
    """The session's ``expires_at`` is not after the time of signing: the account would reject the
    transaction. Pass ``now=`` (e.g. the block time) or ``allow_expired=True`` to override."""


class CosignerError(XSessionsError):
    """The guardian / cosigner service failed (network error, timeout, non-2xx, garbage answer).

    :ivar status: the HTTP status (or the status field the service returned), ``None`` if no answer.
    :ivar backend_message: the service's own error text (its ``status`` or ``message`` field), if any.
    """

    def __init__(self, message: str, status: int | str | None = None, backend_message: str | None = None) -> None:
        super().__init__(message if status is None else f"{message} (status {status})")
        self.status = status
        self.backend_message = backend_message
        self._message = message

    def __reduce__(self) -> tuple[object, ...]:
        # Exceptions pickle as (type, args); ours take extra keyword-like fields, so pass them all and the
        # instance dict (subclass fields such as ``retry_after``) for process pools.
        return (type(self), (self._message, self.status, self.backend_message), self.__dict__)


class CosignerUnavailable(CosignerError):
    """A transient cosigner failure, retried: timeout, connection error, HTTP 429 or 5xx.

    :ivar retry_after: seconds the service asked to wait (``Retry-After``), or ``None``.
    """

    def __init__(self, message: str, status: int | str | None = None, backend_message: str | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message, status, backend_message)
        self.retry_after = retry_after


class CosignerTimeout(CosignerUnavailable):
    """The cosigner did not answer in time."""


class CosignerConnectionError(CosignerUnavailable):
    """The cosigner could not be reached (refused, reset, DNS...)."""


class CosignerServerError(CosignerUnavailable):
    """The cosigner answered HTTP 5xx."""


class CosignerRateLimited(CosignerUnavailable):
    """The cosigner answered HTTP 429 (too many requests)."""


class CosignerRejected(CosignerError):
    """The cosigner refused the request with a 4xx other than 429 (never retried)."""


class CosignerBadResponse(CosignerError):
    """The cosigner answered 2xx with a body that is not a valid guardian signature for the request."""


class CosignerUnsupportedSessionKey(CosignerError, ValueError):
    """The Argent cosigner API takes Starknet session keys only: x-sessions 9.0.4 sends the session
    signature as ``{"type": "StarknetKey", "signer": {"publicKey", "r", "s"}}`` and has no other
    type. Raised before any request for a session key of another kind; a guardian that signs any
    kind (e.g. :class:`~xsessions_core.sessions.guardian.LocalGuardian`) serves those.

    :ivar kind: the session key's kind (``"Secp256r1"``, ...).
    """

    def __init__(self, kind: str) -> None:
        super().__init__(f"the Argent cosigner API accepts Starknet session keys only, this session key is "
                         f"{kind}; use a guardian that signs any kind (e.g. LocalGuardian) for other kinds")
        self.kind = kind

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.kind,), self.__dict__)


class PaymasterError(XSessionsError):
    """A SNIP-29 paymaster failed: unreachable, an HTTP error, a malformed answer, or a JSON-RPC error.

    :ivar code: the JSON-RPC error code (e.g. 151 ``TOKEN_NOT_SUPPORTED``), ``None`` for transport errors.
    :ivar data: the JSON-RPC error ``data``, if any.
    """

    def __init__(self, message: str, code: int | None = None, data: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.data = data

    def __reduce__(self) -> tuple[object, ...]:
        # As CosignerError: the fields (and a subclass's own, through the instance dict) cross to workers.
        return (type(self), (str(self), self.code, self.data), self.__dict__)


class OnchainError(XSessionsError):
    """Reading an account through a Starknet node failed, or the account is not what was expected.

    :ivar code: the node's JSON-RPC error code, if the node answered one.
    """

    def __init__(self, message: str, code: int | str | None = None) -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self) -> tuple[object, ...]:
        # As CosignerError: the fields (and a subclass's own, through the instance dict) cross to workers.
        return (type(self), (str(self), self.code), self.__dict__)


class NodeUnavailable(OnchainError):
    """The Starknet node could not be reached or answered garbage."""


class EntrypointNotFound(OnchainError):
    """The contract has no entry point with the called selector."""


class NotAnArgentAccount(OnchainError):
    """The contract is not an Argent account of a version that speaks sessions (0.4.0, 0.5.0)."""


class TransactionError(XSessionsError, ValueError):
    """A transaction (calls, calldata, resource bounds, version...) is malformed."""


__all__ = [
    "describe_value",
    "XSessionsError",
    "InvalidFieldElement",
    "EncodingError",
    "InvalidPrivateKey",
    "InvalidMessageHash",
    "InvalidPublicKey",
    "InvalidSignature",
    "NativeBackendError",
    "TypedDataError",
    "MerkleTreeError",
    "PolicyViolation",
    "PolicyViolationError",
    "SessionError",
    "SessionExpired",
    "CosignerError",
    "CosignerUnavailable",
    "CosignerTimeout",
    "CosignerConnectionError",
    "CosignerServerError",
    "CosignerRateLimited",
    "CosignerRejected",
    "CosignerBadResponse",
    "CosignerUnsupportedSessionKey",
    "PaymasterError",
    "OnchainError",
    "NodeUnavailable",
    "EntrypointNotFound",
    "NotAnArgentAccount",
    "TransactionError",
]
