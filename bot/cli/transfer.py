"""`alignbot export NAME` and `alignbot import FILE`: a template's whole history as JSON, out of
a workspace and into one (the same document `/align export` posts).

Both work on the database directly (DATABASE_URL or --url), through the same services the Slack
app uses, so an import is checked exactly as it would be there and a bad file changes nothing.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from bot.services import USER_ERRORS, Actor, ServiceError, Services, build_services, user_message
from bot.services.transfer import NameTaken
from storage import SchemaOutOfDate, Store

EXIT_BAD_INPUT = 2
# What a transfer refuses with a message (anything else is a bug, shown as a traceback).
_REFUSED: tuple[type[Exception], ...] = (*USER_ERRORS, SchemaOutOfDate)


def register(subparsers: argparse._SubParsersAction) -> None:
    out = subparsers.add_parser(
        "export",
        help="write a template with its whole history as JSON",
        description="Write a template's versions, runs, feedback, principles and proposals as "
        "one JSON document (stdout unless --output).",
    )
    out.add_argument("name", metavar="NAME", help="the template")
    out.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    _common(out)
    out.set_defaults(func=run_export)

    into = subparsers.add_parser(
        "import",
        help="create a template (or a new version) from an export",
        description="Import a document written by `alignbot export` or `/align export`. When "
        "the workspace already has the name, choose --name NEW or --on-top.",
    )
    into.add_argument("file", metavar="FILE", help="the export (JSON); - for stdin")
    into.add_argument("--name", help="import under this name instead of the export's")
    into.add_argument(
        "--on-top",
        action="store_true",
        help="when the name exists: add the export's active version as its next version",
    )
    into.add_argument("--channel", help="home channel id for a new template")
    _common(into)
    into.set_defaults(func=run_import)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="database URL (default: $DATABASE_URL, else alignbot.db)")
    parser.add_argument(
        "--team", help="workspace id (default: the only workspace that has templates)"
    )


def _fail(command: str, message: str) -> int:
    print(f"alignbot {command}: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _open(args: argparse.Namespace) -> tuple[Services, Store]:
    store = Store.from_url(args.url)
    store.check_schema()
    return build_services(store), store


def _team(args: argparse.Namespace, store: Store, *, required: bool) -> str | None:
    if args.team:
        return str(args.team)
    teams = sorted({t.team_id for t in store.all_templates()})
    if len(teams) == 1:
        return teams[0]
    if not required:
        return None
    if teams:
        raise ServiceError(f"several workspaces have templates ({', '.join(teams)}): give --team")
    raise ServiceError("no workspace has templates yet: give --team with the workspace id")


def _actor(team: str, channel: str | None = None) -> Actor:
    return Actor(team, f"cli:{getpass.getuser()}", channel)


def run_export(args: argparse.Namespace) -> int:
    try:
        services, store = _open(args)
        try:
            team = _team(args, store, required=True)
            assert team is not None
            text = services.transfer.export_text(_actor(team), args.name)
        finally:
            store.close()
    except _REFUSED as exc:
        return _fail("export", user_message(exc))
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.name} to {args.output}", file=sys.stderr)
    else:
        print(text)
    return 0


def _read(path: str) -> Any:
    raw = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    return json.loads(raw)


def run_import(args: argparse.Namespace) -> int:
    try:
        data = _read(args.file)
    except OSError as exc:
        return _fail("import", f"cannot read {args.file}: {exc.strerror or exc}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return _fail("import", f"{args.file} is not JSON: {exc}")
    try:
        services, store = _open(args)
        try:
            team = _team(args, store, required=True)
            assert team is not None
            done = services.transfer.import_document(
                _actor(team, args.channel), data, name=args.name, on_top=args.on_top
            )
        finally:
            store.close()
    except NameTaken as exc:
        return _fail("import", f"{exc} (use --name NEW, or --on-top)")
    except _REFUSED as exc:
        return _fail("import", user_message(exc))
    how = "as a new version of" if done.on_top else "as"
    print(f"imported {how} {done.name}: v{done.version} is active")
    return 0
