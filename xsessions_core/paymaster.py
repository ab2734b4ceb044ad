"""SNIP-29 paymaster client, and gasless session transactions through it.

Argent accounts refuse a non-empty ``paymaster_data`` (``argent/unsupported-paymaster``), so a
sponsored session transaction goes through a SNIP-29 paymaster as a SNIP-9 outside execution: the
paymaster builds the outside execution's typed data, the session (and the guardian) sign it, and the
paymaster's forwarder submits it.

* :class:`PaymasterClient` speaks the JSON-RPC API of ``starknet-io/SNIPs`` ``SNIPS/snip-29.md``
  (``assets/snip-29/paymaster_api.json``). Its request bodies are byte for byte those of starknet.js
  10.8 ``PaymasterRpc`` (``src/paymaster/rpc.ts``): compact JSON with the keys ``id, jsonrpc,
  method, params``, ``params`` left out for the methods without parameters, ``id`` counting from 1
  per client, calls converted as ``convertCalls`` does (``to`` as given, ``selector`` from the
  entry-point name, calldata compiled to hex), time bounds as JSON numbers, no ``tip``. Answers are
  parsed into typed values; JSON-RPC errors raise :class:`~xsessions_core.errors.PaymasterError`
  with the code.
* :func:`check_prepared_transaction` makes the checks of starknet.js ``assertPaymasterTransactionSafety``
  (``src/utils/paymaster.ts``) on a build result, and more (the exact SNIP-9 typed-data shape, the
  fee transfer going to the caller).
* :func:`execute_sponsored` is the whole flow for a session: build, check, sign with the session key
  (SNIP-9 v2 typed data, or v1 if the paymaster chose it), have the guardian co-sign, execute.
  Anything the paymaster changed raises :class:`~xsessions_core.errors.PolicyViolation` before any
  key signs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, cast

import aiohttp
from starknet_py.net.client_models import Call

from .encoding import FeltSpelling, encode_shortstring, felt_from, integer_from, selector_from_name_cached, to_hex
from .errors import EncodingError, PaymasterError, PolicyViolation, TransactionError, XSessionsError
from .sessions.fee_limits import FeeLimits
from .sessions.guardian import Cosigner, GuardianOutsideExecutionRequest
from .sessions.objects import Session, SessionKey, felt_of
from .sessions.outside_execution import OutsideCall, OutsideExecution, outside_execution_message_hash
from .sessions.context import SessionContext, SigningOptions
from .transactions import compile_calldata, normalize_calls
from .typed_data import TypedData

__all__ = [
    "API_KEY_HEADER",
    "TRANSFER_SELECTOR",
    "FeeMode",
    "TimeBounds",
    "ExecutionParameters",
    "FeeEstimate",
    "TokenData",
    "PreparedTransaction",
    "ExecutionResult",
    "TrackingStatus",
    "PaymasterClient",
    "check_prepared_transaction",
    "execute_sponsored",
]

#: The header that carries the API key (avnu-labs/paymaster ``middleware/authentication.rs``).
API_KEY_HEADER = "x-paymaster-api-key"
#: ``sel("transfer")``: the fee call the paymaster appends in ``default`` mode.
TRANSFER_SELECTOR = 0x83AFD3F4CAEDC6EEBF44246FE54E38C95E3179A5EC9EA81740ECA5B482D12E
_U128 = 2**128
_MAX_RESPONSE_BYTES = 1 << 22
_DOMAIN_NAME = "Account.execute_from_outside"
_TYPES_V2 = {
    "StarknetDomain": [{"name": "name", "type": "shortstring"}, {"name": "version", "type": "shortstring"},
                       {"name": "chainId", "type": "shortstring"}, {"name": "revision", "type": "shortstring"}],
    "OutsideExecution": [{"name": "Caller", "type": "ContractAddress"}, {"name": "Nonce", "type": "felt"},
                         {"name": "Execute After", "type": "u128"}, {"name": "Execute Before", "type": "u128"},
                         {"name": "Calls", "type": "Call*"}],
    "Call": [{"name": "To", "type": "ContractAddress"}, {"name": "Selector", "type": "selector"},
             {"name": "Calldata", "type": "felt*"}],
}
_TYPES_V1 = {
    "StarkNetDomain": [{"name": "name", "type": "felt"}, {"name": "version", "type": "felt"},
                       {"name": "chainId", "type": "felt"}],
    "OutsideExecution": [{"name": "caller", "type": "felt"}, {"name": "nonce", "type": "felt"},
                         {"name": "execute_after", "type": "felt"}, {"name": "execute_before", "type": "felt"},
                         {"name": "calls_len", "type": "felt"}, {"name": "calls", "type": "OutsideCall*"}],
    "OutsideCall": [{"name": "to", "type": "felt"}, {"name": "selector", "type": "felt"},
                    {"name": "calldata_len", "type": "felt"}, {"name": "calldata", "type": "felt*"}],
}


# --------------------------------------------------------------------------- values

def _number(value: object, name: str) -> int:
    """A non-negative int from a JSON number, a decimal string or a ``0x`` hex string (surrounding
    whitespace ignored): a paymaster's answer, read as network input (:attr:`FeltSpelling.NODE_LENIENT`)."""
    if isinstance(value, bool):
        raise PaymasterError(f"{name} must be a number, got a bool")
    text = value.strip() if isinstance(value, str) else value
    try:
        number = integer_from(text, name, PaymasterError, FeltSpelling.NODE_LENIENT)
    except PaymasterError:
        raise PaymasterError(f"{name} must be a decimal or 0x-hex number, got {str(value)[:40]!r}") from None
    if number < 0:
        raise PaymasterError(f"{name} must be non-negative, got {number}")
    return number


def _felt(value: object, name: str) -> int:
    return felt_from(_number(value, name), name, PaymasterError)


def _address_text(value: object, name: str) -> str:
    """An address as sent: a string exactly as given (checked to be a felt), an int as hex."""
    try:
        felt = felt_of(value, name)
    except XSessionsError as exc:
        raise TransactionError(str(exc)) from None
    return value if isinstance(value, str) else to_hex(felt)


@dataclass(frozen=True)
class FeeMode:
    """SNIP-29 ``FEE_MODE``: ``sponsored``, or ``default`` paid in ``gas_token``.

    Use :meth:`sponsored` / :meth:`default`. ``gas_token`` may be given as text; it is sent as given.
    """

    mode: str
    gas_token: int | None = None
    gas_token_text: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.mode not in ("sponsored", "default"):
            raise TransactionError(f"fee_mode.mode must be 'sponsored' or 'default', got {self.mode!r}")
        if self.mode == "sponsored":
            if self.gas_token is not None:
                raise TransactionError("a sponsored fee mode has no gas_token")
            return
        if self.gas_token is None:
            raise TransactionError("the default fee mode needs a gas_token")
        text = _address_text(self.gas_token, "fee_mode.gas_token")
        object.__setattr__(self, "gas_token_text", self.gas_token_text or text)
        object.__setattr__(self, "gas_token", felt_of(self.gas_token, "fee_mode.gas_token"))

    @classmethod
    def sponsored(cls) -> FeeMode:
        """The paymaster pays (its API key decides whether it agrees)."""
        return cls("sponsored")

    @classmethod
    def default(cls, gas_token: int | str) -> FeeMode:
        """The account pays the paymaster in ``gas_token`` with a ``transfer`` appended to its calls."""
        return cls("default", cast(int, gas_token))  # text is parsed by __post_init__

    @classmethod
    def parse(cls, value: object) -> FeeMode:
        """From a :class:`FeeMode`, ``"sponsored"``, or a mapping ``{mode, gas_token | gasToken}``."""
        if isinstance(value, FeeMode):
            return value
        if value == "sponsored":
            return cls.sponsored()
        if isinstance(value, Mapping) and "mode" in value:
            token = value.get("gas_token", value.get("gasToken"))
            return cls(value["mode"], cast("int | None", token))
        raise TransactionError(f"fee_mode must be a FeeMode, 'sponsored' or {{mode, gas_token}}, got {value!r:.60}")

    @property
    def is_sponsored(self) -> bool:
        return self.mode == "sponsored"

    def to_json(self) -> dict[str, Any]:
        """``{"mode": "sponsored"}`` or ``{"mode": "default", "gas_token": <as given>}`` (never a ``tip``)."""
        if self.mode == "sponsored":
            return {"mode": "sponsored"}
        return {"mode": "default", "gas_token": self.gas_token_text}


@dataclass(frozen=True)
class TimeBounds:
    """When the outside execution may run: strictly after ``execute_after``, strictly before
    ``execute_before`` (unix seconds). ``execute_after`` defaults to 1, as starknet.js sends it."""

    execute_before: int
    execute_after: int = 1

    def __post_init__(self) -> None:
        for name in ("execute_after", "execute_before"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**64:
                raise TransactionError(f"time_bounds.{name} must be an int timestamp in [0, 2**64), got {value!r:.40}")
        if self.execute_after >= self.execute_before:
            raise TransactionError("time_bounds.execute_after must be smaller than execute_before")

    def to_json(self) -> dict[str, int]:
        """JSON numbers, as starknet.js sends them (avnu-labs/paymaster rejects strings)."""
        return {"execute_after": self.execute_after, "execute_before": self.execute_before}


@dataclass(frozen=True)
class ExecutionParameters:
    """SNIP-29 ``USER_PARAMETERS`` (``version`` is always ``"0x1"``)."""

    fee_mode: FeeMode
    time_bounds: TimeBounds | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": "0x1", "fee_mode": self.fee_mode.to_json()}
        if self.time_bounds is not None:
            out["time_bounds"] = self.time_bounds.to_json()
        return out

    @classmethod
    def from_json(cls, value: object) -> ExecutionParameters:
        """From the paymaster's echo (``tip`` and unknown keys dropped; ``time_bounds: null`` = none)."""
        if not isinstance(value, Mapping) or not isinstance(value.get("fee_mode"), Mapping):
            raise PaymasterError("build result: parameters must be an object with fee_mode")
        if value.get("version") != "0x1":
            raise PaymasterError(f"build result: parameters.version must be '0x1', got {value.get('version')!r:.20}")
        raw_mode = value["fee_mode"]
        try:
            mode = FeeMode(raw_mode.get("mode"), raw_mode.get("gas_token"))
        except TransactionError as exc:
            raise PaymasterError(f"build result: {exc}") from None
        bounds = value.get("time_bounds")
        if bounds is None:
            return cls(mode)
        if not isinstance(bounds, Mapping):
            raise PaymasterError("build result: parameters.time_bounds must be an object or null")
        try:
            return cls(mode, TimeBounds(_number(bounds.get("execute_before"), "time_bounds.execute_before"),
                                        _number(bounds.get("execute_after"), "time_bounds.execute_after")))
        except TransactionError as exc:
            raise PaymasterError(f"build result: {exc}") from None


@dataclass(frozen=True)
class FeeEstimate:
    """SNIP-29 ``FEE_ESTIMATE`` (amounts in base units: fri for STRK, the token's for the gas token)."""

    gas_token_price_in_strk: int
    estimated_fee_in_strk: int
    estimated_fee_in_gas_token: int
    suggested_max_fee_in_strk: int
    suggested_max_fee_in_gas_token: int

    @classmethod
    def from_json(cls, value: object) -> FeeEstimate:
        if not isinstance(value, Mapping):
            raise PaymasterError("build result: fee must be an object")
        names = ("gas_token_price_in_strk", "estimated_fee_in_strk", "estimated_fee_in_gas_token",
                 "suggested_max_fee_in_strk", "suggested_max_fee_in_gas_token")
        return cls(*(_number(value.get(n), f"fee.{n}") for n in names))


@dataclass(frozen=True)
class TokenData:
    """A gas token the paymaster accepts; ``price_in_strk`` is the price of ``10**decimals`` base units in fri."""

    token_address: int
    decimals: int
    price_in_strk: int


@dataclass(frozen=True)
class PreparedTransaction:
    """A build result: ``type`` ``invoke`` / ``deploy`` / ``deploy_and_invoke``.

    ``typed_data`` and ``deployment`` are kept exactly as the paymaster sent them (they go back
    unchanged in the execute request); ``user_address`` is the address the build was for.
    """

    type: str
    parameters: ExecutionParameters
    fee: FeeEstimate
    typed_data: dict[str, Any] | None = None
    deployment: dict[str, Any] | None = None
    user_address: str | None = None


@dataclass(frozen=True)
class ExecutionResult:
    """What ``paymaster_executeTransaction`` returns."""

    transaction_hash: int
    tracking_id: int


@dataclass(frozen=True)
class TrackingStatus:
    """What ``paymaster_trackingIdToLatestHash`` returns; ``status`` is ``active``, ``accepted`` or ``dropped``."""

    transaction_hash: int
    status: str


def _convert_call(call: object, i: int) -> dict[str, Any]:
    """starknet.js ``convertCalls``: ``to`` as given, the selector of the entry point, calldata as hex."""
    if isinstance(call, Call):
        (checked,) = normalize_calls([call])
        return {"to": to_hex(checked.to_addr), "selector": to_hex(checked.selector),
                "calldata": [to_hex(v) for v in checked.calldata]}
    if not isinstance(call, Mapping) or "contractAddress" not in call or "entrypoint" not in call:
        raise TransactionError(f"calls[{i}] must be a starknet_py Call or {{contractAddress, entrypoint, calldata}}")
    entrypoint = call["entrypoint"]
    if not isinstance(entrypoint, str):
        raise TransactionError(f"calls[{i}].entrypoint must be a function name")
    return {"to": _address_text(call["contractAddress"], f"calls[{i}].contractAddress"),
            "selector": to_hex(selector_from_name_cached(entrypoint)),
            "calldata": [to_hex(v) for v in compile_calldata(call.get("calldata") or [], f"calls[{i}].calldata")]}


def _calls_list(calls: object) -> list[object]:
    if isinstance(calls, (Call, Mapping)):
        return [calls]
    if isinstance(calls, (str, bytes)) or not isinstance(calls, Sequence):
        raise TransactionError(f"calls must be a call or a list of calls, got {type(calls).__name__}")
    return list(calls)


# --------------------------------------------------------------------------- client

class PaymasterClient:
    """A SNIP-29 paymaster over JSON-RPC (aiohttp).

    :param url: the paymaster endpoint (e.g. ``https://sepolia.paymaster.avnu.fi``).
    :param api_key: sent as ``x-paymaster-api-key`` (avnu requires one for sponsored transactions).
    :param session: an ``aiohttp.ClientSession`` to use (not closed by :meth:`aclose`); by default one
        is created on first use and owned by this object.
    :param timeout: seconds allowed per request.

    Use it as ``async with PaymasterClient(url) as paymaster:`` or call :meth:`aclose`. The key never
    appears in ``repr`` or errors.
    """

    def __init__(self, url: str, *, api_key: str | None = None, session: aiohttp.ClientSession | None = None,
                 timeout: float = 30.0) -> None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError(f"url must be an http(s) URL, got {url!r:.80}")
        if api_key is not None and (not isinstance(api_key, str) or not api_key):
            raise ValueError("api_key must be a non-empty string")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self.url = url
        self.timeout = float(timeout)
        self._api_key = api_key
        self._session = session
        self._owns_session = session is None
        self._request_id = 0

    def __repr__(self) -> str:
        return f"PaymasterClient(url={self.url!r}, api_key={'set' if self._api_key else None})"

    async def __aenter__(self) -> PaymasterClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the aiohttp session this object created."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def request(self, method: str, params: Mapping[str, Any] | None = None) -> Any:
        """One JSON-RPC call; returns its ``result``.

        :raises PaymasterError: unreachable, not JSON, or a JSON-RPC error (``code``, ``data``).
        """
        self._request_id += 1
        body: dict[str, Any] = {"id": self._request_id, "jsonrpc": "2.0", "method": method}
        if params is not None:
            body["params"] = params
        data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if self._api_key is not None:
            headers[API_KEY_HEADER] = self._api_key
        if self._session is None or self._session.closed:
            if not self._owns_session:
                raise PaymasterError("the aiohttp session given to PaymasterClient is closed")
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.post(self.url, data=data, headers=headers,
                                          timeout=aiohttp.ClientTimeout(total=self.timeout)) as response:
                raw = await response.content.read(_MAX_RESPONSE_BYTES + 1)
                status = response.status
        except asyncio.TimeoutError:
            raise PaymasterError(f"paymaster {self.url} did not answer {method} within {self.timeout:g} s") from None
        except aiohttp.ClientError as exc:
            raise PaymasterError(f"cannot reach the paymaster at {self.url}: {type(exc).__name__}: {exc}") from None
        if len(raw) > _MAX_RESPONSE_BYTES:
            raise PaymasterError(f"paymaster answer to {method} is larger than {_MAX_RESPONSE_BYTES} bytes")
        try:
            answer = json.loads(raw)
        except ValueError:
            raise PaymasterError(f"paymaster answered {method} with HTTP {status} and a body that is not JSON") from None
        if not isinstance(answer, Mapping):
            raise PaymasterError(f"paymaster answer to {method} is not a JSON-RPC object (HTTP {status})")
        error = answer.get("error")
        if error is not None:
            if not isinstance(error, Mapping):
                raise PaymasterError(f"paymaster answered {method} with a malformed error")
            code = error.get("code")
            message = str(error.get("message", ""))[:200]
            data_text = "" if error.get("data") is None else f": {json.dumps(error.get('data'))[:200]}"
            raise PaymasterError(f"paymaster {method} failed: {code}: {message}{data_text}",
                                 code if isinstance(code, int) and not isinstance(code, bool) else None,
                                 error.get("data"))
        if "result" not in answer:
            raise PaymasterError(f"paymaster answer to {method} has neither result nor error (HTTP {status})")
        return answer["result"]

    async def is_available(self) -> bool:
        """``paymaster_isAvailable``."""
        result = await self.request("paymaster_isAvailable")
        if not isinstance(result, bool):
            raise PaymasterError(f"paymaster_isAvailable must return a boolean, got {type(result).__name__}")
        return result

    async def get_supported_tokens(self) -> list[TokenData]:
        """``paymaster_getSupportedTokens``."""
        result = await self.request("paymaster_getSupportedTokens")
        if not isinstance(result, list):
            raise PaymasterError("paymaster_getSupportedTokens must return a list")
        tokens = []
        for i, item in enumerate(result):
            if not isinstance(item, Mapping):
                raise PaymasterError(f"supported token {i} must be an object")
            decimals = item.get("decimals")
            if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 255:
                raise PaymasterError(f"supported token {i}: decimals must be an integer in [0, 255]")
            tokens.append(TokenData(_felt(item.get("token_address"), f"tokens[{i}].token_address"), decimals,
                                    _number(item.get("price_in_strk"), f"tokens[{i}].price_in_strk")))
        return tokens

    async def build_transaction(self, *, fee_mode: FeeMode | str | Mapping[str, Any],
                                user_address: int | str | None = None, calls: object = None,
                                deployment: Mapping[str, Any] | None = None,
                                time_bounds: TimeBounds | None = None) -> PreparedTransaction:
        """``paymaster_buildTransaction``: ``invoke`` (``user_address`` and ``calls``), ``deploy``
        (``deployment``) or ``deploy_and_invoke`` (all three). ``deployment`` is sent as given.

        :raises TransactionError: bad arguments (nothing is sent). :raises PaymasterError: the paymaster's refusal.
        """
        mode = FeeMode.parse(fee_mode)
        if time_bounds is not None and not isinstance(time_bounds, TimeBounds):
            raise TransactionError(f"time_bounds must be TimeBounds, got {type(time_bounds).__name__}")
        if deployment is not None and not isinstance(deployment, Mapping):
            raise TransactionError("deployment must be an object")
        transaction: dict[str, Any]
        address: str | None = None
        if calls is not None:
            if user_address is None:
                raise TransactionError("an invoke needs user_address")
            address = _address_text(user_address, "user_address")
            invoke = {"user_address": address,
                      "calls": [_convert_call(c, i) for i, c in enumerate(_calls_list(calls))]}
            transaction = {"type": "invoke", "invoke": invoke} if deployment is None else {
                "type": "deploy_and_invoke", "invoke": invoke, "deployment": dict(deployment)}
        elif deployment is not None:
            transaction = {"type": "deploy", "deployment": dict(deployment)}
        else:
            raise TransactionError("build_transaction needs calls, a deployment, or both")
        parameters = ExecutionParameters(mode, time_bounds)
        result = await self.request("paymaster_buildTransaction",
                                    {"transaction": transaction, "parameters": parameters.to_json()})
        return self._prepared(result, address)

    @staticmethod
    def _prepared(result: object, address: str | None) -> PreparedTransaction:
        if not isinstance(result, Mapping):
            raise PaymasterError("paymaster_buildTransaction must return an object")
        kind = result.get("type")
        if kind not in ("invoke", "deploy", "deploy_and_invoke"):
            raise PaymasterError(f"build result: unknown type {str(kind)[:30]!r}")
        typed_data = result.get("typed_data")
        deployment = result.get("deployment")
        if kind != "deploy" and not isinstance(typed_data, dict):
            raise PaymasterError(f"build result of type {kind} has no typed_data object")
        if kind != "invoke" and not isinstance(deployment, dict):
            raise PaymasterError(f"build result of type {kind} has no deployment object")
        return PreparedTransaction(kind, ExecutionParameters.from_json(result.get("parameters")),
                                   FeeEstimate.from_json(result.get("fee")),
                                   typed_data if kind != "deploy" else None,
                                   deployment if kind != "invoke" else None, address)

    async def execute_transaction(self, prepared: PreparedTransaction,
                                  signature: Sequence[int] | None = None) -> ExecutionResult:
        """``paymaster_executeTransaction`` of a build result, with the account's signature of its
        typed data (none for a plain ``deploy``). The typed data and deployment go back unchanged, the
        signature as minimal hex, the parameters as echoed (``tip`` dropped).
        """
        if not isinstance(prepared, PreparedTransaction):
            raise TransactionError(f"prepared must be a PreparedTransaction, got {type(prepared).__name__}")
        transaction: dict[str, Any] = {"type": prepared.type}
        if prepared.type != "deploy":
            if signature is None or prepared.user_address is None:
                raise TransactionError(f"executing a {prepared.type} needs the signature and the build's user_address")
            try:
                sig = [to_hex(felt_of(v, f"signature[{i}]")) for i, v in enumerate(signature)]
            except XSessionsError as exc:
                raise TransactionError(str(exc)) from None
            transaction["invoke"] = {"user_address": prepared.user_address, "typed_data": prepared.typed_data,
                                     "signature": sig}
        if prepared.type != "invoke":
            transaction["deployment"] = prepared.deployment
        result = await self.request("paymaster_executeTransaction",
                                    {"transaction": transaction, "parameters": prepared.parameters.to_json()})
        if not isinstance(result, Mapping):
            raise PaymasterError("paymaster_executeTransaction must return an object")
        return ExecutionResult(_felt(result.get("transaction_hash"), "transaction_hash"),
                               _felt(result.get("tracking_id"), "tracking_id"))

    async def tracking_id_to_latest_hash(self, tracking_id: int | str) -> TrackingStatus:
        """``paymaster_trackingIdToLatestHash`` (starknet.js has no method for it; the body is its raw ``fetch``)."""
        try:
            tid = to_hex(felt_of(tracking_id, "tracking_id"))
        except XSessionsError as exc:
            raise TransactionError(str(exc)) from None
        result = await self.request("paymaster_trackingIdToLatestHash", {"tracking_id": tid})
        if not isinstance(result, Mapping) or result.get("status") not in ("active", "accepted", "dropped"):
            raise PaymasterError("paymaster_trackingIdToLatestHash must return {transaction_hash, status}")
        return TrackingStatus(_felt(result.get("transaction_hash"), "transaction_hash"), str(result["status"]))


# --------------------------------------------------------------------------- checks

def _chain_of(value: object) -> int | None:
    """A typed-data ``chainId``: hex, or text read as a short string."""
    if isinstance(value, str):
        if value[:2] in ("0x", "0X"):
            try:
                return felt_from(value, "chainId", PaymasterError, spelling=FeltSpelling.NODE_LENIENT)
            except PaymasterError:
                return None
        try:
            return encode_shortstring(value, "chainId")
        except EncodingError:
            return None
    return None


def _outside_execution(typed_data: Mapping[str, Any]) -> tuple[OutsideExecution, str, list[str]]:
    """The outside execution of SNIP-9 typed data of the exact v2 (or v1) shape, its version, and the
    selectors as the paymaster spelled them.

    :raises PolicyViolation: any other shape.
    """
    message = typed_data.get("message")
    types = typed_data.get("types")
    domain = typed_data.get("domain")
    if not isinstance(message, Mapping) or not isinstance(domain, Mapping):
        raise PolicyViolation("paymaster typed data has no message or domain")
    if ("calls" in message) == ("Calls" in message):
        raise PolicyViolation('Paymaster typed data must declare exactly one of "calls" (SNIP-9 V1) or "Calls" (SNIP-9 V2)')
    v2 = "Calls" in message
    if typed_data.get("primaryType") != "OutsideExecution" or types != (_TYPES_V2 if v2 else _TYPES_V1):
        raise PolicyViolation("paymaster typed data is not a SNIP-9 OutsideExecution of the standard types")
    version = "2" if v2 else "1"
    revision = domain.get("revision")
    if domain.get("name") != _DOMAIN_NAME or str(domain.get("version")) != version or (
            v2 and str(revision) != "1") or (not v2 and revision not in (None, "0", 0)):
        raise PolicyViolation(f"paymaster typed data domain is not the SNIP-9 v{version} domain")
    keys = ("Caller", "Nonce", "Execute After", "Execute Before", "Calls") if v2 else (
        "caller", "nonce", "execute_after", "execute_before", "calls_len", "calls")
    call_keys = ("To", "Selector", "Calldata") if v2 else ("to", "selector", "calldata_len", "calldata")
    if set(message) != set(keys) or not isinstance(message[keys[4 if v2 else 5]], list):
        raise PolicyViolation("paymaster typed data message does not have exactly the OutsideExecution fields")
    try:
        raw_calls = message[keys[4 if v2 else 5]]
        calls, selectors = [], []
        for i, c in enumerate(raw_calls):
            if not isinstance(c, Mapping) or set(c) != set(call_keys) or not isinstance(c[call_keys[-1]], list):
                raise PolicyViolation(f"paymaster typed data call {i} does not have exactly the Call fields")
            data = [_number(v, f"calls[{i}].calldata") for v in c[call_keys[-1]]]
            if not v2 and _number(c["calldata_len"], "calldata_len") != len(data):
                raise PolicyViolation(f"paymaster typed data call {i}: calldata_len is not the calldata length")
            selectors.append(str(c[call_keys[1]]))
            calls.append(OutsideCall(_number(c[call_keys[0]], "to"), _number(c[call_keys[1]], "selector"), tuple(data)))
        if not v2 and _number(message["calls_len"], "calls_len") != len(calls):
            raise PolicyViolation("paymaster typed data: calls_len is not the number of calls")
        caller, nonce, after, before = (_number(message[k], k) for k in keys[:4])
        oe = OutsideExecution(caller, nonce, after, before, tuple(calls))
    except (PaymasterError, TransactionError) as exc:
        raise PolicyViolation(f"paymaster typed data: {exc}") from None
    return oe, version, selectors


def check_prepared_transaction(prepared: PreparedTransaction, calls: object, fee_mode: FeeMode | str | Mapping[str, Any],
                               chain_id: int | str, *, max_fee_in_gas_token: int | None = None,
                               forwarder: int | str | None = None) -> tuple[OutsideExecution, str]:
    """Check a build result before anything signs it (starknet.js ``assertPaymasterTransactionSafety``,
    same order and messages, plus a strict SNIP-9 typed-data shape and, in default mode, a fee
    transfer to the outside execution's caller).

    :param calls: the calls that were sent to build (starknet.js dicts or starknet-py ``Call``).
    :param max_fee_in_gas_token: refuse a suggested fee above it.
    :param forwarder: if given, the outside execution's ``Caller`` must be it.
    :return: the outside execution and its SNIP-9 version (``"2"`` or ``"1"``).
    :raises PolicyViolation: the typed data is not exactly the user's calls (plus the fee transfer).
    """
    mode = FeeMode.parse(fee_mode)
    if not isinstance(prepared, PreparedTransaction) or prepared.typed_data is None:
        raise PolicyViolation("the build result carries no typed data to check")
    chain = felt_of(chain_id, "chain_id")
    typed_data = prepared.typed_data
    domain = typed_data.get("domain")
    if not isinstance(domain, Mapping) or _chain_of(domain.get("chainId")) != chain:
        raise PolicyViolation("Paymaster typed data domain chainId does not match the account's provider chain")
    oe, version, selectors = _outside_execution(typed_data)
    user_calls = normalize_calls(calls, require_calldata=False)
    expected = len(user_calls) + (0 if mode.is_sponsored else 1)
    if len(oe.calls) != expected:
        raise PolicyViolation(f"Provided calls are not strictly equal to the returned calls: "
                              f"Expected {expected} calls, got {len(oe.calls)}")
    for i, (mine, theirs) in enumerate(zip(user_calls, oe.calls)):
        if mine.to_addr != theirs.to or selectors[i] != to_hex(mine.selector):
            raise PolicyViolation(f"Provided calls are not strictly equal to the returned calls: "
                                  f"call {i} targets another contract or entry point")
        if len(mine.calldata) != len(theirs.calldata):
            raise PolicyViolation(f"Provided calls are not strictly equal to the returned calls: "
                                  f"Calldata length mismatch at call {i}")
        for j, (a, b) in enumerate(zip(mine.calldata, theirs.calldata)):
            if a != b:
                raise PolicyViolation(f"Provided calls are not strictly equal to the returned calls: Calldata value "
                                      f"mismatch at call {i}, parameter {j}. Expected: {a}, Got: {b}")
    if not mode.is_sponsored:
        fee_call = oe.calls[-1]
        if fee_call.to != mode.gas_token:
            raise PolicyViolation("Gas token address is not equal to the provided gas token")
        if selectors[-1] != to_hex(TRANSFER_SELECTOR):
            raise PolicyViolation("Gas token call selector is not a transfer")
        if len(fee_call.calldata) != 3 or fee_call.calldata[1] + (fee_call.calldata[2] * _U128) != (
                prepared.fee.suggested_max_fee_in_gas_token) or fee_call.calldata[1] >= _U128:
            raise PolicyViolation("Gas token value is not equal to the provided gas fees")
        if fee_call.calldata[0] != oe.caller:
            raise PolicyViolation("the fee transfer does not go to the outside execution's caller (the forwarder)")
        if max_fee_in_gas_token is not None and prepared.fee.suggested_max_fee_in_gas_token > max_fee_in_gas_token:
            raise PolicyViolation("Gas token price is too high")
    if forwarder is not None and oe.caller != felt_of(forwarder, "forwarder"):
        raise PolicyViolation(f"the outside execution's caller {to_hex(oe.caller)} is not the expected forwarder")
    return oe, version


# --------------------------------------------------------------------------- the session flow

async def execute_sponsored(
    session: Session,
    session_key: SessionKey | None,
    calls: object,
    cosigner: Cosigner,
    paymaster: PaymasterClient,
    *,
    fee_mode: FeeMode | str | Mapping[str, Any],
    time_bounds: TimeBounds | None = None,
    cache_authorization: bool = False,
    account_version: str = "0.4",
    owner_guid: int | None = None,
    forwarder: int | str | None = None,
    max_fee_in_gas_token: int | None = None,
    fee_limits: FeeLimits | None = None,
    now: int | float | None = None,
    allow_expired: bool = False,
) -> ExecutionResult:
    """Execute ``calls`` from the session's account through a SNIP-29 paymaster (x-sessions 9
    ``signOutsideExecution`` over the paymaster's typed data).

    1. The session must not have expired at ``now`` (nor before ``time_bounds.execute_before``); the
       calls must be allowed by the session and must not call the account itself.
    2. ``paymaster_buildTransaction``; the result must be an ``invoke`` whose typed data is exactly
       the calls, plus in ``default`` mode only the ``transfer`` of the suggested fee in the gas token
       to the forwarder (:func:`check_prepared_transaction`), with the requested time bounds and fee
       mode; the fee transfer must be an allowed method of the session, and within
       ``max_fee_in_gas_token`` and ``fee_limits`` when given; its ``execute_before`` may not be
       later than the session's expiry.
    3. The session key signs the typed data's message hash, the guardian co-signs
       (``/cosigner/signSessionEFO`` with the typed data as received), then
       ``paymaster_executeTransaction``.

    :param now: the time the session's expiry is checked against (``None``: the wall clock; relayers
        pass the block time). :param allow_expired: skip the expiry checks.
    :raises SessionExpired: the session expired at ``now``, or the outside execution would outlive it
        (raised before the build request, or, for the paymaster's own ``execute_before``, before signing).
    :raises PolicyViolation: any check of steps 1–2 (nothing is signed).
    :raises PaymasterError: the paymaster failed or refused. :raises CosignerError: the guardian failed.
    :return: the transaction hash and tracking id.
    """
    if not isinstance(paymaster, PaymasterClient):
        raise TransactionError(f"paymaster must be a PaymasterClient, got {type(paymaster).__name__}")
    mode = FeeMode.parse(fee_mode)
    if time_bounds is not None and not isinstance(time_bounds, TimeBounds):
        raise TransactionError(f"time_bounds must be TimeBounds, got {type(time_bounds).__name__}")
    ctx = SessionContext(session, session_key, SigningOptions(cache_authorization, account_version, owner_guid))
    ctx.check_not_expired(now=now, allow_expired=allow_expired,
                          execute_before=None if time_bounds is None else time_bounds.execute_before)
    user_calls = normalize_calls(_calls_list(calls), require_calldata=False)
    if not user_calls:
        raise TransactionError("calls must not be empty")
    for i, call in enumerate(user_calls):
        if call.to_addr == session.address:
            raise PolicyViolation(f"calls[{i}] targets the account itself (argent/no-multicall-to-self)")
    ctx.proofs_felts(user_calls)
    prepared = await paymaster.build_transaction(user_address=session.address_hex, calls=calls, fee_mode=mode,
                                                 time_bounds=time_bounds)
    if prepared.type != "invoke":
        raise PolicyViolation(f"the paymaster answered a {prepared.type} build for an invoke")
    if prepared.parameters.fee_mode != mode:
        raise PolicyViolation("the paymaster changed the fee mode")
    oe, version = check_prepared_transaction(prepared, user_calls, mode, session.chain_id,
                                             max_fee_in_gas_token=max_fee_in_gas_token, forwarder=forwarder)
    if time_bounds is not None and (oe.execute_after, oe.execute_before) != (
            time_bounds.execute_after, time_bounds.execute_before):
        raise PolicyViolation("the paymaster changed the time bounds")
    ctx.check_not_expired(now=now, allow_expired=allow_expired, execute_before=oe.execute_before)
    if not mode.is_sponsored and fee_limits is not None:
        assert mode.gas_token is not None
        fee_limits.check_amount(mode.gas_token, prepared.fee.suggested_max_fee_in_gas_token, what="paymaster fee")
    proofs = ctx.proofs_felts(oe.starknet_calls())  # the fee transfer too: PolicyViolation if not allowed
    assert prepared.typed_data is not None
    typed_data = prepared.typed_data
    message_hash = outside_execution_message_hash(oe, session.address, session.chain_id, version)
    if TypedData.from_dict(typed_data).message_hash(session.address) != message_hash:
        raise PolicyViolation("the paymaster's typed data does not hash as its outside execution")
    signature = await ctx.sign_with_cosigner(
        message_hash, proofs,
        lambda info: cosigner.sign_session_outside_execution(GuardianOutsideExecutionRequest(
            info, session.address, session.chain_id, typed_data, message_hash,
            account_address_text=session.address_hex)))
    return await paymaster.execute_transaction(prepared, signature)

