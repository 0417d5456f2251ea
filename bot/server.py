"""HTTP mode: a Starlette app served by uvicorn, with Bolt behind its Starlette adapter.

Bolt's sync `App.dispatch` blocks, so it runs in Starlette's thread pool rather than on the
event loop. Every request to `/slack/events` is screened first (`bot.slack.screen`: signature,
then a well-formed body of Slack's shape), so a forged or hostile request is a 4xx that Bolt never
sees; every body is size-limited (`bot.body_limit`: 413) before anything reads it.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import uvicorn
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from bot.body_limit import MAX_BODY_BYTES, BodyLimit
from bot.slack.screen import screen

EVENTS_PATH = "/slack/events"
# Requests still open when a BackgroundServer stops (a page's long poll) are cut after this.
GRACEFUL_SHUTDOWN_S = 1
API_PREFIX = "/api"


def build_asgi(
    app: App,
    health: Callable[[], dict[str, Any]] | None = None,
    *,
    signing_secret: str | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    api: Any = None,
) -> Starlette:
    """`signing_secret` defaults to the one the Bolt app verifies with; with `api`
    (bot.api.build_api), the API for applications is mounted under /api."""
    secret = app._signing_secret if signing_secret is None else signing_secret

    def handle(request: Request, body: bytes) -> Response:
        refusal = screen(body, request.headers, secret)
        if refusal is not None:
            return JSONResponse({"ok": False, "error": refusal.reason}, status_code=refusal.status)
        return to_starlette_response(app.dispatch(to_bolt_request(request, body)))

    async def events(request: Request) -> Response:
        body = await request.body()
        return await run_in_threadpool(handle, request, body)

    async def healthz(_: Request) -> Response:
        info = await run_in_threadpool(health) if health else {"ok": True}
        return JSONResponse(info, status_code=200 if info.get("ok") else 503)

    routes: list[BaseRoute] = [
        Route(EVENTS_PATH, events, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    flow = app.oauth_flow
    if flow is not None:

        async def install(request: Request) -> Response:
            req = to_bolt_request(request, await request.body())
            return to_starlette_response(await run_in_threadpool(flow.handle_installation, req))

        async def redirect(request: Request) -> Response:
            req = to_bolt_request(request, await request.body())
            return to_starlette_response(await run_in_threadpool(flow.handle_callback, req))

        routes += [
            Route(flow.install_path, install, methods=["GET"]),
            Route(flow.redirect_uri_path, redirect, methods=["GET"]),
        ]
    slack = Starlette(routes=routes, middleware=[Middleware(BodyLimit, limit=max_body_bytes)])
    if api is None:
        return slack
    # The API limits its bodies itself, with its own limit and error shape (bot.api).
    return Starlette(routes=[Mount(API_PREFIX, app=api), Mount("/", app=slack)])


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket; port 0 picks a free one (tests read it back from the socket)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Inherited by accepted connections. uvicorn sets no TCP_NODELAY on sockets handed to it,
    # and Nagle + delayed ACKs then hold every keep-alive response ~40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def serve(asgi: Starlette, host: str, port: int, log_level: str = "info") -> None:
    """Serve in the foreground until interrupted."""
    config = uvicorn.Config(asgi, host=host, port=port, log_level=log_level, access_log=False)
    uvicorn.Server(config).run()


class BackgroundServer:
    """uvicorn in a daemon thread, on an already-bound socket (default: a free port on
    127.0.0.1, known before it serves): the simulator, the sandbox's bot, tests, benchmarks."""

    def __init__(
        self,
        asgi: Any,
        sock: socket.socket | None = None,
        *,
        name: str = "uvicorn",
        log_level: str = "warning",
    ) -> None:
        self.sock = sock if sock is not None else bind()
        config = uvicorn.Config(
            asgi,
            log_level=log_level,
            access_log=False,
            lifespan="off",
            # A request still open when stopping (a page's long poll) is cut short after this.
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True, name=name
        )

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    @property
    def url(self) -> str:
        host, port = self.sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        """Returns once uvicorn serves; raises if it stopped or did not start in time."""
        self.thread.start()
        waiting = threading.Event()
        for _ in range(int(timeout * 100)):
            if self.server.started:
                return self
            if not self.thread.is_alive():
                break
            waiting.wait(0.01)
        raise RuntimeError(f"{self.thread.name} did not start on {self.url}")

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout=timeout)


@contextmanager
def running(asgi: Any, host: str = "127.0.0.1", port: int = 0):
    server = BackgroundServer(asgi, bind(host, port)).start()
    try:
        yield server
    finally:
        server.stop()
