"""x-sessions 9.0.4 sessions against ../shared/vectors/sessions_v9.json and docs/protocol.md §6 / §8.4."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from conftest import h, load_vectors

from xsessions_core.crypto import message_signature, private_to_stark_key, verify_message_signature
from xsessions_core.encoding import byte_array_from_string, byte_array_hash
from xsessions_core.errors import CosignerError, PolicyViolation, SessionError
from xsessions_core.merkle import HashMethod, MerkleTree
from xsessions_core.sessions import (
    SigningOptions,
    ALLOWED_METHOD_HASH,
    SESSION_MAGIC,
    SESSION_TYPE_HASH_REV_1,
    SESSION_TYPES,
    STARKNET_SIGNER_TYPE,
    AllowedMethod,
    GuardianSignature,
    GuardianTransactionRequest,
    LocalGuardian,
    MetadataTxFee,
    OffChainSession,
    Session,
    SessionContext,
    SessionKey,
    SessionMetadata,
    SessionRequest,
    allowed_method_leaf,
    build_session_signature,
    build_session_token,
    cache_flag_for,
    compile_session,
    create_session,
    create_session_request,
    get_session_domain,
    get_session_proofs,
    get_session_typed_data,
    metadata_to_json,
    session_domain_hash,
    session_hash_from_onchain,
    session_merkle_tree,
    session_token_message_hash,
    sign_session_transaction,
    starknet_signer_guid,
    verify_session,
)
from xsessions_core.transactions import InvokeV3, get_execute_calldata
from xsessions_core.typed_data import TypedData

# Signing with the recorded sessions happens at a time they were valid (see conftest.recorded_clock).
pytestmark = pytest.mark.usefixtures("recorded_clock")

V = load_vectors("sessions_v9.json")
C = V["constants"]
ALL = V["sessions"]
OK = [s for s in ALL if "session" in s]
BAD = [s for s in ALL if "session" not in s]
GUARDIAN_KEY = h(C["guardian_private_key"])
ids = lambda s: s["name"]  # noqa: E731


class Recorder:
    """A cosigner that records the requests it gets and forwards them to a LocalGuardian."""

    def __init__(self, inner: LocalGuardian) -> None:
        self.inner = inner
        self.requests: list[Any] = []

    async def sign_session_transaction(self, request: Any) -> GuardianSignature:
        self.requests.append(request)
        return await self.inner.sign_session_transaction(request)

    async def sign_session_outside_execution(self, request: Any) -> GuardianSignature:
        self.requests.append(request)
        return await self.inner.sign_session_outside_execution(request)


def _key(s: dict) -> SessionKey:
    return SessionKey(h(s["inputs"]["session_private_key"]))


def _request(s: dict) -> SessionRequest:
    i = s["inputs"]
    return create_session_request(i["chain_id"], _key(s), i["allowed_methods"], h(i["expiry"]), i["metadata_object"])


def _session(s: dict) -> Session:
    return Session.from_dict(s["session"])


def _transaction(tx: dict) -> InvokeV3:
    d = tx["details"]
    return InvokeV3(
        sender_address=d["walletAddress"], calldata=tuple(get_execute_calldata(tx["calls"])), chain_id=d["chainId"],
        nonce=d["nonce"], resource_bounds=d["resourceBounds"], tip=d["tip"], paymaster_data=tuple(d["paymasterData"]),
        account_deployment_data=tuple(d["accountDeploymentData"]), nonce_da_mode=d["nonceDataAvailabilityMode"],
        fee_da_mode=d["feeDataAvailabilityMode"], version=d["version"],
    )


# --------------------------------------------------------------------------- constants

def test_constants() -> None:
    assert ALLOWED_METHOD_HASH == h(C["ALLOWED_METHOD_HASH"])
    assert SESSION_TYPES == C["session_types"]
    assert SESSION_MAGIC == h(C["session_token_shortstring"])
    assert STARKNET_SIGNER_TYPE == h(C["starknet_signer_shortstring"])
    assert get_session_domain(h(C["session_domain_example_sn_main"]["chainId"])) == C["session_domain_example_sn_main"]
    td = TypedData.from_dict({"types": SESSION_TYPES, "primaryType": "Session",
                              "domain": C["session_domain_example_sn_main"], "message": {}})
    assert td.encode_type("Allowed Method") == C["allowed_method_encode_type"]
    assert td.encode_type("Session") == C["session_encode_type"]
    assert td.type_hash("Session") == SESSION_TYPE_HASH_REV_1
    assert private_to_stark_key(GUARDIAN_KEY) == h(C["guardian_public_key"])


# --------------------------------------------------------------------------- session creation

@pytest.mark.parametrize("s", OK, ids=ids)
def test_session_request(s: dict) -> None:
    req = _request(s)
    want = s["session_request"]
    assert req.typed_data == want["session_typed_data"]
    assert req.offchain_session.to_dict() == want["offchain_session"]
    assert req.offchain_session.metadata == s["metadata_string"]
    assert req.offchain_session.session_key_guid == h(s["session_key_guid"])
    assert starknet_signer_guid(h(s["inputs"]["session_public_key"])) == h(s["session_key_guid"])
    assert req.session_key.public_key == h(s["inputs"]["session_public_key"])
    assert OffChainSession.from_dict(want["offchain_session"]) == req.offchain_session
    assert SessionRequest.from_dict(req.to_dict(include_private_key=True)) == req


@pytest.mark.parametrize("s", OK, ids=ids)
def test_leaves_tree_proofs_metadata(s: dict) -> None:
    off = _request(s).offchain_session
    leaves = [allowed_method_leaf(m.contract_address, m.selector_value) for m in off.allowed_methods]
    assert leaves == [h(x) for x in s["allowed_method_leaves"]]
    tree = session_merkle_tree(off)
    assert tree.leaves == tuple(leaves)
    assert tree.root == h(s["allowed_methods_root"])
    assert [list(b) for b in tree.branches] == [[h(x) for x in b] for b in s["allowed_methods_tree_branches"]]
    assert [tree.get_proof(leaf) for leaf in leaves] == [[h(x) for x in p] for p in s["allowed_method_proofs"]]
    ba = s["metadata_byte_array"]
    assert byte_array_from_string(off.metadata) == ([h(x) for x in ba["data"]], h(ba["pending_word"]), ba["pending_word_len"])
    onchain = compile_session(off)
    assert onchain.metadata_hash == h(s["metadata_hash"]) == byte_array_hash(s["metadata_string"])
    assert onchain.allowed_methods_root == h(s["allowed_methods_root"])
    assert onchain.expires_at == h(s["inputs"]["expiry"])


@pytest.mark.parametrize("s", OK, ids=ids)
def test_session_hashes(s: dict) -> None:
    req = _request(s)
    i = s["inputs"]
    chain, account = h(i["chain_id"]), h(i["account_address"])
    assert session_domain_hash(chain) == h(s["session_domain_struct_hash"])
    td = TypedData.from_dict(req.typed_data)
    assert td.type_hash("Session") == h(s["session_type_hash"])
    assert td.encode_type("Session") == s["session_encode_type"]
    assert td.struct_hash("Session", req.typed_data["message"]) == h(s["session_struct_hash"])
    fast = session_hash_from_onchain(compile_session(req.offchain_session), account, chain)
    assert fast == td.message_hash(account) == h(s["session_message_hash"])


@pytest.mark.parametrize("s", OK, ids=ids)
def test_create_session_and_json_round_trip(s: dict) -> None:
    i = s["inputs"]
    session = create_session(i["account_address"], s["authorisation_signature"], _request(s), i["chain_id"])
    assert session.to_dict(include_private_key=True) == s["session"]
    assert session.hash == h(s["session_message_hash"])
    parsed = _session(s)
    assert parsed == session
    assert parsed.to_dict(include_private_key=True) == s["session"]
    public_only = session.to_dict()
    assert "privateKey" not in public_only["sessionKey"]
    assert Session.from_dict(public_only).session_key is None
    assert hex(session.session_key.private_key) not in repr(session)


@pytest.mark.parametrize("s", BAD, ids=ids)
def test_non_ascii_metadata_cannot_be_hashed(s: dict) -> None:
    assert "create_session_error" in s
    with pytest.raises(SessionError):
        _request(s)


def test_create_session_rejects_foreign_typed_data() -> None:
    s = OK[1]
    req = _request(s)
    other_chain = h(OK[0]["inputs"]["chain_id"])
    assert other_chain != h(s["inputs"]["chain_id"])
    with pytest.raises(SessionError):
        create_session(s["inputs"]["account_address"], s["authorisation_signature"], req, other_chain)


# --------------------------------------------------------------------------- verify_session

@pytest.mark.parametrize("s", OK, ids=ids)
def test_verify_session(s: dict) -> None:
    session = _session(s)
    owner = h(s["inputs"]["owner_public_key"])
    assert s["verify_session"] is True
    assert verify_session(session, owner) is True
    tampered = {
        "hash-tampered": dataclasses.replace(session, hash=session.hash ^ 1),
        "other-address": dataclasses.replace(session, address=session.address + 1, address_text=None),
        "other-chain": dataclasses.replace(session, chain_id=session.chain_id + 1),
        "other-expiry": dataclasses.replace(session, expires_at=session.expires_at + 1),
    }
    for case in s["verify_session_negative"]:
        assert case["result"] is False
        assert verify_session(tampered[case["case"]], owner) is False, case["case"]
    assert verify_session(session, h(s["inputs"]["guardian_public_key"])) is False
    auth = list(session.authorization_signature)
    auth[-1] ^= 1
    assert verify_session(dataclasses.replace(session, authorization_signature=tuple(auth)), owner) is False


def test_verify_session_full_format_and_guardian() -> None:
    s = next(x for x in OK if x["name"] == "argent_style_authorisation_signature")
    session = _session(s)
    i = s["inputs"]
    owner, guardian = h(i["owner_public_key"]), h(i["guardian_public_key"])
    assert session.authorization_signature[:3] == (1, 0, owner)
    assert verify_session(session, owner)
    other = h(OK[0]["inputs"]["owner_public_key"])
    assert not verify_session(session, other)
    # concise owner + guardian form, checked against both keys
    r, s_ = message_signature(session.hash, h(i["owner_private_key"]))
    gr, gs = message_signature(session.hash, h(i["guardian_private_key"]))
    both = dataclasses.replace(session, authorization_signature=(r, s_, gr, gs))
    assert verify_session(both, owner, guardian)
    assert not verify_session(both, owner, other)
    full = dataclasses.replace(session, authorization_signature=(2, 0, owner, r, s_, 0, guardian, gr, gs))
    assert verify_session(full, owner, guardian)
    assert not verify_session(dataclasses.replace(session, authorization_signature=(5, 6, 7)), owner)


# --------------------------------------------------------------------------- transactions

TXS = [(s, j, tx) for s in OK for j, tx in enumerate(s["transactions"])]


@pytest.mark.parametrize("s,j,tx", TXS, ids=[f"{s['name']}-{j}" for s, j, _ in TXS])
async def test_transaction_signatures(s: dict, j: int, tx: dict) -> None:
    session = _session(s)
    assert get_execute_calldata(tx["calls"]) == [h(x) for x in tx["execute_calldata"]]
    transaction = _transaction(tx)
    tx_hash = h(tx["transaction_hash"])
    assert transaction.transaction_hash == tx_hash
    for cache in (False, True):
        want = tx["signatures"][f"cache_{str(cache).lower()}"]
        msg = session_token_message_hash(tx_hash, session.hash, cache)
        assert msg == h(want["session_token_message_hash"])
        recorder = Recorder(LocalGuardian(GUARDIAN_KEY))
        sig = await sign_session_transaction(session, None, tx_hash, tx["calls"], recorder,
                                             SigningOptions(cache_authorization=cache), transaction=transaction)
        assert sig == [h(x) for x in want["signature"]]
        assert sig[5] == int(cache)
        if "signature_raw" in want:
            assert [hex(sig[0])] + [str(v) for v in sig[1:]] == want["signature_raw"]
        (request,) = recorder.requests
        assert request.session.session_signature == tuple(h(x) for x in want["session_key_signature"])
        if "guardian_request" in want:
            assert request.to_json_body() == want["guardian_request"]["body"]
            assert want["guardian_request"]["url"].endswith("/cosigner/signSession")
        # the synchronous core gives the same array
        ctx = SessionContext(session, options=SigningOptions(cache_authorization=cache))
        guardian_sig = LocalGuardian(GUARDIAN_KEY).sign_token_message(ctx.token_message_hash(tx_hash))
        assert (guardian_sig.r, guardian_sig.s) == tuple(h(x) for x in want["guardian_signature"])
        assert build_session_signature(ctx, tx_hash, tx["calls"], guardian_sig) == sig
        assert build_session_signature(ctx, tx_hash, tx["calls"], LocalGuardian(GUARDIAN_KEY).sign_token_message) == sig


@pytest.mark.parametrize("s", OK, ids=ids)
def test_token_assembly_and_proofs(s: dict) -> None:
    session = _session(s)
    tx = s["transactions"][0]
    want = [h(x) for x in tx["signatures"]["cache_false"]["signature"]]
    proofs = get_session_proofs(session, tx["calls"])
    assert SessionContext(session).proofs(tx["calls"]) == proofs
    sk = tx["signatures"]["cache_false"]["session_key_signature"]
    gk = tx["signatures"]["cache_false"]["guardian_signature"]
    token = build_session_token(
        compile_session(session), 0, session.authorization_signature,
        (session.session_key.public_key, h(sk[0]), h(sk[1])), (h(C["guardian_public_key"]), h(gk[0]), h(gk[1])), proofs,
    )
    assert token == want


@pytest.mark.parametrize("s", OK, ids=ids)
async def test_transaction_not_allowed(s: dict) -> None:
    case = s["transaction_not_allowed"]
    assert case["error"] == "leaf not found"
    session = _session(s)
    with pytest.raises(PolicyViolation, match="0x1234"):
        get_session_proofs(session, case["calls"])
    with pytest.raises(PolicyViolation):
        await sign_session_transaction(session, None, 1, case["calls"], LocalGuardian(GUARDIAN_KEY))
    ctx = SessionContext(session)
    with pytest.raises(PolicyViolation):
        build_session_signature(ctx, 1, case["calls"], LocalGuardian(GUARDIAN_KEY).sign_token_message(1))


# --------------------------------------------------------------------------- guardian & contexts

async def test_local_guardian_rejects_bad_session_signature() -> None:
    s = OK[0]
    session = _session(s)
    tx = s["transactions"][0]
    ctx = SessionContext(session)
    tx_hash = h(tx["transaction_hash"])
    r, s_ = ctx.sign(ctx.token_message_hash(tx_hash))
    guardian = LocalGuardian(GUARDIAN_KEY)
    good = GuardianTransactionRequest(ctx.guardian_session_info((r, s_)), tx_hash, _transaction(tx))
    answer = await guardian.sign_session_transaction(good)
    assert answer.public_key == h(C["guardian_public_key"])
    assert verify_message_signature(ctx.token_message_hash(tx_hash), (answer.r, answer.s), guardian.public_key)
    with pytest.raises(CosignerError):
        await guardian.sign_session_transaction(dataclasses.replace(good, session=ctx.guardian_session_info((r, s_ ^ 1))))
    with pytest.raises(CosignerError):
        await guardian.sign_session_transaction(dataclasses.replace(good, transaction_hash=tx_hash ^ 1))
    assert hex(GUARDIAN_KEY) not in repr(guardian)


async def test_wrong_guardian_answer_is_rejected() -> None:
    class Liar(Recorder):
        async def sign_session_transaction(self, request: Any) -> GuardianSignature:
            sig = await super().sign_session_transaction(request)
            return GuardianSignature(sig.public_key, sig.r, sig.s ^ 1)

    s = OK[0]
    tx = s["transactions"][0]
    with pytest.raises(CosignerError):
        await sign_session_transaction(_session(s), None, h(tx["transaction_hash"]), tx["calls"],
                                       Liar(LocalGuardian(GUARDIAN_KEY)))


def test_cache_flags_by_account_version() -> None:
    guid = starknet_signer_guid(h(OK[0]["inputs"]["owner_public_key"]))
    assert cache_flag_for(False) == 0 and cache_flag_for(True) == 1
    assert cache_flag_for(False, "0.5") == 0
    assert cache_flag_for(True, "0.5", guid) == guid
    with pytest.raises(SessionError):
        cache_flag_for(True, "0.5")
    with pytest.raises(SessionError):
        cache_flag_for(True, "0.6")
    session = _session(OK[0])
    ctx = SessionContext(session, options=SigningOptions(cache_authorization=True, account_version="0.5",
                                                         owner_guid=guid))
    assert ctx.token_message_hash(7) == session_token_message_hash(7, session.hash, guid)


def test_context_rejects_inconsistent_sessions() -> None:
    session = _session(OK[0])
    with pytest.raises(SessionError):
        SessionContext(dataclasses.replace(session, hash=session.hash ^ 1))
    with pytest.raises(SessionError):
        SessionContext(session, SessionKey(12345))
    with pytest.raises(SessionError):
        SessionContext(dataclasses.replace(session, session_key=None))


# --------------------------------------------------------------------------- objects

def test_session_key_privacy_and_generation() -> None:
    k = SessionKey.generate()
    assert 1 <= k.private_key
    assert hex(k.private_key) not in repr(k) and str(k.private_key) not in repr(k)
    assert SessionKey.from_dict(k.to_dict(include_private_key=True)) == k
    with pytest.raises(SessionError, match="does not match"):
        SessionKey.from_dict({"privateKey": hex(k.private_key), "publicKey": "0x1"})
    with pytest.raises(SessionError) as exc:
        SessionKey(0)
    assert "0x0" not in str(exc.value)


def test_metadata_json_and_objects() -> None:
    s = OK[0]
    meta = SessionMetadata.from_dict(s["inputs"]["metadata_object"])
    assert metadata_to_json(meta) == s["metadata_string"] == metadata_to_json(s["inputs"]["metadata_object"])
    assert meta.tx_fees == (MetadataTxFee(s["inputs"]["metadata_object"]["txFees"][0]["tokenAddress"],
                                          "10000000000000000"),)
    with pytest.raises(SessionError):
        metadata_to_json({"x": 1.5})
    with pytest.raises(SessionError):
        metadata_to_json({"x": 2**60})
    assert metadata_to_json("plain") == '"plain"'


def test_allowed_method_hex_selector_is_consistent() -> None:
    s = OK[0]
    m = AllowedMethod.from_dict(s["inputs"]["allowed_methods"][0])
    hex_m = AllowedMethod(m.contract_address, hex(m.selector_value))
    assert hex_m.selector_value == m.selector_value
    assert allowed_method_leaf(hex_m.contract_address, hex_m.selector_value) == h(s["allowed_method_leaves"][0])
    off = OffChainSession(1700000000, (hex_m,), "{}", 1)
    td = get_session_typed_data(off, 1)
    # the typed data (what the wallet signs) and the on-chain root agree for a hex selector
    leaf_struct = TypedData.from_dict(td).struct_hash("Allowed Method", td["message"]["Allowed Methods"][0])
    assert leaf_struct == compile_session(off).allowed_methods_root


@pytest.mark.parametrize(
    "bad",
    [
        {"address": "0xzz"},
        {"hash": None},
        {"expiresAt": "1730360194"},
        {"allowedMethods": []},
        {"allowedMethods": [{"selector": "transfer"}]},
        {"authorisationSignature": "0x1"},
        {"metadata": 5},
        {"version": "0x32"},
        {"chainId": "0x" + "f" * 70},
        {"sessionKey": {"privateKey": "0x0"}},
    ],
)
def test_malformed_session_dicts(bad: dict) -> None:
    d = dict(OK[0]["session"])
    d.update(bad)
    with pytest.raises(SessionError):
        Session.from_dict(d)


def test_missing_field_is_named() -> None:
    d = dict(OK[0]["session"])
    del d["sessionKeyGuid"]
    with pytest.raises(SessionError, match="sessionKeyGuid"):
        Session.from_dict(d)


def test_expiry_in_milliseconds_is_refused() -> None:
    i = OK[0]["inputs"]
    ms = h(i["expiry"]) * 1000
    with pytest.raises(SessionError, match="milliseconds"):
        create_session_request(i["chain_id"], _key(OK[0]), i["allowed_methods"], ms, i["metadata_object"])
    req = create_session_request(i["chain_id"], _key(OK[0]), i["allowed_methods"], ms, i["metadata_object"],
                                 allow_milliseconds=True)
    assert req.offchain_session.expires_at == ms


# --------------------------------------------------------------------------- docs/protocol.md §8.4

ETH = "0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7"
DAPP = "0x0711c0c7a4e8e8a8d4e1e7f0c5a9e0a5d2c3b4a5968778695a4b3c2d1e0f1a2b"
ACCOUNT = 0x4B1D6B8F1F2C36A5A5E1D09F8C3F3C1E4A2B6D7E8F9A0B1C2D3E4F5A6B7C8D9
SEPOLIA = 0x534E5F5345504F4C4941
OWNER = 0x3C1E2B5A9F8D7C6B5A4E3D2C1B0A9F8E7D6C5B4A39281706F5E4D3C2B1A0987
GUARDIAN = 0x5A4B3C2D1E0F9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F1A0B9C8D7E6F5A4


def worked_example_session() -> Session:
    key = SessionKey(0x1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF1234567890ABCD)
    methods = [{"Contract Address": ETH, "selector": "transfer"}, {"Contract Address": ETH, "selector": "approve"},
               {"Contract Address": DAPP, "selector": "play_move"}]
    meta = {"projectID": "test-dapp", "txFees": [{"tokenAddress": ETH, "maxAmount": "1000000000000000000"}]}
    req = create_session_request(SEPOLIA, key, methods, 1800000000, meta)
    h_ = session_hash_from_onchain(compile_session(req.offchain_session), ACCOUNT, SEPOLIA)
    auth = [*message_signature(h_, OWNER), *message_signature(h_, GUARDIAN)]
    return create_session(ACCOUNT, auth, req, SEPOLIA)


async def test_protocol_8_4_worked_example() -> None:
    session = worked_example_session()
    assert session.metadata == ('{"projectID":"test-dapp","txFees":[{"tokenAddress":"0x049d36570d4e46f48e99674bd3fcc'
                                '84644ddd6b96f7c741b1562b82f9e004dc7","maxAmount":"1000000000000000000"}]}')
    assert session.session_key_guid == 0x5DDEEC0C638E46720452A71AF904BAB7E3ACCC76D8B14705AF96CEE9C5B1CEF
    tree = session_merkle_tree(session)
    assert tree.leaves == (0x421DC1497B5B114365EA5F874030615D3C2C0E6E7334DAC59C564C927B20B59,
                           0x6EA3E6DF80C40A53447AB478F91A9CA45E3B7630018CEEAF0C08BD97BF88DE3,
                           0x3A7C3F1DF45B94D8B39D403F9EA62B3BBAFCA1E6F365461FCB33F1B8F0501D7)
    onchain = compile_session(session)
    assert onchain.allowed_methods_root == 0x4C2222FFD7729255A60A089AE1D0B6D5A5BEFE319D9ACB68A15E532D8CBFA96
    assert onchain.metadata_hash == 0x4077386C7A01F2FB33C7772556F7AA0F9FB90B5E473FB5271EBCD5D5A48D274
    assert session_domain_hash(SEPOLIA) == 0x15EC5555A0BF3E04A641DD3E2D8B14748FD4ACFC9D90DBC851268931355A7BF
    td = get_session_typed_data(session, SEPOLIA)
    assert TypedData.from_dict(td).struct_hash("Session", td["message"]) == \
        0x6484C5F6EF06A51804206F8B1ECD73916D024C9FF98903718DCF79FEF609604
    assert session.hash == 0x3A01AE4201AD7BC31C956B69FBE5E0F8604ADD289D015393AA4226786A5B602
    assert session.authorization_signature == (
        0x62B56F44232E474D36E9EC8E5BCF6F360590C8BC164A6054DE073262F9C77EC,
        0x26CC33562BCCAE99FFB505DE531EBA96379CA49A2721A552074E9E797E9C153,
        0x364F2EC373720FA7607A2FE54046B07F6646E1B433E16BD18FF5911A6F446A2,
        0x7988D30AD136DEA4217CF2718BD307066479BEE5A91D3D0DAAC072BB418DC05,
    )
    owner_pub, guardian_pub = private_to_stark_key(OWNER), private_to_stark_key(GUARDIAN)
    assert owner_pub == 0x2E6EC35141EE645CA63F96E4CD310112C32F4B02D3F42F2395EC0C283F29094
    assert verify_session(session, owner_pub, guardian_pub)
    calls = [{"contractAddress": ETH, "entrypoint": "transfer", "calldata": ["0x123", "1000", "0"]},
             {"contractAddress": DAPP, "entrypoint": "play_move", "calldata": [7]}]
    tx_hash = 0xFE2538420C3A70F5F7581063049B9750B80DA8328992CB387C59D6846418D8
    assert session_token_message_hash(tx_hash, session.hash, False) == \
        0x315784C2580EB5A74AD328F785C7D4238B15FA04347AD8A98AC3D606B06BF1F
    sig = await sign_session_transaction(session, None, tx_hash, calls, LocalGuardian(GUARDIAN))
    assert len(sig) == 26
    assert sig[:7] == [SESSION_MAGIC, 0x6B49D200, onchain.allowed_methods_root, onchain.metadata_hash,
                       session.session_key_guid, 0, 4]
    assert sig[7:11] == list(session.authorization_signature)
    assert sig[11:19] == [0, 0x4838C4ED86F1C9B4FE1AAC884AC79431B0243B79D9E24500EB0F6229F4FE72A,
                          0x60670D3D9B3EF86F75086B812C57D47AF1C8692C1FA58F2B56AE933C244B8B7,
                          0x604F67914D7E38F76E81CAFF4ECB03ED24EDCF5767AF5502AA3A3FF9DD5D9F6,
                          0, guardian_pub,
                          0x367D3BBA32CAB0FED22CF5BD69A6C0C9AC9007C4DCD8C976479EDD222587C75,
                          0xEFBF50F850BC74904F54BE812EAF297C1E677613F2781586252E72D7BCBB5B]
    assert sig[19:] == [2, 2, 0x6EA3E6DF80C40A53447AB478F91A9CA45E3B7630018CEEAF0C08BD97BF88DE3,
                        0x28FB01E6336DA216E4AAAE84EE2FD88130200AA9CC447789D560D6D0B2935F6,
                        2, 0, 0xE5285416ED2806C56F752557A2A8005C9B5100C4B8F90659B86BA10B10CAA2]
    cached = await sign_session_transaction(session, None, tx_hash, calls, LocalGuardian(GUARDIAN),
                                            SigningOptions(cache_authorization=True))
    assert cached[5] == 1
    assert [i for i in range(26) if cached[i] != sig[i]] == [5, 13, 14, 17, 18]
    merkle = MerkleTree(tree.leaves, HashMethod.POSEIDON)
    assert merkle.root == onchain.allowed_methods_root
