"""Fault injection for the Web API: the next call(s) of a method fail the way Slack fails."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    method: str  # "chat.postMessage", or "*" for any method
    status: int = 429
    retry_after: int | None = 1
    error: str | None = None  # for status 200: an `{"ok": false, "error": …}` answer
    remaining: int = 1


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[Fault] = []
        self.fired: list[tuple[str, int]] = []  # (method, status) of each injected failure

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._queue.append(fault)

    def take(self, method: str) -> Fault | None:
        """The fault to apply to this call of `method`, if one is queued (consumes one use)."""
        with self._lock:
            for fault in self._queue:
                if fault.method in (method, "*"):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._queue.remove(fault)
                    self.fired.append((method, fault.status))
                    return fault
            return None

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
