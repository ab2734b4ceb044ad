"""SNIP-12 typed data (revision 0 and 1), byte-exact with starknet.js 10.8.0 ``typedData``.

Quick use::

    td = TypedData.from_dict(json_object)          # parses, detects the revision, validates
    h = td.message_hash(account_address)           # int
    get_message_hash(json_object, account_address) # same, in one call

Everything follows docs/protocol.md §3 (reference: starknet.js ``src/utils/typedData.ts``, 10.8.0).
The rules worth knowing:

* **Revision** (§3.2): 1 if ``types`` has ``StarknetDomain`` and ``domain.revision`` is ``"1"`` or
  ``1``; 0 if ``types`` has ``StarkNetDomain`` and the revision is absent/null or the *string*
  ``"0"`` (the number ``0`` is rejected, as in starknet.js). Revision 1 rejects user types named
  like a preset (``u256``, ``TokenAmount``, ``NftId``), as starknet.js 10.x does.
* **Values** are coerced like starknet.js ``BigInt`` then short string
  (:func:`xsessions_core.encoding.to_felt`): ``"123"`` is 123, ``""`` is 0, ``"0x41"`` is 0x41,
  ``"transfer"`` is ``ss("transfer")``. Revision 1 checks ranges (felt, ``u128``, ``i128`` →
  ``p + x`` when negative, ``ContractAddress``/``ClassHash`` numeric only), ``bool`` must be a JSON
  boolean, ``string`` is the Poseidon hash of the ``ByteArray``.
* **Enums** (rev 1): ``hash([variant_index, *encoded args])``, no type hash; a unit variant ``()``
  hashes ``[index, 0]`` (starknet.js splits ``""`` into one empty element, ``BigInt("") = 0``).
  Type strings have a colon between variant name and tuple (``"A":()``).
* **merkletree**: leaves are the encoded values of the ``contains`` type, the root is the
  starknet.js Merkle root (Pedersen in rev 0, Poseidon in rev 1).

**Where starknet-py 0.30 ``TypedData`` differs, this module follows starknet.js**: unit enum
variants (``[index, 0]`` here, ``[index]`` there), value coercion (starknet-py only knows ints,
``0x`` hex and ``str.isnumeric()``: ``" 12 "``, ``"0XAB"``, ``"0b101"`` become short strings
there), non-ASCII ``string`` values (starknet-py hashes their UTF-8 bytes; starknet.js throws, so
we raise), ``i128`` (starknet-py also accepts the encoded form ``p - 1``; starknet.js rejects it as
out of bounds), ``bool`` in rev 1 (starknet-py accepts ``"true"``/``0``/``1``), and starknet-py's
rejection of some valid starknet.js inputs (domains without ``name``/``version``).

**A starknet.js bug copied on purpose**: short strings and rev-1 ``string`` values containing a
character below ``0x10`` are encoded as starknet.js does, without zero padding (``"\\t"`` → ``9``),
because that is the hash a starknet.js wallet signs (a Cairo contract would compute another one);
``\\n``/``\\r`` make starknet.js throw, and raise here (vectors README quirks 2–3).

**Where we deliberately differ from starknet.js** (we raise where starknet.js hashes something
no contract can reproduce, or crashes):

* values ``>= p`` that starknet.js's Poseidon would silently reduce (a hex ``selector``, the
  account address) raise; JSON arrays/objects given where a number is expected raise (JS coerces
  ``[5]`` to 5); empty merkletrees and recursive types raise (starknet.js overflows its stack);
* type names ending in ``*``, written as a tuple, or empty are always rejected.

**Validation** (:meth:`TypedData.validate`, run by :meth:`TypedData.from_dict` unless
``validate=False``) enforces docs/protocol.md §3.8: type names non-empty, ASCII, not a basic/preset
name, no ``*``/``,``/parentheses, and in rev 1 no ``"`` or ``\\`` in type or field names (they
would make the type string ambiguous); no duplicate field names; every referenced type exists
(rev 0 also accepts the rev-1 scalar names, which starknet.js coerces as felts); ``enum`` only in
rev 1, enum types contain only tuple variants and no other type contains tuples; every user type
is reachable from the primary or the domain type. It does not require the four rev-1 domain
fields (starknet.js's own fixture ``v1Nested.json`` uses three). ``from_dict(data,
validate=False)`` hashes what starknet.js hashes, within the deviations above.

**Limits** (any input does bounded work; exceeding one raises :class:`TypedDataError`):
:data:`MAX_TYPES` user types, :data:`MAX_DEPTH` levels of type nesting and of value nesting
(struct in struct, through arrays, enums and merkletree leaves), :data:`MAX_ENCODED_VALUES`
encoded values per hashing call (struct fields, array items, tree leaves, enum arguments,
``ByteArray`` words). No ``RecursionError`` escapes.

**Speed.** Per distinct ``(types, revision)`` a compiled plan — type strings, type hashes, and
for each struct a list of ``(field name, encoder)`` — is built once and kept in an LRU of
:data:`PLAN_CACHE_SIZE` entries shared by every :class:`TypedData`, so ``from_dict`` +
``message_hash`` on a new dict with known types only reads ``types`` to build the cache key and
then walks the values. Each struct is hashed by one
backend call over a felt list built in Python; arrays and merkletrees of structs hash all their
elements in one batch call; a merkletree root is one ``merkle_levels`` call.
:meth:`TypedData.with_message` reuses a parsed object for a new message/domain without any
parsing of ``types``.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from threading import Lock
from types import MappingProxyType
from typing import Any, TypeVar, cast

from .crypto import FIELD_PRIME, HashMethod, unchecked, verify_message_signature
from .encoding import (
    bigint_or_none,
    byte_array_from_string,
    encode_shortstring,
    selector_from_name_cached,
    to_bigint,
    to_felt,
)
from .errors import TypedDataError, XSessionsError, describe_value

__all__ = [
    "TypedData", "TypeField", "get_message_hash", "verify_message",
    "MAX_DEPTH", "MAX_ENCODED_VALUES", "MAX_TYPES", "PLAN_CACHE_SIZE",
]

#: Maximum nesting of types (longest dependency chain) and of values (structs inside structs,
#: through arrays, enum arguments and merkletree leaves).
MAX_DEPTH = 32
#: Maximum number of values encoded by one hashing call (``message_hash`` counts domain + message).
MAX_ENCODED_VALUES = 100_000
#: Maximum number of user-defined types.
MAX_TYPES = 256
#: Compiled type plans kept (LRU) across :class:`TypedData` objects.
PLAN_CACHE_SIZE = 128

_P = FIELD_PRIME
_U128_MAX = (1 << 128) - 1
_I128_MIN = -(1 << 127)
_I128_MAX = (1 << 127) - 1
_STARKNET_MESSAGE = encode_shortstring("StarkNet Message")
_DOMAIN = {0: "StarkNetDomain", 1: "StarknetDomain"}
_SCHEMA_ERROR = "Typed data does not match JSON schema"

_BASIC_0 = frozenset({"felt", "bool", "string", "selector", "merkletree"})
# Revision-1 scalar names; in revision 0 starknet.js coerces them as felts (default branch).
_SCALARS_1 = frozenset({"shortstring", "ContractAddress", "ClassHash", "timestamp", "u128", "i128"})
_BASIC_1 = _BASIC_0 | _SCALARS_1 | {"enum"}
_LINE_TERMINATORS = frozenset("\n\r\u2028\u2029")
_HEX_SELECTOR = re.compile(r"0[xX][0-9a-fA-F]*")


@dataclass(frozen=True)
class TypeField:
    """One entry of a type definition: ``{"name", "type", "contains"?}``."""

    name: str
    type: str
    contains: str | None = None


_PRESETS: dict[str, tuple[TypeField, ...]] = {
    "u256": (TypeField("low", "u128"), TypeField("high", "u128")),
    "TokenAmount": (TypeField("token_address", "ContractAddress"), TypeField("amount", "u256")),
    "NftId": (TypeField("collection_address", "ContractAddress"), TypeField("token_id", "u256")),
}


# --------------------------------------------------------------------------- errors

class _EncodeError(Exception):
    """Internal: a value failed; the path (type.field, [index]) is filled in on the way up."""

    def __init__(self, msg: str) -> None:
        super().__init__(msg)
        self.msg = msg
        self.path: list[str] = []


def _is_tuple(t: str) -> bool:
    """starknet.js ``/^\\(.*\\)$/`` (``.`` does not match line terminators)."""
    return (len(t) >= 2 and t[0] == "(" and t[-1] == ")"
            and _LINE_TERMINATORS.isdisjoint(t))


def _utf16_key(s: str) -> bytes:
    """Sort key equal to JavaScript's default (UTF-16 code unit) string order."""
    return s.encode("utf-16-be", "surrogatepass")


# --------------------------------------------------------------------------- value context

class _Ctx:
    """Per hashing call: backend, hash functions of the revision, work budget, nesting depth."""

    __slots__ = ("b", "many", "batch", "poseidon", "left", "depth")

    def __init__(self, revision: int) -> None:
        b = unchecked
        self.b = b
        self.poseidon = revision == 1
        if revision == 1:
            self.many = b.poseidon_many
            self.batch = b.poseidon_many_batch
        else:
            self.many = b.pedersen_chain
            chain = b.pedersen_chain
            self.batch = lambda seqs: [chain(s) for s in seqs]
        self.left = MAX_ENCODED_VALUES
        self.depth = 0

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise _EncodeError(f"more than {MAX_ENCODED_VALUES} values to encode (MAX_ENCODED_VALUES)")


Encoder = Callable[[Any, _Ctx], int]


# --------------------------------------------------------------------------- scalar encoders

def _coerce(value: object, type_name: str) -> int:
    """starknet.js ``getHex``: BigInt, else short string (with the JS no-padding quirk)."""
    try:
        return to_felt(value, type_name, js_quirks=True)
    except XSessionsError as exc:
        raise _EncodeError(str(exc)) from None


def _strict(value: object, type_name: str) -> int:
    """JavaScript ``BigInt(value)`` (no short-string fallback)."""
    v = bigint_or_none(value)
    if v is None:
        raise _EncodeError(f"cannot convert {describe_value(value)} to a BigInt for type {type_name}")
    return v


def _bounds(v: int, type_name: str, lo: int, hi: int) -> int:
    if not lo <= v <= hi:
        raise _EncodeError(f"{describe_value(v)} ({type_name}) is out of bounds [{lo}, {hi}]")
    return v


def _enc_felt_rev0(value: Any, ctx: _Ctx) -> int:
    # Revision 0: every non-struct value goes through getHex; Pedersen then rejects v >= p or v < 0.
    v = _coerce(value, "felt")
    if not 0 <= v < _P:
        raise _EncodeError(f"{describe_value(v)} is not a felt: Pedersen needs 0 <= value < p")
    return v


def _enc_felt(value: Any, ctx: _Ctx) -> int:
    return _bounds(_coerce(value, "felt"), "felt", 0, _P - 1)


def _enc_shortstring(value: Any, ctx: _Ctx) -> int:
    return _bounds(_coerce(value, "shortstring"), "shortstring", 0, _P - 1)


def _enc_address(value: Any, ctx: _Ctx) -> int:
    return _bounds(_strict(value, "ContractAddress"), "ContractAddress", 0, _P - 1)


def _enc_class_hash(value: Any, ctx: _Ctx) -> int:
    return _bounds(_strict(value, "ClassHash"), "ClassHash", 0, _P - 1)


def _enc_u128(value: Any, ctx: _Ctx) -> int:
    return _bounds(_strict(value, "u128"), "u128", 0, _U128_MAX)


def _enc_timestamp(value: Any, ctx: _Ctx) -> int:
    return _bounds(_strict(value, "timestamp"), "timestamp", 0, _U128_MAX)


def _enc_i128(value: Any, ctx: _Ctx) -> int:
    v = _bounds(_strict(value, "i128"), "i128", _I128_MIN, _I128_MAX)
    return v + _P if v < 0 else v


def _enc_bool(value: Any, ctx: _Ctx) -> int:
    if type(value) is not bool:
        raise _EncodeError(f"Type mismatch for bool {describe_value(value)}: a JSON boolean is required")
    return int(value)


def _enc_selector(value: Any, ctx: _Ctx) -> int:
    # starknet.js prepareSelector: /^0x[0-9a-f]*$/i passes through as a number, anything else is
    # getSelectorFromName (keccak of the UTF-8 text; a JS number is hashed as its decimal text).
    if type(value) is int:
        value = str(value)
    if not isinstance(value, str):
        raise _EncodeError(f"selector must be a string, got {describe_value(value)}")
    if _HEX_SELECTOR.fullmatch(value):
        if len(value) == 2:
            raise _EncodeError("selector '0x' has no digits")
        v = int(value, 16)
        if v >= _P:
            raise _EncodeError(f"selector {describe_value(value)} is not a felt (>= p)")
        return v
    try:
        return selector_from_name_cached(value)
    except XSessionsError as exc:
        raise _EncodeError(str(exc)) from None


def _enc_string(value: Any, ctx: _Ctx) -> int:
    if not isinstance(value, str):
        raise _EncodeError(f"string must be a JSON string, got {describe_value(value)}")
    try:
        words, pending, pending_len = byte_array_from_string(value, "string", js_quirks=True)
    except XSessionsError as exc:
        raise _EncodeError(str(exc)) from None
    ctx.spend(len(words))
    return ctx.many([len(words), *words, pending, pending_len])


_SCALAR_ENCODERS_1: dict[str, Encoder] = {
    "felt": _enc_felt,
    "shortstring": _enc_shortstring,
    "ContractAddress": _enc_address,
    "ClassHash": _enc_class_hash,
    "u128": _enc_u128,
    "timestamp": _enc_timestamp,
    "i128": _enc_i128,
    "bool": _enc_bool,
    "selector": _enc_selector,
    "string": _enc_string,
}


# --------------------------------------------------------------------------- compiled plan

def _as_list(value: Any, what: str) -> Sequence[Any]:
    if type(value) is list or type(value) is tuple:
        return value
    raise _EncodeError(f"{what} must be a JSON array, got {describe_value(value)}")


class _Struct:
    """A struct (user type or preset): type hash + ``(field, encoder, null_allowed)`` plan, built lazily."""

    __slots__ = ("name", "plan", "_fields", "_type_hash")

    def __init__(self, name: str, plan: _Plan) -> None:
        self.name = name
        self.plan = plan
        self._fields: list[tuple[str, Encoder, bool]] | None = None
        self._type_hash: int | None = None

    def _compile(self) -> None:
        plan = self.plan
        self._type_hash = plan.type_hash(self.name)
        defs = plan.user[self.name] if self.name in plan.user else _PRESETS[self.name]
        self._fields = [(f.name, plan.encoder(f.type, (self.name, f.name)), f.type == "enum")
                        for f in defs]

    def felts(self, value: Any, ctx: _Ctx) -> list[int]:
        """``[type_hash, *encoded fields]`` (starknet.js ``encodeData`` values)."""
        fields = self._fields
        if fields is None:
            self._compile()
            fields = self._fields
            assert fields is not None
        if type(value) is not dict and not isinstance(value, Mapping):
            raise _EncodeError(f"a value of struct {self.name} must be a JSON object, got {describe_value(value)}")
        ctx.depth += 1
        if ctx.depth > MAX_DEPTH:
            raise _EncodeError(f"values nested deeper than {MAX_DEPTH} levels (MAX_DEPTH)")
        ctx.spend(len(fields))
        out = [self._type_hash]
        get = value.get
        for name, enc, null_ok in fields:
            v = get(name, _MISSING)
            try:
                if v is _MISSING or (v is None and not null_ok):
                    raise _EncodeError(f"Cannot encode data: missing data for '{name}'")
                out.append(enc(v, ctx))
            except _EncodeError as exc:
                exc.path.append(f"{self.name}.{name}")
                raise
        ctx.depth -= 1
        return out  # type: ignore[return-value]

    def hash(self, value: Any, ctx: _Ctx) -> int:
        return ctx.many(self.felts(value, ctx))


_MISSING = object()


class _Plan:
    """Everything derived from ``(types, revision)``: type strings, type hashes, encoders."""

    def __init__(self, user: dict[str, tuple[TypeField, ...]], revision: int) -> None:
        self.user = user
        self.revision = revision
        # encodeType sees the presets over the user types (rev 1); encodeValue sees user types first.
        self.all: dict[str, tuple[TypeField, ...]] = {**user, **_PRESETS} if revision == 1 else user
        self._deps: dict[str, frozenset[str]] = {}
        self._depth: dict[str, int] = {}
        self._encode_type: dict[str, str] = {}
        self._type_hash: dict[str, int] = {}
        self._structs: dict[str, _Struct] = {}
        self.types: Mapping[str, tuple[TypeField, ...]] = MappingProxyType(user)
        self.validated: set[str] = set()
        self._lock = Lock()

    # ---- encodeType / type hash

    def direct_deps(self, name: str) -> Iterator[str]:
        """Types named by the fields of ``name`` (starknet.js ``getDependencies``, one level)."""
        rev1 = self.revision == 1
        for f in self.all[name]:
            t = f.type
            if t.endswith("*"):
                cands: Sequence[str | None] = (t[:-1],)
            elif rev1 and t == "enum":
                cands = (f.contains,)
            elif rev1 and _is_tuple(t):
                cands = [e[:-1] if e.endswith("*") else e for e in t[1:-1].split(",")]
            else:
                cands = (t,)
            for c in cands:
                if c is not None and c in self.all:
                    yield c

    def deps(self, root: str) -> frozenset[str]:
        """Transitive dependencies of ``root`` (itself included).

        starknet.js recurses without a visited set through the type graph, so a cycle overflows
        its stack; here a cycle, or a chain longer than :data:`MAX_DEPTH`, raises. Iterative.
        """
        done = self._deps
        if root in done:
            return done[root]
        depth = self._depth
        on_path = {root}
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(set(self.direct_deps(root))))]
        while stack:
            name, it = stack[-1]
            child = next(it, None)
            if child is None:
                stack.pop()
                on_path.discard(name)
                closure = {name}
                d = 1
                for k in set(self.direct_deps(name)):
                    closure |= done[k]
                    d = max(d, depth[k] + 1)
                done[name] = frozenset(closure)
                depth[name] = d
                continue
            if child in on_path:
                raise TypedDataError(f"recursive type: {child!r} depends on itself (via {name!r})")
            if child in done:
                if depth[child] + len(stack) > MAX_DEPTH:
                    raise TypedDataError(f"type {root!r} nests types deeper than {MAX_DEPTH} levels (MAX_DEPTH)")
                continue
            if len(stack) >= MAX_DEPTH:
                raise TypedDataError(f"type {root!r} nests types deeper than {MAX_DEPTH} levels (MAX_DEPTH)")
            on_path.add(child)
            stack.append((child, iter(set(self.direct_deps(child)))))
        return done[root]

    def encode_type(self, name: str) -> str:
        cached = self._encode_type.get(name)
        if cached is not None:
            return cached
        if name not in self.all:
            raise TypedDataError(f"type {name!r} is not defined")
        rev1 = self.revision == 1
        others = sorted(self.deps(name) - {name}, key=_utf16_key)

        def esc(s: str) -> str:
            return f'"{s}"' if rev1 else s

        parts = []
        for dep in (name, *others):
            rendered = []
            for f in self.all[dep]:
                target = f.contains if (rev1 and f.type == "enum") else f.type
                if target is None:
                    raise TypedDataError(f"{dep}.{f.name}: an enum field needs 'contains'")
                if _is_tuple(target):
                    typestr = "(" + ",".join(esc(e) if e else e for e in target[1:-1].split(",")) + ")"
                else:
                    typestr = esc(target)
                rendered.append(f"{esc(f.name)}:{typestr}")
            parts.append(f"{esc(dep)}({','.join(rendered)})")
        text = "".join(parts)
        self._encode_type[name] = text
        return text

    def type_hash(self, name: str) -> int:
        cached = self._type_hash.get(name)
        if cached is None:
            try:
                cached = selector_from_name_cached(self.encode_type(name))
            except XSessionsError as exc:
                if isinstance(exc, TypedDataError):
                    raise
                raise TypedDataError(f"type {name!r}: {exc}") from None
            self._type_hash[name] = cached
        return cached

    # ---- encoders

    def struct(self, name: str) -> _Struct:
        s = self._structs.get(name)
        if s is None:
            with self._lock:
                s = self._structs.setdefault(name, _Struct(name, self))
        return s

    def encoder(self, t: str, ctx: tuple[str, str] | None) -> Encoder:
        """Encoder of a value of type string ``t`` (``ctx`` = (parent type, field name) or None)."""
        if t in self.user or (self.revision == 1 and t in _PRESETS):
            return self.struct(t).hash
        if t.endswith("*"):
            return self._array_encoder(t[:-1])
        if t == "merkletree":
            return self._merkle_encoder(ctx)
        if t == "selector":
            return _enc_selector
        if self.revision == 0:
            return _enc_felt_rev0
        if t == "enum":
            return self._enum_encoder(ctx)
        return _SCALAR_ENCODERS_1.get(t) or _error_encoder(f"Unsupported type: {t}")

    def _elements(self, t: str) -> tuple[Encoder, _Struct | None]:
        if t in self.user or (self.revision == 1 and t in _PRESETS):
            return self.struct(t).hash, self.struct(t)
        return self.encoder(t, None), None

    def _encode_all(self, items: Sequence[Any], enc: Encoder, struct: _Struct | None,
                    ctx: _Ctx) -> list[int]:
        ctx.spend(len(items))
        i = 0
        try:
            if struct is not None:
                seqs = []
                for i, item in enumerate(items):
                    seqs.append(struct.felts(item, ctx))
                return ctx.batch(seqs)
            out = []
            for i, item in enumerate(items):
                out.append(enc(item, ctx))
            return out
        except _EncodeError as exc:
            exc.path.append(f"[{i}]")
            raise

    def _array_encoder(self, elem: str) -> Encoder:
        enc, struct = self._elements(elem)
        encode_all = self._encode_all

        def encode_array(value: Any, ctx: _Ctx) -> int:
            return ctx.many(encode_all(_as_list(value, f"a {elem}* value"), enc, struct, ctx))
        return encode_array

    def _field_def(self, ctx: tuple[str, str]) -> TypeField | None:
        parent, key = ctx
        # starknet.js: types[ctx.parent].find((t) => t.name === ctx.key) — the first such field.
        return next((f for f in self.user.get(parent, ()) if f.name == key), None)

    def _merkle_encoder(self, ctx: tuple[str, str] | None) -> Encoder:
        if ctx is None or not ctx[0] or not ctx[1]:
            leaf_type = "raw"  # starknet.js getMerkleTreeType without context
        else:
            f = self._field_def(ctx)
            if f is None or f.type != "merkletree":
                return _error_encoder(f"{ctx[1]} is not a merkle tree")
            if f.contains is None:
                return _error_encoder(f"merkletree field {ctx[1]!r} needs 'contains'")
            if f.contains.endswith("*"):
                return _error_encoder(
                    f"Merkle tree contain property must not be an array but was given {ctx[1]}")
            leaf_type = f.contains
        enc, struct = self._elements(leaf_type)
        encode_all = self._encode_all

        def encode_merkletree(value: Any, ctx_: _Ctx) -> int:
            items = _as_list(value, "a merkletree value")
            if not items:
                raise _EncodeError("cannot build a Merkle tree without leaves (empty merkletree array)")
            leaves = encode_all(items, enc, struct, ctx_)
            return ctx_.b.merkle_levels(leaves, HashMethod.POSEIDON if ctx_.poseidon else HashMethod.PEDERSEN)[-1][0]
        return encode_merkletree

    def _enum_encoder(self, ctx: tuple[str, str] | None) -> Encoder:
        if ctx is None:
            return _error_encoder("an enum is only supported as a struct field "
                                  "(starknet.js needs the parent type)")
        f = self._field_def(ctx)
        enum_name = f.contains if f is not None else None
        if enum_name is None or enum_name not in self.user:
            return _error_encoder(f"enum field {ctx[1]!r}: enum type {enum_name!r} is not defined")
        variants: dict[str, tuple[int, list[Encoder | None]]] = {}
        for index, v in enumerate(self.user[enum_name]):
            if v.name not in variants:
                # starknet.js: variantType.type.slice(1, -1).split(','); "" elements encode as 0.
                subtypes = v.type[1:-1].split(",")
                variants[v.name] = (index, [self.encoder(s, None) if s else None for s in subtypes])

        def encode_enum(value: Any, ctx_: _Ctx) -> int:
            if not isinstance(value, Mapping) or not value:
                raise _EncodeError(f"an {enum_name} enum value must be a JSON object {{variant: [args]}}, "
                                   f"got {describe_value(value)}")
            key = _first_key(value)
            entry = variants.get(key)
            if entry is None:
                raise _EncodeError(f"{key!r} is not a variant of enum {enum_name}")
            index, subs = entry
            args = value[key]
            ctx_.spend(len(subs))
            out = [index]
            for i, sub in enumerate(subs):
                if sub is None:
                    out.append(0)
                    continue
                args = _as_list(args, f"the arguments of variant {key!r}")
                if i >= len(args):
                    raise _EncodeError(f"variant {key!r} of enum {enum_name} needs {len(subs)} arguments")
                try:
                    out.append(sub(args[i], ctx_))
                except _EncodeError as exc:
                    exc.path.append(f"{enum_name}.{key}[{i}]")
                    raise
            return ctx_.many(out)
        return encode_enum


def _error_encoder(msg: str) -> Encoder:
    def enc(value: Any, ctx: _Ctx) -> int:
        raise _EncodeError(msg)
    return enc


def _first_key(value: Mapping[Any, Any]) -> Any:
    """First key of ``Object.entries(value)``: array-index keys first (ascending), then insertion order."""
    keys = list(value)
    if len(keys) > 1:
        # an array index has at most 10 digits (checked first: int() refuses over 4,300 digits)
        indices = [k for k in keys if isinstance(k, str) and len(k) <= 10 and k.isdigit() and k.isascii()
                   and (k == "0" or k[0] != "0") and int(k) < 2**32 - 1]
        if indices:
            return min(indices, key=int)
    return keys[0]


# --------------------------------------------------------------------------- parsing

_TypesKey = tuple[tuple[str, tuple[tuple[str, str, "str | None"], ...]], ...]


def _parse_types(types: object) -> _TypesKey:
    """The ``types`` object as nested tuples (the plan cache key); checks its JSON shape."""
    if type(types) is not dict and not isinstance(types, Mapping):
        raise TypedDataError(f"{_SCHEMA_ERROR}: 'types' must be an object, got {type(types).__name__}")
    if len(types) > MAX_TYPES:
        raise TypedDataError(f"more than {MAX_TYPES} types (MAX_TYPES)")
    out = []
    for name, fields in types.items():
        if type(name) is not str or not name or name[-1] == "*" or _is_tuple(name):
            raise TypedDataError(f"type name {name!r} must be a non-empty string, not ending in '*' "
                                 "and not written as a tuple")
        if type(fields) is not list and not isinstance(fields, (list, tuple)):
            raise TypedDataError(f"types[{name!r}] must be an array of fields, got {type(fields).__name__}")
        row = []
        for f in fields:
            if type(f) is not dict and not isinstance(f, Mapping):
                raise TypedDataError(f"types[{name!r}] entries must be objects {{name, type}}, got {f!r}")
            fname, ftype, contains = f.get("name"), f.get("type"), f.get("contains")
            if type(fname) is not str or type(ftype) is not str or (
                    contains is not None and type(contains) is not str):
                raise TypedDataError(f"types[{name!r}] entries need string 'name' and 'type' "
                                     f"(and 'contains'), got {f!r}")
            row.append((fname, ftype, contains))
        out.append((name, tuple(row)))
    return tuple(out)


def _revision(types: Mapping[str, Any], domain: object) -> int:
    if type(domain) is not dict and not isinstance(domain, Mapping):
        raise TypedDataError(f"{_SCHEMA_ERROR}: 'domain' must be an object")
    rev = domain.get("revision")
    if "StarknetDomain" in types and (rev == "1" or (type(rev) in (int, float) and rev == 1)):
        return 1
    if "StarkNetDomain" in types and (rev is None or rev == "0"):
        return 0
    raise TypedDataError(f"{_SCHEMA_ERROR}: no revision matches (types with 'StarknetDomain' and "
                f"domain.revision '1', or 'StarkNetDomain' and no revision / '0'; got revision {rev!r})")


_plans: OrderedDict[tuple[Any, int], _Plan] = OrderedDict()
_plans_lock = Lock()


def _plan_for(key: _TypesKey, revision: int) -> _Plan:
    k = (key, revision)
    with _plans_lock:
        plan = _plans.get(k)
        if plan is not None:
            _plans.move_to_end(k)
            return plan
    plan = _Plan({name: tuple(TypeField(*f) for f in fields) for name, fields in key}, revision)
    with _plans_lock:
        plan = _plans.setdefault(k, plan)
        while len(_plans) > PLAN_CACHE_SIZE:
            _plans.popitem(last=False)
    return plan


# --------------------------------------------------------------------------- validation (§3.8)

def _validate(plan: _Plan, primary: str) -> None:
    rev = plan.revision
    user = plan.user
    basic = _BASIC_1 if rev == 1 else _BASIC_0 | _SCALARS_1
    forbidden = (_BASIC_1 | set(_PRESETS)) if rev == 1 else _BASIC_0
    domain = _DOMAIN[rev]

    def known(t: str) -> bool:
        return t in user or t in basic or (rev == 1 and t in _PRESETS)

    def check_name(kind: str, name: str) -> None:
        if not name:
            raise TypedDataError(f"{kind} names must not be empty")
        if not name.isascii():
            raise TypedDataError(f"{kind} name {name!r} is not ASCII")
        if rev == 1 and ('"' in name or "\\" in name):
            raise TypedDataError(f"{kind} name {name!r} contains '\"' or '\\\\' "
                                 "(ambiguous in the revision 1 type string)")

    enums = {f.contains for fields in user.values() for f in fields if f.type == "enum" and f.contains}
    as_struct = {primary, domain}     # types used as structs
    refs: dict[str, set[str]] = {}    # type -> user types it references (for reachability)
    for name, fields in user.items():
        check_name("type", name)
        if name in forbidden:
            raise TypedDataError(f"type name {name!r} is a basic or preset type name")
        if "," in name or "(" in name or ")" in name:
            raise TypedDataError(f"type name {name!r} must not contain ',' or parentheses")
        seen: set[str] = set()
        out = refs.setdefault(name, set())
        for f in fields:
            where = f"{name}.{f.name}"
            check_name("field", f.name)
            if f.name in seen:
                raise TypedDataError(f"type {name!r} declares field {f.name!r} twice")
            seen.add(f.name)
            t = f.type
            if name in enums:
                if not _is_tuple(t):
                    raise TypedDataError(f"{where}: enum variant types must be tuples like '(felt,u128)', got {t!r}")
                for e in (t[1:-1].split(",") if t != "()" else ()):
                    base = e[:-1] if e.endswith("*") else e
                    if not base or base in ("enum", "merkletree") or not known(base):
                        raise TypedDataError(f"{where}: invalid or undefined tuple element {e!r}")
                    out.add(base)
                    as_struct.add(base)
                continue
            if _is_tuple(t):
                raise TypedDataError(f"{where}: tuple type {t!r} outside an enum")
            if t == "enum" and rev == 0:
                raise TypedDataError(f"{where}: 'enum' needs revision 1")
            if t in ("enum", "merkletree"):
                target = f.contains
                if target is None:
                    raise TypedDataError(f"{where}: a {t} field needs 'contains'")
                if t == "enum":
                    if target not in user:
                        raise TypedDataError(f"{where}: enum type {target!r} is not defined")
                elif target.endswith("*") or target in ("enum", "merkletree") or not known(target):
                    raise TypedDataError(f"{where}: invalid or undefined merkletree leaf type {target!r}")
                else:
                    as_struct.add(target)
                out.add(target)
                continue
            base = t[:-1] if t.endswith("*") else t
            if base != t and base in ("enum", "merkletree"):
                raise TypedDataError(f"{where}: arrays of {base} are not supported")
            if not known(base):
                raise TypedDataError(f"{where}: type {base!r} is not defined")
            out.add(base)
            as_struct.add(base)
    both = sorted(enums & as_struct)
    if both:
        raise TypedDataError(f"types used both as an enum and as a struct: {both}")
    reachable = {primary, domain}
    todo = [primary, domain]
    while todo:
        for r in refs.get(todo.pop(), ()):
            if r not in reachable:
                reachable.add(r)
                todo.append(r)
    dangling = sorted(set(user) - reachable)
    if dangling:
        raise TypedDataError(f"dangling types (not reachable from {primary!r} or {domain!r}): {dangling}")
    for name in user:
        plan.deps(name)  # recursion and depth


# --------------------------------------------------------------------------- public API

@dataclass(frozen=True)
class TypedData:
    """A parsed SNIP-12 typed data object (starknet-py compatible names).

    Build it with :meth:`from_dict` (or :meth:`from_json`); hash with :meth:`message_hash`.

    :ivar types: user types as ``{name: (TypeField, ...)}`` (presets not included).
    :ivar primary_type: ``primaryType``.
    :ivar domain: the domain object.
    :ivar message: the message object.
    :ivar revision: 0 or 1.
    """

    types: Mapping[str, tuple[TypeField, ...]]
    primary_type: str
    domain: Mapping[str, Any]
    message: Mapping[str, Any]
    revision: int
    _plan: _Plan = field(repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], validate: bool = True) -> TypedData:
        """Parse the JSON object ``{types, primaryType, domain, message}``.

        :param data: the typed data as decoded JSON.
        :param validate: run :meth:`validate` (default). ``False`` accepts what starknet.js hashes.
        :raises TypedDataError: malformed object, no matching revision, or (with ``validate``) a
            rule of docs/protocol.md §3.8 broken.
        """
        if type(data) is not dict and not isinstance(data, Mapping):
            raise TypedDataError(f"{_SCHEMA_ERROR}: typed data must be an object, got {type(data).__name__}")
        types, primary, domain, message = (data.get("types"), data.get("primaryType"),
                                           data.get("domain"), data.get("message"))
        if not (_js_truthy(types) and _js_truthy(primary) and _js_truthy(message)):
            raise TypedDataError(f"{_SCHEMA_ERROR}: 'types', 'primaryType' and 'message' must be present and non-empty")
        if not isinstance(primary, str):
            raise TypedDataError(f"primaryType must be a string, got {type(primary).__name__}")
        if type(message) is not dict and not isinstance(message, Mapping):
            raise TypedDataError(f"message must be an object, got {type(message).__name__}")
        key = _parse_types(types)
        revision = _revision(cast("Mapping[str, Any]", types), domain)  # an object: _parse_types checked it
        if revision == 1 and any(name in _PRESETS for name, _ in key):
            raise TypedDataError(f"{_SCHEMA_ERROR}: revision 1 types must not redefine the preset types "
                        f"{sorted(_PRESETS)}")
        plan = _plan_for(key, revision)
        if primary not in plan.user and not (revision == 1 and primary in _PRESETS):
            raise TypedDataError(f"primaryType {primary!r} is not defined in types")
        td = cls(plan.types, primary, domain, message, revision, plan)  # type: ignore[arg-type]
        if validate:
            td.validate()
        return td

    @classmethod
    def from_json(cls, text: str | bytes, validate: bool = True) -> TypedData:
        """Parse JSON text; unlike ``json.loads`` + :meth:`from_dict`, duplicate keys are an error.

        :raises TypedDataError: invalid JSON, duplicate keys, or anything :meth:`from_dict` rejects.
        """
        def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            obj: dict[str, Any] = {}
            for k, v in pairs:
                if k in obj:
                    raise TypedDataError(f"duplicate key {k!r} in typed data JSON")
                obj[k] = v
            return obj
        try:
            data = json.loads(text, object_pairs_hook=no_duplicates)
        except (ValueError, RecursionError) as exc:
            if isinstance(exc, TypedDataError):
                raise
            raise TypedDataError(f"invalid JSON: {exc}") from None
        return cls.from_dict(data, validate=validate)

    def validate(self) -> None:
        """Check the SNIP-12 rules of docs/protocol.md §3.8 (see the module docstring); cached per structure.

        :raises TypedDataError: naming the offending type or field.
        """
        plan = self._plan
        if self.primary_type not in plan.validated:
            _validate(plan, self.primary_type)
            plan.validated.add(self.primary_type)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles as its parts (for process pools); the receiving process reuses or rebuilds the plan."""
        key = tuple((name, tuple((f.name, f.type, f.contains) for f in fields)) for name, fields in self.types.items())
        return (_typed_data_from_parts, (key, self.primary_type, self.domain, self.message, self.revision))

    def with_message(self, message: Mapping[str, Any], domain: Mapping[str, Any] | None = None) -> TypedData:
        """A copy with another message (and optionally domain), reusing the parsed types.

        The domain's ``revision`` is not re-examined: the copy keeps this object's revision.

        :raises TypedDataError: if ``message`` (or ``domain``) is not an object.
        """
        if not isinstance(message, Mapping) or (domain is not None and not isinstance(domain, Mapping)):
            raise TypedDataError("message and domain must be objects")
        return replace(self, message=message, domain=self.domain if domain is None else domain)

    # ---- hashing

    def encode_type(self, type_name: str) -> str:
        """The type string of ``type_name`` and its dependencies (starknet.js ``encodeType``)."""
        return self._plan.encode_type(_name(type_name))

    def type_hash(self, type_name: str) -> int:
        """``starknet_keccak`` of :meth:`encode_type` (starknet.js ``getTypeHash``)."""
        return self._plan.type_hash(_name(type_name))

    def encode_data(self, type_name: str, value: Mapping[str, Any]) -> list[int]:
        """``[type_hash, *encoded fields]`` of a struct value (starknet.js ``encodeData``)."""
        struct = self._struct(type_name)
        return _run(lambda ctx: struct.felts(value, ctx), self.revision)

    def struct_hash(self, type_name: str, value: Mapping[str, Any]) -> int:
        """Hash of :meth:`encode_data` (Pedersen chain in rev 0, Poseidon in rev 1)."""
        struct = self._struct(type_name)
        return _run(lambda ctx: struct.hash(value, ctx), self.revision)

    def message_hash(self, account_address: int | str) -> int:
        """The SNIP-12 message hash: ``H(["StarkNet Message", domain hash, account, message hash])``.

        :param account_address: an int, or a hex/decimal string, in ``[0, p)``.
        :raises TypedDataError: a value does not fit its type, a limit is exceeded, bad address.
        """
        try:
            account = to_bigint(account_address, "account_address")
        except XSessionsError as exc:
            raise TypedDataError(str(exc)) from None
        if isinstance(account_address, bool) or not 0 <= account < _P:
            raise TypedDataError(f"account_address must be a felt in [0, p), got {account_address!r}")
        domain = self._plan.struct(_DOMAIN[self.revision])
        primary = self._struct(self.primary_type)

        def run(ctx: _Ctx) -> int:
            d = domain.hash(self.domain, ctx)
            m = primary.hash(self.message, ctx)
            return ctx.many([_STARKNET_MESSAGE, d, account, m])
        return _run(run, self.revision)

    def _struct(self, type_name: str) -> _Struct:
        name = _name(type_name)
        if name not in self._plan.user and not (self.revision == 1 and name in _PRESETS):
            raise TypedDataError(f"type {name!r} is not defined")
        return self._plan.struct(name)


def _js_truthy(value: object) -> bool:
    return not (value is None or value is False or value == "" or (type(value) in (int, float) and value == 0))


def _name(type_name: object) -> str:
    if not isinstance(type_name, str):
        raise TypedDataError(f"type names are strings, got {type(type_name).__name__}")
    return type_name


_R = TypeVar("_R")


def _run(fn: Callable[[_Ctx], _R], revision: int) -> _R:
    """Run an encoding with a fresh context; internal failures become TypedDataError."""
    try:
        return fn(_Ctx(revision))
    except _EncodeError as exc:
        where = " > ".join(reversed(exc.path))
        raise TypedDataError(f"{where}: {exc.msg}" if where else exc.msg) from None
    except RecursionError:  # defensive: the depth limits keep recursion far below Python's limit
        raise TypedDataError(f"typed data nested too deeply (limit {MAX_DEPTH})") from None


def get_message_hash(typed_data: TypedData | Mapping[str, Any], account_address: int | str,
                     validate: bool = True) -> int:
    """starknet.js ``typedData.getMessageHash``: the message hash of a dict or :class:`TypedData`.

    :raises TypedDataError: see :meth:`TypedData.from_dict` and :meth:`TypedData.message_hash`.
    """
    td = typed_data if isinstance(typed_data, TypedData) else TypedData.from_dict(typed_data, validate)
    return td.message_hash(account_address)


def verify_message(typed_data: TypedData | Mapping[str, Any], account_address: int | str,
                   signature: Sequence[int], public_key: int) -> bool:
    """True iff ``signature = (r, s)`` signs the message hash of ``typed_data`` for ``account_address``
    with the stark key ``public_key`` (starknet.js ``typedData.verifyMessage``, x-only key).

    :raises TypedDataError: the typed data cannot be hashed.
    :raises InvalidSignature: the signature is not a pair of ints.
    """
    return verify_message_signature(get_message_hash(typed_data, account_address), signature, public_key)


def _typed_data_from_parts(key: _TypesKey, primary_type: str, domain: Mapping[str, Any], message: Mapping[str, Any],
                           revision: int) -> TypedData:
    """:meth:`TypedData.__reduce__`'s constructor."""
    plan = _plan_for(key, revision)
    return TypedData(plan.types, primary_type, domain, message, revision, plan)
