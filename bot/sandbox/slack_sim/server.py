"""`SlackSim`: the simulated Slack workspace, served over HTTP in a background thread.

sim = SlackSim().start()                 # 127.0.0.1, a free port
client = WebClient(token=sim.bot_token, base_url=sim.api_url)
sim.set_app_url("http://127.0.0.1:PORT/slack/events")
sim.post_message("alice", "general", "hello")
sim.stop()
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute

from bot.sandbox.slack_sim import files
from bot.sandbox.slack_sim.actions import UserActions
from bot.sandbox.slack_sim.api_methods import METHODS, ApiContext
from bot.sandbox.slack_sim.delivery import Deliverer, Delivery
from bot.sandbox.slack_sim.faults import Fault, Faults
from bot.sandbox.slack_sim.responses import ResponseUrls
from bot.sandbox.slack_sim.shared_server import SharedServer
from bot.sandbox.slack_sim.socket_mode import SocketModeServer
from bot.sandbox.slack_sim.state import SimState, Team
from bot.sandbox.slack_sim.views import Views
from bot.sandbox.slack_sim.web_api import WebApi
from bot.server import BackgroundServer, bind

log = logging.getLogger(__name__)

DEFAULT_USERS = [("U0ALICE", "alice", "Alice Archer"), ("U0BOB", "bob", "Bob Baker"),
                 ("U0CAROL", "carol", "Carol Chen")]  # fmt: skip
DEFAULT_CHANNELS = [("C0GENERAL", "general")]


class SlackSim(UserActions):
    """A Slack workspace in memory: Web API at `api_url`, events signed and sent to the app."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_token: str = "xoxb-sim-0000-alignbot",
        app_token: str = "xapp-1-A0ALIGNBOT-0000-sim",
        signing_secret: str = "sim-signing-secret",
        app_url: str | None = None,
        deliver_bot_messages: bool = False,
        delivery_timeout: float = 3.0,
        trigger_ttl: float | None = None,
        users: list[tuple[str, str, str]] | None = None,
        channels: list[tuple[str, str]] | None = None,
        team: Team | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.bot_token, self.signing_secret = bot_token, signing_secret
        self.app_token = app_token
        self.deliver_bot_messages = deliver_bot_messages
        self.state = SimState(team)
        for uid, name, real in DEFAULT_USERS if users is None else users:
            self.state.add_user(uid, name, real)
        for cid, name in DEFAULT_CHANNELS if channels is None else channels:
            self.state.add_channel(cid, name)
        self.views = Views(self.state, trigger_ttl)
        self.faults = Faults()
        self.deliverer = Deliverer(signing_secret, delivery_timeout)
        self.deliverer.app_url = app_url
        self.socket = SocketModeServer(self.state.team.app_id, lambda: self.url, delivery_timeout)
        self.deliverer.socket = self.socket
        self.responses = ResponseUrls(self.state, lambda: self.url)
        self.ctx = ApiContext(self.state, self.views, lambda: self.url)
        self.ctx.on_bot_message = self._on_bot_message
        methods = METHODS | files.METHODS | {"apps.connections.open": self.socket.connections_open}
        self.web_api = WebApi(self.ctx, {bot_token}, self.faults, methods, {app_token})
        self.extra_routes: list[Route] = []
        self.on_reset: Callable[[], None] | None = None  # the page's "reset" (set by the sandbox)
        self.info: dict[str, Any] = {}  # shown on the page (model in use, …); the sandbox fills it
        self._server: BackgroundServer | None = None
        self._shared: SharedServer | None = None
        # A new id at every start: a page open across a restart sees it change and resyncs (the
        # new server's change counter starts again below what the page last saw).
        self.instance = uuid.uuid4().hex
        self.closing = threading.Event()  # set on stop: long polls answer at once

    # -- addresses ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL, as slack-sdk wants it (ending in `/api/`)."""
        return f"{self.url}/api/"

    def set_app_url(self, url: str) -> None:
        """Where events, commands and interactions are sent (the app's `/slack/events`)."""
        self.deliverer.app_url = url

    # -- the HTTP app -------------------------------------------------------------------------
    def asgi_app(self) -> Starlette:
        from bot.sandbox.slack_sim.page import page_routes

        routes = [
            Route("/api/{method}", self.web_api.endpoint, methods=["GET", "POST"]),
            Route("/sim/response/{token}", self.responses.endpoint, methods=["POST"]),
            Route("/sim/upload/{file_id}", files.upload_endpoint(self.state), methods=["POST"]),
            WebSocketRoute("/link/", self.socket.endpoint),  # Socket Mode
            *page_routes(self),
            *self.extra_routes,
        ]
        return Starlette(routes=routes)

    def start(self, on: SharedServer | None = None) -> SlackSim:
        """Serves on `host:port` (port 0 = a free one) in a daemon thread; returns when ready.
        With `on`, serves on that shared server instead (its host and port)."""
        self.closing.clear()
        self.instance = uuid.uuid4().hex
        if on is not None:
            self.host, self.port, self._shared = on.host, on.port, on
            on.plug(self.asgi_app())
            return self
        sock = bind(self.host, self.port)
        self._server = BackgroundServer(self.asgi_app(), sock, name="slack-sim").start()
        self.port = self._server.port
        return self

    def stop(self) -> None:
        self.closing.set()
        if self._shared is not None:
            self._shared.plug(None)
            self._shared = None
        if self._server is not None:
            self._server.stop()
        self.deliverer.close()
        self._server = None

    def __enter__(self) -> SlackSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- faults -------------------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 1,
        *,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` (or "*") fail: 429 with Retry-After, 5xx, or (with
        status 200) `{"ok": false, "error": error}`."""
        self.faults.add(Fault(method, status, retry_after, error, times))

    # -- inspection ---------------------------------------------------------------------------
    def state_snapshot(self) -> dict[str, Any]:
        return self.state.snapshot()

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Top-level messages of a channel, oldest first."""
        return list(reversed(self.state.history(channel)))

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """A thread's parent and replies, oldest first."""
        return self.state.thread(channel, ts)

    def ephemerals(self, user: str) -> list[dict[str, Any]]:
        return self.state.ephemerals_for(self.user_id(user))

    def upload_file(self, user: str, name: str, content: str) -> dict[str, Any]:
        """A file `user` picks in a modal's file_input: pass the returned object as that
        input's value to `submit_view` (a list of them for several files)."""
        return files.add_user_file(self.ctx, self.user_id(user), name, content)

    def open_views(self, user: str) -> list[dict[str, Any]]:
        """The user's modal stack, bottom first."""
        uid = self.user_id(user)
        with self.state.lock:
            return [dict(self.state.views[v]) for v in self.state.modal_stacks.get(uid, [])]

    def home_view(self, user: str) -> dict[str, Any] | None:
        uid = self.user_id(user)
        with self.state.lock:
            vid = self.state.home_views.get(uid)
            return dict(self.state.views[vid]) if vid else None

    @property
    def deliveries(self) -> list[Delivery]:
        return list(self.deliverer.log)

    @property
    def api_calls(self) -> list[dict[str, Any]]:
        return list(self.web_api.calls)

    def wait_for(self, predicate, timeout: float = 10.0, interval: float = 0.02):
        """Polls `predicate()` until it returns something truthy (the app works after its ack)."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s")
            time.sleep(interval)

    # -- bot messages coming back as events ---------------------------------------------------
    def _on_bot_message(self, channel: str, msg: dict[str, Any]) -> None:
        if self.deliver_bot_messages and (self.deliverer.app_url or self.socket.connected):
            threading.Thread(
                target=self.bot_message_event, args=(channel, msg), daemon=True
            ).start()
