"""Feedback on a run: what people said about one output, in a form the engine can reason over."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from alignment.vocabulary import FeedbackKind, Label

__all__ = ["Feedback", "FeedbackKind", "Label"]


@dataclass(frozen=True)
class Feedback:
    """One piece of feedback. `id` is stable (storage's id as text) so principles can cite it."""

    id: str
    kind: FeedbackKind
    author: str
    text: str = ""
    label: Label | None = None
    run_id: str | None = None
    output: str | None = None  # the output the feedback is about, when there is one
    inputs: dict[str, Any] = field(default_factory=dict)
    agreement: int = 0  # how many others agreed (e.g. the same reaction); ranks what is sent
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("feedback needs an id")
        if self.kind is FeedbackKind.LABEL and self.label is None:
            raise ValueError("a label feedback needs label=good|bad")
        if self.kind is not FeedbackKind.LABEL and not self.text.strip():
            raise ValueError(f"{self.kind.value} feedback needs text")


def aware(moment: datetime) -> datetime:
    """Naive datetimes (SQLite hands them back) are taken as UTC, so they sort with aware ones."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
