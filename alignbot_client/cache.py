"""Templates in process memory: fresh for `ttl`, then served stale while one background
request revalidates them with If-None-Match (stale-while-revalidate)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from alignbot_client.template import Template

Key = tuple[str, str | None, int | None]  # name, label, version


@dataclass
class Entry:
    template: Template
    etag: str | None
    fetched_at: float


class TemplateCache:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._entries: dict[Key, Entry] = {}
        self._refreshing: set[Key] = set()
        self._lock = threading.Lock()

    def get(self, key: Key) -> Entry | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: Key, template: Template, etag: str | None) -> None:
        with self._lock:
            self._entries[key] = Entry(template, etag, self.clock())

    def touch(self, key: Key) -> None:
        """A 304: the cached copy is current again."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.fetched_at = self.clock()

    def is_fresh(self, entry: Entry, ttl: float) -> bool:
        return self.clock() - entry.fetched_at < ttl

    def start_refresh(self, key: Key) -> bool:
        """True for the one caller that should refresh `key` now (single flight)."""
        with self._lock:
            if key in self._refreshing:
                return False
            self._refreshing.add(key)
            return True

    def end_refresh(self, key: Key) -> None:
        with self._lock:
            self._refreshing.discard(key)
