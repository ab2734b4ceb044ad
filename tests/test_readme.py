"""The README runs as written: every Python block, in order, against loopback servers this test starts.

The network blocks read their URLs from environment variables (with loopback defaults); here they
point at a JSON-RPC node (with an Argent account for the on-chain reads), an Argent cosigner and a
SNIP-29 paymaster on 127.0.0.1. The legacy block only defines its
coroutine here; ``test_legacy.py`` runs it against its own loopback node.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import REPO, h
from loopback import LoopbackServer, Snip29Paymaster, cosigner_sign_session_efo, json_rpc
from starknet_py.constants import EXPECTED_RPC_VERSION
from test_argent_cosigner import stub_transaction_hash
from test_onchain import FakeAccount, node
from test_session_account import FEE_ESTIMATE

from xsessions_core.crypto import message_signature, poseidon_hash_many
from xsessions_core.relayer import Verdict, verify_session_transaction, verify_session_transactions_batch
from xsessions_core.session_token import decode_session_token
from xsessions_core.sessions import sign_transactions_async
from xsessions_core.sessions.argent_cosigner import ArgentCosigner
from xsessions_core.signers import SignerKind
from xsessions_core.transactions import get_execute_calldata

README = (REPO / "README.md").read_text()
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)
TEST_COMMAND = 'python3 -m venv .venv && .venv/bin/pip install -e ".[dev]" && .venv/bin/python -m pytest -q'
DEMO_COMMAND = 'python3 -m venv .venv && .venv/bin/pip install -e ".[dev]" && .venv/bin/xsessions demo'


def test_readme_is_short_and_starts_with_the_two_newcomer_commands() -> None:
    assert len(README.splitlines()) <= 250
    commands = re.findall(r"```bash\n(.*?)\n```", README, re.S)
    assert commands[:2] == [DEMO_COMMAND, TEST_COMMAND]
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert ci[-1] == TEST_COMMAND  # CI runs exactly the command the README gives


def test_no_text_speaks_of_issues_or_targets() -> None:
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "benchmarks" / "report.py"]:
        text = path.read_text()
        assert not re.search(r"\b(issues?|targets?)\b", text, re.I), path


class _Loopback:
    """A JSON-RPC node (the README's account for the on-chain reads), an Argent cosigner signing with the
    README's stand-in guardian key, and a sponsoring SNIP-29 paymaster."""

    SPONSORED_HASH = 0xDEF

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace
        readme_node = json_rpc({
            "starknet_specVersion": lambda params: EXPECTED_RPC_VERSION,
            "starknet_chainId": lambda params: hex(namespace["SN_SEPOLIA"]),
            "starknet_getNonce": lambda params: "0x5",
            "starknet_estimateFee": lambda params: [FEE_ESTIMATE for _ in params["request"]],
            "starknet_addInvokeTransaction": lambda params: {"transaction_hash": "0xabc"},
        })["/"]

        def route(body: Any) -> Any:
            if isinstance(body, dict) and body.get("method") in ("starknet_call", "starknet_getClassHashAt"):
                account = FakeAccount("0.4.0", namespace["owner"].public_key, [namespace["guardian"].public_key])
                return node({namespace["ACCOUNT"]: account})["/"](body)
            return readme_node(body)

        self.node = LoopbackServer({"/": route, "/rpc": route})
        self.cosigner = LoopbackServer({
            "/cosigner/signSession": self._cosign,
            "/cosigner/signSessionEFO": lambda body: cosigner_sign_session_efo(
                namespace["guardian"].private_key)(body)})
        self.snip29 = Snip29Paymaster(0x534E5F5345504F4C4941, transaction_hash=self.SPONSORED_HASH)
        self.paymaster = LoopbackServer(self.snip29.routes)

    def _cosign(self, body: Any) -> Any:
        session = body["session"]
        token_message = poseidon_hash_many([stub_transaction_hash(body["transaction"]), h(session["sessionHash"]),
                                            int(session["cacheAuthorisation"])])
        guardian = self.namespace["guardian"]
        r, s = message_signature(token_message, guardian.private_key)
        return {"signature": {"publicKey": hex(guardian.public_key), "r": hex(r), "s": hex(s)}}

    def invokes(self) -> list[dict[str, Any]]:
        return [c["params"]["invoke_transaction"] for c in self.node.rpc_calls("starknet_addInvokeTransaction")]


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Loopback]:
    servers = _Loopback({})
    with servers.node, servers.cosigner, servers.paymaster:
        monkeypatch.setenv("STARKNET_RPC_URL", servers.node.url)
        monkeypatch.setenv("ARGENT_COSIGNER_URL", servers.cosigner.url)
        monkeypatch.setenv("PAYMASTER_URL", servers.paymaster.url)
        monkeypatch.delenv("PAYMASTER_API_KEY", raising=False)
        yield servers


def test_every_python_block_runs_in_order(loopback: _Loopback) -> None:
    namespace = loopback.namespace
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in PYTHON_BLOCKS:
            exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our README
    assert len(PYTHON_BLOCKS) == 5

    # (a) the browser got the typed data only; the stored session has no private key
    private_hex = hex(namespace["session_key"].private_key)[2:]
    assert private_hex not in namespace["to_browser"] and private_hex not in json.dumps(namespace["stored"])
    assert namespace["session"].hash == h(namespace["stored"]["hash"])

    # (b) one transaction went to the node, co-signed by the guardian; then 50 signed asynchronously, in order
    [invoke] = loopback.invokes()
    assert printed.getvalue().split() == ["0xabc", hex(loopback.SPONSORED_HASH)]
    assert h(invoke["sender_address"]) == namespace["ACCOUNT"] and h(invoke["signature"][0]) == 0x73657373696F6E2D746F6B656E
    assert loopback.cosigner.bodies("/cosigner/signSession")
    account_info = namespace["account_info"]
    assert (account_info.owner_public_key, account_info.guardian_public_key) == (
        namespace["owner"].public_key, namespace["guardian"].public_key)
    calldata = get_execute_calldata([namespace["TRANSFER"]])
    broadcast = [{"sender_address": namespace["ACCOUNT"], "calldata": calldata, "nonce": n,
                  "resource_bounds": namespace["BOUNDS"], "signature": sig}
                 for n, sig in zip(range(6, 56), namespace["signed"])]
    assert all(isinstance(sig, list) for sig in namespace["signed"]) and len(broadcast) == 50
    assert verify_session_transactions_batch(broadcast, account=account_info, chain_id=namespace["SN_SEPOLIA"],
                                             block_timestamp=int(time.time())) == [Verdict(True)] * 50

    # (c) the relayer submits the valid transaction and rejects a tampered one without submitting it
    relay = namespace["relay"]
    assert relay(invoke) == {"transaction_hash": "0xabc"}
    assert relay(broadcast[0]) == {"transaction_hash": "0xabc"}
    assert len(loopback.invokes()) == 3 and loopback.invokes()[1] == invoke
    tampered = dict(invoke, nonce=hex(h(invoke["nonce"]) + 1))
    answer = relay(tampered)
    assert answer["rejected"] and answer["phase"] == "validate"
    assert len(loopback.invokes()) == 3

    # (c) a transaction the contract accepts but whose max fee is above the session's txFees is not submitted
    expensive = dict(namespace["BOUNDS"], l2_gas={"max_amount": 10**8, "max_price_per_unit": 10**11})
    tx = {"calls": [namespace["TRANSFER"]], "nonce": 60, "resource_bounds": expensive}

    async def sign_expensive() -> Any:
        async with ArgentCosigner(loopback.cosigner.url, network="sepolia") as cosigner:
            return await sign_transactions_async(namespace["session"], namespace["session_key"], [tx], cosigner)

    [signature] = asyncio.run(sign_expensive())
    over = {"sender_address": namespace["ACCOUNT"], "calldata": calldata, "nonce": 60, "resource_bounds": expensive,
            "signature": signature}
    answer = relay(over)
    assert "txFees limit" in answer["rejected"] and answer["phase"] is None
    assert len(loopback.invokes()) == 3

    # (d) a P-256 session key: its signatures are Secp256r1 signer signatures the verifier accepts
    for signed in namespace["p256_signed"]:
        token = decode_session_token(signed.signature, account_version="0.5.0")
        assert token.session_signature.kind is SignerKind.Secp256r1
        assert token.session_signature.guid == namespace["p256_key"].signer.guid
        assert not verify_session_transaction(dataclasses.replace(signed, nonce=signed.nonce + 7),
                                              account=namespace["p256_account"], chain_id=namespace["SN_SEPOLIA"],
                                              block_timestamp=int(time.time())).valid

    # (c) sponsored: exactly the user's call went to the paymaster, with the session's signature
    [executed] = loopback.snip29.executed
    assert executed["user_address"] == hex(namespace["ACCOUNT"])
    assert len(executed["typed_data"]["message"]["Calls"]) == 1
    assert h(executed["signature"][0]) == 0x73657373696F6E2D746F6B656E
    assert loopback.cosigner.bodies("/cosigner/signSessionEFO")
