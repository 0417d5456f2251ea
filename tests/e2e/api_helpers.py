"""Driving the HTTP API for applications over real HTTP, next to the simulated channel."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

import httpx

from bot.sandbox.slack_sim import SlackSim
from storage import Store
from tests.e2e.helpers import CHANNEL, TEAM

TOKEN_RE = re.compile(r"abt_[A-Za-z0-9_-]{20,}")


@dataclass
class ApiHarness:
    sim: SlackSim
    store: Store
    url: str
    token: str
    running: Any = None  # tests.e2e.conftest.RunningBot

    def stop_server(self) -> None:
        """The API goes away (the application must not notice beyond a log line)."""
        self.running.stop(drain=False)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return httpx.Client(base_url=f"{self.url}/api/v1", headers=headers, timeout=10)

    def align(self, text: str, user: str = "alice") -> dict:
        """`/align text` and its immediate answer (the ack's body)."""
        r = self.sim.slash_command(user, CHANNEL, "/align", text)
        assert r.status == 200, r.deliveries[0].body
        body = r.deliveries[0].body.strip()
        return json.loads(body) if body else {}


_names = itertools.count()


def create_token(sim: SlackSim, scopes: str = "", name: str | None = None) -> tuple[str, dict]:
    """A token made the way a person makes one; returns it and the ack it came in."""
    name = name or f"app{next(_names)}"
    r = sim.slash_command("alice", CHANNEL, "/align", f"token create {name} {scopes}")
    answer = json.loads(r.deliveries[0].body)
    found = TOKEN_RE.search(json.dumps(answer))
    assert found, answer
    return found.group(0), answer


def start(sim: SlackSim, bot_server, store: Store, **env: str) -> ApiHarness:
    running = bot_server(store=store, **env)
    sim.slash_command("alice", CHANNEL, "/align", "new greet Say hello to {{who}}.")
    token, _ = create_token(sim, name="app")
    assert store.get_template(TEAM, "greet") is not None
    return ApiHarness(sim, store, running.url, token, running)
