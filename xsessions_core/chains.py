"""Starknet chain ids: the one place a chain id is parsed.

A chain id is the felt of a short string (``ss("SN_MAIN")``, ``ss("SN_SEPOLIA")``). Every public API
that takes a chain id accepts, through :func:`parse_chain_id`: an int, a hex or decimal string, the
names ``"SN_MAIN"`` and ``"SN_SEPOLIA"``, and starknet-py's ``StarknetChainId`` (an ``IntEnum``;
starknet-py, ``starknet_py/net/models/chains.py``).
"""

from __future__ import annotations

from .crypto import FIELD_PRIME
from .encoding import felt_from
from .errors import XSessionsError

__all__ = ["SN_MAIN", "SN_SEPOLIA", "CHAIN_NAMES", "InvalidChainId", "parse_chain_id"]

#: ``ss("SN_MAIN")``: Starknet mainnet.
SN_MAIN = 0x534E5F4D41494E
#: ``ss("SN_SEPOLIA")``: Starknet Sepolia testnet.
SN_SEPOLIA = 0x534E5F5345504F4C4941
#: Chain names accepted by :func:`parse_chain_id`.
CHAIN_NAMES: dict[str, int] = {"SN_MAIN": SN_MAIN, "SN_SEPOLIA": SN_SEPOLIA}


class InvalidChainId(XSessionsError, ValueError):
    """A chain id that is not a felt, a numeric string or a known chain name."""


def parse_chain_id(value: object, name: str = "chain_id", error: type[Exception] = InvalidChainId) -> int:
    """The chain id ``value`` denotes, as a felt.

    :param value: an int (or ``StarknetChainId``), a hex (``"0x534e5f4d41494e"``) or decimal string, or a
        chain name (``"SN_MAIN"``, ``"SN_SEPOLIA"``).
    :param name: the field named in error messages.
    :param error: the exception class raised (each layer passes its own; it should derive from
        ``ValueError``).
    :raises error: anything else (a felt out of range, another type, an unknown name).
    """
    if type(value) is int and 0 <= value < FIELD_PRIME:  # fast path: most callers pass an int
        return value
    if isinstance(value, str):
        found = CHAIN_NAMES.get(value.strip())
        if found is not None:
            return found
        text = value.strip().lower()
        if not text or not (text.startswith("0x") or text.isdigit()):
            raise error(f"{name} must be an int, a hex string or one of {', '.join(CHAIN_NAMES)}, got {value[:40]!r}")
    return felt_from(int(value) if isinstance(value, int) and not isinstance(value, bool) else value, name, error)
