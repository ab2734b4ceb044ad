"""Relayer state: the same behaviour in memory and on a real Redis server (sync and asyncio)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis
import redis.asyncio
from redis.backoff import NoBackoff
from redis.retry import Retry
from conftest import h
from redis_server import RedisServer, running_redis_server
from test_relayer_verdicts import CASES, account_of, state_of

from xsessions_core.errors import SessionError
from xsessions_core.relayer import (
    REPLAYED_OR_IN_FLIGHT,
    AccountState,
    AsyncRedisRelayerState,
    InMemoryRelayerState,
    NonceStatus,
    RedisRelayerState,
    RelayerState,
    RelayerStateError,
    Verdict,
    verify_outside_execution,
    verify_outside_executions_batch,
)

ACCOUNT = 0x1234
OTHER = 0x5678


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    with running_redis_server() as srv:
        yield srv


_prefixes = iter(range(10**6))


@pytest.fixture
def prefix() -> str:
    """A fresh key prefix per test (one server for the module)."""
    return f"test{next(_prefixes)}:"


class FakeClock:
    def __init__(self) -> None:
        self.ms = 0.0

    def __call__(self) -> float:
        return self.ms


@pytest.fixture(params=["memory", "redis", "redis-decoded"])
def make_state(request: pytest.FixtureRequest, server: RedisServer, prefix: str) -> Iterator[Callable[[], Any]]:
    """A factory of state instances that share one store (two instances = two relayer processes)."""
    clients: list[redis.Redis] = []
    if request.param == "memory":
        shared: RelayerState = InMemoryRelayerState()  # mypy checks both against the protocol
        yield lambda: shared
    else:
        def make() -> RelayerState:
            clients.append(server.client(decode_responses=request.param == "redis-decoded"))
            return RedisRelayerState(clients[-1], prefix=prefix)
        yield make
    for c in clients:
        c.close()


def _wait_until(predicate: Callable[[], bool], limit_s: float = 5.0) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


# --------------------------------------------------------------------------- nonces

def test_reserve_confirm_release(make_state: Callable[[], Any]) -> None:
    st = make_state()
    assert st.nonce_status(ACCOUNT, 7) is NonceStatus.FREE
    assert st.reserve_nonce(ACCOUNT, 7, ttl_ms=60_000) is True
    assert st.nonce_status(ACCOUNT, 7) is NonceStatus.RESERVED
    assert st.reserve_nonce(ACCOUNT, 7, ttl_ms=60_000) is False  # also for the same instance
    assert st.reserve_nonce(OTHER, 7, ttl_ms=60_000) is True  # nonces are per account
    assert st.release_nonce(ACCOUNT, 7) is True
    assert st.release_nonce(ACCOUNT, 7) is False
    assert st.nonce_status(ACCOUNT, 7) is NonceStatus.FREE
    assert st.reserve_nonce(ACCOUNT, "0x7", ttl_ms=60_000) is True  # same felt, other spelling
    st.confirm_nonce(ACCOUNT, 7)
    assert st.nonce_status(ACCOUNT, 7) is NonceStatus.USED
    assert st.release_nonce(ACCOUNT, 7) is False  # a used nonce is never freed
    assert st.reserve_nonce(ACCOUNT, 7, ttl_ms=60_000) is False
    assert st.nonce_status(ACCOUNT, 7) is NonceStatus.USED


def test_release_frees_only_this_instances_reservation(server: RedisServer, prefix: str) -> None:
    a = RedisRelayerState(server.client(), prefix=prefix)
    b = RedisRelayerState(server.client(), prefix=prefix)
    assert a.reserve_nonce(ACCOUNT, 1, ttl_ms=60_000)
    assert b.release_nonce(ACCOUNT, 1) is False
    assert b.nonce_status(ACCOUNT, 1) is NonceStatus.RESERVED
    assert b.reserve_nonce(ACCOUNT, 1, ttl_ms=60_000) is False
    assert a.release_nonce(ACCOUNT, 1) is True
    assert b.reserve_nonce(ACCOUNT, 1, ttl_ms=60_000) is True


def test_reservation_expires_in_memory() -> None:
    clock = FakeClock()
    st = InMemoryRelayerState(clock=clock)
    assert st.reserve_nonce(ACCOUNT, 3, ttl_ms=100)
    clock.ms = 99
    assert st.nonce_status(ACCOUNT, 3) is NonceStatus.RESERVED
    clock.ms = 100
    assert st.nonce_status(ACCOUNT, 3) is NonceStatus.FREE
    assert st.reserve_nonce(ACCOUNT, 3, ttl_ms=100)
    st.confirm_nonce(ACCOUNT, 3)
    clock.ms = 10**9
    assert st.nonce_status(ACCOUNT, 3) is NonceStatus.USED


def test_reservation_expires_on_redis(server: RedisServer, prefix: str) -> None:
    crashed = RedisRelayerState(server.client(), prefix=prefix)
    survivor = RedisRelayerState(server.client(), prefix=prefix)
    assert crashed.reserve_nonce(ACCOUNT, 9, ttl_ms=50)
    assert crashed.reserve_nonce(ACCOUNT, 10, ttl_ms=50)
    crashed.confirm_nonce(ACCOUNT, 10)  # a confirmed nonce outlives the reservation's TTL
    assert survivor.reserve_nonce(ACCOUNT, 9, ttl_ms=60_000) is False
    assert _wait_until(lambda: survivor.nonce_status(ACCOUNT, 9) is NonceStatus.FREE)
    assert survivor.reserve_nonce(ACCOUNT, 9, ttl_ms=60_000) is True
    assert survivor.nonce_status(ACCOUNT, 10) is NonceStatus.USED
    assert survivor.client.pttl(f"{prefix}nonce:{ACCOUNT:x}:{10:x}") == -1  # no expiry


def test_exactly_one_instance_wins_each_nonce(make_state: Callable[[], Any]) -> None:
    states = [make_state() for _ in range(4)]
    nonces = range(300)

    def worker(i: int) -> list[int]:
        st = states[i % len(states)]
        order = list(nonces) if i % 2 else list(reversed(nonces))
        return [n for n in order if st.reserve_nonce(ACCOUNT, n, ttl_ms=60_000)]

    with ThreadPoolExecutor(8) as pool:
        won = [n for got in pool.map(worker, range(8)) for n in got]
    assert sorted(won) == list(nonces)


# --------------------------------------------------------------------------- revocations, authorisations

def test_revocations_and_refresh(make_state: Callable[[], Any]) -> None:
    st, other = make_state(), make_state()
    st.revoke_sessions([0xAA, "0xbb"])
    assert other.is_session_revoked(0xAA) and other.is_session_revoked(0xBB)
    assert not other.is_session_revoked(0xCC)
    asked: list[tuple[int, int]] = []

    def reader(account: int, session_hash: int) -> bool:
        asked.append((account, session_hash))
        return session_hash in (0xCC, 0xEE)

    found = other.refresh_revocations(ACCOUNT, [0xAA, 0xCC, 0xDD, 0xEE], reader)
    assert found == frozenset({0xCC, 0xEE})
    assert asked == [(ACCOUNT, 0xCC), (ACCOUNT, 0xDD), (ACCOUNT, 0xEE)]  # known revocations are not asked
    assert st.revoked_sessions() == frozenset({0xAA, 0xBB, 0xCC, 0xEE})


def test_authorization_cache_feeds_the_verifier_state(make_state: Callable[[], Any]) -> None:
    st, other = make_state(), make_state()
    assert st.cached_authorization(1, 2, 3) == 0
    st.cache_authorization(1, 2, 3, 4)
    st.cache_authorization("0x5", 6, 7, 2)
    st.revoke_sessions([0x99])
    assert other.cached_authorization(1, 2, 3) == 4
    assert other.account_state(used_outside_nonces=[8]) == AccountState(
        revoked_sessions=frozenset({0x99}), session_cache={(1, 2, 3): 4, (5, 6, 7): 2},
        used_outside_nonces=frozenset({8}))


def test_bad_arguments_are_value_errors(make_state: Callable[[], Any]) -> None:
    st = make_state()
    calls: list[Callable[[], object]] = [
                 lambda: st.reserve_nonce(ACCOUNT, 1, ttl_ms=0), lambda: st.reserve_nonce(ACCOUNT, -1, ttl_ms=5),
                 lambda: st.reserve_nonce(ACCOUNT, 1, ttl_ms=True), lambda: st.confirm_nonce("zz", 1),
                 lambda: st.cache_authorization(1, 2, 3, 0), lambda: st.revoke_sessions([2**260])]
    for call in calls:
        with pytest.raises(SessionError):
            call()
    with pytest.raises(ValueError, match="ttl_ms"):
        st.reserve_nonce(ACCOUNT, 1, ttl_ms=-5)


# --------------------------------------------------------------------------- locks, failures

def test_account_lock_excludes_other_instances(make_state: Callable[[], Any]) -> None:
    a, b = make_state(), make_state()
    inside, leave = threading.Event(), threading.Event()
    log: list[str] = []

    def holder() -> None:
        with a.account_lock(OTHER, timeout_s=30):
            log.append("a in")
            inside.set()
            leave.wait(10)
            log.append("a out")

    t = threading.Thread(target=holder)
    t.start()
    assert inside.wait(10)
    with pytest.raises(RelayerStateError, match="not acquired"):
        with b.account_lock(OTHER, blocking_timeout_s=0.05):
            log.append("b in too early")
    with b.account_lock(ACCOUNT, blocking_timeout_s=1):  # another relayer account is not held
        log.append("b other account")
    leave.set()
    with b.account_lock(OTHER, blocking_timeout_s=10):
        log.append("b in")
    t.join()
    assert log == ["a in", "b other account", "a out", "b in"]


def test_redis_failures_are_relayer_state_errors(server: RedisServer, prefix: str) -> None:
    client = redis.Redis(host="127.0.0.1", port=server.port, socket_connect_timeout=0.5)
    st = RedisRelayerState(client, prefix=prefix)
    client.close()
    dead = redis.Redis(host="127.0.0.1", port=_closed_port(), socket_connect_timeout=0.5,
                       retry=Retry(NoBackoff(), 0))  # fail at once (the default retries with backoff)
    down = RedisRelayerState(dead, prefix="down:")
    for call in (lambda: down.reserve_nonce(ACCOUNT, 1, ttl_ms=100), lambda: down.confirm_nonce(ACCOUNT, 1),
                 lambda: down.release_nonce(ACCOUNT, 1), lambda: down.revoked_sessions(),
                 lambda: down.cached_authorization(1, 2, 3), lambda: down.account_state()):
        with pytest.raises(RelayerStateError, match="ConnectionError"):
            call()
    with pytest.raises(RelayerStateError):
        with down.account_lock(ACCOUNT, blocking_timeout_s=0.1):
            pass
    assert st.reserve_nonce(ACCOUNT, 1, ttl_ms=1000)  # a closed client reconnects


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once it is closed


# --------------------------------------------------------------------------- the verifier uses it

def _valid_outside_case() -> dict[str, Any]:
    return next(c for c in CASES if c["transaction"]["kind"] == "outside_execution_v2" and c["verdict"] == "VALID")


def test_verifier_reserves_the_nonce(make_state: Callable[[], Any]) -> None:
    case = _valid_outside_case()
    tx = case["transaction"]
    a, b = make_state(), make_state()

    def verify(st: Any) -> Verdict:
        return verify_outside_execution(tx["outside_execution"], tx["signature"], account=account_of(case),
                                        chain_id=h(case["chain_id"]), block_timestamp=case["block"]["timestamp"],
                                        caller_address=h(tx["submitted_by"]), state=state_of(case),
                                        relayer_state=st)

    replayed = Verdict(False, REPLAYED_OR_IN_FLIGHT, "execute_from_outside_v2")
    assert verify(a) == Verdict(True)
    nonce = h(tx["outside_execution"]["nonce"])
    address = account_of(case).address
    assert a.nonce_status(address, nonce) is NonceStatus.RESERVED
    assert verify(b) == replayed  # in flight at another instance
    assert a.release_nonce(address, nonce)
    assert verify(b) == Verdict(True)
    b.confirm_nonce(address, nonce)
    assert verify(a) == replayed
    assert REPLAYED_OR_IN_FLIGHT not in {c["verdict"] for c in CASES}  # never an account error string


def test_invalid_outside_execution_reserves_nothing() -> None:
    case = _valid_outside_case()
    tx = case["transaction"]
    st = InMemoryRelayerState()
    bad_sig = list(tx["signature"])
    bad_sig[-1] = hex(h(bad_sig[-1]) ^ 1)
    v = verify_outside_execution(tx["outside_execution"], bad_sig, account=account_of(case),
                                 chain_id=h(case["chain_id"]), block_timestamp=case["block"]["timestamp"],
                                 caller_address=h(tx["submitted_by"]), relayer_state=st)
    assert not v.valid and v.error != REPLAYED_OR_IN_FLIGHT
    assert st.nonce_status(account_of(case).address, h(tx["outside_execution"]["nonce"])) is NonceStatus.FREE


def test_batch_verifier_reserves_the_nonces(make_state: Callable[[], Any]) -> None:
    """``verify_outside_executions_batch(relayer_state=...)`` reserves like the single function:
    a valid item reserves its nonce, a second item with the same nonce and an item another
    instance holds are REPLAYED_OR_IN_FLIGHT, an invalid item reserves nothing."""
    case = _valid_outside_case()
    tx = case["transaction"]
    a, b = make_state(), make_state()
    bad_sig = list(tx["signature"])
    bad_sig[-1] = hex(h(bad_sig[-1]) ^ 1)
    item = (tx["outside_execution"], tx["signature"], h(tx["submitted_by"]))
    bad = (tx["outside_execution"], bad_sig, h(tx["submitted_by"]))
    common = dict(account=account_of(case), chain_id=h(case["chain_id"]), block_timestamp=case["block"]["timestamp"],
                  state=state_of(case))
    replayed = Verdict(False, REPLAYED_OR_IN_FLIGHT, "execute_from_outside_v2")
    nonce, address = h(tx["outside_execution"]["nonce"]), account_of(case).address

    first = verify_outside_executions_batch([bad], relayer_state=a, **common)
    assert not first[0].valid and first[0].error != REPLAYED_OR_IN_FLIGHT
    assert a.nonce_status(address, nonce) is NonceStatus.FREE
    assert verify_outside_executions_batch([bad, item, list(item)], relayer_state=a, **common) == [
        first[0], Verdict(True), replayed]
    assert a.nonce_status(address, nonce) is NonceStatus.RESERVED
    assert verify_outside_executions_batch([item], relayer_state=b, **common) == [replayed]
    assert verify_outside_executions_batch([item], **common) == [Verdict(True)]  # no state: the account's verdict
    assert a.release_nonce(address, nonce)
    assert verify_outside_executions_batch([{"outside_execution": tx["outside_execution"],
                                             "signature": tx["signature"], "caller_address": tx["submitted_by"]}],
                                           relayer_state=b, **common) == [Verdict(True)]


# --------------------------------------------------------------------------- asyncio twin

async def test_async_state_shares_keys_with_the_sync_state(server: RedisServer, prefix: str) -> None:
    client = redis.asyncio.Redis(host=server.host, port=server.port)
    sync = RedisRelayerState(server.client(), prefix=prefix)
    try:
        st = AsyncRedisRelayerState(client, prefix=prefix)
        assert await st.reserve_nonce(ACCOUNT, 1, ttl_ms=60_000) is True
        assert sync.reserve_nonce(ACCOUNT, 1, ttl_ms=60_000) is False
        assert await st.nonce_status(ACCOUNT, 1) is NonceStatus.RESERVED
        assert await st.release_nonce(ACCOUNT, 1) is True
        assert sync.reserve_nonce(ACCOUNT, 1, ttl_ms=60_000) is True
        assert await st.release_nonce(ACCOUNT, 1) is False  # the sync instance's reservation
        sync.confirm_nonce(ACCOUNT, 1)
        assert await st.nonce_status(ACCOUNT, 1) is NonceStatus.USED
        await st.confirm_nonce(ACCOUNT, 2)
        assert sync.nonce_status(ACCOUNT, 2) is NonceStatus.USED

        sync.revoke_sessions([0xAA])

        async def reader(account: int, session_hash: int) -> bool:
            return session_hash == 0xBB

        assert await st.refresh_revocations(ACCOUNT, [0xAA, 0xBB, 0xCC], reader) == frozenset({0xBB})
        assert await st.is_session_revoked(0xBB) and sync.is_session_revoked(0xBB)
        await st.revoke_sessions(["0xdd"])
        assert await st.revoked_sessions() == frozenset({0xAA, 0xBB, 0xDD})
        await st.cache_authorization(1, 2, 3, 4)
        assert sync.cached_authorization(1, 2, 3) == await st.cached_authorization(1, 2, 3) == 4
        assert await st.account_state() == sync.account_state()

        async with st.account_lock(OTHER):
            with pytest.raises(RelayerStateError, match="not acquired"):
                with sync.account_lock(OTHER, blocking_timeout_s=0.05):
                    pass
        with sync.account_lock(OTHER, blocking_timeout_s=1):
            pass
    finally:
        await client.aclose()
        sync.client.close()


async def test_async_failures_are_relayer_state_errors() -> None:
    client = redis.asyncio.Redis(host="127.0.0.1", port=_closed_port(), socket_connect_timeout=0.5,
                                 retry=redis.asyncio.retry.Retry(NoBackoff(), 0))
    try:
        st = AsyncRedisRelayerState(client, prefix="down:")
        with pytest.raises(RelayerStateError, match="ConnectionError"):
            await st.reserve_nonce(ACCOUNT, 1, ttl_ms=100)
        with pytest.raises(RelayerStateError):
            async with st.account_lock(ACCOUNT, blocking_timeout_s=0.1):
                pass
    finally:
        await client.aclose()
