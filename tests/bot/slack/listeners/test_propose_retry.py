"""A proposal or run that crashed half-way is finished by the retry without a second message
or a second proposal: what the first attempt did is remembered on its inbox row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alignment import FeedbackKind
from bot.services import Actor
from bot.slack import commands as c
from storage import Store
from tests.bot.slack.listeners.conftest import CHANNEL, TEAM

ALICE = Actor(TEAM, "U0ALICE", CHANNEL)


class Crash(Exception):
    """Stands in for the process dying: the row stays claimed until its lease runs out."""


@pytest.fixture
def request_row(app, slack):
    """A `/align propose` stored in the inbox; calling the result claims it as a worker would,
    each time as if the previous claimant's lease had run out (it crashed)."""
    slack.command("new summary Summarize: {{text}}")
    services = app.services
    run = services.runs.start(ALICE, c.Run("summary", {"text": "The launch moved to May"}))
    services.runs.execute(run.id)
    services.runs.attach_message(run.id, CHANNEL, "100.1")
    services.feedback.reply(ALICE, "100.1", "100.2", FeedbackKind.CRITIQUE, "Name the new date")
    slack.command("propose summary")
    later = [datetime.now(UTC)]

    def claim():
        later[0] += timedelta(minutes=5)
        return Store(app.store.engine, clock=lambda: later[0]).inbox_claim("worker", 10, 60)

    return claim


def _drafts(sim) -> list[dict]:
    return [m for m in sim.messages(CHANNEL) if m.get("bot_id")]


def _one_proposal(app):
    info = app.store.get_template(TEAM, "summary")
    return app.store.list_proposals(info.id)


def test_a_crash_after_posting_reuses_the_message_and_the_proposal(app, sim, request_row,
                                                                   monkeypatch):  # fmt: skip
    proposals = app.services.proposals
    monkeypatch.setattr(proposals, "attach_message", _crash_once(proposals.attach_message))
    [item] = request_row()
    with pytest.raises(Crash):
        app.router(item)
    assert len(_drafts(sim)) == 1 and len(_one_proposal(app)) == 1
    monkeypatch.setattr(proposals, "create", _forbidden)  # the retry must not propose again
    [retry] = request_row()
    app.router(retry)
    [draft] = _drafts(sim)
    [proposal] = _one_proposal(app)
    assert (proposal.channel_id, proposal.message_ts) == (CHANNEL, draft["ts"])
    assert "proposal_approve" in str(draft.get("blocks"))  # the draft became the proposal


def test_a_crash_before_the_message_was_noted_finds_it_in_the_channel(app, sim, request_row,
                                                                      monkeypatch):  # fmt: skip
    inbox = app.deps.inbox
    note = inbox.note

    def lose_the_message(item_id, **values):
        if "message" in values:
            raise Crash("died right after chat.postMessage returned")
        note(item_id, **values)

    monkeypatch.setattr(inbox, "note", lose_the_message)
    [item] = request_row()
    with pytest.raises(Crash):
        app.router(item)
    assert len(_drafts(sim)) == 1
    monkeypatch.setattr(inbox, "note", note)
    [retry] = request_row()
    app.router(retry)
    [draft] = _drafts(sim)
    [proposal] = _one_proposal(app)
    assert proposal.message_ts == draft["ts"]


def _crash_once(fn):
    calls = []

    def wrapper(*args, **kwargs):
        if not calls:
            calls.append(1)
            raise Crash("died after the proposal was created")
        return fn(*args, **kwargs)

    return wrapper


def _forbidden(*args, **kwargs):
    raise AssertionError("a second proposal was made for the same request")


def test_a_run_whose_message_was_not_recorded_posts_it_once(app, slack, sim, monkeypatch):
    slack.command("new summary Summarize: {{text}}")
    slack.command('run summary text="hello"')
    runs = app.services.runs
    monkeypatch.setattr(runs, "attach_message", _crash_once(runs.attach_message))
    later = [datetime.now(UTC)]

    def claim():
        later[0] += timedelta(minutes=5)
        return Store(app.store.engine, clock=lambda: later[0]).inbox_claim("worker", 10, 60)

    [item] = claim()
    with pytest.raises(Crash):
        app.router(item)
    [retry] = claim()
    app.router(retry)
    [posted] = _drafts(sim)
    [run] = app.store.recent_runs(app.store.get_template(TEAM, "summary").id)
    assert (run.message_ts, run.status.value) == (posted["ts"], "done")


def test_an_approval_whose_message_update_failed_is_shown_by_the_retry(app, sim, request_row,
                                                                       monkeypatch):  # fmt: skip
    """The decision is recorded once; the retry shows it instead of refusing it as already
    decided (which is what deciding again would answer)."""
    from bot.background import processors
    from bot.background.jobs import DecideJob

    [item] = request_row()
    app.router(item)
    [proposal] = _one_proposal(app)
    app.inbox.put(DecideJob(actor=ALICE, proposal_id=str(proposal.id), decision="approve"),
                  key="action:approve")  # fmt: skip
    monkeypatch.setattr(
        processors, "refresh_proposal", _crash_once(processors.refresh_proposal)
    )  # Slack is down when the approval is to be shown
    [decide] = [i for i in request_row() if i.kind == "decide"]
    with pytest.raises(Crash):
        app.router(decide)
    assert app.store.get_proposal(proposal.id).status.value == "approved"
    [retry] = [i for i in request_row() if i.kind == "decide"]  # (the router marks none done)
    app.router(retry)
    assert not [c for c in sim.api_calls if c["method"] == "chat.postEphemeral"]  # no refusal
    [shown] = [m for m in _drafts(sim) if m["ts"] == proposal.message_ts]
    assert "proposal_approve" not in str(shown.get("blocks"))  # shown as decided
