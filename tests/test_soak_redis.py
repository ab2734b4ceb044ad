"""Soak: four relayer processes share one stream of outside executions through Redis; one is
SIGKILLed holding reservations; every distinct valid message is submitted exactly once.

The stream (native backend): 20,000 entries = 17,800 distinct valid outside executions of one
session, 200 with a broken guardian signature, and 2,000 repeats of valid ones (10 %), shuffled.
Each is signed with the library (session key and local guardian) and verified for real by the
workers (:func:`verify_outside_executions_batch`). With the pure-Python backend the stream has
500 entries of the same make-up (its ECDSA is ~50x slower).

Workers take batches from a Redis list into a list of their own (a reliable queue: a Lua script
moves them atomically), verify them, then for each valid one ``reserve_nonce`` → "submit"
(``RPUSH`` to the submitted list) → ``confirm_nonce``. A nonce found used is a replay and is
dropped; a nonce found reserved is in flight elsewhere and goes back to the stream. The victim
process reserves a batch with a short TTL, reports it and is killed before submitting; its
batch goes back to the stream and its reservations expire.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import signal
import time
from typing import Any

import pytest
import redis
from conftest import h, load_vectors
from redis_server import RedisServer, running_redis_server
from test_relayer_verdicts import CASES, account_of

from xsessions_core import crypto
from xsessions_core.relayer import AccountInfo, NonceStatus, RedisRelayerState, verify_outside_executions_batch
from xsessions_core.sessions import (
    LocalGuardian,
    OutsideExecution,
    Session,
    SessionContext,
    outside_execution_from_dict,
    outside_execution_message_hash,
    sign_outside_execution,
)
from xsessions_core.sessions.outside_execution import outside_execution_hash_unchecked

GUARDIAN_KEY = h(load_vectors("contract_verdicts.json")["guardian_private_key"])
CASE = next(c for c in CASES if c["transaction"]["kind"] == "outside_execution_v2" and c["verdict"] == "VALID")
CHAIN_ID = h(CASE["chain_id"])
BLOCK_TIME = CASE["block"]["timestamp"]
RELAYER = h(CASE["transaction"]["submitted_by"])
PREFIX = "soak:"
WORKERS = 4
VICTIM = 0
#: entries in the stream, entries per batch, and batches the victim completes before it is killed
SIZES = {"native": (20_000, 64, 10), "python": (500, 8, 2)}
VICTIM_TTL_MS = 300  # short, so that the test does not wait long for the expiry
TTL_MS = 30_000  # live workers: far above the time a batch takes, even on a loaded machine
DEADLINE_S = 240.0

#: Moves up to ARGV[1] entries from the head of KEYS[1] to the tail of KEYS[2], atomically.
TAKE = """
local items = redis.call('LPOP', KEYS[1], ARGV[1])
if items then redis.call('RPUSH', KEYS[2], unpack(items)) end
return items
"""
#: Moves every entry of KEYS[1] back to the tail of KEYS[2] (a dead worker's batch to the stream).
GIVE_BACK = """
local items = redis.call('LRANGE', KEYS[1], 0, -1)
if #items > 0 then redis.call('RPUSH', KEYS[2], unpack(items)) end
redis.call('DEL', KEYS[1])
return #items
"""


def _outside(nonce: int, template: OutsideExecution) -> OutsideExecution:
    return OutsideExecution(template.caller, nonce, template.execute_after, template.execute_before, template.calls)


def _signed_stream(n_valid: int, n_invalid: int) -> tuple[list[tuple[dict[str, Any], list[int], int]], int]:
    """``n_valid + n_invalid`` distinct outside executions of the vector session (nonce = index + 1),
    signed natively: the session key's and the guardian's signatures in one batch each."""
    d = CASE["transaction"]["outside_execution"]
    template = outside_execution_from_dict({**d, "execute_after": h(d["execute_after"]),
                                            "execute_before": h(d["execute_before"])})
    session = Session.from_dict(CASE["session"])
    ctx, guardian = SessionContext(session), LocalGuardian(GUARDIAN_KEY)
    previous = crypto.BACKEND
    crypto.use_backend("native")
    try:
        t = template
        calls = [(c.to, c.selector, c.calldata) for c in t.calls]
        nonces = range(1, n_valid + n_invalid + 1)
        hashes = [outside_execution_hash_unchecked(t.caller, nonce, t.execute_after, t.execute_before, calls,
                                                   session.address, CHAIN_ID) for nonce in nonces]
        messages = ctx.token_message_hashes(hashes)
        session_sigs = ctx.sign_token_messages(messages)
        guardian_sigs = guardian.sign_token_messages(messages)
        proofs = ctx.proofs_felts(template.starknet_calls())
        sigs = [ctx.assemble(s, g, proofs) for s, g in zip(session_sigs, guardian_sigs)]
        # the same signatures as the one-at-a-time API (x-sessions signOutsideExecution)
        for i in (0, len(sigs) - 1):
            oe = _outside(nonces[i], template)
            assert outside_execution_message_hash(oe, session.address, CHAIN_ID, "2") == hashes[i]
            assert asyncio.run(sign_outside_execution(session, None, oe, guardian, allow_expired=True)) == sigs[i]
    finally:
        crypto.use_backend(previous)
    call_dicts = [{"to": to, "selector": selector, "calldata": list(data)} for to, selector, data in calls]
    items = []
    for i, (nonce, sig) in enumerate(zip(nonces, sigs)):
        if i >= n_valid:
            sig = [*sig[:-len(proofs) - 1], sig[-len(proofs) - 1] ^ 1, *proofs]  # guardian's s altered
        items.append(({"caller": t.caller, "nonce": nonce, "execute_after": t.execute_after,
                       "execute_before": t.execute_before, "calls": call_dicts}, sig, nonce))
    return items, session.address


# --------------------------------------------------------------------------- worker process

def _worker(index: int, port: int, items: list[tuple[dict[str, Any], list[int], int]], account: AccountInfo,
            backend: str) -> None:
    crypto.use_backend(backend)
    _, batch_size, victim_after = SIZES[backend]
    client = redis.Redis(host="127.0.0.1", port=port)
    state = RedisRelayerState(client, prefix=PREFIX)
    take, mine = client.register_script(TAKE), f"{PREFIX}processing:{index}"
    batches = 0
    while not client.exists(f"{PREFIX}stop"):
        taken = take(keys=[f"{PREFIX}stream", mine], args=[batch_size])
        if not taken:
            time.sleep(0.005)
            continue
        batch = [items[int(i)] for i in taken]
        verdicts = verify_outside_executions_batch([(oe, sig, RELAYER) for oe, sig, _ in batch], account=account,
                                                   chain_id=CHAIN_ID, block_timestamp=BLOCK_TIME)
        victim = index == VICTIM and batches == victim_after
        reserved, again, dropped, invalid = [], [], 0, 0
        for raw, (_, _, nonce), verdict in zip(taken, batch, verdicts):
            if not verdict.valid:
                invalid += 1
            elif state.reserve_nonce(account.address, nonce, ttl_ms=VICTIM_TTL_MS if victim else TTL_MS):
                reserved.append(nonce)
            elif state.nonce_status(account.address, nonce) is NonceStatus.USED:
                dropped += 1  # a replay
            else:
                again.append(raw)  # in flight at another worker (or expiring): try later
        if victim:
            client.rpush(f"{PREFIX}victim", *[str(n) for n in reserved] or ["none"])
            time.sleep(60)  # killed here, holding its reservations, before submitting
        for nonce in reserved:
            client.rpush(f"{PREFIX}submitted", nonce)
            state.confirm_nonce(account.address, nonce)
        pipe = client.pipeline(transaction=True)
        if again:
            pipe.rpush(f"{PREFIX}stream", *again)
        pipe.incrby(f"{PREFIX}dropped", dropped)
        pipe.incrby(f"{PREFIX}invalid", invalid)
        pipe.delete(mine)
        pipe.execute()
        batches += 1
        if not reserved and again:
            time.sleep(0.01)  # only in-flight nonces: let their reservations end
    client.close()


# --------------------------------------------------------------------------- the test

@pytest.fixture(scope="module")
def server() -> Any:
    with running_redis_server() as srv:
        yield srv


def test_four_workers_one_killed_every_message_once(server: RedisServer, backend: str) -> None:
    total = SIZES[backend][0]
    n_invalid, n_repeats = total // 100, total // 10
    n_valid = total - n_invalid - n_repeats
    items, address = _signed_stream(n_valid, n_invalid)
    rng = random.Random(2026)
    stream = list(range(len(items))) + [rng.randrange(n_valid) for _ in range(n_repeats)]
    rng.shuffle(stream)
    assert len(stream) == total and len(set(stream)) == n_valid + n_invalid
    account = account_of(CASE)
    assert account.address == address

    client = server.client()
    client.flushdb()
    for start in range(0, len(stream), 5_000):
        client.rpush(f"{PREFIX}stream", *stream[start:start + 5_000])
    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=_worker, args=(i, server.port, items, account, backend), daemon=True)
             for i in range(WORKERS)]
    for p in procs:
        p.start()
    try:
        # the victim reports the nonces it reserved; kill it before it submits them
        got = client.blpop([f"{PREFIX}victim"], timeout=DEADLINE_S)
        assert got is not None, "the victim worker never reached its last batch"
        held = [int(n) for n in [got[1], *client.lrange(f"{PREFIX}victim", 0, -1)] if n != b"none"]
        os.kill(procs[VICTIM].pid, signal.SIGKILL)  # type: ignore[arg-type]
        procs[VICTIM].join(10)
        assert procs[VICTIM].exitcode == -signal.SIGKILL
        state = RedisRelayerState(client, prefix=PREFIX)
        assert held
        client.register_script(GIVE_BACK)(keys=[f"{PREFIX}processing:{VICTIM}", f"{PREFIX}stream"])

        deadline = time.monotonic() + DEADLINE_S
        lists = [f"{PREFIX}stream"] + [f"{PREFIX}processing:{i}" for i in range(WORKERS) if i != VICTIM]
        while time.monotonic() < deadline and any(client.llen(k) for k in lists):
            time.sleep(0.05)
        client.set(f"{PREFIX}stop", 1)
        for p in procs[1:]:
            p.join(30)
        assert not any(client.llen(k) for k in lists), "the stream was not drained in time"
        assert [p.exitcode for p in procs[1:]] == [0] * (WORKERS - 1)

        submitted = [int(n) for n in client.lrange(f"{PREFIX}submitted", 0, -1)]
        valid_nonces = [items[i][2] for i in range(n_valid)]
        assert len(submitted) == len(set(submitted)), "a message was submitted twice"
        assert sorted(submitted) == sorted(valid_nonces), "a valid message was lost or an invalid one submitted"
        assert set(held) <= set(submitted)  # the victim's reservations expired and were taken over
        assert int(client.get(f"{PREFIX}dropped") or 0) == n_repeats
        assert int(client.get(f"{PREFIX}invalid") or 0) == n_invalid
        assert all(state.nonce_status(address, n) is NonceStatus.USED for n in valid_nonces[:: max(1, n_valid // 500)])
    finally:
        client.set(f"{PREFIX}stop", 1)
        for p in procs:
            if p.is_alive():
                p.kill()
            p.join(10)
        client.close()
