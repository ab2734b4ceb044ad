"""verify_parallel: the single-process verdicts, in input order, from worker processes."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from conftest import h
from test_relayer_batch import _broadcast, _transactions, _valid_case, sign_all
from test_relayer_verdicts import CASES, account_of, state_of

from xsessions_core.errors import SessionError, TransactionError
from xsessions_core.relayer import (
    verify_parallel,
    verify_session_transaction,
    verify_session_transactions_batch,
)
from xsessions_core.sessions.objects import Session
from xsessions_core.sessions.context import SessionContext

# Signs with the recorded sessions: sign at a time they were valid.
pytestmark = pytest.mark.usefixtures("recorded_clock")


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    with ProcessPoolExecutor(max_workers=2) as executor:
        yield executor


def _signed(version: str, n: int) -> tuple[list[dict[str, Any]], Any]:
    """``n`` session transactions of the vector account of ``version``; every third one tampered."""
    case = _valid_case(version)
    ctx = SessionContext(Session.from_dict(case["session"]), None)
    txs = _transactions(case, n)
    out = []
    for i, (tx, sig) in enumerate(zip(txs, sign_all(ctx, txs))):
        if i % 3 == 1:
            sig = [*sig[:-1], sig[-1] ^ 1]  # invalid guardian signature
        out.append(_broadcast(case, tx, sig))
    return out, case


def _interleaved(n: int) -> tuple[list[dict[str, Any]], dict[int, Any], list[Any]]:
    """Transactions of two accounts (0.4.0 and 0.5.0), interleaved in runs of uneven length."""
    a, case_a = _signed("0.4.0", n)
    b, case_b = _signed("0.5.0", n)
    mixed: list[dict[str, Any]] = []
    while a or b:
        mixed += a[:3] + b[:1]
        a, b = a[3:], b[1:]
    accounts = {account_of(c).address: account_of(c) for c in (case_a, case_b)}
    expected = [verify_session_transaction(tx, account=accounts[h(tx["sender_address"])], chain_id=h(case_a["chain_id"]),
                                           block_timestamp=case_a["block"]["timestamp"]) for tx in mixed]
    return mixed, accounts, expected


def test_same_verdicts_in_input_order(pool: ProcessPoolExecutor, backend: str) -> None:
    n = 60 if backend == "native" else 12
    txs, accounts, expected = _interleaved(n)
    case = _valid_case("0.4.0")
    assert accounts[account_of(case).address].address == account_of(case).address
    assert {v.valid for v in expected} == {True, False}
    kwargs: dict[str, Any] = dict(account_for=accounts, chain_id=h(case["chain_id"]),
                                  block_timestamp=case["block"]["timestamp"])
    for chunk_size in (1, 7, 256):
        assert verify_parallel(txs, executor=pool, chunk_size=chunk_size, **kwargs) == expected
    assert verify_parallel(txs, processes=2, chunk_size=5, **kwargs) == expected  # a pool of its own
    assert verify_parallel(txs, processes=1, **kwargs) == expected  # in this process
    assert verify_parallel(txs, executor=pool, account_for=accounts.__getitem__, chunk_size=4,
                           chain_id=kwargs["chain_id"], block_timestamp=kwargs["block_timestamp"]) == expected
    assert verify_parallel([], executor=pool, **kwargs) == []


def test_every_vector_case(pool: ProcessPoolExecutor) -> None:
    """Each invoke case of contract_verdicts.json with its own account and state, three copies."""
    for case in (c for c in CASES if c["transaction"]["kind"] == "invoke_v3"):
        tx = case["transaction"]
        account, state = account_of(case), state_of(case)
        kwargs: dict[str, Any] = dict(chain_id=h(case["chain_id"]), block_timestamp=case["block"]["timestamp"])
        expected = verify_session_transactions_batch([tx] * 3, account=account, state=state, **kwargs)
        got = verify_parallel([tx] * 3, account_for={account.address: account}, state_for={account.address: state},
                              executor=pool, chunk_size=2, **kwargs)
        assert got == expected, case["id"]


def test_accounts_and_session_keys_of_every_signer_kind(pool: ProcessPoolExecutor) -> None:
    """The invoke cases of contract_verdicts_signers.json (owners and session keys of every kind),
    all in one call with an account per sender: the workers give the real account's verdicts."""
    from test_relayer_signers import CASES as SIGNER_CASES, account_of as signer_account_of, expected

    cases = [c for c in SIGNER_CASES if c["transaction"]["kind"] == "invoke_v3"]
    by_block: dict[int, list[dict[str, Any]]] = {}
    for case in cases:
        by_block.setdefault(case["block"]["timestamp"], []).append(case)
    for timestamp, group in by_block.items():
        accounts = {signer_account_of(c).address: signer_account_of(c) for c in group}
        states = {signer_account_of(c).address: state_of(c) for c in group}
        got = verify_parallel([c["transaction"] for c in group], account_for=accounts, state_for=states,
                              executor=pool, chunk_size=3, chain_id=h(group[0]["chain_id"]),
                              block_timestamp=timestamp)
        assert got == [expected(c) for c in group]


def test_errors_are_the_single_process_ones(pool: ProcessPoolExecutor) -> None:
    txs, accounts, _ = _interleaved(6)
    case = _valid_case("0.4.0")
    kwargs: dict[str, Any] = dict(account_for=accounts, chain_id=h(case["chain_id"]),
                                  block_timestamp=case["block"]["timestamp"])
    broken = [dict(tx) for tx in txs]
    broken[5]["nonce"] = 2**252  # not a felt
    broken[9]["tip"] = 2**64  # malformed items get their own "node" verdict; the others are still verified
    single = [verify_session_transactions_batch([tx], account=accounts[h(tx["sender_address"])],
                                                chain_id=kwargs["chain_id"], block_timestamp=kwargs["block_timestamp"])[0]
              for tx in broken]
    parallel = verify_parallel(broken, executor=pool, chunk_size=2, **kwargs)
    assert parallel == single
    assert not parallel[5].valid and not parallel[9].valid and parallel[4].valid
    with pytest.raises(SessionError, match="account_for has no entry"):
        verify_parallel(txs, executor=pool, account_for={}, chain_id=1, block_timestamp=1)
    with pytest.raises(SessionError, match="must give an AccountInfo"):
        verify_parallel(txs, executor=pool, account_for=lambda address: None,  # type: ignore[arg-type,return-value]
                        chain_id=1, block_timestamp=1)
    for bad in ({"chunk_size": 0}, {"processes": 0}, {"processes": True}):
        with pytest.raises(SessionError):
            verify_parallel(txs, **kwargs, **bad)

