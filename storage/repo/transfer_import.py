"""Import a template export (see `transfer.py`): new ids, refs mapped back to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alignment.settings import TemplateSettings
from alignment.values import template_name, workflow
from storage import models as m
from storage.errors import AlreadyExists, InvalidInput

FEEDBACK_FIELDS = ("author", "kind", "text", "label", "source_key", "channel_id", "message_ts")
RUN_FIELDS = (
    "inputs", "status", "requested_by", "output", "error", "model", "input_tokens",
    "output_tokens", "latency_ms", "channel_id", "message_ts",
)  # fmt: skip
PROPOSAL_FIELDS = (
    "text", "rationale", "workflow", "evaluation", "status", "status_reason", "created_by",
    "channel_id", "message_ts",
)  # fmt: skip


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Importer:
    def __init__(
        self,
        now: datetime,
        s: Session,
        team_id: str,
        data: dict[str, Any],
        name: str | None,
        channel_id: str | None,
    ) -> None:
        self.now, self.s, self.team_id, self.data = now, s, team_id, data
        self.name = template_name(name or data["template"]["name"])
        self.channel_id = channel_id or data["template"].get("channel_id")

    def _free(self, model: type[m.Base], **where: Any) -> bool:
        if any(v is None for v in where.values()):
            return True
        cols = [getattr(model, k) == v for k, v in where.items()]
        return self.s.scalar(select(model).where(*cols).limit(1)) is None

    def run(self) -> m.Template:
        s, d, t = self.s, self.data, self.data["template"]
        versions = sorted(d["versions"], key=lambda v: v["number"])
        if not versions or [v["number"] for v in versions] != list(range(1, len(versions) + 1)):
            raise InvalidInput("the export's versions must be numbered 1, 2, … without gaps")
        if t["active_version"] != len(versions):
            raise InvalidInput("the export's active version must be its latest")
        if not self._free(m.Template, team_id=self.team_id, name=self.name):
            raise AlreadyExists(f"a template named {self.name!r} already exists in this workspace")
        template = m.Template(
            team_id=self.team_id,
            name=self.name,
            channel_id=self.channel_id,
            workflow=workflow(t["workflow"]).value,
            target_model=t.get("target_model"),
            settings=TemplateSettings.from_json(t.get("settings")).to_json(),
            active_version_number=len(versions),
            created_by=t["created_by"],
            created_at=_dt(t["created_at"]),
            updated_at=self.now,
        )
        s.add(template)
        s.flush()
        vid: dict[int, int] = {}
        for v in versions:
            row = m.Version(
                template_id=template.id,
                number=v["number"],
                text=v["text"],
                author=v["author"],
                source=v["source"],
                note=v.get("note", ""),
                created_at=_dt(v["created_at"]),
            )
            s.add(row)
            s.flush()
            vid[v["number"]] = row.id
        run_id = self._runs(template.id, vid)
        prop_id = self._proposals(template.id, vid)
        fb_id = self._feedback(template.id, run_id, prop_id)
        for p in d.get("proposals", []):
            s.add_all(
                m.ProposalFeedback(proposal_id=prop_id[p["ref"]], feedback_id=fb_id[int(f)])
                for f in p.get("feedback", [])
            )
            proposal = s.get(m.Proposal, prop_id[p["ref"]])
            assert proposal is not None
            proposal.mutations = [self._mutation(mu, fb_id) for mu in p.get("mutations", [])]
        pr_id = self._principles(template.id, prop_id, fb_id)
        for p in d.get("proposals", []):  # principle refs in mutations → new principle ids
            proposal = s.get(m.Proposal, prop_id[p["ref"]])
            assert proposal is not None
            proposal.mutations = [
                {**mu, "principle_id": str(pr_id.get(int(mu["principle_id"]), mu["principle_id"]))}
                if mu.get("principle_id") and str(mu["principle_id"]).isdigit()
                else mu
                for mu in proposal.mutations
            ]
        s.flush()
        return template

    def _mutation(self, mu: dict[str, Any], fb_id: dict[int, int]) -> dict[str, Any]:
        return {**mu, "feedback_ids": [str(fb_id[int(f)]) for f in mu.get("feedback_ids", [])]}

    def _calls(self, calls: list[dict[str, Any]], **owner: int) -> None:
        for c in calls:
            self.s.add(m.LLMCall(**owner, **{**c, "created_at": _dt(c["created_at"])}))

    def _runs(self, template_id: int, vid: dict[int, int]) -> dict[int, int]:
        ids: dict[int, int] = {}
        for r in self.data.get("runs", []):
            free = self._free(m.Run, channel_id=r.get("channel_id"), message_ts=r.get("message_ts"))
            fields = {k: r.get(k) for k in RUN_FIELDS}
            if not free:
                fields.update(channel_id=None, message_ts=None)
            row = m.Run(
                template_id=template_id,
                version_id=vid[r["version"]],
                **fields,
                created_at=_dt(r["created_at"]),
                completed_at=_dt(r.get("completed_at")),
            )
            self.s.add(row)
            self.s.flush()
            ids[r["ref"]] = row.id
            self._calls(r.get("calls", []), run_id=row.id)
        return ids

    def _proposals(self, template_id: int, vid: dict[int, int]) -> dict[int, int]:
        ids: dict[int, int] = {}
        for p in self.data.get("proposals", []):
            row = m.Proposal(
                template_id=template_id,
                base_version_id=vid[p["base_version"]],
                result_version_id=vid[p["result_version"]] if p.get("result_version") else None,
                mutations=[],
                created_at=_dt(p["created_at"]),
                decided_at=_dt(p.get("decided_at")),
                **{k: p.get(k) for k in PROPOSAL_FIELDS},
            )
            self.s.add(row)
            self.s.flush()
            ids[p["ref"]] = row.id
            self._calls(p.get("calls", []), proposal_id=row.id)
            for dcs in p.get("decisions", []):
                self.s.add(
                    m.Decision(proposal_id=row.id, **{**dcs, "created_at": _dt(dcs["created_at"])})
                )
        return ids

    def _feedback(
        self, template_id: int, run_id: dict[int, int], prop_id: dict[int, int]
    ) -> dict[int, int]:
        ids: dict[int, int] = {}
        for f in self.data.get("feedback", []):
            fields = {k: f.get(k) for k in FEEDBACK_FIELDS}
            if not self._free(m.Feedback, source_key=fields["source_key"]):
                fields["source_key"] = None
            row = m.Feedback(
                template_id=template_id,
                run_id=run_id[f["run"]] if f.get("run") else None,
                **fields,
                created_at=_dt(f["created_at"]),
                retracted_at=_dt(f.get("retracted_at")),
                consumed_by_proposal_id=prop_id[f["consumed_by"]] if f.get("consumed_by") else None,
                consumed_at=_dt(f.get("consumed_at")),
            )
            self.s.add(row)
            self.s.flush()
            ids[f["ref"]] = row.id
        return ids

    def _principles(
        self, template_id: int, prop_id: dict[int, int], fb_id: dict[int, int]
    ) -> dict[int, int]:
        ids: dict[int, int] = {}
        for p in self.data.get("principles", []):
            row = m.Principle(
                template_id=template_id,
                text=p["text"],
                status=p["status"],
                origin=p["origin"],
                created_at=_dt(p["created_at"]),
                updated_at=_dt(p["updated_at"]),
            )
            self.s.add(row)
            self.s.flush()
            ids[p["ref"]] = row.id
            for c in p.get("changes", []):
                self.s.add(
                    m.PrincipleChangeRow(
                        principle_id=row.id,
                        proposal_id=prop_id[c["proposal"]] if c.get("proposal") else None,
                        op=c["op"],
                        text=c["text"],
                        reason=c.get("reason", ""),
                        author=c["author"],
                        feedback_ids=[str(fb_id[int(f)]) for f in c.get("feedback", [])],
                        created_at=_dt(c["created_at"]),
                    )
                )
        return ids
