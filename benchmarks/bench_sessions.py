"""Session-signed invoke v3 throughput: native vs Python backend, 1 vs 2 threads.

Per transaction (per-session work cached in a ``SessionContext``): ``__execute__`` calldata of 3
calls (their amounts differ from one transaction to the next), the invoke v3 hash, the token
message, the local guardian's signature, the session key's signature and the signature array —
:meth:`SessionContext.sign_invoke_v3`, one backend call per transaction. The session has 8
allowed methods. ``sign_one_stepwise`` is the same work through the step-by-step API
(:func:`calculate_invoke_v3_hash`, then :func:`build_session_signature`).

Run as a script for a report (``python benchmarks/bench_sessions.py``), or with pytest-benchmark
(``pytest benchmarks/bench_sessions.py``).
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from starknet_py.net.client_models import Call

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from a checkout

from xsessions_core import crypto  # noqa: E402
from xsessions_core.sessions import (  # noqa: E402
    LocalGuardian,
    Session,
    SessionContext,
    SessionKey,
    build_session_signature,
    compile_session,
    create_session,
    create_session_request,
    session_hash_from_onchain,
)
from xsessions_core.transactions import InvokeV3, calculate_invoke_v3_hash, get_execute_calldata  # noqa: E402

CHAIN = 0x534E5F5345504F4C4941
ACCOUNT = 0x4B1D6B8F1F2C36A5A5E1D09F8C3F3C1E4A2B6D7E8F9A0B1C2D3E4F5A6B7C8D9
OWNER_KEY = 0x3C1E2B5A9F8D7C6B5A4E3D2C1B0A9F8E7D6C5B4A39281706F5E4D3C2B1A0987
GUARDIAN_KEY = 0x5A4B3C2D1E0F9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F1A0B9C8D7E6F5A4
SESSION_KEY = 0x1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF1234567890ABCD
BOUNDS = {
    "l1_gas": {"max_amount": 0x2710, "max_price_per_unit": 0x5AF3107A4000},
    "l2_gas": {"max_amount": 0x1E8480, "max_price_per_unit": 0x2540BE400},
    "l1_data_gas": {"max_amount": 0x100, "max_price_per_unit": 0x3B9ACA00},
}
NAMES = ["transfer", "approve", "mint", "swap", "claim", "set_value", "play_move", "burn"]


def make_session(session_key: Any = None) -> Session:
    """A session with 8 allowed methods (``NAMES`` on contracts 0x1000...), Stark owner and guardian;
    its session key is ``session_key`` (any signing key) or the Stark ``SESSION_KEY``."""
    methods = [{"Contract Address": hex(0x1000 + i), "selector": name} for i, name in enumerate(NAMES)]
    key = SessionKey(SESSION_KEY) if session_key is None else session_key
    req = create_session_request(CHAIN, key, methods, 1800000000, {"projectID": "bench"})
    session_hash = session_hash_from_onchain(compile_session(req.offchain_session), ACCOUNT, CHAIN)
    auth = [*crypto.message_signature(session_hash, OWNER_KEY), *crypto.message_signature(session_hash, GUARDIAN_KEY)]
    return create_session(ACCOUNT, auth, req, CHAIN)


def make_calls(i: int) -> list[Call]:
    """The 3 calls of transaction ``i`` (allowed by the session; amounts depend on ``i``)."""
    return [
        Call(to_addr=0x1000, selector=crypto.get_selector_from_name("transfer"), calldata=[0x123, 1000 + i, 0]),
        Call(to_addr=0x1003, selector=crypto.get_selector_from_name("swap"), calldata=[1, 2, 3, i]),
        Call(to_addr=0x1006, selector=crypto.get_selector_from_name("play_move"), calldata=[i % 9]),
    ]


def sign_one(ctx: SessionContext, guardian: LocalGuardian, calls: list[Call], nonce: int) -> list[int]:
    """One session-signed invoke v3 (hash, token message, both signatures, array): one backend call."""
    return ctx.sign_invoke_v3(calls, nonce=nonce, resource_bounds=BOUNDS, guardian=guardian)[1]


def sign_one_stepwise(ctx: SessionContext, guardian: LocalGuardian, calls: list[Call], nonce: int) -> list[int]:
    """The same signature through the step-by-step API (five backend calls)."""
    tx_hash = calculate_invoke_v3_hash(sender_address=ACCOUNT, calldata=get_execute_calldata(calls), chain_id=CHAIN,
                                       nonce=nonce, resource_bounds=BOUNDS)
    return build_session_signature(ctx, tx_hash, calls, guardian.sign_token_message)


def sign_range(ctx: SessionContext, guardian: LocalGuardian, work: list[list[Call]], nonces: range,
               sign: Callable[..., list[int]] = sign_one) -> int:
    for nonce in nonces:
        sign(ctx, guardian, work[nonce], nonce)
    return len(nonces)


def best_rates(runs: dict[str, Callable[[], object]], n: int, rounds: int = 5) -> dict[str, float]:
    """Items per second of each ``runs[name]()`` (``n`` items per run), best of ``rounds``.

    The runs take turns round after round, so that on a shared, noisy machine every variant sees
    the same conditions (a ratio of two rates is then meaningful).
    """
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: n / t for name, t in best.items()}


def in_threads(fn: Callable[[object], object], chunks: list, threads: int = 2) -> None:  # type: ignore[type-arg]
    """``fn(chunk)`` for every chunk on a pool of ``threads`` threads."""
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(fn, chunks))


def _signing_setup(n: int) -> tuple[SessionContext, LocalGuardian, list[list[Call]]]:
    ctx, guardian = SessionContext(make_session()), LocalGuardian(GUARDIAN_KEY)
    work = [make_calls(i) for i in range(n)]
    sign_range(ctx, guardian, work, range(5))  # warm-up
    return ctx, guardian, work


def throughputs(n: int, rounds: int = 5) -> dict[str, float]:
    """Session-signed invoke v3 per second on one thread: one call per transaction, and the
    step-by-step API (best of ``rounds``)."""
    ctx, guardian, work = _signing_setup(n)
    return best_rates({
        "1 thread": lambda: sign_range(ctx, guardian, work, range(n)),
        "stepwise": lambda: sign_range(ctx, guardian, work, range(n), sign_one_stepwise),
    }, n, rounds)


def thread_work(n: int) -> dict[str, tuple[Callable[[Sequence[Any]], object], Sequence[Any]]]:
    """:func:`two_thread_rounds` work for signing: the reference, ``sign_invoke_v3`` on ``n``
    transactions, and the same backend calls on prepared inputs (no Python work around them)."""
    ctx, guardian, work = _signing_setup(n)
    backend = crypto.unchecked
    inputs = [InvokeV3(ACCOUNT, get_execute_calldata(c), i, BOUNDS, chain_id=CHAIN).hash_row() for i, c in enumerate(work)]

    def native_only(part: Sequence[Any]) -> None:
        for item in part:
            backend.session_sign_invoke_v3([item], ctx.session_hash, 0, SESSION_KEY, GUARDIAN_KEY)

    return {
        "reference": (reference_work, range(n)),
        "sign_invoke_v3": (lambda nonces: sign_range(ctx, guardian, work, nonces), range(n)),
        "the same native calls alone": (native_only, inputs),
    }


@pytest.mark.parametrize("sign", [sign_one, sign_one_stepwise], ids=["one_call", "stepwise"])
def test_bench_session_invoke_native(benchmark, sign) -> None:  # type: ignore[no-untyped-def]
    previous = crypto.use_backend("native")
    try:
        ctx, guardian = SessionContext(make_session()), LocalGuardian(GUARDIAN_KEY)
        work = [make_calls(i) for i in range(1000)]
        nonce = iter(range(10**9))
        sig = benchmark(lambda: (i := next(nonce), sign(ctx, guardian, work[i % 1000], i))[1])
        assert sig[0] == 0x73657373696F6E2D746F6B656E
    finally:
        crypto.use_backend(previous)


def reference_work(items: Sequence[object]) -> None:
    """The machine reference for two-thread scaling: GIL-free C work that is not ours. One
    PBKDF2-HMAC-SHA256 of 300 iterations per item (about 0.2 ms, like one session transaction),
    which CPython's ``hashlib`` runs with the GIL released."""
    for _ in items:
        hashlib.pbkdf2_hmac("sha256", b"reference", b"salt", 300)


def two_thread_rounds(work: dict[str, tuple[Callable[[Sequence[Any]], object], Sequence[Any]]],
                      rounds: int, pieces: int = 16) -> dict[str, list[tuple[float, float]]]:
    """``(1-thread seconds, 2-thread seconds)`` per round for every ``name: (fn, items)``: ``fn(items)``
    on one thread, then two threads taking ``fn``'s work from a shared queue of ``pieces`` slices
    of ``items`` (a pool, as a relayer would run it: a thread that is slowed down by the machine
    takes fewer pieces instead of leaving the other one waiting at the end).

    Within a round every variant runs back to back, the reference first, so that the ratios of one
    round are measured under the same machine conditions (on a shared VM they change from one
    second to the next) and can be compared with each other; 1 and 2 threads swap order every round.
    """
    def timed(run: Callable[[], object]) -> float:
        start = time.perf_counter()
        run()
        return time.perf_counter() - start

    out: dict[str, list[tuple[float, float]]] = {name: [] for name in work}
    for i in range(rounds):
        for name, (fn, items) in work.items():
            size = -(-len(items) // pieces)
            one_thread = lambda: fn(items)  # noqa: E731
            two_threads = lambda: in_threads(fn, [items[j:j + size] for j in range(0, len(items), size)])  # noqa: E731
            if i % 2:  # alternate the order, so that neither variant always runs second
                two = timed(two_threads)
                one = timed(one_thread)
            else:
                one = timed(one_thread)
                two = timed(two_threads)
            out[name].append((one, two))
    return out


def scaling_report(times: dict[str, list[tuple[float, float]]], ours: str, label: str) -> list[str]:
    """Lines summarising :func:`two_thread_rounds` for ``ours`` against the ``"reference"`` entry:
    medians of the per-round ratios, and the median over the rounds in which the reference itself
    scaled by at least 1.8x (rounds in which the VM ran the two threads on two full cores)."""
    ratios = {name: [one / two for one, two in t] for name, t in times.items()}
    ref, mine = ratios["reference"], ratios[ours]
    good = [m for m, r in zip(mine, ref) if r >= 1.8]
    lines = [f"{label}, 2 threads / 1 thread: {spread(mine)}   target >= 1.7",
             f"  reference (PBKDF2 in hashlib, GIL released), same rounds: {spread(ref)}",
             f"  {label} relative to the reference, per round: {spread([m / r for m, r in zip(mine, ref)])}"]
    lines.append(f"  rounds where the reference scaled >= 1.8x: {len(good)} of {len(ref)}"
                 + (f"; {label} there: {spread(good)}" if good else ""))
    for name, values in ratios.items():
        if name not in (ours, "reference"):
            lines.append(f"  {name}, same rounds: {spread(values)}")
    return lines


def spread(values: list[float]) -> str:
    """``median (min-max, n)`` of ratios."""
    v = sorted(values)
    return f"x{statistics.median(v):.2f} (x{v[0]:.2f}-x{v[-1]:.2f}, {len(v)})"


def main(rounds: int = 40) -> None:
    import warnings

    warnings.simplefilter("ignore", RuntimeWarning)  # "Python backend is not constant time"
    for backend, n in (("native", 1000), ("python", 40)):
        if backend not in crypto.available_backends():
            print(f"{backend}: not available")
            continue
        crypto.use_backend(backend)
        if backend == "python":  # threads cannot help the Python backend (it holds the GIL)
            r = throughputs(n, rounds=1)
            print(f"python 1 thread : {r['1 thread']:9.1f} session-signed invoke v3 / s; stepwise {r['stepwise']:.1f} / s")
            continue
        r = throughputs(n, rounds=9)
        print(f"native 1 thread : {r['1 thread']:9.1f} session-signed invoke v3 / s (sign_invoke_v3: one backend "
              f"call each; best of 9)")
        print(f"native stepwise : {r['stepwise']:9.1f} / s (calculate_invoke_v3_hash + build_session_signature)")
        print("\n".join(scaling_report(two_thread_rounds(thread_work(n), rounds), "sign_invoke_v3", "sign_invoke_v3")))


if __name__ == "__main__":
    main()
