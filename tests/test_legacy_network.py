"""Legacy sessions over a real loopback JSON-RPC node, driven through starknet-py's FullNodeClient.

Every assertion on what was sent reads the JSON bodies the server received on its socket.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import h
from fixtures_legacy import EXECUTION_IDS, EXECUTIONS, SESSIONS, legacy_node, vector_session_account
from loopback import LoopbackServer, RpcError
from starknet_py.net.account.account import Account
from starknet_py.net.client_errors import ClientError
from starknet_py.net.full_node_client import FullNodeClient
from starknet_py.net.signer.key_pair import KeyPair
from starknet_py.net.signer.stark_curve_signer import StarkCurveSigner

from xsessions_core.crypto import get_selector_from_name, verify_message_signature
from xsessions_core.errors import PolicyViolation
from xsessions_core.legacy import (
    QUERY_VERSION_BASE,
    SESSION_PLUGIN_CLASS_HASH,
    RequestSession,
    create_session,
    invoke_transaction_hash,
    supports_sessions,
)


def _request(session: dict[str, Any]) -> RequestSession:
    inp = session["inputs"]
    return RequestSession.from_dict({"key": inp["session_public_key"], "expires": inp["expires"],
                                     "policies": inp["policies"]})


@pytest.mark.parametrize("session", SESSIONS[:3], ids=[s["name"] for s in SESSIONS[:3]])
async def test_create_session_fetches_the_chain_id_through_a_real_account(session: dict[str, Any]) -> None:
    inp = session["inputs"]
    with LoopbackServer(legacy_node(chain_id=inp["chain_id"])) as node:
        client = FullNodeClient(node_url=node.url)
        key_pair = KeyPair.from_private_key(h(inp["owner_private_key"]))
        # No chain given to the Account: create_session must ask the node (starknet_chainId).
        signer = StarkCurveSigner(session["account_address_used"], key_pair, h(inp["chain_id"]))
        account = Account(address=session["account_address_used"], client=client, signer=signer)
        signed = await create_session(_request(session), account)
        assert signed.to_dict() == session["signed_session"]
        assert [c["method"] for c in node.rpc_calls()] == ["starknet_specVersion", "starknet_chainId"]

        # With the chain known to the Account (key_pair + chain), nothing is sent.
        node.requests.clear()
        known = Account(address=session["account_address_used"], client=client, key_pair=key_pair,
                        chain=h(inp["chain_id"]))
        assert (await create_session(_request(session), known)).to_dict() == session["signed_session"]
        assert node.requests == []


@pytest.mark.parametrize(("session", "index", "execution"), EXECUTIONS, ids=EXECUTION_IDS)
async def test_execute_sends_the_vector_invoke(session: dict[str, Any], index: int, execution: dict[str, Any]) -> None:
    detail = execution["transactions_detail"]
    with LoopbackServer(legacy_node(chain_id=session["inputs"]["chain_id"], nonce=detail["nonce"],
                                    tx_hash=execution["transaction_hash"])) as node:
        account = vector_session_account(session, FullNodeClient(node_url=node.url))
        tx_hash = await account.execute(execution["calls"], max_fee=h(detail["maxFee"]))
    assert tx_hash == h(execution["transaction_hash"])
    calls = node.rpc_calls()
    assert [c["method"] for c in calls] == [
        "starknet_specVersion", "starknet_chainId", "starknet_getNonce", "starknet_addInvokeTransaction",
    ]
    assert calls[2]["params"]["contract_address"] == hex(h(session["account_address_used"]))
    sent = execution["invoke"]
    assert calls[3]["params"] == {"invoke_transaction": {
        "type": "INVOKE",
        "sender_address": hex(h(sent["contractAddress"])),
        "calldata": sent["calldata"],
        "max_fee": hex(h(sent["details"]["maxFee"])),
        "version": "0x1",
        "signature": sent["signature"],
        "nonce": hex(detail["nonce"]),
    }}


async def test_execute_estimates_the_fee_with_the_query_version() -> None:
    session, execution = SESSIONS[2], SESSIONS[2]["executions"][1]
    chain_id, nonce = session["inputs"]["chain_id"], execution["transactions_detail"]["nonce"]
    address = h(session["account_address_used"])
    with LoopbackServer(legacy_node(chain_id=chain_id, nonce=nonce, overall_fee="0x2386f26fc10001")) as node:
        account = vector_session_account(session, FullNodeClient(node_url=node.url))
        await account.execute(execution["calls"])
    methods = [c["method"] for c in node.rpc_calls()]
    assert methods == ["starknet_specVersion", "starknet_chainId", "starknet_getNonce", "starknet_estimateFee",
                       "starknet_addInvokeTransaction"]
    estimate = node.rpc_calls("starknet_estimateFee")[0]["params"]
    assert estimate["simulation_flags"] == [] and len(estimate["request"]) == 1
    query = estimate["request"][0]
    assert query["version"] == hex(QUERY_VERSION_BASE + 1) and query["max_fee"] == "0x0"
    assert query["calldata"] == execution["invoke"]["calldata"] and query["nonce"] == hex(nonce)
    query_hash = invoke_transaction_hash(address, [h(v) for v in execution["hashed_calldata"]], nonce, 0,
                                         h(chain_id), QUERY_VERSION_BASE + 1)
    public = h(session["inputs"]["session_public_key"])
    assert verify_message_signature(query_hash, [h(v) for v in query["signature"]], public)
    sent = node.rpc_calls("starknet_addInvokeTransaction")[0]["params"]["invoke_transaction"]
    assert sent["max_fee"] == hex(0x2386F26FC10001 * 150 // 100)
    assert sent["calldata"] == query["calldata"]
    tx_hash = invoke_transaction_hash(address, [h(v) for v in execution["hashed_calldata"]], nonce,
                                      0x2386F26FC10001 * 150 // 100, h(chain_id))
    assert verify_message_signature(tx_hash, [h(v) for v in sent["signature"]], public)


async def test_execute_v0_sends_the_v0_shape() -> None:
    session, execution = SESSIONS[1], SESSIONS[1]["executions"][0]
    with LoopbackServer(legacy_node(chain_id=session["inputs"]["chain_id"])) as node:
        account = vector_session_account(session, FullNodeClient(node_url=node.url))
        await account.execute(execution["calls"], nonce=7, max_fee=10**15, transaction_version=0)
    sent = node.rpc_calls("starknet_addInvokeTransaction")[0]["params"]["invoke_transaction"]
    address = h(session["account_address_used"])
    assert sorted(sent) == ["calldata", "contract_address", "entry_point_selector", "max_fee", "signature",
                            "type", "version"]
    assert sent["contract_address"] == hex(address) and sent["version"] == "0x0"
    assert sent["entry_point_selector"] == hex(get_selector_from_name("__execute__"))
    calldata = [h(v) for v in sent["calldata"]]
    assert calldata[-1] == 7 and [hex(v) for v in calldata[:-1]] == execution["hashed_calldata"]
    tx_hash = invoke_transaction_hash(address, calldata[:-1], 7, 10**15, h(session["inputs"]["chain_id"]), 0)
    assert verify_message_signature(tx_hash, [h(v) for v in sent["signature"]],
                                    h(session["inputs"]["session_public_key"]))
    assert "starknet_getNonce" not in [c["method"] for c in node.rpc_calls()]


async def test_not_allowed_call_sends_nothing() -> None:
    session = SESSIONS[3]
    with LoopbackServer(legacy_node(chain_id=session["inputs"]["chain_id"])) as node:
        account = vector_session_account(session, FullNodeClient(node_url=node.url))
        forbidden = {"contractAddress": "0x1", "entrypoint": "steal", "calldata": []}
        with pytest.raises(PolicyViolation, match="leaf not found"):
            await account.execute([*session["executions"][0]["calls"], forbidden])
        with pytest.raises(PolicyViolation):
            await account.estimate_fee(forbidden)
    assert node.requests == []


async def test_node_error_is_raised() -> None:
    session, execution = SESSIONS[0], SESSIONS[0]["executions"][0]

    def reject(params: Any) -> Any:
        raise RpcError(55, "Account validation failed")

    routes = legacy_node(chain_id=session["inputs"]["chain_id"],
                         extra={"starknet_addInvokeTransaction": reject})
    with LoopbackServer(routes) as node:
        account = vector_session_account(session, FullNodeClient(node_url=node.url))
        with pytest.raises(ClientError, match="Account validation failed"):
            await account.execute(execution["calls"], nonce=1, max_fee=1)


@pytest.mark.parametrize(("answer", "expected"), [(1, True), (0, False)])
async def test_supports_sessions(answer: int, expected: bool) -> None:
    session = SESSIONS[4]
    with LoopbackServer(legacy_node(chain_id=session["inputs"]["chain_id"], is_plugin=answer)) as node:
        client = FullNodeClient(node_url=node.url)
        assert await supports_sessions(session["inputs"]["account_address"], client) is expected
    call = node.rpc_calls("starknet_call")[0]["params"]
    assert call["request"] == {
        "contract_address": hex(h(session["account_address_used"])),
        "entry_point_selector": hex(get_selector_from_name("is_plugin")),
        "calldata": [hex(SESSION_PLUGIN_CLASS_HASH)],
    }


async def test_session_account_on_an_account_uses_its_client_and_chain() -> None:
    session, execution = SESSIONS[5], SESSIONS[5]["executions"][0]
    inp, detail = session["inputs"], execution["transactions_detail"]
    with LoopbackServer(legacy_node(chain_id="0x1", nonce=detail["nonce"])) as node:
        owner = Account(address=session["account_address_used"], client=FullNodeClient(node_url=node.url),
                        key_pair=KeyPair.from_private_key(h(inp["owner_private_key"])), chain=h(inp["chain_id"]))
        account = vector_session_account(session, owner)
        assert account.chain_id == h(inp["chain_id"])
        await account.execute(execution["calls"], max_fee=h(detail["maxFee"]))
    assert [c["method"] for c in node.rpc_calls()] == [
        "starknet_specVersion", "starknet_getNonce", "starknet_addInvokeTransaction",
    ]
    sent = node.rpc_calls("starknet_addInvokeTransaction")[0]["params"]["invoke_transaction"]
    assert sent["signature"] == execution["invoke"]["signature"]
