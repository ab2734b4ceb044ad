"""Relayer throughput: verifying and signing session invoke v3 transactions (3 calls each).

Targets (native backend): verification >= 1,500 tx/s on one core (authorisation cached per session)
and >= 1.7x that with two threads; ``SessionSigner.sign_transactions`` >= 3,000 tx/s per core and
>= 1.3x the one-at-a-time path.

Run ``python benchmarks/bench_relayer.py`` for the numbers, or
``pytest benchmarks/bench_relayer.py`` for pytest-benchmark timings.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xsessions_core import crypto  # noqa: E402
from xsessions_core.relayer import AccountInfo, SessionSigner, verify_session_transactions_batch  # noqa: E402
from xsessions_core.sessions.guardian import LocalGuardian  # noqa: E402
from xsessions_core.sessions.objects import SessionKey  # noqa: E402
from xsessions_core.sessions.session import (  # noqa: E402
    compile_session,
    create_session,
    create_session_request,
    session_hash_from_onchain,
)
from xsessions_core.sessions.token import SessionContext, build_session_signature  # noqa: E402
from xsessions_core.transactions import calculate_invoke_v3_hash, get_execute_calldata  # noqa: E402

CHAIN = 0x534E5F5345504F4C4941
ACCOUNT = 0x4DDBEEDDF59DB91EB3A68028ABC6038B8F3F1472EB3A75A870A8223FBCA188
DEX = 0x9391BE9BFC6AD5F72F7EED2788A467C7BAD1400E098229CDB00E1B13F915
BOUNDS = {"l1_gas": {"max_amount": 0, "max_price_per_unit": 0},
          "l2_gas": {"max_amount": 10**7, "max_price_per_unit": 10**9},
          "l1_data_gas": {"max_amount": 512, "max_price_per_unit": 10**8}}
BLOCK_TIME = 1_900_000_000


def setup(n: int) -> dict[str, Any]:
    owner, guardian, key = SessionKey(0xA11CE), SessionKey(0xB0B), SessionKey(0xC0FFEE)
    methods = [{"Contract Address": hex(DEX), "selector": name} for name in ("swap", "stake", "approve")]
    request = create_session_request(CHAIN, key, methods, 2_000_000_000, {"projectID": "bench", "txFees": []})
    h = session_hash_from_onchain(compile_session(request.offchain_session), ACCOUNT, CHAIN)
    auth = [*crypto.message_signature(h, owner.private_key), *crypto.message_signature(h, guardian.private_key)]
    session = create_session(ACCOUNT, auth, request, CHAIN)
    calls = [{"contractAddress": hex(DEX), "entrypoint": name, "calldata": [7, 8]} for name in ("swap", "stake", "approve")]
    txs = [{"calls": calls, "nonce": i, "resource_bounds": BOUNDS} for i in range(n)]
    signer = SessionSigner(session, None, LocalGuardian(guardian.private_key))
    calldata = get_execute_calldata(calls)
    signed = [{"sender_address": ACCOUNT, "calldata": calldata, "nonce": i, "resource_bounds": BOUNDS, "signature": s}
              for i, s in enumerate(signer.sign_transactions(txs))]
    return {"session": session, "signer": signer, "txs": txs, "signed": signed, "guardian": guardian,
            "account": AccountInfo(ACCOUNT, "0.4.0", owner.public_key, guardian.public_key)}


def verify_all(env: dict[str, Any], items: list[dict[str, Any]]) -> None:
    verdicts = verify_session_transactions_batch(items, account=env["account"], chain_id=CHAIN,
                                                 block_timestamp=BLOCK_TIME)
    assert all(v.valid for v in verdicts)


def one_at_a_time(env: dict[str, Any]) -> list[list[int]]:
    """The non-batch path: per transaction, hash, sign with the session key, sign with the guardian."""
    session = env["session"]
    ctx = SessionContext(session)
    guardian = LocalGuardian(env["guardian"].private_key)
    out = []
    for tx in env["txs"]:
        h = calculate_invoke_v3_hash(sender_address=ACCOUNT, calldata=get_execute_calldata(tx["calls"]),
                                     chain_id=CHAIN, nonce=tx["nonce"], resource_bounds=BOUNDS)
        out.append(build_session_signature(ctx, h, tx["calls"], guardian.sign_token_message(ctx.token_message_hash(h))))
    return out


def rate(fn: Any, n: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def threaded(fn: Any, chunks: list[Any], threads: int) -> None:
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(fn, chunks))


# --------------------------------------------------------------------------- pytest-benchmark

def test_bench_verify_batch(benchmark: Any) -> None:
    env = setup(200)
    benchmark(verify_all, env, env["signed"])


def test_bench_sign_transactions(benchmark: Any) -> None:
    env = setup(200)
    benchmark(env["signer"].sign_transactions, env["txs"])


def test_bench_sign_one_at_a_time(benchmark: Any) -> None:
    env = setup(200)
    benchmark(one_at_a_time, env)


# --------------------------------------------------------------------------- script

def main() -> None:
    n = 2000
    env = setup(n)
    signed = env["signed"]
    verify_all(env, signed[:10])  # warm the session caches (authorisation cached per session)
    half = [signed[: n // 2], signed[n // 2:]]
    v1 = rate(lambda: verify_all(env, signed), n)
    v2 = rate(lambda: threaded(lambda c: verify_all(env, c), half, 2), n)
    txs = env["txs"]
    s1 = rate(lambda: env["signer"].sign_transactions(txs), n)
    s2 = rate(lambda: threaded(env["signer"].sign_transactions, [txs[: n // 2], txs[n // 2:]], 2), n)
    s0 = rate(lambda: one_at_a_time(env), n, repeat=1)
    print(f"backend {crypto.BACKEND}, {n} invoke v3 transactions x 3 calls")
    print(f"verify (batch, 1 thread):       {v1:8.0f} tx/s   target >= 1500")
    print(f"verify (batch, 2 threads):      {v2:8.0f} tx/s   ratio {v2 / v1:.2f}  target >= 1.7")
    print(f"sign_transactions (1 thread):   {s1:8.0f} tx/s   target >= 3000")
    print(f"sign_transactions (2 threads):  {s2:8.0f} tx/s   ratio {s2 / s1:.2f}")
    print(f"sign one at a time:             {s0:8.0f} tx/s   batch / single {s1 / s0:.2f}  target >= 1.3")


if __name__ == "__main__":
    main()
