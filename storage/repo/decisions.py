"""Decisions on proposals. Approval is compare-and-set against the base version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from alignment.settings import TemplateSettings
from alignment.vocabulary import Decision, FeedbackKind, ProposalStatus, VersionSource
from storage import models as m
from storage.arguments import ProposalId, UserId
from storage.errors import InvalidInput
from storage.records import DecisionOutcome, Outcome
from storage.repo import convert
from storage.repo.feedback import MAX_FEEDBACK_CHARS
from storage.repo.proposals import PENDING, ProposalsRepo
from storage.repo.templates import StaleBase


class DecisionsRepo(ProposalsRepo):
    def approve(self, proposal_id: ProposalId, user_id: UserId) -> DecisionOutcome:
        """Record `user_id`'s approval; the one that completes the count makes the new version.

        The proposal row is locked for the whole decision, and the version is taken by
        compare-and-set on the template's active version number, so racing approvals produce
        exactly one version and a stale proposal produces none.
        """
        now = self.now()  # one time for the decision, the proposal and the feedback it consumes
        with self._tx() as s:
            row = self._proposal_row(s, proposal_id, lock=True)
            template = self._template_row(s, row.template_id)
            settings = TemplateSettings.from_json(template.settings)
            if early := self._refuse(s, row, template, settings, user_id):
                return early
            approvals = self._approvers_of(s, proposal_id)
            required = settings.approvals_required
            if len(approvals) + 1 < required:
                self._decide(s, row, user_id, Decision.APPROVE, "")
                return DecisionOutcome(
                    Outcome.COUNTED,
                    f"approval {len(approvals) + 1} of {required} recorded",
                    self._proposal_infos(s, [row])[0],
                    approvals=len(approvals) + 1,
                    required=required,
                )
            base = s.get(m.Version, row.base_version_id)
            assert base is not None
            try:
                version = self._append_version(
                    s,
                    row.template_id,
                    row.text,
                    user_id,
                    VersionSource.PROPOSAL,
                    f"proposal #{row.id}",
                    expected_number=base.number,
                )
            except StaleBase:  # a version was added after our check: report the current one
                s.refresh(template)
                return self._supersede(s, row, template.active_version_number, settings)
            self._decide(s, row, user_id, Decision.APPROVE, "", at=now)
            row.status, row.result_version_id = ProposalStatus.APPROVED.value, version.id
            row.decided_at = now
            muts = [convert.mutation_from_json(d) for d in row.mutations or []]
            held: set[str] = set()
            skipped = self._apply_mutations(s, row.template_id, muts, row.id, user_id, held)
            # Feedback behind a held-back conflict stays pending (unless an applied change also
            # used it): it comes back in the next proposal, once the team has settled it.
            applied = {str(f) for mu in muts if not mu.conflicts_with for f in mu.feedback_ids}
            kept = [int(f) for f in held - applied if f.isdigit()]
            s.execute(
                update(m.Feedback)
                .where(
                    m.Feedback.id.in_(
                        select(m.ProposalFeedback.feedback_id).where(
                            m.ProposalFeedback.proposal_id == row.id
                        )
                    ),
                    m.Feedback.id.not_in(kept),
                    m.Feedback.consumed_by_proposal_id.is_(None),
                )
                .values(consumed_by_proposal_id=row.id, consumed_at=now),
                execution_options={"synchronize_session": False},
            )
            if skipped:
                row.status_reason = "skipped: " + "; ".join(skipped)
            s.flush()
            return DecisionOutcome(
                Outcome.APPROVED,
                f"approved: v{version.number} is now active",
                self._proposal_infos(s, [row])[0],
                self._version_infos(s, [version])[0],
                approvals=len(approvals) + 1,
                required=required,
            )

    def reject(self, proposal_id: ProposalId, user_id: UserId, reason: str = "") -> DecisionOutcome:
        """Close the proposal; a non-empty reason becomes pending critique by `user_id`."""
        if len(reason or "") > MAX_FEEDBACK_CHARS:
            raise InvalidInput(
                f"the reason is {len(reason):,} characters; the limit is {MAX_FEEDBACK_CHARS:,}"
            )
        with self._tx() as s:
            row = self._proposal_row(s, proposal_id, lock=True)
            template = self._template_row(s, row.template_id)
            settings = TemplateSettings.from_json(template.settings)
            if early := self._refuse(s, row, template, settings, user_id):
                return early
            self._decide(s, row, user_id, Decision.REJECT, reason or "")
            row.status, row.decided_at = ProposalStatus.REJECTED.value, self.now()
            row.status_reason = f"rejected by {user_id}"
            feedback = None
            if (reason or "").strip():
                fb = m.Feedback(
                    template_id=row.template_id,
                    author=user_id,
                    kind=FeedbackKind.CRITIQUE.value,
                    text=reason.strip(),
                    source_key=f"reject:{row.id}:{user_id}",
                    created_at=self.now(),
                )
                s.add(fb)
                s.flush()
                feedback = convert.feedback(fb)
            s.flush()
            return DecisionOutcome(
                Outcome.REJECTED,
                "rejected" + ("; the reason was kept as feedback" if feedback else ""),
                self._proposal_infos(s, [row])[0],
                approvals=len(self._approvers_of(s, proposal_id)),
                required=settings.approvals_required,
                feedback=feedback,
            )

    # -- helpers -------------------------------------------------------------------------------

    def _refuse(
        self,
        s: Session,
        row: m.Proposal,
        template: m.Template,
        settings: TemplateSettings,
        user_id: str,
    ) -> DecisionOutcome | None:
        """The outcome when this decision cannot count; None when it can."""
        required = settings.approvals_required
        if row.status == ProposalStatus.SUPERSEDED.value:
            return DecisionOutcome(
                Outcome.SUPERSEDED,
                f"proposal #{row.id} was superseded ({row.status_reason}); nothing changed",
                self._proposal_infos(s, [row])[0],
                required=required,
            )
        if row.status != PENDING:
            return DecisionOutcome(
                Outcome.CLOSED,
                f"proposal #{row.id} is already {row.status}; nothing changed",
                self._proposal_infos(s, [row])[0],
                required=required,
            )
        if settings.approvers and user_id not in settings.approvers:
            return DecisionOutcome(
                Outcome.NOT_ALLOWED,
                "you are not one of this template's approvers: "
                + ", ".join(f"<@{u}>" for u in settings.approvers),
                self._proposal_infos(s, [row])[0],
                required=required,
            )
        base = s.get(m.Version, row.base_version_id)
        if base is None or base.number != template.active_version_number:
            return self._supersede(s, row, template.active_version_number, settings)
        if s.scalar(
            select(m.Decision.decision).where(
                m.Decision.proposal_id == row.id, m.Decision.user_id == user_id
            )
        ):
            return DecisionOutcome(
                Outcome.ALREADY_DECIDED,
                "you already decided on this proposal; nothing changed",
                self._proposal_infos(s, [row])[0],
                approvals=len(self._approvers_of(s, row.id)),
                required=required,
            )
        return None

    def _supersede(
        self, s: Session, row: m.Proposal, active: int, settings: TemplateSettings
    ) -> DecisionOutcome:
        row.status = ProposalStatus.SUPERSEDED.value
        row.status_reason = f"the template changed: v{active} is active now"
        row.decided_at = self.now()
        s.flush()
        return DecisionOutcome(
            Outcome.SUPERSEDED,
            f"proposal #{row.id} was made for an older version (v{active} is active now); "
            "nothing changed",
            self._proposal_infos(s, [row])[0],
            required=settings.approvals_required,
        )

    def _decide(
        self,
        s: Session,
        row: m.Proposal,
        user_id: str,
        decision: Decision,
        reason: str,
        *,
        at: datetime | None = None,
    ) -> None:
        s.add(
            m.Decision(
                proposal_id=row.id,
                user_id=user_id,
                decision=decision.value,
                reason=reason,
                created_at=at or self.now(),
            )
        )
        s.flush()
