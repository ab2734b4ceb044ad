"""xsessions_core — Starknet session keys for Python, on a native STARK crypto core.

Layers (one sub-package or module each):

* :mod:`xsessions_core.crypto` — Pedersen, Poseidon, keccak, ECDSA (native C or pure Python).
* :mod:`xsessions_core.typed_data`, :mod:`xsessions_core.merkle` — SNIP-12 and Merkle trees.
* :mod:`xsessions_core.transactions` — ``__execute__`` calldata and invoke v3 hashes.
* :mod:`xsessions_core.legacy` — the ``@argent/x-sessions`` 4.8.7 plugin-session API.
* :mod:`xsessions_core.sessions` — the ``@argent/x-sessions`` 9.0.4 protocol on starknet-py.
* :mod:`xsessions_core.relayer` — offline verification and bulk signing for relayers.

The crypto backend is chosen at its first use, not at import (see :mod:`xsessions_core.crypto`):
importing the package never fails because of the native extension.
"""

from typing import Any

from .errors import XSessionsError

#: The package version; the build reads it from here (``[tool.setuptools.dynamic]`` in pyproject.toml).
__version__ = "0.1.0"

__all__ = ["BACKEND", "XSessionsError", "__version__"]


def __getattr__(name: str) -> Any:
    """``xsessions_core.BACKEND``: the active crypto backend's name, selecting it if needed."""
    if name == "BACKEND":
        from . import crypto

        return crypto.BACKEND
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
