"""The real Bolt app served over real HTTP on 127.0.0.1, driven by the Slack simulator.

`bot_server()` starts (or restarts, on the same database) the app: uvicorn on a free port, the
simulator's Request URL pointed at it. Background work is awaited by polling state with a
deadline (`sim.wait_for`), never by sleeping.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from bot.app import AlignBot, create_app
from bot.config import load_config
from bot.sandbox.slack_sim import SlackSim
from bot.server import BackgroundServer, bind
from storage import Store

CHANNEL = "C0GENERAL"


@dataclass
class RunningBot:
    bot: AlignBot
    server: BackgroundServer

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self, *, drain: bool = True) -> None:
        """`drain=False` is a crash: whatever the worker has not done yet stays undone."""
        self.server.stop()
        self.bot.stop(wait=drain)


def make_env(sim: SlackSim, **extra: str) -> dict[str, str]:
    env = {
        "SLACK_BOT_TOKEN": sim.bot_token,
        "SLACK_SIGNING_SECRET": sim.signing_secret,
        "SLACK_API_URL": sim.api_url,
        "ALIGNBOT_POST_INTERVAL": "0.01",
        "ALIGNBOT_ALIGN_MODEL": "offline",
        "ALIGNBOT_TARGET_MODEL": "offline",
        "ALIGNBOT_SCHEDULER": "false",
    }
    env.update(extra)
    return env


@pytest.fixture
def bot_server(sim: SlackSim, sqlite_engine) -> Iterator[Callable[..., RunningBot]]:
    running: list[RunningBot] = []

    def start(*, start_worker: bool = True, store: Store | None = None, **env: str) -> RunningBot:
        config = load_config(make_env(sim, **env))
        bot = create_app(config, store or Store(sqlite_engine), poll_interval=0.05)
        if start_worker:
            bot.start()
        server = BackgroundServer(bot.asgi(), bind("127.0.0.1", 0)).start()
        sim.set_app_url(f"{server.url}/slack/events")
        handle = RunningBot(bot, server)
        running.append(handle)
        return handle

    yield start
    for handle in running:
        with contextlib.suppress(Exception):
            handle.stop(drain=False)
