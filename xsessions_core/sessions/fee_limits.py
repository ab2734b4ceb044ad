"""Session spending limits: the ``txFees`` of the session metadata, enforced by the relayer.

x-sessions 9.0.4 lets a dapp put ``metadata.txFees = [{tokenAddress, maxAmount}]`` into the session
(``src/sessionTypes.ts``); Argent's backend enforces them before it co-signs, and the account
contract does not (argent-contracts-starknet ``src/session/session.cairo`` only hashes the metadata).
A relayer that holds its own guardian key, or that sponsors fees, therefore checks them itself:

* :meth:`FeeLimits.check_resource_bounds` — the signer's check: the most an invoke v3 transaction
  can pay, ``Σ max_amount × max_price_per_unit`` over its three resource bounds plus
  ``tip × l2_gas.max_amount``, paid in STRK (fri), must not exceed the STRK limit;
* :meth:`FeeLimits.check_amount` — a fee paid in another token (a SNIP-29 fee transfer);
* :func:`check_fee_limits` — the same as a relayer-policy :class:`PolicyVerdict`, kept apart from
  the contract's verdict (a transaction can be valid on chain and still above the session's limit).

A session whose ``txFees`` is empty has no limit. When it lists tokens, a fee in a token it does not
list is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..encoding import FeltSpelling, integer_from, to_hex
from ..errors import PolicyViolation, SessionError, TransactionError, XSessionsError
from ..transactions import QUERY_VERSION_3, TRANSACTION_VERSION_3, ResourceBounds, parse_resource_bounds
from .objects import Session, SessionMetadata, felt_of

__all__ = ["STRK_TOKEN_ADDRESS", "FeeLimits", "PolicyVerdict", "check_fee_limits", "max_fee_of"]

#: The STRK token contract, in which v3 transactions pay their fees (the same address on mainnet and Sepolia).
STRK_TOKEN_ADDRESS = 0x04718F5A0FC34CC1AF16A1CDEE98FFB20C31F5CD61D6AB07201858F4287C938D


def max_fee_of(resource_bounds: object, tip: object = 0) -> int:
    """The most an invoke v3 transaction can pay, in fri:
    ``Σ max_amount × max_price_per_unit`` over ``l1_gas``, ``l2_gas``, ``l1_data_gas``, plus
    ``tip × l2_gas.max_amount``.

    :raises TransactionError: malformed resource bounds or tip.
    """
    bounds = parse_resource_bounds(resource_bounds)
    tip_value = _amount(tip, "tip", TransactionError)
    total = sum(b.max_amount * b.max_price_per_unit for b in (bounds.l1_gas, bounds.l2_gas, bounds.l1_data_gas))
    return total + tip_value * bounds.l2_gas.max_amount


def _amount(value: object, name: str, error: type[XSessionsError]) -> int:
    """A non-negative amount: an int, or a decimal / ``0x`` hex string (whitespace around allowed)."""
    if isinstance(value, bool):
        raise error(f"{name} must be a non-negative integer, got a bool")
    if isinstance(value, str) and value.strip():
        text = value.strip()
        amount = integer_from("0x" + text[2:] if text[:2] == "0X" else text, name, error, FeltSpelling.HEX_OR_DECIMAL)
    elif isinstance(value, int):
        amount = integer_from(value, name, error, FeltSpelling.HEX_OR_DECIMAL)
    else:
        raise error(f"{name} must be a non-negative integer, got {type(value).__name__}")
    if amount < 0:
        raise error(f"{name} must be non-negative, got {amount}")
    return amount


@dataclass(frozen=True)
class FeeLimits:
    """Maximum fee per transaction, by fee token (address → amount in the token's base unit).

    :param limits: ``{token_address: max_amount}``; empty means no limit.
    """

    limits: Mapping[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.limits, Mapping):
            raise SessionError(f"limits must be a mapping token -> amount, got {type(self.limits).__name__}")
        checked = {felt_of(token, "fee token address"): _amount(amount, "fee limit", SessionError)
                   for token, amount in self.limits.items()}
        object.__setattr__(self, "limits", checked)

    @classmethod
    def from_session(cls, session: Session) -> FeeLimits:
        """The limits of ``session.metadata``'s ``txFees`` (the lowest one when a token is listed twice).

        :raises SessionError: metadata that is not the x-sessions JSON object, or a malformed amount.
        """
        if not isinstance(session, Session):
            raise SessionError(f"session must be a Session, got {type(session).__name__}")
        try:
            parsed: Any = json.loads(session.metadata)
        except ValueError:
            raise SessionError("session.metadata is not JSON") from None
        if not isinstance(parsed, Mapping):
            raise SessionError("session.metadata must be a JSON object")
        metadata = SessionMetadata.from_dict(parsed)
        limits: dict[int, int] = {}
        for i, fee in enumerate(metadata.tx_fees):
            token = felt_of(fee.token_address, f"metadata.txFees[{i}].tokenAddress")
            amount = _amount(fee.max_amount, f"metadata.txFees[{i}].maxAmount", SessionError)
            limits[token] = min(amount, limits.get(token, amount))
        return cls(limits)

    def limit_for(self, token: int | str) -> int | None:
        """The limit for ``token``, or ``None`` if the session sets none (see :meth:`check_amount`)."""
        return self.limits.get(felt_of(token, "fee token address"))

    def check_amount(self, token: int | str, amount: int, *, what: str = "fee") -> None:
        """Refuse a fee of ``amount`` paid in ``token`` above the session's limit.

        :raises PolicyViolation: above the limit, or a token the session's non-empty ``txFees`` does not list.
        """
        if not self.limits:
            return
        address = felt_of(token, "fee token address")
        limit = self.limits.get(address)
        if limit is None:
            raise PolicyViolation(
                f"{what} is paid in {to_hex(address)}, which the session's txFees does not list "
                f"(allowed: {', '.join(to_hex(t) for t in self.limits)})")
        if amount > limit:
            raise PolicyViolation(
                f"{what} of up to {amount} in {to_hex(address)} is above the session's txFees limit {limit}")

    def check_resource_bounds(self, resource_bounds: object, tip: object = 0, *, what: str = "max fee") -> None:
        """Refuse an invoke v3 transaction whose maximum fee (:func:`max_fee_of`, STRK) is above the limit.

        :raises PolicyViolation: above the STRK limit, or STRK not listed in a non-empty ``txFees``.
        :raises TransactionError: malformed resource bounds.
        """
        if self.limits:
            self.check_amount(STRK_TOKEN_ADDRESS, max_fee_of(resource_bounds, tip), what=what)


@dataclass(frozen=True)
class PolicyVerdict:
    """A relayer-policy outcome, separate from the contract's :class:`~xsessions_core.relayer.Verdict`.

    :ivar allowed: the transaction is within the relayer's policy.
    :ivar reason: why not, ``None`` when allowed.
    :ivar max_fee: the transaction's maximum fee in STRK (fri), when it could be computed.
    """

    allowed: bool
    reason: str | None = None
    max_fee: int | None = None

    def to_json(self) -> dict[str, Any]:
        """``{"allowed", "reason", "max_fee"}`` (``max_fee`` as a decimal string)."""
        return {"allowed": self.allowed, "reason": self.reason,
                "max_fee": None if self.max_fee is None else str(self.max_fee)}


def check_fee_limits(tx: Mapping[str, Any], limits: FeeLimits) -> PolicyVerdict:
    """The relayer-policy verdict of an invoke v3 transaction (the JSON-RPC / starknet.js mapping the
    verifier reads: ``resource_bounds``, ``tip``, ``version``) against ``limits``.

    Never raises for the transaction's content: a malformed or non-v3 transaction is not allowed.
    """
    if not isinstance(tx, Mapping):
        return PolicyVerdict(False, f"transaction must be a mapping, got {type(tx).__name__}")
    if not isinstance(limits, FeeLimits):
        raise SessionError(f"limits must be FeeLimits, got {type(limits).__name__}")
    try:
        version = _amount(tx.get("version", TRANSACTION_VERSION_3), "version", TransactionError)
        if version not in (TRANSACTION_VERSION_3, QUERY_VERSION_3):
            return PolicyVerdict(False, f"fee limits apply to invoke v3 transactions, got version {hex(version)}")
        if "resource_bounds" not in tx:
            return PolicyVerdict(False, "transaction has no resource_bounds")
        bounds: ResourceBounds = parse_resource_bounds(tx["resource_bounds"])
        max_fee = max_fee_of(bounds, tx.get("tip", 0))
        limits.check_amount(STRK_TOKEN_ADDRESS, max_fee, what="max fee")
    except PolicyViolation as exc:
        return PolicyVerdict(False, str(exc), max_fee)
    except XSessionsError as exc:
        return PolicyVerdict(False, str(exc))
    return PolicyVerdict(True, None, max_fee)
