"""HTTP client of the Argent session cosigner (guardian backend), PROTOCOL §6.8.

:class:`ArgentCosigner` implements the :class:`~xsessions_core.sessions.guardian.Cosigner` protocol
over the two endpoints ``@argent/x-sessions`` 9.0.4 calls:

* ``POST {base_url}/cosigner/signSession`` — a normal (invoke v3) transaction;
* ``POST {base_url}/cosigner/signSessionEFO`` — a SNIP-9 outside execution.

The JSON bodies are exactly the ones x-sessions sends (they are produced by the request objects'
``to_json_body()``); the answer ``{"signature": {"publicKey", "r", "s"}}`` is parsed strictly.
Unlike x-sessions, the returned guardian signature is verified against the session-token message by
default (``verify_signature=False`` disables it), and the guardian key can be pinned.

Every failure — connection refused, timeout, non-2xx, a body that is not JSON, missing or malformed
fields, values out of range, a guardian signature that does not verify — raises
:class:`~xsessions_core.errors.CosignerError`. Nothing is retried and nothing is logged.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import aiohttp

from .. import crypto
from ..crypto import EC_ORDER, MAX_ECDSA_VALUE
from ..errors import CosignerError, XSessionsError
from .guardian import (
    SN_MAIN,
    GuardianOutsideExecutionRequest,
    GuardianSessionInfo,
    GuardianSignature,
    GuardianTransactionRequest,
)
from .session import session_token_message_hash

__all__ = ["ARGENT_SESSION_SERVICE_BASE_URL", "ArgentCosigner", "parse_guardian_signature"]

#: x-sessions' default ``ARGENT_SESSION_SERVICE_BASE_URL``.
ARGENT_SESSION_SERVICE_BASE_URL = "https://cloud.argent-api.com/v1"

#: ``ss("SN_SEPOLIA")``.
SN_SEPOLIA = 0x534E5F5345504F4C4941
_NETWORK_CHAINS = {"mainnet": SN_MAIN, "sepolia": SN_SEPOLIA}
_SIGN_SESSION = "/cosigner/signSession"
_SIGN_SESSION_EFO = "/cosigner/signSessionEFO"
_MAX_RESPONSE_BYTES = 1 << 16  # a signature answer is ~300 bytes


def parse_guardian_signature(payload: object) -> GuardianSignature:
    """Parse the cosigner's answer ``{"signature": {"publicKey", "r", "s"}}``.

    Values may be JSON numbers, decimal strings or ``0x`` hex strings. Ranges: ``publicKey`` in
    ``[1, p)``, ``r`` in ``[1, 2**251)``, ``s`` in ``[1, n)`` (what the account can accept).

    :raises CosignerError: not an object, missing key, malformed number, value out of range.
    """
    if not isinstance(payload, Mapping):
        raise CosignerError(f"cosigner answer must be a JSON object, got {type(payload).__name__}")
    if "signature" not in payload:
        raise CosignerError("cosigner answer has no 'signature' field")
    signature = GuardianSignature.from_dict(payload["signature"])
    if signature.public_key == 0:
        raise CosignerError("cosigner answer: signature.publicKey is 0")
    if not 0 < signature.r < MAX_ECDSA_VALUE:
        raise CosignerError("cosigner answer: signature.r is out of range (0 < r < 2**251)")
    if not 0 < signature.s < EC_ORDER:
        raise CosignerError("cosigner answer: signature.s is out of range (0 < s < n)")
    return signature


def _service_status(raw: bytes) -> str | None:
    """The ``status`` field x-sessions reads from an error answer (shortened), if any."""
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if isinstance(body, Mapping) and isinstance(body.get("status"), (str, int)):
        status = str(body["status"])
        return status if len(status) <= 80 else status[:80] + "..."
    return None


class ArgentCosigner:
    """The Argent session cosigner over HTTP (aiohttp), a :class:`Cosigner`.

    :param base_url: service root; the endpoints are ``{base_url}/cosigner/signSession`` and
        ``{base_url}/cosigner/signSessionEFO`` (a trailing ``/`` is ignored).
    :param network: ``"mainnet"`` (chain ``SN_MAIN``) or ``"sepolia"`` (``SN_SEPOLIA``): the chain
        this service co-signs for; a request for another chain raises :class:`CosignerError`
        before anything is sent. ``None`` disables the check (devnets, custom chains).
    :param timeout: total time allowed per request (connect + send + answer), in seconds.
    :param session: an ``aiohttp.ClientSession`` to use (it is not closed by :meth:`close`);
        by default one is created on first use and owned by this object.
    :param verify_signature: check the returned guardian signature against the session-token
        message of the request (x-sessions does not); an invalid one raises :class:`CosignerError`.
    :param guardian_public_key: if given, the answer must come from this guardian key.

    Use it as ``async with ArgentCosigner(...) as cosigner:`` or call :meth:`close`.
    """

    def __init__(
        self,
        base_url: str = ARGENT_SESSION_SERVICE_BASE_URL,
        network: str | None = "mainnet",
        *,
        timeout: float = 10.0,
        session: aiohttp.ClientSession | None = None,
        verify_signature: bool = True,
        guardian_public_key: int | None = None,
    ) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        if network is not None and network not in _NETWORK_CHAINS:
            raise ValueError(f"network must be 'mainnet', 'sepolia' or None, got {network!r}")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        if guardian_public_key is not None:
            guardian_public_key = crypto.felt(guardian_public_key, "guardian_public_key")
        self.base_url = base_url.rstrip("/")
        self.network = network
        self.timeout = float(timeout)
        self.verify_signature = verify_signature
        self.guardian_public_key = guardian_public_key
        self._session = session
        self._owns_session = session is None

    def __repr__(self) -> str:
        return f"ArgentCosigner(base_url={self.base_url!r}, network={self.network!r}, timeout={self.timeout})"

    async def __aenter__(self) -> "ArgentCosigner":
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the aiohttp session this object created (a session passed in is left open)."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def sign_session_transaction(self, request: GuardianTransactionRequest) -> GuardianSignature:
        """Guardian signature for a session-signed invoke v3 transaction (``/cosigner/signSession``).

        ``request.transaction`` (the transaction details) is required: they are sent to the service.

        :raises CosignerError: any failure of the service or of its answer.
        """
        body = request.to_json_body()
        assert request.transaction is not None  # to_json_body raised otherwise
        self._check_chain(request.transaction.chain_id)
        signature = await self._post(_SIGN_SESSION, body)
        self._check_signature(signature, request.session, request.transaction_hash)
        return signature

    async def sign_session_outside_execution(self, request: GuardianOutsideExecutionRequest) -> GuardianSignature:
        """Guardian signature for a session-signed outside execution (``/cosigner/signSessionEFO``).

        :raises CosignerError: any failure of the service or of its answer.
        """
        body = request.to_json_body()
        self._check_chain(request.chain_id)
        signature = await self._post(_SIGN_SESSION_EFO, body)
        self._check_signature(signature, request.session, request.message_hash)
        return signature

    # ------------------------------------------------------------------ internals

    def _check_chain(self, chain_id: int) -> None:
        if self.network is not None and chain_id != _NETWORK_CHAINS[self.network]:
            raise CosignerError(
                f"this cosigner serves {self.network} (chain {hex(_NETWORK_CHAINS[self.network])}); "
                f"the request is for chain {hex(chain_id)}"
            )

    def _check_signature(self, signature: GuardianSignature, session: GuardianSessionInfo, message_hash: int) -> None:
        if self.guardian_public_key is not None and signature.public_key != self.guardian_public_key:
            raise CosignerError(
                f"cosigner answered with guardian key {hex(signature.public_key)}, "
                f"expected {hex(self.guardian_public_key)}"
            )
        if not self.verify_signature:
            return
        token_message = session_token_message_hash(message_hash, session.session_hash, session.cache_flag)
        try:
            valid = crypto.verify_message_signature(token_message, (signature.r, signature.s), signature.public_key)
        except XSessionsError:
            valid = False
        if not valid:
            raise CosignerError(
                f"cosigner returned a guardian signature that does not verify for key "
                f"{hex(signature.public_key)} over the session-token message {hex(token_message)}"
            )

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            if not self._owns_session:
                raise CosignerError("the aiohttp session given to ArgentCosigner is closed")
            self._session = aiohttp.ClientSession()
        return self._session

    async def _post(self, path: str, body: Any) -> GuardianSignature:
        url = self.base_url + path
        data = json.dumps(body, separators=(",", ":")).encode()
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with self._client().post(
                url, data=data, headers={"Content-Type": "application/json"}, timeout=timeout
            ) as response:
                raw = await _read_limited(response)
                status = response.status
        except asyncio.TimeoutError:
            raise CosignerError(f"cosigner {url} did not answer within {self.timeout:g} s") from None
        except aiohttp.ClientError as exc:
            raise CosignerError(f"cannot reach the cosigner at {url}: {type(exc).__name__}: {exc}") from None
        if not 200 <= status < 300:
            service = _service_status(raw)
            detail = f" (service status {service!r})" if service is not None else ""
            raise CosignerError(f"cosigner {url} refused to sign: HTTP {status}{detail}", status)
        try:
            payload = json.loads(raw)
        except ValueError:
            raise CosignerError(f"cosigner {url} answered HTTP {status} with a body that is not JSON") from None
        return parse_guardian_signature(payload)


async def _read_limited(response: aiohttp.ClientResponse) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(1 << 14):
        size += len(chunk)
        if size > _MAX_RESPONSE_BYTES:
            raise CosignerError(f"cosigner answer is larger than {_MAX_RESPONSE_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
