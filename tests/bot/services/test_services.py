"""The use cases on a real database with the offline model: what a person asking for them gets,
and that a bad request changes nothing."""

from __future__ import annotations

import pytest

from alignment import FeedbackKind, Label, MissingVariableError, ModelTimeout, TemplateError
from alignment.settings import SettingsChange
from bot.services import Actor, Models, ServiceError, build_services
from bot.slack import commands as c
from bot.slack.views.history import history_message
from bot.slack.views.templates import show_message
from storage import AlreadyExists, InvalidInput, VersionSource


def change(**values: object) -> SettingsChange:
    return SettingsChange.parse(values)


TEAM, CHANNEL = "T1", "C1"
ALICE, BOB = Actor(TEAM, "U0ALICE", CHANNEL), Actor(TEAM, "U0BOB", CHANNEL)


@pytest.fixture
def services(store):
    return build_services(store, Models())


def _new(services, text="Summarize: {{text}}", name="summary"):
    return services.templates.new(ALICE, c.NewTemplate(name, text))


def _posted_run(services, store, ts="100.1", **inputs):
    run = services.runs.start(ALICE, c.Run("summary", inputs or {"text": "The launch moved"}))
    services.runs.execute(run.id)
    services.runs.attach_message(run.id, CHANNEL, ts)
    return store.get_run(run.id)


def test_new_template_rejects_bad_syntax_and_duplicates_changing_nothing(services, store):
    with pytest.raises(TemplateError, match="unclosed"):
        _new(services, "Summarize: {{text")
    assert store.list_templates(TEAM) == []
    detail = _new(services)
    assert (detail.name, detail.version, detail.variables) == ("summary", 1, ("text",))
    assert detail.settings.channel_id == CHANNEL
    with pytest.raises(AlreadyExists):
        _new(services, "Other: {{x}}")
    assert store.get_template(TEAM, "summary").active_version.text == "Summarize: {{text}}"


def test_unknown_template_names_the_ones_that_exist(services):
    _new(services)
    with pytest.raises(ServiceError, match=r"no template named `sumary`.*summary"):
        services.templates.show(ALICE, c.Show("sumary"))


def test_run_inputs_are_checked_before_anything_is_recorded(services, store):
    _new(services, "Write to {{who}} about {{topic}}")
    info = store.get_template(TEAM, "summary")
    with pytest.raises(MissingVariableError, match="topic"):
        services.runs.start(ALICE, c.Run("summary", {"who": "Bo"}))
    with pytest.raises(ServiceError, match="no variable tone"):
        services.runs.start(ALICE, c.Run("summary", {"who": "Bo", "topic": "x", "tone": "dry"}))
    with pytest.raises(TemplateError, match="2 variables"):
        services.runs.start(ALICE, c.Run("summary", text="free text"))
    assert store.recent_runs(info.id) == []


def test_run_executes_on_the_offline_model_and_a_model_failure_is_recorded(services, store):
    _new(services)
    run = services.runs.start(ALICE, c.Run("summary", text="The launch moved"))
    assert run.inputs == {"text": "The launch moved"}
    view = services.runs.execute(run.id)
    assert view.status == "done" and "offline model" in view.output and view.model == "offline"
    assert services.runs.execute(run.id).output == view.output  # done runs are not redone

    class Hanging:
        def generate(self, request):
            raise ModelTimeout("offline/hang did not answer within 1s")

    services.models._clients["offline"] = Hanging()
    failed = services.runs.execute(services.runs.again(BOB, str(run.id)).id)
    assert failed.status == "failed" and "did not answer within 1s" in failed.error


def test_reactions_count_once_and_removal_retracts(services, store):
    _new(services)
    run = _posted_run(services, store)
    fb = services.feedback
    assert fb.reaction(BOB, "999.9", "+1", Label.GOOD, added=True).run is None  # not a run
    first = fb.reaction(BOB, run.message_ts, "+1::skin-tone-2", Label.GOOD, added=True)
    again = fb.reaction(BOB, run.message_ts, "+1", Label.GOOD, added=True)
    assert first.created and not again.created
    bad = fb.reaction(ALICE, run.message_ts, "thumbsdown", Label.BAD, added=True)
    assert bad.ask_what_should_change and not first.ask_what_should_change
    assert store.count_pending(run.template_id) == 2
    assert fb.reaction(BOB, run.message_ts, "+1", Label.GOOD, added=False).retracted
    assert store.count_pending(run.template_id) == 1
    assert fb.reaction(BOB, run.message_ts, "+1", Label.GOOD, added=True).created


def test_thread_replies_are_feedback_only_on_run_threads(services, store):
    _new(services)
    run = _posted_run(services, store)
    fb = services.feedback
    assert fb.reply(BOB, "555.5", "555.6", FeedbackKind.CRITIQUE, "Shorter").run is None
    assert fb.reply(BOB, run.message_ts, "100.2", FeedbackKind.CRITIQUE, "Shorter").created
    assert not fb.reply(BOB, run.message_ts, "100.2", FeedbackKind.CRITIQUE, "Shorter").created
    assert not fb.reply(BOB, run.message_ts, "100.3", FeedbackKind.REWRITE, "  ").created
    assert fb.reply(BOB, run.message_ts, "100.4", FeedbackKind.KUDOS, "").created
    kinds = sorted(f.kind.value for f in store.pending_feedback(run.template_id))
    assert kinds == ["critique", "kudos"]


def test_an_edited_reply_changes_its_one_feedback_item(services, store):
    _new(services)
    run = _posted_run(services, store)
    fb = services.feedback

    def pending():
        return [(f.kind.value, f.text) for f in store.pending_feedback(run.template_id)]

    fb.reply(BOB, run.message_ts, "100.2", FeedbackKind.CRITIQUE, "Too long")
    edited = fb.edit_reply(BOB, run.message_ts, "100.2", FeedbackKind.REWRITE, "Short output")
    assert edited.kind is FeedbackKind.REWRITE and not edited.created
    assert pending() == [("rewrite", "Short output")]
    fb.edit_reply(BOB, run.message_ts, "100.2", FeedbackKind.REWRITE, "Short output")  # again
    assert pending() == [("rewrite", "Short output")]
    # Edited down to a bare `rewrite:` it no longer counts; edited back, it counts again, once.
    assert fb.edit_reply(BOB, run.message_ts, "100.2", FeedbackKind.REWRITE, " ").retracted
    assert pending() == []
    fb.edit_reply(BOB, run.message_ts, "100.2", FeedbackKind.CRITIQUE, "Name the date")
    assert pending() == [("critique", "Name the date")]
    # A reply that was not feedback at first (a bare `rewrite:`) becomes feedback when edited.
    assert not fb.reply(BOB, run.message_ts, "100.3", FeedbackKind.REWRITE, "").created
    assert fb.edit_reply(BOB, run.message_ts, "100.3", FeedbackKind.REWRITE, "Better").created
    assert len(pending()) == 2
    assert fb.edit_reply(BOB, "555.5", "555.6", FeedbackKind.CRITIQUE, "x").run is None


def test_proposal_from_feedback_then_approval_makes_version_two(services, store):
    _new(services)
    run = _posted_run(services, store)
    services.feedback.reply(BOB, run.message_ts, "100.2", FeedbackKind.CRITIQUE, "Name the date")
    services.feedback.reaction(ALICE, run.message_ts, "thumbsdown", Label.BAD, added=True)
    proposal = services.proposals.create(ALICE, "summary")
    view = services.proposals.view(proposal.id, lambda ch, ts: f"https://x/{ch}/{ts}")
    assert view.status == "pending" and view.base_version == 1
    assert "+" in view.diff and view.principle_changes
    links = [link for change in view.principle_changes for link in change.feedback]
    assert any(link.permalink == f"https://x/{CHANNEL}/100.2" for link in links)
    assert view.evaluation and view.evaluation[0].inputs == {"text": "The launch moved"}

    outcome = services.proposals.approve(BOB, str(proposal.id))
    assert outcome.outcome.value == "approved"
    after = services.proposals.view(proposal.id)
    assert (after.status, after.new_version, after.decided_by) == ("approved", 2, "U0BOB")
    assert store.get_template(TEAM, "summary").active_version.text == proposal.text


def test_nothing_to_propose_is_said_plainly(services):
    from alignment import ProposalFailed

    _new(services)
    with pytest.raises(ProposalFailed, match="nothing to propose"):
        services.proposals.create(ALICE, "summary")


def test_rejection_reason_becomes_pending_feedback_and_history_lists_versions(services, store):
    _new(services)
    run = _posted_run(services, store)
    services.feedback.reply(BOB, run.message_ts, "100.2", FeedbackKind.CRITIQUE, "Name the date")
    proposal = services.proposals.create(ALICE, "summary")
    outcome = services.proposals.reject(BOB, str(proposal.id), "Too formal")
    assert outcome.outcome.value == "rejected"
    view = services.proposals.view(proposal.id)
    assert (view.status, view.decided_by, view.reason) == ("rejected", "U0BOB", "Too formal")
    assert "Too formal" in [f.text for f in store.pending_feedback(run.template_id)]

    rows = services.templates.history(ALICE, "summary")
    assert [(r.version, r.active) for r in rows] == [(1, True)]
    assert "Summarize" in services.transfer.export_text(ALICE, "summary")


def test_schedule_settings_are_stored_for_the_scheduler(services, store):
    _new(services)
    view = services.templates.settings(
        ALICE,
        c.Settings(
            "summary", change(daily_digest=True, proposal_ttl_hours=48, remind_after_hours=0)
        ),
    )
    assert (view.daily_digest, view.proposal_ttl_hours, view.remind_after_hours) == (
        True,
        48,
        None,
    )
    stored = store.get_template(TEAM, "summary").settings
    assert (stored.daily_digest, stored.proposal_ttl_hours, stored.remind_after_hours) == (
        True,
        48,
        None,
    )
    services.templates.settings(ALICE, c.Settings("summary", change(remind_after_hours=6)))
    assert store.get_template(TEAM, "summary").settings.remind_after_hours == 6
    assert services.templates.show(ALICE, c.Show("summary")).settings.daily_digest is True


def test_a_refused_settings_change_changes_nothing(services, store):
    _new(services)
    services.templates.settings(ALICE, c.Settings("summary", change(approvers=("U0BOB",))))
    with pytest.raises(InvalidInput, match="`approvers` names 1: no proposal could ever pass"):
        services.templates.settings(
            ALICE, c.Settings("summary", change(approvals_required=2, target_model="gemini/x"))
        )
    info = store.get_template(TEAM, "summary")
    assert info.settings.approvals_required == 1
    assert info.target_model in (None, "offline")


def test_settings_mode_principles_rollback_and_diff(services, store):
    _new(services)
    settings = services.templates.settings(
        ALICE, c.Settings("summary", change(approvers=("U0BOB",), approvals_required=1))
    )
    assert settings.approvers == ("U0BOB",)
    assert services.templates.set_mode(ALICE, c.SetMode("summary", "direct")).mode == "direct"
    row = services.templates.add_principle(ALICE, c.AddPrinciple("summary", "Name dates"))
    assert row.origin == "manual" and row.status == "active"
    info = store.get_template(TEAM, "summary")
    store.add_version(info.id, "Summarize briefly: {{text}}", author="U0ALICE")
    diff = services.templates.diff(ALICE, c.Diff("summary", 1, 2))
    assert "-Summarize: {{text}}" in diff and "+Summarize briefly: {{text}}" in diff
    rolled = services.templates.rollback(ALICE, c.Rollback("summary", 1))
    assert (rolled.version, rolled.source, rolled.rolled_back_to) == (3, "rollback", 1)
    with pytest.raises(ServiceError, match="no version v9"):
        services.templates.diff(ALICE, c.Diff("summary", 1, 9))
    # No final newline on either text: the unchanged last line is not shown as removed and added.
    store.add_version(info.id, "Summarize briefly: {{text}}\nName the dates.", author="U0ALICE")
    diff = services.templates.diff(ALICE, c.Diff("summary", 2, 4))
    assert [line for line in diff.splitlines() if line[:1] in "+-" and line[1:2] not in "+-"] == [
        "+Name the dates."
    ]


def test_imported_versions_show_as_imported(services, store):
    """The views knew only manual/proposal/rollback, so a version whose source is `import` was
    shown as written by hand."""
    _new(services)
    doc = store.export_template(store.get_template(TEAM, "summary").id)
    doc["versions"][0]["source"] = "import"
    store.import_template(TEAM, doc, name="summary-copy")
    [row] = services.templates.history(ALICE, "summary-copy")
    assert row.source is VersionSource.IMPORT
    assert "imported by" in str(history_message("summary-copy", [row])["blocks"])
    detail = services.templates.show(ALICE, c.Show("summary-copy"))
    assert detail.source is VersionSource.IMPORT
    assert "· import" in str(show_message(detail)["blocks"])
