"""Storage records -> the view models the Slack views render."""

from __future__ import annotations

from alignment.principles import Principle
from alignment.vocabulary import ProposalStatus, RunStatus, VersionSource
from bot.slack.views import models as vm
from storage import Store
from storage.records import ProposalInfo, RunInfo, TemplateInfo, VersionInfo


def settings_view(
    info: TemplateInfo, default_model: str, *, pending_feedback: int = 0
) -> vm.TemplateSettingsView:
    s = info.settings
    return vm.TemplateSettingsView(
        mode=info.workflow,
        target_model=info.target_model or default_model,
        approvers=tuple(s.approvers),
        approvals_required=s.approvals_required,
        auto_propose_after=s.auto_propose_after,
        channel_id=info.channel_id,
        daily_digest=s.daily_digest,
        proposal_ttl_hours=s.proposal_ttl_hours,
        remind_after_hours=s.remind_after_hours,
        candidates=s.candidates,
        pending_feedback=pending_feedback,
        review_rate=s.review_rate,
        review_cap_per_hour=s.review_cap_per_hour,
    )


def summary(info: TemplateInfo, store: Store, default_model: str) -> vm.TemplateSummary:
    pending = [p for p in store.list_proposals(info.id) if p.status is ProposalStatus.PENDING]
    return vm.TemplateSummary(
        name=info.name,
        active_version=info.active_version.number,
        mode=info.workflow,
        channel_id=info.channel_id,
        pending_feedback=store.count_pending(info.id),
        pending_proposal_id=str(pending[-1].id) if pending else None,
        target_model=info.target_model or default_model,
    )


def principle_row(p: Principle) -> vm.PrincipleRow:
    return vm.PrincipleRow(
        id=p.id,
        text=p.text,
        status=p.status,
        origin=p.origin,
        feedback_count=len(p.feedback_ids),
    )


def version_row(
    v: VersionInfo, active_number: int, *, rolled_back_to: int | None = None
) -> vm.VersionRow:
    if (
        rolled_back_to is None
        and v.source is VersionSource.ROLLBACK
        and v.note.startswith("rollback")
    ):
        digits = "".join(ch for ch in v.note if ch.isdigit())
        rolled_back_to = int(digits) if digits else None
    return vm.VersionRow(
        version=v.number,
        source=v.source,
        created_at=v.created_at,
        author=v.author,
        active=v.number == active_number,
        proposal_id=str(v.proposal_id) if v.proposal_id else None,
        rolled_back_to=rolled_back_to,
        note=v.note,
    )


def run_view(run: RunInfo, template_name: str, origin: str | None = None) -> vm.RunView:
    # A running run shows as pending: the people in the channel see "Running…" for both.
    status = RunStatus.PENDING if run.status is RunStatus.RUNNING else run.status
    return vm.RunView(
        run_id=str(run.id),
        template_name=template_name,
        version=run.version_number,
        inputs={k: str(v) for k, v in run.inputs.items()},
        output=run.output,
        status=status,
        error=run.error,
        model=run.model or "",
        requested_by=None if origin else run.requested_by,
        latency_ms=int(run.latency_ms) if run.latency_ms is not None else None,
        origin=origin,
    )


def proposal_summary(p: ProposalInfo, template_name: str, required: int) -> vm.ProposalSummary:
    return vm.ProposalSummary(
        proposal_id=str(p.id),
        template_name=template_name,
        base_version=p.base_version_number,
        approvals=len(p.approvals),
        approvals_required=required,
        channel_id=p.channel_id,
        created_at=p.created_at,
    )
