"""The event inbox: stored before Slack is acknowledged, worked off afterwards, exactly once.

Claiming uses `FOR UPDATE SKIP LOCKED` on PostgreSQL so workers never wait on each other's rows;
SQLite has one writer at a time (our transactions begin IMMEDIATE), which gives the same result.
A claim is a lease: rows held by a worker that died are claimable again once the lease is over,
or at once when a process knows their worker is dead (`inbox_release`).

Rows of one *lane* (one run's thread, one proposal) are claimed one at a time, oldest first: a
row is claimable only while no older row of its lane is unfinished (pending, waiting to retry, or
claimed), so the lane's order holds across workers and instances, and across crashes.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from storage import models as m
from storage.errors import InvalidInput, NotFound
from storage.records import InboxItem
from storage.repo import convert
from storage.repo.base import StoreBase

PENDING, CLAIMED, DONE, FAILED = "pending", "claimed", "done", "failed"


class InboxRepo(StoreBase):
    inbox_max_attempts = 5
    inbox_retry_seconds = 30.0  # first retry delay; doubles per attempt

    def inbox_put(
        self,
        event_id: str,
        *,
        team_id: str | None,
        kind: str,
        payload: dict[str, Any],
        lane: str | None = None,
        channel_id: str | None = None,
        ts: str | None = None,
    ) -> bool:
        """Insert unless this event (or, when channel_id+ts are given, this message) is known.

        Pass channel_id and ts only for message events: they make a message one row however
        many event ids Slack sends for it. Rows with the same `lane` run one at a time in the
        order they were stored; `None` is a lane of its own. Returns True when the event is new.
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
                    lane=lane,
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
        self,
        worker_id: str,
        limit: int = 10,
        lease_seconds: float = 300.0,
        *,
        kinds: Collection[str] | None = None,
        except_kinds: Collection[str] | None = None,
    ) -> list[InboxItem]:
        """Claim up to `limit` rows, oldest first, for `lease_seconds`: only the head of each
        lane; only rows of `kinds`, or of kinds other than `except_kinds`, when given (a worker
        with no room for model work leaves it to others, while an older row of any kind still
        holds back its lane)."""
        now = self.now()
        ev = m.InboxEvent
        older = aliased(m.InboxEvent)
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
            blocked = exists().where(
                older.lane == ev.lane, older.id < ev.id, older.status.in_((PENDING, CLAIMED))
            )
            query = select(ev).where(
                or_(
                    and_(ev.status == PENDING, ev.available_at <= now),
                    and_(ev.status == CLAIMED, ev.lease_until < now),
                ),
                or_(ev.lane.is_(None), ~blocked),
            )
            if kinds is not None:
                query = query.where(ev.kind.in_(sorted(kinds)))
            if except_kinds:
                query = query.where(ev.kind.not_in(sorted(except_kinds)))
            rows = s.scalars(
                query.order_by(ev.id).limit(limit).with_for_update(skip_locked=True)
            ).all()
            lease = now + timedelta(seconds=lease_seconds)
            for row in rows:
                row.status, row.claimed_by, row.lease_until = CLAIMED, worker_id, lease
                row.attempts += 1
            s.flush()
            return [convert.inbox_item(r) for r in rows]

    def inbox_claimants(self) -> list[str]:
        """The workers that hold claims now (a starting process looks for its dead ones)."""
        ev = m.InboxEvent
        with self._tx(write=False) as s:
            held = s.scalars(select(ev.claimed_by).where(ev.status == CLAIMED).distinct()).all()
            return sorted(h for h in held if h)

    def inbox_release(self, worker_ids: Collection[str]) -> int:
        """Give back at once the claims of workers known to be dead (their process is gone): the
        rows are claimable now instead of when the lease runs out. Returns how many."""
        if not worker_ids:
            return 0
        ev = m.InboxEvent
        with self._tx() as s:
            result = s.execute(
                update(ev)
                .where(ev.status == CLAIMED, ev.claimed_by.in_(sorted(worker_ids)))
                .values(status=PENDING, claimed_by=None, lease_until=None, available_at=self.now())
                .returning(ev.id)
            )
            return len(result.scalars().all())

    def inbox_extend(
        self, item_ids: list[int], worker_id: str, lease_seconds: float = 300.0
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

    def inbox_note(self, item_id: int, values: dict[str, Any]) -> dict[str, Any]:
        """Merge `values` into the row's notes, so a retry after a crash knows what an earlier
        attempt already did (e.g. the message it posted). Returns the new notes."""
        with self._tx() as s:
            row = s.get(m.InboxEvent, item_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no inbox item {item_id}")
            row.notes = {**(row.notes or {}), **values}
            s.flush()
            return dict(row.notes)

    def inbox_done(self, item_id: int, *, worker_id: str) -> bool:
        """Mark the row done if `worker_id` still holds its claim; False (nothing changed) when
        its lease ran out and another worker claimed it, or it is no longer claimed."""
        with self._tx() as s:
            row = self._held_row(s, item_id, worker_id)
            if row is None:
                return False
            row.status, row.done_at, row.lease_until = DONE, self.now(), None
            return True

    def inbox_failed(self, item_id: int, error: str, retry: bool, *, worker_id: str) -> bool:
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
            return s.scalar(
                select(func.count())
                .select_from(m.InboxEvent)
                .where(m.InboxEvent.status.in_((PENDING, CLAIMED)))
            )

    def inbox_status(self, event_id: str) -> dict[str, Any] | None:
        """Status, attempts and last error of one event (for tests and operators)."""
        with self._tx(write=False) as s:
            row = s.scalars(select(m.InboxEvent).where(m.InboxEvent.event_id == event_id)).first()
            if row is None:
                return None
            return {"status": row.status, "attempts": row.attempts, "error": row.last_error}
