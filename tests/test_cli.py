"""The ``xsessions`` command, run as ``python -m xsessions_core`` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, h, load_vectors
from test_relayer_verdicts import CASES

GUARDIAN_KEY = load_vectors("contract_verdicts.json")["guardian_private_key"]


def run(*args: str, stdin: str | None = None, backend: str = "python") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), XSESSIONS_BACKEND=backend)
    return subprocess.run([sys.executable, "-m", "xsessions_core", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def cli_backend(backend: str) -> str:
    return backend


def assert_error(p: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert p.returncode == code, (p.stdout, p.stderr)
    lines = [line for line in p.stderr.strip().splitlines() if not line.startswith("xsessions: warning:")]
    assert len(lines) == 1 and lines[0].startswith("xsessions: error:"), p.stderr
    assert "Traceback" not in p.stderr
    return lines[0]


def _account_json(case: dict[str, Any]) -> dict[str, Any]:
    a = case["account"]
    return {"address": a["address"], "class_version": a["class_version"],
            "owner_public_key": a["owner"]["public_key"],
            "guardian_public_key": a["guardian"]["public_key"] if a["guardian"] else None}


@pytest.mark.parametrize("args", [[], ["keygen"], ["session"], ["session", "request"], ["session", "inspect"],
                                  ["sign"], ["verify"], ["demo"], ["bench"]])
def test_help_everywhere(args: list[str], cli_backend: str) -> None:
    p = run(*args, "--help", backend=cli_backend)
    assert p.returncode == 0 and p.stdout.startswith("usage: xsessions"), p.stderr


def test_keygen(cli_backend: str) -> None:
    from xsessions_core.crypto import private_to_stark_key

    p = run("keygen", backend=cli_backend)
    assert p.returncode == 0, p.stderr
    key = json.loads(p.stdout)
    assert private_to_stark_key(h(key["privateKey"])) == h(key["publicKey"])
    assert json.loads(run("keygen", backend=cli_backend).stdout)["privateKey"] != key["privateKey"]


def test_session_request(tmp_path: Path, cli_backend: str) -> None:
    key_file = tmp_path / "key.json"
    key_file.write_text(run("keygen", backend=cli_backend).stdout)
    p = run("session", "request", "--chain-id", "0x534e5f5345504f4c4941", "--key-file", str(key_file),
            "--method", "0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7:transfer",
            "--expires-in", "3600", "--metadata", '{"projectID":"p","txFees":[]}', backend=cli_backend)
    assert p.returncode == 0, p.stderr
    td = json.loads(p.stdout)
    assert td["primaryType"] == "Session" and td["domain"]["name"] == "SessionAccount.session"
    assert td["message"]["Allowed Methods"][0]["selector"] == "transfer"
    assert "privateKey" not in p.stdout
    assert_error(run("session", "request", "--chain-id", "0x1", backend=cli_backend))
    assert_error(run("session", "request", "--method", "nocolon", backend=cli_backend))


def test_session_inspect_session_and_signature(tmp_path: Path, cli_backend: str) -> None:
    case = CASES[0]
    f = tmp_path / "session.json"
    f.write_text(json.dumps(case["session"]))
    p = run("session", "inspect", str(f), backend=cli_backend)
    out = json.loads(p.stdout)
    assert out["kind"] == "session" and h(out["hash"]) == h(case["session_hash"])
    assert case["session"]["sessionKey"]["privateKey"] not in p.stdout
    sig = case["transaction"]["signature"]
    p = run("session", "inspect", "-", stdin=json.dumps({"signature": sig}), backend=cli_backend)
    out = json.loads(p.stdout)
    assert out["valid"] and h(out["session"]["session_key_guid"]) == h(case["session_key"]["guid"])
    p = run("session", "inspect", "-", stdin=json.dumps(sig[:-1]), backend=cli_backend)
    assert p.returncode == 1 and json.loads(p.stdout)["contract_error"] == "Index out of bounds"
    bad = dict(case["session"], hash="0x1")
    f.write_text(json.dumps(bad))
    p = run("session", "inspect", str(f), backend=cli_backend)
    assert p.returncode == 1 and json.loads(p.stdout)["problems"]


def test_sign_then_verify(tmp_path: Path, cli_backend: str) -> None:
    case = next(c for c in CASES if c["kind"] == "valid_calls_2" and c["account"]["class_version"] == "0.4.0")
    bounds = case["transaction"]["resource_bounds"]
    calls = [{"contractAddress": c["to"], "entrypoint": c["entrypoint"], "calldata": c["calldata"]} for c in case["calls"]]
    spec = {"session": case["session"], "guardian_private_key": GUARDIAN_KEY,
            "block_timestamp": case["block"]["timestamp"],  # signed while the recorded session was valid
            "transactions": [{"calls": calls, "nonce": hex(i), "resource_bounds": bounds} for i in range(3)]}
    f = tmp_path / "sign.json"
    f.write_text(json.dumps(spec))
    p = run("sign", str(f), backend=cli_backend)
    assert p.returncode == 0, p.stderr
    txs = [json.loads(line) for line in p.stdout.splitlines()]
    assert len(txs) == 3 and all(t["signature"][0] == "0x73657373696f6e2d746f6b656e" for t in txs)
    assert GUARDIAN_KEY[2:] not in p.stdout and case["session"]["sessionKey"]["privateKey"][2:] not in p.stdout
    vspec = {"account": _account_json(case), "chain_id": case["chain_id"],
             "block_timestamp": case["block"]["timestamp"], "transactions": txs}
    p = run("verify", "-", stdin=json.dumps(vspec), backend=cli_backend)
    assert p.returncode == 0, p.stderr
    assert [json.loads(line)["valid"] for line in p.stdout.splitlines()] == [True] * 3
    txs[1]["signature"][13] = hex(h(txs[1]["signature"][13]) ^ 1)
    p = run("verify", "-", stdin=json.dumps(vspec), backend=cli_backend)
    assert p.returncode == 1
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert rows[1] == {"index": 1, "kind": "invoke_v3", "valid": False, "error": "session/invalid-session-sig",
                       "phase": "validate"}


def test_verify_vector_cases(cli_backend: str) -> None:
    picked = [c for c in CASES if c["kind"] in ("expired", "outside_execution")][:4]
    for case in picked:
        tx = case["transaction"]
        spec: dict[str, Any] = {"account": _account_json(case), "chain_id": case["chain_id"],
                                "block_timestamp": case["block"]["timestamp"],
                                "state": case.get("account_state") or None}
        if tx["kind"] == "invoke_v3":
            spec["transactions"] = [tx]
        else:
            spec["outside_executions"] = [{"outside_execution": tx["outside_execution"], "signature": tx["signature"],
                                           "caller_address": tx["submitted_by"]}]
        p = run("verify", "-", stdin=json.dumps(spec), backend=cli_backend)
        row = json.loads(p.stdout)
        assert (row["valid"], row["error"]) == (case["verdict"] == "VALID",
                                                None if case["verdict"] == "VALID" else case["verdict"]), case["id"]
        assert p.returncode == (0 if row["valid"] else 1)


def test_demo(cli_backend: str) -> None:
    p = run("demo", "-n", "20", backend=cli_backend)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["transactions"] == 20 and out["valid"] == 20 and out["backend"] == cli_backend
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("args, stdin", [
    (["verify", "/nonexistent/file.json"], None),
    (["verify", "-"], "{not json"),
    (["verify", "-"], "[]"),
    (["verify", "-"], json.dumps({"account": {"address": "0x1"}})),
    (["sign", "-"], json.dumps({"session": {"address": "0x1"}})),
    (["sign", "-"], "null"),
    (["session", "inspect", "-"], "42"),
    (["demo", "-n", "0"], None),
    (["demo", "-n", "abc"], None),
    (["nosuchcommand"], None),
])
def test_bad_input_is_one_line_exit_2(args: list[str], stdin: str | None, cli_backend: str) -> None:
    assert_error(run(*args, stdin=stdin, backend=cli_backend))


def test_wrong_guardian_key_is_reported(tmp_path: Path, cli_backend: str) -> None:
    case = CASES[0]
    spec = {"session": case["session"], "guardian_private_key": "0x0", "transactions": []}
    line = assert_error(run("sign", "-", stdin=json.dumps(spec), backend=cli_backend))
    assert "private key" in line


def test_bench_runs(cli_backend: str) -> None:
    p = run("bench", "--seconds", "0.01", backend=cli_backend)
    assert p.returncode == 0, p.stderr
    assert "ecdsa verify" in p.stdout and "starknet-py" in p.stdout
