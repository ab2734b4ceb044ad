"""HTTP client of the Argent session cosigner (guardian backend).

:class:`ArgentCosigner` implements the :class:`~xsessions_core.sessions.guardian.Cosigner` protocol
over the two endpoints ``@argent/x-sessions`` 9.0.4 calls (``src/argentBackendUtils.ts``):

* ``POST {base_url}/cosigner/signSession`` — a normal (invoke v3) transaction;
* ``POST {base_url}/cosigner/signSessionEFO`` — a SNIP-9 outside execution.

The JSON bodies are exactly the ones x-sessions sends (they are produced by the request objects'
``to_json_body()``). That API knows Starknet session keys only: a session key of another kind raises
:class:`~xsessions_core.errors.CosignerUnsupportedSessionKey` before any request. The answer
``{"signature": {"publicKey", "r", "s"}}`` is parsed strictly.
Unlike x-sessions, the returned guardian signature is verified against the session-token message by
default (``verify_signature=False`` disables it), and the guardian key can be pinned.

Built for volume: one pooled ``aiohttp`` session per cosigner (closed by ``async with`` or
:meth:`ArgentCosigner.aclose`), at most ``max_concurrency`` requests in flight, and retries (by
default up to 4 attempts) with exponential backoff and full jitter (``tenacity``) on timeouts,
connection errors, HTTP 429 and 5xx, waiting what ``Retry-After`` asks instead when the service sends
it. Other 4xx answers are never retried. Every failure raises a
:class:`~xsessions_core.errors.CosignerError` subclass carrying the HTTP status and the service's own
message. Requests and retries are logged on the
``xsessions_core.cosigner`` logger: paths, statuses, timings and attempt numbers only — never keys,
request bodies or signatures.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import aiohttp
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from .. import crypto
from ..crypto import EC_ORDER, MAX_ECDSA_VALUE
from ..errors import (
    CosignerBadResponse,
    CosignerConnectionError,
    CosignerError,
    CosignerRateLimited,
    CosignerRejected,
    CosignerServerError,
    CosignerTimeout,
    CosignerUnavailable,
    CosignerUnsupportedSessionKey,
    XSessionsError,
    describe_value,
)
from ..chains import SN_MAIN, SN_SEPOLIA, InvalidChainId, parse_chain_id
from ..signers import SignerKind
from .guardian import (
    GuardianOutsideExecutionRequest,
    GuardianSessionInfo,
    GuardianSignature,
    GuardianTransactionRequest,
)
from .session import session_token_message_hash

__all__ = ["ARGENT_SESSION_SERVICE_BASE_URL", "ArgentCosigner", "parse_guardian_signature"]

#: x-sessions' default ``ARGENT_SESSION_SERVICE_BASE_URL``.
ARGENT_SESSION_SERVICE_BASE_URL = "https://cloud.argent-api.com/v1"

_NETWORK_CHAINS = {"mainnet": SN_MAIN, "sepolia": SN_SEPOLIA}
_SIGN_SESSION = "/cosigner/signSession"
_SIGN_SESSION_EFO = "/cosigner/signSessionEFO"
_MAX_RESPONSE_BYTES = 1 << 16  # a signature answer is ~300 bytes
_HEADERS = {"Content-Type": "application/json"}
_JSON = json.JSONEncoder(separators=(",", ":"))  # compact; built once (json.dumps builds one per call)

logger = logging.getLogger("xsessions_core.cosigner")


def parse_guardian_signature(payload: object) -> GuardianSignature:
    """Parse the cosigner's answer ``{"signature": {"publicKey", "r", "s"}}``.

    Values may be JSON numbers, decimal strings or ``0x`` hex strings. Ranges: ``publicKey`` in
    ``[1, p)``, ``r`` in ``[1, 2**251)``, ``s`` in ``[1, n)`` (what the account can accept).

    :raises CosignerBadResponse: not an object, missing key, malformed number, value out of range.
    """
    if not isinstance(payload, Mapping):
        raise CosignerBadResponse(f"cosigner answer must be a JSON object, got {type(payload).__name__}")
    if "signature" not in payload:
        raise CosignerBadResponse("cosigner answer has no 'signature' field")
    try:
        signature = GuardianSignature.from_dict(payload["signature"])
    except CosignerError as exc:
        raise CosignerBadResponse(str(exc)) from None
    if signature.public_key == 0:
        raise CosignerBadResponse("cosigner answer: signature.publicKey is 0")
    if not 0 < signature.r < MAX_ECDSA_VALUE:
        raise CosignerBadResponse("cosigner answer: signature.r is out of range (0 < r < 2**251)")
    if not 0 < signature.s < EC_ORDER:
        raise CosignerBadResponse("cosigner answer: signature.s is out of range (0 < s < n)")
    return signature


def _backend_message(raw: bytes) -> str | None:
    """The service's own error text: the ``status`` field x-sessions reads, else ``message`` (shortened)."""
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(body, Mapping):
        return None
    for key in ("status", "message"):
        value = body.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            text = str(value)
            return text if len(text) <= 80 else text[:80] + "..."
    return None


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date; ``None`` if absent or malformed."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


class ArgentCosigner:
    """The Argent session cosigner over HTTP (aiohttp), a :class:`Cosigner`.

    :param base_url: service root; the endpoints are ``{base_url}/cosigner/signSession`` and
        ``{base_url}/cosigner/signSessionEFO`` (a trailing ``/`` is ignored).
    :param network: the chain this service co-signs for: ``"mainnet"`` (``SN_MAIN``), ``"sepolia"``
        (``SN_SEPOLIA``), or a chain id (an int, a hex string, ``"SN_MAIN"``, ``"SN_SEPOLIA"``,
        starknet-py's ``StarknetChainId``); a request for another chain raises :class:`CosignerError`
        before anything is sent. ``None`` disables the check (devnets, custom chains).
    :param timeout: time allowed per attempt (connect + send + answer), in seconds.
    :param session: an ``aiohttp.ClientSession`` to use (it is not closed by :meth:`aclose`);
        by default one pooled session is created on first use and owned by this object.
    :param verify_signature: check the returned guardian signature against the session-token
        message of the request (x-sessions does not); an invalid one raises :class:`CosignerBadResponse`.
    :param guardian_public_key: if given, the answer must come from this guardian key.
    :param max_concurrency: requests in flight at once through this object (and the size of its
        connection pool).
    :param max_attempts: attempts per request (``1``: no retry). Timeouts, connection errors, 429 and
        5xx are retried; other answers are final.
    :param backoff: base of the exponential backoff in seconds: before attempt ``k + 1`` the wait is
        uniform in ``[0, min(backoff * 2**k, max_backoff)]`` (full jitter).
    :param max_backoff: cap of one wait, ``Retry-After`` included.

    Use it as ``async with ArgentCosigner(...) as cosigner:`` or call :meth:`aclose`.
    """

    def __init__(
        self,
        base_url: str = ARGENT_SESSION_SERVICE_BASE_URL,
        network: str | int | None = "mainnet",
        *,
        timeout: float = 10.0,
        session: aiohttp.ClientSession | None = None,
        verify_signature: bool = True,
        guardian_public_key: int | None = None,
        max_concurrency: int = 64,
        max_attempts: int = 4,
        backoff: float = 0.1,
        max_backoff: float = 10.0,
    ) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        chain_id: int | None = None
        if isinstance(network, str) and network in _NETWORK_CHAINS:
            chain_id = _NETWORK_CHAINS[network]
        elif network is not None:
            try:
                chain_id = parse_chain_id(network, "network")
            except InvalidChainId:
                raise InvalidChainId(f"network must be 'mainnet', 'sepolia', a chain id or None, "
                                     f"got {describe_value(network, 40)}") from None
        for name, value in (("timeout", timeout), ("backoff", backoff), ("max_backoff", max_backoff)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
        for name, count in (("max_concurrency", max_concurrency), ("max_attempts", max_attempts)):
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ValueError(f"{name} must be an int >= 1, got {count!r}")
        if guardian_public_key is not None:
            guardian_public_key = crypto.felt(guardian_public_key, "guardian_public_key")
        self.base_url = base_url.rstrip("/")
        self.network = network
        #: The chain id this cosigner serves (``None``: not checked).
        self.chain_id = chain_id
        self.timeout = float(timeout)
        self.verify_signature = verify_signature
        self.guardian_public_key = guardian_public_key
        self.max_concurrency = max_concurrency
        self.max_attempts = max_attempts
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self._session = session
        self._owns_session = session is None
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timeout = aiohttp.ClientTimeout(total=self.timeout)
        self._jitter = wait_random_exponential(multiplier=self.backoff, max=self.max_backoff)

    def __repr__(self) -> str:
        return (f"ArgentCosigner(base_url={self.base_url!r}, network={self.network!r}, timeout={self.timeout}, "
                f"max_concurrency={self.max_concurrency}, max_attempts={self.max_attempts})")

    async def __aenter__(self) -> "ArgentCosigner":
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled aiohttp session this object created (a session passed in is left open).

        The object stays usable: the next request opens a new pool.
        """
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    #: Alias of :meth:`aclose`.
    close = aclose

    async def sign_session_transaction(self, request: GuardianTransactionRequest) -> GuardianSignature:
        """Guardian signature for a session-signed invoke v3 transaction (``/cosigner/signSession``).

        ``request.transaction`` (the transaction details) is required: they are sent to the service.

        :raises CosignerUnsupportedSessionKey: the session key is not a Starknet key (nothing is sent).
        :raises CosignerError: any failure of the service or of its answer (a subclass saying which).
        """
        request = dataclasses.replace(request, session=_stark_session(request.session))
        body = request.to_json_body()
        assert request.transaction is not None and request.transaction.chain_id is not None  # else to_json_body raised
        self._check_chain(request.transaction.chain_id)
        signature = await self._post(_SIGN_SESSION, body)
        self._check_signature(signature, request.session, request.transaction_hash)
        return signature

    async def sign_session_outside_execution(self, request: GuardianOutsideExecutionRequest) -> GuardianSignature:
        """Guardian signature for a session-signed outside execution (``/cosigner/signSessionEFO``).

        :raises CosignerUnsupportedSessionKey: the session key is not a Starknet key (nothing is sent).
        :raises CosignerError: any failure of the service or of its answer (a subclass saying which).
        """
        request = dataclasses.replace(request, session=_stark_session(request.session))
        body = request.to_json_body()
        self._check_chain(request.chain_id)
        signature = await self._post(_SIGN_SESSION_EFO, body)
        self._check_signature(signature, request.session, request.message_hash)
        return signature

    # ------------------------------------------------------------------ internals

    def _check_chain(self, chain_id: int) -> None:
        if self.chain_id is not None and chain_id != self.chain_id:
            raise CosignerError(
                f"this cosigner serves {self.network} (chain {hex(self.chain_id)}); "
                f"the request is for chain {hex(chain_id)}"
            )

    def _check_signature(self, signature: GuardianSignature, session: GuardianSessionInfo, message_hash: int) -> None:
        if self.guardian_public_key is not None and signature.public_key != self.guardian_public_key:
            raise CosignerBadResponse(
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
            raise CosignerBadResponse(
                f"cosigner returned a guardian signature that does not verify for key "
                f"{hex(signature.public_key)} over the session-token message {hex(token_message)}"
            )

    async def _pool(self) -> tuple[aiohttp.ClientSession, asyncio.Semaphore]:
        """The pooled session and the concurrency slots of the running event loop.

        A pool belongs to the loop that opened it; when the object is used from another loop (the
        starknet-py ``*_sync`` methods run each call in a loop of its own), the old pool is closed
        and a new one opened.
        """
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            if self._owns_session and self._session is not None:
                old, self._session = self._session, None
                try:
                    await old.close()  # its loop is closed: nothing is left to wait for
                except RuntimeError:
                    pass
            self._loop, self._slots = loop, asyncio.Semaphore(self.max_concurrency)
        if self._session is None or self._session.closed:
            if not self._owns_session:
                raise CosignerError("the aiohttp session given to ArgentCosigner is closed")
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self.max_concurrency))
        assert self._slots is not None
        return self._session, self._slots

    def _wait(self, state: RetryCallState) -> float:
        """Seconds before the next attempt: ``Retry-After`` if the service sent one, else full jitter."""
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, CosignerUnavailable) and exc.retry_after is not None:
            return min(exc.retry_after, self.max_backoff)
        return float(self._jitter(state))

    async def _post(self, path: str, body: Any) -> GuardianSignature:
        data = _JSON.encode(body).encode()
        try:  # the first attempt, which almost always succeeds, runs without the retry machinery
            return await self._attempt(path, data)
        except CosignerUnavailable as exc:
            if self.max_attempts == 1:
                raise
            first_failure: CosignerUnavailable | None = exc

        async def attempt() -> GuardianSignature:
            nonlocal first_failure
            if first_failure is not None:  # tenacity takes over from the failed first attempt
                failure, first_failure = first_failure, None
                raise failure
            return await self._attempt(path, data)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(CosignerUnavailable),
            before_sleep=lambda state: _log_retry(path, state),
            reraise=True,
        )
        return await retrying(attempt)

    async def _attempt(self, path: str, data: bytes) -> GuardianSignature:
        """One HTTP request, its answer parsed; transient failures raise :class:`CosignerUnavailable`."""
        client, slots = await self._pool()
        url = self.base_url + path
        async with slots:
            started = time.perf_counter()
            try:
                async with client.post(url, data=data, headers=_HEADERS, timeout=self._timeout) as response:
                    raw = await _read_limited(response)
                    status = response.status
                    retry_after = _retry_after(response.headers.get("Retry-After"))
            except asyncio.TimeoutError:
                raise CosignerTimeout(f"cosigner {url} did not answer within {self.timeout:g} s") from None
            except aiohttp.ClientError as exc:
                raise CosignerConnectionError(
                    f"cannot reach the cosigner at {url}: {type(exc).__name__}: {exc}") from None
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("POST %s -> HTTP %d in %.1f ms", path, status, (time.perf_counter() - started) * 1e3)
        if 200 <= status < 300:
            try:
                payload = json.loads(raw)
            except ValueError:
                raise CosignerBadResponse(
                    f"cosigner {url} answered HTTP {status} with a body that is not JSON", status) from None
            return parse_guardian_signature(payload)
        message = _backend_message(raw)
        detail = f" (service status {message!r})" if message is not None else ""
        text = f"cosigner {url} refused to sign: HTTP {status}{detail}"
        if status == 429:
            raise CosignerRateLimited(text, status, message, retry_after)
        if status >= 500:
            raise CosignerServerError(text, status, message, retry_after)
        raise CosignerRejected(text, status, message)



def _stark_session(session: GuardianSessionInfo) -> GuardianSessionInfo:
    """``session`` in the x-sessions form of a Stark session key, the only session-signature type of
    the cosigner API (``"StarknetKey"``, x-sessions 9.0.4 ``src/argentBackendUtils.ts``).

    :raises CosignerUnsupportedSessionKey: the session key is of another kind.
    """
    signature = session.session_signer_signature
    if signature is None:
        return session
    if signature.kind is not SignerKind.Starknet:
        raise CosignerUnsupportedSessionKey(signature.kind.name)
    return GuardianSessionInfo.from_signer_signature(session.session_hash, session.session_authorization,
                                                     session.cache_flag, signature)


def _log_retry(path: str, state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome is not None else None
    status = getattr(exc, "status", None)
    wait = state.next_action.sleep if state.next_action is not None else 0.0
    logger.warning("POST %s attempt %d failed (%s%s); retrying in %.2f s", path, state.attempt_number,
                   type(exc).__name__, "" if status is None else f", HTTP {status}", wait)


async def _read_limited(response: aiohttp.ClientResponse) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(1 << 14):
        size += len(chunk)
        if size > _MAX_RESPONSE_BYTES:
            raise CosignerBadResponse(f"cosigner answer is larger than {_MAX_RESPONSE_BYTES} bytes", response.status)
        chunks.append(chunk)
    return b"".join(chunks)
