"""A real HTTP server on 127.0.0.1 for network tests: Starknet JSON-RPC and cosigner stubs.

Tests start it, point starknet-py's ``FullNodeClient`` (or our ``ArgentCosigner``) at ``server.url``
and afterwards assert on ``server.requests``: the exact JSON bodies the client sent. No
monkeypatching of client internals is involved — the bytes really cross a socket.

Usage::

    with LoopbackServer(json_rpc({"starknet_chainId": lambda params: "0x534e5f5345504f4c4941"})) as node:
        client = FullNodeClient(node_url=node.url)

A route handler receives the parsed JSON body (or ``None`` if it is not JSON) and returns either a
JSON-serialisable value (sent with status 200) or a ``Reply(status, body_bytes_or_json, delay)``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

Handler = Callable[[Any], Any]


@dataclass
class Reply:
    """An explicit HTTP answer: status, body (bytes are sent raw, anything else as JSON), delay."""

    status: int = 200
    body: Any = None
    delay: float = 0.0


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
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": exc.code, "message": exc.message}}

    return {"/": handle, "/rpc": handle}


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class LoopbackServer:
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
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
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

    def __enter__(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
