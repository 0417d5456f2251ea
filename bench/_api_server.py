"""For the API benches: a database with a template and a token, and the real app serving it
(with a bare Starlette endpoint beside it) in a child process, so the load generator or the
client under test does not share the server's interpreter."""

from __future__ import annotations

import multiprocessing
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

TEAM, CHANNEL = "T0BENCH", "C0BENCH"


@dataclass
class Served:
    port: int
    token: str
    template_id: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _serve(sock: socket.socket, db_url: str) -> None:
    """The child: the real app (bot.asgi(): /slack/events, /healthz, /api) plus /bare."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Mount, Route

    from bot.app import create_app
    from bot.config import load_config
    from storage import Store

    env = {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench",
        "ALIGNBOT_API_RATE_PER_MINUTE": "100000000",  # the bench is one token
        "ALIGNBOT_API_BURST": "100000000",
    }
    bot = create_app(load_config(env), Store.from_url(db_url), token_verification=False)

    async def bare(_: Request) -> Response:
        return Response(b'{"ok":true}', media_type="application/json")

    asgi = Starlette(routes=[Route("/bare", bare), Mount("/", bot.asgi())])
    config = uvicorn.Config(asgi, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


@contextmanager
def served(db_url: str, **settings: object) -> Iterator[Served]:
    """Migrate `db_url`, add template `bench` (v1, label staging) and a token, serve it."""
    import httpx

    from alignment.settings import SettingsChange
    from bot.server import bind
    from storage import Store
    from storage.migrate import upgrade

    upgrade(db_url)
    store = Store.from_url(db_url)
    info = store.create_template(
        TEAM, "bench", "Summarize for the team: {{text}}", channel_id=CHANNEL, author="U1"
    )
    if settings:
        store.update_settings(info.id, SettingsChange.parse(settings))
    store.set_label(info.id, 1, "staging", set_by="U1")
    scopes = ["templates:read", "runs:write"]
    token = store.create_token(TEAM, "bench", scopes, created_by="U1").secret
    store.close()

    sock = bind("127.0.0.1", 0)  # the app's own listening socket (TCP_NODELAY)
    child = multiprocessing.get_context("fork").Process(target=_serve, args=(sock, db_url))
    child.start()
    handle = Served(sock.getsockname()[1], token, info.id)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{handle.url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield handle
    finally:
        child.terminate()
        child.join(10)
