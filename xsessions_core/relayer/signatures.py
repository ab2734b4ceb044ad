"""Signature checks of the verifier: Cairo's ``check_ecdsa_signature`` on the backend
(:func:`cairo_ecdsa_args`), the per-check :class:`SignatureOracle` that records Stark signatures and
answers them after one native batch (:func:`resolve_signatures`, with the prepared public keys of
:mod:`.keycache` and the memo of verified authorisation signatures), and the other signer kinds.
The record-then-replay rule that uses them is written in :mod:`.pipeline`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..crypto import EC_ORDER, unchecked
from ..signers import SignerError, SignerSignature, StarknetSignature
from ..signers.curves import stark_ecdsa_args
from ..versions import AccountRules
from . import memos
from .keycache import verify_batch

__all__ = ["CheckFailed", "SignatureOracle", "cairo_ecdsa_args", "resolve_signatures"]

_N = EC_ORDER


class CheckFailed(Exception):
    """A check of the account failed: :attr:`error` is the account's error string."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


#: Cairo ``check_ecdsa_signature`` as backend ``verify`` arguments (one home: the signer layer).
cairo_ecdsa_args = stark_ecdsa_args


class SignatureOracle:
    """Answers "is this signer signature valid over this hash?" for one check.

    Stark signatures: in recording mode every one is answered ``True`` and remembered; the batch is
    then verified in one backend call and the check is re-run with the answers (the set of
    signatures a run needs never grows when some are invalid, so the recorded set always covers the
    real run). Signatures of the other kinds are verified when asked (once per check: the re-run
    reuses the answer) by :meth:`~xsessions_core.signers.SignerSignature.verify`; a panic of the
    account (and the 0.5.0 range panics of a Stark signature) raises :class:`CheckFailed` in both runs.
    """

    __slots__ = ("answers", "pending", "cacheable", "version", "range_check", "others")

    def __init__(self, rules: AccountRules) -> None:
        self.answers: dict[tuple[int, int, int, int], bool] | None = None
        self.pending: list[tuple[int, int, int, int]] = []
        self.cacheable: set[tuple[int, int, int, int]] = set()
        self.version = rules.version
        self.range_check = rules.stark_signature_range_check
        self.others: dict[tuple[int, SignerSignature], str | None] = {}

    def check(self, sig: SignerSignature, msg_hash: int, cacheable: bool = False) -> bool:
        signature = sig.signature
        if type(signature) is not StarknetSignature:
            return self._check_other(sig, msg_hash)
        r, s = signature.r, signature.s
        if (r >= _N or s >= _N) and self.range_check:
            # the account asserts r, s < the STARK order first: the signers package gives the panic
            raise CheckFailed(sig.verify(msg_hash, self.version, invalid="argent/invalid-r-value") or "")
        key = (msg_hash, sig.signer.pubkey, r, s)  # type: ignore[attr-defined]
        if self.answers is not None:
            answer = self.answers.get(key)
            if answer is None:  # not recorded: verify it now (never relied on, kept for safety)
                args = cairo_ecdsa_args(*key)
                answer = args is not None and bool(verify_batch([args])[0])
                self.answers[key] = answer
            return answer
        self.pending.append(key)
        if cacheable:
            self.cacheable.add(key)
        return True

    def _check_other(self, sig: SignerSignature, msg_hash: int) -> bool:
        """A signature of another kind than Starknet: ``True`` / ``False``, or the account's panic."""
        key = (msg_hash, sig)
        if key in self.others:
            error = self.others[key]
        else:
            try:
                error = sig.verify(msg_hash, self.version, invalid="")
            except SignerError:  # a value the account cannot hold (never from a decoded token)
                error = ""
            self.others[key] = error
        if error:
            raise CheckFailed(error)
        return error is None


def resolve_signatures(oracles: Sequence[SignatureOracle]) -> None:
    """Verify every pending signature of ``oracles`` with one backend batch call (a key used before
    verifies with its prepared table, :mod:`.keycache`; the answers are the same)."""
    b = unchecked
    name = b.name
    todo: dict[tuple[int, int, int, int], None] = {}
    known: dict[tuple[int, int, int, int], bool] = {}
    for o in oracles:
        for key in o.pending:
            if key in known or key in todo:
                continue
            if key in o.cacheable:
                hit = memos.auth_signatures.get((name, *key))
                if hit is not None:
                    known[key] = hit
                    continue
            todo[key] = None
    keys = list(todo)
    items: list[tuple[int, int, int, int]] = []
    slots: list[int | None] = []
    for key in keys:
        args = cairo_ecdsa_args(*key)
        if args is None:
            slots.append(None)
        else:
            slots.append(len(items))
            items.append(args)
    results = verify_batch(items)  # keys seen before verify with their prepared tables (.keycache)
    cacheable = set().union(*(o.cacheable for o in oracles)) if oracles else set()
    for key, slot in zip(keys, slots):
        ok = False if slot is None else bool(results[slot])
        known[key] = ok
        if key in cacheable:
            memos.auth_signatures.put((name, *key), ok, 4)
    for o in oracles:
        o.answers = {key: known[key] for key in o.pending}

