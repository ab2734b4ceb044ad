"""The Cairo ``Serde`` reader: each corelib type's range rule, the two array behaviours (``Span<felt252>``
panics past the end, other arrays return ``None``), offsets, felt checking and leftover felts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xsessions_core.cairo_serde import (INDEX_OUT_OF_BOUNDS, CairoReader, CheckedCairoReader, SerdeNone,
                                        SerdePanic, deserialize_all)
from xsessions_core.crypto import FIELD_PRIME
from xsessions_core.errors import InvalidFieldElement


class Failed(Exception):
    """The error ``deserialize_all`` raises in these tests."""


@pytest.mark.parametrize("bits", [8, 32, 64, 128])
def test_uint_range(bits: int) -> None:
    top = (1 << bits) - 1
    r = CairoReader([0, top, top + 1])
    assert r.uint(bits) == 0 and r.uint(bits) == top
    with pytest.raises(SerdeNone) as info:
        r.uint(bits)
    assert info.value.offset == 2 and f"u{bits}" in str(info.value)


def test_felt_runs_out_with_its_offset() -> None:
    r = CairoReader([7, 8], start=1)
    assert r.remaining() == 1 and r.felt() == 8 and r.remaining() == 0
    with pytest.raises(SerdeNone) as info:
        r.felt()
    assert info.value.offset == 2


def test_bool_is_any_nonzero_felt() -> None:
    r = CairoReader([0, 1, 2, FIELD_PRIME - 1])
    assert [r.boolean() for _ in range(4)] == [False, True, True, True]


def test_span_felt252_panics_past_the_end() -> None:
    assert CairoReader([2, 5, 6]).span_felt() == (5, 6)
    with pytest.raises(SerdePanic) as info:
        CairoReader([3, 5, 6]).span_felt()
    assert info.value.message == INDEX_OUT_OF_BOUNDS
    with pytest.raises(SerdeNone):  # the length is a u32
        CairoReader([1 << 32, 5]).span_felt()


def test_generic_arrays_return_none_past_the_end() -> None:
    r = CairoReader([2, 5, 6])
    assert r.span_of(r.felt) == (5, 6)
    r = CairoReader([3, 5, 6])
    with pytest.raises(SerdeNone) as info:
        r.span_of(r.felt)
    assert info.value.offset == 3


def test_bytes_span() -> None:
    r = CairoReader([3, 0x61, 0x62, 255, 9])
    assert r.bytes_span() == b"ab\xff" and r.remaining() == 1
    with pytest.raises(SerdeNone) as info:  # an item is not a u8
        CairoReader([2, 1, 256]).bytes_span()
    assert info.value.offset == 2
    with pytest.raises(SerdeNone) as info:  # longer than the felts left: None before reading the items
        CairoReader([4, 1, 256]).bytes_span()
    assert info.value.offset == 1


def test_checked_reader_checks_each_felt_it_reads() -> None:
    r = CheckedCairoReader([1, FIELD_PRIME, "x"])  # type: ignore[list-item]
    assert r.felt() == 1
    with pytest.raises(InvalidFieldElement, match=r"felts\[1\]"):
        r.felt()
    with pytest.raises(InvalidFieldElement, match=r"felts\[1\]"):
        CheckedCairoReader([True, "x"], start=1).uint(8)  # type: ignore[list-item]
    with pytest.raises(SerdeNone):
        CheckedCairoReader([]).felt()
    # Unchecked reading trusts its input: the plain reader returns the item as is.
    assert CairoReader([FIELD_PRIME]).felt() == FIELD_PRIME


def test_deserialize_all_errors() -> None:
    def read(r: CairoReader) -> tuple[int, ...]:
        return r.span_felt()

    def run(data: list[int]) -> tuple[int, ...]:
        return deserialize_all(data, read, Failed, "none", "too long")

    assert run([1, 4]) == (4,)
    for data, message in (([1, 4, 5], "too long"), ([], "none"), ([2, 4], INDEX_OUT_OF_BOUNDS)):
        with pytest.raises(Failed) as info:
            run(data)
        assert str(info.value) == message


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, FIELD_PRIME - 1), max_size=6), st.integers(0, 8))
def test_span_round_trip(items: list[int], extra: int) -> None:
    data = [len(items), *items, *range(extra)]
    r = CairoReader(data)
    assert r.span_felt() == tuple(items) and r.remaining() == extra
    r = CheckedCairoReader(data)
    assert r.span_of(r.felt) == tuple(items) and r.remaining() == extra
