"""Session-transaction verification over worker processes: 1 process vs 2 (``verify_parallel``).

Both variants verify the same 1,024 session-signed invoke v3 transactions (3 calls each,
authorisation cached per worker): "1 process" is :func:`verify_parallel` with ``processes=1``
(in this process, no pool); "2 processes" sends chunks of 64 to a warm pool of two workers. Next
to them, in the same rounds, the same split of GIL-free standard-library work that is not ours
(:func:`bench_sessions.reference_work`, PBKDF2 in ``hashlib``) shows what two processes can gain on
this machine at that moment; on a shared VM that changes from one second to the next, so only
ratios measured in the same round are compared.

Run ``python benchmarks/bench_parallel.py`` for the numbers (paired rounds), or
``pytest benchmarks/bench_parallel.py`` for pytest-benchmark timings: groups ``verify over processes``
and ``reference over processes``, entries ``1 process`` / ``2 processes``, per transaction
(``extra_info["items"]``).
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_relayer import BLOCK_TIME, setup  # noqa: E402
from bench_sessions import CHAIN, reference_work, spread  # noqa: E402

from xsessions_core import crypto  # noqa: E402
from xsessions_core.relayer import verify_parallel  # noqa: E402

CHUNK = 64


def _reference_piece(n: int) -> int:
    """Worker side of the reference: ``n`` items of :func:`reference_work`."""
    reference_work(range(n))
    return n


def _verify(env: dict[str, Any], txs: list[dict[str, Any]], **kwargs: Any) -> None:
    account = env["account"]
    verdicts = verify_parallel(txs, account_for={account.address: account}, chain_id=CHAIN,
                               block_timestamp=BLOCK_TIME, chunk_size=CHUNK, **kwargs)
    assert all(v.valid for v in verdicts), verdicts[0]


def _reference_pool(pool: ProcessPoolExecutor, n: int) -> None:
    sizes = [min(CHUNK, n - start) for start in range(0, n, CHUNK)]
    assert sum(pool.map(_reference_piece, sizes)) == n


# --------------------------------------------------------------------------- pytest-benchmark

N_PYTEST = 256
PROCESSES = pytest.mark.parametrize("processes", [1, 2], ids=["1 process", "2 processes"])


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    """A pool of two workers shared by the 2-process entries (started and warmed by the first use)."""
    with ProcessPoolExecutor(2) as executor:
        yield executor


@PROCESSES
def test_bench_verify_processes(benchmark: Any, pool: ProcessPoolExecutor, processes: int) -> None:
    """:func:`verify_parallel` on :data:`N_PYTEST` transactions: in this process, or over two workers."""
    env = setup(N_PYTEST)
    kwargs: dict[str, Any] = {"processes": 1} if processes == 1 else {"executor": pool}
    _verify(env, env["signed"], **kwargs)  # warm-up: caches, and both workers started
    benchmark.group = "verify over processes"
    benchmark.extra_info["items"] = N_PYTEST
    benchmark(_verify, env, env["signed"], **kwargs)


@PROCESSES
def test_bench_reference_processes(benchmark: Any, pool: ProcessPoolExecutor, processes: int) -> None:
    """The same split of GIL-free standard-library work (:func:`bench_sessions.reference_work`): what two
    processes can gain on this machine during the run."""
    run: Callable[[], object] = ((lambda: reference_work(range(N_PYTEST))) if processes == 1
                                 else (lambda: _reference_pool(pool, N_PYTEST)))
    run()
    benchmark.group = "reference over processes"
    benchmark.extra_info["items"] = N_PYTEST
    benchmark(run)


# --------------------------------------------------------------------------- script

def rounds_of(work: dict[str, tuple[Callable[[], object], Callable[[], object]]],
              rounds: int) -> dict[str, list[tuple[float, float]]]:
    """``(1-process seconds, 2-process seconds)`` per round for every ``name: (one, two)``; within a
    round the variants run back to back, the reference first; the order of 1 and 2 alternates."""
    def timed(run: Callable[[], object]) -> float:
        start = time.perf_counter()
        run()
        return time.perf_counter() - start

    out: dict[str, list[tuple[float, float]]] = {name: [] for name in work}
    for i in range(rounds):
        for name, (one, two) in work.items():
            if i % 2:
                t2 = timed(two)
                t1 = timed(one)
            else:
                t1 = timed(one)
                t2 = timed(two)
            out[name].append((t1, t2))
    return out


def main(rounds: int = 20) -> None:
    n = 1024
    env = setup(n)
    signed = env["signed"]
    print(f"backend {crypto.BACKEND}, {n} invoke v3 transactions x 3 calls, chunks of {CHUNK}, {rounds} rounds")
    with ProcessPoolExecutor(2) as pool:
        for _ in range(2):  # start both workers, warm their caches
            _verify(env, signed, executor=pool)
            _reference_pool(pool, 2 * CHUNK)
        _verify(env, signed[:8], processes=1)
        times = rounds_of({
            "reference": (lambda: reference_work(range(n)), lambda: _reference_pool(pool, n)),
            "verify": (lambda: _verify(env, signed, processes=1), lambda: _verify(env, signed, executor=pool)),
        }, rounds)
    ratios = {name: [one / two for one, two in t] for name, t in times.items()}
    best_one = min(one for one, _ in times["verify"])
    best_two = min(two for _, two in times["verify"])
    print(f"verify, 1 process:   {n / best_one:8.0f} tx/s (best round)")
    print(f"verify, 2 processes: {n / best_two:8.0f} tx/s (best round)")
    print(f"verify, 2 processes / 1 process: {spread(ratios['verify'])}")
    print(f"  reference (PBKDF2 in hashlib), same split, same rounds: {spread(ratios['reference'])}")
    print(f"  verify relative to the reference, per round: "
          f"{spread([m / r for m, r in zip(ratios['verify'], ratios['reference'])])}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
