"""What every part of the Store shares: the engine, the clock, one transaction per method."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, CursorResult, Engine, Insert, Result, Select, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage import models as m
from storage.db import WRITE, write_lock
from storage.errors import InvalidInput, NotFound


def utcnow() -> datetime:
    return datetime.now(UTC)


class StoreBase:
    engine: Engine
    clock: Callable[[], datetime]

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def _tx(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction; committed on success, rolled back on any error."""
        session = Session(self.engine, expire_on_commit=False, autoflush=True)
        with write_lock(self.engine) if write else nullcontext(), session, session.begin():
            session.connection(execution_options={WRITE: write})
            yield session

    @contextmanager
    def _write_conn(self) -> Iterator[Connection]:
        """A writing transaction on a bare connection, for the hot path where an ORM session's
        bookkeeping was the cost (the inbox insert before Slack's ack: half its time)."""
        with write_lock(self.engine), self.engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                yield conn

    def _insert(self, model: type[m.Base]) -> Insert:
        """A Core INSERT that can say ON CONFLICT DO NOTHING on both backends."""
        return _dialect_insert(_table(model), self.dialect)

    def _insert_if_new(
        self, session: Session | Connection, model: type[m.Base], values: dict[str, Any]
    ) -> bool:
        """Insert unless a unique key already holds; True when this call inserted the row.
        One statement per table, the values bound as parameters: SQLAlchemy then compiles it
        once instead of coercing and hashing every value at every call."""
        stmt = _insert_ignoring(_table(model), self.dialect)
        conn = session.connection() if isinstance(session, Session) else session
        return conn.execute(stmt, values).first() is not None

    # -- lookups shared by several parts -------------------------------------------------------

    @staticmethod
    def _template_row(session: Session, template_id: int, *, lock: bool = False) -> m.Template:
        stmt = select(m.Template).where(m.Template.id == template_id)
        if lock:
            stmt = stmt.with_for_update()
        row = session.scalars(stmt).one_or_none()
        if row is None:
            raise NotFound(f"no template with id {template_id}")
        return row

    @staticmethod
    def _version_row(session: Session, template_id: int, number: int) -> m.Version:
        row = session.scalars(
            select(m.Version).where(
                m.Version.template_id == template_id, m.Version.number == number
            )
        ).one_or_none()
        if row is None:
            raise NotFound(f"this template has no version v{number}")
        return row


Row = TypeVar("Row")


def team_templates(team_id: str) -> Select[Any]:
    """The ids of workspace `team_id`'s templates (a subquery for `IN`)."""
    return select(m.Template.id).where(m.Template.team_id == team_id)


def in_team(
    stmt: Select[Row], template_id: InstrumentedAttribute[int], team_id: str | None
) -> Select[Row]:
    """`stmt` narrowed to rows whose template belongs to workspace `team_id` (when given):
    ids from payloads are looked up in the asking workspace only."""
    if team_id is None:
        return stmt
    return stmt.where(template_id.in_(team_templates(team_id)))


def version_numbers(s: Session, version_ids: set[int]) -> dict[int, int]:
    """Version id -> number for a batch of rows, in one query (the listings show numbers)."""
    stmt = select(m.Version.id, m.Version.number).where(m.Version.id.in_(version_ids))
    return dict(s.execute(stmt).all())


def _dialect_insert(table: Table, dialect: str) -> Insert:
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(dialect)


@functools.cache
def _insert_ignoring(table: Table, dialect: str) -> Insert:
    stmt: Insert = (
        _dialect_insert(table, dialect)
        # both dialects' Insert have it (see _dialect_insert); the generic Insert type does not
        .on_conflict_do_nothing()  # type: ignore[attr-defined]
        .returning(*table.primary_key.columns)
    )
    return stmt


def _table(model: type[m.Base]) -> Table:
    # declarative classes are typed with a FromClause; ours all map one Table
    return cast(Table, model.__table__)


def changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed."""
    # Session.execute is typed to return a Result; for DML it is a CursorResult
    return cast(CursorResult[Any], result).rowcount


def require_text(value: str, what: str, *, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} must not be empty")
    if len(value) > limit:
        raise InvalidInput(f"{what} is {len(value):,} characters; the limit is {limit:,}")
    return value
