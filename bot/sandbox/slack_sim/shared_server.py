"""One server for one simulator after another (the test suite's: no server start per test)."""

from __future__ import annotations

from typing import Any

from bot.server import BackgroundServer, bind


class SharedServer:
    """One server for one simulator after another: each `plug(app)` takes the place of the last.

    A test suite gets a fresh simulator per test (fresh state, tokens, logs) without paying for a
    server start and stop each time; whatever an old app's clients still send reaches the new
    one, which does not know their tokens."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._app: Any = None
        self._server = BackgroundServer(self, bind(host, 0), name="slack-sim-shared")

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
