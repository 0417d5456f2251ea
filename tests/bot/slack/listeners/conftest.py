"""Listeners exercised through Bolt's own dispatch with signed requests (no HTTP, no worker):
what they answer in the ack, and what they leave in the inbox for the worker."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest

from bot.app import AlignBot, create_app
from bot.config import load_config
from bot.sandbox.slack_sim.signing import signed_headers
from storage import Store

TEAM, CHANNEL = "T0SANDBOX", "C0GENERAL"


@pytest.fixture
def app(sim, sqlite_engine) -> AlignBot:
    env = {
        "SLACK_BOT_TOKEN": sim.bot_token,
        "SLACK_SIGNING_SECRET": sim.signing_secret,
        "SLACK_API_URL": sim.api_url,
        "ALIGNBOT_POST_INTERVAL": "0",
    }
    return create_app(load_config(env), Store(sqlite_engine))  # worker not started


class Dispatcher:
    def __init__(self, app: AlignBot, secret: str) -> None:
        self.app, self.secret = app, secret
        self.count = 0

    def _send(self, raw: str, content_type: str, extra: dict[str, str] | None = None):
        headers = {"content-type": content_type, **signed_headers(self.secret, raw.encode())}
        headers.update(extra or {})
        response = self.app.bolt.dispatch(BoltRequest(body=raw, headers=headers))
        body = response.body
        return response.status, (json.loads(body) if body.startswith("{") else body)

    def command(
        self, text: str, user: str = "U0ALICE", trigger: str | None = None, channel: str = CHANNEL
    ):
        self.count += 1
        form = {
            "command": "/align",
            "text": text,
            "team_id": TEAM,
            "user_id": user,
            "channel_id": channel,
            "trigger_id": trigger or f"trigger-{self.count}",
            "response_url": f"http://127.0.0.1:1/r/{self.count}",
        }
        return self._send(urlencode(form), "application/x-www-form-urlencoded")

    def event(self, event: dict[str, Any], event_id: str | None = None, retry: int = 0):
        self.count += 1
        event.setdefault("event_ts", f"{time.time():.6f}")
        body = {
            "token": "x",
            "team_id": TEAM,
            "api_app_id": "A0ALIGNBOT",
            "type": "event_callback",
            "event_id": event_id or f"Ev{self.count:06d}",
            "event_time": int(time.time()),
            "event": event,
        }
        extra = {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
        return self._send(json.dumps(body), "application/json", extra if retry else None)

    def interaction(self, payload: dict[str, Any]):
        payload = {"team": {"id": TEAM}, "api_app_id": "A0ALIGNBOT", **payload}
        raw = urlencode({"payload": json.dumps(payload)})
        return self._send(raw, "application/x-www-form-urlencoded")


@pytest.fixture
def slack(app, sim) -> Dispatcher:
    return Dispatcher(app, sim.signing_secret)


def claimed(app: AlignBot) -> list:
    """Everything the listeners stored for the worker, in order: claimed as a worker would
    (a lane's next row only once its head is done), and done."""
    items: list = []
    while batch := app.store.inbox_claim("test", 100):
        items += batch
        for item in batch:
            app.store.inbox_done(item.id, worker_id="test")
    return sorted(items, key=lambda i: i.id)
