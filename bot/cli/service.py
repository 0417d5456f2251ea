"""What `alignbot serve` and `alignbot work` do before they start (the configuration, the log
format, a database at this code's migrations; each problem named, with the command's name) and
when they stop."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

from bot.config import Config, ConfigError, load_config

if TYPE_CHECKING:
    from bot.app import AlignBot
    from bot.background.scheduler import Scheduler
    from storage import Store


class Refused(Exception):
    """The command cannot start; already told on stderr."""


def open_service(args: argparse.Namespace) -> tuple[Config, Store]:
    """Once it has started, the command exits without the interpreter's teardown when it
    stops (`exit_at_once`, bot.cli.main); a refused start returns as any command does."""
    command = args.command
    try:
        config = load_config()
    except ConfigError as exc:
        print(f"alignbot {command}: {exc}", file=sys.stderr)
        raise Refused from None
    logging.basicConfig(
        level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from storage import SchemaOutOfDate, Store

    store = Store.from_url(config.database_url)
    try:
        store.check_schema()
    except SchemaOutOfDate as exc:
        print(f"alignbot {command}: {exc}", file=sys.stderr)
        store.close()
        raise Refused from None
    args.exit_at_once = True
    return config, store


def close_service(bot: AlignBot, scheduler: Scheduler | None, store: Store) -> None:
    """The scheduler first, so that it queues nothing for a worker that is stopping."""
    if scheduler is not None:
        scheduler.shutdown(wait=False)
    bot.stop()
    store.close()
