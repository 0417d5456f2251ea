"""`/align` as the listener answers it: quick subcommands in the ack, errors only to the person,
runs and proposals stored for the worker (the model is never called in the request)."""

from __future__ import annotations

import re

from bot.background.jobs import ExportJob, ProposeJob, RunJob, parse_job
from bot.services import Actor
from tests.bot.slack.listeners.conftest import CHANNEL, TEAM, claimed


def _text(body) -> str:
    return str(body)


def test_bad_input_gets_a_clear_private_message_and_changes_nothing(app, slack):
    status, body = slack.command("frobnicate summary")
    assert status == 200 and "frobnicate" in _text(body) and "response_type" not in body
    status, body = slack.command("new summary Summarize: {{text")
    assert "Unclosed" in _text(body)  # a sentence
    status, body = slack.command("run nosuch text=hi")
    assert "no template named `nosuch`" in _text(body)
    assert app.store.list_templates(TEAM) == [] and claimed(app) == []


def test_new_is_answered_in_the_channel_and_list_privately(app, slack):
    status, body = slack.command("new summary Summarize: {{text}}")
    assert status == 200 and body["response_type"] == "in_channel"
    assert app.store.get_template(TEAM, "summary").channel_id == CHANNEL
    status, body = slack.command("list")
    assert "summary" in _text(body) and "response_type" not in body


def test_run_is_recorded_and_queued_without_running_the_model(app, slack):
    slack.command("new summary Summarize: {{text}}")
    status, body = slack.command('run summary text="hello there"')
    assert status == 200 and body == ""
    info = app.store.get_template(TEAM, "summary")
    [run] = app.store.recent_runs(info.id)
    assert run.status.value == "pending" and run.inputs == {"text": "hello there"}
    [item] = claimed(app)
    assert parse_job(item.payload) == RunJob(
        actor=Actor(TEAM, "U0ALICE", CHANNEL), run_id=run.id, post_channel=CHANNEL
    )


def test_run_with_a_missing_variable_is_refused(app, slack):
    slack.command("new letter Write to {{who}} about {{topic}}")
    _status, body = slack.command("run letter who=Bo")
    assert "topic" in _text(body)
    assert claimed(app) == []


def test_propose_is_queued_with_no_reply_that_would_stay_behind(app, slack):
    """The channel's "Drafting…" message is the progress (the proposal replaces it); an
    ephemeral "working on it" would outlive the work."""
    slack.command("new summary Summarize: {{text}}")
    status, body = slack.command("propose summary")
    assert status == 200 and body == ""
    [item] = claimed(app)
    assert parse_job(item.payload) == ProposeJob(
        actor=Actor(TEAM, "U0ALICE", CHANNEL), name="summary"
    )
    assert item.lane == f"template:{TEAM}:summary"


def test_propose_from_another_channel_says_where_the_proposal_will_be(app, slack):
    slack.command("new summary Summarize: {{text}}")
    status, body = slack.command("propose summary", channel="C0OTHER")
    assert status == 200 and f"<#{CHANNEL}>" in _text(body)
    [item] = claimed(app)
    assert item.kind == "propose"


def test_bare_forms_open_their_modal(app, slack, sim):
    status, body = slack.command("new", trigger=sim.views.issue_trigger("U0ALICE"))
    assert status == 200 and body == ""
    assert sim.open_views("U0ALICE")[-1]["callback_id"] == "new_template_modal"
    slack.command("new summary Summarize: {{text}}")
    slack.command("run summary", trigger=sim.views.issue_trigger("U0ALICE"))
    run_modal = sim.open_views("U0ALICE")[-1]
    assert run_modal["callback_id"] == "run_modal" and "var:text" in str(run_modal["blocks"])


def test_a_modal_that_cannot_open_is_explained_privately(app, slack):
    status, body = slack.command("new", trigger="expired-trigger")
    assert status == 200 and "could not open the form" in _text(body)


def test_every_subcommand_answers(app, slack):
    slack.command("new summary Summarize: {{text}}")
    info = app.store.get_template(TEAM, "summary")
    app.store.add_version(info.id, "Summarize briefly: {{text}}", author="U0ALICE")
    answers = {
        "help run": "/align run",
        "show summary v1": "Summarize: {{text}}",
        "principle summary Always name dates": "Always name dates",
        "principles summary": "Always name dates",
        "mode summary direct": "direct",
        "settings summary": "approvals",
        "settings summary approvals=2 approvers=<@U0BOB|bob>,<@U0CAROL|carol>": "U0CAROL",
        "history summary": "v2",
        "diff summary v1 v2": "briefly",
        "rollback summary v1": "Roll back summary to v1?",  # asks first (see tests/e2e)
        "export summary": "Summarize briefly",
    }
    for text, expected in answers.items():
        status, body = slack.command(text)
        assert status == 200 and expected in _text(body), (text, _text(body)[:300])
    info = app.store.get_template(TEAM, "summary")
    assert info.workflow.value == "direct" and info.active_version.number == 2
    assert info.settings.approvals_required == 2 and info.settings.approvers == (
        "U0BOB",
        "U0CAROL",
    )


def test_an_export_too_long_for_a_message_is_queued_as_a_file_upload(app, slack):
    long_text = "Summarize {{text}} like this: " + "a careful sentence. " * 800
    slack.command(f"new big {long_text}")
    status, body = slack.command("export big")
    assert status == 200 and "uploaded to this channel as `big.json`" in _text(body)
    assert "more than a message holds" not in _text(body)  # no truncated copy is offered
    [item] = claimed(app)
    assert parse_job(item.payload) == ExportJob(actor=Actor(TEAM, "U0ALICE", CHANNEL), name="big")
    status, body = slack.command("export big")  # asked again: a second upload, a second row
    assert len(claimed(app)) == 1


def _listed_settings(body) -> list[str]:
    """The setting names `/align settings NAME` lists (`• *name*: value` lines)."""
    return re.findall(r"• \*([a-z_]+)\*:", _text(body))


def test_every_listed_setting_can_be_set_by_the_name_shown(app, slack):
    """`mode` and `channel` were listed but refused ("Unknown setting mode")."""
    slack.command("new summary Summarize: {{text}}")
    _status, body = slack.command("settings summary")
    listed = _listed_settings(body)
    assert listed == [
        "mode",
        "target_model",
        "approvers",
        "approvals",
        "auto_propose_after",
        "daily_digest",
        "proposal_ttl_hours",
        "remind_after_hours",
        "candidates",
        "channel",
        "review_rate",
        "review_cap_per_hour",
    ]
    values = {
        "mode": "direct",
        "target_model": "openai/gemma3",
        "approvers": "<@U0BOB|bob>",
        "approvals": "1",
        "auto_propose_after": "50",
        "daily_digest": "on",
        "proposal_ttl_hours": "48",
        "remind_after_hours": "off",
        "candidates": "3",
        "channel": "<#C0NEWS01|news>",
        "review_rate": "10%",
        "review_cap_per_hour": "5",
    }
    for name in listed:
        _status, body = slack.command(f"settings summary {name}={values[name]}")
        text = _text(body)
        assert f"Updated {name} of *summary*" in text, (name, text[:300])
        assert "Unknown setting" not in text and body["response_type"] == "in_channel"
    info = app.store.get_template(TEAM, "summary")
    s = info.settings
    assert (info.workflow.value, info.target_model, info.channel_id) == (
        "direct",
        "openai/gemma3",
        "C0NEWS01",
    )
    assert (s.approvers, s.approvals_required, s.auto_propose_after) == (("U0BOB",), 1, 50)
    assert (s.daily_digest, s.proposal_ttl_hours, s.remind_after_hours) == (True, 48, None)
    assert s.candidates == 3


def test_confirmations_name_settings_as_people_typed_them(app, slack):
    """`approvals=2` was confirmed as "Updated approvals_required"."""
    slack.command("new summary Summarize: {{text}}")
    _status, body = slack.command("settings summary approvals=2 digest=on")
    text = _text(body)
    assert "Updated approvals, daily_digest of *summary*" in text
    assert "approvals_required" not in text
    assert app.store.get_template(TEAM, "summary").settings.approvals_required == 2


def test_a_bad_setting_in_a_change_changes_nothing(app, slack):
    slack.command("new summary Summarize: {{text}}")
    _status, body = slack.command("settings summary mode=direct approvals=0")
    assert "`approvals` must be a whole number of at least 1, not `0`" in _text(body)
    assert "response_type" not in body  # the error goes to the person only
    info = app.store.get_template(TEAM, "summary")
    assert info.workflow.value == "principles" and info.settings.approvals_required == 1


def test_auto_propose_after_says_what_it_will_do(app, slack):
    """Setting the threshold at or below the waiting feedback fires a proposal at the next
    check: the confirmation says so, and why, instead of one appearing unexplained."""
    slack.command("new summary Summarize: {{text}}")
    info = app.store.get_template(TEAM, "summary")
    run = app.store.record_run(info.id, info.active_version.id, {"text": "x"}, requested_by="U1")
    for i in range(6):
        app.store.add_feedback(info.id, run.id, "U0BOB", "critique", f"Fix {i}")
    _status, body = slack.command("settings summary auto_propose_after=5")
    text = _text(body)
    assert "6 feedback items already waiting, which reaches `auto_propose_after=5`" in text
    assert "an automatic proposal starts within a few minutes" in text
    _status, body = slack.command("settings summary auto_propose_after=10")
    assert "A proposal starts automatically once 10 feedback items are waiting (6 feedback " in (
        _text(body)
    )
    _status, body = slack.command("settings summary auto_propose_after=off")
    assert "Automatic proposals are off" in _text(body)
    _status, body = slack.command("settings summary approvals=1")
    assert "Automatic proposals" not in _text(body)  # only when the threshold is changed
