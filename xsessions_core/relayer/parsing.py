"""Reading the relayer's input as a node and the account's entry points read it: invoke v3
transactions (:func:`parse_invoke_v3`), SNIP-9 outside executions (:func:`parse_outside_execution`),
``__execute__`` calldata (:func:`parse_execute_calls`), felts as a node spells them
(:func:`tx_felt`) and the gateway's length limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starknet_py.net.client_models import Call

from ..cairo_serde import CairoReader, SerdeNone, deserialize_all
from ..crypto import FIELD_PRIME
from ..encoding import FeltSpelling, felt_from, node_felt_match
from ..errors import TransactionError
from ..transactions import QUERY_VERSION_OFFSET, InvokeV3, RpcReader, parse_resource_bounds
from .types import DESERIALIZE_PARAM_1, PHASE_NODE, PHASE_OUTSIDE, NodeRules, RejectedInput, node_rules_arg

__all__ = [
    "OutsideExecutionData",
    "CalldataPanic",
    "tx_field",
    "tx_felt",
    "felt_list",
    "tx_felts",
    "check_node_length",
    "parse_invoke_v3",
    "parse_outside_execution",
    "outside_calldata_length",
    "parse_execute_calls",
]

_P = FIELD_PRIME
_NODE, _NODE_LENIENT = FeltSpelling.NODE, FeltSpelling.NODE_LENIENT
_M251 = 2**251

def tx_field(tx: object, key: str, default: object = ...) -> object:
    """``tx[key]`` of a mapping or ``tx.key`` of an object; ``default`` when absent.

    :raises TransactionError: absent and no ``default``.
    """
    if type(tx) is dict or isinstance(tx, Mapping):
        if key in tx:
            return tx[key]
    elif hasattr(tx, key):
        return getattr(tx, key)
    if default is ...:
        raise TransactionError(f"transaction is missing {key!r}")
    return default


#: Node-spelled felt strings already read, and their values. A relayer sees the same addresses,
#: selectors, session fields and proofs in every transaction of a session: a dict lookup instead of
#: the pattern match and the conversion. Strings of at most 65 characters; cleared when full
#: (a pure memo: what it holds never changes a result); at most ~9 MiB (see :mod:`.cache`).
_NODE_FELTS: dict[str, int] = {}
_NODE_FELTS_MAX = 32768
#: Most new felts of one list that are memoised (transactions of real sessions have a few).
_NODE_FELTS_NEW_MAX = 64


def tx_felt(value: object, name: str, lenient: bool = False) -> int:
    """A felt of network input (:func:`~xsessions_core.encoding.felt_from`, spelled as a node reads it:
    :attr:`~xsessions_core.encoding.FeltSpelling.NODE`, or ``NODE_LENIENT`` when ``lenient``)."""
    if type(value) is int and 0 <= value < _P:
        return value
    if type(value) is str and node_felt_match(value):
        v = int(value, 16)
        if v < _P:
            if len(_NODE_FELTS) >= _NODE_FELTS_MAX:
                _NODE_FELTS.clear()
            _NODE_FELTS[value] = v
            return v
    return felt_from(value, name, TransactionError, spelling=_NODE_LENIENT if lenient else _NODE)


def felt_list(values: object, name: str) -> Sequence[object]:
    """``values`` as a sequence (``None`` is empty), without converting its items."""
    if values is None:
        return ()
    if type(values) is list or type(values) is tuple:
        return values
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise TransactionError(f"{name} must be a list of felts, got {type(values).__name__}")
    return list(values)


def tx_felts(values: Sequence[object], name: str, lenient: bool = False) -> tuple[int, ...]:
    """The felts of a list from :func:`felt_list` (ints, or strings :func:`_tx_felt` accepts)."""
    out = tuple(values)
    for v in out:
        if type(v) is not int or not 0 <= v < _P:
            break
    else:
        return out  # type: ignore[return-value]
    # JSON-RPC shape: node-spelled hex strings, most of them seen before, the others read in bulk
    try:
        known = [_NODE_FELTS.get(v) for v in out]  # type: ignore[call-overload]
        if None not in known:
            return tuple(known)
        missing = [v for v, k in zip(out, known) if k is None]
        if all(map(node_felt_match, missing)):  # type: ignore[arg-type]
            ints = [int(v, 16) for v in missing]  # type: ignore[call-overload]
            if max(ints) < _P:
                if len(missing) <= _NODE_FELTS_NEW_MAX:  # a long list of new felts is not memoised
                    if len(_NODE_FELTS) + len(ints) > _NODE_FELTS_MAX:
                        _NODE_FELTS.clear()
                    _NODE_FELTS.update(zip(missing, ints))  # type: ignore[arg-type]
                new = iter(ints)
                return tuple([k if k is not None else next(new) for k in known])
    except TypeError:  # an item that is not a str (unhashable, or an int among strings)
        pass
    return tuple(tx_felt(v, f"{name}[{i}]", lenient) for i, v in enumerate(out))


def _node_spelled(bounds: dict[Any, Any]) -> bool:
    """Every amount and price of a resource-bounds dict is an int or node-spelled hex."""
    for bound in bounds.values():
        if type(bound) is not dict:
            return False
        for v in (bound.get("max_amount"), bound.get("max_price_per_unit")):
            if type(v) is not int and not (type(v) is str and node_felt_match(v)):
                return False
    return True


def _resource_bounds(value: object, lenient: bool) -> Any:
    """Resource bounds with every amount and price read by the network felt parser first."""
    if type(value) is dict and _node_spelled(value):
        return parse_resource_bounds(value)  # the spelling is the node's: its own parser agrees
    if not isinstance(value, Mapping):
        return parse_resource_bounds(value)
    strict: dict[str, object] = {}
    for resource, bound in value.items():
        if isinstance(bound, Mapping):
            bound = {k: tx_felt(v, f"resource_bounds.{resource}.{k}", lenient) if k in (
                "max_amount", "max_price_per_unit") else v for k, v in bound.items()}
        strict[resource] = bound
    return parse_resource_bounds(strict)


def check_node_length(length: int, limit: int, what: str) -> None:
    """The gateway's length check (starkware-libs/sequencer, crates/apollo_gateway/src/errors.rs,
    tag v0.16.0-rc.1: ``CalldataTooLong`` / ``SignatureTooLong``)."""
    if length > limit:
        raise RejectedInput(f"{what} length exceeded maximum: length {length} (allowed length: {limit}).",
                            PHASE_NODE)


#: The keys :func:`parse_invoke_v3` reads from an object that is not a mapping (a starknet-py ``InvokeV3``).
_INVOKE_KEYS = ("sender_address", "nonce", "resource_bounds", "tip", "paymaster_data", "account_deployment_data",
                "nonce_data_availability_mode", "fee_data_availability_mode", "proof_facts")
#: Keys of felt lists other than calldata and signature: the node bounds each by the calldata limit.
_OTHER_LISTS = ("paymaster_data", "account_deployment_data", "proof_facts")


def _node_reader(lenient: bool) -> RpcReader:
    """How a node reads a transaction's felts (:class:`~xsessions_core.transactions.RpcReader`):
    :func:`tx_felt` with the spelling of :class:`NodeRules`, any extra key, version and tip kept
    for the account to judge."""
    def felts(values: object, name: str) -> Sequence[int]:
        # parse_invoke_v3 has checked the lists' types and lengths: an empty one is ()
        return tx_felts(felt_list(values, name), name, lenient) if values else ()

    return RpcReader(lambda v, n: tx_felt(v, n, lenient), felts, unknown_keys=True, node_version_and_tip=True,
                     checked_felts=True)


_READERS = {lenient: _node_reader(lenient) for lenient in (False, True)}


def parse_invoke_v3(tx: object, rules: NodeRules | None = None) -> InvokeV3:
    """Parse an invoke v3 transaction (a JSON-RPC broadcast mapping or a starknet-py ``InvokeV3``) into
    the public :class:`~xsessions_core.transactions.InvokeV3` value, not bound to a chain; such a value
    itself is returned as it is once the node's limits pass.

    Felts are read as a node reads them (see :class:`NodeRules` ``lenient_felts``); the lengths of
    ``calldata`` and ``signature`` (then of the other lists) are checked against ``rules`` before any
    item is converted, and a version-1 transaction is rejected; then
    :meth:`InvokeV3.from_rpc <xsessions_core.transactions.InvokeV3.from_rpc>` reads it with the
    node's :class:`~xsessions_core.transactions.RpcReader` (version and tip kept as sent: the account
    judges the version, hashing checks the tip). A missing ``version`` is 3, as the verifier always took it.

    :raises RejectedInput: a calldata or signature longer than the node accepts.
    :raises TransactionError: missing field, value that is not a felt, unsupported version.
    """
    r = node_rules_arg(rules)
    if isinstance(tx, InvokeV3):  # already a checked value: the node's limits and the version remain
        check_node_length(len(tx.calldata), r.max_calldata_length, "Calldata")
        check_node_length(len(tx.signature), r.max_signature_length, "Signature")
        if tx.version in (1, QUERY_VERSION_OFFSET + 1):
            raise TransactionError("only INVOKE v3 transactions are supported (got version 1)")
        for key in _OTHER_LISTS:
            check_node_length(len(getattr(tx, key)), r.max_calldata_length, key.replace("_", " ").capitalize())
        return tx
    lenient = r.lenient_felts
    if isinstance(tx, (str, bytes)) or not (isinstance(tx, Mapping) or hasattr(tx, "calldata")):
        raise TransactionError(f"a transaction must be a mapping or an InvokeV3, got {type(tx).__name__}")
    calldata = felt_list(tx_field(tx, "calldata"), "calldata")
    signature = felt_list(tx_field(tx, "signature"), "signature")
    check_node_length(len(calldata), r.max_calldata_length, "Calldata")
    check_node_length(len(signature), r.max_signature_length, "Signature")
    version = tx_felt(tx_field(tx, "version", 3), "version", lenient)
    if version in (1, QUERY_VERSION_OFFSET + 1):
        raise TransactionError("only INVOKE v3 transactions are supported (got version 1)")
    if type(tx) is dict or isinstance(tx, Mapping):
        fields: dict[str, Any] = dict(tx)
        fields.pop("type", None)  # not read (the node routes by it)
    else:
        fields = {key: getattr(tx, key) for key in _INVOKE_KEYS if hasattr(tx, key)}
    for key in ("sender_address", "nonce", "resource_bounds"):
        if key not in fields:
            raise TransactionError(f"transaction is missing {key!r}")
    for key in _OTHER_LISTS:
        raw = fields.get(key)
        if raw is not None and (raw or not (type(raw) is list or type(raw) is tuple)):
            values = felt_list(raw, key)
            check_node_length(len(values), r.max_calldata_length, key.replace("_", " ").capitalize())
            fields[key] = values
    fields.update(calldata=calldata, signature=signature, version=version,
                  resource_bounds=_resource_bounds(fields["resource_bounds"], lenient))
    return InvokeV3.from_rpc(fields, reader=_READERS[lenient])


@dataclass(frozen=True)
class OutsideExecutionData:
    """A parsed SNIP-9 ``OutsideExecution`` (felts as ints; calls as starknet-py ``Call``)."""

    caller: int
    nonce: int
    execute_after: int
    execute_before: int
    calls: tuple[Call, ...]


def parse_outside_execution(outside_execution: object, rules: NodeRules | None = None) -> OutsideExecutionData:
    """Parse an ``OutsideExecution``: ours (:class:`~xsessions_core.sessions.outside_execution.OutsideExecution`),
    starknet-py's (``starknet_py.net.client_models.OutsideExecution``), any object with these
    attributes, or a mapping ``{caller, nonce, execute_after, execute_before, calls: [{to,
    selector, calldata}]}``.

    A value the entry point cannot deserialise (``caller`` or a call's ``to`` >= 2**251, an
    ``execute_*`` >= 2**64) raises :class:`RejectedInput` with the contract's
    ``Failed to deserialize param #1``.

    :raises TransactionError: missing field, value that is not a felt.
    """
    if isinstance(outside_execution, OutsideExecutionData):
        return outside_execution
    lenient = node_rules_arg(rules).lenient_felts
    oe = outside_execution
    if isinstance(oe, (str, bytes)) or not (isinstance(oe, Mapping) or hasattr(oe, "calls")):
        raise TransactionError(f"outside_execution must be a mapping or an OutsideExecution, got {type(oe).__name__}")
    caller = tx_felt(tx_field(oe, "caller"), "caller", lenient)
    nonce = tx_felt(tx_field(oe, "nonce"), "nonce", lenient)
    after = tx_felt(tx_field(oe, "execute_after"), "execute_after", lenient)
    before = tx_felt(tx_field(oe, "execute_before"), "execute_before", lenient)
    raw_calls = tx_field(oe, "calls")
    if isinstance(raw_calls, (str, bytes, Mapping)) or not isinstance(raw_calls, Iterable):
        raise TransactionError("calls must be a list of {to, selector, calldata}")
    calls = []
    to: object
    sel: object
    data: object
    for i, c in enumerate(raw_calls):
        if isinstance(c, Call):
            to, sel, data = c.to_addr, c.selector, c.calldata
        else:
            if isinstance(c, (str, bytes)) or not (isinstance(c, Mapping) or hasattr(c, "selector")):
                raise TransactionError(f"calls[{i}] must be a mapping {{to, selector, calldata}}")
            to = tx_field(c, "to", None)
            to = tx_field(c, "to_addr") if to is None else to
            sel, data = tx_field(c, "selector"), tx_field(c, "calldata", ())
        calls.append(Call(to_addr=tx_felt(to, f"calls[{i}].to", lenient),
                          selector=tx_felt(sel, f"calls[{i}].selector", lenient),
                          calldata=list(tx_felts(felt_list(data, f"calls[{i}].calldata"), f"calls[{i}].calldata",
                                                  lenient))))
    # OutsideExecution { caller: ContractAddress, nonce, execute_after: u64, execute_before: u64,
    # calls: Span<Call { to: ContractAddress, .. }> } (argentlabs/argent-contracts-starknet,
    # src/outside_execution/interface.cairo, tags account-0.4.0 and v0.5.0): out-of-range values do
    # not deserialise
    if caller >= _M251 or after >> 64 or before >> 64 or any(c.to_addr >= _M251 for c in calls):
        raise RejectedInput(DESERIALIZE_PARAM_1, PHASE_OUTSIDE)
    return OutsideExecutionData(caller=caller, nonce=nonce, execute_after=after, execute_before=before,
                                calls=tuple(calls))


def outside_calldata_length(oe: object, signature: Sequence[object]) -> int | None:
    """Felts of the relayer's ``execute_from_outside_v2`` calldata (``[1, to, selector, len,
    caller, nonce, after, before, n_calls, (to, selector, len, *calldata)..., len, *signature]``),
    counted from the list lengths only; ``None`` when the shape is not known yet."""
    try:
        raw_calls = tx_field(oe, "calls", ())
        calls = list(raw_calls) if isinstance(raw_calls, (list, tuple)) else None
        if calls is None:
            return None
        total = 4 + 5 + 1 + len(signature)
        for c in calls:
            data = c.calldata if isinstance(c, Call) else tx_field(c, "calldata", ())
            if not isinstance(data, (list, tuple)):
                return None
            total += 3 + len(data)
        return total
    except (TransactionError, TypeError):
        return None


class CalldataPanic(Exception):
    """``__execute__`` calldata that the entry point cannot deserialise: :attr:`message` is Starknet's error."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_execute_calls(calldata: Sequence[int]) -> list[Call]:
    """``__execute__(calls: Array<Call>)`` argument decoding as the Cairo entry point does it.

    :raises CalldataPanic: with the Starknet error string (``Failed to deserialize param #1``,
        ``Index out of bounds``, ``Input too long for arguments``).
    """
    fast = _execute_calls_fast(calldata)
    if fast is not None:
        return fast

    def calls(r: CairoReader) -> list[Call]:
        def call() -> Call:
            to = r.felt()
            if to >= _M251:
                raise SerdeNone("ContractAddress >= 2**251")
            return Call(to_addr=to, selector=r.felt(), calldata=list(r.span_felt()))
        return list(r.span_of(call))

    return deserialize_all(calldata, calls, CalldataPanic, "Failed to deserialize param #1", "Input too long for arguments")


def _execute_calls_fast(data: Sequence[int]) -> list[Call] | None:
    """:func:`parse_execute_calls` of well-formed calldata (every address below 2**251, every
    length in range, nothing left over) without the general reader; ``None`` otherwise, and the
    reader then finds the error."""
    end = len(data)
    if not end or data[0] > end:
        return None
    pos, out = 1, []
    for _ in range(data[0]):
        if pos + 3 > end:
            return None
        to, selector, length = data[pos], data[pos + 1], data[pos + 2]
        pos += 3
        if to >= _M251 or length > end - pos:
            return None
        out.append(Call(to_addr=to, selector=selector, calldata=list(data[pos:pos + length])))
        pos += length
    return out if pos == end else None

