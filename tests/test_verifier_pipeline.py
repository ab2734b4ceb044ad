"""The verifier's check pipeline: the account-version rules it follows, and record-then-replay.

Record-then-replay (``xsessions_core/relayer/pipeline.py``) collects the Stark signatures of every
check, verifies them in one native batch and reruns the checks with the answers. The helper
:func:`assert_batched_equals_one_by_one` checks, for every step of every version's
``session_checks``, that a check failing at that step gets the same verdict from the batched path
as from a check run one by one (each signature verified when a step asks for it), alone or among
other checks, on a fee estimate too.
"""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Callable
from typing import Any

import pytest
from conftest import h
from starknet_py.net.client_models import Call
from test_relayer_verdicts import CASES, account_of, state_of

from xsessions_core.relayer import AccountState, Verdict, verify_session_transaction
from xsessions_core.relayer.memos import clear_caches
from xsessions_core.relayer.pipeline import (
    STEPS,
    Pending,
    SessionCheck,
    finish,
    prepare_session_transactions,
    start_checks,
)
from xsessions_core.relayer.signatures import CheckFailed
from xsessions_core.session_token import cache_value
from xsessions_core.versions import (
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
    RULES_BY_CLASS_HASH,
    AccountVersion,
    AuthorizationScheme,
    UnsupportedAccountVersion,
    account_rules,
)

VERSIONS = list(AccountVersion)

# Offsets in a session token whose signers are Stark keys and whose authorisation is the concise
# form [r, s, r_g, s_g] (the vector sessions): magic, Session (4), cache flag, auth length, auth (4),
# session SignerSignature (variant, key, r, s), guardian SignerSignature, proofs.
SESSION_KEY_GUID = 4
OWNER_R = 7
SESSION_PUBKEY = 12
SESSION_R = 13
GUARDIAN_PUBKEY = 16
GUARDIAN_R = 17


@dataclasses.dataclass(frozen=True)
class CheckInput:
    """What one :class:`SessionCheck` reads."""

    calls: tuple[Call, ...]
    tx_hash: int
    signature: tuple[int, ...]
    timestamp: int
    state: AccountState


def flip(signature: tuple[int, ...], index: int) -> tuple[int, ...]:
    out = list(signature)
    out[index] ^= 1
    return tuple(out)


def _session_hash(base: CheckInput, account: Any, chain_id: int) -> int:
    check = SessionCheck(account=account, state=base.state, chain_id=chain_id, calls=base.calls,
                         tx_hash=base.tx_hash, signature=base.signature, timestamp=base.timestamp, estimate=False)
    start_checks([Pending(check=check)])
    return check.session_hash


#: For each step, the tampering of one checked field that makes that step the first to fail.
TAMPERING: dict[str, Callable[[CheckInput, Any, int], CheckInput]] = {
    CHECK_NO_MULTICALL_TO_SELF: lambda b, acct, _: dataclasses.replace(
        b, calls=(Call(to_addr=acct.address, selector=b.calls[0].selector, calldata=[]), *b.calls[1:])),
    CHECK_MAGIC: lambda b, *_: dataclasses.replace(b, signature=flip(b.signature, 0)),
    CHECK_DECODE: lambda b, *_: dataclasses.replace(b, signature=(*b.signature, 0)),
    CHECK_REVOKED: lambda b, acct, chain: dataclasses.replace(
        b, state=AccountState(revoked_sessions=frozenset({_session_hash(b, acct, chain)}))),
    CHECK_EXPIRED: lambda b, *_: dataclasses.replace(b, timestamp=b.signature[1] + 1),
    CHECK_AUTHORIZATION: lambda b, *_: dataclasses.replace(b, signature=flip(b.signature, OWNER_R)),
    CHECK_SESSION_KEY: lambda b, *_: dataclasses.replace(b, signature=flip(b.signature, SESSION_PUBKEY)),
    CHECK_SESSION_SIGNATURE: lambda b, *_: dataclasses.replace(b, signature=flip(b.signature, SESSION_R)),
    CHECK_GUARDIAN_KEY: lambda b, *_: dataclasses.replace(b, signature=flip(b.signature, GUARDIAN_PUBKEY)),
    CHECK_BACKEND_SIGNATURE: lambda b, *_: dataclasses.replace(b, signature=flip(b.signature, GUARDIAN_R)),
    CHECK_PROOF_COUNT: lambda b, *_: dataclasses.replace(b, calls=b.calls[:-1]),
    CHECK_PROOFS: lambda b, *_: dataclasses.replace(
        b, calls=(Call(to_addr=b.calls[0].to_addr, selector=b.calls[0].selector ^ 1, calldata=[]), *b.calls[1:])),
}


def _valid_case(version: AccountVersion) -> dict[str, Any]:
    return next(c for c in CASES if c["kind"] == "valid_calls_2" and c["account"]["class_version"] == version.value)


def base_input(version: AccountVersion) -> tuple[CheckInput, Any, int]:
    """The pipeline input of the vector transaction the account accepts, its account and chain."""
    case = _valid_case(version)
    account, chain_id = account_of(case), h(case["chain_id"])
    pending = prepare_session_transactions([case["transaction"]], account=account, chain_id=chain_id,
                                           block_timestamp=case["block"]["timestamp"], state=state_of(case))
    check = pending[0].check
    assert check is not None
    return CheckInput(tuple(check.calls), check.tx_hash, tuple(check.signature), check.timestamp, check.state), \
        account, chain_id


def _check(item: CheckInput, account: Any, chain_id: int, estimate: bool) -> SessionCheck:
    return SessionCheck(account=account, state=item.state, chain_id=chain_id, calls=item.calls, tx_hash=item.tx_hash,
                        signature=item.signature, timestamp=item.timestamp, estimate=estimate)


def batched(items: list[CheckInput], account: Any, chain_id: int, estimate: bool) -> list[Verdict]:
    """Record every check, verify the signatures in one batch, replay (the verifier's path)."""
    pending = [Pending(check=_check(i, account, chain_id, estimate)) for i in items]
    start_checks(pending)
    return finish(pending)


def one_by_one(item: CheckInput, account: Any, chain_id: int, estimate: bool) -> tuple[Verdict, str | None]:
    """One check, its steps run in the version's order with every signature verified when asked;
    the verdict and the step that failed."""
    check = _check(item, account, chain_id, estimate)
    start_checks([Pending(check=check)])
    check.oracle.answers = {}  # no recording: each signature is verified on its own
    for name in account.rules.session_checks:
        try:
            STEPS[name](check)
        except CheckFailed as exc:
            return Verdict(False, exc.error, "validate"), name
    return Verdict(True), None


def assert_batched_equals_one_by_one(items: list[CheckInput], account: Any, chain_id: int,
                                     estimate: bool) -> list[str | None]:
    """Batched verdicts (all items together, and each alone; memos cold and warm) equal the verdicts
    of the checks run one by one. Returns the step each item failed at (``None``: valid)."""
    clear_caches()
    expected = [one_by_one(i, account, chain_id, estimate) for i in items]
    verdicts = [v for v, _ in expected]
    clear_caches()
    assert batched(items, account, chain_id, estimate) == verdicts
    assert batched(items, account, chain_id, estimate) == verdicts  # warm memos
    clear_caches()
    assert [batched([i], account, chain_id, estimate)[0] for i in items] == verdicts
    return [step for _, step in expected]


@pytest.mark.parametrize("estimate", [False, True], ids=["execute", "estimate"])
@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_every_check_fails_the_same_batched_and_one_by_one(version: AccountVersion, estimate: bool) -> None:
    base, account, chain_id = base_input(version)
    steps = account.rules.session_checks
    assert set(steps) <= set(TAMPERING), "a step without a tampering: add one to TAMPERING"
    tampered = [TAMPERING[name](base, account, chain_id) for name in steps]
    failed = assert_batched_equals_one_by_one([base, *tampered, base], account, chain_id, estimate)
    assert failed[0] is None and failed[-1] is None
    skips = estimate and account.rules.estimate_skips_session_signatures
    for name, step in zip(steps, failed[1:-1]):
        if skips and name in (CHECK_SESSION_SIGNATURE, CHECK_BACKEND_SIGNATURE):
            assert step is None, name  # fee estimation takes these signatures as valid
        elif estimate and name == CHECK_AUTHORIZATION:
            assert step is None, name  # and the owner / guardian authorisation signatures
        else:
            assert step == name


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_two_failing_checks_report_the_first_in_the_version_order(version: AccountVersion) -> None:
    """A check failing at two steps reports the earlier one, batched or not."""
    base, account, chain_id = base_input(version)
    steps = account.rules.session_checks
    items = []
    for first, second in zip(steps, steps[1:]):
        item = TAMPERING[second](TAMPERING[first](base, account, chain_id), account, chain_id)
        items.append(item)
    failed = assert_batched_equals_one_by_one(items, account, chain_id, False)
    assert all(step is not None for step in failed)
    assert all(steps.index(step) <= i for i, step in enumerate(failed) if step is not None)


def test_vector_cases_batched_equal_one_by_one() -> None:
    """Every invoke vector of contract_verdicts.json: the pipeline's batched verdict is the verdict of
    its check run one by one (same account, state and inputs)."""
    compared = 0
    for case in CASES:
        if case["transaction"]["kind"] != "invoke_v3":
            continue
        account, chain_id = account_of(case), h(case["chain_id"])
        pending = prepare_session_transactions([case["transaction"]], account=account, chain_id=chain_id,
                                               block_timestamp=case["block"]["timestamp"], state=state_of(case))
        check = pending[0].check
        if check is None:
            continue  # judged before the session check
        item = CheckInput(tuple(check.calls), check.tx_hash, tuple(check.signature), check.timestamp, check.state)
        assert_batched_equals_one_by_one([item], account, chain_id, check.estimate)
        compared += 1
    assert compared >= 20


# --------------------------------------------------------------------------- the rules registry

def test_every_version_has_rules_and_every_step_exists() -> None:
    for version in VERSIONS:
        rules = account_rules(version)
        assert rules is version.rules and rules.version is version
        assert account_rules(version.short) is rules and account_rules(version.value) is rules
        assert set(rules.session_checks) <= set(STEPS)
        assert rules.session_checks[-1] == CHECK_PROOFS
        assert RULES_BY_CLASS_HASH[rules.class_hash] is rules
    with pytest.raises(UnsupportedAccountVersion):
        account_rules("0.6.0")


def test_rules_pickle_as_the_registry_object() -> None:
    from xsessions_core.relayer import AccountInfo

    for version in VERSIONS:
        assert pickle.loads(pickle.dumps(version.rules)) is version.rules
        info = AccountInfo(1, version, 0x1234)
        assert pickle.loads(pickle.dumps(info)).rules is version.rules


@pytest.mark.parametrize("flag", [0, 1, 2, 0x1234567890ABCDEF])
def test_cache_value_follows_the_rules(flag: int) -> None:
    assert cache_value(AccountVersion.V0_4_0, flag) == (1 if flag else 0)
    assert cache_value(AccountVersion.V0_5_0, flag) == flag
    for version in VERSIONS:
        assert cache_value(version, flag) == version.rules.cache_value(flag)


def test_the_rules_name_the_contract_differences() -> None:
    v4, v5 = AccountVersion.V0_4_0.rules, AccountVersion.V0_5_0.rules
    assert (v4.authorization, v5.authorization) == (AuthorizationScheme.SINGLE_OWNER, AuthorizationScheme.MULTI_OWNER)
    assert (v4.concise_owner_error, v5.concise_owner_error) == ("argent/zero-pubkey", "argent/no-single-stark-owner")
    assert CHECK_GUARDIAN_KEY in v4.session_checks and CHECK_GUARDIAN_KEY not in v5.session_checks
    assert not v4.estimate_skips_session_signatures and v5.estimate_skips_session_signatures


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_concise_authorization_without_a_stark_owner_gives_the_version_error(version: AccountVersion) -> None:
    """An account whose owner is not a Stark key cannot use the concise form: the version's error."""
    from xsessions_core.relayer import AccountInfo
    from xsessions_core.signers import Secp256k1Signer

    case = _valid_case(version)
    stark = account_of(case)
    account = AccountInfo(stark.address, version, Secp256k1Signer(0x1234), stark.guardian)
    v = verify_session_transaction(case["transaction"], account=account, chain_id=h(case["chain_id"]),
                                   block_timestamp=case["block"]["timestamp"])
    assert v == Verdict(False, version.rules.concise_owner_error, "validate")
