"""Every case of contract_verdicts.json: the offline verifier reaches the real Argent account's verdict."""

from __future__ import annotations

import random
from typing import Any

import pytest
from conftest import h, load_vectors
from starknet_py.net.client_models import Call

from xsessions_core.signers import StarknetSigner
from xsessions_core.relayer import (
    AccountInfo,
    AccountState,
    SessionTokenError,
    Verdict,
    decode_session_token,
    verify_outside_execution,
    verify_session_transaction,
)

CASES = load_vectors("contract_verdicts.json")["cases"]


def account_of(case: dict[str, Any]) -> AccountInfo:
    a = case["account"]
    backup = (case.get("account_state") or {}).get("guardian_backup")
    return AccountInfo(
        address=h(a["address"]),
        class_version=a["class_version"],
        owner_public_key=h(a["owner"]["public_key"]),
        guardian_public_key=h(a["guardian"]["public_key"]) if a["guardian"] else None,
        guardian_backup_public_key=h(backup["public_key"]) if backup else None,
    )


def state_of(case: dict[str, Any]) -> AccountState:
    st = case.get("account_state") or {}
    return AccountState(
        revoked_sessions=frozenset(h(x) for x in st.get("revoked_sessions", [])),
        session_cache={(h(e["owner_guid"]), h(e["guardian_guid"]), h(e["session_hash"])): e["authorization_len"]
                       for e in st.get("session_cache", [])},
        used_outside_nonces=frozenset(h(x) for x in st.get("used_outside_nonces", [])),
    )


def verify_case(case: dict[str, Any]) -> Verdict:
    tx = case["transaction"]
    common = dict(account=account_of(case), chain_id=h(case["chain_id"]),
                  block_timestamp=case["block"]["timestamp"], state=state_of(case))
    if tx["kind"] == "invoke_v3":
        return verify_session_transaction(tx, **common)
    return verify_outside_execution(tx["outside_execution"], tx["signature"],
                                    caller_address=h(tx["submitted_by"]), **common)


def expected(case: dict[str, Any]) -> Verdict:
    if case["verdict"] == "VALID":
        return Verdict(True, None, None)
    return Verdict(False, case["verdict"], case["failed_phase"])


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_contract_verdict(case: dict[str, Any]) -> None:
    assert verify_case(case) == expected(case)


@pytest.mark.parametrize("case", [c for c in CASES if c["setup"]], ids=lambda c: c["id"])
def test_setup_transactions_are_valid(case: dict[str, Any]) -> None:
    """The setup transactions succeeded on the real account (before the case's state existed)."""
    for step in case["setup"]:
        tx = step["transaction"]
        if tx["kind"] != "invoke_v3" or h(tx["signature"][0]) != 0x73657373696F6E2D746F6B656E:
            continue  # owner-signed setup (revoke_session...) is not a session transaction
        v = verify_session_transaction(tx, account=account_of(case), chain_id=h(case["chain_id"]),
                                       block_timestamp=step["block"]["timestamp"])
        assert v.valid, (step["label"], v)


def _first(kind: str, version: str | None = None) -> dict[str, Any]:
    return next(c for c in CASES if c["kind"] == kind and (version is None or c["account"]["class_version"] == version))


def test_starknet_py_invoke_object_is_accepted() -> None:
    from starknet_py.net.client_models import ResourceBounds, ResourceBoundsMapping
    from starknet_py.net.models.transaction import InvokeV3

    case = _first("valid_calls_2")
    tx = case["transaction"]
    rb = {k: ResourceBounds(max_amount=h(v["max_amount"]), max_price_per_unit=h(v["max_price_per_unit"]))
          for k, v in tx["resource_bounds"].items()}
    invoke = InvokeV3(version=3, signature=[h(x) for x in tx["signature"]], nonce=h(tx["nonce"]),
                      resource_bounds=ResourceBoundsMapping(**rb), tip=h(tx["tip"]),
                      calldata=[h(x) for x in tx["calldata"]], sender_address=h(tx["sender_address"]))
    common = dict(account=account_of(case), chain_id=h(case["chain_id"]), block_timestamp=case["block"]["timestamp"])
    assert verify_session_transaction(invoke, **common) == Verdict(True)
    assert invoke.calculate_hash(h(case["chain_id"])) == h(tx["transaction_hash"])


def test_decoder_round_trip_and_fields() -> None:
    case = _first("valid_calls_5")
    sig = [h(x) for x in case["transaction"]["signature"]]
    token = decode_session_token(sig, account_version=case["account"]["class_version"])
    assert token.felts() == sig
    assert token.session.expires_at == case["session"]["expiresAt"]
    assert token.session.session_key_guid == h(case["session_key"]["guid"])
    assert token.session_signature.guid == h(case["session_key"]["guid"])
    assert token.guardian_signature.signer == StarknetSigner(h(case["account"]["guardian"]["public_key"]))
    assert len(token.proofs) == len(case["calls"])
    assert list(token.session_authorization) == [h(x) for x in case["session"]["authorisationSignature"]]


@pytest.mark.parametrize("mutate, error", [
    (lambda s: s + [0], "session/invalid-calldata"),                         # trailing felt
    (lambda s: s[:-1], "Index out of bounds"),                               # proof length runs past the end
    (lambda s: s[:1] + [2**64] + s[2:], "session/invalid-calldata"),         # expires_at is not a u64
    (lambda s: s[:6] + [2**32] + s[7:], "session/invalid-calldata"),         # auth length is not a u32
    (lambda s: s[:6] + [len(s)] + s[7:], "Index out of bounds"),             # auth length past the end
    (lambda s: s[:11] + [5] + s[12:], "session/invalid-calldata"),           # unknown SignerSignature variant
    (lambda s: s[:12] + [0] + s[13:], "session/invalid-calldata"),           # NonZero pubkey = 0
    (lambda s: s[:-4] + [s[-4] + 1] + s[-3:], "session/invalid-calldata"),   # one more proof than present
    (lambda s: [s[0] + 1] + s[1:], "session/invalid-magic-value"),
])
def test_decoder_malformations(mutate: Any, error: str) -> None:
    case = _first("valid_calls_1", "0.4.0")
    sig = [h(x) for x in case["transaction"]["signature"]]
    with pytest.raises(SessionTokenError) as info:
        decode_session_token(mutate(sig), account_version="0.4.0")
    assert info.value.contract_error == error


def test_cache_flag_is_a_bool_on_0_4_and_a_felt_on_0_5() -> None:
    case = _first("cache_true_first_use", "0.4.0")
    sig = [h(x) for x in case["transaction"]["signature"]]
    sig[5] = 7
    assert decode_session_token(sig, account_version="0.4.0").cache_value == 1
    assert decode_session_token(sig, account_version="0.5.0").cache_value == 7


def test_block_timestamp_rounding_only_in_validate() -> None:
    case = _first("expiry_boundary", "0.4.0")
    acct, chain = account_of(case), h(case["chain_id"])
    tx = case["transaction"]
    expires = h(tx["signature"][1])
    within_hour = expires - expires % 3600 + 3599
    if within_hour > expires:
        assert verify_session_transaction(tx, account=acct, chain_id=chain, block_timestamp=within_hour) == Verdict(
            False, "session/expired", "execute")
    assert verify_session_transaction(tx, account=acct, chain_id=chain,
                                      block_timestamp=expires - expires % 3600 + 3600 * 2) == Verdict(
        False, "session/expired", "validate")


def test_sender_must_be_the_account() -> None:
    from xsessions_core.errors import TransactionError

    case = _first("valid_calls_1")
    acct = account_of(case)
    other = AccountInfo(acct.address + 1, acct.class_version, acct.owner_public_key, acct.guardian_public_key)
    with pytest.raises(TransactionError):
        verify_session_transaction(case["transaction"], account=other, chain_id=h(case["chain_id"]),
                                   block_timestamp=case["block"]["timestamp"])


@pytest.mark.parametrize("bad", [-1, "-5", 2**251 + 17 * 2**192 + 1, 10**80, "0x" + "f" * 70, "0x1" + "0" * 3750])
def test_values_that_are_not_felts_raise(bad: object) -> None:
    """Out-of-range numbers anywhere in a transaction or an account (as ints, hex or decimal
    strings; the last one was found by the session-token fuzzer) raise the typed error."""
    from xsessions_core.errors import SessionError, TransactionError

    case = _first("valid_calls_1")
    tx, acct = case["transaction"], account_of(case)
    args = dict(account=acct, chain_id=h(case["chain_id"]), block_timestamp=case["block"]["timestamp"])
    for field in ("nonce", "tip", "sender_address"):
        with pytest.raises(TransactionError, match=field):
            verify_session_transaction({**tx, field: bad}, **args)
    for field in ("calldata", "signature"):
        with pytest.raises(TransactionError, match=field):
            verify_session_transaction({**tx, field: [*tx[field][:3], bad, *tx[field][4:]]}, **args)
    with pytest.raises(SessionError, match="address"):
        AccountInfo(bad, acct.class_version, acct.owner_public_key, acct.guardian_public_key)
    with pytest.raises(SessionError, match="chain_id"):
        verify_session_transaction(tx, **{**args, "chain_id": bad})


def test_decoder_fast_path_equals_the_field_by_field_reader() -> None:
    """The fast decoder of the common (Starknet signers) layout gives the reader's result or
    defers to it, on every vector token and on random single-felt mutations of them."""
    from xsessions_core import session_token as token_module
    from xsessions_core.versions import AccountVersion

    rng = random.Random(12)
    sigs = [[h(x) for x in c["transaction"]["signature"]] for c in CASES
            if token_module.is_session_signature([h(x) for x in c["transaction"]["signature"][:1]])]
    tried = deferred = 0
    for sig in sigs:
        variants = [sig]
        for _ in range(40):
            i = rng.randrange(1, len(sig))
            value = rng.choice([0, 1, 2, sig[i] + 1, len(sig), 2**32, 2**64, rng.randrange(2**251)])
            variants.append(sig[:i] + [value] + sig[i + 1:])
        variants += [sig[:-1], sig + [0], sig[:7]]
        for data in variants:
            tried += 1
            fast = token_module._decode_starknet_signers(list(data))  # noqa: SLF001
            try:
                slow = token_module._decode_with_reader(list(data), AccountVersion.V0_4_0)  # noqa: SLF001
            except SessionTokenError:
                assert fast is None, data
                deferred += 1
                continue
            if fast is None:
                deferred += 1
            else:
                assert fast == slow
    assert tried > 1000 and 0 < deferred < tried


def test_calldata_fast_path_equals_the_general_reader() -> None:
    """The fast ``__execute__`` calldata decoder gives the general reader's calls or defers to it,
    on the vector transactions and on random single-felt mutations and truncations of them."""
    from xsessions_core.relayer import parsing as verify_module

    rng = random.Random(13)
    datas = [[h(x) for x in c["transaction"]["calldata"]] for c in CASES]

    def general(data: list[int]) -> list[Call] | None:
        fast = verify_module._execute_calls_fast  # noqa: SLF001
        verify_module._execute_calls_fast = lambda _: None  # noqa: SLF001
        try:
            return verify_module.parse_execute_calls(data)
        except verify_module.CalldataPanic:
            return None
        finally:
            verify_module._execute_calls_fast = fast  # noqa: SLF001

    tried = deferred = 0
    for data in datas:
        variants = [data, data[:-1], data + [0], [], [0], [2**64]]
        for _ in range(30):
            if not data:
                break
            i = rng.randrange(len(data))
            value = rng.choice([0, 1, 2, 3, data[i] + 1, len(data), 2**32, 2**251, rng.randrange(2**251)])
            variants.append(data[:i] + [value] + data[i + 1:])
        for variant in variants:
            tried += 1
            fast = verify_module._execute_calls_fast(variant)  # noqa: SLF001
            slow = general(variant)
            if fast is None:
                deferred += 1
            else:
                assert fast == slow, variant
    assert tried > 500 and 0 < deferred < tried
