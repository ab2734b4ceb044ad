"""The CLI at an interactive terminal: progress on the terminal (stderr), the output complete in the file.

Each command runs with stdin and stderr on a pseudo-terminal, so the progress bars are active, and
stdout redirected to a file, as ``xsessions sign in.json > out.ndjson`` typed at a terminal.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from test_cli import GUARDIAN, SN_SEPOLIA, account_json, sign_spec


def run_at_terminal(args: list[str], stdout_file: Path, backend: str) -> tuple[int, bytes]:
    """Run ``xsessions ARGS`` with stdin/stderr on a pty and stdout into ``stdout_file``; (exit code, terminal bytes)."""
    master, slave = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(REPO), XSESSIONS_BACKEND=backend, TERM="xterm-256color", COLUMNS="100")
    with stdout_file.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "xsessions_core", *args], stdin=slave, stdout=out,
                                stderr=slave, env=env, close_fds=True)
    os.close(slave)
    terminal = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its side of the terminal
            break
        if not chunk:
            break
        terminal += chunk
    os.close(master)
    return proc.wait(timeout=300), bytes(terminal)


@pytest.fixture(scope="module")
def cli_backend(backend: str) -> str:
    return backend


def test_sign_and_verify_at_a_terminal_write_everything_to_the_file(tmp_path: Path, cli_backend: str) -> None:
    spec = tmp_path / "in.json"
    spec.write_text(json.dumps(sign_spec(count=40, guardian_private_key=hex(GUARDIAN))))
    signed = tmp_path / "out.ndjson"
    code, terminal = run_at_terminal(["sign", str(spec)], signed, cli_backend)
    assert code == 0, terminal
    lines = signed.read_text().splitlines()
    assert len(lines) == 40 and all(json.loads(line)["type"] == "INVOKE" for line in lines)
    assert b'"type"' not in terminal  # nothing of stdout went to the terminal

    account = tmp_path / "account.json"
    account.write_text(json.dumps(account_json()))
    verdicts = tmp_path / "verdicts.ndjson"
    code, terminal = run_at_terminal(["verify", str(signed), "--account", str(account), "--chain-id",
                                      hex(SN_SEPOLIA)], verdicts, cli_backend)
    assert code == 0, terminal
    rows = [json.loads(line) for line in verdicts.read_text().splitlines()]
    assert [row["index"] for row in rows] == list(range(40)) and all(row["valid"] for row in rows)
    assert b'"valid"' not in terminal


def test_demo_at_a_terminal_writes_its_report_to_the_file(tmp_path: Path, cli_backend: str) -> None:
    report = tmp_path / "demo.json"
    code, terminal = run_at_terminal(["demo", "-n", "30"], report, cli_backend)
    assert code == 0, terminal
    out = json.loads(report.read_text())
    assert out["transactions"] == 30 and out["valid"] == 30
    assert b"session 0x" in terminal  # the human part is on the terminal (stderr)
