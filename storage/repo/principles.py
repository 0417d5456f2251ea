"""Principles with provenance: each change records who made it, why, and from which feedback."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from alignment.principles import (
    MutationOp,
    Principle,
    PrincipleMutation,
    PrincipleOrigin,
    PrincipleStatus,
)
from storage import models as m
from storage.arguments import PrincipleId, TemplateId, UserId
from storage.errors import InvalidInput, NotFound
from storage.records import PrincipleChange
from storage.repo.base import StoreBase, require_text

MAX_PRINCIPLE_CHARS = 2_000


class PrinciplesRepo(StoreBase):
    def active_principles(self, template_id: TemplateId) -> list[Principle]:
        with self._tx(write=False) as s:
            return self._principles(s, template_id, active_only=True)

    def all_principles(self, template_id: TemplateId) -> list[Principle]:
        with self._tx(write=False) as s:
            return self._principles(s, template_id, active_only=False)

    def add_manual_principle(self, template_id: TemplateId, text: str, author: UserId) -> Principle:
        """A principle the team writes by hand: active at once (`/align principle NAME TEXT`)."""
        text = require_text(text, "the principle", limit=MAX_PRINCIPLE_CHARS).strip()
        with self._tx() as s:
            self._template_row(s, template_id)
            row = self._new_principle(s, template_id, text, PrincipleOrigin.MANUAL)
            self._change(s, row, MutationOp.ADD, text, author, None, (), "written by hand")
            return Principle(str(row.id), row.text, PrincipleStatus.ACTIVE, PrincipleOrigin.MANUAL)

    def retire_principle(
        self, template_id: TemplateId, principle_id: PrincipleId, author: UserId, reason: str = ""
    ) -> Principle:
        with self._tx() as s:
            row = self._principle_row(s, template_id, principle_id)
            row.status = PrincipleStatus.RETIRED.value
            row.updated_at = self.now()
            self._change(s, row, MutationOp.RETIRE, row.text, author, None, (), reason)
            return self._principles(s, template_id, active_only=False, only=row.id)[0]

    def principle_history(self, template_id: TemplateId) -> list[PrincipleChange]:
        with self._tx(write=False) as s:
            rows = s.scalars(
                select(m.PrincipleChangeRow)
                .join(m.Principle, m.Principle.id == m.PrincipleChangeRow.principle_id)
                .where(m.Principle.template_id == template_id)
                .order_by(m.PrincipleChangeRow.id)
            ).all()
            return [
                PrincipleChange(
                    id=r.id,
                    principle_id=r.principle_id,
                    op=MutationOp(r.op),
                    text=r.text,
                    reason=r.reason or "",
                    author=r.author,
                    proposal_id=r.proposal_id,
                    feedback_ids=tuple(r.feedback_ids or ()),
                    created_at=r.created_at,
                )
                for r in rows
            ]

    # -- used by approve() ---------------------------------------------------------------------

    def _apply_mutations(
        self,
        s: Session,
        template_id: int,
        mutations: list[PrincipleMutation],
        proposal_id: int,
        author: str,
        held_feedback: set[str] | None = None,
    ) -> list[str]:
        """Apply in order; returns notes on mutations skipped (their principle is gone) or held
        back: one that contradicts a principle still active is never applied beside it (the
        ids of the feedback behind it go to `held_feedback`, to stay pending)."""
        skipped: list[str] = []
        for mut in mutations:
            fids = tuple(str(f) for f in mut.feedback_ids)
            if mut.conflicts_with and self._still_active(s, template_id, mut.conflicts_with):
                skipped.append(
                    f"held back: {mut.op.value} of {mut.text!r} contradicts active principle "
                    f"{mut.conflicts_with}; retire one of the two to settle it"
                )
                if held_feedback is not None:
                    held_feedback.update(fids)
                continue
            if mut.op is MutationOp.ADD:
                row = self._new_principle(s, template_id, mut.text or "", PrincipleOrigin.DISTILLED)
                self._change(
                    s, row, MutationOp.ADD, row.text, author, proposal_id, fids, mut.reason
                )
                continue
            try:
                row = self._principle_row(s, template_id, mut.principle_id or "")
            except (NotFound, InvalidInput):
                skipped.append(f"{mut.op.value} of principle {mut.principle_id}: not found")
                continue
            if row.status != PrincipleStatus.ACTIVE.value:
                skipped.append(f"{mut.op.value} of principle {row.id}: already retired")
                continue
            if mut.op is MutationOp.EDIT:
                row.text = (mut.text or row.text).strip()
            else:
                row.status = PrincipleStatus.RETIRED.value
            row.updated_at = self.now()
            op = MutationOp(mut.op)
            self._change(s, row, op, row.text, author, proposal_id, fids, mut.reason)
        return skipped

    # -- helpers -------------------------------------------------------------------------------

    def _still_active(self, s: Session, template_id: int, principle_id: str) -> bool:
        try:
            row = self._principle_row(s, template_id, principle_id)
        except (NotFound, InvalidInput):
            return False
        return row.status == PrincipleStatus.ACTIVE.value

    def _new_principle(
        self, s: Session, template_id: int, text: str, origin: PrincipleOrigin
    ) -> m.Principle:
        now = self.now()
        row = m.Principle(
            template_id=template_id,
            text=text.strip(),
            status=PrincipleStatus.ACTIVE.value,
            origin=origin.value,
            created_at=now,
            updated_at=now,
        )
        s.add(row)
        s.flush()
        return row

    def _change(
        self,
        s: Session,
        row: m.Principle,
        op: MutationOp,
        text: str,
        author: str,
        proposal_id: int | None,
        feedback_ids: tuple[str, ...],
        reason: str,
    ) -> None:
        s.add(
            m.PrincipleChangeRow(
                principle_id=row.id,
                proposal_id=proposal_id,
                op=op.value,
                text=text,
                reason=reason or "",
                author=author,
                feedback_ids=list(feedback_ids),
                created_at=self.now(),
            )
        )
        s.flush()

    @staticmethod
    def _principle_row(s: Session, template_id: int, principle_id: int | str) -> m.Principle:
        try:
            pid = int(str(principle_id).strip())
        except ValueError:
            raise InvalidInput(f"principle id must be a number, not {principle_id!r}") from None
        row = s.get(m.Principle, pid)
        if row is None or row.template_id != template_id:
            raise NotFound(f"this template has no principle {pid}")
        return row

    def _principles(
        self, s: Session, template_id: int, *, active_only: bool, only: int | None = None
    ) -> list[Principle]:
        stmt = select(m.Principle).where(m.Principle.template_id == template_id)
        if active_only:
            stmt = stmt.where(m.Principle.status == PrincipleStatus.ACTIVE.value)
        if only is not None:
            stmt = stmt.where(m.Principle.id == only)
        rows = s.scalars(stmt.order_by(m.Principle.id)).all()
        sources: dict[int, list[str]] = defaultdict(list)
        for pid, fids in s.execute(
            select(m.PrincipleChangeRow.principle_id, m.PrincipleChangeRow.feedback_ids)
            .where(m.PrincipleChangeRow.principle_id.in_([r.id for r in rows]))
            .order_by(m.PrincipleChangeRow.id)
        ).all():
            for fid in fids or ():
                if fid not in sources[pid]:
                    sources[pid].append(fid)
        return [
            Principle(
                id=str(r.id),
                text=r.text,
                status=PrincipleStatus(r.status),
                origin=PrincipleOrigin(r.origin),
                feedback_ids=tuple(sources[r.id]),
            )
            for r in rows
        ]
