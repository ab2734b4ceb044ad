"""xsessions_core.encoding against primitives.json (starknet.js 10.8.0) and docs/protocol.md §1.7, §1.8, §3.4."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import h, load_vectors

from xsessions_core.crypto import FIELD_PRIME, poseidon_hash_many
from xsessions_core.encoding import (
    byte_array_from_string,
    byte_array_hash,
    byte_array_serialize,
    decode_shortstring,
    encode_shortstring,
    get_selector,
    js_misencodes,
    keccak_bn,
    to_bigint,
    to_felt,
    to_hex,
)
from xsessions_core.errors import EncodingError, InvalidFieldElement

PRIM = load_vectors("primitives.json")


def _js_hex_int(text: str) -> int | None:
    """The number a JS hex string stands for, or None if it is not valid hex (quirk output)."""
    digits = text[2:]
    try:
        return int(digits, 16) if digits else None
    except ValueError:
        return None


@pytest.mark.parametrize("case", PRIM["encode_short_string"], ids=lambda c: repr(c["input"]))
def test_encode_short_string(case: dict[str, Any]) -> None:
    s = case["input"]
    if "error" in case:
        with pytest.raises(EncodingError):
            encode_shortstring(s)
        return
    ours = encode_shortstring(s)
    assert ours == int.from_bytes(s.encode("ascii"), "big")
    assert decode_shortstring(ours) == s
    if js_misencodes(s) or s == "":
        # Quirk 2: JS drops the zero padding of chars < 0x10, copies \n/\r raw, and returns "0x"
        # for "": its output is not valid hex or is another number. We encode the bytes correctly.
        assert _js_hex_int(case["output"]) != ours
    else:
        assert ours == h(case["output"])


@pytest.mark.parametrize("case", PRIM["decode_short_string"], ids=lambda c: c["input"])
def test_decode_short_string(case: dict[str, Any]) -> None:
    text = case["input"]
    value = int(text[2:] or "0", 16) if text.startswith("0x") else int(text)
    ours = decode_shortstring(value)
    hex_digits = format(value, "x") if value else ""
    if text.startswith("0x") and len(text[2:]) % 2 == 1:
        # JS decodes the hex *string* pairwise and keeps an odd trailing digit ("0x616" -> "a6",
        # "0x0" -> "0"); we decode the number's bytes, which round-trips.
        assert ours != case["output"]
        assert encode_shortstring(ours) == value
    else:
        assert len(hex_digits) % 2 == 0
        assert ours == case["output"]


@pytest.mark.parametrize("case", PRIM["byte_array_from_string"], ids=lambda c: repr(c["input"])[:40])
def test_byte_array_from_string(case: dict[str, Any]) -> None:
    s = case["input"]
    if "error" in case:
        with pytest.raises(EncodingError):
            byte_array_from_string(s, js_quirks=True)
        if s.isascii():  # "nl\nin": JS fails on its own raw "\n" in the hex; the bytes are fine
            data, pending, pending_len = byte_array_from_string(s)
            assert data == [] and pending == int.from_bytes(s.encode(), "big") and pending_len == len(s)
        else:
            with pytest.raises(EncodingError):
                byte_array_from_string(s)
        return
    expected = ([h(x) for x in case["data"]], h(case["pending_word"]), case["pending_word_len"])
    assert byte_array_from_string(s, js_quirks=True) == expected
    serialized = [len(expected[0]), *expected[0], expected[1], expected[2]]
    assert poseidon_hash_many(serialized) == h(case["poseidon_hash"])
    ours = byte_array_from_string(s)
    if js_misencodes(s):
        assert ours != expected  # quirk 2 inside byteArrayFromString ("tab\tin")
        assert ours[1] == int.from_bytes(s.encode()[-ours[2]:], "big")
    else:
        assert ours == expected
        assert byte_array_serialize(s) == serialized
        assert byte_array_hash(s) == h(case["poseidon_hash"])


@pytest.mark.parametrize(("text", "expected"), [
    ("", 0x29aee7812642221479b7e8af204ceaa5a7b7e113349fc8fb93e6303b477eb4d),
    ("abc", 0x34f24952bb706337806dac7c454f882e4181143dc99806bf4bba027978eba4d),
    ("a" * 31, 0x3d080a20d868a5dab5b0101c037fdecee89a82376d11e2d776124621a786750),
    ("a" * 32, 0xef8a23c8aee760dfb83c2f2f6bec544f702fda850ab82b142269b401b4ab99),
])
def test_byte_array_hash_protocol_examples(text: str, expected: int) -> None:
    """docs/protocol.md §1.8 worked values."""
    assert byte_array_hash(text) == expected


def test_byte_array_boundaries() -> None:
    assert byte_array_from_string("a" * 31) == ([int.from_bytes(b"a" * 31, "big")], 0, 0)
    assert byte_array_from_string("a" * 32)[1:] == (0x61, 1)
    assert byte_array_serialize("") == [0, 0, 0]


@pytest.mark.parametrize("case", PRIM["get_selector"], ids=lambda c: repr(c["input"]))
def test_get_selector(case: dict[str, Any]) -> None:
    assert get_selector(case["input"]) == case["output"]


@pytest.mark.parametrize("case", PRIM["keccak_bn"], ids=lambda c: c["value"])
def test_keccak_bn(case: dict[str, Any]) -> None:
    assert keccak_bn(case["value"]) == h(case["output"])
    assert keccak_bn(h(case["value"])) == h(case["output"])


@pytest.mark.parametrize(("value", "expected"), [
    # docs/protocol.md §3.4 [checked] examples of JS BigInt coercion
    ("", 0), (" 12 ", 12), ("0b101", 5), ("0XAB", 0xAB), ("007", 7), (True, 1), (False, 0), (7, 7),
    ("-5", -5), ("+5", 5), ("\n\t 0x10 \u00a0", 16), ("0o17", 15), (3.0, 3), ("   ", 0),
])
def test_to_bigint_accepts_js_bigint_strings(value: object, expected: int) -> None:
    assert to_bigint(value) == expected
    assert to_felt(value) == expected


@pytest.mark.parametrize("value", ["1e3", "-0x10", "0x", "1_000", "12abc", "0x1g", "- 5"])
def test_to_bigint_rejects_what_js_rejects(value: str) -> None:
    with pytest.raises(EncodingError):
        to_bigint(value)
    assert to_felt(value) == encode_shortstring(value)  # starknet.js getHex falls back to ss()


def test_to_bigint_only_ascii_digits() -> None:
    with pytest.raises(EncodingError):
        to_bigint("\u0661\u0662")  # Arabic-Indic digits: int() would accept them, JS does not


@pytest.mark.parametrize("value", [1.5, float("nan"), float("inf"), None, [5], {}, b"1"])
def test_to_felt_rejects_non_numbers(value: object) -> None:
    with pytest.raises(EncodingError):
        to_felt(value, "amount")


def test_to_felt_shortstring_errors_name_the_field() -> None:
    with pytest.raises(EncodingError, match="my_field"):
        to_felt("x" * 32, "my_field")
    with pytest.raises(EncodingError, match="my_field"):
        to_felt("é", "my_field")


def test_to_felt_js_quirks() -> None:
    assert to_felt("tab\there", js_quirks=True) == 0x746162968657265  # vectors README quirk 2
    assert to_felt("tab\there") == int.from_bytes(b"tab\there", "big")
    with pytest.raises(EncodingError):
        to_felt("new\nline", js_quirks=True)


def test_to_bigint_huge_decimal() -> None:
    assert to_bigint("0" * 10_000 + "42") == 42
    with pytest.raises(EncodingError):
        to_bigint("9" * 5000)


def test_to_hex() -> None:
    assert to_hex(0) == "0x0"
    assert to_hex(255) == "0xff"
    assert to_hex(FIELD_PRIME - 1) == "0x800000000000011000000000000000000000000000000000000000000000000"
    for bad in (-1, True, "0x1", 1.0):
        with pytest.raises(EncodingError):
            to_hex(bad)  # type: ignore[arg-type]


def test_shortstring_limits() -> None:
    assert encode_shortstring("x" * 31) == int.from_bytes(b"x" * 31, "big")
    with pytest.raises(EncodingError, match="too long"):
        encode_shortstring("x" * 32)
    with pytest.raises(EncodingError):
        encode_shortstring(123)  # type: ignore[arg-type]
    with pytest.raises(EncodingError):
        decode_shortstring(1 << 248)
    with pytest.raises(EncodingError):
        decode_shortstring(0xFF)  # not ASCII
    assert decode_shortstring(0) == ""


def test_encoding_error_is_a_value_error() -> None:
    assert issubclass(EncodingError, InvalidFieldElement) and issubclass(EncodingError, ValueError)


# --------------------------------------------------------------------------- felt spellings (one parser, a policy each)

from xsessions_core.encoding import FeltSpelling, felt_from, integer_from, is_hex_or_decimal  # noqa: E402
from xsessions_core.errors import TransactionError  # noqa: E402

S = FeltSpelling
ALL = set(FeltSpelling)
SPELLINGS = [
    # value, expected, spellings that accept it
    (5, 5, ALL),
    ("0x1f", 31, ALL),
    ("31", 31, ALL),
    ("0x0", 0, ALL),
    ("0x01f", 31, {S.BIGINT, S.SHORT_STRING, S.HEX_OR_DECIMAL, S.NODE_LENIENT}),
    ("0X1F", 31, {S.BIGINT, S.SHORT_STRING, S.NODE_LENIENT}),
    (" 31 ", 31, {S.BIGINT, S.SHORT_STRING}),
    ("0o17", 15, {S.BIGINT, S.SHORT_STRING}),
    ("", 0, {S.BIGINT, S.SHORT_STRING}),
    (True, 1, {S.SHORT_STRING}),
    ("transfer", 0x7472616E73666572, {S.SHORT_STRING}),
    ("1" * 81, None, set()),
    ("-1", None, set()),
    (hex(FIELD_PRIME), None, set()),
    (FIELD_PRIME, None, set()),
    (1.0, 1, {S.SHORT_STRING}),  # BigInt(1.0) == 1n; the plain BIGINT spelling takes ints and strings only
]


@pytest.mark.parametrize("value,expected,accepted", SPELLINGS, ids=lambda v: repr(v)[:20])
@pytest.mark.parametrize("spelling", list(FeltSpelling), ids=lambda s: s.value)
def test_felt_from_follows_its_spelling(spelling: FeltSpelling, value: object, expected: int | None,
                                        accepted: set[FeltSpelling]) -> None:
    if spelling in accepted:
        assert felt_from(value, "v", TransactionError, spelling=spelling) == expected
    else:
        with pytest.raises(TransactionError, match="v"):
            felt_from(value, "v", TransactionError, spelling=spelling)


def test_the_flags_name_spellings() -> None:
    for value in ("0x01f", "0X1F", " 31 ", "transfer", True):
        for flags, spelling in [({}, S.BIGINT), ({"short_strings": True}, S.SHORT_STRING),
                                ({"network": True}, S.NODE), ({"network": True, "lenient_hex": True}, S.NODE_LENIENT)]:
            try:
                want: object = felt_from(value, "v", spelling=spelling)
            except EncodingError as exc:
                want = str(exc)
            try:
                got: object = felt_from(value, "v", **flags)  # type: ignore[arg-type]
            except EncodingError as exc:
                got = str(exc)
            assert got == want


def test_integer_from_leaves_the_range_to_the_caller() -> None:
    assert integer_from(hex(FIELD_PRIME), "v", spelling=S.HEX_OR_DECIMAL) == FIELD_PRIME
    assert integer_from("-5", "v") == -5
    with pytest.raises(TransactionError, match="hex/decimal string, got bool"):
        integer_from(True, "v", TransactionError, S.HEX_OR_DECIMAL)
    assert is_hex_or_decimal("0x1") and is_hex_or_decimal("12")
    assert not is_hex_or_decimal("0x") and not is_hex_or_decimal("0X1") and not is_hex_or_decimal(" 1")
