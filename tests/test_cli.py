"""The ``xsessions`` command, run as ``python -m xsessions_core`` in a subprocess."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, h, load_vectors
from test_relayer_verdicts import CASES

from xsessions_core import __version__, cli
from xsessions_core.crypto import message_signature, private_to_stark_key
from xsessions_core.sessions import (
    LocalGuardian,
    Session,
    SessionContext,
    SessionKey,
    compile_session,
    create_session,
    create_session_request,
    session_hash_from_onchain,
)
from xsessions_core.signers import Secp256k1Key, Secp256r1Key, Signer
from xsessions_core.sessions.fee_limits import STRK_TOKEN_ADDRESS, max_fee_of
from xsessions_core.signers.curves import SECP256R1_ORDER
from xsessions_core.transactions import InvokeV3, get_execute_calldata

GUARDIAN_KEY = load_vectors("contract_verdicts.json")["guardian_private_key"]
V9 = load_vectors("sessions_v9.json")
SN_SEPOLIA = 0x534E5F5345504F4C4941
TOKEN = "0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7"
ACCOUNT = 0x4DDBEEDDF59DB91EB3A68028ABC6038B8F3F1472EB3A75A870A8223FBCA188
OWNER, GUARDIAN, SESSION_KEY = 0x0C0FFEE1, 0x0C0FFEE2, 0x0C0FFEE3
BOUNDS = {"l1_gas": {"max_amount": "0x0", "max_price_per_unit": "0x0"},
          "l2_gas": {"max_amount": "0x1000000", "max_price_per_unit": "0x3b9aca00"},
          "l1_data_gas": {"max_amount": "0x400", "max_price_per_unit": "0x5f5e100"}}


def run(*args: str, stdin: str | None = None, backend: str = "python",
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, PYTHONPATH=str(REPO), XSESSIONS_BACKEND=backend, **(env or {}))
    for name in (cli.GUARDIAN_KEY_ENV, cli.SESSION_KEY_ENV):
        if not env or name not in env:
            full_env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "xsessions_core", *args], input=stdin, capture_output=True,
                          text=True, env=full_env, timeout=300)


@pytest.fixture(scope="module")
def cli_backend(backend: str) -> str:
    return backend


def assert_error(p: subprocess.CompletedProcess[str], code: int = 2) -> str:
    """One line on stderr, nothing on stdout, no traceback, the given exit code; returns the line."""
    assert p.returncode == code, (p.stdout, p.stderr)
    assert p.stdout == "", p.stdout
    lines = [line for line in p.stderr.strip().splitlines() if not line.startswith("xsessions: warning:")]
    assert len(lines) == 1 and lines[0].startswith(("xsessions: error:", "xsessions: invalid:")), p.stderr
    assert "Traceback" not in p.stderr and "invalid literal" not in p.stderr
    return lines[0]


def fresh_session(expires_in: int = 3600) -> dict[str, Any]:
    """A session authorized by OWNER and GUARDIAN for ACCOUNT on Sepolia, with its session key."""
    request = create_session_request(SN_SEPOLIA, SessionKey(SESSION_KEY),
                                     [{"Contract Address": TOKEN, "selector": "transfer"}],
                                     int(time.time()) + expires_in, {"projectID": "cli-test", "txFees": []})
    session_hash = session_hash_from_onchain(compile_session(request.offchain_session), ACCOUNT, SN_SEPOLIA)
    authorization = [*message_signature(session_hash, OWNER), *message_signature(session_hash, GUARDIAN)]
    return create_session(ACCOUNT, authorization, request, SN_SEPOLIA).to_dict(include_private_key=True)


def account_json() -> dict[str, Any]:
    return {"address": hex(ACCOUNT), "class_version": "0.4", "owner_public_key": hex(private_to_stark_key(OWNER)),
            "guardian_public_key": hex(private_to_stark_key(GUARDIAN))}


def sign_spec(count: int = 3, calldata_len: int = 3, **extra: Any) -> dict[str, Any]:
    calls = [{"contractAddress": TOKEN, "entrypoint": "transfer", "calldata": [hex(i) for i in range(calldata_len)]}]
    return {"session": fresh_session(), **extra,
            "transactions": [{"calls": calls, "nonce": hex(i), "resource_bounds": BOUNDS} for i in range(count)]}


def _account_json(case: dict[str, Any]) -> dict[str, Any]:
    a = case["account"]
    return {"address": a["address"], "class_version": a["class_version"],
            "owner_public_key": a["owner"]["public_key"],
            "guardian_public_key": a["guardian"]["public_key"] if a["guardian"] else None}


@pytest.mark.parametrize("args", [[], ["keygen"], ["session"], ["session", "request"], ["session", "create"],
                                  ["session", "inspect"], ["sign"], ["verify"], ["demo"], ["bench"]])
def test_help_everywhere(args: list[str], cli_backend: str) -> None:
    p = run(*args, "--help", backend=cli_backend)
    assert p.returncode == 0 and p.stdout.startswith("usage: xsessions"), p.stderr


def test_version(cli_backend: str) -> None:
    p = run("--version", backend=cli_backend)
    assert p.returncode == 0 and p.stdout.strip() == f"xsessions {__version__}", p


def test_keygen(cli_backend: str) -> None:
    p = run("keygen", backend=cli_backend)
    assert p.returncode == 0, p.stderr
    key = json.loads(p.stdout)
    assert private_to_stark_key(h(key["privateKey"])) == h(key["publicKey"])
    assert json.loads(run("keygen", backend=cli_backend).stdout)["privateKey"] != key["privateKey"]


def test_keygen_out_writes_0600_and_never_overwrites(tmp_path: Path, cli_backend: str) -> None:
    out = tmp_path / "session.key"
    p = run("keygen", "--out", str(out), backend=cli_backend)
    assert p.returncode == 0, p.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    key = json.loads(out.read_text())
    assert "privateKey" not in p.stdout and json.loads(p.stdout)["publicKey"] == key["publicKey"]
    assert private_to_stark_key(h(key["privateKey"])) == h(key["publicKey"])
    line = assert_error(run("keygen", "--out", str(out), backend=cli_backend))
    assert "not overwriting" in line and json.loads(out.read_text()) == key


KEY_CLASSES = {"secp256k1": Secp256k1Key, "secp256r1": Secp256r1Key}


@pytest.mark.parametrize("kind", sorted(KEY_CLASSES))
def test_keygen_secp256_kinds(kind: str, tmp_path: Path, cli_backend: str) -> None:
    p = run("keygen", "--kind", kind, backend=cli_backend)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    key = KEY_CLASSES[kind](h(doc["privateKey"]))
    assert doc["kind"] == kind
    assert (h(doc["publicKey"]["x"]), h(doc["publicKey"]["y"])) == key.public_key
    assert Signer.from_felts([h(v) for v in doc["signer"]]) == key.signer
    assert h(doc["guid"]) == key.signer.guid
    if kind == "secp256k1":
        assert isinstance(key, Secp256k1Key)
        assert h(doc["address"]) == key.address == key.signer.pubkey_hash
        assert len(doc["address"]) == 42
    else:
        assert "address" not in doc and key.signer.to_felts()[0] == 2
    assert json.loads(run("keygen", "--kind", kind, backend=cli_backend).stdout)["privateKey"] != doc["privateKey"]
    out = tmp_path / f"{kind}.key"
    p = run("keygen", "--kind", kind, "--out", str(out), backend=cli_backend)
    assert p.returncode == 0, p.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    written = json.loads(out.read_text())
    assert "privateKey" not in p.stdout
    assert json.loads(p.stdout) == {k: v for k, v in written.items() if k != "privateKey"}
    assert KEY_CLASSES[kind](h(written["privateKey"])).signer.guid == h(written["guid"])


def test_keygen_default_is_the_stark_key_x_sessions_stores(cli_backend: str) -> None:
    for args in (["keygen"], ["keygen", "--kind", "stark"]):
        doc = json.loads(run(*args, backend=cli_backend).stdout)
        assert doc == SessionKey(h(doc["privateKey"])).to_dict(include_private_key=True)


@pytest.mark.parametrize("kind", ["ed25519", "STARK", ""])
def test_keygen_refuses_an_unknown_kind(kind: str, cli_backend: str) -> None:
    assert "--kind" in assert_error(run("keygen", "--kind", kind, backend=cli_backend))


def test_a_secp256_key_file_is_read_by_kind(tmp_path: Path, cli_backend: str) -> None:
    spec = sign_spec(count=1, guardian_private_key=hex(GUARDIAN))
    spec["session"].pop("sessionKey")
    key_file = tmp_path / "r1.key"
    assert run("keygen", "--kind", "secp256r1", "--out", str(key_file), backend=cli_backend).returncode == 0
    line = assert_error(run("sign", "--session-key-file", str(key_file), "-", stdin=json.dumps(spec),
                            backend=cli_backend))
    assert "sessionKeyGuid" in line  # read as a P-256 key: its GUID is not the session's STARK key GUID
    doc = json.loads(key_file.read_text())
    secret = doc["privateKey"]
    for bad in ("0x0", secret + "zz", hex(SECP256R1_ORDER)):
        key_file.write_text(json.dumps(dict(doc, privateKey=bad)))
        line = assert_error(run("sign", "--session-key-file", str(key_file), "-", stdin=json.dumps(spec),
                                backend=cli_backend))
        assert "not a valid secp256r1 private key" in line and secret[8:-8] not in line
    key_file.write_text(json.dumps(dict(doc, kind="ed25519")))
    assert "kind" in assert_error(run("sign", "--session-key-file", str(key_file), "-", stdin=json.dumps(spec),
                                      backend=cli_backend))
    env = {cli.SESSION_KEY_ENV: json.dumps(dict(doc, kind="secp256k1"))}  # the JSON of a key file works too
    assert "sessionKeyGuid" in assert_error(run("sign", "-", stdin=json.dumps(spec), env=env, backend=cli_backend))


def test_session_request_needs_the_private_part_of_a_secp256_key_file(tmp_path: Path, cli_backend: str) -> None:
    p = run("keygen", "--kind", "secp256r1", backend=cli_backend)
    public = tmp_path / "public.json"
    public.write_text(json.dumps({k: v for k, v in json.loads(p.stdout).items() if k != "privateKey"}))
    line = assert_error(run("session", "request", "--chain-id", "SN_SEPOLIA", "--key-file", str(public),
                            "--method", f"{TOKEN}:transfer", "--expires-in", "3600", backend=cli_backend))
    assert "privateKey" in line


def test_session_request(tmp_path: Path, cli_backend: str) -> None:
    key_file = tmp_path / "key.json"
    key_file.write_text(run("keygen", backend=cli_backend).stdout)
    p = run("session", "request", "--chain-id", "SN_SEPOLIA", "--key-file", str(key_file),
            "--method", f"{TOKEN}:transfer", "--expires-in", "3600", "--metadata", '{"projectID":"p","txFees":[]}',
            backend=cli_backend)
    assert p.returncode == 0, p.stderr
    td = json.loads(p.stdout)
    assert td["primaryType"] == "Session" and td["domain"]["name"] == "SessionAccount.session"
    assert h(td["domain"]["chainId"]) == SN_SEPOLIA
    assert td["message"]["Allowed Methods"][0]["selector"] == "transfer"
    assert "privateKey" not in p.stdout
    assert_error(run("session", "request", "--chain-id", "0x1", backend=cli_backend))
    assert_error(run("session", "request", "--method", "nocolon", backend=cli_backend))
    assert_error(run("session", "request", "--chain-id", "SN_SEPOLIA", "--key-file", str(key_file),
                     "--method", f"{TOKEN}:transfer", "--expires-in", "1.5", backend=cli_backend))


@pytest.mark.parametrize("index", [0, -1])  # the concise [r, s] form and the Argent full form
def test_session_create_from_the_wallet_signature(index: int, tmp_path: Path, cli_backend: str) -> None:
    vector = V9["sessions"][index]
    session = vector["session"]
    request = tmp_path / "request.json"
    request.write_text(json.dumps(vector["session_request"]["session_typed_data"]))
    signature = json.dumps(session["authorisationSignature"])
    address = vector["inputs"]["account_address"]
    owner = vector["inputs"]["owner_public_key"]
    p = run("session", "create", str(request), "--signature", signature, "--address", address,
            "--owner-public-key", owner, backend=cli_backend)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert h(out["hash"]) == h(session["hash"]) and out["authorisationSignature"] == session["authorisationSignature"]
    assert "sessionKey" not in out and "not checked" not in p.stderr
    # the printed session is 'session inspect' input, and the authorization checks out
    created = tmp_path / "session.json"
    created.write_text(p.stdout)
    p = run("session", "inspect", str(created), "--owner-public-key", owner, backend=cli_backend)
    assert json.loads(p.stdout)["authorization"] == "valid"
    # without the owner key: created, but the output says it was not checked
    sig_file = tmp_path / "sig.json"
    sig_file.write_text(signature)
    p = run("session", "create", str(request), "--signature", str(sig_file), "--address", address,
            backend=cli_backend)
    assert p.returncode == 0 and "authorization not checked" in p.stderr
    # another owner key, or another account: verified invalid, nothing on stdout
    line = assert_error(run("session", "create", str(request), "--signature", signature, "--address", address,
                            "--owner-public-key", hex(private_to_stark_key(OWNER)), backend=cli_backend), code=1)
    assert "not the owner's authorization" in line
    assert_error(run("session", "create", str(request), "--signature", signature, "--address", hex(ACCOUNT),
                     "--owner-public-key", owner, backend=cli_backend), code=1)


def test_session_create_bad_input(tmp_path: Path, cli_backend: str) -> None:
    vector = V9["sessions"][0]
    request = tmp_path / "request.json"
    request.write_text(json.dumps(vector["session_request"]["session_typed_data"]))
    address = vector["inputs"]["account_address"]
    for signature in ('["0x1"]', '{"r": 1}', '["0x1", 1.5]', '["0x1", true]', '["0x1", "zz"]', "/nonexistent"):
        assert_error(run("session", "create", str(request), "--signature", signature, "--address", address,
                         backend=cli_backend))
    tampered = dict(vector["session_request"]["session_typed_data"])
    tampered["domain"] = dict(tampered["domain"], name="Other.session")
    request.write_text(json.dumps(tampered))
    assert_error(run("session", "create", str(request), "--signature", '["0x1", "0x2"]', "--address", address,
                     backend=cli_backend))


def test_session_inspect_session_and_signature(tmp_path: Path, cli_backend: str) -> None:
    case = CASES[0]
    f = tmp_path / "session.json"
    f.write_text(json.dumps(case["session"]))
    p = run("session", "inspect", str(f), backend=cli_backend)
    out = json.loads(p.stdout)
    assert out["kind"] == "session" and h(out["hash"]) == h(case["session_hash"])
    assert out["authorization"] == "not checked"
    assert case["session"]["sessionKey"]["privateKey"] not in p.stdout
    owner = case["account"]["owner"]["public_key"]
    p = run("session", "inspect", str(f), "--owner-public-key", owner, backend=cli_backend)
    assert json.loads(p.stdout)["authorization"] == "valid" and "not checked" not in p.stderr
    p = run("session", "inspect", str(f), "--owner-public-key", hex(private_to_stark_key(OWNER)), backend=cli_backend)
    assert p.returncode == 1 and json.loads(p.stdout)["authorization"] == "invalid"
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


SIGNER_CASES = load_vectors("contract_verdicts_signers.json")["cases"]
KIND_NAMES = {"starknet": "Starknet", "secp256k1": "Secp256k1", "secp256r1": "Secp256r1", "eip191": "Eip191",
              "webauthn": "Webauthn"}


def inspect_token(case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """``session inspect`` (in process) of the case's transaction signature, for its account version."""
    f = tmp_path / f"{case['id']}.json"
    f.write_text(json.dumps(case["transaction"]["signature"]))
    code = cli.main(["session", "inspect", "--account-version", case["account"]["class_version"], str(f)])
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert out["valid"], out
    assert code == (1 if out["problems"] else 0)
    return out


def assert_signer_signature(shown: dict[str, Any], record: dict[str, Any], details: dict[str, Any]) -> None:
    """``shown`` (a decoded SignerSignature) is the vector's signer ``record`` with its signature ``details``."""
    assert shown["variant"] == KIND_NAMES[record["type"]] and h(shown["guid"]) == h(record["guid"])
    if record["type"] == "starknet":
        assert h(shown["public_key"]) == h(record["public_key"])
        assert (h(shown["r"]), h(shown["s"])) == (h(details["r"]), h(details["s"]))
        return
    ecdsa = shown["signature"]["ec_signature"] if record["type"] == "webauthn" else shown["signature"]
    assert (h(ecdsa["r"]), h(ecdsa["s"]), ecdsa["y_parity"]) == (h(details["r"]), h(details["s"]), details["y_parity"])
    signer = shown["signer"]
    if record["type"] in ("secp256k1", "eip191"):
        assert h(signer.get("pubkey_hash", signer.get("eth_address"))) == h(record["eth_address"])
    else:
        assert h(signer["pubkey"]) == h(record["public_key"]["x"])
    if record["type"] == "webauthn":
        assert signer["origin"] == record["origin"]
        assert shown["signature"]["client_data_json_outro"] in details["client_data_json"]


def _session_key_cases(version_05_webauthn: bool) -> list[dict[str, Any]]:
    return [c for c in SIGNER_CASES if c["verdict"] == "VALID" and c["transaction"]["kind"] == "invoke_v3"
            and (c["session_key"]["type"] == "webauthn" and c["account"]["class_version"] == "0.5.0")
            == version_05_webauthn]


@pytest.mark.parametrize("case", _session_key_cases(False), ids=lambda c: f"{c['id']}-{c['kind']}")
def test_session_inspect_decodes_every_signer_kind(case: dict[str, Any], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str], backend: str) -> None:
    out = inspect_token(case, tmp_path, capsys)
    details = case["signature_details"]
    assert out["valid"] and out["account_version"] == case["account"]["class_version"]
    assert set(out["problems"]) <= {"the session has expired"}
    assert h(out["session"]["session_key_guid"]) == h(case["session_key"]["guid"])
    assert_signer_signature(out["session_signature"], case["session_key"], details["session_signature"])
    assert_signer_signature(out["guardian_signature"], case["account"]["guardian"], details["guardian_signature"])
    authorization = details["authorization"]
    if authorization["form"] == "full":
        owner, guardian = out["session_authorization_signers"]
        assert_signer_signature(owner, case["account"]["owner"], authorization["owner"])
        assert_signer_signature(guardian, case["account"]["guardian"], authorization["guardian"])
    else:
        assert out["session_authorization_signers"] is None


@pytest.mark.parametrize("kind", ["session_key_secp256r1_wrong_key", "session_key_eip191_flip_y_parity"])
def test_session_inspect_reports_what_it_decodes_of_a_tampered_token(kind: str, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str],
                                                                     backend: str) -> None:
    for case in [c for c in SIGNER_CASES if c["kind"] == kind]:
        out = inspect_token(case, tmp_path, capsys)
        mismatch = any("session-key-mismatch" in p for p in out["problems"])
        assert mismatch == (kind.endswith("wrong_key")), out["problems"]
        shown = out["session_signature"]["signature"]
        assert shown["y_parity"] == case["signature_details"]["session_signature"]["y_parity"]


def test_session_inspect_gives_the_contract_error_of_a_malformed_signer(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str],
                                                                        backend: str) -> None:
    case = next(c for c in SIGNER_CASES if c["kind"] == "session_key_secp256k1_valid")
    signature = [h(v) for v in case["transaction"]["signature"]]
    position = signature.index(1, 7 + signature[6])  # the session signature's variant: Secp256k1
    assert signature[position:position + 2] == [h(v) for v in case["session_key"]["signer"]]
    signature[position + 1] = 0  # a zero Ethereum address
    f = tmp_path / "zero.json"
    f.write_text(json.dumps([hex(v) for v in signature]))
    assert cli.main(["session", "inspect", "--account-version", case["account"]["class_version"], str(f)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] is False and out["contract_error"] == "argent/zero-pubkey-hash"


def test_sign_output_is_verify_input(tmp_path: Path, cli_backend: str) -> None:
    f = tmp_path / "sign.json"
    f.write_text(json.dumps(sign_spec(guardian_private_key=hex(GUARDIAN))))
    p = run("sign", str(f), backend=cli_backend)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    txs = [json.loads(line) for line in lines]
    assert len(txs) == 3 and all(t["signature"][0] == "0x73657373696f6e2d746f6b656e" for t in txs)
    assert {k for t in txs for k in t} == {
        "type", "version", "sender_address", "calldata", "signature", "nonce", "resource_bounds", "tip",
        "paymaster_data", "account_deployment_data", "nonce_data_availability_mode", "fee_data_availability_mode"}
    assert hex(GUARDIAN)[2:] not in p.stdout and hex(SESSION_KEY)[2:] not in p.stdout
    account = tmp_path / "account.json"
    account.write_text(json.dumps(account_json()))
    p = run("verify", "--account", str(account), "--chain-id", "SN_SEPOLIA", "-", stdin=p.stdout, backend=cli_backend)
    assert p.returncode == 0, p.stderr
    assert [json.loads(line)["valid"] for line in p.stdout.splitlines()] == [True] * 3
    txs[1]["signature"][-1] = hex(h(txs[1]["signature"][-1]) ^ 1)
    tampered = "".join(json.dumps(t) + "\n" for t in txs)
    p = run("verify", "--account", json.dumps(account_json()), "--chain-id", hex(SN_SEPOLIA), "-", stdin=tampered,
            backend=cli_backend)
    assert p.returncode == 1
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert [r["valid"] for r in rows] == [True, False, True] and rows[1]["index"] == 1
    assert rows[1]["error"] and rows[1]["phase"] == "validate"


def test_sign_prints_each_transaction_as_the_node_takes_it(tmp_path: Path, cli_backend: str) -> None:
    """Each line is the JSON of starknet_addInvokeTransaction, keys in the documented order, compact."""
    spec = sign_spec(count=2, guardian_private_key=hex(GUARDIAN))
    calldata = get_execute_calldata(spec["transactions"][0]["calls"])
    spec["transactions"].append({"calldata": [str(v) for v in calldata], "nonce": 9, "tip": "0x10",
                                 "paymaster_data": ["0x1"], "resource_bounds": BOUNDS,
                                 "nonce_data_availability_mode": "L2"})
    p = run("sign", "-", stdin=json.dumps(spec), backend=cli_backend)
    assert p.returncode == 0, p.stderr
    session = Session.from_dict(spec["session"])
    signatures = SessionContext(session).sign_invoke_many(spec["transactions"], guardian=LocalGuardian(GUARDIAN))
    expected = []
    for tx, signature in zip(spec["transactions"], signatures):
        expected.append({
            "type": "INVOKE", "version": "0x3", "sender_address": hex(ACCOUNT),
            "calldata": [hex(v) for v in calldata], "signature": [hex(v) for v in signature],
            "nonce": hex(h(tx["nonce"])),
            "resource_bounds": {r: {k: hex(h(v)) for k, v in BOUNDS[r].items()}
                                for r in ("l1_gas", "l2_gas", "l1_data_gas")},
            "tip": hex(h(tx.get("tip", 0))), "paymaster_data": tx.get("paymaster_data", []),
            "account_deployment_data": [],
            "nonce_data_availability_mode": tx.get("nonce_data_availability_mode", "L1"),
            "fee_data_availability_mode": "L1"})
    assert p.stdout == "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in expected)
    assert [InvokeV3.from_rpc(json.loads(line)).signature for line in p.stdout.splitlines()] == \
        [tuple(s) for s in signatures]


def test_verify_fee_limits(tmp_path: Path, cli_backend: str) -> None:
    signed = run("sign", "-", stdin=json.dumps(sign_spec(count=2, guardian_private_key=hex(GUARDIAN))),
                 backend=cli_backend)
    assert signed.returncode == 0, signed.stderr
    max_fee = max_fee_of(BOUNDS)
    limits = tmp_path / "limits.json"
    args = ["verify", "--account", json.dumps(account_json()), "--chain-id", "SN_SEPOLIA",
            "--fee-limits", str(limits), "-"]
    limits.write_text(json.dumps({"limits": {hex(STRK_TOKEN_ADDRESS): str(max_fee)}}))
    p = run(*args, stdin=signed.stdout, backend=cli_backend)
    assert p.returncode == 0, p.stderr
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert [(r["valid"], r["policy"]) for r in rows] == [(True, {"allowed": True, "reason": None,
                                                                 "max_fee": str(max_fee)})] * 2
    limits.write_text(json.dumps({"limits": {hex(STRK_TOKEN_ADDRESS): max_fee - 1}}))
    p = run(*args, stdin=signed.stdout, backend=cli_backend)
    assert p.returncode == 1
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert all(r["valid"] and not r["policy"]["allowed"] and "above" in r["policy"]["reason"] for r in rows)
    args[args.index(str(limits))] = json.dumps({"limits": {"0x1": 5}})  # inline JSON; a token other than STRK
    p = run(*args, stdin=signed.stdout, backend=cli_backend)
    assert p.returncode == 1 and "does not list" in json.loads(p.stdout.splitlines()[0])["policy"]["reason"]
    p = run(*args[:-3], "-", stdin=signed.stdout, backend=cli_backend)  # without --fee-limits: no policy
    assert p.returncode == 0 and "policy" not in p.stdout
    for bad in ('{"limits": {"0x1": -5}}', '{"limit": {}}', '{"limits": {"0x1": 1.5}}', "[1]", "/nonexistent"):
        args[args.index("--fee-limits") + 1] = bad
        line = assert_error(run(*args, stdin=signed.stdout, backend=cli_backend))
        assert "limit" in line or "cannot read" in line


def test_secrets_from_files_and_environment(tmp_path: Path, cli_backend: str) -> None:
    spec = sign_spec(count=1)
    spec["session"].pop("sessionKey", None)
    f = tmp_path / "sign.json"
    f.write_text(json.dumps(spec))
    line = assert_error(run("sign", str(f), backend=cli_backend))
    assert "--session-key-file" in line
    guardian_file, session_file = tmp_path / "guardian.key", tmp_path / "session.key"
    guardian_file.write_text(hex(GUARDIAN) + "\n")
    session_file.write_text(json.dumps(SessionKey(SESSION_KEY).to_dict(include_private_key=True)))
    from_files = run("sign", str(f), "--guardian-key-file", str(guardian_file), "--session-key-file", str(session_file),
                     backend=cli_backend)
    assert from_files.returncode == 0, from_files.stderr
    from_env = run("sign", str(f), backend=cli_backend,
                   env={cli.GUARDIAN_KEY_ENV: hex(GUARDIAN), cli.SESSION_KEY_ENV: str(SESSION_KEY)})
    assert from_env.returncode == 0, from_env.stderr
    assert from_env.stdout == from_files.stdout  # deterministic signatures: the same keys were used
    session_file.write_text(hex(SESSION_KEY + 1))
    line = assert_error(run("sign", str(f), "--session-key-file", str(session_file), backend=cli_backend,
                            env={cli.GUARDIAN_KEY_ENV: hex(GUARDIAN)}))
    assert "does not match" in line


def test_sign_refuses_an_expired_session(tmp_path: Path, cli_backend: str) -> None:
    spec = sign_spec(count=1, guardian_private_key=hex(GUARDIAN))
    spec["session"] = fresh_session(expires_in=-60)
    line = assert_error(run("sign", "-", stdin=json.dumps(spec), backend=cli_backend))
    assert "SessionExpired" in line and "expired" in line
    before_expiry = str(spec["session"]["expiresAt"] - 10)  # e.g. the block time of a pending block
    p = run("sign", "--now", before_expiry, "-", stdin=json.dumps(spec), backend=cli_backend)
    assert p.returncode == 0 and json.loads(p.stdout)["type"] == "INVOKE", p.stderr
    assert_error(run("sign", "--now", "1.5", "-", stdin=json.dumps(spec), backend=cli_backend))


def test_broken_pipe_exits_quietly(tmp_path: Path, cli_backend: str) -> None:
    f = tmp_path / "sign.json"
    f.write_text(json.dumps(sign_spec(count=120, calldata_len=80, guardian_private_key=hex(GUARDIAN))))
    env = dict(os.environ, PYTHONPATH=str(REPO), XSESSIONS_BACKEND=cli_backend)
    script = f'"{sys.executable}" -m xsessions_core sign "{f}" | head -n 1; echo "status=${{PIPESTATUS[0]}}" >&2'
    p = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert len(p.stdout.splitlines()) == 1 and json.loads(p.stdout)["type"] == "INVOKE"
    assert [line for line in p.stderr.splitlines() if not line.startswith("xsessions: warning:")] == ["status=0"]


@pytest.mark.parametrize("field, value", [
    ("block_timestamp", "1e400"), ("block_timestamp", "1.5"), ("block_timestamp", "true"),
    ("block_timestamp", "NaN"), ("block_timestamp", "-Infinity"), ("block_timestamp", '"1_000"'),
    ("chain_id", "1.0"), ("chain_id", "false"),
])
def test_non_finite_fractional_and_boolean_numbers_are_refused(field: str, value: str, cli_backend: str) -> None:
    spec = {"account": account_json(), "chain_id": "SN_SEPOLIA", "block_timestamp": 1, "transactions": [{}]}
    text = json.dumps(spec).replace(f'"{field}": {json.dumps(spec[field])}', f'"{field}": {value}')
    line = assert_error(run("verify", "-", stdin=text, backend=cli_backend))
    assert "Overflow" not in line and "unexpected" not in line


def test_fractional_felts_in_transactions_are_refused(tmp_path: Path, cli_backend: str) -> None:
    spec = sign_spec(count=1, guardian_private_key=hex(GUARDIAN))
    spec["transactions"][0]["nonce"] = 1.5
    assert "nonce" in assert_error(run("sign", "-", stdin=json.dumps(spec), backend=cli_backend))
    spec["transactions"][0]["nonce"] = True
    assert "boolean" in assert_error(run("sign", "-", stdin=json.dumps(spec), backend=cli_backend))
    spec["transactions"][0]["nonce"] = "abc"
    assert "nonce" in assert_error(run("sign", "-", stdin=json.dumps(spec), backend=cli_backend))
    assert_error(run("verify", "-", "--timestamp", "1.5", stdin="{}", backend=cli_backend))


def test_a_key_in_the_wrong_field_is_not_echoed(cli_backend: str) -> None:
    key = "0x" + "5a17c0de" * 7 + "abc1"
    spec = {"account": account_json(), "chain_id": key + "zz", "block_timestamp": 1, "transactions": [{}]}
    line = assert_error(run("verify", "-", stdin=json.dumps(spec), backend=cli_backend))
    assert key[:7] not in line and key[-7:] not in line and key[8:-8] not in line
    spec = {"account": dict(account_json(), address=key + "zz"), "chain_id": "SN_SEPOLIA", "transactions": [{}]}
    line = assert_error(run("verify", "-", stdin=json.dumps(spec), backend=cli_backend))
    assert key[8:-8] not in line
    line = assert_error(run("session", "request", "--method", key, backend=cli_backend))
    assert key[8:-8] not in line


def test_verify_prints_query_only(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                  tmp_path: Path) -> None:
    from xsessions_core.relayer import batch

    class QueryVerdict:
        valid, query_only, policy = True, True, None

        def to_json(self) -> dict[str, Any]:
            return {"valid": True, "error": None, "phase": None}

    monkeypatch.setattr(batch, "verify_session_transactions_batch", lambda chunk, **_: [QueryVerdict()] * len(chunk))
    f = tmp_path / "in.json"
    f.write_text(json.dumps({"account": account_json(), "chain_id": "SN_SEPOLIA", "transactions": [{}]}))
    assert cli.main(["verify", str(f)]) == 0
    assert json.loads(capsys.readouterr().out)["query_only"] is True


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


def test_verify_account_signers_are_checked(cli_backend: str) -> None:
    def refused(account: dict[str, Any]) -> str:
        return assert_error(run("verify", "--account", json.dumps(account), "--chain-id", "SN_SEPOLIA", "-",
                                stdin="[{}]", backend=cli_backend))

    base = account_json()
    without_owner = {k: v for k, v in base.items() if k != "owner_public_key"}
    assert "both" in refused(dict(base, owner=["0x0", base["owner_public_key"]]))
    assert "owner" in refused(without_owner)
    assert "Signer" in refused(dict(without_owner, owner=["0x9", "0x1"]))  # no such signer variant
    assert "account.owner[1]" in refused(dict(without_owner, owner=["0x1", 1.5]))


def test_demo(cli_backend: str) -> None:
    p = run("demo", "-n", "20", backend=cli_backend)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["transactions"] == 20 and out["valid"] == 20 and out["backend"] == cli_backend
    assert out["session_key_kind"] == "stark"
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("args, stdin", [
    (["verify", "/nonexistent/file.json"], None),
    (["verify", "-"], "{not json"),
    (["verify", "-"], "[]"),
    (["verify", "-"], json.dumps({"account": {"address": "0x1"}})),
    (["verify", "-"], json.dumps({"account": {"address": "0x1"}, "chain_id": "0x1", "transactions": [{}]})),
    (["verify", "-"], json.dumps([{"type": "INVOKE"}])),
    (["sign", "-"], json.dumps({"session": {"address": "0x1"}})),
    (["sign", "-"], "null"),
    (["session", "inspect", "-"], "42"),
    (["session", "inspect", "--account-version", "0.6", "-"], "[1, 2]"),
    (["demo", "-n", "0"], None),
    (["demo", "-n", "abc"], None),
    (["demo", "-n", "1.5"], None),
    (["bench", "--seconds", "nan"], None),
    (["bench", "--seconds", "inf"], None),
    (["bench", "--seconds", "-1"], None),
    (["keygen", "--out", "/nonexistent/dir/key.json"], None),
    (["keygen", "--kind", "ed25519"], None),
    (["demo", "--kind", "secp256k2"], None),
    (["session", "request", "--key-file", "/nonexistent/key.json"], None),
    (["session", "request", "--key-file", "-", "--chain-id", "SN_MAIN", "--method", "0x1:f", "--expires-in", "9"],
     json.dumps({"kind": "secp256k1", "privateKey": "0x" + "f" * 64})),
    (["sign", "--session-key-file", "/nonexistent/key.json", "-"], json.dumps({"session": {}})),
    (["verify", "--fee-limits", "{not json", "--account", json.dumps(account_json()), "--chain-id", "SN_MAIN", "-"],
     "[{}]"),
    (["verify", "--fee-limits", '{"limits": {"0x1": "ten"}}', "--account", json.dumps(account_json()),
      "--chain-id", "SN_MAIN", "-"], "[{}]"),
    (["nosuchcommand"], None),
])
def test_bad_input_is_one_line_exit_2(args: list[str], stdin: str | None, cli_backend: str) -> None:
    assert_error(run(*args, stdin=stdin, backend=cli_backend))


def test_wrong_guardian_key_is_reported(cli_backend: str) -> None:
    spec = {"session": fresh_session(), "guardian_private_key": "0x0", "transactions": []}
    line = assert_error(run("sign", "-", stdin=json.dumps(spec), backend=cli_backend))
    assert "private key" in line


def test_bench_runs(cli_backend: str) -> None:
    p = run("bench", "--seconds", "0.01", backend=cli_backend)
    assert p.returncode == 0, p.stderr
    assert "ecdsa verify" in p.stdout and "starknet-py" in p.stdout
    p = run("bench", "--seconds", "0.01", "--json", backend=cli_backend)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["results"]["starknet-py"]["ecdsa verify"] > 0 and cli_backend in out["results"]


# --------------------------------------------------------------------------- non-STARK session keys


@pytest.mark.parametrize("kind", sorted(KEY_CLASSES))
def test_session_request_with_a_secp256_key_file(kind: str, tmp_path: Path, cli_backend: str) -> None:
    key_file = tmp_path / "session.key"
    assert run("keygen", "--kind", kind, "--out", str(key_file), backend=cli_backend).returncode == 0
    doc = json.loads(key_file.read_text())
    p = run("session", "request", "--chain-id", "SN_SEPOLIA", "--key-file", str(key_file),
            "--method", f"{TOKEN}:transfer", "--expires-in", "3600", backend=cli_backend)
    assert p.returncode == 0, p.stderr
    typed_data = json.loads(p.stdout)
    assert typed_data["primaryType"] == "Session" and h(typed_data["domain"]["chainId"]) == SN_SEPOLIA
    assert h(typed_data["message"]["Session Key"]) == h(doc["guid"])
    assert doc["privateKey"] not in p.stdout and doc["privateKey"][2:] not in p.stdout


def secp256_session(key: Secp256k1Key | Secp256r1Key) -> dict[str, Any]:
    """A session of ACCOUNT on Sepolia whose session key is ``key``, authorized by OWNER and GUARDIAN."""
    request = create_session_request(SN_SEPOLIA, key, [{"Contract Address": TOKEN, "selector": "transfer"}],
                                     int(time.time()) + 3600, {"projectID": "cli-test", "txFees": []})
    session_hash = session_hash_from_onchain(compile_session(request.offchain_session), ACCOUNT, SN_SEPOLIA)
    authorization = [*message_signature(session_hash, OWNER), *message_signature(session_hash, GUARDIAN)]
    session: dict[str, Any] = create_session(ACCOUNT, authorization, request, SN_SEPOLIA).to_dict()
    assert h(session["sessionKeyGuid"]) == key.signer.guid
    return session


@pytest.mark.parametrize("kind", sorted(KEY_CLASSES))
def test_sign_with_a_secp256_session_key_file(kind: str, tmp_path: Path, cli_backend: str) -> None:
    key_file = tmp_path / "session.key"
    assert run("keygen", "--kind", kind, "--out", str(key_file), backend=cli_backend).returncode == 0
    doc = json.loads(key_file.read_text())
    key = KEY_CLASSES[kind](h(doc["privateKey"]))
    spec = sign_spec(count=2, guardian_private_key=hex(GUARDIAN))
    spec["session"] = secp256_session(key)
    p = run("sign", "--session-key-file", str(key_file), "-", stdin=json.dumps(spec), backend=cli_backend)
    assert p.returncode == 0, p.stderr
    assert doc["privateKey"][2:] not in p.stdout
    from_env = run("sign", "-", stdin=json.dumps(spec), env={cli.SESSION_KEY_ENV: key_file.read_text()},
                   backend=cli_backend)
    assert from_env.returncode == 0 and len(from_env.stdout.splitlines()) == 2, from_env.stderr
    signature = json.loads(p.stdout.splitlines()[0])["signature"]
    inspected = run("session", "inspect", "-", stdin=json.dumps(signature), backend=cli_backend)
    assert inspected.returncode == 0, inspected.stderr
    shown = json.loads(inspected.stdout)["session_signature"]
    assert shown["variant"] == KIND_NAMES[kind] and h(shown["guid"]) == key.signer.guid
    verified = run("verify", "--account", json.dumps(account_json()), "--chain-id", "SN_SEPOLIA", "-",
                   stdin=p.stdout, backend=cli_backend)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert [json.loads(line)["valid"] for line in verified.stdout.splitlines()] == [True, True]


@pytest.mark.parametrize("kind", sorted(KEY_CLASSES))
def test_demo_with_a_secp256_session_key(kind: str, cli_backend: str) -> None:
    p = run("demo", "-n", "5", "--kind", kind, backend=cli_backend)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["session_key_kind"] == kind and out["valid"] == 5 and out["invalid"] == 0


@pytest.mark.parametrize("case", _session_key_cases(True), ids=lambda c: f"{c['id']}-{c['kind']}")
def test_session_inspect_decodes_webauthn_session_keys_of_0_5_0(case: dict[str, Any], tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str],
                                                                backend: str) -> None:
    test_session_inspect_decodes_every_signer_kind(case, tmp_path, capsys, backend)


def _signer_verdict_cases() -> list[dict[str, Any]]:
    return [c for c in SIGNER_CASES
            if c["kind"].endswith(("_valid", "_outside_execution", "_wrong_key", "_flip_y_parity", "_high_s"))]


@pytest.mark.parametrize("case", _signer_verdict_cases(), ids=lambda c: f"{c['id']}-{c['kind']}")
def test_verify_signer_vector_cases(case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    backend: str) -> None:
    a, tx = case["account"], case["transaction"]
    account = {"address": a["address"], "class_version": a["class_version"], "owner": a["owner"]["signer"],
               "guardian": a["guardian"]["signer"] if a["guardian"] else None}
    spec: dict[str, Any] = {"account": account, "chain_id": case["chain_id"],
                            "block_timestamp": case["block"]["timestamp"], "state": case.get("account_state") or None}
    if tx["kind"] == "invoke_v3":
        spec["transactions"] = [tx]
    else:
        spec["outside_executions"] = [{"outside_execution": tx["outside_execution"], "signature": tx["signature"],
                                       "caller_address": tx["submitted_by"]}]
    f = tmp_path / "verify.json"
    f.write_text(json.dumps(spec))
    code = cli.main(["verify", str(f)])
    row = json.loads(capsys.readouterr().out)
    expected = (case["verdict"] == "VALID", None if case["verdict"] == "VALID" else case["verdict"])
    assert (row["valid"], row["error"]) == expected, case["id"]
    assert code == (0 if row["valid"] else 1)
