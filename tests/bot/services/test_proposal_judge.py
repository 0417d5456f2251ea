"""The judge behind a proposal's before/after, on a real database with the offline model: with one
kind of label the proposal says why it is not scored; with both it is scored."""

from __future__ import annotations

import pytest

from alignment import FeedbackKind, Label
from bot.services import Actor, Models, build_services
from bot.slack import commands as c
from bot.slack.views.proposal import proposal_message
from tests.bot.slack.views.limits import all_text

TEAM, CHANNEL = "T1", "C1"
ALICE, BOB = Actor(TEAM, "U0ALICE", CHANNEL), Actor(TEAM, "U0BOB", CHANNEL)


@pytest.fixture
def services(store):
    services = build_services(store, Models())
    services.templates.new(ALICE, c.NewTemplate("summary", "Summarize: {{text}}"))
    return services


def _posted_run(services, store, ts: str, text: str):
    run = services.runs.start(ALICE, c.Run("summary", {"text": text}))
    services.runs.execute(run.id)
    services.runs.attach_message(run.id, CHANNEL, ts)
    return store.get_run(run.id)


def _critique(services, run):
    services.feedback.reply(BOB, run.message_ts, "200.1", FeedbackKind.CRITIQUE, "Name the date")


def test_only_bad_labels_give_a_proposal_that_says_why_it_is_not_scored(services, store):
    first = _posted_run(services, store, "100.1", "The launch moved to May")
    second = _posted_run(services, store, "100.2", "The budget was cut")
    _critique(services, first)
    for run in (first, second):
        services.feedback.reaction(ALICE, run.message_ts, "-1", Label.BAD, added=True)

    proposal = services.proposals.create(ALICE, "summary")
    assert [c.purpose for c in proposal.calls if c.purpose.startswith("judge")] == []
    view = services.proposals.view(proposal.id)
    assert view.judge_note == (
        "the judge needs at least one 👍 and one 👎 run to compare against (it has 2 👎, 0 👍)"
    )
    assert view.evaluation and all(
        r.score_before is None and r.score_after is None for r in view.evaluation
    )
    assert {r.inputs["text"] for r in view.evaluation} == {
        "The launch moved to May",
        "The budget was cut",
    }
    text = all_text(proposal_message(view))
    assert "Judge: not scored* — the judge needs at least one 👍 and one 👎 run" in text
    assert "judge score" not in text and "The budget was cut" in text


def test_no_labels_at_all_say_so_too(services, store):
    _critique(services, _posted_run(services, store, "100.1", "The launch moved to May"))
    view = services.proposals.view(services.proposals.create(ALICE, "summary").id)
    assert view.judge_note and "(it has 0 👎, 0 👍)" in view.judge_note
    assert view.evaluation and view.evaluation[0].score_after is None


def test_a_good_and_a_bad_label_give_judge_scores_and_no_note(services, store):
    good = _posted_run(services, store, "100.1", "The launch moved to May")
    bad = _posted_run(services, store, "100.2", "The budget was cut")
    _critique(services, bad)
    services.feedback.reaction(ALICE, good.message_ts, "+1", Label.GOOD, added=True)
    services.feedback.reaction(ALICE, bad.message_ts, "-1", Label.BAD, added=True)

    proposal = services.proposals.create(ALICE, "summary")
    judge_calls = [c.purpose for c in proposal.calls if c.purpose.startswith("judge")]
    assert judge_calls == ["judge-rules", "judge-score", "judge-score"]  # build, check, evaluate
    view = services.proposals.view(proposal.id)
    assert view.judge_note is None
    assert view.evaluation and all(
        r.score_before is not None and r.score_after is not None for r in view.evaluation
    )
    text = all_text(proposal_message(view))
    assert "not scored" not in text
    # The offline judge tells the good run from the bad one, but scores each run's before and
    # after alike (the stand-in outputs differ only in the Guidelines): it says so, no 0.00 → 0.00.
    assert [(r.score_before, r.score_after) for r in view.evaluation] == [(0.0, 0.0), (1.0, 1.0)]
    assert "could not tell the outputs apart" in text and "→ *0.00*" not in text
