"""Value encodings shared by every layer: short strings, ByteArray, BigNumberish coercion, hex.

Each function reproduces a starknet.js 10.8.0 helper (``shortString.*``, ``byteArray.*``,
``num.toHex``, ``hash.getSelector``, ``hash.keccakBn``) on the inputs where that helper is
correct, and says where it is not (docs/protocol.md §1.7, §1.8, §3.4; vectors README quirks 2–4):

* **No-padding quirk (not copied).** starknet.js ``encodeShortString`` turns each character into
  ``charCode.toString(16)`` *without* zero padding, and its regex ``.`` skips ``\\n``, ``\\r``,
  U+2028/9. So text with a character below ``0x10`` encodes to a different number in JS
  (``"tab\\there"`` → ``0x746162968657265``) and text with ``\\n``/``\\r`` is not valid hex at all
  (hashing it throws). :func:`encode_shortstring` and :func:`byte_array_from_string` encode the
  bytes correctly; :func:`js_misencodes` tells when starknet.js would disagree. Only SNIP-12 typed
  data, whose hash must equal what a starknet.js wallet signs, asks for the JS value
  (``js_quirks=True`` of :func:`to_felt` / :func:`byte_array_from_string`). ``""`` encodes to
  ``0`` (JS returns the invalid string ``"0x"``).
* Everything raises :class:`~xsessions_core.errors.EncodingError` (a subclass of
  :class:`~xsessions_core.errors.InvalidFieldElement`, hence of ``ValueError``) with the field name.
"""

from __future__ import annotations

import enum
import math
import re
from functools import lru_cache

from .crypto import FIELD_PRIME, get_selector_from_name, poseidon_hash_many, starknet_keccak
from .errors import EncodingError, describe_value

__all__ = [
    "SHORT_STRING_MAX_LEN",
    "encode_shortstring", "decode_shortstring", "js_misencodes",
    "byte_array_from_string", "byte_array_serialize", "byte_array_hash",
    "to_bigint", "bigint_or_none", "to_felt", "to_hex", "get_selector", "keccak_bn",
    "selector_from_name_cached", "FeltSpelling", "felt_from", "integer_from", "is_hex_or_decimal", "node_felt_match",
]

#: Longest short string: 31 ASCII characters fit in a felt.
SHORT_STRING_MAX_LEN = 31

# JS ``StringToBigInt`` (ECMA-262 §7.1.14): optional surrounding WhiteSpace/LineTerminator, then a
# signed decimal integer or an unsigned 0x/0o/0b literal; "" is 0. No "_" separators, no exponent.
_JS_SPACE = ("\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
             "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff")
_BIGINT_RE = re.compile(r"([+-]?)([0-9]+)|0([xX])([0-9a-fA-F]+)|0([oO])([0-7]+)|0([bB])([01]+)")
_BASES = {"x": 16, "X": 16, "o": 8, "O": 8, "b": 2, "B": 2}
# Python refuses to parse longer decimal strings (sys.int_max_str_digits); no felt comes close.
_MAX_DECIMAL_DIGITS = 4000
_JS_MISENCODED = re.compile("[\x00-\x0f]")


def _str(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise EncodingError(f"{name} must be a str, got {type(value).__name__}")
    return value


def _ascii_bytes(s: str, name: str) -> bytes:
    try:
        return s.encode("ascii")
    except UnicodeEncodeError:
        raise EncodingError(f"{name} is not an ASCII string: {s!r}") from None


def encode_shortstring(s: str, name: str = "short string") -> int:
    """The felt of a Cairo short string: its ASCII bytes read big-endian (``"abc"`` → ``0x616263``).

    Correct for every ASCII text (see the module note on the starknet.js no-padding quirk).

    :param s: at most 31 ASCII characters.
    :param name: field name used in error messages.
    :raises EncodingError: if ``s`` is not a str, not ASCII, or longer than 31 characters.
    """
    data = _ascii_bytes(_str(s, name), name)
    if len(data) > SHORT_STRING_MAX_LEN:
        raise EncodingError(f"{name} is too long: {len(data)} characters > {SHORT_STRING_MAX_LEN}")
    return int.from_bytes(data, "big")


def decode_shortstring(v: int, name: str = "value") -> str:
    """Inverse of :func:`encode_shortstring`: the ASCII text of a felt (``0`` → ``""``).

    starknet.js ``decodeShortString`` works on the hex *string* and keeps an odd trailing digit
    verbatim (``"0x616"`` → ``"a6"``, ``"0x0"`` → ``"0"``); this decodes the number's bytes.

    :raises EncodingError: if ``v`` is not an int in ``[0, 2**248)`` whose bytes are ASCII.
    """
    if type(v) is not int or not 0 <= v < 1 << (8 * SHORT_STRING_MAX_LEN):
        raise EncodingError(f"{name} must be an int in [0, 2**248) to be a short string, got {describe_value(v)}")
    data = v.to_bytes((v.bit_length() + 7) // 8, "big")
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        raise EncodingError(f"{name} is not an ASCII short string: {to_hex(v)}") from None


def js_misencodes(s: str) -> bool:
    """True if starknet.js's short-string encoder gets ``s`` wrong or throws on it.

    That is the case when ``s`` contains a character below ``0x10`` (encoded without its zero
    padding; ``\\n``/``\\r`` are not converted at all). Such text still has a correct encoding here.
    """
    return _JS_MISENCODED.search(s) is not None


def _js_shortstring(s: str, name: str) -> int:
    """starknet.js ``encodeShortString`` of ASCII ``s`` *with* its no-padding quirk.

    Each character becomes ``charCode.toString(16)`` unpadded (``"\\t"`` → ``9``); ``\\n``/``\\r``
    stay raw in JS, which later fails to parse the hex, so they raise here.
    """
    if "\n" in s or "\r" in s:
        raise EncodingError(f"{name} {s!r} contains a line break: starknet.js cannot encode it "
                            "(its short-string hex keeps the raw character)")
    return int("0" + "".join(format(ord(c), "x") for c in s), 16)


def byte_array_from_string(s: str, name: str = "string",
                           js_quirks: bool = False) -> tuple[list[int], int, int]:
    """Cairo ``ByteArray`` of an ASCII string: ``(data, pending_word, pending_word_len)``.

    ``data`` holds every full 31-byte chunk as a felt; the last partial chunk (possibly empty) is
    the pending word (docs/protocol.md §1.8). A string of exactly 31·k characters has pending word 0/0.

    :param js_quirks: encode chunks as starknet.js ``byteArrayFromString`` does, no-padding quirk
        included (text with a character below ``0x10``); only for hashes that must equal a
        starknet.js hash (SNIP-12 typed data).
    :raises EncodingError: if ``s`` is not a str or not ASCII (starknet.js throws too); with
        ``js_quirks``, if it contains ``\\n`` or ``\\r`` (starknet.js throws).
    """
    data = _ascii_bytes(_str(s, name), name)
    n = len(data)
    full = n - n % SHORT_STRING_MAX_LEN
    if js_quirks and js_misencodes(s):
        words = [_js_shortstring(s[i:i + SHORT_STRING_MAX_LEN], name)
                 for i in range(0, full, SHORT_STRING_MAX_LEN)]
        return words, _js_shortstring(s[full:], name), n - full
    words = [int.from_bytes(data[i:i + SHORT_STRING_MAX_LEN], "big")
             for i in range(0, full, SHORT_STRING_MAX_LEN)]
    return words, int.from_bytes(data[full:], "big"), n - full


def byte_array_serialize(s: str, name: str = "string") -> list[int]:
    """Cairo serialization of a ``ByteArray``: ``[len(data), *data, pending_word, pending_word_len]``."""
    words, pending, pending_len = byte_array_from_string(s, name)
    return [len(words), *words, pending, pending_len]


def byte_array_hash(s: str, name: str = "string") -> int:
    """``poseidon_hash_many`` of :func:`byte_array_serialize` — SNIP-12 rev 1 ``string``, Argent metadata hash."""
    return poseidon_hash_many(byte_array_serialize(s, name))


def bigint_or_none(value: object) -> int | None:
    """:func:`to_bigint` returning None instead of raising (hot paths avoid the exception cost)."""
    if type(value) is int:
        return value
    if isinstance(value, str):
        s = value.strip(_JS_SPACE)
        if not s:
            return 0
        # fast paths (int() alone would also accept "_", signs and non-ASCII digits)
        if s[:2] in ("0x", "0X"):
            digits = s[2:]
            if digits.isascii() and digits.isalnum():
                try:
                    return int(digits, 16)
                except ValueError:
                    return None
            return None
        if s.isascii() and s.isdigit() and len(s) <= _MAX_DECIMAL_DIGITS:
            return int(s)
        m = _BIGINT_RE.fullmatch(s)
        if m is None:
            return None
        sign, digits = m.group(1, 2)
        if digits is None:
            prefix = m.group(3) or m.group(5) or m.group(7)
            return int(m.group(4) or m.group(6) or m.group(8), _BASES[prefix])
        digits = digits.lstrip("0") or "0"
        if len(digits) > _MAX_DECIMAL_DIGITS:
            return None
        return -int(digits) if sign == "-" else int(digits)
    if isinstance(value, int):  # bool and int subclasses
        return int(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def to_bigint(value: object, name: str = "value") -> int:
    """JavaScript ``BigInt(value)`` for JSON-like values (no range check; may be negative).

    Accepts ints, bools (``True`` → 1), integral finite floats, and strings of the JS
    ``StringToBigInt`` grammar: surrounding JS whitespace allowed, then ``[+-]digits`` (decimal,
    leading zeros allowed) or an unsigned ``0x``/``0o``/``0b`` literal (any letter case); ``""``
    and all-whitespace strings are 0. ``"-0x10"``, ``"1e3"``, ``"1_000"``, ``"0x"`` are rejected,
    and so are decimal strings of more than 4000 significant digits (Python's parsing limit; no
    felt comes close).

    :raises EncodingError: for anything else.
    """
    v = bigint_or_none(value)
    if v is None:
        if isinstance(value, (str, float)):
            raise EncodingError(f"{name} is not an integer: {describe_value(value)}")
        raise EncodingError(f"{name} must be a number or a string, got {type(value).__name__}")
    return v


def to_felt(value: object, name: str = "value", js_quirks: bool = False) -> int:
    """starknet.js ``BigNumberish`` coercion (SNIP-12 ``getHex``, docs/protocol.md §3.4).

    :func:`to_bigint` first; a string it rejects is encoded as a short string (``"transfer"`` →
    ``ss("transfer")``, ``"1e3"`` → ``ss("1e3")``). The range is **not** checked (``"-5"`` → -5):
    callers check it against their type.

    :param js_quirks: encode the short string as starknet.js does, no-padding quirk included
        (see :func:`byte_array_from_string`); only for hashes that must equal a starknet.js hash.
    :raises EncodingError: non-numeric, non-string values; strings that are neither numbers nor
        valid short strings (too long, non-ASCII).
    """
    v = bigint_or_none(value)
    if v is not None:
        return v
    if not isinstance(value, str):
        raise EncodingError(f"Invalid BigNumberish for {name}: {describe_value(value)}")
    if js_quirks and js_misencodes(value):
        encode_shortstring(value, name)  # length and ASCII checks
        return _js_shortstring(value, name)
    return encode_shortstring(value, name)


def to_hex(v: int) -> str:
    """``num.toHex`` style: lowercase, ``0x`` prefix, no leading zeros, ``"0x0"`` for zero.

    :raises EncodingError: if ``v`` is not a non-negative int.
    """
    if type(v) is not int or v < 0:
        raise EncodingError(f"to_hex needs a non-negative int, got {describe_value(v)}")
    return hex(v)


#: ``get_selector_from_name`` memoised (selector names repeat in every session and call).
selector_from_name_cached = lru_cache(maxsize=4096)(get_selector_from_name)

_HEX_RE = re.compile(r"0[xX][0-9a-fA-F]*")
_DIGITS_RE = re.compile(r"[0-9]+")


def get_selector(value: str | int) -> str:
    """starknet.js ``hash.getSelector``: ints → hex; hex strings returned **unchanged** (case and
    zeros kept); all-digit strings → their hex; any other string → selector of that name.

    :raises EncodingError: for negative ints or values that are neither str nor int.
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise EncodingError(f"selector must be a str or an int, got {type(value).__name__}")
    if isinstance(value, int):
        return to_hex(int(value))
    if _HEX_RE.fullmatch(value):
        return value
    if _DIGITS_RE.fullmatch(value):
        return to_hex(to_bigint(value, "selector"))
    return to_hex(selector_from_name_cached(value))


def keccak_bn(value: object) -> int:
    """starknet.js ``hash.keccakBn``: starknet_keccak of the big-endian bytes of ``value`` (at least
    one byte, so 0 hashes ``b"\\x00"``).

    :raises EncodingError: if ``value`` is not a non-negative BigNumberish.
    """
    v = to_bigint(value, "value")
    if v < 0:
        raise EncodingError(f"keccak_bn needs a non-negative value, got {describe_value(v)}")
    return starknet_keccak(v.to_bytes(max(1, (v.bit_length() + 7) // 8), "big"))


#: Starknet JSON-RPC ``FELT`` (starkware-libs/starknet-specs, api/starknet_api_openrpc.json, tag
#: v0.8.0, ``components.schemas.FELT.pattern``): ``0x``, lower-case prefix, no leading zeros.
_NODE_FELT_RE = re.compile(r"0x(?:0|[a-fA-F1-9][a-fA-F0-9]{0,62})")
#: The lenient spelling: ``0X`` prefix and leading zeros allowed (at most 64 digits).
_LENIENT_HEX_RE = re.compile(r"0[xX][0-9a-fA-F]{1,64}")
#: Decimal strings of network input: ASCII digits only, bounded (p has 76 digits).
_NETWORK_DECIMAL_RE = re.compile(r"[0-9]{1,80}")
#: ``_NODE_FELT_RE.fullmatch`` (a bulk check of string lists raises TypeError on a non-str item).
node_felt_match = _NODE_FELT_RE.fullmatch


#: A hex string (``0x`` then at least one hex digit) or a string of decimal digits: the spelling
#: :attr:`FeltSpelling.HEX_OR_DECIMAL` accepts.
_HEX_DIGITS_RE = re.compile(r"0x[0-9a-fA-F]+")
_DECIMAL_DIGITS_RE = re.compile(r"[0-9]+")


def is_hex_or_decimal(text: str) -> bool:
    """``text`` is spelled as :attr:`FeltSpelling.HEX_OR_DECIMAL` accepts (``0x`` + hex digits, or decimal digits)."""
    return bool(_HEX_DIGITS_RE.fullmatch(text) or _DECIMAL_DIGITS_RE.fullmatch(text))


class FeltSpelling(enum.Enum):
    """Which spellings of a number a layer accepts: the policy of :func:`felt_from` and
    :func:`integer_from`. Every spelling accepts an ``int`` (not a ``bool``, except for
    :attr:`BIGINT` and :attr:`SHORT_STRING`, which follow JavaScript's ``BigInt(true) == 1``)."""

    #: starknet.js ``BigInt(value)`` (:func:`to_bigint`): hex, octal, binary, signed decimal, JS
    #: whitespace around, ``""`` is 0. Account and session objects given in code or JSON.
    BIGINT = "bigint"
    #: :attr:`BIGINT`, else the Cairo short string of the text (:func:`to_felt`): names such as
    #: chain ids and entry points given in code.
    SHORT_STRING = "short_string"
    #: ``0x`` followed by hex digits, or decimal digits; nothing else (no sign, no whitespace).
    #: Transaction fields given in code.
    HEX_OR_DECIMAL = "hex_or_decimal"
    #: What a Starknet node accepts: the JSON-RPC ``FELT`` pattern ``^0x(0|[a-fA-F1-9][a-fA-F0-9]{0,62})$``
    #: or at most 80 ASCII decimal digits. Transactions read from the network.
    NODE = "node"
    #: :attr:`NODE`, also with an upper-case ``0X`` prefix and leading zeros (at most 64 hex digits).
    NODE_LENIENT = "node_lenient"


_HEX_OR_DECIMAL = FeltSpelling.HEX_OR_DECIMAL
_hex_digits = _HEX_DIGITS_RE.fullmatch


def integer_from(value: object, name: str, error: type[Exception] = EncodingError,
                 spelling: FeltSpelling = FeltSpelling.BIGINT) -> int:
    """The integer ``value`` spells under ``spelling``; the range is **not** checked (the caller
    checks it against its type: a felt, a u64, ...).

    :raises error: ``value`` is not an integer in that spelling, naming ``name``.
    """
    if type(value) is int:
        return value
    if spelling is FeltSpelling.HEX_OR_DECIMAL:
        if isinstance(value, str):
            if _HEX_DIGITS_RE.fullmatch(value):
                return int(value, 16)
            if _DECIMAL_DIGITS_RE.fullmatch(value):
                return int(value)
            raise error(f"{name} must be a hex (0x...) or decimal string, got {describe_value(value)}")
        if isinstance(value, int) and not isinstance(value, bool):
            return int(value)
        got = "bool" if isinstance(value, bool) else type(value).__name__
        raise error(f"{name} must be an int or a hex/decimal string, got {got}")
    if spelling is FeltSpelling.NODE or spelling is FeltSpelling.NODE_LENIENT:
        return _network_integer(value, name, error, spelling is FeltSpelling.NODE_LENIENT)
    if spelling is FeltSpelling.BIGINT and (isinstance(value, bool) or not isinstance(value, (int, str))):
        raise error(f"{name} must be an int or a numeric string, got {type(value).__name__}")
    try:
        return to_felt(value, name) if spelling is FeltSpelling.SHORT_STRING else to_bigint(value, name)
    except EncodingError as exc:
        raise error(str(exc)) from None


def felt_from(value: object, name: str, error: type[Exception] = EncodingError, *,
              spelling: FeltSpelling | None = None, short_strings: bool = False, network: bool = False,
              lenient_hex: bool = False) -> int:
    """A felt (``0 <= v < p``) from an int or a string in ``spelling`` (:class:`FeltSpelling`), else
    ``error``: the one felt parser of every layer, each passing its own error class.

    Without ``spelling``, the flags choose it: ``network`` (with ``lenient_hex``) is
    :attr:`~FeltSpelling.NODE` (:attr:`~FeltSpelling.NODE_LENIENT`), ``short_strings`` is
    :attr:`~FeltSpelling.SHORT_STRING`, neither is :attr:`~FeltSpelling.BIGINT`.

    :raises error: the value is not a felt in the accepted spelling, or not below p.
    """
    if type(value) is int and 0 <= value < FIELD_PRIME:
        return value
    if spelling is _HEX_OR_DECIMAL and type(value) is str and _hex_digits(value):
        v = int(value, 16)  # the common case of transaction fields, without the general path's calls
        if v < FIELD_PRIME:
            return v
    if spelling is None:
        if network:
            spelling = FeltSpelling.NODE_LENIENT if lenient_hex else FeltSpelling.NODE
        else:
            spelling = FeltSpelling.SHORT_STRING if short_strings else FeltSpelling.BIGINT
    v = integer_from(value, name, error, spelling)
    if not 0 <= v < FIELD_PRIME:
        raise error(f"{name} must satisfy 0 <= {name} < p (the Stark prime), got {describe_value(v)}")
    return v


def _network_integer(value: object, name: str, error: type[Exception], lenient_hex: bool) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        if _NODE_FELT_RE.fullmatch(value) or (lenient_hex and _LENIENT_HEX_RE.fullmatch(value)):
            return int(value, 16)
        if _NETWORK_DECIMAL_RE.fullmatch(value):
            return int(value)
        spelling = "0x/0X hex (at most 64 digits)" if lenient_hex else "0x hex without leading zeros"
        raise error(f"{name} must be a felt as {spelling} or at most 80 decimal ASCII digits, "
                    f"got {describe_value(value, 24)}")
    raise error(f"{name} must be an int or a felt string, got {type(value).__name__}")
