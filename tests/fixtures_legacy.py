"""Shared helpers for the legacy (x-sessions 4.8.7) tests: vector cases and a fake legacy node."""

from __future__ import annotations

import warnings
from typing import Any, Callable

from conftest import h, load_vectors
from loopback import json_rpc

from xsessions_core.legacy import SessionAccount, SignedSession

V4 = load_vectors("sessions_v4.json")
SESSIONS: list[dict[str, Any]] = V4["sessions"]
EXECUTIONS: list[tuple[dict[str, Any], int, dict[str, Any]]] = [
    (s, i, e) for s in SESSIONS for i, e in enumerate(s["executions"])
]
SESSION_IDS = [s["name"] for s in SESSIONS]
EXECUTION_IDS = [f"{s['name']}-{i}" for s, i, _ in EXECUTIONS]

#: starknet-py 0.30 checks the node's spec version once per client; answer what it expects.
SPEC_VERSION = "0.10.2"


def vector_session_account(session: dict[str, Any], provider: Any = None, **kwargs: Any) -> SessionAccount:
    """A SessionAccount for a vector case (all vector sessions are expired: the warning is silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SessionAccount(
            provider,
            session["account_address_used"],
            h(session["inputs"]["session_private_key"]),
            SignedSession.from_dict(session["signed_session"]),
            **kwargs,
        )


def legacy_node(
    *,
    chain_id: str,
    nonce: int = 0,
    is_plugin: int = 1,
    overall_fee: str = "0x2386f26fc10000",
    tx_hash: str = "0x1234",
    extra: dict[str, Callable[[Any], Any]] | None = None,
) -> dict[str, Any]:
    """JSON-RPC routes of a node that still runs the Cairo 0 plugin account."""
    methods: dict[str, Callable[[Any], Any]] = {
        "starknet_specVersion": lambda params: SPEC_VERSION,
        "starknet_chainId": lambda params: chain_id,
        "starknet_getNonce": lambda params: hex(nonce),
        "starknet_call": lambda params: [hex(is_plugin)],
        "starknet_estimateFee": lambda params: [
            {"overall_fee": overall_fee, "unit": "WEI", "l1_gas_consumed": "0x0", "l1_gas_price": "0x0",
             "l2_gas_consumed": "0x0", "l2_gas_price": "0x0", "l1_data_gas_consumed": "0x0",
             "l1_data_gas_price": "0x0"}
        ],
        "starknet_addInvokeTransaction": lambda params: {"transaction_hash": tx_hash},
    }
    methods.update(extra or {})
    return json_rpc(methods)
