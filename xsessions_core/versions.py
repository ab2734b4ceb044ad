"""Argent account versions: the one place a version string is parsed.

The Argent account contract changed the session protocol between its 0.4.0 and 0.5.0 classes (the
session-token cache flag, the order of some checks, the WebAuthn signature layout). Every public
API that takes an account version accepts an :class:`AccountVersion` or any of its spellings
(``"0.4"``, ``"0.4.0"``, ``"0.5"``, ``"0.5.0"``) and parses it once, here, at the edge.

Sources: argentlabs/argent-contracts-starknet, tags ``account-0.4.0`` and ``v0.5.0``.
"""

from __future__ import annotations

from enum import Enum

from .errors import XSessionsError

__all__ = ["AccountVersion", "UnsupportedAccountVersion"]


class UnsupportedAccountVersion(XSessionsError, ValueError):
    """An account version that is not one of the supported Argent account classes."""


class AccountVersion(str, Enum):
    """An Argent account class version that speaks the x-sessions 9 session protocol.

    A ``str`` enum: ``AccountVersion.V0_4_0 == "0.4.0"`` holds, so code comparing strings keeps working.
    """

    V0_4_0 = "0.4.0"
    V0_5_0 = "0.5.0"

    @classmethod
    def parse(cls, value: object) -> AccountVersion:
        """Return the version that ``value`` names.

        :param value: an :class:`AccountVersion`, or one of ``"0.4"``, ``"0.4.0"``, ``"0.5"``, ``"0.5.0"``
            (a leading ``"v"`` is allowed).
        :raises UnsupportedAccountVersion: anything else.
        """
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            text = value.strip().lower().removeprefix("v")
            found = _SPELLINGS.get(text)
            if found is not None:
                return found
        shown = repr(value) if isinstance(value, str) and len(value) <= 20 else f"<{type(value).__name__}>"
        raise UnsupportedAccountVersion(
            f"account version must be one of 0.4.0 or 0.5.0 (also spelled 0.4, 0.5), got {shown}"
        )

    @property
    def short(self) -> str:
        """``"0.4"`` or ``"0.5"``: the spelling x-sessions uses."""
        return self.value.rsplit(".", 1)[0]

    def __str__(self) -> str:
        return self.value


_SPELLINGS: dict[str, AccountVersion] = {
    "0.4": AccountVersion.V0_4_0,
    "0.4.0": AccountVersion.V0_4_0,
    "0.5": AccountVersion.V0_5_0,
    "0.5.0": AccountVersion.V0_5_0,
}
