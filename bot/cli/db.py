"""`alignbot db upgrade|current|check`: apply and inspect the database migrations."""

from __future__ import annotations

import argparse
import sys

from alembic.util import CommandError
from sqlalchemy.exc import ArgumentError, OperationalError

from storage.db import resolve_url
from storage.errors import SchemaOutOfDate
from storage.migrate import check_schema, current, heads, upgrade


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "db",
        help="database migrations (DATABASE_URL, default sqlite:///alignbot.db)",
        description=__doc__,
    )
    parser.add_argument("--url", help="database URL (default: $DATABASE_URL, else alignbot.db)")
    actions = parser.add_subparsers(dest="db_command", required=True)
    actions.add_parser("upgrade", help="apply all migrations").add_argument(
        "revision", nargs="?", default="head", help="target revision (default: head)"
    )
    actions.add_parser("current", help="show the database's revision and the code's")
    actions.add_parser("check", help="exit 1 unless the database is up to date")
    parser.set_defaults(func=run)


def _where(url: str | None) -> str:
    from sqlalchemy.engine import make_url

    return make_url(resolve_url(url)).render_as_string(hide_password=True)


def run(args: argparse.Namespace) -> int:
    """Exit 0 done, 1 behind (check), 2 the database or revision cannot be used."""
    try:
        return _run(args)
    except SchemaOutOfDate as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except (ValueError, ArgumentError, CommandError) as exc:  # bad URL or unknown revision
        print(f"alignbot db: {exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        print(f"alignbot db: cannot open {_where(args.url)}: {first}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.db_command == "upgrade":
        upgrade(args.url, args.revision)
        print(f"{_where(args.url)}: at {', '.join(current(args.url)) or 'base'}")
        return 0
    if args.db_command == "current":
        at = ", ".join(current(args.url)) or "none (never migrated)"
        print(f"{_where(args.url)}: database at {at}; code at {', '.join(heads())}")
        return 0
    check_schema(args.url)
    print(f"{_where(args.url)}: up to date")
    return 0
