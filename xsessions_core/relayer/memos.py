"""The verifier's memos (thread safe, bounded: :mod:`.cache`): session hashes, allowed-method
leaves, Merkle proof checks, verified authorisation signatures and authorisation outcomes.

A memo never decides a verdict: a miss recomputes, and one verification pins what it read
(:class:`~.pipeline.SessionCheck`), so an eviction by another request cannot change its path.
"""

from __future__ import annotations

from ..crypto import unchecked
from ..session_token import TokenSession
from ..sessions.objects import OnChainSession
from ..sessions.session import ALLOWED_METHOD_HASH, session_hash_from_onchain
from .cache import BoundedCache
from .keycache import clear_prepared_keys

__all__ = ["auth_signatures", "auth_outcomes", "clear_caches", "session_hash_of", "allowed_method_leaf",
           "merkle_proof_ok"]

# Limits of the memos; the worst-case memory they add up to is in the docstring of .cache.
_session_hashes = BoundedCache(16384, 8 << 20, 8)
_leaves = BoundedCache(65536, 8 << 20, 3)
#: proof checks: (root, leaf, *proof) -> bool (proofs of at most NodeRules.max_proof_length felts)
_proofs = BoundedCache(65536, 16 << 20, 2 + 64)
#: verified authorisation signatures: (backend, hash, pubkey, r, s) -> bool
auth_signatures = BoundedCache(65536, 16 << 20, 5)
#: outcome of the whole authorisation check ("" = accepted, else the account's error), keyed by
#: everything it reads: backend, account, session hash, token cache flag, guardian signer,
#: authorisation felts, estimate flag and the cached authorisation length of the state
auth_outcomes = BoundedCache(16384, 32 << 20, 4096)


def clear_caches() -> None:
    """Forget every memoised hash, verified authorisation and prepared key (tests, benchmarks)."""
    for cache in (_session_hashes, _leaves, _proofs, auth_signatures, auth_outcomes):
        cache.clear()
    clear_prepared_keys()


def session_hash_of(session: TokenSession, account_address: int, chain_id: int) -> int:
    """``session_hash_from_onchain`` of a decoded token's session, memoised."""
    key = (chain_id, account_address, *session.as_felts())
    cached = _session_hashes.get(key)
    if cached is None:
        cached = session_hash_from_onchain(OnChainSession(*session.as_felts()), account_address, chain_id)
        _session_hashes.put(key, cached, 7)
    return cached  # type: ignore[no-any-return]


def allowed_method_leaf(to: int, selector: int) -> int:
    """The allowed-method Merkle leaf ``poseidon(ALLOWED_METHOD_HASH, to, selector)``, memoised."""
    key = (to, selector)
    leaf = _leaves.get(key)
    if leaf is None:
        leaf = unchecked.poseidon_many([ALLOWED_METHOD_HASH, to, selector])
        _leaves.put(key, leaf, 3)
    return leaf  # type: ignore[no-any-return]


def merkle_proof_ok(root: int, leaf: int, proof: tuple[int, ...]) -> bool:
    """Alexandria ``MerkleTree::verify`` with the 2-input Poseidon (sorted pairs)."""
    key = (root, leaf, proof)
    ok = _proofs.get(key)
    if ok is None:
        b = unchecked
        cur = leaf
        for e in proof:
            cur = b.poseidon(cur, e) if cur < e else b.poseidon(e, cur)
        ok = cur == root
        _proofs.put(key, ok, 2 + len(proof))
    return ok  # type: ignore[no-any-return]

