"""atheris harness: SNIP-12 typed data JSON through ``TypedData.from_json`` and ``message_hash``.

Inputs are JSON documents (seeded with every ``typed_data.json`` vector and the hostile typed-data
files); the structural mutator of :mod:`common` rewrites nodes with hostile values. The library's
own JSON entry point is used, so invalid JSON must also come back as a TypedDataError. An accepted
document must hash identically with and without validation, and again from its re-parsed dict.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import atheris  # noqa: E402

from common import main  # noqa: E402

with atheris.instrument_imports(include=["xsessions_core"]):
    from xsessions_core.typed_data import TypedData

ACCOUNT = 0x1234


def body(data: bytes) -> None:
    td = TypedData.from_json(data)
    digest = td.message_hash(ACCOUNT)
    assert TypedData.from_json(data, validate=False).message_hash(ACCOUNT) == digest
    assert 0 <= digest < 2**252


if __name__ == "__main__":
    main(body)
