"""The README runs as written: every Python block, in order, against loopback servers this test starts.

The network blocks read their URLs from environment variables (with loopback defaults); here they
point at a JSON-RPC node and an Argent cosigner on 127.0.0.1. The legacy block only defines its
coroutine here; ``test_legacy.py`` runs it against its own loopback node.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import REPO, h
from loopback import LoopbackServer, json_rpc
from starknet_py.constants import EXPECTED_RPC_VERSION
from test_argent_cosigner import stub_transaction_hash
from test_session_account import FEE_ESTIMATE

from xsessions_core.crypto import message_signature, poseidon_hash_many

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
    """A JSON-RPC node and an Argent cosigner (signing with the README's stand-in guardian key)."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace
        self.node = LoopbackServer(json_rpc({
            "starknet_specVersion": lambda params: EXPECTED_RPC_VERSION,
            "starknet_chainId": lambda params: hex(namespace["SN_SEPOLIA"]),
            "starknet_getNonce": lambda params: "0x5",
            "starknet_estimateFee": lambda params: [FEE_ESTIMATE for _ in params["request"]],
            "starknet_addInvokeTransaction": lambda params: {"transaction_hash": "0xabc"},
        }))
        self.cosigner = LoopbackServer({"/cosigner/signSession": self._cosign})

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
    with servers.node, servers.cosigner:
        monkeypatch.setenv("STARKNET_RPC_URL", servers.node.url)
        monkeypatch.setenv("ARGENT_COSIGNER_URL", servers.cosigner.url)
        yield servers


def test_every_python_block_runs_in_order(loopback: _Loopback) -> None:
    namespace = loopback.namespace
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in PYTHON_BLOCKS:
            exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our README
    assert len(PYTHON_BLOCKS) == 4

    # (a) the browser got the typed data only; the stored session has no private key
    private_hex = hex(namespace["session_key"].private_key)[2:]
    assert private_hex not in namespace["to_browser"] and private_hex not in json.dumps(namespace["stored"])
    assert namespace["session"].hash == h(namespace["stored"]["hash"])

    # (b) one transaction went to the node, co-signed by the guardian
    [invoke] = loopback.invokes()
    assert printed.getvalue().split() == ["0xabc"]
    assert h(invoke["sender_address"]) == namespace["ACCOUNT"] and h(invoke["signature"][0]) == 0x73657373696F6E2D746F6B656E
    assert loopback.cosigner.bodies("/cosigner/signSession")

    # (c) the relayer submits the valid transaction and rejects a tampered one without submitting it
    relay = namespace["relay"]
    assert relay(invoke) == {"transaction_hash": "0xabc"}
    assert len(loopback.invokes()) == 2 and loopback.invokes()[1] == invoke
    tampered = dict(invoke, nonce=hex(h(invoke["nonce"]) + 1))
    answer = relay(tampered)
    assert answer["rejected"] and answer["phase"] == "validate"
    assert len(loopback.invokes()) == 2
