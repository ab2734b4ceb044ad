"""The library surface a backend ships: session expiry in every signing path, private keys out of the
default serialisation, one spelling of versions / chain ids / private keys / outside executions /
"authorization", and package imports that are cheap and complete."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from conftest import REPO
from starknet_py.net.client_models import Call, OutsideExecutionTimeBounds, ResourceBounds, ResourceBoundsMapping
from starknet_py.net.client_models import OutsideExecution as SnOutsideExecution
from starknet_py.net.full_node_client import FullNodeClient
from starknet_py.net.models.chains import StarknetChainId
from starknet_py.net.models.transaction import InvokeV3 as SnInvokeV3
from starknet_py.net.signer.key_pair import KeyPair

from xsessions_core import crypto
from xsessions_core.chains import SN_MAIN, SN_SEPOLIA, InvalidChainId, parse_chain_id
from xsessions_core.errors import InvalidPrivateKey, SessionError, SessionExpired, TransactionError, XSessionsError
from xsessions_core.sessions import (
    GuardianOutsideExecutionRequest,
    GuardianSessionInfo,
    GuardianSignature,
    GuardianTransactionRequest,
    LocalGuardian,
    Session,
    SessionContext,
    SessionKey,
    SigningOptions,
    build_outside_execution,
    build_session_account,
    build_session_signature,
    compile_session,
    create_outside_execution_call,
    create_session,
    create_session_request,
    session_hash_from_onchain,
    sign_outside_execution,
    sign_outside_execution_with_context,
    sign_session_transaction,
    starknet_signer_guid,
)
from xsessions_core.versions import AccountVersion, UnsupportedAccountVersion

OWNER_KEY = 0x3C1E2B5A9F8D7C6B5A4E3D2C1B0A9F8E7D6C5B4A39281706F5E4D3C2B1A0987
GUARDIAN_KEY = 0x5A4B3C2D1E0F9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F1A0B9C8D7E6F5A4
SESSION_KEY = 0x1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF1234567890ABCD
ACCOUNT = 0x4B1D6B8F1F2C36A5A5E1D09F8C3F3C1E4A2B6D7E8F9A0B1C2D3E4F5A6B7C8D9
TOKEN = 0x49D36570D4E46F48E99674BD3FCC84644DDD6B96F7C741B1562B82F9E004DC7
EXPIRES_AT = 1_750_000_000
BOUNDS = {"l1_gas": {"max_amount": 0x100, "max_price_per_unit": 0x10},
          "l2_gas": {"max_amount": 0x100000, "max_price_per_unit": 0x3B9ACA00},
          "l1_data_gas": {"max_amount": 0x40, "max_price_per_unit": 0x20}}
CALLS = [{"contractAddress": hex(TOKEN), "entrypoint": "transfer", "calldata": ["0x123", "1000", "0"]}]


def make_session(expires_at: int = EXPIRES_AT, chain_id: int | str = SN_SEPOLIA) -> Session:
    """A session of ACCOUNT on ``chain_id`` allowing ``transfer`` on TOKEN, authorized by owner and guardian."""
    request = create_session_request(chain_id, SessionKey(SESSION_KEY), [{"Contract Address": hex(TOKEN),
                                                                          "selector": "transfer"}],
                                     expires_at, {"projectID": "surface", "txFees": []})
    session_hash = session_hash_from_onchain(compile_session(request.offchain_session), ACCOUNT, chain_id)
    auth = [*crypto.message_signature(session_hash, OWNER_KEY), *crypto.message_signature(session_hash, GUARDIAN_KEY)]
    return create_session(ACCOUNT, auth, request, chain_id)


class RecordingGuardian:
    """A local guardian that records every request (nothing may reach it for an expired session)."""

    def __init__(self) -> None:
        self.inner = LocalGuardian(GUARDIAN_KEY)
        self.requests: list[object] = []

    async def sign_session_transaction(self, request: GuardianTransactionRequest) -> GuardianSignature:
        self.requests.append(request)
        return await self.inner.sign_session_transaction(request)

    async def sign_session_outside_execution(self, request: GuardianOutsideExecutionRequest) -> GuardianSignature:
        self.requests.append(request)
        return await self.inner.sign_session_outside_execution(request)


def _outside(execute_before: int = EXPIRES_AT - 100) -> Any:
    return build_outside_execution(CALLS, nonce=7, execute_after=EXPIRES_AT - 1000, execute_before=execute_before)


# --------------------------------------------------------------------------- expiry

SignPath = Callable[[Session, RecordingGuardian, dict[str, Any]], Awaitable[object]]


async def _sign_session_transaction(s: Session, g: RecordingGuardian, kw: dict[str, Any]) -> object:
    return await sign_session_transaction(s, None, 0x1234, CALLS, g, **kw)


async def _context_sign_invoke_v3(s: Session, g: RecordingGuardian, kw: dict[str, Any]) -> object:
    return SessionContext(s).sign_invoke_v3(CALLS, nonce=1, resource_bounds=BOUNDS, guardian=g.inner, **kw)


async def _context_sign_invoke(s: Session, g: RecordingGuardian, kw: dict[str, Any]) -> object:
    return SessionContext(s).sign_invoke(CALLS, nonce=1, resource_bounds=BOUNDS, guardian=g.inner, **kw)


async def _context_sign_invoke_prepared(s: Session, g: RecordingGuardian, kw: dict[str, Any]) -> object:
    from xsessions_core.transactions import InvokeV3, get_execute_calldata

    ctx = SessionContext(s)
    tx = InvokeV3(s.address, get_execute_calldata(CALLS), 1, BOUNDS, chain_id=s.chain_id)
    return ctx.sign_invoke_prepared([tx], [ctx.proofs_felts(CALLS)], g.inner, **kw)


async def _build_session_signature(s: Session, g: RecordingGuardian, kw: dict[str, Any]) -> object:
    return build_session_signature(SessionContext(s), 0x1234, CALLS, g.inner.sign_token_message, **kw)


async def _context_sign_invoke_many(s: Session, g: RecordingGuardian, kw: dict[str, Any]) -> object:
    return SessionContext(s).sign_invoke_many([{"calls": CALLS, "nonce": 1, "resource_bounds": BOUNDS}],
                                              guardian=g.inner, **kw)


async def _context_with_hashes(s: Session, g: RecordingGuardian, kw: dict[str, Any]) -> object:
    return SessionContext(s).sign_invoke_many_with_hashes(
        [{"calls": CALLS, "nonce": 1, "resource_bounds": BOUNDS}], guardian=g.inner, **kw)


async def _context_invoke_values(s: Session, g: RecordingGuardian, kw: dict[str, Any]) -> object:
    from xsessions_core.transactions import InvokeV3, get_execute_calldata

    return SessionContext(s).sign_invoke_values([InvokeV3(s.address, get_execute_calldata(CALLS), 1, BOUNDS)],
                                                g.inner, **kw)


async def _sign_outside_execution(s: Session, g: RecordingGuardian, kw: dict[str, Any]) -> object:
    return await sign_outside_execution(s, None, _outside(), g, **kw)


async def _sign_outside_execution_with_context(s: Session, g: RecordingGuardian, kw: dict[str, Any]) -> object:
    return await sign_outside_execution_with_context(SessionContext(s), _outside(), g, **kw)


async def _create_outside_execution_call(s: Session, g: RecordingGuardian, kw: dict[str, Any]) -> object:
    return await create_outside_execution_call(s, None, _outside(), g, **kw)


def _account(s: Session, g: RecordingGuardian, kw: dict[str, Any]) -> Any:
    # Port 1 of the loopback: a request would fail with a connection error, not SessionExpired.
    return build_session_account(s, None, FullNodeClient(node_url="http://127.0.0.1:1"), g,
                                 allow_expired=kw.get("allow_expired", False))


async def _account_execute_v3(s: Session, g: RecordingGuardian, kw: dict[str, Any]) -> object:
    return await _account(s, g, kw).execute_v3(CALLS, nonce=1, resource_bounds=_sn_bounds())


async def _account_sign_invoke_v3(s: Session, g: RecordingGuardian, kw: dict[str, Any]) -> object:
    return await _account(s, g, kw).sign_invoke_v3(CALLS, nonce=1, resource_bounds=_sn_bounds(),
                                                   now=kw.get("now"))


async def _account_sign_for_fee_estimate(s: Session, g: RecordingGuardian, kw: dict[str, Any]) -> object:
    from xsessions_core.transactions import get_execute_calldata

    tx = SnInvokeV3(version=3, signature=[], nonce=1, resource_bounds=_sn_bounds(), calldata=get_execute_calldata(CALLS),
                    sender_address=ACCOUNT, tip=0)
    return await _account(s, g, kw).sign_for_fee_estimate(tx, now=kw.get("now"))


async def _account_sign_outside_execution_call(s: Session, g: RecordingGuardian, kw: dict[str, Any]) -> object:
    return await _account(s, g, kw).sign_outside_execution_call(CALLS, _bounds_for_account(), nonce=7,
                                                                now=kw.get("now"))


def _dt(ts: int) -> Any:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ts, tz=timezone.utc)


def _sn_bounds() -> ResourceBoundsMapping:
    return ResourceBoundsMapping(l1_gas=ResourceBounds(0x100, 0x10), l2_gas=ResourceBounds(0x100000, 0x3B9ACA00),
                                 l1_data_gas=ResourceBounds(0x40, 0x20))


SIGN_PATHS: list[SignPath] = [
    _sign_session_transaction, _context_sign_invoke_v3, _context_sign_invoke, _context_sign_invoke_prepared,
    _build_session_signature, _context_sign_invoke_many, _context_with_hashes, _context_invoke_values,
    _sign_outside_execution, _sign_outside_execution_with_context, _create_outside_execution_call,
    _account_execute_v3, _account_sign_invoke_v3, _account_sign_for_fee_estimate, _account_sign_outside_execution_call,
]
ACCOUNT_PATHS = {_account_execute_v3, _account_sign_invoke_v3, _account_sign_for_fee_estimate,
                 _account_sign_outside_execution_call}


@pytest.mark.parametrize("path", SIGN_PATHS, ids=[p.__name__.lstrip("_") for p in SIGN_PATHS])
async def test_every_signing_path_refuses_an_expired_session(path: SignPath) -> None:
    session = make_session()
    guardian = RecordingGuardian()
    assert session.expires_at < time.time()  # the wall clock is the default
    with pytest.raises(SessionExpired, match="expired at 1750000000"):
        await path(session, guardian, {})
    if path not in ACCOUNT_PATHS:  # the account takes ``now`` per call and allow_expired when built
        with pytest.raises(SessionExpired):
            await path(session, guardian, {"now": EXPIRES_AT})  # expires_at must be after the time of signing
        with pytest.raises(SessionError, match="now must be"):
            await path(session, guardian, {"now": "soon"})
    assert guardian.requests == []  # nothing reached the cosigner


@pytest.mark.parametrize("path", [p for p in SIGN_PATHS if p not in ACCOUNT_PATHS],
                         ids=[p.__name__.lstrip("_") for p in SIGN_PATHS if p not in ACCOUNT_PATHS])
async def test_signing_at_block_time_or_with_allow_expired_works(path: SignPath) -> None:
    session = make_session()
    at_block_time = await path(session, RecordingGuardian(), {"now": EXPIRES_AT - 1})
    allowed = await path(session, RecordingGuardian(), {"allow_expired": True})
    assert at_block_time == allowed  # the check changes nothing else


async def test_session_account_signs_with_allow_expired_and_a_past_now() -> None:
    session = make_session()
    guardian = RecordingGuardian()
    account = _account(session, guardian, {"allow_expired": True})
    call = await account.sign_outside_execution_call(CALLS, _bounds_for_account(), nonce=7)
    assert call.to_addr == ACCOUNT and len(guardian.requests) == 1
    fresh = _account(session, RecordingGuardian(), {})
    call_at = await fresh.sign_outside_execution_call(CALLS, _bounds_for_account(), nonce=7, now=EXPIRES_AT - 1)
    assert call_at == call


def _bounds_for_account() -> Any:
    return OutsideExecutionTimeBounds(execute_after=_dt(EXPIRES_AT - 1000), execute_before=_dt(EXPIRES_AT - 100))


async def test_outside_execution_outliving_the_session_is_refused() -> None:
    session = make_session()
    guardian = RecordingGuardian()
    late = _outside(execute_before=EXPIRES_AT + 1)
    with pytest.raises(SessionExpired, match="execute_before"):
        await sign_outside_execution(session, None, late, guardian, now=EXPIRES_AT - 500)
    with pytest.raises(SessionExpired, match="execute_before"):
        await create_outside_execution_call(session, None, late, guardian, now=EXPIRES_AT - 500)
    assert guardian.requests == []
    on_time = _outside(execute_before=EXPIRES_AT)
    assert await sign_outside_execution(session, None, on_time, guardian, now=EXPIRES_AT - 500)


# --------------------------------------------------------------------------- private keys stay out of to_dict

def test_request_and_key_leave_the_private_key_out_by_default() -> None:
    key = SessionKey(SESSION_KEY)
    request = create_session_request(SN_SEPOLIA, key, [{"Contract Address": hex(TOKEN), "selector": "transfer"}],
                                     EXPIRES_AT, {"projectID": "surface", "txFees": []})
    for public in (request.to_dict(), key.to_dict()):
        assert hex(SESSION_KEY)[2:] not in json.dumps(public)
    assert request.to_dict()["sessionKey"] == {"publicKey": hex(key.public_key)}
    assert key.to_dict() == {"publicKey": hex(key.public_key)}
    assert key.to_dict(include_private_key=True)["privateKey"] == hex(SESSION_KEY)
    assert request.to_dict(include_private_key=True)["sessionKey"]["privateKey"] == hex(SESSION_KEY)
    assert type(request).from_dict(request.to_dict(include_private_key=True)) == request


# --------------------------------------------------------------------------- one spelling

@pytest.mark.parametrize("spelling", [AccountVersion.V0_5_0, "0.5", "0.5.0", "v0.5.0"])
def test_account_version_spellings_give_the_same_signer(spelling: object) -> None:
    session = make_session()
    guid = starknet_signer_guid(crypto.private_to_stark_key(OWNER_KEY))
    reference = SessionContext(session, options=SigningOptions(cache_authorization=True, account_version="0.5",
                                                               owner_guid=guid))
    ctx = SessionContext(session, options=SigningOptions(cache_authorization=True, account_version=spelling,  # type: ignore[arg-type]
                                                         owner_guid=guid))
    assert ctx.cache_flag == reference.cache_flag == guid


def test_default_account_version_is_0_4_0_and_bad_versions_are_typed() -> None:
    session = make_session()
    assert SessionContext(session, options=SigningOptions(cache_authorization=True)).cache_flag == 1
    for bad in ("0.3", "1", 0.4, None):
        with pytest.raises(UnsupportedAccountVersion, match="account_version") as info:
            SessionContext(session, options=SigningOptions(account_version=bad))  # type: ignore[arg-type]
        assert isinstance(info.value, SessionError)


@pytest.mark.parametrize("chain", [SN_SEPOLIA, hex(SN_SEPOLIA), str(SN_SEPOLIA), "SN_SEPOLIA", StarknetChainId.SEPOLIA])
def test_chain_id_spellings_give_the_same_session(chain: int | str) -> None:
    assert parse_chain_id(chain) == SN_SEPOLIA
    assert make_session(chain_id=chain) == make_session(chain_id=SN_SEPOLIA)


def test_chain_names_and_bad_chain_ids() -> None:
    assert parse_chain_id("SN_MAIN") == parse_chain_id(StarknetChainId.MAINNET) == SN_MAIN
    for bad in ("SN_GOERLY", "", 1.5, None, True, 2**252, "-1"):
        with pytest.raises(InvalidChainId):
            parse_chain_id(bad)
    with pytest.raises(SessionError, match="chain_id"):
        make_session(chain_id="mainnet")


@pytest.mark.parametrize("spelling", [SESSION_KEY, hex(SESSION_KEY), hex(SESSION_KEY).upper().replace("0X", "0x"),
                                      str(SESSION_KEY), KeyPair.from_private_key(SESSION_KEY)])
def test_private_key_spellings(spelling: object) -> None:
    assert SessionKey(spelling) == SessionKey(SESSION_KEY)  # type: ignore[arg-type]
    assert LocalGuardian(spelling).public_key == crypto.private_to_stark_key(SESSION_KEY)


@pytest.mark.parametrize("bad", [0, crypto.EC_ORDER, hex(crypto.EC_ORDER), "0xzz" + hex(SESSION_KEY)[2:],
                                 hex(SESSION_KEY) + " trailing", 1.0, None, b"\x01"])
def test_bad_private_keys_are_typed_and_never_shown(bad: object) -> None:
    for make in (SessionKey, LocalGuardian):
        with pytest.raises(InvalidPrivateKey) as info:
            make(bad)  # type: ignore[arg-type]
        assert hex(SESSION_KEY)[3:] not in str(info.value) and "0xzz" not in str(info.value)
    with pytest.raises(SessionError):  # SessionKey's errors stay SessionErrors
        SessionKey(bad)  # type: ignore[arg-type]


async def test_sign_outside_execution_takes_starknet_py_model() -> None:
    session = make_session()
    ours = _outside()
    theirs = SnOutsideExecution(caller=ours.caller, nonce=ours.nonce, execute_after=ours.execute_after,
                                execute_before=ours.execute_before,
                                calls=[Call(to_addr=c.to, selector=c.selector, calldata=list(c.calldata))
                                       for c in ours.calls])
    now = EXPIRES_AT - 500
    assert await sign_outside_execution(session, None, theirs, RecordingGuardian(), now=now) == \
        await sign_outside_execution(session, None, ours, RecordingGuardian(), now=now)
    call = await create_outside_execution_call(session, None, theirs, RecordingGuardian(), now=now)
    assert call == await create_outside_execution_call(session, None, ours, RecordingGuardian(), now=now)
    bad = SnOutsideExecution(caller=1, nonce=1, execute_after=1, execute_before=2, calls=[{"to": 1}])  # type: ignore[list-item]
    with pytest.raises(TransactionError, match=r"calls\[0\]"):
        await sign_outside_execution(session, None, bad, RecordingGuardian(), now=now)
    with pytest.raises(TransactionError, match="OutsideExecution"):
        await sign_outside_execution(session, None, {"caller": 1}, RecordingGuardian(), now=now)  # type: ignore[arg-type]


def test_authorization_spelling_and_deprecated_aliases() -> None:
    import xsessions_core.sessions as sessions

    session = make_session()
    info = SessionContext(session).guardian_session_info((1, 2))
    assert info.session_authorization == session.authorization_signature
    for read in (lambda: session.authorisation_signature, lambda: info.session_authorisation,
                 lambda: sessions.owner_signature_from_authorisation):
        with pytest.warns(DeprecationWarning, match="authoris"):
            value = read()
        assert value in (session.authorization_signature, sessions.owner_signature_from_authorization)
    with pytest.warns(DeprecationWarning, match="authorisation_signature="):
        replaced = dataclasses.replace(session, authorisation_signature=(1, 2))  # type: ignore[call-arg]
    assert replaced.authorization_signature == (1, 2)
    fields = {f.name: getattr(session, f.name) for f in dataclasses.fields(session) if f.name != "authorization_signature"}
    with pytest.warns(DeprecationWarning):
        assert Session(authorisation_signature=session.authorization_signature, **fields) == session  # type: ignore[call-arg]
    with pytest.warns(DeprecationWarning):
        rebuilt = GuardianSessionInfo(session_hash=1, session_authorisation=(2, 3), cache_flag=0,  # type: ignore[call-arg]
                                      session_public_key=4, session_signature=(5, 6))
    assert rebuilt.session_authorization == (2, 3)
    request = create_session_request(SN_SEPOLIA, SessionKey(SESSION_KEY), [{"Contract Address": hex(TOKEN),
                                                                           "selector": "transfer"}],
                                     EXPIRES_AT, {"projectID": "surface", "txFees": []})
    with pytest.warns(DeprecationWarning):
        assert create_session(ACCOUNT, authorisation_signature=session.authorization_signature,  # type: ignore[call-arg]
                              session_request=request, chain_id=SN_SEPOLIA) == session
    assert session.to_dict()["authorisationSignature"]  # the x-sessions JSON keeps its key
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the library itself never uses the old names
        Session.from_dict(session.to_dict())
        SessionContext(session).guardian_session_info((1, 2)).to_json()


# --------------------------------------------------------------------------- imports

HEAVY = ("sympy", "aiohttp", "starknet_py.net.account", "starknet_py.net.full_node_client",
         "starknet_py.net.http_client", "starknet_py.net.client_utils", "xsessions_core.legacy")


@pytest.mark.parametrize("statement", [
    "import xsessions_core.sessions",
    "import xsessions_core.relayer",
    "from xsessions_core.sessions import Session, SessionKey, create_session_request, sign_session_transaction",
    "from xsessions_core.relayer import verify_session_transaction, verify_session_transactions_batch",
])
def test_imports_stay_light(statement: str) -> None:
    """Importing the packages (and the offline API) loads neither the network stack nor sympy."""
    code = f"import sys\n{statement}\nprint([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO,
                         check=True).stdout
    assert json.loads(out.replace("'", '"')) == []


def test_every_exported_name_imports_from_its_package() -> None:
    code = """
import xsessions_core.legacy as legacy, xsessions_core.relayer as relayer, xsessions_core.sessions as sessions
from xsessions_core.sessions import build_session_account, ArgentCosigner, LocalGuardian, SessionAccount
from xsessions_core.legacy import Policy, RequestSession, create_session, SessionAccount, supports_sessions
from xsessions_core.relayer import verify_legacy_session_transaction, verify_outside_execution, decode_session_token
from xsessions_core.transactions import InvokeV3
for module in (sessions, relayer, legacy):
    for name in module.__all__:
        getattr(module, name)
    assert set(module.__all__) <= set(dir(module))
print("ok")
"""
    p = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", code], capture_output=True,
                       text=True, timeout=120, cwd=REPO)
    assert p.returncode == 0 and p.stdout.strip() == "ok", p.stderr


def test_unknown_names_raise_attribute_error() -> None:
    import xsessions_core.relayer as relayer
    import xsessions_core.sessions as sessions

    for module in (sessions, relayer):
        with pytest.raises(AttributeError, match="no attribute 'nope'"):
            module.nope  # noqa: B018
    with pytest.raises(ImportError):
        exec("from xsessions_core.sessions import nope")  # noqa: S102
    assert isinstance(SessionExpired("x"), XSessionsError)


def test_check_not_expired_rejects_bad_input() -> None:
    from xsessions_core.sessions import check_not_expired

    check_not_expired(EXPIRES_AT, now=EXPIRES_AT - 1, execute_before=EXPIRES_AT)
    check_not_expired(EXPIRES_AT, now=EXPIRES_AT + 1, allow_expired=True)
    for kwargs in ({"now": True}, {"now": float("nan")}, {"now": 1, "execute_before": "2"}):
        with pytest.raises(SessionError):
            check_not_expired(EXPIRES_AT, **kwargs)
    with pytest.raises(SessionError, match="expires_at"):
        check_not_expired("1750000000", now=1)  # type: ignore[arg-type]
    with pytest.raises(SessionExpired):
        check_not_expired(EXPIRES_AT, now=float(EXPIRES_AT))
