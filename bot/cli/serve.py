"""`alignbot serve`: run the Slack app. Socket Mode when SLACK_APP_TOKEN is set; otherwise HTTP
(uvicorn) with POST /slack/events, GET /healthz and, with OAuth, /slack/install, and the API for
applications at /api (OpenAPI at /api/docs). In Socket Mode no port is opened unless `--api`
asks for the API."""

from __future__ import annotations

import argparse
import contextlib
import logging
from typing import TYPE_CHECKING

from bot.cli.service import Refused, close_service, open_service

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.socket_mode.builtin import SocketModeClient

    from bot.app import AlignBot


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the Slack app",
        description=__doc__,
    )
    parser.add_argument("--port", type=int, help="HTTP port (default: PORT or 3000)")
    parser.add_argument("--host", help="interface to listen on (default: ALIGNBOT_HOST or 0.0.0.0)")
    parser.add_argument(
        "--api",
        action="store_true",
        help="in Socket Mode, also serve the HTTP API for applications on --port "
        "(in HTTP mode it is always served)",
    )
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="only store and acknowledge: the work (inbox worker, scheduler) is done by "
        "`alignbot work` processes",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        config, store = open_service(args)
    except Refused:
        return 2
    from bot.app import create_app
    from bot.background.scheduler import jobs_for, start_scheduler
    from bot.server import serve

    bot = create_app(config, store)
    scheduler = None
    if not args.no_worker:
        bot.start()  # the worker first takes rows left by a crash
        if config.scheduler_enabled:
            scheduler = start_scheduler(jobs_for(bot))
    try:
        if config.slack_app_token is not None:  # Socket Mode
            logging.getLogger(__name__).info("alignbot: Socket Mode")
            # Slack comes over the WebSocket and no port is opened, unless --api asks for the
            # HTTP API for applications (with /healthz) on --port.
            http = None
            if args.api:
                from bot.server import BackgroundServer, bind

                sock = bind(args.host or config.host, args.port or config.port)
                http = BackgroundServer(bot.asgi(), sock).start()
            handler = socket_mode_handler(bot, config.slack_app_token)
            try:
                handler.start()  # connects, then blocks until interrupted
            finally:
                close_socket_mode(handler.client)
                if http is not None:
                    http.stop()
        else:
            host = args.host or config.host
            port = args.port or config.port
            serve(bot.asgi(), host, port, log_level=config.log_level.lower())
    except KeyboardInterrupt:
        pass
    finally:
        close_service(bot, scheduler, store)
    return 0


def socket_mode_handler(bot: AlignBot, app_token: str) -> SocketModeHandler:
    """Socket Mode: Slack sends events, commands and interactions over a WebSocket the app opens
    (URL from `apps.connections.open` on SLACK_API_URL); no HTTP server. `.connect()` returns once
    connected, `.start()` also blocks; `.close()` stops it. Tests drive it the same way."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    return SocketModeHandler(bot.bolt, app_token)


def close_socket_mode(client: SocketModeClient) -> None:
    """Closes a Socket Mode client at once. slack-sdk's `close()` waits for its receiving thread,
    which sits in `recv()` for up to 3 s, and for its message thread, which waits up to 1 s on
    its queue; shutting the socket down and queueing an empty message first wakes both."""
    import socket

    client.auto_reconnect_enabled = False  # the receiver must not dial again when woken
    client.closed = True  # the message thread ends after its current wait…
    client.message_queue.put(None)  # …which this ends (an empty message is skipped)
    session = client.current_session
    sock = session.sock if session is not None else None
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed by the other side
            sock.shutdown(socket.SHUT_RDWR)
    client.close()
