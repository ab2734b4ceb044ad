"""The cosigner at volume: pooled ArgentCosigner with retries, and sign_transactions_async.

Everything runs against an aiohttp cosigner on 127.0.0.1 started by the test
(:class:`loopback.AsyncLoopbackServer`). The reference for every signature is
:meth:`SessionContext.sign_invoke_many` with the guardian key held locally: signatures are
deterministic (RFC 6979), so the remote path must give the very same arrays.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import Counter
from typing import Any

import aiohttp
import pytest
from conftest import h, load_vectors
from loopback import AsyncLoopbackServer, Reply, cosigner_sign_session
from test_argent_cosigner import closed_port_url

from xsessions_core.errors import (
    CosignerBadResponse,
    CosignerConnectionError,
    CosignerError,
    CosignerRateLimited,
    CosignerRejected,
    CosignerServerError,
    CosignerTimeout,
    PolicyViolation,
    SessionError,
    SessionExpired,
    TransactionError,
)
from xsessions_core.sessions import FeeLimits, SessionContext, SigningOptions, sign_transactions_async
from xsessions_core.sessions.argent_cosigner import ArgentCosigner
from xsessions_core.sessions.guardian import GuardianSignature, GuardianTransactionRequest, LocalGuardian
from xsessions_core.sessions.objects import Session

# Signs with the recorded sessions: sign at a time they were valid.
pytestmark = pytest.mark.usefixtures("recorded_clock")

VERDICTS = load_vectors("contract_verdicts.json")
GUARDIAN_KEY = h(VERDICTS["guardian_private_key"])
CASE = next(c for c in VERDICTS["cases"] if c["kind"] == "valid_calls_2" and c["account"]["class_version"] == "0.4.0")
SESSION = Session.from_dict(CASE["session"])
CALLS = [{"contractAddress": c["to"], "entrypoint": c["entrypoint"], "calldata": c["calldata"]} for c in CASE["calls"]]
BOUNDS = {"l1_gas": {"max_amount": "0x100", "max_price_per_unit": "0x10"},
          "l2_gas": {"max_amount": "0x1000", "max_price_per_unit": "0x3b9aca00"},
          "l1_data_gas": {"max_amount": "0x40", "max_price_per_unit": "0x20"}}
PATH = "/cosigner/signSession"


def transactions(n: int) -> list[dict[str, Any]]:
    return [{"calls": CALLS, "nonce": i, "resource_bounds": BOUNDS, "tip": i % 3} for i in range(n)]


def expected(txs: list[dict[str, Any]]) -> list[list[int]]:
    return SessionContext(SESSION).sign_invoke_many(txs, guardian=LocalGuardian(GUARDIAN_KEY))


def cosigner(url: str, **kwargs: Any) -> ArgentCosigner:
    options: dict[str, Any] = {"network": None, "timeout": 2.0, "backoff": 0.001, "max_backoff": 0.01,
                               "max_attempts": 4}
    options.update(kwargs)
    return ArgentCosigner(url, **options)


GOOD = cosigner_sign_session(GUARDIAN_KEY)


async def test_remote_signatures_equal_local_guardian_signatures() -> None:
    txs = transactions(12)
    async with AsyncLoopbackServer({PATH: GOOD}) as server, cosigner(server.url) as remote:
        got = await sign_transactions_async(SESSION, None, txs, remote, concurrency=4)
        pool = remote._session
        await sign_transactions_async(SESSION, None, txs[:3], remote)
        assert remote._session is pool  # one pooled session for every request
    assert got == expected(txs)
    assert len(server.requests) == 15
    assert sorted(int(b["transaction"]["nonce"], 16) for b in server.bodies()[:12]) == list(range(12))


async def test_faults_every_transaction_ends_signed_or_typed_in_order() -> None:
    """Scripted faults per nonce: transient ones heal within the attempts, others stay; nothing is
    lost, duplicated or reordered."""
    txs = transactions(40)
    attempts: Counter[int] = Counter()

    async def flaky(body: Any) -> Any:
        nonce = int(body["transaction"]["nonce"], 16)
        attempts[nonce] += 1
        n = attempts[nonce]
        if nonce % 10 == 1 and n == 1:
            return Reply(503, {"status": "overloaded"})
        if nonce % 10 == 2 and n <= 2:
            return Reply(200, GOOD(body), delay=2.0)  # times out twice, then answers
        if nonce % 10 == 3:
            return Reply(503, b"<html>down</html>")  # never heals
        if nonce % 10 == 4:
            return Reply(400, {"status": "sessionExpired"})  # final, never retried
        if nonce % 10 == 5 and n == 1:
            return Reply(429, {"message": "slow down"}, headers={"Retry-After": "0"})
        if nonce % 10 == 6:
            return {"signature": {"publicKey": "0x1", "r": "0x1", "s": "0x1"}}  # does not verify
        return GOOD(body)

    async with AsyncLoopbackServer({PATH: flaky}) as server:
        async with cosigner(server.url, timeout=0.6, max_attempts=3, verify_signature=False) as remote:
            got = await sign_transactions_async(SESSION, None, txs, remote, concurrency=8)
    want = expected(txs)
    assert len(got) == len(txs)
    for nonce, result in enumerate(got):
        kind = nonce % 10
        if kind == 3:
            assert isinstance(result, CosignerServerError) and result.status == 503
            assert attempts[nonce] == 3
        elif kind == 4:
            assert isinstance(result, CosignerRejected) and result.status == 400
            assert result.backend_message == "sessionExpired"
            assert attempts[nonce] == 1
        elif kind == 6:
            assert isinstance(result, CosignerBadResponse)
        else:
            assert result == want[nonce], nonce
    assert sum(attempts.values()) == len(server.requests)


def fault_of(seed: int, nonce: int, attempt: int) -> str | None:
    """The injected fault of one attempt: 2 % ``"503"``, 1 % ``"timeout"``, else ``None``.

    Drawn from (seed, nonce, attempt), not from the arrival order, so the outcome of every
    transaction is known in advance whatever the concurrency does."""
    roll = random.Random(f"{seed}:{nonce}:{attempt}").random()
    return "503" if roll < 0.02 else "timeout" if roll < 0.03 else None


def planned(seed: int, nonce: int, max_attempts: int) -> tuple[str | None, int]:
    """(the fault of the last attempt or ``None`` if it is signed, the number of requests sent)."""
    for attempt in range(1, max_attempts + 1):
        fault = fault_of(seed, nonce, attempt)
        if fault is None:
            return None, attempt
    return fault, max_attempts


@pytest.mark.parametrize("max_attempts", [1, 4])
async def test_random_faults_end_signed_or_typed_none_lost_duplicated_or_reordered(max_attempts: int) -> None:
    """2 % of the answers 503 and 1 % too late: each transaction ends exactly as planned — signed
    with the local guardian's very signature, or with the typed error of its last fault after exactly
    ``max_attempts`` requests; one result per transaction, in input order."""
    seed, n = 11, 250  # fewer than one signing chunk: nothing blocks the loop while requests fly
    txs = transactions(n)
    attempts: Counter[int] = Counter()
    bodies: dict[int, set[str]] = {}
    answers: dict[int, Any] = {}  # the guardian's answer per nonce, computed once beforehand, so that
    # a healthy answer is immediate and only an injected fault comes near the client's timeout

    def remember(body: Any) -> Any:
        answers[int(body["transaction"]["nonce"], 16)] = answer = GOOD(body)
        return answer

    async def faulty(body: Any) -> Any:
        nonce = int(body["transaction"]["nonce"], 16)
        attempts[nonce] += 1
        bodies.setdefault(nonce, set()).add(json.dumps(body, sort_keys=True))
        fault = fault_of(seed, nonce, attempts[nonce])
        if fault == "503":
            return Reply(503, {"status": "unavailable"})
        if fault == "timeout":
            return Reply(200, answers[nonce], delay=1.5)
        return answers[nonce]

    plan = [planned(seed, nonce, max_attempts) for nonce in range(n)]
    if max_attempts == 1:  # the run meets both kinds of failure
        assert {"503", "timeout"} <= {fault for fault, _ in plan}
    else:  # and some transactions heal on a retry
        assert any(fault is None and sent > 1 for fault, sent in plan)
    want = expected(txs)
    async with AsyncLoopbackServer({PATH: remember}) as server, cosigner(server.url) as remote:
        assert await sign_transactions_async(SESSION, None, txs, remote, concurrency=32) == want
    async with AsyncLoopbackServer({PATH: faulty}) as server:
        async with cosigner(server.url, timeout=0.5, max_attempts=max_attempts) as remote:
            got = await sign_transactions_async(SESSION, None, txs, remote, concurrency=32)
    assert len(got) == n
    for nonce, (result, (fault, sent)) in enumerate(zip(got, plan)):
        assert attempts[nonce] == sent, nonce  # neither a lost request nor a duplicated one
        assert len(bodies[nonce]) == 1  # a retry resends the same transaction
        if fault is None:
            assert result == want[nonce], nonce  # its own signature, in its own place
        else:
            assert type(result) is (CosignerServerError if fault == "503" else CosignerTimeout), (nonce, result)
    assert len(server.requests) == sum(sent for _, sent in plan)
    signed = [tuple(r) for r in got if isinstance(r, list)]
    assert len(set(signed)) == len(signed) == sum(fault is None for fault, _ in plan)


async def test_timeouts_exhaust_attempts_into_cosigner_timeout() -> None:
    async with AsyncLoopbackServer({PATH: lambda body: Reply(200, GOOD(body), delay=1.0)}) as server:
        async with cosigner(server.url, timeout=0.1, max_attempts=2) as remote:
            (result,) = await sign_transactions_async(SESSION, None, transactions(1), remote)
    assert isinstance(result, CosignerTimeout) and result.status is None
    assert len(server.requests) == 2


async def test_connection_refused_is_retried_then_typed() -> None:
    async with cosigner(closed_port_url(), max_attempts=3) as remote:
        (result,) = await sign_transactions_async(SESSION, None, transactions(1), remote)
    assert isinstance(result, CosignerConnectionError)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
async def test_other_4xx_are_never_retried(status: int) -> None:
    async with AsyncLoopbackServer({PATH: lambda body: Reply(status, {"status": "no"})}) as server:
        async with cosigner(server.url, max_attempts=5) as remote:
            (result,) = await sign_transactions_async(SESSION, None, transactions(1), remote)
    assert isinstance(result, CosignerRejected) and result.status == status
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_429_and_5xx_are_retried_up_to_max_attempts(status: int) -> None:
    async with AsyncLoopbackServer({PATH: lambda body: Reply(status, {"message": "busy"})}) as server:
        async with cosigner(server.url, max_attempts=3) as remote:
            (result,) = await sign_transactions_async(SESSION, None, transactions(1), remote)
    assert isinstance(result, CosignerRateLimited if status == 429 else CosignerServerError)
    assert result.status == status and result.backend_message == "busy"
    assert len(server.requests) == 3


@pytest.mark.parametrize("header, logged", [("0.004", "0.00"), ("7", "0.01")])
async def test_retry_after_is_honoured_and_capped(header: str, logged: str, caplog: pytest.LogCaptureFixture) -> None:
    answers = iter([Reply(429, {"status": "rate"}, headers={"Retry-After": header})])

    def handler(body: Any) -> Any:
        return next(answers, None) or GOOD(body)

    caplog.set_level(logging.WARNING, logger="xsessions_core.cosigner")
    async with AsyncLoopbackServer({PATH: handler}) as server:
        async with cosigner(server.url, max_backoff=0.01) as remote:
            (result,) = await sign_transactions_async(SESSION, None, transactions(1), remote)
    assert result == expected(transactions(1))[0]
    (record,) = [r for r in caplog.records if r.name == "xsessions_core.cosigner"]
    assert "CosignerRateLimited, HTTP 429" in record.getMessage()
    assert record.getMessage().endswith(f"retrying in {logged} s")


async def test_concurrency_is_bounded_by_the_caller() -> None:
    in_flight = [0, 0]  # now, peak

    async def slow(body: Any) -> Any:
        in_flight[0] += 1
        in_flight[1] = max(in_flight[1], in_flight[0])
        await asyncio.sleep(0.02)
        in_flight[0] -= 1
        return GOOD(body)

    async with AsyncLoopbackServer({PATH: slow}) as server:
        async with cosigner(server.url, max_concurrency=3) as remote:
            await sign_transactions_async(SESSION, None, transactions(12), remote, concurrency=8)
        peak_cosigner = in_flight[1]
        in_flight[1] = 0
        async with cosigner(server.url, max_concurrency=50) as remote:
            await sign_transactions_async(SESSION, None, transactions(12), remote, concurrency=2)
    assert 1 <= peak_cosigner <= 3
    assert 1 <= in_flight[1] <= 2


async def test_logs_carry_no_secrets_or_full_signatures(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="xsessions_core.cosigner")
    answers = iter([Reply(503, {"status": "x"})])
    async with AsyncLoopbackServer({PATH: lambda body: next(answers, None) or GOOD(body)}) as server:
        async with cosigner(server.url) as remote:
            (signature,) = await sign_transactions_async(SESSION, None, transactions(1), remote)
    assert isinstance(signature, list)
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "xsessions_core.cosigner")
    assert "HTTP 503" in text and "HTTP 200" in text
    secrets = [SESSION.session_key.private_key, GUARDIAN_KEY] if SESSION.session_key else [GUARDIAN_KEY]
    for value in [*secrets, *signature[-8:]]:
        if value > 0xFFFF:
            assert format(value, "x") not in text.lower() and str(value) not in text


async def test_bad_transactions_fail_alone() -> None:
    txs: list[Any] = transactions(4)
    txs[1] = "not a mapping"
    txs[2] = {"calls": [{"contractAddress": "0x1234", "entrypoint": "steal", "calldata": []}], "nonce": 2,
              "resource_bounds": BOUNDS}
    txs.append({"calls": CALLS, "nonce": 4})
    async with AsyncLoopbackServer({PATH: GOOD}) as server, cosigner(server.url) as remote:
        got = await sign_transactions_async(SESSION, None, txs, remote)
    want = expected([txs[0], txs[3]])
    assert got[0] == want[0] and got[3] == want[1]
    assert isinstance(got[1], TransactionError) and isinstance(got[2], PolicyViolation)
    assert isinstance(got[4], TransactionError) and "resource_bounds" in str(got[4])
    assert len(server.requests) == 2  # nothing invalid reached the cosigner


async def test_fee_limits_refuse_before_signing() -> None:
    txs = transactions(2)
    txs[1] = {**txs[1], "resource_bounds": {**BOUNDS, "l2_gas": {"max_amount": "0x10000000",
                                                                   "max_price_per_unit": "0x3b9aca00"}}}
    limits = FeeLimits({0x04718F5A0FC34CC1AF16A1CDEE98FFB20C31F5CD61D6AB07201858F4287C938D: 10**15})
    async with AsyncLoopbackServer({PATH: GOOD}) as server, cosigner(server.url) as remote:
        got = await sign_transactions_async(SESSION, None, txs, remote, fee_limits=limits)
    assert got[0] == expected(txs[:1])[0]
    assert isinstance(got[1], PolicyViolation) and "transactions[1] max fee" in str(got[1])
    assert len(server.requests) == 1


async def test_expired_session_is_refused_before_anything_is_signed_or_sent(recorded_clock: int) -> None:
    txs = transactions(3)
    async with AsyncLoopbackServer({PATH: GOOD}) as server, cosigner(server.url) as remote:
        for kwargs in ({"now": SESSION.expires_at}, {"now": SESSION.expires_at + 86400.5}):
            with pytest.raises(SessionExpired, match="expired"):
                await sign_transactions_async(SESSION, None, txs, remote, **kwargs)
        assert server.requests == []  # nothing reached the cosigner
        assert SESSION.expires_at > recorded_clock  # the wall clock (patched) is the default `now`
        assert await sign_transactions_async(SESSION, None, txs, remote) == expected(txs)
        late = await sign_transactions_async(SESSION, None, txs, remote, now=SESSION.expires_at + 1,
                                             allow_expired=True)
        assert late == expected(txs)
        assert await sign_transactions_async(SESSION, None, txs, remote, now=SESSION.expires_at - 1) == expected(txs)
    with pytest.raises(SessionError, match="now"):
        await sign_transactions_async(SESSION, None, txs, _Odd(), now="soon")  # type: ignore[arg-type]


async def test_wall_clock_after_the_expiry_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from xsessions_core.sessions import session

    monkeypatch.setattr(session, "wall_clock", lambda: SESSION.expires_at + 1)
    with pytest.raises(SessionExpired):
        await sign_transactions_async(SESSION, None, transactions(1), _Odd())


class _Odd:
    """A third-party cosigner: fails in its own way, or answers something that is not a signature."""

    def __init__(self) -> None:
        self.calls = 0

    async def sign_session_transaction(self, request: GuardianTransactionRequest) -> GuardianSignature:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("socket closed")
        return "not a signature"  # type: ignore[return-value]

    async def sign_session_outside_execution(self, request: Any) -> GuardianSignature:
        raise NotImplementedError


async def test_third_party_cosigner_failures_are_typed() -> None:
    got = await sign_transactions_async(SESSION, None, transactions(2), _Odd(), concurrency=1)
    assert isinstance(got[0], CosignerError) and "RuntimeError" in str(got[0])
    assert isinstance(got[1], CosignerBadResponse)


async def test_bad_arguments() -> None:
    for concurrency in (0, -1, True, 2.0):
        with pytest.raises(ValueError):
            await sign_transactions_async(SESSION, None, [], _Odd(), concurrency=concurrency)  # type: ignore[arg-type]
    with pytest.raises(ValueError):  # SessionError / UnsupportedAccountVersion
        await sign_transactions_async(SESSION, None, [], _Odd(), options=SigningOptions(account_version="0.6"))
    with pytest.raises(SessionError):
        await sign_transactions_async("session", None, [], _Odd())  # type: ignore[arg-type]
    assert await sign_transactions_async(SESSION, None, [], _Odd()) == []
    for kwargs in ({"max_concurrency": 0}, {"max_attempts": 0}, {"backoff": 0}, {"max_backoff": -1}):
        with pytest.raises(ValueError):
            ArgentCosigner("http://127.0.0.1:1", **kwargs)


async def test_four_attempts_by_default() -> None:
    async with AsyncLoopbackServer({PATH: lambda body: Reply(503, {"status": "down"})}) as server:
        async with ArgentCosigner(server.url, None, backoff=0.001) as remote:
            (result,) = await sign_transactions_async(SESSION, None, transactions(1), remote)
    assert isinstance(result, CosignerServerError) and len(server.requests) == 4
    async with AsyncLoopbackServer({PATH: lambda body: Reply(403, {"status": "sessionRevoked"})}) as server:
        async with ArgentCosigner(server.url, None, backoff=0.001) as remote:
            (result,) = await sign_transactions_async(SESSION, None, transactions(1), remote)
    assert isinstance(result, CosignerRejected) and len(server.requests) == 1
    async with AsyncLoopbackServer({PATH: lambda body: Reply(503, {"status": "down"})}) as server:
        async with ArgentCosigner(server.url, None, max_attempts=1) as remote:
            (result,) = await sign_transactions_async(SESSION, None, transactions(1), remote)
    assert isinstance(result, CosignerServerError) and len(server.requests) == 1


async def test_aclose_and_reuse() -> None:
    async with AsyncLoopbackServer({PATH: GOOD}) as server:
        remote = cosigner(server.url)
        await sign_transactions_async(SESSION, None, transactions(1), remote)
        pool = remote._session
        assert pool is not None and not pool.closed
        await remote.aclose()
        assert pool.closed
        await sign_transactions_async(SESSION, None, transactions(1), remote)  # a new pool
        await remote.aclose()
        async with aiohttp.ClientSession() as shared:
            async with cosigner(server.url, session=shared) as remote:
                await sign_transactions_async(SESSION, None, transactions(1), remote)
            assert not shared.closed
    assert len(server.requests) == 3
