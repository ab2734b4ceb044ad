"""The verifier's cache of prepared public keys: a thread-safe LRU bounded in bytes.

A relayer verifies many signatures made by the same few Stark keys (a session key, the account's
guardian). :func:`verify_batch` verifies ``(msg_hash, r, s, public_key)`` items like the active
backend's ``verify_batch`` and gives the same answers, but verifies a key it has seen before with
that key's precomputed table (:func:`xsessions_core.crypto.prepare_public_key`, about 0.4x the
cost of a plain verification; preparing costs about two plain verifications):

* the first use of a key is a plain verification, and is only counted: the counter of keys seen
  once is itself a bounded LRU (:attr:`PreparedKeyLimits.max_counted_keys` keys, default 1,024);
* the second use prepares the key (for the active backend) and stores it in the LRU; that use and
  every later one verify with the table;
* an insertion over the byte limit evicts the least recently used keys; an evicted key is counted
  again and prepared again on its next second use. Eviction never changes an answer: a prepared
  and a plain verification agree on every input, and a batch holds the tables it verifies with.

Memory: a key is charged :data:`BYTES_PER_KEY` = 53,328 bytes (the native table,
:data:`~xsessions_core.crypto.PREPARED_KEY_BYTES` = 52,304 bytes, plus 1,024 bytes for the Python
objects and the LRU node; the Python backend's table, a curve point, is smaller and charged the
same), a counted key :data:`BYTES_PER_COUNTED_KEY` = 328 bytes. The default limit,
:data:`DEFAULT_MAX_BYTES` = 16 MiB, covers both: 1,024 counted keys (328 KiB) and
(16 MiB - 328 KiB) // 53,328 = **308 prepared keys**.

Configure with :func:`configure_prepared_keys` (process wide; ``max_bytes=0`` turns the cache off,
every verification is then plain); :func:`prepared_key_stats` reports its use.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from ..crypto import PREPARED_KEY_BYTES, PreparedPublicKey, unchecked
from ..errors import SessionError, describe_value

__all__ = [
    "BYTES_PER_KEY",
    "BYTES_PER_COUNTED_KEY",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_COUNTED_KEYS",
    "PreparedKeyLimits",
    "PreparedKeyStats",
    "configure_prepared_keys",
    "prepared_key_limits",
    "prepared_key_stats",
    "clear_prepared_keys",
    "verify_batch",
]

#: Bytes charged per prepared key: the native table plus the Python objects holding it.
BYTES_PER_KEY = PREPARED_KEY_BYTES + 1024
#: Bytes charged per key of the use counter (an int key in an ``OrderedDict`` node, as
#: :func:`.cache.entry_cost` charges one felt).
BYTES_PER_COUNTED_KEY = 256 + 72
#: Default byte limit of the cache (prepared keys and use counter together).
DEFAULT_MAX_BYTES = 16 << 20
#: Default number of keys the use counter remembers.
DEFAULT_MAX_COUNTED_KEYS = 1024


def _size(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SessionError(f"{name} must be a non-negative int, got {describe_value(value)}")
    return int(value)


@dataclass(frozen=True)
class PreparedKeyLimits:
    """Limits of the prepared-key cache.

    :param max_bytes: bytes for prepared keys and the use counter together (0: no cache).
    :param max_counted_keys: keys seen once that the use counter remembers; must fit in
        ``max_bytes`` at :data:`BYTES_PER_COUNTED_KEY` each.
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    max_counted_keys: int = DEFAULT_MAX_COUNTED_KEYS

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_bytes", _size(self.max_bytes, "max_bytes"))
        object.__setattr__(self, "max_counted_keys", _size(self.max_counted_keys, "max_counted_keys"))
        if self.max_counted_keys * BYTES_PER_COUNTED_KEY > self.max_bytes:
            object.__setattr__(self, "max_counted_keys", self.max_bytes // BYTES_PER_COUNTED_KEY)

    @property
    def max_keys(self) -> int:
        """Prepared keys that fit beside a full use counter."""
        return (self.max_bytes - self.max_counted_keys * BYTES_PER_COUNTED_KEY) // BYTES_PER_KEY


@dataclass(frozen=True)
class PreparedKeyStats:
    """Counters of the prepared-key cache since the last :func:`clear_prepared_keys`.

    :ivar keys: prepared keys held now.
    :ivar counted: keys seen once held by the use counter now.
    :ivar prepared: keys prepared (a key evicted and prepared again counts twice).
    :ivar evicted: prepared keys evicted.
    :ivar prepared_verifications: verifications made with a table.
    :ivar plain_verifications: verifications made with the int key.
    """

    keys: int
    counted: int
    prepared: int
    evicted: int
    prepared_verifications: int
    plain_verifications: int


_Key = tuple[str, int]  # (backend name, public key)


class _PreparedKeys:
    """The LRU of prepared keys and the LRU use counter, under one lock (held for dict work only;
    tables are built outside it: two threads may build the same table, one is kept)."""

    def __init__(self, limits: PreparedKeyLimits) -> None:
        self._lock = threading.Lock()
        self._keys: OrderedDict[_Key, PreparedPublicKey] = OrderedDict()
        self._counted: OrderedDict[_Key, None] = OrderedDict()
        self.limits = limits
        self._prepared = self._evicted = self._with_table = self._plain = 0

    def table(self, backend: str, pub: int) -> object | None:
        """The table to verify with ``pub`` now, or ``None`` for a plain verification."""
        key = (backend, pub)
        hit: PreparedPublicKey | None
        with self._lock:
            hit = self._keys.get(key)
            if hit is not None:
                self._keys.move_to_end(key)
                self._with_table += 1
            elif self.limits.max_keys == 0 or key not in self._counted:
                if self.limits.max_counted_keys:
                    self._counted[key] = None
                    while len(self._counted) > self.limits.max_counted_keys:
                        self._counted.popitem(last=False)
                self._plain += 1
                return None
            else:
                del self._counted[key]
        if hit is not None:
            return hit.backend_table()  # built before it was stored
        prepared = PreparedPublicKey(pub)
        table = prepared.backend_table()
        with self._lock:
            self._keys[key] = prepared
            self._prepared += 1
            self._with_table += 1
            while len(self._keys) > self.limits.max_keys:
                self._keys.popitem(last=False)
                self._evicted += 1
        return table

    def stats(self) -> PreparedKeyStats:
        with self._lock:
            return PreparedKeyStats(len(self._keys), len(self._counted), self._prepared, self._evicted,
                                    self._with_table, self._plain)

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()
            self._counted.clear()
            self._prepared = self._evicted = self._with_table = self._plain = 0


_cache = _PreparedKeys(PreparedKeyLimits())


def configure_prepared_keys(max_bytes: int = DEFAULT_MAX_BYTES, *,
                            max_counted_keys: int = DEFAULT_MAX_COUNTED_KEYS) -> PreparedKeyLimits:
    """Set the limits of the verifier's prepared-key cache (process wide) and empty it.

    :param max_bytes: bytes for prepared keys (:data:`BYTES_PER_KEY` each) and the use counter
        (:data:`BYTES_PER_COUNTED_KEY` per key) together; ``0`` turns the cache off.
    :param max_counted_keys: keys seen once that are remembered (capped to what ``max_bytes`` holds).
    :return: the limits now in force (:attr:`PreparedKeyLimits.max_keys` prepared keys).
    :raises SessionError: a limit that is not a non-negative int.
    """
    global _cache
    limits = PreparedKeyLimits(max_bytes, max_counted_keys)
    _cache = _PreparedKeys(limits)
    return limits


def prepared_key_limits() -> PreparedKeyLimits:
    """The limits in force."""
    return _cache.limits


def prepared_key_stats() -> PreparedKeyStats:
    """What the cache holds and has done since it was configured or cleared."""
    return _cache.stats()


def clear_prepared_keys() -> None:
    """Forget every prepared and counted key (the limits stay)."""
    _cache.clear()


def verify_batch(items: Sequence[tuple[int, int, int, int]]) -> list[bool]:
    """The active backend's ``verify_batch(items)`` (same domains, same answers), verifying items
    whose key was used before with its prepared table."""
    b = unchecked
    cache = _cache
    if not items:
        return []
    if cache.limits.max_keys == 0:
        return b.verify_batch(items)
    name = b.name
    plain: list[tuple[int, int, int, int]] = []
    prepared: list[tuple[int, int, int, object]] = []
    slots: list[int] = []  # index into plain (>= 0) or ~index into prepared (< 0)
    for z, r, s, pub in items:
        table = cache.table(name, pub)
        if table is None:
            slots.append(len(plain))
            plain.append((z, r, s, pub))
        else:
            slots.append(~len(prepared))
            prepared.append((z, r, s, table))
    plain_results = b.verify_batch(plain) if plain else []
    prepared_results = b.verify_batch_prepared(prepared) if prepared else []
    return [plain_results[k] if k >= 0 else prepared_results[~k] for k in slots]
