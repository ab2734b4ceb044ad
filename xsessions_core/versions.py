"""Argent account versions: the one place a version string is parsed.

The Argent account contract changed the session protocol between its 0.4.0 and 0.5.0 classes (the
session-token cache flag, the order of some checks, the WebAuthn signature layout). Every public
API that takes an account version accepts an :class:`AccountVersion` or any of its spellings
(``"0.4"``, ``"0.4.0"``, ``"0.5"``, ``"0.5.0"``) and parses it once, here, at the edge.

Every difference between the versions lives in one :class:`AccountRules` object per version,
in the registry :func:`account_rules` (also :attr:`AccountVersion.rules`): the session-token cache
value, the authorisation scheme and its errors, what fee estimation skips, the order of the session
checks, and the on-chain class hash, version felts and views. Signing, the relayer's verifier and
:mod:`xsessions_core.onchain` read the rules; none of them compares version strings.

Adding an account version (0.6.0, say) means: one new :class:`AccountVersion` member and its
spellings, one new :class:`AccountRules` object in the registry below, and its vectors in
``../vectors`` (token signatures and contract verdicts). Only a protocol change no field of
:class:`AccountRules` describes (a new authorisation scheme, a new check) needs code elsewhere.

Sources: argentlabs/argent-contracts-starknet, tags ``account-0.4.0`` and ``v0.5.0``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from .errors import XSessionsError

__all__ = [
    "AccountVersion",
    "UnsupportedAccountVersion",
    "AccountRules",
    "AuthorizationScheme",
    "SignerViews",
    "RULES_BY_CLASS_HASH",
    "RULES_BY_VERSION_FELTS",
    "account_rules",
]


class UnsupportedAccountVersion(XSessionsError, ValueError):
    """An account version that is not one of the supported Argent account classes."""


class AccountVersion(str, Enum):
    """An Argent account class version that speaks the x-sessions 9 session protocol.

    A ``str`` enum: ``AccountVersion.V0_4_0 == "0.4.0"`` holds, so code comparing strings keeps working.
    """

    V0_4_0 = "0.4.0"
    V0_5_0 = "0.5.0"

    #: The hash of the version string (equal members and strings hash alike), in C: versions are
    #: dictionary keys on the verifier's hot path.
    __hash__ = str.__hash__

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

    @property
    def rules(self) -> AccountRules:
        """This version's :class:`AccountRules` (:func:`account_rules`)."""
        return _RULES[self]

    def __str__(self) -> str:
        return self.value


_SPELLINGS: dict[str, AccountVersion] = {
    "0.4": AccountVersion.V0_4_0,
    "0.4.0": AccountVersion.V0_4_0,
    "0.5": AccountVersion.V0_5_0,
    "0.5.0": AccountVersion.V0_5_0,
}


class AuthorizationScheme(str, Enum):
    """How the account checks a session's ``session_authorization`` (the owner's and guardian's
    signatures over the session hash), and how it reads its cached authorisations.

    * ``SINGLE_OWNER``: one owner and one guardian (plus a backup); the cache is keyed by the
      account's owner and guardian GUIDs and is used when the token's ``cache_authorization`` is set
      (argent-contracts-starknet ``src/session/session.cairo``, tag ``account-0.4.0``);
    * ``MULTI_OWNER``: owners and guardians are sets; the token names the cached owner by GUID and
      the guardian by its signer (``src/session/session.cairo``, tag ``v0.5.0``).
    """

    SINGLE_OWNER = "single-owner"
    MULTI_OWNER = "multi-owner"


class SignerViews(str, Enum):
    """The views that describe an account's owner and guardians.

    * ``SINGLE``: ``get_owner_type`` / ``get_owner``, ``get_guardian_type`` / ``get_guardian`` /
      ``get_guardian_backup`` (``src/account/interface.cairo``, tag ``account-0.4.0``);
    * ``SIGNER_INFOS``: ``get_owners_info`` / ``get_guardians_info``, arrays of ``SignerInfo``
      (``src/multiowner_account/argent_account.cairo``, tag ``v0.5.0``).
    """

    SINGLE = "single"
    SIGNER_INFOS = "signer-infos"


#: Names of the steps of a session check, as :attr:`AccountRules.session_checks` orders them. Each
#: is one ``assert`` of ``assert_valid_session`` (``src/session/session.cairo``) or of the entry point.
CHECK_NO_MULTICALL_TO_SELF = "no-multicall-to-self"
CHECK_MAGIC = "magic"
CHECK_DECODE = "decode"
CHECK_REVOKED = "revoked"
CHECK_EXPIRED = "expired"
CHECK_AUTHORIZATION = "authorization"
CHECK_SESSION_KEY = "session-key"
CHECK_SESSION_SIGNATURE = "session-signature"
CHECK_GUARDIAN_KEY = "guardian-key"
CHECK_BACKEND_SIGNATURE = "backend-signature"
CHECK_PROOF_COUNT = "proof-count"
CHECK_PROOFS = "proofs"

_COMMON_HEAD = (CHECK_NO_MULTICALL_TO_SELF, CHECK_MAGIC, CHECK_DECODE, CHECK_REVOKED, CHECK_EXPIRED,
                CHECK_AUTHORIZATION, CHECK_SESSION_KEY, CHECK_SESSION_SIGNATURE)
_COMMON_TAIL = (CHECK_BACKEND_SIGNATURE, CHECK_PROOF_COUNT, CHECK_PROOFS)


@dataclass(frozen=True)
class AccountRules:
    """Everything the session protocol does differently in one Argent account class.

    Read by the session-token codec (:attr:`cache_flag_is_owner_guid`), the relayer's verifier
    (the authorisation scheme, the concise-form errors, what fee estimation skips, the order of the
    checks) and :mod:`xsessions_core.onchain` (class hash, version felts, views).

    :ivar version: the class version.
    :ivar class_hash: the published class hash (argent-contracts-starknet ``deployments/account.txt``).
    :ivar version_felts: what ``get_version()`` returns (``Version { major, minor, patch }``).
    :ivar cache_flag_is_owner_guid: ``signature[5]`` of a token is ``cache_owner_guid: felt252``
        (hashed as is) rather than ``cache_authorization: bool`` (hashed as 0 / 1).
    :ivar authorization: how ``session_authorization`` and the cache are checked.
    :ivar concise_owner_error: the panic of the concise authorisation form ``[r, s(, r_g, s_g)]``
        when the account has no single Stark owner.
    :ivar concise_guardian_error: the same for the guardian part ``r_g, s_g``.
    :ivar estimate_skips_session_signatures: fee estimation (query version, caller 0) also treats
        the session-key and backend signatures as valid (owner and guardian authorisation
        signatures are skipped by every version).
    :ivar stark_signature_range_check: Stark ``r`` and ``s`` must be below the curve order
        (a panic of the account's ``StarknetSignature`` check, given by :mod:`xsessions_core.signers`).
    :ivar session_checks: the steps of the session check in the account's order (``CHECK_*``);
        ``CHECK_GUARDIAN_KEY`` (the token's guardian is the account's guardian) is a step of its own
        only where the authorisation check does not already match it.
    :ivar signer_views: the views that read owner and guardians.
    :ivar cached_view_takes_guids: ``is_session_authorization_cached`` takes ``(session_hash,
        owner_guid, guardian_guid)`` rather than ``(session_hash)``.
    :ivar cached_view_guardians: how many guardians the cached-authorisation view can answer for
        (``None``: every guardian).
    """

    version: AccountVersion
    class_hash: int
    version_felts: tuple[int, int, int]
    cache_flag_is_owner_guid: bool
    authorization: AuthorizationScheme
    concise_owner_error: str
    concise_guardian_error: str
    estimate_skips_session_signatures: bool
    stark_signature_range_check: bool
    session_checks: tuple[str, ...]
    signer_views: SignerViews
    cached_view_takes_guids: bool
    cached_view_guardians: int | None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled by version: unpickling gives the registry's object."""
        return (account_rules, (self.version.value,))

    def cache_value(self, cache_flag: int) -> int:
        """What the account hashes into the token message for the felt at ``signature[5]``: the
        ``bool`` ``cache_flag != 0`` as 0/1, or the ``cache_owner_guid`` itself."""
        return cache_flag if self.cache_flag_is_owner_guid else int(cache_flag != 0)


_RULES: dict[AccountVersion, AccountRules] = {
    rules.version: rules
    for rules in (
        AccountRules(
            version=AccountVersion.V0_4_0,
            class_hash=0x036078334509B514626504EDC9FB252328D1A240E4E948BEF8D0C08DFF45927F,
            version_felts=(0, 4, 0),
            cache_flag_is_owner_guid=False,
            authorization=AuthorizationScheme.SINGLE_OWNER,
            concise_owner_error="argent/zero-pubkey",
            concise_guardian_error="argent/zero-pubkey",
            estimate_skips_session_signatures=False,
            stark_signature_range_check=False,
            session_checks=(*_COMMON_HEAD, CHECK_GUARDIAN_KEY, *_COMMON_TAIL),
            signer_views=SignerViews.SINGLE,
            cached_view_takes_guids=False,
            cached_view_guardians=1,
        ),
        AccountRules(
            version=AccountVersion.V0_5_0,
            class_hash=0x073414441639DCD11D1846F287650A00C60C416B9D3BA45D31C651672125B2C2,
            version_felts=(0, 5, 0),
            cache_flag_is_owner_guid=True,
            authorization=AuthorizationScheme.MULTI_OWNER,
            concise_owner_error="argent/no-single-stark-owner",
            concise_guardian_error="argent/no-single-guardian",
            estimate_skips_session_signatures=True,
            stark_signature_range_check=True,
            session_checks=(*_COMMON_HEAD, *_COMMON_TAIL),
            signer_views=SignerViews.SIGNER_INFOS,
            cached_view_takes_guids=True,
            cached_view_guardians=None,
        ),
    )
}

#: The rules of each version, keyed by class hash (the published classes).
RULES_BY_CLASS_HASH: dict[int, AccountRules] = {r.class_hash: r for r in _RULES.values()}
#: The rules of each version, keyed by ``get_version()``.
RULES_BY_VERSION_FELTS: dict[tuple[int, ...], AccountRules] = {r.version_felts: r for r in _RULES.values()}


def account_rules(version: object) -> AccountRules:
    """The :class:`AccountRules` of ``version`` (any :meth:`AccountVersion.parse` spelling).

    :raises UnsupportedAccountVersion: not a supported version.
    """
    return _RULES[AccountVersion.parse(version)]
