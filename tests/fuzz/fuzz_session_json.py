"""atheris harness: session JSON objects (modern x-sessions 9 and legacy x-sessions 4) from_dict.

Each input JSON object is offered to every parser (``Session``, ``OffChainSession``,
``SessionRequest``, legacy ``SignedSession``/``RequestSession``); whatever one accepts must
survive ``to_dict`` -> ``from_dict`` unchanged and go through the hash/verification path
(``compile_session``, ``verify_session``, legacy Merkle tree and message hash) with a result or an
XSessionsError. Seeds: the session objects of ``sessions_v9.json`` / ``sessions_v4.json`` and the
small hostile session files.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import atheris  # noqa: E402

from common import load_json, main  # noqa: E402

from xsessions_core.errors import XSessionsError  # noqa: E402

with atheris.instrument_imports(include=["xsessions_core"]):
    from xsessions_core import legacy
    from xsessions_core.sessions.objects import OffChainSession, Session, SessionRequest
    from xsessions_core.sessions.session import compile_session, verify_session

OWNER = 0x1E82B6833EE107F82637D104371153DC0215D83A83131352F014F8E97CAC2CC
CHAIN = 0x534E5F4D41494E


def _modern(doc: Any) -> None:
    s = Session.from_dict(doc)
    assert Session.from_dict(s.to_dict(include_private_key=True)) == s
    compile_session(s)
    verify_session(s, OWNER)


def _offchain(doc: Any) -> None:
    o = OffChainSession.from_dict(doc)
    assert OffChainSession.from_dict(o.to_dict()) == o
    compile_session(o)


def _request(doc: Any) -> None:
    r = SessionRequest.from_dict(doc)
    assert SessionRequest.from_dict(r.to_dict(include_private_key=True)) == r


def _legacy(doc: Any) -> None:
    s = legacy.SignedSession.from_dict(doc)
    assert legacy.SignedSession.from_dict(s.to_dict()) == s
    legacy.create_merkle_tree_for_policies(s.policies)
    legacy.session_message_hash(s, CHAIN, OWNER)
    s.owner_signature  # noqa: B018


def _legacy_request(doc: Any) -> None:
    r = legacy.RequestSession.from_dict(doc)
    assert legacy.RequestSession.from_dict(r.to_dict()) == r
    legacy.prepare_session(r)


PARSERS: tuple[Callable[[Any], None], ...] = (_modern, _offchain, _request, _legacy, _legacy_request)


def body(data: bytes) -> None:
    doc = load_json(data)
    if doc is None:
        return
    for parse in PARSERS:
        try:
            parse(doc)
        except XSessionsError:
            pass


if __name__ == "__main__":
    main(body)
