"""Runs an ASGI app with uvicorn in a daemon thread on 127.0.0.1 (a free port by default).

Used for the simulator itself, and by tests for the app under test, so each can start and stop
cleanly inside one process.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

# Requests still open when stopping (a page's long poll) are cut after this many seconds.
GRACEFUL_SHUTDOWN_S = 1.0


class BackgroundServer:
    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, name: str = "asgi"):
        self.app, self.host, self.port, self.name = app, host, port, name
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        """Binds the socket first (so the port is known), then serves; returns when ready."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=self.name, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=timeout)
        self._server = self._thread = None


class SharedServer:
    """One server for one simulator after another: each `plug(app)` takes the place of the last.

    A test suite gets a fresh simulator per test (fresh state, tokens, logs) without paying for a
    server start and stop each time; whatever an old app's clients still send reaches the new
    one, which does not know their tokens."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._app: Any = None
        self._server = BackgroundServer(self, host, 0, "slack-sim-shared")

    @property
    def port(self) -> int:
        return self._server.port

    def start(self) -> SharedServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def plug(self, app: Any) -> None:
        self._app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        app = self._app
        if app is None:
            if scope["type"] == "http":
                await send({"type": "http.response.start", "status": 503, "headers": []})
                await send({"type": "http.response.body", "body": b"no simulator plugged in"})
            return
        await app(scope, receive, send)
