"""The event inbox: stored before Slack is acknowledged, worked off afterwards, exactly once.

Claiming uses `FOR UPDATE SKIP LOCKED` on PostgreSQL so workers never wait on each other's rows;
SQLite has one writer at a time (our transactions begin IMMEDIATE), which gives the same result.
A claim is a lease: rows held by a worker that died are claimable again once the lease is over,
or at once when a process knows their worker is dead (`inbox_release`).

Rows of one *lane* (one run's thread, one proposal) are held by one worker at a time, oldest
first: a claim takes a lane's rows only from its oldest unfinished row on (pending, waiting to
retry, or claimed rows of it elsewhere hold it back), so the lane's order holds across workers
and instances, and across crashes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    func,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.util import AliasedClass

from storage import models as m
from storage.arguments import (
    ChannelId,
    EventId,
    InboxItemId,
    InboxKind,
    InboxLane,
    JsonObject,
    Limit,
    MessageTs,
    Seconds,
    TeamId,
    WorkerId,
)
from storage.errors import InvalidInput, NotFound
from storage.records import InboxItem
from storage.repo import convert
from storage.repo.base import StoreBase

PENDING, CLAIMED, DONE, FAILED = "pending", "claimed", "done", "failed"


# The inbox row that serves a row this transaction makes: (kind, job payload, lane), built by the
# caller (storage knows no job types) from the new row's id.
RowJob = Callable[[int], tuple[str, dict[str, Any], str | None]]


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
        lane: InboxLane | None = None,
        channel_id: ChannelId | None = None,
        ts: MessageTs | None = None,
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
        with self._write_conn() as conn:
            return self._inbox_put(
                conn, event_id, team_id, kind, payload, channel_id, ts, lane=lane
            )

    def _inbox_put(
        self,
        s: Session | Connection,
        event_id: str,
        team_id: str | None,
        kind: str,
        payload: dict[str, Any],
        channel_id: str | None = None,
        ts: str | None = None,
        *,
        lane: str | None = None,
    ) -> bool:
        """`inbox_put` inside a caller's transaction: the row commits with the change it serves."""
        now = self.now()
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
        worker_id: WorkerId,
        limit: Limit = 10,
        lease_seconds: Seconds = 300.0,
        *,
        kinds: Collection[str] | None = None,
        except_kinds: Collection[str] | None = None,
        lanes: int | None = None,
    ) -> list[InboxItem]:
        """Claim up to `limit` rows, oldest first, for `lease_seconds`; of a lane, only the
        unbroken run of its oldest unfinished rows (from its head up to the first row that is
        held, waiting to retry, or not of these kinds), and rows of at most `lanes` lanes.

        Only rows of `kinds`, or of kinds other than `except_kinds`, when given: a worker with
        no room for model work leaves it to others, while an older row of any kind still holds
        back its lane."""
        now = self.now()
        ev = m.InboxEvent
        claimable = _claimable(
            frozenset(kinds) if kinds is not None else None,
            frozenset(except_kinds) if except_kinds else None,
        )
        at = {"now": now}
        # The search runs without the write lock: with a long backlog it reads every unfinished
        # row, and on SQLite the acks' inserts waited behind it (p99 170 ms at 200 events/s).
        # Under the lock, only the rows found are checked again, by id and by their lanes' heads;
        # when other workers took them all meanwhile, the search runs again.
        for _ in range(3):
            with self._tx(write=False) as s:  # most looks find nothing: then no write lock
                found = s.scalars(claimable.limit(limit), at).all()
                gave_up = s.execute(
                    select(ev.id).where(_lapsed(ev, now), _used_up(ev, self))
                ).first()
            if not found and gave_up is None:
                return []
            with self._tx() as s:
                # Rows whose worker died too often are given up on, with a reason.
                s.execute(
                    update(ev)
                    .where(_lapsed(ev, now), _used_up(ev, self))
                    .values(status=FAILED, last_error=GAVE_UP)
                )
                candidates = s.scalars(
                    select(ev)
                    .where(ev.id.in_(found), _ready(ev, now))
                    .order_by(ev.id)
                    .with_for_update(skip_locked=True, of=ev)
                ).all()
                rows = self._unbroken_runs(s, list(candidates), lanes)
                lease = now + timedelta(seconds=lease_seconds)
                for row in rows:
                    row.status, row.claimed_by, row.lease_until = CLAIMED, worker_id, lease
                    row.attempts += 1
                s.flush()
                if rows or not found:
                    return [convert.inbox_item(r) for r in rows]
        return []

    @staticmethod
    def _unbroken_runs(
        s: Session, candidates: list[m.InboxEvent], lanes: int | None
    ) -> list[m.InboxEvent]:
        """Of the rows found, per lane those that are exactly the lane's oldest unfinished
        rows, in order. A row another worker claimed since the search, or is claiming right now
        (skipped: SKIP LOCKED), breaks its lane's run here, so two workers never hold rows of
        one lane and a lane never runs a row before an older one."""
        named = {r.lane for r in candidates if r.lane is not None}
        unfinished: dict[str, list[int]] = {}
        if named:
            ev = m.InboxEvent
            top = max(r.id for r in candidates)
            for lane, row_id in s.execute(
                select(ev.lane, ev.id)
                .where(m.UNFINISHED_INBOX, ev.lane.in_(sorted(named)), ev.id <= top)
                .order_by(ev.lane, ev.id)
            ):
                if lane is not None:
                    unfinished.setdefault(lane, []).append(row_id)
        taken: list[m.InboxEvent] = []
        next_at: dict[str, int] = {}  # lane -> position of its next expected row
        broken: set[str] = set()
        for row in candidates:  # in id order
            lane = row.lane if row.lane is not None else f"item:{row.id}"
            if lane in broken:
                continue
            if lane not in next_at and lanes is not None and len(next_at) >= lanes:
                broken.add(lane)  # no thread for another lane now
                continue
            at = next_at.get(lane, 0)
            expected = unfinished.get(lane, [row.id])
            if at >= len(expected) or expected[at] != row.id:
                broken.add(lane)
                continue
            next_at[lane] = at + 1
            taken.append(row)
        return taken

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
                .values(**self._given_back())
                .returning(ev.id)
            )
            return len(result.scalars().all())

    def _given_back(self) -> dict[str, object]:
        """A claimed row made claimable again, at once."""
        return {
            "status": PENDING,
            "claimed_by": None,
            "lease_until": None,
            "available_at": self.now(),
        }

    def inbox_unclaim(self, item_ids: list[int], worker_id: WorkerId) -> list[int]:
        """Give back rows `worker_id` claimed but did not start (an older row of their lane
        failed and waits to retry, so they must wait too): pending again, the claim not counted
        as an attempt. Returns the ids given back."""
        ev = m.InboxEvent
        return self._update_held(
            item_ids, worker_id, {**self._given_back(), "attempts": ev.attempts - 1}
        )

    def inbox_extend(
        self, item_ids: list[int], worker_id: WorkerId, lease_seconds: Seconds = 300.0
    ) -> list[int]:
        """Heartbeat: renew the lease on rows `worker_id` still holds; returns those ids.

        A row whose lease already ran out and was claimed by another worker is not taken back.
        """
        lease = self.now() + timedelta(seconds=lease_seconds)
        return self._update_held(item_ids, worker_id, {"lease_until": lease})

    def _update_held(
        self, item_ids: list[int], worker_id: str, values: dict[str, Any]
    ) -> list[int]:
        """Of `item_ids`, the rows `worker_id` still holds, set to `values`; their ids."""
        if not item_ids:
            return []
        ev = m.InboxEvent
        with self._tx() as s:
            result = s.execute(
                update(ev)
                .where(ev.id.in_(item_ids), ev.status == CLAIMED, ev.claimed_by == worker_id)
                .values(**values)
                .returning(ev.id)
            )
            return sorted(result.scalars().all())

    def inbox_note(self, item_id: InboxItemId, values: dict[str, Any]) -> dict[str, Any]:
        """Merge `values` into the row's notes, so a retry after a crash knows what an earlier
        attempt already did (e.g. the message it posted). Returns the new notes."""
        with self._tx() as s:
            row = s.get(m.InboxEvent, item_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no inbox item {item_id}")
            row.notes = {**(row.notes or {}), **values}
            s.flush()
            return dict(row.notes)

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


Rows = type[m.InboxEvent] | AliasedClass[m.InboxEvent]


GAVE_UP = "gave up: the worker's lease ran out each time"
_NOW = bindparam("now", type_=m.InboxEvent.available_at.type)
_BLOCKING = aliased(m.InboxEvent, name="blocking")


@functools.cache
def _claimable(kinds: frozenset[str] | None, except_kinds: frozenset[str] | None) -> Select[int]:
    """The ids of the rows a claim may take at `:now`, oldest first: ready, of the kinds asked
    for, and before the first row of their lane that is not (its run ends there). Built once
    per kinds (building it is costlier than running it)."""
    ev, b = m.InboxEvent, _BLOCKING
    blocked = (
        select(b.lane, func.min(b.id).label("first"))
        .where(
            m.UNFINISHED_INBOX,
            b.lane.is_not(None),
            not_(and_(_ready(b, _NOW), _of_kinds(b, kinds, except_kinds))),
        )
        .group_by(b.lane)
        .subquery()
    )
    return (
        select(ev.id)
        .outerjoin(blocked, blocked.c.lane == ev.lane)
        .where(
            _ready(ev, _NOW),
            _of_kinds(ev, kinds, except_kinds),
            or_(blocked.c.first.is_(None), ev.id < blocked.c.first),
        )
        .order_by(ev.id)
    )


def _ready(ev: Rows, now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """Claimable now: pending and due, or claimed by a worker whose lease ran out."""
    return or_(and_(ev.status == PENDING, ev.available_at <= now), _lapsed(ev, now))


def _lapsed(ev: Rows, now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    return and_(ev.status == CLAIMED, ev.lease_until < now)


def _used_up(ev: Rows, repo: InboxRepo) -> ColumnElement[bool]:
    return ev.attempts >= repo.inbox_max_attempts


def _of_kinds(
    ev: Rows, kinds: frozenset[str] | None, except_kinds: frozenset[str] | None
) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if kinds is not None:
        conditions.append(ev.kind.in_(sorted(kinds)))
    if except_kinds:
        conditions.append(ev.kind.not_in(sorted(except_kinds)))
    return and_(true(), *conditions)
