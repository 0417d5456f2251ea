"""The scheduled jobs, called directly with a clock the test moves (no sleeping), and their
APScheduler wiring: each instance schedules in memory, the leases share the work."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.jobstores.memory import MemoryJobStore
from sqlalchemy import inspect

from alignment import FeedbackKind
from alignment.settings import SettingsChange
from bot.app import AlignBot, create_app
from bot.background.jobs import ProposeJob
from bot.background.scheduler import INTERVALS, Scheduler, jobs_for
from bot.config import load_config
from bot.slack import commands as c
from storage import Store
from tests.bot.conftest import ALICE, BOB, CHANNEL

JOB_NAMES = {*INTERVALS, "daily_digest"}


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


def _summary_id(app) -> int:
    """Not 1 on PostgreSQL: the session's other tests share its schema and its id sequence."""
    return app.services.templates.get(ALICE, "summary").id


def _posted_proposal(app, sim):
    """The proposal once the worker has finished with it: its message is attached first and
    updated to show the proposal just after, so wait for that update and for the worker."""

    def shown():
        ps = app.store.list_proposals(_summary_id(app))
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
    other = replace(jobs, holder="other-instance")
    assert other.auto_propose() == []  # the first instance holds the job's lease
    assert jobs.auto_propose() == ["summary"]
    proposal = _posted_proposal(app, sim)
    assert proposal.created_by == "scheduler"
    assert jobs.auto_propose() == []  # a proposal is waiting: no second one


def test_stale_proposals_expire_and_their_message_says_so(app, sim, clock):
    _template_with_feedback(app, 1)
    app.inbox.put(ProposeJob(actor=ALICE, name="summary"), key="p1")
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
    app.inbox.put(ProposeJob(actor=ALICE, name="summary"), key="p1")
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
    other = replace(jobs, holder="other-instance")
    assert jobs.daily_digest() == ["summary"]
    assert other.daily_digest() == []
    digest = [m for m in sim.messages(CHANNEL) if "feedback items pending" in m["text"]]
    assert len(digest) == 1 and "2 feedback items pending" in digest[0]["text"]
    clock.advance(days=1)
    assert other.daily_digest() == ["summary"]


def test_each_instance_schedules_in_its_own_memory(app, clock):
    """APScheduler 3 forbids sharing a job store: two instances share nothing but the leases."""
    jobs = jobs_for(app, clock)
    first, second = Scheduler(jobs).start(paused=True), Scheduler(jobs).start(paused=True)
    try:
        for scheduler in (first, second):
            assert {j.id for j in scheduler.apscheduler.get_jobs()} == JOB_NAMES
            [store] = scheduler.apscheduler._jobstores.values()  # no public accessor
            assert isinstance(store, MemoryJobStore)
        assert (
            first.apscheduler._jobstores["default"] is not second.apscheduler._jobstores["default"]
        )
        assert "apscheduler_jobs" not in inspect(app.store.engine).get_table_names()
    finally:
        first.shutdown()
        second.shutdown()


@pytest.fixture
def pg_app(sim, pg_engine, clock) -> Iterator[AlignBot]:
    env = {
        "SLACK_BOT_TOKEN": sim.bot_token,
        "SLACK_SIGNING_SECRET": sim.signing_secret,
        "SLACK_API_URL": sim.api_url,
        "ALIGNBOT_POST_INTERVAL": "0",
    }
    bot = create_app(load_config(env), Store(pg_engine, clock=clock), poll_interval=0.05).start()
    yield bot
    bot.stop()


@pytest.mark.postgres
def test_two_instances_on_postgres_run_each_due_job_once(pg_app, sim, clock):
    """Both instances' APSchedulers fire every job at once; the lease gives each job's work to
    one of them. Due times are set on the jobs, so nothing sleeps."""
    app = pg_app
    _template_with_feedback(app, 2, auto_propose_after=2, daily_digest=True)
    base = jobs_for(app, clock)
    schedulers = [Scheduler(replace(base, holder=f"instance-{n}")) for n in (1, 2)]
    results: dict[str, list[object]] = defaultdict(list)
    lock = threading.Lock()

    def record(event: JobExecutionEvent) -> None:
        with lock:
            results[event.job_id].append(event.exception or event.retval)

    try:
        for scheduler in schedulers:
            scheduler.apscheduler.add_listener(record, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
            scheduler.start(paused=True)
            for job in scheduler.apscheduler.get_jobs():
                job.modify(next_run_time=datetime.now(UTC))  # due now
        for scheduler in schedulers:
            scheduler.apscheduler.resume()
        sim.wait_for(lambda: all(len(results[name]) == 2 for name in JOB_NAMES), timeout=20)
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=True)
    done = {name: [r for r in results[name] if r] for name in JOB_NAMES}
    assert done["auto_propose"] == [["summary"]]  # one instance proposed, the other did nothing
    assert done["daily_digest"] == [["summary"]]
    assert done["remind"] == done["expire"] == []  # nothing due for them, and no error
    proposal = _posted_proposal(app, sim)
    assert proposal.created_by == "scheduler"
    assert len(app.store.list_proposals(_summary_id(app))) == 1
    digests = [m for m in sim.messages(CHANNEL) if "feedback items pending" in m["text"]]
    assert len(digests) == 1
