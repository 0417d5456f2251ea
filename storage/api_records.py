"""Records of the API for applications: tokens, labels, runs logged by apps, webhooks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from storage.records import RunInfo, TemplateInfo, VersionInfo

PRODUCTION = "production"  # the label that follows the active version


class Scope(StrEnum):
    READ_TEMPLATES = "templates:read"
    WRITE_RUNS = "runs:write"  # log runs and end users' feedback
    WRITE_LABELS = "labels:write"  # move labels other than production (e.g. CI sets staging)


class Review(StrEnum):
    """What happened to a logged run on its way to the channel."""

    POST = "post"  # posted for review
    SAMPLED_OUT = "sampled_out"  # not drawn by the sample rate
    CAPPED = "capped"  # drawn, but the hourly cap was reached
    OFF = "off"  # the template posts no production runs


class WebhookEvent(StrEnum):
    VERSION_APPROVED = "version.approved"
    VERSION_ROLLED_BACK = "version.rolled_back"
    LABEL_MOVED = "label.moved"
    PROPOSAL_CREATED = "proposal.created"
    PROPOSAL_DECIDED = "proposal.decided"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    RETRYING = "retrying"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True)
class ApiTokenInfo:
    id: int
    team_id: str
    name: str
    prefix: str
    scopes: tuple[Scope, ...]
    created_by: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class NewToken:
    """A token just made: `secret` is shown once and never stored."""

    info: ApiTokenInfo
    secret: str


@dataclass(frozen=True)
class LabelMove:
    template_id: int
    label: str
    version: VersionInfo
    previous_number: int | None  # None: the label is new


@dataclass(frozen=True)
class ResolvedTemplate:
    """A template's version as the API serves it, with every label pointing at that version."""

    template: TemplateInfo
    version: VersionInfo
    labels: tuple[str, ...]
    updated_at: datetime


@dataclass(frozen=True)
class TemplateLabels:
    name: str
    labels: dict[str, int]  # label -> version number; production included


@dataclass(frozen=True)
class NewApiRun:
    """One output an application logs; `version` is the number it used."""

    template: str
    version: int
    inputs: dict[str, Any]
    output: str
    model: str | None = None
    latency_ms: float | None = None
    trace_id: str | None = None
    end_user_id: str | None = None
    metadata: dict[str, Any] | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ApiRunResult:
    run: RunInfo
    template_name: str
    review: Review
    created: bool  # False: the idempotency key was seen before; nothing was written
    trace_id: str | None = None
    end_user_id: str | None = None
    token_name: str = ""


@dataclass(frozen=True)
class WebhookInfo:
    id: int
    team_id: str
    url: str
    events: tuple[WebhookEvent, ...]
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class NewWebhook:
    info: WebhookInfo
    secret: str  # shown once


@dataclass(frozen=True)
class DeliveryInfo:
    id: int
    webhook_id: int
    url: str
    secret: str
    event: WebhookEvent
    payload: dict[str, Any]
    status: DeliveryStatus
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
