"""A small in-process cache whose entries live `ttl` seconds (thread-safe, bounded)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    def __init__(
        self, ttl: float, *, max_items: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_items = max_items
        self.clock = clock
        self._items: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        found = self._items.get(key)  # a dict read is atomic: no lock on the hot path
        if found is None or found[0] <= self.clock():
            return None
        return found[1]

    def put(self, key: K, value: V) -> None:
        with self._lock:
            if len(self._items) >= self.max_items:
                self._items.clear()  # crude, but bounded; entries come back on the next miss
            self._items[key] = (self.clock() + self.ttl, value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
