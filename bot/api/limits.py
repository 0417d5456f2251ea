"""The API's limits: request bodies (413, by bot.body_limit), requests per token (429 with
Retry-After)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ApiLimits:
    max_body_bytes: int = 1_000_000
    max_batch: int = 100  # runs per POST /runs
    requests_per_minute: int = 1200  # per token, sustained
    burst: int = 200  # per token, at once


class RateLimiter:
    """A token bucket per API token, in this process (each instance limits on its own)."""

    def __init__(
        self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}  # token id -> (level, at)
        self._lock = threading.Lock()

    def take(self, key: int) -> float:
        """0 when allowed; otherwise the seconds until the next request would be."""
        now = self.clock()
        with self._lock:
            level, at = self._buckets.get(key, (self.burst, now))
            level = min(self.burst, level + (now - at) * self.rate)
            if level >= 1.0:
                self._buckets[key] = (level - 1.0, now)
                return 0.0
            self._buckets[key] = (level, now)
            return (1.0 - level) / self.rate

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
