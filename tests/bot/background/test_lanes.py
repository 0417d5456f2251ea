"""Lanes across workers: two apps (two instances) on one database, each with its own worker;
the rows of one lane are applied in the order they were stored, whoever claims them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bot.app import AlignBot, create_app
from bot.config import load_config
from bot.sandbox.slack_sim import SlackSim
from bot.slack import commands as c
from storage import Store
from tests.bot.conftest import ALICE, CHANNEL, TEAM
from tests.bot.slack.listeners.conftest import Dispatcher


@pytest.fixture
def sim() -> Iterator[SlackSim]:
    with SlackSim() as s:
        yield s


def instance(sim: SlackSim, store: Store, **kw: Any) -> AlignBot:
    env = {
        "SLACK_BOT_TOKEN": sim.bot_token,
        "SLACK_SIGNING_SECRET": sim.signing_secret,
        "SLACK_API_URL": sim.api_url,
        "ALIGNBOT_POST_INTERVAL": "0",
    }
    return create_app(load_config(env), Store(store.engine), **kw)


def posted_run(app: AlignBot, ts: str) -> int:
    """A run of template `summary` whose message is at `ts` in CHANNEL."""
    s = app.services
    s.templates.new(ALICE, c.NewTemplate("summary", "Summarize: {{text}}", CHANNEL))
    run = s.runs.start(ALICE, c.Run("summary", {"text": "The launch moved to May"}))
    s.runs.execute(run.id)
    s.runs.attach_message(run.id, CHANNEL, ts)
    return run.template_id


def reaction(kind: str, ts: str) -> dict[str, Any]:
    return {"type": kind, "user": "U0BOB", "reaction": "thumbsup",
            "item": {"type": "message", "channel": CHANNEL, "ts": ts}}  # fmt: skip


def test_two_workers_apply_a_reaction_added_then_removed_in_that_order(sim, store):
    """Instance A is slow with the 👍 (held until instance B has polled many times); B, free
    and polling, must not take the removal while the 👍 is unfinished."""
    a = instance(sim, store, poll_interval=30)  # A does not come back for more by itself
    b = instance(sim, store, poll_interval=0.02)
    template_id = posted_run(a, "200.1")
    applied: list[tuple[str, bool]] = []
    adding, release = threading.Event(), threading.Event()

    def recorded(app: AlignBot, name: str):
        reaction_fn = app.services.feedback.reaction

        def wrapper(*args: Any, added: bool, **kw: Any):
            if added:
                adding.set()
                assert release.wait(10)
            applied.append((name, added))
            return reaction_fn(*args, added=added, **kw)

        return wrapper

    a.services.feedback.reaction = recorded(a, "A")  # type: ignore[method-assign]
    b.services.feedback.reaction = recorded(b, "B")  # type: ignore[method-assign]
    polls = []
    b_claim = b.inbox.claim
    b.inbox.claim = lambda *args, **kw: polls.append(1) or b_claim(*args, **kw)  # type: ignore[method-assign]

    Dispatcher(a, sim.signing_secret).event(reaction("reaction_added", "200.1"), "EvADD")
    a.start()
    try:
        assert adding.wait(10)  # A is processing the 👍
        Dispatcher(b, sim.signing_secret).event(reaction("reaction_removed", "200.1"), "EvREMOVE")
        b.start()
        sim.wait_for(lambda: len(polls) >= 20, timeout=10)  # B looked for work, often
        assert applied == []  # …and did not take the removal
        release.set()
        sim.wait_for(lambda: store.inbox_pending_count() == 0, timeout=10)
    finally:
        release.set()
        a.stop()
        b.stop()
    assert [added for _, added in applied] == [True, False]
    assert store.count_pending(template_id) == 0  # the 👍 is retracted, not left standing
    assert store.get_template(TEAM, "summary") is not None
