"""A template's settings: what they are called, what each accepts, and their limits, written once.

`SETTINGS` is the catalogue people see (`/align settings` lists it, confirmations name it);
`SettingsChange` is a typed change parsed from what they typed (only the fields given are
changed); `TemplateSettings` is what storage keeps as JSON on the template, so a new setting needs
no migration.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from alignment.values import (
    Approvers,
    ChannelRef,
    InvalidValue,
    ModelName,
    WorkflowName,
    count,
    first_problem,
    on_off,
    share,
)

MAX_APPROVALS = 50
MAX_AUTO_PROPOSE = 10_000  # the larger of the two old limits: no stored value becomes invalid
MAX_TTL_HOURS = 24 * 90
MAX_REMIND_HOURS = 24 * 30
MAX_CANDIDATES = 4  # more than four is more than a channel reads and compares

ApprovalsRequired = Annotated[int, count("approvals", high=MAX_APPROVALS)]
AutoProposeAfter = Annotated[
    int | None, count("auto_propose_after", high=MAX_AUTO_PROPOSE, allow_off=True)
]
ProposalTtlHours = Annotated[int, count("proposal_ttl_hours", high=MAX_TTL_HOURS)]
RemindAfterHours = Annotated[
    int | None, count("remind_after_hours", high=MAX_REMIND_HOURS, allow_off=True)
]
DailyDigest = Annotated[bool, on_off("daily_digest")]
Candidates = Annotated[int, count("candidates", high=MAX_CANDIDATES)]
MAX_REVIEW_CAP = 10_000
# Runs logged by applications: the share posted in the channel for review, and a cap an hour.
ReviewRate = Annotated[float, share("review_rate")]
ReviewCapPerHour = Annotated[int, count("review_cap_per_hour", high=MAX_REVIEW_CAP)]


def _approvals_possible(approvers: tuple[str, ...], required: int) -> None:
    if approvers and required > len(approvers):
        raise ValueError(
            f"`approvals={required}` needs at least {required} approvers, but `approvers` names "
            f"{len(approvers)}: no proposal could ever pass."
        )


class TemplateSettings(BaseModel):
    """Who approves, how many approvals, when to propose on its own, and the schedule."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    approvers: Approvers = ()  # Slack user ids; empty means anyone in the channel
    approvals_required: ApprovalsRequired = 1
    auto_propose_after: AutoProposeAfter = None  # propose when this many feedback items wait
    proposal_ttl_hours: ProposalTtlHours = 72  # pending proposals older than this expire
    remind_after_hours: RemindAfterHours = 24  # remind approvers of a proposal waiting this long
    daily_digest: DailyDigest = False
    candidates: Candidates = 1  # candidate templates per proposal; above 1 the channel votes
    review_rate: ReviewRate = 1.0  # of the runs an application logs, the share posted for review
    review_cap_per_hour: ReviewCapPerHour = 20  # posted at most this many an hour

    @model_validator(mode="after")
    def _passable(self) -> TemplateSettings:
        _approvals_possible(self.approvers, self.approvals_required)
        return self

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> TemplateSettings:
        """Stored settings (keys a newer version may have written are ignored)."""
        try:
            return cls.model_validate(dict(data or {}))
        except ValidationError as exc:
            raise InvalidValue(first_problem(exc)) from None

    def changed_by(self, change: SettingsChange) -> TemplateSettings:
        """These settings with `change` applied, checked as a whole (approvals vs approvers)."""
        given = change.model_dump(include=change.model_fields_set & set(type(self).model_fields))
        return type(self).from_json({**self.model_dump(), **given})


class SettingsChange(BaseModel):
    """What `/align settings NAME key=value …` asks to change: only the fields given are set.

    `workflow`, `target_model` and `channel_id` live on the template itself; the rest in
    TemplateSettings. `auto_propose_after=None` and `remind_after_hours=None` mean off.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    workflow: WorkflowName | None = None
    target_model: ModelName | None = None
    channel_id: ChannelRef | None = None
    approvers: Approvers | None = None
    approvals_required: ApprovalsRequired | None = None
    auto_propose_after: AutoProposeAfter = None
    proposal_ttl_hours: ProposalTtlHours | None = None
    remind_after_hours: RemindAfterHours = None
    daily_digest: DailyDigest | None = None
    candidates: Candidates | None = None
    review_rate: ReviewRate | None = None
    review_cap_per_hour: ReviewCapPerHour | None = None

    @model_validator(mode="after")
    def _passable(self) -> SettingsChange:
        if self.approvers is not None and self.approvals_required is not None:
            _approvals_possible(self.approvers, self.approvals_required)
        return self

    @classmethod
    def parse(cls, values: Mapping[str, object]) -> SettingsChange:
        """From field names to raw values (text as typed, or native values)."""
        for key in values:
            if key not in cls.model_fields:
                setting(key)  # raises "Unknown setting …" (or accepts a name people know)
                raise InvalidValue(f"`{key}` is a setting's name, not its field.")
        try:
            return cls.model_validate(dict(values))
        except ValidationError as exc:
            raise InvalidValue(first_problem(exc)) from None

    @property
    def changed(self) -> tuple[str, ...]:
        """The names people know of the settings this changes, in the catalogue's order."""
        return tuple(s.name for s in SETTINGS if s.field in self.model_fields_set)

    def __bool__(self) -> bool:
        return bool(self.model_fields_set)

    def __eq__(self, other: object) -> bool:
        """Equal when the same settings are given the same values (`off` is not "unchanged")."""
        if not isinstance(other, SettingsChange):
            return NotImplemented
        return self.model_dump(exclude_unset=True) == other.model_dump(exclude_unset=True)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.model_dump(exclude_unset=True).items(), key=str)))


@dataclass(frozen=True)
class Setting:
    """One setting as people see it: `name` is listed, typed and named in confirmations."""

    name: str
    field: str  # the SettingsChange field
    aliases: tuple[str, ...] = ()


SETTINGS = (
    Setting("mode", "workflow", ("workflow",)),
    Setting("target_model", "target_model", ("model",)),
    Setting("approvers", "approvers"),
    Setting("approvals", "approvals_required", ("approvals_required",)),
    Setting("auto_propose_after", "auto_propose_after", ("auto_propose",)),
    Setting("daily_digest", "daily_digest", ("digest",)),
    Setting("proposal_ttl_hours", "proposal_ttl_hours", ("proposal_ttl", "ttl_hours")),
    Setting("remind_after_hours", "remind_after_hours", ("remind_after",)),
    Setting("candidates", "candidates", ("candidate_count",)),
    Setting("channel", "channel_id", ("channel_id",)),
    Setting("review_rate", "review_rate", ("review",)),
    Setting("review_cap_per_hour", "review_cap_per_hour", ("review_cap",)),
)
_BY_KEY = {key: s for s in SETTINGS for key in (s.name, *s.aliases)}


def setting(key: str) -> Setting:
    """The setting a typed key (a name or an alias, any case, `-` for `_`) means."""
    found = _BY_KEY.get(key.strip().lower().replace("-", "_"))
    if found is not None:
        return found
    close = difflib.get_close_matches(key.lower(), list(_BY_KEY), n=1, cutoff=0.6)
    hint = f" Did you mean `{_BY_KEY[close[0]].name}`?" if close else ""
    names = ", ".join(f"`{s.name}`" for s in SETTINGS)
    raise InvalidValue(f"Unknown setting `{key[:40]}`.{hint} Settings: {names}.")


__all__ = [
    "SETTINGS",
    "Setting",
    "SettingsChange",
    "TemplateSettings",
    "setting",
]
