"""No request can change another's verdict: batch verdicts equal one-by-one verdicts, whatever the
caches hold or evict, including under cache pressure from another thread."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import h
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_relayer_batch import GUARDIAN_KEY, _broadcast, _transactions, _valid_case
from test_relayer_verdicts import account_of

from xsessions_core.errors import XSessionsError
from xsessions_core.relayer import (
    PHASE_NODE,
    Verdict,
    verify_session_transaction,
    verify_session_transactions_batch,
)
from xsessions_core.relayer import memos
from xsessions_core.relayer import verify as verify_module
from xsessions_core.relayer.cache import BoundedCache, entry_cost
from xsessions_core.sessions.guardian import LocalGuardian
from xsessions_core.sessions.objects import Session
from xsessions_core.sessions.context import SessionContext

# Signs with the recorded sessions: sign at a time they were valid.
pytestmark = pytest.mark.usefixtures("recorded_clock")

AUTH_START = 7  # signature[6] is the authorisation length (4 here), its felts follow
SESSION_R = 13  # session signature r (after the 4 authorisation felts and the signer's variant, key)


def signed_transactions(version: str, n: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``n`` valid session transactions of the vector session of ``version`` and the verify kwargs."""
    case = _valid_case(version)
    ctx = SessionContext(Session.from_dict(case["session"]), None)
    txs = _transactions(case, n)
    sigs = ctx.sign_invoke_many(txs, guardian=LocalGuardian(GUARDIAN_KEY), now=case["block"]["timestamp"])
    signed = [_broadcast(case, tx, sig) for tx, sig in zip(txs, sigs)]
    common = dict(account=account_of(case), chain_id=h(case["chain_id"]), block_timestamp=case["block"]["timestamp"])
    return signed, common


def with_junk_authorization(tx: dict[str, Any], seed: int) -> dict[str, Any]:
    """``tx`` with random owner/guardian authorisation signatures (no key needed to make them)."""
    rng = random.Random(seed)
    sig = list(tx["signature"])
    for i in range(AUTH_START, AUTH_START + 4):
        sig[i] = rng.randrange(1, 2**251)
    return dict(tx, signature=sig)


def with_bad_session_signature(tx: dict[str, Any]) -> dict[str, Any]:
    sig = list(tx["signature"])
    sig[SESSION_R] ^= 1
    return dict(tx, signature=sig)


class WipingCache:
    """An authorisation-outcome memo that forgets everything when full (the harshest eviction)."""

    def __init__(self, max_entries: int) -> None:
        self.data: dict[Any, Any] = {}
        self.max_entries = max_entries

    def get(self, key: Any) -> Any:
        return self.data.get(key)

    def put(self, key: Any, value: Any, *_: Any) -> None:
        if len(self.data) >= self.max_entries:
            self.data.clear()
        self.data[key] = value

    def clear(self) -> None:
        self.data.clear()

    def __len__(self) -> int:
        return len(self.data)


@pytest.fixture(params=["0.4.0", "0.5.0"])
def version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_cache_wipe_between_passes_cannot_fail_a_batch(version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reproduction: fill the authorisation memo with junk through the public batch API, then
    verify fresh junk followed by a bad session signature of a session whose authorisation is
    memoised. The junk's outcome evicts that memo between the two passes; the batch used to raise
    ``KeyError`` for every transaction of the chunk."""
    monkeypatch.setattr(memos, "auth_outcomes", WipingCache(8))
    signed, common = signed_transactions(version, 10)
    assert verify_session_transactions_batch(signed[:1], **common) == [Verdict(True)]  # authorisation memoised
    fill = [with_junk_authorization(signed[1], seed) for seed in range(7)]
    filled = verify_session_transactions_batch(fill, **common)
    assert all(not v.valid for v in filled) and len(memos.auth_outcomes) == 8
    batch = [with_junk_authorization(signed[2], 100), with_bad_session_signature(signed[3]), signed[4]]
    got = verify_session_transactions_batch(batch, **common)
    assert got[1] == Verdict(False, "session/invalid-session-sig", "validate")
    assert got[2] == Verdict(True)
    verify_module.clear_caches()
    assert got == [verify_session_transaction(tx, **common) for tx in batch]


def test_memo_eviction_between_passes_keeps_the_verdict(version: str) -> None:
    """The same mechanism without a batch: every cache is cleared between the recording pass and
    the signature check of one verification."""
    signed, common = signed_transactions(version, 2)
    assert verify_session_transaction(signed[0], **common) == Verdict(True)  # authorisation memoised
    bad = with_bad_session_signature(signed[1])
    pending = verify_module.prepare_session_transactions([bad], **common)
    verify_module.clear_caches()
    assert verify_module.finish(pending) == [Verdict(False, "session/invalid-session-sig", "validate")]


def test_lru_keeps_recent_entries_and_bounds_bytes() -> None:
    cache = BoundedCache(max_entries=3, max_bytes=10 * entry_cost(4), max_item_felts=50)
    for k in "abc":
        cache.put(k, k.upper(), 1)
    assert cache.get("a") == "A"  # now the most recent
    cache.put("d", "D", 1)
    assert cache.get("b") is None and [cache.get(k) for k in "acd"] == ["A", "C", "D"]
    cache.put("big", 0, 51)  # over max_item_felts: not stored
    assert cache.get("big") is None and len(cache) == 3
    small = BoundedCache(max_entries=100, max_bytes=2 * entry_cost(40), max_item_felts=1000)
    for i in range(10):
        small.put(i, i, 40)
        assert small.bytes_used <= small.max_bytes
    assert len(small) == 2 and small.get(9) == 9 and small.get(7) is None
    small.clear()
    assert small.bytes_used == 0 and len(small) == 0


def test_long_authorisations_stay_within_the_byte_bounds(version: str) -> None:
    """A long junk authorisation is judged, and the memos stay within their byte limits."""
    signed, common = signed_transactions(version, 1)
    sig = list(signed[0]["signature"])
    n = 3000
    long_auth = [*sig[:6], n, *range(1, n + 1), *sig[AUTH_START + 4:]]
    tx = dict(signed[0], signature=long_auth)
    v = verify_session_transaction(tx, **common)
    assert not v.valid and v.phase == "validate"
    for cache in (memos.auth_outcomes, memos.auth_signatures, memos._proofs):  # noqa: SLF001
        assert cache.bytes_used <= cache.max_bytes


# --------------------------------------------------------------------------- property test

_KINDS = ("valid", "junk_auth", "bad_session_sig", "bad_felt", "too_long", "other_sender")


def _item(kind: str, tx: dict[str, Any], seed: int) -> object:
    if kind == "valid":
        return tx
    if kind == "junk_auth":
        return with_junk_authorization(tx, seed)
    if kind == "bad_session_sig":
        return with_bad_session_signature(tx)
    if kind == "bad_felt":
        return dict(tx, nonce=" 0x5")
    if kind == "too_long":
        return dict(tx, signature=[*tx["signature"], *([0] * 4000)])
    return dict(tx, sender_address=hex(h(tx["sender_address"]) + 1))


@pytest.fixture(scope="module")
def pools() -> dict[str, tuple[list[dict[str, Any]], dict[str, Any]]]:
    return {v: signed_transactions(v, 6) for v in ("0.4.0", "0.5.0")}


@pytest.fixture
def cache_pressure(pools: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]]) -> Iterator[None]:
    """Another thread verifying junk and clearing every cache, until the test ends."""
    stop = threading.Event()
    errors: list[BaseException] = []
    signed, common = pools["0.4.0"]

    def churn() -> None:
        seed = 10_000
        try:
            while not stop.is_set():
                seed += 1
                verify_session_transactions_batch([with_junk_authorization(signed[0], seed)], **common)
                verify_module.clear_caches()
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    thread = threading.Thread(target=churn, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()
    assert not errors, errors


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_batch_equals_one_by_one_under_cache_pressure(
    data: st.DataObject, pools: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]], cache_pressure: None,
) -> None:
    version = data.draw(st.sampled_from(sorted(pools)))
    signed, common = pools[version]
    kinds = data.draw(st.lists(st.sampled_from(_KINDS), min_size=1, max_size=6))
    items = [_item(kind, signed[i % len(signed)], data.draw(st.integers(0, 2**32))) for i, kind in enumerate(kinds)]
    batch = verify_session_transactions_batch(items, **common)
    assert len(batch) == len(items)
    for kind, item, verdict in zip(kinds, items, batch):
        try:
            single = verify_session_transaction(item, **common)
        except XSessionsError as exc:
            assert verdict == Verdict(False, str(exc), PHASE_NODE), kind
        else:
            assert verdict == single, kind
        if kind == "valid":
            assert verdict == Verdict(True)
