"""Session-transaction verification spread over worker processes.

Threads already overlap the native parts of verification (they release the GIL); processes also
run the Python parts side by side. :func:`verify_parallel` cuts the transactions into chunks,
verifies each chunk with :func:`~.batch.verify_session_transactions_batch` in a
:class:`~concurrent.futures.ProcessPoolExecutor` and returns the verdicts in input order, the same
as the single-process verifier gives. Every value that crosses to a worker (transactions as
mappings, :class:`~.verify.AccountInfo`, :class:`~.verify.AccountState`, :class:`~.verify.Verdict`)
pickles; each worker uses the crypto backend of the caller.

Starting a pool costs tens of milliseconds: a relayer keeps one (``executor=``) rather than
passing ``processes`` on every call.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Union

from .. import crypto
from ..errors import SessionError
from .batch import verify_session_transactions_batch
from .parsing import tx_felt, tx_field
from .types import AccountInfo, AccountState, Verdict

__all__ = ["verify_parallel", "DEFAULT_CHUNK_SIZE"]

#: Transactions per chunk sent to a worker: large enough that pickling and scheduling stay a small
#: part of the work, small enough to spread a few thousand transactions over the workers.
DEFAULT_CHUNK_SIZE = 256

AccountLookup = Union[Mapping[int, AccountInfo], Callable[[int], AccountInfo]]
StateLookup = Union[Mapping[int, AccountState], Callable[[int], Union[AccountState, None]]]

#: One chunk of work: backend name, chain id, block timestamp and runs of (account, state, transactions).
_Chunk = tuple[str, Union[int, str], int, list[tuple[AccountInfo, Union[AccountState, None], list[object]]]]


def _lookup(table: AccountLookup | StateLookup | None, address: int, name: str) -> object:
    if table is None:
        return None
    if isinstance(table, Mapping):
        try:
            return table[address]
        except KeyError:
            raise SessionError(f"{name} has no entry for sender_address {hex(address)}") from None
    return table(address)


def _verify_chunk(chunk: _Chunk) -> list[Verdict]:
    """Worker side: verify the runs of one chunk with the caller's backend."""
    backend, chain_id, block_timestamp, runs = chunk
    if crypto.BACKEND != backend:
        crypto.use_backend(backend)
    out: list[Verdict] = []
    for account, state, txs in runs:
        out += verify_session_transactions_batch(txs, account=account, chain_id=chain_id,
                                                 block_timestamp=block_timestamp, state=state)
    return out


def _chunks(transactions: Sequence[object], account_for: AccountLookup, state_for: StateLookup | None,
           chain_id: int | str, block_timestamp: int, chunk_size: int) -> list[_Chunk]:
    backend = crypto.BACKEND
    chunks: list[_Chunk] = []
    for start in range(0, len(transactions), chunk_size):
        runs: list[tuple[AccountInfo, AccountState | None, list[object]]] = []
        for i in range(start, min(start + chunk_size, len(transactions))):
            tx = transactions[i]
            address = tx_felt(tx_field(tx, "sender_address"), f"transactions[{i}].sender_address")
            account = _lookup(account_for, address, "account_for")
            if not isinstance(account, AccountInfo):
                raise SessionError(f"account_for must give an AccountInfo, got {type(account).__name__}")
            state = _lookup(state_for, address, "state_for")
            if state is not None and not isinstance(state, AccountState):
                raise SessionError(f"state_for must give an AccountState or None, got {type(state).__name__}")
            if runs and runs[-1][0] == account and (runs[-1][1] is state or runs[-1][1] == state):
                runs[-1][2].append(tx)
            else:
                runs.append((account, state, [tx]))
        chunks.append((backend, chain_id, block_timestamp, runs))
    return chunks


def verify_parallel(transactions: Sequence[object], *, account_for: AccountLookup, chain_id: int | str,
                    block_timestamp: int, state_for: StateLookup | None = None, processes: int | None = None,
                    executor: Executor | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE) -> list[Verdict]:
    """:func:`~.verify.verify_session_transaction` of many transactions, over worker processes.

    :param transactions: session-signed INVOKE v3 transactions (JSON-RPC mappings or anything
        else :func:`~.verify.verify_session_transaction` takes that pickles), of any accounts.
    :param account_for: the :class:`~.verify.AccountInfo` of a sender address: a mapping
        ``{address: AccountInfo}`` or a function of the address (called in this process).
    :param chain_id, block_timestamp: as for the single-transaction verifier.
    :param state_for: the :class:`~.verify.AccountState` of a sender address (mapping or
        function; ``None`` = empty state for every account).
    :param processes: workers of the pool made for this call (default ``os.cpu_count()``);
        ``1`` verifies in this process. Ignored when ``executor`` is given.
    :param executor: a pool to use (and keep) instead, e.g. a long-lived ``ProcessPoolExecutor``.
    :param chunk_size: transactions per chunk.
    :return: one :class:`~.verify.Verdict` per transaction, in input order.
    :raises TransactionError, SessionError: the first malformed transaction (in input order) or
        bad argument, as the single-process verifier raises it.
    """
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise SessionError(f"chunk_size must be a positive int, got {chunk_size!r}")
    if processes is not None and (isinstance(processes, bool) or not isinstance(processes, int) or processes < 1):
        raise SessionError(f"processes must be a positive int or None, got {processes!r}")
    items = list(transactions)
    chunks = _chunks(items, account_for, state_for, chain_id, block_timestamp, chunk_size)
    if executor is not None:
        return [v for verdicts in executor.map(_verify_chunk, chunks) for v in verdicts]
    workers = min(processes or os.cpu_count() or 1, len(chunks))
    if workers <= 1:
        return [v for chunk in chunks for v in _verify_chunk(chunk)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [v for verdicts in pool.map(_verify_chunk, chunks) for v in verdicts]
