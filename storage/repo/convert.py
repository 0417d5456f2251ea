"""Rows to records: the only place ORM objects turn into the frozen dataclasses callers see."""

from __future__ import annotations

from typing import Any

from alignment.principles import MutationOp, PrincipleMutation
from alignment.settings import TemplateSettings
from alignment.usage import CallStats
from alignment.vocabulary import (
    Decision,
    FeedbackKind,
    Label,
    ProposalStatus,
    RunStatus,
    VersionSource,
    Workflow,
)
from storage import models as m
from storage.records import (
    DecisionInfo,
    FeedbackInfo,
    InboxItem,
    ProposalInfo,
    RunInfo,
    TemplateInfo,
    VersionInfo,
)


def version(row: m.Version, proposal_id: int | None = None) -> VersionInfo:
    return VersionInfo(
        id=row.id,
        template_id=row.template_id,
        number=row.number,
        text=row.text,
        author=row.author,
        source=VersionSource(row.source),
        proposal_id=proposal_id,
        created_at=row.created_at,
        note=row.note or "",
    )


def template(row: m.Template, active: VersionInfo) -> TemplateInfo:
    return TemplateInfo(
        id=row.id,
        team_id=row.team_id,
        name=row.name,
        channel_id=row.channel_id,
        workflow=Workflow(row.workflow),
        target_model=row.target_model,
        settings=TemplateSettings.from_json(row.settings),
        active_version=active,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def run(row: m.Run, version_number: int, *, critiqued: bool = False) -> RunInfo:
    return RunInfo(
        id=row.id,
        template_id=row.template_id,
        version_id=row.version_id,
        version_number=version_number,
        inputs=dict(row.inputs or {}),
        status=RunStatus(row.status),
        requested_by=row.requested_by,
        created_at=row.created_at,
        output=row.output,
        error=row.error,
        model=row.model,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        latency_ms=row.latency_ms,
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        completed_at=row.completed_at,
        critiqued=critiqued,
    )


def feedback(row: m.Feedback) -> FeedbackInfo:
    return FeedbackInfo(
        id=row.id,
        template_id=row.template_id,
        run_id=row.run_id,
        author=row.author,
        kind=FeedbackKind(row.kind),
        text=row.text or "",
        label=Label(row.label) if row.label else None,
        source_key=row.source_key,
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        created_at=row.created_at,
        retracted_at=row.retracted_at,
        consumed_by_proposal_id=row.consumed_by_proposal_id,
    )


def mutation_to_json(mutation: PrincipleMutation) -> dict[str, Any]:
    return {
        "op": MutationOp(mutation.op).value,
        "feedback_ids": [str(f) for f in mutation.feedback_ids],
        "text": mutation.text,
        "principle_id": mutation.principle_id,
        "reason": mutation.reason,
        "extra": dict(mutation.extra),
    }


def mutation_from_json(data: dict[str, Any]) -> PrincipleMutation:
    return PrincipleMutation(
        op=MutationOp(data["op"]),
        feedback_ids=tuple(str(f) for f in data.get("feedback_ids", ())),
        text=data.get("text"),
        principle_id=data.get("principle_id"),
        reason=data.get("reason", ""),
        extra=dict(data.get("extra") or {}),
    )


def call(row: m.LLMCall) -> CallStats:
    return CallStats(
        model=row.model,
        purpose=row.purpose,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        latency_ms=row.latency_ms,
        prompt_chars=row.prompt_chars,
        attempts=row.attempts,
    )


def proposal(
    row: m.Proposal,
    *,
    base_number: int,
    feedback_ids: list[int],
    approvals: list[str],
    calls: list[m.LLMCall],
) -> ProposalInfo:
    return ProposalInfo(
        id=row.id,
        template_id=row.template_id,
        base_version_id=row.base_version_id,
        base_version_number=base_number,
        text=row.text,
        rationale=row.rationale,
        workflow=Workflow(row.workflow),
        mutations=tuple(mutation_from_json(d) for d in row.mutations or []),
        feedback_ids=tuple(str(f) for f in sorted(feedback_ids)),
        evaluation=row.evaluation,
        status=ProposalStatus(row.status),
        created_by=row.created_by,
        created_at=row.created_at,
        status_reason=row.status_reason or "",
        decided_at=row.decided_at,
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        result_version_id=row.result_version_id,
        approvals=tuple(approvals),
        calls=tuple(call(c) for c in calls),
    )


def decision(row: m.Decision) -> DecisionInfo:
    return DecisionInfo(
        proposal_id=row.proposal_id,
        user_id=row.user_id,
        decision=Decision(row.decision),
        reason=row.reason or "",
        created_at=row.created_at,
    )


def inbox_item(r: m.InboxEvent) -> InboxItem:
    return InboxItem(
        id=r.id,
        event_id=r.event_id,
        team_id=r.team_id,
        kind=r.kind,
        payload=dict(r.payload or {}),
        channel_id=r.channel_id,
        ts=r.message_ts,
        attempts=r.attempts,
        created_at=r.created_at,
        lane=r.lane,
        notes=dict(r.notes or {}),
    )
