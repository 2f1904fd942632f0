"""The one cache kgpub keeps answers in: least recently used, bounded in bytes.

Every cache in kgpub (rendered pages, the WSGI response cache, SPARQL answers) is a
:class:`ByteBoundedCache`: a thread-safe wrapper around ``cachetools.LRUCache`` whose size
is the sum of its values' sizes in bytes, so a setting caps memory rather than a count of
entries of unknown size. A value larger than the whole bound is simply not kept.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar, runtime_checkable

from cachetools import LRUCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: What one entry costs beyond its value (key tuple, dict slot, LRU links), roughly.
ENTRY_OVERHEAD = 200


@runtime_checkable
class Sized(Protocol):
    """A value that knows how many bytes it holds (e.g. a rendered page)."""

    @property
    def nbytes(self) -> int: ...


def size_of(value: object) -> int:
    """Bytes a cached value holds: its own count where it keeps one, else an estimate."""
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value)
    if isinstance(value, str):
        return len(value)
    counted = getattr(value, "nbytes", None)  # a Sized value; the protocol's isinstance is slow
    if isinstance(counted, int):
        return counted
    if isinstance(value, tuple | list):
        return sum(size_of(item) for item in value) + 8 * len(value)
    return sys.getsizeof(value)


class ByteBoundedCache(Generic[K, V]):
    """A thread-safe LRU cache that holds at most ``max_bytes`` of values.

    ``max_bytes`` of 0 turns the cache off (nothing is kept). Hits and misses are counted
    for the benchmarks and tests.
    """

    def __init__(self, max_bytes: int, sizeof: Callable[[V], int] = size_of) -> None:
        self.max_bytes = max(0, max_bytes)
        self._sizeof = sizeof
        self._lru: LRUCache[K, V] = LRUCache(
            maxsize=max(1, self.max_bytes), getsizeof=self._entry_size
        )
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _entry_size(self, value: V) -> int:
        return self._sizeof(value) + ENTRY_OVERHEAD

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._lru.get(key)
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
            return value

    def put(self, key: K, value: V) -> bool:
        """Keep ``value`` (evicting the least recently used); False if it alone is too big."""
        if self.max_bytes == 0 or self._entry_size(value) > self.max_bytes:
            return False
        with self._lock:
            self._lru[key] = value
        return True

    def get_or_create(self, key: K, create: Callable[[], V]) -> V:
        """The cached value, or ``create()``'s, kept for next time (created outside the lock)."""
        found = self.get(key)
        if found is not None:
            return found
        value = create()
        self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._lru.clear()

    @property
    def nbytes(self) -> int:
        """The bytes the kept values count for now (never above ``max_bytes``)."""
        return int(self._lru.currsize)

    def __len__(self) -> int:
        return len(self._lru)

    def __contains__(self, key: object) -> bool:
        return key in self._lru
