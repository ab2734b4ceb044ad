"""The README's Python examples run as written (the legacy one runs in test_legacy.py)."""

from __future__ import annotations

import contextlib
import io
from typing import Any

from conftest import REPO, readme_block
from loopback import LoopbackServer, json_rpc


def _run(name: str, namespace: dict[str, Any] | None = None) -> tuple[dict[str, Any], str]:
    namespace = {} if namespace is None else namespace
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(readme_block(name), "README.md", "exec"), namespace)  # noqa: S102 - our README
    return namespace, out.getvalue()


def test_crypto_api_block_runs() -> None:
    text = (REPO / "README.md").read_text()
    start = text.index("```python\n", text.index("### The crypto API")) + len("```python\n")
    exec(compile(text[start : text.index("```", start)], "README.md", "exec"), {})  # noqa: S102


def test_modern_flow_signs_and_verifies() -> None:
    ns, printed = _run("modern-flow")
    assert printed.strip() == "Verdict(valid=True, error=None, phase=None)"
    assert ns["signature"][0] == 0x73657373696F6E2D746F6B656E  # the "session-token" magic


def test_relay_example_submits_valid_and_rejects_tampered() -> None:
    ns, _ = _run("modern-flow")
    tx = dict(ns["tx"], signature=[hex(v) for v in ns["signature"]],
              calldata=[hex(v) for v in ns["calldata"]])
    sent: list[Any] = []

    def add_invoke(params: Any) -> Any:
        sent.append(params)
        return {"transaction_hash": "0xabc"}

    with LoopbackServer(json_rpc({"starknet_addInvokeTransaction": add_invoke})) as node:
        relay_ns: dict[str, Any] = {
            "ACCOUNT": ns["ACCOUNT"], "OWNER_PUBKEY": ns["account"].owner_public_key,
            "GUARDIAN_PUBKEY": ns["guardian"].public_key, "REVOKED": [], "SN_MAIN": ns["SN_SEPOLIA"],
            "RPC_URL": node.url,
        }
        _run("relay", relay_ns)
        assert relay_ns["relay"](tx) == {"transaction_hash": "0xabc"}
        assert sent[0]["invoke_transaction"]["signature"] == tx["signature"]
        tampered = dict(tx, signature=tx["signature"][:-1] + ["0x1"])  # last proof element changed
        answer = relay_ns["relay"](tampered)
        assert answer["rejected"] and answer["phase"] == "validate"
        assert len(sent) == 1  # nothing submitted for the tampered transaction
