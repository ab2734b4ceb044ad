"""ArgentCosigner against a real HTTP cosigner on loopback that behaves like the vectors' JS stub.

The stub (:func:`cosigner_routes`) recomputes the message the session key signed from the request
body with starknet-py's own hash functions (an independent implementation), checks the session
signature, and signs with the vectors' guardian key using starknet.js nonces. Every request body
must equal the ``guardian_request`` body x-sessions 9.0.4 really POSTed (sessions_v9.json).
"""

from __future__ import annotations

import socket
from typing import Any, Callable
from urllib.parse import urlparse

import aiohttp
import pytest
from conftest import h, load_vectors
from loopback import LoopbackServer, Reply
from starknet_py.hash.transaction import (
    CommonTransactionV3Fields,
    TransactionHashPrefix,
    compute_invoke_v3_transaction_hash,
)
from starknet_py.net.client_models import DAMode, ResourceBounds, ResourceBoundsMapping
from starknet_py.net.models import StarknetChainId
from starknet_py.utils.typed_data import TypedData

from xsessions_core.crypto import (
    EC_ORDER,
    poseidon_hash_many,
    private_to_stark_key,
    message_signature,
    verify_message_signature,
)
from xsessions_core.chains import SN_MAIN, InvalidChainId
from xsessions_core.errors import (
    CosignerConnectionError,
    CosignerError,
    CosignerRateLimited,
    CosignerRejected,
    CosignerServerError,
    CosignerTimeout,
    CosignerUnsupportedSessionKey,
)
from xsessions_core.sessions.argent_cosigner import ArgentCosigner, parse_guardian_signature
from xsessions_core.sessions.guardian import (
    GuardianOutsideExecutionRequest,
    GuardianSessionInfo,
    GuardianSignature,
    GuardianTransactionRequest,
    LocalGuardian,
)
from xsessions_core.sessions.session import session_token_message_hash
from xsessions_core.signers import Eip191Key, Secp256k1Key, Secp256r1Key, SignerSignature, StarknetSignature, \
    StarknetSigner
from xsessions_core.sessions.objects import Session
from xsessions_core.sessions.context import SigningOptions, sign_session_transaction
from xsessions_core.transactions import InvokeV3

# Signing with the recorded sessions happens at a time they were valid (see conftest.recorded_clock).
pytestmark = pytest.mark.usefixtures("recorded_clock")

V9 = load_vectors("sessions_v9.json")
GUARDIAN_KEY = h(V9["constants"]["guardian_private_key"])
GUARDIAN_PUB = h(V9["constants"]["guardian_public_key"])
SESSIONS = [s for s in V9["sessions"] if "session" in s]
SN_SEPOLIA = 0x534E5F5345504F4C4941


# --------------------------------------------------------------------------- the cosigner stub

def _bounds(rb: dict[str, Any]) -> ResourceBoundsMapping:
    def one(b: dict[str, str]) -> ResourceBounds:
        return ResourceBounds(max_amount=h(b["max_amount"]), max_price_per_unit=h(b["max_price_per_unit"]))

    return ResourceBoundsMapping(l1_gas=one(rb["l1_gas"]), l1_data_gas=one(rb["l1_data_gas"]), l2_gas=one(rb["l2_gas"]))


def stub_transaction_hash(tx: dict[str, Any]) -> int:
    """The invoke v3 hash of a signSession body's transaction, by starknet-py."""
    common = CommonTransactionV3Fields(
        tx_prefix=TransactionHashPrefix.INVOKE,
        version=h(tx["version"]),
        address=h(tx["sender_address"]),
        tip=h(tx["tip"]),
        resource_bounds=_bounds(tx["resource_bounds"]),
        paymaster_data=[h(v) for v in tx["paymaster_data"]],
        chain_id=h(tx["chain_id"]),
        nonce=h(tx["nonce"]),
        nonce_data_availability_mode=DAMode[tx["nonce_data_availability_mode"]],
        fee_data_availability_mode=DAMode[tx["fee_data_availability_mode"]],
    )
    return compute_invoke_v3_transaction_hash(
        account_deployment_data=[h(v) for v in tx["account_deployment_data"]],
        calldata=[h(v) for v in tx["calldata"]],
        common_fields=common,
    )


def _check_and_sign(message_hash: int, session: dict[str, Any]) -> Any:
    token_message = poseidon_hash_many([message_hash, h(session["sessionHash"]), int(session["cacheAuthorisation"])])
    signer = session["sessionSignature"]["signer"]
    if not verify_message_signature(token_message, (h(signer["r"]), h(signer["s"])), h(signer["publicKey"])):
        return Reply(400, {"status": "invalidSessionSignature"})
    r, s = message_signature(token_message, GUARDIAN_KEY)
    return {"signature": {"publicKey": hex(GUARDIAN_PUB), "r": hex(r), "s": hex(s)}}


def stub_sign_session(body: Any) -> Any:
    return _check_and_sign(stub_transaction_hash(body["transaction"]), body["session"])


def stub_sign_session_efo(body: Any) -> Any:
    message = body["message"]
    message_hash = TypedData.from_dict(message["message"]).message_hash(h(message["accountAddress"]))
    return _check_and_sign(message_hash, body["session"])


def cosigner_routes(prefix: str = "") -> dict[str, Any]:
    """Routes of a loopback cosigner that behaves like the vectors' guardian stub."""
    return {prefix + "/cosigner/signSession": stub_sign_session, prefix + "/cosigner/signSessionEFO": stub_sign_session_efo}


@pytest.fixture(scope="module")
def stub_server() -> Any:
    """One loopback cosigner stub for the module (at "" and "/v1"): starting/stopping costs ~0.5 s."""
    with LoopbackServer({**cosigner_routes(), **cosigner_routes("/v1")}) as server:
        yield server


@pytest.fixture
def stub(stub_server: LoopbackServer) -> LoopbackServer:
    """The shared cosigner stub with an empty request log."""
    stub_server.requests.clear()
    return stub_server


@pytest.fixture(scope="module")
def _scripted_server() -> Any:
    handler: list[Callable[[Any], Any]] = [lambda body: Reply(500, b"")]
    with LoopbackServer({"/cosigner/signSession": lambda body: handler[0](body)}) as server:
        yield server, handler


@pytest.fixture
def scripted(_scripted_server: Any) -> Callable[[Callable[[Any], Any]], LoopbackServer]:
    """``scripted(handler)``: the shared scripted cosigner, answering ``handler(body)``, log emptied."""
    server, handler = _scripted_server

    def install(fn: Callable[[Any], Any]) -> LoopbackServer:
        handler[0] = fn
        server.requests.clear()
        return server

    return install


# --------------------------------------------------------------------------- vector helpers

def vector_transaction(tx: dict[str, Any]) -> InvokeV3:
    d = tx["details"]
    return InvokeV3(
        sender_address=d["walletAddress"],
        calldata=tx["execute_calldata"],
        chain_id=d["chainId"],
        nonce=d["nonce"],
        resource_bounds=d["resourceBounds"],
        tip=d["tip"],
        paymaster_data=d["paymasterData"],
        account_deployment_data=d["accountDeploymentData"],
        nonce_da_mode=d["nonceDataAvailabilityMode"],
        fee_da_mode=d["feeDataAvailabilityMode"],
        version=d["version"],
    )


def first_request(case: dict[str, Any] | None = None) -> GuardianTransactionRequest:
    """The signSession request of the first transaction of a session (cache false), from the vectors."""
    case = case or SESSIONS[0]
    tx = case["transactions"][0]
    sig = tx["signatures"]["cache_false"]
    session = Session.from_dict(case["session"])
    info = GuardianSessionInfo(
        session.hash, session.authorization_signature, 0, session.session_key.public_key,
        tuple(h(v) for v in sig["session_key_signature"]),
    )
    return GuardianTransactionRequest(info, h(tx["transaction_hash"]), vector_transaction(tx))


def efo_variant(case: dict[str, Any]) -> dict[str, Any]:
    oe = case["outside_executions"][0]
    return next(v for v in oe["variants"] if v["version"] == "2" and not v["cache_authorisation"])


def network_of(case: dict[str, Any]) -> str:
    return "sepolia" if h(case["inputs"]["chain_id"]) == SN_SEPOLIA else "mainnet"


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --------------------------------------------------------------------------- end to end, vectors

@pytest.mark.parametrize("cache", ["cache_false", "cache_true"])
@pytest.mark.parametrize("case", SESSIONS, ids=lambda c: c["name"])
async def test_sign_session_matches_vectors(case: dict[str, Any], cache: str, stub: LoopbackServer) -> None:
    tx = case["transactions"][0]
    expected = tx["signatures"][cache]
    session = Session.from_dict(case["session"])
    async with ArgentCosigner(stub.url + "/v1/", network_of(case)) as cosigner:
        signature = await sign_session_transaction(
            session, None, h(tx["transaction_hash"]), tx["calls"], cosigner,
            options=SigningOptions(cache_authorization=cache == "cache_true"), transaction=vector_transaction(tx),
        )
    # same path under the base URL as x-sessions used (vector base "https://guardian.invalid/v1")
    assert [r.path for r in stub.requests] == [urlparse(expected["guardian_request"]["url"]).path]
    assert stub.requests[0].headers["Content-Type"] == "application/json"
    assert stub.requests[0].body == expected["guardian_request"]["body"]
    assert signature == [h(v) for v in expected["signature"]]
    raw = stub.requests[0].raw.decode()
    private_key = h(case["inputs"]["session_private_key"])
    assert hex(private_key)[2:] not in raw.lower() and str(private_key) not in raw


@pytest.mark.parametrize("case", SESSIONS, ids=lambda c: c["name"])
async def test_sign_session_efo_matches_vectors(case: dict[str, Any], stub: LoopbackServer) -> None:
    variant = efo_variant(case)
    session = Session.from_dict(case["session"])
    info = GuardianSessionInfo(
        session.hash, session.authorization_signature, 0, session.session_key.public_key,
        tuple(h(v) for v in variant["session_key_signature"]),
    )
    request = GuardianOutsideExecutionRequest(
        info, session.address, session.chain_id, case["outside_executions"][0]["typed_data"]["2"],
        h(variant["typed_data_message_hash"]), account_address_text=session.address_hex,
    )
    async with ArgentCosigner(stub.url, network_of(case), guardian_public_key=GUARDIAN_PUB) as cosigner:
        guardian = await cosigner.sign_session_outside_execution(request)
    assert stub.bodies("/cosigner/signSessionEFO") == [variant["guardian_request"]["body"]]
    assert (guardian.public_key, guardian.r, guardian.s) == (
        GUARDIAN_PUB, *(h(v) for v in variant["guardian_signature"])
    )


# --------------------------------------------------------------------------- answer formats

def _guardian_for_first_request() -> tuple[int, int]:
    request = first_request()
    token_message = poseidon_hash_many([request.transaction_hash, request.session.session_hash, 0])
    return message_signature(token_message, GUARDIAN_KEY)


@pytest.mark.parametrize("form", ["hex", "decimal", "number", "padded-hex"])
async def test_accepts_r_s_as_decimal_hex_or_number(form: str, scripted: Any) -> None:
    r, s = _guardian_for_first_request()
    encode = {"hex": hex, "decimal": str, "number": int, "padded-hex": lambda v: "0x" + format(v, "064x")}[form]
    answer = {"signature": {"publicKey": encode(GUARDIAN_PUB), "r": encode(r), "s": encode(s)}}
    server = scripted(lambda body: answer)
    async with ArgentCosigner(server.url) as cosigner:
        assert await cosigner.sign_session_transaction(first_request()) == GuardianSignature(GUARDIAN_PUB, r, s)


async def test_invalid_guardian_signature_is_rejected_unless_verification_is_off(scripted: Any) -> None:
    r, s = _guardian_for_first_request()
    answer = {"signature": {"publicKey": hex(GUARDIAN_PUB), "r": str(r), "s": str(s + 1)}}
    server = scripted(lambda body: answer)
    async with ArgentCosigner(server.url) as cosigner:
        with pytest.raises(CosignerError, match="does not verify"):
            await cosigner.sign_session_transaction(first_request())
    async with ArgentCosigner(server.url, verify_signature=False) as cosigner:
        assert (await cosigner.sign_session_transaction(first_request())).s == s + 1


async def test_pinned_guardian_key_mismatch(stub: LoopbackServer) -> None:
    async with ArgentCosigner(stub.url, guardian_public_key=GUARDIAN_PUB + 1) as cosigner:
        with pytest.raises(CosignerError, match="expected"):
            await cosigner.sign_session_transaction(first_request())


# --------------------------------------------------------------------------- failures

async def test_server_down() -> None:
    async with ArgentCosigner(closed_port_url(), backoff=0.01) as cosigner:
        with pytest.raises(CosignerConnectionError, match="cannot reach") as err:
            await cosigner.sign_session_transaction(first_request())
    assert err.value.status is None


async def test_timeout(scripted: Any) -> None:
    server = scripted(lambda body: Reply(200, stub_sign_session(body), delay=1.5))
    async with ArgentCosigner(server.url, timeout=0.2, backoff=0.01) as cosigner:
        assert cosigner.max_attempts == 4  # retries are on by default
        with pytest.raises(CosignerTimeout, match="did not answer within 0.2 s"):
            await cosigner.sign_session_transaction(first_request())
    assert len(server.requests) == 4  # a timeout is retried until the attempts run out
    async with ArgentCosigner(server.url, timeout=0.2, max_attempts=1) as cosigner:
        with pytest.raises(CosignerTimeout):
            await cosigner.sign_session_transaction(first_request())
    assert len(server.requests) == 5  # max_attempts=1: sent once


async def test_transient_failure_heals_on_retry_by_default(scripted: Any) -> None:
    answers = [Reply(503, {"status": "overloaded"}), Reply(429, {"status": "slow"}, headers={"Retry-After": "0"})]
    server = scripted(lambda body: answers.pop(0) if answers else stub_sign_session(body))
    async with ArgentCosigner(server.url, backoff=0.01) as cosigner:
        guardian = await cosigner.sign_session_transaction(first_request())
    assert guardian.public_key == GUARDIAN_PUB
    assert len(server.requests) == 3 and len({r.raw for r in server.requests}) == 1  # the same body each time


@pytest.mark.parametrize(
    "reply, status, text, error, attempts",
    [
        (Reply(400, {"status": "sessionExpired"}), 400, "'sessionExpired'", CosignerRejected, 1),
        (Reply(401, b""), 401, "HTTP 401", CosignerRejected, 1),
        (Reply(404, {"error": "no route"}), 404, "HTTP 404", CosignerRejected, 1),
        (Reply(429, {"message": "slow down"}), 429, "'slow down'", CosignerRateLimited, 4),
        (Reply(500, {"status": "internalError"}), 500, "'internalError'", CosignerServerError, 4),
        (Reply(503, b"<html>Service Unavailable</html>"), 503, "HTTP 503", CosignerServerError, 4),
    ],
    ids=["400-status", "401-empty", "404", "429", "500-status", "503-html"],
)
async def test_non_2xx(reply: Reply, status: int, text: str, error: type[CosignerError], attempts: int,
                       scripted: Any) -> None:
    """Default retries: 429 and 5xx are sent ``max_attempts`` (4) times, another 4xx exactly once."""
    server = scripted(lambda body: reply)
    async with ArgentCosigner(server.url, backoff=0.01) as cosigner:
        with pytest.raises(CosignerError) as err:
            await cosigner.sign_session_transaction(first_request())
    assert len(server.requests) == attempts
    assert type(err.value) is error
    assert err.value.status == status
    assert text in str(err.value)


BAD_ANSWERS = {
    "not-json": b"<html>ok</html>",
    "empty-body": b"",
    "json-list": [1, 2],
    "no-signature": {"status": "ok"},
    "signature-not-object": {"signature": ["0x1", "0x2", "0x3"]},
    "missing-r": {"signature": {"publicKey": hex(GUARDIAN_PUB), "s": "1"}},
    "r-garbage": {"signature": {"publicKey": hex(GUARDIAN_PUB), "r": "xyz", "s": "1"}},
    "r-float": {"signature": {"publicKey": hex(GUARDIAN_PUB), "r": 1.5, "s": "1"}},
    "r-bool": {"signature": {"publicKey": hex(GUARDIAN_PUB), "r": True, "s": "1"}},
    "r-null": {"signature": {"publicKey": hex(GUARDIAN_PUB), "r": None, "s": "1"}},
    "r-zero": {"signature": {"publicKey": hex(GUARDIAN_PUB), "r": "0", "s": "1"}},
    "r-2**251": {"signature": {"publicKey": hex(GUARDIAN_PUB), "r": str(2**251), "s": "1"}},
    "s-n": {"signature": {"publicKey": hex(GUARDIAN_PUB), "r": "1", "s": str(EC_ORDER)}},
    "s-negative": {"signature": {"publicKey": hex(GUARDIAN_PUB), "r": "1", "s": "-5"}},
    "public-key-zero": {"signature": {"publicKey": "0x0", "r": "1", "s": "1"}},
    "public-key-too-big": {"signature": {"publicKey": hex(2**252), "r": "1", "s": "1"}},
    "huge-body": {"signature": {"publicKey": "1" * 70000, "r": "1", "s": "1"}},
}


@pytest.mark.parametrize("answer", BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
async def test_garbage_answers(answer: Any, scripted: Any) -> None:
    server = scripted(lambda body: Reply(200, answer))
    async with ArgentCosigner(server.url, verify_signature=False) as cosigner:
        with pytest.raises(CosignerError):
            await cosigner.sign_session_transaction(first_request())
    assert len(server.requests) == 1


def test_parse_guardian_signature_direct() -> None:
    r, s = _guardian_for_first_request()
    assert parse_guardian_signature({"signature": {"publicKey": GUARDIAN_PUB, "r": r, "s": str(s)}}) == (
        GuardianSignature(GUARDIAN_PUB, r, s)
    )
    with pytest.raises(CosignerError):
        parse_guardian_signature("signature")


async def test_network_mismatch_sends_nothing(stub: LoopbackServer) -> None:
    async with ArgentCosigner(stub.url, "sepolia") as cosigner:
        with pytest.raises(CosignerError, match="serves sepolia"):
            await cosigner.sign_session_transaction(first_request())
    async with ArgentCosigner(stub.url, "SN_SEPOLIA") as cosigner:  # a chain name: the same check
        with pytest.raises(CosignerError, match="the request is for chain 0x534e5f4d41494e"):
            await cosigner.sign_session_transaction(first_request())
    async with ArgentCosigner(stub.url, None) as cosigner:  # check disabled
        await cosigner.sign_session_transaction(first_request())
    assert len(stub.requests) == 1


@pytest.mark.parametrize("network", ["mainnet", "SN_MAIN", SN_MAIN, hex(SN_MAIN), StarknetChainId.MAINNET])
async def test_network_accepts_every_chain_id_spelling(network: Any, stub: LoopbackServer) -> None:
    async with ArgentCosigner(stub.url, network) as cosigner:
        assert cosigner.chain_id == SN_MAIN
        await cosigner.sign_session_transaction(first_request())
    assert len(stub.requests) == 1


async def test_request_without_transaction_details_sends_nothing(stub: LoopbackServer) -> None:
    request = first_request()
    request = GuardianTransactionRequest(request.session, request.transaction_hash, None)
    async with ArgentCosigner(stub.url) as cosigner:
        with pytest.raises(CosignerError, match="transaction details"):
            await cosigner.sign_session_transaction(request)
    assert stub.requests == []


def _with_session_signature(request: GuardianTransactionRequest, signature: SignerSignature
                            ) -> GuardianTransactionRequest:
    info = GuardianSessionInfo.from_signer_signature(
        request.session.session_hash, request.session.session_authorization, 0, signature)
    return GuardianTransactionRequest(info, request.transaction_hash, request.transaction)


@pytest.mark.parametrize("key", [Secp256r1Key(0x51), Secp256k1Key(0x52), Eip191Key(0x53)],
                         ids=lambda k: type(k).__name__)
async def test_non_stark_session_key_is_refused_before_any_request(key: Any, stub: LoopbackServer) -> None:
    base = first_request()
    message = session_token_message_hash(base.transaction_hash, base.session.session_hash, 0)
    request = _with_session_signature(base, key.sign(message))
    kind = key.signer.kind.name
    efo = GuardianOutsideExecutionRequest(request.session, 0x123, SN_MAIN, {}, base.transaction_hash)
    async with ArgentCosigner(stub.url) as cosigner:
        with pytest.raises(CosignerUnsupportedSessionKey) as info:
            await cosigner.sign_session_transaction(request)
        with pytest.raises(CosignerUnsupportedSessionKey):
            await cosigner.sign_session_outside_execution(efo)
    assert stub.requests == []
    error = info.value
    assert isinstance(error, CosignerError) and isinstance(error, ValueError) and error.kind == kind
    assert "Starknet session keys only" in str(error) and kind in str(error) and "LocalGuardian" in str(error)
    # A guardian that signs any kind serves the same request.
    guardian = await LocalGuardian(GUARDIAN_KEY).sign_session_transaction(request)
    assert verify_message_signature(message, (guardian.r, guardian.s), GUARDIAN_PUB)


async def test_stark_session_signature_in_any_form_is_sent_as_x_sessions_does(stub: LoopbackServer) -> None:
    base = first_request()
    pub, (r, s) = base.session.session_public_key, base.session.session_signature  # type: ignore[misc]
    assert pub is not None
    request = GuardianTransactionRequest(
        GuardianSessionInfo(base.session.session_hash, base.session.session_authorization, 0, None, None,
                            SignerSignature(StarknetSigner(pub), StarknetSignature(r, s))),
        base.transaction_hash, base.transaction)
    async with ArgentCosigner(stub.url) as cosigner:
        assert await cosigner.sign_session_transaction(request) == await cosigner.sign_session_transaction(base)
    assert stub.requests[0].body == stub.requests[1].body == base.to_json_body()


async def test_session_lifecycle(stub: LoopbackServer) -> None:
    cosigner = ArgentCosigner(stub.url)
    await cosigner.sign_session_transaction(first_request())
    owned = cosigner._session
    assert owned is not None and not owned.closed
    await cosigner.close()
    assert owned.closed
    await cosigner.sign_session_transaction(first_request())  # reopens after close()
    await cosigner.close()

    async with aiohttp.ClientSession() as shared:
        async with ArgentCosigner(stub.url, session=shared) as cosigner:
            await cosigner.sign_session_transaction(first_request())
        assert not shared.closed  # not ours to close
    with pytest.raises(CosignerError, match="closed"):
        await ArgentCosigner(stub.url, session=shared).sign_session_transaction(first_request())
    assert len(stub.requests) == 3


def test_constructor_validation_and_repr() -> None:
    for kwargs in ({"base_url": "ftp://x"}, {"network": "goerli"}, {"network": 2**300}, {"network": True},
                   {"network": 1.5}, {"timeout": 0}, {"timeout": True}):
        with pytest.raises(ValueError):
            ArgentCosigner(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidChainId, match="network must be 'mainnet', 'sepolia', a chain id or None"):
        ArgentCosigner(network="goerli")
    cosigner = ArgentCosigner("https://cloud.argent-api.com/v1/", timeout=3)
    assert cosigner.base_url == "https://cloud.argent-api.com/v1"
    assert "argent-api" in repr(cosigner)
    assert private_to_stark_key(GUARDIAN_KEY) == GUARDIAN_PUB


def test_one_cosigner_serves_successive_event_loops(stub: LoopbackServer) -> None:
    """Synchronous callers (starknet-py's ``*_sync`` methods, ``asyncio.run`` per call) run each call
    in a new event loop: the cosigner opens a new pool for each instead of using a closed one."""
    import asyncio

    cosigner = ArgentCosigner(stub.url)
    first = asyncio.run(cosigner.sign_session_transaction(first_request()))
    pool = cosigner._session
    second = asyncio.run(cosigner.sign_session_transaction(first_request()))
    assert first == second and first.public_key == GUARDIAN_PUB
    assert pool is not None and pool.closed and cosigner._session is not pool
    asyncio.run(cosigner.aclose())
    assert len(stub.requests) == 2
