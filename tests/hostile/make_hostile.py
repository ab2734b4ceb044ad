"""Regenerate the hostile-input corpus of this directory (files + ``index.json``).

Each case is a well-formed input from ``../shared/vectors`` broken in one way (or a raw byte
string). The files are committed; this script documents how they were made and rewrites them
byte for byte: ``python tests/hostile/make_hostile.py``.

Targets (sub-directory = what the file is meant to be):

* ``session`` — a modern (x-sessions 9) ``Session`` object as ``createSession`` returns it;
* ``legacy_session`` — a legacy (x-sessions 4) signed session ``{key, policies, expires, root, signature}``;
* ``typed_data`` — a SNIP-12 typed-data object (hashed for account :data:`ACCOUNT`);
* ``token`` — a session-token transaction signature (JSON array of felts);
* ``raw`` — bytes that are not a usable JSON document at all (fed to every JSON reader).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
VECTORS = Path(os.environ.get("XSESSIONS_VECTORS", HERE.parents[1].parent / "shared" / "vectors"))

P = 2**251 + 17 * 2**192 + 1
N = 0x0800000000000010FFFFFFFFFFFFFFFFB781126DCAE7B2321E66A241ADC64D2F
#: Account address used when hashing the typed-data cases.
ACCOUNT = "0x1234"
DEPTH = 10_000
HUGE = 100_001  # felts in the "enormous array" cases
MANY = 20_001  # objects in the "enormous array" cases

CASES: list[dict[str, str]] = []


def _vec(name: str) -> Any:
    with (VECTORS / name).open() as fh:
        return json.load(fh)


def _write(target: str, name: str, content: Any, description: str, expect: str = "error") -> None:
    """Write one case; ``content`` is bytes/str (verbatim) or an object (json.dumps, NaN allowed).

    ``expect`` (what the public API must do, see ``index.json``): ``"error"`` an XSessionsError;
    ``"reject"`` an XSessionsError or a negative verdict; ``"cli"`` nothing (the object is valid,
    only its size is hostile: the CLI must refuse the file).
    """
    path = HERE / target / name
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    elif not isinstance(content, bytes):
        content = json.dumps(content).encode()
    path.write_bytes(content)
    CASES.append({"file": f"{target}/{name}", "target": target, "expect": expect, "description": description})


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(doc)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def _drop(doc: dict[str, Any], key: str) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    del out[key]
    return out


def sessions() -> None:
    v9 = _vec("sessions_v9.json")["sessions"][0]
    base = v9["session"]
    w = lambda name, doc, what, expect="error": _write("session", name, doc, what, expect)  # noqa: E731
    w("auth_empty.json", _set(base, ("authorisationSignature",), []), "authorisationSignature is []", "reject")
    w("auth_one.json", _set(base, ("authorisationSignature",), base["authorisationSignature"][:1]),
      "authorisationSignature truncated to one felt", "reject")
    w("auth_felt_ge_p.json", _set(base, ("authorisationSignature", 0), hex(P)), "signature felt = p (hex string)")
    w("auth_felt_negative.json", _set(base, ("authorisationSignature", 0), "-0x1"), "signature felt is -0x1")
    w("auth_felt_null.json", _set(base, ("authorisationSignature", 1), None), "signature felt is null")
    w("auth_not_list.json", _set(base, ("authorisationSignature",), "0x1,0x2"), "authorisationSignature is a string")
    w("expires_nan.json", _set(base, ("expiresAt",), float("nan")), "expiresAt is the JSON literal NaN")
    w("expires_infinity.json", _set(base, ("expiresAt",), float("inf")), "expiresAt is Infinity")
    w("expires_negative.json", _set(base, ("expiresAt",), -1), "expiresAt is -1")
    w("expires_u64_overflow.json", _set(base, ("expiresAt",), 2**64), "expiresAt is 2**64 (u64 overflow)")
    w("expires_float.json", _set(base, ("expiresAt",), 1.5), "expiresAt is 1.5")
    w("expires_1e400.json", json.dumps(base).replace(str(base["expiresAt"]), "1e400"),
      "expiresAt is 1e400 (parses as inf)")
    w("expires_5000_digits.json", json.dumps(base).replace(str(base["expiresAt"]), "9" * 5000),
      "expiresAt is a 5000-digit integer literal (beyond Python's int-string limit)")
    w("expires_bool.json", _set(base, ("expiresAt",), True), "expiresAt is true")
    w("privkey_zero.json", _set(base, ("sessionKey", "privateKey"), "0x0"), "session private key 0")
    w("privkey_n.json", _set(base, ("sessionKey", "privateKey"), hex(N)), "session private key = n")
    w("privkey_not_hex.json", _set(base, ("sessionKey", "privateKey"), "0xzz"), "session private key '0xzz'")
    w("privkey_5000_digits.json", _set(base, ("sessionKey", "privateKey"), "1" * 5000),
      "session private key: 5000-digit decimal string")
    w("pubkey_ge_p.json", _set(base, ("sessionKey", "publicKey"), hex(2**256 - 1)), "session public key 2**256-1")
    w("hash_missing.json", _drop(base, "hash"), "no hash")
    w("hash_ge_p.json", _set(base, ("hash",), "0x" + "f" * 64), "hash 2**256-1")
    w("chain_id_ge_p.json", _set(base, ("chainId",), hex(P)), "chainId = p")
    w("chain_id_number.json", _set(base, ("chainId",), 1.5), "chainId is a float")
    w("address_too_long.json", _set(base, ("address",), "0x" + "1" * 100_000), "address: 100,000 hex digits")
    w("allowed_not_list.json", _set(base, ("allowedMethods",), {}), "allowedMethods is an object")
    w("allowed_entry_missing_key.json", _set(base, ("allowedMethods", 0), {"selector": "transfer"}),
      "allowed method without 'Contract Address'")
    w("allowed_address_ge_p.json", _set(base, ("allowedMethods", 0, "Contract Address"), hex(P + 5)),
      "allowed method contract address >= p")
    w("allowed_address_ge_2_251.json", _set(base, ("allowedMethods", 0, "Contract Address"), hex(2**251)),
      "allowed method contract address 2**251 (a felt, not a ContractAddress)")
    w("address_ge_2_251.json", _set(base, ("address",), hex(2**251 + 1)), "account address 2**251 + 1")
    w("allowed_selector_surrogate.json", _set(base, ("allowedMethods", 0, "selector"), "\ud800"),
      "allowed method selector is a lone UTF-16 surrogate (not encodable)")
    w("allowed_selector_int.json", _set(base, ("allowedMethods", 0, "selector"), 7), "selector is an int")
    w("allowed_enormous.json", _set(base, ("allowedMethods",), [{"Contract Address": "0x1", "selector": "a"}] * MANY),
      f"{MANY} allowed methods", "reject")
    w("allowed_deep.json", json.dumps(base).replace('"allowedMethods": [', '"allowedMethods": [' + "[" * (DEPTH - 1) + "]" * (DEPTH - 1) + ", "),
      f"allowedMethods[0] is {DEPTH} nested arrays")
    w("metadata_non_ascii.json", _set(base, ("metadata",), '{"projectID":"caf\u00e9"}'), "non-ASCII metadata", "reject")
    w("metadata_surrogate.json", _set(base, ("metadata",), "\udfff"), "metadata is a lone surrogate", "reject")
    w("metadata_huge.json", _set(base, ("metadata",), "a" * 1_100_000), "1,100,000-character metadata", "reject")
    w("metadata_not_string.json", _set(base, ("metadata",), {"projectID": "x"}), "metadata is an object")
    w("version_wrong.json", _set(base, ("version",), "0x32"), "version 0x32")
    w("top_list.json", [base], "top level is an array")
    w("top_null.json", "null", "top level is null")
    w("top_string.json", '"session"', "top level is a string")
    w("huge_padding.json", json.dumps(base)[:-1] + ", " + '"pad": "' + "x" * 1_100_000 + '"}',
      "valid session plus a 1.1 MB extra field (over a 1 MiB JSON size limit)", "cli")


def legacy_sessions() -> None:
    base = _vec("sessions_v4.json")["sessions"][0]["signed_session"]
    w = lambda name, doc, what, expect="error": _write("legacy_session", name, doc, what, expect)  # noqa: E731
    w("signature_one.json", _set(base, ("signature",), base["signature"][:1]), "signature has one element")
    w("signature_ge_p.json", _set(base, ("signature", 0), str(P)), "signature r = p (decimal)")
    w("signature_float.json", _set(base, ("signature", 0), 1.5), "signature r is 1.5")
    w("expires_nan.json", _set(base, ("expires",), float("nan")), "expires NaN")
    w("expires_negative.json", _set(base, ("expires",), -5), "expires -5")
    w("expires_string_junk.json", _set(base, ("expires",), "soon"), "expires 'soon'")
    w("root_ge_p.json", _set(base, ("root",), hex(P)), "root = p")
    w("key_missing.json", _drop(base, "key"), "no key")
    w("key_ge_p.json", _set(base, ("key",), "0x" + "f" * 64), "key 2**256-1")
    w("policies_empty.json", _set(base, ("policies",), []), "no policies (empty Merkle tree)")
    w("policies_not_list.json", _set(base, ("policies",), "all"), "policies is a string")
    w("policy_selector_surrogate.json", _set(base, ("policies", 0, "selector"), "\ud800"), "selector lone surrogate")
    w("policy_address_negative.json", _set(base, ("policies", 0, "contractAddress"), "-1"), "contractAddress -1")
    w("policies_enormous.json", _set(base, ("policies",), [{"contractAddress": "0x1", "selector": "a"}] * MANY), f"{MANY} policies", "reject")
    w("top_list.json", [base], "top level is an array")


def typed_data() -> None:
    cases = _vec("typed_data.json")["cases"]
    rev1 = next(c["typed_data"] for c in cases if c.get("revision") == "1" and "error" not in c)
    rev0 = next(c["typed_data"] for c in cases if c.get("revision") == "0" and "error" not in c)
    w = lambda name, doc, what, expect="error": _write("typed_data", name, doc, what, expect)  # noqa: E731
    dom1 = {"StarknetDomain": rev1["types"]["StarknetDomain"]}
    chain = {f"T{i}": [{"name": "x", "type": f"T{i + 1}*"}] for i in range(DEPTH)}
    chain[f"T{DEPTH}"] = [{"name": "x", "type": "felt"}]
    w("type_chain_10000.json",
      {"types": {**dom1, **chain}, "primaryType": "T0", "domain": rev1["domain"], "message": {"x": []}},
      f"{DEPTH} struct types each referencing the next (flat JSON, deep dependency graph)")
    w("type_self_cycle.json",
      {"types": {**dom1, "T": [{"name": "x", "type": "T*"}]}, "primaryType": "T", "domain": rev1["domain"],
       "message": {"x": [{"x": []}]}}, "a type that references itself (recursive types are rejected)")
    w("type_mutual_cycle.json",
      {"types": {**dom1, "A": [{"name": "b", "type": "B"}], "B": [{"name": "a", "type": "A"}]},
       "primaryType": "A", "domain": rev1["domain"], "message": {"b": {"a": {"b": {}}}}},
      "two types referencing each other; the finite message runs out of fields")
    nest = "[" * DEPTH + "]" * DEPTH
    w("message_deep_10000.json",
      json.dumps({"types": {**dom1, "T": [{"name": "x", "type": "felt*"}]}, "primaryType": "T",
                  "domain": rev1["domain"], "message": {"x": 0}}).replace('"x": 0', '"x": ' + nest),
      f"message value nested {DEPTH} levels deep")
    w("felt_array_enormous.json",
      {"types": {**dom1, "T": [{"name": "x", "type": "felt*"}]}, "primaryType": "T", "domain": rev1["domain"],
       "message": {"x": ["0x1"] * HUGE}}, f"felt* array of {HUGE} elements")
    w("merkletree_enormous.json",
      {"types": {**dom1, "L": [{"name": "v", "type": "felt"}],
                 "T": [{"name": "root", "type": "merkletree", "contains": "L"}]},
       "primaryType": "T", "domain": rev1["domain"], "message": {"root": [{"v": 1}] * HUGE}},
      f"merkletree of {HUGE} leaves")
    simple = {"types": {**dom1, "T": [{"name": "x", "type": "felt"}]}, "primaryType": "T", "domain": rev1["domain"]}
    for name, value, what in [
        ("felt_eq_p_hex.json", hex(P), "felt = p as hex string"),
        ("felt_ge_p_decimal.json", str(P + 1), "felt = p+1 as decimal string"),
        ("felt_5000_digits.json", "7" * 5000, "felt: 5000-digit decimal string"),
        ("felt_hex_100000.json", "0x" + "f" * 100_000, "felt: 100,000 hex digits"),
        ("felt_negative.json", -1, "felt -1"),
        ("felt_nan.json", float("nan"), "felt NaN"),
        ("felt_infinity.json", float("-inf"), "felt -Infinity"),
        ("felt_float.json", 0.5, "felt 0.5"),
        ("felt_null.json", None, "felt null"),
        ("felt_object.json", {"a": 1}, "felt is an object"),
        ("felt_surrogate.json", "\ud800", "felt is a lone surrogate string"),
        ("felt_shortstring_too_long.json", "a" * 32, "32-character short string"),
    ]:
        w(name, {**simple, "message": {"x": value}}, what)
    for typ, value, name, what in [
        ("u128", hex(2**128), "u128_overflow.json", "u128 = 2**128"),
        ("u256", {"low": hex(2**128), "high": "0x0"}, "u256_low_overflow.json", "u256.low = 2**128"),
        ("u256", "0x1", "u256_not_struct.json", "u256 given as a plain felt"),
        ("i128", hex(2**127), "i128_overflow.json", "i128 = 2**127"),
        ("bool", "2", "bool_two.json", "bool '2'"),
        ("timestamp", -1, "timestamp_negative.json", "timestamp -1"),
        ("ContractAddress", hex(P), "address_eq_p.json", "ContractAddress = p"),
        ("selector", "\udfff", "selector_surrogate.json", "selector: lone surrogate"),
        ("string", "caf\u00e9", "string_non_ascii.json", "rev-1 string with a non-ASCII char"),
        ("shortstring", "caf\u00e9", "shortstring_non_ascii.json", "shortstring with a non-ASCII char"),
        ("felt*", "0x1", "array_not_list.json", "felt* given a string"),
        ("nosuchtype", "0x1", "unknown_type.json", "field of an undefined type"),
    ]:
        w(name, {**simple, "types": {**dom1, "T": [{"name": "x", "type": typ}]}, "message": {"x": value}}, what)
    w("enum_bad_variant.json",
      {"types": {**dom1, "T": [{"name": "e", "type": "enum", "contains": "E"}], "E": [{"name": "A", "type": "()"}]},
       "primaryType": "T", "domain": rev1["domain"], "message": {"e": {"Z": []}}}, "enum value names no variant")
    w("merkletree_no_contains.json",
      {**simple, "types": {**dom1, "T": [{"name": "x", "type": "merkletree"}]}, "message": {"x": ["0x1"]}},
      "merkletree field without 'contains'")
    w("merkletree_empty.json",
      {"types": {**dom1, "L": [{"name": "v", "type": "felt"}], "T": [{"name": "x", "type": "merkletree", "contains": "L"}]},
       "primaryType": "T", "domain": rev1["domain"], "message": {"x": []}}, "merkletree with no leaves")
    w("preset_redefined.json", {**simple, "types": {**simple["types"], "u256": [{"name": "low", "type": "u128"}]},
                                "message": {"x": 1}}, "redefines the preset type u256")
    w("type_name_comma.json", {**simple, "types": {**dom1, "A,B": [{"name": "x", "type": "felt"}]},
                               "primaryType": "A,B", "message": {"x": 1}}, "type name with a comma")
    w("revision_2.json", _set(rev1, ("domain", "revision"), "2"), "domain revision '2'")
    w("primary_missing.json", _drop(rev1, "primaryType"), "no primaryType")
    w("primary_undefined.json", _set(rev1, ("primaryType",), "Nope"), "primaryType names no type")
    w("types_not_object.json", _set(rev1, ("types",), []), "types is an array")
    w("fields_not_list.json", _set(rev0, ("types", rev0["primaryType"]), {"name": "x"}), "a type's fields is an object")
    w("message_missing_field.json", _set(rev0, ("message",), {}), "message is {} (every field missing)")
    w("domain_missing.json", _drop(rev1, "domain"), "no domain")


#: contract_verdicts.json case whose (VALID) transaction the token cases re-sign: its signature is
#: replaced by each hostile token and the relayer verifier must reject the transaction.
TOKEN_BASE_CASE = "pub-001"


def tokens() -> None:
    case = next(c for c in _vec("contract_verdicts.json")["cases"] if c["id"] == TOKEN_BASE_CASE)
    sig: list[str] = case["transaction"]["signature"]
    auth_len = int(sig[6], 16)
    after_auth = 7 + auth_len  # index of the session signer variant
    proofs_at = after_auth + 8  # index of n_proofs
    w = lambda name, doc, what, expect="reject": _write("token", name, doc, what, expect)  # noqa: E731
    for cut in (0, 1, 5, 6, 7, after_auth - 1, after_auth + 2, proofs_at - 1, proofs_at, len(sig) - 1):
        w(f"truncated_{cut:02d}.json", sig[:cut], f"valid token truncated to {cut} felts")
    w("auth_len_lies_huge.json", _set(sig, (6,), hex(2**64)), "authorisation length 2**64")
    w("auth_len_lies_p_minus_1.json", _set(sig, (6,), hex(P - 1)), "authorisation length p-1")
    w("auth_len_lies_plus_one.json", _set(sig, (6,), hex(auth_len + 1)), "authorisation length one too many")
    w("proofs_count_huge.json", _set(sig, (proofs_at,), hex(2**40)), "number of proofs 2**40")
    w("proof_len_lies.json", _set(sig, (proofs_at + 1,), hex(2**32)), "first proof length 2**32")
    w("proof_longer_than_tree.json", sig[:proofs_at] + ["0x1", "0x12c"] + ["0x5"] * 300,
      "a proof of 300 siblings for a tree of depth <= 1")
    w("trailing_felt.json", sig + ["0x0"], "one felt after the proofs")
    w("magic_wrong.json", _set(sig, (0,), "0x73657373696f6e2d746f6b656f"), "wrong magic felt")
    w("felt_eq_p.json", _set(sig, (2,), hex(P)), "allowed_methods_root = p")
    w("felt_ge_p_decimal.json", _set(sig, (3,), str(2**256)), "metadata_hash = 2**256 (decimal string)")
    w("felt_negative.json", _set(sig, (4,), "-0x5"), "session_key_guid -0x5")
    w("felt_not_hex.json", _set(sig, (1,), "0xg"), "expires_at '0xg'")
    w("felt_empty_string.json", _set(sig, (1,), ""), "expires_at ''")
    w("felt_null.json", _set(sig, (5,), None), "cache flag null")
    w("felt_nested_list.json", _set(sig, (2,), ["0x1"]), "a felt that is a list")
    w("felt_float.json", _set(sig, (1,), 1.5), "expires_at 1.5")
    w("felt_nan.json", _set(sig, (1,), float("nan")), "expires_at NaN")
    w("felt_5000_digits.json", _set(sig, (1,), "8" * 5000), "expires_at: 5000-digit decimal string")
    w("signer_variant_secp256k1.json", _set(sig, (after_auth,), "0x1"), "session signer variant 1 (Secp256k1) with a Starknet payload")
    w("signer_variant_unknown.json", _set(sig, (after_auth,), "0x7"), "session signer variant 7 (no such variant)")
    w("signer_variant_huge.json", _set(sig, (after_auth,), hex(P - 1)), "session signer variant p-1")
    w("guardian_pubkey_zero.json", _set(sig, (after_auth + 5,), "0x0"), "guardian public key 0")
    w("empty.json", [], "empty array")
    w("object.json", {"signature": sig}, "an object, not an array")
    w("enormous_zeros.json", sig[:proofs_at] + [hex(HUGE)] + ["0x0"] * HUGE, f"{HUGE} empty proofs")
    w("over_node_signature_limit.json", sig + ["0x0"] * 4000, "4,000 felts more than a node accepts")
    w("proof_deeper_than_any_tree.json", sig[:proofs_at] + ["0x1", "0x21"] + ["0x5"] * 33,
      "a proof of 33 siblings (no x-sessions tree is deeper than 32)")
    for name, value, what in (("felt_underscore.json", "0x0_5", "'0x0_5'"), ("felt_space.json", " 0x5", "' 0x5'"),
                              ("felt_newline.json", "0x5\n", "'0x5\\n'"),
                              ("felt_arabic_indic_digit.json", "0x\u0665", "'0x' + ARABIC-INDIC DIGIT FIVE"),
                              ("felt_bool.json", True, "true"), ("felt_leading_zero.json", "0x05", "'0x05'"),
                              ("felt_upper_case_prefix.json", "0X5", "'0X5'")):
        w(name, _set(sig, (5,), value), f"cache flag {what} (a node rejects this felt spelling)")


def raw() -> None:
    w = lambda name, data, what: _write("raw", name, data, what)  # noqa: E731
    w("empty.json", b"", "empty file")
    w("non_utf8.json", b'{"address": "\xff\xfe\x80"}', "invalid UTF-8 bytes")
    w("utf16_bom.json", "\ufeff{}".encode("utf-16"), "UTF-16 with BOM")
    w("utf8_bom.json", b"\xef\xbb\xbf{}", "UTF-8 BOM then {}")
    w("nul_bytes.json", b"\x00" * 64, "NUL bytes")
    w("deep_arrays.json", b"[" * DEPTH + b"]" * DEPTH, f"{DEPTH} nested arrays")
    w("deep_objects.json", b'{"a":' * DEPTH + b"1" + b"}" * DEPTH, f"{DEPTH} nested objects")
    w("unclosed.json", b'{"authorisationSignature": [', "truncated JSON")
    w("nan.json", b"NaN", "the literal NaN")
    w("infinity_list.json", b"[Infinity, -Infinity]", "Infinity literals")
    w("int_5000_digits.json", b"1" * 5000, "a 5000-digit integer literal")
    w("binary.json", bytes(range(256)) * 4, "every byte value")
    w("huge_array.json", b"[" + b"0," * 600_000 + b"0]", "a 1.2 MB array of zeros")


def main() -> None:
    for target in ("session", "legacy_session", "typed_data", "token", "raw"):
        shutil.rmtree(HERE / target, ignore_errors=True)
        (HERE / target).mkdir()
    sessions()
    legacy_sessions()
    typed_data()
    tokens()
    raw()
    index = {"account_address": ACCOUNT, "token_base_case": TOKEN_BASE_CASE, "count": len(CASES), "cases": CASES}
    (HERE / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    print(f"{len(CASES)} hostile cases written to {HERE}")


if __name__ == "__main__":
    main()
