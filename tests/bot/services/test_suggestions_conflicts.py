"""Suggestions and conflicts through the services, on a real database with the offline model."""

from __future__ import annotations

import pytest

from alignment import FeedbackKind
from bot.services import Actor, Models, ServiceError, build_services
from bot.slack import commands as c

TEAM, CHANNEL = "T1", "C1"
ALICE = Actor(TEAM, "U0ALICE", CHANNEL)
MALLORY = Actor("T2", "U0MAL", "C9")  # another workspace


@pytest.fixture
def services(store):
    return build_services(store, Models())


def _done_run(services):
    services.templates.new(ALICE, c.NewTemplate("summary", "Summarize: {{text}}"))
    run = services.runs.start(ALICE, c.Run("summary", {"text": "The launch moved to May"}))
    services.runs.execute(run.id)
    return run


def test_suggestions_cost_one_recorded_call_and_stay_in_their_workspace(services, store):
    run = _done_run(services)
    found = services.suggestions.suggest(ALICE, run.id)
    assert len(found.items) == 3 and store.pending_feedback(run.template_id) == []
    assert [c.purpose for c in store.call_stats(run_id=run.id)] == ["run", "suggest"]
    with pytest.raises(ServiceError):
        services.suggestions.suggest(MALLORY, run.id)
    with pytest.raises(ServiceError):
        services.suggestions.adopt(MALLORY, run.id, FeedbackKind.CRITIQUE, "Shorter")
    assert store.pending_feedback(run.template_id) == []
    with pytest.raises(ServiceError, match="Only a suggested critique or kudos"):
        services.suggestions.adopt(ALICE, run.id, FeedbackKind.PRINCIPLE, "Be short")
    first = services.suggestions.adopt(ALICE, run.id, FeedbackKind.KUDOS, found.items[2].text)
    again = services.suggestions.adopt(ALICE, run.id, FeedbackKind.KUDOS, found.items[2].text)
    assert first.created and not again.created
    [adopted] = store.pending_feedback(run.template_id)
    assert (adopted.kind, adopted.author) == (FeedbackKind.KUDOS, "U0ALICE")


def test_a_proposal_shows_a_conflict_and_approval_holds_it_back(services, store):
    run = _done_run(services)
    services.templates.add_principle(ALICE, c.AddPrinciple("summary", "Include the old date."))
    services.runs.attach_message(run.id, CHANNEL, "100.1")
    services.feedback.reply(ALICE, "100.1", "100.2", FeedbackKind.CRITIQUE, "no old date")
    proposal = services.proposals.create(ALICE, "summary")
    [change] = services.proposals.view(proposal.id).principle_changes
    assert change.text == "Do not include old date."
    assert change.conflicting_text == "Include the old date."
    assert "Do not include old date" not in proposal.text
    services.proposals.approve(ALICE, str(proposal.id))
    info = store.get_template(TEAM, "summary")
    assert [p.text for p in store.active_principles(info.id)] == ["Include the old date."]
    assert [f.text for f in store.pending_feedback(info.id)] == ["no old date"]
