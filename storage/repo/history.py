"""A template's history in time order: versions, proposals and the decisions on them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage import models as m
from storage.arguments import TemplateId
from storage.records import HistoryEntry
from storage.repo import convert
from storage.repo.rollback import RollbackRepo


class HistoryRepo(RollbackRepo):
    def history(self, template_id: TemplateId) -> list[HistoryEntry]:
        with self._tx(write=False) as s:
            self._template_row(s, template_id)
            versions = s.scalars(
                select(m.Version).where(m.Version.template_id == template_id)
            ).all()
            proposals = s.scalars(
                select(m.Proposal).where(m.Proposal.template_id == template_id)
            ).all()
            decisions = s.scalars(
                select(m.Decision)
                .join(m.Proposal, m.Proposal.id == m.Decision.proposal_id)
                .where(m.Proposal.template_id == template_id)
            ).all()
            entries: list[tuple[tuple[Any, ...], HistoryEntry]] = []
            for v in self._version_infos(s, list(versions)):
                what = f"v{v.number} by {v.author} ({v.source.value}" + (
                    f", {v.note})" if v.note else ")"
                )
                entries.append(
                    (
                        (v.created_at, 0, v.id),
                        HistoryEntry(v.created_at, "version", what, version=v),
                    )
                )
            for p in self._proposal_infos(s, list(proposals)):
                what = (
                    f"proposal #{p.id} on v{p.base_version_number} by {p.created_by}: "
                    f"{p.status.value}"
                )
                entries.append(
                    (
                        (p.created_at, 1, p.id),
                        HistoryEntry(p.created_at, "proposal", what, proposal=p),
                    )
                )
            for d in decisions:
                info = convert.decision(d)
                what = f"{info.user_id} {info.decision}d proposal #{info.proposal_id}" + (
                    f": {info.reason}" if info.reason else ""
                )
                entries.append(
                    (
                        (info.created_at, 2, d.id),
                        HistoryEntry(info.created_at, "decision", what, decision=info),
                    )
                )
            return [e for _, e in sorted(entries, key=lambda pair: pair[0])]
