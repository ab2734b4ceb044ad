"""Cairo ``Serde`` reader over felts, with the corelib rules the Argent account relies on.

Sources: starkware-libs/cairo ``corelib/src/serde.cairo`` and ``corelib/src/array.cairo``
(``SpanFelt252Serde``). ``Serde::deserialize`` returns ``None`` for a value out of its type's
range, an unknown enum variant or felts that run out (:class:`SerdeNone`); two corelib behaviours
give *different* errors and are kept apart:

* ``Span<felt252>`` is deserialised with ``SpanFelt252Serde``: the length must fit a ``u32`` (else
  ``None``) and the items are taken with ``Span::slice``, which **panics** with
  :data:`INDEX_OUT_OF_BOUNDS` when the length runs past the end (:class:`SerdePanic`);
* every other array is read item by item and returns ``None`` when the felts run out.

``bool`` reads any non-zero felt as ``true``; ``u8``/``u32``/``u64``/``u128`` reject larger values;
``NonZero`` rejects 0; ``EthAddress`` rejects values ``>= 2**160``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from .crypto import FIELD_PRIME
from .errors import InvalidFieldElement, describe_value

__all__ = ["CairoReader", "CheckedCairoReader", "SerdeNone", "SerdePanic", "INDEX_OUT_OF_BOUNDS",
           "deserialize_all"]

#: corelib's panic of ``Span::slice`` past the end.
INDEX_OUT_OF_BOUNDS = "Index out of bounds"

T = TypeVar("T")


class SerdeNone(Exception):
    """``Serde::deserialize`` returned ``None`` (the message says why).

    :ivar offset: index of the felt where reading stopped, when the reader knows it.
    """

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset


class SerdePanic(Exception):
    """A Cairo panic while deserialising; :attr:`message` is the panic string."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CairoReader:
    """A cursor over felts (ints already in ``[0, p)``) reading corelib ``Serde`` values.

    Failures raise :class:`SerdeNone` or :class:`SerdePanic`; callers turn them into their own errors.
    """

    __slots__ = ("data", "pos", "end")

    def __init__(self, data: Sequence[int], start: int = 0) -> None:
        self.data = data
        self.pos = start
        self.end = len(data)

    def remaining(self) -> int:
        """Number of unread felts."""
        return self.end - self.pos

    def felt(self) -> int:
        """``felt252``: one felt, ``None`` at the end."""
        if self.pos >= self.end:
            raise SerdeNone("felts run out", self.pos)
        v = self.data[self.pos]
        self.pos += 1
        return v

    def uint(self, bits: int) -> int:
        """``u8``/``u32``/``u64``/``u128``: ``None`` if the felt does not fit."""
        v = self.felt()
        if v >> bits:
            raise SerdeNone(f"value does not fit a u{bits}", self.pos - 1)
        return v

    def boolean(self) -> bool:
        """``bool``: any non-zero felt is ``true``."""
        return self.felt() != 0

    def span_felt(self) -> tuple[int, ...]:
        """``Span<felt252>`` (``SpanFelt252Serde``): u32 length, then ``slice`` (panics past the end)."""
        length = self.uint(32)
        if length > self.end - self.pos:
            raise SerdePanic(INDEX_OUT_OF_BOUNDS)
        out = tuple(self.data[self.pos:self.pos + length])
        self.pos += length
        return out

    def bytes_span(self) -> bytes:
        """``Span<u8>``/``Array<u8>``: felt length, then one ``u8`` per felt (``None`` when the felts
        run out, checked before reading the items)."""
        count = self.felt()
        if count > self.end - self.pos:
            raise SerdeNone("Span<u8> longer than the felts left", self.pos)
        return bytes(self.uint(8) for _ in range(count))

    def span_of(self, item: Callable[[], T]) -> tuple[T, ...]:
        """Generic ``Span<T>``/``Array<T>``: felt length, then items one by one."""
        remaining = self.felt()
        out: list[T] = []
        while remaining:
            out.append(item())
            remaining -= 1
        return tuple(out)


class CheckedCairoReader(CairoReader):
    """A :class:`CairoReader` over items not yet known to be felts: each item read must be an int in
    ``[0, p)``, else :class:`~xsessions_core.errors.InvalidFieldElement` (items left unread are not
    checked)."""

    __slots__ = ()

    def felt(self) -> int:
        """``felt252``: one felt, checked; ``None`` at the end."""
        if self.pos >= self.end:
            raise SerdeNone("felts run out", self.pos)
        v = self.data[self.pos]
        if type(v) is not int or not 0 <= v < FIELD_PRIME:
            raise InvalidFieldElement(f"felts[{self.pos}] must be a felt (int, 0 <= v < p), got {describe_value(v)}")
        self.pos += 1
        return v


def deserialize_all(data: Sequence[int], read: Callable[[CairoReader], T], fail: Callable[[str], Exception],
                    none_error: str, too_long_error: str) -> T:
    """``read`` all of ``data`` (corelib ``full_deserialize`` as an entry point does it).

    ``Serde`` ``None`` raises ``fail(none_error)``, a panic ``fail(<panic string>)``, felts left
    over ``fail(too_long_error)``.
    """
    r = CairoReader(data)
    try:
        out = read(r)
    except SerdeNone:
        raise fail(none_error) from None
    except SerdePanic as exc:
        raise fail(exc.message) from None
    if r.remaining():
        raise fail(too_long_error)
    return out
