"""The shape of a template export, checked before anything is imported.

An export may come from a file a person edited; every field is validated here (types, allowed
values, column widths) so that a malformed document is one clear `InvalidInput` naming the
field, never a database error halfway through.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError

from alignment.vocabulary import (
    Decision,
    FeedbackKind,
    Label,
    MutationOp,
    PrincipleOrigin,
    PrincipleStatus,
    ProposalStatus,
    RunStatus,
    VersionSource,
    Workflow,
)
from storage import models as m
from storage.arguments import width
from storage.errors import InvalidInput
from storage.repo.templates import check_target_model, check_template_text


def _fits(column: Any) -> Any:
    """Strict text no wider than its column in storage.models."""
    return Field(max_length=width(column), strict=True)


NameText = Annotated[str, _fits(m.Template.name)]
ChannelText = Annotated[str, _fits(m.Template.channel_id)]
TsText = Annotated[str, _fits(m.Run.message_ts)]
UserText = Annotated[str, _fits(m.Decision.user_id)]
ModelText = Annotated[str, _fits(m.Run.model)]
PurposeText = Annotated[str, _fits(m.LLMCall.purpose)]
KeyText = Annotated[str, _fits(m.Feedback.source_key)]
PrincipleRefText = Annotated[str, Field(max_length=64, strict=True)]  # inside mutation JSON


Ref = Annotated[StrictInt, Field(ge=1)]
# Refs inside lists are written as numbers or as digit strings (like the engine's feedback ids).
RefText = Ref | Annotated[str, Field(pattern=r"^[1-9][0-9]{0,9}$")]
Count = Annotated[StrictInt, Field(ge=0)]
Number = Annotated[StrictInt | StrictFloat, Field(ge=0)]
Text = Annotated[str, Field(strict=True)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CallDoc(_Model):
    model: ModelText
    purpose: PurposeText
    input_tokens: Count
    output_tokens: Count
    latency_ms: Number
    prompt_chars: Count = 0
    attempts: Count = 1
    created_at: datetime


class TemplateDoc(_Model):
    name: NameText
    channel_id: ChannelText | None = None
    workflow: Workflow
    target_model: ModelText | None = None
    settings: dict[str, Any] | None = None
    created_by: UserText
    created_at: datetime
    active_version: Ref


class VersionDoc(_Model):
    number: Ref
    text: Text
    author: UserText
    source: VersionSource
    note: Text = ""
    created_at: datetime


class RunDoc(_Model):
    ref: Ref
    version: Ref
    inputs: dict[str, Any]
    status: RunStatus
    requested_by: UserText
    output: Text | None = None
    error: Text | None = None
    model: ModelText | None = None
    input_tokens: Count | None = None
    output_tokens: Count | None = None
    latency_ms: Number | None = None
    channel_id: ChannelText | None = None
    message_ts: TsText | None = None
    created_at: datetime
    completed_at: datetime | None = None
    calls: list[CallDoc] = []


class FeedbackDoc(_Model):
    ref: Ref
    run: Ref | None = None
    author: UserText
    kind: FeedbackKind
    text: Text = ""
    label: Label | None = None
    source_key: KeyText | None = None
    channel_id: ChannelText | None = None
    message_ts: TsText | None = None
    created_at: datetime
    retracted_at: datetime | None = None
    consumed_by: Ref | None = None
    consumed_at: datetime | None = None


class MutationDoc(_Model):
    op: MutationOp
    feedback_ids: list[RefText] = []
    text: Text | None = None
    principle_id: PrincipleRefText | None = None
    reason: Text = ""


class DecisionDoc(_Model):
    user_id: UserText
    decision: Decision
    reason: Text = ""
    created_at: datetime


class ProposalDoc(_Model):
    ref: Ref
    base_version: Ref
    result_version: Ref | None = None
    text: Text
    rationale: Text = ""
    workflow: Workflow
    evaluation: dict[str, Any] | None = None
    status: ProposalStatus
    status_reason: Text = ""
    created_by: UserText
    channel_id: ChannelText | None = None
    message_ts: TsText | None = None
    mutations: list[MutationDoc] = []
    created_at: datetime
    decided_at: datetime | None = None
    feedback: list[RefText] = []
    calls: list[CallDoc] = []
    decisions: list[DecisionDoc] = []


class PrincipleChangeDoc(_Model):
    op: MutationOp
    text: Text
    reason: Text = ""
    author: UserText
    proposal: Ref | None = None
    feedback: list[RefText] = []
    created_at: datetime


class PrincipleDoc(_Model):
    ref: Ref
    text: Text
    status: PrincipleStatus
    origin: PrincipleOrigin
    created_at: datetime
    updated_at: datetime
    changes: list[PrincipleChangeDoc] = []


class ExportDoc(_Model):
    format: Literal["alignbot.template/1"]
    template: TemplateDoc
    versions: list[VersionDoc]
    runs: list[RunDoc] = []
    feedback: list[FeedbackDoc] = []
    proposals: list[ProposalDoc] = []
    principles: list[PrincipleDoc] = []


def _refs(doc: ExportDoc) -> list[str]:
    """Cross-references that point at nothing in the document."""
    runs = {r.ref for r in doc.runs}
    fbs = {f.ref for f in doc.feedback}
    props = {p.ref for p in doc.proposals}
    versions = {v.number for v in doc.versions}
    bad: list[str] = []
    for kind, refs in (("run", [r.ref for r in doc.runs]), ("feedback", [f.ref for f in
                       doc.feedback]), ("proposal", [p.ref for p in doc.proposals]),
                       ("principle", [p.ref for p in doc.principles])):  # fmt: skip
        if len(set(refs)) != len(refs):
            bad.append(f"{kind} refs are not unique")
    for n, r in enumerate(doc.runs):
        if r.version not in versions:
            bad.append(f"runs.{n}.version: no version {r.version}")
    for n, f in enumerate(doc.feedback):
        if f.run is not None and f.run not in runs:
            bad.append(f"feedback.{n}.run: no run {f.run}")
        if f.consumed_by is not None and f.consumed_by not in props:
            bad.append(f"feedback.{n}.consumed_by: no proposal {f.consumed_by}")
    for n, p in enumerate(doc.proposals):
        for v in (p.base_version, p.result_version):
            if v is not None and v not in versions:
                bad.append(f"proposals.{n}: no version {v}")
        bad += [f"proposals.{n}.feedback: no feedback {f}" for f in p.feedback if int(f) not in fbs]
        for mu in p.mutations:
            bad += [
                f"proposals.{n}.mutations: no feedback {f}"
                for f in mu.feedback_ids
                if int(f) not in fbs
            ]
    for n, pr in enumerate(doc.principles):
        for c in pr.changes:
            if c.proposal is not None and c.proposal not in props:
                bad.append(f"principles.{n}.changes: no proposal {c.proposal}")
            bad += [
                f"principles.{n}.changes: no feedback {f}" for f in c.feedback if int(f) not in fbs
            ]
    return bad


def validate_export(data: Any) -> None:
    """Raise InvalidInput naming the first problems of a malformed export."""
    try:
        doc = ExportDoc.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'document'}: {err['msg']}"
            for err in exc.errors()[:3]
        )
        more = f" (and {exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
        raise InvalidInput(f"the export is malformed: {problems}{more}") from None
    check_target_model(doc.template.target_model)
    for n, v in enumerate(doc.versions):
        check_template_text(v.text, f"versions.{n}.text")
    for n, p in enumerate(doc.proposals):
        check_template_text(p.text, f"proposals.{n}.text")
    numbers = sorted(v.number for v in doc.versions)
    if not numbers or numbers != list(range(1, len(numbers) + 1)):
        raise InvalidInput("the export's versions must be numbered 1, 2, … without gaps")
    if bad := _refs(doc):
        more = f" (and {len(bad) - 3} more)" if len(bad) > 3 else ""
        raise InvalidInput(f"the export is malformed: {'; '.join(bad[:3])}{more}")
