"""Shared database fixtures: every storage-backed test runs on SQLite and on PostgreSQL.

- `store`: a migrated, empty `storage.Store`, once per backend (parametrized).
- `sqlite_store` / `pg_store`: one backend only.
- `fresh_engine`: a factory of empty, unmigrated databases per backend (migration tests).

PostgreSQL runs when ALIGNBOT_TEST_POSTGRES_URL is set (CI: postgresql+psycopg://postgres@
127.0.0.1:5432/test). Each test session migrates its own freshly created schema and drops it at
the end; tests are isolated by emptying every table. With ALIGNBOT_REQUIRE_POSTGRES=1 a missing
or unreachable server fails those tests instead of skipping them.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from bot.sandbox.slack_sim import SlackSim
from bot.sandbox.slack_sim.shared_server import SharedServer
from storage import Store
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Base
from tests.fakes.gemini_server import FakeGeminiServer
from tests.resources import unavailable

PG_URL_ENV = "ALIGNBOT_TEST_POSTGRES_URL"
REQUIRE_ENV = "ALIGNBOT_REQUIRE_POSTGRES"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def postgres_url() -> str:
    """The test server's URL, or skip (fail when ALIGNBOT_REQUIRE_POSTGRES=1)."""
    url = os.environ.get(PG_URL_ENV)
    if not url:
        _unavailable(f"{PG_URL_ENV} is not set")
    return url  # type: ignore[return-value]


def _unavailable(why: str) -> None:
    unavailable("PostgreSQL", REQUIRE_ENV, why)


class PgSchema:
    """A freshly created schema on the test server, reached through search_path."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = f"alignbot_test_{uuid.uuid4().hex[:12]}"
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        except OperationalError:
            self.admin.dispose()
            raise

    def engine(self, **kwargs: object) -> Engine:
        return make_engine(
            self.url, connect_args={"options": f"-csearch_path={self.name}"}, **kwargs
        )

    def drop(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self.admin.dispose()


# -- migrated once per session, emptied before each test ---------------------------------------


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "migrated.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.fixture(scope="session")
def _pg_session_engine() -> Iterator[Engine | str]:
    """The session's migrated schema, or the reason there is none (reported per test)."""
    url = os.environ.get(PG_URL_ENV)
    if not url:
        yield f"{PG_URL_ENV} is not set"
        return
    try:
        schema = PgSchema(url)
    except OperationalError as exc:
        yield f"{url} is unreachable: {exc.orig}"
        return
    engine = schema.engine(pool_size=5, max_overflow=40)
    upgrade(engine)
    yield engine
    engine.dispose()
    schema.drop()


def _empty_all(engine: Engine) -> None:
    """DELETE is much faster than TRUNCATE on the few rows a test leaves behind."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def sqlite_engine(_sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "alignbot.db"
    shutil.copyfile(_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(_pg_session_engine: Engine | str) -> Engine:
    if isinstance(_pg_session_engine, str):
        _unavailable(_pg_session_engine)
    assert isinstance(_pg_session_engine, Engine)
    _empty_all(_pg_session_engine)
    return _pg_session_engine


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_engine(backend: str, request: pytest.FixtureRequest) -> Engine:
    """A migrated, empty database on `backend`."""
    return request.getfixturevalue("sqlite_engine" if backend == "sqlite" else "pg_engine")


@pytest.fixture
def store(db_engine: Engine) -> Store:
    return Store(db_engine)


@pytest.fixture
def sqlite_store(sqlite_engine: Engine) -> Store:
    return Store(sqlite_engine)


@pytest.fixture
def pg_store(pg_engine: Engine) -> Store:
    return Store(pg_engine)


# -- empty databases, for migration tests ------------------------------------------------------


@pytest.fixture
def fresh_engine(backend: str, tmp_path: Path) -> Iterator[Callable[[], Engine]]:
    """Factory of empty, unmigrated databases on `backend`, each dropped after the test."""
    made: list[tuple[Engine, PgSchema | None]] = []

    def make() -> Engine:
        if backend == "sqlite":
            engine = make_engine(f"sqlite:///{tmp_path / f'fresh{len(made)}.db'}")
            made.append((engine, None))
            return engine
        try:
            schema = PgSchema(postgres_url())
        except OperationalError as exc:
            _unavailable(f"the server is unreachable: {exc.orig}")
        engine = schema.engine()
        made.append((engine, schema))
        return engine

    yield make
    for engine, schema in made:
        engine.dispose()
        if schema is not None:
            schema.drop()


@pytest.fixture
def gemini() -> Iterator[FakeGeminiServer]:
    """A local Gemini `generateContent` server; clients reach it with `.credentials` (or a
    configuration with `.env`), never through the process environment."""
    with FakeGeminiServer() as server:
        yield server


# -- the Slack simulator -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _sim_server() -> Iterator[SharedServer]:
    server = SharedServer().start()
    yield server
    server.stop()


_sims = itertools.count(1)


@pytest.fixture
def sim(_sim_server: SharedServer) -> Iterator[SlackSim]:
    """A fresh simulator (empty workspace, its own tokens) on the session's one server: no server
    start and stop per test. Its tokens are new each time, so whatever a previous test's app
    still sends is refused rather than counted here."""
    n = next(_sims)
    fresh = SlackSim(
        bot_token=f"xoxb-sim-{n:04d}-alignbot", app_token=f"xapp-1-A0ALIGNBOT-{n:04d}-sim"
    )
    fresh.start(on=_sim_server)
    yield fresh
    fresh.stop()


# -- order -----------------------------------------------------------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The real model's file first: it is the longest, and a worker that started it when the
    others were nearly done would finish alone; the rest keeps its order."""
    items.sort(key=lambda item: item.get_closest_marker("local_model") is None)
