"""Relayer throughput: verifying and signing session invoke v3 transactions (3 calls, 8 allowed methods).

Aims (native backend): verification with prepared keys >= 7,000 tx/s on one core (authorisation cached
per session) and >= 1.7x that with two threads; ``SessionContext.sign_invoke_many`` >= 10,000 tx/s per
core and >= 1.3x the one-at-a-time path (:func:`bench_sessions.sign_one`: the sessions API with a
``SessionContext`` and a local guardian).

Also the cost of the worst request the verifier accepts (:func:`worst_accepted`: as much calldata,
signature, calls and Merkle hashing as the node's limits of :class:`~xsessions_core.relayer.NodeRules`
allow, nothing memoised) against a normal one.

Keys repeat: one session key and one guardian sign every transaction. The verifier verifies a key
it has seen before with its prepared table (:mod:`xsessions_core.relayer.keycache`); the script
reports verification with that cache and without it (``configure_prepared_keys(0)``, every
verification plain) in the same run, rounds interleaved. Aims on one thread, native backend:
verification (3 calls, authorisation cached, same session key and guardian) >= 7,000 tx/s, batch
session signing >= 10,000 tx/s.

A session key need not be a Stark key: :func:`test_bench_verify_batch_p256_session_key` verifies the
same transactions signed by a P-256 session key (``Secp256r1Key``), authorisation cached, next to the
Stark session key in the same group. The verifier's verdict on those transactions must be VALID:
a build whose verifier (or session signing) does not handle P-256 session keys fails it.

Run ``python benchmarks/bench_relayer.py`` for the numbers, or
``pytest benchmarks/bench_relayer.py`` for pytest-benchmark timings (groups below; every entry per
transaction, ``extra_info["items"]``).
"""

from __future__ import annotations

import dataclasses
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sessions import (  # noqa: E402
    ACCOUNT,
    BOUNDS,
    CHAIN,
    GUARDIAN_KEY,
    NAMES,
    OWNER_KEY,
    best_rates,
    make_calls,
    make_session,
    reference_work,
    scaling_report,
    sign_one,
    spread,
    two_thread_rounds,
)

from xsessions_core import crypto  # noqa: E402
from xsessions_core.encoding import to_hex  # noqa: E402
from xsessions_core.relayer import (  # noqa: E402
    DEFAULT_NODE_RULES,
    AccountInfo,
    decode_session_token,
    verify_session_transactions_batch,
)
from xsessions_core.relayer.keycache import configure_prepared_keys  # noqa: E402
from xsessions_core.relayer.verify import clear_caches  # noqa: E402
from xsessions_core.sessions import (  # noqa: E402
    LocalGuardian,
    Session,
    SessionContext,
)
from xsessions_core.signers import Secp256r1Key  # noqa: E402
from xsessions_core.transactions import get_execute_calldata  # noqa: E402

BLOCK_TIME = 1_700_000_000
#: A fixed P-256 session key (the HSM-friendly kind); never part of a benchmark id.
P256_SESSION_KEY = 0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721
#: pytest-benchmark groups (the report's tables read them).
VERIFY_GROUP = "session transaction verification (3 calls, authorization cached)"
WORST_GROUP = "verification: normal vs worst accepted request"
SIGN_GROUP = "session signing: batch vs one at a time"


def setup(n: int, session: Session | None = None) -> dict[str, Any]:
    """``n`` transactions as a relayer receives them (starknet.js call dicts), signed, and as broadcast
    (JSON-RPC hex strings); by default with the Stark session key of :func:`bench_sessions.make_session`."""
    session = make_session() if session is None else session
    guardian = LocalGuardian(GUARDIAN_KEY)
    calls = [make_calls(i) for i in range(n)]
    txs = [{"calls": cs, "nonce": i, "resource_bounds": BOUNDS} for i, cs in enumerate(calls)]
    js_txs = [{"calls": [{"contractAddress": to_hex(c.to_addr), "entrypoint": NAMES[c.to_addr - 0x1000],
                          "calldata": c.calldata} for c in cs],
               "nonce": i, "resource_bounds": BOUNDS} for i, cs in enumerate(calls)]
    context = SessionContext(session)

    def sign(transactions: list[dict[str, Any]]) -> list[list[int]]:
        return context.sign_invoke_many(transactions, guardian=guardian)

    bounds = {name: {k: to_hex(v) for k, v in bound.items()} for name, bound in BOUNDS.items()}
    signed = [{"sender_address": to_hex(ACCOUNT), "calldata": [to_hex(v) for v in get_execute_calldata(cs)],
               "nonce": to_hex(i), "resource_bounds": bounds, "signature": [to_hex(v) for v in s]}
              for i, (cs, s) in enumerate(zip(calls, sign(txs)))]
    account = AccountInfo(ACCOUNT, "0.4.0", crypto.private_to_stark_key(OWNER_KEY), guardian.public_key)
    return {"session": session, "calls": calls, "sign": sign, "guardian": guardian, "txs": txs, "js_txs": js_txs,
            "signed": signed, "account": account, "context": context}


def verify_all(env: dict[str, Any], items: list[dict[str, Any]]) -> None:
    verdicts = verify_session_transactions_batch(items, account=env["account"], chain_id=CHAIN,
                                                 block_timestamp=BLOCK_TIME)
    assert all(v.valid for v in verdicts), verdicts[0]


def worst_accepted(env: dict[str, Any], count: int, seed: int = 1) -> list[dict[str, Any]]:
    """``count`` distinct transactions, each as costly to judge as the node's limits allow.

    Signature (<= ``max_signature_length`` = 4000 felts): a session token with as many Merkle
    proofs of the deepest accepted length (``max_proof_length`` = 32) as fit (120); calldata
    (<= ``max_calldata_length`` = 5000 felts): as many calls (one per proof) padded to the limit.
    The verifier reads 9,000 new felts and hashes the whole calldata with nothing memoised; the
    signatures are not valid, so the proofs are never hashed (they wait for the signatures, as
    in the contract). An authorisation of 992 signer signatures in place of the proofs costs
    about the same.
    """
    rules = DEFAULT_NODE_RULES
    rng = random.Random(seed)
    base = env["signed"][0]
    token = decode_session_token([int(x, 16) for x in base["signature"]], account_version="0.4.0")
    overhead = len(token.felts()) - sum(1 + len(p) for p in token.proofs)
    n_calls = (rules.max_signature_length - overhead) // (1 + rules.max_proof_length)
    pad = rules.max_calldata_length - 1 - 3 * n_calls
    out = []
    for _ in range(count):
        proofs = tuple(tuple(rng.randrange(1, 2**251) for _ in range(rules.max_proof_length)) for _ in range(n_calls))
        signature = dataclasses.replace(token, proofs=proofs).felts()
        calldata = [n_calls]
        for i in range(n_calls):
            length = pad // n_calls + (1 if i < pad % n_calls else 0)
            calldata += [0x1000 + i % len(NAMES), rng.randrange(2**250), length, *(rng.randrange(2**250) for _ in range(length))]
        assert len(signature) <= rules.max_signature_length and len(calldata) == rules.max_calldata_length
        out.append({**base, "calldata": [to_hex(v) for v in calldata], "signature": [to_hex(v) for v in signature]})
    return out


def verify_worst(env: dict[str, Any], items: list[dict[str, Any]]) -> None:
    clear_caches()
    verdicts = verify_session_transactions_batch(items, account=env["account"], chain_id=CHAIN,
                                                 block_timestamp=BLOCK_TIME)
    assert all(not v.valid and v.phase == "validate" for v in verdicts), verdicts[0]


def worst_vs_normal(env: dict[str, Any], n: int = 32, rounds: int = 5) -> tuple[float, float]:
    """Best seconds per transaction: ``(normal, worst accepted)``; normal with the session's
    authorisation memoised (as in production), the worst with every memo cleared first."""
    worst = worst_accepted(env, n)
    normal = env["signed"][:n]
    verify_all(env, normal)

    def best(fn: Any) -> float:
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times) / n

    return best(lambda: verify_all(env, normal)), best(lambda: verify_worst(env, worst))


def one_at_a_time(env: dict[str, Any]) -> None:
    """The non-batch path: :func:`bench_sessions.sign_one` (one backend call) per transaction."""
    ctx, guardian, calls = env["context"], env["guardian"], env["calls"]
    for i in range(len(calls)):
        sign_one(ctx, guardian, calls[i], i)


# --------------------------------------------------------------------------- pytest-benchmark

def _group(benchmark: Any, group: str, items: int) -> None:
    benchmark.group = group
    benchmark.extra_info["items"] = items


def test_bench_verify_batch(benchmark: Any) -> None:
    env = setup(200)
    _group(benchmark, VERIFY_GROUP, 200)
    benchmark(verify_all, env, env["signed"])


def test_bench_verify_batch_without_key_cache(benchmark: Any) -> None:
    """The same as :func:`test_bench_verify_batch` with every verification plain."""
    env = setup(200)
    configure_prepared_keys(0)
    try:
        _group(benchmark, VERIFY_GROUP, 200)
        benchmark(verify_all, env, env["signed"])
    finally:
        configure_prepared_keys()


def test_bench_verify_batch_p256_session_key(benchmark: Any) -> None:
    """:func:`test_bench_verify_batch` with a P-256 session key; every verdict must be VALID."""
    env = setup(200, make_session(Secp256r1Key(P256_SESSION_KEY)))
    verdicts = verify_session_transactions_batch(env["signed"], account=env["account"], chain_id=CHAIN,
                                                 block_timestamp=BLOCK_TIME)
    invalid = [v for v in verdicts if not v.valid]
    assert not invalid, f"the verifier does not accept P-256 session-key transactions ({invalid[0]!r})"
    _group(benchmark, VERIFY_GROUP, 200)
    benchmark(verify_all, env, env["signed"])


def test_bench_verify_worst_accepted(benchmark: Any) -> None:
    """32 of the costliest transactions the node limits let through (compare with 32 normal ones)."""
    env = setup(32)
    _group(benchmark, WORST_GROUP, 32)
    benchmark(verify_worst, env, worst_accepted(env, 32))


def test_bench_verify_normal_32(benchmark: Any) -> None:
    env = setup(32)
    _group(benchmark, WORST_GROUP, 32)
    benchmark(verify_all, env, env["signed"])


def test_bench_sign_transactions(benchmark: Any) -> None:
    env = setup(200)
    _group(benchmark, SIGN_GROUP, 200)
    benchmark(env["sign"], env["txs"])


def test_bench_sign_one_at_a_time(benchmark: Any) -> None:
    env = setup(200)
    _group(benchmark, SIGN_GROUP, 200)
    benchmark(one_at_a_time, env)


# --------------------------------------------------------------------------- script

def main(runs: int = 9, rounds: int = 40) -> None:
    import warnings

    warnings.simplefilter("ignore", RuntimeWarning)  # "Python backend is not constant time"
    n = 1024  # 16 pieces of 64 (two verification chunks) for the two-thread pool
    env = setup(n)
    signed = env["signed"]
    clear_caches()
    verify_all(env, signed[:10])  # warm the session caches (authorisation cached per session)
    txs, js_txs, sign = env["txs"], env["js_txs"], env["sign"]
    results = []
    for _ in range(runs):  # prepared-key cache off, then on (warm), in every run
        configure_prepared_keys(0)
        plain = best_rates({"verify without key cache": lambda: verify_all(env, signed)}, n, rounds=3)
        configure_prepared_keys()
        verify_all(env, signed[:10])  # the session key and the guardian prepared
        results.append({**plain, **best_rates({
            "verify": lambda: verify_all(env, signed),
            "sign": lambda: sign(txs),
            "sign js": lambda: sign(js_txs),
            "one at a time": lambda: one_at_a_time(env),
        }, n, rounds=3)})
    best = {k: max(r[k] for r in results) for k in results[0]}
    print(f"backend {crypto.BACKEND}, {n} invoke v3 transactions x 3 calls, session of 8 allowed methods "
          f"(best of {runs} runs)")
    print(f"verify (batch, 1 thread):        {best['verify']:8.0f} tx/s   aim >= 7000 (prepared keys)")
    print(f"verify without key cache:        {best['verify without key cache']:8.0f} tx/s")
    print("prepared keys / without:         "
          + spread([r["verify"] / r["verify without key cache"] for r in results]))
    print(f"sign_invoke_many (1 thread):     {best['sign']:8.0f} tx/s   aim >= 10000")
    print(f"sign_invoke_many (JS dicts):     {best['sign js']:8.0f} tx/s")
    print(f"sign one at a time (sessions):   {best['one at a time']:8.0f} tx/s")
    print("batch / one at a time:           " + spread([r["sign"] / r["one at a time"] for r in results])
          + "  aim >= 1.3")

    # two threads, each verifying half; for comparison the two ECDSA verifications per transaction
    # alone, in the same batch calls (chunks of 64) with no Python work around them
    backend, key = crypto.unchecked, 0x5EED
    pub = crypto.private_to_stark_key(key)
    items = [(z, *crypto.message_signature(z, key), pub) for z in range(1, 2 * n + 1)]
    chunks = [items[i:i + 64] for i in range(0, 2 * n, 64)]

    def native_only(part: list) -> None:  # type: ignore[type-arg]
        for c in part:
            backend.verify_batch(c)

    times = two_thread_rounds({
        "reference": (reference_work, range(n)),
        "verify": (lambda part: verify_all(env, part), signed),
        "the verifications alone": (native_only, chunks),
    }, rounds)
    print("\n".join(scaling_report(times, "verify", "verify_session_transactions_batch")))
    normal, worst = worst_vs_normal(env)
    print(f"worst accepted request: {worst * 1e3:7.2f} ms/tx, normal {normal * 1e3:6.3f} ms/tx "
          f"(x{worst / normal:.0f}; limits: calldata {DEFAULT_NODE_RULES.max_calldata_length}, signature "
          f"{DEFAULT_NODE_RULES.max_signature_length}, proof {DEFAULT_NODE_RULES.max_proof_length} felts)")


if __name__ == "__main__":
    main()
