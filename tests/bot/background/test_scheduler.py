"""The scheduled jobs, called directly with a clock the test moves (no sleeping), and their
APScheduler wiring in the database's job store."""

from __future__ import annotations

from sqlalchemy import inspect

from alignment import FeedbackKind
from alignment.settings import SettingsChange
from bot.background.scheduler import Jobs, jobs_for, start_scheduler
from bot.slack import commands as c
from tests.bot.conftest import ALICE, BOB, CHANNEL


def _template_with_feedback(app, n: int, **settings):
    s = app.services
    s.templates.new(ALICE, c.NewTemplate("summary", "Summarize: {{text}}", CHANNEL))
    info = s.templates.get(ALICE, "summary")
    if settings:
        app.store.update_settings(info.id, SettingsChange.parse(settings))
    run = s.runs.start(ALICE, c.Run("summary", {"text": "The launch moved to May"}))
    s.runs.execute(run.id)
    posted = app.posters.for_team(ALICE.team_id).post(CHANNEL, "run", [])
    s.runs.attach_message(run.id, posted.channel, posted.ts)
    for i in range(n):
        s.feedback.reply(BOB, posted.ts, f"{i + 1}.0", FeedbackKind.CRITIQUE, f"Fix thing {i}")
    return posted.ts


def _posted_proposal(app, sim):
    """The proposal once the worker has finished with it: its message is attached first and
    updated to show the proposal just after, so wait for that update and for the worker."""

    def shown():
        ps = app.store.list_proposals(1)
        if not ps or not ps[-1].message_ts:
            return None
        message = next(m for m in sim.messages(CHANNEL) if m["ts"] == ps[-1].message_ts)
        return "proposal_approve" in str(message.get("blocks")) and ps[-1]

    proposal = sim.wait_for(shown, timeout=10)
    assert app.worker.wait_idle(10)
    return proposal


def test_auto_propose_once_at_the_threshold_and_only_by_the_lease_holder(app, sim, clock):
    run_ts = _template_with_feedback(app, 1, auto_propose_after=2)
    jobs = jobs_for(app, clock)
    assert jobs.auto_propose() == []  # one item pending, two needed
    app.services.feedback.reply(BOB, run_ts, "9.0", FeedbackKind.CRITIQUE, "Shorter")
    other = Jobs(app.store, app.posters, app.inbox, jobs.refresh, holder="other-instance")
    assert other.auto_propose() == []  # the first instance holds the job's lease
    assert jobs.auto_propose() == ["summary"]
    proposal = _posted_proposal(app, sim)
    assert proposal.created_by == "scheduler"
    assert jobs.auto_propose() == []  # a proposal is waiting: no second one


def test_stale_proposals_expire_and_their_message_says_so(app, sim, clock):
    _template_with_feedback(app, 1)
    app.inbox.put(key="p1", kind="propose", payload={**_payload(), "name": "summary"})
    proposal = _posted_proposal(app, sim)
    jobs = jobs_for(app, clock)
    clock.advance(hours=71)
    assert jobs.expire() == []
    clock.advance(hours=2)
    assert jobs.expire() == [proposal.id]
    assert app.store.get_proposal(proposal.id).status.value == "expired"
    shown = next(m for m in sim.messages(CHANNEL) if m["ts"] == proposal.message_ts)
    assert "Expired" in str(shown["blocks"])


def test_reminder_is_posted_once_in_the_proposal_thread(app, sim, clock):
    _template_with_feedback(app, 1)
    app.inbox.put(key="p1", kind="propose", payload={**_payload(), "name": "summary"})
    proposal = _posted_proposal(app, sim)
    jobs = jobs_for(app, clock)
    assert jobs.remind() == []
    clock.advance(hours=24, minutes=10)
    assert jobs.remind() == [proposal.id]
    clock.advance(hours=1)
    assert jobs.remind() == []
    replies = sim.thread(CHANNEL, proposal.message_ts)[1:]
    assert len(replies) == 1 and "waited 24 h" in replies[0]["text"]


def test_daily_digest_posts_once_per_day_for_templates_that_want_it(app, sim, clock):
    _template_with_feedback(app, 2, daily_digest=True)
    jobs = jobs_for(app, clock)
    other = Jobs(app.store, app.posters, app.inbox, jobs.refresh, holder="other-instance")
    assert jobs.daily_digest() == ["summary"]
    assert other.daily_digest() == []
    digest = [m for m in sim.messages(CHANNEL) if "feedback item(s) pending" in m["text"]]
    assert len(digest) == 1 and "2 feedback item(s) pending" in digest[0]["text"]
    clock.advance(days=1)
    assert other.daily_digest() == ["summary"]


def test_jobs_are_kept_in_the_database_job_store(app, clock):
    scheduler = start_scheduler(jobs_for(app, clock), app.store.engine)
    try:
        assert {j.id for j in scheduler.get_jobs()} == {
            "auto_propose",
            "remind",
            "expire",
            "daily_digest",
        }
        assert "apscheduler_jobs" in inspect(app.store.engine).get_table_names()
    finally:
        scheduler.shutdown(wait=False)


def _payload():
    return {"team_id": ALICE.team_id, "user_id": ALICE.user_id, "channel_id": CHANNEL}
