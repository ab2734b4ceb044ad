"""Real HTTP servers on 127.0.0.1 for network tests: Starknet JSON-RPC, cosigner and paymaster stubs.

Tests start it, point starknet-py's ``FullNodeClient`` (or our ``ArgentCosigner``) at ``server.url``
and afterwards assert on ``server.requests``: the exact JSON bodies the client sent. No
monkeypatching of client internals is involved — the bytes really cross a socket.

Usage::

    with LoopbackServer(json_rpc({"starknet_chainId": lambda params: "0x534e5f5345504f4c4941"})) as node:
        client = FullNodeClient(node_url=node.url)

A route handler receives the parsed JSON body (or ``None`` if it is not JSON) and returns either a
JSON-serialisable value (sent with status 200) or a ``Reply(status, body_bytes_or_json, delay, headers)``.

:class:`AsyncLoopbackServer` is the same on aiohttp, inside the test's event loop (``async with``):
delays do not block, so it serves thousands of concurrent requests (cosigner load tests). Its
handlers may also be coroutines.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from aiohttp import web

Handler = Callable[[Any], Any]


@dataclass
class Reply:
    """An explicit HTTP answer: status, body (bytes are sent raw, anything else as JSON), delay, headers."""

    status: int = 200
    body: Any = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


@dataclass
class Request:
    path: str
    body: Any
    raw: bytes
    headers: dict[str, str] = field(default_factory=dict)


def json_rpc(methods: dict[str, Callable[[Any], Any]]) -> dict[str, Handler]:
    """Routes for a JSON-RPC 2.0 endpoint at "/" (and "/rpc"): ``methods[name](params) -> result``.

    A method not in ``methods`` answers the JSON-RPC error -32601. A method function may raise
    ``RpcError(code, message)`` to answer an error.
    """

    def handle(body: Any) -> Any:
        if isinstance(body, list):
            return [handle(item) for item in body]
        rid = body.get("id") if isinstance(body, dict) else None
        name = body.get("method") if isinstance(body, dict) else None
        fn = methods.get(name)  # type: ignore[arg-type]
        if fn is None:
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": f"Method not found: {name}"}}
        try:
            return {"jsonrpc": "2.0", "id": rid, "result": fn(body.get("params"))}
        except RpcError as exc:
            error: dict[str, Any] = {"code": exc.code, "message": exc.message}
            if exc.data is not None:
                error["data"] = exc.data
            return {"jsonrpc": "2.0", "id": rid, "error": error}

    return {"/": handle, "/rpc": handle}


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class _Recorder:
    """The request log both servers keep."""

    requests: list[Request]

    def bodies(self, path: str | None = None) -> list[Any]:
        """Parsed JSON bodies received (optionally only those sent to ``path``)."""
        return [r.body for r in self.requests if path is None or r.path == path]

    def rpc_calls(self, method: str | None = None) -> list[Any]:
        """JSON-RPC request objects received (optionally only those of ``method``)."""
        out = []
        for body in self.bodies():
            for item in body if isinstance(body, list) else [body]:
                if isinstance(item, dict) and "method" in item and (method is None or item["method"] == method):
                    out.append(item)
        return out


class LoopbackServer(_Recorder):
    """Threaded HTTP server on an ephemeral loopback port; a context manager."""

    def __init__(self, routes: dict[str, Handler]) -> None:
        self.routes = routes
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class _H(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                with server._lock:
                    server.requests.append(Request(self.path, body, raw, dict(self.headers)))
                handler = server.routes.get(self.path.split("?")[0])
                if handler is None:
                    self._send(Reply(404, {"error": f"no route {self.path}"}))
                    return
                result = handler(body)
                self._send(result if isinstance(result, Reply) else Reply(200, result))

            do_GET = do_POST  # noqa: N815

            def _send(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.payload()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class AsyncLoopbackServer(_Recorder):
    """aiohttp server on an ephemeral loopback port, in the running event loop (``async with``)."""

    def __init__(self, routes: dict[str, Handler]) -> None:
        self.routes = routes
        self.requests: list[Request] = []
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        self._port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self.requests.append(Request(request.path, body, raw, dict(request.headers)))
        handler = self.routes.get(request.path)
        if handler is None:
            return web.json_response({"error": f"no route {request.path}"}, status=404)
        result = handler(body)
        if inspect.isawaitable(result):
            result = await result
        reply = result if isinstance(result, Reply) else Reply(200, result)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return web.Response(body=reply.payload(), status=reply.status, content_type="application/json",
                            headers=reply.headers)

    async def __aenter__(self) -> "AsyncLoopbackServer":
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self._runner.cleanup()


def cosigner_sign_session(guardian_private_key: int) -> Callable[[Any], Any]:
    """A ``/cosigner/signSession`` handler: recomputes the transaction hash from the body with this
    library's (native) hashing and answers the guardian's signature over the session-token message.
    Fast enough for load tests; the starknet-py stub of ``test_argent_cosigner`` is the independent check."""
    from xsessions_core.crypto import message_signature, poseidon_hash_many, private_to_stark_key
    from xsessions_core.transactions import calculate_invoke_v3_hash

    public_key = private_to_stark_key(guardian_private_key)

    def handle(body: Any) -> Any:
        tx, session = body["transaction"], body["session"]
        tx_hash = calculate_invoke_v3_hash(
            sender_address=tx["sender_address"], calldata=[int(v) for v in tx["calldata"]], chain_id=tx["chain_id"],
            nonce=tx["nonce"], resource_bounds=tx["resource_bounds"], tip=tx["tip"],
            paymaster_data=tx["paymaster_data"], account_deployment_data=tx["account_deployment_data"],
            nonce_da_mode=tx["nonce_data_availability_mode"], fee_da_mode=tx["fee_data_availability_mode"],
            version=tx["version"])
        message = poseidon_hash_many([tx_hash, int(session["sessionHash"], 16), int(session["cacheAuthorisation"])])
        r, s = message_signature(message, guardian_private_key)
        return {"signature": {"publicKey": hex(public_key), "r": hex(r), "s": hex(s)}}

    return handle


def cosigner_sign_session_efo(guardian_private_key: int) -> Callable[[Any], Any]:
    """A ``/cosigner/signSessionEFO`` handler: the guardian's signature over the session-token message
    of the SNIP-9 typed data in the body (its message hash for the body's account)."""
    from xsessions_core.crypto import message_signature, poseidon_hash_many, private_to_stark_key
    from xsessions_core.typed_data import get_message_hash

    public_key = private_to_stark_key(guardian_private_key)

    def handle(body: Any) -> Any:
        message, session = body["message"], body["session"]
        message_hash = get_message_hash(message["message"], int(message["accountAddress"], 16))
        token = poseidon_hash_many([message_hash, int(session["sessionHash"], 16), int(session["cacheAuthorisation"])])
        r, s = message_signature(token, guardian_private_key)
        return {"signature": {"publicKey": hex(public_key), "r": hex(r), "s": hex(s)}}

    return handle


class Snip29Paymaster:
    """A sponsoring SNIP-29 paymaster (JSON-RPC at ``/``): ``paymaster_buildTransaction`` answers the
    SNIP-9 v2 typed data of exactly the requested calls, with ``forwarder`` as caller;
    ``paymaster_executeTransaction`` records the signed typed data and answers ``transaction_hash``.

    ``alter(answer)`` may change each build answer (a malicious paymaster). Use ``routes`` with
    :class:`LoopbackServer` or :class:`AsyncLoopbackServer`.
    """

    def __init__(self, chain_id: int, forwarder: int = 0x127021A1B5A52D3174C2AB077C2B043C80369250D29428CEE956D76EE51584F,
                 transaction_hash: int = 0xABC, alter: Callable[[Any], Any] | None = None) -> None:
        self.chain_id, self.forwarder, self.transaction_hash, self.alter = chain_id, forwarder, transaction_hash, alter
        self.executed: list[Any] = []
        self.routes = json_rpc({"paymaster_isAvailable": lambda params: True,
                                "paymaster_buildTransaction": self._build,
                                "paymaster_executeTransaction": self._execute})

    def _build(self, params: Any) -> Any:
        from xsessions_core.sessions.outside_execution import (
            OutsideCall,
            OutsideExecution,
            get_outside_execution_typed_data,
        )

        calls = tuple(OutsideCall(int(c["to"], 16), int(c["selector"], 16), tuple(int(v, 0) for v in c["calldata"]))
                      for c in params["transaction"]["invoke"]["calls"])
        bounds = params["parameters"].get("time_bounds") or {"execute_after": 1,
                                                             "execute_before": int(time.time()) + 600}
        execution = OutsideExecution(self.forwarder, len(self.executed) + 1, bounds["execute_after"],
                                     bounds["execute_before"], calls)
        fee = {k: "0x1" for k in ("gas_token_price_in_strk", "estimated_fee_in_strk", "estimated_fee_in_gas_token",
                                  "suggested_max_fee_in_strk", "suggested_max_fee_in_gas_token")}
        answer = {"type": "invoke", "typed_data": get_outside_execution_typed_data(execution, self.chain_id),
                  "parameters": params["parameters"], "fee": fee}
        return answer if self.alter is None else self.alter(answer)

    def _execute(self, params: Any) -> Any:
        self.executed.append(params["transaction"]["invoke"])
        return {"tracking_id": hex(len(self.executed)), "transaction_hash": hex(self.transaction_hash)}
