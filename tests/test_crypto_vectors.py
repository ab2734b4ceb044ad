"""xsessions_core.crypto against the starknet.js vectors, docs/protocol.md §8 worked examples and starknet-py.

Every test runs on both backends (autouse ``backend`` fixture in conftest.py).
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from conftest import h, load_vectors
from poseidon_py import poseidon_hash as pp
from starknet_py.hash import selector as spy_selector
from starknet_py.hash import utils as spy

from xsessions_core import crypto
from xsessions_core.errors import InvalidFieldElement, InvalidMessageHash, InvalidPrivateKey

# The pure-Python backend warns when it signs; that warning has its own test (test_crypto_api).
pytestmark = pytest.mark.filterwarnings("ignore:.*not constant time:RuntimeWarning")

PRIM = load_vectors("primitives.json")
ECDSA = load_vectors("ecdsa.json")


def cases(section: list[dict[str, Any]], key: str | None = None) -> Any:
    """``pytest.mark.parametrize`` over a vector section, ids ``<index>-<key value>``."""
    ids = [f"{i:03d}" + (f"-{c[key]}" if key else "") for i, c in enumerate(section)]
    return pytest.mark.parametrize("case", section, ids=ids)


# --------------------------------------------------------------------------- constants


def test_constants_match_vectors() -> None:
    c = PRIM["constants"]
    assert crypto.FIELD_PRIME == h(c["field_prime"])
    assert crypto.EC_ORDER == h(c["curve_order"])
    assert crypto.MAX_ECDSA_VALUE == h(c["max_ecdsa_value"])
    assert crypto.MASK_250 == h(c["mask_250"])
    assert crypto.EC_GEN == (h(c["generator"]["x"]), h(c["generator"]["y"]))
    assert crypto.ALPHA == h(c["curve_alpha"])
    assert crypto.BETA == h(c["curve_beta"])


# --------------------------------------------------------------------------- Pedersen


@cases(PRIM["pedersen"])
def test_pedersen(case: dict[str, Any]) -> None:
    assert crypto.pedersen_hash(h(case["a"]), h(case["b"])) == h(case["hash"])


@cases(PRIM["pedersen_errors"])
def test_pedersen_errors(case: dict[str, Any]) -> None:
    with pytest.raises(InvalidFieldElement):
        crypto.pedersen_hash(h(case["a"]), h(case["b"]))
    with pytest.raises(InvalidFieldElement):
        crypto.pedersen_hash_batch([(h(case["a"]), h(case["b"]))])


def test_pedersen_batch_all_vectors() -> None:
    section = PRIM["pedersen"]
    got = crypto.pedersen_hash_batch([(h(c["a"]), h(c["b"])) for c in section])
    assert got == [h(c["hash"]) for c in section]


@cases(PRIM["pedersen_on_elements"])
def test_pedersen_on_elements(case: dict[str, Any]) -> None:
    assert crypto.compute_hash_on_elements([h(x) for x in case["data"]]) == h(case["hash"])


# --------------------------------------------------------------------------- Poseidon


@cases(PRIM["poseidon_hash"])
def test_poseidon_hash(case: dict[str, Any]) -> None:
    assert crypto.poseidon_hash(h(case["a"]), h(case["b"])) == h(case["hash"])


def test_poseidon_batch_all_vectors() -> None:
    section = PRIM["poseidon_hash"]
    got = crypto.poseidon_hash_batch([(h(c["a"]), h(c["b"])) for c in section])
    assert got == [h(c["hash"]) for c in section]


@cases(PRIM["poseidon_hash_single"])
def test_poseidon_hash_single(case: dict[str, Any]) -> None:
    assert crypto.poseidon_hash_single(h(case["x"])) == h(case["hash"])


@cases(PRIM["poseidon_hash_many"])
def test_poseidon_hash_many(case: dict[str, Any]) -> None:
    assert crypto.poseidon_hash_many([h(x) for x in case["data"]]) == h(case["hash"])


def test_poseidon_hash_many_batch_all_vectors() -> None:
    section = PRIM["poseidon_hash_many"]
    got = crypto.poseidon_hash_many_batch([[h(x) for x in c["data"]] for c in section])
    assert got == [h(c["hash"]) for c in section]


@cases(PRIM["poseidon_permutation"])
def test_poseidon_permutation(case: dict[str, Any]) -> None:
    assert crypto.poseidon_permutation([h(x) for x in case["state"]]) == tuple(
        h(x) for x in case["output"]
    )


@cases(PRIM["poseidon_non_canonical_inputs"])
def test_poseidon_non_canonical_inputs_raise(case: dict[str, Any]) -> None:
    """starknet.js reduces inputs >= p or < 0; we raise on purpose (docs/protocol.md §1.5)."""
    a, b = h(case["a"]), h(case["b"])
    for fn in (
        lambda: crypto.poseidon_hash(a, b),
        lambda: crypto.poseidon_hash(b, a),
        lambda: crypto.poseidon_hash_single(a),
        lambda: crypto.poseidon_hash_many([a, b]),
        lambda: crypto.poseidon_permutation([a, b, 2]),
        lambda: crypto.poseidon_hash_batch([(a, b)]),
        lambda: crypto.poseidon_hash_many_batch([[a, b]]),
    ):
        with pytest.raises(InvalidFieldElement):
            fn()
    # The reduced input gives the JS value: the rejection is a choice, not a different hash.
    p = crypto.FIELD_PRIME
    assert case["reduced_equal"] is True
    assert crypto.poseidon_hash(a % p, b % p) == h(case["hash"])


# --------------------------------------------------------------------------- Keccak and selectors


@cases(PRIM["starknet_keccak"])
def test_starknet_keccak_and_selector(case: dict[str, Any]) -> None:
    data = bytes.fromhex(case["name_utf8_hex"][2:])
    assert case["name"].encode("utf-8") == data
    assert crypto.starknet_keccak(data) == h(case["starknet_keccak"])
    assert crypto.get_selector_from_name(case["name"]) == h(case["selector"])


@cases(PRIM["keccak_bytes"])
def test_keccak_bytes(case: dict[str, Any]) -> None:
    data = bytes.fromhex(case["bytes"][2:])
    digest = crypto.keccak256(data)
    assert len(digest) == 32
    assert digest == h(case["keccak256"]).to_bytes(32, "big")
    assert crypto.starknet_keccak(data) == h(case["sn_keccak"])
    assert crypto.keccak256(bytearray(data)) == digest
    assert crypto.starknet_keccak(memoryview(data)) == h(case["sn_keccak"])


# --------------------------------------------------------------------------- ECDSA keys


@cases(ECDSA["keys"])
def test_keys(case: dict[str, Any]) -> None:
    stark_key = crypto.private_to_stark_key(h(case["private_key"]))
    assert stark_key == h(case["stark_key"]) == h(case["public_key_x"])
    full = case["full_public_key"]
    assert full == "0x04" + f"{stark_key:064x}" + f"{h(case['public_key_y']):064x}"


@cases(ECDSA["key_errors"])
def test_key_errors(case: dict[str, Any]) -> None:
    key = h(case["private_key"])
    with pytest.raises(InvalidPrivateKey):
        crypto.private_to_stark_key(key)
    with pytest.raises(InvalidPrivateKey):
        crypto.message_signature(1, key)
    with pytest.raises(InvalidPrivateKey):
        crypto.message_signature_batch([1], key)


# --------------------------------------------------------------------------- ECDSA signatures


@cases(ECDSA["signatures"], "tag")
def test_signatures(case: dict[str, Any]) -> None:
    d, z = h(case["private_key"]), h(case["msg_hash"])
    r, s = h(case["r"]), h(case["s"])
    assert crypto.message_signature(z, d) == (r, s)
    assert crypto.message_signature(z, d, seed=None) == (r, s)
    assert case["valid"] is True
    assert crypto.verify_message_signature(z, (r, s), crypto.private_to_stark_key(d)) is True


def test_sign_batch_all_vectors() -> None:
    """message_signature_batch (variant S) equals the vectors, grouped by key."""
    by_key: dict[int, list[dict[str, Any]]] = {}
    for c in ECDSA["signatures"]:
        by_key.setdefault(h(c["private_key"]), []).append(c)
    for d, group in by_key.items():
        got = crypto.message_signature_batch([h(c["msg_hash"]) for c in group], d)
        assert got == [(h(c["r"]), h(c["s"])) for c in group]


@cases(ECDSA["signatures"], "tag")
def test_variant_r_differs_exactly_on_flagged_cases(case: dict[str, Any]) -> None:
    """seed=0 (no extra entropy, cairo-lang's textbook bits2int) differs from starknet.js exactly
    when the vector says ``textbook_rfc6979_k_differs``; both signatures verify."""
    d, z = h(case["private_key"]), h(case["msg_hash"])
    sig_r = crypto.message_signature(z, d, seed=0)
    assert (sig_r != (h(case["r"]), h(case["s"]))) is case["textbook_rfc6979_k_differs"]
    assert crypto.verify_message_signature(z, sig_r, crypto.private_to_stark_key(d)) is True


def test_textbook_k_differs_cases_exist() -> None:
    flagged = [c for c in ECDSA["signatures"] if c["textbook_rfc6979_k_differs"]]
    assert len(flagged) == 4
    assert all(c["tag"] == "rfc6979-k-leading-zero-byte" for c in flagged)


@cases(ECDSA["sign_errors"])
def test_sign_errors(case: dict[str, Any]) -> None:
    with pytest.raises((InvalidMessageHash, InvalidPrivateKey)):
        crypto.message_signature(h(case["msg_hash"]), h(case["private_key"]))
    with pytest.raises((InvalidMessageHash, InvalidPrivateKey)):
        crypto.message_signature_batch([h(case["msg_hash"])], h(case["private_key"]))


# --------------------------------------------------------------------------- ECDSA verify

_VERIFY_OK = [c for c in ECDSA["verify"] if "error" not in c]
_VERIFY_ERR = [c for c in ECDSA["verify"] if "error" in c]


def _verify_args(c: dict[str, Any]) -> tuple[int, tuple[int, int], int]:
    return h(c["msg_hash"]), (h(c["r"]), h(c["s"])), h(c["stark_key"])


@cases(_VERIFY_OK, "case")
def test_verify(case: dict[str, Any]) -> None:
    assert crypto.verify_message_signature(*_verify_args(case)) is case["valid_with_stark_key_either_y"]


@cases(_VERIFY_ERR, "case")
def test_verify_out_of_range(case: dict[str, Any]) -> None:
    """The 5 cases JS throws on: False under the cairo-lang rules (or a ValueError)."""
    try:
        assert crypto.verify_message_signature(*_verify_args(case)) is False
    except ValueError:
        pass


def test_verify_error_cases_are_the_five_expected() -> None:
    assert sorted(c["case"] for c in _VERIFY_ERR) == sorted(
        ["r-zero", "r-too-big", "s-zero", "s-equals-n", "hash-too-big"]
    )


def test_verify_batch_all_vectors() -> None:
    items = [_verify_args(c) for c in ECDSA["verify"]]
    expected = [c.get("valid_with_stark_key_either_y", False) for c in ECDSA["verify"]]
    assert crypto.verify_message_signature_batch(items) == expected


# --------------------------------------------------------------------------- docs/protocol.md §8 worked examples

_D2 = 0x1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF1234567890ABCD
_Z2 = 0x6FEA80189363A786037ED3E7BA546DAD0EF7DE49FCCAE0E31EB658B7DD4EA76


@pytest.mark.parametrize(
    ("d", "z", "r", "s"),
    [
        (
            0x1,
            0x0,
            0x133BC1BDB5DD49C49CF8DB2EF338B3A08D1D121DDD02789FB0C7B5E744D7B82,
            0x3820EA4DCFAA20E69D6DC2B044146824B30291754447D9F7D42E3EAD4971C9C,
        ),
        (
            _D2,
            _Z2,
            0x65B1418B6A314C05E953DBA5EA45F76D6ED1A4652AB94F3D48DFE1F9D10AD1A,
            0x1102200E8F0AAACB69182BFC54F01ACA87C4D9746D0C4257783D795651765F6,
        ),
    ],
    ids=["d1-z0", "d1234-z6fea"],
)
def test_protocol_8_1_variant_s(d: int, z: int, r: int, s: int) -> None:
    assert crypto.message_signature(z, d) == (r, s)
    assert crypto.verify_message_signature(z, (r, s), crypto.private_to_stark_key(d))


def test_protocol_8_1_variant_r_and_seed_32() -> None:
    # "(same in variant R)": seed 0 = no extra entropy, textbook bits2int.
    assert crypto.message_signature(_Z2, _D2, seed=0) == (
        0x65B1418B6A314C05E953DBA5EA45F76D6ED1A4652AB94F3D48DFE1F9D10AD1A,
        0x1102200E8F0AAACB69182BFC54F01ACA87C4D9746D0C4257783D795651765F6,
    )
    # starknet-py default (variant R, seed 32).
    expected = (
        0x12C134FE9A137E8B80E3BA667D75D6AA63F57A0049F65E63D64D80D6366DC20,
        0x5FC35810AD62A5C17556DAA24BAE437D04F7C9999DCD7C17E2BD1ADF43A623,
    )
    assert crypto.message_signature(_Z2, _D2, seed=32) == expected
    assert tuple(spy.message_signature(_Z2, _D2)) == expected
    assert crypto.private_to_stark_key(_D2) == 0x4838C4ED86F1C9B4FE1AAC884AC79431B0243B79D9E24500EB0F6229F4FE72A


def test_protocol_2_3_variant_s_vs_r() -> None:
    d = 0x452E704607A473235C2E229862FE231BEEF67FB69F446126201A9D369AC0F04
    z = 0x20395C327A6DF7BA38B69304106E470B4FAD7F867D5F0FE321ECC08A58D7
    sig_s = (
        0x1A5C48ACB6B883DD8C6B83146B75EBF8882621CEE0D423883487BDA27C647E5,
        0x3FA82CC27D9A83A575F588F135FE1BF74AE057683C7237F4AE25FC6680610ED,
    )
    sig_r = (
        0x3EBDC44E1626D2C9AFCD26883AACD0988258C90B56C6876F36C8C8C68594C37,
        0x5D87B00106EF01F109290261E48463089806D3B43CF2B8BFD5701A321F44060,
    )
    assert crypto.message_signature(z, d) == sig_s
    assert crypto.message_signature(z, d, seed=0) == sig_r
    assert tuple(spy.message_signature(z, d, seed=None)) == sig_r
    pub = crypto.private_to_stark_key(d)
    assert crypto.verify_message_signature(z, sig_s, pub)
    assert crypto.verify_message_signature(z, sig_r, pub)


def test_protocol_8_2_hash_examples() -> None:
    assert crypto.pedersen_hash(1, 2) == 0x5BB9440E27889A364BCB678B1F679ECD1347ACDEDCBF36E83494F857CC58026
    assert (
        crypto.pedersen_hash(
            0x3D937C035C878245CAF64531A5756109C53068DA139362728FEB561405371CB,
            0x208A0A10250E382E1E4BBE2880906C2791BF6275695E02FBBC6AEFF9CD8B31A,
        )
        == 0x30E480BED5FE53FA909CC0F8C4D99B8F9F2C016BE4C41E13A4848797979C662
    )
    assert crypto.compute_hash_on_elements([1, 2, 3]) == 0xF9D95FBF356FBEDA26538C92F7040ABE51BF142350F73C9EE5BA7C660BAE71
    assert crypto.compute_hash_on_elements([]) == crypto.pedersen_hash(0, 0)


def test_protocol_1_5_poseidon_examples() -> None:
    assert crypto.poseidon_hash(1, 2) == 0x5D44A3DECB2B2E0CC71071F7B802F45DD792D064F0FC7316C46514F70F9891A
    assert crypto.poseidon_hash_single(1) == 0x6D226D4C804CD74567F5AC59C6A4AF1FE2A6ECED19FB7560A9124579877DA25
    assert crypto.poseidon_hash_many([]) == 0x2272BE0F580FD156823304800919530EAA97430E972D7213EE13F4FBF7A5DBC
    assert crypto.poseidon_hash_many([1]) == 0x579E8877C7755365D5EC1EC7D3A94A457EFF5D1F40482BBE9729C064CDEAD2
    assert crypto.poseidon_hash_many([1, 2]) == 0x371CB6995EA5E7EFFCD2E174DE264B5B407027A75A231A70C2C8D196107F0E7
    assert crypto.poseidon_hash_many([1, 2, 3]) == 0x2F0D8840BCF3BC629598D8A6CC80CB7C0D9E52D93DAB244BBF9CD0DCA0AD082


def test_protocol_1_6_selectors() -> None:
    assert crypto.get_selector_from_name("transfer") == 0x83AFD3F4CAEDC6EEBF44246FE54E38C95E3179A5EC9EA81740ECA5B482D12E
    assert crypto.get_selector_from_name("__execute__") == 0x15D40A3D6CA2AC30F4031E42BE28DA9B056FEF9BB7357AC5E85627EE876E5AD
    assert crypto.get_selector_from_name("use_plugin") == 0x27AD8765FC3B8F3AFEF2481081767DAADD0ABAFBD10A7FACE32534F2E4730E2
    assert crypto.get_selector_from_name("") == 0x1D2460186F7233C927E7DB2DCC703C0E500B653CA82273B7BFAD8045D85A470
    default = 0x2E4C01AC72B840834C6C3146A782496A90A442AC831E5188090C1D33A7C0F50
    assert crypto.get_selector_from_name("__default__") == default
    assert crypto.get_selector_from_name_cairo_lang("__default__") == 0


# --------------------------------------------------------------------------- starknet-py as an oracle

_RNG = random.Random(0x5E55)
_P = crypto.FIELD_PRIME
_N = crypto.EC_ORDER
_SAMPLES = [
    (_RNG.randrange(1, _N), _RNG.randrange(1, 2**251), _RNG.randrange(_P), _RNG.randrange(_P))
    for _ in range(24)
]


@pytest.mark.parametrize("sample", _SAMPLES, ids=[f"sample{i}" for i in range(len(_SAMPLES))])
def test_against_starknet_py(sample: tuple[int, int, int, int]) -> None:
    d, z, a, b = sample
    pub = crypto.private_to_stark_key(d)
    assert pub == spy.private_to_stark_key(d)
    sig = crypto.message_signature(z, d, seed=32)
    assert sig == tuple(spy.message_signature(z, d))
    assert crypto.verify_message_signature(z, sig, pub) is spy.verify_message_signature(z, list(sig), pub)
    sig_s = crypto.message_signature(z, d)
    assert spy.verify_message_signature(z, list(sig_s), pub) is True
    assert crypto.pedersen_hash(a, b) == spy.pedersen_hash(a, b)
    assert crypto.compute_hash_on_elements([a, b, z]) == spy.compute_hash_on_elements([a, b, z])
    assert crypto.poseidon_hash(a, b) == pp.poseidon_hash(a, b)
    assert crypto.poseidon_hash_single(a) == pp.poseidon_hash_single(a)
    assert crypto.poseidon_hash_many([a, b, z]) == pp.poseidon_hash_many([a, b, z])
    assert list(crypto.poseidon_permutation([a, b, z])) == pp.poseidon_perm(a, b, z)
    data = a.to_bytes(32, "big")[: z % 33]
    assert crypto.keccak256(data) == spy.keccak256(data).to_bytes(32, "big")
    assert crypto.starknet_keccak(data) == spy._starknet_keccak(data)
    name = f"fn_{a:x}"[: 1 + b % 40]
    assert crypto.get_selector_from_name_cairo_lang(name) == spy_selector.get_selector_from_name(name)
