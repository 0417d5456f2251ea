"""Services and jobs on a real (SQLite) database and the simulated Slack Web API, with a clock
the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import AlignBot, create_app
from bot.config import load_config
from bot.services import Actor
from storage import Store

TEAM, CHANNEL = "T0SANDBOX", "C0GENERAL"
ALICE = Actor(TEAM, "U0ALICE", CHANNEL)
BOB = Actor(TEAM, "U0BOB", CHANNEL)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clocked_store(sqlite_engine, clock) -> Store:
    return Store(sqlite_engine, clock=clock)


@pytest.fixture
def app(sim, clocked_store) -> Iterator[AlignBot]:
    env = {
        "SLACK_BOT_TOKEN": sim.bot_token,
        "SLACK_SIGNING_SECRET": sim.signing_secret,
        "SLACK_API_URL": sim.api_url,
        "ALIGNBOT_POST_INTERVAL": "0",
    }
    bot = create_app(load_config(env), clocked_store, poll_interval=0.05).start()
    yield bot
    bot.stop()
