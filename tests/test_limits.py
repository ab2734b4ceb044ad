"""The documented input limits are enforced with typed errors."""

from __future__ import annotations

import pytest

from xsessions_core.errors import SessionError
from xsessions_core.sessions import AllowedMethod, SessionKey, create_session_request
from xsessions_core.sessions.objects import MAX_ALLOWED_METHODS
from xsessions_core.sessions.session import MAX_METADATA_LENGTH

SN_SEPOLIA = 0x534E5F5345504F4C4941
KEY = SessionKey(0x1234567890ABCDEF)


def _request(methods: list[AllowedMethod], metadata: object = None) -> object:
    return create_session_request(SN_SEPOLIA, KEY, methods, 1_800_000_000,
                                  {"projectID": "p", "txFees": []} if metadata is None else metadata)


def test_allowed_methods_limit() -> None:
    methods = [AllowedMethod(i + 1, "transfer") for i in range(MAX_ALLOWED_METHODS)]
    _request(methods[:3])
    with pytest.raises(SessionError, match="at most 1024"):
        _request(methods + [AllowedMethod(0x5, "approve")])


def test_metadata_limit() -> None:
    _request([AllowedMethod(1, "transfer")], {"projectID": "x" * 1000, "txFees": []})
    with pytest.raises(SessionError, match="at most 65536"):
        _request([AllowedMethod(1, "transfer")], {"projectID": "x" * MAX_METADATA_LENGTH, "txFees": []})
