"""Principles: durable, reviewable guidelines distilled from feedback, each with its provenance."""

from __future__ import annotations

from dataclasses import dataclass, field

from alignment.vocabulary import MutationOp, PrincipleOrigin, PrincipleStatus

__all__ = [
    "CONFLICTS_WITH",
    "MutationOp",
    "Principle",
    "PrincipleMutation",
    "PrincipleOrigin",
    "PrincipleStatus",
]

# The `extra` key of a mutation that contradicts an active principle (its id): such a mutation
# is shown to the team as a conflict and held back, never applied beside the principle.
CONFLICTS_WITH = "conflicts_with"


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

    @property
    def conflicts_with(self) -> str | None:
        """The active principle this new or edited text contradicts, as the distill call said."""
        return self.extra.get(CONFLICTS_WITH) or None
