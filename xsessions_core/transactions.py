"""``__execute__`` calldata and the invoke v3 transaction hash (starknet.js 8.5.2
``src/utils/hash/transactionHash/v3.ts``, starknet-py 0.30 ``starknet_py/hash/transaction.py``).

Calls are starknet-py :class:`~starknet_py.net.client_models.Call` objects
(``to_addr, selector, calldata``). The starknet.js shape
``{"contractAddress": ..., "entrypoint": ..., "calldata": [...]}`` is accepted everywhere a call is
expected and converted by :func:`normalize_calls` with the starknet.js rules:

* ``entrypoint`` → ``getSelectorFromName`` (plain ``starknet_keccak`` of the UTF-8 name, no
  ``__default__`` special case);
* every calldata item is compiled as ``CallData.compile`` does for raw values (:func:`compile_calldata`).

Hashing runs on the active crypto backend with few native calls; every input is validated first.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cached_property
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable

from starknet_py.net.client_models import Call

from . import crypto
from .deprecation import module_aliases
from .crypto import FIELD_PRIME
from .chains import parse_chain_id
from .crypto.backend import InvokeV3HashRow
from .encoding import (
    FeltSpelling,
    byte_array_serialize,
    encode_shortstring,
    felt_from,
    integer_from,
    is_hex_or_decimal,
    selector_from_name_cached,
)
from .errors import TransactionError, XSessionsError, describe_value

__all__ = [
    "Call",
    "QUERY_VERSION_OFFSET",
    "TRANSACTION_VERSION_3",
    "QUERY_VERSION_3",
    "DA_MODE_L1",
    "DA_MODE_L2",
    "ResourceBound",
    "ResourceBounds",
    "compile_calldata",
    "normalize_calls",
    "get_execute_calldata",
    "execute_calldata_unchecked",
    "get_execute_calldata_cairo0",
    "parse_execute_calldata",
    "parse_resource_bounds",
    "parse_da_mode",
    "calculate_invoke_v3_hash",
    "InvokeV3",
    "RpcReader",
    "STRICT_RPC",
]

#: Added to the version of a transaction sent for fee estimation only ("query" version).
QUERY_VERSION_OFFSET = 2**128
TRANSACTION_VERSION_3 = 3
QUERY_VERSION_3 = QUERY_VERSION_OFFSET + 3
#: Data-availability modes as hashed (starknet.js ``EDAMode``): ``"L1"`` = 0, ``"L2"`` = 1.
DA_MODE_L1 = 0
DA_MODE_L2 = 1

_P = FIELD_PRIME
#: How transaction fields given in code are spelled: ints, ``0x`` hex or decimal strings.
_SPELLING = FeltSpelling.HEX_OR_DECIMAL
_U64 = 2**64
_U128 = 2**128
_L1_GAS = 0x4C315F474153  # ss("L1_GAS")
_L2_GAS = 0x4C325F474153  # ss("L2_GAS")
_L1_DATA = 0x4C315F44415441  # ss("L1_DATA")


# --------------------------------------------------------------------------- value coercion

def _number(value: object, name: str) -> int:
    """An int from an int or a hex / decimal string, range not checked."""
    return integer_from(value, name, TransactionError, _SPELLING)


def _felt(value: object, name: str) -> int:
    return felt_from(value, name, TransactionError, spelling=_SPELLING)


def _felt_list(values: object, name: str) -> list[int]:
    if type(values) is not list and type(values) is not tuple and (
            isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable)):
        raise TransactionError(f"{name} must be a sequence of felts, got {type(values).__name__}")
    out = list(values)
    for v in out:
        if type(v) is not int or not 0 <= v < _P:
            return [_felt(v, f"{name}[{i}]") for i, v in enumerate(out)]
    return out


def _compile_into(value: object, name: str, out: list[int]) -> None:
    if isinstance(value, bool):
        out.append(int(value))
    elif isinstance(value, int):
        out.append(_felt(int(value), name))
    elif isinstance(value, str):
        if is_hex_or_decimal(value):
            out.append(_felt(value, name))
            return
        try:
            if len(value) > 31:
                out.extend(byte_array_serialize(value, name))
            else:
                out.append(encode_shortstring(value, name))
        except XSessionsError as exc:
            raise TransactionError(f"{name}: {exc}") from None
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _compile_into(item, f"{name}.{key}", out)
    elif isinstance(value, (list, tuple)):
        out.append(len(value))
        for i, item in enumerate(value):
            _compile_into(item, f"{name}[{i}]", out)
    else:
        raise TransactionError(f"{name} cannot be compiled to felts (type {type(value).__name__})")


def compile_calldata(values: Sequence[Any], name: str = "calldata") -> list[int]:
    """starknet.js ``CallData.compile(values)`` for raw (ABI-less) values.

    * ``int`` → the felt (``0 <= v < p``); ``bool`` → 0/1;
    * ``"0x..."`` / decimal-digit strings → their value;
    * other text of at most 31 characters → short string; longer text → ByteArray serialization
      ``[n_words, words..., pending_word, pending_word_len]`` (ASCII only, as in starknet.js);
    * a nested list/tuple → ``[len, items...]``; a mapping → its values in key order (a struct).

    The top-level sequence gets **no** length prefix.

    :raises TransactionError: a value that is not a felt, a non-ASCII text...
    """
    if type(values) is not list and (isinstance(values, (str, bytes, Mapping)) or not isinstance(values, (list, tuple))):
        raise TransactionError(f"{name} must be a list of values, got {type(values).__name__}")
    out: list[int] = []
    for i, item in enumerate(values):
        if type(item) is int and 0 <= item < _P:
            out.append(item)
        else:
            _compile_into(item, f"{name}[{i}]", out)
    return out


# --------------------------------------------------------------------------- calls

def _selector(entrypoint: object, name: str) -> int:
    if not isinstance(entrypoint, str):
        raise TransactionError(f"{name} must be a function name (str), got {type(entrypoint).__name__}")
    try:
        return selector_from_name_cached(entrypoint)
    except XSessionsError as exc:
        raise TransactionError(f"{name}: {exc}") from None


def _normalize_dict(call: Mapping[str, Any], name: str, require_calldata: bool) -> Call:
    if "contractAddress" not in call or "entrypoint" not in call:
        raise TransactionError(f"{name} must have 'contractAddress' and 'entrypoint' keys")
    raw = call.get("calldata")
    if raw is None:
        if require_calldata:
            raise TransactionError(f"{name}.calldata is missing (starknet.js rejects it for Cairo 1)")
        raw = []
    return Call(
        to_addr=_felt(call["contractAddress"], f"{name}.contractAddress"),
        selector=_selector(call["entrypoint"], f"{name}.entrypoint"),
        calldata=compile_calldata(raw, f"{name}.calldata"),
    )


def _normalize_one(call: object, i: int, require_calldata: bool) -> Call:
    if type(call) is dict:
        return _normalize_dict(call, f"calls[{i}]", require_calldata)
    name = f"calls[{i}]"
    if isinstance(call, Call):
        return Call(
            to_addr=_felt(call.to_addr, f"{name}.to_addr"),
            selector=_felt(call.selector, f"{name}.selector"),
            calldata=_felt_list(call.calldata, f"{name}.calldata"),
        )
    if isinstance(call, Mapping):
        return _normalize_dict(call, name, require_calldata)
    raise TransactionError(
        f"{name} must be a starknet_py Call or a dict {{contractAddress, entrypoint, calldata}}, "
        f"got {type(call).__name__}"
    )


def normalize_calls(calls: object, *, require_calldata: bool = True) -> list[Call]:
    """Validated starknet-py :class:`Call` objects from calls in either accepted shape.

    ``calls`` is one call or a sequence of calls: starknet-py ``Call`` (felts checked) or a
    starknet.js dict ``{contractAddress, entrypoint, calldata}``. A dict without ``calldata`` raises
    unless ``require_calldata=False`` (then it means ``[]``, as for starknet.js Cairo 0 calldata).
    New ``Call`` objects are returned; the inputs are not modified.

    :raises TransactionError: malformed call, felt out of range, non-compilable calldata.
    """
    if type(calls) is not list and isinstance(calls, (Call, Mapping)):
        calls = [calls]
    if type(calls) is not list and (isinstance(calls, (str, bytes)) or not isinstance(calls, Iterable)):
        raise TransactionError(f"calls must be a call or a sequence of calls, got {type(calls).__name__}")
    out: list[Call] = []
    for i, call in enumerate(calls):
        if type(call) is Call:  # fast path: already valid (a copy, so that the caller's list stays theirs)
            to, sel, data = call.to_addr, call.selector, call.calldata
            if type(to) is int and 0 <= to < _P and type(sel) is int and 0 <= sel < _P and type(data) is list:
                for v in data:
                    if type(v) is not int or not 0 <= v < _P:
                        break
                else:
                    out.append(Call(to, sel, data[:]))
                    continue
        out.append(_normalize_one(call, i, require_calldata))
    return out


def get_execute_calldata(calls: object) -> list[int]:
    """Cairo 1 ``__execute__(Array<Call>)`` calldata: ``[n, (to, selector, len, data...)*]``.

    Equals starknet.js ``transaction.getExecuteCalldata(calls, "1")``.
    """
    calldata = normal_execute_calldata(calls)
    return calldata if calldata is not None else execute_calldata_unchecked(normalize_calls(calls))


def normal_execute_calldata(calls: object) -> list[int] | None:
    """:func:`get_execute_calldata` in one pass when ``calls`` is a list of starknet-py ``Call`` objects
    that are already normal (felts as ints in range, calldata lists: what :func:`normalize_calls`
    returns); ``None`` for anything else (then normalise them)."""
    if type(calls) is not list:
        return None
    out: list[int] = [len(calls)]
    for call in calls:
        if type(call) is not Call:
            return None
        to, sel, data = call.to_addr, call.selector, call.calldata
        if type(to) is not int or not 0 <= to < _P or type(sel) is not int or not 0 <= sel < _P \
                or type(data) is not list:
            return None
        for v in data:
            if type(v) is not int or not 0 <= v < _P:
                return None
        out += (to, sel, len(data))
        out += data
    return out


def execute_calldata_unchecked(calls: Sequence[Call]) -> list[int]:
    """:func:`get_execute_calldata` of calls already normalised by :func:`normalize_calls`."""
    out: list[int] = [len(calls)]
    for call in calls:
        out += (call.to_addr, call.selector, len(call.calldata))
        out += call.calldata
    return out


def get_execute_calldata_cairo0(calls: object) -> list[int]:
    """Cairo 0 ``__execute__`` calldata: ``[n, (to, selector, offset, len)*, total, data...]``.

    Equals starknet.js ``getExecuteCalldata(calls, "0")`` (a dict call without ``calldata`` means ``[]``).
    """
    normalized = normalize_calls(calls, require_calldata=False)
    head: list[int] = [len(normalized)]
    data: list[int] = []
    for call in normalized:
        head += (call.to_addr, call.selector, len(data), len(call.calldata))
        data += call.calldata
    return head + [len(data)] + data


def parse_execute_calldata(calldata: Sequence[int]) -> list[Call]:
    """Inverse of :func:`get_execute_calldata`: the calls of Cairo 1 ``__execute__`` calldata.

    Every felt is range-checked; the whole array must be consumed exactly.

    :raises TransactionError: truncated data, a length that runs past the end, trailing felts.
    """
    data = _felt_list(calldata, "calldata")
    if not data:
        raise TransactionError("calldata is empty: expected [n_calls, ...]")
    n, pos, end = data[0], 1, len(data)
    calls: list[Call] = []
    for i in range(n):
        if pos + 3 > end:
            raise TransactionError(f"calldata is truncated in the header of call {i} (n_calls = {n})")
        to, sel, length = data[pos], data[pos + 1], data[pos + 2]
        pos += 3
        if length > end - pos:
            raise TransactionError(
                f"calldata length of call {i} is {length} but only {end - pos} felts remain"
            )
        calls.append(Call(to_addr=to, selector=sel, calldata=data[pos:pos + length]))
        pos += length
    if pos != end:
        raise TransactionError(f"calldata has {end - pos} trailing felts after {n} calls")
    return calls


# --------------------------------------------------------------------------- resource bounds

@dataclass(frozen=True)
class ResourceBound:
    """Max amount (u64) and max price per unit (u128) of one resource."""

    max_amount: int
    max_price_per_unit: int


@dataclass(frozen=True)
class ResourceBounds:
    """Validated resource bounds of a v3 transaction (``l1_gas``, ``l2_gas``, ``l1_data_gas``)."""

    l1_gas: ResourceBound
    l2_gas: ResourceBound
    l1_data_gas: ResourceBound


def _field(obj: object, key: str, name: str) -> object:
    if type(obj) is dict or isinstance(obj, Mapping):
        if key not in obj:
            raise TransactionError(f"{name} is missing {key!r}")
        return obj[key]
    if not hasattr(obj, key):
        raise TransactionError(f"{name} has no attribute {key!r}")
    return getattr(obj, key)


def _hex_fast(value: object) -> object:
    """``int(value, 16)`` for a strict ``0x<hex digits>`` string (as :func:`_number` parses it), else
    ``value`` unchanged."""
    if type(value) is str and value[:2] == "0x" and value.isascii() and value[2:].isalnum():
        try:
            return int(value, 16)
        except ValueError:
            pass
    return value


def _bound(obj: object, name: str) -> ResourceBound:
    if type(obj) is dict:  # fast path: ints or JSON-RPC hex strings, in range
        amount, price = _hex_fast(obj.get("max_amount")), _hex_fast(obj.get("max_price_per_unit"))
        if type(amount) is int and type(price) is int and 0 <= amount < _U64 and 0 <= price < _U128:
            return ResourceBound(amount, price)
    amount = _number(_field(obj, "max_amount", name), f"{name}.max_amount")
    price = _number(_field(obj, "max_price_per_unit", name), f"{name}.max_price_per_unit")
    if not 0 <= amount < _U64:
        raise TransactionError(f"{name}.max_amount must be a u64 (0 <= v < 2**64), got {amount}")
    if not 0 <= price < _U128:
        raise TransactionError(f"{name}.max_price_per_unit must be a u128 (0 <= v < 2**128), got {price}")
    return ResourceBound(amount, price)


def parse_resource_bounds(resource_bounds: object) -> ResourceBounds:
    """Validate resource bounds given as :class:`ResourceBounds`, starknet-py ``ResourceBoundsMapping``
    or a mapping ``{"l1_gas": {"max_amount", "max_price_per_unit"}, "l2_gas": ..., "l1_data_gas": ...}``
    (ints or hex/decimal strings). A missing ``l1_data_gas`` means zeros (starknet.js default).

    :raises TransactionError: missing field, max_amount not a u64, price not a u128.
    """
    if type(resource_bounds) is dict:  # fast path: plain dicts of ints or strings, seen before
        get = resource_bounds.get
        l1, l2, l1d = get("l1_gas"), get("l2_gas"), get("l1_data_gas")
        if type(l1) is dict and type(l2) is dict and type(l1d) is dict:
            key = (l1.get("max_amount"), l1.get("max_price_per_unit"), l2.get("max_amount"),
                   l2.get("max_price_per_unit"), l1d.get("max_amount"), l1d.get("max_price_per_unit"))
            for v in key:
                if type(v) is not int and type(v) is not str:
                    break
            else:
                cached = _BOUNDS_SEEN.get(key)
                if cached is None:
                    cached = _parse_resource_bounds(resource_bounds)  # validates
                    if len(_BOUNDS_SEEN) >= 1024:
                        _BOUNDS_SEEN.clear()
                    _BOUNDS_SEEN[key] = cached
                return cached
    elif isinstance(resource_bounds, ResourceBounds):
        return resource_bounds
    return _parse_resource_bounds(resource_bounds)


#: Validated bounds by their six raw values, ints or strings (a string always parses to the same
#: value; the results are immutable; bounded; relayers see the same few again and again).
_BOUNDS_SEEN: dict[tuple[object, ...], ResourceBounds] = {}


def _parse_resource_bounds(resource_bounds: object) -> ResourceBounds:
    name = "resource_bounds"
    if isinstance(resource_bounds, Mapping):
        data_gas = resource_bounds.get("l1_data_gas")
    else:
        data_gas = getattr(resource_bounds, "l1_data_gas", None)
    return ResourceBounds(
        l1_gas=_bound(_field(resource_bounds, "l1_gas", name), f"{name}.l1_gas"),
        l2_gas=_bound(_field(resource_bounds, "l2_gas", name), f"{name}.l2_gas"),
        l1_data_gas=ResourceBound(0, 0) if data_gas is None else _bound(data_gas, f"{name}.l1_data_gas"),
    )


def parse_da_mode(value: object, name: str = "da_mode") -> int:
    """A data-availability mode as hashed: 0/1, ``"L1"``/``"L2"`` or starknet-py ``DAMode``."""
    value = getattr(value, "value", value)  # enums
    if value == "L1" or (type(value) is int and value == DA_MODE_L1):
        return DA_MODE_L1
    if value == "L2" or (type(value) is int and value == DA_MODE_L2):
        return DA_MODE_L2
    raise TransactionError(f"{name} must be 0/'L1' or 1/'L2', got {describe_value(value)}")


# --------------------------------------------------------------------------- invoke v3 hash

def _version(value: object) -> int:
    v = _number(value, "version")
    if v not in (TRANSACTION_VERSION_3, QUERY_VERSION_3):
        raise TransactionError(f"Invalid Tx version for hash calculation: {describe_value(value)} (expected 3 or 2**128 + 3)")
    return v


def _tip(value: object) -> int:
    t = _number(value, "tip")
    if not 0 <= t < _U64:
        raise TransactionError(f"tip must be a u64 (0 <= tip < 2**64), got {t}")
    return t


#: The validated fields of one invoke v3 transaction, in hashing order: ``(sender_address, calldata,
#: chain_id, nonce, resource_bounds, tip, paymaster_data, account_deployment_data, nonce_da_mode,
#: fee_da_mode, version, proof_facts)``. Private: :class:`InvokeV3` is the public value.
_Layout = tuple[int, Sequence[int], int, int, ResourceBounds, int, Sequence[int], Sequence[int], int, int, int,
                Sequence[int]]


def _hash_row(fields: _Layout) -> InvokeV3HashRow:
    """The backend's form of validated fields: ``(head, paymaster_data, account_deployment_data,
    calldata, proof_facts)`` with ``head = [version, sender, chain_id, nonce, da_word, tip, l1_word,
    l2_word, l1_data_word]`` (see ``session_sign_invoke_v3`` in :mod:`xsessions_core.crypto.backend`)."""
    sender, calldata, chain_id, nonce, bounds, tip, paymaster, deployment, nonce_da, fee_da, version, facts = fields
    l1, l2, l1d = bounds.l1_gas, bounds.l2_gas, bounds.l1_data_gas
    head = [version, sender, chain_id, nonce, (nonce_da << 32) + fee_da, tip,
            (_L1_GAS << 192) + (l1.max_amount << 128) + l1.max_price_per_unit,
            (_L2_GAS << 192) + (l2.max_amount << 128) + l2.max_price_per_unit,
            (_L1_DATA << 192) + (l1d.max_amount << 128) + l1d.max_price_per_unit]
    return head, paymaster, deployment, calldata, facts


def _layout_hashes(transactions: Sequence[_Layout]) -> list[int]:
    """Hashes of validated layouts in one backend call (out-of-range input gives a wrong hash)."""
    return crypto.unchecked.invoke_v3_hash_batch([_hash_row(f) for f in transactions])


def _layout(sender_address: object, calldata: object, chain_id: object, nonce: object, resource_bounds: object,
            tip: object, paymaster_data: object, account_deployment_data: object, nonce_da_mode: object,
            fee_da_mode: object, version: object, proof_facts: object) -> _Layout:
    """Validate the fields of an INVOKE v3 transaction (the arguments of :func:`calculate_invoke_v3_hash`;
    ``proof_facts`` may be ``None``).

    :raises TransactionError: unsupported version, felt out of range, tip not a u64, bad bounds.
    """
    v = _version(version)
    bounds = parse_resource_bounds(resource_bounds)
    return (
        _felt(sender_address, "sender_address"),
        _felt_list(calldata, "calldata"),
        parse_chain_id(chain_id, "chain_id", TransactionError),
        _felt(nonce, "nonce"),
        bounds,
        _tip(tip),
        _felt_list(paymaster_data, "paymaster_data"),
        _felt_list(account_deployment_data, "account_deployment_data"),
        parse_da_mode(nonce_da_mode, "nonce_da_mode"),
        parse_da_mode(fee_da_mode, "fee_da_mode"),
        v,
        _felt_list(proof_facts, "proof_facts") if proof_facts is not None else [],
    )


def calculate_invoke_v3_hash(
    *,
    sender_address: int | str,
    calldata: Sequence[int],
    chain_id: int | str,
    nonce: int | str,
    resource_bounds: object,
    tip: int | str = 0,
    paymaster_data: Sequence[int] = (),
    account_deployment_data: Sequence[int] = (),
    nonce_da_mode: int | str = DA_MODE_L1,
    fee_da_mode: int | str = DA_MODE_L1,
    version: int | str = TRANSACTION_VERSION_3,
    proof_facts: Sequence[int] | None = None,
) -> int:
    """Hash of an INVOKE v3 transaction (starknet.js ``calculateInvokeTransactionHash``).

    Scalars are ints or hex/decimal strings; ``calldata`` is the compiled ``__execute__`` calldata
    (:func:`get_execute_calldata`); ``version`` is 3 or ``QUERY_VERSION_OFFSET + 3``.
    ``proof_facts`` (starknet.js 10 / starknet-py 0.30) is appended as ``poseidon_many(proof_facts)``
    only when non-empty.

    :raises TransactionError: unsupported version, felt out of range, tip not a u64, bad bounds.
    """
    fields = _layout(sender_address, calldata, chain_id, nonce, resource_bounds, tip, paymaster_data,
                     account_deployment_data, nonce_da_mode, fee_da_mode, version, proof_facts)
    return _layout_hashes([fields])[0]




# --------------------------------------------------------------------------- the transaction value

#: The keys of a ``starknet_addInvokeTransaction`` v3 transaction (starknet-specs ``api/starknet_api_openrpc.json``,
#: ``BROADCASTED_INVOKE_TXN`` / ``INVOKE_TXN_V3``; ``proof_facts`` only when non-empty, as starknet-py 0.30 writes it).
_RPC_KEYS = frozenset({"type", "sender_address", "calldata", "version", "signature", "nonce", "resource_bounds", "tip",
                       "paymaster_data", "account_deployment_data", "nonce_data_availability_mode",
                       "fee_data_availability_mode", "proof_facts"})
_RPC_REQUIRED = ("sender_address", "calldata", "version", "signature", "nonce", "resource_bounds")
_DA_NAMES = ("L1", "L2")


def _hex_list(values: Sequence[int]) -> list[str]:
    return [hex(v) for v in values]


def _bound_rpc(bound: ResourceBound) -> dict[str, str]:
    return {"max_amount": hex(bound.max_amount), "max_price_per_unit": hex(bound.max_price_per_unit)}


@dataclass(frozen=True)
class RpcReader:
    """How :meth:`InvokeV3.from_rpc` reads a transaction (default: :data:`STRICT_RPC`).

    :param felt: reads one felt: ``felt(value, name) -> int``; raises a :class:`TransactionError`
        (or a subclass) naming ``name``.
    :param felts: reads a list of felts: ``felts(values, name) -> Sequence[int]``; may check the
        length first (a node's calldata and signature limits).
    :param unknown_keys: ignore keys outside the RPC spec instead of rejecting them.
    :param node_version_and_tip: keep any felt as ``version`` and ``tip``, as a node passes them on
        to the account (which rejects a version it does not support); :meth:`InvokeV3.hash` and the
        other hashing methods then check them. Otherwise they are checked at once.
    :param checked_felts: ``felt`` and ``felts`` return only felts (ints in ``[0, p)``): the value is
        built from them without checking them again (a verifier's hot path).
    """

    felt: Callable[[object, str], int]
    felts: Callable[[object, str], Sequence[int]]
    unknown_keys: bool = False
    node_version_and_tip: bool = False
    checked_felts: bool = False


def _felt_tuple(values: object, name: str) -> tuple[int, ...]:
    if type(values) is tuple or type(values) is list:
        if not values:
            return ()
        for v in values:
            if type(v) is not int or not 0 <= v < _P:
                break
        else:
            return tuple(values)
    return tuple(_felt_list(values, name))


#: The default :class:`RpcReader`: ints or hex/decimal strings, the exact set of RPC keys, version 3
#: (or its query version) and a u64 tip.
STRICT_RPC = RpcReader(_felt, _felt_tuple)


@dataclass(frozen=True, init=False)
class InvokeV3:
    """An INVOKE v3 transaction as a node receives it: a frozen, validated value.

    :meth:`from_rpc` / :meth:`to_rpc` read and write the exact ``starknet_addInvokeTransaction`` JSON
    (hex strings, ``"L1"``/``"L2"`` DA modes); :meth:`hash` is the transaction hash on a chain. The
    session signers return it with its :attr:`signature`; ``InvokeV3.from_rpc(tx.to_rpc()) == tx``.

    Scalars may be given as ints or hex/decimal strings, ``resource_bounds`` in any form
    :func:`parse_resource_bounds` accepts (also starknet-py's ``ResourceBoundsMapping``), DA modes as
    0/1/``"L1"``/``"L2"`` or starknet-py ``DAMode``; they are stored normalised (felts as ints,
    sequences as tuples, DA modes as 0/1).

    A transaction may be bound to its chain (``chain_id=``, or :meth:`on_chain`): what a cosigner
    receives. Then :attr:`transaction_hash` is its hash (computed once), and the hashing methods
    need no ``chain_id``. A ``sender_address`` string keeps its spelling in
    :attr:`sender_address_text` (x-sessions sends the address to the guardian as the dapp wrote it).

    :raises TransactionError: a value out of range or of the wrong type, naming the field.
    """

    sender_address: int
    calldata: tuple[int, ...]
    nonce: int
    resource_bounds: ResourceBounds
    signature: tuple[int, ...]
    tip: int
    paymaster_data: tuple[int, ...]
    account_deployment_data: tuple[int, ...]
    nonce_da_mode: int
    fee_da_mode: int
    version: int
    proof_facts: tuple[int, ...]
    chain_id: int | None = None
    sender_address_text: str | None = field(default=None, compare=False, repr=False)

    def __init__(self, sender_address: int | str, calldata: Sequence[int | str], nonce: int | str,
                 resource_bounds: object, signature: Sequence[int | str] = (), tip: int | str = 0,
                 paymaster_data: Sequence[int | str] = (), account_deployment_data: Sequence[int | str] = (),
                 nonce_da_mode: object = DA_MODE_L1, fee_da_mode: object = DA_MODE_L1,
                 version: int | str = TRANSACTION_VERSION_3, proof_facts: Sequence[int | str] = (), *,
                 chain_id: object = None, sender_address_text: str | None = None) -> None:
        # Each field in turn (the first bad one is reported), with a fast path for values that are
        # already normal (ints in range, tuples of them): the signers build many of these.
        values = self.__dict__  # a frozen dataclass's fields live there; writing once is the cheapest
        values["sender_address"] = sender_address if type(sender_address) is int and 0 <= sender_address < _P \
            else _felt(sender_address, "sender_address")
        values["calldata"] = _felt_tuple(calldata, "calldata")
        values["nonce"] = nonce if type(nonce) is int and 0 <= nonce < _P else _felt(nonce, "nonce")
        values["resource_bounds"] = parse_resource_bounds(resource_bounds)
        values["signature"] = _felt_tuple(signature, "signature")
        values["tip"] = tip if type(tip) is int and 0 <= tip < _U64 else _tip(tip)
        values["paymaster_data"] = _felt_tuple(paymaster_data, "paymaster_data")
        values["account_deployment_data"] = _felt_tuple(account_deployment_data, "account_deployment_data")
        values["nonce_da_mode"] = nonce_da_mode if type(nonce_da_mode) is int and 0 <= nonce_da_mode <= DA_MODE_L2 \
            else parse_da_mode(nonce_da_mode, "nonce_data_availability_mode")
        values["fee_da_mode"] = fee_da_mode if type(fee_da_mode) is int and 0 <= fee_da_mode <= DA_MODE_L2 \
            else parse_da_mode(fee_da_mode, "fee_data_availability_mode")
        values["version"] = version if type(version) is int and (version == TRANSACTION_VERSION_3 or
                                                               version == QUERY_VERSION_3) else _version(version)
        values["proof_facts"] = _felt_tuple(proof_facts, "proof_facts")
        values["chain_id"] = chain_id if chain_id is None or (type(chain_id) is int and 0 <= chain_id < _P) \
            else parse_chain_id(chain_id, "chain_id", TransactionError)
        if sender_address_text is None and isinstance(sender_address, str):
            sender_address_text = sender_address
        values["sender_address_text"] = sender_address_text

    @classmethod
    def from_rpc(cls, transaction: Mapping[str, Any], *, chain_id: object = None,
                 reader: RpcReader = STRICT_RPC) -> InvokeV3:
        """Read a ``starknet_addInvokeTransaction`` v3 transaction (the JSON :meth:`to_rpc` writes).

        ``type`` may be absent (else it must be ``"INVOKE"``); ``tip``, ``paymaster_data``,
        ``account_deployment_data``, the DA modes and ``proof_facts`` default as in the RPC spec.
        ``reader`` chooses how felts, unknown keys, the version and the tip are read (a verifier
        passes its node rules); ``calldata`` and ``signature`` are read first.

        :raises TransactionError: not a mapping, a missing or unknown key, a malformed value.
        """
        if type(transaction) is not dict and not isinstance(transaction, Mapping):
            raise TransactionError(f"transaction must be a JSON object (mapping), got {type(transaction).__name__}")
        if not reader.unknown_keys:
            unknown = sorted(str(k) for k in transaction.keys() - _RPC_KEYS)
            if unknown:
                raise TransactionError(f"transaction has unknown keys {describe_value(unknown)}")
        missing = [k for k in _RPC_REQUIRED if k not in transaction]
        if missing:
            raise TransactionError(f"transaction is missing {missing}")
        if transaction.get("type", "INVOKE") != "INVOKE":
            raise TransactionError(f"transaction type must be 'INVOKE', got {describe_value(transaction['type'])}")
        get = transaction.get
        if reader is STRICT_RPC:
            return cls(
                sender_address=transaction["sender_address"],
                calldata=transaction["calldata"],
                nonce=transaction["nonce"],
                resource_bounds=transaction["resource_bounds"],
                signature=transaction["signature"],
                tip=get("tip", 0),
                paymaster_data=get("paymaster_data", ()),
                account_deployment_data=get("account_deployment_data", ()),
                nonce_da_mode=get("nonce_data_availability_mode", DA_MODE_L1),
                fee_da_mode=get("fee_data_availability_mode", DA_MODE_L1),
                version=transaction["version"],
                proof_facts=get("proof_facts") or (),
                chain_id=chain_id,
            )
        felt, felts = reader.felt, reader.felts
        calldata = felts(transaction["calldata"], "calldata")
        signature = felts(transaction["signature"], "signature")
        version, tip = felt(transaction["version"], "version"), felt(get("tip", 0), "tip")
        if reader.checked_felts:
            tx = cls.__new__(cls)
            put = object.__setattr__
            put(tx, "sender_address", felt(transaction["sender_address"], "sender_address"))
            put(tx, "calldata", tuple(calldata))
            put(tx, "nonce", felt(transaction["nonce"], "nonce"))
            put(tx, "signature", tuple(signature))
            put(tx, "paymaster_data", tuple(felts(get("paymaster_data") or (), "paymaster_data")))
            put(tx, "account_deployment_data",
                tuple(felts(get("account_deployment_data") or (), "account_deployment_data")))
            put(tx, "proof_facts", tuple(felts(get("proof_facts") or (), "proof_facts")))
            put(tx, "resource_bounds", parse_resource_bounds(transaction["resource_bounds"]))
            put(tx, "nonce_da_mode", parse_da_mode(get("nonce_data_availability_mode", DA_MODE_L1),
                                                   "nonce_data_availability_mode"))
            put(tx, "fee_da_mode", parse_da_mode(get("fee_data_availability_mode", DA_MODE_L1),
                                                 "fee_data_availability_mode"))
            put(tx, "version", version if reader.node_version_and_tip else _version(version))
            put(tx, "tip", tip if reader.node_version_and_tip else _tip(tip))
            put(tx, "chain_id", None if chain_id is None else parse_chain_id(chain_id, "chain_id", TransactionError))
            put(tx, "sender_address_text", None)
            return tx
        tx = cls(
            sender_address=felt(transaction["sender_address"], "sender_address"),
            calldata=calldata,
            nonce=felt(transaction["nonce"], "nonce"),
            resource_bounds=transaction["resource_bounds"],
            signature=signature,
            paymaster_data=felts(get("paymaster_data") or (), "paymaster_data"),
            account_deployment_data=felts(get("account_deployment_data") or (), "account_deployment_data"),
            nonce_da_mode=get("nonce_data_availability_mode", DA_MODE_L1),
            fee_da_mode=get("fee_data_availability_mode", DA_MODE_L1),
            proof_facts=felts(get("proof_facts") or (), "proof_facts"),
            chain_id=chain_id,
            version=TRANSACTION_VERSION_3 if reader.node_version_and_tip else version,
            tip=0 if reader.node_version_and_tip else tip,
        )
        if reader.node_version_and_tip:
            object.__setattr__(tx, "version", version)
            object.__setattr__(tx, "tip", tip)
        return tx

    def to_rpc(self) -> dict[str, Any]:
        """The ``starknet_addInvokeTransaction`` JSON of this transaction, as starknet-py writes it
        (``_create_broadcasted_txn``): felts as ``0x`` hex strings, DA modes ``"L1"``/``"L2"``, the three
        resource bounds, ``proof_facts`` only when non-empty, no other fields (not the chain)."""
        rb = self.resource_bounds
        out: dict[str, Any] = {
            "type": "INVOKE",
            "sender_address": hex(self.sender_address),
            "calldata": _hex_list(self.calldata),
            "version": hex(self.version),
            "signature": _hex_list(self.signature),
            "nonce": hex(self.nonce),
            "resource_bounds": {"l1_gas": _bound_rpc(rb.l1_gas), "l1_data_gas": _bound_rpc(rb.l1_data_gas),
                                "l2_gas": _bound_rpc(rb.l2_gas)},
            "tip": hex(self.tip),
            "paymaster_data": _hex_list(self.paymaster_data),
            "account_deployment_data": _hex_list(self.account_deployment_data),
            "nonce_data_availability_mode": _DA_NAMES[self.nonce_da_mode],
            "fee_data_availability_mode": _DA_NAMES[self.fee_da_mode],
        }
        if self.proof_facts:
            out["proof_facts"] = _hex_list(self.proof_facts)
        return out

    def on_chain(self, chain_id: object, sender_address_text: str | None = None) -> InvokeV3:
        """This transaction bound to the chain ``chain_id`` (anything
        :func:`~xsessions_core.chains.parse_chain_id` accepts).

        :raises TransactionError: a bad chain id.
        """
        bound = copy.copy(self)
        bound.__dict__.pop("transaction_hash", None)
        object.__setattr__(bound, "chain_id", parse_chain_id(chain_id, "chain_id", TransactionError))
        if sender_address_text is not None:
            object.__setattr__(bound, "sender_address_text", sender_address_text)
        return bound

    def _chain(self, chain_id: object) -> int:
        if chain_id is not None:
            return parse_chain_id(chain_id, "chain_id", TransactionError)
        if self.chain_id is None:
            raise TransactionError("chain_id is needed to hash an InvokeV3 that is not bound to a chain")
        return self.chain_id

    def hash_fields(self, chain_id: object = None) -> _Layout:
        """The validated fields in hashing order, on ``chain_id`` (default: the bound chain).

        :raises TransactionError: no chain, or a version or tip read with
            ``RpcReader(node_version_and_tip=True)`` that cannot be hashed.
        """
        if self.version != TRANSACTION_VERSION_3 and self.version != QUERY_VERSION_3:
            _version(self.version)
        if self.tip >> 64:
            _tip(self.tip)
        chain = self.chain_id if chain_id is None and self.chain_id is not None else self._chain(chain_id)
        return (self.sender_address, self.calldata, chain, self.nonce, self.resource_bounds,
                self.tip, self.paymaster_data, self.account_deployment_data, self.nonce_da_mode, self.fee_da_mode,
                self.version, self.proof_facts)

    def hash_row(self, chain_id: object = None) -> InvokeV3HashRow:
        """This transaction as the backends hash and session-sign it (``crypto.unchecked``
        ``invoke_v3_hash_batch`` / ``session_sign_invoke_v3``), on ``chain_id`` (default: the bound chain)."""
        return _hash_row(self.hash_fields(chain_id))

    def hash(self, chain_id: object = None) -> int:
        """The transaction hash on ``chain_id`` (an int, hex string, ``"SN_MAIN"``, ``"SN_SEPOLIA"`` or
        starknet-py ``StarknetChainId``; default: the bound chain): :func:`calculate_invoke_v3_hash`;
        the signature is not hashed."""
        return _layout_hashes([self.hash_fields(chain_id)])[0]

    @staticmethod
    def hash_many(transactions: Sequence[InvokeV3], chain_id: object = None) -> list[int]:
        """The hashes of many transactions in one backend call, on ``chain_id`` (default: each one's
        bound chain)."""
        return _layout_hashes([tx.hash_fields(chain_id) for tx in transactions])

    @cached_property
    def transaction_hash(self) -> int:
        """The hash on the bound chain (computed once).

        :raises TransactionError: the transaction is not bound to a chain."""
        return self.hash()

    @property
    def sender_address_hex(self) -> str:
        """The sender address as given (or canonical hex)."""
        return self.sender_address_text or hex(self.sender_address)

    def with_signature(self, signature: Sequence[int | str]) -> InvokeV3:
        """This transaction with ``signature`` (felts)."""
        signed = copy.copy(self)
        object.__setattr__(signed, "signature", _felt_tuple(signature, "signature"))
        return signed


# --------------------------------------------------------------------------- deprecated names

@dataclass(frozen=True, init=False)
class _ChainBoundInvokeV3(InvokeV3):
    """The former ``InvokeV3Transaction``: an :class:`InvokeV3` bound to its chain, with ``chain_id``
    after ``calldata``. Deprecated: pass ``chain_id=`` to :class:`InvokeV3`, or call :meth:`InvokeV3.on_chain`."""

    chain_id: int

    def __init__(self, sender_address: int | str, calldata: Sequence[int | str], chain_id: int | str,
                 nonce: int | str, resource_bounds: object, tip: int | str = 0,
                 paymaster_data: Sequence[int | str] = (), account_deployment_data: Sequence[int | str] = (),
                 nonce_da_mode: object = DA_MODE_L1, fee_da_mode: object = DA_MODE_L1,
                 version: int | str = TRANSACTION_VERSION_3, proof_facts: Sequence[int | str] = (),
                 sender_address_text: str | None = None, signature: Sequence[int | str] = ()) -> None:
        super().__init__(sender_address, calldata, nonce, resource_bounds, signature, tip, paymaster_data,
                         account_deployment_data, nonce_da_mode, fee_da_mode, version, proof_facts,
                         chain_id=chain_id, sender_address_text=sender_address_text)

    @classmethod
    def from_invoke(cls, transaction: InvokeV3, chain_id: int | str,
                    sender_address_text: str | None = None) -> _ChainBoundInvokeV3:
        """``transaction`` on the chain ``chain_id`` (now :meth:`InvokeV3.on_chain`).

        :raises TransactionError: ``transaction`` is not an :class:`InvokeV3`, or a bad chain id.
        """
        if not isinstance(transaction, InvokeV3):
            raise TransactionError(f"transaction must be an InvokeV3, got {type(transaction).__name__}")
        t = transaction
        return cls(t.sender_address, t.calldata, chain_id, t.nonce, t.resource_bounds, t.tip, t.paymaster_data,
                   t.account_deployment_data, t.nonce_da_mode, t.fee_da_mode, t.version, t.proof_facts,
                   sender_address_text, t.signature)

    @property
    def fields(self) -> _Layout:
        """The validated fields in hashing order (now :meth:`InvokeV3.hash_fields`)."""
        return self.hash_fields()


#: Old public name -> (what replaces it, the object it still returns for one release).
_DEPRECATED: dict[str, tuple[str, object]] = {
    "InvokeV3Transaction": ("use InvokeV3(..., chain_id=...) or InvokeV3.on_chain(chain_id)", _ChainBoundInvokeV3),
    "InvokeV3Fields": ("use InvokeV3 (InvokeV3.hash_fields() gives the hashed fields)", _Layout),
    "invoke_v3_fields": ("build an InvokeV3 (it validates the same fields)", _layout),
    "invoke_v3_hashes_unchecked": ("use InvokeV3.hash_many(transactions, chain_id)", _layout_hashes),
    "invoke_v3_hash_input": ("use InvokeV3.hash_row(chain_id)", _hash_row),
}

if TYPE_CHECKING:
    InvokeV3Transaction = _ChainBoundInvokeV3
    InvokeV3Fields = _Layout
    invoke_v3_fields = _layout
    invoke_v3_hashes_unchecked = _layout_hashes
    invoke_v3_hash_input = _hash_row


__getattr__ = module_aliases(__name__, _DEPRECATED)
