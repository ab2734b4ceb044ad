"""SNIP-29 paymaster client and sponsored session transactions against loopback servers.

The paymaster and the guardian are replayed from ``paymaster.json``: every request the client sends
must equal, byte for byte, the request starknet.js 10.8 (and x-sessions 9.0.4) sent, and gets the
answer the vectors' stub gave. Malicious paymasters alter those answers; each alteration must be
refused before the cosigner receives anything.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Callable

import pytest
from conftest import h, load_vectors
from loopback import AsyncLoopbackServer, Reply
from test_argent_cosigner import closed_port_url

from xsessions_core.errors import PaymasterError, PolicyViolation, SessionExpired, TransactionError
from xsessions_core.paymaster import (
    API_KEY_HEADER,
    ExecutionResult,
    FeeMode,
    PaymasterClient,
    PreparedTransaction,
    TimeBounds,
    TokenData,
    TrackingStatus,
    check_prepared_transaction,
    execute_sponsored,
)
from xsessions_core.sessions.argent_cosigner import ArgentCosigner
from xsessions_core.sessions.objects import Session

# Signs with the recorded sessions: sign at a time they were valid.
pytestmark = pytest.mark.usefixtures("recorded_clock")

PM = load_vectors("paymaster.json")
SESSIONS = {s["name"]: s for s in PM["sessions"]}
FLOWS = {f["name"]: f for f in PM["flows"]}
EXECUTED = [f for f in PM["flows"] if f["outcome"] == "executed"]
API_KEY = PM["constants"]["api_key_header"]["value"]
GUARDIAN_PUB = h(PM["constants"]["guardian_public_key"])
PAYMASTER = "/sepolia/paymaster"
GUARDIAN = "/argent/v1/cosigner/signSessionEFO"


def recorded(requests: list[dict[str, Any]], path: str) -> list[dict[str, Any]]:
    return [r for r in requests if r["path"] == path]


def replay(requests: list[dict[str, Any]], alter: Callable[[Any], Any] | None = None) -> Callable[[Any], Any]:
    """Answer the recorded responses in order (``alter`` may change the first, the build answer)."""
    answers = [copy.deepcopy(r["response"]["body"]) for r in requests]
    if alter is not None and answers:
        answers[0] = alter(answers[0])

    def handle(body: Any) -> Any:
        return answers.pop(0) if answers else Reply(500, {"error": "unexpected request"})

    return handle


def fee_mode_of(details: dict[str, Any]) -> FeeMode:
    return FeeMode.parse(details["feeMode"])


def time_bounds_of(details: dict[str, Any]) -> TimeBounds | None:
    bounds = details.get("timeBounds")
    if bounds is None:
        return None
    return TimeBounds(bounds["executeBefore"], bounds.get("executeAfter", 1))


async def run_flow(flow: dict[str, Any], alter: Callable[[Any], Any] | None = None,
                   **kwargs: Any) -> tuple[Any, AsyncLoopbackServer]:
    """execute_sponsored of a vector flow against the replaying paymaster and guardian."""
    routes = {PAYMASTER: replay(recorded(flow["requests"], PAYMASTER), alter),
              GUARDIAN: replay(recorded(flow["requests"], GUARDIAN))}
    session = Session.from_dict(SESSIONS[flow["session"]]["session"])
    async with AsyncLoopbackServer(routes) as server:
        async with PaymasterClient(server.url + PAYMASTER, api_key=flow["api_key_header"]) as paymaster, \
                ArgentCosigner(server.url + "/argent/v1", "sepolia", guardian_public_key=GUARDIAN_PUB,
                               max_attempts=1) as cosigner:
            try:
                result: Any = await execute_sponsored(
                    session, None, flow["user_calls"], cosigner, paymaster,
                    fee_mode=fee_mode_of(flow["paymaster_details"]),
                    cache_authorization=flow["cache_authorisation"],
                    **{"time_bounds": time_bounds_of(flow["paymaster_details"]), **kwargs})
            except Exception as exc:  # returned to the test, which asserts its type
                result = exc
    return result, server


# --------------------------------------------------------------------------- full flows, byte for byte

@pytest.mark.parametrize("flow", EXECUTED, ids=lambda f: f["name"])
async def test_sponsored_flow_matches_starknet_js_byte_for_byte(flow: dict[str, Any]) -> None:
    result, server = await run_flow(flow)
    answer = recorded(flow["requests"], PAYMASTER)[-1]["response"]["body"]["result"]
    assert result == ExecutionResult(h(answer["transaction_hash"]), h(answer["tracking_id"]))
    assert result.transaction_hash == h(flow["execute_library_result"]["transaction_hash"])
    sent = [r for r in server.requests if r.path == PAYMASTER]
    want = recorded(flow["requests"], PAYMASTER)
    assert [r.raw.decode() for r in sent] == [r["body_raw"] for r in want]
    assert [r.headers.get(API_KEY_HEADER) for r in sent] == [r["headers"].get(API_KEY_HEADER) for r in want]
    guardian = [r for r in server.requests if r.path == GUARDIAN]
    assert [r.body for r in guardian] == [r["body"] for r in recorded(flow["requests"], GUARDIAN)]
    assert sent[-1].body["params"]["transaction"]["invoke"]["signature"] == flow["session_signature"]["signature"]


async def test_fee_transfer_not_allowed_by_the_session_is_refused_before_signing() -> None:
    flow = FLOWS["default_mode_session_without_gas_token_transfer"]
    result, server = await run_flow(flow)
    assert isinstance(result, PolicyViolation) and "not allowed" in str(result)
    assert [r.path for r in server.requests] == [PAYMASTER]  # the build only: nothing signed, nothing executed


async def test_max_fee_in_gas_token_below_the_suggested_fee_is_refused() -> None:
    flow = FLOWS["account_default_max_fee_too_low"]
    suggested = h(recorded(flow["requests"], PAYMASTER)[0]["response"]["body"]["result"]["fee"][
        "suggested_max_fee_in_gas_token"])
    result, server = await run_flow(flow, max_fee_in_gas_token=suggested - 1)
    assert isinstance(result, PolicyViolation) and "Gas token price is too high" in str(result)
    assert [r.path for r in server.requests] == [PAYMASTER]


# --------------------------------------------------------------------------- malicious paymasters

def _typed(answer: Any) -> dict[str, Any]:
    return answer["result"]["typed_data"]


def _extra_call(answer: Any) -> Any:
    calls = _typed(answer)["message"]["Calls"]
    calls.insert(-1, {"To": "0x1234", "Selector": calls[0]["Selector"], "Calldata": []})
    return answer


def _changed_calldata(answer: Any) -> Any:
    _typed(answer)["message"]["Calls"][0]["Calldata"][0] = "0x99"
    return answer


def _other_account(answer: Any) -> Any:
    """The typed data the paymaster built for another account (another session's flow)."""
    other = recorded(FLOWS["default_mode_session_without_gas_token_transfer"]["requests"], PAYMASTER)[0]
    answer["result"]["typed_data"] = copy.deepcopy(other["response"]["body"]["result"]["typed_data"])
    return answer


def _deploy_other_account(answer: Any) -> Any:
    answer["result"]["type"] = "deploy_and_invoke"
    answer["result"]["deployment"] = copy.deepcopy(PM["deployments"][0]["deployment"])
    return answer


def _other_chain(answer: Any) -> Any:
    _typed(answer)["domain"]["chainId"] = "SN_MAIN"
    return answer


def _fee_to_someone_else(answer: Any) -> Any:
    _typed(answer)["message"]["Calls"][-1]["Calldata"][0] = "0x1234"
    return answer


def _fee_raised(answer: Any) -> Any:
    fee = answer["result"]["fee"]
    fee["suggested_max_fee_in_gas_token"] = hex(h(fee["suggested_max_fee_in_gas_token"]) * 10**6)
    _typed(answer)["message"]["Calls"][-1]["Calldata"][1] = fee["suggested_max_fee_in_gas_token"]
    return answer


def _extra_type(answer: Any) -> Any:
    _typed(answer)["types"]["OutsideExecution"].append({"name": "Extra", "type": "felt"})
    _typed(answer)["message"]["Extra"] = "0x1"
    return answer


def _fee_mode_changed(answer: Any) -> Any:
    answer["result"]["parameters"]["fee_mode"] = {"mode": "sponsored"}
    return answer


def _primary_type(answer: Any) -> Any:
    _typed(answer)["primaryType"] = "Session"
    return answer


MALICIOUS = {
    "extra_call": _extra_call,
    "changed_calldata": _changed_calldata,
    "typed_data_for_another_account": _other_account,
    "deploy_of_another_account": _deploy_other_account,
    "other_chain": _other_chain,
    "fee_to_someone_else": _fee_to_someone_else,
    "fee_raised_above_session_limit": _fee_raised,
    "extra_field_in_types": _extra_type,
    "fee_mode_changed": _fee_mode_changed,
    "primary_type_changed": _primary_type,
}


@pytest.mark.parametrize("alter", MALICIOUS.values(), ids=MALICIOUS.keys())
async def test_malicious_paymaster_is_refused_before_anything_is_signed(alter: Callable[[Any], Any]) -> None:
    flow = FLOWS["account_default_strk_two_calls"]
    limits = None
    if alter is _fee_raised:
        from xsessions_core.sessions import FeeLimits

        limits = FeeLimits.from_session(Session.from_dict(SESSIONS[flow["session"]]["session"]))
    result, server = await run_flow(flow, alter, fee_limits=limits)
    assert isinstance(result, PolicyViolation), result
    assert [r.path for r in server.requests] == [PAYMASTER]  # the cosigner got no request


async def test_changed_time_bounds_are_refused() -> None:
    flow = FLOWS["rpc_sponsored_time_bounds_two_calls"]

    def alter(answer: Any) -> Any:
        _typed(answer)["message"]["Execute Before"] = hex(h(_typed(answer)["message"]["Execute Before"]) + 86400)
        return answer

    result, server = await run_flow(flow, alter)
    assert isinstance(result, PolicyViolation) and "time bounds" in str(result)
    assert [r.path for r in server.requests] == [PAYMASTER]


async def test_forwarder_is_pinned() -> None:
    flow = FLOWS["rpc_sponsored_time_bounds_two_calls"]
    result, server = await run_flow(flow, forwarder=0x1234)
    assert isinstance(result, PolicyViolation) and "forwarder" in str(result)
    result, _ = await run_flow(flow, forwarder=PM["constants"]["networks"]["sepolia"]["forwarder"])
    assert isinstance(result, ExecutionResult)


async def test_calls_are_checked_before_anything_is_sent() -> None:
    flow = FLOWS["rpc_sponsored_time_bounds_two_calls"]
    session = SESSIONS[flow["session"]]
    for calls, error in (([{"contractAddress": "0x1234", "entrypoint": "steal", "calldata": []}], PolicyViolation),
                         ([{"contractAddress": session["account_address"], "entrypoint": "revoke_session",
                            "calldata": ["0x1"]}], PolicyViolation),
                         ([], TransactionError)):
        async with AsyncLoopbackServer({PAYMASTER: replay([])}) as server:
            async with PaymasterClient(server.url + PAYMASTER) as paymaster:
                with pytest.raises(error):
                    await execute_sponsored(Session.from_dict(session["session"]), None, calls, _NoCosigner(),
                                            paymaster, fee_mode="sponsored")
        assert server.requests == []


async def test_expired_session_is_refused_before_anything_is_sent() -> None:
    flow = FLOWS["rpc_sponsored_time_bounds_two_calls"]
    expires_at = Session.from_dict(SESSIONS[flow["session"]]["session"]).expires_at
    for kwargs in ({"now": expires_at}, {"now": expires_at + 3600},
                   {"time_bounds": TimeBounds(expires_at + 1, 1)}):  # the outside execution outlives the session
        result, server = await run_flow(flow, **kwargs)
        assert isinstance(result, SessionExpired), (kwargs, result)
        assert server.requests == []  # neither the paymaster nor the cosigner got a request
    result, server = await run_flow(flow, now=expires_at + 3600, allow_expired=True)  # the override
    assert isinstance(result, ExecutionResult)
    assert [r.path for r in server.requests] == [PAYMASTER, GUARDIAN, PAYMASTER]
    result, _ = await run_flow(flow, now=expires_at - 1)  # one second before the expiry: signed
    assert isinstance(result, ExecutionResult)


async def test_paymaster_execute_before_after_the_session_expiry_is_refused_before_signing() -> None:
    flow = FLOWS["account_sponsored_one_call"]  # no time bounds: the paymaster chooses execute_before
    expires_at = Session.from_dict(SESSIONS[flow["session"]]["session"]).expires_at
    chosen = h(recorded(flow["requests"], PAYMASTER)[0]["response"]["body"]["result"]["typed_data"]["message"][
        "Execute Before"])
    assert chosen < expires_at
    result, server = await run_flow(flow, now=chosen - 60)
    assert isinstance(result, ExecutionResult)

    def outlive(answer: Any) -> Any:
        _typed(answer)["message"]["Execute Before"] = hex(expires_at + 1)
        return answer

    result, server = await run_flow(flow, outlive)
    assert isinstance(result, SessionExpired) and "execute_before" in str(result)
    assert [r.path for r in server.requests] == [PAYMASTER]  # the build only: the cosigner got nothing


class _NoCosigner:
    async def sign_session_transaction(self, request: Any) -> Any:
        raise AssertionError("must not be called")

    async def sign_session_outside_execution(self, request: Any) -> Any:
        raise AssertionError("must not be called")


# --------------------------------------------------------------------------- the client's methods

@pytest.mark.parametrize("case", PM["simple_methods"], ids=lambda c: c["name"])
async def test_simple_methods(case: dict[str, Any]) -> None:
    (request,) = case["requests"]
    async with AsyncLoopbackServer({request["path"]: replay([request])}) as server:
        async with PaymasterClient(server.url + request["path"]) as paymaster:
            if case["name"] == "get_supported_tokens":
                paymaster._request_id = 1  # the vectors' client had sent isAvailable before
                got: Any = await paymaster.get_supported_tokens()
                assert got == [TokenData(h(t["token_address"]), t["decimals"], h(t["priceInStrk"]))
                               for t in case["library_result"]]
            else:
                got = await paymaster.is_available()
                assert got is case["library_result"]
    assert [r.raw.decode() for r in server.requests] == [request["body_raw"]]
    assert API_KEY_HEADER not in server.requests[0].headers


@pytest.mark.parametrize("case", PM["tracking"], ids=lambda c: c["name"])
async def test_tracking_id_to_latest_hash(case: dict[str, Any]) -> None:
    (request,) = case["requests"]
    async with AsyncLoopbackServer({PAYMASTER: replay([request])}) as server:
        async with PaymasterClient(server.url + PAYMASTER, api_key=API_KEY) as paymaster:
            tracking_id = request["body"]["params"]["tracking_id"]
            if "error" in case["response_json"]:
                with pytest.raises(PaymasterError) as err:
                    await paymaster.tracking_id_to_latest_hash(tracking_id)
                assert err.value.code == case["response_json"]["error"]["code"]
            else:
                got = await paymaster.tracking_id_to_latest_hash(h(tracking_id))
                result = case["response_json"]["result"]
                assert got == TrackingStatus(h(result["transaction_hash"]), result["status"])
    assert [r.raw.decode() for r in server.requests] == [request["body_raw"]]


@pytest.mark.parametrize("case", PM["errors"], ids=lambda c: c["name"])
async def test_error_answers_are_typed(case: dict[str, Any]) -> None:
    (request,) = case["requests"]
    params = request["body"]["params"]
    async with AsyncLoopbackServer({PAYMASTER: replay([request])}) as server:
        key = request["headers"].get(API_KEY_HEADER)
        async with PaymasterClient(server.url + PAYMASTER, api_key=key) as paymaster:
            paymaster._request_id = request["body"]["id"] - 1  # the vectors' client had sent requests before
            with pytest.raises(PaymasterError) as err:
                if request["body"]["method"] == "paymaster_buildTransaction":
                    invoke = params["transaction"]["invoke"]
                    bounds = params["parameters"].get("time_bounds")
                    await paymaster.build_transaction(
                        user_address=invoke["user_address"],
                        calls=[{"contractAddress": c["to"], "entrypoint": _entrypoint(c["selector"]),
                                "calldata": c["calldata"]} for c in invoke["calls"]],
                        fee_mode=params["parameters"]["fee_mode"],
                        time_bounds=None if bounds is None else TimeBounds(bounds["execute_before"],
                                                                           bounds["execute_after"]))
                else:
                    invoke = params["transaction"]["invoke"]
                    prepared = PreparedTransaction(
                        "invoke", PaymasterClient._prepared(_build_answer(invoke["typed_data"], params), None).parameters,
                        _any_fee(), invoke["typed_data"], None, invoke["user_address"])
                    await paymaster.execute_transaction(prepared, [h(v) for v in invoke["signature"]])
    expected = case["library_error"]["rpc_error"]
    assert err.value.code == expected["code"] and err.value.data == expected.get("data")
    assert expected["message"] in str(err.value)
    assert [r.raw.decode() for r in server.requests] == [request["body_raw"]]


def _entrypoint(selector: str) -> str:
    names = {v: k for k, v in PM["constants"]["selectors"].items()}
    return names[selector]


def _build_answer(typed_data: Any, params: Any) -> dict[str, Any]:
    fee = {k: "0x1" for k in ("gas_token_price_in_strk", "estimated_fee_in_strk", "estimated_fee_in_gas_token",
                              "suggested_max_fee_in_strk", "suggested_max_fee_in_gas_token")}
    return {"type": "invoke", "typed_data": typed_data, "parameters": params["parameters"], "fee": fee}


def _any_fee() -> Any:
    return PaymasterClient._prepared(_build_answer({}, {"parameters": {"version": "0x1", "fee_mode": {
        "mode": "sponsored"}}}), None).fee


@pytest.mark.parametrize("case", PM["deployments"], ids=lambda c: c["name"])
async def test_deployments_byte_for_byte(case: dict[str, Any]) -> None:
    requests = recorded(case["requests"], PAYMASTER)
    build_params = requests[0]["body"]["params"]
    async with AsyncLoopbackServer({PAYMASTER: replay(requests)}) as server:
        key = requests[0]["headers"].get(API_KEY_HEADER)
        async with PaymasterClient(server.url + PAYMASTER, api_key=key) as paymaster:
            invoke = build_params["transaction"].get("invoke")
            prepared = await paymaster.build_transaction(
                user_address=None if invoke is None else invoke["user_address"],
                calls=None if invoke is None else case["user_calls"],
                deployment=build_params["transaction"]["deployment"],
                fee_mode=build_params["parameters"]["fee_mode"])
            signature = None if invoke is None else [h(v) for v in case["owner_signature"]]
            result = await paymaster.execute_transaction(prepared, signature)
    assert [r.raw.decode() for r in server.requests] == [r["body_raw"] for r in requests]
    assert result.transaction_hash == h(case["execute_library_result"]["transaction_hash"])


@pytest.mark.parametrize("case", PM["safety_checks"], ids=lambda c: c["name"])
def test_safety_checks(case: dict[str, Any]) -> None:
    prepared = PaymasterClient._prepared(case["prepared_transaction"], "0x1")
    max_fee = case["max_fee_in_gas_token"]
    args = (prepared, case["user_calls"], case["paymaster_details"]["feeMode"], case["chain_id"])
    if case["ok"]:
        oe, version = check_prepared_transaction(*args, max_fee_in_gas_token=None if max_fee is None else h(max_fee))
        assert version == "2" and len(oe.calls) == len(case["user_calls"]) + 1
    else:
        with pytest.raises(PolicyViolation) as err:
            check_prepared_transaction(*args, max_fee_in_gas_token=None if max_fee is None else h(max_fee))
        assert str(err.value).split(":")[0] == case["error"].split(":")[0]


# --------------------------------------------------------------------------- transport and input errors

async def test_paymaster_down_and_garbage_answers() -> None:
    async with PaymasterClient(closed_port_url()) as paymaster:
        with pytest.raises(PaymasterError, match="cannot reach") as err:
            await paymaster.is_available()
    assert err.value.code is None
    for answer in (Reply(502, b"<html>bad gateway</html>"), Reply(200, [1, 2]), Reply(200, {"jsonrpc": "2.0"}),
                   Reply(200, {"result": "yes"}), Reply(200, {"error": "boom"})):
        async with AsyncLoopbackServer({"/": lambda body: answer}) as server:
            async with PaymasterClient(server.url + "/") as paymaster:
                with pytest.raises(PaymasterError):
                    await paymaster.is_available()
    bad_tokens = [[{"token_address": "0x1", "decimals": "18", "price_in_strk": "0x1"}],
                  [{"token_address": "zz", "decimals": 18, "price_in_strk": "0x1"}], {"a": 1}]
    for tokens in bad_tokens:
        async with AsyncLoopbackServer({"/": lambda body: {"jsonrpc": "2.0", "id": 1, "result": tokens}}) as server:
            async with PaymasterClient(server.url + "/") as paymaster:
                with pytest.raises(PaymasterError):
                    await paymaster.get_supported_tokens()


async def test_bad_input_is_typed_and_sends_nothing() -> None:
    for kwargs in ({"url": "ftp://x"}, {"url": "http://x", "api_key": ""}, {"url": "http://x", "timeout": 0}):
        with pytest.raises(ValueError):
            PaymasterClient(**kwargs)  # type: ignore[arg-type]
    assert API_KEY not in repr(PaymasterClient("http://127.0.0.1:1", api_key=API_KEY))
    for bad in ({"mode": "free"}, {"mode": "default"}, {"mode": "sponsored", "gas_token": "0x1"}, 7,
                {"mode": "default", "gas_token": "not an address"}):
        with pytest.raises(TransactionError):
            FeeMode.parse(bad)
    for before, after in ((10, 10), (-1, 0), (True, 0), (2**64, 1)):
        with pytest.raises(TransactionError):
            TimeBounds(before, after)
    async with AsyncLoopbackServer({PAYMASTER: replay([])}) as server:
        async with PaymasterClient(server.url + PAYMASTER) as paymaster:
            with pytest.raises(TransactionError):
                await paymaster.build_transaction(fee_mode="sponsored")
            with pytest.raises(TransactionError):
                await paymaster.build_transaction(fee_mode="sponsored", calls=[{"contractAddress": "0x1"}],
                                                  user_address="0x2")
            with pytest.raises(TransactionError):
                await paymaster.build_transaction(fee_mode="sponsored", calls=[], user_address=None)
            with pytest.raises(TransactionError):
                await paymaster.tracking_id_to_latest_hash("not a felt")
            with pytest.raises(TransactionError):
                await paymaster.execute_transaction("prepared")  # type: ignore[arg-type]
    assert server.requests == []
    assert json.loads(json.dumps(FeeMode.default("0x04718F").to_json())) == {"mode": "default", "gas_token": "0x04718F"}


async def test_snip9_v1_typed_data_is_signed_with_the_revision_0_hash() -> None:
    """A paymaster may answer SNIP-9 v1 (revision 0) typed data, in avnu's form (hex values, text domain)."""
    from xsessions_core.crypto import poseidon_hash_many, verify_message_signature
    from xsessions_core.sessions.guardian import LocalGuardian
    from xsessions_core.sessions.outside_execution import outside_execution_message_hash

    flow = FLOWS["rpc_sponsored_time_bounds_two_calls"]

    def to_v1(answer: Any) -> Any:
        message = _typed(answer)["message"]
        calls = [{"to": c["To"], "selector": c["Selector"], "calldata_len": hex(len(c["Calldata"])),
                  "calldata": c["Calldata"]} for c in message["Calls"]]
        answer["result"]["typed_data"] = {
            "types": {"StarkNetDomain": [{"name": "name", "type": "felt"}, {"name": "version", "type": "felt"},
                                         {"name": "chainId", "type": "felt"}],
                      "OutsideExecution": [{"name": n, "type": "felt"} for n in (
                          "caller", "nonce", "execute_after", "execute_before", "calls_len")] + [
                          {"name": "calls", "type": "OutsideCall*"}],
                      "OutsideCall": [{"name": "to", "type": "felt"}, {"name": "selector", "type": "felt"},
                                      {"name": "calldata_len", "type": "felt"}, {"name": "calldata", "type": "felt*"}]},
            "domain": {"name": "Account.execute_from_outside", "version": "1", "chainId": "SN_SEPOLIA", "revision": "0"},
            "primaryType": "OutsideExecution",
            "message": {"caller": message["Caller"], "nonce": message["Nonce"], "execute_after": message["Execute After"],
                        "execute_before": message["Execute Before"], "calls_len": hex(len(calls)), "calls": calls},
        }
        return answer

    session = Session.from_dict(SESSIONS[flow["session"]]["session"])
    requests = recorded(flow["requests"], PAYMASTER)
    async with AsyncLoopbackServer({PAYMASTER: replay(requests, to_v1)}) as server:
        async with PaymasterClient(server.url + PAYMASTER, api_key=API_KEY) as paymaster:
            await execute_sponsored(session, None, flow["user_calls"],
                                    LocalGuardian(h(PM["constants"]["guardian_private_key"])), paymaster,
                                    fee_mode="sponsored", time_bounds=time_bounds_of(flow["paymaster_details"]))
    build, execute = server.requests
    invoke = execute.body["params"]["transaction"]["invoke"]
    assert invoke["typed_data"]["domain"]["version"] == "1" and "calls" in invoke["typed_data"]["message"]
    prepared = PaymasterClient._prepared(to_v1(copy.deepcopy(requests[0]["response"]["body"]))["result"], "0x1")
    oe, version = check_prepared_transaction(prepared, flow["user_calls"], "sponsored", session.chain_id)
    assert version == "1"
    v1_hash = outside_execution_message_hash(oe, session.address, session.chain_id, "1")
    assert v1_hash != outside_execution_message_hash(oe, session.address, session.chain_id, "2")
    signature = [h(v) for v in invoke["signature"]]
    token_message = poseidon_hash_many([v1_hash, session.hash, 0])
    offset = 7 + len(session.authorization_signature)  # magic, 4 session felts, cache flag, auth length, auth
    assert signature[offset + 1] == session.session_key.public_key  # type: ignore[union-attr]
    assert verify_message_signature(token_message, signature[offset + 2:offset + 4], signature[offset + 1])
