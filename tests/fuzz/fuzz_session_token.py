"""atheris harness: session-token signatures through the decoder and the relayer verifier.

An input is a JSON array of felts (hex/decimal strings or ints), seeded with the signatures of
``contract_verdicts.json`` and ``sessions_v9.json`` and the small hostile token files. Each is

* parsed with the library's felt parser and decoded with ``decode_session_token`` for both
  account versions; a decoded token must re-serialise to the same felts;
* put in place of the signature of a VALID transaction of ``contract_verdicts.json`` and judged
  by ``verify_session_transaction``: a verdict or an XSessionsError, nothing else.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import atheris  # noqa: E402

from common import load_json, main  # noqa: E402

from xsessions_core.errors import XSessionsError  # noqa: E402

with atheris.instrument_imports(include=["xsessions_core"]):
    from xsessions_core.session_token import decode_session_token
    from xsessions_core.relayer.verify import AccountInfo, verify_session_transaction
    from xsessions_core.sessions.objects import felts_of

HERE = Path(__file__).resolve().parent
# The transaction (without signature) of contract_verdicts.json case pub-001, a VALID 0.4.0 invoke.
BASE = json.loads((HERE / "base_transaction.json").read_text())
ACCOUNT = AccountInfo(**BASE["account"])


def body(data: bytes) -> None:
    doc: Any = load_json(data)
    if doc is None:
        return
    try:
        verdict = verify_session_transaction({**BASE["transaction"], "signature": doc}, account=ACCOUNT,
                                             chain_id=BASE["chain_id"], block_timestamp=BASE["block_timestamp"])
        assert isinstance(verdict.valid, bool)
    except XSessionsError:
        pass
    felts = list(felts_of(doc, "signature"))
    for version in ("0.4.0", "0.5.0"):
        try:
            token = decode_session_token(felts, account_version=version)
        except XSessionsError:
            continue
        # Re-encoding is a fixed point. (It need not give back the input: Cairo decodes a bool from
        # any felt, `!= 0`, and re-encodes it as 0/1.)
        again = decode_session_token(token.felts(), account_version=version)
        assert again == token and again.felts() == token.felts(), (version, felts)


if __name__ == "__main__":
    main(body)
