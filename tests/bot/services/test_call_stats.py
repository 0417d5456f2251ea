"""Every model call is recorded (DESIGN §3), also when the run, the proposal or its evaluation
fails: the real google-genai client against a local Gemini server on 127.0.0.1."""

from __future__ import annotations

import pytest

from alignment import FeedbackKind, Label, ProposalFailed
from bot.services import Actor, Models, build_services
from bot.slack import commands as c
from bot.slack.views.proposal import proposal_message
from tests.bot.slack.views.limits import all_text
from tests.fakes.gemini_server import HANG, Raw, gemini_json, gemini_text

TEAM, CHANNEL = "T1", "C1"
ALICE, BOB = Actor(TEAM, "U0ALICE", CHANNEL), Actor(TEAM, "U0BOB", CHANNEL)
GEMINI = "gemini/gemini-2.5-flash"
TIMEOUT = 0.4  # seconds: a HANG answer is a timeout after this


@pytest.fixture
def services(store, gemini):
    models = Models(
        align_model=GEMINI,
        target_model=GEMINI,
        timeout=TIMEOUT,
        max_retries=0,
        credentials=gemini.credentials,
    )
    return build_services(store, models)


def _template_with_a_critiqued_run(services, store, gemini):
    services.templates.new(ALICE, c.NewTemplate("summary", "Summarize: {{text}}"))
    gemini.enqueue(gemini_text("The launch moved.", prompt_tokens=30, output_tokens=5))
    run = services.runs.start(ALICE, c.Run("summary", {"text": "The launch moved to May"}))
    assert services.runs.execute(run.id).status == "done"
    services.runs.attach_message(run.id, CHANNEL, "100.1")
    services.feedback.reply(BOB, "100.1", "100.2", FeedbackKind.CRITIQUE, "Name the date")
    info = store.get_template(TEAM, "summary")
    return info, run


def test_a_run_that_times_out_records_what_the_call_cost(services, store, gemini):
    services.templates.new(ALICE, c.NewTemplate("summary", "Summarize: {{text}}"))
    gemini.enqueue(HANG)
    run = services.runs.start(ALICE, c.Run("summary", {"text": "The launch moved"}))
    view = services.runs.execute(run.id)
    assert view.status == "failed" and "did not answer within" in view.error
    [call] = store.call_stats(run_id=run.id)
    assert (call.purpose, call.input_tokens, call.output_tokens) == ("run", 0, 0)
    assert call.latency_ms >= TIMEOUT * 1000 * 0.9 and call.model.endswith("gemini-2.5-flash")


def test_a_failed_proposal_keeps_its_calls_and_reason_and_supersedes_nothing(
    services, store, gemini
):
    info, _ = _template_with_a_critiqued_run(services, store, gemini)
    sent_before = len(gemini.requests)
    gemini.enqueue(
        gemini_text("no JSON here", prompt_tokens=300, output_tokens=11),
        gemini_text("still no JSON", prompt_tokens=320, output_tokens=13),
    )
    with pytest.raises(ProposalFailed, match="unusable") as failed:
        services.proposals.create(ALICE, "summary")
    assert len(gemini.requests) - sent_before == 2  # the distill call and its one repair

    [proposal] = store.list_proposals(info.id)
    assert proposal.status.value == "failed" and proposal.status_reason == failed.value.reason
    assert proposal.text == "Summarize: {{text}}" and proposal.created_by == "U0ALICE"
    calls = store.call_stats(proposal_id=proposal.id)
    assert [(k.input_tokens, k.output_tokens) for k in calls] == [(300, 11), (320, 13)]
    assert [k.purpose for k in calls] == ["distill", "distill:repair"]
    assert store.count_pending(info.id) == 1  # the feedback waits for the next attempt
    assert store.get_template(TEAM, "summary").active_version.number == 1


def test_nothing_to_propose_spends_nothing_and_records_nothing(services, store, gemini):
    services.templates.new(ALICE, c.NewTemplate("summary", "Summarize: {{text}}"))
    with pytest.raises(ProposalFailed, match="nothing to propose"):
        services.proposals.create(ALICE, "summary")
    assert gemini.requests == []
    assert store.list_proposals(store.get_template(TEAM, "summary").id) == []


def test_a_failed_judge_and_evaluation_still_count_on_the_proposal(services, store, gemini):
    info, _ = _template_with_a_critiqued_run(services, store, gemini)
    services.feedback.reaction(ALICE, "100.1", "thumbsdown", Label.BAD, added=True)
    gemini.enqueue(gemini_text("The budget was cut.", prompt_tokens=30, output_tokens=5))
    liked = services.runs.start(ALICE, c.Run("summary", {"text": "The budget was cut"}))
    assert services.runs.execute(liked.id).status == "done"
    services.runs.attach_message(liked.id, CHANNEL, "100.3")
    # the judge needs both a 👍 and a 👎 before it is built (and can fail)
    services.feedback.reaction(ALICE, "100.3", "+1", Label.GOOD, added=True)
    [critique] = [f for f in store.pending_feedback(info.id) if f.kind is FeedbackKind.CRITIQUE]
    mutation = {
        "op": "add",
        "principle_id": "",
        "text": "Name the date when a plan moves.",
        "feedback_ids": [critique.id],
        "reason": "asked for in the thread",
    }
    rewrite = {"template": "Summarize, naming dates: {{text}}", "rationale": "dates matter"}
    gemini.enqueue(
        gemini_json({"mutations": [mutation]}, prompt_tokens=400, output_tokens=40),
        gemini_json(rewrite, prompt_tokens=200, output_tokens=20),
        Raw("{not json", status=500),  # judge rule books: a server error
        HANG,  # evaluation: the current template on the critiqued input times out
    )
    proposal = services.proposals.create(ALICE, "summary")
    assert proposal.status.value == "pending"
    assert "evaluation failed" in proposal.evaluation["error"]
    calls = store.call_stats(proposal_id=proposal.id)
    assert [k.purpose for k in calls] == ["distill", "rewrite", "judge-rules", "run"]
    assert [(k.input_tokens, k.output_tokens) for k in calls[:2]] == [(400, 40), (200, 20)]
    assert calls[-1].latency_ms >= TIMEOUT * 1000 * 0.9
    assert len(calls) == len(gemini.requests) - 2  # every request but the two runs'
    # the team sees why the proposal has no before/after instead of nothing at all
    text = all_text(proposal_message(services.proposals.view(proposal.id)))
    assert "Before / after not shown* — evaluation failed:" in text
