"""Principles: durable, reviewable guidelines distilled from feedback, each with its provenance."""

from __future__ import annotations

from dataclasses import dataclass, field

from alignment.vocabulary import MutationOp, PrincipleOrigin, PrincipleStatus

__all__ = [
    "MutationOp",
    "Principle",
    "PrincipleMutation",
    "PrincipleOrigin",
    "PrincipleStatus",
]


@dataclass(frozen=True)
class Principle:
    id: str
    text: str
    status: PrincipleStatus = PrincipleStatus.ACTIVE
    origin: PrincipleOrigin = PrincipleOrigin.DISTILLED
    feedback_ids: tuple[str, ...] = ()  # the feedback this principle came from


@dataclass(frozen=True)
class PrincipleMutation:
    """One change to the principle set. `principle_id` is None for ADD (storage assigns one)."""

    op: MutationOp
    feedback_ids: tuple[str, ...]
    text: str | None = None
    principle_id: str | None = None
    reason: str = ""
    extra: dict[str, str] = field(default_factory=dict)
