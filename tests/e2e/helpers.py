"""Reading the simulated channel and the database while the app works in the background."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import Engine

from bot.sandbox.slack_sim import SlackSim
from bot.sandbox.slack_sim.signing import signed_headers
from storage import Store
from storage.models import Base
from tests import local_http

TEAM = "T0SANDBOX"
CHANNEL = "C0GENERAL"


def blocks_text(message: dict[str, Any]) -> str:
    """Everything a person would read in a message: fallback text and every block's text."""
    blocks = json.dumps(message.get("blocks", []), ensure_ascii=False)
    return message.get("text", "") + "\n" + blocks


def bot_messages(sim: SlackSim, channel: str = CHANNEL) -> list[dict[str, Any]]:
    return [m for m in sim.messages(channel) if m.get("bot_id")]


def message_at(sim: SlackSim, ts: str, channel: str = CHANNEL) -> dict[str, Any]:
    return next(m for m in sim.messages(channel) if m["ts"] == ts)


def template(store: Store, name: str):
    return store.get_template(TEAM, name)


def latest_run(store: Store, name: str):
    info = template(store, name)
    runs = store.recent_runs(info.id, limit=1) if info else []
    return runs[0] if runs else None


def finished_run(sim: SlackSim, store: Store, name: str, timeout: float = 15.0):
    """Wait until the newest run of `name` is done or failed and its message shows it."""

    def ready():
        run = latest_run(store, name)
        if run is None or str(run.status.value) not in ("done", "failed") or not run.message_ts:
            return None
        if "running…" in message_at(sim, run.message_ts).get("text", ""):
            return None  # stored, but the message is not updated yet
        return run

    return sim.wait_for(ready, timeout=timeout)


def new_and_run(
    sim: SlackSim, store: Store, name: str = "summary", text: str = "The launch moved to May"
):
    """Create `name` as alice, run it once, and wait until the run message shows the result."""
    sim.slash_command("alice", CHANNEL, "/align", f"new {name} Summarize: {{{{text}}}}")
    sim.slash_command("alice", CHANNEL, "/align", f'run {name} text="{text}"')
    return finished_run(sim, store, name)


def latest_proposal(store: Store, name: str):
    info = template(store, name)
    proposals = store.list_proposals(info.id) if info else []
    return max(proposals, key=lambda p: p.id) if proposals else None


def signed_post(
    url: str,
    body: bytes,
    secret: str,
    content_type: str = "application/json",
    *,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST `body` signed as Slack signs it (then `headers` override, e.g. a junk timestamp)."""
    sent = {"Content-Type": content_type, **signed_headers(secret, body), **(headers or {})}
    return local_http.post(url, content=body, headers=sent, timeout=10)


def db_snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a request changed nothing."""
    with engine.connect() as conn:
        return {
            t.name: sorted(tuple(map(repr, row)) for row in conn.execute(t.select()).all())
            for t in Base.metadata.sorted_tables
        }
