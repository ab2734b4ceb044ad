"""Offline checks of a legacy plugin-session transaction (x-sessions 4.8.7, docs/protocol.md §5.6–§5.7).

Reproduces what the Cairo 0 ``ArgentAccount`` + ``SessionKey`` plugin of 2022 checked, in order:

1. the Cairo 0 ``__execute__`` calldata parses (``call_array``, ``calldata``, ``nonce``);
2. (optional) the nonce is the account's (``nonce invalid``);
3. more than one call and call 0 is ``use_plugin`` on the account itself, else it is not a
   session transaction (``not a plugin session transaction``);
4. the plugin class hash in call 0 is registered (``plugin not registered``);
5. ``plugin_data`` parses: ``[session_key, expires, root, proof_len, proofs..., token...]``
   (``invalid plugin data``);
6. ``expires >= block_timestamp`` (``session expired``);
7. the account's ``is_valid_signature(session_hash, token)`` (``unauthorised session``);
8. the session key is not revoked (``session key revoked``);
9. the session key's ECDSA signature over the transaction hash (``session key signature invalid``);
10. every call's policy leaf is in the tree (``Not allowed by policy``).

No network ever ran this code after 2022; the transaction hash defaults to the one x-sessions
4.8.7 on starknet.js 4.22 **signs** (v1 over the calldata *without* the appended nonce, see
docs/protocol.md §5.6), so the verifier accepts what that library produced; pass ``transaction_hash`` to
check against another hash.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..crypto import compute_hash_on_elements, verify_message_signature
from ..encoding import FeltSpelling, felt_from
from ..errors import TransactionError
from ..legacy import (
    POLICY_TYPE_HASH,
    SESSION_PLUGIN_CLASS_HASH,
    SESSION_TYPE_HASH,
    STARKNET_DOMAIN_TYPE_HASH,
    USE_PLUGIN_SELECTOR,
    LegacyInvoke,
    invoke_transaction_hash,
)
from ..merkle import HashMethod, verify_proof
from .types import Verdict

__all__ = ["verify_legacy_session_transaction", "legacy_session_hash"]

_STARKNET_MESSAGE = 0x537461726B4E6574204D657373616765  # ss("StarkNet Message")
_PHASE = "validate"


def legacy_session_hash(session_key: int, expires: int, root: int, account_address: int, chain_id: int) -> int:
    """The rev 0 message hash the owner signed for a legacy session (docs/protocol.md §5.4)."""
    return compute_hash_on_elements([
        _STARKNET_MESSAGE,
        compute_hash_on_elements([STARKNET_DOMAIN_TYPE_HASH, chain_id]),
        account_address,
        compute_hash_on_elements([SESSION_TYPE_HASH, session_key, expires, root]),
    ])


def _felt(value: object, name: str, lenient: bool) -> int:
    """A felt of the transaction, spelled as a node reads it (:attr:`FeltSpelling.NODE
    <xsessions_core.encoding.FeltSpelling.NODE>`, ``NODE_LENIENT`` when ``lenient``)."""
    return felt_from(value, name, TransactionError, spelling=FeltSpelling.NODE_LENIENT if lenient else FeltSpelling.NODE)


def _arg(value: object, name: str) -> int:
    """An argument given in code (account, keys, chain id): also a short string such as ``"SN_MAIN"``."""
    return felt_from(value, name, TransactionError, spelling=FeltSpelling.SHORT_STRING)


def _felts(values: object, name: str, lenient: bool) -> list[int]:
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise TransactionError(f"{name} must be a list of felts")
    return [_felt(v, f"{name}[{i}]", lenient) for i, v in enumerate(values)]


def _field(tx: object, *keys: str) -> Any:
    for key in keys:
        if isinstance(tx, Mapping) and key in tx:
            return tx[key]
        if not isinstance(tx, Mapping) and hasattr(tx, key):
            return getattr(tx, key)
    raise TransactionError(f"transaction is missing {keys[0]!r}")


def _parse_cairo0(calldata: Sequence[int]) -> tuple[list[tuple[int, int, int, int]], list[int], int] | None:
    """``(call_array, calldata, nonce)`` of Cairo 0 ``__execute__`` calldata, or ``None``."""
    if not calldata:
        return None
    n = calldata[0]
    head_end = 1 + 4 * n
    if head_end + 1 > len(calldata):
        return None
    call_array = [tuple(calldata[1 + 4 * i: 5 + 4 * i]) for i in range(n)]
    total = calldata[head_end]
    data_end = head_end + 1 + total
    if data_end + 1 != len(calldata):
        return None
    data = list(calldata[head_end + 1:data_end])
    for _, _, offset, length in call_array:
        if offset + length > total:
            return None
    return call_array, data, calldata[data_end]  # type: ignore[return-value]


def verify_legacy_session_transaction(
    tx: LegacyInvoke | Mapping[str, Any],
    *,
    account_address: int | str,
    owner_public_key: int | str,
    chain_id: int | str,
    block_timestamp: int,
    guardian_public_key: int | str | None = None,
    registered_plugins: Iterable[int] = (SESSION_PLUGIN_CLASS_HASH,),
    revoked_session_keys: Iterable[int] = (),
    expected_nonce: int | None = None,
    transaction_hash: int | None = None,
    lenient_felts: bool = True,
) -> Verdict:
    """Verdict of the Cairo 0 account + ``SessionKey`` plugin on a legacy session invoke.

    :param tx: a :class:`~xsessions_core.legacy.LegacyInvoke` or its RPC mapping (``sender_address``
        or ``contract_address``, ``calldata`` with the nonce appended, ``signature``, ``max_fee``,
        ``version``, ``nonce``).
    :param guardian_public_key: the account's guardian (then the session token must also carry
        a guardian signature, which x-sessions 4 never adds).
    :param registered_plugins: plugin class hashes registered with ``add_plugin``.
    :param revoked_session_keys: session public keys revoked with ``revoke_session_key``.
    :param expected_nonce: the account's current nonce, checked when given.
    :param transaction_hash: the hash to check the session signature against (default: the hash
        x-sessions 4.8.7 signs, see the module note).
    :param lenient_felts: also accept hex felts with leading zeros or ``0X`` (x-sessions 4 on
        starknet.js 4 pads addresses to 64 digits); whitespace, ``_``, signs, floats and bools are
        always rejected. ``False``: only the spelling of today's nodes.
    :return: :class:`~.verify.Verdict` (``phase="validate"`` on failure) with a descriptive error.
    :raises TransactionError: a malformed transaction object.
    """
    account = _arg(account_address, "account_address")
    owner = _arg(owner_public_key, "owner_public_key")
    chain = _arg(chain_id, "chain_id")
    guardian = None if guardian_public_key is None else _arg(guardian_public_key, "guardian_public_key")
    if isinstance(block_timestamp, bool) or not isinstance(block_timestamp, int):
        raise TransactionError("block_timestamp must be an int")
    lenient = bool(lenient_felts)
    calldata = _felts(_field(tx, "calldata"), "calldata", lenient)
    signature = _felts(_field(tx, "signature"), "signature", lenient)
    nonce = _felt(_field(tx, "nonce"), "nonce", lenient)
    max_fee = _felt(_field(tx, "max_fee"), "max_fee", lenient)
    version = _felt(_field(tx, "version"), "version", lenient)
    sender = _felt(_field(tx, "sender_address", "contract_address"), "sender_address", lenient)

    def fail(error: str) -> Verdict:
        return Verdict(False, error, _PHASE)

    if sender != account:
        raise TransactionError(f"the transaction is sent to {hex(sender)}, not to the account {hex(account)}")
    parsed = _parse_cairo0(calldata)
    if parsed is None:
        return fail("invalid calldata")
    call_array, data, calldata_nonce = parsed
    if calldata_nonce != nonce or (expected_nonce is not None and nonce != expected_nonce):
        return fail("nonce invalid")
    if len(call_array) < 2 or call_array[0][0] != account or call_array[0][1] != USE_PLUGIN_SELECTOR:
        return fail("not a plugin session transaction")
    _, _, offset0, len0 = call_array[0]
    plugin_call = data[offset0:offset0 + len0]
    if not plugin_call or plugin_call[0] not in set(registered_plugins):
        return fail("plugin not registered")
    plugin_data = plugin_call[1:]
    calls = call_array[1:]
    if len(plugin_data) < 4:
        return fail("invalid plugin data")
    session_key, expires, root, proof_len = plugin_data[:4]
    proofs_end = 4 + proof_len * len(calls)
    if proofs_end > len(plugin_data):
        return fail("invalid plugin data")
    token = plugin_data[proofs_end:]
    if expires < block_timestamp:
        return fail("session expired")
    session_hash = legacy_session_hash(session_key, expires, root, account, chain)
    if not _account_signature_ok(session_hash, token, owner, guardian):
        return fail("unauthorised session")
    if session_key in set(revoked_session_keys):
        return fail("session key revoked")
    if transaction_hash is None:
        transaction_hash = invoke_transaction_hash(account, calldata[:-1], nonce, max_fee, chain, version)
    if len(signature) < 2 or not _ecdsa_ok(transaction_hash, signature[0], signature[1], session_key):
        return fail("session key signature invalid")
    for i, (to, selector, _, _) in enumerate(calls):
        leaf = compute_hash_on_elements([POLICY_TYPE_HASH, to, selector])
        proof = plugin_data[4 + i * proof_len: 4 + (i + 1) * proof_len]
        if not verify_proof(root, leaf, proof, HashMethod.PEDERSEN):
            return fail("Not allowed by policy")
    return Verdict(True)


def _ecdsa_ok(msg_hash: int, r: int, s: int, public_key: int) -> bool:
    return verify_message_signature(msg_hash, (r, s), public_key)


def _account_signature_ok(session_hash: int, token: Sequence[int], owner: int, guardian: int | None) -> bool:
    """AC0 ``is_valid_signature``: the owner's ``[r, s]``, plus the guardian's when there is one."""
    if guardian is None:
        return len(token) >= 2 and _ecdsa_ok(session_hash, token[0], token[1], owner)
    return len(token) == 4 and _ecdsa_ok(session_hash, token[0], token[1], owner) and _ecdsa_ok(
        session_hash, token[2], token[3], guardian)
