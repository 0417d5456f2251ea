"""Alembic, configured in code so it ships inside the package: upgrade, current, check."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from storage.db import make_engine, resolve_url
from storage.errors import SchemaOutOfDate

HERE = Path(__file__).parent
UPGRADE_HINT = "run `alignbot db upgrade`"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.set_main_option("sqlalchemy.url", resolve_url(url).replace("%", "%%"))
    return cfg


def _with_engine(target: str | Engine | None) -> tuple[Engine, bool]:
    if isinstance(target, Engine):
        return target, False
    return make_engine(target), True


def upgrade(target: str | Engine | None = None, revision: str = "head") -> None:
    """Apply migrations up to `revision` on a URL (None: DATABASE_URL / alignbot.db) or Engine."""
    engine, own = _with_engine(target)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(str(engine.url))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        if own:
            engine.dispose()


def downgrade(target: str | Engine | None, revision: str) -> None:
    """Undo migrations down to `revision` ("base" removes every table)."""
    engine, own = _with_engine(target)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(str(engine.url))
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
    finally:
        if own:
            engine.dispose()


def heads() -> tuple[str, ...]:
    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())


def current(target: str | Engine | None = None) -> tuple[str, ...]:
    """The revision(s) the database is at; empty for a database never migrated."""
    engine, own = _with_engine(target)
    try:
        with engine.connect() as conn:
            return tuple(MigrationContext.configure(conn).get_current_heads())
    finally:
        if own:
            engine.dispose()


def check_schema(target: str | Engine | None = None) -> None:
    """Refuse to start against a database that is not at this code's latest migration."""
    engine, own = _with_engine(target)
    try:
        at, want = set(current(engine)), set(heads())
    finally:
        if own:
            engine.dispose()
    if at == want:
        return
    where = engine.url.render_as_string(hide_password=True)
    if not at:
        raise SchemaOutOfDate(f"the database {where} has no alignbot tables yet; {UPGRADE_HINT}")
    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if at - known:
        raise SchemaOutOfDate(
            f"the database {where} is at revision {', '.join(sorted(at))}, which this code does "
            "not know: it was migrated by a newer alignbot; upgrade alignbot"
        )
    raise SchemaOutOfDate(
        f"the database {where} is at revision {', '.join(sorted(at))} but this code needs "
        f"{', '.join(sorted(want))}; {UPGRADE_HINT}"
    )
