"""Smoke test of every native entry point, meant to run under ASan/UBSan (run_asan_smoke.sh).

Calls each function of the backend contract (``xsessions_core.crypto.backend.FUNCTIONS``) of
``xsessions_core.crypto._native`` on the vectors and on random and edge-sized inputs (empty
and one-element batches, Keccak lengths around the 136-byte rate, 1 MB messages, Merkle trees of
1..65 leaves, signatures with edge keys and hashes, points off the curve), and compares with the
pure-Python backend. Any mismatch exits 1; a memory error aborts the process via the sanitizer.
"""

from __future__ import annotations

import json
import os
import random
import sys
import threading
from pathlib import Path
from typing import Any

from xsessions_core.crypto import ALPHA, BETA, EC_ORDER, FIELD_PRIME, HashMethod, backend
from xsessions_core.crypto import _native as native_backend, _python as python_backend

P, N = FIELD_PRIME, EC_ORDER
M251 = 2**251
VECTORS = Path(os.environ.get("XSESSIONS_VECTORS", Path(__file__).resolve().parents[2].parent / "shared" / "vectors"))
rng = random.Random(int(os.environ.get("SMOKE_SEED", "20240531")))
nat, py = native_backend, python_backend
calls = {name: 0 for name in backend.FUNCTIONS}


def same(name: str, *args: Any) -> Any:
    """Call ``name`` on both backends; they must agree."""
    calls[name] += 1
    got = getattr(nat, name)(*args)
    want = getattr(py, name)(*args)
    if got != want:
        sys.exit(f"MISMATCH {name}{tuple(str(a)[:80] for a in args)}: native {got!r} python {want!r}")
    return got


def native(name: str, *args: Any) -> Any:
    """Call ``name`` on the native backend only (inputs too big for the slow Python backend)."""
    calls[name] += 1
    return getattr(nat, name)(*args)


def felt() -> int:
    return rng.choice((0, 1, P - 1, P - 2, M251 - 1, rng.getrandbits(rng.choice((8, 64, 128, 251))) % P))


def load(name: str) -> Any:
    with (VECTORS / name).open() as fh:
        return json.load(fh)


def hashes() -> None:
    prim = load("primitives.json")
    for c in prim["pedersen"]:
        same("pedersen", int(c["a"], 0), int(c["b"], 0))
    for c in prim["poseidon_hash"]:
        same("poseidon", int(c["a"], 0), int(c["b"], 0))
    for c in prim["poseidon_hash_single"]:
        same("poseidon_single", int(c["x"], 0))
    for c in prim["poseidon_permutation"]:
        same("poseidon_permutation", *(int(x, 0) for x in c["state"]))
    for n in (*range(0, 12), 33, 200):
        values = [felt() for _ in range(n)]
        same("poseidon_many", values)
        same("pedersen_chain", values)
        same("pedersen_batch", [(felt(), felt()) for _ in range(min(n, 20))])
        same("poseidon_batch", [(felt(), felt()) for _ in range(n)])
    same("poseidon_many_batch", [])
    same("poseidon_many_batch", [[], [1], [felt() for _ in range(7)], []])
    big = [felt() for _ in range(100_000)]
    native("poseidon_many", big)
    native("pedersen_chain", big[:20_000])
    native("poseidon_batch", list(zip(big[::2], big[1::2])))
    native("pedersen_batch", list(zip(big[:4000:2], big[1:4000:2])))
    for n in (63, 64, 65, 257):   # around the affine batch path (64 items and more)
        same("pedersen_batch", [(felt(), felt()) for _ in range(n)])
    same("merkle_levels", big[:130], HashMethod.PEDERSEN)
    native("poseidon_many_batch", [big[i:i + rng.randrange(0, 9)] for i in range(0, 50_000, 7)])
    for n in (1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 65):
        leaves = [felt() for _ in range(n)]
        same("merkle_levels", leaves, HashMethod.POSEIDON)
        same("merkle_levels", leaves[:9], HashMethod.PEDERSEN)
    native("merkle_levels", big[:50_001], HashMethod.POSEIDON)
    for n in (*range(0, 140), 271, 272, 273, 1000):
        data = rng.randbytes(n)
        same("keccak256", data)
        same("starknet_keccak", data)
    for c in prim["keccak_bytes"]:
        same("keccak256", bytes.fromhex(c["bytes"][2:] if c["bytes"].startswith("0x") else c["bytes"]))
    native("keccak256", rng.randbytes(1_000_000))
    native("starknet_keccak", b"\xff" * 1_000_001)


def ecdsa() -> None:
    ec = load("ecdsa.json")
    for c in ec["keys"]:
        same("public_key", int(c["private_key"], 0))
    for c in ec["signatures"]:
        z, d = int(c["msg_hash"], 0), int(c["private_key"], 0)
        r, s = same("sign", z, d, None)
        q = same("public_key", d)
        assert same("verify", z, r, s, q), c["tag"]
    keys = [1, 2, N - 1, N - 2, *(1 + rng.getrandbits(252) % (N - 1) for _ in range(6))]
    zs = [0, 1, M251 - 1, *(rng.getrandbits(251) for _ in range(4))]
    for d in keys:
        q = same("public_key", d)
        for z in zs[:4]:
            for seed in (None, 0, 1, 32, 2**64, 2**256 - 1):
                r, s = same("sign", z, d, seed)
                same("verify", z, r, s, q)
                same("verify", z ^ 1, r, s, q)
                same("verify", z, r, N - s, q)
        same("sign_batch", zs, d)
        same("sign_batch", [], d)
    off_curve = next(x for x in range(2, 100) if pow(x**3 + ALPHA * x + BETA, (P - 1) // 2, P) == P - 1)
    for r, s, q in ((1, 1, off_curve), (M251 - 1, N - 1, 0), (1, 1, P - 1), (M251 - 1, 1, 1)):
        same("verify", M251 - 1, r, s, q)
    items = [(rng.getrandbits(251), 1 + rng.getrandbits(250), 1 + rng.getrandbits(251) % (N - 1), felt())
             for _ in range(40)]
    same("verify_batch", items)
    same("verify_batch", [])
    d = keys[-1]
    sigs = native("sign_batch", zs * 200, d)
    q = native("public_key", d)
    ok = native("verify_batch", [(z, r, s, q) for z, (r, s) in zip(zs * 200, sigs)])
    if not all(ok):
        sys.exit("MISMATCH sign_batch/verify_batch: a batch signature does not verify")


def prepared_keys() -> None:
    """Prepared public keys: native tables of derived, edge and off-curve keys verify exactly as the
    plain key does on the Python backend, single and batched; a large batch over several shared
    tables; tables used from several threads at once."""
    off_curve = [x for x in range(40) if pow(x**3 + ALPHA * x + BETA, (P - 1) // 2, P) == P - 1][:2]
    derived = [same("public_key", d) for d in (1, N - 1, 1 + rng.getrandbits(251))]
    tables: dict[int, Any] = {}
    for q in (*derived, *off_curve, P - 1):
        tables[q] = native("prepare_public_key", q)
        if len(bytes(nat._ffi.buffer(tables[q]))) != nat.PREPARED_KEY_BYTES:  # type: ignore[attr-defined]
            sys.exit("MISMATCH prepare_public_key: table size")
    items = []
    for i, d in enumerate((1, N - 1)):
        for z in (0, 1, M251 - 1, rng.getrandbits(251)):
            r, s = nat.sign(z, d, None)
            q = derived[i]
            for zz, rr, ss in ((z, r, s), (z, r, N - s), (z ^ 1, r, s), (z, r, 1), (z, r, N - 1)):
                for key in (q, *off_curve):
                    items.append((zz, rr, ss, key))
    for _ in range(30):
        items.append((rng.getrandbits(251), 1 + rng.getrandbits(250), 1 + rng.getrandbits(251) % (N - 1),
                      rng.choice(list(tables))))
    for z, r, s, q in items:
        want = py.verify(z, r, s, q)
        if native("verify_prepared", z, r, s, tables[q]) != want or py.verify_prepared(z, r, s, py.prepare_public_key(q)) != want:
            sys.exit(f"MISMATCH verify_prepared({z:#x}, {r:#x}, {s:#x}, key {q:#x}): python verify says {want}")
    want_batch = [py.verify(z, r, s, q) for z, r, s, q in items]
    if native("verify_batch_prepared", [(z, r, s, tables[q]) for z, r, s, q in items]) != want_batch:
        sys.exit("MISMATCH verify_batch_prepared: differs from python verify per item")
    if native("verify_batch_prepared", []) != []:
        sys.exit("MISMATCH verify_batch_prepared: empty batch")
    zs = [rng.getrandbits(251) for _ in range(300)]
    sigs = native("sign_batch", zs, 1)
    big = [(z ^ (i % 7 == 0), r, s, tables[derived[0]]) for i, (z, (r, s)) in enumerate(zip(zs, sigs))]
    want_big = [i % 7 != 0 for i in range(300)]
    if native("verify_batch_prepared", big) != want_big:
        sys.exit("MISMATCH verify_batch_prepared: a large batch over one shared table")
    errors: list[str] = []

    def work() -> None:
        for _ in range(3):
            if nat.verify_batch_prepared(big[:64]) != want_big[:64]:
                errors.append("threaded prepared batch differs")

    pool = [threading.Thread(target=work) for _ in range(4)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        sys.exit(f"MISMATCH under threads: {errors[0]}")


def sessions() -> None:
    """Session-transaction signing: random transactions (empty and long sequences, with and without
    proof facts) on both backends, then a large native batch checked against single calls."""
    def tx() -> tuple[list[int], ...]:
        return ([felt() for _ in range(9)], *([felt() for _ in range(rng.choice((0, 1, 2, 7)))] for _ in range(2)),
                [felt() for _ in range(rng.choice((0, 1, 18, 40)))], [felt() for _ in range(rng.choice((0, 0, 3)))])
    keys = (1, N - 1, 1 + rng.getrandbits(251))
    for k1, k2 in zip(keys, reversed(keys)):
        same("session_sign_invoke_v3", [tx() for _ in range(rng.choice((1, 3, 5)))], felt(), felt(), k1, k2)
    same("session_sign_invoke_v3", [], 0, 0, 1, 1)
    txs = [tx() for _ in range(70)]
    batch = native("session_sign_invoke_v3", txs, 5, 1, keys[2], keys[0])
    if [native("session_sign_invoke_v3", [t], 5, 1, keys[2], keys[0])[0] for t in txs[::7]] != batch[::7]:
        sys.exit("MISMATCH session_sign_invoke_v3: a batch item differs from the same transaction alone")
    for n in (0, 1, 3, 4, 5, 70):
        same("invoke_v3_hash_batch", txs[:n])
    if native("invoke_v3_hash_batch", txs) != [b[0] for b in batch]:
        sys.exit("MISMATCH invoke_v3_hash_batch: a hash differs from session_sign_invoke_v3's")


def threads() -> None:
    """The native calls release the GIL: run them concurrently and compare with a serial run."""
    pairs = [(felt(), felt()) for _ in range(2000)]
    want = native("poseidon_batch", pairs)
    errors: list[str] = []

    def work() -> None:
        for _ in range(20):
            if nat.poseidon_batch(pairs) != want or nat.pedersen(*pairs[0]) != py.pedersen(*pairs[0]):
                errors.append("threaded result differs")

    pool = [threading.Thread(target=work) for _ in range(4)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        sys.exit(f"MISMATCH under threads: {errors[0]}")


def main() -> None:
    lib = sys.modules[nat.__name__.rsplit(".", 2)[0] + "._native"].__file__
    print(f"native extension under test: {lib}")
    hashes()
    ecdsa()
    prepared_keys()
    sessions()
    threads()
    missing = [name for name, n in calls.items() if n == 0]
    if missing:
        sys.exit(f"entry points never called: {missing}")
    print(f"sanitizer smoke OK: {sum(calls.values())} checked calls over {len(calls)} entry points")


if __name__ == "__main__":
    main()
