"""Scheduled jobs: auto-propose, a daily digest, reminders for waiting proposals, expiry.

APScheduler 3 keeps the schedule in the same database (its SQLAlchemy job store). Every instance
runs a scheduler, and a database lease decides which one does a job's work each time, so with
several instances each job still runs once. The job bodies are plain methods of `Jobs` that
read the time from an injected clock: tests call them directly, without sleeping.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from alignment.vocabulary import ProposalStatus
from bot.background.inbox import Inbox
from bot.background.inbox.gate import worker_id
from bot.background.processors import PROPOSE, refresh_proposal
from bot.services import Actor
from bot.slack.views.notices import notice_message
from bot.slack.webapi import PosterProvider
from storage.records import ProposalInfo, TemplateInfo

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
    store: Any
    posters: PosterProvider
    inbox: Inbox
    refresh: Callable[[Actor, int], None]  # re-render a proposal's message
    holder: str = field(default_factory=worker_id)
    clock: Callable[[], datetime] | None = None

    def now(self) -> datetime:
        return self.clock() if self.clock else self.store.now()

    def _lease(self, name: str, minutes: float) -> bool:
        """Hold the job for a little longer than its interval: the holder keeps running it."""
        return self.store.try_acquire_lease(f"job:{name}", self.holder, minutes * 60 * 1.5)

    # --- jobs ----------------------------------------------------------------------------------

    def auto_propose(self) -> list[str]:
        """Templates with at least N pending feedback items and no proposal waiting get one."""
        if not self._lease("auto_propose", INTERVALS["auto_propose"]):
            return []
        started = []
        for t in self.store.all_templates():
            threshold = t.settings.auto_propose_after
            if not threshold or not t.channel_id or self._waiting(t):
                continue
            pending = self.store.count_pending(t.id)
            if pending < threshold:
                continue
            key = f"auto-propose:{t.id}:v{t.active_version.number}:{pending}"
            payload = {
                "team_id": t.team_id,
                "user_id": "",
                "channel_id": t.channel_id,
                "name": t.name,
                "created_by": SCHEDULER_USER,
            }
            if self.inbox.put(key=key, kind=PROPOSE, payload=payload, team_id=t.team_id):
                started.append(t.name)
        return started

    def daily_digest(self) -> list[str]:
        """One message per template that asked for it (setting daily_digest=on)."""
        if not self._lease(f"digest:{self.now():%Y-%m-%d}", 60 * 20):
            return []
        posted = []
        for t in self.store.all_templates():
            if not (t.settings.daily_digest and t.channel_id):
                continue
            waiting = [p for p in self.store.list_proposals(t.id) if _pending(p)]
            parts = [
                f"{t.name}: v{t.active_version.number} active",
                f"{self.store.count_pending(t.id)} feedback item(s) pending",
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
                f"This proposal for {t.name} has waited {hours} h and needs {needed} more "
                "approval(s).",
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
            expired += self.store.expire_stale(p.created_at + timedelta(microseconds=1))
        by_template = {t.id: t for t, _ in pending}
        for p in expired:
            t = by_template.get(p.template_id)
            if t is not None and p.message_ts:
                try:
                    self.refresh(Actor(t.team_id, SCHEDULER_USER), p.id)
                except Exception:
                    log.warning("could not update expired proposal %s", p.id, exc_info=True)
        return [p.id for p in expired]

    # --- helpers -------------------------------------------------------------------------------

    def _waiting(self, t: TemplateInfo) -> bool:
        return any(_pending(p) for p in self.store.list_proposals(t.id))

    def _all_pending(self) -> list[tuple[TemplateInfo, ProposalInfo]]:
        out = []
        for t in self.store.all_templates():
            out += [(t, p) for p in self.store.list_proposals(t.id) if _pending(p)]
        return out


def _pending(p: ProposalInfo) -> bool:
    return p.status is ProposalStatus.PENDING


# --- APScheduler wiring ------------------------------------------------------------------------

_JOBS: Jobs | None = None  # the process's Jobs, for the job store's importable entry point


def run_job(name: str) -> None:
    """What APScheduler calls (by reference, so the stored job survives restarts)."""
    if _JOBS is None:
        log.warning("scheduled job %s fired before the scheduler was set up", name)
        return
    try:
        getattr(_JOBS, name)()
    except Exception:
        log.exception("scheduled job %s failed", name)


def start_scheduler(jobs: Jobs, engine: Any) -> BackgroundScheduler:
    global _JOBS
    _JOBS = jobs
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone=UTC,
    )
    for name, minutes in INTERVALS.items():
        scheduler.add_job(
            run_job, "interval", minutes=minutes, args=[name], id=name, replace_existing=True
        )
    scheduler.add_job(
        run_job,
        "cron",
        hour=DIGEST_HOUR_UTC,
        args=["daily_digest"],
        id="daily_digest",
        replace_existing=True,
    )
    scheduler.start()
    return scheduler


def jobs_for(bot: Any, clock: Callable[[], datetime] | None = None) -> Jobs:
    """Jobs wired to an AlignBot's store, posters and inbox."""

    def refresh(actor: Actor, proposal_id: int) -> None:
        refresh_proposal(bot.deps, actor, proposal_id)

    return Jobs(bot.store, bot.posters, bot.inbox, refresh, clock=clock)


def utcnow() -> datetime:
    return datetime.now(UTC)
