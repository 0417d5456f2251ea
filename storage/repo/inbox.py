"""The event inbox: stored before Slack is acknowledged, worked off afterwards, exactly once.

Claiming uses `FOR UPDATE SKIP LOCKED` on PostgreSQL so workers never wait on each other's rows;
SQLite has one writer at a time (our transactions begin IMMEDIATE), which gives the same result.
A claim is a lease: rows held by a worker that died are claimable again once the lease is over.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from storage import models as m
from storage.arguments import (
    ChannelId,
    EventId,
    InboxItemId,
    InboxKind,
    JsonObject,
    Limit,
    MessageTs,
    Seconds,
    TeamId,
    WorkerId,
)
from storage.errors import InvalidInput, NotFound
from storage.records import InboxItem
from storage.repo.base import StoreBase

PENDING, CLAIMED, DONE, FAILED = "pending", "claimed", "done", "failed"


class InboxRepo(StoreBase):
    inbox_max_attempts = 5
    inbox_retry_seconds = 30.0  # first retry delay; doubles per attempt

    def inbox_put(
        self,
        event_id: EventId,
        *,
        team_id: TeamId | None,
        kind: InboxKind,
        payload: JsonObject,
        channel_id: ChannelId | None = None,
        ts: MessageTs | None = None,
    ) -> bool:
        """Insert unless this event (or, when channel_id+ts are given, this message) is known.

        Pass channel_id and ts only for message events: they make a message one row however
        many event ids Slack sends for it. Returns True when the event is new.
        """
        if not event_id:
            raise InvalidInput("an inbox event needs an event id")
        if (channel_id is None) != (ts is None):
            raise InvalidInput("give both channel_id and ts, or neither")
        now = self.now()
        with self._tx() as s:
            return self._insert_if_new(
                s,
                m.InboxEvent,
                dict(
                    event_id=event_id,
                    team_id=team_id,
                    kind=kind,
                    payload=payload,
                    channel_id=channel_id,
                    message_ts=ts,
                    status=PENDING,
                    attempts=0,
                    available_at=now,
                    created_at=now,
                ),
            )

    def inbox_claim(
        self, worker_id: WorkerId, limit: Limit = 10, lease_seconds: Seconds = 300.0
    ) -> list[InboxItem]:
        """Claim up to `limit` rows, oldest first, for `lease_seconds`."""
        now = self.now()
        ev = m.InboxEvent
        with self._tx() as s:
            # Rows whose worker died too often are given up on, with a reason.
            s.execute(
                update(ev)
                .where(
                    ev.status == CLAIMED,
                    ev.lease_until < now,
                    ev.attempts >= self.inbox_max_attempts,
                )
                .values(status=FAILED, last_error="gave up: the worker's lease ran out each time")
            )
            rows = s.scalars(
                select(ev)
                .where(
                    or_(
                        and_(ev.status == PENDING, ev.available_at <= now),
                        and_(ev.status == CLAIMED, ev.lease_until < now),
                    )
                )
                .order_by(ev.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            lease = now + timedelta(seconds=lease_seconds)
            for row in rows:
                row.status, row.claimed_by, row.lease_until = CLAIMED, worker_id, lease
                row.attempts += 1
            s.flush()
            return [
                InboxItem(
                    id=r.id,
                    event_id=r.event_id,
                    team_id=r.team_id,
                    kind=r.kind,
                    payload=dict(r.payload or {}),
                    channel_id=r.channel_id,
                    ts=r.message_ts,
                    attempts=r.attempts,
                    created_at=r.created_at,
                )
                for r in rows
            ]

    def inbox_extend(
        self, item_ids: list[int], worker_id: WorkerId, lease_seconds: Seconds = 300.0
    ) -> list[int]:
        """Heartbeat: renew the lease on rows `worker_id` still holds; returns those ids.

        A row whose lease already ran out and was claimed by another worker is not taken back.
        """
        if not item_ids:
            return []
        ev = m.InboxEvent
        with self._tx() as s:
            result = s.execute(
                update(ev)
                .where(ev.id.in_(item_ids), ev.status == CLAIMED, ev.claimed_by == worker_id)
                .values(lease_until=self.now() + timedelta(seconds=lease_seconds))
                .returning(ev.id)
            )
            return sorted(result.scalars().all())

    def inbox_note(self, item_id: InboxItemId, values: dict[str, Any]) -> dict[str, Any]:
        """Merge `values` into the row's payload, so a retry after a crash knows what an earlier
        attempt already did (e.g. the message it posted). Returns the new payload."""
        with self._tx() as s:
            row = s.get(m.InboxEvent, item_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no inbox item {item_id}")
            row.payload = {**(row.payload or {}), **values}
            s.flush()
            return dict(row.payload)

    def inbox_done(self, item_id: InboxItemId, *, worker_id: WorkerId) -> bool:
        """Mark the row done if `worker_id` still holds its claim; False (nothing changed) when
        its lease ran out and another worker claimed it, or it is no longer claimed."""
        with self._tx() as s:
            row = self._held_row(s, item_id, worker_id)
            if row is None:
                return False
            row.status, row.done_at, row.lease_until = DONE, self.now(), None
            return True

    def inbox_failed(
        self, item_id: InboxItemId, error: str, retry: bool, *, worker_id: WorkerId
    ) -> bool:
        """Record the error; retry later (backing off) unless out of attempts or `retry` is off.

        Only while `worker_id` holds the claim: False (nothing changed) otherwise."""
        with self._tx() as s:
            row = self._held_row(s, item_id, worker_id)
            if row is None:
                return False
            row.last_error, row.lease_until = error[:4000], None
            if retry and row.attempts < self.inbox_max_attempts:
                delay = self.inbox_retry_seconds * 2 ** max(row.attempts - 1, 0)
                row.status, row.available_at = PENDING, self.now() + timedelta(seconds=delay)
            else:
                row.status = FAILED
            return True

    @staticmethod
    def _held_row(s: Session, item_id: int, worker_id: str) -> m.InboxEvent | None:
        """The row, locked, if `worker_id` holds its claim (a lapsed lease nobody took counts:
        the work was done); NotFound if there is no such row."""
        row = s.get(m.InboxEvent, item_id, with_for_update=True)
        if row is None:
            raise NotFound(f"no inbox item {item_id}")
        if row.status != CLAIMED or row.claimed_by != worker_id:
            return None
        return row

    def inbox_pending_count(self) -> int:
        """Rows not yet done or given up on (pending, claimed, or waiting to retry)."""
        with self._tx(write=False) as s:
            count = s.scalar(
                select(func.count())
                .select_from(m.InboxEvent)
                .where(m.InboxEvent.status.in_((PENDING, CLAIMED)))
            )
            return count or 0

    def inbox_status(self, event_id: EventId) -> dict[str, Any] | None:
        """Status, attempts and last error of one event (for tests and operators)."""
        with self._tx(write=False) as s:
            row = s.scalars(select(m.InboxEvent).where(m.InboxEvent.event_id == event_id)).first()
            if row is None:
                return None
            return {"status": row.status, "attempts": row.attempts, "error": row.last_error}
