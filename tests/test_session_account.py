"""SessionAccount (a starknet-py 0.30 Account) end to end over real sockets.

A loopback JSON-RPC node (starknet_chainId, starknet_getNonce, starknet_estimateFee,
starknet_addInvokeTransaction) and the loopback cosigner of ``test_argent_cosigner`` (JS-stub
behaviour, the vectors' guardian key). The transactions are sessions_v9.json transactions whose
details starknet-py can express (DA modes L1/L1, no paymaster data: starknet-py's ``InvokeV3`` has
no other DA modes), so the signature sent to the node must equal the vectors' signature exactly.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

import pytest
from conftest import h, load_vectors
from loopback import LoopbackServer, Reply, json_rpc
from starknet_py.constants import EXPECTED_RPC_VERSION, OutsideExecutionInterfaceID
from starknet_py.hash.outside_execution import outside_execution_to_typed_data
from starknet_py.net.client_models import Call, OutsideExecutionTimeBounds, ResourceBounds, ResourceBoundsMapping
from starknet_py.net.client_models import OutsideExecution as SnOutsideExecution
from starknet_py.net.full_node_client import FullNodeClient
from starknet_py.net.models.transaction import InvokeV3
from test_argent_cosigner import (  # noqa: F401 (fixtures)
    GUARDIAN_KEY,
    GUARDIAN_PUB,
    SESSIONS,
    _scripted_server,
    closed_port_url,
    network_of,
    scripted,
    stub,
    stub_server,
)

from xsessions_core.crypto import get_selector_from_name, poseidon_hash_many, verify_message_signature
from xsessions_core.errors import CosignerError, PolicyViolation, SessionError
from xsessions_core.sessions.account import SessionAccount, build_session_account
from xsessions_core.sessions.argent_cosigner import ArgentCosigner
from xsessions_core.sessions.guardian import LocalGuardian
from xsessions_core.sessions.objects import Session, SessionKey
from xsessions_core.sessions.session import create_session, create_session_request, starknet_signer_guid
from xsessions_core.sessions.context import SigningOptions
from xsessions_core.transactions import get_execute_calldata

# Signing with the recorded sessions happens at a time they were valid (see conftest.recorded_clock).
pytestmark = pytest.mark.usefixtures("recorded_clock")

QUERY_VERSION_3 = 2**128 + 3
SN_SEPOLIA = "0x534e5f5345504f4c4941"

# (session, transaction) pairs starknet-py can reproduce exactly.
CASES = [
    (case, tx)
    for case in SESSIONS
    for tx in case["transactions"]
    if tx["details"]["nonceDataAvailabilityMode"] == "L1"
    and tx["details"]["feeDataAvailabilityMode"] == "L1"
    and not tx["details"]["paymasterData"]
]
CASE, TX = CASES[0]
FEE_ESTIMATE = {
    "l1_gas_consumed": "0x0",
    "l1_gas_price": "0x2d5b7d2ac2c0",
    "l2_gas_consumed": "0x10c8e0",
    "l2_gas_price": "0x1e8480",
    "l1_data_gas_consumed": "0x80",
    "l1_data_gas_price": "0x3e8",
    "overall_fee": "0x1f8fa8d5e0000",
    "unit": "FRI",
}


def account_calls(calls: list[dict[str, Any]]) -> list[Call]:
    """starknet-py ``Call`` objects of starknet.js call dicts (hex calldata)."""
    return [Call(to_addr=h(c["contractAddress"]), selector=get_selector_from_name(c["entrypoint"]),
                 calldata=[h(v) for v in c["calldata"]]) for c in calls]


def resource_bounds(tx: dict[str, Any]) -> ResourceBoundsMapping:
    rb = tx["details"]["resourceBounds"]

    def one(name: str) -> ResourceBounds:
        return ResourceBounds(max_amount=h(rb[name]["max_amount"]), max_price_per_unit=h(rb[name]["max_price_per_unit"]))

    return ResourceBoundsMapping(l1_gas=one("l1_gas"), l1_data_gas=one("l1_data_gas"), l2_gas=one("l2_gas"))


#: What the loopback node answers for starknet_chainId / starknet_getNonce (reset for every test).
NODE: dict[str, Any] = {}


@pytest.fixture(scope="module")
def _node_server() -> Any:
    with LoopbackServer(json_rpc({
        "starknet_specVersion": lambda params: EXPECTED_RPC_VERSION,
        "starknet_chainId": lambda params: NODE["chain"],
        "starknet_getNonce": lambda params: hex(NODE["nonce"]),
        "starknet_estimateFee": lambda params: [FEE_ESTIMATE for _ in params["request"]],
        "starknet_addInvokeTransaction": lambda params: {"transaction_hash": "0x123"},
        "starknet_call": lambda params: NODE["call"],
    })) as server:
        yield server


@pytest.fixture
def node(_node_server: LoopbackServer) -> LoopbackServer:
    """A JSON-RPC node answering what starknet-py 0.30 asks while executing a transaction."""
    NODE.update(chain=TX["details"]["chainId"], nonce=0, call=["0x0"])
    _node_server.requests.clear()
    return _node_server


def sent_invokes(node: LoopbackServer) -> list[dict[str, Any]]:
    return [c["params"]["invoke_transaction"] for c in node.rpc_calls("starknet_addInvokeTransaction")]


def unpack_token(signature: list[int]) -> dict[str, Any]:
    """Split a session-token signature (docs/protocol.md §6.4) into its parts."""
    auth_len = signature[6]
    pos = 7 + auth_len
    return {
        "cache_flag": signature[5],
        "session": signature[pos:pos + 4],
        "guardian": signature[pos + 4:pos + 8],
    }


def assert_token_signed(signature: list[int], tx_hash: int, session_hash: int) -> None:
    """Both the session key's and the guardian's signatures verify over the token message."""
    parts = unpack_token(signature)
    message = poseidon_hash_many([tx_hash, session_hash, parts["cache_flag"]])
    for _, public_key, r, s in (parts["session"], parts["guardian"]):
        assert verify_message_signature(message, (r, s), public_key)


def starknet_py_hash(invoke: dict[str, Any], chain_id: int) -> int:
    """starknet-py's own hash of the transaction a node received (what the account will check)."""
    rb = invoke["resource_bounds"]
    bounds = ResourceBoundsMapping(
        **{k: ResourceBounds(max_amount=h(v["max_amount"]), max_price_per_unit=h(v["max_price_per_unit"])) for k, v in rb.items()}
    )
    tx = InvokeV3(
        version=h(invoke["version"]), signature=[], nonce=h(invoke["nonce"]), resource_bounds=bounds,
        tip=h(invoke["tip"]), calldata=[h(v) for v in invoke["calldata"]], sender_address=h(invoke["sender_address"]),
    )
    return tx.calculate_hash(chain_id)


# --------------------------------------------------------------------------- happy paths

@pytest.mark.parametrize("cache", ["cache_false", "cache_true"])
@pytest.mark.parametrize("case, tx", CASES, ids=[f'{c["name"]}-{c["transactions"].index(t)}' for c, t in CASES])
async def test_execute_v3_sends_the_vector_signature(
    case: dict[str, Any], tx: dict[str, Any], cache: str, node: LoopbackServer, stub: LoopbackServer
) -> None:
    session = Session.from_dict(case["session"])
    details = tx["details"]
    NODE["chain"] = details["chainId"]
    async with ArgentCosigner(stub.url, network_of(case), guardian_public_key=GUARDIAN_PUB) as cosigner:
        account = build_session_account(session, None, FullNodeClient(node_url=node.url), cosigner,
                                        options=SigningOptions(cache_authorization=cache == "cache_true"))
        result = await account.execute_v3(
            tx["calls"], resource_bounds=resource_bounds(tx), nonce=h(details["nonce"]), tip=h(details["tip"])
        )
    assert result.transaction_hash == 0x123
    [invoke] = sent_invokes(node)
    assert h(invoke["sender_address"]) == session.address
    assert [h(v) for v in invoke["calldata"]] == get_execute_calldata(tx["calls"]) == [h(v) for v in tx["execute_calldata"]]
    assert [h(v) for v in invoke["signature"]] == [h(v) for v in tx["signatures"][cache]["signature"]]
    assert h(invoke["version"]) == 3 and h(invoke["nonce"]) == h(details["nonce"]) and h(invoke["tip"]) == h(details["tip"])
    assert starknet_py_hash(invoke, session.chain_id) == h(tx["transaction_hash"])
    # nonce given: the node saw only the spec version, the chain check and the invoke
    assert [c["method"] for c in node.rpc_calls()] == [
        "starknet_specVersion", "starknet_chainId", "starknet_addInvokeTransaction"
    ]
    [body] = stub.bodies("/cosigner/signSession")
    assert body["transaction"]["calldata"] == [str(h(v)) for v in tx["execute_calldata"]]
    assert body["transaction"]["sender_address"] == case["session"]["address"]
    assert body["session"]["cacheAuthorisation"] is (cache == "cache_true")


async def test_auto_estimate_signs_the_estimate_with_the_query_version(node: LoopbackServer, stub: LoopbackServer) -> None:
    session = Session.from_dict(CASE["session"])
    NODE["nonce"] = 7
    async with ArgentCosigner(stub.url, network_of(CASE)) as cosigner:
        account = build_session_account(session, None, FullNodeClient(node_url=node.url), cosigner)
        await account.execute_v3(TX["calls"], auto_estimate=True)
        await account.execute_v3(TX["calls"], auto_estimate=True)  # chain checked only once
    methods = [c["method"] for c in node.rpc_calls()]
    assert methods == ["starknet_specVersion", "starknet_chainId"] + [
        "starknet_getNonce", "starknet_estimateFee", "starknet_addInvokeTransaction"
    ] * 2
    [estimate] = node.rpc_calls("starknet_estimateFee")[0]["params"]["request"]
    assert h(estimate["version"]) == QUERY_VERSION_3
    assert h(estimate["nonce"]) == 7
    estimate_sig = [h(v) for v in estimate["signature"]]
    assert estimate_sig[0] == h(load_vectors("sessions_v9.json")["constants"]["session_token_shortstring"])
    assert_token_signed(estimate_sig, starknet_py_hash(estimate, session.chain_id), session.hash)
    versions = [b["transaction"]["version"] for b in stub.bodies()]
    assert versions == [str(QUERY_VERSION_3), "3"] * 2
    invoke = sent_invokes(node)[0]
    assert h(invoke["version"]) == 3
    assert h(invoke["resource_bounds"]["l2_gas"]["max_amount"]) == int(h(FEE_ESTIMATE["l2_gas_consumed"]) * 1.5)
    assert_token_signed([h(v) for v in invoke["signature"]], starknet_py_hash(invoke, session.chain_id), session.hash)


async def test_starknet_py_call_objects_and_estimate_fee(node: LoopbackServer, stub: LoopbackServer) -> None:
    session = Session.from_dict(CASE["session"])
    calls = account_calls(TX["calls"])
    async with ArgentCosigner(stub.url, network_of(CASE)) as cosigner:
        account = build_session_account(session, None, FullNodeClient(node_url=node.url), cosigner)
        signed = await account.sign_invoke_v3(calls, resource_bounds=resource_bounds(TX), nonce=h(TX["details"]["nonce"]),
                                              tip=h(TX["details"]["tip"]))
        assert signed.signature == [h(v) for v in TX["signatures"]["cache_false"]["signature"]]
        fee = await account.estimate_fee(signed)
    assert fee.overall_fee == h(FEE_ESTIMATE["overall_fee"])
    assert sent_invokes(node) == []
    [estimate] = node.rpc_calls("starknet_estimateFee")[0]["params"]["request"]
    assert h(estimate["version"]) == QUERY_VERSION_3
    assert_token_signed([h(v) for v in estimate["signature"]], starknet_py_hash(estimate, session.chain_id), session.hash)


async def test_account_version_05_cache_puts_the_owner_guid_at_offset_5(node: LoopbackServer) -> None:
    session = Session.from_dict(CASE["session"])
    owner_guid = starknet_signer_guid(h(CASE["inputs"]["owner_public_key"]))
    account = build_session_account(session, None, FullNodeClient(node_url=node.url), LocalGuardian(GUARDIAN_KEY),
                                    options=SigningOptions(cache_authorization=True, account_version="0.5",
                                                           owner_guid=owner_guid))
    await account.execute_v3(TX["calls"], resource_bounds=resource_bounds(TX), nonce=h(TX["details"]["nonce"]))
    [invoke] = sent_invokes(node)
    signature = [h(v) for v in invoke["signature"]]
    assert signature[5] == owner_guid
    assert unpack_token(signature)["guardian"][1] == GUARDIAN_PUB
    assert_token_signed(signature, starknet_py_hash(invoke, session.chain_id), session.hash)
    with pytest.raises(SessionError, match="owner_guid"):
        build_session_account(session, None, FullNodeClient(node_url=node.url), LocalGuardian(GUARDIAN_KEY),
                              options=SigningOptions(cache_authorization=True, account_version="0.5"))


@pytest.mark.parametrize("case", SESSIONS, ids=lambda c: c["name"])
async def test_sign_outside_execution_call_matches_vectors(case: dict[str, Any], node: LoopbackServer, stub: LoopbackServer) -> None:
    oe = case["outside_executions"][0]
    variant = next(v for v in oe["variants"] if v["version"] == "2" and not v["cache_authorisation"])
    params = oe["outside_execution_params"]
    bounds = OutsideExecutionTimeBounds(
        execute_after=datetime.fromtimestamp(params["execute_after"], tz=timezone.utc),
        execute_before=datetime.fromtimestamp(params["execute_before"], tz=timezone.utc),
    )
    session = Session.from_dict(case["session"])
    async with ArgentCosigner(stub.url, network_of(case)) as cosigner:
        # the recorded execute_before outlives the session (x-sessions does not check it)
        account = build_session_account(session, None, FullNodeClient(node_url=node.url), cosigner, allow_expired=True)
        call = await account.sign_outside_execution_call(oe["calls"], bounds, nonce=h(params["nonce"]))
    expected = variant["execute_from_outside_call"]
    assert (call.to_addr, call.selector) == (h(expected["contractAddress"]), get_selector_from_name(expected["entrypoint"]))
    assert call.calldata == [h(v) for v in expected["calldata"]]
    assert stub.bodies("/cosigner/signSessionEFO") == [variant["guardian_request"]["body"]]
    assert node.requests == []  # nonce given: no node round trip


async def test_sign_outside_execution_call_v1_and_random_nonce(node: LoopbackServer) -> None:
    session = Session.from_dict(CASE["session"])
    oe = CASE["outside_executions"][0]
    params = oe["outside_execution_params"]
    bounds = OutsideExecutionTimeBounds(
        execute_after=datetime.fromtimestamp(params["execute_after"], tz=timezone.utc),
        execute_before=datetime.fromtimestamp(params["execute_before"], tz=timezone.utc),
    )
    NODE["call"] = ["0x1"]  # is_valid_outside_execution_nonce -> true
    account = build_session_account(session, None, FullNodeClient(node_url=node.url), LocalGuardian(GUARDIAN_KEY),
                                    allow_expired=True)  # the recorded execute_before outlives the session
    call = await account.sign_outside_execution_call(oe["calls"], bounds, interface_version=OutsideExecutionInterfaceID.V1)
    assert call.selector == get_selector_from_name("execute_from_outside")
    [rpc] = node.rpc_calls("starknet_call")
    nonce = h(rpc["params"]["request"]["calldata"][0])
    caller, sent_nonce, after, before = call.calldata[:4]
    assert (caller, sent_nonce, after, before) == (
        h(oe["outside_execution"]["caller"]), nonce, params["execute_after"], params["execute_before"]
    )
    pos = 5
    for _ in range(call.calldata[4]):
        pos += 3 + call.calldata[pos + 2]
    signature = call.calldata[pos + 1:]
    assert len(signature) == call.calldata[pos]
    sn_oe = SnOutsideExecution(caller=caller, nonce=nonce, execute_after=after, execute_before=before,
                               calls=account_calls(oe["calls"]))
    message_hash = outside_execution_to_typed_data(sn_oe, OutsideExecutionInterfaceID.V1, session.chain_id).message_hash(session.address)
    assert_token_signed(signature, message_hash, session.hash)
    with pytest.raises(PolicyViolation):
        await account.sign_outside_execution_call(CASE["transaction_not_allowed"]["calls"], bounds, nonce=1)


# --------------------------------------------------------------------------- failures: nothing sent

def _execute(account: SessionAccount, calls: Any = None) -> Any:
    return account.execute_v3(TX["calls"] if calls is None else calls, resource_bounds=resource_bounds(TX),
                              nonce=h(TX["details"]["nonce"]))


#: Failure kind -> (answer, attempts per signature with the default retries: timeouts and 5xx are
#: retried up to max_attempts = 4, a 4xx other than 429 and a bad 2xx answer are sent once).
COSIGNER_FAILURES: dict[str, tuple[Callable[[Any], Any], int]] = {
    "timeout": (lambda body: Reply(200, {}, delay=1.5), 4),
    "4xx": (lambda body: Reply(403, {"status": "sessionRevoked"}), 1),
    "5xx": (lambda body: Reply(502, b"bad gateway"), 4),
    "non-json": (lambda body: Reply(200, b"<html></html>"), 1),
    "no-signature": (lambda body: {"ok": True}, 1),
    "garbage-r": (lambda body: {"signature": {"publicKey": hex(GUARDIAN_PUB), "r": "0xzz", "s": "1"}}, 1),
    "invalid-signature": (lambda body: {"signature": {"publicKey": hex(GUARDIAN_PUB), "r": "1", "s": "1"}}, 1),
}


@pytest.mark.parametrize("failure, attempts", COSIGNER_FAILURES.values(), ids=COSIGNER_FAILURES.keys())
async def test_cosigner_failure_sends_nothing_to_the_node(
    failure: Callable[[Any], Any], attempts: int, node: LoopbackServer, scripted: Any
) -> None:
    session = Session.from_dict(CASE["session"])
    guardian = scripted(failure)
    async with ArgentCosigner(guardian.url, network_of(CASE), timeout=0.3, backoff=0.01) as cosigner:
        account = build_session_account(session, None, FullNodeClient(node_url=node.url), cosigner)
        with pytest.raises(CosignerError):
            await _execute(account)
        with pytest.raises(CosignerError):
            await account.execute_v3(TX["calls"], auto_estimate=True)
    assert len(guardian.requests) == 2 * attempts
    assert node.rpc_calls("starknet_addInvokeTransaction") == []
    assert node.rpc_calls("starknet_estimateFee") == []


async def test_cosigner_down_sends_nothing_to_the_node(node: LoopbackServer) -> None:
    session = Session.from_dict(CASE["session"])
    async with ArgentCosigner(closed_port_url(), network_of(CASE), backoff=0.01) as cosigner:
        account = build_session_account(session, None, FullNodeClient(node_url=node.url), cosigner)
        with pytest.raises(CosignerError, match="cannot reach"):
            await _execute(account)
    assert node.rpc_calls("starknet_addInvokeTransaction") == []


@pytest.mark.parametrize("what", ["other-selector", "other-contract", "self-call", "one-of-two"])
async def test_not_allowed_call_raises_before_any_request(what: str, node: LoopbackServer, stub: LoopbackServer) -> None:
    session = Session.from_dict(CASE["session"])
    allowed = dict(TX["calls"][0])
    bad = {
        "other-selector": [{**allowed, "entrypoint": "approve"}],
        "other-contract": [{**allowed, "contractAddress": "0x1234"}],
        "self-call": [{"contractAddress": CASE["session"]["address"], "entrypoint": "revoke_session", "calldata": ["0x1"]}],
        "one-of-two": [allowed, {**allowed, "entrypoint": "transferFrom"}],
    }[what]
    async with ArgentCosigner(stub.url, network_of(CASE)) as cosigner:
        account = build_session_account(session, None, FullNodeClient(node_url=node.url), cosigner)
        with pytest.raises(PolicyViolation):
            await _execute(account, bad)
        with pytest.raises(PolicyViolation):
            await account.execute_v3(bad, auto_estimate=True)
    assert node.requests == [] and stub.requests == []


async def test_self_call_is_refused_even_when_the_session_allows_it(node: LoopbackServer) -> None:
    inputs = CASE["inputs"]
    key = SessionKey(h(inputs["session_private_key"]))
    methods = [{"Contract Address": inputs["account_address"], "selector": "transfer"}]
    request = create_session_request(inputs["chain_id"], key, methods, h(inputs["expiry"]), {"projectID": "x"})
    session = create_session(inputs["account_address"], [1, 2], request, inputs["chain_id"])
    account = build_session_account(session, None, FullNodeClient(node_url=node.url), LocalGuardian(GUARDIAN_KEY))
    call = {"contractAddress": inputs["account_address"], "entrypoint": "transfer", "calldata": []}
    assert account.context.proofs_felts([call])  # the session itself covers the call...
    with pytest.raises(PolicyViolation, match="no-multicall-to-self"):  # ...the account never runs it
        await _execute(account, [call])
    assert node.requests == []


async def test_vector_not_allowed_transaction(node: LoopbackServer) -> None:
    session = Session.from_dict(CASE["session"])
    account = build_session_account(session, None, FullNodeClient(node_url=node.url), LocalGuardian(GUARDIAN_KEY))
    with pytest.raises(PolicyViolation):
        await _execute(account, CASE["transaction_not_allowed"]["calls"])
    assert node.requests == []


async def test_node_on_another_chain_is_refused_before_signing(node: LoopbackServer, stub: LoopbackServer) -> None:
    session = Session.from_dict(CASE["session"])  # SN_MAIN
    NODE["chain"] = SN_SEPOLIA
    async with ArgentCosigner(stub.url, None) as cosigner:
        account = build_session_account(session, None, FullNodeClient(node_url=node.url), cosigner)
        with pytest.raises(SessionError, match="chain"):
            await _execute(account)
    assert stub.requests == []
    assert [c["method"] for c in node.rpc_calls()] == ["starknet_specVersion", "starknet_chainId"]


async def test_unsupported_operations_raise() -> None:
    session = Session.from_dict(CASE["session"])
    account = build_session_account(session, None, FullNodeClient(node_url="http://127.0.0.1:1"), LocalGuardian(GUARDIAN_KEY))
    typed_data = CASE["outside_executions"][0]["typed_data"]["2"]
    with pytest.raises(SessionError, match="cannot sign arbitrary messages"):
        account.sign_message(typed_data)
    with pytest.raises(SessionError):
        account.verify_message(typed_data, [1, 2])
    with pytest.raises(SessionError, match="cannot declare"):
        await account.sign_declare_v3("{}", 1, resource_bounds=resource_bounds(TX))
    with pytest.raises(SessionError, match="cannot deploy"):
        await account.sign_deploy_account_v3(1, 2, resource_bounds=resource_bounds(TX))
    invoke = InvokeV3(version=3, signature=[], nonce=0, resource_bounds=resource_bounds(TX), tip=0,
                      calldata=get_execute_calldata(TX["calls"]), sender_address=session.address)
    with pytest.raises(SessionError, match="async"):
        account.signer.sign_transaction(invoke)
    assert account.signer.public_key == session.session_key.public_key
    assert "SessionAccount" in repr(account) and hex(session.session_key.private_key)[2:] not in repr(account)


def test_build_session_account_rejects_bad_inputs() -> None:
    session = Session.from_dict(CASE["session"])
    client = FullNodeClient(node_url="http://127.0.0.1:1")
    with pytest.raises(SessionError, match="Cosigner"):
        build_session_account(session, None, client, object())  # type: ignore[arg-type]
    other_key = Session.from_dict(SESSIONS[1]["session"]).session_key
    with pytest.raises(SessionError, match="session_key_guid"):
        build_session_account(session, other_key, client, LocalGuardian(GUARDIAN_KEY))
    with pytest.raises(SessionError, match="account_version"):
        build_session_account(session, None, client, LocalGuardian(GUARDIAN_KEY),
                              options=SigningOptions(account_version="0.3"))


def test_sync_methods_sign_too(node: LoopbackServer) -> None:
    """starknet-py's ``*_sync`` twins (``add_sync_methods``) run the async session signing."""
    session = Session.from_dict(CASE["session"])
    account = build_session_account(session, None, FullNodeClient(node_url=node.url), LocalGuardian(GUARDIAN_KEY))
    signed = account.sign_invoke_v3_sync(TX["calls"], resource_bounds=resource_bounds(TX),
                                         nonce=h(TX["details"]["nonce"]), tip=h(TX["details"]["tip"]))
    assert signed.signature == [h(v) for v in TX["signatures"]["cache_false"]["signature"]]
