"""What the views render: small frozen records the services fill from storage and the engine.

Views never see SQLAlchemy rows or Slack payloads; a service builds these and hands them over.
Texts here are raw (unescaped): the views escape everything they post.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from alignment.evaluation import EvaluationRow
from alignment.vocabulary import (
    MutationOp,
    PrincipleOrigin,
    PrincipleStatus,
    ProposalStatus,
    RunStatus,
    VersionSource,
    Workflow,
)


@dataclass(frozen=True)
class RunView:
    """One run of a template. `output` is None while pending or running; `error` is set when
    failed."""

    run_id: str
    template_name: str
    version: int
    inputs: Mapping[str, str] = field(default_factory=dict)
    output: str | None = None
    status: RunStatus = RunStatus.DONE
    error: str | None = None
    model: str = ""
    requested_by: str | None = None  # Slack user id of whoever started the run
    latency_ms: int | None = None
    origin: str | None = None  # set when an application logged it: which app, trace, end user


@dataclass(frozen=True)
class FeedbackLink:
    """A feedback item a principle change came from: a short label and its message permalink."""

    label: str
    permalink: str | None = None


@dataclass(frozen=True)
class PrincipleChangeView:
    op: MutationOp
    text: str
    feedback: tuple[FeedbackLink, ...] = ()
    previous_text: str | None = None  # for edit/retire: the principle as it was
    reason: str = ""
    conflicts_with: str | None = None  # an active principle's id this change contradicts
    conflicting_text: str | None = None  # that principle's text


@dataclass(frozen=True)
class CandidateView:
    """One competing template of a proposal, with the same before/after inputs as the rest."""

    number: int
    diff: str
    rationale: str = ""
    votes: int = 0
    leading: bool = False
    sample_after: str | None = None  # its output on the first sample input


@dataclass(frozen=True)
class ComparisonView:
    """Two close candidates' outputs on the same inputs, shown as A and B to one person."""

    proposal_id: str
    template_name: str
    a: int
    b: int
    rows: tuple[tuple[dict[str, str], str, str], ...]  # (inputs, output of A, output of B)


@dataclass(frozen=True)
class ProposalView:
    proposal_id: str
    template_name: str
    base_version: int
    diff: str  # unified diff of the template text (see alignment.textdiff.unified_diff)
    rationale: str = ""
    principle_changes: tuple[PrincipleChangeView, ...] = ()
    evaluation: tuple[EvaluationRow, ...] | None = None
    judge_note: str | None = None  # why the evaluation has no judge scores (e.g. too few labels)
    evaluation_note: str | None = None  # why there is no before/after at all (it failed)
    approvals: int = 0
    approvals_required: int = 1
    approvers: tuple[str, ...] = ()  # user ids allowed to approve; empty = any channel member
    approved_by: tuple[str, ...] = ()  # user ids who approved so far
    status: ProposalStatus = ProposalStatus.PENDING
    new_version: int | None = None  # set once approved
    decided_by: str | None = None  # who rejected / whose approval completed it
    reason: str | None = None  # rejection reason, or why it failed / was superseded
    mode: Workflow = Workflow.PRINCIPLES
    created_by: str | None = None  # user id, or None when the scheduler proposed it
    edited_from: str | None = None  # the proposal a person edited into this one
    superseded_by: FeedbackLink | None = None  # the newer proposal (label, message permalink)
    placeholders_added: tuple[str, ...] = ()  # in the proposed text, not in the base version
    placeholders_removed: tuple[str, ...] = ()  # in the base version, gone from the proposal
    candidates: tuple[CandidateView, ...] = ()  # two or more when the channel votes
    voters: int = 0  # people who voted
    close_pair: tuple[int, int] | None = None  # two close candidates worth an A/B comparison
    candidate_calls: int = 0  # the rewrite calls that made the candidates (repairs included)


@dataclass(frozen=True)
class TemplateSettingsView:
    mode: Workflow = Workflow.PRINCIPLES
    target_model: str = "offline"
    approvers: tuple[str, ...] = ()  # empty = any channel member
    approvals_required: int = 1
    auto_propose_after: int | None = None  # None = off
    channel_id: str | None = None
    daily_digest: bool = False
    proposal_ttl_hours: int = 72  # pending proposals older than this expire
    remind_after_hours: int | None = 24  # None = no reminders
    review_rate: float = 1.0  # share of an application's runs posted for review
    review_cap_per_hour: int = 20
    pending_feedback: int = 0  # feedback items no proposal has used yet
    candidates: int = 1  # candidate templates per proposal (above 1 the channel votes)


@dataclass(frozen=True)
class PrincipleRow:
    id: str
    text: str
    status: PrincipleStatus = PrincipleStatus.ACTIVE
    origin: PrincipleOrigin = PrincipleOrigin.DISTILLED
    feedback_count: int = 0


@dataclass(frozen=True)
class TemplateSummary:
    """A line of `/align list` and App Home."""

    name: str
    active_version: int
    mode: Workflow = Workflow.PRINCIPLES
    channel_id: str | None = None
    pending_feedback: int = 0
    pending_proposal_id: str | None = None
    target_model: str = "offline"


@dataclass(frozen=True)
class TemplateDetail:
    """What `/align show NAME [vN]` displays."""

    name: str
    version: int
    text: str
    variables: tuple[str, ...]
    settings: TemplateSettingsView
    principles: tuple[PrincipleRow, ...] = ()
    active_version: int | None = None  # when showing an older version, the active one
    author: str | None = None
    source: VersionSource = VersionSource.MANUAL
    created_at: datetime | None = None
    labels: tuple[str, ...] = ()  # labels on this version (production = the active one)


@dataclass(frozen=True)
class VersionRow:
    """One version in `/align history`."""

    version: int
    source: VersionSource
    created_at: datetime
    author: str | None = None  # user id
    active: bool = False
    proposal_id: str | None = None  # for source=proposal
    rolled_back_to: int | None = None  # for source=rollback: the version whose text was restored
    note: str = ""  # e.g. the proposal's rationale, first line
    labels: tuple[str, ...] = ()  # e.g. ("production",), ("staging",)


HistoryEntry = VersionRow


@dataclass(frozen=True)
class RejectedProposalRow:
    """A rejected proposal in `/align history`: who turned it down and why."""

    proposal_id: str
    base_version: int
    rejected_by: str | None
    reason: str
    decided_at: datetime | None = None


@dataclass(frozen=True)
class RollbackView:
    """What `/align rollback NAME vN` does (preview) or did: the text of `to_version` becomes
    `new_version`, and the principles go back to those in force under `to_version`."""

    name: str
    to_version: int
    new_version: int
    retired: tuple[str, ...] = ()  # principles added later, retired by the rollback
    restored: tuple[str, ...] = ()  # principles retired later, active again
    reworded: tuple[tuple[str, str], ...] = ()  # (wording now, wording under to_version)
    done: bool = False


@dataclass(frozen=True)
class ProposalSummary:
    """A pending proposal on App Home."""

    proposal_id: str
    template_name: str
    base_version: int
    approvals: int = 0
    approvals_required: int = 1
    channel_id: str | None = None
    permalink: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class AppHomeView:
    templates: tuple[TemplateSummary, ...] = ()
    pending_proposals: tuple[ProposalSummary, ...] = ()
    user_id: str | None = None
