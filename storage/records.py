"""The plain, frozen records the Store returns: never ORM objects, never Slack payloads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from alignment.principles import PrincipleMutation
from alignment.settings import TemplateSettings
from alignment.usage import CallStats
from alignment.vocabulary import (
    Decision,
    FeedbackKind,
    Label,
    MutationOp,
    ProposalStatus,
    RunStatus,
    VersionSource,
    Workflow,
)


class Outcome(StrEnum):
    """What a decision on a proposal did."""

    APPROVED = "approved"  # this approval completed the count: a new version is active
    COUNTED = "counted"  # approval recorded; more approvals are needed
    REJECTED = "rejected"  # the proposal is closed; the reason became feedback
    ALREADY_DECIDED = "already_decided"  # this user already decided; nothing changed
    NOT_ALLOWED = "not_allowed"  # the user is not an approver of this template
    SUPERSEDED = "superseded"  # a newer proposal or version replaced it; nothing changed
    CLOSED = "closed"  # already approved / rejected / expired / failed; nothing changed


@dataclass(frozen=True)
class VersionInfo:
    id: int
    template_id: int
    number: int
    text: str
    author: str
    source: VersionSource
    proposal_id: int | None
    created_at: datetime
    note: str = ""


@dataclass(frozen=True)
class PrincipleRestore:
    """What a rollback does to the principles: back to the set active under the version it
    returns to. Texts are the principles' (for `reworded`: (now, then))."""

    retired: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()
    reworded: tuple[tuple[str, str], ...] = ()

    @property
    def changes(self) -> bool:
        return bool(self.retired or self.restored or self.reworded)


@dataclass(frozen=True)
class TemplateInfo:
    id: int
    team_id: str
    name: str
    channel_id: str | None
    workflow: Workflow
    target_model: str | None
    settings: TemplateSettings
    active_version: VersionInfo
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class RunInfo:
    id: int
    template_id: int
    version_id: int
    version_number: int
    inputs: dict[str, Any]
    status: RunStatus
    requested_by: str
    created_at: datetime
    output: str | None = None
    error: str | None = None
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: float | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    completed_at: datetime | None = None
    critiqued: bool = False  # drew critique, a rewrite or a bad label (set by recent_runs)


@dataclass(frozen=True)
class FeedbackInfo:
    id: int
    template_id: int
    run_id: int | None
    author: str
    kind: FeedbackKind
    text: str
    label: Label | None
    source_key: str | None
    channel_id: str | None
    message_ts: str | None
    created_at: datetime
    retracted_at: datetime | None = None
    consumed_by_proposal_id: int | None = None


@dataclass(frozen=True)
class PrincipleChange:
    """One step in a principle's life: added, edited or retired, by whom and why."""

    id: int
    principle_id: int
    op: MutationOp
    text: str
    reason: str
    author: str
    proposal_id: int | None
    feedback_ids: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class DecisionInfo:
    proposal_id: int
    user_id: str
    decision: Decision
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class ProposalInfo:
    id: int
    template_id: int
    base_version_id: int
    base_version_number: int
    text: str
    rationale: str
    workflow: Workflow
    mutations: tuple[PrincipleMutation, ...]
    feedback_ids: tuple[str, ...]
    evaluation: dict[str, Any] | None
    status: ProposalStatus
    created_by: str
    created_at: datetime
    status_reason: str = ""
    decided_at: datetime | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    result_version_id: int | None = None
    approvals: tuple[str, ...] = ()  # user ids that approved, in order
    calls: tuple[CallStats, ...] = ()


@dataclass(frozen=True)
class DecisionOutcome:
    """What approve()/reject() did: `outcome` for code, `message` in words for people."""

    outcome: Outcome
    message: str
    proposal: ProposalInfo | None = None
    version: VersionInfo | None = None  # the new version, when outcome is APPROVED
    approvals: int = 0
    required: int = 1
    feedback: FeedbackInfo | None = None  # the rejection reason, stored as feedback


ApprovalOutcome = DecisionOutcome


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str  # version | proposal | decision
    summary: str
    version: VersionInfo | None = None
    proposal: ProposalInfo | None = None
    decision: DecisionInfo | None = None


@dataclass(frozen=True)
class InboxItem:
    id: int
    event_id: str
    team_id: str | None
    kind: str
    payload: dict[str, Any]
    channel_id: str | None
    ts: str | None
    attempts: int
    created_at: datetime
    lane: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)  # see `Store.inbox_note`


@dataclass(frozen=True)
class VoteOutcome:
    """What a vote did: the tally per candidate number, the leader (which the proposal's text
    now is), and whether approvals given to an earlier leader were withdrawn."""

    proposal_id: int
    tally: dict[int, int]
    leader: int
    changed: bool  # this person's vote is new or different from before
    approvals_cleared: bool = False


@dataclass(frozen=True)
class PreferenceRecord:
    """One stored vote: the chosen candidate's text over the others' (for feedback, the judge)."""

    proposal_id: int
    user_id: str
    chosen_text: str
    other_texts: tuple[str, ...]
    pair: str = ""
    chosen_rows: tuple[dict[str, Any], ...] = ()  # the chosen candidate's before/after rows
    other_rows: tuple[tuple[dict[str, Any], ...], ...] = ()
