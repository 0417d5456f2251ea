"""Storage: SQLAlchemy models, Alembic migrations, and the `Store` the bot's services call."""

from alignment.settings import TemplateSettings
from alignment.vocabulary import ProposalStatus, RunStatus, VersionSource, Workflow
from storage.errors import AlreadyExists, InvalidInput, NotFound, SchemaOutOfDate, StorageError
from storage.records import (
    ApprovalOutcome,
    DecisionInfo,
    DecisionOutcome,
    FeedbackInfo,
    HistoryEntry,
    InboxItem,
    Outcome,
    PrincipleChange,
    ProposalInfo,
    RunInfo,
    TemplateInfo,
    VersionInfo,
)
from storage.store import Store

__all__ = [
    "AlreadyExists",
    "ApprovalOutcome",
    "DecisionInfo",
    "DecisionOutcome",
    "FeedbackInfo",
    "HistoryEntry",
    "InboxItem",
    "InvalidInput",
    "NotFound",
    "Outcome",
    "PrincipleChange",
    "ProposalInfo",
    "ProposalStatus",
    "RunInfo",
    "RunStatus",
    "SchemaOutOfDate",
    "StorageError",
    "Store",
    "TemplateInfo",
    "TemplateSettings",
    "VersionInfo",
    "VersionSource",
    "Workflow",
]
