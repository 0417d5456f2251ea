"""The project's vocabulary: every named state and kind, defined once.

The engine, storage (which stores the values as text) and the bot (which parses and shows them)
all import these enums; none of them spells the values out again.
"""

from __future__ import annotations

from enum import StrEnum


class Workflow(StrEnum):
    """How a proposal is made: via principles (distil, then rewrite) or directly from feedback."""

    PRINCIPLES = "principles"
    DIRECT = "direct"


class FeedbackKind(StrEnum):
    KUDOS = "kudos"  # praise: keep doing what this output does
    CRITIQUE = "critique"  # what is wrong with the output
    REWRITE = "rewrite"  # a corrected output, written by a person
    PRINCIPLE = "principle"  # a guideline suggested directly
    LABEL = "label"  # good/bad, from a reaction


class Label(StrEnum):
    GOOD = "good"
    BAD = "bad"


class PrincipleStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class PrincipleOrigin(StrEnum):
    DISTILLED = "distilled"  # produced by the alignment model from feedback
    MANUAL = "manual"  # written by a person


class MutationOp(StrEnum):
    ADD = "add"
    EDIT = "edit"
    RETIRE = "retire"


class VersionSource(StrEnum):
    """Where a template version came from."""

    MANUAL = "manual"  # written by a person (`/align new`, the first version)
    PROPOSAL = "proposal"  # an approved proposal
    ROLLBACK = "rollback"  # a copy of an older version
    IMPORT = "import"  # `/align import` or the transfer format


class RunStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ProposalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"
    FAILED = "failed"


class Decision(StrEnum):
    """One person's decision on a proposal."""

    APPROVE = "approve"
    REJECT = "reject"


__all__ = [
    "Decision",
    "FeedbackKind",
    "Label",
    "MutationOp",
    "PrincipleOrigin",
    "PrincipleStatus",
    "ProposalStatus",
    "RunStatus",
    "VersionSource",
    "Workflow",
]
