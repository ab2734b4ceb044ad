"""transactions.py against ../shared/vectors/transactions.json and docs/protocol.md §6.10 / §8.4."""

from __future__ import annotations

import pytest
from conftest import h, load_vectors
from starknet_py.net.client_models import Call, DAMode, ResourceBounds as SpyBound, ResourceBoundsMapping

from xsessions_core.crypto import get_selector_from_name
from xsessions_core.errors import TransactionError
from xsessions_core.transactions import (
    QUERY_VERSION_OFFSET,
    ResourceBound,
    ResourceBounds,
    compile_calldata,
    calculate_invoke_v3_hash,
    get_execute_calldata,
    get_execute_calldata_cairo0,
    normalize_calls,
    parse_execute_calldata,
    parse_resource_bounds,
)

V = load_vectors("transactions.json")
EXEC = V["execute_calldata"]
HASHES = V["invoke_v3_hash"]


def _hash_args(args: dict) -> dict:
    return dict(
        sender_address=args["senderAddress"],
        calldata=[h(x) for x in args["compiledCalldata"]],
        chain_id=args["chainId"],
        nonce=args["nonce"],
        resource_bounds=args["resourceBounds"],
        tip=args["tip"],
        paymaster_data=[h(x) for x in args["paymasterData"]],
        account_deployment_data=[h(x) for x in args["accountDeploymentData"]],
        nonce_da_mode=args["nonceDataAvailabilityMode"],
        fee_da_mode=args["feeDataAvailabilityMode"],
        version=args["version"],
        proof_facts=[h(x) for x in args["proofFacts"]] if "proofFacts" in args else None,
    )


# --------------------------------------------------------------------------- execute calldata

@pytest.mark.parametrize("case", EXEC, ids=lambda c: f"{len(c['calls'])}calls")
def test_execute_calldata_cairo1(case: dict) -> None:
    if "cairo1_error" in case:
        with pytest.raises(TransactionError):
            get_execute_calldata(case["calls"])
    else:
        assert get_execute_calldata(case["calls"]) == [h(x) for x in case["cairo1"]]
        assert [str(x) for x in get_execute_calldata(case["calls"])] == case["cairo1_raw"]


@pytest.mark.parametrize("case", EXEC, ids=lambda c: f"{len(c['calls'])}calls")
def test_execute_calldata_cairo0(case: dict) -> None:
    assert get_execute_calldata_cairo0(case["calls"]) == [h(x) for x in case["cairo0"]]


def test_vectors_have_an_error_case() -> None:
    assert any("cairo1_error" in c for c in EXEC)


@pytest.mark.parametrize("case", [c for c in EXEC if "cairo1" in c], ids=lambda c: f"{len(c['calls'])}calls")
def test_parse_execute_calldata_round_trip(case: dict) -> None:
    calldata = [h(x) for x in case["cairo1"]]
    calls = parse_execute_calldata(calldata)
    assert calls == normalize_calls(case["calls"])
    assert get_execute_calldata(calls) == calldata


def test_starknet_py_calls_equal_js_calls() -> None:
    case = next(c for c in EXEC if len(c["calls"]) >= 2 and "cairo1" in c)
    spy = [
        Call(to_addr=h(c["contractAddress"]), selector=get_selector_from_name(c["entrypoint"]),
             calldata=[h(x) for x in c["calldata"]])
        for c in case["calls"]
    ]
    assert get_execute_calldata(spy) == [h(x) for x in case["cairo1"]]
    assert get_execute_calldata(spy[0]) == get_execute_calldata([case["calls"][0]])


def test_compile_calldata_rules() -> None:
    long = "a string longer than thirty-one characters!"
    out = compile_calldata([True, 5, "0x1F", "12", "hello", [1, "0x2"], {"a": 3, "b": "x"}, long])
    assert out[:10] == [1, 5, 31, 12, int.from_bytes(b"hello", "big"), 2, 1, 2, 3, ord("x")]
    # ByteArray: one full 31-byte word, then the pending word
    tail = out[10:]
    assert tail == [1, int.from_bytes(long[:31].encode(), "big"), int.from_bytes(long[31:].encode(), "big"),
                    len(long) - 31]


@pytest.mark.parametrize(
    "calls",
    [
        [{"contractAddress": "0x1", "entrypoint": "f", "calldata": ["héllo"]}],
        [{"contractAddress": "0x1", "entrypoint": "f", "calldata": [-1]}],
        [{"contractAddress": "0x1", "entrypoint": "f", "calldata": [2**251 + 17 * 2**192 + 1]}],
        [{"contractAddress": "0x1", "entrypoint": "f", "calldata": [1.5]}],
        [{"contractAddress": "zz", "entrypoint": "f", "calldata": []}],
        [{"contractAddress": "0x1", "entrypoint": 5, "calldata": []}],
        [{"entrypoint": "f", "calldata": []}],
        [Call(to_addr=1, selector=-1, calldata=[])],
        ["not a call"],
        "transfer",
    ],
)
def test_bad_calls_raise(calls: object) -> None:
    with pytest.raises(TransactionError):
        get_execute_calldata(calls)


@pytest.mark.parametrize(
    "calldata",
    [
        [],
        [1],
        [1, 0x1, 0x2],
        [1, 0x1, 0x2, 3, 7, 8],
        [1, 0x1, 0x2, 0, 9],
        [2, 0x1, 0x2, 0],
        [0, 5],
        [1, 0x1, 0x2, 2**64, 1],
    ],
)
def test_parse_execute_calldata_rejects_malformed(calldata: list[int]) -> None:
    with pytest.raises(TransactionError):
        parse_execute_calldata(calldata)


# --------------------------------------------------------------------------- invoke v3 hash

@pytest.mark.parametrize("case", HASHES, ids=lambda c: c["transaction_hash"][:12])
def test_invoke_v3_hash(case: dict) -> None:
    assert calculate_invoke_v3_hash(**_hash_args(case["args"])) == h(case["transaction_hash"])


def test_vector_coverage() -> None:
    versions = {h(c["args"]["version"]) for c in HASHES}
    assert versions == {3, QUERY_VERSION_OFFSET + 3}
    assert any("proofFacts" in c["args"] for c in HASHES)


@pytest.mark.parametrize("case", HASHES[:4], ids=lambda c: c["transaction_hash"][:12])
def test_invoke_v3_hash_accepts_starknet_py_types(case: dict) -> None:
    args = _hash_args(case["args"])
    rb = case["args"]["resourceBounds"]
    args["resource_bounds"] = ResourceBoundsMapping(
        **{k: SpyBound(max_amount=h(v["max_amount"]), max_price_per_unit=h(v["max_price_per_unit"]))
           for k, v in rb.items()}
    )
    args["nonce_da_mode"] = DAMode(args["nonce_da_mode"])
    args["fee_da_mode"] = "L1" if args["fee_da_mode"] == 0 else "L2"
    args["calldata"] = get_execute_calldata(case["calls"])
    assert calculate_invoke_v3_hash(**args) == h(case["transaction_hash"])


def test_protocol_8_4_transaction() -> None:
    eth = 0x049D36570D4E46F48E99674BD3FCC84644DDD6B96F7C741B1562B82F9E004DC7
    dapp = 0x0711C0C7A4E8E8A8D4E1E7F0C5A9E0A5D2C3B4A5968778695A4B3C2D1E0F1A2B
    calls = [
        {"contractAddress": hex(eth), "entrypoint": "transfer", "calldata": ["0x123", "1000", "0"]},
        {"contractAddress": hex(dapp), "entrypoint": "play_move", "calldata": [7]},
    ]
    calldata = get_execute_calldata(calls)
    assert calldata == [2, eth, get_selector_from_name("transfer"), 3, 0x123, 1000, 0,
                        dapp, get_selector_from_name("play_move"), 1, 7]
    tx_hash = calculate_invoke_v3_hash(
        sender_address=0x4B1D6B8F1F2C36A5A5E1D09F8C3F3C1E4A2B6D7E8F9A0B1C2D3E4F5A6B7C8D9,
        calldata=calldata,
        chain_id=0x534E5F5345504F4C4941,
        nonce=5,
        resource_bounds={
            "l1_gas": {"max_amount": 0x2710, "max_price_per_unit": 0x5AF3107A4000},
            "l2_gas": {"max_amount": 0x1E8480, "max_price_per_unit": 0x2540BE400},
            "l1_data_gas": {"max_amount": 0x100, "max_price_per_unit": 0x3B9ACA00},
        },
    )
    assert tx_hash == 0xFE2538420C3A70F5F7581063049B9750B80DA8328992CB387C59D6846418D8


@pytest.mark.parametrize("case", V["invoke_hash_errors"], ids=lambda c: c["version"])
def test_invoke_hash_errors(case: dict) -> None:
    args = _hash_args(HASHES[0]["args"])
    args["version"] = case["version"]
    with pytest.raises(TransactionError):
        calculate_invoke_v3_hash(**args)


@pytest.mark.parametrize(
    "change",
    [
        {"resource_bounds": {"l1_gas": {"max_amount": 2**64, "max_price_per_unit": 0},
                             "l2_gas": {"max_amount": 0, "max_price_per_unit": 0}}},
        {"resource_bounds": {"l1_gas": {"max_amount": 0, "max_price_per_unit": 2**128},
                             "l2_gas": {"max_amount": 0, "max_price_per_unit": 0}}},
        {"resource_bounds": {"l1_gas": {"max_amount": 0, "max_price_per_unit": 0}}},
        {"resource_bounds": {"l1_gas": {"max_amount": "abc", "max_price_per_unit": 0},
                             "l2_gas": {"max_amount": 0, "max_price_per_unit": 0}}},
        {"tip": 2**64},
        {"nonce_da_mode": 2},
        {"fee_da_mode": "L3"},
        {"sender_address": 2**251 + 17 * 2**192 + 1},
        {"calldata": [1, -2]},
        {"paymaster_data": "0x1"},
        {"version": 1},
        {"version": QUERY_VERSION_OFFSET + 1},
    ],
)
def test_invoke_hash_validation(change: dict) -> None:
    args = _hash_args(HASHES[0]["args"])
    args.update(change)
    with pytest.raises(TransactionError):
        calculate_invoke_v3_hash(**args)


def test_missing_l1_data_gas_means_zero() -> None:
    case = next(c for c in HASHES if h(c["args"]["resourceBounds"]["l1_data_gas"]["max_amount"]) == 0
                and h(c["args"]["resourceBounds"]["l1_data_gas"]["max_price_per_unit"]) == 0)
    args = _hash_args(case["args"])
    args["resource_bounds"] = {k: v for k, v in args["resource_bounds"].items() if k != "l1_data_gas"}
    assert calculate_invoke_v3_hash(**args) == h(case["transaction_hash"])


def test_empty_proof_facts_is_not_hashed() -> None:
    case = next(c for c in HASHES if "proofFacts" not in c["args"])
    args = _hash_args(case["args"])
    args["proof_facts"] = []
    assert calculate_invoke_v3_hash(**args) == h(case["transaction_hash"])


@pytest.mark.parametrize("amount, price", [(16, 255), ("0x10", "0xff"), ("16", "255"), ("0x10", 255)])
def test_resource_bounds_memo_gives_the_parsed_values(amount: object, price: object) -> None:
    """Plain dicts are memoised by their raw values (ints or strings): every spelling of a value,
    first time and again, gives the same validated bounds."""
    bound = {"max_amount": amount, "max_price_per_unit": price}
    want = ResourceBounds(ResourceBound(16, 255), ResourceBound(16, 255), ResourceBound(16, 255))
    for _ in range(2):
        assert parse_resource_bounds({"l1_gas": dict(bound), "l2_gas": dict(bound), "l1_data_gas": dict(bound)}) == want


@pytest.mark.parametrize("amount", ["0x1g", "16 ", "0x", "-1", hex(2**64), True])
def test_resource_bounds_memo_does_not_keep_bad_values(amount: object) -> None:
    bound = {"max_amount": amount, "max_price_per_unit": 1}
    for _ in range(2):
        with pytest.raises(TransactionError, match="max_amount"):
            parse_resource_bounds({"l1_gas": bound, "l2_gas": bound, "l1_data_gas": bound})
