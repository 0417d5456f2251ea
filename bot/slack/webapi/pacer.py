"""Per-channel pacing: Slack allows about one message per second per channel.

Waiting here, before the call, keeps bursts (a proposal plus its thread replies, a digest to many
templates) from turning into 429s. Threads for different channels never wait on each other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class ChannelPacer:
    def __init__(
        self,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}

    def reserve(self, channel: str) -> float:
        """Book the channel's next slot; returns how long the caller must wait for it."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(channel, now))
            self._next_slot[channel] = slot + self.interval
            return slot - now

    def wait(self, channel: str) -> float:
        delay = self.reserve(channel)
        if delay > 0:
            self._sleep(delay)
        return delay
