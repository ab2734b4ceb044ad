"""STARK-field cryptography: Pedersen, Poseidon, starknet_keccak, ECDSA — the public API.

Names and signatures follow starknet-py (``starknet_py.hash.utils`` / ``hash.poseidon`` /
``hash.selector``) so code can swap imports. Ints in, ints out. Every input is validated here,
before it reaches a backend: a value out of range raises a typed error
(:class:`~xsessions_core.errors.InvalidFieldElement`, ...), never a wrong hash.

Two interchangeable backends compute the results, bit for bit identical:

* ``"native"`` — the C core in ``csrc/`` (cffi extension ``xsessions_core._native``); signing and
  public-key derivation are constant time; every call releases the GIL.
* ``"python"`` — pure Python; slower and **not** constant time (it warns when it signs).

``XSESSIONS_BACKEND=python|native`` chooses one (``native`` raises
:class:`~xsessions_core.errors.NativeBackendError` if the extension is missing); unset means
native when the extension imports, else Python. :data:`BACKEND` names the active one.

A key that verifies many signatures (a session key, a guardian) can be prepared once with
:func:`prepare_public_key`; the resulting :class:`PreparedPublicKey` is accepted wherever a public
key is verified against, with the same verdicts, at about 0.4x the cost per verification.

Divergences from starknet.js kept on purpose (docs/protocol.md §1.5, §1.6):

* Poseidon rejects inputs ``>= p`` (starknet.js silently reduces them).
* :func:`get_selector_from_name` is the starknet.js rule (plain keccak of the UTF-8 name, no
  ``__default__`` special case); :func:`get_selector_from_name_cairo_lang` has the cairo-lang rule.
* :func:`message_signature` with ``seed=None`` (default) equals starknet.js ``ec.starkCurve.sign``;
  pass an int ``seed`` (starknet-py uses 32) to get starknet-py / cairo-lang signatures.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Iterable, Sequence
from importlib import import_module
from importlib.util import find_spec
from typing import Any, TypeVar, cast, final

from ..errors import (
    InvalidFieldElement,
    InvalidMessageHash,
    InvalidPrivateKey,
    InvalidSignature,
    NativeBackendError,
    describe_value,
)
from .backend import PREPARED_KEY_BYTES, Backend, HashMethod, InvokeV3HashRow
from .constants import (
    ALPHA,
    BETA,
    EC_GEN,
    EC_ORDER,
    FIELD_PRIME,
    MASK_250,
    MAX_ECDSA_VALUE,
)

__all__ = [
    "BACKEND", "FIELD_PRIME", "EC_ORDER", "ALPHA", "BETA", "EC_GEN", "MAX_ECDSA_VALUE", "MASK_250",
    "pedersen_hash", "compute_hash_on_elements", "pedersen_hash_batch",
    "poseidon_hash", "poseidon_hash_single", "poseidon_hash_many", "poseidon_permutation",
    "poseidon_hash_batch", "poseidon_hash_many_batch",
    "starknet_keccak", "keccak256", "get_selector_from_name", "get_selector_from_name_cairo_lang",
    "private_to_stark_key", "message_signature", "verify_message_signature",
    "message_signature_batch", "verify_message_signature_batch",
    "PreparedPublicKey", "prepare_public_key", "PREPARED_KEY_BYTES",
    "use_backend", "available_backends", "backend_module", "Backend", "UncheckedBackend", "unchecked",
    "InvokeV3HashRow", "HashMethod",
]

_P = FIELD_PRIME
_N = EC_ORDER
_M251 = MAX_ECDSA_VALUE

_T = TypeVar("_T")


# --------------------------------------------------------------------------- backend selection

_NATIVE_MODULE = "xsessions_core._native"


def _load(name: str) -> Backend:
    """Import one backend module; every failure is a one-line :class:`NativeBackendError`."""
    if name == "python":
        return cast(Backend, import_module("._python", __name__))
    if name != "native":
        raise NativeBackendError(f"unknown backend {name!r}: expected 'native' or 'python'")
    try:
        spec = find_spec(_NATIVE_MODULE)
    except ImportError:
        spec = None
    if spec is None:
        raise NativeBackendError(
            f"the native extension {_NATIVE_MODULE} is not installed; reinstall xsessions_core with a C "
            "compiler available, or use the pure-Python backend (XSESSIONS_BACKEND=python)"
        )
    try:
        return cast(Backend, import_module("._native", __name__))
    except ImportError as exc:
        reason = " ".join(str(exc).split())
        raise NativeBackendError(f"the native extension {_NATIVE_MODULE} cannot be loaded: {reason}") from None


class _Unselected:
    """Placeholder for the backend until its first use, which selects it (:func:`_select`).

    Selecting lazily keeps ``import xsessions_core`` free of errors: a missing or broken extension
    is reported where the first hash or signature is computed, as a typed error or one warning.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(_select(), name)


_selection_lock = threading.Lock()
_warned_python_signing = False
_b: Backend = cast(Backend, _Unselected())
#: Name of the active backend, ``"native"`` or ``"python"`` (selected on first access).
BACKEND: str


def _select() -> Backend:
    """The active backend, choosing it on the first call from ``XSESSIONS_BACKEND``.

    Unset means native when the extension loads, else Python with one :class:`RuntimeWarning`.
    """
    global _b, BACKEND, _warned_python_signing
    with _selection_lock:
        if isinstance(_b, _Unselected):
            wanted = os.environ.get("XSESSIONS_BACKEND", "").strip().lower()
            if wanted:
                module = _load(wanted)
            else:
                try:
                    module = _load("native")
                except NativeBackendError as exc:
                    module = _load("python")
                    _warned_python_signing = True  # this warning says it already: one warning, not two
                    warnings.warn(f"{exc}; xsessions_core uses the pure-Python backend, which is slower and NOT "
                                  "constant time", RuntimeWarning, stacklevel=4)
            _b, BACKEND = module, module.NAME
        return _b


def __getattr__(name: str) -> Any:
    if name == "BACKEND":
        return _select().NAME
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def use_backend(name: str) -> str:
    """Switch the active backend (``"native"`` or ``"python"``) for the whole process.

    Meant for tests and benchmarks. Not thread safe with respect to calls in flight.

    :return: the name of the previously active backend.
    :raises NativeBackendError: if the backend cannot be loaded.
    """
    global _b, BACKEND
    module = _load(name)
    with _selection_lock:
        previous: str = _b.NAME if not isinstance(_b, _Unselected) else _default_name()
        _b, BACKEND = module, module.NAME
    return previous


def _default_name() -> str:
    """The backend the first use would select, without selecting it (no warning, no error)."""
    wanted = os.environ.get("XSESSIONS_BACKEND", "").strip().lower()
    return wanted or ("native" if "native" in available_backends() else "python")


def available_backends() -> list[str]:
    """Names of the backends that load on this installation."""
    names = ["python"]
    try:
        _load("native")
        names.insert(0, "native")
    except NativeBackendError:
        pass
    return names


def backend_module() -> Backend:
    """The active backend module. Layers that skip validation call :data:`unchecked` instead."""
    return _select()


@final
class UncheckedBackend:
    """The backend contract (:mod:`.backend`) of the active backend, with no validation at all.

    **Inputs must already be reduced felts / valid scalars**, in the domains :mod:`.backend` lists
    (felts in ``[0, p)``, private keys in ``[1, n)``, message hashes in ``[0, 2**251)``, ...): out
    of range input gives a wrong result or a crash, never an error. For layers that have validated
    their input once and call the hashes and signatures many times; everyone else calls the checked
    functions of :mod:`xsessions_core.crypto`. Each call goes to the backend active at that moment.
    """

    __slots__ = ()

    @property
    def name(self) -> str:
        """Name of the active backend, ``"native"`` or ``"python"``."""
        return _b.NAME

    def pedersen(self, a: int, b: int) -> int:
        """Pedersen hash of two felts."""
        return _b.pedersen(a, b)

    def pedersen_batch(self, pairs: Sequence[tuple[int, int]]) -> list[int]:
        """Pedersen hashes of many pairs of felts."""
        return _b.pedersen_batch(pairs)

    def pedersen_chain(self, values: Sequence[int]) -> int:
        """``compute_hash_on_elements`` of felts."""
        return _b.pedersen_chain(values)

    def poseidon(self, a: int, b: int) -> int:
        """Poseidon hash of two felts."""
        return _b.poseidon(a, b)

    def poseidon_batch(self, pairs: Sequence[tuple[int, int]]) -> list[int]:
        """Poseidon hashes of many pairs of felts."""
        return _b.poseidon_batch(pairs)

    def poseidon_single(self, x: int) -> int:
        """Poseidon hash of one felt."""
        return _b.poseidon_single(x)

    def poseidon_many(self, values: Sequence[int]) -> int:
        """Poseidon sponge over felts."""
        return _b.poseidon_many(values)

    def poseidon_many_batch(self, seqs: Sequence[Sequence[int]]) -> list[int]:
        """:meth:`poseidon_many` of many sequences of felts."""
        return _b.poseidon_many_batch(seqs)

    def poseidon_permutation(self, s0: int, s1: int, s2: int) -> tuple[int, int, int]:
        """The Hades permutation of three felts."""
        return _b.poseidon_permutation(s0, s1, s2)

    def merkle_levels(self, leaves: Sequence[int], method: HashMethod) -> list[list[int]]:
        """Every level of the starknet.js Merkle tree of at least one felt leaf."""
        return _b.merkle_levels(leaves, method)

    def keccak256(self, data: bytes) -> bytes:
        """Ethereum Keccak-256 of bytes."""
        return _b.keccak256(data)

    def starknet_keccak(self, data: bytes) -> int:
        """Keccak-256 of bytes masked to 250 bits."""
        return _b.starknet_keccak(data)

    def public_key(self, priv: int) -> int:
        """Stark public key of a private key in ``[1, n)``."""
        return _b.public_key(priv)

    def sign(self, msg_hash: int, priv: int, seed: int | None) -> tuple[int, int]:
        """ECDSA signature of a message hash in ``[0, 2**251)`` by a private key in ``[1, n)``."""
        return _b.sign(msg_hash, priv, seed)

    def sign_batch(self, msg_hashes: Sequence[int], priv: int) -> list[tuple[int, int]]:
        """Signatures (starknet.js nonces) of many message hashes by one private key."""
        return _b.sign_batch(msg_hashes, priv)

    def verify(self, msg_hash: int, r: int, s: int, pub: int) -> bool:
        """ECDSA verification with in-range ``r``, ``s``, ``msg_hash`` and a felt public key."""
        return _b.verify(msg_hash, r, s, pub)

    def verify_batch(self, items: Sequence[tuple[int, int, int, int]]) -> list[bool]:
        """:meth:`verify` of many ``(msg_hash, r, s, pub)`` items."""
        return _b.verify_batch(items)

    def prepare_public_key(self, pub: int) -> object:
        """The active backend's verification table of a felt public key."""
        return _b.prepare_public_key(pub)

    def verify_prepared(self, msg_hash: int, r: int, s: int, table: object) -> bool:
        """:meth:`verify` against a table of :meth:`prepare_public_key` (same backend, same process)."""
        return _b.verify_prepared(msg_hash, r, s, table)

    def verify_batch_prepared(self, items: Sequence[tuple[int, int, int, object]]) -> list[bool]:
        """:meth:`verify_prepared` of many ``(msg_hash, r, s, table)`` items."""
        return _b.verify_batch_prepared(items)

    def session_sign_invoke_v3(self, txs: Sequence[InvokeV3HashRow], session_hash: int, cache_flag: int,
                               key1: int, key2: int) -> list[tuple[int, int, int, int, int]]:
        """Hash and session-sign many invoke v3 transactions (see :mod:`.backend`)."""
        return _b.session_sign_invoke_v3(txs, session_hash, cache_flag, key1, key2)

    def invoke_v3_hash_batch(self, txs: Sequence[InvokeV3HashRow]) -> list[int]:
        """Hashes of many invoke v3 transactions (see :mod:`.backend`)."""
        return _b.invoke_v3_hash_batch(txs)


#: The unvalidated backend functions; inputs must already be reduced felts / valid scalars.
unchecked = UncheckedBackend()


# --------------------------------------------------------------------------- validation helpers

def _int(value: object, name: str, err: type[Exception] = InvalidFieldElement) -> int:
    if type(value) is int:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise err(f"{name} must be an int, got {type(value).__name__}")


def felt(value: object, name: str = "value") -> int:
    """Return ``value`` if it is an int felt (``0 <= value < p``), else raise InvalidFieldElement."""
    if type(value) is not int:
        value = _int(value, name)
    if not 0 <= value < _P:
        raise InvalidFieldElement(f"{name} must satisfy 0 <= {name} < p (the Stark prime), got {describe_value(value)}")
    return value


def _sequence(values: Iterable[_T], name: str, err: type[Exception] = InvalidFieldElement) -> Iterable[_T]:
    """``values`` if it is a non-text iterable, else a typed error (never a bare TypeError)."""
    if isinstance(values, (str, bytes, bytearray)) or not isinstance(values, Iterable):
        raise err(f"{name} must be a sequence, got {type(values).__name__}")
    return values


def felts(values: Iterable[object], name: str = "values") -> list[int]:
    """Validate a sequence of felts; returns them as a list."""
    out: list[Any] = list(_sequence(values, name))  # ints once checked, as returned
    for i, v in enumerate(out):
        if type(v) is not int or not 0 <= v < _P:
            out[i] = felt(v, f"{name}[{i}]")
    return out


def _felt_pairs(pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Validate a sequence of ``(a, b)`` pairs of felts; returns them as a list of tuples."""
    checked = []
    for i, pair in enumerate(_sequence(pairs, "pairs")):
        try:
            a, b = pair
        except (TypeError, ValueError):
            raise InvalidFieldElement(f"pairs[{i}] must be a pair (a, b) of felts") from None
        if type(a) is not int or not 0 <= a < _P:
            a = felt(a, f"pairs[{i}][0]")
        if type(b) is not int or not 0 <= b < _P:
            b = felt(b, f"pairs[{i}][1]")
        checked.append((a, b))
    return checked


def _private_key(value: object) -> int:
    # Never put the key's value in a message.
    if type(value) is not int:
        if isinstance(value, int) and not isinstance(value, bool):
            value = int(value)
        else:
            raise InvalidPrivateKey(f"private key must be an int, got {type(value).__name__}")
    if not 1 <= value < _N:
        raise InvalidPrivateKey("private key must satisfy 1 <= key < n (the STARK curve order)")
    return value


def _msg_hash(value: object) -> int:
    value = _int(value, "msg_hash", InvalidMessageHash)
    if not 0 <= value < _M251:
        raise InvalidMessageHash(f"msg_hash must satisfy 0 <= msg_hash < 2**251, got {describe_value(value)}")
    return value


# --------------------------------------------------------------------------- Pedersen

def pedersen_hash(left: int, right: int) -> int:
    """Pedersen hash of two felts (starknet-py ``pedersen_hash``)."""
    if type(left) is not int or not 0 <= left < _P:
        left = felt(left, "left")
    if type(right) is not int or not 0 <= right < _P:
        right = felt(right, "right")
    return _b.pedersen(left, right)


def compute_hash_on_elements(data: Sequence[int]) -> int:
    """Pedersen chain with length: ``ped(...ped(ped(0, x1), x2)..., len)`` (docs/protocol.md §1.4)."""
    return _b.pedersen_chain(felts(data, "data"))


def pedersen_hash_batch(pairs: Iterable[tuple[int, int]]) -> list[int]:
    """Pedersen hashes of many ``(a, b)`` pairs in one native call."""
    return _b.pedersen_batch(_felt_pairs(pairs))


# --------------------------------------------------------------------------- Poseidon

def poseidon_hash(x: int, y: int) -> int:
    """Poseidon hash of two felts: ``hades(x, y, 2)[0]`` (starknet-py ``poseidon_hash``)."""
    if type(x) is not int or not 0 <= x < _P:
        x = felt(x, "x")
    if type(y) is not int or not 0 <= y < _P:
        y = felt(y, "y")
    return _b.poseidon(x, y)


def poseidon_hash_single(x: int) -> int:
    """Poseidon hash of one felt: ``hades(x, 0, 1)[0]``."""
    return _b.poseidon_single(felt(x, "x"))


def poseidon_hash_many(array: Sequence[int]) -> int:
    """Poseidon sponge over a sequence of felts (Cairo's ``poseidon_hash_span``)."""
    return _b.poseidon_many(felts(array, "array"))


def poseidon_permutation(state: Sequence[int]) -> tuple[int, int, int]:
    """The Hades permutation of width 3 (8 full + 83 partial rounds)."""
    s = felts(state, "state")
    if len(s) != 3:
        raise InvalidFieldElement(f"state must have exactly 3 felts, got {len(s)}")
    return _b.poseidon_permutation(s[0], s[1], s[2])


def poseidon_hash_batch(pairs: Iterable[tuple[int, int]]) -> list[int]:
    """2-input Poseidon hashes of many pairs in one native call."""
    return _b.poseidon_batch(_felt_pairs(pairs))


def poseidon_hash_many_batch(list_of_sequences: Iterable[Sequence[int]]) -> list[int]:
    """``poseidon_hash_many`` of many sequences in one native call."""
    seqs = [felts(seq, f"list_of_sequences[{i}]") for i, seq in enumerate(_sequence(list_of_sequences, "list_of_sequences"))]
    return _b.poseidon_many_batch(seqs)


# --------------------------------------------------------------------------- Keccak, selectors

def _bytes(data: object) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise InvalidFieldElement(f"data must be bytes, got {type(data).__name__}")


def keccak256(data: bytes) -> bytes:
    """Ethereum Keccak-256 (original padding, not SHA3-256): 32 bytes."""
    return _b.keccak256(_bytes(data))


def starknet_keccak(data: bytes) -> int:
    """``keccak256(data) & (2**250 - 1)`` as an int."""
    return _b.starknet_keccak(_bytes(data))


def get_selector_from_name(func_name: str) -> int:
    """Entry-point selector as starknet.js computes it: ``starknet_keccak(utf8(name))``.

    No special case for ``__default__``/``__l1_default__`` (docs/protocol.md §1.6); see
    :func:`get_selector_from_name_cairo_lang` for the cairo-lang / starknet-py rule.
    """
    if not isinstance(func_name, str):
        raise InvalidFieldElement(f"func_name must be a str, got {type(func_name).__name__}")
    try:
        data = func_name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidFieldElement("func_name is not valid Unicode (lone surrogate)") from None
    return _b.starknet_keccak(data)


def get_selector_from_name_cairo_lang(func_name: str) -> int:
    """cairo-lang / starknet-py selector: ``__default__`` and ``__l1_default__`` map to 0, ASCII only."""
    if func_name in ("__default__", "__l1_default__"):
        return 0
    if not isinstance(func_name, str) or not func_name.isascii():
        raise InvalidFieldElement("func_name must be an ASCII str")
    return _b.starknet_keccak(func_name.encode("ascii"))


# --------------------------------------------------------------------------- ECDSA

def _warn_python_signing() -> None:
    global _warned_python_signing
    name = _select().NAME  # first: selecting may itself warn, and set the flag
    if not _warned_python_signing and name == "python":
        _warned_python_signing = True
        warnings.warn(
            "xsessions_core is signing with the pure-Python backend, which is NOT constant time; "
            "build the native extension for production keys",
            RuntimeWarning,
            stacklevel=3,
        )


def private_to_stark_key(priv_key: int) -> int:
    """Public key (stark key = x coordinate of ``priv_key * G``) of a private key in ``[1, n)``."""
    d = _private_key(priv_key)
    _warn_python_signing()
    return _b.public_key(d)


def message_signature(msg_hash: int, priv_key: int, seed: int | None = None) -> tuple[int, int]:
    """ECDSA signature ``(r, s)`` of ``msg_hash`` (``0 <= msg_hash < 2**251``).

    ``seed=None`` (default): deterministic RFC 6979 nonce exactly as starknet.js
    ``ec.starkCurve.sign`` (and so x-sessions). An int ``seed``: the cairo-lang nonce with that
    extra entropy, equal to starknet-py's ``message_signature(msg_hash, key, seed)`` (whose default
    seed is 32).
    """
    z = _msg_hash(msg_hash)
    d = _private_key(priv_key)
    if seed is not None:
        seed = _int(seed, "seed")
        if seed < 0:
            raise InvalidFieldElement("seed must be a non-negative int")
    _warn_python_signing()
    return _b.sign(z, d, seed)


def _signature_pair(signature: object) -> tuple[int, int]:
    r: object
    s: object
    try:
        r, s = signature  # type: ignore[misc]  # any pair; anything else is caught below
    except (TypeError, ValueError):
        raise InvalidSignature("signature must be a pair (r, s) of ints") from None
    return _int(r, "signature r", InvalidSignature), _int(s, "signature s", InvalidSignature)


@final
class PreparedPublicKey:
    """A stark public key with its verification table precomputed, for keys that verify many
    signatures (a session key, a guardian): made by :func:`prepare_public_key`, accepted by
    :func:`verify_message_signature` and :func:`verify_message_signature_batch` in place of the
    int key, with the same verdicts.

    With the native backend the table holds 51 x 16 precomputed multiples of the key
    (:data:`PREPARED_KEY_BYTES` = 52,304 bytes): a verification costs about 0.4x one with the
    plain int key (0.3x in batches), and preparing costs about two plain verifications, so a key
    pays off from its third or fourth signature. The Python backend keeps the recovered curve
    point (no square root per verification; the same verdicts).

    Immutable, hashable and equal by key; pickles as its key alone and rebuilds its table
    lazily, on first use, in the receiving process (tables are per process and per backend).
    A key that is not the x coordinate of a curve point prepares fine and verifies nothing,
    as the int key does. Safe to share between threads.
    """

    __slots__ = ("_key", "_tables")
    _key: int
    _tables: dict[str, object]

    def __init__(self, public_key: int) -> None:
        """Wrap ``public_key`` (a felt, else :class:`~xsessions_core.errors.InvalidFieldElement`);
        the table is built on first use (:func:`prepare_public_key` builds it at once)."""
        object.__setattr__(self, "_key", felt(public_key, "public_key"))
        object.__setattr__(self, "_tables", {})

    @property
    def key(self) -> int:
        """The stark public key (x coordinate) as an int."""
        return self._key

    def backend_table(self) -> object:
        """The active backend's table for this key, built on first call for that backend.

        For layers that call ``unchecked.verify_prepared`` / ``unchecked.verify_batch_prepared``."""
        name = _b.NAME
        table = self._tables.get(name)
        if table is None:
            table = _b.prepare_public_key(self._key)
            self._tables[name] = table  # concurrent first calls build equal tables; one is kept
        return table

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("PreparedPublicKey is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("PreparedPublicKey is immutable")

    def __reduce__(self) -> tuple[type[PreparedPublicKey], tuple[int]]:
        return PreparedPublicKey, (self._key,)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PreparedPublicKey):
            return self._key == other._key
        return NotImplemented

    def __hash__(self) -> int:
        return hash((PreparedPublicKey, self._key))

    def __repr__(self) -> str:
        return f"PreparedPublicKey(0x{self._key:064x})"


def prepare_public_key(public_key: int) -> PreparedPublicKey:
    """Precompute the verification table of a stark public key (see :class:`PreparedPublicKey`).

    :raises InvalidFieldElement: if ``public_key`` is not an int in ``[0, p)`` (as
        :func:`verify_message_signature` raises for that key).
    """
    prepared = PreparedPublicKey(public_key)
    prepared.backend_table()
    return prepared


def _public_key(value: object) -> int | PreparedPublicKey:
    return value if isinstance(value, PreparedPublicKey) else felt(value, "public_key")


def _verify_args(msg_hash: object, signature: object,
                 public_key: object) -> tuple[int, int, int, int | PreparedPublicKey] | None:
    """Checks types (raising) and ranges (None = certainly invalid)."""
    z = _int(msg_hash, "msg_hash", InvalidMessageHash)
    r, s = _signature_pair(signature)
    q = _public_key(public_key)
    # cairo-lang ranges (docs/protocol.md §2.4); out of range is a well-formed but invalid signature.
    if not (0 <= z < _M251 and 1 <= r < _M251 and 1 <= s < _N):
        return None
    return z, r, s, q


def verify_message_signature(msg_hash: int, signature: Sequence[int],
                             public_key: int | PreparedPublicKey) -> bool:
    """True iff ``signature = (r, s)`` is a valid signature of ``msg_hash`` by ``public_key``.

    ``public_key`` is the stark key (x only), or that key prepared by :func:`prepare_public_key`
    (same verdict, faster); a signature made with either y is accepted (docs/protocol.md §2.4). Range
    checks are cairo-lang's: r, w = s^-1 and msg_hash in ``[0, 2**251)``, s in ``[1, n)``;
    outside them the answer is False. Non-int input raises.
    """
    args = _verify_args(msg_hash, signature, public_key)
    if args is None:
        return False
    z, r, s, q = args
    if isinstance(q, PreparedPublicKey):
        return _b.verify_prepared(z, r, s, q.backend_table())
    return _b.verify(z, r, s, q)


def message_signature_batch(msg_hashes: Iterable[int], priv_key: int) -> list[tuple[int, int]]:
    """Sign many message hashes with one key (starknet.js nonces), in one native call."""
    d = _private_key(priv_key)
    zs = [_msg_hash(z) for z in _sequence(msg_hashes, "msg_hashes", InvalidMessageHash)]
    _warn_python_signing()
    return _b.sign_batch(zs, d)


def verify_message_signature_batch(
    items: Iterable[tuple[int, Sequence[int], int | PreparedPublicKey]],
) -> list[bool]:
    """Verify many ``(msg_hash, (r, s), public_key)`` items; one bool per item, in order.

    Each ``public_key`` is an int or a :class:`PreparedPublicKey` (the two kinds may be mixed);
    items with prepared keys go to one batch call and the others to another.
    """
    plain: list[tuple[int, int, int, int]] = []
    prepared: list[tuple[int, int, int, object]] = []
    slots: list[int | None] = []  # index into plain (>= 0) or ~index into prepared (< 0)
    for i, item in enumerate(_sequence(items, "items", InvalidSignature)):
        try:
            z, sig, q = item
        except (TypeError, ValueError):
            raise InvalidSignature(f"items[{i}] must be (msg_hash, (r, s), public_key)") from None
        args = _verify_args(z, sig, q)
        if args is None:
            slots.append(None)
            continue
        z, r, s, key = args
        if isinstance(key, PreparedPublicKey):
            slots.append(~len(prepared))
            prepared.append((z, r, s, key.backend_table()))
        else:
            slots.append(len(plain))
            plain.append((z, r, s, key))
    plain_results = _b.verify_batch(plain) if plain else []
    prepared_results = _b.verify_batch_prepared(prepared) if prepared else []
    return [False if k is None else plain_results[k] if k >= 0 else prepared_results[~k] for k in slots]
