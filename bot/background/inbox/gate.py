"""Storing a job, inside the request and before the ack; handing rows to the worker.

Insert-if-new on the event's key (Slack's `event_id`; for messages also channel + ts, so the same
message delivered under two event ids counts once): a retried delivery of a stored event is
acknowledged and has no effect. The row carries the job's kind and lane.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from typing import Any

from bot.background.jobs import JobBase, dump_job
from storage import Store
from storage.records import InboxItem

log = logging.getLogger(__name__)

_HOST = socket.gethostname()
_MINE: set[str] = set()  # the worker ids this process made (the others are not ours)


def worker_id() -> str:
    """Host, process id and a random part, joined by colons: enough for a process starting on
    the same host to tell the claims of its dead predecessor (see `dead_claimants`) from those
    of a live neighbour."""
    made = f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    _MINE.add(made)
    return made


def dead_claimants(claimants: list[str]) -> list[str]:
    """Of the workers holding claims, those known to be dead: on this host, made by a process
    that is gone, or by an earlier process with our own pid (a restarted container is pid 1
    again). Workers elsewhere are left to their lease: we cannot know."""
    dead = []
    for claimant in claimants:
        host, _, rest = claimant.partition(":")
        pid_text = rest.partition(":")[0]
        if host != _HOST or not pid_text.isdigit() or claimant in _MINE:
            continue
        pid = int(pid_text)
        if pid == os.getpid() or not _alive(pid):
            dead.append(claimant)
    return dead


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


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
        job: JobBase,
        *,
        key: str,
        channel_id: str | None = None,
        message_ts: str | None = None,
    ) -> bool:
        """Store the job; False when its key was already stored (a retry): then nothing happens.
        `channel_id` + `message_ts` only for a message, which is one row however delivered."""
        new: bool = self.store.inbox_put(
            key,
            team_id=job.actor.team_id or None,
            kind=job.kind,
            lane=job.lane,
            payload=dump_job(job),
            channel_id=channel_id,
            ts=message_ts,
        )
        if new:
            for callback in self._listeners:
                callback()
        return new

    # --- the worker's side (bot.background.inbox.worker.InboxPort) ---

    def recover(self) -> int:
        """At start: take back at once the claims of this host's dead processes (a crash), so
        their rows, the heads of their lanes, run now instead of after the lease."""
        released: int = self.store.inbox_release(dead_claimants(self.store.inbox_claimants()))
        if released:
            log.info("took back %d inbox row(s) claimed by a process that is gone", released)
        return released

    def claim(
        self,
        limit: int,
        kinds: frozenset[str] | None = None,
        except_kinds: frozenset[str] | None = None,
        lanes: int | None = None,
    ) -> list[InboxItem]:
        items: list[InboxItem] = self.store.inbox_claim(
            self.worker_id,
            limit,
            self.lease_seconds,
            kinds=kinds,
            except_kinds=except_kinds,
            lanes=lanes,
        )
        return items

    def extend(self, item_ids: list[int]) -> None:
        """Rows still being worked on stay ours (slow model calls outlast a lease)."""
        self.store.inbox_extend(item_ids, self.worker_id, self.lease_seconds)

    def note(self, item_id: int, **values: Any) -> None:
        """Remember on the row what this attempt did (a posted message, a created record), so
        the attempt after a crash reuses it instead of doing it again."""
        self.store.inbox_note(item_id, values)

    def unclaim(self, item_ids: list[int]) -> None:
        """Claimed rows not started, given back (an older row of their lane waits to retry)."""
        self.store.inbox_unclaim(item_ids, self.worker_id)

    def done(self, item_id: int) -> bool:
        """False when this worker no longer holds the row (its lease ran out and another worker
        claimed it): that worker's outcome stands."""
        held: bool = self.store.inbox_done(item_id, worker_id=self.worker_id)
        return held

    def failed(self, item_id: int, error: str, retry: bool = False) -> bool:
        """Recorded only while this worker holds the row; False otherwise (see `done`)."""
        held: bool = self.store.inbox_failed(item_id, error, retry, worker_id=self.worker_id)
        return held
