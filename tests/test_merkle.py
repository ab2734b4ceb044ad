"""xsessions_core.merkle against merkle.json (starknet.js 10.8.0 ``merkle.MerkleTree``) and docs/protocol.md §4."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import h, load_vectors

from xsessions_core import crypto
from xsessions_core.crypto import FIELD_PRIME, pedersen_hash, poseidon_hash
from xsessions_core.errors import MerkleTreeError
from xsessions_core.merkle import HashMethod, MerkleTree, verify_proof

MERKLE = load_vectors("merkle.json")
METHODS = {"pedersen": HashMethod.PEDERSEN, "poseidon": HashMethod.POSEIDON}
TREES = [t for t in MERKLE["trees"] if "error" not in t]
EMPTY = [t for t in MERKLE["trees"] if "error" in t]


@pytest.mark.parametrize("case", TREES, ids=lambda c: c["name"])
def test_tree(case: dict[str, Any]) -> None:
    method = METHODS[case["hash_method"]]
    tree = MerkleTree(case["leaves"], method)
    assert tree.root == h(case["root"])
    assert tree.leaves == tuple(h(x) for x in case["leaves"])
    assert [list(level) for level in tree.branches] == [[h(x) for x in level] for level in case["branches"]]
    for leaf, proof, valid in zip(case["leaves"], case["proofs"], case["proofs_verify"]):
        assert tree.get_proof(leaf) == [h(x) for x in proof]
        assert valid is True
        assert verify_proof(case["root"], leaf, proof, method) is True
        assert verify_proof(tree.root, h(leaf), tree.get_proof(h(leaf)), method) is True


@pytest.mark.parametrize("case", EMPTY, ids=lambda c: c["name"])
def test_empty_tree_raises(case: dict[str, Any]) -> None:
    # starknet.js recurses forever ("Maximum call stack size exceeded").
    with pytest.raises(MerkleTreeError):
        MerkleTree(case["leaves"], METHODS[case["hash_method"]])


@pytest.mark.parametrize("case", MERKLE["hash_pairs"], ids=lambda c: f'{c["hash_method"]}-{c["a"]}-{c["b"]}')
def test_hash_pairs(case: dict[str, Any]) -> None:
    assert MerkleTree.hash(case["a"], case["b"], METHODS[case["hash_method"]]) == h(case["hash"])


def _tree_containing(method: str, leaf: int) -> dict[str, Any]:
    return next(t for t in TREES if t["hash_method"] == method and leaf in [h(x) for x in t["leaves"]])


@pytest.mark.parametrize("case", MERKLE["verify_negative"], ids=lambda c: f'{c["hash_method"]}-{c["case"]}')
def test_verify_negative(case: dict[str, Any]) -> None:
    method = METHODS[case["hash_method"]]
    if case["case"] == "getProof-unknown-leaf":
        tree = MerkleTree(_any_tree(case["hash_method"])["leaves"], method)
        with pytest.raises(MerkleTreeError, match="leaf not found"):
            tree.get_proof(case["leaf"])
        return
    if case["case"] == "getProof-leaf-different-spelling":
        # DEVIATION (documented in xsessions_core.merkle): JS finds leaves by string equality, so
        # "0x07f2…" misses the leaf given as "0x7f2…". We compare numbers and return its proof.
        source = _tree_containing(case["hash_method"], h(case["leaf"]))
        tree = MerkleTree(source["leaves"], method)
        index = [h(x) for x in source["leaves"]].index(h(case["leaf"]))
        assert tree.get_proof(case["leaf"]) == [h(x) for x in source["proofs"][index]]
        return
    ours = verify_proof(case["root"], case["leaf"], case["proof"], method)
    if case["case"] == "non-canonical-root-string":
        # DEVIATION: JS compares the recomputed root with the root *string*, so a correct root
        # written with a leading zero is "invalid" there; as numbers it is the same root.
        assert case["valid"] is False
        assert ours is True
    else:
        assert ours is case["valid"] is False


def _any_tree(method: str) -> dict[str, Any]:
    return next(t for t in TREES if t["hash_method"] == method and len(t["leaves"]) > 8)


def test_protocol_example_three_leaves() -> None:
    """docs/protocol.md §4: [L0, L1, L2] -> level 1 = [H2(L0,L1), H2(L2,0)]; proof(L2) = [0, H2(L0,L1)]."""
    leaves = [0x123, 0x456, 0x789]
    tree = MerkleTree(leaves, HashMethod.POSEIDON)
    h01 = poseidon_hash(0x123, 0x456)
    h2 = poseidon_hash(0, 0x789)
    assert tree.branches == ((h01, h2),)
    assert tree.root == poseidon_hash(min(h01, h2), max(h01, h2))
    assert tree.get_proof(0x789) == [0, h01]
    assert tree.get_proof(0x123) == [0x456, h2]


def test_single_leaf_and_default_method() -> None:
    tree = MerkleTree(["0x00abc"])
    assert tree.hash_method is HashMethod.PEDERSEN
    assert tree.root == 0xABC and tree.branches == () and tree.get_proof(0xABC) == []
    assert verify_proof(0xABC, 0xABC, [], HashMethod.PEDERSEN)


def test_duplicates_use_first_occurrence() -> None:
    tree = MerkleTree([5, 7, 5, 9], HashMethod.PEDERSEN)
    assert tree.get_proof(5) == [7, pedersen_hash(5, 9)]


def test_one_backend_call(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = crypto.UncheckedBackend  # the layers call the backend through crypto.unchecked
    calls = []
    original = backend.merkle_levels

    def counting(self: crypto.UncheckedBackend, leaves: list[int], method: HashMethod) -> list[list[int]]:
        calls.append(len(leaves))
        return original(self, leaves, method)

    monkeypatch.setattr(backend, "merkle_levels", counting)
    for method in HashMethod:
        tree = MerkleTree(range(1, 40), method)
        tree.get_proof(17)
    assert calls == [39, 39]


@pytest.mark.parametrize("leaves", [[], [FIELD_PRIME], [-1], [True], ["transfer"], [1.5], "0x1", None, [[1]]])
def test_bad_leaves(leaves: Any) -> None:
    with pytest.raises(MerkleTreeError):
        MerkleTree(leaves, HashMethod.POSEIDON)


def test_bad_arguments() -> None:
    tree = MerkleTree([1, 2, 3], HashMethod.POSEIDON)
    with pytest.raises(MerkleTreeError, match="leaf not found"):
        tree.get_proof(4)
    with pytest.raises(MerkleTreeError):
        tree.get_proof(FIELD_PRIME)
    with pytest.raises(MerkleTreeError):
        verify_proof(tree.root, 1, "0x2", HashMethod.POSEIDON)  # type: ignore[arg-type]
    with pytest.raises(MerkleTreeError):
        verify_proof(tree.root, 1, [FIELD_PRIME], HashMethod.POSEIDON)
    with pytest.raises(MerkleTreeError):
        MerkleTree([1], "poseidon")  # type: ignore[arg-type]
    assert not verify_proof(tree.root, 1, tree.get_proof(1), HashMethod.PEDERSEN)
    assert HashMethod.POSEIDON.hash(1, 2) == poseidon_hash(1, 2)
    assert HashMethod.PEDERSEN.hash(2, 1) == pedersen_hash(2, 1)
    assert "POSEIDON" in repr(tree)
