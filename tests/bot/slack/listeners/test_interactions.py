"""Buttons and modal submissions: modals open inside the request, bad input is shown next to the
field, decisions are stored for the worker."""

from __future__ import annotations

from bot.background.jobs import DecideJob, parse_job
from bot.services import Actor
from bot.slack.views import ids, modals
from tests.bot.slack.listeners.conftest import CHANNEL, TEAM, claimed


def click(action_id: str, value: str, trigger: str, user: str = "U0BOB"):
    return {
        "type": "block_actions",
        "user": {"id": user, "team_id": TEAM},
        "trigger_id": trigger,
        "channel": {"id": CHANNEL},
        "container": {"type": "message", "channel_id": CHANNEL, "message_ts": "400.1"},
        "actions": [{"action_id": action_id, "value": value, "type": "button"}],
    }


def submission(view: dict, values: dict, user: str = "U0ALICE", view_id: str = "V1"):
    state = {}
    for block in view["blocks"]:
        if block.get("type") == "input":
            aid = block["element"]["action_id"]
            raw = values.get(block["block_id"])
            state[block["block_id"]] = {aid: {"type": "plain_text_input", "value": raw}}
    return {
        "type": "view_submission",
        "user": {"id": user, "team_id": TEAM},
        "view": {**view, "id": view_id, "state": {"values": state}},
    }


def test_new_template_modal_errors_point_at_the_field(app, slack):
    view = modals.new_template_modal(channel_id=CHANNEL)
    status, body = slack.interaction(
        submission(view, {ids.NAME_BLOCK: "summary", ids.TEMPLATE_BLOCK: "Sum: {{text"})
    )
    assert status == 200 and body["response_action"] == "errors"
    assert body["errors"][ids.TEMPLATE_BLOCK].startswith("Unclosed")  # a sentence
    assert app.store.list_templates(TEAM) == []
    ok = submission(view, {ids.NAME_BLOCK: "summary", ids.TEMPLATE_BLOCK: "Sum: {{text}}"})
    assert slack.interaction(ok) == (200, "")
    assert app.store.get_template(TEAM, "summary").channel_id == CHANNEL
    status, body = slack.interaction(ok)
    assert "already exists" in body["errors"][ids.NAME_BLOCK]


def test_critique_button_opens_its_modal_and_the_submission_is_feedback(app, slack, sim):
    slack.command("new summary Summarize: {{text}}")
    slack.command('run summary text="hi"')
    run = app.store.recent_runs(app.store.get_template(TEAM, "summary").id)[0]
    trigger = sim.views.issue_trigger("U0BOB")
    assert slack.interaction(click(ids.RUN_CRITIQUE, str(run.id), trigger))[0] == 200
    [modal] = sim.open_views("U0BOB")
    assert modal["callback_id"] == ids.CRITIQUE_MODAL
    sub = submission(modal, {ids.TEXT_BLOCK: "Name the date"}, user="U0BOB", view_id=modal["id"])
    assert slack.interaction(sub) == (200, "")
    [feedback] = app.store.pending_feedback(run.template_id)
    assert (feedback.kind.value, feedback.text, feedback.author) == (
        "critique",
        "Name the date",
        "U0BOB",
    )


def pending_proposal(app, team: str = TEAM) -> str:
    info = app.store.create_template(team, "summary", "Sum: {{text}}", channel_id=CHANNEL,
                                     author="U0ALICE")  # fmt: skip
    p = app.store.create_proposal(info.id, info.active_version.id, "Summarize: {{text}}", "",
                                  "principles", [], [], None, [], "U0ALICE")  # fmt: skip
    return str(p.id)


def test_approve_is_stored_for_the_worker_and_unknown_buttons_are_refused(app, slack, sim):
    pid = pending_proposal(app)
    assert slack.interaction(click(ids.PROPOSAL_APPROVE, pid, "t-1"))[0] == 200
    [item] = claimed(app)
    assert (item.kind, item.lane) == ("decide", f"proposal:{pid}")
    assert parse_job(item.payload) == DecideJob(
        actor=Actor(TEAM, "U0BOB", CHANNEL), proposal_id=pid, decision="approve"
    )
    assert slack.interaction(click(ids.PROPOSAL_APPROVE, pid, "t-1"))[0] == 200  # retried
    assert claimed(app) == []
    assert slack.interaction(click(ids.PROPOSAL_APPROVE, "999", "t-3"))[0] == 200
    assert claimed(app) == []  # an unknown proposal is refused at once, not stored
    assert slack.interaction(click(ids.PROPOSAL_REJECT, "999", "t-2"))[0] == 200
    refusals = [c for c in sim.api_calls if c["method"] == "chat.postEphemeral"]
    assert "no proposal #999" in str(refusals[-1]["args"]).lower()


def test_reject_reason_submission_is_stored_as_a_decision(app, slack):
    view = modals.reject_modal("12", "summary")
    status, body = slack.interaction(submission(view, {ids.REASON_BLOCK: ""}))
    assert (
        status == 200 and body["response_action"] == "errors" and ids.REASON_BLOCK in body["errors"]
    )
    _status, body = slack.interaction(submission(view, {ids.REASON_BLOCK: "Too formal"}))
    assert "no proposal #12" in body["errors"][ids.REASON_BLOCK].lower()
    assert claimed(app) == []
