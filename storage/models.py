"""SQLAlchemy 2 typed models: the whole schema, including the tables of the libraries we reuse.

Alembic's migrations in `storage/migrations` must match this file exactly (a test compares them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from alignment.values import MODEL_NAME_MAX, NAME_MAX


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out on every backend (SQLite stores no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to storage; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


PENDING_FEEDBACK = text("retracted_at IS NULL AND consumed_by_proposal_id IS NULL")
UNFINISHED_INBOX = text("status IN ('pending', 'claimed')")


class Template(Base):
    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    workflow: Mapped[str] = mapped_column(String(16))
    target_model: Mapped[str | None] = mapped_column(String(MODEL_NAME_MAX))
    settings: Mapped[dict[str, Any]]
    # The head of the version sequence; approval is compare-and-set on this number.
    active_version_number: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Version(Base):
    """Immutable once written. A rollback or an approved proposal adds a new one."""

    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("template_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (
        UniqueConstraint("channel_id", "message_ts"),
        Index(None, "template_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("template_versions.id"))
    inputs: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(64))
    output: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(MODEL_NAME_MAX))
    input_tokens: Mapped[int | None] = mapped_column(Integer)
    output_tokens: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class Proposal(Base):
    __tablename__ = "proposals"
    __table_args__ = (Index(None, "template_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"))
    base_version_id: Mapped[int] = mapped_column(ForeignKey("template_versions.id"))
    result_version_id: Mapped[int | None] = mapped_column(ForeignKey("template_versions.id"))
    text: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text)
    workflow: Mapped[str] = mapped_column(String(16))
    mutations: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    evaluation: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (
        # The engine's batch: a template's pending feedback, newest first. Partial, so consumed
        # and retracted rows (the bulk of an old template's log) cost nothing to skip.
        Index(
            "ix_feedback_pending",
            "template_id",
            "id",
            postgresql_where=PENDING_FEEDBACK,
            sqlite_where=PENDING_FEEDBACK,
        ),
        Index(None, "run_id"),
        Index(None, "consumed_by_proposal_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    label: Mapped[str | None] = mapped_column(String(8))
    # Idempotency key (the Slack event id, or reaction:channel:ts:user:name).
    source_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    retracted_at: Mapped[datetime | None]
    consumed_by_proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="SET NULL")
    )
    consumed_at: Mapped[datetime | None]


class ProposalFeedback(Base):
    """Which feedback a proposal was built from (its provenance)."""

    __tablename__ = "proposal_feedback"

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    feedback_id: Mapped[int] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class Preference(Base):
    """One person's vote between a proposal's candidates: the one chosen over the others.

    `pair` is empty for the vote among all candidates, or "A:B" (candidate numbers) for an A/B
    comparison of two close candidates' outputs. One row per person and comparison: a changed
    vote updates it. Kept after the proposal is decided: it is feedback and judge training."""

    __tablename__ = "preferences"
    __table_args__ = (
        UniqueConstraint("proposal_id", "user_id", "pair"),
        Index(None, "template_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    pair: Mapped[str] = mapped_column(String(16), default="")
    chosen: Mapped[int]  # the chosen candidate's number (1-based)
    others: Mapped[list[int]] = mapped_column(JSON)  # the numbers of those not chosen
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Principle(Base):
    __tablename__ = "principles"
    __table_args__ = (Index(None, "template_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PrincipleChangeRow(Base):
    """A principle's history: every add / edit / retire with its author, proposal and reason."""

    __tablename__ = "principle_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    principle_id: Mapped[int] = mapped_column(
        ForeignKey("principles.id", ondelete="CASCADE"), index=True
    )
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"))
    op: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(64))
    feedback_ids: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class LLMCall(Base):
    """Tokens and latency of every model call, attached to the run or proposal it served."""

    __tablename__ = "llm_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="CASCADE"), index=True
    )
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    model: Mapped[str] = mapped_column(String(MODEL_NAME_MAX))
    purpose: Mapped[str] = mapped_column(String(32))
    input_tokens: Mapped[int] = mapped_column(Integer)
    output_tokens: Mapped[int] = mapped_column(Integer)
    latency_ms: Mapped[float] = mapped_column(Float)
    prompt_chars: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]


class InboxEvent(Base):
    """Every Slack event, stored before it is acknowledged; work happens from here."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel_id", "message_ts"),  # a message is one event, retried or not
        Index(None, "status", "available_at"),
        # The head of each lane (its oldest unfinished row) is found in this index alone:
        # done rows, the bulk of an old inbox, cost nothing.
        Index(
            "ix_inbox_unfinished",
            "lane",
            "id",
            postgresql_where=UNFINISHED_INBOX,
            sqlite_where=UNFINISHED_INBOX,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    team_id: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(64))
    lane: Mapped[str | None] = mapped_column(String(255))  # rows of one lane run in id order
    payload: Mapped[dict[str, Any]]  # the job, as stored; never changed afterwards
    notes: Mapped[dict[str, Any] | None]  # what attempts did (posted messages, made records)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # pending | claimed | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None]
    available_at: Mapped[datetime]
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class Lease(Base):
    """A named lease so that, with several instances, one of them runs a scheduled job."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]


class ApiToken(Base):
    """A workspace's API token for its applications: only the SHA-256 of the secret is kept."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in listings to tell tokens apart
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class VersionLabel(Base):
    """A named pointer to a version (`staging`, `canary`); `production` is the active version
    and is never stored here."""

    __tablename__ = "version_labels"
    __table_args__ = (UniqueConstraint("template_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(40))
    version_id: Mapped[int] = mapped_column(ForeignKey("template_versions.id", ondelete="CASCADE"))
    set_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class ApiRun(Base):
    """Where a run logged by an application came from, one row per such run."""

    __tablename__ = "api_runs"
    __table_args__ = (
        UniqueConstraint("team_id", "idempotency_key"),
        Index(None, "template_id", "review", "created_at"),
    )

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"))
    token_name: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    trace_id: Mapped[str | None] = mapped_column(String(255))
    end_user_id: Mapped[str | None] = mapped_column(String(255))
    meta: Mapped[dict[str, Any]]
    review: Mapped[str] = mapped_column(String(16))  # post | sampled_out | capped | off
    created_at: Mapped[datetime]


class Webhook(Base):
    """A URL told about a workspace's changes. The secret signs deliveries, so it is kept."""

    __tablename__ = "webhooks"
    __table_args__ = (UniqueConstraint("team_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(128))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index(None, "webhook_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class WorkspaceSettings(Base):
    """Settings of a whole workspace (not of one template), e.g. private webhook addresses."""

    __tablename__ = "workspace_settings"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    settings: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


# The tables of the libraries we reuse, defined by the libraries themselves, on our metadata so
# that Alembic migrates them with everything else.
from storage import library_tables  # noqa: E402

library_tables.register(Base.metadata)
