"""Throughput of session signing with a remote guardian (the Argent cosigner) over HTTP.

A loopback aiohttp cosigner answers every ``/cosigner/signSession`` after 50 ms (it recomputes the
transaction hash from the body and signs, like the real service); it runs in its own process on
127.0.0.1, as a remote service would, and stops with the run. The client —
:func:`~xsessions_core.sessions.sign_transactions_async` with an
:class:`~xsessions_core.sessions.argent_cosigner.ArgentCosigner` — runs on one thread with 128
requests in flight; the latency is hidden, not serialised. Goal: >= 1,000 transactions/s.

Besides transactions per second, it reports the client's CPU time per transaction (the process CPU
time of the client, ``time.process_time``; the cosigner's CPU is spent in the other process): on a
loaded machine the wall-clock rate depends on the neighbours, the CPU cost per transaction does not.

The fault run has 2 % of the answers HTTP 503 and 1 % never answered in time (the client times out
after 1 s and retries): every transaction must end signed (equal to the local-guardian signature)
or with a typed :class:`~xsessions_core.errors.CosignerError`, none lost, duplicated or reordered.

The pytest-benchmark group ``cosigner: sequential vs pooled`` times, against the same cosigner
process, one request at a time (``sequential``: each transaction waits for the previous answer) and
:data:`CONCURRENCY` requests in flight over the pooled connections (``pooled``); ``extra_info["items"]``
is the number of transactions of a round, so that the report shows seconds per transaction.

Run ``python benchmarks/bench_cosigner.py [n]`` for the numbers, or
``pytest benchmarks/bench_cosigner.py`` for pytest-benchmark timings.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sessions import BOUNDS, GUARDIAN_KEY, make_calls, make_session  # noqa: E402
from loopback import AsyncLoopbackServer, Reply, cosigner_sign_session  # noqa: E402

from xsessions_core.errors import CosignerError  # noqa: E402
from xsessions_core.sessions import LocalGuardian, SessionContext, sign_transactions_async  # noqa: E402
from xsessions_core.sessions.argent_cosigner import ArgentCosigner  # noqa: E402

LATENCY = 0.05
CONCURRENCY = 128
PATH = "/cosigner/signSession"


def transactions(n: int) -> list[dict[str, Any]]:
    return [{"calls": make_calls(i), "nonce": i, "resource_bounds": BOUNDS} for i in range(n)]


def cosigner_routes(fault_rate_503: float = 0.0, fault_rate_timeout: float = 0.0, seed: int = 7) -> dict[str, Any]:
    """The 50 ms cosigner, with optional random faults (a seeded generator: the same run each time)."""
    sign = cosigner_sign_session(GUARDIAN_KEY)
    rng = random.Random(seed)

    def handle(body: Any) -> Any:
        roll = rng.random()
        if roll < fault_rate_503:
            return Reply(503, {"status": "unavailable"}, delay=LATENCY)
        if roll < fault_rate_503 + fault_rate_timeout:
            return Reply(200, sign(body), delay=2.0)
        return Reply(200, sign(body), delay=LATENCY)

    return {PATH: handle}


def _serve(conn: Connection, fault_rate_503: float, fault_rate_timeout: float) -> None:
    """Child process: serve the cosigner until the parent says stop, then report the request count."""
    async def serve() -> None:
        async with AsyncLoopbackServer(cosigner_routes(fault_rate_503, fault_rate_timeout)) as server:
            conn.send(server.url)
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)
            conn.send(len(server.requests))

    asyncio.run(serve())


@contextmanager
def cosigner_process(fault_rate_503: float = 0.0, fault_rate_timeout: float = 0.0) -> Iterator[tuple[str, list[int]]]:
    """A loopback cosigner in a child process: yields its URL and a list that receives the number of
    requests it served when the block ends."""
    parent, child = multiprocessing.get_context("fork").Pipe()
    process = multiprocessing.get_context("fork").Process(
        target=_serve, args=(child, fault_rate_503, fault_rate_timeout), daemon=True)
    process.start()
    served: list[int] = []
    try:
        if not parent.poll(30):
            raise RuntimeError("the loopback cosigner did not start")
        yield parent.recv(), served
        parent.send("stop")
        if parent.poll(30):
            served.append(parent.recv())
    finally:
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()
            process.join()


@dataclass
class Measurement:
    """One run: the results, the wall time, and the CPU time of this (the client) process."""

    results: list[Any]
    seconds: float
    cpu_seconds: float
    served: int = -1

    @property
    def tx_per_second(self) -> float:
        return len(self.results) / self.seconds

    @property
    def cpu_ms_per_tx(self) -> float:
        """Client CPU per transaction: hashing, signing, HTTP, JSON, verification, all threads of
        this process (``time.process_time``); the cosigner's own CPU is in the other process."""
        return self.cpu_seconds * 1e3 / len(self.results)


async def run(n: int, url: str, *, timeout: float = 10.0, concurrency: int = CONCURRENCY) -> Measurement:
    """Sign ``n`` transactions through the cosigner at ``url`` with ``concurrency`` requests in flight
    (after a warm-up of one full window that opens the pool's connections)."""
    session = make_session()
    txs = transactions(n)
    async with ArgentCosigner(url, None, timeout=timeout, max_concurrency=concurrency,
                              verify_signature=False, max_attempts=4, backoff=0.05, max_backoff=1.0) as cosigner:
        await sign_transactions_async(session, None, txs[:concurrency], cosigner, concurrency=concurrency)
        cpu, start = time.process_time(), time.perf_counter()
        results = await sign_transactions_async(session, None, txs, cosigner, concurrency=concurrency)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return Measurement(results, elapsed, cpu)


def measure(n: int, fault_rate_503: float = 0.0, fault_rate_timeout: float = 0.0,
            timeout: float = 10.0, concurrency: int = CONCURRENCY) -> Measurement:
    """:func:`run` against a fresh cosigner process (``served``: its request count, warm-up included)."""
    with cosigner_process(fault_rate_503, fault_rate_timeout) as (url, served):
        result = asyncio.run(run(n, url, timeout=timeout, concurrency=concurrency))
    result.served = served[0] if served else -1
    return result


def check(results: list[Any], n: int) -> dict[str, int]:
    """Every result is the expected signature of its own transaction or a typed cosigner error."""
    expected = SessionContext(make_session()).sign_invoke_many(transactions(n), guardian=LocalGuardian(GUARDIAN_KEY))
    assert len(results) == n, "a transaction was lost or duplicated"
    counts = {"signed": 0, "typed_error": 0}
    for result, want in zip(results, expected):
        if isinstance(result, CosignerError):
            counts["typed_error"] += 1
        else:
            assert result == want, "a signature is not the one of its transaction (reordered?)"
            counts["signed"] += 1
    signed = [tuple(r) for r in results if not isinstance(r, CosignerError)]
    assert len(set(signed)) == len(signed), "duplicated signature"
    return counts


#: ``variant: (transactions per round, requests in flight)``; one request at a time takes the
#: 50 ms latency per transaction, so that variant signs fewer transactions per round.
VARIANTS = {"sequential": (16, 1), "pooled": (512, CONCURRENCY)}


@pytest.fixture(scope="module")
def cosigner_url() -> Iterator[str]:
    """One loopback cosigner process for every variant of the module (the same server for both)."""
    with cosigner_process() as (url, _):
        yield url


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_cosigner_throughput(benchmark: Any, cosigner_url: str, variant: str) -> None:
    """pytest-benchmark: transactions through the 50 ms cosigner, one at a time or pooled; the tx/s and
    the client CPU ms per transaction of the last round go to ``extra_info``."""
    n, concurrency = VARIANTS[variant]
    benchmark.group = "cosigner: sequential vs pooled"
    benchmark.extra_info.update(items=n, in_flight=concurrency)
    runs: list[Measurement] = []
    benchmark.pedantic(lambda: runs.append(asyncio.run(run(n, cosigner_url, concurrency=concurrency))),
                       rounds=3, iterations=1)
    benchmark.extra_info.update(tx_per_second=round(runs[-1].tx_per_second),
                                client_cpu_ms_per_tx=round(runs[-1].cpu_ms_per_tx, 3))
    assert check(runs[-1].results, n)["signed"] == n


def report(label: str, m: Measurement) -> str:
    n = len(m.results)
    return (f"{label}: {n} tx in {m.seconds:.2f} s = {m.tx_per_second:,.0f} tx/s, client CPU "
            f"{m.cpu_ms_per_tx:.3f} ms/tx ({m.served} requests) {check(m.results, n)}")


def main() -> None:
    import warnings

    warnings.simplefilter("ignore", RuntimeWarning)
    logging.getLogger("xsessions_core.cosigner").setLevel(logging.ERROR)  # retries show in the request count
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    sequential = measure(VARIANTS["sequential"][0], concurrency=1)
    print(report("50 ms cosigner, one request at a time", sequential))
    pooled = measure(n)
    print(report(f"50 ms cosigner, concurrency {CONCURRENCY}, one thread", pooled))
    print(f"pooled / sequential: x{pooled.tx_per_second / sequential.tx_per_second:.1f}")
    print(report("with 2% 503 and 1% timeouts (1 s, up to 4 attempts)", measure(n, 0.02, 0.01, timeout=1.0)))


if __name__ == "__main__":
    main()
