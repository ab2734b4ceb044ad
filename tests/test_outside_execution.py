"""SNIP-9 outside executions with a session against ../shared/vectors/sessions_v9.json and docs/protocol.md §6.9 / §8.4."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import h, load_vectors
from starknet_py.net.client_models import Call

from xsessions_core.crypto import get_selector_from_name
from xsessions_core.errors import CosignerError, PolicyViolation, TransactionError
from xsessions_core.sessions import (
    SigningOptions,
    ANY_CALLER,
    GuardianOutsideExecutionRequest,
    GuardianSignature,
    LocalGuardian,
    OutsideCall,
    OutsideExecution,
    Session,
    SessionContext,
    build_outside_execution,
    build_session_signature,
    create_outside_execution_call,
    get_outside_execution_typed_data,
    outside_execution_calldata,
    outside_execution_from_dict,
    outside_execution_message_hash,
    outside_execution_to_dict,
    session_token_message_hash,
    sign_outside_execution,
)
from xsessions_core.typed_data import TypedData

# Signing with the recorded sessions happens at a time they were valid (see conftest.recorded_clock).
pytestmark = pytest.mark.usefixtures("recorded_clock")

V = load_vectors("sessions_v9.json")
C = V["constants"]
GUARDIAN_KEY = h(C["guardian_private_key"])
CASES = [(s, j, oe) for s in V["sessions"] if "session" in s for j, oe in enumerate(s["outside_executions"])]
IDS = [f"{s['name']}-{j}" for s, j, _ in CASES]


class Recorder:
    def __init__(self) -> None:
        self.inner = LocalGuardian(GUARDIAN_KEY)
        self.requests: list[GuardianOutsideExecutionRequest] = []

    async def sign_session_transaction(self, request: Any) -> GuardianSignature:
        raise AssertionError("not an outside execution")

    async def sign_session_outside_execution(self, request: GuardianOutsideExecutionRequest) -> GuardianSignature:
        self.requests.append(request)
        return await self.inner.sign_session_outside_execution(request)


def _build(oe: dict) -> OutsideExecution:
    p = oe["outside_execution_params"]
    return build_outside_execution(
        oe["calls"], caller=p.get("caller", ANY_CALLER), execute_after=p["execute_after"],
        execute_before=p["execute_before"], nonce=p["nonce"],
    )


def _account(s: dict) -> tuple[int, int]:
    return h(s["inputs"]["account_address"]), h(s["inputs"]["chain_id"])


@pytest.mark.parametrize("s,j,oe", CASES, ids=IDS)
def test_build_and_dict_round_trip(s: dict, j: int, oe: dict) -> None:
    built = _build(oe)
    assert outside_execution_to_dict(built) == oe["outside_execution"]
    assert outside_execution_from_dict(oe["outside_execution"]) == built
    assert outside_execution_to_dict(outside_execution_from_dict(oe["outside_execution"])) == oe["outside_execution"]


@pytest.mark.parametrize("s,j,oe", CASES, ids=IDS)
def test_typed_data_and_hashes(s: dict, j: int, oe: dict) -> None:
    built = _build(oe)
    account, chain = _account(s)
    td2 = get_outside_execution_typed_data(built, chain, "2")
    assert td2 == oe["typed_data"]["2"]
    fast2 = outside_execution_message_hash(built, account, chain, "2")
    assert fast2 == TypedData.from_dict(td2).message_hash(account) == h(oe["typed_data_v2_message_hash"])
    assert TypedData.from_dict(td2).struct_hash("StarknetDomain", td2["domain"]) == h(oe["typed_data_v2_domain_struct_hash"])
    # the vector's "1" is x-sessions' buggy object (rev 1 types, domain version "1"): not what we build
    buggy = oe["typed_data"]["1"]
    assert buggy["domain"]["version"] == "1" and "revision" in buggy["domain"]
    assert TypedData.from_dict(buggy).message_hash(account) == h(oe["typed_data_v1_message_hash"])
    td1 = get_outside_execution_typed_data(built, chain, "1")
    assert td1 != buggy
    assert "StarkNetDomain" in td1["types"] and "revision" not in td1["domain"]
    fast1 = outside_execution_message_hash(built, account, chain, "1")
    assert fast1 == TypedData.from_dict(td1).message_hash(account)
    assert fast1 not in (h(oe["typed_data_v1_message_hash"]), fast2)


@pytest.mark.parametrize("s,j,oe", CASES, ids=IDS)
async def test_variants(s: dict, j: int, oe: dict) -> None:
    session = Session.from_dict(s["session"])
    built = _build(oe)
    for v in oe["variants"]:
        cache = v["cache_authorisation"]
        msg_hash = h(v["typed_data_message_hash"])
        token_msg = session_token_message_hash(msg_hash, session.hash, cache)
        assert token_msg == h(v["session_token_message_hash"])
        want_sig = [h(x) for x in v["signature"]]
        call = v["execute_from_outside_call"]
        assert call["entrypoint"] == "execute_from_outside_v2" and h(call["contractAddress"]) == session.address
        if v["version"] == "2":
            recorder = Recorder()
            # the recorded execute_before outlives the session (x-sessions does not check it)
            sig = await sign_outside_execution(session, None, built, recorder, version="2",
                                               options=SigningOptions(cache_authorization=cache), allow_expired=True)
            assert sig == want_sig
            (request,) = recorder.requests
            assert request.session.session_signature == tuple(h(x) for x in v["session_key_signature"])
            if "guardian_request" in v:
                assert request.to_json_body() == v["guardian_request"]["body"]
                assert v["guardian_request"]["url"].endswith("/cosigner/signSessionEFO")
            made = await create_outside_execution_call(session, None, built, Recorder(),
                                                       SigningOptions(cache_authorization=cache), allow_expired=True)
            assert made.to_addr == session.address
            assert made.selector == get_selector_from_name("execute_from_outside_v2")
            assert made.calldata == [h(x) for x in call["calldata"]]
            if "calldata_raw" in call:
                assert [str(x) for x in made.calldata] == call["calldata_raw"]
        else:
            # x-sessions signed its buggy v1 hash; the token assembly around it is still ours
            ctx = SessionContext(session, options=SigningOptions(cache_authorization=cache))
            gsig = LocalGuardian(GUARDIAN_KEY).sign_token_message(token_msg)
            assert [gsig.r, gsig.s] == [h(x) for x in v["guardian_signature"]]
            assert build_session_signature(ctx, msg_hash, built.starknet_calls(), gsig) == want_sig
            assert outside_execution_calldata(built, want_sig) == [h(x) for x in call["calldata"]]


async def test_version_1_signature_uses_the_rev0_hash() -> None:
    s, _, oe = CASES[0]
    session = Session.from_dict(s["session"])
    built = _build(oe)
    recorder = Recorder()
    sig = await sign_outside_execution(session, None, built, recorder, version="1", allow_expired=True)
    (request,) = recorder.requests
    account, chain = _account(s)
    assert request.message_hash == outside_execution_message_hash(built, account, chain, "1")
    ctx = SessionContext(session)
    gsig = LocalGuardian(GUARDIAN_KEY).sign_token_message(ctx.token_message_hash(request.message_hash))
    assert sig == build_session_signature(ctx, request.message_hash, built.starknet_calls(), gsig)


def test_build_example_and_zero_values() -> None:
    ex = C["build_outside_execution_example"]
    built = outside_execution_from_dict(ex)
    assert outside_execution_to_dict(built) == ex
    zero = build_outside_execution([Call(to_addr=1, selector=2, calldata=[])], caller=0, nonce=0,
                                   execute_after=0, execute_before=1)
    assert (zero.caller, zero.nonce, zero.execute_after) == (0, 0, 0)
    js = build_outside_execution([{"contractAddress": "0x01", "entrypoint": "transfer"}], nonce=5,
                                 execute_after=1, execute_before=2)
    assert js.calls == (OutsideCall(1, get_selector_from_name("transfer"), ()),)
    assert js.calls[0].to_hex == "0x01" and js.caller == ANY_CALLER


@pytest.mark.parametrize(
    "d",
    [
        {"caller": "0x1", "nonce": "0x1", "execute_after": 2, "execute_before": 2, "calls": []},
        {"caller": "0x1", "nonce": "0x1", "execute_after": -1, "execute_before": 2, "calls": []},
        {"caller": "0x1", "nonce": "0x1", "execute_after": 1, "execute_before": 2**64, "calls": []},
        {"caller": "0xzz", "nonce": "0x1", "execute_after": 1, "execute_before": 2, "calls": []},
        {"caller": "0x1", "nonce": "0x1", "execute_after": 1, "execute_before": 2, "calls": [{"to": "0x1"}]},
        {"caller": "0x1", "nonce": "0x1", "execute_after": 1, "execute_before": 2, "calls": "x"},
        {"caller": "0x1", "execute_after": 1, "execute_before": 2, "calls": []},
    ],
)
def test_malformed_outside_executions(d: dict) -> None:
    with pytest.raises(TransactionError):
        outside_execution_from_dict(d)


def test_version_is_checked() -> None:
    s, _, oe = CASES[0]
    with pytest.raises(TransactionError):
        outside_execution_message_hash(_build(oe), 1, 1, "3")


async def test_policy_and_guardian_checks() -> None:
    s, _, oe = CASES[0]
    session = Session.from_dict(s["session"])
    outside = build_outside_execution([{"contractAddress": "0x1234", "entrypoint": "not_allowed", "calldata": []}],
                                      nonce=1, execute_after=1, execute_before=2)
    with pytest.raises(PolicyViolation):
        await sign_outside_execution(session, None, outside, Recorder())
    built = _build(oe)
    recorder = Recorder()
    await sign_outside_execution(session, None, built, recorder, allow_expired=True)
    (request,) = recorder.requests
    guardian = LocalGuardian(GUARDIAN_KEY)
    other = build_outside_execution(oe["calls"], nonce=12345, execute_after=1, execute_before=2)
    account, chain = _account(s)
    forged = GuardianOutsideExecutionRequest(request.session, account, chain,
                                             get_outside_execution_typed_data(other, chain), request.message_hash)
    with pytest.raises(CosignerError):
        await guardian.sign_session_outside_execution(forged)


# --------------------------------------------------------------------------- docs/protocol.md §8.4

async def test_protocol_8_4_outside_execution() -> None:
    from test_sessions_v9 import DAPP, ETH, GUARDIAN, worked_example_session

    session = worked_example_session()
    calls = [{"contractAddress": ETH, "entrypoint": "transfer", "calldata": ["0x123", "1000", "0"]},
             {"contractAddress": DAPP, "entrypoint": "play_move", "calldata": [7]}]
    built = build_outside_execution(calls, nonce=0x5E55104, execute_after=1700000000, execute_before=1900000000)
    account, chain = session.address, session.chain_id
    assert outside_execution_message_hash(built, account, chain) == \
        0x354F8DA39DD016C58F2596F63F92BEF95D757F3F6DFF4775BA0E70B243BD9BD
    assert outside_execution_message_hash(built, account, chain, "1") == \
        0x118F15481403B5079ECB280E12031A9BB6D57C7B0DD04F30A70ABC3166E1603
    call = await create_outside_execution_call(session, None, built, LocalGuardian(GUARDIAN), allow_expired=True)
    head = [0x414E595F43414C4C4552, 0x5E55104, 0x6553F100, 0x713FB300, 0x2, h(ETH), get_selector_from_name("transfer"),
            0x3, 0x123, 0x3E8, 0x0, h(DAPP), get_selector_from_name("play_move"), 0x1, 0x7, 0x1A]
    assert call.calldata[:16] == head
    assert len(call.calldata) == 16 + 26
