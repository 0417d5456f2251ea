"""Proposals and the decisions on them. Approval is compare-and-set against the base version."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from alignment.principles import MutationOp, PrincipleMutation
from alignment.usage import CallStats
from alignment.values import WorkflowName
from alignment.vocabulary import Decision, ProposalStatus
from storage import models as m
from storage.arguments import (
    BaseVersionId,
    ChannelId,
    FeedbackId,
    JsonObject,
    MessageTs,
    ProposalId,
    TeamId,
    TemplateId,
    UserId,
    checked,
)
from storage.errors import InvalidInput, NotFound
from storage.records import DecisionInfo, ProposalInfo
from storage.repo import convert
from storage.repo.base import in_team, version_numbers
from storage.repo.feedback import FeedbackRepo
from storage.repo.principles import PrinciplesRepo
from storage.repo.runs import RunsRepo
from storage.repo.templates import TemplatesRepo, check_template_text

PENDING = ProposalStatus.PENDING.value


def check_mutation(mut: PrincipleMutation) -> PrincipleMutation:
    op = MutationOp(mut.op)
    if op in (MutationOp.ADD, MutationOp.EDIT) and not (mut.text or "").strip():
        raise InvalidInput(f"a principle {op.value} needs text")
    if op in (MutationOp.EDIT, MutationOp.RETIRE) and not mut.principle_id:
        raise InvalidInput(f"a principle {op.value} needs the id of the principle it changes")
    return mut


class ProposalsRepo(TemplatesRepo, RunsRepo, FeedbackRepo, PrinciplesRepo):
    def create_proposal(
        self,
        template_id: TemplateId,
        base_version_id: BaseVersionId,
        text: str,
        rationale: str,
        workflow: WorkflowName,
        mutations: list[PrincipleMutation],
        feedback_ids: list[str],
        evaluation: JsonObject | None,
        calls: list[CallStats],
        created_by: UserId,
    ) -> ProposalInfo:
        """Store a proposal; the template's older pending proposals become superseded."""
        check_template_text(text, "the proposed template")
        muts = [check_mutation(mu) for mu in mutations]
        fids = sorted({checked(FeedbackId, f) for f in feedback_ids})
        now = self.now()
        with self._tx() as s:
            template = self._template_row(s, template_id, lock=True)
            base = s.get(m.Version, base_version_id)
            if base is None or base.template_id != template_id:
                raise NotFound(f"template {template_id} has no version with id {base_version_id}")
            if base.number != template.active_version_number:
                raise InvalidInput(
                    f"v{base.number} is no longer the active version "
                    f"(v{template.active_version_number} is); propose again"
                )
            known = set(
                s.scalars(
                    select(m.Feedback.id).where(
                        m.Feedback.id.in_(fids), m.Feedback.template_id == template_id
                    )
                ).all()
            )
            if missing := [f for f in fids if f not in known]:
                raise InvalidInput(f"feedback {missing} does not belong to this template")
            s.execute(
                update(m.Proposal)
                .where(m.Proposal.template_id == template_id, m.Proposal.status == PENDING)
                .values(
                    status=ProposalStatus.SUPERSEDED.value,
                    status_reason="a newer proposal replaced it",
                    decided_at=now,
                )
            )
            row = m.Proposal(
                template_id=template_id,
                base_version_id=base.id,
                text=text,
                rationale=rationale or "",
                workflow=workflow.value,
                mutations=[convert.mutation_to_json(mu) for mu in muts],
                evaluation=evaluation,
                status=PENDING,
                status_reason="",
                created_by=created_by,
                created_at=now,
            )
            s.add(row)
            s.flush()
            s.add_all(m.ProposalFeedback(proposal_id=row.id, feedback_id=f) for f in fids)
            self._add_calls(s, list(calls), proposal_id=row.id)
            s.flush()
            return self._proposal_infos(s, [row])[0]

    def record_failed_proposal(
        self,
        template_id: TemplateId,
        base_version_id: BaseVersionId,
        workflow: WorkflowName,
        reason: str,
        calls: list[CallStats],
        created_by: UserId,
    ) -> ProposalInfo:
        """An attempt that produced no proposal but cost model calls: stored as a `failed`
        proposal (text = its base, unchanged) so the calls and the reason are on record. It
        supersedes nothing; pending proposals stay pending."""
        now = self.now()
        with self._tx() as s:
            self._template_row(s, template_id)
            base = s.get(m.Version, base_version_id)
            if base is None or base.template_id != template_id:
                raise NotFound(f"template {template_id} has no version with id {base_version_id}")
            row = m.Proposal(
                template_id=template_id,
                base_version_id=base.id,
                text=base.text,
                rationale="",
                workflow=workflow.value,
                mutations=[],
                evaluation=None,
                status=ProposalStatus.FAILED.value,
                status_reason=reason,
                created_by=created_by,
                created_at=now,
                decided_at=now,
            )
            s.add(row)
            s.flush()
            self._add_calls(s, list(calls), proposal_id=row.id)
            s.flush()
            return self._proposal_infos(s, [row])[0]

    def set_proposal_message(
        self, proposal_id: ProposalId, channel_id: ChannelId, ts: MessageTs
    ) -> ProposalInfo:
        with self._tx() as s:
            row = self._proposal_row(s, proposal_id)
            row.channel_id, row.message_ts = channel_id, ts
            s.flush()
            return self._proposal_infos(s, [row])[0]

    def get_proposal(
        self, proposal_id: ProposalId, *, team_id: TeamId | None = None
    ) -> ProposalInfo | None:
        """With `team_id`, a proposal of another workspace is None, as if it did not exist."""
        with self._tx(write=False) as s:
            stmt = select(m.Proposal).where(m.Proposal.id == proposal_id)
            row = s.scalars(in_team(stmt, m.Proposal.template_id, team_id)).one_or_none()
            return None if row is None else self._proposal_infos(s, [row])[0]

    def find_proposal_by_message(self, channel_id: ChannelId, ts: MessageTs) -> ProposalInfo | None:
        with self._tx(write=False) as s:
            row = s.scalars(
                select(m.Proposal).where(
                    m.Proposal.channel_id == channel_id, m.Proposal.message_ts == ts
                )
            ).first()
            return None if row is None else self._proposal_infos(s, [row])[0]

    def pending_proposals(self, team_id: TeamId) -> list[ProposalInfo]:
        with self._tx(write=False) as s:
            rows = s.scalars(
                select(m.Proposal)
                .join(m.Template, m.Template.id == m.Proposal.template_id)
                .where(m.Template.team_id == team_id, m.Proposal.status == PENDING)
                .order_by(m.Proposal.id)
            ).all()
            return self._proposal_infos(s, list(rows))

    def list_proposals(self, template_id: TemplateId) -> list[ProposalInfo]:
        with self._tx(write=False) as s:
            rows = s.scalars(
                select(m.Proposal)
                .where(m.Proposal.template_id == template_id)
                .order_by(m.Proposal.id)
            ).all()
            return self._proposal_infos(s, list(rows))

    def decisions(self, proposal_id: ProposalId) -> list[DecisionInfo]:
        with self._tx(write=False) as s:
            rows = s.scalars(
                select(m.Decision)
                .where(m.Decision.proposal_id == proposal_id)
                .order_by(m.Decision.id)
            ).all()
            return [convert.decision(r) for r in rows]

    def fail_proposal(self, proposal_id: ProposalId, reason: str) -> ProposalInfo:
        with self._tx() as s:
            row = self._proposal_row(s, proposal_id, lock=True)
            if row.status == PENDING:
                row.status, row.status_reason = ProposalStatus.FAILED.value, reason
                row.decided_at = self.now()
                s.flush()
            return self._proposal_infos(s, [row])[0]

    def expire_stale(self, older_than: timedelta | datetime) -> list[ProposalInfo]:
        """Expire pending proposals created before `older_than` (an age, or a moment)."""
        if isinstance(older_than, datetime):
            cutoff = older_than
        elif isinstance(older_than, timedelta) and older_than >= timedelta(0):
            cutoff = self.now() - older_than
        else:
            raise InvalidInput(
                f"expire_stale needs an age (a timedelta of 0 or more) or a moment, "
                f"not {older_than!r}"
            )
        with self._tx() as s:
            rows = s.scalars(
                select(m.Proposal)
                .where(m.Proposal.status == PENDING, m.Proposal.created_at < cutoff)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                row.status, row.decided_at = ProposalStatus.EXPIRED.value, self.now()
                row.status_reason = "expired without enough approvals"
            s.flush()
            return self._proposal_infos(s, list(rows))

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _approvers_of(s: Session, proposal_id: int) -> list[str]:
        return list(
            s.scalars(
                select(m.Decision.user_id)
                .where(
                    m.Decision.proposal_id == proposal_id,
                    m.Decision.decision == Decision.APPROVE.value,
                )
                .order_by(m.Decision.id)
            ).all()
        )

    @staticmethod
    def _proposal_row(s: Session, proposal_id: int, *, lock: bool = False) -> m.Proposal:
        stmt = select(m.Proposal).where(m.Proposal.id == proposal_id)
        if lock:
            stmt = stmt.with_for_update()
        row = s.scalars(stmt).one_or_none()
        if row is None:
            raise NotFound(f"no proposal with id {proposal_id}")
        return row

    def _proposal_infos(self, s: Session, rows: list[m.Proposal]) -> list[ProposalInfo]:
        if not rows:
            return []
        ids = [r.id for r in rows]
        numbers = version_numbers(s, {r.base_version_id for r in rows})
        fids: dict[int, list[int]] = defaultdict(list)
        for pid, fid in s.execute(
            select(m.ProposalFeedback.proposal_id, m.ProposalFeedback.feedback_id).where(
                m.ProposalFeedback.proposal_id.in_(ids)
            )
        ).all():
            fids[pid].append(fid)
        approvals: dict[int, list[str]] = defaultdict(list)
        for pid, uid in s.execute(
            select(m.Decision.proposal_id, m.Decision.user_id)
            .where(m.Decision.proposal_id.in_(ids), m.Decision.decision == Decision.APPROVE.value)
            .order_by(m.Decision.id)
        ).all():
            approvals[pid].append(uid)
        calls: dict[int, list[m.LLMCall]] = defaultdict(list)
        for c in s.scalars(
            select(m.LLMCall).where(m.LLMCall.proposal_id.in_(ids)).order_by(m.LLMCall.id)
        ).all():
            if c.proposal_id is not None:
                calls[c.proposal_id].append(c)
        return [
            convert.proposal(
                r,
                base_number=numbers[r.base_version_id],
                feedback_ids=fids[r.id],
                approvals=approvals[r.id],
                calls=calls[r.id],
            )
            for r in rows
        ]
