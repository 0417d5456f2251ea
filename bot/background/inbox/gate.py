"""Storing an incoming event, inside the request and before the ack; handing rows to the worker.

Insert-if-new on the event's key (Slack's `event_id`; for messages also channel + ts, so the same
message delivered under two event ids counts once): a retried delivery of a stored event is
acknowledged and has no effect.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from typing import Any

from storage import Store
from storage.records import InboxItem


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Inbox:
    def __init__(self, store: Store, *, lease_seconds: float = 60.0) -> None:
        self.store = store
        self.lease_seconds = lease_seconds
        self.worker_id = worker_id()
        self._listeners: list[Callable[[], None]] = []

    def on_new(self, callback: Callable[[], None]) -> None:
        """E.g. the worker's notify: new rows are picked up at once instead of at the next poll."""
        self._listeners.append(callback)

    def put(
        self,
        *,
        key: str,
        kind: str,
        payload: dict[str, Any],
        team_id: str | None = None,
        channel_id: str | None = None,
        message_ts: str | None = None,
    ) -> bool:
        """Store the event; False when it was already stored (a retry): then nothing happens."""
        new = self.store.inbox_put(
            key,
            team_id=team_id,
            kind=kind,
            payload=payload,
            channel_id=channel_id,
            ts=message_ts,
        )
        if new:
            for callback in self._listeners:
                callback()
        return new

    # --- the worker's side (bot.background.inbox.worker.InboxPort) ---

    def claim(self, limit: int) -> list[InboxItem]:
        return self.store.inbox_claim(self.worker_id, limit, self.lease_seconds)

    def extend(self, item_ids: list[int]) -> None:
        """Rows still being worked on stay ours (slow model calls outlast a lease)."""
        self.store.inbox_extend(item_ids, self.worker_id, self.lease_seconds)

    def note(self, item_id: int, **values: Any) -> None:
        """Remember on the row what this attempt did (a posted message, a created record), so
        the attempt after a crash reuses it instead of doing it again."""
        self.store.inbox_note(item_id, values)

    def done(self, item_id: int) -> bool:
        """False when this worker no longer holds the row (its lease ran out and another worker
        claimed it): that worker's outcome stands."""
        return self.store.inbox_done(item_id, worker_id=self.worker_id)

    def failed(self, item_id: int, error: str, retry: bool = False) -> bool:
        """Recorded only while this worker holds the row; False otherwise (see `done`)."""
        return self.store.inbox_failed(item_id, error, retry, worker_id=self.worker_id)
