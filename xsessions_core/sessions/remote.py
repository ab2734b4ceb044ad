"""Session signing at volume with a remote guardian (the Argent cosigner or any :class:`Cosigner`).

:func:`sign_transactions_async` takes the transactions
:meth:`~xsessions_core.sessions.context.SessionContext.sign_invoke_many` takes, validates them, hashes and
session-signs them in native batches (one backend call each for the transaction hashes, the token
messages and the session key's signatures), then asks the cosigner for every guardian signature
concurrently, at most ``concurrency`` at a time, and verifies the guardian signatures in batches in
a worker thread (the native verifier releases the GIL). While the network answers, the event loop
keeps signing the next chunk.

It returns one entry per transaction, in input order: the full session-token signature, or the typed
exception that transaction met (a malformed transaction, a call the session does not allow, a fee
above the session's limit, a cosigner failure or a guardian signature that does not verify). One bad
answer fails one transaction, never the batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, Union

from ..crypto import verify_message_signature_batch
from ..errors import CosignerBadResponse, CosignerError, XSessionsError
from ..transactions import InvokeV3
from .fee_limits import FeeLimits
from .guardian import Cosigner, GuardianSignature, GuardianTransactionRequest
from .objects import AnySessionKey, Session
from .context import SessionContext, SessionSignature, SigningOptions, prepare_transaction, signing_options

__all__ = ["SignResult", "prepare_transaction", "sign_transactions_async"]

#: One result of :func:`sign_transactions_async`: the signature array, or the transaction's error.
SignResult = Union[list[int], XSessionsError]

#: Transactions hashed and session-signed per backend call before the loop lets answers in.
_CHUNK = 256


async def sign_transactions_async(
    session: Session,
    session_key: AnySessionKey | None,
    transactions: Iterable[object],
    cosigner: Cosigner,
    *,
    concurrency: int = 64,
    options: SigningOptions | None = None,
    fee_limits: FeeLimits | None = None,
    now: int | float | None = None,
    allow_expired: bool = False,
    **deprecated: Any,
) -> list[SignResult]:
    """Session-token signatures of many invoke v3 transactions, co-signed by a remote guardian.

    :param transactions: the mappings :func:`prepare_transaction` reads.
    :param cosigner: e.g. an :class:`~xsessions_core.sessions.argent_cosigner.ArgentCosigner`
        (its own retries and pool apply; every guardian signature is verified here in one batch,
        so its ``verify_signature`` may be turned off).
    :param concurrency: co-signing requests in flight at once.
    :param options: the :class:`~xsessions_core.sessions.context.SigningOptions`
        (``cache_authorization``, ``account_version``, ``owner_guid`` are their deprecated spellings).
    :param fee_limits: refuse transactions whose maximum fee is above these limits (e.g.
        :meth:`FeeLimits.from_session`), before signing them.
    :param now: the time the session's expiry is checked against (``None``: the wall clock; relayers
        pass the block time). :param allow_expired: skip the expiry check.
    :return: per transaction, in input order: the signature array, or the exception for that
        transaction (:class:`TransactionError`, :class:`~xsessions_core.errors.PolicyViolation`,
        a :class:`CosignerError` subclass).
    :raises SessionExpired: the session expired at ``now`` (nothing is signed or sent).
    :raises SessionError: the session or key is unusable (nothing is signed).
    :raises ValueError: ``concurrency`` is not a positive int.
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be an int >= 1, got {concurrency!r}")
    if fee_limits is not None and not isinstance(fee_limits, FeeLimits):
        raise TypeError(f"fee_limits must be FeeLimits, got {type(fee_limits).__name__}")
    options = signing_options(options, "sign_transactions_async", deprecated)
    ctx = SessionContext(session, session_key, options)
    ctx.check_not_expired(now=now, allow_expired=allow_expired)
    items = list(transactions)
    results: list[SignResult | None] = [None] * len(items)
    ready: list[tuple[int, InvokeV3, list[int]]] = []
    for i, tx in enumerate(items):
        try:
            transaction, calls = prepare_transaction(session, tx, i)
            proofs = ctx.proofs_felts(calls)
            if fee_limits is not None:
                fee_limits.check_resource_bounds(transaction.resource_bounds, transaction.tip,
                                                 what=f"transactions[{i}] max fee")
        except XSessionsError as exc:
            results[i] = exc
            continue
        ready.append((i, transaction, proofs))

    queue: asyncio.Queue[tuple[int, int, int, SessionSignature, InvokeV3] | None] = asyncio.Queue(
        maxsize=2 * concurrency)
    answers: list[tuple[int, int, SessionSignature, GuardianSignature]] = []
    checks: list[asyncio.Future[None]] = []
    proofs_of = {i: proofs for i, _, proofs in ready}

    async def produce() -> None:
        try:
            for start in range(0, len(ready), _CHUNK):
                chunk = ready[start:start + _CHUNK]
                hashes = InvokeV3.hash_many([transaction for _, transaction, _ in chunk])
                messages = ctx.token_message_hashes(hashes)
                signatures = ctx.session_signatures(messages)
                for (i, transaction, _), h, m, sig in zip(chunk, hashes, messages, signatures):
                    await queue.put((i, h, m, sig, transaction))
        finally:  # the workers stop even if signing failed
            for _ in range(concurrency):
                await queue.put(None)

    async def finish(batch: list[tuple[int, int, SessionSignature, GuardianSignature]]) -> None:
        """Verify a batch of guardian signatures (natively in a worker thread, without the GIL) and
        assemble the signature arrays."""
        valid = await asyncio.to_thread(
            verify_message_signature_batch, [(m, (g.r, g.s), g.public_key) for _, m, _, g in batch])
        for (i, _, signature, guardian), ok in zip(batch, valid):
            results[i] = ctx.assemble(signature, guardian, proofs_of[i]) if ok else CosignerBadResponse(
                f"transactions[{i}]: the guardian signature does not verify over the session-token message")

    def answered(i: int, message: int, signature: SessionSignature, guardian: object) -> None:
        if not isinstance(guardian, GuardianSignature):
            results[i] = CosignerBadResponse(f"the cosigner returned {type(guardian).__name__}, not a GuardianSignature")
            return
        answers.append((i, message, signature, guardian))
        if len(answers) >= _CHUNK:
            checks.append(asyncio.ensure_future(finish(answers[:])))
            answers.clear()

    async def cosign() -> None:
        while (item := await queue.get()) is not None:
            i, tx_hash, message, signature, transaction = item
            request = GuardianTransactionRequest(ctx.guardian_session_info(signature), tx_hash, transaction)
            try:
                answered(i, message, signature, await cosigner.sign_session_transaction(request))
            except XSessionsError as exc:
                results[i] = exc
            except Exception as exc:  # a third-party cosigner's own failure: typed, for this transaction only
                results[i] = CosignerError(f"the cosigner raised {type(exc).__name__}: {exc}")

    await asyncio.gather(produce(), *(cosign() for _ in range(concurrency)))
    await asyncio.gather(*checks, finish(answers))
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]
