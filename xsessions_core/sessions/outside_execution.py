"""SNIP-9 outside execution signed with a session (SNIP-9; starknet.js 8.5.2
``src/utils/outsideExecution.ts``, argentlabs/argent-contracts-starknet ``src/outside_execution/*.cairo``).

``version="2"`` (default) is SNIP-12 revision 1 and the ``execute_from_outside_v2`` entry point;
``version="1"`` is SNIP-12 revision 0 and ``execute_from_outside``. Message hashes are computed with
the direct SNIP-12 formulas (domain hashes cached per chain); the typed-data objects are
built for wallets, cosigners and cross-checks.

Differences from x-sessions 9.0.4, on purpose:

* ``createOutsideExecutionTypedData`` defaults to version ``"1"`` but then still emits the
  revision-1 types with domain ``version: "1"`` — a hash neither entry point accepts (the
  ``typed_data["1"]`` of ``sessions_v9.json`` is that buggy object). Here version ``"1"`` gives
  the genuine revision-0 typed data of ``execute_from_outside``.
* ``buildOutsideExecution`` replaces falsy ``caller``/``nonce``/``execute_after``/``execute_before``
  by defaults (a random nonce, ``now ± minutes``), so ``0`` cannot be used; here every value is
  explicit and ``0`` is valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from collections.abc import Mapping, Sequence
from typing import Any

from starknet_py.net.client_models import Call
from starknet_py.net.client_models import OutsideExecution as StarknetPyOutsideExecution

from ..chains import parse_chain_id
from ..crypto import unchecked
from ..encoding import selector_from_name_cached, to_hex
from ..errors import SessionError, TransactionError, describe_value
from ..transactions import normalize_calls
from .guardian import Cosigner, GuardianOutsideExecutionRequest
from .objects import AnySessionKey, Session, felt_of
from .session import STARKNET_DOMAIN_TYPE_HASH_REV_1, STARKNET_MESSAGE, check_not_expired
from .context import SessionContext, SigningOptions, signing_options

__all__ = [
    "ANY_CALLER",
    "OUTSIDE_EXECUTION_TYPE_HASH_REV_0",
    "OUTSIDE_CALL_TYPE_HASH_REV_0",
    "OUTSIDE_EXECUTION_TYPE_HASH_REV_1",
    "CALL_TYPE_HASH_REV_1",
    "OutsideCall",
    "OutsideExecution",
    "build_outside_execution",
    "get_outside_execution_typed_data",
    "outside_execution_message_hash",
    "outside_execution_hash_unchecked",
    "outside_execution_calldata",
    "outside_execution_from_dict",
    "outside_execution_to_dict",
    "sign_outside_execution",
    "sign_outside_execution_with_context",
    "create_outside_execution_call",
]

#: ``ss("ANY_CALLER")``: anyone may submit the outside execution.
ANY_CALLER = 0x414E595F43414C4C4552
OUTSIDE_EXECUTION_TYPE_HASH_REV_0 = 0x11FF76FE3F640FA6F3D60BBD94A3B9D47141A2C96F87FDCFBEB2AF1D03F7050
OUTSIDE_CALL_TYPE_HASH_REV_0 = 0xF00DE1FCCBB286F9A020BA8821EE936B1DEEA42A5C485C11CCDC82C8BEBB3A
OUTSIDE_EXECUTION_TYPE_HASH_REV_1 = 0x312B56C05A7965066DDBDA31C016D8D05AFC305071C0CA3CDC2192C3C2F1F0F
CALL_TYPE_HASH_REV_1 = 0x3635C7F2A7BA93844C0D064E18E487F35AB90F7C39D00F186A781FC3F0C2CA9
_STARKNET_DOMAIN_TYPE_HASH_REV_0 = 0x1BFC207425A47A5DFA1A50A4F5241203F50624CA5FDF5E18755765416B8E288
_DOMAIN_NAME = "Account.execute_from_outside"
_DOMAIN_NAME_FELT = 0x4163636F756E742E657865637574655F66726F6D5F6F757473696465  # ss(_DOMAIN_NAME)
_VERSIONS = ("1", "2")
_U64 = 2**64

_TYPES_REV_0 = {
    "StarkNetDomain": [
        {"name": "name", "type": "felt"},
        {"name": "version", "type": "felt"},
        {"name": "chainId", "type": "felt"},
    ],
    "OutsideExecution": [
        {"name": "caller", "type": "felt"},
        {"name": "nonce", "type": "felt"},
        {"name": "execute_after", "type": "felt"},
        {"name": "execute_before", "type": "felt"},
        {"name": "calls_len", "type": "felt"},
        {"name": "calls", "type": "OutsideCall*"},
    ],
    "OutsideCall": [
        {"name": "to", "type": "felt"},
        {"name": "selector", "type": "felt"},
        {"name": "calldata_len", "type": "felt"},
        {"name": "calldata", "type": "felt*"},
    ],
}
_TYPES_REV_1 = {
    "StarknetDomain": [
        {"name": "name", "type": "shortstring"},
        {"name": "version", "type": "shortstring"},
        {"name": "chainId", "type": "shortstring"},
        {"name": "revision", "type": "shortstring"},
    ],
    "OutsideExecution": [
        {"name": "Caller", "type": "ContractAddress"},
        {"name": "Nonce", "type": "felt"},
        {"name": "Execute After", "type": "u128"},
        {"name": "Execute Before", "type": "u128"},
        {"name": "Calls", "type": "Call*"},
    ],
    "Call": [
        {"name": "To", "type": "ContractAddress"},
        {"name": "Selector", "type": "selector"},
        {"name": "Calldata", "type": "felt*"},
    ],
}


def _felt(value: object, name: str) -> int:
    return felt_of(value, name, TransactionError)


@dataclass(frozen=True)
class OutsideCall:
    """A call of an outside execution: ``{to, selector, calldata}`` (selector is a value).

    A ``to`` given as a string keeps its spelling in ``to_text`` (x-sessions copies it into the typed
    data it sends to the guardian).
    """

    to: int
    selector: int
    calldata: tuple[int, ...] = ()
    to_text: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.to, str) and self.to_text is None:
            object.__setattr__(self, "to_text", self.to)
        object.__setattr__(self, "to", _felt(self.to, "to"))
        object.__setattr__(self, "selector", _felt(self.selector, "selector"))
        if isinstance(self.calldata, (str, bytes, Mapping)) or not isinstance(self.calldata, Sequence):
            raise TransactionError(f"calldata must be a list of felts, got {type(self.calldata).__name__}")
        object.__setattr__(self, "calldata", tuple(_felt(v, f"calldata[{i}]") for i, v in enumerate(self.calldata)))

    @property
    def to_hex(self) -> str:
        """``to`` as given (or canonical hex)."""
        return self.to_text or to_hex(self.to)


@dataclass(frozen=True)
class OutsideExecution:
    """SNIP-9 ``OutsideExecution``: executable by ``caller`` strictly between the two timestamps."""

    caller: int
    nonce: int
    execute_after: int
    execute_before: int
    calls: tuple[OutsideCall, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "caller", _felt(self.caller, "caller"))
        object.__setattr__(self, "nonce", _felt(self.nonce, "nonce"))
        for name in ("execute_after", "execute_before"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < _U64:
                raise TransactionError(f"{name} must be an int timestamp in [0, 2**64), got {describe_value(v)}")
        if self.execute_after >= self.execute_before:
            raise TransactionError("execute_after must be smaller than execute_before")
        calls = tuple(self.calls)
        for i, c in enumerate(calls):
            if not isinstance(c, OutsideCall):
                raise TransactionError(f"calls[{i}] must be an OutsideCall, got {type(c).__name__}")
        object.__setattr__(self, "calls", calls)

    def starknet_calls(self) -> list[Call]:
        """The calls as starknet-py ``Call`` objects."""
        return [Call(to_addr=c.to, selector=c.selector, calldata=list(c.calldata)) for c in self.calls]


def build_outside_execution(
    calls: object,
    *,
    caller: int | str = ANY_CALLER,
    execute_after: int,
    execute_before: int,
    nonce: int | str,
) -> OutsideExecution:
    """x-sessions ``buildOutsideExecution`` with explicit values (``0`` is valid).

    ``calls``: starknet-py ``Call`` objects, starknet.js dicts (``calldata`` optional, compiled with
    ``CallData.compile`` rules) or :class:`OutsideCall` objects.
    """
    raw = [calls] if isinstance(calls, (Call, Mapping, OutsideCall)) else calls
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
        raise TransactionError(f"calls must be a sequence of calls, got {type(calls).__name__}")
    out = []
    for i, c in enumerate(raw):
        if isinstance(c, OutsideCall):
            out.append(c)
            continue
        (call,) = normalize_calls([c], require_calldata=False)
        text = c.get("contractAddress") if isinstance(c, Mapping) else None
        out.append(OutsideCall(call.to_addr, call.selector, tuple(call.calldata),
                               to_text=text if isinstance(text, str) else None))
    return OutsideExecution(_felt(caller, "caller"), _felt(nonce, "nonce"), execute_after, execute_before, tuple(out))


def _version(version: str) -> str:
    if version not in _VERSIONS:
        raise TransactionError(f"outside execution version must be '1' or '2', got {version!r}")
    return version


def _oe(value: object) -> OutsideExecution:
    """Ours, or starknet-py's ``OutsideExecution`` model (``starknet_py.net.client_models``) converted."""
    if isinstance(value, OutsideExecution):
        return value
    if isinstance(value, StarknetPyOutsideExecution):
        raw_calls = value.calls
        if isinstance(raw_calls, (str, bytes)) or not isinstance(raw_calls, Sequence):
            raise TransactionError(f"outside_execution.calls must be a list of Call, got {type(raw_calls).__name__}")
        calls = []
        for i, call in enumerate(raw_calls):
            if not isinstance(call, Call):
                raise TransactionError(
                    f"outside_execution.calls[{i}] must be a starknet_py Call, got {type(call).__name__}")
            calls.append(OutsideCall(call.to_addr, call.selector, tuple(call.calldata)))
        return OutsideExecution(value.caller, value.nonce, value.execute_after, value.execute_before, tuple(calls))
    raise TransactionError(
        f"expected an OutsideExecution (ours or starknet_py.net.client_models'), got {type(value).__name__}"
    )


def get_outside_execution_typed_data(
    outside_execution: OutsideExecution | StarknetPyOutsideExecution, chain_id: int | str, version: str = "2"
) -> dict[str, Any]:
    """The SNIP-9 typed data: revision 1 for ``"2"``, the genuine revision 0 for ``"1"`` (module note)."""
    oe = _oe(outside_execution)
    chain = to_hex(parse_chain_id(chain_id, "chain_id", TransactionError))
    if _version(version) == "2":
        return {
            "types": {k: [dict(f) for f in v] for k, v in _TYPES_REV_1.items()},
            "primaryType": "OutsideExecution",
            "domain": {"name": _DOMAIN_NAME, "version": "2", "chainId": chain, "revision": "1"},
            "message": {
                "Caller": to_hex(oe.caller),
                "Nonce": to_hex(oe.nonce),
                "Execute After": oe.execute_after,
                "Execute Before": oe.execute_before,
                "Calls": [{"To": c.to_hex, "Selector": to_hex(c.selector), "Calldata": [to_hex(v) for v in c.calldata]}
                          for c in oe.calls],
            },
        }
    return {
        "types": {k: [dict(f) for f in v] for k, v in _TYPES_REV_0.items()},
        "primaryType": "OutsideExecution",
        "domain": {"name": _DOMAIN_NAME, "version": "1", "chainId": chain},
        "message": {
            "caller": to_hex(oe.caller),
            "nonce": to_hex(oe.nonce),
            "execute_after": oe.execute_after,
            "execute_before": oe.execute_before,
            "calls_len": len(oe.calls),
            "calls": [{"to": c.to_hex, "selector": to_hex(c.selector), "calldata_len": len(c.calldata),
                       "calldata": [to_hex(v) for v in c.calldata]} for c in oe.calls],
        },
    }


@lru_cache(maxsize=64)
def _domain_hash(chain_id: int, version: str) -> int:
    b = unchecked
    if version == "2":
        return b.poseidon_many([STARKNET_DOMAIN_TYPE_HASH_REV_1, _DOMAIN_NAME_FELT, 2, chain_id, 1])
    return b.pedersen_chain([_STARKNET_DOMAIN_TYPE_HASH_REV_0, _DOMAIN_NAME_FELT, 1, chain_id])


def outside_execution_message_hash(
    outside_execution: OutsideExecution | StarknetPyOutsideExecution, account_address: int | str, chain_id: int | str,
    version: str = "2",
) -> int:
    """SNIP-12 message hash of the outside execution for ``account_address``.

    Equals the hash of :func:`get_outside_execution_typed_data`; this is what the session key signs
    (in place of a transaction hash) and what the account recomputes.
    """
    oe = _oe(outside_execution)
    return outside_execution_hash_unchecked(
        oe.caller, oe.nonce, oe.execute_after, oe.execute_before, [(c.to, c.selector, c.calldata) for c in oe.calls],
        _felt(account_address, "account_address"), parse_chain_id(chain_id, "chain_id", TransactionError),
        _version(version),
    )


def outside_execution_hash_unchecked(
    caller: int, nonce: int, execute_after: int, execute_before: int, calls: Sequence[tuple[int, int, Sequence[int]]],
    account_address: int, chain_id: int, version: str = "2",
) -> int:
    """:func:`outside_execution_message_hash` from already-validated values, **without validation**:
    felts in ``[0, p)``, u64 timestamps, ``calls`` as ``(to, selector, calldata)``, ``version``
    ``"1"`` or ``"2"``. For hot paths (the relayer's verifier) that parsed their input already.
    """
    domain = _domain_hash(chain_id, version)
    b = unchecked
    if version == "2":
        data_hashes = b.poseidon_many_batch([list(data) for _, _, data in calls])
        call_hashes = b.poseidon_many_batch(
            [[CALL_TYPE_HASH_REV_1, to, selector, d] for (to, selector, _), d in zip(calls, data_hashes)]
        )
        struct = b.poseidon_many([OUTSIDE_EXECUTION_TYPE_HASH_REV_1, caller, nonce, execute_after, execute_before,
                                  b.poseidon_many(call_hashes)])
        return b.poseidon_many([STARKNET_MESSAGE, domain, account_address, struct])
    call_hashes = [
        b.pedersen_chain([OUTSIDE_CALL_TYPE_HASH_REV_0, to, selector, len(data), b.pedersen_chain(list(data))])
        for to, selector, data in calls
    ]
    struct = b.pedersen_chain([OUTSIDE_EXECUTION_TYPE_HASH_REV_0, caller, nonce, execute_after, execute_before,
                               len(calls), b.pedersen_chain(call_hashes)])
    return b.pedersen_chain([STARKNET_MESSAGE, domain, account_address, struct])


def outside_execution_calldata(outside_execution: OutsideExecution | StarknetPyOutsideExecution,
                               signature: Sequence[int]) -> list[int]:
    """Calldata of ``execute_from_outside[_v2]``: the execution, its calls, then ``[len, *signature]``."""
    oe = _oe(outside_execution)
    out = [oe.caller, oe.nonce, oe.execute_after, oe.execute_before, len(oe.calls)]
    for c in oe.calls:
        out += (c.to, c.selector, len(c.calldata), *c.calldata)
    sig = [_felt(v, f"signature[{i}]") for i, v in enumerate(signature)]
    return out + [len(sig), *sig]


def outside_execution_to_dict(outside_execution: OutsideExecution | StarknetPyOutsideExecution) -> dict[str, Any]:
    """The relayer / x-sessions mapping ``{caller, nonce, execute_after, execute_before, calls[{to, selector, calldata}]}``."""
    oe = _oe(outside_execution)
    return {
        "caller": to_hex(oe.caller),
        "nonce": to_hex(oe.nonce),
        "execute_after": oe.execute_after,
        "execute_before": oe.execute_before,
        "calls": [{"to": c.to_hex, "selector": to_hex(c.selector), "calldata": [to_hex(v) for v in c.calldata]}
                  for c in oe.calls],
    }


def outside_execution_from_dict(d: Mapping[str, Any]) -> OutsideExecution:
    """Inverse of :func:`outside_execution_to_dict` (felts as ints or hex/decimal strings).

    :raises TransactionError: a missing or malformed field.
    """
    if not isinstance(d, Mapping):
        raise TransactionError(f"outside execution must be an object, got {type(d).__name__}")
    missing = {"caller", "nonce", "execute_after", "execute_before", "calls"} - d.keys()
    if missing:
        raise TransactionError(f"outside execution is missing {sorted(missing)}")
    raw_calls = d["calls"]
    if not isinstance(raw_calls, (list, tuple)):
        raise TransactionError("outside execution calls must be a list")
    calls = []
    for i, c in enumerate(raw_calls):
        if not isinstance(c, Mapping) or not {"to", "selector"} <= c.keys():
            raise TransactionError(f"calls[{i}] must be an object with to, selector and calldata")
        calls.append(OutsideCall(c["to"], c["selector"], tuple(c.get("calldata", ()))))
    return OutsideExecution(d["caller"], d["nonce"], d["execute_after"], d["execute_before"], tuple(calls))


async def sign_outside_execution(
    session: Session,
    session_key: AnySessionKey | None,
    outside_execution: OutsideExecution | StarknetPyOutsideExecution,
    cosigner: Cosigner,
    *,
    version: str = "2",
    options: SigningOptions | None = None,
    now: int | float | None = None,
    allow_expired: bool = False,
    **deprecated: Any,
) -> list[int]:
    """The session-token signature of an outside execution (x-sessions ``signOutsideExecution``).

    :param outside_execution: ours or starknet-py's ``OutsideExecution`` model.
    :param options: the :class:`~.token.SigningOptions` (``cache_authorization``, ``account_version``,
        ``owner_guid`` are their deprecated spellings).
    :param now: the time the expiry is checked against (``None``: the wall clock; relayers pass the
        block time). :param allow_expired: skip the expiry checks.
    :raises SessionExpired: the session expired, or ``execute_before`` is later than its expiry.
    :raises PolicyViolation: a call the session does not allow (before contacting the cosigner).
    :raises CosignerError: the cosigner failed or returned an invalid signature.
    """
    oe = _oe(outside_execution)
    if not allow_expired:
        if not isinstance(session, Session):
            raise SessionError(f"session must be a Session, got {type(session).__name__}")
        check_not_expired(session.expires_at, now=now, execute_before=oe.execute_before)
    options = signing_options(options, "sign_outside_execution", deprecated)
    ctx = SessionContext(session, session_key, options)
    return await sign_outside_execution_with_context(ctx, oe, cosigner, version=version, allow_expired=True)


async def sign_outside_execution_with_context(
    context: SessionContext, outside_execution: OutsideExecution | StarknetPyOutsideExecution, cosigner: Cosigner,
    *, version: str = "2", now: int | float | None = None, allow_expired: bool = False,
) -> list[int]:
    """:func:`sign_outside_execution` with a prebuilt :class:`~.token.SessionContext` (no per-session work).

    :raises SessionExpired: the session expired, or ``execute_before`` is later than its expiry.
    :raises PolicyViolation: a call the session does not allow (before contacting the cosigner).
    :raises CosignerError: the cosigner failed or returned an invalid signature.
    """
    oe = _oe(outside_execution)
    context.check_not_expired(now=now, allow_expired=allow_expired, execute_before=oe.execute_before)
    session = context.session
    proofs = context.proofs_felts(oe.starknet_calls())
    message_hash = outside_execution_message_hash(oe, session.address, session.chain_id, version)
    typed_data = get_outside_execution_typed_data(oe, session.chain_id, version)
    return await context.sign_with_cosigner(
        message_hash, proofs,
        lambda info: cosigner.sign_session_outside_execution(GuardianOutsideExecutionRequest(
            info, session.address, session.chain_id, typed_data, message_hash,
            account_address_text=session.address_text)))


async def create_outside_execution_call(
    session: Session,
    session_key: AnySessionKey | None,
    outside_execution: OutsideExecution | StarknetPyOutsideExecution,
    cosigner: Cosigner,
    options: SigningOptions | None = None,
    *,
    now: int | float | None = None,
    allow_expired: bool = False,
    **deprecated: Any,
) -> Call:
    """x-sessions ``createOutsideExecutionCall``: the ``execute_from_outside_v2`` call on the account,
    for a relayer to submit.

    :raises SessionExpired, PolicyViolation, CosignerError: as :func:`sign_outside_execution`.
    """
    oe = _oe(outside_execution)
    options = signing_options(options, "create_outside_execution_call", deprecated)
    signature = await sign_outside_execution(session, session_key, oe, cosigner, version="2", options=options,
                                             now=now, allow_expired=allow_expired)
    return Call(
        to_addr=session.address,
        selector=selector_from_name_cached("execute_from_outside_v2"),
        calldata=outside_execution_calldata(oe, signature),
    )
