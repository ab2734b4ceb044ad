"""Private keys never leak: not in repr/str, exception messages, warnings, log records (DEBUG),
CLI output, nor benchmark ids.

A leak is any 20-character window of the key's hex digits (with or without ``0x``, any case, zero
padded or not) or of its decimal digits found in the inspected text, so truncated echoes count too.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import warnings
from typing import Any, Callable

import pytest

from conftest import RECORDED_AT, REPO, h, load_vectors
from xsessions_core import crypto, legacy
from xsessions_core.errors import XSessionsError
from xsessions_core.sessions.guardian import LocalGuardian
from xsessions_core.sessions.objects import Session, SessionKey
from xsessions_core.sessions.context import SessionContext, build_session_signature

# Signing with the recorded sessions happens at a time they were valid (see conftest.recorded_clock).
pytestmark = pytest.mark.usefixtures("recorded_clock")

WINDOW = 20
N = crypto.EC_ORDER
V9 = load_vectors("sessions_v9.json")
V4 = load_vectors("sessions_v4.json")["sessions"][0]
SESSION_JSON = V9["sessions"][0]["session"]
SESSION_KEY = h(SESSION_JSON["sessionKey"]["privateKey"])
GUARDIAN_KEY = h(V9["constants"]["guardian_private_key"])
LEGACY_KEY = h(V4["inputs"]["session_private_key"])
OWNER_KEY = h(V4["inputs"]["owner_private_key"])


def key_forms(key: int) -> list[str]:
    return [format(key, "x"), format(key, "064x"), str(key)]


def leaks(text: str, *keys: int) -> list[str]:
    """The windows of ``keys`` found in ``text`` (empty = no leak). Keys must be >= 2**128."""
    low = text.lower()
    found = []
    for key in keys:
        assert key >= 2**128, "a short key cannot be told apart from ordinary digits"
        for form in key_forms(key):
            for i in range(0, len(form) - WINDOW + 1):
                if form[i:i + WINDOW] in low:
                    found.append(form[i:i + WINDOW])
                    break
    return found


def test_leak_detector_detects() -> None:
    assert leaks(f"key={hex(SESSION_KEY)}", SESSION_KEY)
    assert leaks(f"key={SESSION_KEY}", SESSION_KEY)
    assert leaks(f"k={hex(SESSION_KEY).upper()[5:40]}", SESSION_KEY)
    assert not leaks(f"pub={hex(crypto.private_to_stark_key(SESSION_KEY))}", SESSION_KEY)


def _deprecated_session_signer(session: Session, guardian: Any) -> Any:
    """The deprecated ``SessionSigner`` (its repr must hide keys too while it exists)."""
    from xsessions_core.relayer.batch import SessionSigner

    with pytest.warns(DeprecationWarning, match="SessionSigner is deprecated"):
        return SessionSigner(session, None, guardian)


def _objects() -> list[tuple[str, Any, tuple[int, ...]]]:
    session = Session.from_dict(SESSION_JSON)
    return [
        ("SessionKey", SessionKey(SESSION_KEY), (SESSION_KEY,)),
        ("Session", session, (SESSION_KEY,)),
        ("Session.to_dict()", session.to_dict(), (SESSION_KEY,)),
        ("SessionKey.to_dict(False)", SessionKey(SESSION_KEY).to_dict(include_private_key=False), (SESSION_KEY,)),
        ("LocalGuardian", LocalGuardian(GUARDIAN_KEY), (GUARDIAN_KEY,)),
        ("SessionContext", SessionContext(session), (SESSION_KEY,)),
        ("SessionSigner", _deprecated_session_signer(session, GUARDIAN_KEY), (SESSION_KEY, GUARDIAN_KEY)),
        ("SessionSigner(LocalGuardian)", _deprecated_session_signer(session, LocalGuardian(GUARDIAN_KEY)),
         (SESSION_KEY, GUARDIAN_KEY)),
        ("legacy.SessionAccount", legacy.SessionAccount(None, V4["account_address_used"], LEGACY_KEY,
                                                        V4["signed_session"], chain_id=V4["inputs"]["chain_id"]),
         (LEGACY_KEY,)),
    ]


@pytest.mark.parametrize("label,obj,keys", _objects(), ids=[o[0] for o in _objects()])
def test_repr_and_str_hide_private_keys(label: str, obj: Any, keys: tuple[int, ...]) -> None:
    text = repr(obj) + str(obj)
    assert not leaks(text, *keys), f"{label}: {text}"


BAD = N + 0x1234567  # out of range: every form of it must still be absent from messages
BAD_CALLS: list[tuple[str, Callable[[], Any], tuple[int, ...]]] = [
    ("private_to_stark_key(n+x)", lambda: crypto.private_to_stark_key(BAD), (BAD,)),
    ("message_signature(bad hash, key)", lambda: crypto.message_signature(2**251, SESSION_KEY), (SESSION_KEY,)),
    ("message_signature(1, n+x)", lambda: crypto.message_signature(1, BAD), (BAD,)),
    ("message_signature(1, -key)", lambda: crypto.message_signature(1, -SESSION_KEY), (SESSION_KEY,)),
    ("message_signature_batch([2**251], key)", lambda: crypto.message_signature_batch([2**251], SESSION_KEY),
     (SESSION_KEY,)),
    ("SessionKey(n+x)", lambda: SessionKey(BAD), (BAD,)),
    ("SessionKey.from_dict(hex+'zz')", lambda: SessionKey.from_dict({"privateKey": hex(SESSION_KEY) + "zz"}),
     (SESSION_KEY,)),
    ("SessionKey.from_dict(n+x)", lambda: SessionKey.from_dict({"privateKey": hex(BAD)}), (BAD,)),
    ("Session.from_dict(privateKey=hex+'g')", lambda: Session.from_dict(
        {**SESSION_JSON, "sessionKey": {**SESSION_JSON["sessionKey"], "privateKey": hex(SESSION_KEY) + "g"}}),
     (SESSION_KEY,)),
    ("LocalGuardian(n+x)", lambda: LocalGuardian(BAD), (BAD,)),
    ("LocalGuardian(hex+'zz')", lambda: LocalGuardian(hex(GUARDIAN_KEY) + "zz"), (GUARDIAN_KEY,)),
    ("LocalGuardian.sign_token_message(2**251)", lambda: LocalGuardian(GUARDIAN_KEY).sign_token_message(2**251),
     (GUARDIAN_KEY,)),
    ("SessionSigner(guardian=n+x)", lambda: _deprecated_session_signer(Session.from_dict(SESSION_JSON), BAD), (BAD,)),
    ("SessionContext(other key)", lambda: SessionContext(Session.from_dict(SESSION_JSON), SessionKey(OWNER_KEY)),
     (OWNER_KEY, SESSION_KEY)),
    ("build_session_signature(p)", lambda: build_session_signature(
        SessionContext(Session.from_dict(SESSION_JSON)), crypto.FIELD_PRIME, [],
        LocalGuardian(GUARDIAN_KEY).sign_token_message, allow_expired=True), (SESSION_KEY, GUARDIAN_KEY)),
    ("legacy.SessionAccount(wrong key)", lambda: legacy.SessionAccount(
        None, V4["account_address_used"], OWNER_KEY, V4["signed_session"]), (OWNER_KEY,)),
    ("legacy.SessionAccount(n+x)", lambda: legacy.SessionAccount(
        None, V4["account_address_used"], BAD, V4["signed_session"]), (BAD,)),
]


@pytest.mark.parametrize("label,call,keys", BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_errors_warnings_and_logs_hide_private_keys(
    label: str, call: Callable[[], Any], keys: tuple[int, ...], caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(XSessionsError) as info:
            call()
    exc: BaseException | None = info.value
    texts = []
    while exc is not None:  # the whole chain: __cause__ / __context__ and args
        texts += [str(exc), repr(exc), *map(repr, exc.args)]
        exc = exc.__cause__ or exc.__context__
    texts += [str(w.message) for w in caught]
    texts += [r.getMessage() for r in caplog.records]
    for text in texts:
        assert not leaks(text, *keys), f"{label}: {text}"


def test_signing_flows_log_and_warn_nothing_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    tx = V9["sessions"][0]["transactions"][0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        crypto.message_signature(1, SESSION_KEY)
        crypto.message_signature_batch([1, 2], SESSION_KEY)
        sig = build_session_signature(SessionContext(Session.from_dict(SESSION_JSON)), h(tx["transaction_hash"]),
                                      tx["calls"], LocalGuardian(GUARDIAN_KEY).sign_token_message)
    assert len(sig) > 10
    text = "\n".join([r.getMessage() for r in caplog.records] + [str(w.message) for w in caught])
    assert not leaks(text, SESSION_KEY, GUARDIAN_KEY), text


# --------------------------------------------------------------------------- CLI


def _cli(argv: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xsessions_core", *argv], input=stdin, capture_output=True,
                          text=True, timeout=120, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})


CLI_CASES = [
    ("session inspect (session with its private key)", ["session", "inspect", "-"], json.dumps(SESSION_JSON)),
    ("session inspect (privateKey with a typo)", ["session", "inspect", "-"], json.dumps(
        {**SESSION_JSON, "sessionKey": {**SESSION_JSON["sessionKey"], "privateKey": hex(SESSION_KEY) + "zz"}})),
    ("sign (guardian key with a typo)", ["sign", "-"], json.dumps(
        {"session": SESSION_JSON, "guardian_private_key": hex(GUARDIAN_KEY) + "zz",
         "transactions": [{"calls": V9["sessions"][0]["transactions"][0]["calls"], "nonce": "0x1",
                           "resource_bounds": V9["sessions"][0]["transactions"][0]["details"]["resourceBounds"]}]})),
    ("sign (guardian key >= n)", ["sign", "-"], json.dumps(
        {"session": SESSION_JSON, "guardian_private_key": hex(N + GUARDIAN_KEY), "transactions": []})),
]


@pytest.mark.parametrize("label,argv,stdin", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_output_hides_private_keys(label: str, argv: list[str], stdin: str, backend: str) -> None:
    p = _cli(["--backend", backend, *argv], stdin)
    assert "Traceback" not in p.stderr, p.stderr
    out = p.stdout + p.stderr
    assert not leaks(out, SESSION_KEY, GUARDIAN_KEY, N + GUARDIAN_KEY), f"{label}: {out[:2000]}"


def test_cli_sign_output_hides_private_keys(backend: str) -> None:
    """A successful bulk signing prints signatures and hashes, never the keys it used."""
    tx = V9["sessions"][0]["transactions"][0]
    spec = {"session": SESSION_JSON, "guardian_private_key": hex(GUARDIAN_KEY), "block_timestamp": RECORDED_AT,
            "transactions": [{"calls": tx["calls"], "nonce": tx["details"]["nonce"],
                              "resource_bounds": tx["details"]["resourceBounds"]}]}
    now = str(SESSION_JSON["expiresAt"] - 1)  # the vector session has expired by today's clock
    p = _cli(["--backend", backend, "sign", "--now", now, "-"], json.dumps(spec))
    assert p.returncode == 0, p.stderr
    assert not leaks(p.stdout + p.stderr, SESSION_KEY, GUARDIAN_KEY)


def test_benchmark_ids_hide_private_keys() -> None:
    p = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                        str(REPO / "benchmarks")], capture_output=True, text=True, timeout=300, cwd=REPO,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
    assert p.returncode == 0 and "::" in p.stdout, p.stdout[-2000:] + p.stderr[-2000:]
    secrets = [k for k in (h(c["private_key"]) for c in load_vectors("ecdsa.json")["keys"]) if k >= 2**128]
    secrets += [SESSION_KEY, GUARDIAN_KEY, LEGACY_KEY, OWNER_KEY]
    assert not leaks(p.stdout, *secrets), [line for line in p.stdout.splitlines() if leaks(line, *secrets)][:5]
