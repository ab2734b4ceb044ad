"""xsessions_core — Starknet session keys for Python, on a native STARK crypto core.

Layers (one sub-package or module each):

* :mod:`xsessions_core.crypto` — Pedersen, Poseidon, keccak, ECDSA (native C or pure Python).
* :mod:`xsessions_core.typed_data`, :mod:`xsessions_core.merkle` — SNIP-12 and Merkle trees.
* :mod:`xsessions_core.transactions` — ``__execute__`` calldata and invoke v3 hashes.
* :mod:`xsessions_core.legacy` — the ``@argent/x-sessions`` 4.8.7 plugin-session API.
* :mod:`xsessions_core.sessions` — the ``@argent/x-sessions`` 9.0.4 protocol on starknet-py.
* :mod:`xsessions_core.relayer` — offline verification and bulk signing for relayers.
"""

from .crypto import BACKEND
from .errors import XSessionsError

__version__ = "0.1.0"

__all__ = ["BACKEND", "XSessionsError", "__version__"]
