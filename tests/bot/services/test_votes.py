"""What a vote teaches, on a real database with the offline model: the outputs chosen and not
chosen train the judge of the next proposal, and what the chosen candidate said that the others
did not is feedback for it. Another candidate hears the proposal's thread."""

from __future__ import annotations

import pytest

from alignment import FeedbackKind
from alignment.settings import SettingsChange
from bot.services import Actor, Models, ServiceError, build_services
from bot.slack import commands as c
from bot.slack.views.proposal import proposal_message
from storage.errors import InvalidInput
from tests.bot.slack.views.limits import all_text

TEAM, CHANNEL = "T1", "C1"
ALICE, BOB = Actor(TEAM, "U0ALICE", CHANNEL), Actor(TEAM, "U0BOB", CHANNEL)


@pytest.fixture
def services(store):
    services = build_services(store, Models())
    services.templates.new(ALICE, c.NewTemplate("summary", "Summarize: {{text}}"))
    services.templates.settings(
        ALICE, c.Settings("summary", SettingsChange.parse({"candidates": "2"}))
    )
    for n, (text, critique) in enumerate(
        [("The launch moved to May", "Name the date"), ("The budget was cut", "Say by how much")]
    ):
        run = services.runs.start(ALICE, c.Run("summary", {"text": text}))
        services.runs.execute(run.id)
        services.runs.attach_message(run.id, CHANNEL, f"100.{n}")
        services.feedback.reply(BOB, f"100.{n}", f"200.{n}", FeedbackKind.CRITIQUE, critique)
    return services


def test_two_candidates_are_evaluated_on_the_same_inputs(services, store):
    p = services.proposals.create(ALICE, "summary")
    found = p.evaluation["candidates"]
    assert len(found) == 2 and found[0]["text"] != found[1]["text"]
    inputs = [[r["inputs"] for r in c["rows"]] for c in found]
    assert inputs[0] == inputs[1] and len(inputs[0]) == 2
    view = services.proposals.view(p.id)
    assert [c.number for c in view.candidates] == [1, 2] and view.candidates[0].leading
    text = all_text(proposal_message(view))
    assert "2 candidates" in text and "Vote 2" in text and "Another candidate" in text


def test_votes_train_the_next_judge_and_are_feedback_for_the_next_proposal(services, store):
    p = services.proposals.create(ALICE, "summary")
    added = services.proposals.another_candidate(
        ALICE, str(p.id), [("U0CAROL", "End with a one-line takeaway")]
    )
    assert added == 3
    third = store.get_proposal(p.id).evaluation["candidates"][2]["text"]
    assert "takeaway" in third.lower()
    services.proposals.vote(BOB, str(p.id), 3)
    view = services.proposals.view(p.id)
    assert view.candidates[2].leading and view.candidates[2].votes == 1
    services.proposals.reject(ALICE, str(p.id), "")

    # No run has a 👍 or 👎: the judge now learns from the vote alone.
    nxt = services.proposals.create(ALICE, "summary")
    assert [c.purpose for c in nxt.calls].count("judge-rules") == 1  # one judge for both
    assert any(r.get("score_after") is not None for r in nxt.evaluation["rows"])
    # The chosen candidate's own line reached the next proposal as feedback.
    assert any("takeaway" in c["text"].lower() for c in nxt.evaluation["candidates"])
    assert all(not i.startswith("vote-") for i in nxt.feedback_ids)  # not stored as feedback


def test_a_closed_proposal_takes_no_vote_and_no_candidate(services, store):
    p = services.proposals.create(ALICE, "summary")
    services.proposals.reject(ALICE, str(p.id), "")
    with pytest.raises(ServiceError, match="vote is closed"):
        services.proposals.another_candidate(ALICE, str(p.id), [])
    with pytest.raises(InvalidInput, match="vote is closed"):
        services.proposals.vote(BOB, str(p.id), 1)
