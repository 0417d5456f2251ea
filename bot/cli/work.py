"""`alignbot work`: the inbox worker and the scheduler without the Slack edge, for a deployment
that serves Slack with `alignbot serve --no-worker` and does the work in processes of its own.

Why: in one process the worker's threads share the interpreter lock with the requests Slack is
waiting on; with a worker of its own, acks keep their latency under load (the README's figures).
Rows written by other processes are found by polling the inbox every `--poll` seconds; rows
this process writes wake it at once."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from bot.cli.service import Refused, close_service, open_service

DEFAULT_POLL_SECONDS = 0.2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "work", help="run the inbox worker and the scheduler", description=__doc__
    )
    parser.add_argument(
        "--poll",
        type=_seconds,
        default=DEFAULT_POLL_SECONDS,
        help="seconds between looks for rows other processes stored "
        f"(default {DEFAULT_POLL_SECONDS})",
    )
    parser.set_defaults(func=run)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0.01 <= value <= 60:
        raise argparse.ArgumentTypeError(f"between 0.01 and 60 seconds, not {text}")
    return value


def run(args: argparse.Namespace) -> int:
    try:
        config, store = open_service(args)
    except Refused:
        return 2
    from bot.app import create_app
    from bot.background.scheduler import jobs_for, start_scheduler

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    bot = create_app(config, store, poll_interval=args.poll).start()  # rows a crash left first
    scheduler = start_scheduler(jobs_for(bot)) if config.scheduler_enabled else None
    logging.getLogger(__name__).info("alignbot: working (polling every %g s)", args.poll)
    try:
        stopping.wait()
    finally:
        close_service(bot, scheduler, store)
    return 0
