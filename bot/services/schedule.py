"""What the scheduled jobs read and change: every workspace's templates, their pending feedback
and proposals, expiry, and the leases that give a due job to one instance."""

from __future__ import annotations

from datetime import datetime

from storage import ProposalInfo, ProposalStatus, Store, TemplateInfo


class ScheduleService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def now(self) -> datetime:
        return self.store.now()

    def hold(self, job: str, holder: str, seconds: float) -> bool:
        """True when `holder` does `job`'s work now (its lease is new, expired or renewed)."""
        return self.store.try_acquire_lease(f"job:{job}", holder, seconds)

    def templates(self) -> list[TemplateInfo]:
        return self.store.all_templates()

    def pending_feedback(self, template_id: int) -> int:
        return self.store.count_pending(template_id)

    def waiting_proposals(self, template_id: int) -> list[ProposalInfo]:
        return [
            p for p in self.store.list_proposals(template_id) if p.status is ProposalStatus.PENDING
        ]

    def expire_created_before(self, moment: datetime) -> list[ProposalInfo]:
        return self.store.expire_stale(moment)
