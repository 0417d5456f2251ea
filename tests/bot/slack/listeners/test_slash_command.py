"""`/align` as the listener answers it: quick subcommands in the ack, errors only to the person,
runs and proposals stored for the worker (the model is never called in the request)."""

from __future__ import annotations

from bot.background.jobs import ExportJob, ProposeJob, RunJob, parse_job
from bot.services import Actor
from tests.bot.slack.listeners.conftest import CHANNEL, TEAM, claimed


def _text(body) -> str:
    return str(body)


def test_bad_input_gets_a_clear_private_message_and_changes_nothing(app, slack):
    status, body = slack.command("frobnicate summary")
    assert status == 200 and "frobnicate" in _text(body) and "response_type" not in body
    status, body = slack.command("new summary Summarize: {{text")
    assert "unclosed" in _text(body)
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


def test_propose_is_queued_and_acknowledged_privately(app, slack):
    slack.command("new summary Summarize: {{text}}")
    _status, body = slack.command("propose summary")
    assert "Working on a proposal" in _text(body)
    [item] = claimed(app)
    assert parse_job(item.payload) == ProposeJob(
        actor=Actor(TEAM, "U0ALICE", CHANNEL), name="summary"
    )
    assert item.lane == f"template:{TEAM}:summary"


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
        "rollback summary v1": "v3 is now active",
        "export summary": "Summarize briefly",
    }
    for text, expected in answers.items():
        status, body = slack.command(text)
        assert status == 200 and expected in _text(body), (text, _text(body)[:300])
    info = app.store.get_template(TEAM, "summary")
    assert info.workflow.value == "direct" and info.active_version.number == 3
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
