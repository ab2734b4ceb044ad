"""The backend contract: the small set of functions both backends implement (tier 3).

Ints in, ints out, **no validation**: callers (``xsessions_core.crypto``) check every domain
before calling. Both private modules :mod:`._python` and :mod:`._native` provide exactly these
module-level functions with bit-identical results.

Domains (p = field prime, n = curve order):

* hashes: every input felt is in ``[0, p)``;
* ``public_key``/``sign*``: private key in ``[1, n)``; message hash in ``[0, 2**251)``;
* ``verify*``: ``1 <= r < 2**251``, ``1 <= s < n``, ``0 <= z < 2**251``, ``0 <= pub < p``;
  a public key that is not on the curve, or an out-of-range ``w = s^-1`` gives ``False``.
* ``prepare_public_key(pub)``: an opaque per-key table of this backend (native: the C core's
  precomputed multiples of the key, :data:`PREPARED_KEY_BYTES` bytes; Python: the recovered
  point) for ``verify_prepared(z, r, s, table)`` and ``verify_batch_prepared`` items
  ``(z, r, s, table)``, which give exactly ``verify(z, r, s, pub)``. A table only works with the
  backend that made it, in the process that made it.
* ``sign(z, d, seed)``: ``seed=None`` is starknet.js (RFC 6979 "variant S", no extra entropy);
  an int seed is cairo-lang / starknet-py (RFC 6979 "variant R", extra entropy = seed bytes,
  retry with seed+1 when r or w is out of range). ``sign_batch`` uses variant S.
* ``merkle_levels(leaves, method)``: with a :class:`HashMethod`, every level of the starknet.js Merkle tree, from the
  leaves (level 0) to ``[root]``; pairs are sorted, a lone last node is paired with 0; needs
  at least one leaf.
* ``session_sign_invoke_v3(txs, session_hash, cache_flag, key1, key2)``: for each transaction
  ``(head, paymaster_data, account_deployment_data, calldata, proof_facts)`` with ``head =
  [version, sender, chain_id, nonce, da_word, tip, l1_word, l2_word, l1_data_word]`` (the
  invoke v3 hash inputs, docs/protocol.md §6.10; ``proof_facts`` hashed only when not empty): its hash
  ``h`` and the signatures (variant S) of ``m = poseidon_many([h, session_hash, cache_flag])``
  under ``key1`` and ``key2`` — ``(h, r1, s1, r2, s2)``. The whole per-transaction work of a
  session-token signature with a local guardian (docs/protocol.md §6.4-§6.6) in one call.
* ``invoke_v3_hash_batch(txs)``: the hashes ``h`` alone of the same transactions.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Protocol, Sequence

from ..deprecation import module_aliases

#: Bytes of one native prepared-key table (``xs_prepared_key_size()``, csrc/include/xs_core.h):
#: 51 windows x 16 affine points of 64 bytes, plus an 80-byte header.
PREPARED_KEY_BYTES = 52304

class HashMethod(enum.Enum):
    """The pair hash of a Merkle tree (names and values as starknet-py's ``HashMethod``).

    :attr:`c_value` is the ``xs_hash_method`` value of the C core (csrc/include/xs_core.h).
    """

    PEDERSEN = "pedersen"
    POSEIDON = "poseidon"

    @property
    def c_value(self) -> int:
        """``XS_HASH_PEDERSEN`` (0) or ``XS_HASH_POSEIDON`` (1)."""
        return 1 if self is HashMethod.POSEIDON else 0

    def hash(self, left: int, right: int) -> int:
        """The plain 2-input hash ``h(left, right)`` (unsorted), inputs checked as felts."""
        from . import pedersen_hash, poseidon_hash  # the validating layer sits above this module

        return poseidon_hash(left, right) if self is HashMethod.POSEIDON else pedersen_hash(left, right)


#: One invoke v3 transaction as the backends hash it: ``(head, paymaster_data, account_deployment_data,
#: calldata, proof_facts)``, ``head`` being the 9 felts listed under ``session_sign_invoke_v3`` above.
#: Only :class:`xsessions_core.transactions.InvokeV3` builds it (``InvokeV3.hash_row``).
InvokeV3HashRow = tuple[Sequence[int], Sequence[int], Sequence[int], Sequence[int], Sequence[int]]

if TYPE_CHECKING:
    #: Deprecated name of :data:`InvokeV3HashRow`.
    InvokeV3HashInput = InvokeV3HashRow


__getattr__ = module_aliases(__name__, {"InvokeV3HashInput": ("use InvokeV3HashRow", InvokeV3HashRow)})


class Backend(Protocol):
    """Functions every backend module provides."""

    NAME: str

    def pedersen(self, a: int, b: int) -> int: ...
    def pedersen_batch(self, pairs: Sequence[tuple[int, int]]) -> list[int]: ...
    def pedersen_chain(self, values: Sequence[int]) -> int: ...
    def poseidon(self, a: int, b: int) -> int: ...
    def poseidon_batch(self, pairs: Sequence[tuple[int, int]]) -> list[int]: ...
    def poseidon_single(self, x: int) -> int: ...
    def poseidon_many(self, values: Sequence[int]) -> int: ...
    def poseidon_many_batch(self, seqs: Sequence[Sequence[int]]) -> list[int]: ...
    def poseidon_permutation(self, s0: int, s1: int, s2: int) -> tuple[int, int, int]: ...
    def merkle_levels(self, leaves: Sequence[int], method: HashMethod) -> list[list[int]]: ...
    def keccak256(self, data: bytes) -> bytes: ...
    def starknet_keccak(self, data: bytes) -> int: ...
    def public_key(self, priv: int) -> int: ...
    def sign(self, msg_hash: int, priv: int, seed: int | None) -> tuple[int, int]: ...
    def sign_batch(self, msg_hashes: Sequence[int], priv: int) -> list[tuple[int, int]]: ...
    def verify(self, msg_hash: int, r: int, s: int, pub: int) -> bool: ...
    def verify_batch(self, items: Sequence[tuple[int, int, int, int]]) -> list[bool]: ...
    def prepare_public_key(self, pub: int) -> object: ...
    def verify_prepared(self, msg_hash: int, r: int, s: int, table: object) -> bool: ...
    def verify_batch_prepared(self, items: Sequence[tuple[int, int, int, object]]) -> list[bool]: ...
    def session_sign_invoke_v3(self, txs: Sequence[InvokeV3HashRow], session_hash: int, cache_flag: int,
                               key1: int, key2: int) -> list[tuple[int, int, int, int, int]]: ...
    def invoke_v3_hash_batch(self, txs: Sequence[InvokeV3HashRow]) -> list[int]: ...


FUNCTIONS = (
    "pedersen", "pedersen_batch", "pedersen_chain", "poseidon", "poseidon_batch",
    "poseidon_single", "poseidon_many", "poseidon_many_batch", "poseidon_permutation",
    "merkle_levels", "keccak256", "starknet_keccak", "public_key", "sign", "sign_batch",
    "verify", "verify_batch", "prepare_public_key", "verify_prepared", "verify_batch_prepared",
    "session_sign_invoke_v3", "invoke_v3_hash_batch",
)
