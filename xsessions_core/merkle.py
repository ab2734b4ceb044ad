"""The starknet.js Merkle tree (``merkle.MerkleTree``, docs/protocol.md §4), built in one backend call.

Leaves are kept **in the given order** (not sorted, duplicates kept); each pair is hashed
``h(min, max)``; a lone last node is paired with ``0``; one leaf is its own root. ``h`` is
Pedersen (revision-0 typed data, legacy sessions) or the 2-input Poseidon ``hades(a, b, 2)[0]``
(revision 1, Argent sessions) — reference: starknet.js ``src/utils/merkle.ts`` (10.8.0), Alexandria
``merkle_tree.cairo`` (commit 946e6e2f) on chain.

Deviations from starknet.js, on purpose (values are compared as numbers, not strings):

* starknet.js keeps leaves and the single-leaf root as the strings it was given and finds leaves
  with string equality, so ``getProof("0x07f2…")`` of a leaf given as ``"0x7f2…"`` throws
  "leaf not found", and ``proofMerklePath`` rejects a correct root spelled with a leading zero.
  Here leaves, roots and proofs are ints (hex/decimal strings are parsed), so both succeed.
* No leaves: starknet.js recurses forever; here :class:`~xsessions_core.errors.MerkleTreeError`.
* Values outside ``[0, p)`` raise (starknet.js's Poseidon silently reduces them mod p).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .crypto import FIELD_PRIME, HashMethod, unchecked
from .encoding import felt_from
from .errors import MerkleTreeError

__all__ = ["HashMethod", "MerkleTree", "verify_proof"]


def _felt(value: object, name: str) -> int:
    return felt_from(value, name, MerkleTreeError)


def _pair_hash(a: int, b: int, method: HashMethod) -> int:
    return unchecked.poseidon(a, b) if method is HashMethod.POSEIDON else unchecked.pedersen(a, b)


def _method(hash_method: object) -> HashMethod:
    if not isinstance(hash_method, HashMethod):
        raise MerkleTreeError(f"hash_method must be a HashMethod, got {hash_method!r}")
    return hash_method


class MerkleTree:
    """starknet.js ``MerkleTree``: ``.root``, ``.leaves``, ``.branches``, ``.get_proof(leaf)``.

    The whole tree is computed by one backend call (``merkle_levels``). Proof lookups use a
    leaf → first-index map built on the first call, so each proof costs O(log n).

    :param leaves: felts (ints, or hex/decimal strings, normalised to ints).
    :param hash_method: :attr:`HashMethod.PEDERSEN` (starknet.js default) or :attr:`HashMethod.POSEIDON`.
    :raises MerkleTreeError: no leaves, or a leaf that is not a felt.
    """

    __slots__ = ("_levels", "_hash_method", "_index")

    def __init__(self, leaves: Iterable[int | str], hash_method: HashMethod = HashMethod.PEDERSEN) -> None:
        method = _method(hash_method)
        if isinstance(leaves, (str, bytes)) or not isinstance(leaves, Iterable):
            raise MerkleTreeError(f"leaves must be a sequence of felts, got {type(leaves).__name__}")
        checked = [v if type(v) is int and 0 <= v < FIELD_PRIME else _felt(v, f"leaves[{i}]")
                   for i, v in enumerate(leaves)]
        if not checked:
            raise MerkleTreeError("cannot build a Merkle tree without leaves")
        self._levels: tuple[tuple[int, ...], ...] = tuple(
            tuple(level) for level in unchecked.merkle_levels(checked, method)
        )
        self._hash_method = method
        self._index: dict[int, int] | None = None

    @property
    def hash_method(self) -> HashMethod:
        """The pair hash of this tree."""
        return self._hash_method

    @property
    def root(self) -> int:
        """The Merkle root (the leaf itself for a one-leaf tree)."""
        return self._levels[-1][0]

    @property
    def leaves(self) -> tuple[int, ...]:
        """The leaves, in the given order."""
        return self._levels[0]

    @property
    def branches(self) -> tuple[tuple[int, ...], ...]:
        """The levels strictly between the leaves and the root, bottom-up (starknet.js ``branches``)."""
        return self._levels[1:-1]

    @property
    def levels(self) -> tuple[tuple[int, ...], ...]:
        """Every level: leaves, branches, then ``(root,)``."""
        return self._levels

    @staticmethod
    def hash(a: int, b: int, method: HashMethod = HashMethod.PEDERSEN) -> int:
        """starknet.js ``MerkleTree.hash``: ``h(min(a, b), max(a, b))``."""
        a, b = _felt(a, "a"), _felt(b, "b")
        return _pair_hash(min(a, b), max(a, b), _method(method))

    def get_proof(self, leaf: int | str) -> list[int]:
        """Siblings from the leaf level up to (excluding) the root, for the first occurrence of ``leaf``.

        A missing sibling (last node of an odd level) is ``0``.

        :raises MerkleTreeError: "leaf not found".
        """
        value = _felt(leaf, "leaf")
        if self._index is None:
            index: dict[int, int] = {}
            for position, v in enumerate(self._levels[0]):
                index.setdefault(v, position)
            self._index = index
        i = self._index.get(value)
        if i is None:
            raise MerkleTreeError(f"leaf not found: {hex(value)}")
        proof = []
        for level in self._levels[:-1]:
            j = i ^ 1
            proof.append(level[j] if j < len(level) else 0)
            i >>= 1
        return proof

    def __repr__(self) -> str:
        return f"MerkleTree(root={hex(self.root)}, leaves={len(self.leaves)}, hash_method={self._hash_method.name})"


def verify_proof(root: int | str, leaf: int | str, proof: Sequence[int | str],
                 hash_method: HashMethod = HashMethod.PEDERSEN) -> bool:
    """starknet.js ``proofMerklePath``: fold ``cur = h(min(cur, e), max(cur, e))`` over the proof
    and compare with ``root`` — as numbers (see the module note).

    :raises MerkleTreeError: if an argument is not a felt or ``proof`` is not a sequence.
    """
    method = _method(hash_method)
    expected = _felt(root, "root")
    cur = _felt(leaf, "leaf")
    if isinstance(proof, (str, bytes)) or not isinstance(proof, Sequence):
        raise MerkleTreeError(f"proof must be a sequence of felts, got {type(proof).__name__}")
    for i, element in enumerate(proof):
        e = _felt(element, f"proof[{i}]")
        cur = _pair_hash(min(cur, e), max(cur, e), method)
    return cur == expected
