"""Thread-safe LRU memo of the relayer's verifier, bounded in entries and in bytes.

The verifier memoises hashes (sessions, Merkle leaves, proof checks), verified authorisation
signatures and authorisation outcomes. A memo is never needed for a correct verdict: a miss
recomputes, and the verifier pins what it read from a memo during one verification, so an
eviction by another request or thread cannot change a verdict.

Every entry is charged :func:`entry_cost` bytes: :data:`ENTRY_OVERHEAD` plus :data:`FELT_COST`
per integer in its key and value. Both constants are upper bounds of CPython 3.11 on 64-bit
(an int below 2**252 takes 60 bytes, plus an 8-byte tuple slot; the ``OrderedDict`` node, the key
tuple header and the hash-table slot stay below 256 bytes). When an insertion takes a cache over
its entry or byte limit, the least recently used entries go first.

Worst-case memory of the verifier's caches (the sum of their byte limits, see
:mod:`xsessions_core.relayer.memos`): 8 MiB (session hashes) + 8 MiB (Merkle leaves) + 16 MiB
(proof checks) + 16 MiB (authorisation signatures) + 32 MiB (authorisation outcomes) = 80 MiB,
whatever the traffic. Items longer than a cache's ``max_item_felts`` are not memoised at all.
The verifier's memo of node-spelled felt strings (``parsing._NODE_FELTS``: at most 32,768 strings
of at most 65 characters with their values, about 280 bytes each) adds at most 9 MiB, and the
GUID memo of :mod:`.types` (16,384 signers of at most 8 felts) at most 14 MiB, and the prepared
public keys of :mod:`.keycache` at most 16 MiB by default: the relayer's memos never hold more than
about 119 MiB.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

__all__ = ["BoundedCache", "entry_cost", "ENTRY_OVERHEAD", "FELT_COST"]

#: Bytes charged per entry besides its integers.
ENTRY_OVERHEAD = 256
#: Bytes charged per integer (felt) of a key or value.
FELT_COST = 72


def entry_cost(felts: int) -> int:
    """Bytes charged for an entry holding ``felts`` integers in its key and value."""
    return ENTRY_OVERHEAD + FELT_COST * felts


class BoundedCache:
    """A thread-safe LRU memo with an entry limit and a byte limit.

    :param max_entries: most entries kept.
    :param max_bytes: most bytes kept, as charged by :func:`entry_cost`.
    :param max_item_felts: entries with more integers than this are not stored.

    Keys must be (nested) tuples of ints and strs: their hash and equality run in C, so every
    ``OrderedDict`` operation is atomic under the GIL and :meth:`get` needs no lock (a key evicted
    by another thread between its lookup and its move to the end is simply not moved).
    """

    __slots__ = ("_data", "_lock", "max_entries", "max_bytes", "max_item_felts", "_bytes")

    def __init__(self, max_entries: int, max_bytes: int, max_item_felts: int) -> None:
        self._data: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_item_felts = max_item_felts
        self._bytes = 0

    def get(self, key: Any) -> Any:
        """The value stored under ``key`` (now the most recently used), or ``None``."""
        hit = self._data.get(key)
        if hit is None:
            return None
        try:
            self._data.move_to_end(key)
        except KeyError:  # evicted meanwhile by another thread
            pass
        return hit[0]

    def put(self, key: Any, value: Any, felts: int) -> None:
        """Store ``value`` under ``key``; ``felts`` is the number of integers they hold."""
        if felts > self.max_item_felts:
            return
        cost = entry_cost(felts)
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._data[key] = (value, cost)
            self._bytes += cost
            while len(self._data) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, evicted) = self._data.popitem(last=False)
                self._bytes -= evicted

    @property
    def bytes_used(self) -> int:
        """Bytes charged for the current entries."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._data.clear()
            self._bytes = 0
