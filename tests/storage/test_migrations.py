"""Alembic migrations: they build exactly the models' schema, and old databases are refused."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from storage import SchemaOutOfDate, Store
from storage.db import DEFAULT_URL, make_engine, resolve_url
from storage.migrate import current, downgrade, heads, upgrade
from storage.models import Base

PENDING_IX = "ix_feedback_pending"


def test_models_and_migrations_agree(fresh_engine) -> None:
    engine = fresh_engine()
    upgrade(engine)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations differ; make a migration: {diff}"
    tables = set(inspect(engine).get_table_names())
    assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= tables
    assert "apscheduler_jobs" not in tables  # schedules live in each instance's memory
    # autogenerate does not compare partial-index conditions: check the one the fetch relies on
    [pending] = [i for i in inspect(engine).get_indexes("feedback") if i["name"] == PENDING_IX]
    where = str(pending["dialect_options"][f"{engine.dialect.name}_where"]).lower()
    assert "retracted_at is null" in where and "consumed_by_proposal_id is null" in where
    assert {"inbox", "leases", "templates", "feedback", "alembic_version"} <= tables


def test_check_schema_refuses_empty_and_old_databases(fresh_engine) -> None:
    engine = fresh_engine()
    store = Store(engine)
    with pytest.raises(SchemaOutOfDate, match="no alignbot tables yet; run `alignbot db upgrade`"):
        store.check_schema()
    upgrade(engine, "0001")
    assert current(engine) == ("0001",)
    with pytest.raises(SchemaOutOfDate, match=r"at revision 0001 .* run `alignbot db upgrade`"):
        store.check_schema()
    upgrade(engine)
    assert current(engine) == heads()
    store.check_schema()  # up to date: no error


def test_downgrade_to_base_and_up_again(fresh_engine) -> None:
    engine = fresh_engine()
    upgrade(engine)
    downgrade(engine, "0001")
    assert "inbox" not in inspect(engine).get_table_names()
    assert "templates" in inspect(engine).get_table_names()
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    Store(engine).check_schema()


def test_check_schema_refuses_a_newer_database(fresh_engine) -> None:
    engine = fresh_engine()
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(SchemaOutOfDate, match="migrated by a newer alignbot"):
        Store(engine).check_schema()


def test_upgrade_by_url_is_idempotent(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'by_url.db'}"
    upgrade(url)
    upgrade(url)  # second run: nothing to do, no error
    assert current(url) == heads()
    Store.from_url(url).check_schema()


def test_default_url_and_sqlite_settings(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert resolve_url(None) == DEFAULT_URL == "sqlite:///alignbot.db"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert resolve_url(None) == "postgresql+psycopg://u@h/db"
    assert resolve_url("sqlite:///x.db") == "sqlite:///x.db"
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()
    with pytest.raises(ValueError, match="unsupported database 'mysql'"):
        make_engine("mysql://u@h/db")
