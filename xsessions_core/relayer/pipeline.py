"""The check pipeline of the relayer's verifier: one :class:`SessionCheck` per transaction or
outside execution, the steps of ``assert_valid_session`` in the order of the account version's
:attr:`AccountRules.session_checks <xsessions_core.versions.AccountRules.session_checks>`, and the
batch halves :func:`prepare_session_transactions` / :func:`prepare_outside_executions` and :func:`finish`.

**Record, then replay.** A verification never verifies a Stark signature on its own:

1. *record*: every check runs once with a :class:`~.signatures.SignatureOracle` that answers
   "valid" to every Stark signature it is asked about and remembers it; the run stops before the
   Merkle proofs (the steps from ``CHECK_PROOFS`` on), which are hashed only when needed;
2. *batch*: :func:`finish` verifies every recorded signature of every check in one native batch
   (:func:`~.signatures.resolve_signatures`; keys seen before use their prepared tables);
3. *replay*: a check whose signatures were all valid keeps the result of its recording run and
   runs the remaining steps (:meth:`SessionCheck.proofs_error`); any other check runs again,
   one by one, with the real answers, and its first failing step gives the verdict.

This is exact because a run asks for a subset of the signatures the recording run asked for:
every step before the first failing signature sees the same inputs in both runs (the recorded
answers only turn "valid" into "invalid"), so the replay stops at the same step the account
would. Signatures of other kinds are verified when a step reaches them, once per check.
Memoised outcomes (:mod:`.memos`) are pinned on the first run. The rule holds for every step:
``tests/test_verifier_pipeline.py`` compares, for each step failing on its own, the batched
verdict with the verdict of a check run one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from starknet_py.net.client_models import Call

from ..cairo_serde import CairoReader, deserialize_all
from ..crypto import InvokeV3HashRow, unchecked
from ..errors import SessionError, TransactionError, XSessionsError, describe_value
from ..session_token import SessionToken, SessionTokenError, decode_session_token_felts, is_session_signature
from ..session_token import read_signer_signature
from ..sessions.fee_limits import FeeLimits, PolicyVerdict, check_fee_limits
from ..sessions.outside_execution import ANY_CALLER, outside_execution_hash_unchecked
from ..signers import SignerSignature, StarknetSignature, StarknetSigner
from ..transactions import QUERY_VERSION_OFFSET, InvokeV3
from ..versions import (
    CHECK_AUTHORIZATION,
    CHECK_BACKEND_SIGNATURE,
    CHECK_DECODE,
    CHECK_EXPIRED,
    CHECK_GUARDIAN_KEY,
    CHECK_MAGIC,
    CHECK_NO_MULTICALL_TO_SELF,
    CHECK_PROOF_COUNT,
    CHECK_PROOFS,
    CHECK_REVOKED,
    CHECK_SESSION_KEY,
    CHECK_SESSION_SIGNATURE,
    AccountRules,
    AuthorizationScheme,
)
from . import memos
from .memos import allowed_method_leaf, merkle_proof_ok, session_hash_of
from .parsing import (
    CalldataPanic,
    OutsideExecutionData,
    check_node_length,
    felt_list,
    outside_calldata_length,
    parse_execute_calls,
    parse_invoke_v3,
    parse_outside_execution,
    tx_felt,
    tx_felts,
)
from .signatures import CheckFailed, SignatureOracle, resolve_signatures
from .types import (
    DEFAULT_NODE_RULES,
    NOT_A_SESSION,
    PHASE_EXECUTE,
    PHASE_NODE,
    PHASE_OUTSIDE,
    PHASE_VALIDATE,
    REPLAYED_OR_IN_FLIGHT,
    AccountInfo,
    AccountState,
    NodeRules,
    RejectedInput,
    Verdict,
    felt_arg,
    node_rules_arg,
    signer_guid,
)

if TYPE_CHECKING:
    from .state import RelayerState

__all__ = [
    "STEPS",
    "SessionCheck",
    "Pending",
    "start_checks",
    "prepare_session_transactions",
    "prepare_outside_executions",
    "finish",
    "fee_limits_arg",
    "with_policy",
    "reserve_outside_nonces",
    "batch_items",
]

_VALID_INVOKE_VERSIONS = (1, 3, QUERY_VERSION_OFFSET + 1, QUERY_VERSION_OFFSET + 3)
_ESTIMATE_VERSIONS = (QUERY_VERSION_OFFSET + 1, QUERY_VERSION_OFFSET + 2, QUERY_VERSION_OFFSET + 3)
_VALIDATE_TIMESTAMP_ROUNDING = 3600
_EMPTY_STATE = AccountState()


@dataclass
class SessionCheck:
    """One run of ``assert_valid_session(calls, hash, signature)`` (memoises its hashes)."""

    account: AccountInfo
    state: AccountState
    chain_id: int
    calls: Sequence[Call]
    tx_hash: int
    signature: Sequence[int]
    timestamp: int
    estimate: bool
    oracle: SignatureOracle = field(init=False)
    rules: AccountRules = field(init=False)
    #: fee estimation on a version that skips the session-key and backend signatures
    skip_session_signatures: bool = field(init=False)
    #: the steps of the check before the proofs, and from the proofs on (:func:`_plan`)
    plan: tuple[tuple[Callable[[SessionCheck], None], ...], tuple[Callable[[SessionCheck], None], ...]] = field(
        init=False)
    token: SessionToken | None = None
    decode_error: str = ""
    session_hash: int = 0
    message: int = 0
    max_proof_length: int = DEFAULT_NODE_RULES.max_proof_length
    auth_key: tuple[Any, ...] | None = None
    auth_outcome: str | None = None
    #: what the first run read from :data:`memos.auth_outcomes` (later runs reuse it: an eviction by
    #: another request between the runs cannot change the path a run takes)
    auth_memo: str | None = None
    auth_memo_read: bool = False

    def __post_init__(self) -> None:
        self.rules = self.account.rules
        self.oracle = SignatureOracle(self.rules)
        self.skip_session_signatures = self.estimate and self.rules.estimate_skips_session_signatures
        self.plan = _plan(self.rules)

    def run(self) -> str | None:
        """The account's error string, or ``None`` when the session signature is accepted.

        :meth:`decode` must have been called and :attr:`message` set (see :func:`start_checks`).
        """
        self.auth_outcome = None
        try:
            self._run()
        except CheckFailed as exc:
            return exc.error
        return None

    def decode(self) -> list[int] | None:
        """Decode the token and compute the session hash (memoised per session); returns the
        inputs of the token message ``[tx_hash, session_hash, cache_value]``, ``None`` if the
        signature does not decode (:meth:`run` then reports the decoding error)."""
        try:
            token = decode_session_token_felts(self.signature, self.rules.version)
        except SessionTokenError as exc:
            self.decode_error = exc.contract_error
            return None
        self.token = token
        self.session_hash = session_hash_of(token.session, self.account.address, self.chain_id)
        return [self.tx_hash, self.session_hash, token.cache_value]

    def _run(self) -> None:
        """The steps of :attr:`rules` ``.session_checks`` in order; a recording run (no answers yet)
        stops before the proofs, which wait for the signatures (:meth:`proofs_error`)."""
        before_proofs, from_proofs = self.plan
        for step in before_proofs:
            step(self)
        if self.oracle.answers is None:
            return
        for step in from_proofs:
            step(self)

    def proofs_error(self) -> str | None:
        """The steps from the proofs on, that end a run whose signatures were all valid: the
        account's error or ``None``."""
        try:
            for step in self.plan[1]:
                step(self)
        except CheckFailed as exc:
            return exc.error
        return None

    # ---- the steps (CHECK_* of xsessions_core.versions); those after CHECK_DECODE read the decoded
    # :attr:`token` (not None: the decode step ran before them)

    def _check_no_multicall_to_self(self) -> None:
        address = self.account.address
        for call in self.calls:
            if call.to_addr == address:
                raise CheckFailed("argent/no-multicall-to-self")

    def _check_magic(self) -> None:
        if not is_session_signature(self.signature):
            raise CheckFailed("session/invalid-magic-value")

    def _check_decode(self) -> None:
        if self.token is None:
            raise CheckFailed(self.decode_error)

    def _check_revoked(self) -> None:
        if self.session_hash in self.state.revoked_sessions:
            raise CheckFailed("session/revoked")

    def _check_expired(self) -> None:
        if self.token.session.expires_at < self.timestamp:  # type: ignore[union-attr]
            raise CheckFailed("session/expired")

    def _check_session_key(self) -> None:
        token: SessionToken = self.token  # type: ignore[assignment]
        if signer_guid(token.session_signature.signer) != token.session.session_key_guid:
            raise CheckFailed("session/session-key-mismatch")

    def _check_session_signature(self) -> None:
        if not (self.oracle.check(self.token.session_signature, self.message)  # type: ignore[union-attr]
                or self.skip_session_signatures):
            raise CheckFailed("session/invalid-session-sig")

    def _check_guardian_key(self) -> None:
        if self.token.guardian_signature.signer != self.account.guardian:  # type: ignore[union-attr]
            raise CheckFailed("session/guardian-key-mismatch")

    def _check_backend_signature(self) -> None:
        if not (self.oracle.check(self.token.guardian_signature, self.message)  # type: ignore[union-attr]
                or self.skip_session_signatures):
            raise CheckFailed("session/invalid-backend-sig")

    def _check_proof_count(self) -> None:
        if len(self.token.proofs) != len(self.calls):  # type: ignore[union-attr]
            raise CheckFailed("session/unaligned-proofs")

    def _check_proofs(self) -> None:
        token: SessionToken = self.token  # type: ignore[assignment]
        root = token.session.allowed_methods_root
        for call, proof in zip(self.calls, token.proofs):
            # no allowed-methods tree is deeper than max_proof_length (NodeRules): such a proof
            # cannot reach the root, and is not hashed
            if len(proof) > self.max_proof_length or not merkle_proof_ok(root, allowed_method_leaf(call.to_addr, call.selector), proof):
                raise CheckFailed("session/invalid-call")

    def _check_authorization(self) -> None:
        """The version's authorisation check; its outcome is memoised (:data:`memos.auth_outcomes`)."""
        token: SessionToken = self.token  # type: ignore[assignment]
        acct, cache = self.account, self.state.session_cache
        single_owner = self.rules.authorization is AuthorizationScheme.SINGLE_OWNER
        if single_owner:
            cached = cache.get((acct.owner_guid, acct.guardian_guid, self.session_hash), 0) if (
                cache and token.cache_value and acct.guardian_guid is not None) else 0
        else:
            cached = cache.get((token.cache_flag, signer_guid(token.guardian_signature.signer), self.session_hash), 0) if (
                cache and token.cache_flag) else 0
        key = (unchecked.name, acct.cache_key, self.session_hash, token.cache_flag,
               token.guardian_signature.signer, token.session_authorization, self.estimate, cached)
        if not self.auth_memo_read:
            self.auth_memo, self.auth_memo_read = memos.auth_outcomes.get(key), True
        outcome = self.auth_memo
        if outcome is None:
            self.auth_key = key
            try:
                if single_owner:
                    self._authorization_single_owner(token)
                else:
                    self._authorization_multi_owner(token)
            except CheckFailed as exc:
                self.auth_outcome = exc.error
                raise
            self.auth_outcome = ""
        elif outcome:
            raise CheckFailed(outcome)

    def remember_authorization(self) -> None:
        """Memoise the authorisation outcome of the last (final) :meth:`run`, if it got that far."""
        if self.auth_key is not None and self.auth_outcome is not None:
            key = self.auth_key
            memos.auth_outcomes.put(key, self.auth_outcome, 4 + len(key[1]) + len(key[4].to_felts()) + len(key[5]))

    def _valid_auth_sig(self, sig: SignerSignature) -> bool:
        """``signer_signature.is_valid_signature(session_hash) || is_estimate_transaction()``."""
        return self.oracle.check(sig, self.session_hash, cacheable=True) or self.estimate

    def _read_signatures(self, r: CairoReader, count: int | None) -> list[SignerSignature]:
        version = self.oracle.version
        return [read_signer_signature(r, version) for _ in range(count)] if count is not None else list(
            r.span_of(lambda: read_signer_signature(r, version)))

    # ---- AuthorizationScheme.SINGLE_OWNER (0.4.0)

    def _authorization_single_owner(self, token: SessionToken) -> None:
        acct = self.account
        if acct.guardian is None:
            raise CheckFailed("session/no-guardian")
        auth = token.session_authorization
        if token.cache_value and acct.guardian_guid is not None:
            key = (acct.owner_guid, acct.guardian_guid, self.session_hash)
            cached = self.state.session_cache.get(key, 0)
            if cached:
                if len(auth) > cached:
                    raise CheckFailed("session/invalid-auth-len")
                return
        parsed = self._parse_signature_array_single_owner(auth)
        # is_valid_span_signature (the account has a guardian here)
        if len(parsed) != 2:
            raise CheckFailed("argent/invalid-signature-length")
        owner, guardian = parsed
        valid = (owner.signer == acct.owner and self._valid_auth_sig(owner)) and (
            guardian.signer in acct.guardian_signers and self._valid_auth_sig(guardian))
        if not valid:
            raise CheckFailed("session/invalid-account-sig")
        if signer_guid(guardian.signer) != acct.guardian_guid:
            raise CheckFailed("session/signer-is-not-guardian")

    def _parse_signature_array_single_owner(self, auth: tuple[int, ...]) -> list[SignerSignature]:
        acct = self.account
        if len(auth) not in (2, 4):
            return deserialize_all(auth, lambda r: self._read_signatures(r, None), CheckFailed,
                                   "argent/invalid-signature-format", "argent/invalid-signature-length")
        # the concise form [r, s(, r_g, s_g)] reads the Stark owner (and guardian) of the account
        owner_key, guardian_key = acct.owner_public_key, acct.guardian_public_key
        if owner_key is None:
            raise CheckFailed(self.rules.concise_owner_error)
        out = [SignerSignature(StarknetSigner(owner_key), StarknetSignature(auth[0], auth[1]))]
        if len(auth) == 4:
            if guardian_key is None:
                raise CheckFailed(self.rules.concise_guardian_error)
            out.append(SignerSignature(StarknetSigner(guardian_key), StarknetSignature(auth[2], auth[3])))
        return out

    # ---- AuthorizationScheme.MULTI_OWNER (0.5.0)

    def _is_guardian(self, sig: SignerSignature) -> bool:
        return sig.signer in self.account.guardian_signers

    def _authorization_multi_owner(self, token: SessionToken) -> None:
        acct = self.account
        auth = token.session_authorization
        token_guardian = token.guardian_signature
        cache_owner = token.cache_flag
        if cache_owner != 0:
            key = (cache_owner, signer_guid(token_guardian.signer), self.session_hash)
            cached = self.state.session_cache.get(key, 0)
            if cached:
                if cache_owner != acct.owner_guid:
                    raise CheckFailed("session/cache-invalid-owner")
                if not self._is_guardian(token_guardian):
                    raise CheckFailed("session/cache-invalid-guardian")
                if len(auth) > cached:
                    raise CheckFailed("session/cache-invalid-auth-len")
                return
        owner, guardian = self._validate_authorization_multi_owner(auth)
        if cache_owner != 0 and signer_guid(owner.signer) != cache_owner:
            raise CheckFailed("session/owner-key-mismatch")
        if guardian is None:
            raise CheckFailed("Option::unwrap failed.")
        if guardian.signer != token_guardian.signer:
            raise CheckFailed("session/guardian-key-mismatch")

    def _validate_authorization_multi_owner(self, auth: tuple[int, ...]) -> tuple[SignerSignature, SignerSignature | None]:
        acct = self.account
        guardian: SignerSignature | None
        if len(auth) not in (2, 4):
            def read(r: CairoReader) -> list[SignerSignature]:
                count = r.felt()
                if count not in (1, 2):
                    raise CheckFailed("argent/invalid-signature-length")
                return self._read_signatures(r, count)

            parsed = deserialize_all(auth, read, CheckFailed, "argent/invalid-signature-format",
                                     "argent/invalid-signature-length")
            owner, guardian = parsed[0], (parsed[1] if len(parsed) == 2 else None)
        else:
            # the concise form [r, s(, r_g, s_g)] needs a single Stark owner (and guardian)
            owner_key = acct.owner_public_key
            if owner_key is None:
                raise CheckFailed(self.rules.concise_owner_error)
            owner = SignerSignature(StarknetSigner(owner_key), StarknetSignature(auth[0], auth[1]))
            guardian = None
            if len(auth) == 4:
                if len(acct.guardian_signers) != 1 or len(acct.guardian_keys) != 1:
                    raise CheckFailed(self.rules.concise_guardian_error)
                guardian = SignerSignature(StarknetSigner(acct.guardian_keys[0]), StarknetSignature(auth[2], auth[3]))
        # assert_valid_account_signature
        if not (owner.signer == acct.owner and self._valid_auth_sig(owner)):
            raise CheckFailed("argent/invalid-owner-sig")
        if guardian is not None:
            if not (self._is_guardian(guardian) and self._valid_auth_sig(guardian)):
                raise CheckFailed("argent/invalid-guardian-sig")
        elif acct.guardian_keys:
            raise CheckFailed("argent/missing-guardian-sig")
        return owner, guardian


#: The step of each ``CHECK_*`` name of :attr:`AccountRules.session_checks
#: <xsessions_core.versions.AccountRules.session_checks>`: raises :class:`~.signatures.CheckFailed`
#: with the account's error, or returns.
STEPS: dict[str, Callable[[SessionCheck], None]] = {
    CHECK_NO_MULTICALL_TO_SELF: SessionCheck._check_no_multicall_to_self,
    CHECK_MAGIC: SessionCheck._check_magic,
    CHECK_DECODE: SessionCheck._check_decode,
    CHECK_REVOKED: SessionCheck._check_revoked,
    CHECK_EXPIRED: SessionCheck._check_expired,
    CHECK_AUTHORIZATION: SessionCheck._check_authorization,
    CHECK_SESSION_KEY: SessionCheck._check_session_key,
    CHECK_SESSION_SIGNATURE: SessionCheck._check_session_signature,
    CHECK_GUARDIAN_KEY: SessionCheck._check_guardian_key,
    CHECK_BACKEND_SIGNATURE: SessionCheck._check_backend_signature,
    CHECK_PROOF_COUNT: SessionCheck._check_proof_count,
    CHECK_PROOFS: SessionCheck._check_proofs,
}
#: The plan of each ``session_checks`` order seen (:func:`_plan`).
_PLANS: dict[tuple[str, ...], tuple[tuple[Callable[[SessionCheck], None], ...],
                                    tuple[Callable[[SessionCheck], None], ...]]] = {}


def _plan(rules: AccountRules) -> tuple[tuple[Callable[[SessionCheck], None], ...],
                                        tuple[Callable[[SessionCheck], None], ...]]:
    """The step functions of ``rules.session_checks``, split before :data:`CHECK_PROOFS`."""
    names = rules.session_checks
    plan = _PLANS.get(names)
    if plan is None:
        cut = names.index(CHECK_PROOFS) if CHECK_PROOFS in names else len(names)
        plan = (tuple(STEPS[n] for n in names[:cut]), tuple(STEPS[n] for n in names[cut:]))
        _PLANS[names] = plan
    return plan


# --------------------------------------------------------------------------- entry points

@dataclass
class Pending:
    """A verification waiting for its signatures (used by the batch API too)."""

    verdict: Verdict | None = None
    check: SessionCheck | None = None
    phase: str = PHASE_VALIDATE
    execute_timestamp: int | None = None
    first_error: str | None = None
    query_only: bool = False

    def finish(self) -> Verdict:
        if self.verdict is not None:
            return self.verdict
        assert self.check is not None
        answers = self.check.oracle.answers
        if answers is not None and all(answers.values()):
            # the recording run assumed every signature valid: its result stands, then the proofs
            error = self.first_error if self.first_error is not None else self.check.proofs_error()
        else:
            error = self.check.run()
        self.check.remember_authorization()
        if error is not None:
            return Verdict(False, error, self.phase, self.query_only)
        if self.execute_timestamp is not None:
            # __execute__: signature[1] (expires_at, already decoded as a u64) vs the exact time
            if self.check.signature[1] < self.execute_timestamp:
                return Verdict(False, "session/expired", PHASE_EXECUTE, self.query_only)
        return Verdict(True, query_only=self.query_only)


def _timestamp(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**64:
        raise SessionError(f"{name} must be a u64 int, got {describe_value(value)}")
    return int(value)


def _chain_id(value: object) -> int:
    return felt_arg(value, "chain_id")


def _account(account: object) -> AccountInfo:
    if not isinstance(account, AccountInfo):
        raise SessionError(f"account must be an AccountInfo, got {type(account).__name__}")
    return account


def _state(state: object) -> AccountState:
    if state is None:
        return _EMPTY_STATE
    if not isinstance(state, AccountState):
        raise SessionError(f"state must be an AccountState or None, got {type(state).__name__}")
    return state


def batch_items(values: object, name: str) -> list[object]:
    """The items of a batch argument as a list (a str, bytes or mapping is not a batch)."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise SessionError(f"{name} must be a list, got {type(values).__name__}")
    return list(values)


def _isolated(exc: XSessionsError, isolate: bool) -> Verdict:
    """The batch API's verdict of an item the single-item functions reject with ``exc`` (phase
    ``"node"``); ``exc`` itself when not ``isolate``."""
    if not isolate:
        raise exc
    return Verdict(False, str(exc), PHASE_NODE)


def start_checks(pending: Sequence[Pending]) -> None:
    """Decode every token, hash all token messages in one backend call, and make the recording run."""
    checks = [p.check for p in pending if p.check is not None]
    inputs = [(c, c.decode()) for c in checks]
    decoded = [(c, m) for c, m in inputs if m is not None]
    if decoded:
        for (c, _), message in zip(decoded, unchecked.poseidon_many_batch([m for _, m in decoded])):
            c.message = message
    for p in pending:
        if p.check is not None:
            p.first_error = p.check.run()  # records the signatures it needs


def _invoke_precheck(tx: object, acct: AccountInfo, rules: NodeRules) -> tuple[InvokeV3, list[Call]] | Verdict:
    """Parse ``tx``; the verdict of what fails before the session check, else the data and calls.

    Order of the account's ``__validate__`` (argentlabs/argent-contracts-starknet,
    src/presets/argent_account.cairo, tags account-0.4.0 and v0.5.0): the entry point deserialises
    ``calls`` first, then checks the version, then ``paymaster_data``.
    """
    try:
        data = parse_invoke_v3(tx, rules)
    except RejectedInput as exc:
        return exc.verdict
    if data.sender_address != acct.address:
        raise TransactionError(
            f"sender_address {hex(data.sender_address)} is not the account address {hex(acct.address)}")
    query = data.version in _ESTIMATE_VERSIONS
    try:
        calls = parse_execute_calls(data.calldata)
    except CalldataPanic as exc:
        return Verdict(False, exc.message, PHASE_VALIDATE, query)
    error = None
    if data.version not in _VALID_INVOKE_VERSIONS:
        error = "argent/invalid-tx-version"
    elif data.paymaster_data:
        error = "argent/unsupported-paymaster"
    elif not is_session_signature(data.signature):
        error = NOT_A_SESSION
    if error is not None:
        return Verdict(False, error, PHASE_VALIDATE, query)
    return data, calls


def prepare_session_transactions(txs: Iterable[object], *, account: AccountInfo, chain_id: int | str,
                                 block_timestamp: int, state: AccountState | None = None,
                                 rules: NodeRules | None = None, isolate: bool = False) -> list[Pending]:
    """First half of :func:`verify_session_transaction` for many transactions (everything up to the
    signatures): transaction hashes and token messages in one backend call each.

    :param isolate: give a transaction the single-transaction function rejects with a typed error
        the verdict ``Verdict(False, <its message>, "node")`` instead of raising (the batch API).
    """
    acct, st, r = _account(account), _state(state), node_rules_arg(rules)
    chain = _chain_id(chain_id)
    ts = _timestamp(block_timestamp, "block_timestamp")
    pending: list[Pending] = []
    to_hash: list[tuple[Pending, InvokeV3, list[Call]]] = []
    rows: list[InvokeV3HashRow] = []
    for tx in txs:
        try:
            checked = _invoke_precheck(tx, acct, r)
            if not isinstance(checked, Verdict):
                row = checked[0].hash_row(chain)  # a tip that is not a u64 cannot be hashed
        except XSessionsError as exc:
            checked = _isolated(exc, isolate)
        if isinstance(checked, Verdict):
            pending.append(Pending(checked))
            continue
        data, calls = checked
        rows.append(row)
        p = Pending(phase=PHASE_VALIDATE, execute_timestamp=ts, query_only=data.version in _ESTIMATE_VERSIONS)
        pending.append(p)
        to_hash.append((p, data, calls))
    hashes = unchecked.invoke_v3_hash_batch(rows) if rows else []
    validate_ts = ts - ts % _VALIDATE_TIMESTAMP_ROUNDING
    for (p, data, calls), tx_hash in zip(to_hash, hashes):
        p.check = SessionCheck(account=acct, state=st, chain_id=chain, calls=calls, tx_hash=tx_hash,
                               signature=data.signature, timestamp=validate_ts, estimate=p.query_only,
                               max_proof_length=r.max_proof_length)
    start_checks(pending)
    return pending


def _outside_precheck(item: object, acct: AccountInfo, st: AccountState, ts: int, rules: NodeRules,
                      query: bool) -> tuple[OutsideExecutionData, tuple[int, ...], int] | Verdict:
    """Parse one ``(outside_execution, signature, caller_address)``; the verdict of what fails
    before the session check, else the parsed values."""
    if isinstance(item, XSessionsError):  # found while reading the batch (a missing key)
        raise item
    outside_execution: object
    raw_signature: object
    caller_address: object
    try:
        outside_execution, raw_signature, caller_address = item  # type: ignore[misc]
    except (TypeError, ValueError):
        raise TransactionError("an item must be (outside_execution, signature, caller_address)") from None
    caller = felt_arg(caller_address, "caller_address")
    signature = felt_list(raw_signature, "signature")
    try:
        # the outside execution and its signature travel in the relayer's calldata
        check_node_length(len(signature), rules.max_calldata_length, "Calldata")
        total = outside_calldata_length(outside_execution, signature)
        if total is not None:
            check_node_length(total, rules.max_calldata_length, "Calldata")
        oe = parse_outside_execution(outside_execution, rules)
    except RejectedInput as exc:
        return Verdict(exc.verdict.valid, exc.verdict.error, exc.verdict.phase, query)
    sig = tx_felts(signature, "signature", rules.lenient_felts)
    error = None
    if oe.caller != ANY_CALLER and caller != oe.caller:
        error = "argent/invalid-caller"
    elif not (oe.execute_after < ts < oe.execute_before):
        error = "argent/invalid-timestamp"
    elif oe.nonce in st.used_outside_nonces:
        error = "argent/duplicated-outside-nonce"
    elif not is_session_signature(sig):
        error = NOT_A_SESSION
    if error is not None:
        return Verdict(False, error, PHASE_OUTSIDE, query)
    return oe, sig, caller


def prepare_outside_executions(items: Iterable[object], *, account: AccountInfo,
                               chain_id: int | str, block_timestamp: int, state: AccountState | None = None,
                               relayer_tx_version: int | str = 3, rules: NodeRules | None = None,
                               isolate: bool = False) -> list[Pending]:
    """First half of :func:`verify_outside_execution` for many ``(outside_execution, signature,
    caller_address)`` items (``isolate`` as in :func:`prepare_session_transactions`)."""
    acct, st, r = _account(account), _state(state), node_rules_arg(rules)
    chain = _chain_id(chain_id)
    ts = _timestamp(block_timestamp, "block_timestamp")
    relayer_version = tx_felt(relayer_tx_version, "relayer_tx_version")
    query = relayer_version in _ESTIMATE_VERSIONS
    pending: list[Pending] = []
    for item in items:
        try:
            checked = _outside_precheck(item, acct, st, ts, r, query)
            if not isinstance(checked, Verdict):
                oe, sig, caller = checked
                message_hash = outside_execution_hash_unchecked(
                    oe.caller, oe.nonce, oe.execute_after, oe.execute_before,
                    [(c.to_addr, c.selector, c.calldata) for c in oe.calls], acct.address, chain)
        except XSessionsError as exc:
            checked = _isolated(exc, isolate)
        if isinstance(checked, Verdict):
            pending.append(Pending(checked))
            continue
        check = SessionCheck(
            account=acct, state=st, chain_id=chain, calls=oe.calls, tx_hash=message_hash, signature=sig,
            timestamp=ts, estimate=caller == 0 and query, max_proof_length=r.max_proof_length,
        )
        pending.append(Pending(check=check, phase=PHASE_OUTSIDE, query_only=query))
    start_checks(pending)
    return pending


def finish(pending: Sequence[Pending]) -> list[Verdict]:
    """Verify the recorded signatures of ``pending`` in one batch and compute the verdicts."""
    resolve_signatures([p.check.oracle for p in pending if p.check is not None])
    return [p.finish() for p in pending]


def fee_limits_arg(fee_limits: object) -> FeeLimits | None:
    """``fee_limits`` checked: ``None`` or :class:`FeeLimits`.

    :raises SessionError: anything else.
    """
    if fee_limits is not None and not isinstance(fee_limits, FeeLimits):
        raise SessionError(f"fee_limits must be FeeLimits, got {type(fee_limits).__name__}")
    return fee_limits


def with_policy(verdict: Verdict, tx: object, limits: FeeLimits, rules: NodeRules | None = None) -> Verdict:
    """``verdict`` with its relayer-policy verdict for ``tx`` (:func:`check_fee_limits`; a starknet-py
    ``InvokeV3`` is read through :func:`parse_invoke_v3`, a transaction that does not parse is not allowed)."""
    if isinstance(tx, Mapping):
        policy = check_fee_limits(tx, limits)
    else:
        try:
            data = parse_invoke_v3(tx, rules)
        except XSessionsError as exc:
            policy = PolicyVerdict(False, str(exc))
        else:
            policy = check_fee_limits({"version": data.version, "resource_bounds": data.resource_bounds,
                                       "tip": data.tip}, limits)
    return replace(verdict, policy=policy)



def reserve_outside_nonces(verdicts: Sequence[Verdict], outside_executions: Sequence[object], *,
                           account: AccountInfo, rules: NodeRules | None, relayer_state: RelayerState,
                           reservation_ttl_ms: int) -> list[Verdict]:
    """``verdicts`` of these outside executions, where a valid one whose nonce cannot be reserved
    in ``relayer_state`` (another instance holds it, it was submitted, or an earlier item of the
    same list reserved it) becomes :data:`REPLAYED_OR_IN_FLIGHT`. Items are reserved in order."""
    out: list[Verdict] = []
    for verdict, outside_execution in zip(verdicts, outside_executions):
        if verdict.valid:
            nonce = parse_outside_execution(outside_execution, rules).nonce
            if not relayer_state.reserve_nonce(account.address, nonce, ttl_ms=reservation_ttl_ms):
                verdict = Verdict(False, REPLAYED_OR_IN_FLIGHT, PHASE_OUTSIDE, verdict.query_only)
        out.append(verdict)
    return out

