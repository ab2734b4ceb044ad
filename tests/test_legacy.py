"""Legacy plugin sessions (x-sessions 4.8.7 on starknet.js 4.22) against sessions_v4.json and docs/protocol.md §5, §8.5."""

from __future__ import annotations

import copy
import json
import time
import warnings
from typing import Any

import pytest
from conftest import h, readme_block
from fixtures_legacy import (
    EXECUTION_IDS,
    EXECUTIONS,
    SESSION_IDS,
    SESSIONS,
    V4,
    legacy_node,
    vector_session_account,
)
from loopback import LoopbackServer
from starknet_py.net.account.account import Account
from starknet_py.net.client_models import Call
from starknet_py.net.full_node_client import FullNodeClient
from starknet_py.net.signer.key_pair import KeyPair

from xsessions_core.crypto import (
    compute_hash_on_elements,
    get_selector_from_name,
    message_signature,
    private_to_stark_key,
    starknet_keccak,
    verify_message_signature,
)
from xsessions_core.encoding import encode_shortstring
from xsessions_core.errors import InvalidPrivateKey, PolicyViolation, SessionError, TransactionError
from xsessions_core.legacy import (
    MAX_POLICIES,
    POLICY_TYPE_HASH,
    SESSION_PLUGIN_CLASS_HASH,
    SESSION_TYPE_HASH,
    STARKNET_DOMAIN_TYPE_HASH,
    TRANSACTION_VERSION,
    USE_PLUGIN_SELECTOR,
    ExpiredSessionWarning,
    LegacyChainId,
    Policy,
    PreparedSession,
    RequestSession,
    SessionAccount,
    SignedSession,
    create_merkle_tree_for_policies,
    create_session,
    create_session_sync,
    get_session_typed_data,
    invoke_transaction_hash,
    prepare_policy,
    prepare_session,
    session_message_hash,
)
from xsessions_core.merkle import verify_proof
from xsessions_core.transactions import get_execute_calldata_cairo0
from xsessions_core.typed_data import TypedData

CONSTANTS = V4["constants"]


def request_of(session: dict[str, Any]) -> RequestSession:
    inp = session["inputs"]
    return RequestSession.from_dict({"key": inp["session_public_key"], "expires": inp["expires"],
                                     "policies": inp["policies"]})


def owner_account(session: dict[str, Any], client: Any = None, **kwargs: Any) -> Account:
    """A real starknet-py Account of the vector's owner (chain known, so no network access)."""
    inp = session["inputs"]
    return Account(
        address=session["account_address_used"],
        client=client or FullNodeClient(node_url="http://127.0.0.1:9"),
        key_pair=KeyPair.from_private_key(h(inp["owner_private_key"])),
        chain=h(inp["chain_id"]),
        **kwargs,
    )


# --------------------------------------------------------------------------- constants


def test_constants_match_vectors_and_protocol() -> None:
    assert SESSION_PLUGIN_CLASS_HASH == h(CONSTANTS["SESSION_PLUGIN_CLASS_HASH"])
    assert POLICY_TYPE_HASH == h(CONSTANTS["POLICY_TYPE_HASH"]) == h(CONSTANTS["policy_type_hash_recomputed"])
    assert TRANSACTION_VERSION == h(CONSTANTS["transaction_version"])
    assert {c.name: c.value for c in LegacyChainId} == {k: h(v) for k, v in CONSTANTS["chain_ids"].items()}
    assert LegacyChainId.MAINNET == encode_shortstring("SN_MAIN")
    assert LegacyChainId.TESTNET == encode_shortstring("SN_GOERLI")
    assert LegacyChainId.TESTNET2 == encode_shortstring("SN_GOERLI2")


def test_type_hashes_recomputed_from_type_strings() -> None:
    assert POLICY_TYPE_HASH == starknet_keccak(b"Policy(contractAddress:felt,selector:selector)")
    assert SESSION_TYPE_HASH == starknet_keccak(b"Session(key:felt,expires:felt,root:merkletree)")
    assert STARKNET_DOMAIN_TYPE_HASH == starknet_keccak(b"StarkNetDomain(chainId:felt)")
    assert USE_PLUGIN_SELECTOR == get_selector_from_name("use_plugin")


# --------------------------------------------------------------------------- sessions_v4.json: session objects


@pytest.mark.parametrize("session", SESSIONS, ids=SESSION_IDS)
def test_leaves_root_branches_proofs(session: dict[str, Any]) -> None:
    request = request_of(session)
    assert [prepare_policy(p) for p in request.policies] == [h(x) for x in session["policy_leaves"]]
    tree = create_merkle_tree_for_policies(request.policies)
    assert list(tree.leaves) == [h(x) for x in session["policy_leaves"]]  # the batched leaf path
    assert tree.root == h(session["root"])
    assert [list(b) for b in tree.branches] == [[h(x) for x in b] for b in session["tree_branches"]]
    for leaf, proof in zip(session["policy_leaves"], session["policy_proofs"]):
        assert tree.get_proof(h(leaf)) == [h(x) for x in proof]
        assert verify_proof(tree.root, h(leaf), tree.get_proof(h(leaf)))
    prepared = prepare_session(request)
    assert prepared.root == session["root"]
    assert prepared.to_dict() == {**request.to_dict(), "root": session["root"]}


@pytest.mark.parametrize("session", SESSIONS, ids=SESSION_IDS)
def test_typed_data_and_hashes(session: dict[str, Any]) -> None:
    request = request_of(session)
    chain_id = session["inputs"]["chain_id"]
    typed_data = get_session_typed_data(request, h(chain_id))
    assert json.dumps(typed_data) == json.dumps(session["session_typed_data"])
    address = h(session["account_address_used"])
    expected = h(session["session_message_hash"])
    assert TypedData.from_dict(typed_data).message_hash(address) == expected
    assert session_message_hash(request, chain_id, address) == expected
    # The same hash from the constants the Cairo 0 plugin hard-codes (docs/protocol.md §5.4).
    domain = compute_hash_on_elements([STARKNET_DOMAIN_TYPE_HASH, h(chain_id)])
    struct = compute_hash_on_elements([SESSION_TYPE_HASH, h(request.key), request.expires, h(session["root"])])
    assert domain == h(session["session_domain_struct_hash"])
    assert struct == h(session["session_struct_hash"])
    assert compute_hash_on_elements([encode_shortstring("StarkNet Message"), domain, address, struct]) == expected


@pytest.mark.parametrize("session", SESSIONS, ids=SESSION_IDS)
def test_signed_session_json_round_trip(session: dict[str, Any]) -> None:
    signed = SignedSession.from_dict(session["signed_session"])
    assert json.dumps(signed.to_dict()) == json.dumps(session["signed_session"])
    assert SignedSession.from_dict(json.loads(json.dumps(signed.to_dict()))) == signed
    assert signed.owner_signature == tuple(h(x) for x in session["signed_session_signature_hex"])
    owner_pub = h(session["inputs"]["owner_public_key"])
    assert verify_message_signature(h(session["session_message_hash"]), signed.owner_signature, owner_pub)
    request = request_of(session)
    assert RequestSession.from_dict(request.to_dict()) == request
    prepared = prepare_session(request)
    assert PreparedSession.from_dict(json.loads(json.dumps(prepared.to_dict()))) == prepared


@pytest.mark.parametrize("session", SESSIONS, ids=SESSION_IDS)
def test_create_session_with_a_starknet_py_account(session: dict[str, Any]) -> None:
    signed = create_session_sync(request_of(session), owner_account(session))
    assert json.dumps(signed.to_dict()) == json.dumps(session["signed_session"])


@pytest.mark.parametrize("session", SESSIONS[:2], ids=SESSION_IDS[:2])
async def test_create_session_async_with_sign_message_object(session: dict[str, Any]) -> None:
    """Any object with (a)sync ``sign_message(typed_data)``: here a wallet stub signing our hash."""
    address = h(session["account_address_used"])
    owner_key = h(session["inputs"]["owner_private_key"])

    class Wallet:
        async def sign_message(self, typed_data: dict[str, Any]) -> list[str]:
            r, s = message_signature(TypedData.from_dict(typed_data).message_hash(address), owner_key)
            return [str(r), str(s)]

    signed = await create_session(request_of(session), Wallet(), session["inputs"]["chain_id"])
    assert signed.to_dict() == session["signed_session"]
    with pytest.raises(SessionError, match="chain_id"):
        create_session_sync(request_of(session), Wallet())


# --------------------------------------------------------------------------- sessions_v4.json: executions


def _as_starknet_py_calls(calls: list[dict[str, Any]]) -> list[Call]:
    return [Call(to_addr=h(c["contractAddress"]), selector=get_selector_from_name(c["entrypoint"]),
                 calldata=[h(x) for x in c["calldata"]]) for c in calls]


@pytest.mark.parametrize(("session", "index", "execution"), EXECUTIONS, ids=EXECUTION_IDS)
def test_execution(session: dict[str, Any], index: int, execution: dict[str, Any]) -> None:
    account = vector_session_account(session, chain_id=session["inputs"]["chain_id"])
    calls = execution["calls"]
    # proofs of the calls (XS4 proofCalls)
    proofs = [account.merkle_tree.get_proof(prepare_policy(Policy(c["contractAddress"], c["entrypoint"])))
              for c in calls]
    assert proofs == [[h(x) for x in p] for p in execution["call_proofs"]]
    detail = execution["transactions_detail"]
    for shape in (calls, _as_starknet_py_calls(calls)):
        invoke = account.sign_execute(shape, nonce=detail["nonce"], max_fee=h(detail["maxFee"]))
        extended = [(c.to_addr, c.selector, c.calldata) for c in invoke.calls]
        assert extended == [(h(c["contractAddress"]), get_selector_from_name(c["entrypoint"]),
                             [h(x) for x in c["calldata"]]) for c in execution["extended_calls"]]
        sent = execution["invoke"]
        assert invoke.sender_address == h(sent["contractAddress"]) and sent["entrypoint"] == "__execute__"
        assert [hex(v) for v in invoke.calldata] == sent["calldata"]
        assert [str(v) for v in invoke.calldata] == sent["calldata_raw"]
        assert [hex(v) for v in get_execute_calldata_cairo0(list(invoke.calls))] == execution["hashed_calldata"]
        assert list(invoke.calldata) == [*map(h, execution["hashed_calldata"]), detail["nonce"]]
        assert invoke.version == h(execution["transaction_version"]) == int(sent["details"]["version"])
        assert invoke.max_fee == h(sent["details"]["maxFee"])
        assert invoke.transaction_hash == h(execution["transaction_hash"])
        assert [hex(v) for v in invoke.signature] == sent["signature"]
        assert [str(v) for v in invoke.signature] == sent["signature_raw"]
        public = h(session["inputs"]["session_public_key"])
        assert verify_message_signature(invoke.transaction_hash, invoke.signature, public)


@pytest.mark.parametrize("session", SESSIONS, ids=SESSION_IDS)
def test_call_not_allowed_raises_policy_violation(session: dict[str, Any]) -> None:
    account = vector_session_account(session, chain_id=session["inputs"]["chain_id"])
    allowed = session["executions"][0]["calls"]
    target = session["inputs"]["policies"][0]["contractAddress"]
    forbidden = {"contractAddress": target, "entrypoint": "not_in_the_policies", "calldata": []}
    with pytest.raises(PolicyViolation) as info:
        account.sign_execute([*allowed, forbidden], nonce=1, max_fee=0)
    message = str(info.value)
    assert session["execute_not_allowed_error"] in message
    assert hex(h(target)) in message and hex(get_selector_from_name("not_in_the_policies")) in message
    assert f"calls[{len(allowed)}]" in message


@pytest.mark.parametrize("session", SESSIONS, ids=SESSION_IDS)
def test_root_mismatch_is_an_invalid_session(session: dict[str, Any]) -> None:
    tampered = copy.deepcopy(session["signed_session"])
    tampered["root"] = hex(h(tampered["root"]) ^ 1)
    with pytest.raises(SessionError, match=CONSTANTS["session_account_root_mismatch_error"]):
        SessionAccount(None, session["account_address_used"], h(session["inputs"]["session_private_key"]),
                       tampered, chain_id=1)
    dropped = copy.deepcopy(session["signed_session"])
    dropped["policies"] = dropped["policies"] + [{"contractAddress": "0x1", "selector": "extra"}]
    with pytest.raises(SessionError, match=CONSTANTS["session_account_root_mismatch_error"]):
        SessionAccount(None, session["account_address_used"], h(session["inputs"]["session_private_key"]),
                       dropped, chain_id=1)


# --------------------------------------------------------------------------- docs/protocol.md §8.5 worked example

ETH = "0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7"
DAPP = "0x0711c0c7a4e8e8a8d4e1e7f0c5a9e0a5d2c3b4a5968778695a4b3c2d1e0f1a2b"
ACCOUNT_8_5 = 0x4B1D6B8F1F2C36A5A5E1D09F8C3F3C1E4A2B6D7E8F9A0B1C2D3E4F5A6B7C8D9
SESSION_KEY_8_5 = 0x1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF1234567890ABCD
OWNER_KEY_8_5 = 0x3C1E2B5A9F8D7C6B5A4E3D2C1B0A9F8E7D6C5B4A39281706F5E4D3C2B1A0987
OWNER_SIG_8_5 = (532678862175173896537653232872215456250861327275103378927449497932068570354,
                 1179857242877949749884030396495150483671453480814397973450002344718811995295)


def test_protocol_8_5_worked_example() -> None:
    session_pub = private_to_stark_key(SESSION_KEY_8_5)
    assert session_pub == 0x4838C4ED86F1C9B4FE1AAC884AC79431B0243B79D9E24500EB0F6229F4FE72A
    request = RequestSession(key=f"0x{session_pub:064x}", expires=1800000000,
                             policies=(Policy(ETH, "transfer"), Policy(ETH, "approve"), Policy(DAPP, "play_move")))
    assert [prepare_policy(p) for p in request.policies] == [
        0x529435E5A840F1D4ACB2D993FB86FB5C7769C4ACF22EEB283D5790879CA1657,
        0x53481CCC7DA9798A5D5E6894A5B3091EE42FBE7E12E28E4743791E100E34435,
        0x1E9204D905A942297432BCD01D16D58DC5C930648F638031A87DFE5BB37518D,
    ]
    root = 0x6F18643AC2ADF20A8CFFE2B50D60182BFF9586D79A66CA35668521EC4A4C239
    assert create_merkle_tree_for_policies(request.policies).root == root
    chain = LegacyChainId.TESTNET
    assert compute_hash_on_elements([STARKNET_DOMAIN_TYPE_HASH, chain]) == \
        0x5C656DCB0302C39C5D2139C9E6DB3AC1C53EA6652B01D73FCFAFFB36A13E17
    assert compute_hash_on_elements([SESSION_TYPE_HASH, session_pub, 1800000000, root]) == \
        0x32D2EA42784C68D6EC5019AD5C6EDF6459603E13D853761BE675C60F228CAC5
    assert session_message_hash(request, chain, ACCOUNT_8_5) == \
        0x151EE24392DA430FEDE16425F4946F14A438808E31B5291683880198C2EE14C
    owner = Account(address=ACCOUNT_8_5, client=FullNodeClient(node_url="http://127.0.0.1:9"),
                    key_pair=KeyPair.from_private_key(OWNER_KEY_8_5), chain=chain)
    signed = create_session_sync(request, owner)
    assert signed.signature == tuple(str(v) for v in OWNER_SIG_8_5)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExpiredSessionWarning)  # 1800000000 is 2027-01-15
        account = SessionAccount(None, ACCOUNT_8_5, KeyPair.from_private_key(SESSION_KEY_8_5), signed, chain_id=chain)
    calls = [{"contractAddress": ETH, "entrypoint": "transfer", "calldata": ["0x123", "1000", "0"]},
             {"contractAddress": DAPP, "entrypoint": "play_move", "calldata": ["7"]}]
    v1 = account.sign_execute(calls, nonce=5, max_fee=1000000000000000)
    v0 = account.sign_execute(calls, nonce=5, max_fee=1000000000000000, transaction_version=0)
    assert v0.calls[0].calldata == v1.calls[0].calldata == [
        1407189652974946425277439824929044797768059796364746983760329420851145293211,
        2041676729976588338397566474096221660305515694489391480383596554164993255210, 1800000000,
        3140613892569436105344005992381470043626332880313128364548697433521627906617, 2,
        2354336136439733654711358063697448225477817319489410874693819802432630375477,
        1997331630095693169048369194232269473712723823920892184464752088538074322848, 0,
        526028799842386794930545460666527938625293680489932464713893946672365933032, *OWNER_SIG_8_5,
    ]
    assert v0.calldata == v1.calldata and v1.calldata[-1] == 5
    assert v0.transaction_hash == 0x46FFA45AF93C5EF343C9E35A776B168984555068A252D180DBE071F3D608718
    assert v1.transaction_hash == 0x36D6EC2ACBEAA235445DDFF121BB231E82FEFC9437689D2535919EAD00FD6D1
    assert verify_message_signature(v0.transaction_hash, v0.signature, session_pub)
    # v0 hashes the calldata as sent (with the nonce), under sel("__execute__") and without a nonce field.
    assert v0.transaction_hash == invoke_transaction_hash(ACCOUNT_8_5, v0.calldata[:-1], 5, 10**15, chain, 0)
    assert v0.to_rpc()["version"] == "0x0" and "nonce" not in v0.to_rpc()
    with pytest.raises(TransactionError, match="transaction_version"):
        account.sign_execute(calls, nonce=5, max_fee=0, transaction_version=2)


# --------------------------------------------------------------------------- bad input

GOOD = SESSIONS[1]["signed_session"]


def _mutated(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_DELETE = object()

BAD_SESSIONS = [
    (("key",), _DELETE, "'key'"),
    (("expires",), _DELETE, "'expires'"),
    (("policies",), _DELETE, "'policies'"),
    (("root",), _DELETE, "'root'"),
    (("signature",), _DELETE, "'signature'"),
    (("key",), "0xnot-hex", "key"),
    (("key",), "1234", "key"),
    (("key",), 1234, "key"),
    (("key",), "0x" + "f" * 64, "key"),
    (("expires",), "1661955336", "expires"),
    (("expires",), 1.5, "expires"),
    (("expires",), True, "expires"),
    (("expires",), -1, "expires"),
    (("policies",), {}, "policies"),
    (("policies",), [], "policies"),
    (("policies",), [{"contractAddress": "0x1", "selector": "a"}] * (MAX_POLICIES + 1), "at most"),
    (("policies", 0), "0x1", "policies[0]"),
    (("policies", 0, "contractAddress"), _DELETE, "policies[0]"),
    (("policies", 0, "selector"), _DELETE, "policies[0]"),
    (("policies", 1, "contractAddress"), "ETH", "policies[1].contractAddress"),
    (("policies", 1, "contractAddress"), 5, "policies[1].contractAddress"),
    (("policies", 0, "selector"), 7, "policies[0].selector"),
    (("root",), "root", "root"),
    (("root",), 12, "root"),
    (("signature",), "12,34", "signature"),
    (("signature",), ["12"], "signature"),
    (("signature",), [12, 34], "signature"),
    (("signature", 1), "12abc", "signature[1]"),
    # hostile sizes: rejected without converting the digits, messages stay short
    (("key",), "0x" + "1" * 10000, "key"),
    (("root",), "0x" + "0" * 10000 + "1" * 64, "root"),
    (("signature", 0), "9" * 5000, "signature[0]"),
    (("expires",), 10**5000, "expires"),
]


@pytest.mark.parametrize(("path", "value", "field"), BAD_SESSIONS,
                         ids=[f"{i}-{'.'.join(map(str, p))}" for i, (p, _, _) in enumerate(BAD_SESSIONS)])
def test_malformed_session_json_raises_session_error(path: tuple[Any, ...], value: Any, field: str) -> None:
    with pytest.raises(SessionError) as info:
        SignedSession.from_dict(_mutated(path, value))
    assert field in str(info.value) and len(str(info.value)) < 200


@pytest.mark.parametrize("data", [None, [], "session", 5])
def test_session_json_that_is_not_an_object(data: Any) -> None:
    with pytest.raises(SessionError, match="JSON object"):
        SignedSession.from_dict(data)


def test_expired_session_warns_and_fresh_session_does_not() -> None:
    session = SESSIONS[0]
    with pytest.warns(ExpiredSessionWarning, match=str(session["signed_session"]["expires"])):
        SessionAccount(None, session["account_address_used"], h(session["inputs"]["session_private_key"]),
                       session["signed_session"], chain_id=1)
    fresh = RequestSession(key=session["inputs"]["session_public_key"], expires=int(time.time()) + 3600,
                           policies=request_of(session).policies)
    signed = create_session_sync(fresh, owner_account(session))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ExpiredSessionWarning)
        SessionAccount(None, session["account_address_used"], h(session["inputs"]["session_private_key"]),
                       signed, chain_id=1)


def test_session_signer_checks_and_repr_hides_the_key() -> None:
    session = SESSIONS[0]
    key = h(session["inputs"]["session_private_key"])
    account = vector_session_account(session)
    assert account.session_public_key == h(session["inputs"]["session_public_key"])
    assert str(key) not in repr(account) and hex(key) not in repr(account)
    assert hex(key)[2:] not in repr(account)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(SessionError, match="session key"):
            SessionAccount(None, session["account_address_used"], key + 1, session["signed_session"])
        with pytest.raises(InvalidPrivateKey):
            SessionAccount(None, session["account_address_used"], "0x1", session["signed_session"])
    with pytest.raises(SessionError, match="chain_id"):
        account.sign_execute(session["executions"][0]["calls"], nonce=0, max_fee=0)
    with pytest.raises(TransactionError, match="at least one call"):
        account.sign_execute([], nonce=0, max_fee=0, chain_id=1)
    with pytest.raises(TransactionError, match="max_fee"):
        account.sign_execute(session["executions"][0]["calls"], nonce=0, max_fee=-1, chain_id=1)


def test_policy_constructor_accepts_ints_and_keeps_spelling() -> None:
    assert Policy(0xABC, "transfer").to_dict() == {"contractAddress": "0xabc", "selector": "transfer"}
    assert Policy("0x0ABC", "transfer").contract_address == "0x0ABC"
    assert prepare_policy(Policy("0x0ABC", "transfer")) == prepare_policy(Policy(0xABC, "transfer"))
    # a hex selector is used as the selector itself (starknet.js prepareSelector)
    selector = get_selector_from_name("transfer")
    assert prepare_policy(Policy(0xABC, hex(selector))) == prepare_policy(Policy(0xABC, "transfer"))
    with pytest.raises(SessionError, match="selector"):
        Policy(0xABC, "0x" + "f" * 64)


# --------------------------------------------------------------------------- README flow (kept runnable)

# The "Legacy plugin sessions" example of README.md, run as written against the loopback node.
README_SNIPPET = readme_block("legacy-flow")


async def test_readme_flow() -> None:
    session = SESSIONS[0]
    dapp = "0x" + "0d" * 31
    namespace: dict[str, Any] = {}
    exec(compile(README_SNIPPET, "README.md", "exec"), namespace)  # noqa: S102 - our own snippet
    with LoopbackServer(legacy_node(chain_id=hex(LegacyChainId.TESTNET), nonce=3, overall_fee="0x64",
                                    tx_hash="0xabc")) as node:
        tx_hash = await namespace["main"](node.url, session["account_address_used"],
                                          h(session["inputs"]["owner_private_key"]), dapp)
    assert tx_hash == 0xABC
    assert [c["method"] for c in node.rpc_calls()] == [
        "starknet_specVersion", "starknet_call", "starknet_chainId", "starknet_getNonce",
        "starknet_estimateFee", "starknet_addInvokeTransaction",
    ]
    sent = node.rpc_calls("starknet_addInvokeTransaction")[0]["params"]["invoke_transaction"]
    assert sent["max_fee"] == hex(100 * 150 // 100) and sent["nonce"] == "0x3" and sent["version"] == "0x1"
    calldata = [int(v, 16) for v in sent["calldata"]]
    session_pub = calldata[11]  # use_plugin calldata[1] after the 2 call headers + total length
    assert calldata[-1] == 3
    tx = invoke_transaction_hash(h(session["account_address_used"]), calldata[:-1], 3, 150, LegacyChainId.TESTNET)
    assert verify_message_signature(tx, [int(v, 16) for v in sent["signature"]], session_pub)

