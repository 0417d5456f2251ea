"""Engines: which database, and the connection settings each backend needs to be safe."""

from __future__ import annotations

import os
import threading
import weakref
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

DEFAULT_URL = "sqlite:///alignbot.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE = "alignbot_write"  # execution option: this transaction writes (SQLite: BEGIN IMMEDIATE)


def resolve_url(url: str | None = None) -> str:
    """`url`, else `DATABASE_URL`, else the SQLite file `alignbot.db` in the working directory."""
    url = url or os.environ.get("DATABASE_URL") or DEFAULT_URL
    if url.startswith("postgres://") or url.startswith("postgresql://"):
        # Heroku-style and driverless URLs: we ship psycopg 3, not psycopg2.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    url = resolve_url(url)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        kwargs.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        engine = create_engine(url, **kwargs)
        configure_sqlite(engine)
        return engine
    if backend == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql+psycopg://")


_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_WRITE_LOCKS_GUARD = threading.Lock()


def write_lock(engine: Engine) -> AbstractContextManager[Any]:
    """SQLite: one writer at a time within the process, queued on a lock.

    SQLite has one writer per file; a second BEGIN IMMEDIATE waits in SQLite's busy handler,
    which sleeps 1, 2, 5, 10 … 100 ms between tries. Under load (the ack's inbox insert beside
    the worker's writes) those sleeps were the ack's p99; a lock wakes the next writer the moment
    the last one commits. Other processes on the same file still meet the busy timeout.
    PostgreSQL: no lock (row locks do this)."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(engine)
        if lock is None:
            lock = _WRITE_LOCKS[engine] = threading.RLock()
    return lock


def configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and transactions we begin ourselves.

    pysqlite's own transaction handling defers BEGIN until the first write, which turns two
    concurrent read-then-write transactions into a deadlock. We emit BEGIN ourselves, IMMEDIATE
    for transactions that write: SQLite's single writer is then taken up front and waited for.
    """
    memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # autocommit at the driver; we emit BEGIN
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE, True)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
