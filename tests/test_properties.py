"""Property tests (hypothesis): native vs Python backend, and from_dict/to_dict round trips.

Differential properties run one input on both backends (switching the active backend inside the
test) and require the same result or the same exception class, on edge values (0, 1, p-1, p,
2**251-1, 2**251, n-1, n, huge and negative ints) and edge sizes (empty, one, 10,000 elements).
With ``XSESSIONS_BACKEND=python`` only the Python backend exists: the properties then still check
determinism and that every failure is an XSessionsError.
"""

from __future__ import annotations

import copy
import json
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BACKENDS, h, load_vectors
from xsessions_core import crypto, legacy
from xsessions_core.errors import XSessionsError
from xsessions_core.merkle import HashMethod, MerkleTree
from xsessions_core.sessions.guardian import LocalGuardian
from xsessions_core.sessions.objects import (
    AllowedMethod, OffChainSession, OnChainSession, Session, SessionKey, SessionMetadata, SessionRequest,
)
from xsessions_core.sessions.session import compile_session
from xsessions_core.sessions.context import SessionContext, SigningOptions, build_session_signature
from xsessions_core.typed_data import TypedData


P, N = crypto.FIELD_PRIME, crypto.EC_ORDER
EDGES = [0, 1, 2, P - 1, P, P + 1, 2**251 - 1, 2**251, N - 1, N, 2**128 - 1, 2**128, 2**300, -1, -(2**200)]
PROFILE = settings(max_examples=25, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

edge_int = st.sampled_from(EDGES) | st.integers(min_value=-(2**260), max_value=2**260)
felt_int = st.integers(min_value=0, max_value=P - 1) | st.sampled_from([0, 1, P - 1, 2**251 - 1])
BOTH = sorted(set(BACKENDS) | {"python"})

V9 = load_vectors("sessions_v9.json")
V4 = load_vectors("sessions_v4.json")


@contextmanager
def on_backend(name: str) -> Iterator[None]:
    previous = crypto.use_backend(name)
    try:
        yield
    finally:
        crypto.use_backend(previous)


def outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    """("ok", value) or ("error", exception class); any non-library exception propagates."""
    try:
        return "ok", fn()
    except XSessionsError as exc:
        return "error", type(exc)


def same_on_backends(fn: Callable[[], Any]) -> tuple[str, Any]:
    results = []
    for name in BOTH:
        with on_backend(name):
            results.append(outcome(fn))
    assert all(r == results[0] for r in results), dict(zip(BOTH, results))
    return results[0]


# --------------------------------------------------------------------------- typed data

SCALARS = {
    1: ["felt", "u128", "i128", "ContractAddress", "ClassHash", "timestamp", "shortstring", "selector", "bool"],
    0: ["felt", "shortstring", "selector", "bool"],
}


def _value(draw: st.DrawFn, typ: str) -> Any:
    if typ == "bool":
        return draw(st.sampled_from([True, False, 0, 1, "true", 2]))
    if typ in ("shortstring", "selector"):
        return draw(st.sampled_from(["", "transfer", "a" * 31, "a" * 32, "0x41", "123"]) | st.text(max_size=8))
    v = draw(edge_int)
    return draw(st.sampled_from([v, hex(v) if v >= 0 else str(v), str(v)]))


@st.composite
def typed_data(draw: st.DrawFn) -> dict[str, Any]:
    rev = draw(st.sampled_from([0, 1]))
    fields = [{"name": f"f{i}", "type": draw(st.sampled_from(SCALARS[rev]))} for i in range(draw(st.integers(1, 5)))]
    message: dict[str, Any] = {f["name"]: _value(draw, f["type"]) for f in fields}
    n_items = draw(st.sampled_from([0, 1, 2, 7, 10_000]))
    fields.append({"name": "arr", "type": "felt*"})
    message["arr"] = [draw(felt_int)] * n_items
    if rev == 1:
        fields.append({"name": "tree", "type": "merkletree", "contains": "Leaf"})
        message["tree"] = [{"v": draw(felt_int)} for _ in range(draw(st.sampled_from([1, 2, 3, 33])))]
        domain_type = [{"name": n, "type": "shortstring"} for n in ("name", "version", "chainId", "revision")]
        types = {"StarknetDomain": domain_type, "Msg": fields, "Leaf": [{"name": "v", "type": "felt"}]}
        domain = {"name": "x", "version": "1", "chainId": "SN_MAIN", "revision": "1"}
    else:
        types = {"StarkNetDomain": [{"name": "name", "type": "felt"}, {"name": "chainId", "type": "felt"}],
                 "Msg": fields}
        domain = {"name": "x", "chainId": 1}
    return {"types": types, "primaryType": "Msg", "domain": domain, "message": message}


@PROFILE
@given(typed_data(), felt_int | st.sampled_from([P, -1]))
def test_typed_data_hash_same_on_both_backends(td: dict[str, Any], account: int) -> None:
    text = json.dumps(td)
    same_on_backends(lambda: TypedData.from_json(text).message_hash(account))


def test_typed_data_vectors_same_on_both_backends() -> None:
    for case in load_vectors("typed_data.json")["cases"][:40]:
        kind, value = same_on_backends(
            lambda: TypedData.from_dict(case["typed_data"], validate=False).message_hash(case["account_address"]))
        if "message_hash" in case:
            assert (kind, value) == ("ok", h(case["message_hash"])), case["name"]


# --------------------------------------------------------------------------- hashes at edge sizes

@PROFILE
@given(st.lists(felt_int, max_size=40) | st.sampled_from([[], [0], [P - 1] * 10_000]))
def test_poseidon_pedersen_merkle_same_on_both_backends(values: list[int]) -> None:
    same_on_backends(lambda: crypto.poseidon_hash_many(values))
    same_on_backends(lambda: crypto.compute_hash_on_elements(values[:200]))
    same_on_backends(lambda: MerkleTree(values[:2000], HashMethod.POSEIDON).root if values else None)


@PROFILE
@given(edge_int, edge_int)
def test_edge_values_same_errors_on_both_backends(a: int, b: int) -> None:
    same_on_backends(lambda: crypto.pedersen_hash(a, b))
    same_on_backends(lambda: crypto.poseidon_hash(a, b))
    same_on_backends(lambda: crypto.message_signature(a, b))
    same_on_backends(lambda: crypto.private_to_stark_key(b))
    same_on_backends(lambda: crypto.verify_message_signature(a, (b, a), 1))


# --------------------------------------------------------------------------- session tokens

SESSION = V9["sessions"][0]
GUARDIAN_KEY = h(V9["constants"]["guardian_private_key"])


@PROFILE
@given(edge_int | felt_int, st.booleans(), st.sampled_from(["0.4", "0.5"]))
def test_session_token_signing_same_on_both_backends(tx_hash: int, cache: bool, version: str) -> None:
    session = Session.from_dict(SESSION["session"])
    calls = SESSION["transactions"][0]["calls"]
    owner_guid = crypto.poseidon_hash(0x537461726B6E6574205369676E6572, h(SESSION["inputs"]["owner_public_key"]))

    def sign() -> list[int]:
        ctx = SessionContext(session, options=SigningOptions(cache_authorization=cache, account_version=version,
                                                             owner_guid=owner_guid))
        return build_session_signature(ctx, tx_hash, calls, LocalGuardian(GUARDIAN_KEY).sign_token_message,
                                       now=ctx.session.expires_at - 1)  # signed while the session was valid

    kind, sig = same_on_backends(sign)
    if kind == "ok" and not cache and version == "0.4" and tx_hash == h(SESSION["transactions"][0]["transaction_hash"]):
        assert sig == [h(v) for v in SESSION["transactions"][0]["signatures"]["cache_false"]["signature"]]


def test_session_token_vector_same_on_both_backends() -> None:
    tx = SESSION["transactions"][0]
    session = Session.from_dict(SESSION["session"])
    for cache, key in ((False, "cache_false"), (True, "cache_true")):
        _, sig = same_on_backends(lambda: build_session_signature(
            SessionContext(session, options=SigningOptions(cache_authorization=cache)), h(tx["transaction_hash"]),
            tx["calls"],
            LocalGuardian(GUARDIAN_KEY).sign_token_message, now=session.expires_at - 1))
        assert sig == [h(v) for v in tx["signatures"][key]["signature"]]


# --------------------------------------------------------------------------- round trips

address = felt_int.map(hex)
#: a ContractAddress (< 2**251): sessions refuse larger allowed-method addresses
contract_address = (st.integers(min_value=0, max_value=2**251 - 1) | st.sampled_from([0, 1, 2**251 - 1])).map(hex)
name = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=20)


@st.composite
def modern_session_dict(draw: st.DrawFn) -> dict[str, Any]:
    d = copy.deepcopy(draw(st.sampled_from([s["session"] for s in V9["sessions"] if "session" in s])))
    if draw(st.booleans()):
        d["allowedMethods"] = [{"Contract Address": draw(contract_address), "selector": draw(name)}
                               for _ in range(draw(st.integers(1, 5)))]
    d["expiresAt"] = draw(st.integers(0, 2**64 - 1))
    d["authorisationSignature"] = [draw(address) for _ in range(draw(st.sampled_from([0, 2, 4, 9])))]
    if draw(st.booleans()):
        del d["sessionKey"]
    return d


@PROFILE
@given(modern_session_dict())
def test_modern_session_round_trip(d: dict[str, Any]) -> None:
    s = Session.from_dict(d)
    assert Session.from_dict(s.to_dict(include_private_key=True)) == s
    assert s.to_dict(include_private_key=True) == Session.from_dict(s.to_dict(True)).to_dict(True)
    off = s.offchain_session
    assert OffChainSession.from_dict(off.to_dict()) == off
    on = compile_session(s)
    assert OnChainSession.from_dict(on.to_dict()) == on
    for m in s.allowed_methods:
        assert AllowedMethod.from_dict(m.to_dict()) == m


def test_modern_objects_round_trip_on_vectors() -> None:
    for case in V9["sessions"]:
        if "session" not in case:
            continue
        s = Session.from_dict(case["session"])
        assert s.to_dict(include_private_key=True) == case["session"]
        sr = case["session_request"]
        req = SessionRequest.from_dict({"sessionTypedData": sr["session_typed_data"],
                                        "offchainSession": sr["offchain_session"],
                                        "sessionKey": case["session"]["sessionKey"]})
        assert SessionRequest.from_dict(req.to_dict(include_private_key=True)) == req
        key = SessionKey.from_dict(case["session"]["sessionKey"])
        assert SessionKey.from_dict(key.to_dict(include_private_key=True)) == key
        if "projectID" in case["inputs"]["metadata_object"]:  # some vectors use free-form metadata
            meta = SessionMetadata.from_dict(case["inputs"]["metadata_object"])
            assert SessionMetadata.from_dict(meta.to_dict()) == meta


@PROFILE
@given(st.sampled_from(V4["sessions"]), st.integers(0, 2**40), st.lists(st.tuples(address, name), min_size=1, max_size=4))
def test_legacy_objects_round_trip(case: dict[str, Any], expires: int, policies: list[tuple[str, str]]) -> None:
    signed = legacy.SignedSession.from_dict(case["signed_session"])
    assert legacy.SignedSession.from_dict(signed.to_dict()) == signed
    assert signed.to_dict() == case["signed_session"]
    request = legacy.RequestSession.from_dict({
        "key": case["inputs"]["session_public_key"], "expires": expires,
        "policies": [{"contractAddress": a, "selector": s} for a, s in policies]})
    assert legacy.RequestSession.from_dict(request.to_dict()) == request
    prepared = legacy.prepare_session(request)
    assert legacy.PreparedSession.from_dict(prepared.to_dict()) == prepared
    for p in request.policies:
        assert legacy.Policy.from_dict(p.to_dict()) == p
