"""Export a template with its whole history as JSON, and import it (here or elsewhere).

Rows refer to each other by position-based refs (1, 2, …) and versions by number, so an export
is independent of database ids: export → import → export gives the same document.
Slack message refs and idempotency keys are kept when free in the target database, else dropped
(a copy in the same workspace does not own the original's messages).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from alignment.values import TemplateName
from alignment.vocabulary import VersionSource
from storage import models as m
from storage.arguments import ChannelId, TeamId, TemplateId
from storage.errors import InvalidInput
from storage.records import TemplateInfo, VersionInfo
from storage.repo.history import HistoryRepo
from storage.repo.transfer_import import (
    FEEDBACK_FIELDS,
    PROPOSAL_FIELDS,
    RUN_FIELDS,
    Importer,
)
from storage.repo.transfer_schema import validate_export

FORMAT = "alignbot.template/1"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _calls(rows: list[m.LLMCall]) -> list[dict[str, Any]]:
    keys = ("model", "purpose", "input_tokens", "output_tokens", "latency_ms", "prompt_chars")
    return [
        {
            **{k: getattr(c, k) for k in keys},
            "attempts": c.attempts,
            "created_at": _iso(c.created_at),
        }
        for c in rows
    ]


class TransferRepo(HistoryRepo):
    def export_template(self, template_id: TemplateId) -> dict[str, Any]:
        with self._tx(write=False) as s:
            return _Exporter(s, self._template_row(s, template_id)).document()

    def import_template(
        self,
        team_id: TeamId,
        data: dict[str, Any],
        *,
        name: TemplateName | None = None,
        channel_id: ChannelId | None = None,
    ) -> TemplateInfo:
        """Create a template from an export; InvalidInput on a malformed document."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InvalidInput(f"not an alignbot template export (expected format {FORMAT!r})")
        validate_export(data)
        try:
            with self._tx() as s:
                template = Importer(self.now(), s, team_id, data, name, channel_id).run()
                return self._template_info(s, template)
        except (KeyError, TypeError, ValueError, AttributeError, StatementError) as exc:
            if isinstance(exc, InvalidInput):
                raise
            # validate_export should have caught it; still nothing was written (rolled back)
            raise InvalidInput(f"the export is malformed: {exc!r}"[:500]) from None

    def import_on_top(self, template_id: int, data: dict[str, Any], *, author: str) -> VersionInfo:
        """The export's active version becomes the next version of an existing template.

        For a template that already exists under the export's name: its own history stays as it
        is, and the imported text arrives like any other change (source `import`, with a note
        naming where it came from). The export's runs and feedback are not merged in.
        """
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InvalidInput(f"not an alignbot template export (expected format {FORMAT!r})")
        validate_export(data)
        meta = data["template"]
        number = meta["active_version"]
        texts = {v["number"]: v["text"] for v in data["versions"]}
        if number not in texts:
            raise InvalidInput(f"the export has no version v{number}, which it names as active")
        note = f"imported from {meta['name']} v{number}"
        with self._tx() as s:
            row = self._append_version(
                s, template_id, texts[number], author, VersionSource.IMPORT, note
            )
            return self._version_infos(s, [row])[0]


class _Exporter:
    def __init__(self, s: Session, template: m.Template) -> None:
        self.s, self.t = s, template

    def _all(self, model: type[m.Base], *where: Any) -> list[Any]:
        # Base has no `id`; every model exported has one
        return list(self.s.scalars(select(model).where(*where).order_by(model.id)).all())  # type: ignore[attr-defined]

    def document(self) -> dict[str, Any]:
        t = self.t
        versions = self._all(m.Version, m.Version.template_id == t.id)
        vnum = {v.id: v.number for v in versions}
        runs = self._all(m.Run, m.Run.template_id == t.id)
        proposals = self._all(m.Proposal, m.Proposal.template_id == t.id)
        feedback = self._all(m.Feedback, m.Feedback.template_id == t.id)
        principles = self._all(m.Principle, m.Principle.template_id == t.id)
        run_ref = {r.id: i + 1 for i, r in enumerate(runs)}
        prop_ref = {p.id: i + 1 for i, p in enumerate(proposals)}
        fb_ref = {f.id: i + 1 for i, f in enumerate(feedback)}
        pr_ref = {p.id: i + 1 for i, p in enumerate(principles)}
        result_of = {p.result_version_id: prop_ref[p.id] for p in proposals if p.result_version_id}

        def fb_refs(ids: list[Any]) -> list[str]:
            return [str(fb_ref[int(i)]) for i in ids if int(i) in fb_ref]

        def mutation(d: dict[str, Any]) -> dict[str, Any]:
            pid = d.get("principle_id")
            ref = pr_ref.get(int(pid)) if pid and str(pid).isdigit() else None
            return {
                **d,
                "feedback_ids": fb_refs(d.get("feedback_ids", [])),
                "principle_id": str(ref) if ref else pid,
            }

        return {
            "format": FORMAT,
            "template": {
                "name": t.name,
                "channel_id": t.channel_id,
                "workflow": t.workflow,
                "target_model": t.target_model,
                "settings": t.settings,
                "created_by": t.created_by,
                "created_at": _iso(t.created_at),
                "active_version": t.active_version_number,
            },
            "versions": [
                {
                    "number": v.number,
                    "text": v.text,
                    "author": v.author,
                    "source": v.source,
                    "note": v.note,
                    "created_at": _iso(v.created_at),
                    "proposal": result_of.get(v.id),
                }
                for v in versions
            ],
            "runs": [
                {
                    "ref": run_ref[r.id],
                    "version": vnum[r.version_id],
                    **{k: getattr(r, k) for k in RUN_FIELDS},
                    "created_at": _iso(r.created_at),
                    "completed_at": _iso(r.completed_at),
                    "calls": _calls(self._all(m.LLMCall, m.LLMCall.run_id == r.id)),
                }
                for r in runs
            ],
            "feedback": [
                {
                    "ref": fb_ref[f.id],
                    "run": run_ref.get(f.run_id) if f.run_id else None,
                    **{k: getattr(f, k) for k in FEEDBACK_FIELDS},
                    "created_at": _iso(f.created_at),
                    "retracted_at": _iso(f.retracted_at),
                    "consumed_by": prop_ref.get(f.consumed_by_proposal_id)
                    if f.consumed_by_proposal_id
                    else None,
                    "consumed_at": _iso(f.consumed_at),
                }
                for f in feedback
            ],
            "proposals": [
                {
                    "ref": prop_ref[p.id],
                    "base_version": vnum[p.base_version_id],
                    "result_version": vnum.get(p.result_version_id)
                    if p.result_version_id
                    else None,
                    **{k: getattr(p, k) for k in PROPOSAL_FIELDS},
                    "mutations": [mutation(d) for d in p.mutations or []],
                    "created_at": _iso(p.created_at),
                    "decided_at": _iso(p.decided_at),
                    "feedback": [
                        int(r)
                        for r in fb_refs(
                            list(
                                self.s.scalars(
                                    select(m.ProposalFeedback.feedback_id)
                                    .where(m.ProposalFeedback.proposal_id == p.id)
                                    .order_by(m.ProposalFeedback.feedback_id)
                                ).all()
                            )
                        )
                    ],
                    "calls": _calls(self._all(m.LLMCall, m.LLMCall.proposal_id == p.id)),
                    "decisions": [
                        {
                            "user_id": d.user_id,
                            "decision": d.decision,
                            "reason": d.reason,
                            "created_at": _iso(d.created_at),
                        }
                        for d in self._all(m.Decision, m.Decision.proposal_id == p.id)
                    ],
                }
                for p in proposals
            ],
            "principles": [
                {
                    "ref": pr_ref[p.id],
                    "text": p.text,
                    "status": p.status,
                    "origin": p.origin,
                    "created_at": _iso(p.created_at),
                    "updated_at": _iso(p.updated_at),
                    "changes": [
                        {
                            "op": c.op,
                            "text": c.text,
                            "reason": c.reason,
                            "author": c.author,
                            "proposal": prop_ref.get(c.proposal_id) if c.proposal_id else None,
                            "feedback": fb_refs(c.feedback_ids or []),
                            "created_at": _iso(c.created_at),
                        }
                        for c in self._all(
                            m.PrincipleChangeRow, m.PrincipleChangeRow.principle_id == p.id
                        )
                    ],
                }
                for p in principles
            ],
        }
