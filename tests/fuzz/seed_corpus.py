"""Regenerate the seed corpora ``tests/fuzz/corpus/<harness>/`` and ``base_transaction.json``.

Seeds come from ``../shared/vectors`` (valid inputs, so the fuzzer starts deep in the code) and
from the small files of ``tests/hostile/`` (malformed inputs). Run ``python
tests/fuzz/seed_corpus.py``; the output is deterministic and committed (a few hundred files).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Iterable

HERE = Path(__file__).resolve().parent
HOSTILE = HERE.parent / "hostile"
VECTORS = Path(os.environ.get("XSESSIONS_VECTORS", HERE.parents[2] / "shared" / "vectors"))
MAX_SEED_BYTES = 64 * 1024
sys.path.insert(0, str(HERE))
TOKEN_BASE_CASE = "pub-001"


def vec(name: str) -> Any:
    with (VECTORS / name).open() as fh:
        return json.load(fh)


def write(harness: str, items: Iterable[bytes]) -> int:
    out = HERE / "corpus" / harness
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    names = set()
    for data in items:
        if len(data) > MAX_SEED_BYTES:
            continue
        name = hashlib.sha1(data).hexdigest()[:16]
        if name not in names:
            names.add(name)
            (out / name).write_bytes(data)
    return len(names)


def hostile(target: str) -> list[bytes]:
    return [p.read_bytes() for p in sorted((HOSTILE / target).glob("*"))]


def js(obj: Any) -> bytes:
    return json.dumps(obj).encode()


# Inverse of fuzz_crypto's Reader grammar (see fuzz_crypto.py) for ints, lists and pairs.
def enc_int(v: int) -> bytes:
    body = abs(v).to_bytes((abs(v).bit_length() + 7) // 8, "big")
    return bytes([1 if v >= 0 else 2, len(body)]) + body


def enc_list(items: list[bytes]) -> bytes:
    return bytes([10, len(items)]) + b"".join(items)


def enc_pair(a: bytes, b: bytes) -> bytes:
    return bytes([13]) + a + b


def crypto_seeds() -> list[bytes]:
    prim, ec = vec("primitives.json"), vec("ecdsa.json")
    from fuzz_crypto import OPS  # noqa: PLC0415 (imports the library; only needed here)

    op = {fn.__name__ + ("_seeded" if nargs == 3 and fn.__name__ == "message_signature" else ""): bytes([i])
          for i, (fn, nargs) in enumerate(OPS)}
    h = lambda v: int(v, 0) if isinstance(v, str) else v  # noqa: E731
    seeds = []
    for c in prim["pedersen"][:10]:
        seeds.append(op["pedersen_hash"] + enc_int(h(c["a"])) + enc_int(h(c["b"])))
    for c in prim["poseidon_hash_many"][:10]:
        seeds.append(op["poseidon_hash_many"] + enc_list([enc_int(h(x)) for x in c["data"]][:7]))
    for c in prim["pedersen_on_elements"][:5]:
        seeds.append(op["compute_hash_on_elements"] + enc_list([enc_int(h(x)) for x in c["data"]][:7]))
    for c in prim["poseidon_permutation"][:5]:
        seeds.append(op["poseidon_permutation"] + enc_list([enc_int(h(x)) for x in c["state"]]))
    for c in prim["keccak_bytes"][:5]:
        data = bytes.fromhex(c["bytes"].removeprefix("0x"))[:255]
        seeds.append(op["keccak256"] + bytes([11, len(data)]) + data)
    for c in ec["signatures"][:10]:
        z, d = enc_int(h(c["msg_hash"])), enc_int(h(c["private_key"]))
        seeds.append(op["message_signature"] + z + d + b"\x00")
        seeds.append(op["message_signature_seeded"] + z + d + enc_int(32) + b"\x00")
        seeds.append(op["verify_message_signature"] + z + enc_pair(enc_int(h(c["r"])), enc_int(h(c["s"])))
                     + enc_int(int(c["full_public_key"][4:68], 16)))
    for c in ec["keys"][:5]:
        seeds.append(op["private_to_stark_key"] + enc_int(h(c["private_key"])) + b"\x00")
    for i, _ in enumerate(OPS):  # every op with edge-value arguments
        seeds.append(bytes([i]) + bytes([3, i]) + bytes([4, 2 * i + 1, 3]) + bytes([12, 70, 0]))
    return seeds


def relayer_documents(verdicts: list[Any], v9: list[Any]) -> list[bytes]:
    """Every contract_verdicts.json case as a whole relayer request (fuzz_relayer_documents.py),
    the first few with a session of sessions_v9.json."""
    docs = []
    sessions = [s["session"] for s in v9 if "session" in s]
    for i, case in enumerate(verdicts):
        acct, tx = case["account"], case["transaction"]
        backup = (case.get("account_state") or {}).get("guardian_backup")
        doc: dict[str, Any] = {
            "account": {"address": acct["address"], "class_version": acct["class_version"],
                        "owner_public_key": acct["owner"]["public_key"],
                        "guardian_public_key": acct["guardian"]["public_key"] if acct["guardian"] else None,
                        "guardian_backup_public_key": backup["public_key"] if backup else None},
            "chain_id": case["chain_id"], "block_timestamp": case["block"]["timestamp"],
            "state": case.get("account_state") or {},
        }
        if tx["kind"] == "invoke_v3":
            doc["transaction"] = {k: v for k, v in tx.items() if k != "kind"}
        else:
            doc.update(outside_execution=tx["outside_execution"], signature=tx["signature"],
                       caller_address=tx["submitted_by"], relayer_tx_version=tx.get("relayer_tx_version", "0x3"))
        if i < len(sessions) and i < 4:
            doc["session"] = sessions[i]
        docs.append(js(doc))
    return docs


def main() -> None:
    td = vec("typed_data.json")["cases"]
    v9 = vec("sessions_v9.json")["sessions"]
    v4 = vec("sessions_v4.json")["sessions"]
    verdicts = vec("contract_verdicts.json")["cases"]

    counts = {"fuzz_crypto": write("fuzz_crypto", crypto_seeds())}
    counts["fuzz_typed_data"] = write("fuzz_typed_data", [js(c["typed_data"]) for c in td]
                                      + [js(s["session_request"]["session_typed_data"]) for s in v9[:3]]
                                      + hostile("typed_data"))
    counts["fuzz_session_json"] = write("fuzz_session_json", [
        *(js(s["session"]) for s in v9 if "session" in s), *(js(s["session_request"]["offchain_session"]) for s in v9[:4]),
        *(js(s["session_request"]) for s in v9[:2]), *(js(s["signed_session"]) for s in v4),
        *(js({"key": s["inputs"]["session_public_key"], "expires": s["inputs"]["expires"],
              "policies": s["inputs"]["policies"]}) for s in v4[:3]),
        *hostile("session"), *hostile("legacy_session")])
    sigs = [c["transaction"]["signature"] for c in verdicts if c["transaction"]["kind"] == "invoke_v3"]
    sigs += [t["signatures"][k]["signature"] for s in v9[:3] for t in s["transactions"] for k in ("cache_false", "cache_true")]
    counts["fuzz_session_token"] = write("fuzz_session_token", [js(s) for s in sigs] + hostile("token"))

    counts["fuzz_relayer_documents"] = write("fuzz_relayer_documents", relayer_documents(verdicts, v9))

    case = next(c for c in verdicts if c["id"] == TOKEN_BASE_CASE)
    acct = case["account"]
    base = {
        "source": f"contract_verdicts.json case {TOKEN_BASE_CASE} (verdict {case['verdict']}), signature removed",
        "account": {"address": acct["address"], "class_version": acct["class_version"],
                    "owner_public_key": acct["owner"]["public_key"],
                    "guardian_public_key": acct["guardian"]["public_key"]},
        "chain_id": case["chain_id"],
        "block_timestamp": case["block"]["timestamp"],
        "transaction": {k: v for k, v in case["transaction"].items() if k not in ("signature", "kind")},
    }
    (HERE / "base_transaction.json").write_text(json.dumps(base, indent=1) + "\n")
    print(counts)


if __name__ == "__main__":
    main()
