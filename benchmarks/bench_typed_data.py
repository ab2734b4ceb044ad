"""SNIP-12 typed data and Merkle tree benchmarks: ours (native / Python backend) vs starknet-py 0.30.

Groups (one ``benchmark.group`` per operation, entries = ``variant``):

* ``typed data: Argent session, N methods`` (N = 8, 64) and ``typed data: rev 0 Mail``:
  ``from_dict(d).message_hash(account)`` on a fresh dict each round — what a relayer does with a
  request it just decoded. ``native-precompiled`` reuses a parsed :class:`TypedData` and only
  swaps the message (``with_message``), which is the cost once the structure is known.
* ``merkle root: 4096 leaves, poseidon|pedersen``: building the tree and reading its root.

Inputs come from ``../shared/vectors`` (sessions_v9.json, merkle.json); every variant is checked to
return the same value before timing. Pure-Python entries of the Merkle groups run few rounds (each
takes seconds).
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Iterator

import pytest
from conftest import h, vectors
from starknet_py.hash.hash_method import HashMethod as SpyHashMethod
from starknet_py.utils.merkle_tree import MerkleTree as SpyMerkleTree
from starknet_py.utils.typed_data import TypedData as SpyTypedData

from xsessions_core import crypto
from xsessions_core.merkle import HashMethod, MerkleTree
from xsessions_core.typed_data import TypedData

SESSIONS = vectors("sessions_v9.json")["sessions"]
_BASE = next(s for s in SESSIONS if len(s["inputs"]["allowed_methods"]) == 8)
SESSION_ACCOUNT = h(_BASE["inputs"]["account_address"])
_NAMES = sorted({m["selector"] for s in SESSIONS for m in s["inputs"]["allowed_methods"]})
_ADDRESSES = sorted({m["Contract Address"] for s in SESSIONS for m in s["inputs"]["allowed_methods"]})


def _session_typed_data(n_methods: int) -> dict[str, Any]:
    """The vector session's typed data with ``n_methods`` allowed methods (vector ones first)."""
    data = copy.deepcopy(_BASE["session_request"]["session_typed_data"])
    methods = data["message"]["Allowed Methods"]
    i = 0
    while len(methods) < n_methods:
        methods.append({"Contract Address": _ADDRESSES[i % len(_ADDRESSES)],
                        "selector": f"{_NAMES[i % len(_NAMES)]}_{i}"})
        i += 1
    del methods[n_methods:]
    return data


MAIL = {
    "types": {
        "StarkNetDomain": [{"name": "name", "type": "felt"}, {"name": "version", "type": "felt"},
                           {"name": "chainId", "type": "felt"}],
        "Person": [{"name": "name", "type": "felt"}, {"name": "wallet", "type": "felt"}],
        "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
                 {"name": "contents", "type": "felt"}],
    },
    "primaryType": "Mail",
    "domain": {"name": "StarkNet Mail", "version": "1", "chainId": "1"},  # starknet-py wants a str
    "message": {
        "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
        "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
        "contents": "Hello, Bob!",
    },
}
MAIL_ACCOUNT = 0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826

TYPED_DATA_CASES = {
    "Argent session, 8 methods": (_session_typed_data(8), SESSION_ACCOUNT),
    "Argent session, 64 methods": (_session_typed_data(64), SESSION_ACCOUNT),
    "rev 0 Mail": (MAIL, MAIL_ACCOUNT),
}
VARIANTS = ["native", "native-precompiled", "python", "starknet-py"]

_M = vectors("merkle.json")
_SEED = [h(x) for t in _M["trees"] if t["name"] in ("poseidon_100", "pedersen_100") for x in t["leaves"]]
LEAVES_4096 = [(_SEED[i % len(_SEED)] + i) % crypto.FIELD_PRIME for i in range(4096)]


@pytest.fixture(params=VARIANTS)
def variant(request: pytest.FixtureRequest) -> Iterator[str]:
    """Implementation under test; our variants run with their backend active, then restore it."""
    name: str = request.param
    if name == "starknet-py":
        yield name
        return
    previous = crypto.use_backend(name.split("-")[0])  # NativeBackendError if the extension is missing
    try:
        yield name
    finally:
        crypto.use_backend(previous)


def _fresh(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """An endless supply of independent copies (a relayer decodes a new dict per request)."""
    copies = [copy.deepcopy(data) for _ in range(64)]
    while True:
        yield from copies


def _typed_data_runner(variant: str, data: dict[str, Any], account: int) -> Callable[[], int]:
    supply = _fresh(data)
    if variant == "starknet-py":
        return lambda: SpyTypedData.from_dict(next(supply)).message_hash(account)  # type: ignore[no-any-return]
    if variant == "native-precompiled":
        parsed = TypedData.from_dict(data)
        return lambda: parsed.with_message(next(supply)["message"]).message_hash(account)
    return lambda: TypedData.from_dict(next(supply)).message_hash(account)


@pytest.mark.parametrize("case", list(TYPED_DATA_CASES))
def test_typed_data_message_hash(benchmark: Any, variant: str, case: str) -> None:
    data, account = TYPED_DATA_CASES[case]
    expected = SpyTypedData.from_dict(copy.deepcopy(data)).message_hash(account)
    run = _typed_data_runner(variant, data, account)
    assert run() == expected
    benchmark.group = f"typed data: {case}"
    benchmark.extra_info["variant"] = variant
    benchmark(run)


@pytest.mark.parametrize("variant", ["native", "python", "starknet-py"], indirect=True)  # no precompiled form
@pytest.mark.parametrize("method", ["poseidon", "pedersen"])
def test_merkle_root_4096(benchmark: Any, variant: str, method: str) -> None:
    ours_method = HashMethod.POSEIDON if method == "poseidon" else HashMethod.PEDERSEN
    spy_method = SpyHashMethod.POSEIDON if method == "poseidon" else SpyHashMethod.PEDERSEN
    if variant == "starknet-py":
        def run() -> int:
            return SpyMerkleTree(LEAVES_4096, spy_method).root_hash
    else:
        def run() -> int:
            return MerkleTree(LEAVES_4096, ours_method).root
    assert run() == SpyMerkleTree(LEAVES_4096[:], spy_method).root_hash
    benchmark.group = f"merkle root: 4096 leaves, {method}"
    benchmark.extra_info["variant"] = variant
    if variant == "python":
        benchmark.pedantic(run, rounds=3, iterations=1)
    else:
        benchmark(run)
