"""Scheduled jobs: auto-propose, a daily digest, reminders for waiting proposals, expiry.

APScheduler 3 forbids sharing a job store between schedulers, so every instance schedules on its
own, in memory (the schedule is fixed: nothing needs to survive a restart). When a job falls due
on several instances at once, a database lease decides which one does its work, so each job
runs once. The job bodies are plain methods of `Jobs` that read the time from an injected
clock: tests call them directly, without sleeping.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from bot.background.inbox import Inbox
from bot.background.inbox.gate import worker_id
from bot.background.jobs import ProposeJob
from bot.background.processors import refresh_proposal
from bot.services import Actor
from bot.services.schedule import ScheduleService
from bot.slack.views.notices import notice_message
from bot.slack.views.text import plural
from bot.slack.webapi import PosterProvider
from storage.records import ProposalInfo, TemplateInfo

if TYPE_CHECKING:
    from bot.app import AlignBot

log = logging.getLogger(__name__)

SCHEDULER_USER = "scheduler"
INTERVALS = {  # job name -> minutes between runs
    "auto_propose": 5,
    "remind": 60,
    "expire": 15,
}
DIGEST_HOUR_UTC = 9


@dataclass
class Jobs:
    schedule: ScheduleService
    posters: PosterProvider
    inbox: Inbox
    refresh: Callable[[Actor, int], None]  # re-render a proposal's message
    holder: str = field(default_factory=worker_id)
    clock: Callable[[], datetime] | None = None

    def now(self) -> datetime:
        return self.clock() if self.clock else self.schedule.now()

    def _lease(self, name: str, minutes: float) -> bool:
        """Hold the job for a little longer than its interval: the holder keeps running it."""
        return self.schedule.hold(name, self.holder, minutes * 60 * 1.5)

    # --- jobs ----------------------------------------------------------------------------------

    def auto_propose(self) -> list[str]:
        """Templates with at least N pending feedback items and no proposal waiting get one."""
        if not self._lease("auto_propose", INTERVALS["auto_propose"]):
            return []
        started = []
        for t in self.schedule.templates():
            threshold = t.settings.auto_propose_after
            if not threshold or not t.channel_id or self._waiting(t):
                continue
            pending = self.schedule.pending_feedback(t.id)
            if pending < threshold:
                continue
            key = f"auto-propose:{t.id}:v{t.active_version.number}:{pending}"
            job = ProposeJob(
                actor=Actor(t.team_id, "", t.channel_id), name=t.name, created_by=SCHEDULER_USER
            )
            if self.inbox.put(job, key=key):
                started.append(t.name)
        return started

    def daily_digest(self) -> list[str]:
        """One message per template that asked for it (setting daily_digest=on)."""
        if not self._lease(f"digest:{self.now():%Y-%m-%d}", 60 * 20):
            return []
        posted = []
        for t in self.schedule.templates():
            if not (t.settings.daily_digest and t.channel_id):
                continue
            waiting = self.schedule.waiting_proposals(t.id)
            parts = [
                f"{t.name}: v{t.active_version.number} active",
                f"{plural(self.schedule.pending_feedback(t.id), 'feedback item')} pending",
            ]
            for p in waiting:
                parts.append(
                    f"proposal #{p.id} waiting ({len(p.approvals)} of "
                    f"{t.settings.approvals_required} approvals)"
                )
            msg = notice_message(" · ".join(parts), emoji=":newspaper:")
            self.posters.for_team(t.team_id).post(t.channel_id, msg["text"], msg["blocks"])
            posted.append(t.name)
        return posted

    def remind(self) -> list[int]:
        """A reply in the proposal's thread once it has waited `remind_after_hours`."""
        minutes = INTERVALS["remind"]
        if not self._lease("remind", minutes):
            return []
        now, window = self.now(), timedelta(minutes=minutes)
        reminded = []
        for t, p in self._all_pending():
            hours = t.settings.remind_after_hours
            if not hours or not (p.channel_id and p.message_ts):
                continue
            due = p.created_at + timedelta(hours=hours)
            if not due <= now < due + window:  # once: in the window right after it fell due
                continue
            needed = t.settings.approvals_required - len(p.approvals)
            msg = notice_message(
                f"This proposal for {t.name} has waited {hours} h and needs "
                f"{plural(needed, 'more approval')}.",
                emoji=":alarm_clock:",
            )
            self.posters.for_team(t.team_id).post(
                p.channel_id, msg["text"], msg["blocks"], thread_ts=p.message_ts
            )
            reminded.append(p.id)
        return reminded

    def expire(self) -> list[int]:
        """Pending proposals older than their template's proposal_ttl_hours expire."""
        if not self._lease("expire", INTERVALS["expire"]):
            return []
        now = self.now()
        pending = sorted(self._all_pending(), key=lambda tp: tp[1].created_at)
        expired: list[ProposalInfo] = []
        for index, (t, p) in enumerate(pending):
            if p.created_at + timedelta(hours=t.settings.proposal_ttl_hours) > now:
                continue
            older = pending[:index]
            if any(o.id not in {e.id for e in expired} for _, o in older):
                continue  # an older one is not due: expiring by age would take it too
            expired += self.schedule.expire_created_before(p.created_at + timedelta(microseconds=1))
        by_template = {t.id: t for t, _ in pending}
        for p in expired:
            template = by_template.get(p.template_id)
            if template is not None and p.message_ts:
                try:
                    self.refresh(Actor(template.team_id, SCHEDULER_USER), p.id)
                except Exception:
                    log.warning("could not update expired proposal %s", p.id, exc_info=True)
        return [p.id for p in expired]

    # --- helpers -------------------------------------------------------------------------------

    def _waiting(self, t: TemplateInfo) -> bool:
        return bool(self.schedule.waiting_proposals(t.id))

    def _all_pending(self) -> list[tuple[TemplateInfo, ProposalInfo]]:
        out = []
        for t in self.schedule.templates():
            out += [(t, p) for p in self.schedule.waiting_proposals(t.id)]
        return out


# --- APScheduler wiring ------------------------------------------------------------------------


class Scheduler:
    """One instance's APScheduler: the jobs of `Jobs` on their intervals, in its own memory."""

    JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}

    def __init__(self, jobs: Jobs) -> None:
        self.jobs = jobs
        self.apscheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()}, job_defaults=self.JOB_DEFAULTS, timezone=UTC
        )
        for name, minutes in INTERVALS.items():
            self.apscheduler.add_job(self.run, "interval", minutes=minutes, args=[name], id=name)
        self.apscheduler.add_job(
            self.run, "cron", hour=DIGEST_HOUR_UTC, args=["daily_digest"], id="daily_digest"
        )

    def run(self, name: str) -> list[object]:
        """What APScheduler calls: the job's work (empty when another instance holds it). A
        failing job is logged and runs again at its next time."""
        try:
            done: list[object] = getattr(self.jobs, name)()
        except Exception:
            log.exception("scheduled job %s failed", name)
            return []
        return done

    def start(self, *, paused: bool = False) -> Scheduler:
        self.apscheduler.start(paused=paused)
        return self

    def shutdown(self, wait: bool = False) -> None:
        if self.apscheduler.running:
            self.apscheduler.shutdown(wait=wait)


def start_scheduler(jobs: Jobs) -> Scheduler:
    return Scheduler(jobs).start()


def jobs_for(bot: AlignBot, clock: Callable[[], datetime] | None = None) -> Jobs:
    """Jobs wired to an AlignBot's services, posters and inbox."""

    def refresh(actor: Actor, proposal_id: int) -> None:
        refresh_proposal(bot.deps, actor, proposal_id)

    return Jobs(bot.services.schedule, bot.posters, bot.inbox, refresh, clock=clock)
