"""Every public value pickles and round-trips, so that it can cross to a worker process."""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import h, load_vectors
from fixtures_legacy import SESSIONS
from redis_server import RedisServer, running_redis_server
from test_relayer_verdicts import CASES, account_of, state_of, verify_case

from xsessions_core import crypto, errors
from xsessions_core.legacy import FeeEstimate, LegacyInvoke, Policy, RequestSession, SignedSession
from xsessions_core.merkle import HashMethod, MerkleTree
from xsessions_core.relayer import (
    AsyncRedisRelayerState,
    InMemoryRelayerState,
    NonceStatus,
    RedisRelayerState,
    SessionTokenError,
    decode_session_token,
)
from xsessions_core.relayer.verify import parse_invoke_v3, parse_outside_execution
from xsessions_core.sessions import (
    GuardianOutsideExecutionRequest,
    GuardianSessionInfo,
    GuardianSignature,
    GuardianTransactionRequest,
    LocalGuardian,
    OutsideExecution,
    Session,
    SessionContext,
    SessionKey,
    SessionRequest,
    SigningOptions,
    compile_session,
    get_outside_execution_typed_data,
    get_session_typed_data,
    outside_execution_from_dict,
)
from xsessions_core.transactions import InvokeV3, parse_resource_bounds
from xsessions_core.typed_data import TypedData
from xsessions_core.versions import AccountVersion

# Signs with the recorded sessions: sign at a time they were valid.
pytestmark = pytest.mark.usefixtures("recorded_clock")

GUARDIAN_KEY = h(load_vectors("contract_verdicts.json")["guardian_private_key"])
OUTSIDE = next(c for c in CASES if c["transaction"]["kind"] == "outside_execution_v2" and c["verdict"] == "VALID")
INVOKE = next(c for c in CASES if c["transaction"]["kind"] == "invoke_v3" and c["verdict"] == "VALID")
BOUNDS = {"l1_gas": {"max_amount": 1, "max_price_per_unit": 2}, "l2_gas": {"max_amount": 3, "max_price_per_unit": 4},
          "l1_data_gas": {"max_amount": 5, "max_price_per_unit": 6}}


def round_trip(value: Any) -> Any:
    return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def _outside_execution() -> OutsideExecution:
    d = OUTSIDE["transaction"]["outside_execution"]
    return outside_execution_from_dict({**d, "execute_after": h(d["execute_after"]),
                                        "execute_before": h(d["execute_before"])})


def _session() -> Session:
    return Session.from_dict(OUTSIDE["session"])


def _values() -> dict[str, Any]:
    """Values compared with ``==`` after the round trip (their classes define equality)."""
    session = _session()
    info = GuardianSessionInfo(session.hash, tuple(session.authorization_signature), 0, 5, (6, 7))
    oe = _outside_execution()
    tx = InvokeV3(session.address, (1, 2), 3, parse_resource_bounds(BOUNDS), chain_id=session.chain_id)
    legacy = SESSIONS[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signed = SignedSession.from_dict(legacy["signed_session"])
    return {
        "Session": session,
        "SessionKey": session.session_key,
        "SessionRequest": SessionRequest(get_session_typed_data(session, session.chain_id), session.offchain_session,
                                         SessionKey(GUARDIAN_KEY)),
        "OffChainSession": session.offchain_session,
        "OnChainSession": compile_session(session),
        "AllowedMethod": session.allowed_methods[0],
        "SessionMetadata": session.metadata,
        "AccountInfo": account_of(OUTSIDE),
        "AccountState": state_of(next(c for c in CASES if (c.get("account_state") or {}).get("session_cache"))),
        "Verdict": verify_case(OUTSIDE),
        "invalid Verdict": verify_case(next(c for c in CASES if c["verdict"] != "VALID")),
        "InvokeV3Data": parse_invoke_v3(INVOKE["transaction"]),
        "OutsideExecutionData": parse_outside_execution(OUTSIDE["transaction"]["outside_execution"]),
        "InvokeV3": tx,
        "ResourceBounds": parse_resource_bounds(BOUNDS),
        "OutsideExecution": oe,
        "OutsideCall": oe.calls[0],
        "GuardianSignature": GuardianSignature(1, 2, 3),
        "GuardianSessionInfo": info,
        "GuardianTransactionRequest": GuardianTransactionRequest(info, tx.transaction_hash, tx),
        "GuardianOutsideExecutionRequest": GuardianOutsideExecutionRequest(
            info, session.address, session.chain_id, get_outside_execution_typed_data(oe, session.chain_id, "2"), 9),
        "SessionToken": decode_session_token([h(v) for v in OUTSIDE["transaction"]["signature"]]),
        "TypedData": TypedData.from_dict(get_outside_execution_typed_data(oe, session.chain_id, "2")),
        "Policy": signed.policies[0],
        "RequestSession": RequestSession(signed.key, signed.expires, signed.policies),
        "SignedSession": signed,
        "LegacyInvoke": LegacyInvoke(session.address, tuple(oe.starknet_calls()), (1, 2), (3, 4), 5, 6, 7, 1),
        "FeeEstimate": FeeEstimate(10, 15),
        "HashMethod": HashMethod.POSEIDON,
        "AccountVersion": AccountVersion.parse("0.5"),
        "NonceStatus": NonceStatus.RESERVED,
        "PreparedPublicKey": crypto.prepare_public_key(crypto.private_to_stark_key(GUARDIAN_KEY)),
    }


VALUES = _values()


@pytest.mark.parametrize("name", list(VALUES))
def test_value_round_trips(name: str) -> None:
    value = VALUES[name]
    copy = round_trip(value)
    assert type(copy) is type(value)
    assert copy == value
    assert repr(copy) == repr(value)


def test_the_list_covers_policy_and_signed_sessions() -> None:
    assert isinstance(VALUES["Policy"], Policy) and isinstance(VALUES["SignedSession"], SignedSession)


def test_session_context_signs_the_same_after_a_round_trip() -> None:
    ctx = SessionContext(_session(), options=SigningOptions(cache_authorization=True))
    copy = round_trip(ctx)
    assert (copy.session_hash, copy.cache_flag, copy.session_public_key) == (
        ctx.session_hash, ctx.cache_flag, ctx.session_public_key)
    assert copy.sign(0x1234) == ctx.sign(0x1234)
    calls = _outside_execution().starknet_calls()
    assert copy.proofs(calls) == ctx.proofs(calls)
    assert repr(copy) == repr(ctx)


def test_guardian_and_signer_sign_the_same_after_a_round_trip() -> None:
    guardian = LocalGuardian(GUARDIAN_KEY)
    copy = round_trip(guardian)
    assert copy.public_key == guardian.public_key
    assert copy.sign_token_message(77) == guardian.sign_token_message(77)
    ctx = SessionContext(_session())
    txs = [{"calls": _outside_execution().starknet_calls(), "nonce": i, "resource_bounds": BOUNDS} for i in range(3)]
    assert round_trip(ctx).sign_invoke_many(txs, guardian=copy) == ctx.sign_invoke_many(txs, guardian=guardian)


def test_prepared_public_key_verifies_after_a_round_trip() -> None:
    public_key = crypto.private_to_stark_key(GUARDIAN_KEY)
    prepared = crypto.prepare_public_key(public_key)
    copy = round_trip(prepared)
    assert copy.key == public_key
    assert len(pickle.dumps(prepared)) < 200  # the key travels, not the table: it is rebuilt on use
    signature = crypto.message_signature(0x1234, GUARDIAN_KEY)
    assert crypto.verify_message_signature(0x1234, signature, copy)
    assert not crypto.verify_message_signature(0x1235, signature, copy)
    items = [(0x1234, signature, copy), (0x1234, signature, public_key), (0x1234, (signature[0], 1), copy)]
    assert crypto.verify_message_signature_batch(items) == [True, True, False]


def test_merkle_tree_round_trips() -> None:
    tree = MerkleTree([5, 1, 9, 3])
    copy = round_trip(tree)
    assert copy.root == tree.root
    assert [copy.get_proof(leaf) for leaf in (5, 1, 9, 3)] == [tree.get_proof(leaf) for leaf in (5, 1, 9, 3)]


# --------------------------------------------------------------------------- errors raised in a worker

def test_errors_round_trip_with_their_fields() -> None:
    token_error = SessionTokenError("session/invalid-calldata", "too short", offset=4)
    copy = round_trip(token_error)
    assert (type(copy), str(copy), copy.contract_error, copy.offset) == (
        SessionTokenError, str(token_error), "session/invalid-calldata", 4)
    cosigner = errors.CosignerError("guardian refused", status=403)
    copy = round_trip(cosigner)
    assert (type(copy), str(copy), copy.status) == (errors.CosignerError, str(cosigner), 403)
    assert round_trip(errors.CosignerError("no answer")).status is None
    for paymaster_error in (errors.PaymasterError("token not supported", code=151, data={"token": "0x1"}),
                            errors.PaymasterError("paymaster unreachable")):
        copy = round_trip(paymaster_error)
        assert (type(copy), str(copy), copy.code, copy.data, copy.args) == (
            errors.PaymasterError, str(paymaster_error), paymaster_error.code, paymaster_error.data,
            paymaster_error.args)
    for cls in (errors.OnchainError, errors.NodeUnavailable, errors.EntrypointNotFound, errors.NotAnArgentAccount):
        for code in (-32601, "ENTRYPOINT_NOT_FOUND", None):
            onchain_error = cls("reading the account failed", code)
            copy = round_trip(onchain_error)
            assert (type(copy), str(copy), copy.code, copy.args) == (cls, str(onchain_error), code, onchain_error.args)
            assert isinstance(copy, errors.OnchainError)
    for cls in (errors.SessionError, errors.TransactionError, errors.PolicyViolation, errors.InvalidFieldElement,
                errors.SessionExpired, errors.TypedDataError):
        copy = round_trip(cls("field x must be a felt"))
        assert type(copy) is cls and str(copy) == "field x must be a felt"


# --------------------------------------------------------------------------- relayer states

def test_in_memory_state_is_copied() -> None:
    st = InMemoryRelayerState()
    st.reserve_nonce(1, 2, ttl_ms=600_000)
    st.confirm_nonce(1, 3)
    st.revoke_sessions([0xAB])
    st.cache_authorization(4, 5, 6, 2)
    copy = round_trip(st)
    assert copy.nonce_status(1, 2) is NonceStatus.RESERVED and copy.nonce_status(1, 3) is NonceStatus.USED
    assert copy.account_state() == st.account_state()
    copy.confirm_nonce(1, 4)  # a copy: the original does not see it
    assert st.nonce_status(1, 4) is NonceStatus.FREE
    with copy.account_lock(1):
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    with running_redis_server() as srv:
        yield srv


def test_redis_state_reconnects_after_a_round_trip(server: RedisServer, backend: str) -> None:
    prefix = f"pickle-{backend}:"
    client = server.client()
    try:
        st = RedisRelayerState(client, prefix=prefix)
        assert st.reserve_nonce(1, 2, ttl_ms=600_000)
        copy = round_trip(st)
        assert isinstance(copy, RedisRelayerState) and repr(copy) == repr(st)
        assert copy.nonce_status(1, 2) is NonceStatus.RESERVED  # same server and prefix
        assert copy.release_nonce(1, 2) is False  # a new instance: not its reservation
        assert copy.reserve_nonce(1, 5, ttl_ms=600_000) and st.nonce_status(1, 5) is NonceStatus.RESERVED
        copy.client.close()
    finally:
        client.close()


async def test_async_redis_state_reconnects_after_a_round_trip(server: RedisServer, backend: str) -> None:
    import redis.asyncio

    prefix = f"apickle-{backend}:"
    client = redis.asyncio.Redis(host=server.host, port=server.port)
    sync = RedisRelayerState(redis.Redis(host=server.host, port=server.port), prefix=prefix)
    try:
        copy = round_trip(AsyncRedisRelayerState(client, prefix=prefix))
        assert isinstance(copy, AsyncRedisRelayerState)
        assert await copy.reserve_nonce(1, 2, ttl_ms=600_000)
        assert sync.nonce_status(1, 2) is NonceStatus.RESERVED
        await copy.client.aclose()
    finally:
        await client.aclose()
        sync.client.close()


@pytest.mark.parametrize("kind", ["stark", "secp256k1", "eip191", "secp256r1", "webauthn"])
def test_signing_keys_of_every_kind_round_trip(kind: str) -> None:
    from xsessions_core.signers import Eip191Key, Secp256k1Key, Secp256r1Key, StarkKey, WebauthnKey

    key = {"stark": lambda: StarkKey(0x1234567), "secp256k1": lambda: Secp256k1Key(0x1234567),
           "eip191": lambda: Eip191Key(0x1234567), "secp256r1": lambda: Secp256r1Key(0x1234567),
           "webauthn": lambda: WebauthnKey(0x1234567, "https://app.example", "app.example", "0.5.0")}[kind]()
    copy = pickle.loads(pickle.dumps(key))
    assert type(copy) is type(key) and copy.signer == key.signer and copy.private_key == key.private_key
    signature = copy.sign(0xC0FFEE)
    assert signature.signer == key.signer and signature.is_valid_signature(0xC0FFEE, "0.5.0")


def test_a_session_context_with_a_p256_key_signs_the_same_after_a_round_trip() -> None:
    from xsessions_core.sessions import create_session, create_session_request
    from xsessions_core.signers import Secp256r1Key

    key = Secp256r1Key(0xABCDEF)
    request = create_session_request("SN_SEPOLIA", key, [{"Contract Address": "0x4718f5a0", "selector": "transfer"}],
                                     1_790_617_145, {"projectID": "pickle"})
    session = create_session(0x7DB1E81D, [1, 2, 3, 4], request, "SN_SEPOLIA")  # not checked here
    ctx = SessionContext(session, key, SigningOptions(account_version="0.5.0"))
    copy = pickle.loads(pickle.dumps(ctx))
    # RFC 6979 nonces: the same key signs the same message identically in both processes
    assert copy.session_signature(0x1234) == ctx.session_signature(0x1234)
    assert copy.session_hash == ctx.session_hash and copy.cache_flag == ctx.cache_flag
