"""Reading Argent accounts and session state through a loopback Starknet JSON-RPC node.

The node (:class:`loopback.AsyncLoopbackServer` with :func:`loopback.json_rpc`) models Argent 0.4.0
and 0.5.0 accounts from ``onchain.json``: each entry point exists only in the versions that have it,
takes exactly its arguments (or answers the CONTRACT_ERROR a real node gives) and returns the
Cairo Serde layouts of the published ABIs. starknet-py's ``FullNodeClient`` talks to it; the selectors and calldata it sends must
equal the vectors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import h, load_vectors
from loopback import AsyncLoopbackServer, Reply, RpcError, json_rpc
from starknet_py.constants import EXPECTED_RPC_VERSION
from starknet_py.net.full_node_client import FullNodeClient
from test_argent_cosigner import closed_port_url

from xsessions_core.errors import EntrypointNotFound, NodeUnavailable, NotAnArgentAccount, OnchainError, SessionError
from xsessions_core.onchain import (
    ARGENT_ACCOUNT_CLASS_HASHES,
    fetch_account_info,
    fetch_account_version,
    is_session_authorization_cached,
    is_session_revoked,
    revoke_session_call,
)
from xsessions_core.relayer import AccountInfo, AccountState
from xsessions_core.sessions.objects import Session
from xsessions_core.sessions.session import starknet_signer_guid
from xsessions_core.signers import (
    Eip191Signer,
    Secp256k1Signer,
    Secp256r1Signer,
    Signer,
    SignerKind,
    StarknetSigner,
)
from xsessions_core.transactions import get_execute_calldata
from xsessions_core.versions import AccountVersion

OC = load_vectors("onchain.json")
ENTRYPOINTS = {h(e["selector"]): e for e in OC["entrypoints"]}
CLASS = {v.value: k for k, v in ARGENT_ACCOUNT_CLASS_HASHES.items()}
PM_SESSION = Session.from_dict(load_vectors("paymaster.json")["sessions"][0]["session"])


@dataclass
class FakeAccount:
    """An Argent account as the node sees it."""

    version: str
    owner: int
    guardians: list[int] = field(default_factory=list)
    revoked: set[int] = field(default_factory=set)
    cached: set[tuple[int, ...]] = field(default_factory=set)  # 0.4.0: (session_hash,); 0.5.0: (hash, owner, guardian)
    class_hash: int | None = None
    owner_type: int = 0
    extra_owners: list[int] = field(default_factory=list)
    version_felts: list[int] | None = None
    entrypoint_not_found_code: int = 21
    #: 0.5.0 ``SignerInfo`` triples ``(signer_type, guid, stored_value)`` replacing the Starknet ones
    owner_infos: list[tuple[int, int, int]] | None = None
    guardian_infos: list[tuple[int, int, int]] | None = None

    def answer(self, name: str, args: list[int]) -> list[int]:
        owners = [self.owner, *self.extra_owners]
        guid = starknet_signer_guid
        g = self.guardians
        table: dict[str, Any] = {
            "get_version": lambda: self.version_felts or [0, int(self.version[2]), 0],
            "get_owner": lambda: [self.owner],
            "get_owner_type": lambda: [self.owner_type],
            "get_owner_guid": lambda: [guid(self.owner)],
            "get_owners_info": lambda: infos(self.owner_infos) if self.owner_infos is not None else [
                len(owners), *[v for o in owners for v in (self.owner_type, guid(o), o)]],
            "get_guardian": lambda: [g[0] if g else 0],
            "get_guardian_type": lambda: [0, 0] if g else [1],
            "get_guardian_backup": lambda: [g[1] if len(g) > 1 else 0],
            "get_guardians_info": lambda: infos(self.guardian_infos) if self.guardian_infos is not None else [
                len(g), *[v for k in g for v in (0, guid(k), k)]],
            "is_session_revoked": lambda: [int(args[0] in self.revoked)],
            "is_session_authorization_cached": lambda: [int(tuple(args) in self.cached)],
        }
        return table[name]()  # type: ignore[no-any-return]


def infos(triples: list[tuple[int, int, int]]) -> list[int]:
    """``Array<SignerInfo>`` as the view returns it."""
    return [len(triples), *[v for t in triples for v in t]]


def info_of(signer: Signer, stored: int | None = None) -> tuple[int, int, int]:
    """The ``SignerInfo`` of ``signer``: its type, GUID and stored value (its key or address)."""
    return (int(signer.kind), signer.guid, signer.to_felts()[1] if stored is None else stored)


def node(accounts: dict[int, FakeAccount]) -> dict[str, Any]:
    def class_hash_at(params: Any) -> str:
        account = accounts.get(h(params["contract_address"]))
        if account is None:
            raise RpcError(20, "Contract not found")
        return hex(account.class_hash or CLASS[account.version])

    def call(params: Any) -> list[str]:
        request = params["request"]
        account = accounts[h(request["contract_address"])]
        entry = ENTRYPOINTS.get(h(request["entry_point_selector"]))
        spec = entry["versions"][account.version] if entry else None
        if spec is None:
            if account.entrypoint_not_found_code == 21:
                raise RpcError(21, "Requested entrypoint does not exist in the contract")
            raise RpcError(40, "Contract error", {"revert_error": "Error in the called contract: ENTRYPOINT_NOT_FOUND"})
        args = [h(v) for v in request["calldata"]]
        if len(args) != len(spec["inputs"]):
            raise RpcError(40, "Contract error", {"revert_error": "Failed to deserialize param #1"})
        return [hex(v) for v in account.answer(entry["name"], args)]

    return json_rpc({"starknet_specVersion": lambda params: EXPECTED_RPC_VERSION,
                     "starknet_getClassHashAt": class_hash_at, "starknet_call": call})


def sent_calls(server: AsyncLoopbackServer) -> list[dict[str, Any]]:
    return [c["params"]["request"] for c in server.rpc_calls("starknet_call")]


def account_for(case: dict[str, Any], version: str, **kwargs: Any) -> FakeAccount:
    return FakeAccount(version, h(case["owner_public_key"]), [h(case["guardian_public_key"])], **kwargs)


# --------------------------------------------------------------------------- calldata and selectors

@pytest.mark.parametrize("version", ["0.4.0", "0.5.0"])
@pytest.mark.parametrize("case", OC["sessions"], ids=lambda c: c["session_hash"][:10])
async def test_session_views_send_the_vector_calldata(case: dict[str, Any], version: str) -> None:
    address = h(case["inputs"]["account_address"])
    session_hash = h(case["session_hash"])
    owner_guid, guardian_guid = h(case["owner_guid"]), h(case["guardian_guid"])
    cached = {(session_hash,)} if version == "0.4.0" else {(session_hash, owner_guid, guardian_guid)}
    fake = account_for(case, version, revoked={session_hash}, cached=cached)
    async with AsyncLoopbackServer(node({address: fake})) as server:
        client = FullNodeClient(node_url=server.url)
        assert await is_session_revoked(client, case["inputs"]["account_address"], session_hash) is True
        assert await is_session_revoked(client, address, session_hash + 1) is False
        assert await is_session_authorization_cached(client, address, session_hash, owner_guid, guardian_guid) is True
    calls = case["calls"]
    want = calls["is_session_authorization_cached_0_4_0" if version == "0.4.0" else
                 "is_session_authorization_cached_0_5_0"]
    revoked, _, _, cached_call = sent_calls(server)  # get_version is read before the cached view
    assert (revoked["entry_point_selector"], revoked["calldata"]) == (
        calls["is_session_revoked"]["selector"], calls["is_session_revoked"]["calldata"])
    assert (cached_call["entry_point_selector"], cached_call["calldata"]) == (want["selector"], want["calldata"])
    assert h(revoked["contract_address"]) == address


@pytest.mark.parametrize("case", OC["sessions"], ids=lambda c: c["session_hash"][:10])
def test_revoke_session_call(case: dict[str, Any]) -> None:
    want = case["calls"]["revoke_session"]
    call = revoke_session_call(case["inputs"]["account_address"], case["session_hash"])
    assert (hex(call.to_addr), hex(call.selector), [hex(v) for v in call.calldata]) == (
        hex(h(want["call"]["contractAddress"])), want["call"]["selector"], want["call"]["calldata"])
    assert [hex(v) for v in get_execute_calldata([call])] == want["execute_calldata"]


def test_view_selectors_equal_the_vectors() -> None:
    from xsessions_core.encoding import selector_from_name_cached

    for entry in OC["entrypoints"]:
        assert hex(selector_from_name_cached(entry["name"])) == entry["selector"]


# --------------------------------------------------------------------------- account info and state

@pytest.mark.parametrize("version", ["0.4.0", "0.5.0"])
@pytest.mark.parametrize("guardians", [0, 1, 2])
async def test_fetch_account_info(version: str, guardians: int) -> None:
    case = OC["sessions"][0]
    address = h(case["inputs"]["account_address"])
    keys = [h(case["guardian_public_key"]), 0x1234567][:guardians]
    fake = FakeAccount(version, h(case["owner_public_key"]), keys)
    async with AsyncLoopbackServer(node({address: fake})) as server:
        client = FullNodeClient(node_url=server.url)
        info = await fetch_account_info(client, address)
        assert await fetch_account_version(client, address) is AccountVersion(version)
    assert info == AccountInfo(address, version, h(case["owner_public_key"]), keys[0] if keys else None,
                               keys[1] if len(keys) > 1 else None)
    assert info.owner_guid == h(case["owner_guid"])
    names = {ENTRYPOINTS[h(c["entry_point_selector"])]["name"] for c in sent_calls(server)}
    assert ("get_owners_info" in names) == (version == "0.5.0") and ("get_guardian_backup" in names) == (
        version == "0.4.0")


@pytest.mark.parametrize("version", ["0.4.0", "0.5.0"])
async def test_account_state_from_chain(version: str) -> None:
    session = PM_SESSION
    owner, guardian = 0x2468ACE, 0x13579BD
    gguid = starknet_signer_guid(guardian)
    cached = {(session.hash,)} if version == "0.4.0" else {(session.hash, starknet_signer_guid(owner), gguid)}
    fake = FakeAccount(version, owner, [guardian], revoked={session.hash}, cached=cached)
    async with AsyncLoopbackServer(node({session.address: fake})) as server:
        client = FullNodeClient(node_url=server.url)
        state = await AccountState.from_chain(client, session.address, [session])
        fake.revoked.clear()
        fake.cached.clear()
        empty = await AccountState.from_chain(client, session.address, [session])
    assert state == AccountState(revoked_sessions={session.hash},
                                 session_cache={(starknet_signer_guid(owner), gguid, session.hash):
                                                len(session.authorization_signature)})
    assert empty == AccountState()


async def test_account_state_from_chain_asks_for_a_guardian_of_any_kind() -> None:
    """A 0.5.0 account whose guardian is a secp256k1 signer: the cached-authorisation view is asked
    with that signer's GUID, and the cached entry is keyed by it."""
    session = PM_SESSION
    owner, guardian = 0x2468ACE, Secp256k1Signer(0xABCDEF0123456789)
    owner_guid = starknet_signer_guid(owner)
    fake = FakeAccount("0.5.0", owner, [], cached={(session.hash, owner_guid, guardian.guid)})
    info = AccountInfo(session.address, "0.5.0", owner, guardian)
    async with AsyncLoopbackServer(node({session.address: fake})) as server:
        client = FullNodeClient(node_url=server.url)
        state = await AccountState.from_chain(client, session.address, [session], account=info)
    asked = [[h(v) for v in c["calldata"]] for c in sent_calls(server)
             if ENTRYPOINTS[h(c["entry_point_selector"])]["name"] == "is_session_authorization_cached"]
    assert asked == [[session.hash, owner_guid, guardian.guid]]
    assert state == AccountState(session_cache={(owner_guid, guardian.guid, session.hash):
                                                len(session.authorization_signature)})


async def test_fetch_account_info_reads_signers_of_other_kinds() -> None:
    """0.5.0 stores a Secp256k1 or Eip191 signer's address: the AccountInfo has those signers."""
    owner, guardian, backup = Secp256k1Signer(0xABCDEF), Eip191Signer(0x123456789), StarknetSigner(0x13579BD)
    fake = FakeAccount("0.5.0", 1, owner_infos=[info_of(owner)], guardian_infos=[info_of(guardian), info_of(backup)])
    async with AsyncLoopbackServer(node({ADDRESS: fake})) as server:
        info = await fetch_account_info(FullNodeClient(node_url=server.url), ADDRESS)
    assert info == AccountInfo(ADDRESS, "0.5.0", owner, guardian, backup)
    assert info.guardian_signers == (guardian, backup) and info.owner_public_key is None


@pytest.mark.parametrize("fake, error", [
    (FakeAccount("0.5.0", 1, guardian_infos=[info_of(Secp256r1Signer(0x77), stored=5)]), OnchainError),
    (FakeAccount("0.5.0", 1, owner_infos=[info_of(Secp256k1Signer(0xABCDEF), stored=0xABCDE0)]), NotAnArgentAccount),
    (FakeAccount("0.5.0", 1, owner_infos=[(int(SignerKind.Secp256k1), 7, 2**160)]), NotAnArgentAccount),
], ids=["secp256r1-stored-as-guid", "guid-of-another-signer", "not-an-address"])
async def test_fetch_account_info_refuses_signers_it_cannot_rebuild(fake: FakeAccount, error: type[Exception]) -> None:
    async with AsyncLoopbackServer(node({ADDRESS: fake})) as server:
        with pytest.raises(error):
            await fetch_account_info(FullNodeClient(node_url=server.url), ADDRESS)


# --------------------------------------------------------------------------- typed errors, never a wrong AccountInfo

CASE = OC["sessions"][0]
ADDRESS = h(CASE["inputs"]["account_address"])


@pytest.mark.parametrize("fake, error", [
    (account_for(CASE, "0.4.0", class_hash=0x29927C8AF6BCCF3F6FDA035981E765A7BDBF18A2DC0D630494F8758AA908E2B),
     NotAnArgentAccount),  # Argent 0.3.1: no sessions
    (account_for(CASE, "0.4.0", class_hash=0x1234), NotAnArgentAccount),  # another contract
    (account_for(CASE, "0.4.0", version_felts=[0, 5, 0]), NotAnArgentAccount),  # class and get_version disagree
    (account_for(CASE, "0.4.0", version_felts=[0, 4]), NotAnArgentAccount),  # malformed Version
    (account_for(CASE, "0.4.0", owner_type=4), OnchainError),  # a WebAuthn owner: no Starknet key to report
    (account_for(CASE, "0.5.0", extra_owners=[0x777]), OnchainError),  # two owners
    (FakeAccount("0.5.0", 0x1, [0x2, 0x3, 0x4]), OnchainError),  # three guardians
], ids=["argent-0.3.1", "unknown-class", "version-mismatch", "bad-version", "webauthn-owner", "two-owners",
        "three-guardians"])
async def test_unusable_accounts_are_typed_errors(fake: FakeAccount, error: type[Exception]) -> None:
    async with AsyncLoopbackServer(node({ADDRESS: fake})) as server:
        with pytest.raises(error):
            await fetch_account_info(FullNodeClient(node_url=server.url), ADDRESS)


async def test_no_contract_and_unknown_selector() -> None:
    fake = account_for(CASE, "0.4.0")
    async with AsyncLoopbackServer(node({ADDRESS: fake})) as server:
        client = FullNodeClient(node_url=server.url)
        with pytest.raises(NotAnArgentAccount, match="no contract"):
            await fetch_account_info(client, ADDRESS + 1)
        with pytest.raises(EntrypointNotFound) as err:  # a 0.5.0-only view on a 0.4.0 account
            await _raw_view(client, "get_owners_info", [])
        assert err.value.code == 21
        with pytest.raises(OnchainError, match="deserialize"):  # the 0.5.0 arity on a 0.4.0 account
            await is_session_authorization_cached(client, ADDRESS, 1, 2, 3, account_version="0.5.0")
        fake.entrypoint_not_found_code = 40  # a node that reports it as CONTRACT_ERROR
        fake.class_hash = CLASS["0.5.0"]
        fake.version = "0.4.0"
        with pytest.raises(NotAnArgentAccount):
            await fetch_account_info(client, ADDRESS)
        with pytest.raises(EntrypointNotFound) as err:
            await _raw_view(client, "get_owners_info", [])
        assert err.value.code == 40


async def _raw_view(client: FullNodeClient, name: str, args: list[int]) -> Any:
    """A view call of ``name`` on the test account, with the module's error translation."""
    from starknet_py.net.client_models import Call

    from xsessions_core.encoding import selector_from_name_cached
    from xsessions_core.onchain import _guard

    call = Call(to_addr=ADDRESS, selector=selector_from_name_cached(name), calldata=args)
    return await _guard(name, client.call_contract(call, block_number="latest"))


@pytest.mark.parametrize("answer", [
    Reply(500, b"internal error"), Reply(200, b"not json"), Reply(200, {"jsonrpc": "2.0", "id": 0}),
    Reply(200, {"jsonrpc": "2.0", "id": 0, "result": ["0xzz"]}),
], ids=["http-500", "not-json", "no-result", "bad-felt"])
async def test_broken_node_is_node_unavailable(answer: Reply) -> None:
    def handle(body: Any) -> Any:
        if body and body.get("method") == "starknet_specVersion":
            return {"jsonrpc": "2.0", "id": 0, "result": EXPECTED_RPC_VERSION}
        return answer

    async with AsyncLoopbackServer({"/": handle}) as server:
        with pytest.raises(NodeUnavailable):
            await is_session_revoked(FullNodeClient(node_url=server.url), ADDRESS, 1)


async def test_node_down_and_bad_results() -> None:
    with pytest.raises(NodeUnavailable):
        await fetch_account_info(FullNodeClient(node_url=closed_port_url()), ADDRESS)
    fake = account_for(CASE, "0.4.0")
    fake.answer = lambda name, args: [2]  # type: ignore[method-assign]
    async with AsyncLoopbackServer(node({ADDRESS: fake})) as server:
        with pytest.raises(NotAnArgentAccount, match="not a bool"):
            await is_session_revoked(FullNodeClient(node_url=server.url), ADDRESS, 1)


async def test_bad_input() -> None:
    client = FullNodeClient(node_url=closed_port_url())
    with pytest.raises(SessionError):
        await is_session_revoked(client, "not an address", 1)
    with pytest.raises(SessionError):
        revoke_session_call(ADDRESS, -1)
    with pytest.raises(ValueError):
        await is_session_authorization_cached(client, ADDRESS, 1, 2, 3, account_version="0.6")
    with pytest.raises(SessionError):
        await AccountState.from_chain(client, ADDRESS, ["session"],
                                      account=AccountInfo(ADDRESS, "0.4.0", 0x1234, 0x5678))
    with pytest.raises(SessionError):
        await AccountState.from_chain(client, ADDRESS, [], account=AccountInfo(ADDRESS + 1, "0.4.0", 0x1234))
