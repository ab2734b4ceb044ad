"""``transactions.InvokeV3``: the signed transaction value, its node JSON and its hash."""

from __future__ import annotations

import copy
import dataclasses
import warnings
from typing import Any

import pytest
from conftest import h, load_vectors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starknet_py.net.client_models import DAMode, ResourceBounds, ResourceBoundsMapping
from starknet_py.net.client_utils import _create_broadcasted_txn
from starknet_py.net.models.chains import StarknetChainId
from starknet_py.net.models.transaction import InvokeV3 as SnInvokeV3
from test_relayer_verdicts import CASES, account_of, state_of

from xsessions_core import transactions
from xsessions_core.chains import SN_SEPOLIA
from xsessions_core.crypto import FIELD_PRIME, unchecked
from xsessions_core.encoding import felt_from
from xsessions_core.relayer.verify import NodeRules, RejectedInput, parse_invoke_v3
from xsessions_core.errors import PolicyViolation, TransactionError
from xsessions_core.relayer import verify_session_transaction, verify_session_transactions_batch
from xsessions_core.sessions import LocalGuardian, Session, SessionContext, SigningOptions, sign_session_transaction
from xsessions_core.transactions import (
    QUERY_VERSION_3,
    STRICT_RPC,
    InvokeV3,
    RpcReader,
    calculate_invoke_v3_hash,
    get_execute_calldata,
)

GUARDIAN_KEY = h(load_vectors("contract_verdicts.json")["guardian_private_key"])
BOUNDS = {"l1_gas": {"max_amount": "0x100", "max_price_per_unit": "0x10"},
          "l2_gas": {"max_amount": "0x1000000", "max_price_per_unit": "0x3b9aca00"},
          "l1_data_gas": {"max_amount": "0x40", "max_price_per_unit": "0x20"}}


def _case(version: str) -> dict[str, Any]:
    return next(c for c in CASES if c["kind"] == "valid_calls_2" and c["account"]["class_version"] == version)


def _calls(case: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"contractAddress": c["to"], "entrypoint": c["entrypoint"], "calldata": c["calldata"]}
            for c in case["calls"]]


def _sn_bounds(tx: InvokeV3) -> ResourceBoundsMapping:
    rb = tx.resource_bounds
    return ResourceBoundsMapping(
        l1_gas=ResourceBounds(rb.l1_gas.max_amount, rb.l1_gas.max_price_per_unit),
        l2_gas=ResourceBounds(rb.l2_gas.max_amount, rb.l2_gas.max_price_per_unit),
        l1_data_gas=ResourceBounds(rb.l1_data_gas.max_amount, rb.l1_data_gas.max_price_per_unit))


def _starknet_py(tx: InvokeV3) -> SnInvokeV3:
    sn = SnInvokeV3(version=tx.version, signature=list(tx.signature), nonce=tx.nonce, resource_bounds=_sn_bounds(tx),
                    calldata=list(tx.calldata), sender_address=tx.sender_address, tip=tx.tip,
                    account_deployment_data=list(tx.account_deployment_data), proof_facts=list(tx.proof_facts) or None)
    # starknet-py's constructor fixes these three (no paymaster, L1 modes); its serialiser writes any value
    object.__setattr__(sn, "paymaster_data", list(tx.paymaster_data))
    object.__setattr__(sn, "nonce_data_availability_mode", DAMode(tx.nonce_da_mode))
    object.__setattr__(sn, "fee_data_availability_mode", DAMode(tx.fee_da_mode))
    return sn


felt = st.integers(0, FIELD_PRIME - 1)
felts = st.lists(felt, max_size=4)
u64, u128 = st.integers(0, 2**64 - 1), st.integers(0, 2**128 - 1)
invokes = st.builds(
    InvokeV3,
    sender_address=felt, calldata=felts, nonce=felt,
    resource_bounds=st.fixed_dictionaries({k: st.fixed_dictionaries({"max_amount": u64, "max_price_per_unit": u128})
                                           for k in ("l1_gas", "l2_gas", "l1_data_gas")}),
    signature=felts, tip=u64, paymaster_data=felts, account_deployment_data=felts,
    nonce_da_mode=st.sampled_from([0, 1, "L1", "L2"]), fee_da_mode=st.sampled_from([0, 1, "L1", "L2"]),
    version=st.sampled_from([3, QUERY_VERSION_3, "0x3"]), proof_facts=felts,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(invokes)
def test_rpc_round_trip_and_starknet_py_serialisation(tx: InvokeV3) -> None:
    rpc = tx.to_rpc()
    assert InvokeV3.from_rpc(rpc) == tx
    assert rpc == _create_broadcasted_txn(_starknet_py(tx))  # the exact JSON starknet-py sends
    assert all(isinstance(v, str) and v.startswith("0x") for v in (rpc["nonce"], rpc["tip"], *rpc["calldata"]))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(invokes)
def test_hash_is_the_invoke_v3_hash_on_any_chain_spelling(tx: InvokeV3) -> None:
    want = calculate_invoke_v3_hash(
        sender_address=tx.sender_address, calldata=tx.calldata, chain_id=SN_SEPOLIA, nonce=tx.nonce,
        resource_bounds=tx.resource_bounds, tip=tx.tip, paymaster_data=tx.paymaster_data,
        account_deployment_data=tx.account_deployment_data, nonce_da_mode=tx.nonce_da_mode,
        fee_da_mode=tx.fee_da_mode, version=tx.version, proof_facts=tx.proof_facts)
    for chain in (SN_SEPOLIA, hex(SN_SEPOLIA), "SN_SEPOLIA", StarknetChainId.SEPOLIA):
        assert tx.hash(chain) == want
        assert calculate_invoke_v3_hash(sender_address=tx.sender_address, calldata=tx.calldata, chain_id=chain,
                                        nonce=tx.nonce, resource_bounds=tx.resource_bounds, tip=tx.tip,
                                        paymaster_data=tx.paymaster_data,
                                        account_deployment_data=tx.account_deployment_data,
                                        nonce_da_mode=tx.nonce_da_mode, fee_da_mode=tx.fee_da_mode,
                                        version=tx.version, proof_facts=tx.proof_facts) == want
    assert tx.with_signature([1, 2]).hash(SN_SEPOLIA) == want  # the signature is not hashed


@pytest.mark.parametrize("version", ["0.4.0", "0.5.0"])
def test_signer_output_is_accepted_by_the_verifier(version: str) -> None:
    case = _case(version)
    session = Session.from_dict(case["session"])
    ctx, guardian = SessionContext(session, options=SigningOptions(account_version=version)), LocalGuardian(GUARDIAN_KEY)
    txs: list[dict[str, Any]] = [{"calls": _calls(case), "nonce": i, "resource_bounds": BOUNDS, "tip": i % 2}
                                 for i in range(3)]
    now = case["block"]["timestamp"]
    signed = ctx.sign_invoke_transactions(txs, guardian=guardian, now=now)
    assert [tx.signature for tx in signed] == [tuple(s) for s in ctx.sign_invoke_many(txs, guardian=guardian, now=now)]
    chain = h(case["chain_id"])
    assert [tx.hash(chain) for tx in signed] == [
        th for th, _ in ctx.sign_invoke_many_with_hashes(txs, guardian=guardian, now=now)]
    assert all(tx.hash() == tx.hash(chain) for tx in signed)  # bound to the session's chain
    common: dict[str, Any] = dict(account=account_of(case), chain_id=chain, block_timestamp=now, state=state_of(case))
    for tx in signed:
        rpc = tx.to_rpc()
        assert InvokeV3.from_rpc(rpc) == dataclasses.replace(tx, chain_id=None)
        assert verify_session_transaction(rpc, **common).valid
        assert verify_session_transaction(tx, **common).valid  # the value itself, as the signer returned it
        tampered = copy.deepcopy(rpc)
        tampered["nonce"] = hex(tx.nonce + 100)
        assert not verify_session_transaction(tampered, **common).valid
    batch = verify_session_transactions_batch(signed, **common)
    assert [v.valid for v in batch] == [True] * len(signed)
    assert not verify_session_transaction(dataclasses.replace(signed[0], nonce=signed[0].nonce + 1), **common).valid
    # unsigned values in, signed values out: the same transactions
    unsigned = [InvokeV3(session.address, get_execute_calldata(t["calls"]), t["nonce"], BOUNDS, tip=t["tip"])
                for t in txs]
    assert ctx.sign_invoke_transactions(unsigned, guardian=guardian, now=now) == signed
    unbound = [dataclasses.replace(tx, chain_id=None) for tx in signed]
    assert ctx.sign_invoke_values(unsigned, guardian, now=now) == unbound  # the values keep their (no) chain
    from xsessions_core.relayer import SessionSigner

    with pytest.warns(DeprecationWarning):  # the former door gives the same transactions, unbound
        former = SessionSigner(session, None, guardian, account_version=version).sign_invoke_transactions(txs, now=now)
    assert former == unbound


def test_context_sign_invoke_matches_sign_invoke_v3() -> None:
    case = _case("0.4.0")
    ctx = SessionContext(Session.from_dict(case["session"]))
    guardian = LocalGuardian(GUARDIAN_KEY)
    now = case["block"]["timestamp"]
    tx = ctx.sign_invoke(_calls(case), nonce=5, resource_bounds=BOUNDS, guardian=guardian, tip=1, now=now)
    tx_hash, signature = ctx.sign_invoke_v3(_calls(case), nonce=5, resource_bounds=BOUNDS, guardian=guardian, tip=1,
                                            now=now)
    assert tx.signature == tuple(signature) and tx.hash(ctx.session.chain_id) == tx_hash
    details = InvokeV3(tx.sender_address, tx.calldata, tx.nonce, tx.resource_bounds, tip=tx.tip,
                       chain_id=ctx.session.chain_id)
    assert details.transaction_hash == tx_hash
    with pytest.raises(PolicyViolation):
        ctx.sign_invoke([{"contractAddress": "0x1", "entrypoint": "nope", "calldata": []}], nonce=5,
                        resource_bounds=BOUNDS, guardian=guardian, now=now)


def _rpc() -> dict[str, Any]:
    return InvokeV3(0x123, [1, 0x456, 0x789, 0], 1, BOUNDS, signature=[1, 2]).to_rpc()


@pytest.mark.parametrize("change,field", [
    ({"type": "DECLARE"}, "type"),
    ({"transaction_hash": "0x1"}, "unknown keys"),
    ({"nonce": None}, "nonce"),
    ({"nonce": hex(FIELD_PRIME)}, "nonce"),
    ({"tip": hex(2**64)}, "tip"),
    ({"version": "0x1"}, "version"),
    ({"nonce_data_availability_mode": "L3"}, "nonce_data_availability_mode"),
    ({"calldata": "0x1"}, "calldata"),
    ({"signature": ["0xzz"]}, r"signature\[0\]"),
    ({"resource_bounds": {"l1_gas": {"max_amount": "0x1"}}}, "resource_bounds"),
])
def test_from_rpc_rejects_bad_input_with_typed_errors(change: dict[str, Any], field: str) -> None:
    with pytest.raises(TransactionError, match=field):
        InvokeV3.from_rpc({**_rpc(), **change})


def test_from_rpc_missing_keys_and_non_mappings() -> None:
    rpc = _rpc()
    del rpc["signature"]
    with pytest.raises(TransactionError, match="missing.*signature"):
        InvokeV3.from_rpc(rpc)
    with pytest.raises(TransactionError, match="mapping"):
        InvokeV3.from_rpc([("nonce", 1)])  # type: ignore[arg-type]
    minimal = {k: v for k, v in _rpc().items() if k in ("sender_address", "calldata", "version", "signature", "nonce",
                                                         "resource_bounds")}
    assert InvokeV3.from_rpc(minimal) == InvokeV3.from_rpc(_rpc())  # the optional fields default as in the spec


def test_signing_values_of_another_account_is_refused() -> None:
    case = _case("0.4.0")
    session = Session.from_dict(case["session"])
    other = InvokeV3(session.address + 1, get_execute_calldata(_calls(case)), 1, BOUNDS)
    with pytest.raises(TransactionError, match="sender_address"):
        SessionContext(session).sign_invoke_transactions([other], guardian=LocalGuardian(GUARDIAN_KEY),
                                                         now=case["block"]["timestamp"])
    with pytest.raises(TransactionError, match="InvokeV3"):
        SessionContext(session).sign_invoke_values(
            [{"nonce": 1}], LocalGuardian(GUARDIAN_KEY), now=case["block"]["timestamp"])  # type: ignore[list-item]


async def test_sign_session_transaction_takes_the_value() -> None:
    case = _case("0.4.0")
    session = Session.from_dict(case["session"])
    now = case["block"]["timestamp"]
    tx = InvokeV3(session.address, get_execute_calldata(_calls(case)), 3, BOUNDS)
    tx_hash = tx.hash(session.chain_id)
    guardian = LocalGuardian(GUARDIAN_KEY)
    with_value = await sign_session_transaction(session, None, tx_hash, _calls(case), guardian, transaction=tx, now=now)
    bound = tx.on_chain(session.chain_id)
    assert bound.transaction_hash == tx_hash and bound.sender_address_hex == hex(session.address)
    assert with_value == await sign_session_transaction(session, None, tx_hash, _calls(case), guardian,
                                                        transaction=bound, now=now)
    assert with_value == list(SessionContext(session).sign_invoke_values([tx], guardian, now=now)[0].signature)
    with pytest.raises(TransactionError, match="chain_id"):
        tx.on_chain("0xzz")
    with pytest.raises(TransactionError, match="hash"):
        await sign_session_transaction(session, None, tx_hash + 1, _calls(case), guardian, transaction=tx, now=now)


# --------------------------------------------------------------------------- one value: chain binding, batches

def test_a_bound_transaction_hashes_without_a_chain_argument() -> None:
    tx = InvokeV3(0x123, [1, 0x456, 0x789, 0], 7, BOUNDS, tip=5)
    with pytest.raises(TransactionError, match="chain_id"):
        tx.hash()
    bound = tx.on_chain(SN_SEPOLIA)
    assert bound == InvokeV3(0x123, [1, 0x456, 0x789, 0], 7, BOUNDS, tip=5, chain_id="SN_SEPOLIA")
    assert bound != tx and bound.chain_id == SN_SEPOLIA and tx.chain_id is None
    want = calculate_invoke_v3_hash(sender_address=0x123, calldata=[1, 0x456, 0x789, 0], chain_id=SN_SEPOLIA,
                                    nonce=7, resource_bounds=BOUNDS, tip=5)
    assert bound.transaction_hash == bound.hash() == tx.hash(SN_SEPOLIA) == want
    assert bound.with_signature([1, 2]).transaction_hash == want  # the signature is not hashed
    assert bound.to_rpc() == tx.to_rpc()  # the chain is not part of the node JSON
    assert InvokeV3("0x0123", [], 1, BOUNDS).sender_address_hex == "0x0123"
    assert InvokeV3(0x123, [], 1, BOUNDS).sender_address_hex == "0x123"


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(invokes, min_size=1, max_size=3))
def test_hash_many_and_hash_row_agree_with_hash(backend: str, txs: list[InvokeV3]) -> None:
    assert InvokeV3.hash_many(txs, SN_SEPOLIA) == [tx.hash(SN_SEPOLIA) for tx in txs]
    assert InvokeV3.hash_many([tx.on_chain(SN_SEPOLIA) for tx in txs]) == [tx.hash(SN_SEPOLIA) for tx in txs]
    rows = [tx.hash_row(SN_SEPOLIA) for tx in txs]
    assert unchecked.invoke_v3_hash_batch(rows) == [tx.hash(SN_SEPOLIA) for tx in txs]
    assert InvokeV3.hash_many([], SN_SEPOLIA) == []


@pytest.mark.parametrize("name", ["InvokeV3Transaction", "InvokeV3Fields", "invoke_v3_fields",
                                  "invoke_v3_hashes_unchecked", "invoke_v3_hash_input"])
def test_the_former_names_still_work_and_warn(name: str) -> None:
    with pytest.warns(DeprecationWarning, match=f"transactions.{name} is deprecated"):
        getattr(transactions, name)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        transactions.nope  # noqa: B018


def test_the_former_chain_bound_class_equals_the_bound_value() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old_class = transactions.InvokeV3Transaction
        fields = transactions.invoke_v3_fields(0x123, [1], SN_SEPOLIA, 2, BOUNDS, 0, (), (), 0, 0, 3, None)
        hashes = transactions.invoke_v3_hashes_unchecked([fields])
    old = old_class("0x123", [1], SN_SEPOLIA, 2, BOUNDS)
    new = InvokeV3(0x123, [1], 2, BOUNDS).on_chain(SN_SEPOLIA, "0x123")
    assert old.transaction_hash == new.transaction_hash == hashes[0]
    assert old.fields == new.hash_fields() and list(old.fields[1]) == list(fields[1])
    assert old.sender_address_hex == new.sender_address_hex == "0x123"
    assert isinstance(old, InvokeV3) and old_class.from_invoke(new, SN_SEPOLIA).transaction_hash == hashes[0]
    with pytest.raises(TransactionError, match="InvokeV3"):
        old_class.from_invoke(new.to_rpc(), SN_SEPOLIA)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- reading with a verifier's reader

def _node_felt(value: object, name: str) -> int:
    return felt_from(value, name, TransactionError, network=True)


def _node_felts(values: object, name: str) -> list[int]:
    if not isinstance(values, (list, tuple)):
        raise TransactionError(f"{name} must be a list of felts")
    if len(values) > 4:
        raise TransactionError(f"{name} length exceeded maximum")
    return [_node_felt(v, f"{name}[{i}]") for i, v in enumerate(values)]


NODE = RpcReader(_node_felt, _node_felts, unknown_keys=True, node_version_and_tip=True)


def _all_node_felts(values: object, name: str) -> list[int]:
    assert isinstance(values, (list, tuple))
    return [_node_felt(v, f"{name}[{i}]") for i, v in enumerate(values)]


def test_the_deprecated_hash_input_name_is_the_hash_row() -> None:
    from xsessions_core.crypto import backend

    with pytest.warns(DeprecationWarning, match="InvokeV3HashInput is deprecated; use InvokeV3HashRow"):
        assert backend.InvokeV3HashInput is backend.InvokeV3HashRow
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        backend.nope  # noqa: B018


def test_the_verifier_data_is_the_invoke_v3_value() -> None:
    assert type(parse_invoke_v3(_rpc())) is InvokeV3
    with pytest.warns(DeprecationWarning, match="InvokeV3Data is deprecated"):
        from xsessions_core.relayer.verify import InvokeV3Data
    assert InvokeV3Data is InvokeV3


@pytest.mark.parametrize("case", [c for c in CASES if isinstance(c.get("transaction"), dict)][:6],
                         ids=lambda c: str(c.get("kind")))
def test_a_node_reader_gives_what_the_verifier_parses(case: dict[str, Any]) -> None:
    raw = case["transaction"]
    data = parse_invoke_v3(raw, NodeRules())
    value = InvokeV3.from_rpc(raw, reader=RpcReader(_node_felt, _all_node_felts, unknown_keys=True,
                                                    node_version_and_tip=True))
    assert {f.name: getattr(value, f.name) for f in dataclasses.fields(InvokeV3)} == dataclasses.asdict(data) | {
        "resource_bounds": data.resource_bounds}


def test_a_node_reader_keeps_the_node_version_and_tip_and_hashing_checks_them() -> None:
    rpc = {**_rpc(), "version": "0x2", "tip": hex(2**64), "transaction_hash": "0x1"}
    tx = InvokeV3.from_rpc(rpc, reader=NODE)
    assert (tx.version, tx.tip) == (2, 2**64)
    with pytest.raises(TransactionError, match="version"):
        tx.hash(SN_SEPOLIA)
    with pytest.raises(TransactionError, match="tip"):
        InvokeV3.from_rpc({**rpc, "version": "0x3"}, reader=NODE).hash(SN_SEPOLIA)
    with pytest.raises(TransactionError, match="tip"):
        InvokeV3.from_rpc({**rpc, "version": "0x3", "transaction_hash": None},
                          reader=dataclasses.replace(NODE, unknown_keys=True, node_version_and_tip=False))
    with pytest.raises(TransactionError, match="unknown keys"):
        InvokeV3.from_rpc(rpc, reader=dataclasses.replace(NODE, unknown_keys=False))


def test_a_node_reader_rejects_what_the_node_rejects() -> None:
    with pytest.raises(TransactionError, match="calldata length"):
        InvokeV3.from_rpc({**_rpc(), "calldata": ["0x1"] * 5}, reader=NODE)
    with pytest.raises(TransactionError, match="nonce"):
        InvokeV3.from_rpc({**_rpc(), "nonce": "0x01"}, reader=NODE)  # leading zero: not the node's spelling
    assert InvokeV3.from_rpc({**_rpc(), "nonce": "0x01"}, reader=STRICT_RPC).nonce == 1
    assert InvokeV3.from_rpc(_rpc(), reader=NODE) == InvokeV3.from_rpc(_rpc())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(invokes)
def test_the_verifier_reads_an_invoke_v3_value_and_its_json_alike(tx: InvokeV3) -> None:
    """Every field, the DA modes included, survives the verifier's parser, from the value itself and
    from its RPC JSON, so both hash as the value does."""
    assert parse_invoke_v3(tx) == tx
    assert parse_invoke_v3(tx.to_rpc()) == tx
    assert parse_invoke_v3(tx).hash(SN_SEPOLIA) == tx.hash(SN_SEPOLIA)
