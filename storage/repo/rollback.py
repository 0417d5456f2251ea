"""A rollback returns to a version's text *and* to the principles the team had then.

Otherwise the principles added for later versions stay active and the next proposal brings the
rolled-back changes straight back. The principle set of version N is the one in force while N
was active: every change made before version N+1 was created (an approval's own principle
changes are stamped after the version it makes, so they belong to the next version).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from alignment.vocabulary import MutationOp, PrincipleStatus, VersionSource
from storage import models as m
from storage.arguments import TemplateId, UserId, VersionNo
from storage.errors import InvalidInput
from storage.records import PrincipleRestore, VersionInfo
from storage.repo.decisions import DecisionsRepo

ACTIVE, RETIRED = PrincipleStatus.ACTIVE.value, PrincipleStatus.RETIRED.value


class RollbackRepo(DecisionsRepo):
    def rollback_preview(self, template_id: TemplateId, number: VersionNo) -> PrincipleRestore:
        """What `rollback_with_principles` would do to the principles; changes nothing."""
        with self._tx(write=False) as s:
            self._rollable(s, template_id, number)
            return self._restore(s, template_id, number, author=None)

    def rollback_with_principles(
        self, template_id: TemplateId, number: VersionNo, author: UserId
    ) -> tuple[VersionInfo, PrincipleRestore]:
        """A new version with version `number`'s text, and `number`'s principle set back in
        force (later ones retired, edits undone, retired ones restored), in one transaction."""
        with self._tx() as s:
            old = self._rollable(s, template_id, number)
            row = self._append_version(
                s, template_id, old.text, author, VersionSource.ROLLBACK, f"rollback to v{number}"
            )
            # After the version, like an approval's changes: they belong to the new version.
            restore = self._restore(s, template_id, number, author=author)
            return self._version_infos(s, [row])[0], restore

    def _rollable(self, s: Session, template_id: int, number: int) -> m.Version:
        old = self._version_row(s, template_id, number)
        if number == self._template_row(s, template_id).active_version_number:
            raise InvalidInput(f"v{number} is already the active version")
        return old

    def _restore(
        self, s: Session, template_id: int, number: int, *, author: str | None
    ) -> PrincipleRestore:
        """Compare today's principles with those in force under `number`; with an author,
        also make the changes (each recorded in the principle's history)."""
        then = self._principles_under(s, template_id, number)
        note = f"rollback to v{number}"
        retired: list[str] = []
        restored: list[str] = []
        reworded: list[tuple[str, str]] = []
        rows = s.scalars(
            select(m.Principle)
            .where(m.Principle.template_id == template_id)
            .order_by(m.Principle.id)
        ).all()
        for row in rows:
            status, text = then.get(row.id, (RETIRED, row.text))
            if status == RETIRED and row.status == ACTIVE:
                retired.append(row.text)
                change = (MutationOp.RETIRE, row.text, f"{note}: not one of v{number}'s principles")
            elif status == ACTIVE and row.status != ACTIVE:
                restored.append(text)
                change = (MutationOp.ADD, text, f"{note}: one of v{number}'s principles, restored")
            elif status == ACTIVE and row.text != text:
                reworded.append((row.text, text))
                change = (MutationOp.EDIT, text, f"{note}: its wording under v{number}")
            else:
                continue
            if author is not None:
                op, new_text, reason = change
                row.status = RETIRED if op is MutationOp.RETIRE else ACTIVE
                row.text = new_text
                row.updated_at = self.now()
                self._change(s, row, op, new_text, author, None, (), reason)
        return PrincipleRestore(tuple(retired), tuple(restored), tuple(reworded))

    def _principles_under(
        self, s: Session, template_id: int, number: int
    ) -> dict[int, tuple[str, str]]:
        """principle id -> (status, text) while version `number` was the active one."""
        following = s.scalars(
            select(m.Version).where(
                m.Version.template_id == template_id, m.Version.number == number + 1
            )
        ).one()
        changes = s.execute(
            select(
                m.PrincipleChangeRow.principle_id,
                m.PrincipleChangeRow.op,
                m.PrincipleChangeRow.text,
            )
            .join(m.Principle, m.Principle.id == m.PrincipleChangeRow.principle_id)
            .where(
                m.Principle.template_id == template_id,
                m.PrincipleChangeRow.created_at < following.created_at,
            )
            .order_by(m.PrincipleChangeRow.id)
        ).all()
        state: dict[int, tuple[str, str]] = {}
        for pid, op, text in changes:
            state[pid] = (RETIRED if op == MutationOp.RETIRE.value else ACTIVE, text)
        return state
